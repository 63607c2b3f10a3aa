/* CUnit runner for the API program's modules (fcgi/). */
#include "config.h"

#include "t/unit/cu.h"

void router_suite(void);
void validate_suite(void);
void ratelimit_suite(void);
void http_suite(void);
void auth_suite(void);
void metrics_suite(void);
void trust_suite(void);
void hold_suite(void);
void callback_suite(void);

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	router_suite();
	validate_suite();
	ratelimit_suite();
	http_suite();
	auth_suite();
	metrics_suite();
	trust_suite();
	hold_suite();
	callback_suite();
	return cr_run_tests();
}
