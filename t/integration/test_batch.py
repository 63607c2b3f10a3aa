"""
Batches (issue 12, item 5), end to end through nginx: POST /api/v1/execute/batch
(all or nothing in one transaction, the first invalid item named, each item
charged) and GET /api/v1/execute?ids= (the caller's submissions in the order
asked, not_found entries for the others). Fixtures: conftest.py; the error and
header checks are test_api.py's.
"""

import time
import uuid

import pytest

from test_api import _int_header, assert_error, insert_submissions, is_uuid

BATCH = "/api/v1/execute/batch"
LIST = "/api/v1/execute?ids="


def item(source="print(1)", language="python", stdin=None):
    body = {"language": language, "source_code": source}
    if stdin is not None:
        body["input"] = stdin
    return body


def post_batch(stack, token, items, query=""):
    return stack.http("POST", BATCH + query, json={"submissions": items}, token=token)


def get_ids(stack, token, ids):
    return stack.http("GET", LIST + ",".join(ids), token=token)


def created(stack, user):
    """The user's submissions: rows in the table, and the total that GET /submissions tells."""
    (rows,), = stack.db("SELECT count(*) FROM code_submissions WHERE user_id = %s", (user.user_id,))
    r = stack.http("GET", "/api/v1/submissions", token=user.token)
    assert r.status == 200, r
    assert r.json["pagination"]["total"] == rows
    return rows


def fresh_window():
    """Not within 8 s of the end of a one-minute window: counts taken now stay in one window."""
    left = 60 - time.time() % 60
    if left < 8:
        time.sleep(left + 0.5)


def limited_user(stack, tier, rpm, max_concurrent):
    stack.db("INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent) "
             "VALUES (%s, %s, %s) ON CONFLICT (tier) DO NOTHING", (tier, rpm, max_concurrent))
    return stack.new_user(tier=tier)


# --- POST /execute/batch -----------------------------------------------------------------

def test_batch_of_three_runs_in_order(stack):
    u = stack.worker_user("it_batch")
    programs = [item("print('one')"),
                item("import sys\nprint(sys.stdin.read().upper(), end='')", stdin="two\n"),
                item("console.log(1 + 2)", language="javascript")]
    r = post_batch(stack, u.token, programs)
    assert r.status == 202, r
    assert list(r.json) == ["submissions"]
    subs = r.json["submissions"]
    assert len(subs) == 3
    for s in subs:
        assert set(s) == {"submission_id", "status"} and s["status"] == "queued"
        assert is_uuid(s["submission_id"])
    ids = [s["submission_id"] for s in subs]
    assert len(set(ids)) == 3
    results = [stack.wait_final(u.token, i, timeout=120) for i in ids]
    assert [res["status"] for res in results] == ["completed"] * 3, results
    assert [res["stdout"] for res in results] == ["one\n", "TWO\n", "3\n"]
    assert [res["language"] for res in results] == ["python", "python", "javascript"]
    # the same items, in the same order, as GET ?ids= tells them
    r = get_ids(stack, u.token, ids)
    assert r.status == 200, r
    assert r.json == {"submissions": results}


def test_bad_items_create_nothing(stack):
    u = stack.new_user()
    too_big = "#" * 65537
    r = post_batch(stack, u.token, [item(), item(language="cobol"), item(too_big)])
    assert_error(r, 400, "validation_failed")
    assert r.json["message"] == "submissions[1].language: language 'cobol' is not supported"
    assert created(stack, u) == 0

    r = post_batch(stack, u.token, [item(), item(language="py thon"), item(too_big)])
    assert_error(r, 400, "validation_failed")
    assert r.json["message"].startswith("submissions[1].language: ")

    # the first invalid item decides, with the answer POST /execute would give it
    r = post_batch(stack, u.token, [item(), item(), item(too_big), item(language="cobol")])
    assert_error(r, 413, "payload_too_large")
    assert r.json["message"] == "submissions[2].source_code: source_code is larger than 65536 bytes"

    for items, message in (
            ([item(), "print(1)"], "submissions[1]: must be an object"),
            ([item(), {"language": "python"}], "submissions[1].source_code: field 'source_code' is required"),
            ([item(source="")], "submissions[0].source_code: source_code must not be empty"),
            ([item(), item(stdin=5)], "submissions[1].input: field 'input' must be a string")):
        r = post_batch(stack, u.token, items)
        assert_error(r, 400, "validation_failed")
        assert r.json["message"] == message
    assert created(stack, u) == 0


