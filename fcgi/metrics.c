/*
 * Prometheus counters in a shared mapping. Every slot is a plain uint64_t
 * updated with __atomic builtins (relaxed: a scrape needs no ordering, only no
 * lost increments). The region is sized for ROUTER_MAX_ROUTES + 1 route labels
 * (the last one counts unmatched paths) and a fixed set of status codes.
 * Series are labelled by route (its label and its method, which together name
 * a row of the route table); a 405 is counted under the first route of its
 * path, so route="/execute",method="POST",code="405" reads "the path of
 * POST /execute was called with another method".
 */
#include "config.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "fcgi/metrics.h"

static const int codes[] = { 200, 201, 202, 400, 401, 404, 405, 409, 413, 415,
			     429, 499, 500, 503 };	/* 499: a held request's client left */
#define N_CODES (sizeof(codes) / sizeof(codes[0]) + 1)	/* + "other" */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define N_LABELS (ROUTER_MAX_ROUTES + 1)

struct api_shm {
	int waiting[METRICS_MAX_SLOTS];	/* held requests of each responder */
	unsigned char alive[METRICS_MAX_SLOTS];	/* the supervisor: a responder runs in the slot */
	unsigned char accepting[METRICS_MAX_SLOTS];	/* its acceptor takes connections now */
	uint32_t room_gen;		/* futex: bumped when a paused acceptor should look again */
	int paused;			/* acceptors waiting on room_gen */
	int read_timeout;		/* nginx's fastcgi_read_timeout; 0: not known yet */
	uint64_t requests[N_LABELS][N_CODES];
	uint64_t hist[N_LABELS][N_BUCKETS];	/* non-cumulative; +Inf is the count */
	uint64_t sum_us[N_LABELS];
	uint64_t count[N_LABELS];
};

struct api_shm *metrics_shm_create(void)
{
	void *p = mmap(NULL, sizeof(struct api_shm), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		cr_error("could not map shared counters: %m");
		return NULL;
	}
	return p;
}

void metrics_shm_destroy(struct api_shm *shm)
{
	if (shm)
		munmap(shm, sizeof(*shm));
}

static size_t label_index(int route_index)
{
	return (route_index < 0 || route_index >= ROUTER_MAX_ROUTES)
		? ROUTER_MAX_ROUTES : (size_t)route_index;
}

