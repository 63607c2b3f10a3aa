-- CodeRank schema: users, submissions (which are also the job queue), results,
-- rate-limit windows and the language table. Times are timestamptz (UTC on the wire).

CREATE TABLE users (
    user_id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username        varchar(50)  NOT NULL,
    email           varchar(255) NOT NULL,
    password_hash   varchar(255) NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    is_active       boolean      NOT NULL DEFAULT true,
    rate_limit_tier varchar(20)  NOT NULL DEFAULT 'basic'
);
-- Unique regardless of case (API.md); these also serve the look-ups.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Per tier: POST /execute calls per minute and unfinished submissions at once.
CREATE TABLE rate_limit_tiers (
    tier                varchar(20) PRIMARY KEY,
    requests_per_minute integer NOT NULL CHECK (requests_per_minute > 0),
    max_concurrent      integer NOT NULL CHECK (max_concurrent > 0)
);

CREATE TABLE language_configs (
    language_id       varchar(20) PRIMARY KEY,
    display_name      varchar(50)  NOT NULL,
    docker_image      varchar(255) NOT NULL,
    source_file       varchar(100) NOT NULL,      -- name the source is written to in /work
    compile_command   text,                        -- NULL for interpreted languages
    execute_command   text NOT NULL,
    timeout_seconds   integer NOT NULL DEFAULT 10  CHECK (timeout_seconds BETWEEN 1 AND 300),
    compile_timeout_seconds integer NOT NULL DEFAULT 30 CHECK (compile_timeout_seconds BETWEEN 1 AND 600),
    max_memory_mb     integer NOT NULL DEFAULT 256 CHECK (max_memory_mb BETWEEN 16 AND 65536),
    max_processes     integer NOT NULL DEFAULT 64  CHECK (max_processes BETWEEN 1 AND 4096),
    is_active         boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE code_submissions (
    submission_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    language               varchar(20) NOT NULL REFERENCES language_configs (language_id),
    source_code            text NOT NULL,
    input_data             bytea NOT NULL DEFAULT '',
    status                 varchar(24) NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'timeout',
                          'memory_limit_exceeded', 'output_limit_exceeded', 'internal_error')),
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    execution_started_at   timestamptz,
    execution_completed_at timestamptz,

    -- The queue: a claim bumps attempts and takes a lease; a result is written
    -- only by the holder of the current attempt (fencing).
    attempts               integer NOT NULL DEFAULT 0,
    lease_owner            text,
    lease_until            timestamptz,
    last_error             text,

    -- The limits as they were when the submission was accepted: a later change
    -- to language_configs does not alter a queued submission.
    docker_image            varchar(255) NOT NULL,
    source_file             varchar(100) NOT NULL,
    compile_command         text,
    execute_command         text NOT NULL,
    timeout_seconds         integer NOT NULL,
    compile_timeout_seconds integer NOT NULL,
    max_memory_mb           integer NOT NULL,
    max_processes           integer NOT NULL
);
CREATE INDEX code_submissions_user_recent ON code_submissions (user_id, submitted_at DESC);
-- Claiming: oldest queued first, only queued rows in the index.
CREATE INDEX code_submissions_queued ON code_submissions (submitted_at) WHERE status = 'queued';
-- The sweep: running rows whose lease expired.
CREATE INDEX code_submissions_running ON code_submissions (lease_until) WHERE status = 'running';
-- The concurrency limit: a user's unfinished submissions.
CREATE INDEX code_submissions_unfinished ON code_submissions (user_id)
    WHERE status IN ('queued', 'running');

CREATE TABLE execution_results (
    result_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    submission_id      uuid UNIQUE NOT NULL REFERENCES code_submissions (submission_id) ON DELETE CASCADE,
    stdout             bytea,      -- the program's bytes; made valid UTF-8 only when served
    stderr             bytea,
    stdout_truncated   boolean NOT NULL DEFAULT false,
    stderr_truncated   boolean NOT NULL DEFAULT false,
    compilation_error  bytea,
    runtime_error      text,
    execution_time_ms  integer,
    memory_used_kb     integer,
    exit_code          integer,
    exit_signal        integer,
    attempt            integer NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Fixed one-minute windows of POST /execute calls per user.
CREATE TABLE rate_limit_tracking (
    tracking_id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    request_count integer NOT NULL DEFAULT 0,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    UNIQUE (user_id, window_start)
);
CREATE INDEX rate_limit_tracking_window_end ON rate_limit_tracking (window_end);

-- Workers announce themselves; the metrics and the reaper read this.
CREATE TABLE workers (
    worker_id    text PRIMARY KEY,
    hostname     text NOT NULL,
    pid          integer NOT NULL,
    slots        integer NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
