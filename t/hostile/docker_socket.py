# Tries every way to the Docker Engine: its unix sockets (not mounted) and its
# TCP ports (no network).
# language: python
# family: escape
# status: completed
# stdout-contains: BLOCKED /var/run/docker.sock
# stdout-contains: BLOCKED /run/docker.sock
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import socket

for path in ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
             "/var/run/docker/containerd/containerd.sock", "/run/docker/plugins"]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        s.sendall(b"GET /containers/json HTTP/1.0\r\n\r\n")
        print("ESCAPED %s: %r" % (path, s.recv(200)))
    except OSError as e:
        print("BLOCKED %s: %s" % (path, e.strerror))
    finally:
        s.close()
for addr in ["127.0.0.1", "172.17.0.1"]:
    for port in (2375, 2376):
        try:
            socket.create_connection((addr, port), timeout=1).close()
            print("ESCAPED tcp %s:%d" % (addr, port))
        except OSError as e:
            print("BLOCKED tcp %s:%d: %s" % (addr, port, e.strerror or e))
print("DONE")
