"""A small province from the seed's setting, as registry and progress events: Cà Mau's units
(demo/data/units.csv), its blocs (demo/data/bloc-memberships.csv) for the year, a campaign of
the year under its regime, people of Sở Tài chính with their ratings, initiatives, a pending
investigation, and the bloc leader.

People of Sở Tài chính (STC), rated for year Y:
- hoa (woman): HTXSNV, no initiative. CSTĐCS: regime 2013 needs an initiative (ineligible);
  regime 2022 takes the excellent rating alone (eligible).
- minh: HTTNV with a grassroots initiative of Y: CSTĐCS under both regimes.
- an (woman): HTXSNV; CSTĐCS Y-2, Y-1, Y on record (imported history) and a provincial initiative
  of Y-1 with province-wide effect: CSTĐ cấp tỉnh.
- lan and ten colleagues: HTTNV (LĐTT). tuan: HTNV. binh: HTXSNV, under investigation since
  Y-11-20 (blocked).
The department conferred LĐTT of Y on the fourteen rated HTTNV or better but binh (award history,
`history_csv`, decided on Y-12-05 before the province screens on Y-12-10): regime 2013's CSTĐCS
cap is two places (15 % of 14), one taken by an's.
The collective STC is rated HTXSNV and leads bloc K-KT: TTLĐXS and Cờ thi đua của UBND tỉnh.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID, uuid5

import yaml

from schemas import progress as p
from schemas import registry as r
from schemas.base import Event

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "demo" / "data"
NS = UUID("0b9c2f7e-7d4a-4c1e-9a55-3c2b8f1d6e70")


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def uid(*parts: object) -> UUID:
    return uuid5(NS, ":".join(str(x) for x in parts))


PEOPLE = {
    # key: (full name, gender, position)
    "hoa": ("Nguyễn Thị Hoa", "female", "Trưởng phòng Quản lý ngân sách"),
    "minh": ("Trần Văn Minh", "male", "Chuyên viên"),
    "an": ("Lê Thị An", "female", "Phó Giám đốc"),
    "lan": ("Phạm Thị Lan", "female", "Chuyên viên"),
    "tuan": ("Võ Văn Tuấn", "male", "Chuyên viên"),
    "binh": ("Đặng Văn Bình", "male", "Kế toán viên"),
    **{f"cv{i}": (f"Huỳnh Văn Đức {i}", "male", "Chuyên viên") for i in range(1, 11)},
}
RATINGS = {
    "hoa": "HTXSNV",
    "minh": "HTTNV",
    "an": "HTXSNV",
    "lan": "HTTNV",
    "tuan": "HTNV",
    "binh": "HTXSNV",
    **{f"cv{i}": "HTTNV" for i in range(1, 11)},
}


@dataclass
class World:
    year: int
    regime: str
    seed: str = "w"
    units: dict[str, UUID] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)

    def unit(self, code: str) -> UUID:
        return self.units[code]

    def person(self, key: str) -> UUID:
        return uid(self.seed, "person", key)

    def initiative(self, key: str) -> UUID:
        return uid(self.seed, "initiative", key, self.year)

    @property
    def campaign(self) -> UUID:
        return uid(self.seed, "campaign", self.year)

    @property
    def stc(self) -> UUID:
        return self.unit("CM-STC")

    @property
    def province(self) -> UUID:
        return self.unit("CM-UBND")

    def all_events(self) -> list[tuple[str, Event]]:
        return [(t, e) for t, es in self.events.items() for e in es]


def build(year: int, regime: str, seed: str = "w") -> World:
    w = World(year, regime, seed)
    units = _csv("units.csv")
    blocs: dict[str, dict] = {}
    for m in _csv("bloc-memberships.csv"):
        b = blocs.setdefault(m["bloc_code"], {**m, "members": []})
        b["members"].append(m["unit_code"])
    campaign = yaml.safe_load((DATA / "campaign.yaml").read_text())

    def code_id(code: str) -> UUID:
        return w.units.setdefault(code, uid(seed, "unit", code))

    unit_events: list[Event] = [
        r.UnitRegistered(
            unit_id=code_id(u["code"]),
            code=u["code"],
            name=u["name"],
            kind=u["kind"],
            level=u["level"],
            parent_id=code_id(u["parent_code"]) if u["parent_code"] else None,
            valid_from=date.fromisoformat(u["valid_from"]),
            valid_to=date.fromisoformat(u["valid_to"]) if u["valid_to"] else None,
        )
        for u in units
    ]
    valid_from = min(date.fromisoformat(u["valid_from"]) for u in units)
    w.events["registry.units.v1"] = unit_events

    people: list[Event] = []
    for key, (name, gender, position) in PEOPLE.items():
        people.append(
            r.PersonRegistered(
                person_id=w.person(key),
                full_name=name,
                gender=gender,
                birth_year=1980,
                unit_id=w.stc,
                position=position,
                valid_from=valid_from,
            )
        )
    people.append(
        r.PersonStatusChanged(
            person_id=w.person("binh"),
            status_id=uid(seed, "status", "binh", year),
            kind="investigation",
            start=date(year, 11, 20),
        )
    )
    w.events["registry.people.v1"] = people

    w.events["registry.blocs.v1"] = [
        r.BlocFormed(
            bloc_id=uid(seed, "bloc", b["bloc_code"]),
            year=year,
            code=b["bloc_code"],
            name=b["bloc_name"],
            kind=b["bloc_kind"],
            member_unit_ids=[code_id(m) for m in b["members"]],
        )
        for b in blocs.values()
    ]
    w.events["registry.campaigns.v1"] = [
        r.CampaignLaunched(
            campaign_id=w.campaign,
            code=campaign["code"].replace("2020", str(year)),
            title=campaign["title"].replace("2020", str(year)),
            theme=" ".join(campaign["theme"].split()).replace("2020", str(year)),
            kind=campaign["kind"],
            start=date(year, 3, 1),
            end=date(year, 12, 31),
            launched_by=w.province,
            regime=regime,
        )
    ]

    ratings: list[Event] = [
        p.PerformanceRated(
            subject_id=w.person(key),
            subject_kind="person",
            year=year,
            rating=rating,
            unit_id=w.stc,
        )
        for key, rating in RATINGS.items()
    ]
    for back in (1, 2):  # an: excellent the two years before too
        ratings.append(
            p.PerformanceRated(
                subject_id=w.person("an"),
                subject_kind="person",
                year=year - back,
                rating="HTXSNV",
                unit_id=w.stc,
            )
        )
    ratings.append(
        p.PerformanceRated(
            subject_id=w.stc, subject_kind="collective", year=year, rating="HTXSNV", unit_id=w.stc
        )
    )
    w.events["progress.ratings.v1"] = ratings
    w.events["progress.initiatives.v1"] = [
        p.InitiativeRecognized(
            initiative_id=w.initiative("minh"),
            title="Số hóa hồ sơ quyết toán ngân sách xã",
            level="grassroots",
            recognised_on=date(year, 10, 15),
            author_ids=[w.person("minh")],
            unit_id=w.stc,
        ),
        p.InitiativeRecognized(
            initiative_id=w.initiative("an"),
            title="Quy trình thẩm định dự toán liên thông toàn tỉnh",
            level="provincial",
            recognised_on=date(year - 1, 9, 1),
            author_ids=[w.person("an")],
            unit_id=w.stc,
        ),
    ]
    w.events["progress.standings.v1"] = [
        p.BlocLeaderDetermined(
            bloc_id=uid(seed, "bloc", "K-KT"),
            year=year,
            leader_unit_id=w.stc,
            score=96.5,
            by_vote=True,
        )
    ]
    return w


LDTT_HOLDERS = [k for k, rating in RATINGS.items() if rating in ("HTXSNV", "HTTNV") and k != "binh"]


def history_csv(w: World, *, ldtt: bool = True) -> bytes:
    """What the department decided before (import): an's CSTĐCS of the three years, and (`ldtt`)
    LĐTT of the year for `LDTT_HOLDERS`; without it, an annual run proposes LĐTT itself."""
    lines = ["Loại,Mã cá nhân,Mã danh hiệu,Năm,Số quyết định,Ngày quyết định"]
    for y in (w.year - 2, w.year - 1, w.year):
        lines.append(f"Cá nhân,{w.person('an')},CSTDCS,{y},{y % 100:02d}/QĐ-STC,05/12/{y}")
    y = w.year
    for key in LDTT_HOLDERS if ldtt else ():
        lines.append(f"Cá nhân,{w.person(key)},LDTT,{y},{y % 100 + 50}/QĐ-STC,05/12/{y}")
    return ("\n".join(lines) + "\n").encode()


FULL_DOSSIER = [
    {"type": "submission", "ref": "urn:doc:to-trinh"},
    {"type": "achievement_report", "ref": "urn:doc:bao-cao-thanh-tich"},
    {"type": "review_minutes", "ref": "urn:doc:bien-ban-binh-xet"},
    {"type": "initiative_certificate", "ref": "urn:doc:chung-nhan-sang-kien"},
]
BASE_DOSSIER = FULL_DOSSIER[:3]


def nominations(w: World) -> dict[str, dict]:
    """What the unit (and, for the flag, the province) submits."""

    def person(key: str, code: str, initiatives: list[UUID] = (), **extra) -> dict:
        return {
            "nominee": {"kind": "person", "id": str(w.person(key))},
            "award_code": code,
            "year": w.year,
            "proposer_unit_id": str(w.stc),
            "campaign_id": str(w.campaign),
            "documents": FULL_DOSSIER,
            "initiative_ids": [str(i) for i in initiatives],
            **extra,
        }

    return {
        "hoa_cstdcs": person("hoa", "CSTDCS"),
        "minh_cstdcs": person("minh", "CSTDCS", [w.initiative("minh")]),
        "an_cstd_tinh": person("an", "CSTD_TINH", [w.initiative("an")]),
        "stc_ttldxs": {
            "nominee": {"kind": "collective", "id": str(w.stc)},
            "award_code": "TTLDXS",
            "year": w.year,
            "proposer_unit_id": str(w.stc),
            "campaign_id": str(w.campaign),
            "documents": BASE_DOSSIER,
        },
        "stc_co_tinh": {
            "nominee": {"kind": "collective", "id": str(w.stc)},
            "award_code": "CO_TINH",
            "year": w.year,
            "proposer_unit_id": str(w.province),
            "campaign_id": str(w.campaign),
            "documents": BASE_DOSSIER,
        },
    }
