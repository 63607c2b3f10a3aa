"""
Held requests at scale (issue 11), through nginx against the real stack of
conftest.py (api_processes = 4, worker_slots = 2, the defaults otherwise:
api_max_waiters 512 per process, api_wait_margin_seconds 10,
api_hash_concurrency = number of CPUs):

  - 500 ?wait=true requests at once (400 POST ?wait=true, 100 POST then
    GET ?wait=true), each on a program printing a value of its own: every
    answer is 200 with the final result (the same JSON as GET /execute/{id})
    and its own stdout; coderank_waiting_requests rises while they are held
    and is 0 afterwards. No answer is "as without wait" at once: 500 < 4 x 512,
    and a responder without a place to hold stops taking connections while
    another has one (fcgi/server.c, may_accept). Answers at the hold's
    end (45 + 10 s) are right when the machine is too loaded to run 500
    programs in that time, but only for a submission not final by then, and
    at least 100 must be held to their result. Every submission completes
    with its own stdout.
  - kill -9 of the responder holding the most requests, with 40 requests held
    (the worker paused so that they stay held): the gauge counts exactly the
    40 held over all processes, then drops by the victim's share; its clients
    get an error from nginx (502/503/504 JSON, never 503 for a stored POST)
    or a cut connection, the others their result; every submission becomes
    final with its own stdout, the supervisor restarts the responder, and the
    gauge returns to 0.
  - GET /execute/{id}/events (Server-Sent Events) through nginx: unbuffered
    (running arrives while the program sleeps), statuses in order without
    repeats, one result event equal to GET's body, then EOF; an already final
    submission at once; 404 for another user's or an unknown id, 401 without
    a valid token, 400 for a malformed id.
  - a login flood (40 clients logging in for 6 s with right passwords, each
    login from an address of its own, on 8 accounts) leaves GET /languages fast
    (p99 < 50 ms over the samples taken while logins were in flight, measured
    from a process of its own); every login is 200 or 503 "unavailable" with
    Retry-After, some are 200, and a 503 leaves no failed login counted on the
    email (else the owner would be slowed down by 429s for nothing).
  - coderank-api --read-timeout follows language_configs, scripts/nginx-conf
    writes it as fastcgi_read_timeout (or API_READ_TIMEOUT); with the worker
    paused a held request answers as without wait after the submission's
    limit + api_wait_margin_seconds (2 + 10 s), not at once and not at
    nginx's timeout.

The worker is paused with SIGSTOP on its process group (supervisor and slots)
and always resumed; language limits changed for a test are put back after it.
"""

import asyncio
import contextlib
import http.client as httpclient
import json
import math
import os
import random
import re
import resource
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from conftest import BUILD, FINAL, ROOT, wait_for

MARGIN = 10             # api_wait_margin_seconds' default (conftest does not set it)
WAITING_RE = re.compile(rb"^coderank_waiting_requests(?:\{\})? (\d+(?:\.0+)?)\s*$", re.M)
CUT = (ConnectionError, httpclient.HTTPException, OSError)


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user("heldtest", max_concurrent=1000)


# ---- helpers ------------------------------------------------------------------------------

def waiting(stack):
    """coderank_waiting_requests from /metrics (the sum over all responders)."""
    r = stack.http("GET", "/api/v1/metrics", timeout=10)
    assert r.status == 200, r
    m = WAITING_RE.search(r.body)
    assert m, "no coderank_waiting_requests line in /metrics:\n" + r.body.decode()[:3000]
    return int(float(m.group(1)))


class GaugeSampler(threading.Thread):
    """Samples coderank_waiting_requests every `every` seconds until stopped."""

    def __init__(self, stack, every=0.1):
        super().__init__(daemon=True)
        self.stack, self.every = stack, every
        self.samples, self.errors = [], []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                self.samples.append((time.monotonic(), waiting(self.stack)))
            except Exception as e:      # reported by the test, not lost in a thread
                self.errors.append(repr(e))
            self.halt.wait(self.every)

    def stop(self):
        self.halt.set()
        self.join(30)
        return max([v for _, v in self.samples], default=None)


def responders(stack):
    """Live child processes of the API's supervisor (the responders)."""
    sup = stack.api.proc.pid
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == sup and fields[0] not in ("Z", "X"):
            kids.append(int(d))
    return sorted(kids)


