/*
 * test_calendar.c: holidays, Easter, time categories, office windows and
 * the Oslo DST edges of vakt/calendar.h.  Expected dates are written by
 * hand from the official calendars, never computed by the code under
 * test.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "vakt/calendar.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* UTC ms of a UTC wall time, through libc (independent of calendar.c). */
static int64_t
utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static void
oslo(void)
{
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
}

/* A converter that never works, like a broken zone file. */
static int
civil_fail(void *ctx, int64_t utc_s, struct vakt_civil *out)
{
	(void)ctx;
	(void)utc_s;
	(void)out;
	return -1;
}

/* A fixed-offset zone without DST (*(int *)ctx seconds east of UTC). */
static int
civil_fixed(void *ctx, int64_t utc_s, struct vakt_civil *out)
{
	int off = *(const int *)ctx;
	time_t t = (time_t)(utc_s + off);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	*out = (struct vakt_civil){.year = tm.tm_year + 1900,
	    .month = tm.tm_mon + 1, .day = tm.tm_mday, .hour = tm.tm_hour,
	    .min = tm.tm_min, .sec = tm.tm_sec, .wday = tm.tm_wday,
	    .utc_offset_s = off};
	return 0;
}

static struct vakt_calendar
default_cal(void)
{
	return (struct vakt_calendar){.country = VAKT_COUNTRY_NO,
	    .days = 0x3eu, .hours = {8 * 60, 20 * 60}};
}

static struct vakt_civil
local(int y, int mo, int d, int h, int mi, int wday)
{
	return (struct vakt_civil){.year = y, .month = mo, .day = d,
	    .hour = h, .min = mi, .wday = wday, .utc_offset_s = 3600};
}

/* ---- holidays ---------------------------------------------------- */

struct hday {
	int date;
	const char *name;
};

/* Norway 2024-2030 from the official calendar (Easter dates by hand). */
static const struct {
	int year;
	struct hday h[12];
} no_years[] = {
    {2024, {{20240101, "Første nyttårsdag"}, {20240328, "Skjærtorsdag"},
	       {20240329, "Langfredag"}, {20240331, "Første påskedag"},
	       {20240401, "Andre påskedag"}, {20240501, "Offentlig høytidsdag"},
	       {20240509, "Kristi himmelfartsdag"}, {20240517, "Grunnlovsdag"},
	       {20240519, "Første pinsedag"}, {20240520, "Andre pinsedag"},
	       {20241225, "Første juledag"}, {20241226, "Andre juledag"}}},
    {2025, {{20250101, "Første nyttårsdag"}, {20250417, "Skjærtorsdag"},
	       {20250418, "Langfredag"}, {20250420, "Første påskedag"},
	       {20250421, "Andre påskedag"}, {20250501, "Offentlig høytidsdag"},
	       {20250517, "Grunnlovsdag"}, {20250529, "Kristi himmelfartsdag"},
	       {20250608, "Første pinsedag"}, {20250609, "Andre pinsedag"},
	       {20251225, "Første juledag"}, {20251226, "Andre juledag"}}},
    {2026, {{20260101, "Første nyttårsdag"}, {20260402, "Skjærtorsdag"},
	       {20260403, "Langfredag"}, {20260405, "Første påskedag"},
	       {20260406, "Andre påskedag"}, {20260501, "Offentlig høytidsdag"},
	       {20260514, "Kristi himmelfartsdag"}, {20260517, "Grunnlovsdag"},
	       {20260524, "Første pinsedag"}, {20260525, "Andre pinsedag"},
	       {20261225, "Første juledag"}, {20261226, "Andre juledag"}}},
    /* 17 May 2027 is also Whit Monday: two entries, law order. */
    {2027, {{20270101, "Første nyttårsdag"}, {20270325, "Skjærtorsdag"},
	       {20270326, "Langfredag"}, {20270328, "Første påskedag"},
	       {20270329, "Andre påskedag"}, {20270501, "Offentlig høytidsdag"},
	       {20270506, "Kristi himmelfartsdag"},
	       {20270516, "Første pinsedag"}, {20270517, "Andre pinsedag"},
	       {20270517, "Grunnlovsdag"}, {20271225, "Første juledag"},
	       {20271226, "Andre juledag"}}},
    {2028, {{20280101, "Første nyttårsdag"}, {20280413, "Skjærtorsdag"},
	       {20280414, "Langfredag"}, {20280416, "Første påskedag"},
	       {20280417, "Andre påskedag"}, {20280501, "Offentlig høytidsdag"},
	       {20280517, "Grunnlovsdag"}, {20280525, "Kristi himmelfartsdag"},
	       {20280604, "Første pinsedag"}, {20280605, "Andre pinsedag"},
	       {20281225, "Første juledag"}, {20281226, "Andre juledag"}}},
    {2029, {{20290101, "Første nyttårsdag"}, {20290329, "Skjærtorsdag"},
	       {20290330, "Langfredag"}, {20290401, "Første påskedag"},
	       {20290402, "Andre påskedag"}, {20290501, "Offentlig høytidsdag"},
	       {20290510, "Kristi himmelfartsdag"}, {20290517, "Grunnlovsdag"},
	       {20290520, "Første pinsedag"}, {20290521, "Andre pinsedag"},
	       {20291225, "Første juledag"}, {20291226, "Andre juledag"}}},
    {2030, {{20300101, "Første nyttårsdag"}, {20300418, "Skjærtorsdag"},
	       {20300419, "Langfredag"}, {20300421, "Første påskedag"},
	       {20300422, "Andre påskedag"}, {20300501, "Offentlig høytidsdag"},
	       {20300517, "Grunnlovsdag"}, {20300530, "Kristi himmelfartsdag"},
	       {20300609, "Første pinsedag"}, {20300610, "Andre pinsedag"},
	       {20301225, "Første juledag"}, {20301226, "Andre juledag"}}},
};

