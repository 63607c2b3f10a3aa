"""
Sandbox mode (docs/SECURITY.md, worker/held.h) on the real stack: a run sees
nothing of the runs before it in the same long-lived container.

The worker is restarted with one slot and a pool of one (SandboxWorker below),
so that consecutive submissions of a language land in the same container. Which
container served a run is known twice: from the worker's "finished: ... path=
isolation= container= run= retire=" line, and from the hostname the program
prints (Docker sets it to the first 12 characters of the container id).

Each isolation test is a pair (or a few) of runs: a "dirty" run that leaves
something behind on purpose (files, hostile trees, a full tmpfs, daemons, a fork
racer, IPC objects, lowered limits, attacks on PID 1, a snooper waiting for the
next job), then an inspection run (INSPECT_PY, or INSPECT_C for C) that reports
everything a run can see: its uid, the processes in /proc, the entries of every
writable place (/work, /tmp, /dev/shm, /dev/mqueue), their used blocks and
inodes, the SysV IPC objects, lookups of the keys and names the dirty runs use,
its environment, umask, rlimits and working directory. The inspection must find
nothing but itself, whether the container was kept (the wipe worked) or retired
(the worker gave up on it): either is acceptable for hostile leftovers, but for
an ordinary run the same container must serve the next one.

Then: retirement after a timeout, a memory-limit kill, a signal death, an output
flood and a process left behind (and none after exit 0 or exit 1);
sandbox_max_runs; sandbox_idle_seconds; a change of the language row; and the
container mode (worker key and the row's isolation column, both ways).

Last, test cases and multi-file programs (runner.h), driven straight through the
runner's frames (RunnerBox: a container with the worker's profile, BSON written
and read here): compile once and run each case, nothing of one case (files in
every writable place, IPC, a daemon, a rewritten program) seen by the next,
per-case verdicts and comparisons, stop_on_failure, the frame's size cap, a
kept container staying clean, hostile file names refused, and a /work the
runner cannot snapshot ending as a failed compilation.
"""

import json
import os
import re
import select
import struct
import subprocess
import time

import pytest

from conftest import BUILD, finished_fields, wait_for

PY = "python"
RETIRE_LANG = "sbx_py"          # a python row with a 2 s run limit and 128 MB (fixture)
UID_BASE, UID_COUNT = 10000, 64
STANDARD = {"worker_slots": 1, "pool_size": 1, "pool_max": 1}
BASE_ENV = {"PATH", "HOME", "LANG", "TMPDIR"}
PLACES = ("/work", "/tmp", "/dev/shm", "/dev/mqueue")


# --- the worker ---------------------------------------------------------------------------

def container_exists(cid):
    return subprocess.run(["docker", "inspect", "--format", "{{.Id}}", cid],
                          capture_output=True).returncode == 0


class SandboxWorker:
    """Restarts the session's worker with the keys a test needs (only when they
    change); puts the session's configuration back at the end of the module."""

    def __init__(self, stack):
        self.stack = stack
        with open(stack.conf) as f:
            self.saved = f.read()
        self.keys = None

    def apply(self, **keys):
        if keys == self.keys and self.stack.worker_running():
            return
        with open(self.stack.conf, "w") as f:
            f.write(self.saved)
            for k, v in keys.items():
                f.write("%s = %s\n" % (k, v))
        self.stack.stop_worker()
        self.stack.start_worker()
        pid = self.stack.worker.proc.pid
        wait_for(lambda: re.search(r'pid=%d msg="starting: worker_id=' % pid,
                                   self.stack.log("worker")), 20, "worker %d's start line" % pid)
        self.keys = dict(keys)

    def restore(self):
        with open(self.stack.conf, "w") as f:
            f.write(self.saved)
        self.stack.stop_worker()
        self.stack.start_worker()
        self.keys = None


@pytest.fixture(scope="module")
def worker(stack):
    if not stack.has_worker:
        pytest.fail("coderank-worker is not built in %s" % os.path.dirname(stack.worker_bin))
    stack.db("INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent) "
             "VALUES ('sbxtest', 100000, 100) ON CONFLICT (tier) DO NOTHING")
    stack.db("INSERT INTO language_configs (language_id, display_name, docker_image, "
             "source_file, compile_command, execute_command, timeout_seconds, "
             "compile_timeout_seconds, max_memory_mb, max_processes, is_active) "
             "SELECT %s, 'Python (sandbox tests)', docker_image, source_file, "
             "compile_command, execute_command, 2, compile_timeout_seconds, 128, "
             "max_processes, true FROM language_configs WHERE language_id = 'python' "
             "ON CONFLICT (language_id) DO NOTHING", (RETIRE_LANG,))
    w = SandboxWorker(stack)
    w.user = stack.new_user(tier="sbxtest")
    yield w
    stack.db("UPDATE language_configs SET is_active = false, isolation = NULL "
             "WHERE language_id = %s", (RETIRE_LANG,))
    w.restore()


@pytest.fixture
def sbx(worker):
    """The standard sandbox worker: one slot, a pool of one, isolation by default."""
    worker.apply(**STANDARD)
    return worker


# --- running things -------------------------------------------------------------------------

class Run:
    def __init__(self, res, log):
        self.res, self.log = res, log
        self.id = res["submission_id"]
        self.stdout = res.get("stdout") or ""
        self.container = log.get("container")
        m = re.search(r"^HOST (\S+) UID (\d+)$", self.stdout, re.M)
        self.host = m.group(1) if m else None
        self.uid = int(m.group(2)) if m else None
        m = re.search(r"^PROBE (.*)$", self.stdout, re.M)
        self.probe = json.loads(m.group(1)) if m else None
        if self.probe:
            self.host, self.uid = self.probe["host"], self.probe["uid"]

    def __repr__(self):
        r = {k: self.res.get(k) for k in ("status", "exit_code", "exit_signal", "runtime_error",
                                         "execution_time_ms", "memory_used_kb")}
        r["stdout"] = self.stdout[:3000]
        r["stderr"] = (self.res.get("stderr") or "")[:1500]
        r["compilation_error"] = (self.res.get("compilation_error") or "")[:800]
        return "<Run %s log=%r %r>" % (self.id, self.log, r)


def worker_log_since_mark(stack):
    path = stack.logs.get("worker")
    try:
        with open(path, "rb") as f:
            f.seek(stack.marks.get("worker", 0))
            return f.read().decode("utf-8", "replace")
    except (TypeError, OSError):
        return ""


def run(stack, user, lang, src, stdin="", timeout=60, status=None):
    r = stack.http("POST", "/api/v1/execute?wait=true", token=user.token, timeout=timeout + 30,
                   json={"language": lang, "source_code": src, "input": stdin})
    assert r.status in (200, 202), r
    res = r.json
    if r.status == 202 or res["status"] in ("queued", "running"):
        res = stack.wait_final(user.token, res["submission_id"], timeout)
    sid = res["submission_id"]
    log = wait_for(lambda: finished_fields(worker_log_since_mark(stack), sid)
                   or finished_fields(stack.log("worker"), sid), 15,
                   "the worker's finished line of " + sid)
    out = Run(res, log)
    if status is not None:
        assert res["status"] == status, out
    # the hostname a program prints is the container id (Docker's default)
    if out.host and out.container:
        assert out.host == out.container[:12], out
    return out


def same_container(a, b):
    return a.container is not None and a.container == b.container


def check_sandbox_run(r):
    """What every run in sandbox mode must log and see about itself."""
    assert r.log.get("isolation") == "sandbox", r
    run_no = int(r.log["run"])
    assert run_no >= 1, r
    if r.uid is not None:
        assert r.uid == UID_BASE + (run_no - 1) % UID_COUNT, r
    if run_no > 1:
        assert r.log.get("path") == "held", r
    else:
        assert r.log.get("path") in ("pool", "cold"), r


PRELUDE = ("import os, socket\n"
           "print('HOST', socket.gethostname(), 'UID', os.getuid(), flush=True)\n")


# --- the inspection programs ----------------------------------------------------------------

INSPECT_PY = r'''
import ctypes, errno, json, os, resource, socket, time
time.sleep(@@SLEEP@@)
libc = ctypes.CDLL(None, use_errno=True)

def ename(e):
    return errno.errorcode.get(e, str(e))

def entries(d):
    try:
        names = sorted(os.listdir(d.encode()))
    except OSError as e:
        return {"count": -1, "names": ["<%s>" % ename(e.errno)]}
    return {"count": len(names), "names": [repr(n)[2:-1] for n in names[:20]]}

def usage(d):
    s = os.statvfs(d)
    return {"bytes": (s.f_blocks - s.f_bfree) * s.f_frsize, "inodes": s.f_files - s.f_ffree}

def procs():
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
            with open("/proc/%s/status" % p) as f:
                uid = [l.split()[1] for l in f if l.startswith("Uid:")][0]
            out[p] = "%s %s uid=%s" % (st[st.index("(") + 1:st.rindex(")")],
                                       st[st.rindex(")") + 2], uid)
        except (OSError, ValueError, IndexError):
            out[p] = "<vanished>"
    return out

def sysv():
    out = {}
    for k in ("shm", "sem", "msg"):
        try:
            with open("/proc/sysvipc/" + k) as f:
                out[k] = [" ".join(l.split()[:7]) for l in f.read().splitlines()[1:]]
        except OSError as e:
            out[k] = ["<%s>" % ename(e.errno)]
    return out

def look(rc):
    return "FOUND" if rc >= 0 else ename(ctypes.get_errno())

def lookups():
    r = {}
    r["shm"] = look(libc.shmget(0x5EC0, 0, 0))
    r["sem"] = look(libc.semget(0x5EC1, 0, 0))
    r["msg"] = look(libc.msgget(0x5EC2, 0))
    r["mq"] = look(libc.mq_open(b"/leftq", os.O_RDONLY))
    r["posix_shm"] = look(libc.shm_open(b"/leftshm", os.O_RDONLY, 0))
    return r

def mem():
    try:
        with open("/sys/fs/cgroup/memory/memory.usage_in_bytes") as f:
            return int(f.read())
    except OSError:
        return -1

um = os.umask(0)
os.umask(um)
probe = {
    "host": socket.gethostname(), "uid": os.getuid(), "gid": os.getgid(),
    "euid": os.geteuid(), "groups": os.getgroups(), "pid": os.getpid(), "ppid": os.getppid(),
    "cwd": os.getcwd(), "env": dict(os.environ), "umask": um,
    "rlimits": {n: resource.getrlimit(getattr(resource, n))
                for n in sorted(dir(resource)) if n.startswith("RLIMIT_")},
    "modes": {d: oct(os.stat(d).st_mode) for d in ("/work", "/tmp", "/dev/shm", "/dev/mqueue")},
    "places": {d: entries(d) for d in ("/work", "/tmp", "/dev/shm", "/dev/mqueue")},
    "usage": {d: usage(d) for d in ("/work", "/tmp", "/dev/shm")},
    "procs": procs(), "sysv": sysv(), "lookups": lookups(), "memory": mem(),
}
print("PROBE " + json.dumps(probe), flush=True)
'''


