#define _GNU_SOURCE /* asprintf */
/*
 * test_voice.c: the Twilio call flow through a real vaktd (issue 4).
 * Routing of the first step (office hours, after hours, unknown and
 * anonymous callers, absences, unknown service numbers), escalation to
 * the closing message and the missed-call alerts, answer confirmation
 * by key press, duplicate webhooks, refused requests, the fail-safe
 * plan while the database is locked, and the caller hanging up.
 *
 * Office hours and after hours are made by configuration (special days
 * for today and tomorrow, Europe/Oslo), never by the wall clock, so
 * the suite gives the same answers at any time of day or year.  TwiML
 * is parsed with libxml2; the database is read with SQLite.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <sqlite3.h>

#include "fake/fake_twilio.h"
#include "helpers.h"
#include "vakt/http.h"
#include "vakt/twilio.h"

/* The directory the tests put in: one youth, her coordinator, a vikar. */
#define YOUTH	    "+4798765432"
#define YOUTH_ID    "U-0142"
#define YOUTH_NAME  "Åse Françoise"
#define YOUTH_GSM   "Åse Francoise" /* ç is not GSM-7; Å is */
#define COORD	    "+4791111111"
#define COORD_ID    "K-1"
#define SUB	    "+4792222222"
#define SUB_ID	    "K-2"
#define STRANGER    "+4797777777"
#define RING_S	    17 /* not the default 20, so it shows in TwiML */
#define ALL_DAYS    "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"]"

/* The base parameters of every request on the parent call. */
#define CALL(sid, from, to, status)                                        \
	"CallSid", (sid), "AccountSid", VT_SID, "From", (from), "To", (to), \
	    "CallStatus", (status), "Direction", "inbound", "ApiVersion",   \
	    "2010-04-01", "Caller", (from), "Called", (to)

/* One test's daemon, fake and folder; cleaned up by fini even on failure. */
struct ctx {
	struct vt_fake *fake;
	char *dir;
	struct vt_daemon d;
	bool has_daemon;
};

/*
 * Criterion forks each test, so this is the one context of the current
 * test's process; it exists only so that .fini can stop vaktd and
 * remove the folder when an assertion ends a test early.
 */
static struct ctx *cur;

static void
ctx_fini(void)
{
	if (cur == NULL)
		return;
	if (cur->has_daemon)
		vt_daemon_free(&cur->d);
	if (cur->fake != NULL)
		vt_fake_stop(cur->fake);
	vt_rmrf(cur->dir);
	free(cur->dir);
	free(cur);
	cur = NULL;
}

/* Local date offset days from now in Europe/Oslo, as YYYY-MM-DD. */
static void
oslo_date(int offset, char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	cr_assert_not_null(localtime_r(&now, &tm));
	tm.tm_mday += offset;
	tm.tm_hour = 12; /* noon: never in a DST gap */
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	now = mktime(&tm);
	cr_assert_neq(now, (time_t)-1);
	cr_assert_not_null(localtime_r(&now, &tm));
	cr_assert_eq(strftime(out, 11, "%Y-%m-%d", &tm), 10);
}

static int
oslo_minute_of_day(void)
{
	time_t now = time(NULL);
	struct tm tm;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	cr_assert_not_null(localtime_r(&now, &tm));
	return tm.tm_hour * 60 + tm.tm_min;
}

/*
 * service_extra for office hours all day today and tomorrow: special
 * days with their own hours win over public holidays and weekends.
 */
static char *
office_extra(void)
{
	char d0[11], d1[11], *s;

	oslo_date(0, d0);
	oslo_date(1, d1);
	cr_assert(asprintf(&s,
	    "ring_timeout = %d;\n"
	    "office_hours = { days = " ALL_DAYS "; open = \"00:00\"; "
	    "close = \"24:00\"; };\n"
	    "special_days = (\n"
	    " { date = \"%s\"; name = \"test\"; open = \"00:00\"; "
	    "close = \"24:00\"; },\n"
	    " { date = \"%s\"; name = \"test\"; open = \"00:00\"; "
	    "close = \"24:00\"; } );\n",
	    RING_S, d0, d1) > 0);
	return s;
}

/*
 * service_extra for after hours now: today is a working day whose
 * one-hour window lies at least ten hours from the present minute, and
 * tomorrow (should the test cross midnight) is closed.
 */
static char *
after_hours_extra(void)
{
	char d0[11], d1[11], *s;
	bool morning = oslo_minute_of_day() < 12 * 60;

	oslo_date(0, d0);
	oslo_date(1, d1);
	cr_assert(asprintf(&s,
	    "ring_timeout = %d;\n"
	    "special_days = (\n"
	    " { date = \"%s\"; name = \"test\"; open = \"%s\"; "
	    "close = \"%s\"; },\n"
	    " { date = \"%s\"; name = \"test\"; closed = true; } );\n",
	    RING_S, d0, morning ? "22:00" : "01:00",
	    morning ? "23:00" : "02:00", d1) > 0);
	return s;
}

/* Start vaktd on conf in a new folder. */
static struct ctx *
start_conf(const char *conf)
{
	struct ctx *c = calloc(1, sizeof(*c));

	cr_assert_not_null(c);
	cur = c;
	c->dir = vt_tmpdir();
	c->has_daemon = true;
	cr_assert_eq(vt_daemon_start(&c->d, c->dir, conf), 0, "vaktd: %s",
	    vt_daemon_log(&c->d));
	return c;
}

/* vaktd on the standard config with service_extra (NULL: office hours). */
static struct ctx *
start(const char *service_extra, bool with_fake)
{
	struct vt_fake *fake = with_fake ? vt_fake_start() : NULL;
	char *extra = service_extra == NULL ? office_extra() : NULL;
	char *conf = vt_config(fake != NULL ? vt_fake_url(fake) : NULL,
	    extra != NULL ? extra : service_extra, NULL);
	struct ctx *c = start_conf(conf);

	c->fake = fake;
	free(extra);
	free(conf);
	return c;
}

/* vaktctl -c dir/vakt.conf ARGS…; must exit 0. */
static void
ctl(const struct ctx *c, ...)
{
	const char *argv[24];
	char *bin = vt_bin("vaktctl");
	struct vt_run r;
	size_t n = 0;
	va_list ap;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = c->d.conf;
	va_start(ap, c);
	while ((argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]));
	}
	va_end(ap);
	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "vaktctl %s %s: %s", argv[3], argv[4], r.err);
	vt_run_free(&r);
	free(bin);
}

/* The standard directory: YOUTH of COORD; SUB is another coordinator. */
static void
add_directory(const struct ctx *c)
{
	ctl(c, "coordinator", "add", COORD_ID, "--name", "Kari", "--phone",
	    COORD, NULL);
	ctl(c, "coordinator", "add", SUB_ID, "--name", "Sverre", "--phone",
	    SUB, NULL);
	ctl(c, "youth", "add", YOUTH_ID, "--phone", YOUTH, "--coordinator",
	    COORD_ID, "--name", YOUTH_NAME, NULL);
}

static void
sid(char out[35], const char *prefix, unsigned n)
{
	snprintf(out, 35, "%s%032x", prefix, n);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- */
/* The database, read-only. */

static sqlite3 *
db_open(const struct ctx *c)
{
	char *path = vt_path(c->dir, "vakt.db");
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK, "open %s", path);
	sqlite3_busy_timeout(db, 2000);
	free(path);
	return db;
}

