-- The dispatcher's claim as one statement (services/notify/store/claims.py): the advisory lock
-- that serialises claims, then the claim itself. A PL/pgSQL function takes a fresh snapshot for
-- each of its statements, so the claim sees every claim committed before the lock was granted,
-- as the two statements of a transaction did; the lock is held to the end of the calling
-- statement's transaction. $1 channel, $2 batch per subscriber, $3 room, $4 the new claim,
-- $5 its lease (s), $6 this dispatcher's live claims, $7 the lock's key.
CREATE FUNCTION notify_claim(text, integer, integer, uuid, float8, uuid[], bigint)
RETURNS TABLE (
    id uuid, event_id uuid, channel text, subscription_id uuid, mail_subject text,
    text_body text, html_body text, trace jsonb, attempts integer, type text, source text,
    subject text, "time" timestamptz, dataschema text, payload text, s_id uuid, url text,
    secret bytea, previous_secret bytea, previous_secret_until timestamptz,
    deleted_at timestamptz, now timestamptz, email text
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM pg_advisory_xact_lock($7);
    RETURN QUERY
WITH live AS (
    SELECT subscription_id,
           count(*) FILTER (WHERE claim = ANY($6::uuid[])) AS mine,
           count(*) FILTER (WHERE claim <> ALL($6::uuid[]) AND claimed_until > now()) AS others
    FROM deliveries
    WHERE status = 'pending' AND claimed_until IS NOT NULL
      AND (claimed_until > now() OR claim = ANY($6::uuid[]))
    GROUP BY subscription_id
), ranked AS (
    SELECT d.id, d.subscription_id, d.next_attempt_at,
           row_number() OVER (PARTITION BY d.subscription_id
                              ORDER BY d.next_attempt_at, d.seq) AS rn
    FROM deliveries d
    LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.channel = $1
      AND d.next_attempt_at <= now()
      AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
      AND s.suspended_at IS NULL
), eligible AS (
    SELECT r.id FROM ranked r LEFT JOIN live l USING (subscription_id)
    WHERE coalesce(l.others, 0) = 0 AND r.rn <= $2 - coalesce(l.mine, 0)
    ORDER BY r.rn, r.next_attempt_at
    LIMIT $3
), locked AS (
    SELECT d.id FROM deliveries d
    WHERE d.id IN (SELECT id FROM eligible)
      AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE deliveries d SET claim = $4, claimed_until = now() + make_interval(secs => $5)
    FROM locked WHERE d.id = locked.id
    RETURNING d.id, d.event_id, d.channel, d.subscription_id, d.subject AS mail_subject,
              d.text_body, d.html_body, d.trace, d.attempts
)
SELECT c.*, e.type, e.source, e.subject, e.time, e.dataschema, e.payload,
       s.id AS s_id, s.url, s.secret, s.previous_secret, s.previous_secret_until,
       s.deleted_at, now() AS now, ct.email
FROM claimed c
JOIN notify_events e ON e.event_id = c.event_id
LEFT JOIN webhook_subscriptions s ON c.channel = 'webhook' AND s.id = c.subscription_id
LEFT JOIN contacts ct ON c.channel = 'email' AND ct.id = c.subscription_id;
END $$;
