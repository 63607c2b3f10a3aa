"""
The HTTP API end to end, through nginx, against ../shared/API.md: every endpoint's
success path, every error code of the table, the order of the checks, sizes at
their exact boundaries, tokens forged in every way, rate limits, request ids, a
PostgreSQL outage, and nginx's own answers. Fixtures: conftest.py.
"""

import json
import re
import statistics
import time
import uuid

import pytest

from conftest import FINAL, RESULT_FIELDS, RESULT_KEYS as GET_KEYS

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
REQ_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
JSON_CT = {"Content-Type": "application/json"}
HELLO = "print('Hello, World!')\nprint(sum([1, 2, 3, 4, 5]))"


@pytest.fixture(scope="module")
def user(stack):
    """One user for the tests that only read or are refused (creating fewer users)."""
    return stack.new_user()


def is_uuid(s):
    try:
        return str(uuid.UUID(s)) == s
    except (ValueError, TypeError, AttributeError):
        return False


def assert_error(r, status, code):
    """API.md's error shape, with the status and code expected."""
    assert r.status == status, r
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert isinstance(r.json, dict), r
    assert r.json.get("error") == code, r
    assert isinstance(r.json.get("message"), str) and r.json["message"], r
    assert REQ_ID.match(r.headers.get("X-Request-Id", "")), r.headers


def auth_post(http, path, source=None, **kw):
    """POST to /auth/* from a fresh loopback address (unless one is given), waiting out
    nginx's per-address limit if it still fires (that limit is tested on its own below)."""
    source = source or http.__self__.next_source()
    for _ in range(100):
        r = http("POST", path, source=source, **kw)
        if not (r.status == 429 and r.json and "address" in r.json.get("message", "")):
            return r
        time.sleep(0.2)
    return r


def register(http, username=None, email=None, password="SecurePass123!", **kw):
    n = uuid.uuid4().hex[:10]
    body = {"username": username or "r_" + n, "email": email or "r_%s@example.com" % n,
            "password": password}
    return auth_post(http, "/api/v1/auth/register", json=body, **kw)


def submit(http, token, source=HELLO, language="python", stdin=None, **kw):
    body = {"language": language, "source_code": source}
    if stdin is not None:
        body["input"] = stdin
    return http("POST", "/api/v1/execute", json=body, token=token, **kw)


def insert_submissions(db, user_id, n, status="completed", language="python"):
    """n submissions straight into the table, one minute apart (newest last); their ids."""
    rows = db("""
        INSERT INTO code_submissions (user_id, language, source_code, status, submitted_at,
            docker_image, source_file, compile_command, execute_command, timeout_seconds,
            compile_timeout_seconds, max_memory_mb, max_processes)
        SELECT %s, language_id, 'print(' || g || ')', %s,
               now() - make_interval(mins => %s - g),
               docker_image, source_file, compile_command, execute_command, timeout_seconds,
               compile_timeout_seconds, max_memory_mb, max_processes
        FROM language_configs, generate_series(1, %s) AS g
        WHERE language_id = %s
        ORDER BY g
        RETURNING submission_id::text""", (user_id, status, n, n, language))
    return [r[0] for r in rows]


# --- health, languages, metrics, TLS -------------------------------------------------

def test_health(http):
    r = http("GET", "/api/v1/health")
    assert r.status == 200, r
    assert r.json["status"] == "ok"
    assert r.headers["Content-Type"].startswith("application/json")
    assert REQ_ID.match(r.headers["X-Request-Id"])


def test_health_over_tls(http):
    r = http("GET", "/api/v1/health", https=True)
    assert r.status == 200, r
    assert r.json["status"] == "ok"
    assert r.headers.get("Strict-Transport-Security") == "max-age=31536000"
    assert http("GET", "/api/v1/health").headers.get("Strict-Transport-Security") is None


def test_languages_match_active_rows(http, db):
    r = http("GET", "/api/v1/languages")
    assert r.status == 200, r
    assert list(r.json) == ["languages"]
    for lang in r.json["languages"]:
        assert set(lang) == {"language_id", "display_name", "timeout_seconds", "max_memory_mb"}
    got = {l["language_id"]: (l["display_name"], l["timeout_seconds"], l["max_memory_mb"])
           for l in r.json["languages"]}
    want = {row[0]: tuple(row[1:]) for row in db(
        "SELECT language_id, display_name, timeout_seconds, max_memory_mb "
        "FROM language_configs WHERE is_active")}
    assert got == want
    assert {"python", "java", "javascript", "cpp", "c"} <= set(got)
    assert got["python"][1:] == (10, 256) and got["java"][1:] == (15, 512)
    assert got["javascript"][1:] == (10, 256) and got["cpp"][1:] == (15, 512)


