# Reads files that hold secrets or belong to root: the program runs as uid 10000
# with no capabilities, and Docker masks the kernel's dangerous /proc files.
# language: python
# family: escape
# status: completed
# stdout-contains: BLOCKED /etc/shadow
# stdout-contains: BLOCKED /etc/gshadow
# stdout-contains: BLOCKED /proc/1/environ
# stdout-contains: BLOCKED /proc/1/root/etc/shadow
# stdout-contains: BLOCKED /proc/kcore
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
paths = ["/etc/shadow", "/etc/gshadow", "/proc/1/environ", "/proc/1/root/etc/shadow",
         "/proc/1/cmdline", "/proc/kcore", "/proc/kallsyms", "/dev/mem", "/dev/kmem",
         "/dev/port", "/root/.bash_history", "/sys/kernel/security/apparmor/profiles",
         "/proc/self/../1/mem"]
for path in paths:
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
    except OSError as e:
        print("BLOCKED %s: %s" % (path, e.strerror))
        continue
    if path == "/proc/1/cmdline":
        print("visible %s: %r" % (path, data))       # harmless: no secrets in argv
    elif path == "/proc/kallsyms" and all(l.startswith(b"0000000000000000")
                                          for l in data.splitlines()[:20]):
        print("BLOCKED %s: addresses hidden" % path)
    elif not data:
        print("BLOCKED %s: empty (masked)" % path)
    else:
        print("ESCAPED read %d bytes of %s" % (len(data), path))
print("DONE")
