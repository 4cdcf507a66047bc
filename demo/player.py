"""Plays the demo on a running platform: the seed's 2020 campaign, from the data files, through
the public HTTP APIs, printing what happens. Played once per platform: when the campaign is
already in the registry, only the summary is printed. The trace id of the followed report is
kept in `<state>/demo.json` for that summary."""

from __future__ import annotations

import json
import time

from rich.console import Console
from rich.rule import Rule

from demo import story
from demo.client import Platform
from demo.steps import awards, notify, progress, registry, summary, supervision
from demo.world import World
from infra.profile import Profile


def play(p: Profile, console: Console | None = None, data=story.DATA) -> World:
    console = console or Console()
    s = story.load(data)
    pf = Platform(p)
    w = World()
    record = p.state / "demo.json"

    def say(text: str) -> None:
        console.print(f"  {text}")

    def step(title: str) -> None:
        console.print(Rule(f"[bold]{title}"))

    if registry.find_campaign(pf, s, w):
        console.print(
            f"[bold]{s.campaign['code']}[/] was already played on this platform: the summary"
        )
        trace = json.loads(record.read_text()).get("trace_id", "") if record.exists() else ""
        summary.show(pf, s, w, awards.find_decision(pf, s), trace, console)
        return w
    t0 = time.monotonic()
    step("1. The province registers its units, blocs and people, and launches the campaign")
    registry.register(pf, s, w, say)
    notify.set_up(pf, s, w, say)
    registry.launch_campaign(pf, s, w, say)
    step("2. Units report over 2020")
    progress.report_the_year(pf, s, w, say)
    record.write_text(json.dumps({"campaign_id": w.campaign_id, "trace_id": w.trace_id}))
    progress.wait_for_reminders(pf, w, notify.inbox, say)
    step("3. Bloc standings and leaders; ratings and initiatives")
    progress.leaders(pf, s, w, say)
    progress.ratings_and_initiatives(pf, s, w, say)
    step("4. Nominations, screening, public notice, council vote, decision; the Front's finding")
    awards.import_history(pf, s, say)
    awards.nominate(pf, s, w, say)
    awards.screen(pf, s, w, say, console)
    approved = awards.notice_and_vote(pf, s, w, say)
    awards.decide(pf, s, w, approved, say, console)
    supervision.raise_and_answer(pf, s, w, say)
    step("5. Notifications: inboxes, emails, the subscribed system")
    notify.wait_for_decision(pf, w, s)
    notify.report(pf, s, w, say)
    step(f"6. Summary (played in {time.monotonic() - t0:.0f}s)")
    summary.show(pf, s, w, w.decision, w.trace_id, console)
    return w
