/*
 * test_util.c: phone numbers, masking, UTF-8, dates, CSV and the form
 * decoder that every webhook goes through.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vakt/csv.h"
#include "vakt/http.h"
#include "vakt/log.h"
#include "vakt/util.h"

Test(util, e164_normalize_accepts_e164_00_and_norwegian_8_digits)
{
	static const struct {
		const char *in, *want;
	} ok[] = {
	    {"+4791234567", "+4791234567"},
	    {"91234567", "+4791234567"},
	    {"912 34 567", "+4791234567"},
	    {"0047 91234567", "+4791234567"},
	    {"+46 (70) 123-45-67", "+46701234567"},
	    {"+123456789012345", "+123456789012345"},
	};
	static const char *const bad[] = {"", "+", "12345", "0123456789",
	    "+0123456789", "+1234567890123456", "9123456a", "01234567",
	    "anonymous", "+47 9123 4567 x", "++4791234567"};
	char out[VAKT_E164_LEN];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(vakt_e164_normalize(ok[i].in, out), 0, "%s",
		    ok[i].in);
		cr_assert_str_eq(out, ok[i].want, "%s", ok[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vakt_e164_normalize(bad[i], out), -1, "\"%s\"",
		    bad[i]);
}

Test(util, mask_keeps_country_prefix_and_last_three_digits_only)
{
	char out[VAKT_E164_LEN];

	cr_assert_str_eq(vakt_mask_e164("+4791234567", out), "+47*****567");
	cr_assert_str_eq(vakt_mask_e164("anonymous", out), "(other)");
	cr_assert_str_eq(vakt_mask_e164("", out), "(none)");
	cr_assert_str_eq(vakt_mask_e164(NULL, out), "(none)");
}

Test(util, utf8_validation_refuses_overlongs_surrogates_and_nul)
{
	cr_assert(vakt_utf8_valid("æøå 😀", strlen("æøå 😀")));
	cr_assert_not(vakt_utf8_valid("\xc0\xaf", 2), "overlong");
	cr_assert_not(vakt_utf8_valid("\xed\xa0\x80", 3), "surrogate");
	cr_assert_not(vakt_utf8_valid("a\0b", 3), "embedded NUL");
	cr_assert_not(vakt_utf8_valid("\xe2\x82", 2), "truncated");
	cr_assert_eq(vakt_utf8_chars("æøå😀"), 4);
}

Test(util, dates_parse_strictly_and_round_trip)
{
	char out[11];
	int d;

	cr_assert_eq(vakt_date_parse("2028-02-29", &d), 0);
	cr_assert_eq(d, 20280229);
	vakt_date_format(d, out);
	cr_assert_str_eq(out, "2028-02-29");
	cr_assert_eq(vakt_date_parse("2026-02-29", &d), -1, "not a leap year");
	cr_assert_eq(vakt_date_parse("2026-2-01", &d), -1);
	cr_assert_eq(vakt_date_parse("2026-01-01x", &d), -1);
	cr_assert_eq(vakt_date_parse("1899-12-31", &d), -1);
	cr_assert_eq(vakt_days_from_civil(1970, 1, 1), 0);
	cr_assert_eq(vakt_days_from_civil(2000, 3, 1), 11017);
}

Test(util, hhmm_accepts_00_00_to_24_00_only)
{
	int m;

	cr_assert_eq(vakt_hhmm_parse("08:00", &m), 0);
	cr_assert_eq(m, 480);
	cr_assert_eq(vakt_hhmm_parse("24:00", &m), 0);
	cr_assert_eq(m, 1440);
	cr_assert_eq(vakt_hhmm_parse("8:00", &m), -1);
	cr_assert_eq(vakt_hhmm_parse("24:01", &m), -1);
	cr_assert_eq(vakt_hhmm_parse("12:60", &m), -1);
}

Test(util, form_decoding_decodes_names_and_values_and_refuses_junk)
{
	struct vakt_kvs k;

	cr_assert_eq(vakt_kvs_parse("Body=Hei+p%C3%A5+deg%21&From=%2B4791234567"
				    "&Na%6De=x&Empty=&",
	    &k), 0);
	cr_assert_eq(k.n, 4);
	cr_assert_str_eq(vakt_kvs_get(&k, "Body"), "Hei på deg!");
	cr_assert_str_eq(vakt_kvs_get(&k, "From"), "+4791234567");
	cr_assert_str_eq(vakt_kvs_get(&k, "Name"), "x", "names are decoded");
	cr_assert_str_eq(vakt_kvs_get(&k, "Empty"), "");
	vakt_kvs_free(&k);
	cr_assert_eq(vakt_kvs_parse("a=1&b", &k), -1, "pair without '='");
	cr_assert_eq(vakt_kvs_parse("=1", &k), -1, "empty name");
	cr_assert_eq(vakt_kvs_parse("a=%zz", &k), -1, "bad escape");
	cr_assert_eq(vakt_kvs_parse("a=%4", &k), -1, "short escape");
	cr_assert_eq(vakt_kvs_parse("a=%00", &k), -1, "encoded NUL");
	cr_assert_eq(k.n, 0);
}

Test(util, csv_reads_quotes_commas_newlines_and_reports_lines)
{
	const char *text = "\xef\xbb\xbftype,id,name\r\n"
			   "coordinator,kari,\"Nordmann, Kari\"\r\n"
			   "\n"
			   "youth,U-1,\"Ola \"\"O\"\"\nHansen\"\n"
			   "youth,U-2,Per\n";
	struct vakt_csv_row *rows;
	struct vakt_err err;
	size_t n;

	cr_assert_eq(vakt_csv_parse(text, strlen(text), &rows, &n, &err), 0);
	cr_assert_eq(n, 4, "blank lines are skipped");
	cr_assert_str_eq(rows[0].fields[0], "type", "BOM is dropped");
	cr_assert_str_eq(rows[1].fields[2], "Nordmann, Kari");
	cr_assert_str_eq(rows[2].fields[2], "Ola \"O\"\nHansen");
	cr_assert_eq(rows[2].line, 4);
	cr_assert_eq(rows[3].line, 6, "a quoted newline counts as a line");
	vakt_csv_free(rows, n);
	text = "a,b\n1,\"unterminated\n";
	cr_assert_eq(vakt_csv_parse(text, strlen(text), &rows, &n, &err), -1);
	cr_assert_str_eq(err.msg, "line 2: unterminated quoted field");
}

Test(util, csv_field_quotes_only_when_needed)
{
	struct vakt_buf b = {0};
	char *s;

	vakt_csv_field(&b, "plain");
	vakt_buf_puts(&b, ",");
	vakt_csv_field(&b, "a,b");
	vakt_buf_puts(&b, ",");
	vakt_csv_field(&b, "say \"hi\"");
	s = vakt_buf_take(&b, NULL);
	cr_assert_str_eq(s, "plain,\"a,b\",\"say \"\"hi\"\"\"");
	free(s);
}

/*
 * Issue 10 C15: a clock that cannot be read is fatal (exit 1 with a
 * message), never a silent 0 (1970).  Clock id 1000 does not exist, so
 * clock_gettime() fails with EINVAL.
 */
