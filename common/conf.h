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
#define CR_METRICS_TOKEN_MIN 16	/* bytes, when metrics_token is set */
#define CR_LOOPBACK "127.0.0.0/8 ::1"	/* api_allow by default */
#define CR_METRICS_ALLOW "127.0.0.1 ::1"	/* as nginx's METRICS_ALLOW by default */

/*
 * An address allow-list (api_allow, metrics_allow): IPv4 and IPv6 addresses and
 * CIDR prefixes, separated by blanks or commas. IPv4 is kept as v4-mapped IPv6
 * (::ffff:a.b.c.d, its prefix + 96), so an IPv4 peer seen on a dual-stack socket
 * matches the same entries, and IPv4 entries never match native IPv6.
 */
struct cr_net {
	unsigned char addr[16];
	int bits;			/* prefix length, 0..128 */
};

struct cr_netlist {
	struct cr_net *nets;
	size_t n;
};

struct sockaddr;

/*
 * Bounds set outside this file that the limits must fit, so that both
 * programs refuse at start-up a configuration that could never hold
 * (cr_config_check_limits). The API includes no worker header: the frame's
 * numbers are repeated here, and worker/verdict.c asserts they agree.
 */
#define CR_LIMIT_FRAME_BYTES (16 * 1024 * 1024)	/* CR_FRAME_MAX_BYTES, worker/frame.h */
#define CR_LIMIT_RUNNER_OUTPUT_BYTES (4 * 1024 * 1024)	/* JOB_MAX_OUTPUT_BYTES, frame.c */
#define CR_LIMIT_FRAME_RESERVE_BYTES (64 * 1024)	/* keys, file name, commands, messages */
#define CR_LIMIT_NGINX_READ_SECONDS 60	/* the least fastcgi_read_timeout generated */
#define CR_LIMIT_ANSWER_SECONDS 5	/* after a ?wait=true hold: fetch and answer */

struct cr_config {
	/* shared */
	char *database_url;		/* libpq conninfo or URI; required */
	char *log_level;		/* debug|info|warn|error; default info */

	/* API */
	char *jwt_key;			/* HMAC key, >= CR_JWT_KEY_MIN bytes; required by the API */
	int jwt_ttl_seconds;		/* default 3600 */
	char *api_listen;		/* unix socket path or host:port; default 127.0.0.1:9000 */
	int api_processes;		/* responders in the pool; default 4 */
	int api_threads;		/* request threads per responder process; default 16 */
	int api_db_connections;		/* database connections per process; default 4 */
	int api_max_waiters;		/* held requests (?wait, events) per process; default 512 */
	int api_wait_margin_seconds;	/* added to compile + time limit for ?wait; default 10 */
	int api_events_max_seconds;	/* an event stream ends after this; default 600 */
	int api_hash_concurrency;	/* password hashes at once per process; 0: the CPUs */
	size_t max_body_bytes;		/* default 2 MiB */
	size_t max_source_bytes;	/* default 65536 */
	size_t max_input_bytes;		/* default 1 MiB */
	int max_test_cases;		/* test_cases of a submission, 1-64; default 64 */
	int max_test_work_seconds;	/* cases x time limit of a submission; default 300 */
	int login_max_failures;		/* failed logins per email per window, then slowed; 0: off; 10 */
	int login_window_seconds;	/* the window of every login limit; default 900 */
	int login_pair_max_failures;	/* per email from one address, then 429; 0: off; default 5 */
	int login_address_max_failures;	/* per client address, then 429; 0: off; default 100 */
	int login_slow_seconds;		/* a slowed email: one try per address this often; default 5 */
	struct cr_netlist api_allow;	/* TCP peers of the pool; default CR_LOOPBACK */
	struct cr_netlist metrics_allow;	/* may read /metrics; CR_METRICS_ALLOW */
	char *metrics_token;		/* opens /metrics too (Bearer); secret; unset */
	/* webhooks (issue 13): both programs read these */
	char *webhook_key;		/* 64 hex digits sealing users' webhook secrets; secret; unset: off */
	struct cr_netlist webhook_allow;	/* destinations allowed although not public; none */
	int webhook_allow_http;		/* 1: http:// callback URLs too; default 0 (https only) */
	int webhook_max_pending;	/* pending deliveries per user, then 429; default 1000 */
	int webhook_timeout_seconds;	/* one attempt, whole; default 10 */
	int webhook_connect_timeout_seconds;	/* its connect; default 5 */
	int webhook_retry_hours;	/* retried this long after the result, then failed; 24 */
	int webhook_senders;		/* deliveries at once, per worker; default 4 */
	int webhook_host_concurrency;	/* deliveries at once to one host, per worker; default 2 */

