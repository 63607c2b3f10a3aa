# Plants symlinks, a FIFO and hard links in /work and /tmp pointing at host
# paths (a canary file the test made on the host, the Docker socket, /etc/shadow,
# the runner's stdout) under every name a careless worker might copy out. The
# worker does no host-side file operation on the sandbox's paths, so nothing
# follows them: the canary is checked unchanged afterwards.
# language: python
# family: escape
# status: completed
# canary: yes
# stdout-contains: BLOCKED open @@CANARY@@
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import os

targets = ["@@CANARY@@", "/var/run/docker.sock", "/etc/shadow", "/proc/1/fd/1", "/",
           "@@STACK_TMP@@", "/proc/1/root"]
names = ["stdout", "stderr", "output", "result", "result.bson", "main", "main.py", "a.out",
         "Main.class", "compile_output", "core"]
for d in ["/work", "/tmp"]:
    for i, name in enumerate(names):
        path = os.path.join(d, name)
        try:
            if os.path.lexists(path):
                os.unlink(path)
            os.symlink(targets[i % len(targets)], path)
        except OSError as e:
            print("could not plant %s: %s" % (path, e.strerror))
    os.mkfifo(os.path.join(d, "fifo"))
    try:
        os.link("/etc/shadow", os.path.join(d, "shadow-link"))
        print("ESCAPED hard link to /etc/shadow in %s" % d)
    except OSError as e:
        print("BLOCKED hard link in %s: %s" % (d, e.strerror))
try:
    with open("@@CANARY@@", "a") as f:
        f.write("touched\n")
    print("ESCAPED wrote the canary")
except OSError as e:
    print("BLOCKED open @@CANARY@@: %s" % e.strerror)
print("DONE")
