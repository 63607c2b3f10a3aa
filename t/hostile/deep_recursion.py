# Recursion with the interpreter's guard lifted. Python 3.11 keeps Python frames
# off the C stack, so this grows memory until the memory limit stops it.
# language: python
# family: resources
# status: memory_limit_exceeded
# exit-signal: 9
import sys

sys.setrecursionlimit(1 << 30)


def down(n):
    return down(n + 1) + 1


print("start", flush=True)
down(0)
