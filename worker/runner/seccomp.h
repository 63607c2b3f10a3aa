/*
 * A second seccomp filter, stacked on Docker's default profile, installed in
 * each step's child right before exec (after no_new_privs).
 *
 * Docker 20.10's default profile still allows io_uring, a large and
 * often-exploited kernel interface that later Docker releases (25.0) removed
 * from the default. The filter answers EPERM to io_uring_setup, io_uring_enter
 * and io_uring_register, including their x32 variants, so the sandbox does not
 * depend on the Docker version for it. Filters only ever add restrictions:
 * Docker's profile still applies to everything else.
 */
#ifndef CR_RUNNER_SECCOMP_H
#define CR_RUNNER_SECCOMP_H

/* 0, or -1 with errno set; the caller must not exec on failure. */
int runner_seccomp_apply(void);

#endif
