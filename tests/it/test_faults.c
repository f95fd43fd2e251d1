#define _GNU_SOURCE /* asprintf */
/*
 * test_faults.c: storage faults through a real vaktd (issue 10, B5-B8,
 * B11).  A write lock held by another process, a full disk (a small
 * tmpfs mounted by the test), a commit that stalls (fsync held by the
 * LD_PRELOAD shim tests/fault/stall.c) and a request that fails half
 * way.  In each, a youth's call and SMS still reach a human within the
 * 2 s promise, nothing acknowledged with a normal reply lacks its row,
 * and /healthz tells the truth.
 *
 * Office hours come from the configuration (open all day, today and
 * tomorrow as special days), never from the wall clock.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "fake/fake_twilio.h"
#include "helpers.h"

#define YOUTH    "+4798765432"
#define YOUTH_ID "U-0142"
#define COORD    "+4791111111"
#define COORD_ID "K-1"
#define ALL_DAYS "[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"]"

#define CALL(sid, from)                                                        \
	"CallSid", (sid), "AccountSid", VT_SID, "From", (from), "To",          \
	    VT_SERVICE, "CallStatus", "ringing", "Direction", "inbound",       \
	    "ApiVersion", "2010-04-01", "Caller", (from), "Called", VT_SERVICE

/* The test's daemon and folders; fini cleans up after a failure too. */
static struct {
	char *dir; /* vakt.conf and vaktd.log */
	char *mnt; /* a tmpfs holding the database, or NULL */
	char *db;
	char *conf;
	const char *api_url; /* twilio.api_url, or NULL: nothing listens */
	struct vt_daemon d;
	bool is_running;
} env;

static void
fini(void)
{
	if (env.is_running) {
		(void)vt_daemon_stop(&env.d);
		vt_daemon_free(&env.d);
	}
	if (env.mnt != NULL) {
		(void)umount2(env.mnt, MNT_DETACH);
		(void)rmdir(env.mnt);
		free(env.mnt);
	}
	if (env.dir != NULL)
		vt_rmrf(env.dir);
	free(env.dir);
	free(env.db);
	free(env.conf);
	memset(&env, 0, sizeof(env));
}

static void
oslo_date(int offset, char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	cr_assert_not_null(localtime_r(&now, &tm));
	tm.tm_mday += offset;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	now = mktime(&tm);
	cr_assert_neq(now, (time_t)-1);
	cr_assert_not_null(localtime_r(&now, &tm));
	cr_assert_eq(strftime(out, 11, "%Y-%m-%d", &tm), 10);
}

/* Office hours all day; the database at db; extra at the top level. */
static char *
config(const char *db, const char *http_extra)
{
	char d0[11], d1[11], *s;

	oslo_date(0, d0);
	oslo_date(1, d1);
	cr_assert(
	    asprintf(&s,
	        "timezone = \"Europe/Oslo\";\n"
	        "database = \"%s\";\n"
	        "http = { listen = \"127.0.0.1\"; port = 0; "
	        "public_url = \"" VT_PUBLIC "\"; %s };\n"
	        "twilio = { account_sid = \"" VT_SID "\"; "
	        "auth_token = \"" VT_TOKEN "\"; "
	        "api_url = \"%s\"; };\n"
	        "services = ( {\n"
	        "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	        "  beredskap = \"" VT_BEREDSKAP "\";\n"
	        "  fallback = \"" VT_FALLBACK "\";\n"
	        "  office_hours = { days = " ALL_DAYS "; open = \"00:00\"; "
	        "close = \"24:00\"; };\n"
	        "  special_days = (\n"
	        "   { date = \"%s\"; name = \"test\"; open = \"00:00\"; "
	        "close = \"24:00\"; },\n"
	        "   { date = \"%s\"; name = \"test\"; open = \"00:00\"; "
	        "close = \"24:00\"; } );\n"
	        "} );\n",
	        db, http_extra != NULL ? http_extra : "",
	        env.api_url != NULL ? env.api_url : "http://127.0.0.1:9", d0,
	        d1) > 0);
	return s;
}

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

