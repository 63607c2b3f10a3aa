# Fork bomb that notices the wall: children sleep, the parent forks until fork()
# fails (PidsLimit 64), reports how far it got and exits; the runner then kills
# every child left behind.
# language: python
# family: resources
# status: completed
# stdout-regex: ^LIMITED after [1-6]?[0-9] forks
# stdout-not-contains: ESCAPED
import os
import time

n = 0
while n < 10000:
    try:
        pid = os.fork()
    except OSError as e:
        print("LIMITED after %d forks: %s" % (n, e.strerror), flush=True)
        os._exit(0)
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    n += 1
print("ESCAPED: forked %d processes" % n, flush=True)