def test_item_count_limits(stack):
    u = stack.new_user()
    r = post_batch(stack, u.token, [item()] * 21)
    assert_error(r, 400, "validation_failed")
    assert "20" in r.json["message"] and "21" in r.json["message"]
    r = post_batch(stack, u.token, [])
    assert_error(r, 400, "validation_failed")
    assert "1 to 20" in r.json["message"]
    for body in ({}, {"submissions": None}, {"submissions": item()}, {"submissions": "x"}):
        r = stack.http("POST", BATCH, json=body, token=u.token)
        assert_error(r, 400, "validation_failed")
        assert "submissions" in r.json["message"]
    assert created(stack, u) == 0
    # 20 is allowed
    u = stack.worker_user("it_batch")
    r = post_batch(stack, u.token, [item("print(%d)" % i) for i in range(20)])
    assert r.status == 202, r
    assert len(r.json["submissions"]) == 20
    assert created(stack, u) == 20


def test_whole_body_limit(stack):
    u = stack.new_user()
    # 20 inputs of 110,000 bytes: each item within its limits, the body over 2 MiB
    r = post_batch(stack, u.token, [item(stdin="x" * 110000)] * 20)
    assert_error(r, 413, "payload_too_large")
    assert created(stack, u) == 0


def test_batch_is_never_held(stack):
    u = stack.new_user()
    for q in ("?wait=true", "?wait=1"):
        r = post_batch(stack, u.token, [item()], query=q)
        assert_error(r, 400, "validation_failed")
        assert r.json["message"] == "wait is not supported for batches"
    assert_error(post_batch(stack, u.token, [item()], query="?wait=maybe"), 400, "validation_failed")
    assert created(stack, u) == 0
    r = post_batch(stack, u.token, [item()], query="?wait=false")
    assert r.status == 202, r
    assert created(stack, u) == 1


def test_rate_limit_headers_count_each_item(stack):
    fresh_window()
    u = stack.new_user()
    r = stack.http("GET", "/api/v1/submissions", token=u.token)
    assert _int_header(r, "X-RateLimit-Remaining") == 60
    r = post_batch(stack, u.token, [item(), item(), item()])
    assert r.status == 202, r
    assert _int_header(r, "X-RateLimit-Limit") == 60
    assert _int_header(r, "X-RateLimit-Remaining") == 57
    assert 1 <= _int_header(r, "X-RateLimit-Reset") <= 60
    r = stack.http("GET", "/api/v1/submissions", token=u.token)
    assert _int_header(r, "X-RateLimit-Remaining") == 57
    # a batch refused for a bad item stays counted, as POST /execute's 400 does
    r = post_batch(stack, u.token, [item(), item(language="cobol")])
    assert_error(r, 400, "validation_failed")
    assert _int_header(r, "X-RateLimit-Remaining") == 55
    # a body whose items cannot be read counts once
    r = post_batch(stack, u.token, [item()] * 21)
    assert_error(r, 400, "validation_failed")
    assert _int_header(r, "X-RateLimit-Remaining") == 54


def test_per_minute_budget_counts_items(stack):
    fresh_window()
    u = limited_user(stack, "it_batch_rpm5", 5, 100)
    r = post_batch(stack, u.token, [item()] * 3)
    assert r.status == 202, r
    assert _int_header(r, "X-RateLimit-Remaining") == 2
    r = post_batch(stack, u.token, [item()] * 3)        # 3 + 3 > 5
    assert_error(r, 429, "rate_limited")
    assert 1 <= _int_header(r, "Retry-After") <= 60
    assert _int_header(r, "X-RateLimit-Remaining") == 2  # the refused batch counts nothing
    assert created(stack, u) == 3
    r = post_batch(stack, u.token, [item()] * 2)
    assert r.status == 202, r
    assert _int_header(r, "X-RateLimit-Remaining") == 0
    assert created(stack, u) == 5
    # the rate limit comes before the media type (API.md's order)
    r = stack.http("POST", BATCH, body=b"not json", token=u.token,
                   headers={"Content-Type": "text/plain"})
    assert_error(r, 429, "rate_limited")


def test_concurrency_limit_counts_items(stack):
    u = limited_user(stack, "it_batch_conc3", 1000, 3)
    # one unfinished submission, held by a lease no worker takes over
    sid, = insert_submissions(stack.db, u.user_id, 1, status="running")
    stack.db("UPDATE code_submissions SET lease_owner = 'it-test', attempts = 1, "
             "lease_until = now() + interval '1 hour', execution_started_at = now() "
             "WHERE submission_id = %s", (sid,))
    try:
        r = post_batch(stack, u.token, [item()] * 3)     # 1 + 3 > 3
        assert_error(r, 429, "rate_limited")
        assert "at most 3" in r.json["message"]
        assert _int_header(r, "Retry-After") >= 1
        assert created(stack, u) == 1
        r = post_batch(stack, u.token, [item()] * 2)     # 1 + 2 = 3
        assert r.status == 202, r
        assert created(stack, u) == 3
    finally:
        stack.db("UPDATE code_submissions SET status = 'internal_error', lease_owner = NULL, "
                 "lease_until = NULL, execution_completed_at = now() WHERE submission_id = %s",
                 (sid,))


