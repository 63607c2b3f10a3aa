"""
docs/openapi.yaml and docs/API.md against the code, with no running service.

  - the spec is OpenAPI 3.0.3 and every $ref in it resolves;
  - the set of (method, path) in the spec is the route table of fcgi/router.c;
  - the operations that require the bearer token are the R_AUTH routes;
  - the `error` enum of the Error schema is the set of error codes that
    fcgi/*.c answer with, and every (status, code) the code uses is documented;
  - the fields of the Result, TestResult and Callback schemas are the ones
    common/result.c writes;
  - docs/API.md, the prose reference: every route has a heading
    "### METHOD /api/v1/path" and every such heading is a route; every
    "METHOD /path" it mentions anywhere is a route (or one of the files nginx
    serves itself, which nginx/coderank.conf.in must have); it names every error
    code, status, verdict, request field and result field of the spec.

Needs python3-yaml (Debian). It overrides conftest.py's autouse fixture that
would start the whole stack, so it runs without PostgreSQL, nginx or a build.
"""

import glob
import os
import re

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "docs", "openapi.yaml")
ROUTER = os.path.join(ROOT, "fcgi", "router.c")
FCGI = os.path.join(ROOT, "fcgi")
COMMON = os.path.join(ROOT, "common")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
API_MD = os.path.join(ROOT, "docs", "API.md")
NGINX_TEMPLATE = os.path.join(ROOT, "nginx", "coderank.conf.in")
# Served by nginx from scripts/docs-html's output, not routes of the API.
NGINX_DOCS = {("GET", "/api/v1/openapi.yaml"), ("GET", "/docs/")}


@pytest.fixture(autouse=True)
def _daemon_log_marks():
    """Replaces conftest.py's fixture of that name, which needs the stack."""
    yield


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


