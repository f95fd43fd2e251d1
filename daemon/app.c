/*
 * app.c: the write path shared by the webhook handlers.  A loop turn
 * opens one transaction at its first write and commits it once at its
 * end (group commit: one fsync for all the turn's contacts, with
 * synchronous=FULL kept).
 */
#include "vakt/app.h"

#include "vakt/config.h"
#include "vakt/log.h"
#include "vakt/outbox.h"
#include "vakt/store.h"

int
vakt_app_write(struct vakt_app *app)
{
	struct vakt_err err;

	if (app->is_turn_faulted)
		return -1;
	if (vakt_store_batch_begin(app->store, &err) == -1) {
		vakt_app_fault(app, "begin", &err);
		return -1;
	}
	return 0;
}

void
vakt_app_fault(
    struct vakt_app *app, const char *what, const struct vakt_err *err)
{
	app->counters.store_errors++;
	app->is_turn_faulted = true;
	app->n_faults++;
	if (!app->is_faulted)
		vakt_log_errx(
		    "store: %s failed: %s; routing by the safety plan "
		    "until it works again",
		    what, err->msg);
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

void
vakt_app_turn_end(struct vakt_app *app)
{
	struct vakt_err err;

	if (vakt_store_batch_is_open(app->store)) {
		if (vakt_store_batch_commit(app->store, &err) == -1) {
			/* The replies still go out: no call is lost to this. */
			vakt_app_fault(app, "commit", &err);
			app->is_outbox_dirty = false;
		} else if (!app->is_turn_faulted) {
			vakt_app_ok(app);
		}
	}
	app->is_turn_faulted = false;
	if (app->is_outbox_dirty && app->outbox != NULL)
		vakt_outbox_kick(app->outbox);
	app->is_outbox_dirty = false;
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
