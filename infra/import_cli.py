"""`./thidua import KIND FILE`: send a units, people, bloc-memberships or targets file (.xlsx or
.csv) to the registry's import API, or a reports file to progress's (`POST /imports/{kind}` of
the service that owns the kind, `SERVICE`), as a province administrator, with a progress bar for
the upload, and print the row-by-row report.

The service imports a file in one request and one transaction (all or nothing, idempotent by
the file's hash), so only the upload has measurable progress; while the service validates and
writes, the second bar shows the time spent, not a share: it reports nothing until it answers.
Splitting the file into chunks would have broken all-or-nothing and the re-import guarantee.

Exit code 0 when the file was imported (or, with --dry-run, would be), 1 when rows or the file
were refused (the report lists each row, column and problem), 2 when the service cannot be
reached or refuses the call.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from infra import tokens
from infra.profile import load
from servicekit.messages import Msg, translate

SERVICE = {
    "units": "registry",
    "people": "registry",
    "bloc-memberships": "registry",
    "targets": "registry",
    "reports": "progress",
}
"""Which service imports each kind of file."""
KINDS = tuple(SERVICE)
CHUNK = 64 * 1024
CONTENT_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
console = Console()


@dataclass
class Outcome:
    """What the service answered: its status and JSON body, and what the caller should print."""

    status: int
    body: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    """Row errors: {row, column, detail}."""

    @property
    def report(self) -> dict[str, Any]:
        """The import report (a refused import carries it inside its problem)."""
        return self.body.get("report", self.body) if self.status == 422 else self.body

    @property
    def ok(self) -> bool:
        return self.status == 200


def language() -> str:
    """The language the command speaks, and asks the service for: Vietnamese when the locale
    (LC_ALL, LC_MESSAGES or LANG, as gettext reads them) is Vietnamese, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


async def _chunks(data: bytes, sent: Callable[[int], None]) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        yield chunk
        sent(len(chunk))  # resumed once the transport has taken the chunk