def socket_count(pid):
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
            except OSError:
                pass
    except OSError:
        pass
    return n


def idle(stack):
    return stack.db("SELECT count(*) FROM code_submissions "
                    "WHERE status IN ('queued', 'running')")[0][0] == 0


@contextlib.contextmanager
def worker_paused(stack):
    """The worker (supervisor and slots: its process group) stopped with SIGSTOP once
    nothing is queued or running, and always continued afterwards."""
    assert stack.worker_running(), "the worker is not running"
    wait_for(lambda: idle(stack), 90, "no submission queued or running")
    pgid = stack.worker.proc.pid        # start_new_session: the group is the supervisor's
    os.killpg(pgid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pgid, signal.SIGCONT)


@contextlib.contextmanager
def python_limit(stack, seconds):
    """language_configs' python time limit set (new submissions only), then put back."""
    (saved,), = stack.db("SELECT timeout_seconds FROM language_configs "
                         "WHERE language_id = 'python'")
    stack.db("UPDATE language_configs SET timeout_seconds = %s WHERE language_id = 'python'",
             (seconds,))
    try:
        yield saved
    finally:
        stack.db("UPDATE language_configs SET timeout_seconds = %s "
                 "WHERE language_id = 'python'", (saved,))


def raise_nofile(n=8192):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def error_code(r):
    return r.json.get("error") if isinstance(r.json, dict) else None


# ---- a small asyncio HTTP/1.1 client (500 connections without 500 threads) -----------

class AResponse:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed
        self.at = time.time()   # wall clock when it ended, to compare with the database's
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<AResponse %d after %.1fs %r>" % (self.status, self.elapsed, self.body[:300])


def _dechunk(data):
    out = bytearray()
    while True:
        line, sep, data = data.partition(b"\r\n")
        if not sep:
            raise ValueError("truncated chunked body")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        if len(data) < size + 2:
            raise ValueError("truncated chunk")
        out += data[:size]
        data = data[size + 2:]


async def arequest(port, method, path, token=None, body=None, timeout=120):
    """One request on its own connection (Connection: close); AResponse, or the
    exception it ended with."""
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
    except Exception as e:
        return e
    try:
        head = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1", "Connection: close"]
        if token:
            head.append("Authorization: Bearer " + token)
        data = b""
        if body is not None:
            data = json.dumps(body).encode()
            head += ["Content-Type: application/json", "Content-Length: %d" % len(data)]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        raw = await asyncio.wait_for(reader.read(), timeout)
        elapsed = time.monotonic() - t0
        top, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            return ConnectionError("no complete answer after %.1fs: %r" % (elapsed, raw[:200]))
        lines = top.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode()] = v.strip().decode()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            rest = _dechunk(rest)
        elif "content-length" in headers:
            rest = rest[:int(headers["content-length"])]
        return AResponse(status, headers, rest, elapsed)
    except Exception as e:
        return e
    finally:
        writer.close()


async def agather(coros, limit=None):
    if limit is None:
        return await asyncio.gather(*coros)
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c
    return await asyncio.gather(*(one(c) for c in coros))


# ---- 1: 500 held requests at once -----------------------------------------------------------

N_POST, N_GET = 400, 100
HOLD_LIMIT = 45         # python's time limit during the test: a hold of 45 + 10 s
TOLERATED = 0           # answers at once as without wait: the acceptors spread the holds
MIN_HELD = 100          # answers held to their result, at least (a loaded machine runs
                        # fewer than 500 programs within the hold)


