"""
Fault injection under load (issue 4), against the real stack of conftest.py.

One load, in phases. Each phase submits a batch of short python and c programs
from several users (each program prints a token of its own, a product and its
stdin, so every expected stdout is unique; some sleep so that runs overlap the
fault), injects one fault while the batch is being submitted and run, and then
checks the batch:

  kill9_worker      kill -9 of the worker's supervisor (its slots die with it)
  kill9_slot        kill -9 of a slot process, twice
  kill9_responder   kill -9 of every API responder, with ?wait=true requests held
  pg_restart        PostgreSQL stopped in immediate mode and started again
  pg_cut            pg_terminate_backend() on every backend of the worker, twice
  dockerd_restart   dockerd stopped (SIGTERM) and started again, the way it was

For each phase: every submission that got a 202 (or a 200 from ?wait) reaches a
final status within a bound (lost = 0); each has exactly one execution_results row,
written by its last attempt (execution_results.attempt = attempts: no late result
overwrote a newer one); a completed one has exactly its expected stdout as served
by GET; an answer of 503 ("nothing was accepted") accepted nothing; and no
container of the batch is left. The last test checks the same over the whole
load and that no container of any worker of this stack is left.

Counts per phase are printed (submitted, finished by status, lost) to the terminal.
"""

import collections
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import FINAL, docker_ping, pid_alive

USERS = 5
BATCH = 40              # submissions per phase: 6 phases = 240
SUBMITTERS = 4          # client threads per phase
SPREAD_S = 8.0          # a batch is submitted over about this long
SETTLE_S = 180          # bound for every accepted submission to be final, per phase
MAX_ATTEMPTS = 3        # the worker's default (conftest does not set it)
TOKEN_RE = re.compile(r"T\d+x[0-9a-f]{20}")

Job = collections.namedtuple("Job", "phase user lang source stdin expected wait")


def _program(phase_no, i):
    """A short program (python or c) whose stdout is unique; its token and expected stdout."""
    token = "T%dx%s" % (phase_no, uuid.uuid4().hex[:20])
    a, b = random.randint(100, 999), random.randint(100, 999)
    stdin = "in%d" % random.randint(0, 10 ** 9)
    kind = i % 5
    if kind == 4:
        usleep = random.choice((0, 200000, 700000))
        src = ("#include <stdio.h>\n#include <unistd.h>\n"
               "int main(void) { char b[64] = {0};\n"
               "  if (!fgets(b, sizeof b, stdin)) b[0] = 0;\n"
               "  usleep(%d);\n"
               "  printf(\"%s %%d %%s\\n\", %d * %d, b); return 0; }\n" % (usleep, token, a, b))
        lang = "c"
    else:
        sleep = 1.5 if kind == 3 else random.choice((0, 0, 0.3))
        src = ("import sys, time\ntime.sleep(%s)\n"
               "print(%r, %d * %d, sys.stdin.read())\n" % (sleep, token, a, b))
        lang = "python"
    return token, lang, src, stdin, "%s %d %s\n" % (token, a * b, stdin)


Container = collections.namedtuple("Container", "id state worker submission pool")


def containers():
    """Every container (running or not) labelled coderank.worker, of any deployment."""
    out = subprocess.run(["docker", "ps", "-a", "--no-trunc", "--filter", "label=coderank.worker",
                          "--format", '{{.ID}}\t{{.State}}\t{{.Label "coderank.worker"}}\t'
                          '{{.Label "coderank.submission"}}\t{{.Label "coderank.pool"}}'],
                         capture_output=True, text=True, timeout=60)
    return [Container(*(line.split("\t") + [""] * 5)[:5]) for line in out.stdout.splitlines()
            if line.strip()]


def left_behind(sids, worker_ids, live_worker):
    """Containers that must not exist: one that ran a submission of sids, any of a
    worker that is gone, and any of the live worker but its idle pre-started ones."""
    return [c for c in containers()
            if c.submission in sids
            or (c.worker in worker_ids and
                (c.worker != live_worker or c.submission or c.state != "running"))]


