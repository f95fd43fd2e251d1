/*
 * absence.c: the coordinators' absences over HTTP (issue 11).  Exports
 * vakt_absence_routes() of vakt/absence.h.
 *
 * A thin edge, like `vaktctl absence`: JSON to struct vakt_absence, the
 * store's checks (the coordinator and substitute exist, in one
 * service, and differ), and the reply.  Routing reads the absences on
 * every contact through vakt_store_lookup_caller(), so a change here
 * counts from the next call or message on.
 */
#include "vakt/absence.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vakt/api.h"
#include "vakt/app.h"
#include "vakt/auth.h"
#include "vakt/config.h"
#include "vakt/http.h"
#include "vakt/store.h"
#include "vakt/util.h"

#define ABSENCE_PATH "/api/v1/absences/"

/* Room for "DD.MM.YYYY" turned round, and its NUL. */
#define DATE_LEN 11

static void
reply_json(struct vakt_reply *rep, int status, json_t *j)
{
	char *body = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	if (body == NULL) {
		vakt_reply_text(rep, 500, "cannot encode the answer");
		return;
	}
	vakt_reply_take(rep, status, "application/json", body, strlen(body));
}

/* The database failed under a request: 503, and the turn's fault. */
static void
unavailable(struct vakt_app *app, struct vakt_reply *rep, const char *what,
    const struct vakt_err *err)
{
	if (!app->is_stalled)
		vakt_app_fault(app, what, err);
	vakt_reply_text(rep, 503, "database unavailable");
}

/* A store failure: 400 for a refusal of the data, else 503. */
static void
reply_store_err(struct vakt_app *app, struct vakt_reply *rep, const char *what,
    const struct vakt_err *err)
{
	if (err->kind == VAKT_ERR_DATA)
		vakt_reply_text(rep, 400, "%s", err->msg);
	else
		unavailable(app, rep, what, err);
}

/*
 * A whole local date, "YYYY-MM-DD" or the Norwegian "DD.MM.YYYY", as
 * yyyymmdd.  0, or -1 for anything else (not a real date included).
 */
static int
parse_date(const char *s, int *date)
{
	char iso[DATE_LEN];

	if (strlen(s) == 10 && s[2] == '.' && s[5] == '.') {
		/* Turned round, then checked digit by digit as ISO. */
		(void)snprintf(
		    iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6, s + 3, s);
		s = iso;
	}
	return vakt_date_parse(s, date);
}

/* An optional string member: NULL when absent or null, else its value. */
static int
opt_member(const json_t *o, const char *key, const char **out)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	*out = json_string_value(v);
	return *out != NULL ? 0 : -1;
}

/* Copy an id into a fixed field; -1 with err if it does not fit. */
static int
copy_id(const char *what, const char *in, char *out, size_t len,
    struct vakt_err *err)
{
	if (in[0] != '\0' && vakt_strlcpy(out, in, len) != -1)
		return 0;
	vakt_err_data(err, "absence: %s must be an id of 1 to %zu characters",
	    what, len - 1);
	return -1;
}

/*
 * Who may use the absences API: a leader's or admin's token or session
 * for every absence, and a coordinator's own session for their own
 * absences only (the handlers check which).  *who gets the caller.
 */
static bool
authorized(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, struct vakt_token *who)
{
	return vakt_api_authorized(app, req, rep, VAKT_AUTH_COORDINATOR, who);
}

/* A coordinator may only touch their own absences. */
bool
vakt_absence_is_own(const struct vakt_token *who, const char *coordinator)
{
	return who->role != VAKT_AUTH_COORDINATOR ||
	    strcmp(who->name, coordinator) == 0;
}

int
vakt_absence_from_fields(const char *co, const char *from, const char *to,
    const char *sub, struct vakt_absence *a, struct vakt_err *err)
{
	memset(a, 0, sizeof(*a));
	if (parse_date(from, &a->from) == -1 || parse_date(to, &a->to) == -1) {
		vakt_err_data(err,
		    "absence: from and to are dates YYYY-MM-DD "
		    "(or DD.MM.YYYY)");
		return -1;
	}
	if (copy_id("coordinator", co, a->coordinator, sizeof(a->coordinator),
	        err) == -1 ||
	    (sub != NULL && sub[0] != '\0' &&
	        copy_id("substitute", sub, a->substitute, sizeof(a->substitute),
	            err) == -1))
		return -1;
	return 0;
}

/*
 * The absence of a POST body.  Returns 0, or -1 with a 400 message in
 * err; the store checks the rest (who exists, from <= to).
 */
static int
absence_from_json(const json_t *o, struct vakt_absence *a, struct vakt_err *err)
{
	const char *co = json_string_value(json_object_get(o, "coordinator"));
	const char *from = json_string_value(json_object_get(o, "from"));
	const char *to = json_string_value(json_object_get(o, "to"));
	const char *sub;

	memset(a, 0, sizeof(*a));
	if (!json_is_object(o) || co == NULL || from == NULL || to == NULL ||
	    opt_member(o, "substitute", &sub) == -1) {
		vakt_err_data(err,
		    "absence: a JSON object with strings coordinator, "
		    "from and to (and perhaps substitute) is required");
		return -1;
	}
	/* In JSON "" is no id (null or no member means none): refused. */
	if (sub != NULL && sub[0] == '\0')
		return copy_id("substitute", sub, a->substitute,
		    sizeof(a->substitute), err);
	return vakt_absence_from_fields(co, from, to, sub, a, err);
}