async def upload(
    client: httpx.AsyncClient,
    token: str,
    kind: str,
    name: str,
    data: bytes,
    *,
    valid_only: bool = False,
    dry_run: bool = False,
    sent: Callable[[int], None] = lambda n: None,
    uploaded: Callable[[], None] = lambda: None,
    lang: str = "en",
) -> Outcome:
    """POST the file `name` (its content `data`) to `/imports/{kind}` of the service `client`
    points at (`SERVICE[kind]`'s). `sent(n)` is called as each chunk goes out, `uploaded()`
    once all is sent."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")

    async def body() -> AsyncIterator[bytes]:
        async for chunk in _chunks(data, sent):
            yield chunk
        uploaded()

    response = await client.post(
        f"/imports/{kind}",
        params={"mode": "valid" if valid_only else "all", "dry_run": str(dry_run).lower()},
        content=body(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": CONTENT_TYPES.get(Path(name).suffix.lower(), "text/csv"),
            "Content-Length": str(len(data)),
            "Accept-Language": lang,
        },
    )
    try:
        parsed = response.json()
    except ValueError:
        parsed = {"detail": response.text[:500]}
    outcome = Outcome(response.status_code, parsed if isinstance(parsed, dict) else {})
    report_errors = outcome.report.get("errors") if outcome.status in (200, 422) else None
    for e in report_errors or []:
        outcome.errors.append(
            {"row": e.get("row"), "column": e.get("column"), "detail": e.get("problem")}
        )
    return outcome


def print_outcome(outcome: Outcome, out: Console = console, lang: str = "en") -> None:
    """The report as tables, in `lang` (the service answered its problems in it already)."""

    def say(text: str) -> str:
        return translate(text, lang)

    r = outcome.report
    if outcome.status not in (200, 422) or "rows" not in r:
        out.print(f"[red]{outcome.status}[/] {outcome.body.get('detail') or outcome.body}")
        return
    title = Msg("import of {kind} ({mode})", kind=r.get("kind"), mode=r.get("mode"))
    summary = Table(title=say(title), show_header=False)
    labels = [Msg("rows"), Msg("valid"), Msg("invalid"), Msg("imported"), Msg("unchanged")]
    for name in labels:
        summary.add_row(say(name), str(r.get(name, 0)))
    if r.get("dry_run"):
        summary.add_row(say(Msg("dry run")), say(Msg("nothing written")))
    if r.get("replayed"):
        first = Msg("this file was imported before: its first report")
        summary.add_row(say(Msg("replayed")), say(first))
    out.print(summary)
    if outcome.errors:
        table = Table(title=say(Msg("rows refused")))
        for col in (Msg("row"), Msg("column"), Msg("problem")):
            table.add_column(say(col))
        for e in outcome.errors:
            table.add_row(str(e["row"]), e["column"] or "-", e["detail"] or "")
        out.print(table)
        if r.get("errors_truncated"):
            out.print(f"[yellow]{say(Msg('only the first errors are listed'))}[/]")
    if outcome.status == 422:
        out.print(f"[red]{outcome.body.get('detail')}[/]")
    elif r.get("imported") or r.get("unchanged"):
        out.print(f"[green]{say(Msg('imported'))}[/]")


async def run(
    base_url: str,
    token: str,
    kind: str,
    name: str,
    data: bytes,
    *,
    valid_only: bool = False,
    dry_run: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    out: Console = console,
    lang: str | None = None,
) -> Outcome:
    """Upload with the two progress bars, then print the report, in `lang` (by default the
    locale's: `language()`)."""
    lang = lang or language()
    size = len(data)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        sending = progress.add_task(translate(Msg("uploading {name}", name=name), lang), total=size)
        working = progress.add_task(
            translate(Msg("{service} validating and importing", service=SERVICE[kind]), lang),
            total=None,
            start=False,
        )

        def uploaded() -> None:
            progress.update(sending, completed=size)
            progress.start_task(working)

        async with httpx.AsyncClient(
            base_url=base_url, transport=transport, timeout=httpx.Timeout(30.0, read=None)
        ) as client:
            outcome = await upload(
                client,
                token,
                kind,
                name,
                data,
                valid_only=valid_only,
                dry_run=dry_run,
                sent=lambda n: progress.advance(sending, n),
                uploaded=uploaded,
                lang=lang,
            )
        progress.update(working, total=1, completed=1)
        progress.stop_task(working)
    print_outcome(outcome, out, lang)
    return outcome


def import_(
    kind: str = typer.Argument(
        ..., help="units, people, bloc-memberships, targets (the registry) or reports (progress)"
    ),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    valid_only: bool = typer.Option(
        False, "--valid-only", help="import the valid rows even if some are bad"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate only, write nothing"),
    profile: str = typer.Option(None, "--profile", help="dev (default), test or e2e"),
) -> None:
    """Import a .xlsx or .csv file into the registry (units, people, bloc-memberships, targets) or
    progress (reports), with progress and the row-by-row report.

    Reports: one per row; the target by target_id, or campaign_code, unit_code and target_name
    (or indicator_code); value; as_of (the day the value describes); optional submitted_on (the
    day a past record was submitted: timeliness is judged on it), note, evidence (references
    separated by spaces or ';') and report_ref (the row's key: a row imported again with the
    same data is unchanged). Vietnamese headers are understood too (Mã đơn vị, Tên chỉ tiêu,
    Giá trị, Đến ngày, Ngày gửi, Ghi chú, Số hiệu báo cáo…): see services/progress/README.md."""
    if kind not in KINDS:
        raise typer.BadParameter(f"one of {', '.join(KINDS)}", param_hint="KIND")
    p = load(profile)
    token = tokens.mint(p.state, sub="thidua-import", roles=["province_admin"], ttl=3600)
    url = p.service_url(SERVICE[kind])
    try:
        outcome = asyncio.run(
            run(url, token, kind, file.name, file.read_bytes(),
                valid_only=valid_only, dry_run=dry_run)
        )  # fmt: skip
    except httpx.HTTPError as e:
        unreachable = Msg(
            "cannot reach the {service} service at {url}: {error}",
            service=SERVICE[kind],
            url=url,
            error=str(e),
        )
        console.print(f"[red]{translate(unreachable, language())}[/]")
        raise typer.Exit(2) from None
    if outcome.status not in (200, 422):
        raise typer.Exit(2)
    raise typer.Exit(0 if outcome.ok else 1)