/* The one row's first column of sql (?1 = arg if not NULL), as int64. */
static int64_t
db_int(const struct ctx *c, const char *sql, const char *arg)
{
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s = NULL;
	int64_t v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (arg != NULL)
		cr_assert_eq(sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC),
		    SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "no row: %s [%s]", sql,
	    arg != NULL ? arg : "");
	cr_assert_neq(sqlite3_column_type(s, 0), SQLITE_NULL, "NULL: %s", sql);
	v = sqlite3_column_int64(s, 0);
	cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "several rows: %s", sql);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The same for a text column, copied into out. */
static void
db_text(const struct ctx *c, const char *sql, const char *arg, char *out,
    size_t len)
{
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (arg != NULL)
		cr_assert_eq(sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC),
		    SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "no row: %s", sql);
	snprintf(out, len, "%s",
	    sqlite3_column_text(s, 0) != NULL ?
		(const char *)sqlite3_column_text(s, 0) : "(null)");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------- */
/* TwiML. */

struct twiml {
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
	char *body; /* for messages */
};

/* Parse a 200 text/xml webhook answer. */
static void
twiml_parse(struct twiml *t, const struct vt_resp *r)
{
	cr_assert_eq(r->status, 200, "status %ld: %s", r->status, r->body);
	cr_assert_not_null(strstr(r->headers, "Content-Type: text/xml"),
	    "%s", r->headers);
	t->body = strdup(r->body);
	t->doc = xmlReadMemory(r->body, (int)r->len, "twiml.xml", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	cr_assert_not_null(t->doc, "not XML: %s", r->body);
	t->xp = xmlXPathNewContext(t->doc);
	cr_assert_not_null(t->xp);
}

static void
twiml_free(struct twiml *t)
{
	xmlXPathFreeContext(t->xp);
	xmlFreeDoc(t->doc);
	free(t->body);
	memset(t, 0, sizeof(*t));
}

/* string(expr) (attribute values come back XML-unescaped). */
static char *
tx(const struct twiml *t, const char *expr)
{
	char *q, *out;
	xmlXPathObjectPtr o;

	cr_assert(asprintf(&q, "string(%s)", expr) > 0);
	o = xmlXPathEvalExpression((const xmlChar *)q, t->xp);
	cr_assert_not_null(o, "bad xpath %s", q);
	cr_assert_eq(o->type, XPATH_STRING);
	out = strdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	free(q);
	return out;
}

static int
tn(const struct twiml *t, const char *expr)
{
	char *q;
	int n;
	xmlXPathObjectPtr o;

	cr_assert(asprintf(&q, "count(%s)", expr) > 0);
	o = xmlXPathEvalExpression((const xmlChar *)q, t->xp);
	cr_assert_not_null(o, "bad xpath %s", q);
	n = (int)o->floatval;
	xmlXPathFreeObject(o);
	free(q);
	return n;
}

static void
tx_eq(const struct twiml *t, const char *expr, const char *want)
{
	char *got = tx(t, expr);

	cr_assert_str_eq(got, want, "%s in %s", expr, t->body);
	free(got);
}

/* The element names under /Response, space-separated: "Dial", "Say Hangup". */
static char *
children(const struct twiml *t)
{
	xmlNodePtr root = xmlDocGetRootElement(t->doc);
	size_t len = 1;
	char *out = calloc(1, 256);

	cr_assert_not_null(root);
	cr_assert_str_eq((const char *)root->name, "Response", "%s", t->body);
	for (xmlNodePtr n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		len += strlen((const char *)n->name) + 1;
		cr_assert_lt(len, 256);
		if (out[0] != '\0')
			strncat(out, " ", 255 - strlen(out));
		strncat(out, (const char *)n->name, 255 - strlen(out));
	}
	return out;
}

static void
children_eq(const struct twiml *t, const char *want)
{
	char *got = children(t);

	cr_assert_str_eq(got, want, "children of <Response> in %s", t->body);
	free(got);
}

/* What a <Dial> for one step must say exactly. */
struct dial_want {
	const char *number;
	const char *caller_id;
	long long contact;
	int step;
	char role;
};

/*
 * The step's <Dial>: timeout, callerId, answerOnBridge, action to
 * /next and the whisper on the one <Number>, nothing else.  Returns the
 * action URL (caller frees) and the whisper URL in *whisper.
 */
static char *
expect_dial(const struct vt_resp *r, const struct dial_want *w,
    char **whisper)
{
	struct twiml t;
	char want[256], timeout[16], *action;

	twiml_parse(&t, r);
	children_eq(&t, "Dial");
	cr_assert_eq(tn(&t, "/Response/Dial/@*"), 5, "%s", t.body);
	snprintf(timeout, sizeof(timeout), "%d", RING_S);
	tx_eq(&t, "/Response/Dial/@timeout", timeout);
	tx_eq(&t, "/Response/Dial/@callerId", w->caller_id);
	tx_eq(&t, "/Response/Dial/@answerOnBridge", "true");
	tx_eq(&t, "/Response/Dial/@method", "POST");
	snprintf(want, sizeof(want),
	    VT_PUBLIC "/twilio/voice/next?v=due&c=%lld&s=%d&r=%c", w->contact,
	    w->step, w->role);
	tx_eq(&t, "/Response/Dial/@action", want);
	cr_assert_eq(tn(&t, "/Response/Dial/*"), 1, "%s", t.body);
	tx_eq(&t, "/Response/Dial/Number", w->number);
	snprintf(want, sizeof(want),
	    VT_PUBLIC "/twilio/voice/whisper?v=due&c=%lld&s=%d&r=%c",
	    w->contact, w->step, w->role);
	tx_eq(&t, "/Response/Dial/Number/@url", want);
	tx_eq(&t, "/Response/Dial/Number/@method", "POST");
	action = tx(&t, "/Response/Dial/@action");
	if (whisper != NULL)
		*whisper = tx(&t, "/Response/Dial/Number/@url");
	twiml_free(&t);
	return action;
}

/* An answer of nothing but these elements (e.g. "" or "Hangup"). */
static void
expect_only(const struct vt_resp *r, const char *names)
{
	struct twiml t;

	twiml_parse(&t, r);
	children_eq(&t, names);
	twiml_free(&t);
}

/* The closing message: nb-NO, mentions 112, then <Hangup/>. */
static void
expect_nobody(const struct vt_resp *r)
{
	struct twiml t;
	char *text;

	twiml_parse(&t, r);
	children_eq(&t, "Say Hangup");
	tx_eq(&t, "/Response/Say/@language", "nb-NO");
	tx_eq(&t, "/Response/Say/@voice", "Polly.Liv");
	text = tx(&t, "/Response/Say");
	cr_assert_not_null(strstr(text, "1 1 2"), "%s", text);
	cr_assert_not_null(strstr(text, "ringer deg tilbake"), "%s", text);
	free(text);
	twiml_free(&t);
}

/* POST a signed webhook to an absolute URL taken from our TwiML. */
static void
post_url(struct vt_resp *r, const struct ctx *c, const char *url,
    const char *const *params)
{
	size_t n = strlen(VT_PUBLIC);

	cr_assert_eq(strncmp(url, VT_PUBLIC "/", n + 1), 0,
	    "%s is not under " VT_PUBLIC, url);
	vt_twilio_post(r, &c->d, url + n, params);
}

/* The contact id of a logged call. */
static int64_t
contact_of(const struct ctx *c, const char *call_sid)
{
	return db_int(c, "SELECT id FROM contacts WHERE provider_id = ?1",
	    call_sid);
}

/* Numbers are masked, secrets never logged. */
static void
expect_not_logged(const struct ctx *c, const char *text)
{
	char *log = vt_daemon_log(&c->d);

	cr_assert_null(strstr(log, text), "the log shows %s:\n%s", text, log);
	free(log);
}

/* A counter's value from /metrics. */
static long long
metric(const struct ctx *c, const char *name)
{
	struct vt_resp r;
	char url[128], *p;
	long long v;

	snprintf(url, sizeof(url), "%s/metrics", c->d.url);
	vt_http(&r, "GET", url, NULL, NULL);
	cr_assert_eq(r.status, 200);
	p = strstr(r.body, name);
	while (p != NULL && (p > r.body && p[-1] != '\n'))
		p = strstr(p + 1, name);
	cr_assert_not_null(p, "%s not in /metrics:\n%s", name, r.body);
	v = atoll(p + strlen(name));
	vt_resp_free(&r);
	return v;
}

static void
expect_healthy(const struct ctx *c)
{
	struct vt_resp r;
	char url[128];
	int st;

	cr_assert_eq(waitpid(c->d.pid, &st, WNOHANG), 0, "vaktd exited");
	snprintf(url, sizeof(url), "%s/healthz", c->d.url);
	vt_http(&r, "GET", url, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
}

static void
stop(struct ctx *c)
{
	cr_assert_eq(vt_daemon_stop(&c->d), 0, "vaktd exit status");
	ctx_fini();
}

/* ---------------------------------------------------------------- */

Test(voice, office_call_from_a_youth_rings_her_coordinator_first,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p[] = {CALL("CA00000000000000000000000000000001", YOUTH,
	    VT_SERVICE, "ringing"), NULL};
	struct dial_want w = {COORD, YOUTH, 1, 1, 'c'};
	struct vt_resp r;
	int64_t t0, t1, id;
	char *action, *whisper;

	add_directory(c);
	t0 = now_ms();
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	t1 = now_ms();
	id = contact_of(c, p[1]);
	cr_assert_eq(id, 1);
	action = expect_dial(&r, &w, &whisper);
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT kind FROM contacts", NULL), 0);
	cr_assert_eq(db_int(c, "SELECT category FROM contacts", NULL), 0,
	    "office");
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 0, "open");
	cr_assert_eq(db_int(c, "SELECT youth = '" YOUTH_ID "' AND coordinator"
			       " = '" COORD_ID "' AND caller = '" YOUTH
			       "' AND service = 'due' FROM contacts",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT step = 1 AND role = 0 AND number = '"
			       COORD "' AND who = '" COORD_ID "' AND outcome"
			       " IS NULL FROM legs",
			 NULL),
	    1);
	cr_assert_geq(db_int(c, "SELECT started_ms FROM legs", NULL), t0 - 5);
	cr_assert_leq(db_int(c, "SELECT started_ms FROM legs", NULL), t1 + 5);
	cr_assert(vt_daemon_wait_log(&c->d, "contact=1 caller=+47*****432",
	    2000));
	expect_not_logged(c, YOUTH);
	free(action);
	free(whisper);
	stop(c);
}

Test(voice, after_hours_call_from_a_youth_rings_beredskap_first,
    .fini = ctx_fini)
{
	char *extra = after_hours_extra(), d0[11], d1[11];
	struct ctx *c = start(extra, false);
	const char *p[] = {CALL("CA00000000000000000000000000000002", YOUTH,
	    VT_SERVICE, "ringing"), NULL};
	struct dial_want w = {VT_BEREDSKAP, YOUTH, 1, 1, 'b'};
	struct vt_resp r;
	int64_t cat;

	add_directory(c);
	oslo_date(0, d0);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	oslo_date(0, d1);
	free(expect_dial(&r, &w, NULL));
	vt_resp_free(&r);
	/* after_hours (1); at midnight perhaps tomorrow's closed day (3) */
	cat = db_int(c, "SELECT category FROM contacts", NULL);
	cr_assert(cat == 1 || (cat == 3 && strcmp(d0, d1) != 0),
	    "category %lld", (long long)cat);
	cr_assert_eq(db_int(c, "SELECT youth = '" YOUTH_ID "' FROM contacts",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT role FROM legs WHERE step = 1", NULL),
	    2);
	free(extra);
	stop(c);
}

Test(voice, unknown_and_anonymous_callers_ring_beredskap, .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p1[] = {CALL("CA00000000000000000000000000000003", STRANGER,
	    VT_SERVICE, "ringing"), NULL};
	const char *p2[] = {CALL("CA00000000000000000000000000000004",
	    "anonymous", VT_SERVICE, "ringing"), NULL};
	struct dial_want w1 = {VT_BEREDSKAP, STRANGER, 1, 1, 'b'};
	struct dial_want w2 = {VT_BEREDSKAP, VT_SERVICE, 2, 1, 'b'};
	struct vt_resp r;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p1);
	free(expect_dial(&r, &w1, NULL));
	vt_resp_free(&r);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p2);
	free(expect_dial(&r, &w2, NULL));
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts WHERE youth IS"
			       " NULL AND category = 0",
			 NULL),
	    2);
	cr_assert_eq(db_int(c, "SELECT caller = 'anonymous' FROM contacts "
			       "WHERE id = 2",
			 NULL),
	    1);
	expect_not_logged(c, STRANGER);
	stop(c);
}

