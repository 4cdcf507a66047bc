"""The procedure entered after the fact, each act with its own date, through the API: what the
order and authority tests build on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.awards.conftest import Awards
from tests.awards.procedure import MEMBERS
from tests.awards.world import BASE_DOSSIER, LDTT_HOLDERS, World


def person_nomination(w: World, key: str, code: str, proposer: object, **extra: Any) -> dict:
    return {
        "nominee": {"kind": "person", "id": str(w.person(key))},
        "award_code": code,
        "year": w.year,
        "proposer_unit_id": str(proposer),
        "documents": BASE_DOSSIER,
        **extra,
    }


async def ldtt_on_record(awards: Awards, w: World, *, but: tuple[str, ...] = ()) -> None:
    """The department's LĐTT of the year decided before (the collective titles and the CSTĐCS
    cap count holders, not ratings), except for `but`, nominated for it here."""
    y = w.year
    lines = ["Loại,Mã cá nhân,Mã danh hiệu,Năm,Số quyết định,Ngày quyết định"]
    lines += [
        f"Cá nhân,{w.person(k)},LDTT,{y},{y % 100 + 50}/QĐ-STC,05/12/{y}"
        for k in LDTT_HOLDERS
        if k not in but
    ]
    data = ("\n".join(lines) + "\n").encode()
    r = await awards.client.post("/award-history/imports", content=data, headers=awards.admin)
    assert r.status_code == 200, r.text


@dataclass
class Voted:
    ids: list[str]
    council_id: str
    session_id: str
    held_on: date


async def council(awards: Awards, w: World) -> str:
    res = await awards.post(
        "/councils",
        {
            "name": "Hội đồng Thi đua – Khen thưởng tỉnh",
            "term_start": f"{w.year - 1}-01-01",
            "term_end": f"{w.year + 6}-12-31",
            "members": [
                {"subject": s, "full_name": n, "title": t, "role": r} for s, n, t, r in MEMBERS
            ],
        },
        expect=201,
    )
    return res.json()["council_id"]


async def approve(
    awards: Awards,
    w: World,
    bodies: list[tuple[dict, dict[str, str]]],
    *,
    screened_on: date,
    today: date,
) -> Voted:
    """Submit (body, headers) each, screen on `screened_on`, post the notice that day, hold the
    session on the first weekday after it ran and vote every item in by all five members that
    day; `today` is when it is all entered (after the session)."""
    awards.today(today)
    ids = []
    for body, headers in bodies:
        res = await awards.post("/nominations", body, headers=headers, expect=201)
        ids.append(res.json()["nomination_id"])
    res = await awards.post(
        "/screenings", {"nomination_ids": ids, "screened_on": screened_on.isoformat()}, expect=200
    )
    assert {r["verdict"] for r in res.json()["results"]} == {"eligible"}, res.json()
    notice = await awards.post(
        "/notices",
        {"title": "Công khai", "nomination_ids": ids, "start_on": screened_on.isoformat()},
        expect=201,
    )
    held = date.fromisoformat(notice.json()["end_on"]) + timedelta(days=1)
    while held.weekday() >= 5:
        held += timedelta(days=1)
    council_id = await council(awards, w)
    secretary = awards.secretary(council_id)
    session_id = (
        await awards.post(
            f"/councils/{council_id}/sessions",
            {"title": "Phiên họp", "held_on": held.isoformat()},
            headers=secretary,
            expect=201,
        )
    ).json()["session_id"]
    await awards.post(
        f"/sessions/{session_id}/agenda", {"nomination_ids": ids}, headers=secretary, expect=200
    )
    day = {"on": held.isoformat()}
    await awards.post(f"/sessions/{session_id}/open", day, headers=secretary, expect=200)
    for subject, *_ in MEMBERS:
        headers = secretary if subject == "thu-ky" else awards.member(council_id, subject)
        await awards.put(
            f"/sessions/{session_id}/ballot",
            {
                "choices": [{"nomination_id": n, "choice": "yes"} for n in ids],
                "cast_on": held.isoformat(),
            },
            headers=headers,
            expect=204,
        )
    await awards.post(f"/sessions/{session_id}/close", day, headers=secretary, expect=200)
    return Voted(ids, council_id, session_id, held)


def decision(number: str, signed_on: date, ids: list[str], authority: str, unit=None) -> dict:
    titles = {
        "province_chairman": "Chủ tịch Ủy ban nhân dân tỉnh",
        "unit_head": "Thủ trưởng đơn vị",
        "district_chairman": "Chủ tịch Ủy ban nhân dân huyện",
        "commune_chairman": "Chủ tịch Ủy ban nhân dân xã",
    }
    return {
        "number": number,
        "signed_on": signed_on.isoformat(),
        "signer_name": "Người Ký",
        "signer_title": titles[authority],
        "signer_authority": authority,
        **({"signer_unit_id": str(unit)} if unit is not None else {}),
        "nomination_ids": ids,
    }
