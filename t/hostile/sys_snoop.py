# /sys is read-only and shows the container's own cgroup limits, which this
# program reads back: memory 256 MiB, no swap beyond it, 64 processes. No
# network interface but lo.
# language: python
# family: escape
# status: completed
# stdout-contains: memory.limit_in_bytes 268435456
# stdout-contains: memory.memsw.limit_in_bytes 268435456
# stdout-contains: pids.max 64
# stdout-contains: cpu.cfs_quota_us 100000
# stdout-contains: net devices: lo
# stdout-contains: BLOCKED /sys/fs/cgroup/memory/memory.limit_in_bytes
# stdout-contains: BLOCKED /sys/fs/cgroup/pids/pids.max
# stdout-not-contains: ESCAPED
# stdout-contains: DONE
import os

for path in ["/sys/fs/cgroup/memory/memory.limit_in_bytes",
             "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
             "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
             "/sys/fs/cgroup/cpu/cpu.cfs_period_us"]:
    try:
        with open(path) as f:
            print(os.path.basename(path), f.read().strip())
    except OSError as e:
        print("unreadable %s: %s" % (path, e.strerror))
print("net devices:", " ".join(sorted(os.listdir("/sys/class/net"))))
for path, value in [("/sys/fs/cgroup/memory/memory.limit_in_bytes", "-1"),
                    ("/sys/fs/cgroup/pids/pids.max", "max"),
                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1"),
                    ("/sys/kernel/mm/transparent_hugepage/enabled", "always"),
                    ("/sys/class/net/lo/mtu", "1280"),
                    ("/sys/fs/cgroup/memory/cgroup.procs", "1")]:
    try:
        with open(path, "w") as f:
            f.write(value)
        print("ESCAPED wrote %s" % path)
    except OSError as e:
        print("BLOCKED %s: %s" % (path, e.strerror))
print("DONE")
