/*
 * test_login.c: staff login by SMS code, sessions, CSRF and roles
 * (issue 11), end to end.  A real vaktd on a generated configuration
 * sends its login codes to the in-process fake Messages API, where the
 * tests read them as a staff member reads their phone; the session
 * then drives the existing API (rota, follow-ups) with its cookie.
 *
 * Staff: coordinators kari (youth U-0142 Ola) and nina (youth U-0200
 * Ada), leader lea.  STRAY belongs to nobody.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>

#include "fake/fake_twilio.h"
#include "helpers.h"

#define KARI   "+4791111111"
#define NINA   "+4792222222"
#define LEA    "+4793333333"
#define OLA    "+4741111142" /* kari's youth */
#define ADA    "+4741111200" /* nina's youth */
#define STRAY  "+4797777777"
#define PREFIX "vakt: Din innloggingskode er "

static struct login_env {
	struct vt_fake *fake;
	char *dir;
	char *conf;
	char *db;
	struct vt_daemon d;
	bool is_running;
	unsigned n_sid;
} env;

/* A login: the cookie's value and the CSRF token. */
struct session {
	char cookie[128]; /* "vakt_session=HEX" */
	char csrf[80];
};

/* ------------------------------------------------------------------ */
/* Set-up and tear-down. */

static void
ctl(const char *const *args)
{
	const char *argv[16];
	char *bin = vt_bin("vaktctl");
	struct vt_run r;
	size_t n = 0;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = env.d.conf;
	for (size_t i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "vaktctl %s %s: %s", args[0], args[1], r.err);
	vt_run_free(&r);
	free(bin);
}

static void
directory(void)
{
	ctl((const char *[]){
	    "coordinator", "add", "kari", "--name", "Kari", "--phone", KARI,
	    NULL});
	ctl((const char *[]){
	    "coordinator", "add", "nina", "--name", "Nina", "--phone", NINA,
	    NULL});
	ctl((const char *[]){"youth", "add", "U-0142", "--name", "Ola",
	    "--phone", OLA, "--coordinator", "kari", NULL});
	ctl((const char *[]){"youth", "add", "U-0200", "--name", "Ada",
	    "--phone", ADA, "--coordinator", "nina", NULL});
	ctl((const char *[]){"staff", "add", "lea", "--name", "Lea", "--phone",
	    LEA, "--role", "leader", NULL});
}

/* vaktd with public_url https (is_https) or http. */
static void
start(bool is_https)
{
	char *conf, *p;

	env.fake = vt_fake_start();
	env.dir = vt_tmpdir();
	env.db = vt_path(env.dir, "vakt.db");
	conf = vt_config(
	    vt_fake_url(env.fake), NULL, "outbox = { retry_first = 1; };");
	if (!is_https && (p = strstr(conf, "https://")) != NULL)
		memmove(p + 4, p + 5, strlen(p + 5) + 1);
	env.conf = conf;
	env.is_running = true;
	cr_assert_eq(vt_daemon_start(&env.d, env.dir, env.conf), 0, "%s",
	    vt_daemon_log(&env.d));
	directory();
}

static void
setup(void)
{
	start(true);
}

static void
setup_http(void)
{
	start(false);
}

static void
teardown(void)
{
	if (!env.is_running)
		return;
	env.is_running = false;
	(void)vt_daemon_stop(&env.d);
	vt_daemon_free(&env.d);
	if (env.fake != NULL)
		vt_fake_stop(env.fake);
	vt_rmrf(env.dir);
	free(env.dir);
	free(env.conf);
	free(env.db);
	memset(&env, 0, sizeof(env));
}

/* ------------------------------------------------------------------ */
/* The database. */

