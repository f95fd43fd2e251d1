#define _GNU_SOURCE /* asprintf, memmem */
/*
 * test_report.c: reports for leaders through the real vaktctl and
 * vaktd (issue 6).  A small contact log with figures computed by hand
 * (below, next to the rows) is read back as JSON, CSV, a text table
 * and an HTML page; periods are whole local dates (Europe/Oslo) on both
 * sides of a tertial, a DST change and New Year; --service, --within
 * and --external; refusals with exit 64/65 and HTTP 400; API tokens
 * (shown once, only a hash stored, revocable), 401/403, the audit
 * trail; the retention purge; and reports, long or too big to send,
 * that never hold up a call.
 *
 * The contacts are written straight into the contacts table with
 * SQLite after vaktctl has made the schema, so every figure is known.
 */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "helpers.h"
#include "vakt/calendar.h"
#include "vakt/contact.h"
#include "vakt/router.h"

/* Two services, so that --service has something to leave out. */
#define NORD_NUMBER "+4755000001"
#define CONF                                                                 \
	"timezone = \"Europe/Oslo\";\n"                                      \
	"database = \"vakt.db\";\n"                                          \
	"http = { listen = \"127.0.0.1\"; port = 0; "                        \
	"public_url = \"" VT_PUBLIC "\"; };\n"                               \
	"twilio = { account_sid = \"" VT_SID "\"; "                          \
	"auth_token = \"" VT_TOKEN "\"; api_url = \"http://127.0.0.1:9\"; };\n" \
	"services = (\n"                                                     \
	"  { id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"   \
	"    beredskap = \"" VT_BEREDSKAP "\"; fallback = \"" VT_FALLBACK    \
	"\"; },\n"                                                           \
	"  { id = \"nord\"; name = \"DUE Nord\"; number = \"" NORD_NUMBER    \
	"\";\n"                                                              \
	"    beredskap = \"+4790000001\"; fallback = \"" VT_FALLBACK "\"; }\n" \
	");\n"                                                               \
	"retention = { contacts_days = 30; };\n"

#define ARGS_MAX 32

/* ---------------------------------------------------------------- */
/* One test's folder and vaktd; .fini releases them on any exit. */

struct ctx {
	char *dir;
	char *conf;
	char *db;
	struct vt_daemon d;
	bool has_daemon;
};

/* Criterion forks each test: this is the current test's context. */
static struct ctx *cur;

static void
ctx_fini(void)
{
	if (cur == NULL)
		return;
	if (cur->has_daemon)
		vt_daemon_free(&cur->d);
	vt_rmrf(cur->dir);
	free(cur->dir);
	free(cur->conf);
	free(cur->db);
	free(cur);
	cur = NULL;
}

/* vaktctl -c CONF args (NULL-terminated). */
static void
ctl_argv(struct vt_run *r, const char *const *args)
{
	const char *argv[ARGS_MAX];
	char *bin = vt_bin("vaktctl");
	size_t n = 0;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = cur->conf;
	for (size_t i = 0; args[i] != NULL; i++) {
		cr_assert_lt(n + 1, ARGS_MAX);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	vt_run(r, NULL, argv);
	free(bin);
}

#define CTL(r, ...) ctl_argv((r), (const char *const[]){__VA_ARGS__, NULL})

/* stdout of a vaktctl command that must succeed (caller frees). */
static char *
ctl_ok_argv(const char *const *args)
{
	struct vt_run r;

	ctl_argv(&r, args);
	cr_assert_eq(r.status, 0, "vaktctl %s %s: exit %d: %s", args[0],
	    args[1] != NULL ? args[1] : "", r.status, r.err);
	free(r.err);
	return r.out;
}

#define CTL_OK(...) ctl_ok_argv((const char *const[]){__VA_ARGS__, NULL})

static json_t *
parse_json(const char *text, const char *what)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "%s: not JSON (%s): %.300s", what, e.text, text);
	return j;
}

/* `vaktctl report args… --format json`, parsed. */
static json_t *
report_json_argv(const char *const *args)
{
	const char *a[ARGS_MAX];
	size_t n = 0;
	char *out;
	json_t *j;

	a[n++] = "report";
	for (size_t i = 0; args[i] != NULL; i++) {
		cr_assert_lt(n + 3, ARGS_MAX);
		a[n++] = args[i];
	}
	a[n++] = "--format";
	a[n++] = "json";
	a[n] = NULL;
	out = ctl_ok_argv(a);
	j = parse_json(out, "vaktctl report --format json");
	free(out);
	return j;
}

#define REPORT_JSON(...) \
	report_json_argv((const char *const[]){__VA_ARGS__, NULL})

/* A fresh folder with the configuration and its new database. */
static struct ctx *
ctx_new(void)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char *out;

	cr_assert_not_null(c);
	cur = c;
	c->dir = vt_tmpdir();
	c->conf = vt_path(c->dir, "vakt.conf");
	c->db = vt_path(c->dir, "vakt.db");
	vt_write(c->conf, CONF);
	out = CTL_OK("init");
	free(out);
	return c;
}

static void
ctx_start(struct ctx *c)
{
	if (vt_daemon_start(&c->d, c->dir, CONF) != 0) {
		char *log = vt_daemon_log(&c->d);

		cr_assert_fail("vaktd did not start: %s", log);
	}
	c->has_daemon = true;
}

static sqlite3 *
db_open(const struct ctx *c)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(c->db, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK, "open %s: %s", c->db, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK,
	    "%s: %s", sql, msg != NULL ? msg : "?");
}

static int64_t db_count_text(const struct ctx *c, const char *sql,
    const char *arg);

static int64_t
db_count(const struct ctx *c, const char *sql)
{
	return db_count_text(c, sql, NULL);
}

/* The same, with one text parameter ?1 bound (unless NULL). */
static int64_t
db_count_text(const struct ctx *c, const char *sql, const char *arg)
{
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s;
	int64_t n;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (arg != NULL)
		cr_assert_eq(sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT),
		    SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* ---------------------------------------------------------------- */
/* The contact log. */

/* UTC ms of a local Europe/Oslo time (mktime, not vakt's calendar). */
static int64_t
oslo_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_isdst = -1};
	time_t t;

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	t = mktime(&tm);
	cr_assert_neq(t, (time_t)-1);
	return (int64_t)t * 1000;
}

#define U1   "+4791000001"
#define U2   "+4791000002"
#define U3   "+4791000003"
#define N1   "+4791000004"
#define ANON "+4797777777"

/* One contact; times are seconds after received, 0 for none. */
struct crow {
	const char *sid;
	const char *service;
	int kind;
	const char *caller, *youth, *coord; /* NULL youth/coord: unknown */
	int cat;
	int y, mo, d, h, mi; /* received, local time */
	int status, reason;
	int answer_s, step, role;
	int ended_s;
	int reply_s; /* SMS: first staff reply */
	int followup_s;
	int unconfirmed;
};

#define CALL VAKT_KIND_CALL
#define SMS  VAKT_KIND_SMS
#define OFF  VAKT_CAT_OFFICE
#define AFT  VAKT_CAT_AFTER_HOURS
#define WKD  VAKT_CAT_WEEKEND
#define HOL  VAKT_CAT_HOLIDAY
#define ANS  VAKT_STATUS_ANSWERED
#define MIS  VAKT_STATUS_MISSED
#define OPN  VAKT_STATUS_OPEN
#define HUP  VAKT_MISSED_HANGUP
#define EXH  VAKT_MISSED_EXHAUSTED
#define R_CO VAKT_ROLE_COORDINATOR
#define R_SU VAKT_ROLE_SUBSTITUTE
#define R_BE VAKT_ROLE_BEREDSKAP
#define R_FB VAKT_ROLE_FALLBACK

/*
 * Coordinators K-1 (youths U-1, U-2) and K-2 (U-3) in service due,
 * N-K1 (N-1) in service nord; unknown callers have no coordinator
 * ("none").  Short abandon: under 5 s (the default).
 */
