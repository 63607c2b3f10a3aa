-- The per-account login limit (POST /auth/login; fcgi/h_auth.c has the rules).
--
-- One row per email that was tried, known or not, so that the answer (401 or
-- 429) never tells whether an account exists. The key is sha256(lower(email)):
-- a login body's email is not length-checked, and what people type there is
-- sometimes their password, which must not be kept in clear. Every attempt is
-- counted before the password is checked (so parallel guesses cannot slip past
-- the limit); a success gives its own attempt back and resets nothing else.
-- A row is a fixed window: the first attempt after window_end starts a new one.
-- Kept in PostgreSQL so the limit holds across API processes and hosts; expired
-- rows are deleted by the API from time to time.
CREATE TABLE login_attempts (
    email_key  bytea PRIMARY KEY CHECK (length(email_key) = 32),
    attempts   integer NOT NULL CHECK (attempts >= 0),
    window_end timestamptz NOT NULL
);
CREATE INDEX login_attempts_window_end ON login_attempts (window_end);
