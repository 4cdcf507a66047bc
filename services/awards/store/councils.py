"""SQL of councils, their members and sessions: the agenda, attendance, and the secret ballot
(who voted in `session_voters`, what was chosen in the running totals of `ballot_counts`; the
two share nothing but the session)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

import asyncpg

# ---- councils and members ----------------------------------------------------------------------


async def insert_council(
    con: asyncpg.Connection, council_id: UUID, name: str, term: tuple[date, date], by: str
) -> None:
    await con.execute(
        "INSERT INTO councils (council_id, name, term_start, term_end, created_by)"
        " VALUES ($1, $2, $3, $4, $5)",
        council_id,
        name,
        term[0],
        term[1],
        by,
    )


async def council(con: asyncpg.Connection, council_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM councils WHERE council_id = $1", council_id)


async def council_exists(con: asyncpg.Connection, council_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM councils WHERE council_id = $1)", council_id
        )
    )


async def members_among(
    con: asyncpg.Connection, council_id: UUID, subjects: Sequence[str]
) -> list[asyncpg.Record]:
    """Which of these subjects are already members of the council."""
    return await con.fetch(
        "SELECT subject FROM council_members WHERE council_id = $1 AND subject = ANY($2)",
        council_id,
        subjects,
    )


async def insert_members(
    con: asyncpg.Connection,
    council_id: UUID,
    ids: Sequence[UUID],
    subjects: Sequence[str],
    names: Sequence[str],
    titles: Sequence[str],
    roles: Sequence[str],
) -> None:
    await con.execute(
        "INSERT INTO council_members (member_id, council_id, subject, full_name, title, role)"
        " SELECT m, $1, s, n, t, r"
        "   FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])"
        "   AS x(m, s, n, t, r)",
        council_id,
        list(ids),
        list(subjects),
        list(names),
        list(titles),
        list(roles),
    )


async def member_ids(con: asyncpg.Connection, council_id: UUID) -> set[UUID]:
    rows = await con.fetch(
        "SELECT member_id FROM council_members WHERE council_id = $1", council_id
    )
    return {r[0] for r in rows}


async def member_count(con: asyncpg.Connection, council_id: UUID) -> int:
    count: int = await con.fetchval(
        "SELECT count(*) FROM council_members WHERE council_id = $1", council_id
    )
    return count


async def member_id_of(con: asyncpg.Connection, council_id: UUID, subject: str) -> UUID | None:
    member: UUID | None = await con.fetchval(
        "SELECT member_id FROM council_members WHERE council_id = $1 AND subject = $2",
        council_id,
        subject,
    )
    return member


async def is_member(con: asyncpg.Connection, council_id: UUID, member_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM council_members WHERE council_id = $1"
            " AND member_id = $2)",
            council_id,
            member_id,
        )
    )


# ---- sessions ------------------------------------------------------------------------------------


async def session(
    con: asyncpg.Connection, session_id: UUID, lock: str = ""
) -> asyncpg.Record | None:
    """`lock`: "update" (changes the session), "share" (a ballot: many at once, none while
    the vote is being closed)."""
    suffix = {"": "", "update": " FOR UPDATE", "share": " FOR SHARE"}[lock]
    return await con.fetchrow(
        "SELECT * FROM council_sessions WHERE session_id = $1" + suffix, session_id
    )


async def insert_session(
    con: asyncpg.Connection,
    session_id: UUID,
    council_id: UUID,
    title: str,
    days: tuple[date, date | None],
    by: str,
) -> None:
    await con.execute(
        "INSERT INTO council_sessions (session_id, council_id, title, held_on, ends_on, status,"
        " created_by) VALUES ($1, $2, $3, $4, $5, 'planned', $6)",
        session_id,
        council_id,
        title,
        days[0],
        days[1],
        by,
    )


async def open_vote(
    con: asyncpg.Connection, session_id: UUID, members_total: int, by: str, on: date
) -> None:
    await con.execute(
        "UPDATE council_sessions SET status = 'voting', members_total = $2, opened_by = $3,"
        " opened_at = now(), opened_on = $4 WHERE session_id = $1",
        session_id,
        members_total,
        by,
        on,
    )


async def close_vote(con: asyncpg.Connection, session_id: UUID, by: str, on: date) -> None:
    await con.execute(
        "UPDATE council_sessions SET status = 'closed', closed_by = $2, closed_at = now(),"
        " closed_on = $3 WHERE session_id = $1",
        session_id,
        by,
        on,
    )


# ---- agenda ------------------------------------------------------------------------------------


async def agenda_size(con: asyncpg.Connection, session_id: UUID) -> int:
    size: int = await con.fetchval(
        "SELECT count(*) FROM session_agenda WHERE session_id = $1", session_id
    )
    return size


async def agenda_ids(con: asyncpg.Connection, session_id: UUID) -> set[UUID]:
    rows = await con.fetch(
        "SELECT nomination_id FROM session_agenda WHERE session_id = $1", session_id
    )
    return {r[0] for r in rows}


async def add_to_agenda(
    con: asyncpg.Connection,
    session_id: UUID,
    nomination_ids: Sequence[UUID],
    thresholds: Sequence[float],
) -> None:
    """After the items already there, each with its threshold and its (empty) ballot totals."""
    start = await con.fetchval(
        "SELECT coalesce(max(position), 0) FROM session_agenda WHERE session_id = $1", session_id
    )
    await con.execute(
        "INSERT INTO session_agenda (session_id, nomination_id, position, threshold)"
        " SELECT $1, n, p, t FROM unnest($2::uuid[], $3::int[], $4::float8[]) AS x(n, p, t)",
        session_id,
        list(nomination_ids),
        list(range(start + 1, start + 1 + len(nomination_ids))),
        list(thresholds),
    )
    await con.execute(
        "INSERT INTO ballot_counts (session_id, nomination_id) SELECT $1, unnest($2::uuid[])",
        session_id,
        list(nomination_ids),
    )


async def remove_from_agenda(
    con: asyncpg.Connection, session_id: UUID, nomination_id: UUID
) -> None:
    await con.execute(
        "DELETE FROM ballot_counts WHERE session_id = $1 AND nomination_id = $2",
        session_id,
        nomination_id,
    )
    await con.execute(
        "DELETE FROM session_agenda WHERE session_id = $1 AND nomination_id = $2",
        session_id,
        nomination_id,
    )


async def record_result(
    con: asyncpg.Connection,
    session_id: UUID,
    nomination_id: UUID,
    approved: bool,
    votes: tuple[int, int, int],
    required: int,
) -> None:
    """An agenda item's outcome: approved or not, its totals (for, against, abstained) and the
    votes in favour it needed."""
    await con.execute(
        "UPDATE session_agenda SET approved = $3, votes_for = $4, votes_against = $5,"
        " abstained = $6, required = $7 WHERE session_id = $1 AND nomination_id = $2",
        session_id,
        nomination_id,
        approved,
        *votes,
        required,
    )


# ---- attendance and the secret ballot -----------------------------------------------------------


async def set_absences(con: asyncpg.Connection, session_id: UUID, absent: Sequence[UUID]) -> None:
    """The members absent from the session: the list replaces the previous one."""
    await con.execute("DELETE FROM session_absences WHERE session_id = $1", session_id)
    await con.execute(
        "INSERT INTO session_absences (session_id, member_id) SELECT $1, unnest($2::uuid[])"
        " ON CONFLICT DO NOTHING",
        session_id,
        list(absent),
    )


async def is_absent(con: asyncpg.Connection, session_id: UUID, member_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM session_absences"
            " WHERE session_id = $1 AND member_id = $2)",
            session_id,
            member_id,
        )
    )


async def record_voter(
    con: asyncpg.Connection, session_id: UUID, member_id: UUID, mode: str
) -> bool:
    """Who voted, in person or written; False when the member had already voted."""
    return bool(
        await con.fetchval(
            "INSERT INTO session_voters (session_id, member_id, mode) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            session_id,
            member_id,
            mode,
        )
    )


async def add_ballot(
    con: asyncpg.Connection, session_id: UUID, choices: Mapping[UUID, str]
) -> None:
    """A ballot's choices added to the running totals, by one statement whose text is the same
    whatever the choices (traces record statement texts, not parameters)."""
    await con.execute(
        "UPDATE ballot_counts b SET yes = b.yes + (c.choice = 'yes')::int,"
        " no = b.no + (c.choice = 'no')::int, abstain = b.abstain + (c.choice = 'abstain')::int"
        " FROM unnest($2::uuid[], $3::text[]) AS c(nomination_id, choice)"
        " WHERE b.session_id = $1 AND b.nomination_id = c.nomination_id",
        session_id,
        list(choices),
        list(choices.values()),
    )


async def voter_count(con: asyncpg.Connection, session_id: UUID) -> int:
    count: int = await con.fetchval(
        "SELECT count(*) FROM session_voters WHERE session_id = $1", session_id
    )
    return count


async def totals(con: asyncpg.Connection, session_id: UUID) -> list[asyncpg.Record]:
    """Each agenda item in order with its threshold, its totals and its award."""
    return await con.fetch(
        "SELECT a.nomination_id, a.threshold, c.yes, c.no, c.abstain, n.award_code"
        " FROM session_agenda a JOIN ballot_counts c USING (session_id, nomination_id)"
        " JOIN nominations n USING (nomination_id)"
        " WHERE a.session_id = $1 ORDER BY a.position",
        session_id,
    )


async def vote_closed_on(
    con: asyncpg.Connection, nomination_ids: Sequence[UUID]
) -> dict[UUID, date | None]:
    """Nomination → the day the vote of the session it was on closed (None while open)."""
    rows = await con.fetch(
        "SELECT n.nomination_id, s.closed_on FROM nominations n"
        " JOIN council_sessions s USING (session_id) WHERE n.nomination_id = ANY($1::uuid[])",
        list(nomination_ids),
    )
    return {r["nomination_id"]: r["closed_on"] for r in rows}


async def members(con: asyncpg.Connection, council_id: UUID) -> list[asyncpg.Record]:
    """The council's members by full name (the database's collation)."""
    return await con.fetch(
        "SELECT * FROM council_members WHERE council_id = $1 ORDER BY full_name", council_id
    )


async def agenda(con: asyncpg.Connection, session_id: UUID) -> list[asyncpg.Record]:
    """The agenda in order, each item with its nomination's award and nominee."""
    return await con.fetch(
        "SELECT a.*, n.award_code, n.nominee_kind, n.nominee_id FROM session_agenda a"
        " JOIN nominations n USING (nomination_id) WHERE a.session_id = $1 ORDER BY a.position",
        session_id,
    )


async def voters(con: asyncpg.Connection, session_id: UUID) -> list[asyncpg.Record]:
    """Who voted and how (in person, written), in member order, which says nothing of when."""
    return await con.fetch(
        "SELECT member_id, mode FROM session_voters WHERE session_id = $1 ORDER BY member_id",
        session_id,
    )


async def absences(con: asyncpg.Connection, session_id: UUID) -> list[UUID]:
    rows = await con.fetch(
        "SELECT member_id FROM session_absences WHERE session_id = $1 ORDER BY member_id",
        session_id,
    )
    return [r[0] for r in rows]