/* The first column of sql's first row as an integer (-1: none). */
/* The integer sql answers, with ?1 bound to param (if not NULL). */
static int64_t
db_int_bound(const char *sql, const char *param)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	cr_assert_eq(sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (param != NULL)
		cr_assert_eq(sqlite3_bind_text(s, 1, param, -1, SQLITE_STATIC),
		    SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int64_t
db_int(const char *sql)
{
	return db_int_bound(sql, NULL);
}

static void
db_exec(const char *sql)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open(env.db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Audit rows with this action. */
static int64_t
n_audit(const char *action)
{
	return db_int_bound(
	    "SELECT count(*) FROM audit WHERE action = ?1", action);
}

/* ------------------------------------------------------------------ */
/* HTTP. */

/* method path with optional JSON body, cookie and CSRF token. */
static void
api(struct vt_resp *r, const char *method, const char *path,
    const char *body, const struct session *s, bool with_csrf)
{
	char *url, *cookie = NULL, *csrf = NULL;
	const char *h[4] = {"Content-Type: application/json", NULL};
	size_t n = 1;

	cr_assert(asprintf(&url, "%s%s", env.d.url, path) > 0);
	if (s != NULL) {
		cr_assert(asprintf(&cookie, "Cookie: a=b; %s", s->cookie) > 0);
		h[n++] = cookie;
	}
	if (s != NULL && with_csrf) {
		cr_assert(asprintf(&csrf, "X-CSRF-Token: %s", s->csrf) > 0);
		h[n++] = csrf;
	}
	h[n] = NULL;
	vt_http(r, method, url, body, h);
	free(url);
	free(cookie);
	free(csrf);
}

static void
ask_code(struct vt_resp *r, const char *phone)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"phone\": \"%s\"}", phone);
	api(r, "POST", "/api/v1/login/code", body, NULL, false);
}

static void
try_login(struct vt_resp *r, const char *phone, const char *code)
{
	char body[96];

	snprintf(body, sizeof(body), "{\"phone\": \"%s\", \"code\": \"%s\"}",
	    phone, code);
	api(r, "POST", "/api/v1/login", body, NULL, false);
}

/* Login code SMS to phone at the fake so far; the newest in code. */
static size_t
codes_to(const char *phone, char code[7])
{
	size_t n = 0, total = vt_fake_count(env.fake);

	for (size_t i = 0; i < total; i++) {
		struct vt_fake_msg m = vt_fake_get(env.fake, i);

		if (strcmp(m.to, phone) == 0 && m.body != NULL &&
		    strncmp(m.body, PREFIX, strlen(PREFIX)) == 0) {
			n++;
			if (code != NULL)
				snprintf(code, 7, "%s", m.body + strlen(PREFIX));
		}
		vt_fake_msg_free(&m);
	}
	return n;
}

/* Wait up to 10 s for the n-th code SMS to phone; the code. */
static void
wait_code(const char *phone, size_t n, char code[7])
{
	for (int i = 0; i < 200 && codes_to(phone, code) < n; i++)
		vt_msleep(50);
	cr_assert_eq(codes_to(phone, code), n, "code SMS %zu to %s", n, phone);
}

/* The value of the response's Set-Cookie header, or "" (caller frees). */
static char *
set_cookie(const struct vt_resp *r)
{
	const char *p = strcasestr(r->headers, "\nSet-Cookie: ");
	size_t n;

	if (p == NULL)
		return strdup("");
	p += strlen("\nSet-Cookie: ");
	n = strcspn(p, "\r\n");
	return strndup(p, n);
}

/* Log phone in (a new code), asserting 200; the session in s. */
static void
log_in(const char *phone, struct session *s)
{
	struct vt_resp r;
	char code[7], *c;
	size_t n = codes_to(phone, NULL);
	json_t *j;

	ask_code(&r, phone);
	cr_assert_eq(r.status, 202, "%s", r.body);
	vt_resp_free(&r);
	wait_code(phone, n + 1, code);
	try_login(&r, phone, code);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "%s", r.body);
	snprintf(s->csrf, sizeof(s->csrf), "%s",
	    json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
	c = set_cookie(&r);
	snprintf(s->cookie, sizeof(s->cookie), "%.*s", (int)strcspn(c, ";"), c);
	free(c);
	vt_resp_free(&r);
}

/* A youth's SMS to the service (opens a follow-up). */
static void
sms(const char *from)
{
	char sid[40];
	const char *p[] = {"SmsMessageSid", sid, "NumMedia", "0", "SmsSid", sid,
	    "SmsStatus", "received", "Body", "Hei", "To", VT_SERVICE,
	    "NumSegments", "1", "MessageSid", sid, "AccountSid", VT_SID, "From",
	    from, "ApiVersion", "2010-04-01", NULL};
	struct vt_resp r;

	snprintf(sid, sizeof(sid), "SM%08x%024x", 0x10a1u, ++env.n_sid);
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Codes. */

Test(login, a_code_request_answers_202_alike_for_staff_and_strangers,
    .init = setup, .fini = teardown)
{
	struct vt_resp staff, stray;

	ask_code(&staff, LEA);
	ask_code(&stray, STRAY);
	cr_assert_eq(staff.status, 202, "%s", staff.body);
	cr_assert_eq(stray.status, 202, "%s", stray.body);
	cr_assert_str_eq(staff.body, stray.body, "no enumeration");
	wait_code(LEA, 1, NULL);
	vt_msleep(1000);
	cr_assert_eq(codes_to(STRAY, NULL), 0, "no SMS to a stranger");
	cr_assert_eq(n_audit("login.code"), 1);
	cr_assert_eq(db_int("SELECT count(*) FROM login_codes"), 1);
	vt_resp_free(&staff);
	vt_resp_free(&stray);
}

Test(login, a_coordinator_gets_a_code_too, .init = setup, .fini = teardown)
{
	struct vt_resp r;
	char code[7];

	ask_code(&r, KARI);
	cr_assert_eq(r.status, 202);
	vt_resp_free(&r);
	wait_code(KARI, 1, code);
	cr_assert_eq(strlen(code), 6);
	cr_assert_eq(strspn(code, "0123456789"), 6, "6 digits: %s", code);
}

Test(login, codes_are_kept_only_as_salted_hashes, .init = setup,
    .fini = teardown)
{
	struct vt_resp r;
	char code[7];

	ask_code(&r, LEA);
	vt_resp_free(&r);
	wait_code(LEA, 1, code);
	cr_assert_eq(db_int_bound("SELECT count(*) FROM login_codes WHERE"
	                          " instr(hash, ?1) OR instr(salt, ?1)",
	                 code),
	    0, "the code is not stored");
	cr_assert_eq(db_int("SELECT count(*) FROM audit WHERE detail LIKE"
	                    " '%" LEA "%' OR subject LIKE '%" LEA "%'"),
	    0, "no full number in the audit trail");
}

Test(login, a_fourth_code_within_15_minutes_is_refused_quietly,
    .init = setup, .fini = teardown)
{
	struct vt_resp r, first;

	ask_code(&first, LEA);
	for (int i = 0; i < 3; i++) {
		ask_code(&r, LEA);
		cr_assert_eq(r.status, 202);
		cr_assert_str_eq(r.body, first.body, "same answer");
		vt_resp_free(&r);
	}
	vt_resp_free(&first);
	wait_code(LEA, 3, NULL);
	vt_msleep(1000);
	cr_assert_eq(codes_to(LEA, NULL), 3, "at most 3 codes per 15 minutes");
	cr_assert_eq(n_audit("login.code_refused"), 1);
}

Test(login, a_peer_gets_429_after_20_code_requests, .init = setup,
    .fini = teardown)
{
	struct vt_resp r;

	for (int i = 0; i < 20; i++) {
		ask_code(&r, STRAY);
		cr_assert_eq(r.status, 202, "request %d", i + 1);
		vt_resp_free(&r);
	}
	ask_code(&r, STRAY);
	cr_assert_eq(r.status, 429, "%s", r.body);
	vt_resp_free(&r);
}

Test(login, a_bad_body_is_400, .init = setup, .fini = teardown)
{
	struct vt_resp r;

	api(&r, "POST", "/api/v1/login/code", "{\"phone\": 4791}", NULL, false);
	cr_assert_eq(r.status, 400);
	vt_resp_free(&r);
	try_login(&r, LEA, "12345");
	cr_assert_eq(r.status, 400, "a code is 6 digits");
	vt_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Login. */

Test(login, the_right_code_logs_in_with_a_strict_secure_cookie,
    .init = setup, .fini = teardown)
{
	struct vt_resp r;
	char code[7], *c;
	json_t *j, *staff;

	ask_code(&r, LEA);
	vt_resp_free(&r);
	wait_code(LEA, 1, code);
	try_login(&r, LEA, code);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j);
	cr_assert_eq(strlen(json_string_value(json_object_get(j, "csrf"))), 64);
	staff = json_object_get(j, "staff");
	cr_assert_str_eq(json_string_value(json_object_get(staff, "id")), "lea");
	cr_assert_str_eq(
	    json_string_value(json_object_get(staff, "name")), "Lea");
	cr_assert_str_eq(
	    json_string_value(json_object_get(staff, "role")), "leader");
	json_decref(j);
	c = set_cookie(&r);
	cr_assert_eq(strncmp(c, "vakt_session=", 13), 0, "%s", c);
	cr_assert_eq(strcspn(c + 13, ";"), 64, "%s", c);
	cr_assert_not_null(strstr(c, "; HttpOnly"), "%s", c);
	cr_assert_not_null(strstr(c, "; SameSite=Strict"), "%s", c);
	cr_assert_not_null(strstr(c, "; Path=/"), "%s", c);
	cr_assert_not_null(strstr(c, "; Secure"), "https public_url: %s", c);
	free(c);
	vt_resp_free(&r);
	cr_assert_eq(n_audit("login"), 1);
	cr_assert_eq(db_int("SELECT count(*) FROM sessions"), 1);
}

Test(login, no_secure_flag_for_an_http_public_url, .init = setup_http,
    .fini = teardown)
{
	struct vt_resp r;
	char code[7], *c;

	ask_code(&r, LEA);
	vt_resp_free(&r);
	wait_code(LEA, 1, code);
	try_login(&r, LEA, code);
	cr_assert_eq(r.status, 200, "%s", r.body);
	c = set_cookie(&r);
	cr_assert_not_null(strstr(c, "HttpOnly"), "%s", c);
	cr_assert_null(strstr(c, "Secure"), "%s", c);
	free(c);
	vt_resp_free(&r);
}

Test(login, five_wrong_codes_kill_the_code_even_for_the_right_one,
    .init = setup, .fini = teardown)
{
	struct vt_resp r;
	char code[7], wrong[16];

	ask_code(&r, LEA);
	vt_resp_free(&r);
	wait_code(LEA, 1, code);
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	for (int i = 0; i < 5; i++) {
		try_login(&r, LEA, wrong);
		cr_assert_eq(r.status, 401, "try %d: %s", i + 1, r.body);
		vt_resp_free(&r);
	}
	try_login(&r, LEA, code);
	cr_assert_eq(r.status, 401, "the 6th try is refused, right or not");
	vt_resp_free(&r);
	cr_assert_eq(n_audit("login.failed"), 6);
	cr_assert_eq(n_audit("login"), 0);
}

Test(login, an_expired_code_is_refused, .init = setup, .fini = teardown)
{
	struct vt_resp r;
	char code[7];

	ask_code(&r, LEA);
	vt_resp_free(&r);
	wait_code(LEA, 1, code);
	/* Ten minutes pass: the row's expiry is moved, not the clock. */
	db_exec("UPDATE login_codes SET expires_ms = created_ms");
	try_login(&r, LEA, code);
	cr_assert_eq(r.status, 401, "%s", r.body);
	vt_resp_free(&r);
}

Test(login, a_stranger_cannot_log_in, .init = setup, .fini = teardown)
{
	struct vt_resp r;

	try_login(&r, STRAY, "123456");
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
	cr_assert_eq(n_audit("login.failed"), 1);
}

/* ------------------------------------------------------------------ */
/* Sessions. */

Test(login, a_session_reads_and_writes_with_its_csrf_token, .init = setup,
    .fini = teardown)
{
	static const char slot[] =
	    "{\"service\": \"due\", \"staff\": \"lea\", \"from\": "
	    "\"2030-01-02T08:00\", \"to\": \"2030-01-02T16:00\"}";
	struct session s;
	struct vt_resp r;

	log_in(LEA, &s);
	api(&r, "GET", "/api/v1/rota", NULL, &s, false);
	cr_assert_eq(r.status, 200, "a GET needs no CSRF token: %s", r.body);
	vt_resp_free(&r);
	api(&r, "POST", "/api/v1/rota", slot, &s, false);
	cr_assert_eq(r.status, 403, "a POST without CSRF token: %s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM rota"), 0);
	api(&r, "POST", "/api/v1/rota", slot, &s, true);
	cr_assert_eq(r.status, 201, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM audit WHERE action ="
	                    " 'rota.add' AND actor = 'lea'"),
	    1);
}

