/*
 * main.c: vaktd.  Arguments, configuration, the database, signal
 * events, systemd notification and the event loop; it wires modules
 * together and computes nothing itself.
 */
#include <sys/types.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "vakt/absence.h"
#include "vakt/api.h"
#include "vakt/app.h"
#include "vakt/config.h"
#include "vakt/console.h"
#include "vakt/followup.h"
#include "vakt/http.h"
#include "vakt/log.h"
#include "vakt/outbox.h"
#include "vakt/rota.h"
#include "vakt/session.h"
#include "vakt/sms.h"
#include "vakt/store.h"
#include "vakt/voice.h"

#define DEFAULT_CONFIG SYSCONFDIR_VAKT "/vakt.conf"

#ifndef SYSCONFDIR_VAKT
#define SYSCONFDIR_VAKT "/etc/vakt"
#endif

struct vaktd {
	struct event_base *base;
	struct vakt_http *http;
	struct vakt_api *api;
	struct vakt_app app;
	struct vakt_config *cfg; /* owned; app.cfg points here */
	struct event *ev_hup, *ev_term, *ev_int, *ev_watchdog, *ev_purge;
	struct event *ev_dbcheck;
	bool is_db_gone; /* the database file was deleted under us */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vaktd [-v] [-c FILE]\n"
	    "       vaktd --check-config [-c FILE]\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "      --check-config  validate the configuration and exit\n"
	    "  -v, --verbose       log debug lines\n"
	    "  -V, --version       print the version and exit\n",
	    DEFAULT_CONFIG);
}

/* Print every configuration error on stderr; returns EX_CONFIG. */
static int
config_errors(const struct vakt_strlist *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->v[i]);
	return EX_CONFIG;
}

static struct vakt_http_limits
limits_of(const struct vakt_config *cfg)
{
	struct vakt_http_limits lim = {
	    .max_body = cfg->http.max_body,
	    .max_headers = cfg->http.max_headers,
	    .timeout_s = cfg->http.timeout_s,
	    .max_connections = cfg->http.max_connections,
	    .max_per_peer = cfg->http.max_per_peer,
	    .request_timeout_s = cfg->http.request_timeout_s,
	};

	return lim;
}

/*
 * Is the database file still there?  Logged once when it goes (and if
 * it comes back): /healthz says it on every request.
 */
static int
db_check(struct vaktd *d, struct vakt_err *err)
{
	if (vakt_store_check(d->app.store, err) == -1) {
		if (!d->is_db_gone)
			vakt_log_errx("store: %s; nothing written from now on "
			              "will be kept: restore the database and "
			              "restart vaktd",
			    err->msg);
		d->is_db_gone = true;
		return -1;
	}
	if (d->is_db_gone)
		vakt_log_info("store: the database file is back");
	d->is_db_gone = false;
	return 0;
}

/* libevent's own lines, through our log and its repeat limit. */
static void
libevent_log_cb(int severity, const char *msg)
{
	static const int prio[] = {7, 6, 4, 3}; /* debug, msg, warn, err */
	char *vis = vakt_str_vis(msg);

	if (severity >= 0 && severity <= 3 &&
	    (severity > 0 || vakt_log_is_verbose()))
		vakt_log_repeat(prio[severity], "libevent: %s", vis);
	free(vis);
}

static int
health_hook(void *arg, struct vakt_err *err)
{
	struct vaktd *d = arg;

	/* Stalls and commit faults first: they keep us off the connection. */
	if (vakt_app_health(&d->app, err) == -1)
		return -1;
	return db_check(d, err);
}

static int
commit_hook(void *arg)
{
	struct vaktd *d = arg;

	return vakt_app_turn_end(&d->app);
}

static void
request_begin_hook(void *arg, struct vakt_reply *rep)
{
	struct vaktd *d = arg;

	(void)rep;
	vakt_app_request_begin(&d->app);
}

static void
request_end_hook(void *arg, struct vakt_reply *rep)
{
	struct vaktd *d = arg;

	vakt_app_request_end(&d->app, rep);
}

