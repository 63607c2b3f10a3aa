"""
coderank-admin (issue 15, item 3) against the session's stack: the built binary
run with `-c stack.conf`, its output and exit status, and what it changed in the
database; then purging, measured while the API keeps taking submissions, and the
worker's retention (retention_days).

Exit statuses (coderank-admin --help): 0 done, 1 configuration or database,
2 bad command line, 3 no such user/tier/language, 4 exists already.
"""

import os
import re
import statistics
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BUILD, WorkerKeys, docker_ping, wait_for

ADMIN = os.path.join(BUILD, "coderank-admin")


def admin(stack, *args, conf=True, env=None):
    """Run coderank-admin (with -c stack.conf unless conf=False); the CompletedProcess."""
    if not os.access(ADMIN, os.X_OK):
        raise AssertionError("%s is not built (set CODERANK_BUILD_DIR)" % ADMIN)
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODERANK_")}
    base.update(env or {})
    argv = [ADMIN] + (["-c", stack.conf] if conf else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, env=base, timeout=300)


def ok(stack, *args):
    p = admin(stack, *args)
    assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p.stdout


def fails(stack, status, *args, says=None, conf=True):
    p = admin(stack, *args, conf=conf)
    assert p.returncode == status, (args, p.returncode, p.stdout, p.stderr)
    assert p.stderr.startswith("coderank-admin: ") or p.stderr.startswith("usage:"), p.stderr
    if says:
        assert says in p.stderr, (args, p.stderr)
    return p.stderr


def rows(out):
    """A table's lines as lists of cells (blank-separated), heading first."""
    return [line.split() for line in out.splitlines() if line.strip()]


# --- the command line --------------------------------------------------------------

COMMANDS = [["users", "list"], ["users", "show"], ["users", "set-tier"], ["users", "disable"],
            ["users", "enable"], ["tiers", "list"], ["tiers", "create"], ["tiers", "set"],
            ["languages", "list"], ["languages", "enable"], ["languages", "disable"],
            ["languages", "set"], ["queue"], ["purge"]]


def test_help(stack):
    out = ok(stack, "--help")
    for cmd in COMMANDS:
        assert "  " + " ".join(cmd) in out, cmd
    for status in ("0  done", "1  the configuration or the database", "2  bad command line",
                   "3  no such user, tier or language", "4  it exists already"):
        assert status in out
    for cmd in COMMANDS:
        # --help needs no configuration and no database
        p = admin(stack, "-c", "/nonexistent/coderank.conf", *cmd, "--help", conf=False)
        assert p.returncode == 0, (cmd, p.stderr)
        assert p.stdout.startswith("usage: coderank-admin [-c FILE] " + " ".join(cmd)), p.stdout
    for group in ("users", "tiers", "languages"):
        p = admin(stack, group, "--help")
        assert p.returncode == 0 and "COMMAND --help" in p.stdout, p