Test(login, a_forged_or_missing_cookie_is_401, .init = setup,
    .fini = teardown)
{
	struct session s;
	struct vt_resp r;

	log_in(LEA, &s);
	s.cookie[strlen(s.cookie) - 1] ^= 1;
	api(&r, "GET", "/api/v1/rota", NULL, &s, false);
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
	api(&r, "GET", "/api/v1/rota", NULL, NULL, false);
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
}

Test(login, logout_ends_the_session, .init = setup, .fini = teardown)
{
	struct session s;
	struct vt_resp r;
	char *c;

	log_in(LEA, &s);
	api(&r, "POST", "/api/v1/logout", NULL, &s, false);
	cr_assert_eq(r.status, 403, "logout needs the CSRF token too");
	vt_resp_free(&r);
	api(&r, "POST", "/api/v1/logout", NULL, &s, true);
	cr_assert_eq(r.status, 204, "%s", r.body);
	c = set_cookie(&r);
	cr_assert_not_null(strstr(c, "Max-Age=0"), "the cookie is cleared: %s",
	    c);
	free(c);
	vt_resp_free(&r);
	api(&r, "GET", "/api/v1/rota", NULL, &s, false);
	cr_assert_eq(r.status, 401, "the session is gone");
	vt_resp_free(&r);
	cr_assert_eq(n_audit("logout"), 1);
	cr_assert_eq(db_int("SELECT count(*) FROM sessions"), 0);
}

