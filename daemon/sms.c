/*
 * sms.c: one number, both ways.  A youth's message (or an unknown
 * number's) is forwarded by the routing rules to the first step of the
 * plan, from the service number, tagged "[U-0142 Ola] …".  A staff
 * member's message to the service number is relayed to the youth of
 * their current thread, or to "#CODE"'s youth, from the service number;
 * one that cannot be placed is answered with a short explanation.
 *
 * Every outbound message goes through the outbox, written in the same
 * transaction as the contact or reply that caused it.  Bodies are
 * never logged and never stored outside the outbox.  If the database
 * cannot be written, a youth's message is still forwarded to beredskap
 * by TwiML <Message>, which Twilio sends itself.
 */
#include "vakt/sms.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vakt/app.h"
#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/gsm.h"
#include "vakt/log.h"
#include "vakt/router.h"
#include "vakt/store.h"
#include "vakt/twilio.h"
#include "vakt/webhook.h"

/*
 * A staff reply longer than one SMS (Twilio refuses a Body over 1600
 * characters with 21617) goes to the youth in numbered parts, "(1/2)
 * …", split as forwards are: the staff member wrote it to be read
 * whole, and parts are what their own phone does with a long text.
 * Twilio caps an incoming Body at 1600 characters, so a real reply
 * needs two parts at most (emoji count double); past RELAY_PARTS_MAX
 * something is wrong, and the staff member is told it was not sent
 * rather than the youth getting a flood.
 */
#define RELAY_PARTS_MAX 4

#define HOW_TO                                                                 \
	"Skriv #KODE foran meldingen for å svare en bestemt "                 \
	"ungdom, f.eks. #U-0142 Hei!"

/* "U-0142 Ola", or "ukjent +4791234567": staff need the number. */
static void
sender_tag(
    const struct vakt_caller *who, const char *from, char *out, size_t len)
{
	if (who->is_known && who->youth.name[0] != '\0')
		snprintf(out, len, "%s %s", who->youth.id, who->youth.name);
	else if (who->is_known)
		snprintf(out, len, "%s", who->youth.id);
	else
		snprintf(out, len, "ukjent %s", from);
}

/* The text to forward: the body, or a note when there is only media. */
static void
forward_parts(const struct vakt_twilio_sms *m, const char *tag,
    struct vakt_strlist *parts)
{
	char note[96];

	if (m->num_media > 0) {
		/* Media stay at Twilio: links to a child's pictures do not
		 * travel on to staff phones. */
		snprintf(note, sizeof(note), "%s(%d vedlegg, ikke videresendt)",
		    m->body[0] != '\0' ? " " : "", m->num_media);
	} else {
		note[0] = '\0';
	}
	if (m->body[0] == '\0' && note[0] == '\0')
		snprintf(note, sizeof(note), "(tom melding)");
	if (note[0] == '\0') {
		vakt_gsm_forward(tag, m->body, parts);
	} else {
		char *text = vakt_xasprintf("%s%s", m->body, note);

		vakt_gsm_forward(tag, text, parts);
		free(text);
	}
}

/* Queue each part for `to`; -1 if the outbox could not be written. */
static int
queue_parts(struct vakt_app *app, const struct vakt_service *svc,
    int64_t contact, enum vakt_purpose purpose, const char *to,
    const struct vakt_strlist *parts)
{
	struct vakt_err err;

	for (size_t i = 0; i < parts->n; i++) {
		struct vakt_outbox_msg o = {.contact = contact,
		    .service = svc->id,
		    .purpose = purpose,
		    .to = to,
		    .from = svc->number,
		    .body = parts->v[i]};

		if (vakt_store_outbox_add(app->store, &o, vakt_clock_now_ms(),
		        NULL, &err) == -1) {
			vakt_app_fault(app, "outbox add", &err);
			return -1;
		}
	}
	app->is_outbox_dirty = true;
	return 0;
}

/*
 * The database failed: hand the message to beredskap through TwiML so
 * that it still reaches a human.  Nothing of it is logged.
 */
