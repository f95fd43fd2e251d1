/*
 * bench_lookup.c: how many routing decisions per second the whole
 * lookup-and-plan path makes against the SQLite directory, on one core.
 *
 * Creates a temporary database with vakt_store_create(), imports the
 * directory of bench_dir.h (10,000 youths, 2,000 coordinators) in one
 * vakt_store_import() and adds the coordinators' absences, loads the
 * service from config/vakt.conf (or argv[1]), then times what vaktd does
 * for every call (daemon/voice.c plan_call): the local date of the
 * instant, vakt_store_lookup_caller(), vakt_router_plan().  Callers are
 * 90% known youths and 10% unknown numbers, instants spread over 2026,
 * TZ=Europe/Oslo with the production converter.  Each look-up runs in
 * its own (autocommit) read transaction.
 *
 * Prints one line per round and then
 *   lookup+plan: decisions/s median=N (rounds: a b c d e)
 * Exit status 1 if any plan broke the safety invariant, a known youth
 * was not found, an unknown number was, or a look-up failed.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/router.h"
#include "vakt/store.h"
#include "vakt/util.h"

#include "bench_dir.h"

#define N_ROUNDS       5
#define ROUND_NS       2000000000LL /* about 2 s per round */
#define BATCH          1024         /* decisions between clock reads */
#define BENCH_SEED     0x100c0b5eedULL
#define YEAR_START_MS  INT64_C(1767222000000) /* 2026-01-01 00:00 Oslo */
#define YEAR_MS        (INT64_C(365) * 86400 * 1000)
#define KNOWN_PERMILLE 900

struct tally {
	long bad;     /* plans that break the invariant */
	long wrong;   /* known not found, or unknown found */
	long failed;  /* look-ups that returned -1 */
	long absent;  /* plans with the coordinator absent */
	uint64_t sum; /* checksum, so nothing is optimised away */
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		perror("clock_gettime");
		exit(1);
	}
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The directory of bench_dir.h, coordinators first, in one import. */
static int
fill_directory(struct vakt_store *st, struct vakt_err *err)
{
	size_t n = BD_N_COORDS + BD_N_YOUTHS, added, updated;
	struct vakt_import_row *rows = calloc(n, sizeof(*rows));
	int rc;

	if (rows == NULL) {
		vakt_err_set(err, "out of memory");
		return -1;
	}
	for (unsigned k = 0; k < BD_N_COORDS; k++) {
		rows[k].line = (int)k + 2;
		bd_coordinator(k, &rows[k].u.coordinator);
	}
	for (unsigned i = 0; i < BD_N_YOUTHS; i++) {
		struct vakt_import_row *r = &rows[BD_N_COORDS + i];

		r->line = (int)(BD_N_COORDS + i) + 2;
		r->is_youth = true;
		bd_youth(i, &r->u.youth);
	}
	rc = vakt_store_import(
	    st, rows, n, "bench", vakt_clock_now_ms(), &added, &updated, err);
	free(rows);
	return rc;
}

/* Absences over 2026, all in one transaction; returns how many. */
static int
fill_absences(struct vakt_store *st, size_t *n, struct vakt_err *err)
{
	int64_t first = vakt_days_from_civil(2026, 1, 1);

	*n = 0;
	if (vakt_store_batch_begin(st, err) == -1)
		return -1;
	for (unsigned k = 0; k < BD_N_COORDS; k++) {
		struct vakt_absence a = {0};

		if (!bd_absence(k, first, 350, &a.from, &a.to, a.substitute))
			continue;
		bd_coord_id(k, a.coordinator);
		if (vakt_store_absence_add(
		        st, &a, "bench", vakt_clock_now_ms(), err) == -1)
			return -1;
		(*n)++;
	}
	return vakt_store_batch_commit(st, err);
}

static bool
ends_at_human(const struct vakt_service *svc, const struct vakt_plan *p)
{
	const char *last;

	if (p->n_steps == 0)
		return false;
	last = p->steps[p->n_steps - 1].number;
	return strcmp(last, svc->beredskap) == 0 ||
	    (svc->fallback != NULL && strcmp(last, svc->fallback) == 0);
}

/*
 * One decision as vaktd makes it: local date, look-up, plan.  The
 * caller's number is already in E.164 (vaktd normalises it first).
 */
static void
decide(struct vakt_store *st, const struct vakt_service *svc,
    const struct vakt_tz *tz, const char *num, int64_t at,
    struct vakt_caller *who, struct vakt_plan *plan, struct tally *t)
{
	struct vakt_civil civ;
	struct vakt_err err;

	if (vakt_calendar_civil(tz, at, &civ) == -1 ||
	    vakt_store_lookup_caller(st, svc->id, num,
	        vakt_date_make(civ.year, civ.month, civ.day), who,
	        &err) == -1) {
		t->failed++;
		vakt_router_plan(svc, NULL, tz, at, plan);
		return;
	}
	vakt_router_plan(svc, who, tz, at, plan);
}

