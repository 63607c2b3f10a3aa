/*
 * The configuration: defaults, then a `key = value` file, then CODERANK_<KEY>
 * environment variables. Every key lives in one table (name, type, field,
 * bounds), so parsing, environment overrides and error messages stay in step.
 *
 * File syntax: blank lines and lines starting with '#' are ignored; elsewhere
 * '#' starts a comment when it follows whitespace outside quotes (so a bare
 * `pass#word` stays whole). A value may be wrapped in double quotes, inside
 * which \" and \\ are escapes and '#' is literal.
 *
 * Error messages name the origin (file:line or the environment variable) and
 * the key, never a string value: jwt_key is a secret and database_url may hold
 * a password.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/purge.h"
#include "common/xalloc.h"

#define DEFAULT_PATH "/etc/coderank/coderank.conf"
#define MAX_FILE_BYTES (1024 * 1024)

enum kind { K_STR, K_INT, K_SIZE, K_NETS };

struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	long long min, max;	/* K_INT, K_SIZE */
};

#define STR(f) { #f, K_STR, offsetof(struct cr_config, f), 0, 0 }
#define INT(f, lo, hi) { #f, K_INT, offsetof(struct cr_config, f), lo, hi }
#define SIZE(f, lo, hi) { #f, K_SIZE, offsetof(struct cr_config, f), lo, hi }
#define NETS(f) { #f, K_NETS, offsetof(struct cr_config, f), 0, 0 }

static const struct key keys[] = {
	STR(database_url),
	STR(log_level),
	STR(jwt_key),
	INT(jwt_ttl_seconds, 60, 30 * 86400),
	STR(api_listen),
	INT(api_processes, 1, 1024),
	INT(api_threads, 1, 1024),
	INT(api_db_connections, 1, 256),
	INT(api_max_waiters, 0, 100000),
	INT(api_wait_margin_seconds, 0, 600),
	INT(api_events_max_seconds, 10, 86400),
	INT(api_hash_concurrency, 0, 1024),
	SIZE(max_body_bytes, 1024, 1024LL * 1024 * 1024),
	SIZE(max_source_bytes, 1, 1024LL * 1024 * 1024),
	SIZE(max_input_bytes, 0, 1024LL * 1024 * 1024),
	INT(max_test_cases, 1, 64),
	INT(max_test_work_seconds, 1, 86400),
	INT(login_max_failures, 0, 1000000),
	INT(login_window_seconds, 1, 86400),
	INT(login_pair_max_failures, 0, 1000000),
	INT(login_address_max_failures, 0, 1000000),
	INT(login_slow_seconds, 1, 60),
	NETS(api_allow),
	NETS(metrics_allow),
	STR(metrics_token),
	STR(webhook_key),
	NETS(webhook_allow),
	INT(webhook_allow_http, 0, 1),
	INT(webhook_max_pending, 0, 1000000),
	INT(webhook_timeout_seconds, 1, 300),
	INT(webhook_connect_timeout_seconds, 1, 300),
	INT(webhook_retry_hours, 0, 24 * 30),
	INT(webhook_senders, 1, 256),
	INT(webhook_host_concurrency, 1, 256),
	INT(worker_slots, 1, 1024),
	STR(worker_id),
	STR(docker_socket),
	SIZE(output_limit_bytes, 1, 1024LL * 1024 * 1024),
	INT(max_attempts, 1, 100),
	INT(max_platform_failures, 1, 100),
	INT(lease_seconds, 5, 86400),
	INT(sweep_interval_seconds, 1, 3600),
	INT(cpu_limit_millicores, 10, 1024 * 1000),
	INT(retention_days, 0, CR_PURGE_MAX_DAYS),
	INT(pool_size, 0, 64),
	INT(pool_max, 0, 256),
	INT(pool_idle_seconds, 1, 86400),
	INT(pool_max_age_seconds, 10, 86400),
	STR(isolation),
	INT(sandbox_max_runs, 1, 1000000),
	INT(sandbox_idle_seconds, 1, 86400),
	{ NULL, K_STR, 0, 0, 0 },
};

static char **str_field(struct cr_config *cfg, const struct key *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

static struct cr_netlist *nets_field(struct cr_config *cfg, const struct key *k)
{
	return (struct cr_netlist *)(void *)((char *)cfg + k->offset);
}

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? cr_xstrdup(value) : NULL;
}

