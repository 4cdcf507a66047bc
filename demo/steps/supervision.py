"""Step 4, last: the Fatherland Front supervises. Ủy ban MTTQ tỉnh raises a finding (kiến nghị giám
sát) on the decision with a supervisor's token — which reads everything the council read and
writes nothing else — and the province answers it; the answer reaches the Front's inbox."""

from __future__ import annotations

from demo.client import Platform, event_name, poll
from demo.steps.notify import inbox
from demo.story import Story
from demo.world import World


def raise_and_answer(pf: Platform, s: Story, w: World, say) -> None:
    sup = s.supervision
    if not sup:
        return
    front = w.units[sup["front"]]
    supervisor = pf.token(sup["supervisor"], "supervisor", unit_id=front)
    finding = pf.post(
        "awards",
        "/findings",
        {
            "subject_kind": "decision",
            "subject_id": w.decision["decision_id"],
            "content": " ".join(sup["finding"]["content"].split()),
            "documents": sup["finding"].get("documents", []),
        },
        supervisor,
    )
    say(f"{s.unit_name(sup['front'])} raises a supervision finding on {w.decision['number']}")
    w.finding = pf.post(
        "awards",
        f"/findings/{finding['id']}/answer",
        {
            "answer": " ".join(sup["answer"]["content"].split()),
            "documents": sup["answer"].get("documents", []),
        },
        pf.admin,
    )
    say(f"the province answers it on {w.finding['answered_on']}")
    poll(
        "the answer in the Front's inbox",
        lambda: any(
            event_name(i) == "SupervisionFindingAnswered" for i in inbox(pf, w, sup["front"])
        ),
    )
