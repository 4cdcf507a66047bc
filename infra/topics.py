"""Create the catalog's topics (and their `.dlq` siblings) explicitly; auto-creation is off."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas.catalog import DLQ_CONFIG, TOPICS


def wanted() -> list[NewTopic]:
    topics = []
    for t in TOPICS:
        topics.append(NewTopic(t.name, t.partitions, 1, topic_configs=dict(t.config)))
        topics.append(NewTopic(t.dlq, 1, 1, topic_configs=dict(DLQ_CONFIG)))
    return topics


async def ensure(bootstrap: str) -> list[str]:
    """Create the topics that do not exist yet. Returns the names created now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted() if t.name not in existing]
        if missing:
            response = await admin.create_topics(missing)
            errors = [
                (name, code, msg) for name, code, msg in _errors(response) if code not in (0, 36)
            ]
            if errors:  # 36 = TOPIC_ALREADY_EXISTS (a concurrent creator won the race)
                raise RuntimeError(f"could not create topics: {errors}")
        return [t.name for t in missing]
    finally:
        await admin.close()


def _errors(response) -> list[tuple[str, int, str]]:
    out = []
    for item in response.topic_errors:
        name, code, *rest = item
        out.append((name, code, rest[0] if rest else ""))
    return out


if __name__ == "__main__":  # used by the compose file's one-shot `topics` service
    import asyncio
    import os

    created = asyncio.run(ensure(os.environ.get("THIDUA_KAFKA_BOOTSTRAP", "127.0.0.1:19092")))
    print(f"created {len(created)} topics: {', '.join(created) or '-'}")