Test(calendar, norwegian_holidays_2024_to_2030_match_official_calendar)
{
	for (size_t i = 0; i < N_OF(no_years); i++) {
		struct vakt_holiday got[VAKT_HOLIDAYS_MAX];
		int y = no_years[i].year;
		size_t n = vakt_calendar_holidays(VAKT_COUNTRY_NO, y, got);

		cr_assert_eq(n, 12, "%d: %zu holidays, want 12", y, n);
		for (size_t k = 0; k < n; k++) {
			const struct hday *w = &no_years[i].h[k];

			cr_assert_eq(got[k].date, w->date, "%d #%zu: %d, want %d",
			    y, k, got[k].date, w->date);
			cr_assert_str_eq(got[k].name, w->name, "%d: %d", y,
			    w->date);
		}
	}
}

Test(calendar, easter_sunday_matches_published_dates)
{
	/* Published Easter Sundays (Gregorian), 1900..2200. */
	static const int easter[] = {19000415, 19030412, 19130323, 19210327,
	    19270417, 19430425, 19500409, 19540418, 19610402, 19700329,
	    19810419, 19860330, 19910331, 19990404, 20000423, 20080323,
	    20110424, 20150405, 20190421, 20240331, 20250420, 20260405,
	    20270328, 20280416, 20290401, 20300421, 20380425, 20490418,
	    20570422, 20760419, 21000328, 21090421, 21370407, 21500412,
	    21600323, 21870325, 22000406};

	for (size_t i = 0; i < N_OF(easter); i++) {
		int y = easter[i] / 10000, m = 0, d = 0;

		vakt_calendar_easter(y, &m, &d);
		cr_assert_eq(y * 10000 + m * 100 + d, easter[i],
		    "Easter %d: got %02d-%02d, want %d", y, m, d, easter[i]);
	}
}

Test(calendar, two_holidays_on_one_date_are_two_entries_in_law_order)
{
	static const struct {
		enum vakt_country c;
		int date;
		const char *first, *second;
	} cases[] = {
	    {VAKT_COUNTRY_NO, 20270517, "Andre pinsedag", "Grunnlovsdag"},
	    {VAKT_COUNTRY_NO, 20070517, "Kristi himmelfartsdag",
		"Grunnlovsdag"},
	    {VAKT_COUNTRY_NO, 20080501, "Kristi himmelfartsdag",
		"Offentlig høytidsdag"},
	    {VAKT_COUNTRY_SE, 20080501, "Första maj",
		"Kristi himmelsfärdsdag"},
	    {VAKT_COUNTRY_SE, 20490606, "Pingstdagen", "Nationaldagen"},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct vakt_holiday h[VAKT_HOLIDAYS_MAX];
		size_t n = vakt_calendar_holidays(cases[i].c,
		    cases[i].date / 10000, h);
		size_t k = 0;

		while (k < n && h[k].date != cases[i].date)
			k++;
		cr_assert_lt(k + 1, n, "%d: not two entries", cases[i].date);
		cr_assert_str_eq(h[k].name, cases[i].first, "%d",
		    cases[i].date);
		cr_assert_eq(h[k + 1].date, cases[i].date, "%d",
		    cases[i].date);
		cr_assert_str_eq(h[k + 1].name, cases[i].second, "%d",
		    cases[i].date);
		cr_assert_str_eq(vakt_calendar_holiday(cases[i].c,
				     cases[i].date),
		    cases[i].first, "%d: first name", cases[i].date);
	}
}

/* Is date (yyyymmdd) among the holidays of its year, under this name? */
static bool
has_holiday(enum vakt_country c, int date, const char *name)
{
	struct vakt_holiday h[VAKT_HOLIDAYS_MAX];
	size_t n = vakt_calendar_holidays(c, date / 10000, h);

	for (size_t i = 0; i < n; i++)
		if (h[i].date == date && strcmp(h[i].name, name) == 0)
			return true;
	return false;
}

