/*
 * auth.c: API tokens: made from the OS's randomness, stored as
 * SHA-256, read from Bearer or Basic headers (libcrypto does the
 * hashing and base64).
 */
#include "vakt/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "vakt/util.h"

int
vakt_auth_role_parse(const char *s, enum vakt_auth_role *out)
{
	if (strcmp(s, "leader") == 0)
		*out = VAKT_AUTH_LEADER;
	else if (strcmp(s, "admin") == 0)
		*out = VAKT_AUTH_ADMIN;
	else
		return -1;
	return 0;
}

const char *
vakt_auth_role_name(enum vakt_auth_role r)
{
	return r == VAKT_AUTH_ADMIN ? "admin" : "leader";
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
vakt_auth_token_new(char out[VAKT_TOKEN_LEN])
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	memcpy(out, "vakt_", 5);
	hex(raw, sizeof(raw), out + 5);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

void
vakt_auth_hash(const char *token, char out[VAKT_HASH_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL) !=
	        1 ||
	    len != 32) {
		/* Cannot happen with a working libcrypto; match nothing. */
		memset(out, '-', VAKT_HASH_LEN - 1);
		out[VAKT_HASH_LEN - 1] = '\0';
		return;
	}
	hex(md, len, out);
}

/* The password of "Basic base64(user:password)". */
static int
basic_password(const char *b64, char *out, size_t len)
{
	unsigned char dec[512];
	size_t n = strlen(b64);
	const char *colon;
	int got;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= sizeof(dec))
		return -1;
	got = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	if (got < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as zero bytes: drop them. */
	while (n > 0 && b64[n - 1] == '=') {
		n--;
		got--;
	}
	dec[got] = '\0';
	colon = memchr(dec, ':', (size_t)got);
	if (colon == NULL ||
	    strlen(colon + 1) !=
	        (size_t)got - (size_t)(colon + 1 - (const char *)dec))
		return -1;
	return vakt_strlcpy(out, colon + 1, len);
}

int
vakt_auth_from_header(const char *value, char *out, size_t len)
{
	if (value == NULL)
		return -1;
	if (strncasecmp(value, "Bearer ", 7) == 0) {
		value += 7;
		while (*value == ' ')
			value++;
		return value[0] != '\0' ? vakt_strlcpy(out, value, len) : -1;
	}
	if (strncasecmp(value, "Basic ", 6) == 0)
		return basic_password(value + 6, out, len);
	return -1;
}
