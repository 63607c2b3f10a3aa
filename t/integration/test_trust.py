"""
Trust boundaries in the API itself (issue 10), not only in nginx: the session's
coderank-api is restarted on TCP (api_listen = 127.0.0.1:<free port>,
api_allow = 127.0.0.1/32, a metrics_token) and spoken to directly with a
minimal FastCGI client, as a host that skipped nginx would; the configuration
is put back afterwards, so the other test files keep their API (TcpApi below).

  peers     a TCP peer outside api_allow (source 127.0.0.2) is closed before a
            byte of it is read, whether it sends a request or nothing, and is
            logged; 127.0.0.1 gets answers; a malformed record from an allowed
            peer costs a connection, not a responder; one request per connection
            even when the peer asks to keep it
  metrics   REMOTE_ADDR in metrics_allow, or Authorization: Bearer <metrics_token>
            (never logged); anything else gets nginx's 404 not_found
  start-up  a malformed api_allow or metrics_allow entry stops the API, named
  nginx     /api/v1/metrics from another client address is still refused there
"""

import json
import os
import secrets
import socket
import struct
import subprocess
import time

import pytest

from conftest import Daemon, free_port

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
RESPONDER, KEEP_CONN = 1, 1
NOT_FOUND = {"error": "not_found", "message": "no such resource"}


# --- a minimal FastCGI client ------------------------------------------------------------

def record(rtype, content=b"", req_id=1):
    pad = -len(content) % 8
    return struct.pack(">BBHHBx", 1, rtype, req_id, len(content), pad) + content + b"\0" * pad


def name_value(name, value):
    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def request_bytes(path, remote_addr="127.0.0.1", headers=None, flags=0):
    params = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": path, "SCRIPT_NAME": path,
              "REQUEST_URI": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
              "GATEWAY_INTERFACE": "CGI/1.1", "CONTENT_LENGTH": ""}
    if remote_addr is not None:
        params["REMOTE_ADDR"] = remote_addr
    for k, v in (headers or {}).items():
        params["HTTP_" + k.upper().replace("-", "_")] = v
    body = b"".join(name_value(k, v) for k, v in params.items())
    return (record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, flags)) +
            record(PARAMS, body) + record(PARAMS) + record(STDIN))


class Answer:
    """What came back on one connection: the raw bytes, the CGI answer, and how
    the connection ended ("eof", "reset" or "open" when it stayed open)."""

    def __init__(self, raw, end, elapsed):
        self.raw, self.end, self.elapsed = raw, end, elapsed
        self.status, self.headers, self.body, self.ended = None, {}, b"", False
        stdout, pos = b"", 0
        while pos + 8 <= len(raw):
            _, rtype, _, clen, pad = struct.unpack(">BBHHBx", raw[pos:pos + 8])
            content = raw[pos + 8:pos + 8 + clen]
            pos += 8 + clen + pad
            if rtype == STDOUT:
                stdout += content
            elif rtype == END_REQUEST:
                self.ended = True
        head, _, self.body = stdout.partition(b"\r\n\r\n")
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
        if "status" in self.headers:
            self.status = int(self.headers["status"].split()[0])

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Answer status=%r end=%s %r>" % (self.status, self.end, self.raw[:300])


