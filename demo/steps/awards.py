"""Step 4: units (and the province, for the bloc leader's flag) nominate; the board screens every
nomination with the verdict explained rule by rule (regime 2013 for 2020); the eligible ones go
on public notice; the council votes by secret ballot; the chairman signs the decision with the
award money."""

from __future__ import annotations

from functools import partial

from rich.table import Table

from demo.client import DemoError, Platform, poll
from demo.story import Story
from demo.world import World

DOSSIER = ("submission", "achievement_report", "review_minutes")
CHOICES = {"in_favour": "yes", "against": "no", "abstain": "abstain"}  # council.yaml → ballot


def _nominee(s: Story, w: World, code: str) -> dict:
    if code in w.units:
        return {"kind": "collective", "id": w.units[code]}
    return {"kind": "person", "id": w.people[code]}


def label(s: Story, code: str) -> str:
    return s.person(code)["full_name"] if code not in s.unit_codes else s.unit_name(code)


def import_history(pf: Platform, s: Story, say) -> None:
    """The titles the departments decided themselves (earlier years', and 2020's grassroots
    ones): multi-year titles and collective standards count them."""
    data = s.raw["award-history"]

    def once() -> dict:
        headers = {"content-type": "text/csv"}
        r = pf.call(
            "awards", "POST", "/award-history/imports", who=pf.admin, content=data, headers=headers
        )
        return r.json()

    report = poll("awards to know the people of the award history", once)
    say(f"award history of earlier decisions: {report.get('rows', '?')} rows imported")


def nominate(pf: Platform, s: Story, w: World, say) -> None:
    year = s.campaign["start"].year
    for n in s.nominations:
        initiatives = [w.initiatives[t] for t in n.get("initiatives", [])]
        docs = [*DOSSIER, *(["initiative_certificate"] if initiatives else [])]
        body = {
            "nominee": _nominee(s, w, n["nominee"]),
            "award_code": n["award"],
            "year": year,
            "proposer_unit_id": w.units[n["proposer"]],
            "campaign_id": w.campaign_id,
            "documents": [{"type": d, "ref": f"urn:camau:{n['key']}:{d}"} for d in docs],
            "initiative_ids": initiatives,
        }
        who = (
            pf.admin
            if n["proposer"] == s.campaign["launched_by"]
            else pf.officer(n["proposer"], w.units[n["proposer"]])
        )
        # awards learns people, units and initiatives from the bus: a 422 "no such …" is retried
        got = poll(
            f"awards to know {n['key']}'s nominee",
            partial(pf.post, "awards", "/nominations", body, who),
        )
        w.nominations[n["key"]] = got["nomination_id"]
    say(f"nominations submitted: {len(s.nominations)}")


def _ratings_missing(result: dict) -> bool:
    """A rule saw no rating where the unit entered one: the board's read model lags."""
    return any(
        v is None and k.startswith(("rating", "collective_rating"))
        for r in result["rule_results"]
        for k, v in r["facts"].items()
    )


def screen(pf: Platform, s: Story, w: World, say, console) -> None:
    ids = list(w.nominations.values())
    day = s.council["screening"]["considered_on"]  # the board's date, not the day played
    body = {"nomination_ids": ids, "considered_on": day.isoformat()}

    def once():
        out = pf.post("awards", "/screenings", body, pf.admin)
        return None if any(_ratings_missing(r) for r in out["results"]) else out

    out = poll("awards to know the ratings", once, timeout=60, every=1)
    by_id = {r["nomination_id"]: r for r in out["results"]}
    table = Table(title="Screening (regime 2013), every rule with its reason", show_lines=True)
    for col in ("nominee", "award", "verdict", "why"):
        table.add_column(col)
    for n in s.nominations:
        r = by_id[w.nominations[n["key"]]]
        w.verdicts[n["key"]] = r
        colour = "green" if r["verdict"] == "eligible" else "red"
        failing = [x for x in r["rule_results"] if not x["passed"]]
        why = "\n".join(
            f"{x['rule_id']} ({x['citation']}): {x['reason']}"
            for x in (failing or r["rule_results"])[:3]
        )
        table.add_row(label(s, n["nominee"]), n["award"], f"[{colour}]{r['verdict']}[/]", why)
    console.print(table)
    say(f"screened: {out['verdicts']}")


