#define _GNU_SOURCE /* asprintf */
/*
 * test_rota.c: staff and the beredskap rota through the real vaktctl
 * and vaktd (issue 11).  vaktctl staff and rota (add, list --json, the
 * overlap refused, remove), `route --at` inside and outside a slot,
 * the rota's HTTP API (201, 400, 409, 204, 404, 401), and calls: a
 * signed after-hours call inside a slot dials the holder's phone, and a
 * missed call in a slot alerts the holder.
 *
 * `route --at` uses fixed dates in 2030 (a Wednesday evening: after
 * hours by the default 08-20 office hours).  The call tests make today
 * and tomorrow closed special days, so that they run at any time of
 * day, and put the slot around the present minute.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "fake/fake_twilio.h"
#include "helpers.h"

#define COORD      "+4791111111"
#define COORD_ID   "K-1"
#define LEADER     "+4793333333"
#define LEADER_ID  "L-1"
#define STRANGER   "+4797777777"
#define EX_DATAERR 65

#define CALL(sid, from)                                                        \
	"CallSid", (sid), "AccountSid", VT_SID, "From", (from), "To",          \
	    VT_SERVICE, "CallStatus", "ringing", "Direction", "inbound",       \
	    "ApiVersion", "2010-04-01", "Caller", (from), "Called", VT_SERVICE

struct ctx {
	struct vt_fake *fake;
	char *dir;
	struct vt_daemon d;
};

/* The current test's context, for .fini (Criterion forks per test). */
static struct ctx *cur;

static void
ctx_fini(void)
{
	if (cur == NULL)
		return;
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
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	now = mktime(&tm);
	cr_assert_not_null(localtime_r(&now, &tm));
	cr_assert_eq(strftime(out, 11, "%Y-%m-%d", &tm), 10);
}

/* vaktd with today and tomorrow closed (after hours all day) or not. */
static struct ctx *
start(bool closed, bool with_fake)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char d0[11], d1[11], *extra = NULL, *conf;

	cr_assert_not_null(c);
	cur = c;
	if (closed) {
		oslo_date(0, d0);
		oslo_date(1, d1);
		cr_assert(
		    asprintf(&extra,
		        "special_days = (\n"
		        " { date = \"%s\"; name = \"test\"; closed = true; },\n"
		        " { date = \"%s\"; name = \"test\"; closed = true; } );\n",
		        d0, d1) > 0);
	}
	c->fake = with_fake ? vt_fake_start() : NULL;
	conf = vt_config(
	    c->fake != NULL ? vt_fake_url(c->fake) : NULL, extra, NULL);
	c->dir = vt_tmpdir();
	cr_assert_eq(vt_daemon_start(&c->d, c->dir, conf), 0, "vaktd: %s",
	    vt_daemon_log(&c->d));
	free(extra);
	free(conf);
	return c;
}

/* vaktctl -c CONF ARGS… into r (caller frees with vt_run_free). */
static void
ctl_run(struct vt_run *r, const struct ctx *c, va_list ap)
{
	const char *argv[24];
	char *bin = vt_bin("vaktctl");
	size_t n = 0;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = c->d.conf;
	while ((argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]));
	}
	vt_run(r, NULL, argv);
	free(bin);
}

/* vaktctl …, which must exit with want; returns its stdout. */
static char *
ctl_want(const struct ctx *c, int want, ...)
{
	struct vt_run r;
	va_list ap;
	char *out;

	va_start(ap, want);
	ctl_run(&r, c, ap);
	va_end(ap);
	cr_assert_eq(r.status, want, "exit %d, want %d: %s%s", r.status, want,
	    r.out, r.err);
	out = strdup(want == 0 ? r.out : r.err);
	vt_run_free(&r);
	return out;
}

#define CTL_OK(c, ...)      ctl_want((c), 0, __VA_ARGS__, NULL)
#define CTL_DATAERR(c, ...) ctl_want((c), EX_DATAERR, __VA_ARGS__, NULL)

