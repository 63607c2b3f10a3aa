"""
Signed webhooks (issue 13), against the real stack with real HTTP receivers:
the result is POSTed to the submission's callback_url, signed with the user's
secret (checked by running docs/webhooks/verify.py and verify.c themselves),
retried with the same delivery id until a 2xx, kept across a kill -9 of the
delivery process, and never sent where it could reach inside the operator's
network: loopback, link-local, private addresses in any spelling, a name that
resolves to one, a redirect. The test configuration (conftest.py) allows only
127.0.0.2, where the receivers listen, and plain http.
"""
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "docs", "webhooks")
PRINT = {"language": "python", "source_code": "print('hook')"}


class Receiver:
    """An HTTP server on addr whose answer per path is set by the test; it records every request."""

    def __init__(self, addr="127.0.0.2"):
        self.requests = []
        self.plan = {}          # path -> list of statuses to answer in turn (last one repeats)
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.cond:
                    outer.requests.append((self.path, dict(self.headers), body, time.time()))
                    outer.cond.notify_all()
                    plan = outer.plan.get(self.path, [200])
                    status = plan.pop(0) if len(plan) > 1 else plan[0]
                if status == "hang":
                    time.sleep(30)
                    return
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", outer.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer((addr, 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://%s:%d" % (addr, self.server.server_address[1])
        self.redirect_to = None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, path, n, timeout=30):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.on(path)) < n and time.time() < deadline:
                self.cond.wait(deadline - time.time())
            return self.on(path)

    def on(self, path):
        return [r for r in self.requests if r[0] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def hooked(stack):
    """A user with a webhook secret: (user, secret)."""
    user = stack.worker_user("webhooks")
    r = stack.http("POST", "/api/v1/webhooks/secret", token=user.token)
    assert r.status == 201, r
    return user, r.json["secret"]


def submit(stack, user, url, **extra):
    body = dict(PRINT, callback_url=url, **extra)
    r = stack.http("POST", "/api/v1/execute", token=user.token, json=body)
    assert r.status == 202, r
    return r.json["submission_id"]


def callback(stack, user, sid):
    r = stack.http("GET", "/api/v1/execute/%s" % sid, token=user.token)
    assert r.status == 200, r
    return r.json["callback"]


def wait_state(stack, user, sid, want, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        cb = callback(stack, user, sid)
        if cb["state"] in want:
            return cb
        time.sleep(0.2)
    raise AssertionError("delivery of %s never became %s: %s" % (sid, want, cb))


def verify_with_docs_examples(tmp_path, secret, header, body):
    """Both documented verifiers, run as a receiver would run them."""
    py = subprocess.run(
        ["/usr/bin/python3", "-c",
         "import sys; sys.path.insert(0, %r); from verify import verify; "
         "sys.exit(0 if verify(sys.argv[1], sys.argv[2], sys.stdin.buffer.read()) else 1)" % DOCS,
         secret, header], input=body)
    main = tmp_path / "main.c"
    main.write_text('#include <stdio.h>\n#include <stdlib.h>\n'
                    'int verify(const char *, const char *, const char *, size_t, long);\n'
                    'int main(int c, char **v) { static char b[1 << 22]; size_t n = fread(b, 1, sizeof b, stdin);\n'
                    '  return verify(v[1], v[2], b, n, 300) ? 0 : 1; }\n')
    exe = tmp_path / "verify"
    subprocess.run(["gcc", "-O1", "-o", str(exe), str(main), os.path.join(DOCS, "verify.c"),
                    "-lcrypto"], check=True)
    c = subprocess.run([str(exe), secret, header], input=body)
    return py.returncode == 0, c.returncode == 0


def test_secret_is_made_rotated_and_needed(stack):
    user = stack.worker_user("webhooks")
    r = stack.http("POST", "/api/v1/execute", token=user.token,
                   json=dict(PRINT, callback_url="https://example.com/hook"))
    assert r.status == 400 and "webhook secret" in r.json["message"], r
    a = stack.http("POST", "/api/v1/webhooks/secret", token=user.token)
    b = stack.http("POST", "/api/v1/webhooks/secret", token=user.token)
    assert a.status == b.status == 201
    assert a.json["secret"].startswith("whsec_") and a.json["secret"] != b.json["secret"]
    assert stack.http("POST", "/api/v1/webhooks/secret").status == 401
    # kept sealed: the stored bytes are not the secret
    (stored,), = stack.db("SELECT webhook_secret FROM users WHERE user_id = %s", (user.user_id,))
    assert b.json["secret"].encode() not in bytes(stored)
    for name in ("api", "worker"):
        assert b.json["secret"] not in stack.log(name)


def test_delivered_signed_as_the_docs_verify(stack, hooked, receiver, tmp_path):
    user, secret = hooked
    sid = submit(stack, user, receiver.url + "/ok")
    (path, headers, body, _), = receiver.wait("/ok", 1)
    cb = wait_state(stack, user, sid, ("delivered",))
    assert cb["attempts"] == 1 and cb["last_status"] == 200 and cb["last_error"] is None, cb
    assert headers["CodeRank-Delivery"] == cb["delivery_id"]
    assert headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    got = stack.http("GET", "/api/v1/execute/%s" % sid, token=user.token).json
    doc.pop("callback"), got.pop("callback")
    assert doc == got and doc["stdout"] == "hook\n"
    assert verify_with_docs_examples(tmp_path, secret, headers["CodeRank-Signature"], body) \
        == (True, True)
    # and neither accepts a changed body, another secret, or an old timestamp
    assert verify_with_docs_examples(tmp_path, secret, headers["CodeRank-Signature"],
                                     body + b" ") == (False, False)
    assert verify_with_docs_examples(tmp_path, secret + "x", headers["CodeRank-Signature"],
                                     body) == (False, False)
    t = int(headers["CodeRank-Signature"].split(",")[0][2:])
    old = headers["CodeRank-Signature"].replace("t=%d" % t, "t=%d" % (t - 3600))
    assert verify_with_docs_examples(tmp_path, secret, old, body) == (False, False)


def test_retried_with_the_same_delivery_id(stack, hooked, receiver):
    user, _ = hooked
    receiver.plan["/flaky"] = [500, 500, 200]
    sid = submit(stack, user, receiver.url + "/flaky")
    got = receiver.wait("/flaky", 3, timeout=60)
    assert len(got) == 3, got
    assert len({h["CodeRank-Delivery"] for _, h, _, _ in got}) == 1
    cb = wait_state(stack, user, sid, ("delivered",))
    assert cb["attempts"] == 3 and cb["last_status"] == 200, cb


def webhook_pids():
    pids = []
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/comm" % p) as f:
                if f.read().strip() == "cr-webhook":
                    pids.append(int(p))
        except (OSError, ValueError):
            pass
    return pids


def test_kill_9_mid_retry_loses_nothing(stack, hooked, receiver):
    user, _ = hooked
    receiver.plan["/kill"] = [500]
    sid = submit(stack, user, receiver.url + "/kill")
    receiver.wait("/kill", 1)
    before = webhook_pids()
    assert before, "no cr-webhook process"
    for p in before:
        os.kill(p, signal.SIGKILL)
    receiver.plan["/kill"] = [200]
    cb = wait_state(stack, user, sid, ("delivered",), timeout=60)
    got = receiver.on("/kill")
    assert len({h["CodeRank-Delivery"] for _, h, _, _ in got}) == 1 and len(got) >= 2, got
    assert cb["last_status"] == 200
    assert set(webhook_pids()).isdisjoint(before)       # a new process delivered it


@pytest.mark.parametrize("url,words", [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]/hook", "loopback"),
    ("http://2130706433/hook", "127.0.0.1"),
    ("http://0177.0.0.1/hook", "127.0.0.1"),
    ("http://0x7f.1/hook", "127.0.0.1"),
    ("http://10.0.0.1/hook", "private"),
    ("http://[::ffff:127.0.0.1]/hook", "127.0.0.1"),
    ("http://[fd00::1]/hook", "unique local"),
    ("https://user:pw@example.com/hook", "user name or password"),
    ("ftp://example.com/hook", "http"),
    ("example.com/hook", "absolute URL"),
    ("https://exa mple.com/", "spaces"),
    ("https://example.com/" + "a" * 2048, "2048"),
])
def test_refused_at_submit(stack, hooked, url, words):
    user, _ = hooked
    r = stack.http("POST", "/api/v1/execute", token=user.token, json=dict(PRINT, callback_url=url))
    assert r.status == 400, r
    assert words in r.json["message"], r.json


def test_refused_at_delivery_after_resolution(stack, hooked, receiver):
    """Names are resolved when the result is delivered: a name for a private address fails there."""
    user, _ = hooked
    name = "webhook-private-%d.test" % os.getpid()
    with open("/etc/hosts") as f:
        hosts = f.read()
    with open("/etc/hosts", "a") as f:
        f.write("\n10.0.0.1 %s\n127.0.0.1 loop-%s\n" % (name, name))
    try:
        for host, words in ((name, "10.0.0.1"), ("loop-" + name, "loopback")):
            sid = submit(stack, user, "http://%s:8080/hook" % host)
            cb = wait_state(stack, user, sid, ("failed",))
            assert words in cb["last_error"] and cb["last_status"] is None, cb
    finally:
        with open("/etc/hosts", "w") as f:
            f.write(hosts)


def test_redirect_is_not_followed(stack, hooked, receiver):
    user, _ = hooked
    target = Receiver("127.0.0.1")
    try:
        receiver.plan["/moved"] = [302]
        receiver.redirect_to = target.url + "/inside"
        sid = submit(stack, user, receiver.url + "/moved")
        receiver.wait("/moved", 1)
        deadline = time.time() + 20
        while time.time() < deadline:
            cb = callback(stack, user, sid)
            if cb["attempts"] >= 1:
                break
            time.sleep(0.2)
        assert cb["state"] == "pending" and cb["last_status"] == 302, cb
        time.sleep(1)
        assert target.requests == []
    finally:
        target.close()


def test_a_receiver_that_never_answers_is_cut(stack, hooked, receiver):
    user, _ = hooked
    receiver.plan["/hang"] = ["hang"]
    sid = submit(stack, user, receiver.url + "/hang")
    (_, _, _, t0), = receiver.wait("/hang", 1)
    deadline = time.time() + 20
    while time.time() < deadline:
        cb = callback(stack, user, sid)
        if cb["attempts"] >= 1:
            break
        time.sleep(0.1)
    took = time.time() - t0
    assert cb["last_status"] is None and "tim" in cb["last_error"], cb
    assert took < 3 + 3, took     # webhook_timeout_seconds = 3 in the test configuration


def test_metrics_count_deliveries(stack, hooked, receiver):
    r = stack.http("GET", "/api/v1/metrics")
    assert r.status == 200, r
    text = r.body.decode()
    assert 'coderank_webhook_deliveries{state="delivered"}' in text
    delivered = int(text.split('coderank_webhook_deliveries{state="delivered"} ')[1].split()[0])
    assert delivered >= 1
    assert "coderank_webhook_retries" in text and "coderank_webhook_latency_seconds" in text


def test_a_batch_item_may_name_a_callback(stack, hooked, receiver):
    user, _ = hooked
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token, json={"submissions": [
        dict(PRINT, callback_url=receiver.url + "/batch"), PRINT]})
    assert r.status == 202, r
    got = receiver.wait("/batch", 1)
    assert json.loads(got[0][2])["submission_id"] == r.json["submissions"][0]["submission_id"]
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token, json={"submissions": [
        PRINT, dict(PRINT, callback_url="http://127.0.0.1/x")]})
    assert r.status == 400 and r.json["message"].startswith("submissions[1].callback_url"), r