def test_usage_errors(stack):
    """Bad input: exit 2 with a message, before the configuration is even read."""
    nowhere = ["-c", "/nonexistent/coderank.conf"]
    cases = [
        ([], "usage: coderank-admin"),
        (["frob"], 'unknown command "frob"'),
        (["users"], "usage: coderank-admin [-c FILE] users COMMAND"),
        (["users", "frob"], 'unknown command "users frob"'),
        (["users", "list", "--frob", "1"], 'unknown option "--frob"'),
        (["users", "list", "--limit"], "option --limit needs a value"),
        (["users", "list", "--limit", "x"], 'invalid --limit "x": a whole number from 1'),
        (["users", "list", "--limit", "0"], "invalid --limit"),
        (["users", "list", "--limit=-3"], "invalid --limit"),
        (["users", "list", "--limit", "99999999999999999999"], "invalid --limit"),
        (["users", "show"], "missing argument"),
        (["users", "show", "a", "b"], 'unexpected argument "b"'),
        (["users", "set-tier", "a@example.com"], "missing argument"),
        (["tiers", "create", "t1", "--rpm", "5"], "needs both --rpm N and --concurrent N"),
        (["tiers", "create", "bad name", "--rpm", "5", "--concurrent", "1"],
         'invalid tier name "bad name"'),
        (["tiers", "create", "x" * 21, "--rpm", "5", "--concurrent", "1"], "invalid tier name"),
        (["tiers", "create", "t1", "--rpm", "0", "--concurrent", "1"], 'invalid --rpm "0"'),
        (["tiers", "create", "t1", "--rpm", "1.5", "--concurrent", "1"], "invalid --rpm"),
        (["tiers", "set", "basic"], "nothing to set"),
        (["tiers", "set", "basic", "--concurrent", "-1"], "invalid --concurrent"),
        (["languages", "set", "python"], "nothing to set"),
        (["languages", "set", "python", "--timeout", "301"],
         'invalid --timeout "301": a whole number from 1 to 300'),
        (["languages", "set", "python", "--compile-timeout", "601"], "from 1 to 600"),
        (["languages", "set", "python", "--memory", "15"], "from 16 to 65536"),
        (["languages", "set", "python", "--processes", "4097"], "from 1 to 4096"),
        (["languages", "enable"], "missing argument"),
        (["queue", "extra"], 'unexpected argument "extra"'),
        (["purge"], "--older-than AGE"),
        (["purge", "--older-than", "3w"], 'invalid age "3w"'),
        (["purge", "--older-than", "0"], "out of range: from 1h to 36500d"),
        (["purge", "--older-than", "-1d"], "invalid age"),
        (["purge", "--older-than", "30d", "--batch", "0"], "invalid --batch"),
    ]
    for args, says in cases:
        err = fails(stack, 2, *(nowhere + args), says=says, conf=False)
        if not err.startswith("usage:"):
            assert "--help" in err, (args, err)      # where to read more


def test_configuration(stack):
    """-c FILE, else $CODERANK_CONFIG, as the daemons; a missing file or key: exit 1."""
    err = fails(stack, 1, "-c", "/nonexistent/coderank.conf", "tiers", "list", conf=False)
    assert 'could not read configuration file "/nonexistent/coderank.conf"' in err
    p = admin(stack, "tiers", "list", conf=False, env={"CODERANK_CONFIG": stack.conf})
    assert p.returncode == 0 and "basic" in p.stdout, p
    # -c is taken after the command too
    p = admin(stack, "tiers", "list", "-c", stack.conf, conf=False)
    assert p.returncode == 0 and "basic" in p.stdout, p
    empty = os.path.join(stack.tmp, "admin-empty.conf")
    with open(empty, "w") as f:
        f.write("log_level = info\n")
    err = fails(stack, 1, "-c", empty, "tiers", "list", conf=False)
    assert "database_url is not set" in err
    with open(empty, "w") as f:
        f.write('database_url = "host=%s port=1 dbname=coderank user=coderank"\n'
                % stack.pgsock)
    err = fails(stack, 1, "-c", empty, "tiers", "list", conf=False)
    assert "could not connect to the database: " in err and "no database: check database_url" in err


# --- users ---------------------------------------------------------------------------

def test_users(stack, new_user, http, db):
    u = new_user()
    out = ok(stack, "users", "list")
    head = rows(out)[0]
    assert head == ["USER_ID", "EMAIL", "USERNAME", "TIER", "ACTIVE", "CREATED"]
    mine = [r for r in rows(out) if r[0] == u.user_id]
    assert mine and mine[0][1:5] == [u.email, u.username, "basic", "yes"], out
    # newest first, and --limit
    out = ok(stack, "users", "list", "--limit", "1")
    assert len(rows(out)) == 2 and rows(out)[1][0] == u.user_id, out

    for who in (u.user_id, u.email.upper()):
        out = ok(stack, "users", "show", who)
        assert "user_id      %s" % u.user_id in out, out
        assert "email        %s" % u.email in out
        assert "tier         basic (60 requests a minute, 10 at once)" in out
        assert "active       yes" in out and "webhook      secret none" in out
        assert "submissions  0 (0 queued or running), last never" in out
    fails(stack, 3, "users", "show", "nobody-%s@example.com" % uuid.uuid4().hex,
          says="unknown user")
    fails(stack, 3, "users", "show", str(uuid.uuid4()), says="unknown user")

    out = ok(stack, "users", "set-tier", u.email, "pro")
    assert out.strip() == "user %s (%s): tier basic -> pro" % (u.user_id, u.email)
    assert db("SELECT rate_limit_tier FROM users WHERE user_id = %s", (u.user_id,)) == [("pro",)]
    fails(stack, 3, "users", "set-tier", u.user_id, "gold-%s" % uuid.uuid4().hex[:6],
          says="unknown tier")
    fails(stack, 3, "users", "set-tier", "nobody@example.com", "pro", says="unknown user")
    assert db("SELECT rate_limit_tier FROM users WHERE user_id = %s", (u.user_id,)) == [("pro",)]

    r = http("GET", "/api/v1/submissions", token=u.token)
    assert r.status == 200, r
    out = ok(stack, "users", "disable", u.user_id)
    assert out.strip() == "user %s (%s): disabled" % (u.user_id, u.email)
    assert db("SELECT is_active FROM users WHERE user_id = %s", (u.user_id,)) == [(False,)]
    assert http("GET", "/api/v1/submissions", token=u.token).status == 401
    assert "already disabled" in ok(stack, "users", "disable", u.email)
    assert "active       no (disabled)" in ok(stack, "users", "show", u.email)
    out = ok(stack, "users", "enable", u.email)
    assert out.strip() == "user %s (%s): enabled" % (u.user_id, u.email)
    assert http("GET", "/api/v1/submissions", token=u.token).status == 200
    fails(stack, 3, "users", "enable", "nobody@example.com", says="unknown user")
    fails(stack, 3, "users", "disable", str(uuid.uuid4()), says="unknown user")