def test_languages_hide_inactive(http, db):
    db("INSERT INTO language_configs (language_id, display_name, docker_image, source_file, "
       "execute_command, is_active) VALUES ('it_off', 'Off 1', 'none', 'x', 'x', false) "
       "ON CONFLICT DO NOTHING")
    try:
        r = http("GET", "/api/v1/languages")
        assert r.status == 200
        assert "it_off" not in [l["language_id"] for l in r.json["languages"]]
    finally:
        db("DELETE FROM language_configs WHERE language_id = 'it_off'")


def test_metrics_from_loopback(http):
    http("GET", "/api/v1/languages")
    r = http("GET", "/api/v1/metrics")
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers
    text = r.body.decode()
    for family, kind in (("coderank_http_requests_total", "counter"),
                         ("coderank_http_request_duration_seconds", "histogram"),
                         ("coderank_queue_depth", "gauge")):
        assert "# TYPE %s %s" % (family, kind) in text, family
    assert re.search(r'^coderank_http_requests_total\{[^}]*route="/languages"[^}]*code="200"[^}]*\} [1-9]',
                     text, re.M), text[:2000]
    assert re.search(r'^coderank_http_request_duration_seconds_bucket\{.*le="\+Inf"\} \d+', text, re.M)
    assert re.search(r"^coderank_workers", text, re.M)
    assert re.search(r"^coderank_submissions", text, re.M)


def test_metrics_refused_from_other_addresses(http):
    r = http("GET", "/api/v1/metrics", source="127.0.0.2")
    assert_error(r, 404, "not_found")
    assert b"coderank_" not in r.body


# --- register ---------------------------------------------------------------------------

def test_register_created(http, db):
    n = uuid.uuid4().hex[:10]
    r = register(http, username="John_" + n, email="john_%s@example.com" % n)
    assert r.status == 201, r
    assert set(r.json) == {"user_id", "username", "email", "message"}
    assert is_uuid(r.json["user_id"])
    assert r.json["username"] == "John_" + n
    assert r.json["email"] == "john_%s@example.com" % n
    assert r.json["message"] == "User registered successfully"
    (h, active, tier), = db("SELECT password_hash, is_active, rate_limit_tier FROM users "
                           "WHERE user_id = %s", (r.json["user_id"],))
    assert "SecurePass123!" not in h and len(h) >= 40
    assert active is True and tier == "basic"


def test_register_boundaries_accepted(http):
    n = uuid.uuid4().hex
    for username, password in (("a" + n[:2], "x" * 8), (("b" + n)[:50].ljust(50, "z"), "y" * 128),
                               ("c.d-e_" + n[:6], "pässwörd😀")):
        r = register(http, username=username, password=password,
                     email="%s@sub-domain.example.org" % username.lower())
        assert r.status == 201, (username, r)


def test_register_unknown_fields_ignored(http):
    n = uuid.uuid4().hex[:10]
    r = auth_post(http, "/api/v1/auth/register",
                  json={"username": "x_" + n, "email": "x_%s@example.com" % n,
                        "password": "SecurePass123!", "role": "admin", "is_active": False})
    assert r.status == 201, r


def test_register_conflict_username_any_case(http):
    n = uuid.uuid4().hex[:10]
    assert register(http, username="Alice_" + n).status == 201
    r = register(http, username="aLICE_" + n.upper())
    assert_error(r, 409, "conflict")


def test_register_conflict_email_any_case(http):
    n = uuid.uuid4().hex[:10]
    assert register(http, email="bob_%s@example.com" % n).status == 201
    r = register(http, email="BOB_%s@Example.COM" % n)
    assert_error(r, 409, "conflict")


BAD_REGISTER = [
    ("no username", {"email": "a@b.co", "password": "SecurePass123!"}),
    ("no email", {"username": "abc", "password": "SecurePass123!"}),
    ("no password", {"username": "abc", "email": "a@b.co"}),
    ("username too short", {"username": "ab", "email": "a@b.co", "password": "SecurePass123!"}),
    ("username too long", {"username": "a" * 51, "email": "a@b.co", "password": "SecurePass123!"}),
    ("username space", {"username": "ab cd", "email": "a@b.co", "password": "SecurePass123!"}),
    ("username slash", {"username": "ab/cd", "email": "a@b.co", "password": "SecurePass123!"}),
    ("username non-ascii", {"username": "abcé", "email": "a@b.co", "password": "SecurePass123!"}),
    ("username number", {"username": 12345, "email": "a@b.co", "password": "SecurePass123!"}),
    ("username null", {"username": None, "email": "a@b.co", "password": "SecurePass123!"}),
    ("email no at", {"username": "abc", "email": "ab.co", "password": "SecurePass123!"}),
    ("email two ats", {"username": "abc", "email": "a@b@c.co", "password": "SecurePass123!"}),
    ("email no dot", {"username": "abc", "email": "a@localhost", "password": "SecurePass123!"}),
    ("email too long", {"username": "abc", "email": "a" * 250 + "@b.com", "password": "SecurePass123!"}),
    ("email list", {"username": "abc", "email": ["a@b.co"], "password": "SecurePass123!"}),
    ("password short", {"username": "abc", "email": "a@b.co", "password": "x" * 7}),
    ("password long", {"username": "abc", "email": "a@b.co", "password": "x" * 129}),
    ("password number", {"username": "abc", "email": "a@b.co", "password": 12345678}),
]


