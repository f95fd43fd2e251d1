/*
 * test_report.c: the report measures and their four renderings.
 *
 * One contact log is written out by hand below (log_rows()), and every
 * expected figure is worked out by hand in the comments next to it, not
 * by the code under test.  Times are local Oslo times with the UTC
 * offset written out (CEST +2 until 2026-10-25 03:00, CET +1 after).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/csv.h"
#include "vakt/report.h"
#include "vakt/router.h"
#include "vakt/util.h"

#define CEST 2
#define CET  1

/* UTC ms of a local time in Oslo with its offset (hours) given. */
static int64_t
oslo(int y, int mo, int d, int h, int mi, int s, int off_h)
{
	return ((vakt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		    s) -
		   off_h * 3600) *
	    1000;
}

/* A configuration with one service, "due": Mon-Fri 08-20, Norway. */
struct fixture {
	struct vakt_service svc;
	struct vakt_config cfg;
	struct vakt_tz tz;
	struct vakt_report_params p;
};

static void
fixture_init(struct fixture *f, enum vakt_report_by by)
{
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	memset(f, 0, sizeof(*f));
	f->svc.id = "due";
	f->svc.name = "DUE Sørbyen";
	f->svc.cal.country = VAKT_COUNTRY_NO;
	f->svc.cal.days = 0x3e; /* bits 1..5: Monday..Friday */
	f->svc.cal.hours.open_min = 8 * 60;
	f->svc.cal.hours.close_min = 20 * 60;
	f->svc.short_abandon_s = 5;
	f->cfg.services = &f->svc;
	f->cfg.n_services = 1;
	vakt_calendar_tz_system(&f->tz);
	f->p.cfg = &f->cfg;
	f->p.tz = &f->tz;
	f->p.service = "due";
	f->p.from_date = 20260801;
	f->p.to_date = 20261231;
	f->p.by = by;
	f->p.within_s = 30;
	f->p.now_ms = oslo(2027, 1, 4, 9, 15, 0, CET);
	cr_assert_eq(vakt_report_bounds(&f->p, NULL), 0);
}

static struct vakt_report_row
call(const char *youth, const char *coord, enum vakt_category cat, int64_t at)
{
	struct vakt_report_row r = {.service = "due",
	    .kind = VAKT_KIND_CALL,
	    .youth = youth,
	    .coordinator = coord,
	    .caller = "+4791234567",
	    .cat = cat,
	    .received_ms = at,
	    .status = VAKT_STATUS_OPEN,
	    .answered_role = -1};

	return r;
}

static struct vakt_report_row
answered(struct vakt_report_row r, int step, enum vakt_role role,
    int64_t tta_ms, int unconfirmed)
{
	r.status = VAKT_STATUS_ANSWERED;
	r.answered_step = step;
	r.answered_role = (int)role;
	r.answered_ms = r.received_ms + tta_ms;
	r.ended_ms = r.answered_ms + 300000;
	r.unconfirmed_legs = unconfirmed;
	return r;
}

static struct vakt_report_row
missed(struct vakt_report_row r, enum vakt_missed why, int64_t rang_ms,
    int64_t followup_ms)
{
	r.status = VAKT_STATUS_MISSED;
	r.missed_reason = (int)why;
	r.ended_ms = r.received_ms + rang_ms;
	r.followup_ms = followup_ms;
	return r;
}

static struct vakt_report_row
sms(const char *youth, const char *coord, enum vakt_category cat, int64_t at,
    int64_t reply_ms)
{
	struct vakt_report_row r = call(youth, coord, cat, at);

	r.kind = VAKT_KIND_SMS;
	r.reply_ms = reply_ms;
	r.status = reply_ms != 0 ? VAKT_STATUS_ANSWERED : VAKT_STATUS_OPEN;
	return r;
}

#define LOG_MAX 32

/*
 * The log, in received order.  Youths U-001 and U-002 have coordinator
 * k1, U-003 has k2; one caller is unknown.  R-numbers are the calls,
 * S-numbers the SMS; X rows fall outside the report.
 */
