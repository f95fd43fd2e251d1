/* fuzz_period: report periods (vakt_report_parse_period, report.c). */
#include "vakt/report.h"
#include "vakt/util.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	int from = 0, to = 0;
	struct vakt_err err;

	if (vakt_report_parse_period(s, &from, &to, &err) == 0)
		FZ_CHECK(from <= to && from >= 10000101 && to <= 99991231);
	free(s);
	return 0;
}