static const struct crow fixture[] = {
    /* 2026-T1, last minute of April: in no later tertial. */
    {"CA17", "due", CALL, U1, "U-1", "K-1", AFT, 2026, 4, 30, 23, 59, ANS,
	0, 10, 1, R_BE, 90, 0, 0, 0},
    /* 2026-T2 */
    {"SM5", "due", SMS, U2, "U-2", "K-1", HOL, 2026, 5, 1, 12, 0, ANS, 0,
	0, 0, 0, 0, 600, 0, 0},
    {"CA11", "due", CALL, U3, "U-3", "K-2", OFF, 2026, 6, 15, 10, 0, MIS,
	EXH, 0, 0, 0, 75, 0, 0, 0},
    /* 21:30Z on 31 August: T2 by its local date. */
    {"CA10", "due", CALL, U1, "U-1", "K-1", AFT, 2026, 8, 31, 23, 30, ANS,
	0, 15, 1, R_BE, 100, 0, 0, 0},
    /* 2026-T3.  C1 is 22:30Z on 31 August, but 1 September locally. */
    {"CA1", "due", CALL, U1, "U-1", "K-1", AFT, 2026, 9, 1, 0, 30, ANS, 0,
	12, 1, R_BE, 300, 0, 0, 0},
    {"CA2", "due", CALL, U1, "U-1", "K-1", OFF, 2026, 9, 2, 10, 0, ANS, 0,
	8, 1, R_CO, 200, 0, 0, 0},
    /* Step 2 after the coordinator's voicemail took the first leg. */
    {"CA3", "due", CALL, U2, "U-2", "K-1", OFF, 2026, 9, 3, 10, 0, ANS, 0,
	45, 2, R_BE, 400, 0, 0, 1},
    /* Short abandon (3 s), called back 10 min later. */
    {"CA4", "due", CALL, U2, "U-2", "K-1", OFF, 2026, 9, 4, 14, 0, MIS,
	HUP, 0, 0, 0, 3, 0, 600, 0},
    {"CA7", "due", CALL, U3, "U-3", "K-2", WKD, 2026, 9, 5, 15, 0, ANS, 0,
	20, 1, R_BE, 120, 0, 0, 0},
    /* Chain exhausted, followed up by an SMS reply 50 min later. */
    {"CA5", "due", CALL, U1, "U-1", "K-1", OFF, 2026, 9, 7, 11, 0, MIS,
	EXH, 0, 0, 0, 70, 0, 3000, 0},
    /* One thread: the second message does not restart the clock. */
    {"SM1", "due", SMS, U1, "U-1", "K-1", OFF, 2026, 9, 8, 12, 0, ANS, 0,
	0, 0, 0, 0, 240, 0, 0},
    {"SM2", "due", SMS, U1, "U-1", "K-1", OFF, 2026, 9, 8, 12, 2, ANS, 0,
	0, 0, 0, 0, 120, 0, 0},
    {"CA8", "due", CALL, U3, "U-3", "K-2", OFF, 2026, 9, 9, 9, 0, ANS, 0,
	5, 1, R_SU, 60, 0, 0, 0},
    {"SM3", "due", SMS, ANON, NULL, NULL, AFT, 2026, 9, 10, 21, 0, OPN, 0,
	0, 0, 0, 0, 0, 0, 0},
    {"SM4", "due", SMS, U3, "U-3", "K-2", OFF, 2026, 9, 11, 9, 0, ANS, 0,
	0, 0, 0, 0, 1800, 0, 0},
    /* Saturday 02:00, called back Monday 10:00: 56 h, next working day. */
    {"CA9", "due", CALL, ANON, NULL, NULL, WKD, 2026, 9, 12, 2, 0, MIS,
	EXH, 0, 0, 0, 80, 0, 201600, 0},
    {"CA14", "nord", CALL, N1, "N-1", "N-K1", OFF, 2026, 9, 15, 10, 0, ANS,
	0, 3, 1, R_CO, 30, 0, 0, 0},
    /* The evening of the DST change (CET again): 22:30Z. */
    {"CA6", "due", CALL, U1, "U-1", "K-1", WKD, 2026, 10, 25, 23, 30, MIS,
	HUP, 0, 0, 0, 25, 0, 0, 0},
    {"CA15", "due", CALL, U3, "U-3", "K-2", OFF, 2026, 11, 2, 12, 0, ANS, 0,
	65, 3, R_FB, 500, 0, 0, 2},
    /* Still ringing (no final status yet). */
    {"CA16", "due", CALL, ANON, NULL, NULL, AFT, 2026, 12, 30, 3, 0, OPN, 0,
	0, 0, 0, 0, 0, 0, 0},
    {"CA13", "due", CALL, U3, "U-3", "K-2", AFT, 2026, 12, 31, 23, 50, ANS,
	0, 35, 1, R_BE, 100, 0, 0, 0},
    /* 23:10Z on New Year's Eve, but 2027 locally. */
    {"CA12", "due", CALL, U3, "U-3", "K-2", HOL, 2027, 1, 1, 0, 10, ANS, 0,
	7, 1, R_BE, 100, 0, 0, 0},
};

#define N_FIXTURE (sizeof(fixture) / sizeof(fixture[0]))

static const char sql_contact[] =
    "INSERT INTO contacts (service, kind, provider_id, caller, youth,"
    " coordinator, category, why, plan, received_ms, status, missed_reason,"
    " answered_ms, answered_step, answered_role, answered_by, ended_ms,"
    " duration_s, reply_ms, replied_by, followup_ms, unconfirmed_legs)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, '[]', ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";

