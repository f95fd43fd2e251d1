/*
 * test_console.c: the staff console's pages under /app/ (issue 11),
 * end to end against a real vaktd: logging in through the forms with
 * the code read from the fake Messages API, the security headers on
 * every answer, no external URL in any page, forms refused without
 * their CSRF token, and a coordinator who sees and closes only their
 * own follow-ups.
 *
 * Staff: coordinators kari (youth U-0142 Ola) and nina (youth U-0200
 * Ada), leader lea.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The number of route's first step for OLA at a local time. */
static char *
first_step(const char *at)
{
	char *bin = vt_bin("vaktctl"), *num;
	const char *argv[] = {bin, "-c", env.d.conf, "route", "--to",
	    VT_SERVICE, "--from", OLA, "--at", at, "--json", NULL};
	struct vt_run r;
	json_t *j;

	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "route: %s", r.err);
	j = json_loads(r.out, 0, NULL);
	cr_assert_not_null(j, "%s", r.out);
	num = strdup(json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "steps"), 0), "number")));
	json_decref(j);
	vt_run_free(&r);
	free(bin);
	return num;
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
static int64_t
db_int(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	cr_assert_eq(sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}


/* ------------------------------------------------------------------ */
/* HTTP. */

/* method path, with a form body (NULL: none) and s's cookie (or NULL). */
static void
page(struct vt_resp *r, const char *method, const char *path,
    const char *const *form, const struct session *s)
{
	char *url, *cookie = NULL, *body = form != NULL ? vt_form(form) : NULL;
	const char *h[3] = {NULL};
	size_t n = 0;

	cr_assert(asprintf(&url, "%s%s", env.d.url, path) > 0);
	if (body != NULL)
		h[n++] = "Content-Type: application/x-www-form-urlencoded";
	if (s != NULL) {
		cr_assert(asprintf(&cookie, "Cookie: %s", s->cookie) > 0);
		h[n++] = cookie;
	}
	vt_http(r, method, url, body, h);
	free(url);
	free(cookie);
	free(body);
}

/* The value of response header name ("Name: "), or "" (caller frees). */
static char *
header(const struct vt_resp *r, const char *name)
{
	char *needle, *out;
	const char *p;

	cr_assert(asprintf(&needle, "\n%s: ", name) > 0);
	p = strcasestr(r->headers, needle);
	out = p == NULL ? strdup("")
	                : strndup(p + strlen(needle),
	                      strcspn(p + strlen(needle), "\r\n"));
	free(needle);
	return out;
}

static void
assert_header(const struct vt_resp *r, const char *name, const char *want)
{
	char *v = header(r, name);

	cr_assert_str_eq(v, want, "%s: %s", name, r->headers);
	free(v);
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

/* The csrf field's value in a page, into s. */
static void
page_csrf(const struct vt_resp *r, struct session *s)
{
	static const char field[] = "name=\"csrf\" value=\"";
	const char *p = strstr(r->body, field);

	cr_assert_not_null(p, "no csrf field: %s", r->body);
	p += strlen(field);
	snprintf(s->csrf, sizeof(s->csrf), "%.*s", (int)strcspn(p, "\""), p);
}

/* Log phone in through the forms, asserting each step; the session. */
static void
log_in(const char *phone, struct session *s)
{
	struct vt_resp r;
	char code[7], *c;
	size_t n = codes_to(phone, NULL);

	page(&r, "POST", "/app/login",
	    (const char *[]){"phone", phone, NULL}, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "name=\"code\"") != NULL, "%s", r.body);
	vt_resp_free(&r);
	wait_code(phone, n + 1, code);
	page(&r, "POST", "/app/login",
	    (const char *[]){"phone", phone, "code", code, NULL}, NULL);
	cr_assert_eq(r.status, 303, "%s", r.body);
	assert_header(&r, "Location", "/app/");
	c = header(&r, "Set-Cookie");
	cr_assert(strncmp(c, "vakt_session=", 13) == 0, "%s", r.headers);
	snprintf(s->cookie, sizeof(s->cookie), "%.*s", (int)strcspn(c, ";"), c);
	free(c);
	vt_resp_free(&r);
	page(&r, "GET", "/app/", NULL, s);
	cr_assert_eq(r.status, 200, "%s", r.body);
	page_csrf(&r, s);
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
/* Pages. */

#define CSP                                                                    \
	"default-src 'none'; style-src 'self'; img-src 'self'; "               \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static void
assert_secure(const struct vt_resp *r)
{
	assert_header(r, "Content-Security-Policy", CSP);
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "Referrer-Policy", "no-referrer");
}

Test(console, a_page_without_a_session_redirects_to_the_login_page,
    .init = setup, .fini = teardown)
{
	static const char *const paths[] = {"/app/", "/app/followups"};
	struct vt_resp r;

	for (size_t i = 0; i < 2; i++) {
		page(&r, "GET", paths[i], NULL, NULL);
		cr_assert_eq(r.status, 303, "%s: %s", paths[i], r.body);
		assert_header(&r, "Location", "/app/login");
		vt_resp_free(&r);
	}
}

Test(console, logging_in_through_the_forms_gives_a_session,
    .init = setup, .fini = teardown)
{
	struct session lea;
	struct vt_resp r;

	page(&r, "GET", "/app/login", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<label for=\"phone\">") != NULL, "%s",
	    r.body);
	vt_resp_free(&r);
	log_in(LEA, &lea);
	page(&r, "GET", "/app/", NULL, &lea);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "Innlogget som lea") != NULL, "%s", r.body);
	vt_resp_free(&r);
}

