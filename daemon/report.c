/*
 * report.c: response-time measures from the contact log, rendered as a
 * text table, CSV, JSON or one self-contained HTML page.
 *
 * Exports the functions of vakt/report.h.  Pure: rows come in through
 * vakt_report_add(), local time only through params->tz, "now" from
 * params->now_ms.  One pass over the rows, O(1) per row: a cached
 * UTC -> local conversion, two hash look-ups (the chosen grouping and
 * the per-coordinator table of the HTML page) and appends to value
 * arrays, so a year of contacts aggregates in a fraction of a second.
 * Percentiles are found by selection (no full sort) once, when the
 * report is first rendered.
 *
 * Suppression for external reports happens only when figures are
 * shown (figures_of()): the measures themselves are always exact.
 */
#include "vakt/report.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/csv.h"
#include "vakt/log.h"
#include "vakt/router.h"
#include "vakt/util.h"

#define MS_PER_S          1000
#define S_PER_HOUR        3600
#define S_PER_DAY         86400
#define DEFAULT_ABANDON_S 5 /* short_abandon_s of a service not in cfg */
#define SMALL_CELL        5 /* external reports hide counts below this */
#define FU_15M_MS         ((int64_t)15 * 60 * MS_PER_S)
#define FU_1H_MS          ((int64_t)60 * 60 * MS_PER_S)
#define WORKDAY_AHEAD     400 /* days searched for the next working day */
#define KEY_LEN           16  /* "2026-11-23" and the other time keys */
#define N_BUCKETS         9   /* time-to-answer histogram */
#define DASH              "\xe2\x80\x93" /* U+2013, shown for null */

/* Upper bounds (exclusive, seconds) of the histogram buckets but the last. */
static const int bucket_upper_s[N_BUCKETS - 1] = {
    5, 10, 20, 30, 45, 60, 90, 120};

/* ---------------------------------------------------------------- */
/* Small arithmetic. */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Weekday of a day number, 0 = Sunday; 1970-01-01 was a Thursday. */
static int
wday_of(int64_t days)
{
	return (int)floor_mod(days + 4, 7);
}

/* Day number of the Monday of the ISO week holding days. */
static int64_t
monday_of(int64_t days)
{
	return days - (wday_of(days) + 6) % 7;
}

/* ISO 8601 week-numbering year and week: the week's Thursday decides. */
static void
iso_week(int64_t days, int *year, int *week)
{
	int64_t thursday = monday_of(days) + 3;
	int month, day;

	vakt_civil_from_days(thursday, year, &month, &day);
	*week = (int)((thursday - vakt_days_from_civil(*year, 1, 1)) / 7) + 1;
}

static int64_t
days_of_date(int date)
{
	return vakt_days_from_civil(date / 10000, date / 100 % 100, date % 100);
}

static bool
date_ok(int date)
{
	return vakt_date_valid(date / 10000, date / 100 % 100, date % 100);
}

static int
date_of_days(int64_t days)
{
	int y, m, d;

	vakt_civil_from_days(days, &y, &m, &d);
	return vakt_date_make(y, m, d);
}

/* Write v as exactly width decimal digits (v >= 0, fits). */
static char *
put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static const char *
or_default(const char *s, const char *dflt)
{
	return s == NULL || *s == '\0' ? dflt : s;
}

/* FNV-1a: small keys, no adversary (they come from our own database). */
static uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ULL

/* ---------------------------------------------------------------- */
/* Measures of one group. */

/* Durations of one measure; the percentiles are set by vals_finish(). */
struct vals {
	int64_t *v; /* milliseconds, >= 0, in no particular order */
	size_t n, cap;
	int64_t p50, p90, max;
};

/*
 * The response-time measures (report.h) for one group: plain counters, plus the
 * durations that percentiles need.  Counters are 64-bit: a report may
 * span many years of a regional host.
 */
struct measures {
	uint64_t offered, answered, short_abandons, missed, missed_hangup,
	    missed_exhausted, unresolved, voicemail_legs;
	uint64_t within; /* answered within params.within_s */
	uint64_t by_role[VAKT_ROLE_COUNT];
	uint64_t depth[VAKT_PLAN_MAX];
	uint64_t fu_missed, fu_15m, fu_1h, fu_nwd, fu_never;
	uint64_t sms_received, sms_replied, sms_unanswered;
	struct vals tta, fu, sms;
};

/* How a call ended, as the measures count it. */
enum call_end {
	C_OTHER,
	C_ANSWERED,
	C_SHORT, /* short abandon */
	C_MISSED,
	C_OPEN,
};

/* What one row adds to each group it falls in; computed once per row. */
struct contrib {
	bool is_call, is_sms;
	enum call_end call;
	int reason;      /* C_MISSED: enum vakt_missed */
	int role, step;  /* C_ANSWERED: -1 / 0 when unknown */
	int64_t tta_ms;  /* C_ANSWERED: -1 when unknown */
	bool is_within;  /* answered within T */
	int unconfirmed; /* voicemail-answered legs */
	bool is_fu;      /* missed, short abandons included */
	int64_t fu_ms;   /* -1: never followed up */
	bool fu_15m, fu_1h, fu_nwd;
	bool sms_replied, sms_open;
	int64_t sms_resp_ms; /* -1: not the first message of a thread */
};

static void
vals_push(struct vals *a, int64_t ms)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 16 : a->cap * 2;
		a->v = vakt_xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = ms;
}

static int64_t
median3(int64_t a, int64_t b, int64_t c)
{
	if (a > b) {
		int64_t t = a;

		a = b;
		b = t;
	}
	return c < a ? a : c > b ? b : c;
}

/*
 * Move the k-th smallest of v[0..n) to v[k], with nothing larger before
 * it and nothing smaller after (Hoare's selection: O(n) on average, so
 * a year of contacts needs no full sort for three ranks).
 */
static void
select_kth(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		int64_t pivot = median3(v[lo], v[lo + (hi - lo) / 2], v[hi]);
		ptrdiff_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		/* Now v[lo..j] <= pivot <= v[i..hi], and between: pivot. */
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			return;
	}
}

/* Nearest rank (1..n): the smallest value with p % at or below it. */
static size_t
nearest_rank(size_t n, size_t p)
{
	size_t rank = (n * p + 99) / 100;

	return rank > 0 ? rank : 1;
}

static void
vals_finish(struct vals *a)
{
	size_t k50, k90;

	if (a->n == 0)
		return;
	k50 = nearest_rank(a->n, 50) - 1;
	k90 = nearest_rank(a->n, 90) - 1;
	select_kth(a->v, a->n, k50);
	a->p50 = a->v[k50];
	/* The 90th is at or after the 50th: search only the rest. */
	select_kth(a->v + k50, a->n - k50, k90 - k50);
	a->p90 = a->v[k90];
	a->max = a->p90;
	for (size_t i = k90 + 1; i < a->n; i++)
		a->max = a->v[i] > a->max ? a->v[i] : a->max;
}

static void
measures_finish(struct measures *m)
{
	vals_finish(&m->tta);
	vals_finish(&m->fu);
	vals_finish(&m->sms);
}

static void
measures_free(struct measures *m)
{
	free(m->tta.v);
	free(m->fu.v);
	free(m->sms.v);
}

static void
calls_add(struct measures *m, const struct contrib *c)
{
	m->offered++;
	m->voicemail_legs += (uint64_t)c->unconfirmed;
	switch (c->call) {
	case C_ANSWERED:
		m->answered++;
		if (c->role >= 0 && c->role < VAKT_ROLE_COUNT)
			m->by_role[c->role]++;
		if (c->step >= 1 && c->step <= VAKT_PLAN_MAX)
			m->depth[c->step - 1]++;
		if (c->tta_ms >= 0)
			vals_push(&m->tta, c->tta_ms);
		m->within += c->is_within;
		break;
	case C_SHORT:
		m->short_abandons++;
		break;
	case C_MISSED:
		m->missed++;
		m->missed_hangup += c->reason == VAKT_MISSED_HANGUP;
		m->missed_exhausted += c->reason == VAKT_MISSED_EXHAUSTED;
		break;
	case C_OPEN:
		/* Still ringing: offered and in the service-level divisor,
		 * as nobody has answered it within T yet. */
		m->unresolved++;
		break;
	case C_OTHER:
		break;
	}
}

/* Shares are of every missed call, short abandons included (§7). */
static void
followup_add(struct measures *m, const struct contrib *c)
{
	m->fu_missed++;
	if (c->fu_ms < 0) {
		m->fu_never++;
		return;
	}
	vals_push(&m->fu, c->fu_ms);
	m->fu_15m += c->fu_15m;
	m->fu_1h += c->fu_1h;
	m->fu_nwd += c->fu_nwd;
}

static void
measures_add(struct measures *m, const struct contrib *c)
{
	if (c->is_call) {
		calls_add(m, c);
		if (c->is_fu)
			followup_add(m, c);
	} else if (c->is_sms) {
		m->sms_received++;
		m->sms_replied += c->sms_replied;
		m->sms_unanswered += c->sms_open;
		if (c->sms_resp_ms >= 0)
			vals_push(&m->sms, c->sms_resp_ms);
	}
}

/* ---------------------------------------------------------------- */
/* Groups: a hash map from key to group, in creation order. */

struct group {
	char *key;
	uint64_t hash;
	int rank; /* sorts before the key: categories in enum order */
	struct measures m;
};

/*
 * Open addressing with linear probing over indexes into v: growing the
 * table moves only indexes, and v keeps the order of creation, which is
 * the order the empty time groups were made in.
 */
struct gmap {
	struct group *v;
	size_t n, cap;
	size_t *slot;  /* index + 1 into v; 0 is empty */
	size_t n_slot; /* a power of two, at most 3/4 full */
};

static size_t
gmap_probe(const struct gmap *g, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (g->n_slot - 1);

	while (g->slot[i] != 0) {
		const struct group *e = &g->v[g->slot[i] - 1];

		if (e->hash == h && strcmp(e->key, key) == 0)
			break;
		i = (i + 1) & (g->n_slot - 1);
	}
	return i;
}

static void
gmap_grow(struct gmap *g)
{
	size_t n_slot = g->n_slot == 0 ? 64 : g->n_slot * 2;

	free(g->slot);
	g->slot = vakt_xcalloc(n_slot, sizeof(*g->slot));
	g->n_slot = n_slot;
	for (size_t k = 0; k < g->n; k++)
		g->slot[gmap_probe(g, g->v[k].key, g->v[k].hash)] = k + 1;
}

/*
 * The group of key, created (empty) on first use.  Valid until the next
 * call: the array may move.  Allocates only when a group is new.
 */
static struct group *
gmap_get(struct gmap *g, const char *key, int rank)
{
	uint64_t h = hash_str(HASH_SEED, key);
	size_t i;

	if ((g->n + 1) * 4 > g->n_slot * 3)
		gmap_grow(g);
	i = gmap_probe(g, key, h);
	if (g->slot[i] != 0)
		return &g->v[g->slot[i] - 1];
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : g->cap * 2;
		g->v = vakt_xreallocarray(g->v, g->cap, sizeof(*g->v));
	}
	memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
	g->v[g->n].key = vakt_xstrdup(key);
	g->v[g->n].hash = h;
	g->v[g->n].rank = rank;
	g->slot[i] = ++g->n;
	return &g->v[g->n - 1];
}

