/*
 * voice.c: the Twilio voice webhooks.  A call comes in (/twilio/voice),
 * each step of its plan rings with a whisper that asks the staff member
 * to press 1 (/whisper, /confirm), each leg's end moves the plan on
 * (/next), and the call's final status closes it (/status).
 *
 * Every handler goes verify -> parse -> decide -> persist -> reply, and
 * every path a caller can be on ends in TwiML that rings a human, or
 * in the closing message once the chain is exhausted.  A database
 * failure never reaches the caller: the safety plan (beredskap, then
 * fallback) from the configuration in memory takes over, and the fault
 * is logged and counted.
 */
#include "vakt/voice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vakt/app.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/gsm.h"
#include "vakt/log.h"
#include "vakt/store.h"
#include "vakt/twilio.h"
#include "vakt/webhook.h"

/* How Twilio passes on a withheld number: E.164 in form, nobody there. */
#define WITHHELD "+266696687"

/*
 * A number staff can call back: not "anonymous", "client:…" or empty,
 * and not Twilio's stand-in for a withheld number, which is E.164 in
 * form but reaches nobody.
 */
static bool
is_callable(const char *from)
{
	return vakt_e164_valid(from) && strcmp(from, WITHHELD) != 0;
}

/* Who we show the staff phone: the caller, if the caller has a number. */
static const char *
caller_id(const struct vakt_service *svc, const char *from)
{
	return is_callable(from) ? from : svc->number;
}

static void
reply_dial(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_ref *ref,
    const struct vakt_step *step, const char *from)
{
	struct vakt_twilio_dial_spec spec = {
	    .base_url = app->cfg->http.public_url,
	    .ref = *ref,
	    .step = step,
	    .caller_id = caller_id(svc, from),
	    .is_confirm = svc->confirm_answer,
	};
	size_t len;
	char *body = vakt_twilio_render_dial(&spec, &len);

	vakt_webhook_xml(rep, body, len);
	vakt_reply_note(rep, "step=%d role=%s", ref->step,
	    vakt_router_role_name(step->role));
}

static void
reply_nobody(struct vakt_reply *rep, const struct vakt_service *svc)
{
	size_t len;
	char *body = vakt_twilio_render_nobody(svc, &len);

	vakt_webhook_xml(rep, body, len);
	vakt_reply_note(rep, "outcome=exhausted");
}

static void
reply_hangup(struct vakt_reply *rep)
{
	size_t len;
	char *body = vakt_twilio_render_hangup(&len);

	vakt_webhook_xml(rep, body, len);
}

/*
 * The answer to a new call if its row cannot be made durable: the
 * safety plan (beredskap, then fallback) without a contact, which
 * /next follows from memory.  *plan gets that plan.
 */
static void
failsafe_dial(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_call *call,
    struct vakt_plan *plan)
{
	struct vakt_twilio_ref ref = {.step = 1};

	vakt_router_safety(
	    svc, &app->tz, vakt_clock_now_ms(), VAKT_WHY_DIRECTORY_FAULT, plan);
	(void)vakt_strlcpy(ref.service, svc->id, sizeof(ref.service));
	ref.role = plan->steps[0].role;
	reply_dial(app, vakt_reply_failsafe(rep), svc, &ref, &plan->steps[0],
	    call->from);
}

/*
 * POST /twilio/voice: a call comes in.  Log it with its plan and ring
 * step 1.  The same CallSid again gets the same first step.
 */