static void
metrics_store(const struct vaktd *d, struct vakt_buf *out)
{
	const struct vakt_counters *c = &d->app.counters;

	vakt_buf_printf(out,
	    "# HELP vakt_store_errors_total Database statements that failed.\n"
	    "# TYPE vakt_store_errors_total counter\n"
	    "vakt_store_errors_total %llu\n"
	    "# HELP vakt_failsafe_plans_total Calls routed by the safety "
	    "plan (beredskap, fallback) because of a fault.\n"
	    "# TYPE vakt_failsafe_plans_total counter\n"
	    "vakt_failsafe_plans_total %llu\n"
	    "# HELP vakt_failsafe_replies_total Replies replaced by their "
	    "fail-safe alternative because their writes were not durable.\n"
	    "# TYPE vakt_failsafe_replies_total counter\n"
	    "vakt_failsafe_replies_total %llu\n"
	    "# HELP vakt_commit_stalls_total Commits that outlived their "
	    "deadline.\n"
	    "# TYPE vakt_commit_stalls_total counter\n"
	    "vakt_commit_stalls_total %llu\n"
	    "# HELP vakt_deferred_calls_total Calls and missed-call marks "
	    "recorded after they were "
	    "answered (the database could not be written at once).\n"
	    "# TYPE vakt_deferred_calls_total counter\n"
	    "vakt_deferred_calls_total %llu\n"
	    "# HELP vakt_store_faulted Whether the last commit failed or is "
	    "stalled (/healthz says 503).\n"
	    "# TYPE vakt_store_faulted gauge\n"
	    "vakt_store_faulted %d\n"
	    "# HELP vakt_config_reloads_total SIGHUP reloads, by result.\n"
	    "# TYPE vakt_config_reloads_total counter\n"
	    "vakt_config_reloads_total{result=\"ok\"} %llu\n"
	    "vakt_config_reloads_total{result=\"refused\"} %llu\n",
	    (unsigned long long)c->store_errors,
	    (unsigned long long)c->failsafe_plans,
	    (unsigned long long)c->failsafe_replies,
	    (unsigned long long)c->commit_stalls,
	    (unsigned long long)c->deferred_calls,
	    d->app.is_commit_faulted || d->app.is_stalled ? 1 : 0,
	    (unsigned long long)c->reloads,
	    (unsigned long long)c->reload_failures);
}

static void
metrics_hook(void *arg, struct vakt_buf *out)
{
	struct vaktd *d = arg;
	const struct vakt_counters *c = &d->app.counters;

	vakt_buf_printf(out,
	    "# HELP vakt_build_info Version of this vaktd.\n"
	    "# TYPE vakt_build_info gauge\n"
	    "vakt_build_info{version=\"%s\"} 1\n",
	    VAKT_VERSION);
	vakt_buf_printf(out,
	    "# HELP vakt_calls_total Calls by what became of them.\n"
	    "# TYPE vakt_calls_total counter\n"
	    "vakt_calls_total{event=\"received\"} %llu\n"
	    "vakt_calls_total{event=\"answered\"} %llu\n"
	    "vakt_calls_total{event=\"missed\"} %llu\n"
	    "# HELP vakt_sms_received_total Messages received.\n"
	    "# TYPE vakt_sms_received_total counter\n"
	    "vakt_sms_received_total %llu\n"
	    "# HELP vakt_webhooks_rejected_total Webhooks refused (signature, "
	    "form).\n"
	    "# TYPE vakt_webhooks_rejected_total counter\n"
	    "vakt_webhooks_rejected_total %llu\n",
	    (unsigned long long)c->calls, (unsigned long long)c->answered,
	    (unsigned long long)c->missed, (unsigned long long)c->sms_in,
	    (unsigned long long)c->rejected);
	if (!vakt_app_is_stalled(&d->app)) /* it reads the database */
		vakt_outbox_metrics(d->app.outbox, out);
	metrics_store(d, out);
}

/*
 * SIGHUP: load the file again on the side.  A config that fails is
 * refused with every error logged and the running one kept; a good
 * one is swapped in between events.
 */
