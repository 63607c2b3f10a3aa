/*
 * base64url without padding (RFC 4648 section 5). The decoder is strict so
 * that one token has exactly one spelling: no '=', no '+' or '/', no
 * whitespace, and the unused low bits of the last character must be zero.
 * The standard alphabet with padding (section 4) is only encoded: bytes bound
 * for PostgreSQL's decode(..., 'base64') inside a JSON parameter.
 */
#include "config.h"

#include "common/base64url.h"
#include "common/buf.h"

static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void encode(const void *data, size_t len, struct cr_buf *out, const char *alphabet,
		   bool pad)
{
	const unsigned char *p = data;
	char q[4];
	size_t i;

	cr_buf_grow(out, (len + 2) / 3 * 4);
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		q[0] = alphabet[v >> 18 & 63];
		q[1] = alphabet[v >> 12 & 63];
		q[2] = alphabet[v >> 6 & 63];
		q[3] = alphabet[v & 63];
		cr_buf_add(out, q, 4);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		q[0] = alphabet[v >> 18 & 63];
		q[1] = alphabet[v >> 12 & 63];
		q[2] = q[3] = '=';
		cr_buf_add(out, q, pad ? 4 : 2);
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		q[0] = alphabet[v >> 18 & 63];
		q[1] = alphabet[v >> 12 & 63];
		q[2] = alphabet[v >> 6 & 63];
		q[3] = '=';
		cr_buf_add(out, q, pad ? 4 : 3);
	}
}

void cr_base64url_encode(const void *data, size_t len, struct cr_buf *out)
{
	encode(data, len, out, url_alphabet, false);
}

void cr_base64_encode(const void *data, size_t len, struct cr_buf *out)
{
	encode(data, len, out, std_alphabet, true);
}

static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int cr_base64url_decode(const char *s, size_t len, struct cr_buf *out)
{
	size_t start = out->len;
	unsigned acc = 0;
	int bits = 0;
	char byte;

	/* One leftover character carries only 6 bits: never a whole byte. */
	if (len % 4 == 1)
		return -1;
	cr_buf_grow(out, len / 4 * 3 + 2);
	for (size_t i = 0; i < len; i++) {
		int v = value(s[i]);

		if (v < 0)
			goto fail;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			byte = (char)(acc >> bits & 0xff);
			if (cr_buf_add(out, &byte, 1) < 0)
				goto fail;
		}
	}
	/* Non-canonical: the leftover bits must be zero. */
	if (bits && (acc & ((1u << bits) - 1)))
		goto fail;
	return 0;
fail:
	out->len = start;
	out->data[start] = '\0';
	return -1;
}
