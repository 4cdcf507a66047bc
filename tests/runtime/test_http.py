"""The HTTP runtime every service shares: problem details, the request size limit and
Idempotency-Key, against a real PostgreSQL (effects and stored answers are counted in it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from uuid import uuid4

import pytest
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from schemas.progress import TargetReported
from servicekit.auth import authenticated
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.idempotency import RequestUnitOfWork, Transaction, purge_expired
from servicekit.problems import Problem
from tests.runtime import Signer, running_app, settings

LIMIT = 2_000
calls: Counter[str] = Counter()
slow_started = asyncio.Event()
slow_release = asyncio.Event()

router = APIRouter(dependencies=[Depends(authenticated())])


class Item(BaseModel):
    name: str
    amount: int = Field(gt=0)


async def _insert(tx, item: Item) -> dict:
    new_id = await tx.fetchval(
        "INSERT INTO items (name, amount) VALUES ($1, $2) RETURNING id", item.name, item.amount
    )
    return {"id": new_id, "name": item.name}


@router.post("/items", status_code=201)
async def create_item(item: Item, tx: Transaction) -> dict:
    calls["items"] += 1
    return await _insert(tx, item)


@router.post("/items/fail-once", status_code=201)
async def fail_once(item: Item, tx: Transaction) -> dict:
    calls["fail-once"] += 1
    created = await _insert(tx, item)  # rolled back with the failure
    if calls["fail-once"] == 1:
        raise RuntimeError("database password is hunter2")
    return created


@router.post("/items/refused", status_code=201)
async def refused(item: Item, tx: Transaction) -> dict:
    calls["refused"] += 1
    await _insert(tx, item)
    raise Problem(409, "Item exists", "an item of that name exists", type="item-exists", name="x")


@router.post("/items/taken", status_code=201)
async def taken(item: Item, uow: RequestUnitOfWork) -> dict:
    """A domain refusal after a write: the write is rolled back with it."""
    await _insert(uow.con, item)
    raise Conflict(f"an item named {item.name} exists", code="name_taken", name=item.name)


@router.post("/items/checked", status_code=201)
async def checked(item: Item) -> dict:
    if item.name == "many":
        bad = [Violation(f"#/lines/{i}", "no such line", "unknown") for i in range(item.amount)]
        raise Invalid.many(bad, code="unknown")
    raise Invalid.param("limit", "too large", "range")


@router.get("/things/{thing_id}")
async def thing(thing_id: int) -> dict:
    raise NotFound(f"no thing {thing_id}")


@router.post("/items/slow", status_code=201)
async def slow(item: Item, tx: Transaction) -> dict:
    calls["slow"] += 1
    slow_started.set()
    await slow_release.wait()
    return await _insert(tx, item)


@router.post("/reports", status_code=201)
async def report(item: Item, uow: RequestUnitOfWork) -> dict:
    """State change and event in the request's unit of work."""
    calls["reports"] += 1
    created = await _insert(uow.con, item)
    await uow.publish(
        TargetReported(
            report_id=uuid4(),
            target_id=uuid4(),
            campaign_id=uuid4(),
            unit_id=uuid4(),
            value=float(item.amount),
            as_of="2020-11-30",
            reported_at="2020-12-01T02:15:00Z",
        )
    )
    await uow.flush()  # the outbox row is written; a failure below must still undo it
    if item.name == "fail":
        raise RuntimeError("after the event was written")
    return created


@router.post("/upload")
@router.post("/imports/units")
async def upload(request: Request) -> dict:
    calls["upload"] += 1
    return {"received": len(await request.body())}


@router.get("/search")
async def search(limit: int = 10) -> dict:
    return {"limit": limit}


@router.get("/items/{item_id}")
async def missing(item_id: int) -> dict:
    raise HTTPException(404, f"no item {item_id}")


@router.get("/boom")
async def boom() -> dict:
    raise RuntimeError("connection string postgresql://admin:s3cret@db")


@pytest.fixture
def signer(tmp_path) -> Signer:
    return Signer(tmp_path)


@pytest.fixture
async def service(signer, fresh_database):
    calls.clear()
    slow_started.clear()
    slow_release.clear()
    s = settings(signer, fresh_database, max_request_bytes=LIMIT, max_upload_bytes=3 * LIMIT)
    setup = "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, amount int NOT NULL)"
    async with running_app(s, [router], setup) as (_, client, pool):
        client.headers.update(signer.bearer(sub="alice", roles=["unit_officer"], unit_id="U1"))
        yield client, pool


async def _count(pool, table: str) -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {table}")


def _is_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status
    assert all(problem.get(m) for m in ("type", "title", "detail", "instance")), problem
    return problem


# ---- problem details --------------------------------------------------------------------------