def notice_and_vote(pf: Platform, s: Story, w: World, say) -> list[str]:
    c = s.council
    eligible = [k for k, r in w.verdicts.items() if r["verdict"] == "eligible"]
    ids = [w.nominations[k] for k in eligible]
    notice = pf.post(
        "awards",
        "/notices",
        {
            "title": c["notice"]["title"],
            "nomination_ids": ids,
            "start_on": c["notice"]["start_on"].isoformat(),
        },
        pf.admin,
    )
    say(
        f"public notice {notice['start_on']} – {notice['end_on']} "
        f"({notice['working_days']} working days): {len(ids)} candidates"
    )
    council = pf.post(
        "awards",
        "/councils",
        {
            "name": c["council"]["name"],
            "term_start": c["council"]["term_start"].isoformat(),
            "term_end": c["council"]["term_end"].isoformat(),
            "members": c["council"]["members"],
        },
        pf.admin,
    )
    w.council_id = council["council_id"]
    members = {m["subject"]: m for m in c["council"]["members"]}
    secretary = next(sub for sub, m in members.items() if m["role"] == "secretary")
    sec = member_token(pf, w, secretary, members[secretary])
    session = pf.post(
        "awards",
        f"/councils/{w.council_id}/sessions",
        {"title": c["session"]["title"], "held_on": c["session"]["held_on"].isoformat()},
        sec,
    )
    w.session_id = session["session_id"]
    pf.post("awards", f"/sessions/{w.session_id}/agenda", {"nomination_ids": ids}, sec)
    held_on = c["session"]["held_on"].isoformat()  # the vote is on the session's day
    pf.post("awards", f"/sessions/{w.session_id}/open", {"on": held_on}, sec)
    for sub, m in members.items():
        choices = []
        for key in eligible:
            listed = (c.get("ballots") or {}).get(key, {})
            choice = next((ch for ch in CHOICES if sub in listed.get(ch, [])), "in_favour")
            choice = CHOICES[choice]
            choices.append({"nomination_id": w.nominations[key], "choice": choice})
        pf.put(
            "awards",
            f"/sessions/{w.session_id}/ballot",
            {"choices": choices, "cast_on": held_on},
            member_token(pf, w, sub, m),
        )
    closed = pf.post("awards", f"/sessions/{w.session_id}/close", {"on": held_on}, sec)
    key_of = {v: k for k, v in w.nominations.items()}
    approved = []
    for item in closed["agenda"]:
        key = key_of[item["nomination_id"]]
        verdict = "[green]approved[/]" if item["approved"] else "[red]rejected[/]"
        say(
            f"vote on {item['award_code']} {item['nominee'].get('name')}: {item['votes_for']} for, "
            f"{item['votes_against']} against, {item['required']} needed → {verdict}"
        )
        if item["approved"]:
            approved.append(key)
    return approved


def member_token(pf: Platform, w: World, sub: str, m: dict) -> dict[str, str]:
    roles = ["council_member", *(["council_secretary"] if m["role"] == "secretary" else [])]
    return pf.token(sub, *roles, council_id=w.council_id)


def decide(pf: Platform, s: Story, w: World, approved: list[str], say, console) -> None:
    d = s.council["decision"]
    body = {
        "number": d["number"],
        "signed_on": d["signed_on"].isoformat(),
        "signer_name": d["signer_name"],
        "signer_title": d["signer_title"],
        "signer_authority": d["signer_authority"],
        "nomination_ids": [w.nominations[k] for k in approved],
    }
    w.decision = pf.post("awards", "/decisions", body, pf.admin)
    console.print(award_table(w.decision))


def award_table(d: dict) -> Table:
    t = Table(
        title=f"Quyết định {d['number']} ngày {d['signed_on']} — "
        f"lương cơ sở {d['base_salary_vnd']:,} đ"
    )
    for col in ("#", "awardee", "award", "multiplier", "amount (đ)"):
        t.add_column(col, justify="right" if col in ("multiplier", "amount (đ)") else "left")
    for ln in d["lines"]:
        t.add_row(
            str(ln["position"]),
            ln["nominee"].get("name") or ln["nominee"]["id"],
            ln["award_name"],
            f"{ln['multiplier']:g}",
            f"{ln['amount_vnd']:,}",
        )
    t.add_row("", "", "[bold]total[/]", "", f"[bold]{d['total_vnd']:,}[/]")
    return t


def find_decision(pf: Platform, s: Story) -> dict | None:
    year = s.campaign["start"].year
    try:
        items = pf.pages("awards", "/nominations", pf.admin, year=year, limit=200)
    except DemoError:
        return None
    decided = {n["decision_id"] for n in items if n.get("decision_id")}
    return pf.get("awards", f"/decisions/{decided.pop()}", pf.admin) if decided else None