/* Start vaktd with its database at db (NULL: next to the config). */
static void
start(const char *db, const char *http_extra)
{
	if (env.dir == NULL)
		env.dir = vt_tmpdir();
	env.db = db != NULL ? strdup(db) : vt_path(env.dir, "vakt.db");
	env.conf = config(env.db, http_extra);
	cr_assert_eq(vt_daemon_start(&env.d, env.dir, env.conf), 0, "%s",
	    vt_daemon_log(&env.d));
	env.is_running = true;
	ctl((const char *[]){"coordinator", "add", COORD_ID, "--name", "Kari",
	    "--phone", COORD, NULL});
	ctl((const char *[]){"youth", "add", YOUTH_ID, "--phone", YOUTH,
	    "--coordinator", COORD_ID, "--name", "Ola", NULL});
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sid(char out[35], const char *prefix, unsigned n)
{
	snprintf(out, 35, "%s%032x", prefix, n);
}

/* What a call's TwiML rings first: the number and the contact id. */
struct dial {
	char number[32];
	long long contact;
	char action[256]; /* the <Dial action>: path and query */
};

/* The <Dial action> in body, as a path with its query, &amp; undone. */
static void
action_of(const char *body, char *out, size_t len)
{
	const char *a = strstr(body, "action=\"" VT_PUBLIC);
	size_t n = 0;

	cr_assert_not_null(a, "no action in %s", body);
	a += strlen("action=\"" VT_PUBLIC);
	while (*a != '"' && *a != '\0' && n + 1 < len) {
		if (strncmp(a, "&amp;", 5) == 0) {
			out[n++] = '&';
			a += 5;
		} else {
			out[n++] = *a++;
		}
	}
	out[n] = '\0';
}

static struct dial
first_dial(const struct vt_resp *r)
{
	struct dial d = {{0}, -1, {0}};
	const char *n, *c;

	cr_assert_eq(r->status, 200, "status %ld: %s", r->status, r->body);
	n = strstr(r->body, "<Number");
	cr_assert_not_null(n, "no <Number> in %s", r->body);
	n = strchr(n, '>');
	cr_assert_not_null(n);
	cr_assert_eq(sscanf(n + 1, "%31[^<]", d.number), 1, "%s", r->body);
	c = strstr(r->body, "c=");
	cr_assert_not_null(c, "no contact in %s", r->body);
	d.contact = strtoll(c + 2, NULL, 10);
	action_of(r->body, d.action, sizeof(d.action));
	return d;
}

/* A youth's call; how long it took to answer goes to *ms. */
static struct dial
call(unsigned n, int64_t *ms)
{
	char s[35];
	const char *p[] = {CALL(s, YOUTH), NULL};
	struct vt_resp r;
	struct dial d;
	int64_t t0 = mono_ms();

	sid(s, "CA", n);
	vt_twilio_post(&r, &env.d, "/twilio/voice", p);
	if (ms != NULL)
		*ms = mono_ms() - t0;
	d = first_dial(&r);
	vt_resp_free(&r);
	return d;
}

/* Leg `leg` of call n rang out unanswered: the <Dial action>'s reply. */
static char *
ring_out_body(unsigned n, unsigned leg, const struct dial *prev)
{
	char s[35], child[35];
	const char *p[] = {CALL(s, YOUTH), "DialCallStatus", "no-answer",
	    "DialCallSid", child, "DialCallDuration", "0", "DialBridged",
	    "false", NULL};
	struct vt_resp r;
	char *body;

	sid(s, "CA", n);
	sid(child, "CA", 0xc0000 + n * 16 + leg);
	vt_twilio_post(&r, &env.d, prev->action, p);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	body = strdup(r.body);
	vt_resp_free(&r);
	return body;
}

static struct dial
ring_out(unsigned n, unsigned leg, const struct dial *prev)
{
	struct vt_resp r = {0};
	struct dial d;

	r.status = 200;
	r.body = ring_out_body(n, leg, prev);
	d = first_dial(&r);
	free(r.body);
	return d;
}

/* An SMS from `from`; the reply body (caller frees). */
static char *
sms_from(const char *from, unsigned n, const char *body, int64_t *ms)
{
	char s[35];
	const char *p[] = {"MessageSid", s, "SmsMessageSid", s, "AccountSid",
	    VT_SID, "From", from, "To", VT_SERVICE, "Body", body, "NumMedia",
	    "0", "NumSegments", "1", "ApiVersion", "2010-04-01", NULL};
	struct vt_resp r;
	int64_t t0 = mono_ms();
	char *out;

	sid(s, "SM", n);
	vt_twilio_post(&r, &env.d, "/twilio/sms", p);
	if (ms != NULL)
		*ms = mono_ms() - t0;
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	out = strdup(r.body);
	vt_resp_free(&r);
	return out;
}

/* A youth's SMS; the reply body (caller frees). */
static char *
sms(unsigned n, const char *body, int64_t *ms)
{
	return sms_from(YOUTH, n, body, ms);
}

/* The reply is a TwiML <Message> to beredskap carrying the text. */
static void
expect_forward_to_beredskap(const char *twiml, const char *text)
{
	cr_assert_not_null(strstr(twiml, "<Message"), "%s", twiml);
	cr_assert_not_null(strstr(twiml, VT_BEREDSKAP), "%s", twiml);
	cr_assert_not_null(strstr(twiml, text), "%s", twiml);
}

static long
health(char **body)
{
	struct vt_resp r;
	char url[128];
	long st;

	snprintf(url, sizeof(url), "%s/healthz", env.d.url);
	vt_http(&r, "GET", url, NULL, NULL);
	st = r.status;
	if (body != NULL)
		*body = strdup(r.body != NULL ? r.body : "");
	vt_resp_free(&r);
	return st;
}

static long long
metric(const char *name)
{
	struct vt_resp r;
	char url[128], line[128], *p;
	long long v = -1;

	snprintf(url, sizeof(url), "%s/metrics", env.d.url);
	snprintf(line, sizeof(line), "\n%s", name); /* not the # HELP */
	vt_http(&r, "GET", url, NULL, NULL);
	cr_assert_eq(r.status, 200);
	p = strstr(r.body, line);
	if (p != NULL)
		v = strtoll(p + strlen(line), NULL, 10);
	vt_resp_free(&r);
	return v;
}

/* The first column of sql's one row (?1 = arg), read-only; -1 if none. */
static int64_t
db_int(const char *sql, const char *arg)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	cr_assert_eq(sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* The contact id of call n, or -1 if it has no row. */
static int64_t
row_of(const char *prefix, unsigned n)
{
	char s[35];

	sid(s, prefix, n);
	return db_int("SELECT id FROM contacts WHERE provider_id = ?1", s);
}

/* Poll /healthz (which also ends a loop turn) until want or 15 s. */
static bool
wait_health(long want)
{
	for (int i = 0; i < 150; i++) {
		if (health(NULL) == want)
			return true;
		vt_msleep(100);
	}
	return false;
}

/* vaktd exits 0 on SIGTERM (a sanitizer finding would make it fail). */
static void
stop_ok(void)
{
	int st = vt_daemon_stop(&env.d);

	cr_assert_eq(st, 0, "vaktd exit %d: %s", st, vt_daemon_log(&env.d));
	vt_daemon_free(&env.d);
	env.is_running = false;
}

TestSuite(faults, .fini = fini);

/* ---------------------------------------------------------------- */
/* B5: another process holds the write lock. */

Test(faults,
    a_write_lock_held_elsewhere_rings_the_coordinator_and_keeps_the_row_issue10)
{
	sqlite3 *lock = NULL;
	struct dial d;
	int64_t ms;
	bool found = false;

	start(NULL, NULL);
	cr_assert_eq(sqlite3_open(env.db, &lock), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(lock));

	d = call(1, &ms);
	cr_assert_str_eq(d.number, COORD,
	    "an office-hours call during a "
	    "write lock rings %s",
	    d.number);
	cr_assert_lt(ms, 2000, "answered in %lld ms", (long long)ms);
	cr_assert_eq(row_of("CA", 1), -1, "no row while the lock is held");

	cr_assert_eq(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_close(lock), SQLITE_OK);
	/* Any loop turn writes it now (/healthz at least once a second). */
	for (int i = 0; i < 150 && !found; i++) {
		(void)health(NULL);
		found = row_of("CA", 1) > 0;
		if (!found)
			vt_msleep(100);
	}
	cr_assert(found, "the call's row is written once the lock is gone");
	cr_assert_eq(metric("vakt_deferred_calls_total "), 1);
	cr_assert(vt_daemon_wait_log(&env.d, "1 deferred calls recorded", 0));
	stop_ok();
}

/* ---------------------------------------------------------------- */
/* B6, B11: the disk is full. */

/* Write to path until the file system is full. */
static void
fill(const char *path)
{
	static char block[64 * 1024];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	memset(block, 'x', sizeof(block));
	while ((n = write(fd, block, sizeof(block))) > 0)
		;
	cr_assert_eq(errno, ENOSPC, "filled until %s", strerror(errno));
	/* The last pages too, one byte at a time. */
	while (write(fd, block, 1) == 1)
		;
	close(fd);
}

Test(faults, a_full_disk_still_reaches_a_human_and_healthz_says_so_issue10)
{
	char *db, *filler, *twiml, *body = NULL;
	struct dial d, first, last;
	sqlite3 *c = NULL;
	int64_t ms;

	env.dir = vt_tmpdir();
	env.mnt = vt_path(env.dir, "disk");
	cr_assert_eq(mkdir(env.mnt, 0700), 0);
	if (mount("tmpfs", env.mnt, "tmpfs", 0, "size=2m,mode=0700") == -1) {
		int e = errno;

		rmdir(env.mnt);
		free(env.mnt);
		env.mnt = NULL;
		cr_skip_test("!!! FULL-DISK FAULT TEST SKIPPED: cannot mount a "
		             "tmpfs here (%s); run as root to test it !!!",
		    strerror(e));
	}
	db = vt_path(env.mnt, "vakt.db");
	filler = vt_path(env.mnt, "filler");
	start(db, NULL);

	/* Before: normal routing, and the row is there. */
	first = call(1, NULL);
	cr_assert_str_eq(first.number, COORD);
	cr_assert_eq(row_of("CA", 1), first.contact);
	cr_assert_eq(health(NULL), 200);
	/* Call 5 rings out to its last step before the disk fills. */
	last = call(5, NULL);
	last = ring_out(5, 1, &last);
	last = ring_out(5, 2, &last);
	cr_assert_str_eq(last.number, VT_FALLBACK);

	/* An empty WAL must grow to take the next commit; then fill up. */
	cr_assert_eq(sqlite3_open(db, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
	                 NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(c));
	sqlite3_close(c);
	fill(filler);

	/* A call still rings a human: beredskap, by the safety plan. */
	d = call(2, &ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP,
	    "a call on a full disk rings "
	    "%s",
	    d.number);
	cr_assert_eq(d.contact, 0);
	cr_assert_lt(ms, 2000);
	/* The call from before rings on: its leg cannot be recorded, but
	 * the caller hears the next human, never an error. */
	d = ring_out(1, 1, &first);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	/* Call 5's last step rings out: the closing message; its missed
	 * mark and alerts cannot be written now. */
	twiml = ring_out_body(5, 3, &last);
	cr_assert_not_null(strstr(twiml, "<Hangup/>"), "%s", twiml);
	free(twiml);
	/* A youth's SMS is forwarded to beredskap by TwiML, not dropped. */
	twiml = sms(1, "Hjelp meg", &ms);
	expect_forward_to_beredskap(twiml, "Hjelp meg");
	free(twiml);
	cr_assert_lt(ms, 2000);
	cr_assert_eq(health(&body), 503, "/healthz on a full disk");
	cr_assert_not_null(strstr(body, "store faulted"), "%s", body);
	cr_assert_not_null(strstr(body, "full"), "%s", body);
	cr_assert(strchr(body, '\n') == body + strlen(body) - 1, "one line: %s",
	    body);
	free(body);
	cr_assert_geq(metric("vakt_failsafe_replies_total "), 3);
	cr_assert_eq(metric("vakt_store_faulted "), 1);
	cr_assert(vt_daemon_wait_log(&env.d, "answered fail-safe", 0));

	/* Space again: the next commit works, /healthz is 200 again. */
	cr_assert_eq(unlink(filler), 0);
	d = call(3, NULL);
	cr_assert_str_eq(d.number, COORD);
	cr_assert_gt(d.contact, 0);
	cr_assert_eq(health(NULL), 200);
	twiml = sms(2, "Hei igjen", NULL);
	cr_assert_null(strstr(twiml, "<Message"), "%s", twiml);
	free(twiml);

	/* Every normal answer has its row; the call and the message
	 * answered fail-safe are recorded now that there is room. */
	cr_assert_eq(row_of("CA", 3), d.contact);
	cr_assert_gt(row_of("SM", 2), 0);
	cr_assert_gt(row_of("CA", 2), 0);
	/* Call 5 is marked missed and beredskap alerted after all. */
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = 0 "
	                    "AND to_number = '" VT_BEREDSKAP "' AND contact = "
	                    "(SELECT id FROM contacts WHERE provider_id = ?1)",
	                 "CA00000000000000000000000000000005"),
	    1);
	/* The message forwarded by TwiML is logged now, not forwarded
	 * again, and beredskap's reply would go back to the youth. */
	cr_assert_gt(row_of("SM", 1), 0);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE contact = "
	                    "(SELECT id FROM contacts WHERE provider_id = ?1)",
	                 "SM00000000000000000000000000000001"),
	    0);
	cr_assert_eq(db_int("SELECT count(*) FROM threads WHERE staff = ?1",
	                 VT_BEREDSKAP),
	    1);
	cr_assert_eq(metric("vakt_deferred_calls_total "), 3);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE contact = "
	                    "(SELECT id FROM contacts WHERE provider_id = ?1)",
	                 "SM00000000000000000000000000000002"),
	    1);
	free(db);
	free(filler);
	stop_ok();
}

