-- Per-request limits (issue 12): a submission may ask for a lower time limit
-- (time_limit_ms) and memory limit (memory_limit_mb) than its language's. Both
-- columns hold what the request asked for, NULL when it asked for none (and for
-- rows from before this migration). The limits a run gets: time_limit_ms, else
-- timeout_seconds * 1000; max_memory_mb as before, which is the request's
-- memory_limit_mb when it asked for one.
ALTER TABLE code_submissions
    ADD COLUMN time_limit_ms integer CHECK (time_limit_ms > 0),
    ADD COLUMN memory_limit_mb integer CHECK (memory_limit_mb > 0);