def slot_pids(stack):
    """The live worker's slot processes (not its other helpers), from its log."""
    sup = stack.worker.proc.pid
    kids = set(children(sup))
    pids = {int(m.group(1)) for m in re.finditer(r"pid=(\d+) slot=\d+", stack.log("worker"))}
    return sorted(pids & kids)


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def backends_of(pids):
    """PostgreSQL backend pids at the other end of the unix sockets held by pids."""
    out = subprocess.run(["ss", "-xpn"], capture_output=True, text=True).stdout
    by_inode, peers = {}, []
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) < 8:
            continue
        owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        by_inode[f[5]] = owners
        if owners & set(pids):
            peers.append(f[7])
    return sorted({b for p in peers for b in by_inode.get(p, ())})


class Load:
    def __init__(self, stack):
        self.stack = stack
        self.hostname = socket.gethostname()
        stack.db("INSERT INTO rate_limit_tiers VALUES ('it_faults', 100000, 100000) "
                 "ON CONFLICT DO NOTHING")
        self.users = [stack.new_user(tier="it_faults") for _ in range(USERS)]
        self.lock = threading.Lock()
        self.jobs = {}          # token -> Job
        self.accepted = {}      # token -> submission id (202, or 200 from ?wait)
        self.refused = set()    # tokens answered 503: API.md says nothing was accepted
        self.unknown = set()    # tokens whose answer was lost (connection cut, 502, 504)
        self.unexpected = []    # any other answer
        self.codes = collections.defaultdict(collections.Counter)
        self.phases = []
        self.worker_ids = set()
        self.note_worker()

    def note_worker(self):
        w = self.stack.worker
        if w and w.proc:
            self.worker_ids.add(self.live_worker())

    def live_worker(self):
        w = self.stack.worker
        return "%s:%d" % (self.hostname, w.proc.pid) if w and w.running() else None

    # --- submitting ---------------------------------------------------------------------
    def _post(self, phase, job, token):
        path = "/api/v1/execute" + ("?wait=true" if job.wait else "")
        try:
            r = self.stack.http("POST", path, token=job.user.token, timeout=90,
                                json={"language": job.lang, "source_code": job.source,
                                      "input": job.stdin})
        except OSError as e:
            with self.lock:
                self.codes[phase]["conn:" + type(e).__name__] += 1
                self.unknown.add(token)
            return False
        with self.lock:
            self.codes[phase][r.status] += 1
            if r.status in (200, 202) and r.json and r.json.get("submission_id"):
                self.accepted[token] = r.json["submission_id"]
                return True
            if r.status == 503:
                self.refused.add(token)
            elif r.status in (502, 504):
                self.unknown.add(token)
            elif r.status != 429:
                self.unexpected.append((phase, token, r.status, r.body[:200]))
                return True     # do not retry a 4xx/500: it is reported
        return False

    def submit(self, phase, phase_no, i, wait=False):
        """Submit one program, retrying (with a new token) until it is accepted."""
        user = self.users[i % len(self.users)]
        deadline = time.time() + 120
        while time.time() < deadline:
            token, lang, src, stdin, expected = _program(phase_no, i)
            job = Job(phase, user, lang, src, stdin, expected, wait)
            with self.lock:
                self.jobs[token] = job
            if self._post(phase, job, token):
                return
            time.sleep(0.3)
        with self.lock:
            self.unexpected.append((phase, None, "gave up", "not accepted within 120 s"))

    def start_batch(self, phase, n=BATCH, spread=SPREAD_S):
        phase_no = len(self.phases)
        self.phases.append(phase)
        gap = spread * SUBMITTERS / n
        idx = iter(range(n))
        ilock = threading.Lock()

        def run():
            while True:
                with ilock:
                    i = next(idx, None)
                if i is None:
                    return
                self.submit(phase, phase_no, i)
                time.sleep(gap)

        threads = [threading.Thread(target=run, daemon=True) for _ in range(SUBMITTERS)]
        for t in threads:
            t.start()
        return threads, phase_no

    def start_waiters(self, phase, phase_no, n=2):
        def run(i):
            self.submit(phase, phase_no, 1000 + i * 5 + 3, wait=True)   # the sleeping kind
        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        return threads

    def wait_running(self, phase_no, timeout=60):
        """Until one of this phase's submissions is being run by the worker."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            sids = self.sids(phase_no)
            if sids and self.stack.db("SELECT count(*) FROM code_submissions WHERE status = "
                                      "'running' AND submission_id = ANY(%s::uuid[])",
                                      (sids,))[0][0]:
                return
            time.sleep(0.1)
        raise AssertionError("no submission of the phase started running within %ds" % timeout)

    def sids(self, phase_no=None):
        with self.lock:
            return [sid for tok, sid in self.accepted.items()
                    if phase_no is None or tok.startswith("T%dx" % phase_no)]

    # --- checking -------------------------------------------------------------------------
    def our_rows(self):
        """Every submission of the load's users, by token: the ones whose answer was lost too."""
        rows = self.stack.db("""
            SELECT s.submission_id::text, s.source_code, s.status, s.attempts, s.last_error,
                   (SELECT count(*) FROM execution_results r
                     WHERE r.submission_id = s.submission_id),
                   (SELECT max(r.attempt) FROM execution_results r
                     WHERE r.submission_id = s.submission_id)
            FROM code_submissions s WHERE s.user_id = ANY(%s::uuid[])""",
            ([u.user_id for u in self.users],))
        out = {}
        for sid, src, status, attempts, last_error, nres, attempt in rows:
            m = TOKEN_RE.search(src)
            assert m, "a submission of the load without a token: %s" % sid
            assert m.group(0) not in out, "two submissions with one token %s" % m.group(0)
            out[m.group(0)] = dict(sid=sid, status=status, attempts=attempts,
                                   last_error=last_error, nres=nres, attempt=attempt)
        return out

    def settle(self, phase_no, timeout=SETTLE_S):
        """Wait for the phase's submissions (and stored ones of lost answers) to be final."""
        prefix = "T%dx" % phase_no
        deadline = time.time() + timeout
        while True:
            rows = {t: r for t, r in self.our_rows().items() if t.startswith(prefix)}
            pending = [t for t, r in rows.items() if r["status"] not in FINAL]
            if not pending or time.time() > deadline:
                return rows
            time.sleep(0.5)

    def check_phase(self, phase_no, capsys, t0, check_503=True):
        phase = self.phases[phase_no]
        prefix = "T%dx" % phase_no
        rows = self.settle(phase_no)
        with self.lock:
            accepted = {t: s for t, s in self.accepted.items() if t.startswith(prefix)}
            refused = {t for t in self.refused if t.startswith(prefix)}
            unknown = {t for t in self.unknown if t.startswith(prefix)}
            unexpected = [u for u in self.unexpected if u[0] == phase]
            codes = dict(self.codes[phase])
        problems = []
        # every 202 is in the table under its id, and final
        lost = [t for t in accepted if t not in rows or rows[t]["status"] not in FINAL]
        for t in accepted:
            if t in rows and rows[t]["sid"] != accepted[t]:
                problems.append("token %s: answered id %s, stored %s" % (t, accepted[t], rows[t]["sid"]))
        stuck_other = [t for t in rows if t not in accepted and rows[t]["status"] not in FINAL]
        # a 503 means nothing was accepted
        stored_after_503 = sorted(rows[t]["sid"] for t in refused if t in rows)
        by_status = collections.Counter(r["status"] for t, r in rows.items())
        # one result per final submission, from its last attempt
        for t, r in rows.items():
            if r["status"] in FINAL:
                if r["nres"] != 1:
                    problems.append("%s: %d result rows" % (r["sid"], r["nres"]))
                elif r["attempt"] != r["attempts"]:
                    problems.append("%s: result of attempt %s, but %s attempts"
                                    % (r["sid"], r["attempt"], r["attempts"]))
            if r["status"] == "internal_error" and r["attempts"] < MAX_ATTEMPTS:
                problems.append("%s: internal_error after %d attempts (%s)"
                                % (r["sid"], r["attempts"], r["last_error"]))
            if r["status"] not in FINAL | {"queued", "running"}:
                problems.append("%s: status %s" % (r["sid"], r["status"]))
        # outputs, as served
        for t, r in sorted(rows.items()):
            if r["status"] not in ("completed", "failed", "timeout"):
                continue
            job = self.jobs[t]
            g = self.stack.http("GET", "/api/v1/execute/" + r["sid"], token=job.user.token)
            if g.status != 200:
                problems.append("%s: GET answered %r" % (r["sid"], g))
                continue
            res = g.json
            if res["status"] != "completed" or res["stdout"] != job.expected or res["exit_code"] != 0:
                problems.append("%s (%s): status %s stdout %r stderr %r, want %r"
                                % (r["sid"], job.lang, res["status"], res["stdout"],
                                   (res["stderr"] or "")[:200], job.expected))
        # containers of the batch are removed
        sids = {r["sid"] for r in rows.values()}
        deadline = time.time() + 45
        while True:
            left = left_behind(sids, self.worker_ids, self.live_worker())
            if not left or time.time() > deadline:
                break
            time.sleep(1)
        rep = ("%-16s submitted %3d (answers %s) finished %3d %s lost %d "
               "[unknown answers %d, stored %d; 503s %d, stored %d] %.0fs"
               % (phase, len(accepted), codes,
                  sum(n for s, n in by_status.items() if s in FINAL),
                  dict(sorted(by_status.items())), len(lost),
                  len(unknown), len(unknown & set(rows)), len(refused), len(stored_after_503),
                  time.time() - t0))
        with capsys.disabled():
            print("\n  fault run: " + rep)
        assert not lost, "%s: %d accepted submissions not final after %ds: %s" % (
            phase, len(lost), SETTLE_S,
            [(accepted[t], rows.get(t, {}).get("status")) for t in lost][:10])
        assert not stuck_other, "%s: stored submissions (answer lost) not final: %s" % (
            phase, [rows[t]["sid"] for t in stuck_other])
        assert not unexpected, "%s: unexpected answers: %s" % (phase, unexpected[:10])
        assert not problems, "%s:\n  %s" % (phase, "\n  ".join(problems[:20]))
        assert not left, "%s: containers left: %s" % (phase, left)
        if check_503:
            assert not stored_after_503, (
                "%s: %d submissions were stored although the client was answered 503 "
                "('nothing was accepted', API.md): %s" % (phase, len(stored_after_503),
                                                          stored_after_503[:5]))
        return rows, by_status


