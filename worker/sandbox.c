/*
 * The container profile of every submission (Docker Engine API 1.41 create body).
 *
 * Why each setting:
 * - User 0:0 with every capability dropped except SETUID/SETGID/KILL: the runner
 *   starts as root only to drop to uid 10000 for the program and to kill its
 *   process tree; no-new-privileges stops setuid binaries from getting it back.
 * - NetworkDisabled + NetworkMode none: no interface but lo. NetworkDisabled
 *   also skips network set-up (about 90 ms per start measured here).
 * - ReadonlyRootfs with two small tmpfs: /work (exec, for compiled programs)
 *   and /tmp. Nothing of the host is mounted, so no host-side file operation on
 *   a path the program can plant a symlink in ever happens.
 * - Memory == MemorySwap (no swap), PidsLimit, NanoCpus, and ulimits nofile,
 *   fsize and core=0 bound what a program can take.
 * - LogConfig none: the result travels over the attach stream; nothing is
 *   written to disk by dockerd for a 100 MB flood.
 * - Sysctls net.ipv4.ping_group_range "1 0": no ICMP datagram sockets, which
 *   Docker otherwise opens to every group.
 * - OpenStdin + StdinOnce: the job is written on stdin after attach; stdin
 *   closes when we detach. The default seccomp profile stays on.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "worker/sandbox.h"

static struct json_object *str_array(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static struct json_object *ulimit(const char *name, int64_t value)
{
	struct json_object *u = json_object_new_object();

	json_object_object_add(u, "Name", json_object_new_string(name));
	json_object_object_add(u, "Soft", json_object_new_int64(value));
	json_object_object_add(u, "Hard", json_object_new_int64(value));
	return u;
}

static struct json_object *host_config(const struct sandbox_spec *spec)
{
	static const char *const cap_drop[] = { "ALL", NULL };
	static const char *const cap_add[] = { "SETUID", "SETGID", "KILL", NULL };
	static const char *const security[] = { "no-new-privileges", NULL };
	struct json_object *hc = json_object_new_object();
	struct json_object *tmpfs = json_object_new_object();
	struct json_object *ulimits = json_object_new_array();
	struct json_object *logc = json_object_new_object();
	struct json_object *sysctls = json_object_new_object();
	int64_t mem = (int64_t)spec->max_memory_mb * 1024 * 1024;

	json_object_object_add(hc, "NetworkMode", json_object_new_string("none"));
	json_object_object_add(hc, "CapDrop", str_array(cap_drop));
	json_object_object_add(hc, "CapAdd", str_array(cap_add));
	json_object_object_add(hc, "SecurityOpt", str_array(security));
	json_object_object_add(hc, "Privileged", json_object_new_boolean(0));
	json_object_object_add(hc, "ReadonlyRootfs", json_object_new_boolean(1));
	json_object_object_add(tmpfs, "/work", json_object_new_string(SANDBOX_WORK_TMPFS));
	json_object_object_add(tmpfs, "/tmp", json_object_new_string(SANDBOX_TMP_TMPFS));
	json_object_object_add(hc, "Tmpfs", tmpfs);
	json_object_object_add(hc, "Memory", json_object_new_int64(mem));
	json_object_object_add(hc, "MemorySwap", json_object_new_int64(mem));
	json_object_object_add(hc, "PidsLimit", json_object_new_int64(spec->max_processes));
	json_object_object_add(hc, "NanoCpus",
			       json_object_new_int64((int64_t)spec->cpu_millicores * 1000000));
	json_object_array_add(ulimits, ulimit("nofile", SANDBOX_NOFILE));
	json_object_array_add(ulimits, ulimit("fsize", SANDBOX_FILE_BYTES));
	json_object_array_add(ulimits, ulimit("core", 0));
	json_object_object_add(hc, "Ulimits", ulimits);
	json_object_object_add(logc, "Type", json_object_new_string("none"));
	json_object_object_add(hc, "LogConfig", logc);
	json_object_object_add(hc, "IpcMode", json_object_new_string("private"));
	/* Docker opens ICMP "ping" sockets to every group; close them (kernel surface). */
	json_object_object_add(sysctls, "net.ipv4.ping_group_range", json_object_new_string("1 0"));
	json_object_object_add(hc, "Sysctls", sysctls);
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(0));
	return hc;
}

struct json_object *sandbox_create_object(const struct sandbox_spec *spec)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8", NULL
	};
	struct json_object *o, *labels;

	if (!spec->image || !*spec->image || !spec->worker_id || spec->max_memory_mb <= 0 ||
	    spec->max_processes <= 0 || spec->cpu_millicores <= 0)
		return NULL;
	o = json_object_new_object();
	labels = json_object_new_object();
	json_object_object_add(o, "Image", json_object_new_string(spec->image));
	json_object_object_add(o, "User", json_object_new_string("0:0"));
	json_object_object_add(o, "Env", str_array(env));
	json_object_object_add(o, "WorkingDir", json_object_new_string("/work"));
	json_object_object_add(o, "NetworkDisabled", json_object_new_boolean(1));
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(1));
	json_object_object_add(o, "StdinOnce", json_object_new_boolean(1));
	json_object_object_add(o, "AttachStdin", json_object_new_boolean(1));
	json_object_object_add(o, "AttachStdout", json_object_new_boolean(1));
	json_object_object_add(o, "AttachStderr", json_object_new_boolean(1));
	json_object_object_add(o, "Tty", json_object_new_boolean(0));
	json_object_object_add(labels, SANDBOX_LABEL_WORKER,
			       json_object_new_string(spec->worker_id));
	if (spec->submission_id)
		json_object_object_add(labels, SANDBOX_LABEL_SUBMISSION,
				       json_object_new_string(spec->submission_id));
	if (spec->pool_language)
		json_object_object_add(labels, SANDBOX_LABEL_POOL,
				       json_object_new_string(spec->pool_language));
	json_object_object_add(o, "Labels", labels);
	json_object_object_add(o, "HostConfig", host_config(spec));
	return o;
}

char *sandbox_create_json(const struct sandbox_spec *spec)
{
	struct json_object *o = sandbox_create_object(spec);
	char *s;

	if (!o)
		return NULL;
	s = cr_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);	/* the string above belonged to o */
	return s;
}
