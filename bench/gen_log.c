/*
 * gen_log.c: a realistic contact log, for the report benchmark
 * (bench/report.sh) and the README screenshot (bench/screenshot.sh).
 *
 *   gen_log [-n CONTACTS] [-f FIRST] [-t LAST] [-k COORDINATORS]
 *           [-y YOUTHS] [-s SERVICE] CONFIG DATABASE
 *
 * Creates DATABASE (it must not exist) with vakt_store_create(), so the
 * schema is the binary's own, imports a directory through
 * vakt_store_import() and vakt_store_absence_add(), then bulk-inserts
 * CONTACTS (default 1,000,000) contacts received between the local dates
 * FIRST and LAST (default 2025-01-01..2026-12-31) with their legs, in
 * received order (as vaktd writes them), with prepared statements in
 * transactions of TX_ROWS rows.  The service (default the config's first)
 * gives the time zone, calendar, special days and plan; every contact's
 * category, reason and plan come from vakt_router_plan() with the
 * directory as it was at that instant.
 *
 * The people: COORDINATORS (default 50) and YOUTHS (default 200); the
 * first ones are those of config/demo.csv (kari, per; Ola, Aisha, Emil).
 * Youths differ in how often they get in touch and how much they text;
 * one in eight moved to another coordinator during the period (their
 * earlier contacts keep the old one).  Each coordinator has three weeks
 * of summer holiday a year with the next coordinator as substitute, and
 * some a sick week without one.  A few contacts come from numbers the
 * directory does not know.
 *
 * The contacts: about 80% calls and 20% SMS, more in the evening and
 * in winter, fewer in July, slowly growing over the period.  Calls: 6%
 * short abandons (1-5 s), about 83% answered at step 1..3 after 5-60 s
 * (some after a leg that voicemail picked up without a key press), the
 * rest missed (caller hung up while ringing, or every step rang out),
 * 0.02% never resolved.  A missed call is followed up by a staff
 * message after minutes to a day, by the youth's next answered call or
 * staff reply, or never.  SMS: replies after minutes to hours, per
 * thread (a second message before the reply joins the thread), and
 * some never answered.  SMS bodies, staff replies and the outbox are
 * not written: reports read the contacts table only.
 *
 * Deterministic: the seed is printed; BENCH_SEED (decimal or 0x…)
 * overrides it.  Prints one summary line; exit 64 usage, 65 bad
 * arguments, 78 bad config, 74 database failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/router.h"
#include "vakt/store.h"
#include "vakt/util.h"

#define DEFAULT_SEED 0x6a1e2025c0ffeeULL
#define TX_ROWS      50000
#define HOUR_MS      INT64_C(3600000)
#define MIN_MS       INT64_C(60000)
#define S_MS         INT64_C(1000)
#define N_UNKNOWN    600 /* numbers not in the directory */
#define UNKNOWN_PM   40  /* per mille of contacts from them */
#define MOVED_PM     125 /* per mille of youths who changed coordinator */
#define N_PENDING    8   /* missed calls waiting for a follow-up, each */
#define N_OPEN       8   /* unanswered SMS of one thread kept */
#define MAX_ABSENCES 8   /* per coordinator over the whole period */
#define SETUP_MS     800 /* call in -> first leg rings */
#define STEP_GAP_MS  1000

/* ---------------------------------------------------------------- */
/* Randomness: splitmix64, as bench_dir.h. */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
unif(uint64_t *s)
{
	return (double)(rnd(s) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static int64_t
between(uint64_t *s, int64_t lo, int64_t hi)
{
	return hi <= lo ? lo : lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo));
}

static bool
chance(uint64_t *s, double p)
{
	return unif(s) < p;
}

