/*
 * Password hashing with scrypt through OpenSSL (EVP_PBE_scrypt), stored as a
 * self-describing PHC-style string so that parameters can be raised later:
 *
 *   $scrypt$ln=17,r=8,p=1$<salt base64>$<hash base64>
 *
 * Defaults follow OWASP: N=2^17, r=8, p=1 (128 MiB, about 0.2-0.4 s). Tests may
 * lower the cost with cr_password_set_cost(). Verification takes its parameters
 * from the stored string and compares in constant time.
 */
#ifndef CR_PASSWORD_H
#define CR_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define CR_PASSWORD_HASH_MAX 160

/* log2(N); default 17. For unit tests only. */
void cr_password_set_cost(int log2_n);

/* Writes the PHC string into out (CR_PASSWORD_HASH_MAX bytes); 0 or -1. */
int cr_password_hash(const char *password, size_t len, char *out, size_t outlen);

/* True when password matches stored; false for mismatch or a malformed string. */
bool cr_password_verify(const char *password, size_t len, const char *stored);

/*
 * Burn about the same time as a verification; called for unknown emails so that
 * login timing does not reveal whether an account exists.
 */
void cr_password_dummy_verify(const char *password, size_t len);

#endif
