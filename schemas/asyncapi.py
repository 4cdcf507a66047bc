"""The AsyncAPI 3.0 document of every topic: channels are the topics (and their .dlq siblings),
messages the event types with their CloudEvents headers, payloads the committed JSON Schemas."""

from __future__ import annotations

import inspect
import re
from typing import Any

from schemas import deadletter
from schemas.base import Event
from schemas.catalog import DLQ_CONFIG, TOPICS, Topic
from schemas.consumers import Subscription, subscriptions
from schemas.envelope import (
    CONTENT_TYPE,
    REQUIRED_HEADERS,
    headers_to_dict,
    source_for,
    to_message,
)
from schemas.events import ALL_EVENTS
from schemas.examples import EXAMPLE_TIME, EXAMPLE_TRACE, example, example_event_id
from schemas.json_schema import DIR, file_name

KAFKA_BINDING = "0.5.0"

DESCRIPTION = """\
Events of the thidua platform (thi đua – khen thưởng): units, people, blocs, campaigns and targets
(registry), progress and standings (progress), nominations and decisions (awards), notification
deliveries (notify).

Envelope: CloudEvents 1.0 in Kafka binary content mode. The message value is the JSON payload
alone; the attributes travel as `ce_*` headers, with `content-type` and the W3C trace context.
The key is the aggregate id (UTF-8) and equals `ce_subject`, so the events of one aggregate keep
their order. `ce_dataschema` is `urn:thidua:schema:<schema id>:rev:<revision>`, the `$id` of the
revision of the payload's JSON Schema it was written with; every service serves each revision at
`/schemas/<schema id>/rev/<revision>` (events written before revisions name
`urn:thidua:schema:<schema id>`: `/schemas/<schema id>`, the latest). Entity topics keep their
events forever: a consumer can rebuild its state from offset 0. Delivery is at least once:
consumers deduplicate on `ce_id`. docs/consumers.md tells how to consume.

Compatibility: within a topic's major version, fields may be added as optional and enumerations
widened, so consumers must tolerate fields and values they do not know yet (the published schemas
do: they allow additional properties). Anything else is a new major version, on a new topic. Each
topic has a `.dlq` sibling for what its consumers could not process.
"""

SERVERS = {
    "local": {
        "host": "127.0.0.1:19092",
        "protocol": "kafka",
        "protocolVersion": "4.0",
        "title": "Local platform (`./thidua up`)",
        "description": "PLAINTEXT listener bound to loopback: reachable from this machine only, "
        "without authentication. The test profile's broker is on 29092.",
        "security": [],
    },
    "compose": {
        "host": "kafka:9092",
        "protocol": "kafka",
        "protocolVersion": "4.0",
        "title": "Container deployment (docker-compose.yml)",
        "description": "PLAINTEXT listener reachable inside the deployment's network only, "
        "without authentication; nothing publishes it outside that network.",
        "security": [],
    },
}


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for t in TOPICS:
        cid = _channel_id(t.name)
        channels[cid] = _channel(t)
        operations[f"{cid}_publish"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"{t.owner} publishes to {t.name}.",
            "messages": [
                {"$ref": f"#/channels/{cid}/messages/{cls.event_name}"} for cls in t.events
            ],
        }
        channels[f"{cid}_dlq"] = _dlq_channel(t)
        operations[f"{cid}_dlq_park"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}_dlq"},
            "summary": f"Consumers of {t.name} park here what they could not process.",
            "messages": [{"$ref": f"#/channels/{cid}_dlq/messages/DeadLetter"}],
        }
    for sub in subscriptions():
        t = next(t for t in TOPICS if t.name == sub.topic)
        cid = _channel_id(t.name)
        operations[f"{sub.service}_receives_{cid}"] = _receive(sub, t, cid)
    messages = {cls.schema_id(): _message(cls) for cls in ALL_EVENTS}
    messages["DeadLetter"] = _dead_letter()
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "thidua events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": SERVERS,
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                "CloudEventsHeaders": _ce_headers(),
                "DeadLetterHeaders": _dlq_headers(),
            },
        },
    }


