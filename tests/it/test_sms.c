/*
 * test_sms.c: SMS through one number (issue 5), end to end.  A real
 * vaktd on a generated configuration gets signed Twilio messaging
 * webhooks; every SMS it sends lands at the in-process fake Messages
 * API, and the contact log is read from its database (read-only).
 *
 * Office hours and after-hours come from the configuration, never from
 * the wall clock: "office" opens every day 00:00-24:00 (today and
 * tomorrow are also special days with those hours, so that a public
 * holiday cannot close them); "evening" closes today and tomorrow.
 */
#define _GNU_SOURCE /* asprintf, memmem */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "vakt/calendar.h"
#include "vakt/contact.h"

#include "fake/fake_twilio.h"
#include "helpers.h"

#define KARI  "+4791111111" /* coordinator kari */
#define NILS  "+4792222222" /* coordinator nils */
#define OLA   "+4741111142" /* youth U-0142 Ola, kari's */
#define PER   "+4741111143" /* youth U-0143 Per, kari's */
#define ASE   "+4741111144" /* youth U-0144 Åse, kari's */
#define STRAY "+4791234567" /* nobody's number */
#define WAIT  8000          /* ms to wait for an SMS at the fake */

/*
 * The running test's vaktd, fake and folder.  Criterion forks each test,
 * so this is never shared between tests; it is file-scope only so that
 * .fini can stop vaktd and the fake after a failed assertion too.
 */
static struct sms_env {
	struct vt_fake *fake;
	char *dir;
	char *conf;
	char *db;
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
	/* Noon, so that a 23- or 25-hour day cannot skip a date. */
	tm.tm_mday += plus_days;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	cr_assert_not_null(localtime_r(&t, &tm));
	cr_assert_neq(strftime(out, 16, "%Y-%m-%d", &tm), 0);
}

static void
env_start(bool is_office)
{
	char today[16], tomorrow[16], *svc;
	const char *day = is_office ? "open = \"00:00\"; close = \"24:00\";"
	                            : "closed = true;";

	oslo_date(0, today);
	oslo_date(1, tomorrow);
	cr_assert(
	    asprintf(&svc,
	        "office_hours = { days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\","
	        "\"sat\",\"sun\"]; open = \"00:00\"; close = \"24:00\"; };\n"
	        "special_days = (\n"
	        " { date = \"%s\"; %s name = \"Test i dag\"; },\n"
	        " { date = \"%s\"; %s name = \"Test i morgen\"; } );\n",
	        today, day, tomorrow, day) > 0);
	env.fake = vt_fake_start();
	env.dir = vt_tmpdir();
	env.db = vt_path(env.dir, "vakt.db");
	env.conf = vt_config(
	    vt_fake_url(env.fake), svc, "outbox = { retry_first = 1; };");
	free(svc);
	env.is_running = true;
	cr_assert_eq(vt_daemon_start(&env.d, env.dir, env.conf), 0, "%s",
	    vt_daemon_log(&env.d));
}

static void
office(void)
{
	env_start(true);
}

static void
evening(void)
{
	env_start(false);
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
	memset(&env, 0, sizeof(env));
}

/* vaktctl -c CONF args…; must exit 0 unless want says otherwise. */
static void
ctl_expect(int want, const char *const *args)
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
	if (want == 0)
		cr_assert_eq(
		    r.status, 0, "vaktctl %s %s: %s", args[0], args[1], r.err);
	else
		cr_assert_neq(
		    r.status, 0, "vaktctl %s %s succeeded", args[0], args[1]);
	vt_run_free(&r);
	free(bin);
}

static void
ctl(const char *const *args)
{
	ctl_expect(0, args);
}

/* kari with U-0142 Ola and U-0143 Per; nils with nobody. */
static void
directory(void)
{
	ctl((const char *[]){"coordinator", "add", "kari", "--name", "Kari",
	    "--phone", KARI, NULL});
	ctl((const char *[]){"coordinator", "add", "nils", "--name", "Nils",
	    "--phone", NILS, NULL});
	ctl((const char *[]){"youth", "add", "U-0142", "--name", "Ola",
	    "--phone", OLA, "--coordinator", "kari", NULL});
	ctl((const char *[]){"youth", "add", "U-0143", "--name", "Per",
	    "--phone", PER, "--coordinator", "kari", NULL});
}

/* ------------------------------------------------------------------ */
/* Webhooks. */

/* A fresh MessageSid for an inbound message: "SM" + 32 hex digits. */
static void
new_sid(char out[40])
{
	snprintf(out, 40, "SM%08x%024x", 0x1bb0u, ++env.n_sid);
}

/* The answer is 200 with an empty TwiML <Response/> and nothing else. */
static void
assert_empty_twiml(const struct vt_resp *r)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	cr_assert_eq(r->status, 200, "status %ld: %s", r->status, r->body);
	cr_assert_not_null(
	    strcasestr(r->headers, "Content-Type: text/xml"), "%s", r->headers);
	doc = xmlReadMemory(r->body, (int)r->len, "reply.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	cr_assert_not_null(doc, "not XML: %s", r->body);
	root = xmlDocGetRootElement(doc);
	cr_assert_not_null(root, "%s", r->body);
	cr_assert_str_eq((const char *)root->name, "Response", "%s", r->body);
	cr_assert_null(root->children, "not empty: %s", r->body);
	xmlFreeDoc(doc);
}

/* POST /twilio/sms as Twilio would; returns the raw answer. */
static void
sms_post(struct vt_resp *r, const char *sid, const char *from, const char *body)
{
	const char *p[] = {"ToCountry", "NO", "SmsMessageSid", sid, "NumMedia",
	    "0", "SmsSid", sid, "SmsStatus", "received", "Body", body, "To",
	    VT_SERVICE, "NumSegments", "1", "MessageSid", sid, "AccountSid",
	    VT_SID, "From", from, "ApiVersion", "2010-04-01", NULL};

	vt_twilio_post(r, &env.d, "/twilio/sms", p);
}

/* A message from `from`, answered with empty TwiML; its sid in sid. */
static void
sms_in(const char *from, const char *body, char sid[40])
{
	struct vt_resp r;

	new_sid(sid);
	sms_post(&r, sid, from, body);
	assert_empty_twiml(&r);
	vt_resp_free(&r);
}

static void
sms(const char *from, const char *body)
{
	char sid[40];

	sms_in(from, body, sid);
}

