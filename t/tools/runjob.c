/*
 * runjob: drive coderank-runner by hand. Encodes a job frame from arguments,
 * pipes it into `docker run -i --rm <the sandbox flags> IMAGE` (or straight
 * into a runner binary with -x), decodes the result frame and prints it.
 *
 *   runjob -i coderank/python:1 -r 'python3 main.py' main.py
 *   runjob -i coderank/cpp:1 -c 'g++ -o main main.cpp' -r ./main -S 'input' main.cpp
 *   runjob -E -r ./main main.c > job.bson      (encode only)
 *   runjob -i coderank/python:1 -r 'python3 main.py' -C '1 2' -X 3 -C '2 2' -X 4 \
 *          -M tokens -F main.py util.py=pkg/util.py    (test cases, a multi-file program)
 *
 * Files are PATH or PATH=NAME (NAME may hold directories). -C TEXT adds a test
 * case with TEXT as its input, -X TEXT gives the last one an expected output;
 * -M MODE, -e EPSILON and -F (stop on failure) say how they are judged. Bytes
 * are printed escaped; -O DIR also writes DIR/stdout, DIR/stderr and
 * DIR/compile_output raw, for exact comparisons.
 * The exit status is 0 when a result was decoded, 2 otherwise.
 */
#define _GNU_SOURCE
#include "worker/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fputs("usage: runjob [-i IMAGE | -x RUNNER | -E] [-c COMPILE] -r RUN [-s FILE | -S TEXT]\n"
	      "              [-t MS] [-T MS] [-o BYTES] [-m MB] [-p PIDS] [-u UID] [-O DIR]\n"
	      "              [-C TEXT [-X TEXT]]... [-M MODE] [-e EPSILON] [-F] FILE[=NAME]...\n",
	      stderr);
	exit(2);
}

static int read_file(const char *path, struct cr_bytes *b)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096;

	if (!f)
		return -1;
	b->data = malloc(cap);
	b->len = 0;
	for (;;) {
		size_t n;

		if (b->len + 4096 > cap)
			b->data = realloc(b->data, cap *= 2);
		n = fread(b->data + b->len, 1, cap - b->len - 1, f);
		if (n == 0)
			break;
		b->len += n;
	}
	b->data[b->len] = '\0';
	fclose(f);
	return 0;
}

static void print_bytes(const char *label, const struct cr_bytes *b)
{
	printf("%s (%zu bytes): \"", label, b->len);
	for (size_t i = 0; i < b->len && i < 300; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\"%s\n", b->len > 300 ? "..." : "");
}

static void dump(const char *dir, const char *name, const struct cr_bytes *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len)
		perror(path);
	if (f)
		fclose(f);
}

