# Prints the whole environment: only what the runner sets (PATH, HOME, LANG,
# TMPDIR); nothing of the worker's, the API's or the database's.
# language: python
# family: escape
# status: completed
# stdout-contains: ENV HOME=/work
# stdout-regex: ENV-COUNT [1-6]\n
# output-not-contains: CODERANK
# output-not-contains: JWT
# output-not-contains: PGHOST
# output-not-contains: PGPASSWORD
# output-not-contains: DATABASE
# stdout-not-contains: ESCAPED
import os

for k in sorted(os.environ):
    print("ENV %s=%s" % (k, os.environ[k]))
print("ENV-COUNT %d" % len(os.environ))
for k in os.environ:
    if k not in ("PATH", "HOME", "LANG", "TMPDIR", "PWD", "SHLVL", "_"):
        print("ESCAPED unexpected variable %s" % k)