def test_batch_routes_and_auth(stack):
    r = stack.http("POST", BATCH, json={"submissions": [item()]})
    assert_error(r, 401, "unauthorized")
    r = stack.http("GET", "/api/v1/execute?ids=" + str(uuid.uuid4()))
    assert_error(r, 401, "unauthorized")
    r = stack.http("GET", "/api/v1/execute?ids=nope")   # authentication before validation
    assert_error(r, 401, "unauthorized")
    u = stack.new_user()
    r = stack.http("GET", BATCH, token=u.token)          # not the submission "batch"
    assert_error(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "POST"
    r = stack.http("PUT", "/api/v1/execute", token=u.token)
    assert_error(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers.get("Allow").split(",")} == {"GET", "POST"}
    r = stack.http("POST", BATCH, body=b'{"submissions": []}', token=u.token,
                   headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    r = stack.http("POST", BATCH, body=b'{"submissions": [', token=u.token,
                   headers={"Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")


# --- GET /execute?ids= -------------------------------------------------------------------

def test_get_ids_in_order_with_not_found(stack):
    fresh_window()
    a, b = stack.new_user(), stack.new_user()
    mine = [s["submission_id"] for s in post_batch(stack, a.token, [item()] * 3).json["submissions"]]
    theirs = post_batch(stack, b.token, [item()]).json["submissions"][0]["submission_id"]
    unknown = str(uuid.uuid4())
    asked = [mine[2], theirs, mine[0], unknown, mine[1].upper()]
    r = get_ids(stack, a.token, asked)
    assert r.status == 200, r
    assert list(r.json) == ["submissions"]
    got = r.json["submissions"]
    assert [g["submission_id"] for g in got] == [mine[2], theirs, mine[0], unknown, mine[1]]
    assert got[1] == {"submission_id": theirs, "error": "not_found"}
    assert got[3] == {"submission_id": unknown, "error": "not_found"}
    for g, sid in ((got[0], mine[2]), (got[2], mine[0]), (got[4], mine[1])):
        assert "error" not in g
        one = stack.http("GET", "/api/v1/execute/" + sid, token=a.token).json
        assert set(g) == set(one)
        assert (g["language"], g["submitted_at"]) == (one["language"], one["submitted_at"])
    assert _int_header(r, "X-RateLimit-Remaining") == 57      # reads are not charged
    # %2C as the separator, as an encoding client sends it
    r = stack.http("GET", LIST + "%2C".join(mine), token=a.token)
    assert [g["submission_id"] for g in r.json["submissions"]] == mine
    # the other user sees theirs, and not_found for a's
    r = get_ids(stack, b.token, [mine[0], theirs])
    assert r.json["submissions"][0] == {"submission_id": mine[0], "error": "not_found"}
    assert r.json["submissions"][1]["submission_id"] == theirs


@pytest.mark.parametrize("query,words", [
    ("", "ids is required"),
    ("?ids=", "1 to 20"),
    ("?ids=nope", "ids[0] 'nope' is not a UUID"),
    ("?ids={u},{u}", "ids[1] repeats ids[0]"),
    ("?ids={u},", "ids[1] is empty"),
    pytest.param("?ids=" + ",".join(str(uuid.uuid4()) for _ in range(21)), "at most 20",
                 id="21-ids"),
    pytest.param("?ids=" + ",".join(str(uuid.uuid4()) for _ in range(120)), "at most 20",
                 id="120-ids"),
])
def test_get_ids_bad(stack, query, words):
    u = stack.new_user()
    r = stack.http("GET", "/api/v1/execute" + query.replace("{u}", str(uuid.uuid4())), token=u.token)
    assert_error(r, 400, "validation_failed")
    assert words in r.json["message"], r.json
    assert _int_header(r, "X-RateLimit-Limit") == 60


def test_get_twenty_ids(stack):
    u = stack.worker_user("it_batch")
    ids = [s["submission_id"] for s in
           post_batch(stack, u.token, [item("print(%d)" % i) for i in range(20)]).json["submissions"]]
    r = get_ids(stack, u.token, ids[::-1])
    assert r.status == 200, r
    assert [g["submission_id"] for g in r.json["submissions"]] == ids[::-1]
    assert all(g["language"] == "python" for g in r.json["submissions"])