static void
voice_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_twilio_call call;
	struct vakt_twilio_ref ref = {.step = 1};
	const struct vakt_service *svc;
	struct vakt_call_rec rec;
	struct vakt_caller who;
	struct vakt_plan plan, safe;
	struct vakt_err err;
	char masked[VAKT_E164_LEN];
	int64_t now = vakt_clock_now_ms();
	int64_t t0_ms = vakt_clock_mono_ms(); /* -v: handler time */
	bool is_known, is_dup = false;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_call(req, &call, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	svc = vakt_webhook_service_by_to(app, call.to, &is_known);
	vakt_webhook_plan(app, svc, is_known, call.from, now, &plan, &who);
	vakt_webhook_plan_log("voice", &plan, call.from);
	(void)vakt_strlcpy(ref.service, svc->id, sizeof(ref.service));
	ref.role = plan.steps[0].role;
	failsafe_dial(app, rep, svc, &call, &safe);
	if (vakt_app_write(app) == -1) {
		/* Ring as planned now; the row follows when it can. */
		vakt_app_defer_call(
		    app, call.call_sid, call.from, &plan, &who, now);
	} else if (vakt_store_call_add(app->store, call.call_sid, call.from,
	               &plan, &who, now, &ref.contact, &is_dup, &err) == -1) {
		/* Answered by the safety plan; its row follows later. */
		vakt_app_fault(app, "call add", &err);
		vakt_app_defer_call(
		    app, call.call_sid, call.from, &safe, &who, now);
		ref.contact = 0;
	} else if (!is_dup) {
		vakt_app_defer_call_if_lost(
		    app, call.call_sid, call.from, &safe, &who, now);
	}
	/* A retried webhook: answer with the first step it got before. */
	if (is_dup &&
	    vakt_store_call_get(app->store, ref.contact, &rec, &err) == 1 &&
	    rec.n_steps > 0) {
		ref.role = rec.steps[0].role;
		reply_dial(app, rep, svc, &ref, &rec.steps[0], call.from);
	} else {
		app->counters.calls += is_dup ? 0 : 1;
		reply_dial(app, rep, svc, &ref, &plan.steps[0], call.from);
	}
	vakt_reply_note(rep, "contact=%lld caller=%s category=%s%s",
	    (long long)ref.contact, vakt_mask_e164(call.from, masked),
	    vakt_calendar_category_name(plan.cat), is_dup ? " duplicate" : "");
	vakt_log_debug("voice: call webhook handled in %lld ms (reply after "
	               "the turn's commit)",
	    (long long)(vakt_clock_mono_ms() - t0_ms));
}

/* "Ubesvart anrop fra U-0142 Ola kl. 21:14. Ring tilbake." in GSM-7. */
static char *
alert_text(const struct vakt_app *app, const struct vakt_call_rec *rec)
{
	struct vakt_buf b = {0}, who = {0};
	struct vakt_civil civ = {0};
	char *text;

	(void)vakt_calendar_civil(&app->tz, rec->received_ms, &civ);
	if (rec->youth[0] != '\0')
		vakt_buf_printf(&who, "%s%s%s", rec->youth,
		    rec->youth_name[0] != '\0' ? " " : "", rec->youth_name);
	else if (is_callable(rec->caller))
		vakt_buf_puts(&who, rec->caller); /* staff must call back */
	else
		vakt_buf_puts(&who, "skjult nummer");
	vakt_buf_puts(&b, "Ubesvart anrop fra ");
	vakt_gsm_fold(who.p, &b);
	vakt_buf_printf(&b, " kl. %02d:%02d.%s", civ.hour % 100, civ.min % 100,
	    is_callable(rec->caller) ? " Ring tilbake." : "");
	vakt_buf_free(&who);
	text = vakt_buf_take(&b, NULL);
	return text;
}

/*
 * Who had beredskap for this call: the beredskap step of its plan as
 * planned when it came in (the rota's holder then, issue 11), else the
 * configured handset.
 */
static const char *
alert_beredskap(const struct vakt_service *svc, const struct vakt_call_rec *rec)
{
	for (size_t i = 0; i < rec->n_steps && i < VAKT_PLAN_MAX; i++)
		if (rec->steps[i].role == VAKT_ROLE_BEREDSKAP &&
		    rec->steps[i].number[0] != '\0')
			return rec->steps[i].number;
	return svc->beredskap;
}

