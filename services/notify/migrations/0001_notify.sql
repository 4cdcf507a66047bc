-- Notify's own tables. The runtime's (outbox, inbox, audit_log, idempotency_keys) come first.

-- Read model of the other services, fed by their events (services/notify/directory_store.py):
-- what the domain's `Directory` needs to route and word later events.
CREATE TABLE directory_names (
    id   uuid PRIMARY KEY,         -- a unit, person, campaign or target
    name text NOT NULL
);

CREATE TABLE directory_person_units (
    person_id  uuid NOT NULL,
    valid_from date NOT NULL,
    unit_id    uuid NOT NULL,
    PRIMARY KEY (person_id, valid_from)
);

CREATE TABLE directory_nominations (
    nomination_id    uuid PRIMARY KEY,
    nominee_kind     text NOT NULL,
    nominee_id       uuid NOT NULL,
    proposer_unit_id uuid NOT NULL,
    award_code       text NOT NULL,
    campaign_id      uuid
);

-- Email addresses of people and units, set by themselves (or a province administrator) through
-- the API: the registry's events carry no addresses (minimal personal data).
CREATE TABLE contacts (
    id         uuid PRIMARY KEY,   -- the "subscription id" of the email deliveries it receives
    owner_kind text NOT NULL CHECK (owner_kind IN ('person', 'unit')),
    owner_id   uuid NOT NULL,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_kind, owner_id)
);

-- The in-app inbox of people, units and integration clients (clients get notices about their
-- subscriptions, e.g. a suspension). An event reaches one recipient's inbox once.
CREATE TABLE inbox_items (
    seq            bigserial PRIMARY KEY,   -- newest first, and the pagination cursor
    id             uuid NOT NULL UNIQUE,
    recipient_kind text NOT NULL CHECK (recipient_kind IN ('person', 'unit', 'client')),
    recipient_id   text NOT NULL,           -- a person or unit id, or a client id
    event_id       uuid,                    -- none for notify's own notices
    event_type     text NOT NULL,
    why            text,
    title          text NOT NULL,
    body           text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    read_at        timestamptz
);
CREATE UNIQUE INDEX inbox_items_once ON inbox_items (recipient_kind, recipient_id, event_id)
    WHERE event_id IS NOT NULL;
CREATE INDEX inbox_items_list ON inbox_items (recipient_kind, recipient_id, seq DESC);
CREATE INDEX inbox_items_unread ON inbox_items (recipient_kind, recipient_id)
    WHERE read_at IS NULL;

-- Webhook subscriptions of integration clients. The secret is encrypted (services/notify/
-- secrets.py) and never returned after it was shown once.
CREATE TABLE webhook_subscriptions (
    id                    uuid PRIMARY KEY,
    client_id             text NOT NULL,
    url                   text NOT NULL,
    filter                jsonb NOT NULL DEFAULT '{}',
    description           text,
    secret                bytea NOT NULL,
    previous_secret       bytea,            -- still signed with, until previous_secret_until
    previous_secret_until timestamptz,
    secret_rotated_at     timestamptz,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    suspended_at          timestamptz,
    suspended_reason      text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz
);
CREATE INDEX webhook_subscriptions_client ON webhook_subscriptions (client_id, created_at);

-- The events that something is delivered about, as received (webhooks send them on).
CREATE TABLE notify_events (
    event_id    uuid PRIMARY KEY,
    type        text NOT NULL,
    source      text NOT NULL,
    subject     text NOT NULL,
    time        timestamptz NOT NULL,
    dataschema  text NOT NULL,
    payload     text NOT NULL,              -- the event's JSON
    received_at timestamptz NOT NULL DEFAULT now()
);

-- One notification (email or webhook call) of one event to one subscription. The unique key is
-- what makes a redelivered Kafka message a no-op here. States: services/notify/domain/delivery.py.
CREATE TABLE deliveries (
    seq             bigserial PRIMARY KEY,
    id              uuid NOT NULL UNIQUE,
    event_id        uuid NOT NULL REFERENCES notify_events (event_id),
    event_type      text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
    subscription_id uuid NOT NULL,          -- webhook_subscriptions.id or contacts.id
    recipient_kind  text,                   -- email: the person or unit written to
    recipient_id    uuid,
    why             text,
    subject         text,                   -- email: rendered when the event arrived
    text_body       text,
    html_body       text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'parked')),
    next_attempt_at timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    round_attempts  integer NOT NULL DEFAULT 0,
    last_status     integer,
    last_error      text,
    claim           uuid,                   -- the dispatcher attempt holding it, until
    claimed_until   timestamptz,            -- this time (a lease: a dead dispatcher's expires)
    trace           jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    parked_at       timestamptz,
    UNIQUE (event_id, channel, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_claimed ON deliveries (subscription_id)
    WHERE status = 'pending' AND claimed_until IS NOT NULL;
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, seq DESC);
CREATE INDEX deliveries_parked ON deliveries (seq) WHERE status = 'parked';

-- Every attempt, as it ended.
CREATE TABLE delivery_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES deliveries (id),
    number      integer NOT NULL,           -- the delivery's attempt count after this one
    started_at  timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    status      integer,                    -- HTTP status or SMTP reply code
    error       text,                       -- none when it succeeded
    result      text NOT NULL CHECK (result IN ('delivered', 'retry', 'parked', 'late'))
    -- 'late': recorded after the delivery had left this attempt's hands (its lease expired)
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- Wake the dispatchers (LISTEN notify_deliveries) when deliveries are committed; redelivery and
-- resumption notify explicitly.
CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('notify_deliveries', '');
    RETURN NULL;
END $$;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
