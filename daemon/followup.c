/*
 * followup.c: the follow-up queue's HTTP API (issue 11): list the open
 * or done follow-ups, and mark one done with an outcome.
 *
 * The queue is the store's (opened and closed in the same writes as
 * the contacts, see store.h); this file only shows and changes it for
 * staff.  What leaves here never holds a message body, and an unknown
 * caller's number leaves masked: the console shows it on phones.
 */
#include "vakt/followup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vakt/api.h"
#include "vakt/app.h"
#include "vakt/auth.h"
#include "vakt/config.h"
#include "vakt/http.h"
#include "vakt/store.h"
#include "vakt/util.h"

#define PREFIX "/api/v1/followups/"

/* Room for the ids a listing names in its audit row. */
#define AUDIT_IDS_LEN 200

/* The outcomes staff may give; "replied" and "answered" close by itself. */
static const char *const staff_outcomes[] = {
    "called_back", "texted", "no_need"};

bool
vakt_followup_outcome_ok(const char *s)
{
	for (size_t i = 0; i < sizeof(staff_outcomes) / sizeof(*staff_outcomes);
	     i++)
		if (strcmp(s, staff_outcomes[i]) == 0)
			return true;
	return false;
}

/* ISO-8601 UTC with Z, to the second. */
static json_t *
iso_utc(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/* The youth by code and name, or an unknown caller's masked number. */
static json_t *
youth_json(const struct vakt_followup *f)
{
	char masked[VAKT_E164_LEN];

	if (f->youth[0] != '\0')
		return json_pack(
		    "{s:s, s:s}", "code", f->youth, "name", f->youth_name);
	return json_pack("{s:s}", "number", vakt_mask_e164(f->caller, masked));
}

static json_t *
responsible_json(const struct vakt_followup *f)
{
	if (f->resp_role == VAKT_ROLE_COORDINATOR ||
	    f->resp_role == VAKT_ROLE_SUBSTITUTE)
		return json_pack("{s:s, s:s, s:s}", "role",
		    vakt_router_role_name(f->resp_role), "id", f->resp_id,
		    "name", f->resp_name);
	return json_pack("{s:s}", "role", "beredskap");
}

static json_t *
followup_json(const struct vakt_followup *f)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:s}", "id",
	    (json_int_t)f->id, "contact_id", (json_int_t)f->contact_id,
	    "service", f->service, "kind",
	    f->kind == VAKT_KIND_SMS ? "sms" : "call", "at",
	    iso_utc(f->opened_ms), "youth", youth_json(f), "responsible",
	    responsible_json(f), "state", f->is_done ? "done" : "open");

	if (o != NULL && f->is_done) {
		json_object_set_new(o, "outcome", json_string(f->outcome));
		json_object_set_new(o, "closed_at", iso_utc(f->closed_ms));
		json_object_set_new(o, "closed_by", json_string(f->closed_by));
	}
	return o;
}

/* Take j as rep's JSON body (status), or answer 500 if it is NULL. */
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

/* Write an audit row; a failure is a fault of the turn. */
static void
audit(struct vakt_app *app, const char *actor, const char *action,
    const char *subject, const char *detail)
{
	struct vakt_err err;

	if (vakt_store_audit_add(app->store, actor, action, subject, detail,
	        vakt_clock_now_ms(), &err) == -1)
		vakt_app_fault(app, "audit", &err);
}

/* "ids=3,5,8" for the audit row, cut with "..." where it is full. */
void
vakt_followup_ids_detail(
    const struct vakt_followup *v, size_t n, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "n=%zu ids=", n);

	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(out + used, len - used, "%s%lld",
		    i > 0 ? "," : "", (long long)v[i].id);

		if (w < 0 || (size_t)w >= len - used) {
			(void)snprintf(out + used, len - used, "...");
			break;
		}
		used += (size_t)w;
	}
}

/*
 * May who see and close f?  A leader or admin every follow-up; a
 * coordinator those of their own youths and those they were to answer
 * (as a substitute, in the contact's plan).
 */
static bool
is_visible(const struct vakt_token *who, const struct vakt_followup *f)
{
	if (who->role != VAKT_AUTH_COORDINATOR)
		return true;
	return strcmp(f->youth_coordinator, who->name) == 0 ||
	    ((f->resp_role == VAKT_ROLE_COORDINATOR ||
	         f->resp_role == VAKT_ROLE_SUBSTITUTE) &&
	        strcmp(f->resp_id, who->name) == 0);
}

/* Keep only the follow-ups who may see, in order; the new count. */
size_t
vakt_followup_keep_visible(
    const struct vakt_token *who, struct vakt_followup *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (is_visible(who, &v[i]))
			v[k++] = v[i];
	return k;
}

/*
 * state=open|done (open if not given) and an optional known service
 * from the query; false with a 400 in rep when they are bad.
 */
static bool
list_params(const struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, bool *is_done, const char **service)
{
	const char *state = vakt_kvs_get(&req->query, "state");

	*service = vakt_kvs_get(&req->query, "service");
	if (state != NULL && strcmp(state, "open") != 0 &&
	    strcmp(state, "done") != 0) {
		vakt_reply_text(rep, 400, "state: open or done");
		return false;
	}
	*is_done = state != NULL && strcmp(state, "done") == 0;
	if (*service != NULL &&
	    vakt_config_service_by_id(app->cfg, *service) == NULL) {
		vakt_reply_text(rep, 400, "service: no such service");
		return false;
	}
	return true;
}