Test(voice, absent_coordinator_gives_the_substitute_first, .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p[] = {CALL("CA00000000000000000000000000000005", YOUTH,
	    VT_SERVICE, "ringing"), NULL};
	struct dial_want w = {SUB, YOUTH, 1, 1, 's'};
	struct vt_resp r;
	char d0[11], d1[11];

	add_directory(c);
	oslo_date(0, d0);
	oslo_date(1, d1);
	ctl(c, "absence", "add", COORD_ID, "--from", d0, "--to", d1,
	    "--substitute", SUB_ID, NULL);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	free(expect_dial(&r, &w, NULL));
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT role = 1 AND who = '" SUB_ID "' AND "
			       "number = '" SUB "' FROM legs WHERE step = 1",
			 NULL),
	    1);
	stop(c);
}

Test(voice, absent_coordinator_without_substitute_gives_beredskap_first,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p[] = {CALL("CA00000000000000000000000000000006", YOUTH,
	    VT_SERVICE, "ringing"), NULL};
	struct dial_want w = {VT_BEREDSKAP, YOUTH, 1, 1, 'b'};
	struct vt_resp r;
	char d0[11], d1[11];

	add_directory(c);
	oslo_date(0, d0);
	oslo_date(1, d1);
	ctl(c, "absence", "add", COORD_ID, "--from", d0, "--to", d1, NULL);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	free(expect_dial(&r, &w, NULL));
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT category FROM contacts", NULL), 0);
	stop(c);
}

