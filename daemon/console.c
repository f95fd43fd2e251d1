/*
 * console.c: the staff console, server-rendered HTML under /app/
 * (issue 11).  Exports vakt_console_routes() of vakt/console.h.
 *
 * A thin edge over the JSON API's own steps: the login forms take
 * session.c's code request and login, the follow-up form followup.c's
 * mark-done, and every page the API's caller check (with its audit
 * row).  Every value from the database or the request is escaped.
 */
#include "vakt/console.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vakt/absence.h"
#include "vakt/api.h"
#include "vakt/app.h"
#include "vakt/auth.h"
#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/followup.h"
#include "vakt/http.h"
#include "vakt/rota.h"
#include "vakt/router.h"
#include "vakt/session.h"
#include "vakt/store.h"
#include "vakt/util.h"

#define FOLLOWUP_PREFIX "/app/followups/"
#define ABSENCE_PREFIX  "/app/absences/"
#define ROTA_PREFIX     "/app/rota/"

/* The role as staff read it, in bokmål. */
static const char *
role_nb(enum vakt_auth_role r)
{
	switch (r) {
	case VAKT_AUTH_ADMIN:
		return "administrator";
	case VAKT_AUTH_LEADER:
		return "leder";
	default:
		return "koordinator";
	}
}

/* On every /app/ answer. */
static const char csp[] =
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
static const char *const security_headers[] = {"Content-Security-Policy", csp,
    "X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer",
    NULL};