static void
gmap_free(struct gmap *g)
{
	for (size_t k = 0; k < g->n; k++) {
		free(g->v[k].key);
		measures_free(&g->v[k].m);
	}
	free(g->v);
	free(g->slot);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *)a;
	const struct group *y = *(const struct group *const *)b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	/* Time keys (2026-11-23, 2026-W48, 2026-11, 2026-T3) sort by date. */
	return strcmp(x->key, y->key);
}

/* The groups in report order; caller frees the array (not the groups). */
static const struct group **
gmap_sorted(const struct gmap *g)
{
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	const struct group **v = vakt_xcalloc(g->n + 1, sizeof(*v));

	for (size_t k = 0; k < g->n; k++)
		v[k] = &g->v[k];
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	qsort(v, g->n, sizeof(*v), cmp_group);
	return v;
}

/* ---------------------------------------------------------------- */
/* SMS threads: (service, youth or caller, reply) seen so far. */

/*
 * A thread is the youth's messages up to one staff reply: every message
 * that reply answered carries the same reply_ms, so (service, youth or
 * caller, reply_ms) names it, and the first row seen opened it.  Keys
 * live in one arena: no allocation per thread beyond its growth.
 */
struct thread {
	uint64_t hash;
	int64_t reply_ms;
	size_t off; /* "service\0who\0" in the arena; SIZE_MAX: empty */
};

struct threads {
	struct thread *slot;
	size_t n, n_slot;
	struct vakt_buf arena;
};

static uint64_t
thread_hash(const char *service, const char *who, int64_t reply_ms)
{
	uint64_t h = hash_str(hash_str(HASH_SEED, service) * 31, who);

	return (h ^ (uint64_t)reply_ms) * 0x9e3779b97f4a7c15ULL;
}

static size_t
threads_probe(const struct threads *t, const char *service, const char *who,
    int64_t reply_ms, uint64_t h)
{
	size_t i = (size_t)h & (t->n_slot - 1);

	for (; t->slot[i].off != SIZE_MAX; i = (i + 1) & (t->n_slot - 1)) {
		const struct thread *e = &t->slot[i];
		const char *k = t->arena.p + e->off;

		if (e->hash == h && e->reply_ms == reply_ms &&
		    strcmp(k, service) == 0 &&
		    strcmp(k + strlen(k) + 1, who) == 0)
			break;
	}
	return i;
}

static void
threads_grow(struct threads *t)
{
	struct thread *old = t->slot;
	size_t n_old = t->n_slot;

	t->n_slot = n_old == 0 ? 256 : n_old * 2;
	t->slot = vakt_xcalloc(t->n_slot, sizeof(*t->slot));
	for (size_t i = 0; i < t->n_slot; i++)
		t->slot[i].off = SIZE_MAX;
	for (size_t i = 0; i < n_old; i++) {
		size_t j;

		if (old[i].off == SIZE_MAX)
			continue;
		j = (size_t)old[i].hash & (t->n_slot - 1);
		while (t->slot[j].off != SIZE_MAX)
			j = (j + 1) & (t->n_slot - 1);
		t->slot[j] = old[i];
	}
	free(old);
}

/* True the first time a thread is seen (then it is remembered). */
static bool
threads_first(
    struct threads *t, const char *service, const char *who, int64_t reply_ms)
{
	uint64_t h = thread_hash(service, who, reply_ms);
	size_t i;

	if ((t->n + 1) * 4 > t->n_slot * 3)
		threads_grow(t);
	i = threads_probe(t, service, who, reply_ms, h);
	if (t->slot[i].off != SIZE_MAX)
		return false;
	t->slot[i].hash = h;
	t->slot[i].reply_ms = reply_ms;
	t->slot[i].off = t->arena.len;
	vakt_buf_add(&t->arena, service, strlen(service) + 1);
	vakt_buf_add(&t->arena, who, strlen(who) + 1);
	t->n++;
	return true;
}

/* ---------------------------------------------------------------- */
/* The report. */

/*
 * A service as the report needs it, with its next-working-day cache:
 * rows come in received order, so consecutive missed calls mostly share
 * a local day and one calendar search serves them all.
 */
struct svc_state {
	const char *id; /* borrowed from the config; NULL: not in it */
	const struct vakt_calendar *cal;
	int abandon_s;
	int64_t nwd_day;      /* local day of the cached deadline */
	int64_t nwd_close_ms; /* close of the next working day after it */
};

/* Local time of one instant, as the report uses it. */
struct local {
	int64_t days; /* local day number since 1970-01-01 */
	int hour, wday;
};

/* Service level of one ISO week, for the HTML chart. */
struct week_sl {
	uint64_t denom; /* offered - short abandons */
	uint64_t within;
};

struct vakt_report {
	struct vakt_report_params p;
	char *service; /* own copy of p.service */
	struct svc_state *svcs;
	size_t n_svcs, last_svc;
	struct svc_state other; /* services missing from the config */
	struct vakt_calendar dflt_cal;
	struct gmap groups; /* by p.by */
	struct gmap coords; /* by coordinator; unused when p.by is that */
	struct measures total;
	struct threads threads;
	struct week_sl *weeks;
	size_t n_weeks;
	int64_t first_monday;
	uint64_t heat[7][24]; /* Monday first, local hours */
	uint64_t buckets[N_BUCKETS];
	int64_t hc_utc_s;   /* start of the cached UTC hour, or INT64_MIN */
	int64_t hc_local_s; /* its local time in seconds of the day count */
	bool is_final;      /* percentiles are up to date */
};

int
vakt_report_parse_by(const char *s, enum vakt_report_by *out)
{
	for (int b = VAKT_BY_NONE; b <= VAKT_BY_TERTIAL; b++) {
		if (strcmp(s, vakt_report_by_name((enum vakt_report_by)b)) ==
		    0) {
			*out = (enum vakt_report_by)b;
			return 0;
		}
	}
	return -1;
}

const char *
vakt_report_by_name(enum vakt_report_by by)
{
	switch (by) {
	case VAKT_BY_NONE:
		return "none";
	case VAKT_BY_SERVICE:
		return "service";
	case VAKT_BY_COORDINATOR:
		return "coordinator";
	case VAKT_BY_YOUTH:
		return "youth";
	case VAKT_BY_CATEGORY:
		return "category";
	case VAKT_BY_DAY:
		return "day";
	case VAKT_BY_WEEK:
		return "week";
	case VAKT_BY_MONTH:
		return "month";
	case VAKT_BY_TERTIAL:
		return "tertial";
	}
	return "unknown";
}

int
vakt_report_parse_format(const char *s, enum vakt_report_format *out)
{
	static const char *const names[] = {"text", "csv", "json", "html"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum vakt_report_format)i;
			return 0;
		}
	}
	return -1;
}