# --- tiers ---------------------------------------------------------------------------

def test_tiers(stack, new_user, db):
    name = "t-" + uuid.uuid4().hex[:8]
    out = ok(stack, "tiers", "create", name, "--rpm", "120", "--concurrent", "3")
    assert out.strip() == "tier %s: 120 requests a minute, 3 at once" % name
    assert db("SELECT requests_per_minute, max_concurrent FROM rate_limit_tiers WHERE tier = %s",
              (name,)) == [(120, 3)]
    fails(stack, 4, "tiers", "create", name, "--rpm", "1", "--concurrent", "1",
          says='tier "%s" exists already' % name)
    u = new_user()
    ok(stack, "users", "set-tier", u.user_id, name)
    listed = {r[0]: r[1:] for r in rows(ok(stack, "tiers", "list"))}
    assert listed["TIER"] == ["REQUESTS/MIN", "AT_ONCE", "USERS"]
    assert listed[name] == ["120", "3", "1"]
    assert listed["basic"][:2] == ["60", "10"]

    out = ok(stack, "tiers", "set", name, "--rpm=600")
    assert out.strip() == "tier %s: 600 requests a minute, 3 at once" % name
    out = ok(stack, "tiers", "set", name, "--concurrent", "7", "--rpm", "30")
    assert out.strip() == "tier %s: 30 requests a minute, 7 at once" % name
    assert db("SELECT requests_per_minute, max_concurrent FROM rate_limit_tiers WHERE tier = %s",
              (name,)) == [(30, 7)]
    fails(stack, 3, "tiers", "set", "nosuch-" + name[2:], "--rpm", "5", says="unknown tier")
    fails(stack, 2, "tiers", "set", name, "--rpm", "2147483648", says="invalid --rpm")
    assert "usage:" in ok(stack, "tiers", "create", "--help")


# --- languages -------------------------------------------------------------------------

@pytest.fixture
def spare_language(db):
    """An inactive language of the test's own (python's image and commands)."""
    lang = "adm" + uuid.uuid4().hex[:6]
    db("INSERT INTO language_configs (language_id, display_name, docker_image, source_file,"
       " execute_command, timeout_seconds, compile_timeout_seconds, max_memory_mb,"
       " max_processes, is_active)"
       " SELECT %s, 'Admin test', docker_image, source_file, execute_command, 5, 30, 128, 32,"
       " false FROM language_configs WHERE language_id = 'python'", (lang,))
    yield lang
    db("DELETE FROM language_configs WHERE language_id = %s", (lang,))


