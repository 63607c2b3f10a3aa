/*
 * The one configuration of CodeRank: a file of `key = value` lines ('#' starts a
 * comment, blank lines ignored, values may be wrapped in double quotes), read by
 * both programs, then overridden by environment variables CODERANK_<KEY>
 * (upper case), e.g. CODERANK_JWT_KEY. Unknown keys are an error (a typo must not
 * silently leave a default in place).
 *
 * The file is named by -c FILE, else $CODERANK_CONFIG, else
 * /etc/coderank/coderank.conf. See README for every key.
 */
#ifndef CR_CONF_H
#define CR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CR_JWT_KEY_MIN 32	/* bytes; the programs refuse to start below it */

struct cr_config {
	/* shared */
	char *database_url;		/* libpq conninfo or URI; required */
	char *log_level;		/* debug|info|warn|error; default info */

	/* API */
	char *jwt_key;			/* HMAC key, >= CR_JWT_KEY_MIN bytes; required by the API */
	int jwt_ttl_seconds;		/* default 3600 */
	char *api_listen;		/* unix socket path or host:port; default 127.0.0.1:9000 */
	int api_processes;		/* responders in the pool; default 4 */
	int api_max_waiters;		/* ?wait=true requests waiting at once, all processes; default 2 */
	int api_wait_margin_seconds;	/* added to the language time limit for ?wait; default 5 */
	size_t max_body_bytes;		/* default 2 MiB */
	size_t max_source_bytes;	/* default 65536 */
	size_t max_input_bytes;		/* default 1 MiB */
	int login_max_failures;		/* failed logins per email per window; 0: no limit; default 10 */
	int login_window_seconds;	/* that window; default 900 */

	/* worker */
	int worker_slots;		/* submissions run at once; default 2 */
	char *worker_id;		/* default hostname:pid */
	char *docker_socket;		/* default /var/run/docker.sock */
	size_t output_limit_bytes;	/* per stream; default 65536 */
	int max_attempts;		/* default 3 */
	int lease_seconds;		/* default 30 */
	int sweep_interval_seconds;	/* default 5 */
	int cpu_limit_millicores;	/* per container; default 1000 */

	/* worker: the pool of pre-started containers (worker/pool.c) */
	int pool_size;			/* ready containers per language at least; 0 = no pool; default 1 */
	int pool_max;			/* per language at most, grown on demand; default 4 */
	int pool_idle_seconds;		/* shrink one step toward pool_size per idle period; default 60 */
	int pool_max_age_seconds;	/* a ready container older than this is replaced; default 600 */

	/* worker: how runs are isolated (worker/held.h, docs/SECURITY.md) */
	char *isolation;		/* "sandbox" (default) or "container"; a row may override */
	int sandbox_max_runs;		/* runs of one sandbox container before it retires; default 200 */
	int sandbox_idle_seconds;	/* a sandbox container unused this long retires; default 120 */
};

/* Set every field to its default (strings NULL where required). */
void cr_config_defaults(struct cr_config *cfg);

/*
 * Load defaults, then the file at path (NULL: $CODERANK_CONFIG, else the default
 * path; a missing file is an error only when it was named explicitly), then the
 * environment. On error writes a message into err and returns -1.
 */
int cr_config_load(struct cr_config *cfg, const char *path, char *err, size_t errlen);

/*
 * The command line of both daemons: [-c FILE] [-h]. Returns -1 to go on, with
 * *path the -c argument or NULL (the default file); otherwise the exit status:
 * 0 after -h (usage on stdout), 2 for anything else (usage on stderr).
 */
int cr_config_args(int argc, char **argv, void (*usage)(FILE *), const char **path);

/* Parse one `key = value` text (the file's contents) into cfg; for tests. */
int cr_config_parse(struct cr_config *cfg, const char *text, const char *origin,
		    char *err, size_t errlen);

/* Apply one key; returns -1 with a message for an unknown key or a bad value. */
int cr_config_set(struct cr_config *cfg, const char *key, const char *value,
		  char *err, size_t errlen);

/* Checks the API needs at start: database_url set, jwt_key at least CR_JWT_KEY_MIN. */
int cr_config_check_api(const struct cr_config *cfg, char *err, size_t errlen);
int cr_config_check_worker(const struct cr_config *cfg, char *err, size_t errlen);

void cr_config_free(struct cr_config *cfg);

#endif
