"""
Limits that must agree, and the pool_size rule, on the real stack.

  - a configuration whose limits cannot all hold (output_limit_bytes above the
    runner's 4 MiB cap) stops both programs at start-up, and the message names
    both sides
  - a language row's pool_size gives that language a pool even when the
    worker's pool_size is 0; the other languages stay on the cold path, and
    their misses grow nothing

The pool test restarts the session's worker with extra keys and a changed row,
and puts both back afterwards, so the other test files keep the worker they expect.
"""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import WorkerKeys, finished_fields, wait_for


def run_briefly(argv, env, timeout=20):
    """Run a daemon that should refuse to start: (exit status, output). One that
    starts anyway is killed, with its children, after timeout (status None)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return None, out.decode("utf-8", "replace")


@pytest.fixture
def bad_conf(stack):
    """The session's configuration with an output cap the runner refuses, in a file
    of its own (a program that wrongly starts must not take the session's socket)."""
    path = os.path.join(stack.tmp, "limits.conf")
    with open(stack.conf) as f:
        text = f.read()
    text = re.sub(r"(?m)^api_listen = .*$", 'api_listen = "%s"'
                  % os.path.join(stack.tmp, "limits-api.sock"), text)
    wid = "limits-test-%d" % os.getpid()
    with open(path, "w") as f:
        f.write(text + "worker_id = %s\noutput_limit_bytes = 8388608\n" % wid)
    os.chmod(path, 0o600)
    yield path
    os.unlink(path)
    # a worker that wrongly started was killed: nothing will reap its containers
    for cid in docker_ids("label=coderank.worker=" + wid, all_states=True):
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


@pytest.mark.parametrize("program", ["worker", "api"])
def test_output_limit_above_the_runner_cap_is_refused(stack, bad_conf, program):
    binary = stack.worker_bin if program == "worker" else stack.api_bin
    if not os.access(binary, os.X_OK):
        pytest.fail("%s is not built" % binary)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODERANK_")}
    status, out = run_briefly([binary, "-c", bad_conf], env)
    assert status is not None, "coderank-%s started:\n%s" % (program, out[-2000:])
    assert status != 0, out
    assert "output_limit_bytes" in out and "JOB_MAX_OUTPUT_BYTES" in out, out


# ---- the pool_size rule --------------------------------------------------------

def docker_ids(*filters, all_states=False):
    argv = ["docker", "ps", "-q", "--no-trunc"] + (["-a"] if all_states else [])
    for f in filters:
        argv += ["--filter", f]
    r = subprocess.run(argv, capture_output=True, text=True, check=True)
    return set(r.stdout.split())


def used_containers(stack):
    """Containers (id12) that served a submission: in sandbox mode a slot keeps
    its container, pool label and all, so those are not waiting in a pool."""
    return set(re.findall(r'msg="finished:.* container=([0-9a-f]{12})', stack.log("worker")))


class Worker(WorkerKeys):
    """The session's worker restarted with extra keys; the old file back on exit."""

    def ready(self, lang=None):
        """This worker's pool containers waiting for a first submission."""
        ids = docker_ids("label=coderank.worker=" + self.wid,
                         "label=coderank.pool" + ("=" + lang if lang else ""))
        used = used_containers(self.stack)
        return {i for i in ids if i[:12] not in used}


@pytest.fixture
def rows(stack):
    """Set language rows' pool_size (the others NULL); every row as it was afterwards."""
    saved = stack.db("SELECT language_id, pool_size FROM language_configs")

    def set_sizes(**sizes):
        stack.db("UPDATE language_configs SET pool_size = NULL")
        for lang, size in sizes.items():
            stack.db("UPDATE language_configs SET pool_size = %s WHERE language_id = %s",
                     (size, lang))
    yield set_sizes
    for lang, size in saved:
        stack.db("UPDATE language_configs SET pool_size = %s WHERE language_id = %s",
                 (size, lang))


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user('limitstest')


def run(stack, user, lang, src, timeout=120):
    return stack.execute_wait(user.token, lang, src, timeout)


def path_of(stack, sub_id):
    f = wait_for(lambda: finished_fields(stack.log("worker"), sub_id), 10,
                 "the finished line of " + sub_id)
    return f.get("path")


def test_row_pool_size_beats_a_worker_pool_size_of_zero(stack, user, rows):
    rows(python=2)
    with Worker(stack, pool_size=0, pool_max=4, sweep_interval_seconds=1) as w:
        wait_for(lambda: len(w.ready("python")) >= 2, 120, "2 ready python containers")
        time.sleep(3)                       # three sweeps: nothing else may start
        assert len(w.ready("python")) == 2
        assert w.ready() == w.ready("python"), "pool containers of other languages"

        # no pool for javascript: the cold way, and its miss grows nothing
        res = run(stack, user, "javascript", 'console.log("js");\n')
        assert res["status"] == "completed" and res["stdout"] == "js\n", res
        assert path_of(stack, res["submission_id"]) == "cold"
        time.sleep(3)
        assert not w.ready("javascript")

        # python's pool serves
        res = run(stack, user, "python", 'print("py")\n')
        assert res["status"] == "completed" and res["stdout"] == "py\n", res
        assert path_of(stack, res["submission_id"]) == "pool"


def test_row_pool_size_zero_is_no_pool_even_on_misses(stack, user, rows):
    """A row's 0 takes the pool away from its language under a worker's 1: its
    misses do not grow one either."""
    rows(javascript=0)
    # container mode: every run takes or misses (no slot keeps its container)
    with Worker(stack, pool_size=1, pool_max=4, sweep_interval_seconds=1,
                isolation="container") as w:
        wait_for(lambda: len(w.ready("python")) >= 1, 120, "a ready python container")
        assert not w.ready("javascript")
        for _ in range(2):
            res = run(stack, user, "javascript", 'console.log("js");\n')
            assert res["status"] == "completed" and res["stdout"] == "js\n", res
            assert path_of(stack, res["submission_id"]) == "cold"
        time.sleep(3)                       # three sweeps: a grown target would show
        assert not w.ready("javascript")
