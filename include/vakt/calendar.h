/*
 * calendar.h: public holidays, office hours and local civil time.
 *
 * Pure: no I/O, no clock reads, no allocation, no mutable globals.  The
 * only road from UTC to local time is vakt_calendar_civil(), through a
 * converter the caller supplies (vakt_calendar_tz_system() in the
 * daemon, a fake in tests), like SQLite's osLocaltime hook.
 *
 * Dates are integers yyyymmdd; weekdays are 0 = Sunday .. 6 = Saturday
 * as in struct tm; minutes are minutes after local midnight.
 */
#ifndef VAKT_CALENDAR_H
#define VAKT_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAKT_YEAR_MIN 1900
#define VAKT_YEAR_MAX 2200

enum vakt_country {
	VAKT_COUNTRY_NO,
	VAKT_COUNTRY_DK,
	VAKT_COUNTRY_SE,
};

/* "NO", "DK", "SE" (case-insensitive) to the enum; 0 or -1. */
int vakt_calendar_country_parse(const char *s, enum vakt_country *out);
const char *vakt_calendar_country_code(enum vakt_country c);

/* Local civil time of one instant. */
struct vakt_civil {
	int year, month, day; /* month 1..12 */
	int hour, min, sec;
	int wday;         /* 0 = Sunday */
	int utc_offset_s; /* local - UTC, e.g. 3600 in Oslo winter */
};

/*
 * The UTC -> local converter.  civil() fills out for utc_s and returns
 * 0, or -1 if the instant cannot be converted.
 */
typedef int vakt_civil_fn(void *ctx, int64_t utc_s, struct vakt_civil *out);

struct vakt_tz {
	vakt_civil_fn *civil;
	void *ctx;
};

/*
 * The production converter: localtime_r() under the TZ that main()
 * set once with setenv("TZ", …) + tzset().
 */
void vakt_calendar_tz_system(struct vakt_tz *tz);

/*
 * UTC ms -> local civil time through tz (milliseconds are floored to
 * the second, also before 1970).  0, or -1 if tz is NULL or fails.
 */
int vakt_calendar_civil(
    const struct vakt_tz *tz, int64_t utc_ms, struct vakt_civil *out);

/*
 * Local civil time -> UTC ms.  A local time that does not exist (the
 * spring-forward gap) is read with the offset in force before the gap,
 * so 02:30 on the Oslo change day becomes 03:30 CEST; a local time that
 * happens twice (autumn) gives the earlier instant.  0, or -1 for an
 * invalid date or a failing converter (then *utc_ms is untouched).
 * Valid: a real date in VAKT_YEAR_MIN..VAKT_YEAR_MAX, hour 0..23,
 * min and sec 0..59.
 */
int vakt_calendar_utc(const struct vakt_tz *tz, int year, int month, int day,
    int hour, int min, int sec, int64_t *utc_ms);

/*
 * "YYYY-MM-DDTHH:MM[:SS]" in tz's local time, or with "Z" or "±HH:MM"
 * for an explicit offset ("2026-12-08T22:00", "2026-12-08 22:00:30Z",
 * "2026-12-08T22:00+01:00"); a space may stand for 'T'.  0 with *ms
 * set, or -1 when s is not such a time (or NULL).
 */
int vakt_calendar_parse_time(
    const struct vakt_tz *tz, const char *s, int64_t *ms);

/* Room for "2026-11-23T21:14:00+01:00" and its NUL. */
#define VAKT_TIME_LEN 32

/* utc_ms as tz's "2026-11-23T21:14:00+01:00" ("?" if tz fails). */
void vakt_calendar_format_time(
    const struct vakt_tz *tz, int64_t utc_ms, char out[VAKT_TIME_LEN]);

/* Easter Sunday of a Gregorian year (1583..) by the anonymous computus. */
void vakt_calendar_easter(int year, int *month, int *day);

/* One public holiday: date yyyymmdd and its name in the country's tongue. */
struct vakt_holiday {
	int date;
	const char *name; /* static UTF-8 */
};

#define VAKT_HOLIDAYS_MAX 24

/*
 * The public holidays of year (VAKT_YEAR_MIN..VAKT_YEAR_MAX) sorted by
 * date; two holidays on one date are two entries, in the order the
 * country's law lists them (Norway: helligdagsloven's days, then 1 and
 * 17 May, so 2027-05-17 is Andre pinsedag before Grunnlovsdag).
 * Returns the count, 0 for a year outside the range.
 *
 * Changes over the years: NO 1 and 17 May from 1947; DK Store bededag
 * up to 2023; SE Första maj from 1939, Nationaldagen instead of
 * Annandag pingst from 2005, midsummer and All Saints' on Saturdays
 * from 1953 (24 June and 1 November before).
 */
size_t vakt_calendar_holidays(
    enum vakt_country c, int year, struct vakt_holiday out[VAKT_HOLIDAYS_MAX]);

/* Name of the (first) public holiday on date yyyymmdd, or NULL. */
const char *vakt_calendar_holiday(enum vakt_country c, int date);

/* An office window [open_min, close_min), 0 <= open < close <= 1440. */
struct vakt_hours {
	int open_min;
	int close_min;
};

bool vakt_calendar_in_window(const struct vakt_hours *h, int minute);

/* A dated exception from config: own hours, or closed all day. */
struct vakt_special_day {
	int date;
	bool closed;
	struct vakt_hours hours; /* when !closed */
	const char *name;        /* borrowed from the config */
};

/* One service's calendar rules (part of struct vakt_service). */
struct vakt_calendar {
	enum vakt_country country;
	unsigned days;           /* office weekdays: bit (1u << wday) */
	struct vakt_hours hours; /* ordinary office hours */
	const struct vakt_special_day *special; /* sorted by date, unique */
	size_t n_special;
};

enum vakt_category {
	VAKT_CAT_OFFICE,
	VAKT_CAT_AFTER_HOURS,
	VAKT_CAT_WEEKEND,
	VAKT_CAT_HOLIDAY,
};

#define VAKT_CAT_COUNT 4

/* "office", "after_hours", "weekend", "holiday". */
const char *vakt_calendar_category_name(enum vakt_category cat);
int vakt_calendar_category_parse(const char *s, enum vakt_category *out);

/*
 * Time category of a local moment:
 *  - a special day from config wins: closed -> holiday (its name), own
 *    hours -> a working day with those hours;
 *  - else a public holiday -> holiday (even on a weekend);
 *  - else a weekday not in cal->days -> weekend;
 *  - else office inside [open, close), after_hours outside.
 * *day_name (may be NULL) gets the holiday's or special day's name, or
 * NULL.
 */
enum vakt_category vakt_calendar_classify(const struct vakt_calendar *cal,
    const struct vakt_civil *c, const char **day_name);

/* Find the special day on date in cal (binary search), or NULL. */
const struct vakt_special_day *vakt_calendar_special(
    const struct vakt_calendar *cal, int date);

/*
 * Is date a working day, and with which hours?  Returns true and fills
 * *hours for an office day (a special day with own hours counts), false
 * for weekends, holidays, closed special days and invalid dates.
 * hours may be NULL.  Used by reports for "next working day".
 */
bool vakt_calendar_working_day(
    const struct vakt_calendar *cal, int date, struct vakt_hours *hours);

#endif
