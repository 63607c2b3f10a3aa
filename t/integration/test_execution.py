"""
Execution end to end: POST /execute through nginx and the API, the real worker,
real dockerd and the language images, and the result read back with GET.

Each case asserts the exact status and result fields of API.md. Runs that hit a
limit also assert that the whole submission ended within the limit plus a margin.
The fault cases (kill -9 of the worker, dockerd stopped and started) come last
in this file and leave the stack as they found it.
"""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import docker_ping, pid_alive

LANGS = ["python", "javascript", "java", "cpp", "c"]

HELLO = {
    "python": 'print("Hello, World!")\nprint(sum([1, 2, 3, 4, 5]))\n',
    "javascript": 'console.log("Hello, World!");\nconsole.log([1, 2, 3, 4, 5].reduce((a, b) => a + b));\n',
    "java": 'public class Main {\n  public static void main(String[] a) {\n'
            '    System.out.println("Hello, World!");\n    System.out.println(15);\n  }\n}\n',
    "cpp": '#include <iostream>\nint main() { std::cout << "Hello, World!\\n" << 15 << std::endl; }\n',
    "c": '#include <stdio.h>\nint main(void) { printf("Hello, World!\\n%d\\n", 15); return 0; }\n',
}

ECHO = {
    "python": "import sys\nsys.stdout.write(sys.stdin.read())\n",
    "javascript": "process.stdin.pipe(process.stdout);\n",
    "java": "import java.io.*;\npublic class Main {\n  public static void main(String[] a) throws Exception {\n"
            "    System.in.transferTo(System.out);\n  }\n}\n",
    "cpp": "#include <iostream>\nint main() { std::cout << std::cin.rdbuf(); }\n",
    "c": "#include <stdio.h>\nint main(void) { int c; while ((c = getchar()) != EOF) putchar(c); return 0; }\n",
}

EXIT3 = {
    "python": "import sys\nprint('before')\nsys.exit(3)\n",
    "javascript": "console.log('before');\nprocess.exit(3);\n",
    "java": "public class Main {\n  public static void main(String[] a) {\n"
            "    System.out.println(\"before\");\n    System.exit(3);\n  }\n}\n",
    "cpp": "#include <cstdio>\nint main() { std::puts(\"before\"); return 3; }\n",
    "c": "#include <stdio.h>\nint main(void) { puts(\"before\"); return 3; }\n",
}

COMPILE_ERROR = {
    "java": "public class Main { public static void main(String[] a) { int x = ; } }\n",
    "cpp": "int main() { undeclared_thing(); }\n",
    "c": "int main(void) { return undeclared; }\n",
}

SEGV = {
    "c": "#include <stdio.h>\nint main(void) { puts(\"before\"); fflush(stdout);\n"
         "  volatile int *p = 0; return *p; }\n",
    "cpp": "#include <cstdio>\nint main() { std::puts(\"before\"); std::fflush(stdout);\n"
           "  volatile int *p = nullptr; return *p; }\n",
}

NULL_FIELDS = ("stdout", "stderr", "compilation_error", "runtime_error", "execution_time_ms",
               "memory_used_kb", "exit_code", "exit_signal", "completed_at")


@pytest.fixture(scope="module")
def runner(stack):
    """Submit and wait: run(lang, src, stdin="") -> (final JSON, seconds from POST to final)."""
    if not stack.has_worker:
        pytest.fail("coderank-worker is not built in %s" % os.path.dirname(stack.worker_bin))
    user = stack.new_user(tier="pro")
    checked = set()

    def submit(lang, src, stdin="", token=None, wait=False):
        if lang not in checked:     # a missing image fails its tests, loudly
            image = stack.db("SELECT docker_image FROM language_configs WHERE language_id = %s",
                             (lang,))[0][0]
            r = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
            assert r.returncode == 0, "image %s is missing: run docker/build-images" % image
            checked.add(lang)
        r = stack.http("POST", "/api/v1/execute" + ("?wait=true" if wait else ""),
                       json={"language": lang, "source_code": src, "input": stdin},
                       token=token or user.token, timeout=120)
        assert r.status in (200, 202), r
        return r

    def run(lang, src, stdin="", timeout=90, token=None):
        t0 = time.monotonic()
        r = submit(lang, src, stdin, token)
        res = stack.wait_final(token or user.token, r.json["submission_id"], timeout)
        return res, time.monotonic() - t0

    run.submit = submit
    run.user = user
    return run