Test(calendar, norwegian_may_holidays_are_statutory_from_1947)
{
	struct vakt_holiday h[VAKT_HOLIDAYS_MAX];

	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_NO, 1946, h), 10);
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_NO, 19460517));
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_NO, 19460501));
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_NO, 1947, h), 12);
	cr_assert(has_holiday(VAKT_COUNTRY_NO, 19470517, "Grunnlovsdag"));
	cr_assert(has_holiday(VAKT_COUNTRY_NO, 19470501,
	    "Offentlig høytidsdag"));
}

Test(calendar, danish_store_bededag_ends_after_2023)
{
	struct vakt_holiday h[VAKT_HOLIDAYS_MAX];

	cr_assert(has_holiday(VAKT_COUNTRY_DK, 20230505, "Store bededag"));
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_DK, 2023, h), 11);
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_DK, 20240426),
	    "2024-04-26 would have been Store bededag");
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_DK, 2024, h), 10);
	for (size_t i = 0; i < 10; i++)
		cr_assert_str_neq(h[i].name, "Store bededag");
	cr_assert(has_holiday(VAKT_COUNTRY_DK, 20240509,
	    "Kristi himmelfartsdag"));
}

Test(calendar, swedish_nationaldagen_replaces_annandag_pingst_in_2005)
{
	cr_assert(has_holiday(VAKT_COUNTRY_SE, 20040531, "Annandag pingst"));
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_SE, 20040606));
	cr_assert(has_holiday(VAKT_COUNTRY_SE, 20050606, "Nationaldagen"));
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_SE, 20050516),
	    "Whit Monday 2005 is a working day");
}

Test(calendar, swedish_midsummer_and_all_saints_fall_on_saturdays)
{
	static const struct {
		int midsummer, all_saints;
	} cases[] = {
	    {19520624, 19521101}, /* fixed dates before 1953 */
	    {19530620, 19531031}, {20240622, 20241102},
	    {20250621, 20251101}, {20260620, 20261031},
	    {20270626, 20271106},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		cr_assert(has_holiday(VAKT_COUNTRY_SE, cases[i].midsummer,
			      "Midsommardagen"),
		    "%d", cases[i].midsummer);
		cr_assert(has_holiday(VAKT_COUNTRY_SE, cases[i].all_saints,
			      "Alla helgons dag"),
		    "%d", cases[i].all_saints);
	}
	/* Midsommarafton is not a public holiday. */
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_SE, 20260619));
	cr_assert(has_holiday(VAKT_COUNTRY_SE, 20260106, "Trettondedag jul"));
}

Test(calendar, holidays_outside_1900_to_2200_are_none)
{
	struct vakt_holiday h[VAKT_HOLIDAYS_MAX];

	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_NO, 1899, h), 0);
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_SE, 2201, h), 0);
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_DK, -1, h), 0);
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_NO, 18991225));
	cr_assert_null(vakt_calendar_holiday(VAKT_COUNTRY_NO, 22011225));
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_NO, 1900, h), 10);
	cr_assert_eq(vakt_calendar_holidays(VAKT_COUNTRY_NO, 2200, h), 12);
}

/* Expected count per country and year, from the rules in the brief. */
static size_t
want_count(enum vakt_country c, int y)
{
	switch (c) {
	case VAKT_COUNTRY_NO:
		return y >= 1947 ? 12 : 10;
	case VAKT_COUNTRY_DK:
		return y <= 2023 ? 11 : 10;
	case VAKT_COUNTRY_SE:
		return y >= 1939 ? 13 : 12;
	}
	return 0;
}

Test(calendar, every_year_is_sorted_and_agrees_with_single_lookup)
{
	static const enum vakt_country all[] = {VAKT_COUNTRY_NO,
	    VAKT_COUNTRY_DK, VAKT_COUNTRY_SE};

	for (size_t c = 0; c < N_OF(all); c++) {
		for (int y = VAKT_YEAR_MIN; y <= VAKT_YEAR_MAX; y++) {
			struct vakt_holiday h[VAKT_HOLIDAYS_MAX];
			size_t n = vakt_calendar_holidays(all[c], y, h);

			cr_assert_eq(n, want_count(all[c], y), "%s %d: %zu",
			    vakt_calendar_country_code(all[c]), y, n);
			for (size_t i = 0; i < n; i++) {
				cr_assert_eq(h[i].date / 10000, y, "%d", y);
				cr_assert(i == 0 || h[i - 1].date <= h[i].date,
				    "%d unsorted at %d", y, h[i].date);
				if (i > 0 && h[i - 1].date == h[i].date)
					continue;
				cr_assert_str_eq(vakt_calendar_holiday(all[c],
						     h[i].date),
				    h[i].name, "%d", h[i].date);
			}
		}
	}
}

