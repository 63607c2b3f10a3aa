# Sleeps for an hour: killed at the wall-clock limit (sleeping costs no CPU, so
# only a wall clock catches it); what it printed before is kept.
# language: python
# family: resources
# limits: fast
# status: timeout
# exit-signal: 9
# stdout-contains: before the nap
# stdout-not-contains: ESCAPED
# runtime-error-contains: time limit
import time

print("before the nap", flush=True)
time.sleep(3600)
print("ESCAPED: woke up")
