"""
Integration fixtures: the real CodeRank stack, started in a temporary directory.

One stack per pytest session (shared by every test file):
  PostgreSQL 15   initdb'd with fsync off, as user postgres, unix socket only,
                  migrated with db/migrate
  coderank-api    the pool on a unix socket, with a generated configuration
  coderank-worker started when the binary exists (talks to the machine's dockerd)
  nginx           its own instance from nginx/coderank.conf.in (scripts/nginx-conf),
                  HTTP and HTTPS on free loopback ports, with the API docs made by
                  scripts/docs-html (needs python3-markdown)
Each daemon logs to a file in the temporary directory; when a test fails, what
every daemon logged during that test is attached to the failure report.

Environment:
  CODERANK_BUILD_DIR   the build tree with the binaries (default <checkout>/build)
  CODERANK_KEEP_TMP=1  keep the temporary directory (its path is printed)

Fixtures:
  stack        Stack (session): .base_url .https_url .conninfo .jwt_key .tmp
               .http(...)           same as the `http` fixture
               .db(sql, params)     same as the `db` fixture
               .stop_postgres() .start_postgres() .restart_postgres()
               .stop_api() .start_api()
               .kill_worker(sig=SIGKILL) .start_worker() .stop_worker()
               .worker_running() .has_worker
               .wait_healthy(timeout)  health answers 200 on every responder
               .log(name)           a daemon's whole log: "postgres", "api",
                                    "worker", "nginx-error", "nginx-access"
  base_url     "http://127.0.0.1:PORT" (nginx, plain HTTP)
  http         http(method, path, json=None, body=None, headers=None, token=None,
                    source=None, https=False, timeout=30) -> Response
               path is under base_url ("/api/v1/..."); json= sends JSON with
               Content-Type application/json; body= sends raw bytes (no
               Content-Type unless given in headers); token= adds
               "Authorization: Bearer ..."; source= binds the client to a
               loopback address (e.g. "127.0.0.2"), so that per-address limits
               of nginx do not spill over between tests.
               Response: .status .headers (case-insensitive .get) .body (bytes)
               .json (parsed, or None) .elapsed (s)
  new_user     new_user(tier=None, password=...) -> User(.user_id .username
               .email .password .token): registers and logs in a fresh user
               (from a fresh loopback address, stack.next_source());
               tier= sets users.rate_limit_tier (create the tier with db()).
  db           db(sql, params=None) -> list of row tuples (autocommit, as the
               superuser, so tests can set up and inspect anything)
  wait_final   wait_final(token, submission_id, timeout=30) -> the JSON of
               GET /execute/{id} once its status is final (fails on time-out)
  jwt          jwt(payload, key=None, header=None) -> an HS256 token made in
               Python (key defaults to the stack's jwt_key)
"""

import base64
import collections
import hashlib
import hmac
import http.client as httpclient
import itertools
import json as jsonlib
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CODERANK_BUILD_DIR") or os.path.join(ROOT, "build")
PGBIN = "/usr/lib/postgresql/15/bin"
FINAL = {"completed", "failed", "timeout", "memory_limit_exceeded",
         "output_limit_exceeded", "internal_error"}
# API.md's result document: the fields that are null until the status is final, and all
RESULT_FIELDS = ("stdout", "stderr", "compilation_error", "runtime_error", "execution_time_ms",
                 "memory_used_kb", "exit_code", "exit_signal", "completed_at")
RESULT_KEYS = {"submission_id", "status", "language", "submitted_at", "started_at"} | \
    set(RESULT_FIELDS)
IS_ROOT = os.geteuid() == 0


def docker_ping(sock="/var/run/docker.sock"):
    """True when dockerd answers GET /_ping on its socket."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    try:
        s.connect(sock)
        s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        return b" 200 " in s.recv(200)
    except OSError:
        return False
    finally:
        s.close()


def pid_alive(pid):
    """True while pid runs. A dead dockerd whose parent does not reap it (PID 1 of
    some sandboxes) stays a zombie with a /proc entry: that counts as dead."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def finished_fields(worker_log, submission_id):
    """The fields of the worker's "finished:" line of a submission, as a dict
    (status, path, isolation, container, run, retire, time_ms, ...), or None when
    there is no such line (yet). Tolerant of fields it does not know and of their
    order; a quoted value (a reason with spaces) keeps its words."""
    for line in worker_log.splitlines():
        if "sub=%s " % submission_id not in line + " " or 'msg="finished:' not in line:
            continue
        msg = line.split('msg="finished:', 1)[1]
        if msg.endswith('"'):
            msg = msg[:-1]
        fields = {}
        for m in re.finditer(r'(\w+)=(\\"(?:[^\\]|\\[^"])*?\\"|\S+)', msg):
            v = m.group(2)
            if v.startswith('\\"'):
                v = v[2:-2]
            fields[m.group(1)] = v
        return fields
    return None