/*
 * A missed call alerts beredskap always, and in office hours also the
 * person the plan rang first (coordinator or substitute), who should
 * call back.  The rows join the turn's transaction.
 */
static void
queue_alerts(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_call_rec *rec)
{
	const char *to[2] = {alert_beredskap(svc, rec), NULL};
	struct vakt_err err;
	char *text = alert_text(app, rec);

	if (rec->cat == VAKT_CAT_OFFICE && rec->n_steps > 0 &&
	    (rec->steps[0].role == VAKT_ROLE_COORDINATOR ||
	        rec->steps[0].role == VAKT_ROLE_SUBSTITUTE) &&
	    strcmp(rec->steps[0].number, to[0]) != 0)
		to[1] = rec->steps[0].number;
	for (size_t i = 0; i < 2 && to[i] != NULL; i++) {
		struct vakt_outbox_msg m = {.contact = rec->id,
		    .service = svc->id,
		    .purpose = VAKT_PURPOSE_ALERT,
		    .to = to[i],
		    .from = svc->number,
		    .body = text};

		if (vakt_app_write(app) == -1 ||
		    vakt_store_outbox_add(app->store, &m, vakt_clock_now_ms(),
		        NULL, &err) == -1) {
			if (!app->is_turn_faulted)
				vakt_app_fault(app, "alert", &err);
			vakt_log_errx(
			    "voice: missed-call alert for contact %lld "
			    "could not be queued",
			    (long long)rec->id);
			break;
		}
		app->is_outbox_dirty = true;
	}
	free(text);
}

/*
 * Mark the call missed (once) and queue its alerts, in the open batch.
 * 0, or -1 if the database failed (the fault is recorded).
 */
static int
missed_now(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_call_rec *rec, enum vakt_missed why, int64_t now_ms)
{
	struct vakt_err err;
	bool changed = false;

	if (vakt_store_call_missed(
	        app->store, rec->id, why, now_ms, &changed, &err) == -1) {
		vakt_app_fault(app, "call missed", &err);
		return -1;
	}
	if (!changed)
		return 0;
	app->counters.missed++;
	queue_alerts(app, svc, rec);
	return app->is_turn_faulted ? -1 : 0;
}

/*
 * Mark the call missed (once) and alert.  What cannot be written now,
 * or is lost with the turn's commit, is done once the database works
 * again (vakt_app_defer_missed()).
 */
static void
call_missed(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_call_rec *rec, enum vakt_missed why, int64_t now_ms)
{
	if (vakt_app_write(app) == -1 ||
	    missed_now(app, svc, rec, why, now_ms) == -1) {
		vakt_app_defer_missed(app, rec->call_sid, (int)why, now_ms);
		return;
	}
	vakt_app_defer_missed_if_lost(app, rec->call_sid, (int)why, now_ms);
}

/* app->missed_fn: a deferred missed call, once it can be written. */
static int
missed_later(
    struct vakt_app *app, const char *call_sid, int why, int64_t now_ms)
{
	struct vakt_call_rec rec;
	struct vakt_err err;
	int found =
	    vakt_store_call_get_by_sid(app->store, call_sid, &rec, &err);

	if (found == -1) {
		vakt_app_fault(app, "call get", &err);
		return -1;
	}
	if (found == 0) {
		vakt_log_errx("voice: missed call %s has no row; its alert "
		              "is lost",
		    call_sid);
		return 0;
	}
	if (missed_now(app, vakt_webhook_service_by_id(app, rec.service), &rec,
	        (enum vakt_missed)why, now_ms) == -1)
		return -1;
	return 1;
}

/*
 * How a leg ended.  With answer confirmation only vakt's own record of
 * the key press (and a bridge) makes it answered: a voicemail box
 * answers too, and Twilio reports that leg "completed".
 */