static size_t
log_rows(struct vakt_report_row *v)
{
	const enum vakt_category O = VAKT_CAT_OFFICE, A = VAKT_CAT_AFTER_HOURS,
				 W = VAKT_CAT_WEEKEND;
	struct vakt_report_row x;
	size_t n = 0;

	/* X2: the minute before the period. */
	v[n++] = answered(call("U-001", "k1", A, oslo(2026, 7, 31, 23, 59, 0,
	    CEST)), 1, VAKT_ROLE_BEREDSKAP, 4000, 0);
	/* R1: Mon 31 Aug, office, coordinator at step 1 after 8.9 s. */
	v[n++] = answered(call("U-001", "k1", O, oslo(2026, 8, 31, 10, 0, 0,
	    CEST)), 1, VAKT_ROLE_COORDINATOR, 8900, 0);
	/* R2: Mon 31 Aug 23:30, still tertial 2: beredskap, 12 s. */
	v[n++] = answered(call("U-002", "k1", A, oslo(2026, 8, 31, 23, 30, 0,
	    CEST)), 1, VAKT_ROLE_BEREDSKAP, 12000, 0);
	/* R3: Tue 1 Sep 00:30 local (31 Aug 22:30 UTC): tertial 3.
	 * Beredskap's voicemail took it (unconfirmed); fallback, 45 s. */
	v[n++] = answered(call("U-003", "k2", A, oslo(2026, 9, 1, 0, 30, 0,
	    CEST)), 2, VAKT_ROLE_FALLBACK, 45000, 1);
	/* R4: coordinator's voicemail, then beredskap at step 2, 25.5 s. */
	v[n++] = answered(call("U-001", "k1", O, oslo(2026, 9, 1, 10, 0, 0,
	    CEST)), 2, VAKT_ROLE_BEREDSKAP, 25500, 1);
	/* R5: k2 absent: the substitute at step 1, 5 s. */
	v[n++] = answered(call("U-003", "k2", O, oslo(2026, 9, 2, 9, 0, 0,
	    CEST)), 1, VAKT_ROLE_SUBSTITUTE, 5000, 0);
	/* X1: another service. */
	x = answered(call("U-900", "k9", O, oslo(2026, 9, 2, 10, 0, 0, CEST)),
	    1, VAKT_ROLE_COORDINATOR, 3000, 0);
	x.service = "annen";
	v[n++] = x;
	/* R6: fallback at step 3 after 65 s. */
	v[n++] = answered(call("U-002", "k1", O, oslo(2026, 9, 3, 14, 0, 0,
	    CEST)), 3, VAKT_ROLE_FALLBACK, 65000, 0);
	/* R7: hung up after 3 s: a short abandon; called back in 10 min. */
	v[n++] = missed(call("U-001", "k1", O, oslo(2026, 9, 4, 11, 0, 0,
	    CEST)), VAKT_MISSED_HANGUP, 3000,
	    oslo(2026, 9, 4, 11, 10, 0, CEST));
	/* R8: hung up after 18 s; an SMS reply reached the youth in 40 min. */
	v[n++] = missed(call("U-002", "k1", O, oslo(2026, 9, 4, 11, 30, 0,
	    CEST)), VAKT_MISSED_HANGUP, 18000,
	    oslo(2026, 9, 4, 12, 10, 0, CEST));
	/* R9: Sat 03:00, unknown caller, chain exhausted, never followed up. */
	v[n++] = missed(call("", "", W, oslo(2026, 9, 5, 3, 0, 0, CEST)),
	    VAKT_MISSED_EXHAUSTED, 80000, 0);
	/* S1, S2: one thread, two messages, reply at 18:20: 20 min. */
	v[n++] = sms("U-001", "k1", O, oslo(2026, 9, 8, 18, 0, 0, CEST),
	    oslo(2026, 9, 8, 18, 20, 0, CEST));
	v[n++] = sms("U-001", "k1", O, oslo(2026, 9, 8, 18, 5, 0, CEST),
	    oslo(2026, 9, 8, 18, 20, 0, CEST));
	/* S3: no reply (yet). */
	v[n++] = sms("U-002", "k1", O, oslo(2026, 9, 9, 12, 0, 0, CEST), 0);
	/* S4: unknown number (thread by caller), reply after 180.7 s. */
	x = sms("", "", A, oslo(2026, 9, 10, 2, 0, 0, CEST),
	    oslo(2026, 9, 10, 2, 3, 0, CEST) + 700);
	x.caller = "+4799887766";
	v[n++] = x;
	/* S5: Sat 24 Oct 23:30 CEST, reply 00:10 the next day: 40 min. */
	v[n++] = sms("U-003", "k2", W, oslo(2026, 10, 24, 23, 30, 0, CEST),
	    oslo(2026, 10, 25, 0, 10, 0, CEST));
	/* R12: Sun 25 Oct 00:30 CEST (24 Oct 22:30 UTC), the night the
	 * clocks go back: day 2026-10-25.  Beredskap, 20 s. */
	v[n++] = answered(call("U-002", "k1", W, oslo(2026, 10, 25, 0, 30, 0,
	    CEST)), 1, VAKT_ROLE_BEREDSKAP, 20000, 0);
	/* R10: Thu 24 Dec 21:00, exhausted.  Next working day: not Fri 25
	 * (Christmas), Sat, Sun, but Mon 28 Dec, until 20:00.  Called back
	 * Mon 10:00: 85 h = 306000 s, in time. */
	v[n++] = missed(call("U-003", "k2", A, oslo(2026, 12, 24, 21, 0, 0,
	    CET)), VAKT_MISSED_EXHAUSTED, 60000,
	    oslo(2026, 12, 28, 10, 0, 0, CET));
	/* R11: Thu 24 Dec 22:00, called back Mon 20:30: 94.5 h = 340200 s,
	 * too late for the next working day. */
	v[n++] = missed(call("U-001", "k1", A, oslo(2026, 12, 24, 22, 0, 0,
	    CET)), VAKT_MISSED_EXHAUSTED, 60000,
	    oslo(2026, 12, 28, 20, 30, 0, CET));
	/* R15: still ringing. */
	v[n++] = call("U-003", "k2", O, oslo(2026, 12, 30, 12, 0, 0, CET));
	/* X3: the first instant after the period. */
	v[n++] = call("U-003", "k2", VAKT_CAT_HOLIDAY,
	    oslo(2027, 1, 1, 0, 0, 0, CET));
	cr_assert(n <= LOG_MAX);
	return n;
}

static struct vakt_report *
report_of(const struct vakt_report_params *p)
{
	struct vakt_report_row v[LOG_MAX];
	size_t n = log_rows(v);
	struct vakt_report *r = vakt_report_new(p);

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(vakt_report_add(r, &v[i]), 0);
	return r;
}

static char *
render(const struct vakt_report_params *p, enum vakt_report_format f)
{
	struct vakt_report *r = report_of(p);
	struct vakt_buf b = {NULL, 0, 0};

	vakt_report_render(r, f, &b);
	vakt_report_free(r);
	return vakt_buf_take(&b, NULL);
}

/* ---------------------------------------------------------------- */
/* Expected figures, by hand.  N: null.  Shares as num / den. */

#define N (-1)

struct expect {
	const char *group;
	long offered, answered, short_ab, missed, hangup, exhausted, open, vm;
	double sl;
	long tta_p50, tta_p90, tta_max;
	long role[4], depth[4];
	long fu_missed, fu_p50, fu_p90;
	double fu_15m, fu_1h, fu_nwd, fu_never;
	long sms, replied, unanswered, sms_p50, sms_p90;
};

/*
 * k1: R1 R2 R4 R6 R7 R8 R11 R12 and S1 S2 S3.  TTA 8 12 20 25 65:
 * p50 (rank 3) 20, p90 (rank 5) 65.  Within 30 s: R1 R2 R4 R12 of
 * 8 - 1 short.  Follow-up R7 600, R8 2400, R11 340200.
 */
static const struct expect k1 = {"k1", 8, 5, 1, 2, 1, 1, 0, 1, 4.0 / 7, 20,
    65, 65, {1, 0, 3, 1}, {3, 1, 1, 0}, 3, 2400, 340200, 1.0 / 3, 2.0 / 3,
    2.0 / 3, 0.0, 3, 2, 1, 1200, 1200};
/* k2: R3 R5 R10 R15 and S5.  TTA 5 45. */
static const struct expect k2 = {"k2", 4, 2, 0, 1, 0, 1, 1, 1, 1.0 / 4, 5,
    45, 45, {0, 1, 0, 1}, {1, 1, 0, 0}, 1, 306000, 306000, 0.0, 0.0, 1.0,
    0.0, 1, 1, 0, 2400, 2400};
/* none: R9 and S4. */
static const struct expect none = {"none", 1, 0, 0, 1, 0, 1, 0, 0, 0.0, N,
    N, N, {0, 0, 0, 0}, {0, 0, 0, 0}, 1, N, N, 0.0, 0.0, 0.0, 1.0, 1, 1, 0,
    180, 180};
/*
 * total: 13 calls (X1-X3 left out).  TTA 5 8 12 20 25 45 65: p50
 * (rank 4) 20, p90 (rank 7) 65.  Within 30 s: R1 R2 R4 R5 R12 of 13 - 1.
 * Follow-up of R7 R8 R9 R10 R11: 600 2400 306000 340200 and one never;
 * 15 min R7; 1 h R7 R8; next working day R7 R8 R10.  Threads S1+S2
 * 1200, S4 180, S5 2400.
 */
static const struct expect total = {"total", 13, 7, 1, 4, 1, 3, 1, 2,
    5.0 / 12, 20, 65, 65, {1, 1, 3, 2}, {4, 2, 1, 0}, 5, 2400, 340200,
    1.0 / 5, 2.0 / 5, 3.0 / 5, 1.0 / 5, 5, 4, 1, 1200, 2400};

