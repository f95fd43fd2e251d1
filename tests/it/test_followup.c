/*
 * test_followup.c: the follow-up queue (issue 11), end to end.  A real
 * vaktd on a generated configuration gets signed Twilio webhooks (calls
 * and SMS, as in test_voice.c and test_sms.c), its outbound SMS land at
 * the in-process fake Messages API, the queue is read from its database
 * (read-only) and through GET/POST /api/v1/followups with a leader's
 * token.
 *
 * Office hours come from the configuration (open 00:00-24:00 every day,
 * today and tomorrow as special days too), never from the wall clock.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
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

#define KARI  "+4791111111" /* coordinator kari */
#define OLA   "+4741111142" /* youth U-0142 Ola, kari's */
#define PER   "+4741111143" /* youth U-0143 Per, kari's */
#define STRAY "+4791234567" /* nobody's number */
#define BODY  "Hemmelig tekst 4711"

/*
 * The running test's vaktd, fake and folder.  Criterion forks each
 * test, so this is never shared; it is file-scope so that .fini can
 * stop vaktd and the fake after a failed assertion too.
 */
static struct fu_env {
	struct vt_fake *fake;
	char *dir;
	char *conf;
	char *db;
	char *token; /* a leader's */
	struct vt_daemon d;
	bool is_running;
	unsigned n_sid;
} env;

/* ------------------------------------------------------------------ */
/* Set-up and tear-down. */

/* Local date (Europe/Oslo) plus_days from today, as YYYY-MM-DD. */
static void
oslo_date(int plus_days, char out[16])
{
	time_t now = time(NULL), t;
	struct tm tm;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	cr_assert_not_null(localtime_r(&now, &tm));
	tm.tm_mday += plus_days;
	tm.tm_hour = 12; /* noon: never in a DST gap */
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	cr_assert_not_null(localtime_r(&t, &tm));
	cr_assert_neq(strftime(out, 16, "%Y-%m-%d", &tm), 0);
}

/* vaktctl -c CONF args…: exit 0, stdout returned (caller frees). */
static char *
ctl(const char *const *args)
{
	const char *argv[16];
	char *bin = vt_bin("vaktctl"), *out;
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
	out = strdup(r.out);
	vt_run_free(&r);
	free(bin);
	return out;
}

/* kari with U-0142 Ola and U-0143 Per; a leader's token "lea". */
static void
directory(void)
{
	free(ctl((const char *[]){"coordinator", "add", "kari", "--name",
	    "Kari", "--phone", KARI, NULL}));
	free(ctl((const char *[]){"youth", "add", "U-0142", "--name", "Ola",
	    "--phone", OLA, "--coordinator", "kari", NULL}));
	free(ctl((const char *[]){"youth", "add", "U-0143", "--name", "Per",
	    "--phone", PER, "--coordinator", "kari", NULL}));
	env.token = ctl(
	    (const char *[]){"token", "add", "lea", "--role", "leader", NULL});
	env.token[strcspn(env.token, "\n")] = '\0';
	cr_assert_gt(strlen(env.token), 20, "token: %s", env.token);
}

static void
office(void)
{
	char today[16], tomorrow[16], *svc;

	oslo_date(0, today);
	oslo_date(1, tomorrow);
	cr_assert(
	    asprintf(&svc,
	        "office_hours = { days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\","
	        "\"sat\",\"sun\"]; open = \"00:00\"; close = \"24:00\"; };\n"
	        "special_days = (\n"
	        " { date = \"%s\"; open = \"00:00\"; close = \"24:00\";"
	        " name = \"Test i dag\"; },\n"
	        " { date = \"%s\"; open = \"00:00\"; close = \"24:00\";"
	        " name = \"Test i morgen\"; } );\n",
	        today, tomorrow) > 0);
	env.fake = vt_fake_start();
	env.dir = vt_tmpdir();
	env.db = vt_path(env.dir, "vakt.db");
	env.conf = vt_config(
	    vt_fake_url(env.fake), svc, "outbox = { retry_first = 1; };");
	free(svc);
	env.is_running = true;
	cr_assert_eq(vt_daemon_start(&env.d, env.dir, env.conf), 0, "%s",
	    vt_daemon_log(&env.d));
	directory();
}

/* Everything goes, even after a failed assertion. */
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
	free(env.token);
	memset(&env, 0, sizeof(env));
}

/* ------------------------------------------------------------------ */
/* The database, read-only. */