/* ---------------------------------------------------------------- */
/* Periods. */

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The value of n digits (checked with all_digits()). */
static int
digits_value(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int
week_period(
    const char *s, int year, int week, int *from, int *to, struct vakt_err *err)
{
	int weeks, y;
	int64_t jan4 = vakt_days_from_civil(year, 1, 4), monday;

	/* 28 December is always in the last ISO week of its year. */
	iso_week(vakt_days_from_civil(year, 12, 28), &y, &weeks);
	if (week < 1 || week > weeks) {
		vakt_err_data(err,
		    "period \"%.32s\": %d has weeks W01 to W%02d", s, year,
		    weeks);
		return -1;
	}
	monday = monday_of(jan4) + 7 * (int64_t)(week - 1);
	*from = date_of_days(monday);
	*to = date_of_days(monday + 6);
	if (!date_ok(*from) || !date_ok(*to)) {
		vakt_err_data(err,
		    "period \"%.32s\": the week reaches outside %d..%d", s,
		    VAKT_YEAR_MIN, VAKT_YEAR_MAX);
		return -1;
	}
	return 0;
}

static int
month_period(const char *s, int year, int month, int *from, int *to,
    struct vakt_err *err)
{
	if (month < 1 || month > 12) {
		vakt_err_data(err, "period \"%.32s\": a month is 01 to 12", s);
		return -1;
	}
	*from = vakt_date_make(year, month, 1);
	*to = vakt_date_make(year, month, vakt_days_in_month(year, month));
	return 0;
}

static int
tertial_period(
    const char *s, int year, int t, int *from, int *to, struct vakt_err *err)
{
	if (t < 1 || t > 3) {
		vakt_err_data(
		    err, "period \"%.32s\": a tertial is T1, T2 or T3", s);
		return -1;
	}
	*from = vakt_date_make(year, 4 * t - 3, 1);
	*to = vakt_date_make(year, 4 * t, vakt_days_in_month(year, 4 * t));
	return 0;
}

int
vakt_report_parse_period(
    const char *s, int *from_date, int *to_date, struct vakt_err *err)
{
	size_t len = strlen(s);
	int year;

	if (len < 4 || !all_digits(s, 4) || (len > 4 && s[4] != '-'))
		goto bad;
	year = digits_value(s, 4);
	if (year < VAKT_YEAR_MIN || year > VAKT_YEAR_MAX) {
		vakt_err_data(err, "period \"%.32s\": the year must be %d..%d",
		    s, VAKT_YEAR_MIN, VAKT_YEAR_MAX);
		return -1;
	}
	if (len == 4) {
		*from_date = vakt_date_make(year, 1, 1);
		*to_date = vakt_date_make(year, 12, 31);
		return 0;
	}
	if (len == 7 && all_digits(s + 5, 2))
		return month_period(
		    s, year, digits_value(s + 5, 2), from_date, to_date, err);
	if (len == 7 && s[5] == 'T' && all_digits(s + 6, 1))
		return tertial_period(
		    s, year, s[6] - '0', from_date, to_date, err);
	if (len == 8 && s[5] == 'W' && all_digits(s + 6, 2))
		return week_period(
		    s, year, digits_value(s + 6, 2), from_date, to_date, err);
bad:
	vakt_err_data(err,
	    "period \"%.32s\": expected YYYY, YYYY-MM, YYYY-Tn or YYYY-Www", s);
	return -1;
}

/* Local midnight at the start of day (a day number) as UTC ms. */
static int
midnight_ms(const struct vakt_tz *tz, int64_t day, int64_t *ms)
{
	int y, m, d;

	vakt_civil_from_days(day, &y, &m, &d);
	return vakt_calendar_utc(tz, y, m, d, 0, 0, 0, ms);
}

static int
period_end_ms(const struct vakt_tz *tz, int to_date, int64_t *ms)
{
	int y = to_date / 10000, m = to_date / 100 % 100, d = to_date % 100;

	if (midnight_ms(tz, days_of_date(to_date) + 1, ms) == 0)
		return 0;
	/* The day after 2200-12-31 is past the calendar's range. */
	if (vakt_calendar_utc(tz, y, m, d, 23, 59, 59, ms) == -1)
		return -1;
	*ms += MS_PER_S;
	return 0;
}

int
vakt_report_bounds(struct vakt_report_params *p, struct vakt_err *err)
{
	char from[11], to[11];

	if (!date_ok(p->from_date) || !date_ok(p->to_date)) {
		vakt_err_data(err, "dates must be real dates in %d..%d",
		    VAKT_YEAR_MIN, VAKT_YEAR_MAX);
		return -1;
	}
	vakt_date_format(p->from_date, from);
	vakt_date_format(p->to_date, to);
	if (p->from_date > p->to_date) {
		vakt_err_data(err, "from %s is after to %s", from, to);
		return -1;
	}
	if (midnight_ms(p->tz, days_of_date(p->from_date), &p->from_ms) == -1 ||
	    period_end_ms(p->tz, p->to_date, &p->to_ms) == -1) {
		vakt_err_set(
		    err, "local time of %s..%s cannot be computed", from, to);
		return -1;
	}
	if (p->label[0] == '\0')
		(void)snprintf(p->label, sizeof(p->label), "%s..%s", from, to);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Local time, with a cache per UTC hour. */

static int
local_seconds(const struct vakt_tz *tz, int64_t utc_s, int64_t *ls)
{
	struct vakt_civil c;

	if (vakt_calendar_civil(tz, utc_s * MS_PER_S, &c) == -1)
		return -1;
	*ls = vakt_days_from_civil(c.year, c.month, c.day) * S_PER_DAY +
	    (int64_t)c.hour * S_PER_HOUR + (int64_t)c.min * 60 + c.sec;
	return 0;
}

/*
 * Cache the local time of the UTC hour starting at h, unless the offset
 * changes inside it (then every instant of that hour is converted).
 * Rows come in received order, so one conversion serves a whole hour.
 */
static void
hour_cache_fill(struct vakt_report *r, int64_t h)
{
	int64_t a, b;

	r->hc_utc_s = INT64_MIN;
	if (local_seconds(r->p.tz, h, &a) == -1 ||
	    local_seconds(r->p.tz, h + S_PER_HOUR - 1, &b) == -1 ||
	    b - a != S_PER_HOUR - 1)
		return;
	r->hc_utc_s = h;
	r->hc_local_s = a;
}

static void
local_of(struct vakt_report *r, int64_t ms, struct local *out)
{
	int64_t t = floor_div(ms, MS_PER_S), h = t - floor_mod(t, S_PER_HOUR);
	int64_t ls, sec;

	if (h != r->hc_utc_s)
		hour_cache_fill(r, h);
	if (h == r->hc_utc_s)
		ls = r->hc_local_s + (t - h);
	else if (local_seconds(r->p.tz, t, &ls) == -1)
		ls = t; /* a failing converter reads as UTC: keep the row */
	out->days = floor_div(ls, S_PER_DAY);
	sec = ls - out->days * S_PER_DAY;
	out->hour = (int)(sec / S_PER_HOUR);
	out->wday = wday_of(out->days);
}

/* ---------------------------------------------------------------- */
/* Services and the next working day. */

/* Linear: a host runs a handful of services; the last hit is tried first. */
static struct svc_state *
svc_of(struct vakt_report *r, const char *id)
{
	if (r->last_svc < r->n_svcs && strcmp(r->svcs[r->last_svc].id, id) == 0)
		return &r->svcs[r->last_svc];
	for (size_t i = 0; i < r->n_svcs; i++) {
		if (strcmp(r->svcs[i].id, id) == 0) {
			r->last_svc = i;
			return &r->svcs[i];
		}
	}
	return &r->other;
}

/* UTC ms of close_min on local day; a close of 24:00 is the next 00:00. */
static int
close_ms(const struct vakt_tz *tz, int64_t day, int close_min, int64_t *ms)
{
	int y, m, d;

	if (close_min >= 24 * 60)
		return midnight_ms(tz, day + 1, ms);
	vakt_civil_from_days(day, &y, &m, &d);
	return vakt_calendar_utc(
	    tz, y, m, d, close_min / 60, close_min % 60, 0, ms);
}

/*
 * Close of the first working day strictly after local day, as UTC ms;
 * INT64_MIN (met by no follow-up) when there is none within a year or
 * local time fails.
 */
static int64_t
next_working_close(
    const struct vakt_tz *tz, const struct vakt_calendar *cal, int64_t day)
{
	struct vakt_hours h;
	int64_t ms;

	for (int64_t d = day + 1; d <= day + WORKDAY_AHEAD; d++) {
		if (!vakt_calendar_working_day(cal, date_of_days(d), &h))
			continue;
		return close_ms(tz, d, h.close_min, &ms) == 0 ? ms : INT64_MIN;
	}
	return INT64_MIN;
}

static int64_t
nwd_deadline(struct vakt_report *r, struct svc_state *s, int64_t day)
{
	if (s->nwd_day != day) {
		s->nwd_day = day;
		s->nwd_close_ms = next_working_close(r->p.tz, s->cal, day);
	}
	return s->nwd_close_ms;
}

static void
svc_init(struct svc_state *s, const char *id, const struct vakt_calendar *cal,
    int abandon_s)
{
	s->id = id;
	s->cal = cal;
	s->abandon_s = abandon_s;
	s->nwd_day = INT64_MIN;
	s->nwd_close_ms = INT64_MIN;
}

static void
svcs_init(struct vakt_report *r)
{
	const struct vakt_config *cfg = r->p.cfg;

	/* A service missing from the config: Norway, Mon-Fri 08-20. */
	r->dflt_cal.country = VAKT_COUNTRY_NO;
	r->dflt_cal.days = 0x3e;
	r->dflt_cal.hours.open_min = 8 * 60;
	r->dflt_cal.hours.close_min = 20 * 60;
	svc_init(&r->other, NULL, &r->dflt_cal, DEFAULT_ABANDON_S);
	if (cfg == NULL || cfg->n_services == 0)
		return;
	r->svcs = vakt_xcalloc(cfg->n_services, sizeof(*r->svcs));
	r->n_svcs = cfg->n_services;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct vakt_service *s = &cfg->services[i];

		svc_init(&r->svcs[i], s->id, &s->cal, s->short_abandon_s);
	}
}

/* ---------------------------------------------------------------- */
/* Group keys. */

/* "2026-11-23", "2026-W48", "2026-11" or "2026-T3" of a local day. */
static void
time_key(enum vakt_report_by by, int64_t days, char buf[KEY_LEN])
{
	int y, m, d, w;
	char *p = buf;

	vakt_civil_from_days(days, &y, &m, &d);
	if (by == VAKT_BY_WEEK) {
		iso_week(days, &y, &w);
		p = put_digits(p, y, 4);
		*p++ = '-';
		*p++ = 'W';
		p = put_digits(p, w, 2);
	} else if (by == VAKT_BY_TERTIAL) {
		p = put_digits(p, y, 4);
		*p++ = '-';
		*p++ = 'T';
		p = put_digits(p, (m - 1) / 4 + 1, 1);
	} else {
		p = put_digits(p, y, 4);
		*p++ = '-';
		p = put_digits(p, m, 2);
		if (by == VAKT_BY_DAY) {
			*p++ = '-';
			p = put_digits(p, d, 2);
		}
	}
	*p = '\0';
}

static const char *
group_key(enum vakt_report_by by, const struct vakt_report_row *row,
    const struct local *lt, char buf[KEY_LEN], int *rank)
{
	*rank = 0;
	switch (by) {
	case VAKT_BY_NONE:
		return "total";
	case VAKT_BY_SERVICE:
		return nz(row->service);
	case VAKT_BY_COORDINATOR: /* "none" after the coordinators */
		*rank = nz(row->coordinator)[0] == '\0';
		return or_default(row->coordinator, "none");
	case VAKT_BY_YOUTH: /* "unknown" after the codes */
		*rank = nz(row->youth)[0] == '\0';
		return or_default(row->youth, "unknown");
	case VAKT_BY_CATEGORY:
		*rank = (unsigned)row->cat < VAKT_CAT_COUNT ? (int)row->cat
		                                            : VAKT_CAT_COUNT;
		return vakt_calendar_category_name(row->cat);
	case VAKT_BY_DAY:
	case VAKT_BY_WEEK:
	case VAKT_BY_MONTH:
	case VAKT_BY_TERTIAL:
		break;
	}
	time_key(by, lt->days, buf);
	return buf;
}

/*
 * Groups that are listed even when empty, so that a week without
 * contacts shows as zeros rather than vanishing from the report.
 */
static void
groups_prefill(struct vakt_report *r)
{
	const struct vakt_report_params *p = &r->p;
	char key[KEY_LEN];

	if (p->by == VAKT_BY_SERVICE && r->service != NULL)
		(void)gmap_get(&r->groups, r->service, 0);
	else if (p->by == VAKT_BY_SERVICE)
		for (size_t i = 0; i < r->n_svcs; i++)
			(void)gmap_get(&r->groups, r->svcs[i].id, 0);
	if (p->by == VAKT_BY_CATEGORY)
		for (int c = 0; c < VAKT_CAT_COUNT; c++)
			(void)gmap_get(&r->groups,
			    vakt_calendar_category_name((enum vakt_category)c),
			    c);
	if (p->by < VAKT_BY_DAY || !date_ok(p->from_date) ||
	    !date_ok(p->to_date))
		return;
	for (int64_t d = days_of_date(p->from_date);
	     d <= days_of_date(p->to_date); d++) {
		time_key(p->by, d, key);
		(void)gmap_get(&r->groups, key, 0);
	}
}

static void
weeks_init(struct vakt_report *r)
{
	int64_t first, last;

	if (!date_ok(r->p.from_date) || !date_ok(r->p.to_date) ||
	    r->p.from_date > r->p.to_date)
		return;
	first = monday_of(days_of_date(r->p.from_date));
	last = monday_of(days_of_date(r->p.to_date));
	r->first_monday = first;
	r->n_weeks = (size_t)((last - first) / 7 + 1);
	r->weeks = vakt_xcalloc(r->n_weeks, sizeof(*r->weeks));
}

struct vakt_report *
vakt_report_new(const struct vakt_report_params *p)
{
	struct vakt_report *r = vakt_xcalloc(1, sizeof(*r));

	r->p = *p;
	if (p->service != NULL) {
		r->service = vakt_xstrdup(p->service);
		r->p.service = r->service;
	}
	if (r->p.within_s <= 0)
		r->p.within_s = 30;
	r->hc_utc_s = INT64_MIN;
	svcs_init(r);
	groups_prefill(r);
	weeks_init(r);
	return r;
}

void
vakt_report_free(struct vakt_report *r)
{
	if (r == NULL)
		return;
	gmap_free(&r->groups);
	gmap_free(&r->coords);
	measures_free(&r->total);
	free(r->threads.slot);
	vakt_buf_free(&r->threads.arena);
	free(r->weeks);
	free(r->svcs);
	free(r->service);
	free(r);
}

/* ---------------------------------------------------------------- */
/* One row. */

static bool
is_short_abandon(const struct svc_state *s, const struct vakt_report_row *row)
{
	return row->missed_reason == VAKT_MISSED_HANGUP && row->ended_ms != 0 &&
	    row->ended_ms - row->received_ms < (int64_t)s->abandon_s * MS_PER_S;
}

static int64_t
elapsed_ms(int64_t from, int64_t to)
{
	return to > from ? to - from : 0;
}

static void
followup_contrib(struct vakt_report *r, struct svc_state *s,
    const struct vakt_report_row *row, const struct local *lt,
    struct contrib *c)
{
	c->is_fu = true;
	if (row->followup_ms == 0)
		return;
	c->fu_ms = elapsed_ms(row->received_ms, row->followup_ms);
	c->fu_15m = c->fu_ms <= FU_15M_MS;
	c->fu_1h = c->fu_ms <= FU_1H_MS;
	c->fu_nwd = row->followup_ms <= nwd_deadline(r, s, lt->days);
}

static void
call_contrib(struct vakt_report *r, const struct vakt_report_row *row,
    const struct local *lt, struct contrib *c)
{
	struct svc_state *s = svc_of(r, nz(row->service));

	c->is_call = true;
	c->unconfirmed = row->unconfirmed_legs > 0 ? row->unconfirmed_legs : 0;
	switch (row->status) {
	case VAKT_STATUS_ANSWERED:
		c->call = C_ANSWERED;
		c->role = row->answered_role;
		c->step = row->answered_step;
		if (row->answered_ms != 0)
			c->tta_ms =
			    elapsed_ms(row->received_ms, row->answered_ms);
		c->is_within = c->tta_ms >= 0 &&
		    c->tta_ms <= (int64_t)r->p.within_s * MS_PER_S;
		break;
	case VAKT_STATUS_MISSED:
		c->call = is_short_abandon(s, row) ? C_SHORT : C_MISSED;
		c->reason = row->missed_reason;
		followup_contrib(r, s, row, lt, c);
		break;
	case VAKT_STATUS_OPEN:
		c->call = C_OPEN;
		break;
	default:
		c->call = C_OTHER;
	}
}

static void
sms_contrib(
    struct vakt_report *r, const struct vakt_report_row *row, struct contrib *c)
{
	const char *who = or_default(row->youth, nz(row->caller));

	c->is_sms = true;
	c->sms_replied = row->reply_ms != 0;
	c->sms_open = row->status == VAKT_STATUS_OPEN;
	/* Rows come in received order: the first one seen opened it. */
	if (c->sms_replied &&
	    threads_first(&r->threads, nz(row->service), who, row->reply_ms))
		c->sms_resp_ms = elapsed_ms(row->received_ms, row->reply_ms);
}

static int
bucket_of(int64_t tta_ms)
{
	int64_t s = tta_ms / MS_PER_S;
	int b = 0;

	while (b < N_BUCKETS - 1 && s >= bucket_upper_s[b])
		b++;
	return b;
}

/* What only the HTML page shows: heat map, histogram, weekly level. */
static void
page_add(struct vakt_report *r, const struct local *lt, const struct contrib *c)
{
	int64_t w = (monday_of(lt->days) - r->first_monday) / 7;

	r->heat[(lt->wday + 6) % 7][lt->hour]++;
	if (!c->is_call || c->call == C_SHORT)
		return;
	if (c->tta_ms >= 0)
		r->buckets[bucket_of(c->tta_ms)]++;
	if (w >= 0 && (uint64_t)w < r->n_weeks) {
		r->weeks[w].denom++;
		r->weeks[w].within += c->is_within;
	}
}

/*
 * The store already scans only the period and service; checking again
 * keeps the report right when fed by anything else (tests, imports).
 */
static bool
row_wanted(const struct vakt_report *r, const struct vakt_report_row *row)
{
	if (row->received_ms < r->p.from_ms || row->received_ms >= r->p.to_ms)
		return false;
	return r->service == NULL || strcmp(nz(row->service), r->service) == 0;
}

int
vakt_report_add(void *report, const struct vakt_report_row *row)
{
	struct vakt_report *r = report;
	struct contrib c = {
	    .role = -1, .tta_ms = -1, .fu_ms = -1, .sms_resp_ms = -1};
	struct local lt;
	char key[KEY_LEN];
	const char *k;
	int rank;

	if (!row_wanted(r, row))
		return 0;
	local_of(r, row->received_ms, &lt);
	if (row->kind == VAKT_KIND_CALL)
		call_contrib(r, row, &lt, &c);
	else if (row->kind == VAKT_KIND_SMS)
		sms_contrib(r, row, &c);
	measures_add(&r->total, &c);
	if (r->p.by != VAKT_BY_NONE) {
		k = group_key(r->p.by, row, &lt, key, &rank);
		measures_add(&gmap_get(&r->groups, k, rank)->m, &c);
	}
	if (r->p.by != VAKT_BY_COORDINATOR) {
		k = group_key(VAKT_BY_COORDINATOR, row, &lt, key, &rank);
		measures_add(&gmap_get(&r->coords, k, rank)->m, &c);
	}
	page_add(r, &lt, &c);
	r->is_final = false;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Figures: the measures of a group as shown, after suppression. */

enum col {
	COL_OFFERED,
	COL_ANSWERED,
	COL_SHORT,
	COL_MISSED,
	COL_MISSED_HANGUP,
	COL_MISSED_EXHAUSTED,
	COL_UNRESOLVED,
	COL_VOICEMAIL,
	COL_SL,
	COL_TTA_P50,
	COL_TTA_P90,
	COL_TTA_MAX,
	COL_ROLE,                               /* VAKT_ROLE_COUNT columns */
	COL_DEPTH = COL_ROLE + VAKT_ROLE_COUNT, /* VAKT_PLAN_MAX columns */
	COL_FU_MISSED = COL_DEPTH + VAKT_PLAN_MAX,
	COL_FU_P50,
	COL_FU_P90,
	COL_FU_15M,
	COL_FU_1H,
	COL_FU_NWD,
	COL_FU_NEVER,
	COL_SMS_RECEIVED,
	COL_SMS_REPLIED,
	COL_SMS_UNANSWERED,
	COL_SMS_P50,
	COL_SMS_P90,
	COL_COUNT
};

struct column {
	const char *csv; /* CSV header */
	const char *obj; /* JSON object holding it; NULL: top level */
	const char *key; /* JSON key */
};

static const struct column columns[COL_COUNT] = {
    {"offered", NULL, "offered"},
    {"answered", NULL, "answered"},
    {"short_abandons", NULL, "short_abandons"},
    {"missed", NULL, "missed"},
    {"missed_caller_hangup", NULL, "missed_caller_hangup"},
    {"missed_exhausted", NULL, "missed_exhausted"},
    {"unresolved", NULL, "unresolved"},
    {"voicemail_legs", NULL, "voicemail_legs"},
    {"service_level", NULL, "service_level"},
    {"tta_p50_s", "tta_s", "p50"},
    {"tta_p90_s", "tta_s", "p90"},
    {"tta_max_s", "tta_s", "max"},
    {"answered_coordinator", "answered_by", "coordinator"},
    {"answered_substitute", "answered_by", "substitute"},
    {"answered_beredskap", "answered_by", "beredskap"},
    {"answered_fallback", "answered_by", "fallback"},
    {"depth_1", "depth", "1"},
    {"depth_2", "depth", "2"},
    {"depth_3", "depth", "3"},
    {"depth_4", "depth", "4"},
    {"followup_missed", "followup", "missed"},
    {"followup_p50_s", "followup", "p50_s"},
    {"followup_p90_s", "followup", "p90_s"},
    {"followup_within_15m", "followup", "within_15m"},
    {"followup_within_1h", "followup", "within_1h"},
    {"followup_next_working_day", "followup", "next_working_day"},
    {"followup_never", "followup", "never"},
    {"sms_received", NULL, "sms_received"},
    {"sms_replied", NULL, "sms_replied"},
    {"sms_unanswered", NULL, "sms_unanswered"},
    {"sms_p50_s", "sms_response_s", "p50"},
    {"sms_p90_s", "sms_response_s", "p90"},
};

enum cell_kind {
	CELL_NULL,
	CELL_COUNT,
	CELL_SMALL, /* a count of 1..4 in an external report */
	CELL_SECS,
	CELL_SHARE,
};

struct cell {
	enum cell_kind kind;
	uint64_t n;
	int64_t s;
	double f;
};

/* A count; 1..4 in an external report could single out a youth. */
static void
cell_count(struct cell *c, uint64_t n, bool is_external)
{
	c->kind =
	    is_external && n > 0 && n < SMALL_CELL ? CELL_SMALL : CELL_COUNT;
	c->n = n;
}

/* A percentile or maximum ms of the durations in a, as whole seconds. */
static void
cell_pct(struct cell *c, const struct vals *a, int64_t ms, bool is_external)
{
	if (a->n == 0 || (is_external && a->n < SMALL_CELL)) {
		c->kind = CELL_NULL;
		return;
	}
	c->kind = CELL_SECS;
	c->s = ms / MS_PER_S;
}

/* A share of den; null when den is 0 rather than a made-up 0 %. */
static void
cell_share(struct cell *c, uint64_t num, uint64_t den, bool is_external)
{
	if (den == 0 || (is_external && den < SMALL_CELL)) {
		c->kind = CELL_NULL;
		return;
	}
	c->kind = CELL_SHARE;
	c->f = (double)num / (double)den;
}

static void
figures_of(const struct vakt_report *r, const struct measures *m,
    struct cell f[COL_COUNT])
{
	bool x = r->p.is_external;

	cell_count(&f[COL_OFFERED], m->offered, x);
	cell_count(&f[COL_ANSWERED], m->answered, x);
	cell_count(&f[COL_SHORT], m->short_abandons, x);
	cell_count(&f[COL_MISSED], m->missed, x);
	cell_count(&f[COL_MISSED_HANGUP], m->missed_hangup, x);
	cell_count(&f[COL_MISSED_EXHAUSTED], m->missed_exhausted, x);
	cell_count(&f[COL_UNRESOLVED], m->unresolved, x);
	cell_count(&f[COL_VOICEMAIL], m->voicemail_legs, x);
	cell_share(&f[COL_SL], m->within, m->offered - m->short_abandons, x);
	cell_pct(&f[COL_TTA_P50], &m->tta, m->tta.p50, x);
	cell_pct(&f[COL_TTA_P90], &m->tta, m->tta.p90, x);
	cell_pct(&f[COL_TTA_MAX], &m->tta, m->tta.max, x);
	for (int i = 0; i < VAKT_ROLE_COUNT; i++)
		cell_count(&f[COL_ROLE + i], m->by_role[i], x);
	for (int i = 0; i < VAKT_PLAN_MAX; i++)
		cell_count(&f[COL_DEPTH + i], m->depth[i], x);
	cell_count(&f[COL_FU_MISSED], m->fu_missed, x);
	cell_pct(&f[COL_FU_P50], &m->fu, m->fu.p50, x);
	cell_pct(&f[COL_FU_P90], &m->fu, m->fu.p90, x);
	cell_share(&f[COL_FU_15M], m->fu_15m, m->fu_missed, x);
	cell_share(&f[COL_FU_1H], m->fu_1h, m->fu_missed, x);
	cell_share(&f[COL_FU_NWD], m->fu_nwd, m->fu_missed, x);
	cell_share(&f[COL_FU_NEVER], m->fu_never, m->fu_missed, x);
	cell_count(&f[COL_SMS_RECEIVED], m->sms_received, x);
	cell_count(&f[COL_SMS_REPLIED], m->sms_replied, x);
	cell_count(&f[COL_SMS_UNANSWERED], m->sms_unanswered, x);
	cell_pct(&f[COL_SMS_P50], &m->sms, m->sms.p50, x);
	cell_pct(&f[COL_SMS_P90], &m->sms, m->sms.p90, x);
}

/* Percentiles of every group, once, before the first rendering. */
static void
report_finish(struct vakt_report *r)
{
	if (r->is_final)
		return;
	measures_finish(&r->total);
	for (size_t i = 0; i < r->groups.n; i++)
		measures_finish(&r->groups.v[i].m);
	for (size_t i = 0; i < r->coords.n; i++)
		measures_finish(&r->coords.v[i].m);
	r->is_final = true;
}

/* The per-coordinator groups, whichever grouping was asked for. */
static const struct gmap *
coord_map(const struct vakt_report *r)
{
	return r->p.by == VAKT_BY_COORDINATOR ? &r->groups : &r->coords;
}

/* "42s", "1m05s", "2h05m", "3d04h". */
static void
fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s < 60)
		(void)snprintf(buf, len, "%" PRId64 "s", s);
	else if (s < S_PER_HOUR)
		(void)snprintf(
		    buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < S_PER_DAY)
		(void)snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m",
		    s / S_PER_HOUR, s / 60 % 60);
	else
		(void)snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h",
		    s / S_PER_DAY, s / S_PER_HOUR % 24);
}

