/*
 * app.h: the state that request handlers share, owned by main.c, and
 * the write path every handler takes: one batch (transaction) per loop
 * turn, committed before the turn's replies leave, and a fault state
 * that makes the rest of a bad turn route without the database.
 *
 * main.c fills it at start and swaps cfg on SIGHUP between events;
 * handlers borrow everything for the duration of one callback.
 */
#ifndef VAKT_APP_H
#define VAKT_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/calendar.h"

struct vakt_config;
struct vakt_err;
struct vakt_outbox;
struct vakt_store;

/* Counters for /metrics that are not per-request HTTP counts. */
struct vakt_counters {
	uint64_t store_errors;    /* statements or commits that failed */
	uint64_t failsafe_plans;  /* calls routed by the safety plan */
	uint64_t reloads;         /* successful SIGHUP reloads */
	uint64_t reload_failures; /* refused SIGHUP reloads */
	uint64_t calls;           /* new inbound calls */
	uint64_t missed;          /* calls that nobody answered */
	uint64_t answered;        /* calls confirmed by a key press */
	uint64_t sms_in;          /* messages received */
	uint64_t rejected;        /* webhooks refused: signature, form */
};

struct vakt_app {
	const struct vakt_config *cfg; /* current config; swapped on reload */
	struct vakt_store *store;
	struct vakt_outbox *outbox;
	struct vakt_tz tz;
	struct vakt_counters counters;
	bool is_turn_faulted; /* the database failed in this loop turn */
	bool is_faulted;      /* the last database use failed */
	uint64_t n_faults;    /* failures since the fault state began */
	bool is_outbox_dirty; /* rows were queued in this turn */
	size_t n_purged;      /* rows removed by the purge under way */

	/* The purge's clock guard (store.h, issue 10). */
	int64_t purge_clock_ms; /* the time the run under way trusts, or 0 */
	bool is_purge_clamped;  /* the last run did not trust the clock */
};

/*
 * Open this turn's batch if needed.  Returns 0, or -1 if the database
 * cannot be written now (this turn already failed, or BEGIN failed,
 * which is then recorded as a fault): the caller routes without it.
 */
int vakt_app_write(struct vakt_app *app);

/*
 * Record a database failure: counted always, logged once when the
 * fault state begins (a repeating error is not logged per request).
 * Marks the rest of the turn as faulted.
 */
void vakt_app_fault(
    struct vakt_app *app, const char *what, const struct vakt_err *err);

/* A database use that worked: ends the fault state with a log line. */
void vakt_app_ok(struct vakt_app *app);

/*
 * The end of a loop turn, before its replies leave: commit the batch,
 * then wake the outbox if rows were queued.
 */
void vakt_app_turn_end(struct vakt_app *app);

/*
 * One bounded step of the retention purge (contacts older than
 * retention.contacts_days).  Returns true while more remains, so the
 * caller can come back on a later loop turn instead of blocking this
 * one.  The first step of a run fixes the time it trusts (at most a
 * little past the previous run: store.h's clock guard, warned about
 * once), the last writes the run's audit row.
 */
bool vakt_app_purge_step(struct vakt_app *app, int64_t now_ms);

#endif