def test_languages(stack, spare_language, new_user, http, db):
    lang = spare_language
    table = rows(ok(stack, "languages", "list"))
    assert table[0] == ["LANGUAGE", "NAME", "ACTIVE", "TIME_S", "COMPILE_S", "MEMORY_MB",
                        "PROCESSES", "IMAGE", "BUILT"]
    by_id = {r[0]: r for r in table[1:]}
    assert set(by_id) >= {"python", "java", "javascript", "cpp", "c", lang}
    py = by_id["python"]
    assert py[-2] == "coderank/python:1" and py[-7] == "yes" and py[-5] == "-", py
    assert by_id["cpp"][-5] == "30"                      # compiled: its compile limit
    if docker_ping():
        built = {r[0]: r[-1] for r in table[1:]}
        images = subprocess.run(["docker", "image", "inspect", "coderank/python:1"],
                                capture_output=True).returncode == 0
        assert built["python"] == ("yes" if images else "no"), table
    mine = by_id[lang]
    assert mine[-7:-2] == ["no", "5", "-", "128", "32"], mine

    u = new_user()
    body = {"language": lang, "source_code": "print(1)"}
    assert http("POST", "/api/v1/execute", json=body, token=u.token).status == 400
    out = ok(stack, "languages", "enable", lang)
    assert out.strip() == "language %s: enabled" % lang
    p = admin(stack, "languages", "enable", lang)
    assert p.stdout.strip() == "language %s: already enabled" % lang
    assert db("SELECT is_active FROM language_configs WHERE language_id = %s", (lang,)) == [(True,)]
    assert lang in [x["language_id"] for x in http("GET", "/api/v1/languages").json["languages"]]
    out = ok(stack, "languages", "disable", lang)
    assert out.strip() == "language %s: disabled" % lang
    assert db("SELECT is_active FROM language_configs WHERE language_id = %s", (lang,)) == [(False,)]

    p = admin(stack, "languages", "set", lang, "--timeout", "12", "--memory", "300")
    assert p.returncode == 0, p
    assert p.stdout.strip() == ("language %s: time 12 s, compile 30 s, memory 300 MB, "
                                "processes 32" % lang)
    assert "fastcgi_read_timeout" in p.stderr                # the note after a time limit
    out = ok(stack, "languages", "set", lang, "--processes", "4096", "--compile-timeout", "600")
    assert "compile 600 s" in out and "processes 4096" in out
    assert db("SELECT timeout_seconds, compile_timeout_seconds, max_memory_mb, max_processes"
              " FROM language_configs WHERE language_id = %s", (lang,)) == [(12, 600, 300, 4096)]
    for bad in (["--timeout", "0"], ["--memory", "65537"], ["--processes", "x"]):
        fails(stack, 2, "languages", "set", lang, *bad, says="invalid " + bad[0])
    fails(stack, 3, "languages", "set", "cobol", "--timeout", "5", says='unknown language "cobol"')
    fails(stack, 3, "languages", "enable", "cobol", says="unknown language")
    fails(stack, 3, "languages", "disable", "cobol", says="unknown language")


# --- queue -----------------------------------------------------------------------------

def insert_rows(db, user_id, n, status, age_sql, language="python", extra_cols="",
                extra_vals=""):
    """n submissions of a status, submitted age_sql ago (an interval), straight into the table."""
    return [r[0] for r in db(
        "INSERT INTO code_submissions (user_id, language, source_code, status, submitted_at,"
        " docker_image, source_file, compile_command, execute_command, timeout_seconds,"
        " compile_timeout_seconds, max_memory_mb, max_processes" + extra_cols + ")"
        " SELECT %s, language_id, 'print(' || g || ')', %s, now() - " + age_sql + ","
        " docker_image, source_file, compile_command, execute_command, timeout_seconds,"
        " compile_timeout_seconds, max_memory_mb, max_processes" + extra_vals +
        " FROM language_configs, generate_series(1, %s) AS g WHERE language_id = %s"
        " RETURNING submission_id::text", (user_id, status, n, language))]


