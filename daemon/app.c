/*
 * app.c: the write path shared by the webhook handlers.  A loop turn
 * opens one transaction at its first write and commits it once at its
 * end (group commit: one fsync for all the turn's contacts, with
 * synchronous=FULL kept).
 */
#include "vakt/app.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vakt/config.h"
#include "vakt/http.h"
#include "vakt/log.h"
#include "vakt/outbox.h"
#include "vakt/store.h"

/*
 * The commit runs on a thread of its own so that a stalled disk cannot
 * hold the event loop past the 2 s promise.  The loop waits for it up
 * to the deadline; after that it answers fail-safe and leaves the
 * connection to the thread (is_stalled) until the thread says it is
 * done.  Only the fields under mu are shared.
 */
/* What the writer runs: the batch's commit, or a checkpoint. */
typedef int writer_fn(struct vakt_store *st, struct vakt_err *err);

struct vakt_writer {
	pthread_t thread;
	writer_fn *fn;
	bool is_commit; /* fn commits the batch: its result is the fault's */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vakt_store *store;
	int64_t started_ms;
	bool is_done; /* under mu */
	int rc;       /* under mu */
	struct vakt_err err;
};

/*
 * A call answered without its row (vakt_app_defer_call()), or a missed
 * call not yet marked and alerted (why != 0, only call_sid and now_ms).
 */
struct vakt_app_deferred {
	int why;          /* 0: a call's row; else enum vakt_missed */
	bool is_sms;      /* a youth's message forwarded by TwiML (call_sid: its
	                   * MessageSid, caller its From) */
	bool is_written;  /* in this turn's batch */
	unsigned n_fails; /* tries that failed, for the log */
	char to[32];
	size_t body_len;
	int segments;
	char call_sid[64];
	char caller[64];
	char service[VAKT_ID_LEN];
	char day_name[64];
	struct vakt_plan plan;
	struct vakt_caller who;
	int64_t now_ms;
};

void
vakt_app_fault(
    struct vakt_app *app, const char *what, const struct vakt_err *err)
{
	app->counters.store_errors++;
	app->is_turn_faulted = true;
	if (app->is_in_request)
		app->is_req_faulted = true;
	app->n_faults++;
	if (!app->is_faulted) {
		vakt_log_errx(
		    "store: %s failed: %s; routing by the safety plan "
		    "until it works again",
		    what, err->msg);
	}
	app->is_faulted = true;
}

void
vakt_app_ok(struct vakt_app *app)
{
	if (!app->is_faulted)
		return;
	vakt_log_info("store: working again after %llu failures",
	    (unsigned long long)app->n_faults);
	app->is_faulted = false;
	app->n_faults = 0;
}

/*
 * A commit failed (or outlived its deadline): the store is faulted for
 * /healthz until one succeeds.  It is the turn's end, so the flags of
 * the turn and the request under way are left alone.
 */
static void
commit_fault(struct vakt_app *app, const struct vakt_err *err)
{
	bool was_turn = app->is_turn_faulted, was_req = app->is_req_faulted;

	vakt_app_fault(app, "commit", err);
	app->is_turn_faulted = was_turn;
	app->is_req_faulted = was_req;
	app->is_commit_faulted = true;
	(void)snprintf(
	    app->fault_why, sizeof(app->fault_why), "%.150s", err->msg);
}

static void
commit_ok(struct vakt_app *app)
{
	app->is_commit_faulted = false;
	app->fault_why[0] = '\0';
}

/* ---------------------------------------------------------------- */
/* The writer thread. */