/* One column, no fixed widths: readable from 390 px up. */
static const char stylesheet[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0;font-family:system-ui,sans-serif;line-height:1.5;"
    "color:#1b1b1b;background:#f6f6f4}\n"
    "header{background:#1f3a5f;color:#fff;padding:.5rem 1rem}\n"
    "header a{color:#fff;margin-right:1rem}\n"
    "nav{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem}\n"
    "main{max-width:60rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.5rem}\n"
    "label{display:block;font-weight:600;margin-top:.75rem}\n"
    "input,select,button{font:inherit;padding:.5rem;max-width:100%}\n"
    "button{margin-top:.75rem;background:#1f3a5f;color:#fff;border:0;"
    "border-radius:.25rem;cursor:pointer}\n"
    "header button{margin:0;background:#fff;color:#1f3a5f}\n"
    "form.inline{display:inline}\n"
    ".card{background:#fff;border:1px solid #ddd;border-radius:.5rem;"
    "padding:.75rem 1rem;margin:.75rem 0}\n"
    ".error{color:#9b1c1c;font-weight:600}\n"
    ".note{color:#444}\n";

/* ---------------------------------------------------------------- */
/* The renderer. */

/* Append s escaped for HTML text and attributes. */
static void
esc(struct vakt_buf *b, const char *s)
{
	vakt_buf_xml(b, s != NULL ? s : "");
}

/*
 * Start a page titled title; s (the session, or NULL before login)
 * gives the menu and the logout form its CSRF token.
 */
static void
page_open(struct vakt_buf *b, const char *title, const struct vakt_session *s)
{
	vakt_buf_puts(b,
	    "<!DOCTYPE html>\n<html lang=\"nb\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	esc(b, title);
	vakt_buf_puts(b,
	    " – vakt</title>\n"
	    "<link rel=\"stylesheet\" href=\"/app/style.css\">\n"
	    "</head>\n<body>\n<header><nav>");
	if (s != NULL) {
		vakt_buf_puts(b,
		    "<a href=\"/app/\">Nå</a>"
		    "<a href=\"/app/followups\">Oppfølging</a>"
		    "<a href=\"/app/absences\">Fravær</a>"
		    "<a href=\"/app/rota\">Vaktliste</a>"
		    "<a href=\"/app/report\">Rapport</a>"
		    "<form class=\"inline\" method=\"post\" "
		    "action=\"/app/logout\"><input type=\"hidden\" "
		    "name=\"csrf\" value=\"");
		esc(b, s->csrf);
		vakt_buf_puts(b,
		    "\"><button type=\"submit\">Logg ut</button>"
		    "</form>");
	} else {
		vakt_buf_puts(b, "<strong>vakt</strong>");
	}
	vakt_buf_puts(b, "</nav></header>\n<main>\n<h1>");
	esc(b, title);
	vakt_buf_puts(b, "</h1>\n");
}

/* End the page in b and make it rep's answer with status. */
static void
page_send(struct vakt_reply *rep, int status, struct vakt_buf *b)
{
	size_t len;
	char *body;

	vakt_buf_puts(b, "</main>\n</body>\n</html>\n");
	body = vakt_buf_take(b, &len);
	vakt_reply_take(rep, status, "text/html; charset=utf-8", body, len);
}

/* utc_ms as a Norwegian local time "08.12.2026 21:14" into out. */
static void
local_time(const struct vakt_app *app, int64_t utc_ms, char out[VAKT_TIME_LEN])
{
	char iso[VAKT_TIME_LEN];

	vakt_calendar_format_time(&app->tz, utc_ms, iso);
	if (strlen(iso) < 16) {
		(void)vakt_strlcpy(out, iso, VAKT_TIME_LEN);
		return;
	}
	(void)snprintf(out, VAKT_TIME_LEN, "%.2s.%.2s.%.4s %.5s", iso + 8,
	    iso + 5, iso, iso + 11);
}

/* A 303 to path (a fixed path of ours), with an empty body. */
static void
redirect(struct vakt_reply *rep, const char *path)
{
	(void)vakt_strlcpy(rep->location, path, sizeof(rep->location));
	vakt_reply_take(rep, 303, "text/plain; charset=utf-8", NULL, 0);
}

/* rep's plain-text refusal (from a shared check) as a page. */
static void
error_page(struct vakt_reply *rep, const struct vakt_session *s)
{
	struct vakt_buf b = {0};
	char *msg = rep->body != NULL ? vakt_xstrdup(rep->body) : NULL;

	page_open(&b, "Det gikk ikke", s);
	vakt_buf_puts(&b, "<p class=\"error\">");
	esc(&b, msg != NULL ? msg : "");
	vakt_buf_puts(&b, "</p>\n<p><a href=\"/app/\">Til forsiden</a></p>\n");
	free(msg);
	page_send(rep, rep->status, &b);
}

/* The database failed under a page: 503 as a page. */
static void
db_down(struct vakt_reply *rep, const struct vakt_session *s)
{
	vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
	error_page(rep, s);
}

/* ---------------------------------------------------------------- */
/* Sessions. */

/*
 * The caller's session for a page: true with s set, else false with
 * rep a 303 to the login page (or a 503).
 */
static bool
session_of(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, struct vakt_session *s)
{
	int found = vakt_session_check(app, req, s);

	if (found == -1)
		vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
	else if (found == 0)
		redirect(rep, "/app/login");
	return found == 1;
}

/*
 * The session and the API's check for role need (the CSRF token too,
 * for a POST), audited: true with s and who set, else false with rep
 * set (a refusal becomes a page).
 */
static bool
page_caller_as(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, enum vakt_auth_role need, struct vakt_session *s,
    struct vakt_token *who)
{
	if (!session_of(app, req, rep, s))
		return false;
	if (!vakt_api_authorized(app, req, rep, need, who)) {
		error_page(rep, s);
		return false;
	}
	return true;
}

/* page_caller_as() for any staff member. */
static bool
page_caller(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, struct vakt_session *s, struct vakt_token *who)
{
	return page_caller_as(app, req, rep, VAKT_AUTH_COORDINATOR, s, who);
}

/* ---------------------------------------------------------------- */
/* Login. */

/* The phone form, with an error message if not NULL. */
static void
login_phone_page(struct vakt_reply *rep, int status, const char *error)
{
	struct vakt_buf b = {0};

	page_open(&b, "Logg inn", NULL);
	if (error != NULL) {
		vakt_buf_puts(&b, "<p class=\"error\">");
		esc(&b, error);
		vakt_buf_puts(&b, "</p>\n");
	}
	vakt_buf_puts(&b,
	    "<form method=\"post\" action=\"/app/login\">\n"
	    "<label for=\"phone\">Mobilnummer</label>\n"
	    "<input id=\"phone\" name=\"phone\" type=\"tel\" "
	    "autocomplete=\"tel\" required>\n"
	    "<button type=\"submit\">Send kode på SMS</button>\n</form>\n");
	page_send(rep, status, &b);
}

/* The code form for phone (as given), with a message. */
static void
login_code_page(struct vakt_reply *rep, int status, const char *phone,
    const char *msg, bool is_error)
{
	struct vakt_buf b = {0};

	page_open(&b, "Logg inn", NULL);
	vakt_buf_puts(
	    &b, is_error ? "<p class=\"error\">" : "<p class=\"note\">");
	esc(&b, msg);
	vakt_buf_puts(&b,
	    "</p>\n<form method=\"post\" action=\"/app/login\">\n"
	    "<input type=\"hidden\" name=\"phone\" value=\"");
	esc(&b, phone);
	vakt_buf_puts(&b,
	    "\">\n<label for=\"code\">Kode fra SMS</label>\n"
	    "<input id=\"code\" name=\"code\" inputmode=\"numeric\" "
	    "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" "
	    "maxlength=\"6\" required>\n"
	    "<button type=\"submit\">Logg inn</button>\n</form>\n"
	    "<p><a href=\"/app/login\">Bruk et annet nummer</a></p>\n");
	page_send(rep, status, &b);
}

/* POST /app/login without a code: ask for one, as /api/v1/login/code. */
static void
login_ask(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const char *given, const char *phone)
{
	struct vakt_err err;

	if (!vakt_session_peer_allowed(
	        app, req->peer != NULL ? req->peer : "")) {
		login_phone_page(
		    rep, 429, "For mange forsøk. Vent litt og prøv igjen.");
		return;
	}
	if (vakt_app_write(app) == -1) {
		login_phone_page(
		    rep, 503, "Databasen er ikke tilgjengelig nå.");
		return;
	}
	if (vakt_session_code_request(app, phone, &err) == -1) {
		vakt_app_fault(app, "console login code", &err);
		login_phone_page(
		    rep, 503, "Databasen er ikke tilgjengelig nå.");
		return;
	}
	login_code_page(rep, 200, given,
	    "Hvis nummeret tilhører en ansatt, er en innloggingskode sendt på "
	    "SMS.",
	    false);
}

/* POST /app/login with a code: log in as /api/v1/login, then 303. */
static void
login_try(struct vakt_app *app, struct vakt_reply *rep, const char *given,
    const char *phone, const char *code)
{
	struct vakt_err err;

	if (strlen(code) != 6 || strspn(code, "0123456789") != 6) {
		login_code_page(rep, 400, given, "Koden er seks sifre.", true);
		return;
	}
	if (vakt_app_write(app) == -1) {
		login_phone_page(
		    rep, 503, "Databasen er ikke tilgjengelig nå.");
		return;
	}
	if (vakt_session_login(app, rep, phone, code, &err) == -1) {
		vakt_app_fault(app, "console login", &err);
		login_phone_page(
		    rep, 503, "Databasen er ikke tilgjengelig nå.");
		return;
	}
	if (rep->status == 200) {
		redirect(rep, "/app/");
		return;
	}
	login_code_page(rep, rep->status, given,
	    "Feil eller utløpt kode. Prøv igjen, eller be om en ny kode.",
	    true);
}

static void
login_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *given = vakt_kvs_get(&req->form, "phone");
	const char *code = vakt_kvs_get(&req->form, "code");
	char phone[VAKT_E164_LEN];

	if (given == NULL || strlen(given) >= VAKT_SESSION_PHONE_IN_MAX ||
	    vakt_e164_normalize(given, phone) == -1) {
		login_phone_page(rep, 400,
		    "Skriv et mobilnummer, for eksempel +4791234567.");
		return;
	}
	if (code == NULL)
		login_ask(app, req, rep, given, phone);
	else
		login_try(app, rep, given, phone, code);
}

/* POST /app/logout: as /api/v1/logout (the CSRF token included). */
static void
logout_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *url = app->cfg->http.public_url;
	struct vakt_session s;
	struct vakt_err err;

	if (!session_of(app, req, rep, &s))
		return;
	if (!vakt_session_csrf_ok(req, s.csrf)) {
		vakt_reply_text(rep, 403, "Skjemaet mangler CSRF-nøkkelen.");
		error_page(rep, &s);
		return;
	}
	if (vakt_session_end(app, req, &s, &err) == -1) {
		vakt_app_fault(app, "console logout", &err);
		vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
		error_page(rep, &s);
		return;
	}
	vakt_session_set_cookie(rep->set_cookie, sizeof(rep->set_cookie), NULL,
	    url != NULL && strncmp(url, "https://", 8) == 0);
	redirect(rep, "/app/login");
}