def test_500_held_requests_get_their_own_results(stack, user):
    raise_nofile()
    port, token = stack.http_port, user.token
    base = random.randint(10 ** 6, 10 ** 7)
    expected = ["%d\n" % ((base + i) * 7) for i in range(N_POST + N_GET)]
    src = ["print(%d * 7)\n" % (base + i) for i in range(N_POST + N_GET)]
    wait_for(lambda: waiting(stack) == 0, 30, "no request held before the test")

    # The hold follows the submission's limits: 45 + 10 s (the most nginx's 60 s allows),
    # longer than 500 runs take.
    with python_limit(stack, HOLD_LIMIT):
        t0 = time.monotonic()
        # 100 submitted without wait first, so that their ids are known
        first = asyncio.run(agather(
            [arequest(port, "POST", "/api/v1/execute", token,
                      {"language": "python", "source_code": src[N_POST + j]}, 60)
             for j in range(N_GET)], limit=50))
        get_ids = []
        for j, r in enumerate(first):
            assert isinstance(r, AResponse) and r.status == 202, (j, r)
            assert r.json["status"] == "queued", r
            get_ids.append(r.json["submission_id"])

        jobs = [("post", i) for i in range(N_POST)] + [("get", j) for j in range(N_GET)]
        random.shuffle(jobs)

        def coro(kind, k):
            if kind == "post":
                return arequest(port, "POST", "/api/v1/execute?wait=true", token,
                                {"language": "python", "source_code": src[k]}, 120)
            return arequest(port, "GET", "/api/v1/execute/%s?wait=true" % get_ids[k], token,
                            None, 120)

        sampler = GaugeSampler(stack)
        sampler.start()
        t1 = time.monotonic()
        try:
            answers = asyncio.run(agather([coro(kind, k) for kind, k in jobs]))
        finally:
            peak = sampler.stop()
        took = time.monotonic() - t1

    held, immediate, expired, bad = {}, [], [], []
    for (kind, k), r in zip(jobs, answers):
        idx = k if kind == "post" else N_POST + k
        if not isinstance(r, AResponse):
            bad.append((kind, k, repr(r)))
            continue
        st = (r.json or {}).get("status")
        if r.status == 200 and st in FINAL:
            sid = r.json.get("submission_id")
            if kind == "get" and sid != get_ids[k]:
                bad.append((kind, k, "answer for another submission", r))
            elif st != "completed" or r.json.get("stdout") != expected[idx]:
                bad.append((kind, k, "wrong result (want %r)" % expected[idx], r))
            else:
                held[sid] = (idx, r.json)
        elif (kind == "post" and r.status == 202 and st == "queued") or \
             (kind == "get" and r.status == 200 and st in ("queued", "running")):
            # answered as without wait: at once (api_max_waiters) or at the hold's end
            if r.elapsed < 10:
                immediate.append((kind, idx, r))
            elif r.elapsed >= HOLD_LIMIT + MARGIN - 5:
                expired.append((kind, idx, r))
            else:
                bad.append((kind, k, "no result, neither at once nor at the hold's end", r))
        else:
            bad.append((kind, k, r))
    print("\n500 held: %.1fs (+%.1fs first 100 POSTs), peak gauge %s, %d answered at once "
          "as without wait, %d at the hold's end" % (took, t1 - t0, peak, len(immediate),
                                                     len(expired)))
    assert not bad, "%d bad answers, first: %r" % (len(bad), bad[:5])
    # A loaded machine runs the last programs after their hold ended: right, as long as
    # each such submission was indeed not final when its answer came (else a wake-up
    # was missed).
    assert len(held) >= MIN_HELD, (
        "only %d of 500 held to their result (%d expired, hold %d s; 500 runs took %.1fs)"
        % (len(held), len(expired), HOLD_LIMIT + MARGIN, took))
    if expired:
        sids = [r.json["submission_id"] for _, _, r in expired]
        done = dict(stack.db("SELECT submission_id::text, extract(epoch FROM "
                             "execution_completed_at)::float8 FROM code_submissions "
                             "WHERE submission_id = ANY(%s::uuid[])", (sids,)))
        missed = [(r, done.get(sid)) for sid, (_, _, r) in zip(sids, expired)
                  if done.get(sid) is not None and done[sid] < r.at - 1.0]
        assert not missed, ("%d holds answered 'not final' although their submission had "
                            "been final for over a second: %r" % (len(missed), missed[:5]))
    # 500 < 4 x 512: a full responder leaves new connections to the others
    assert len(immediate) <= TOLERATED, (
        "%d of 500 answered at once as without wait (api_max_waiters 512 per process, "
        "4 processes; peak gauge %s): %r" % (len(immediate), peak, immediate[:5]))
    assert not sampler.errors, sampler.errors[:5]
    assert peak is not None and peak >= 100, ("coderank_waiting_requests never showed the "
                                              "held requests: peak %r" % peak)

    # the answers are GET's own JSON
    ids = list(held)
    gets = asyncio.run(agather([arequest(port, "GET", "/api/v1/execute/" + sid, token, None, 60)
                                for sid in ids], limit=20))
    for sid, g in zip(ids, gets):
        assert isinstance(g, AResponse) and g.status == 200, (sid, g)
        assert g.json == held[sid][1], ("the held answer differs from GET", sid, held[sid][1],
                                        g.json)
    for kind, idx, r in immediate + expired:
        res = stack.wait_final(token, r.json["submission_id"], 90)
        assert res["status"] == "completed" and res["stdout"] == expected[idx], res
    assert len(held) + len(immediate) + len(expired) == N_POST + N_GET
    wait_for(lambda: waiting(stack) == 0, 5, "coderank_waiting_requests back to 0")


