"""Steps 2 and 3: the units report over 2020 (the districts through the province's data-sharing
platform in batches, the others one report at a time, in date order as a past year is recorded);
those that missed a deadline get reminded; the bloc heads have the leaders determined (with the
members' vote where points tie); units enter their people's ratings and their initiatives."""

from __future__ import annotations

import secrets
from collections import defaultdict
from functools import partial
from itertools import groupby

from rich.progress import Progress

from demo.client import Platform, event_name, poll
from demo.story import Report, Story
from demo.world import World

LGSP = "lgsp-camau"  # the province's data-sharing platform, an integration client


def _body(w: World, r: Report) -> dict:
    body = {
        "target_id": w.targets[(r.unit, r.target)],
        "value": r.value,
        "as_of": r.as_of.isoformat(),
    }
    return {**body, "note": r.note} if r.note else body


def wait_until_progress_knows(pf: Platform, s: Story, w: World) -> None:
    def known() -> bool:
        dash = pf.get("progress", f"/campaigns/{w.campaign_id}/dashboard", pf.admin)
        return sum(u["targets"] for u in dash["units"]) == len(s.targets)

    poll("progress to learn the campaign's targets", known)


def report_the_year(pf: Platform, s: Story, w: World, say) -> None:
    wait_until_progress_knows(pf, s, w)
    traced = s.traced
    achieved = 0
    with Progress(transient=True) as bar:
        task = bar.add_task("reports of 2020", total=len(s.reports))
        for day, group in groupby(s.reports, key=lambda r: r.as_of):
            rows = list(group)
            batch = [r for r in rows if s.kind_of(r.unit) == "district"]
            if batch:
                out = pf.post(
                    "progress",
                    "/reports/batch",
                    {"reports": [_body(w, r) for r in batch]},
                    pf.client(LGSP),
                )
                if out["rejected"]:
                    raise SystemExit(f"reports of {day} refused: {out['results']}")
                achieved += sum(1 for x in out["results"] if x["achieved_now"])
                bar.advance(task, len(batch))
            for r in rows:
                if r in batch:
                    continue
                headers = {}
                if (r.unit, r.target, r.as_of) == (
                    traced["unit"],
                    traced["target"],
                    traced["as_of"],
                ):
                    w.trace_id = secrets.token_hex(16)
                    headers["traceparent"] = f"00-{w.trace_id}-{secrets.token_hex(8)}-01"
                who = pf.officer(r.unit, w.units[r.unit])
                out = pf.post("progress", "/reports", _body(w, r), who, headers=headers)
                achieved += out["achieved_now"]
                bar.advance(task)
            bar.update(task, description=f"reports up to {day:%d/%m/%Y}")
    say(f"{len(s.reports)} reports over the year; {achieved} targets achieved")


def wait_for_reminders(pf: Platform, w: World, inbox, say) -> list[str]:
    """Targets past their deadline with no report at all: their units get a ReportOverdue."""
    dash = pf.get("progress", f"/campaigns/{w.campaign_id}/dashboard", pf.admin)
    late = sorted({w.code_of(o["unit_id"]) for o in dash["overdue"]})
    for code in late:

        def reminded(code: str = code) -> bool:
            return any(event_name(i) == "ReportOverdue" for i in inbox(pf, w, code))

        poll(f"the overdue reminder in {code}'s inbox", reminded, timeout=180)
    say(f"reminded of a missed deadline: {', '.join(late)}")
    return late


def leaders(pf: Platform, s: Story, w: World, say) -> dict[str, dict]:
    year = s.campaign["start"].year
    votes = s.review.get("votes") or {}
    out = {}
    for code, bloc in w.blocs.items():
        head = w.code_of(bloc["head_unit_id"])
        who = pf.officer(head, bloc["head_unit_id"])
        base = f"/blocs/{bloc['bloc_id']}/years/{year}"
        if code in votes:
            body = {"votes": [{"unit_id": w.units[u], "votes": n} for u, n in votes[code].items()]}
            pf.put("progress", f"{base}/votes", body, who)
        out[code] = pf.post("progress", f"{base}/leader", None, who)
        lead = out[code]["leader_unit_id"]
        say(
            f"{bloc['name']}: leader [bold]{s.unit_name(w.code_of(lead))}[/] "
            f"({out[code]['score']} points{', by vote' if out[code]['by_vote'] else ''})"
        )
    return out


def ratings_and_initiatives(pf: Platform, s: Story, w: World, say) -> None:
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for r in s.ratings:
        person = r["subject_kind"] == "person"
        unit = s.person(r["subject_code"])["unit_code"] if person else r["subject_code"]
        subject = w.people[r["subject_code"]] if person else w.units[r["subject_code"]]
        kind = "person" if person else "collective"
        by_unit[unit].append(
            {
                "subject_kind": kind,
                "subject_id": subject,
                "year": int(r["year"]),
                "rating": r["rating"],
            }
        )
    for unit, items in by_unit.items():
        who = pf.officer(unit, w.units[unit])
        poll(
            f"progress to know {unit}'s people",
            partial(pf.post, "progress", "/ratings", {"ratings": items}, who),
        )
    say(f"ratings of 2020: {len(s.ratings)} entered by {len(by_unit)} units")
    for x in s.initiatives:
        body = {
            "title": x["title"],
            "level": x["level"],
            "recognised_on": x["recognised_on"].isoformat(),
            "author_ids": [w.people[a] for a in x["authors"]],
        }
        got = pf.post("progress", "/initiatives", body, pf.officer(x["unit"], w.units[x["unit"]]))
        w.initiatives[x["title"]] = got["initiative_id"]
        say(f"initiative recognised: “{x['title']}” ({s.unit_name(x['unit'])})")
