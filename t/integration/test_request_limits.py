"""
Per-request limits (issue 12, item 4), through nginx against the real stack:
`time_limit_ms` and `memory_limit_mb` in POST /execute (and in a batch item)
lower the language's limits for that submission only; the sandbox applies them
(the run's wall-clock timer; the container's memory cgroup, so a program is
killed at the request's limit, not the language's); GET says under which limits
such a submission ran (time_limit_ms and memory_limit_mb, both, only for a
submission that asked for a limit: any other document is API.md's, field for
field); a limit above the language's cap, below the floor or not a
whole number is a 400 that names the field, and nothing is created.
"""

import pytest

from conftest import FINAL  # noqa: F401  (the statuses a result may end in)

SLEEP = "import time\nprint('started', flush=True)\ntime.sleep(3)\nprint('late')\n"
# allocates and touches 16 MiB at a time, 96 MiB in all, then says so
GROW = ("a = []\nfor _ in range(6):\n    a.append(bytearray(16 * 1024 * 1024))\n"
        "    for i in range(0, len(a[-1]), 4096):\n        a[-1][i] = 1\nprint('grew')\n")


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user("request_limits")


def caps(stack, lang):
    (t, m), = stack.db("SELECT timeout_seconds * 1000, max_memory_mb FROM language_configs "
                       "WHERE language_id = %s", (lang,))
    return t, m


def count(stack, user):
    (n,), = stack.db("SELECT count(*) FROM code_submissions WHERE user_id = %s",
                     (user.user_id,))
    return n


def run(stack, user, **fields):
    body = {"language": "python"}
    body.update(fields)
    r = stack.http("POST", "/api/v1/execute?wait=true", token=user.token, json=body, timeout=60)
    assert r.status in (200, 202), r
    return stack.wait_final(user.token, r.json["submission_id"], 60)


def test_time_limit_of_a_request(stack, user):
    res = run(stack, user, source_code=SLEEP, time_limit_ms=700)
    assert res["status"] == "timeout", res
    assert res["runtime_error"] == "time limit exceeded (700 ms)", res
    assert res["stdout"] == "started\n"
    assert 700 <= res["execution_time_ms"] < 2500, res
    assert res["time_limit_ms"] == 700
    assert res["memory_limit_mb"] == caps(stack, "python")[1]
    # the same program under the language's own limit finishes
    res = run(stack, user, source_code=SLEEP)
    assert res["status"] == "completed" and res["stdout"] == "started\nlate\n", res
    assert "time_limit_ms" not in res and "memory_limit_mb" not in res, res


def test_memory_limit_of_a_request(stack, user):
    assert caps(stack, "python")[1] >= 128, "the test needs python's cap above 96 MiB"
    res = run(stack, user, source_code=GROW, memory_limit_mb=64)
    assert res["status"] == "memory_limit_exceeded", res
    assert res["exit_signal"] == 9, res
    assert res["memory_limit_mb"] == 64
    assert res["time_limit_ms"] == caps(stack, "python")[0]
    assert "grew" not in res["stdout"]
    # under the language's cap the same program grows to the end
    res = run(stack, user, source_code=GROW)
    assert res["status"] == "completed" and res["stdout"] == "grew\n", res


@pytest.mark.parametrize("fields,field,words", [
    ({"time_limit_ms": "caps+1"}, "time_limit_ms", "cap"),
    ({"memory_limit_mb": "caps+1"}, "memory_limit_mb", "cap"),
    ({"memory_limit_mb": 16}, "memory_limit_mb", "between 32"),
    ({"time_limit_ms": 0}, "time_limit_ms", "between 1"),
    ({"time_limit_ms": 1.5}, "time_limit_ms", "whole number"),
    ({"time_limit_ms": "500"}, "time_limit_ms", "whole number"),
    ({"memory_limit_mb": True}, "memory_limit_mb", "whole number"),
    ({"time_limit_ms": 10 ** 12}, "time_limit_ms", "between"),
])
def test_bad_limits_are_refused_and_nothing_is_created(stack, user, fields, field, words):
    t, m = caps(stack, "python")
    body = {"language": "python", "source_code": "print(1)"}
    for k, v in fields.items():
        body[k] = {"time_limit_ms": t + 1, "memory_limit_mb": m + 1}[k] if v == "caps+1" else v
    before = count(stack, user)
    r = stack.http("POST", "/api/v1/execute", token=user.token, json=body)
    assert r.status == 400, r
    assert r.json["error"] == "validation_failed"
    assert field in r.json["message"] and words in r.json["message"], r.json
    if words == "cap":
        assert str(t if field == "time_limit_ms" else m) in r.json["message"]
    assert count(stack, user) == before


def test_a_batch_item_above_the_cap_names_its_index(stack, user):
    t, _ = caps(stack, "python")
    before = count(stack, user)
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token, json={"submissions": [
        {"language": "python", "source_code": "print(1)", "time_limit_ms": 500},
        {"language": "python", "source_code": "print(2)", "time_limit_ms": t + 1}]})
    assert r.status == 400, r
    assert r.json["message"].startswith("submissions[1].time_limit_ms"), r.json
    assert count(stack, user) == before
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token, json={"submissions": [
        {"language": "python", "source_code": "print(1)", "time_limit_ms": 500,
         "memory_limit_mb": 64}]})
    assert r.status == 202, r
    res = stack.wait_final(user.token, r.json["submissions"][0]["submission_id"], 60)
    assert (res["status"], res["time_limit_ms"], res["memory_limit_mb"]) == ("completed", 500, 64)