def inspect_src(sleep=0, secret=None):
    src = INSPECT_PY.replace("@@SLEEP@@", repr(float(sleep)))
    if secret:
        src = "# %s\nSECRET = %r\n" % (secret, secret) + src
    return src


def assert_clean(r, own=("main.py",)):
    """The inspection run r found nothing but itself."""
    p = r.probe
    assert p is not None, r
    problems = []
    work = p["places"]["/work"]
    if work["count"] != len(own) or sorted(work["names"]) != sorted(own):
        problems.append("/work holds %r" % work)
    for d in PLACES[1:]:
        if p["places"][d]["count"] != 0:
            problems.append("%s holds %r" % (d, p["places"][d]))
    others = {k: v for k, v in p["procs"].items() if k not in ("1", str(p["pid"]))}
    if others or "1" not in p["procs"]:
        problems.append("processes: %r" % p["procs"])
    for k, v in p["sysv"].items():
        if v:
            problems.append("SysV %s: %r" % (k, v))
    for k, v in p["lookups"].items():
        if v != "ENOENT":
            problems.append("lookup of the %s left by an earlier run: %s" % (k, v))
    for d, u in p["usage"].items():
        files = len(own) if d == "/work" else 0
        if u["bytes"] > 64 * 1024 or u["inodes"] > files + 2:
            problems.append("%s still uses %r" % (d, u))
    if p["cwd"] != "/work":
        problems.append("cwd %s" % p["cwd"])
    if not UID_BASE <= p["uid"] < UID_BASE + UID_COUNT or p["euid"] != p["uid"] \
            or p["gid"] != p["uid"] or p["groups"]:
        problems.append("identity uid=%s euid=%s gid=%s groups=%s"
                        % (p["uid"], p["euid"], p["gid"], p["groups"]))
    assert not problems, "%s\n%r" % ("\n".join(problems), r)


def dirty_then_inspect(stack, user, dirty_src, lang=PY, sleep=0, dirty_status="completed",
                       must_keep=False, must_retire=False):
    """A warm-up run, a dirty run in the same container, then an inspection run of
    the same language (INSPECT_PY, or INSPECT_C for c); returns (dirty, inspection).
    must_keep: an ordinary run, the same container must serve the inspection;
    must_retire: the dirty run must retire its container."""
    if lang == "c":
        warm, inspector = inspect_c(0), inspect_c(sleep)
    else:
        warm, inspector = PRELUDE + "print('warm')\n", inspect_src(sleep)
    before = run(stack, user, lang, warm, status="completed")
    dirty = run(stack, user, lang, dirty_src, status=dirty_status)
    check_sandbox_run(dirty)
    # the dirty run ran in the container that served the run before it
    assert same_container(before, dirty), (before, dirty)
    after = run(stack, user, lang, inspector, status="completed")
    check_sandbox_run(after)
    kept = same_container(dirty, after)
    retire = dirty.log.get("retire", "?")
    # the log agrees with what happened: kept <=> no retire reason
    assert kept == (retire == "-"), (retire, dirty, after)
    if must_keep:
        assert kept, "an ordinary run retired its container (%s): %r" % (retire, dirty)
    if must_retire:
        assert not kept, "the container was kept after %r" % dirty
    if not kept:
        wait_for(lambda: not container_exists(dirty.container), 30,
                 "the retired container %s removed" % dirty.container)
    else:
        assert int(after.log["run"]) == int(dirty.log["run"]) + 1, (dirty, after)
        assert after.uid != dirty.uid, (dirty, after)
    return dirty, after


@pytest.fixture(scope="module")
def baseline(stack, worker):
    """What a fresh container's first run sees (its environment, limits, umask)."""
    worker.apply(**STANDARD)
    r = run(stack, worker.user, PY, inspect_src(), status="completed")
    return r.probe


# --- consecutive runs, one container ----------------------------------------------------------

def test_consecutive_runs_share_a_container_with_new_uids(stack, sbx, baseline):
    runs = [run(stack, sbx.user, PY, inspect_src(), status="completed") for _ in range(4)]
    for r in runs:
        check_sandbox_run(r)
        assert_clean(r)
    assert len({r.container for r in runs}) == 1, runs
    assert len({r.host for r in runs}) == 1, runs
    nums = [int(r.log["run"]) for r in runs]
    assert nums == list(range(nums[0], nums[0] + 4)), runs
    uids = [r.uid for r in runs]
    assert all(a != b for a, b in zip(uids, uids[1:])), uids
    assert all(UID_BASE <= u < UID_BASE + UID_COUNT for u in uids), uids
    # each is the container's (run - 1)-th uid of the range
    assert uids == [UID_BASE + (n - 1) % UID_COUNT for n in nums], (uids, nums)
    # and the default isolation (no isolation key in the configuration) is sandbox
    assert "isolation" not in sbx.keys
    assert all(r.log["isolation"] == "sandbox" for r in runs)


def test_files_in_every_place_are_gone(stack, sbx):
    src = PRELUDE + r'''
import socket
made = []
for place in ("/work", "/tmp", "/dev/shm"):
    for name in ("left.txt", ".hidden", "secret-of-the-last-user"):
        with open(place + "/" + name, "w") as f:
            f.write("SECRET from uid %d" % os.getuid())
        made.append(place + "/" + name)
    os.makedirs(place + "/sub/dir/ectory")
    with open(place + "/sub/dir/ectory/f", "w") as f:
        f.write("SECRET")
    os.symlink("/etc/passwd", place + "/link")
    os.mkfifo(place + "/fifo")
    s = socket.socket(socket.AF_UNIX)
    s.bind(place + "/sock")
    os.link(place + "/left.txt", place + "/hardlink")
    made.append(place)
fd = os.open("/dev/mqueue/leftq", os.O_CREAT | os.O_RDWR, 0o666)
made.append("/dev/mqueue/leftq")
print("MADE", len(made), sorted(os.listdir("/dev/mqueue")))
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src, must_keep=True)
    assert "MADE 13 ['leftq']" in dirty.stdout, dirty
    assert_clean(after)


HOSTILE_NAMES_PY = PRELUDE + r'''
import socket
NAMES = [b"new\nline", b"\xff\xfe\xfd not utf-8", b"-rf", b" ", b"...", b"*", b"x" * 255,
         b"\x1b[31mred", b"\x01\x02", b".hidden", b"main.py"]
made = 0
for place in (b"/work", b"/tmp", b"/dev/shm"):
    for n in NAMES:
        p = place + b"/" + n
        if os.path.lexists(p):
            os.unlink(p)
        with open(p, "wb") as f:
            f.write(b"SECRET")
        made += 1
    # mode 000 directories, nested, with files inside
    d = place + b"/d000"
    os.makedirs(d + b"/sub/subsub")
    for x in (d + b"/f", d + b"/sub/f", d + b"/sub/subsub/f"):
        with open(x, "wb") as f:
            f.write(b"SECRET")
    os.chmod(d + b"/sub/subsub", 0)
    os.chmod(d + b"/sub", 0)
    os.chmod(d, 0)
    # read-only, write-only and execute-only directories that are not empty
    for mode in (0o500, 0o300, 0o100, 0o400, 0o200):
        d = place + b"/d%o" % mode
        os.mkdir(d)
        with open(d + b"/f", "wb") as f:
            f.write(b"SECRET")
        os.mkdir(d + b"/e")
        os.chmod(d, mode)
    # mode 000 files, sticky and setgid directories
    with open(place + b"/f000", "wb") as f:
        f.write(b"SECRET")
    os.chmod(place + b"/f000", 0)
    os.mkdir(place + b"/sticky")
    os.chmod(place + b"/sticky", 0o1777)
    with open(place + b"/sticky/f", "wb") as f:
        f.write(b"SECRET")
    # links that point out of the place, to itself, nowhere
    os.symlink(b"/etc/passwd", place + b"/passwd")
    os.symlink(b"/", place + b"/root")
    os.symlink(b".", place + b"/self")
    os.symlink(b"/nonexistent", place + b"/dangling")
    os.symlink(place + b"/d000", place + b"/to-d000")
    os.mkfifo(place + b"/fifo")
    socket.socket(socket.AF_UNIX).bind(place + b"/sock")
# the next job's own file name taken by a mode 000 directory
os.unlink(b"/work/main.py")
os.mkdir(b"/work/main.py", 0)
print("MADE", made, flush=True)
'''


def test_hostile_names_and_modes_are_gone(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, HOSTILE_NAMES_PY)
    assert "MADE 33" in dirty.stdout, dirty
    assert_clean(after)


def test_deep_tree_is_gone(stack, sbx):
    src = PRELUDE + r'''
