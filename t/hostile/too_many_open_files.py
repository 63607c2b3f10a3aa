# Opens files until the descriptor limit (RLIMIT_NOFILE 256) says EMFILE.
# language: python
# family: resources
# status: completed
# stdout-regex: EMFILE after 2[0-5][0-9] files
import errno

held = []
try:
    for _ in range(100000):
        held.append(open("/dev/null", "rb"))
    print("ESCAPED: %d files open" % len(held))
except OSError as e:
    print("%s after %d files" % (errno.errorcode.get(e.errno), len(held)))
