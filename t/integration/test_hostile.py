"""
The hostile-program corpus (t/hostile/) against the real stack.

Every file in t/hostile/ is one case: a program in one of the languages, whose
first comment lines ("# key: value" for python, "// key: value" otherwise) say
what it must get. Keys (repeatable ones marked *):

  language      the language_id it is written in (required)
  status        the exact final status (required)
  family        resources | escape | compile | bytes (for the "still works" checks)
  limits        "fast": run it as a copy of the language with a 2 s run limit and a
                short compile limit (a row made by the fixture: adding a language
                is a row), so that cases that must hit the clock do it quickly
  max-seconds   bound from POST to final status (default: the language's run
                limit plus a start/compile margin)
  exit-code, exit-signal       exact values
  stdout-contains*, stdout-not-contains*, stderr-contains*, output-not-contains*
                (output = stdout + stderr + compilation_error)
  stdout-regex*, compilation-error-contains*, runtime-error-contains*
                (a value in quotes is a Python string literal: '\x00\ufffd')
  stdout-max-bytes, stderr-max-bytes, compilation-error-max-bytes  (UTF-8 bytes)
  max-execution-ms, max-memory-kb
  stdin         a Python string literal, sent as the submission's input
  strip-header  "yes": submit the program without its header lines
  http-status   the POST must be refused with this status (nothing runs)
  canary        "yes": the host canary file must be unchanged after the run
  xfail         a known, reported weakness: pytest.mark.xfail(strict=True, reason)

The program text may use placeholders that are filled in from the live stack:
@@API_PORT@@ @@HTTPS_PORT@@ @@PG_PORT@@ @@PG_SOCKET_DIR@@ @@API_SOCKET@@
@@STACK_TMP@@ @@HOST_ADDRS@@ (comma-separated IPv4 addresses of the host, loopback
included) @@CANARY@@ (a file on the host that no run may reach).

Probes that must fail print "BLOCKED ..." when the attempt fails and "ESCAPED ..."
when it succeeds, and exit 0, so a regression shows up as a marker, not as a vague
status. Every case also asserts: the exact status; POST-to-final within the bound;
no container of it is left (found by its coderank.submission label, and by the
container id the worker logged for it, which covers pre-started pool containers); the response is strict
UTF-8; neither the JWT key nor any CODERANK_/JWT/PG/DATABASE variable of the host
appears in its output. After each family an ordinary program must still work.

Submissions run concurrently, at most as many at once as the worker has slots,
so that the time from POST to final status measures the run and not the queue.

Isolation modes. The corpus runs in the worker's default mode (sandbox: a slot's
long-lived container serves many runs; a container the worker kept after a clean
run, "retire=-" in its finished line, is allowed to outlive the run, every other
one must be gone). The cases that leave state behind (STATEFUL: files, daemons,
fork and thread bombs, memory hogs, open descriptors, a killed clock) run a
second time in container mode (test_hostile_container_mode), on copies of the
language rows whose isolation column says 'container' (<lang>_ctr,
<lang>_fast_ctr), with the same expectations, and each must log
isolation=container and leave no container at all.
"""

import ast
import copy
import os
import re
import subprocess
import time

import pytest

from conftest import finished_fields

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(os.path.dirname(HERE), "hostile")
EXT = {".py": "python", ".js": "javascript", ".java": "java", ".cpp": "cpp", ".c": "c"}
REPEATABLE = {"stdout-contains", "stdout-not-contains", "stderr-contains",
              "output-not-contains", "stdout-regex", "compilation-error-contains",
              "runtime-error-contains"}
SINGLE = {"language", "status", "family", "limits", "max-seconds", "exit-code",
          "exit-signal", "stdout-max-bytes", "stderr-max-bytes",
          "compilation-error-max-bytes", "max-execution-ms", "max-memory-kb", "stdin",
          "strip-header", "http-status", "canary", "xfail"}
STATUSES = {"completed", "failed", "timeout", "memory_limit_exceeded",
            "output_limit_exceeded", "internal_error"}
