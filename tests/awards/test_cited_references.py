"""Document numbers as people write them ("Tờ trình số 15/TTr-SKHCN", "QĐ 15/QĐ-SKHCN") in a
nomination's dossier and on the Front's findings and their answers: accepted, read back as
written, carried on the v1 events as a valid `DocumentRef` (spaces as %20, what every published
revision of the schema accepts) with the text as written in an optional field. Blank, over-long
and control characters are refused in Vietnamese and nothing is stored."""

from __future__ import annotations

import jsonschema
import pytest

from schemas import awards as a
from tests import every_revision
from tests.awards import dated
from tests.awards.conftest import Awards
from tests.awards.test_findings import FRONT, on_notice, supervisor
from tests.awards.world import BASE_DOSSIER, build

pytestmark = pytest.mark.timeout(120)

SUBMISSION = "Tờ trình số 15/TTr-SKHCN"
LETTER, MINUTES = "Công văn số 05/MTTQ-BTT", "QĐ 15/QĐ-SKHCN"


def _valid_for_every_consumer(event: dict, schema_id: str) -> None:
    payload = {k: v for k, v in event.items() if k not in ("type", "topic")}
    schemas = every_revision(schema_id)
    assert len(schemas) >= 3, schema_id  # a revision before the new field, the current, strict
    for schema in schemas:
        jsonschema.Draft7Validator(schema).validate(payload)


async def test_a_dossier_names_its_submission_as_written(awards: Awards):
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    dossier = [{"type": "submission", "ref": f"  {SUBMISSION.replace(' ', '  ')} "}]
    body = dated.person_nomination(w, "lan", "LDTT", w.stc, documents=dossier + BASE_DOSSIER[1:])
    lan = (await awards.post("/nominations", body, expect=201)).json()["nomination_id"]
    read = (await awards.get(f"/nominations/{lan}")).json()
    assert read["documents"][0] == {"type": "submission", "ref": SUBMISSION}
    (event,) = await awards.outbox("NominationSubmitted")
    first, second = event["documents"][:2]
    assert first["ref"] == "Tờ%20trình%20số%2015/TTr-SKHCN"
    assert first["ref_as_written"] == SUBMISSION
    assert second.get("ref_as_written") is None  # a storage key travels as before
    _valid_for_every_consumer(event, "awards.NominationSubmitted.v1")
    assert (
        a.NominationSubmitted.model_validate(
            {k: v for k, v in event.items() if k not in ("type", "topic")}
        )
        .documents[0]
        .ref_as_written
        == SUBMISSION
    )


async def test_a_finding_and_its_answer_cite_documents_as_written(awards: Awards):
    w, _, _ = await on_notice(awards)
    raised = {
        "subject_kind": "unit",
        "subject_id": str(w.stc),
        "content": "Bình xét chưa công khai.",
        "documents": [LETTER, "vb/mttq/bb-1.pdf"],
    }
    finding = (
        await awards.post("/findings", raised, headers=supervisor(awards), expect=201)
    ).json()
    answer = {"answer": "Đã bình xét lại.", "documents": [MINUTES]}
    done = await awards.post(
        f"/findings/{finding['id']}/answer", answer, headers=awards.officer(w.stc), expect=200
    )
    assert done.json()["answer_documents"] == [MINUTES]
    read = (await awards.get(f"/findings/{finding['id']}")).json()
    assert (read["documents"], read["answer_documents"]) == (
        [LETTER, "vb/mttq/bb-1.pdf"],
        [MINUTES],
    )
    (r,) = await awards.outbox("SupervisionFindingRaised")
    assert r["documents"] == ["Công%20văn%20số%2005/MTTQ-BTT", "vb/mttq/bb-1.pdf"]
    assert r["documents_as_written"] == [LETTER, "vb/mttq/bb-1.pdf"]
    assert r["supervisor_unit_id"] == str(FRONT)
    _valid_for_every_consumer(r, "awards.SupervisionFindingRaised.v1")
    (ans,) = await awards.outbox("SupervisionFindingAnswered")
    assert (ans["documents"], ans["documents_as_written"]) == (["QĐ%2015/QĐ-SKHCN"], [MINUTES])
    _valid_for_every_consumer(ans, "awards.SupervisionFindingAnswered.v1")


@pytest.mark.parametrize(
    ("ref", "detail"),
    [
        ("   ", "Tài liệu tham chiếu không được để trống"),
        ("v" * 1001, "Tài liệu tham chiếu không quá 1000 ký tự"),
        ("Công văn\x1bsố 05", "Giá trị chứa ký tự điều khiển hoặc ký tự đảo chiều U+001B"),
    ],
)
async def test_bad_references_are_refused_in_vietnamese(awards: Awards, ref, detail):
    w, lan, _ = await on_notice(awards)
    headers = {**supervisor(awards), "Accept-Language": "vi"}
    raised = {"subject_kind": "unit", "subject_id": str(w.stc), "content": "x", "documents": [ref]}
    r = await awards.post("/findings", raised, headers=headers, expect=422)
    (error,) = r.json()["errors"]
    assert error["pointer"] in ("#/documents/0", "#/documents"), error
    assert error["detail"].startswith(detail), error
    more = {"documents": [{"type": "other", "ref": ref}]}
    vi = {**awards.officer(w.stc), "Accept-Language": "vi"}
    r = await awards.post(f"/nominations/{lan}/documents", more, headers=vi, expect=422)
    assert r.json()["errors"][0]["detail"].startswith(detail), r.text
    assert await awards.count("supervision_findings") == 0
    assert await awards.outbox("SupervisionFindingRaised") == []
    assert await awards.count("nomination_documents") == len(BASE_DOSSIER)