static enum vakt_leg_outcome
leg_outcome(const struct vakt_service *svc, const struct vakt_twilio_dial *d,
    bool is_confirmed)
{
	const char *st = d->dial_status;
	bool picked_up =
	    strcmp(st, "completed") == 0 || strcmp(st, "answered") == 0;

	if (svc->confirm_answer ? is_confirmed && d->bridged != 0 : picked_up)
		return VAKT_LEG_ANSWERED;
	if (d->is_caller_gone)
		return VAKT_LEG_CALLER_HANGUP;
	if (picked_up)
		return VAKT_LEG_UNCONFIRMED;
	if (strcmp(st, "busy") == 0)
		return VAKT_LEG_BUSY;
	if (strcmp(st, "failed") == 0)
		return VAKT_LEG_FAILED;
	if (strcmp(st, "canceled") == 0)
		return VAKT_LEG_CANCELED;
	return VAKT_LEG_NO_ANSWER;
}

/* Ring step (1-based) of a logged call, recording that it started. */
static void
ring_step(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_call_rec *rec, int step,
    int64_t now_ms)
{
	struct vakt_twilio_ref ref = {.contact = rec->id,
	    .step = step,
	    .role = rec->steps[step - 1].role};
	struct vakt_err err;

	(void)vakt_strlcpy(ref.service, svc->id, sizeof(ref.service));
	if (vakt_app_write(app) == 0 &&
	    vakt_store_leg_start(app->store, rec->id, step,
	        &rec->steps[step - 1], now_ms, &err) == -1)
		vakt_app_fault(app, "leg start", &err);
	reply_dial(app, rep, svc, &ref, &rec->steps[step - 1], rec->caller);
}

static void
next_logged(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_ref *ref,
    const struct vakt_twilio_dial *d, const struct vakt_call_rec *rec)
{
	int64_t now = vakt_clock_now_ms();
	int i = ref->step - 1;
	enum vakt_leg_outcome out = leg_outcome(
	    svc, d, i < (int)rec->n_steps && rec->legs[i].confirmed_ms != 0);
	struct vakt_err err;
	bool is_new = false;

	vakt_reply_note(rep, "contact=%lld leg=%d outcome=%s",
	    (long long)rec->id, ref->step, vakt_contact_leg_outcome_name(out));
	if (vakt_app_write(app) == 0 &&
	    vakt_store_leg_end(app->store, rec->id, ref->step, d->dial_sid, out,
	        now, &is_new, &err) == -1)
		vakt_app_fault(app, "leg end", &err);
	if (out == VAKT_LEG_ANSWERED) {
		/* Without confirmation, the answer time is end - duration. */
		int64_t at = svc->confirm_answer ? rec->legs[i].confirmed_ms
		                                 : now - d->duration_s * 1000LL;

		if (vakt_app_write(app) == 0 &&
		    vakt_store_call_answered(
		        app->store, rec->id, ref->step, at, &err) == -1)
			vakt_app_fault(app, "call answered", &err);
		app->counters.answered += is_new ? 1 : 0;
		reply_hangup(rep);
	} else if (out == VAKT_LEG_CALLER_HANGUP) {
		call_missed(app, svc, rec, VAKT_MISSED_HANGUP, now);
		vakt_webhook_empty(rep);
	} else if (ref->step < (int)rec->n_steps) {
		ring_step(app, rep, svc, rec, ref->step + 1, now);
	} else {
		call_missed(app, svc, rec, VAKT_MISSED_EXHAUSTED, now);
		reply_nobody(rep, svc);
	}
}

/*
 * A call that is not in the database ended unanswered.  Its alert
 * still goes to beredskap if the database can be written by now (a
 * lock often outlasts the first webhook but not the call); the row has
 * no contact, and the time is the end of the call.
 */