/* An empty group: zeros and nulls. */
static const struct expect empty = {"", 0, 0, 0, 0, 0, 0, 0, 0, N, N, N, N,
    {0, 0, 0, 0}, {0, 0, 0, 0}, 0, N, N, N, N, N, N, 0, 0, 0, N, N};

/* The expectation as CSV cells, in the order of the header. */
static void
expect_cells(const struct expect *e, char cells[32][24])
{
	const long counts[] = {e->offered, e->answered, e->short_ab, e->missed,
	    e->hangup, e->exhausted, e->open, e->vm};
	const long tail[] = {e->sms, e->replied, e->unanswered, e->sms_p50,
	    e->sms_p90};
	const double fu[] = {e->fu_15m, e->fu_1h, e->fu_nwd, e->fu_never};
	size_t k = 0;

#define LONG(v)                                                               \
	((v) < 0 ? (void)(cells[k++][0] = '\0')                               \
		 : (void)snprintf(cells[k++], 24, "%ld", (long)(v)))
#define SHARE(v)                                                              \
	((v) < 0 ? (void)(cells[k++][0] = '\0')                               \
		 : (void)snprintf(cells[k++], 24, "%.3f", (double)(v)))
	for (size_t i = 0; i < 8; i++)
		LONG(counts[i]);
	SHARE(e->sl);
	LONG(e->tta_p50);
	LONG(e->tta_p90);
	LONG(e->tta_max);
	for (size_t i = 0; i < 4; i++)
		LONG(e->role[i]);
	for (size_t i = 0; i < 4; i++)
		LONG(e->depth[i]);
	LONG(e->fu_missed);
	LONG(e->fu_p50);
	LONG(e->fu_p90);
	for (size_t i = 0; i < 4; i++)
		SHARE(fu[i]);
	for (size_t i = 0; i < 5; i++)
		LONG(tail[i]);
#undef LONG
#undef SHARE
	cr_assert_eq(k, 32);
}

/* ---------------------------------------------------------------- */
/* JSON. */

static void
check_jlong(json_t *o, const char *obj, const char *key, long want,
    const char *group)
{
	json_t *v = obj != NULL ? json_object_get(json_object_get(o, obj), key)
				: json_object_get(o, key);

	cr_assert_not_null(v, "%s: %s.%s missing", group, obj ? obj : "", key);
	if (want < 0) {
		cr_assert(json_is_null(v), "%s: %s.%s should be null", group,
		    obj ? obj : "", key);
		return;
	}
	cr_assert(json_is_integer(v), "%s: %s.%s not an integer", group,
	    obj ? obj : "", key);
	cr_assert_eq(json_integer_value(v), want, "%s: %s.%s = %lld, not %ld",
	    group, obj ? obj : "", key, (long long)json_integer_value(v), want);
}

static void
check_jshare(json_t *o, const char *obj, const char *key, double want,
    const char *group)
{
	json_t *v = obj != NULL ? json_object_get(json_object_get(o, obj), key)
				: json_object_get(o, key);

	cr_assert_not_null(v, "%s: %s missing", group, key);
	if (want < 0) {
		cr_assert(json_is_null(v), "%s: %s should be null", group, key);
		return;
	}
	cr_assert(json_is_real(v), "%s: %s not a number", group, key);
	cr_assert_float_eq(json_real_value(v), want, 1e-5, "%s: %s = %f, not %f",
	    group, key, json_real_value(v), want);
}

static void
check_json_measures(json_t *o, const struct expect *e, const char *g)
{
	static const char *const roles[] = {"coordinator", "substitute",
	    "beredskap", "fallback"};
	static const char *const steps[] = {"1", "2", "3", "4"};

	check_jlong(o, NULL, "offered", e->offered, g);
	check_jlong(o, NULL, "answered", e->answered, g);
	check_jlong(o, NULL, "short_abandons", e->short_ab, g);
	check_jlong(o, NULL, "missed", e->missed, g);
	check_jlong(o, NULL, "missed_caller_hangup", e->hangup, g);
	check_jlong(o, NULL, "missed_exhausted", e->exhausted, g);
	check_jlong(o, NULL, "unresolved", e->open, g);
	check_jlong(o, NULL, "voicemail_legs", e->vm, g);
	check_jshare(o, NULL, "service_level", e->sl, g);
	check_jlong(o, "tta_s", "p50", e->tta_p50, g);
	check_jlong(o, "tta_s", "p90", e->tta_p90, g);
	check_jlong(o, "tta_s", "max", e->tta_max, g);
	for (size_t i = 0; i < 4; i++) {
		check_jlong(o, "answered_by", roles[i], e->role[i], g);
		check_jlong(o, "depth", steps[i], e->depth[i], g);
	}
	check_jlong(o, "followup", "missed", e->fu_missed, g);
	check_jlong(o, "followup", "p50_s", e->fu_p50, g);
	check_jlong(o, "followup", "p90_s", e->fu_p90, g);
	check_jshare(o, "followup", "within_15m", e->fu_15m, g);
	check_jshare(o, "followup", "within_1h", e->fu_1h, g);
	check_jshare(o, "followup", "next_working_day", e->fu_nwd, g);
	check_jshare(o, "followup", "never", e->fu_never, g);
	check_jlong(o, NULL, "sms_received", e->sms, g);
	check_jlong(o, NULL, "sms_replied", e->replied, g);
	check_jlong(o, NULL, "sms_unanswered", e->unanswered, g);
	check_jlong(o, "sms_response_s", "p50", e->sms_p50, g);
	check_jlong(o, "sms_response_s", "p90", e->sms_p90, g);
}

static json_t *
render_json(const struct vakt_report_params *p)
{
	char *s = render(p, VAKT_FORMAT_JSON);
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);

	cr_assert_not_null(j, "JSON does not parse: %s", jerr.text);
	free(s);
	return j;
}

static json_t *
json_row(json_t *j, const char *group)
{
	json_t *rows = json_object_get(j, "rows");
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
	{
		if (strcmp(json_string_value(json_object_get(row, "group")),
			group) == 0)
			return row;
	}
	cr_assert_fail("no row for group %s", group);
	return NULL;
}

static void
check_keys(json_t *o, const char *const *keys, size_t n, const char *what)
{
	size_t k = 0;
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		(void)v;
		cr_assert(k < n, "%s: extra key %s", what, key);
		cr_assert_str_eq(key, keys[k], "%s: key %zu", what, k);
		k++;
	}
	cr_assert_eq(k, n, "%s: %zu keys", what, k);
}

