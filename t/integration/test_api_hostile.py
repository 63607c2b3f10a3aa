"""
API-side hostility (issue 4), through nginx, extending test_api.py (which has the
basic forged-token list, the 3 MiB body on /execute and nginx's per-address auth
limit with malformed bodies):

  tokens    more forgeries (alg none in every spelling, HS384/HS512 with the key,
            key confusion, expiry at the edge, broken claims, odd encodings), on
            every authenticated endpoint
  SQL       metacharacters in every field of every endpoint: the documented 4xx or a
            normal success (stored verbatim), never a 500, no delay, and the users
            table unharmed
  ids       another user's submission id on every endpoint and in every spelling
  sizes     bodies over 2 MiB on every POST (also chunked), huge headers and URLs
  slow      a header sent byte by byte is cut at nginx's time-out; slow clients hold
            nginx connections, not the responders
  brute     a password guessed from one address (nginx's 429) and from many
            addresses (the per-account limit's 429), the right password included
"""

import hashlib
import hmac
import http.client as httpclient
import itertools
import json
import re
import socket
import threading
import time
import urllib.parse
import uuid

import pytest

from conftest import b64url, make_jwt

JSON_CT = {"Content-Type": "application/json"}
REQ_ID_OK = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_addr = itertools.count(1)


def new_source():
    """A loopback address of its own: nginx's per-address limits stay out of the way."""
    n = next(_addr)
    return "127.42.%d.%d" % (n // 250, n % 250 + 1)


def assert_error(r, status, code=None):
    assert r.status == status, r
    assert r.headers.get("Content-Type", "").startswith("application/json"), (r, r.headers)
    assert isinstance(r.json, dict) and isinstance(r.json.get("error"), str), r
    assert isinstance(r.json.get("message"), str), r
    if code:
        assert r.json["error"] == code, r
    rid = r.headers.get("X-Request-Id", "")
    assert rid and set(rid) <= REQ_ID_OK and len(rid) <= 64, r.headers


def auth_post(stack, path, **kw):
    """POST to /auth/*, from a fresh address each time nginx's per-address limit hits."""
    kw.setdefault("source", new_source())
    for _ in range(50):
        r = stack.http("POST", path, **kw)
        if not (r.status == 429 and r.json and "address" in r.json.get("message", "")):
            return r
        kw["source"] = new_source()
    return r


@pytest.fixture(scope="module")
def hostile(stack):
    """Two users with a finished submission each, and a canary row to compare at the end."""
    stack.db("INSERT INTO rate_limit_tiers VALUES ('it_hostile', 100000, 100000) "
             "ON CONFLICT DO NOTHING")
    a, b = stack.new_user(tier="it_hostile"), stack.new_user(tier="it_hostile")
    subs = {}
    for u in (a, b):
        r = stack.http("POST", "/api/v1/execute", token=u.token,
                       json={"language": "python", "source_code": "print('secret of %s')" % u.username})
        assert r.status == 202, r
        subs[u.user_id] = r.json["submission_id"]
    canary = stack.db("SELECT user_id::text, username, email, password_hash, is_active, "
                      "rate_limit_tier FROM users WHERE user_id = %s", (a.user_id,))[0]
    return {"a": a, "b": b, "subs": subs, "canary": canary}


# --- tokens ------------------------------------------------------------------------------

def _sign(header, payload, key, digest=hashlib.sha256, raw_header=None, raw_payload=None):
    h = raw_header if raw_header is not None else b64url(json.dumps(header, separators=(",", ":")).encode())
    p = raw_payload if raw_payload is not None else b64url(json.dumps(payload, separators=(",", ":")).encode())
    k = key.encode() if isinstance(key, str) else key
    return "%s.%s.%s" % (h, p, b64url(hmac.new(k, ("%s.%s" % (h, p)).encode(), digest).digest()))


def _hostile_tokens(stack, u):
    """Tokens that must all be refused with 401 (test_api.py has the simpler ones)."""
    key = stack.jwt_key
    now = int(time.time())
    good = {"sub": u.user_id, "iat": now, "exp": now + 600}
    hs = {"alg": "HS256", "typ": "JWT"}
    real_h, real_p, real_s = u.token.split(".")
    none_tokens = {}
    for spelling in ("none", "None", "NONE", "nOnE", ""):
        hn = {"alg": spelling, "typ": "JWT"}
        t = make_jwt(good, key, hn) if spelling == "none" else "%s.%s." % (
            b64url(json.dumps(hn).encode()), b64url(json.dumps(good).encode()))
        none_tokens["alg %r, no signature" % spelling] = t
        none_tokens["alg %r, the real signature" % spelling] = t.rstrip(".") + "." + real_s \
            if t.endswith(".") else t
    tokens = dict(none_tokens)
    tokens.update({
        "HS256 header, empty signature": "%s.%s." % (real_h, real_p),
        "no alg": _sign({"typ": "JWT"}, good, key),
        "alg as a list": _sign({"alg": ["HS256"]}, good, key),
        "alg hs256 lower case": _sign({"alg": "hs256"}, good, key),
        "alg 'HS256 '": _sign({"alg": "HS256 "}, good, key),
        "HS384 with the key": _sign({"alg": "HS384", "typ": "JWT"}, good, key, hashlib.sha384),
        "HS512 with the key": _sign({"alg": "HS512", "typ": "JWT"}, good, key, hashlib.sha512),
        "HS256 header, HS512 signature": _sign(hs, good, key, hashlib.sha512),
        "HS256 header, HS512 signature cut to 32 bytes": "%s.%s.%s" % (
            real_h, real_p, b64url(hmac.new(key.encode(), ("%s.%s" % (real_h, real_p)).encode(),
                                            hashlib.sha512).digest()[:32])),
        "HS256 header, md5 signature": _sign(hs, good, key, hashlib.md5),
        "empty key": _sign(hs, good, ""),
        "key one character off": _sign(hs, good, key[:-1] + ("0" if key[-1] != "0" else "1")),
        "key hex-decoded": _sign(hs, good, bytes.fromhex(key)),
        "key with a newline": _sign(hs, good, key + "\n"),
        "key upper case": _sign(hs, good, key.upper()) if key.upper() != key else _sign(hs, good, "x"),
        "kid pointing at /dev/null, empty key": _sign(dict(hs, kid="../../../../dev/null"), good, ""),
        "jku to elsewhere, signed elsewhere": _sign(dict(hs, jku="http://169.254.169.254/k"), good, "k"),
        "expired one second ago": _sign(hs, dict(good, exp=now - 1), key),
        "exp equal to now": _sign(hs, dict(good, iat=now - 600, exp=now), key),
        "exp a string far ahead": _sign(hs, dict(good, exp="9999999999"), key),
        "exp null": _sign(hs, dict(good, exp=None), key),
        "exp negative": _sign(hs, dict(good, exp=-1), key),
        "exp 1e30 float": _sign(hs, good, key, raw_payload=b64url(
            ('{"sub":"%s","iat":%d,"exp":1e30}' % (u.user_id, now)).encode())),
        "no iat": _sign(hs, {"sub": u.user_id, "exp": now + 600}, key),
        "no sub": _sign(hs, {"iat": now, "exp": now + 600}, key),
        "sub an integer": _sign(hs, dict(good, sub=1), key),
        "sub SQL": _sign(hs, dict(good, sub="' OR '1'='1"), key),
        "sub SQL after a uuid": _sign(hs, dict(good, sub=u.user_id + "' OR '1'='1"), key),
        "sub with a NUL": _sign(hs, dict(good, sub=u.user_id[:-1] + "\u0000"), key),
        "sub a list": _sign(hs, dict(good, sub=[u.user_id]), key),
        "payload not an object": _sign(hs, [good], key),
        "payload not json": _sign(hs, good, key, raw_payload=b64url(b"{not json")),
        "header not json": _sign(hs, good, key, raw_header=b64url(b"{\"alg\":")),
        "duplicate alg, none last, unsigned": "%s.%s." % (
            b64url(b'{"alg":"HS256","alg":"none"}'), real_p),
        "duplicate alg, none first, unsigned": "%s.%s." % (
            b64url(b'{"alg":"none","alg":"HS256"}'), real_p),
        "four parts": u.token + ".x",
        "padding added": "%s==.%s.%s" % (real_h, real_p, real_s),
        "standard base64 alphabet": u.token.replace("-", "+").replace("_", "/")
        if ("-" in u.token or "_" in u.token) else u.token + "+",
        "space inside": real_h + ". " + real_p + "." + real_s,
        "6 KB of junk": "a" * 6000 + "." + real_p + "." + real_s,
    })
    return tokens


def _auth_endpoints(h):
    a = h["a"]
    own = h["subs"][a.user_id]
    body = json.dumps({"language": "python", "source_code": "print(1)"}).encode()
    return [("GET", "/api/v1/submissions?page=1&limit=5", None),
            ("GET", "/api/v1/execute/" + own, None),
            ("GET", "/api/v1/execute/" + own + "?wait=true", None),
            ("POST", "/api/v1/execute", body),
            ("POST", "/api/v1/execute?wait=true", body)]


def test_hostile_tokens_refused_on_every_endpoint(stack, hostile):
    a = hostile["a"]
    (before,), = stack.db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (a.user_id,))
    failures = []
    for name, tok in _hostile_tokens(stack, a).items():
        for method, path, body in _auth_endpoints(hostile):
            r = stack.http(method, path, body=body, headers=dict(JSON_CT, Authorization="Bearer " + tok))
            if r.status != 401 or not r.json or r.json.get("error") != "unauthorized":
                failures.append((name, method, path, r.status, r.body[:120]))
    assert not failures, "\n".join(map(repr, failures))
    (after,), = stack.db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (a.user_id,))
    assert after == before, "a forged token submitted something"
    # control: the real token still works everywhere
    for method, path, body in _auth_endpoints(hostile)[:3]:
        assert stack.http(method, path, token=a.token).status == 200, path