/* ---------------------------------------------------------------- */
/* Now. */

static const char *
role_text(enum vakt_role r)
{
	switch (r) {
	case VAKT_ROLE_COORDINATOR:
		return "Koordinator";
	case VAKT_ROLE_SUBSTITUTE:
		return "Vikar";
	case VAKT_ROLE_BEREDSKAP:
		return "Beredskap";
	case VAKT_ROLE_FALLBACK:
		break;
	}
	return "Reserve";
}

/* One service's plan for an unknown caller now, as `vaktctl route`. */
static void
now_card(struct vakt_buf *b, const struct vakt_service *svc,
    const struct vakt_plan *plan)
{
	vakt_buf_puts(b, "<div class=\"card\"><h3>");
	esc(b, svc->name != NULL ? svc->name : svc->id);
	vakt_buf_puts(b, "</h3><p class=\"note\">");
	vakt_buf_puts(b,
	    plan->why == VAKT_WHY_OUTSIDE_HOURS
	        ? "Utenfor kontortid."
	        : "I kontortid: en ukjent innringer går hit; en ungdom først "
	          "til sin koordinator.");
	vakt_buf_puts(b, "</p><ol>");
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct vakt_step *st = &plan->steps[i];

		vakt_buf_puts(b, "<li>");
		vakt_buf_puts(b, role_text(st->role));
		if (st->name[0] != '\0' || st->who[0] != '\0') {
			vakt_buf_puts(b, ": ");
			esc(b, st->name[0] != '\0' ? st->name : st->who);
		}
		if (st->is_rota)
			vakt_buf_puts(b, " (vaktliste)");
		vakt_buf_puts(b, " – ");
		esc(b, st->number);
		vakt_buf_puts(b, "</li>");
	}
	vakt_buf_puts(b, "</ol></div>\n");
}