# ---- 2: kill -9 of a responder holding requests ---------------------------------------------

N_KILL = 40


def test_responder_killed_while_holding(stack, user):
    token = user.token
    marker = "heldkill_" + uuid.uuid4().hex[:12]
    base = random.randint(10 ** 6, 10 ** 7)
    src = ["# %s %d\nprint(%d * 7)\n" % (marker, i, base + i) for i in range(N_KILL)]
    expected = ["%d\n" % ((base + i) * 7) for i in range(N_KILL)]
    (limit,), = stack.db("SELECT timeout_seconds FROM language_configs "
                         "WHERE language_id = 'python'")
    wait_for(lambda: waiting(stack) == 0, 30, "no request held before the test")
    before = responders(stack)
    assert len(before) == 4, "responders: %r" % before
    log_at = len(stack.log("api"))

    outcomes = {}
    lock = threading.Lock()

    def client(i, method, path, body):
        t0 = time.monotonic()
        try:
            r = stack.http(method, path, token=token, json=body, timeout=90)
        except CUT as e:
            r = e
        with lock:
            outcomes[i] = (r, time.monotonic() - t0)

    def failed():
        with lock:
            return [i for i, (r, _) in outcomes.items()
                    if not (hasattr(r, "status") and r.status in (200, 202))]

    threads = []
    with worker_paused(stack):
        half = N_KILL // 2
        get_ids = []
        for i in range(half):       # submitted first: their ids are known
            r = stack.http("POST", "/api/v1/execute", token=token,
                           json={"language": "python", "source_code": src[i]})
            assert r.status == 202, r
            get_ids.append(r.json["submission_id"])
        for i in range(N_KILL):
            if i < half:
                args = (i, "GET", "/api/v1/execute/%s?wait=true" % get_ids[i], None)
            else:
                args = (i, "POST", "/api/v1/execute?wait=true",
                        {"language": "python", "source_code": src[i]})
            threads.append(threading.Thread(target=client, args=args, daemon=True))
        for t in threads:
            t.start()
        # the sum over all processes: exactly the 40 held
        wait_for(lambda: waiting(stack) == N_KILL, 20,
                 "coderank_waiting_requests = %d (all held)" % N_KILL)
        assert not outcomes, "answered while the worker is paused: %r" % outcomes
        socks = {pid: socket_count(pid) for pid in responders(stack)}
        victim = max(socks, key=socks.get)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(failed, 10, "an error answer to a client of the killed responder %d "
                             "(sockets per responder: %r)" % (victim, socks))
        time.sleep(1.0)             # the rest of its clients
        # the victim's share leaves the gauge; the others are still held
        wait_for(lambda: waiting(stack) == N_KILL - len(failed()), 10,
                 "coderank_waiting_requests = %d - the killed responder's %d"
                 % (N_KILL, len(failed())))
        with lock:
            early = dict(outcomes)
        n_cut = len(early)
        premature = [early[i] for i in set(early) - set(failed())]
        assert not premature, "answered while the worker is paused: %r" % premature
    for t in threads:
        t.join(90)
    assert all(not t.is_alive() for t in threads), "a held client got no answer in 90 s"

    # Every client: its result, or (the killed responder's) an error or a cut connection.
    wrong, cut = [], []
    for i in range(N_KILL):
        r, took = outcomes[i]
        stored_post = i >= N_KILL // 2
        if i in early:
            cut.append(i)
            if isinstance(r, Exception):
                continue
            ok = r.status in (502, 503, 504) and error_code(r) in ("unavailable",
                                                                    "internal_error")
            # a POST whose row was stored must not be told "nothing was accepted"
            if not ok or (stored_post and r.status == 503):
                wrong.append((i, "error answer", r))
            continue
        body = getattr(r, "json", None) or {}
        if isinstance(r, Exception):
            wrong.append((i, "cut after the kill was over", repr(r)))
        elif r.status == 200 and body.get("status") == "completed" \
                and body.get("stdout") == expected[i]:
            pass
        elif took >= limit + MARGIN - 1 and r.status in (200, 202) and \
                body.get("status") in ("queued", "running"):
            pass                    # its hold (limit + margin) ended first: allowed
        else:
            wrong.append((i, r, took))
    assert not wrong, wrong
    assert len(cut) == n_cut >= 1

    # No submission lost: exactly one row per program, each final with its own stdout.
    rows = stack.db("SELECT submission_id::text, source_code FROM code_submissions "
                    "WHERE user_id = %s AND position(%s in source_code) > 0",
                    (user.user_id, marker))
    by_i = {}
    for sid, code in rows:
        i = int(code.split()[2])
        assert i not in by_i, "program %d stored twice" % i
        by_i[i] = sid
    assert sorted(by_i) == list(range(N_KILL)), "stored: %r" % sorted(by_i)
    for i in range(N_KILL // 2):
        assert by_i[i] == get_ids[i]
    for i, sid in sorted(by_i.items()):
        res = stack.wait_final(token, sid, 90)
        assert res["status"] == "completed" and res["stdout"] == expected[i], (i, res)
    all_final = time.monotonic()

    # The supervisor noticed and restarted the responder.
    wait_for(lambda: len(responders(stack)) == 4 and victim not in responders(stack), 20,
             "4 responders again, without %d" % victim)
    assert "responder died" in stack.log("api")[log_at:], stack.log("api")[log_at:][-3000:]
    wait_for(lambda: waiting(stack) == 0, 5, "coderank_waiting_requests back to 0")
    print("\nkill -9: %d of %d held clients cut (sockets per responder %r), all final "
          "%.1fs after the kill" % (n_cut, N_KILL, socks, all_final - killed_at))
    stack.wait_healthy(30)


# ---- 3: Server-Sent Events -------------------------------------------------------------------

def sse(stack, path, token, timeout=30):
    """GET path; (status, headers, body, events, t_eof): events as (name, data, t) with
    t the arrival of the blank line ending the event, seconds from the request."""
    conn = httpclient.HTTPConnection("127.0.0.1", stack.http_port, timeout=timeout)
    hdrs = {"Accept": "text/event-stream"}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    t0 = time.monotonic()
    try:
        conn.request("GET", path, headers=hdrs)
        r = conn.getresponse()
        if r.status != 200:
            return r.status, r.headers, r.read(), None, None
        events, name, data, stray = [], None, [], []
        while True:
            line = r.readline()
            t = time.monotonic() - t0
            if not line:
                break
            text = line.decode("utf-8").rstrip("\n").rstrip("\r")
            if text == "":
                if name is not None or data:
                    events.append((name, "\n".join(data), t))
                name, data = None, []
            elif text.startswith(":") or text.startswith(("id:", "retry:")):
                continue
            elif text.startswith("event:"):
                name = text[6:].lstrip(" ")
            elif text.startswith("data:"):
                data.append(text[5:][1:] if text[5:].startswith(" ") else text[5:])
            else:
                stray.append(text)
        assert not stray, "lines that are no SSE field: %r" % stray
        assert name is None and not data, "an event not ended by a blank line before EOF"
        return r.status, r.headers, None, events, time.monotonic() - t0
    finally:
        conn.close()


RANK = {"queued": 0, "running": 1}


def check_stream(events, sid):
    """Statuses in order, no repeats, the last one final, then one result event; the
    statuses and the result's JSON."""
    names = [e[0] for e in events]
    assert names and names[-1] == "result" and names.count("result") == 1, names
    assert set(names[:-1]) == {"status"}, names
    statuses = []
    for _, data, _ in events[:-1]:
        d = json.loads(data)
        assert d["submission_id"] == sid, d
        statuses.append(d["status"])
    assert len(set(statuses)) == len(statuses), "repeated: %r" % statuses
    ranks = [RANK.get(s, 2) for s in statuses]
    assert ranks == sorted(ranks), "out of order: %r" % statuses
    assert statuses[-1] in FINAL and all(s not in FINAL for s in statuses[:-1]), statuses
    return statuses, json.loads(events[-1][1])


def test_events_stream_through_nginx(stack, user):
    src = 'import time\nprint("start", flush=True)\ntime.sleep(2)\nprint("done")\n'
    r = stack.http("POST", "/api/v1/execute", token=user.token,
                   json={"language": "python", "source_code": src})
    assert r.status == 202, r
    sid = r.json["submission_id"]
    path = "/api/v1/execute/%s/events" % sid

    status, headers, body, events, t_eof = sse(stack, path, user.token)
    assert status == 200, (status, body)
    assert headers.get("Content-Type", "").startswith("text/event-stream"), dict(headers)
    statuses, result = check_stream(events, sid)
    assert "running" in statuses and statuses[-1] == "completed", statuses
    t_running = [t for n, d, t in events
                 if n == "status" and json.loads(d)["status"] == "running"][0]
    t_result = events[-1][2]
    # unbuffered: running came while the program slept, well before the end
    assert t_result - t_running >= 1.0, ("running arrived %.2fs before the result: buffered?"
                                         % (t_result - t_running), events)
    assert t_eof - t_result < 2.0, "no EOF after the result event (%.2fs)" % (t_eof - t_result)
    g = stack.http("GET", "/api/v1/execute/" + sid, token=user.token)
    assert g.status == 200, g
    assert result == g.json, (result, g.json)
    assert result["status"] == "completed" and result["stdout"] == "start\ndone\n", result

    # an already final submission: its final status and the result, at once
    status, headers, body, events, t_eof = sse(stack, path, user.token)
    assert status == 200, (status, body)
    assert headers.get("Content-Type", "").startswith("text/event-stream"), dict(headers)
    statuses, again = check_stream(events, sid)
    assert statuses == ["completed"], statuses
    assert again == g.json, (again, g.json)
    assert t_eof < 3.0, "a final submission's stream took %.2fs" % t_eof

    # errors, as for GET /execute/{id}
    other = stack.new_user()
    for tok, p, code, err in (
            (other.token, path, 404, "not_found"),
            (user.token, "/api/v1/execute/%s/events" % uuid.uuid4(), 404, "not_found"),
            (None, path, 401, "unauthorized"),
            ("not.a.token", path, 401, "unauthorized"),
            (user.token, "/api/v1/execute/not-a-uuid/events", 400, "validation_failed")):
        r = stack.http("GET", p, token=tok, timeout=15)
        assert r.status == code and error_code(r) == err, (p, tok and tok[:10], r)
        assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers


# ---- 4: a login flood does not slow the rest down --------------------------------------------

FLOOD_CLIENTS = 40
FLOOD_SECONDS = 6.0

# The latency probe runs in a process of its own: the 40 login threads of this one
# must not add their share of the GIL to the latencies it measures. Sequential
# GET /languages on one keep-alive connection; CLOCK_MONOTONIC is system-wide, so its
# times compare with this process's.
PROBE = r"""
import http.client, json, os, sys, time
port, until, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
conn, out = None, []
while time.monotonic() < until and not os.path.exists(stop):
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    t0 = time.monotonic()
    try:
        conn.request("GET", "/api/v1/languages")
        r = conn.getresponse()
        r.read()
        st = r.status
        if (r.getheader("Connection") or "").lower() == "close":
            conn.close()
            conn = None
    except Exception as e:
        st = repr(e)
        conn.close()
        conn = None
    out.append((t0, time.monotonic() - t0, st))
    time.sleep(0.01)
print(json.dumps(out))
"""


def flood_users(stack, n):
    """n accounts with one password: one registered, the others copies of its row
    made in SQL (registering hashes a password: seconds each on a loaded machine)."""
    first = stack.new_user()
    users = [(first.email, first.password)]
    for _ in range(n - 1):
        tag = uuid.uuid4().hex[:12]
        email = "flood_%s@example.com" % tag
        stack.db("INSERT INTO users (username, email, password_hash) SELECT %s, %s, "
                 "password_hash FROM users WHERE user_id = %s",
                 ("flood_" + tag, email, first.user_id))
        users.append((email, first.password))
    return users


def test_login_flood_leaves_other_requests_fast(stack):
    users = flood_users(stack, 8)
    lock = threading.Lock()
    logins = []                 # (t_start, t_end, status or exception, headers, json)
    go = threading.Event()
    halt = threading.Event()

    def login_client(u):
        go.wait()
        while not halt.is_set():
            src = stack.next_source()   # a fresh address: nginx's per-address limit stays out
            t0 = time.monotonic()
            try:
                r = stack.http("POST", "/api/v1/auth/login", source=src, timeout=30,
                               json={"email": u[0], "password": u[1]})
                rec = (t0, time.monotonic(), r.status, r.headers, r.json)
            except CUT as e:
                rec = (t0, time.monotonic(), e, None, None)
            with lock:
                logins.append(rec)
            if rec[2] != 200:
                halt.wait(0.1)      # no hot loop of refusals in this process

    flood = [threading.Thread(target=login_client, args=(users[i % len(users)],), daemon=True)
             for i in range(FLOOD_CLIENTS)]
    for t in flood:
        t.start()
    t_go = time.monotonic() + 0.5
    stop = os.path.join(stack.tmp, "flood-probe-stop-%s" % uuid.uuid4().hex[:8])
    probe = subprocess.Popen(["/usr/bin/python3", "-c", PROBE, str(stack.http_port),
                              repr(t_go + FLOOD_SECONDS + 60), stop],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(max(0.0, t_go - time.monotonic()))   # a few samples before the flood
        go.set()
        time.sleep(FLOOD_SECONDS)
        halt.set()
        for t in flood:             # the logins still in flight: the probe goes on
            t.join(60)
        open(stop, "w").close()
        out, err = probe.communicate(timeout=60)
    finally:
        halt.set()
        go.set()
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    assert not any(t.is_alive() for t in flood), "a login client hung"
    assert probe.returncode == 0, err
    samples = json.loads(out)   # [t_start, seconds, status]

    assert logins, "no login was answered"
    ok = [l for l in logins if l[2] == 200]
    busy = [l for l in logins if l[2] == 503]
    bad = [l for l in logins if l[2] not in (200, 503)]
    t_end = max(l[1] for l in logins)
    during = [s for s in samples if t_go <= s[0] <= t_end]
    lat = sorted(s[1] for s in during) or [float("nan")]
    p99 = lat[max(0, math.ceil(0.99 * len(lat)) - 1)]
    print("\nlogin flood: %d logins (%d ok, %d busy, %d other) in %.1fs; /languages p50 %.1f ms, "
          "p99 %.1f ms, max %.1f ms over %d samples" % (
              len(logins), len(ok), len(busy), len(bad), t_end - t_go,
              1000 * lat[len(lat) // 2], 1000 * p99, 1000 * lat[-1], len(during)))

    # Only right passwords were sent: no failure may be left counted on the emails
    # (a refusal for load, 503, says nothing about the password).
    counted = {e: n for e, n in stack.db(
        "SELECT e, coalesce((SELECT failures FROM login_limits WHERE scope = 'email' AND "
        "key = sha256(convert_to(lower(e), 'UTF8'))), 0) FROM unnest(%s::text[]) AS e",
        ([u[0] for u in users],)) if n}
    assert not counted, ("failed logins counted on the emails after %d answers 503 and no "
                         "wrong password: %r" % (len(busy), counted))
    assert not bad, ("logins (right passwords) neither 200 nor 503: %d, e.g. %r"
                     % (len(bad), [(l[2], l[4]) for l in bad[:3]]))
    for l in busy:
        assert l[4] and l[4].get("error") == "unavailable", l[4]
        ra = l[3].get("Retry-After")
        assert ra is not None and ra.isdigit() and int(ra) >= 1, dict(l[3])
    assert ok, "no login succeeded during the flood (%d answers 503)" % len(busy)
    assert all(isinstance(l[4].get("access_token"), str) for l in ok)
    assert stack.http("GET", "/api/v1/submissions", token=ok[-1][4]["access_token"]).status == 200

    failed = [s for s in samples if s[2] != 200]
    assert not failed, "GET /languages failed: %r" % failed[:5]
    assert len(during) >= 100, "only %d samples during the flood" % len(during)
    assert p99 < 0.050, "p99 of GET /languages during the flood: %.1f ms" % (1000 * p99)


# ---- 5: the hold and nginx's read timeout follow the language limits -------------------------

def expected_read_timeout(stack):
    (m,), = stack.db("SELECT max(timeout_seconds + CASE WHEN compile_command IS NOT NULL "
                     "THEN compile_timeout_seconds ELSE 0 END) FROM language_configs "
                     "WHERE is_active")
    return m + MARGIN + 5


def read_timeout(stack):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODERANK_")}
    p = subprocess.run([stack.api_bin, "-c", stack.conf, "--read-timeout"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert re.fullmatch(r"\d+\n?", p.stdout), repr(p.stdout)
    return int(p.stdout)


def nginx_conf(stack, tmp, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CODERANK_") and k != "API_READ_TIMEOUT"}
    env.update(NGINX_PREFIX=tmp, API_SOCKETS="/tmp/x.sock", HTTPS_LISTEN="",
               CODERANK_CONFIG=stack.conf, CODERANK_API=os.path.join(BUILD, "coderank-api"))
    env.update(extra)
    p = subprocess.run([os.path.join(ROOT, "scripts", "nginx-conf")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stderr)
    return p.stdout


def test_read_timeout_and_hold_follow_the_limits(stack, user):
    want = expected_read_timeout(stack)
    assert read_timeout(stack) == want
    with python_limit(stack, 77), tempfile.TemporaryDirectory() as tmp:
        want = expected_read_timeout(stack)
        assert want == 77 + MARGIN + 5      # python is now the longest
        assert read_timeout(stack) == want
        conf = nginx_conf(stack, tmp)
        assert "fastcgi_read_timeout %ds;" % want in conf, \
            re.findall(r"fastcgi_read_timeout[^;]*;", conf)
        conf = nginx_conf(stack, tmp, API_READ_TIMEOUT="123")
        assert "fastcgi_read_timeout 123s;" in conf, \
            re.findall(r"fastcgi_read_timeout[^;]*;", conf)
    assert read_timeout(stack) == expected_read_timeout(stack)

    # The API side: with nothing running, a hold ends after limit + margin (2 + 10 s).
    box = {}

    def call(name, method, path, body=None):
        t0 = time.monotonic()
        try:
            box[name] = (stack.http(method, path, token=user.token, json=body, timeout=90),
                         time.monotonic() - t0)
        except CUT as e:
            box[name] = (e, time.monotonic() - t0)

    sids = []
    with python_limit(stack, 2), worker_paused(stack):
        r = stack.http("POST", "/api/v1/execute", token=user.token,
                       json={"language": "python", "source_code": "print('held get')\n"})
        assert r.status == 202, r
        sids.append(r.json["submission_id"])
        ts = [threading.Thread(target=call, args=(
                  "post", "POST", "/api/v1/execute?wait=true",
                  {"language": "python", "source_code": "print('held post')\n"}), daemon=True),
              threading.Thread(target=call, args=(
                  "get", "GET", "/api/v1/execute/%s?wait=true" % sids[0]), daemon=True)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    r, took = box["post"]
    assert not isinstance(r, Exception), r
    assert r.status == 202 and r.json["status"] == "queued", r
    assert MARGIN <= took <= 2 + MARGIN + 4, \
        "POST ?wait=true answered after %.1fs (hold: 2 + %d s)" % (took, MARGIN)
    sids.append(r.json["submission_id"])
    r, took = box["get"]
    assert not isinstance(r, Exception), r
    assert r.status == 200 and r.json["status"] == "queued", r
    assert r.json["submission_id"] == sids[0], r
    assert MARGIN <= took <= 2 + MARGIN + 4, \
        "GET ?wait=true answered after %.1fs (hold: 2 + %d s)" % (took, MARGIN)
    for sid, out in zip(sids, ("held get\n", "held post\n")):
        res = stack.wait_final(user.token, sid, 60)
        assert res["status"] == "completed" and res["stdout"] == out, res