/* POST /twilio/sms/status for one of vaktd's messages: 204. */
static void
sms_status(
    const char *sid, const char *to, const char *status, const char *error_code)
{
	const char *p[] = {"MessageSid", sid, "SmsSid", sid, "MessageStatus",
	    status, "SmsStatus", status, "AccountSid", VT_SID, "From",
	    VT_SERVICE, "To", to, "ApiVersion", "2010-04-01",
	    error_code != NULL ? "ErrorCode" : NULL, error_code, NULL};
	struct vt_resp r;

	vt_twilio_post(&r, &env.d, "/twilio/sms/status", p);
	cr_assert_eq(
	    r.status, 204, "%s %s: %ld %s", sid, status, r.status, r.body);
	vt_resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* The database, read-only. */

static sqlite3 *
db_open(void)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL);

	cr_assert_eq(rc, SQLITE_OK, "open %s: %s", env.db,
	    db != NULL ? sqlite3_errmsg(db) : "?");
	sqlite3_busy_timeout(db, 2000);
	return db;
}

/*
 * The first column of the first row of sql, its ? parameters bound in
 * order from the arguments as types says ('i' an int64_t, 't' a
 * string), as an integer (-1 for NULL or no row) or, with text set, as
 * a copy the caller frees (NULL for NULL).
 */
static int64_t
db_vquery(char **text, const char *sql, const char *types, va_list ap)
{
	sqlite3 *db = db_open();
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	for (int i = 0; types[i] != '\0'; i++) {
		if (types[i] == 'i')
			rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		else
			rc = sqlite3_bind_text(s, i + 1,
			    va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		cr_assert_eq(rc, SQLITE_OK, "%s: bind %d", sql, i + 1);
	}
	rc = sqlite3_step(s);
	cr_assert(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql,
	    sqlite3_errmsg(db));
	if (text != NULL)
		*text = NULL;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(s, 0);
		if (text != NULL)
			*text = strdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int64_t
db_int(const char *sql, const char *types, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, types);
	v = db_vquery(NULL, sql, types, ap);
	va_end(ap);
	return v;
}

/* Caller frees; "" stands for NULL or no row. */
static char *
db_text(const char *sql, const char *types, ...)
{
	va_list ap;
	char *t;

	va_start(ap, types);
	(void)db_vquery(&t, sql, types, ap);
	va_end(ap);
	return t != NULL ? t : strdup("");
}

/* Poll until the query's integer is want; false after ms. */
static bool
db_wait(int64_t want, int ms, const char *sql, const char *types, ...)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		va_list ap;
		int64_t v;

		va_start(ap, types);
		v = db_vquery(NULL, sql, types, ap);
		va_end(ap);
		if (v == want)
			return true;
		vt_msleep(20);
	}
	return false;
}

/* Every row of the outbox was sent (state 1): n rows, none pending. */
static void
wait_all_sent(int64_t n)
{
	cr_assert(
	    db_wait(n, WAIT, "SELECT count(*) FROM outbox WHERE state = ?", "i",
	        (int64_t)(VAKT_OUTBOX_SENT)),
	    "outbox rows sent: %lld, want %lld; pending %lld",
	    (long long)db_int(
	        "SELECT count(*) FROM outbox WHERE state = 1", ""),
	    (long long)n,
	    (long long)db_int(
	        "SELECT count(*) FROM outbox WHERE state = 0", ""));
	cr_assert_eq(db_int("SELECT count(*) FROM outbox", ""), n);
}

/* ------------------------------------------------------------------ */
/* The fake Messages API. */

/*
 * Wait for the next message accepted (201) for `to` whose body contains
 * needle (NULL: any), at index >= from; returns its index, or -1.
 */
static int
fake_find(const char *to, const char *needle, size_t from, int ms)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		size_t n = vt_fake_count(env.fake);

		for (size_t i = from; i < n; i++) {
			struct vt_fake_msg m = vt_fake_get(env.fake, i);
			bool hit = m.status == 201 && strcmp(m.to, to) == 0 &&
			    (needle == NULL || strstr(m.body, needle) != NULL);

			vt_fake_msg_free(&m);
			if (hit)
				return (int)i;
		}
		vt_msleep(20);
	}
	return -1;
}

/* The body of message i; caller frees.  Checks the service sent it. */
static char *
fake_body(int i)
{
	struct vt_fake_msg m;
	char *b;

	cr_assert_geq(i, 0, "no such message");
	m = vt_fake_get(env.fake, (size_t)i);
	cr_assert_str_eq(m.from, VT_SERVICE, "sent from %s", m.from);
	cr_assert(m.is_auth_ok);
	b = strdup(m.body);
	vt_fake_msg_free(&m);
	return b;
}

/* How many messages for `to` were accepted (201) so far. */
static size_t
fake_count_to(const char *to)
{
	size_t n = vt_fake_count(env.fake), hits = 0;

	for (size_t i = 0; i < n; i++) {
		struct vt_fake_msg m = vt_fake_get(env.fake, i);

		hits += m.status == 201 && strcmp(m.to, to) == 0;
		vt_fake_msg_free(&m);
	}
	return hits;
}

/* Wait for a message to `to` containing needle and return its body. */
static char *
expect_sms(const char *to, const char *needle)
{
	int i = fake_find(to, needle, 0, WAIT);

	cr_assert_geq(i, 0, "no SMS to %s with \"%s\" (%zu at the fake)", to,
	    needle != NULL ? needle : "", vt_fake_count(env.fake));
	return fake_body(i);
}

/* ------------------------------------------------------------------ */
/* Text. */

