"""`./thidua replay SERVICE`: the command around infra/replay.py — progress while the replay
reads the topics, then the report."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from infra import kafka, postgres
from infra import replay as rp
from infra.profile import Profile, load


def replay(
    service: str = typer.Argument(..., help="progress, awards or notify"),
    keep: bool = typer.Option(False, "--keep", help="keep the replay's database and group"),
    drop: str = typer.Option(None, "--drop", help="drop a kept replay's database and group"),
    timeout: float = typer.Option(3600.0, help="seconds to wait for catching up"),
    profile: str = typer.Option(None, "--profile", help="dev (default) or test"),
) -> None:
    """Rebuild SERVICE's read model from the topics into an empty database, beside the live
    service (publishing and sending nothing), and report when it caught up."""
    p = load(profile)
    if not (kafka.running(p) and postgres.running(p)):
        raise typer.Exit(_fail(f"Kafka and PostgreSQL of {p.name} are not running: ./thidua up"))
    try:
        rp.plan_for(service)
        kept = rp.kept_run(service, drop) if drop else None
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    console = Console()
    if kept is not None:
        asyncio.run(rp.finish(p, kept, keep=False))
        console.print(f"dropped database {kept.database} and consumer group {kept.group}")
        return
    report = asyncio.run(run(p, service, keep=keep, timeout=timeout, console=console))
    print_report(console, report)


async def run(
    p: Profile,
    service: str,
    *,
    keep: bool,
    timeout: float,  # noqa: ASYNC109
    console: Console,
    live_dsn: str | None = None,
) -> rp.Report:
    """Prepare, run and finish one replay, showing its progress on `console`. `live_dsn`: the
    database compared with, default the profile's service database."""
    r = rp.prepare(p, service)
    console.print(
        f"replaying {service} into database [bold]{r.database}[/] (group {r.group}, port "
        f"{r.port}) from {len(r.topics)} topic(s): {', '.join(r.topics)}"
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("starting", total=None)

            def show(now: rp.GroupProgress) -> None:
                bar.update(task, description="events", completed=now.consumed, total=now.total)

            return await rp.replay(
                p, r, live_dsn=live_dsn, keep=keep, on_progress=show, timeout=timeout
            )
    finally:
        await rp.finish(p, r, keep=keep)


def print_report(console: Console, r: rp.Report) -> None:
    console.print(
        f"[green]{r.service} caught up[/]: {r.events} events in {r.seconds:.1f}s "
        f"({r.rate:.0f} events/s; the process took {r.startup_seconds:.1f}s to start)"
    )
    table = Table(title="rows: live vs replay")
    for col in ("table", "live", "replay", ""):
        table.add_column(col, justify="left" if col == "table" else "right")
    for name, (live, rebuilt) in r.counts.items():
        same = "" if live is None else "[green]=[/]" if live == rebuilt else "[yellow]≠[/]"
        table.add_row(name, "-" if live is None else str(live), str(rebuilt), same)
    console.print(table)
    console.print(f"not restored by a replay: {r.not_restored}.")
    if r.outbox_held:
        console.print(f"derived and not published (relay off): {r.outbox_held} event(s)")
    for note in r.notes:
        console.print(f"[yellow]{note}[/]")
    if r.kept:
        console.print(f"kept: database {r.database}, consumer group {r.group}; log {r.log}")
        console.print(f"drop them with: ./thidua replay {r.service} --drop {r.database}")
    else:
        console.print(f"dropped the replay's database and group; its log: {r.log}")


def _fail(message: str) -> int:
    Console(stderr=True).print(f"[red]{message}[/]")
    return 1