def test_queue(stack, new_user, db):
    u = new_user()
    wid = "admin-test-" + uuid.uuid4().hex[:6]
    # queued ones the worker leaves alone (backing off for an hour), and a claim of
    # a worker that only exists in the table, with a lease of ten minutes
    queued = insert_rows(db, u.user_id, 3, "queued", "interval '2 hours'", "javascript",
                         ", not_before", ", now() + interval '1 hour'")
    running = insert_rows(db, u.user_id, 1, "running", "interval '1 minute'", "javascript",
                          ", lease_owner, lease_until, execution_started_at, attempts",
                          ", '%s', now() + interval '10 minutes', now() - interval '65 seconds', 1"
                          % wid)
    db("INSERT INTO workers (worker_id, hostname, pid, slots) VALUES (%s, 'nowhere', 1, 4)",
       (wid,))
    try:
        out = ok(stack, "queue")
    finally:
        db("DELETE FROM code_submissions WHERE submission_id = ANY(%s::uuid[])",
           (queued + running,))
        db("DELETE FROM workers WHERE worker_id = %s", (wid,))
    lines = out.splitlines()
    assert lines[0].split() == ["LANGUAGE", "QUEUED", "RUNNING", "BACKING_OFF", "OLDEST_QUEUED"]
    js = [line.split() for line in lines if line.startswith("javascript ")][0]
    assert js[1:4] == ["3", "1", "3"] and re.match(r"2h0[01]m$", js[4]), js
    assert [line for line in lines if line.startswith("total ")], out
    assert re.search(r"^oldest queued: 2h0[01]m$", out, re.M), out
    mine = [line.split() for line in lines if line.startswith(wid + " ")]
    assert len(mine) == 2, out      # its running claim, and its row among the workers
    claim = [r for r in mine if r[1] == running[0]][0]
    assert claim[2:4] == ["javascript", "1"], claim
    assert re.match(r"1m0[5-9]s$", claim[4]) and re.match(r"9m[0-9]{2}s$", claim[5]), claim
    worker = [r for r in mine if r[1] == "nowhere"][0]
    assert worker[2:5] == ["1", "4", "1"], worker
    assert "running, by worker" in out and "workers (" in out


# --- purge -------------------------------------------------------------------------------

def children(db, ids):
    """Rows left in each table that hangs off code_submissions, for these ids."""
    out = {}
    for table in ("code_submissions", "execution_results", "test_results",
                  "submission_test_cases", "submission_files", "webhook_deliveries"):
        out[table] = db("SELECT count(*) FROM %s WHERE submission_id = ANY(%%s::uuid[])" % table,
                        (ids,))[0][0]
    return out


def dress(db, ids):
    """Give final submissions a result, a test case with its result, a file and a
    delivered webhook: everything ON DELETE CASCADE must take with them."""
    db("INSERT INTO execution_results (submission_id, stdout, attempt)"
       " SELECT id, 'out', 1 FROM unnest(%s::uuid[]) id", (ids,))
    db("INSERT INTO submission_test_cases (submission_id, case_index, input_data)"
       " SELECT id, 0, 'in' FROM unnest(%s::uuid[]) id", (ids,))
    db("INSERT INTO test_results (submission_id, case_index, verdict, attempt)"
       " SELECT id, 0, 'accepted', 1 FROM unnest(%s::uuid[]) id", (ids,))
    db("INSERT INTO submission_files (submission_id, file_index, name, content)"
       " SELECT id, 0, 'lib.py', 'x = 1' FROM unnest(%s::uuid[]) id", (ids,))
    db("INSERT INTO webhook_deliveries (submission_id, user_id, url, host, status)"
       " SELECT s.submission_id, s.user_id, 'https://example.com/h', 'example.com', 'delivered'"
       " FROM code_submissions s WHERE s.submission_id = ANY(%s::uuid[])", (ids,))