async def test_invalid_body_is_422_naming_each_field_and_nothing_is_stored(service):
    client, pool = service
    r = await client.post("/items", json={"amount": "lots"})
    problem = _is_problem(r, 422)
    assert problem["type"] == "urn:thidua:problem:validation"
    by_pointer = {e["pointer"]: e for e in problem["errors"]}
    assert by_pointer.keys() == {"#/name", "#/amount"}
    assert by_pointer["#/name"]["type"] == "missing"
    assert by_pointer["#/amount"]["type"] == "int_parsing"
    assert "#/name" in problem["detail"] and "#/amount" in problem["detail"]
    assert "lots" not in r.text  # input values are not echoed back
    assert calls["items"] == 0 and await _count(pool, "items") == 0


async def test_constraint_and_json_errors_are_named(service):
    client, _ = service
    r = await client.post("/items", json={"name": "a", "amount": 0})
    [error] = _is_problem(r, 422)["errors"]
    assert error["pointer"] == "#/amount" and "greater than 0" in error["detail"]


async def test_a_body_that_is_not_json_is_400_and_nothing_runs(service):
    """It cannot be read, so it is not a request with invalid values (422): RFC 9110's 400."""
    client, pool = service
    r = await client.post(
        "/items", content=b'{"name": "a",', headers={"content-type": "application/json"}
    )
    problem = _is_problem(r, 400)
    assert problem["type"] == "urn:thidua:problem:unparsable-body"
    [error] = problem["errors"]
    assert error["pointer"] == "#" and error["type"] == "json_invalid"
    assert problem["detail"].startswith("The request body is not valid JSON")
    assert calls["items"] == 0 and await _count(pool, "items") == 0


async def test_query_parameter_error_is_named(service):
    client, _ = service
    r = await client.get("/search", params={"limit": "many"})
    [error] = _is_problem(r, 422)["errors"]
    assert error["in"] == "query" and error["name"] == "limit"


async def test_http_errors_and_unknown_routes_are_problems(service):
    client, _ = service
    problem = _is_problem(await client.get("/items/7"), 404)
    assert problem["detail"] == "no item 7" and problem["instance"] == "/items/7"
    assert problem["title"] == "Not Found"
    _is_problem(await client.get("/nowhere"), 404)
    _is_problem(await client.delete("/items"), 405)


async def test_raised_problem_keeps_its_members(service):
    client, _ = service
    problem = _is_problem(await client.post("/items/refused", json={"name": "a", "amount": 1}), 409)
    assert problem["type"] == "urn:thidua:problem:item-exists"
    assert problem["title"] == "Item exists" and problem["name"] == "x"


async def test_domain_errors_are_problems_and_roll_back(service):
    client, pool = service
    r = await client.post("/items/taken", json={"name": "a", "amount": 1})
    problem = _is_problem(r, 409)
    assert problem["type"] == "urn:thidua:problem:conflict-name-taken"
    assert (problem["title"], problem["code"], problem["name"]) == ("Conflict", "name_taken", "a")
    assert problem["detail"] == "an item named a exists" and "errors" not in problem
    assert await _count(pool, "items") == 0

    problem = _is_problem(await client.get("/things/7"), 404)
    assert (problem["type"], problem["title"]) == ("urn:thidua:problem:not-found", "Not found")
    assert (problem["detail"], problem["code"]) == ("no thing 7", "rule")

    problem = _is_problem(await client.post("/items/checked", json={"name": "a", "amount": 1}), 422)
    assert (problem["type"], problem["title"]) == (
        "urn:thidua:problem:validation",
        "Invalid request",
    )
    assert problem["detail"] == "limit: too large" and problem["code"] == "range"
    assert problem["errors"] == [
        {"in": "query", "name": "limit", "detail": "too large", "type": "range"}
    ]

    r = await client.post("/items/checked", json={"name": "many", "amount": 14})
    problem = _is_problem(r, 422)
    assert [e["pointer"] for e in problem["errors"]] == [f"#/lines/{i}" for i in range(14)]
    assert problem["detail"].startswith("#/lines/0: no such line; #/lines/1: no such line")
    assert problem["detail"].endswith("#/lines/4: no such line; and 9 more")
    assert problem["code"] == "unknown"