/* Bind v, or NULL when is_set is false. */
static void
bind_opt(sqlite3_stmt *s, int i, bool is_set, int64_t v)
{
	if (is_set)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void
contact_add(sqlite3 *db, sqlite3_stmt *s, const struct crow *c)
{
	int64_t at = oslo_ms(c->y, c->mo, c->d, c->h, c->mi);
	bool is_answered = c->kind == CALL && c->status == ANS;

	sqlite3_bind_text(s, 1, c->service, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, c->kind);
	sqlite3_bind_text(s, 3, c->sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->caller, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, c->youth, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, c->coord, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, c->cat);
	sqlite3_bind_int64(s, 8, at);
	sqlite3_bind_int(s, 9, c->status);
	bind_opt(s, 10, c->reason != 0, c->reason);
	bind_opt(s, 11, is_answered, at + c->answer_s * 1000LL);
	bind_opt(s, 12, is_answered, c->step);
	bind_opt(s, 13, is_answered, c->role);
	if (is_answered)
		sqlite3_bind_text(s, 14, "someone", -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 14);
	bind_opt(s, 15, c->ended_s != 0, at + c->ended_s * 1000LL);
	bind_opt(s, 16, c->ended_s != 0, c->ended_s);
	bind_opt(s, 17, c->reply_s != 0, at + c->reply_s * 1000LL);
	if (c->reply_s != 0)
		sqlite3_bind_text(s, 18, VT_BEREDSKAP, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 18);
	bind_opt(s, 19, c->followup_s != 0, at + c->followup_s * 1000LL);
	sqlite3_bind_int(s, 20, c->unconfirmed);
	cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "%s: %s", c->sid,
	    sqlite3_errmsg(db));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void
fixture_load(const struct ctx *c)
{
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s;

	cr_assert_eq(sqlite3_prepare_v2(db, sql_contact, -1, &s, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));
	db_exec(db, "BEGIN");
	for (size_t i = 0; i < N_FIXTURE; i++)
		contact_add(db, s, &fixture[i]);
	db_exec(db, "COMMIT");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* ---------------------------------------------------------------- */
/* Expected figures. */

/* The measures in CSV column order, with their JSON places. */
struct col {
	const char *csv;
	const char *obj; /* NULL: at the top of the row */
	const char *key;
	bool is_share;
};

static const struct col cols[] = {
    {"offered", NULL, "offered", false},
    {"answered", NULL, "answered", false},
    {"short_abandons", NULL, "short_abandons", false},
    {"missed", NULL, "missed", false},
    {"missed_caller_hangup", NULL, "missed_caller_hangup", false},
    {"missed_exhausted", NULL, "missed_exhausted", false},
    {"unresolved", NULL, "unresolved", false},
    {"voicemail_legs", NULL, "voicemail_legs", false},
    {"service_level", NULL, "service_level", true},
    {"tta_p50_s", "tta_s", "p50", false},
    {"tta_p90_s", "tta_s", "p90", false},
    {"tta_max_s", "tta_s", "max", false},
    {"answered_coordinator", "answered_by", "coordinator", false},
    {"answered_substitute", "answered_by", "substitute", false},
    {"answered_beredskap", "answered_by", "beredskap", false},
    {"answered_fallback", "answered_by", "fallback", false},
    {"depth_1", "depth", "1", false},
    {"depth_2", "depth", "2", false},
    {"depth_3", "depth", "3", false},
    {"depth_4", "depth", "4", false},
    {"followup_missed", "followup", "missed", false},
    {"followup_p50_s", "followup", "p50_s", false},
    {"followup_p90_s", "followup", "p90_s", false},
    {"followup_within_15m", "followup", "within_15m", true},
    {"followup_within_1h", "followup", "within_1h", true},
    {"followup_next_working_day", "followup", "next_working_day", true},
    {"followup_never", "followup", "never", true},
    {"sms_received", NULL, "sms_received", false},
    {"sms_replied", NULL, "sms_replied", false},
    {"sms_unanswered", NULL, "sms_unanswered", false},
    {"sms_p50_s", "sms_response_s", "p50", false},
    {"sms_p90_s", "sms_response_s", "p90", false},
};

#define N_COLS (sizeof(cols) / sizeof(cols[0]))
#define NUL    (-1.0) /* null in JSON, empty in CSV */
#define LT5    (-2.0) /* "<5" in an external report */

struct want {
	const char *group;
	double v[N_COLS];
};

/*
 * 2026-T3 by coordinator, every service.  Nearest-rank percentiles:
 * p50 of n values is the ceil(n/2)-th smallest, p90 the ceil(0.9 n)-th.
 *
 * K-1: calls C1 (12 s, step 1 beredskap), C2 (8 s, step 1 coordinator),
 * C3 (45 s, step 2 beredskap, 1 voicemail leg), C4 (short abandon,
 * followed up in 600 s), C5 (exhausted, 3000 s), C6 (hung up at 25 s,
 * never followed up); SMS 1 and 2 in one thread, replied after 240 s.
 * TTA 8, 12, 45; SL 2 / (6 - 1); follow-up 600, 3000, never: within
 * 15 min 1/3, 1 h 2/3, next working day 2/3, never 1/3.
 */
static const struct want k1_t3 = {"K-1",
    {6, 3, 1, 2, 1, 1, 0, 1, 0.4, 12, 45, 45, 1, 0, 2, 0, 2, 1, 0, 0, 3, 600,
	3000, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1 / 3.0, 2, 2, 0, 240, 240}};

/*
 * K-2: C7 (20 s, beredskap), C8 (5 s, substitute), C15 (65 s, step 3
 * fallback, 2 voicemail legs), C13 (35 s at 23:50 on 31 December); SMS
 * 4 replied after 1800 s.  TTA 5, 20, 35, 65; SL 2 / 4; no missed
 * calls: follow-up shares are null, not 0.
 */
static const struct want k2_t3 = {"K-2",
    {4, 4, 0, 0, 0, 0, 0, 2, 0.5, 20, 65, 65, 0, 1, 2, 1, 3, 0, 1, 0, 0, NUL,
	NUL, NUL, NUL, NUL, NUL, 1, 1, 0, 1800, 1800}};

/* N-K1 (service nord): C14, 3 s, step 1 coordinator. */
static const struct want nk1_t3 = {"N-K1",
    {1, 1, 0, 0, 0, 0, 0, 0, 1.0, 3, 3, 3, 1, 0, 0, 0, 1, 0, 0, 0, 0, NUL,
	NUL, NUL, NUL, NUL, NUL, 0, 0, 0, NUL, NUL}};

/*
 * Unknown callers: C9 (exhausted, followed up after 56 h, by the close
 * of the next working day), C16 (still open: offered, in the SL
 * divisor); SMS 3 never replied.  SL 0 / 2.
 */
static const struct want none_t3 = {"none",
    {2, 0, 0, 1, 0, 1, 1, 0, 0.0, NUL, NUL, NUL, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	201600, 201600, 0, 0, 1, 0, 1, 0, 1, NUL, NUL}};

/*
 * Total: TTA 3, 5, 8, 12, 20, 35, 45, 65 (p50 the 4th, p90 the 8th);
 * SL 5 / (13 - 1); follow-up 600, 3000, 201600, never (p50 the 2nd of
 * three); SMS response per thread 240, 1800.
 */
static const struct want total_t3 = {"total",
    {13, 8, 1, 3, 1, 2, 1, 3, 5 / 12.0, 12, 65, 65, 2, 1, 4, 1, 6, 1, 1, 0, 4,
	3000, 201600, 0.25, 0.5, 0.75, 0.25, 4, 3, 1, 240, 1800}};

/* Service due only: N-K1's call leaves; TTA p50 the 4th of 7 = 20. */
static const struct want total_t3_due = {"total",
    {12, 7, 1, 3, 1, 2, 1, 3, 4 / 11.0, 20, 65, 65, 1, 1, 4, 1, 5, 1, 1, 0, 4,
	3000, 201600, 0.25, 0.5, 0.75, 0.25, 4, 3, 1, 240, 1800}};

/* 2026-T2: C10 (15 s) and SMS 5 (600 s) for K-1, C11 (exhausted) K-2. */
static const struct want k1_t2 = {"K-1",
    {1, 1, 0, 0, 0, 0, 0, 0, 1.0, 15, 15, 15, 0, 0, 1, 0, 1, 0, 0, 0, 0, NUL,
	NUL, NUL, NUL, NUL, NUL, 1, 1, 0, 600, 600}};
static const struct want k2_t2 = {"K-2",
    {1, 0, 0, 1, 0, 1, 0, 0, 0.0, NUL, NUL, NUL, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	NUL, NUL, 0, 0, 0, 1, 0, 0, 0, NUL, NUL}};
static const struct want total_t2 = {"total",
    {2, 1, 0, 1, 0, 1, 0, 0, 0.5, 15, 15, 15, 0, 0, 1, 0, 1, 0, 0, 0, 1, NUL,
	NUL, 0, 0, 0, 1, 1, 1, 0, 600, 600}};

/*
 * --external: 1..4 as "<5"; shares of fewer than 5 and percentiles of
 * fewer than 5 values are null.  K-1 keeps offered 6 and SL (of 5).
 */
static const struct want k1_t3_ext = {"K-1",
    {6, LT5, LT5, LT5, LT5, LT5, 0, LT5, 0.4, NUL, NUL, NUL, LT5, 0, LT5, 0,
	LT5, LT5, 0, 0, LT5, NUL, NUL, NUL, NUL, NUL, NUL, LT5, LT5, 0, NUL,
	NUL}};
static const struct want total_t3_ext = {"total",
    {13, 8, LT5, LT5, LT5, LT5, LT5, LT5, 5 / 12.0, 12, 65, 65, LT5, LT5, LT5,
	LT5, 6, LT5, LT5, 0, LT5, NUL, NUL, NUL, NUL, NUL, NUL, LT5, LT5, LT5,
	NUL, NUL}};

/* The value at col in a report row (NULL if missing). */
static json_t *
row_value(json_t *row, const struct col *c)
{
	json_t *o = c->obj != NULL ? json_object_get(row, c->obj) : row;

	return o != NULL ? json_object_get(o, c->key) : NULL;
}

static void
check_value(json_t *v, double want, const struct col *c, const char *where)
{
	cr_assert_not_null(v, "%s: %s missing", where, c->csv);
	if (want == NUL) {
		cr_assert(json_is_null(v), "%s: %s should be null", where, c->csv);
	} else if (want == LT5) {
		cr_assert(json_is_string(v) &&
			strcmp(json_string_value(v), "<5") == 0,
		    "%s: %s should be \"<5\"", where, c->csv);
	} else if (c->is_share) {
		cr_assert(json_is_number(v), "%s: %s not a number", where,
		    c->csv);
		cr_assert_lt(fabs(json_number_value(v) - want), 1e-6,
		    "%s: %s is %f, want %f", where, c->csv,
		    json_number_value(v), want);
	} else {
		cr_assert(json_is_integer(v), "%s: %s not an integer", where,
		    c->csv);
		cr_assert_eq(json_integer_value(v), (json_int_t)want,
		    "%s: %s is %lld, want %.0f", where, c->csv,
		    (long long)json_integer_value(v), want);
	}
}

static void
check_measures(json_t *row, const struct want *w, const char *what)
{
	char where[96];

	snprintf(where, sizeof(where), "%s, %s", what, w->group);
	cr_assert(json_is_object(row), "%s: not an object", where);
	for (size_t i = 0; i < N_COLS; i++)
		check_value(row_value(row, &cols[i]), w->v[i], &cols[i], where);
}

/* Rows must be exactly groups (in order), and the figures want[]. */
static void
check_report(json_t *rep, const struct want *const *want, size_t n,
    const struct want *total, const char *what)
{
	json_t *rows = json_object_get(rep, "rows");

	cr_assert(json_is_array(rows), "%s: rows", what);
	cr_assert_eq(json_array_size(rows), n, "%s: %zu rows, want %zu", what,
	    json_array_size(rows), n);
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(rows, i);
		const char *g = json_string_value(json_object_get(row, "group"));

		cr_assert(g != NULL && strcmp(g, want[i]->group) == 0,
		    "%s: row %zu is %s, want %s", what, i, g != NULL ? g : "?",
		    want[i]->group);
		check_measures(row, want[i], what);
	}
	check_measures(json_object_get(rep, "total"), total, what);
}

static const struct want *const by_coord_t3[] = {
    &k1_t3, &k2_t3, &nk1_t3, &none_t3};

static const char *
jstr(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* ---------------------------------------------------------------- */
/* vaktctl report */

Test(report_it, json_by_coordinator_gives_every_measure_per_group_and_total,
    .fini = ctx_fini)
{
	json_t *j;

	fixture_load(ctx_new());
	j = REPORT_JSON("--period", "2026-T3", "--by", "coordinator");
	cr_assert_str_eq(jstr(j, "period", "from"), "2026-09-01");
	cr_assert_str_eq(jstr(j, "period", "to"), "2026-12-31");
	cr_assert_str_eq(jstr(j, "period", "label"), "2026-T3");
	cr_assert_str_eq(jstr(j, "by", NULL), "coordinator");
	cr_assert(json_is_null(json_object_get(j, "service")),
	    "no --service: every service");
	cr_assert_eq(json_integer_value(json_object_get(j, "within_s")), 30);
	cr_assert(json_is_false(json_object_get(j, "external")));
	cr_assert_str_neq(jstr(j, "generated", NULL), "(not a string)");
	check_report(j, by_coord_t3, 4, &total_t3, "2026-T3");
	json_decref(j);
}

/* "6,3,1,…" as the CSV row of w should read. */
static void
csv_line(const struct want *w, char *out, size_t len)
{
	size_t k = (size_t)snprintf(out, len, "%s", w->group);

	for (size_t i = 0; i < N_COLS && k < len; i++) {
		double v = w->v[i];

		if (v == NUL)
			k += (size_t)snprintf(out + k, len - k, ",");
		else if (v == LT5)
			k += (size_t)snprintf(out + k, len - k, ",<5");
		else if (cols[i].is_share)
			k += (size_t)snprintf(out + k, len - k, ",%.3f", v);
		else
			k += (size_t)snprintf(out + k, len - k, ",%.0f", v);
	}
	cr_assert_lt(k, len);
}

Test(report_it, csv_has_one_header_row_and_the_same_figures_per_line,
    .fini = ctx_fini)
{
	char *out, *line, *save = NULL, head[1024], want[512];
	const struct want *rows[] = {&k1_t3, &k2_t3, &nk1_t3, &none_t3,
	    &total_t3};
	size_t k, n = 0;

	fixture_load(ctx_new());
	out = CTL_OK("report", "--period", "2026-T3", "--by", "coordinator",
	    "--format", "csv");
	k = (size_t)snprintf(head, sizeof(head), "group");
	for (size_t i = 0; i < N_COLS; i++)
		k += (size_t)snprintf(head + k, sizeof(head) - k, ",%s",
		    cols[i].csv);
	cr_assert_not_null(strstr(out, "\r\n"), "RFC 4180 line ends");
	cr_assert_eq(out[strlen(out) - 1], '\n');
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		cr_assert_eq(line[strlen(line) - 1], '\r', "CRLF: %s", line);
		line[strlen(line) - 1] = '\0';
		if (n == 0) {
			cr_assert_str_eq(line, head);
			continue;
		}
		cr_assert_leq(n, 5, "extra line: %s", line);
		csv_line(rows[n - 1], want, sizeof(want));
		cr_assert_str_eq(line, want);
	}
	cr_assert_eq(n, 6, "a header, 4 groups and the total");
	free(out);
}

/* Characters (not bytes) of a UTF-8 string. */
static size_t
u8len(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

Test(report_it, text_is_an_aligned_table_naming_every_group,
    .fini = ctx_fini)
{
	char *out, *p, *end;
	size_t width = 0, n_lines = 0;
	const char *groups[] = {"K-1", "K-2", "N-K1", "none", "total"};
	bool seen[5] = {false};

	fixture_load(ctx_new());
	out = CTL_OK("report", "--period", "2026-T3", "--by", "coordinator",
	    "--format", "text");
	cr_assert_not_null(strstr(out, "2026-T3"), "%s", out);
	/* The first table: from its header line to the total. */
	p = strstr(out, "\nCalls\n\n");
	cr_assert_not_null(p, "%s", out);
	p += strlen("\nCalls\n\n");
	for (; *p != '\0' && *p != '\n'; p = end + 1) {
		size_t w;

		end = strchr(p, '\n');
		cr_assert_not_null(end);
		w = u8len(p, (size_t)(end - p));
		if (width == 0)
			width = w;
		cr_assert_eq(w, width, "every line as wide as the header: %.*s",
		    (int)(end - p), p);
		for (size_t g = 0; g < 5; g++)
			if (strncmp(p, groups[g], strlen(groups[g])) == 0 &&
			    p[strlen(groups[g])] == ' ')
				seen[g] = true;
		n_lines++;
	}
	for (size_t g = 0; g < 5; g++)
		cr_assert(seen[g], "a line for %s:\n%s", groups[g], out);
	/* Header, rule, 4 groups, rule, total. */
	cr_assert_eq(n_lines, 8, "%s", out);
	/* K-1: 6 offered, 3 answered, 40.0% within 30 s, p50 12 s. */
	p = strstr(strstr(out, "\nCalls\n"), "\nK-1 ");
	cr_assert_not_null(p);
	end = strchr(p + 1, '\n');
	*end = '\0';
	cr_assert_not_null(strstr(p, " 6  "), "%s", p);
	cr_assert_not_null(strstr(p, "40.0%"), "%s", p);
	cr_assert_not_null(strstr(p, "12s"), "%s", p);
	free(out);
}

/* What the HTML walk found. */
struct page {
	int n_svg, n_script, n_external, n_coord_rows;
	bool has_k1, has_k2, has_nk1, has_none;
	char bad[128];
};

static bool
is_tag(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcasecmp((const char *)n->name, name) == 0;
}

/* Any attribute that fetches or links something from elsewhere. */
static void
check_attrs(const xmlNode *n, struct page *pg)
{
	static const char *const fetch[] = {"src", "href", "srcset", "data",
	    "action", "poster", "background", "xlink:href"};

	for (const xmlAttr *a = n->properties; a != NULL; a = a->next)
		for (size_t i = 0; i < sizeof(fetch) / sizeof(fetch[0]); i++)
			if (strcasecmp((const char *)a->name, fetch[i]) == 0) {
				pg->n_external++;
				snprintf(pg->bad, sizeof(pg->bad), "<%s %s>",
				    n->name, a->name);
			}
}

/* The first cell of a body row of the coordinators' table. */
static void
coord_row(xmlNode *tr, struct page *pg)
{
	xmlNode *td = tr->children;
	xmlChar *t;

	while (td != NULL && !is_tag(td, "td"))
		td = td->next;
	if (td == NULL)
		return;
	t = xmlNodeGetContent(td);
	pg->n_coord_rows++;
	pg->has_k1 |= strcmp((char *)t, "K-1") == 0;
	pg->has_k2 |= strcmp((char *)t, "K-2") == 0;
	pg->has_nk1 |= strcmp((char *)t, "N-K1") == 0;
	pg->has_none |= strcmp((char *)t, "(ingen)") == 0;
	xmlFree(t);
}

static void
walk(xmlNode *n, struct page *pg, bool in_coords)
{
	for (; n != NULL; n = n->next) {
		bool here = in_coords;
		xmlChar *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_tag(n, "svg"))
			pg->n_svg++;
		if (is_tag(n, "script") || is_tag(n, "link") ||
		    is_tag(n, "iframe") || is_tag(n, "object") ||
		    is_tag(n, "embed") || is_tag(n, "img"))
			pg->n_script++;
		check_attrs(n, pg);
		id = xmlGetProp(n, (const xmlChar *)"id");
		if (id != NULL && strcmp((char *)id, "coordinators-table") == 0)
			here = true;
		xmlFree(id);
		if (is_tag(n, "tfoot"))
			here = false;
		if (here && is_tag(n, "tr") && n->parent != NULL &&
		    is_tag(n->parent, "tbody"))
			coord_row(n, pg);
		walk(n->children, pg, here);
	}
}

Test(report_it, html_is_one_self_contained_file_with_svg_charts,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *path = vt_path(c->dir, "report.html"), *out, *html, *style;
	struct page pg = {0};
	htmlDocPtr doc;
	size_t len;

	fixture_load(c);
	out = CTL_OK("report", "--period", "2026-T3", "--by", "coordinator",
	    "--format", "html", "--out", path);
	cr_assert_str_eq(out, "", "--out: nothing on stdout");
	free(out);
	html = vt_slurp(path, &len);
	cr_assert_not_null(html, "%s written", path);
	cr_assert_gt(len, 1000);
	doc = htmlReadMemory(html, (int)len, path, "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	cr_assert_not_null(doc, "libxml2 parses the page");
	walk(xmlDocGetRootElement(doc), &pg, false);
	cr_assert_geq(pg.n_svg, 3, "SVG charts (service level, time to "
				   "answer, heat map): %d",
	    pg.n_svg);
	cr_assert_eq(pg.n_script, 0, "no scripts, links, images or frames");
	cr_assert_eq(pg.n_external, 0, "nothing fetched from elsewhere: %s",
	    pg.bad);
	/* Inline CSS only: nothing it would load. */
	style = strstr(html, "<style>");
	cr_assert_not_null(style, "inline CSS");
	cr_assert_null(strstr(html, "url("), "CSS loads nothing");
	cr_assert_null(strstr(html, "@import"), "CSS loads nothing");
	cr_assert_eq(pg.n_coord_rows, 4, "one row per coordinator");
	cr_assert(pg.has_k1 && pg.has_k2 && pg.has_nk1 && pg.has_none,
	    "K-1, K-2, N-K1 and (ingen) in the coordinators' table");
	xmlFreeDoc(doc);
	free(html);
	free(path);
}

/* ---------------------------------------------------------------- */
/* Periods, services, thresholds, suppression. */

/* The total's offered calls of a report over from..to. */
static json_int_t
offered_between(const char *from, const char *to)
{
	json_t *j = REPORT_JSON("--from", from, "--to", to);
	json_int_t n = json_integer_value(
	    json_object_get(json_object_get(j, "total"), "offered"));

	json_decref(j);
	return n;
}

Test(report_it, a_tertial_holds_the_contacts_of_its_local_dates_only,
    .fini = ctx_fini)
{
	const struct want *t2[] = {&k1_t2, &k2_t2};
	json_t *a, *b, *rows;

	fixture_load(ctx_new());
	a = REPORT_JSON("--period", "2026-T2", "--by", "coordinator");
	check_report(a, t2, 2, &total_t2, "2026-T2");
	json_decref(a);

	/* The same dates by --from/--to give the same report. */
	a = REPORT_JSON("--period", "2026-T3", "--by", "coordinator");
	b = REPORT_JSON("--from", "2026-09-01", "--to", "2026-12-31", "--by",
	    "coordinator");
	cr_assert_str_eq(jstr(b, "period", "label"), "2026-09-01..2026-12-31");
	json_object_del(a, "generated");
	json_object_del(b, "generated");
	json_object_del(json_object_get(a, "period"), "label");
	json_object_del(json_object_get(b, "period"), "label");
	cr_assert(json_equal(a, b), "--period 2026-T3 = --from 09-01 --to "
				    "12-31");
	json_decref(a);
	json_decref(b);

	/* Tertials of the year: C17 in T1, C10 and C11 in T2. */
	a = REPORT_JSON("--period", "2026", "--by", "tertial");
	rows = json_object_get(a, "rows");
	cr_assert_eq(json_array_size(rows), 3);
	for (size_t i = 0; i < 3; i++) {
		static const char *const key[] = {"2026-T1", "2026-T2",
		    "2026-T3"};
		static const json_int_t offered[] = {1, 2, 13};
		json_t *row = json_array_get(rows, i);

		cr_assert_str_eq(jstr(row, "group", NULL), key[i]);
		cr_assert_eq(json_integer_value(json_object_get(row, "offered")),
		    offered[i], "%s", key[i]);
	}
	json_decref(a);

	/* Both ends inclusive, by local date (C10 and C1 are both 31
	 * August in UTC; C12 is 31 December in UTC). */
	cr_assert_eq(offered_between("2026-08-31", "2026-08-31"), 1);
	cr_assert_eq(offered_between("2026-09-01", "2026-09-01"), 1);
	cr_assert_eq(offered_between("2026-08-31", "2026-09-01"), 2);
	cr_assert_eq(offered_between("2026-12-31", "2026-12-31"), 1);
	cr_assert_eq(offered_between("2027-01-01", "2027-01-01"), 1);
	/* 23:30 on the day the clocks went back is still that day. */
	cr_assert_eq(offered_between("2026-10-25", "2026-10-25"), 1);
	cr_assert_eq(offered_between("2026-10-26", "2026-10-26"), 0);
}

Test(report_it, service_limits_the_report_to_that_service,
    .fini = ctx_fini)
{
	const struct want *due[] = {&k1_t3, &k2_t3, &none_t3};
	const struct want *nord[] = {&nk1_t3};
	json_t *j;

	fixture_load(ctx_new());
	j = REPORT_JSON("--period", "2026-T3", "--by", "coordinator",
	    "--service", "due");
	cr_assert_str_eq(jstr(j, "service", NULL), "due");
	check_report(j, due, 3, &total_t3_due, "--service due");
	json_decref(j);
	j = REPORT_JSON("--period", "2026-T3", "--by", "coordinator",
	    "--service", "nord");
	check_report(j, nord, 1, &nk1_t3, "--service nord");
	json_decref(j);
}

Test(report_it, within_sets_the_service_level_threshold, .fini = ctx_fini)
{
	json_t *j, *rows;
	/* Answered within 10 s: C2 (8), C8 (5), C14 (3). */
	static const double sl10[] = {1 / 5.0, 1 / 4.0, 1.0, 0.0};

	fixture_load(ctx_new());
	j = REPORT_JSON("--period", "2026-T3", "--by", "coordinator",
	    "--within", "10");
	cr_assert_eq(json_integer_value(json_object_get(j, "within_s")), 10);
	rows = json_object_get(j, "rows");
	cr_assert_eq(json_array_size(rows), 4);
	for (size_t i = 0; i < 4; i++)
		check_value(json_object_get(json_array_get(rows, i),
				"service_level"),
		    sl10[i], &cols[8], by_coord_t3[i]->group);
	check_value(json_object_get(json_object_get(j, "total"),
			"service_level"),
	    3 / 12.0, &cols[8], "total");
	json_decref(j);
}

Test(report_it, external_shows_counts_below_5_as_lt5, .fini = ctx_fini)
{
	json_t *j;

	fixture_load(ctx_new());
	j = REPORT_JSON("--period", "2026-T3", "--by", "coordinator",
	    "--external");
	cr_assert(json_is_true(json_object_get(j, "external")));
	check_measures(json_array_get(json_object_get(j, "rows"), 0),
	    &k1_t3_ext, "--external");
	check_measures(json_object_get(j, "total"), &total_t3_ext,
	    "--external");
	json_decref(j);
}

/* ---------------------------------------------------------------- */
/* Refusals on the command line. */

struct bad {
	const char *args[8];
	int exit;
	const char *says; /* in stderr */
};

Test(report_it, bad_parameters_exit_64_or_65_with_a_clear_message,
    .fini = ctx_fini)
{
	static const struct bad bad[] = {
	    {{"--period", "2026-T3", "--by", "banana"}, 64,
		"--by \"banana\" is not a grouping"},
	    {{"--period", "2026-T3", "--format", "pdf"}, 64,
		"--format \"pdf\" is not a format"},
	    {{"--from", "2026-09-10", "--to", "2026-09-01"}, 65,
		"2026-09-10 is after"},
	    {{"--from", "2026-9-1", "--to", "2026-09-30"}, 65,
		"from \"2026-9-1\": not a date"},
	    {{"--from", "2026-02-01", "--to", "2026-02-30"}, 65,
		"to \"2026-02-30\": not a date"},
	    {{"--period", "2026-T3", "--service", "oslo"}, 65,
		"no service \"oslo\""},
	    {{"--period", "2026-T4"}, 65, "T1, T2 or T3"},
	    {{"--period", "2026-13"}, 65, "01 to 12"},
	    {{"--period", "2026-T3", "--from", "2026-09-01"}, 65,
		"either a period"},
	    {{"--by", "coordinator"}, 65, "period"},
	    {{"--period", "2026-T3", "--within", "0"}, 65, "within"},
	};

	ctx_new();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[12] = {"report"};
		struct vt_run r;
		size_t n = 1;

		for (size_t k = 0; bad[i].args[k] != NULL; k++)
			args[n++] = bad[i].args[k];
		ctl_argv(&r, args);
		cr_assert_eq(r.status, bad[i].exit, "case %zu (%s %s): exit %d, "
		    "want %d: %s", i, bad[i].args[0], bad[i].args[1], r.status,
		    bad[i].exit, r.err);
		cr_assert_str_eq(r.out, "", "case %zu: no report", i);
		cr_assert_not_null(strstr(r.err, bad[i].says),
		    "case %zu: stderr says \"%s\": %s", i, bad[i].says, r.err);
		vt_run_free(&r);
	}
}

/* ---------------------------------------------------------------- */
/* Tokens and the HTTP API. */

/* `vaktctl token add NAME --role ROLE`: the token, from stdout. */
static char *
token_add(const char *name, const char *role)
{
	char *out = CTL_OK("token", "add", name, "--role", role);
	size_t n = strlen(out);

	cr_assert(n > 0 && out[n - 1] == '\n', "one line: %s", out);
	out[n - 1] = '\0';
	cr_assert_null(strchr(out, '\n'), "only the token: %s", out);
	cr_assert_eq(strlen(out), 69, "vakt_ + 64 hex digits: %s", out);
	cr_assert_eq(strncmp(out, "vakt_", 5), 0, "%s", out);
	return out;
}

static bool
file_has(const char *path, const char *needle)
{
	size_t len;
	char *s = vt_slurp(path, &len);
	bool has;

	if (s == NULL)
		return false;
	has = memmem(s, len, needle, strlen(needle)) != NULL;
	free(s);
	return has;
}

static void
sha256_hex(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	cr_assert_eq(EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL), 1);
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* GET d's path with an Authorization header (NULL: none). */
static void
api_get(struct vt_resp *r, const char *path, const char *auth)
{
	char *url, *h = NULL;
	const char *headers[2] = {NULL, NULL};

	cr_assert(asprintf(&url, "%s%s", cur->d.url, path) > 0);
	if (auth != NULL) {
		cr_assert(asprintf(&h, "Authorization: %s", auth) > 0);
		headers[0] = h;
	}
	vt_http(r, "GET", url, NULL, headers);
	free(url);
	free(h);
}

static void
bearer_get(struct vt_resp *r, const char *path, const char *token)
{
	char *auth;

	cr_assert(asprintf(&auth, "Bearer %s", token) > 0);
	api_get(r, path, auth);
	free(auth);
}

/* The value of header name in a raw header block ("" if none). */
static char *
header(const struct vt_resp *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->headers; p != NULL && *p != '\0';) {
		const char *end = strstr(p, "\r\n");

		if (end == NULL)
			end = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			return strndup(p, (size_t)(end - p));
		}
		p = *end != '\0' ? end + 2 : end;
	}
	return strdup("");
}

