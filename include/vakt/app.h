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
#include "vakt/router.h"

struct vakt_app;
struct vakt_config;
struct vakt_err;
struct vakt_outbox;
struct vakt_reply;
struct vakt_sms_meta;
struct vakt_store;
struct vakt_writer;       /* daemon/app.c */
struct vakt_app_deferred; /* daemon/app.c */

/* Room for a fault's one-line reason. */
#define VAKT_APP_WHY_LEN 160
/* How long a turn waits for its commit before answering fail-safe. */
#define VAKT_APP_COMMIT_DEADLINE_MS 1500
/* Calls kept in memory until the database can be written again. */
#define VAKT_APP_DEFERRED_MAX 256

/* Peer addresses whose login code requests are counted (session.c). */
#define VAKT_APP_LOGIN_PEERS 128

/* One peer's login code requests in its current window. */
struct vakt_app_login_peer {
	char addr[48];
	int64_t since_ms; /* monotonic start of its window; 0: unused */
	int n;
};

/* Counters for /metrics that are not per-request HTTP counts. */
struct vakt_counters {
	uint64_t store_errors;     /* statements or commits that failed */
	uint64_t failsafe_plans;   /* calls routed by the safety plan */
	uint64_t reloads;          /* successful SIGHUP reloads */
	uint64_t reload_failures;  /* refused SIGHUP reloads */
	uint64_t calls;            /* new inbound calls */
	uint64_t missed;           /* calls that nobody answered */
	uint64_t answered;         /* calls confirmed by a key press */
	uint64_t sms_in;           /* messages received */
	uint64_t rejected;         /* webhooks refused: signature, form */
	uint64_t failsafe_replies; /* replies replaced: commit failed/late */
	uint64_t commit_stalls;    /* commits that outlived their deadline */
	uint64_t deferred_calls;   /* calls recorded after they were answered */
};

/*
 * Mark the call call_sid missed (why: enum vakt_missed) and queue its
 * alerts, in the open batch: 1 done (or it already was), 0 no such
 * call, -1 the database failed.  voice.c sets it; deferred missed
 * calls are handed to it once the database can be written again.
 */
typedef int vakt_app_missed_fn(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms);

struct vakt_app {
	const struct vakt_config *cfg; /* current config; swapped on reload */
	struct vakt_store *store;
	struct vakt_outbox *outbox;
	struct vakt_tz tz;
	struct vakt_counters counters;
	bool is_turn_faulted;   /* the database failed in this loop turn */
	bool is_faulted;        /* the last database use failed */
	uint64_t n_faults;      /* failures since the fault state began */
	bool is_outbox_dirty;   /* rows were queued in this turn */
	size_t n_purged;        /* rows removed by the purge under way */
	bool is_commit_faulted; /* the last commit failed: /healthz 503 */
	char fault_why[VAKT_APP_WHY_LEN]; /* why, for /healthz */

	/* The turn's batch and the request under way (app.c only). */
	bool is_turn_open; /* this turn opened the batch */
	int64_t
	    turn_begin_ms;   /* monotonic, when it did: the deadline's start */
	size_t n_turn_kept;  /* requests whose writes wait for the commit */
	bool is_in_request;  /* between the request hooks */
	bool is_req_open;    /* the request's savepoint is open */
	bool is_req_faulted; /* the database failed in this request */
	/* A commit that outlived its deadline (app.c, a writer thread). */
	struct vakt_writer *writer;
	bool is_stalled;
	int commit_deadline_ms;        /* 0: VAKT_APP_COMMIT_DEADLINE_MS */
	vakt_app_missed_fn *missed_fn; /* see above; NULL: none */
	/* Calls answered while the database could not be written. */
	struct vakt_app_deferred *deferred;
	size_t n_deferred;
	/* This turn's new calls, deferred if their rows are lost. */
	struct vakt_app_deferred *lost;
	size_t n_lost;
	size_t n_lost_at_req;      /* n_lost when the request began */
	size_t n_deferred_written; /* of them, in this turn's batch */
	bool is_deferred_in_req;   /* written by the request under way */
	bool is_deferred_tried;    /* this turn tried to write them */
	int64_t deferred_try_ms;   /* monotonic time of the last try */

	/* The purge's clock guard (store.h, issue 10). */
	int64_t purge_clock_ms; /* the time the run under way trusts, or 0 */
	bool is_purge_clamped;  /* the last run did not trust the clock */

