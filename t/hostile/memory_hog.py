# Memory hog that touches every page it takes: the cgroup's OOM killer stops
# it at max_memory_mb and the verdict comes from the cgroup's counter.
# language: python
# family: resources
# status: memory_limit_exceeded
# exit-signal: 9
# stdout-contains: started
# runtime-error-contains: memory limit
import sys

print("started", flush=True)
hog = []
while True:
    hog.append(b"x" * (8 << 20))
