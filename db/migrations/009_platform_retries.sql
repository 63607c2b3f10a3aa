-- Platform failures do not count against the program (issue 10).
--
-- attempts stays what it was: the number of claims, and the fence of every
-- write of a claim (renew, finish, give-back). What ends a submission
-- internal_error is now one of two separate counts:
--   give_backs         claims the worker returned itself: on shutdown (the
--                      program is not to blame, no limit) or after a platform
--                      failure (dockerd down or stalled, a silent or crashed
--                      runner, a slot that died), which also counts in
--   platform_failures  capped by the worker's max_platform_failures, each
--                      followed by a back-off: not_before, before which no
--                      worker claims the submission again;
--   attempts - give_backs   claims that ended with neither a result nor a
--                      give-back (the worker vanished, its lease expired),
--                      capped by max_attempts.
ALTER TABLE code_submissions
    ADD COLUMN give_backs integer NOT NULL DEFAULT 0,
    ADD COLUMN platform_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN not_before timestamptz;