/* Standard normal (Box-Muller). */
static double
normal(uint64_t *s)
{
	double u = 1.0 - unif(s), v = unif(s);

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Log-normal around median (ms), clamped to [lo, hi]. */
static int64_t
lognormal_ms(uint64_t *s, double median, double sigma, int64_t lo, int64_t hi)
{
	double v = median * exp(sigma * normal(s));

	if (v < (double)lo)
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* ---------------------------------------------------------------- */
/* The people. */

struct absence {
	int from, to;           /* local dates, inclusive */
	int64_t from_ms, to_ms; /* [from 00:00, to + 1 00:00) */
	int sub;                /* coordinator index, -1 for none */
};

struct coord {
	struct vakt_person p;
	struct absence abs[MAX_ABSENCES];
	size_t n_abs;
};

struct youth {
	struct vakt_person p;
	int coord;      /* now */
	int prev_coord; /* before move_ms; -1 if never moved */
	int64_t move_ms;
	double sms_share;
};

/* Coordinators: an id ([a-z]) and a display name. */
static const char *const coord_first[][2] = {{"kari", "Kari"}, {"per", "Per"},
    {"ingrid", "Ingrid"}, {"lars", "Lars"}, {"marte", "Marte"},
    {"bjorn", "Bjørn"}, {"silje", "Silje"}, {"jonas", "Jonas"},
    {"hilde", "Hilde"}, {"erik", "Erik"}, {"nora", "Nora"}, {"geir", "Geir"},
    {"asa", "Åsa"}, {"knut", "Knut"}, {"line", "Line"}, {"tor", "Tor"},
    {"mari", "Mari"}, {"svein", "Svein"}, {"hanne", "Hanne"}, {"arne", "Arne"},
    {"ida", "Ida"}, {"oyvind", "Øyvind"}, {"tone", "Tone"},
    {"magnus", "Magnus"}, {"camilla", "Camilla"}, {"henrik", "Henrik"},
    {"trine", "Trine"}, {"anders", "Anders"}, {"solveig", "Solveig"},
    {"amir", "Amir"}, {"linda", "Linda"}, {"stian", "Stian"},
    {"randi", "Randi"}, {"petter", "Petter"}, {"elin", "Elin"},
    {"morten", "Morten"}, {"heidi", "Heidi"}, {"rune", "Rune"},
    {"kristin", "Kristin"}, {"fredrik", "Fredrik"}, {"ragnhild", "Ragnhild"},
    {"sindre", "Sindre"}, {"tuva", "Tuva"}, {"espen", "Espen"}, {"gro", "Gro"},
    {"vidar", "Vidar"}, {"monica", "Monica"}, {"haakon", "Haakon"},
    {"sara", "Sara"}, {"eivind", "Eivind"}};
static const char *const coord_last[] = {"Nordmann", "Hansen", "Johansen",
    "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Haugen", "Berg", "Hagen", "Bakke", "Solberg",
    "Strand", "Lie", "Dahl", "Moen", "Ali", "Eriksen", "Lund", "Aas"};
static const char *const youth_names[] = {"Ola", "Aisha", "Emil", "Sofie",
    "Mohammed", "Emma", "Filip", "Nora", "Jakob", "Leah", "Noah", "Maja",
    "William", "Ingrid", "Lucas", "Sara", "Oskar", "Hanna", "Aksel", "Zainab",
    "Elias", "Thea", "Mathias", "Amina", "Tobias", "Frida", "Isak", "Julie",
    "Sander", "Vilde", "Adrian", "Selma", "Kasper", "Yasmin", "Henrik", "Live",
    "Jonas", "Olivia", "Magnus", "Ella", "Ali", "Tiril", "Even", "Mia",
    "Sebastian", "Ada", "Daniel", "Linnea", "Omar", "Astrid", "Markus", "Eline",
    "Fredrik", "Iman", "Martin", "Hedda", "Kristian", "Oda", "Mikkel",
    "Sunniva"};
#define N_FIRST (sizeof(coord_first) / sizeof(coord_first[0]))
#define N_LAST  (sizeof(coord_last) / sizeof(coord_last[0]))
#define N_YNAME (sizeof(youth_names) / sizeof(youth_names[0]))

/* ---------------------------------------------------------------- */
/* The generator. */

/* One contact, before it is written. */
struct row {
	int64_t received_ms, answered_ms, ended_ms, followup_ms, reply_ms;
	int32_t sender; /* youth index, or n_youths + unknown index */
	int32_t duration_s;
	int16_t coord;      /* coordinator at the time, -1 for none */
	int16_t replied_by; /* coordinator index, or a REPLY_* */
	int8_t kind, status, missed_reason;
	int8_t step;   /* answered at step 1.., 0 */
	int8_t rung;   /* legs started */
	int8_t unconf; /* step picked up without a key press, 0 */
	int8_t cat, why, role;
};

enum { REPLY_NONE = -1, REPLY_BEREDSKAP = -2, REPLY_FALLBACK = -3 };

/* Per sender: the SMS thread and the missed calls not followed up. */
struct sender {
	int64_t reply_ms; /* the thread's planned reply, 0: none planned */
	int16_t reply_by;
	int32_t open[N_OPEN]; /* SMS rows of the thread still unanswered */
	int n_open;
	int32_t pending[N_PENDING]; /* missed-call rows */
	int n_pending;
};

struct gen {
	const struct vakt_service *svc;
	struct vakt_tz tz;
	uint64_t rng;
	int first, last;        /* local dates */
	int64_t from_ms, to_ms; /* [first 00:00, last + 1 00:00) */
	struct coord *coords;
	size_t n_coords;
	struct youth *youths;
	size_t n_youths;
	double *youth_cum; /* cumulative contact weights */
	struct row *rows;
	size_t n_rows;
	struct sender *senders; /* n_youths + N_UNKNOWN */
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: gen_log [-n CONTACTS] [-f YYYY-MM-DD] "
	    "[-t YYYY-MM-DD] [-k COORDINATORS] [-y YOUTHS] "
	    "[-s SERVICE] CONFIG DATABASE\n");
	exit(EX_USAGE);
}

static int64_t
midnight_ms(const struct gen *g, int date)
{
	int64_t ms;

	if (vakt_calendar_utc(&g->tz, date / 10000, date / 100 % 100,
	        date % 100, 0, 0, 0, &ms) == -1) {
		fprintf(stderr, "gen_log: cannot convert %d to UTC\n", date);
		exit(EX_DATAERR);
	}
	return ms;
}

static int
date_add(int date, int64_t days)
{
	int y, m, d;

	vakt_civil_from_days(
	    vakt_days_from_civil(date / 10000, date / 100 % 100, date % 100) +
	        days,
	    &y, &m, &d);
	return vakt_date_make(y, m, d);
}

static void
absence_add(struct gen *g, struct coord *c, int from, int days, int sub)
{
	struct absence *a;

	if (c->n_abs == MAX_ABSENCES)
		return;
	a = &c->abs[c->n_abs++];
	a->from = from;
	a->to = date_add(from, days - 1);
	a->from_ms = midnight_ms(g, a->from);
	a->to_ms = midnight_ms(g, date_add(a->to, 1));
	a->sub = sub;
}

/*
 * Per year: three weeks of summer holiday from a Monday in late June or
 * July (staggered so that substitutes are mostly at work), and one
 * coordinator in three has a sick week in spring or autumn.
 */
static void
absences_make(struct gen *g, size_t k)
{
	struct coord *c = &g->coords[k];
	int sub = g->n_coords > 1 ? (int)((k + 1) % g->n_coords) : -1;

	for (int year = g->first / 10000; year <= g->last / 10000; year++) {
		int64_t jun22 = vakt_days_from_civil(year, 6, 22);
		/* 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays. */
		int64_t monday = jun22 - (jun22 + 3) % 7 + 7 * (int64_t)(k % 5);
		int y, m, d;

		vakt_civil_from_days(monday, &y, &m, &d);
		absence_add(g, c, vakt_date_make(y, m, d), 21, sub);
		if (rnd(&g->rng) % 3 == 0)
			absence_add(g, c,
			    date_add(vakt_date_make(year, 2, 1),
			        between(&g->rng, 0, 90) +
			            (chance(&g->rng, 0.5) ? 220 : 0)),
			    5, -1);
	}
}

static void
coords_make(struct gen *g)
{
	g->coords = vakt_xcalloc(g->n_coords, sizeof(*g->coords));
	for (size_t k = 0; k < g->n_coords; k++) {
		struct vakt_person *p = &g->coords[k].p;
		size_t last = k == 0 ? 0
		    : k == 1         ? 1
		                     : (k * 7 + k / N_LAST) % N_LAST;

		if (k < N_FIRST)
			(void)vakt_strlcpy(
			    p->id, coord_first[k][0], sizeof(p->id));
		else
			(void)snprintf(p->id, sizeof(p->id), "%s%zu",
			    coord_first[k % N_FIRST][0], k / N_FIRST + 1);
		(void)snprintf(p->name, sizeof(p->name), "%s %s",
		    coord_first[k % N_FIRST][1], coord_last[last]);
		(void)snprintf(p->phone, sizeof(p->phone), "+4792%06u",
		    (unsigned)(k % 1000000));
		absences_make(g, k);
	}
}

/* The demo's three youths first (config/demo.csv), then the others. */
static void
youth_make(struct gen *g, size_t i, double *weight)
{
	struct youth *y = &g->youths[i];
	uint64_t *r = &g->rng;

	(void)snprintf(y->p.id, sizeof(y->p.id), "U-%04zu", i + 1);
	(void)vakt_strlcpy(
	    y->p.name, youth_names[i % N_YNAME], sizeof(y->p.name));
	(void)snprintf(y->p.phone, sizeof(y->p.phone), "+4741%06u",
	    (unsigned)((i + 1) % 1000000));
	y->coord = i < 2 ? 0
	    : i == 2     ? (g->n_coords > 1)
	                 : (int)(rnd(r) % g->n_coords);
	y->prev_coord = -1;
	if (i >= 3 && g->n_coords > 1 && rnd(r) % 1000 < MOVED_PM) {
		y->prev_coord =
		    (int)((size_t)y->coord + 1 + rnd(r) % (g->n_coords - 1)) %
		    (int)g->n_coords;
		y->move_ms = between(r, g->from_ms, g->to_ms);
	}
	/* A few youths are in touch much more often than the rest. */
	*weight = exp(0.9 * normal(r));
	y->sms_share = 0.2 + 0.12 * normal(r);
	if (y->sms_share < 0.02)
		y->sms_share = 0.02;
	if (y->sms_share > 0.6)
		y->sms_share = 0.6;
}

static void
youths_make(struct gen *g)
{
	double sum = 0, w;

	g->youths = vakt_xcalloc(g->n_youths, sizeof(*g->youths));
	g->youth_cum = vakt_xcalloc(g->n_youths, sizeof(*g->youth_cum));
	for (size_t i = 0; i < g->n_youths; i++) {
		youth_make(g, i, &w);
		sum += w;
		g->youth_cum[i] = sum;
	}
}

/* ---------------------------------------------------------------- */
/* The directory into the database, through the store. */

static int
directory_write(const struct gen *g, struct vakt_store *st, int64_t now_ms,
    struct vakt_err *err)
{
	size_t n = g->n_coords + g->n_youths, added, updated;
	struct vakt_import_row *rows = vakt_xcalloc(n, sizeof(*rows));
	int rc;

	for (size_t k = 0; k < g->n_coords; k++) {
		struct vakt_coordinator *c = &rows[k].u.coordinator;

		rows[k].line = (int)k + 2;
		(void)vakt_strlcpy(c->id, g->coords[k].p.id, sizeof(c->id));
		(void)vakt_strlcpy(c->service, g->svc->id, sizeof(c->service));
		(void)vakt_strlcpy(
		    c->name, g->coords[k].p.name, sizeof(c->name));
		(void)vakt_strlcpy(
		    c->phone, g->coords[k].p.phone, sizeof(c->phone));
	}
	for (size_t i = 0; i < g->n_youths; i++) {
		struct vakt_import_row *r = &rows[g->n_coords + i];
		const struct youth *y = &g->youths[i];

		r->line = (int)(g->n_coords + i) + 2;
		r->is_youth = true;
		(void)vakt_strlcpy(
		    r->u.youth.id, y->p.id, sizeof(r->u.youth.id));
		(void)vakt_strlcpy(
		    r->u.youth.service, g->svc->id, sizeof(r->u.youth.service));
		(void)vakt_strlcpy(
		    r->u.youth.name, y->p.name, sizeof(r->u.youth.name));
		(void)vakt_strlcpy(
		    r->u.youth.phone, y->p.phone, sizeof(r->u.youth.phone));
		(void)vakt_strlcpy(r->u.youth.coordinator,
		    g->coords[y->coord].p.id, sizeof(r->u.youth.coordinator));
	}
	rc = vakt_store_import(
	    st, rows, n, "gen_log", now_ms, &added, &updated, err);
	free(rows);
	return rc;
}

static int
absences_write(const struct gen *g, struct vakt_store *st, int64_t now_ms,
    struct vakt_err *err)
{
	if (vakt_store_batch_begin(st, err) == -1)
		return -1;
	for (size_t k = 0; k < g->n_coords; k++) {
		const struct coord *c = &g->coords[k];

		for (size_t j = 0; j < c->n_abs; j++) {
			struct vakt_absence a = {0};

			(void)vakt_strlcpy(
			    a.coordinator, c->p.id, sizeof(a.coordinator));
			a.from = c->abs[j].from;
			a.to = c->abs[j].to;
			if (c->abs[j].sub >= 0)
				(void)vakt_strlcpy(a.substitute,
				    g->coords[c->abs[j].sub].p.id,
				    sizeof(a.substitute));
			if (vakt_store_absence_add(
			        st, &a, "gen_log", now_ms, err) == -1)
				return -1;
		}
	}
	return vakt_store_batch_commit(st, err);
}

/* ---------------------------------------------------------------- */
/* When contacts come in. */

/* Relative contacts per local hour: evenings, and later at weekends. */
static const double hour_workday[24] = {2.2, 1.4, 0.9, 0.6, 0.4, 0.4, 0.8, 1.8,
    3.2, 4.0, 4.2, 4.4, 4.6, 5.0, 5.6, 6.4, 7.2, 7.8, 8.6, 9.4, 9.8, 9.6, 7.4,
    4.4};
static const double hour_weekend[24] = {4.2, 3.2, 2.2, 1.4, 0.8, 0.5, 0.5, 0.7,
    1.2, 2.0, 3.0, 3.8, 4.4, 4.8, 5.2, 5.6, 6.2, 6.8, 7.6, 8.4, 9.0, 9.2, 8.0,
    6.0};

static double
day_weight(const struct vakt_civil *c, double progress, bool is_free)
{
	double w = 1.0 + 0.3 * progress; /* the service grows */

	if (c->month == 7)
		w *= 0.62; /* summer holidays */
	else if (c->month == 8 && c->day < 15)
		w *= 0.85;
	else if (c->month == 12 && c->day >= 20)
		w *= 1.25; /* Christmas is hard for some */
	else if (c->month <= 2 || c->month >= 10)
		w *= 1.1;
	return is_free ? w * 0.9 : w;
}

/*
 * Cumulative weight of every UTC hour of the period, from the local
 * hour, weekday, holiday and season; DST days have 23 or 25 hours.
 */
static double *
hours_make(struct gen *g, size_t *n_hours)
{
	size_t n = (size_t)((g->to_ms - g->from_ms) / HOUR_MS);
	double *cum = vakt_xcalloc(n, sizeof(*cum)), sum = 0, noise = 1;
	int day = -1;

	for (size_t h = 0; h < n; h++) {
		struct vakt_civil c;
		int date;
		bool is_free;

		if (vakt_calendar_civil(
		        &g->tz, g->from_ms + (int64_t)h * HOUR_MS, &c) == -1)
			abort();
		date = vakt_date_make(c.year, c.month, c.day);
		if (date != day) { /* some days are busier than others */
			day = date;
			noise = 0.8 + 0.4 * unif(&g->rng);
		}
		is_free = c.wday == 0 || c.wday == 6 ||
		    vakt_calendar_holiday(g->svc->cal.country, date) != NULL;
		sum += noise * day_weight(&c, (double)h / (double)n, is_free) *
		    (is_free ? hour_weekend : hour_workday)[c.hour];
		cum[h] = sum;
	}
	*n_hours = n;
	return cum;
}

static size_t
pick(const double *cum, size_t n, double u)
{
	size_t lo = 0, hi = n - 1;
	double x = u * cum[n - 1];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cum[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* n instants by the hour weights, sorted. */
static int64_t *
instants_make(struct gen *g, size_t n)
{
	size_t n_hours;
	double *cum = hours_make(g, &n_hours);
	int64_t *at = vakt_xcalloc(n, sizeof(*at));

	for (size_t i = 0; i < n; i++)
		at[i] = g->from_ms +
		    (int64_t)pick(cum, n_hours, unif(&g->rng)) * HOUR_MS +
		    between(&g->rng, 0, HOUR_MS);
	qsort(at, n, sizeof(*at), cmp_i64);
	free(cum);
	return at;
}

/* ---------------------------------------------------------------- */
/* One contact. */

static void
unknown_phone(size_t j, char out[VAKT_E164_LEN])
{
	(void)snprintf(
	    out, VAKT_E164_LEN, "+4748%06u", (unsigned)(j % 1000000));
}

/* The youth's coordinator at the instant, -1 for an unknown number. */
static int
coord_at(const struct gen *g, int32_t sender, int64_t at)
{
	const struct youth *y;

	if ((size_t)sender >= g->n_youths)
		return -1;
	y = &g->youths[sender];
	return y->prev_coord >= 0 && at < y->move_ms ? y->prev_coord : y->coord;
}

/* What vakt_store_lookup_caller() would have said at that instant. */
static void
caller_of(const struct gen *g, const struct row *r, struct vakt_caller *out)
{
	const struct coord *c;

	memset(out, 0, sizeof(*out));
	if ((size_t)r->sender >= g->n_youths)
		return;
	out->is_known = true;
	out->youth = g->youths[r->sender].p;
	if (r->coord < 0)
		return;
	c = &g->coords[r->coord];
	out->coordinator = c->p;
	for (size_t j = 0; j < c->n_abs && out->n_absences < VAKT_ABSENCES_MAX;
	     j++) {
		const struct absence *a = &c->abs[j];
		struct vakt_absence_view *v;

		if (r->received_ms < a->from_ms || r->received_ms >= a->to_ms)
			continue;
		v = &out->absences[out->n_absences++];
		v->from = a->from;
		v->to = a->to;
		if (a->sub >= 0)
			v->substitute = g->coords[a->sub].p;
	}
}

static void
plan_of(const struct gen *g, const struct row *r, struct vakt_plan *plan)
{
	struct vakt_caller who;

	caller_of(g, r, &who);
	vakt_router_plan(g->svc, &who, &g->tz, r->received_ms, plan);
}

/* When step (1..) of the plan starts ringing. */
static int64_t
leg_start_ms(const struct row *r, const struct vakt_plan *p, int step)
{
	int64_t t = r->received_ms + SETUP_MS;

	for (int i = 1; i < step && (size_t)i <= p->n_steps; i++)
		t += (int64_t)p->steps[i - 1].timeout_s * S_MS + STEP_GAP_MS;
	return t;
}

static int64_t
ring_end_ms(const struct row *r, const struct vakt_plan *p)
{
	int n = (int)p->n_steps;

	return leg_start_ms(r, p, n) +
	    (int64_t)p->steps[n - 1].timeout_s * S_MS;
}

/* The step whose ringing covers t (the last one after the end). */
static int
step_at(const struct row *r, const struct vakt_plan *p, int64_t t)
{
	int s = 1;

	while ((size_t)s < p->n_steps && t >= leg_start_ms(r, p, s + 1))
		s++;
	return s;
}

static int16_t
replier_of(const struct gen *g, const struct vakt_step *st)
{
	for (size_t k = 0; k < g->n_coords && st->who[0] != '\0'; k++)
		if (strcmp(g->coords[k].p.id, st->who) == 0)
			return (int16_t)k;
	return st->role == VAKT_ROLE_FALLBACK ? REPLY_FALLBACK
	                                      : REPLY_BEREDSKAP;
}

static void
call_answered(struct gen *g, struct row *r, const struct vakt_plan *p)
{
	uint64_t *s = &g->rng;
	double u = unif(s);
	/* Beredskap carries the phone on purpose; coordinators are busier. */
	double first = r->cat == VAKT_CAT_OFFICE ? 0.76 : 0.86;
	int step = u < first ? 1 : u < first + (1 - first) * 0.8 ? 2 : 3;
	int timeout_ms;

	if ((size_t)step > p->n_steps)
		step = (int)p->n_steps;
	timeout_ms = p->steps[step - 1].timeout_s * 1000;
	r->status = VAKT_STATUS_ANSWERED;
	r->step = (int8_t)step;
	r->rung = (int8_t)step;
	r->role = (int8_t)p->steps[step - 1].role;
	/* Picked up after a few rings, then a second or three to press 1. */
	r->answered_ms = leg_start_ms(r, p, step) +
	    lognormal_ms(s, 7000, 0.45, 2500, timeout_ms - 1500) +
	    between(s, 1200, 4500);
	r->duration_s =
	    (int32_t)(lognormal_ms(s, 260000, 0.9, 15000, 5400000) / S_MS);
	r->ended_ms = r->answered_ms + (int64_t)r->duration_s * S_MS;
	if (step > 1 && chance(s, 0.09))
		r->unconf = (int8_t)between(s, 1, step);
}

static void
call_missed(struct gen *g, struct row *r, const struct vakt_plan *p)
{
	uint64_t *s = &g->rng;

	r->status = VAKT_STATUS_MISSED;
	if (chance(s, 0.4)) { /* every step rang out */
		r->missed_reason = VAKT_MISSED_EXHAUSTED;
		r->ended_ms = ring_end_ms(r, p) + between(s, 300, 1500);
		r->rung = (int8_t)p->n_steps;
		if (chance(s, 0.25))
			r->unconf = (int8_t)between(s, 1, r->rung + 1);
		return;
	}
	r->missed_reason = VAKT_MISSED_HANGUP;
	r->ended_ms = r->received_ms +
	    between(s, 5500, ring_end_ms(r, p) - r->received_ms);
	r->rung = (int8_t)step_at(r, p, r->ended_ms);
	if (r->rung > 1 && chance(s, 0.06))
		r->unconf = (int8_t)between(s, 1, r->rung);
}

/* Answer rates differ between the coordinator's day and beredskap. */
static const double answer_rate[VAKT_CAT_COUNT] = {0.86, 0.82, 0.81, 0.79};

static void
call_make(struct gen *g, struct row *r, const struct vakt_plan *p)
{
	uint64_t *s = &g->rng;
	double u = unif(s);

	r->kind = VAKT_KIND_CALL;
	r->replied_by = REPLY_NONE;
	r->rung = 1;
	if (u < 0.0002)
		return; /* never resolved: a lost status callback */
	if (u < 0.06) {
		r->status = VAKT_STATUS_MISSED;
		r->missed_reason = VAKT_MISSED_HANGUP;
		r->ended_ms = r->received_ms + between(s, 1000, 4900);
		return;
	}
	if (chance(s, answer_rate[r->cat]))
		call_answered(g, r, p);
	else
		call_missed(g, r, p);
}

/* ---------------------------------------------------------------- */
/* Threads and follow-ups, in received order. */

/* A staff contact reached the sender at t: pending missed calls end. */
static void
reached(struct gen *g, struct sender *sd, int64_t t)
{
	for (int i = 0; i < sd->n_pending; i++) {
		struct row *m = &g->rows[sd->pending[i]];

		if (m->followup_ms == 0 || m->followup_ms > t)
			m->followup_ms = t;
	}
	sd->n_pending = 0;
}

/*
 * A missed call: a staff message after minutes to a day (the missed-call
 * alert asks for one), or never; sooner if the youth is reached another
 * way (reached()).
 */
static void
followup_plan(struct gen *g, struct row *r, struct sender *sd)
{
	uint64_t *s = &g->rng;
	double u = unif(s);
	int64_t d;

	if (u < 0.36)
		d = between(s, 2 * MIN_MS, 15 * MIN_MS);
	else if (u < 0.62)
		d = between(s, 15 * MIN_MS, HOUR_MS);
	else if (u < 0.82)
		d = between(s, HOUR_MS, 8 * HOUR_MS);
	else if (u < 0.93)
		d = between(s, 8 * HOUR_MS, 40 * HOUR_MS);
	else
		d = -1; /* nobody follows up */
	r->followup_ms = d < 0 ? 0 : r->received_ms + d;
	if (sd->reply_ms > r->received_ms &&
	    (r->followup_ms == 0 || r->followup_ms > sd->reply_ms))
		r->followup_ms = sd->reply_ms;
	if (sd->n_pending == N_PENDING)
		reached(g, sd, r->received_ms); /* keep the list short */
	sd->pending[sd->n_pending++] = (int32_t)(r - g->rows);
}

static void
sms_reply(struct row *r, int64_t at, int16_t by)
{
	r->status = VAKT_STATUS_ANSWERED;
	r->reply_ms = at;
	r->replied_by = by;
}

/*
 * A youth's SMS.  While a reply is on its way the message joins the
 * thread; otherwise it opens one (with the thread's unanswered ones)
 * that gets a reply after minutes to hours, or not at all.
 */
static void
sms_make(
    struct gen *g, struct row *r, struct sender *sd, const struct vakt_plan *p)
{
	uint64_t *s = &g->rng;
	bool is_office = r->cat == VAKT_CAT_OFFICE;
	int16_t by;

	r->kind = VAKT_KIND_SMS;
	r->replied_by = REPLY_NONE;
	if (sd->reply_ms > r->received_ms) {
		sms_reply(r, sd->reply_ms, sd->reply_by);
		return;
	}
	if (sd->reply_ms != 0) /* that thread was answered */
		sd->n_open = 0;
	sd->reply_ms = 0;
	if (chance(s, 0.07)) { /* nobody answers (yet) */
		if (sd->n_open < N_OPEN)
			sd->open[sd->n_open++] = (int32_t)(r - g->rows);
		return;
	}
	by = chance(s, 0.9) ? replier_of(g, &p->steps[0]) : REPLY_BEREDSKAP;
	sd->reply_ms = r->received_ms +
	    lognormal_ms(s, is_office ? 9 * MIN_MS : 22 * MIN_MS, 1.05, 40000,
	        20 * HOUR_MS);
	sd->reply_by = by;
	for (int i = 0; i < sd->n_open; i++)
		sms_reply(&g->rows[sd->open[i]], sd->reply_ms, by);
	sd->n_open = 0;
	sms_reply(r, sd->reply_ms, by);
	reached(g, sd, sd->reply_ms);
}

static int32_t
sender_pick(struct gen *g)
{
	if (rnd(&g->rng) % 1000 < UNKNOWN_PM)
		return (int32_t)(g->n_youths + rnd(&g->rng) % N_UNKNOWN);
	return (int32_t)pick(g->youth_cum, g->n_youths, unif(&g->rng));
}

static void
contact_make(struct gen *g, struct row *r, int64_t at)
{
	struct vakt_plan plan;
	struct sender *sd;
	double sms_share;

	r->received_ms = at;
	r->sender = sender_pick(g);
	r->coord = (int16_t)coord_at(g, r->sender, at);
	sd = &g->senders[r->sender];
	plan_of(g, r, &plan);
	r->cat = (int8_t)plan.cat;
	r->why = (int8_t)plan.why;
	r->role = -1;
	sms_share = (size_t)r->sender < g->n_youths
	    ? g->youths[r->sender].sms_share
	    : 0.15;
	if (chance(&g->rng, sms_share)) {
		sms_make(g, r, sd, &plan);
		return;
	}
	call_make(g, r, &plan);
	if (r->status == VAKT_STATUS_ANSWERED)
		reached(g, sd, r->answered_ms);
	else if (r->status == VAKT_STATUS_MISSED)
		followup_plan(g, r, sd);
}

static void
contacts_make(struct gen *g, size_t n)
{
	int64_t *at = instants_make(g, n);

	g->rows = vakt_xcalloc(n, sizeof(*g->rows));
	g->senders = vakt_xcalloc(g->n_youths + N_UNKNOWN, sizeof(*g->senders));
	for (size_t i = 0; i < n; i++)
		contact_make(g, &g->rows[i], at[i]);
	g->n_rows = n;
	free(at);
}

/* ---------------------------------------------------------------- */
/* Writing: plain SQL on our own connection, as store.c writes them. */

static const char sql_contact[] =
    "INSERT INTO contacts (id, service, kind, provider_id, caller, youth,"
    " coordinator, category, why, plan, received_ms, status, missed_reason,"
    " answered_ms, answered_step, answered_role, answered_by, ended_ms,"
    " duration_s, reply_ms, replied_by, followup_ms, unconfirmed_legs)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";
static const char sql_leg[] =
    "INSERT INTO legs (contact, step, role, who, number, call_sid,"
    " started_ms, confirmed_ms, ended_ms, outcome)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

struct writer {
	sqlite3 *db;
	sqlite3_stmt *contact, *leg;
	const struct gen *g;
	uint64_t rng; /* provider ids only, so they do not shift the log */
};

static void
db_die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "gen_log: %s: %s\n", what, sqlite3_errmsg(db));
	exit(EX_IOERR);
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		db_die(db, sql);
}

/* "CA" or "SM" and 32 hex digits, as Twilio's SIDs. */
static void
sid_make(uint64_t *s, const char *prefix, char out[35])
{
	uint64_t a = rnd(s), b = rnd(s);

	(void)snprintf(out, 35, "%s%016" PRIx64 "%016" PRIx64, prefix, a, b);
}

static void
bind_opt_i64(sqlite3_stmt *s, int i, int64_t v, bool is_set)
{
	if (is_set)
		(void)sqlite3_bind_int64(s, i, v);
	else
		(void)sqlite3_bind_null(s, i);
}

static void
bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		(void)sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		(void)sqlite3_bind_null(s, i);
}

