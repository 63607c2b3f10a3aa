# A daemon (double fork, new session, SIGTERM/SIGHUP ignored) that wants to
# outlive the run and print later: the runner kills every process of the sandbox
# when the main one ends, so the run ends at once and nothing late arrives.
# language: python
# family: escape
# status: completed
# stdout-contains: main done
# stdout-not-contains: ESCAPED
# max-execution-ms: 5000
import os
import signal
import time

pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork():
        os._exit(0)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, signal.SIG_IGN)
    time.sleep(5)
    print("ESCAPED: the daemon is still alive", flush=True)
    time.sleep(600)
    os._exit(0)
os.waitpid(pid, 0)
print("main done", flush=True)
