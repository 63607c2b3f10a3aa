"""
The pool of pre-started one-shot containers (worker/pool.c), on the real stack.

Each test restarts the worker with the pool settings it needs (pool_on /
pool_off below) and puts the session's configuration back afterwards, so the
other test files keep the worker they expect. Container ids come from the
worker's "finished: ... path=pool isolation=... container=<id12> ..." log line.

  - pool on: correct results for every language, taken from the pool
  - container mode: one container serves exactly one submission, and is removed
    afterwards
  - sandbox mode (the default): a pool container, once taken, serves the next
    submissions of its slot (path=held), and is removed only when retired
  - a ready container that died (what a dockerd restart does to all of them)
    is detected and replaced; its submission still completes
  - SIGTERM leaves no container of the worker; after kill -9 the next worker
    removes what the dead one left
  - pool_size 0: everything works the cold way, no pool container exists
  - a language row's own pool_size overrides the worker's, read at each sweep
"""

import re
import signal
import subprocess
import time

import pytest

from conftest import WorkerKeys, finished_fields, wait_for

HELLO = {
    "python": ('print("Hello, World!")\n', "Hello, World!\n"),
    "javascript": ('console.log("Hello, World!");\n', "Hello, World!\n"),
    "c": ('#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n',
          "Hello, World!\n"),
    "cpp": ('#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }\n',
            "Hello, World!\n"),
    "java": ('public class Main { public static void main(String[] a) {\n'
             '  System.out.println("Hello, World!"); } }\n', "Hello, World!\n"),
}
LANGS = list(HELLO)


def docker_ids(*filters):
    argv = ["docker", "ps", "-a", "-q", "--no-trunc"]
    for f in filters:
        argv += ["--filter", f]
    r = subprocess.run(argv, capture_output=True, text=True, check=True)
    return set(r.stdout.split())


def container_exists(cid):
    return subprocess.run(["docker", "inspect", cid], capture_output=True).returncode == 0


def worker_id(stack, pid):
    """The id the worker started as pid logged (not an earlier worker's)."""
    pat = r'pid=%d msg="starting: worker_id=(\S+)' % pid
    return wait_for(lambda: (re.findall(pat, stack.log("worker")) or [None])[-1], 20,
                    "worker %d's start line" % pid)


class PoolWorker(WorkerKeys):
    """Restart the session's worker with extra configuration keys; undo on exit."""

    def ready(self, lang=None):
        """Pool containers still waiting for their first submission (in sandbox
        mode one that served a run keeps its pool label while its slot holds it)."""
        f = ["label=coderank.worker=" + self.wid, "status=running"]
        f.append("label=coderank.pool" + ("=" + lang if lang else ""))
        used = used_containers(self.stack)
        return {i for i in docker_ids(*f) if i[:12] not in used}

    def wait_ready(self, langs, per_lang=1, timeout=90):
        for lang in langs:
            wait_for(lambda: len(self.ready(lang)) >= per_lang, timeout,
                     "%d ready %s container(s)" % (per_lang, lang))


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user('pooltest')


def run(stack, user, lang, src=None, timeout=120):
    return stack.execute_wait(user.token, lang, src or HELLO[lang][0], timeout)


def finished_line(stack, sub_id):
    """The worker's finished line of a submission: (path, container id prefix)."""
    f = finished_log(stack, sub_id)
    return f["path"], f["container"]


def finished_log(stack, sub_id):
    """Every field of the worker's finished line of a submission."""
    def find():
        f = finished_fields(stack.log("worker"), sub_id)
        return f if f and f.get("path") and f.get("container") else None
    return wait_for(find, 10, "the finished line of " + sub_id)


def used_containers(stack):
    """Containers (id12) that served a submission, from the worker's log."""
    return set(re.findall(r'msg="finished:.* container=([0-9a-f]{12})', stack.log("worker")))


def full_id(prefix, ids):
    match = [i for i in ids if i.startswith(prefix)]
    assert len(match) == 1, (prefix, ids)
    return match[0]


def test_pool_results_for_every_language(stack, user):
    with PoolWorker(stack, pool_size=1, pool_max=2) as w:
        w.wait_ready(LANGS)
        for lang in LANGS:
            ready_before = w.ready(lang)
            res = run(stack, user, lang)
            assert res["status"] == "completed", res
            assert res["stdout"] == HELLO[lang][1]
            path, cid = finished_line(stack, res["submission_id"])
            assert path == "pool", (lang, path)
            # it was one of the containers that were waiting before we submitted
            assert any(i.startswith(cid) for i in ready_before), (cid, ready_before)


def test_one_container_per_submission_then_removed(stack, user):
    """Container mode: every run in a container of its own, removed afterwards."""
    with PoolWorker(stack, pool_size=2, pool_max=4, isolation="container") as w:
        w.wait_ready(["python"], per_lang=2)
        used = []
        for i in range(4):
            res = run(stack, user, "python", "print(%d)\n" % i)
            assert res["status"] == "completed" and res["stdout"] == "%d\n" % i, res
            f = finished_log(stack, res["submission_id"])
            assert f["isolation"] == "container", f
            used.append((f["path"], f["container"]))
            time.sleep(0.5)     # let the replacement start
        ids = [c for _, c in used]
        assert len(set(ids)) == len(ids), "a container served two submissions: %r" % used
        assert [p for p, _ in used].count("pool") >= 3, used
        # each is removed off the critical path, by the janitor, soon after
        for cid in ids:
            wait_for(lambda: not docker_ids("id=" + cid), 20, "container %s removed" % cid)
        # and the pool is back to its size
        w.wait_ready(["python"], per_lang=2, timeout=30)