/*
 * The first column of the first row of sql, its ?s bound in order to
 * the string arguments, as an integer (-1 for NULL or no row) or, with
 * text set, as a copy the caller frees ("" for NULL or no row).
 */
static int64_t
db_vquery(char **text, const char *sql, va_list ap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	int rc = sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL);

	cr_assert_eq(rc, SQLITE_OK, "open %s", env.db);
	sqlite3_busy_timeout(db, 2000);
	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	for (int i = 1; i <= sqlite3_bind_parameter_count(s); i++)
		sqlite3_bind_text(
		    s, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	cr_assert(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql,
	    sqlite3_errmsg(db));
	if (text != NULL)
		*text = strdup("");
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(s, 0);
		if (text != NULL) {
			free(*text);
			*text = strdup((const char *)sqlite3_column_text(s, 0));
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int64_t
db_int(const char *sql, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, sql);
	v = db_vquery(NULL, sql, ap);
	va_end(ap);
	return v;
}

/* Caller frees. */
static char *
db_text(const char *sql, ...)
{
	va_list ap;
	char *t;

	va_start(ap, sql);
	(void)db_vquery(&t, sql, ap);
	va_end(ap);
	return t;
}

static void
db_text_eq(const char *want, const char *sql, const char *arg)
{
	char *got = db_text(sql, arg);

	cr_assert_str_eq(got, want, "%s [%s]", sql, arg != NULL ? arg : "");
	free(got);
}

/* ------------------------------------------------------------------ */
/* Webhooks. */

/* A fresh provider id: prefix ("CA", "SM") + 32 hex digits. */
static void
new_sid(const char *prefix, char out[40])
{
	snprintf(out, 40, "%s%08x%024x", prefix, 0xf011u, ++env.n_sid);
}

/* A message from `from` to the service number. */
static void
sms(const char *from, const char *body)
{
	char sid[40];
	const char *p[] = {"SmsMessageSid", sid, "NumMedia", "0", "SmsSid", sid,
	    "SmsStatus", "received", "Body", body, "To", VT_SERVICE,
	    "NumSegments", "1", "MessageSid", sid, "AccountSid", VT_SID, "From",
	    from, "ApiVersion", "2010-04-01", NULL};
	struct vt_resp r;

	new_sid("SM", sid);
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
}

/* A new call from `from`, ringing its first step; its sid in sid. */
static void
call_in(const char *from, char sid[40])
{
	const char *p[] = {"CallSid", sid, "AccountSid", VT_SID, "From", from,
	    "To", VT_SERVICE, "CallStatus", "ringing", "Direction", "inbound",
	    NULL};
	struct vt_resp r;

	new_sid("CA", sid);
	vt_twilio_post(&r, &env.d, "/twilio/voice", p);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
}

/* A call from `from` that the caller gave up after 3 s: a short abandon. */
static void
missed_call(const char *from)
{
	char sid[40];
	const char *gone[] = {"CallSid", sid, "AccountSid", VT_SID, "From",
	    from, "To", VT_SERVICE, "CallStatus", "completed", "CallDuration",
	    "3", NULL};
	struct vt_resp r;

	call_in(from, sid);
	vt_twilio_post(&r, &env.d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(
	    db_int("SELECT status FROM contacts WHERE provider_id = ?", sid), 2,
	    "missed");
}

/* POST one leg webhook of call sid's step 1 (the coordinator's). */
static void
leg_post(const char *sid, const char *what, const char *const *extra)
{
	char path[160], child[40];
	const char *p[24];
	const char *base[] = {"CallSid", sid, "AccountSid", VT_SID, "From", OLA,
	    "To", KARI, "CallStatus", "in-progress", "ApiVersion", "2010-04-01",
	    NULL};
	struct vt_resp r;
	size_t n = 0;

	snprintf(child, sizeof(child), "CA%08x%024x", 0xc41du, env.n_sid);
	snprintf(path, sizeof(path), "/twilio/voice/%s?v=due&c=%lld&s=1&r=c",
	    what,
	    (long long)db_int(
	        "SELECT id FROM contacts WHERE provider_id = ?", sid));
	for (size_t i = 0; base[i] != NULL; i++)
		p[n++] = base[i];
	if (strcmp(what, "next") != 0) {
		/* The whisper and the key press come on the child leg. */
		p[1] = child;
		p[n++] = "ParentCallSid";
		p[n++] = sid;
	} else {
		p[n++] = "DialCallSid";
		p[n++] = child;
	}
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		p[n++] = extra[i];
	p[n] = NULL;
	vt_twilio_post(&r, &env.d, path, p);
	cr_assert_eq(r.status, 200, "%s: %ld %s", what, r.status, r.body);
	vt_resp_free(&r);
}

/* A call from Ola that kari answers and confirms with key 1. */
static void
answered_call(void)
{
	char sid[40];

	call_in(OLA, sid);
	leg_post(sid, "whisper", NULL);
	leg_post(sid, "confirm", (const char *[]){"Digits", "1", NULL});
	leg_post(sid, "next",
	    (const char *[]){"DialCallStatus", "completed", "DialCallDuration",
	        "42", "DialBridged", "true", NULL});
	cr_assert_eq(
	    db_int("SELECT status FROM contacts WHERE provider_id = ?", sid), 1,
	    "answered");
}

/* ------------------------------------------------------------------ */
/* The API. */

/* method path_query with the leader's token (or none), and a body. */
static void
api(struct vt_resp *r, const char *method, const char *path_query,
    const char *body, bool with_token)
{
	char url[256], *auth;

	snprintf(url, sizeof(url), "%s%s", env.d.url, path_query);
	cr_assert(asprintf(&auth, "Authorization: Bearer %s", env.token) > 0);
	vt_http(r, method, url, body,
	    with_token
	        ? (const char *[]){auth, "Content-Type: application/json", NULL}
	        : NULL);
	free(auth);
}

/* GET the listing; the parsed array (caller decrefs), its text in raw. */
static json_t *
list(const char *query, char **raw)
{
	struct vt_resp r;
	json_error_t jerr;
	json_t *j;
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/followups%s", query);
	api(&r, "GET", path, NULL, true);
	cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
	cr_assert_not_null(strstr(r.headers, "application/json"));
	j = json_loads(r.body, 0, &jerr);
	cr_assert(json_is_array(j), "%s: %s", path, r.body);
	if (raw != NULL)
		*raw = strdup(r.body);
	vt_resp_free(&r);
	return j;
}

/* POST …/{id}/done with body; the status, the answer in out if given. */
static long
mark(int64_t id, const char *body, bool with_token, char **out)
{
	struct vt_resp r;
	char path[96];
	long status;

	snprintf(
	    path, sizeof(path), "/api/v1/followups/%lld/done", (long long)id);
	api(&r, "POST", path, body, with_token);
	status = r.status;
	if (out != NULL)
		*out = strdup(r.body);
	vt_resp_free(&r);
	return status;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	cr_assert_not_null(v, "no string %s", key);
	return v;
}

/* The listed follow-up with this contact id, or NULL. */
static json_t *
by_contact(json_t *arr, int64_t contact)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		if (json_integer_value(json_object_get(o, "contact_id")) ==
		    contact)
			return o;
	}
	return NULL;
}

