/*
 * test_router.c: the escalation plans of vakt/router.h and
 * the safety invariant, swept over every minute of 2026 in Oslo.
 * Services are built by hand: config.c is not linked in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "vakt/config.h"
#include "vakt/router.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define BEREDSKAP "+4790000001"
#define FALLBACK  "+4722000000"
#define COORD	  "+4791000001"
#define SUBST	  "+4792000002"

/* UTC ms of a UTC wall time, through libc. */
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

/* A zone that is UTC all year, so the instants below read as local. */
static int
civil_utc(void *ctx, int64_t utc_s, struct vakt_civil *out)
{
	time_t t = (time_t)utc_s;
	struct tm tm;

	(void)ctx;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	*out = (struct vakt_civil){.year = tm.tm_year + 1900,
	    .month = tm.tm_mon + 1, .day = tm.tm_mday, .hour = tm.tm_hour,
	    .min = tm.tm_min, .sec = tm.tm_sec, .wday = tm.tm_wday};
	return 0;
}

static int
civil_fail(void *ctx, int64_t utc_s, struct vakt_civil *out)
{
	(void)ctx;
	(void)utc_s;
	(void)out;
	return -1;
}

static const struct vakt_tz tz_utc = {civil_utc, NULL};

/* A Mon-Fri 08-20 Norwegian service with beredskap and fallback. */
static void
service_init(struct vakt_service *svc)
{
	memset(svc, 0, sizeof(*svc));
	svc->id = "due";
	svc->name = "DUE test";
	svc->number = "+4740000000";
	svc->cal.country = VAKT_COUNTRY_NO;
	svc->cal.days = 0x3eu;
	svc->cal.hours.open_min = 8 * 60;
	svc->cal.hours.close_min = 20 * 60;
	svc->ring_timeout_s = 25;
	svc->confirm_answer = true;
	svc->beredskap = BEREDSKAP;
	svc->fallback = FALLBACK;
}

static void
person_set(struct vakt_person *p, const char *id, const char *name,
    const char *phone)
{
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->phone, sizeof(p->phone), "%s", phone);
}

/* Ola, whose coordinator Kari has a phone and no absences. */
static void
youth_init(struct vakt_caller *c)
{
	memset(c, 0, sizeof(*c));
	c->is_known = true;
	person_set(&c->youth, "U-0142", "Ola", "+4798765432");
	person_set(&c->coordinator, "kari", "Kari Nordmann", COORD);
}

static void
absence_add(struct vakt_caller *c, int from, int to, const char *sub_id,
    const char *sub_phone)
{
	struct vakt_absence_view *a = &c->absences[c->n_absences++];

	a->from = from;
	a->to = to;
	person_set(&a->substitute, sub_id, sub_id[0] ? "Siri Vikar" : "",
	    sub_phone);
}

/* Assert the plan's steps as "role:number" pairs. */
static void
assert_steps(const struct vakt_plan *p, const char *what, size_t n,
    const enum vakt_role *roles, const char *const *numbers)
{
	cr_assert_eq(p->n_steps, n, "%s: %zu steps, want %zu", what,
	    p->n_steps, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(p->steps[i].role, roles[i], "%s: step %zu is %s",
		    what, i, vakt_router_role_name(p->steps[i].role));
		cr_assert_str_eq(p->steps[i].number, numbers[i],
		    "%s: step %zu", what, i);
		cr_assert_eq(p->steps[i].timeout_s, 25, "%s: step %zu", what,
		    i);
	}
}

static const enum vakt_role tail_roles[] = {VAKT_ROLE_BEREDSKAP,
    VAKT_ROLE_FALLBACK};
static const char *const tail_numbers[] = {BEREDSKAP, FALLBACK};

/* Wednesday 14 January 2026, 10:00: an ordinary office hour. */
#define OFFICE_NOW utc_ms(2026, 1, 14, 10, 0)

