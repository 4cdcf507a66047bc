"""One attempt of a claimed delivery: a signed webhook call to an address the SSRF policy
passed, or an email, in a span that continues the event's trace. Never raises for what the
receiver or the network does: the outcome says it."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from servicekit import outbox
from services.notify.adapters import webhook
from services.notify.adapters.email import send_email
from services.notify.adapters.targets import check_url
from services.notify.domain import delivery as dm
from services.notify.domain.ssrf import UnsafeUrl
from services.notify.jobs.job import Ended, Job
from services.notify.runtime import NotifyRuntime

log = logging.getLogger("notify.dispatcher")
tracer = trace.get_tracer("notify.dispatcher")


def timeout_s(rt: NotifyRuntime, channel: str) -> float:
    """One attempt's limit on the channel."""
    timeout = rt.policy.timeout_s
    if channel == "email" and rt.smtp is not None:
        timeout = max(timeout, rt.smtp.timeout)
    return timeout


async def attempt(
    job: Job, attempt_id: int, rt: NotifyRuntime, client: aiohttp.ClientSession
) -> Ended:
    """Send the delivery once, in its span; `attempt_id` is the attempt's row, begun."""
    parent = propagate.extract(job.trace)
    with tracer.start_as_current_span(
        f"deliver {job.channel}",
        context=parent,
        kind=SpanKind.CLIENT if job.channel == "webhook" else SpanKind.INTERNAL,
        attributes={
            "notify.delivery_id": str(job.id),
            "notify.channel": job.channel,
            "notify.subscription_id": str(job.subscription_id),
            "messaging.message.id": str(job.envelope.id),
            "cloudevents.event_type": job.envelope.type,
        },
    ) as span:
        if job.channel == "webhook":
            outcome = await _webhook(job, rt, client)
        else:
            outcome = await _email(job, rt)
        if outcome.status is not None:
            span.set_attribute("notify.status", outcome.status)
        if not outcome.ok:
            span.set_status(Status(StatusCode.ERROR, outcome.error))
        return Ended(job, attempt_id, outcome, outbox.current_trace_context())


async def _webhook(job: Job, rt: NotifyRuntime, client: aiohttp.ClientSession) -> dm.Outcome:
    sub = job.subscription
    if sub is None or sub["deleted_at"] is not None:
        return dm.Outcome(None, "the subscription was deleted", 0.0, retryable=False)
    started = time.perf_counter()
    try:
        target = await check_url(sub["url"], rt.targets, rt.resolver)
    except UnsafeUrl as e:
        # The message names hosts and addresses: it stays in the log.
        log.warning("dispatcher: subscription %s target refused: %s", sub["id"], e)
        if e.reason == "resolution":
            return dm.Outcome(None, "the target host does not resolve", _since(started))
        return dm.Outcome(
            None, "the target is not allowed (SSRF policy)", _since(started), retryable=False
        )
    secret = rt.secrets.open(sub["secret"], sub["id"])
    previous = None
    if sub["previous_secret"] is not None and sub["previous_secret_until"] > sub["now"]:
        previous = rt.secrets.open(sub["previous_secret"], sub["id"])
    # The receiver's span continues this one: pass our context on, not the producer's.
    carrier = outbox.current_trace_context() or job.envelope.trace
    envelope = replace(job.envelope, trace=carrier)
    request = webhook.build_request(envelope, secret, delivery_id=job.id)
    if previous is not None:
        t = request.headers[webhook.SIGNATURE_HEADER].split(",", 1)[0].removeprefix("t=")
        old = webhook.sign(previous, int(t), request.body).split(",", 1)[1]
        headers = dict(request.headers)
        headers[webhook.SIGNATURE_HEADER] += f",{old}"
        request = replace(request, headers=headers)
    connect_to = target.addresses[0] if rt.targets.production and target.addresses else None
    return await webhook.send(
        client, target.url, request, rt.policy.timeout_s, connect_to=connect_to
    )


async def _email(job: Job, rt: NotifyRuntime) -> dm.Outcome:
    smtp = rt.smtp
    if smtp is None:
        return dm.Outcome(None, "email is not configured", 0.0)
    if job.email is None:
        return dm.Outcome(
            None, "the recipient no longer has an email address", 0.0, retryable=False
        )
    assert job.subject is not None and job.text is not None and job.html is not None
    timeout = timeout_s(rt, "email")
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            return await send_email(
                smtp, job.email, job.subject, job.text, job.html, event_id=job.envelope.id
            )
    except TimeoutError:
        return dm.Outcome(None, f"timed out after {timeout:g} s", _since(started))


def _since(started: float) -> float:
    return time.perf_counter() - started
