"""`./thidua`: one entry point for operators and developers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import typer
from rich.console import Console
from rich.table import Table

from infra import (
    balancer,
    deliveries_cli,
    dlq_cli,
    import_cli,
    kafka,
    lint,
    operations,
    postgres,
    replay_cli,
    stack,
)
from infra.profile import ROOT, SERVICES, SINKS, WEB, load

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
app.add_typer(dlq_cli.app, name="dlq")
app.add_typer(deliveries_cli.app, name="deliveries")
app.command("replay")(replay_cli.replay)
app.command("import")(import_cli.import_)
console = Console()
Profile = typer.Option(
    None, "--profile", help="dev (default), test, e2e or cluster; or THIDUA_PROFILE"
)


@app.command()
def setup() -> None:
    """Fetch Kafka's jars and make sure PostgreSQL, HAProxy (the replicas' load balancer),
    chromium and axe-core (the web tests' browser and accessibility checker) are installed (the
    Python side is set up by ./thidua itself)."""
    from infra import browser

    kafka.fetch_jars()
    postgres.ensure_binaries()
    haproxy = balancer.ensure_binary()
    browser.ensure_chromium()
    browser.ensure_axe(ROOT / ".state" / "vendor")
    console.print(
        f"Kafka {kafka.version()}, PostgreSQL {postgres.version()}, {haproxy}: ready to start"
    )


@app.command()
def up(
    profile: str = Profile,
    no_demo: bool = typer.Option(False, "--no-demo", help="do not play the demo campaign"),
    replicas: int = typer.Option(
        1, "--replicas", help="processes per service; above 1, behind HAProxy at the usual ports"
    ),
) -> None:
    """Start Kafka, PostgreSQL and the four services; a second `up` only restarts what is down.
    With --replicas N (N > 1) each service runs as N processes on ports of their own behind a
    load balancer that checks their /ready (docs/deploy.md, "Replicas"). Then play the demo (the
    seed's 2020 campaign, demo/data) unless --no-demo; a platform that already played it prints
    its summary."""
    p = load(profile)
    t0 = time.monotonic()
    with console.status("starting Kafka and PostgreSQL…"):
        started = stack.start_infra(p)
    with console.status("starting the services…"):
        started += stack.start_services(p, replicas=replicas)
    console.print(
        f"started: {', '.join(started) or 'nothing (all were up)'} in {time.monotonic() - t0:.1f}s"
    )
    _print_status(p)
    console.print(f"the web application: {p.service_url(WEB)}/")
    if not no_demo:
        demo(profile)


@app.command()
def demo(profile: str = Profile) -> None:
    """Play the demo on the running platform through the public APIs (demo/data, demo/README);
    once played, print its summary."""
    from demo.client import DemoError
    from demo.player import play

    try:
        play(load(profile), console)
    except DemoError as exc:
        console.print(f"[red]the demo stopped: {exc}[/]")
        raise typer.Exit(1) from exc


@app.command()
def down(profile: str = Profile) -> None:
    """Stop what `up` started, by pid."""
    stopped = stack.stop_all(load(profile))
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def status(profile: str = Profile) -> None:
    """Each component's state; then consumer lag, outbox backlog, dead letters and notify's
    parked deliveries."""
    p = load(profile)
    healthy = _print_status(p)
    if kafka.running(p) and postgres.running(p):
        _print_flow(p)
    if not healthy:
        raise typer.Exit(1)


@app.command()
def logs(
    component: str = typer.Argument(
        None, help="kafka, postgres, a sink (mail, hooks, traces) or a service; all if omitted"
    ),
    follow: bool = typer.Option(False, "-f", "--follow"),
    lines: int = typer.Option(50, "-n"),
    profile: str = Profile,
) -> None:
    """Show the components' logs."""
    p = load(profile)
    names = [component] if component else ["kafka", "postgres", *SINKS, *SERVICES, WEB]
    replicas = {s: [n for n, svc, _ in stack.processes(p) if svc == s] for s in SERVICES}
    files = [
        str(p.postgres_dir / "server.log") if n == "postgres" else str(p.logs / f"{r}.log")
        for n in names
        for r in replicas.get(n, [n])
    ]
    files = [f for f in files if os.path.exists(f)]
    if not files:
        typer.echo(f"no logs yet under {p.logs}", err=True)
        raise typer.Exit(1)
    os.execvp("tail", ["tail", "-n", str(lines), *(["-F"] if follow else []), *files])


@app.command()
def reset(profile: str = Profile) -> None:
    """Stop everything and delete the profile's data (Kafka topics, databases, logs)."""
    p = load(profile)
    stack.remove(p)
    console.print(f"removed {p.state}")


@app.command()
def token(
    role: list[str] = typer.Option(..., "--role", help="repeatable, e.g. unit_officer"),
    sub: str = typer.Option(..., "--sub", help="the subject (user or client id)"),
    unit: str = typer.Option(None, "--unit", help="unit id (required for unit_officer)"),
    council: str = typer.Option(None, "--council", help="council id"),
    client: str = typer.Option(None, "--client", help="client id of an integration client"),
    read: bool = typer.Option(False, "--read", help="scope `read` (a read-only client)"),
    subscriptions: bool = typer.Option(
        False, "--subscriptions", help="scope `subscriptions` (its own webhooks)"
    ),
    reports_for: list[str] = typer.Option(
        [], "--reports-for", help="repeatable: scope `reports:<unit id>` (`*`: any unit)"
    ),
    ttl: int = typer.Option(3600, "--ttl", help="seconds until it expires"),
    profile: str = Profile,
) -> None:
    """Print a bearer token signed with the profile's development key (made on first use).
    An integration client's token with --read, --subscriptions or --reports-for is scoped; one
    without keeps the old, deprecated reach (reports for any unit)."""
    from infra import tokens

    scopes = tokens.client_scopes(read=read, subscriptions=subscriptions, reports_for=reports_for)
    try:
        jwt = tokens.mint(
            load(profile).state,
            sub=sub,
            roles=role,
            unit_id=unit,
            council_id=council,
            client_id=client,
            scopes=scopes,
            ttl=ttl,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(jwt)


@app.command()
def trace(
    trace_id: str = typer.Argument(None, help="a trace id (32 hex digits); omitted: the latest"),
    last: int = typer.Option(20, "-n", help="how many of the latest traces to list"),
    profile: str = Profile,
) -> None:
    """The traces the stack's traces sink received: one trace's span tree, or the latest ones."""
    from infra import traces

    p = load(profile)
    spans = traces.read(p.sinks_dir / "spans.jsonl")
    if trace_id is None:
        traces.print_latest(console, spans, last)
    elif not traces.print_trace(console, spans, trace_id.lower()):
        typer.echo(f"no span of trace {trace_id} in {p.sinks_dir / 'spans.jsonl'}", err=True)
        raise typer.Exit(1)


@app.command("lint")
def lint_() -> None:
    """The checker gate: ruff check, ruff format --check, the house rules (module sizes, pointers
    outside the repository) and mypy over the files of pyproject.toml's tool.mypy section; exit 1
    if any fails. `./thidua test` runs it first."""
    if not lint.run(console):
        raise typer.Exit(1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def test(
    ctx: typer.Context,
    fast: bool = typer.Option(
        False, "--fast", help='only the tests that need no stack (pytest -m "not infra")'
    ),
    no_lint: bool = typer.Option(
        False, "--no-lint", help="skip the checker gate, for local loops only (refused on CI)"
    ),
) -> None:
    """Run the checker gate (./thidua lint), then every test against a real Kafka and PostgreSQL
    of the `test` profile (extra arguments go to pytest); a failed gate runs no test. The test
    stack stays up for the next run, except on CI. --fast runs only the tests that need no stack
    and starts none."""
    if no_lint and os.environ.get("CI"):
        raise typer.BadParameter("CI runs the checker gate: --no-lint is for local loops only")
    if not no_lint and not lint.run(console):
        console.print("[red]the checker gate failed: no test was run[/] (./thidua lint)")
        raise typer.Exit(1)
    env = {**os.environ, "THIDUA_PROFILE": "test"}
    if fast:
        code = subprocess.call(
            [sys.executable, "-m", "pytest", "-m", "not infra", *ctx.args], cwd=ROOT, env=env
        )
        raise typer.Exit(code)
    p = load("test")
    t0 = time.monotonic()
    with console.status("starting the test profile's Kafka and PostgreSQL…"):
        stack.start_infra(p)
    console.print(
        f"test stack ready in {time.monotonic() - t0:.1f}s "
        f"(Kafka {kafka.version()}, PostgreSQL {postgres.version()})"
    )
    try:
        code = subprocess.call([sys.executable, "-m", "pytest", *ctx.args], cwd=ROOT, env=env)
    finally:
        if os.environ.get("CI"):
            stack.stop_all(p)
    raise typer.Exit(code)


@app.command()
def bench(
    names: list[str] = typer.Argument(None, help="ingest, latency, annual, replay; all if none"),
    scale: float = typer.Option(1.0, "--scale", help="multiplies data sizes (0.1: a quick look)"),
) -> None:
    """Run the benchmarks on the test profile's Kafka and PostgreSQL: each measures the project
    and a baseline in the same run; prints a table and writes .state/bench/results-<time>.json."""
    from bench import runner

    _, path = runner.run(names or [], scale)
    console.print(f"results written to {path}")


def _print_flow(p) -> None:
    lag = asyncio.run(operations.consumer_lag(p.kafka_bootstrap))
    table = Table(title="consumer lag (records not yet committed)")
    for col in ("group", "topic", "committed", "end", "lag"):
        table.add_column(col, justify="right" if col in ("committed", "end", "lag") else "left")
    for row in lag:
        colour = "green" if row.lag == 0 else "yellow"
        table.add_row(
            row.group, row.topic, str(row.committed), str(row.end), f"[{colour}]{row.lag}[/]"
        )
    console.print(table)
    backlog = asyncio.run(operations.outbox_backlog(p))
    console.print("outbox backlog: " + ", ".join(f"{s} {n}" for s, n in backlog.items()))
    dead = {
        t: n for t, n in asyncio.run(operations.dead_letter_counts(p.kafka_bootstrap)).items() if n
    }
    console.print(
        "dead letters: "
        + (", ".join(f"{t} {n}" for t, n in dead.items()) or "none")
        + (" (see ./thidua dlq list TOPIC)" if dead else "")
    )
    deliveries_cli.show_parked(console, postgres.dsn(p, "notify"))


def _print_status(p) -> bool:
    table = Table(title=f"thidua ({p.name} profile, state in {p.state})")
    for col in ("component", "state", "where"):
        table.add_column(col)
    ok = True
    for c in stack.status(p):
        # degraded: serving, a dependency it can wait for is down (exit 1 all the same)
        colour = {"ready": "green", "degraded": "yellow"}.get(c.state.split(" ")[0], "red")
        ok &= c.state == "ready"
        table.add_row(c.name, f"[{colour}]{c.state}[/]", c.detail)
    console.print(table)
    return ok


if __name__ == "__main__":
    app()
