/*
 * fuzz_time: local date-times of the rota (vakt_calendar_parse_time,
 * calendar.c), as `vaktctl rota add` and POST /api/v1/rota read them.
 */
#include <time.h>

#include "vakt/calendar.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vakt_tz tz;
	static int is_set;
	char *s = fz_str(data, size);
	int64_t ms = 0;

	if (!is_set) {
		(void)setenv("TZ", "Europe/Oslo", 1);
		tzset();
		vakt_calendar_tz_system(&tz);
		is_set = 1;
	}
	/* Years 0000-9999 with offsets of at most a day either way. */
	if (vakt_calendar_parse_time(&tz, s, &ms) == 0)
		FZ_CHECK(ms > -62200000000000LL && ms < 253500000000000LL);
	free(s);
	return 0;
}