def test_odd_authorization_headers_never_500(stack, hostile):
    a = hostile["a"]
    for value in ("bearer " + a.token, "BEARER " + a.token, "Bearer  " + a.token,
                  "Bearer " + a.token + " ", "Bearer\t" + a.token, "Token " + a.token,
                  a.token, "Bearer " + a.token + ", Bearer " + a.token,
                  "Bearer \u00e9".encode("utf-8").decode("latin-1"), "Bearer \x01\x02"):
        r = stack.http("GET", "/api/v1/submissions", headers={"Authorization": value})
        assert r.status in (200, 400, 401), (value[:40], r)
        if r.status != 200:
            assert_error(r, r.status)
    # two Authorization headers: one of them may be used, never a 500
    conn = httpclient.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    try:
        conn.putrequest("GET", "/api/v1/submissions")
        conn.putheader("Authorization", "Bearer " + a.token)
        conn.putheader("Authorization", "Bearer " + hostile["b"].token)
        conn.endheaders()
        r = conn.getresponse()
        data = r.read()
        assert r.status in (200, 400, 401), (r.status, data[:200])
        if r.status == 200:
            # whichever user it was, it saw only that user's submissions
            ids = {s["submission_id"] for s in json.loads(data)["submissions"]}
            assert len(ids & set(hostile["subs"].values())) <= 1, ids
    finally:
        conn.close()