def test_purge(stack, new_user, db):
    u = new_user()
    old = insert_rows(db, u.user_id, 30, "completed", "interval '40 days'")
    old += insert_rows(db, u.user_id, 5, "timeout", "interval '31 days'")
    dress(db, old)
    young = insert_rows(db, u.user_id, 4, "completed", "interval '29 days'")
    dress(db, young)
    # kept whatever their age: unfinished, and a delivery still pending
    kept = insert_rows(db, u.user_id, 2, "queued", "interval '50 days'", "javascript",
                       ", not_before", ", now() + interval '1 hour'")
    kept += insert_rows(db, u.user_id, 1, "running", "interval '50 days'", "javascript",
                        ", lease_owner, lease_until", ", 'admin-test', now() + interval '1 hour'")
    pending = insert_rows(db, u.user_id, 1, "completed", "interval '50 days'")
    # (not due for an hour: the worker's delivery process leaves it pending meanwhile)
    db("INSERT INTO webhook_deliveries (submission_id, user_id, url, host, next_attempt_at)"
       " VALUES (%s, %s, 'https://example.com/h', 'example.com', now() + interval '1 hour')",
       (pending[0], u.user_id))
    kept += pending
    # rate-limit windows and login limits: ended 40 days ago, and now
    db("INSERT INTO rate_limit_tracking (user_id, request_count, window_start, window_end)"
       " VALUES (%s, 1, now() - interval '40 days', now() - interval '40 days' + interval '1 minute'),"
       "        (%s, 1, now() - interval '1 minute', now())", (u.user_id, u.user_id))
    key_old, key_new = os.urandom(32), os.urandom(32)
    db("INSERT INTO login_limits (scope, key, failures, window_end, last_at)"
       " VALUES ('address', %s, 3, now() - interval '40 days', now() - interval '40 days'),"
       "        ('address', %s, 3, now() + interval '10 minutes', now())",
       (key_old, key_new))
    try:
        p = admin(stack, "purge", "--older-than", "30d", "--batch", "7")
        assert p.returncode == 0, p
        m = re.match(r"purged (\d+) submissions \(with their results, test results, test cases,"
                     r" files and webhook deliveries\), (\d+) rate-limit windows and (\d+) login"
                     r" limits older than 30d \(before (\S+)\) in [\d.]+ s, (\d+) batches$",
                     p.stdout.strip())
        assert m, p.stdout
        # other tests' rows are younger than 30 days: these are all there is
        # (the API prunes expired login limits itself now and then: 0 or 1 is left to us)
        assert [int(m.group(i)) for i in (1, 2)] == [35, 1] and m.group(3) in "01", p.stdout
        assert int(m.group(5)) >= 35 // 7 + 3, p.stdout        # batches of 7, three steps
        assert "purge: older than 30d, before %s, 7 rows a batch" % m.group(4) in p.stderr
        assert set(children(db, old).values()) == {0}, children(db, old)
        assert set(children(db, young).values()) == {4}, children(db, young)
        assert children(db, kept)["code_submissions"] == 4
        assert db("SELECT count(*) FROM rate_limit_tracking WHERE user_id = %s",
                  (u.user_id,)) == [(1,)]
        assert db("SELECT count(*) FROM login_limits WHERE key = %s", (key_old,)) == [(0,)]
        assert db("SELECT count(*) FROM login_limits WHERE key = %s", (key_new,)) == [(1,)]
        # hours and plain days; a second run finds nothing more at 30 days
        p = admin(stack, "purge", "--older-than", "30")
        assert p.returncode == 0 and p.stdout.startswith("purged 0 submissions"), p
        p = admin(stack, "purge", "--older-than", "%dh" % (28 * 24))
        assert p.returncode == 0 and p.stdout.startswith("purged 4 submissions"), p
        assert children(db, young)["code_submissions"] == 0
    finally:
        db("DELETE FROM webhook_deliveries WHERE user_id = %s", (u.user_id,))
        db("DELETE FROM code_submissions WHERE user_id = %s", (u.user_id,))
        db("DELETE FROM login_limits WHERE key = ANY(%s)", ([key_old, key_new],))