/*
 * Who answers each service right now: the plan's steps for an unknown
 * caller, the rota holder included.  0, or -1 when the database failed.
 */
static int
now_cards(struct vakt_app *app, struct vakt_buf *b)
{
	int64_t now = vakt_clock_now_ms();
	struct vakt_err err;

	if (vakt_app_read(app) == -1)
		return -1;
	vakt_buf_puts(b, "<h2>Hvem svarer nå</h2>\n");
	for (size_t i = 0; i < app->cfg->n_services; i++) {
		const struct vakt_service *svc = &app->cfg->services[i];
		struct vakt_caller who = {0};
		struct vakt_plan plan;

		if (vakt_store_rota_holder(
		        app->store, svc->id, now, &who.on_call, &err) == -1) {
			vakt_app_fault(app, "console rota holder", &err);
			return -1;
		}
		vakt_router_plan(svc, &who, &app->tz, now, &plan);
		now_card(b, svc, &plan);
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Follow-ups. */

static const char *
outcome_name(const char *outcome)
{
	if (strcmp(outcome, "called_back") == 0)
		return "Ringt tilbake";
	if (strcmp(outcome, "texted") == 0)
		return "Sendt SMS";
	return "Ikke nødvendig";
}

/* The youth by name and code, or an unknown caller's masked number. */
static void
followup_who(struct vakt_buf *b, const struct vakt_followup *f)
{
	if (f->youth[0] == '\0') {
		char masked[VAKT_E164_LEN];

		esc(b, vakt_mask_e164(f->caller, masked));
		return;
	}
	esc(b, f->youth_name[0] != '\0' ? f->youth_name : f->youth);
	vakt_buf_puts(b, " (");
	esc(b, f->youth);
	vakt_buf_puts(b, ")");
}

/* One open follow-up as a card, with its "Ferdig" form if with_form. */
static void
followup_card(struct vakt_buf *b, const struct vakt_app *app,
    const struct vakt_followup *f, const char *csrf, bool with_form)
{
	static const char *const outcomes[] = {
	    "called_back", "texted", "no_need"};
	char at[VAKT_TIME_LEN];

	local_time(app, f->opened_ms, at);
	vakt_buf_puts(b, "<div class=\"card\"><p><strong>");
	vakt_buf_puts(b, f->kind == VAKT_KIND_SMS ? "SMS" : "Tapt anrop");
	vakt_buf_puts(b, "</strong> fra ");
	followup_who(b, f);
	vakt_buf_puts(b, "<br>");
	esc(b, at);
	vakt_buf_puts(b, " · tjeneste ");
	esc(b, f->service);
	vakt_buf_puts(b, "</p>\n");
	if (!with_form) {
		vakt_buf_puts(b, "</div>\n");
		return;
	}
	vakt_buf_printf(b,
	    "<form method=\"post\" action=\"/app/followups/%lld/done\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"",
	    (long long)f->id);
	esc(b, csrf);
	vakt_buf_printf(b,
	    "\"><label for=\"outcome-%lld\">Utfall</label>"
	    "<select id=\"outcome-%lld\" name=\"outcome\">",
	    (long long)f->id, (long long)f->id);
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(*outcomes); i++)
		vakt_buf_printf(b, "<option value=\"%s\">%s</option>",
		    outcomes[i], outcome_name(outcomes[i]));
	vakt_buf_puts(b,
	    "</select> <button type=\"submit\">Ferdig</button>"
	    "</form></div>\n");
}

/*
 * The open follow-ups who may see as cards into b, audited like the
 * API's listing.  0, or -1 when the database failed (rep then 503).
 */
static int
followup_cards(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_token *who, const struct vakt_session *s,
    struct vakt_buf *b, bool with_form)
{
	struct vakt_followup *v;
	struct vakt_err err;
	char detail[200];
	size_t n;

	if (vakt_store_followup_list(app->store, false, NULL,
	        VAKT_FOLLOWUP_LIST_MAX, &v, &n, &err) == -1) {
		vakt_app_fault(app, "console follow-ups", &err);
		vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
		return -1;
	}
	n = vakt_followup_keep_visible(who, v, n);
	vakt_followup_ids_detail(v, n, detail, sizeof(detail));
	if (vakt_store_audit_add(app->store, who->name, "followup.list",
	        "state=open console", detail, vakt_clock_now_ms(), &err) == -1)
		vakt_app_fault(app, "audit", &err);
	if (n == 0)
		vakt_buf_puts(
		    b, "<p class=\"note\">Ingen åpne oppfølginger.</p>\n");
	for (size_t i = 0; i < n; i++)
		followup_card(b, app, &v[i], s->csrf, with_form);
	vakt_reply_note(rep, "followups=%zu", n);
	free(v);
	return 0;
}

/* GET /app/ and /app/followups. */
static void
followups_page(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, bool is_home)
{
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_buf b = {0};

	if (!page_caller(app, req, rep, &s, &who))
		return;
	page_open(&b, is_home ? "Nå" : "Oppfølging", &s);
	vakt_buf_puts(&b, "<p class=\"note\">Innlogget som ");
	esc(&b, who.name);
	vakt_buf_printf(&b, " (%s).</p>\n", role_nb(who.role));
	if (is_home && now_cards(app, &b) == -1) {
		vakt_buf_free(&b);
		vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
		error_page(rep, &s);
		return;
	}
	vakt_buf_puts(&b, "<h2>Åpne oppfølginger</h2>\n");
	if (followup_cards(app, rep, &who, &s, &b, !is_home) == -1) {
		vakt_buf_free(&b);
		error_page(rep, &s);
		return;
	}
	page_send(rep, 200, &b);
}

/* The id in "/app/followups/{id}/done", or 0 if the path is not. */
static int64_t
done_path_id(const char *path)
{
	const char *p = path + strlen(FOLLOWUP_PREFIX);
	char *end;
	long long id;

	if (strncmp(path, FOLLOWUP_PREFIX, strlen(FOLLOWUP_PREFIX)) != 0 ||
	    *p < '1' || *p > '9')
		return 0;
	errno = 0;
	id = strtoll(p, &end, 10);
	if (errno != 0 || strcmp(end, "/done") != 0)
		return 0;
	return (int64_t)id;
}

/* POST /app/followups/{id}/done: as the API's, then 303 back. */
static void
done_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *outcome = vakt_kvs_get(&req->form, "outcome");
	struct vakt_session s;
	struct vakt_token who;
	int64_t id = done_path_id(req->path);

	if (!page_caller(app, req, rep, &s, &who))
		return;
	if (id == 0)
		vakt_reply_text(rep, 404, "Fant ikke siden.");
	else if (outcome == NULL || !vakt_followup_outcome_ok(outcome))
		vakt_reply_text(rep, 400, "Velg et utfall.");
	else
		vakt_followup_mark_done(app, rep, id, outcome, &who);
	if (rep->status == 200)
		redirect(rep, "/app/followups");
	else
		error_page(rep, &s);
}

