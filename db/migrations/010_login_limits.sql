-- Login limits that cannot lock an account's owner out (issue 10; the rules are
-- in fcgi/h_auth.c). They replace 004's one counter per email, which refused
-- even the right password for as long as anyone kept guessing.
--
-- Three counters of failed logins, each in a fixed window (login_window_seconds)
-- that starts with its first attempt:
--   address  one client address (REMOTE_ADDR; an IPv6 one as its /64), any email
--   pair     one email from one client address
--   email    one email from any address: past its ceiling logins are only slowed
--            (each pair may try once per login_slow_seconds), never refused
-- key is sha256 of the address, of lower(email), and of the two hashes
-- concatenated: a login body's email is not length-checked, and what people type
-- there is sometimes their password, which must not be kept in clear. An email
-- is counted whether an account has it or not, so a 429 says nothing about
-- accounts. An attempt is counted before its password is checked (so parallel
-- guesses cannot slip past a limit) and given back when it succeeds; a refused
-- attempt is not counted. last_at is the last attempt that was checked (a new
-- row: when it was first seen); it spaces a pair's attempts while its email is
-- slowed. Kept in PostgreSQL so the limits hold across API processes and hosts;
-- expired rows are deleted by the API from time to time.
CREATE TABLE login_limits (
    scope      text NOT NULL CHECK (scope IN ('address', 'pair', 'email')),
    key        bytea NOT NULL CHECK (length(key) = 32),
    failures   integer NOT NULL CHECK (failures >= 0),
    window_end timestamptz NOT NULL,
    last_at    timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX login_limits_window_end ON login_limits (window_end);

-- Nothing reads 004's counters any more. An API older than this migration
-- answers logins with 500 once it has run: restart the API right after it.
DROP TABLE login_attempts;