/* Is every character of the UTF-8 string in the GSM 03.38 basic table? */
static bool
is_gsm7(const char *s)
{
	static const char *const extra[] = {"£", "¥", "è", "é", "ù", "ì", "ò",
	    "Ç", "Ø", "ø", "Å", "å", "Æ", "æ", "ß", "É", "Ä", "Ö", "Ñ", "Ü",
	    "§", "¿", "ä", "ö", "ñ", "ü", "à", "¡", "¤"};

	while (*s != '\0') {
		size_t k;

		if ((unsigned char)*s < 0x80) {
			if (strchr("`^{}\\[~]|", *s) != NULL || (*s < ' ' &&
			    *s != '\n' && *s != '\r'))
				return false;
			s++;
			continue;
		}
		for (k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
			if (strncmp(s, extra[k], strlen(extra[k])) == 0)
				break;
		if (k == sizeof(extra) / sizeof(extra[0]))
			return false;
		s += strlen(extra[k]);
	}
	return true;
}

/* The step's /next: the leg to the staff phone rang out. */
static void
ring_out(struct vt_resp *r, const struct ctx *c, const char *action,
    const char *call_sid, const char *from, unsigned leg)
{
	char child[35];
	const char *p[] = {CALL(call_sid, from, VT_SERVICE, "ringing"),
	    "DialCallStatus", "no-answer", "DialCallSid", child,
	    "DialCallDuration", "0", "DialBridged", "false", NULL};

	sid(child, "CA", 0xc0000 + leg);
	post_url(r, c, action, p);
}

Test(voice, unanswered_call_escalates_to_the_closing_message_and_alerts,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, true);
	const char *call_sid = "CA00000000000000000000000000000007";
	const char *p[] = {CALL(call_sid, YOUTH, VT_SERVICE, "ringing"),
	    NULL};
	struct dial_want w1 = {COORD, YOUTH, 1, 1, 'c'};
	struct dial_want w2 = {VT_BEREDSKAP, YOUTH, 1, 2, 'b'};
	struct dial_want w3 = {VT_FALLBACK, YOUTH, 1, 3, 'f'};
	struct vt_resp r;
	char *a1, *a2, *a3, want[128], to[2][32], legs[128];
	int64_t received;
	struct tm tm;
	time_t t;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	a1 = expect_dial(&r, &w1, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a1, call_sid, YOUTH, 1);
	a2 = expect_dial(&r, &w2, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a2, call_sid, YOUTH, 2);
	a3 = expect_dial(&r, &w3, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a3, call_sid, YOUTH, 3);
	expect_nobody(&r);
	vt_resp_free(&r);

	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 2,
	    "missed");
	cr_assert_eq(db_int(c, "SELECT missed_reason FROM contacts", NULL), 2,
	    "exhausted");
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 3);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs WHERE outcome = 2 "
			       "AND ended_ms >= started_ms AND call_sid LIKE "
			       "'CA%'",
			 NULL),
	    3, "three legs with outcome no-answer");
	db_text(c, "SELECT group_concat(number, ' ') FROM (SELECT number "
		   "FROM legs ORDER BY step)",
	    NULL, legs, sizeof(legs));
	cr_assert_str_eq(legs, COORD " " VT_BEREDSKAP " " VT_FALLBACK);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox WHERE purpose = 0"
			       " AND contact = 1",
			 NULL),
	    2, "alerts to beredskap and the coordinator");
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox WHERE to_number"
			       " IN ('" VT_BEREDSKAP "', '" COORD "')",
			 NULL),
	    2);

	/* The alerts reach the Messages API, in GSM-7. */
	received = db_int(c, "SELECT received_ms FROM contacts", NULL);
	t = (time_t)(received / 1000);
	cr_assert_not_null(localtime_r(&t, &tm));
	snprintf(want, sizeof(want),
	    "Ubesvart anrop fra " YOUTH_ID " " YOUTH_GSM
	    " kl. %02d:%02d. Ring tilbake.",
	    tm.tm_hour, tm.tm_min);
	cr_assert(vt_fake_wait(c->fake, 2, 10000), "%zu alerts sent",
	    vt_fake_count(c->fake));
	for (size_t i = 0; i < 2; i++) {
		struct vt_fake_msg m = vt_fake_get(c->fake, i);

		cr_assert_eq(m.status, 201);
		cr_assert(m.is_auth_ok);
		cr_assert_str_eq(m.from, VT_SERVICE);
		cr_assert_str_eq(m.body, want);
		cr_assert(is_gsm7(m.body), "not GSM-7: %s", m.body);
		snprintf(to[i], sizeof(to[i]), "%s", m.to);
		vt_fake_msg_free(&m);
	}
	cr_assert((strcmp(to[0], VT_BEREDSKAP) == 0 &&
		      strcmp(to[1], COORD) == 0) ||
		(strcmp(to[1], VT_BEREDSKAP) == 0 && strcmp(to[0], COORD) == 0),
	    "alerts went to %s and %s", to[0], to[1]);
	expect_not_logged(c, YOUTH);
	free(a1);
	free(a2);
	free(a3);
	stop(c);
}

/* The whisper's request for the child leg that a step rang. */
static void
whisper_params_post(struct vt_resp *r, const struct ctx *c, const char *url,
    const char *call_sid, const char *child, const char *to)
{
	const char *p[] = {"CallSid", child, "ParentCallSid", call_sid,
	    "AccountSid", VT_SID, "From", YOUTH, "To", to, "CallStatus",
	    "in-progress", "Direction", "outbound-dial", "ApiVersion",
	    "2010-04-01", NULL};

	post_url(r, c, url, p);
}

static void
confirm_post(struct vt_resp *r, const struct ctx *c, const char *url,
    const char *call_sid, const char *child, const char *to,
    const char *digits)
{
	const char *p[] = {"CallSid", child, "ParentCallSid", call_sid,
	    "AccountSid", VT_SID, "From", YOUTH, "To", to, "CallStatus",
	    "in-progress", "Direction", "outbound-dial", "Digits", digits,
	    "FinishedOnKey", "", "msg", "Gather End", NULL};

	post_url(r, c, url, p);
}

