"""What a notification says: Vietnamese inbox title and body, email subject, text and HTML.

Templates live in `services/notify/templates/<EventName>/`, one set per event type, each piece
falling back to `_default/`:

    greeting.txt  how the recipient is addressed ("Đồng chí Nguyễn Thị Hoa", a unit's name)
    title.txt     inbox title, one line
    body.txt      inbox body: paragraphs split by a blank line, list items start with "- "
    subject.txt   email subject (default: a prefix and the title)
    text.txt      email plain text (default: greeting, body, footer)
    email.html    email HTML (default: the body's paragraphs and lists in `_layout.html`)

They are rendered in that order; the later ones see the earlier ones' text as `greeting`,
`title`, `body` and `subject`. `.html` templates autoescape; every template is strict, so a
misspelt variable fails loudly instead of printing nothing. Output is Unicode NFC.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schemas import awards, registry
from schemas.base import Event
from schemas.envelope import Envelope
from servicekit.labels import AWARD_NAMES
from services.notify.domain import labels
from services.notify.domain.directory import NOTHING_KNOWN, Directory, NominationFacts
from services.notify.domain.formatting import (
    nfc,
    vn_date,
    vn_datetime,
    vn_money,
    vn_number,
    vn_percent,
)
from services.notify.domain.recipients import Recipient

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_SET = "_default"
PIECES = {
    "greeting": "greeting.txt",
    "title": "title.txt",
    "body": "body.txt",
    "subject": "subject.txt",
    "text": "text.txt",
    "html": "email.html",
}
_ONE_LINE = ("greeting", "title", "subject")  # headers and titles: no line breaks


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Block:
    """A paragraph of a body: its lead text and the list that follows it."""

    lead: str
    items: list[str]


def blocks(body: str) -> list[Block]:
    out = []
    for para in re.split(r"\n\s*\n", body.strip()):
        lead, items = [], []
        for line in para.splitlines():
            if line.startswith("- "):
                items.append(line[2:].strip())
            elif items:  # a wrapped list item
                items[-1] += " " + line.strip()
            else:
                lead.append(line.strip())
        out.append(Block(" ".join(lead), items))
    return out


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters.update(
        date=vn_date,
        datetime=vn_datetime,
        number=vn_number,
        vnd=vn_money,
        percent=vn_percent,
        blocks=blocks,
    )
    env.globals.update(
        award=lambda code: labels.label(AWARD_NAMES, code),
        verdict=lambda v: labels.label(labels.VERDICTS, v),
        regime=lambda r: labels.label(labels.REGIMES, r),
        campaign_kind=lambda k: labels.label(labels.CAMPAIGN_KINDS, k),
        authority=lambda a: labels.label(labels.AUTHORITIES, a),
        finding_subject=lambda k: labels.label(labels.FINDING_SUBJECTS, k),
    )
    return env


def template_set(event_name: str) -> dict[str, str]:
    """The template file used for each piece of an event type's message."""
    names = set(environment().list_templates())
    return {
        piece: f"{event_name}/{file}" if f"{event_name}/{file}" in names else f"_default/{file}"
        for piece, file in PIECES.items()
    }


def render(
    envelope_or_event: Envelope | Event,
    *,
    recipient: Recipient | None = None,
    directory: Directory = NOTHING_KNOWN,
) -> Rendered:
    if isinstance(envelope_or_event, Envelope):
        event, event_id, time = envelope_or_event.data, envelope_or_event.id, envelope_or_event.time
    else:
        event, event_id, time = envelope_or_event, None, None
    context = _context(event, event_id, time, recipient, directory)
    env = environment()
    files = template_set(event.event_name)
    out: dict[str, str] = {}
    for piece in PIECES:
        text = env.get_template(files[piece]).render(context)
        out[piece] = _one_line(text) if piece in _ONE_LINE else _tidy(text)
        context[piece] = out[piece]
    return Rendered(
        title=out["title"],
        body=out["body"],
        subject=out["subject"],
        text=out["text"],
        html=out["html"],
    )


def _context(
    event: Event,
    event_id: UUID | None,
    time: datetime | None,
    recipient: Recipient | None,
    directory: Directory,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "e": event,
        "event_name": event.event_name,
        "event_label": labels.EVENTS.get(event.event_name),
        "event_id": event_id,
        "time": time,
        "recipient": recipient,
        "recipient_name": directory.name(recipient.id) if recipient else None,
        "name": directory.name,
    }
    nomination_id = getattr(event, "nomination_id", None)
    if isinstance(nomination_id, UUID):
        context.update(_nomination(directory.nomination(nomination_id), directory))
    if isinstance(event, awards.AwardDecisionIssued):
        context.update(_decision(event, recipient, directory))
    if isinstance(event, registry.CampaignLaunched):
        mine = [t for t in event.targets if recipient and t.unit_id == recipient.id]
        context["my_targets"] = mine
    return context


def _nomination(facts: NominationFacts | None, directory: Directory) -> dict[str, Any]:
    award = labels.label(AWARD_NAMES, facts.award_code) if facts else None
    return {
        "nomination": facts,
        "nominee_name": directory.name(facts.nominee.id) if facts else None,
        # "xét tặng" fits titles (danh hiệu) and forms (hình thức) alike.
        "award_phrase": f"xét tặng “{award}”" if award else "khen thưởng",
    }


def _decision(
    event: awards.AwardDecisionIssued, recipient: Recipient | None, directory: Directory
) -> dict[str, Any]:
    def concerns(line: awards.AwardLine) -> bool:
        if recipient is None:
            return True
        if line.nominee.id == recipient.id:
            return True
        if recipient.kind != "unit":
            return False
        facts = directory.nomination(line.nomination_id)
        return (
            facts is not None and facts.proposer_unit_id == recipient.id
        ) or directory.unit_of_person(line.nominee.id, event.signed_on) == recipient.id

    mine = [line for line in event.awards if concerns(line)]
    lines = mine or list(event.awards)
    return {
        "lines": [
            {
                "award": labels.label(AWARD_NAMES, line.award_code),
                "kind": line.nominee.kind,
                "nominee_name": directory.name(line.nominee.id),
                "amount": line.amount_vnd,
            }
            for line in lines
        ],
        "lines_are_all": len(lines) == len(event.awards),
    }


def _one_line(text: str) -> str:
    return nfc(" ".join(text.split()))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return nfc(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)))