@pytest.mark.parametrize("case,body", BAD_REGISTER, ids=[c for c, _ in BAD_REGISTER])
def test_register_validation_failed(http, case, body):
    r = auth_post(http, "/api/v1/auth/register", json=body)
    assert_error(r, 400, "validation_failed")


BAD_JSON = [
    ("empty", b""),
    ("not json", b"hello"),
    ("truncated", b'{"username": "abc"'),
    ("array", b'["a", "b"]'),
    ("string", b'"text"'),
    ("number", b"42"),
    ("null", b"null"),
    ("trailing garbage", b'{"username": "abc"} x'),
    ("invalid utf-8", b'{"username": "ab\xff\xfe", "email": "a@b.co", "password": "SecurePass123!"}'),
    ("overlong utf-8", b'{"username": "ab\xc0\xaf", "email": "a@b.co", "password": "SecurePass123!"}'),
    ("utf-16", '{"username": "abc"}'.encode("utf-16")),
]


@pytest.mark.parametrize("case,body", BAD_JSON, ids=[c for c, _ in BAD_JSON])
def test_register_invalid_json(http, case, body):
    r = auth_post(http, "/api/v1/auth/register", body=body, headers=JSON_CT)
    assert_error(r, 400, "invalid_json")


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx"])
def test_register_unsupported_media_type(http, ctype):
    body = json.dumps({"username": "abc_" + uuid.uuid4().hex[:8], "email": "a@b.co",
                       "password": "SecurePass123!"}).encode()
    r = auth_post(http, "/api/v1/auth/register", body=body,
                  headers={"Content-Type": ctype} if ctype else {})
    assert_error(r, 415, "unsupported_media_type")