Test(router, office_known_youth_rings_coordinator_then_beredskap)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_COORDINATOR,
	    VAKT_ROLE_BEREDSKAP, VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {COORD, BEREDSKAP, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_eq(p.cat, VAKT_CAT_OFFICE);
	cr_assert_eq(p.why, VAKT_WHY_COORDINATOR);
	cr_assert_not(p.is_absent);
	cr_assert_eq(p.date, 20260114);
	cr_assert_eq(p.at_ms, OFFICE_NOW);
	cr_assert_eq(p.svc, &svc);
	assert_steps(&p, "office", 3, roles, nums);
	cr_assert_str_eq(p.steps[0].who, "kari");
	cr_assert_str_eq(p.steps[0].name, "Kari Nordmann");
	cr_assert_str_eq(p.steps[1].who, "", "beredskap has no person id");
	cr_assert_str_eq(p.steps[2].who, "", "fallback has no person id");
}

Test(router, absent_coordinator_hands_over_to_substitute)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_SUBSTITUTE,
	    VAKT_ROLE_BEREDSKAP, VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {SUBST, BEREDSKAP, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	absence_add(&c, 20260112, 20260116, "siri", SUBST);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_SUBSTITUTE);
	cr_assert(p.is_absent);
	assert_steps(&p, "substitute", 3, roles, nums);
	cr_assert_str_eq(p.steps[0].who, "siri");
	cr_assert_str_eq(p.steps[0].name, "Siri Vikar");
}

Test(router, absent_coordinator_without_substitute_goes_to_beredskap)
{
	static const struct {
		const char *what, *sub_id, *sub_phone;
	} cases[] = {
	    {"no substitute", "", ""},
	    {"substitute without phone", "siri", ""},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct vakt_service svc;
		struct vakt_caller c;
		struct vakt_plan p;

		service_init(&svc);
		youth_init(&c);
		absence_add(&c, 20260114, 20260114, cases[i].sub_id,
		    cases[i].sub_phone);
		vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
		cr_assert_eq(p.why, VAKT_WHY_ABSENT, "%s", cases[i].what);
		cr_assert(p.is_absent, "%s", cases[i].what);
		assert_steps(&p, cases[i].what, 2, tail_roles, tail_numbers);
	}
}

Test(router, absence_covers_its_first_and_last_day_only)
{
	/* Absent Tuesday 3 to Thursday 5 February 2026, both inclusive. */
	static const struct {
		int d;
		enum vakt_why want;
	} days[] = {
	    {2, VAKT_WHY_COORDINATOR}, /* Monday, the day before */
	    {3, VAKT_WHY_SUBSTITUTE},  /* first day */
	    {4, VAKT_WHY_SUBSTITUTE},
	    {5, VAKT_WHY_SUBSTITUTE},  /* last day */
	    {6, VAKT_WHY_COORDINATOR}, /* Friday, the day after */
	};
	static const int minutes[] = {8 * 60, 19 * 60 + 59};

	for (size_t i = 0; i < N_OF(days); i++) {
		for (size_t k = 0; k < N_OF(minutes); k++) {
			struct vakt_service svc;
			struct vakt_caller c;
			struct vakt_plan p;

			service_init(&svc);
			youth_init(&c);
			absence_add(&c, 20260203, 20260205, "siri", SUBST);
			vakt_router_plan(&svc, &c, &tz_utc,
			    utc_ms(2026, 2, days[i].d, minutes[k] / 60,
				minutes[k] % 60),
			    &p);
			cr_assert_eq(p.why, days[i].want,
			    "2026-02-%02d %02d:%02d: why %d", days[i].d,
			    minutes[k] / 60, minutes[k] % 60, p.why);
			cr_assert_eq(p.is_absent,
			    days[i].want == VAKT_WHY_SUBSTITUTE,
			    "2026-02-%02d", days[i].d);
		}
	}
}

Test(router, absence_is_judged_on_the_local_date, .init = oslo)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;
	struct vakt_tz tz;

	/* A round-the-clock office: 00:30 Oslo is still the day before in UTC. */
	service_init(&svc);
	svc.cal.days = 0x7fu;
	svc.cal.hours.open_min = 0;
	svc.cal.hours.close_min = 24 * 60;
	youth_init(&c);
	absence_add(&c, 20260203, 20260203, "siri", SUBST);
	vakt_calendar_tz_system(&tz);
	vakt_router_plan(&svc, &c, &tz, utc_ms(2026, 2, 2, 23, 30), &p);
	cr_assert_eq(p.date, 20260203);
	cr_assert_eq(p.why, VAKT_WHY_SUBSTITUTE, "00:30 local on 3 Feb");
	vakt_router_plan(&svc, &c, &tz, utc_ms(2026, 2, 3, 23, 30), &p);
	cr_assert_eq(p.date, 20260204);
	cr_assert_eq(p.why, VAKT_WHY_COORDINATOR, "00:30 local on 4 Feb");
}