DEPTH = 2000
for place in ("/work", "/tmp", "/dev/shm"):
    fd = os.open(place, os.O_RDONLY | os.O_DIRECTORY)
    for i in range(DEPTH):
        name = "level-%04d-of-a-tree-deeper-than-PATH_MAX" % i
        os.mkdir(name, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    f = os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
    os.write(f, b"SECRET")
    os.close(f)
    os.fchmod(fd, 0)
    os.close(fd)
    os.chmod(place + "/level-0000-of-a-tree-deeper-than-PATH_MAX", 0)
    print("DEEP", place, DEPTH, flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src)
    assert dirty.stdout.count("DEEP ") == 3, dirty
    assert_clean(after)


def test_many_files_are_gone(stack, sbx):
    src = PRELUDE + r'''
n = 0
os.mkdir("/work/many")
for i in range(20000):
    os.close(os.open("/work/many/file-number-%05d" % i, os.O_CREAT | os.O_WRONLY, 0o644))
    n += 1
for i in range(20000):
    os.close(os.open("/tmp/t%05d" % i, os.O_CREAT | os.O_WRONLY, 0o600))
    n += 1
for i in range(5000):
    os.close(os.open("/dev/shm/s%05d" % i, os.O_CREAT | os.O_WRONLY, 0o600))
    n += 1
print("MANY", n, len(os.listdir("/work/many")), len(os.listdir("/tmp")), flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src)
    assert "MANY 45000 20000 20000" in dirty.stdout, dirty
    assert_clean(after)


def test_full_tmpfs_is_emptied(stack, sbx):
    src = PRELUDE + r'''
import errno
chunk = b"f" * (1 << 20)
for place, cap in (("/work", 64), ("/tmp", 16), ("/dev/shm", 64)):
    total = i = 0
    try:
        while total < cap + 8:
            with open("%s/full%03d" % (place, i), "wb") as f:
                for _ in range(16):
                    f.write(chunk)
                    f.flush()
                    total += 1
            i += 1
        print("NOT FULL", place, total, flush=True)
    except OSError as e:
        print("FULL", place, total, errno.errorcode.get(e.errno), flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src)
    for place in ("/work", "/tmp", "/dev/shm"):
        assert re.search(r"^FULL %s \d+ ENOSPC$" % place, dirty.stdout, re.M), dirty
    assert_clean(after)
    # the memory of the full tmpfs went with the files
    for d, u in after.probe["usage"].items():
        assert u["bytes"] <= 64 * 1024, after


# --- processes --------------------------------------------------------------------------------

DAEMONS_PY = PRELUDE + r'''
import signal, time

def daemon(tag, delay, quiet):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork():
            os._exit(0)
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1, signal.SIGPIPE):
            signal.signal(s, signal.SIG_IGN)
        if quiet:
            fd = os.open("/dev/null", os.O_RDWR)
            for i in (0, 1, 2):
                os.dup2(fd, i)
        time.sleep(delay)
        for place in ("/work", "/tmp", "/dev/shm"):
            try:
                with open(place + "/LATE-" + tag, "w") as f:
                    f.write("late")
            except OSError:
                pass
        try:
            print("LATE", tag, flush=True)
        except OSError:
            pass
        time.sleep(600)
        os._exit(0)
    os.waitpid(pid, 0)

daemon("a", 3.0, False)
daemon("b", 3.5, True)
if os.fork() == 0:                      # a plain background child, same session
    time.sleep(3.2)
    with open("/work/LATE-c", "w") as f:
        f.write("late")
    os._exit(0)
print("main done", flush=True)
'''


def test_daemons_are_dead_and_write_nothing_late(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, DAEMONS_PY, sleep=0.5, must_retire=True)
    assert "main done" in dirty.stdout and "LATE" not in dirty.stdout, dirty
    assert dirty.res["execution_time_ms"] < 5000, dirty
    assert_clean(after)


FORK_RACER_PY = PRELUDE + r'''
import signal, time
if os.fork() == 0:
    # a racer: forks as fast as it can and the parent exits at once, so its pid
    # keeps changing; every 50 generations it leaves a mark in /tmp
    os.setsid()
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, signal.SIG_IGN)
    fd = os.open("/dev/null", os.O_RDWR)
    for i in (0, 1, 2):
        os.dup2(fd, i)
    n = 0
    while True:
        try:
            if os.fork():
                os._exit(0)
        except OSError:
            pass
        n += 1
        if n % 50 == 0:
            try:
                os.close(os.open("/tmp/racer-%d" % n, os.O_CREAT | os.O_WRONLY, 0o644))
            except OSError:
                pass
if os.fork() == 0:
    # and a classic bomb in a session of its own
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.001)
time.sleep(0.3)
print("main done", len([p for p in os.listdir("/proc") if p.isdigit()]), flush=True)
'''


def test_fork_racer_is_dead(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, FORK_RACER_PY, sleep=0.5,
                                      must_retire=True)
    m = re.search(r"^main done (\d+)$", dirty.stdout, re.M)
    assert m and int(m.group(1)) > 5, dirty      # the racer and the bomb were running
    assert_clean(after)


SPINNERS_C = r'''
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char host[256] = "", c;
	int fds[2], n = 0;
	pid_t p;

	gethostname(host, sizeof host);
	printf("HOST %s UID %d\n", host, (int)getuid());
	fflush(stdout);
	if (pipe(fds) < 0)
		return 1;
	/*
	 * A daemon that learns when main has ended (the pipe's last writer is
	 * gone) and prints a line 300 ms later.
	 */
	p = fork();
	if (p == 0) {
		setsid();
		if (fork())
			_exit(0);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(fds[1]);
		while (read(fds[0], &c, 1) > 0)
			;
		usleep(300000);
		puts("LATE: alive 300 ms after main ended");
		fflush(stdout);
		for (;;)
			pause();
	}
	waitpid(p, NULL, 0);
	close(fds[0]);
	/* and 50 processes that only burn the container's one CPU */
	for (int i = 0; i < 50; i++) {
		p = fork();
		if (p == 0) {
			close(fds[1]);
			setsid();
			for (volatile unsigned long x = 0;; x++)
				;
		}
		n += p > 0;
	}
	printf("main done, %d spinners\n", n);
	return 0;
}
'''


def test_busy_leftovers_do_not_delay_the_end_of_a_run(stack, sbx):
    """50 spinning processes share the container's one CPU with the runner: the
    run still ends when its main process does, and everything of it dies then;
    a daemon that prints 300 ms after main's end never gets its line out."""
    before = run(stack, sbx.user, "c", inspect_c(0), status="completed")
    dirty = run(stack, sbx.user, "c", SPINNERS_C, status="completed")
    assert same_container(before, dirty), (before, dirty)
    assert "main done, 50 spinners" in dirty.stdout, dirty
    assert "LATE" not in dirty.stdout, dirty
    assert dirty.log["retire"] != "-", dirty
    after = run(stack, sbx.user, "c", inspect_c(0), status="completed")
    assert_clean_c(after)


SNOOPER_PY = PRELUDE + r'''
import ctypes, select, signal, time
libc = ctypes.CDLL(None, use_errno=True)
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork():
        os._exit(0)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        signal.signal(s, signal.SIG_IGN)
    fd = os.open("/dev/null", os.O_RDWR)
    for i in (0, 1, 2):
        os.dup2(fd, i)
    ino = libc.inotify_init1(0)
    for d in (b"/work", b"/tmp", b"/dev/shm"):
        libc.inotify_add_watch(ino, d, 0x100 | 0x8 | 0x2 | 0x20)   # CREATE CLOSE_WRITE MODIFY OPEN
    seen = set(os.listdir("/work"))
    deadline = time.time() + 120
    while time.time() < deadline:
        select.select([ino], [], [], 0.005)     # woken by any change, else 5 ms
        if select.select([ino], [], [], 0)[0]:
            os.read(ino, 65536)
        for n in os.listdir("/work"):
            if n in seen or n.startswith("STOLEN"):
                continue
            seen.add(n)
            try:
                with open("/work/" + n, "rb") as f:
                    data = f.read()
            except OSError as e:
                data = b"unreadable %d" % e.errno
            for place in ("/work", "/tmp", "/dev/shm"):
                try:
                    with open("%s/STOLEN-%s" % (place, n), "wb") as f:
                        f.write(data)
                except OSError:
                    pass
        # and whatever new process shows up: its command line
        for p in os.listdir("/proc"):
            if p.isdigit() and p not in seen:
                seen.add(p)
                try:
                    with open("/proc/%s/cmdline" % p, "rb") as f:
                        c = f.read()
                    with open("/tmp/STOLEN-cmdline-" + p, "wb") as f:
                        f.write(c)
                except OSError:
                    pass
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(0.2)
print("snooper waiting", flush=True)
'''


def test_snooper_never_sees_the_next_job(stack, sbx):
    user = sbx.user
    before = run(stack, user, PY, PRELUDE + "print('warm')\n", status="completed")
    dirty = run(stack, user, PY, SNOOPER_PY, status="completed")
    assert same_container(before, dirty), (before, dirty)
    assert "snooper waiting" in dirty.stdout, dirty
    secret = "SECRET-OF-THE-NEXT-USER-%d" % time.time_ns()
    nxt = run(stack, user, PY, inspect_src(sleep=0.5, secret=secret), status="completed",
              stdin=secret + "\n")
    assert_clean(nxt)
    # a third run looks again (a late copy would be there now)
    third = run(stack, user, PY, inspect_src(), status="completed")
    assert_clean(third)
    check_sandbox_run(nxt)
    # the snooper was a process left behind: its container is retired
    assert dirty.log["retire"] != "-" and not same_container(dirty, nxt), (dirty, nxt)
    assert secret not in dirty.stdout + third.stdout


# --- IPC --------------------------------------------------------------------------------------

IPC_PY = PRELUDE + r'''
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
IPC_CREAT = 0o1000

def chk(name, rc):
    print(name, "ok" if rc >= 0 else "failed " + errno.errorcode.get(ctypes.get_errno(), "?"),
          flush=True)
    return rc

shm = chk("shmget", libc.shmget(0x5EC0, 65536, IPC_CREAT | 0o666))
addr = libc.shmat(shm, None, 0)
ctypes.memmove(addr, b"SECRET-SHM", 10)
chk("shmget-private", libc.shmget(0, 4096, IPC_CREAT | 0o600))
chk("semget", libc.semget(0x5EC1, 4, IPC_CREAT | 0o666))
msg = chk("msgget", libc.msgget(0x5EC2, IPC_CREAT | 0o666))

class Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("text", ctypes.c_char * 32)]

m = Msg(1, b"SECRET-MSG")
chk("msgsnd", libc.msgsnd(msg, ctypes.byref(m), 32, 0))
q = chk("mq_open", libc.mq_open(b"/leftq", os.O_CREAT | os.O_RDWR, 0o666, None))
chk("mq_send", libc.mq_send(q, b"SECRET-MQ", 9, 0))
fd = chk("shm_open", libc.shm_open(b"/leftshm", os.O_CREAT | os.O_RDWR, 0o666))
os.write(fd, b"SECRET-POSIX-SHM")
with open("/proc/sysvipc/shm") as f:
    print("SHM LINES", len(f.read().splitlines()) - 1)
print("MQ", sorted(os.listdir("/dev/mqueue")), "SHM", sorted(os.listdir("/dev/shm")), flush=True)
'''


def test_ipc_objects_are_gone(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, IPC_PY)
    for name in ("shmget", "shmget-private", "semget", "msgget", "msgsnd", "mq_open", "mq_send",
                 "shm_open"):
        assert re.search(r"^%s ok$" % name, dirty.stdout, re.M), (name, dirty)
    assert "SHM LINES 2" in dirty.stdout and "MQ ['leftq'] SHM ['leftshm']" in dirty.stdout, dirty
    assert_clean(after)


IPC_HANDOVER_PY = PRELUDE + r'''
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT, IPC_SET, IPC_STAT = 0o1000, 1, 2
me = os.getuid()

def hand(name, ident, ctl, to, *pre):
    # struct ipc_perm starts every *id_ds: key, uid, gid, cuid, cgid, mode
    buf = ctypes.create_string_buffer(512)
    if ctl(ident, *pre, IPC_STAT, buf) < 0:
        print(name, "stat failed", errno.errorcode.get(ctypes.get_errno()))
        return
    ctypes.c_uint32.from_buffer(buf, 4).value = to
    ctypes.c_uint32.from_buffer(buf, 8).value = to
    ctypes.c_ushort.from_buffer(buf, 20).value = 0o666
    ok = ctl(ident, *pre, IPC_SET, buf) == 0
    print(name, "handed to", to if ok else "failed " + errno.errorcode.get(ctypes.get_errno()),
          flush=True)

shm = libc.shmget(0x5EC0, 4096, IPC_CREAT | 0o600)
sem = libc.semget(0x5EC1, 1, IPC_CREAT | 0o600)
msg = libc.msgget(0x5EC2, IPC_CREAT | 0o600)
priv = libc.shmget(0, 4096, IPC_CREAT | 0o600)
hand("shm", shm, libc.shmctl, me + 1 if me < 10063 else 10000)     # the next run's uid
hand("sem", sem, libc.semctl, 0, 0)                                 # root's
hand("msg", msg, libc.msgctl, 65534)                                # nobody's
hand("private", priv, libc.shmctl, 10000 if me != 10000 else 10001)
for k in ("shm", "sem", "msg"):
    with open("/proc/sysvipc/" + k) as f:
        lines = f.read().splitlines()
    col = lines[0].split().index("uid")
    print("TABLE", k, sorted(l.split()[col] for l in lines[1:]), flush=True)
'''


def test_ipc_handed_to_other_uids_is_gone(stack, sbx):
    """An owner may give a SysV object to any uid (IPC_SET): to the next run's,
    to root, to nobody. None of them may reach the next run."""
    dirty, after = dirty_then_inspect(stack, sbx.user, IPC_HANDOVER_PY)
    assert dirty.stdout.count("handed to") == 4 and "failed" not in dirty.stdout, dirty
    assert "TABLE sem ['0']" in dirty.stdout and "TABLE msg ['65534']" in dirty.stdout, dirty
    assert re.search(r"^TABLE shm \['100\d\d', '100\d\d'\]$", dirty.stdout, re.M), dirty
    assert_clean(after)


def test_oom_of_a_child_does_not_taint_the_next_run(stack, sbx):
    """A child is killed by the OOM killer while the main process ends normally:
    whatever that run's verdict, the next one is an ordinary completed run."""
    src = PRELUDE + r'''
pid = os.fork()
if pid == 0:
    hog = []
    while True:
        hog.append(b"x" * (8 << 20))
_, status = os.waitpid(pid, 0)
print("child ended", os.WIFSIGNALED(status) and os.WTERMSIG(status), flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src, lang=RETIRE_LANG, dirty_status=None)
    assert "child ended 9" in dirty.stdout, dirty
    assert after.res["status"] == "completed" and after.res["memory_used_kb"] < 60000, after
    assert_clean(after)
    nxt = run(stack, sbx.user, RETIRE_LANG, PRELUDE, status="completed")
    check_sandbox_run(nxt)


INSPECT_C = r'''
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static void list(const char *d)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!dir) {
		printf("COUNT %s -%d\n", d, errno);
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n++ < 20)
			printf("ENTRY %s %s\n", d, e->d_name);
	}
	printf("COUNT %s %d\n", d, n);
	closedir(dir);
}

