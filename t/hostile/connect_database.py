# Tries to reach PostgreSQL: the stack's port and 5432 on every host address, and
# the unix sockets. NetworkMode none leaves only lo, and no socket is mounted.
# language: python
# family: escape
# status: completed
# stdout-contains: BLOCKED tcp 127.0.0.1:@@PG_PORT@@
# stdout-contains: BLOCKED tcp 172.17.0.1:5432
# stdout-contains: BLOCKED unix @@PG_SOCKET_DIR@@/.s.PGSQL.@@PG_PORT@@
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import socket

addrs = "@@HOST_ADDRS@@".split(",") + ["172.17.0.1"]
for addr in addrs:
    for port in sorted({@@PG_PORT@@, 5432}):
        s = socket.socket()
        s.settimeout(1)
        try:
            s.connect((addr, port))
            print("ESCAPED tcp %s:%d connected" % (addr, port))
        except OSError as e:
            print("BLOCKED tcp %s:%d: %s" % (addr, port, e.strerror or e))
        finally:
            s.close()
for path in ["@@PG_SOCKET_DIR@@/.s.PGSQL.@@PG_PORT@@", "/var/run/postgresql/.s.PGSQL.5432",
             "/tmp/.s.PGSQL.5432"]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        print("ESCAPED unix %s connected" % path)
    except OSError as e:
        print("BLOCKED unix %s: %s" % (path, e.strerror))
    finally:
        s.close()
print("DONE")