Test(router, overlapping_absences_prefer_the_one_with_a_substitute)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	absence_add(&c, 20260101, 20260131, "", "");
	absence_add(&c, 20260112, 20260116, "siri", SUBST);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_SUBSTITUTE);
	cr_assert_str_eq(p.steps[0].number, SUBST);
}

Test(router, youth_without_reachable_coordinator_goes_to_beredskap)
{
	static const struct {
		const char *what, *id, *phone;
	} cases[] = {
	    {"no coordinator", "", ""},
	    {"coordinator without phone", "kari", ""},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct vakt_service svc;
		struct vakt_caller c;
		struct vakt_plan p;

		service_init(&svc);
		youth_init(&c);
		person_set(&c.coordinator, cases[i].id, "", cases[i].phone);
		vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
		cr_assert_eq(p.why, VAKT_WHY_NO_COORDINATOR, "%s",
		    cases[i].what);
		assert_steps(&p, cases[i].what, 2, tail_roles, tail_numbers);
	}
}

Test(router, unknown_caller_in_office_hours_goes_to_beredskap)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	memset(&c, 0, sizeof(c));
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_eq(p.cat, VAKT_CAT_OFFICE);
	cr_assert_eq(p.why, VAKT_WHY_UNKNOWN_CALLER);
	assert_steps(&p, "unknown", 2, tail_roles, tail_numbers);
}

Test(router, outside_office_hours_everyone_goes_to_beredskap)
{
	static const struct {
		const char *what;
		int y, mo, d, h, mi;
		enum vakt_category cat;
		const char *day_name;
	} cases[] = {
	    {"Wed 07:59", 2026, 1, 14, 7, 59, VAKT_CAT_AFTER_HOURS, NULL},
	    {"Wed 20:00", 2026, 1, 14, 20, 0, VAKT_CAT_AFTER_HOURS, NULL},
	    {"Sat 12:00", 2026, 1, 17, 12, 0, VAKT_CAT_WEEKEND, NULL},
	    {"Ascension Day 10:00", 2026, 5, 14, 10, 0, VAKT_CAT_HOLIDAY,
		"Kristi himmelfartsdag"},
	    {"Saturday holiday", 2026, 12, 26, 10, 0, VAKT_CAT_HOLIDAY,
		"Andre juledag"},
	};

	for (size_t i = 0; i < N_OF(cases) * 2; i++) {
		size_t k = i / 2;
		struct vakt_service svc;
		struct vakt_caller c;
		struct vakt_plan p;

		service_init(&svc);
		youth_init(&c);
		c.is_known = i % 2 == 0;
		vakt_router_plan(&svc, &c, &tz_utc,
		    utc_ms(cases[k].y, cases[k].mo, cases[k].d, cases[k].h,
			cases[k].mi),
		    &p);
		cr_assert_eq(p.cat, cases[k].cat, "%s", cases[k].what);
		cr_assert_eq(p.why, VAKT_WHY_OUTSIDE_HOURS, "%s",
		    cases[k].what);
		assert_steps(&p, cases[k].what, 2, tail_roles, tail_numbers);
		if (cases[k].day_name == NULL)
			cr_assert_null(p.day_name, "%s", cases[k].what);
		else
			cr_assert_str_eq(p.day_name, cases[k].day_name, "%s",
			    cases[k].what);
	}
}