def exchange(port, data, source="127.0.0.1", timeout=15, wait_close=True):
    """Connect from source, send data, read until the API closes (or, without
    wait_close, until END_REQUEST): Answer. A time-out is a failure."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout, source_address=(source, 0))
    raw, end = b"", "open"
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            end = "reset"
        while end == "open":
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                end = "reset"
                break
            except socket.timeout:
                if wait_close or not Answer(raw, end, 0).ended:
                    raise AssertionError("no answer and no close within %ds: %r" % (timeout, raw[:300]))
                break
            if not chunk:
                end = "eof"
                break
            raw += chunk
            if not wait_close and Answer(raw, end, 0).ended:
                s.settimeout(5)     # does the API close it by itself?
    finally:
        s.close()
    return Answer(raw, end, time.monotonic() - t0)


# --- the API on TCP ------------------------------------------------------------------------

class TcpApi:
    """Restart the session's API on TCP with extra keys; put it back on exit."""

    def __init__(self, stack, **keys):
        self.stack, self.keys = stack, keys
        self.port = free_port()

    def __enter__(self):
        st = self.stack
        with open(st.conf) as f:
            self.saved = f.read()
        with open(st.conf, "a") as f:
            f.write('api_listen = "127.0.0.1:%d"\n' % self.port)
            for k, v in self.keys.items():
                f.write('%s = "%s"\n' % (k, v))
        st.stop_api()
        st.api = Daemon("api", [st.api_bin, "-c", st.conf], st.logfile("api"), env=st._env())
        st.api.start()
        try:
            self.wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_ready(self, timeout=30, streak=8):
        """Health answers 200 `streak` times in a row over TCP (every responder is up)."""
        deadline, ok, last = time.time() + timeout, 0, None
        while ok < streak:
            if not self.stack.api.running():
                raise RuntimeError("coderank-api exited:\n" + self.stack.log("api")[-3000:])
            if time.time() > deadline:
                raise AssertionError("the API on TCP is not ready: %r\n%s"
                                     % (last, self.stack.log("api")[-3000:]))
            try:
                last = exchange(self.port, request_bytes("/api/v1/health"), timeout=5)
                ok = ok + 1 if last.status == 200 else 0
            except (OSError, AssertionError) as e:
                ok, last = 0, e
                time.sleep(0.1)
        return last

    def get(self, path, **kw):
        source = kw.pop("source", "127.0.0.1")
        return exchange(self.port, request_bytes(path, **kw), source=source)

    def __exit__(self, *exc):
        with open(self.stack.conf, "w") as f:
            f.write(self.saved)
        self.stack.stop_api()
        self.stack.start_api()
        self.stack.wait_healthy()


@pytest.fixture(scope="module")
def tcp_api(stack):
    with TcpApi(stack, api_allow="127.0.0.1/32", metrics_token=secrets.token_hex(24)) as api:
        api.token = api.keys["metrics_token"]
        yield api


def refused_lines(stack):
    return [l for l in stack.logs_since_mark().splitlines()
            if "refused a FastCGI connection from 127.0.0.2" in l]


# --- peers -------------------------------------------------------------------------------------

def test_allowed_peer_is_answered(tcp_api):
    r = tcp_api.get("/api/v1/health")
    assert r.status == 200, r
    assert r.json == {"status": "ok", "database": "ok"}, r
    assert r.ended and r.end == "eof", r


def test_peer_outside_api_allow_is_closed_unread(stack, tcp_api):
    r = exchange(tcp_api.port, request_bytes("/api/v1/health"), source="127.0.0.2")
    assert r.raw == b"", r          # no FastCGI record, no answer
    assert r.end in ("eof", "reset"), r
    assert r.elapsed < 5, r         # at once, not after some time-out
    # logged once, at warn, with the address
    deadline = time.time() + 5
    while not refused_lines(stack) and time.time() < deadline:
        time.sleep(0.1)
    lines = refused_lines(stack)
    assert lines and "level=warn" in lines[0], stack.logs_since_mark()[-2000:]
    # and it cost nothing: the allowed peer is still served
    assert tcp_api.get("/api/v1/health").status == 200


def test_silent_refused_peers_hold_no_responder(tcp_api):
    """Closed without waiting for a byte: idle refused connections, more than
    there are responders, do not stop the allowed peer from being served."""
    socks = [socket.create_connection(("127.0.0.1", tcp_api.port), 15,
                                      source_address=("127.0.0.2", 0)) for _ in range(8)]
    try:
        for s in socks:
            try:
                assert s.recv(100) == b""
            except ConnectionResetError:
                pass
        assert tcp_api.get("/api/v1/health").status == 200
    finally:
        for s in socks:
            s.close()


def test_refused_log_is_rate_limited(stack, tcp_api):
    time.sleep(1.1)     # past the previous tests' lines
    stack.mark()
    t0 = time.monotonic()
    for _ in range(100):
        r = exchange(tcp_api.port, request_bytes("/api/v1/health"), source="127.0.0.2")
        assert r.raw == b"", r
    elapsed = time.monotonic() - t0
    time.sleep(0.5)
    n = len(refused_lines(stack))
    # at most one line a second per responder (4), not one per connection
    assert 1 <= n <= min(4 * (int(elapsed) + 2), 50), (n, elapsed, stack.logs_since_mark()[-3000:])


