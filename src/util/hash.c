/*
 * hash.c: SHA-256 via OpenSSL EVP, and object id formatting.
 *
 * The context is created once and reused with EVP_DigestInit_ex2(), which
 * keeps per-object hashing of 20,000 small files free of allocations.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/error.h"
#include "util/hash.h"
#include "util/banned.h"

void hash_init(struct hash_ctx *ctx)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (!md || !EVP_DigestInit_ex2(md, EVP_sha256(), NULL))
		abort();
	ctx->md = md;
}

void hash_update(struct hash_ctx *ctx, const void *data, size_t len)
{
	EVP_DigestUpdate(ctx->md, data, len);
}

void hash_final(cairn_oid *out, struct hash_ctx *ctx)
{
	unsigned int n = 0;

	EVP_DigestFinal_ex(ctx->md, out->id, &n);
	EVP_DigestInit_ex2(ctx->md, EVP_sha256(), NULL);
}

void hash_release(struct hash_ctx *ctx)
{
	EVP_MD_CTX_free(ctx->md);
	ctx->md = NULL;
}

void hash_buffer(cairn_oid *out, const void *data, size_t len)
{
	unsigned int n = 0;

	EVP_Digest(data, len, out->id, &n, EVP_sha256(), NULL);
}

void oid_tohex(char *out, const cairn_oid *oid)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < sizeof(oid->id); i++) {
		out[2 * i] = hex[oid->id[i] >> 4];
		out[2 * i + 1] = hex[oid->id[i] & 15];
	}
	out[64] = '\0';
}

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(unsigned char *out, const char *hex, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int v = hex_digit_value(hex[i]);

		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

int oid_is_zero(const cairn_oid *oid)
{
	static const cairn_oid zero;

	return memcmp(oid, &zero, sizeof(zero)) == 0;
}

void cairn_oid_fmt(char *out, const cairn_oid *oid)
{
	memcpy(out, "sha256:", 7);
	oid_tohex(out + 7, oid);
}

int cairn_oid_parse(cairn_oid *out, const char *str)
{
	if (strncmp(str, "sha256:", 7) == 0)
		str += 7;
	if (strlen(str) != 64 || hex_decode(out->id, str, 64) < 0)
		return cairn_error_setc(CAIRN_EINVALID, CAIRN_ERRCLASS_INVALID,
					"'%s' is not a sha256 object id", str);
	return 0;
}

int cairn_oid_cmp(const cairn_oid *a, const cairn_oid *b)
{
	return memcmp(a->id, b->id, sizeof(a->id));
}
