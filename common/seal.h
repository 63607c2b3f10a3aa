/*
 * Secrets at rest (users' webhook secrets): AES-256-GCM under a key from the
 * configuration (webhook_key), with associated data that binds a sealed value
 * to its owner (the user id), so that a sealed secret copied to another row
 * does not open. Sealed bytes: a random 12-byte nonce, the ciphertext, the
 * 16-byte tag.
 */
#ifndef CR_COMMON_SEAL_H
#define CR_COMMON_SEAL_H

#include <stddef.h>

struct cr_buf;

#define CR_SEAL_KEY_BYTES 32
#define CR_SEAL_OVERHEAD (12 + 16)

/* webhook_key (64 hex digits) into key; -1 when it is not that. */
int cr_seal_key(const char *hex, unsigned char key[CR_SEAL_KEY_BYTES]);

/* Appends the sealed plain (len bytes) to out; 0, or -1 (OpenSSL failed). */
int cr_seal(const unsigned char key[CR_SEAL_KEY_BYTES], const char *aad, const void *plain,
	    size_t len, struct cr_buf *out);

/* Appends what sealed (len bytes) holds to out; -1 when it does not open (wrong key, aad, bytes). */
int cr_unseal(const unsigned char key[CR_SEAL_KEY_BYTES], const char *aad, const void *sealed,
	      size_t len, struct cr_buf *out);

#endif
