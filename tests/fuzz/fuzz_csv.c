/* fuzz_csv: the directory CSV import parser (vakt_csv_parse, csv.c). */
#include "vakt/csv.h"
#include "vakt/util.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy, not NUL-terminated: the parser takes a length. */
	char *text = malloc(size > 0 ? size : 1);
	struct vakt_csv_row *rows = NULL;
	size_t n = 0;
	struct vakt_err err;

	if (text == NULL)
		abort();
	if (size > 0)
		memcpy(text, data, size);
	if (vakt_csv_parse(text, size, &rows, &n, &err) == 0)
		vakt_csv_free(rows, n);
	else
		FZ_CHECK(err.msg[0] != '\0');
	free(text);
	return 0;
}