Test(report, json_has_every_measure_per_coordinator_and_in_total)
{
	static const char *const top[] = {"report", "generated", "period",
	    "service", "by", "within_s", "external", "rows", "total"};
	static const char *const meas[] = {"offered", "answered",
	    "short_abandons", "missed", "missed_caller_hangup",
	    "missed_exhausted", "unresolved", "voicemail_legs", "service_level",
	    "tta_s", "answered_by", "depth", "followup", "sms_received",
	    "sms_replied", "sms_unanswered", "sms_response_s"};
	struct fixture f;
	json_t *j;

	fixture_init(&f, VAKT_BY_COORDINATOR);
	(void)snprintf(f.p.label, sizeof(f.p.label), "høst 2026");
	j = render_json(&f.p);
	check_keys(j, top, 9, "report");
	check_keys(json_object_get(j, "total"), meas, 17, "measures");
	cr_assert_str_eq(json_string_value(json_object_get(j, "report")),
	    "vakt");
	/* 2027-01-04 09:15 CET */
	cr_assert_str_eq(json_string_value(json_object_get(j, "generated")),
	    "2027-01-04T08:15:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
			     "period"), "from")), "2026-08-01");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
			     "period"), "to")), "2026-12-31");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
			     "period"), "label")), "høst 2026");
	cr_assert_str_eq(json_string_value(json_object_get(j, "service")),
	    "due");
	cr_assert_str_eq(json_string_value(json_object_get(j, "by")),
	    "coordinator");
	cr_assert_eq(json_integer_value(json_object_get(j, "within_s")), 30);
	cr_assert(json_is_false(json_object_get(j, "external")));
	cr_assert_eq(json_array_size(json_object_get(j, "rows")), 3);
	check_json_measures(json_row(j, "k1"), &k1, "k1");
	check_json_measures(json_row(j, "k2"), &k2, "k2");
	check_json_measures(json_row(j, "none"), &none, "none");
	check_json_measures(json_object_get(j, "total"), &total, "total");
	json_decref(j);
}

Test(report, service_level_counts_answers_within_t)
{
	struct fixture f;
	json_t *j;

	/* Within 10 s: R1 (8.9 s) and R5 (5 s), of 13 calls - 1 short. */
	fixture_init(&f, VAKT_BY_NONE);
	f.p.within_s = 10;
	j = render_json(&f.p);
	cr_assert_eq(json_integer_value(json_object_get(j, "within_s")), 10);
	cr_assert_eq(json_array_size(json_object_get(j, "rows")), 0);
	check_jshare(json_object_get(j, "total"), NULL, "service_level",
	    2.0 / 12, "total");
	cr_assert(json_is_null(json_object_get(j, "service")) == false);
	json_decref(j);
	/* Within 30 s: R1 R2 R4 (25.5 s) R5 R12; R3 (45 s) and R6 not. */
	f.p.within_s = 30;
	j = render_json(&f.p);
	check_jshare(json_object_get(j, "total"), NULL, "service_level",
	    5.0 / 12, "total");
	json_decref(j);
}

Test(report, periods_split_on_local_dates_across_tertial_and_dst)
{
	struct fixture f;
	json_t *j;

	fixture_init(&f, VAKT_BY_TERTIAL);
	j = render_json(&f.p);
	cr_assert_eq(json_array_size(json_object_get(j, "rows")), 2);
	/* R1 and R2 on 31 Aug; R3 at 00:30 on 1 Sep belongs to T3. */
	check_jlong(json_row(j, "2026-T2"), NULL, "offered", 2, "T2");
	check_jlong(json_row(j, "2026-T3"), NULL, "offered", 11, "T3");
	check_jlong(json_row(j, "2026-T3"), "answered_by", "fallback", 2, "T3");
	json_decref(j);

	fixture_init(&f, VAKT_BY_DAY);
	j = render_json(&f.p);
	/* 1 Aug .. 31 Dec: 31 + 30 + 31 + 30 + 31 days, empty ones too. */
	cr_assert_eq(json_array_size(json_object_get(j, "rows")), 153);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
			     json_object_get(j, "rows"), 0), "group")),
	    "2026-08-01");
	check_jlong(json_row(j, "2026-08-31"), NULL, "offered", 2, "31 Aug");
	check_jlong(json_row(j, "2026-09-01"), NULL, "offered", 2, "1 Sep");
	/* S5 at 23:30 CEST on 24 Oct; R12 at 00:30 CEST on 25 Oct. */
	check_jlong(json_row(j, "2026-10-24"), NULL, "sms_received", 1, "24");
	check_jlong(json_row(j, "2026-10-24"), NULL, "offered", 0, "24");
	check_jlong(json_row(j, "2026-10-25"), NULL, "offered", 1, "25");
	check_jlong(json_row(j, "2026-10-25"), NULL, "sms_received", 0, "25");
	check_jlong(json_row(j, "2026-10-25"), "tta_s", "p50", 20, "25");
	json_decref(j);
}

Test(report, empty_weeks_show_zeros_and_null)
{
	struct fixture f;
	json_t *j, *rows;
	struct expect e = empty;

	fixture_init(&f, VAKT_BY_WEEK);
	j = render_json(&f.p);
	rows = json_object_get(j, "rows");
	/* Sat 1 Aug 2026 is in W31, Thu 31 Dec in W53: 23 weeks. */
	cr_assert_eq(json_array_size(rows), 23);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
			     0), "group")), "2026-W31");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
			     22), "group")), "2026-W53");
	e.group = "2026-W33";
	check_json_measures(json_row(j, "2026-W33"), &e, "2026-W33");
	/* W36 (31 Aug .. 6 Sep): R1 .. R9 but X1. */
	check_jlong(json_row(j, "2026-W36"), NULL, "offered", 9, "W36");
	json_decref(j);
}

Test(report, categories_in_enum_order_even_when_empty)
{
	static const char *const order[] = {"office", "after_hours", "weekend",
	    "holiday"};
	static const long offered[] = {7, 4, 2, 0};
	struct fixture f;
	json_t *j, *rows;

	fixture_init(&f, VAKT_BY_CATEGORY);
	j = render_json(&f.p);
	rows = json_object_get(j, "rows");
	cr_assert_eq(json_array_size(rows), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *row = json_array_get(rows, i);

		cr_assert_str_eq(json_string_value(json_object_get(row,
				     "group")), order[i]);
		check_jlong(row, NULL, "offered", offered[i], order[i]);
	}
	json_decref(j);
}

Test(report, all_services_without_a_service_filter)
{
	struct fixture f;
	json_t *j, *rows;

	fixture_init(&f, VAKT_BY_SERVICE);
	f.p.service = NULL;
	j = render_json(&f.p);
	rows = json_object_get(j, "rows");
	cr_assert(json_is_null(json_object_get(j, "service")));
	cr_assert_eq(json_array_size(rows), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows,
			     0), "group")), "annen");
	check_jlong(json_row(j, "annen"), NULL, "offered", 1, "annen");
	check_jlong(json_row(j, "due"), NULL, "offered", 13, "due");
	check_jlong(json_object_get(j, "total"), NULL, "offered", 14, "total");
	json_decref(j);
}

/* ---------------------------------------------------------------- */
/* External reports. */

