# Runs the image's setuid-root binaries (su, mount, newgrp...) and reads their
# credentials while they run: no-new-privileges keeps them at the program's own
# uid (10000 in container mode, one of 10000..10063 in sandbox mode).
# language: python
# family: escape
# status: completed
# stdout-regex: BLOCKED /usr/bin/su runs with my euid \((1000[0-9]|100[1-5][0-9]|1006[0-3])\)
# stdout-regex: BLOCKED /usr/bin/passwd runs with my euid \((1000[0-9]|100[1-5][0-9]|1006[0-3])\)
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import os
import subprocess
import time

for prog in ["/usr/bin/su", "/usr/bin/passwd", "/usr/bin/newgrp", "/usr/bin/chsh"]:
    if not os.stat(prog).st_mode & 0o4000:
        print("note: %s is not setuid in this image" % prog)
    p = subprocess.Popen([prog, "root"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    euid = None
    for _ in range(300):
        try:
            if os.readlink("/proc/%d/exe" % p.pid) == prog:
                with open("/proc/%d/status" % p.pid) as f:
                    euid = [int(l.split()[2]) for l in f if l.startswith("Uid:")][0]
                break
        except (OSError, IndexError):
            pass
        time.sleep(0.002)
    p.kill()
    p.wait()
    if euid == 0:
        print("ESCAPED %s runs with euid 0" % prog)
    elif euid == os.getuid():
        print("BLOCKED %s runs with my euid (%d)" % (prog, euid))
    elif euid is not None:
        print("ODD %s runs with euid %d, mine is %d" % (prog, euid, os.getuid()))
    else:
        print("UNOBSERVED %s (exited too soon)" % prog)
print("DONE")
