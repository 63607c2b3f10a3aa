-- Signed webhooks (issue 13): a submission may name a callback_url; when it
-- is final, the result is POSTed there, signed with the user's webhook secret.
--
-- The outbox: a webhook_deliveries row is written in the same statement that
-- makes the submission final (the worker's finish, give-back or sweep), so a
-- crash between the result and its delivery loses nothing. coderank-worker's
-- delivery process claims due rows with FOR UPDATE SKIP LOCKED, sends, and
-- records each attempt; a failed attempt is retried with backoff until
-- webhook_retry_hours after the row was made, then the row is failed.

-- The secret, sealed (AES-256-GCM under the configuration's webhook_key, the
-- user id as associated data); NULL: none yet. Signing needs the secret
-- itself, so it cannot be a hash.
ALTER TABLE users ADD COLUMN webhook_secret bytea;

ALTER TABLE code_submissions
    ADD COLUMN callback_url text CHECK (octet_length(callback_url) <= 2048),
    -- the URL's host as the API parsed it: the per-host concurrency cap's key
    ADD COLUMN callback_host text;

CREATE TABLE webhook_deliveries (
    delivery_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    submission_id   uuid NOT NULL UNIQUE REFERENCES code_submissions (submission_id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    url             text NOT NULL,
    host            text NOT NULL,
    status          varchar(12) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status     integer,        -- HTTP status of the last answer; NULL: none came
    last_error      text,           -- why the last attempt did not deliver
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
-- Claiming: due pending rows, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
-- The per-user cap on pending deliveries.
CREATE INDEX webhook_deliveries_user_pending ON webhook_deliveries (user_id)
    WHERE status = 'pending';