static void
directory(const struct ctx *c)
{
	free(CTL_OK(c, "coordinator", "add", COORD_ID, "--name", "Kari",
	    "--phone", COORD));
	free(CTL_OK(c, "staff", "add", LEADER_ID, "--name", "Lise Leder",
	    "--phone", LEADER, "--role", "leader"));
}

/* Parse JSON text; the test fails if it is not. */
static json_t *
json_of(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

/* now + offset_s as "YYYY-MM-DDTHH:MMZ". */
static void
utc_at(int offset_s, char out[32])
{
	time_t t = time(NULL) + offset_s;
	struct tm tm;

	cr_assert_not_null(gmtime_r(&t, &tm));
	cr_assert_gt(strftime(out, 32, "%Y-%m-%dT%H:%MZ", &tm), 0);
}

/* ---------------------------------------------------------------- */
/* vaktctl staff and rota. */

Test(rota, vaktctl_staff_add_list_remove_and_refusals, .fini = ctx_fini)
{
	struct ctx *c = start(false, false);
	json_t *j, *m;
	char *out;

	directory(c);
	out = CTL_OK(c, "staff", "list", "--json");
	j = json_of(out);
	cr_assert_eq(json_array_size(j), 1, "%s", out);
	m = json_array_get(j, 0);
	cr_assert_str_eq(
	    json_string_value(json_object_get(m, "id")), LEADER_ID);
	cr_assert_str_eq(
	    json_string_value(json_object_get(m, "name")), "Lise Leder");
	cr_assert_str_eq(
	    json_string_value(json_object_get(m, "phone")), LEADER);
	cr_assert_str_eq(
	    json_string_value(json_object_get(m, "role")), "leader");
	cr_assert(json_is_null(json_object_get(m, "service")));
	json_decref(j);
	free(out);

	/* A staff id is never a coordinator's, nor the other way round. */
	out = CTL_DATAERR(c, "staff", "add", COORD_ID, "--name", "X", "--phone",
	    "+4793333334", "--role", "admin");
	cr_assert_not_null(strstr(out, "is a coordinator"), "%s", out);
	free(out);
	out = CTL_DATAERR(c, "coordinator", "add", LEADER_ID, "--name", "X",
	    "--phone", "+4793333335");
	cr_assert_not_null(strstr(out, "is staff"), "%s", out);
	free(out);
	/* One phone, one staff member. */
	out = CTL_DATAERR(c, "staff", "add", "L-2", "--name", "X", "--phone",
	    LEADER, "--role", "admin");
	cr_assert_not_null(
	    strstr(out, "already belongs to staff L-1"), "%s", out);
	free(out);
	free(ctl_want(c, 64, "staff", "add", "L-3", "--name", "X", "--phone",
	    "+4793333336", "--role", "boss", NULL));

	free(CTL_OK(c, "staff", "remove", LEADER_ID));
	out = CTL_OK(c, "staff", "list", "--json");
	cr_assert_str_eq(out, "[]\n");
	free(out);
	out = CTL_OK(c, "audit", "--json");
	cr_assert_not_null(strstr(out, "staff.add"), "%s", out);
	cr_assert_not_null(strstr(out, "staff.remove"), "%s", out);
	cr_assert_null(strstr(out, LEADER), "audit masks phones: %s", out);
	free(out);
}

Test(rota, vaktctl_rota_add_list_overlap_remove, .fini = ctx_fini)
{
	struct ctx *c = start(false, false);
	json_t *j, *s;
	char *out;

	directory(c);
	out = CTL_OK(c, "rota", "add", "--service", "due", "--staff", LEADER_ID,
	    "--from", "2030-01-09T20:00", "--to", "2030-01-10T08:00");
	cr_assert_not_null(strstr(out, "rota slot 1 added"), "%s", out);
	free(out);
	/* Seconds and an offset are accepted too. */
	free(CTL_OK(c, "rota", "add", "--service", "due", "--staff", COORD_ID,
	    "--from", "2030-01-10T08:00:00+01:00", "--to", "2030-01-10T20:00"));

	/* Overlapping slots of one service are refused, exit 65. */
	out = CTL_DATAERR(c, "rota", "add", "--service", "due", "--staff",
	    COORD_ID, "--from", "2030-01-10T07:00", "--to", "2030-01-10T09:00");
	cr_assert_not_null(strstr(out, "overlaps slot 1"), "%s", out);
	free(out);
	out = CTL_DATAERR(c, "rota", "add", "--service", "due", "--staff",
	    COORD_ID, "--from", "2030-01-11T09:00", "--to", "2030-01-11T08:00");
	cr_assert_not_null(strstr(out, "is not before"), "%s", out);
	free(out);
	free(CTL_DATAERR(c, "rota", "add", "--service", "due", "--staff",
	    "nobody", "--from", "2030-01-11T08:00", "--to",
	    "2030-01-11T09:00"));
	free(CTL_DATAERR(c, "rota", "add", "--service", "due", "--staff",
	    COORD_ID, "--from", "2030-01-11 8:00", "--to", "2030-01-11T09:00"));

	out = CTL_OK(c, "rota", "list", "--service", "due", "--json");
	j = json_of(out);
	cr_assert_eq(json_array_size(j), 2, "%s", out);
	s = json_array_get(j, 0);
	cr_assert_eq(json_integer_value(json_object_get(s, "id")), 1);
	cr_assert_str_eq(
	    json_string_value(json_object_get(s, "staff")), LEADER_ID);
	cr_assert_str_eq(
	    json_string_value(json_object_get(s, "name")), "Lise Leder");
	cr_assert_str_eq(json_string_value(json_object_get(s, "from")),
	    "2030-01-09T20:00:00+01:00");
	cr_assert_str_eq(json_string_value(json_object_get(s, "to")),
	    "2030-01-10T08:00:00+01:00");
	json_decref(j);
	free(out);

	/* A holder with slots stays until the slots go. */
	free(CTL_DATAERR(c, "staff", "remove", LEADER_ID));
	free(CTL_OK(c, "rota", "remove", "1"));
	out = CTL_DATAERR(c, "rota", "remove", "1");
	cr_assert_not_null(strstr(out, "no rota slot 1"), "%s", out);
	free(out);
	out = CTL_OK(c, "rota", "list", "--json");
	j = json_of(out);
	cr_assert_eq(json_array_size(j), 1, "%s", out);
	json_decref(j);
	free(out);
	free(CTL_OK(c, "staff", "remove", LEADER_ID));
}

Test(rota, route_at_shows_the_rota_holder_inside_a_slot_only, .fini = ctx_fini)
{
	struct ctx *c = start(false, false);
	json_t *j, *step;
	char *out;

	directory(c);
	free(CTL_OK(c, "rota", "add", "--service", "due", "--staff", LEADER_ID,
	    "--from", "2030-01-09T20:00", "--to", "2030-01-10T08:00"));

	out = CTL_OK(c, "route", "--from", STRANGER, "--at", "2030-01-09T22:00",
	    "--json");
	j = json_of(out);
	step = json_array_get(json_object_get(j, "steps"), 0);
	cr_assert_str_eq(
	    json_string_value(json_object_get(step, "role")), "beredskap");
	cr_assert_str_eq(json_string_value(json_object_get(step, "number")),
	    LEADER, "%s", out);
	cr_assert_str_eq(
	    json_string_value(json_object_get(step, "who")), LEADER_ID);
	cr_assert(json_is_true(json_object_get(step, "rota")), "%s", out);
	step = json_array_get(json_object_get(j, "steps"), 1);
	cr_assert_str_eq(
	    json_string_value(json_object_get(step, "number")), VT_FALLBACK);
	cr_assert_null(json_object_get(step, "rota"));
	json_decref(j);
	free(out);
	out =
	    CTL_OK(c, "route", "--from", STRANGER, "--at", "2030-01-09T22:00");
	cr_assert_not_null(strstr(out, LEADER), "%s", out);
	cr_assert_not_null(strstr(out, "(rota)"), "the text says so: %s", out);
	free(out);

	/* Outside the slot (to is exclusive): the configured handset. */
	out = CTL_OK(c, "route", "--from", STRANGER, "--at", "2030-01-10T08:00",
	    "--json");
	j = json_of(out);
	step = json_array_get(json_object_get(j, "steps"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(step, "number")),
	    VT_BEREDSKAP, "%s", out);
	cr_assert_null(json_object_get(step, "rota"));
	json_decref(j);
	free(out);
}

/* ---------------------------------------------------------------- */
/* The HTTP API. */

static char *
token_add(const struct ctx *c)
{
	char *out = CTL_OK(c, "token", "add", "lise", "--role", "leader");
	size_t n = strlen(out);

	cr_assert(n > 1 && out[n - 1] == '\n', "%s", out);
	out[n - 1] = '\0';
	return out;
}

/* method on /api/v1/rota… with token (NULL: none). */
static void
api(struct vt_resp *r, const struct ctx *c, const char *method,
    const char *path_query, const char *body, const char *token)
{
	char *url, *auth = NULL;
	const char *h[] = {"Content-Type: application/json", NULL, NULL};

	if (token != NULL) {
		cr_assert(
		    asprintf(&auth, "Authorization: Bearer %s", token) > 0);
		h[1] = auth;
	}
	cr_assert(asprintf(&url, "%s%s", c->d.url, path_query) > 0);
	vt_http(r, method, url, body, h);
	free(url);
	free(auth);
}

static long
api_status(const struct ctx *c, const char *method, const char *path,
    const char *body, const char *token)
{
	struct vt_resp r;
	long status;

	api(&r, c, method, path, body, token);
	status = r.status;
	vt_resp_free(&r);
	return status;
}

#define SLOT(staff, from, to)                                                  \
	"{\"service\": \"due\", \"staff\": \"" staff "\", \"from\": \"" from   \
	"\", \"to\": \"" to "\"}"

Test(rota, api_adds_lists_and_removes_slots_with_a_leader_token,
    .fini = ctx_fini)
{
	struct ctx *c = start(false, false);
	char *tok;
	struct vt_resp r;
	json_t *j;

	directory(c);
	tok = token_add(c);
	cr_assert_eq(
	    api_status(c, "POST", "/api/v1/rota",
	        SLOT(LEADER_ID, "2030-01-09T20:00", "2030-01-10T08:00"), NULL),
	    401, "no token, no slot");
	cr_assert_eq(api_status(c, "GET", "/api/v1/rota", NULL, NULL), 401);
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/rota/1", NULL, NULL), 401);

	api(&r, c, "POST", "/api/v1/rota",
	    SLOT(LEADER_ID, "2030-01-09T20:00", "2030-01-10T08:00"), tok);
	cr_assert_eq(r.status, 201, "%s", r.body);
	j = json_of(r.body);
	cr_assert_eq(
	    json_integer_value(json_object_get(j, "id")), 1, "%s", r.body);
	json_decref(j);
	vt_resp_free(&r);

	/* Overlap: 409 with a message. */
	api(&r, c, "POST", "/api/v1/rota",
	    SLOT(COORD_ID, "2030-01-10T07:59", "2030-01-10T09:00"), tok);
	cr_assert_eq(r.status, 409, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "overlaps slot 1"), "%s", r.body);
	vt_resp_free(&r);

	/* Bad input: 400 with a message. */
	static const char *const bad[] = {
	    "not json",
	    "{\"service\": \"due\"}",
	    SLOT(COORD_ID, "2030-01-10", "2030-01-11"),
	    SLOT(COORD_ID, "2030-01-11T09:00", "2030-01-11T08:00"),
	    SLOT("nobody", "2030-01-11T08:00", "2030-01-11T09:00"),
	    "{\"service\": \"nope\", \"staff\": \"K-1\", \"from\": "
	    "\"2030-01-11T08:00\", \"to\": \"2030-01-11T09:00\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api(&r, c, "POST", "/api/v1/rota", bad[i], tok);
		cr_assert_eq(
		    r.status, 400, "%s: %ld %s", bad[i], r.status, r.body);
		cr_assert_gt(strlen(r.body), 5, "a message: %s", bad[i]);
		vt_resp_free(&r);
	}

	cr_assert_eq(
	    api_status(c, "POST", "/api/v1/rota",
	        SLOT(COORD_ID, "2030-01-10T08:00", "2030-01-10T20:00"), tok),
	    201);
	api(&r, c, "GET",
	    "/api/v1/rota?service=due&from=2030-01-10T12:00&to=2030-01-11T00:00",
	    NULL, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_of(r.body);
	cr_assert_eq(json_array_size(j), 1, "only the day slot: %s", r.body);
	cr_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 0), "staff")),
	    COORD_ID);
	json_decref(j);
	vt_resp_free(&r);
	cr_assert_eq(
	    api_status(c, "GET", "/api/v1/rota?from=yesterday", NULL, tok),
	    400);

	cr_assert_eq(api_status(c, "DELETE", "/api/v1/rota/1", NULL, tok), 204);
	cr_assert_eq(api_status(c, "DELETE", "/api/v1/rota/1", NULL, tok), 404);
	cr_assert_eq(api_status(c, "DELETE", "/api/v1/rota/x", NULL, tok), 404);
	api(&r, c, "GET", "/api/v1/rota", NULL, tok);
	j = json_of(r.body);
	cr_assert_eq(json_array_size(j), 1, "%s", r.body);
	json_decref(j);
	vt_resp_free(&r);
	free(tok);
	vt_daemon_stop(&c->d);
	/* The changes are audited under the token's name. */
	{
		char *out = CTL_OK(c, "audit", "--json");

		cr_assert_not_null(strstr(out, "rota.add"), "%s", out);
		cr_assert_not_null(strstr(out, "rota.remove"), "%s", out);
		free(out);
	}
}