Test(calendar, country_codes_parse_case_insensitively)
{
	enum vakt_country c = VAKT_COUNTRY_NO;

	cr_assert_eq(vakt_calendar_country_parse("se", &c), 0);
	cr_assert_eq(c, VAKT_COUNTRY_SE);
	cr_assert_eq(vakt_calendar_country_parse("Dk", &c), 0);
	cr_assert_eq(c, VAKT_COUNTRY_DK);
	cr_assert_eq(vakt_calendar_country_parse("NO", &c), 0);
	cr_assert_eq(c, VAKT_COUNTRY_NO);
	cr_assert_eq(vakt_calendar_country_parse("FI", &c), -1);
	cr_assert_eq(vakt_calendar_country_parse("", &c), -1);
	cr_assert_eq(vakt_calendar_country_parse("NOR", &c), -1);
}

/* ---- categories -------------------------------------------------- */

Test(calendar, office_window_is_half_open)
{
	const struct vakt_hours h = {.open_min = 8 * 60, .close_min = 20 * 60};

	cr_assert_not(vakt_calendar_in_window(&h, 8 * 60 - 1), "07:59");
	cr_assert(vakt_calendar_in_window(&h, 8 * 60), "08:00 is open");
	cr_assert(vakt_calendar_in_window(&h, 20 * 60 - 1), "19:59");
	cr_assert_not(vakt_calendar_in_window(&h, 20 * 60), "20:00 is closed");
}

static const struct {
	const char *what;
	struct vakt_civil at;
	enum vakt_category want;
	const char *name;
} default_cases[] = {
    {"Wed 07:59", {2026, 1, 14, 7, 59, 0, 3, 3600}, VAKT_CAT_AFTER_HOURS, NULL},
    {"Wed 08:00", {2026, 1, 14, 8, 0, 0, 3, 3600}, VAKT_CAT_OFFICE, NULL},
    {"Wed 19:59", {2026, 1, 14, 19, 59, 59, 3, 3600}, VAKT_CAT_OFFICE, NULL},
    {"Wed 20:00", {2026, 1, 14, 20, 0, 0, 3, 3600}, VAKT_CAT_AFTER_HOURS, NULL},
    {"Sat 10:00", {2026, 1, 17, 10, 0, 0, 6, 3600}, VAKT_CAT_WEEKEND, NULL},
    {"Sun 10:00", {2026, 1, 18, 10, 0, 0, 0, 3600}, VAKT_CAT_WEEKEND, NULL},
    {"holiday on a Saturday", {2026, 12, 26, 10, 0, 0, 6, 3600},
	VAKT_CAT_HOLIDAY, "Andre juledag"},
    {"holiday on a Saturday, 1 May", {2027, 5, 1, 12, 0, 0, 6, 7200},
	VAKT_CAT_HOLIDAY, "Offentlig høytidsdag"},
    {"Ascension Day at 10:00", {2026, 5, 14, 10, 0, 0, 4, 7200},
	VAKT_CAT_HOLIDAY, "Kristi himmelfartsdag"},
    {"New Year at 00:00", {2026, 1, 1, 0, 0, 0, 4, 3600}, VAKT_CAT_HOLIDAY,
	"Første nyttårsdag"},
    {"29 Feb 2028 at noon", {2028, 2, 29, 12, 0, 0, 2, 3600},
	VAKT_CAT_OFFICE, NULL},
};

Test(calendar, default_calendar_categories)
{
	const struct vakt_calendar cal = default_cal();

	for (size_t i = 0; i < N_OF(default_cases); i++) {
		const char *name = "unset";
		enum vakt_category cat = vakt_calendar_classify(&cal,
		    &default_cases[i].at, &name);

		cr_assert_eq(cat, default_cases[i].want, "%s: %s",
		    default_cases[i].what, vakt_calendar_category_name(cat));
		if (default_cases[i].name == NULL)
			cr_assert_null(name, "%s", default_cases[i].what);
		else
			cr_assert_str_eq(name, default_cases[i].name, "%s",
			    default_cases[i].what);
	}
}

static const struct vakt_special_day specials[] = {
    {20260517, false, {10 * 60, 14 * 60}, "Grunnlovsdag-vakt"},
    {20261224, false, {8 * 60, 12 * 60}, "Julaften"},
    {20261231, true, {0, 0}, "Nyttårsaften"},
};

static struct vakt_calendar
special_cal(void)
{
	struct vakt_calendar cal = default_cal();

	cal.special = specials;
	cal.n_special = N_OF(specials);
	return cal;
}