Test(voice, only_a_key_press_counts_as_answered, .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *sid1 = "CA00000000000000000000000000000008";
	const char *child = "CA0000000000000000000000000000c008";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	const char *done[] = {CALL(sid1, YOUTH, VT_SERVICE, "in-progress"),
	    "DialCallStatus", "completed", "DialCallSid", child,
	    "DialCallDuration", "42", "DialBridged", "true", NULL};
	struct dial_want w = {COORD, YOUTH, 1, 1, 'c'};
	struct vt_resp r;
	struct twiml t;
	char *action, *whisper, *gather, *text;
	int64_t t0, t1;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	action = expect_dial(&r, &w, &whisper);
	vt_resp_free(&r);

	/* The staff phone answers: the whisper asks for a 1. */
	whisper_params_post(&r, c, whisper, sid1, child, COORD);
	twiml_parse(&t, &r);
	vt_resp_free(&r);
	children_eq(&t, "Gather Hangup");
	cr_assert_eq(tn(&t, "/Response/Gather/@*"), 4, "%s", t.body);
	tx_eq(&t, "/Response/Gather/@numDigits", "1");
	tx_eq(&t, "/Response/Gather/@timeout", "8");
	tx_eq(&t, "/Response/Gather/@method", "POST");
	tx_eq(&t, "/Response/Gather/@action",
	    VT_PUBLIC "/twilio/voice/confirm?v=due&c=1&s=1&r=c");
	cr_assert_eq(tn(&t, "/Response/Gather/*"), 1, "%s", t.body);
	tx_eq(&t, "/Response/Gather/Say/@language", "nb-NO");
	tx_eq(&t, "/Response/Gather/Say/@voice", "Polly.Liv");
	text = tx(&t, "/Response/Gather/Say");
	cr_assert_not_null(strstr(text, YOUTH_ID), "%s", text);
	cr_assert_not_null(strstr(text, YOUTH_NAME), "%s", text);
	cr_assert_not_null(strstr(text, "rykk 1"), "%s", text);
	cr_assert_null(strstr(text, YOUTH), "the number is not read out");
	gather = tx(&t, "/Response/Gather/@action");
	free(text);
	twiml_free(&t);

	/* Key 1: recorded, and the empty document bridges the call. */
	t0 = now_ms();
	confirm_post(&r, c, gather, sid1, child, COORD, "1");
	t1 = now_ms();
	expect_only(&r, "");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 0,
	    "still open until the <Dial action>");

	post_url(&r, c, action, done);
	expect_only(&r, "Hangup");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 1,
	    "answered");
	cr_assert_eq(db_int(c, "SELECT answered_step FROM contacts", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT answered_role FROM contacts", NULL), 0,
	    "coordinator");
	cr_assert_eq(db_int(c, "SELECT answered_ms = (SELECT confirmed_ms FROM"
			       " legs WHERE step = 1) FROM contacts",
			 NULL),
	    1);
	cr_assert_geq(db_int(c, "SELECT answered_ms FROM contacts", NULL),
	    t0 - 5);
	cr_assert_leq(db_int(c, "SELECT answered_ms FROM contacts", NULL),
	    t1 + 5);
	cr_assert_eq(db_int(c, "SELECT outcome FROM legs WHERE step = 1",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox", NULL), 0,
	    "no alert for an answered call");
	cr_assert_eq(metric(c, "vakt_calls_total{event=\"answered\"} "), 1);
	free(action);
	free(whisper);
	free(gather);
	stop(c);
}

Test(voice, voicemail_without_a_key_press_rings_the_next_step,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *sid1 = "CA00000000000000000000000000000009";
	const char *child = "CA0000000000000000000000000000c009";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	const char *child2 = "CA0000000000000000000000000000d009";
	/* The voicemail "answered"; the whisper hung it up (no DialBridged). */
	const char *done[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"),
	    "DialCallStatus", "completed", "DialCallSid", child,
	    "DialCallDuration", "9", NULL};
	const char *done2[] = {CALL(sid1, YOUTH, VT_SERVICE, "in-progress"),
	    "DialCallStatus", "completed", "DialCallSid", child2,
	    "DialCallDuration", "30", "DialBridged", "true", NULL};
	struct dial_want w1 = {COORD, YOUTH, 1, 1, 'c'};
	struct dial_want w2 = {VT_BEREDSKAP, YOUTH, 1, 2, 'b'};
	struct vt_resp r;
	char *action, *whisper, *gather;
	struct twiml t;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	action = expect_dial(&r, &w1, &whisper);
	vt_resp_free(&r);
	whisper_params_post(&r, c, whisper, sid1, child, COORD);
	twiml_parse(&t, &r);
	gather = tx(&t, "/Response/Gather/@action");
	twiml_free(&t);
	vt_resp_free(&r);

	/* A wrong key hangs up the staff leg and confirms nothing. */
	confirm_post(&r, c, gather, sid1, child, COORD, "2");
	expect_only(&r, "Hangup");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT confirmed_ms IS NULL FROM legs", NULL),
	    1);

	post_url(&r, c, action, done);
	free(expect_dial(&r, &w2, NULL));
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT outcome FROM legs WHERE step = 1",
			 NULL),
	    6, "unconfirmed");
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 0);
	cr_assert_eq(db_int(c, "SELECT answered_ms IS NULL FROM contacts",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs WHERE step = 2 AND "
			       "role = 2 AND outcome IS NULL",
			 NULL),
	    1);

	/* Beredskap presses 1 on step 2: the call is answered there. */
	confirm_post(&r, c, VT_PUBLIC "/twilio/voice/confirm?v=due&c=1&s=2&r=b",
	    sid1, child2, VT_BEREDSKAP, "1");
	expect_only(&r, "");
	vt_resp_free(&r);
	post_url(&r, c, VT_PUBLIC "/twilio/voice/next?v=due&c=1&s=2&r=b",
	    done2);
	expect_only(&r, "Hangup");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT status = 1 AND answered_step = 2 AND "
			       "answered_role = 2 FROM contacts",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT outcome FROM legs WHERE step = 2",
			 NULL),
	    1);
	free(action);
	free(whisper);
	free(gather);
	stop(c);
}

Test(voice, a_retried_webhook_gets_the_same_answer_and_no_new_rows,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, true);
	const char *sid1 = "CA0000000000000000000000000000000a";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	struct vt_resp r1, r2;
	struct dial_want w = {COORD, YOUTH, 1, 1, 'c'};
	char *action, *first, d0[11], d1[11];

	add_directory(c);
	oslo_date(0, d0);
	oslo_date(1, d1);
	vt_twilio_post(&r1, &c->d, "/twilio/voice", p);
	vt_twilio_post(&r2, &c->d, "/twilio/voice", p);
	cr_assert_eq(r2.status, 200);
	cr_assert_str_eq(r1.body, r2.body);
	action = expect_dial(&r2, &w, NULL);
	first = strdup(r1.body);
	vt_resp_free(&r1);
	vt_resp_free(&r2);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 1);
	cr_assert(vt_daemon_wait_log(&c->d, "duplicate", 2000));

	/* A retry after the directory changed still names the same step. */
	ctl(c, "absence", "add", COORD_ID, "--from", d0, "--to", d1, NULL);
	vt_twilio_post(&r1, &c->d, "/twilio/voice", p);
	cr_assert_str_eq(r1.body, first);
	vt_resp_free(&r1);

	ring_out(&r1, c, action, sid1, YOUTH, 1);
	ring_out(&r2, c, action, sid1, YOUTH, 1);
	cr_assert_eq(r2.status, 200);
	cr_assert_str_eq(r1.body, r2.body);
	vt_resp_free(&r1);
	vt_resp_free(&r2);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 2);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs WHERE step = 1 AND "
			       "outcome = 2",
			 NULL),
	    1);
	cr_assert_eq(metric(c, "vakt_calls_total{event=\"received\"} "), 1);
	free(action);
	free(first);
	stop(c);
}

Test(voice, a_retried_last_step_alerts_only_once, .fini = ctx_fini)
{
	struct ctx *c = start(NULL, true);
	const char *sid1 = "CA0000000000000000000000000000000b";
	const char *p[] = {CALL(sid1, STRANGER, VT_SERVICE, "ringing"), NULL};
	const char *last = VT_PUBLIC "/twilio/voice/next?v=due&c=1&s=2&r=f";
	const char *step1 = VT_PUBLIC "/twilio/voice/next?v=due&c=1&s=1&r=b";
	struct vt_resp r1, r2;

	vt_twilio_post(&r1, &c->d, "/twilio/voice", p);
	cr_assert_eq(r1.status, 200);
	vt_resp_free(&r1);
	ring_out(&r1, c, step1, sid1, STRANGER, 1);
	vt_resp_free(&r1);
	ring_out(&r1, c, last, sid1, STRANGER, 2);
	ring_out(&r2, c, last, sid1, STRANGER, 2);
	expect_nobody(&r1);
	cr_assert_str_eq(r1.body, r2.body);
	vt_resp_free(&r1);
	vt_resp_free(&r2);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox", NULL), 1,
	    "one alert, to beredskap");
	cr_assert_eq(db_int(c, "SELECT to_number = '" VT_BEREDSKAP "' FROM "
			       "outbox",
			 NULL),
	    1);
	cr_assert(vt_fake_wait(c->fake, 1, 10000));
	vt_msleep(300);
	cr_assert_eq(vt_fake_count(c->fake), 1);
	cr_assert_eq(metric(c, "vakt_calls_total{event=\"missed\"} "), 1);
	stop(c);
}

