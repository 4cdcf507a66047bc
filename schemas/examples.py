"""One valid example of every event, from the seed's setting (Cà Mau, the 2020 special campaign
"về đích sớm"). Used by the contract tests and as the AsyncAPI message examples, so ids and times
are fixed: the generated documents must not change from run to run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid5

from schemas import awards as a
from schemas import notify as n
from schemas import progress as p
from schemas import registry as r
from schemas.base import Event

_NS = UUID("5b0d3f4e-2c8a-4e52-9d36-6a1f0c7e9b21")


def _id(name: str) -> UUID:
    return uuid5(_NS, name)


PROVINCE = _id("unit:ubnd-tinh")
SO_NOI_VU = _id("unit:so-noi-vu")
SO_TAI_CHINH = _id("unit:so-tai-chinh")
SO_KHDT = _id("unit:so-ke-hoach-dau-tu")
HUYEN_U_MINH = _id("unit:huyen-u-minh")
XA_KHANH_AN = _id("unit:xa-khanh-an")
PERSON = _id("person:nguyen-thi-hoa")
PERSON_2 = _id("person:tran-van-minh")
BLOC = _id("bloc:khoi-kinh-te-tong-hop")
CAMPAIGN = _id("campaign:ve-dich-som-2020")
TARGET = _id("target:thu-ngan-sach-2020")
REPORT = _id("report:thu-ngan-sach-2020-09")
INITIATIVE = _id("initiative:so-hoa-ho-so-thi-dua")
NOMINATION = _id("nomination:cstdcs-2020-nguyen-thi-hoa")
DECISION = _id("decision:1234-qd-ubnd")
COUNCIL = _id("council:hdtdkt-tinh")
DELIVERY = _id("delivery:1")
MTTQ = _id("unit:ubmttq-tinh")
FINDING = _id("finding:1")
SUBSCRIPTION = _id("subscription:1")
SOME_EVENT = _id("event:1")

_TARGET_TERMS = {
    "unit_id": SO_TAI_CHINH,
    "name": "Thu ngân sách nhà nước trên địa bàn",
    "metric": "Tổng thu ngân sách nhà nước",
    "unit_of_measure": "tỷ đồng",
    "target_value": 5250.0,
    "direction": "higher_is_better",
    "weight": 2.0,
    "deadline": date(2020, 12, 31),
    "indicator_code": "KTXH-2020-07",
}

_SCHEME = p.ScoringSchemeSpec(
    ref="KHOI-KT-2020",
    criteria=[
        p.ScoringCriterion(name="completion", weight=1.0, max_points=70.0),
        p.ScoringCriterion(name="early_finish", weight=1.0, max_points=20.0),
        p.ScoringCriterion(name="timeliness", weight=1.0, max_points=10.0),
    ],
    max_bonus=5.0,
    max_penalty=5.0,
)

EXAMPLES: tuple[Event, ...] = (
    r.UnitRegistered(
        unit_id=SO_NOI_VU,
        code="SNV",
        name="Sở Nội vụ tỉnh Cà Mau",
        kind="department",
        parent_id=PROVINCE,
        level="province",
        valid_from=date(2008, 4, 1),
    ),
    r.UnitChanged(
        unit_id=XA_KHANH_AN,
        code="XKA",
        name="Ủy ban nhân dân xã Khánh An",
        kind="commune",
        parent_id=PROVINCE,
        level="commune",
        valid_from=date(2025, 7, 1),
    ),
    r.UnitMerged(
        unit_id=XA_KHANH_AN,
        merged_unit_ids=[_id("unit:xa-khanh-an-cu"), _id("unit:xa-nguyen-phich")],
        effective_on=date(2025, 7, 1),
    ),
    r.UnitClosed(
        unit_id=HUYEN_U_MINH,
        closed_on=date(2025, 7, 1),
        reason="Chính quyền địa phương hai cấp: không tổ chức cấp huyện",
    ),
    r.UnitStatusChanged(
        unit_id=SO_KHDT,
        status_id=_id("status:unit:1"),
        kind="inspection",
        start=date(2020, 10, 5),
    ),
    r.PersonRegistered(
        person_id=PERSON,
        full_name="Nguyễn Thị Hoa",
        gender="female",
        birth_year=1984,
        unit_id=SO_NOI_VU,
        position="Chuyên viên Ban Thi đua – Khen thưởng",
        valid_from=date(2015, 3, 1),
    ),
    r.PersonChanged(
        person_id=PERSON,
        full_name="Nguyễn Thị Hoa",
        gender="female",
        birth_year=1984,
        unit_id=SO_NOI_VU,
        position="Phó Trưởng ban Thi đua – Khen thưởng",
        valid_from=date(2021, 1, 1),
    ),
    r.PersonStatusChanged(
        person_id=PERSON_2,
        status_id=_id("status:1"),
        kind="discipline",
        discipline_level="reprimand",
        start=date(2020, 3, 2),
        end=date(2021, 3, 1),
    ),
    r.BlocFormed(
        bloc_id=BLOC,
        year=2020,
        code="K-KTTH",
        name="Khối thi đua các cơ quan kinh tế tổng hợp",
        kind="bloc",
        member_unit_ids=[SO_TAI_CHINH, SO_KHDT, SO_NOI_VU],
        scoring_scheme_ref="thang-diem-ktth-2020",
    ),
    r.BlocMembershipChanged(
        bloc_id=BLOC,
        year=2020,
        member_unit_ids=[SO_TAI_CHINH, SO_KHDT],
        removed_unit_ids=[SO_NOI_VU],
        effective_on=date(2020, 6, 1),
    ),
    r.BlocHeadElected(bloc_id=BLOC, year=2021, head_unit_id=SO_KHDT, deputy_unit_id=SO_TAI_CHINH),
    r.CampaignLaunched(
        campaign_id=CAMPAIGN,
        code="DTDDB-2020",
        title="Đợt thi đua đặc biệt năm 2020",
        theme="Đảng bộ, chính quyền, lực lượng vũ trang, cộng đồng doanh nghiệp và nhân dân tỉnh "
        "Cà Mau đồng thuận cao, thi đua giỏi, về đích sớm",
        goals=["Hoàn thành vượt mức các chỉ tiêu kinh tế – xã hội năm 2020 trước thời hạn"],
        kind="special",
        start=date(2020, 5, 19),
        end=date(2020, 12, 31),
        launched_by=PROVINCE,
        regime="2013",
        participating_unit_ids=[SO_TAI_CHINH, SO_KHDT, SO_NOI_VU, HUYEN_U_MINH],
        bloc_ids=[BLOC],
        targets=[r.TargetSpec(target_id=TARGET, **_TARGET_TERMS)],
    ),
    r.OccasionDefined(
        occasion_id=_id("occasion:dai-hoi-thi-dua-tinh-vi"),
        code="DHTD-VI",
        name="Đại hội Thi đua yêu nước tỉnh Cà Mau lần thứ VI",
        starts_on=date(2025, 6, 10),
        ends_on=date(2025, 6, 11),
    ),
    r.CampaignClosed(
        campaign_id=CAMPAIGN,
        closed_on=date(2020, 12, 31),
        summary="Tổng kết đợt thi đua đặc biệt năm 2020",
    ),
    r.TargetAssigned(
        target_id=_id("target:von-dau-tu-2020"),
        campaign_id=CAMPAIGN,
        unit_id=SO_KHDT,
        name="Tỷ lệ giải ngân vốn đầu tư công",
        metric="Giải ngân vốn đầu tư công so với kế hoạch",
        unit_of_measure="%",
        target_value=95.0,
        direction="higher_is_better",
        deadline=date(2020, 12, 31),
        allow_negative=False,
    ),
    r.TargetRevised(
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        **(_TARGET_TERMS | {"target_value": 5400.0}),
        revision=2,
        reason="Điều chỉnh theo Nghị quyết HĐND tỉnh",
    ),
    p.TargetReported(
        report_id=REPORT,
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        unit_id=SO_TAI_CHINH,
        value=5412.7,
        as_of=date(2020, 11, 30),
        reported_at=datetime(2020, 12, 1, 2, 15, tzinfo=UTC),
        note="Vượt dự toán nhờ thu từ đất",
        evidence=["docs/2020/bc-thu-ngan-sach-t11.pdf"],
        submitted_on=date(2020, 12, 1),
    ),
    p.TargetAchieved(
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        unit_id=SO_TAI_CHINH,
        report_id=REPORT,
        achieved_on=date(2020, 11, 30),
        deadline=date(2020, 12, 31),
        early_by_days=31,
        finished_early=True,
        completion=1.0023,
    ),
    p.ReportDueSoon(
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        unit_id=SO_TAI_CHINH,
        deadline=date(2020, 10, 5),
        period="2020-Q3",
        days_left=3,
    ),
    p.ReportOverdue(
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        unit_id=SO_TAI_CHINH,
        deadline=date(2020, 10, 5),
        period="2020-Q3",
        days_overdue=2,
    ),
    p.TargetAchievementRetracted(
        target_id=TARGET,
        campaign_id=CAMPAIGN,
        unit_id=SO_TAI_CHINH,
        report_id=REPORT,
        corrected_by=_id("report:thu-ngan-sach-2020-09-dinh-chinh"),
        achieved_on=date(2020, 11, 30),
        deadline=date(2020, 12, 31),
        finished_early=True,
    ),
    p.StandingsChanged(
        bloc_id=BLOC,
        year=2020,
        campaign_id=CAMPAIGN,
        ranking=[
            p.Standing(unit_id=SO_TAI_CHINH, rank=1, score=96.5),
            p.Standing(unit_id=SO_KHDT, rank=2, score=94.0),
        ],
    ),
    p.BlocLeaderDetermined(
        bloc_id=BLOC, year=2020, leader_unit_id=SO_TAI_CHINH, score=96.5, by_vote=True
    ),
    p.BlocLeaderReopened(
        bloc_id=BLOC,
        year=2020,
        previous_leader_unit_id=SO_TAI_CHINH,
        reason="Kết quả của Sở Y tế được bổ sung sau khi xác định",
        reopened_at=datetime(2021, 1, 20, 2, 0, tzinfo=UTC),
    ),
    p.PerformanceRated(
        subject_id=PERSON,
        subject_kind="person",
        year=2020,
        rating="HTXSNV",
        unit_id=SO_NOI_VU,
    ),
    p.InitiativeRecognized(
        initiative_id=INITIATIVE,
        title="Số hóa hồ sơ đề nghị khen thưởng",
        level="grassroots",
        recognised_on=date(2020, 11, 20),
        author_ids=[PERSON],
        unit_id=SO_NOI_VU,
        kind="initiative",
        scope="province",
    ),
    p.BlocSchemeSet(
        bloc_id=BLOC,
        year=2020,
        scheme=_SCHEME,
        set_at=datetime(2020, 2, 10, 3, 0, tzinfo=UTC),
    ),
    p.BlocScoreAdjusted(
        adjustment_id=_id("adjustment:stc-2020-1"),
        bloc_id=BLOC,
        year=2020,
        unit_id=SO_TAI_CHINH,
        kind="bonus",
        points=2.0,
        reason="Tổ chức tốt Hội nghị ký kết giao ước thi đua của Khối",
        entered_at=datetime(2020, 11, 25, 8, 0, tzinfo=UTC),
    ),
    p.BlocVotesRecorded(
        bloc_id=BLOC,
        year=2020,
        votes=[
            p.UnitVotes(unit_id=SO_TAI_CHINH, votes=7),
            p.UnitVotes(unit_id=SO_KHDT, votes=4),
        ],
        recorded_at=datetime(2020, 12, 10, 9, 0, tzinfo=UTC),
    ),
    p.ScoringSchemeDefined(
        scheme_ref=_SCHEME.ref,
        scheme=_SCHEME,
        defined_at=datetime(2020, 1, 15, 2, 0, tzinfo=UTC),
    ),
    a.NominationSubmitted(
        nomination_id=NOMINATION,
        nominee=a.Nominee(kind="person", id=PERSON),
        award_code="CSTDCS",
        year=2020,
        proposer_unit_id=SO_NOI_VU,
        campaign_id=CAMPAIGN,
        documents=[
            a.Document(type="submission", ref="docs/2020/to-trinh-12.pdf"),
            a.Document(type="achievement_report", ref="docs/2020/bao-cao-thanh-tich-hoa.pdf"),
            a.Document(type="review_minutes", ref="docs/2020/bien-ban-binh-xet.pdf"),
            a.Document(type="initiative_certificate", ref="docs/2020/cn-sang-kien-7.pdf"),
        ],
        initiative_ids=[INITIATIVE],
    ),
    a.NominationScreened(
        nomination_id=NOMINATION,
        verdict="eligible",
        regime="2013",
        considered_on=date(2021, 1, 12),
        rule_results=[
            a.RuleResult(
                rule_id="R02-2013",
                passed=True,
                citation="Nghị định 91/2017/NĐ-CP, Điều 9 khoản 3",
                facts={"ldtt_2020": True, "initiatives_2020": 1},
            ),
            a.RuleResult(
                rule_id="R13",
                passed=True,
                citation="Luật Thi đua, khen thưởng 2003 (sửa đổi 2013), Điều 84 khoản 1",
                facts={"missing_documents": ""},
            ),
        ],
    ),
    a.NominationApproved(
        nomination_id=NOMINATION,
        decided_on=date(2021, 1, 15),
        vote=a.VoteTally(
            council_id=COUNCIL,
            members_total=11,
            votes_for=11,
            votes_against=0,
            abstained=0,
            threshold=0.9,
            secret_ballot=True,
        ),
    ),
    a.NominationRejected(
        nomination_id=_id("nomination:cstd-tinh-2020-tran-van-minh"),
        decided_on=date(2021, 1, 15),
        reason="Đang trong thời gian thi hành kỷ luật",
    ),
    a.NominationWithdrawn(
        nomination_id=NOMINATION,
        withdrawn_on=date(2020, 12, 20),
        reason="Đơn vị rút hồ sơ để bổ sung thành tích",
    ),
    a.SupervisionFindingRaised(
        finding_id=FINDING,
        subject_kind="nomination",
        subject_id=NOMINATION,
        raised_on=date(2020, 12, 16),
        supervisor_unit_id=MTTQ,
        unit_id=SO_NOI_VU,
        province_unit_id=PROVINCE,
        content="Đề nghị làm rõ thành tích sáng kiến nêu trong hồ sơ",
        documents=["vb/mttq/12-mttq-btt.pdf"],
        objection_id=_id("objection:1"),
    ),
    a.SupervisionFindingAnswered(
        finding_id=FINDING,
        subject_kind="nomination",
        subject_id=NOMINATION,
        answered_on=date(2020, 12, 18),
        supervisor_unit_id=MTTQ,
        unit_id=SO_NOI_VU,
        by_province=True,
        answer="Hội đồng sáng kiến cơ sở đã công nhận sáng kiến; biên bản kèm theo",
        documents=["vb/snv/bien-ban-sang-kien.pdf"],
    ),
    a.NominationProposed(
        nomination_id=NOMINATION,
        proposal_id=UUID("6f1c2d3e-4b5a-4c6d-9e8f-0a1b2c3d4e5f"),
        number="45/TTr-UBND",
        submitted_on=date(2021, 1, 25),
        to_authority="prime_minister",
        signer_name="Nguyễn Văn A",
        signer_title="Chủ tịch Ủy ban nhân dân tỉnh",
    ),
    a.NominationCentrallyDecided(
        nomination_id=NOMINATION,
        proposal_id=UUID("6f1c2d3e-4b5a-4c6d-9e8f-0a1b2c3d4e5f"),
        conferred=True,
        decision_number="512/QĐ-TTg",
        decided_on=date(2021, 4, 12),
    ),
    a.AwardDecisionIssued(
        decision_id=DECISION,
        number="1234/QĐ-UBND",
        signed_on=date(2021, 1, 20),
        signer_name="Nguyễn Văn A",
        signer_title="Chủ tịch Ủy ban nhân dân tỉnh",
        base_salary_vnd=1_490_000,
        awards=[
            a.AwardLine(
                nomination_id=NOMINATION,
                nominee=a.Nominee(kind="person", id=PERSON),
                award_code="CSTDCS",
                amount_vnd=1_490_000,
            )
        ],
    ),
    a.AwardRevoked(
        decision_id=DECISION,
        nomination_ids=[NOMINATION],
        revoked_on=date(2022, 3, 1),
        revocation_number="456/QĐ-UBND",
        reason="Kê khai thành tích không trung thực",
        amount_to_recover_vnd=1_490_000,
    ),
    n.NotificationDelivered(
        delivery_id=DELIVERY,
        subscription_id=SUBSCRIPTION,
        channel="webhook",
        event_id=SOME_EVENT,
        attempts=1,
    ),
    n.NotificationFailed(
        delivery_id=_id("delivery:2"),
        subscription_id=SUBSCRIPTION,
        channel="email",
        event_id=SOME_EVENT,
        attempts=5,
        error="SMTP 550: mailbox unavailable",
    ),
)

# Fixed envelope attributes for the documents generated from the examples.
EXAMPLE_TIME = datetime(2020, 12, 1, 2, 15, 30, tzinfo=UTC)
EXAMPLE_TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def example(cls: type[Event]) -> Event:
    for e in EXAMPLES:
        if type(e) is cls:
            return e
    raise KeyError(f"no example of {cls.__name__}")


def example_event_id(cls: type[Event]) -> UUID:
    return _id(f"event:{cls.schema_id()}")