/* ---------------------------------------------------------------- */
/* Absences. */

/* A hidden csrf field for s. */
static void
csrf_field(struct vakt_buf *b, const struct vakt_session *s)
{
	vakt_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	esc(b, s->csrf);
	vakt_buf_puts(b, "\">");
}

/* One absence with its delete form. */
static void
absence_card(struct vakt_buf *b, const struct vakt_absence *a,
    const struct vakt_session *s)
{
	char from[11], to[11];

	vakt_date_format(a->from, from);
	vakt_date_format(a->to, to);
	vakt_buf_puts(b, "<div class=\"card\"><p><strong>");
	esc(b, a->coordinator);
	vakt_buf_puts(b, "</strong> ");
	esc(b, from);
	vakt_buf_puts(b, " – ");
	esc(b, to);
	if (a->substitute[0] != '\0') {
		vakt_buf_puts(b, "<br>Vikar: ");
		esc(b, a->substitute);
	}
	vakt_buf_printf(b,
	    "</p><form method=\"post\" action=\"/app/absences/%lld/delete\">",
	    (long long)a->id);
	csrf_field(b, s);
	vakt_buf_puts(
	    b, "<button type=\"submit\">Slett</button></form></div>\n");
}

/* <option>s of the coordinators who may see (a coordinator: self). */
static void
coordinator_options(struct vakt_buf *b, const struct vakt_coordinator *v,
    size_t n, const struct vakt_token *who)
{
	for (size_t i = 0; i < n; i++) {
		if (!vakt_absence_is_own(who, v[i].id))
			continue;
		vakt_buf_puts(b, "<option value=\"");
		esc(b, v[i].id);
		vakt_buf_puts(b, "\">");
		esc(b, v[i].name);
		vakt_buf_puts(b, " (");
		esc(b, v[i].id);
		vakt_buf_puts(b, ")</option>");
	}
}

/* The add form: coordinator, dates, substitute. */
static void
absence_form(struct vakt_buf *b, const struct vakt_coordinator *v, size_t n,
    const struct vakt_token *who, const struct vakt_session *s)
{
	vakt_buf_puts(b,
	    "<h2>Registrer fravær</h2>\n"
	    "<form method=\"post\" action=\"/app/absences\">");
	csrf_field(b, s);
	vakt_buf_puts(b,
	    "<label for=\"coordinator\">Koordinator</label>"
	    "<select id=\"coordinator\" name=\"coordinator\">");
	coordinator_options(b, v, n, who);
	vakt_buf_puts(b,
	    "</select><label for=\"from\">Fra og med</label>"
	    "<input id=\"from\" name=\"from\" type=\"date\" required>"
	    "<label for=\"to\">Til og med</label>"
	    "<input id=\"to\" name=\"to\" type=\"date\" required>"
	    "<label for=\"substitute\">Vikar</label>"
	    "<select id=\"substitute\" name=\"substitute\">"
	    "<option value=\"\">Ingen (beredskap tar over)</option>");
	for (size_t i = 0; i < n; i++) {
		vakt_buf_puts(b, "<option value=\"");
		esc(b, v[i].id);
		vakt_buf_puts(b, "\">");
		esc(b, v[i].name);
		vakt_buf_puts(b, "</option>");
	}
	vakt_buf_puts(b,
	    "</select><br><button type=\"submit\">Registrer"
	    "</button></form>\n");
}