/* POST /api/v1/absences */
static void
absence_post(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const struct vakt_token *who)
{
	struct vakt_absence a;
	struct vakt_err err;
	json_error_t jerr;
	json_t *o = json_loadb(req->body != NULL ? req->body : "",
	    req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	int rc = absence_from_json(o, &a, &err);

	json_decref(o);
	if (rc == -1) {
		vakt_reply_text(rep, 400, "%s", err.msg);
		return;
	}
	vakt_absence_add(app, rep, &a, who);
}

void
vakt_absence_add(struct vakt_app *app, struct vakt_reply *rep,
    struct vakt_absence *a, const struct vakt_token *who)
{
	struct vakt_err err;

	if (!vakt_absence_is_own(who, a->coordinator)) {
		vakt_reply_text(rep, 403,
		    "absence: a coordinator registers only their own absences");
		return;
	}
	if (vakt_app_write(app) == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	/* The store writes the audit row (absence.add) with the change. */
	if (vakt_store_absence_add(
	        app->store, a, who->name, vakt_clock_now_ms(), &err) == -1) {
		reply_store_err(app, rep, "absence add", &err);
		return;
	}
	vakt_reply_note(rep, "absence=%lld", (long long)a->id);
	reply_json(rep, 201, json_pack("{s:I}", "id", (json_int_t)a->id));
}

static json_t *
absence_json(const struct vakt_absence *a)
{
	char from[DATE_LEN], to[DATE_LEN];

	vakt_date_format(a->from, from);
	vakt_date_format(a->to, to);
	return json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id", (json_int_t)a->id,
	    "coordinator", a->coordinator, "from", from, "to", to, "substitute",
	    a->substitute[0] != '\0' ? a->substitute : NULL);
}

/* GET /api/v1/absences[?service=ID], audited as absence.list. */
static void
absence_get(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const struct vakt_token *who)
{
	const char *svc = vakt_kvs_get(&req->query, "service");
	struct vakt_absence *v;
	struct vakt_err err;
	char detail[32];
	json_t *arr;
	size_t n;

	if (svc != NULL && vakt_config_service_by_id(app->cfg, svc) == NULL) {
		vakt_reply_text(rep, 400, "absence: no such service");
		return;
	}
	if (vakt_app_read(app) == -1 ||
	    vakt_store_absence_list(app->store, svc, &v, &n, &err) == -1) {
		unavailable(app, rep, "absence list", &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n && arr != NULL; i++)
		if (vakt_absence_is_own(who, v[i].coordinator))
			json_array_append_new(arr, absence_json(&v[i]));
	free(v);
	n = arr != NULL ? json_array_size(arr) : 0;
	(void)snprintf(detail, sizeof(detail), "n=%zu", n);
	if (vakt_store_audit_add(app->store, who->name, "absence.list",
	        svc != NULL ? svc : "all", detail, vakt_clock_now_ms(),
	        &err) == -1)
		vakt_app_fault(app, "audit", &err);
	vakt_reply_note(rep, "absences=%zu", n);
	reply_json(rep, 200, arr);
}

/* GET and POST /api/v1/absences */
static void
absences_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_token who;

	if (!authorized(app, req, rep, &who))
		return;
	if (req->method == VAKT_POST)
		absence_post(app, req, rep, &who);
	else
		absence_get(app, req, rep, &who);
}

/* Whether absence id is who's own (false too if it cannot be read). */
static bool
owns_absence(struct vakt_app *app, const struct vakt_token *who, int64_t id)
{
	struct vakt_absence *v = NULL;
	struct vakt_err err;
	bool is_theirs = false;
	size_t n = 0;

	if (vakt_app_read(app) == -1 ||
	    vakt_store_absence_list(app->store, NULL, &v, &n, &err) == -1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			is_theirs = strcmp(v[i].coordinator, who->name) == 0;
	free(v);
	return is_theirs;
}

/* DELETE /api/v1/absences/{id} */
static void
absence_delete_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const char *rest = req->path + strlen(ABSENCE_PATH);
	struct vakt_token who;
	char *end;
	long long id;

	if (!authorized(app, req, rep, &who))
		return;
	errno = 0;
	id = strtoll(rest, &end, 10);
	if (errno != 0 || end == rest || *end != '\0' || id < 1) {
		vakt_reply_text(rep, 404, "no such absence");
		return;
	}
	vakt_absence_remove(app, rep, (int64_t)id, &who);
}

void
vakt_absence_remove(struct vakt_app *app, struct vakt_reply *rep, int64_t id,
    const struct vakt_token *who)
{
	struct vakt_err err;

	if (who->role == VAKT_AUTH_COORDINATOR && !owns_absence(app, who, id)) {
		vakt_reply_text(rep, 403,
		    "absence: a coordinator removes only their own absences");
		return;
	}
	if (vakt_app_write(app) == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	/* Refused data here can only mean no such absence. */
	if (vakt_store_absence_remove(
	        app->store, id, who->name, vakt_clock_now_ms(), &err) == -1) {
		if (err.kind == VAKT_ERR_DATA)
			vakt_reply_text(rep, 404, "%s", err.msg);
		else
			unavailable(app, rep, "absence remove", &err);
		return;
	}
	vakt_reply_note(rep, "absence=%lld removed", (long long)id);
	vakt_reply_take(rep, 204, "text/plain; charset=utf-8", NULL, 0);
}

void
vakt_absence_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(http, "/api/v1/absences", VAKT_GET | VAKT_POST, false,
	    absences_cb, app);
	vakt_http_route(
	    http, ABSENCE_PATH, VAKT_DELETE, false, absence_delete_cb, app);
}
