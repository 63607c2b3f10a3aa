-- The pool's size per language (issue 5): how many pre-started containers the
-- worker keeps ready for this language at least. NULL: the worker's pool_size
-- (coderank.conf). 0: none while idle; like every language it still grows on
-- demand up to pool_max and shrinks back when idle. The worker reads it at its
-- next sweep (sweep_interval_seconds). A pool_size of 0 in coderank.conf turns
-- the pool off for every language, whatever the rows say.
-- At most 10: a unix datagram queue holds 10 messages (worker/pool.c).
ALTER TABLE language_configs
    ADD COLUMN pool_size integer CHECK (pool_size BETWEEN 0 AND 10);
