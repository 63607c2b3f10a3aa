"""
Test cases, output comparison and multi-file programs (issue 12, items 1-3 and
6-7), through nginx against the real stack: a program is compiled once and run
once per case, each case in a clean sandbox; every verdict comes from a real
program; the comparison modes at their edges; files beside the entry file,
with strictly checked names; each case's full output at /tests/{n}; and every
bad request a 400 (or 413) that names what is wrong, with nothing created.
"""

import re

import pytest

# C++: prints the time it was compiled (__TIME__, to the second) and the sum of its input.
# Ten compiles (~0.25 s each, with the runs and clean-ups between) cannot all
# fall in one second: one __TIME__ across ten cases means one compile.
CPP_SUM = r"""
#include <iostream>
int main() {
    long a = 0, b = 0;
    std::cin >> a >> b;
    std::cout << __TIME__ << "\n" << a + b << "\n";
}
"""

JAVA_SUM = """
import java.util.Scanner;
public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(Helper.twice(a + b) / 2);
        // when its class file was written (ms): the same in every case if javac ran once
        System.err.println(new java.io.File("Main.class").lastModified());
    }
}
"""
JAVA_HELPER = "class Helper { static long twice(long x) { return 2 * x; } }\n"

# Each input line names what the case does.
PY_ACTS = r"""
import os, sys, time
act = sys.stdin.read().strip()
if act == "ok":
    print("ok")
elif act == "wrong":
    print("not ok")
elif act == "sleep":
    time.sleep(5)
elif act == "grow":
    a = []
    for _ in range(40):
        a.append(bytearray(16 * 1024 * 1024))
        for i in range(0, len(a[-1]), 4096):
            a[-1][i] = 1
elif act == "flood":
    sys.stdout.write("x" * (10 * 1024 * 1024))
elif act == "crash":
    sys.exit(3)
elif act == "write":
    open("/work/left.txt", "w").write("x")
    open("/tmp/left.txt", "w").write("x")
    os.mkdir("/work/newdir")
    open("/work/newdir/f", "w").write("x")
    open("/dev/shm/left", "w").write("x")
    print("wrote")
elif act == "look":
    left = [p for p in ("/work/left.txt", "/tmp/left.txt", "/work/newdir", "/dev/shm/left")
            if os.path.exists(p)]
    print("left:", left, sorted(os.listdir("/work")))
elif act == "spawn":
    if os.fork() == 0:
        os.setsid()
        time.sleep(30)
        os._exit(0)
    print("spawned")
elif act == "procs":
    mine = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    names = sorted(open("/proc/%s/comm" % p).read().strip() for p in mine
                   if os.path.exists("/proc/%s/comm" % p))
    print("procs:", names)
"""


@pytest.fixture(scope="module")
def user(stack):
    return stack.worker_user("judge")


def count(stack, user):
    (n,), = stack.db("SELECT count(*) FROM code_submissions WHERE user_id = %s",
                     (user.user_id,))
    return n


def submit(stack, user, expect=(200, 202), **fields):
    r = stack.http("POST", "/api/v1/execute?wait=true", token=user.token, json=fields,
                   timeout=120)
    assert r.status in expect, r
    return r


def judge(stack, user, **fields):
    r = submit(stack, user, **fields)
    return stack.wait_final(user.token, r.json["submission_id"], 120)


def verdicts(res):
    return [t["verdict"] for t in res["test_results"]]


def test_cpp_ten_cases_compile_once(stack, user):
    cases = [{"name": "case %d" % i, "input": "%d %d" % (i, i * 10),
              "expected_output": "%d" % (i * 11)} for i in range(10)]
    res = judge(stack, user, language="cpp", source_code=CPP_SUM, test_cases=cases,
                compare="tokens")
    assert res["status"] == "completed", res
    # every case prints the compile time first, so tokens never match whole: read the sums
    sums = [t["stdout"].split()[1] for t in res["test_results"]]
    assert sums == ["%d" % (i * 11) for i in range(10)], res["test_results"]
    stamps = {t["stdout"].split()[0] for t in res["test_results"]}
    assert len(stamps) == 1, "compiled more than once: %s" % stamps
    assert [t["name"] for t in res["test_results"]] == [c["name"] for c in cases]
    assert [t["index"] for t in res["test_results"]] == list(range(10))
    assert res["tests_total"] == 10 and res["tests_passed"] == 0
    assert set(verdicts(res)) == {"wrong_answer"}, verdicts(res)