/* A tmpfs of 2 MB at env.mnt, or the test is skipped (loudly). */
static void
small_disk(void)
{
	env.mnt = vt_path(env.dir, "disk");
	cr_assert_eq(mkdir(env.mnt, 0700), 0);
	if (mount("tmpfs", env.mnt, "tmpfs", 0, "size=2m,mode=0700") == -1) {
		int e = errno;

		rmdir(env.mnt);
		free(env.mnt);
		env.mnt = NULL;
		cr_skip_test("!!! FULL-DISK FAULT TEST SKIPPED: cannot mount a "
		             "tmpfs here (%s); run as root to test it !!!",
		    strerror(e));
	}
}

/*
 * The disk fills while a forward waits for Twilio's answer: Twilio has
 * the message, but vaktd cannot record that.  It must not send it again
 * (and again) while the disk stays full.
 */
Test(faults, a_send_that_cannot_be_recorded_is_not_sent_again_issue10)
{
	const struct vt_fake_answer slow[] = {{201, 0, 1500, 0, NULL}};
	struct vt_fake *fake = vt_fake_start();
	char *db, *filler, *twiml;
	sqlite3 *c = NULL;

	vt_fake_script(fake, slow, 1);
	env.api_url = vt_fake_url(fake);
	env.dir = vt_tmpdir();
	small_disk();
	db = vt_path(env.mnt, "vakt.db");
	filler = vt_path(env.mnt, "filler");
	start(db, NULL);
	twiml = sms(1, "Hei", NULL);
	cr_assert_null(strstr(twiml, "<Message"), "%s", twiml);
	free(twiml);
	cr_assert(vt_fake_wait(fake, 1, 5000), "the forward was not sent");

	/* Full before Twilio answers. */
	cr_assert_eq(sqlite3_open(db, &c), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
	                 NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(c));
	sqlite3_close(c);
	fill(filler);
	cr_assert(vt_daemon_wait_log(&env.d, "sent but not recorded", 5000),
	    "%s", vt_daemon_log(&env.d));
	cr_assert_not(
	    vt_fake_wait(fake, 2, 3000), "sent %zu times", vt_fake_count(fake));

	/* Space again: recorded as sent, still sent once. */
	cr_assert_eq(unlink(filler), 0);
	for (int i = 0; i < 50 &&
	     db_int("SELECT count(*) FROM outbox WHERE "
	            "sent_ms IS NOT NULL",
	         NULL) != 1;
	     i++)
		vt_msleep(100);
	cr_assert_eq(
	    db_int(
	        "SELECT count(*) FROM outbox WHERE sent_ms IS NOT NULL", NULL),
	    1);
	cr_assert_eq(vt_fake_count(fake), 1);
	free(db);
	free(filler);
	stop_ok();
	vt_fake_stop(fake);
}

