"""
The result contract of API.md (issue 10, item 5): in every final status `stdout`
and `stderr` are strings ("" when the program never ran or wrote nothing), in
GET /execute/{id} and in the 200 of POST /execute?wait=true; while `queued` or
`running` every result field is null. Runs programs with the real worker
(one per final status it can reach) and makes the others, and the states no
program can be held in, with rows written straight into the database.
Fixtures: conftest.py.
"""

import os
import time

import psycopg2
import pytest

from conftest import FINAL, RESULT_FIELDS, RESULT_KEYS as KEYS
QUICK = "ct_quick"


@pytest.fixture(scope="module")
def user(stack):
    if not stack.has_worker:
        pytest.fail("coderank-worker is not built in %s" % os.path.dirname(stack.worker_bin))
    return stack.new_user(tier="pro")


@pytest.fixture(scope="module")
def quick(stack):
    """python with a 2 s time limit, so that a time-out costs little."""
    stack.db("INSERT INTO language_configs (language_id, display_name, docker_image,"
             " source_file, compile_command, execute_command, timeout_seconds,"
             " compile_timeout_seconds, max_memory_mb, max_processes)"
             " SELECT %s, 'Python, 2 s', docker_image, source_file, compile_command,"
             " execute_command, 2, compile_timeout_seconds, max_memory_mb, max_processes"
             " FROM language_configs WHERE language_id = 'python'"
             " ON CONFLICT (language_id) DO UPDATE SET is_active = true", (QUICK,))
    yield QUICK
    stack.db("UPDATE language_configs SET is_active = false WHERE language_id = %s", (QUICK,))


def run(stack, user, language, source, wait=False):
    """Submit and read the final result: GET's answer, or ?wait=true's 200."""
    r = stack.http("POST", "/api/v1/execute" + ("?wait=true" if wait else ""), token=user.token,
                   json={"language": language, "source_code": source}, timeout=120)
    assert r.status in (200, 202), r
    if r.status == 200:
        return r.json
    return stack.wait_final(user.token, r.json["submission_id"], timeout=90)


def get(stack, user, sid):
    r = stack.http("GET", "/api/v1/execute/" + sid, token=user.token)
    assert r.status == 200, r
    return r.json


def assert_final(res, status):
    assert res["status"] == status, res
    assert set(res) == KEYS, res
    for name in ("stdout", "stderr", "completed_at"):
        assert isinstance(res[name], str), (name, res)


def assert_pending(res, status):
    assert res["status"] == status, res
    assert set(res) == KEYS, res
    assert all(res[name] is None for name in RESULT_FIELDS), res
    assert isinstance(res["submitted_at"], str), res


def insert_submission(stack, user, status, **columns):
    """A python submission row with the given status, no result row; its id."""
    sets = "".join(", %s = %%(%s)s" % (k, k) for k in columns)
    sid, = stack.db(
        "INSERT INTO code_submissions (user_id, language, source_code, status, docker_image,"
        " source_file, compile_command, execute_command, timeout_seconds,"
        " compile_timeout_seconds, max_memory_mb, max_processes)"
        " SELECT %(user)s, language_id, 'print(1)', %(status)s, docker_image, source_file,"
        " compile_command, execute_command, timeout_seconds, compile_timeout_seconds,"
        " max_memory_mb, max_processes FROM language_configs WHERE language_id = 'python'"
        " RETURNING submission_id::text", dict(user=user.user_id, status=status))[0]
    if columns:
        stack.db("UPDATE code_submissions SET submitted_at = submitted_at" + sets
                 + " WHERE submission_id = %(sid)s", dict(columns, sid=sid))
    return sid


# --- final statuses the worker reaches -------------------------------------------------

def test_completed(stack, user):
    res = run(stack, user, "python", "print('hi')\n")
    assert_final(res, "completed")
    assert (res["stdout"], res["stderr"]) == ("hi\n", "")
    res = run(stack, user, "python", "pass\n")
    assert_final(res, "completed")
    assert (res["stdout"], res["stderr"]) == ("", "")


@pytest.mark.parametrize("wait", [False, True], ids=["get", "wait"])
def test_failed_at_run_time_without_output(stack, user, wait):
    res = run(stack, user, "python", "import sys\nsys.exit(3)\n", wait=wait)
    assert_final(res, "failed")
    assert (res["stdout"], res["stderr"]) == ("", "")
    assert res["exit_code"] == 3 and res["runtime_error"], res