static void
render_failsafe(struct vakt_reply *rep, const struct vakt_service *svc,
    const struct vakt_twilio_sms *m)
{
	struct vakt_caller none = {0};
	struct vakt_strlist parts = {0};
	char tag[VAKT_ID_LEN + VAKT_NAME_LEN + 16];
	size_t len;
	char *body;

	sender_tag(&none, m->from, tag, sizeof(tag));
	forward_parts(m, tag, &parts);
	body = vakt_twilio_render_messages(
	    svc->beredskap, svc->number, parts.v, parts.n, &len);
	vakt_strlist_free(&parts);
	vakt_webhook_xml(rep, body, len);
	vakt_reply_note(rep, "to=beredskap");
}

static void
forward_failsafe(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_sms *m)
{
	app->counters.failsafe_plans++;
	render_failsafe(rep, svc, m);
	vakt_reply_note(rep, "failsafe");
	vakt_log_errx("sms: database unavailable; message forwarded to "
	              "beredskap by TwiML and not logged");
}

/*
 * A staff message whose handling cannot be made durable: tell the
 * staff member, by TwiML, that nothing was sent.
 */
static void
staff_failsafe(struct vakt_reply *rep, const struct vakt_service *svc,
    const struct vakt_twilio_sms *m)
{
	static char text[] = "vakt: Svaret ble ikke sendt på grunn av en "
	                     "feil hos vakt. Send det på nytt om litt.";
	char *parts[] = {text};
	size_t len;
	char *body =
	    vakt_twilio_render_messages(m->from, svc->number, parts, 1, &len);

	vakt_webhook_xml(rep, body, len);
	vakt_reply_note(rep, "to=staff");
}

/* A youth's (or unknown number's) message: log, forward, set thread. */
/*
 * A new youth message whose row is in the batch: queue its forward to
 * the plan's first step and point that staff member's thread at the
 * youth.  If that fails the batch is lost, so the message is forwarded
 * by TwiML instead.
 */
static void
forward_new(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_sms *m,
    const struct vakt_caller *who, const struct vakt_step *to, int64_t id,
    int64_t now)
{
	char tag[VAKT_ID_LEN + VAKT_NAME_LEN + 16];
	struct vakt_strlist parts = {0};
	struct vakt_err err;

	sender_tag(who, m->from, tag, sizeof(tag));
	forward_parts(m, tag, &parts);
	/* A reply can only go back to a real number (not "Twilio"). */
	if (queue_parts(
	        app, svc, id, VAKT_PURPOSE_FORWARD, to->number, &parts) == -1 ||
	    (vakt_e164_valid(m->from) &&
	        vakt_store_thread_set(app->store, svc->id, to->number,
	            who->is_known ? who->youth.id : "", m->from, now,
	            &err) == -1)) {
		if (!app->is_turn_faulted)
			vakt_app_fault(app, "thread set", &err);
		vakt_strlist_free(&parts);
		forward_failsafe(app, rep, svc, m);
		return;
	}
	vakt_reply_note(rep, "to=%s parts=%zu len=%zu",
	    vakt_router_role_name(to->role), parts.n, vakt_utf8_chars(m->body));
	vakt_strlist_free(&parts);
}