def test_cpp_cases_accepted(stack, user):
    src = "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"
    cases = [{"input": "%d %d\n" % (i, 2 * i), "expected_output": "%d\n" % (3 * i)}
             for i in range(10)]
    cases[4]["expected_output"] = "13\n"	# 12 is right: a wrong expectation
    res = judge(stack, user, language="cpp", source_code=src, test_cases=cases)
    assert res["status"] == "completed", res
    assert res["tests_passed"] == 9 and res["tests_total"] == 10, res
    assert res["verdict"] == "wrong_answer"
    assert verdicts(res)[4] == "wrong_answer" and verdicts(res).count("accepted") == 9
    # the submission's own output is the first failing case's
    assert res["stdout"] == "12\n"


def test_java_ten_cases_with_a_second_file(stack, user):
    cases = [{"input": "%d %d" % (i, 1), "expected_output": "%d" % (i + 1)} for i in range(10)]
    res = judge(stack, user, language="java", source_code=JAVA_SUM, test_cases=cases,
                files=[{"name": "Helper.java", "content": JAVA_HELPER}])
    assert res["status"] == "completed", res
    assert res["verdict"] == "accepted" and res["tests_passed"] == 10, res["test_results"]
    stamps = {t["stderr"] for t in res["test_results"]}
    assert len(stamps) == 1 and int(stamps.pop()) > 0, res["test_results"]


def test_every_verdict_from_a_real_program(stack, user):
    acts = ["ok", "wrong", "sleep", "grow", "flood", "crash", "ok"]
    res = judge(stack, user, language="python", source_code=PY_ACTS, time_limit_ms=1500,
                memory_limit_mb=128,
                test_cases=[{"input": a, "expected_output": "ok\n"} for a in acts])
    assert verdicts(res) == ["accepted", "wrong_answer", "time_limit_exceeded",
                             "memory_limit_exceeded", "output_limit_exceeded",
                             "runtime_error", "accepted"], res["test_results"]
    t = res["test_results"]
    assert [x["status"] for x in t] == ["completed", "completed", "timeout",
                                        "memory_limit_exceeded", "output_limit_exceeded",
                                        "failed", "completed"]
    assert t[5]["exit_code"] == 3 and t[2]["exit_signal"] == 9
    assert res["verdict"] == "wrong_answer" and res["tests_passed"] == 2
    # the submission: the first failing case's status; the largest time of all
    assert res["status"] == "completed"
    assert res["execution_time_ms"] >= 1500
    # a case without an expected output is judged by its status alone
    res = judge(stack, user, language="python", source_code=PY_ACTS,
                test_cases=[{"input": "wrong"}, {"input": "crash"}])
    assert verdicts(res) == ["accepted", "runtime_error"], res


def test_compilation_error_is_every_case(stack, user):
    res = judge(stack, user, language="cpp", source_code="int main( {",
                test_cases=[{"input": "1"}, {"input": "2"}])
    assert res["status"] == "failed" and res["compilation_error"], res
    assert verdicts(res) == ["compilation_error"] * 2
    assert res["verdict"] == "compilation_error" and res["tests_passed"] == 0


def test_stop_on_first_failure_skips_the_rest(stack, user):
    cases = [{"input": "ok", "expected_output": "ok"}, {"input": "crash"},
             {"input": "ok", "expected_output": "ok"}, {"input": "ok"}]
    res = judge(stack, user, language="python", source_code=PY_ACTS, test_cases=cases,
                stop_on_first_failure=True)
    assert verdicts(res) == ["accepted", "runtime_error", "skipped", "skipped"], res
    skipped = res["test_results"][2]
    assert skipped["status"] is None and skipped["stdout"] is None, skipped
    assert res["verdict"] == "runtime_error" and res["status"] == "failed"
    # and without it, every case runs
    res = judge(stack, user, language="python", source_code=PY_ACTS, test_cases=cases)
    assert verdicts(res) == ["accepted", "runtime_error", "accepted", "accepted"], res