static void
reload(struct vaktd *d)
{
	struct vakt_strlist errs = {0}, notes = {0};
	struct vakt_config *neu;
	struct vakt_err err;
	struct vakt_http_limits lim;
	bool is_own;
	int rc;

	(void)sd_notify(0, "RELOADING=1");
	if (vakt_config_load(d->cfg->path, &neu, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			vakt_log_errx("config: %s", errs.v[i]);
		vakt_log_errx("config: reload refused, keeping the running "
		              "configuration");
		d->app.counters.reload_failures++;
		vakt_strlist_free(&errs);
		(void)sd_notify(0, "READY=1");
		return;
	}
	vakt_config_restart_needed(d->cfg, neu, &notes);
	for (size_t i = 0; i < notes.n; i++)
		vakt_log_warnx("config: %s", notes.v[i]);
	vakt_strlist_free(&notes);
	vakt_config_free(d->cfg);
	d->cfg = neu;
	d->app.cfg = neu;
	lim = limits_of(neu);
	vakt_http_set_limits(d->http, &lim);
	d->app.counters.reloads++;
	/* Committed on the writer thread: a frozen disk must not hold the
	 * loop (nor a stalled commit). */
	rc = vakt_app_own_begin(&d->app, &is_own);
	err.msg[0] = '\0';
	if (rc == 0)
		rc = vakt_store_audit_add(d->app.store, "vaktd",
		    "config.reload", neu->path, "", vakt_clock_now_ms(), &err);
	if (vakt_app_own_end(&d->app, is_own, rc) == -1)
		vakt_log_warnx("store: reload not audited: %s",
		    err.msg[0] != '\0' ? err.msg : "database unavailable");
	vakt_log_info(
	    "config: reloaded %s services=%zu", neu->path, neu->n_services);
	(void)sd_notify(0, "READY=1");
}

static void
drained(void *arg)
{
	struct vaktd *d = arg;

	vakt_log_info("vaktd: all requests answered, exiting");
	event_base_loopexit(d->base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct vaktd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(d);
		return;
	}
	vakt_log_info("vaktd: %s received, finishing requests",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	(void)sd_notify(0, "STOPPING=1");
	event_del(d->ev_hup);
	vakt_api_drain(d->api);
	vakt_http_drain(d->http, drained, d);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	(void)sd_notify(0, "WATCHDOG=1");
}

/* The database file, every DBCHECK_S even if nobody asks /healthz. */
#define DBCHECK_S 10

static void
dbcheck_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vaktd *d = arg;
	struct vakt_err err;

	(void)fd;
	(void)what;
	/* A stalled commit holds the connection: look next time. */
	if (!d->app.is_stalled)
		(void)db_check(d, &err);
}

/* The retention purge: a minute after start, then daily, in steps. */
static void
purge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vaktd *d = arg;
	const struct timeval soon = {0, 0}, day = {86400, 0};

	(void)fd;
	(void)what;
	event_add(d->ev_purge,
	    vakt_app_purge_step(&d->app, vakt_clock_now_ms()) ? &soon : &day);
}