Test(calendar, special_day_with_own_hours_is_a_working_day)
{
	const struct vakt_calendar cal = special_cal();
	static const struct {
		struct vakt_civil at;
		enum vakt_category want;
	} cases[] = {
	    {{2026, 12, 24, 7, 59, 0, 4, 3600}, VAKT_CAT_AFTER_HOURS},
	    {{2026, 12, 24, 8, 0, 0, 4, 3600}, VAKT_CAT_OFFICE},
	    {{2026, 12, 24, 11, 59, 0, 4, 3600}, VAKT_CAT_OFFICE},
	    {{2026, 12, 24, 12, 0, 0, 4, 3600}, VAKT_CAT_AFTER_HOURS},
	    /* The special day wins over a holiday on a Sunday. */
	    {{2026, 5, 17, 9, 59, 0, 0, 7200}, VAKT_CAT_AFTER_HOURS},
	    {{2026, 5, 17, 10, 0, 0, 0, 7200}, VAKT_CAT_OFFICE},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		const struct vakt_civil *c = &cases[i].at;
		const char *name = NULL;

		cr_assert_eq(vakt_calendar_classify(&cal, c, &name),
		    cases[i].want, "%d-%02d %02d:%02d", c->month, c->day,
		    c->hour, c->min);
		cr_assert_not_null(name, "%d-%02d has a name", c->month,
		    c->day);
	}
}

Test(calendar, closed_special_day_is_holiday_with_its_name)
{
	const struct vakt_calendar cal = special_cal();
	struct vakt_civil c = local(2026, 12, 31, 10, 0, 4);
	const char *name = NULL;

	cr_assert_eq(vakt_calendar_classify(&cal, &c, &name),
	    VAKT_CAT_HOLIDAY);
	cr_assert_str_eq(name, "Nyttårsaften");
	cr_assert_eq(vakt_calendar_classify(&cal, &c, NULL), VAKT_CAT_HOLIDAY,
	    "day_name may be NULL");
	cr_assert_eq(vakt_calendar_special(&cal, 20261231), &specials[2]);
	cr_assert_null(vakt_calendar_special(&cal, 20261230));
}

Test(calendar, custom_office_days_decide_weekend)
{
	/* A Tuesday-Saturday service, 10:00-18:00. */
	const struct vakt_calendar cal = {.country = VAKT_COUNTRY_NO,
	    .days = 0x7cu, .hours = {10 * 60, 18 * 60}};
	static const struct {
		struct vakt_civil at;
		enum vakt_category want;
	} cases[] = {
	    {{2026, 1, 12, 12, 0, 0, 1, 3600}, VAKT_CAT_WEEKEND}, /* Mon */
	    {{2026, 1, 13, 9, 59, 0, 2, 3600}, VAKT_CAT_AFTER_HOURS},
	    {{2026, 1, 13, 10, 0, 0, 2, 3600}, VAKT_CAT_OFFICE},
	    {{2026, 1, 17, 17, 59, 0, 6, 3600}, VAKT_CAT_OFFICE}, /* Sat */
	    {{2026, 1, 17, 18, 0, 0, 6, 3600}, VAKT_CAT_AFTER_HOURS},
	    {{2026, 1, 18, 12, 0, 0, 0, 3600}, VAKT_CAT_WEEKEND}, /* Sun */
	};

	for (size_t i = 0; i < N_OF(cases); i++)
		cr_assert_eq(vakt_calendar_classify(&cal, &cases[i].at, NULL),
		    cases[i].want, "case %zu (%d-%02d %02d:%02d)", i,
		    cases[i].at.month, cases[i].at.day, cases[i].at.hour,
		    cases[i].at.min);
}

Test(calendar, working_day_gives_the_hours_of_office_days_only)
{
	const struct vakt_calendar cal = special_cal();
	static const struct {
		int date;
		bool want;
		int open, close;
	} cases[] = {
	    {20260105, true, 8 * 60, 20 * 60},	/* Monday */
	    {20260110, false, 0, 0},		/* Saturday */
	    {20260406, false, 0, 0},		/* Andre påskedag */
	    {20261224, true, 8 * 60, 12 * 60},	/* special hours */
	    {20260517, true, 10 * 60, 14 * 60}, /* special on a holiday */
	    {20261231, false, 0, 0},		/* closed special */
	    {20280229, true, 8 * 60, 20 * 60},	/* leap day, Tuesday */
	    {20260229, false, 0, 0},		/* no such date */
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct vakt_hours h = {-1, -1};
		bool got = vakt_calendar_working_day(&cal, cases[i].date, &h);

		cr_assert_eq(got, cases[i].want, "%d", cases[i].date);
		if (!got)
			continue;
		cr_assert_eq(h.open_min, cases[i].open, "%d", cases[i].date);
		cr_assert_eq(h.close_min, cases[i].close, "%d",
		    cases[i].date);
	}
}

Test(calendar, category_names_round_trip)
{
	enum vakt_category cat;

	for (int i = 0; i < VAKT_CAT_COUNT; i++) {
		enum vakt_category got = VAKT_CAT_COUNT;
		const char *s = vakt_calendar_category_name(
		    (enum vakt_category)i);

		cr_assert_eq(vakt_calendar_category_parse(s, &got), 0, "%s", s);
		cr_assert_eq((int)got, i, "%s", s);
	}
	cr_assert_str_eq(vakt_calendar_category_name(VAKT_CAT_AFTER_HOURS),
	    "after_hours");
	cr_assert_eq(vakt_calendar_category_parse("Office", &cat), -1,
	    "names are lower case");
}

