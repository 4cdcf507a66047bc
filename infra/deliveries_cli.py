"""`./thidua deliveries`: list, show and redeliver notify's deliveries (parked ones by default).

Emails and webhook calls that ran out of attempts are parked; once the cause is fixed an operator
sends them again. Everything goes through notify's HTTP API, with a short-lived `operator` token
of the profile's development key (the API records the caller as `cli:<user>`)."""

from __future__ import annotations

import asyncio
import getpass
import json
from typing import Any

import asyncpg
import httpx
import typer
from rich.console import Console
from rich.table import Table

from infra import operations, tokens
from infra.profile import Profile, load

app = typer.Typer(no_args_is_help=True, help=__doc__.split("\n\n")[0])
ProfileOpt = typer.Option(None, "--profile", help="dev (default) or test; or THIDUA_PROFILE")
UrlOpt = typer.Option(
    None, "--url", envvar="THIDUA_NOTIFY_URL", help="notify's base URL; default the profile's"
)
AsJson = typer.Option(False, "--json", help="print the API's answer as JSON")
STATUSES = ("parked", "pending", "delivered", "all")


class NotifyApi:
    """notify's operator endpoints, called as `cli:<user>` with the `operator` role."""

    def __init__(self, p: Profile, url: str | None = None) -> None:
        self.url = (url or p.service_url("notify")).rstrip("/")
        token = tokens.mint(p.state, sub=f"cli:{getpass.getuser()}", roles=["operator"], ttl=300)
        self._headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = httpx.request(method, self.url + path, headers=self._headers, timeout=30.0, **kw)
        except httpx.TransportError as e:
            message = f"notify is not reachable at {self.url} ({e}); see ./thidua status"
            raise typer.Exit(_fail(message)) from None
        if r.status_code >= 400:
            try:
                problem = r.json()
                detail = problem.get("detail") or problem.get("title") or r.text
            except ValueError:
                detail = r.text
            raise typer.Exit(_fail(f"notify answered {r.status_code}: {detail}"))
        return r.json()


def _fail(message: str) -> int:
    Console(stderr=True).print(f"[red]{message}[/]")
    return 1


@app.command("list")
def list_(
    status: str = typer.Option("parked", help=f"one of {', '.join(STATUSES)}"),
    subscription: str = typer.Option(None, help="only this subscription's (or contact's)"),
    channel: str = typer.Option(None, help="email or webhook"),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = AsJson,
    url: str = UrlOpt,
    profile: str = ProfileOpt,
) -> None:
    """Deliveries, newest first: by default the parked ones (attempts exhausted)."""
    if status not in STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not one of {', '.join(STATUSES)}", param_hint="--status"
        )
    params = {"limit": limit, "status": None if status == "all" else status}
    params |= {"subscription_id": subscription, "channel": channel}
    page = NotifyApi(load(profile), url).call(
        "GET", "/deliveries", params={k: v for k, v in params.items() if v is not None}
    )
    if as_json:
        typer.echo(json.dumps(page, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{len(page['items'])} {'' if status == 'all' else status} deliveries")
    for col in ("id", "channel", "subscription", "event", "status", "attempts", "last error"):
        table.add_column(col, overflow="fold")
    for d in page["items"]:
        table.add_row(
            d["id"],
            d["channel"],
            d["subscription_id"],
            d["event_type"].removeprefix("vn.gov.thidua."),
            d["status"],
            str(d["attempts"]),
            d["last_error"] or "",
        )
    console = Console()
    console.print(table)
    if page.get("next_cursor"):
        console.print(f"more than {limit}: use --limit or --subscription")


@app.command()
def show(
    delivery_id: str = typer.Argument(..., help="the delivery's id"),
    as_json: bool = AsJson,
    url: str = UrlOpt,
    profile: str = ProfileOpt,
) -> None:
    """One delivery and every attempt made."""
    d = NotifyApi(load(profile), url).call("GET", f"/deliveries/{delivery_id}")
    if as_json:
        typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
        return
    console = Console()
    console.print(f"[bold]{d['id']}[/] {d['channel']} of {d['event_type']} (event {d['event_id']})")
    console.print(
        f"to subscription {d['subscription_id']}: {d['status']}, {d['attempts']} attempt(s)"
    )
    for key in ("next_attempt_at", "delivered_at", "parked_at", "last_error"):
        if d.get(key):
            console.print(f"  {key.replace('_', ' ')}: {d[key]}")
    table = Table(title="attempts")
    for col in ("#", "started", "ms", "status", "result", "error"):
        table.add_column(col, overflow="fold")
    for a in d["attempt_log"]:
        table.add_row(
            str(a["number"]),
            a["started_at"],
            "" if a["duration_ms"] is None else str(a["duration_ms"]),
            str(a["status"] or "-"),
            a["result"],
            a["error"] or "",
        )
    console.print(table)


@app.command()
def redeliver(
    delivery_id: str = typer.Argument(None, help="one delivery (parked or delivered)"),
    all_: bool = typer.Option(False, "--all", help="every parked delivery that matches"),
    subscription: str = typer.Option(None, help="with --all: only this subscription's"),
    channel: str = typer.Option(None, help="with --all: email or webhook"),
    url: str = UrlOpt,
    profile: str = ProfileOpt,
) -> None:
    """Send deliveries again with a fresh round of attempts (same event id, so a receiver that
    had it recognises it)."""
    api = NotifyApi(load(profile), url)
    if (delivery_id is None) == (not all_):
        raise typer.BadParameter("give a delivery id, or --all (with --subscription/--channel)")
    if delivery_id is not None:
        if subscription or channel:
            raise typer.BadParameter("--subscription and --channel go with --all")
        d = api.call("POST", f"/deliveries/{delivery_id}/redeliver")
        Console().print(f"redelivering {d['id']}: {d['status']}, due {d['next_attempt_at']}")
        return
    body = {k: v for k, v in (("subscription_id", subscription), ("channel", channel)) if v}
    done = api.call("POST", "/deliveries/redeliver", json=body)
    Console().print(f"redelivering {done['redelivered']} parked delivery(ies)")


def show_parked(console: Console, dsn: str) -> None:
    """`./thidua status`'s lines on notify: parked deliveries per subscriber, and suspended
    subscribers."""
    try:
        parked = asyncio.run(operations.parked_deliveries(dsn))
    except (OSError, asyncpg.PostgresError) as e:
        console.print(f"parked deliveries: notify's database unreachable ({type(e).__name__})")
        return
    if not parked.groups:
        console.print("parked deliveries: none")
    else:
        table = Table(title=f"parked deliveries: {parked.total} (see ./thidua deliveries list)")
        for col in ("channel", "subscriber", "subscription", "parked", "oldest"):
            table.add_column(col, justify="right" if col == "parked" else "left")
        for g in parked.groups:
            oldest = f"{g.oldest:%Y-%m-%d %H:%M}" if g.oldest else "-"
            table.add_row(
                g.channel, g.subscriber, g.subscription_id, f"[yellow]{g.count}[/]", oldest
            )
        console.print(table)
    if parked.suspended:
        table = Table(title="suspended subscribers (resume: POST /subscriptions/{id}/resume)")
        for col in ("client", "subscription", "since", "waiting", "reason"):
            table.add_column(col)
        for s in parked.suspended:
            table.add_row(
                s.client_id,
                s.subscription_id,
                f"{s.since:%Y-%m-%d %H:%M}",
                str(s.waiting),
                s.reason or "",
            )
        console.print(table)
    else:
        console.print("suspended subscribers: none")