/* U-100 calls 3 times, U-200 7 times; all answered, 10 s apart. */
static struct vakt_report *
small_cells_report(const struct vakt_report_params *p)
{
	struct vakt_report *r = vakt_report_new(p);

	for (int i = 0; i < 10; i++) {
		const char *y = i < 3 ? "U-100" : "U-200";
		int64_t at = oslo(2026, 9, 7 + i, 10, 0, 0, CEST);
		struct vakt_report_row row =
		    answered(call(y, "k1", VAKT_CAT_OFFICE, at), 1,
			VAKT_ROLE_COORDINATOR, 10000 * (i < 3 ? i + 1 : i - 2),
			0);

		vakt_report_add(r, &row);
	}
	return r;
}

Test(report, external_reports_hide_counts_below_five)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_buf b = {NULL, 0, 0};
	json_t *j, *u1, *u2;

	fixture_init(&f, VAKT_BY_YOUTH);
	f.p.is_external = true;
	r = small_cells_report(&f.p);
	vakt_report_render(r, VAKT_FORMAT_JSON, &b);
	j = json_loads(b.p, 0, NULL);
	cr_assert_not_null(j);
	cr_assert(json_is_true(json_object_get(j, "external")));
	u1 = json_row(j, "U-100");
	u2 = json_row(j, "U-200");
	/* 3 calls: "<5"; 0 stays 0; no percentile or share from 3 values. */
	cr_assert_str_eq(json_string_value(json_object_get(u1, "offered")),
	    "<5");
	cr_assert_str_eq(json_string_value(json_object_get(u1, "answered")),
	    "<5");
	check_jlong(u1, NULL, "missed", 0, "U-100");
	check_jshare(u1, NULL, "service_level", N, "U-100");
	check_jlong(u1, "tta_s", "p50", N, "U-100");
	check_jlong(u1, "tta_s", "max", N, "U-100");
	/* 7 calls, TTA 10..70 s: shown; p50 rank 4 = 40, 3 of 7 in 30 s. */
	check_jlong(u2, NULL, "offered", 7, "U-200");
	check_jlong(u2, "tta_s", "p50", 40, "U-200");
	check_jlong(u2, "tta_s", "max", 70, "U-200");
	check_jshare(u2, NULL, "service_level", 3.0 / 7, "U-200");
	check_jlong(json_object_get(j, "total"), NULL, "offered", 10, "total");
	json_decref(j);
	b.len = 0;
	vakt_report_render(r, VAKT_FORMAT_CSV, &b);
	cr_assert(strstr(b.p, "\r\nU-100,<5,<5,0,0,0,0,0,0,,,,,<5,") != NULL,
	    "%s", b.p);
	cr_assert(strstr(b.p, "\r\nU-200,7,7,0,0,0,0,0,0,0.429,40,70,70,7,")
	    != NULL, "%s", b.p);
	vakt_buf_free(&b);
	vakt_report_free(r);
}

Test(report, external_heat_map_cells_below_five_show_no_number)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_buf b = {NULL, 0, 0};
	const char *heat;

	fixture_init(&f, VAKT_BY_YOUTH);
	f.p.is_external = true;
	r = small_cells_report(&f.p);
	vakt_report_render(r, VAKT_FORMAT_HTML, &b);
	/* Every call came at 10:00 on a different day: cells of 1-2. */
	heat = strstr(b.p, "id=\"heatmap\"");
	cr_assert_not_null(heat);
	cr_assert_null(strstr(heat, ">1</text>"));
	cr_assert_null(strstr(heat, ">2</text>"));
	cr_assert_not_null(strstr(heat, "1\xe2\x80\x93" "4</text>"),
	    "the legend names the 1-4 shade");
	cr_assert_not_null(strstr(b.p, "&lt;5"));
	vakt_buf_free(&b);
	vakt_report_free(r);
}

/* ---------------------------------------------------------------- */
/* CSV. */

static const char *const csv_header[] = {"group", "offered", "answered",
    "short_abandons", "missed", "missed_caller_hangup", "missed_exhausted",
    "unresolved", "voicemail_legs", "service_level", "tta_p50_s",
    "tta_p90_s", "tta_max_s", "answered_coordinator", "answered_substitute",
    "answered_beredskap", "answered_fallback", "depth_1", "depth_2",
    "depth_3", "depth_4", "followup_missed", "followup_p50_s",
    "followup_p90_s", "followup_within_15m", "followup_within_1h",
    "followup_next_working_day", "followup_never", "sms_received",
    "sms_replied", "sms_unanswered", "sms_p50_s", "sms_p90_s"};

static void
check_csv_row(const struct vakt_csv_row *row, const struct expect *e)
{
	char cells[32][24];

	cr_assert_eq(row->n, 33, "%s: %zu fields", e->group, row->n);
	cr_assert_str_eq(row->fields[0], e->group);
	expect_cells(e, cells);
	for (size_t i = 0; i < 32; i++)
		cr_assert_str_eq(row->fields[i + 1], cells[i], "%s: %s",
		    e->group, csv_header[i + 1]);
}

Test(report, csv_has_a_header_a_row_per_group_and_the_total)
{
	struct fixture f;
	struct vakt_csv_row *rows;
	struct vakt_err err;
	size_t n;
	char *s;

	fixture_init(&f, VAKT_BY_COORDINATOR);
	s = render(&f.p, VAKT_FORMAT_CSV);
	cr_assert_not_null(strstr(s, "\r\n"), "RFC 4180 lines end in CRLF");
	cr_assert_eq(vakt_csv_parse(s, strlen(s), &rows, &n, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(n, 5);
	cr_assert_eq(rows[0].n, 33);
	for (size_t i = 0; i < 33; i++)
		cr_assert_str_eq(rows[0].fields[i], csv_header[i]);
	check_csv_row(&rows[1], &k1);
	check_csv_row(&rows[2], &k2);
	check_csv_row(&rows[3], &none);
	check_csv_row(&rows[4], &total);
	vakt_csv_free(rows, n);
	free(s);
}

Test(report, csv_quotes_group_keys_that_need_it)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_report_row row;
	struct vakt_buf b = {NULL, 0, 0};

	fixture_init(&f, VAKT_BY_YOUTH);
	r = vakt_report_new(&f.p);
	row = call("U-1,\"x\"", "k1", VAKT_CAT_OFFICE,
	    oslo(2026, 9, 1, 12, 0, 0, CEST));
	vakt_report_add(r, &row);
	vakt_report_render(r, VAKT_FORMAT_CSV, &b);
	cr_assert_not_null(strstr(b.p, "\r\n\"U-1,\"\"x\"\"\",1,0,"), "%s",
	    b.p);
	vakt_buf_free(&b);
	vakt_report_free(r);
}

/* ---------------------------------------------------------------- */
/* Text. */

static const char *
line_with(const char *text, const char *from, const char *start)
{
	const char *p = strstr(text, from);

	cr_assert_not_null(p, "no %s", from);
	p = strstr(p, start);
	cr_assert_not_null(p, "no line %s after %s", start, from);
	return p;
}

static void
check_line(const char *line, const char *const *cells, size_t n)
{
	const char *end = strchr(line, '\n');
	char buf[512];
	char *save = NULL, *tok;
	size_t k = 0;

	cr_assert_not_null(end);
	cr_assert_lt((size_t)(end - line), sizeof(buf));
	memcpy(buf, line, (size_t)(end - line));
	buf[end - line] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save), k++) {
		cr_assert_lt(k, n, "extra cell %s in [%s]", tok, line);
		cr_assert_str_eq(tok, cells[k], "cell %zu of [%.*s]", k,
		    (int)(end - line), line);
	}
	cr_assert_eq(k, n);
}