/* Characters (code points) of a UTF-8 string. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* UTF-16 code units, the unit of Twilio's 1600 limit. */
static size_t
utf16_units(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* Whole UTF-8 characters only (no cut sequence at either end). */
static bool
utf8_whole(const char *s)
{
	size_t len = strlen(s);

	if (len == 0)
		return true;
	if (((unsigned char)s[0] & 0xc0) == 0x80)
		return false;
	for (size_t i = len; i-- > 0;) {
		unsigned char c = (unsigned char)s[i];
		size_t want;

		if ((c & 0xc0) == 0x80)
			continue;
		want = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		return len - i == want;
	}
	return false;
}

/* n characters of Norwegian prose with æøå; caller frees. */
static char *
prose(size_t n)
{
	static const char *const words[] = {"Hei", "på", "deg,", "jeg", "har",
	    "det", "vanskelig", "i", "dag", "og", "trenger", "å", "snakke",
	    "med", "noen", "før", "kvelden.", "Kan", "du", "ringe", "meg",
	    "tilbake?", "Blåbær", "søndag", "ÆØÅ."};
	size_t cap = n * 4 + 16, len = 0, have = 0, w = 0;
	char *s = malloc(cap);

	cr_assert_not_null(s);
	while (have < n) {
		const char *p = words[w++ % (sizeof(words) / sizeof(words[0]))];

		if (have > 0) {
			s[len++] = ' ';
			have++;
		}
		for (; *p != '\0' && have < n; p++) {
			s[len++] = *p;
			have += ((unsigned char)*p & 0xc0) != 0x80;
			/* finish a character's continuation bytes */
			while ((((unsigned char)p[1]) & 0xc0) == 0x80)
				s[len++] = *++p;
		}
	}
	s[len] = '\0';
	cr_assert_eq(chars(s), n);
	return s;
}

/* Every table and text column of the database: any holds needle? */
static bool
db_holds(const char *needle)
{
	sqlite3 *db = db_open();
	sqlite3_stmt *t = NULL, *q = NULL;
	bool found = false;

	cr_assert_eq(sqlite3_prepare_v2(db,
	                 "SELECT t.name, c.name FROM sqlite_master t,"
	                 " pragma_table_info(t.name) c WHERE t.type = 'table'",
	                 -1, &t, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (!found && sqlite3_step(t) == SQLITE_ROW) {
		char *sql;

		cr_assert(
		    asprintf(&sql,
		        "SELECT count(*) FROM \"%s\" WHERE instr(CAST(\"%s\" AS"
		        " BLOB), CAST(?1 AS BLOB)) > 0",
		        sqlite3_column_text(t, 0),
		        sqlite3_column_text(t, 1)) > 0);
		cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL),
		    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
		sqlite3_bind_text(q, 1, needle, -1, SQLITE_STATIC);
		cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
		found = sqlite3_column_int64(q, 0) > 0;
		sqlite3_finalize(q);
		free(sql);
	}
	sqlite3_finalize(t);
	sqlite3_close(db);
	return found;
}

/* Does any of the database's files (WAL and shm included) hold needle? */
static const char *
file_holding(const char *needle)
{
	static const char *const names[] = {
	    "vakt.db", "vakt.db-wal", "vakt.db-shm", "vakt.db-journal"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = vt_path(env.dir, names[i]);
		size_t len = 0;
		char *data = vt_slurp(path, &len);
		bool hit = data != NULL &&
		    memmem(data, len, needle, strlen(needle)) != NULL;

		free(data);
		free(path);
		if (hit)
			return names[i];
	}
	return NULL;
}

/* A call from `from` that rang out at the coordinator: a missed call. */
static void
missed_call(const char *from)
{
	const char *ring[] = {"CallSid", "CA0000000000000000000000000000c0a1",
	    "AccountSid", VT_SID, "From", from, "To", VT_SERVICE, "CallStatus",
	    "ringing", "Direction", "inbound", NULL};
	const char *gone[] = {"CallSid", "CA0000000000000000000000000000c0a1",
	    "AccountSid", VT_SID, "From", from, "To", VT_SERVICE, "CallStatus",
	    "completed", "CallDuration", "12", NULL};
	struct vt_resp r;

	vt_twilio_post(&r, &env.d, "/twilio/voice", ring);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	vt_twilio_post(&r, &env.d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int("SELECT status FROM contacts WHERE kind = ?", "i",
	                 (int64_t)(VAKT_KIND_CALL)),
	    VAKT_STATUS_MISSED);
}

/* ------------------------------------------------------------------ */
/* Youth -> staff. */

Test(sms, an_office_hours_message_from_a_youth_goes_to_the_coordinator,
    .init = office, .fini = teardown)
{
	const char *text = "Hei, kan du ringe meg? Hilsen Ola æøå";
	char sid[40], *body, *row, *want;

	directory();
	sms_in(OLA, text, sid);
	body = expect_sms(KARI, NULL);
	cr_assert_str_eq(body,
	    "[U-0142 Ola] Hei, kan du ringe meg? Hilsen Ola "
	    "æøå");
	free(body);
	wait_all_sent(1);
	cr_assert_eq(fake_count_to(VT_BEREDSKAP), 0, "beredskap is not asked");

	/* The contact log: who, when, to whom, how long; never the text. */
	cr_assert_eq(db_int("SELECT count(*) FROM contacts", ""), 1);
	row =
	    db_text("SELECT kind || '|' || provider_id || '|' || caller || '|'"
	            " || youth || '|' || coordinator || '|' || status || '|'"
	            " || category || '|' || (received_ms > 0) FROM contacts",
	        "");
	cr_assert(asprintf(&want, "%d|%s|%s|U-0142|kari|%d|%d|1", VAKT_KIND_SMS,
	              sid, OLA, VAKT_STATUS_OPEN, VAKT_CAT_OFFICE) > 0);
	cr_assert_str_eq(row, want);
	free(row);
	free(want);
	cr_assert_eq(db_int("SELECT count(*) FROM messages", ""), 1);
	row = db_text("SELECT direction || '|' || provider_id || '|' ||"
	              " from_number || '|' || to_number || '|' || youth || '|'"
	              " || body_len || '|' || (contact = (SELECT id FROM"
	              " contacts)) FROM messages",
	    "");
	cr_assert(asprintf(&want, "%d|%s|%s|%s|U-0142|%zu|1", 0, sid, OLA,
	              VT_SERVICE, chars(text)) > 0);
	cr_assert_str_eq(row, want);
	free(row);
	free(want);
	row = db_text("SELECT purpose || '|' || to_number || '|' || from_number"
	              " || '|' || (contact = (SELECT id FROM contacts)) FROM"
	              " outbox",
	    "");
	cr_assert(asprintf(&want, "%d|%s|%s|1", VAKT_PURPOSE_FORWARD, KARI,
	              VT_SERVICE) > 0);
	cr_assert_str_eq(row, want);
	free(row);
	free(want);
	cr_assert_not(db_holds("kan du ringe meg"),
	    "the text is in a table after delivery");
}

Test(sms, an_after_hours_message_from_a_youth_goes_to_beredskap,
    .init = evening, .fini = teardown)
{
	char *body;

	directory();
	sms(OLA, "Er det noen der?");
	body = expect_sms(VT_BEREDSKAP, NULL);
	cr_assert_str_eq(body, "[U-0142 Ola] Er det noen der?");
	free(body);
	wait_all_sent(1);
	cr_assert_eq(fake_count_to(KARI), 0, "the coordinator is off duty");
	cr_assert_neq(
	    db_int("SELECT category FROM contacts", ""), VAKT_CAT_OFFICE);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE youth ="
	                    " 'U-0142' AND kind = ?",
	                 "i", (int64_t)(VAKT_KIND_SMS)),
	    1);
}

Test(sms, a_message_from_an_unknown_number_goes_to_beredskap_with_the_number,
    .init = office, .fini = teardown)
{
	char *body, *log;

	directory();
	sms(STRAY, "Hei, det er Ola, har lånt telefon");
	body = expect_sms(VT_BEREDSKAP, NULL);
	/* Staff need the full number to call back. */
	cr_assert_str_eq(body,
	    "[ukjent +4791234567] Hei, det er Ola, har lånt "
	    "telefon");
	free(body);
	wait_all_sent(1);
	cr_assert_eq(fake_count_to(KARI), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE youth IS NULL"
	                    " AND caller = ? AND kind = ?",
	                 "ti", STRAY, (int64_t)(VAKT_KIND_SMS)),
	    1);
	/* ... and logs still mask it. */
	log = vt_daemon_log(&env.d);
	cr_assert_null(strstr(log, STRAY), "%s", log);
	free(log);
}