void cr_config_defaults(struct cr_config *cfg)
{
	char host[256];

	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = cr_xstrdup("info");
	cfg->jwt_ttl_seconds = 3600;
	cfg->api_listen = cr_xstrdup("127.0.0.1:9000");
	cfg->api_processes = 4;
	cfg->api_threads = 16;
	cfg->api_db_connections = 4;
	cfg->api_max_waiters = 512;
	cfg->api_wait_margin_seconds = 10;
	cfg->api_events_max_seconds = 600;
	cfg->api_hash_concurrency = 0;	/* the number of CPUs */
	cfg->max_body_bytes = 2 * 1024 * 1024;
	cfg->max_source_bytes = 65536;
	cfg->max_input_bytes = 1024 * 1024;
	cfg->max_test_cases = 64;
	cfg->max_test_work_seconds = 300;
	cfg->login_max_failures = 10;
	cfg->login_window_seconds = 900;
	cfg->login_pair_max_failures = 5;
	cfg->login_address_max_failures = 100;
	cfg->login_slow_seconds = 5;
	cr_netlist_parse(CR_LOOPBACK, &cfg->api_allow, NULL, 0);
	cr_netlist_parse(CR_METRICS_ALLOW, &cfg->metrics_allow, NULL, 0);
	cfg->webhook_max_pending = 1000;
	cfg->webhook_timeout_seconds = 10;
	cfg->webhook_connect_timeout_seconds = 5;
	cfg->webhook_retry_hours = 24;
	cfg->webhook_senders = 4;
	cfg->webhook_host_concurrency = 2;
	cfg->worker_slots = 2;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "%s", "localhost");
	host[sizeof(host) - 1] = '\0';
	cfg->worker_id = cr_xasprintf("%s:%ld", host, (long)getpid());
	cfg->docker_socket = cr_xstrdup("/var/run/docker.sock");
	cfg->output_limit_bytes = 65536;
	cfg->max_attempts = 3;
	cfg->max_platform_failures = 5;
	cfg->lease_seconds = 30;
	cfg->sweep_interval_seconds = 5;
	cfg->cpu_limit_millicores = 1000;
	cfg->retention_days = 90;
	cfg->pool_size = 1;
	cfg->pool_max = 4;
	cfg->pool_idle_seconds = 60;
	cfg->pool_max_age_seconds = 600;
	cfg->isolation = cr_xstrdup("sandbox");
	cfg->sandbox_max_runs = 200;
	cfg->sandbox_idle_seconds = 120;
}

void cr_config_free(struct cr_config *cfg)
{
	if (!cfg)
		return;
	for (const struct key *k = keys; k->name; k++)
		if (k->kind == K_STR)
			set_str(str_field(cfg, k), NULL);
		else if (k->kind == K_NETS)
			cr_netlist_free(nets_field(cfg, k));
}

static const struct key *find_key(const char *name)
{
	for (const struct key *k = keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* Strict decimal integer: optional sign, digits, nothing else. */
static int parse_ll(const char *s, long long *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	return 0;
}

int cr_config_set(struct cr_config *cfg, const char *key, const char *value,
		  char *err, size_t errlen)
{
	const struct key *k = find_key(key);
	char why[160];
	long long v;

	if (!k) {
		snprintf(err, errlen, "unknown key \"%.64s\"", key);
		return -1;
	}
	switch (k->kind) {
	case K_STR:
		if (strcmp(key, "log_level") == 0 && strcmp(value, "debug") &&
		    strcmp(value, "info") && strcmp(value, "warn") &&
		    strcmp(value, "error")) {
			snprintf(err, errlen, "invalid value for \"log_level\": "
				 "must be debug, info, warn or error");
			return -1;
		}
		set_str(str_field(cfg, k), value);
		return 0;
	case K_INT:
	case K_SIZE:
		/* Numbers are not secret: echo them (cut) to help the operator. */
		if (parse_ll(value, &v) < 0 || v < k->min || v > k->max) {
			snprintf(err, errlen, "invalid value \"%.32s\" for \"%s\": "
				 "must be an integer between %lld and %lld",
				 value, key, k->min, k->max);
			return -1;
		}
		if (k->kind == K_INT)
			*(int *)(void *)((char *)cfg + k->offset) = (int)v;
		else
			*(size_t *)(void *)((char *)cfg + k->offset) = (size_t)v;
		return 0;
	case K_NETS:
		if (cr_netlist_parse(value, nets_field(cfg, k), why, sizeof(why)) < 0) {
			snprintf(err, errlen, "invalid value for \"%s\": %s", key, why);
			return -1;
		}
		return 0;
	}
	return -1;
}

/*
 * Parse the value that starts at p (leading blanks already skipped) into out.
 * Returns -1 with a message for an unterminated quote or junk after it.
 */
static int parse_value(const char *p, struct cr_buf *out, const char **why)
{
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (!*p) {
				*why = "unterminated quoted value";
				return -1;
			}
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			cr_buf_addch(out, *p);
		}
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (*p && *p != '#') {
			*why = "unexpected text after the closing quote";
			return -1;
		}
		return 0;
	}
	for (; *p; p++) {
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t'))
			break;
		cr_buf_addch(out, *p);
	}
	while (out->len && (out->data[out->len - 1] == ' ' ||
			    out->data[out->len - 1] == '\t'))
		out->data[--out->len] = '\0';
	return 0;
}