Test(console, a_wrong_code_is_refused_and_gives_no_session, .init = setup,
    .fini = teardown)
{
	struct vt_resp r;
	char *c;

	page(&r, "POST", "/app/login", (const char *[]){"phone", LEA, NULL},
	    NULL);
	vt_resp_free(&r);
	wait_code(LEA, 1, (char[7]){0});
	page(&r, "POST", "/app/login",
	    (const char *[]){"phone", LEA, "code", "000000", NULL}, NULL);
	cr_assert_eq(r.status, 401, "%s", r.body);
	c = header(&r, "Set-Cookie");
	cr_assert_str_eq(c, "");
	free(c);
	cr_assert(strstr(r.body, "name=\"code\"") != NULL, "%s", r.body);
	vt_resp_free(&r);
}

Test(console, every_answer_carries_the_security_headers, .init = setup,
    .fini = teardown)
{
	static const char *const paths[] = {"/app/login", "/app/style.css",
	    "/app/", "/app/followups", "/app/absences", "/app/nope"};
	struct session lea;
	struct vt_resp r;

	for (size_t i = 0; i < 6; i++) {
		page(&r, "GET", paths[i], NULL, NULL);
		assert_secure(&r);
		vt_resp_free(&r);
	}
	log_in(LEA, &lea);
	for (size_t i = 0; i < 6; i++) {
		page(&r, "GET", paths[i], NULL, &lea);
		assert_secure(&r);
		vt_resp_free(&r);
	}
	page(&r, "POST", "/app/logout", (const char *[]){"x", "1", NULL},
	    &lea);
	cr_assert_eq(r.status, 403, "%s", r.body);
	assert_secure(&r);
	vt_resp_free(&r);
}

