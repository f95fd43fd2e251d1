/*
 * router.h: the escalation plan for one contact.  Pure: it takes the
 * service, what the directory knows of the caller, and the instant, and
 * fills a fixed-size plan.  It never fails to produce a plan whose last
 * step is a configured human number (the service's beredskap or
 * fallback): that is the safety invariant of the product.
 */
#ifndef VAKT_ROUTER_H
#define VAKT_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/calendar.h"
#include "vakt/util.h"

struct vakt_service; /* vakt/config.h */

#define VAKT_ID_LEN       64  /* ids and youth codes, incl. NUL */
#define VAKT_NAME_LEN     128 /* display names, incl. NUL */
#define VAKT_PLAN_MAX     4
#define VAKT_ABSENCES_MAX 4

enum vakt_role {
	VAKT_ROLE_COORDINATOR,
	VAKT_ROLE_SUBSTITUTE,
	VAKT_ROLE_BEREDSKAP,
	VAKT_ROLE_FALLBACK,
};

#define VAKT_ROLE_COUNT 4

/* "coordinator", "substitute", "beredskap", "fallback". */
const char *vakt_router_role_name(enum vakt_role r);
int vakt_router_role_parse(const char *s, enum vakt_role *out);

/* A person from the directory.  Empty strings mean "not set". */
struct vakt_person {
	char id[VAKT_ID_LEN];
	char name[VAKT_NAME_LEN];
	char phone[VAKT_E164_LEN];
};

/* An absence of the youth's coordinator, dates inclusive (yyyymmdd). */
struct vakt_absence_view {
	int from;
	int to;
	struct vakt_person substitute; /* id[0] == 0: no substitute */
};

/* What the directory says about a calling number. */
struct vakt_caller {
	bool is_known; /* a youth of this service */
	struct vakt_person youth;
	struct vakt_person coordinator; /* id[0] == 0: none */
	struct vakt_absence_view absences[VAKT_ABSENCES_MAX];
	size_t n_absences;
	/*
	 * Who holds the service's beredskap rota slot now (issue 11), for
	 * any caller, known or not; phone[0] == 0: no slot, and the
	 * configured beredskap number rings.
	 */
	struct vakt_person on_call;
};

/* Why the plan looks the way it does; vaktctl route prints it. */
enum vakt_why {
	VAKT_WHY_COORDINATOR,     /* office hours, known youth */
	VAKT_WHY_SUBSTITUTE,      /* office hours, coordinator absent */
	VAKT_WHY_ABSENT,          /* office hours, absent, no substitute */
	VAKT_WHY_NO_COORDINATOR,  /* office hours, youth without one */
	VAKT_WHY_UNKNOWN_CALLER,  /* number not in the directory */
	VAKT_WHY_OUTSIDE_HOURS,   /* after hours, weekend, holiday */
	VAKT_WHY_DIRECTORY_FAULT, /* the directory could not be read */
	VAKT_WHY_CLOCK_FAULT,     /* local time could not be computed */
	VAKT_WHY_UNKNOWN_SERVICE, /* the dialed number is no service's */
};

/* One human sentence (English) for logs and vaktctl. */
const char *vakt_router_why_text(enum vakt_why why);

struct vakt_step {
	enum vakt_role role;
	char who[VAKT_ID_LEN];    /* person id, "" for beredskap/fallback */
	char name[VAKT_NAME_LEN]; /* display name, "" if none */
	char number[VAKT_E164_LEN];
	int timeout_s; /* ring time */
	bool is_rota;  /* beredskap from the rota (who: the holder) */
};

struct vakt_plan {
	const struct vakt_service *svc; /* borrowed from the config */
	int64_t at_ms;
	struct vakt_civil at; /* local time of at_ms */
	int date;             /* local date yyyymmdd */
	enum vakt_category cat;
	const char *day_name; /* holiday/special day name or NULL */
	enum vakt_why why;
	bool is_absent; /* coordinator absent (office hours only) */
	/*
	 * The safety invariant failed (no step ends at beredskap or
	 * fallback); the plan holds what could still be rung, maybe
	 * nothing.  The caller logs it and answers with the fallback.
	 */
	bool is_fault;
	struct vakt_step steps[VAKT_PLAN_MAX];
	size_t n_steps;
};

/*
 * The plan for a contact from caller to svc at now_ms.
 * caller == NULL means the directory could not be read: the plan is
 * then the safety plan and why is VAKT_WHY_DIRECTORY_FAULT.  If tz
 * cannot convert now_ms, the safety plan with VAKT_WHY_CLOCK_FAULT
 * (category after_hours, at and date zeroed); when both fail, the
 * directory fault is reported.
 *
 * In office hours an absence covering the local date (from..to, both
 * inclusive) is checked before the coordinator's phone, and among
 * overlapping absences one naming a substitute with a phone wins.
 * Steps without a number, or repeating an earlier step's number, are
 * left out.  The beredskap step rings caller->on_call when it has a
 * phone (a rota slot holds now; the step is marked is_rota), else
 * svc->beredskap; the safety plan always uses svc->beredskap.  svc must not be
 * NULL.  Always fills out with at least one step ending at svc->beredskap or
 * svc->fallback, unless the service has neither usable (config refuses that):
 * then is_fault is set and the plan keeps the steps it has, in every build; it
 * never aborts.
 */
void vakt_router_plan(const struct vakt_service *svc,
    const struct vakt_caller *caller, const struct vakt_tz *tz, int64_t now_ms,
    struct vakt_plan *out);

/*
 * The safety plan, beredskap -> fallback, with the given reason.
 * Classifies the time if tz can convert now_ms.  is_fault as above.
 */
void vakt_router_safety(const struct vakt_service *svc,
    const struct vakt_tz *tz, int64_t now_ms, enum vakt_why why,
    struct vakt_plan *out);

#endif
