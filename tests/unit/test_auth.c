/*
 * test_auth.c: the token in an Authorization header (Bearer, or the
 * password of HTTP Basic).  Issue 10 A1: malformed Basic credentials
 * (mostly padding, bad lengths, bad characters, no colon, NUL) are
 * refused with -1 and never read or write outside the decode buffer;
 * the ASan+UBSan run of these tests is what catches an overrun.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>

#include "vakt/auth.h"

/* "Basic " and base64 of the len bytes at plain; caller frees. */
static char *
basic_of(const void *plain, size_t len)
{
	char *h = malloc(6 + 4 * (len / 3 + 1) + 1);

	cr_assert_not_null(h);
	memcpy(h, "Basic ", 6);
	EVP_EncodeBlock((unsigned char *)h + 6, plain, (int)len);
	return h;
}

/* "Basic " and s repeated n times and tail; caller frees. */
static char *
basic_repeat(const char *s, size_t n, const char *tail)
{
	size_t sl = strlen(s), tl = strlen(tail);
	char *h = malloc(6 + sl * n + tl + 1), *p = h;

	cr_assert_not_null(h);
	memcpy(p, "Basic ", 6);
	p += 6;
	for (size_t i = 0; i < n; i++, p += sl)
		memcpy(p, s, sl);
	memcpy(p, tail, tl + 1);
	return h;
}

Test(auth, bearer_token_is_read_issue10)
{
	char out[VAKT_TOKEN_LEN];

	cr_assert_eq(
	    vakt_auth_from_header("Bearer vakt_abc", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "vakt_abc");
	cr_assert_eq(
	    vakt_auth_from_header("bearer   vakt_def", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "vakt_def");
}

Test(auth, missing_empty_or_unknown_scheme_is_refused_issue10)
{
	static const char *const bad[] = {"", "Bearer", "Bearer ", "Bearer    ",
	    "Basic", "Basic ", "Digest x", "vakt_abc", "Token vakt_abc"};
	char out[VAKT_TOKEN_LEN];

	cr_assert_eq(vakt_auth_from_header(NULL, out, sizeof(out)), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vakt_auth_from_header(bad[i], out, sizeof(out)),
		    -1, "\"%s\"", bad[i]);
}

Test(auth, basic_password_is_the_token_issue10)
{
	static const char *const ok[][2] = {
	    {"user:vakt_abc", "vakt_abc"},
	    {":vakt_abc", "vakt_abc"}, /* no user name */
	    {"u:pa:ss", "pa:ss"},      /* the first colon splits */
	    {"leader:x", "x"},         /* two padding characters */
	    {"leader:xy", "xy"},       /* one */
	    {"leader:xyz", "xyz"},     /* none */
	};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *h = basic_of(ok[i][0], strlen(ok[i][0]));

		cr_assert_eq(
		    vakt_auth_from_header(h, out, sizeof(out)), 0, "%s", h);
		cr_assert_str_eq(out, ok[i][1], "%s", h);
		free(h);
	}
	cr_assert_eq(
	    vakt_auth_from_header("basic dXNlcjp2YWt0X2FiYw==", out, 9), 0);
	cr_assert_str_eq(out, "vakt_abc");
}

/* The reported crash: padding only, or mostly padding. */
Test(auth, basic_of_only_padding_is_refused_issue10)
{
	static const char *const bad[] = {
	    "Basic ====", "Basic =", "Basic ==", "Basic ===", "Basic ==== ====",
	    "Basic ========", "Basic A===", "Basic AA=A", "Basic A=AA",
	    "Basic =AAA", "Basic AA==AA==", "Basic AAA=AAAA", "Basic ====dTp4"};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vakt_auth_from_header(bad[i], out, sizeof(out)),
		    -1, "\"%s\"", bad[i]);
}

Test(auth, basic_of_long_padding_runs_is_refused_issue10)
{
	static const size_t runs[] = {
	    1, 2, 3, 100, 127, 128, 129, 170, 171, 172, 1000, 100000};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *h = basic_repeat("====", runs[i], "");
		char *g = basic_repeat("=", runs[i], "dTp4");

		cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1,
		    "%zu x ====", runs[i]);
		cr_assert_eq(vakt_auth_from_header(g, out, sizeof(out)), -1,
		    "%zu x = then dTp4", runs[i]);
		free(g);
		free(h);
	}
}

