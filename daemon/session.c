/*
 * session.c: staff login by a one-time SMS code, and login sessions
 * (issue 11).  Exports the functions of vakt/session.h.
 *
 * A thin edge like rota.c: JSON in, the store's code and session rows
 * (hashes only), an SMS queued in the outbox, an audit row, the reply.
 * The answer to a code request never tells whether the number is
 * staff: the same look-ups run for every number, and only the queued
 * SMS differs.
 */
#include "vakt/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vakt/app.h"
#include "vakt/auth.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/http.h"
#include "vakt/log.h"
#include "vakt/store.h"
#include "vakt/util.h"

/* The one answer to every accepted code request. */
#define CODE_SENT_BODY                                                         \
	"{\"message\": \"Hvis nummeret tilhører en ansatt, er en "            \
	"innloggingskode sendt på SMS.\"}"

/* ---------------------------------------------------------------- */
/* Pure parts. */

static bool
is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int
vakt_session_cookie_value(const char *header, char out[VAKT_SESSION_VALUE_LEN])
{
	static const char name[] = VAKT_SESSION_COOKIE "=";
	const char *p = header;

	while (p != NULL && *p != '\0') {
		size_t n;

		p += strspn(p, " \t;");
		n = strcspn(p, ";");
		if (n == sizeof(name) - 1 + 64 &&
		    strncmp(p, name, sizeof(name) - 1) == 0 &&
		    is_lower_hex(p + sizeof(name) - 1, 64)) {
			memcpy(out, p + sizeof(name) - 1, 64);
			out[64] = '\0';
			return 0;
		}
		p += n;
	}
	return -1;
}

static bool
is_code(const char *s)
{
	if (strlen(s) != 6)
		return false;
	for (size_t i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int
vakt_session_login_body(const char *body, size_t len,
    char phone[VAKT_SESSION_PHONE_IN_MAX], char code[7])
{
	json_error_t jerr;
	json_t *o = json_loadb(body != NULL ? body : "", body != NULL ? len : 0,
	    JSON_REJECT_DUPLICATES, &jerr);
	const char *p = json_string_value(json_object_get(o, "phone"));
	const char *c = json_string_value(json_object_get(o, "code"));
	int rc = -1;

	if (p != NULL &&
	    vakt_strlcpy(phone, p, VAKT_SESSION_PHONE_IN_MAX) == 0 &&
	    (code == NULL || (c != NULL && is_code(c)))) {
		if (code != NULL)
			memcpy(code, c, 7);
		rc = 0;
	}
	json_decref(o);
	return rc;
}

void
vakt_session_set_cookie(
    char *out, size_t len, const char *value, bool is_secure)
{
	(void)snprintf(out, len, "%s=%s; %sHttpOnly; SameSite=Strict; Path=/%s",
	    VAKT_SESSION_COOKIE, value != NULL ? value : "",
	    value != NULL ? "" : "Max-Age=0; ", is_secure ? "; Secure" : "");
}

bool
vakt_session_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (nb + 1)];
	return d == 0;
}

/* ---------------------------------------------------------------- */
/* Checks for api.c. */

int
vakt_session_check(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_session *out)
{
	char value[VAKT_SESSION_VALUE_LEN], hash[VAKT_HASH_LEN];
	struct vakt_err err;
	int64_t now = vakt_clock_now_ms();
	int found;

	if (vakt_session_cookie_value(vakt_req_header(req, "Cookie"), value) ==
	    -1)
		return 0;
	vakt_auth_hash(value, hash);
	explicit_bzero(value, sizeof(value));
	if (vakt_app_write(app) == -1)
		return -1;
	found = vakt_store_session_check(
	    app->store, hash, now - VAKT_SESSION_IDLE_MS, now, out, &err);
	if (found == -1)
		vakt_app_fault(app, "session check", &err);
	return found;
}

bool
vakt_session_csrf_ok(const struct vakt_req *req, const char *csrf)
{
	const char *given = vakt_req_header(req, "X-CSRF-Token");

	if (given == NULL)
		given = vakt_kvs_get(&req->form, "csrf");
	return given != NULL && csrf[0] != '\0' &&
	    vakt_session_equal(given, csrf);
}

/* ---------------------------------------------------------------- */
/* The handlers. */

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