static const char *const ALL_OPEN = "SELECT count(*) FROM followups"
                                    " WHERE state = 0";

/* ------------------------------------------------------------------ */
/* Opening. */

Test(followup, every_missed_call_even_a_short_abandon_opens_one, .init = office,
    .fini = teardown)
{
	missed_call(OLA);
	missed_call(OLA);
	missed_call(STRAY);
	cr_assert_eq(db_int(ALL_OPEN), 3, "one per missed call");
	cr_assert_eq(db_int("SELECT count(*) FROM followups f JOIN contacts c"
	                    " ON c.id = f.contact WHERE f.kind = 0"
	                    " AND f.opened_ms = c.received_ms"
	                    " AND f.service = 'due' AND c.status = 2"),
	    3, "opened at the contact's time");
	cr_assert_eq(db_int("SELECT count(*) FROM followups"
	                    " WHERE youth = 'U-0142' AND caller = ?",
	                 OLA),
	    2);
	cr_assert_eq(db_int("SELECT count(*) FROM followups"
	                    " WHERE youth = '' AND caller = ?",
	                 STRAY),
	    1, "an unknown caller is kept by number");
}

Test(followup, an_answered_call_opens_none, .init = office, .fini = teardown)
{
	answered_call();
	cr_assert_eq(db_int("SELECT count(*) FROM followups"), 0);
}