def load_spec(path=SPEC):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def router_routes(path=ROUTER):
    """[(METHOD, pattern, flags)] from the router_table initialiser."""
    with open(path, encoding="utf-8") as f:
        src = strip_comments(f.read())
    m = re.search(r"router_table\s*\[\s*\]\s*=\s*\{(.*?)\n\};", src, re.S)
    assert m, "router_table not found in fcgi/router.c"
    rows = re.findall(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*([^,]+?)\s*,', m.group(1))
    assert rows, "no routes parsed from fcgi/router.c"
    return [(meth, pat, {f.strip() for f in flags.split("|")}) for meth, pat, flags in rows]


def norm(path):
    """Path parameters compare by position, not by name: /execute/{id} == /execute/{submission_id}."""
    return re.sub(r"\{[^}/]+\}", "{}", path)


def spec_base(spec):
    urls = [s["url"] for s in spec.get("servers", [])]
    assert len(urls) == 1, "expected exactly one server url, got %r" % urls
    return urls[0].rstrip("/")


def spec_operations(spec):
    """{(METHOD, normalised full path): operation}"""
    base = spec_base(spec)
    ops = {}
    for path, item in spec["paths"].items():
        for meth, op in item.items():
            if meth in METHODS:
                ops[(meth.upper(), norm(base + path))] = op
    return ops


def code_errors(fcgi_dir=FCGI):
    """{(status, code)} of every error answered in fcgi/*.c: api_error(c, 404, "not_found", ...)
    and validate.c's fail(e, 400, "validation_failed", ...)."""
    pairs = set()
    for fn in sorted(glob.glob(os.path.join(fcgi_dir, "*.c"))):
        with open(fn, encoding="utf-8") as f:
            src = strip_comments(f.read())
        for status, code in re.findall(r'\b(?:api_error|fail)\s*\(\s*\w+\s*,\s*([1-5]\d\d)\s*,\s*"([a-z_]+)"', src):
            pairs.add((int(status), code))
    assert pairs, "no error codes found in fcgi/*.c"
    return pairs


def walk_refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.append(v)
            else:
                walk_refs(v, out)
    elif isinstance(node, list):
        for v in node:
            walk_refs(v, out)


def resolve(spec, ref):
    assert ref.startswith("#/"), "only local refs are used: %s" % ref
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, "unresolved $ref %s" % ref
        node = node[part]
    return node


def response_of(spec, resp):
    return resolve(spec, resp["$ref"]) if "$ref" in resp else resp


# ---- the tests ---------------------------------------------------------------------


def test_spec_is_openapi_303():
    spec = load_spec()
    assert spec["openapi"] == "3.0.3"
    for key in ("info", "paths", "components"):
        assert key in spec
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"],
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_every_ref_resolves():
    spec = load_spec()
    refs = []
    walk_refs(spec, refs)
    assert refs
    for ref in refs:
        resolve(spec, ref)


def test_routes_match_router_table():
    spec = load_spec()
    code = {(m, norm(p)) for m, p, _ in router_routes()}
    documented = set(spec_operations(spec))
    assert documented - code == set(), "in docs/openapi.yaml but not in fcgi/router.c"
    assert code - documented == set(), "in fcgi/router.c but not in docs/openapi.yaml"


def test_path_parameters_declared():
    spec = load_spec()
    for path, item in spec["paths"].items():
        names = set(re.findall(r"\{([^}/]+)\}", path))
        for meth, op in item.items():
            if meth not in METHODS:
                continue
            declared = set()
            for p in op.get("parameters", []) + item.get("parameters", []):
                p = resolve(spec, p["$ref"]) if "$ref" in p else p
                if p["in"] == "path":
                    assert p.get("required") is True
                    if p["name"] == "n":	# a test case's index (fcgi/router.h's {n})
                        assert (p["schema"]["type"], p["schema"]["minimum"],
                                p["schema"]["maximum"]) == ("integer", 0, 63)
                    else:
                        assert p["schema"].get("format") == "uuid"
                    declared.add(p["name"])
            assert declared == names, "%s %s: path parameters %r" % (meth, path, declared)


def test_security_matches_r_auth():
    spec = load_spec()
    ops = spec_operations(spec)
    for meth, pat, flags in router_routes():
        op = ops[(meth, norm(pat))]
        needs = "R_AUTH" in flags
        has = bool(op.get("security", spec.get("security", [])))
        assert has == needs, "%s %s: security %r, R_AUTH %r" % (meth, pat, has, needs)
        statuses = set(op["responses"])
        assert ("401" in statuses) == needs or (meth, pat) == ("POST", "/api/v1/auth/login"), \
            "%s %s: 401 documented iff authenticated" % (meth, pat)


def test_error_enum_matches_code():
    spec = load_spec()
    enum = spec["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    assert len(enum) == len(set(enum)), "duplicate codes in the enum"
    used = {code for _, code in code_errors()}
    assert set(enum) - used == set(), "in the spec's error enum but never answered by fcgi/*.c"
    assert used - set(enum) == set(), "answered by fcgi/*.c but missing from the spec's error enum"


def test_error_statuses_documented():
    """Every status that fcgi/*.c answers with an error appears in some operation,
    (405 in components), and every error response's body is the Error schema."""
    spec = load_spec()
    documented = set()
    for op in spec_operations(spec).values():
        for status, resp in op["responses"].items():
            documented.add(int(status))
            if int(status) >= 400:
                body = response_of(spec, resp)["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, status
                assert "X-Request-Id" in response_of(spec, resp)["headers"], status
    documented.add(405)  # not per operation: components/responses/MethodNotAllowed
    assert "MethodNotAllowed" in spec["components"]["responses"]
    missing = {(s, c) for s, c in code_errors() if s not in documented}
    assert missing == set(), "error statuses of fcgi/*.c not documented: %r" % sorted(missing)


def test_field_limits_match_validate_c():
    """The numbers in the request schemas are the ones validate.c and conf defaults use."""
    spec = load_spec()
    s = spec["components"]["schemas"]
    reg = s["RegisterRequest"]["properties"]
    assert (reg["username"]["minLength"], reg["username"]["maxLength"]) == (3, 50)
    assert reg["email"]["maxLength"] == 255
    assert (reg["password"]["minLength"], reg["password"]["maxLength"]) == (8, 128)
    ex = s["ExecuteRequest"]["properties"]
    assert ex["source_code"]["x-max-bytes"] == 65536
    assert ex["input"]["x-max-bytes"] == 1048576
    assert ex["language"]["maxLength"] == 20
    assert (ex["callback_url"]["maxLength"], ex["callback_url"]["x-max-bytes"]) == (2048, 2048)
    params = spec["components"]["parameters"]
    assert (params["Limit"]["schema"]["minimum"], params["Limit"]["schema"]["maximum"],
            params["Limit"]["schema"]["default"]) == (1, 100, 20)
    assert (params["Page"]["schema"]["minimum"], params["Page"]["schema"]["default"]) == (1, 1)
    with open(os.path.join(FCGI, "validate.c"), encoding="utf-8") as f:
        src = f.read()
    assert "len < 3 || len > 50" in src
    assert "n < 8 || n > 128" in src
    assert "> 255" in src
    assert "*limit < 1 || *limit > 100" in src
    assert "v->len > 20" in src
    with open(os.path.join(FCGI, "callback.h"), encoding="utf-8") as f:
        assert "#define CALLBACK_URL_MAX 2048" in f.read()


def test_result_fields():
    spec = load_spec()
    res = spec["components"]["schemas"]["Result"]
    fields = ["submission_id", "status", "language", "stdout", "stderr", "compilation_error",
              "runtime_error", "execution_time_ms", "memory_used_kb", "exit_code",
              "exit_signal", "submitted_at", "started_at", "completed_at"]
    # only in the result of a submission that asked for its own limits (both, never null)
    own_limits = ["time_limit_ms", "memory_limit_mb"]
    # only in the result of a submission with test cases (all four; tests_total never null)
    tests = ["verdict", "tests_passed", "tests_total", "test_results"]
    # only in the result of a submission that named a callback_url (never null)
    callback = ["callback"]
    assert set(res["properties"]) == set(fields + own_limits + tests + callback)
    assert set(res["required"]) == set(fields)
    never_null = {"submission_id", "status", "language", "submitted_at",
                  "tests_total"} | set(own_limits) | set(callback)
    for name, prop in res["properties"].items():
        assert bool(prop.get("nullable")) == (name not in never_null), name
    assert res["properties"]["callback"] == {"$ref": "#/components/schemas/Callback"}
    # Every field cr_result_json() writes (GET /execute/{id}'s answer and a
    # webhook's body; h_execute.c's execute_result_json() calls it) is in the schema.
    with open(os.path.join(FCGI, "h_execute.c"), encoding="utf-8") as f:
        src = f.read()
    body = src[src.index("struct json_object *execute_result_json("):]
    body = body[:body.index("\n}\n")]
    assert "cr_result_json(" in body
    with open(os.path.join(COMMON, "result.c"), encoding="utf-8") as f:
        src = f.read()
    body = src[src.index("struct json_object *cr_result_json("):]
    body = body[:body.index("\n}\n")]
    assert set(re.findall(r'json_object_object_add\(o, "(\w+)"', body)) == \
        set(fields + own_limits + tests + callback)
    # and every field of a test case's result (test_json()) is in TestResult
    body = src[src.index("static struct json_object *test_json("):]
    body = body[:body.index("\n}\n")]
    tr = spec["components"]["schemas"]["TestResult"]
    assert set(re.findall(r'json_object_object_add\(o, "(\w+)"', body)) == \
        set(tr["properties"]) == set(tr["required"])
    # and every field of a webhook's delivery state (callback_json()) is in Callback
    body = src[src.index("static struct json_object *callback_json("):]
    body = body[:body.index("\n}\n")]
    cb = spec["components"]["schemas"]["Callback"]
    assert set(re.findall(r'json_object_object_add\(o, "(\w+)"', body)) == \
        set(cb["properties"]) == set(cb["required"])
    assert cb["properties"]["state"]["enum"] == ["pending", "delivered", "failed"]
    never_null = {"url", "state", "attempts"}
    for name, prop in cb["properties"].items():
        assert bool(prop.get("nullable")) == (name not in never_null), name


# ---- docs/API.md ---------------------------------------------------------------------

HTTP_METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE"


def api_md_text(path=API_MD):
    with open(path, encoding="utf-8") as f:
        return f.read()


def api_md_headings(text):
    """[(METHOD, path)] of the headings "## METHOD /api/v1/...", outside code blocks."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"^#{1,6}\s+(%s)\s+(/\S*)\s*$" % HTTP_METHODS, line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def api_md_mentions(text):
    """{(METHOD, full path)} of every "METHOD /path" anywhere in the text (prose, tables,
    code), a path without /api/v1 taken as under it, a query string left out."""
    found = set()
    for m in re.finditer(r"\b(%s) +(/[A-Za-z0-9_{}./-]*)" % HTTP_METHODS, text):
        path = m.group(2).rstrip(".")
        if not path.startswith("/api/") and not path.startswith("/docs"):
            path = "/api/v1" + path
        found.add((m.group(1), path))
    return found


def test_api_md_routes_match_router_table():
    """Every route of fcgi/router.c has its heading in docs/API.md, once, and every
    endpoint heading there is a route."""
    code = {(m, norm(p)) for m, p, _ in router_routes()}
    headings = [(m, norm(p)) for m, p in api_md_headings(api_md_text())]
    assert len(headings) == len(set(headings)), "an endpoint heading is repeated in docs/API.md"
    assert set(headings) - code == set(), "headings of docs/API.md that are not routes"
    assert code - set(headings) == set(), "routes without a heading in docs/API.md"


def test_every_route_in_both_documents():
    """The route table, docs/API.md's headings and docs/openapi.yaml's operations are
    one set: a route documented in only one of the two files, or a path documented in
    either that the router does not have, fails."""
    code = {(m, norm(p)) for m, p, _ in router_routes()}
    md = {(m, norm(p)) for m, p in api_md_headings(api_md_text())}
    spec = set(spec_operations(load_spec()))
    for meth, path in sorted(code):
        assert (meth, path) in md, "%s %s is not in docs/API.md" % (meth, path)
        assert (meth, path) in spec, "%s %s is not in docs/openapi.yaml" % (meth, path)
    assert md <= code, "docs/API.md documents paths that are not routes: %r" % sorted(md - code)
    assert spec <= code, "docs/openapi.yaml documents paths that are not routes: %r" % \
        sorted(spec - code)


def test_api_md_mentions_only_routes():
    """No "METHOD /path" in docs/API.md, in prose or in an example, names an endpoint
    the server does not have (e.g. a stale path, a wrong method)."""
    code = {(m, norm(p)) for m, p, _ in router_routes()}
    mentions = api_md_mentions(api_md_text())
    assert mentions, "no METHOD /path found in docs/API.md"
    bad = {(m, p) for m, p in mentions if (m, norm(p)) not in code and (m, p) not in NGINX_DOCS}
    assert bad == set(), "docs/API.md mentions endpoints that are not routes: %r" % sorted(bad)


def test_nginx_serves_the_docs():
    """The files API.md says nginx serves have their locations in the template, with a
    Content-Security-Policy, from the directory scripts/docs-html writes."""
    with open(NGINX_TEMPLATE, encoding="utf-8") as f:
        conf = f.read()
    for _, path in NGINX_DOCS:
        loc = re.search(r"location (?:= )?%s \{(.*?)\n        \}" % re.escape(path), conf, re.S)
        assert loc, "no location for %s in nginx/coderank.conf.in" % path
        body = loc.group(1)
        assert "@DOCS_ROOT@" in body, path
        assert re.search(r"add_header Content-Security-Policy \"default-src 'none';[^\"]*\" always;",
                         body), path
        assert "unsafe-inline" not in body and "unsafe-eval" not in body, path
    mentions = api_md_mentions(api_md_text())
    assert NGINX_DOCS <= mentions, "docs/API.md should say where the docs are served"


def test_api_md_names_the_spec_vocabulary():
    """Every error code, status, verdict, request field and result field of
    docs/openapi.yaml appears in docs/API.md as `code`."""
    text = api_md_text()
    quoted = set(re.findall(r"`([^`\n]+)`", text))
    words = set()
    for q in quoted:
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", q))
    s = load_spec()["components"]["schemas"]
    want = {
        "error code": s["Error"]["properties"]["error"]["enum"]
        + s["HttpLayerError"]["properties"]["error"]["enum"],
        "status": s["Status"]["enum"],
        "verdict": [v for v in s["TestResult"]["properties"]["verdict"]["enum"] if v],
        "compare mode": [v for v in s["ExecuteRequest"]["properties"]["compare"]["enum"] if v],
        "request field": list(s["ExecuteRequest"]["properties"])
        + list(s["RegisterRequest"]["properties"]) + list(s["LoginRequest"]["properties"])
        + list(s["TestCase"]["properties"]) + list(s["SourceFile"]["properties"]),
        "result field": list(s["Result"]["properties"]) + list(s["TestResult"]["properties"])
        + list(s["Callback"]["properties"]),
        "callback state": s["Callback"]["properties"]["state"]["enum"],
        "other answer field": list(s["TokenResponse"]["properties"])
        + list(s["RegisterResponse"]["properties"]) + list(s["Language"]["properties"])
        + list(s["WebhookSecret"]["properties"]) + list(s["ExecuteAccepted"]["properties"])
        + list(s["SubmissionList"]["properties"]["pagination"]["properties"]),
    }
    for what, names in want.items():
        missing = sorted(n for n in names if n not in words)
        assert missing == [], "%ss of docs/openapi.yaml not in docs/API.md: %r" % (what, missing)
    for header in ("Authorization", "X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                   "X-RateLimit-Reset", "Retry-After", "Location", "Allow", "WWW-Authenticate",
                   "Cache-Control", "X-Accel-Buffering", "CodeRank-Signature",
                   "CodeRank-Delivery"):
        assert header in words or any(q.startswith(header) for q in quoted), header