/* ------------------------------------------------------------------ */
/* Staff -> youth. */

Test(sms, a_coordinator_reply_goes_to_the_youth_of_the_current_thread,
    .init = office, .fini = teardown)
{
	const char *reply = "Hei Ola, jeg ringer deg om fem minutter";
	char *body, *row;
	int64_t sms_id;

	directory();
	missed_call(OLA);
	sms(OLA, "Ringte deg nettopp");
	free(expect_sms(KARI, "[U-0142 Ola] Ringte deg nettopp"));
	sms(KARI, reply);
	body = expect_sms(OLA, NULL);
	/* The youth sees the service number and the words, nothing else. */
	cr_assert_str_eq(body, reply);
	free(body);
	wait_all_sent(db_int("SELECT count(*) FROM outbox", ""));
	cr_assert_eq(fake_count_to(OLA), 1);

	sms_id = db_int("SELECT id FROM contacts WHERE kind = ?", "i",
	    (int64_t)(VAKT_KIND_SMS));
	row = db_text("SELECT status || '|' || replied_by || '|' ||"
	              " (reply_ms >= received_ms) FROM contacts WHERE id = ?",
	    "i", (int64_t)((long long)sms_id));
	cr_assert_str_eq(
	    row, "1|kari|1", "status|replied_by|in order: %s", row);
	free(row);
	/* The reply is the follow-up of the missed call. */
	cr_assert_eq(db_int("SELECT followup_ms FROM contacts WHERE kind = ?",
	                 "i", (int64_t)(VAKT_KIND_CALL)),
	    db_int("SELECT reply_ms FROM contacts WHERE id = ?", "i",
	        (int64_t)((long long)sms_id)));
	cr_assert_eq(db_int("SELECT count(*) FROM messages WHERE direction = 1"
	                    " AND from_number = ? AND youth = 'U-0142' AND"
	                    " body_len = ?",
	                 "ti", KARI, (int64_t)(chars(reply))),
	    1);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = ?"
	                    " AND to_number = ?",
	                 "it", (int64_t)(VAKT_PURPOSE_RELAY), OLA),
	    1);
}

Test(sms, beredskap_replies_after_hours_reach_the_youth_it_was_sent,
    .init = evening, .fini = teardown)
{
	char *body;

	directory();
	sms(PER, "Klarer ikke sove");
	free(expect_sms(VT_BEREDSKAP, "[U-0143 Per] Klarer ikke sove"));
	sms(VT_BEREDSKAP, "Hei Per, vil du at jeg ringer?");
	body = expect_sms(PER, NULL);
	cr_assert_str_eq(body, "Hei Per, vil du at jeg ringer?");
	free(body);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(OLA), 0);
	cr_assert_eq(
	    db_int("SELECT count(*) FROM contacts WHERE status = 1"
	           " AND replied_by = 'beredskap' AND youth = 'U-0143'",
	        ""),
	    1);
}

Test(sms, a_reply_to_an_unknown_senders_thread_reaches_that_number,
    .init = office, .fini = teardown)
{
	char *body;

	directory();
	sms(STRAY, "Hei, kan noen ringe meg?");
	free(expect_sms(VT_BEREDSKAP, "[ukjent +4791234567]"));
	sms(VT_BEREDSKAP, "Hei! Hvem snakker jeg med?");
	body = expect_sms(STRAY, NULL);
	cr_assert_str_eq(body, "Hei! Hvem snakker jeg med?");
	free(body);
	wait_all_sent(2);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE status = 1"
	                    " AND replied_by = 'beredskap' AND caller = ?",
	                 "t", STRAY),
	    1);
}

Test(sms, a_hash_code_picks_the_youth_and_makes_it_the_thread, .init = office,
    .fini = teardown)
{
	char *body;
	size_t before;
	int i;

	directory();
	sms(OLA, "Hei fra Ola");
	free(expect_sms(KARI, "[U-0142 Ola] Hei fra Ola"));

	/* The code is case-insensitive and is not relayed. */
	sms(KARI, "#u-0143 hei Per, alt bra?");
	body = expect_sms(PER, NULL);
	cr_assert_str_eq(body, "hei Per, alt bra?");
	free(body);
	/* U-0143 is now the thread: a plain reply follows it. */
	sms(KARI, "Si fra om du trenger noe");
	i = fake_find(PER, "Si fra", 0, WAIT);
	body = fake_body(i);
	cr_assert_str_eq(body, "Si fra om du trenger noe");
	free(body);
	wait_all_sent(3);
	cr_assert_eq(fake_count_to(OLA), 0, "nothing went to Ola");
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE youth ="
	                    " 'U-0142' AND status = ?",
	                 "i", (int64_t)(VAKT_STATUS_OPEN)),
	    1, "Ola's message is still waiting for its reply");

	/* "#CODE" alone switches the thread and says so to the staff. */
	before = vt_fake_count(env.fake);
	sms(KARI, "#U-0142");
	i = fake_find(KARI, NULL, before, WAIT);
	body = fake_body(i);
	cr_assert_not_null(strstr(body, "U-0142"), "%s", body);
	cr_assert_not_null(strstr(body, "Ola"), "%s", body);
	free(body);
	sms(KARI, "Ola, ring meg når du kan");
	body = expect_sms(OLA, NULL);
	cr_assert_str_eq(body, "Ola, ring meg når du kan");
	free(body);
	wait_all_sent(5);
	cr_assert_eq(fake_count_to(OLA), 1, "the switch itself relays nothing");
	cr_assert_eq(fake_count_to(PER), 2);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE youth ="
	                    " 'U-0142' AND status = ? AND replied_by = 'kari'",
	                 "i", (int64_t)(VAKT_STATUS_ANSWERED)),
	    1);
}

Test(sms, a_reply_goes_to_the_youth_of_the_most_recent_forward, .init = office,
    .fini = teardown)
{
	char *body;

	directory();
	sms(OLA, "Hei fra Ola");
	free(expect_sms(KARI, "[U-0142 Ola]"));
	sms(PER, "Hei fra Per");
	free(expect_sms(KARI, "[U-0143 Per]"));
	sms(KARI, "Hei Per");
	body = expect_sms(PER, NULL);
	cr_assert_str_eq(body, "Hei Per");
	free(body);
	wait_all_sent(3);
	cr_assert_eq(fake_count_to(OLA), 0);
	cr_assert_eq(db_int("SELECT status FROM contacts WHERE youth ="
	                    " 'U-0142'",
	                 ""),
	    VAKT_STATUS_OPEN, "Ola still waits for a reply");
}

