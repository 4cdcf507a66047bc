"""Notify: before the campaign starts, the province records where units and some people get
their emails, and a subscribed system (the national emulation database) registers its webhook.
At the end: what landed in inboxes, at the SMTP server and at the webhook receiver."""

from __future__ import annotations

import json
from collections import Counter
from email import policy
from email.parser import BytesParser

from demo.client import Platform, event_name, poll
from demo.story import Story
from demo.world import World
from infra import stack


def set_up(pf: Platform, s: Story, w: World, say) -> None:
    for c in s.contacts:
        path = (
            f"/units/{w.units[c['code']]}/contact"
            if c["owner"] == "unit"
            else f"/people/{w.people[c['code']]}/contact"
        )
        pf.put("notify", path, {"email": c["email"]}, pf.admin)
    say(f"email addresses: {len(s.contacts)} recorded")
    sub = s.subscriber
    hooks_url = getattr(pf.profile, "hooks_url", None)
    if hooks_url is None:
        say("[yellow]no webhook receiver in this profile: no subscription[/]")
        return
    body = {
        "url": f"{hooks_url}/{sub['client_id']}",  # the receiver takes any path under /hooks
        "description": sub["description"],
        "filter": {"event_types": sub["event_types"]},
        "secret": stack.local_secret(pf.profile, "webhook-receiver-secret"),
    }
    pf.post("notify", "/subscriptions", body, pf.client(sub["client_id"]))
    say(f"webhook subscription of {sub['client_id']}: {', '.join(sub['event_types'])}")


def inbox(pf: Platform, w: World, code: str) -> list[dict]:
    who = pf.officer(code, w.units[code])
    path = f"/units/{w.units[code]}/inbox"
    return pf.pages("notify", path, who, limit=200)


def mails(pf: Platform) -> list[dict]:
    """The emails the SMTP sink received: recipient, subject."""
    folder = pf.profile.state / "sinks" / "mail"
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        out.append({"to": str(msg["To"]), "subject": str(msg["Subject"])})
    return out


def hooks(pf: Platform, client_id: str) -> list[dict]:
    """The webhook calls the receiver recorded for the subscribed system (each with `verified`)."""
    path = pf.profile.state / "sinks" / "hooks.jsonl"
    if not path.exists():
        return []
    calls = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [h for h in calls if h.get("path", "").endswith(f"/{client_id}")]


def hook_type(h: dict) -> str:
    """The event's name from its CloudEvents type (vn.thidua.awards.AwardDecisionIssued.v1)."""
    t = h.get("ce-type") or ""
    return t.split(".")[-2] if t.count(".") >= 2 else t


def wait_for_decision(pf: Platform, w: World, s: Story) -> None:
    """The decision reaches the proposers' inboxes, their mailboxes and the subscribed system."""
    decided = {ln["nomination_id"] for ln in w.decision["lines"]}
    proposers = {n["proposer"] for n in s.nominations if w.nominations[n["key"]] in decided}
    proposers.discard(s.campaign["launched_by"])  # the province reads no unit inbox here
    for code in sorted(proposers):

        def decided_in(code: str = code) -> bool:
            return any(event_name(i) == "AwardDecisionIssued" for i in inbox(pf, w, code))

        poll(f"the decision in {code}'s inbox", decided_in)
    if getattr(pf.profile, "hooks_url", None):
        poll(
            "the decision at the webhook receiver",
            lambda: any(
                hook_type(h) == "AwardDecisionIssued" for h in hooks(pf, s.subscriber["client_id"])
            ),
        )
    number = s.council["decision"]["number"]
    poll("the decision's emails", lambda: any(number in m["subject"] for m in mails(pf)))


def report(pf: Platform, s: Story, w: World, say) -> dict:
    counts = {code: len(inbox(pf, w, code)) for code in s.unit_codes if code in w.units}
    got = mails(pf)
    calls = hooks(pf, s.subscriber["client_id"])
    verified = sum(1 for h in calls if h.get("verified"))
    say(
        f"inboxes: {sum(counts.values())} items in {sum(1 for n in counts.values() if n)} units; "
        f"emails at the SMTP server: {len(got)}; webhook calls: {len(calls)} "
        f"({verified} with a verified signature)"
    )
    by_type = Counter(hook_type(h) for h in calls)
    if by_type:
        say("webhooks by event: " + ", ".join(f"{t} {n}" for t, n in sorted(by_type.items())))
    return {"inbox": counts, "mails": len(got), "hooks": len(calls), "verified": verified}
