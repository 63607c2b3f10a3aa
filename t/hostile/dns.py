# Name resolution and raw DNS queries: no resolver is reachable.
# language: python
# family: escape
# status: completed
# stdout-contains: BLOCKED resolve example.com
# stdout-contains: BLOCKED udp 8.8.8.8:53
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import socket

for name in ["example.com", "host.docker.internal", "metadata.google.internal"]:
    try:
        print("ESCAPED resolve %s: %s" % (name, socket.getaddrinfo(name, 80)[0][4]))
    except OSError as e:
        print("BLOCKED resolve %s: %s" % (name, e))
query = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")
for server in ["8.8.8.8", "1.1.1.1", "127.0.0.11", "172.17.0.1"]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.sendto(query, (server, 53))
        print("ESCAPED udp %s:53 answered %r" % (server, s.recv(512)[:20]))
    except OSError as e:
        print("BLOCKED udp %s:53: %s" % (server, e.strerror or e))
    finally:
        s.close()
print("DONE")