static void *
writer_main(void *arg)
{
	struct vakt_writer *w = arg;
	struct vakt_err err = {0};
	int rc = w->fn(w->store, &err);

	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	w->err = err;
	w->is_done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static struct vakt_writer *
writer_new(struct vakt_store *st)
{
	struct vakt_writer *w = vakt_xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	w->store = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	return w;
}

static void
writer_free(struct vakt_writer *w)
{
	if (w == NULL)
		return;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Wait for the writer until deadline_ms (monotonic); true if done. */
static bool
writer_wait(struct vakt_writer *w, int64_t deadline_ms)
{
	struct timespec ts = {.tv_sec = (time_t)(deadline_ms / 1000),
	    .tv_nsec = (long)(deadline_ms % 1000) * 1000000L};
	bool done;

	pthread_mutex_lock(&w->mu);
	while (!w->is_done &&
	    pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
		;
	done = w->is_done;
	pthread_mutex_unlock(&w->mu);
	return done;
}

/*
 * Collect a finished commit: 0 if it worked, else -1 (fault recorded).
 * Anything else the writer ran: its result, and no fault.
 */
static int
writer_result(struct vakt_app *app)
{
	struct vakt_writer *w = app->writer;

	(void)pthread_join(w->thread, NULL);
	if (!w->is_commit)
		return w->rc;
	if (w->rc == -1) {
		commit_fault(app, &w->err);
		return -1;
	}
	commit_ok(app);
	return 0;
}

/*
 * When to stop waiting (monotonic).  A turn's commit counts from the
 * turn's BEGIN, so a lock wait plus a slow commit still answer within
 * the 2 s a provider is promised; it gets COMMIT_MIN_MS in any case.
 */
#define COMMIT_MIN_MS 100

static int64_t
commit_until(const struct vakt_app *app, const struct vakt_writer *w,
    int deadline, bool is_commit)
{
	int64_t until = w->started_ms + deadline;

	if (is_commit && app->turn_begin_ms > 0 &&
	    app->turn_begin_ms + deadline < until)
		until = app->turn_begin_ms + deadline;
	if (until < w->started_ms + COMMIT_MIN_MS)
		until = w->started_ms + COMMIT_MIN_MS;
	return until;
}

/*
 * Run fn on the writer thread and wait for it up to the deadline: 1 it
 * finished (writer_result() collects it), 0 no thread could start (fn
 * did not run), -1 it is still running: the connection is the thread's
 * (is_stalled) until it returns.
 */
static int
writer_run(struct vakt_app *app, writer_fn *fn, bool is_commit)
{
	int deadline = app->commit_deadline_ms > 0
	    ? app->commit_deadline_ms
	    : VAKT_APP_COMMIT_DEADLINE_MS;
	struct vakt_writer *w;

	if (app->writer == NULL)
		app->writer = writer_new(app->store);
	w = app->writer;
	w->fn = fn;
	w->is_commit = is_commit;
	w->is_done = false;
	w->started_ms = vakt_clock_mono_ms();
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		return 0;
	if (writer_wait(w, commit_until(app, w, deadline, is_commit)))
		return 1;
	app->is_stalled = true;
	app->counters.commit_stalls++;
	vakt_log_errx("store: %s stalled past %d ms; this turn is "
	              "answered fail-safe and the database is left alone "
	              "until it returns",
	    is_commit ? "commit" : "checkpoint", deadline);
	return -1;
}

/*
 * Commit the batch on the writer thread and wait up to the deadline.
 * 0 committed, -1 failed or still running (then is_stalled is set).
 */
static int
commit_in_time(struct vakt_app *app)
{
	struct vakt_err err;
	int ran = writer_run(app, vakt_store_batch_commit, true);

	if (ran == 1)
		return writer_result(app);
	if (ran == -1) {
		vakt_err_set(&err, "the commit took over its deadline");
		commit_fault(app, &err);
		return -1;
	}
	/* No thread: commit here, as before there was one. */
	if (vakt_store_batch_commit(app->store, &err) == -1) {
		commit_fault(app, &err);
		return -1;
	}
	commit_ok(app);
	return 0;
}

static void poll_stall(struct vakt_app *app);

int
vakt_app_checkpoint(struct vakt_app *app, struct vakt_err *err)
{
	int ran;

	poll_stall(app);
	if (app->is_stalled || vakt_store_batch_is_open(app->store))
		return 1;
	ran = writer_run(app, vakt_store_checkpoint, false);
	if (ran == 0)
		return vakt_store_checkpoint(app->store, err);
	if (ran == -1)
		return 1;
	ran = writer_result(app);
	*err = app->writer->err;
	return ran;
}

/* Has a stalled commit finished?  Then take the connection back. */
static void
poll_stall(struct vakt_app *app)
{
	struct vakt_writer *w = app->writer;
	bool done;

	if (!app->is_stalled)
		return;
	pthread_mutex_lock(&w->mu);
	done = w->is_done;
	pthread_mutex_unlock(&w->mu);
	if (!done)
		return;
	app->is_stalled = false;
	if (writer_result(app) == 0) {
		/* Its rows are durable after all (their replies went out
		 * fail-safe): queued messages may go now. */
		vakt_log_warnx(
		    "store: the stalled commit finished after %lld ms",
		    (long long)(vakt_clock_mono_ms() - w->started_ms));
		vakt_app_ok(app);
		if (app->outbox != NULL)
			vakt_outbox_kick(app->outbox);
	}
}

bool
vakt_app_is_stalled(struct vakt_app *app)
{
	poll_stall(app);
	return app->is_stalled;
}

/* The stalled state as a fault of this turn; -1 while it lasts. */
static int
check_stall(struct vakt_app *app)
{
	struct vakt_err err;

	poll_stall(app);
	if (!app->is_stalled)
		return 0;
	if (app->is_in_request)
		app->is_req_faulted = true;
	if (!app->is_turn_faulted) {
		vakt_err_set(&err, "store stalled: a commit has not finished");
		vakt_app_fault(app, "write", &err);
	}
	return -1;
}

/* ---------------------------------------------------------------- */
/* The write path. */

static void lost_defer(struct vakt_app *app, size_t first);

int
vakt_app_write(struct vakt_app *app)
{
	struct vakt_err err;

	if (check_stall(app) == -1 || app->is_turn_faulted)
		return -1;
	if (!vakt_store_batch_is_open(app->store)) {
		if (app->is_turn_open) {
			/* SQLite rolled the batch back by itself. */
			vakt_err_set(&err, "the batch was rolled back");
			vakt_app_fault(app, "batch", &err);
			return -1;
		}
		/* BEGIN may wait busy_timeout_ms for a lock: that wait
		 * counts against the turn's deadline as well. */
		app->turn_begin_ms = vakt_clock_mono_ms();
		if (vakt_store_batch_begin(app->store, &err) == -1) {
			vakt_app_fault(app, "begin", &err);
			return -1;
		}
		app->is_turn_open = true;
	}
	if (app->is_in_request && !app->is_req_open) {
		if (vakt_store_batch_mark(app->store, &err) == -1) {
			vakt_app_fault(app, "savepoint", &err);
			return -1;
		}
		app->is_req_open = true;
	}
	return 0;
}

int
vakt_app_own_begin(struct vakt_app *app, bool *is_own)
{
	*is_own = !vakt_store_batch_is_open(app->store) && !app->is_turn_open &&
	    !app->is_turn_faulted && !app->is_in_request;
	if (*is_own && vakt_app_is_stalled(app))
		return -1;
	return vakt_app_write(app);
}

int
vakt_app_own_end(struct vakt_app *app, bool is_own, int rc)
{
	if (is_own && vakt_app_turn_end(app) == -1)
		return -1;
	return rc;
}

int
vakt_app_read(struct vakt_app *app)
{
	return check_stall(app);
}

void
vakt_app_request_begin(struct vakt_app *app)
{
	poll_stall(app);
	app->is_in_request = true;
	app->n_lost_at_req = app->n_lost;
	app->is_deferred_in_req = false;
	app->is_req_open = false;
	app->is_req_faulted = false;
}

void
vakt_app_request_end(struct vakt_app *app, struct vakt_reply *rep)
{
	struct vakt_err err;

	app->is_in_request = false;
	if (!app->is_req_open)
		return;
	app->is_req_open = false;
	if (!app->is_req_faulted &&
	    vakt_store_batch_keep(app->store, &err) == 0) {
		rep->is_batched = true;
		app->n_turn_kept++;
		return;
	}
	if (!app->is_req_faulted)
		vakt_app_fault(app, "release", &err);
	/* Nothing of this request stays: only its fail-safe answer. */
	if (vakt_store_batch_undo(app->store, &err) == -1)
		vakt_log_warnx("store: %s", err.msg);
	if (app->is_deferred_in_req) {
		app->n_deferred_written = 0;
		for (size_t i = 0; i < app->n_deferred; i++)
			app->deferred[i].is_written = false;
	}
	lost_defer(app, app->n_lost_at_req);
	if (rep->failsafe != NULL) {
		vakt_reply_use_failsafe(rep);
		app->counters.failsafe_replies++;
	}
}

static void
deferred_fill(struct vakt_app_deferred *d, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms)
{
	memset(d, 0, sizeof(*d));
	(void)vakt_strlcpy(d->call_sid, call_sid, sizeof(d->call_sid));
	(void)vakt_strlcpy(d->caller, caller, sizeof(d->caller));
	(void)vakt_strlcpy(d->service, plan->svc->id, sizeof(d->service));
	(void)vakt_strlcpy(d->day_name,
	    plan->day_name != NULL ? plan->day_name : "", sizeof(d->day_name));
	d->plan = *plan;
	d->who = *who;
	d->now_ms = now_ms;
}

/* Append d to the deferred calls; false (logged) if they are full. */
static bool
deferred_push(struct vakt_app *app, const struct vakt_app_deferred *d)
{
	if (app->n_deferred == VAKT_APP_DEFERRED_MAX) {
		vakt_log_errx("store: call %s answered but not recorded: "
		              "%d calls already wait for the database",
		    d->call_sid, VAKT_APP_DEFERRED_MAX);
		return false;
	}
	if (app->deferred == NULL)
		app->deferred =
		    vakt_xcalloc(VAKT_APP_DEFERRED_MAX, sizeof(*app->deferred));
	app->deferred[app->n_deferred++] = *d;
	if (d->is_sms)
		vakt_log_warnx("store: message %s forwarded by TwiML; its row "
		               "waits for the database",
		    d->call_sid);
	else if (d->why == 0)
		vakt_log_warnx("store: call %s answered; its row waits for "
		               "the database",
		    d->call_sid);
	else
		vakt_log_warnx("store: call %s missed; its alerts wait for "
		               "the database",
		    d->call_sid);
	return true;
}

static void
missed_fill(
    struct vakt_app_deferred *d, const char *call_sid, int why, int64_t now_ms)
{
	memset(d, 0, sizeof(*d));
	d->why = why;
	(void)vakt_strlcpy(d->call_sid, call_sid, sizeof(d->call_sid));
	d->now_ms = now_ms;
}

void
vakt_app_defer_missed(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms)
{
	struct vakt_app_deferred d;

	missed_fill(&d, call_sid, why, now_ms);
	(void)deferred_push(app, &d);
}

void
vakt_app_defer_missed_if_lost(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms)
{
	if (app->n_lost == VAKT_APP_DEFERRED_MAX)
		return;
	if (app->lost == NULL)
		app->lost =
		    vakt_xcalloc(VAKT_APP_DEFERRED_MAX, sizeof(*app->lost));
	missed_fill(&app->lost[app->n_lost++], call_sid, why, now_ms);
}

void
vakt_app_defer_call(struct vakt_app *app, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms)
{
	struct vakt_app_deferred d;

	deferred_fill(&d, call_sid, caller, plan, who, now_ms);
	(void)deferred_push(app, &d);
}

void
vakt_app_defer_call_if_lost(struct vakt_app *app, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms)
{
	if (app->n_lost == VAKT_APP_DEFERRED_MAX)
		return;
	if (app->lost == NULL)
		app->lost =
		    vakt_xcalloc(VAKT_APP_DEFERRED_MAX, sizeof(*app->lost));
	deferred_fill(
	    &app->lost[app->n_lost++], call_sid, caller, plan, who, now_ms);
}

static void
sms_fill(struct vakt_app_deferred *d, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who, int64_t now_ms)
{
	deferred_fill(d, m->sid, m->from, plan, who, now_ms);
	d->is_sms = true;
	(void)vakt_strlcpy(d->to, m->to, sizeof(d->to));
	d->body_len = m->body_len;
	d->segments = m->segments;
}

void
vakt_app_defer_sms(struct vakt_app *app, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who, int64_t now_ms)
{
	struct vakt_app_deferred d;

	sms_fill(&d, m, plan, who, now_ms);
	(void)deferred_push(app, &d);
}

void
vakt_app_defer_sms_if_lost(struct vakt_app *app, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who, int64_t now_ms)
{
	if (app->n_lost == VAKT_APP_DEFERRED_MAX)
		return;
	if (app->lost == NULL)
		app->lost =
		    vakt_xcalloc(VAKT_APP_DEFERRED_MAX, sizeof(*app->lost));
	sms_fill(&app->lost[app->n_lost++], m, plan, who, now_ms);
}

/*
 * A message forwarded to beredskap by TwiML: log it with the safety
 * plan (unless its row is there), and let beredskap's reply go back to
 * the sender.  No outbox rows: it has been forwarded.  0 or -1.
 */
static int
write_sms(struct vakt_app *app, const struct vakt_app_deferred *d,
    struct vakt_err *err)
{
	struct vakt_sms_meta m = {.sid = d->call_sid,
	    .from = d->caller,
	    .to = d->to,
	    .body_len = d->body_len,
	    .segments = d->segments};
	const struct vakt_caller *who = &d->who;
	int64_t id;
	bool is_dup;

	if (vakt_store_sms_add(
	        app->store, &m, &d->plan, who, &id, &is_dup, err) == -1)
		return -1;
	/* A duplicate too: its commit worked after all (a stall), yet
	 * beredskap got it by TwiML and answers it. */
	if (!vakt_e164_valid(d->caller))
		return 0;
	return vakt_store_thread_set(app->store, d->plan.svc->id,
	    d->plan.steps[0].number, who->is_known ? who->youth.id : "",
	    d->caller, d->now_ms, err);
}

/* Calls from first on whose rows were lost: defer them. */
static void
lost_defer(struct vakt_app *app, size_t first)
{
	for (size_t i = first; i < app->n_lost; i++)
		(void)deferred_push(app, &app->lost[i]);
	app->n_lost = first;
}

/* One deferred row in the open batch: 0 written (or dropped), -1 not. */
static int
deferred_one(
    struct vakt_app *app, struct vakt_app_deferred *d, struct vakt_err *err)
{
	int64_t id;
	bool is_dup;

	if (d->why != 0) {
		if (app->missed_fn == NULL ||
		    app->missed_fn(app, d->call_sid, d->why, d->now_ms) != -1)
			return 0;
		vakt_err_set(err, "missed call %s", d->call_sid);
		return -1;
	}
	d->plan.svc = vakt_config_service_by_id(app->cfg, d->service);
	d->plan.day_name = d->day_name[0] != '\0' ? d->day_name : NULL;
	if (d->plan.svc == NULL) {
		vakt_log_errx(
		    "store: %s not recorded: its service is gone", d->call_sid);
		return 0;
	}
	if (d->is_sms)
		return write_sms(app, d, err);
	return vakt_store_call_add(app->store, d->call_sid, d->caller, &d->plan,
	    &d->who, d->now_ms, &id, &is_dup, err);
}

/*
 * Write the deferred rows into this turn's batch, each in a savepoint
 * of its own: one that fails stays for a later turn without taking the
 * others (or the turn) with it.  They leave the list only once the
 * turn has committed: a row written twice is one row.
 */
static void
write_deferred(struct vakt_app *app)
{
	struct vakt_err err, err2;
	int64_t now = vakt_clock_mono_ms();
	size_t n = 0;

	if (app->n_deferred == 0 || app->is_deferred_tried)
		return;
	/* A turn without writes tries at most once a second: BEGIN may
	 * wait for the busy timeout while another process writes. */
	if (!app->is_turn_open && !app->is_in_request &&
	    now - app->deferred_try_ms < 1000)
		return;
	app->deferred_try_ms = now;
	if (vakt_app_write(app) == -1)
		return;
	app->is_deferred_tried = true;
	for (size_t i = 0; i < app->n_deferred; i++) {
		struct vakt_app_deferred *d = &app->deferred[i];
		bool was_turn = app->is_turn_faulted;
		bool was_req = app->is_req_faulted;

		if (vakt_store_batch_mark(app->store, &err) == -1)
			break;
		if (deferred_one(app, d, &err) == 0) {
			if (vakt_store_batch_keep(app->store, &err) == -1)
				break;
			d->is_written = true;
			n++;
			continue;
		}
		(void)vakt_store_batch_undo(app->store, &err2);
		if (!vakt_store_batch_is_open(app->store)) {
			vakt_app_fault(app, "deferred row", &err);
			break;
		}
		/* Contained in its savepoint: not a fault of this turn. */
		app->is_turn_faulted = was_turn;
		app->is_req_faulted = was_req;
		if (d->n_fails++ % 100 == 0)
			vakt_log_warnx(
			    "store: %s still waits: %s", d->call_sid, err.msg);
	}
	app->n_deferred_written = n;
	app->is_deferred_in_req = app->is_in_request;
}

void
vakt_app_write_deferred(struct vakt_app *app)
{
	write_deferred(app);
}

/* The turn is over: drop the deferred rows it made durable. */
static void
deferred_done(struct vakt_app *app, bool is_durable)
{
	size_t kept = 0, n = app->n_deferred_written;

	app->n_deferred_written = 0;
	app->is_deferred_tried = false;
	for (size_t i = 0; i < app->n_deferred; i++) {
		struct vakt_app_deferred *d = &app->deferred[i];

		if (d->is_written && is_durable)
			continue;
		d->is_written = false;
		app->deferred[kept++] = *d;
	}
	app->n_deferred = kept;
	if (n == 0 || !is_durable)
		return;
	app->counters.deferred_calls += n;
	vakt_log_info("store: %zu deferred calls recorded", n);
}

int
vakt_app_turn_end(struct vakt_app *app)
{
	bool was_faulted = app->is_turn_faulted;
	int rc = 0;

	poll_stall(app);
	if (!app->is_stalled && !app->is_turn_faulted)
		write_deferred(app);
	if (app->is_turn_open) {
		if (!vakt_store_batch_is_open(app->store)) {
			struct vakt_err err;

			vakt_err_set(&err, "the batch was rolled back");
			commit_fault(app, &err);
			rc = -1;
		} else {
			rc = commit_in_time(app);
		}
		if (rc == -1) {
			app->counters.failsafe_replies += app->n_turn_kept;
			app->is_outbox_dirty = false;
			lost_defer(app, 0);
		} else if (!was_faulted) {
			vakt_app_ok(app);
		}
	}
	/* A request that wrote them may have been rolled back since. */
	deferred_done(app, rc == 0 && app->is_turn_open);
	app->n_lost = 0;
	app->is_turn_open = false;
	app->turn_begin_ms = 0;
	app->n_turn_kept = 0;
	app->is_turn_faulted = false;
	if (app->is_outbox_dirty && app->outbox != NULL)
		vakt_outbox_kick(app->outbox);
	app->is_outbox_dirty = false;
	return rc;
}

int
vakt_app_health(struct vakt_app *app, struct vakt_err *err)
{
	poll_stall(app);
	if (app->is_stalled) {
		vakt_err_set(err,
		    "store stalled: a commit has not finished "
		    "for %lld ms",
		    (long long)(vakt_clock_mono_ms() -
		        app->writer->started_ms));
		return -1;
	}
	if (app->is_commit_faulted) {
		vakt_err_set(
		    err, "store faulted: commit failed: %s", app->fault_why);
		return -1;
	}
	/* main.c checks the file itself (deleted or replaced) after this. */
	return vakt_store_ping(app->store, err);
}

/* Wait for a stalled commit, however long the disk takes. */
static void
stall_wait(struct vakt_app *app)
{
	if (!app->is_stalled)
		return;
	vakt_log_warnx("store: waiting for the stalled commit");
	if (writer_result(app) == 0)
		vakt_app_ok(app);
	app->is_stalled = false;
}

void
vakt_app_fini(struct vakt_app *app)
{
	/* The outbox is gone by now: rows queued here wait for the next
	 * start.  Calls answered without their rows get them now. */
	app->outbox = NULL;
	stall_wait(app);
	for (int i = 0; i < 3 && app->n_deferred > 0; i++) {
		app->deferred_try_ms = 0;
		(void)vakt_app_turn_end(app);
		stall_wait(app);
	}
	writer_free(app->writer);
	app->writer = NULL;
	if (app->n_deferred > 0)
		vakt_log_errx("store: %zu answered calls were never recorded",
		    app->n_deferred);
	free(app->deferred);
	app->deferred = NULL;
	app->n_deferred = 0;
	free(app->lost);
	app->lost = NULL;
	app->n_lost = 0;
}

#define PURGE_CHUNK 500
#define DAY_MS      (86400LL * 1000)

/*
 * Start a purge run: the clock it trusts (store.h's guard), fixed for
 * every step of the run so that a run moves the mark once.  An
 * untrusted clock is logged when it begins and when it ends, not daily.
 */
static int
purge_start(struct vakt_app *app, int64_t now_ms)
{
	struct vakt_err err;
	int64_t trusted;

	if (vakt_store_purge_clock(app->store, now_ms, &trusted, &err) == -1) {
		vakt_log_warnx("store: purge: %s", err.msg);
		return -1;
	}
	if (trusted < now_ms && !app->is_purge_clamped)
		vakt_log_warnx("store: purge: clock not trusted: more than "
		               "%lld days past the last purge or the newest "
		               "record; purging as of %lld days before now",
		    (long long)(VAKT_PURGE_SLACK_MS / DAY_MS),
		    (long long)((now_ms - trusted) / DAY_MS));
	else if (trusted == now_ms && app->is_purge_clamped)
		vakt_log_info("store: purge: the clock is trusted again");
	app->is_purge_clamped = trusted < now_ms;
	app->purge_clock_ms = trusted;
	app->n_purged = 0;
	return 0;
}

/* The run is over: write its mark (an audit row) and say what went. */
static void
purge_end(struct vakt_app *app)
{
	struct vakt_err err;

	if (vakt_store_purge_done(app->store, "vaktd", app->purge_clock_ms,
	        app->cfg->retention.contacts_days, app->n_purged, &err) == -1)
		vakt_log_warnx("store: purge: %s", err.msg);
	if (app->n_purged > 0)
		vakt_log_info("store: purged %zu rows older than %d days",
		    app->n_purged, app->cfg->retention.contacts_days);
	app->n_purged = 0;
	app->purge_clock_ms = 0;
}

bool
vakt_app_purge_step(struct vakt_app *app, int64_t now_ms)
{
	struct vakt_err err;
	int64_t before;
	size_t n;

	poll_stall(app);
	if (app->is_stalled)
		return false;
	if (app->purge_clock_ms == 0 && purge_start(app, now_ms) == -1)
		return false;
	before =
	    app->purge_clock_ms - app->cfg->retention.contacts_days * DAY_MS;
	if (vakt_store_purge(app->store, before, PURGE_CHUNK, &n, &err) == -1) {
		vakt_log_warnx("store: purge: %s", err.msg);
		app->n_purged = 0;
		app->purge_clock_ms = 0;
		return false;
	}
	app->n_purged += n;
	if (n > 0)
		return true;
	purge_end(app);
	return false;
}