def test_register_json_with_charset_accepted(http):
    n = uuid.uuid4().hex[:10]
    body = json.dumps({"username": "cs_" + n, "email": "cs_%s@example.com" % n,
                       "password": "SecurePass123!"}).encode()
    r = auth_post(http, "/api/v1/auth/register", body=body,
                  headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 201, r


# --- login and tokens -------------------------------------------------------------------

def jwt_parts(token):
    import base64

    def dec(s):
        return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    h, p, s = token.split(".")
    return dec(h), dec(p), s


def test_login_returns_hs256_token(http, new_user):
    u = new_user()
    r = auth_post(http, "/api/v1/auth/login", json={"email": u.email, "password": u.password})
    assert r.status == 200, r
    assert set(r.json) == {"access_token", "token_type", "expires_in"}
    assert r.json["token_type"] == "Bearer"
    assert r.json["expires_in"] == 3600
    header, payload, sig = jwt_parts(r.json["access_token"])
    assert header["alg"] == "HS256"
    assert payload["sub"] == u.user_id
    assert payload["exp"] - payload["iat"] == 3600
    assert abs(payload["iat"] - time.time()) < 60
    assert sig


def test_login_email_any_case(http, new_user):
    u = new_user()
    r = auth_post(http, "/api/v1/auth/login", json={"email": u.email.upper(), "password": u.password})
    assert r.status == 200, r


def test_login_wrong_password_and_unknown_email_alike(http, new_user):
    u = new_user()
    wrong = auth_post(http, "/api/v1/auth/login", json={"email": u.email, "password": "WrongPass123!"})
    unknown = auth_post(http, "/api/v1/auth/login",
                        json={"email": "nobody_%s@example.com" % uuid.uuid4().hex, "password": "WrongPass123!"})
    assert_error(wrong, 401, "unauthorized")
    assert_error(unknown, 401, "unauthorized")
    assert wrong.json["message"] == unknown.json["message"]
    case = auth_post(http, "/api/v1/auth/login", json={"email": u.email, "password": u.password.upper()})
    assert_error(case, 401, "unauthorized")


def test_login_timing_similar(http, new_user):
    """An unknown email costs about as much as a wrong password (no user enumeration)."""
    u = new_user()
    src = "127.0.0.3"   # a bucket of its own at nginx
    wrong, unknown = [], []
    for i in range(5):
        wrong.append(auth_post(http, "/api/v1/auth/login", source=src,
                               json={"email": u.email, "password": "WrongPass123!"}).elapsed)
        unknown.append(auth_post(http, "/api/v1/auth/login", source=src,
                                 json={"email": "ghost%d_%s@example.com" % (i, u.username),
                                       "password": "WrongPass123!"}).elapsed)
    w, n = statistics.median(wrong), statistics.median(unknown)
    assert 1 / 3 < n / w < 3, (wrong, unknown)


@pytest.mark.parametrize("body", [{"email": "a@b.co"}, {"password": "SecurePass123!"},
                                  {"email": 5, "password": "SecurePass123!"},
                                  {"email": "a@b.co", "password": None}])
def test_login_validation_failed(http, body):
    r = auth_post(http, "/api/v1/auth/login", json=body)
    assert_error(r, 400, "validation_failed")


def test_login_invalid_json_and_media_type(http):
    assert_error(auth_post(http, "/api/v1/auth/login", body=b"{", headers=JSON_CT), 400, "invalid_json")
    assert_error(auth_post(http, "/api/v1/auth/login", body=b'{"email":"a@b.co"}',
                           headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")


def test_self_made_token_with_the_key_is_accepted(http, new_user, jwt):
    """Control for the forged-token cases: the same recipe with the right key works."""
    u = new_user()
    now = int(time.time())
    r = http("GET", "/api/v1/submissions", token=jwt({"sub": u.user_id, "iat": now, "exp": now + 600}))
    assert r.status == 200, r


def _bad_tokens(u, jwt):
    now = int(time.time())
    good = {"sub": u.user_id, "iat": now, "exp": now + 600}
    real_h, real_p, real_s = u.token.split(".")
    other = json.dumps(dict(good, sub=str(uuid.uuid4()))).encode()
    import base64
    tampered_p = base64.urlsafe_b64encode(other).rstrip(b"=").decode()
    return {
        "missing": None,
        "empty bearer": "Bearer ",
        "scheme only": "Bearer",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "not a jwt": "Bearer nonsense",
        "three junk parts": "Bearer a.b.c",
        "two parts": "Bearer %s.%s" % (real_h, real_p),
        "wrong key": "Bearer " + jwt(good, key="k" * 64),
        "alg none": "Bearer " + jwt(good, header={"alg": "none", "typ": "JWT"}),
        "alg none keeping signature": "Bearer " + jwt(good, header={"alg": "none", "typ": "JWT"})
        + real_s,
        "alg HS512 with the key": "Bearer " + jwt(good, header={"alg": "HS512", "typ": "JWT"}),
        "alg RS256": "Bearer " + jwt(good, header={"alg": "RS256", "typ": "JWT"}),
        "expired": "Bearer " + jwt(dict(good, iat=now - 7200, exp=now - 3600)),
        "no exp": "Bearer " + jwt({"sub": u.user_id, "iat": now}),
        "unknown user": "Bearer " + jwt(dict(good, sub=str(uuid.uuid4()))),
        "sub not a uuid": "Bearer " + jwt(dict(good, sub="admin")),
        "tampered payload": "Bearer %s.%s.%s" % (real_h, tampered_p, real_s),
        "signature flipped": "Bearer %s.%s.%s" % (real_h, real_p, real_s[:-2] + ("AA" if real_s[-2:] != "AA" else "BB")),
    }


def test_forged_and_broken_tokens_refused(http, new_user, jwt):
    u = new_user()
    for name, value in _bad_tokens(u, jwt).items():
        headers = {"Authorization": value} if value is not None else {}
        for method, path in (("GET", "/api/v1/submissions"),
                             ("GET", "/api/v1/execute/" + str(uuid.uuid4())),
                             ("POST", "/api/v1/execute")):
            r = http(method, path, headers=dict(headers, **JSON_CT),
                     body=json.dumps({"language": "python", "source_code": "print(1)"}).encode()
                     if method == "POST" else None)
            assert r.status == 401, (name, method, path, r)
            assert_error(r, 401, "unauthorized")
    assert http("GET", "/api/v1/submissions", token=u.token).status == 200


def test_inactive_user_refused(http, new_user, db):
    u = new_user()
    assert http("GET", "/api/v1/submissions", token=u.token).status == 200
    db("UPDATE users SET is_active = false WHERE user_id = %s", (u.user_id,))
    assert_error(http("GET", "/api/v1/submissions", token=u.token), 401, "unauthorized")
    assert_error(submit(http, u.token), 401, "unauthorized")
    r = auth_post(http, "/api/v1/auth/login", json={"email": u.email, "password": u.password})
    assert_error(r, 401, "unauthorized")


# --- execute ------------------------------------------------------------------------------

def test_execute_accepted_and_readable(stack, http, new_user, db):
    u = new_user()
    r = submit(http, u.token)
    assert r.status == 202, r
    assert set(r.json) == {"submission_id", "status", "message"}
    sid = r.json["submission_id"]
    assert is_uuid(sid)
    assert r.json["status"] == "queued"
    assert r.json["message"] == "Code submitted successfully"
    assert r.headers["Location"] == "/api/v1/execute/" + sid
    (owner, lang, src), = db("SELECT user_id::text, language, source_code FROM code_submissions "
                             "WHERE submission_id = %s", (sid,))
    assert (owner, lang, src) == (u.user_id, "python", HELLO)

    g = http("GET", "/api/v1/execute/" + sid, token=u.token)
    assert g.status == 200, g
    assert set(g.json) == GET_KEYS, set(g.json) ^ GET_KEYS
    assert g.json["submission_id"] == sid and g.json["language"] == "python"
    assert TS.match(g.json["submitted_at"])
    assert g.json["status"] in {"queued", "running"} | FINAL
    if g.json["status"] in ("queued", "running"):
        for f in RESULT_FIELDS:
            assert g.json[f] is None, f
    if stack.worker_running():
        res = stack.wait_final(u.token, sid, 60)
        assert res["status"] == "completed", res
        assert res["stdout"] == "Hello, World!\n15\n"
        assert res["stderr"] == "" and res["exit_code"] == 0 and res["exit_signal"] is None
        assert res["compilation_error"] is None and res["runtime_error"] is None
        for f in ("submitted_at", "started_at", "completed_at"):
            assert TS.match(res[f]), (f, res[f])
        assert isinstance(res["execution_time_ms"], int) and isinstance(res["memory_used_kb"], int)


def test_execute_another_users_submission_is_not_found(http, new_user):
    a, b = new_user(), new_user()
    sid = submit(http, a.token).json["submission_id"]
    assert_error(http("GET", "/api/v1/execute/" + sid, token=b.token), 404, "not_found")
    r = http("GET", "/api/v1/submissions", token=b.token)
    assert r.status == 200
    assert r.json["submissions"] == [] and r.json["pagination"]["total"] == 0
    r = http("GET", "/api/v1/submissions", token=a.token)
    assert [s["submission_id"] for s in r.json["submissions"]] == [sid]


def test_execute_unknown_id_not_found(http, user):
    u = user
    assert_error(http("GET", "/api/v1/execute/" + str(uuid.uuid4()), token=u.token), 404, "not_found")


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "550e8400-e29b-41d4-a716-44665544000",
                                 "550e8400-e29b-41d4-a716-4466554400000",
                                 "550e8400e29b41d4a716446655440000x", "zzze8400-e29b-41d4-a716-446655440000"])
def test_execute_id_not_a_uuid(http, user, bad):
    u = user
    assert_error(http("GET", "/api/v1/execute/" + bad, token=u.token), 400, "validation_failed")


BAD_EXECUTE = [
    ("no language", {"source_code": "print(1)"}),
    ("unknown language", {"language": "cobol", "source_code": "print(1)"}),
    ("language case", {"language": "Python", "source_code": "print(1)"}),
    ("language number", {"language": 3, "source_code": "print(1)"}),
    ("no source", {"language": "python"}),
    ("empty source", {"language": "python", "source_code": ""}),
    ("source number", {"language": "python", "source_code": 42}),
    ("source list", {"language": "python", "source_code": ["print(1)"]}),
    ("source null", {"language": "python", "source_code": None}),
    ("NUL in source", {"language": "python", "source_code": "print(1)\u0000"}),
    ("input number", {"language": "python", "source_code": "print(1)", "input": 5}),
    ("input object", {"language": "python", "source_code": "print(1)", "input": {}}),
]


@pytest.mark.parametrize("case,body", BAD_EXECUTE, ids=[c for c, _ in BAD_EXECUTE])
def test_execute_validation_failed(http, user, case, body):
    u = user
    r = http("POST", "/api/v1/execute", json=body, token=u.token)
    assert_error(r, 400, "validation_failed")


def test_execute_inactive_language_refused(http, new_user, db):
    u = new_user()
    db("UPDATE language_configs SET is_active = false WHERE language_id = 'c'")
    try:
        assert_error(submit(http, u.token, language="c", source="int main(void){return 0;}"),
                     400, "validation_failed")
    finally:
        db("UPDATE language_configs SET is_active = true WHERE language_id = 'c'")


@pytest.mark.parametrize("case,body", BAD_JSON, ids=[c for c, _ in BAD_JSON])
def test_execute_invalid_json(http, user, case, body):
    u = user
    r = http("POST", "/api/v1/execute", body=body, headers=JSON_CT, token=u.token)
    assert_error(r, 400, "invalid_json")


def test_execute_invalid_utf8_in_source(http, user):
    u = user
    body = b'{"language": "python", "source_code": "print(\'\xe9\')"}'
    assert_error(http("POST", "/api/v1/execute", body=body, headers=JSON_CT, token=u.token),
                 400, "invalid_json")


def test_execute_nul_in_input_accepted(stack, http, new_user, db):
    u = new_user()
    r = submit(http, u.token, source="import sys\nprint(len(sys.stdin.buffer.read()))",
               stdin="a\u0000b")
    assert r.status == 202, r
    (data,), = db("SELECT input_data FROM code_submissions WHERE submission_id = %s",
                  (r.json["submission_id"],))
    assert bytes(data) == b"a\x00b"


def test_execute_unknown_fields_ignored(http, new_user):
    u = new_user()
    r = http("POST", "/api/v1/execute", token=u.token,
             json={"language": "python", "source_code": "print(1)", "priority": 99, "user_id": "x"})
    assert r.status == 202, r


def test_execute_media_type(http, new_user):
    u = new_user()
    body = json.dumps({"language": "python", "source_code": "print(1)"}).encode()
    for ctype in (None, "text/plain", "application/xml"):
        r = http("POST", "/api/v1/execute", body=body, token=u.token,
                 headers={"Content-Type": ctype} if ctype else {})
        assert_error(r, 415, "unsupported_media_type")
    r = http("POST", "/api/v1/execute", body=body, token=u.token,
             headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 202, r


def test_source_size_boundary_in_utf8_bytes(http, new_user):
    u = new_user()
    # 65,536 bytes exactly: '#', 32,767 two-byte characters, 'x'
    at_limit = "#" + "é" * 32767 + "x"
    assert len(at_limit.encode()) == 65536
    assert submit(http, u.token, source=at_limit).status == 202
    over = at_limit + "y"
    assert_error(submit(http, u.token, source=over), 413, "payload_too_large")
    # 32,768 characters, but 65,538 bytes
    assert_error(submit(http, u.token, source="#" + "é" * 32768 + "x"), 413, "payload_too_large")


def test_input_size_boundary(http, new_user):
    u = new_user()
    assert submit(http, u.token, source="print(1)", stdin="a" * 1048576).status == 202
    assert_error(submit(http, u.token, source="print(1)", stdin="a" * 1048577), 413,
                 "payload_too_large")
    assert_error(submit(http, u.token, source="print(1)", stdin="é" * 524289), 413,
                 "payload_too_large")


def _padded_body(total):
    head, tail = b'{"language": "python", "source_code": "print(1)", "pad": "', b'"}'
    return head + b"a" * (total - len(head) - len(tail)) + tail


def test_body_size_boundary_in_the_program(http, new_user):
    """2 MiB passes, 2 MiB + 1 is refused by the program (nginx lets a little more by)."""
    u = new_user()
    r = http("POST", "/api/v1/execute", body=_padded_body(2 * 1048576), headers=JSON_CT, token=u.token)
    assert r.status == 202, r
    r = http("POST", "/api/v1/execute", body=_padded_body(2 * 1048576 + 1), headers=JSON_CT,
             token=u.token)
    assert_error(r, 413, "payload_too_large")


def test_body_too_large_for_nginx(http, new_user):
    u = new_user()
    r = http("POST", "/api/v1/execute", body=_padded_body(3 * 1048576), token=u.token,
             headers=dict(JSON_CT, **{"X-Request-Id": "big-body-1"}))
    assert_error(r, 413, "payload_too_large")
    assert r.headers["X-Request-Id"] == "big-body-1"


# --- check order: route, auth, rate limit, media type, size, body ---------------------------

def test_order_route_before_auth(http):
    assert_error(http("GET", "/api/v1/nope"), 404, "not_found")
    assert_error(http("POST", "/api/v1/submissions", body=b"x"), 405, "method_not_allowed")
    assert_error(http("GET", "/api/v1/execute/" + str(uuid.uuid4())), 401, "unauthorized")


def test_order_auth_before_media_type_size_body(http):
    r = http("POST", "/api/v1/execute", body=_padded_body(2 * 1048576 + 10),
             headers={"Content-Type": "text/plain"})
    assert_error(r, 401, "unauthorized")


def test_order_rate_limit_before_media_type(http, new_user, db):
    db("INSERT INTO rate_limit_tiers VALUES ('it_two', 2, 100) ON CONFLICT DO NOTHING")
    u = new_user(tier="it_two")
    assert submit(http, u.token).status == 202
    assert submit(http, u.token).status == 202
    r = http("POST", "/api/v1/execute", body=b"not json", token=u.token,
             headers={"Content-Type": "text/plain"})
    assert_error(r, 429, "rate_limited")


def test_order_media_type_before_size_and_body(http, user):
    u = user
    r = http("POST", "/api/v1/execute", body=b"x" * (2 * 1048576 + 10), token=u.token,
             headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")


def test_order_size_before_body(http, user):
    u = user
    r = http("POST", "/api/v1/execute", body=b"{" * (2 * 1048576 + 10), token=u.token,
             headers=JSON_CT)
    assert_error(r, 413, "payload_too_large")


# --- routes: 404 and 405 ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/execute/a/b", "/api/v1/languages/python",
                                  "/api/v2/languages", "/api/v1/auth/logout"])
def test_unknown_api_path(http, path):
    assert_error(http("GET", path), 404, "not_found")


@pytest.mark.parametrize("path", ["/", "/index.php", "/etc/passwd", "/api", "/api/v1"])
def test_outside_the_api_is_a_json_404(http, path):
    r = http("GET", path)
    assert_error(r, 404, "not_found")
    assert re.match(r"^nginx$", r.headers.get("Server", "nginx"))   # server_tokens off: no version


def test_malformed_http_gets_json_from_nginx(http):
    # the request line is refused before the headers are read: a fresh request id
    r = http("GET", "/api/v1/" + "a" * 40000)
    assert_error(r, 414, "uri_too_long")
    r = http("GET", "/api/v1/health", headers={"X-Big": "a" * 20000})
    assert_error(r, 400, "bad_request")


@pytest.mark.parametrize("method,path,allowed", [
    ("DELETE", "/api/v1/languages", "GET"),
    ("POST", "/api/v1/languages", "GET"),
    ("GET", "/api/v1/auth/login", "POST"),
    ("PUT", "/api/v1/auth/register", "POST"),
    ("PUT", "/api/v1/execute", "POST"),
    ("DELETE", "/api/v1/execute/" + str(uuid.uuid4()), "GET"),
    ("POST", "/api/v1/health", "GET"),
    ("PATCH", "/api/v1/submissions", "GET"),
])
def test_method_not_allowed_with_allow(http, method, path, allowed):
    r = http(method, path)
    assert_error(r, 405, "method_not_allowed")
    methods = {m.strip() for m in r.headers.get("Allow", "").split(",")}
    assert allowed in methods, r.headers
    assert method not in methods


# --- submissions and pagination -------------------------------------------------------------

def test_submissions_pagination(http, new_user, db):
    u = new_user()
    ids = insert_submissions(db, u.user_id, 25)     # ids[-1] is the newest
    newest_first = ids[::-1]

    r = http("GET", "/api/v1/submissions", token=u.token)
    assert r.status == 200, r
    assert set(r.json) == {"submissions", "pagination"}
    assert r.json["pagination"] == {"page": 1, "limit": 20, "total": 25}
    assert [s["submission_id"] for s in r.json["submissions"]] == newest_first[:20]
    for s in r.json["submissions"]:
        assert set(s) == {"submission_id", "language", "status", "submitted_at"}
        assert s["language"] == "python" and s["status"] == "completed" and TS.match(s["submitted_at"])

    r = http("GET", "/api/v1/submissions?page=2", token=u.token)
    assert r.json["pagination"] == {"page": 2, "limit": 20, "total": 25}
    assert [s["submission_id"] for s in r.json["submissions"]] == newest_first[20:]

    r = http("GET", "/api/v1/submissions?page=3&limit=20", token=u.token)
    assert r.status == 200
    assert r.json == {"submissions": [], "pagination": {"page": 3, "limit": 20, "total": 25}}

    r = http("GET", "/api/v1/submissions?limit=100", token=u.token)
    assert len(r.json["submissions"]) == 25 and r.json["pagination"]["limit"] == 100

    r = http("GET", "/api/v1/submissions?limit=1&page=25", token=u.token)
    assert [s["submission_id"] for s in r.json["submissions"]] == [ids[0]]

    r = http("GET", "/api/v1/submissions?page=7&limit=4", token=u.token)
    assert [s["submission_id"] for s in r.json["submissions"]] == [newest_first[24]]
    assert r.json["pagination"] == {"page": 7, "limit": 4, "total": 25}


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=1.5", "page=",
                                   "limit=0", "limit=101", "limit=-5", "limit=abc", "limit=1e2",
                                   "page=99999999999999999999"])
