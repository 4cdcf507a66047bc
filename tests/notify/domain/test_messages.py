"""Vietnamese messages: every piece rendered, NFC, dates and money formatted, HTML escaped."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest
from jinja2 import UndefinedError

from schemas import awards as a
from schemas import progress as p
from schemas import registry as r
from schemas.examples import EXAMPLES, PERSON, SO_NOI_VU, SO_TAI_CHINH, example
from services.notify.domain import messages
from services.notify.domain.messages import blocks, render, template_set
from services.notify.domain.recipients import Recipient, recipients
from tests.notify import envelope, seeded_directory

OWN_SETS = [
    "ReportDueSoon",
    "ReportOverdue",
    "TargetAchieved",
    "NominationScreened",
    "NominationApproved",
    "NominationRejected",
    "NominationWithdrawn",
    "NominationProposed",
    "NominationCentrallyDecided",
    "AwardDecisionIssued",
    "CampaignLaunched",
]


def _nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.event_name)
def test_every_event_renders_every_piece(event):
    d = seeded_directory()
    to = (recipients(event, d) or [None])[0]
    m = render(envelope(event), recipient=to, directory=d)
    for piece in (m.title, m.body, m.subject, m.text, m.html):
        assert piece.strip()
        assert _nfc(piece)
    assert "\n" not in m.title and "\n" not in m.subject
    assert m.subject.startswith("[Thi đua – Khen thưởng] ")
    assert m.body in m.text  # the email text is the inbox body with greeting and footer
    assert m.html.startswith("<!DOCTYPE html>") and 'lang="vi"' in m.html
    assert str(envelope(event).id) in m.text and str(envelope(event).id) in m.html


def test_each_notified_event_type_has_its_own_title_and_body():
    for name in OWN_SETS:
        files = template_set(name)
        assert files["title"] == f"{name}/title.txt"
        assert files["body"] == f"{name}/body.txt"
    assert template_set("UnitRegistered")["title"] == "_default/title.txt"


def test_template_files_are_nfc():
    for path in messages.TEMPLATES.rglob("*"):
        if path.is_file():
            assert _nfc(path.read_text(encoding="utf-8")), path


def test_report_due_soon_names_target_campaign_and_deadline():
    m = render(
        example(p.ReportDueSoon),
        recipient=Recipient("unit", SO_TAI_CHINH, "target_unit"),
        directory=seeded_directory(),
    )
    assert m.title == "Sắp đến hạn báo cáo kỳ 2020-Q3"
    assert m.body.startswith(
        "Báo cáo kết quả thực hiện chỉ tiêu “Thu ngân sách nhà nước trên địa bàn” kỳ 2020-Q3 "
        "thuộc “Đợt thi đua đặc biệt năm 2020” đến hạn vào ngày 05/10/2020 (còn 3 ngày)."
    )
    assert m.text.startswith("Kính gửi: Sở Tài chính tỉnh Cà Mau\n\n")


def test_without_names_the_wording_stays_whole():
    m = render(example(p.ReportDueSoon))
    assert m.body.startswith(
        "Báo cáo kết quả thực hiện chỉ tiêu kỳ 2020-Q3 đến hạn vào ngày 05/10/2020"
    )
    assert m.text.startswith("Kính gửi: Thủ trưởng cơ quan, đơn vị")
    assert "None" not in m.body + m.text + m.html


def test_due_today_says_today():
    due = p.ReportDueSoon(**example(p.ReportDueSoon).model_dump() | {"days_left": 0})
    assert "(hôm nay)" in render(due).body


def test_overdue_counts_days():
    m = render(example(p.ReportOverdue))
    assert m.title == "Quá hạn báo cáo kỳ 2020-Q3"
    assert "Hạn báo cáo là ngày 05/10/2020, đã quá hạn 2 ngày." in m.body


def test_early_finish_is_celebrated_with_percent_in_vietnamese_notation():
    m = render(example(p.TargetAchieved), directory=seeded_directory())
    assert m.title == "Về đích sớm: hoàn thành chỉ tiêu trước hạn 31 ngày"
    assert "vào ngày 30/11/2020, đạt 100,23% so với chỉ tiêu được giao." in m.body
    assert "về đích sớm 31 ngày so với thời hạn 31/12/2020" in m.body


def test_screening_lists_failed_rules_with_citations():
    screened = a.NominationScreened(
        nomination_id=example(a.NominationScreened).nomination_id,
        verdict="incomplete",
        regime="2013",
        rule_results=[
            a.RuleResult(rule_id="R02-2013", passed=True, citation="Nghị định 91/2017, Điều 9"),
            a.RuleResult(rule_id="R13", passed=False, citation="Luật TĐKT 2013, Điều 84 khoản 1"),
        ],
    )
    d = seeded_directory()
    m = render(screened, recipient=Recipient("person", PERSON, "nominee"), directory=d)
    assert m.title.endswith(": Hồ sơ chưa đầy đủ")
    assert "xét tặng “Chiến sĩ thi đua cơ sở” cho Nguyễn Thị Hoa" in m.body
    assert "Các tiêu chí chưa đạt:\n- R13 (Luật TĐKT 2013, Điều 84 khoản 1)" in m.body
    assert "R02-2013" not in m.body
    assert "Đề nghị đơn vị bổ sung hồ sơ theo quy định." in m.body
    assert m.text.startswith("Kính gửi: Đồng chí Nguyễn Thị Hoa")
    assert "Chưa đạt" in m.html and "R02-2013" in m.html  # the HTML shows every rule


def test_approval_reports_the_vote():
    m = render(example(a.NominationApproved), directory=seeded_directory())
    assert "Ngày 15/01/2021, Hội đồng Thi đua – Khen thưởng đã thông qua" in m.body
    assert "11/11 thành viên đồng ý (bỏ phiếu kín)" in m.body


def test_a_proposal_tells_who_decides_and_the_submissions_date():
    m = render(example(a.NominationProposed), directory=seeded_directory())
    assert m.title == "Đề nghị Thủ tướng Chính phủ xét tặng khen thưởng"
    assert m.body.startswith(
        "Ngày 25/01/2021, Chủ tịch Ủy ban nhân dân tỉnh Nguyễn Văn A đã ký Tờ trình số "
        "45/TTr-UBND đề nghị Thủ tướng Chính phủ xét tặng “Chiến sĩ thi đua cơ sở” cho "
        "Nguyễn Thị Hoa."
    )
    done = render(example(a.NominationCentrallyDecided), directory=seeded_directory())
    assert "Ngày 12/04/2021, Quyết định số 512/QĐ-TTg" in done.body


def test_decision_shows_money_with_vietnamese_grouping():
    d = seeded_directory()
    m = render(
        envelope(example(a.AwardDecisionIssued)),
        recipient=Recipient("person", PERSON, "awardee"),
        directory=d,
    )
    assert m.title == "Quyết định khen thưởng số 1234/QĐ-UBND"
    assert "- Chiến sĩ thi đua cơ sở: Nguyễn Thị Hoa, tiền thưởng 1.490.000 đ" in m.body
    assert "mức lương cơ sở 1.490.000 đ" in m.body
    assert '<td style="padding:4px;text-align:right;white-space:nowrap">1.490.000 đ</td>' in (
        m.html
    )


def test_decision_to_a_unit_shows_only_its_lines():
    d = seeded_directory()
    other = a.AwardLine(
        nomination_id=example(a.NominationRejected).nomination_id,
        nominee=a.Nominee(kind="collective", id=SO_TAI_CHINH),
        award_code="TTLDXS",
        amount_vnd=2_235_000,
    )
    decision = a.AwardDecisionIssued(
        **example(a.AwardDecisionIssued).model_dump(exclude={"awards"}),
        awards=[*example(a.AwardDecisionIssued).awards, other],
    )
    to_tai_chinh = render(decision, recipient=Recipient("unit", SO_TAI_CHINH, "awardee"))
    assert "Tập thể lao động xuất sắc: tập thể, tiền thưởng 2.235.000 đ" in to_tai_chinh.body
    assert "Chiến sĩ thi đua cơ sở" not in to_tai_chinh.body
    to_noi_vu = render(decision, recipient=Recipient("unit", SO_NOI_VU, "proposer"), directory=d)
    assert "Nội dung liên quan đến đơn vị:" in to_noi_vu.body
    assert "Chiến sĩ thi đua cơ sở: Nguyễn Thị Hoa" in to_noi_vu.body
    assert "Tập thể lao động xuất sắc" not in to_noi_vu.body


def test_a_withdrawn_nomination_tells_who_withdrew_it_and_why():
    d = seeded_directory()
    to = Recipient("person", PERSON, "nominee")
    m = render(example(a.NominationWithdrawn), recipient=to, directory=d)
    assert m.title == "Đề nghị khen thưởng đã được rút"
    assert m.body.startswith(
        "Ngày 20/12/2020, đề nghị xét tặng “Chiến sĩ thi đua cơ sở” cho Nguyễn Thị Hoa đã được "
        "đơn vị đề nghị rút trước khi Hội đồng Thi đua – Khen thưởng biểu quyết."
    )
    assert "Lý do: Đơn vị rút hồ sơ để bổ sung thành tích" in m.body
    by_province = example(a.NominationWithdrawn).model_copy(update={"by_province": True})
    assert "đã được Ủy ban nhân dân tỉnh rút" in render(by_province, directory=d).body


def test_campaign_launch_lists_the_units_own_targets():
    d = seeded_directory()
    m = render(
        example(r.CampaignLaunched),
        recipient=Recipient("unit", SO_TAI_CHINH, "participant"),
        directory=d,
    )
    assert m.title == "Phát động “Đợt thi đua đặc biệt năm 2020”"
    assert "từ ngày 19/05/2020 đến ngày 31/12/2020" in m.body
    assert "- Thu ngân sách nhà nước trên địa bàn: 5.250 tỷ đồng, thời hạn 31/12/2020" in m.body
    other = render(example(r.CampaignLaunched), recipient=Recipient("unit", SO_NOI_VU, "x"))
    assert "Chỉ tiêu giao cho đơn vị" not in other.body


def test_html_escapes_what_the_text_keeps():
    nasty = "<script>alert('x')</script> & “Sở” <b>"
    rejected = a.NominationRejected(
        nomination_id=example(a.NominationRejected).nomination_id,
        decided_on=date(2021, 1, 15),
        reason=nasty,
    )
    d = seeded_directory()
    d.names[SO_TAI_CHINH] = "<img src=x onerror=alert(1)>"
    m = render(rejected, recipient=Recipient("unit", SO_TAI_CHINH, "proposer"), directory=d)
    assert f"Lý do: {nasty}" in m.body and f"Lý do: {nasty}" in m.text
    assert "<script>" not in m.html and "<img" not in m.html and "<b>" not in m.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; “Sở” &lt;b&gt;" in m.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in m.html


def test_event_time_is_shown_in_vietnam_time():
    late_utc = datetime(2020, 12, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 December in Vietnam
    m = render(envelope(example(p.ReportOverdue), time=late_utc))
    assert "Thời điểm: 00:30 02/12/2020" in m.text
    assert "Thời điểm: 00:30 02/12/2020" in m.html


def test_fallback_for_an_event_without_its_own_templates():
    m = render(example(a.AwardRevoked))
    assert template_set("AwardRevoked")["body"] == "_default/body.txt"
    assert m.title == "Hủy bỏ quyết định khen thưởng"
    assert "thông báo mới về việc “Hủy bỏ quyết định khen thưởng”" in m.body
    unlabelled = render(example(r.UnitRegistered))
    assert unlabelled.title == "Thông báo mới"


def test_templates_are_strict_about_undefined_names():
    template = messages.environment().from_string("{{ e.no_such_field }}")
    with pytest.raises(UndefinedError):
        template.render(e=example(p.ReportDueSoon))


def test_body_blocks_split_paragraphs_and_lists():
    got = blocks("Mở đầu.\n\nDanh sách:\n- một\n- hai\n  tiếp\n\nKết.")
    assert [(b.lead, b.items) for b in got] == [
        ("Mở đầu.", []),
        ("Danh sách:", ["một", "hai tiếp"]),
        ("Kết.", []),
    ]


def test_decomposed_input_comes_out_composed():
    # "ễ" typed as e + circumflex + tilde: the output must still be NFC.
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoa")
    d = seeded_directory()
    d.names[PERSON] = decomposed
    m = render(
        example(a.NominationApproved),
        recipient=Recipient("person", PERSON, "nominee"),
        directory=d,
    )
    assert "Nguyễn Thị Hoa" in m.text and _nfc(m.text) and _nfc(m.html)
