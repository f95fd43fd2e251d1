/*
 * api.c: /api/v1/ for leaders and admins.  Every request carries a
 * per-person token (Bearer, or Basic with the token as password so a
 * browser can open the HTML report); each use is written to the audit
 * trail.  A report is made in a child process with its own database
 * connection, so that a year of contacts never holds up the event loop
 * that answers calls; the reply goes out when the child is done.
 */
#include "vakt/api.h"

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "vakt/app.h"
#include "vakt/auth.h"
#include "vakt/config.h"
#include "vakt/log.h"
#include "vakt/session.h"
#include "vakt/store.h"

#define CHILDREN_MAX      2
#define REPORT_TIMEOUT_S  120
#define REPORT_OUTPUT_MAX (64u << 20)
#define STORE_BUSY_MS     5000
#define MAX_DAYS_BY_DAY   3700 /* ten years */

struct child {
	struct vakt_api *api;
	pid_t pid;
	int fd;
	struct event *ev;    /* output from the child */
	struct event *timer; /* REPORT_TIMEOUT_S */
	struct vakt_http_later *later;
	enum vakt_report_format fmt;
	struct vakt_buf out;
};

struct vakt_api {
	struct event_base *base;
	struct vakt_app *app;
	struct child *children[CHILDREN_MAX];
};

static const char *const report_keys[] = {"service", "from", "to", "period",
    "by", "within", "format", "external", NULL};

static bool
is_report_key(const char *k)
{
	for (size_t i = 0; report_keys[i] != NULL; i++)
		if (strcmp(k, report_keys[i]) == 0)
			return true;
	return false;
}

/* from/to or period into p's dates. */
static int
parse_dates(const struct vakt_kvs *args, struct vakt_report_params *p,
    struct vakt_err *err)
{
	const char *from = vakt_kvs_get(args, "from");
	const char *to = vakt_kvs_get(args, "to");
	const char *period = vakt_kvs_get(args, "period");

	if (period != NULL && (from != NULL || to != NULL)) {
		vakt_err_data(err, "give either a period or from and to");
		return -1;
	}
	if (period != NULL) {
		(void)vakt_strlcpy(p->label, period, sizeof(p->label));
		return vakt_report_parse_period(
		    period, &p->from_date, &p->to_date, err);
	}
	if (from == NULL || to == NULL) {
		vakt_err_data(err,
		    "give a period (2026-T3, 2026-11, 2026-W48, "
		    "2026) or both from and to (YYYY-MM-DD)");
		return -1;
	}
	if (vakt_date_parse(from, &p->from_date) == -1) {
		vakt_err_data(
		    err, "from \"%.32s\": not a date YYYY-MM-DD", from);
		return -1;
	}
	if (vakt_date_parse(to, &p->to_date) == -1) {
		vakt_err_data(err, "to \"%.32s\": not a date YYYY-MM-DD", to);
		return -1;
	}
	snprintf(p->label, sizeof(p->label), "%.10s..%.10s", from, to);
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	if (v == NULL)
		return 0;
	if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "no") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* by, within, format, external, service. */
static int
parse_options(const struct vakt_config *cfg, const struct vakt_kvs *args,
    struct vakt_report_params *p, enum vakt_report_format *fmt,
    struct vakt_err *err)
{
	const char *by = vakt_kvs_get(args, "by");
	const char *within = vakt_kvs_get(args, "within");
	const char *format = vakt_kvs_get(args, "format");
	const char *svc = vakt_kvs_get(args, "service");