Test(router, missing_and_repeated_numbers_are_skipped)
{
	static const struct {
		const char *what, *coord, *fallback;
		size_t n;
		const char *nums[3];
		enum vakt_role roles[3];
	} cases[] = {
	    {"coordinator is the beredskap phone", BEREDSKAP, FALLBACK, 2,
		{BEREDSKAP, FALLBACK},
		{VAKT_ROLE_COORDINATOR, VAKT_ROLE_FALLBACK}},
	    {"fallback is the beredskap phone", COORD, BEREDSKAP, 2,
		{COORD, BEREDSKAP},
		{VAKT_ROLE_COORDINATOR, VAKT_ROLE_BEREDSKAP}},
	    {"coordinator is the fallback", FALLBACK, FALLBACK, 2,
		{FALLBACK, BEREDSKAP},
		{VAKT_ROLE_COORDINATOR, VAKT_ROLE_BEREDSKAP}},
	    {"no fallback", COORD, NULL, 2, {COORD, BEREDSKAP},
		{VAKT_ROLE_COORDINATOR, VAKT_ROLE_BEREDSKAP}},
	    {"empty fallback", COORD, "", 2, {COORD, BEREDSKAP},
		{VAKT_ROLE_COORDINATOR, VAKT_ROLE_BEREDSKAP}},
	};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct vakt_service svc;
		struct vakt_caller c;
		struct vakt_plan p;

		service_init(&svc);
		svc.fallback = (char *)cases[i].fallback;
		youth_init(&c);
		person_set(&c.coordinator, "kari", "Kari", cases[i].coord);
		vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
		assert_steps(&p, cases[i].what, cases[i].n, cases[i].roles,
		    cases[i].nums);
	}
}

Test(router, substitute_with_the_beredskap_phone_is_not_rung_twice)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_SUBSTITUTE,
	    VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {BEREDSKAP, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	absence_add(&c, 20260114, 20260114, "siri", BEREDSKAP);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	assert_steps(&p, "substitute = beredskap", 2, roles, nums);
}

Test(router, unreadable_directory_gets_the_safety_plan)
{
	struct vakt_service svc;
	struct vakt_plan p;

	service_init(&svc);
	vakt_router_plan(&svc, NULL, &tz_utc, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_DIRECTORY_FAULT);
	cr_assert_eq(p.cat, VAKT_CAT_OFFICE, "time is still classified");
	cr_assert_eq(p.date, 20260114);
	assert_steps(&p, "directory fault", 2, tail_roles, tail_numbers);
}

Test(router, broken_clock_gets_the_safety_plan)
{
	const struct vakt_tz bad = {civil_fail, NULL};
	const struct vakt_civil zero = {0};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	vakt_router_plan(&svc, &c, &bad, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_CLOCK_FAULT);
	cr_assert_eq(p.cat, VAKT_CAT_AFTER_HOURS);
	cr_assert_eq(memcmp(&p.at, &zero, sizeof(zero)), 0, "at is zeroed");
	cr_assert_eq(p.date, 0);
	assert_steps(&p, "clock fault", 2, tail_roles, tail_numbers);
	vakt_router_plan(&svc, &c, NULL, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_CLOCK_FAULT, "no converter at all");
	vakt_router_plan(&svc, NULL, &bad, OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_DIRECTORY_FAULT, "directory fault wins");
	assert_steps(&p, "both faults", 2, tail_roles, tail_numbers);
}

Test(router, safety_plan_keeps_the_reason_and_ends_at_fallback)
{
	struct vakt_service svc;
	struct vakt_plan p;

	service_init(&svc);
	vakt_router_safety(&svc, &tz_utc, utc_ms(2026, 1, 17, 3, 0),
	    VAKT_WHY_DIRECTORY_FAULT, &p);
	cr_assert_eq(p.why, VAKT_WHY_DIRECTORY_FAULT);
	cr_assert_eq(p.cat, VAKT_CAT_WEEKEND);
	assert_steps(&p, "safety", 2, tail_roles, tail_numbers);
	svc.fallback = NULL;
	vakt_router_safety(&svc, &tz_utc, OFFICE_NOW, VAKT_WHY_CLOCK_FAULT,
	    &p);
	cr_assert_eq(p.n_steps, 1);
	cr_assert_str_eq(p.steps[0].number, BEREDSKAP);
}

/*
 * A beredskap number too long to dial and no fallback: the invariant
 * cannot hold (config.c refuses such a service).  Issue 10: the router
 * must not abort (it asserted before, which took vaktd down mid-call in
 * every build); it keeps the humans it can still ring and says so.
 */
