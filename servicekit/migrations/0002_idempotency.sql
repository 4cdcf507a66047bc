-- The first answer to a POST sent with an Idempotency-Key (servicekit.idempotency), replayed to
-- retries of that key by the same caller until it expires (THIDUA_IDEMPOTENCY_TTL_SECONDS).
-- A row is written in the same transaction as the handler's effects, so it exists exactly when
-- they do. Requests still running hold a transaction-scoped advisory lock instead of a row, so a
-- crashed request leaves nothing behind that would block its retry.
CREATE TABLE idempotency_keys (
    key              text        NOT NULL,
    principal        text        NOT NULL,   -- the token's subject
    method           text        NOT NULL,
    path             text        NOT NULL,   -- with the query string, if any
    request_hash     text        NOT NULL,   -- sha256 of the body, hex
    status           integer     NOT NULL,
    response_body    bytea       NOT NULL,
    response_headers jsonb       NOT NULL DEFAULT '[]',  -- [[name, value], ...]
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, principal)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
