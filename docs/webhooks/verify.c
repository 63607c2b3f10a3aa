/* Verify a CodeRank webhook (link with -lcrypto): 1 when header signs body. */
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int verify(const char *secret, const char *header, const char *body, size_t len, long tolerance)
{
	unsigned char mac[32];
	char hex[65], *msg;
	long t;
	int n;
	const char *v1 = strstr(header, ",v1=");

	if (sscanf(header, "t=%ld", &t) != 1 || !v1 || labs(time(NULL) - t) > tolerance)
		return 0;	/* malformed, or too old (or from the future): a replay */
	if (!(msg = malloc(len + 32)))
		return 0;
	n = snprintf(msg, 32, "%ld.", t);
	memcpy(msg + n, body, len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, n + len, mac, NULL);
	free(msg);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return strlen(v1 + 4) == 64 && CRYPTO_memcmp(hex, v1 + 4, 64) == 0;
}
