#define _GNU_SOURCE /* asprintf */
/*
 * test_absence.c: the absences API against the real vaktd and vaktctl
 * (issue 11): 201 with an id, the 400 refusals with a message (bad
 * dates, from after to, unknown coordinator or substitute, a
 * substitute who is the coordinator), 204 and 404 for DELETE, 401
 * without a token; the listing; that `vaktctl route --at` rings the
 * substitute from the next contact on, exactly as after `vaktctl
 * absence add`; and the audit rows.
 *
 * `route --at` uses 2030-01-10, a Thursday, at 10:00: office hours by
 * the default 08-20.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "helpers.h"

#define KARI       "+4791111111"
#define NINA       "+4792222222"
#define OLA        "+4794444444"
#define YOUTH      "+4798765432"
#define EX_DATAERR 65

struct ctx {
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
	vt_rmrf(cur->dir);
	free(cur->dir);
	free(cur);
	cur = NULL;
}

/* vaktctl -c CONF ARGS…, which must exit with want; returns stdout. */
static char *
ctl_want(const struct ctx *c, int want, ...)
{
	const char *argv[24];
	char *bin = vt_bin("vaktctl"), *out;
	struct vt_run r;
	size_t n = 0;
	va_list ap;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = c->d.conf;
	va_start(ap, want);
	while ((argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]));
	}
	va_end(ap);
	vt_run(&r, NULL, argv);
	free(bin);
	cr_assert_eq(r.status, want, "exit %d, want %d: %s%s", r.status, want,
	    r.out, r.err);
	out = strdup(want == 0 ? r.out : r.err);
	vt_run_free(&r);
	return out;
}

#define CTL_OK(c, ...) ctl_want((c), 0, __VA_ARGS__, NULL)

/*
 * vaktd with coordinators kari and nina in service "due", ola in
 * another ("ung"), youth U-1 of kari's.
 */
static struct ctx *
start(void)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char *conf;

	cr_assert_not_null(c);
	cur = c;
	/* service_extra closes "due" and opens a second service. */
	conf = vt_config(NULL,
	    "}, {\n id = \"ung\"; name = \"UNG\"; number = \"+4722000099\";\n"
	    " beredskap = \"+4790000099\"; fallback = \"+4722000098\";\n",
	    NULL);
	c->dir = vt_tmpdir();
	cr_assert_eq(vt_daemon_start(&c->d, c->dir, conf), 0, "vaktd: %s",
	    vt_daemon_log(&c->d));
	free(conf);
	free(CTL_OK(c, "coordinator", "add", "kari", "--name", "Kari",
	    "--phone", KARI, "--service", "due"));
	free(CTL_OK(c, "coordinator", "add", "nina", "--name", "Nina",
	    "--phone", NINA, "--service", "due"));
	free(CTL_OK(c, "coordinator", "add", "ola", "--name", "Ola", "--phone",
	    OLA, "--service", "ung"));
	free(CTL_OK(c, "youth", "add", "U-1", "--phone", YOUTH, "--coordinator",
	    "kari", "--service", "due"));
	return c;
}

static json_t *
json_of(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "not JSON (%s): %s", e.text, text);
	return j;
}

static char *
token_add(const struct ctx *c)
{
	char *out = CTL_OK(c, "token", "add", "lise", "--role", "leader");
	size_t n = strlen(out);

	cr_assert(n > 1 && out[n - 1] == '\n', "%s", out);
	out[n - 1] = '\0';
	return out;
}

/* method on path_query with token (NULL: none). */
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

/* POST an absence; must answer 201; returns its id. */
static json_int_t
post_ok(const struct ctx *c, const char *body, const char *token)
{
	struct vt_resp r;
	json_int_t id;
	json_t *j;

	api(&r, c, "POST", "/api/v1/absences", body, token);
	cr_assert_eq(r.status, 201, "%s: %ld %s", body, r.status, r.body);
	j = json_of(r.body);
	id = json_integer_value(json_object_get(j, "id"));
	cr_assert_gt(id, 0, "%s", r.body);
	json_decref(j);
	vt_resp_free(&r);
	return id;
}

/* The number of the first step of `route --from YOUTH --at at`. */
static char *
first_step(const struct ctx *c, const char *at)
{
	char *out = CTL_OK(c, "route", "--to", VT_SERVICE, "--from", YOUTH,
	    "--at", at, "--json");
	json_t *j = json_of(out);
	json_t *step = json_array_get(json_object_get(j, "steps"), 0);
	char *number =
	    strdup(json_string_value(json_object_get(step, "number")));

	json_decref(j);
	free(out);
	return number;
}

