# kill -9 -1: as uid 10000 it reaches only the program's own processes (never the
# runner, root, nor anything outside the PID namespace); Linux spares the caller.
# The child dies, the runner survives and reports a normal end.
# language: python
# family: escape
# status: completed
# stdout-contains: BLOCKED kill 1
# stdout-contains: BLOCKED kill -STOP 1
# stdout-contains: child ended by signal 9
# stdout-contains: the caller survives
# stdout-not-contains: ESCAPED
import os
import signal
import subprocess

child = subprocess.Popen(["sleep", "600"])
for sig, name in ((signal.SIGKILL, "kill 1"), (signal.SIGSTOP, "kill -STOP 1")):
    try:
        os.kill(1, sig)
        print("ESCAPED %s" % name)
    except OSError as e:
        print("BLOCKED %s: %s" % (name, e.strerror))
print("now kill -9 -1", flush=True)
os.kill(-1, signal.SIGKILL)
print("child ended by signal %d" % -child.wait())
print("the caller survives")