void metrics_observe(struct api_shm *shm, int route_index, int status, int64_t micros)
{
	size_t l = label_index(route_index), c = N_CODES - 1, b;

	if (!shm)
		return;
	for (size_t i = 0; i < N_CODES - 1; i++)
		if (codes[i] == status) {
			c = i;
			break;
		}
	__atomic_fetch_add(&shm->requests[l][c], 1, __ATOMIC_RELAXED);
	if (micros < 0)
		micros = 0;
	for (b = 0; b < N_BUCKETS; b++)
		if ((double)micros <= buckets[b] * 1e6)
			break;
	if (b < N_BUCKETS)
		__atomic_fetch_add(&shm->hist[l][b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&shm->sum_us[l], (uint64_t)micros, __ATOMIC_RELAXED);
	__atomic_fetch_add(&shm->count[l], 1, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void metrics_render(struct api_shm *shm, const struct route *table, struct cr_buf *out)
{
	size_t n = router_count(table);

	if (!shm)
		return;
	if (n > ROUTER_MAX_ROUTES)
		n = ROUTER_MAX_ROUTES;
	cr_buf_addstr(out,
		"# HELP coderank_http_requests_total HTTP requests answered, by route and status code.\n"
		"# TYPE coderank_http_requests_total counter\n");
	for (size_t l = 0; l <= n; l++) {
		size_t li = l == n ? ROUTER_MAX_ROUTES : l;
		const char *route = l == n ? "unmatched" : table[l].label;
		const char *method = l == n ? "" : table[l].method;
		for (size_t c = 0; c < N_CODES; c++) {
			uint64_t v = load(&shm->requests[li][c]);
			if (!v)
				continue;
			if (c == N_CODES - 1)
				cr_buf_addf(out, "coderank_http_requests_total{route=\"%s\",method=\"%s\",code=\"other\"} %llu\n",
					    route, method, (unsigned long long)v);
			else
				cr_buf_addf(out, "coderank_http_requests_total{route=\"%s\",method=\"%s\",code=\"%d\"} %llu\n",
					    route, method, codes[c], (unsigned long long)v);
		}
	}
	cr_buf_addstr(out,
		"# HELP coderank_http_request_duration_seconds Time from request read to answer written.\n"
		"# TYPE coderank_http_request_duration_seconds histogram\n");
	for (size_t l = 0; l <= n; l++) {
		size_t li = l == n ? ROUTER_MAX_ROUTES : l;
		const char *route = l == n ? "unmatched" : table[l].label;
		const char *method = l == n ? "" : table[l].method;
		uint64_t cum = 0, count = load(&shm->count[li]);
		for (size_t b = 0; b < N_BUCKETS; b++) {
			cum += load(&shm->hist[li][b]);
			cr_buf_addf(out, "coderank_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %llu\n",
				    route, method, buckets[b], (unsigned long long)cum);
		}
		cr_buf_addf(out, "coderank_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %llu\n",
			    route, method, (unsigned long long)count);
		cr_buf_addf(out, "coderank_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
			    route, method, (double)load(&shm->sum_us[li]) / 1e6);
		cr_buf_addf(out, "coderank_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
			    route, method, (unsigned long long)count);
	}
	cr_buf_addf(out,
		"# HELP coderank_waiting_requests Requests held for a result (?wait=true, event streams).\n"
		"# TYPE coderank_waiting_requests gauge\n"
		"coderank_waiting_requests %d\n", metrics_waiters(shm));
}

void metrics_waiters_set(struct api_shm *shm, int slot, int n)
{
	if (shm && slot >= 0 && slot < METRICS_MAX_SLOTS) {
		__atomic_store_n(&shm->waiting[slot], n, __ATOMIC_RELAXED);
		metrics_room_changed(shm);	/* the spread of holds moved */
	}
}

int metrics_waiters(struct api_shm *shm)
{
	int n = 0;

	if (!shm)
		return 0;
	for (int i = 0; i < METRICS_MAX_SLOTS; i++)
		n += __atomic_load_n(&shm->waiting[i], __ATOMIC_RELAXED);
	return n;
}

void metrics_read_timeout_set(struct api_shm *shm, int seconds)
{
	if (shm)
		__atomic_store_n(&shm->read_timeout, seconds, __ATOMIC_RELAXED);
}

int metrics_read_timeout(struct api_shm *shm)
{
	return shm ? __atomic_load_n(&shm->read_timeout, __ATOMIC_RELAXED) : 0;
}

void metrics_slot_alive(struct api_shm *shm, int slot, bool alive)
{
	if (shm && slot >= 0 && slot < METRICS_MAX_SLOTS)
		__atomic_store_n(&shm->alive[slot], alive, __ATOMIC_RELAXED);
}

int metrics_waiters_of(struct api_shm *shm, int slot)
{
	if (!shm || slot < 0 || slot >= METRICS_MAX_SLOTS)
		return 0;
	return __atomic_load_n(&shm->waiting[slot], __ATOMIC_RELAXED);
}

bool metrics_hold_room_elsewhere(struct api_shm *shm, int slot, int max)
{
	if (!shm)
		return false;
	for (int i = 0; i < METRICS_MAX_SLOTS; i++)
		if (i != slot && __atomic_load_n(&shm->alive[i], __ATOMIC_RELAXED) &&
		    __atomic_load_n(&shm->waiting[i], __ATOMIC_RELAXED) < max)
			return true;
	return false;
}

/* ---- the acceptors' coordination (fcgi/server.c, may_accept) ----------------------- */

void metrics_slot_accepting(struct api_shm *shm, int slot, bool accepting)
{
	if (shm && slot >= 0 && slot < METRICS_MAX_SLOTS)
		__atomic_store_n(&shm->accepting[slot], accepting, __ATOMIC_SEQ_CST);
}

int metrics_waiters_min_accepting(struct api_shm *shm)
{
	int min = INT_MAX;

	if (!shm)
		return min;
	for (int i = 0; i < METRICS_MAX_SLOTS; i++) {
		int n;

		if (!__atomic_load_n(&shm->alive[i], __ATOMIC_RELAXED) ||
		    !__atomic_load_n(&shm->accepting[i], __ATOMIC_RELAXED))
			continue;
		n = __atomic_load_n(&shm->waiting[i], __ATOMIC_RELAXED);
		if (n < min)
			min = n;
	}
	return min;
}

uint32_t metrics_room_gen(struct api_shm *shm)
{
	return shm ? __atomic_load_n(&shm->room_gen, __ATOMIC_SEQ_CST) : 0;
}

/*
 * A futex on the shared mapping (not FUTEX_PRIVATE: the waiters are other
 * processes). Bump, then wake only when someone waits: a paused acceptor that
 * read the old value either is counted in paused by now, or finds the value
 * changed when it calls FUTEX_WAIT and does not sleep.
 */
void metrics_room_changed(struct api_shm *shm)
{
	if (!shm)
		return;
	__atomic_add_fetch(&shm->room_gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&shm->paused, __ATOMIC_SEQ_CST) > 0)
		syscall(SYS_futex, &shm->room_gen, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void metrics_room_wait(struct api_shm *shm, uint32_t gen, int timeout_ms)
{
	struct timespec ts = { .tv_sec = timeout_ms / 1000,
			       .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };

	if (!shm) {
		nanosleep(&ts, NULL);
		return;
	}
	__atomic_add_fetch(&shm->paused, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &shm->room_gen, FUTEX_WAIT, gen, &ts, NULL, 0);
	__atomic_sub_fetch(&shm->paused, 1, __ATOMIC_SEQ_CST);
}