def test_submissions_bad_paging(http, user, query):
    u = user
    assert_error(http("GET", "/api/v1/submissions?" + query, token=u.token), 400, "validation_failed")


# --- rate limits -------------------------------------------------------------------------------

def _int_header(r, name):
    v = r.headers.get(name)
    assert v is not None and re.match(r"^\d+$", v), (name, r.headers)
    return int(v)


def test_rate_limit_headers_and_charging(http, new_user):
    u = new_user()
    r = http("GET", "/api/v1/submissions", token=u.token)
    assert _int_header(r, "X-RateLimit-Limit") == 60
    assert _int_header(r, "X-RateLimit-Remaining") == 60
    assert 0 <= _int_header(r, "X-RateLimit-Reset") <= 60
    r = submit(http, u.token)
    assert r.status == 202
    assert _int_header(r, "X-RateLimit-Limit") == 60
    assert _int_header(r, "X-RateLimit-Remaining") == 59
    sid = r.json["submission_id"]
    for _ in range(3):      # reads are not charged
        r = http("GET", "/api/v1/execute/" + sid, token=u.token)
        assert _int_header(r, "X-RateLimit-Remaining") == 59
    r = http("GET", "/api/v1/submissions", token=u.token)
    assert _int_header(r, "X-RateLimit-Remaining") == 59