/* ---------------------------------------------------------------- */
/* B8: a commit stalls (the disk frozen). */

/* A sanitized vaktd wants ASan first; the shim comes before it. */
static void
asan_after_preload(void)
{
	const char *was = getenv("ASAN_OPTIONS");
	char *opts;

	cr_assert(asprintf(&opts, "%s%sverify_asan_link_order=0",
	              was != NULL ? was : "",
	              was != NULL && was[0] != '\0' ? ":" : "") > 0);
	setenv("ASAN_OPTIONS", opts, 1);
	free(opts);
}

Test(faults, a_stalled_commit_keeps_the_2_s_promise_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *flag, *body = NULL;
	char *twiml;
	struct dial d;
	int64_t ms, t0;

	cr_assert_eq(access(so, R_OK), 0, "%s is built by make tests", so);
	env.dir = vt_tmpdir();
	flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	d = call(1, NULL);
	cr_assert_str_eq(d.number, COORD);

	vt_write(flag, "stall\n");
	t0 = mono_ms();
	/* The commit stalls: the turn is answered by its deadline. */
	d = call(2, &ms);
	cr_assert_lt(ms, 2000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	cr_assert_eq(d.contact, 0);
	/* While it is out: at once, without the database. */
	cr_assert_eq(health(&body), 503);
	cr_assert_not_null(strstr(body, "store stalled"), "%s", body);
	free(body);
	d = call(3, &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	twiml = sms(1, "Er det noen der", &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	expect_forward_to_beredskap(twiml, "Er det noen der");
	free(twiml);
	cr_assert_geq(metric("vakt_commit_stalls_total "), 1);
	cr_assert(vt_daemon_wait_log(&env.d, "commit stalled past", 0));
	cr_assert_gt(mono_ms() - t0, 1000, "the stall held");

	/* The disk comes back: normal service resumes. */
	cr_assert_eq(unlink(flag), 0);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	cr_assert(vt_daemon_wait_log(&env.d, "stalled commit finished", 0));
	d = call(4, NULL);
	cr_assert_str_eq(d.number, COORD);
	cr_assert_gt(d.contact, 0);
	cr_assert_eq(row_of("CA", 4), d.contact);
	/* The stalled turn's row landed late; the call routed during the
	 * stall was written once it was over. */
	cr_assert_gt(row_of("CA", 2), 0);
	cr_assert_gt(row_of("CA", 3), 0);
	free(flag);
	free(so);
	stop_ok();
}

/* Remove the stall flag after a while, so a test that hangs still ends. */
struct unstall {
	const char *flag;
	int after_ms;
};

static void *
unstall_main(void *arg)
{
	const struct unstall *u = arg;

	vt_msleep(u->after_ms);
	(void)unlink(u->flag);
	return NULL;
}

/* Hold the write lock from another connection for a while. */
struct lock_hold {
	const char *db;
	int ms;
	int rc;
};

static void *
lock_hold_main(void *arg)
{
	struct lock_hold *h = arg;
	sqlite3 *db = NULL;

	h->rc = sqlite3_open(h->db, &db);
	if (h->rc == SQLITE_OK)
		h->rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	vt_msleep(h->ms);
	if (h->rc == SQLITE_OK)
		h->rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/*
 * A lock wait and a stalled commit in one turn: BEGIN waits 1.2 s for
 * another process's lock, then the commit stalls.  The commit's
 * deadline counts from the turn's BEGIN, so the caller still hears
 * within 2 s (before, 1.2 s of waiting plus a whole 1.5 s deadline).
 */
Test(faults, a_lock_wait_then_a_stalled_commit_still_answer_within_2_s_issue10)
{
	char *so = vt_bin("tests/fault/stall.so");
	struct lock_hold h = {NULL, 1200, 0};
	struct unstall u = {NULL, 8000};
	pthread_t lock_th, stall_th;
	struct dial d;
	int64_t ms;

	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, "busy_timeout_ms = 1500;");
	d = call(1, NULL);
	cr_assert_str_eq(d.number, COORD);

	h.db = env.db;
	cr_assert_eq(pthread_create(&lock_th, NULL, lock_hold_main, &h), 0);
	vt_msleep(200); /* the lock is taken */
	vt_write(u.flag, "stall\n");
	cr_assert_eq(pthread_create(&stall_th, NULL, unstall_main, &u), 0);
	d = call(2, &ms);
	cr_assert_lt(ms, 2000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP, "fail-safe: not durable");
	pthread_join(lock_th, NULL);
	cr_assert_eq(h.rc, SQLITE_OK, "the lock was held and released");

	(void)unlink(u.flag);
	pthread_join(stall_th, NULL);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	free((char *)u.flag);
	free(so);
	stop_ok();
}

/*
 * A forward's send was in flight when the commit stalled; Twilio
 * answers during the stall.  Recording that answer must not wait for
 * the disk: /healthz (and every webhook) is still answered at once.
 */
Test(faults, an_outbox_answer_during_a_stall_does_not_block_the_loop_issue10)
{
	const struct vt_fake_answer slow[] = {{201, 0, 2500, 0, NULL}};
	char *so = vt_bin("tests/fault/stall.so"), *twiml;
	struct vt_fake *fake = vt_fake_start();
	struct unstall u = {NULL, 8000};
	pthread_t th;
	int64_t ms, t0;
	struct dial d;
	long st;

	vt_fake_script(fake, slow, 1);
	env.api_url = vt_fake_url(fake);
	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	twiml = sms(1, "Hei", NULL);
	cr_assert_null(strstr(twiml, "<Message"), "%s", twiml);
	free(twiml);
	cr_assert(vt_fake_wait(fake, 1, 5000), "the forward was not sent");

	/* The disk freezes while the forward waits for Twilio's answer. */
	vt_write(u.flag, "stall\n");
	t0 = mono_ms();
	cr_assert_eq(pthread_create(&th, NULL, unstall_main, &u), 0);
	d = call(2, &ms);
	cr_assert_lt(ms, 2000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	/* Twilio has answered by now; vaktd must not wait to record it. */
	vt_msleep((int)(3500 - (mono_ms() - t0)));
	t0 = mono_ms();
	st = health(NULL);
	ms = mono_ms() - t0;
	cr_assert_lt(ms, 1000, "/healthz answered in %lld ms", (long long)ms);
	cr_assert_eq(st, 503);
	d = call(3, &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);

	/* The disk comes back: the send is recorded, and sent only once. */
	(void)unlink(u.flag);
	pthread_join(th, NULL);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	for (int i = 0; i < 50 &&
	     db_int("SELECT count(*) FROM outbox WHERE "
	            "state = 0",
	         NULL) != 0;
	     i++)
		vt_msleep(100);
	cr_assert_eq(
	    db_int(
	        "SELECT count(*) FROM outbox WHERE sent_ms IS NOT NULL", NULL),
	    1);
	cr_assert_not(vt_fake_wait(fake, 2, 1500), "sent twice");
	stop_ok();
	vt_fake_stop(fake);
	free((char *)u.flag);
	free(so);
}

/*
 * The disk freezes while nothing but the outbox writes: its retry of a
 * forward notes the try (a commit) during the freeze.  That commit must
 * not hold the loop either: calls and /healthz are answered at once.
 */
Test(faults, an_outbox_retry_during_a_freeze_does_not_block_the_loop_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *twiml;
	struct unstall u = {NULL, 9000};
	pthread_t th;
	int64_t ms, t0;
	struct dial d;
	long st;

	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	/* Nothing listens at api_url: the forward's first try fails and
	 * its next one comes about 2 s later. */
	twiml = sms(1, "Hei", NULL);
	free(twiml);
	cr_assert(vt_daemon_wait_log(&env.d, "try 1 failed", 5000), "%s",
	    vt_daemon_log(&env.d));
	vt_write(u.flag, "stall\n");
	t0 = mono_ms();
	cr_assert_eq(pthread_create(&th, NULL, unstall_main, &u), 0);
	vt_msleep(4500);
	t0 = mono_ms();
	st = health(NULL);
	ms = mono_ms() - t0;
	cr_assert_lt(ms, 1000, "/healthz answered in %lld ms: %s",
	    (long long)ms, vt_daemon_log(&env.d));
	cr_assert_eq(st, 503);
	d = call(2, &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);

	(void)unlink(u.flag);
	pthread_join(th, NULL);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	cr_assert_gt(row_of("CA", 2), 0);
	free((char *)u.flag);
	free(so);
	stop_ok();
}

/*
 * A sent message's body is wiped from the WAL by a checkpoint; that
 * checkpoint runs while the disk is frozen (a reader kept it waiting
 * until then).  It must not hold the loop.
 */
Test(faults, a_checkpoint_during_a_freeze_does_not_block_the_loop_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *twiml;
	struct vt_fake *fake = vt_fake_start();
	struct unstall u = {NULL, 7000};
	sqlite3 *r = NULL;
	pthread_t th;
	int64_t ms, t0;
	struct dial d;
	long st;

	env.api_url = vt_fake_url(fake);
	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	/* A reader keeps the checkpoint from truncating the WAL. */
	cr_assert_eq(sqlite3_open(env.db, &r), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(r, "BEGIN; SELECT count(*) FROM contacts",
	                 NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(r));
	twiml = sms(1, "Hei", NULL);
	free(twiml);
	cr_assert(vt_fake_wait(fake, 1, 5000), "the forward was not sent");
	cr_assert(vt_daemon_wait_log(&env.d, "outbox: sent row=1", 5000), "%s",
	    vt_daemon_log(&env.d));

	/* The disk freezes; then the reader goes and the checkpoint runs. */
	vt_write(u.flag, "stall\n");
	cr_assert_eq(pthread_create(&th, NULL, unstall_main, &u), 0);
	(void)sqlite3_exec(r, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(r);
	vt_msleep(2500);
	t0 = mono_ms();
	st = health(NULL);
	ms = mono_ms() - t0;
	cr_assert_lt(ms, 1000, "/healthz answered in %lld ms: %s",
	    (long long)ms, vt_daemon_log(&env.d));
	cr_assert_eq(st, 503);
	d = call(2, &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);

	(void)unlink(u.flag);
	pthread_join(th, NULL);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	free((char *)u.flag);
	free(so);
	stop_ok();
	vt_fake_stop(fake);
}

/*
 * SIGHUP while the disk is frozen and nothing else has written: the
 * reload's audit row must not hold the loop.
 */
Test(faults, a_reload_during_a_freeze_does_not_block_the_loop_issue10)
{
	char *so = vt_bin("tests/fault/stall.so");
	struct unstall u = {NULL, 7000};
	pthread_t th;
	int64_t ms, t0;
	struct dial d;

	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	vt_write(u.flag, "stall\n");
	cr_assert_eq(pthread_create(&th, NULL, unstall_main, &u), 0);
	cr_assert_eq(kill(env.d.pid, SIGHUP), 0);
	cr_assert(vt_daemon_wait_log(&env.d, "config: reloaded", 5000), "%s",
	    vt_daemon_log(&env.d));
	t0 = mono_ms();
	(void)health(NULL);
	ms = mono_ms() - t0;
	cr_assert_lt(ms, 1000, "/healthz answered in %lld ms: %s",
	    (long long)ms, vt_daemon_log(&env.d));
	d = call(1, &ms);
	cr_assert_lt(ms, 1000, "answered in %lld ms", (long long)ms);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);

	(void)unlink(u.flag);
	pthread_join(th, NULL);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	free((char *)u.flag);
	free(so);
	stop_ok();
}

/*
 * SIGTERM while a commit is stalled: vaktd waits for the disk, and the
 * call and message answered fail-safe meanwhile still get their rows.
 */
Test(faults, sigterm_during_a_stall_keeps_the_calls_answered_meanwhile_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *twiml;
	struct unstall u = {NULL, 1500};
	pthread_t th;
	struct dial d;
	int st;

	env.dir = vt_tmpdir();
	u.flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", u.flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	vt_write(u.flag, "stall\n");
	d = call(1, NULL);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	d = call(2, NULL);
	cr_assert_str_eq(d.number, VT_BEREDSKAP);
	twiml = sms(1, "Er det noen der", NULL);
	expect_forward_to_beredskap(twiml, "Er det noen der");
	free(twiml);

	/* Stopped while the disk is frozen; it thaws a little later. */
	cr_assert_eq(pthread_create(&th, NULL, unstall_main, &u), 0);
	st = vt_daemon_stop(&env.d);
	pthread_join(th, NULL);
	cr_assert_eq(st, 0, "vaktd exit %d: %s", st, vt_daemon_log(&env.d));
	vt_daemon_free(&env.d);
	env.is_running = false;
	cr_assert_gt(row_of("CA", 1), 0);
	cr_assert_gt(row_of("CA", 2), 0);
	cr_assert_gt(row_of("SM", 1), 0);
	free((char *)u.flag);
	free(so);
}

/*
 * A message forwarded to beredskap by TwiML because its commit stalled,
 * where the commit then worked after all: beredskap's reply still goes
 * back to that youth, not to the one beredskap wrote to before.
 */
Test(
    faults, beredskap_answers_the_youth_whose_message_a_stall_forwarded_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *flag, *twiml;
	sqlite3 *c = NULL;

	env.dir = vt_tmpdir();
	flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	ctl((const char *[]){"youth", "add", "U-0200", "--phone", "+4798700200",
	    "--coordinator", COORD_ID, NULL});
	/* Beredskap's thread points at another youth (written here, not
	 * by a "#U-0200" switch: the send of its notice writes on the
	 * loop, outside the writer thread, and would wait for the shim). */
	cr_assert_eq(sqlite3_open(env.db, &c), SQLITE_OK);
	sqlite3_busy_timeout(c, 5000);
	cr_assert_eq(sqlite3_exec(c,
	                 "INSERT INTO threads VALUES ('due', '" VT_BEREDSKAP
	                 "', 'U-0200', '+4798700200', 1)",
	                 NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(c));
	sqlite3_close(c);

	vt_write(flag, "stall\n");
	twiml = sms(2, "Kan noen ringe meg", NULL);
	expect_forward_to_beredskap(twiml, "Kan noen ringe meg");
	free(twiml);
	cr_assert_eq(unlink(flag), 0);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	cr_assert(vt_daemon_wait_log(&env.d, "stalled commit finished", 0));
	(void)health(NULL); /* a turn for the deferred row */

	free(sms_from(VT_BEREDSKAP, 3, "Jeg ringer deg nå", NULL));
	cr_assert_eq(db_int("SELECT count(*) FROM outbox WHERE purpose = 2 "
	                    "AND to_number = ?1",
	                 YOUTH),
	    1, "the reply went elsewhere: %s", vt_daemon_log(&env.d));
	free(flag);
	free(so);
	stop_ok();
}

/*
 * Beredskap replies while a commit is stalled: the reply cannot be
 * relayed, so beredskap is told so.  It is no youth's message: it does
 * not come back to beredskap as a forward, and once the disk is back
 * beredskap's thread does not point at beredskap's own number.
 */
Test(faults, a_staff_reply_during_a_stall_is_refused_not_forwarded_issue10)
{
	char *so = vt_bin("tests/fault/stall.so"), *flag, *twiml;

	env.dir = vt_tmpdir();
	flag = vt_path(env.dir, "stall");
	setenv("LD_PRELOAD", so, 1);
	setenv("VAKT_STALL_FILE", flag, 1);
	asan_after_preload();
	start(NULL, NULL);
	vt_write(flag, "stall\n");
	(void)call(1, NULL); /* the commit that stalls */
	twiml = sms_from(VT_BEREDSKAP, 1, "Jeg ringer deg straks", NULL);
	cr_assert_null(strstr(twiml, "Jeg ringer deg straks"), "%s", twiml);
	cr_assert_not_null(strstr(twiml, "ikke sendt"), "%s", twiml);
	free(twiml);
	cr_assert_eq(unlink(flag), 0);
	cr_assert(wait_health(200), "%s", vt_daemon_log(&env.d));
	(void)health(NULL); /* a turn for the deferred rows */
	cr_assert_eq(row_of("SM", 1), -1);
	cr_assert_eq(db_int("SELECT count(*) FROM threads WHERE number = ?1",
	                 VT_BEREDSKAP),
	    0);
	free(flag);
	free(so);
	stop_ok();
}

/* ---------------------------------------------------------------- */
/* B7: a request fails half way. */

Test(faults, a_request_failing_half_way_leaves_only_its_failsafe_answer_issue10)
{
	sqlite3 *c = NULL;
	char *twiml;

	start(NULL, NULL);
	/* The contact and its forward are written, then the thread fails. */
	cr_assert_eq(sqlite3_open(env.db, &c), SQLITE_OK);
	sqlite3_busy_timeout(c, 5000);
	cr_assert_eq(sqlite3_exec(c,
	                 "CREATE TRIGGER fault BEFORE INSERT ON threads "
	                 "BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
	                 NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(c));
	sqlite3_close(c);

	twiml = sms(1, "Kan noen ringe meg", NULL);
	expect_forward_to_beredskap(twiml, "Kan noen ringe meg");
	free(twiml);
	/* Nothing of it stays: no contact, no second forward by SMS. */
	(void)health(NULL);
	cr_assert_eq(row_of("SM", 1), -1);
	cr_assert_eq(db_int("SELECT count(*) FROM outbox", NULL), 0);
	cr_assert_eq(health(NULL), 200, "a refused request is no store fault");
	stop_ok();
}