def test_token_of_a_deleted_user_refused(stack, jwt):
    u = stack.new_user()
    now = int(time.time())
    tok = jwt({"sub": u.user_id, "iat": now, "exp": now + 600})
    assert stack.http("GET", "/api/v1/submissions", token=tok).status == 200
    stack.db("DELETE FROM users WHERE user_id = %s", (u.user_id,))
    for method, path in (("GET", "/api/v1/submissions"), ("GET", "/api/v1/execute/" + str(uuid.uuid4()))):
        assert_error(stack.http(method, path, token=tok), 401, "unauthorized")
    r = stack.http("POST", "/api/v1/execute", token=u.token,
                   json={"language": "python", "source_code": "print(1)"})
    assert_error(r, 401, "unauthorized")


# --- SQL metacharacters in every field ----------------------------------------------------

SQL = [
    "'", "''", '"', "';--", "' OR '1'='1", "' OR 1=1 --", "'); DROP TABLE users; --",
    "\\", "\\'", "%", "_", "%_%", "1; SELECT pg_sleep(10)--", "'||pg_sleep(10)||'", "$1", "$$",
    "$tag$", "E'\\x00'", "/*", "*/", "`", ";", "NULL", "(SELECT 1)", "\u00f6'\u2019",
    "' UNION SELECT password_hash FROM users --", "\u0000",
]