Test(console, pages_are_mobile_ready_documents_without_external_urls,
    .init = setup, .fini = teardown)
{
	static const char *const paths[] = {
	    "/app/login", "/app/", "/app/followups", "/app/absences"};
	struct session lea;
	struct vt_resp r;

	sms(OLA);
	log_in(LEA, &lea);
	for (size_t i = 0; i < 4; i++) {
		page(&r, "GET", paths[i], NULL, &lea);
		cr_assert_eq(r.status, 200, "%s: %s", paths[i], r.body);
		cr_assert(strncmp(r.body, "<!DOCTYPE html>", 15) == 0);
		cr_assert(strstr(r.body, "<html lang=\"nb\">") != NULL);
		cr_assert(strstr(r.body,
		              "<meta name=\"viewport\" content=\"width=device-"
		              "width, initial-scale=1\">") != NULL,
		    "%s", r.body);
		cr_assert(strstr(r.body, "href=\"/app/style.css\"") != NULL);
		cr_assert_null(strstr(r.body, "http:"), "%s", r.body);
		cr_assert_null(strstr(r.body, "https:"), "%s", r.body);
		cr_assert_null(strstr(r.body, "//"), "%s", r.body);
		cr_assert_null(strstr(r.body, "<script"), "%s", r.body);
		cr_assert_null(strstr(r.body, "style="), "inline style");
		vt_resp_free(&r);
	}
	page(&r, "GET", "/app/style.css", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_null(strstr(r.body, "url("), "%s", r.body);
	vt_resp_free(&r);
}

Test(console, forms_without_the_csrf_token_are_refused, .init = setup,
    .fini = teardown)
{
	struct session lea;
	struct vt_resp r;
	char path[64];
	int64_t fu;

	sms(OLA);
	fu = db_int("SELECT id FROM followups WHERE youth = 'U-0142'");
	log_in(LEA, &lea);
	snprintf(path, sizeof(path), "/app/followups/%lld/done", (long long)fu);
	page(&r, "POST", path, (const char *[]){"outcome", "texted", NULL},
	    &lea);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	page(&r, "POST", path,
	    (const char *[]){"outcome", "texted", "csrf", "0000", NULL}, &lea);
	cr_assert_eq(r.status, 403, "a wrong token: %s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT state FROM followups"), 0, "still open");
	page(&r, "POST", "/app/logout", (const char *[]){"x", "1", NULL},
	    &lea);
	cr_assert_eq(r.status, 403, "%s", r.body);
	vt_resp_free(&r);
	page(&r, "GET", "/app/", NULL, &lea);
	cr_assert_eq(r.status, 200, "the session lives: %s", r.body);
	vt_resp_free(&r);
}

Test(console, logout_ends_the_session, .init = setup, .fini = teardown)
{
	struct session lea;
	struct vt_resp r;

	log_in(LEA, &lea);
	page(&r, "POST", "/app/logout",
	    (const char *[]){"csrf", lea.csrf, NULL}, &lea);
	cr_assert_eq(r.status, 303, "%s", r.body);
	assert_header(&r, "Location", "/app/login");
	vt_resp_free(&r);
	page(&r, "GET", "/app/", NULL, &lea);
	cr_assert_eq(r.status, 303, "%s", r.body);
	vt_resp_free(&r);
}

Test(console, a_coordinator_sees_and_closes_only_their_own_followups,
    .init = setup, .fini = teardown)
{
	struct session kari;
	struct vt_resp r;
	char path[64], sql[160];
	int64_t ola_fu, ada_fu;

	sms(OLA);
	sms(ADA);
	ola_fu = db_int("SELECT id FROM followups WHERE youth = 'U-0142'");
	ada_fu = db_int("SELECT id FROM followups WHERE youth = 'U-0200'");
	cr_assert(ola_fu > 0 && ada_fu > 0);
	log_in(KARI, &kari);
	page(&r, "GET", "/app/followups", NULL, &kari);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "Ola") != NULL, "%s", r.body);
	cr_assert_null(strstr(r.body, "Ada"), "%s", r.body);
	cr_assert_null(strstr(r.body, "U-0200"), "%s", r.body);
	vt_resp_free(&r);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit WHERE action = 'followup.list' AND "
	    "actor = 'kari' AND detail = 'n=1 ids=%lld'",
	    (long long)ola_fu);
	/* The front page (after login) and this page: each audited. */
	cr_assert_eq(db_int(sql), 2, "the listing is audited with its ids");
	snprintf(path, sizeof(path), "/app/followups/%lld/done",
	    (long long)ada_fu);
	page(&r, "POST", path,
	    (const char *[]){"outcome", "texted", "csrf", kari.csrf, NULL},
	    &kari);
	cr_assert_eq(r.status, 403, "not kari's youth: %s", r.body);
	vt_resp_free(&r);
	snprintf(path, sizeof(path), "/app/followups/%lld/done",
	    (long long)ola_fu);
	page(&r, "POST", path,
	    (const char *[]){"outcome", "called_back", "csrf", kari.csrf, NULL},
	    &kari);
	cr_assert_eq(r.status, 303, "%s", r.body);
	assert_header(&r, "Location", "/app/followups");
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM followups WHERE youth ="
	                    " 'U-0142' AND closed_by = 'kari' AND outcome ="
	                    " 'called_back'"),
	    1);
	cr_assert_eq(db_int("SELECT state FROM followups WHERE youth ="
	                    " 'U-0200'"),
	    0, "nothing changed");
}