Test(util, unreadable_clock_is_fatal_not_zero_issue10, .exit_code = 1)
{
	int64_t ms = vakt_clock_ms((clockid_t)1000);

	cr_log_error("clock 1000 read as %lld instead of exiting",
	    (long long)ms);
}

Test(util, clocks_read_plausible_times_issue10)
{
	int64_t now = vakt_clock_now_ms(), mono = vakt_clock_mono_ms();

	cr_assert_gt(now, 1735689600000LL, "after 2025-01-01: %lld",
	    (long long)now);
	cr_assert_gt(mono, 0);
	cr_assert_geq(vakt_clock_mono_ms(), mono);
	cr_assert_lt(llabs(vakt_clock_ms(CLOCK_REALTIME) - now), 60000);
}

Test(util, str_vis_escapes_controls_backslash_and_bad_utf8_issue10)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"/voice", "/voice"},
	    {"", ""},
	    {"a\x1b[2Jb", "a\\x1b[2Jb"},
	    {"line\r\n<6>forged", "line\\x0d\\x0a<6>forged"},
	    {"del\x7f", "del\\x7f"},
	    {"back\\slash", "back\\\\slash"},
	    {"bl\xc3\xa5"
	     "b\xc3\xa6r \xe2\x82\xac \xf0\x9f\x98\x80",
	        "bl\xc3\xa5"
	        "b\xc3\xa6r \xe2\x82\xac \xf0\x9f\x98\x80"},
	    {"bad\xff", "bad\\xff"},
	    {"cut\xc3", "cut\\xc3"},
	    {"overlong\xc0\xaf", "overlong\\xc0\\xaf"},
	    {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80"},
	    {"c1\xc2\x9b"
	     "31m",
	        "c1\\xc2\\x9b31m"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = vakt_str_vis(cases[i].in);

		cr_assert_str_eq(got, cases[i].want, "case %zu", i);
		cr_assert(vakt_utf8_valid(got, strlen(got)), "case %zu", i);
		free(got);
	}
	{
		char *got = vakt_str_vis(NULL);

		cr_assert_str_eq(got, "");
		free(got);
	}
}

Test(util, reply_text_never_carries_invalid_utf8_issue10)
{
	struct vakt_reply rep = {0};

	vakt_reply_text(&rep, 400, "unknown field %s", "x\xff\xfe");
	cr_assert_str_eq(rep.body, "unknown field x\\xff\\xfe\n");
	cr_assert(vakt_utf8_valid(rep.body, rep.len));
	vakt_reply_text(&rep, 400, "ok \xc3\xa6");
	cr_assert_str_eq(rep.body, "ok \xc3\xa6\n", "valid text is kept");
	free(rep.body);
}

Test(util, log_repeat_lets_one_line_like_it_through_per_interval_issue10)
{
	/* A text no other test logs; digits do not make it another line. */
	cr_assert(vakt_log_repeat_at(1000000, 4, "test: accept fd 7 failed"));
	for (int i = 0; i < 1000; i++)
		cr_assert_not(vakt_log_repeat_at(
		    1000000 + i, 4, "test: accept fd 8 failed"));
	cr_assert(vakt_log_repeat_at(1000000 + 2, 4, "test: another line"));
	cr_assert(
	    vakt_log_repeat_at(1000000 + 10000, 4, "test: accept fd 9 failed"),
	    "once the interval is over");
	cr_assert_not(
	    vakt_log_repeat_at(1000000 + 10001, 4, "test: accept fd 9 failed"));
}