Test(followup, a_youth_sms_opens_one_and_more_sms_join_the_open_one,
    .init = office, .fini = teardown)
{
	sms(OLA, BODY);
	sms(OLA, "Er du der?");
	sms(STRAY, "Hei");
	sms(STRAY, "Hallo?");
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE kind = 1"), 4);
	cr_assert_eq(db_int(ALL_OPEN), 2, "one per open thread");
	cr_assert_eq(db_int("SELECT opened_ms = (SELECT min(received_ms) FROM"
	                    " contacts WHERE caller = ?1) FROM followups"
	                    " WHERE caller = ?1",
	                 OLA),
	    1, "timed from the first unanswered message");
	db_text_eq("U-0142|1",
	    "SELECT youth || '|' || kind FROM followups WHERE caller = ?", OLA);
	db_text_eq("|1",
	    "SELECT youth || '|' || kind FROM followups WHERE caller = ?",
	    STRAY);
}

/*
 * A message that came while another process held the write lock is
 * forwarded fail-safe and logged once the lock is gone (issue 10): its
 * follow-up comes with its row.
 */
Test(followup, a_youth_sms_during_a_write_lock_opens_one_once_logged,
    .init = office, .fini = teardown)
{
	sqlite3 *lock;
	bool is_open = false;

	cr_assert_eq(
	    sqlite3_open_v2(env.db, &lock, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	sms(OLA, BODY);
	cr_assert(vt_daemon_wait_log(&env.d,
	              "message forwarded to beredskap by"
	              " TwiML",
	              2000),
	    "the message was not deferred");
	cr_assert_eq(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_close(lock), SQLITE_OK);
	missed_call(PER); /* a later turn, with the database back */
	for (int waited = 0; waited < 8000 && !is_open; waited += 50) {
		is_open =
		    db_int("SELECT count(*) FROM followups f JOIN contacts"
		           " c ON c.id = f.contact WHERE f.caller = ?"
		           " AND f.kind = 1 AND f.state = 0",
		        OLA) == 1;
		if (!is_open)
			vt_msleep(50);
	}
	cr_assert(is_open, "the deferred message opened no follow-up");
	cr_assert_eq(db_int(ALL_OPEN), 2);
}

/* ------------------------------------------------------------------ */
/* Closing by itself. */

Test(followup, a_relayed_reply_closes_all_the_youths_open_ones_as_replied,
    .init = office, .fini = teardown)
{
	sms(PER, "Hei Kari");
	missed_call(OLA);
	sms(OLA, BODY); /* forwarded to kari: her thread is now Ola */
	cr_assert_eq(db_int(ALL_OPEN), 3);
	sms(KARI, "Hei Ola, jeg ringer deg snart");
	db_text_eq("2|replied|kari",
	    "SELECT count(*) || '|' || min(outcome) || '|' || min(closed_by)"
	    " FROM followups WHERE caller = ? AND state = 1",
	    OLA);
	cr_assert_eq(db_int("SELECT count(*) FROM followups f JOIN contacts c"
	                    " ON c.kind = 1 AND c.caller = f.caller"
	                    " WHERE f.caller = ? AND f.closed_ms = c.reply_ms",
	                 OLA),
	    2, "closed at the reply's time, calls and SMS alike");
	cr_assert_eq(
	    db_int("SELECT state FROM followups WHERE caller = ?", PER), 0,
	    "another youth's stays open");
}

Test(followup, a_reply_to_an_unknown_number_closes_its_by_number,
    .init = office, .fini = teardown)
{
	missed_call(STRAY);
	sms(STRAY, "Kan noen ringe meg?"); /* to beredskap */
	missed_call(PER);
	sms(VT_BEREDSKAP, "Hei, hvem er dette?");
	db_text_eq("2|replied|beredskap",
	    "SELECT count(*) || '|' || min(outcome) || '|' || min(closed_by)"
	    " FROM followups WHERE caller = ? AND state = 1",
	    STRAY);
	cr_assert_eq(db_int(ALL_OPEN), 1, "Per's is still open");
}

Test(followup, a_confirmed_call_answered_from_the_youth_closes_them,
    .init = office, .fini = teardown)
{
	sms(OLA, BODY);
	missed_call(OLA);
	missed_call(PER);
	answered_call();
	db_text_eq("2|answered|kari",
	    "SELECT count(*) || '|' || min(outcome) || '|' || min(closed_by)"
	    " FROM followups WHERE caller = ? AND state = 1",
	    OLA);
	cr_assert_eq(db_int("SELECT count(*) FROM followups f, contacts c"
	                    " WHERE c.status = 1 AND c.kind = 0"
	                    " AND f.closed_ms = c.answered_ms"),
	    2, "closed at the answer's time");
	cr_assert_eq(db_int(ALL_OPEN), 1, "Per's is still open");
}

/* ------------------------------------------------------------------ */
/* The API. */

Test(followup, the_list_shows_the_queue_with_masked_numbers_and_no_body,
    .init = office, .fini = teardown)
{
	int64_t c_ola, c_stray;
	json_t *arr, *o, *y, *resp;
	char *raw;
	const char *at;

	missed_call(OLA);
	sms(STRAY, BODY);
	c_ola = db_int("SELECT id FROM contacts WHERE caller = ?", OLA);
	c_stray = db_int("SELECT id FROM contacts WHERE caller = ?", STRAY);
	arr = list("?state=open", &raw);
	cr_assert_eq(json_array_size(arr), 2, "%s", raw);
	cr_assert_null(strstr(raw, BODY), "never a message body: %s", raw);
	cr_assert_null(strstr(raw, STRAY), "never the full number: %s", raw);
	cr_assert_null(strstr(raw, OLA), "never the full number: %s", raw);

	o = by_contact(arr, c_ola);
	cr_assert_not_null(o, "%s", raw);
	cr_assert_eq(json_integer_value(json_object_get(o, "id")),
	    db_int("SELECT id FROM followups WHERE caller = ?", OLA));
	cr_assert_str_eq(jstr(o, "service"), "due");
	cr_assert_str_eq(jstr(o, "kind"), "call");
	cr_assert_str_eq(jstr(o, "state"), "open");
	at = jstr(o, "at");
	cr_assert_eq(strlen(at), 20, "%s", at);
	cr_assert_eq(at[10], 'T');
	cr_assert_eq(at[19], 'Z', "ISO-8601 UTC: %s", at);
	y = json_object_get(o, "youth");
	cr_assert_str_eq(jstr(y, "code"), "U-0142");
	cr_assert_str_eq(jstr(y, "name"), "Ola");
	resp = json_object_get(o, "responsible");
	cr_assert_str_eq(jstr(resp, "role"), "coordinator", "office hours");
	cr_assert_str_eq(jstr(resp, "id"), "kari");
	cr_assert_str_eq(jstr(resp, "name"), "Kari");
	cr_assert_null(json_object_get(o, "outcome"), "open: no outcome");
	cr_assert_null(json_object_get(o, "closed_at"));

	o = by_contact(arr, c_stray);
	cr_assert_not_null(o, "%s", raw);
	cr_assert_str_eq(jstr(o, "kind"), "sms");
	y = json_object_get(o, "youth");
	cr_assert_null(json_object_get(y, "code"), "%s", raw);
	cr_assert_eq(strncmp(jstr(y, "number"), "+47", 3), 0, "%s", raw);
	cr_assert_not_null(strchr(jstr(y, "number"), '*'), "masked: %s", raw);
	cr_assert_str_eq(
	    jstr(json_object_get(o, "responsible"), "role"), "beredskap");
	json_decref(arr);
	free(raw);

	arr = list("?state=done", NULL);
	cr_assert_eq(json_array_size(arr), 0);
	json_decref(arr);
	arr = list("?state=open&service=due", NULL);
	cr_assert_eq(json_array_size(arr), 2);
	json_decref(arr);
}

Test(followup, marked_done_it_leaves_the_open_list_for_the_done_list,
    .init = office, .fini = teardown)
{
	int64_t id;
	json_t *arr, *o;
	char *out;

	missed_call(OLA);
	id = db_int("SELECT id FROM followups");
	cr_assert_eq(mark(id, "{\"outcome\": \"called_back\"}", true, &out),
	    200, "%s", out);
	free(out);
	arr = list("?state=open", NULL);
	cr_assert_eq(json_array_size(arr), 0);
	json_decref(arr);
	arr = list("?state=done", NULL);
	cr_assert_eq(json_array_size(arr), 1);
	o = json_array_get(arr, 0);
	cr_assert_eq(json_integer_value(json_object_get(o, "id")), id);
	cr_assert_str_eq(jstr(o, "state"), "done");
	cr_assert_str_eq(jstr(o, "outcome"), "called_back");
	cr_assert_eq(jstr(o, "closed_at")[19], 'Z');
	cr_assert_str_eq(jstr(o, "closed_by"), "lea");
	json_decref(arr);
	db_text_eq("1|called_back|lea",
	    "SELECT state || '|' || outcome || '|' || closed_by FROM followups"
	    " WHERE caller = ?",
	    OLA);
}

Test(followup, marking_done_answers_200_400_404_409_and_401_without_token,
    .init = office, .fini = teardown)
{
	static const char *const bad[] = {"", "{}", "not json",
	    "{\"outcome\": \"replied\"}", "{\"outcome\": \"answered\"}",
	    "{\"outcome\": 1}", "[\"no_need\"]"};
	int64_t id;
	struct vt_resp r;
	char *out;

	missed_call(OLA);
	id = db_int("SELECT id FROM followups");
	cr_assert_eq(mark(id, "{\"outcome\": \"no_need\"}", false, NULL), 401);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(
		    mark(id, bad[i], true, NULL), 400, "body %s", bad[i]);
	cr_assert_eq(db_int(ALL_OPEN), 1, "nothing changed");
	cr_assert_eq(
	    mark(id + 100, "{\"outcome\": \"no_need\"}", true, NULL), 404);
	api(&r, "POST", "/api/v1/followups/x/done", "{\"outcome\":\"texted\"}",
	    true);
	cr_assert_eq(r.status, 404);
	vt_resp_free(&r);
	cr_assert_eq(
	    mark(id, "{\"outcome\": \"texted\"}", true, &out), 200, "%s", out);
	free(out);
	cr_assert_eq(
	    mark(id, "{\"outcome\": \"no_need\"}", true, &out), 409, "%s", out);
	free(out);
	db_text_eq(
	    "texted", "SELECT outcome FROM followups WHERE caller = ?", OLA);

	api(&r, "GET", "/api/v1/followups?state=open", NULL, false);
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
	api(&r, "GET", "/api/v1/followups?state=maybe", NULL, true);
	cr_assert_eq(r.status, 400);
	vt_resp_free(&r);
	api(&r, "GET", "/api/v1/followups?state=open&service=nope", NULL, true);
	cr_assert_eq(r.status, 400);
	vt_resp_free(&r);
}

Test(followup, every_listing_and_change_is_in_the_audit_trail, .init = office,
    .fini = teardown)
{
	int64_t id;
	char want[64];
	json_t *arr;

	missed_call(OLA);
	missed_call(PER);
	arr = list("?state=open", NULL);
	json_decref(arr);
	db_text_eq("lea|state=open|n=2 ids=1,2",
	    "SELECT actor || '|' || subject || '|' || detail FROM audit"
	    " WHERE action = ?",
	    "followup.list");
	id = db_int("SELECT id FROM followups WHERE caller = ?", OLA);
	cr_assert_eq(mark(id, "{\"outcome\": \"no_need\"}", true, NULL), 200);
	snprintf(want, sizeof(want), "lea|followup:%lld|outcome=no_need",
	    (long long)id);
	db_text_eq(want,
	    "SELECT actor || '|' || subject || '|' ||"
	    " substr(detail, 1, instr(detail, ' ') - 1) FROM audit"
	    " WHERE action = ?",
	    "followup.done");
}

/* ------------------------------------------------------------------ */
/* Reports. */

/* total.followup.<key> of today's `vaktctl report --format json`. */
static double
report_followup(const char *key)
{
	char today[16], *out;
	json_error_t jerr;
	json_t *j, *v;
	double d;

	oslo_date(0, today);
	out = ctl((const char *[]){"report", "--from", today, "--to", today,
	    "--format", "json", NULL});
	j = json_loads(out, 0, &jerr);
	cr_assert_not_null(j, "%s", out);
	v = json_object_get(
	    json_object_get(json_object_get(j, "total"), "followup"), key);
	cr_assert(json_is_number(v), "followup.%s in %s", key, out);
	d = json_number_value(v);
	json_decref(j);
	free(out);
	return d;
}

Test(followup, a_call_back_marked_done_counts_as_follow_up_in_reports,
    .init = office, .fini = teardown)
{
	missed_call(OLA);
	missed_call(PER);
	cr_assert_eq(report_followup("never"), 1.0, "not yet followed up");
	cr_assert_eq(
	    mark(db_int("SELECT id FROM followups WHERE caller = ?", OLA),
	        "{\"outcome\": \"called_back\"}", true, NULL),
	    200);
	cr_assert_eq(
	    mark(db_int("SELECT id FROM followups WHERE caller = ?", PER),
	        "{\"outcome\": \"no_need\"}", true, NULL),
	    200);
	cr_assert_eq(report_followup("within_15m"), 0.5,
	    "called back: followed up; no need: no contact");
	cr_assert_eq(report_followup("never"), 0.5);
	cr_assert_leq(report_followup("p50_s"), 60.0);
}