/* ---------------------------------------------------------------- */
/* Calls inside a slot. */

/* A slot for LEADER_ID from an hour ago to an hour ahead. */
static void
slot_now(const struct ctx *c)
{
	char from[32], to[32];

	utc_at(-3600, from);
	utc_at(3600, to);
	free(CTL_OK(c, "rota", "add", "--service", "due", "--staff", LEADER_ID,
	    "--from", from, "--to", to));
}

/* The <Dial> action URL's path and query in TwiML, unescaped. */
static char *
action_of(const char *twiml)
{
	const char *p = strstr(twiml, "action=\"" VT_PUBLIC);
	char *out, *q;
	size_t len;

	cr_assert_not_null(p, "no action: %s", twiml);
	p += strlen("action=\"" VT_PUBLIC);
	len = strcspn(p, "\"");
	out = strndup(p, len);
	while ((q = strstr(out, "&amp;")) != NULL)
		memmove(q + 1, q + 5, strlen(q + 5) + 1);
	return out;
}

static void
expect_number(const struct vt_resp *r, const char *number)
{
	char want[64];

	snprintf(want, sizeof(want), ">%s</Number>", number);
	cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
	cr_assert_not_null(
	    strstr(r->body, want), "dials %s: %s", number, r->body);
}

/* The leg rang out: POST the step's action as Twilio would. */
static void
ring_out(struct vt_resp *r, const struct ctx *c, const char *action,
    const char *call_sid, unsigned leg)
{
	char child[40];
	const char *p[] = {CALL(call_sid, STRANGER), "DialCallStatus",
	    "no-answer", "DialCallSid", child, "DialCallDuration", "0",
	    "DialBridged", "false", NULL};

	snprintf(child, sizeof(child), "CA%032x", 0xc0000 + leg);
	vt_twilio_post(r, &c->d, action, p);
}