def test_nothing_of_one_case_is_seen_by_the_next(stack, user):
    res = judge(stack, user, language="python", source_code=PY_ACTS,
                test_cases=[{"input": "write"}, {"input": "look"}, {"input": "spawn"},
                            {"input": "procs"}])
    out = [t["stdout"] for t in res["test_results"]]
    assert out[0] == "wrote\n", res
    assert out[1] == "left: [] ['main.py']\n", out
    assert out[2] == "spawned\n"
    # the process the spawning case left behind is gone (the looking case is not listed)
    assert "python" not in out[3] and "sleep" not in out[3], out


@pytest.mark.parametrize("mode,extra,got,want,ok", [
    ("lines", {}, "1 \r\n2\r\n\r\n", "1\n2", True),
    ("lines", {}, "1\n2\n", " 1\n2\n", False),
    ("exact", {}, "1\r\n", "1\n", False),
    ("exact", {}, "a b\n", "a b\n", True),
    ("tokens", {}, "1   2\n\n3", "1 2 3\n", True),
    ("tokens", {}, "1 2", "1 2 3", False),
    ("float", {"epsilon": 1e-6}, "0.333333334\n", "0.333333333", True),
    ("float", {"epsilon": 1e-12}, "0.333333334\n", "0.333333333", False),
    ("float", {}, "1.0000000001 abc", "1 abc", True),
    ("float", {}, "1.1", "1", False),
])
def test_comparison_modes_at_their_edges(stack, user, mode, extra, got, want, ok):
    src = "import sys\nsys.stdout.write(sys.stdin.read())\n"
    res = judge(stack, user, language="python", source_code=src, compare=mode,
                test_cases=[{"input": got, "expected_output": want}], **extra)
    assert verdicts(res) == ["accepted" if ok else "wrong_answer"], res


def test_a_multi_file_python_program(stack, user):
    src = "from pkg.util import greet\nfrom pkg.deep.a.b import value\nprint(greet(), value)\n"
    res = judge(stack, user, language="python", source_code=src, files=[
        {"name": "pkg/__init__.py", "content": ""},
        {"name": "pkg/util.py", "content": "def greet():\n    return 'hello'\n"},
        {"name": "pkg/deep/a/b.py", "content": "value = 42\n"}])
    assert res["status"] == "completed" and res["stdout"] == "hello 42\n", res
    assert "test_results" not in res and "verdict" not in res, res


def test_a_multi_file_cpp_program(stack, user):
    res = judge(stack, user, language="cpp",
                source_code='#include <iostream>\n#include "lib/add.h"\n'
                            'int main(){std::cout<<add(2,3)<<"\\n";}\n',
                files=[{"name": "lib/add.h", "content": "int add(int, int);\n"},
                       {"name": "lib/add.cpp", "content": "int add(int a, int b){return a+b;}\n"}])
    assert res["status"] == "completed" and res["stdout"] == "5\n", res


def test_full_output_of_a_case(stack, user):
    src = "print('y' * 20000)\n"
    res = judge(stack, user, language="python", source_code=src,
                test_cases=[{"input": ""}, {"input": ""}])
    listed = res["test_results"][1]
    assert len(listed["stdout"]) == 8192 and listed["stdout_bytes"] == 20001, listed
    r = stack.http("GET", "/api/v1/execute/%s/tests/1" % res["submission_id"],
                   token=user.token)
    assert r.status == 200, r
    assert r.json["stdout"] == "y" * 20000 + "\n" and r.json["index"] == 1
    assert r.json["verdict"] == "accepted"
    for path, status in (("tests/2", 404), ("tests/-1", 400), ("tests/x", 400),
                         ("tests/99999999999999999", 400)):
        r = stack.http("GET", "/api/v1/execute/%s/%s" % (res["submission_id"], path),
                       token=user.token)
        assert r.status == status, (path, r)
    # someone else's submission is not found
    other = stack.worker_user("judge_other")
    r = stack.http("GET", "/api/v1/execute/%s/tests/0" % res["submission_id"],
                   token=other.token)
    assert r.status == 404, r