int cr_config_parse(struct cr_config *cfg, const char *text, const char *origin,
		    char *err, size_t errlen)
{
	struct cr_buf line = CR_BUF_INIT, key = CR_BUF_INIT, value = CR_BUF_INIT;
	char why[256];
	const char *what;
	int lineno = 0, ret = -1;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		const char *p;

		lineno++;
		cr_buf_reset(&line);
		cr_buf_reset(&key);
		cr_buf_reset(&value);
		cr_buf_add(&line, text, n);
		text += n + (nl ? 1 : 0);
		if (line.len && line.data[line.len - 1] == '\r')
			line.data[--line.len] = '\0';

		for (p = line.data; *p == ' ' || *p == '\t'; p++)
			;
		if (!*p || *p == '#')
			continue;
		while (*p && *p != '=' && *p != ' ' && *p != '\t')
			cr_buf_addch(&key, *p++);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=' || !key.len) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"",
				 origin, lineno);
			goto out;
		}
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (parse_value(p, &value, &what) < 0) {
			snprintf(err, errlen, "%s:%d: %s for \"%.64s\"", origin,
				 lineno, what, key.data);
			goto out;
		}
		if (cr_config_set(cfg, key.data, value.data, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", origin, lineno, why);
			goto out;
		}
	}
	ret = 0;
out:
	cr_buf_release(&line);
	cr_buf_release(&key);
	cr_buf_release(&value);
	return ret;
}

static int apply_env(struct cr_config *cfg, char *err, size_t errlen)
{
	char var[64], why[256];

	for (const struct key *k = keys; k->name; k++) {
		const char *v;
		size_t i;

		i = (size_t)snprintf(var, sizeof(var), "CODERANK_");
		for (const char *s = k->name; *s && i + 1 < sizeof(var); s++)
			var[i++] = (char)toupper((unsigned char)*s);
		var[i] = '\0';
		v = getenv(var);
		if (!v)
			continue;
		if (cr_config_set(cfg, k->name, v, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "environment variable %s: %s", var, why);
			return -1;
		}
	}
	return 0;
}

/* Read a whole configuration file; -1 with errno set (or EFBIG/EINVAL). */
static int read_file(const char *path, struct cr_buf *out)
{
	char chunk[4096];
	FILE *f = fopen(path, "r");
	size_t n;
	int ret = 0;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > MAX_FILE_BYTES) {
			errno = EFBIG;
			ret = -1;
			break;
		}
		cr_buf_add(out, chunk, n);
	}
	if (!ret && ferror(f)) {
		errno = EIO;
		ret = -1;
	}
	fclose(f);
	if (!ret && memchr(out->data, '\0', out->len)) {
		errno = EINVAL;
		ret = -1;
	}
	return ret;
}