/*
 * The absences who may see and the add form into b, the listing
 * audited as the API's.  0, or -1 when the database failed.
 */
static int
absence_body(struct vakt_app *app, struct vakt_buf *b,
    const struct vakt_token *who, const struct vakt_session *s)
{
	struct vakt_absence *v = NULL;
	struct vakt_coordinator *c = NULL;
	struct vakt_err err;
	size_t n = 0, nc = 0, shown = 0;

	if (vakt_app_read(app) == -1)
		return -1;
	if (vakt_store_absence_list(app->store, NULL, &v, &n, &err) == -1 ||
	    vakt_store_coordinator_list(app->store, NULL, &c, &nc, &err) ==
	        -1) {
		vakt_app_fault(app, "console absences", &err);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (vakt_absence_is_own(who, v[i].coordinator)) {
			absence_card(b, &v[i], s);
			shown++;
		}
	if (shown == 0)
		vakt_buf_puts(
		    b, "<p class=\"note\">Ingen fravær registrert.</p>\n");
	absence_form(b, c, nc, who, s);
	if (vakt_store_audit_add(app->store, who->name, "absence.list", "all",
	        "console", vakt_clock_now_ms(), &err) == -1)
		vakt_app_fault(app, "audit", &err);
	free(v);
	free(c);
	return 0;
}

/* GET /app/absences */
static void
absences_page(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_buf b = {0};

	if (!page_caller(app, req, rep, &s, &who))
		return;
	page_open(&b, "Fravær", &s);
	if (absence_body(app, &b, &who, &s) == -1) {
		vakt_buf_free(&b);
		vakt_reply_text(rep, 503, "Databasen er ikke tilgjengelig nå.");
		error_page(rep, &s);
		return;
	}
	page_send(rep, 200, &b);
}

/* POST /app/absences: as POST /api/v1/absences, then 303 back. */
static void
absence_add_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const struct vakt_kvs *f = &req->form;
	const char *co = vakt_kvs_get(f, "coordinator");
	const char *from = vakt_kvs_get(f, "from");
	const char *to = vakt_kvs_get(f, "to");
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_absence a;
	struct vakt_err err;

	if (!page_caller(app, req, rep, &s, &who))
		return;
	if (co == NULL || from == NULL || to == NULL)
		vakt_reply_text(rep, 400, "Fyll ut koordinator, fra og til.");
	else if (vakt_absence_from_fields(co, from, to,
	             vakt_kvs_get(f, "substitute"), &a, &err) == -1)
		vakt_reply_text(rep, 400, "%s", err.msg);
	else
		vakt_absence_add(app, rep, &a, &who);
	if (rep->status == 201)
		redirect(rep, "/app/absences");
	else
		error_page(rep, &s);
}

/* POST /app/absences/{id}/delete: as DELETE /api/v1/absences/{id}. */
static void
absence_delete_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *p = req->path + strlen(ABSENCE_PREFIX);
	struct vakt_session s;
	struct vakt_token who;
	char *end;
	long long id;

	if (!page_caller(app, req, rep, &s, &who))
		return;
	errno = 0;
	id = strtoll(p, &end, 10);
	if (errno != 0 || end == p || strcmp(end, "/delete") != 0 || id < 1)
		vakt_reply_text(rep, 404, "Fant ikke fraværet.");
	else
		vakt_absence_remove(app, rep, (int64_t)id, &who);
	if (rep->status == 204)
		redirect(rep, "/app/absences");
	else
		error_page(rep, &s);
}

/* ---------------------------------------------------------------- */
/* Rota. */

static void
slot_card(struct vakt_buf *b, const struct vakt_app *app,
    const struct vakt_rota_slot *r, const struct vakt_session *s)
{
	char from[VAKT_TIME_LEN], to[VAKT_TIME_LEN];

	local_time(app, r->from_ms, from);
	local_time(app, r->to_ms, to);
	vakt_buf_puts(b, "<div class=\"card\"><p><strong>");
	esc(b, r->name[0] != '\0' ? r->name : r->staff);
	vakt_buf_puts(b, "</strong> · ");
	esc(b, r->service);
	vakt_buf_puts(b, "<br>");
	esc(b, from);
	vakt_buf_puts(b, " – ");
	esc(b, to);
	vakt_buf_puts(b, "</p>");
	if (s != NULL) {
		vakt_buf_printf(b,
		    "<form method=\"post\" action=\"/app/rota/%lld/delete\">",
		    (long long)r->id);
		csrf_field(b, s);
		vakt_buf_puts(
		    b, "<button type=\"submit\">Slett</button></form>");
	}
	vakt_buf_puts(b, "</div>\n");
}

