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
 * Test cases (the job's cases, frame.h): the program is compiled once and run
 * once per case, each run in a sandbox as clean as the next job's. After the
 * compile step (or at once without one) the runner takes a snapshot of /work
 * into its own memory: a walk with openat/fstatat(AT_SYMLINK_NOFOLLOW)/
 * readlinkat that never follows a link, reading as the job's uid (setfsuid),
 * so the sandbox's permissions apply. It keeps regular files (content,
 * permission bits, mtime), directories and symbolic links (target); anything
 * else, an unreadable entry, or more than RUNNER_SNAPSHOT_BYTES,
 * RUNNER_SNAPSHOT_ENTRIES or RUNNER_SNAPSHOT_DEPTH ends the job as a failed
 * compilation ("coderank: why" in the compiler's output): it is the
 * program's doing. Then, before each case, the same clean as after a job
 * (sweep(): kill, reap, wipe /work, /tmp, /dev/shm, /dev/mqueue and SysV IPC,
 * check it all), then the snapshot is put back as the job's uid with
 * mkdirat/openat(O_EXCL|O_NOFOLLOW)/symlinkat relative to directory
 * descriptors and fchmod, and the run step runs with the case's input. So
 * nothing one case writes anywhere is seen by the next: each starts from
 * what the compiler left. Hard links come back as separate files.
 *
 * Why in memory and not a copy on disk: the runner has neither
 * CAP_DAC_OVERRIDE (it could not read a mode 000 file of the program's) nor
 * CAP_CHOWN (it could not give a copy back to the uid), a copy in /tmp would
 * be the program's to change, and /work and /tmp are different tmpfs mounts,
 * so no hard link can stand in for a copy. The price is memory: while the
 * cases run the container holds /work twice (the snapshot and the restored
 * tree). The memory check of each clean allows for what the runner holds on
 * purpose: the first clean allows the decoded job, the compiler's output and
 * the snapshot, and sets a baseline; the later ones, and the sweep after the
 * last case, allow that baseline plus the case results gathered since. The
 * snapshot and the results are freed once the result frame is sent. A clean
 * that fails is a runner error (the container is retired); cases need the
 * runner as PID 1. Every case counts for the end of the job: any case's
 * time-out, OOM, output kill or signal retires the container as one run's
 * would. The cases' outputs share the result frame's CR_FRAME_MAX_BYTES:
 * once it is nearly full, later cases keep less (their streams truncated).
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

/* Test cases: the most bytes (file contents, link targets) the snapshot of /work keeps. */
#define RUNNER_SNAPSHOT_BYTES (64LL * 1024 * 1024)
/* Test cases: the most entries (files, directories, links) the snapshot keeps. */
#define RUNNER_SNAPSHOT_ENTRIES 10000
/* Test cases: the most directory levels below /work the snapshot follows (open descriptors). */
#define RUNNER_SNAPSHOT_DEPTH 64
/*
 * Test cases: room kept in the result frame for everything but the cases'
 * outputs (field names, numbers, error texts); the outputs share the rest of
 * CR_FRAME_MAX_BYTES with the compiler's output.
 */
#define RUNNER_RESULT_RESERVE (256 * 1024)

#endif
