"""
Leases that cover the whole run, and platform failures that do not count against
the program (issue 10, item 1; db/migrations/009, worker/slot.c's leaser).

  - dockerd stalled (SIGSTOP) for longer than the lease, under load: every
    submission ends completed, none is requeued by the sweep while its slot still
    works on it (no "lease ... expired"), each has one result and one run that
    reached its end (the worker's "finished:" lines);
  - a rolling restart of the worker (SIGTERM, a new one, three times) under load:
    every submission completed, exactly once, and no give-back counted as a
    platform failure;
  - a platform failure that repeats (an image that does not exist) is backed off
    and capped by max_platform_failures, not by max_attempts.

The worker runs with a short lease (lease_seconds = 6) so that a 15 s stall is
well past it; the property is the same as for the default 30 s and a 45 s stall.
"""

import os
import re
import signal
import threading
import time

import pytest

from conftest import WorkerKeys as Worker, docker_ping

SLEEPER = "import time\nprint('start', flush=True)\ntime.sleep(%s)\nprint('done %s')\n"


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user('leasetest', max_concurrent=1000)


def submit(stack, user, src, lang="python"):
    r = stack.http("POST", "/api/v1/execute", json={"language": lang, "source_code": src},
                   token=user.token)
    assert r.status == 202, r
    return r.json["submission_id"]


def row(stack, sid):
    return stack.db("SELECT status, attempts, give_backs, platform_failures, "
                    "coalesce(last_error, ''), "
                    "(SELECT count(*) FROM execution_results r WHERE r.submission_id = s.submission_id) "
                    "FROM code_submissions s WHERE submission_id = %s", (sid,))[0]


def finished_count(stack, sid):
    """Runs of sid that reached their end; the line comes just after the stored
    result, so wait a little for the first one."""
    deadline = time.time() + 10
    while True:
        n = len(re.findall(r'sub=%s .*msg="finished:' % sid, stack.log("worker")))
        if n or time.time() > deadline:
            return n
        time.sleep(0.2)


def check_once(stack, user, sids, want_stdout):
    """Every submission completed, with its own output, one result, one finished run."""
    problems = []
    for sid in sids:
        res = stack.wait_final(user.token, sid, timeout=180)
        status, attempts, give_backs, failures, last_error, nres = row(stack, sid)
        if res["status"] != "completed" or res["stdout"] != want_stdout[sid]:
            problems.append("%s: %s %r (%s)" % (sid, res["status"], res.get("stdout"), last_error))
        if nres != 1:
            problems.append("%s: %d result rows" % (sid, nres))
        runs = finished_count(stack, sid)
        if runs != 1:
            problems.append("%s: %d runs reached their end" % (sid, runs))
        if "expired" in last_error:
            problems.append("%s: requeued by the sweep while running: %s" % (sid, last_error))
    assert not problems, "\n".join(problems)


def docker_pid():
    return int(open("/var/run/docker.pid").read().strip())


def lapsed_leases(stack):
    return stack.db("SELECT count(*) FROM code_submissions "
                    "WHERE status = 'running' AND lease_until < now()")[0][0]


def test_dockerd_stalled_longer_than_the_lease(stack, user):
    # container mode without a pool: every run starts with Docker calls
    # (create, attach, start), which is where a slot used to go without
    # renewing its lease
    with Worker(stack, lease_seconds=6, sweep_interval_seconds=1, isolation="container",
                pool_size=0):
        # a first run, so that the worker is warm and sure to be claiming
        stack.wait_final(user.token, submit(stack, user, "print(1)\n"), timeout=120)
        pid = docker_pid()
        os.kill(pid, signal.SIGSTOP)
        want, lapsed = {}, []
        try:
            # claimed while dockerd is stalled: each slot hangs in a Docker call
            for i in range(4):
                sid = submit(stack, user, SLEEPER % (1, i))
                want[sid] = "start\ndone %d\n" % i
            end = time.time() + 15      # 2.5 leases
            while time.time() < end:
                lapsed.append(lapsed_leases(stack))
                time.sleep(0.5)
        finally:
            os.kill(pid, signal.SIGCONT)
        deadline = time.time() + 60
        while not docker_ping():
            assert time.time() < deadline, "dockerd did not answer after SIGCONT"
            time.sleep(0.3)
        # another worker's sweep would have requeued a lapsed lease under a slot
        # that still runs it: none may lapse while its slot works
        assert max(lapsed) == 0, lapsed
        check_once(stack, user, list(want), want)
        assert all(row(stack, sid)[3] < 5 for sid in want)