static int
setup_events(struct vaktd *d)
{
	const struct timeval minute = {60, 0}, dbcheck = {DBCHECK_S, 0};
	uint64_t usec = 0;

	d->ev_hup = evsignal_new(d->base, SIGHUP, signal_cb, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, signal_cb, d);
	if (d->ev_hup == NULL || d->ev_term == NULL || d->ev_int == NULL ||
	    evsignal_add(d->ev_hup, NULL) == -1 ||
	    evsignal_add(d->ev_term, NULL) == -1 ||
	    evsignal_add(d->ev_int, NULL) == -1)
		return -1;
	d->ev_purge = evtimer_new(d->base, purge_cb, d);
	if (d->ev_purge == NULL || event_add(d->ev_purge, &minute) == -1)
		return -1;
	d->ev_dbcheck = event_new(d->base, -1, EV_PERSIST, dbcheck_cb, d);
	if (d->ev_dbcheck == NULL || event_add(d->ev_dbcheck, &dbcheck) == -1)
		return -1;
	/* Under systemd's WatchdogSec, ping at half the interval. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		struct timeval tv = {(time_t)(usec / 2000000),
		    (suseconds_t)(usec / 2 % 1000000)};

		d->ev_watchdog =
		    event_new(d->base, -1, EV_PERSIST, watchdog_cb, d);
		if (d->ev_watchdog == NULL ||
		    event_add(d->ev_watchdog, &tv) == -1)
			return -1;
	}
	return 0;
}

static int
start(struct vaktd *d)
{
	struct vakt_http_limits lim = limits_of(d->cfg);
	struct vakt_err err;
	int port;

	if (d->cfg->demo)
		vakt_log_warnx(
		    "vaktd: DEMO MODE (demo = true): not for production");
	d->app.store = vakt_store_open(
	    d->cfg->database, d->cfg->http.busy_timeout_ms, &err);
	if (d->app.store == NULL) {
		vakt_log_errx("store: %s", err.msg);
		/* Never an empty database in place of a lost one. */
		if (err.kind == VAKT_ERR_DATA)
			vakt_log_errx("vaktd: vaktd does not create its "
			              "database; create it with: vaktctl -c %s "
			              "init",
			    d->cfg->path);
		return EX_IOERR;
	}
	event_set_log_callback(libevent_log_cb);
	d->base = event_base_new();
	if (d->base == NULL || setup_events(d) == -1) {
		vakt_log_errx("vaktd: cannot set up the event loop");
		return EX_OSERR;
	}
	d->http = vakt_http_new(d->base, &lim, &err);
	if (d->http == NULL) {
		vakt_log_errx("%s", err.msg);
		return EX_OSERR;
	}
	d->app.outbox = vakt_outbox_new(d->base, &d->app, &err);
	if (d->app.outbox == NULL) {
		vakt_log_errx("%s", err.msg);
		return EX_OSERR;
	}
	vakt_http_set_hooks(d->http, health_hook, commit_hook, metrics_hook, d);
	vakt_http_set_request_hooks(
	    d->http, request_begin_hook, request_end_hook, d);
	vakt_voice_routes(d->http, &d->app);
	vakt_sms_routes(d->http, &d->app);
	vakt_followup_routes(d->http, &d->app);
	d->api = vakt_api_new(d->http, d->base, &d->app);
	vakt_rota_routes(d->http, &d->app);
	vakt_absence_routes(d->http, &d->app);
	vakt_session_routes(d->http, &d->app);
	vakt_console_routes(d->http, &d->app);
	if (vakt_http_listen(d->http, d->cfg->http.listen, d->cfg->http.port,
	        &port, &err) == -1) {
		vakt_log_errx("%s", err.msg);
		return EX_UNAVAILABLE;
	}
	vakt_log_info("vaktd: listening addr=%s port=%d database=%s "
	              "services=%zu version=%s",
	    d->cfg->http.listen, port, d->cfg->database, d->cfg->n_services,
	    VAKT_VERSION);
	return 0;
}

static void
stop(struct vaktd *d)
{
	vakt_api_free(d->api);
	vakt_http_free(d->http);
	vakt_outbox_free(d->app.outbox);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_watchdog != NULL)
		event_free(d->ev_watchdog);
	if (d->ev_purge != NULL)
		event_free(d->ev_purge);
	if (d->ev_dbcheck != NULL)
		event_free(d->ev_dbcheck);
	if (d->base != NULL)
		event_base_free(d->base);
	vakt_app_fini(&d->app);
	vakt_store_close(d->app.store);
	vakt_config_free(d->cfg);
}

/* Parse arguments; returns -1 to go on, or an exit code. */
static int
parse_args(int argc, char **argv, const char **path, bool *check)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:vVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			*path = optarg;
			break;
		case 'C':
			*check = true;
			break;
		case 'v':
			vakt_log_set_verbose(true);
			break;
		case 'V':
			printf("vaktd %s\n", VAKT_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct vaktd d = {0};
	struct vakt_strlist errs = {0};
	const char *path = DEFAULT_CONFIG;
	bool check = false;
	int rc;

	if ((rc = parse_args(argc, argv, &path, &check)) != -1)
		return rc;
	if (vakt_config_load(path, &d.cfg, &errs) == -1) {
		rc = config_errors(&errs);
		vakt_strlist_free(&errs);
		return rc;
	}
	if (check) {
		printf("ok\n");
		vakt_config_free(d.cfg);
		return 0;
	}
	/* Local time everywhere comes from this one zone (calendar.h). */
	if (setenv("TZ", d.cfg->timezone, 1) == -1)
		vakt_fatal("setenv TZ");
	tzset();
	vakt_calendar_tz_system(&d.app.tz);
	d.app.cfg = d.cfg;
	(void)signal(SIGPIPE, SIG_IGN);
	if (vakt_outbox_library_init() == -1)
		vakt_fatalx("vaktd: libcurl would not initialise");
	if ((rc = start(&d)) == 0) {
		(void)sd_notify(0, "READY=1");
		if (event_base_dispatch(d.base) == -1)
			rc = EX_SOFTWARE;
	}
	stop(&d);
	vakt_outbox_library_cleanup();
	return rc;
}
