# Fills /work with many files, each under the file-size limit: the 64 MiB tmpfs
# says ENOSPC; the space is memory of the container and goes with it.
# language: python
# family: resources
# status: completed
# stdout-regex: NOSPACE after 6[0-4] MiB
import errno
import os

chunk = b"w" * (1 << 20)
total = 0
try:
    for i in range(1000):
        with open("/work/fill%04d" % i, "wb") as f:
            for _ in range(8):
                f.write(chunk)
                f.flush()
                total += 1
except OSError as e:
    print("NOSPACE after %d MiB: %s" % (total, errno.errorcode.get(e.errno)))
else:
    print("ESCAPED: wrote %d MiB" % total)
