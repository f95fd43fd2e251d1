/*
 * fuzz_twilio_sig: X-Twilio-Signature verification (twilio.c).  The
 * input is "URI\nSIGNATURE\nFORM": the fuzzed signature must not crash
 * the check, and the signature twilio.c computes for the same request
 * must verify.
 */
#include <stdio.h>

#include "vakt/http.h"
#include "vakt/twilio.h"
#include "vakt/util.h"

#include "fuzz.h"

#define TOKEN  "fuzz-auth-token-0123456789abcdef"
#define PUBLIC "https://vakt.test"

/* The next line of *s (cut in place), or "" at the end. */
static char *
next_line(char **s)
{
	char *line = *s, *nl = strchr(line, '\n');

	if (nl == NULL) {
		*s = line + strlen(line);
		return line;
	}
	*nl = '\0';
	*s = nl + 1;
	return line;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *rest = s, *url;
	char *uri = next_line(&rest), *sig = next_line(&rest);
	char good[VAKT_TWILIO_SIG_LEN];
	struct vakt_kv hdr = {(char *)"X-Twilio-Signature", sig};
	struct vakt_req req;
	struct vakt_err err;
	size_t len;

	memset(&req, 0, sizeof(req));
	req.method = VAKT_POST;
	req.uri = uri;
	req.path = uri;
	req.body = rest;
	req.body_len = strlen(rest);
	req.headers.v = &hdr;
	req.headers.n = 1;
	if (vakt_kvs_parse(rest, &req.form) == -1) {
		vakt_kvs_free(&req.form);
		free(s);
		return 0;
	}
	(void)vakt_twilio_verify(TOKEN, PUBLIC, &req, &err);
	len = strlen(PUBLIC) + strlen(uri) + 1;
	url = malloc(len);
	if (url == NULL || snprintf(url, len, "%s%s", PUBLIC, uri) < 0)
		abort();
	vakt_twilio_sign(TOKEN, url, &req.form, good);
	hdr.value = good;
	FZ_CHECK(vakt_twilio_verify(TOKEN, PUBLIC, &req, &err) == 0);
	free(url);
	vakt_kvs_free(&req.form);
	free(s);
	return 0;
}