static void
youth_message(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, bool is_known_svc,
    const struct vakt_twilio_sms *m, int64_t now)
{
	struct vakt_sms_meta meta = {.sid = m->message_sid,
	    .from = m->from,
	    .to = m->to,
	    .body_len = vakt_utf8_chars(m->body),
	    .segments = m->segments};
	char masked[VAKT_E164_LEN];
	const struct vakt_step *to;
	struct vakt_caller who;
	struct vakt_plan plan, safe;
	struct vakt_err err;
	int64_t id;
	bool is_dup, is_written;

	vakt_webhook_plan(app, svc, is_known_svc, m->from, now, &plan, &who);
	vakt_webhook_plan_log("sms", &plan, m->from);
	to = &plan.steps[0];
	/* If this turn's commit fails, the message still reaches a human,
	 * and its row (by the safety plan) is written later. */
	render_failsafe(vakt_reply_failsafe(rep), svc, m);
	vakt_router_safety(svc, &app->tz, now, VAKT_WHY_DIRECTORY_FAULT, &safe);
	is_written = !app->is_turn_faulted && vakt_app_write(app) == 0;
	if (is_written &&
	    vakt_store_sms_add(
	        app->store, &meta, &plan, &who, &id, &is_dup, &err) == -1) {
		vakt_app_fault(app, "sms add", &err);
		is_written = false;
	}
	if (!is_written) {
		forward_failsafe(app, rep, svc, m);
		vakt_app_defer_sms(app, &meta, &safe, &who, now);
		return;
	}
	if (!is_dup)
		vakt_app_defer_sms_if_lost(app, &meta, &safe, &who, now);
	vakt_webhook_empty(rep);
	vakt_reply_note(rep, "contact=%lld from=%s%s", (long long)id,
	    vakt_mask_e164(m->from, masked), is_dup ? " duplicate" : "");
	if (is_dup)
		return;
	app->counters.sms_in++;
	forward_new(app, rep, svc, m, &who, to, id, now);
}

/*
 * The staff member's id: coordinator id, "beredskap", "fallback", or a
 * staff member's id (a leader on the beredskap rota, issue 11).
 */
static int
staff_of(struct vakt_app *app, const struct vakt_service *svc, const char *from,
    char id[VAKT_ID_LEN])
{
	struct vakt_err err;
	int found;

	if (strcmp(from, svc->beredskap) == 0) {
		(void)vakt_strlcpy(id, "beredskap", VAKT_ID_LEN);
		return 1;
	}
	if (svc->fallback != NULL && strcmp(from, svc->fallback) == 0) {
		(void)vakt_strlcpy(id, "fallback", VAKT_ID_LEN);
		return 1;
	}
	/* A read: a stalled commit or a full disk must not make a staff
	 * member's reply look like a youth's message. */
	if (vakt_app_read(app) == -1)
		return -1;
	found = vakt_store_coordinator_by_phone(
	    app->store, svc->id, from, id, &err);
	if (found == 0)
		found = vakt_store_staff_by_phone(
		    app->store, svc->id, from, id, &err);
	if (found == -1)
		vakt_app_fault(app, "staff lookup", &err);
	return found;
}

/* Where a staff message goes, or why it cannot go anywhere. */
struct target {
	char youth[VAKT_ID_LEN]; /* "" for an unknown number */
	char name[VAKT_NAME_LEN];
	char number[VAKT_E164_LEN];
	const char *text; /* what to relay (after any "#CODE ") */
	char *notice;     /* to the staff member instead, or NULL */
	bool is_switch;   /* "#CODE" alone: only change the thread */
};