@pytest.fixture(scope="module")
def load(stack):
    if not stack.has_worker:
        pytest.fail("coderank-worker is not built")
    if not stack.worker_running():
        stack.start_worker()
    return Load(stack)


def _join(threads):
    for t in threads:
        t.join(180)


def _ensure_worker(stack, load):
    if not stack.worker_running():
        stack.start_worker()
        load.note_worker()


# --- the phases ---------------------------------------------------------------------------

def test_kill9_worker_supervisor(stack, load, capsys):
    t0 = time.time()
    threads, no = load.start_batch("kill9_worker")
    try:
        load.wait_running(no)
        time.sleep(0.5)
        stack.kill_worker(signal.SIGKILL)
        assert not stack.worker_running()
        time.sleep(1)
    finally:
        _ensure_worker(stack, load)
    _join(threads)
    load.check_phase(no, capsys, t0)


def test_kill9_slot(stack, load, capsys):
    t0 = time.time()
    threads, no = load.start_batch("kill9_slot")
    try:
        load.wait_running(no)
        killed = []
        for round_ in range(2):
            time.sleep(1.0)
            slots = [p for p in slot_pids(stack) if p not in killed]
            assert slots, "found no slot process of the worker"
            killed.append(random.choice(slots))
            os.kill(killed[-1], signal.SIGKILL)
        assert stack.worker_running(), "the supervisor died with its slot"
        deadline = time.time() + 20
        while len(slot_pids(stack)) < 2 and time.time() < deadline:
            time.sleep(0.3)
        assert len(slot_pids(stack)) >= 2, "the supervisor did not restart its slots"
    finally:
        _ensure_worker(stack, load)
    _join(threads)
    load.check_phase(no, capsys, t0)