def _slow(r):
    return r.elapsed > 8        # pg_sleep(10) would show (a login alone can take seconds here)


def _groups(payloads, size):
    """The payloads concatenated into strings of at most size characters."""
    out, cur = [], ""
    for p in payloads:
        if cur and len(cur) + len(p) > size:
            out.append(cur)
            cur = ""
        cur += p
    return out + ([cur] if cur else [])


def test_sql_in_register_and_login(stack, hostile):
    """Every payload in every field; payloads are grouped where a field accepts them
    (each accepted register or login costs a slow password hash)."""
    victim = stack.new_user()
    (users_before,), = stack.db("SELECT count(*) FROM users")
    made = []

    def register(username, email, password):
        r = auth_post(stack, "/api/v1/auth/register",
                      json={"username": username, "email": email, "password": password})
        assert r.status in (201, 400), (username, email, password, r)
        assert not _slow(r), (username, email, r.elapsed)
        if r.status == 400:
            assert_error(r, 400, "validation_failed")
        else:
            made.append(r.json["user_id"])
            assert (r.json["username"], r.json["email"]) == (username, email), r
            stored = stack.db("SELECT username, email FROM users WHERE user_id = %s",
                              (r.json["user_id"],))
            assert stored == [(username, email)], stored
        return r

    def login(email, password):
        r = auth_post(stack, "/api/v1/auth/login", json={"email": email, "password": password})
        assert not _slow(r), (email, r.elapsed)
        return r

    # username: its charset refuses every payload but the ones made of _ . - and letters
    for p in SQL:
        n = uuid.uuid4().hex[:8]
        r = register("s%s%s" % (n, p), "su%s@example.com" % n, "SecurePass123!")
        assert (r.status == 201) == bool(re.fullmatch(r"[A-Za-z0-9_.-]*", p)), (p, r)
    # email: payloads with a space, a NUL or a control byte are not addresses (400);
    # the others are, in the local part and in the domain, grouped; each logs in
    nospace = [p for p in SQL if not re.search(r"[\x00-\x20\x7f]", p)]
    for p in SQL:
        if p not in nospace:
            n = uuid.uuid4().hex[:8]
            assert register("se" + n, "se%s%s@example.com" % (n, p), "SecurePass123!").status == 400
    for g in _groups(nospace, 60) + ["@"]:
        n = uuid.uuid4().hex[:8]
        if g == "@":
            r = register("s" + uuid.uuid4().hex[:10], "se%s@@example.com" % n, "SecurePass123!")
            assert r.status == 400, r     # two @
            continue
        for email in ("se%s%s@example.com" % (n, g), "sd%s@example.com%s" % (n, g)):
            r = register("s" + uuid.uuid4().hex[:10], email, "SecurePass123!")
            if r.status == 201:
                assert login(email, "SecurePass123!").status == 200, email
    # password: anything goes; stored hashed; logging in with it works, with it + "'" not
    for g in _groups(SQL, 120):
        n = uuid.uuid4().hex[:8]
        pw = "Pw-" + g
        r = register("sp" + n, "sp%s@example.com" % n, pw)
        assert r.status == 201, (pw, r)
        assert login("sp%s@example.com" % n, pw).status == 200, pw
        assert_error(login("sp%s@example.com" % n, pw + "'"), 401, "unauthorized")
        (h,), = stack.db("SELECT password_hash FROM users WHERE user_id = %s", (made[-1],))[0:1]
        assert g not in h and pw not in h
    # login: SQL in the email or the password never logs anyone in (wildcards included)
    for email, pw in ((victim.email + "' OR '1'='1", victim.password),
                      (victim.email + "'--", "x"),
                      ("' OR 1=1 --", "' OR 1=1 --"),
                      ("%", victim.password), ("%@example.com", victim.password),
                      (victim.email.replace("u", "_", 1), victim.password),
                      (victim.email[:-3] + "%", victim.password),
                      (victim.email, "' OR '1'='1"),
                      ("'; UPDATE users SET is_active = false; --", "x'||pg_sleep(10)||'")):
        r = login(email, pw)
        assert r.status in (400, 401), (email, pw, r)
        assert_error(r, r.status)
    (users_after,), = stack.db("SELECT count(*) FROM users")
    assert users_after == users_before + len(made)
    canary = stack.db("SELECT user_id::text, username, email, password_hash, is_active, "
                      "rate_limit_tier FROM users WHERE user_id = %s", (hostile["a"].user_id,))[0]
    assert canary == hostile["canary"]


