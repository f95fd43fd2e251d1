/*
 * rota.c: the beredskap rota's HTTP API (issue 11).  Exports
 * vakt_rota_routes() of vakt/rota.h.
 *
 * A thin edge: JSON and query strings to struct vakt_rota_slot, the
 * store's checks (holder, overlap inside the write transaction), and
 * the reply.  Routing reads the rota through vakt_store_rota_holder().
 */
#include "vakt/rota.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vakt/api.h"
#include "vakt/app.h"
#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/http.h"
#include "vakt/log.h"
#include "vakt/store.h"
#include "vakt/util.h"

#define ROTA_PATH "/api/v1/rota/"

static void
reply_json(struct vakt_reply *rep, int status, json_t *j)
{
	char *body = json_dumps(j, JSON_INDENT(2));

	json_decref(j);
	if (body == NULL) {
		vakt_reply_text(rep, 500, "out of memory");
		return;
	}
	vakt_reply_take(rep, status, "application/json", body, strlen(body));
}

/* A store failure: 400 for bad data, else 503 and the fault state. */
static void
reply_store_err(
    struct vakt_app *app, struct vakt_reply *rep, const struct vakt_err *err)
{
	if (err->kind == VAKT_ERR_DATA) {
		vakt_reply_text(rep, 400, "%s", err->msg);
		return;
	}
	vakt_app_fault(app, "rota", err);
	vakt_reply_text(rep, 503, "database unavailable");
}

/* A string member of a JSON object, or NULL. */
static const char *
member(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
vakt_rota_slot_from_fields(const struct vakt_app *app, const char *svc,
    const char *staff, const char *from, const char *to,
    struct vakt_rota_slot *r, struct vakt_err *err)
{
	memset(r, 0, sizeof(*r));
	if (vakt_config_service_by_id(app->cfg, svc) == NULL) {
		vakt_err_data(err, "rota: no service \"%.64s\"", svc);
		return -1;
	}
	if (vakt_calendar_parse_time(&app->tz, from, &r->from_ms) == -1 ||
	    vakt_calendar_parse_time(&app->tz, to, &r->to_ms) == -1) {
		vakt_err_data(err,
		    "rota: from and to are local date-times "
		    "YYYY-MM-DDTHH:MM");
		return -1;
	}
	if (r->from_ms >= r->to_ms) {
		vakt_err_data(err, "rota: from must be before to");
		return -1;
	}
	if (vakt_strlcpy(r->staff, staff, sizeof(r->staff)) == -1) {
		vakt_err_data(err, "rota: staff id is too long");
		return -1;
	}
	(void)vakt_strlcpy(r->service, svc, sizeof(r->service));
	return 0;
}

/*
 * The slot of a POST body.  Returns 0, or -1 with a 400 message in
 * err (the service must be configured, the times local date-times).
 */
static int
slot_from_json(const struct vakt_app *app, const json_t *o,
    struct vakt_rota_slot *r, struct vakt_err *err)
{
	const char *svc = member(o, "service"), *staff = member(o, "staff");
	const char *from = member(o, "from"), *to = member(o, "to");

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o) || svc == NULL || staff == NULL ||
	    from == NULL || to == NULL) {
		vakt_err_data(err,
		    "rota: a JSON object with strings service, "
		    "staff, from and to is required");
		return -1;
	}
	return vakt_rota_slot_from_fields(app, svc, staff, from, to, r, err);
}

