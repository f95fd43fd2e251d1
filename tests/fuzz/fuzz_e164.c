/* fuzz_e164: phone number parsing and masking (util.c). */
#include "vakt/util.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	char norm[VAKT_E164_LEN], masked[VAKT_E164_LEN];

	(void)vakt_e164_valid(s);
	if (vakt_e164_normalize(s, norm) == 0) {
		FZ_CHECK(vakt_e164_valid(norm));
		(void)vakt_mask_e164(norm, masked);
		FZ_CHECK(strlen(masked) == strlen(norm));
	}
	if (size < VAKT_E164_LEN)
		(void)vakt_mask_e164(s, masked);
	free(s);
	return 0;
}