def test_sql_in_execute_fields(stack, hostile):
    a = hostile["a"]
    for p in SQL:
        # language: the documented 400
        r = stack.http("POST", "/api/v1/execute", token=a.token,
                       json={"language": "python" + p, "source_code": "print(1)"})
        assert_error(r, 400, "validation_failed")
        r = stack.http("POST", "/api/v1/execute", token=a.token,
                       json={"language": p, "source_code": "print(1)"})
        assert_error(r, 400, "validation_failed")
        # source and input: stored exactly (a NUL in the source is the documented 400)
        # unknown fields naming other columns are ignored, whatever they hold
        src = "# %s\nprint(1)  # %s\n" % (p, p)
        r = stack.http("POST", "/api/v1/execute", token=a.token,
                       json={"language": "python", "source_code": src, "input": p + "\n" + p,
                             "user_id": p, "status": "completed', status = 'completed",
                             "submission_id": p, "attempts": p, p: p})
        if "\u0000" in p:
            assert_error(r, 400, "validation_failed")
            r = stack.http("POST", "/api/v1/execute", token=a.token,
                           json={"language": "python", "source_code": "print(1)", "input": p})
            assert r.status == 202, r
            (inp,), = stack.db("SELECT input_data FROM code_submissions WHERE submission_id = %s",
                               (r.json["submission_id"],))
            assert bytes(inp) == p.encode()
            continue
        assert r.status == 202, (p, r)
        assert not _slow(r), (p, r.elapsed)
        (s, inp, owner, attempts), = stack.db(
            "SELECT source_code, input_data, user_id::text, attempts FROM code_submissions "
            "WHERE submission_id = %s", (r.json["submission_id"],))
        assert s == src and bytes(inp) == (p + "\n" + p).encode(), p
        assert owner == a.user_id and attempts <= 1, (owner, attempts)
    canary = stack.db("SELECT user_id::text, username, email, password_hash, is_active, "
                      "rate_limit_tier FROM users WHERE user_id = %s", (a.user_id,))[0]
    assert canary == hostile["canary"]


def test_sql_in_ids_and_query_parameters(stack, hostile):
    a = hostile["a"]
    own = hostile["subs"][a.user_id]
    for p in SQL:
        q = urllib.parse.quote(p, safe="")
        for path in ("/api/v1/execute/" + q, "/api/v1/execute/" + own + q,
                     "/api/v1/execute/" + q + own, "/api/v1/execute/" + own + "%27%20OR%20%271%27%3D%271"):
            r = stack.http("GET", path, token=a.token)
            assert r.status in (400, 404), (p, path, r)
            assert_error(r, r.status)
            # 400: the program's validation_failed, or nginx's bad_request (a %00)
            assert r.json["error"] in ("validation_failed", "bad_request", "not_found"), r
            assert not _slow(r)
        for query in ("page=" + q, "limit=" + q, "page=1" + q, "limit=5" + q, "page=1&limit=" + q,
                      q + "=1", "page=1&" + q + "=" + q, "page=1&page=" + q):
            r = stack.http("GET", "/api/v1/submissions?" + query, token=a.token)
            assert r.status in (200, 400), (query, r)
            assert not _slow(r)
            if r.status == 400:
                assert_error(r, 400, "validation_failed")
            else:
                assert {s["submission_id"] for s in r.json["submissions"]} <= \
                    {x[0] for x in stack.db("SELECT submission_id::text FROM code_submissions "
                                            "WHERE user_id = %s", (a.user_id,))}
        r = stack.http("GET", "/api/v1/execute/%s?wait=%s" % (own, q), token=a.token)
        assert r.status in (200, 400), (p, r)
        r = stack.http("GET", "/api/v1/languages?" + q + "=" + q)
        assert r.status == 200, r
        r = stack.http("GET", "/api/v1/health?" + q)
        assert r.status == 200, r
    # the users table is still there and whole
    canary = stack.db("SELECT user_id::text, username, email, password_hash, is_active, "
                      "rate_limit_tier FROM users WHERE user_id = %s", (a.user_id,))[0]
    assert canary == hostile["canary"]


