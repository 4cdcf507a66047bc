"""Who may sign, through the API (Luật 06/2022 Điều 78–80; Luật 2003/2013 and Nghị định 91/2017
Điều 43; Nghị định 129/2025 from 2025-07-01): a decision whose signer is not competent for a line
is refused naming the line, the award and who is competent, and nothing is stored; awards the
Prime Minister decides are proposed (tờ trình), and the central answer is recorded later."""

from __future__ import annotations

from datetime import date

import pytest

from schemas import progress as p
from schemas import registry as r
from tests.awards import dated
from tests.awards.conftest import Awards
from tests.awards.world import BASE_DOSSIER, build, uid

pytestmark = pytest.mark.timeout(180)


async def _nothing_decided(awards: Awards, approved: int) -> None:
    assert await awards.count("decisions") == 0
    assert await awards.count("decision_lines") == 0
    assert await awards.count("award_history", "WHERE source = 'decision'") == 0
    assert await awards.count("nominations", "WHERE status = 'approved'") == approved
    assert await awards.outbox("AwardDecisionIssued") == []


@pytest.mark.parametrize(("year", "regime"), [(2020, "2013"), (2024, "2022")])
async def test_a_departments_grassroots_awards_are_its_heads_to_decide(
    awards: Awards, year: int, regime: str
) -> None:
    w = build(year, regime)
    await awards.feed(e for _, e in w.all_events())
    await dated.ldtt_on_record(awards, w, but=("lan",))  # room under the 2013 CSTĐCS cap
    officer = awards.officer(w.stc)
    bodies = [
        (dated.person_nomination(w, "lan", "LDTT", w.stc), officer),
        (dated.person_nomination(w, "cv1", "GIAY_KHEN", w.stc), officer),
        (
            dated.person_nomination(
                w, "minh", "CSTDCS", w.stc,
                initiative_ids=[str(w.initiative("minh"))],
                documents=[*BASE_DOSSIER, {"type": "initiative_certificate", "ref": "urn:x"}],
            ),
            officer,
        ),
    ]  # fmt: skip
    v = await dated.approve(
        awards, w, bodies, screened_on=date(year + 1, 1, 4), today=date(year + 1, 2, 1)
    )
    signed = date(year + 1, 1, 29)
    # the province's chairman: refused for each line, naming the award and its head
    res = await awards.post(
        "/decisions", dated.decision("1/QĐ-UBND", signed, v.ids, "province_chairman"), expect=422
    )
    errors = res.json()["errors"]
    assert [e["pointer"] for e in errors] == [f"#/nomination_ids/{i}" for i in range(3)]
    assert {e["type"] for e in errors} == {"not_competent"}
    awarded = ("Lao động tiên tiến", "Giấy khen", "Chiến sĩ thi đua cơ sở")
    for e, award in zip(errors, awarded, strict=True):
        assert f"không có thẩm quyền quyết định tặng “{award}”" in e["detail"]
        assert "Thủ trưởng cơ quan, đơn vị" in e["detail"]
    # the head of another department: not theirs
    other = w.unit("CM-SNV")
    res = await awards.post(
        "/decisions", dated.decision("1/QĐ-SNV", signed, v.ids, "unit_head", other), expect=422
    )
    assert {e["type"] for e in res.json()["errors"]} == {"not_their_unit"}
    await _nothing_decided(awards, approved=3)
    # Sở Tài chính's director
    d = await awards.post(
        "/decisions", dated.decision("1/QĐ-STC", signed, v.ids, "unit_head", w.stc), expect=201
    )
    assert d.json()["signer_authority"] == "unit_head"
    assert d.json()["signer_unit_id"] == str(w.stc)