#define REPORT_T3 "/api/v1/report?period=2026-T3&by=coordinator"

Test(report_it, a_token_is_shown_once_stored_as_a_hash_and_revocable,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *tok, *list, *json, *wal = vt_path(c->dir, "vakt.db-wal");
	char hash[65];
	struct vt_resp r;
	struct vt_run run;
	json_t *j;

	tok = token_add("lea", "leader");
	list = CTL_OK("token", "list");
	json = CTL_OK("token", "list", "--json");
	cr_assert_not_null(strstr(list, "lea"), "%s", list);
	cr_assert_not_null(strstr(list, "leader"), "%s", list);
	cr_assert_null(strstr(list, tok), "the token is never listed");
	cr_assert_null(strstr(json, tok), "the token is never listed");
	j = parse_json(json, "token list --json");
	cr_assert_eq(json_array_size(j), 1);
	cr_assert_str_eq(jstr(json_array_get(j, 0), "name", NULL), "lea");
	cr_assert_str_eq(jstr(json_array_get(j, 0), "role", NULL), "leader");
	json_decref(j);
	/* Not in the database, its WAL included: only the SHA-256. */
	cr_assert_not(file_has(c->db, tok), "token in vakt.db");
	cr_assert_not(file_has(wal, tok), "token in vakt.db-wal");
	cr_assert_not(file_has(c->db, tok + 5) || file_has(wal, tok + 5),
	    "token digits in the database");
	sha256_hex(tok, hash);
	cr_assert_eq(db_count_text(c, "SELECT count(*) FROM tokens WHERE name = "
				      "'lea' AND hash = ?1",
			 hash),
	    1, "the hash is kept");

	/* One name, one token; the role is asked for. */
	CTL(&run, "token", "add", "lea", "--role", "admin");
	cr_assert_eq(run.status, 65, "a second lea: %s", run.err);
	cr_assert_not_null(strstr(run.err, "already exists"), "%s", run.err);
	cr_assert_str_eq(run.out, "", "no second token");
	vt_run_free(&run);
	CTL(&run, "token", "add", "per");
	cr_assert_eq(run.status, 64, "no --role: %s", run.err);
	vt_run_free(&run);

	ctx_start(c);
	bearer_get(&r, REPORT_T3, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	free(CTL_OK("token", "revoke", "lea"));
	CTL(&run, "token", "revoke", "lea");
	cr_assert_eq(run.status, 65, "revoked already: %s", run.err);
	vt_run_free(&run);
	bearer_get(&r, REPORT_T3, tok);
	cr_assert_eq(r.status, 401, "a revoked token is refused: %s", r.body);
	vt_resp_free(&r);
	free(list);
	list = CTL_OK("token", "list");
	cr_assert_null(strstr(list, "lea"), "revoked: %s", list);
	cr_assert_eq(db_count(c, "SELECT count(*) FROM tokens"), 0);
	free(list);
	free(json);
	free(tok);
	free(wal);
}

Test(report_it, the_api_refuses_a_missing_or_wrong_token_with_a_challenge,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader"), *h, *wrong = strdup(tok);
	struct vt_resp r;

	ctx_start(c);
	api_get(&r, REPORT_T3, NULL);
	cr_assert_eq(r.status, 401);
	h = header(&r, "WWW-Authenticate");
	cr_assert_eq(strncmp(h, "Basic realm=\"vakt\"", 18), 0,
	    "a Basic challenge, so a browser asks: %s", h);
	free(h);
	cr_assert_null(strstr(r.body, "K-1"), "no figures: %s", r.body);
	vt_resp_free(&r);

	wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == '0' ? '1' : '0';
	bearer_get(&r, REPORT_T3, wrong);
	cr_assert_eq(r.status, 401);
	h = header(&r, "WWW-Authenticate");
	cr_assert_eq(strncmp(h, "Basic ", 6), 0, "%s", h);
	free(h);
	vt_resp_free(&r);
	api_get(&r, REPORT_T3, "Bearer ");
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
	api_get(&r, REPORT_T3, "Basic Zm9vOmJhcg=="); /* foo:bar */
	cr_assert_eq(r.status, 401);
	vt_resp_free(&r);
	free(wrong);
	free(tok);
}

/* "Basic base64(user:password)" */
static char *
basic(const char *user, const char *password)
{
	char *plain, *out;
	unsigned char b64[256];
	int n;

	cr_assert(asprintf(&plain, "%s:%s", user, password) > 0);
	cr_assert_lt(strlen(plain), 180);
	n = EVP_EncodeBlock(b64, (unsigned char *)plain, (int)strlen(plain));
	cr_assert(asprintf(&out, "Basic %.*s", n, b64) > 0);
	free(plain);
	return out;
}

Test(report_it, the_api_gives_vaktctls_figures_by_bearer_or_basic,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader"), *auth, *ct;
	json_t *cli, *api;
	struct vt_resp r;

	fixture_load(c);
	cli = REPORT_JSON("--period", "2026-T3", "--by", "coordinator");
	ctx_start(c);
	bearer_get(&r, REPORT_T3, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	ct = header(&r, "Content-Type");
	cr_assert_eq(strncmp(ct, "application/json", 16), 0, "%s", ct);
	free(ct);
	api = parse_json(r.body, "GET /api/v1/report");
	check_report(api, by_coord_t3, 4, &total_t3, "API");
	json_object_del(api, "generated");
	json_object_del(cli, "generated");
	cr_assert(json_equal(api, cli), "the API and vaktctl agree");
	json_decref(api);
	vt_resp_free(&r);

	/* A browser: any user name, the token as password. */
	auth = basic("lea", tok);
	api_get(&r, REPORT_T3, auth);
	cr_assert_eq(r.status, 200, "%s", r.body);
	api = parse_json(r.body, "GET /api/v1/report (Basic)");
	json_object_del(api, "generated");
	cr_assert(json_equal(api, cli), "Basic gives the same report");
	json_decref(api);
	vt_resp_free(&r);
	free(auth);
	json_decref(cli);
	free(tok);
}

Test(report_it, each_api_format_has_its_content_type, .fini = ctx_fini)
{
	static const struct {
		const char *format, *type, *starts;
	} f[] = {
	    {"csv", "text/csv", "group,offered,answered,"},
	    {"html", "text/html", "<!DOCTYPE html>"},
	    {"json", "application/json", "{"},
	    {"text", "text/plain", "vakt report 2026-T3"},
	};
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader");

	fixture_load(c);
	ctx_start(c);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char *path, *ct;
		struct vt_resp r;

		cr_assert(asprintf(&path, REPORT_T3 "&format=%s",
		    f[i].format) > 0);
		bearer_get(&r, path, tok);
		cr_assert_eq(r.status, 200, "%s: %s", f[i].format, r.body);
		ct = header(&r, "Content-Type");
		cr_assert_eq(strncmp(ct, f[i].type, strlen(f[i].type)), 0,
		    "%s: Content-Type %s", f[i].format, ct);
		cr_assert_eq(strncmp(r.body, f[i].starts, strlen(f[i].starts)),
		    0, "%s: %.60s", f[i].format, r.body);
		free(ct);
		free(path);
		vt_resp_free(&r);
	}
	free(tok);
}

/* Rows of `vaktctl audit --json` with action api.use by actor. */
static size_t
api_uses(const char *actor, const char *detail_has)
{
	char *out = CTL_OK("audit", "--json", "--limit", "1000");
	json_t *j = parse_json(out, "audit --json"), *row;
	size_t i, n = 0;

	json_array_foreach (j, i, row) {
		if (strcmp(jstr(row, "action", NULL), "api.use") == 0 &&
		    strcmp(jstr(row, "actor", NULL), actor) == 0 &&
		    strstr(jstr(row, "detail", NULL), detail_has) != NULL)
			n++;
	}
	json_decref(j);
	free(out);
	return n;
}

Test(report_it, only_admins_read_the_audit_and_every_api_use_is_in_it,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *lea = token_add("lea", "leader"), *ola = token_add("ola", "admin");
	struct vt_resp r;
	json_t *j, *row;
	size_t i, n = 0;

	ctx_start(c);
	bearer_get(&r, "/api/v1/audit", lea);
	cr_assert_eq(r.status, 403, "a leader may not: %s", r.body);
	vt_resp_free(&r);
	bearer_get(&r, REPORT_T3, lea);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	bearer_get(&r, REPORT_T3 "&format=csv", ola);
	cr_assert_eq(r.status, 200, "an admin reads reports too: %s", r.body);
	vt_resp_free(&r);

	bearer_get(&r, "/api/v1/audit", ola);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = parse_json(r.body, "GET /api/v1/audit");
	cr_assert(json_is_array(j));
	json_array_foreach (j, i, row) {
		if (strcmp(jstr(row, "action", NULL), "api.use") == 0)
			n++;
	}
	/* lea's report, ola's report, and this very request. */
	cr_assert_geq(n, 2, "api.use rows in the audit: %s", r.body);
	json_decref(j);
	vt_resp_free(&r);

	/* Written by vaktd, read by vaktctl: every use, with its name. */
	cr_assert_eq(api_uses("lea", "period=2026-T3"), 1);
	cr_assert_eq(api_uses("ola", "format=csv"), 1);
	cr_assert_eq(api_uses("ola", ""), 2, "the report and the audit");
	cr_assert_eq(api_uses("lea", ""), 1, "a refused use is not one");
	free(lea);
	free(ola);
}

Test(report_it, bad_api_parameters_get_400_with_the_message,
    .fini = ctx_fini)
{
	static const struct {
		const char *query, *says;
	} bad[] = {
	    {"period=2026-T3&by=banana", "by \"banana\""},
	    {"from=2026-09-10&to=2026-09-01", "2026-09-10 is after"},
	    {"from=2026-9-1&to=2026-09-30", "from \"2026-9-1\": not a date"},
	    {"period=2026-T3&service=oslo", "no service \"oslo\""},
	    {"period=2026-T4", "T1, T2 or T3"},
	    {"period=2026-T3&format=pdf", "format"},
	    {"period=2026-T3&colour=red", "unknown parameter \"colour\""},
	    {"by=coordinator", "period"},
	};
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader");

	ctx_start(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path;
		struct vt_resp r;

		cr_assert(asprintf(&path, "/api/v1/report?%s", bad[i].query) > 0);
		bearer_get(&r, path, tok);
		cr_assert_eq(r.status, 400, "%s: %ld %s", bad[i].query,
		    r.status, r.body);
		cr_assert_not_null(strstr(r.body, bad[i].says),
		    "%s: the body says \"%s\": %s", bad[i].query, bad[i].says,
		    r.body);
		vt_resp_free(&r);
		free(path);
	}
	free(tok);
}

/* ---------------------------------------------------------------- */
/* Retention. */

Test(report_it, purge_deletes_contacts_older_than_retention_only,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	int64_t now = (int64_t)time(NULL) * 1000, day = 86400000;
	sqlite3 *db = db_open(c);
	char sql[512], *out;

	/* 40 days old (goes), 29 days and 1 hour old (stays). */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO contacts (service, kind, provider_id, caller,"
	    " category, why, plan, received_ms, status) VALUES"
	    " ('due', 0, 'CA-old', '" ANON "', 0, 0, '[]', %lld, 2),"
	    " ('due', 0, 'CA-recent', '" ANON "', 0, 0, '[]', %lld, 1),"
	    " ('due', 1, 'SM-recent', '" ANON "', 0, 0, '[]', %lld, 0);"
	    "INSERT INTO legs (contact, step, role, number, started_ms)"
	    " SELECT id, 1, 2, '" VT_BEREDSKAP "', received_ms FROM contacts"
	    " WHERE provider_id = 'CA-old';",
	    (long long)(now - 40 * day), (long long)(now - 29 * day),
	    (long long)(now - day / 24));
	db_exec(db, sql);
	sqlite3_close(db);

	out = CTL_OK("purge");
	cr_assert_not_null(strstr(out, "purged 1 "), "%s", out);
	cr_assert_not_null(strstr(out, "30 days"), "%s", out);
	free(out);
	cr_assert_eq(db_count(c, "SELECT count(*) FROM contacts WHERE"
				 " provider_id = 'CA-old'"),
	    0);
	cr_assert_eq(db_count(c, "SELECT count(*) FROM legs"), 0,
	    "its legs go with it");
	cr_assert_eq(db_count(c, "SELECT count(*) FROM contacts"), 2,
	    "the recent ones stay");
	out = CTL_OK("purge");
	cr_assert_not_null(strstr(out, "purged 0 "), "nothing left: %s", out);
	free(out);
}

/* ---------------------------------------------------------------- */
/* A long report and a call at the same time. */

#define N_BULK 200000

/* N_BULK contacts over 2026, in one transaction. */
static void
bulk_load(const struct ctx *c)
{
	static const char sql[] =
	    "INSERT INTO contacts (service, kind, provider_id, caller, youth,"
	    " coordinator, category, why, plan, received_ms, status,"
	    " missed_reason, answered_ms, answered_step, answered_role,"
	    " ended_ms, reply_ms, followup_ms)"
	    " VALUES ('due', ?1, ?2, ?3, ?4, ?5, 0, 0, '[]', ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14)";
	int64_t t0 = oslo_ms(2026, 1, 1, 0, 0), step = 157000;
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s;
	char sid[32], youth[16], coord[16], phone[16];

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	db_exec(db, "BEGIN");
	for (int i = 0; i < N_BULK; i++) {
		int64_t at = t0 + step * i;
		int kind = i % 5 == 4 ? SMS : CALL, outcome = i % 7;

		snprintf(sid, sizeof(sid), "BULK%d", i);
		snprintf(youth, sizeof(youth), "U-%d", i % 200);
		snprintf(coord, sizeof(coord), "K-%d", i % 200 / 4);
		snprintf(phone, sizeof(phone), "+4792%06d", i % 200);
		sqlite3_bind_int(s, 1, kind);
		sqlite3_bind_text(s, 2, sid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 4, youth, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 5, coord, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 6, at);
		if (kind == SMS) {
			sqlite3_bind_int(s, 7, ANS);
			sqlite3_bind_int64(s, 13, at + 60000 + i % 600 * 1000);
		} else if (outcome < 5) {
			sqlite3_bind_int(s, 7, ANS);
			sqlite3_bind_int64(s, 9, at + 2000 + i % 60 * 1000);
			sqlite3_bind_int(s, 10, 1 + outcome % 3);
			sqlite3_bind_int(s, 11, outcome % 3);
			sqlite3_bind_int64(s, 12, at + 200000);
		} else {
			sqlite3_bind_int(s, 7, MIS);
			sqlite3_bind_int(s, 8, outcome == 5 ? HUP : EXH);
			sqlite3_bind_int64(s, 12, at + 2000 + i % 90 * 1000);
			sqlite3_bind_int64(s, 14, at + 600000 + i % 9 * 600000);
		}
		cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "%s",
		    sqlite3_errmsg(db));
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	db_exec(db, "COMMIT");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	size_t *len = arg;

	(void)p;
	*len += size * n;
	return size * n;
}

/* Pump m for up to ms, or until one transfer ends; that one, or NULL. */
static CURL *
pump(CURLM *m, int ms)
{
	double until = mono_s() + ms / 1000.0;
	int running, left;

	do {
		CURLMsg *msg;

		cr_assert_eq(curl_multi_perform(m, &running), CURLM_OK);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			cr_assert_eq(msg->data.result, CURLE_OK, "%s",
			    curl_easy_strerror(msg->data.result));
			return msg->easy_handle;
		}
		cr_assert_eq(curl_multi_poll(m, NULL, 0, 10, NULL), CURLM_OK);
	} while (mono_s() < until);
	return NULL;
}

