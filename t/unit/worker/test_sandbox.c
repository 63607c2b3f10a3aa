/* sandbox.c: every hardening field of the container-create body. */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "t/unit/cu.h"
#include "worker/queue.h"
#include "worker/sandbox.h"
#include "worker/slot.h"

void sandbox_suite(void);

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -12345;
}

static int boolean(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

/* The array at key holds exactly the strings of want (in order). */
static bool array_is(struct json_object *o, const char *key, const char *const *want)
{
	struct json_object *a = get(o, key);
	size_t n = 0;

	while (want[n])
		n++;
	if (!a || !json_object_is_type(a, json_type_array) || json_object_array_length(a) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), want[i]) != 0)
			return false;
	return true;
}

static const struct sandbox_spec spec = {
	.image = "coderank/python:1",
	.worker_id = "host:123",
	.submission_id = "123e4567-e89b-12d3-a456-426614174000",
	.max_memory_mb = 256,
	.max_processes = 64,
	.cpu_millicores = 1500,
};

static struct json_object *parsed(const struct sandbox_spec *s)
{
	char *json = sandbox_create_json(s);
	struct json_object *o;

	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	o = json_tokener_parse(json);
	free(json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	return o;
}

static void test_container(void)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8", NULL
	};
	struct json_object *o = parsed(&spec), *labels;

	CU_ASSERT_STRING_EQUAL(str(o, "Image"), "coderank/python:1");
	CU_ASSERT_PTR_NULL(get(o, "Cmd"));		/* the image's entry point runs */
	CU_ASSERT_PTR_NULL(get(o, "Entrypoint"));
	CU_ASSERT_STRING_EQUAL(str(o, "User"), "0:0");
	CU_ASSERT(array_is(o, "Env", env));
	CU_ASSERT_STRING_EQUAL(str(o, "WorkingDir"), "/work");
	CU_ASSERT_EQUAL(boolean(o, "NetworkDisabled"), 1);
	CU_ASSERT_EQUAL(boolean(o, "OpenStdin"), 1);
	CU_ASSERT_EQUAL(boolean(o, "StdinOnce"), 1);
	CU_ASSERT_EQUAL(boolean(o, "AttachStdin"), 1);
	CU_ASSERT_EQUAL(boolean(o, "AttachStdout"), 1);
	CU_ASSERT_EQUAL(boolean(o, "AttachStderr"), 1);
	CU_ASSERT_EQUAL(boolean(o, "Tty"), 0);
	CU_ASSERT_PTR_NULL(get(o, "Volumes"));
	CU_ASSERT_PTR_NULL(get(o, "ExposedPorts"));
	labels = get(o, "Labels");
	CU_ASSERT_STRING_EQUAL(str(labels, "coderank.worker"), "host:123");
	CU_ASSERT_STRING_EQUAL(str(labels, "coderank.submission"), spec.submission_id);
	json_object_put(o);
}

static void test_host_config(void)
{
	static const char *const drop[] = { "ALL", NULL };
	static const char *const add[] = { "SETUID", "SETGID", "KILL", NULL };
	static const char *const sec[] = { "no-new-privileges", NULL };
	struct json_object *o = parsed(&spec);
	struct json_object *hc = get(o, "HostConfig"), *tmpfs, *ul, *logc;
	bool seen_nofile = false, seen_fsize = false, seen_core = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hc);
	CU_ASSERT_STRING_EQUAL(str(hc, "NetworkMode"), "none");
	CU_ASSERT(array_is(hc, "CapDrop", drop));
	CU_ASSERT(array_is(hc, "CapAdd", add));
	CU_ASSERT(array_is(hc, "SecurityOpt", sec));	/* default seccomp: no seccomp= entry */
	CU_ASSERT_EQUAL(boolean(hc, "Privileged"), 0);
	CU_ASSERT_EQUAL(boolean(hc, "ReadonlyRootfs"), 1);
	CU_ASSERT_EQUAL(boolean(hc, "AutoRemove"), 0);
	tmpfs = get(hc, "Tmpfs");
	CU_ASSERT_EQUAL(json_object_object_length(tmpfs), 2);
	CU_ASSERT_STRING_EQUAL(str(tmpfs, "/work"), "rw,exec,nosuid,nodev,size=64m,mode=1777");
	CU_ASSERT_STRING_EQUAL(str(tmpfs, "/tmp"), "rw,nosuid,nodev,size=16m,mode=1777");
	CU_ASSERT_EQUAL(num(hc, "Memory"), 256LL * 1024 * 1024);
	CU_ASSERT_EQUAL(num(hc, "MemorySwap"), 256LL * 1024 * 1024);
	CU_ASSERT_EQUAL(num(hc, "PidsLimit"), 64);
	CU_ASSERT_EQUAL(num(hc, "NanoCpus"), 1500000000LL);
	CU_ASSERT_STRING_EQUAL(str(hc, "IpcMode"), "private");
	CU_ASSERT_STRING_EQUAL(str(get(hc, "Sysctls"), "net.ipv4.ping_group_range"), "1 0");
	logc = get(hc, "LogConfig");
	CU_ASSERT_STRING_EQUAL(str(logc, "Type"), "none");
	/* nothing of the host inside */
	CU_ASSERT_PTR_NULL(get(hc, "Binds"));
	CU_ASSERT_PTR_NULL(get(hc, "Mounts"));
	CU_ASSERT_PTR_NULL(get(hc, "VolumesFrom"));
	CU_ASSERT_PTR_NULL(get(hc, "Devices"));
	CU_ASSERT_PTR_NULL(get(hc, "PidMode"));
	CU_ASSERT_PTR_NULL(get(hc, "UsernsMode"));

	ul = get(hc, "Ulimits");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(ul), 3);
	for (size_t i = 0; i < json_object_array_length(ul); i++) {
		struct json_object *u = json_object_array_get_idx(ul, i);
		const char *name = str(u, "Name");

		CU_ASSERT_EQUAL(num(u, "Soft"), num(u, "Hard"));
		if (strcmp(name, "nofile") == 0) {
			seen_nofile = true;
			CU_ASSERT_EQUAL(num(u, "Soft"), 256);
		} else if (strcmp(name, "fsize") == 0) {
			seen_fsize = true;
			CU_ASSERT_EQUAL(num(u, "Soft"), 32LL * 1024 * 1024);
		} else if (strcmp(name, "core") == 0) {
			seen_core = true;
			CU_ASSERT_EQUAL(num(u, "Soft"), 0);
		}
	}
	CU_ASSERT(seen_nofile && seen_fsize && seen_core);
	json_object_put(o);
}

