/*
 * coderank-runner: the entry point (PID 1) of every execution container.
 *
 * Theory of operation. The runner starts as root with only CAP_SETUID,
 * CAP_SETGID and CAP_KILL, reads a job frame (worker/frame.h) from stdin,
 * writes the job's files into /work and runs the compile step (if any) and the
 * run step, each in a child that execs the command itself when it is a plain
 * `prog arg...` (no shell syntax: a signal death is then seen as such) and
 * runs it under `/bin/sh -c <command>` otherwise; the child drops to the job's
 * uid/gid (no supplementary groups, no capabilities, no-new-privs) in a new
 * session, with RLIMIT_FSIZE/NOFILE/CORE set and a minimal environment. The
 * child's stdin, stdout and stderr are pipes; every other descriptor of the
 * runner is close-on-exec, so the program can never reach the runner's stdout.
 * One poll() loop feeds stdin, reads both outputs (capped; a program that keeps
 * flooding past the cap is killed), watches SIGCHLD through a signalfd and
 * enforces the wall-clock deadline. When the step's main process ends (or the
 * deadline or a flood hits) every other process of the sandbox is killed with
 * kill(-1, SIGKILL), which from PID 1 reaches every process of the container
 * but the runner, however many sessions or groups it made; the runner then
 * reaps everything (it is init: orphans come to it). Outside a container (not
 * PID 1, e.g. a test on a host) it becomes a child subreaper and kills with a
 * short-lived helper that switched to the sandbox uid, so only that uid dies
 * (on a shared host, pick a uid that nothing else uses: containers without
 * userns-remap run their sandbox as host uid 10000 too).
 * The run step's OOM verdict comes from the memory cgroup's oom_kill counter
 * (cgroup.h), its peak memory from the rusage of the processes it reaped.
 * Then the result frame goes to stdout.
 *
 * Sandbox mode (the job's keep flag): the runner serves job after job on the
 * same stdin. After each job and before its result, it makes sure nothing of
 * the run is left (sweep(): kill until kill(-1, 0) says ESRCH, a child as the
 * run's uid empties /work, /tmp, /dev/shm and /dev/mqueue and removes the
 * uid's SysV IPC objects (wipe.h), then the runner checks all of it and the
 * memory cgroup's baseline) and says in the result whether it is clean. The
 * next job comes with the next uid of a rotating range. After a job that did
 * not end cleanly (time-out, OOM, output kill, signal, a process left, any
 * check failed) the runner writes the result and exits: it never serves
 * again, whatever the worker does.
 *
 * Compiling once for many runs (test cases) fits these pieces as they are:
 * compile as one uid into /work, leave the artefacts readable and not
 * writable by others, then run each case as a fresh uid with a sweep of
 * every place but /work between cases, and the full sweep at the end.
 *
 * Exit status 0: the worker closed stdin between jobs, or an unclean job's
 * result was written; 1 means not even an error result could be written.
 */
#ifndef CR_RUNNER_H
#define CR_RUNNER_H

#define RUNNER_WORKDIR "/work"		/* overridable by CODERANK_WORKDIR for host tests */
#define RUNNER_SHELL "/bin/sh"
#define RUNNER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RUNNER_MAX_ARGS 64		/* words of a command exec'd without the shell */

/* Bytes a program may write past its cap before it is killed for flooding. */
#define RUNNER_FLOOD_GRACE (256 * 1024)
/* After the main process is gone and the rest killed, how long to drain pipes. */
#define RUNNER_DRAIN_MS 2000
/* Bound on reaping everything after a step. */
#define RUNNER_REAP_MS 5000
/* Sandbox mode: bound on emptying the writable places after a job. */
#define RUNNER_WIPE_MS 5000
/* Sandbox mode: resident memory (anon + shmem) allowed above the first baseline. */
#define RUNNER_MEMORY_SLACK (8LL * 1024 * 1024)

#endif