/* Norwegian digit groups from 10 000 on, with no-break spaces. */
static void
fmt_grouped(uint64_t n, char *buf, size_t len)
{
	char digits[24];
	size_t nd, k = 0;

	(void)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	nd = strlen(digits);
	for (size_t i = 0; i < nd && k + 3 < len; i++) {
		if (n >= 10000 && i > 0 && (nd - i) % 3 == 0) {
			buf[k++] = '\xc2';
			buf[k++] = '\xa0';
		}
		buf[k++] = digits[i];
	}
	buf[k] = '\0';
}

/*
 * A cell for people: "12", "<5", "1m05s", "87.5%", "–"; is_nb writes
 * Norwegian numbers for the HTML page ("41 946", "87,5 %").
 */
static void
cell_text(const struct cell *c, bool is_nb, char *buf, size_t len)
{
	char *dot;

	switch (c->kind) {
	case CELL_NULL:
		(void)snprintf(buf, len, "%s", DASH);
		break;
	case CELL_COUNT:
		if (is_nb)
			fmt_grouped(c->n, buf, len);
		else
			(void)snprintf(buf, len, "%" PRIu64, c->n);
		break;
	case CELL_SMALL:
		(void)snprintf(buf, len, "<%d", SMALL_CELL);
		break;
	case CELL_SECS:
		fmt_duration(c->s, buf, len);
		break;
	case CELL_SHARE:
		/* Norwegian writes 87,5 % (a no-break space before %). */
		(void)snprintf(buf, len, is_nb ? "%.1f\xc2\xa0%%" : "%.1f%%",
		    c->f * 100.0);
		if (is_nb && (dot = strchr(buf, '.')) != NULL)
			*dot = ',';
		break;
	}
}

