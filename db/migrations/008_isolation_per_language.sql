-- How a language's runs are isolated (issue 9; docs/SECURITY.md):
--   'sandbox'    many runs, one after another, in one long-lived hardened
--                container per worker slot; each run gets a fresh uid and
--                empty writable places, and nothing of it may be left.
--   'container'  a fresh container for every run.
-- NULL: the worker's isolation setting (coderank.conf; default 'sandbox').
-- The worker reads it when it claims a submission, so a change applies to the
-- next run; the sandbox containers kept for that language then retire.
ALTER TABLE language_configs
    ADD COLUMN isolation varchar(16) CHECK (isolation IN ('sandbox', 'container'));