def test_kill9_api_responder(stack, load, capsys):
    t0 = time.time()
    threads, no = load.start_batch("kill9_responder")
    waiters = []
    try:
        load.wait_running(no)
        waiters = load.start_waiters("kill9_responder", no)    # held in responders
        time.sleep(1.0)
        pool = stack.api.proc.pid
        killed = children(pool)
        assert killed, "no responder processes"
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.3)
        assert stack.api.running(), "the pool's supervisor died"
    finally:
        if not stack.api.running():
            stack.start_api()
    stack.wait_healthy(30)
    assert not set(killed) & set(children(stack.api.proc.pid))
    _join(threads + waiters)
    # A request cut by a responder's death after nginx handed it over is answered 502,
    # never 503 ("nothing accepted"): test_responder_killed_after_commit_is_not_503.
    load.check_phase(no, capsys, t0)


def test_responder_killed_after_commit_is_not_503(stack, load):
    """A client whose POST was cut after the commit must not be told 'nothing accepted'."""
    u = load.users[1]
    token, lang, src, stdin, expected = _program(98, 0)
    src = src.replace("time.sleep(0)", "time.sleep(4)").replace("time.sleep(0.3)", "time.sleep(4)")
    box = {}

    def post():
        box["r"] = stack.http("POST", "/api/v1/execute?wait=true", token=u.token, timeout=60,
                              json={"language": "python", "source_code": src, "input": stdin})
    t = threading.Thread(target=post, daemon=True)
    t.start()
    deadline = time.time() + 20
    sid = None
    while sid is None and time.time() < deadline:
        rows = stack.db("SELECT submission_id::text FROM code_submissions WHERE user_id = %s "
                        "AND position(%s in source_code) > 0", (u.user_id, token))
        sid = rows[0][0] if rows else None
        time.sleep(0.05)
    assert sid, "the ?wait=true submission was not stored"
    time.sleep(0.3)     # held in its responder's wait
    for pid in children(stack.api.proc.pid):
        os.kill(pid, signal.SIGKILL)
    t.join(60)
    stack.wait_healthy(30)
    res = stack.wait_final(u.token, sid, 90)
    assert res["status"] == "completed" and res["stdout"] == expected, res
    r = box["r"]
    assert r.status != 503, ("the client was told 'nothing was accepted' (503) but %s was "
                             "stored and ran: %r" % (sid, r))
    assert r.status in (200, 502), r