/* The first webhook of a call from an unknown number (sid: 34 chars). */
#define CALL_PARAMS(sid)                                                  \
	(const char *const[])                                             \
	{                                                                 \
		"CallSid", (sid), "AccountSid", VT_SID, "From", ANON, "To", \
		    VT_SERVICE, "CallStatus", "ringing", "Direction",       \
		    "inbound", NULL                                         \
	}

/* That webhook, signed, as an easy handle for a multi. */
static CURL *
voice_easy(const struct vt_daemon *d, struct curl_slist **hl, char **body,
    size_t *len)
{
	const char *const *params =
	    CALL_PARAMS("CA0000000000000000000000000000beef");
	char *sig = vt_twilio_sign(VT_TOKEN, VT_PUBLIC "/twilio/voice", params);
	char *h, *url;
	CURL *e = curl_easy_init();

	cr_assert_not_null(e);
	*body = vt_form(params);
	cr_assert(asprintf(&h, "X-Twilio-Signature: %s", sig) > 0);
	cr_assert(asprintf(&url, "%s/twilio/voice", d->url) > 0);
	*hl = curl_slist_append(NULL, h);
	*hl = curl_slist_append(
	    *hl, "Content-Type: application/x-www-form-urlencoded");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, *body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hl);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, len);
	free(sig);
	free(h);
	free(url);
	return e;
}