/* "2||+4790000000|20;3||+4755555555|20", store.c's plan_encode(). */
static void
plan_text(const struct vakt_plan *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_steps && off < len; i++) {
		const struct vakt_step *st = &p->steps[i];
		int n = snprintf(buf + off, len - off, "%s%d|%s|%s|%d",
		    i > 0 ? ";" : "", (int)st->role, st->who, st->number,
		    st->timeout_s);

		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static const char *
replier_name(const struct gen *g, int16_t by)
{
	if (by >= 0)
		return g->coords[by].p.id;
	if (by == REPLY_BEREDSKAP)
		return "beredskap";
	return by == REPLY_FALLBACK ? "fallback" : NULL;
}

static void
caller_number(const struct gen *g, const struct row *r, char out[VAKT_E164_LEN])
{
	if ((size_t)r->sender < g->n_youths)
		(void)vakt_strlcpy(
		    out, g->youths[r->sender].p.phone, VAKT_E164_LEN);
	else
		unknown_phone((size_t)r->sender - g->n_youths, out);
}

static void
contact_bind_times(sqlite3_stmt *s, const struct row *r, const char *by)
{
	bool is_call = r->kind == VAKT_KIND_CALL;

	(void)sqlite3_bind_int64(s, 11, r->received_ms);
	(void)sqlite3_bind_int(s, 12, r->status);
	bind_opt_i64(s, 13, r->missed_reason, r->missed_reason != 0);
	bind_opt_i64(s, 14, r->answered_ms, r->step > 0);
	bind_opt_i64(s, 15, r->step, r->step > 0);
	bind_opt_i64(s, 16, r->role, r->step > 0);
	bind_opt_i64(s, 18, r->ended_ms, r->ended_ms != 0);
	bind_opt_i64(s, 19, r->duration_s, is_call && r->step > 0);
	bind_opt_i64(s, 20, r->reply_ms, r->reply_ms != 0);
	bind_opt_text(s, 21, by);
	bind_opt_i64(s, 22, r->followup_ms, r->followup_ms != 0);
	(void)sqlite3_bind_int(s, 23, r->unconf != 0);
}

static void
contact_write(
    struct writer *w, size_t i, const struct vakt_plan *p, const char *sid)
{
	const struct gen *g = w->g;
	const struct row *r = &g->rows[i];
	sqlite3_stmt *s = w->contact;
	char num[VAKT_E164_LEN], text[512];

	caller_number(g, r, num);
	plan_text(p, text, sizeof(text));
	(void)sqlite3_bind_int64(s, 1, (int64_t)i + 1);
	(void)sqlite3_bind_text(s, 2, g->svc->id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int(s, 3, r->kind);
	(void)sqlite3_bind_text(s, 4, sid, -1, SQLITE_TRANSIENT);
	(void)sqlite3_bind_text(s, 5, num, -1, SQLITE_TRANSIENT);
	bind_opt_text(s, 6,
	    (size_t)r->sender < g->n_youths ? g->youths[r->sender].p.id : NULL);
	bind_opt_text(s, 7, r->coord >= 0 ? g->coords[r->coord].p.id : NULL);
	(void)sqlite3_bind_int(s, 8, r->cat);
	(void)sqlite3_bind_int(s, 9, r->why);
	(void)sqlite3_bind_text(s, 10, text, -1, SQLITE_TRANSIENT);
	bind_opt_text(s, 17, r->step > 0 ? p->steps[r->step - 1].who : NULL);
	contact_bind_times(s, r, replier_name(g, r->replied_by));
	if (sqlite3_step(s) != SQLITE_DONE)
		db_die(w->db, "insert contact");
	(void)sqlite3_reset(s);
}

/* Outcome, confirmed and end of the leg of step k (1..). */
static int
leg_outcome(const struct row *r, int k, int64_t *confirmed, int64_t *ended,
    int64_t next_start)
{
	*confirmed = 0;
	*ended = next_start - STEP_GAP_MS;
	if (k == r->step) {
		*confirmed = r->answered_ms;
		*ended = r->ended_ms;
		return VAKT_LEG_ANSWERED;
	}
	if (k == r->rung && r->status == VAKT_STATUS_MISSED &&
	    r->missed_reason == VAKT_MISSED_HANGUP) {
		*ended = r->ended_ms;
		return VAKT_LEG_CALLER_HANGUP;
	}
	if (r->status == VAKT_STATUS_OPEN) {
		*ended = 0;
		return 0;
	}
	return k == r->unconf ? VAKT_LEG_UNCONFIRMED : VAKT_LEG_NO_ANSWER;
}

static void
legs_write(struct writer *w, size_t i, const struct vakt_plan *p)
{
	const struct row *r = &w->g->rows[i];
	sqlite3_stmt *s = w->leg;
	char sid[35];

	for (int k = 1; k <= r->rung && (size_t)k <= p->n_steps; k++) {
		const struct vakt_step *st = &p->steps[k - 1];
		int64_t confirmed, ended;
		int outcome = leg_outcome(
		    r, k, &confirmed, &ended, leg_start_ms(r, p, k + 1));

		sid_make(&w->rng, "CA", sid);
		(void)sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		(void)sqlite3_bind_int(s, 2, k);
		(void)sqlite3_bind_int(s, 3, (int)st->role);
		(void)sqlite3_bind_text(s, 4, st->who, -1, SQLITE_TRANSIENT);
		(void)sqlite3_bind_text(s, 5, st->number, -1, SQLITE_TRANSIENT);
		(void)sqlite3_bind_text(s, 6, sid, -1, SQLITE_TRANSIENT);
		(void)sqlite3_bind_int64(s, 7, leg_start_ms(r, p, k));
		bind_opt_i64(s, 8, confirmed, confirmed != 0);
		bind_opt_i64(s, 9, ended, ended != 0);
		bind_opt_i64(s, 10, outcome, outcome != 0);
		if (sqlite3_step(s) != SQLITE_DONE)
			db_die(w->db, "insert leg");
		(void)sqlite3_reset(s);
	}
}

static void
writer_open(struct writer *w, const struct gen *g, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->g = g;
	w->rng = g->rng ^ 0x5eed5eed5eedULL;
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		db_die(w->db, path);
	/* A bulk load of a fresh file: a crash means running it again. */
	exec_sql(w->db, "PRAGMA synchronous = OFF");
	exec_sql(w->db, "PRAGMA cache_size = -262144");
	exec_sql(w->db, "PRAGMA foreign_keys = OFF");
	if (sqlite3_prepare_v2(w->db, sql_contact, -1, &w->contact, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, sql_leg, -1, &w->leg, NULL) != SQLITE_OK)
		db_die(w->db, "prepare");
}

static void
rows_write(const struct gen *g, const char *path)
{
	struct writer w;
	struct vakt_plan plan;
	char sid[35];

	writer_open(&w, g, path);
	for (size_t i = 0; i < g->n_rows; i++) {
		const struct row *r = &g->rows[i];

		if (i % TX_ROWS == 0)
			exec_sql(w.db, i == 0 ? "BEGIN" : "COMMIT; BEGIN");
		plan_of(g, r, &plan);
		sid_make(&w.rng, r->kind == VAKT_KIND_CALL ? "CA" : "SM", sid);
		contact_write(&w, i, &plan, sid);
		if (r->kind == VAKT_KIND_CALL)
			legs_write(&w, i, &plan);
	}
	exec_sql(w.db, "COMMIT");
	exec_sql(w.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_finalize(w.contact);
	sqlite3_finalize(w.leg);
	if (sqlite3_close(w.db) != SQLITE_OK)
		db_die(w.db, "close");
}

/* ---------------------------------------------------------------- */

struct opts {
	size_t n, n_coords, n_youths;
	int first, last;
	const char *service, *config, *db;
};

static size_t
count_arg(const char *s, size_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max) {
		fprintf(stderr, "gen_log: %s: want a count 1..%zu\n", s, max);
		exit(EX_DATAERR);
	}
	return (size_t)v;
}

static int
date_arg(const char *s)
{
	int d;

	if (vakt_date_parse(s, &d) == -1) {
		fprintf(stderr, "gen_log: %s: want YYYY-MM-DD\n", s);
		exit(EX_DATAERR);
	}
	return d;
}

static void
opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;

	*o = (struct opts){
	    1000000, 50, 200, 20250101, 20261231, NULL, NULL, NULL};
	while ((ch = getopt(argc, argv, "n:f:t:k:y:s:")) != -1) {
		switch (ch) {
		case 'n':
			o->n = count_arg(optarg, 100000000);
			break;
		case 'f':
			o->first = date_arg(optarg);
			break;
		case 't':
			o->last = date_arg(optarg);
			break;
		case 'k':
			o->n_coords = count_arg(optarg, 2000);
			break;
		case 'y':
			o->n_youths = count_arg(optarg, 100000);
			break;
		case 's':
			o->service = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	o->config = argv[optind];
	o->db = argv[optind + 1];
	if (o->first > o->last) {
		fprintf(stderr, "gen_log: -f must not be after -t\n");
		exit(EX_DATAERR);
	}
}

static const struct vakt_config *
config_load(const char *path)
{
	struct vakt_config *cfg;
	struct vakt_strlist errs = {0};

	if (vakt_config_load(path, &cfg, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		exit(EX_CONFIG);
	}
	vakt_strlist_free(&errs);
	if (setenv("TZ", cfg->timezone, 1) == -1) {
		perror("gen_log: setenv");
		exit(EX_OSERR);
	}
	tzset();
	return cfg;
}

static uint64_t
seed_get(void)
{
	const char *s = getenv("BENCH_SEED");
	char *end;
	uint64_t v;

	if (s == NULL || *s == '\0')
		return DEFAULT_SEED;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0') {
		fprintf(stderr, "gen_log: BENCH_SEED=%s is not a number\n", s);
		exit(EX_DATAERR);
	}
	return v;
}

/* The directory through the store, which also creates the schema. */
static void
store_fill(const struct gen *g, const char *path)
{
	struct vakt_store *st;
	struct vakt_err err;
	int64_t now = g->from_ms - 30 * 24 * HOUR_MS;

	if (access(path, F_OK) == 0) {
		fprintf(stderr, "gen_log: %s exists; remove it first\n", path);
		exit(EX_CANTCREAT);
	}
	if ((st = vakt_store_create(path, 5000, NULL, &err)) == NULL ||
	    directory_write(g, st, now, &err) == -1 ||
	    absences_write(g, st, now, &err) == -1) {
		fprintf(stderr, "gen_log: %s\n", err.msg);
		exit(EX_IOERR);
	}
	vakt_store_close(st);
}

static void
summary(const struct gen *g, double secs)
{
	size_t calls = 0, answered = 0, sms = 0, replied = 0;

	for (size_t i = 0; i < g->n_rows; i++) {
		const struct row *r = &g->rows[i];

		if (r->kind == VAKT_KIND_CALL) {
			calls++;
			answered += r->status == VAKT_STATUS_ANSWERED;
		} else {
			sms++;
			replied += r->status == VAKT_STATUS_ANSWERED;
		}
	}
	printf("gen_log: %zu contacts (%zu calls, %zu answered; %zu SMS, %zu "
	       "replied), service %s, %zu coordinators, %zu youths, %.1f s\n",
	    g->n_rows, calls, answered, sms, replied, g->svc->id, g->n_coords,
	    g->n_youths, secs);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct gen g = {0};
	const struct vakt_config *cfg;
	struct timespec t0, t1;

	opts_parse(argc, argv, &o);
	cfg = config_load(o.config);
	g.svc = o.service != NULL ? vakt_config_service_by_id(cfg, o.service)
	                          : &cfg->services[0];
	if (g.svc == NULL) {
		fprintf(stderr, "gen_log: no service \"%s\" in %s\n", o.service,
		    o.config);
		exit(EX_DATAERR);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	vakt_calendar_tz_system(&g.tz);
	g.rng = seed_get();
	printf("gen_log: seed 0x%" PRIx64 " (BENCH_SEED overrides), %d..%d, "
	       "TZ %s\n",
	    g.rng, o.first, o.last, cfg->timezone);
	g.first = o.first;
	g.last = o.last;
	g.from_ms = midnight_ms(&g, o.first);
	g.to_ms = midnight_ms(&g, date_add(o.last, 1));
	g.n_coords = o.n_coords;
	g.n_youths = o.n_youths;
	coords_make(&g);
	youths_make(&g);
	store_fill(&g, o.db);
	contacts_make(&g, o.n);
	rows_write(&g, o.db);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	summary(&g,
	    (double)(t1.tv_sec - t0.tv_sec) +
	        (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