def test_sql_in_headers(stack, hostile):
    a = hostile["a"]
    for p in SQL:
        if "\u0000" in p:
            continue
        hv = p.encode("utf-8").decode("latin-1")
        r = stack.http("POST", "/api/v1/execute", token=a.token, body=b'{"language":"python","source_code":"print(1)"}',
                       headers={"Content-Type": "application/json" + hv, "X-Request-Id": hv,
                                "User-Agent": hv, "X-Forwarded-For": hv})
        assert r.status in (202, 400, 415), (p, r)
        if r.status != 202:
            assert_error(r, r.status)
        r = stack.http("GET", "/api/v1/health", headers={"X-Request-Id": hv, "Cookie": hv})
        assert r.status == 200, r


# --- another user's ids -------------------------------------------------------------------

def test_another_users_id_in_every_spelling(stack, hostile):
    a, b = hostile["a"], hostile["b"]
    theirs = hostile["subs"][b.user_id]
    stack.wait_final(b.token, theirs, 90)
    unknown = stack.http("GET", "/api/v1/execute/" + str(uuid.uuid4()), token=a.token)
    assert_error(unknown, 404, "not_found")
    spellings = [theirs, theirs.upper(), "{%s}" % theirs, "urn:uuid:" + theirs,
                 theirs.replace("-", ""), urllib.parse.quote(theirs, safe="").replace("-", "%2D"),
                 theirs + "/", theirs + "?wait=true", theirs + "?wait=false&x=1", theirs + "%00",
                 theirs + "#frag", " " + theirs]
    nobody = str(uuid.uuid4())
    for s in spellings:
        r = stack.http("GET", "/api/v1/execute/" + s.replace(" ", "%20"), token=a.token)
        assert r.status in (400, 404), (s, r)
        assert_error(r, r.status)
        assert b"secret of" not in r.body, (s, r)
        assert r.elapsed < 3, (s, r.elapsed)     # ?wait=true on someone else's id holds nothing
        # the same answer as for an id that does not exist, spelled alike: nothing to learn
        same = s.replace(theirs, nobody).replace(theirs.upper(), nobody.upper()).replace(
            theirs.replace("-", ""), nobody.replace("-", ""))
        if "%2D" in s:
            same = urllib.parse.quote(nobody, safe="").replace("-", "%2D")
        u = stack.http("GET", "/api/v1/execute/" + same.replace(" ", "%20"), token=a.token)
        assert (u.status, u.json["error"], u.json["message"]) == \
            (r.status, r.json["error"], r.json["message"]), (s, r, same, u)
    # the list of submissions cannot be steered to theirs
    for q in ("user_id=" + b.user_id, "user=" + b.user_id, "owner=" + b.username,
              "submission_id=" + theirs, "page=1&limit=100&user_id=" + b.user_id):
        r = stack.http("GET", "/api/v1/submissions?" + q, token=a.token)
        assert r.status in (200, 400), r
        assert theirs not in r.body.decode(), q
    # a body naming their ids is the caller's own submission
    r = stack.http("POST", "/api/v1/execute", token=a.token,
                   json={"language": "python", "source_code": "print(3)", "user_id": b.user_id,
                         "submission_id": theirs})
    assert r.status == 202 and r.json["submission_id"] != theirs, r
    (owner,), = stack.db("SELECT user_id::text FROM code_submissions WHERE submission_id = %s",
                         (r.json["submission_id"],))
    assert owner == a.user_id
    # their token (not ours) still sees it: the refusal was about ownership
    assert stack.http("GET", "/api/v1/execute/" + theirs, token=b.token).status == 200
    # a token signed with the key but for them is them: signing is the secret, not the id
    # (test_api.py covers tampered payloads without the key)


# --- sizes ------------------------------------------------------------------------------------

def _big(n):
    head, tail = b'{"language": "python", "source_code": "print(1)", "pad": "', b'"}'
    return head + b"a" * (n - len(head) - len(tail)) + tail


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/login",
                                  "/api/v1/execute", "/api/v1/execute?wait=true"])