/* ---------------------------------------------------------------- */
/* CSV. */

static void
csv_cell(struct vakt_buf *out, const struct cell *c)
{
	switch (c->kind) {
	case CELL_NULL:
		break;
	case CELL_COUNT:
		vakt_buf_printf(out, "%" PRIu64, c->n);
		break;
	case CELL_SMALL:
		vakt_buf_printf(out, "<%d", SMALL_CELL);
		break;
	case CELL_SECS:
		vakt_buf_printf(out, "%" PRId64, c->s);
		break;
	case CELL_SHARE:
		vakt_buf_printf(out, "%.3f", c->f);
		break;
	}
}

static void
csv_row(const struct vakt_report *r, const char *key, const struct measures *m,
    struct vakt_buf *out)
{
	struct cell f[COL_COUNT];

	figures_of(r, m, f);
	vakt_csv_field(out, key);
	for (size_t i = 0; i < COL_COUNT; i++) {
		vakt_buf_puts(out, ",");
		csv_cell(out, &f[i]);
	}
	vakt_buf_puts(out, "\r\n");
}

/* RFC 4180: CRLF line ends, quoting by vakt_csv_field(), one header. */
static void
render_csv(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct group **v = gmap_sorted(&r->groups);

	vakt_buf_puts(out, "group");
	for (size_t i = 0; i < COL_COUNT; i++) {
		vakt_buf_puts(out, ",");
		vakt_buf_puts(out, columns[i].csv);
	}
	vakt_buf_puts(out, "\r\n");
	for (size_t i = 0; i < r->groups.n; i++)
		csv_row(r, v[i]->key, &v[i]->m, out);
	csv_row(r, "total", &r->total, out);
	free(v);
}

/* ---------------------------------------------------------------- */
/* JSON. */

/* jansson fails only when memory runs out: as the x-allocators do. */
static json_t *
jx(json_t *j)
{
	if (j == NULL)
		vakt_fatalx("report: json: out of memory");
	return j;
}

static void
jset(json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, jx(v)) == -1)
		vakt_fatalx("report: json: out of memory");
}

static json_t *
json_cell(const struct cell *c)
{
	switch (c->kind) {
	case CELL_COUNT:
		return json_integer((json_int_t)c->n);
	case CELL_SMALL:
		return json_string("<5");
	case CELL_SECS:
		return json_integer((json_int_t)c->s);
	case CELL_SHARE:
		return json_real(c->f);
	case CELL_NULL:
		break;
	}
	return json_null();
}

/*
 * Add the measures to object o (after "group" in a row) and return it;
 * nested objects follow the column table.
 */
static json_t *
json_measures(const struct vakt_report *r, const struct measures *m, json_t *o)
{
	json_t *sub = NULL;
	const char *cur = NULL;
	struct cell f[COL_COUNT];

	figures_of(r, m, f);
	for (size_t i = 0; i < COL_COUNT; i++) {
		const struct column *c = &columns[i];

		if (c->obj == NULL) {
			jset(o, c->key, json_cell(&f[i]));
			continue;
		}
		if (cur == NULL || strcmp(cur, c->obj) != 0) {
			sub = jx(json_object());
			jset(o, c->obj, sub); /* o holds it; sub stays valid */
			cur = c->obj;
		}
		jset(sub, c->key, json_cell(&f[i]));
	}
	return o;
}

/* "2026-12-31T13:05:00Z" */
static void
iso_utc(int64_t ms, char buf[24])
{
	int64_t s = floor_div(ms, MS_PER_S), days = floor_div(s, S_PER_DAY);
	int64_t sec = s - days * S_PER_DAY;
	int y, m, d;

	vakt_civil_from_days(days, &y, &m, &d);
	(void)snprintf(buf, 24, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	    (int)(sec / S_PER_HOUR), (int)(sec / 60 % 60), (int)(sec % 60));
}

static json_t *
json_head(const struct vakt_report *r)
{
	const struct vakt_report_params *p = &r->p;
	json_t *o = jx(json_object()), *period = jx(json_object());
	char gen[24], from[11], to[11];

	iso_utc(p->now_ms, gen);
	vakt_date_format(p->from_date, from);
	vakt_date_format(p->to_date, to);
	jset(o, "report", json_string("vakt"));
	jset(o, "generated", json_string(gen));
	jset(period, "from", json_string(from));
	jset(period, "to", json_string(to));
	jset(period, "label", json_string(p->label));
	jset(o, "period", period);
	jset(o, "service",
	    r->service != NULL ? json_string(r->service) : json_null());
	jset(o, "by", json_string(vakt_report_by_name(p->by)));
	jset(o, "within_s", json_integer(p->within_s));
	jset(o, "external", json_boolean(p->is_external));
	return o;
}

static void
render_json(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct group **v = gmap_sorted(&r->groups);
	json_t *o = json_head(r), *rows = jx(json_array());
	char *s;

	for (size_t i = 0; i < r->groups.n; i++) {
		json_t *row = jx(json_object());

		jset(row, "group", json_string(v[i]->key));
		if (json_array_append_new(
		        rows, json_measures(r, &v[i]->m, row)) == -1)
			vakt_fatalx("report: json: out of memory");
	}
	free(v);
	jset(o, "rows", rows);
	jset(o, "total", json_measures(r, &r->total, jx(json_object())));
	/* Six significant digits: shares as 0.571429, not 0.5714285714285714.
	 */
	s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	if (s == NULL)
		vakt_fatalx("report: json: out of memory");
	vakt_buf_puts(out, s);
	vakt_buf_puts(out, "\n");
	free(s);
	json_decref(o);
}

/* ---------------------------------------------------------------- */
/* Text. */

/*
 * A table of cells for the terminal.  Widths count characters, not
 * bytes, so that codes and names with æøå stay aligned; the group
 * column is left-aligned and the figures right-aligned.
 */
struct ttab {
	size_t ncol;
	struct vakt_strlist cells; /* row-major; row 0 is the header */
};

static void
ttab_print(const struct ttab *t, struct vakt_buf *out)
{
	size_t w[COL_COUNT + 1] = {0}, nrow = t->cells.n / t->ncol, total = 0;

	for (size_t i = 0; i < t->cells.n; i++) {
		size_t n = vakt_utf8_chars(t->cells.v[i]);

		if (n > w[i % t->ncol])
			w[i % t->ncol] = n;
	}
	for (size_t c = 0; c < t->ncol; c++)
		total += w[c] + (c > 0 ? 2 : 0);
	for (size_t row = 0; row < nrow; row++) {
		if (row == 1 || (row == nrow - 1 && nrow > 2))
			for (size_t k = 0; k < total; k++)
				vakt_buf_puts(out, k + 1 < total ? "-" : "-\n");
		for (size_t c = 0; c < t->ncol; c++) {
			const char *s = t->cells.v[row * t->ncol + c];
			size_t pad = w[c] - vakt_utf8_chars(s);

			vakt_buf_printf(out, "%*s%s%*s",
			    c > 0 ? (int)pad + 2 : 0, "", s,
			    c == 0 ? (int)pad : 0, "");
		}
		vakt_buf_puts(out, "\n");
	}
}

static void
ttab_row(struct ttab *t, const struct vakt_report *r, const char *key,
    const struct measures *m, const enum col *cols)
{
	struct cell f[COL_COUNT];
	char buf[48];

	figures_of(r, m, f);
	vakt_strlist_add(&t->cells, "%s", key);
	for (size_t c = 1; c < t->ncol; c++) {
		cell_text(&f[cols[c - 1]], false, buf, sizeof(buf));
		vakt_strlist_add(&t->cells, "%s", buf);
	}
}

struct text_table {
	const char *title;
	size_t ncol; /* without the group column */
	const char *head[12];
	enum col col[12];
};