def test_purge_100k_while_submitting(stack, db):
    """100,000 old final submissions with results are purged while a client keeps
    submitting through nginx: no submission waits on the purge. The slowest POST
    /execute during the purge must stay under 1 s."""
    old_user = stack.worker_user("admin-purge")
    n = 100000
    t0 = time.monotonic()
    db("INSERT INTO code_submissions (user_id, language, source_code, status, submitted_at,"
       " execution_started_at, execution_completed_at, attempts, docker_image, source_file,"
       " execute_command, timeout_seconds, compile_timeout_seconds, max_memory_mb,"
       " max_processes)"
       " SELECT %s, 'python', 'print(' || g || ')', 'completed',"
       "        now() - interval '60 days' + make_interval(secs => g),"
       "        now() - interval '60 days', now() - interval '60 days', 1,"
       "        'coderank/python:1', 'main.py', 'python3 main.py', 10, 30, 256, 64"
       " FROM generate_series(1, %s) g", (old_user.user_id, n))
    db("INSERT INTO execution_results (submission_id, stdout, stderr, execution_time_ms,"
       " memory_used_kb, exit_code, attempt)"
       " SELECT submission_id, convert_to(source_code, 'UTF8'), '', 12, 9000, 0, 1"
       " FROM code_submissions WHERE user_id = %s", (old_user.user_id,))
    db("ANALYZE code_submissions")
    setup_s = time.monotonic() - t0
    assert db("SELECT count(*) FROM code_submissions WHERE user_id = %s",
              (old_user.user_id,)) == [(n,)]

    client = stack.worker_user("admin-purge-client", max_concurrent=100000)
    body = {"language": "python", "source_code": "print(1)"}

    def submit():
        r = stack.http("POST", "/api/v1/execute", json=body, token=client.token)
        assert r.status == 202, r
        return r.elapsed

    before = [submit() for _ in range(20)]
    sent, stop = [], threading.Event()     # (when it was sent, how long it took)

    def keep_submitting():
        while not stop.is_set():
            t_sent = time.monotonic()
            sent.append((t_sent, submit()))
            time.sleep(0.02)
    t = threading.Thread(target=keep_submitting)
    t.start()
    try:
        time.sleep(0.3)
        t1 = time.monotonic()
        p = admin(stack, "purge", "--older-than", "30d")
        purge_s = time.monotonic() - t1
        time.sleep(0.3)
    finally:
        stop.set()
        t.join(30)
    assert p.returncode == 0, p
    m = re.match(r"purged (\d+) submissions .* in ([\d.]+) s, (\d+) batches$", p.stdout.strip())
    assert m and int(m.group(1)) == n, p.stdout
    assert "so far" in p.stderr or purge_s < 1.5, p.stderr     # progress about once a second
    left = db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (old_user.user_id,))
    assert left == [(0,)]
    assert db("SELECT count(*) FROM execution_results r WHERE NOT EXISTS (SELECT 1 FROM"
              " code_submissions s WHERE s.submission_id = r.submission_id)") == [(0,)]
    # what was submitted meanwhile is all there
    made = db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (client.user_id,))[0][0]
    assert made == len(before) + len(sent)

    # the requests that overlapped the purge
    ms = sorted(e * 1000 for ts, e in sent if ts < t1 + purge_s and ts + e > t1)
    q = statistics.quantiles(ms, n=100)
    print("\npurge of %d old submissions with results (inserted in %.1f s): %.1f s, %s batches"
          " (%.0f rows/s); %d POST /execute during it: p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
          " before it (%d): max %.1f ms"
          % (n, setup_s, purge_s, m.group(3), n / purge_s, len(ms), q[49], q[98], ms[-1],
             len(before), max(before) * 1000))
    assert len(ms) >= 10, ms
    assert ms[-1] < 1000, "a submission waited %.0f ms during the purge" % ms[-1]


def test_retention(stack, new_user, db):
    """retention_days in the configuration: the worker purges at its start, then hourly."""
    if not stack.has_worker:
        raise AssertionError("coderank-worker is not built")
    u = new_user()
    old = insert_rows(db, u.user_id, 50, "completed", "interval '40 days'")
    dress(db, old)
    young = insert_rows(db, u.user_id, 3, "failed", "interval '20 days'")
    queued = insert_rows(db, u.user_id, 1, "queued", "interval '45 days'", "javascript",
                         ", not_before", ", now() + interval '1 hour'")
    try:
        with WorkerKeys(stack, retention_days=30) as w:
            wait_for(lambda: children(db, old)["code_submissions"] == 0, 30,
                     "the worker's retention purging submissions older than 30 days")
            assert set(children(db, old).values()) == {0}
            assert children(db, young)["code_submissions"] == 3
            assert children(db, queued)["code_submissions"] == 1
            log = wait_for(lambda: re.search(r"retention: purged (\d+) submissions.*older than 30"
                                             r" days", stack.log("worker")), 10,
                           "the retention's log line")
            assert int(log.group(1)) >= 50, log.group(0)
            assert "retention=30d" in stack.log("worker") and w.wid
    finally:
        db("DELETE FROM code_submissions WHERE user_id = %s", (u.user_id,))
    # retention_days = 0 keeps everything; a bad value stops the worker at start
    p = subprocess.run([stack.worker_bin, "-c", "/dev/null"], capture_output=True, text=True,
                       env={"CODERANK_RETENTION_DAYS": "-1", "PATH": os.environ["PATH"]},
                       timeout=30)
    assert p.returncode != 0 and "retention_days" in p.stderr, p
