/* seal.c: round trips, and what does not open: another key, another owner, a flipped bit. */
#include "config.h"

#include <string.h>

#include "common/buf.h"
#include "common/seal.h"
#include "t/unit/cu.h"

void seal_suite(void);

static const char *const hex_key =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void test_key(void)
{
	unsigned char k[CR_SEAL_KEY_BYTES];

	CU_ASSERT_EQUAL(cr_seal_key(hex_key, k), 0);
	CU_ASSERT_EQUAL(k[0], 0x00);
	CU_ASSERT_EQUAL(k[31], 0x1f);
	CU_ASSERT_EQUAL(cr_seal_key("00", k), -1);
	CU_ASSERT_EQUAL(cr_seal_key(NULL, k), -1);
	CU_ASSERT_EQUAL(cr_seal_key("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
				    k), -1);
}

static void test_round_trip_and_tamper(void)
{
	unsigned char k[CR_SEAL_KEY_BYTES], other[CR_SEAL_KEY_BYTES];
	struct cr_buf sealed = CR_BUF_INIT, again = CR_BUF_INIT, plain = CR_BUF_INIT;
	static const char secret[] = "whsec_abc\0def";

	CU_ASSERT_EQUAL_FATAL(cr_seal_key(hex_key, k), 0);
	memcpy(other, k, sizeof(k));
	other[5] ^= 1;
	CU_ASSERT_EQUAL_FATAL(cr_seal(k, "user-a", secret, sizeof(secret) - 1, &sealed), 0);
	CU_ASSERT_EQUAL(sealed.len, sizeof(secret) - 1 + CR_SEAL_OVERHEAD);
	CU_ASSERT_PTR_NULL(memmem(sealed.data, sealed.len, "whsec_", 6));
	CU_ASSERT_EQUAL(cr_unseal(k, "user-a", sealed.data, sealed.len, &plain), 0);
	CU_ASSERT_EQUAL(plain.len, sizeof(secret) - 1);
	CU_ASSERT_EQUAL(memcmp(plain.data, secret, plain.len), 0);
	/* a fresh nonce each time: the same secret seals differently */
	CU_ASSERT_EQUAL(cr_seal(k, "user-a", secret, sizeof(secret) - 1, &again), 0);
	CU_ASSERT(memcmp(again.data, sealed.data, sealed.len) != 0);

	cr_buf_reset(&plain);
	CU_ASSERT_EQUAL(cr_unseal(other, "user-a", sealed.data, sealed.len, &plain), -1);
	CU_ASSERT_EQUAL(cr_unseal(k, "user-b", sealed.data, sealed.len, &plain), -1);
	for (size_t i = 0; i < sealed.len; i += 7) {
		sealed.data[i] ^= 0x40;
		CU_ASSERT_EQUAL(cr_unseal(k, "user-a", sealed.data, sealed.len, &plain), -1);
		sealed.data[i] ^= 0x40;
	}
	CU_ASSERT_EQUAL(cr_unseal(k, "user-a", sealed.data, CR_SEAL_OVERHEAD - 1, &plain), -1);
	CU_ASSERT_EQUAL(plain.len, 0);
	cr_buf_release(&sealed);
	cr_buf_release(&again);
	cr_buf_release(&plain);
}

void seal_suite(void)
{
	static const struct cr_test tests[] = {
		{ "webhook_key", test_key },
		{ "round trip; another key, owner or bit does not open", test_round_trip_and_tamper },
		{ NULL, NULL },
	};
	CR_ADD_SUITE("seal", tests);
}
