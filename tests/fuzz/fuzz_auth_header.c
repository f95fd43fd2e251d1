/*
 * fuzz_auth_header: Authorization header parsing, Basic and Bearer
 * (vakt_auth_from_header, auth.c).  The first byte picks the size of
 * the output buffer, which is allocated exactly so that ASan sees any
 * write past it.
 */
#include "vakt/auth.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *value, *out;

	if (size == 0)
		return 0;
	len = 1 + data[0] % (VAKT_TOKEN_LEN + 8);
	value = fz_str(data + 1, size - 1);
	out = malloc(len);
	if (out == NULL)
		abort();
	if (vakt_auth_from_header(value, out, len) == 0)
		FZ_CHECK(memchr(out, '\0', len) != NULL);
	free(out);
	free(value);
	return 0;
}