Test(auth, basic_of_bad_length_or_characters_is_refused_issue10)
{
	static const char *const bad[] = {
	    "Basic d",                         /* 1 mod 4 */
	    "Basic dTp",                       /* 3 mod 4: unpadded */
	    "Basic dTp4e",                     /* 5 */
	    "Basic dTp4!XXX",                  /* not base64 */
	    "Basic dTp4 dTp4",                 /* a space inside */
	    "Basic dTp4\ndTp4",                /* a line break inside */
	    "Basic dTp4\n",                    /* and at the end */
	    "Basic dTp4 ",                     /* trailing space */
	    "Basic dT-4",                      /* base64url is not base64 */
	    "Basic dT_4", "Basic \xc3\xa6Tp4", /* non-ASCII */
	};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vakt_auth_from_header(bad[i], out, sizeof(out)),
		    -1, "\"%s\"", bad[i]);
}

Test(auth, basic_without_colon_or_password_is_refused_issue10)
{
	static const char *const bad[] = {"vakt_abc", "user:", ":", "", "u"};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *h = basic_of(bad[i], strlen(bad[i]));

		cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1,
		    "\"%s\" as %s", bad[i], h);
		free(h);
	}
}

Test(auth, basic_with_embedded_nul_is_refused_issue10)
{
	static const char a[] = "u:vakt\0abc", b[] = "u\0:vakt_abc",
	                  c[] = "u:vakt_abc\0";
	char out[VAKT_TOKEN_LEN];
	char *h;

	h = basic_of(a, sizeof(a) - 1);
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1, "%s", h);
	free(h);
	h = basic_of(b, sizeof(b) - 1);
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1, "%s", h);
	free(h);
	h = basic_of(c, sizeof(c) - 1);
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1, "%s", h);
	free(h);
}

Test(auth, token_too_long_for_the_buffer_is_refused_issue10)
{
	char out[8], *h;

	cr_assert_eq(
	    vakt_auth_from_header("Bearer 1234567", out, sizeof(out)), 0);
	cr_assert_eq(
	    vakt_auth_from_header("Bearer 12345678", out, sizeof(out)), -1);
	h = basic_of("u:1234567", 9);
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1234567");
	free(h);
	h = basic_of("u:12345678", 10);
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1);
	free(h);
}

/* Valid base64 of every length up to far past any real credential. */
Test(auth, huge_headers_are_refused_without_overrun_issue10)
{
	static const size_t lens[] = {
	    400, 509, 510, 511, 512, 513, 1000, 65536};
	char out[VAKT_TOKEN_LEN];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *plain = malloc(lens[i]), *h;

		cr_assert_not_null(plain);
		memset(plain, 'x', lens[i]);
		plain[0] = ':';
		h = basic_of(plain, lens[i]);
		cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1,
		    "%zu bytes", lens[i]);
		free(h);
		free(plain);
		h = basic_repeat("QUFB", lens[i], "");
		cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1,
		    "%zu x QUFB", lens[i]);
		free(h);
		h = basic_repeat("A", lens[i], "");
		cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), -1,
		    "%zu x A", lens[i]);
		free(h);
	}
}

/* A password as long as the largest output the caller can hold. */
Test(auth, longest_password_that_fits_is_read_issue10)
{
	char plain[2 + VAKT_TOKEN_LEN - 1], out[VAKT_TOKEN_LEN], *h;

	memset(plain, 'p', sizeof(plain));
	plain[0] = 'u';
	plain[1] = ':';
	h = basic_of(plain, sizeof(plain));
	cr_assert_eq(vakt_auth_from_header(h, out, sizeof(out)), 0);
	cr_assert_eq(strlen(out), VAKT_TOKEN_LEN - 1);
	free(h);
}

/* Issue 10 C15: SUDO_USER alone proves nothing; only root ran sudo. */
Test(auth, cli_actor_believes_sudo_user_only_for_root_issue10)
{
	static const struct {
		uid_t uid;
		const char *name, *sudo, *want;
	} cases[] = {
	    {1000, "kari", NULL, "cli:kari"},
	    {1000, "kari", "nina", "cli:kari"}, /* kari set SUDO_USER */
	    {1000, "kari", "", "cli:kari"},
	    {65534, "nobody", "root", "cli:nobody"},
	    {0, "root", NULL, "cli:root"},
	    {0, "root", "nina", "cli:root via sudo by nina"},
	    {0, "root", "", "cli:root"},
	    {0, "root", "nina\nforged line", "cli:root"},
	    {0, "root", "a b", "cli:root"},
	    {0, "root", "x23456789012345678901234567890123", "cli:root"},
	    {4242, NULL, "nina", "cli:uid:4242"},
	    {0, NULL, "nina", "cli:uid:0 via sudo by nina"},
	};

	char out[128], small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vakt_auth_cli_actor(out, sizeof(out), cases[i].uid,
		    cases[i].name, cases[i].sudo);
		cr_assert_str_eq(out, cases[i].want, "case %zu", i);
	}
	vakt_auth_cli_actor(small, sizeof(small), 0, "root", "nina");
	cr_assert_str_eq(small, "cli:roo");
}
