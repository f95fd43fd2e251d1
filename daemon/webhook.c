/*
 * webhook.c: the first steps shared by the voice and SMS handlers.
 */
#include "vakt/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vakt/app.h"
#include "vakt/config.h"
#include "vakt/log.h"
#include "vakt/store.h"
#include "vakt/twilio.h"

bool
vakt_webhook_verified(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const struct vakt_config *cfg = app->cfg;
	struct vakt_err err;
	char *vis;

	if (vakt_twilio_verify(
	        cfg->twilio.auth_token, cfg->http.public_url, req, &err) == 0)
		return true;
	app->counters.rejected++;
	/* The message may quote request bytes: escaped, like the path. */
	vis = vakt_str_vis(err.msg);
	vakt_log_warnx(
	    "twilio: %s refused: %s peer=%s", req->path, vis, req->peer);
	free(vis);
	vakt_reply_text(rep, 403, "%s", err.msg);
	return false;
}

void
vakt_webhook_bad(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const struct vakt_err *err)
{
	char *vis = vakt_str_vis(err->msg);

	app->counters.rejected++;
	vakt_log_warnx("twilio: %s refused: %s", req->path, vis);
	free(vis);
	vakt_reply_text(rep, 400, "%s", err->msg);
}

void
vakt_webhook_xml(struct vakt_reply *rep, char *body, size_t len)
{
	vakt_reply_take(rep, 200, "text/xml; charset=utf-8", body, len);
}

void
vakt_webhook_empty(struct vakt_reply *rep)
{
	size_t len;
	char *body = vakt_twilio_render_empty(&len);

	vakt_webhook_xml(rep, body, len);
}

const struct vakt_service *
vakt_webhook_service_by_to(
    const struct vakt_app *app, const char *to, bool *is_known)
{
	const struct vakt_service *svc = NULL;
	char num[VAKT_E164_LEN], masked[VAKT_E164_LEN];

	if (vakt_e164_normalize(to, num) == 0)
		svc = vakt_config_service_by_number(app->cfg, num);
	*is_known = svc != NULL;
	if (svc != NULL)
		return svc;
	svc = &app->cfg->services[0];
	vakt_log_warnx("twilio: To=%s is no service number; using %s",
	    vakt_mask_e164(to, masked), svc->id);
	return svc;
}

const struct vakt_service *
vakt_webhook_service_by_id(const struct vakt_app *app, const char *id)
{
	const struct vakt_service *svc =
	    vakt_config_service_by_id(app->cfg, id);

	return svc != NULL ? svc : &app->cfg->services[0];
}

/*
 * What the directory knows: the caller (if the number is one) and the
 * rota's beredskap holder now.  0, or -1 with err set.
 */
static int
look_up(struct vakt_app *app, const struct vakt_service *svc, const char *num,
    int date, int64_t now_ms, struct vakt_caller *who, struct vakt_err *err)
{
	struct vakt_person on_call;

	if (vakt_app_read(app) == -1) {
		vakt_err_set(err, "database busy");
		return -1;
	}
	if (vakt_store_lookup_caller(
	        app->store, svc->id, num, date, who, err) == -1 ||
	    vakt_store_rota_holder(
	        app->store, svc->id, now_ms, &on_call, err) == -1)
		return -1;
	who->on_call = on_call;
	return 0;
}

void
vakt_webhook_plan(struct vakt_app *app, const struct vakt_service *svc,
    bool is_known_svc, const char *from, int64_t now_ms, struct vakt_plan *plan,
    struct vakt_caller *who)
{
	char num[VAKT_E164_LEN];
	struct vakt_civil civ;
	struct vakt_err err;

	memset(who, 0, sizeof(*who));
	if (!is_known_svc) {
		vakt_router_safety(
		    svc, &app->tz, now_ms, VAKT_WHY_UNKNOWN_SERVICE, plan);
		return;
	}
	if (vakt_calendar_civil(&app->tz, now_ms, &civ) == -1) {
		/* A clock fault needs no directory: the safety plan. */
		vakt_router_plan(svc, who, &app->tz, now_ms, plan);
		return;
	}
	/* An anonymous caller is no youth, but may reach the rota. */
	if (vakt_e164_normalize(from, num) == -1)
		num[0] = '\0';
	/*
	 * Read before the write batch opens: under WAL a read never waits
	 * for another process's write lock (vaktctl import), so the caller
	 * is still routed to the coordinator while one is held.
	 */
	if (look_up(app, svc, num, vakt_date_make(civ.year, civ.month, civ.day),
	        now_ms, who, &err) == -1) {
		char masked[VAKT_E164_LEN];

		memset(who, 0, sizeof(*who));
		if (!app->is_stalled)
			vakt_app_fault(app, "lookup", &err);
		app->counters.failsafe_plans++;
		vakt_log_warnx("twilio: safety plan for %s: database "
		               "unavailable",
		    num[0] != '\0' ? vakt_mask_e164(num, masked) : "anonymous");
		vakt_router_plan(svc, NULL, &app->tz, now_ms, plan);
		return;
	}
	vakt_router_plan(svc, who, &app->tz, now_ms, plan);
}

void
vakt_webhook_plan_log(
    const char *what, const struct vakt_plan *plan, const char *from)
{
	char masked[VAKT_E164_LEN], steps[320];
	size_t used = 0;

	/* The router kept the caller safe but broke its own invariant. */
	if (plan->is_fault)
		vakt_log_errx("router: %s plan broke its invariant; routed "
		              "by the safety plan from=%s",
		    what, vakt_mask_e164(from, masked));
	if (!vakt_log_is_verbose())
		return;
	steps[0] = '\0';
	for (size_t i = 0; i < plan->n_steps; i++) {
		char num[VAKT_E164_LEN];
		int n = snprintf(steps + used, sizeof(steps) - used, "%s%s:%s",
		    i > 0 ? " > " : "",
		    vakt_router_role_name(plan->steps[i].role),
		    vakt_mask_e164(plan->steps[i].number, num));

		if (n < 0 || (size_t)n >= sizeof(steps) - used)
			break;
		used += (size_t)n;
	}
	vakt_log_debugx("%s: plan from=%s category=%s steps=%s why=%s", what,
	    vakt_mask_e164(from, masked),
	    vakt_calendar_category_name(plan->cat), steps,
	    vakt_router_why_text(plan->why));
}
