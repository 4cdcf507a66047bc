"""Realistic benchmark data for progress: a province's units in blocs, a campaign with many targets
per unit (as the registry publishes them), and the reports units send against those targets.

Ids are uuid5 of a name, so two runs make the same province; report ids and values come from a
seeded random generator.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid5

from schemas import progress as p
from schemas import registry as r
from schemas.base import Event
from schemas.envelope import Message, to_message

NS = UUID("5d1f0c36-8d0b-4d7e-9a53-0b6a2c4b9e11")
YEAR = 2020
METRICS = [
    ("Tổng thu ngân sách nhà nước", "tỷ đồng", 5250.0, "higher_is_better"),
    ("Giải ngân vốn đầu tư công", "%", 100.0, "higher_is_better"),
    ("Tỷ lệ hộ nghèo", "%", 5.0, "lower_is_better"),
    ("Nhà ở xã hội hoàn thành", "căn", 1000.0, "higher_is_better"),
    ("Tỷ lệ hồ sơ giải quyết đúng hạn", "%", 98.0, "higher_is_better"),
]


def uid(name: str) -> UUID:
    return uuid5(NS, name)


@dataclass(frozen=True)
class TargetRef:
    target_id: UUID
    unit_id: UUID
    target_value: float
    metric: int


@dataclass(frozen=True)
class Province:
    root: UUID
    units: list[UUID]
    blocs: dict[UUID, list[UUID]]
    campaign: UUID
    targets: list[TargetRef]
    year: int = YEAR


def province(
    units: int = 500, targets_per_unit: int = 20, bloc_size: int = 25, year: int = YEAR
) -> Province:
    root = uid("unit:ubnd")
    unit_ids = [uid(f"unit:{i}") for i in range(units)]
    blocs = {
        uid(f"bloc:{b}"): unit_ids[b * bloc_size : (b + 1) * bloc_size]
        for b in range((units + bloc_size - 1) // bloc_size)
    }
    targets = []
    for i, unit in enumerate(unit_ids):
        for k in range(targets_per_unit):
            m = k % len(METRICS)
            targets.append(TargetRef(uid(f"target:{i}:{k}"), unit, METRICS[m][2], m))
    return Province(root, unit_ids, blocs, uid(f"campaign:{year}"), targets, year)


def registry_events(pv: Province) -> list[Event]:
    """What the registry published for `pv`: units, blocs with heads, the campaign."""
    out: list[Event] = [
        r.UnitRegistered(
            unit_id=pv.root,
            code="000.00.00.H12",
            name="Ủy ban nhân dân tỉnh Cà Mau",
            kind="provincial_committee",
            level="province",
            valid_from=date(2015, 1, 1),
        )
    ]
    for i, unit in enumerate(pv.units):
        out.append(
            r.UnitRegistered(
                unit_id=unit,
                code=f"000.{i // 100:02d}.{i % 100:02d}.H12",
                name=f"Ủy ban nhân dân xã {i}",
                kind="commune",
                parent_id=pv.root,
                level="commune",
                valid_from=date(2015, 1, 1),
            )
        )
    for b, (bloc, members) in enumerate(pv.blocs.items()):
        out.append(
            r.BlocFormed(
                bloc_id=bloc,
                year=pv.year,
                code=f"K-{b}",
                name=f"Cụm thi đua số {b}",
                kind="cluster",
                member_unit_ids=members,
            )
        )
        out.append(r.BlocHeadElected(bloc_id=bloc, year=pv.year, head_unit_id=members[0]))
    specs = []
    for t in pv.targets:
        name, uom, _, direction = METRICS[t.metric]
        specs.append(
            r.TargetSpec(
                target_id=t.target_id,
                unit_id=t.unit_id,
                name=name,
                metric=name,
                unit_of_measure=uom,
                target_value=t.target_value,
                direction=direction,
                deadline=date(pv.year, 12, 31),
            )
        )
    out.append(
        r.CampaignLaunched(
            campaign_id=pv.campaign,
            code=f"TD-{pv.year}-VDS",
            title=f"Thi đua về đích sớm năm {pv.year}",
            theme="Đồng thuận cao, thi đua giỏi, về đích sớm",
            kind="special",
            start=date(pv.year, 1, 1),
            end=date(pv.year, 12, 31),
            launched_by=pv.root,
            regime="2013",
            participating_unit_ids=pv.units,
            bloc_ids=list(pv.blocs),
            targets=specs,
        )
    )
    return out


def reports(pv: Province, n: int, seed: int = 1) -> Iterator[p.TargetReported]:
    """`n` reports spread over the targets, as the HTTP path publishes them: per target in
    arrival order, values growing towards the target, some with a note and evidence."""
    rnd = random.Random(seed)
    at = datetime(pv.year, 2, 1, 1, tzinfo=UTC)
    start = date(pv.year, 1, 15)
    for i in range(n):
        t = pv.targets[rnd.randrange(len(pv.targets))]
        at += timedelta(microseconds=rnd.randint(1, 50))
        yield p.TargetReported(
            report_id=UUID(int=rnd.getrandbits(128), version=4),
            target_id=t.target_id,
            campaign_id=pv.campaign,
            unit_id=t.unit_id,
            value=round(t.target_value * rnd.uniform(0.05, 0.99), 2),
            as_of=start + timedelta(days=i * 300 // max(n, 1)),
            reported_at=at,
            note="Số liệu ước thực hiện, đã đối chiếu với Cục Thống kê" if i % 5 == 0 else None,
            evidence=[f"vb/{pv.year}/{i}.pdf"] if i % 7 == 0 else [],
        )


def traceparent() -> str:
    """A sampled W3C trace context, as the relay puts on every message."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def messages(events: Iterator[Event] | list[Event], topic: str, source: str) -> list[Message]:
    """The wire form of `events` on `topic`, each with its own trace context."""
    out = []
    for e in events:
        m = to_message(e, source=source, trace={"traceparent": traceparent()})
        out.append(
            Message(topic=topic, key=m.key, value=m.value, headers=m.headers, event_id=m.event_id)
        )
    return out