def test_domain_errors_import_nothing_web_or_io():
    """Domain cores raise them, and a domain core stays free of web frameworks and I/O."""
    probe = (
        "import sys, servicekit.errors; "
        "print(sorted({'fastapi', 'starlette', 'asyncpg', 'aiokafka'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_unhandled_error_is_500_without_internals(service):
    client, _ = service
    problem = _is_problem(await client.get("/boom"), 500)
    assert "s3cret" not in str(problem) and "RuntimeError" not in str(problem)


# ---- request size limit ----------------------------------------------------------------------


async def test_oversize_declared_body_is_413_before_the_handler(service):
    client, _ = service
    problem = _is_problem(await client.post("/upload", content=b"x" * (LIMIT + 1)), 413)
    assert problem["max_bytes"] == LIMIT
    assert calls["upload"] == 0
    r = await client.post("/upload", content=b"x" * LIMIT)
    assert r.status_code == 200 and r.json() == {"received": LIMIT}


async def test_oversize_chunked_body_is_413_before_the_handler(service):
    client, _ = service

    async def chunks(n: int, size: int = 500):
        for _ in range(n):
            yield b"y" * size

    r = await client.post("/upload", content=chunks(5))  # 2,500 bytes, no Content-Length
    assert r.request.headers.get("transfer-encoding") == "chunked"
    _is_problem(r, 413)
    assert calls["upload"] == 0
    r = await client.post("/upload", content=chunks(4))  # exactly the limit
    assert r.status_code == 200 and r.json() == {"received": 2_000}


async def test_file_imports_have_their_own_larger_limit(service):
    client, _ = service
    r = await client.post("/imports/units", content=b"x" * (3 * LIMIT))
    assert r.status_code == 200 and r.json() == {"received": 3 * LIMIT}
    problem = _is_problem(await client.post("/imports/units", content=b"x" * (3 * LIMIT + 1)), 413)
    assert problem["max_bytes"] == 3 * LIMIT
    _is_problem(await client.post("/upload", content=b"x" * (3 * LIMIT)), 413)


# ---- Idempotency-Key ---------------------------------------------------------------------------


async def test_same_key_and_body_replays_the_first_answer_with_one_effect(service):
    client, pool = service
    key = {"Idempotency-Key": "k-1"}
    first = await client.post("/items", json={"name": "a", "amount": 1}, headers=key)
    again = await client.post("/items", json={"name": "a", "amount": 1}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert calls["items"] == 1
    assert await _count(pool, "items") == 1 and await _count(pool, "idempotency_keys") == 1


async def test_same_key_other_body_or_path_is_422(service):
    client, pool = service
    key = {"Idempotency-Key": "k-2"}
    assert (await client.post("/items", json={"name": "a", "amount": 1}, headers=key)).is_success
    other = await client.post("/items", json={"name": "a", "amount": 2}, headers=key)
    assert _is_problem(other, 422)["mismatch"] == "body"
    elsewhere = await client.post("/items/slow", json={"name": "a", "amount": 1}, headers=key)
    assert _is_problem(elsewhere, 422)["mismatch"] == "path"
    assert calls["items"] == 1 and calls["slow"] == 0 and await _count(pool, "items") == 1


async def test_a_5xx_is_not_stored_and_the_retry_runs(service):
    client, pool = service
    key = {"Idempotency-Key": "k-3"}
    failed = await client.post("/items/fail-once", json={"name": "a", "amount": 1}, headers=key)
    _is_problem(failed, 500)
    assert "hunter2" not in failed.text
    assert await _count(pool, "items") == 0  # the failed attempt's insert was rolled back
    assert await _count(pool, "idempotency_keys") == 0
    retry = await client.post("/items/fail-once", json={"name": "a", "amount": 1}, headers=key)
    assert retry.status_code == 201 and "idempotent-replayed" not in retry.headers
    assert calls["fail-once"] == 2 and await _count(pool, "items") == 1


async def test_a_4xx_is_stored_and_replayed_but_keeps_no_effect(service):
    client, pool = service
    key = {"Idempotency-Key": "k-4"}
    first = await client.post("/items/refused", json={"name": "a", "amount": 1}, headers=key)
    again = await client.post("/items/refused", json={"name": "a", "amount": 1}, headers=key)
    assert first.status_code == again.status_code == 409
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert calls["refused"] == 1
    assert await _count(pool, "items") == 0 and await _count(pool, "idempotency_keys") == 1


async def test_duplicate_while_the_first_runs_is_409(service):
    client, pool = service
    key = {"Idempotency-Key": "k-5"}
    body = {"name": "a", "amount": 1}
    first = asyncio.create_task(client.post("/items/slow", json=body, headers=key))
    await asyncio.wait_for(slow_started.wait(), 5)
    duplicate = await client.post("/items/slow", json=body, headers=key)
    assert _is_problem(duplicate, 409)["type"] == "urn:thidua:problem:idempotency-key-in-use"
    assert duplicate.headers["retry-after"] == "1"
    slow_release.set()
    assert (await first).status_code == 201
    after = await client.post("/items/slow", json=body, headers=key)
    assert after.headers["idempotent-replayed"] == "true"
    assert calls["slow"] == 1 and await _count(pool, "items") == 1


async def test_keys_belong_to_their_caller(signer, service):
    client, pool = service
    key = {"Idempotency-Key": "shared"}
    body = {"name": "a", "amount": 1}
    mine = await client.post("/items", json=body, headers=key)
    theirs = await client.post(
        "/items", json=body, headers={**key, **signer.bearer(sub="bob", roles=["operator"])}
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and "idempotent-replayed" not in theirs.headers
    assert await _count(pool, "items") == 2


async def test_an_expired_key_runs_again_and_is_purged(service):
    client, pool = service
    key = {"Idempotency-Key": "k-6"}
    body = {"name": "a", "amount": 1}
    assert (await client.post("/items", json=body, headers=key)).status_code == 201
    await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    again = await client.post("/items", json=body, headers=key)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert await _count(pool, "items") == 2 and await _count(pool, "idempotency_keys") == 1
    await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    assert await purge_expired(pool, 24 * 3600) == 1


async def test_unit_of_work_effects_events_and_answer_commit_together(service):
    client, pool = service
    key = {"Idempotency-Key": "k-uow"}
    first = await client.post("/reports", json={"name": "a", "amount": 3}, headers=key)
    again = await client.post("/reports", json={"name": "a", "amount": 3}, headers=key)
    assert first.status_code == again.status_code == 201 and again.content == first.content
    assert calls["reports"] == 1
    assert await _count(pool, "items") == 1 and await _count(pool, "outbox") == 1
    source = await pool.fetchval("SELECT headers->>'ce_source' FROM outbox")
    assert source == "/thidua/test"

    failing = {"Idempotency-Key": "k-uow-fail"}
    r = await client.post("/reports", json={"name": "fail", "amount": 3}, headers=failing)
    _is_problem(r, 500)
    assert await _count(pool, "items") == 1 and await _count(pool, "outbox") == 1  # undone
    assert await _count(pool, "idempotency_keys") == 1  # only k-uow
    plain = await client.post("/reports", json={"name": "b", "amount": 1})  # no key: own tx
    assert plain.status_code == 201 and await _count(pool, "outbox") == 2


async def test_without_a_key_the_request_transaction_commits_or_rolls_back(service):
    client, pool = service
    assert (await client.post("/items", json={"name": "a", "amount": 1})).status_code == 201
    assert (await client.post("/items/refused", json={"name": "b", "amount": 1})).status_code == 409
    assert [r["name"] for r in await pool.fetch("SELECT name FROM items")] == ["a"]
    assert await _count(pool, "idempotency_keys") == 0


async def test_an_invalid_key_is_400(service):
    client, pool = service
    r = await client.post(
        "/items", json={"name": "a", "amount": 1}, headers={"Idempotency-Key": ""}
    )
    _is_problem(r, 400)
    assert calls["items"] == 0 and await _count(pool, "items") == 0


async def test_writes_and_oversize_requests_are_audited(service):
    client, pool = service
    await client.post("/items", json={"name": "a", "amount": 1}, headers={"Idempotency-Key": "a"})
    await client.post("/items", json={"name": "a", "amount": 1}, headers={"Idempotency-Key": "a"})
    await client.post("/upload", content=b"x" * (LIMIT + 1))
    rows = await pool.fetch("SELECT actor, action, outcome, status FROM audit_log ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("alice", "POST /items", "ok", 201),
        ("alice", "POST /items", "ok", 201),  # the replay is a request too
        ("alice", "POST /upload", "invalid", 413),  # refused before the route: the token names
    ]


async def test_a_committed_write_and_its_audit_row_share_one_transaction(service):
    """The row goes in with the effects (a crash after the commit cannot lose it): it carries the
    transaction id of the item it audits, or, under an Idempotency-Key (whose handler runs in a
    savepoint, a subtransaction of its own), that of the stored answer committed with it."""
    client, pool = service
    r = await client.post("/items", json={"name": "a", "amount": 1})
    assert r.status_code == 201
    r = await client.post(
        "/items", json={"name": "b", "amount": 1}, headers={"Idempotency-Key": "t"}
    )
    assert r.status_code == 201
    item = await pool.fetchval("SELECT xmin::text FROM items WHERE name = 'a'")
    answer = await pool.fetchval("SELECT xmin::text FROM idempotency_keys")
    audited = await pool.fetch(
        "SELECT xmin::text, status FROM audit_log WHERE action = 'POST /items' ORDER BY id"
    )
    assert [(r["xmin"], r["status"]) for r in audited] == [(item, 201), (answer, 201)]
    # a refused write keeps no effect; its row is still written, once
    assert (await client.post("/items/refused", json={"name": "c", "amount": 1})).status_code == 409
    rows = await pool.fetch("SELECT status FROM audit_log WHERE action = 'POST /items/refused'")
    assert [r["status"] for r in rows] == [409]