static void
failsafe_missed(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_twilio_dial *d)
{
	struct vakt_call_rec rec;

	memset(&rec, 0, sizeof(rec));
	(void)vakt_strlcpy(rec.caller, d->call.from, sizeof(rec.caller));
	rec.cat = VAKT_CAT_AFTER_HOURS; /* not known: beredskap only */
	rec.received_ms = vakt_clock_now_ms();
	app->counters.missed++;
	vakt_log_warnx("voice: call %s missed while routed without the "
	               "database",
	    d->call.call_sid);
	queue_alerts(app, svc, &rec);
	/* Not queued: once its row is written (deferred), alert by it. */
	if (app->is_turn_faulted)
		vakt_app_defer_missed(app, d->call.call_sid,
		    VAKT_MISSED_EXHAUSTED, rec.received_ms);
}

/*
 * The answer by the safety plan from the role that just rang, without
 * the database: hang up (answered), end (the caller hung up), ring the
 * next role, or the closing message.  True if the call is now missed.
 */
static bool
next_safe_reply(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_ref *ref,
    const struct vakt_twilio_dial *d)
{
	struct vakt_twilio_ref next = *ref;
	struct vakt_plan plan;
	enum vakt_leg_outcome out = leg_outcome(svc, d, d->bridged == 1);

	if (out == VAKT_LEG_ANSWERED) {
		reply_hangup(rep);
		return false;
	}
	if (out == VAKT_LEG_CALLER_HANGUP) {
		vakt_webhook_empty(rep);
		return true;
	}
	vakt_router_safety(svc, &app->tz, vakt_clock_now_ms(),
	    VAKT_WHY_DIRECTORY_FAULT, &plan);
	for (size_t k = 0; k < plan.n_steps; k++) {
		if (plan.steps[k].role <= ref->role ||
		    ref->step >= VAKT_PLAN_MAX)
			continue;
		next.contact = 0;
		next.step = ref->step + 1;
		next.role = plan.steps[k].role;
		reply_dial(app, rep, svc, &next, &plan.steps[k], d->call.from);
		return false;
	}
	reply_nobody(rep, svc);
	return true;
}

/*
 * The call is not in the database (it was routed while the database
 * failed, or it cannot be read now): go on along the safety plan from
 * the role that just rang.
 */
static void
next_failsafe(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_ref *ref,
    const struct vakt_twilio_dial *d)
{
	app->counters.failsafe_plans++;
	vakt_reply_note(rep, "contact=0 leg=%d outcome=%s failsafe", ref->step,
	    vakt_contact_leg_outcome_name(
	        leg_outcome(svc, d, d->bridged == 1)));
	if (next_safe_reply(app, rep, svc, ref, d))
		failsafe_missed(app, svc, d);
}

/*
 * Load the logged call our URL names, and make sure it is the call
 * Twilio is asking about: a contact id from a batch whose commit failed
 * may since have gone to another call.  call_sid "" skips that check
 * (when the request does not say).  False (with a fault recorded when
 * the database failed) means: route without it.
 */
static bool
load_call(struct vakt_app *app, int64_t id, const char *call_sid,
    struct vakt_call_rec *rec)
{
	struct vakt_err err;
	int found;

	if (id == 0 || vakt_app_read(app) == -1)
		return false;
	found = vakt_store_call_get(app->store, id, rec, &err);
	if (found == -1)
		vakt_app_fault(app, "call get", &err);
	else if (found == 0)
		vakt_log_warnx(
		    "voice: contact %lld not in the database", (long long)id);
	if (found == 1 && call_sid[0] != '\0' &&
	    strcmp(call_sid, rec->call_sid) != 0) {
		vakt_log_warnx("voice: contact %lld belongs to another call",
		    (long long)id);
		found = 0;
	}
	return found == 1 && rec->n_steps > 0;
}

/*
 * A call answered while its row could not be written rings with
 * contact 0, and its row is written later (vakt_app_defer_call()).
 * Once the row exists, the call's later webhooks take it up again if
 * it planned the step that rang; else they go on without it.
 */
static void
adopt_call(
    struct vakt_app *app, struct vakt_twilio_ref *ref, const char *call_sid)
{
	struct vakt_call_rec rec;
	struct vakt_err err;
	int found;

