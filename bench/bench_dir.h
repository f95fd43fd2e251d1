/*
 * bench_dir.h: the benchmark directory, shared by bench_lookup.c and
 * gen_voice.c so that both benchmarks see the same people.
 *
 * 10,000 youths over 2,000 coordinators (5 each) of service "due";
 * every 10th coordinator has one absence of one to three weeks, every
 * other one of those with a substitute (the next coordinator).  Phones:
 *   coordinator k  +4792kkkkkk    youth i  +4741iiiiii
 *   unknown j      +4748jjjjjj    (never in the directory)
 * Everything is derived from the index, so a request generator and a
 * database filler agree without sharing a file.
 */
#ifndef VAKT_BENCH_DIR_H
#define VAKT_BENCH_DIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vakt/store.h"
#include "vakt/util.h"

#define BD_SERVICE   "due"
#define BD_N_YOUTHS  10000u
#define BD_N_COORDS  2000u
#define BD_N_UNKNOWN 100000u

/* splitmix64: a small, fast generator with a fixed, printed seed. */
static inline uint64_t
bd_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void
bd_coord_id(unsigned k, char out[VAKT_ID_LEN])
{
	(void)snprintf(out, VAKT_ID_LEN, "K-%04u", k % BD_N_COORDS);
}

static inline void
bd_coordinator(unsigned k, struct vakt_coordinator *c)
{
	memset(c, 0, sizeof(*c));
	bd_coord_id(k, c->id);
	(void)vakt_strlcpy(c->service, BD_SERVICE, sizeof(c->service));
	(void)snprintf(c->name, sizeof(c->name), "Koordinator %u", k);
	(void)snprintf(c->phone, sizeof(c->phone), "+4792%06u", k);
}

static inline void
bd_youth_phone(unsigned i, char out[VAKT_E164_LEN])
{
	(void)snprintf(out, VAKT_E164_LEN, "+4741%06u", i % BD_N_YOUTHS);
}

static inline void
bd_unknown_phone(unsigned j, char out[VAKT_E164_LEN])
{
	(void)snprintf(out, VAKT_E164_LEN, "+4748%06u", j % BD_N_UNKNOWN);
}

static inline void
bd_youth(unsigned i, struct vakt_youth *y)
{
	memset(y, 0, sizeof(*y));
	(void)snprintf(y->id, sizeof(y->id), "U-%05u", i);
	(void)vakt_strlcpy(y->service, BD_SERVICE, sizeof(y->service));
	(void)snprintf(y->name, sizeof(y->name), "Ungdom %u", i);
	bd_youth_phone(i, y->phone);
	bd_coord_id(i % BD_N_COORDS, y->coordinator);
}

/*
 * Coordinator k's absence, if k has one: it starts on day number
 * first_day + (0 .. span_days - 1) and lasts 7..21 days.  Dates are
 * yyyymmdd; sub is "" when nobody substitutes.
 */
static inline bool
bd_absence(unsigned k, int64_t first_day, unsigned span_days, int *from,
    int *to, char sub[VAKT_ID_LEN])
{
	uint64_t rng = 0xab5e0ce5ULL + k;
	uint64_t r = bd_rand(&rng);
	int64_t day = first_day + (int64_t)(r % span_days);
	int y, m, d;

	if (k % 10 != 3)
		return false;
	vakt_civil_from_days(day, &y, &m, &d);
	*from = vakt_date_make(y, m, d);
	vakt_civil_from_days(day + 6 + (int64_t)((r >> 20) % 15), &y, &m, &d);
	*to = vakt_date_make(y, m, d);
	sub[0] = '\0';
	if (k % 20 == 3)
		bd_coord_id(k + 1, sub);
	return true;
}

#endif