def test_sandbox_pool_container_serves_the_slots_next_submissions(stack, user):
    """Sandbox mode: the slot keeps the pool container it took and writes its next
    submissions of that language to it, each run as another uid."""
    with PoolWorker(stack, worker_slots=1, pool_size=1, pool_max=1,
                    isolation="sandbox") as w:
        w.wait_ready(["python"])
        ready_before = w.ready("python")
        src = "import os, socket\nprint(socket.gethostname(), os.getuid())\n"
        runs = []
        for _ in range(3):
            res = run(stack, user, "python", src)
            assert res["status"] == "completed", res
            runs.append((res["stdout"].split(), finished_log(stack, res["submission_id"])))
        (h1, u1), f1 = runs[0]
        assert f1["path"] == "pool" and f1["run"] == "1", f1
        assert any(i.startswith(f1["container"]) for i in ready_before), (f1, ready_before)
        for (h, u), f in runs[1:]:
            assert f["path"] == "held" and f["container"] == f1["container"], (f1, f)
            assert f["isolation"] == "sandbox" and f["retire"] == "-", f
            assert h == h1 == f1["container"][:12], (h, h1, f1)
        assert [f["run"] for _, f in runs] == ["1", "2", "3"], runs
        uids = [int(u) for (_, u), _ in runs]
        assert uids == [10000, 10001, 10002], uids
        # it is still there and running, held by the slot for its next run
        assert docker_ids("id=" + f1["container"], "status=running"), f1


def test_dead_ready_container_is_replaced(stack, user):
    """A dockerd restart kills every waiting container: a dead one is never used."""
    with PoolWorker(stack, pool_size=1, pool_max=1) as w:
        w.wait_ready(["python"])
        victims = w.ready("python")
        for cid in victims:
            subprocess.run(["docker", "kill", cid], capture_output=True)
        res = run(stack, user, "python", "print(42)\n")
        assert res["status"] == "completed" and res["stdout"] == "42\n", res
        path, cid = finished_line(stack, res["submission_id"])
        assert not any(v.startswith(cid) for v in victims)
        # the killed one is removed and a live one takes its place
        wait_for(lambda: not (docker_ids("label=coderank.worker=" + w.wid) & victims), 30,
                 "the dead container removed")
        w.wait_ready(["python"], timeout=30)


def test_sigterm_leaves_no_container(stack, user):
    with PoolWorker(stack, pool_size=2, pool_max=2) as w:
        w.wait_ready(LANGS, per_lang=2)
        assert len(w.ready()) >= 2 * len(LANGS)
        res = run(stack, user, "python", "print(7)\n")
        assert res["stdout"] == "7\n"
        stack.worker.proc.send_signal(signal.SIGTERM)
        stack.worker.proc.wait(60)
        assert stack.worker.proc.returncode == 0, stack.log("worker")[-3000:]
        left = docker_ids("label=coderank.worker=" + w.wid)
        assert not left, "containers left after SIGTERM: %r" % left


def test_crash_leftovers_are_reaped(stack, user):
    with PoolWorker(stack, pool_size=1, pool_max=1) as w:
        w.wait_ready(LANGS)
        # one run first, so that (sandbox mode) a slot holds a container too
        res = run(stack, user, "python", "print(9)\n")
        assert res["status"] == "completed" and res["stdout"] == "9\n", res
        held = finished_log(stack, res["submission_id"])["container"]
        dead = w.wid
        left = docker_ids("label=coderank.worker=" + dead)
        assert left
        assert any(i.startswith(held) for i in left), (held, left)
        stack.kill_worker(signal.SIGKILL)
        assert docker_ids("label=coderank.worker=" + dead), "nothing left to reap?"
        stack.start_worker()    # same configuration, a new worker id (pid)
        assert worker_id(stack, stack.worker.proc.pid) != dead
        wait_for(lambda: not docker_ids("label=coderank.worker=" + dead), 60,
                 "the dead worker's pool containers reaped")
        res = run(stack, user, "python", "print(8)\n")
        assert res["status"] == "completed" and res["stdout"] == "8\n", res


def test_pool_size_zero_is_the_cold_path(stack, user):
    with PoolWorker(stack, pool_size=0, pool_max=0) as w:
        for lang in ("python", "c"):
            res = run(stack, user, lang)
            assert res["status"] == "completed" and res["stdout"] == HELLO[lang][1], res
            path, _ = finished_line(stack, res["submission_id"])
            assert path == "cold"
        time.sleep(1)
        assert not w.ready(), "pool containers with pool_size 0"


def test_pool_size_per_language(stack, user):
    """A row's pool_size overrides the worker's, and a change is picked up while it runs."""
    stack.db("UPDATE language_configs SET pool_size = 3 WHERE language_id = 'python'")
    stack.db("UPDATE language_configs SET pool_size = 0 WHERE language_id = 'javascript'")
    try:
        with PoolWorker(stack, pool_size=1, pool_max=4, sweep_interval_seconds=1) as w:
            w.wait_ready(["python"], per_lang=3)
            w.wait_ready(["c"], per_lang=1)     # no row value: the worker's pool_size
            time.sleep(2)                       # two sweeps: javascript must stay empty
            assert not w.ready("javascript")
            assert len(w.ready("python")) == 3
            res = run(stack, user, "javascript")    # none ready: the cold way
            assert res["status"] == "completed" and res["stdout"] == HELLO["javascript"][1], res
            assert finished_line(stack, res["submission_id"])[0] == "cold"
            stack.db("UPDATE language_configs SET pool_size = 1 WHERE language_id = 'python'")
            wait_for(lambda: len(w.ready("python")) == 1, 30, "python down to 1 ready")
    finally:
        stack.db("UPDATE language_configs SET pool_size = NULL "
                 "WHERE language_id IN ('python', 'javascript')")
