"""The demo's data files (demo/data), read and checked once: what the province, its units, the
bloc heads, the council and a subscribed system do in 2020. Every cross-reference (a unit, a
person's code, a target's name) is checked here, so a province's own files fail with a message
naming the file and the row, before anything is sent."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"


class StoryError(ValueError):
    """A data file is wrong: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Report:
    unit: str
    target: str
    as_of: date
    value: float
    note: str


@dataclass
class Story:
    folder: Path
    units: list[dict[str, str]]
    memberships: list[dict[str, str]]
    people: list[dict[str, str]]
    targets: list[dict[str, str]]
    reports: list[Report]
    contacts: list[dict[str, str]]
    ratings: list[dict[str, str]]
    campaign: dict[str, Any]
    initiatives: list[dict[str, Any]]
    statuses: list[dict[str, Any]]
    review: dict[str, Any]
    nominations: list[dict[str, Any]]
    council: dict[str, Any]
    subscriber: dict[str, Any]
    supervision: dict[str, Any]
    """The Front's finding and the province's answer (supervision.yaml; empty: none)."""
    raw: dict[str, bytes] = field(default_factory=dict)
    """The import files (registry's, and the award history) as they are on disk."""

    @property
    def unit_codes(self) -> list[str]:
        return [u["code"] for u in self.units]

    def unit_name(self, code: str) -> str:
        return next(u["name"] for u in self.units if u["code"] == code)

    def person(self, code: str) -> dict[str, str]:
        return next(p for p in self.people if p["code"] == code)

    def kind_of(self, code: str) -> str:
        return next(u["kind"] for u in self.units if u["code"] == code)

    @property
    def bloc_codes(self) -> list[str]:
        return list(dict.fromkeys(m["bloc_code"] for m in self.memberships))

    @property
    def traced(self) -> dict[str, Any]:
        return self.campaign["traced_report"]


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.exists():
        raise StoryError(f"{path}: missing")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _yaml(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    if not path.exists():
        raise StoryError(f"{path}: missing")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load(folder: Path = DATA) -> Story:
    campaign = _yaml(folder, "campaign.yaml")
    s = Story(
        folder=folder,
        units=_csv(folder, "units.csv"),
        memberships=_csv(folder, "bloc-memberships.csv"),
        people=_csv(folder, "people.csv"),
        targets=_csv(folder, "targets.csv"),
        reports=[
            Report(
                r["unit_code"],
                r["target"],
                date.fromisoformat(r["as_of"]),
                float(r["value"]),
                r.get("note") or "",
            )
            for r in _csv(folder, "reports.csv")
        ],
        contacts=_csv(folder, "contacts.csv"),
        ratings=_csv(folder, "ratings.csv"),
        campaign=campaign,
        initiatives=_yaml(folder, "initiatives.yaml").get("initiatives", []),
        statuses=_yaml(folder, "statuses.yaml").get("statuses", []),
        review=_yaml(folder, "review.yaml"),
        nominations=_yaml(folder, "nominations.yaml").get("nominations", []),
        council=_yaml(folder, "council.yaml"),
        subscriber=_yaml(folder, "subscriber.yaml"),
        supervision=_yaml(folder, "supervision.yaml")
        if (folder / "supervision.yaml").exists()
        else {},
        raw={
            kind: (folder / f"{kind}.csv").read_bytes()
            for kind in ("units", "bloc-memberships", "people", "targets", "award-history")
        },
    )
    check(s)
    return s


def check(s: Story) -> None:
    """Every reference resolves; reports are in date order (how a past year is recorded)."""
    units = set(s.unit_codes)
    people = {p["code"] for p in s.people}
    targets = {(t["unit_code"], t["name"]) for t in s.targets}
    problems: list[str] = []

    def need(ok: bool, where: str, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what}")

    for i, m in enumerate(s.memberships, 2):
        need(
            m["unit_code"] in units,
            f"bloc-memberships.csv row {i}",
            f"unknown unit {m['unit_code']}",
        )
    for i, t in enumerate(s.targets, 2):
        need(
            t["campaign_code"] == s.campaign["code"],
            f"targets.csv row {i}",
            f"campaign_code {t['campaign_code']} is not campaign.yaml's {s.campaign['code']}",
        )
    last = date.min
    for i, r in enumerate(s.reports, 2):
        need(
            (r.unit, r.target) in targets,
            f"reports.csv row {i}",
            f"no target {r.target!r} of {r.unit} in targets.csv",
        )
        need(r.as_of >= last, f"reports.csv row {i}", "reports must be in as_of order")
        last = max(last, r.as_of)
    for i, c in enumerate(s.contacts, 2):
        known = units if c["owner"] == "unit" else people
        need(c["code"] in known, f"contacts.csv row {i}", f"unknown {c['owner']} {c['code']}")
    for i, rating in enumerate(s.ratings, 2):
        known = units if rating["subject_kind"] == "collective" else people
        need(
            rating["subject_code"] in known,
            f"ratings.csv row {i}",
            f"unknown {rating['subject_code']}",
        )
    for x in s.initiatives:
        need(x["unit"] in units, "initiatives.yaml", f"unknown unit {x['unit']}")
        for a in x["authors"]:
            need(a in people, "initiatives.yaml", f"unknown author {a}")
    for x in s.statuses:
        need(x["person"] in people, "statuses.yaml", f"unknown person {x['person']}")
    titles = {x["title"] for x in s.initiatives}
    for n in s.nominations:
        need(n["nominee"] in units | people, "nominations.yaml", f"unknown nominee {n['nominee']}")
        need(n["proposer"] in units, "nominations.yaml", f"unknown proposer {n['proposer']}")
        for t in n.get("initiatives", []):
            need(t in titles, "nominations.yaml", f"unknown initiative {t!r}")
    for bloc, votes in (s.review.get("votes") or {}).items():
        need(bloc in s.bloc_codes, "review.yaml", f"unknown bloc {bloc}")
        for u in votes:
            need(u in units, "review.yaml", f"unknown unit {u}")
    if s.supervision:
        front = s.supervision.get("front")
        need(front in units, "supervision.yaml", f"unknown unit {front}")
        need(
            s.supervision.get("finding", {}).get("subject") == "decision",
            "supervision.yaml",
            "the demo's finding is on the decision (subject: decision)",
        )
    t = s.traced
    need((t["unit"], t["target"]) in targets, "campaign.yaml traced_report", "no such target")
    if problems:
        raise StoryError("demo data in " + str(s.folder) + ":\n  " + "\n  ".join(problems))