/* ---- local time and DST (Europe/Oslo) ---------------------------- */

/*
 * The DST change days at the office edges, for a service open every day
 * 08:00-20:00.  2027-03-28 is Easter Sunday, so the service has a
 * special day with the same hours there.
 */
static const struct vakt_special_day easter_duty[] = {
    {20270328, false, {8 * 60, 20 * 60}, "Påskevakt"},
};

static const struct {
	int y, mo, d, h, mi;
	int uy, umo, ud, uh, umi; /* the UTC instant, by hand */
	enum vakt_category want;
} dst_edges[] = {
    {2026, 3, 29, 7, 59, 2026, 3, 29, 5, 59, VAKT_CAT_AFTER_HOURS},
    {2026, 3, 29, 8, 0, 2026, 3, 29, 6, 0, VAKT_CAT_OFFICE},
    {2026, 3, 29, 19, 59, 2026, 3, 29, 17, 59, VAKT_CAT_OFFICE},
    {2026, 3, 29, 20, 0, 2026, 3, 29, 18, 0, VAKT_CAT_AFTER_HOURS},
    {2026, 10, 25, 7, 59, 2026, 10, 25, 6, 59, VAKT_CAT_AFTER_HOURS},
    {2026, 10, 25, 8, 0, 2026, 10, 25, 7, 0, VAKT_CAT_OFFICE},
    {2026, 10, 25, 19, 59, 2026, 10, 25, 18, 59, VAKT_CAT_OFFICE},
    {2026, 10, 25, 20, 0, 2026, 10, 25, 19, 0, VAKT_CAT_AFTER_HOURS},
    {2027, 3, 28, 7, 59, 2027, 3, 28, 5, 59, VAKT_CAT_AFTER_HOURS},
    {2027, 3, 28, 8, 0, 2027, 3, 28, 6, 0, VAKT_CAT_OFFICE},
    {2027, 3, 28, 19, 59, 2027, 3, 28, 17, 59, VAKT_CAT_OFFICE},
    {2027, 3, 28, 20, 0, 2027, 3, 28, 18, 0, VAKT_CAT_AFTER_HOURS},
    {2027, 10, 31, 7, 59, 2027, 10, 31, 6, 59, VAKT_CAT_AFTER_HOURS},
    {2027, 10, 31, 8, 0, 2027, 10, 31, 7, 0, VAKT_CAT_OFFICE},
    {2027, 10, 31, 19, 59, 2027, 10, 31, 18, 59, VAKT_CAT_OFFICE},
    {2027, 10, 31, 20, 0, 2027, 10, 31, 19, 0, VAKT_CAT_AFTER_HOURS},
};

Test(calendar, dst_change_days_keep_local_office_edges, .init = oslo)
{
	const struct vakt_calendar cal = {.country = VAKT_COUNTRY_NO,
	    .days = 0x7fu, .hours = {8 * 60, 20 * 60},
	    .special = easter_duty, .n_special = 1};
	struct vakt_tz tz;

	vakt_calendar_tz_system(&tz);
	for (size_t i = 0; i < N_OF(dst_edges); i++) {
		int64_t want = utc_ms(dst_edges[i].uy, dst_edges[i].umo,
		    dst_edges[i].ud, dst_edges[i].uh, dst_edges[i].umi);
		int64_t got = 0;
		struct vakt_civil c;

		cr_assert_eq(vakt_calendar_utc(&tz, dst_edges[i].y,
				 dst_edges[i].mo, dst_edges[i].d,
				 dst_edges[i].h, dst_edges[i].mi, 0, &got),
		    0);
		cr_assert_eq(got, want, "%d-%02d-%02d %02d:%02d: utc %lld",
		    dst_edges[i].y, dst_edges[i].mo, dst_edges[i].d,
		    dst_edges[i].h, dst_edges[i].mi, (long long)got);
		cr_assert_eq(vakt_calendar_civil(&tz, want, &c), 0);
		cr_assert(c.day == dst_edges[i].d && c.hour == dst_edges[i].h &&
			c.min == dst_edges[i].mi && c.wday == 0,
		    "case %zu reads back as %02d %02d:%02d", i, c.day, c.hour,
		    c.min);
		cr_assert_eq(vakt_calendar_classify(&cal, &c, NULL),
		    dst_edges[i].want, "%d-%02d-%02d %02d:%02d",
		    dst_edges[i].y, dst_edges[i].mo, dst_edges[i].d,
		    dst_edges[i].h, dst_edges[i].mi);
	}
}