/* "#CODE rest": split off the code; false if the text has none. */
static bool
split_code(const char *body, char *code, size_t len, const char **rest)
{
	size_t n;

	if (body[0] != '#')
		return false;
	n = strspn(body + 1,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-");
	if (n == 0 || n >= len)
		return false;
	memcpy(code, body + 1, n);
	code[n] = '\0';
	*rest = body + 1 + n;
	/* "#U-0142: Hei" and "#U-0142, Hei" are how people write it. */
	if (**rest == ':' || **rest == ',')
		(*rest)++;
	while (
	    **rest == ' ' || **rest == '\n' || **rest == '\r' || **rest == '\t')
		(*rest)++;
	return true;
}

static int
target_youth(struct vakt_app *app, const struct vakt_service *svc,
    const char *code, struct target *t)
{
	struct vakt_youth y;
	struct vakt_err err;
	int found =
	    vakt_store_youth_by_code(app->store, svc->id, code, &y, &err);

	if (found == -1) {
		vakt_app_fault(app, "youth by code", &err);
		return -1;
	}
	if (found == 0)
		return 0;
	(void)vakt_strlcpy(t->youth, y.id, sizeof(t->youth));
	(void)vakt_strlcpy(t->name, y.name, sizeof(t->name));
	(void)vakt_strlcpy(t->number, y.phone, sizeof(t->number));
	return 1;
}

/* The thread's youth (or number); a notice if there is none. */
static int
target_thread(struct vakt_app *app, const struct vakt_service *svc,
    const char *staff, struct target *t)
{
	struct vakt_thread th;
	struct vakt_err err;
	int found =
	    vakt_store_thread_get(app->store, svc->id, staff, &th, &err);

	if (found == -1) {
		vakt_app_fault(app, "thread get", &err);
		return -1;
	}
	if (found == 0) {
		t->notice = vakt_xasprintf("vakt: Svaret ble ikke sendt: du "
		                           "har ingen samtale å svare på. %s",
		    HOW_TO);
		return 0;
	}
	if (th.youth[0] == '\0') { /* an unknown number's thread */
		(void)vakt_strlcpy(t->number, th.number, sizeof(t->number));
		return 0;
	}
	found = target_youth(app, svc, th.youth, t);
	if (found == 0)
		t->notice = vakt_xasprintf("vakt: Svaret ble ikke sendt: %s "
		                           "finnes ikke lenger. %s",
		    th.youth, HOW_TO);
	return found == -1 ? -1 : 0;
}

/* "#CODE text": that youth, or a notice; "#CODE" alone switches. */
static int
target_code(struct vakt_app *app, const struct vakt_service *svc,
    const char *code, struct target *t)
{
	int found = target_youth(app, svc, code, t);

	if (found == -1)
		return -1;
	if (found == 0) {
		t->notice = vakt_xasprintf("vakt: Svaret ble ikke sendt: fant "
		                           "ingen ungdom med koden #%s. %s",
		    code, HOW_TO);
	} else if (t->text[0] == '\0') {
		t->is_switch = true;
		t->notice = vakt_xasprintf("vakt: Svar går nå til %s%s%s.",
		    t->youth, t->name[0] != '\0' ? " " : "", t->name);
	}
	return 0;
}

/* Decide where a staff message goes.  0, or -1 on a database fault. */
static int
place(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_twilio_sms *m, struct target *t)
{
	char code[VAKT_ID_LEN];
	int rc;

	memset(t, 0, sizeof(*t));
	t->text = m->body;
	if (split_code(m->body, code, sizeof(code), &t->text))
		rc = target_code(app, svc, code, t);
	else
		rc = target_thread(app, svc, m->from, t);
	/*
	 * Nothing to relay (a picture alone: media are not passed on).
	 * Twilio refuses an empty body, and the youth would wait for a
	 * reply that the log says was given.
	 */
	if (rc == 0 && t->notice == NULL && t->text[0] == '\0')
		t->notice = vakt_xasprintf("vakt: Svaret ble ikke sendt: det "
		                           "var ingen tekst i det. Bilder "
		                           "sendes ikke videre.");
	else if (rc == 0 && t->notice == NULL &&
	    vakt_gsm_reply(t->text, NULL) > RELAY_PARTS_MAX)
		t->notice = vakt_xasprintf("vakt: Svaret ble ikke sendt: det "
		                           "var for langt (%zu tegn, høyst "
		                           "%d). Send det i kortere "
		                           "meldinger.",
		    vakt_utf8_chars(t->text), RELAY_PARTS_MAX * VAKT_SMS_MAX);
	return rc;
}

/* Relay t->text to the youth and log it as the thread's reply. */
static int
relay(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_twilio_sms *m, const char *staff_id,
    const struct target *t, int64_t now)
{
	struct vakt_sms_meta meta = {.sid = m->message_sid,
	    .from = m->from,
	    .to = m->to,
	    .body_len = vakt_utf8_chars(t->text),
	    .segments = m->segments};
	struct vakt_strlist parts = {0};
	struct vakt_err err;
	int rc;

	/* No tag, no staff name or number: the youth sees the service. */
	(void)vakt_gsm_reply(t->text, &parts);
	vakt_log_debug("sms: reply relayed to=%s parts=%zu len=%zu",
	    t->youth[0] != '\0' ? t->youth : "number", parts.n, meta.body_len);
	rc = queue_parts(app, svc, 0, VAKT_PURPOSE_RELAY, t->number, &parts);
	vakt_strlist_free(&parts);
	if (rc == -1)
		return -1;
	if (vakt_store_staff_message(app->store, &meta, svc->id, VAKT_DIR_REPLY,
	        staff_id, t->youth, t->number, now, &err) == -1 ||
	    vakt_store_thread_set(app->store, svc->id, m->from, t->youth,
	        t->number, now, &err) == -1) {
		vakt_app_fault(app, "reply", &err);
		return -1;
	}
	return 0;
}

/* Tell the staff member why nothing was relayed, and log the message. */
static int
notice(struct vakt_app *app, const struct vakt_service *svc,
    const struct vakt_twilio_sms *m, const char *staff_id,
    const struct target *t, int64_t now)
{
	struct vakt_sms_meta meta = {.sid = m->message_sid,
	    .from = m->from,
	    .to = m->to,
	    .body_len = vakt_utf8_chars(m->body),
	    .segments = m->segments};
	struct vakt_strlist parts = {0};
	struct vakt_err err;
	int rc;

	vakt_strlist_add(&parts, "%s", t->notice);
	rc = queue_parts(app, svc, 0, VAKT_PURPOSE_NOTICE, m->from, &parts);
	vakt_strlist_free(&parts);
	if (rc == -1)
		return -1;
	if ((t->is_switch &&
	        vakt_store_thread_set(app->store, svc->id, m->from, t->youth,
	            t->number, now, &err) == -1) ||
	    vakt_store_staff_message(app->store, &meta, svc->id,
	        VAKT_DIR_UNPLACED, staff_id, t->youth, t->number, now,
	        &err) == -1) {
		vakt_app_fault(app, "staff message", &err);
		return -1;
	}
	return 0;
}

static void
staff_message(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_service *svc, const struct vakt_twilio_sms *m,
    const char *staff_id, int64_t now)
{
	struct vakt_err err;
	struct target t;
	int seen, rc;

	if (vakt_app_write(app) == -1) {
		staff_failsafe(rep, svc, m);
		vakt_reply_note(rep, "staff=%s failsafe", staff_id);
		vakt_log_errx("sms: a staff message could not be handled: "
		              "database unavailable");
		return;
	}
	seen = vakt_store_message_seen(app->store, m->message_sid, &err);
	vakt_webhook_empty(rep);
	vakt_reply_note(rep, "staff=%s", staff_id);
	staff_failsafe(vakt_reply_failsafe(rep), svc, m);
	if (seen != 0) {
		if (seen == -1)
			vakt_app_fault(app, "message seen", &err);
		vakt_reply_note(rep, "%s", seen == 1 ? "duplicate" : "fault");
		return;
	}
	rc = place(app, svc, m, &t);
	if (rc == 0 && t.notice == NULL)
		rc = relay(app, svc, m, staff_id, &t, now);
	else if (rc == 0)
		rc = notice(app, svc, m, staff_id, &t, now);
	vakt_reply_note(rep, "%s%s",
	    t.notice == NULL ? "relayed to=" : "unplaced",
	    t.notice == NULL ? (t.youth[0] != '\0' ? t.youth : "number") : "");
	if (rc == -1)
		vakt_log_errx("sms: a staff message could not be handled: "
		              "database unavailable");
	free(t.notice);
}

/* POST /twilio/sms: a message to a service number. */
static void
sms_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const struct vakt_service *svc;
	struct vakt_twilio_sms m;
	struct vakt_err err;
	char staff_id[VAKT_ID_LEN];
	int64_t now = vakt_clock_now_ms(), t0_ms = vakt_clock_mono_ms();
	bool is_known;
	int staff = 0;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_sms(req, &m, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	svc = vakt_webhook_service_by_to(app, m.to, &is_known);
	/* One of our own numbers texting us would forward in a loop. */
	if (vakt_config_service_by_number(app->cfg, m.from) != NULL) {
		vakt_log_warnx("sms: message from a service number dropped");
		vakt_webhook_empty(rep);
		return;
	}
	if (is_known)
		staff = staff_of(app, svc, m.from, staff_id);
	if (staff == 1)
		staff_message(app, rep, svc, &m, staff_id, now);
	else
		youth_message(app, rep, svc, is_known, &m, now);
	vakt_log_debug("sms: webhook %s handled in %lld ms (reply after the "
	               "turn's commit)",
	    staff == 1 ? "from staff" : "from a youth",
	    (long long)(vakt_clock_mono_ms() - t0_ms));
}

/*
 * A forward that never reached its staff phone: tell beredskap (or the
 * fallback, when it was beredskap's) so that someone contacts the youth.
 */
static void
undelivered_alert(
    struct vakt_app *app, const struct vakt_outbox_row *row, const char *status)
{
	const struct vakt_service *svc =
	    vakt_webhook_service_by_id(app, row->service);
	char youth[VAKT_ID_LEN], name[VAKT_NAME_LEN], caller[VAKT_CALLER_LEN];
	const char *to = svc->beredskap;
	struct vakt_strlist parts = {0};
	struct vakt_buf who = {0}, b = {0};
	struct vakt_err err;

	if (strcmp(row->to, svc->beredskap) == 0 && svc->fallback != NULL)
		to = svc->fallback;
	if (vakt_store_contact_who(
	        app->store, row->contact, youth, name, caller, &err) == -1) {
		vakt_app_fault(app, "contact who", &err);
		return;
	}
	if (youth[0] != '\0')
		vakt_buf_printf(
		    &who, "%s%s%s", youth, name[0] ? " " : "", name);
	else
		vakt_buf_puts(&who, caller[0] != '\0' ? caller : "ukjent");
	vakt_buf_puts(&b, "vakt: En melding fra ");
	vakt_gsm_fold(who.p, &b);
	vakt_buf_printf(&b,
	    " til %s ble ikke levert (%s). Ta kontakt med "
	    "avsenderen.",
	    row->to, status);
	vakt_strlist_add(&parts, "%s", b.p);
	vakt_buf_free(&who);
	vakt_buf_free(&b);
	(void)queue_parts(
	    app, svc, row->contact, VAKT_PURPOSE_ALERT, to, &parts);
	vakt_strlist_free(&parts);
}

/* POST /twilio/sms/status: delivery of one of our messages. */
static void
sms_status_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	struct vakt_twilio_sms_status st;
	struct vakt_outbox_row row;
	struct vakt_err err;
	int found;

	if (!vakt_webhook_verified(app, req, rep))
		return;
	if (vakt_twilio_parse_sms_status(req, &st, &err) == -1) {
		vakt_webhook_bad(app, req, rep, &err);
		return;
	}
	vakt_reply_take(rep, 204, NULL, NULL, 0);
	vakt_reply_note(rep, "status=%s", st.status);
	if (vakt_app_write(app) == -1)
		return;
	found = vakt_store_outbox_delivery(app->store, st.message_sid,
	    st.status, vakt_clock_now_ms(), &row, &err);
	if (found == -1)
		vakt_app_fault(app, "delivery", &err);
	if (found != 1)
		return;
	vakt_reply_note(rep, "row=%lld", (long long)row.id);
	if ((strcmp(st.status, "undelivered") == 0 ||
	        strcmp(st.status, "failed") == 0) &&
	    row.purpose == VAKT_PURPOSE_FORWARD) {
		char *code = vakt_str_vis(
		    st.error_code[0] != '\0' ? st.error_code : "none");

		vakt_log_warnx("sms: forward row=%lld was %s (error %s)",
		    (long long)row.id, st.status, code);
		free(code);
		undelivered_alert(app, &row, st.status);
	}
}

void
vakt_sms_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(http, "/twilio/sms", VAKT_POST, true, sms_cb, app);
	vakt_http_route(
	    http, "/twilio/sms/status", VAKT_POST, true, sms_status_cb, app);
}