/* POST body to path with the given headers; returns the status. */
static long
raw_post(const struct ctx *c, const char *path, const char *body,
    const char *const *headers)
{
	struct vt_resp r;
	char url[256];
	long st;

	snprintf(url, sizeof(url), "%s%s", c->d.url, path);
	vt_http(&r, "POST", url, body, headers);
	st = r.status;
	vt_resp_free(&r);
	return st;
}

Test(voice, refused_webhooks_log_nothing_and_leave_vaktd_running,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p[] = {CALL("CA0000000000000000000000000000000c", YOUTH,
	    VT_SERVICE, "ringing"), NULL};
	const char *no_sid[] = {"AccountSid", VT_SID, "From", YOUTH, "To",
	    VT_SERVICE, "CallStatus", "ringing", NULL};
	char *form = vt_form(p), *sig, *h_sig, *big;
	const char *form_only[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL};
	const char *bad_sig[] = {
	    "Content-Type: application/x-www-form-urlencoded",
	    "X-Twilio-Signature: RSOYDt4T1cUTdK1PDd93/VVr8B8=", NULL};
	const char *json[3] = {"Content-Type: application/json", NULL, NULL};
	const char *big_h[3] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL, NULL};
	struct vt_resp r;
	size_t n = 70 * 1024;

	add_directory(c);
	cr_assert_eq(raw_post(c, "/twilio/voice", form, bad_sig), 403);
	cr_assert_eq(raw_post(c, "/twilio/voice", form, form_only), 403);

	/* Signed for another URL (the path is part of what is signed). */
	sig = vt_twilio_sign(VT_TOKEN, VT_PUBLIC "/twilio/sms", p);
	cr_assert(asprintf(&h_sig, "X-Twilio-Signature: %s", sig) > 0);
	bad_sig[1] = h_sig;
	cr_assert_eq(raw_post(c, "/twilio/voice", form, bad_sig), 403);

	/* Signed right, but a form value changed on the way. */
	free(sig);
	free(h_sig);
	sig = vt_twilio_sign(VT_TOKEN, VT_PUBLIC "/twilio/voice", p);
	cr_assert(asprintf(&h_sig, "X-Twilio-Signature: %s", sig) > 0);
	bad_sig[1] = h_sig;
	form[strlen(form) - 1] = 'x';
	cr_assert_eq(raw_post(c, "/twilio/voice", form, bad_sig), 403);

	json[1] = h_sig;
	cr_assert_eq(raw_post(c, "/twilio/voice",
			 "{\"CallSid\": \"CA0000000000000000000000000000000c\"}",
			 json),
	    415);
	vt_twilio_post(&r, &c->d, "/twilio/voice", no_sid);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "CallSid"), "%s", r.body);
	vt_resp_free(&r);

	big = malloc(n + 16);
	cr_assert_not_null(big);
	memcpy(big, "Body=", 5);
	memset(big + 5, 'a', n);
	big[n + 5] = '\0';
	big_h[1] = h_sig;
	cr_assert_eq(raw_post(c, "/twilio/voice", big, big_h), 413);

	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 0);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 0);
	cr_assert_geq(metric(c, "vakt_webhooks_rejected_total "), 5);
	expect_healthy(c);
	/* …and a proper call still goes through. */
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 1);
	expect_not_logged(c, YOUTH);
	expect_not_logged(c, "RSOYDt4T1cUTdK1PDd93"); /* signatures */
	expect_not_logged(c, sig);
	expect_not_logged(c, VT_TOKEN);
	free(big);
	free(form);
	free(sig);
	free(h_sig);
	stop(c);
}

/* The standard test configuration, with a 10 ms busy timeout. */
static char *
config_busy_10ms(const char *api_url)
{
	char *extra = office_extra(), *s;

	cr_assert(asprintf(&s,
	    "timezone = \"Europe/Oslo\";\n"
	    "database = \"vakt.db\";\n"
	    "http = { listen = \"127.0.0.1\"; port = 0; "
	    "public_url = \"" VT_PUBLIC "\"; busy_timeout_ms = 10; };\n"
	    "twilio = { account_sid = \"" VT_SID "\"; "
	    "auth_token = \"" VT_TOKEN "\"; api_url = \"%s\"; };\n"
	    "services = ( {\n"
	    "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	    "  beredskap = \"" VT_BEREDSKAP "\";\n"
	    "  fallback = \"" VT_FALLBACK "\";\n"
	    "%s\n"
	    "} );\n",
	    api_url != NULL ? api_url : "http://127.0.0.1:9", extra) > 0);
	free(extra);
	return s;
}

/*
 * Issue 10 (B5): a write lock held by another process (vaktctl import)
 * no longer sends an office-hours call to beredskap.  The caller is
 * looked up before the write batch opens (a WAL read never waits), so
 * the coordinator rings; the row waits in memory and is written once
 * the lock is gone.
 */
Test(voice, a_write_lock_held_elsewhere_still_rings_the_coordinator_issue10,
    .fini = ctx_fini)
{
	char *conf = config_busy_10ms(NULL), *path;
	struct ctx *c = start_conf(conf);
	const char *sid1 = "CA0000000000000000000000000000000d";
	const char *sid2 = "CA0000000000000000000000000000000e";
	const char *p1[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	const char *p2[] = {CALL(sid2, YOUTH, VT_SERVICE, "ringing"), NULL};
	struct dial_want w1 = {COORD, YOUTH, 0, 1, 'c'};
	struct dial_want w2 = {VT_BEREDSKAP, YOUTH, 0, 2, 'b'};
	struct dial_want w3 = {VT_FALLBACK, YOUTH, 0, 3, 'f'};
	struct dial_want w4 = {COORD, YOUTH, 1, 1, 'c'};
	struct vt_resp r;
	char *action, *a2, *a3;
	sqlite3 *lock;
	int64_t t0;

	add_directory(c);
	path = vt_path(c->dir, "vakt.db");
	cr_assert_eq(sqlite3_open_v2(path, &lock, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(lock));

	t0 = now_ms();
	vt_twilio_post(&r, &c->d, "/twilio/voice", p1);
	cr_assert_lt(now_ms() - t0, 2000, "answered within 2 s");
	action = expect_dial(&r, &w1, NULL);
	vt_resp_free(&r);
	/* Still locked: the chain goes on by the safety plan. */
	ring_out(&r, c, action, sid1, YOUTH, 1);
	a2 = expect_dial(&r, &w2, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a2, sid1, YOUTH, 2);
	a3 = expect_dial(&r, &w3, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a3, sid1, YOUTH, 3);
	expect_nobody(&r);
	vt_resp_free(&r);
	cr_assert(vt_daemon_wait_log(&c->d,
	    "alert for contact 0 could not be "
	    "queued",
	    2000));
	cr_assert(vt_daemon_wait_log(&c->d, "store: begin failed", 2000));
	cr_assert(
	    vt_daemon_wait_log(&c->d, "its row waits for the database", 2000));
	cr_assert_geq(metric(c, "vakt_failsafe_plans_total "), 1);
	cr_assert_geq(metric(c, "vakt_store_errors_total "), 1);
	/* A lock is contention, not a fault of the store. */
	expect_healthy(c);

	cr_assert_eq(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_close(lock), SQLITE_OK);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p2);
	free(expect_dial(&r, &w4, NULL));
	vt_resp_free(&r);
	/* The first call's row was written with the second's turn, and
	 * its missed-call alert that could not be queued. */
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 2);
	cr_assert_eq(contact_of(c, sid2), 1);
	cr_assert_eq(contact_of(c, sid1), 2);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox WHERE purpose = 0 "
			       "AND contact = 2 AND to_number = '"
			       VT_BEREDSKAP "'",
			 NULL),
	    1);
	cr_assert_eq(metric(c, "vakt_deferred_calls_total "), 2);
	cr_assert(vt_daemon_wait_log(&c->d, "store: working again", 2000));
	expect_not_logged(c, YOUTH);
	free(action);
	free(a2);
	free(a3);
	free(path);
	free(conf);
	stop(c);
}