	if (by != NULL && vakt_report_parse_by(by, &p->by) == -1) {
		vakt_err_data(err,
		    "by \"%s\": one of none, service, "
		    "coordinator, youth, category, day, week, "
		    "month, tertial",
		    by);
		return -1;
	}
	if (within != NULL) {
		char *end;
		long w = strtol(within, &end, 10);

		if (*end != '\0' || end == within || w < 1 || w > 3600) {
			vakt_err_data(
			    err, "within \"%s\": seconds, 1..3600", within);
			return -1;
		}
		p->within_s = (int)w;
	}
	if (format != NULL && vakt_report_parse_format(format, fmt) == -1) {
		vakt_err_data(
		    err, "format \"%s\": text, csv, json or html", format);
		return -1;
	}
	if (parse_bool(vakt_kvs_get(args, "external"), &p->is_external) == -1) {
		vakt_err_data(err, "external: true or false");
		return -1;
	}
	if (svc != NULL && vakt_config_service_by_id(cfg, svc) == NULL) {
		vakt_err_data(err, "no service \"%s\"", svc);
		return -1;
	}
	p->service = svc;
	return 0;
}

int
vakt_api_report_params(const struct vakt_config *cfg, const struct vakt_tz *tz,
    const struct vakt_kvs *args, int64_t now_ms, struct vakt_report_params *p,
    enum vakt_report_format *fmt, struct vakt_err *err)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->tz = tz;
	p->by = VAKT_BY_NONE;
	p->within_s = 30;
	p->now_ms = now_ms;
	for (size_t i = 0; i < args->n; i++) {
		if (!is_report_key(args->v[i].key)) {
			vakt_err_data(
			    err, "unknown parameter \"%s\"", args->v[i].key);
			return -1;
		}
	}
	if (parse_dates(args, p, err) == -1 ||
	    parse_options(cfg, args, p, fmt, err) == -1 ||
	    vakt_report_bounds(p, err) == -1)
		return -1;
	/* A row per day for decades is no report, and a lot of memory. */
	if (p->by == VAKT_BY_DAY &&
	    vakt_days_from_civil(
	        p->to_date / 10000, p->to_date / 100 % 100, p->to_date % 100) -
	            vakt_days_from_civil(p->from_date / 10000,
	                p->from_date / 100 % 100, p->from_date % 100) >=
	        MAX_DAYS_BY_DAY) {
		vakt_err_data(err,
		    "by day covers at most %d days; group by "
		    "week or month for longer periods",
		    MAX_DAYS_BY_DAY);
		return -1;
	}
	return 0;
}

int
vakt_api_report(struct vakt_store *st, const struct vakt_report_params *p,
    enum vakt_report_format fmt, struct vakt_buf *out, struct vakt_err *err)
{
	struct vakt_report *r = vakt_report_new(p);
	int rc;

	rc = vakt_store_report_scan(
	    st, p->from_ms, p->to_ms, p->service, vakt_report_add, r, err);
	if (rc == 0)
		vakt_report_render(r, fmt, out);
	vakt_report_free(r);
	return rc;
}

/*
 * The caller of a request by its token (Bearer or Basic): 1 with *t,
 * 0 for none, -1 with rep set to 503.
 */
static int
token_caller(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, struct vakt_token *t)
{
	char token[VAKT_TOKEN_LEN + 8], hash[VAKT_HASH_LEN];
	struct vakt_err err;
	int found;

	if (vakt_auth_from_header(vakt_req_header(req, "Authorization"), token,
	        sizeof(token)) == -1)
		return 0;
	vakt_auth_hash(token, hash);
	explicit_bzero(token, sizeof(token));
	if (vakt_app_write(app) == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return -1;
	}
	found = vakt_store_token_check(
	    app->store, hash, vakt_clock_now_ms(), t, &err);
	if (found == -1) {
		vakt_app_fault(app, "token check", &err);
		vakt_reply_text(rep, 503, "database unavailable");
	}
	return found;
}

/*
 * The caller by a login session cookie (session.h): 1 with *t, 0 for
 * none, -1 with rep set to 503, or to 403 for a state-changing request
 * without the session's CSRF token.
 */
static int
session_caller(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, struct vakt_token *t)
{
	struct vakt_session s;
	int found = vakt_session_check(app, req, &s);

	if (found == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return -1;
	}
	if (found == 0)
		return 0;
	memset(t, 0, sizeof(*t));
	(void)vakt_strlcpy(t->name, s.staff, sizeof(t->name));
	t->role = s.role;
	t->is_session = true;
	if ((req->method == VAKT_POST || req->method == VAKT_DELETE) &&
	    !vakt_session_csrf_ok(req, s.csrf)) {
		vakt_log_warnx(
		    "api: %s refused: no CSRF token staff=%s peer=%s",
		    req->path, s.staff, req->peer);
		vakt_reply_text(rep, 403,
		    "a state-changing request needs the X-CSRF-Token header");
		return -1;
	}
	return 1;
}