def test_rate_limit_per_minute(http, new_user, db):
    db("INSERT INTO rate_limit_tiers VALUES ('it_two', 2, 100) ON CONFLICT DO NOTHING")
    u = new_user(tier="it_two")
    r1, r2 = submit(http, u.token), submit(http, u.token)
    assert (r1.status, r2.status) == (202, 202)
    assert _int_header(r2, "X-RateLimit-Limit") == 2
    assert _int_header(r2, "X-RateLimit-Remaining") == 0
    r3 = submit(http, u.token)
    assert_error(r3, 429, "rate_limited")
    assert 1 <= _int_header(r3, "Retry-After") <= 60
    assert _int_header(r3, "X-RateLimit-Remaining") == 0
    (n,), = db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (u.user_id,))
    assert n == 2       # nothing was accepted with the 429
    # the limit is per user: someone else is not affected
    assert submit(http, new_user().token).status == 202


def test_rate_limit_concurrency(http, new_user, db):
    db("INSERT INTO rate_limit_tiers VALUES ('it_one', 100, 1) ON CONFLICT DO NOTHING")
    u = new_user(tier="it_one")
    # One unfinished submission, held by a lease no worker will take over.
    sid, = insert_submissions(db, u.user_id, 1, status="running")
    db("UPDATE code_submissions SET lease_owner = 'it-test', attempts = 1, "
       "lease_until = now() + interval '1 hour', execution_started_at = now() "
       "WHERE submission_id = %s", (sid,))
    try:
        r = submit(http, u.token)
        assert_error(r, 429, "rate_limited")
        assert _int_header(r, "Retry-After") >= 1
    finally:
        db("UPDATE code_submissions SET status = 'internal_error', lease_owner = NULL, "
           "lease_until = NULL, execution_completed_at = now() WHERE submission_id = %s", (sid,))
    assert submit(http, u.token).status == 202