def limits(stack, lang):
    return stack.db("SELECT timeout_seconds, max_memory_mb FROM language_configs "
                    "WHERE language_id = %s", (lang,))[0]


# --- ordinary programs --------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_hello_world(runner, lang):
    res, _ = runner(lang, HELLO[lang])
    assert res["status"] == "completed", res
    assert res["stdout"] == "Hello, World!\n15\n"
    assert res["stderr"] == ""
    assert res["exit_code"] == 0 and res["exit_signal"] is None
    assert res["compilation_error"] is None and res["runtime_error"] is None
    assert isinstance(res["execution_time_ms"], int) and res["execution_time_ms"] >= 0
    assert isinstance(res["memory_used_kb"], int) and res["memory_used_kb"] > 0
    assert res["started_at"] and res["completed_at"]


def test_wait_true_returns_the_result(runner):
    t0 = time.monotonic()
    r = runner.submit("python", HELLO["python"], wait=True)
    elapsed = time.monotonic() - t0
    assert r.status == 200, r
    assert r.json["status"] == "completed" and r.json["stdout"] == "Hello, World!\n15\n"
    print("\npython hello world, POST ?wait=true -> result: %.0f ms" % (elapsed * 1000))


@pytest.mark.parametrize("lang", LANGS)
def test_stdin_echo(runner, lang):
    data = "line one\nzweite Zeile: \u00e9\u00e8\n\u65e5\u672c\n" + "x" * 5000 + "\n"
    res, _ = runner(lang, ECHO[lang], stdin=data)
    assert res["status"] == "completed", res
    assert res["stdout"] == data


@pytest.mark.parametrize("lang", LANGS)
def test_nonzero_exit(runner, lang):
    res, _ = runner(lang, EXIT3[lang])
    assert res["status"] == "failed", res
    assert res["exit_code"] == 3 and res["exit_signal"] is None
    assert res["stdout"] == "before\n"
    assert res["runtime_error"]
    assert res["compilation_error"] is None


def test_python_syntax_error_is_a_runtime_error(runner):
    res, _ = runner("python", "print('unclosed'\n")
    assert res["status"] == "failed", res
    assert res["compilation_error"] is None
    assert "SyntaxError" in res["stderr"]
    assert res["exit_code"] == 1


@pytest.mark.parametrize("lang", sorted(COMPILE_ERROR))
def test_compile_error(runner, lang):
    res, _ = runner(lang, COMPILE_ERROR[lang])
    assert res["status"] == "failed", res
    assert res["compilation_error"], res
    assert "error" in res["compilation_error"]
    assert isinstance(res["exit_code"], int) and res["exit_code"] != 0
    assert res["exit_signal"] is None
    assert res["stdout"] in (None, "")


@pytest.mark.parametrize("lang", sorted(SEGV))
def test_segfault(runner, lang):
    res, _ = runner(lang, SEGV[lang])
    assert res["status"] == "failed", res
    assert res["exit_signal"] == 11 and res["exit_code"] is None
    assert "SIGSEGV" in res["runtime_error"]
    assert res["stdout"] == "before\n"     # output before the crash is kept


def test_a_missing_program_ends_like_a_shell_says_not_found(runner, stack):
    """The runner execs a plain command itself, without /bin/sh: a program that is not
    there still ends as the shell would end it (exit 127, 'not found' on stderr)."""
    stack.db("INSERT INTO language_configs (language_id, display_name, docker_image, "
             "source_file, execute_command, timeout_seconds, compile_timeout_seconds, "
             "max_memory_mb, max_processes) VALUES ('ghost', 'Ghost', 'coderank/python:1', "
             "'main.txt', 'no-such-program main.txt', 5, 5, 128, 16) "
             "ON CONFLICT (language_id) DO UPDATE SET is_active = true")
    try:
        res, _ = runner("ghost", "anything\n")
    finally:
        stack.db("UPDATE language_configs SET is_active = false WHERE language_id = 'ghost'")
    assert res["status"] == "failed", res
    assert res["exit_code"] == 127 and res["exit_signal"] is None, res
    assert res["stderr"] == "no-such-program: not found\n", res


