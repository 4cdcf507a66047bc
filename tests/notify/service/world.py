"""A small province for one test: a department, a person in it, a campaign, a nomination, with
fresh ids, and the events that tell notify about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID, uuid4

from schemas import awards as a
from schemas import progress as p
from schemas import registry as r
from schemas.base import Event


@dataclass
class World:
    province: UUID = field(default_factory=uuid4)
    unit: UUID = field(default_factory=uuid4)
    other_unit: UUID = field(default_factory=uuid4)
    person: UUID = field(default_factory=uuid4)
    campaign: UUID = field(default_factory=uuid4)
    target: UUID = field(default_factory=uuid4)
    nomination: UUID = field(default_factory=uuid4)

    unit_name = "Sở Nội vụ tỉnh Cà Mau"
    other_unit_name = "Sở Tài chính tỉnh Cà Mau"
    person_name = "Nguyễn Thị Hoa"

    def registry(self) -> list[Event]:
        return [
            r.UnitRegistered(
                unit_id=self.unit,
                code="SNV",
                name=self.unit_name,
                kind="department",
                parent_id=self.province,
                level="province",
                valid_from=date(2008, 4, 1),
            ),
            r.UnitRegistered(
                unit_id=self.other_unit,
                code="STC",
                name=self.other_unit_name,
                kind="department",
                parent_id=self.province,
                level="province",
                valid_from=date(2008, 4, 1),
            ),
            r.PersonRegistered(
                person_id=self.person,
                full_name=self.person_name,
                gender="female",
                birth_year=1984,
                unit_id=self.unit,
                position="Chuyên viên",
                valid_from=date(2015, 3, 1),
            ),
        ]

    def nominated(self) -> a.NominationSubmitted:
        return a.NominationSubmitted(
            nomination_id=self.nomination,
            nominee=a.Nominee(kind="person", id=self.person),
            award_code="CSTDCS",
            year=2020,
            proposer_unit_id=self.unit,
            campaign_id=self.campaign,
        )

    def screened(self, verdict: str = "eligible") -> a.NominationScreened:
        return a.NominationScreened(
            nomination_id=self.nomination,
            verdict=verdict,
            regime="2013",
            rule_results=[
                a.RuleResult(
                    rule_id="R02-2013",
                    passed=True,
                    citation="Nghị định 91/2017/NĐ-CP, Điều 9 khoản 3",
                )
            ],
        )

    def overdue(self, unit: UUID | None = None, days: int = 2) -> p.ReportOverdue:
        return p.ReportOverdue(
            target_id=self.target,
            campaign_id=self.campaign,
            unit_id=unit or self.unit,
            deadline=date(2020, 10, 5),
            period="2020-Q3",
            days_overdue=days,
        )

    def achieved(self, report: UUID) -> p.TargetAchieved:
        return p.TargetAchieved(
            target_id=self.target,
            campaign_id=self.campaign,
            unit_id=self.unit,
            report_id=report,
            achieved_on=date(2020, 9, 20),
            deadline=date(2020, 9, 30),
            early_by_days=10,
            finished_early=True,
            completion=1.02,
        )

    def retracted(self, report: UUID, correction: UUID) -> p.TargetAchievementRetracted:
        return p.TargetAchievementRetracted(
            target_id=self.target,
            campaign_id=self.campaign,
            unit_id=self.unit,
            report_id=report,
            corrected_by=correction,
            achieved_on=date(2020, 9, 20),
            deadline=date(2020, 9, 30),
            finished_early=True,
        )

    def launched(self) -> r.CampaignLaunched:
        return r.CampaignLaunched(
            campaign_id=self.campaign,
            code="DTDDB-2020",
            title="Đợt thi đua đặc biệt năm 2020",
            theme="Thi đua giỏi, về đích sớm",
            kind="special",
            start=date(2020, 5, 19),
            end=date(2020, 12, 31),
            launched_by=self.province,
            regime="2013",
            participating_unit_ids=[self.unit, self.other_unit],
        )
