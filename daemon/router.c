/*
 * router.c: the escalation plan for one contact.  Exports
 * the vakt_router_* functions of vakt/router.h.
 *
 * Pure: no I/O, no clock reads, no allocation, no mutable globals.  The
 * plan always ends at the service's beredskap or fallback number; when
 * anything but the caller's input goes wrong we fall back to exactly
 * that (the safety invariant of router.h).
 */
#include "vakt/router.h"

#include <assert.h>
#include <string.h>

#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/util.h"

const char *
vakt_router_role_name(enum vakt_role r)
{
	switch (r) {
	case VAKT_ROLE_COORDINATOR:
		return "coordinator";
	case VAKT_ROLE_SUBSTITUTE:
		return "substitute";
	case VAKT_ROLE_BEREDSKAP:
		return "beredskap";
	case VAKT_ROLE_FALLBACK:
		return "fallback";
	}
	return "unknown";
}

int
vakt_router_role_parse(const char *s, enum vakt_role *out)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < VAKT_ROLE_COUNT; i++) {
		if (strcmp(s, vakt_router_role_name((enum vakt_role)i)) == 0) {
			*out = (enum vakt_role)i;
			return 0;
		}
	}
	return -1;
}

const char *
vakt_router_why_text(enum vakt_why why)
{
	switch (why) {
	case VAKT_WHY_COORDINATOR:
		return "Office hours and a known youth, so the coordinator is "
		       "called first.";
	case VAKT_WHY_SUBSTITUTE:
		return "Office hours but the coordinator is absent, so the "
		       "substitute is called first.";
	case VAKT_WHY_ABSENT:
		return "Office hours but the coordinator is absent without a "
		       "substitute, so beredskap takes the call.";
	case VAKT_WHY_NO_COORDINATOR:
		return "Office hours but the youth has no coordinator with a "
		       "phone, so beredskap takes the call.";
	case VAKT_WHY_UNKNOWN_CALLER:
		return "The caller's number is not in the directory, so "
		       "beredskap takes the call.";
	case VAKT_WHY_OUTSIDE_HOURS:
		return "Outside office hours, so beredskap takes the call.";
	case VAKT_WHY_DIRECTORY_FAULT:
		return "The directory could not be read, so beredskap takes "
		       "the call.";
	case VAKT_WHY_CLOCK_FAULT:
		return "Local time could not be computed, so beredskap takes "
		       "the call.";
	case VAKT_WHY_UNKNOWN_SERVICE:
		return "The dialed number belongs to no service, so the first "
		       "service's beredskap takes the call.";
	}
	return "Unknown reason.";
}

static bool
is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/*
 * Append a step unless it has no number or repeats an earlier step's
 * number: ringing the same phone twice only delays the next human.
 */
static void
add_step(const struct vakt_service *svc, struct vakt_plan *p,
    enum vakt_role role, const struct vakt_person *who, const char *number)
{
	struct vakt_step *st;

	if (!is_set(number) || p->n_steps >= VAKT_PLAN_MAX)
		return;
	for (size_t i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].number, number) == 0)
			return;
	st = &p->steps[p->n_steps];
	st->role = role;
	st->is_rota = false;
	st->who[0] = st->name[0] = '\0';
	if (who != NULL) {
		(void)vakt_strlcpy(st->who, who->id, sizeof(st->who));
		(void)vakt_strlcpy(st->name, who->name, sizeof(st->name));
	}
	/* A number longer than E.164 is not a number we can dial. */
	if (vakt_strlcpy(st->number, number, sizeof(st->number)) == -1)
		return;
	st->timeout_s = svc->ring_timeout_s;
	p->n_steps++;
}

static void
add_tail(const struct vakt_service *svc, struct vakt_plan *p)
{
	add_step(svc, p, VAKT_ROLE_BEREDSKAP, NULL, svc->beredskap);
	add_step(svc, p, VAKT_ROLE_FALLBACK, NULL, svc->fallback);
}

/*
 * beredskap -> fallback, with the rota's holder in place of the shared
 * handset while a slot holds.  A holder whose phone repeats an earlier
 * step is skipped like any repeat; the handset does not ring instead,
 * since beredskap is then already in the plan.
 */
static void
add_rota_tail(const struct vakt_service *svc, const struct vakt_caller *caller,
    struct vakt_plan *p)
{
	const struct vakt_person *on = &caller->on_call;
	size_t n = p->n_steps;

	if (!is_set(on->phone)) {
		add_tail(svc, p);
		return;
	}
	add_step(svc, p, VAKT_ROLE_BEREDSKAP, on, on->phone);
	if (p->n_steps > n)
		p->steps[n].is_rota = true;
	add_step(svc, p, VAKT_ROLE_FALLBACK, NULL, svc->fallback);
}

/*
 * Does the plan end at a configured human (the safety invariant)?  A
 * rota holder's beredskap step counts: the slot names a person.
 */
static bool
ends_at_human(const struct vakt_service *svc, const struct vakt_plan *p)
{
	const struct vakt_step *last;

	if (p->n_steps == 0)
		return false;
	last = &p->steps[p->n_steps - 1];
	if (last->is_rota && is_set(last->number))
		return true;
	return (is_set(svc->beredskap) &&
	           strcmp(last->number, svc->beredskap) == 0) ||
	    (is_set(svc->fallback) && strcmp(last->number, svc->fallback) == 0);
}