static double
round_run(struct vakt_store *st, const struct vakt_service *svc,
    const struct vakt_tz *tz, uint64_t *rng, struct tally *t)
{
	int64_t t0 = mono_ns(), now = t0;
	long n = 0;

	while (now - t0 < ROUND_NS) {
		for (int b = 0; b < BATCH; b++) {
			uint64_t r = bd_rand(rng);
			bool is_known = r % 1000 < KNOWN_PERMILLE;
			unsigned idx = (unsigned)(r >> 12);
			int64_t at = YEAR_START_MS +
			    (int64_t)((r >> 24) % (uint64_t)YEAR_MS);
			char num[VAKT_E164_LEN];
			struct vakt_caller who;
			struct vakt_plan plan;

			if (is_known)
				bd_youth_phone(idx, num);
			else
				bd_unknown_phone(idx, num);
			decide(st, svc, tz, num, at, &who, &plan, t);
			if (!ends_at_human(svc, &plan))
				t->bad++;
			if (who.is_known != is_known)
				t->wrong++;
			t->absent += plan.is_absent;
			t->sum += plan.n_steps + (uint64_t)plan.why +
			    (uint64_t)plan.cat;
		}
		n += BATCH;
		now = mono_ns();
	}
	return (double)n * 1e9 / (double)(now - t0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(const double *rate, const struct tally *t)
{
	double sorted[N_ROUNDS];

	memcpy(sorted, rate, sizeof(sorted));
	qsort(sorted, N_ROUNDS, sizeof(sorted[0]), cmp_double);
	printf("lookup+plan: decisions/s median=%.0f (rounds:",
	    sorted[N_ROUNDS / 2]);
	for (int i = 0; i < N_ROUNDS; i++)
		printf(" %.0f", rate[i]);
	printf(") absent=%ld checksum=%" PRIu64 "\n", t->absent, t->sum);
}

static struct vakt_config *
load_config(const char *path)
{
	struct vakt_strlist errs = {0};
	struct vakt_config *cfg;

	if (vakt_config_load(path, &cfg, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		vakt_strlist_free(&errs);
		return NULL;
	}
	vakt_strlist_free(&errs);
	return cfg;
}

/* A fresh database in a fresh folder; *dir gets the folder. */
static struct vakt_store *
open_temp(char *dir, size_t len, char *db, size_t db_len)
{
	const char *tmp = getenv("TMPDIR");
	struct vakt_store *st;
	struct vakt_err err;
	size_t n_abs = 0;

	(void)snprintf(dir, len, "%s/vakt-lookup.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return NULL;
	}
	(void)snprintf(db, db_len, "%s/vakt.db", dir);
	st = vakt_store_create(db, 500, NULL, &err);
	if (st == NULL || fill_directory(st, &err) == -1 ||
	    fill_absences(st, &n_abs, &err) == -1) {
		fprintf(stderr, "lookup+plan: %s\n", err.msg);
		vakt_store_close(st);
		return NULL;
	}
	printf("lookup+plan: %u youths, %u coordinators, %zu absences, "
	       "%d%% known callers, seed %#" PRIx64 ", TZ=Europe/Oslo\n",
	    BD_N_YOUTHS, BD_N_COORDS, n_abs, KNOWN_PERMILLE / 10,
	    (uint64_t)BENCH_SEED);
	return st;
}

static void
remove_temp(const char *dir, const char *db)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char path[512];

	for (size_t i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s%s", db, suffix[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

int
main(int argc, char **argv)
{
	const char *conf = argc > 1 ? argv[1] : "config/vakt.conf";
	char dir[256], db[300];
	double rate[N_ROUNDS];
	struct tally t = {0};
	uint64_t rng = BENCH_SEED;
	struct vakt_config *cfg;
	struct vakt_store *st;
	struct vakt_tz tz;

	if (setenv("TZ", "Europe/Oslo", 1) == -1) {
		perror("setenv");
		return 1;
	}
	tzset();
	vakt_calendar_tz_system(&tz);
	if ((cfg = load_config(conf)) == NULL)
		return 1;
	if ((st = open_temp(dir, sizeof(dir), db, sizeof(db))) == NULL) {
		vakt_config_free(cfg);
		return 1;
	}
	for (int i = 0; i < N_ROUNDS; i++) {
		rate[i] = round_run(st, &cfg->services[0], &tz, &rng, &t);
		printf("lookup+plan: round %d: %.0f decisions/s\n", i + 1,
		    rate[i]);
	}
	report(rate, &t);
	vakt_store_close(st);
	remove_temp(dir, db);
	vakt_config_free(cfg);
	if (t.bad > 0 || t.wrong > 0 || t.failed > 0) {
		fprintf(stderr,
		    "lookup+plan: %ld unsafe plans, %ld wrong "
		    "look-ups, %ld failed look-ups\n",
		    t.bad, t.wrong, t.failed);
		return 1;
	}
	return 0;
}