def _locality(w, *, two_level: bool) -> list:
    """A commune of Huyện U Minh (before 2025-07-01) or of the province (after), its people's
    committee office, with five people rated good for the year."""
    district = w.unit("CM-UM")
    commune = uid(w.seed, "unit", "XA-KHANH-AN")
    office = uid(w.seed, "unit", "VP-XA-KHANH-AN")
    w.units["XA"], w.units["VP-XA"] = commune, office
    events: list = [
        r.UnitRegistered(
            unit_id=commune, code="XA-KHANH-AN", name="Xã Khánh An", kind="commune",
            level="commune", parent_id=w.province if two_level else district,
            valid_from=date(2016, 1, 1),
        ),
        r.UnitRegistered(
            unit_id=office, code="VP-XA-KHANH-AN", name="Văn phòng UBND xã Khánh An",
            kind="department", level="commune", parent_id=commune, valid_from=date(2016, 1, 1),
        ),
        # a district's own department, before the reform
        r.UnitRegistered(
            unit_id=uid(w.seed, "unit", "PNV-UM"), code="PNV-UM", name="Phòng Nội vụ huyện U Minh",
            kind="department", level="district", parent_id=district,
            valid_from=date(2016, 1, 1),
        ),
    ]  # fmt: skip
    w.units["PNV-UM"] = uid(w.seed, "unit", "PNV-UM")
    for i in range(1, 4):
        for unit, where in ((office, "xa"), (w.units["PNV-UM"], "pnv")):
            person = w.person(f"{where}{i}")
            events.append(
                r.PersonRegistered(
                    person_id=person, full_name=f"Nguyễn Văn {where.upper()} {i}",
                    gender="male", birth_year=1985, unit_id=unit, position="Công chức",
                    valid_from=date(2016, 1, 1),
                )
            )  # fmt: skip
            events.append(
                p.PerformanceRated(
                    subject_id=person, subject_kind="person", year=w.year, rating="HTTNV",
                    unit_id=unit,
                )
            )  # fmt: skip
    return events


async def _local_world(awards: Awards, year: int, regime: str, *, two_level: bool):
    w = build(year, regime)
    await awards.feed([*(e for _, e in w.all_events()), *_locality(w, two_level=two_level)])
    return w


@pytest.mark.parametrize(
    ("year", "regime", "signed"),
    [
        pytest.param(2020, "2013", date(2021, 3, 1), id="2013-before-2025-07-01"),
        pytest.param(2024, "2022", date(2025, 3, 3), id="2022-before-2025-07-01"),
    ],
)
async def test_before_the_reform_a_district_chairman_decides_for_the_district(
    awards: Awards, year: int, regime: str, signed: date
) -> None:
    w = await _local_world(awards, year, regime, two_level=False)
    district = w.unit("CM-UM")
    bodies = [
        (dated.person_nomination(w, "pnv1", "LDTT", district), awards.officer(district)),
        (dated.person_nomination(w, "xa1", "LDTT", district), awards.officer(district)),
    ]
    v = await dated.approve(awards, w, bodies, screened_on=date(signed.year, 1, 4), today=signed)
    pnv, xa = v.ids
    # the commune chairman cannot decide for the district's department
    res = await awards.post(
        "/decisions",
        dated.decision("1/QĐ-UBND-XA", signed, [pnv], "commune_chairman", w.units["XA"]),
        expect=422,
    )
    (error,) = res.json()["errors"]
    assert error["type"] == "not_competent"
    assert "Chủ tịch UBND cấp huyện" in error["detail"]
    await _nothing_decided(awards, approved=2)
    # the district chairman decides for the district's department; a commune's LĐTT is its
    # own chairman's (Điều 80 khoản 3)
    d = await awards.post(
        "/decisions",
        dated.decision("1/QĐ-UBND-UM", signed, [pnv], "district_chairman", district),
        expect=201,
    )
    assert d.json()["signer_authority"] == "district_chairman"
    await awards.post(
        "/decisions",
        dated.decision("2/QĐ-UBND-XA", signed, [xa], "commune_chairman", w.units["XA"]),
        expect=201,
    )