Test(login, an_idle_session_expires, .init = setup, .fini = teardown)
{
	struct session s;
	struct vt_resp r;

	log_in(LEA, &s);
	/* Twelve hours pass without use: moved in the row, not the clock. */
	db_exec("UPDATE sessions SET last_seen_ms = last_seen_ms - 43200001");
	api(&r, "GET", "/api/v1/rota", NULL, &s, false);
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* Roles. */

Test(login, a_coordinator_sees_and_closes_only_their_own_followups,
    .init = setup, .fini = teardown)
{
	struct session kari, lea;
	struct vt_resp r;
	json_t *j;
	char path[96];
	int64_t ola_fu, ada_fu;

	sms(OLA);
	sms(ADA);
	ola_fu = db_int("SELECT id FROM followups WHERE youth = 'U-0142'");
	ada_fu = db_int("SELECT id FROM followups WHERE youth = 'U-0200'");
	cr_assert(ola_fu > 0 && ada_fu > 0);
	log_in(KARI, &kari);
	log_in(LEA, &lea);
	api(&r, "GET", "/api/v1/followups", NULL, &kari, false);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_eq(json_array_size(j), 1, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(json_array_get(j, 0), "youth"),
	                     "code")),
	    "U-0142");
	json_decref(j);
	vt_resp_free(&r);
	api(&r, "GET", "/api/v1/followups", NULL, &lea, false);
	j = json_loads(r.body, 0, NULL);
	cr_assert_eq(json_array_size(j), 2, "a leader sees all: %s", r.body);
	json_decref(j);
	vt_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/followups/%lld/done",
	    (long long)ada_fu);
	api(&r, "POST", path, "{\"outcome\": \"texted\"}", &kari, true);
	cr_assert_eq(r.status, 403, "not kari's youth: %s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT state FROM followups WHERE youth ="
	                    " 'U-0200'"),
	    0, "nothing changed");
	snprintf(path, sizeof(path), "/api/v1/followups/%lld/done",
	    (long long)ola_fu);
	api(&r, "POST", path, "{\"outcome\": \"texted\"}", &kari, true);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM followups WHERE youth ="
	                    " 'U-0142' AND closed_by = 'kari'"),
	    1);
}