/*
 * Issue 10 (B5): the call that rang the coordinator during a lock is
 * taken up again by its row once the lock lifts, and its missed-call
 * alerts carry that contact.
 */
Test(voice, a_call_missed_during_a_lock_is_recorded_and_alerted_issue10,
    .fini = ctx_fini)
{
	struct vt_fake *fake = vt_fake_start();
	char *conf = config_busy_10ms(vt_fake_url(fake)), *path;
	struct ctx *c = start_conf(conf);
	const char *sid1 = "CA00000000000000000000000000000014";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	struct dial_want w1 = {COORD, YOUTH, 0, 1, 'c'};
	struct dial_want w2 = {VT_BEREDSKAP, YOUTH, 0, 2, 'b'};
	struct dial_want w3 = {VT_FALLBACK, YOUTH, 1, 3, 'f'};
	struct vt_resp r;
	char *a1, *a2, *a3;
	sqlite3 *lock;

	c->fake = fake;
	add_directory(c);
	path = vt_path(c->dir, "vakt.db");
	cr_assert_eq(sqlite3_open_v2(path, &lock, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	a1 = expect_dial(&r, &w1, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a1, sid1, YOUTH, 1);
	a2 = expect_dial(&r, &w2, NULL);
	vt_resp_free(&r);
	cr_assert_eq(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_close(lock), SQLITE_OK);

	/* The lock is gone: the row is written and the chain goes on. */
	ring_out(&r, c, a2, sid1, YOUTH, 2);
	a3 = expect_dial(&r, &w3, NULL);
	vt_resp_free(&r);
	ring_out(&r, c, a3, sid1, YOUTH, 3);
	expect_nobody(&r);
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts", NULL), 1);
	cr_assert_eq(contact_of(c, sid1), 1);
	cr_assert_eq(db_int(c,
	                 "SELECT count(*) FROM outbox WHERE purpose = 0 "
	                 "AND contact = 1 AND to_number = '" VT_BEREDSKAP "'",
	                 NULL),
	    1);
	cr_assert(vt_fake_wait(fake, 1, 10000));
	cr_assert_eq(metric(c, "vakt_calls_total{event=\"missed\"} "), 1);
	expect_not_logged(c, YOUTH);
	free(a1);
	free(a2);
	free(a3);
	free(path);
	free(conf);
	stop(c);
}

Test(voice, a_caller_who_hangs_up_while_it_rings_is_missed_and_alerted,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, true);
	const char *sid1 = "CA0000000000000000000000000000000f";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	const char *gone[] = {CALL(sid1, YOUTH, VT_SERVICE, "completed"),
	    "CallDuration", "12", "Timestamp", "Mon, 16 Aug 2010 03:45:01 +0000",
	    "CallbackSource", "call-progress-events", "SequenceNumber", "0",
	    NULL};
	/* Twilio still requests the <Dial action>; its answer is ignored. */
	const char *late[] = {CALL(sid1, YOUTH, VT_SERVICE, "completed"),
	    "DialCallStatus", "no-answer", "DialCallSid",
	    "CA0000000000000000000000000000c00f", "DialBridged", "false", NULL};
	struct dial_want w = {COORD, YOUTH, 1, 1, 'c'};
	struct vt_resp r;
	char *action;
	bool to_ber = false, to_coord = false;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	action = expect_dial(&r, &w, NULL);
	vt_resp_free(&r);
	vt_twilio_post(&r, &c->d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204, "%s", r.body);
	cr_assert_eq(r.len, 0);
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 2);
	cr_assert_eq(db_int(c, "SELECT missed_reason FROM contacts", NULL), 1,
	    "hangup");
	cr_assert_eq(db_int(c, "SELECT duration_s FROM contacts", NULL), 12);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox WHERE to_number = '"
			       VT_BEREDSKAP "'",
			 NULL),
	    1);

	post_url(&r, c, action, late);
	expect_only(&r, "");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT outcome FROM legs WHERE step = 1",
			 NULL),
	    7, "caller hung up");
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT missed_reason FROM contacts", NULL), 1);

	cr_assert(vt_fake_wait(c->fake, 2, 10000), "%zu alerts sent",
	    vt_fake_count(c->fake));
	for (size_t i = 0; i < 2; i++) {
		struct vt_fake_msg m = vt_fake_get(c->fake, i);

		to_ber |= strcmp(m.to, VT_BEREDSKAP) == 0;
		to_coord |= strcmp(m.to, COORD) == 0;
		cr_assert_not_null(strstr(m.body, "Ubesvart anrop fra " YOUTH_ID),
		    "%s", m.body);
		vt_fake_msg_free(&m);
	}
	cr_assert(to_ber && to_coord);
	vt_msleep(300);
	cr_assert_eq(vt_fake_count(c->fake), 2, "no second round of alerts");
	free(action);
	stop(c);
}

Test(voice, a_call_to_an_unknown_number_rings_the_first_beredskap,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *p[] = {CALL("CA00000000000000000000000000000010", YOUTH,
	    "+4755999999", "ringing"), NULL};
	struct dial_want w = {VT_BEREDSKAP, YOUTH, 1, 1, 'b'};
	struct vt_resp r;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	free(expect_dial(&r, &w, NULL));
	vt_resp_free(&r);
	cr_assert(vt_daemon_wait_log(&c->d, "<4>twilio: To=+47*****999 is no "
	    "service number", 2000));
	cr_assert_eq(db_int(c, "SELECT count(*) FROM contacts WHERE service = "
			       "'due' AND why = 8",
			 NULL),
	    1, "logged on the first service, as an unknown service number");
	expect_not_logged(c, "+4755999999");
	expect_not_logged(c, YOUTH);
	stop(c);
}

/* The signature twilio-python 7.7.1 computes for url and params. */
static char *
python_signature(const char *token, const char *url,
    const char *const *params)
{
	static const char prog[] =
	    "import sys\n"
	    "from twilio.request_validator import RequestValidator\n"
	    "a = sys.argv[1:]\n"
	    "p = dict(zip(a[2::2], a[3::2]))\n"
	    "print(RequestValidator(a[0]).compute_signature(a[1], p))\n";
	const char *argv[40] = {"/usr/bin/python3", "-c", prog, token, url};
	size_t n = 5;
	struct vt_run r;
	char *out;

	for (size_t i = 0; params[i] != NULL; i++) {
		argv[n++] = params[i];
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]));
	}
	argv[n] = NULL;
	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0,
	    "twilio-python (Debian python3-twilio, see make deps): %s", r.err);
	out = strdup(r.out);
	out[strcspn(out, "\n")] = '\0';
	vt_run_free(&r);
	return out;
}