@pytest.mark.parametrize(
    ("year", "regime", "signed"),
    [
        pytest.param(2023, "2013", date(2025, 8, 4), id="2013-after-2025-07-01"),
        pytest.param(2024, "2022", date(2025, 8, 4), id="2022-after-2025-07-01"),
    ],
)
async def test_from_2025_07_01_the_commune_chairman_decides(
    awards: Awards, year: int, regime: str, signed: date
) -> None:
    w = await _local_world(awards, year, regime, two_level=True)
    commune = w.units["XA"]
    bodies = [(dated.person_nomination(w, "xa1", "LDTT", commune), awards.officer(commune))]
    v = await dated.approve(awards, w, bodies, screened_on=date(2025, 7, 1), today=signed)
    res = await awards.post(
        "/decisions",
        dated.decision("1/QĐ-UBND-UM", signed, v.ids, "district_chairman", w.unit("CM-UM")),
        expect=422,
    )
    (error,) = res.json()["errors"]
    assert "Chủ tịch UBND cấp xã" in error["detail"] and "129/2025" in error["detail"]
    await _nothing_decided(awards, approved=1)
    d = await awards.post(
        "/decisions",
        dated.decision("1/QĐ-UBND-XA", signed, v.ids, "commune_chairman", commune),
        expect=201,
    )
    assert d.json()["signer_authority"] == "commune_chairman"


def _central_facts(w) -> list:
    """an has an initiative of nationwide effect; Sở Tài chính is one of several bloc leaders
    (the CO_CP quota is one)."""
    national = p.InitiativeRecognized(
        initiative_id=uid(w.seed, "initiative", "an-national"),
        title="Mô hình quản lý ngân sách được nhân rộng toàn quốc",
        level="national",
        scope="national",
        recognised_on=date(w.year - 1, 6, 1),
        author_ids=[w.person("an")],
        unit_id=w.stc,
    )
    leaders = [
        p.BlocLeaderDetermined(
            bloc_id=uid(w.seed, "bloc", bloc), year=w.year, leader_unit_id=w.unit(unit),
            score=90.0, by_vote=False,
        )
        for bloc, unit in (
            ("K-VHXH", "CM-SGDDT"), ("K-NC", "CM-SNV"), ("K-DT", "CM-SYT"), ("K-DN", "CM-STTTT")
        )
    ]  # fmt: skip
    return [national, *leaders]


def _central_history(w) -> bytes:
    """an holds CSTĐ cấp tỉnh for the periods ending Y-3 and Y."""
    lines = ["Loại,Mã cá nhân,Mã danh hiệu,Năm,Số quyết định,Ngày quyết định"]
    for y in (w.year - 3, w.year):
        lines.append(f"Cá nhân,{w.person('an')},CSTD_TINH,{y},{y % 100:02d}/QĐ-UBND,20/12/{y}")
    # a member holding CSTĐCS of the year: the flag's TTLĐXS standard (R05)
    lines.append(f"Cá nhân,{w.person('an')},CSTDCS,{w.year},{w.year % 100}/QĐ-STC,20/12/{w.year}")
    return ("\n".join(lines) + "\n").encode()


