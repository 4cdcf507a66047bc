"""A 2020 'về đích sớm' campaign as the registry publishes it: units, a bloc of three with its
head, people, and targets per unit. Ids are stable names (`ID.stc`, `ID.t_thu`, …)."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID, uuid5

from schemas import registry as r
from schemas.base import Event

NS = UUID("0c9b8f4e-7d7a-4e35-a1f9-1a2b3c4d5e6f")


def uid(name: str) -> UUID:
    return uuid5(NS, name)


class Ids:
    ubnd: UUID = uid("unit:ubnd")
    stc: UUID = uid("unit:stc")  # Sở Tài chính: two targets
    syt: UUID = uid("unit:syt")  # Sở Y tế: one lower-is-better target
    sxd: UUID = uid("unit:sxd")  # Sở Xây dựng: one target due mid-year
    other: UUID = uid("unit:other")  # not in the bloc, no targets
    bloc: UUID = uid("bloc:kt")
    campaign: UUID = uid("campaign:2020")
    t_thu: UUID = uid("target:thu")  # stc, 5250 tỷ đồng, weight 2, 2020-12-31
    t_giai_ngan: UUID = uid("target:giai-ngan")  # stc, 100 %, 2020-09-30
    t_ho_ngheo: UUID = uid("target:ho-ngheo")  # syt, ≤ 5 %, 2020-12-31
    t_nha_o: UUID = uid("target:nha-o")  # sxd, 1000 căn, 2020-06-30
    person_stc: UUID = uid("person:stc")
    person_syt: UUID = uid("person:syt")


ID = Ids()
START, END = date(2020, 1, 1), date(2020, 12, 31)


def units() -> list[Event]:
    def unit(uid_: UUID, code: str, name: str, kind: str = "department") -> r.UnitRegistered:
        return r.UnitRegistered(
            unit_id=uid_,
            code=code,
            name=name,
            kind=kind,
            parent_id=None if uid_ == ID.ubnd else ID.ubnd,
            level="province",
            valid_from=date(2015, 1, 1),
        )

    return [
        unit(ID.ubnd, "000.00.00.H12", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee"),
        unit(ID.stc, "000.00.05.H12", "Sở Tài chính"),
        unit(ID.syt, "000.00.09.H12", "Sở Y tế"),
        unit(ID.sxd, "000.00.11.H12", "Sở Xây dựng"),
        unit(ID.other, "000.00.20.H12", "Sở Du lịch"),
    ]


def people() -> list[Event]:
    return [
        r.PersonRegistered(
            person_id=ID.person_stc,
            full_name="Nguyễn Văn An",
            gender="male",
            birth_year=1980,
            unit_id=ID.stc,
            position="Chuyên viên",
            valid_from=date(2018, 1, 1),
        ),
        r.PersonRegistered(
            person_id=ID.person_syt,
            full_name="Trần Thị Bình",
            gender="female",
            birth_year=1985,
            unit_id=ID.syt,
            position="Chuyên viên",
            valid_from=date(2018, 1, 1),
        ),
    ]


def blocs(head: UUID = ID.stc) -> list[Event]:
    return [
        r.BlocFormed(
            bloc_id=ID.bloc,
            year=2020,
            code="K-KT",
            name="Khối kinh tế",
            kind="bloc",
            member_unit_ids=[ID.stc, ID.syt, ID.sxd],
        ),
        r.BlocHeadElected(bloc_id=ID.bloc, year=2020, head_unit_id=head, deputy_unit_id=ID.syt),
    ]


def spec(
    target_id: UUID,
    unit_id: UUID,
    name: str,
    value: float,
    deadline: date,
    *,
    direction: str = "higher_is_better",
    weight: float = 1.0,
    uom: str = "%",
) -> r.TargetSpec:
    return r.TargetSpec(
        target_id=target_id,
        unit_id=unit_id,
        name=name,
        metric=name,
        unit_of_measure=uom,
        target_value=value,
        direction=direction,
        weight=weight,
        deadline=deadline,
    )


def launched() -> r.CampaignLaunched:
    return r.CampaignLaunched(
        campaign_id=ID.campaign,
        code="TD-2020-VDS",
        title="Thi đua về đích sớm năm 2020",
        theme="Đồng thuận cao, thi đua giỏi, về đích sớm",
        kind="special",
        start=START,
        end=END,
        launched_by=ID.ubnd,
        regime="2013",
        participating_unit_ids=[ID.stc, ID.syt, ID.sxd],
        bloc_ids=[ID.bloc],
        targets=[
            spec(
                ID.t_thu,
                ID.stc,
                "Tổng thu ngân sách",
                5250,
                date(2020, 12, 31),
                weight=2,
                uom="tỷ đồng",
            ),
            spec(ID.t_giai_ngan, ID.stc, "Giải ngân vốn đầu tư công", 100, date(2020, 9, 30)),
            spec(
                ID.t_ho_ngheo,
                ID.syt,
                "Tỷ lệ hộ nghèo",
                5,
                date(2020, 12, 31),
                direction="lower_is_better",
            ),
            spec(ID.t_nha_o, ID.sxd, "Nhà ở xã hội", 1000, date(2020, 6, 30), uom="căn"),
        ],
    )


def closed() -> r.CampaignClosed:
    return r.CampaignClosed(campaign_id=ID.campaign, closed_on=date(2021, 1, 15))


def registry_events() -> list[Event]:
    """Everything, in an order the registry could have published it."""
    return [*units(), *people(), *blocs(), launched()]


async def on_fresh_topics(fresh_topic, bootstrap: str) -> dict[str, str]:
    """Fresh topics standing in for the registry's and progress's catalog topics (the
    `fresh_topic` fixture makes them), with the registry's events published on them. Returns
    the catalog name → fresh topic map (`ProgressConfig.topic_map`)."""
    from schemas.catalog import TOPICS
    from schemas.envelope import to_message
    from tests.runtime.helpers_runtime import produce

    topic_map = {
        t.name: await fresh_topic(partitions=t.partitions, prefix=t.owner)
        for t in TOPICS
        if t.owner in ("registry", "progress")
    }
    messages = [to_message(e, source="/thidua/registry") for e in registry_events()]
    await produce(bootstrap, [dataclasses.replace(m, topic=topic_map[m.topic]) for m in messages])
    return topic_map