static void lines(const char *f)
{
	FILE *fp = fopen(f, "r");
	char buf[512];
	int n = -1;

	if (fp) {
		while (fgets(buf, sizeof buf, fp))
			n++;
		fclose(fp);
	}
	printf("IPC %s %d\n", f, n);
}

int main(void)
{
	char host[256] = "";
	DIR *p;
	struct dirent *e;

	sleep(@@SLEEP@@);
	gethostname(host, sizeof host);
	printf("HOST %s UID %d\nPID %d\n", host, (int)getuid(), (int)getpid());
	p = opendir("/proc");
	while (p && (e = readdir(p)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			printf("PROC %s\n", e->d_name);
	list("/work");
	list("/tmp");
	list("/dev/shm");
	list("/dev/mqueue");
	lines("/proc/sysvipc/shm");
	lines("/proc/sysvipc/sem");
	lines("/proc/sysvipc/msg");
	printf("LOOKUP shm %d\n", shmget(0x5EC0, 0, 0) < 0 ? errno : 0);
	printf("LOOKUP sem %d\n", semget(0x5EC1, 0, 0) < 0 ? errno : 0);
	printf("LOOKUP msg %d\n", msgget(0x5EC2, 0) < 0 ? errno : 0);
	printf("LOOKUP mq %d\n", mq_open("/cq", O_RDONLY) < 0 ? errno : 0);
	printf("LOOKUP posix_shm %d\n", shm_open("/cshm", O_RDONLY, 0) < 0 ? errno : 0);
	return 0;
}
'''


def inspect_c(sleep):
    return INSPECT_C.replace("@@SLEEP@@", str(int(sleep)))


def assert_clean_c(r):
    out = r.stdout
    m = re.search(r"^PID (\d+)$", out, re.M)
    assert m, r
    procs = sorted(re.findall(r"^PROC (\d+)$", out, re.M), key=int)
    assert procs == sorted(["1", m.group(1)], key=int), r
    assert sorted(re.findall(r"^ENTRY /work (.*)$", out, re.M)) == ["main", "main.c"], r
    assert re.search(r"^COUNT /work 2$", out, re.M), r
    for d in PLACES[1:]:
        assert re.search(r"^COUNT %s 0$" % d, out, re.M), (d, r)
    for k in ("shm", "sem", "msg"):
        assert re.search(r"^IPC /proc/sysvipc/%s 0$" % k, out, re.M), (k, r)
    for k in ("shm", "sem", "msg", "mq", "posix_shm"):
        assert re.search(r"^LOOKUP %s 2$" % k, out, re.M), (k, r)    # ENOENT
    assert UID_BASE <= r.uid < UID_BASE + UID_COUNT, r


IPC_FILES_C = r'''
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static void ok(const char *what, long rc)
{
	printf("%s %s\n", what, rc >= 0 ? "ok" : strerror(errno));
}

int main(void)
{
	char host[256] = "";
	struct { long t; char x[16]; } m = { 1, "SECRET" };
	int shm, msg, fd;
	mqd_t q;
	char *a;

	gethostname(host, sizeof host);
	printf("HOST %s UID %d\n", host, (int)getuid());
	ok("shmget", shm = shmget(0x5EC0, 65536, IPC_CREAT | 0666));
	a = shmat(shm, NULL, 0);
	if (a != (void *)-1)
		strcpy(a, "SECRET");
	ok("semget", semget(0x5EC1, 2, IPC_CREAT | 0666));
	ok("msgget", msg = msgget(0x5EC2, IPC_CREAT | 0666));
	ok("msgsnd", msgsnd(msg, &m, sizeof m.x, 0));
	ok("mq_open", q = mq_open("/cq", O_CREAT | O_RDWR, 0666, NULL));
	ok("mq_send", mq_send(q, "SECRET", 6, 0));
	ok("shm_open", fd = shm_open("/cshm", O_CREAT | O_RDWR, 0666));
	ok("write", write(fd, "SECRET", 6));
	ok("mkdir", mkdir("/work/d000", 0700));
	ok("creat", fd = creat("/work/d000/f", 0600));
	ok("chmod", chmod("/work/d000", 0));
	ok("creat", creat("/tmp/left", 0600));
	ok("creat", creat("/dev/shm/left", 0600));
	return 0;
}
'''

DAEMONS_C = r'''
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char host[256] = "";
	pid_t p;

	gethostname(host, sizeof host);
	printf("HOST %s UID %d\n", host, (int)getuid());
	fflush(stdout);
	p = fork();
	if (p == 0) {
		setsid();
		if (fork())
			_exit(0);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		sleep(3);
		close(creat("/work/LATE", 0644));
		close(creat("/tmp/LATE", 0644));
		puts("LATE");
		fflush(stdout);
		for (;;)
			pause();
	}
	waitpid(p, NULL, 0);
	if (fork() == 0) {
		/* the racer: fork, the parent leaves at once */
		long n = 0;

		setsid();
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		for (;;) {
			pid_t c = fork();

			if (c > 0)
				_exit(0);
			if (++n % 200 == 0) {
				char name[64];

				snprintf(name, sizeof name, "/tmp/racer-%ld", n);
				close(creat(name, 0644));
			}
		}
	}
	if (fork() == 0) {
		setsid();
		for (;;)
			fork();
	}
	usleep(100000);
	puts("main done");
	return 0;
}
'''


def test_c_ipc_and_files_are_gone(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, IPC_FILES_C, lang="c")
    for name in ("shmget", "semget", "msgget", "msgsnd", "mq_open", "mq_send", "shm_open",
                 "write", "mkdir", "chmod"):
        assert re.search(r"^%s ok$" % name, dirty.stdout, re.M), (name, dirty)
    assert dirty.stdout.count("creat ok") == 3, dirty
    assert_clean_c(after)


def test_c_daemons_and_racer_are_dead(stack, sbx):
    dirty, after = dirty_then_inspect(stack, sbx.user, DAEMONS_C, lang="c", sleep=0,
                                      must_retire=True)
    assert "main done" in dirty.stdout and "LATE" not in dirty.stdout, dirty
    assert_clean_c(after)


# --- the process's own state --------------------------------------------------------------------

def test_environment_umask_rlimits_cwd_are_fresh(stack, sbx, baseline):
    src = PRELUDE + r'''
import resource
os.umask(0o777)
for name, lim in (("RLIMIT_NOFILE", (16, 64)), ("RLIMIT_FSIZE", (4096, 1 << 20)),
                  ("RLIMIT_CORE", (0, 0)), ("RLIMIT_NPROC", (8, 8)),
                  ("RLIMIT_STACK", (1 << 20, resource.getrlimit(resource.RLIMIT_STACK)[1])),
                  ("RLIMIT_AS", (1 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))):
    r = getattr(resource, name)
    resource.setrlimit(r, lim)
    print("LOWERED", name, resource.getrlimit(r) == lim)
try:
    resource.prlimit(1, resource.RLIMIT_NOFILE, (1, 1))
    print("ESCAPED prlimit of PID 1")
except OSError as e:
    print("BLOCKED prlimit of PID 1", e.errno)
os.environ["LEAK_ME"] = "1"
os.putenv("LEAK_TOO", "1")
os.chdir("/tmp")
for d in ("/work", "/tmp", "/dev/shm", "/dev/mqueue"):
    try:
        os.chmod(d, 0o700)
        print("ESCAPED chmod", d)
    except OSError as e:
        print("BLOCKED chmod", d, e.errno)
print("umask now", oct(os.umask(0o777)), flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src, must_keep=True)
    assert dirty.stdout.count("LOWERED") == 6 and "LOWERED RLIMIT_NOFILE True" in dirty.stdout, dirty
    assert "ESCAPED" not in dirty.stdout and dirty.stdout.count("BLOCKED") == 5, dirty
    assert "umask now 0o777" in dirty.stdout, dirty
    p = after.probe
    assert_clean(after)
    assert set(p["env"]) == BASE_ENV, p["env"]
    assert p["env"] == {**baseline["env"]}, (p["env"], baseline["env"])
    assert p["umask"] == baseline["umask"] == 0o022, (p["umask"], baseline["umask"])
    assert p["rlimits"] == baseline["rlimits"], (p["rlimits"], baseline["rlimits"])
    assert p["rlimits"]["RLIMIT_NOFILE"] == [256, 256], p["rlimits"]
    assert p["rlimits"]["RLIMIT_FSIZE"] == [32 << 20, 32 << 20], p["rlimits"]
    assert p["rlimits"]["RLIMIT_CORE"] == [0, 0], p["rlimits"]
    assert p["cwd"] == "/work" and p["modes"] == baseline["modes"], (p, baseline["modes"])


def test_pid1_cannot_be_touched(stack, sbx):
    src = PRELUDE + r'''
import ctypes, errno, resource, signal
libc = ctypes.CDLL(None, use_errno=True)

def attempt(name, fn):
    try:
        r = fn()
    except OSError as e:
        print("BLOCKED", name, errno.errorcode.get(e.errno), flush=True)
        return
    print("ESCAPED", name, repr(r)[:100], flush=True)

def ptrace(req):
    r = libc.ptrace(req, 1, None, None)
    if r < 0:
        raise OSError(ctypes.get_errno(), "ptrace")
    return r

for sig in ("SIGKILL", "SIGTERM", "SIGSTOP", "SIGINT", "SIGHUP", "SIGSEGV", "SIGUSR1"):
    attempt("kill(1, %s)" % sig, lambda sig=sig: os.kill(1, getattr(signal, sig)))
attempt("ptrace(PTRACE_ATTACH, 1)", lambda: ptrace(16))
attempt("ptrace(PTRACE_SEIZE, 1)", lambda: ptrace(0x4206))
attempt("read /proc/1/environ", lambda: open("/proc/1/environ", "rb").read())
attempt("list /proc/1/fd", lambda: os.listdir("/proc/1/fd"))
attempt("read /proc/1/fd/0", lambda: open("/proc/1/fd/0", "rb").read(1))
attempt("write /proc/1/fd/1", lambda: open("/proc/1/fd/1", "wb").write(b"forged"))
attempt("read /proc/1/mem", lambda: open("/proc/1/mem", "rb").read(1))
attempt("list /proc/1/root", lambda: os.listdir("/proc/1/root"))
attempt("prlimit(1)", lambda: resource.prlimit(1, resource.RLIMIT_NOFILE, (1, 1)))
attempt("setpriority(1)", lambda: os.setpriority(os.PRIO_PROCESS, 1, 19))
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
print("DONE", flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src, must_keep=True)
    assert "ESCAPED" not in dirty.stdout, dirty
    blocked = re.findall(r"^BLOCKED (.*) (\w+)$", dirty.stdout, re.M)
    assert len(blocked) == 17, dirty
    assert all(e == "EPERM" for what, e in blocked if what.startswith(("kill", "ptrace")))
    assert all(e in ("EACCES", "EPERM") for what, e in blocked), blocked
    assert "DONE" in dirty.stdout, dirty
    assert_clean(after)
    assert after.probe["procs"]["1"].endswith("uid=0"), after.probe["procs"]


# --- memory -------------------------------------------------------------------------------

def test_memory_heavy_ordinary_run_does_not_taint_the_next(stack, sbx):
    src = PRELUDE + r'''
hog = bytearray(180 << 20)
for i in range(0, len(hog), 4096):
    hog[i] = 1
print("touched", len(hog) >> 20, flush=True)
'''
    dirty, after = dirty_then_inspect(stack, sbx.user, src, must_keep=True)
    assert "touched 180" in dirty.stdout and dirty.res["memory_used_kb"] > 150000, dirty
    assert_clean(after)
    assert after.res["memory_used_kb"] < 60000, after
    # the container's memory is back: far below the 180 MB the run before held
    assert 0 < after.probe["memory"] < 100 << 20, after


# --- retirement -------------------------------------------------------------------------------

RETIRE_CASES = {
    # name: (program, status, retired)
    "timeout": ("import time\nwhile True:\n    pass\n", "timeout", True),
    "memory": ("hog = []\nwhile True:\n    hog.append(bytearray(8 << 20))\n",
               "memory_limit_exceeded", True),
    "signal": ("import signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "failed", True),
    "output": ("import sys\nsys.stdout.write('x' * (4 << 20))\n", "output_limit_exceeded", True),
    "left_behind": ("import time\nif os.fork() == 0:\n    os.setsid()\n"
                    "    fd = os.open('/dev/null', os.O_RDWR)\n"
                    "    [os.dup2(fd, i) for i in (0, 1, 2)]\n    time.sleep(600)\n"
                    "print('parent done')\n", "completed", True),
    "exit0": ("print('fine')\n", "completed", False),
    "exit1": ("import sys\nprint('failing')\nsys.exit(1)\n", "failed", False),
}


@pytest.mark.parametrize("case", list(RETIRE_CASES))
def test_retirement(stack, sbx, case):
    src, status, retired = RETIRE_CASES[case]
    user = sbx.user
    first = run(stack, user, RETIRE_LANG, PRELUDE + "print('first')\n", status="completed")
    dirty = run(stack, user, RETIRE_LANG, PRELUDE + src, status=status)
    nxt = run(stack, user, RETIRE_LANG, PRELUDE + "print('next')\n", status="completed")
    for r in (first, dirty, nxt):
        check_sandbox_run(r)
    assert same_container(first, dirty) and dirty.log["path"] == "held", (first, dirty)
    if case == "signal":
        assert dirty.res["exit_signal"] == 11, dirty
    if case == "exit1":
        assert dirty.res["exit_code"] == 1, dirty
    if retired:
        assert dirty.log["retire"] != "-", dirty
        assert not same_container(dirty, nxt) and nxt.host != first.host, (dirty, nxt)
        assert nxt.log["run"] == "1", nxt
        wait_for(lambda: not container_exists(dirty.container), 30,
                 "the retired container %s removed" % dirty.container)
    else:
        assert dirty.log["retire"] == "-", dirty
        assert same_container(dirty, nxt) and nxt.host == first.host, (dirty, nxt)
        assert int(nxt.log["run"]) == int(dirty.log["run"]) + 1, (dirty, nxt)


def test_language_row_change_retires(stack, sbx):
    """The held container of the old row retires at the next claim; the new one
    made for the new row then serves the runs after it (also before the pool's
    next sweep_interval_seconds look at the rows)."""
    user = sbx.user
    a = run(stack, user, RETIRE_LANG, PRELUDE, status="completed")
    b = run(stack, user, RETIRE_LANG, PRELUDE, status="completed")
    assert same_container(a, b), (a, b)
    stack.db("UPDATE language_configs SET max_memory_mb = max_memory_mb + 1 "
             "WHERE language_id = %s", (RETIRE_LANG,))
    c = run(stack, user, RETIRE_LANG, PRELUDE, status="completed")
    d = run(stack, user, RETIRE_LANG, PRELUDE, status="completed")
    assert not same_container(b, c) and c.host != b.host, (b, c)
    assert c.log["run"] == "1" and same_container(c, d), (c, d)
    wait_for(lambda: not container_exists(b.container), 30,
             "the container of the old row %s removed" % b.container)
    # the new container has the new limit
    mem = subprocess.run(["docker", "inspect", "--format", "{{.HostConfig.Memory}}", c.container],
                         capture_output=True, text=True).stdout.strip()
    row_mb = stack.db("SELECT max_memory_mb FROM language_configs WHERE language_id = %s",
                      (RETIRE_LANG,))[0][0]
    assert mem == str(row_mb << 20), (mem, row_mb)


def test_row_isolation_container_overrides_the_sandbox_worker(stack, sbx):
    user = sbx.user
    stack.db("UPDATE language_configs SET isolation = 'container' WHERE language_id = %s",
             (RETIRE_LANG,))
    try:
        runs = [run(stack, user, RETIRE_LANG, PRELUDE, status="completed") for _ in range(3)]
    finally:
        stack.db("UPDATE language_configs SET isolation = NULL WHERE language_id = %s",
                 (RETIRE_LANG,))
    assert len({r.container for r in runs}) == 3 and len({r.host for r in runs}) == 3, runs
    for r in runs:
        assert r.log["isolation"] == "container" and r.log["path"] in ("pool", "cold"), r
        assert r.uid == UID_BASE, r
    for r in runs:
        wait_for(lambda: not container_exists(r.container), 30, "%s removed" % r.container)
    # and python, whose row says nothing, still shares its container
    a = run(stack, user, PY, PRELUDE, status="completed")
    b = run(stack, user, PY, PRELUDE, status="completed")
    assert same_container(a, b) and b.log["isolation"] == "sandbox", (a, b)


def test_max_runs_and_idle_retire(stack, worker):
    worker.apply(**dict(STANDARD, isolation="sandbox", sandbox_max_runs=3,
                        sandbox_idle_seconds=3, sweep_interval_seconds=1))
    user = worker.user
    runs = [run(stack, user, PY, PRELUDE, status="completed") for _ in range(5)]
    for r in runs:
        check_sandbox_run(r)
    assert [r.log["run"] for r in runs] == ["1", "2", "3", "1", "2"], runs
    assert len({r.container for r in runs[:3]}) == 1, runs
    assert len({r.container for r in runs[3:]}) == 1, runs
    assert runs[3].container != runs[0].container and runs[3].host != runs[0].host, runs
    assert [r.log["retire"] for r in runs[:2]] == ["-", "-"], runs
    # the log says why the third one went (not a cleaning failure)
    assert "max_runs" in runs[2].log["retire"], runs[2]
    wait_for(lambda: not container_exists(runs[0].container), 30,
             "the container retired after 3 runs removed")
    # idle: the held container goes away by itself after sandbox_idle_seconds
    held = runs[4].container
    wait_for(lambda: not container_exists(held), 20, "the idle container %s removed" % held)
    r = run(stack, user, PY, PRELUDE, status="completed")
    assert r.container != held and r.log["run"] == "1", r


def test_container_mode_fresh_container_every_run(stack, worker):
    worker.apply(**dict(STANDARD, isolation="container"))
    user = worker.user
    runs = [run(stack, user, PY, inspect_src(), status="completed") for _ in range(3)]
    assert len({r.container for r in runs}) == 3 and len({r.host for r in runs}) == 3, runs
    for r in runs:
        assert r.log["isolation"] == "container" and r.log["path"] in ("pool", "cold"), r
        assert r.uid == UID_BASE, r
        assert_clean(r)
    for r in runs:
        wait_for(lambda: not container_exists(r.container), 30, "%s removed" % r.container)
    # the row's isolation column overrides the worker's the other way too
    stack.db("UPDATE language_configs SET isolation = 'sandbox' WHERE language_id = %s",
             (RETIRE_LANG,))
    try:
        rs = [run(stack, user, RETIRE_LANG, PRELUDE, status="completed") for _ in range(3)]
    finally:
        stack.db("UPDATE language_configs SET isolation = NULL WHERE language_id = %s",
                 (RETIRE_LANG,))
    assert len({r.container for r in rs}) == 1, rs
    for r in rs:
        check_sandbox_run(r)
    assert [r.log["run"] for r in rs] == ["1", "2", "3"], rs
    # a dirty run in container mode: the next run is in a fresh container anyway
    d = run(stack, user, PY, DAEMONS_PY, status="completed")
    a = run(stack, user, PY, inspect_src(sleep=2), status="completed")
    assert not same_container(d, a)
    assert_clean(a)


# --- test cases and multi-file programs: the runner driven directly -----------------------
#
# The worker does not send test cases yet, so these tests speak the runner's own
# protocol (worker/frame.h): BSON job frames on the stdin of a container started
# with the worker's profile (worker/sandbox.c), result frames read back from its
# stdout. The BSON below covers the types the frames use.

def bson_encode(doc):
    out = bytearray()
    for k, v in doc.items():
        key = k.encode() + b"\0"
        if isinstance(v, bool):
            out += b"\x08" + key + (b"\x01" if v else b"\x00")
        elif isinstance(v, int):
            if -2**31 <= v < 2**31:
                out += b"\x10" + key + v.to_bytes(4, "little", signed=True)
            else:
                out += b"\x12" + key + v.to_bytes(8, "little", signed=True)
        elif isinstance(v, float):
            out += b"\x01" + key + struct.pack("<d", v)
        elif isinstance(v, str):
            s = v.encode()
            out += b"\x02" + key + struct.pack("<i", len(s) + 1) + s + b"\0"
        elif isinstance(v, (bytes, bytearray)):
            out += b"\x05" + key + struct.pack("<i", len(v)) + b"\x00" + bytes(v)
        elif isinstance(v, list):
            out += b"\x04" + key + bson_encode({str(i): x for i, x in enumerate(v)})
        elif isinstance(v, dict):
            out += b"\x03" + key + bson_encode(v)
        else:
            raise TypeError("no BSON for %r" % (v,))
    return struct.pack("<i", len(out) + 5) + bytes(out) + b"\0"


def bson_decode(data, pos=0):
    end = pos + struct.unpack_from("<i", data, pos)[0] - 1
    pos += 4
    doc = {}
    while pos < end:
        t = data[pos]
        k_end = data.index(b"\0", pos + 1)
        key = data[pos + 1:k_end].decode()
        pos = k_end + 1
        if t == 0x01:
            doc[key] = struct.unpack_from("<d", data, pos)[0]
            pos += 8
        elif t == 0x02:
            n = struct.unpack_from("<i", data, pos)[0]
            doc[key] = data[pos + 4:pos + 3 + n].decode()
            pos += 4 + n
        elif t in (0x03, 0x04):
            n = struct.unpack_from("<i", data, pos)[0]
            sub = bson_decode(data, pos)
            doc[key] = list(sub.values()) if t == 0x04 else sub
            pos += n
        elif t == 0x05:
            n = struct.unpack_from("<i", data, pos)[0]
            doc[key] = bytes(data[pos + 5:pos + 5 + n])
            pos += 5 + n
        elif t == 0x08:
            doc[key] = data[pos] == 1
            pos += 1
        elif t == 0x10:
            doc[key] = struct.unpack_from("<i", data, pos)[0]
            pos += 4
        elif t == 0x12:
            doc[key] = struct.unpack_from("<q", data, pos)[0]
            pos += 8
        else:
            raise ValueError("BSON type 0x%02x at %d" % (t, pos))
    return doc


def job_frame(files, run_cmd, compile_cmd=None, stdin=b"", cases=None, keep=False, uid=UID_BASE,
              time_ms=5000, output_bytes=65536, file_bytes=32 << 20, **extra):
    """A job document; files is a list of (name, bytes or str); cases a list of
    (stdin, expected or None); extra adds or overrides raw fields."""
    doc = {"v": 1,
           "files": [{"name": n, "data": d.encode() if isinstance(d, str) else d}
                     for n, d in files],
           "stdin": stdin}
    if compile_cmd:
        doc["compile"] = compile_cmd
    doc.update({"run": run_cmd, "time_ms": time_ms, "compile_ms": 60000,
                "output_bytes": output_bytes, "compile_output_bytes": 65536,
                "file_bytes": file_bytes, "nofile": 256, "uid": uid, "keep": keep})
    if cases is not None:
        doc["cases"] = []
        for c_in, c_exp in cases:
            c = {"stdin": c_in.encode() if isinstance(c_in, str) else c_in}
            if c_exp is not None:
                c["expected"] = c_exp.encode() if isinstance(c_exp, str) else c_exp
            doc["cases"].append(c)
    doc.update(extra)
    return bson_encode(doc)


class RunnerBox:
    """One container with the worker's sandbox profile, its runner fed by hand."""

    def __init__(self, image, memory_mb=256, pids=64, work_mb=64, fsize=32 << 20):
        self.name = "coderank-judge-test-%d-%d" % (os.getpid(), time.monotonic_ns())
        argv = ["docker", "run", "-i", "--rm", "--name", self.name, "--user", "0:0",
                "--workdir", "/work", "--network", "none", "--cap-drop", "ALL",
                "--cap-add", "SETUID", "--cap-add", "SETGID", "--cap-add", "KILL",
                "--security-opt", "no-new-privileges", "--read-only",
                "--tmpfs", "/work:rw,exec,nosuid,nodev,size=%dm,mode=1777" % work_mb,
                "--tmpfs", "/tmp:rw,nosuid,nodev,size=16m,mode=1777",
                "--memory", "%dm" % memory_mb, "--memory-swap", "%dm" % memory_mb,
                "--pids-limit", str(pids), "--cpus", "1",
                "--ulimit", "nofile=256:256", "--ulimit", "core=0",
                "--log-driver", "none", "--ipc", "private",
                "--sysctl", "net.ipv4.ping_group_range=1 0",
                "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--env", "LANG=C.UTF-8"]
        if fsize is not None:
            argv += ["--ulimit", "fsize=%d:%d" % (fsize, fsize)]
        self.proc = subprocess.Popen(argv + [image], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.raw = b""

    def _read(self, n, deadline):
        buf = b""
        fd = self.proc.stdout.fileno()
        while len(buf) < n:
            left = deadline - time.monotonic()
            assert left > 0, "no result frame in time (%d of %d bytes)" % (len(buf), n)
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, n - len(buf))
                if not chunk:
                    return buf
                buf += chunk
        return buf

    def job(self, frame, timeout=120):
        """Writes one job frame, returns the decoded result frame."""
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        head = self._read(4, deadline)
        assert len(head) == 4, "the runner sent no result: %r" % self.stderr()
        n = struct.unpack("<i", head)[0]
        assert 5 <= n <= 16 << 20, n
        body = self._read(n - 4, deadline)
        assert len(body) == n - 4, "a truncated result frame"
        self.raw = head + body
        return bson_decode(self.raw)

    def stderr(self):
        self.close()
        return self.proc.stderr.read().decode("utf-8", "replace")

    def exited(self, timeout=20):
        """The runner's exit status once stdin is still open (it left by itself)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)
            self.proc.wait(30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def one_job(image, frame, **box):
    with RunnerBox(image, **box) as b:
        return b.job(frame)


def case_outputs(res):
    return [c["stdout"] for c in res.get("cases", [])]


ADD_C = r'''
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	long a, b, lines = 0;
	char target[64] = "";
	struct stat st;
	FILE *f = fopen("compiled.log", "r");
	int c;

	if (scanf("%ld %ld", &a, &b) != 2)
		return 3;
	while (f && (c = fgetc(f)) != EOF)
		lines += c == '\n';
	if (readlink("link", target, sizeof target - 1) < 0)
		target[0] = '?';
	stat("ro", &st);
	printf("%ld\n", a + b);
	fprintf(stderr, "compiled=%ld link=%s ro=%o\n", lines, target, st.st_mode & 0777);
	return 0;
}
'''
# the compile step marks its one run in /work, and leaves links (one to / that the
# snapshot must not follow: 10000 entries would fail the compile) and a read-only tree
ADD_COMPILE = ("gcc -O2 -o main main.c && echo compiled >> compiled.log && ln -s main link && "
               "ln -s / rootlink && mkdir -p ro/sub && echo hi > ro/sub/f && chmod 0555 ro && "
               "chmod 0600 compiled.log")


def test_cases_compile_once_run_each(stack):
    cases = [("1 2", "3"), ("20 22\n", "42\n"), ("-5 5", None)]
    res = one_job("coderank/c:1", job_frame([("main.c", ADD_C)], "./main", ADD_COMPILE,
                                           cases=cases))
    assert "error" not in res, res
    assert res["compiled"] and res["compile_exit"] == 0 and res["compile_time_ms"] > 0, res
    assert res["ran"] is True, res
    assert len(res["cases"]) == 3, res
    assert case_outputs(res) == [b"3\n", b"42\n", b"0\n"], res
    for c in res["cases"]:
        assert c["exit_code"] == 0 and c["signal"] == 0 and not c["timeout"], c
        assert not c["oom"] and not c["output_killed"], c
        assert not c["stdout_truncated"] and not c["stderr_truncated"], c
        assert c["time_ms"] >= 0 and c["memory_kb"] > 0, c
        # one compile for all: its mark is there once; what it made comes back whole
        assert c["stderr"] == b"compiled=1 link=main ro=555\n", c
    assert [c.get("matched") for c in res["cases"]] == [True, True, None], res
    # the top-level run fields are a run's that did not start
    assert res["exit_code"] == -1 and res["stdout"] == b"" and not res["timeout"], res


ISOLATION_PY = r'''
import ctypes, json, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
mode = sys.stdin.read().strip()