FAMILIES = ("resources", "escape", "compile", "bytes")
FINAL = STATUSES
FAST_RUN_SECONDS = 2
FAST_COMPILE_SECONDS = 8
# Seconds allowed beyond the run limit for queue pick-up, container start and an
# ordinary compile (javac and g++ are the slow ones on a 2-core machine).
MARGIN = {"python": 5, "javascript": 5, "c": 7, "cpp": 9, "java": 12}
# Container mode may create its container on the critical path (the pool of a
# new language row is not full yet): about 0.3 s idle, a few seconds under load.
CONTAINER_START_S = 4
SECRET_NAMES = ("CODERANK", "JWT", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                "DATABASE_URL", "PGSERVICE", "PGPASSFILE")
HELLO = {
    "python": ("print('still works', 6 * 7)\n", "still works 42\n"),
    "javascript": ("console.log('still works', 6 * 7);\n", "still works 42\n"),
    "c": ('#include <stdio.h>\nint main(void) { printf("still works %d\\n", 6 * 7); return 0; }\n',
          "still works 42\n"),
    "cpp": ('#include <iostream>\nint main() { std::cout << "still works " << 6 * 7 << "\\n"; }\n',
            "still works 42\n"),
    "java": ('public class Main { public static void main(String[] a) {\n'
             '  System.out.println("still works " + 6 * 7); } }\n', "still works 42\n"),
}
# The language whose ordinary program is run right after each family.
AFTER = {"resources": "c", "escape": "python", "compile": "cpp", "bytes": "java"}
# The cases that leave state behind in their container (files, processes, threads,
# memory, descriptors): they run in both isolation modes.
STATEFUL = ("background_outlives.js", "background_outlives.py", "busy_all_cores.c",
            "disk_sized_file.c", "fill_work.py", "fork_bomb.c", "fork_bomb_reports.py",
            "kill_all.py", "memory_hog.cpp", "memory_hog.py", "memory_hog_buffers.js",
            "million_files.c", "sleep.py", "symlinks.py", "thread_bomb.java",
            "too_many_open_files.py")
CONTAINER_SUFFIX = "_ctr"


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, "rb") as f:
            self.raw = f.read()
        text = self.raw.decode("utf-8")
        ext = os.path.splitext(path)[1]
        if ext not in EXT:
            raise ValueError("%s: unknown extension" % path)
        prefix = "#" if EXT[ext] == "python" else "//"
        self.meta = {k: [] for k in REPEATABLE}
        header_lines = 0
        for line in text.split("\n"):
            if not line.startswith(prefix) or line.startswith("#!") or \
                    (prefix == "#" and line.startswith("#include")):
                break
            header_lines += 1
            m = re.match(r"\s*([a-z-]+):\s?(.*)$", line[len(prefix):])
            if not m or (m.group(1) not in REPEATABLE and m.group(1) not in SINGLE):
                continue        # prose
            key, value = m.group(1), m.group(2).rstrip()
            if key in REPEATABLE and len(value) >= 2 and value[0] == value[-1] and \
                    value[0] in "'\"":
                value = ast.literal_eval(value)     # a quoted value may use escapes
            if key in REPEATABLE:
                self.meta[key].append(value)
            elif key in self.meta:
                raise ValueError("%s: %s given twice" % (path, key))
            else:
                self.meta[key] = value
        self.header_lines = header_lines
        for key in ("language", "status"):
            if key not in self.meta:
                raise ValueError("%s: no %s" % (path, key))
        self.language = self.meta["language"]
        if self.language != EXT[ext]:
            raise ValueError("%s: language %s does not match the extension" % (path, self.language))
        self.status = self.meta["status"]
        if self.status not in STATUSES and "http-status" not in self.meta:
            raise ValueError("%s: unknown status %s" % (path, self.status))
        self.family = self.meta.get("family", "resources")
        if self.family not in FAMILIES:
            raise ValueError("%s: unknown family %s" % (path, self.family))
        self.fast = self.meta.get("limits") == "fast"
        self.stdin = ast.literal_eval(self.meta["stdin"]) if "stdin" in self.meta else ""

    def source(self, subst):
        text = self.raw.decode("utf-8")
        if self.meta.get("strip-header") == "yes":
            text = "\n".join(text.split("\n")[self.header_lines:])
        for k, v in subst.items():
            text = text.replace(k, v)
        return text

    def expanded(self, subst):
        """A copy whose expectations have the placeholders filled in."""
        c = copy.copy(self)
        c.meta = dict(self.meta)
        for k in REPEATABLE:
            vals = []
            for v in self.meta[k]:
                for ph, real in subst.items():
                    v = v.replace(ph, real)
                vals.append(v)
            c.meta[k] = vals
        return c

    def get(self, key, conv=str):
        return conv(self.meta[key]) if key in self.meta else None


