/*
 * bench_core.c: how many routing decisions per second the pure core
 * makes on one core.  Builds a directory of 10,000 youths in memory,
 * then times vakt_router_plan() for pseudo-random callers and instants
 * across 2026 in Europe/Oslo with the production converter.
 *
 * Prints one line per round and then
 *   core: decisions/s median=N (rounds: a b c d e)
 * Exit status 1 if any plan broke the safety invariant.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/router.h"
#include "vakt/util.h"

#define N_YOUTHS      10000
#define N_ROUNDS      5
#define ROUND_NS      2000000000LL /* about 2 s per round */
#define BATCH         4096         /* decisions between clock reads */
#define BENCH_SEED    0x5eedc0de2026ULL
#define YEAR_START_MS INT64_C(1767222000000) /* 2026-01-01 00:00 Oslo */
#define YEAR_MS       (INT64_C(365) * 86400 * 1000)

/* splitmix64: a small, fast generator with a fixed, printed seed. */
static uint64_t
next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

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

static void
person_fill(struct vakt_person *p, const char *kind, unsigned i, unsigned phone)
{
	(void)snprintf(p->id, sizeof(p->id), "%s-%04u", kind, i);
	(void)snprintf(p->name, sizeof(p->name), "%s %u", kind, i);
	(void)snprintf(p->phone, sizeof(p->phone), "+479%07u", phone);
}

/*
 * Youth i: 50 coordinators share the youths; every 7th coordinator is
 * away for a week or two (half of them with a substitute), and every
 * 97th youth's coordinator has no phone on file.
 */
static void
youth_fill(struct vakt_caller *c, unsigned i, uint64_t *rng)
{
	unsigned coord = i % 50;

	memset(c, 0, sizeof(*c));
	c->is_known = true;
	person_fill(&c->youth, "U", i, 1000000 + i);
	person_fill(&c->coordinator, "K", coord, 2000000 + coord);
	if (i % 97 == 0)
		c->coordinator.phone[0] = '\0';
	if (coord % 7 != 0)
		return;
	for (unsigned k = 0; k < 2; k++) {
		struct vakt_absence_view *a = &c->absences[c->n_absences++];
		int64_t day = vakt_days_from_civil(2026, 1, 1) +
		    (int64_t)(next_rand(rng) % 350);
		int y, m, d;

		vakt_civil_from_days(day, &y, &m, &d);
		a->from = vakt_date_make(y, m, d);
		vakt_civil_from_days(day + 6 + (int64_t)k * 7, &y, &m, &d);
		a->to = vakt_date_make(y, m, d);
		if (k == 0)
			person_fill(
			    &a->substitute, "V", coord, 3000000 + coord);
	}
}

static void
service_fill(struct vakt_service *svc, struct vakt_special_day *special)
{
	memset(svc, 0, sizeof(*svc));
	special[0] = (struct vakt_special_day){
	    .date = 20261224, .hours = {8 * 60, 12 * 60}, .name = "Julaften"};
	special[1] = (struct vakt_special_day){
	    .date = 20261231, .closed = true, .name = "Nyttårsaften"};
	svc->cal.country = VAKT_COUNTRY_NO;
	svc->cal.days = 0x3eu;
	svc->cal.hours = (struct vakt_hours){8 * 60, 20 * 60};
	svc->cal.special = special;
	svc->cal.n_special = 2;
	svc->ring_timeout_s = 20;
	svc->beredskap = "+4790000001";
	svc->fallback = "+4722000000";
}

/* The safety invariant, checked on every plan the bench makes. */
static bool
ends_at_human(const struct vakt_service *svc, const struct vakt_plan *p)
{
	const char *last;

	if (p->n_steps == 0)
		return false;
	last = p->steps[p->n_steps - 1].number;
	return strcmp(last, svc->beredskap) == 0 ||
	    strcmp(last, svc->fallback) == 0;
}

/*
 * One round: decisions in batches until ROUND_NS has passed.  Callers
 * are 95% known youths, 5% unknown numbers and 1 in 1000 a directory
 * fault.  Returns decisions per second; *bad counts unsafe plans.
 */
static double
round_run(const struct vakt_service *svc, const struct vakt_caller *dir,
    const struct vakt_tz *tz, uint64_t *rng, uint64_t *sum, long *bad)
{
	const struct vakt_caller unknown = {0};
	int64_t t0 = mono_ns(), t = t0;
	long n = 0;

	while (t - t0 < ROUND_NS) {
		for (int b = 0; b < BATCH; b++) {
			uint64_t r = next_rand(rng);
			unsigned pick = (unsigned)(r % 1000);
			const struct vakt_caller *c = pick == 0 ? NULL
			    : pick < 50                         ? &unknown
			                : &dir[(r >> 10) % N_YOUTHS];
			int64_t at = YEAR_START_MS +
			    (int64_t)((r >> 24) % (uint64_t)YEAR_MS);
			struct vakt_plan p;

			vakt_router_plan(svc, c, tz, at, &p);
			if (!ends_at_human(svc, &p))
				(*bad)++;
			*sum += p.n_steps + (uint64_t)p.why + (uint64_t)p.cat;
		}
		n += BATCH;
		t = mono_ns();
	}
	return (double)n * 1e9 / (double)(t - t0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	struct vakt_special_day special[2];
	struct vakt_service svc;
	struct vakt_caller *dir;
	struct vakt_tz tz;
	double rate[N_ROUNDS], sorted[N_ROUNDS];
	uint64_t rng = BENCH_SEED, sum = 0;
	long bad = 0;

	if (setenv("TZ", "Europe/Oslo", 1) == -1) {
		perror("setenv");
		return 1;
	}
	tzset();
	vakt_calendar_tz_system(&tz);
	service_fill(&svc, special);
	dir = calloc(N_YOUTHS, sizeof(*dir));
	if (dir == NULL) {
		perror("calloc");
		return 1;
	}
	for (unsigned i = 0; i < N_YOUTHS; i++)
		youth_fill(&dir[i], i, &rng);
	printf("core: %d youths, seed %#" PRIx64 ", TZ=Europe/Oslo\n", N_YOUTHS,
	    (uint64_t)BENCH_SEED);
	for (int i = 0; i < N_ROUNDS; i++) {
		rate[i] = round_run(&svc, dir, &tz, &rng, &sum, &bad);
		sorted[i] = rate[i];
		printf("core: round %d: %.0f decisions/s\n", i + 1, rate[i]);
	}
	qsort(sorted, N_ROUNDS, sizeof(sorted[0]), cmp_double);
	printf("core: decisions/s median=%.0f (rounds:", sorted[N_ROUNDS / 2]);
	for (int i = 0; i < N_ROUNDS; i++)
		printf(" %.0f", rate[i]);
	printf(") checksum=%" PRIu64 "\n", sum);
	free(dir);
	if (bad > 0) {
		fprintf(stderr, "core: %ld plans break the invariant\n", bad);
		return 1;
	}
	return 0;
}