/* The add form (leaders and admins). */
static void
slot_form(struct vakt_buf *b, const struct vakt_app *app,
    const struct vakt_session *s)
{
	vakt_buf_puts(b,
	    "<h2>Legg til vakt</h2>\n"
	    "<form method=\"post\" action=\"/app/rota\">");
	csrf_field(b, s);
	vakt_buf_puts(b,
	    "<label for=\"service\">Tjeneste</label>"
	    "<select id=\"service\" name=\"service\">");
	for (size_t i = 0; i < app->cfg->n_services; i++) {
		const struct vakt_service *svc = &app->cfg->services[i];

		vakt_buf_puts(b, "<option value=\"");
		esc(b, svc->id);
		vakt_buf_puts(b, "\">");
		esc(b, svc->name != NULL ? svc->name : svc->id);
		vakt_buf_puts(b, "</option>");
	}
	vakt_buf_puts(b,
	    "</select><label for=\"staff\">Ansatt (id)</label>"
	    "<input id=\"staff\" name=\"staff\" required>"
	    "<label for=\"from\">Fra</label>"
	    "<input id=\"from\" name=\"from\" type=\"datetime-local\" "
	    "required><label for=\"to\">Til</label>"
	    "<input id=\"to\" name=\"to\" type=\"datetime-local\" required>"
	    "<br><button type=\"submit\">Legg til</button></form>\n");
}

/* GET /app/rota: the slots that have not ended, as GET /api/v1/rota. */
static void
rota_page(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_buf b = {0};
	struct vakt_rota_slot *v = NULL;
	struct vakt_err err;
	size_t n = 0;
	bool is_leader;

	if (!page_caller(app, req, rep, &s, &who))
		return;
	is_leader = vakt_auth_role_covers(who.role, VAKT_AUTH_LEADER);
	if (vakt_app_read(app) == -1) {
		db_down(rep, &s);
		return;
	}
	if (vakt_store_rota_list(app->store, NULL, vakt_clock_now_ms(),
	        INT64_MAX, &v, &n, &err) == -1) {
		vakt_app_fault(app, "console rota", &err);
		db_down(rep, &s);
		return;
	}
	page_open(&b, "Vaktliste", &s);
	if (n == 0)
		vakt_buf_puts(
		    &b, "<p class=\"note\">Ingen kommende vakter.</p>\n");
	for (size_t i = 0; i < n; i++)
		slot_card(&b, app, &v[i], is_leader ? &s : NULL);
	free(v);
	if (is_leader)
		slot_form(&b, app, &s);
	page_send(rep, 200, &b);
}

/* POST /app/rota: as POST /api/v1/rota (a leader's), then 303 back. */
static void
rota_add_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const struct vakt_kvs *f = &req->form;
	const char *svc = vakt_kvs_get(f, "service");
	const char *staff = vakt_kvs_get(f, "staff");
	const char *from = vakt_kvs_get(f, "from");
	const char *to = vakt_kvs_get(f, "to");
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_rota_slot r;
	struct vakt_err err;

	if (!page_caller_as(app, req, rep, VAKT_AUTH_LEADER, &s, &who))
		return;
	if (svc == NULL || staff == NULL || from == NULL || to == NULL)
		vakt_reply_text(
		    rep, 400, "Fyll ut tjeneste, ansatt, fra og til.");
	else if (vakt_rota_slot_from_fields(
	             app, svc, staff, from, to, &r, &err) == -1)
		vakt_reply_text(rep, 400, "%s", err.msg);
	else
		vakt_rota_add(app, rep, &r, who.name);
	if (rep->status == 201)
		redirect(rep, "/app/rota");
	else
		error_page(rep, &s);
}

/* POST /app/rota/{id}/delete: as DELETE /api/v1/rota/{id} (a leader's). */
static void
rota_delete_post(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *p = req->path + strlen(ROTA_PREFIX);
	struct vakt_session s;
	struct vakt_token who;
	char *end;
	long long id;

	if (!page_caller_as(app, req, rep, VAKT_AUTH_LEADER, &s, &who))
		return;
	errno = 0;
	id = strtoll(p, &end, 10);
	if (errno != 0 || end == p || strcmp(end, "/delete") != 0 || id < 1)
		vakt_reply_text(rep, 404, "Fant ikke vakten.");
	else
		vakt_rota_remove(app, rep, (int64_t)id, who.name);
	if (rep->status == 204)
		redirect(rep, "/app/rota");
	else
		error_page(rep, &s);
}

/* ---------------------------------------------------------------- */
/* Report. */

/*
 * GET /app/report: the period picker for leaders.  It asks the JSON
 * API's own report (GET /api/v1/report, which takes the session cookie
 * and the same leader check) for its HTML.
 */