static const struct text_table text_tables[] = {
    {"Calls", 11,
        {"offered", "answered", "SL", "TTA p50", "p90", "max", "short ab.",
            "missed hangup", "exhausted", "open", "vm legs"},
        {COL_OFFERED, COL_ANSWERED, COL_SL, COL_TTA_P50, COL_TTA_P90,
            COL_TTA_MAX, COL_SHORT, COL_MISSED_HANGUP, COL_MISSED_EXHAUSTED,
            COL_UNRESOLVED, COL_VOICEMAIL}},
    {"Follow-up of missed calls (short abandons included)", 7,
        {"missed", "p50", "p90", "<=15m", "<=1h", "next wd", "never"},
        {COL_FU_MISSED, COL_FU_P50, COL_FU_P90, COL_FU_15M, COL_FU_1H,
            COL_FU_NWD, COL_FU_NEVER}},
    {"SMS", 5, {"received", "replied", "unanswered", "p50", "p90"},
        {COL_SMS_RECEIVED, COL_SMS_REPLIED, COL_SMS_UNANSWERED, COL_SMS_P50,
            COL_SMS_P90}},
    {"Answered by role and plan step", 8,
        {"coordinator", "substitute", "beredskap", "fallback", "step 1",
            "step 2", "step 3", "step 4"},
        {COL_ROLE, COL_ROLE + 1, COL_ROLE + 2, COL_ROLE + 3, COL_DEPTH,
            COL_DEPTH + 1, COL_DEPTH + 2, COL_DEPTH + 3}},
};

static void
text_table(const struct vakt_report *r, const struct text_table *tt,
    const struct group **v, struct vakt_buf *out)
{
	struct ttab t = {tt->ncol + 1, {NULL, 0, 0}};

	vakt_buf_printf(out, "\n%s\n\n", tt->title);
	vakt_strlist_add(&t.cells, "%s",
	    r->p.by == VAKT_BY_NONE ? "" : vakt_report_by_name(r->p.by));
	for (size_t c = 0; c < tt->ncol; c++)
		vakt_strlist_add(&t.cells, "%s", tt->head[c]);
	for (size_t i = 0; i < r->groups.n; i++)
		ttab_row(&t, r, v[i]->key, &v[i]->m, tt->col);
	ttab_row(&t, r, "total", &r->total, tt->col);
	ttab_print(&t, out);
	vakt_strlist_free(&t.cells);
}

/* Is the label just the dates (as vakt_report_bounds() makes it)? */
static bool
label_is_dates(const struct vakt_report_params *p)
{
	char from[11], to[11], dates[24];

	vakt_date_format(p->from_date, from);
	vakt_date_format(p->to_date, to);
	(void)snprintf(dates, sizeof(dates), "%s..%s", from, to);
	return p->label[0] == '\0' || strcmp(p->label, dates) == 0;
}

static void
text_heading(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct vakt_report_params *p = &r->p;
	char from[11], to[11];

	vakt_date_format(p->from_date, from);
	vakt_date_format(p->to_date, to);
	if (label_is_dates(p))
		vakt_buf_printf(out, "vakt report %s..%s\n", from, to);
	else
		vakt_buf_printf(
		    out, "vakt report %s (%s..%s)\n", p->label, from, to);
	vakt_buf_printf(out, "service: %s\n",
	    r->service != NULL ? r->service : "all services");
	vakt_buf_printf(out, "grouped by: %s\n", vakt_report_by_name(p->by));
	vakt_buf_printf(out,
	    "SL = answered within T = %d s / (offered - short abandons)\n",
	    p->within_s);
	if (p->is_external)
		vakt_buf_puts(out,
		    "external: youths by code only, counts "
		    "below 5 shown as <5\n");
}

static void
render_text(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct group **v = gmap_sorted(&r->groups);

	text_heading(r, out);
	for (size_t i = 0; i < sizeof(text_tables) / sizeof(text_tables[0]);
	     i++)
		text_table(r, &text_tables[i], v, out);
	free(v);
}

/* ---------------------------------------------------------------- */
/*
 * HTML: one self-contained page, inline CSS and SVG, no scripts, fonts
 * or images from elsewhere: leaders mail it to the referring agency and
 * print it, and it must open the same way offline years later.  The
 * labels are Norwegian, as are its readers; everything that comes from
 * the data goes through vakt_buf_xml().
 */

static const char html_css[] =
    ":root{--ink:#1c2530;--muted:#5a6573;--line:#d8dde4;--accent:#1f5c99;"
    "--tile:#f4f7fa}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:980px;padding:32px 28px 40px;"
    "font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,sans-serif;color:var(--ink);background:#fff}\n"
    "header{border-bottom:3px solid var(--accent);padding-bottom:12px;"
    "margin-bottom:20px}\n"
    "h1{font-size:24px;margin:0 0 6px;font-weight:650}\n"
    "h2{font-size:16px;margin:30px 0 10px;color:var(--accent)}\n"
    ".meta{margin:0;color:var(--muted)}\n"
    ".meta b{color:var(--ink);font-weight:600}\n"
    ".tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}\n"
    ".tile{border:1px solid var(--line);border-left:4px solid var(--accent);"
    "border-radius:4px;padding:10px 12px;background:var(--tile)}\n"
    ".tile .k{font-size:12px;color:var(--muted)}\n"
    ".tile .v{font-size:24px;font-weight:650;"
    "font-variant-numeric:tabular-nums;margin:2px 0}\n"
    ".tile .n{font-size:12px;color:var(--muted)}\n"
    ".roles{margin:12px 0 0;font-size:13px;color:var(--muted)}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px;"
    "font-variant-numeric:tabular-nums}\n"
    "th,td{padding:5px 6px;border-bottom:1px solid var(--line);"
    "text-align:right}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "td:first-child{white-space:nowrap}\n"
    "thead th{font-weight:600;color:var(--muted);vertical-align:bottom;"
    "border-bottom:2px solid var(--ink)}\n"
    "tbody tr:nth-child(even){background:#f8fafb}\n"
    "tfoot td{font-weight:650;border-top:2px solid var(--ink);"
    "border-bottom:0}\n"
    "svg{display:block;width:100%;height:auto}\n"
    "svg text{font-size:11px;fill:var(--muted)}\n"
    "svg .val{fill:var(--ink);font-weight:600}\n"
    "svg .on{fill:#fff}\n"
    "svg .in{fill:var(--ink)}\n"
    ".notes{margin-top:30px;padding-top:10px;border-top:1px solid "
    "var(--line);font-size:11.5px;color:var(--muted)}\n"
    ".notes p{margin:4px 0}\n"
    "@media (max-width:820px){table{font-size:11px}th,td{padding:4px 3px}}\n"
    "@media print{@page{size:A4;margin:14mm 12mm}"
    "body{max-width:none;padding:0;font-size:10pt}"
    "table{font-size:8pt}th,td{padding:3px 4px}.tile .v{font-size:17pt}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "section{break-inside:avoid}tr{break-inside:avoid}"
    "thead{display:table-header-group}h2{margin-top:20px}}\n";

/* Norwegian names of the groupings: a column head and "Per ...". */
static const char *
html_by_title(enum vakt_report_by by, bool is_head)
{
	static const char *const t[][2] = {{"Totalt", "totalt"},
	    {"Tjeneste", "tjeneste"}, {"Koordinator", "koordinator"},
	    {"Ungdom (kode)", "ungdom"}, {"Tidskategori", "tidskategori"},
	    {"Dag", "dag"}, {"Uke", "uke"}, {"Måned", "måned"},
	    {"Tertial", "tertial"}};

	if ((size_t)by >= sizeof(t) / sizeof(t[0]))
		return is_head ? "Gruppe" : "gruppe";
	return t[by][is_head ? 0 : 1];
}

static const char *
html_key(enum vakt_report_by by, const char *key)
{
	static const char *const cat[][2] = {{"office", "Kontortid"},
	    {"after_hours", "Utenfor kontortid"}, {"weekend", "Helg"},
	    {"holiday", "Helligdag"}};

	if (by == VAKT_BY_CATEGORY)
		for (size_t i = 0; i < sizeof(cat) / sizeof(cat[0]); i++)
			if (strcmp(key, cat[i][0]) == 0)
				return cat[i][1];
	if (strcmp(key, "none") == 0 && by == VAKT_BY_COORDINATOR)
		return "(ingen)";
	return key;
}

/* "01.09.2026" */
static void
nb_date(int date, char buf[11])
{
	unsigned d = (unsigned)date;

	(void)snprintf(buf, 11, "%02u.%02u.%04u", d % 100, d / 100 % 100,
	    d / 10000 % 10000);
}

static void
html_cell(struct vakt_buf *out, const struct cell *c)
{
	char buf[48];

	cell_text(c, true, buf, sizeof(buf));
	vakt_buf_xml(out, buf);
}

static void
html_service(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct vakt_config *cfg = r->p.cfg;
	const struct vakt_service *s = NULL;

	/* Not vakt_config_service_by_id(): reports link without libconfig. */
	for (size_t i = 0;
	     r->service != NULL && cfg != NULL && i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].id, r->service) == 0)
			s = &cfg->services[i];
	if (r->service == NULL && cfg != NULL && cfg->n_services == 1)
		s = &cfg->services[0];
	if (s != NULL && s->name != NULL && *s->name != '\0') {
		vakt_buf_xml(out, s->name);
		vakt_buf_puts(out, " (");
		vakt_buf_xml(out, s->id);
		vakt_buf_puts(out, ")");
	} else if (r->service != NULL) {
		vakt_buf_xml(out, r->service);
	} else {
		vakt_buf_puts(out, "alle tjenester");
	}
}

static void
html_generated(const struct vakt_report *r, struct vakt_buf *out)
{
	struct vakt_civil c;
	char iso[24];

	if (vakt_calendar_civil(r->p.tz, r->p.now_ms, &c) == 0) {
		vakt_buf_printf(out, "%02d.%02d.%04d kl. %02d.%02d", c.day,
		    c.month, c.year, c.hour, c.min);
		return;
	}
	iso_utc(r->p.now_ms, iso);
	vakt_buf_puts(out, iso);
}

static void
html_header(const struct vakt_report *r, struct vakt_buf *out)
{
	char from[11], to[11];

	nb_date(r->p.from_date, from);
	nb_date(r->p.to_date, to);
	vakt_buf_puts(out, "<header>\n<h1>Responstid for ");
	html_service(r, out);
	vakt_buf_puts(out, "</h1>\n<p class=\"meta\">Periode <b>");
	if (!label_is_dates(&r->p)) {
		vakt_buf_xml(out, r->p.label);
		vakt_buf_puts(out, "</b> (");
	}
	vakt_buf_printf(out, "%s&#8211;%s", from, to);
	vakt_buf_puts(
	    out, label_is_dates(&r->p) ? "</b> &#183; " : ") &#183; ");
	vakt_buf_puts(out, "servicegrad innen ");
	vakt_buf_printf(out, "<b>%d&#160;s</b> &#183; laget ", r->p.within_s);
	html_generated(r, out);
	if (r->p.is_external)
		vakt_buf_puts(out, " &#183; <b>ekstern versjon</b>");
	vakt_buf_puts(out, "</p>\n</header>\n");
}

