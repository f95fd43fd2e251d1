/*
 * calendar.c: public holidays (NO, DK, SE), office hours and local civil
 * time.  Exports the vakt_calendar_* functions of vakt/calendar.h.
 *
 * Pure: no I/O, no clock reads, no allocation, no mutable globals.  The
 * holiday rules are constant tables written in each country's own
 * order; local time comes only through the caller's converter.
 */
#include "vakt/calendar.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vakt/util.h"

#define SECS_PER_DAY  86400
#define WDAY_SATURDAY 6

/*
 * How a holiday falls: on a fixed date, a number of days after Easter
 * Sunday, or on the Saturday of a seven-day window (Swedish midsummer
 * and All Saints' Day since 1953).
 */
enum rule_kind {
	RULE_FIXED,
	RULE_EASTER,
	RULE_SATURDAY,
};

struct rule {
	enum rule_kind kind;
	int month, day;   /* FIXED: the date; SATURDAY: the window's start */
	int offset;       /* EASTER: days after Easter Sunday */
	int from, to;     /* years in force, both inclusive */
	const char *name; /* UTF-8, in the country's language */
};

#define Y0                      VAKT_YEAR_MIN
#define Y1                      VAKT_YEAR_MAX
#define FIXED(m, d, f, t, n)    RULE_FIXED, (m), (d), 0, (f), (t), (n)
#define EASTER(o, f, t, n)      RULE_EASTER, 0, 0, (o), (f), (t), (n)
#define SATURDAY(m, d, f, t, n) RULE_SATURDAY, (m), (d), 0, (f), (t), (n)

/*
 * Norway: lov om helligdager og helligdagsfred § 2 in its order, then
 * the two days of lov om 1. og 17. mai som høgtidsdager (1947).  The
 * order decides which name comes first when two fall on one date (17
 * May 2027 is also Andre pinsedag).
 */
static const struct rule rules_no[] = {
    {FIXED(1, 1, Y0, Y1, "Første nyttårsdag")},
    {EASTER(-3, Y0, Y1, "Skjærtorsdag")},
    {EASTER(-2, Y0, Y1, "Langfredag")},
    {EASTER(0, Y0, Y1, "Første påskedag")},
    {EASTER(1, Y0, Y1, "Andre påskedag")},
    {EASTER(39, Y0, Y1, "Kristi himmelfartsdag")},
    {EASTER(49, Y0, Y1, "Første pinsedag")},
    {EASTER(50, Y0, Y1, "Andre pinsedag")},
    {FIXED(12, 25, Y0, Y1, "Første juledag")},
    {FIXED(12, 26, Y0, Y1, "Andre juledag")},
    {FIXED(5, 1, 1947, Y1, "Offentlig høytidsdag")},
    {FIXED(5, 17, 1947, Y1, "Grunnlovsdag")},
};

/* Denmark: helligdagsloven's list; Store bededag abolished from 2024. */
static const struct rule rules_dk[] = {
    {FIXED(1, 1, Y0, Y1, "Nytårsdag")},
    {EASTER(-3, Y0, Y1, "Skærtorsdag")},
    {EASTER(-2, Y0, Y1, "Langfredag")},
    {EASTER(0, Y0, Y1, "Påskedag")},
    {EASTER(1, Y0, Y1, "2. påskedag")},
    {EASTER(26, Y0, 2023, "Store bededag")},
    {EASTER(39, Y0, Y1, "Kristi himmelfartsdag")},
    {EASTER(49, Y0, Y1, "Pinsedag")},
    {EASTER(50, Y0, Y1, "2. pinsedag")},
    {FIXED(12, 25, Y0, Y1, "Juledag")},
    {FIXED(12, 26, Y0, Y1, "2. juledag")},
};

/*
 * Sweden: lag (1989:253) om allmänna helgdagar § 1 in its order (the
 * Sundays påskdagen and pingstdagen first).  Första maj since 1939 (lag
 * 1938:107); Nationaldagen replaced Annandag pingst in 2005 (SFS
 * 2004:1320); midsummer and All Saints' moved to Saturdays in 1953.
 */
