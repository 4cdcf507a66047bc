"""Step 1: the province registers its units, blocs and people from its spreadsheets (the
registry's import), drafts the 2020 campaign with its theme, gives each unit its targets and
launches it."""

from __future__ import annotations

from demo.client import Platform
from demo.story import Story
from demo.world import World

CSV = {"content-type": "text/csv"}


def import_file(pf: Platform, s: Story, kind: str) -> dict:
    r = pf.call(
        "registry", "POST", f"/imports/{kind}", who=pf.admin, content=s.raw[kind], headers=CSV
    )
    return r.json()


def register(pf: Platform, s: Story, w: World, say) -> None:
    report = import_file(pf, s, "units")
    say(f"units: {report['rows']} rows imported ({report.get('imported', 0)} new)")
    as_of = s.campaign["start"].isoformat()
    for u in pf.pages("registry", "/units", pf.admin, as_of=as_of, limit=500):
        w.units[u["code"]] = u["unit_id"]
    report = import_file(pf, s, "bloc-memberships")
    for b in pf.pages("registry", "/blocs", pf.admin, year=s.campaign["start"].year, limit=500):
        w.blocs[b["code"]] = b
    say(f"blocs of {s.campaign['start'].year}: {', '.join(w.blocs)}")
    import_file(pf, s, "people")
    by_name = {(p["unit_code"], p["full_name"]): p["code"] for p in s.people}
    for code in s.unit_codes:
        for p in pf.pages(
            "registry", "/people", pf.admin, unit_id=w.units[code], as_of=as_of, limit=500
        ):
            if (code, p["full_name"]) in by_name:
                w.people[by_name[(code, p["full_name"])]] = p["person_id"]
    say(f"people: {len(w.people)} registered in {len(s.unit_codes) - 1} units")
    for st in s.statuses:
        body = {"kind": st["kind"], "start": st["start"].isoformat()}
        pf.post("registry", f"/people/{w.people[st['person']]}/statuses", body, pf.admin)
        say(f"{s.person(st['person'])['full_name']}: {st['kind']} since {st['start']}")


def launch_campaign(pf: Platform, s: Story, w: World, say) -> None:
    c = s.campaign
    body = {
        "code": c["code"],
        "title": c["title"],
        "theme": " ".join(c["theme"].split()),
        "goals": [" ".join(c["goals"].split())] if c.get("goals") else [],
        "kind": c["kind"],
        "start": c["start"].isoformat(),
        "end": c["end"].isoformat(),
        "launched_by": w.units[c["launched_by"]],
        "bloc_ids": [w.blocs[b]["bloc_id"] for b in c["blocs"]],
    }
    w.campaign_id = pf.post("registry", "/campaigns", body, pf.admin)["campaign_id"]
    report = import_file(pf, s, "targets")
    say(f"targets: {report.get('imported', 0)} assigned")
    ready = pf.get("registry", f"/campaigns/{w.campaign_id}/readiness", pf.admin)
    if not ready["complete"]:
        raise SystemExit(f"the campaign is not complete: {ready['problems'][:5]}")
    launched = pf.post("registry", f"/campaigns/{w.campaign_id}/launch", {}, pf.admin)
    say(
        f"[bold]{launched['title']}[/] launched ({len(ready['participant_unit_ids'])} units, "
        f"regime {launched['regime']}): “{body['theme']}”"
    )
    learn_targets(pf, w)


def learn_targets(pf: Platform, w: World) -> None:
    for t in pf.get("registry", f"/campaigns/{w.campaign_id}/targets", pf.admin):
        w.targets[(w.code_of(t["unit_id"]), t["name"])] = t["target_id"]


def find_campaign(pf: Platform, s: Story, w: World) -> bool:
    """The campaign already in the registry (the demo was played): learn the ids, True."""
    year = s.campaign["start"].year
    campaigns = pf.pages("registry", "/campaigns", pf.admin, year=year, limit=500)
    found = [c for c in campaigns if c["code"] == s.campaign["code"]]
    if not found:
        return False
    w.campaign_id = found[0]["campaign_id"]
    for u in pf.pages(
        "registry", "/units", pf.admin, as_of=s.campaign["start"].isoformat(), limit=500
    ):
        w.units[u["code"]] = u["unit_id"]
    for b in pf.pages("registry", "/blocs", pf.admin, year=s.campaign["start"].year, limit=500):
        w.blocs[b["code"]] = b
    learn_targets(pf, w)
    return True
