"""`/operations/dead-letters`: what this service's consumer gave up on, for operators (role
`operator`): list, show one, redrive it to its origin topic. The letters are read from the `.dlq`
topics of the topics the service consumes (`servicekit.dlq`), those its consumer wrote only; a
redrive is recorded in the service's database (`dead_letter_redrives`, who and when, in the
request's transaction with its audit row) so that a letter redriven once is known as such: a
`.dlq` topic is a log, the letter itself stays on it. Consumers skip what they had applied (the
inbox), so a redrive reaches the consumer that failed and no other.

Mounted by `servicekit.service.build_app` for every service with a consumer; the web
application's operators' console and `./thidua dlq` are its callers."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from servicekit import dlq
from servicekit.audit import audit_object
from servicekit.auth import Principal, Role, require
from servicekit.http import ReadConnection
from servicekit.idempotency import Transaction
from servicekit.messages import Msg
from servicekit.problems import Problem

if TYPE_CHECKING:
    from servicekit.consumer import Consumer

Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Topic = Annotated[str, Path(description="The origin topic (e.g. registry.units.v1)")]
Partition = Annotated[int, Path(ge=0, le=2**31 - 1)]
Offset = Annotated[int, Path(ge=0, le=2**63 - 1)]

router = APIRouter(
    prefix="/operations/dead-letters",
    tags=["operations"],
    responses={
        401: {"description": "No valid bearer token (problem details)"},
        403: {"description": "Not an operator"},
        404: {"description": "No such dead letter of this service's consumer"},
        409: {"description": "Already redriven"},
        503: {"description": "The consumer is not running yet"},
    },
)


class DeadLetterOut(BaseModel):
    topic: str
    """The topic the event came from (and goes back to on a redrive)."""
    partition: int
    """Where the letter is on the `.dlq` topic (with `offset`): its identity here."""
    offset: int
    dlq_topic: str
    origin_partition: int | None
    origin_offset: int | None
    consumer: str | None
    event_id: str | None
    event_type: str | None
    attempts: int | None
    error: str | None
    failed_at: datetime | None
    redriven_at: datetime | None
    redriven_by: str | None


class DeadLetterDetail(DeadLetterOut):
    headers: list[tuple[str, str | None]]
    """The original record's headers (the `dlq_*` ones are the fields above)."""
    key: str | None
    value: str | None
    """The record's value as text (UTF-8; undecodable bytes replaced)."""


class DeadLetters(BaseModel):
    consumer: str
    topics: list[str]
    """The topics this service consumes: each one's `.dlq` was read."""
    items: list[DeadLetterOut]


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode(errors="replace")


def _out(letter: dlq.DeadLetter, redrive: asyncpg.Record | None) -> DeadLetterOut:
    return DeadLetterOut(
        topic=letter.origin_topic,
        partition=letter.partition,
        offset=letter.offset,
        dlq_topic=letter.topic,
        origin_partition=letter.origin_partition,
        origin_offset=letter.origin_offset,
        consumer=letter.consumer,
        event_id=letter.event_id,
        event_type=letter.header("ce_type"),
        attempts=letter.attempts,
        error=letter.error,
        failed_at=letter.time,
        redriven_at=redrive["redriven_at"] if redrive else None,
        redriven_by=redrive["redriven_by"] if redrive else None,
    )


def _detail(letter: dlq.DeadLetter, redrive: asyncpg.Record | None) -> DeadLetterDetail:
    return DeadLetterDetail(
        **_out(letter, redrive).model_dump(),
        headers=[(k, _text(v)) for k, v in letter.original_headers],
        key=_text(letter.key),
        value=_text(letter.value),
    )


_REDRIVES = (
    "SELECT dlq_topic, dlq_partition, dlq_offset, redriven_at, redriven_by"
    " FROM dead_letter_redrives WHERE dlq_topic = ANY($1::text[])"
)
_RECORD = (
    "INSERT INTO dead_letter_redrives (dlq_topic, dlq_partition, dlq_offset, redriven_by)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING redriven_at, redriven_by"
)