def test_malformed_record_costs_a_connection_only(stack, tcp_api):
    """libfcgi drops a connection whose first record is not FCGI_BEGIN_REQUEST; the
    responder must neither die nor accept behind the allow-list's back."""
    unknown_role = record(BEGIN_REQUEST, struct.pack(">HB5x", 99, 0))
    for junk in (b"GET / HTTP/1.0\r\n\r\n", b"\x00" * 64, unknown_role + record(STDIN)):
        for _ in range(4):
            r = exchange(tcp_api.port, junk)
            assert r.status is None and r.end in ("eof", "reset"), r
    for _ in range(8):
        assert tcp_api.get("/api/v1/health").status == 200
    log = stack.logs_since_mark()
    assert "responder died" not in log and "responder exited" not in log, log[-3000:]
    assert "could not accept" not in log, log[-3000:]


def test_one_request_per_connection_even_with_keep_conn(tcp_api):
    r = exchange(tcp_api.port, request_bytes("/api/v1/health", flags=KEEP_CONN),
                 wait_close=False)
    assert r.status == 200 and r.ended, r
    assert r.end in ("eof", "reset"), r     # closed by the API, not kept


# --- metrics ---------------------------------------------------------------------------------

def test_metrics_for_an_allowed_remote_addr(tcp_api):
    r = tcp_api.get("/api/v1/metrics", remote_addr="127.0.0.1")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain"), r
    assert b"coderank_http_requests_total" in r.body, r


def test_metrics_refused_for_other_remote_addrs(stack, tcp_api):
    nginx = stack.http("GET", "/api/v1/metrics", source="127.0.0.2")
    assert nginx.status == 404 and nginx.json == NOT_FOUND, nginx
    for addr in ("203.0.113.9", "127.0.0.2", "::ffff:203.0.113.9", "2001:db8::1", "", "junk",
                 None):
        r = tcp_api.get("/api/v1/metrics", remote_addr=addr)
        assert r.status == 404, (addr, r)
        assert r.headers["content-type"].startswith("application/json"), r
        assert r.json == nginx.json, (addr, r)     # the same answer as nginx's
        assert b"coderank_" not in r.body, r
    # v4-mapped loopback is loopback
    assert tcp_api.get("/api/v1/metrics", remote_addr="::ffff:127.0.0.1").status == 200


def test_metrics_with_the_token(stack, tcp_api):
    tok = tcp_api.token
    for auth in ("Bearer " + tok, "bearer " + tok, "BEARER  %s " % tok):
        r = tcp_api.get("/api/v1/metrics", remote_addr="203.0.113.9",
                        headers={"Authorization": auth})
        assert r.status == 200, (auth, r)
        assert b"coderank_http_requests_total" in r.body, r
    for auth in ("Bearer " + tok[:-1], "Bearer " + tok + "0", "Bearer " + tok.upper(),
                 "Bearer wrong", "Bearer", "Basic " + tok, tok, "Bearer " + tok[:16]):
        r = tcp_api.get("/api/v1/metrics", remote_addr="203.0.113.9",
                        headers={"Authorization": auth})
        assert r.status == 404 and r.json == NOT_FOUND, (auth, r)
    assert tok not in stack.log("api"), "the metrics token was logged"


# --- start-up --------------------------------------------------------------------------------

@pytest.mark.parametrize("key,value,entry", [
    ("api_allow", "10.0.0.0/8, 10.0.0.300", "10.0.0.300"),
    ("api_allow", "127.0.0.1/33", "127.0.0.1/33"),
    ("api_allow", "10.1.0.0/8", "10.1.0.0/8"),
    ("metrics_allow", "::1 nginx.example", "nginx.example"),
])
def test_malformed_entry_stops_the_api(stack, tmp_path, key, value, entry):
    conf = tmp_path / "bad.conf"
    with open(stack.conf) as f:
        text = f.read()
    conf.write_text(text + 'api_listen = "%s"\n%s = "%s"\n'
                    % (tmp_path / "never.sock", key, value))
    p = subprocess.Popen([stack.api_bin, "-c", str(conf)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=stack._env(), start_new_session=True)
    try:
        out, _ = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.communicate()
        pytest.fail("coderank-api started with %s = %r" % (key, value))
    out = out.decode(errors="replace")
    assert p.returncode == 1, out
    assert key in out and '"%s"' % entry in out, out
    assert not os.path.exists(tmp_path / "never.sock"), out


# --- through nginx ---------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["127.0.0.2", "127.9.9.9"])
def test_nginx_refuses_metrics_to_other_addresses(http, source):
    r = http("GET", "/api/v1/metrics", source=source)
    assert r.status == 404 and r.json == NOT_FOUND, r
    assert r.headers.get("X-Request-Id"), r.headers
    assert b"coderank_" not in r.body, r