Test(sms, an_absent_coordinators_youth_reaches_the_substitute_who_can_reply,
    .init = office, .fini = teardown)
{
	char today[16], tomorrow[16], *body;

	directory();
	oslo_date(0, today);
	oslo_date(1, tomorrow);
	ctl((const char *[]){"absence", "add", "kari", "--from", today, "--to",
	    tomorrow, "--substitute", "nils", NULL});
	sms(OLA, "Hei, er Kari der?");
	body = expect_sms(NILS, NULL);
	cr_assert_str_eq(body, "[U-0142 Ola] Hei, er Kari der?");
	free(body);
	sms(NILS, "Kari er syk i dag, jeg er Nils. Hva gjelder det?");
	body = expect_sms(OLA, NULL);
	cr_assert_str_eq(body,
	    "Kari er syk i dag, jeg er Nils. Hva gjelder "
	    "det?");
	free(body);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(KARI), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE status = 1"
	                    " AND replied_by = 'nils'",
	                 ""),
	    1);
}

Test(sms, a_colon_or_comma_after_the_code_is_not_relayed, .init = office,
    .fini = teardown)
{
	char *body;

	directory();
	sms(KARI, "#U-0143: Hei Per");
	body = expect_sms(PER, NULL);
	cr_assert_str_eq(body, "Hei Per");
	free(body);
	sms(KARI, "#u-0142, Hei Ola");
	body = expect_sms(OLA, NULL);
	cr_assert_str_eq(body, "Hei Ola");
	free(body);
}

Test(sms, a_staff_reply_without_text_is_not_relayed_and_the_staff_is_told,
    .init = office, .fini = teardown)
{
	const char *p[] = {"MessageSid", "MM00000000000000000000000000000002",
	    "AccountSid", VT_SID, "From", KARI, "To", VT_SERVICE, "Body", "",
	    "NumMedia", "1", "NumSegments", "1", "MediaUrl0",
	    "https://api.twilio.com/x/Media/ME1", "MediaContentType0",
	    "image/jpeg", NULL};
	struct vt_resp r;
	size_t before;
	char *body;

	directory();
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	before = vt_fake_count(env.fake);
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	assert_empty_twiml(&r);
	vt_resp_free(&r);
	body = fake_body(fake_find(KARI, NULL, before, WAIT));
	cr_assert_not_null(strstr(body, "ikke sendt"), "%s", body);
	free(body);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(OLA), 0, "an empty SMS went to the youth");
	cr_assert_eq(db_int("SELECT status FROM contacts WHERE youth ="
	                    " 'U-0142'",
	                 ""),
	    VAKT_STATUS_OPEN, "nothing reached Ola, so nothing answered her");
}

/* After an unplaceable reply: the notice to staff, and nothing else. */
static void
expect_unplaced(const char *staff, size_t before, const char *why)
{
	int i = fake_find(staff, NULL, before, WAIT);
	char *body = fake_body(i);

	cr_assert_not_null(strstr(body, why), "%s", body);
	cr_assert_not_null(strstr(body, "#KODE"), "no how-to: %s", body);
	free(body);
	wait_all_sent(db_int("SELECT count(*) FROM outbox", ""));
	cr_assert_eq(fake_count_to(OLA) + fake_count_to(PER), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = ?",
	                 "i", (int64_t)(VAKT_PURPOSE_RELAY)),
	    0);
	cr_assert_eq(db_int("SELECT count(*) FROM messages WHERE direction = 2"
	                    " AND from_number = ?",
	                 "t", staff),
	    1);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts WHERE status <> ?",
	                 "i", (int64_t)(VAKT_STATUS_OPEN)),
	    0, "an unplaced reply answers nothing");
}

Test(sms, a_reply_without_a_thread_is_not_sent_and_the_staff_is_told_why,
    .init = office, .fini = teardown)
{
	size_t before;

	directory();
	/* kari has a thread with Ola; nils has none. */
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	before = vt_fake_count(env.fake);
	sms(NILS, "Hei, hvordan går det?");
	expect_unplaced(NILS, before, "ingen samtale");
}

Test(sms, a_reply_with_an_unknown_code_is_not_sent_and_the_staff_is_told_why,
    .init = office, .fini = teardown)
{
	size_t before;

	directory();
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	before = vt_fake_count(env.fake);
	sms(KARI, "#U-9999 hei");
	expect_unplaced(KARI, before, "U-9999");
	cr_assert_eq(db_int("SELECT count(*) FROM threads WHERE staff = ?"
	                    " AND youth = 'U-0142'",
	                 "t", KARI),
	    1, "the thread is unchanged");
}

Test(sms, a_reply_to_a_removed_youth_is_not_sent_and_the_staff_is_told_why,
    .init = office, .fini = teardown)
{
	size_t before;

	directory();
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	ctl((const char *[]){"youth", "remove", "U-0142", NULL});
	before = vt_fake_count(env.fake);
	sms(KARI, "Hei Ola");
	expect_unplaced(KARI, before, "U-0142");
}

Test(sms, a_staff_phone_cannot_be_registered_as_a_youth, .init = office,
    .fini = teardown)
{
	directory();
	ctl_expect(1,
	    (const char *[]){"youth", "add", "U-0150", "--name", "Eva",
	        "--phone", KARI, "--coordinator", "kari", NULL});
	ctl_expect(1,
	    (const char *[]){"coordinator", "add", "lise", "--name", "Lise",
	        "--phone", OLA, NULL});
	cr_assert_eq(db_int("SELECT count(*) FROM youths", ""), 2);
	cr_assert_eq(db_int("SELECT count(*) FROM coordinators", ""), 2);
}

/* ------------------------------------------------------------------ */
/* Duplicates, text. */

Test(sms, the_same_message_sid_twice_is_handled_once, .init = office,
    .fini = teardown)
{
	char a[40], b[40];
	struct vt_resp r;

	directory();
	new_sid(a);
	for (int i = 0; i < 2; i++) {
		sms_post(&r, a, OLA, "Dobbel melding");
		assert_empty_twiml(&r);
		vt_resp_free(&r);
	}
	free(expect_sms(KARI, "Dobbel melding"));
	new_sid(b);
	for (int i = 0; i < 2; i++) {
		sms_post(&r, b, KARI, "Svar en gang");
		assert_empty_twiml(&r);
		vt_resp_free(&r);
	}
	free(expect_sms(OLA, "Svar en gang"));
	wait_all_sent(2);
	cr_assert_eq(vt_fake_count(env.fake), 2);
	cr_assert_eq(db_int("SELECT count(*) FROM contacts", ""), 1);
	cr_assert_eq(db_int("SELECT count(*) FROM messages WHERE provider_id ="
	                    " ?",
	                 "t", a),
	    1);
	cr_assert_eq(db_int("SELECT count(*) FROM messages WHERE provider_id ="
	                    " ?",
	                 "t", b),
	    1);
	cr_assert_eq(db_int("SELECT count(*) FROM messages", ""), 2);
}

