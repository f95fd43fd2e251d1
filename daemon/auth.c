/*
 * auth.c: API tokens: made from the OS's randomness, stored as
 * SHA-256, read from Bearer or Basic headers (libcrypto does the
 * hashing and base64).
 */
#include "vakt/auth.h"

#include <stdbool.h>
#include <stdint.h>
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
	switch (r) {
	case VAKT_AUTH_ADMIN:
		return "admin";
	case VAKT_AUTH_COORDINATOR:
		return "coordinator";
	case VAKT_AUTH_LEADER:
		break;
	}
	return "leader";
}

static int
role_rank(enum vakt_auth_role r)
{
	switch (r) {
	case VAKT_AUTH_COORDINATOR:
		return 0;
	case VAKT_AUTH_LEADER:
		return 1;
	case VAKT_AUTH_ADMIN:
		return 2;
	}
	return 0;
}

bool
vakt_auth_role_covers(enum vakt_auth_role role, enum vakt_auth_role need)
{
	return role_rank(role) >= role_rank(need);
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
vakt_auth_random_hex(char *out, size_t n)
{
	unsigned char raw[64];

	if (n > sizeof(raw) || RAND_bytes(raw, (int)n) != 1)
		return -1;
	hex(raw, n, out);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
vakt_auth_code_new(char out[7])
{
	unsigned char raw[4];
	uint32_t v;

	/* Reject the top of the range so that every code is as likely. */
	do {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -1;
		v = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
		    (uint32_t)raw[2] << 8 | raw[3];
	} while (v >= UINT32_MAX - UINT32_MAX % 1000000u);
	(void)snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
	explicit_bzero(raw, sizeof(raw));
	return 0;
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

/*
 * Basic credentials: base64 of "user:password", RFC 7617.  The longest
 * accepted is BASIC_B64_MAX characters, which decode to at most
 * BASIC_B64_MAX / 4 * 3 < sizeof(dec) bytes: the bound is checked on
 * the input before anything is decoded, so no input can write past dec.
 */
#define BASIC_DEC_MAX 512
#define BASIC_B64_MAX (BASIC_DEC_MAX / 3 * 4 - 4)

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Strict base64: a multiple of 4 characters of the standard alphabet,
 * with at most two '=' and only at the end.  EVP_DecodeUpdate() alone
 * is lenient (it skips whitespace and accepts unpadded input); a
 * credential has one spelling.  Returns the decoded length, or -1.
 */
static int
b64_strict_len(const char *b64, size_t n)
{
	size_t body, pad;

	if (n == 0 || n % 4 != 0 || n > BASIC_B64_MAX)
		return -1;
	body = strspn(b64, b64_alphabet); /* <= n: b64 is n long */
	pad = n - body;
	if (pad > 2 || strspn(b64 + body, "=") != pad)
		return -1;
	return (int)(n / 4 * 3 - pad);
}

/* Decode n strict base64 characters into dec; the length, or -1. */
static int
b64_decode(const char *b64, size_t n, unsigned char dec[BASIC_DEC_MAX])
{
	EVP_ENCODE_CTX *ctx;
	int want = b64_strict_len(b64, n), got = -1, len = 0, fin = 0;

	if (want < 0 || (ctx = EVP_ENCODE_CTX_new()) == NULL)
		return -1;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(
	        ctx, dec, &len, (const unsigned char *)b64, (int)n) != -1 &&
	    len >= 0 && len <= want &&
	    EVP_DecodeFinal(ctx, dec + len, &fin) == 1 && len + fin == want)
		got = want;
	EVP_ENCODE_CTX_free(ctx);
	return got;
}

/*
 * The password of "Basic base64(user:password)" into out: -1 unless it
 * is strict base64 with a colon, no NUL and a non-empty password that
 * fits.  The decoded buffer holds a secret: wiped on every path.
 */
static int
basic_password(const char *b64, char *out, size_t len)
{
	unsigned char dec[BASIC_DEC_MAX];
	const unsigned char *colon;
	size_t n = strnlen(b64, BASIC_B64_MAX + 1), pw;
	int got, rc = -1;

	got = b64_decode(b64, n, dec);
	if (got <= 0)
		goto out;
	colon = memchr(dec, ':', (size_t)got);
	if (colon == NULL || memchr(dec, '\0', (size_t)got) != NULL)
		goto out;
	pw = (size_t)got - (size_t)(colon + 1 - dec);
	if (pw == 0 || pw >= len)
		goto out;
	memcpy(out, colon + 1, pw);
	out[pw] = '\0';
	rc = 0;
out:
	explicit_bzero(dec, sizeof(dec));
	return rc;
}

/* Skip the spaces after a scheme (RFC 7235: 1*SP). */
static const char *
after_scheme(const char *value, size_t scheme_len)
{
	value += scheme_len;
	while (*value == ' ')
		value++;
	return value;
}

int
vakt_auth_from_header(const char *value, char *out, size_t len)
{
	if (value == NULL || len == 0)
		return -1;
	if (strncasecmp(value, "Bearer ", 7) == 0) {
		value = after_scheme(value, 7);
		if (value[0] != '\0' && vakt_strlcpy(out, value, len) == 0)
			return 0;
		explicit_bzero(out, len); /* no truncated token left behind */
		return -1;
	}
	if (strncasecmp(value, "Basic ", 6) == 0)
		return basic_password(after_scheme(value, 6), out, len);
	return -1;
}

/* [A-Za-z0-9._-]{1,32}: what useradd would accept, and nothing to escape. */
static bool
user_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 &&
	    strspn(s,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789._-") == n;
}

void
vakt_auth_cli_actor(
    char *out, size_t len, uid_t uid, const char *name, const char *sudo_user)
{
	char who[48];

	if (len == 0)
		return;
	if (name != NULL && *name != '\0')
		snprintf(who, sizeof(who), "%s", name);
	else
		snprintf(who, sizeof(who), "uid:%ju", (uintmax_t)uid);
	/*
	 * Only root can have started us through sudo; for anyone else
	 * SUDO_USER is just a variable they chose, and would let them
	 * write another person's name into the audit trail.
	 */
	if (uid == 0 && sudo_user != NULL && user_name_ok(sudo_user))
		snprintf(out, len, "cli:%s via sudo by %s", who, sudo_user);
	else
		snprintf(out, len, "cli:%s", who);
}
