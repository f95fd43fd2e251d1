/*
 * test_outbox.c: the durable outbox against the fake Messages API.
 * Retries on 5xx, 429 (Retry-After), timeouts and network errors;
 * permanent failures on other 4xx and after give_up; rows that survive
 * a SIGKILL; the exact request Twilio gets; and no message body left
 * in any database file once a message is delivered.
 *
 * Most tests put their rows in the outbox with sqlite3 before vaktd
 * starts (vaktctl creates the schema), so each row's body, age and
 * numbers are known; one goes through a real missed call.
 */
#include <sys/socket.h>

#include <netinet/in.h>

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
#include "vakt/contact.h"

/* Fast retries: 1 s, then 2 s (±20 % jitter); a 1 s request timeout. */
#define FAST_OUTBOX                                                        \
	"outbox = { retry_first = 1; retry_max = 2; give_up = 60; "        \
	"timeout = 1; };"

#define TO_NUMBER "+4791234567"

/* One outbox row as the tests read it. */
struct row {
	int state; /* enum vakt_outbox_state */
	int attempts;
	int64_t next_ms;
	bool has_body;
	char body[256];
	char sid[64];
	char error[256];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sqlite3 *
db_open(const char *dir)
{
	char *path = vt_path(dir, "vakt.db");
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK, "open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	free(path);
	return db;
}

/* Write the configuration and let vaktctl init create the database. */
static void
db_create(const char *dir, const char *conf)
{
	char *path = vt_path(dir, "vakt.conf"), *ctl = vt_bin("vaktctl");
	const char *argv[] = {ctl, "-c", path, "init", NULL};
	struct vt_run r;

	vt_write(path, conf);
	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "vaktctl: %s", r.err);
	vt_run_free(&r);
	free(ctl);
	free(path);
}

/* A pending alert to TO_NUMBER, created at created_ms; its id. */
static int64_t
row_add(const char *dir, const char *body, int64_t created_ms)
{
	static const char sql[] =
	    "INSERT INTO outbox (service, purpose, to_number, from_number,"
	    " body, body_len, created_ms, next_ms, state)"
	    " VALUES ('due', 0, ?1, ?2, ?3, ?4, ?5, ?6, 0)";
	sqlite3 *db = db_open(dir);
	sqlite3_stmt *s;
	int64_t id;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(s, 1, TO_NUMBER, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, VT_SERVICE, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)strlen(body));
	sqlite3_bind_int64(s, 5, created_ms);
	sqlite3_bind_int64(s, 6, now_ms());
	cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "%s", sqlite3_errmsg(db));
	id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return id;
}

static void
copy_col(sqlite3_stmt *s, int i, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	snprintf(out, len, "%s", v != NULL ? (const char *)v : "");
}

/* Row id, read afresh (vaktd writes it meanwhile). */
static struct row
row_get(const char *dir, int64_t id)
{
	static const char sql[] =
	    "SELECT state, attempts, next_ms, body IS NOT NULL, body, sid,"
	    " error FROM outbox WHERE id = ?1";
	sqlite3 *db = db_open(dir);
	sqlite3_stmt *s;
	struct row r = {0};

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(s, 1, id);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "no outbox row %lld",
	    (long long)id);
	r.state = sqlite3_column_int(s, 0);
	r.attempts = sqlite3_column_int(s, 1);
	r.next_ms = sqlite3_column_int64(s, 2);
	r.has_body = sqlite3_column_int(s, 3) != 0;
	copy_col(s, 4, r.body, sizeof(r.body));
	copy_col(s, 5, r.sid, sizeof(r.sid));
	copy_col(s, 6, r.error, sizeof(r.error));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return r;
}