Test(sms, norwegian_letters_and_emoji_arrive_exactly_both_ways, .init = office,
    .fini = teardown)
{
	const char *in = "Hei på deg 😀 æøå ÆØÅ";
	const char *out = "Takk for sist 👍 blåbær ÆØÅ ✓";
	char *body;

	directory();
	ctl((const char *[]){"youth", "add", "U-0144", "--name", "Åse",
	    "--phone", ASE, "--coordinator", "kari", NULL});
	sms(ASE, in);
	body = expect_sms(KARI, NULL);
	cr_assert_str_eq(body, "[U-0144 Åse] Hei på deg 😀 æøå ÆØÅ");
	free(body);
	sms(KARI, out);
	body = expect_sms(ASE, NULL);
	cr_assert_str_eq(body, out);
	free(body);
	cr_assert_eq(
	    db_int("SELECT body_len FROM messages WHERE direction = 0", ""),
	    (int64_t)chars(in), "lengths count characters");
	cr_assert_eq(
	    db_int("SELECT body_len FROM messages WHERE direction = 1", ""),
	    (int64_t)chars(out));
}

Test(sms, a_1500_character_message_is_forwarded_whole_in_one_sms,
    .init = office, .fini = teardown)
{
	char *text = prose(1500), *body, *want;

	directory();
	sms(OLA, text);
	body = expect_sms(KARI, NULL);
	cr_assert(asprintf(&want, "[U-0142 Ola] %s", text) > 0);
	cr_assert_str_eq(body, want, "forwarded %zu characters of %zu",
	    chars(body), chars(want));
	wait_all_sent(1);
	cr_assert_eq(vt_fake_count(env.fake), 1);
	cr_assert_eq(db_int("SELECT body_len FROM messages", ""), 1500);
	free(body);
	free(want);
	free(text);
}

Test(sms, a_message_the_tag_pushes_over_1600_arrives_in_numbered_parts,
    .init = office, .fini = teardown)
{
	char *text = prose(1595), *part[2] = {NULL, NULL}, *joined;
	size_t len = 0;

	directory();
	sms(OLA, text);
	cr_assert(fake_find(KARI, NULL, 0, WAIT) >= 0);
	wait_all_sent(2);
	cr_assert_eq(vt_fake_count(env.fake), 2);
	/* Parts are sent side by side: order them by their numbers. */
	for (int i = 0; i < 2; i++) {
		char *b = fake_body(i);
		const char *tag1 = "[U-0142 Ola 1/2] ",
		           *tag2 = "[U-0142 Ola 2/2] ";
		int k = strncmp(b, tag1, strlen(tag1)) == 0 ? 0
		    : strncmp(b, tag2, strlen(tag2)) == 0   ? 1
		                                            : -1;

		cr_assert_neq(k, -1, "untagged part: %.40s", b);
		cr_assert_null(part[k], "part %d twice", k + 1);
		cr_assert_leq(utf16_units(b), 1600, "part %d: %zu units", k + 1,
		    utf16_units(b));
		part[k] = strdup(b + strlen(tag1));
		cr_assert(
		    utf8_whole(part[k]), "part %d cuts a character", k + 1);
		len += strlen(part[k]);
		free(b);
	}
	joined = malloc(len + 1);
	cr_assert_not_null(joined);
	snprintf(joined, len + 1, "%s%s", part[0], part[1]);
	cr_assert_str_eq(joined, text, "the parts do not make the message");
	cr_assert_eq(db_int("SELECT body_len FROM messages", ""), 1595);
	free(joined);
	free(part[0]);
	free(part[1]);
	free(text);
}

Test(sms, a_media_message_forwards_a_note_and_never_the_media_link,
    .init = office, .fini = teardown)
{
	const char *url = "https://api.twilio.com/2010-04-01/Accounts/" VT_SID
	                  "/Messages/MM0/Media/ME0";
	const char *p[] = {"MessageSid", "MM00000000000000000000000000000001",
	    "AccountSid", VT_SID, "From", OLA, "To", VT_SERVICE, "Body",
	    "Se her", "NumMedia", "1", "NumSegments", "1", "MediaUrl0", url,
	    "MediaContentType0", "image/jpeg", NULL};
	struct vt_resp r;
	char *body;

	directory();
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	assert_empty_twiml(&r);
	vt_resp_free(&r);
	body = expect_sms(KARI, NULL);
	cr_assert_eq(strncmp(body, "[U-0142 Ola] Se her", 19), 0, "%s", body);
	cr_assert_not_null(strstr(body, "vedlegg"), "%s", body);
	cr_assert_null(strstr(body, "http"), "%s", body);
	free(body);
}

/* ------------------------------------------------------------------ */
/* Delivery and privacy. */

Test(sms, bodies_are_wiped_from_every_database_file_after_delivery,
    .init = office, .fini = teardown)
{
	const char *youth_mark = "ZQXJ-OLA-4417",
	           *staff_mark = "ZQXJ-KARI-8812";
	const char *where = NULL;
	char *log;

	const struct vt_fake_answer fail_once[] = {{.status = 500}};
	char *more = prose(600), *text;

	directory();
	/*
	 * The forward fails once and waits for its retry while the relay
	 * goes out: the relay's wipe then checkpoints the page that still
	 * holds the pending forward into vakt.db itself, so the forward's
	 * later wipe must scrub the main file too, not just drop the WAL.
	 */
	vt_fake_script(env.fake, fail_once, 1);
	/* Long, so that the wiped row is much shorter than the old one. */
	cr_assert(asprintf(&text,
	              "Hemmelig ZQXJ-OLA-4417, ikke si det til "
	              "noen. %s",
	              more) > 0);
	sms(OLA, text);
	cr_assert(vt_fake_wait(env.fake, 1, WAIT));
	sms(KARI, "Forstått ZQXJ-KARI-8812, vi snakkes");
	free(expect_sms(OLA, staff_mark));
	free(expect_sms(KARI, youth_mark));
	wait_all_sent(2);
	/* vaktd truncates the WAL shortly after the wipe. */
	for (int waited = 0; waited <= 5000; waited += 50) {
		where = file_holding(youth_mark);
		if (where == NULL)
			where = file_holding(staff_mark);
		if (where == NULL)
			break;
		vt_msleep(50);
	}
	cr_assert_null(where, "a body is still in %s", where);
	cr_assert_not(db_holds(youth_mark));
	cr_assert_not(db_holds(staff_mark));
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE body IS NOT"
	                    " NULL",
	                 ""),
	    0);
	log = vt_daemon_log(&env.d);
	cr_assert_null(strstr(log, youth_mark), "body in the log");
	cr_assert_null(strstr(log, staff_mark), "body in the log");
	cr_assert_null(strstr(log, OLA), "the youth's number in the log");
	cr_assert_null(strstr(log, KARI), "the staff number in the log");
	free(log);
	free(text);
	free(more);
}