/* What vaktd itself computes (twilio.c) for url and params. */
static void
daemon_signature(const char *url, const char *const *params,
    char out[VAKT_TWILIO_SIG_LEN])
{
	struct vakt_kv kv[16];
	struct vakt_kvs kvs = {kv, 0};

	for (size_t i = 0; params[i] != NULL; i += 2) {
		cr_assert_lt(kvs.n, 16);
		kv[kvs.n].key = (char *)(uintptr_t)params[i];
		kv[kvs.n++].value = (char *)(uintptr_t)params[i + 1];
	}
	vakt_twilio_sign(VT_TOKEN, url, &kvs, out);
}

Test(voice, test_signing_agrees_with_twilios_own_helper_library)
{
	static const char *const vector[] = {"CallSid", "CA1234567890ABCDE",
	    "Caller", "+14158675309", "Digits", "1234", "From", "+14158675309",
	    "To", "+18005551212", NULL};
	const char *flow[] = {CALL("CA00000000000000000000000000000011", YOUTH,
	    VT_SERVICE, "completed"), "DialCallStatus", "no-answer",
	    "DialBridged", "false", "Body", "Hei på deg & velkommen =) 1+1",
	    "digits", "lower-case name sorts after upper", "FinishedOnKey", "",
	    NULL};
	const char *url = VT_PUBLIC "/twilio/voice/next?v=due&c=12&s=2&r=b";
	const char *vurl = "https://mycompany.com/myapp.php?foo=1&bar=2";
	char *ours, *py, mine[VAKT_TWILIO_SIG_LEN];

	/* The published vector, through all three implementations. */
	py = python_signature("12345", vurl, vector);
	cr_assert_str_eq(py, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	ours = vt_twilio_sign("12345", vurl, vector);
	cr_assert_str_eq(ours, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	free(ours);
	free(py);

	/* A webhook as our flow sends it: UTF-8, '&', '=', '+', empties. */
	py = python_signature(VT_TOKEN, url, flow);
	ours = vt_twilio_sign(VT_TOKEN, url, flow);
	daemon_signature(url, flow, mine);
	cr_assert_str_eq(ours, py, "tests/helpers.c vs twilio-python");
	cr_assert_str_eq(mine, py, "daemon/twilio.c vs twilio-python");
	free(ours);
	free(py);
}

Test(voice, a_withheld_number_is_never_offered_for_a_call_back,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, true);
	const char *sid1 = "CA00000000000000000000000000000012";
	/* Twilio's From for a caller who withholds the number. */
	const char *p[] = {CALL(sid1, "+266696687", VT_SERVICE, "ringing"),
	    NULL};
	const char *gone[] = {CALL(sid1, "+266696687", VT_SERVICE,
	    "completed"), "CallDuration", "20", NULL};
	struct dial_want w = {VT_BEREDSKAP, VT_SERVICE, 1, 1, 'b'};
	struct vt_fake_msg m;
	struct vt_resp r;

	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	free(expect_dial(&r, &w, NULL));
	vt_resp_free(&r);
	vt_twilio_post(&r, &c->d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204);
	vt_resp_free(&r);
	cr_assert(vt_fake_wait(c->fake, 1, 10000));
	m = vt_fake_get(c->fake, 0);
	cr_assert_str_eq(m.to, VT_BEREDSKAP);
	cr_assert_not_null(strstr(m.body, "Ubesvart anrop fra skjult nummer"),
	    "%s", m.body);
	cr_assert_null(strstr(m.body, "266696687"), "%s", m.body);
	cr_assert_null(strstr(m.body, "Ring tilbake"), "%s", m.body);
	vt_fake_msg_free(&m);
	stop(c);
}

Test(voice, without_confirmation_an_early_status_callback_is_no_miss,
    .fini = ctx_fini)
{
	char *office = office_extra(), *extra;
	struct ctx *c;
	const char *sid1 = "CA00000000000000000000000000000013";
	const char *p[] = {CALL(sid1, YOUTH, VT_SERVICE, "ringing"), NULL};
	/*
	 * The caller ends a conversation with the coordinator: the parent's
	 * status callback can arrive before the <Dial action> (§7.2).
	 */
	const char *gone[] = {CALL(sid1, YOUTH, VT_SERVICE, "completed"),
	    "CallDuration", "95", NULL};
	const char *done[] = {CALL(sid1, YOUTH, VT_SERVICE, "completed"),
	    "DialCallStatus", "completed", "DialCallSid",
	    "CA0000000000000000000000000000c013", "DialCallDuration", "80",
	    "DialBridged", "true", NULL};
	const char *action = VT_PUBLIC "/twilio/voice/next?v=due&c=1&s=1&r=c";
	struct vt_resp r;
	struct twiml t;

	cr_assert(asprintf(&extra, "%sconfirm_answer = false;\n", office) > 0);
	c = start(extra, true);
	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	twiml_parse(&t, &r);
	tx_eq(&t, "/Response/Dial/@action", action);
	cr_assert_eq(tn(&t, "/Response/Dial/Number/@url"), 0, "no whisper");
	twiml_free(&t);
	vt_resp_free(&r);

	vt_twilio_post(&r, &c->d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204);
	vt_resp_free(&r);
	post_url(&r, c, action, done);
	expect_only(&r, "Hangup");
	vt_resp_free(&r);
	cr_assert_eq(db_int(c, "SELECT status FROM contacts", NULL), 1);
	cr_assert_eq(db_int(c, "SELECT missed_reason IS NULL FROM contacts",
			 NULL),
	    1);
	cr_assert_eq(db_int(c, "SELECT count(*) FROM outbox", NULL), 0,
	    "no missed-call alert for an answered call");
	cr_assert_eq(metric(c, "vakt_calls_total{event=\"missed\"} "), 0);
	free(office);
	free(extra);
	stop(c);
}

/*
 * A contact id from an action URL that Twilio sends for another call
 * (an id a failed commit gave out twice) must not move that other
 * call's log: the request goes on by the safety plan instead.
 */
Test(voice, an_action_for_another_call_does_not_touch_this_calls_log,
    .fini = ctx_fini)
{
	struct ctx *c = start(NULL, false);
	const char *mine = "CA00000000000000000000000000000021";
	const char *other = "CA00000000000000000000000000000022";
	const char *p[] = {CALL(mine, YOUTH, VT_SERVICE, "ringing"), NULL};
	struct dial_want w1 = {COORD, YOUTH, 1, 1, 'c'};
	struct dial_want safe = {VT_BEREDSKAP, YOUTH, 0, 2, 'b'};
	struct vt_resp r;
	char *a1, *a2;

	add_directory(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	a1 = expect_dial(&r, &w1, NULL);
	vt_resp_free(&r);
	/* Twilio asks about `other`, with the URL that names `mine`. */
	ring_out(&r, c, a1, other, YOUTH, 1);
	a2 = expect_dial(&r, &safe, NULL);
	vt_resp_free(&r);
	cr_assert(vt_daemon_wait_log(&c->d, "belongs to another call", 2000));
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs WHERE outcome IS "
			       "NOT NULL",
			 NULL),
	    0, "the first call's leg is untouched");
	cr_assert_eq(db_int(c, "SELECT count(*) FROM legs", NULL), 1);
	free(a1);
	free(a2);
}
