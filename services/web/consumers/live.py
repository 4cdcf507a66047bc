"""Live pages: progress's events on Kafka nudge the open dashboards of their campaign.

The web application reads `progress.reports.v1` (reports, achievements, overdue targets) with a
consumer of its own: no consumer group (every instance sees every event, nothing committed) and
from the end (only what happens while it runs matters). An event says which campaign moved; each
open dashboard of that campaign is nudged and fetches the dashboard again from progress with
its own viewer's token, so what a page shows is always what that person may read (the event
itself is never shown). Nudges coalesce: a burst of reports costs one fetch per page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from schemas.envelope import InvalidMessage, from_message

log = logging.getLogger("services.web.consumers.live")


class Hub:
    """The open pages per campaign, each an asyncio.Event its stream waits on."""

    def __init__(self) -> None:
        self._pages: dict[str, set[asyncio.Event]] = defaultdict(set)
        self.closed = False

    @contextlib.contextmanager
    def watch(self, *keys: str):
        """One nudge for a page, set when any of its keys moves (a campaign's id, or
        `unit:<id>` for a unit's events: a bloc's page watches its members)."""
        nudge = asyncio.Event()
        for key in keys:
            self._pages[key].add(nudge)
        try:
            yield nudge
        finally:
            for key in keys:
                self._pages[key].discard(nudge)
                if not self._pages[key]:
                    del self._pages[key]

    def moved(self, campaign_id: str) -> None:
        for nudge in self._pages.get(campaign_id, ()):
            nudge.set()

    def close(self) -> None:
        """Every stream ends (the service is stopping); the browsers reconnect later."""
        self.closed = True
        for pages in self._pages.values():
            for nudge in pages:
                nudge.set()

    def close_on_stop(self) -> None:
        """Close when the process is asked to stop (SIGTERM, SIGINT), before the server waits
        for open responses to end: an event stream never ends by itself, so without this every
        open dashboard held the stop until the server's graceful timeout (10 s measured, ending
        in a cancelled task). Chains the server's own handler; main thread only."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(number: int, frame: Any, previous: Callable = previous) -> None:
                loop.call_soon_threadsafe(self.close)
                previous(number, frame)

            signal.signal(sig, handler)


class Feed:
    """Reads the topic from its end into the hub, until stopped."""

    def __init__(self, bootstrap: str, topic: str, hub: Hub) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.hub = hub
        self.assigned = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="web-live-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:  # the broker may be down at start or go away: try again
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
            )
            try:
                await consumer.start()
                # no group: every partition is assigned to this consumer, from the end
                consumer.subscribe([self.topic])
                while not consumer.assignment():  # noqa: ASYNC110 (aiokafka has no event for it)
                    await asyncio.sleep(0.1)
                tps = sorted(consumer.assignment())
                for tp in tps:  # resolve the end offsets now, not at the first fetch
                    await consumer.position(tp)
                self.assigned.set()
                log.info("live feed reading %s (%d partitions)", self.topic, len(tps))
                while True:
                    batches = await consumer.getmany(timeout_ms=1000)
                    for records in batches.values():
                        for record in records:
                            self._nudge(record)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.assigned.clear()
                log.exception("live feed stopped; retrying in 5 s")
                await asyncio.sleep(5)
            finally:
                await consumer.stop()

    def _nudge(self, record) -> None:
        try:
            event = from_message(record.value, record.headers).data
        except InvalidMessage:
            return  # not ours to judge: the services' consumers dead-letter it
        campaign_id = getattr(event, "campaign_id", None)
        if campaign_id is not None:
            self.hub.moved(str(campaign_id))
        unit_id = getattr(event, "unit_id", None)
        if unit_id is not None:
            self.hub.moved(f"unit:{unit_id}")