Test(rota, an_after_hours_call_inside_a_slot_dials_the_holder, .fini = ctx_fini)
{
	struct ctx *c = start(true, false);
	const char *sid = "CA00000000000000000000000000000011";
	const char *p[] = {CALL(sid, STRANGER), NULL};
	struct vt_resp r;

	directory(c);
	slot_now(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	expect_number(&r, LEADER);
	cr_assert_null(
	    strstr(r.body, VT_BEREDSKAP), "not the handset: %s", r.body);
	vt_resp_free(&r);
}

Test(rota, a_missed_call_in_a_slot_alerts_the_holder, .fini = ctx_fini)
{
	struct ctx *c = start(true, true);
	const char *sid = "CA00000000000000000000000000000012";
	const char *p[] = {CALL(sid, STRANGER), NULL};
	struct vt_fake_msg m;
	struct vt_resp r;
	char *a1, *a2;

	directory(c);
	slot_now(c);
	vt_twilio_post(&r, &c->d, "/twilio/voice", p);
	expect_number(&r, LEADER);
	a1 = action_of(r.body);
	vt_resp_free(&r);
	ring_out(&r, c, a1, sid, 1);
	expect_number(&r, VT_FALLBACK);
	a2 = action_of(r.body);
	vt_resp_free(&r);
	ring_out(&r, c, a2, sid, 2);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "<Hangup"), "%s", r.body);
	vt_resp_free(&r);

	cr_assert(vt_fake_wait(c->fake, 1, 10000), "%zu alerts sent",
	    vt_fake_count(c->fake));
	vt_msleep(200);
	cr_assert_eq(vt_fake_count(c->fake), 1, "one alert, to the holder");
	m = vt_fake_get(c->fake, 0);
	cr_assert_str_eq(
	    m.to, LEADER, "the alert goes to whoever had beredskap");
	cr_assert_not_null(strstr(m.body, "Ubesvart anrop"), "%s", m.body);
	vt_fake_msg_free(&m);
	free(a1);
	free(a2);
}