def test_nginx_limits_auth_per_address(http):
    src = "127.0.0.7"
    seen = None
    for _ in range(300):
        r = http("POST", "/api/v1/auth/login", body=b"{", headers=JSON_CT, source=src)
        if r.status == 429:
            seen = r
            break
        assert_error(r, 400, "invalid_json")
    assert seen is not None, "no 429 after 300 rapid logins from one address"
    assert_error(seen, 429, "rate_limited")
    assert _int_header(seen, "Retry-After") >= 1
    # another address is not affected
    r = http("POST", "/api/v1/auth/login", body=b"{", headers=JSON_CT, source="127.0.0.8")
    assert_error(r, 400, "invalid_json")
    # and the rest of the API is not limited for that address
    assert http("GET", "/api/v1/languages", source=src).status == 200


# --- request ids -------------------------------------------------------------------------------

def test_request_id_echoed_when_valid(http):
    for rid in ("abc-DEF_123.x", "a", "A" * 64):
        r = http("GET", "/api/v1/health", headers={"X-Request-Id": rid})
        assert r.headers["X-Request-Id"] == rid


@pytest.mark.parametrize("rid", ["A" * 65, "has space", "semi;colon", "slash/x", "é-accent", "a,b"])
def test_request_id_replaced_when_invalid(http, rid):
    r = http("GET", "/api/v1/health", headers={"X-Request-Id": rid})
    got = r.headers["X-Request-Id"]
    assert got != rid and REQ_ID.match(got), got