/* Notes when curl has written the request out (its headers). */
static int
sent_cb(CURL *e, curl_infotype type, char *data, size_t size, void *arg)
{
	bool *is_sent = arg;

	(void)e;
	(void)data;
	(void)size;
	if (type == CURLINFO_HEADER_OUT)
		*is_sent = true;
	return 0;
}

/* Collects a response body. */
struct body {
	char *p;
	size_t len;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	b->p = realloc(b->p, b->len + size * n + 1);
	cr_assert_not_null(b->p);
	memcpy(b->p + b->len, p, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* GET /api/v1/report?query with a Bearer token, for a multi. */
static CURL *
report_easy(const struct vt_daemon *d, const char *tok, const char *query,
    struct curl_slist **hl, struct body *b, bool *is_sent)
{
	CURL *e = curl_easy_init();
	char *url, *auth;

	cr_assert_not_null(e);
	cr_assert(asprintf(&url, "%s/api/v1/report?%s", d->url, query) > 0);
	cr_assert(asprintf(&auth, "Authorization: Bearer %s", tok) > 0);
	*hl = curl_slist_append(NULL, auth);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hl);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, sent_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, is_sent);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	free(url);
	free(auth);
	return e;
}

/*
 * The call goes in once the report request has reached vaktd and had
 * 30 ms to get going.  An event loop busy with the report would answer
 * the call only when the report is done (replies of one loop turn go
 * out together, so the order of the answers proves nothing): the call
 * must take well under the time the report still needed.
 */