#define UNDIALLABLE "+479000000000000000"

Test(router, broken_invariant_keeps_the_coordinator_and_never_aborts_issue10)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_COORDINATOR};
	static const char *const nums[] = {COORD};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	svc.beredskap = UNDIALLABLE;
	svc.fallback = NULL;
	youth_init(&c);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert(p.is_fault, "the broken invariant is reported");
	cr_assert_eq(p.why, VAKT_WHY_COORDINATOR);
	assert_steps(&p, "broken invariant, office", 1, roles, nums);
}

Test(router, broken_invariant_with_nobody_to_ring_returns_an_empty_plan_issue10)
{
	struct vakt_service svc;
	struct vakt_plan p;

	service_init(&svc);
	svc.beredskap = UNDIALLABLE;
	svc.fallback = "";
	vakt_router_plan(&svc, NULL, &tz_utc, OFFICE_NOW, &p);
	cr_assert(p.is_fault);
	cr_assert_eq(p.why, VAKT_WHY_DIRECTORY_FAULT);
	cr_assert_eq(p.n_steps, 0);
	vakt_router_safety(&svc, &tz_utc, OFFICE_NOW, VAKT_WHY_UNKNOWN_SERVICE,
	    &p);
	cr_assert(p.is_fault);
	cr_assert_eq(p.n_steps, 0);
}

Test(router, a_plan_that_keeps_the_invariant_is_no_fault_issue10)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_not(p.is_fault);
	vakt_router_plan(&svc, NULL, &tz_utc, OFFICE_NOW, &p);
	cr_assert_not(p.is_fault);
	svc.beredskap = UNDIALLABLE;
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	cr_assert_not(p.is_fault, "the fallback still ends the plan");
	cr_assert_str_eq(p.steps[p.n_steps - 1].number, FALLBACK);
}

Test(router, names_and_reasons_read_well)
{
	for (int i = 0; i < VAKT_ROLE_COUNT; i++) {
		enum vakt_role r = VAKT_ROLE_COUNT;
		const char *s = vakt_router_role_name((enum vakt_role)i);

		cr_assert_eq(vakt_router_role_parse(s, &r), 0, "%s", s);
		cr_assert_eq((int)r, i, "%s", s);
	}
	cr_assert_eq(vakt_router_role_parse("Beredskap", &(enum vakt_role){0}),
	    -1, "role names are lower case");
	for (int i = VAKT_WHY_COORDINATOR; i <= VAKT_WHY_CLOCK_FAULT; i++) {
		const char *t = vakt_router_why_text((enum vakt_why)i);
		size_t len = strlen(t);

		cr_assert(len > 10 && len < 120, "why %d: %s", i, t);
		cr_assert(t[len - 1] == '.' && strstr(t, ". ") == NULL,
		    "why %d is one sentence: %s", i, t);
		for (int k = VAKT_WHY_COORDINATOR; k < i; k++)
			cr_assert_str_neq(t,
			    vakt_router_why_text((enum vakt_why)k),
			    "why %d and %d", i, k);
	}
}

/* ---- property: every minute of 2026 in Oslo ---------------------- */

/*
 * The test's own model of 2026 in Oslo: DST from 2026-03-29 01:00Z to
 * 2026-10-25 01:00Z, the Norwegian holidays of 2026 by hand, Mon-Fri
 * 08:00-20:00, Christmas Eve 08:00-12:00 and New Year's Eve closed.
 */
struct model {
	int date;     /* yyyymmdd */
	int minute;   /* after local midnight */
	enum vakt_category cat;
};

static int
model_month_day(int doy, int *day)
{
	static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31};
	int m = 0;

	while (doy >= len[m])
		doy -= len[m++];
	*day = doy + 1;
	return m + 1;
}