def test_results_of_a_batch_carry_their_cases(stack, user):
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token, json={"submissions": [
        {"language": "python", "source_code": "print(input())",
         "test_cases": [{"input": "a", "expected_output": "a"}]},
        {"language": "python", "source_code": "print(1)"}]})
    assert r.status == 202, r
    ids = [s["submission_id"] for s in r.json["submissions"]]
    for i in ids:
        stack.wait_final(user.token, i, 60)
    r = stack.http("GET", "/api/v1/execute?ids=%s" % ",".join(ids), token=user.token)
    assert r.status == 200, r
    a, b = r.json["submissions"]
    assert a["verdict"] == "accepted" and a["test_results"][0]["stdout"] == "a\n", a
    assert "test_results" not in b


PY = {"language": "python", "source_code": "print(1)"}


@pytest.mark.parametrize("fields,status,words", [
    ({"test_cases": []}, 400, "test_cases must have 1 to 64 items"),
    ({"test_cases": [{}] * 65}, 400, "not 65"),
    ({"test_cases": [{"input": 1}]}, 400, "test_cases[0].input must be a string"),
    ({"test_cases": [{}], "input": "x"}, 400, "cannot both be given"),
    ({"test_cases": [{}], "compare": "regex"}, 400, "compare must be one of"),
    ({"test_cases": [{}], "epsilon": 0.1}, 400, "'float' only"),
    ({"compare": "exact"}, 400, "needs test_cases"),
    ({"test_cases": [{"input": "x" * ((1 << 20) + 1)}]}, 413, "more than 1048576"),
    ({"test_cases": [{}] * 64, "time_limit_ms": 5000}, 400, "max_test_work_seconds"),
    ({"files": [{"name": "../evil.py", "content": ""}]}, 400, "'../evil.py'"),
    ({"files": [{"name": "/etc/passwd", "content": ""}]}, 400, "must be relative"),
    ({"files": [{"name": "-rf", "content": ""}]}, 400, "'-rf'"),
    ({"files": [{"name": "a\u0000b", "content": ""}]}, 400, "files[0].name"),
    ({"files": [{"name": "a b.py", "content": ""}]}, 400, "character"),
    ({"files": [{"name": "a/b/c/d/e/f.py", "content": ""}]}, 400, "4 directory levels"),
    ({"files": [{"name": "x.py", "content": ""}, {"name": "x.py", "content": ""}]}, 400,
     "collides"),
    ({"files": [{"name": "main.py", "content": ""}]}, 400, "entry file 'main.py'"),
    ({"files": [{"name": "main.py/x.py", "content": ""}]}, 400, "entry file"),
    ({"files": [{"name": "f%d.py" % i, "content": ""} for i in range(33)]}, 400, "0 to 32"),
    ({"files": [{"name": "big.py", "content": "#" * 65536}]}, 413, "source_code and files"),
])
def test_bad_requests_are_refused_and_nothing_is_created(stack, user, fields, status, words):
    before = count(stack, user)
    body = dict(PY, **fields)
    r = stack.http("POST", "/api/v1/execute", token=user.token, json=body)
    assert r.status == status, r
    assert words in r.json["message"], r.json
    assert count(stack, user) == before
    # the same in a batch: the index is named, nothing of the batch is created
    r = stack.http("POST", "/api/v1/execute/batch", token=user.token,
                   json={"submissions": [PY, body]})
    assert r.status == status, r
    assert r.json["message"].startswith("submissions[1]."), r.json
    assert count(stack, user) == before


def test_stored_cases_and_files(stack, user):
    """The rows behind it: one a case and one a file, written with the submission."""
    res = judge(stack, user, language="python", source_code="import m\nprint(input())",
                files=[{"name": "m.py", "content": "pass"}],
                test_cases=[{"name": "nul", "input": "a\u0000b", "expected_output": "a\u0000b"}])
    rows = stack.db("SELECT case_index, name, input_data, expected_output "
                    "FROM submission_test_cases WHERE submission_id = %s",
                    (res["submission_id"],))
    assert [(i, n, bytes(a), bytes(b)) for i, n, a, b in rows] == [(0, "nul", b"a\0b", b"a\0b")]
    assert stack.db("SELECT name, content FROM submission_files WHERE submission_id = %s",
                    (res["submission_id"],)) == [("m.py", "pass")]
    (n,), = stack.db("SELECT count(*) FROM test_results WHERE submission_id = %s",
                     (res["submission_id"],))
    assert n == 1
    assert verdicts(res) == ["accepted"], res
    assert re.fullmatch(r"a\x00b\n", res["test_results"][0]["stdout"]), res