def _receive(sub: Subscription, t: Topic, cid: str) -> dict[str, Any]:
    when = " when rebuilding its read model" if sub.rebuild_only else ""
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{cid}"},
        "summary": f"{sub.service} consumes {t.name}{when}, group `{sub.group}`.",
        "description": f"{sub.why[0].upper()}{sub.why[1:]}. At least once, in partition order; "
        "deduplicated on `ce_id` in the consumer's inbox, offsets committed after the batch is "
        f"applied; what cannot be processed goes to `{t.dlq}`.",
        "messages": [{"$ref": f"#/channels/{cid}/messages/{cls.event_name}"} for cls in t.events],
        "bindings": {
            "kafka": {
                "groupId": {"type": "string", "enum": [sub.group]},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _channel_id(topic: str) -> str:
    return topic.replace(".", "_")  # channel ids may not contain dots


def _topic_configuration(config: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in config.items():
        out[name] = value.split(",") if name == "cleanup.policy" else int(value)
    return out


def _channel(t: Topic) -> dict[str, Any]:
    return {
        "address": t.name,
        "title": t.name,
        "description": f"{t.description}\n\nOwner: {t.owner}. Key: `{t.key}`.",
        "messages": {
            cls.event_name: {"$ref": f"#/components/messages/{cls.schema_id()}"} for cls in t.events
        },
        "bindings": {
            "kafka": {
                "partitions": t.partitions,
                "topicConfiguration": _topic_configuration(t.config),
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _dlq_channel(t: Topic) -> dict[str, Any]:
    return {
        "address": t.dlq,
        "title": t.dlq,
        "description": f"Dead letters of {t.name}: messages its consumers could not decode or "
        "kept failing on, unchanged, with headers naming their origin and the error.",
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        "bindings": {
            "kafka": {
                "partitions": 1,
                "topicConfiguration": _topic_configuration(DLQ_CONFIG),
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _message(cls: type[Event]) -> dict[str, Any]:
    doc = inspect.cleandoc(cls.__doc__ or cls.event_name)
    key = cls.key_field
    sample = example(cls)
    msg = to_message(
        sample,
        source=source_for(cls.owner),
        event_id=example_event_id(cls),
        time=EXAMPLE_TIME,
        trace=EXAMPLE_TRACE,
    )
    return {
        "name": cls.event_name,
        "title": cls.event_name,
        "summary": doc.split("\n\n")[0].replace("\n", " "),
        "description": f"{doc}\n\nCloudEvents type `{cls.ce_type()}`, keyed by `{key}`.",
        "contentType": CONTENT_TYPE,
        "headers": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEventsHeaders"},
                {
                    "type": "object",
                    "properties": {
                        "ce_type": {"type": "string", "const": cls.ce_type()},
                        "ce_dataschema": {
                            "type": "string",
                            # any revision of the major: older events name older revisions
                            "pattern": f"^{re.escape(cls.major_dataschema())}"
                            "(:rev:[0-9a-f]{12})?$",
                            "description": f"Now `{cls.dataschema()}`.",
                        },
                        "ce_subject": {"type": "string", "description": f"The {key}."},
                    },
                },
            ]
        },
        "payload": {"$ref": f"./{DIR}/{file_name(cls)}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "format": "uuid", "description": f"The {key}."},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "examples": [
            {
                "name": f"{cls.event_name}Example",
                "headers": headers_to_dict(msg.headers),
                "payload": sample.model_dump(mode="json"),
            }
        ],
    }


def _ce_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(REQUIRED_HEADERS),
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique id of the event; consumers deduplicate on it.",
            },
            "ce_source": {
                "type": "string",
                "description": "The publishing service, `/thidua/<service>`.",
            },
            "ce_type": {
                "type": "string",
                "description": "`vn.thidua.<service>.<EventName>.v<major>`.",
            },
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "When it happened, RFC 3339 in UTC.",
            },
            "ce_subject": {
                "type": "string",
                "description": "The aggregate id; equal to the message key.",
            },
            "ce_dataschema": {
                "type": "string",
                "format": "uri",
                "description": "`urn:thidua:schema:<schema id>:rev:<revision>`, the `$id` of "
                "the payload schema's revision; served at `/schemas/<schema id>/rev/<revision>` "
                "by every service.",
            },
            "content-type": {
                "type": "string",
                "description": f"`{CONTENT_TYPE}` (any JSON media type is accepted).",
            },
            "traceparent": {"type": "string", "description": "W3C trace context."},
            "tracestate": {"type": "string", "description": "W3C trace context."},
        },
    }


def _dlq_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The original message's headers, plus these.",
        "required": list(deadletter.HEADERS),
        "properties": {
            name: {"type": "string", "description": text}
            for name, text in deadletter.HEADERS.items()
        },
    }


def _dead_letter() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A message a consumer could not process, parked with its origin and error.",
        "description": "Key, value and headers are the original message's, byte for byte; the "
        "value need not be valid JSON, it may be what failed to decode.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original value, unchanged."},
    }