/* The sid the fake gave the first message to `to`, once recorded. */
static void
sent_sid(const char *to, char sid[40])
{
	int i = fake_find(to, NULL, 0, WAIT);
	struct vt_fake_msg m;

	cr_assert_geq(i, 0, "nothing sent to %s", to);
	m = vt_fake_get(env.fake, (size_t)i);
	snprintf(sid, 40, "%s", m.sid);
	vt_fake_msg_free(&m);
	cr_assert(db_wait(1, WAIT, "SELECT count(*) FROM outbox WHERE sid = ?",
	              "t", sid),
	    "sid %s never recorded", sid);
}

static char *
delivery_of(const char *sid)
{
	return db_text("SELECT delivery FROM outbox WHERE sid = ?", "t", sid);
}

Test(sms, an_undelivered_forward_alerts_beredskap_without_the_text,
    .init = office, .fini = teardown)
{
	char sid[40], *s, *alert;

	directory();
	sms(OLA, "Kan du ringe meg ZQXJ-5521?");
	sent_sid(KARI, sid);
	sms_status(sid, KARI, "undelivered", "30003");
	s = delivery_of(sid);
	cr_assert_str_eq(s, "undelivered");
	free(s);
	alert = expect_sms(VT_BEREDSKAP, NULL);
	cr_assert_not_null(strstr(alert, "U-0142"), "%s", alert);
	cr_assert_not_null(strstr(alert, "Ola"), "%s", alert);
	cr_assert_null(strstr(alert, "ZQXJ-5521"), "the text: %s", alert);
	free(alert);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(VT_FALLBACK), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = ?"
	                    " AND to_number = ?",
	                 "it", (int64_t)(VAKT_PURPOSE_ALERT), VT_BEREDSKAP),
	    1);
}

Test(sms, an_undelivered_forward_to_beredskap_alerts_the_fallback,
    .init = evening, .fini = teardown)
{
	char sid[40], *alert;

	directory();
	sms(OLA, "Er det noen der ZQXJ-7781?");
	sent_sid(VT_BEREDSKAP, sid);
	sms_status(sid, VT_BEREDSKAP, "undelivered", "30003");
	alert = expect_sms(VT_FALLBACK, NULL);
	cr_assert_not_null(strstr(alert, "U-0142 Ola"), "%s", alert);
	cr_assert_null(strstr(alert, "ZQXJ-7781"), "the text: %s", alert);
	free(alert);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(VT_BEREDSKAP), 1, "only the forward");
}

Test(sms, a_repeated_undelivered_status_alerts_once, .init = office,
    .fini = teardown)
{
	char sid[40];
	int64_t n;

	directory();
	sms(OLA, "Hei");
	sent_sid(KARI, sid);
	sms_status(sid, KARI, "undelivered", "30003");
	free(expect_sms(VT_BEREDSKAP, NULL));
	sms_status(sid, KARI, "undelivered", "30003");
	sms_status(sid, KARI, "failed", "30008");
	wait_all_sent(db_int("SELECT count(*) FROM outbox", ""));
	n = db_int("SELECT count(*) FROM outbox WHERE purpose = ?", "i",
	    (int64_t)(VAKT_PURPOSE_ALERT));
	cr_assert_eq(n, 1, "one lost forward, %lld alerts", (long long)n);
	cr_assert_eq(fake_count_to(VT_BEREDSKAP), 1);
}

Test(sms, delivery_statuses_are_recorded_without_alerts, .init = office,
    .fini = teardown)
{
	static const char *const steps[] = {"queued", "sent", "delivered"};
	char fwd[40], rel[40], *s;

	directory();
	sms(OLA, "Hei");
	sent_sid(KARI, fwd);
	for (size_t i = 0; i < 3; i++) {
		sms_status(fwd, KARI, steps[i], NULL);
		s = delivery_of(fwd);
		cr_assert_str_eq(s, steps[i]);
		free(s);
		cr_assert_neq(
		    db_int("SELECT delivery_ms FROM outbox WHERE sid ="
		           " ?",
		        "t", fwd),
		    -1);
	}
	sms(KARI, "Hei igjen");
	sent_sid(OLA, rel);
	sms_status(rel, OLA, "delivered", NULL);
	s = delivery_of(rel);
	cr_assert_str_eq(s, "delivered");
	free(s);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = ?",
	                 "i", (int64_t)(VAKT_PURPOSE_ALERT)),
	    0);
	cr_assert_eq(vt_fake_count(env.fake), 2);
}

Test(sms, a_late_sent_status_does_not_undo_delivered, .init = office,
    .fini = teardown)
{
	char sid[40], *s;

	directory();
	sms(OLA, "Hei");
	sent_sid(KARI, sid);
	sms_status(sid, KARI, "delivered", NULL);
	sms_status(sid, KARI, "sent", NULL);
	s = delivery_of(sid);
	cr_assert_str_eq(s, "delivered", "a late \"sent\" made it %s", s);
	free(s);
}

Test(sms, refused_webhooks_forward_nothing, .init = office, .fini = teardown)
{
	char sid[40], *body, *url, *sig, *h_sig, *target;
	const char *p[] = {"MessageSid", NULL, "AccountSid", VT_SID, "From",
	    OLA, "To", VT_SERVICE, "Body", "Hei", "NumMedia", "0",
	    "NumSegments", "1", NULL};
	const char *no_sid[] = {"AccountSid", VT_SID, "From", OLA, "To",
	    VT_SERVICE, "Body", "Hei", "NumMedia", "0", "NumSegments", "1",
	    NULL};
	const char *h[3];
	struct vt_resp r;

	directory();
	new_sid(sid);
	p[1] = sid;
	/* Signed with another token, then not signed at all: 403. */
	url = vt_path(VT_PUBLIC, "twilio/sms");
	sig = vt_twilio_sign("not-the-token", url, p);
	body = vt_form(p);
	cr_assert(asprintf(&h_sig, "X-Twilio-Signature: %s", sig) > 0);
	cr_assert(asprintf(&target, "%s/twilio/sms", env.d.url) > 0);
	h[0] = "Content-Type: application/x-www-form-urlencoded";
	h[1] = h_sig;
	h[2] = NULL;
	vt_http(&r, "POST", target, body, h);
	cr_assert_eq(r.status, 403, "forged: %ld", r.status);
	vt_resp_free(&r);
	h[1] = NULL;
	vt_http(&r, "POST", target, body, h);
	cr_assert_eq(r.status, 403, "unsigned: %ld", r.status);
	vt_resp_free(&r);
	/* A Body that is not UTF-8 (a raw %FF), signed: 400. */
	sms_post(&r, sid, OLA, "Hei \xff");
	cr_assert_eq(r.status, 400, "not UTF-8: %ld %s", r.status, r.body);
	vt_resp_free(&r);
	/* No MessageSid: 400. */
	vt_twilio_post(&r, &env.d, "/twilio/sms", no_sid);
	cr_assert_eq(r.status, 400, "no MessageSid: %ld %s", r.status, r.body);
	vt_resp_free(&r);

	cr_assert_eq(db_int("SELECT count(*) FROM contacts", ""), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM messages", ""), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox", ""), 0);
	/* The good request still works afterwards, and only it is sent. */
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	assert_empty_twiml(&r);
	vt_resp_free(&r);
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	cr_assert_eq(vt_fake_count(env.fake), 1);
	free(url);
	free(sig);
	free(body);
	free(h_sig);
	free(target);
}