/*
 * The caller of the request (a token, else a session) and whether it
 * may do `need`.  Writes 401 (with a Basic challenge, so a browser
 * asks) or 403 into rep and returns false when not; an allowed use
 * goes to the audit trail.
 */
bool
vakt_api_authorized(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, enum vakt_auth_role need, struct vakt_token *who)
{
	struct vakt_token t;
	struct vakt_err err;
	int found = token_caller(app, req, rep, &t);

	if (found == 0)
		found = session_caller(app, req, rep, &t);
	if (found == -1)
		return false;
	if (found == 0) {
		vakt_log_warnx("api: %s refused: no valid token peer=%s",
		    req->path, req->peer);
		rep->www_authenticate =
		    "Basic realm=\"vakt\", charset=\"UTF-8\"";
		vakt_reply_text(rep, 401, "a valid token is required");
		return false;
	}
	vakt_reply_note(rep, "%s=%s", t.is_session ? "staff" : "token", t.name);
	if (who != NULL)
		*who = t;
	if (!vakt_auth_role_covers(t.role, need)) {
		vakt_reply_text(rep, 403, "%s %s may not do this",
		    t.is_session ? "staff" : "token", t.name);
		return false;
	}
	if (vakt_store_audit_add(app->store, t.name, "api.use", req->path,
	        strchr(req->uri, '?') != NULL ? strchr(req->uri, '?') + 1 : "",
	        vakt_clock_now_ms(), &err) == -1)
		vakt_app_fault(app, "audit", &err);
	return true;
}

static const char *
content_type(enum vakt_report_format f)
{
	switch (f) {
	case VAKT_FORMAT_CSV:
		return "text/csv; charset=utf-8";
	case VAKT_FORMAT_JSON:
		return "application/json";
	case VAKT_FORMAT_HTML:
		return "text/html; charset=utf-8";
	case VAKT_FORMAT_TEXT:
		break;
	}
	return "text/plain; charset=utf-8";
}

static void
child_free(struct child *c)
{
	struct vakt_api *api = c->api;

	for (size_t i = 0; i < CHILDREN_MAX; i++)
		if (api->children[i] == c)
			api->children[i] = NULL;
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pid > 0) {
		(void)kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, NULL, 0);
	}
	vakt_buf_free(&c->out);
	free(c);
}

/*
 * The child is done: its output is "O" + report, or "E" + why (a
 * string).  why, when set, says what went wrong on our side and the
 * output is not used.
 */
static void
child_done(struct child *c, const char *why)
{
	struct vakt_reply rep = {0};
	int st = 0;

	/*
	 * After EOF it is on its way out.  Otherwise it may still be
	 * writing to a pipe nobody reads: stop it, or the wait would
	 * block the loop for good.
	 */
	if (why != NULL)
		(void)kill(c->pid, SIGKILL);
	if (waitpid(c->pid, &st, 0) == c->pid)
		c->pid = 0;
	if (why == NULL && c->out.len > 0 && c->out.p[0] == 'O' &&
	    WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		char *body = vakt_xmalloc(c->out.len);

		memcpy(body, c->out.p + 1, c->out.len - 1);
		body[c->out.len - 1] = '\0';
		vakt_reply_take(
		    &rep, 200, content_type(c->fmt), body, c->out.len - 1);
	} else {
		if (why != NULL)
			vakt_reply_text(
			    &rep, 500, "the report could not be made: %s", why);
		else
			vakt_reply_text(
			    &rep, 500, "the report could not be made");
		/* Only an "E" carries a message; never log report data. */
		if (why == NULL && c->out.len > 1 && c->out.p[0] == 'E' &&
		    memchr(c->out.p, '\0', c->out.len) != NULL)
			why = c->out.p + 1;
		vakt_log_errx("api: report failed: %s",
		    why != NULL ? why : "the report process died");
	}
	vakt_http_finish(c->later, &rep);
	c->later = NULL;
	child_free(c);
}