static void
unavailable(struct vakt_app *app, struct vakt_reply *rep, const char *what,
    const struct vakt_err *err)
{
	if (err != NULL)
		vakt_app_fault(app, what, err);
	vakt_reply_text(rep, 503, "database unavailable");
}

/*
 * Count a code request from peer: false when it has made
 * VAKT_SESSION_PEER_MAX in its window.  A full table gives the slot
 * of the peer whose window began first.
 */
bool
vakt_session_peer_allowed(struct vakt_app *app, const char *peer)
{
	struct vakt_app_login_peer *v = app->login_peers, *slot = &v[0];
	int64_t now = vakt_clock_mono_ms();

	for (size_t i = 0; i < VAKT_APP_LOGIN_PEERS; i++) {
		if (v[i].since_ms != 0 && strcmp(v[i].addr, peer) == 0) {
			slot = &v[i];
			break;
		}
		if (v[i].since_ms < slot->since_ms)
			slot = &v[i];
	}
	if (slot->since_ms == 0 || strcmp(slot->addr, peer) != 0 ||
	    now - slot->since_ms >= VAKT_SESSION_WINDOW_MS) {
		(void)vakt_strlcpy(slot->addr, peer, sizeof(slot->addr));
		slot->since_ms = now > 0 ? now : 1;
		slot->n = 0;
	}
	return ++slot->n <= VAKT_SESSION_PEER_MAX;
}

/* The service whose number sends s's code: their own, else the first. */
static const struct vakt_service *
sender(const struct vakt_app *app, const struct vakt_staff *s)
{
	const struct vakt_service *svc = s->service[0] != '\0'
	    ? vakt_config_service_by_id(app->cfg, s->service)
	    : NULL;

	return svc != NULL ? svc : &app->cfg->services[0];
}

/* Make, keep and queue a code for s.  0, or -1 with err (or rep). */
static int
send_code(struct vakt_app *app, const struct vakt_staff *s, int64_t now,
    struct vakt_err *err)
{
	const struct vakt_service *svc = sender(app, s);
	char code[7], salt[33], salted[40], hash[VAKT_HASH_LEN], text[96];
	struct vakt_outbox_msg m = {.service = svc->id,
	    .purpose = VAKT_PURPOSE_NOTICE,
	    .to = s->phone,
	    .from = svc->number,
	    .body = text};
	int rc;

	if (vakt_auth_code_new(code) == -1 ||
	    vakt_auth_random_hex(salt, 16) == -1) {
		vakt_err_set(err, "login code: no random bytes");
		return -1;
	}
	(void)snprintf(salted, sizeof(salted), "%s%s", salt, code);
	vakt_auth_hash(salted, hash);
	(void)snprintf(text, sizeof(text),
	    "vakt: Din innloggingskode er %s. Den gjelder i 10 minutter.",
	    code);
	rc = vakt_store_login_code_add(app->store, s->phone, hash, salt, now,
	         now + VAKT_SESSION_CODE_TTL_MS, err) == -1 ||
	        vakt_store_outbox_add(app->store, &m, now, NULL, err) == -1
	    ? -1
	    : 0;
	explicit_bzero(code, sizeof(code));
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(text, sizeof(text));
	if (rc == 0)
		app->is_outbox_dirty = true;
	return rc;
}

/*
 * The same look-ups for every number; a code only for staff within
 * the per-number limit.  0, or -1 with err when the database failed.
 */
int
vakt_session_code_request(
    struct vakt_app *app, const char *phone, struct vakt_err *err)
{
	char masked[VAKT_E164_LEN];
	struct vakt_staff s;
	int64_t now = vakt_clock_now_ms();
	size_t n = 0;
	int found = vakt_store_login_who(app->store, phone, &s, err);

	/* Codes count for their window; sessions die after their idle time. */
	if (found == -1 ||
	    vakt_store_login_prune(app->store, now - VAKT_SESSION_WINDOW_MS,
	        now - VAKT_SESSION_IDLE_MS, err) == -1 ||
	    vakt_store_login_code_count(
	        app->store, phone, now - VAKT_SESSION_WINDOW_MS, &n, err) == -1)
		return -1;
	if (found == 0)
		return 0;
	(void)vakt_mask_e164(phone, masked);
	if (n >= VAKT_SESSION_CODES) {
		audit(app, s.id, "login.code_refused", s.id, "too many codes");
		return 0;
	}
	if (send_code(app, &s, now, err) == -1)
		return -1;
	audit(app, s.id, "login.code", s.id, masked);
	return 0;
}

