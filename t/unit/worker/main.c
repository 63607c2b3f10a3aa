/* test-worker: one CUnit suite per module of worker/. */
#include "config.h"

#include "t/unit/cu.h"

void docker_suite(void);
void frame_suite(void);
void pool_suite(void);
void sandbox_suite(void);
void verdict_suite(void);

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	frame_suite();
	docker_suite();
	sandbox_suite();
	verdict_suite();
	pool_suite();
	return cr_run_tests();
}