Test(report, text_tables_show_durations_percentages_and_dashes)
{
	static const char *const calls_k1[] = {"k1", "8", "5", "57.1%", "20s",
	    "1m05s", "1m05s", "1", "1", "1", "0", "1"};
	static const char *const calls_none[] = {"none", "1", "0", "0.0%",
	    "\xe2\x80\x93", "\xe2\x80\x93", "\xe2\x80\x93", "0", "0", "1", "0",
	    "0"};
	static const char *const fu_total[] = {"total", "5", "40m00s", "3d22h",
	    "20.0%", "40.0%", "60.0%", "20.0%"};
	static const char *const sms_k2[] = {"k2", "1", "1", "0", "40m00s",
	    "40m00s"};
	static const char *const roles_total[] = {"total", "1", "1", "3", "2",
	    "4", "2", "1", "0"};
	struct fixture f;
	char *s;

	fixture_init(&f, VAKT_BY_COORDINATOR);
	s = render(&f.p, VAKT_FORMAT_TEXT);
	cr_assert_not_null(strstr(s, "2026-08-01..2026-12-31"), "%s", s);
	cr_assert_not_null(strstr(s, "service: due"));
	cr_assert_not_null(strstr(s, "grouped by: coordinator"));
	cr_assert_not_null(strstr(s, "T = 30 s"));
	check_line(line_with(s, "Calls", "\nk1 ") + 1, calls_k1, 12);
	check_line(line_with(s, "Calls", "\nnone ") + 1, calls_none, 12);
	check_line(line_with(s, "Follow-up", "\ntotal ") + 1, fu_total, 8);
	check_line(line_with(s, "SMS", "\nk2 ") + 1, sms_k2, 6);
	check_line(line_with(s, "Answered by", "\ntotal ") + 1, roles_total,
	    9);
	free(s);
}

Test(report, text_columns_align_by_characters_not_bytes)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_report_row row;
	struct vakt_buf b = {NULL, 0, 0};
	const char *p, *end;
	size_t width = 0;

	fixture_init(&f, VAKT_BY_YOUTH);
	r = vakt_report_new(&f.p);
	row = call("Ø-ÆÅ1", "k1", VAKT_CAT_OFFICE,
	    oslo(2026, 9, 1, 12, 0, 0, CEST));
	vakt_report_add(r, &row);
	row.youth = "U-0002";
	vakt_report_add(r, &row);
	vakt_report_render(r, VAKT_FORMAT_TEXT, &b);
	/* Every line of the first table, up to the blank line after it. */
	p = strstr(b.p, "Calls\n\n") + strlen("Calls\n\n");
	for (; *p != '\n' && *p != '\0'; p = end + 1) {
		char line[512];

		end = strchr(p, '\n');
		cr_assert_not_null(end);
		memcpy(line, p, (size_t)(end - p));
		line[end - p] = '\0';
		if (width == 0)
			width = vakt_utf8_chars(line);
		cr_assert_eq(vakt_utf8_chars(line), width, "[%s]", line);
	}
	cr_assert_gt(width, 0);
	vakt_buf_free(&b);
	vakt_report_free(r);
}

/* ---------------------------------------------------------------- */
/* HTML. */

struct html_scan {
	int svg, script, external, table_rows;
};

static bool
is_reference(const xmlChar *name)
{
	static const char *const refs[] = {"src", "href", "srcset", "action",
	    "data", "poster", "background"};

	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		if (xmlStrcasecmp(name, (const xmlChar *)refs[i]) == 0)
			return true;
	return false;
}

static void
scan(xmlNode *n, struct html_scan *s)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcasecmp(n->name, (const xmlChar *)"svg") == 0)
			s->svg++;
		if (xmlStrcasecmp(n->name, (const xmlChar *)"script") == 0 ||
		    xmlStrcasecmp(n->name, (const xmlChar *)"link") == 0 ||
		    xmlStrcasecmp(n->name, (const xmlChar *)"img") == 0 ||
		    xmlStrcasecmp(n->name, (const xmlChar *)"iframe") == 0 ||
		    xmlStrcasecmp(n->name, (const xmlChar *)"object") == 0)
			s->script++;
		for (xmlAttr *a = n->properties; a != NULL; a = a->next)
			if (is_reference(a->name))
				s->external++;
		scan(n->children, s);
	}
}

static xmlNode *
find_id(xmlNode *n, const char *id)
{
	for (; n != NULL; n = n->next) {
		xmlChar *v;
		xmlNode *hit;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		v = xmlGetProp(n, (const xmlChar *)"id");
		if (v != NULL && strcmp((const char *)v, id) == 0) {
			xmlFree(v);
			return n;
		}
		xmlFree(v);
		if ((hit = find_id(n->children, id)) != NULL)
			return hit;
	}
	return NULL;
}

static xmlNode *
find_tag(xmlNode *n, const char *tag)
{
	for (; n != NULL; n = n->next) {
		xmlNode *hit;

		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrcasecmp(n->name, (const xmlChar *)tag) == 0)
			return n;
		if ((hit = find_tag(n->children, tag)) != NULL)
			return hit;
	}
	return NULL;
}

/* The cells of the row of tbody whose first cell is key, as text. */
static size_t
row_cells(xmlNode *table, const char *key, char cells[16][64])
{
	xmlNode *body = find_tag(table->children, "tbody");

	cr_assert_not_null(body);
	for (xmlNode *tr = body->children; tr != NULL; tr = tr->next) {
		size_t n = 0;

		if (tr->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNode *td = tr->children; td != NULL && n < 16;
		    td = td->next) {
			xmlChar *t;

			if (td->type != XML_ELEMENT_NODE)
				continue;
			t = xmlNodeGetContent(td);
			(void)snprintf(cells[n++], 64, "%s", (const char *)t);
			xmlFree(t);
		}
		if (n > 0 && strcmp(cells[0], key) == 0)
			return n;
	}
	cr_assert_fail("no row %s", key);
	return 0;
}

static htmlDocPtr
parse_html(const char *s)
{
	htmlDocPtr doc = htmlReadMemory(s, (int)strlen(s), NULL, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);

	cr_assert_not_null(doc);
	return doc;
}