/* POST /api/v1/login/code {"phone"} */
static void
code_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	char given[VAKT_SESSION_PHONE_IN_MAX], phone[VAKT_E164_LEN];
	struct vakt_err err;

	if (vakt_session_login_body(req->body, req->body_len, given, NULL) ==
	        -1 ||
	    vakt_e164_normalize(given, phone) == -1) {
		vakt_reply_text(rep, 400,
		    "a JSON body {\"phone\": \"+47…\"} with a phone number "
		    "is required");
		return;
	}
	if (!vakt_session_peer_allowed(
	        app, req->peer != NULL ? req->peer : "")) {
		vakt_reply_text(
		    rep, 429, "too many login requests; wait a while");
		return;
	}
	if (vakt_app_write(app) == -1) {
		unavailable(app, rep, "login code", NULL);
		return;
	}
	if (vakt_session_code_request(app, phone, &err) == -1) {
		unavailable(app, rep, "login code", &err);
		return;
	}
	vakt_reply_take(rep, 202, "application/json",
	    vakt_xstrdup(CODE_SENT_BODY), strlen(CODE_SENT_BODY));
}

/* A refused login: audited, 401. */
static void
login_refused(struct vakt_app *app, struct vakt_reply *rep, const char *who,
    const char *detail)
{
	audit(app, who, "login.failed", who, detail);
	vakt_reply_note(rep, "login=refused");
	vakt_reply_text(rep, 401, "wrong or expired code");
}

/* A new session for s: the reply's cookie and body.  0, or -1 with err. */
static int
start_session(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_staff *s, struct vakt_err *err)
{
	struct vakt_session m = {.role = s->role};
	char value[VAKT_SESSION_VALUE_LEN], hash[VAKT_HASH_LEN];
	const char *url = app->cfg->http.public_url;
	json_t *j;
	char *body;

	if (vakt_auth_random_hex(value, 32) == -1 ||
	    vakt_auth_random_hex(m.csrf, 32) == -1) {
		vakt_err_set(err, "session: no random bytes");
		return -1;
	}
	(void)vakt_strlcpy(m.staff, s->id, sizeof(m.staff));
	vakt_auth_hash(value, hash);
	if (vakt_store_session_add(
	        app->store, hash, &m, vakt_clock_now_ms(), err) == -1)
		return -1;
	vakt_session_set_cookie(rep->set_cookie, sizeof(rep->set_cookie), value,
	    url != NULL && strncmp(url, "https://", 8) == 0);
	explicit_bzero(value, sizeof(value));
	j = json_pack("{s:s, s:{s:s, s:s, s:s}}", "csrf", m.csrf, "staff", "id",
	    s->id, "name", s->name, "role", vakt_auth_role_name(s->role));
	body = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	if (body == NULL)
		body = vakt_xstrdup("{}");
	vakt_reply_take(rep, 200, "application/json", body, strlen(body));
	audit(app, s->id, "login", s->id, vakt_auth_role_name(s->role));
	vakt_reply_note(rep, "login=%s", s->id);
	return 0;
}

/* No live code for phone (who: 1 staff s, 0 none): audited, 401. */
static void
no_live_code(struct vakt_app *app, struct vakt_reply *rep, int who,
    const struct vakt_staff *s, const char *phone)
{
	char masked[VAKT_E164_LEN];

	login_refused(app, rep,
	    who == 1 ? s->id : vakt_mask_e164(phone, masked), "no live code");
}

/* A wrong code for s (try tries + 1): audited, 401. */
static void
wrong_code(struct vakt_app *app, struct vakt_reply *rep,
    const struct vakt_staff *s, int tries)
{
	char detail[48];

	(void)snprintf(detail, sizeof(detail), "wrong code, try %d of %d",
	    tries + 1, VAKT_SESSION_CODE_TRIES);
	login_refused(app, rep, s->id, detail);
}