/* The id of the only row in the outbox (one written by vaktd). */
static int64_t
row_only(const char *dir)
{
	sqlite3 *db = db_open(dir);
	sqlite3_stmt *s;
	int64_t id;

	cr_assert_eq(sqlite3_prepare_v2(db,
	    "SELECT count(*), max(id) FROM outbox", -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(s, 0), 1, "outbox rows: %d",
	    sqlite3_column_int(s, 0));
	id = sqlite3_column_int64(s, 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return id;
}

/* Poll until row id is in state (or has attempts >= min_attempts). */
static struct row
row_wait(const char *dir, int64_t id, int state, int min_attempts, int ms)
{
	struct row r = row_get(dir, id);

	for (int waited = 0; waited < ms; waited += 20) {
		if (r.state == state && r.attempts >= min_attempts)
			break;
		vt_msleep(20);
		r = row_get(dir, id);
	}
	return r;
}

/* The value of a metric without labels, or -1 if /metrics lacks it. */
static double
metric(const struct vt_daemon *d, const char *name)
{
	char url[128], needle[128];
	struct vt_resp r;
	const char *p;
	double v = -1;

	snprintf(url, sizeof(url), "%s/metrics", d->url);
	snprintf(needle, sizeof(needle), "\n%s ", name);
	vt_http(&r, "GET", url, NULL, NULL);
	cr_assert_eq(r.status, 200);
	p = strstr(r.body, needle);
	if (p != NULL)
		v = strtod(p + strlen(needle), NULL);
	vt_resp_free(&r);
	return v;
}

/* True if the file at dir/name holds needle (a missing file does not). */
static bool
file_has(const char *dir, const char *name, const char *needle)
{
	char *path = vt_path(dir, name);
	size_t len = 0, n = strlen(needle);
	char *data = vt_slurp(path, &len);
	bool found = false;

	for (size_t i = 0; data != NULL && i + n <= len && !found; i++)
		found = memcmp(data + i, needle, n) == 0;
	free(data);
	free(path);
	return found;
}

static bool
db_files_have(const char *dir, const char *needle)
{
	return file_has(dir, "vakt.db", needle) ||
	    file_has(dir, "vakt.db-wal", needle) ||
	    file_has(dir, "vakt.db-shm", needle);
}

/* Poll until no database file holds needle (vaktd checkpoints soon). */
static bool
body_gone(const char *dir, const char *needle, int ms)
{
	for (int waited = 0; waited < ms; waited += 50) {
		if (!db_files_have(dir, needle))
			return true;
		vt_msleep(50);
	}
	return !db_files_have(dir, needle);
}

/*
 * "http://127.0.0.1:PORT" where nothing listens: a bound socket that
 * never listens refuses connections and keeps the port from others.
 * Returns the socket, to be closed by the caller.
 */
static int
closed_port(char *url, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sa_len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sa_len), 0);
	snprintf(url, len, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	return fd;
}

/* A fresh body that nothing else in the database or log contains. */
static void
marker(char *out, size_t len, const char *tag)
{
	snprintf(out, len, "OBXMARK-%s-%ld-%ld", tag, (long)getpid(),
	    (long)(now_ms() % 1000000));
}

/*
 * What one test holds.  obx_fini releases it even after a failed
 * assertion (Criterion runs .fini then), so no vaktd outlives its test.
 */
struct obx {
	char *dir;
	char *conf;
	struct vt_fake *fake; /* answers as scripted; 201 by default */
	struct vt_fake *slow; /* a second fake, when a test needs one */
	struct vt_daemon d;
	int fd; /* closed_port()'s socket, or -1 */
};

/* The running test's context: Criterion forks each test, so one each. */
static struct obx *cur;

static void
obx_fini(void)
{
	struct obx *o = cur;

	if (o == NULL)
		return;
	cur = NULL;
	vt_daemon_free(&o->d); /* kills a vaktd still running */
	vt_fake_stop(o->fake);
	vt_fake_stop(o->slow);
	if (o->fd >= 0)
		close(o->fd);
	vt_rmrf(o->dir);
	free(o->dir);
	free(o->conf);
	free(o);
}

/* A temp dir, a fake, and a configuration (api_url NULL: the fake). */
static struct obx *
obx_new(const char *api_url, const char *top_extra)
{
	struct obx *o = calloc(1, sizeof(*o));

	cr_assert_not_null(o);
	o->fd = -1;
	cur = o;
	o->dir = vt_tmpdir();
	o->fake = vt_fake_start();
	o->conf = vt_config(api_url != NULL ? api_url : vt_fake_url(o->fake),
	    NULL, top_extra);
	return o;
}

/* (Re)write the configuration for the next start. */
static void
obx_conf(struct obx *o, const char *api_url, const char *top_extra)
{
	free(o->conf);
	o->conf = vt_config(api_url, NULL, top_extra);
}

/* Start vaktd on the test's dir and configuration. */
static void
obx_start(struct obx *o)
{
	if (vt_daemon_start(&o->d, o->dir, o->conf) != 0) {
		char *log = vt_daemon_log(&o->d);

		cr_assert_fail("vaktd did not start: %s", log);
	}
}

/* SIGTERM must end vaktd cleanly; .fini frees the rest. */
static void
obx_stop(struct obx *o)
{
	cr_assert_eq(vt_daemon_stop(&o->d), 0, "vaktd exits 0 on SIGTERM");
}

/* Ring out a call from an unknown number: vaktd queues an alert. */
static void
missed_call(const struct vt_daemon *d)
{
	const char *call[] = {"CallSid", "CA00000000000000000000000000000042",
	    "From", "+4798765432", "To", VT_SERVICE, "CallStatus", "ringing",
	    NULL};
	const char *gone[] = {"CallSid", "CA00000000000000000000000000000042",
	    "From", "+4798765432", "To", VT_SERVICE, "CallStatus", "completed",
	    "CallDuration", "30", NULL};
	struct vt_resp r;

	vt_twilio_post(&r, d, "/twilio/voice", call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	vt_twilio_post(&r, d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204, "%s", r.body);
	vt_resp_free(&r);
}

Test(outbox, a_500_is_retried_and_the_row_is_sent_once_with_its_sid,
    .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {{500, 0, 0, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	struct vt_fake_msg m0, m1;
	struct row r;
	int64_t id;

	vt_fake_script(o->fake, script, 1);
	obx_start(o);
	missed_call(&o->d);
	cr_assert(vt_fake_wait(o->fake, 2, 8000), "requests: %zu",
	    vt_fake_count(o->fake));
	id = row_only(o->dir);
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 3000);
	m0 = vt_fake_get(o->fake, 0);
	m1 = vt_fake_get(o->fake, 1);
	cr_assert_eq(m0.status, 500);
	cr_assert_eq(m1.status, 201);
	cr_assert_str_eq(m0.body, m1.body, "the retry sends the same text");
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	cr_assert_str_eq(r.sid, m1.sid);
	cr_assert_eq(r.attempts, 2);
	cr_assert_not(r.has_body, "body wiped after delivery: %s", r.body);
	cr_assert_str_empty(r.error, "a sent row keeps no error: %s", r.error);
	/* Longer than the longest backoff (2 s + 20 %): no third send. */
	cr_assert_not(vt_fake_wait(o->fake, 3, 3000), "sent again");
	cr_assert_eq(metric(&o->d, "vakt_outbox_sent_total"), 1);
	cr_assert_eq(metric(&o->d, "vakt_outbox_retries_total"), 1);
	cr_assert_eq(metric(&o->d, "vakt_outbox_pending"), 0);
	vt_fake_msg_free(&m0);
	vt_fake_msg_free(&m1);
	obx_stop(o);
}

Test(outbox, a_429_is_retried_no_sooner_than_its_retry_after,
    .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {{429, 2, 0, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	struct vt_fake_msg m0, m1;
	struct row r;
	int64_t id, gap;

	db_create(o->dir, o->conf);
	id = row_add(o->dir, "429 test", now_ms());
	vt_fake_script(o->fake, script, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 2, 8000), "requests: %zu",
	    vt_fake_count(o->fake));
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 3000);
	m0 = vt_fake_get(o->fake, 0);
	m1 = vt_fake_get(o->fake, 1);
	gap = m1.at_ms - m0.at_ms;
	cr_assert_eq(m0.status, 429);
	cr_assert_eq(m1.status, 201);
	/* retry_first = 1 s alone would come back after 0.8..1.2 s. */
	cr_assert_geq(gap, 1950, "second try %lld ms after a 429 with "
	    "Retry-After: 2", (long long)gap);
	cr_assert_lt(gap, 4000, "Retry-After, not much more: %lld ms",
	    (long long)gap);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	cr_assert_str_eq(r.sid, m1.sid);
	cr_assert_eq(r.attempts, 2);
	vt_fake_msg_free(&m0);
	vt_fake_msg_free(&m1);
	obx_stop(o);
}

Test(outbox, a_400_fails_for_good_after_one_request, .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {{400, 0, 0, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char body[64], *log;
	struct row r;
	int64_t id;

	marker(body, sizeof(body), "400");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	vt_fake_script(o->fake, script, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	r = row_wait(o->dir, id, VAKT_OUTBOX_FAILED, 0, 3000);
	cr_assert_eq(r.state, VAKT_OUTBOX_FAILED, "state %d", r.state);
	cr_assert_eq(r.attempts, 1);
	cr_assert_not_null(strstr(r.error, "400"), "error: %s", r.error);
	cr_assert_not_null(strstr(r.error, "21211"), "error: %s", r.error);
	cr_assert_not(r.has_body, "a failed row keeps no body: %s", r.body);
	cr_assert(vt_daemon_wait_log(&o->d, "<3>outbox: ", 2000),
	    "no error line in the log");
	/* A permanent failure is not retried (backoff would be <= 2.4 s). */
	cr_assert_not(vt_fake_wait(o->fake, 2, 3000), "retried a 400");
	cr_assert_eq(metric(&o->d, "vakt_outbox_failures_total"), 1);
	cr_assert_eq(metric(&o->d, "vakt_outbox_failed"), 1);
	cr_assert_eq(metric(&o->d, "vakt_outbox_retries_total"), 0);
	cr_assert_eq(metric(&o->d, "vakt_outbox_pending"), 0);
	log = vt_daemon_log(&o->d);
	cr_assert_null(strstr(log, body), "the body was logged");
	free(log);
	obx_stop(o);
}

/*
 * Found with these tests: a failed row's body was wiped from the table
 * but no checkpoint followed, so the old page stayed on disk.
 */
Test(outbox, a_failed_rows_body_leaves_every_database_file,
    .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {{400, 0, 0, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char body[64];
	int64_t id;

	marker(body, sizeof(body), "failed");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	cr_assert(db_files_have(o->dir, body), "the marker is findable");
	vt_fake_script(o->fake, script, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	cr_assert_eq(row_wait(o->dir, id, VAKT_OUTBOX_FAILED, 0, 3000).state,
	    VAKT_OUTBOX_FAILED);
	cr_assert(body_gone(o->dir, body, 5000), "the body is still in%s%s",
	    file_has(o->dir, "vakt.db", body) ? " vakt.db" : "",
	    file_has(o->dir, "vakt.db-wal", body) ? " vakt.db-wal" : "");
	obx_stop(o);
}

Test(outbox, a_request_that_times_out_is_retried_then_sent,
    .fini = obx_fini)
{
	/* timeout = 1 s: the first answer would come 2 s too late. */
	const struct vt_fake_answer script[] = {{201, 0, 3000, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	struct vt_fake_msg m0, m1;
	struct row r;
	int64_t id;

	db_create(o->dir, o->conf);
	id = row_add(o->dir, "timeout test", now_ms());
	vt_fake_script(o->fake, script, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 2, 8000), "requests: %zu",
	    vt_fake_count(o->fake));
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 3000);
	m0 = vt_fake_get(o->fake, 0);
	m1 = vt_fake_get(o->fake, 1);
	/* Given up after the timeout, not after the fake's late answer. */
	cr_assert_lt(m1.at_ms - m0.at_ms, 2900, "retry %lld ms later",
	    (long long)(m1.at_ms - m0.at_ms));
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	cr_assert_eq(r.attempts, 2);
	cr_assert_str_eq(r.sid, m1.sid, "the sid of the answer vaktd read");
	cr_assert(vt_daemon_wait_log(&o->d, "try 1 failed: Timeout", 1000),
	    "the timeout was not logged as a retry");
	cr_assert_eq(metric(&o->d, "vakt_outbox_retries_total"), 1);
	vt_fake_msg_free(&m0);
	vt_fake_msg_free(&m1);
	obx_stop(o);
}

Test(outbox, a_refused_connection_is_retried_with_backoff, .fini = obx_fini)
{
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char url[64], hurl[128];
	struct vt_resp h;
	struct row r;
	int64_t id, t;

	o->fd = closed_port(url, sizeof(url));
	obx_conf(o, url, FAST_OUTBOX);
	db_create(o->dir, o->conf);
	id = row_add(o->dir, "refused test", now_ms());
	obx_start(o);
	r = row_wait(o->dir, id, VAKT_OUTBOX_PENDING, 1, 5000);
	t = now_ms();
	cr_assert_geq(r.attempts, 1, "attempts %d", r.attempts);
	cr_assert_eq(r.state, VAKT_OUTBOX_PENDING, "still pending");
	cr_assert_gt(r.next_ms, t, "next try %lld ms from now",
	    (long long)(r.next_ms - t));
	cr_assert(vt_daemon_wait_log(&o->d, "try 1 failed: ", 1000));
	cr_assert_not_null(strstr(r.error, "connect"), "error: %s", r.error);
	cr_assert(r.has_body, "a pending row keeps its body");
	r = row_wait(o->dir, id, VAKT_OUTBOX_PENDING, 3, 8000);
	cr_assert_eq(r.state, VAKT_OUTBOX_PENDING);
	cr_assert_geq(r.attempts, 3, "attempts %d", r.attempts);
	cr_assert_str_eq(r.body, "refused test");
	snprintf(hurl, sizeof(hurl), "%s/healthz", o->d.url);
	vt_http(&h, "GET", hurl, NULL, NULL);
	cr_assert_eq(h.status, 200, "%s", h.body);
	vt_resp_free(&h);
	cr_assert_geq(metric(&o->d, "vakt_outbox_retries_total"), 2);
	cr_assert_eq(metric(&o->d, "vakt_outbox_failures_total"), 0);
	cr_assert_eq(metric(&o->d, "vakt_outbox_pending"), 1);
	obx_stop(o);
}

/* How many of the fake's requests carried body. */
static int
times_sent(struct vt_fake *f, const char *body)
{
	size_t n = vt_fake_count(f);
	int seen = 0;

	for (size_t k = 0; k < n; k++) {
		struct vt_fake_msg m = vt_fake_get(f, k);

		seen += strcmp(m.body, body) == 0;
		vt_fake_msg_free(&m);
	}
	return seen;
}

Test(outbox, pending_rows_survive_sigkill_and_are_sent_once_after_restart,
    .fini = obx_fini)
{
	/* The first vaktd's sends hang (20 s, timeout 30 s) until killed. */
	const struct vt_fake_answer hang[] = {{201, 0, 20000, 0, NULL}, {201, 0, 20000, 0, NULL},
	    {201, 0, 20000, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char bodies[3][64];
	int64_t ids[3];

	o->slow = vt_fake_start();
	obx_conf(o, vt_fake_url(o->slow),
	    "outbox = { retry_first = 1; retry_max = 2; timeout = 30; };");
	db_create(o->dir, o->conf);
	for (size_t i = 0; i < 3; i++) {
		char tag[8];

		snprintf(tag, sizeof(tag), "r%zu", i);
		marker(bodies[i], sizeof(bodies[i]), tag);
		ids[i] = row_add(o->dir, bodies[i], now_ms());
	}
	vt_fake_script(o->slow, hang, 3);
	obx_start(o);
	cr_assert(vt_fake_wait(o->slow, 3, 8000), "in flight: %zu",
	    vt_fake_count(o->slow));
	vt_daemon_kill(&o->d);
	vt_daemon_free(&o->d);
	for (size_t i = 0; i < 3; i++) {
		struct row r = row_get(o->dir, ids[i]);

		cr_assert_eq(r.state, VAKT_OUTBOX_PENDING, "row %zu", i);
		cr_assert_str_eq(r.body, bodies[i], "row %zu", i);
	}
	obx_conf(o, vt_fake_url(o->fake), FAST_OUTBOX);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 3, 8000), "sent after the restart: "
	    "%zu", vt_fake_count(o->fake));
	for (size_t i = 0; i < 3; i++) {
		struct row r = row_wait(o->dir, ids[i], VAKT_OUTBOX_SENT, 0,
		    3000);

		cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "row %zu state %d "
		    "error %s", i, r.state, r.error);
		cr_assert_eq(r.attempts, 1, "row %zu", i);
	}
	/* Each body exactly once, and nothing more after a while. */
	cr_assert_not(vt_fake_wait(o->fake, 4, 3000), "sent again");
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(times_sent(o->fake, bodies[i]), 1, "row %zu", i);
	obx_stop(o);
}

Test(outbox, a_row_that_fails_past_give_up_fails_for_good,
    .fini = obx_fini)
{
	/* The 500 comes 3 s late, when the row is past give_up (60 s). */
	const struct vt_fake_answer script[] = {{500, 0, 3000, 0, NULL}, {500, 0, 0, 0, NULL}};
	struct obx *o = obx_new(NULL, "outbox = { retry_first = 1; "
				      "retry_max = 2; give_up = 60; timeout = 10; };");
	struct row r;
	int64_t id;

	db_create(o->dir, o->conf);
	id = row_add(o->dir, "give-up test", now_ms() - 58000);
	vt_fake_script(o->fake, script, 2);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	r = row_wait(o->dir, id, VAKT_OUTBOX_FAILED, 0, 6000);
	cr_assert_eq(r.state, VAKT_OUTBOX_FAILED, "state %d", r.state);
	cr_assert_eq(r.attempts, 1);
	cr_assert_not_null(strstr(r.error, "500"), "error: %s", r.error);
	cr_assert_not(r.has_body);
	cr_assert_not(vt_fake_wait(o->fake, 2, 3000), "retried after give_up");
	cr_assert_eq(metric(&o->d, "vakt_outbox_failures_total"), 1);
	cr_assert(vt_daemon_wait_log(&o->d, "failed for good", 1000));
	obx_stop(o);
}

Test(outbox, a_row_already_past_give_up_is_never_sent, .fini = obx_fini)
{
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	struct row r;
	int64_t id;

	db_create(o->dir, o->conf);
	/* vaktd was down for two minutes; give_up is 60 s. */
	id = row_add(o->dir, "too late to matter", now_ms() - 120000);
	obx_start(o);
	r = row_wait(o->dir, id, VAKT_OUTBOX_FAILED, 0, 5000);
	cr_assert_eq(r.state, VAKT_OUTBOX_FAILED, "state %d", r.state);
	cr_assert_not(r.has_body);
	cr_assert_not_null(strstr(r.error, "give_up"), "error: %s", r.error);
	cr_assert_not(vt_fake_wait(o->fake, 1, 2000), "sent a stale alert");
	cr_assert_eq(metric(&o->d, "vakt_outbox_failures_total"), 1);
	obx_stop(o);
}

Test(outbox, the_request_carries_auth_numbers_body_callback_and_validity,
    .fini = obx_fini)
{
	/* Characters that form encoding must escape, and UTF-8. */
	const char *body = "Hei & velkommen = 100% +47?\nÆØÅ æøå ☎ a+b=c";
	struct obx *o = obx_new(NULL,
	    "outbox = { validity = 600; timeout = 5; };");
	struct vt_fake_msg m;

	db_create(o->dir, o->conf);
	(void)row_add(o->dir, body, now_ms());
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	m = vt_fake_get(o->fake, 0);
	cr_assert_str_eq(m.method, "POST");
	cr_assert_str_eq(m.path, "/2010-04-01/Accounts/" VT_SID
				 "/Messages.json");
	cr_assert(m.is_auth_ok, "Basic auth is account sid : auth token");
	cr_assert_not_null(strstr(m.content_type,
	    "application/x-www-form-urlencoded"), "%s", m.content_type);
	cr_assert_str_eq(m.to, TO_NUMBER);
	cr_assert_str_eq(m.from, VT_SERVICE);
	cr_assert_str_eq(m.body, body);
	cr_assert_str_eq(m.status_callback, VT_PUBLIC "/twilio/sms/status");
	cr_assert_str_eq(m.validity, "600");
	cr_assert_eq(m.status, 201);
	vt_fake_msg_free(&m);
	obx_stop(o);
}

Test(outbox, no_body_remains_in_any_database_file_after_delivery,
    .fini = obx_fini)
{
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char body[64], *log;
	int64_t id;

	marker(body, sizeof(body), "wal");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	cr_assert(db_files_have(o->dir, body), "the marker is findable");
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	cr_assert_eq(row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 3000).state,
	    VAKT_OUTBOX_SENT);
	/* The checkpoint runs 100 ms after the wipe, again if busy. */
	cr_assert(body_gone(o->dir, body, 5000), "the body is still in%s%s",
	    file_has(o->dir, "vakt.db", body) ? " vakt.db" : "",
	    file_has(o->dir, "vakt.db-wal", body) ? " vakt.db-wal" : "");
	log = vt_daemon_log(&o->d);
	cr_assert_null(strstr(log, body), "the body was logged");
	free(log);
	obx_stop(o);
}

/*
 * Issue 10 (A4): Twilio's error texts name the phone number ("The 'To'
 * number +4791234567 is not a valid phone number.").  vaktd keeps the
 * code and the words, never the full number, in its log and its rows.
 */
Test(outbox, a_refusal_naming_the_number_never_logs_it_whole_issue10,
    .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {{400, 0, 0, 21211, NULL},
	    {400, 0, 0, 21610, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	int64_t id[2];
	char *log;
	struct row r;

	db_create(o->dir, o->conf);
	id[0] = row_add(o->dir, "21211 test", now_ms());
	id[1] = row_add(o->dir, "21610 test", now_ms());
	vt_fake_script(o->fake, script, 2);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 2, 8000));
	for (size_t i = 0; i < 2; i++) {
		r = row_wait(o->dir, id[i], VAKT_OUTBOX_FAILED, 0, 3000);
		cr_assert_eq(r.state, VAKT_OUTBOX_FAILED, "state %d", r.state);
		cr_assert_null(strstr(r.error, TO_NUMBER), "row: %s", r.error);
		cr_assert_not_null(strstr(r.error, "+47*****567"), "row: %s",
		    r.error);
	}
	cr_assert(vt_daemon_wait_log(&o->d, "not a valid phone number", 3000),
	    "no 21211 line in the log");
	cr_assert(vt_daemon_wait_log(&o->d, "unsubscribed recipient", 3000),
	    "no 21610 line in the log");
	log = vt_daemon_log(&o->d);
	cr_assert_null(strstr(log, TO_NUMBER), "the number was logged: %s",
	    log);
	cr_assert_null(strstr(log, &TO_NUMBER[1]), "the digits were logged");
	cr_assert_not_null(strstr(log, "21211"), "the code is kept: %s", log);
	free(log);
	obx_stop(o);
}

/*
 * Issue 10 (C15): Retry-After: 99999999999999999999 overflowed a signed
 * multiplication and the huge wait came out as a short backoff.  It is
 * clamped (to retry_max = 2 s here); garbage is ignored for the backoff.
 */
Test(outbox, a_huge_retry_after_waits_retry_max_and_garbage_is_ignored_issue10,
    .fini = obx_fini)
{
	const struct vt_fake_answer script[] = {
	    {429, 0, 0, 0, "99999999999999999999"},
	    {429, 0, 0, 0, "-5 soon"}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	struct vt_fake_msg m0, m1, m2;
	struct row r;
	int64_t id, gap;

	db_create(o->dir, o->conf);
	id = row_add(o->dir, "retry-after test", now_ms());
	vt_fake_script(o->fake, script, 2);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 3, 12000), "requests: %zu",
	    vt_fake_count(o->fake));
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 3000);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	m0 = vt_fake_get(o->fake, 0);
	m1 = vt_fake_get(o->fake, 1);
	m2 = vt_fake_get(o->fake, 2);
	gap = m1.at_ms - m0.at_ms;
	/* The backoff alone would come back after 0.8..1.2 s. */
	cr_assert_geq(gap, 1900, "huge Retry-After waited %lld ms, not the "
	    "2 s of retry_max", (long long)gap);
	cr_assert_lt(gap, 6000, "waited %lld ms", (long long)gap);
	cr_assert_eq(m2.status, 201);
	cr_assert_eq(r.attempts, 3);
	vt_fake_msg_free(&m0);
	vt_fake_msg_free(&m1);
	vt_fake_msg_free(&m2);
	obx_stop(o);
}

/* Issue 10 (C15): -v logs each outbox try at debug, number masked. */
Test(outbox, verbose_logs_each_try_at_debug_without_the_number_issue10,
    .fini = obx_fini)
{
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char *log;

	db_create(o->dir, o->conf);
	(void)row_add(o->dir, "debug test", now_ms());
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000));
	cr_assert(vt_daemon_wait_log(&o->d, "<7>outbox: try row=", 3000),
	    "no debug line for the try");
	cr_assert(vt_daemon_wait_log(&o->d, "http=201", 3000),
	    "no debug line for the answer");
	log = vt_daemon_log(&o->d);
	cr_assert_null(strstr(log, TO_NUMBER), "%s", log);
	cr_assert_null(strstr(log, "debug test"), "a body was logged");
	free(log);
	obx_stop(o);
}

/*
 * Issue 10 (crash durability): a send whose request had reached Twilio
 * when vaktd was killed was sent again after the restart, a duplicate
 * SMS.  The try is noted on the row before the request; after the
 * restart vaktd finds the message in Twilio's list (same To, From and
 * body) and records it as sent, with Twilio's sid, sending nothing.
 */
Test(outbox, a_send_in_flight_at_sigkill_is_not_sent_again_issue10,
    .fini = obx_fini)
{
	/* Twilio takes the message but answers only after vaktd died. */
	const struct vt_fake_answer hang[] = {{201, 0, 20000, 0, NULL}};
	struct obx *o = obx_new(NULL, "outbox = { retry_first = 1; "
	                              "retry_max = 2; timeout = 30; };");
	struct vt_fake_msg m0;
	char body[64];
	struct row r;
	int64_t id;

	marker(body, sizeof(body), "inflight");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	vt_fake_script(o->fake, hang, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->fake, 1, 8000), "no request");
	vt_daemon_kill(&o->d);
	vt_daemon_free(&o->d);
	cr_assert_eq(row_get(o->dir, id).state, VAKT_OUTBOX_PENDING);
	obx_start(o);
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 8000);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	m0 = vt_fake_get(o->fake, 0);
	cr_assert_str_eq(r.sid, m0.sid, "recorded with Twilio's sid");
	cr_assert_geq(vt_fake_lists(o->fake), 1, "Twilio was not asked");
	/* Longer than a retry: still the one request, nothing resent. */
	cr_assert_not(vt_fake_wait(o->fake, 2, 3000), "sent again");
	cr_assert_eq(times_sent(o->fake, body), 1);
	vt_fake_msg_free(&m0);
	obx_stop(o);
}

/*
 * The other side: a try lost in flight that Twilio never took (its list
 * lacks it) is sent after the restart, once.
 */
Test(outbox, a_send_lost_in_flight_that_twilio_lacks_is_sent_once_issue10,
    .fini = obx_fini)
{
	const struct vt_fake_answer hang[] = {{201, 0, 20000, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char body[64];
	struct row r;
	int64_t id;

	o->slow = vt_fake_start();
	obx_conf(o, vt_fake_url(o->slow),
	    "outbox = { retry_first = 1; retry_max = 2; timeout = 30; };");
	marker(body, sizeof(body), "lost");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	vt_fake_script(o->slow, hang, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->slow, 1, 8000), "no request");
	vt_daemon_kill(&o->d);
	vt_daemon_free(&o->d);
	/* Another Twilio (account) that never saw it. */
	obx_conf(o, vt_fake_url(o->fake), FAST_OUTBOX);
	obx_start(o);
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 8000);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	cr_assert_geq(vt_fake_lists(o->fake), 1, "Twilio was not asked");
	cr_assert_not(vt_fake_wait(o->fake, 2, 3000), "sent again");
	cr_assert_eq(times_sent(o->fake, body), 1);
	obx_stop(o);
}

/*
 * A staff member who answers "Ok" twice in a day sends the same text to
 * the same number twice.  When the second send is lost in flight (it
 * never reached Twilio), Twilio's list still holds the first message:
 * its sid, already the first row's, must not make the second row count
 * as sent.  It was recorded nowhere (the sid is unique) and the row was
 * looked up again at every scan, never sent: a message lost (issue 10).
 */
Test(outbox, a_lost_send_is_not_taken_for_an_earlier_one_of_same_text_issue10,
    .fini = obx_fini)
{
	const struct vt_fake_answer hang[] = {{201, 0, 20000, 0, NULL}};
	struct obx *o = obx_new(NULL, FAST_OUTBOX);
	char body[64];
	struct row r1, r2;
	int64_t id1, id2;

	o->slow = vt_fake_start();
	marker(body, sizeof(body), "twice");
	db_create(o->dir, o->conf);
	id1 = row_add(o->dir, body, now_ms());
	obx_start(o);
	r1 = row_wait(o->dir, id1, VAKT_OUTBOX_SENT, 0, 8000);
	cr_assert_eq(r1.state, VAKT_OUTBOX_SENT, "first: state %d error %s",
	    r1.state, r1.error);
	obx_stop(o);
	vt_daemon_free(&o->d);
	/* The same text again; this try never reaches Twilio. */
	id2 = row_add(o->dir, body, now_ms());
	obx_conf(o, vt_fake_url(o->slow),
	    "outbox = { retry_first = 1; retry_max = 2; timeout = 30; };");
	vt_fake_script(o->slow, hang, 1);
	obx_start(o);
	cr_assert(vt_fake_wait(o->slow, 1, 8000), "no request");
	vt_daemon_kill(&o->d);
	vt_daemon_free(&o->d);
	obx_conf(o, vt_fake_url(o->fake), FAST_OUTBOX);
	obx_start(o);
	r2 = row_wait(o->dir, id2, VAKT_OUTBOX_SENT, 0, 8000);
	cr_assert_eq(r2.state, VAKT_OUTBOX_SENT, "second: state %d error %s",
	    r2.state, r2.error);
	cr_assert_str_neq(r2.sid, r1.sid, "the first message's sid");
	cr_assert_eq(times_sent(o->fake, body), 2, "the second never left");
	obx_stop(o);
}

/*
 * make run's outbox (outbox.print, demo only): each SMS is printed to
 * vaktd's stderr in a block with To, From and the text, counted as
 * sent, and never reaches the Messages API.  One row written before
 * the start (its body known), one from a real missed call.
 */
Test(outbox, print_in_demo_mode_prints_each_sms_and_marks_it_sent,
    .fini = obx_fini)
{
	struct obx *o =
	    obx_new(NULL, "demo = true;\noutbox = { print = true; };\n");
	char body[64], want[256], *log;
	struct row r;
	int64_t id;

	marker(body, sizeof(body), "print");
	db_create(o->dir, o->conf);
	id = row_add(o->dir, body, now_ms());
	obx_start(o);
	r = row_wait(o->dir, id, VAKT_OUTBOX_SENT, 0, 5000);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d error %s", r.state,
	    r.error);
	cr_assert_eq(r.attempts, 1);
	cr_assert_str_empty(r.sid, "no provider, no sid: %s", r.sid);
	cr_assert(vt_daemon_wait_log(&o->d, body, 5000), "the text printed");
	log = vt_daemon_log(&o->d);
	snprintf(want, sizeof(want),
	    "----- SMS not sent (outbox.print) ---"
	    "-------------------\nTo:   %s\nFrom: %s\n\n%s\n",
	    TO_NUMBER, VT_SERVICE, body);
	cr_assert_not_null(strstr(log, want), "the block: %s", log);
	free(log);

	/* A missed call's alert goes the same way. */
	missed_call(&o->d);
	cr_assert(vt_daemon_wait_log(&o->d, "outbox: printed row=2", 8000),
	    "the alert printed");
	r = row_wait(o->dir, 2, VAKT_OUTBOX_SENT, 0, 3000);
	cr_assert_eq(r.state, VAKT_OUTBOX_SENT, "state %d", r.state);
	cr_assert_eq(vt_fake_count(o->fake), 0, "nothing reached the API");
	cr_assert_eq(metric(&o->d, "vakt_outbox_sent_total"), 2);
	obx_stop(o);
}