Test(calendar, summer_and_winter_offsets_of_oslo, .init = oslo)
{
	struct vakt_tz tz;
	struct vakt_civil c;

	vakt_calendar_tz_system(&tz);
	/* 08:00 local is 06:00Z in summer and 07:00Z in winter. */
	cr_assert_eq(vakt_calendar_civil(&tz, utc_ms(2026, 6, 15, 6, 0), &c),
	    0);
	cr_assert(c.hour == 8 && c.min == 0 && c.utc_offset_s == 7200);
	cr_assert_eq(c.wday, 1, "2026-06-15 is a Monday");
	cr_assert_eq(vakt_calendar_civil(&tz, utc_ms(2026, 1, 15, 7, 0), &c),
	    0);
	cr_assert(c.hour == 8 && c.min == 0 && c.utc_offset_s == 3600);
	cr_assert_eq(c.wday, 4, "2026-01-15 is a Thursday");
}

static const struct {
	const char *what;
	int y, mo, d, h, mi;
	int uy, umo, ud, uh, umi;
} utc_cases[] = {
    /* Spring gap 02:00-03:00: read with the offset before the gap. */
    {"gap 01:59", 2026, 3, 29, 1, 59, 2026, 3, 29, 0, 59},
    {"gap 02:00", 2026, 3, 29, 2, 0, 2026, 3, 29, 1, 0},
    {"gap 02:30", 2026, 3, 29, 2, 30, 2026, 3, 29, 1, 30},
    {"gap 02:59", 2026, 3, 29, 2, 59, 2026, 3, 29, 1, 59},
    {"gap 03:00", 2026, 3, 29, 3, 0, 2026, 3, 29, 1, 0},
    {"gap 2027 02:30", 2027, 3, 28, 2, 30, 2027, 3, 28, 1, 30},
    /* Autumn overlap 02:00-03:00 happens twice: the earlier instant. */
    {"overlap 01:59", 2026, 10, 25, 1, 59, 2026, 10, 24, 23, 59},
    {"overlap 02:00", 2026, 10, 25, 2, 0, 2026, 10, 25, 0, 0},
    {"overlap 02:30", 2026, 10, 25, 2, 30, 2026, 10, 25, 0, 30},
    {"overlap 03:00", 2026, 10, 25, 3, 0, 2026, 10, 25, 2, 0},
    {"overlap 2027 02:30", 2027, 10, 31, 2, 30, 2027, 10, 31, 0, 30},
    /* Midnight, New Year and leap days. */
    {"new year", 2026, 1, 1, 0, 0, 2025, 12, 31, 23, 0},
    {"summer midnight", 2026, 6, 15, 0, 0, 2026, 6, 14, 22, 0},
    {"29 Feb 2028", 2028, 2, 29, 12, 0, 2028, 2, 29, 11, 0},
    {"29 Feb 2000", 2000, 2, 29, 23, 59, 2000, 2, 29, 22, 59},
};

Test(calendar, local_to_utc_handles_gap_overlap_and_dates, .init = oslo)
{
	struct vakt_tz tz;

	vakt_calendar_tz_system(&tz);
	for (size_t i = 0; i < N_OF(utc_cases); i++) {
		int64_t got = 0, want = utc_ms(utc_cases[i].uy,
		    utc_cases[i].umo, utc_cases[i].ud, utc_cases[i].uh,
		    utc_cases[i].umi);

		cr_assert_eq(vakt_calendar_utc(&tz, utc_cases[i].y,
				 utc_cases[i].mo, utc_cases[i].d,
				 utc_cases[i].h, utc_cases[i].mi, 0, &got),
		    0, "%s", utc_cases[i].what);
		cr_assert_eq(got, want, "%s: off by %lld s", utc_cases[i].what,
		    (long long)(got - want) / 1000);
	}
}

Test(calendar, gap_time_reads_back_after_the_gap, .init = oslo)
{
	struct vakt_tz tz;
	struct vakt_civil c;
	int64_t t = 0;

	vakt_calendar_tz_system(&tz);
	cr_assert_eq(vakt_calendar_utc(&tz, 2026, 3, 29, 2, 30, 0, &t), 0);
	cr_assert_eq(vakt_calendar_civil(&tz, t, &c), 0);
	cr_assert(c.hour == 3 && c.min == 30 && c.utc_offset_s == 7200,
	    "02:30 becomes 03:30 CEST, got %02d:%02d", c.hour, c.min);
}

