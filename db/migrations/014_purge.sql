-- Purging old submissions (issue 15): coderank-admin purge and the worker's
-- retention (retention_days) delete final submissions older than a cutoff, a
-- batch at a time, oldest first (common/purge.c). This index finds them
-- without reading the rest of the table: a batch reads about what it deletes,
-- and an hourly run that finds nothing is one probe. Partial: a row enters it
-- once, when it becomes final, so claims and lease renewals do not write it.
-- (Built inside the migration's transaction: on a large table, writes to
-- code_submissions wait for the build.)
CREATE INDEX code_submissions_purge ON code_submissions (submitted_at)
    WHERE status NOT IN ('queued', 'running');