/* POST /twilio/sms from `from`; answered with empty TwiML. */
static void
sms_in(const struct ctx *c, const char *sid, const char *from,
    const char *body)
{
	const char *p[] = {"ToCountry", "NO", "SmsMessageSid", sid, "NumMedia",
	    "0", "SmsSid", sid, "SmsStatus", "received", "Body", body, "To",
	    VT_SERVICE, "NumSegments", "1", "MessageSid", sid, "AccountSid",
	    VT_SID, "From", from, "ApiVersion", "2010-04-01", NULL};
	struct vt_resp r;

	vt_twilio_post(&r, &c->d, "/twilio/sms", p);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_null(strstr(r.body, "<Message"), "not forwarded by TwiML: %s",
	    r.body);
	vt_resp_free(&r);
}

Test(rota, a_youth_sms_in_a_slot_reaches_the_holder_whose_reply_is_relayed,
    .fini = ctx_fini)
{
	struct ctx *c = start(true, true);
	struct vt_fake_msg m;

	directory(c);
	free(CTL_OK(c, "youth", "add", "U-0142", "--name", "Ola", "--phone",
	    "+4798765432", "--coordinator", COORD_ID));
	slot_now(c);
	sms_in(c, "SM00000000000000000000000000000001", "+4798765432",
	    "Kan noen ringe meg?");
	cr_assert(vt_fake_wait(c->fake, 1, 10000), "%zu sent",
	    vt_fake_count(c->fake));
	m = vt_fake_get(c->fake, 0);
	cr_assert_str_eq(m.to, LEADER, "forwarded to the rota's holder");
	cr_assert_str_eq(m.body, "[U-0142 Ola] Kan noen ringe meg?");
	vt_fake_msg_free(&m);

	/* The holder is a leader, not a coordinator: still staff. */
	sms_in(c, "SM00000000000000000000000000000002", LEADER, "Ringer straks");
	cr_assert(vt_fake_wait(c->fake, 2, 10000), "%zu sent",
	    vt_fake_count(c->fake));
	m = vt_fake_get(c->fake, 1);
	cr_assert_str_eq(m.to, "+4798765432", "relayed to the youth");
	cr_assert_str_eq(m.body, "Ringer straks");
	vt_fake_msg_free(&m);
}