/* POST /api/v1/rota */
static void
rota_post(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const char *actor)
{
	struct vakt_rota_slot r;
	struct vakt_err err;
	json_error_t jerr;
	json_t *o = json_loadb(req->body != NULL ? req->body : "",
	    req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	int rc = slot_from_json(app, o, &r, &err);

	json_decref(o);
	if (rc == -1) {
		vakt_reply_text(rep, 400, "%s", err.msg);
		return;
	}
	vakt_rota_add(app, rep, &r, actor);
}

void
vakt_rota_add(struct vakt_app *app, struct vakt_reply *rep,
    struct vakt_rota_slot *r, const char *actor)
{
	struct vakt_err err;
	int64_t overlap = 0;

	if (vakt_app_write(app) == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	if (vakt_store_rota_add(app->store, r, actor, vakt_clock_now_ms(),
	        &overlap, &err) == -1) {
		if (overlap > 0)
			vakt_reply_text(rep, 409, "%s", err.msg);
		else
			reply_store_err(app, rep, &err);
		return;
	}
	vakt_reply_note(rep, "rota=%lld", (long long)r->id);
	reply_json(rep, 201, json_pack("{s:I}", "id", (json_int_t)r->id));
}

/* A GET bound: absent is open-ended, else a local date-time. */
static int
bound(const struct vakt_app *app, const struct vakt_req *req, const char *key,
    int64_t dflt, int64_t *ms)
{
	const char *v = vakt_kvs_get(&req->query, key);

	*ms = dflt;
	if (v == NULL)
		return 0;
	return vakt_calendar_parse_time(&app->tz, v, ms);
}

static json_t *
slot_json(const struct vakt_app *app, const struct vakt_rota_slot *r)
{
	char from[VAKT_TIME_LEN], to[VAKT_TIME_LEN];

	vakt_calendar_format_time(&app->tz, r->from_ms, from);
	vakt_calendar_format_time(&app->tz, r->to_ms, to);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
	    (json_int_t)r->id, "service", r->service, "staff", r->staff, "name",
	    r->name, "from", from, "to", to, "from_ms", (json_int_t)r->from_ms,
	    "to_ms", (json_int_t)r->to_ms);
}

/* GET /api/v1/rota?service=&from=&to= */
static void
rota_get(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *svc = vakt_kvs_get(&req->query, "service");
	struct vakt_rota_slot *v;
	struct vakt_err err;
	int64_t from, to;
	json_t *arr;
	size_t n;

	if (svc != NULL && vakt_config_service_by_id(app->cfg, svc) == NULL) {
		vakt_reply_text(rep, 400, "rota: no such service");
		return;
	}
	if (bound(app, req, "from", INT64_MIN, &from) == -1 ||
	    bound(app, req, "to", INT64_MAX, &to) == -1) {
		vakt_reply_text(rep, 400,
		    "rota: from and to are local date-times YYYY-MM-DDTHH:MM");
		return;
	}
	if (vakt_app_read(app) == -1 ||
	    vakt_store_rota_list(app->store, svc, from, to, &v, &n, &err) ==
	        -1) {
		if (!app->is_stalled)
			vakt_app_fault(app, "rota list", &err);
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, slot_json(app, &v[i]));
	free(v);
	reply_json(rep, 200, arr);
}

/*
 * GET and POST /api/v1/rota: any staff member may read the rota, a
 * leader (or admin) change it.
 */
static void
rota_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_token who;

	if (!vakt_api_authorized(app, req, rep,
	        req->method == VAKT_POST ? VAKT_AUTH_LEADER
	                                 : VAKT_AUTH_COORDINATOR,
	        &who))
		return;
	if (req->method == VAKT_POST)
		rota_post(app, req, rep, who.name);
	else
		rota_get(app, req, rep);
}

/* DELETE /api/v1/rota/{id} */
static void
rota_delete_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const char *rest = req->path + strlen(ROTA_PATH);
	struct vakt_token who;
	char *end;
	long long id;

	if (!vakt_api_authorized(app, req, rep, VAKT_AUTH_LEADER, &who))
		return;
	errno = 0;
	id = strtoll(rest, &end, 10);
	if (errno != 0 || end == rest || *end != '\0' || id < 1) {
		vakt_reply_text(rep, 404, "no such rota slot");
		return;
	}
	vakt_rota_remove(app, rep, (int64_t)id, who.name);
}

void
vakt_rota_remove(
    struct vakt_app *app, struct vakt_reply *rep, int64_t id, const char *actor)
{
	struct vakt_err err;
	int found;

	if (vakt_app_write(app) == -1) {
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	found = vakt_store_rota_remove(
	    app->store, id, actor, vakt_clock_now_ms(), &err);
	if (found == -1)
		reply_store_err(app, rep, &err);
	else if (found == 0)
		vakt_reply_text(rep, 404, "no rota slot %lld", (long long)id);
	else
		vakt_reply_take(rep, 204, "text/plain; charset=utf-8", NULL, 0);
}

void
vakt_rota_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(
	    http, "/api/v1/rota", VAKT_GET | VAKT_POST, false, rota_cb, app);
	vakt_http_route(
	    http, ROTA_PATH, VAKT_DELETE, false, rota_delete_cb, app);
}