@pytest.mark.parametrize("wait", [False, True], ids=["get", "wait"])
def test_failed_to_compile(stack, user, wait):
    res = run(stack, user, "c", "int main(void) { return undeclared; }\n", wait=wait)
    assert_final(res, "failed")
    assert (res["stdout"], res["stderr"]) == ("", "")
    assert "undeclared" in res["compilation_error"], res


def test_timeout(stack, user, quick):
    res = run(stack, user, quick, "while True:\n    pass\n")
    assert_final(res, "timeout")
    assert (res["stdout"], res["stderr"]) == ("", "")


def test_memory_limit_exceeded(stack, user):
    src = ("a = []\nwhile True:\n    a.append(bytearray(16 * 1024 * 1024))\n"
           "    for i in range(0, len(a[-1]), 4096):\n        a[-1][i] = 1\n")
    res = run(stack, user, "python", src)
    assert_final(res, "memory_limit_exceeded")
    assert res["stdout"] == "", res


def test_output_limit_exceeded(stack, user):
    res = run(stack, user, "python", "while True:\n    print('y' * 999)\n")
    assert_final(res, "output_limit_exceeded")
    assert res["stdout"].startswith("y" * 999) and res["stderr"] == "", res["stderr"]


def test_internal_error_from_the_worker(stack, user):
    """A submission whose every attempt was lost: the worker's sweep gives up on it."""
    sid = insert_submission(stack, user, "running", attempts=3, lease_owner="ct-gone",
                            lease_until="-infinity", execution_started_at="now")
    res = stack.wait_final(user.token, sid, timeout=60)
    assert_final(res, "internal_error")
    assert (res["stdout"], res["stderr"]) == ("", "")
    assert res["runtime_error"], res


# --- every final status with no output stored -------------------------------------------

@pytest.mark.parametrize("status", sorted(FINAL))
def test_never_ran(stack, user, status):
    """A final row without a result row (or with NULL outputs) still has two strings."""
    sid = insert_submission(stack, user, status, execution_completed_at="now")
    assert_final(get(stack, user, sid), status)
    stack.db("INSERT INTO execution_results (submission_id, runtime_error, attempt)"
             " VALUES (%s, 'lost', 1)", (sid,))
    res = get(stack, user, sid)
    assert_final(res, status)
    assert (res["stdout"], res["stderr"], res["runtime_error"]) == ("", "", "lost")


# --- the states in between -------------------------------------------------------------

def test_running_has_null_results(stack, user):
    sid = insert_submission(stack, user, "running", attempts=1, lease_owner="ct-test",
                            lease_until="infinity", execution_started_at="now")
    try:
        res = get(stack, user, sid)
        assert_pending(res, "running")
        assert isinstance(res["started_at"], str), res
    finally:
        stack.db("UPDATE code_submissions SET status = 'internal_error', lease_owner = NULL,"
                 " lease_until = NULL, execution_completed_at = now()"
                 " WHERE submission_id = %s", (sid,))


def test_queued_has_null_results(stack, user):
    """A queued row the worker cannot claim: another connection holds a KEY SHARE lock
    on it, which the claim's FOR UPDATE SKIP LOCKED skips, and which does not stop
    updates of its non-key columns (nor readers)."""
    sid = insert_submission(stack, user, "running", attempts=1, lease_owner="ct-test",
                            lease_until="infinity", execution_started_at="now")
    holder = psycopg2.connect(host=stack.pgsock, port=stack.pg_port, dbname="coderank",
                              user="postgres")
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT 1 FROM code_submissions WHERE submission_id = %s FOR KEY SHARE",
                        (sid,))
        stack.db("UPDATE code_submissions SET status = 'queued', attempts = 0,"
                 " lease_owner = NULL, lease_until = NULL, execution_started_at = NULL"
                 " WHERE submission_id = %s", (sid,))
        time.sleep(0.5)     # a worker that looked for work saw it and passed it by
        res = get(stack, user, sid)
        assert_pending(res, "queued")
        assert res["started_at"] is None, res
        # never to be run: final before the lock goes
        stack.db("UPDATE code_submissions SET status = 'internal_error',"
                 " execution_completed_at = now() WHERE submission_id = %s", (sid,))
    finally:
        holder.close()


def test_submissions_list_shows_no_result_fields(stack, user):
    r = stack.http("GET", "/api/v1/submissions?limit=100", token=user.token)
    assert r.status == 200, r
    assert r.json["submissions"], r
    for s in r.json["submissions"]:
        assert set(s) == {"submission_id", "language", "status", "submitted_at"}, s
        assert all(isinstance(v, str) for v in s.values()), s