def wait_for(pred, timeout, what):
    """pred()'s first true value within timeout seconds, or fail naming what."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("not within %ds: %s" % (timeout, what))
        time.sleep(0.1)


class WorkerKeys:
    """The session's worker restarted with extra configuration keys; the old
    file and worker back on exit. .wid is the new worker's id."""

    def __init__(self, stack, **keys):
        self.stack, self.keys = stack, keys

    def __enter__(self):
        with open(self.stack.conf) as f:
            self.saved = f.read()
        with open(self.stack.conf, "a") as f:
            for k, v in self.keys.items():
                f.write("%s = %s\n" % (k, v))
        self.stack.stop_worker()
        self.stack.start_worker()
        pat = r'pid=%d msg="starting: worker_id=(\S+)' % self.stack.worker.proc.pid
        deadline = time.time() + 20
        self.wid = None
        while not self.wid:
            found = re.findall(pat, self.stack.log("worker"))
            self.wid = found[-1] if found else None
            assert self.wid or time.time() < deadline, "no start line of the new worker"
            if not self.wid:
                time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        with open(self.stack.conf, "w") as f:
            f.write(self.saved)
        self.stack.stop_worker()
        self.stack.start_worker()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd):
    """Run cmd as user postgres (PostgreSQL refuses root), from a directory it can read."""
    return (["runuser", "-u", "postgres", "--"] if IS_ROOT else []) + cmd


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed
        try:
            self.json = jsonlib.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:300])


User = collections.namedtuple("User", "user_id username email password token")


class Daemon:
    """A process we started, in its own session so its children go with it."""

    def __init__(self, name, argv, log, env=None, umask=None, cwd=None):
        self.name, self.argv, self.log, self.env = name, argv, log, env
        self.umask, self.cwd, self.proc = umask, cwd, None

    def start(self):
        out = open(self.log, "ab")
        um = self.umask

        def pre():
            if um is not None:
                os.umask(um)
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env, cwd=self.cwd,
                                     start_new_session=True, preexec_fn=pre)
        out.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # whatever is left of its process group (pool children)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None


