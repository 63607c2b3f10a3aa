/*
 * The hardened container profile: the JSON body of POST /containers/create.
 *
 * Pure (json-c only) so that every hardening field is asserted by a unit test
 * (t/unit/worker/test_sandbox.c). The profile is documented field by field in
 * sandbox.c; nothing here mounts a host path, and the container runs the image's
 * entry point (/usr/local/bin/coderank-runner), which reads its job on stdin.
 */
#ifndef CR_WORKER_SANDBOX_H
#define CR_WORKER_SANDBOX_H

#include <stdint.h>

struct json_object;

#define SANDBOX_NOFILE 256
#define SANDBOX_FILE_BYTES (32LL * 1024 * 1024)
#define SANDBOX_WORK_TMPFS "rw,exec,nosuid,nodev,size=64m,mode=1777"
#define SANDBOX_TMP_TMPFS "rw,nosuid,nodev,size=16m,mode=1777"
#define SANDBOX_LABEL_WORKER "coderank.worker"
#define SANDBOX_LABEL_SUBMISSION "coderank.submission"
#define SANDBOX_LABEL_POOL "coderank.pool"

struct sandbox_spec {
	const char *image;		/* from the submission's limits snapshot */
	const char *worker_id;		/* label coderank.worker */
	const char *submission_id;	/* label coderank.submission; NULL for a pooled container */
	const char *pool_language;	/* label coderank.pool; NULL unless pre-started */
	int max_memory_mb;		/* Memory = MemorySwap */
	int max_processes;		/* PidsLimit */
	int cpu_millicores;		/* NanoCpus = millicores * 1e6 */
};

/* The create body as a json-c object (caller json_object_put()s it), or NULL. */
struct json_object *sandbox_create_object(const struct sandbox_spec *spec);

/* The same as a malloc'd string (caller free()s it). */
char *sandbox_create_json(const struct sandbox_spec *spec);

#endif