/* GET /api/v1/followups?state=open|done[&service=ID] */
static void
list_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_token who;
	struct vakt_followup *v;
	struct vakt_err err;
	const char *service;
	char subject[VAKT_ID_LEN + 32], detail[AUDIT_IDS_LEN];
	json_t *arr;
	size_t n;
	bool is_done;

	if (!vakt_api_authorized(app, req, rep, VAKT_AUTH_COORDINATOR, &who) ||
	    !list_params(app, req, rep, &is_done, &service))
		return;
	if (vakt_store_followup_list(app->store, is_done, service,
	        VAKT_FOLLOWUP_LIST_MAX, &v, &n, &err) == -1) {
		vakt_app_fault(app, "follow-up list", &err);
		vakt_reply_text(rep, 503, "database unavailable");
		return;
	}
	n = vakt_followup_keep_visible(&who, v, n);
	arr = json_array();
	for (size_t i = 0; i < n && arr != NULL; i++)
		json_array_append_new(arr, followup_json(&v[i]));
	(void)snprintf(subject, sizeof(subject), "state=%s%s%s",
	    is_done ? "done" : "open", service != NULL ? " service=" : "",
	    service != NULL ? service : "");
	vakt_followup_ids_detail(v, n, detail, sizeof(detail));
	audit(app, who.name, "followup.list", subject, detail);
	vakt_reply_note(rep, "followups=%zu", n);
	free(v);
	reply_json(rep, 200, arr);
}

/* The id in "/api/v1/followups/{id}/done", or 0 if the path is not. */
static int64_t
done_path_id(const char *path)
{
	const char *p = path + strlen(PREFIX);
	char *end;
	long long id;

	if (strncmp(path, PREFIX, strlen(PREFIX)) != 0 || *p < '1' || *p > '9')
		return 0;
	errno = 0;
	id = strtoll(p, &end, 10);
	if (errno != 0 || strcmp(end, "/done") != 0)
		return 0;
	return (int64_t)id;
}

/* The outcome of a {"outcome": "…"} body, or NULL (rep then 400). */
static char *
done_outcome(const struct vakt_req *req, struct vakt_reply *rep)
{
	json_error_t jerr;
	json_t *j = json_loadb(req->body != NULL ? req->body : "",
	    req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	const char *s = json_string_value(json_object_get(j, "outcome"));
	char *out = NULL;

	if (s != NULL && vakt_followup_outcome_ok(s))
		out = vakt_xstrdup(s);
	else
		vakt_reply_text(rep, 400,
		    "a JSON body {\"outcome\": \"called_back\" | \"texted\" | "
		    "\"no_need\"} is required");
	json_decref(j);
	return out;
}

/* The database failed under a request: 503, and the turn's fault. */
static void
unavailable(struct vakt_app *app, struct vakt_reply *rep, const char *what,
    const struct vakt_err *err)
{
	vakt_app_fault(app, what, err);
	vakt_reply_text(rep, 503, "database unavailable");
}

/*
 * Mark follow-up id done with outcome by who, audited: 200 with the
 * follow-up, or 404, 409, 503 into rep.
 */
void
vakt_followup_mark_done(struct vakt_app *app, struct vakt_reply *rep,
    int64_t id, const char *outcome, const struct vakt_token *who)
{
	struct vakt_followup f;
	struct vakt_err err;
	char subject[32], detail[64];
	bool is_closed = false;
	int found = vakt_store_followup_get(app->store, id, &f, &err);

	if (found == -1) {
		unavailable(app, rep, "follow-up get", &err);
		return;
	}
	if (found == 0) {
		vakt_reply_text(rep, 404, "no follow-up %lld", (long long)id);
		return;
	}
	if (!is_visible(who, &f)) {
		vakt_reply_text(rep, 403,
		    "follow-up %lld is not of your youths", (long long)id);
		return;
	}
	if (f.is_done) {
		vakt_reply_text(rep, 409, "follow-up %lld is already done (%s)",
		    (long long)id, f.outcome);
		return;
	}
	if (vakt_store_followup_done(app->store, id, outcome, who->name,
	        vakt_clock_now_ms(), &is_closed, &err) == -1 ||
	    vakt_store_followup_get(app->store, id, &f, &err) != 1 ||
	    !is_closed) {
		unavailable(app, rep, "follow-up done", &err);
		return;
	}
	(void)snprintf(
	    subject, sizeof(subject), "followup:%lld", (long long)id);
	(void)snprintf(detail, sizeof(detail), "outcome=%s contact=%lld",
	    outcome, (long long)f.contact_id);
	audit(app, who->name, "followup.done", subject, detail);
	vakt_reply_note(
	    rep, "followup=%lld outcome=%s", (long long)id, outcome);
	reply_json(rep, 200, followup_json(&f));
}

/* POST /api/v1/followups/{id}/done */
static void
done_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_token who;
	int64_t id;
	char *outcome;

	if (!vakt_api_authorized(app, req, rep, VAKT_AUTH_COORDINATOR, &who))
		return;
	id = done_path_id(req->path);
	if (id == 0) {
		vakt_reply_text(rep, 404, "not found");
		return;
	}
	outcome = done_outcome(req, rep);
	if (outcome == NULL)
		return;
	vakt_followup_mark_done(app, rep, id, outcome, &who);
	free(outcome);
}

void
vakt_followup_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(
	    http, "/api/v1/followups", VAKT_GET, false, list_cb, app);
	vakt_http_route(http, PREFIX, VAKT_POST, false, done_cb, app);
}