class Stack:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="coderank-it-")
        os.chmod(self.tmp, 0o755)   # postgres and nginx's workers must get in
        self.logs = {}
        self.marks = {}
        self.api_bin = os.path.join(BUILD, "coderank-api")
        self.worker_bin = os.path.join(BUILD, "coderank-worker")
        self.has_worker = os.access(self.worker_bin, os.X_OK)
        self.pg_port = free_port()
        self.http_port = free_port()
        self.https_port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.http_port
        self.https_url = "https://127.0.0.1:%d" % self.https_port
        self.jwt_key = secrets.token_hex(32)
        self.webhook_key = secrets.token_hex(32)
        self.pgsock = os.path.join(self.tmp, "pgsock")
        self.pgdata = os.path.join(self.tmp, "pgdata")
        self.api_sock = os.path.join(self.tmp, "api", "api.sock")
        self.conninfo = "host=%s port=%d dbname=coderank user=coderank" % (self.pgsock, self.pg_port)
        self.conf = os.path.join(self.tmp, "coderank.conf")
        self.api = self.worker = self.nginx = None
        self._db = None
        self.seen_500 = []
        self._sources = itertools.count(1)

    def next_source(self):
        """A fresh loopback address (127.1.x.y), so that nginx's per-address limit on
        /auth/ does not slow down tests that merely need users."""
        n = next(self._sources) % 60000
        return "127.1.%d.%d" % (n // 250, n % 250 + 1)

    # --- logs -------------------------------------------------------------------
    def logfile(self, name):
        path = os.path.join(self.tmp, "log", name + ".log")
        self.logs[name] = path
        return path

    def log(self, name):
        try:
            with open(self.logs[name], "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (KeyError, OSError):
            return ""

    def mark(self):
        self.marks = {n: (os.path.getsize(p) if os.path.exists(p) else 0)
                      for n, p in self.logs.items()}

    def logs_since_mark(self, limit=40000):
        out = []
        for n, p in sorted(self.logs.items()):
            try:
                with open(p, "rb") as f:
                    f.seek(self.marks.get(n, 0))
                    data = f.read()
            except OSError:
                continue
            if data:
                if len(data) > limit:
                    data = b"[...]\n" + data[-limit:]
                out.append("----- %s (%s) -----\n%s" % (n, p, data.decode("utf-8", "replace")))
        return "\n".join(out)

    # --- PostgreSQL --------------------------------------------------------------
    def start_postgres(self):
        # fsync off for speed, but synchronous_commit stays on: the fault tests stop
        # PostgreSQL in immediate mode and a 202 must survive that (a committed WAL
        # record in the OS cache does; one still in shared memory would not).
        opts = ("-k %s -p %d -c listen_addresses='' -c fsync=off "
                "-c full_page_writes=off -c max_connections=200" % (self.pgsock, self.pg_port))
        subprocess.run(as_postgres([PGBIN + "/pg_ctl", "-D", self.pgdata, "-l",
                                    self.logs["postgres"], "-w", "-t", "60", "-o", opts,
                                    "start"]),
                       check=True, cwd="/", stdout=subprocess.DEVNULL)

    def stop_postgres(self, mode="fast"):
        self._close_db()
        subprocess.run(as_postgres([PGBIN + "/pg_ctl", "-D", self.pgdata, "-m", mode, "-w",
                                    "-t", "60", "stop"]), cwd="/", stdout=subprocess.DEVNULL)

    def restart_postgres(self):
        self.stop_postgres()
        self.start_postgres()

    def postgres_running(self):
        return subprocess.run(as_postgres([PGBIN + "/pg_ctl", "-D", self.pgdata, "status"]),
                              cwd="/", stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def _setup_postgres(self):
        os.makedirs(self.pgsock)
        os.makedirs(self.pgdata)
        if IS_ROOT:
            shutil.chown(self.pgsock, "postgres", "postgres")
            shutil.chown(self.pgdata, "postgres", "postgres")
        log = self.logfile("postgres")
        open(log, "a").close()
        if IS_ROOT:
            shutil.chown(log, "postgres", "postgres")
        subprocess.run(as_postgres([PGBIN + "/initdb", "-D", self.pgdata, "-U", "postgres",
                                    "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                                    "--no-sync"]),
                       check=True, cwd="/", stdout=subprocess.DEVNULL)
        self.start_postgres()
        psql = as_postgres(["psql", "-h", self.pgsock, "-p", str(self.pg_port), "-U", "postgres",
                            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c"])
        subprocess.run(psql + ["CREATE ROLE coderank LOGIN"], check=True, cwd="/")
        subprocess.run(psql + ["CREATE DATABASE coderank OWNER coderank"], check=True, cwd="/")
        subprocess.run([os.path.join(ROOT, "db", "migrate"), self.conninfo], check=True,
                       stdout=subprocess.DEVNULL)

    def _close_db(self):
        if self._db is not None:
            try:
                self._db.close()
            except Exception:
                pass
            self._db = None

    def db(self, sql, params=None):
        import psycopg2
        for attempt in range(2):
            try:
                if self._db is None or self._db.closed:
                    self._db = psycopg2.connect(host=self.pgsock, port=self.pg_port,
                                                dbname="coderank", user="postgres")
                    self._db.autocommit = True
                with self._db.cursor() as cur:
                    cur.execute(sql, params)
                    return cur.fetchall() if cur.description else []
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                self._close_db()
                if attempt:
                    raise

    # --- the programs --------------------------------------------------------------
    def _write_conf(self):
        with open(self.conf, "w") as f:
            f.write('database_url = "%s"\n' % self.conninfo)
            f.write('jwt_key = "%s"\n' % self.jwt_key)
            # webhooks: receivers of the tests listen on 127.0.0.2 (plain http),
            # the only address allowed; every other loopback address stays refused
            f.write('webhook_key = "%s"\n' % self.webhook_key)
            f.write('webhook_allow = "127.0.0.2/32"\n')
            f.write("webhook_allow_http = 1\n")
            f.write("webhook_timeout_seconds = 3\n")
            f.write("webhook_connect_timeout_seconds = 2\n")
            f.write('api_listen = "%s"\n' % self.api_sock)
            f.write("api_processes = 4\n")
            f.write("log_level = info\n")
            f.write("worker_slots = 2\n")
        os.chmod(self.conf, 0o600)

    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODERANK_")}
        env["CODERANK_CONFIG"] = self.conf
        return env

    def start_api(self):
        if not os.access(self.api_bin, os.X_OK):
            raise RuntimeError("%s is not built (set CODERANK_BUILD_DIR)" % self.api_bin)
        if os.path.exists(self.api_sock):
            os.unlink(self.api_sock)
        # umask 0: the socket is reachable by nginx's workers (www-data); the
        # directories above it are ours.
        self.api = Daemon("api", [self.api_bin, "-c", self.conf], self.logfile("api"),
                          env=self._env(), umask=0)
        self.api.start()
        deadline = time.time() + 15
        while not os.path.exists(self.api_sock):
            if not self.api.running():
                raise RuntimeError("coderank-api exited:\n" + self.log("api")[-3000:])
            if time.time() > deadline:
                raise RuntimeError("coderank-api did not open %s:\n%s"
                                   % (self.api_sock, self.log("api")[-3000:]))
            time.sleep(0.05)

    def stop_api(self):
        if self.api:
            self.api.stop()

    def start_worker(self):
        if not self.has_worker:
            return
        self.worker = Daemon("worker", [self.worker_bin, "-c", self.conf],
                             self.logfile("worker"), env=self._env())
        self.worker.start()

    def stop_worker(self):
        if self.worker:
            self.worker.stop()

    def kill_worker(self, sig=signal.SIGKILL):
        """Kill the worker (default: SIGKILL, no clean-up) and wait for it to be gone."""
        if self.worker and self.worker.proc:
            self.worker.proc.send_signal(sig)
            try:
                self.worker.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
            self.worker.stop()

    def worker_running(self):
        return bool(self.worker and self.worker.running())

    def _start_nginx(self):
        prefix = os.path.join(self.tmp, "nginx")
        os.makedirs(os.path.join(prefix, "tmp"))
        os.makedirs(os.path.join(prefix, "static"))
        # the API docs (/docs/, /api/v1/openapi.yaml), where scripts/nginx-conf looks
        docs = subprocess.run([os.path.join(ROOT, "scripts", "docs-html"),
                               os.path.join(prefix, "docs")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if docs.returncode != 0:
            raise RuntimeError("scripts/docs-html failed (python3-markdown is installed by "
                               "scripts/setup --deps-only):\n" + docs.stdout.decode())
        key, cert = os.path.join(prefix, "key.pem"), os.path.join(prefix, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-keyout", key, "-out", cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = dict(os.environ, NGINX_PREFIX=prefix, NGINX_LOG_DIR=os.path.join(self.tmp, "log"),
                   API_SOCKETS=self.api_sock, HTTP_LISTEN="127.0.0.1:%d" % self.http_port,
                   HTTPS_LISTEN="127.0.0.1:%d" % self.https_port, TLS_CERT=cert, TLS_KEY=key,
                   NGINX_WORKERS="2", CODERANK_CONFIG=self.conf, CODERANK_API=self.api_bin)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            subprocess.run([os.path.join(ROOT, "scripts", "nginx-conf")], env=env, stdout=f,
                           check=True)
        self.logs["nginx-error"] = os.path.join(self.tmp, "log", "nginx-error.log")
        self.logs["nginx-access"] = os.path.join(self.tmp, "log", "nginx-access.log")
        self.nginx = Daemon("nginx", ["nginx", "-p", prefix, "-c", conf, "-e",
                                      self.logs["nginx-error"], "-g", "daemon off;"],
                            self.logfile("nginx"))
        self.nginx.start()
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.http_port), 0.5).close()
                break
            except OSError:
                if not self.nginx.running() or time.time() > deadline:
                    raise RuntimeError("nginx did not start:\n" + self.log("nginx")
                                       + self.log("nginx-error"))
                time.sleep(0.05)

    def wait_healthy(self, timeout=30, streak=12):
        """Health answers 200 `streak` times in a row (so every responder is back)."""
        deadline = time.time() + timeout
        ok, last = 0, None
        while time.time() < deadline:
            try:
                last = self.http("GET", "/api/v1/health", timeout=5)
                ok = ok + 1 if last.status == 200 else 0
            except OSError as e:
                ok, last = 0, e
            if ok >= streak:
                return
            time.sleep(0.05 if ok else 0.2)
        raise AssertionError("health did not answer 200 within %ds: %r" % (timeout, last))

    def start(self):
        os.makedirs(os.path.join(self.tmp, "log"))
        os.makedirs(os.path.dirname(self.api_sock))
        self._setup_postgres()
        self._write_conf()
        self.start_api()
        self.start_worker()
        self._start_nginx()
        self.wait_healthy()

    def close(self):
        for d in (self.nginx, self.worker, self.api):
            if d:
                d.stop()
        self._close_db()
        if os.path.exists(os.path.join(self.pgdata, "PG_VERSION")):
            subprocess.run(as_postgres([PGBIN + "/pg_ctl", "-D", self.pgdata, "-m",
                                        "immediate", "-w", "stop"]), cwd="/",
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.environ.get("CODERANK_KEEP_TMP") == "1":
            print("\nkept %s" % self.tmp, file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- HTTP ------------------------------------------------------------------------
    def http(self, method, path, json=None, body=None, headers=None, token=None,
             source=None, https=False, timeout=30):
        hdrs = {}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        src = (source, 0) if source else None
        if https:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = httpclient.HTTPSConnection("127.0.0.1", self.https_port, timeout=timeout,
                                               source_address=src, context=ctx)
        else:
            conn = httpclient.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout,
                                              source_address=src)
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            resp = Response(r.status, r.headers, data, time.monotonic() - t0)
        finally:
            conn.close()
        if resp.status == 500:
            self.seen_500.append((method, path, resp.body[:200]))
        return resp

    def worker_user(self, tier, max_concurrent=100):
        """A user on a tier of its own that never rate-limits a test of the worker."""
        if not self.has_worker:
            raise AssertionError("coderank-worker is not built in %s"
                                 % os.path.dirname(self.worker_bin))
        self.db("INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent) "
                "VALUES (%s, 100000, %s) ON CONFLICT (tier) DO NOTHING", (tier, max_concurrent))
        return self.new_user(tier=tier)

    def execute_wait(self, token, lang, src, timeout=120):
        """POST ?wait=true, then GET until final when it was not held to the end."""
        r = self.http("POST", "/api/v1/execute?wait=true", token=token, timeout=timeout,
                      json={"language": lang, "source_code": src})
        assert r.status in (200, 202), r
        if r.status == 202 or r.json["status"] in ("queued", "running"):
            return self.wait_final(token, r.json["submission_id"], timeout)
        return r.json

    def new_user(self, tier=None, password="SecurePass123!"):
        n = uuid.uuid4().hex[:12]
        username, email = "u_" + n, "user_%s@example.com" % n
        src = self.next_source()
        for _ in range(50):     # nginx's per-address limit on /auth/: wait it out
            r = self.http("POST", "/api/v1/auth/register", source=src,
                          json={"username": username, "email": email, "password": password})
            if r.status != 429:
                break
            time.sleep(0.3)
        assert r.status == 201, r
        user_id = r.json["user_id"]
        if tier is not None:
            self.db("UPDATE users SET rate_limit_tier = %s WHERE user_id = %s", (tier, user_id))
        for _ in range(50):
            r = self.http("POST", "/api/v1/auth/login", source=src,
                          json={"email": email, "password": password})
            if r.status != 429:
                break
            time.sleep(0.3)
        assert r.status == 200, r
        return User(user_id, username, email, password, r.json["access_token"])

    def wait_final(self, token, submission_id, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            r = self.http("GET", "/api/v1/execute/" + submission_id, token=token)
            assert r.status in (200, 503), r
            if r.status == 200:
                last = r.json
                if last["status"] in FINAL:
                    return last
            time.sleep(0.1)
        raise AssertionError("submission %s not final after %ds: %r" % (submission_id, timeout, last))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload, key, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    h = b64url(jsonlib.dumps(header, separators=(",", ":")).encode())
    p = b64url(jsonlib.dumps(payload, separators=(",", ":")).encode())
    if header.get("alg") == "none":
        return "%s.%s." % (h, p)
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
              "HS512": hashlib.sha512}.get(header.get("alg"), hashlib.sha256)
    sig = hmac.new(key.encode() if isinstance(key, str) else key, ("%s.%s" % (h, p)).encode(),
                   digest).digest()
    return "%s.%s.%s" % (h, p, b64url(sig))


_STACK = None


@pytest.fixture(scope="session")
def stack():
    global _STACK
    s = Stack()
    try:
        s.start()
    except BaseException:
        print("\n" + s.logs_since_mark(), file=sys.stderr)
        s.close()
        raise
    _STACK = s
    yield s
    _STACK = None
    s.close()


@pytest.fixture(autouse=True)
def _daemon_log_marks(stack):
    stack.mark()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _STACK is not None:
        rep.sections.append(("daemon logs during this test", _STACK.logs_since_mark()))


@pytest.fixture
def base_url(stack):
    return stack.base_url


@pytest.fixture
def http(stack):
    return stack.http


@pytest.fixture
def new_user(stack):
    return stack.new_user


@pytest.fixture
def db(stack):
    return stack.db


@pytest.fixture
def wait_final(stack):
    return stack.wait_final


@pytest.fixture
def jwt(stack):
    def make(payload, key=None, header=None):
        return make_jwt(payload, stack.jwt_key if key is None else key, header)
    return make
