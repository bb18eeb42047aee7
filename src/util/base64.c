/*
 * base64.c: base64 through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock,
 * with the padding DecodeBlock leaves in its byte count taken back out.
 */
#include <string.h>

#include <openssl/evp.h>

#include "util/base64.h"
#include "util/banned.h"

void base64_encode(struct buf *out, const void *data, size_t len)
{
	size_t need = 4 * ((len + 2) / 3);
	int n;

	buf_grow(out, need);
	n = EVP_EncodeBlock((unsigned char *)out->ptr + out->len, data, (int)len);
	buf_setlen(out, out->len + (size_t)n);
}

int base64_decode(struct buf *out, const char *text, size_t len)
{
	size_t pad = 0, i;
	int n;

	if (len % 4 || len > (1u << 30))
		return -1;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      (c == '=' && i >= len - 2)))
			return -1;
	}
	if (len && text[len - 1] == '=')
		pad++;
	if (len > 1 && text[len - 2] == '=')
		pad++;
	if (pad == 1 && text[len - 2] == '=')
		return -1;
	buf_grow(out, len / 4 * 3);
	n = EVP_DecodeBlock((unsigned char *)out->ptr + out->len,
			    (const unsigned char *)text, (int)len);
	if (n < 0)
		return -1;
	buf_setlen(out, out->len + (size_t)n - pad);
	return 0;
}
