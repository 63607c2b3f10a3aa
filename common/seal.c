/* AES-256-GCM sealing of secrets at rest (see seal.h), with OpenSSL's EVP. */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/seal.h"

#define NONCE 12
#define TAG 16

int cr_seal_key(const char *hex, unsigned char key[CR_SEAL_KEY_BYTES])
{
	if (!hex || strlen(hex) != 2 * CR_SEAL_KEY_BYTES ||
	    strspn(hex, "0123456789abcdefABCDEF") != 2 * CR_SEAL_KEY_BYTES)
		return -1;
	for (int i = 0; i < CR_SEAL_KEY_BYTES; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1)
			return -1;
	return 0;
}

/* One GCM pass: encrypt (enc 1) or decrypt (enc 0) in into out, with aad. */
static int gcm(int enc, const unsigned char *key, const unsigned char *nonce, const char *aad,
	       const unsigned char *in, int len, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, len) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + n, &n) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int cr_seal(const unsigned char key[CR_SEAL_KEY_BYTES], const char *aad, const void *plain,
	    size_t len, struct cr_buf *out)
{
	unsigned char *p;

	if (len > 1024 * 1024)
		return -1;
	cr_buf_grow(out, len + CR_SEAL_OVERHEAD);
	p = (unsigned char *)out->data + out->len;
	if (RAND_bytes(p, NONCE) != 1 ||
	    gcm(1, key, p, aad, plain, (int)len, p + NONCE, p + NONCE + len) < 0)
		return -1;
	out->len += len + CR_SEAL_OVERHEAD;
	out->data[out->len] = '\0';
	return 0;
}

int cr_unseal(const unsigned char key[CR_SEAL_KEY_BYTES], const char *aad, const void *sealed,
	      size_t len, struct cr_buf *out)
{
	const unsigned char *s = sealed;
	unsigned char tag[TAG];
	size_t plain;

	if (len < CR_SEAL_OVERHEAD || len > 1024 * 1024 + CR_SEAL_OVERHEAD)
		return -1;
	plain = len - CR_SEAL_OVERHEAD;
	cr_buf_grow(out, plain);
	memcpy(tag, s + NONCE + plain, TAG);
	if (gcm(0, key, s, aad, s + NONCE, (int)plain,
		(unsigned char *)out->data + out->len, tag) < 0) {
		out->data[out->len] = '\0';
		return -1;
	}
	out->len += plain;
	out->data[out->len] = '\0';
	return 0;
}
