# Reads stdin to its end when no input was given: stdin is at end-of-file at
# once, so the program goes on instead of hanging until the time limit.
# language: python
# family: resources
# status: completed
# stdout-contains: EOF after 0 bytes
# max-execution-ms: 3000
import sys

data = sys.stdin.buffer.read()
print("EOF after %d bytes" % len(data))
