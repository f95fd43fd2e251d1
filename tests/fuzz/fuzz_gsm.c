/*
 * fuzz_gsm: GSM-7 detection, folding and segmentation (gsm.c).  vaktd
 * hands these functions only valid UTF-8 (http.c refuses the rest).
 */
#include "vakt/gsm.h"
#include "vakt/util.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct vakt_buf b = {0};
	struct vakt_strlist parts = {0};
	size_t n;

	if (!vakt_utf8_valid(s, strlen(s))) {
		free(s);
		return 0;
	}
	(void)vakt_gsm_is_gsm7(s);
	FZ_CHECK(vakt_gsm_segments(s) >= 1 || s[0] == '\0');
	vakt_gsm_fold(s, &b);
	vakt_buf_free(&b);
	n = vakt_gsm_forward("DUE U-0001", s, &parts);
	FZ_CHECK(n == parts.n && n >= 1);
	vakt_strlist_free(&parts);
	free(s);
	return 0;
}