static void
report_page(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_session s;
	struct vakt_token who;
	struct vakt_buf b = {0};

	if (!page_caller_as(app, req, rep, VAKT_AUTH_LEADER, &s, &who))
		return;
	page_open(&b, "Rapport", &s);
	vakt_buf_puts(&b,
	    "<form method=\"get\" action=\"/api/v1/report\">"
	    "<input type=\"hidden\" name=\"format\" value=\"html\">"
	    "<label for=\"period\">Periode</label>"
	    "<input id=\"period\" name=\"period\" required "
	    "placeholder=\"2026-11, 2026-W48, 2026-T3 eller 2026\">"
	    "<label for=\"service\">Tjeneste</label>"
	    "<select id=\"service\" name=\"service\">");
	for (size_t i = 0; i < app->cfg->n_services; i++) {
		const struct vakt_service *svc = &app->cfg->services[i];

		vakt_buf_puts(&b, "<option value=\"");
		esc(&b, svc->id);
		vakt_buf_puts(&b, "\">");
		esc(&b, svc->name != NULL ? svc->name : svc->id);
		vakt_buf_puts(&b, "</option>");
	}
	vakt_buf_puts(&b,
	    "</select><br><button type=\"submit\">Vis rapport</button>"
	    "</form>\n<p class=\"note\">Periode: en måned (2026-11), en uke "
	    "(2026-W48), et tertial (2026-T3) eller et år (2026).</p>\n");
	page_send(rep, 200, &b);
}

/* ---------------------------------------------------------------- */
/* Dispatch. */

static void
style_get(struct vakt_reply *rep)
{
	vakt_reply_take(rep, 200, "text/css; charset=utf-8",
	    vakt_xstrdup(stylesheet), sizeof(stylesheet) - 1);
}

static void
get_page(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	if (strcmp(req->path, "/app/style.css") == 0)
		style_get(rep);
	else if (strcmp(req->path, "/app/login") == 0)
		login_phone_page(rep, 200, NULL);
	else if (strcmp(req->path, "/app/") == 0)
		followups_page(app, req, rep, true);
	else if (strcmp(req->path, "/app/followups") == 0)
		followups_page(app, req, rep, false);
	else if (strcmp(req->path, "/app/absences") == 0)
		absences_page(app, req, rep);
	else if (strcmp(req->path, "/app/rota") == 0)
		rota_page(app, req, rep);
	else if (strcmp(req->path, "/app/report") == 0)
		report_page(app, req, rep);
	else {
		vakt_reply_text(rep, 404, "Fant ikke siden.");
		error_page(rep, NULL);
	}
}

static void
post_form(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	if (strcmp(req->path, "/app/login") == 0)
		login_post(app, req, rep);
	else if (strcmp(req->path, "/app/logout") == 0)
		logout_post(app, req, rep);
	else if (strcmp(req->path, "/app/absences") == 0)
		absence_add_post(app, req, rep);
	else if (strcmp(req->path, "/app/rota") == 0)
		rota_add_post(app, req, rep);
	else if (strncmp(req->path, ROTA_PREFIX, strlen(ROTA_PREFIX)) == 0)
		rota_delete_post(app, req, rep);
	else if (strncmp(req->path, ABSENCE_PREFIX, strlen(ABSENCE_PREFIX)) ==
	    0)
		absence_delete_post(app, req, rep);
	else if (strncmp(req->path, FOLLOWUP_PREFIX, strlen(FOLLOWUP_PREFIX)) ==
	    0)
		done_post(app, req, rep);
	else {
		vakt_reply_text(rep, 404, "Fant ikke siden.");
		error_page(rep, NULL);
	}
}

/*
 * A POST's form body, parsed here (the route takes GET too, which has
 * none), into a copy of req that the shared checks read.
 */
static void
post_page(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep)
{
	const char *ct = vakt_req_header(req, "Content-Type");
	struct vakt_req view = *req;

	if (ct == NULL ||
	    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		vakt_reply_text(rep, 415, "Skjemaet må sendes som et skjema.");
		error_page(rep, NULL);
		return;
	}
	view.form = (struct vakt_kvs){0};
	if (strlen(req->body) != req->body_len ||
	    vakt_kvs_parse(req->body, &view.form) == -1) {
		vakt_reply_text(rep, 400, "Skjemaet kan ikke leses.");
		error_page(rep, NULL);
		return;
	}
	post_form(app, &view, rep);
	vakt_kvs_free(&view.form);
}

/* Every /app/ request; each answer with the security headers. */
static void
console_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;

	if (req->method == VAKT_POST)
		post_page(app, req, rep);
	else
		get_page(app, req, rep);
	if (rep->status == 503 &&
	    strncmp(rep->content_type, "text/plain", 10) == 0)
		error_page(rep, NULL);
	rep->headers = security_headers;
}

void
vakt_console_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(
	    http, "/app/", VAKT_GET | VAKT_POST, false, console_cb, app);
}
