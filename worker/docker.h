/*
 * A small Docker Engine API client (v1.41) over dockerd's unix socket, on libcurl.
 *
 * No docker CLI, no shell. One struct docker per slot holds one curl easy
 * handle for ordinary requests; libcurl reconnects on its own when dockerd was
 * restarted, so a failed call is simply retried later by the caller. Every call
 * has a time-out. Replies are read into capped buffers: a reply over its cap is
 * an error, never a bigger allocation.
 *
 * Any failure here (dockerd down, time-out, an unexpected HTTP status, a missing
 * image) is the platform's failure: the caller gives the submission back, it is
 * never a program's verdict. The reason is in d->error (and logged by callers).
 *
 * The create, attach and start steps are separate calls so that a pool of
 * pre-started containers can create+attach+start ahead of time and write the job
 * later. Attach before start, so that no output is lost.
 *
 * The attach stream (Tty false) is multiplexed: frames of an 8-byte header
 * (stream type 0/1/2, three zero bytes, big-endian uint32 size) and a payload.
 * struct docker_demux is the pure, incremental parser of it (unit-tested with
 * split and short chunks).
 */
#ifndef CR_WORKER_DOCKER_H
#define CR_WORKER_DOCKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define DOCKER_ID_MAX 64

struct docker {
	char *socket_path;
	void *curl;		/* CURL *, for ordinary requests */
	char error[512];	/* why the last call failed */
};

/* 0 or -1; the socket is not touched until the first call. */
int docker_init(struct docker *d, const char *socket_path);
void docker_close(struct docker *d);

/* GET /_ping and /version: 0 when dockerd answers; version gets "20.10.24 (API 1.41)". */
int docker_ping(struct docker *d, char *version, size_t versionlen);

/* 1 present, 0 absent, -1 could not ask. */
int docker_image_present(struct docker *d, const char *image);

/*
 * Can dockerd apply the sandbox profile (memory, swap, pids and CPU limits,
 * seccomp)? 0 yes; -1 with what is missing (or why we could not ask) in d->error.
 */
int docker_check_profile(struct docker *d);

/*
 * POST /containers/create with body json; fills id (DOCKER_ID_MAX + 1 bytes).
 * dockerd reports a setting it could not apply (e.g. no swap limit) as a
 * warning and creates the container anyway: that is an error here (-1, with
 * the warnings in d->error and id still filled so the caller removes it).
 */
int docker_create(struct docker *d, const char *json, char *id);
int docker_start(struct docker *d, const char *id);
/* Succeeds when the container is already gone or being removed. */
int docker_remove(struct docker *d, const char *id);

struct docker_container {
	char id[DOCKER_ID_MAX + 1];
	char *worker;		/* label coderank.worker */
	char *submission;	/* label coderank.submission, or NULL */
	char *pool;		/* label coderank.pool (a pre-started container), or NULL */
	int64_t created;	/* unix seconds */
	bool ended;		/* State is "exited" or "dead": it can never serve again */
	bool never_started;	/* State is "created" */
};

/* Every container (running or not) carrying label; *out is malloc'd, *n set. */
int docker_list_labelled(struct docker *d, const char *label,
			 struct docker_container **out, size_t *n);
void docker_containers_free(struct docker_container *c, size_t n);

/* ---- the multiplexed attach stream ---------------------------------------- */

struct docker_demux {
	uint8_t hdr[8];
	size_t hdr_have;	/* header bytes collected so far */
	int stream;		/* of the current frame: 0 stdin, 1 stdout, 2 stderr */
	uint32_t remaining;	/* payload bytes of the current frame still to come */
};

void docker_demux_init(struct docker_demux *dm);
/*
 * Feed n raw bytes; payload goes to out (stdout) or err (stderr, and stdin
 * echoes, which do not happen without a tty). Returns 0, or -1 for a malformed
 * header (the stream is not what we think it is). The buffers' caps apply; a
 * caller checks their overflowed flags.
 */
int docker_demux_feed(struct docker_demux *dm, const uint8_t *p, size_t n,
		      struct cr_buf *out, struct cr_buf *err);

struct docker_attach {
	void *curl;		/* CURL *, CONNECT_ONLY, owned; NULL for an adopted socket */
	long fd;		/* the hijacked socket (owned when adopted) */
	struct docker_demux dm;
	struct cr_buf out;	/* container stdout: the runner's result frame */
	struct cr_buf err;	/* container stderr: the runner's diagnostics, capped */
	bool eof;
	char error[512];
};

/*
 * POST /containers/{id}/attach?stream=1&stdin=1&stdout=1&stderr=1 with
 * Connection: Upgrade / Upgrade: tcp, and read the 101 response headers.
 * out_cap caps the stdout bytes kept (the largest acceptable frame).
 */
int docker_attach_open(struct docker *d, const char *id, size_t out_cap,
		       int64_t deadline_ms, struct docker_attach *a);
/* Write all of data to the container's stdin before deadline (monotonic ms). */
int docker_attach_write(struct docker_attach *a, const void *data, size_t len,
			int64_t deadline_ms);
/*
 * Read until a.out holds one whole BSON frame (its length prefix says how long)
 * or deadline passes: 1 with *frame_len set, 0 on deadline, -1 on error, EOF
 * before a whole frame, or a bad length prefix (reason in a->error).
 */
int docker_attach_read_frame(struct docker_attach *a, int64_t deadline_ms, size_t *frame_len);
void docker_attach_close(struct docker_attach *a);

/*
 * After the 101 upgrade the attach stream is a plain socket: the pool hands
 * it to a slot over a unix socket (SCM_RIGHTS). docker_attach_adopt() takes
 * ownership of fd (non-blocking is fine) and reads/writes it with read/write
 * instead of curl; everything above works the same; close() closes fd.
 */
void docker_attach_adopt(struct docker_attach *a, int fd, size_t out_cap);

#endif