static void
child_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	char chunk[65536];
	ssize_t n;

	(void)what;
	n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		child_done(c, strerror(errno));
		return;
	}
	if (n > 0 && c->out.len + (size_t)n > REPORT_OUTPUT_MAX) {
		char why[80];

		(void)snprintf(why, sizeof(why),
		    "over %u MiB; ask for a shorter period or coarser groups",
		    REPORT_OUTPUT_MAX >> 20);
		child_done(c, why);
		return;
	}
	if (n > 0)
		vakt_buf_add(&c->out, chunk, (size_t)n);
	else
		child_done(c, NULL);
}

static void
child_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	struct vakt_reply rep = {0};

	(void)fd;
	(void)what;
	vakt_log_errx("api: report took over %d s; stopped", REPORT_TIMEOUT_S);
	vakt_reply_text(&rep, 504, "the report took too long");
	vakt_http_finish(c->later, &rep);
	c->later = NULL;
	child_free(c);
}

/* write(2) all of it; in the child only. */
static void
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Drop every descriptor inherited from vaktd but the pipe: the
 * listening socket, clients' connections, the database (SQLite
 * connections must not cross fork; this one gets its own).
 */
static void
close_inherited(int keep)
{
	struct rlimit rl;
	int max = 4096;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			(void)close(fd);
}

/*
 * In the child: a connection of its own (SQLite connections must not
 * cross fork), the report, the output down the pipe.  Never returns.
 */
static void
child_main(const struct vakt_config *cfg, const struct vakt_report_params *p,
    enum vakt_report_format fmt, int fd)
{
	struct vakt_store *st;
	struct vakt_buf out = {0};
	struct vakt_err err;

	/* The parent's signal events are not ours: die by the defaults. */
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	close_inherited(fd);
	st = vakt_store_open(cfg->database, STORE_BUSY_MS, &err);
	if (st == NULL || vakt_api_report(st, p, fmt, &out, &err) == -1) {
		write_all(fd, "E", 1);
		write_all(fd, err.msg, strlen(err.msg) + 1);
		_exit(1);
	}
	write_all(fd, "O", 1);
	write_all(fd, out.p != NULL ? out.p : "", out.len);
	_exit(0);
}

static struct child *
child_start(struct vakt_api *api, const struct vakt_report_params *p,
    enum vakt_report_format fmt)
{
	const struct timeval tmo = {REPORT_TIMEOUT_S, 0};
	struct child *c;
	int fds[2];
	pid_t pid;

	if (pipe(fds) == -1)
		return NULL;
	pid = fork();
	if (pid == -1) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(api->app->cfg, p, fmt, fds[1]);
	}
	close(fds[1]);
	c = vakt_xcalloc(1, sizeof(*c));
	c->api = api;
	c->pid = pid;
	c->fd = fds[0];
	c->fmt = fmt;
	(void)evutil_make_socket_nonblocking(c->fd);
	c->ev =
	    event_new(api->base, c->fd, EV_READ | EV_PERSIST, child_read_cb, c);
	c->timer = evtimer_new(api->base, child_timeout_cb, c);
	if (c->ev == NULL || c->timer == NULL || event_add(c->ev, NULL) == -1 ||
	    event_add(c->timer, &tmo) == -1) {
		child_free(c);
		return NULL;
	}
	return c;
}

static struct child **
free_slot(struct vakt_api *api)
{
	for (size_t i = 0; i < CHILDREN_MAX; i++)
		if (api->children[i] == NULL)
			return &api->children[i];
	return NULL;
}