def test_request_id_generated_and_unique(http, new_user):
    ids = {http("GET", "/api/v1/health").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5 and all(REQ_ID.match(i) for i in ids)
    # on errors too: the program's and nginx's
    for r in (http("GET", "/api/v1/nope"), http("GET", "/nope"), http("GET", "/api/v1/submissions")):
        assert REQ_ID.match(r.headers.get("X-Request-Id", "")), r
    r = http("GET", "/api/v1/submissions", headers={"X-Request-Id": "trace-401"})
    assert r.status == 401 and r.headers["X-Request-Id"] == "trace-401"


# --- outages ------------------------------------------------------------------------------------

def test_postgres_down_is_503_then_recovers(stack, http, new_user):
    u = new_user()
    sid = submit(http, u.token).json["submission_id"]
    stack.stop_postgres()
    try:
        r = http("GET", "/api/v1/health")
        assert_error(r, 503, "unavailable")
        assert _int_header(r, "Retry-After") >= 1
        for method, path, kw in (("GET", "/api/v1/submissions", {}),
                                 ("GET", "/api/v1/execute/" + sid, {}),
                                 ("POST", "/api/v1/execute",
                                  {"json": {"language": "python", "source_code": "print(1)"}})):
            r = http(method, path, token=u.token, **kw)
            assert_error(r, 503, "unavailable")
            assert _int_header(r, "Retry-After") >= 1
        r = http("POST", "/api/v1/auth/login", json={"email": u.email, "password": u.password},
                 source="127.0.0.4")
        assert_error(r, 503, "unavailable")
        r = http("GET", "/api/v1/languages")
        assert r.status in (200, 503), r     # a cached list is fine
    finally:
        stack.start_postgres()
    stack.wait_healthy(30)
    for _ in range(12):
        r = http("GET", "/api/v1/submissions", token=u.token)
        assert r.status == 200, r
    assert sid in [s["submission_id"] for s in r.json["submissions"]]
    assert submit(http, u.token).status == 202


def test_api_down_is_a_json_503_from_nginx(stack, http):
    stack.stop_api()
    try:
        r = http("GET", "/api/v1/health", headers={"X-Request-Id": "api-down"})
        assert_error(r, 503, "unavailable")
        assert r.headers["X-Request-Id"] == "api-down"
        assert _int_header(r, "Retry-After") >= 1
    finally:
        stack.start_api()
    stack.wait_healthy(30)


def test_zz_never_a_500(stack):
    """No answer of this session was a 500 (API.md: a 500 is a bug)."""
    assert stack.seen_500 == []
