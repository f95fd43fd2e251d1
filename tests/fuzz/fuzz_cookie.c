/*
 * fuzz_cookie: the session cookie in a Cookie header and the login
 * JSON body (vakt_session_cookie_value, vakt_session_login_body,
 * session.c).  The first byte picks which; outputs are checked for
 * what the functions promise.
 */
#include <stdbool.h>

#include "vakt/session.h"

#include "fuzz.h"

static void
cookie(const uint8_t *data, size_t size)
{
	char out[VAKT_SESSION_VALUE_LEN];
	char *header = fz_str(data, size);

	if (vakt_session_cookie_value(header, out) == 0) {
		FZ_CHECK(strlen(out) == 64);
		FZ_CHECK(strspn(out, "0123456789abcdef") == 64);
	}
	free(header);
}

static void
body(const uint8_t *data, size_t size, bool with_code)
{
	char phone[VAKT_SESSION_PHONE_IN_MAX], code[7];
	/* An exact copy, so that ASan sees a read past the body. */
	char *b = malloc(size > 0 ? size : 1);

	if (b == NULL)
		abort();
	memcpy(b, data, size);
	if (vakt_session_login_body(b, size, phone, with_code ? code : NULL) ==
	    0) {
		FZ_CHECK(memchr(phone, '\0', sizeof(phone)) != NULL);
		if (with_code)
			FZ_CHECK(strlen(code) == 6 &&
			    strspn(code, "0123456789") == 6);
	}
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		cookie(data + 1, size - 1);
		break;
	default:
		body(data + 1, size - 1, data[0] % 3 == 2);
		break;
	}
	return 0;
}