static const struct rule rules_se[] = {
    {EASTER(0, Y0, Y1, "Påskdagen")},
    {EASTER(49, Y0, Y1, "Pingstdagen")},
    {FIXED(1, 1, Y0, Y1, "Nyårsdagen")},
    {FIXED(1, 6, Y0, Y1, "Trettondedag jul")},
    {FIXED(5, 1, 1939, Y1, "Första maj")},
    {FIXED(12, 25, Y0, Y1, "Juldagen")},
    {FIXED(12, 26, Y0, Y1, "Annandag jul")},
    {EASTER(-2, Y0, Y1, "Långfredagen")},
    {EASTER(1, Y0, Y1, "Annandag påsk")},
    {EASTER(39, Y0, Y1, "Kristi himmelsfärdsdag")},
    {EASTER(50, Y0, 2004, "Annandag pingst")},
    {FIXED(6, 6, 2005, Y1, "Nationaldagen")},
    {FIXED(6, 24, Y0, 1952, "Midsommardagen")},
    {SATURDAY(6, 20, 1953, Y1, "Midsommardagen")},
    {FIXED(11, 1, Y0, 1952, "Alla helgons dag")},
    {SATURDAY(10, 31, 1953, Y1, "Alla helgons dag")},
};

_Static_assert(sizeof(rules_se) / sizeof(rules_se[0]) <= VAKT_HOLIDAYS_MAX,
    "a year's holidays fit in VAKT_HOLIDAYS_MAX");

static const struct rule *
rules_of(enum vakt_country c, size_t *n)
{
	switch (c) {
	case VAKT_COUNTRY_NO:
		*n = sizeof(rules_no) / sizeof(rules_no[0]);
		return rules_no;
	case VAKT_COUNTRY_DK:
		*n = sizeof(rules_dk) / sizeof(rules_dk[0]);
		return rules_dk;
	case VAKT_COUNTRY_SE:
		*n = sizeof(rules_se) / sizeof(rules_se[0]);
		return rules_se;
	}
	*n = 0;
	return NULL;
}

int
vakt_calendar_country_parse(const char *s, enum vakt_country *out)
{
	if (s == NULL)
		return -1;
	for (int i = VAKT_COUNTRY_NO; i <= VAKT_COUNTRY_SE; i++) {
		enum vakt_country c = (enum vakt_country)i;

		if (strcasecmp(s, vakt_calendar_country_code(c)) == 0) {
			*out = c;
			return 0;
		}
	}
	return -1;
}

const char *
vakt_calendar_country_code(enum vakt_country c)
{
	switch (c) {
	case VAKT_COUNTRY_NO:
		return "NO";
	case VAKT_COUNTRY_DK:
		return "DK";
	case VAKT_COUNTRY_SE:
		return "SE";
	}
	return "??";
}