def test_body_over_2mib_on_every_post(stack, hostile, path):
    r = stack.http("POST", path, body=_big(3 * 1048576), token=hostile["a"].token,
                   headers=JSON_CT, source=new_source())
    assert_error(r, 413, "payload_too_large")


def _raw(stack, data, read_timeout=15):
    """Send raw bytes, return the whole answer (status line first) or b'' when cut."""
    s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=read_timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def test_chunked_body_over_2mib(stack, hostile):
    """No Content-Length to check up front: nginx counts the chunks."""
    a = hostile["a"]
    s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=20)
    try:
        s.sendall(("POST /api/v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                   "Connection: close\r\n\r\n" % a.token).encode())
        chunk = b"a" * 65536
        sent = 0
        try:
            for _ in range(64):         # 4 MiB
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while True:
            try:
                c = s.recv(65536)
            except ConnectionResetError:
                break
            if not c:
                break
            data += c
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:300]
    assert b"payload_too_large" in data


def test_content_length_over_2mib_refused_before_the_body(stack, hostile):
    """50 MiB announced, one byte sent: the 413 comes at once, not after a body."""
    s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=10)
    try:
        t0 = time.monotonic()
        s.sendall(("POST /api/v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n"
                   "Connection: close\r\n\r\n{" % (hostile["a"].token, 50 * 1048576)).encode())
        data = s.recv(65536)
        first = time.monotonic() - t0
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:300]
    assert b"payload_too_large" in data
    assert first < 3, first


def test_huge_header_and_url(stack):
    r = stack.http("GET", "/api/v1/health", headers={"X-Junk": "j" * 20000})
    assert r.status in (400, 431, 494), r
    assert_error(r, r.status)
    r = stack.http("GET", "/api/v1/health?" + "q" * 20000)
    assert r.status in (414, 400), r
    assert_error(r, r.status)
    many = {"X-H%d" % i: "v" * 100 for i in range(400)}
    r = stack.http("GET", "/api/v1/health", headers=many)
    assert r.status in (200, 400, 431, 494), r
    if r.status != 200:
        assert_error(r, r.status)


# --- slow requests ----------------------------------------------------------------------------

NGINX_HEADER_TIMEOUT = 10       # client_header_timeout in nginx/coderank.conf.in


def test_slow_loris_header_is_cut(stack):
    """Headers sent a byte a second: nginx closes the connection at its header time-out."""
    s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=5)
    t0 = time.monotonic()
    cut_at = None
    answer = b""
    try:
        request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 60
        for byte in request:
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut_at = time.monotonic() - t0
                break
            s.settimeout(1.0)
            try:
                got = s.recv(4096)
                if got == b"":
                    cut_at = time.monotonic() - t0
                    break
                answer += got
            except socket.timeout:
                pass
            except ConnectionResetError:
                cut_at = time.monotonic() - t0
                break
            if time.monotonic() - t0 > NGINX_HEADER_TIMEOUT + 15:
                break
    finally:
        s.close()
    assert cut_at is not None, "a header dripping a byte a second was not cut after %.0fs" % (
        time.monotonic() - t0)
    assert NGINX_HEADER_TIMEOUT - 2 <= cut_at <= NGINX_HEADER_TIMEOUT + 6, cut_at
    assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_slow_clients_do_not_hold_the_responders(stack, hostile):
    """More slow clients than responders (slow headers and slow bodies): the API still answers."""
    socks = []
    try:
        for i in range(12):
            s = socket.create_connection(("127.0.0.1", stack.http_port), timeout=5)
            if i % 2:
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            else:
                s.sendall(("POST /api/v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"lang"
                           % hostile["a"].token).encode())
            socks.append(s)
        time.sleep(1.0)
        for _ in range(8):
            r = stack.http("GET", "/api/v1/submissions", token=hostile["a"].token, timeout=5)
            assert r.status == 200 and r.elapsed < 2, r
    finally:
        for s in socks:
            s.close()


# --- login brute force ---------------------------------------------------------------------------