int cr_config_load(struct cr_config *cfg, const char *path, char *err, size_t errlen)
{
	struct cr_buf text = CR_BUF_INIT;
	bool named = true;
	int ret = -1;

	cr_config_defaults(cfg);
	if (!path)
		path = getenv("CODERANK_CONFIG");
	if (!path || !*path) {
		path = DEFAULT_PATH;
		named = false;
	}
	if (read_file(path, &text) < 0) {
		if (errno == ENOENT && !named) {
			cr_buf_reset(&text);
		} else {
			snprintf(err, errlen, "could not read configuration file \"%s\": %s",
				 path, errno == EINVAL ? "file contains a NUL byte" :
				 strerror(errno));
			goto out;
		}
	}
	if (cr_config_parse(cfg, text.data, path, err, errlen) < 0)
		goto out;
	if (apply_env(cfg, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	cr_buf_release(&text);
	return ret;
}

/* webhook_key, when set: the 32-byte sealing key, as 64 hex digits (common/seal.h). */
static int check_webhook_key(const struct cr_config *cfg, char *err, size_t errlen)
{
	const char *k = cfg->webhook_key;

	if (!k || !*k)
		return 0;
	if (strlen(k) != 64 || strspn(k, "0123456789abcdefABCDEF") != 64) {
		snprintf(err, errlen, "webhook_key must be 64 hex digits (32 random bytes, e.g. "
			 "`openssl rand -hex 32`); leave it unset to turn webhooks off");
		return -1;
	}
	return 0;
}

int cr_config_check_api(const struct cr_config *cfg, char *err, size_t errlen)
{
	if (!cfg->database_url || !*cfg->database_url) {
		snprintf(err, errlen, "database_url is not set: set it in the "
			 "configuration file or CODERANK_DATABASE_URL");
		return -1;
	}
	if (!cfg->jwt_key || !*cfg->jwt_key) {
		snprintf(err, errlen, "jwt_key is not set: tokens cannot be signed "
			 "without a secret key; set jwt_key (or CODERANK_JWT_KEY) to "
			 "at least %d random bytes, e.g. the output of "
			 "`openssl rand -hex 32`", CR_JWT_KEY_MIN);
		return -1;
	}
	if (strlen(cfg->jwt_key) < CR_JWT_KEY_MIN) {
		snprintf(err, errlen, "jwt_key is too short: it must be at least %d "
			 "bytes so that tokens cannot be forged by guessing it; "
			 "generate one with `openssl rand -hex 32`", CR_JWT_KEY_MIN);
		return -1;
	}
	/* Unset (or empty) is fine: then only metrics_allow opens /metrics. */
	if (cfg->metrics_token && *cfg->metrics_token &&
	    strlen(cfg->metrics_token) < CR_METRICS_TOKEN_MIN) {
		snprintf(err, errlen, "metrics_token is too short: it must be at least %d "
			 "bytes so that it cannot be guessed; generate one with "
			 "`openssl rand -hex 32`", CR_METRICS_TOKEN_MIN);
		return -1;
	}
	if (check_webhook_key(cfg, err, errlen) < 0)
		return -1;
	return cr_config_check_limits(cfg, &cr_limits, err, errlen);
}

int cr_config_check_worker(const struct cr_config *cfg, char *err, size_t errlen)
{
	if (!cfg->database_url || !*cfg->database_url) {
		snprintf(err, errlen, "database_url is not set: set it in the "
			 "configuration file or CODERANK_DATABASE_URL");
		return -1;
	}
	if (!cfg->worker_id || !*cfg->worker_id) {
		snprintf(err, errlen, "worker_id is empty: leave it unset for "
			 "hostname:pid, or give each worker a unique name");
		return -1;
	}
	if (!cfg->docker_socket || !*cfg->docker_socket) {
		snprintf(err, errlen, "docker_socket is empty: set the path of the "
			 "Docker Engine's unix socket");
		return -1;
	}
	if (!cfg->isolation || (strcmp(cfg->isolation, "sandbox") != 0 &&
				strcmp(cfg->isolation, "container") != 0)) {
		snprintf(err, errlen, "isolation must be \"sandbox\" (many runs per "
			 "container, the default) or \"container\" (a fresh container per run)");
		return -1;
	}
	if (cfg->pool_max < cfg->pool_size) {
		snprintf(err, errlen, "pool_max (%d) is below pool_size (%d): the pool "
			 "could never hold its minimum", cfg->pool_max, cfg->pool_size);
		return -1;
	}
	if (check_webhook_key(cfg, err, errlen) < 0)
		return -1;
	return cr_config_check_limits(cfg, &cr_limits, err, errlen);
}

const struct cr_limits cr_limits = {
	.frame_bytes = CR_LIMIT_FRAME_BYTES,
	.runner_output_bytes = CR_LIMIT_RUNNER_OUTPUT_BYTES,
	.frame_reserve_bytes = CR_LIMIT_FRAME_RESERVE_BYTES,
	.proxy_read_seconds = CR_LIMIT_NGINX_READ_SECONDS,
	.answer_seconds = CR_LIMIT_ANSWER_SECONDS,
};

/* What the worker stores must be what the runner and the result frame carry. */
static int check_output(const struct cr_config *cfg, const struct cr_limits *lim,
			char *err, size_t errlen)
{
	unsigned long long out = cfg->output_limit_bytes;
	unsigned long long room = lim->frame_bytes - lim->frame_reserve_bytes;
	unsigned long long streams = 2ULL * (unsigned)cfg->max_test_cases + 1;

	if (out > lim->runner_output_bytes) {
		snprintf(err, errlen, "output_limit_bytes (%llu) is above the runner's cap "
			 "per output stream (JOB_MAX_OUTPUT_BYTES, %zu bytes): the runner "
			 "would refuse every job, each retried until it ends internal_error; "
			 "set output_limit_bytes to at most %zu", out,
			 lim->runner_output_bytes, lim->runner_output_bytes);
		return -1;
	}
	/*
	 * The compiler's output and each test case's stdout and stderr share one
	 * result frame (a run without test cases is one case).
	 */
	if (streams * out > room) {
		snprintf(err, errlen, "output_limit_bytes (%llu): the compiler's output and "
			 "stdout and stderr of max_test_cases (%d) cases at that cap, plus %zu "
			 "bytes for the rest, do not fit the result frame (CR_FRAME_MAX_BYTES, "
			 "%zu bytes); set output_limit_bytes to at most %llu or lower "
			 "max_test_cases", out, cfg->max_test_cases, lim->frame_reserve_bytes,
			 lim->frame_bytes, room / streams);
		return -1;
	}
	return 0;
}

/* A submission the API accepts must fit the job frame the worker writes. */
static int check_submission(const struct cr_config *cfg, const struct cr_limits *lim,
			    char *err, size_t errlen)
{
	unsigned long long room = lim->frame_bytes - lim->frame_reserve_bytes;

	if ((unsigned long long)cfg->max_source_bytes + cfg->max_input_bytes > room) {
		snprintf(err, errlen, "max_source_bytes (%zu) plus max_input_bytes (%zu), plus "
			 "%zu bytes for the rest, do not fit the job frame (CR_FRAME_MAX_BYTES, "
			 "%zu bytes): such a submission would be accepted and never run; "
			 "their sum must be at most %llu", cfg->max_source_bytes,
			 cfg->max_input_bytes, lim->frame_reserve_bytes, lim->frame_bytes, room);
		return -1;
	}
	if (cfg->max_body_bytes > lim->frame_bytes) {
		snprintf(err, errlen, "max_body_bytes (%zu) is above the job frame "
			 "(CR_FRAME_MAX_BYTES, %zu bytes) that the source and input it carries "
			 "must fit: set max_body_bytes to at most %zu", cfg->max_body_bytes,
			 lim->frame_bytes, lim->frame_bytes);
		return -1;
	}
	return 0;
}

int cr_config_check_limits(const struct cr_config *cfg, const struct cr_limits *lim,
			   char *err, size_t errlen)
{
	if (check_output(cfg, lim, err, errlen) < 0 ||
	    check_submission(cfg, lim, err, errlen) < 0)
		return -1;
	return 0;
}

int cr_config_read_timeout(const struct cr_config *cfg, int longest_limit_seconds)
{
	int t = longest_limit_seconds + cfg->api_wait_margin_seconds + cr_limits.answer_seconds;

	return t > cr_limits.proxy_read_seconds ? t : cr_limits.proxy_read_seconds;
}

int cr_config_wait_seconds(const struct cr_config *cfg, int limit_seconds, int read_timeout)
{
	int hold = limit_seconds + cfg->api_wait_margin_seconds;
	int max = read_timeout - cr_limits.answer_seconds;

	return hold < max ? hold : max;
}

int cr_config_args(int argc, char **argv, void (*usage)(FILE *), const char **path)
{
	int opt;

	*path = NULL;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		switch (opt) {
		case 'c':
			*path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * ---- address allow-lists -------------------------------------------------------
 * Parsed once, at load; matched per connection (api_allow) and per /metrics
 * request (metrics_allow). Addresses are not secret: a bad entry is quoted.
 */

#define NET_SEPS " \t,"
#define NET_ENTRY_MAX 64	/* the longest IPv6 text (45) and "/128" */

static void v4_mapped(unsigned char out[16], const void *in_addr)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, in_addr, 4);
}

/* Does net cover addr? The first net->bits bits are equal. */
static bool net_contains(const struct cr_net *net, const unsigned char *addr)
{
	int full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, addr, (size_t)full) != 0)
		return false;
	return rest == 0 || ((net->addr[full] ^ addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

/* 10.1.2.3/8 is more likely a typo than a way to write 10.0.0.0/8. */
static bool host_bits_clear(const struct cr_net *net)
{
	int full = net->bits / 8, rest = net->bits % 8;

	for (int i = full; i < 16; i++) {
		unsigned keep = i == full ? (0xff00u >> rest) & 0xff : 0;
		if (net->addr[i] & ~keep)
			return false;
	}
	return true;
}

/* One entry, written in s (cut at '/'); NULL, or why it is refused. */
static const char *parse_net(char *s, struct cr_net *net)
{
	char *slash = strchr(s, '/');
	struct in_addr a4;
	int bits, max = 128;

	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, s, &a4) == 1) {
		v4_mapped(net->addr, &a4);
		max = 32;
	} else if (inet_pton(AF_INET6, s, net->addr) != 1) {
		return "not an IPv4 or IPv6 address";
	}
	bits = max;
	if (slash) {
		size_t n = strlen(slash);

		if (n == 0 || n > 3 || strspn(slash, "0123456789") != n || atoi(slash) > max)
			return max == 32 ? "the prefix length must be a number from 0 to 32" :
			       "the prefix length must be a number from 0 to 128";
		bits = atoi(slash);
	}
	net->bits = bits + 128 - max;
	return host_bits_clear(net) ? NULL : "bits are set after the prefix length";
}

int cr_netlist_parse(const char *text, struct cr_netlist *out, char *err, size_t errlen)
{
	struct cr_netlist l = { NULL, 0 };
	const char *p = text, *why;
	char entry[NET_ENTRY_MAX + 1];

	while (*(p += strspn(p, NET_SEPS))) {
		size_t n = strcspn(p, NET_SEPS);

		l.nets = cr_xrealloc(l.nets, (l.n + 1) * sizeof(*l.nets));
		snprintf(entry, sizeof(entry), "%.*s", (int)n, p);
		why = n > NET_ENTRY_MAX ? "too long" : parse_net(entry, &l.nets[l.n]);
		if (why) {
			if (err)
				snprintf(err, errlen, "entry \"%.*s\" is invalid: %s",
					 (int)(n > NET_ENTRY_MAX ? NET_ENTRY_MAX : n), p, why);
			free(l.nets);
			return -1;
		}
		l.n++;
		p += n;
	}
	cr_netlist_free(out);
	*out = l;
	return 0;
}

void cr_netlist_free(struct cr_netlist *l)
{
	free(l->nets);
	l->nets = NULL;
	l->n = 0;
}

bool cr_netlist_match(const struct cr_netlist *l, const unsigned char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (net_contains(&l->nets[i], addr))
			return true;
	return false;
}

bool cr_netlist_match_text(const struct cr_netlist *l, const char *addr)
{
	unsigned char a[16];
	struct in_addr a4;

	if (!addr)
		return false;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		v4_mapped(a, &a4);
	else if (inet_pton(AF_INET6, addr, a) != 1)
		return false;
	return cr_netlist_match(l, a);
}

bool cr_netlist_match_sockaddr(const struct cr_netlist *l, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	unsigned char a[16];

	/* copies: sa may point into a buffer with the alignment of struct sockaddr only */
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		v4_mapped(a, &sin.sin_addr);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(a, &sin6.sin6_addr, 16);
	} else {
		return false;
	}
	return cr_netlist_match(l, a);
}