static void test_pooled_and_bad(void)
{
	struct sandbox_spec s = spec;
	struct json_object *o;

	s.submission_id = NULL;	/* a pooled container has no submission yet */
	o = parsed(&s);
	CU_ASSERT_PTR_NULL(get(get(o, "Labels"), "coderank.submission"));
	CU_ASSERT_STRING_EQUAL(str(get(o, "Labels"), "coderank.worker"), "host:123");
	json_object_put(o);

	s = spec;
	s.image = "";
	CU_ASSERT_PTR_NULL(sandbox_create_json(&s));
	s = spec;
	s.max_memory_mb = 0;
	CU_ASSERT_PTR_NULL(sandbox_create_json(&s));
	s = spec;
	s.worker_id = NULL;
	CU_ASSERT_PTR_NULL(sandbox_create_json(&s));
}

/* Values from the snapshot must not be able to inject JSON. */
static void test_escaping(void)
{
	struct sandbox_spec s = spec;
	struct json_object *o;

	s.worker_id = "w\",\"Privileged\":true,\"x\":\"";
	o = parsed(&s);
	CU_ASSERT_EQUAL(boolean(get(o, "HostConfig"), "Privileged"), 0);
	CU_ASSERT_PTR_NULL(get(o, "Privileged"));
	CU_ASSERT_STRING_EQUAL(str(get(o, "Labels"), "coderank.worker"), s.worker_id);
	json_object_put(o);
}

/* The job frame a slot sends for a claimed submission. */
static void test_job_frame(void)
{
	struct queue_job job;
	struct cr_job fj, back;
	uint8_t *doc;
	size_t len = 0;
	char err[128];

	memset(&job, 0, sizeof(job));
	job.source_file = (char *)(uintptr_t)"main.c";
	job.source.data = (char *)(uintptr_t)"int main(void){return 0;}";
	job.source.len = strlen(job.source.data);
	job.input.data = (char *)(uintptr_t)"a\0b";
	job.input.len = 3;
	job.compile_command = (char *)(uintptr_t)"gcc -o main main.c";
	job.execute_command = (char *)(uintptr_t)"./main";
	job.timeout_seconds = 10;
	job.time_limit_ms = 2500;	/* a request's own, below the language's 10 s */
	job.compile_timeout_seconds = 30;

	slot_build_job(&job, 65536, &fj);
	doc = cr_job_encode(&fj, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL_FATAL(cr_job_decode(doc, len, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.nfiles, 1);
	CU_ASSERT_STRING_EQUAL(back.files[0].name, "main.c");
	CU_ASSERT_EQUAL(back.files[0].data.len, job.source.len);
	CU_ASSERT_EQUAL(back.stdin_data.len, 3);
	CU_ASSERT_EQUAL(memcmp(back.stdin_data.data, "a\0b", 3), 0);
	CU_ASSERT_STRING_EQUAL(back.compile, "gcc -o main main.c");
	CU_ASSERT_STRING_EQUAL(back.run, "./main");
	CU_ASSERT_EQUAL(back.time_ms, 2500);
	CU_ASSERT_EQUAL(back.compile_ms, 30000);
	CU_ASSERT_EQUAL(back.output_bytes, 65536);
	CU_ASSERT_EQUAL(back.file_bytes, 32LL * 1024 * 1024);
	CU_ASSERT_EQUAL(back.nofile, 256);
	CU_ASSERT_EQUAL(back.uid, 10000);
	CU_ASSERT_EQUAL(slot_job_budget_ms(&job), 2500 + 30000 + SLOT_DEADLINE_MARGIN_MS);
	job.compile_command = NULL;
	CU_ASSERT_EQUAL(slot_job_budget_ms(&job), 2500 + SLOT_DEADLINE_MARGIN_MS);
	cr_job_free(&back);
	free(doc);
}

void sandbox_suite(void)
{
	static const struct cr_test tests[] = {
		{ "container fields", test_container },
		{ "host config hardening", test_host_config },
		{ "pooled container, bad specs", test_pooled_and_bad },
		{ "no JSON injection", test_escaping },
		{ "job frame of a claimed submission", test_job_frame },
		{ NULL, NULL },
	};

	CR_ADD_SUITE("sandbox", tests);
}