def test_postgres_immediate_restart(stack, load, capsys):
    t0 = time.time()
    threads, no = load.start_batch("pg_restart")
    health = None
    try:
        load.wait_running(no)
        time.sleep(0.5)
        stack.stop_postgres(mode="immediate")
        time.sleep(0.5)
        health = stack.http("GET", "/api/v1/health")
        time.sleep(2.0)
    finally:
        if not stack.postgres_running():
            stack.start_postgres()
    assert health is not None and health.status == 503, health
    stack.wait_healthy(60)
    # Every responder serves requests again (not only health): 8 at once keep all 4
    # busy, so none keeps a connection that died with the old server for later phases.
    for round_ in range(3):
        flush = []
        ts = [threading.Thread(target=lambda: flush.append(stack.http(
            "GET", "/api/v1/submissions", token=load.users[0].token))) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        with load.lock:
            for r in flush:
                load.codes["pg_restart"]["after:%d" % r.status] += 1
                if r.status != 200:
                    load.unexpected.append(("pg_restart", None, r.status, r.body[:200]))
    _join(threads)
    load.check_phase(no, capsys, t0)
    assert stack.worker_running()


def test_worker_database_connections_cut(stack, load, capsys):
    t0 = time.time()
    threads, no = load.start_batch("pg_cut")
    cut = []
    load.wait_running(no)
    for round_ in range(2):
        time.sleep(1.5)
        sup = stack.worker.proc.pid
        pids = backends_of([sup] + children(sup))
        assert pids, "found no database connection of the worker"
        for (ok,) in [stack.db("SELECT pg_terminate_backend(%s)", (p,))[0] for p in pids]:
            if ok:
                cut.append(ok)
    assert len(cut) >= 3, cut     # the supervisor's and each slot's, at least once
    _join(threads)
    load.check_phase(no, capsys, t0)
    assert stack.worker_running()
    # the worker is connected again
    sup = stack.worker.proc.pid
    deadline = time.time() + 20
    while len(backends_of([sup] + children(sup))) < 3 and time.time() < deadline:
        time.sleep(0.5)
    assert len(backends_of([sup] + children(sup))) >= 3


def _dockerd():
    """(pid, argv, log path) of the running dockerd."""
    pid = int(open("/var/run/docker.pid").read().strip())
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    try:
        log = os.readlink("/proc/%d/fd/1" % pid)
        if not log.startswith("/"):
            log = None
    except OSError:
        log = None
    return pid, argv, log


def _start_dockerd(argv, log):
    out = open(log or "/var/log/dockerd.log", "ab")
    subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                     start_new_session=True, cwd="/")
    out.close()
    deadline = time.time() + 90
    while not docker_ping():
        assert time.time() < deadline, "dockerd did not come back"
        time.sleep(0.3)


