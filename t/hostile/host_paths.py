# Looks for the host inside the container: the checkout, the stack's temporary
# directory, the database and API sockets, the Docker socket, the host's root.
# Nothing of the host is mounted; the only host file is /etc/hostname, which
# Docker bind-mounts from its own directory (with NetworkDisabled it mounts no
# /etc/hosts or /etc/resolv.conf): root's, mode 0644, not writable by the program.
# language: python
# family: escape
# status: completed
# stdout-not-contains: ESCAPED
# stdout-contains: BLOCKED /etc/hostname
# stdout-contains: DONE
import os

for path in ["/work/main", "@@STACK_TMP@@", "@@PG_SOCKET_DIR@@", "@@API_SOCKET@@",
             "@@CANARY@@", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker",
             "/run/containerd", "/var/lib/postgresql", "/etc/coderank", "/host",
             "/proc/1/root/work/main", "/usr/local/bin/coderank-worker"]:
    if os.path.lexists(path):
        print("ESCAPED host path visible: %s" % path)
    else:
        print("absent %s" % path)
# Every mount with a block device behind it is a host file: none may be writable.
with open("/proc/self/mountinfo") as f:
    for line in f:
        parts = line.split()
        point, source = parts[4], parts[parts.index("-") + 2]
        if source.startswith("/dev/") and point not in ("/dev", "/dev/shm"):
            try:
                with open(point, "a"):
                    pass
                print("ESCAPED host file writable: %s (%s)" % (point, source))
            except OSError as e:
                print("BLOCKED %s: %s" % (point, e.strerror))
print("DONE")