def listing(d):
    out = []
    for root, dirs, files in os.walk(d):
        out += [os.path.join(root, x) for x in dirs + files]
    return sorted(out)

if mode == "dirty":
    open("/work/x", "w").write("x")
    open("/tmp/y", "w").write("y")
    os.makedirs("/work/newdir/deeper")
    open("/work/newdir/deeper/f", "w").write("f")
    open("/dev/shm/z", "w").write("z")
    libc.mq_open(b"/crq", os.O_CREAT | os.O_RDWR, 0o600, None)
    libc.shmget(0x4352, 4096, 0o1666)                 # IPC_CREAT | 0666
    libc.semget(0x4353, 1, 0o1666)
    os.symlink("/etc", "/work/etc")
    with open("/work/main.py", "w") as f:             # the program itself
        f.write("print('PWNED')\n")
    os.chmod("/work/newdir", 0)
    if os.fork() == 0:                                # a daemon in its own session
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            time.sleep(30)
            open("/tmp/late", "w").write("late")
            os._exit(0)
        os._exit(0)
    time.sleep(0.3)
    print("DIRTY")
else:
    procs = sorted(int(p) for p in os.listdir("/proc") if p.isdigit()
                   and int(p) not in (1, os.getpid()))
    try:
        os.kill(-1, 0)
        kill = "someone"
    except ProcessLookupError:
        kill = "ESRCH"
    sysv = []
    for f in ("shm", "sem", "msg"):
        with open("/proc/sysvipc/" + f) as fh:
            sysv += fh.read().splitlines()[1:]
    print("LOOK " + json.dumps({
        "work": listing("/work"), "tmp": listing("/tmp"), "shm": listing("/dev/shm"),
        "mqueue": listing("/dev/mqueue"), "sysv": sysv, "procs": procs, "kill": kill,
        "modes": oct(os.stat("/work").st_mode & 0o7777)}, sort_keys=True))