	/* worker */
	int worker_slots;		/* submissions run at once; default 2 */
	char *worker_id;		/* default hostname:pid */
	char *docker_socket;		/* default /var/run/docker.sock */
	size_t output_limit_bytes;	/* per stream; default 65536 */
	int max_attempts;		/* claims lost without a give-back (lease expired); default 3 */
	int max_platform_failures;	/* platform failures given back, backed off; default 5 */
	int lease_seconds;		/* default 30 */
	int sweep_interval_seconds;	/* default 5 */
	int cpu_limit_millicores;	/* per container; default 1000 */
	int retention_days;		/* final submissions older are purged hourly; 0: kept; 90 */

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

/*
 * Checks the API needs at start: database_url set, jwt_key at least
 * CR_JWT_KEY_MIN, metrics_token (when set) at least CR_METRICS_TOKEN_MIN, and
 * the limits (below). The worker's: its keys and the limits.
 */
int cr_config_check_api(const struct cr_config *cfg, char *err, size_t errlen);
int cr_config_check_worker(const struct cr_config *cfg, char *err, size_t errlen);

/* The bounds of the CR_LIMIT_* names; the checks use cr_limits, tests others. */
struct cr_limits {
	size_t frame_bytes;		/* the largest job or result frame */
	size_t runner_output_bytes;	/* the runner's cap per output stream */
	size_t frame_reserve_bytes;	/* a frame's room for all but the payload */
	int proxy_read_seconds;		/* the least fastcgi_read_timeout generated */
	int answer_seconds;		/* the API's time to answer after a hold */
};

extern const struct cr_limits cr_limits;

/*
 * Do the limits all hold together? output_limit_bytes within the runner's cap,
 * and three outputs (stdout, stderr, compiler) in one result frame; source and
 * input in one job frame, and no body larger than a frame; a ?wait=true margin
 * that leaves time for the program. -1 with a message naming both sides.
 */
int cr_config_check_limits(const struct cr_config *cfg, const struct cr_limits *lim,
			   char *err, size_t errlen);

/*
 * nginx's fastcgi_read_timeout for the API (scripts/nginx-conf writes it, from
 * coderank-api --read-timeout): the longest compile + time limit of the active
 * languages, plus api_wait_margin_seconds, plus answer_seconds; at least
 * proxy_read_seconds.
 */
int cr_config_read_timeout(const struct cr_config *cfg, int longest_limit_seconds);

/*
 * How long the API holds a ?wait=true request for a submission whose compile
 * + time limit is limit_seconds: that plus api_wait_margin_seconds, but never
 * so long that nginx (read_timeout, above) gives up first.
 */
int cr_config_wait_seconds(const struct cr_config *cfg, int limit_seconds, int read_timeout);

void cr_config_free(struct cr_config *cfg);

/*
 * Parse an allow-list into *out (freed first); an empty text is an empty list.
 * -1 with a message quoting the bad entry (addresses are not secret); *out is
 * then unchanged. An entry with bits set beyond its prefix is refused: a typo.
 */
int cr_netlist_parse(const char *text, struct cr_netlist *out, char *err, size_t errlen);
void cr_netlist_free(struct cr_netlist *l);
/* addr is 16 bytes of IPv6 (IPv4 as ::ffff:a.b.c.d). */
bool cr_netlist_match(const struct cr_netlist *l, const unsigned char *addr);
/* A textual address (REMOTE_ADDR); false when it is none. */
bool cr_netlist_match_text(const struct cr_netlist *l, const char *addr);
/* A socket's address: AF_INET or AF_INET6; false for any other family. */
bool cr_netlist_match_sockaddr(const struct cr_netlist *l, const struct sockaddr *sa);

#endif