	if (ref->contact != 0 || call_sid[0] == '\0' ||
	    vakt_app_read(app) == -1)
		return;
	vakt_app_write_deferred(app);
	found = vakt_store_call_get_by_sid(app->store, call_sid, &rec, &err);
	if (found == -1)
		vakt_app_fault(app, "call get", &err);
	if (found != 1 || ref->step < 1 || ref->step > (int)rec.n_steps ||
	    rec.steps[ref->step - 1].role != ref->role)
		return;
	ref->contact = rec.id;
	vakt_log_info("voice: call %s goes on as contact %lld", call_sid,
	    (long long)rec.id);
}

/*
 * POST /twilio/voice/next: the <Dial action>.  Record how the leg
 * ended; then hang up (answered), ring the next step, or say the
 * closing message.  A duplicate finds the leg recorded and gets the
 * same answer without a second log row.
 */
static void
next_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_twilio_ref ref;
	struct vakt_twilio_dial d;
	struct vakt_call_rec rec;
	struct vakt_err err;
	const struct vakt_service *svc;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_ref(req, &ref, &err) == -1 ||
	    vakt_twilio_parse_dial(req, &d, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	svc = vakt_webhook_service_by_id(app, ref.service);
	adopt_call(app, &ref, d.call.call_sid);
	/* If this turn's commit fails: the safety plan from this role. */
	(void)next_safe_reply(app, vakt_reply_failsafe(rep), svc, &ref, &d);
	if (load_call(app, ref.contact, d.call.call_sid, &rec) &&
	    ref.step <= (int)rec.n_steps)
		next_logged(app, rep, svc, &ref, &d, &rec);
	else
		next_failsafe(app, rep, svc, &ref, &d);
}

/* What the staff member hears before pressing 1. */
static char *
whisper_text(struct vakt_app *app, const struct vakt_service *svc,
    int64_t contact, const char *parent_sid)
{
	struct vakt_call_rec rec;
	struct vakt_buf b = {0};

	vakt_buf_printf(&b, "%s: anrop fra ", svc->name);
	if (load_call(app, contact, parent_sid, &rec) && rec.youth[0] != '\0')
		vakt_buf_printf(&b, "%s, %s",
		    rec.youth_name[0] != '\0' ? rec.youth_name : "ungdom",
		    rec.youth);
	else
		vakt_buf_puts(&b, "ukjent nummer");
	vakt_buf_puts(&b, ". Trykk 1 for å ta samtalen.");
	return vakt_buf_take(&b, NULL);
}

/* POST /twilio/voice/whisper: the <Number url>, for the staff leg. */
static void
whisper_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const struct vakt_service *svc;
	struct vakt_twilio_digits leg;
	struct vakt_twilio_ref ref;
	struct vakt_err err;
	size_t len;
	char *text, *body;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_ref(req, &ref, &err) == -1 ||
	    vakt_twilio_parse_digits(req, &leg, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	svc = vakt_webhook_service_by_id(app, ref.service);
	text = whisper_text(app, svc, ref.contact, leg.parent_sid);
	body = vakt_twilio_render_whisper(
	    app->cfg->http.public_url, &ref, text, svc, &len);
	free(text);
	vakt_webhook_xml(rep, body, len);
	vakt_reply_note(
	    rep, "contact=%lld leg=%d", (long long)ref.contact, ref.step);
}

/*
 * POST /twilio/voice/confirm: the whisper's <Gather action>.  Key 1
 * is recorded as the confirmed answer and bridges the call (an empty
 * document ends the whisper); any other key hangs the leg up.
 */
