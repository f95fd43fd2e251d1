/*
 * test_csv.c: the CSV reader of `vaktctl import`.  Issue 10 C12: a NUL
 * byte is bad data, refused with the line it is on, and never makes the
 * reader loop forever (the timeouts turn a hang into a failure).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vakt/csv.h"
#include "vakt/util.h"

static int
parse(const char *text, size_t len, struct vakt_err *err, size_t *n)
{
	struct vakt_csv_row *rows = NULL;
	int rc = vakt_csv_parse(text, len, &rows, n, err);

	if (rc == -1) {
		cr_expect_null(rows);
		cr_expect_eq(*n, 0);
	}
	vakt_csv_free(rows, *n);
	return rc;
}

Test(csv, nul_byte_is_refused_naming_its_line_issue10, .timeout = 10)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} bad[] = {

#define CASE(s, w) {s, sizeof(s) - 1, w}
	    CASE("a,b\n\0", "line 2: "),
	    CASE("\0", "line 1: "),
	    CASE("a,b\nc\0d,e\n", "line 2: "),
	    CASE("a,\0\n", "line 1: "),
	    CASE("a,b\r\nc,d\r\n\0,\r\n", "line 3: "),
	    CASE("a,\"b\nc\0\"\nd\n", "line 2: "), /* inside a quoted field */
	    CASE("a,\"b\0\"\n", "line 1: "),
	    CASE("\xef\xbb\xbf\0", "line 1: "),
#undef CASE
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vakt_err err = {0};
		size_t n = 99;

		cr_assert_eq(parse(bad[i].text, bad[i].len, &err, &n), -1,
		    "case %zu", i);
		cr_expect_eq(err.kind, VAKT_ERR_DATA, "case %zu", i);
		cr_expect(
		    strncmp(err.msg, bad[i].want, strlen(bad[i].want)) == 0,
		    "case %zu: %s", i, err.msg);
		cr_expect_not_null(
		    strstr(err.msg, "NUL"), "case %zu: %s", i, err.msg);
	}
}

Test(csv, rows_around_the_nul_check_still_parse_issue10, .timeout = 10)
{
	static const char text[] = "id,name\r\n1,\"a,b\"\r\n\r\n2,c\n";
	struct vakt_csv_row *rows = NULL;
	struct vakt_err err = {0};
	size_t n = 0;

	cr_assert_eq(vakt_csv_parse(text, sizeof(text) - 1, &rows, &n, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(rows[1].fields[1], "a,b");
	cr_assert_eq(rows[2].line, 4);
	vakt_csv_free(rows, n);
}
