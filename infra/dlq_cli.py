"""`./thidua dlq`: list, show and redrive the dead letters of a topic."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from infra.profile import load
from servicekit import dlq

app = typer.Typer(no_args_is_help=True, help=__doc__)
console = Console()
Profile = typer.Option(None, "--profile", help="dev (default) or test; or THIDUA_PROFILE")
Topic = typer.Argument(..., help="the origin topic (e.g. progress.reports.v1) or its .dlq")


@app.command("list")
def list_(
    topic: str = Topic,
    consumer: str = typer.Option(None, help="only what this consumer gave up on"),
    limit: int = typer.Option(100),
    profile: str = Profile,
) -> None:
    """The dead letters of a topic, oldest first, with their origin and error."""
    letters = asyncio.run(
        dlq.list_dead_letters(load(profile).kafka_bootstrap, topic, consumer=consumer, limit=limit)
    )
    table = Table(title=f"{dlq.dlq_topic(topic)}: {len(letters)} dead letter(s)")
    for col in ("partition/offset", "origin", "consumer", "attempts", "event id", "error"):
        table.add_column(col)
    for d in letters:
        table.add_row(
            f"{d.partition}/{d.offset}",
            f"{d.origin_topic}[{d.origin_partition}]@{d.origin_offset}",
            d.consumer or "-",
            str(d.attempts or "-"),
            d.event_id or "-",
            (d.error or "")[:80],
        )
    console.print(table)


@app.command()
def show(
    topic: str = Topic,
    partition: int = typer.Argument(...),
    offset: int = typer.Argument(...),
    profile: str = Profile,
) -> None:
    """One dead letter in full: headers, key, value."""
    d = asyncio.run(dlq.read_dead_letter(load(profile).kafka_bootstrap, topic, partition, offset))
    console.print(
        f"[bold]{d.topic} {d.partition}/{d.offset}[/] from "
        f"{d.origin_topic}[{d.origin_partition}]@{d.origin_offset}"
    )
    console.print(f"error ({d.attempts} attempt(s), by {d.consumer}): {d.error}")
    for name, value in d.headers:
        console.print(f"  {name}: {value.decode(errors='replace') if value else value}")
    console.print(f"key: {d.key!r}")
    console.print(f"value: {d.value.decode(errors='replace') if d.value else d.value}")


@app.command()
def redrive(
    topic: str = Topic,
    partition: int = typer.Option(None, help="with --offset: one dead letter"),
    offset: int = typer.Option(None),
    all_: bool = typer.Option(False, "--all", help="every dead letter of the topic"),
    consumer: str = typer.Option(None, help="with --all: only this consumer's"),
    profile: str = Profile,
) -> None:
    """Publish dead letters back to their origin topic (consumers skip what they had applied)."""
    bootstrap = load(profile).kafka_bootstrap
    if all_:
        letters = asyncio.run(dlq.redrive_all(bootstrap, topic, consumer=consumer))
    elif partition is not None and offset is not None:
        letters = [asyncio.run(dlq.redrive(bootstrap, topic, partition, offset))]
    else:
        raise typer.BadParameter("give --partition and --offset, or --all")
    console.print(
        f"redriven: {len(letters)} record(s) to {dlq.dlq_topic(topic).removesuffix('.dlq')}"
    )