static void
model_at(int64_t t_s, struct model *out)
{
	static const int holidays[] = {20260101, 20260402, 20260403,
	    20260405, 20260406, 20260501, 20260514, 20260517, 20260524,
	    20260525, 20261225, 20261226};
	int64_t dst_on = utc_ms(2026, 3, 29, 1, 0) / 1000;
	int64_t dst_off = utc_ms(2026, 10, 25, 1, 0) / 1000;
	int64_t l = t_s + (t_s >= dst_on && t_s < dst_off ? 7200 : 3600) -
	    utc_ms(2026, 1, 1, 0, 0) / 1000;
	int doy = (int)(l / 86400), day, month, wday = (4 + doy) % 7;
	int open = 8 * 60, close = 20 * 60;

	month = model_month_day(doy, &day);
	out->date = 20260000 + month * 100 + day;
	out->minute = (int)(l % 86400 / 60);
	out->cat = wday == 0 || wday == 6 ? VAKT_CAT_WEEKEND : VAKT_CAT_OFFICE;
	for (size_t i = 0; i < N_OF(holidays); i++)
		if (holidays[i] == out->date)
			out->cat = VAKT_CAT_HOLIDAY;
	if (out->date == 20261231)
		out->cat = VAKT_CAT_HOLIDAY;
	if (out->date == 20261224) {
		out->cat = VAKT_CAT_OFFICE;
		close = 12 * 60;
	}
	if (out->cat == VAKT_CAT_OFFICE &&
	    (out->minute < open || out->minute >= close))
		out->cat = VAKT_CAT_AFTER_HOURS;
}

static const struct vakt_special_day sweep_special[] = {
    {20261224, false, {8 * 60, 12 * 60}, "Julaften"},
    {20261231, true, {0, 0}, "Nyttårsaften"},
};

/* Absent in July with a substitute. */
#define SWEEP_ABS_FROM 20260706
#define SWEEP_ABS_TO   20260731

static enum vakt_why
model_why(const struct model *m, int who)
{
	if (who == 2)
		return VAKT_WHY_DIRECTORY_FAULT;
	if (m->cat != VAKT_CAT_OFFICE)
		return VAKT_WHY_OUTSIDE_HOURS;
	if (who == 1)
		return VAKT_WHY_UNKNOWN_CALLER;
	if (m->date >= SWEEP_ABS_FROM && m->date <= SWEEP_ABS_TO)
		return VAKT_WHY_SUBSTITUTE;
	return VAKT_WHY_COORDINATOR;
}

/* NULL if the plan is what the model says, else what is wrong. */
static const char *
sweep_check(const struct vakt_plan *p, const struct model *m, int who)
{
	const char *last;

	if (p->n_steps < 1)
		return "no steps";
	last = p->steps[p->n_steps - 1].number;
	if (strcmp(last, BEREDSKAP) != 0 && strcmp(last, FALLBACK) != 0)
		return "last step is not beredskap or fallback";
	if (p->cat != m->cat)
		return "category differs from the model";
	if (p->date != m->date || p->at.hour * 60 + p->at.min != m->minute)
		return "local time differs from the model";
	if (p->why != model_why(m, who))
		return "reason differs from the model";
	return NULL;
}

Test(router, every_minute_of_2026_ends_at_a_human_in_the_right_category,
    .init = oslo)
{
	static const char *const who_name[] = {"known youth",
	    "unknown caller", "NULL caller"};
	int64_t start = utc_ms(2025, 12, 31, 23, 0) / 1000;
	struct vakt_service svc;
	struct vakt_caller youth, unknown;
	const struct vakt_caller *callers[3] = {&youth, &unknown, NULL};
	struct vakt_tz tz;

	service_init(&svc);
	svc.cal.special = sweep_special;
	svc.cal.n_special = N_OF(sweep_special);
	youth_init(&youth);
	absence_add(&youth, SWEEP_ABS_FROM, SWEEP_ABS_TO, "siri", SUBST);
	memset(&unknown, 0, sizeof(unknown));
	vakt_calendar_tz_system(&tz);
	for (int64_t i = 0; i < 365 * 24 * 60; i++) {
		int64_t t = start + i * 60;
		struct model m;

		model_at(t, &m);
		for (int who = 0; who < 3; who++) {
			struct vakt_plan p;
			const char *bad;

			vakt_router_plan(&svc, callers[who], &tz, t * 1000, &p);
			bad = sweep_check(&p, &m, who);
			if (bad != NULL)
				cr_assert_fail("%s at %d minute %d: %s "
					       "(cat %s, model %s)",
				    who_name[who], m.date, m.minute, bad,
				    vakt_calendar_category_name(p.cat),
				    vakt_calendar_category_name(m.cat));
		}
	}
}