Test(absence, api_needs_a_leader_token, .fini = ctx_fini)
{
	struct ctx *c = start();

	cr_assert_eq(api_status(c, "GET", "/api/v1/absences", NULL, NULL), 401);
	cr_assert_eq(api_status(c, "POST", "/api/v1/absences",
	                 "{\"coordinator\": \"kari\", \"from\": "
	                 "\"2030-01-10\", \"to\": \"2030-01-10\"}",
	                 NULL),
	    401, "no token, no absence");
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/absences/1", NULL, NULL), 401);
	cr_assert_eq(
	    api_status(c, "GET", "/api/v1/absences", NULL, "wrong-token"), 401);
	free(CTL_OK(c, "absence", "add", "kari", "--from", "2030-01-10", "--to",
	    "2030-01-10"));
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/absences/1", NULL, NULL), 401);
	{
		char *out = CTL_OK(c, "absence", "list", "--json");
		json_t *j = json_of(out);

		cr_assert_eq(json_array_size(j), 1, "still there: %s", out);
		json_decref(j);
		free(out);
	}
}

Test(absence, post_refuses_bad_input_with_400_and_a_message, .fini = ctx_fini)
{
	static const struct {
		const char *body, *says;
	} bad[] = {
	    {"not json", "JSON object"},
	    {"[]", "JSON object"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10\"}",
	        "JSON object"},
	    {"{\"coordinator\": 7, \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\"}",
	        "JSON object"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\", \"substitute\": 3}",
	        "JSON object"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-02-30\", \"to\": "
	     "\"2030-03-01\"}",
	        "dates"},
	    {"{\"coordinator\": \"kari\", \"from\": \"10.1.2030\", \"to\": "
	     "\"2030-03-01\"}",
	        "dates"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10T08:00\", "
	     "\"to\": \"2030-01-11\"}",
	        "dates"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-11\", \"to\": "
	     "\"2030-01-10\"}",
	        "is after"},
	    {"{\"coordinator\": \"nobody\", \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\"}",
	        "no coordinator"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\", \"substitute\": \"nobody\"}",
	        "nobody"},
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\", \"substitute\": \"kari\"}",
	        "own substitute"},
	    /* A substitute from another service is no substitute. */
	    {"{\"coordinator\": \"kari\", \"from\": \"2030-01-10\", \"to\": "
	     "\"2030-01-10\", \"substitute\": \"ola\"}",
	        "ola"},
	};
	struct ctx *c = start();
	char *tok = token_add(c), *out;
	struct vt_resp r;
	json_t *j;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api(&r, c, "POST", "/api/v1/absences", bad[i].body, tok);
		cr_assert_eq(
		    r.status, 400, "%s: %ld %s", bad[i].body, r.status, r.body);
		cr_assert_not_null(strstr(r.body, bad[i].says),
		    "%s: the message says \"%s\": %s", bad[i].body, bad[i].says,
		    r.body);
		vt_resp_free(&r);
	}
	free(tok);
	out = CTL_OK(c, "absence", "list", "--json");
	j = json_of(out);
	cr_assert_eq(json_array_size(j), 0, "nothing was added: %s", out);
	json_decref(j);
	free(out);
}