static void
confirm_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_twilio_digits dg;
	struct vakt_twilio_ref ref;
	struct vakt_call_rec rec;
	struct vakt_err err;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_ref(req, &ref, &err) == -1 ||
	    vakt_twilio_parse_digits(req, &dg, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	vakt_reply_note(rep, "contact=%lld leg=%d key=%s",
	    (long long)ref.contact, ref.step,
	    dg.digits[0] ? dg.digits : "none");
	if (strcmp(dg.digits, "1") != 0) {
		reply_hangup(rep);
		return;
	}
	/* Bridge even if this cannot be recorded: a human said yes. */
	vakt_webhook_empty(vakt_reply_failsafe(rep));
	adopt_call(app, &ref, dg.parent_sid);
	if (load_call(app, ref.contact, dg.parent_sid, &rec) &&
	    vakt_app_write(app) == 0 &&
	    vakt_store_leg_confirm(app->store, ref.contact, ref.step,
	        dg.call_sid, vakt_clock_now_ms(), &err) == -1)
		vakt_app_fault(app, "leg confirm", &err);
	vakt_webhook_empty(rep);
}

static bool
is_final_status(const char *st)
{
	static const char *const final[] = {
	    "completed", "busy", "failed", "no-answer", "canceled"};

	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		if (strcmp(st, final[i]) == 0)
			return true;
	return false;
}

/*
 * A leg whose <Dial action> has not come yet may still turn out
 * answered: one that was confirmed, or, without confirmation, any leg
 * still open, since then only the <Dial action> tells whether it was
 * bridged.  Twilio requests that action even when the caller hangs up,
 * and /next marks the call missed then.
 */
static bool
has_pending_answer(
    const struct vakt_service *svc, const struct vakt_call_rec *rec)
{
	for (size_t i = 0; i < rec->n_steps; i++) {
		const struct vakt_leg_rec *leg = &rec->legs[i];

		if (leg->outcome != 0)
			continue;
		if (leg->confirmed_ms != 0 ||
		    (!svc->confirm_answer && leg->is_started))
			return true;
	}
	return false;
}

/*
 * POST /twilio/voice/status: the parent call's status callback.  A
 * call that ends while still unanswered is missed (the caller hung up
 * while it rang) unless a leg that may have been answered is still to
 * be settled by its <Dial action>, which can arrive after this.
 */
static void
status_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const struct vakt_service *svc;
	struct vakt_twilio_status st;
	struct vakt_call_rec rec;
	struct vakt_err err;
	int64_t now = vakt_clock_now_ms();
	int found;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_status(req, &st, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	vakt_reply_take(rep, 204, NULL, NULL, 0);
	vakt_reply_note(rep, "status=%s", st.call_status);
	if (!is_final_status(st.call_status))
		return;
	if (vakt_app_read(app) == -1) {
		/* Not recorded now: ask Twilio to send it again. */
		vakt_reply_text(rep, 503, "store unavailable");
		return;
	}
	found = vakt_store_call_get_by_sid(app->store, st.call_sid, &rec, &err);
	if (found != 1) {
		if (found == -1)
			vakt_app_fault(app, "call get", &err);
		return;
	}
	vakt_reply_note(rep, "contact=%lld", (long long)rec.id);
	if (vakt_app_write(app) == 0 &&
	    vakt_store_call_ended(
	        app->store, rec.id, st.duration_s, now, &err) == -1)
		vakt_app_fault(app, "call ended", &err);
	svc = vakt_webhook_service_by_id(app, rec.service);
	if (rec.status == VAKT_STATUS_OPEN && !has_pending_answer(svc, &rec))
		call_missed(app, svc, &rec, VAKT_MISSED_HANGUP, now);
}

void
vakt_voice_routes(struct vakt_http *http, struct vakt_app *app)
{
	app->missed_fn = missed_later;
	vakt_http_route(http, "/twilio/voice", VAKT_POST, true, voice_cb, app);
	vakt_http_route(
	    http, "/twilio/voice/next", VAKT_POST, true, next_cb, app);
	vakt_http_route(
	    http, "/twilio/voice/whisper", VAKT_POST, true, whisper_cb, app);
	vakt_http_route(
	    http, "/twilio/voice/confirm", VAKT_POST, true, confirm_cb, app);
	vakt_http_route(
	    http, "/twilio/voice/status", VAKT_POST, true, status_cb, app);
}
