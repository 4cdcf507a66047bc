"""`Runtime`: what every progress handler shares (its settings and its clock), kept on
`app.state.progress`; and the one place that sends the events of a unit of work servicekit opened
through the service's topic map."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.unit_of_work import UnitOfWork
from services.progress.config import Clock, ProgressConfig


@dataclass
class Runtime:
    config: ProgressConfig
    clock: Clock

    def routed(self, uow: UnitOfWork) -> UnitOfWork:
        """An HTTP request's or a consumed batch's unit of work, its events sent to the topics
        `config.topic_map` names, as those of the units of work the service opens itself
        (`UnitOfWork(pool, source=..., topic_map=config.topic_map)`).

        servicekit opens those two without the service's map (`request_unit_of_work`, the
        consumer's batch), and a second unit of work joined to theirs would add a savepoint to
        every report; so the map is added to theirs here, until servicekit takes it."""
        if self.config.topic_map:
            uow._topic_map.update(self.config.topic_map)
        return uow
