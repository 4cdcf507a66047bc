"""Email notifications over SMTP (aiosmtplib): multipart/alternative, plain text and HTML.

Headers are ASCII on the wire: a Vietnamese subject or sender name is RFC 2047 encoded
(=?utf-8?...?=), bodies are UTF-8 quoted-printable, which every server relays. The Message-ID
is derived from the event id and the recipient address, so the same notification sent twice
(a retry after a lost answer, a redelivery) carries the same id and mail clients and operators
can recognise the duplicate.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from uuid import UUID

import aiosmtplib

from services.notify.domain.delivery import Outcome
from services.notify.domain.formatting import VIETNAM


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    """The From header, e.g. "Thi đua – Khen thưởng <khenthuong@camau.gov.vn>"."""
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    """TLS from the first byte (port 465)."""
    start_tls: bool | None = None
    """True: require STARTTLS; None: use it when offered; False: never."""
    validate_certs: bool = True
    timeout: float = 30.0
    message_id_domain: str | None = None
    """Right-hand side of Message-IDs; by default the sender address's domain."""

    def __repr__(self) -> str:  # keep the password out of logs
        return f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r})"


def message_id(event_id: UUID, to: str, domain: str) -> str:
    # A hash, not the address itself: Message-IDs end up in logs and other people's mailboxes.
    who = hashlib.sha256(to.strip().lower().encode()).hexdigest()[:16]
    return f"<{event_id}.{who}@{domain}>"


def build_email(
    settings: SmtpSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    *,
    event_id: UUID,
    now: datetime | None = None,
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = settings.sender
    msg["To"] = to
    # Encoded here, not by the policy: Python 3.11's folding drops the space between two RFC 2047
    # encoded words ("Kiến nghị giám sát" arrived as "Kiến nghịgiám sát"); Header keeps each space
    # inside an encoded word and its lines within 78 characters.
    msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n"))
    msg["Date"] = email.utils.format_datetime(now or datetime.now(VIETNAM))
    msg["Message-ID"] = message_id(event_id, to, _domain(settings))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


async def send_email(
    settings: SmtpSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    *,
    event_id: UUID,
) -> Outcome:
    """Send one email; never raises for what the server or network does. A 5xx refusal of the
    recipient, sender or content is final (not retryable); the rest may pass on a retry."""
    msg = build_email(settings, to, subject, text, html, event_id=event_id)
    started = time.perf_counter()
    try:
        _, reply = await aiosmtplib.send(
            msg,
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.use_tls,
            start_tls=settings.start_tls,
            validate_certs=settings.validate_certs,
            timeout=settings.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as e:
        code = e.recipients[0].code if e.recipients else 550
        return _refused(code, "recipient refused", started)
    except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPHeloError) as e:
        # Our configuration or the server's state, not this message: worth retrying.
        return Outcome(e.code, f"SMTP {e.code} (login or greeting refused)", _since(started))
    except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as e:
        what = "sender refused" if isinstance(e, aiosmtplib.SMTPSenderRefused) else "data refused"
        return _refused(e.code, what, started)
    except aiosmtplib.SMTPTimeoutError:
        return Outcome(None, f"timed out after {settings.timeout:g} s", _since(started))
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError):
        return Outcome(None, "connection failed", _since(started))
    except aiosmtplib.SMTPException as e:
        # The server's text may quote the address: only the kind and code are kept.
        reply_code: int | None = getattr(e, "code", None)
        return Outcome(reply_code, f"SMTP error ({type(e).__name__})", _since(started))
    return Outcome(_reply_code(reply), None, _since(started))


def _refused(code: int, what: str, started: float) -> Outcome:
    return Outcome(code, f"SMTP {code} ({what})", _since(started), retryable=code < 500)


def _since(started: float) -> float:
    return time.perf_counter() - started


def _reply_code(reply: str) -> int:
    head = reply[:3]
    return int(head) if head.isdigit() else 250


def _domain(settings: SmtpSettings) -> str:
    if settings.message_id_domain:
        return settings.message_id_domain
    _, address = email.utils.parseaddr(settings.sender)
    return address.rpartition("@")[2] or "thidua.invalid"