@pytest.fixture
def long_python(stack):
    """python with a 20 s limit: runs that outlive the worker's 10 s stop grace."""
    stack.db("INSERT INTO language_configs (language_id, display_name, docker_image, "
             "source_file, compile_command, execute_command, timeout_seconds, "
             "compile_timeout_seconds, max_memory_mb, max_processes, is_active) "
             "SELECT 'py_long', 'Python (20 s)', docker_image, source_file, compile_command, "
             "execute_command, 20, compile_timeout_seconds, max_memory_mb, max_processes, true "
             "FROM language_configs WHERE language_id = 'python' ON CONFLICT DO NOTHING")
    yield "py_long"
    stack.db("DELETE FROM code_submissions WHERE language = 'py_long'")
    stack.db("DELETE FROM language_configs WHERE language_id = 'py_long'")


def test_rolling_restart_under_load(stack, user, long_python):
    want, lock, stop = {}, threading.Lock(), threading.Event()
    # two runs longer than the stop grace: given back at every restart
    longs = [submit(stack, user, SLEEPER % (15, "long%d" % i), lang=long_python)
             for i in range(2)]
    want.update({sid: "start\ndone long%d\n" % i for i, sid in enumerate(longs)})

    def load():
        i = 0
        while not stop.is_set():
            sid = submit(stack, user, SLEEPER % (0.3 + (i % 4) * 0.2, i))
            with lock:
                want[sid] = "start\ndone %d\n" % i
            i += 1
            time.sleep(0.5)

    t = threading.Thread(target=load)
    t.start()
    try:
        for _ in range(3):
            time.sleep(3)
            # SIGTERM: the slots finish what they run within the grace, or give it back
            stack.stop_worker()
            assert not stack.worker_running()
            stack.start_worker()
        time.sleep(2)
    finally:
        stop.set()
        t.join()
    assert len(want) >= 30, len(want)
    check_once(stack, user, list(want), want)
    counts = {sid: row(stack, sid) for sid in want}
    # the long runs were given back (so the test did what it says)...
    assert all(counts[sid][2] >= 1 for sid in longs), [counts[sid] for sid in longs]
    # ...and a shutdown is never a platform failure, nor an attempt of the program
    assert all(r[3] == 0 for r in counts.values()), [r for r in counts.values() if r[3]]
    assert all(r[1] - r[2] == 1 for r in counts.values()), \
        [r for r in counts.values() if r[1] - r[2] != 1]


def test_platform_failures_back_off_and_cap(stack, user):
    """An image that does not exist: every claim fails on the platform's side."""
    stack.db("INSERT INTO language_configs (language_id, display_name, docker_image, "
             "source_file, compile_command, execute_command, timeout_seconds, "
             "compile_timeout_seconds, max_memory_mb, max_processes, is_active) "
             "SELECT 'py_noimage', 'Python (no image)', 'coderank/no-such-image:1', "
             "source_file, compile_command, execute_command, timeout_seconds, "
             "compile_timeout_seconds, max_memory_mb, max_processes, true "
             "FROM language_configs WHERE language_id = 'python' ON CONFLICT DO NOTHING")
    try:
        with Worker(stack, max_platform_failures=3, max_attempts=1):
            t0 = time.time()
            sid = submit(stack, user, "print(1)\n", lang="py_noimage")
            res = stack.wait_final(user.token, sid, timeout=120)
            took = time.time() - t0
            status, attempts, give_backs, failures, last_error, nres = row(stack, sid)
            # max_attempts = 1 would have ended it at the first failure before:
            # failures are counted apart, up to max_platform_failures
            assert res["status"] == "internal_error", res
            assert (attempts, give_backs, failures, nres) == (3, 3, 3, 1), row(stack, sid)
            assert "no-such-image" in last_error, last_error
            # backed off 1 s, then 2 s, before the second and third claims
            assert took >= 3.0, took
    finally:
        stack.db("DELETE FROM code_submissions WHERE language = 'py_noimage'")
        stack.db("DELETE FROM language_configs WHERE language_id = 'py_noimage'")