/* Weekday (0 = Sunday) of a day number; 1970-01-01 was a Thursday. */
static int
weekday_of(int64_t days)
{
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* Floor division, so that instants before 1970 land in the right second. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * localtime_r() reads the TZ that main() set once; tm_gmtoff gives the
 * offset in force, which vakt_calendar_utc() relies on.
 */
static int
civil_system(void *ctx, int64_t utc_s, struct vakt_civil *out)
{
	struct tm tm;
	time_t t;

	(void)ctx;
	t = (time_t)utc_s;
	if ((int64_t)t != utc_s || localtime_r(&t, &tm) == NULL)
		return -1;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->min = tm.tm_min;
	out->sec = tm.tm_sec;
	out->wday = tm.tm_wday;
	out->utc_offset_s = (int)tm.tm_gmtoff;
	return 0;
}

void
vakt_calendar_tz_system(struct vakt_tz *tz)
{
	tz->civil = civil_system;
	tz->ctx = NULL;
}

int
vakt_calendar_civil(
    const struct vakt_tz *tz, int64_t utc_ms, struct vakt_civil *out)
{
	if (tz == NULL || tz->civil == NULL || out == NULL)
		return -1;
	return tz->civil(tz->ctx, floor_div(utc_ms, 1000), out);
}

/* Offset in force at utc_s, through the converter; 0 or -1. */
static int
offset_at(const struct vakt_tz *tz, int64_t utc_s, int *offset_s)
{
	struct vakt_civil c;

	if (tz->civil(tz->ctx, utc_s, &c) == -1)
		return -1;
	*offset_s = c.utc_offset_s;
	return 0;
}

/* Does utc_s read back as the wanted local fields? */
static bool
round_trips(
    const struct vakt_tz *tz, int64_t utc_s, const struct vakt_civil *want)
{
	struct vakt_civil c;

	if (tz->civil(tz->ctx, utc_s, &c) == -1)
		return false;
	return c.year == want->year && c.month == want->month &&
	    c.day == want->day && c.hour == want->hour && c.min == want->min &&
	    c.sec == want->sec;
}

static bool
fields_valid(const struct vakt_civil *c)
{
	return vakt_date_valid(c->year, c->month, c->day) && c->hour >= 0 &&
	    c->hour <= 23 && c->min >= 0 && c->min <= 59 && c->sec >= 0 &&
	    c->sec <= 59;
}

/*
 * Zones change offset at most once around any one day, so the offsets a
 * day before and a day after the local fields (read as if UTC) are the
 * only two candidates.  Both round-trip in the autumn overlap (take the
 * earlier instant); neither does in the spring gap, where the offset
 * before the gap pushes the time forward past it, as a wall clock does.
 */
/* NOLINTBEGIN(readability-function-size): calendar.h's agreed signature */
int
vakt_calendar_utc(const struct vakt_tz *tz, int year, int month, int day,
    int hour, int min, int sec, int64_t *utc_ms)
/* NOLINTEND(readability-function-size) */
{
	/* Positional: the fields of struct vakt_civil in header order. */
	struct vakt_civil want = {year, month, day, hour, min, sec, 0, 0};
	int64_t t0, before, after;
	int off_before, off_after;
	bool before_ok, after_ok;

	if (tz == NULL || tz->civil == NULL || !fields_valid(&want))
		return -1;
	t0 = vakt_days_from_civil(year, month, day) * SECS_PER_DAY +
	    (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
	if (offset_at(tz, t0 - SECS_PER_DAY, &off_before) == -1 ||
	    offset_at(tz, t0 + SECS_PER_DAY, &off_after) == -1)
		return -1;
	before = t0 - off_before;
	after = t0 - off_after;
	before_ok = round_trips(tz, before, &want);
	after_ok = round_trips(tz, after, &want);
	if (before_ok && after_ok)
		*utc_ms = (before < after ? before : after) * 1000;
	else if (after_ok)
		*utc_ms = after * 1000;
	else
		*utc_ms = before * 1000; /* before_ok, or the gap */
	return 0;
}

/* Anonymous Gregorian computus (Meeus, Astronomical Algorithms ch. 8). */
void
vakt_calendar_easter(int year, int *month, int *day)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	*month = n / 31;
	*day = n % 31 + 1;
}

/* Day number of a rule in year; the rule must be in force that year. */
static int64_t
rule_days(const struct rule *r, int year, int64_t easter_days)
{
	int64_t start;

	switch (r->kind) {
	case RULE_EASTER:
		return easter_days + r->offset;
	case RULE_SATURDAY:
		start = vakt_days_from_civil(year, r->month, r->day);
		return start + (WDAY_SATURDAY - weekday_of(start) + 7) % 7;
	case RULE_FIXED:
		break;
	}
	return vakt_days_from_civil(year, r->month, r->day);
}

static int64_t
easter_days_of(int year)
{
	int m, d;

	vakt_calendar_easter(year, &m, &d);
	return vakt_days_from_civil(year, m, d);
}

/* Stable insertion sort by date: keeps the law's order within a date. */
static void
sort_by_date(struct vakt_holiday *h, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct vakt_holiday x = h[i];
		size_t j = i;

		for (; j > 0 && h[j - 1].date > x.date; j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

size_t
vakt_calendar_holidays(
    enum vakt_country c, int year, struct vakt_holiday out[VAKT_HOLIDAYS_MAX])
{
	const struct rule *rules;
	size_t n_rules, n = 0;
	int64_t easter;

	rules = rules_of(c, &n_rules);
	if (rules == NULL || year < VAKT_YEAR_MIN || year > VAKT_YEAR_MAX)
		return 0;
	easter = easter_days_of(year);
	for (size_t i = 0; i < n_rules && n < VAKT_HOLIDAYS_MAX; i++) {
		const struct rule *r = &rules[i];
		int y, m, d;

		if (year < r->from || year > r->to)
			continue;
		vakt_civil_from_days(rule_days(r, year, easter), &y, &m, &d);
		out[n].date = vakt_date_make(y, m, d);
		out[n].name = r->name;
		n++;
	}
	sort_by_date(out, n);
	return n;
}

/*
 * Called for every routing decision, so it compares day numbers rule by
 * rule instead of building and sorting the year's list.  The first
 * match in table order is the first entry of the sorted list.
 */
const char *
vakt_calendar_holiday(enum vakt_country c, int date)
{
	int year = date / 10000, month = date / 100 % 100, day = date % 100;
	const struct rule *rules;
	size_t n_rules;
	int64_t easter, days;

	rules = rules_of(c, &n_rules);
	if (rules == NULL || !vakt_date_valid(year, month, day))
		return NULL;
	easter = easter_days_of(year);
	days = vakt_days_from_civil(year, month, day);
	for (size_t i = 0; i < n_rules; i++) {
		const struct rule *r = &rules[i];

		if (year < r->from || year > r->to)
			continue;
		if (r->kind == RULE_FIXED ? r->month == month && r->day == day
		                          : rule_days(r, year, easter) == days)
			return r->name;
	}
	return NULL;
}

bool
vakt_calendar_in_window(const struct vakt_hours *h, int minute)
{
	return minute >= h->open_min && minute < h->close_min;
}

const char *
vakt_calendar_category_name(enum vakt_category cat)
{
	switch (cat) {
	case VAKT_CAT_OFFICE:
		return "office";
	case VAKT_CAT_AFTER_HOURS:
		return "after_hours";
	case VAKT_CAT_WEEKEND:
		return "weekend";
	case VAKT_CAT_HOLIDAY:
		return "holiday";
	}
	return "unknown";
}

int
vakt_calendar_category_parse(const char *s, enum vakt_category *out)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < VAKT_CAT_COUNT; i++) {
		enum vakt_category cat = (enum vakt_category)i;

		if (strcmp(s, vakt_calendar_category_name(cat)) == 0) {
			*out = cat;
			return 0;
		}
	}
	return -1;
}

/* Binary search: cal->special is sorted by date and unique (config). */
const struct vakt_special_day *
vakt_calendar_special(const struct vakt_calendar *cal, int date)
{
	size_t lo = 0, hi = cal->n_special;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = cal->special[mid].date;

		if (d == date)
			return &cal->special[mid];
		if (d < date)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The kind of day, before the hour is looked at: *hours gets the
 * window for a working day.  Shared by classify and working_day so the
 * two can never disagree.
 */
static enum vakt_category
day_kind(const struct vakt_calendar *cal, int date, int wday,
    struct vakt_hours *hours, const char **day_name)
{
	const struct vakt_special_day *sp = vakt_calendar_special(cal, date);
	const char *holiday;

	*day_name = NULL;
	if (sp != NULL) {
		*day_name = sp->name;
		if (sp->closed)
			return VAKT_CAT_HOLIDAY;
		*hours = sp->hours;
		return VAKT_CAT_OFFICE;
	}
	holiday = vakt_calendar_holiday(cal->country, date);
	if (holiday != NULL) {
		*day_name = holiday;
		return VAKT_CAT_HOLIDAY;
	}
	if (wday < 0 || wday > 6 || (cal->days & (1u << wday)) == 0)
		return VAKT_CAT_WEEKEND;
	*hours = cal->hours;
	return VAKT_CAT_OFFICE;
}

enum vakt_category
vakt_calendar_classify(const struct vakt_calendar *cal,
    const struct vakt_civil *c, const char **day_name)
{
	int date = vakt_date_make(c->year, c->month, c->day);
	struct vakt_hours hours = {0, 0};
	enum vakt_category cat;
	const char *name;

	cat = day_kind(cal, date, c->wday, &hours, &name);
	if (day_name != NULL)
		*day_name = name;
	if (cat != VAKT_CAT_OFFICE)
		return cat;
	if (vakt_calendar_in_window(&hours, c->hour * 60 + c->min))
		return VAKT_CAT_OFFICE;
	return VAKT_CAT_AFTER_HOURS;
}

bool
vakt_calendar_working_day(
    const struct vakt_calendar *cal, int date, struct vakt_hours *hours)
{
	int year = date / 10000, month = date / 100 % 100, day = date % 100;
	struct vakt_hours h = {0, 0};
	const char *name;
	int wday;

	if (!vakt_date_valid(year, month, day))
		return false;
	wday = weekday_of(vakt_days_from_civil(year, month, day));
	if (day_kind(cal, date, wday, &h, &name) != VAKT_CAT_OFFICE)
		return false;
	if (hours != NULL)
		*hours = h;
	return true;
}

/* ---------------------------------------------------------------- */
/* Local date-times as people write them (vaktctl, the API). */

int
vakt_calendar_parse_time(const struct vakt_tz *tz, const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec = 0, n = 0, oh, om;
	const char *rest;
	char sep;

	/* At least "YYYY-MM-DDTHH:MM", so the loop below stays inside s. */
	if (s == NULL || strnlen(s, 16) < 16)
		return -1;
	/* sscanf alone would take signs and spaces: "2026-11-20T+1:00". */
	for (int i = 0; i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 &&
		    !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi,
	        &n) != 6 ||
	    (sep != 'T' && sep != ' ') || n != 16)
		return -1;
	rest = s + n;
	if (rest[0] == ':' && isdigit((unsigned char)rest[1]) &&
	    isdigit((unsigned char)rest[2])) {
		sec = (rest[1] - '0') * 10 + (rest[2] - '0');
		rest += 3;
	}
	if (!vakt_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59 ||
	    h < 0 || mi < 0)
		return -1;
	if (rest[0] == '\0')
		return vakt_calendar_utc(tz, y, mo, d, h, mi, sec, ms);
	*ms = (vakt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	          sec) *
	    1000;
	if (strcmp(rest, "Z") == 0)
		return 0;
	if ((rest[0] != '+' && rest[0] != '-') || strlen(rest) != 6 ||
	    sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
		return -1;
	*ms -=
	    (rest[0] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60) * 1000;
	return 0;
}

void
vakt_calendar_format_time(
    const struct vakt_tz *tz, int64_t utc_ms, char out[VAKT_TIME_LEN])
{
	struct vakt_civil t;
	int off, a;

	if (vakt_calendar_civil(tz, utc_ms, &t) == -1) {
		(void)vakt_strlcpy(out, "?", VAKT_TIME_LEN);
		return;
	}
	off = t.utc_offset_s;
	a = off < 0 ? -off : off;
	snprintf(out, VAKT_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    t.year % 10000, t.month % 100, t.day % 100, t.hour % 100,
	    t.min % 100, t.sec % 100, off < 0 ? '-' : '+', a / 3600 % 100,
	    a / 60 % 60);
}
