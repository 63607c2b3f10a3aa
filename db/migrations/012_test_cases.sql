-- Test cases, output comparison and multi-file programs (issue 12).
--
-- A submission with test cases is compiled once and run once per case, each
-- run in a clean sandbox. Its cases are kept in submission_test_cases, its
-- extra files in submission_files (both written with the submission, in the
-- same statement), and each case's result in test_results, written by the
-- worker in the same fenced statement as the submission's execution_results
-- row: a run that lost its lease leaves neither, a retried run replaces both.

ALTER TABLE code_submissions
    -- NULL: no test cases (a plain run of input_data)
    ADD COLUMN tests_total integer CHECK (tests_total BETWEEN 1 AND 64),
    ADD COLUMN compare_mode varchar(8) NOT NULL DEFAULT 'lines'
        CHECK (compare_mode IN ('exact', 'lines', 'tokens', 'float')),
    ADD COLUMN compare_epsilon double precision NOT NULL DEFAULT 1e-6
        CHECK (compare_epsilon >= 0 AND compare_epsilon < 'Infinity'),
    ADD COLUMN stop_on_first_failure boolean NOT NULL DEFAULT false,
    ADD COLUMN files_total integer NOT NULL DEFAULT 0 CHECK (files_total BETWEEN 0 AND 32);

CREATE TABLE submission_test_cases (
    submission_id   uuid NOT NULL REFERENCES code_submissions (submission_id) ON DELETE CASCADE,
    case_index      integer NOT NULL CHECK (case_index BETWEEN 0 AND 63),
    name            text,
    input_data      bytea NOT NULL DEFAULT '',
    expected_output bytea,          -- NULL: no comparison, only the status counts
    PRIMARY KEY (submission_id, case_index)
);

-- Files beside the entry file (code_submissions.source_code); names are
-- checked by the API and again by the runner (common/filename.h).
CREATE TABLE submission_files (
    submission_id uuid NOT NULL REFERENCES code_submissions (submission_id) ON DELETE CASCADE,
    file_index    integer NOT NULL CHECK (file_index BETWEEN 0 AND 31),
    name          varchar(255) NOT NULL,
    content       text NOT NULL,
    PRIMARY KEY (submission_id, file_index),
    UNIQUE (submission_id, name)
);

CREATE TABLE test_results (
    submission_id     uuid NOT NULL REFERENCES code_submissions (submission_id) ON DELETE CASCADE,
    case_index        integer NOT NULL,
    -- a submission status; NULL for a case that did not run (skipped)
    status            varchar(24),
    verdict           varchar(24) NOT NULL
        CHECK (verdict IN ('accepted', 'wrong_answer', 'time_limit_exceeded',
                           'memory_limit_exceeded', 'output_limit_exceeded',
                           'runtime_error', 'compilation_error', 'skipped')),
    stdout            bytea,
    stderr            bytea,
    stdout_truncated  boolean NOT NULL DEFAULT false,
    stderr_truncated  boolean NOT NULL DEFAULT false,
    runtime_error     text,
    execution_time_ms integer,
    memory_used_kb    integer,
    exit_code         integer,
    exit_signal       integer,
    attempt           integer NOT NULL,
    PRIMARY KEY (submission_id, case_index)
);

-- The summary of a submission with test cases; NULL without.
ALTER TABLE execution_results
    ADD COLUMN tests_passed integer,
    ADD COLUMN verdict varchar(24);

-- Compile commands see every file of a multi-file program, in a stable
-- order. Names are [A-Za-z0-9._+-/] only (common/filename.h), so the shell's
-- word splitting of find's output is exact. Only rows still carrying the
-- previous commands are changed.
UPDATE language_configs
   SET compile_command = 'g++ -std=c++17 -O2 -pipe -fuse-ld=gold -o main $(find . -name ''*.cpp'' | sort)'
 WHERE language_id = 'cpp'
   AND compile_command = 'g++ -std=c++17 -O2 -pipe -fuse-ld=gold -o main main.cpp';
UPDATE language_configs
   SET compile_command = 'gcc -std=c11 -O2 -pipe -fuse-ld=gold -o main $(find . -name ''*.c'' | sort) -lm'
 WHERE language_id = 'c'
   AND compile_command = 'gcc -std=c11 -O2 -pipe -fuse-ld=gold -o main main.c -lm';
UPDATE language_configs
   SET compile_command = 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa '
                         '-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC '
                         '-XX:-UsePerfData -Xss4m com.sun.tools.javac.Main -proc:none '
                         '$(find . -name ''*.java'' | sort)'
 WHERE language_id = 'java'
   AND compile_command = 'java -XX:SharedArchiveFile=/usr/lib/jvm/coderank-javac.jsa '
                         '-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC '
                         '-XX:-UsePerfData -Xss4m com.sun.tools.javac.Main -proc:none Main.java';