static void
html_tile(struct vakt_buf *out, const char *label, const struct cell *v,
    const char *note)
{
	vakt_buf_puts(out, "<div class=\"tile\"><div class=\"k\">");
	vakt_buf_xml(out, label);
	vakt_buf_puts(out, "</div><div class=\"v\">");
	html_cell(out, v);
	vakt_buf_puts(out, "</div><div class=\"n\">");
	vakt_buf_puts(out, note); /* built from our own figures, escaped */
	vakt_buf_puts(out, "</div></div>\n");
}

/* Note text "a · b" from cells, escaped. */
static void
html_note(struct vakt_buf *note, const char *a, const struct cell *ca,
    const char *b, const struct cell *cb)
{
	vakt_buf_xml(note, a);
	html_cell(note, ca);
	if (b == NULL)
		return;
	vakt_buf_puts(note, " &#183; ");
	vakt_buf_xml(note, b);
	html_cell(note, cb);
}

static void
html_tiles_calls(const struct cell *f, int within_s, struct vakt_buf *out)
{
	const struct cell t = {CELL_SECS, 0, within_s, 0};
	struct vakt_buf n = {NULL, 0, 0};

	html_note(&n, "korte avbrudd: ", &f[COL_SHORT], NULL, NULL);
	html_tile(out, "Anrop", &f[COL_OFFERED], n.p);
	n.len = 0;
	html_note(&n, "uavklart: ", &f[COL_UNRESOLVED],
	    "telefonsvarer: ", &f[COL_VOICEMAIL]);
	html_tile(out, "Besvart (bekreftet)", &f[COL_ANSWERED], n.p);
	n.len = 0;
	html_note(&n, "besvart innen ", &t, NULL, NULL);
	html_tile(out, "Servicegrad", &f[COL_SL], n.p);
	n.len = 0;
	html_note(&n, "p90 ", &f[COL_TTA_P90], "maks ", &f[COL_TTA_MAX]);
	html_tile(out, "Svartid, median", &f[COL_TTA_P50], n.p);
	n.len = 0;
	html_note(&n, "la på: ", &f[COL_MISSED_HANGUP],
	    "ingen svarte: ", &f[COL_MISSED_EXHAUSTED]);
	html_tile(out, "Tapte anrop", &f[COL_MISSED], n.p);
	vakt_buf_free(&n);
}

static void
html_tiles_more(const struct cell *f, struct vakt_buf *out)
{
	struct vakt_buf n = {NULL, 0, 0};

	html_note(&n, "av tapte anrop: ", &f[COL_FU_MISSED],
	    "aldri: ", &f[COL_FU_NEVER]);
	html_tile(out, "Fulgt opp innen 1 t", &f[COL_FU_1H], n.p);
	n.len = 0;
	html_note(&n, "besvart: ", &f[COL_SMS_REPLIED],
	    "venter: ", &f[COL_SMS_UNANSWERED]);
	html_tile(out, "SMS mottatt", &f[COL_SMS_RECEIVED], n.p);
	n.len = 0;
	html_note(&n, "p90 ", &f[COL_SMS_P90], NULL, NULL);
	html_tile(out, "SMS-svartid, median", &f[COL_SMS_P50], n.p);
	vakt_buf_free(&n);
}

static void
html_roles(const struct cell *f, struct vakt_buf *out)
{
	static const char *const role[] = {
	    "koordinator", "vikar", "beredskap", "fallback"};

	vakt_buf_puts(out, "<p class=\"roles\">Besvart av: ");
	for (int i = 0; i < VAKT_ROLE_COUNT; i++) {
		vakt_buf_printf(out, "%s%s ", i > 0 ? " &#183; " : "", role[i]);
		html_cell(out, &f[COL_ROLE + i]);
	}
	vakt_buf_puts(out, " &#8212; på trinn ");
	for (int i = 0; i < VAKT_PLAN_MAX; i++) {
		vakt_buf_printf(out, "%s%d: ", i > 0 ? " &#183; " : "", i + 1);
		html_cell(out, &f[COL_DEPTH + i]);
	}
	vakt_buf_puts(out, "</p>\n");
}

static void
html_summary(const struct vakt_report *r, struct vakt_buf *out)
{
	struct cell f[COL_COUNT];

	figures_of(r, &r->total, f);
	vakt_buf_puts(out,
	    "<section id=\"summary\">\n<h2>Sammendrag</h2>\n"
	    "<div class=\"tiles\">\n");
	html_tiles_calls(f, r->p.within_s, out);
	html_tiles_more(f, out);
	vakt_buf_puts(out, "</div>\n");
	html_roles(f, out);
	vakt_buf_puts(out, "</section>\n");
}

/* ---------------------------------------------------------------- */
/* SVG charts. */

#define SVG_W   720
#define PLOT_X0 58
#define PLOT_X1 712
#define PLOT_Y0 14
#define PLOT_Y1 190
#define SVG_H   232

struct bar {
	double v;     /* in units of the axis; < 0: no bar */
	bool is_pale; /* a suppressed count: drawn light */
	char label[16];
	char value[24]; /* above the bar; "" for none */
	char tip[48];
};

struct axis {
	const char *aria;
	const char *x_title;
	double ymax;
	int n_ticks;
	bool is_percent;
};

static void
svg_frame(const struct axis *a, struct vakt_buf *out)
{
	vakt_buf_printf(out,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"",
	    SVG_W, SVG_H);
	vakt_buf_xml(out, a->aria);
	vakt_buf_puts(out, "\">\n");
	for (int i = 0; i <= a->n_ticks; i++) {
		double y =
		    PLOT_Y1 - (double)(PLOT_Y1 - PLOT_Y0) * i / a->n_ticks;
		double t = a->ymax * i / a->n_ticks * (a->is_percent ? 100 : 1);
		char tick[32];

		vakt_buf_printf(out,
		    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"%s\"/>",
		    PLOT_X0, PLOT_X1, y, y, i == 0 ? "#1c2530" : "#e3e7ec");
		fmt_grouped((uint64_t)(t + 0.5), tick, sizeof(tick));
		vakt_buf_printf(out,
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s%s"
		    "</text>\n",
		    PLOT_X0 - 6, y + 4, tick, a->is_percent ? "&#160;%" : "");
	}
	vakt_buf_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
	    (PLOT_X0 + PLOT_X1) / 2, SVG_H - 4);
	vakt_buf_xml(out, a->x_title);
	vakt_buf_puts(out, "</text>\n");
}

static void
svg_bar(const struct axis *a, const struct bar *b, double x, double bw,
    bool is_labelled, struct vakt_buf *out)
{
	double h = b->v > 0 ? (PLOT_Y1 - PLOT_Y0) * b->v / a->ymax : 0;

	if (b->v >= 0) {
		vakt_buf_printf(out,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"%s\"><title>",
		    x, PLOT_Y1 - h, bw, h, b->is_pale ? "#a9c3de" : "#1f5c99");
		vakt_buf_xml(out, b->tip);
		vakt_buf_puts(out, "</title></rect>");
	}
	if (b->value[0] != '\0') {
		vakt_buf_printf(out,
		    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">",
		    x + bw / 2, PLOT_Y1 - h - 4);
		vakt_buf_xml(out, b->value);
		vakt_buf_puts(out, "</text>");
	}
	if (is_labelled) {
		vakt_buf_printf(out,
		    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
		    x + bw / 2, PLOT_Y1 + 16);
		vakt_buf_xml(out, b->label);
		vakt_buf_puts(out, "</text>");
	}
	vakt_buf_puts(out, "\n");
}

static void
svg_bars(const struct axis *a, const struct bar *bars, size_t n,
    struct vakt_buf *out)
{
	double slot = (double)(PLOT_X1 - PLOT_X0) / (double)(n > 0 ? n : 1);
	double bw = slot * 0.7 > 48 ? 48 : slot * 0.7;
	size_t step = (n + 25) / 26; /* at most 26 labels under the axis */
	bool has_values = n <= 20;

	svg_frame(a, out);
	for (size_t i = 0; i < n; i++) {
		struct bar b = bars[i];

		if (!has_values)
			b.value[0] = '\0';
		svg_bar(a, &b, PLOT_X0 + slot * (double)i + (slot - bw) / 2, bw,
		    i % step == 0, out);
	}
	vakt_buf_puts(out, "</svg>\n");
}

static void
html_sl_chart(const struct vakt_report *r, struct vakt_buf *out)
{
	const struct axis a = {"Servicegrad per uke", "ISO-uke", 1.0, 4, true};
	struct bar *bars = vakt_xcalloc(r->n_weeks + 1, sizeof(*bars));

	for (size_t i = 0; i < r->n_weeks; i++) {
		struct bar *b = &bars[i];
		struct cell c;
		int y, w;

		iso_week(r->first_monday + 7 * (int64_t)i, &y, &w);
		cell_share(&c, r->weeks[i].within, r->weeks[i].denom,
		    r->p.is_external);
		(void)snprintf(b->label, sizeof(b->label), "%d", w);
		b->v = c.kind == CELL_SHARE ? c.f : -1;
		cell_text(&c, true, b->value, sizeof(b->value));
		(void)snprintf(
		    b->tip, sizeof(b->tip), "%04d-W%02d: %s", y, w, b->value);
		if (c.kind == CELL_SHARE) /* "87,5 %" is long over a bar */
			(void)snprintf(
			    b->value, sizeof(b->value), "%.0f", c.f * 100.0);
	}
	vakt_buf_printf(out,
	    "<section id=\"sl-week\">\n<h2>Servicegrad per "
	    "uke (besvart innen %d&#160;s)</h2>\n",
	    r->p.within_s);
	svg_bars(&a, bars, r->n_weeks, out);
	vakt_buf_puts(out, "</section>\n");
	free(bars);
}

/* The smallest 1, 2 or 5 times a power of ten that takes max in 4 steps. */
static double
nice_max(uint64_t max)
{
	static const int mult[] = {1, 2, 5};
	double p = 1;

	for (;;) {
		for (size_t i = 0; i < 3; i++)
			if ((double)mult[i] * p * 4 >= (double)max)
				return mult[i] * p * 4;
		p *= 10;
	}
}

/* Bar i of the histogram; a suppressed count is drawn light, as 5. */
static void
tta_bar(const struct vakt_report *r, int i, struct bar *b)
{
	char label[16], value[24];
	struct cell c;

	cell_count(&c, r->buckets[i], r->p.is_external);
	b->v = c.kind == CELL_SMALL ? SMALL_CELL : (double)c.n;
	b->is_pale = c.kind == CELL_SMALL;
	cell_text(&c, true, value, sizeof(value));
	if (i < N_BUCKETS - 1)
		(void)snprintf(label, sizeof(label), "%d" DASH "%d",
		    i > 0 ? bucket_upper_s[i - 1] : 0, bucket_upper_s[i]);
	else
		(void)snprintf(label, sizeof(label), "\xe2\x89\xa5%d",
		    bucket_upper_s[i - 1]);
	(void)snprintf(b->label, sizeof(b->label), "%s", label);
	(void)snprintf(b->value, sizeof(b->value), "%s", value);
	(void)snprintf(b->tip, sizeof(b->tip), "%s s: %s", label, value);
}

