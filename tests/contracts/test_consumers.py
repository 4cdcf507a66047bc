"""The AsyncAPI document's receive operations (from `schemas.consumers`) say what the platform's
services really consume, under the group they really use."""

from __future__ import annotations

import yaml

from schemas.consumers import subscriptions
from schemas.generate import GENERATED
from servicekit.settings import ServiceSettings
from services.awards.consumers.readmodel import HANDLERS as AWARDS_HANDLERS
from services.notify.config import NotifySettings
from services.progress.consumers import HANDLERS as PROGRESS_HANDLERS


def _declared(service: str, rebuild_only: bool | None = None) -> set[str]:
    return {
        s.topic
        for s in subscriptions()
        if s.service == service and (rebuild_only is None or s.rebuild_only == rebuild_only)
    }


def test_subscriptions_are_what_the_services_subscribe_to():
    progress = set(PROGRESS_HANDLERS)
    assert _declared("progress") == progress
    # a live progress does not read its own topics back (docs/decisions.md); a rebuild does
    assert _declared("progress", rebuild_only=True) == {t for t in progress if "progress." in t}
    assert _declared("awards") == set(AWARDS_HANDLERS)
    notify = NotifySettings(service="notify", database_url="postgresql://x@127.0.0.1/x")
    assert _declared("notify") == set(notify.consumed())
    assert _declared("registry") == set()


def test_groups_are_the_services_default_consumer_groups():
    for s in subscriptions():
        settings = ServiceSettings(service=s.service, database_url="postgresql://x@127.0.0.1/x")
        assert s.group == (settings.consumer_group or settings.service)


def test_asyncapi_has_a_receive_operation_per_subscription_and_servers():
    doc = yaml.safe_load((GENERATED / "asyncapi.yaml").read_text())
    receives = {
        (op["bindings"]["kafka"]["groupId"]["enum"][0], doc["channels"][op["channel"]["$ref"]
         .removeprefix("#/channels/")]["address"])
        for op in doc["operations"].values()
        if op["action"] == "receive"
    }  # fmt: skip
    assert receives == {(s.group, s.topic) for s in subscriptions()}
    assert {"local", "compose"} <= set(doc["servers"])
    for server in doc["servers"].values():
        assert server["protocol"] == "kafka" and "security" in server
