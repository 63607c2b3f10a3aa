/* test-common: one CUnit suite per module of common/. */
#include "config.h"

#include "t/unit/cu.h"

void base64url_suite(void);
void buf_suite(void);
void compare_suite(void);
void conf_suite(void);
void destination_suite(void);
void filename_suite(void);
void jwt_suite(void);
void password_suite(void);
void purge_suite(void);
void seal_suite(void);
void timefmt_suite(void);
void utf8_suite(void);
void uuid_suite(void);

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	buf_suite();
	base64url_suite();
	compare_suite();
	conf_suite();
	destination_suite();
	filename_suite();
	jwt_suite();
	password_suite();
	purge_suite();
	seal_suite();
	timefmt_suite();
	utf8_suite();
	uuid_suite();
	return cr_run_tests();
}
