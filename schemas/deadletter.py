"""What a `.dlq` topic carries: the failed record's key, value and headers unchanged, plus these
headers saying where it came from and why it failed (written by `servicekit.dlq`; the names here
must stay equal to its own). All values are UTF-8 text.
"""

from __future__ import annotations

HEADERS: dict[str, str] = {
    "dlq_origin_topic": "The topic the record was read from.",
    "dlq_origin_partition": "Its partition (decimal).",
    "dlq_origin_offset": "Its offset (decimal).",
    "dlq_origin_timestamp": "Its Kafka timestamp, milliseconds since the epoch (decimal).",
    "dlq_error": '"<ExceptionType>: <message>", at most 4,000 characters.',
    "dlq_attempts": "How many times processing was attempted (1 for a record that did not decode).",
    "dlq_consumer": "The consumer that gave up on it.",
    "dlq_failed_at": "When it was dead-lettered, RFC 3339 UTC.",
}