static void
html_tta_chart(const struct vakt_report *r, struct vakt_buf *out)
{
	struct axis a = {"Tid til svar", "sekunder til svar", 4, 4, false};
	struct bar bars[N_BUCKETS];
	double max = 0;

	for (int i = 0; i < N_BUCKETS; i++) {
		tta_bar(r, i, &bars[i]);
		max = bars[i].v > max ? bars[i].v : max;
	}
	a.ymax = nice_max((uint64_t)max);
	vakt_buf_puts(out,
	    "<section id=\"tta\">\n<h2>Tid til svar "
	    "(besvarte anrop)</h2>\n");
	svg_bars(&a, bars, N_BUCKETS, out);
	vakt_buf_puts(out, "</section>\n");
}

/* ---------------------------------------------------------------- */
/* Heat map. */

#define HEAT_X0     40
#define HEAT_Y0     20
#define HEAT_CW     27
#define HEAT_CH     22
#define HEAT_SHADES 5

static const char *const heat_fill[HEAT_SHADES + 2] = {
    "#f1f3f6", /* 0 */
    "#d6e4f2", "#aac8e4", "#74a3d0", "#3f78b3", "#1b4f86",
    "#e2ddd2", /* 1..4 in an external report */
};

/* Shade 0 for none, HEAT_SHADES + 1 for a suppressed cell, else 1..5. */
static int
heat_shade(uint64_t n, uint64_t max, bool is_external)
{
	if (n == 0)
		return 0;
	if (is_external && n < SMALL_CELL)
		return HEAT_SHADES + 1;
	return (int)((n * HEAT_SHADES + max - 1) / max);
}

static void
heat_cell(const struct vakt_report *r, int d, int h, uint64_t max,
    struct vakt_buf *out)
{
	uint64_t n = r->heat[d][h];
	int shade = heat_shade(n, max, r->p.is_external);
	int x = HEAT_X0 + h * HEAT_CW, y = HEAT_Y0 + d * HEAT_CH;

	vakt_buf_printf(out,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
	    "stroke=\"#fff\"/>",
	    x, y, HEAT_CW, HEAT_CH, heat_fill[shade]);
	if (shade == 0 || shade > HEAT_SHADES)
		return;
	vakt_buf_printf(out,
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"%s%s>%" PRIu64
	    "</text>",
	    x + HEAT_CW / 2, y + 15,
	    shade >= 4 ? " class=\"on\"" : " class=\"in\"",
	    max >= 1000 ? " style=\"font-size:8px\"" : "", n);
}

static void
legend_item(struct vakt_buf *out, int *x, int y, int shade, const char *txt)
{
	vakt_buf_printf(out,
	    "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" "
	    "fill=\"%s\" stroke=\"#c9cfd6\"/><text x=\"%d\" y=\"%d\">%s</text>",
	    *x, y, heat_fill[shade], *x + 18, y + 11, txt);
	*x += 30 + 7 * (int)vakt_utf8_chars(txt);
}

/* One box per shade with the counts it stands for. */
static void
heat_legend(bool is_external, uint64_t max, struct vakt_buf *out)
{
	int y = HEAT_Y0 + 7 * HEAT_CH + 12, x = HEAT_X0 + 52;
	uint64_t lo_min = is_external ? SMALL_CELL : 1;
	char txt[48];

	vakt_buf_printf(
	    out, "<text x=\"%d\" y=\"%d\">Antall:</text>", HEAT_X0, y + 11);
	legend_item(out, &x, y, 0, "0");
	if (is_external) {
		(void)snprintf(txt, sizeof(txt), "1" DASH "%d", SMALL_CELL - 1);
		legend_item(out, &x, y, HEAT_SHADES + 1, txt);
	}
	for (int s = 1; s <= HEAT_SHADES && max > 0; s++) {
		/* heat_shade() gives s to (max (s-1) / 5, max s / 5]. */
		uint64_t lo = max * (uint64_t)(s - 1) / HEAT_SHADES + 1;
		uint64_t hi = max * (uint64_t)s / HEAT_SHADES;

		lo = lo < lo_min ? lo_min : lo;
		if (lo > hi)
			continue;
		if (lo == hi)
			(void)snprintf(txt, sizeof(txt), "%" PRIu64, lo);
		else
			(void)snprintf(txt, sizeof(txt),
			    "%" PRIu64 DASH "%" PRIu64, lo, hi);
		legend_item(out, &x, y, s, txt);
	}
	vakt_buf_puts(out, "\n");
}

static void
html_heatmap(const struct vakt_report *r, struct vakt_buf *out)
{
	static const char *const days[] = {
	    "man", "tir", "ons", "tor", "fre", "lør", "søn"};
	uint64_t max = 0;

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			max = r->heat[d][h] > max ? r->heat[d][h] : max;
	vakt_buf_puts(out,
	    "<section id=\"heatmap\">\n<h2>Kontakter per time "
	    "i uka (anrop og SMS, lokal tid)</h2>\n");
	vakt_buf_printf(out,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"Kontakter per time i uka\">\n",
	    HEAT_X0 + 24 * HEAT_CW + 8, HEAT_Y0 + 7 * HEAT_CH + 36);
	for (int h = 0; h < 24; h++)
		vakt_buf_printf(out,
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%02d</text>",
		    HEAT_X0 + h * HEAT_CW + HEAT_CW / 2, HEAT_Y0 - 6, h);
	for (int d = 0; d < 7; d++) {
		vakt_buf_printf(out, "\n<text x=\"%d\" y=\"%d\">%s</text>", 4,
		    HEAT_Y0 + d * HEAT_CH + 15, days[d]);
		for (int h = 0; h < 24; h++)
			heat_cell(r, d, h, max, out);
	}
	vakt_buf_puts(out, "\n");
	heat_legend(r->p.is_external, max, out);
	vakt_buf_puts(out, "</svg>\n</section>\n");
}

/* ---------------------------------------------------------------- */
/* Tables. */

static const enum col html_cols[] = {COL_OFFERED, COL_ANSWERED, COL_SL,
    COL_TTA_P50, COL_TTA_P90, COL_SHORT, COL_MISSED, COL_FU_1H, COL_FU_NEVER,
    COL_SMS_RECEIVED, COL_SMS_P50};

static const char *const html_heads[] = {"Anrop", "Besvart", "Servicegrad",
    "Svartid median", "Svartid p90", "Korte avbrudd", "Tapte",
    "Fulgt opp &#8804;&#160;1&#160;t", "Aldri fulgt opp", "SMS mottatt",
    "SMS-svartid median"};

#define N_HTML_COLS (sizeof(html_cols) / sizeof(html_cols[0]))

static void
html_row(const struct vakt_report *r, enum vakt_report_by by, const char *key,
    const struct measures *m, const char *tag, struct vakt_buf *out)
{
	struct cell f[COL_COUNT];

	figures_of(r, m, f);
	vakt_buf_printf(out, "<tr><%s>", tag);
	vakt_buf_xml(out, html_key(by, key));
	vakt_buf_printf(out, "</%s>", tag);
	for (size_t c = 0; c < N_HTML_COLS; c++) {
		vakt_buf_puts(out, "<td>");
		html_cell(out, &f[html_cols[c]]);
		vakt_buf_puts(out, "</td>");
	}
	vakt_buf_puts(out, "</tr>\n");
}

static void
html_table(const struct vakt_report *r, enum vakt_report_by by,
    const struct gmap *g, const char *id, struct vakt_buf *out)
{
	const struct group **v = gmap_sorted(g);

	vakt_buf_printf(out, "<section id=\"%s\">\n<h2>Per %s</h2>\n", id,
	    html_by_title(by, false));
	vakt_buf_printf(out,
	    "<table id=\"%s-table\">\n<thead><tr><th>%s"
	    "</th>",
	    id, html_by_title(by, true));
	for (size_t c = 0; c < N_HTML_COLS; c++)
		vakt_buf_printf(out, "<th>%s</th>", html_heads[c]);
	vakt_buf_puts(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < g->n; i++)
		html_row(r, by, v[i]->key, &v[i]->m, "td", out);
	if (g->n == 0)
		vakt_buf_printf(out,
		    "<tr><td colspan=\"%zu\">Ingen kontakter"
		    "</td></tr>\n",
		    N_HTML_COLS + 1);
	vakt_buf_puts(out, "</tbody>\n<tfoot>\n");
	html_row(r, VAKT_BY_NONE, "Totalt", &r->total, "td", out);
	vakt_buf_puts(out, "</tfoot>\n</table>\n</section>\n");
	free(v);
}

static void
html_notes(const struct vakt_report *r, struct vakt_buf *out)
{
	vakt_buf_puts(out,
	    "<footer class=\"notes\">\n<p>Bare anrop bekreftet med tastetrykk "
	    "regnes som besvart. Servicegrad = besvart innen ");
	vakt_buf_printf(out, "%d&#160;s", r->p.within_s);
	vakt_buf_puts(out,
	    " &#247; (anrop &#8722; korte avbrudd). Korte avbrudd: innringer la "
	    "på i løpet av de første sekundene. Svartid og oppfølging: median "
	    "og 90-persentil (nærmeste rang). Oppfølging gjelder alle tapte "
	    "anrop, korte avbrudd medregnet.</p>\n");
	if (r->p.is_external)
		vakt_buf_puts(out,
		    "<p>Ekstern versjon: ungdom vises bare med "
		    "kode, og tall fra 1 til 4 vises som "
		    "&#171;&lt;5&#187;. Andeler og tider fra "
		    "færre enn 5 kontakter vises ikke.</p>\n");
	vakt_buf_puts(out, "<p>Laget av vakt.</p>\n</footer>\n");
}

static void
render_html(const struct vakt_report *r, struct vakt_buf *out)
{
	vakt_buf_puts(out,
	    "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>Responstid ");
	vakt_buf_xml(out, r->p.label);
	vakt_buf_puts(out, " &#8211; ");
	html_service(r, out);
	vakt_buf_printf(
	    out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_css);
	html_header(r, out);
	html_summary(r, out);
	html_sl_chart(r, out);
	html_tta_chart(r, out);
	html_heatmap(r, out);
	html_table(r, VAKT_BY_COORDINATOR, coord_map(r), "coordinators", out);
	if (r->p.by != VAKT_BY_NONE && r->p.by != VAKT_BY_COORDINATOR)
		html_table(r, r->p.by, &r->groups, "groups", out);
	html_notes(r, out);
	vakt_buf_puts(out, "</body>\n</html>\n");
}

void
vakt_report_render(
    struct vakt_report *r, enum vakt_report_format f, struct vakt_buf *out)
{
	report_finish(r);
	switch (f) {
	case VAKT_FORMAT_TEXT:
		render_text(r, out);
		break;
	case VAKT_FORMAT_CSV:
		render_csv(r, out);
		break;
	case VAKT_FORMAT_JSON:
		render_json(r, out);
		break;
	case VAKT_FORMAT_HTML:
		render_html(r, out);
		break;
	}
}