Test(console, an_absence_added_through_the_form_changes_the_route,
    .init = setup, .fini = teardown)
{
	struct session kari;
	struct vt_resp r;
	char *num, path[64];
	int64_t id;

	num = first_step("2030-01-10T10:00");
	cr_assert_str_eq(num, KARI, "kari is in");
	free(num);
	log_in(KARI, &kari);
	page(&r, "GET", "/app/absences", NULL, &kari);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<label for=\"from\">") != NULL, "%s",
	    r.body);
	vt_resp_free(&r);
	page(&r, "POST", "/app/absences",
	    (const char *[]){"csrf", kari.csrf, "coordinator", "kari", "from",
	        "2030-01-10", "to", "2030-01-10", "substitute", "nina", NULL},
	    &kari);
	cr_assert_eq(r.status, 303, "%s", r.body);
	assert_header(&r, "Location", "/app/absences");
	vt_resp_free(&r);
	num = first_step("2030-01-10T10:00");
	cr_assert_str_eq(num, NINA, "the substitute answers");
	free(num);
	page(&r, "GET", "/app/absences", NULL, &kari);
	cr_assert(strstr(r.body, "2030-01-10") != NULL, "%s", r.body);
	vt_resp_free(&r);
	id = db_int("SELECT id FROM absences");
	snprintf(path, sizeof(path), "/app/absences/%lld/delete", (long long)id);
	page(&r, "POST", path, (const char *[]){"csrf", kari.csrf, NULL},
	    &kari);
	cr_assert_eq(r.status, 303, "%s", r.body);
	vt_resp_free(&r);
	num = first_step("2030-01-10T10:00");
	cr_assert_str_eq(num, KARI, "removed: kari again");
	free(num);
}

Test(console, a_coordinator_registers_no_absence_for_another,
    .init = setup, .fini = teardown)
{
	struct session kari;
	struct vt_resp r;

	log_in(KARI, &kari);
	page(&r, "POST", "/app/absences",
	    (const char *[]){"csrf", kari.csrf, "coordinator", "nina", "from",
	        "2030-01-10", "to", "2030-01-10", NULL},
	    &kari);
	cr_assert_eq(r.status, 403, "%s", r.body);
	assert_secure(&r);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM absences"), 0);
	page(&r, "POST", "/app/absences",
	    (const char *[]){"csrf", kari.csrf, "coordinator", "kari", "from",
	        "2030-13-10", "to", "2030-01-10", NULL},
	    &kari);
	cr_assert_eq(r.status, 400, "a bad date: %s", r.body);
	vt_resp_free(&r);
}

/* A UTC time hours from now as "YYYY-MM-DDTHH:MMZ". */
static void
utc_in(int hours, char out[32])
{
	time_t t = time(NULL) + hours * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%MZ", &tm);
}