# --- the compile-speed artefacts of the images (docker/<lang>/setup, migration 005) ---

def compile_in_image(stack, lang, src, edit):
    """Run the row's compile command, changed by edit(), in its image; (rc, stderr)."""
    image, source, cmd = stack.db("SELECT docker_image, source_file, compile_command "
                                  "FROM language_configs WHERE language_id = %s", (lang,))[0]
    script = "cat > %s && %s" % (source, edit(cmd))
    r = subprocess.run(["docker", "run", "--rm", "-i", "--network", "none", "--cpus", "1",
                        "--tmpfs", "/work:exec", "-w", "/work", "--entrypoint", "/bin/sh",
                        image, "-c", script], input=src.encode(), capture_output=True,
                       timeout=120)
    return r.returncode, r.stderr.decode(errors="replace")


@pytest.mark.parametrize("first_include", ["iostream", "bits/stdc++.h"])
def test_cpp_compile_command_uses_the_precompiled_header(stack, first_include):
    """g++ -H marks a used PCH with '!': the image's .gch must match the row's flags."""
    src = "#include <%s>\nint main() { std::cout << 1; }\n" % first_include
    rc, err = compile_in_image(stack, "cpp", src, lambda c: c + " -H")
    assert rc == 0, err
    first = err.splitlines()[0]
    assert first.startswith("! ") and first.endswith(first_include + ".gch"), err[:500]


def test_java_compile_command_maps_its_class_archive(stack):
    """-Xshare:on makes the JVM fail when the compile command's CDS archive cannot be used."""
    rc, err = compile_in_image(stack, "java", HELLO["java"],
                               lambda c: c.replace("java ", "java -Xshare:on ", 1))
    assert rc == 0, err


CPP_BEYOND_THE_PCH = {
    # a macro defined before the header: the PCH must be refused, the header parsed
    "macro before": '#define private public\n#include <iostream>\n'
                    'int main() { std::cout << "ok" << std::endl; }\n',
    # another header first: iostream.gch is not usable, the program still builds
    "other first": '#include <vector>\n#include <iostream>\n'
                   'int main() { std::vector<int> v{1}; std::cout << "ok" << v.size() - 1 << std::endl; }\n',
    # a name that the whole of bits/stdc++.h would make ambiguous: nothing is force-included
    "own count": '#include <iostream>\nusing namespace std;\nint count = 5;\n'
                 'int main() { cout << "ok" << count - 5 << endl; }\n',
    "stdc++": '#include <bits/stdc++.h>\nusing namespace std;\n'
              'int main() { vector<int> v{3, 1, 2}; sort(v.begin(), v.end()); '
              'cout << "ok" << v[0] - 1 << endl; }\n',
}


@pytest.mark.parametrize("case", sorted(CPP_BEYOND_THE_PCH))
def test_cpp_programs_around_the_precompiled_headers(runner, case):
    res, _ = runner("cpp", CPP_BEYOND_THE_PCH[case])
    assert res["status"] == "completed", res
    assert res["stdout"] in ("ok\n", "ok0\n"), res


# --- limits ---------------------------------------------------------------------------