Test(report, html_is_one_page_with_three_charts_and_no_scripts)
{
	struct fixture f;
	struct html_scan sc = {0, 0, 0, 0};
	htmlDocPtr doc;
	char *s;

	fixture_init(&f, VAKT_BY_WEEK);
	s = render(&f.p, VAKT_FORMAT_HTML);
	doc = parse_html(s);
	scan(xmlDocGetRootElement(doc), &sc);
	cr_assert_eq(sc.svg, 3, "service level, time to answer, heat map");
	cr_assert_eq(sc.script, 0);
	cr_assert_eq(sc.external, 0, "nothing loaded from elsewhere");
	cr_assert_null(strstr(s, "url("));
	cr_assert_null(strstr(s, "@import"));
	cr_assert_not_null(strstr(s, "@media print"));
	cr_assert_not_null(strstr(s, "size:A4"));
	cr_assert_not_null(find_id(xmlDocGetRootElement(doc), "sl-week"));
	cr_assert_not_null(find_id(xmlDocGetRootElement(doc), "tta"));
	cr_assert_not_null(find_id(xmlDocGetRootElement(doc), "heatmap"));
	cr_assert_not_null(find_id(xmlDocGetRootElement(doc), "groups-table"),
	    "by week: the main table is there");
	cr_assert_not_null(strstr(s, "DUE Sørbyen"));
	xmlFreeDoc(doc);
	free(s);
}

Test(report, html_coordinator_table_holds_the_figures)
{
	static const char *const want_k1[] = {"k1", "8", "5",
	    "57,1\xc2\xa0%", "20s", "1m05s", "1", "2", "66,7\xc2\xa0%",
	    "0,0\xc2\xa0%", "3", "20m00s"};
	static const char *const want_none[] = {"(ingen)", "1",
	    "0", "0,0\xc2\xa0%", "\xe2\x80\x93", "\xe2\x80\x93", "0", "1",
	    "0,0\xc2\xa0%", "100,0\xc2\xa0%", "1", "3m00s"};
	struct fixture f;
	htmlDocPtr doc;
	xmlNode *table;
	char cells[16][64];
	char *s;

	fixture_init(&f, VAKT_BY_COORDINATOR);
	s = render(&f.p, VAKT_FORMAT_HTML);
	doc = parse_html(s);
	table = find_id(xmlDocGetRootElement(doc), "coordinators-table");
	cr_assert_not_null(table);
	cr_assert_null(find_id(xmlDocGetRootElement(doc), "groups-table"),
	    "by coordinator: one table, not two");
	cr_assert_eq(row_cells(table, "k1", cells), 12);
	for (size_t i = 0; i < 12; i++)
		cr_assert_str_eq(cells[i], want_k1[i], "k1 column %zu", i);
	cr_assert_eq(row_cells(table, "(ingen)", cells), 12);
	for (size_t i = 0; i < 12; i++)
		cr_assert_str_eq(cells[i], want_none[i], "none column %zu", i);
	xmlFreeDoc(doc);
	free(s);
}

Test(report, html_escapes_everything_from_the_data)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_report_row row;
	struct vakt_buf b = {NULL, 0, 0};

	fixture_init(&f, VAKT_BY_YOUTH);
	(void)snprintf(f.p.label, sizeof(f.p.label), "<b>T3</b>");
	r = vakt_report_new(&f.p);
	row = call("<script>x</script>", "k&<1>", VAKT_CAT_OFFICE,
	    oslo(2026, 9, 1, 12, 0, 0, CEST));
	vakt_report_add(r, &row);
	vakt_report_render(r, VAKT_FORMAT_HTML, &b);
	cr_assert_null(strstr(b.p, "<script"));
	cr_assert_null(strstr(b.p, "<b>T3"));
	cr_assert_not_null(strstr(b.p, "&lt;script&gt;x&lt;/script&gt;"));
	cr_assert_not_null(strstr(b.p, "k&amp;&lt;1&gt;"));
	vakt_buf_free(&b);
	vakt_report_free(r);
}

/* ---------------------------------------------------------------- */
/* Follow-up and thread rules on their own. */

Test(report, next_working_day_skips_weekend_and_holiday)
{
	struct fixture f;
	json_t *j, *o;

	/* k2 has only R10: Thu 24 Dec -> Mon 28 Dec 10:00, in time. */
	fixture_init(&f, VAKT_BY_COORDINATOR);
	j = render_json(&f.p);
	o = json_row(j, "k2");
	check_jshare(o, "followup", "next_working_day", 1.0, "k2");
	check_jshare(o, "followup", "within_1h", 0.0, "k2");
	/* k1 has R11, Mon 20:30 (after close), besides R7 and R8. */
	check_jshare(json_row(j, "k1"), "followup", "next_working_day",
	    2.0 / 3, "k1");
	json_decref(j);
}

Test(report, a_second_sms_before_the_reply_does_not_restart_the_clock)
{
	struct fixture f;
	json_t *j, *o;

	fixture_init(&f, VAKT_BY_YOUTH);
	j = render_json(&f.p);
	o = json_row(j, "U-001");
	/* S1 18:00 and S2 18:05, reply 18:20: one thread of 1200 s. */
	check_jlong(o, NULL, "sms_received", 2, "U-001");
	check_jlong(o, NULL, "sms_replied", 2, "U-001");
	check_jlong(o, "sms_response_s", "p50", 1200, "U-001");
	check_jlong(o, "sms_response_s", "p90", 1200, "U-001");
	/* S3 has no reply: counted, waiting, no response time. */
	o = json_row(j, "U-002");
	check_jlong(o, NULL, "sms_unanswered", 1, "U-002");
	check_jlong(o, "sms_response_s", "p50", N, "U-002");
	/* The unknown caller is "unknown" by youth. */
	check_jlong(json_row(j, "unknown"), "sms_response_s", "p50", 180,
	    "unknown");
	json_decref(j);
}