/* ---------------------------------------------------------------- */
/* The beredskap rota (issue 11): the holder arrives as plain data. */

#define ROTA_PHONE "+4793000003"

static void
on_call_set(struct vakt_caller *c)
{
	person_set(&c->on_call, "lise", "Lise Leder", ROTA_PHONE);
}

Test(router, a_rota_holder_takes_the_beredskap_step_after_hours)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_BEREDSKAP,
	    VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {ROTA_PHONE, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	on_call_set(&c);
	vakt_router_plan(&svc, &c, &tz_utc, utc_ms(2026, 1, 14, 22, 0), &p);
	cr_assert_eq(p.why, VAKT_WHY_OUTSIDE_HOURS);
	assert_steps(&p, "rota", 2, roles, nums);
	cr_assert(p.steps[0].is_rota, "the step says it came from the rota");
	cr_assert_str_eq(p.steps[0].who, "lise");
	cr_assert_str_eq(p.steps[0].name, "Lise Leder");
	cr_assert_not(p.steps[1].is_rota);
	cr_assert_not(p.is_fault, "a rota holder keeps the invariant");
}

Test(router, a_rota_holder_follows_the_coordinator_in_office_hours)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_COORDINATOR,
	    VAKT_ROLE_BEREDSKAP, VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {COORD, ROTA_PHONE, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	on_call_set(&c);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	assert_steps(&p, "office with rota", 3, roles, nums);
	cr_assert_not(p.steps[0].is_rota);
	cr_assert(p.steps[1].is_rota);
}

Test(router, a_rota_holder_who_is_the_coordinator_is_not_rung_twice)
{
	static const enum vakt_role roles[] = {VAKT_ROLE_COORDINATOR,
	    VAKT_ROLE_FALLBACK};
	static const char *const nums[] = {COORD, FALLBACK};
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	person_set(&c.on_call, "kari", "Kari Nordmann", COORD);
	vakt_router_plan(&svc, &c, &tz_utc, OFFICE_NOW, &p);
	assert_steps(&p, "coordinator on call", 2, roles, nums);
	cr_assert_not(p.is_fault);
}

Test(router, without_a_rota_slot_the_configured_beredskap_rings)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	memset(&c, 0, sizeof(c));
	/* A holder without a phone (removed since) is no slot. */
	person_set(&c.on_call, "gone", "", "");
	vakt_router_plan(&svc, &c, &tz_utc, utc_ms(2026, 1, 14, 22, 0), &p);
	assert_steps(&p, "no slot", 2, tail_roles, tail_numbers);
	cr_assert_not(p.steps[0].is_rota);
}

Test(router, the_safety_plan_ignores_the_rota)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	youth_init(&c);
	on_call_set(&c);
	/* The clock fails: beredskap is the configured handset. */
	vakt_router_plan(&svc, &c, &(struct vakt_tz){civil_fail, NULL},
	    OFFICE_NOW, &p);
	cr_assert_eq(p.why, VAKT_WHY_CLOCK_FAULT);
	assert_steps(&p, "clock fault", 2, tail_roles, tail_numbers);
	vakt_router_plan(&svc, NULL, &tz_utc, OFFICE_NOW, &p);
	assert_steps(&p, "directory fault", 2, tail_roles, tail_numbers);
}

Test(router, a_rota_holder_ends_the_plan_when_there_is_no_fallback)
{
	struct vakt_service svc;
	struct vakt_caller c;
	struct vakt_plan p;

	service_init(&svc);
	svc.fallback = NULL;
	memset(&c, 0, sizeof(c));
	on_call_set(&c);
	vakt_router_plan(&svc, &c, &tz_utc, utc_ms(2026, 1, 17, 3, 0), &p);
	cr_assert_eq(p.n_steps, 1);
	cr_assert_str_eq(p.steps[0].number, ROTA_PHONE);
	cr_assert_not(p.is_fault);
}
