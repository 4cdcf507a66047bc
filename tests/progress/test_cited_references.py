"""Evidence references as people write them ("Tờ trình số 15/TTr-SKHCN", "QĐ 15/QĐ-SKHCN"): the
API takes them, readers show them as written, and `TargetReported` v1 carries each as a valid
v1 `DocumentRef` (spaces as %20, what every published revision of its schema accepts) with the
text as written in its optional `evidence_as_written`. Blank, over-long and control characters
are still refused, in Vietnamese, and nothing is stored."""

from __future__ import annotations

import jsonschema
import pytest

from schemas import progress as p
from services.progress.consumers.reports import report_from_event
from tests import every_revision
from tests.progress.seed import ID
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra

WRITTEN = ["Tờ trình số 15/TTr-SKHCN", "QĐ 15/QĐ-SKHCN", "vb:123/STC"]


async def test_a_report_cites_documents_as_people_write_them(seeded):
    body = report(evidence=["  Tờ trình  số 15/TTr-SKHCN ", *WRITTEN[1:]])
    r = await seeded.post("/reports", body, headers=seeded.officer(ID.stc), expect=201)
    assert r.json()["report"]["evidence"] == WRITTEN  # one line, as written
    (stored,) = (await seeded.get(f"/targets/{ID.t_thu}/reports")).json()["reports"]
    assert stored["evidence"] == WRITTEN
    (event,) = await seeded.outbox("TargetReported")
    assert event["evidence"] == ["Tờ%20trình%20số%2015/TTr-SKHCN", "QĐ%2015/QĐ-SKHCN", "vb:123/STC"]
    assert event["evidence_as_written"] == WRITTEN
    payload = {k: v for k, v in event.items() if not k.startswith("_")}
    schemas = every_revision("progress.TargetReported.v1")
    assert len(schemas) >= 3  # the revision before the field existed, the new one, strict
    for schema in schemas:  # an old consumer's schema takes it as a new one's does
        jsonschema.Draft7Validator(schema).validate(payload)
    # a rebuild from the topic shows what the person wrote
    assert report_from_event(p.TargetReported.model_validate(payload)).evidence == tuple(WRITTEN)
    # a reference without spaces travels as before, with no second field
    r = await seeded.post(
        "/reports",
        report(as_of="2020-06-11", evidence=["vb:124/STC"]),
        headers=seeded.officer(ID.stc),
        expect=201,
    )
    event = (await seeded.outbox("TargetReported"))[-1]
    assert event["evidence"] == ["vb:124/STC"] and event.get("evidence_as_written") is None


@pytest.mark.parametrize(
    ("ref", "detail"),
    [
        ("", "Tài liệu tham chiếu không được để trống"),
        ("   ", "Tài liệu tham chiếu không được để trống"),
        ("v" * 1001, "Tài liệu tham chiếu không quá 1000 ký tự"),
        ("Tờ trình\x07số 15", "Giá trị chứa ký tự điều khiển hoặc ký tự đảo chiều U+0007"),
        ("QĐ 15/\u202eQĐ", "Giá trị chứa ký tự điều khiển hoặc ký tự đảo chiều U+202E"),
    ],
)
async def test_bad_references_are_refused_in_vietnamese(seeded, ref, detail):
    headers = {**seeded.officer(ID.stc), "Accept-Language": "vi"}
    r = await seeded.post("/reports", report(evidence=[ref]), headers=headers, expect=422)
    (error,) = r.json()["errors"]  # the reference, or the list for a character (servicekit.text)
    assert error["pointer"] in ("#/evidence/0", "#/evidence"), error
    assert error["detail"].startswith(detail), error
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []


def test_the_event_refuses_references_that_disagree():
    good = {
        "report_id": str(ID.stc), "target_id": str(ID.t_thu), "campaign_id": str(ID.stc),
        "unit_id": str(ID.stc), "value": 1, "as_of": "2020-06-10",
        "reported_at": "2020-06-10T08:00:00+07:00",
    }  # fmt: skip
    event = p.TargetReported.model_validate(
        {**good, "evidence": ["QĐ%2015"], "evidence_as_written": ["QĐ 15"]}
    )
    assert event.evidence_as_written == ["QĐ 15"]
    with pytest.raises(ValueError, match="as written do not match"):
        p.TargetReported.model_validate(
            {**good, "evidence": ["QĐ%2016"], "evidence_as_written": ["QĐ 15"]}
        )