async def test_awards_the_prime_minister_decides_are_proposed_not_decided(awards: Awards) -> None:
    w = build(2024, "2022")
    await awards.feed([*(e for _, e in w.all_events()), *_central_facts(w)])
    awards.today(date(2025, 2, 1))
    await awards.client.post(
        "/award-history/imports", content=_central_history(w), headers=awards.admin
    )
    await dated.ldtt_on_record(awards, w)  # the Cờ's TTLĐXS standard counts members' titles
    collective = {
        "nominee": {"kind": "collective", "id": str(w.stc)},
        "year": 2024,
        "proposer_unit_id": str(w.province),
        "documents": BASE_DOSSIER,
    }
    an = dated.person_nomination(
        w, "an", "CSTD_TQ", w.province,
        initiative_ids=[str(uid(w.seed, "initiative", "an-national"))],
        documents=[*BASE_DOSSIER, {"type": "initiative_certificate", "ref": "urn:x"}],
    )  # fmt: skip
    bodies = [
        (an, awards.admin),
        ({**collective, "award_code": "CO_CP"}, awards.admin),
        ({**collective, "award_code": "BK_TTG"}, awards.admin),
    ]
    v = await dated.approve(awards, w, bodies, screened_on=date(2025, 1, 6), today=date(2025, 2, 1))
    signed = date(2025, 1, 27)
    res = await awards.post(
        "/decisions", dated.decision("5/QĐ-UBND", signed, v.ids, "province_chairman"), expect=422
    )
    errors = res.json()["errors"]
    assert {e["type"] for e in errors} == {"central_award"}
    for e, award in zip(
        errors,
        ("Chiến sĩ thi đua toàn quốc", "Cờ thi đua của Chính phủ", "Bằng khen của Thủ tướng"),
        strict=True,
    ):
        assert award in e["detail"] and "Thủ tướng Chính phủ" in e["detail"]
        assert "tờ trình" in e["detail"]
    await _nothing_decided(awards, approved=3)

    # the proposal: not before the vote; then each nomination is proposed, with its event
    body = {
        "number": "45/TTr-UBND",
        "submitted_on": v.held_on.replace(day=v.held_on.day - 1).isoformat(),
        "signer_name": "Nguyễn Văn Chủ",
        "signer_title": "Chủ tịch Ủy ban nhân dân tỉnh",
        "nomination_ids": v.ids,
    }
    res = await awards.post("/proposals", body, expect=422)
    assert res.json()["errors"][0]["type"] == "out_of_order"
    assert await awards.count("proposals") == 0
    proposal = (
        await awards.post("/proposals", {**body, "submitted_on": "2025-01-27"}, expect=201)
    ).json()
    assert [ln["to_authority"] for ln in proposal["lines"]] == ["prime_minister"] * 3
    assert all(ln["conferred"] is None for ln in proposal["lines"])
    proposed = await awards.outbox("NominationProposed")
    assert sorted(e["nomination_id"] for e in proposed) == sorted(v.ids)
    assert {e["number"] for e in proposed} == {"45/TTr-UBND"}
    an_id = v.ids[0]
    listed = (await awards.get(f"/nominations/{an_id}")).json()
    assert (listed["status"], listed["proposal_id"]) == ("proposed", proposal["proposal_id"])
    # a provincial award is decided, not proposed
    await awards.post("/proposals", {**body, "number": "46/TTr-UBND"}, expect=422)

    # the central answers: CSTĐ toàn quốc conferred (award history), the flag not
    path = f"/proposals/{proposal['proposal_id']}/outcomes"
    outcome = {"nomination_id": an_id, "conferred": True, "decided_on": "2025-01-20"}
    await awards.post(path, {**outcome, "decision_number": "512/QĐ-TTg"}, expect=422)  # early
    await awards.post(path, outcome, expect=422)  # no number
    await awards.post(
        path, {**outcome, "decided_on": "2025-01-31", "decision_number": "512/QĐ-TTg"}, expect=200
    )
    await awards.post(
        path,
        {"nomination_id": v.ids[1], "conferred": False, "decided_on": "2025-01-31"},
        expect=200,
    )
    history = (
        await awards.get("/award-history", params={"subject_id": str(w.person("an"))})
    ).json()
    assert ("CSTD_TQ", "central", "512/QĐ-TTg", "2025-01-31") in {
        (h["award_code"], h["source"], h["decision_number"], h["decided_on"]) for h in history
    }
    statuses = [(await awards.get(f"/nominations/{n}")).json()["status"] for n in v.ids]
    assert statuses == ["conferred", "not_conferred", "proposed"]
    answers = await awards.outbox("NominationCentrallyDecided")
    assert [(e["conferred"], e["decision_number"]) for e in answers] == [
        (True, "512/QĐ-TTg"),
        (False, None),
    ]
