"""Email over SMTP against a real aiosmtpd server: a separate process storing what it receives
in a Maildir, which the tests read back. Refusals use an in-process aiosmtpd server whose
handler turns the recipient down."""

from __future__ import annotations

import email.policy
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller

from schemas import awards as a
from schemas.examples import PERSON, example
from services.notify.adapters.email import SmtpSettings, message_id, send_email
from services.notify.domain.messages import render
from services.notify.domain.recipients import Recipient
from tests.notify import envelope, seeded_directory

SENDER = "Thi đua – Khen thưởng <khenthuong@camau.gov.vn>"
TO = "hoa.nguyen@example.vn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, maildir = _free_port(), tmp_path / "maildir"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"),
            *("-c", "aiosmtpd.handlers.Mailbox", str(maildir)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"aiosmtpd did not start: {proc.stderr.read()}") from None
                time.sleep(0.05)
        yield port, maildir
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _received(maildir: Path) -> list[tuple[bytes, EmailMessage]]:
    box = mailbox.Maildir(maildir, create=False)
    raws = [box.get_bytes(key) for key in box.iterkeys()]
    return [(raw, email.message_from_bytes(raw, policy=email.policy.default)) for raw in raws]


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, SENDER, start_tls=False, timeout=10)


def _decision_message():
    env = envelope(example(a.AwardDecisionIssued))
    rendered = render(
        env, recipient=Recipient("person", PERSON, "awardee"), directory=seeded_directory()
    )
    return env, rendered


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


async def test_a_vietnamese_email_arrives_whole(smtp_server):
    port, maildir = smtp_server
    env, m = _decision_message()

    outcome = await send_email(_settings(port), TO, m.subject, m.text, m.html, event_id=env.id)

    assert outcome.ok and outcome.status == 250 and outcome.duration > 0
    [(raw, got)] = _received(maildir)
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head  # headers travel RFC 2047 encoded
    assert got["Subject"] == m.subject
    assert got["Subject"] == "[Thi đua – Khen thưởng] Quyết định khen thưởng số 1234/QĐ-UBND"
    assert got["From"].addresses[0].display_name == "Thi đua – Khen thưởng"
    assert got["From"].addresses[0].addr_spec == "khenthuong@camau.gov.vn"
    assert got["To"] == TO
    assert got["X-RcptTo"] == TO and got["X-MailFrom"] == "khenthuong@camau.gov.vn"
    # Folded onto its own line when long (legal); Python keeps the folding space.
    assert got["Message-ID"].strip() == message_id(env.id, TO, "camau.gov.vn")
    assert got["Auto-Submitted"] == "auto-generated"

    assert got.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in got.iter_parts()] == ["text/plain", "text/html"]
    plain, html = got.get_body(("plain",)), got.get_body(("html",))
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert _lines(plain.get_content()) == m.text
    assert _lines(html.get_content()) == m.html
    assert "tiền thưởng 1.490.000 đ" in plain.get_content()
    assert "Kính gửi: Đồng chí Nguyễn Thị Hoa" in html.get_content()


async def test_a_resent_notification_is_recognisable_as_the_same(smtp_server):
    port, maildir = smtp_server
    env, m = _decision_message()
    settings = _settings(port)

    for to in (TO, TO.upper(), "khac@example.vn"):
        outcome = await send_email(settings, to, m.subject, m.text, m.html, event_id=env.id)
        assert outcome.ok

    ids = [got["Message-ID"].strip() for _, got in _received(maildir)]
    assert len(ids) == 3
    # Same event and address (case aside): same Message-ID; another address: another one.
    assert ids.count(message_id(env.id, TO, "camau.gov.vn")) == 2
    assert message_id(env.id, "khac@example.vn", "camau.gov.vn") in ids
    assert all(TO not in i for i in ids)  # the address itself does not leak into the id
    other_event = message_id(uuid4(), TO, "camau.gov.vn")
    assert other_event not in ids


class _RefuseRecipients:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: mailbox unavailable"


class _Busy:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "451 4.3.0 try again later"


@pytest.mark.parametrize(
    ("handler", "code", "retryable"), [(_RefuseRecipients, 550, False), (_Busy, 451, True)]
)
async def test_a_refused_recipient_is_final_only_for_a_5xx(handler, code, retryable):
    controller = Controller(handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        env, m = _decision_message()
        outcome = await send_email(
            _settings(controller.port), TO, m.subject, m.text, m.html, event_id=env.id
        )
    finally:
        controller.stop()
    assert outcome.status == code and outcome.error == f"SMTP {code} (recipient refused)"
    assert outcome.retryable is retryable
    assert TO not in outcome.error  # the server's text quoted the address; the error does not


async def test_no_server_is_a_retryable_connection_failure():
    env, m = _decision_message()
    outcome = await send_email(
        _settings(_free_port()), TO, m.subject, m.text, m.html, event_id=env.id
    )
    assert outcome.error == "connection failed" and outcome.status is None and outcome.retryable
