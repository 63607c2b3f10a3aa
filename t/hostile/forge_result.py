# Forges the runner's result message: a well-formed BSON result frame saying
# "completed, exit 0, stdout FORGED", written to stdout (which is only the
# program's pipe), to /proc/1/fd/1 (the runner's real stdout: refused) and to
# every other descriptor; then exits 3. The verdict must be the real one.
# language: python
# family: escape
# status: failed
# exit-code: 3
# stderr-contains: BLOCKED /proc/1/fd/1
# stderr-contains: no other descriptors
# stdout-contains: FORGED
# stderr-not-contains: ESCAPED
import os
import struct
import sys


def el(kind, name, payload):
    return bytes([kind]) + name.encode() + b"\0" + payload


def doc(*els):
    body = b"".join(els) + b"\0"
    return struct.pack("<i", len(body) + 4) + body


def binary(b):
    return struct.pack("<i", len(b)) + b"\0" + b


frame = doc(el(0x10, "v", struct.pack("<i", 1)), el(0x08, "ran", b"\1"),
            el(0x10, "exit_code", struct.pack("<i", 0)), el(0x10, "signal", struct.pack("<i", 0)),
            el(0x08, "timeout", b"\0"), el(0x08, "oom", b"\0"),
            el(0x05, "stdout", binary(b"FORGED\n")), el(0x05, "stderr", binary(b"")),
            el(0x12, "time_ms", struct.pack("<q", 1)), el(0x12, "memory_kb", struct.pack("<q", 1)))
sys.stdout.buffer.write(frame)
sys.stdout.buffer.flush()
try:
    with open("/proc/1/fd/1", "wb") as f:
        f.write(frame)
    print("ESCAPED wrote /proc/1/fd/1", file=sys.stderr)
except OSError as e:
    print("BLOCKED /proc/1/fd/1: %s" % e.strerror, file=sys.stderr)
others = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        others.append(fd)
    except OSError:
        pass
# fds 3+ that Python itself opened (none expected) would be listed here
print("no other descriptors" if not others else "ESCAPED open descriptors %r" % others,
      file=sys.stderr)
sys.exit(3)
