/*
 * Tiny helpers shared by the CUnit test programs: each test file exposes
 * `void <module>_suite(void)` that adds one suite named after its module; main.c
 * of each program calls them and runs the registry in basic mode, exiting
 * non-zero when any assertion failed.
 */
#ifndef CR_T_CU_H
#define CR_T_CU_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#define CR_ADD_SUITE(suite_name, tests) do { \
	CU_pSuite s_ = CU_add_suite((suite_name), NULL, NULL); \
	if (!s_) { fprintf(stderr, "CU_add_suite failed\n"); exit(2); } \
	for (size_t i_ = 0; (tests)[i_].name; i_++) \
		if (!CU_add_test(s_, (tests)[i_].name, (tests)[i_].fn)) exit(2); \
} while (0)

struct cr_test { const char *name; CU_TestFunc fn; };

static inline int cr_run_tests(void)
{
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return (failed || run == 0) ? 1 : 0;
}

#endif