Test(sms, a_status_callback_with_a_bad_signature_records_nothing,
    .init = office, .fini = teardown)
{
	char sid[40], *body, *target, *s;
	const char *p[] = {"MessageSid", NULL, "MessageStatus", "undelivered",
	    "ErrorCode", "30003", "AccountSid", VT_SID, NULL};
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded",
	    "X-Twilio-Signature: bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==", NULL};
	struct vt_resp r;

	directory();
	sms(OLA, "Hei");
	sent_sid(KARI, sid);
	p[1] = sid;
	body = vt_form(p);
	cr_assert(asprintf(&target, "%s/twilio/sms/status", env.d.url) > 0);
	vt_http(&r, "POST", target, body, h);
	cr_assert_eq(r.status, 403);
	vt_resp_free(&r);
	s = delivery_of(sid);
	cr_assert_str_eq(s, "");
	free(s);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox", ""), 1, "no alert");
	free(body);
	free(target);
}

/* A service number texting a service number would forward forever. */
Test(sms, a_message_from_a_service_number_is_dropped_not_forwarded,
    .init = office, .fini = teardown)
{
	directory();
	sms(VT_SERVICE, "looping?");
	cr_assert(vt_daemon_wait_log(&env.d,
	    "message from a service number "
	    "dropped",
	    2000));
	cr_assert_eq(db_int("SELECT count(*) FROM contacts", ""), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox", ""), 0);
	cr_assert_eq(vt_fake_count(env.fake), 0);
}

/* ------------------------------------------------------------------ */
/* Issue 10. */

/*
 * C13: a staff reply over 1600 characters went out as one message,
 * Twilio refused it (21617: the fake does too), and the youth's contact
 * was marked replied all the same.  It now reaches the youth whole, in
 * numbered parts "(1/2) …" of at most 1600 characters each.
 */
Test(sms, a_staff_reply_over_1600_characters_reaches_the_youth_in_parts_issue10,
    .init = office, .fini = teardown)
{
	char *text = prose(2000), *part[2] = {NULL, NULL}, *joined, *row;
	size_t len = 0;

	directory();
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	sms(KARI, text);
	wait_all_sent(3);
	cr_assert_eq(fake_count_to(OLA), 2, "parts that reached Ola");
	for (size_t i = 0; i < vt_fake_count(env.fake); i++) {
		struct vt_fake_msg m = vt_fake_get(env.fake, i);
		int k = strncmp(m.body, "(1/2) ", 6) == 0 ? 0
		    : strncmp(m.body, "(2/2) ", 6) == 0   ? 1
		                                          : -1;

		if (strcmp(m.to, OLA) == 0) {
			cr_assert_neq(k, -1, "unnumbered part: %.40s", m.body);
			cr_assert_null(part[k], "part %d twice", k + 1);
			cr_assert_leq(utf16_units(m.body), 1600);
			part[k] = strdup(m.body + 6);
			cr_assert(utf8_whole(part[k]));
			len += strlen(part[k]);
		}
		vt_fake_msg_free(&m);
	}
	cr_assert(part[0] != NULL && part[1] != NULL);
	joined = malloc(len + 1);
	cr_assert_not_null(joined);
	snprintf(joined, len + 1, "%s%s", part[0], part[1]);
	cr_assert_str_eq(joined, text, "the parts do not make the reply");
	row = db_text("SELECT status || '|' || replied_by FROM contacts", "");
	cr_assert_str_eq(row, "1|kari", "status|replied_by: %s", row);
	free(row);
	free(joined);
	free(part[0]);
	free(part[1]);
	free(text);
}

/*
 * C13: past 4 parts (6400 characters) the reply is not sent; the staff
 * member is told why, and the youth's contact stays open.
 */
Test(sms, a_staff_reply_too_long_for_4_parts_is_not_sent_and_staff_is_told_issue10,
    .init = office, .fini = teardown)
{
	char *text = prose(7000), *body;
	size_t before;

	directory();
	sms(OLA, "Hei");
	free(expect_sms(KARI, "[U-0142 Ola] Hei"));
	wait_all_sent(1);
	before = vt_fake_count(env.fake);
	sms(KARI, text);
	body = fake_body(fake_find(KARI, NULL, before, WAIT));
	cr_assert_not_null(strstr(body, "ikke sendt"), "%s", body);
	cr_assert_not_null(strstr(body, "for langt"), "%s", body);
	free(body);
	wait_all_sent(2);
	cr_assert_eq(fake_count_to(OLA), 0, "something reached Ola");
	cr_assert_eq(db_int("SELECT status FROM contacts", ""),
	    VAKT_STATUS_OPEN, "nothing reached Ola, so nothing answered her");
	free(text);
}

/* C15: -v logs each routing decision, numbers masked, never the text. */
Test(sms, verbose_logs_the_routing_plan_with_masked_numbers_issue10,
    .init = office, .fini = teardown)
{
	const char *text = "Hemmelig melding til debug-testen";
	char *log;

	directory();
	sms(OLA, text);
	free(expect_sms(KARI, "Hemmelig"));
	cr_assert(vt_daemon_wait_log(&env.d,
	              "<7>sms: plan from=+47*****142 category=office", 3000),
	    "no debug line for the plan");
	log = vt_daemon_log(&env.d);
	cr_assert_not_null(
	    strstr(log, "steps=coordinator:+47*****111 > beredskap:"), "%s",
	    log);
	cr_assert_not_null(strstr(log, "<7>sms: webhook"), "%s", log);
	cr_assert_not_null(strstr(log, "<7>outbox: try row="), "%s", log);
	cr_assert_null(strstr(log, OLA), "%s", log);
	cr_assert_null(strstr(log, KARI), "%s", log);
	cr_assert_null(strstr(log, "Hemmelig"), "the text was logged");
	free(log);
}
