/* test-worker: one CUnit suite per module of worker/. */
#include "config.h"

#include "t/unit/cu.h"

void cgroup_suite(void);
void docker_suite(void);
void frame_suite(void);
void held_suite(void);
void hostcheck_suite(void);
void pool_suite(void);
void sandbox_suite(void);
void verdict_suite(void);
void webhook_suite(void);
void wipe_suite(void);

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	frame_suite();
	docker_suite();
	sandbox_suite();
	verdict_suite();
	pool_suite();
	held_suite();
	hostcheck_suite();
	cgroup_suite();
	wipe_suite();
	webhook_suite();
	return cr_run_tests();
}