Test(report_it, a_long_report_does_not_hold_up_a_call, .fini = ctx_fini,
    .timeout = 30)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader"), *vbody;
	struct curl_slist *rh, *vh;
	struct body report = {NULL, 0};
	size_t voice_len = 0;
	bool is_sent = false;
	CURLM *m = curl_multi_init();
	CURL *rep, *voice, *done;
	double t0, t_voice, voice_s = -1, report_s = -1;
	long code;

	bulk_load(c);
	ctx_start(c);
	/* By day over 2026 as HTML: the heaviest of a year's reports. */
	rep = report_easy(&c->d, tok, "period=2026&by=day&format=html", &rh,
	    &report, &is_sent);
	t0 = mono_s();
	curl_multi_add_handle(m, rep);
	while (!is_sent && mono_s() < t0 + 5)
		cr_assert_null(pump(m, 1), "the report ended before it began");
	cr_assert(is_sent, "the report request went out");
	cr_assert_null(pump(m, 30), "the report took under 30 ms: too few "
				     "contacts to show anything");

	voice = voice_easy(&c->d, &vh, &vbody, &voice_len);
	t_voice = mono_s();
	curl_multi_add_handle(m, voice);
	while (voice_s < 0 || report_s < 0) {
		done = pump(m, 20000);
		cr_assert_not_null(done, "both requests end");
		if (done == voice)
			voice_s = mono_s() - t_voice;
		else
			report_s = mono_s() - t0;
	}
	cr_log_info("report of %d contacts: %.3f s; call answered in %.3f s",
	    N_BULK, report_s, voice_s);
	curl_easy_getinfo(voice, CURLINFO_RESPONSE_CODE, &code);
	cr_assert_eq(code, 200, "the call is answered");
	cr_assert_gt(voice_len, 0, "with TwiML");
	cr_assert_lt(voice_s, 1.0, "the call waited %.3f s", voice_s);
	/* Blocked, it would wait about as long as the report had to run. */
	cr_assert_lt(voice_s * 2, report_s - (t_voice - t0),
	    "the call waited for the report (call %.3f s, report %.3f s)",
	    voice_s, report_s);
	curl_easy_getinfo(rep, CURLINFO_RESPONSE_CODE, &code);
	cr_assert_eq(code, 200, "then the report completes");
	cr_assert_gt(report.len, 10000);
	cr_assert_eq(strncmp(report.p, "<!DOCTYPE html>", 15), 0);

	curl_multi_remove_handle(m, rep);
	curl_multi_remove_handle(m, voice);
	curl_easy_cleanup(rep);
	curl_easy_cleanup(voice);
	curl_multi_cleanup(m);
	curl_slist_free_all(rh);
	curl_slist_free_all(vh);
	free(vbody);
	free(report.p);
	free(tok);
}