/* Check code against phone's live code and log in.  0, or -1 with err. */
int
vakt_session_login(struct vakt_app *app, struct vakt_reply *rep,
    const char *phone, const char *code, struct vakt_err *err)
{
	char salted[40], hash[VAKT_HASH_LEN];
	struct vakt_login_code c;
	struct vakt_staff s;
	int64_t now = vakt_clock_now_ms();
	int who = vakt_store_login_who(app->store, phone, &s, err);
	int live = who == -1 ? -1
	                     : vakt_store_login_code_live(app->store, phone,
	                           now, VAKT_SESSION_CODE_TRIES, &c, err);
	bool is_right;

	if (live == -1)
		return -1;
	if (who == 0 || live == 0) {
		no_live_code(app, rep, who, &s, phone);
		return 0;
	}
	(void)snprintf(salted, sizeof(salted), "%s%s", c.salt, code);
	vakt_auth_hash(salted, hash);
	explicit_bzero(salted, sizeof(salted));
	is_right = vakt_session_equal(hash, c.hash);
	if (vakt_store_login_code_try(app->store, c.id, is_right, err) == -1)
		return -1;
	if (!is_right) {
		wrong_code(app, rep, &s, c.tries);
		return 0;
	}
	return start_session(app, rep, &s, err);
}

/* POST /api/v1/login {"phone", "code"} */
static void
login_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	char given[VAKT_SESSION_PHONE_IN_MAX], phone[VAKT_E164_LEN], code[7];
	struct vakt_err err;

	if (vakt_session_login_body(req->body, req->body_len, given, code) ==
	        -1 ||
	    vakt_e164_normalize(given, phone) == -1) {
		vakt_reply_text(rep, 400,
		    "a JSON body {\"phone\": \"+47…\", \"code\": \"123456\"} "
		    "is required");
		return;
	}
	if (vakt_app_write(app) == -1) {
		unavailable(app, rep, "login", NULL);
		return;
	}
	if (vakt_session_login(app, rep, phone, code, &err) == -1)
		unavailable(app, rep, "login", &err);
	explicit_bzero(code, sizeof(code));
}

/* End the session of req's cookie (s).  0, or -1 with err. */
int
vakt_session_end(struct vakt_app *app, const struct vakt_req *req,
    const struct vakt_session *s, struct vakt_err *err)
{
	char value[VAKT_SESSION_VALUE_LEN], hash[VAKT_HASH_LEN];

	if (vakt_session_cookie_value(vakt_req_header(req, "Cookie"), value) ==
	    -1)
		return 0;
	vakt_auth_hash(value, hash);
	explicit_bzero(value, sizeof(value));
	if (vakt_store_session_end(app->store, hash, err) == -1)
		return -1;
	audit(app, s->staff, "logout", s->staff, "");
	return 0;
}

/*
 * POST /api/v1/logout: ends the cookie's session (which needs its CSRF
 * token like every state-changing request) and clears the cookie.
 */
static void
logout_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_app *app = arg;
	const char *url = app->cfg->http.public_url;
	struct vakt_session s;
	struct vakt_err err;
	int found = vakt_session_check(app, req, &s);

	if (found == -1) {
		unavailable(app, rep, "logout", NULL);
		return;
	}
	if (found == 1 && !vakt_session_csrf_ok(req, s.csrf)) {
		vakt_reply_text(
		    rep, 403, "the X-CSRF-Token header is required");
		return;
	}
	if (found == 1 && vakt_session_end(app, req, &s, &err) == -1) {
		unavailable(app, rep, "logout", &err);
		return;
	}
	vakt_session_set_cookie(rep->set_cookie, sizeof(rep->set_cookie), NULL,
	    url != NULL && strncmp(url, "https://", 8) == 0);
	vakt_reply_take(rep, 204, "text/plain; charset=utf-8", NULL, 0);
}

void
vakt_session_routes(struct vakt_http *http, struct vakt_app *app)
{
	vakt_http_route(
	    http, "/api/v1/login/code", VAKT_POST, false, code_cb, app);
	vakt_http_route(http, "/api/v1/login", VAKT_POST, false, login_cb, app);
	vakt_http_route(
	    http, "/api/v1/logout", VAKT_POST, false, logout_cb, app);
}