'''


def look(case):
    out = case["stdout"].decode()
    m = re.search(r"^LOOK (.*)$", out, re.M)
    assert m, case
    return json.loads(m.group(1))


def test_cases_see_nothing_of_each_other(stack):
    """A case writes /work, /tmp, /dev/shm, /dev/mqueue, SysV IPC, overwrites the
    program and leaves a daemon: the next case sees exactly what the first saw."""
    res = one_job("coderank/python:1",
                  job_frame([("main.py", ISOLATION_PY)], "python3 main.py",
                            cases=[("look", None), ("dirty", None), ("look", None),
                                   ("dirty", None), ("look", None)]))
    assert "error" not in res, res
    assert len(res["cases"]) == 5, res
    assert res["cases"][1]["stdout"] == b"DIRTY\n" and res["cases"][3]["stdout"] == b"DIRTY\n", res
    first = look(res["cases"][0])
    assert first == {"work": ["/work/main.py"], "tmp": [], "shm": [], "mqueue": [], "sysv": [],
                     "procs": [], "kill": "ESRCH", "modes": "0o1777"}, first
    assert look(res["cases"][2]) == first, res["cases"][2]
    assert look(res["cases"][4]) == first, res["cases"][4]


def test_cases_in_a_kept_container_then_ordinary_jobs(stack):
    """Sandbox mode: a job with cases ends clean (the memory check allows what
    the runner holds on purpose), and the container serves the next jobs."""
    with RunnerBox("coderank/c:1") as b:
        r1 = b.job(job_frame([("main.c", ADD_C)], "./main", ADD_COMPILE, keep=True,
                             cases=[("1 1", "2"), ("2 2", "4"), ("3 3", "6")]))
        assert r1["clean"] is True and "dirty" not in r1, r1
        assert case_outputs(r1) == [b"2\n", b"4\n", b"6\n"], r1
        r2 = b.job(job_frame([("main.c", ADD_C)], "./main", "gcc -O2 -o main main.c",
                             stdin=b"4 5", keep=True, uid=UID_BASE + 1))
        assert r2["clean"] is True and r2["stdout"] == b"9\n" and "cases" not in r2, r2
        # a megabyte of output per case stays in the runner until the result is sent
        r3 = b.job(job_frame([], "head -c 1048576 /dev/zero", keep=True, uid=UID_BASE + 2,
                             output_bytes=2 << 20, cases=[("", None)] * 6))
        assert r3["clean"] is True, r3
        assert [len(c["stdout"]) for c in r3["cases"]] == [1 << 20] * 6, r3
        r4 = b.job(job_frame([("main.c", ADD_C)], "./main", ADD_COMPILE, keep=True,
                             uid=UID_BASE + 3, cases=[("5 5", "10")]))
        assert r4["clean"] is True and r4["cases"][0]["matched"] is True, r4


PY_EXIT = "import sys\ncode = int(sys.stdin.read())\nprint(code)\nsys.exit(code)\n"


@pytest.mark.parametrize("cases,stop,ran", [
    ([("0", "0"), ("0", "1"), ("0", "0"), ("0", "0")], True, 2),     # a wrong answer
    ([("0", "0"), ("3", "3"), ("0", "0")], True, 2),                 # a runtime error
    ([("0", None), ("1", None), ("0", None)], True, 2),              # no expected: the status
    ([("0", "0"), ("0", "1"), ("3", "3"), ("0", "0")], False, 4),    # no stop: all run
    ([("0", "0"), ("0", "0"), ("0", "0")], True, 3),                 # nothing fails
])
def test_stop_on_failure(stack, cases, stop, ran):
    res = one_job("coderank/python:1", job_frame([("main.py", PY_EXIT)], "python3 main.py",
                                                 cases=cases, stop_on_failure=stop))
    assert "error" not in res and res["ran"], res
    assert len(res["cases"]) == ran, res
    for c, (c_in, c_exp) in zip(res["cases"], cases):
        assert c["exit_code"] == int(c_in) and c["stdout"] == (c_in + "\n").encode(), c
        assert c.get("matched") == (None if c_exp is None else c_exp == c_in), c


ECHO_PY = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"


@pytest.mark.parametrize("mode,epsilon,rows", [
    ("exact", None, [("1 2\n", "1 2\n", True), ("1 2\n", "1 2", False),
                     ("a\0b", "a\0b", True)]),
    ("lines", None, [("1 \r\n2\n\n", "1\n2", True), ("1\n2\n", "1\n3\n", False),
                     ("1 2\n", "1  2\n", False)]),
    (None, None, [("1 \r\n2\n\n", "1\n2", True), ("x", "y", False)]),      # lines by default
    ("tokens", None, [("1   2\n3", "1 2 3\n", True), ("1 2", "1 2 3", False)]),
    ("float", None, [("0.3333333", "0.3333334", True), ("1.5", "1.6", False),
                     ("abc 1.0", "abc 1.0000001", True), ("abc", "abd", False)]),
    ("float", 0.2, [("1.5", "1.6", True), ("1.5", "3.0", False), ("100", "119", True)]),
])
def test_compare_modes(stack, mode, epsilon, rows):
    extra = {}
    if mode:
        extra["compare"] = mode
    if epsilon is not None:
        extra["epsilon"] = epsilon
    res = one_job("coderank/python:1",
                  job_frame([("main.py", ECHO_PY)], "python3 main.py",
                            cases=[(got, want) for got, want, _ in rows], **extra))
    assert "error" not in res, res
    assert [c["matched"] for c in res["cases"]] == [ok for _, _, ok in rows], res
    assert case_outputs(res) == [got.encode() for got, _, _ in rows], res


def test_truncated_output_never_matches(stack):
    res = one_job("coderank/python:1",
                  job_frame([("main.py", ECHO_PY)], "python3 main.py", output_bytes=4,
                            cases=[("abcdefgh", "abcd"), ("abc", "abc")], compare="exact"))
    a, b = res["cases"]
    assert a["stdout"] == b"abcd" and a["stdout_truncated"] and a["matched"] is False, a
    assert b["stdout"] == b"abc" and not b["stdout_truncated"] and b["matched"] is True, b


def test_each_case_has_its_own_verdict(stack):
    """An OOM kill and a time-out in one case each: the cases after them run
    normally; in a kept container the job is unclean (the runner exits)."""
    src = ("import sys, time\nm = sys.stdin.read()\n"
           "if m == 'oom':\n    x = bytearray(1 << 30)\n    x[::4096] = b'x' * len(x[::4096])\n"
           "if m == 'sleep':\n    time.sleep(30)\nprint('ok', m)\n")
    with RunnerBox("coderank/python:1", memory_mb=256) as b:
        res = b.job(job_frame([("main.py", src)], "python3 main.py", time_ms=2000, keep=True,
                              cases=[("a", "ok a"), ("oom", None), ("b", "ok b"),
                                     ("sleep", None), ("c", "ok c")]))
        assert b.exited() == 0, "the runner serves nothing after an unclean job"
    cs = res["cases"]
    assert len(cs) == 5, res
    assert [c.get("matched") for c in cs] == [True, None, True, None, True], res
    assert cs[1]["oom"] and cs[1]["signal"] == 9 and not cs[1]["timeout"], cs[1]
    assert cs[3]["timeout"] and not cs[3]["oom"], cs[3]
    for c in (cs[0], cs[2], cs[4]):
        assert not c["oom"] and not c["timeout"] and c["exit_code"] == 0, c
    assert res["clean"] is False and res["dirty"] == "timeout", res


def test_multi_file_python_program(stack):
    files = [("main.py", "from pkg.util import double\nfrom pkg.sub.deep import name\n"
                         "print(double(int(input())), name())\n"),
             ("pkg/util.py", "def double(x):\n    return 2 * x\n"),
             ("pkg/sub/deep.py", "def name():\n    return __name__\n"),
             ("data/in.txt", "unused\n")]
    res = one_job("coderank/python:1", job_frame(files, "python3 main.py", stdin=b"21"))
    assert "error" not in res and res["exit_code"] == 0, res
    assert res["stdout"] == b"42 pkg.sub.deep\n", res
    # the same program with cases
    res = one_job("coderank/python:1", job_frame(files, "python3 main.py",
                                                 cases=[("1", "2 pkg.sub.deep"), ("5", "9")]))
    assert [c["matched"] for c in res["cases"]] == [True, False], res


@pytest.mark.parametrize("names", [
    ["../x"], ["/etc/x"], ["a/b/c/d/e/f.py"], ["a/../../x"], ["a//b"], ["./a"], ["-a"],
    ["a\nb"], ["pkg", "pkg/x.py"], ["main.py", "main.py"],
])
def test_hostile_file_names_are_refused(stack, names):
    with RunnerBox("coderank/python:1") as b:
        res = b.job(job_frame([(n, "print(1)\n") for n in names], "python3 main.py",
                              keep=True))
        assert b.exited() == 0, "a refused job is unclean: the runner exits"
    assert "file name" in res.get("error", ""), res
    assert res["ran"] is False and res["clean"] is False, res


@pytest.mark.parametrize("what,compile_cmd,box,message", [
    ("more than 10000 entries", "mkdir d && cd d && seq 1 10001 | xargs touch", {},
     "more than 10000 files and directories in /work"),
    ("more than 64 MiB", "head -c 35000000 /dev/zero > a && head -c 35000000 /dev/zero > b",
     {"work_mb": 160, "memory_mb": 512, "fsize": None}, "more than 67108864 bytes in /work"),
    ("a fifo", "mkfifo pipe", {}, '"/work/pipe" is neither a file, a directory nor'),
    ("an unreadable file", "echo s > secret && chmod 000 secret", {},
     '"/work/secret" Permission denied'),
    ("an unreadable directory", "mkdir -p d/e && chmod 000 d", {}, '"/work/d" Permission denied'),
    ("too deep", "mkdir -p $(seq -s / 1 70)", {}, "is nested too deep"),
])
def test_snapshot_refused_is_a_failed_compile(stack, what, compile_cmd, box, message):
    frame = job_frame([("main.c", "int main(void){return 0;}\n")], "./main",
                      "gcc -o main main.c && " + compile_cmd, cases=[("", None)],
                      file_bytes=40 << 20)
    res = one_job("coderank/c:1", frame, **box)
    assert "error" not in res, res
    assert res["compiled"] and res["compile_exit"] == 1 and res["compile_signal"] == 0, res
    out = res["compile_output"].decode()
    assert out.startswith("coderank: ") and message in out, (what, out)
    assert res["ran"] is False and "cases" not in res, res


def test_case_outputs_share_the_result_frame(stack):
    """Each case may keep output_bytes per stream while the result frame stays
    under its 16 MiB cap: later cases get what is left."""
    src = "import sys\nsys.stdout.write('o' * (4 << 20))\nsys.stderr.write('e' * (4 << 20))\n"
    with RunnerBox("coderank/python:1", memory_mb=512) as b:
        res = b.job(job_frame([("main.py", src)], "python3 main.py", output_bytes=4 << 20,
                              cases=[("", None)] * 4))
        assert len(b.raw) <= 16 << 20
    cs = res["cases"]
    assert "error" not in res and len(cs) == 4, {k: v for k, v in res.items() if k != "cases"}
    assert len(cs[0]["stdout"]) == 4 << 20 and not cs[0]["stdout_truncated"], len(cs[0]["stdout"])
    assert cs[1]["stdout_truncated"] and cs[3]["stdout_truncated"], [len(c["stdout"]) for c in cs]
    assert sum(len(c["stdout"]) + len(c["stderr"]) for c in cs) < 16 << 20


def test_cases_need_the_runner_as_pid1(stack, tmp_path):
    """Outside a container (not PID 1) the runner cannot clean between cases."""
    runner = os.path.join(BUILD, "coderank-runner")
    frame = job_frame([("main.py", "print(1)\n")], "python3 main.py", cases=[("", None)])
    p = subprocess.run([runner], input=frame, capture_output=True, timeout=30,
                       env={"CODERANK_WORKDIR": str(tmp_path), "PATH": os.environ["PATH"]})
    res = bson_decode(p.stdout)
    assert res.get("error") == "test cases need the runner as PID 1", res
    assert os.listdir(tmp_path) == []