Test(calendar, midnight_and_new_year_turn_the_local_date, .init = oslo)
{
	const struct vakt_calendar cal = default_cal();
	int64_t t = utc_ms(2025, 12, 31, 23, 0);
	struct vakt_tz tz;
	struct vakt_civil c;
	const char *name = NULL;

	vakt_calendar_tz_system(&tz);
	cr_assert_eq(vakt_calendar_civil(&tz, t - 1, &c), 0);
	cr_assert(c.year == 2025 && c.month == 12 && c.day == 31 &&
	    c.hour == 23 && c.min == 59 && c.sec == 59 && c.wday == 3);
	cr_assert_eq(vakt_calendar_classify(&cal, &c, NULL),
	    VAKT_CAT_AFTER_HOURS, "Wednesday 23:59:59");
	cr_assert_eq(vakt_calendar_civil(&tz, t, &c), 0);
	cr_assert(c.year == 2026 && c.month == 1 && c.day == 1 &&
	    c.hour == 0 && c.min == 0 && c.wday == 4);
	cr_assert_eq(vakt_calendar_classify(&cal, &c, &name),
	    VAKT_CAT_HOLIDAY);
	cr_assert_str_eq(name, "Første nyttårsdag");
	/* 29 Feb 2028 at 00:00 local is 28 Feb 23:00Z. */
	cr_assert_eq(vakt_calendar_civil(&tz, utc_ms(2028, 2, 28, 23, 0), &c),
	    0);
	cr_assert(c.month == 2 && c.day == 29 && c.hour == 0 && c.wday == 2);
}

Test(calendar, invalid_local_dates_and_broken_converters_fail)
{
	struct vakt_tz bad = {civil_fail, NULL};
	int off = 0;
	struct vakt_tz utc = {civil_fixed, &off};
	struct vakt_civil c;
	int64_t t = 42;

	cr_assert_eq(vakt_calendar_utc(&utc, 2026, 2, 29, 12, 0, 0, &t), -1);
	cr_assert_eq(vakt_calendar_utc(&utc, 2100, 2, 29, 12, 0, 0, &t), -1,
	    "2100 is not a leap year");
	cr_assert_eq(vakt_calendar_utc(&utc, 2026, 1, 1, 24, 0, 0, &t), -1);
	cr_assert_eq(vakt_calendar_utc(&utc, 2026, 13, 1, 0, 0, 0, &t), -1);
	cr_assert_eq(vakt_calendar_utc(&bad, 2026, 1, 1, 12, 0, 0, &t), -1);
	cr_assert_eq(t, 42, "out untouched on failure");
	cr_assert_eq(vakt_calendar_civil(&bad, 0, &c), -1);
	cr_assert_eq(vakt_calendar_civil(NULL, 0, &c), -1);
}

Test(calendar, fixed_offset_converter_and_times_before_1970)
{
	int off = 3600;
	struct vakt_tz tz = {civil_fixed, &off};
	struct vakt_civil c;
	int64_t t = 0;

	/* -1 ms is the last millisecond of 1969, not the first of 1970. */
	cr_assert_eq(vakt_calendar_civil(&tz, -1, &c), 0);
	cr_assert(c.year == 1970 && c.month == 1 && c.day == 1 &&
	    c.hour == 0 && c.min == 59 && c.sec == 59);
	cr_assert_eq(vakt_calendar_utc(&tz, 1900, 1, 1, 0, 0, 0, &t), 0);
	cr_assert_eq(t, utc_ms(1899, 12, 31, 23, 0));
}

/* Issue 11: the rota's and route --at's local date-times. */
Test(calendar, local_date_times_parse_with_seconds_and_offsets, .init = oslo)
{
	static const char *const bad[] = {"2026-01-15", "2026-01-15T8:00",
	    "2026-01-15T08:00+1", "2026-02-30T08:00", "2026-01-15T24:00",
	    "2026-01-15T08:00 ", "2026-01-15X08:00", "+026-01-15T08:00", ""};
	struct vakt_tz tz;
	char out[VAKT_TIME_LEN];
	int64_t ms;

	vakt_calendar_tz_system(&tz);
	cr_assert_eq(vakt_calendar_parse_time(&tz, "2026-01-15T08:00", &ms), 0);
	cr_assert_eq(ms, utc_ms(2026, 1, 15, 7, 0), "local winter time");
	cr_assert_eq(
	    vakt_calendar_parse_time(&tz, "2026-06-15 08:00:30", &ms), 0);
	cr_assert_eq(ms, utc_ms(2026, 6, 15, 6, 0) + 30000, "summer, seconds");
	cr_assert_eq(vakt_calendar_parse_time(&tz, "2026-01-15T08:00Z", &ms), 0);
	cr_assert_eq(ms, utc_ms(2026, 1, 15, 8, 0));
	cr_assert_eq(
	    vakt_calendar_parse_time(&tz, "2026-01-15T08:00-02:30", &ms), 0);
	cr_assert_eq(ms, utc_ms(2026, 1, 15, 10, 30));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vakt_calendar_parse_time(&tz, bad[i], &ms), -1,
		    "\"%s\" is no time", bad[i]);
	cr_assert_eq(vakt_calendar_parse_time(&tz, NULL, &ms), -1);
	vakt_calendar_format_time(&tz, utc_ms(2026, 6, 15, 6, 0), out);
	cr_assert_str_eq(out, "2026-06-15T08:00:00+02:00");
}