/* One call from an unknown number, answered within 1 s. */
static void
call_answered(const struct vt_daemon *d, int n)
{
	char sid[40];
	struct vt_resp r;
	double t;

	snprintf(sid, sizeof(sid), "CA%032x", 0x100 + n);
	t = mono_s();
	vt_twilio_post(&r, d, "/twilio/voice", CALL_PARAMS(sid));
	t = mono_s() - t;
	cr_assert_eq(r.status, 200, "call %d: %s", n, r.body);
	cr_assert_not_null(strstr(r.body, "<Dial"), "%s", r.body);
	cr_assert_lt(t, 1.0, "call %d waited %.3f s", n, t);
	vt_resp_free(&r);
}

#define N_YOUTHS 90000

/* N_YOUTHS calls in March 2026, each from a youth of its own. */
static void
many_youths_load(const struct ctx *c)
{
	static const char sql[] =
	    "INSERT INTO contacts (service, kind, provider_id, caller, youth,"
	    " category, why, plan, received_ms, status)"
	    " VALUES ('due', 0, ?1, ?2, ?1, 0, 0, '[]', ?3, 0)";
	int64_t t0 = oslo_ms(2026, 3, 2, 9, 0);
	sqlite3 *db = db_open(c);
	sqlite3_stmt *s;
	char code[32], phone[16];

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	db_exec(db, "BEGIN");
	for (int i = 0; i < N_YOUTHS; i++) {
		snprintf(code, sizeof(code), "Y-%06d", i);
		snprintf(phone, sizeof(phone), "+4793%06d", i);
		sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, t0 + (int64_t)i * 10000);
		cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "%s",
		    sqlite3_errmsg(db));
		sqlite3_reset(s);
	}
	db_exec(db, "COMMIT");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/*
 * 90,000 youths' rows as JSON are over 64 MiB: more than vaktd keeps
 * for a reply.  The report is stopped with a 500 that says why, calls
 * are answered all the while, none of its data reaches the log, and
 * the next report is made as usual.
 */
Test(report_it, a_report_too_big_to_send_is_stopped_and_calls_go_on,
    .fini = ctx_fini, .timeout = 60)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader"), *log;
	struct curl_slist *hl;
	struct body b = {NULL, 0};
	bool is_sent = false;
	CURLM *m = curl_multi_init();
	CURL *rep;
	double t0;
	long code;
	int n = 0;
	struct vt_resp r;

	fixture_load(c);
	many_youths_load(c);
	ctx_start(c);
	rep = report_easy(&c->d, tok, "period=2026-03&by=youth&format=json",
	    &hl, &b, &is_sent);
	t0 = mono_s();
	curl_multi_add_handle(m, rep);
	while (pump(m, 200) != rep) {
		cr_assert_lt(mono_s() - t0, 40, "the report ends");
		call_answered(&c->d, n++);
	}
	curl_easy_getinfo(rep, CURLINFO_RESPONSE_CODE, &code);
	cr_assert_eq(code, 500, "%.200s", b.p);
	cr_assert_not_null(strstr(b.p, "64 MiB"), "says why: %s", b.p);
	cr_assert_geq(n, 3, "calls while the report ran: %d", n);
	log = vt_daemon_log(&c->d);
	cr_assert_null(strstr(log, "\"sms_received\""),
	    "no report data in the log");
	free(log);

	bearer_get(&r, REPORT_T3, tok);
	cr_assert_eq(r.status, 200, "the next report: %s", r.body);
	vt_resp_free(&r);
	curl_multi_remove_handle(m, rep);
	curl_easy_cleanup(rep);
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	free(b.p);
	free(tok);
}

Test(report_it, a_report_by_day_over_decades_is_refused_with_400,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader");
	struct vt_resp r;

	ctx_start(c);
	bearer_get(&r, "/api/v1/report?from=1990-01-01&to=2026-12-31&by=day",
	    tok);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "by day covers at most"), "%s",
	    r.body);
	vt_resp_free(&r);
	bearer_get(&r, "/api/v1/report?from=1990-01-01&to=2026-12-31&by=month",
	    tok);
	cr_assert_eq(r.status, 200, "by month is fine: %s", r.body);
	vt_resp_free(&r);
	free(tok);
}

/* ---------------------------------------------------------------- */
/* Issue 10 (C15): HEAD, and reports running at SIGTERM. */

/*
 * HEAD /api/v1/report ran a whole report in a child and wrote an audit
 * row, only to drop the body.  It is refused with 405 and "Allow: GET"
 * before the token is even looked at: no report, no audit row.
 */
Test(report_it, head_of_a_report_is_405_runs_nothing_and_audits_nothing_issue10,
    .fini = ctx_fini)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader"), *url, *auth, *allow, *log;
	const char *headers[2] = {NULL, NULL};
	struct vt_resp r;

	ctx_start(c);
	cr_assert(asprintf(&url, "%s" REPORT_T3, c->d.url) > 0);
	cr_assert(asprintf(&auth, "Authorization: Bearer %s", tok) > 0);
	headers[0] = auth;
	vt_http(&r, "HEAD", url, NULL, headers);
	cr_assert_eq(r.status, 405, "HEAD got %ld", r.status);
	allow = header(&r, "Allow");
	cr_assert_str_eq(allow, "GET");
	free(allow);
	vt_resp_free(&r);
	cr_assert_eq(api_uses("lea", ""), 0, "HEAD wrote an audit row");
	/* GET still works, and is audited. */
	bearer_get(&r, REPORT_T3, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	cr_assert_eq(api_uses("lea", ""), 1);
	log = vt_daemon_log(&c->d);
	cr_assert_not_null(strstr(log, "HEAD /api/v1/report 405"), "%s", log);
	free(log);
	free(url);
	free(auth);
	free(tok);
}

/* The pid of a child of parent, waiting up to ms; -1 if none came. */
static pid_t
child_of(pid_t parent, int ms)
{
	for (int waited = 0; waited <= ms; waited += 2) {
		DIR *proc = opendir("/proc");
		struct dirent *e;
		pid_t found = -1;

		cr_assert_not_null(proc);
		while (found == -1 && (e = readdir(proc)) != NULL) {
			char path[288], buf[512], *rp;
			FILE *f;
			int ppid;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
			if ((f = fopen(path, "r")) == NULL)
				continue;
			/* "pid (comm) state ppid …"; comm may hold spaces. */
			if (fgets(buf, sizeof(buf), f) != NULL &&
			    (rp = strrchr(buf, ')')) != NULL &&
			    sscanf(rp + 1, " %*c %d", &ppid) == 1 &&
			    ppid == parent)
				found = (pid_t)atoi(e->d_name);
			fclose(f);
		}
		closedir(proc);
		if (found != -1)
			return found;
		vt_msleep(2);
	}
	return -1;
}

/* vaktd's exit code (128 + signal if killed), or -1 after ms. */
static int
exit_wait(pid_t pid, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
			                     : 128 + WTERMSIG(st);
		vt_msleep(10);
	}
	return -1;
}

/*
 * A report still running at SIGTERM got a 503 that was queued after
 * the loop had ended and never sent: the client saw the connection
 * close with no answer after a 5 s wait.  Its report process is
 * stopped here (SIGSTOP), so that it cannot finish first: vaktd must
 * answer 503 at once and exit 0.
 */
Test(report_it, a_report_running_at_sigterm_gets_its_503_issue10,
    .fini = ctx_fini, .timeout = 60)
{
	struct ctx *c = ctx_new();
	char *tok = token_add("lea", "leader");
	struct body report = {NULL, 0};
	struct curl_slist *rh;
	bool is_sent = false;
	CURLM *m = curl_multi_init();
	CURL *rep, *done;
	double t0;
	pid_t kid;
	long code = 0;
	char *log;
	int rc;

	bulk_load(c);
	ctx_start(c);
	rep = report_easy(&c->d, tok, "period=2026&by=day&format=html", &rh,
	    &report, &is_sent);
	curl_multi_add_handle(m, rep);
	t0 = mono_s();
	while (!is_sent && mono_s() < t0 + 5)
		cr_assert_null(pump(m, 1), "the report ended before it began");
	kid = child_of(c->d.pid, 5000);
	cr_assert_neq(kid, -1, "no report process");
	cr_assert_eq(kill(kid, SIGSTOP), 0, "the report ended too soon");
	cr_assert_eq(kill(c->d.pid, SIGTERM), 0);
	t0 = mono_s();
	done = pump(m, 15000);
	cr_assert_eq(done, rep, "the report request got an answer");
	curl_easy_getinfo(rep, CURLINFO_RESPONSE_CODE, &code);
	cr_assert_eq(code, 503, "status %ld: %s", code,
	    report.p != NULL ? report.p : "");
	cr_assert_lt(mono_s() - t0, 4.0, "the 503 waited for the drain");
	/* It is on its way out: a second SIGTERM could find it unguarded. */
	rc = exit_wait(c->d.pid, 10000);
	c->d.pid = rc == -1 ? c->d.pid : -1;
	log = vt_daemon_log(&c->d);
	cr_assert_eq(rc, 0, "vaktd exits %d: %s", rc, log);
	free(log);
	c->has_daemon = false;
	vt_daemon_free(&c->d);
	cr_assert_neq(kill(kid, 0), 0, "the report process is gone");
	curl_multi_remove_handle(m, rep);
	curl_easy_cleanup(rep);
	curl_multi_cleanup(m);
	curl_slist_free_all(rh);
	free(report.p);
	free(tok);
}