Test(
    absence, post_lists_and_deletes_and_route_follows_at_once, .fini = ctx_fini)
{
	struct ctx *c = start();
	char *tok = token_add(c), *num;
	struct vt_resp r;
	json_int_t id, id2;
	json_t *j, *a;

	num = first_step(c, "2030-01-10T10:00");
	cr_assert_str_eq(num, KARI, "kari is in");
	free(num);

	/* Norwegian dates too; both days inclusive. */
	id = post_ok(c,
	    "{\"coordinator\": \"kari\", \"from\": \"09.01.2030\", \"to\": "
	    "\"2030-01-10\", \"substitute\": \"nina\"}",
	    tok);
	num = first_step(c, "2030-01-10T10:00");
	cr_assert_str_eq(num, NINA, "the substitute, from the next contact");
	free(num);
	num = first_step(c, "2030-01-11T10:00");
	cr_assert_str_eq(num, KARI, "kari is back the day after");
	free(num);

	/* Without a substitute (null is none): straight to beredskap. */
	id2 = post_ok(c,
	    "{\"coordinator\": \"kari\", \"from\": \"2030-02-01\", \"to\": "
	    "\"2030-02-01\", \"substitute\": null}",
	    tok);
	cr_assert_neq(id, id2);
	num = first_step(c, "2030-02-01T10:00");
	cr_assert_str_eq(num, VT_BEREDSKAP);
	free(num);

	api(&r, c, "GET", "/api/v1/absences?service=due", NULL, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_of(r.body);
	cr_assert_eq(json_array_size(j), 2, "%s", r.body);
	a = json_array_get(j, 0);
	cr_assert_eq(json_integer_value(json_object_get(a, "id")), id);
	cr_assert_str_eq(
	    json_string_value(json_object_get(a, "coordinator")), "kari");
	cr_assert_str_eq(
	    json_string_value(json_object_get(a, "from")), "2030-01-09");
	cr_assert_str_eq(
	    json_string_value(json_object_get(a, "to")), "2030-01-10");
	cr_assert_str_eq(
	    json_string_value(json_object_get(a, "substitute")), "nina");
	cr_assert(
	    json_is_null(json_object_get(json_array_get(j, 1), "substitute")),
	    "none is null: %s", r.body);
	json_decref(j);
	vt_resp_free(&r);
	api(&r, c, "GET", "/api/v1/absences?service=ung", NULL, tok);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_of(r.body);
	cr_assert_eq(json_array_size(j), 0, "another service's: %s", r.body);
	json_decref(j);
	vt_resp_free(&r);
	cr_assert_eq(
	    api_status(c, "GET", "/api/v1/absences?service=nope", NULL, tok),
	    400);

	{
		char path[64];

		(void)snprintf(
		    path, sizeof(path), "/api/v1/absences/%lld", (long long)id);
		cr_assert_eq(api_status(c, "DELETE", path, NULL, tok), 204);
		cr_assert_eq(api_status(c, "DELETE", path, NULL, tok), 404);
	}
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/absences/999", NULL, tok), 404);
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/absences/x", NULL, tok), 404);
	cr_assert_eq(
	    api_status(c, "DELETE", "/api/v1/absences/", NULL, tok), 404);
	num = first_step(c, "2030-01-10T10:00");
	cr_assert_str_eq(num, KARI, "removed: kari again");
	free(num);
	free(tok);
}

Test(
    absence, changes_and_listings_are_audited_under_the_token, .fini = ctx_fini)
{
	struct ctx *c = start();
	char *tok = token_add(c), *out;
	json_int_t id;
	char path[64];

	id = post_ok(c,
	    "{\"coordinator\": \"kari\", \"from\": \"2030-01-09\", \"to\": "
	    "\"2030-01-10\", \"substitute\": \"nina\"}",
	    tok);
	cr_assert_eq(api_status(c, "GET", "/api/v1/absences", NULL, tok), 200);
	(void)snprintf(
	    path, sizeof(path), "/api/v1/absences/%lld", (long long)id);
	cr_assert_eq(api_status(c, "DELETE", path, NULL, tok), 204);
	free(tok);
	cr_assert_eq(vt_daemon_stop(&c->d), 0);

	out = CTL_OK(c, "audit", "--json");
	{
		json_t *j = json_of(out), *row;
		size_t i;
		int n_add = 0, n_list = 0, n_remove = 0;

		json_array_foreach(j, i, row)
		{
			const char *action =
			    json_string_value(json_object_get(row, "action"));
			const char *actor =
			    json_string_value(json_object_get(row, "actor"));
			const char *detail =
			    json_string_value(json_object_get(row, "detail"));

			if (action == NULL ||
			    strncmp(action, "absence.", 8) != 0)
				continue;
			cr_assert_str_eq(actor, "lise", "%s", out);
			if (strcmp(action, "absence.add") == 0) {
				cr_assert_not_null(strstr(detail, "nina"));
				n_add++;
			}
			n_list += strcmp(action, "absence.list") == 0;
			if (strcmp(action, "absence.remove") == 0) {
				cr_assert_not_null(
				    strstr(detail, "2030-01-09"), "%s", detail);
				n_remove++;
			}
		}
		cr_assert_eq(n_add, 1, "%s", out);
		cr_assert_eq(n_list, 1, "%s", out);
		cr_assert_eq(n_remove, 1, "%s", out);
		json_decref(j);
	}
	free(out);
}