/* One run's fields: the result's own, or a test case's. */
static void print_run(const char *label, const struct cr_case_result *r)
{
	printf("%sexit=%d signal=%d timeout=%d oom=%d time_ms=%lld memory_kb=%lld\n", label,
	       r->exit_code, r->signal, r->timeout, r->oom, (long long)r->time_ms,
	       (long long)r->memory_kb);
	printf("stdout_truncated=%d stderr_truncated=%d output_killed=%d\n",
	       r->stdout_truncated, r->stderr_truncated, r->output_killed);
	if (r->has_matched)
		printf("matched=%d\n", r->matched);
	print_bytes("stdout", &r->out);
	print_bytes("stderr", &r->err);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct cr_job job = {
		.time_ms = 5000, .compile_ms = 30000, .output_bytes = 65536,
		.compile_output_bytes = 65536, .file_bytes = 16 << 20, .nofile = 256, .uid = 10000,
	};
	const char *image = NULL, *runner = NULL, *outdir = NULL, *mem = "256", *pids = "64";
	bool encode_only = false;
	char memarg[64], pidsarg[64];
	int opt, to[2], from[2];
	uint8_t *doc, *rdoc = NULL;
	size_t len = 0, rlen = 0, rcap = 0;
	pid_t pid;
	int64_t t0;
	struct cr_result res;
	struct cr_job_case cases[CR_FRAME_MAX_CASES];
	char err[256];
	int status;

	memset(cases, 0, sizeof cases);
	job.cases = cases;
	job.compare = CR_COMPARE_DEFAULT;
	job.epsilon = CR_COMPARE_EPSILON_DEFAULT;
	while ((opt = getopt(argc, argv, "i:x:Ec:r:s:S:t:T:o:m:p:u:O:C:X:M:e:F")) != -1) {
		switch (opt) {
		case 'i': image = optarg; break;
		case 'x': runner = optarg; break;
		case 'E': encode_only = true; break;
		case 'c': job.compile = optarg; break;
		case 'r': job.run = optarg; break;
		case 's':
			if (read_file(optarg, &job.stdin_data) < 0) {
				perror(optarg);
				return 2;
			}
			break;
		case 'S':
			job.stdin_data.data = optarg;
			job.stdin_data.len = strlen(optarg);
			break;
		case 't': job.time_ms = atoll(optarg); break;
		case 'T': job.compile_ms = atoll(optarg); break;
		case 'o': job.output_bytes = job.compile_output_bytes = atoll(optarg); break;
		case 'm': mem = optarg; break;
		case 'p': pids = optarg; break;
		case 'u': job.uid = atoi(optarg); break;
		case 'O': outdir = optarg; break;
		case 'C':
			if (job.ncases == CR_FRAME_MAX_CASES)
				usage();
			cases[job.ncases].stdin_data.data = optarg;
			cases[job.ncases++].stdin_data.len = strlen(optarg);
			break;
		case 'X':
			if (job.ncases == 0)
				usage();
			cases[job.ncases - 1].expected.data = optarg;
			cases[job.ncases - 1].expected.len = strlen(optarg);
			cases[job.ncases - 1].has_expected = true;
			break;
		case 'M':
			if (cr_compare_parse(optarg, strlen(optarg), &job.compare) < 0)
				usage();
			break;
		case 'e': job.epsilon = atof(optarg); break;
		case 'F': job.stop_on_failure = true; break;
		default: usage();
		}
	}
	if (!job.run || (!image && !runner && !encode_only))
		usage();
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *slash;

		if (job.nfiles == CR_FRAME_MAX_FILES)
			usage();
		if (eq)
			*eq = '\0';
		slash = strrchr(argv[i], '/');
		job.files[job.nfiles].name = eq ? eq + 1 : slash ? slash + 1 : argv[i];
		if (read_file(argv[i], &job.files[job.nfiles].data) < 0) {
			perror(argv[i]);
			return 2;
		}
		job.nfiles++;
	}
	doc = cr_job_encode(&job, &len);
	if (!doc) {
		fputs("runjob: could not encode the job\n", stderr);
		return 2;
	}
	if (encode_only)
		return fwrite(doc, 1, len, stdout) == len ? 0 : 2;

	snprintf(memarg, sizeof memarg, "%sm", mem);
	snprintf(pidsarg, sizeof pidsarg, "%s", pids);
	if (pipe(to) < 0 || pipe(from) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[0]); close(to[1]); close(from[0]); close(from[1]);
		if (runner) {
			execl(runner, runner, (char *)NULL);
		} else {
			execlp("docker", "docker", "run", "-i", "--rm", "--network", "none",
			       "--cap-drop", "ALL", "--cap-add", "SETUID", "--cap-add", "SETGID",
			       "--cap-add", "KILL", "--security-opt", "no-new-privileges", "--read-only",
			       "--tmpfs", "/work:rw,exec,nosuid,nodev,size=64m,mode=1777",
			       "--tmpfs", "/tmp:rw,nosuid,nodev,size=16m,mode=1777",
			       "--memory", memarg, "--memory-swap", memarg, "--pids-limit", pidsarg,
			       "--ulimit", "nofile=256:256", "--ulimit", "core=0",
			       "--log-driver", "none", image, (char *)NULL);
		}
		perror("exec");
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	if (write(to[1], doc, len) != (ssize_t)len)
		perror("write job");
	close(to[1]);
	for (;;) {
		ssize_t n;

		if (rlen == rcap)
			rdoc = realloc(rdoc, rcap = rcap ? rcap * 2 : 65536);
		n = read(from[0], rdoc + rlen, rcap - rlen);
		if (n <= 0)
			break;
		rlen += (size_t)n;
	}
	waitpid(pid, &status, 0);
	printf("wall_ms: %lld (container exit %d)\n", (long long)(now_ms() - t0),
	       WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	if (cr_frame_size(rdoc, rlen) != (int64_t)rlen ||
	    cr_result_decode(rdoc, rlen, &res, err, sizeof err) < 0) {
		printf("bad result frame (%zu bytes): %s\n", rlen,
		       cr_frame_size(rdoc, rlen) != (int64_t)rlen ? "length mismatch" : err);
		return 2;
	}
	if (res.error)
		printf("error: %s\n", res.error);
	if (res.compiled) {
		printf("compile: exit=%d signal=%d timeout=%d time_ms=%lld\n", res.compile_exit,
		       res.compile_signal, res.compile_timeout, (long long)res.compile_time_ms);
		print_bytes("compile_output", &res.compile_output);
	}
	printf("ran=%d ", res.ran);
	print_run("", &(struct cr_case_result){
		.exit_code = res.exit_code, .signal = res.signal, .timeout = res.timeout,
		.oom = res.oom, .output_killed = res.output_killed, .out = res.out, .err = res.err,
		.stdout_truncated = res.stdout_truncated, .stderr_truncated = res.stderr_truncated,
		.time_ms = res.time_ms, .memory_kb = res.memory_kb });
	for (int i = 0; i < res.ncases; i++) {
		char label[32];

		snprintf(label, sizeof label, "case %d: ", i + 1);
		print_run(label, &res.cases[i]);
	}
	if (res.dirty || res.clean)
		printf("clean=%d dirty=%s\n", res.clean, res.dirty ? res.dirty : "");
	if (outdir) {
		dump(outdir, "stdout", &res.out);
		dump(outdir, "stderr", &res.err);
		dump(outdir, "compile_output", &res.compile_output);
	}
	cr_result_free(&res);
	free(rdoc);
	free(doc);
	return 0;
}
