/*
 * Password hashing: scrypt (OpenSSL's EVP_PBE_scrypt), stored as
 *
 *   $scrypt$ln=17,r=8,p=1$<salt>$<hash>
 *
 * with standard base64 without padding (as PHC strings write it), a 16-byte
 * random salt and a 32-byte hash. Verification reads the parameters from the
 * stored string, so the cost can be raised later without breaking old
 * accounts; it bounds them first (ln 10..20, memory <= 1 GiB, small r and p),
 * because a hostile or corrupt row must not make us allocate gigabytes or spin
 * for minutes. The final compare is CRYPTO_memcmp.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/base64url.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/password.h"

#define DEFAULT_LN 17
#define MIN_LN 10
#define MAX_LN 20
#define R 8
#define P 1
#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_MEM (UINT64_C(1) << 30)	/* scrypt's V array: 128 * r * N */

static int cost_ln = DEFAULT_LN;

void cr_password_set_cost(int log2_n)
{
	cost_ln = log2_n < MIN_LN ? MIN_LN : log2_n > MAX_LN ? MAX_LN : log2_n;
}

static int scrypt(const char *pw, size_t len, const unsigned char *salt,
		  size_t saltlen, int ln, uint64_t r, uint64_t p,
		  unsigned char *out, size_t outlen)
{
	uint64_t n = UINT64_C(1) << ln;
	/* V is 128*r*(N+2) bytes and B is 128*r*p: allow both plus slack. */
	uint64_t maxmem = 128 * r * (n + 2) + 128 * r * p + (UINT64_C(1) << 20);

	if (EVP_PBE_scrypt(pw, len, salt, saltlen, n, r, p, maxmem, out, outlen) != 1)
		return -1;
	return 0;
}

/* Standard base64 without padding, through the base64url coder. */
static void b64_encode(const unsigned char *data, size_t len, struct cr_buf *out)
{
	size_t start = out->len;

	cr_base64url_encode(data, len, out);
	for (size_t i = start; i < out->len; i++) {
		if (out->data[i] == '-')
			out->data[i] = '+';
		else if (out->data[i] == '_')
			out->data[i] = '/';
	}
}

static int b64_decode(const char *s, size_t len, struct cr_buf *out)
{
	char tmp[128];

	if (len > sizeof(tmp))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '-' || s[i] == '_')
			return -1;
		tmp[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	}
	return cr_base64url_decode(tmp, len, out);
}

int cr_password_hash(const char *password, size_t len, char *out, size_t outlen)
{
	struct cr_buf s = CR_BUF_INIT;
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	int ret = -1;

	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		cr_error("could not hash password: RAND_bytes failed");
		goto out;
	}
	if (scrypt(password, len, salt, sizeof(salt), cost_ln, R, P, hash,
		   sizeof(hash)) < 0) {
		cr_error("could not hash password: scrypt failed");
		goto out;
	}
	cr_buf_addf(&s, "$scrypt$ln=%d,r=%d,p=%d$", cost_ln, R, P);
	b64_encode(salt, sizeof(salt), &s);
	cr_buf_addch(&s, '$');
	b64_encode(hash, sizeof(hash), &s);
	if (s.len + 1 > outlen || s.len + 1 > CR_PASSWORD_HASH_MAX)
		goto out;
	memcpy(out, s.data, s.len + 1);
	ret = 0;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	cr_buf_release(&s);
	return ret;
}

/* Parse "name=<1..3 digits>" at *p followed by sep; advances *p. */
static bool param(const char **p, const char *name, char sep, int *v)
{
	size_t n = strlen(name);
	int digits = 0;

	if (strncmp(*p, name, n) != 0 || (*p)[n] != '=')
		return false;
	*p += n + 1;
	*v = 0;
	while (**p >= '0' && **p <= '9' && digits < 3) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || **p != sep)
		return false;
	(*p)++;
	return true;
}

bool cr_password_verify(const char *password, size_t len, const char *stored)
{
	struct cr_buf salt = CR_BUF_INIT, want = CR_BUF_INIT;
	unsigned char got[64];
	const char *p = stored, *dollar;
	int ln, r, pp;
	bool ok = false;

	if (!stored || strncmp(p, "$scrypt$", 8) != 0)
		goto out;
	p += 8;
	if (!param(&p, "ln", ',', &ln) || !param(&p, "r", ',', &r) ||
	    !param(&p, "p", '$', &pp))
		goto out;
	/* Bounds before any work: see the comment at the top of the file. */
	if (ln < MIN_LN || ln > MAX_LN || r < 1 || r > 32 || pp < 1 || pp > 4 ||
	    UINT64_C(128) * (uint64_t)r << ln > MAX_MEM)
		goto out;
	dollar = strchr(p, '$');
	if (!dollar || b64_decode(p, (size_t)(dollar - p), &salt) < 0 ||
	    salt.len < 8 || salt.len > 64)
		goto out;
	p = dollar + 1;
	if (b64_decode(p, strlen(p), &want) < 0 || want.len < 16 ||
	    want.len > sizeof(got))
		goto out;
	if (scrypt(password, len, (const unsigned char *)salt.data, salt.len, ln,
		   (uint64_t)r, (uint64_t)pp, got, want.len) < 0)
		goto out;
	ok = CRYPTO_memcmp(got, want.data, want.len) == 0;
	OPENSSL_cleanse(got, sizeof(got));
out:
	cr_buf_release(&salt);
	cr_buf_release(&want);
	return ok;
}

void cr_password_dummy_verify(const char *password, size_t len)
{
	char dummy[CR_PASSWORD_HASH_MAX];

	/*
	 * Same parameters as a fresh hash (the default cost unless a test lowered
	 * it), so an unknown email costs what a real account's check costs. The
	 * salt is "coderank-dummy!!" and the hash all zeros: nothing matches it.
	 */
	snprintf(dummy, sizeof(dummy), "$scrypt$ln=%d,r=%d,p=%d$%s$%s", cost_ln,
		 R, P, "Y29kZXJhbmstZHVtbXkhIQ",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	(void)cr_password_verify(password, len, dummy);
}