Test(login, a_coordinator_may_read_but_not_change_the_rota, .init = setup,
    .fini = teardown)
{
	struct session kari;
	struct vt_resp r;

	log_in(KARI, &kari);
	api(&r, "GET", "/api/v1/rota", NULL, &kari, false);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	api(&r, "POST", "/api/v1/rota",
	    "{\"service\": \"due\", \"staff\": \"kari\", \"from\": "
	    "\"2030-01-02T08:00\", \"to\": \"2030-01-02T16:00\"}",
	    &kari, true);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	api(&r, "DELETE", "/api/v1/rota/1", NULL, &kari, true);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM rota"), 0);
}

/*
 * A coordinator's own session manages their own absences (issue 11):
 * adds and removes them and lists only them; another coordinator's is
 * 403 and nothing changes.  A leader sees them all.
 */
Test(login, a_coordinator_manages_only_their_own_absences, .init = setup,
    .fini = teardown)
{
	struct session kari, lea;
	struct vt_resp r;

	log_in(KARI, &kari);
	api(&r, "POST", "/api/v1/absences",
	    "{\"coordinator\": \"kari\", \"from\": \"2030-01-02\", "
	    "\"to\": \"2030-01-04\", \"substitute\": \"nina\"}",
	    &kari, true);
	cr_assert_eq(r.status, 201, "%s", r.body);
	vt_resp_free(&r);
	api(&r, "POST", "/api/v1/absences",
	    "{\"coordinator\": \"nina\", \"from\": \"2030-01-02\", "
	    "\"to\": \"2030-01-04\"}",
	    &kari, true);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	db_exec("INSERT INTO absences (coordinator, from_date, to_date,"
	        " created_ms) VALUES ('nina', 20300110, 20300111, 0)");
	api(&r, "GET", "/api/v1/absences", NULL, &kari, false);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"kari\""), "%s", r.body);
	cr_assert_null(strstr(r.body, "2030-01-10"), "nina's: %s", r.body);
	vt_resp_free(&r);
	api(&r, "DELETE", "/api/v1/absences/2", NULL, &kari, true);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM absences"), 2);
	api(&r, "DELETE", "/api/v1/absences/1", NULL, &kari, true);
	cr_assert_eq(r.status, 204, "%s", r.body);
	vt_resp_free(&r);

	log_in(LEA, &lea);
	api(&r, "GET", "/api/v1/absences", NULL, &lea, false);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "2030-01-10"), "%s", r.body);
	vt_resp_free(&r);
}