/* GET /api/v1/report?…: leaders and admins. */
static void
report_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_api *api = arg;
	enum vakt_report_format fmt = VAKT_FORMAT_JSON;
	struct vakt_report_params p;
	struct child **slot;
	struct vakt_err err;

	if (!vakt_api_authorized(api->app, req, rep, VAKT_AUTH_LEADER, NULL))
		return;
	if (vakt_api_report_params(api->app->cfg, &api->app->tz, &req->query,
	        vakt_clock_now_ms(), &p, &fmt, &err) == -1) {
		vakt_reply_text(rep, 400, "%s", err.msg);
		return;
	}
	if ((slot = free_slot(api)) == NULL) {
		vakt_reply_text(
		    rep, 503, "reports are busy; try again shortly");
		return;
	}
	*slot = child_start(api, &p, fmt);
	if (*slot == NULL) {
		vakt_log_err("api: cannot start a report process");
		vakt_reply_text(rep, 503, "cannot make a report now");
		return;
	}
	(*slot)->later = vakt_http_later(req);
}

/* GET /api/v1/audit?limit=N: admins only. */
static void
audit_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_api *api = arg;
	const char *lim = vakt_kvs_get(&req->query, "limit");
	struct vakt_audit *v;
	struct vakt_err err;
	json_t *arr;
	char *body, *end;
	long n = 100;
	size_t count;

	if (!vakt_api_authorized(api->app, req, rep, VAKT_AUTH_ADMIN, NULL))
		return;
	if (lim != NULL &&
	    ((n = strtol(lim, &end, 10)) < 1 || n > 10000 || *end != '\0')) {
		vakt_reply_text(rep, 400, "limit: 1..10000");
		return;
	}
	if (vakt_store_audit_list(
	        api->app->store, (size_t)n, &v, &count, &err) == -1) {
		vakt_app_fault(api->app, "audit list", &err);
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr,
		    json_pack("{s:I, s:s, s:s, s:s, s:s}", "at_ms",
		        (json_int_t)v[i].at_ms, "actor", v[i].actor, "action",
		        v[i].action, "subject", v[i].subject, "detail",
		        v[i].detail));
	free(v);
	body = json_dumps(arr, JSON_INDENT(2));
	json_decref(arr);
	vakt_reply_take(rep, 200, "application/json", body,
	    body != NULL ? strlen(body) : 0);
}

struct vakt_api *
vakt_api_new(
    struct vakt_http *http, struct event_base *base, struct vakt_app *app)
{
	struct vakt_api *api = vakt_xcalloc(1, sizeof(*api));

	api->base = base;
	api->app = app;
	/*
	 * GET only.  HEAD used to run the whole report (a child process,
	 * a minute of CPU) and write an audit row, only to throw the
	 * body away; its headers cannot be known without making the
	 * report (Content-Length, 400s for bad parameters, 500s).  RFC
	 * 9110 lets a resource refuse a method it does not support:
	 * 405 with "Allow: GET" (http.c adds it) is honest and cheap,
	 * and no client of the API uses HEAD.
	 */
	vakt_http_route(
	    http, "/api/v1/report", VAKT_GET, false, report_cb, api);
	vakt_http_route(http, "/api/v1/audit", VAKT_GET, false, audit_cb, api);
	return api;
}

/*
 * Answer every running report with 503 and stop its child.  The reply
 * is only queued: the loop must run once more to send it.  That is why
 * this runs at SIGTERM (vakt_api_drain) and not only at exit, after
 * the loop, where the 503 used to be queued and then freed unsent.
 */
static void
stop_reports(struct vakt_api *api)
{
	for (size_t i = 0; i < CHILDREN_MAX; i++) {
		struct child *c = api->children[i];
		struct vakt_reply rep = {0};

		if (c == NULL)
			continue;
		vakt_log_warnx("api: report stopped: vaktd is stopping");
		vakt_reply_text(
		    &rep, 503, "vaktd is stopping; try again shortly");
		vakt_http_finish(c->later, &rep);
		c->later = NULL;
		child_free(c);
	}
}

void
vakt_api_drain(struct vakt_api *api)
{
	if (api != NULL)
		stop_reports(api);
}

void
vakt_api_free(struct vakt_api *api)
{
	if (api == NULL)
		return;
	stop_reports(api); /* none left after a drain */
	free(api);
}