def load_corpus():
    cases = []
    for name in sorted(os.listdir(CORPUS)):
        if os.path.splitext(name)[1] in EXT:
            cases.append(Case(os.path.join(CORPUS, name)))
    return cases


CASES = load_corpus()


def host_addrs():
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True).stdout
    addrs = re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    return sorted(set(addrs + ["127.0.0.1"]))


def containers_of(submission_id, known_ids=()):
    """Containers of a submission still there: by its label (a container created for
    it) and by the ids the worker logged for it (a pre-started container of the
    pool carries no submission label)."""
    filters = [["--filter", "label=coderank.submission=%s" % submission_id]]
    filters += [["--filter", "id=%s" % cid] for cid in known_ids]
    left = []
    for f in filters:
        r = subprocess.run(["docker", "ps", "-aq"] + f, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        left += [c for c in r.stdout.split() if c not in left]
    return left


def logged_containers(worker_log, submission_id):
    ids = set()
    for line in worker_log.splitlines():
        if "sub=%s" % submission_id in line:
            ids.update(re.findall(r"container[= ]([0-9a-f]{12})", line))
    return sorted(ids)


def kept_container(fields):
    """The container the worker kept for later runs after this one (sandbox mode,
    no retire reason), or None."""
    if fields and fields.get("isolation") == "sandbox" and fields.get("retire") == "-":
        return (fields.get("container") or "")[:12] or None
    return None


def worker_slots(stack):
    try:
        with open(stack.conf) as f:
            m = re.search(r"^worker_slots\s*=\s*(\d+)", f.read(), re.M)
            return int(m.group(1)) if m else 2
    except OSError:
        return 2


class Corpus:
    """Runs the selected cases family by family (lazily) and keeps the outcomes."""

    def __init__(self, stack, selected, suffix="", isolation=None):
        self.stack = stack
        self.selected = selected
        self.suffix, self.isolation = suffix, isolation   # rows <lang><suffix>
        self.results = {}
        self.after = {}
        self.user = None
        self.canary = os.path.join(stack.tmp, "hostile-canary" + suffix)
        self.slots = worker_slots(stack)

    def setup(self):
        if self.user is not None:
            return
        st = self.stack
        if not st.has_worker:
            pytest.fail("coderank-worker is not built in %s" % os.path.dirname(st.worker_bin))
        st.db("INSERT INTO rate_limit_tiers (tier, requests_per_minute, max_concurrent) "
              "VALUES ('hostile', 100000, 1000) ON CONFLICT (tier) DO NOTHING")
        # The fast copies: the same image, commands and memory/process limits, a
        # short clock. A row, no code.
        for lang in EXT.values():
            st.db("INSERT INTO language_configs (language_id, display_name, docker_image, "
                  "source_file, compile_command, execute_command, timeout_seconds, "
                  "compile_timeout_seconds, max_memory_mb, max_processes, is_active) "
                  "SELECT language_id || '_fast', display_name || ' (hostile corpus)', "
                  "docker_image, source_file, compile_command, execute_command, %s, %s, "
                  "max_memory_mb, max_processes, true FROM language_configs "
                  "WHERE language_id = %s ON CONFLICT (language_id) DO NOTHING",
                  (FAST_RUN_SECONDS, FAST_COMPILE_SECONDS, lang))
        # Copies of both with an isolation of their own (the column overrides
        # the worker's setting).
        if self.suffix:
            for lang in EXT.values():
                for base in (lang, lang + "_fast"):
                    st.db("INSERT INTO language_configs (language_id, display_name, "
                          "docker_image, source_file, compile_command, execute_command, "
                          "timeout_seconds, compile_timeout_seconds, max_memory_mb, "
                          "max_processes, is_active, isolation) "
                          "SELECT %s, display_name || ' (' || %s || ')', docker_image, "
                          "source_file, compile_command, execute_command, timeout_seconds, "
                          "compile_timeout_seconds, max_memory_mb, max_processes, true, %s "
                          "FROM language_configs WHERE language_id = %s "
                          "ON CONFLICT (language_id) DO UPDATE SET is_active = true, "
                          "isolation = EXCLUDED.isolation",
                          (base + self.suffix, self.isolation, self.isolation, base))
        with open(self.canary, "w") as f:
            f.write("canary\n")
        self.canary_stat = os.stat(self.canary)
        self.canary_dir = sorted(os.listdir(os.path.dirname(self.canary)))
        self.user = st.new_user(tier="hostile")
        self.subst = {
            "@@API_PORT@@": str(st.http_port), "@@HTTPS_PORT@@": str(st.https_port),
            "@@PG_PORT@@": str(st.pg_port), "@@PG_SOCKET_DIR@@": st.pgsock,
            "@@API_SOCKET@@": st.api_sock, "@@STACK_TMP@@": st.tmp,
            "@@HOST_ADDRS@@": ",".join(host_addrs()), "@@CANARY@@": self.canary,
        }
        self.limits = {r[0]: (r[1], r[2], r[3]) for r in st.db(
            "SELECT language_id, timeout_seconds, compile_timeout_seconds, "
            "compile_command IS NOT NULL FROM language_configs")}

    def bound(self, case, lang):
        if case.get("max-seconds"):
            return float(case.get("max-seconds"))
        run, compile_limit, compiled = self.limits[lang]
        if case.family == "compile" and compiled:
            return compile_limit + MARGIN[case.language]   # the compile step is the attack
        return run + MARGIN[case.language]

    def post(self, lang, src, stdin):
        for _ in range(100):
            r = self.stack.http("POST", "/api/v1/execute", token=self.user.token, timeout=60,
                                json={"language": lang, "source_code": src, "input": stdin})
            if r.status not in (429, 503):
                return r
            time.sleep(0.2)
        return r

    def poll(self, sid):
        r = self.stack.http("GET", "/api/v1/execute/" + sid, token=self.user.token)
        if r.status != 200:
            return None
        return r

    def run_family(self, family):
        self.setup()
        todo = [c for c in CASES if c.family == family and c.name in self.selected
                and c.name not in self.results]
        pending = list(todo)
        inflight = {}       # sid -> (case, t0, lang)
        hard_deadline = time.monotonic() + 600
        while pending or inflight:
            while pending and len(inflight) < self.slots:
                case = pending.pop(0)
                lang = case.language + ("_fast" if case.fast else "") + self.suffix
                t0 = time.monotonic()
                r = self.post(lang, case.source(self.subst), case.stdin)
                if "http-status" in case.meta or r.status != 202:
                    self.results[case.name] = {"post": r, "lang": lang}
                    continue
                inflight[r.json["submission_id"]] = (case, t0, lang)
            for sid, (case, t0, lang) in list(inflight.items()):
                r = self.poll(sid)
                if r is not None and r.json and r.json.get("status") in FINAL:
                    self.results[case.name] = {"post": None, "sid": sid, "res": r.json,
                                               "body": r.body, "lang": lang,
                                               "elapsed": time.monotonic() - t0}
                    del inflight[sid]
                elif time.monotonic() - t0 > self.bound(case, lang) + 60 or \
                        time.monotonic() > hard_deadline:
                    self.results[case.name] = {"post": None, "sid": sid, "res": None,
                                               "lang": lang, "elapsed": time.monotonic() - t0,
                                               "last": r.json if r is not None else None}
                    del inflight[sid]
            time.sleep(0.1)
        # No container of any of them may be left after a short grace period,
        # but the one the worker kept for later runs after a clean run (sandbox).
        sids = {v["sid"]: k for k, v in self.results.items()
                if v.get("sid") and k in {c.name for c in todo}}
        left = {}
        deadline = time.monotonic() + 10
        wlog = self.stack.log("worker")
        known = {sid: logged_containers(wlog, sid) for sid in sids}
        fields = {sid: finished_fields(wlog, sid) for sid in sids}
        kept = {sid: kept_container(fields[sid]) for sid in sids}
        while True:
            left = {sid: [c for c in containers_of(sid, known[sid]) if c[:12] != kept[sid]]
                    for sid in sids}
            left = {k: v for k, v in left.items() if v}
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for sid, name in sids.items():
            self.results[name]["left"] = left.get(sid, [])
            self.results[name]["containers"] = known[sid]
            self.results[name]["fields"] = fields[sid]
        # An ordinary submission right after the family.
        lang = AFTER[family] + self.suffix
        src, _ = HELLO[AFTER[family]]
        t0 = time.monotonic()
        r = self.post(lang, src, "")
        res = None
        if r.status == 202:
            try:
                res = self.stack.wait_final(self.user.token, r.json["submission_id"], 60)
            except AssertionError:
                res = None
        self.after[family] = (lang, r, res, time.monotonic() - t0)

    def result(self, case):
        if case.name not in self.results:
            self.selected.add(case.name)
            self.run_family(case.family)
        return self.results[case.name]

    def after_family(self, family):
        if family not in self.after:
            self.run_family(family)
        return self.after[family]


def selected_cases(request, param):
    """The names of this module's cases of parameter param that the session runs."""
    return {item.callspec.params[param].name for item in request.session.items
            if getattr(item, "callspec", None) is not None
            and param in item.callspec.params and item.module.__name__ == __name__}


@pytest.fixture(scope="module")
def corpus(stack, request):
    c = Corpus(stack, selected_cases(request, "case"))
    yield c
    # CODERANK_HOSTILE_SUMMARY=FILE: one line per case (status, seconds, first marker).
    path = os.environ.get("CODERANK_HOSTILE_SUMMARY")
    if path:
        with open(path, "w") as f:
            for name in sorted(c.results):
                res = c.results[name].get("res") or {}
                post = c.results[name].get("post")
                out = (res.get("stdout") or "").replace("\n", " | ")
                f.write("%-26s %-22s %5.1fs run=%sms ctr=%s  %s\n" % (
                    name, res.get("status") or ("HTTP %d" % post.status if post else "-"),
                    c.results[name].get("elapsed", 0), res.get("execution_time_ms"),
                    ",".join(c.results[name].get("containers") or []) or "-", out[:90]))


def _param(case):
    marks = []
    if case.get("xfail"):
        marks.append(pytest.mark.xfail(strict=True, reason=case.get("xfail")))
    return pytest.param(case, id=case.name, marks=marks)


def _utf8_len(s):
    return len(s.encode("utf-8")) if s is not None else 0


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile(corpus, case):
    check_case(corpus, case)


def check_case(corpus, case):
    out = corpus.result(case)
    if "http-status" in case.meta:
        r = out["post"]
        assert r.status == int(case.get("http-status")), r
        if case.status:
            assert r.json and r.json.get("error") == case.status, r
        return
    assert out["post"] is None, "POST refused: %r" % out["post"]
    res = out["res"]
    assert res is not None, "%s (%s) not final in time; last: %r" % (case.name, out["sid"],
                                                                     out.get("last"))
    # The answer is strict UTF-8 JSON whatever the program printed.
    out["body"].decode("utf-8")
    summary = {k: res.get(k) for k in ("status", "exit_code", "exit_signal", "runtime_error",
                                      "execution_time_ms", "memory_used_kb")}
    summary["stdout"] = (res.get("stdout") or "")[:1500]
    summary["stderr"] = (res.get("stderr") or "")[:1500]
    summary["compilation_error"] = (res.get("compilation_error") or "")[:800]
    summary["elapsed"] = round(out["elapsed"], 2)
    assert res["status"] == case.status, summary
    bound = corpus.bound(case, out["lang"])
    if corpus.isolation == "container":
        bound += CONTAINER_START_S
    assert out["elapsed"] <= bound, "took %.1f s, bound %.1f s: %r" % (out["elapsed"], bound,
                                                                      summary)
    assert out["left"] == [], "containers left: %r" % out["left"]
    if corpus.isolation:
        assert (out.get("fields") or {}).get("isolation") == corpus.isolation, out.get("fields")

    case = case.expanded(corpus.subst)
    stdout, stderr = res.get("stdout") or "", res.get("stderr") or ""
    cerr, rerr = res.get("compilation_error") or "", res.get("runtime_error") or ""
    everything = stdout + stderr + cerr
    assert corpus.stack.jwt_key not in everything
    if case.get("exit-code") is not None:
        assert res["exit_code"] == int(case.get("exit-code")), summary
    if case.get("exit-signal") is not None:
        assert res["exit_signal"] == int(case.get("exit-signal")), summary
        assert res["exit_code"] is None, summary
    for s in case.meta["stdout-contains"]:
        assert s in stdout, "stdout lacks %r: %r" % (s, summary)
    for s in case.meta["stdout-not-contains"]:
        assert s not in stdout, "stdout has %r: %r" % (s, summary)
    for s in case.meta["stderr-contains"]:
        assert s in stderr, "stderr lacks %r: %r" % (s, summary)
    for s in case.meta["output-not-contains"]:
        assert s not in everything, "output has %r: %r" % (s, summary)
    for s in case.meta["stdout-regex"]:
        assert re.search(s, stdout), "stdout does not match %r: %r" % (s, summary)
    for s in case.meta["compilation-error-contains"]:
        assert s in cerr, "compilation_error lacks %r: %r" % (s, summary)
    for s in case.meta["runtime-error-contains"]:
        assert s in rerr, "runtime_error lacks %r: %r" % (s, summary)
    for key, val in (("stdout-max-bytes", stdout), ("stderr-max-bytes", stderr),
                     ("compilation-error-max-bytes", cerr)):
        if case.get(key) is not None:
            assert _utf8_len(val) <= int(case.get(key)), "%s: %d bytes" % (key, _utf8_len(val))
    if case.get("max-execution-ms") is not None:
        assert res["execution_time_ms"] is not None and \
            res["execution_time_ms"] <= int(case.get("max-execution-ms")), summary
    if case.get("max-memory-kb") is not None:
        assert res["memory_used_kb"] is not None and \
            res["memory_used_kb"] <= int(case.get("max-memory-kb")), summary
    if case.get("canary") == "yes":
        st = os.stat(corpus.canary)
        with open(corpus.canary) as f:
            assert f.read() == "canary\n"
        assert (st.st_mtime_ns, st.st_ino, st.st_uid, st.st_mode) == \
            (corpus.canary_stat.st_mtime_ns, corpus.canary_stat.st_ino,
             corpus.canary_stat.st_uid, corpus.canary_stat.st_mode)
        assert sorted(os.listdir(os.path.dirname(corpus.canary))) == corpus.canary_dir


def test_no_secret_variable_names(corpus):
    """The environment cases print every variable: none of the host's may be there."""
    envs = [c for c in CASES if c.name.startswith("environment")]
    assert envs
    for c in envs:
        res = corpus.result(c)["res"]
        assert res is not None
        for name in SECRET_NAMES:
            assert name not in (res.get("stdout") or ""), (c.name, name)


@pytest.mark.parametrize("family", FAMILIES)
def test_ordinary_submission_after_family(corpus, family):
    lang, r, res, elapsed = corpus.after_family(family)
    assert r.status == 202, r
    assert res is not None, "the ordinary %s program after the %s family never finished" % (
        lang, family)
    assert res["status"] == "completed", res
    assert res["stdout"] == HELLO[lang][1], res
    assert elapsed <= corpus.limits[lang][0] + MARGIN[lang], elapsed


def test_corpus_is_big_enough():
    assert len(CASES) >= 40
    assert {c.language for c in CASES} == set(EXT.values())
    for fam in FAMILIES:
        assert any(c.family == fam for c in CASES), fam


@pytest.fixture(scope="module")
def corpus_container(stack, request):
    c = Corpus(stack, selected_cases(request, "ccase"), suffix=CONTAINER_SUFFIX,
               isolation="container")
    yield c
    stack.db("UPDATE language_configs SET is_active = false WHERE language_id LIKE %s",
             ("%" + CONTAINER_SUFFIX.replace("_", "\\_"),))


def test_stateful_cases_exist():
    names = {c.name for c in CASES}
    assert set(STATEFUL) <= names, set(STATEFUL) - names


@pytest.mark.parametrize("ccase", [_param(c) for c in CASES if c.name in STATEFUL])
def test_hostile_container_mode(corpus_container, ccase):
    """The cases that leave state behind, again with isolation = container."""
    check_case(corpus_container, ccase)