Test(console, the_front_page_shows_who_answers_now, .init = setup,
    .fini = teardown)
{
	struct session kari;
	struct vt_resp r;
	char from[32], to[32];

	log_in(KARI, &kari);
	page(&r, "GET", "/app/", NULL, &kari);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "Hvem svarer nå") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "DUE") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, VT_BEREDSKAP) != NULL, "no rota: %s", r.body);
	cr_assert_null(strstr(r.body, "(vaktliste)"), "%s", r.body);
	vt_resp_free(&r);
	utc_in(-1, from);
	utc_in(2, to);
	ctl((const char *[]){"rota", "add", "--service", "due", "--staff", "lea",
	    "--from", from, "--to", to, NULL});
	page(&r, "GET", "/app/", NULL, &kari);
	cr_assert(strstr(r.body, "Beredskap: Lea (vaktliste) – " LEA) != NULL,
	    "the rota holder: %s", r.body);
	vt_resp_free(&r);
}

Test(console, a_leader_adds_and_deletes_rota_slots_a_coordinator_not,
    .init = setup, .fini = teardown)
{
	struct session lea, kari;
	struct vt_resp r;
	char path[64];

	log_in(LEA, &lea);
	log_in(KARI, &kari);
	page(&r, "GET", "/app/rota", NULL, &lea);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<label for=\"staff\">") != NULL, "%s",
	    r.body);
	vt_resp_free(&r);
	page(&r, "POST", "/app/rota",
	    (const char *[]){"csrf", lea.csrf, "service", "due", "staff", "lea",
	        "from", "2030-01-09T20:00", "to", "2030-01-10T08:00", NULL},
	    &lea);
	cr_assert_eq(r.status, 303, "%s", r.body);
	assert_header(&r, "Location", "/app/rota");
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM rota WHERE staff = 'lea'"), 1);
	page(&r, "GET", "/app/rota", NULL, &kari);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "Lea") != NULL, "%s", r.body);
	cr_assert_null(strstr(r.body, "action=\"/app/rota\""), "no form");
	vt_resp_free(&r);
	page(&r, "POST", "/app/rota",
	    (const char *[]){"csrf", kari.csrf, "service", "due", "staff",
	        "kari", "from", "2030-02-09T20:00", "to", "2030-02-10T08:00",
	        NULL},
	    &kari);
	cr_assert_eq(r.status, 403, "%s", r.body);
	assert_secure(&r);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM rota"), 1);
	snprintf(path, sizeof(path), "/app/rota/%lld/delete",
	    (long long)db_int("SELECT id FROM rota"));
	page(&r, "POST", path, (const char *[]){"csrf", kari.csrf, NULL}, &kari);
	cr_assert_eq(r.status, 403, "a coordinator deletes none: %s", r.body);
	vt_resp_free(&r);
	page(&r, "POST", path, (const char *[]){"csrf", lea.csrf, NULL}, &lea);
	cr_assert_eq(r.status, 303, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT count(*) FROM rota"), 0);
}

Test(console, a_leader_picks_a_period_and_gets_the_html_report,
    .init = setup, .fini = teardown)
{
	struct session lea, kari;
	struct vt_resp r;
	char *ct;

	log_in(LEA, &lea);
	log_in(KARI, &kari);
	page(&r, "GET", "/app/report", NULL, &lea);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "action=\"/api/v1/report\"") != NULL, "%s",
	    r.body);
	cr_assert(strstr(r.body, "<label for=\"period\">") != NULL);
	vt_resp_free(&r);
	/* What the form's GET asks, with the session's cookie. */
	page(&r, "GET", "/api/v1/report?format=html&period=2026-11&service=due",
	    NULL, &lea);
	cr_assert_eq(r.status, 200, "%s", r.body);
	ct = header(&r, "Content-Type");
	cr_assert(strncmp(ct, "text/html", 9) == 0, "%s", ct);
	free(ct);
	vt_resp_free(&r);
	page(&r, "GET", "/app/report", NULL, &kari);
	cr_assert_eq(r.status, 403, "a coordinator: %s", r.body);
	assert_secure(&r);
	vt_resp_free(&r);
}