def test_dockerd_restart(stack, load, capsys):
    """Once and short: dockerd is shared with everyone on this machine."""
    deadline = time.time() + 60
    while not docker_ping():
        assert time.time() < deadline, "dockerd is not running"
        time.sleep(0.5)
    pid, argv, log = _dockerd()
    t0 = time.time()
    threads, no = load.start_batch("dockerd_restart")
    try:
        load.wait_running(no)
        time.sleep(0.5)
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 60
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.2)
        time.sleep(2.0)
    finally:
        if not docker_ping() and not pid_alive(pid):
            # dockerd refuses to start while its pid file names a live process,
            # and a zombie's pid still looks alive to it.
            try:
                os.unlink("/var/run/docker.pid")
            except OSError:
                pass
            _start_dockerd(argv, log)
        deadline = time.time() + 90
        while not docker_ping():
            assert time.time() < deadline, "dockerd did not come back"
            time.sleep(0.3)
    _join(threads)
    load.check_phase(no, capsys, t0)


def test_zz_whole_load(stack, load, capsys):
    """Over every phase: nothing lost, one result each, no container of this stack left."""
    _ensure_worker(stack, load)
    rows = load.our_rows()
    with load.lock:
        accepted = dict(load.accepted)
    not_final = [r["sid"] for r in rows.values() if r["status"] not in FINAL]
    lost = [sid for t, sid in accepted.items() if t not in rows]
    (dups,), = stack.db("SELECT count(*) FROM (SELECT submission_id FROM execution_results "
                        "GROUP BY submission_id HAVING count(*) > 1) d")
    # every worker id this stack had: the ones we saw plus any named in the queue
    ids = set(load.worker_ids)
    ids |= {r[0] for r in stack.db("SELECT DISTINCT lease_owner FROM code_submissions "
                                   "WHERE lease_owner IS NOT NULL")}
    ids |= {r[0] for r in stack.db("SELECT worker_id FROM workers")}
    sids = {r["sid"] for r in rows.values()}
    deadline = time.time() + 45
    while True:
        left = left_behind(sids, ids, load.live_worker())
        if not left or time.time() > deadline:
            break
        time.sleep(1)
    by_status = collections.Counter(r["status"] for r in rows.values())
    with capsys.disabled():
        print("\n  whole load: submitted %d, stored %d, finished %s, lost %d, "
              "duplicate results %d, containers left %d"
              % (len(accepted), len(rows), dict(sorted(by_status.items())),
                 len(lost) + len(not_final), dups, len(left)))
    assert not lost and not not_final, (lost, not_final)
    assert dups == 0
    assert not left, left
    assert len(accepted) >= 200
    assert stack.worker_running()
    # and the stack still works
    u = load.users[0]
    token, lang, src, stdin, expected = _program(99, 0)
    r = stack.http("POST", "/api/v1/execute", token=u.token,
                   json={"language": lang, "source_code": src, "input": stdin})
    assert r.status == 202, r
    res = stack.wait_final(u.token, r.json["submission_id"], 60)
    assert res["status"] == "completed" and res["stdout"] == expected, res