def test_timeouts_busy_and_sleep(runner, stack):
    """A busy loop (python) and a sleep (c), run at once: both timeout, on time."""
    margin = 8
    cases = {
        "python": ("print('started', flush=True)\nwhile True:\n    pass\n", "python"),
        "c": ("#include <stdio.h>\n#include <unistd.h>\n"
              "int main(void) { puts(\"started\"); fflush(stdout); sleep(1000); return 0; }\n", "c"),
    }
    results = {}

    def go(name, src, lang):
        results[name] = runner(lang, src, timeout=120)

    threads = [threading.Thread(target=go, args=(n, s, l)) for n, (s, l) in cases.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, (res, elapsed) in results.items():
        limit = limits(stack, name)[0]
        assert res["status"] == "timeout", res
        assert res["exit_signal"] == 9 and res["exit_code"] is None
        assert str(limit) in res["runtime_error"], res["runtime_error"]
        assert res["stdout"] == "started\n"
        assert limit * 1000 <= res["execution_time_ms"] < (limit + 2) * 1000, res
        assert elapsed < limit + margin, "%s took %.1fs" % (name, elapsed)


def test_memory_limit(runner, stack):
    src = ("a = []\nwhile True:\n    a.append(bytearray(16 * 1024 * 1024))\n"
           "    for i in range(0, len(a[-1]), 4096):\n        a[-1][i] = 1\n")
    res, elapsed = runner("python", src)
    assert res["status"] == "memory_limit_exceeded", res
    assert res["exit_signal"] == 9 and res["exit_code"] is None
    assert elapsed < limits(stack, "python")[0] + 10


def test_output_flood(runner, stack):
    res, elapsed = runner("python", "while True:\n    print('y' * 999)\n")
    assert res["status"] == "output_limit_exceeded", res
    out = res["stdout"]
    assert 60000 <= len(out) <= 65536, len(out)
    assert out.startswith("y" * 999 + "\n")    # what came before the cap is kept
    assert set(out) <= {"y", "\n"}
    assert elapsed < limits(stack, "python")[0] + 10
    # the worker is still there and well
    assert stack.worker_running()


def test_binary_and_invalid_utf8_output(runner, stack):
    src = ("import sys\nsys.stdout.buffer.write(b'a\\x00b\\xff\\xfe c\\xc3\\xa9 \\xe2\\x82\\n')\n"
           "sys.stderr.buffer.write(b'\\x1b[31mred\\x00\\n')\n")
    res, _ = runner("python", src)
    assert res["status"] == "completed", res
    assert res["stdout"] == "a\u0000b\ufffd\ufffd c\u00e9 \ufffd\n"
    assert res["stderr"] == "\x1b[31mred\u0000\n"
    # the raw body is strict JSON (no invalid UTF-8 escaped or not)
    r = stack.http("GET", "/api/v1/execute/" + res["submission_id"], token=runner.user.token)
    body = r.body.decode("utf-8")   # raises on invalid UTF-8
    assert json.loads(body)["stdout"] == res["stdout"]
    # the database keeps the exact bytes
    raw = stack.db("SELECT stdout FROM execution_results WHERE submission_id = %s",
                   (res["submission_id"],))[0][0]
    assert bytes(raw) == b"a\x00b\xff\xfe c\xc3\xa9 \xe2\x82\n"


def test_network_is_unreachable(runner):
    src = ("import socket\nfor addr in [('1.1.1.1', 80), ('169.254.169.254', 80), ('127.0.0.1', 5432)]:\n"
           "    s = socket.socket()\n    s.settimeout(3)\n"
           "    try:\n        s.connect(addr)\n        print('CONNECTED', addr)\n"
           "    except OSError as e:\n        print('refused', addr[0], e.errno)\n"
           "try:\n    socket.getaddrinfo('example.com', 80)\n    print('RESOLVED')\n"
           "except OSError:\n    print('no dns')\n")
    res, elapsed = runner("python", src)
    assert res["status"] == "completed", res
    assert "CONNECTED" not in res["stdout"] and "RESOLVED" not in res["stdout"]
    assert res["stdout"].count("refused") == 3 and "no dns" in res["stdout"]
    assert elapsed < 20     # failed at once, not by time-outs


def test_no_container_left_behind(runner, stack):
    res, _ = runner("python", HELLO["python"])
    assert res["status"] == "completed"
    worker_id = stack.db("SELECT lease_owner FROM code_submissions WHERE submission_id = %s",
                         (res["submission_id"],))[0][0]
    deadline = time.time() + 10
    while time.time() < deadline:
        out = subprocess.run(["docker", "ps", "-aq", "--filter",
                              "label=coderank.submission=" + res["submission_id"]],
                             capture_output=True, text=True).stdout.split()
        if not out:
            break
        time.sleep(0.2)
    assert not out, "container of %s (worker %s) still there" % (res["submission_id"], worker_id)


# --- load -----------------------------------------------------------------------------

def test_fifty_submissions_from_several_users(stack, runner):
    users = [stack.new_user(tier="pro") for _ in range(5)]
    jobs = []
    for i in range(50):
        u = users[i % len(users)]
        lang = ["python", "javascript", "c"][i % 3]
        src = {
            "python": "import sys\nprint('job %d', sys.stdin.read())\n" % i,
            "javascript": "let d='';process.stdin.on('data',c=>d+=c).on('end',()=>console.log('job %d', d));\n" % i,
            "c": "#include <stdio.h>\nint main(void){char b[64]={0};fgets(b,sizeof b,stdin);"
                 "printf(\"job %d %%s\\n\", b);return 0;}\n" % i,
        }[lang]
        r = runner.submit(lang, src, stdin="in%d" % i, token=u.token)
        assert r.status == 202, r
        jobs.append((u, r.json["submission_id"], "job %d in%d\n" % (i, i)))
    seen = set()
    for u, sid, want in jobs:
        res = stack.wait_final(u.token, sid, timeout=300)
        assert res["status"] == "completed", res
        assert res["stdout"] == want, (sid, res["stdout"], want)
        seen.add(sid)
    assert len(seen) == 50
    # another user's submission is not visible
    r = stack.http("GET", "/api/v1/execute/" + jobs[0][1], token=users[1].token)
    assert r.status == 404


# --- faults ---------------------------------------------------------------------------

def wait_status(stack, sid, statuses, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = stack.db("SELECT status FROM code_submissions WHERE submission_id = %s", (sid,))[0][0]
        if st in statuses:
            return st
        time.sleep(0.05)
    raise AssertionError("submission %s never reached %s" % (sid, statuses))


def test_kill_9_worker_mid_run_still_completes(stack, runner):
    src = "import time\nprint('start', flush=True)\ntime.sleep(3)\nprint('done')\n"
    r = runner.submit("python", src)
    sid = r.json["submission_id"]
    wait_status(stack, sid, {"running"}, 60)
    time.sleep(1)
    stack.kill_worker(signal.SIGKILL)
    assert not stack.worker_running()
    stack.start_worker()
    res = stack.wait_final(runner.user.token, sid, timeout=120)
    assert res["status"] == "completed", res
    assert res["stdout"] == "start\ndone\n"
    attempts, last_error = stack.db("SELECT attempts, last_error FROM code_submissions "
                                    "WHERE submission_id = %s", (sid,))[0]
    assert attempts == 2 and last_error, (attempts, last_error)
    # the killed worker's container is gone too
    deadline = time.time() + 15
    while time.time() < deadline:
        left = subprocess.run(["docker", "ps", "-aq", "--filter", "label=coderank.submission=" + sid],
                              capture_output=True, text=True).stdout.split()
        if not left:
            break
        time.sleep(0.3)
    assert not left


def test_dockerd_restart_never_stuck(stack, runner):
    """dockerd stopped under a running submission and a queue: all end, none stuck."""
    pid = int(open("/var/run/docker.pid").read().strip())
    running = runner.submit("python", "import time\ntime.sleep(2)\nprint('x')\n").json["submission_id"]
    wait_status(stack, running, {"running"}, 60)
    try:
        os.kill(pid, signal.SIGTERM)
        queued = [runner.submit("python", HELLO["python"]).json["submission_id"] for _ in range(4)]
        deadline = time.time() + 60
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.2)
        time.sleep(3)   # the worker sees dockerd gone
    finally:
        if not docker_ping():
            # A zombie dockerd (its parent has not reaped it) keeps its pid file
            # "alive" and a new dockerd would refuse to start.
            if not pid_alive(pid) and os.path.exists("/var/run/docker.pid"):
                os.unlink("/var/run/docker.pid")
            subprocess.Popen(["dockerd"], stdout=open("/tmp/dockerd.log", "ab"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 60
        while not docker_ping():
            assert time.time() < deadline, "dockerd did not come back"
            time.sleep(0.3)
    for sid in [running] + queued:
        res = stack.wait_final(runner.user.token, sid, timeout=120)
        assert res["status"] in ("completed", "internal_error"), res
    # Queued work waits for dockerd instead of spending its attempts: at most
    # the one claim that found dockerd gone can have failed.
    done = [stack.wait_final(runner.user.token, sid, timeout=5)["status"] for sid in queued]
    assert done.count("completed") >= len(queued) - 1, done
    # and the next submission works
    res, _ = runner("python", HELLO["python"])
    assert res["status"] == "completed"