	/* Login code requests per peer address (session.c, issue 11). */
	struct vakt_app_login_peer login_peers[VAKT_APP_LOGIN_PEERS];
};

/*
 * Open this turn's batch if needed, and inside a request the request's
 * savepoint.  Returns 0, or -1 if the database cannot be written now
 * (this turn already failed, BEGIN failed, or a commit is stalled,
 * which is then recorded as a fault): the caller routes without it.
 */
int vakt_app_write(struct vakt_app *app);

/*
 * A write outside the request hooks (the outbox, a reload) takes the
 * write path too: outside a loop turn, a batch of its own committed on
 * the writer thread within the deadline, so that a frozen disk cannot
 * hold the loop; inside a turn's open batch, that batch.  own_begin():
 * 0, or -1 if the database cannot be written now; then always
 * own_end() with the write's rc: rc, or -1 if it is not durable.
 */
int vakt_app_own_begin(struct vakt_app *app, bool *is_own);
int vakt_app_own_end(struct vakt_app *app, bool is_own, int rc);

/*
 * May the database be read now?  Not while a stalled commit holds the
 * connection: -1 then (recorded as a fault), and the caller routes
 * without it.  Under WAL a read never waits for another writer.
 */
int vakt_app_read(struct vakt_app *app);

/*
 * The request hooks (http.c calls them around each routed handler).
 * At the end, a request whose writes failed is rolled back to its
 * savepoint and answered with its fail-safe reply alone; one whose
 * writes joined the batch is marked rep->is_batched.
 */
void vakt_app_request_begin(struct vakt_app *app);
void vakt_app_request_end(struct vakt_app *app, struct vakt_reply *rep);

/*
 * A call that was answered while its row could not be written (the
 * write lock held by vaktctl, a stalled commit): kept in memory and
 * written by a later turn.  plan's service and day name are copied.
 */
void vakt_app_defer_call(struct vakt_app *app, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms);

/*
 * A missed call whose mark and alerts could not be written (why: enum
 * vakt_missed): app->missed_fn does it later.  The _if_lost form, for
 * one written in this turn, defers it only if the request is rolled
 * back or the turn's commit fails or stalls.
 */
void vakt_app_defer_missed(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms);
void vakt_app_defer_missed_if_lost(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms);

/*
 * A youth's message forwarded to beredskap by TwiML because its row
 * could not be written (or, _if_lost, one whose row was written in this
 * turn, should the request be rolled back or the commit fail or
 * stall): logged later with plan (the safety plan), and beredskap's
 * thread set so that a reply goes back to the sender.
 */
void vakt_app_defer_sms(struct vakt_app *app, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who,
    int64_t now_ms);
void vakt_app_defer_sms_if_lost(struct vakt_app *app,
    const struct vakt_sms_meta *m, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms);

/*
 * A call whose row was written in this turn, answered (if the row is
 * lost) by plan: should the request be rolled back or the turn's
 * commit fail or stall, it joins the deferred calls with that plan, so
 * that its row is still written once the database works again.
 */
void vakt_app_defer_call_if_lost(struct vakt_app *app, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms);

/*
 * Write the deferred calls now (in the request's savepoint), so that a
 * later webhook of such a call finds its row.
 */
void vakt_app_write_deferred(struct vakt_app *app);

/*
 * Is a stalled commit still holding the database connection?  Nothing
 * on the loop may use the store meanwhile (it would wait for the disk).
 */
bool vakt_app_is_stalled(struct vakt_app *app);

/*
 * Truncate the WAL (vakt_store_checkpoint()) on the writer thread, so
 * that a frozen disk cannot hold the loop: 0 done, 1 not now (a reader,
 * an open batch, a stalled commit or checkpoint: try again later), -1
 * failed (err).
 */
int vakt_app_checkpoint(struct vakt_app *app, struct vakt_err *err);

/*
 * /healthz: 0, or -1 with a one-line reason in err while the store is
 * faulted (a failed commit, a stalled one, an unreachable database).
 */
int vakt_app_health(struct vakt_app *app, struct vakt_err *err);

/* Wait for a stalled commit and free what the write path holds. */
void vakt_app_fini(struct vakt_app *app);

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
 * The end of a loop turn, before its replies leave: write deferred
 * calls, commit the batch on the writer thread and wait for it up to
 * the deadline, then wake the outbox if rows were queued.  Returns 0,
 * or -1 if the turn's writes are not durable (the commit failed or is
 * still running): its batched replies must then go out fail-safe.
 */
int vakt_app_turn_end(struct vakt_app *app);

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
