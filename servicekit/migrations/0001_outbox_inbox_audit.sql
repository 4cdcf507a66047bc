-- The runtime's own tables, created before each service's own migrations.

-- Outbox, shaped like Debezium's outbox event router so change-data capture can replace the relay.
-- Rows are written in the same transaction as the state they describe (servicekit.unit_of_work)
-- and deleted by the relay (servicekit.relay) only after the broker acknowledged them.
-- `seq` is the relay's publishing order. The unit of work inserts its rows at commit time, after
-- taking a transaction-scoped advisory lock per (topic, key) it publishes to, so for one key `seq`
-- order is commit order even when transactions interleave.
-- `payload` is `json`, not `jsonb`: json keeps the text exactly as the service serialised it, so
-- the relay publishes the very bytes the envelope produced (jsonb would reorder keys).
CREATE TABLE outbox (
    seq           bigserial PRIMARY KEY,
    id            uuid        NOT NULL UNIQUE,      -- the event id (ce_id)
    aggregatetype text        NOT NULL,             -- the topic it goes to
    aggregateid   text        NOT NULL,             -- the message key
    type          text        NOT NULL,             -- the CloudEvents type
    payload       json        NOT NULL,             -- the message value, byte for byte
    headers       jsonb       NOT NULL DEFAULT '{}',-- ce_* headers and the trace context
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Wake the relay (LISTEN outbox) as soon as a transaction that wrote to the outbox commits.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbox: one row per consumed event id and consumer, written in the transaction of the event's
-- effects (servicekit.inbox). The primary key is what makes a redelivered event a no-op.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    topic        text        NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Who did what, when, and how it ended: every write and every refused access.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text        NOT NULL,   -- the token's subject, or 'anonymous'
    roles      text[]      NOT NULL DEFAULT '{}',
    action     text        NOT NULL,   -- e.g. 'POST /units'
    object     text,                   -- the object acted on, when known
    outcome    text        NOT NULL,   -- 'ok', 'refused', 'invalid', 'error'
    status     integer,
    trace_id   text
);
CREATE INDEX audit_log_at ON audit_log (at);
