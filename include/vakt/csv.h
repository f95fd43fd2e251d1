/*
 * csv.h: RFC 4180 CSV in (directory import) and out (reports).
 */
#ifndef VAKT_CSV_H
#define VAKT_CSV_H

#include <stddef.h>

#include "vakt/util.h"

struct vakt_csv_row {
	char **fields;
	size_t n;
	int line; /* line the row starts on, from 1 */
};

/*
 * Parse text (len bytes): fields separated by commas, rows by CRLF or
 * LF, quoted fields may hold commas, doubled quotes and line breaks.
 * Blank lines are skipped; a UTF-8 byte-order mark is ignored.  Returns
 * 0 with *rows (free with vakt_csv_free()), or -1 with err naming the
 * line ("line 4: unterminated quoted field"), kind VAKT_ERR_DATA.  A
 * NUL byte anywhere is such an error.
 */
int vakt_csv_parse(const char *text, size_t len, struct vakt_csv_row **rows,
    size_t *n, struct vakt_err *err);
void vakt_csv_free(struct vakt_csv_row *rows, size_t n);

/* Append s as one CSV field, quoted when it needs to be. */
void vakt_csv_field(struct vakt_buf *b, const char *s);

#endif