/*
 * Start a plan: everything zeroed, then the local time and category if
 * tz can convert now_ms.  Returns 0, or -1 with the category left at
 * after_hours and the civil time zeroed.
 */
static int
plan_start(const struct vakt_service *svc, const struct vakt_tz *tz,
    int64_t now_ms, struct vakt_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->svc = svc;
	p->at_ms = now_ms;
	p->cat = VAKT_CAT_AFTER_HOURS;
	if (vakt_calendar_civil(tz, now_ms, &p->at) == -1) {
		memset(&p->at, 0, sizeof(p->at));
		return -1;
	}
	p->date = vakt_date_make(p->at.year, p->at.month, p->at.day);
	p->cat = vakt_calendar_classify(&svc->cal, &p->at, &p->day_name);
	return 0;
}

/* Drop the steps and keep only beredskap -> fallback, for why. */
static void
to_safety(
    const struct vakt_service *svc, enum vakt_why why, struct vakt_plan *p)
{
	p->why = why;
	p->is_absent = false;
	p->n_steps = 0;
	add_tail(svc, p);
}

/*
 * The safety invariant's release path (issue 10: an invariant failure
 * must never take vaktd down mid-call, so no assert here).  A plan that
 * does not end at a configured human becomes the safety plan if that
 * one does, and otherwise keeps whatever humans it has; is_fault tells
 * the caller, who logs it.  Only a service with neither a usable
 * beredskap nor fallback gets here, and config.c refuses those.
 */
static void
keep_invariant(const struct vakt_service *svc, struct vakt_plan *p)
{
	struct vakt_plan safe;

	if (ends_at_human(svc, p))
		return;
	p->is_fault = true;
	safe = *p;
	to_safety(svc, p->why, &safe);
	if (ends_at_human(svc, &safe))
		*p = safe;
}

void
vakt_router_safety(const struct vakt_service *svc, const struct vakt_tz *tz,
    int64_t now_ms, enum vakt_why why, struct vakt_plan *out)
{
	assert(svc != NULL && out != NULL);
	(void)plan_start(svc, tz, now_ms, out);
	to_safety(svc, why, out);
	keep_invariant(svc, out);
}

/*
 * The absence covering date, preferring one that names a substitute
 * with a phone when absences overlap; NULL if the coordinator is in.
 */
static const struct vakt_absence_view *
absence_on(const struct vakt_caller *caller, int date)
{
	const struct vakt_absence_view *found = NULL;
	size_t n = caller->n_absences;

	if (n > VAKT_ABSENCES_MAX)
		n = VAKT_ABSENCES_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct vakt_absence_view *a = &caller->absences[i];

		if (date < a->from || date > a->to)
			continue;
		if (is_set(a->substitute.id) && is_set(a->substitute.phone))
			return a;
		if (found == NULL)
			found = a;
	}
	return found;
}

/* The first steps and the reason during office hours. */
static void
office_head(const struct vakt_service *svc, const struct vakt_caller *caller,
    struct vakt_plan *p)
{
	const struct vakt_person *coord = &caller->coordinator;
	const struct vakt_absence_view *abs;

	if (!caller->is_known) {
		p->why = VAKT_WHY_UNKNOWN_CALLER;
		return;
	}
	if (!is_set(coord->id)) {
		p->why = VAKT_WHY_NO_COORDINATOR;
		return;
	}
	/* Absence first: a substitute helps even if coord has no phone. */
	abs = absence_on(caller, p->date);
	if (abs != NULL) {
		const struct vakt_person *sub = &abs->substitute;

		p->is_absent = true;
		p->why = VAKT_WHY_ABSENT;
		if (is_set(sub->id) && is_set(sub->phone)) {
			p->why = VAKT_WHY_SUBSTITUTE;
			add_step(svc, p, VAKT_ROLE_SUBSTITUTE, sub, sub->phone);
		}
		return;
	}
	if (!is_set(coord->phone)) {
		p->why = VAKT_WHY_NO_COORDINATOR;
		return;
	}
	p->why = VAKT_WHY_COORDINATOR;
	add_step(svc, p, VAKT_ROLE_COORDINATOR, coord, coord->phone);
}

/*
 * A directory fault is the likelier and more serious fault, so it wins
 * when both the directory and the clock fail.
 */
void
vakt_router_plan(const struct vakt_service *svc,
    const struct vakt_caller *caller, const struct vakt_tz *tz, int64_t now_ms,
    struct vakt_plan *out)
{
	bool has_time;

	assert(svc != NULL && out != NULL);
	has_time = plan_start(svc, tz, now_ms, out) == 0;
	if (caller == NULL) {
		to_safety(svc, VAKT_WHY_DIRECTORY_FAULT, out);
	} else if (!has_time) {
		to_safety(svc, VAKT_WHY_CLOCK_FAULT, out);
	} else {
		if (out->cat == VAKT_CAT_OFFICE)
			office_head(svc, caller, out);
		else
			out->why = VAKT_WHY_OUTSIDE_HOURS;
		add_rota_tail(svc, caller, out);
	}
	keep_invariant(svc, out);
}