def _not_found() -> Problem:
    return Problem(
        404, "Not found", Msg("no such dead letter of this service's consumer"), type="not-found"
    )


def _consumer(request: Request) -> Consumer:
    consumer: Consumer | None = request.app.state.service.consumer
    if consumer is None:  # not started yet: nothing consumed, nothing dead-lettered
        raise Problem(503, "Service Unavailable", Msg("the consumer is not running"))
    return consumer


async def _letter(request: Request, topic: str, partition: int, offset: int) -> dlq.DeadLetter:
    """The letter at (partition, offset) of `topic`'s `.dlq`, if this service's consumer wrote
    it."""
    consumer = _consumer(request)
    if topic not in consumer.topics:
        raise _not_found()
    bootstrap = request.app.state.service.settings.kafka_bootstrap
    try:
        letter = await dlq.read_dead_letter(bootstrap, topic, partition, offset, timeout=10)
    except (LookupError, TimeoutError):
        raise _not_found() from None
    if letter.consumer != consumer.name:
        raise _not_found()
    return letter


@router.get("", summary="The dead letters of this service's consumer, oldest first per topic")
async def list_dead_letters(p: Operator, con: ReadConnection, request: Request) -> DeadLetters:
    consumer = _consumer(request)
    bootstrap = request.app.state.service.settings.kafka_bootstrap

    async def of(topic: str) -> list[dlq.DeadLetter]:
        try:
            return await dlq.list_dead_letters(bootstrap, topic, consumer=consumer.name, timeout=10)
        except LookupError:  # no .dlq topic: nothing was ever dead-lettered there
            return []

    # the topics at once: notify consumes fourteen, and each read starts a client of its own
    found = await asyncio.gather(*(of(t) for t in consumer.topics))
    letters = [letter for topic_letters in found for letter in topic_letters]
    done = {
        (r["dlq_topic"], r["dlq_partition"], r["dlq_offset"]): r
        for r in await con.fetch(_REDRIVES, [dlq.dlq_topic(t) for t in consumer.topics])
    }
    return DeadLetters(
        consumer=consumer.name,
        topics=list(consumer.topics),
        items=[_out(d, done.get((d.topic, d.partition, d.offset))) for d in letters],
    )


@router.get("/{topic}/{partition}/{offset}", summary="One dead letter: headers, key, value")
async def get_dead_letter(
    topic: Topic,
    partition: Partition,
    offset: Offset,
    p: Operator,
    con: ReadConnection,
    request: Request,
) -> DeadLetterDetail:
    letter = await _letter(request, topic, partition, offset)
    redrive = await con.fetchrow(
        "SELECT redriven_at, redriven_by FROM dead_letter_redrives"
        " WHERE dlq_topic = $1 AND dlq_partition = $2 AND dlq_offset = $3",
        letter.topic,
        partition,
        offset,
    )
    return _detail(letter, redrive)


@router.post(
    "/{topic}/{partition}/{offset}/redrive",
    summary="Publish the dead letter back to its origin topic (once)",
)
async def redrive_dead_letter(
    topic: Topic,
    partition: Partition,
    offset: Offset,
    p: Operator,
    tx: Transaction,
    request: Request,
) -> DeadLetterDetail:
    letter = await _letter(request, topic, partition, offset)
    audit_object(request, f"dead-letter:{letter.topic}/{partition}/{offset}")
    redrive = await tx.fetchrow(_RECORD, letter.topic, partition, offset, p.sub)
    if redrive is None:
        raise Problem(
            409,
            "Conflict",
            Msg("this dead letter was already redriven"),
            type="dead-letter-redriven",
        )
    # published before the record commits: a failed commit leaves a redrive unrecorded, which
    # the consumer's inbox makes harmless if it is redriven again
    await dlq.republish(request.app.state.service.producer, [letter])
    return _detail(letter, redrive)