def test_credential_stuffing_from_one_address_gets_429(stack, hostile):
    """Guesses at many accounts from one address (no account's limit fires): nginx's 429."""
    src = new_source()
    answers = []
    lock = threading.Lock()

    def guess(i):
        r = stack.http("POST", "/api/v1/auth/login", source=src, timeout=120,
                       json={"email": "victim%d_%s@example.com" % (i, uuid.uuid4().hex[:6]),
                             "password": "Guess%06d!" % i})
        with lock:
            answers.append(r)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    # 503: the guess reached a responder whose password hashes were all taken (fcgi/hashgate.c)
    assert {r.status for r in answers} <= {401, 429, 503}, \
        [r for r in answers if r.status not in (401, 429, 503)]
    for r in answers:
        if r.status == 503:
            assert_error(r, 503, "unavailable")
            assert int(r.headers.get("Retry-After", "0")) >= 1
    limited = [r for r in answers if r.status == 429]
    assert limited, "no 429 for 40 guesses at once from one address"
    assert len(limited) >= 10, len(limited)     # burst 20
    seen = limited[0]
    assert_error(seen, 429, "rate_limited")
    assert int(seen.headers.get("Retry-After", "0")) >= 1
    # register is behind the same kind of limit (cheap requests: the bucket refilled
    # while the guesses were hashed)
    src = new_source()
    for i in range(100):
        r = stack.http("POST", "/api/v1/auth/register", source=src, body=b"{", headers=JSON_CT)
        if r.status == 429:
            break
        assert_error(r, 400, "invalid_json")
    assert_error(r, 429, "rate_limited")


def _per_account_limit(stack):
    """The configured failures per window, or the default (common/conf.c)."""
    return 10


def test_brute_force_from_many_addresses_gets_429_per_account(stack, hostile):
    """Guesses spread over addresses (nginx's limit never fires): the account's limit does."""
    u = stack.new_user()
    other = stack.new_user()
    limit = _per_account_limit(stack)
    statuses = []
    for i in range(limit + 5):
        r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                       json={"email": u.email, "password": "Guess%06d!" % i})
        statuses.append(r.status)
        if r.status == 429:
            break
    assert 429 in statuses, "no per-account 429 after %d guesses from %d addresses: %s" % (
        len(statuses), len(statuses), statuses)
    first = statuses.index(429)
    assert all(s == 401 for s in statuses[:first]), statuses
    assert first >= 3, statuses     # not after a mere typo or two
    r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                   json={"email": u.email, "password": "Guess-again-1"})
    assert_error(r, 429, "rate_limited")
    assert int(r.headers.get("Retry-After", "0")) >= 1
    # the right password is refused too while the account is limited (no oracle)
    r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                   json={"email": u.email.upper(), "password": u.password})
    assert_error(r, 429, "rate_limited")
    # another account is not affected, from the same addresses
    r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                   json={"email": other.email, "password": other.password})
    assert r.status == 200, r
    # tokens already issued keep working: a limit on logins is not a lock-out of sessions
    assert stack.http("GET", "/api/v1/submissions", token=u.token).status == 200


def test_per_account_limit_same_for_unknown_email(stack):
    """An address that has no account is limited the same way: 429 does not reveal accounts."""
    email = "ghost_%s@example.com" % uuid.uuid4().hex[:10]
    statuses = []
    for i in range(_per_account_limit(stack) + 5):
        r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                       json={"email": email, "password": "Guess%06d!" % i})
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[-1] == 429, statuses
    assert all(s == 401 for s in statuses[:-1]), statuses


def test_parallel_guesses_do_not_slip_past_the_account_limit(stack):
    u = stack.new_user()
    limit = _per_account_limit(stack)
    results = []
    lock = threading.Lock()

    def guess(i):
        r = stack.http("POST", "/api/v1/auth/login", source=new_source(),
                       json={"email": u.email, "password": "Par%06d!" % i})
        with lock:
            results.append(r.status)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(limit * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count(401) <= limit, results     # at most `limit` passwords were checked
    # 503: no place to hash at that moment; the charge was given back, nothing was checked
    assert set(results) <= {401, 429, 503}, results
    assert results.count(429) >= limit * 3 - limit - results.count(503), results


def test_zz_hostile_never_a_500(stack):
    assert not [x for x in stack.seen_500], stack.seen_500