Test(report, short_abandon_depends_on_the_service_setting)
{
	struct fixture f;
	json_t *j;

	/* With 20 s, R8 (18 s) is a short abandon too. */
	fixture_init(&f, VAKT_BY_NONE);
	f.svc.short_abandon_s = 20;
	j = render_json(&f.p);
	check_jlong(json_object_get(j, "total"), NULL, "short_abandons", 2,
	    "total");
	check_jlong(json_object_get(j, "total"), NULL, "missed", 3, "total");
	check_jlong(json_object_get(j, "total"), "followup", "missed", 5,
	    "total");
	check_jshare(json_object_get(j, "total"), NULL, "service_level",
	    5.0 / 11, "total");
	json_decref(j);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Random answer times, many of them equal; checked against a sort. */
Test(report, percentiles_are_nearest_ranks_of_the_sorted_values)
{
	const char *env = getenv("VAKT_TEST_SEED");
	unsigned seed = env != NULL ? (unsigned)strtoul(env, NULL, 10)
				    : (unsigned)time(NULL);
	struct fixture f;

	fprintf(stderr, "report: seed %u (VAKT_TEST_SEED=%u replays)\n", seed,
	    seed);
	fixture_init(&f, VAKT_BY_NONE);
	for (int round = 0; round < 40; round++) {
		size_t n = 1 + (size_t)rand_r(&seed) % 400;
		long ms[400], p50, p90;
		struct vakt_report *r = vakt_report_new(&f.p);
		struct vakt_buf b = {NULL, 0, 0};
		json_t *j, *tta;

		for (size_t i = 0; i < n; i++) {
			int64_t at = oslo(2026, 9, 1, 8, 0, 0, CEST) +
			    (int64_t)i * 60000;
			struct vakt_report_row row;

			ms[i] = (long)(rand_r(&seed) % (round % 2 ? 6 : 240)) *
				1000 + rand_r(&seed) % 1000;
			row = answered(call("U-1", "k1", VAKT_CAT_OFFICE, at), 1,
			    VAKT_ROLE_COORDINATOR, ms[i], 0);
			vakt_report_add(r, &row);
		}
		qsort(ms, n, sizeof(ms[0]), cmp_long);
		/* Nearest rank: ceil(p n / 100), from 1. */
		p50 = ms[(n * 50 + 99) / 100 - 1] / 1000;
		p90 = ms[(n * 90 + 99) / 100 - 1] / 1000;
		vakt_report_render(r, VAKT_FORMAT_JSON, &b);
		j = json_loads(b.p, 0, NULL);
		tta = json_object_get(json_object_get(j, "total"), "tta_s");
		cr_assert_eq(json_integer_value(json_object_get(tta, "p50")), p50,
		    "seed %u round %d n %zu", seed, round, n);
		cr_assert_eq(json_integer_value(json_object_get(tta, "p90")), p90,
		    "seed %u round %d n %zu", seed, round, n);
		cr_assert_eq(json_integer_value(json_object_get(tta, "max")),
		    ms[n - 1] / 1000, "seed %u round %d", seed, round);
		json_decref(j);
		vakt_buf_free(&b);
		vakt_report_free(r);
	}
}

/* ---------------------------------------------------------------- */
/* Parameters. */

Test(report, periods_parse_to_inclusive_local_dates)
{
	static const struct {
		const char *s;
		int from, to;
	} ok[] = {
	    {"2026", 20260101, 20261231},
	    {"2026-T1", 20260101, 20260430},
	    {"2026-T2", 20260501, 20260831},
	    {"2026-T3", 20260901, 20261231},
	    {"2026-11", 20261101, 20261130},
	    {"2024-02", 20240201, 20240229},
	    {"2026-W48", 20261123, 20261129},
	    {"2026-W53", 20261228, 20270103},
	    {"2021-W01", 20210104, 20210110},
	    {"2027-W01", 20270104, 20270110},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int from = 0, to = 0;
		struct vakt_err err = {0};

		cr_assert_eq(vakt_report_parse_period(ok[i].s, &from, &to,
				 &err), 0, "%s: %s", ok[i].s, err.msg);
		cr_assert_eq(from, ok[i].from, "%s from %d", ok[i].s, from);
		cr_assert_eq(to, ok[i].to, "%s to %d", ok[i].s, to);
	}
}

Test(report, bad_periods_say_what_is_wrong)
{
	static const struct {
		const char *s, *msg;
	} bad[] = {
	    {"2026-T4", "period \"2026-T4\": a tertial is T1, T2 or T3"},
	    {"2026-T0", "period \"2026-T0\": a tertial is T1, T2 or T3"},
	    {"2026-13", "period \"2026-13\": a month is 01 to 12"},
	    {"2025-W53", "period \"2025-W53\": 2025 has weeks W01 to W52"},
	    {"2026-W00", "period \"2026-W00\": 2026 has weeks W01 to W53"},
	    {"1899", "period \"1899\": the year must be 1900..2200"},
	    {"2026-1", NULL},
	    {"2026-11-01", NULL},
	    {"26-11", NULL},
	    {"2026-t3", NULL},
	    {"", NULL},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int from = 0, to = 0;
		struct vakt_err err = {0};

		cr_assert_eq(vakt_report_parse_period(bad[i].s, &from, &to,
				 &err), -1, "%s", bad[i].s);
		cr_assert_eq(err.kind, VAKT_ERR_DATA);
		if (bad[i].msg != NULL)
			cr_assert_str_eq(err.msg, bad[i].msg);
		else
			cr_assert_not_null(strstr(err.msg, "expected YYYY"),
			    "%s: %s", bad[i].s, err.msg);
	}
}

Test(report, bounds_are_local_midnights_and_refuse_bad_dates)
{
	struct fixture f;
	struct vakt_err err = {0};

	fixture_init(&f, VAKT_BY_NONE);
	cr_assert_eq(f.p.from_ms, oslo(2026, 8, 1, 0, 0, 0, CEST));
	cr_assert_eq(f.p.to_ms, oslo(2027, 1, 1, 0, 0, 0, CET));
	cr_assert_str_eq(f.p.label, "2026-08-01..2026-12-31");
	f.p.from_date = 20261201;
	f.p.to_date = 20261130;
	cr_assert_eq(vakt_report_bounds(&f.p, &err), -1);
	cr_assert_eq(err.kind, VAKT_ERR_DATA);
	cr_assert_str_eq(err.msg, "from 2026-12-01 is after to 2026-11-30");
	f.p.from_date = 18991231;
	f.p.to_date = 20260101;
	cr_assert_eq(vakt_report_bounds(&f.p, &err), -1);
	f.p.from_date = 20260101;
	f.p.to_date = 22010101;
	cr_assert_eq(vakt_report_bounds(&f.p, &err), -1);
	f.p.from_date = 22001201;
	f.p.to_date = 22001231;
	cr_assert_eq(vakt_report_bounds(&f.p, &err), 0, "%s", err.msg);
	cr_assert_eq(f.p.to_ms, oslo(2201, 1, 1, 0, 0, 0, CET));
}

Test(report, groupings_and_formats_have_names)
{
	static const char *const by[] = {"none", "service", "coordinator",
	    "youth", "category", "day", "week", "month", "tertial"};
	static const char *const fmt[] = {"text", "csv", "json", "html"};
	enum vakt_report_by b;
	enum vakt_report_format f;

	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++) {
		cr_assert_eq(vakt_report_parse_by(by[i], &b), 0, "%s", by[i]);
		cr_assert_eq((size_t)b, i);
		cr_assert_str_eq(vakt_report_by_name(b), by[i]);
	}
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		cr_assert_eq(vakt_report_parse_format(fmt[i], &f), 0);
		cr_assert_eq((size_t)f, i);
	}
	cr_assert_eq(vakt_report_parse_by("coordinators", &b), -1);
	cr_assert_eq(vakt_report_parse_format("pdf", &f), -1);
}

Test(report, a_report_renders_in_every_format_one_after_another)
{
	struct fixture f;
	struct vakt_report *r;
	struct vakt_buf b = {NULL, 0, 0};

	fixture_init(&f, VAKT_BY_MONTH);
	r = report_of(&f.p);
	for (int i = 0; i < 4; i++) {
		b.len = 0;
		vakt_report_render(r, (enum vakt_report_format)i, &b);
		cr_assert_gt(b.len, 100);
	}
	cr_assert_not_null(strstr(b.p, "2026-12"));
	vakt_buf_free(&b);
	vakt_report_free(r);
	vakt_report_free(NULL);
}
