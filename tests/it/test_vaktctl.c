#define _GNU_SOURCE /* asprintf */
/*
 * test_vaktctl.c: vaktctl as operators use it, through the real
 * build/vaktctl on a generated configuration and its own database:
 * the directory (coordinators, youths, absences, CSV import) and its
 * refusals, the audit trail, exit codes, `holidays`, `route`, `sign`
 * and `fallback-twiml`.
 */
#include <sys/stat.h>

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#define CTL_ARGS_MAX 24

/* 129 bytes: longer than a name may be (VAKT_NAME_LEN - 1 = 127). */
#define NAME_LONG                                                             \
	"Per Persen Per Persen Per Persen Per Persen Per Persen Per Persen " \
	"Per Persen Per Persen Per Persen Per Persen Per Persen Per Pers"

/* One configuration file and its database in a fresh folder. */
struct env {
	char *dir;
	char *conf;
};

/* Special days and a ring timeout that the route tests look for. */
#define SVC_EXTRA                                                            \
	"  ring_timeout = 25;\n"                                             \
	"  special_days = (\n"                                               \
	"    { date = \"2026-12-24\"; open = \"08:00\"; close = \"12:00\";\n" \
	"      name = \"Julaften\"; },\n"                                    \
	"    { date = \"2026-12-31\"; closed = true; name = \"Nyttårsaften\"; }\n" \
	"  );\n"

static void
env_open(struct env *e, const char *service_extra)
{
	char *text = vt_config(NULL, service_extra, NULL);

	e->dir = vt_tmpdir();
	e->conf = vt_path(e->dir, "vakt.conf");
	vt_write(e->conf, text);
	vt_db_init(e->conf);
	free(text);
}

static void
env_close(struct env *e)
{
	vt_rmrf(e->dir);
	free(e->dir);
	free(e->conf);
}

/* vaktctl -c CONF args… (NULL-terminated), with stdin empty. */
static void
ctl(struct vt_run *r, const struct env *e, ...)
{
	const char *argv[CTL_ARGS_MAX];
	char *bin = vt_bin("vaktctl");
	size_t n = 0;
	va_list ap;

	argv[n++] = bin;
	argv[n++] = "-c";
	argv[n++] = e->conf;
	va_start(ap, e);
	while ((argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert_lt(n, CTL_ARGS_MAX);
	}
	va_end(ap);
	vt_run(r, NULL, argv);
	free(bin);
}

/* Like ctl(), and the command must succeed. */
#define CTL_OK(e, ...)                                                      \
	do {                                                                \
		struct vt_run r_;                                           \
		ctl(&r_, e, __VA_ARGS__, NULL);                             \
		cr_assert_eq(r_.status, 0, "exit %d: %s", r_.status,        \
		    r_.err);                                                \
		vt_run_free(&r_);                                           \
	} while (0)

/* Run a command that must fail with code; returns its stderr (free). */
#define CTL_FAIL(err_out, code, e, ...)                                     \
	do {                                                                \
		struct vt_run r_;                                           \
		ctl(&r_, e, __VA_ARGS__, NULL);                             \
		cr_assert_eq(r_.status, code, "want exit %d, got %d: %s%s", \
		    code, r_.status, r_.out, r_.err);                       \
		cr_assert_str_eq(r_.out, "", "nothing on stdout: %s",       \
		    r_.out);                                                \
		cr_assert_neq(r_.err[0], '\0', "a message on stderr");      \
		free(r_.out);                                               \
		err_out = r_.err;                                           \
	} while (0)

static json_t *
parse_json(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	cr_assert_not_null(j, "not JSON (%s, line %d): %s", jerr.text,
	    jerr.line, text);
	return j;
}

/* `vaktctl … --json` that must succeed; the parsed output. */
static json_t *
ctl_json(const struct env *e, const char *a0, const char *a1, const char *a2,
    const char *a3)
{
	struct vt_run r;
	json_t *j;

	ctl(&r, e, a0, a1, a2, a3, NULL);
	cr_assert_eq(r.status, 0, "%s %s: exit %d: %s", a0, a1 ? a1 : "",
	    r.status, r.err);
	j = parse_json(r.out);
	vt_run_free(&r);
	return j;
}

static void
assert_json_eq(json_t *got, json_t *want)
{
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
	char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);

	cr_assert(json_equal(got, want), "got  %s\nwant %s", g, w);
	free(g);
	free(w);
}

/* The listing's JSON text, to compare before and after a refusal. */
static char *
listing(const struct env *e, const char *what)
{
	struct vt_run r;

	ctl(&r, e, what, "list", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	free(r.err);
	return r.out;
}

/* Two coordinators and a youth of kari's: the usual small directory. */
static void
seed(const struct env *e)
{
	CTL_OK(e, "coordinator", "add", "kari", "--name", "Kari Nordmann",
	    "--phone", "+4791234567");
	CTL_OK(e, "coordinator", "add", "nina", "--name", "Nina Berg",
	    "--phone", "92222222");
	CTL_OK(e, "youth", "add", "U-1", "--phone", "98765432",
	    "--coordinator", "kari", "--name", "Åse");
}

/* ------------------------------------------------------------------ */
/* Coordinators */

Test(vaktctl, coordinator_add_list_remove_round_trip_and_normalise_phones)
{
	struct env e;
	json_t *got, *want;
	struct vt_run r;

	env_open(&e, NULL);
	ctl(&r, &e, "coordinator", "add", "kari", "--name", "Kari Nordmann",
	    "--phone", "912 34 567", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "coordinator kari added to due\n");
	vt_run_free(&r);
	CTL_OK(&e, "coordinator", "add", "ole", "--name", "Ole Ærø",
	    "--phone", "0046701234567", "--service", "due");
	got = ctl_json(&e, "coordinator", "list", "--json", NULL);
	want = json_pack("[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]", "id", "kari",
	    "name", "Kari Nordmann", "phone", "+4791234567", "service", "due",
	    "id", "ole", "name", "Ole Ærø", "phone", "+46701234567", "service",
	    "due");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);

	ctl(&r, &e, "coordinator", "list", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "kari"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "+4791234567"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Ole Ærø"), "%s", r.out);
	vt_run_free(&r);

	CTL_OK(&e, "coordinator", "remove", "kari");
	got = ctl_json(&e, "coordinator", "list", "--json", NULL);
	cr_assert_eq(json_array_size(got), 1);
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(got, 0), "id")), "ole");
	json_decref(got);
	env_close(&e);
}

Test(vaktctl, coordinator_remove_is_refused_while_youths_point_to_it)
{
	struct env e;
	char *err, *before, *after;

	env_open(&e, NULL);
	seed(&e);
	CTL_OK(&e, "youth", "add", "U-2", "--phone", "98765433",
	    "--coordinator", "kari");
	before = listing(&e, "coordinator");
	CTL_FAIL(err, 65, &e, "coordinator", "remove", "kari");
	cr_assert_not_null(strstr(err, "U-1"), "names the youths: %s", err);
	cr_assert_not_null(strstr(err, "U-2"), "names the youths: %s", err);
	free(err);
	after = listing(&e, "coordinator");
	cr_assert_str_eq(after, before, "nothing removed");
	free(after);

	/* Once the youths have moved, the removal goes through. */
	CTL_OK(&e, "youth", "move", "U-1", "--coordinator", "nina");
	CTL_OK(&e, "youth", "move", "U-2", "--coordinator", "nina");
	CTL_OK(&e, "coordinator", "remove", "kari");
	free(before);
	env_close(&e);
}

Test(vaktctl, coordinator_duplicate_id_bad_phone_and_staff_number_are_refused)
{
	static const char *const bad_phones[] = {"123", "+47abc12345",
	    "09123456", "+0123456789", "+4791234567890123", "", "tlf 9123"};
	struct env e;
	char *err, *before, *after;

	env_open(&e, NULL);
	seed(&e);
	before = listing(&e, "coordinator");
	CTL_FAIL(err, 65, &e, "coordinator", "add", "kari", "--name", "Kari 2",
	    "--phone", "93333333");
	cr_assert_not_null(strstr(err, "kari"), "%s", err);
	cr_assert_not_null(strstr(err, "already exists"), "%s", err);
	free(err);
	for (size_t i = 0; i < sizeof(bad_phones) / sizeof(*bad_phones); i++) {
		CTL_FAIL(err, 65, &e, "coordinator", "add", "per", "--name",
		    "Per", "--phone", bad_phones[i]);
		cr_assert_not_null(strstr(err, "not a phone number"),
		    "phone \"%s\": %s", bad_phones[i], err);
		free(err);
	}
	/* The service's own numbers belong to nobody in the directory. */
	CTL_FAIL(err, 65, &e, "coordinator", "add", "per", "--name", "Per",
	    "--phone", VT_BEREDSKAP);
	cr_assert_not_null(strstr(err, "beredskap"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "coordinator", "add", "per", "--name", "Per",
	    "--phone", "93333333", "--service", "nope");
	free(err);
	CTL_FAIL(err, 65, &e, "coordinator", "add", "per", "--name", NAME_LONG,
	    "--phone", "93333333");
	cr_assert_not_null(strstr(err, "too long"), "%s", err);
	free(err);
	/* A mistyped service is named, not shown as an empty list. */
	CTL_FAIL(err, 65, &e, "coordinator", "list", "--service", "nope");
	cr_assert_not_null(strstr(err, "nope"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "youth", "list", "--service", "nope");
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "list", "--service", "nope");
	free(err);
	after = listing(&e, "coordinator");
	cr_assert_str_eq(after, before, "nothing added");
	free(before);
	free(after);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* Youths */

Test(vaktctl, youth_add_list_move_remove_round_trip)
{
	struct env e;
	json_t *got, *want;
	struct vt_run r;

	env_open(&e, NULL);
	seed(&e);
	CTL_OK(&e, "youth", "add", "U-2", "--phone", "+47 987 65 433",
	    "--coordinator", "nina");
	got = ctl_json(&e, "youth", "list", "--json", NULL);
	want = json_pack("[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s}]",
	    "id", "U-1", "name", "Åse", "phone", "+4798765432", "coordinator",
	    "kari", "service", "due", "id", "U-2", "name", "", "phone",
	    "+4798765433", "coordinator", "nina", "service", "due");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);

	ctl(&r, &e, "youth", "move", "U-1", "--coordinator", "nina", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "youth U-1 moved\n");
	vt_run_free(&r);
	CTL_OK(&e, "youth", "remove", "U-2");
	got = ctl_json(&e, "youth", "list", "--json", NULL);
	want = json_pack("[{s:s,s:s,s:s,s:s,s:s}]", "id", "U-1", "name", "Åse",
	    "phone", "+4798765432", "coordinator", "nina", "service", "due");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);

	ctl(&r, &e, "youth", "list", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "U-1"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "Åse"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "nina"), "%s", r.out);
	vt_run_free(&r);
	env_close(&e);
}

Test(vaktctl, youth_phone_must_be_free_and_not_a_staff_number)
{
	static const struct {
		const char *phone, *why;
	} cases[] = {
	    {"98765432", "U-1"},	       /* another youth's */
	    {"+47 987 65 432", "U-1"},       /* the same, written otherwise */
	    {VT_BEREDSKAP, "service due's beredskap"}, /* on-call phone */
	    {VT_SERVICE, "service due's number"},      /* the service's own */
	    {VT_FALLBACK, "service due's fallback"},   /* the fallback */
	    {"91234567", "kari"},	       /* a coordinator's */
	    {"not-a-number", "not a phone"}, /* bad phone */
	};
	struct env e;
	char *err, *before, *after;

	env_open(&e, NULL);
	seed(&e);
	before = listing(&e, "youth");
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CTL_FAIL(err, 65, &e, "youth", "add", "U-9", "--phone",
		    cases[i].phone, "--coordinator", "nina");
		cr_assert_not_null(strstr(err, cases[i].why),
		    "phone %s: want \"%s\" in: %s", cases[i].phone,
		    cases[i].why, err);
		free(err);
	}
	CTL_FAIL(err, 65, &e, "youth", "add", "U-9", "--phone", "93333333",
	    "--coordinator", "nobody");
	cr_assert_not_null(strstr(err, "nobody"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "youth", "add", "U-1", "--phone", "93333333",
	    "--coordinator", "nina");
	cr_assert_not_null(strstr(err, "already exists"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "youth", "move", "U-1", "--coordinator",
	    "nobody");
	cr_assert_not_null(strstr(err, "nobody"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "youth", "remove", "U-404");
	free(err);
	after = listing(&e, "youth");
	cr_assert_str_eq(after, before, "the directory is unchanged");
	free(before);
	free(after);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* Absences */

Test(vaktctl, absence_add_list_remove_with_and_without_substitute)
{
	struct env e;
	json_t *got, *want;
	struct vt_run r;

	env_open(&e, NULL);
	seed(&e);
	ctl(&r, &e, "absence", "add", "kari", "--from", "2026-11-23", "--to",
	    "2026-11-25", "--substitute", "nina", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "absence 1 added: kari away 2026-11-23 to "
				"2026-11-25, substitute nina\n");
	vt_run_free(&r);
	CTL_OK(&e, "absence", "add", "nina", "--from", "2026-12-01", "--to",
	    "2026-12-01");
	got = ctl_json(&e, "absence", "list", "--json", NULL);
	want = json_pack("[{s:i,s:s,s:s,s:s,s:s},{s:i,s:s,s:s,s:s,s:n}]", "id",
	    1, "coordinator", "kari", "from", "2026-11-23", "to", "2026-11-25",
	    "substitute", "nina", "id", 2, "coordinator", "nina", "from",
	    "2026-12-01", "to", "2026-12-01", "substitute");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);

	CTL_OK(&e, "absence", "remove", "1");
	got = ctl_json(&e, "absence", "list", "--json", NULL);
	cr_assert_eq(json_array_size(got), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(got, 0),
	    "id")), 2);
	json_decref(got);
	CTL_OK(&e, "absence", "remove", "2");
	got = ctl_json(&e, "absence", "list", "--json", NULL);
	cr_assert_eq(json_array_size(got), 0);
	json_decref(got);
	env_close(&e);
}

Test(vaktctl, absence_with_bad_dates_or_people_is_refused)
{
	static const char *const bad_dates[] = {"2026-02-30", "2026-13-01",
	    "26-11-23", "2026-11-23T10:00", "tomorrow", "2026-1-5"};
	struct env e;
	char *err, *before, *after;

	env_open(&e, NULL);
	seed(&e);
	before = listing(&e, "absence");
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(*bad_dates); i++) {
		CTL_FAIL(err, 65, &e, "absence", "add", "kari", "--from",
		    bad_dates[i], "--to", "2026-12-31");
		cr_assert_not_null(strstr(err, bad_dates[i]), "%s", err);
		free(err);
		CTL_FAIL(err, 65, &e, "absence", "add", "kari", "--from",
		    "2026-01-01", "--to", bad_dates[i]);
		free(err);
	}
	CTL_FAIL(err, 65, &e, "absence", "add", "kari", "--from",
	    "2026-11-25", "--to", "2026-11-24");
	cr_assert_not_null(strstr(err, "after"), "%s", err);
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "add", "nobody", "--from",
	    "2026-11-23", "--to", "2026-11-24");
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "add", "kari", "--from",
	    "2026-11-23", "--to", "2026-11-24", "--substitute", "kari");
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "add", "kari", "--from",
	    "2026-11-23", "--to", "2026-11-24", "--substitute", "nobody");
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "remove", "7");
	free(err);
	CTL_FAIL(err, 65, &e, "absence", "remove", "x");
	free(err);
	after = listing(&e, "absence");
	cr_assert_str_eq(after, before);
	cr_assert_str_eq(after, "[]\n");
	free(before);
	free(after);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* CSV import */

static const char import_ok[] =
    "type,id,name,phone,coordinator,service\r\n"
    "coordinator,per,\"Hansen, Per Ærlig\",93333333,,due\r\n"
    "youth,U-10,\"Øyvind \"\"Øy\"\" Å, jr.\",94444444,per,due\r\n"
    "youth,U-1,Åse Ny,98765432,per,\r\n"
    "coordinator,kari,Kari Nordmann,+4791234567,,due\r\n";

Test(vaktctl, import_adds_and_updates_and_counts_them)
{
	struct env e;
	char *csv;
	json_t *got, *want;
	struct vt_run r;

	env_open(&e, NULL);
	seed(&e);
	csv = vt_path(e.dir, "dir.csv");
	vt_write(csv, import_ok);
	ctl(&r, &e, "import", csv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, ": 2 added, 1 updated\n"), "%s",
	    r.out);
	vt_run_free(&r);
	got = ctl_json(&e, "coordinator", "list", "--json", NULL);
	want = json_pack("[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s},"
			 "{s:s,s:s,s:s,s:s}]",
	    "id", "kari", "name", "Kari Nordmann", "phone", "+4791234567",
	    "service", "due", "id", "nina", "name", "Nina Berg", "phone",
	    "+4792222222", "service", "due", "id", "per", "name",
	    "Hansen, Per Ærlig", "phone", "+4793333333", "service", "due");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);
	got = ctl_json(&e, "youth", "list", "--json", NULL);
	want = json_pack("[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s}]",
	    "id", "U-1", "name", "Åse Ny", "phone", "+4798765432",
	    "coordinator", "per", "service", "due", "id", "U-10", "name",
	    "Øyvind \"Øy\" Å, jr.", "phone", "+4794444444", "coordinator",
	    "per", "service", "due");
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);

	/* The same file again changes nothing. */
	ctl(&r, &e, "import", csv, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, ": 0 added, 0 updated\n"), "%s",
	    r.out);
	vt_run_free(&r);
	free(csv);
	env_close(&e);
}

/* One bad row rejects the whole file, and says which line. */
Test(vaktctl, import_with_one_bad_row_imports_nothing_and_names_the_line)
{
	static const struct {
		const char *row5, *why;
	} cases[] = {
	    {"youth,U-22,C,95555557,nobody,due", "nobody"},
	    {"youth,U-22,C,12x,per,due", "not a phone number"},
	    {"youth,U-22,C,98765432,per,due", "U-1"},
	    {"youth,U-22,C,95555557,,due", "coordinator"},
	    {"pet,U-22,C,95555557,per,due", "pet"},
	    {"youth,U-22,C,95555557,per", "fields"},
	    {"youth,U-22,C,95555557,per,nope", "nope"},
	    {"youth,U-22,\"C,95555557,per,due", "line 5"},
	    {"youth,U-22," NAME_LONG ",95555557,per,due", "too long"},
	};
	struct env e;
	char *csv = NULL, *err, *co0, *y0, *co1, *y1, *text;

	env_open(&e, NULL);
	seed(&e);
	co0 = listing(&e, "coordinator");
	y0 = listing(&e, "youth");
	csv = vt_path(e.dir, "bad.csv");
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cr_assert(asprintf(&text,
		    "type,id,name,phone,coordinator,service\n"
		    "coordinator,per,\"Per, P\",93333333,,due\n"
		    "youth,U-20,\"Æ, ø\",95555555,per,due\n"
		    "youth,U-1,Åse endret,98765432,per,due\n"
		    "%s\n",
		    cases[i].row5) > 0);
		vt_write(csv, text);
		free(text);
		CTL_FAIL(err, 65, &e, "import", csv);
		cr_assert_not_null(strstr(err, "line 5"), "row \"%s\": %s",
		    cases[i].row5, err);
		cr_assert_not_null(strstr(err, cases[i].why),
		    "row \"%s\": want \"%s\" in: %s", cases[i].row5,
		    cases[i].why, err);
		free(err);
		co1 = listing(&e, "coordinator");
		y1 = listing(&e, "youth");
		cr_assert_str_eq(co1, co0, "row \"%s\": coordinators changed",
		    cases[i].row5);
		cr_assert_str_eq(y1, y0, "row \"%s\": youths changed",
		    cases[i].row5);
		free(co1);
		free(y1);
	}
	free(co0);
	free(y0);
	free(csv);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* Audit trail */

static json_t *
audit(const struct env *e)
{
	return ctl_json(e, "audit", "--limit=1000", "--json", NULL);
}

/* Is there a row with this action and subject? */
static bool
has_audit(json_t *arr, const char *action, const char *subject)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "action")),
			action) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "subject")),
			subject) == 0)
			return true;
	}
	return false;
}

Test(vaktctl, every_change_writes_an_audit_row_without_full_phone_numbers)
{
	static const char *const digits[] = {"91234567", "92222222",
	    "98765432", "93333333", "94444444", "97777777"};
	static const char *const actions[][2] = {{"coordinator.add", "kari"},
	    {"coordinator.add", "nina"}, {"youth.add", "U-1"},
	    {"youth.add", "U-2"}, {"youth.move", "U-2"},
	    {"youth.remove", "U-2"}, {"coordinator.add", "per"},
	    {"youth.add", "U-10"}, {"youth.update", "U-1"}};
	struct env e;
	char *csv, *err, *dump;
	json_t *arr, *o;
	size_t n_before, i;

	env_open(&e, NULL);
	seed(&e);
	CTL_OK(&e, "youth", "add", "U-2", "--phone", "97777777",
	    "--coordinator", "kari");
	CTL_OK(&e, "youth", "move", "U-2", "--coordinator", "nina");
	CTL_OK(&e, "youth", "remove", "U-2");
	CTL_OK(&e, "absence", "add", "kari", "--from", "2026-11-23", "--to",
	    "2026-11-25", "--substitute", "nina");
	CTL_OK(&e, "absence", "remove", "1");
	csv = vt_path(e.dir, "dir.csv");
	vt_write(csv, import_ok);
	CTL_OK(&e, "import", csv);
	CTL_OK(&e, "coordinator", "add", "tmp", "--name", "Tmp", "--phone",
	    "96666666");
	CTL_OK(&e, "coordinator", "remove", "tmp");

	arr = audit(&e);
	for (i = 0; i < sizeof(actions) / sizeof(*actions); i++)
		cr_assert(has_audit(arr, actions[i][0], actions[i][1]),
		    "no audit row %s %s", actions[i][0], actions[i][1]);
	cr_assert(has_audit(arr, "coordinator.remove", "tmp"));
	cr_assert(has_audit(arr, "import", "directory"));
	json_array_foreach(arr, i, o)
	{
		const char *actor = json_string_value(json_object_get(o,
		    "actor"));

		cr_assert_eq(json_object_size(o), 5);
		cr_assert(json_is_integer(json_object_get(o, "at_ms")));
		cr_assert_not_null(actor);
		cr_assert_eq(strncmp(actor, "cli:", 4), 0, "actor %s", actor);
		cr_assert(json_is_string(json_object_get(o, "detail")));
	}
	/* Absences are audited under some subject; find their actions. */
	dump = json_dumps(arr, 0);
	cr_assert_not_null(strstr(dump, "\"absence.add\""), "%s", dump);
	cr_assert_not_null(strstr(dump, "\"absence.remove\""), "%s", dump);
	for (i = 0; i < sizeof(digits) / sizeof(*digits); i++)
		cr_assert_null(strstr(dump, digits[i]),
		    "full number %s in the audit trail: %s", digits[i], dump);
	free(dump);

	/* Refusals change nothing, so they write nothing. */
	n_before = json_array_size(arr);
	json_decref(arr);
	CTL_FAIL(err, 65, &e, "coordinator", "add", "kari", "--name", "K",
	    "--phone", "95555555");
	free(err);
	CTL_FAIL(err, 65, &e, "youth", "add", "U-3", "--phone", "98765432",
	    "--coordinator", "kari");
	free(err);
	arr = audit(&e);
	cr_assert_eq(json_array_size(arr), n_before);
	json_decref(arr);
	free(csv);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* Exit codes */

Test(vaktctl, usage_errors_exit_64)
{
	static const char *const cases[][6] = {
	    {"frobnicate", NULL},
	    {"coordinator", NULL},
	    {"coordinator", "add", NULL},
	    {"coordinator", "list", "--frob", NULL},
	    {"coordinator", "add", "per", "--name", "Per", NULL},
	    {"coordinator", "add", "per", "--phone", "93333333", NULL},
	    {"youth", "add", "U-5", "--phone", "93333333", NULL},
	    {"youth", "add", "U-5", "--coordinator", "kari", NULL},
	    {"youth", "move", "U-1", NULL},
	    {"absence", "add", "kari", "--from", "2026-01-01", NULL},
	    {"absence", "frob", NULL},
	    {"holidays", NULL},
	    {"holidays", "2026", "--country", NULL},
	    {"route", "--at", "2026-11-23T10:00", NULL},
	    {"import", NULL},
	    {"audit", "--limit", "0", NULL},
	    {"sign", NULL},
	    {"route", "--from", "98765432", "--json=yes", NULL},
	};
	struct env e;
	struct vt_run r;
	char *bin = vt_bin("vaktctl");

	env_open(&e, NULL);
	seed(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *const *c = cases[i];

		ctl(&r, &e, c[0], c[1], c[2], c[3], c[4], c[5], NULL);
		cr_assert_eq(r.status, 64, "case %zu (%s %s %s): exit %d: %s",
		    i, c[0], c[1] ? c[1] : "", c[1] && c[2] ? c[2] : "",
		    r.status, r.err);
		cr_assert_neq(r.err[0], '\0', "case %zu says why", i);
		vt_run_free(&r);
	}
	/* No command, and an unknown global option. */
	vt_run(&r, NULL, (const char *const[]){bin, "-c", e.conf, NULL});
	cr_assert_eq(r.status, 64);
	vt_run_free(&r);
	vt_run(&r, NULL, (const char *const[]){bin, "--frob", "audit", NULL});
	cr_assert_eq(r.status, 64);
	vt_run_free(&r);
	free(bin);
	env_close(&e);
}

Test(vaktctl, configuration_errors_exit_78_with_file_and_line)
{
	struct env e;
	struct vt_run r;
	char *bad, *missing, *text, *want, *bin = vt_bin("vaktctl");

	env_open(&e, NULL);
	bad = vt_path(e.dir, "bad.conf");
	text = vt_config(NULL, "  colour = \"red\";", NULL);
	vt_write(bad, text);
	free(text);
	missing = vt_path(e.dir, "missing.conf");
	vt_run(&r, NULL, (const char *const[]){bin, "-c", bad, "coordinator",
	    "list", NULL});
	cr_assert_eq(r.status, 78, "%s", r.err);
	cr_assert(asprintf(&want, "%s:9: services.[0].colour: unknown setting",
	    bad) > 0);
	cr_assert_not_null(strstr(r.err, want), "want %s in: %s", want, r.err);
	free(want);
	vt_run_free(&r);
	vt_run(&r, NULL, (const char *const[]){bin, "-c", missing, "route",
	    "--from", "98765432", NULL});
	cr_assert_eq(r.status, 78, "%s", r.err);
	cr_assert_not_null(strstr(r.err, missing), "%s", r.err);
	vt_run_free(&r);
	free(bad);
	free(missing);
	free(bin);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* holidays */

Test(vaktctl, holidays_2027_lists_one_line_per_holiday_two_on_17_may)
{
	struct env e;
	struct vt_run r;

	env_open(&e, SVC_EXTRA);
	ctl(&r, &e, "holidays", "2027", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* Whit Monday falls on Constitution Day in 2027. */
	cr_assert_str_eq(r.out,
	    "2027-01-01\tFørste nyttårsdag\n"
	    "2027-03-25\tSkjærtorsdag\n"
	    "2027-03-26\tLangfredag\n"
	    "2027-03-28\tFørste påskedag\n"
	    "2027-03-29\tAndre påskedag\n"
	    "2027-05-01\tOffentlig høytidsdag\n"
	    "2027-05-06\tKristi himmelfartsdag\n"
	    "2027-05-16\tFørste pinsedag\n"
	    "2027-05-17\tAndre pinsedag\n"
	    "2027-05-17\tGrunnlovsdag\n"
	    "2027-12-25\tFørste juledag\n"
	    "2027-12-26\tAndre juledag\n");
	vt_run_free(&r);
	env_close(&e);
}

/* The JSON dates of arr as one string, checking order and shape. */
static void
check_sorted_days(json_t *arr)
{
	const char *prev = "";
	size_t i;
	json_t *o;

	cr_assert(json_is_array(arr));
	json_array_foreach(arr, i, o)
	{
		const char *date = json_string_value(json_object_get(o, "date"));

		cr_assert_not_null(date, "element %zu has a date", i);
		cr_assert(json_is_string(json_object_get(o, "name")));
		cr_assert_leq(strcmp(prev, date), 0, "%s after %s", date, prev);
		prev = date;
	}
}

Test(vaktctl, holidays_json_is_sorted_and_service_adds_its_special_days)
{
	struct env e;
	json_t *arr, *o, *want;
	size_t n_plain;

	env_open(&e, SVC_EXTRA);
	arr = ctl_json(&e, "holidays", "2026", "--json", NULL);
	check_sorted_days(arr);
	n_plain = json_array_size(arr);
	cr_assert_eq(n_plain, 12);
	want = json_pack("{s:s,s:s}", "date", "2026-05-17", "name",
	    "Grunnlovsdag");
	assert_json_eq(json_array_get(arr, 7), want);
	json_decref(want);
	json_decref(arr);

	arr = ctl_json(&e, "holidays", "2026", "--service=due", "--json");
	check_sorted_days(arr);
	cr_assert_eq(json_array_size(arr), n_plain + 2);
	o = json_array_get(arr, 10);
	cr_assert_str_eq(json_string_value(json_object_get(o, "date")),
	    "2026-12-24");
	cr_assert_not_null(strstr(json_string_value(json_object_get(o,
	    "name")), "Julaften"));
	cr_assert_str_eq(json_string_value(json_object_get(o, "open")), "08:00");
	cr_assert_str_eq(json_string_value(json_object_get(o, "close")),
	    "12:00");
	o = json_array_get(arr, 13);
	cr_assert_str_eq(json_string_value(json_object_get(o, "date")),
	    "2026-12-31");
	cr_assert_not_null(strstr(json_string_value(json_object_get(o,
	    "name")), "Nyttårsaften"));
	cr_assert(json_is_true(json_object_get(o, "closed")));
	json_decref(arr);
	env_close(&e);
}

/* Was date listed in the text output? */
static bool
lists(const char *out, const char *date, const char *name)
{
	char line[128];

	snprintf(line, sizeof(line), "%s\t%s\n", date, name);
	return strstr(out, line) != NULL;
}

Test(vaktctl, holidays_for_denmark_drop_store_bededag_from_2024_and_sweden)
{
	struct env e;
	struct vt_run r;

	env_open(&e, NULL);
	ctl(&r, &e, "holidays", "2023", "--country", "DK", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(lists(r.out, "2023-05-05", "Store bededag"), "%s", r.out);
	cr_assert(lists(r.out, "2023-04-09", "Påskedag"), "%s", r.out);
	cr_assert_null(strstr(r.out, "Grunnlovsdag"), "%s", r.out);
	vt_run_free(&r);
	ctl(&r, &e, "holidays", "2024", "--country", "DK", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "bededag"), "abolished: %s", r.out);
	cr_assert(lists(r.out, "2024-05-09", "Kristi himmelfartsdag"), "%s",
	    r.out);
	vt_run_free(&r);

	ctl(&r, &e, "holidays", "2024", "--country", "SE", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(lists(r.out, "2024-06-06", "Nationaldagen"), "%s", r.out);
	cr_assert(lists(r.out, "2024-06-22", "Midsommardagen"), "%s", r.out);
	cr_assert(lists(r.out, "2024-11-02", "Alla helgons dag"), "%s", r.out);
	cr_assert(lists(r.out, "2024-01-06", "Trettondedag jul"), "%s", r.out);
	cr_assert_null(strstr(r.out, "afton"), "customary days are not law: "
					       "%s", r.out);
	cr_assert_null(strstr(r.out, "2024-05-17"), "%s", r.out);
	vt_run_free(&r);
	/* Nationaldagen is a public holiday from 2005 on. */
	ctl(&r, &e, "holidays", "2004", "--country", "SE", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "Nationaldagen"), "%s", r.out);
	vt_run_free(&r);
	ctl(&r, &e, "holidays", "2024", "--country", "FI", NULL);
	cr_assert_eq(r.status, 64, "%s", r.err);
	vt_run_free(&r);
	env_close(&e);
}

Test(vaktctl, holidays_accept_years_1900_to_2200_only)
{
	static const char *const bad[] = {"1899", "2201", "20x6", "", "-2026"};
	struct env e;
	struct vt_run r;

	env_open(&e, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ctl(&r, &e, "holidays", bad[i], NULL);
		cr_assert_eq(r.status, 64, "year \"%s\": exit %d", bad[i],
		    r.status);
		cr_assert_str_eq(r.out, "");
		vt_run_free(&r);
	}
	ctl(&r, &e, "holidays", "1900", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(lists(r.out, "1900-04-15", "Første påskedag"), "%s", r.out);
	vt_run_free(&r);
	ctl(&r, &e, "holidays", "2200", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(lists(r.out, "2200-04-06", "Første påskedag"), "%s", r.out);
	vt_run_free(&r);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* route */

/* kari (absent 23–25 Nov 2026 with nina covering, and 1 Dec alone). */
static void
route_env(struct env *e)
{
	env_open(e, SVC_EXTRA);
	seed(e);
	CTL_OK(e, "absence", "add", "kari", "--from", "2026-11-23", "--to",
	    "2026-11-25", "--substitute", "nina");
	CTL_OK(e, "absence", "add", "kari", "--from", "2026-12-01", "--to",
	    "2026-12-01");
}

#define KARI  "+4791234567"
#define NINA  "+4792222222"
#define YOUTH "98765432"

struct want_step {
	const char *role, *who, *number;
};

struct want_route {
	const char *at, *category, *holiday, *youth, *coordinator;
	bool absent;
	struct want_step steps[4]; /* role NULL ends */
};

static json_t *
want_json(const struct want_route *w)
{
	json_t *steps = json_array(), *o;

	for (size_t i = 0; i < 4 && w->steps[i].role != NULL; i++)
		json_array_append_new(steps, json_pack("{s:s,s:s?,s:s,s:i}",
		    "role", w->steps[i].role, "who", w->steps[i].who, "number",
		    w->steps[i].number, "timeout", 25));
	o = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:b,s:o}", "service", "due",
	    "at", w->at, "category", w->category, "youth", w->youth,
	    "coordinator", w->coordinator, "absent", w->absent, "steps",
	    steps);
	if (w->holiday != NULL)
		json_object_set_new(o, "holiday", json_string(w->holiday));
	return o;
}

/* route --from FROM --at AT --json gives exactly w (and a reason). */
static void
check_route(const struct env *e, const char *from, const char *at,
    const struct want_route *w)
{
	struct vt_run r;
	json_t *got, *want;

	ctl(&r, e, "route", "--from", from, "--at", at, "--json", NULL);
	cr_assert_eq(r.status, 0, "--at %s: exit %d: %s", at, r.status, r.err);
	got = parse_json(r.out);
	vt_run_free(&r);
	cr_assert(json_is_string(json_object_get(got, "reason")),
	    "--at %s: a reason for people", at);
	json_object_del(got, "reason");
	want = want_json(w);
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);
}

#define STEPS_CBF                                                            \
	{{"coordinator", "kari", KARI}, {"beredskap", NULL, VT_BEREDSKAP},   \
	    {"fallback", NULL, VT_FALLBACK}}
#define STEPS_BF                                                             \
	{{"beredskap", NULL, VT_BEREDSKAP}, {"fallback", NULL, VT_FALLBACK}}
#define STEPS_SBF                                                            \
	{{"substitute", "nina", NINA}, {"beredskap", NULL, VT_BEREDSKAP},    \
	    {"fallback", NULL, VT_FALLBACK}}

Test(vaktctl, route_in_office_hours_rings_coordinator_then_beredskap_then_fallback)
{
	const struct want_route w = {"2026-11-20T10:00:00+01:00", "office",
	    NULL, "U-1", "kari", false, STEPS_CBF};
	const struct want_route late = {"2026-11-20T19:59:00+01:00", "office",
	    NULL, "U-1", "kari", false, STEPS_CBF};
	struct env e;
	struct vt_run r;
	const char *p;

	route_env(&e);
	check_route(&e, YOUTH, "2026-11-20T10:00", &w);
	check_route(&e, "+4798765432", "2026-11-20T19:59", &late);
	check_route(&e, "0047 987 65 432", "2026-11-20T10:00", &w);

	/* The text form names the roles and numbers, in order. */
	ctl(&r, &e, "route", "--from", YOUTH, "--at", "2026-11-20T10:00",
	    NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "office"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "U-1"), "%s", r.out);
	cr_assert_not_null(p = strstr(r.out, "coordinator"), "%s", r.out);
	cr_assert_not_null(p = strstr(p, KARI), "%s", r.out);
	cr_assert_not_null(p = strstr(p, "beredskap"), "%s", r.out);
	cr_assert_not_null(p = strstr(p, VT_BEREDSKAP), "%s", r.out);
	cr_assert_not_null(p = strstr(p, "fallback"), "%s", r.out);
	cr_assert_not_null(p = strstr(p, VT_FALLBACK), "%s", r.out);
	vt_run_free(&r);
	env_close(&e);
}

Test(vaktctl, route_outside_office_hours_rings_beredskap_then_fallback)
{
	static const struct {
		const char *at;
		struct want_route w;
	} cases[] = {
	    {"2026-11-20T20:00", {"2026-11-20T20:00:00+01:00", "after_hours",
		NULL, "U-1", "kari", false, STEPS_BF}},
	    {"2026-11-20T07:59", {"2026-11-20T07:59:00+01:00", "after_hours",
		NULL, "U-1", "kari", false, STEPS_BF}},
	    {"2026-11-21T12:00", {"2026-11-21T12:00:00+01:00", "weekend",
		NULL, "U-1", "kari", false, STEPS_BF}},
	    {"2026-11-22T00:00", {"2026-11-22T00:00:00+01:00", "weekend",
		NULL, "U-1", "kari", false, STEPS_BF}},
	};
	struct env e;

	route_env(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		check_route(&e, YOUTH, cases[i].at, &cases[i].w);
	env_close(&e);
}

Test(vaktctl, route_on_a_holiday_names_it_and_rings_beredskap)
{
	static const struct {
		const char *at;
		struct want_route w;
	} cases[] = {
	    /* 17 May on a Wednesday, and on a Sunday: holiday wins. */
	    {"2028-05-17T10:00", {"2028-05-17T10:00:00+02:00", "holiday",
		"Grunnlovsdag", "U-1", "kari", false, STEPS_BF}},
	    {"2026-05-17T10:00", {"2026-05-17T10:00:00+02:00", "holiday",
		"Grunnlovsdag", "U-1", "kari", false, STEPS_BF}},
	    {"2026-05-14T12:00", {"2026-05-14T12:00:00+02:00", "holiday",
		"Kristi himmelfartsdag", "U-1", "kari", false, STEPS_BF}},
	    /* A closed special day counts as a holiday. */
	    {"2026-12-31T10:00", {"2026-12-31T10:00:00+01:00", "holiday",
		"Nyttårsaften", "U-1", "kari", false, STEPS_BF}},
	    /* A special day with its own hours is a working day. */
	    {"2026-12-24T11:59", {"2026-12-24T11:59:00+01:00", "office",
		NULL, "U-1", "kari", false, STEPS_CBF}},
	    {"2026-12-24T12:00", {"2026-12-24T12:00:00+01:00", "after_hours",
		NULL, "U-1", "kari", false, STEPS_BF}},
	};
	struct env e;

	route_env(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		check_route(&e, YOUTH, cases[i].at, &cases[i].w);
	env_close(&e);
}

Test(vaktctl, route_for_an_absent_coordinator_rings_the_substitute_first_and_last_day)
{
	static const struct {
		const char *at;
		struct want_route w;
	} cases[] = {
	    {"2026-11-23T08:00", {"2026-11-23T08:00:00+01:00", "office", NULL,
		"U-1", "kari", true, STEPS_SBF}},
	    {"2026-11-25T19:59", {"2026-11-25T19:59:00+01:00", "office", NULL,
		"U-1", "kari", true, STEPS_SBF}},
	    /* The day after the absence, kari is back. */
	    {"2026-11-26T08:00", {"2026-11-26T08:00:00+01:00", "office", NULL,
		"U-1", "kari", false, STEPS_CBF}},
	    /* Absent without a substitute: straight to beredskap. */
	    {"2026-12-01T10:00", {"2026-12-01T10:00:00+01:00", "office", NULL,
		"U-1", "kari", true, STEPS_BF}},
	    /* After hours is beredskap's; absence only matters in office
	     * hours, and "absent" says so only then (router.h). */
	    {"2026-11-24T20:00", {"2026-11-24T20:00:00+01:00", "after_hours",
		NULL, "U-1", "kari", false, STEPS_BF}},
	};
	struct env e;

	route_env(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		check_route(&e, YOUTH, cases[i].at, &cases[i].w);
	env_close(&e);
}

Test(vaktctl, route_for_an_unknown_caller_rings_beredskap_then_fallback)
{
	const struct want_route w = {"2026-11-20T10:00:00+01:00", "office",
	    NULL, NULL, NULL, false, STEPS_BF};
	struct env e;
	struct vt_run r;

	route_env(&e);
	check_route(&e, "+4799999999", "2026-11-20T10:00", &w);
	/* A coordinator calling is no youth either. */
	check_route(&e, KARI, "2026-11-20T10:00", &w);
	ctl(&r, &e, "route", "--from", "+4799999999", "--at",
	    "2026-11-20T10:00", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "beredskap"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, VT_BEREDSKAP), "%s", r.out);
	vt_run_free(&r);
	env_close(&e);
}

Test(vaktctl, route_reads_local_time_z_and_offsets_alike)
{
	static const char *const same[] = {"2026-11-20T10:00",
	    "2026-11-20T10:00:00", "2026-11-20 10:00", "2026-11-20T09:00Z",
	    "2026-11-20T10:00+01:00", "2026-11-20T04:00-05:00",
	    "2026-11-20T09:00:00+00:00"};
	const struct want_route w = {"2026-11-20T10:00:00+01:00", "office",
	    NULL, "U-1", "kari", false, STEPS_CBF};
	const struct want_route secs = {"2026-11-20T10:00:30+01:00", "office",
	    NULL, "U-1", "kari", false, STEPS_CBF};
	struct env e;

	route_env(&e);
	for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++)
		check_route(&e, YOUTH, same[i], &w);
	check_route(&e, YOUTH, "2026-11-20T10:00:30", &secs);
	env_close(&e);
}

/* 08:00 local is 06:00 UTC in summer and 07:00 UTC in winter. */
Test(vaktctl, route_office_hours_follow_dst_at_the_0800_and_2000_edges)
{
	static const struct {
		const char *at, *local, *cat;
	} cases[] = {
	    /* Friday before the spring change: CET. */
	    {"2026-03-27T06:59Z", "2026-03-27T07:59:00+01:00", "after_hours"},
	    {"2026-03-27T07:00Z", "2026-03-27T08:00:00+01:00", "office"},
	    /* Monday after it: CEST. */
	    {"2026-03-30T07:59", "2026-03-30T07:59:00+02:00", "after_hours"},
	    {"2026-03-30T08:00", "2026-03-30T08:00:00+02:00", "office"},
	    {"2026-03-30T05:59Z", "2026-03-30T07:59:00+02:00", "after_hours"},
	    {"2026-03-30T06:00Z", "2026-03-30T08:00:00+02:00", "office"},
	    {"2026-03-30T17:59Z", "2026-03-30T19:59:00+02:00", "office"},
	    {"2026-03-30T18:00Z", "2026-03-30T20:00:00+02:00", "after_hours"},
	    /* Friday before the autumn change: CEST; Monday after: CET. */
	    {"2026-10-23T06:00Z", "2026-10-23T08:00:00+02:00", "office"},
	    {"2026-10-23T18:00Z", "2026-10-23T20:00:00+02:00", "after_hours"},
	    {"2026-10-26T06:59Z", "2026-10-26T07:59:00+01:00", "after_hours"},
	    {"2026-10-26T07:00Z", "2026-10-26T08:00:00+01:00", "office"},
	    {"2026-10-26T18:59Z", "2026-10-26T19:59:00+01:00", "office"},
	    {"2026-10-26T19:00Z", "2026-10-26T20:00:00+01:00", "after_hours"},
	    /* The change days are Sundays. */
	    {"2026-03-29T01:30Z", "2026-03-29T03:30:00+02:00", "weekend"},
	    {"2026-10-25T01:30Z", "2026-10-25T02:30:00+01:00", "weekend"},
	};
	struct env e;

	route_env(&e);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		bool is_office = strcmp(cases[i].cat, "office") == 0;
		struct want_route w = {cases[i].local, cases[i].cat, NULL, "U-1",
		    "kari", false, STEPS_BF};

		if (is_office) {
			const struct want_step cbf[] = STEPS_CBF;

			memcpy(w.steps, cbf, sizeof(cbf));
		}
		check_route(&e, YOUTH, cases[i].at, &w);
	}
	env_close(&e);
}

Test(vaktctl, route_refuses_bad_times_numbers_and_services_with_65)
{
	static const char *const bad_at[] = {"2026-11-23", "2026-13-01T10:00",
	    "2026-11-31T10:00", "2026-11-23T24:00", "2026-11-23T10:60",
	    "tomorrow", "2026-11-23T10:00+1", "2026-11-23T10:00Zulu",
	    "2026-11-23T10:00+01:00x", "", "2026-11-23T+1:00",
	    " 2026-11-23T10:00", "1899-12-31T12:00",
	    /* Local time is in 2201, beyond the calendar. */
	    "2200-12-31T23:30Z"};
	static const char *const bad_from[] = {"abc", "123", "+47", ""};
	static const char *const bad_to[] = {"+4712345678", VT_BEREDSKAP,
	    "not-a-number"};
	struct env e;
	char *err;

	route_env(&e);
	for (size_t i = 0; i < sizeof(bad_at) / sizeof(*bad_at); i++) {
		CTL_FAIL(err, 65, &e, "route", "--from", YOUTH, "--at",
		    bad_at[i], "--json");
		free(err);
	}
	for (size_t i = 0; i < sizeof(bad_from) / sizeof(*bad_from); i++) {
		CTL_FAIL(err, 65, &e, "route", "--from", bad_from[i], "--at",
		    "2026-11-23T10:00", "--json");
		free(err);
	}
	for (size_t i = 0; i < sizeof(bad_to) / sizeof(*bad_to); i++) {
		CTL_FAIL(err, 65, &e, "route", "--from", YOUTH, "--to",
		    bad_to[i], "--at", "2026-11-23T10:00", "--json");
		free(err);
	}
	env_close(&e);
}

Test(vaktctl, route_to_the_service_number_picks_that_service)
{
	const struct want_route w = {"2026-11-20T10:00:00+01:00", "office",
	    NULL, "U-1", "kari", false, STEPS_CBF};
	struct env e;
	struct vt_run r;
	json_t *got, *want;

	route_env(&e);
	ctl(&r, &e, "route", "--from", YOUTH, "--to", "55 00 00 00", "--at",
	    "2026-11-20T10:00", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	got = parse_json(r.out);
	vt_run_free(&r);
	json_object_del(got, "reason");
	want = want_json(&w);
	assert_json_eq(got, want);
	json_decref(got);
	json_decref(want);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* sign and fallback-twiml */

Test(vaktctl, sign_prints_the_signature_twilio_would_send)
{
	const char *params[] = {"CallSid", "CA0123456789abcdef0123456789abcdef",
	    "From", "+4798765432", "To", VT_SERVICE, "Body", "Hei, æøå & co",
	    NULL};
	struct env e;
	struct vt_run r;
	char *want, *line;

	env_open(&e, NULL);
	ctl(&r, &e, "sign", "/twilio/voice",
	    "CallSid=CA0123456789abcdef0123456789abcdef", "From=+4798765432",
	    "To=" VT_SERVICE, "Body=Hei, æøå & co", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	want = vt_twilio_sign(VT_TOKEN, VT_PUBLIC "/twilio/voice", params);
	cr_assert(asprintf(&line, "%s\n", want) > 0);
	cr_assert_str_eq(r.out, line);
	vt_run_free(&r);
	free(want);
	free(line);

	/* The query string is part of what is signed. */
	ctl(&r, &e, "sign", "/twilio/voice/next?v=due&c=1&s=1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	want = vt_twilio_sign(VT_TOKEN,
	    VT_PUBLIC "/twilio/voice/next?v=due&c=1&s=1", NULL);
	cr_assert(asprintf(&line, "%s\n", want) > 0);
	cr_assert_str_eq(r.out, line);
	vt_run_free(&r);
	free(want);
	free(line);
	env_close(&e);
}

static const char *
node_text(xmlNode *n, char *buf, size_t len)
{
	xmlChar *s = xmlNodeGetContent(n);

	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "");
	xmlFree(s);
	return buf;
}

Test(vaktctl, fallback_twiml_dials_beredskap_then_fallback_then_speaks)
{
	static const char *const want[] = {"Dial", "Dial", "Say", "Hangup"};
	struct env e;
	struct vt_run r;
	xmlDoc *doc;
	xmlNode *root, *n;
	char text[256];
	size_t i = 0;

	env_open(&e, NULL);
	ctl(&r, &e, "fallback-twiml", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	doc = xmlReadMemory(r.out, (int)strlen(r.out), "fallback.xml", "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	cr_assert_not_null(doc, "not XML: %s", r.out);
	root = xmlDocGetRootElement(doc);
	cr_assert_str_eq((const char *)root->name, "Response");
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		cr_assert_lt(i, 4, "too many verbs: %s", r.out);
		cr_assert_str_eq((const char *)n->name, want[i], "%s", r.out);
		if (i == 0)
			cr_assert_str_eq(node_text(n, text, sizeof(text)),
			    VT_BEREDSKAP);
		if (i == 1)
			cr_assert_str_eq(node_text(n, text, sizeof(text)),
			    VT_FALLBACK);
		if (i == 2)
			cr_assert_not_null(strstr(node_text(n, text,
			    sizeof(text)), "1 1 2"), "%s", text);
		i++;
	}
	cr_assert_eq(i, 4, "%s", r.out);
	xmlFreeDoc(doc);
	vt_run_free(&r);
	env_close(&e);
}

/* Issue 10 C12: a NUL byte in the CSV is bad data, not a hang. */
Test(vaktctl, import_of_a_csv_with_a_nul_byte_exits_65_naming_the_line_issue10,
    .timeout = 120)
{
	static const char text[] = "type,id,name,phone,coordinator,service\n"
				   "coordinator,per,Per,93333333,,due\n"
				   "youth,U-20,A\0B,95555555,per,due\n";
	struct env e;
	char *csv, *err, *co0, *y0, *co1, *y1;
	FILE *fp;

	env_open(&e, NULL);
	seed(&e);
	co0 = listing(&e, "coordinator");
	y0 = listing(&e, "youth");
	csv = vt_path(e.dir, "nul.csv");
	fp = fopen(csv, "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(text, 1, sizeof(text) - 1, fp), sizeof(text) - 1);
	cr_assert_eq(fclose(fp), 0);
	CTL_FAIL(err, 65, &e, "import", csv);
	cr_assert_not_null(strstr(err, "line 3"), "%s", err);
	cr_assert_not_null(strstr(err, "NUL"), "%s", err);
	free(err);
	co1 = listing(&e, "coordinator");
	y1 = listing(&e, "youth");
	cr_assert_str_eq(co1, co0, "nothing imported");
	cr_assert_str_eq(y1, y0, "nothing imported");
	free(co0);
	free(y0);
	free(co1);
	free(y1);
	free(csv);
	env_close(&e);
}

/* The actor of the audit row about subject (there must be one). */
static char *
actor_of(const struct env *e, const char *subject)
{
	json_t *arr = audit(e), *o;
	size_t i;
	char *actor = NULL;

	json_array_foreach(arr, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "subject")),
		        subject) == 0 &&
		    actor == NULL)
			actor = strdup(
			    json_string_value(json_object_get(o, "actor")));
	}
	json_decref(arr);
	cr_assert_not_null(actor, "no audit row about %s", subject);
	return actor;
}

/*
 * Issue 10 C15: SUDO_USER names the actor only when the real uid is
 * root.  Run as root (CI does), vaktctl is run once as root and once as
 * nobody through setpriv(1), both with SUDO_USER set.
 */
Test(vaktctl, audit_actor_trusts_sudo_user_only_for_root_issue10,
    .timeout = 120)
{
	static const char setpriv[] = "/usr/bin/setpriv";
	const struct passwd *nobody = getpwnam("nobody");
	char *bin, *actor, *mode;
	struct env e;
	struct vt_run r;

	/* make check runs as root (make deps installs packages). */
	cr_assert(getuid() == 0 && nobody != NULL && access(setpriv, X_OK) == 0,
	    "needs root, user nobody and %s", setpriv);
	env_open(&e, NULL);
	seed(&e);
	cr_assert_eq(setenv("SUDO_USER", "mallory", 1), 0);
	CTL_OK(&e, "coordinator", "add", "root1", "--name", "R", "--phone",
	    "96666661");
	actor = actor_of(&e, "root1");
	cr_assert_str_eq(actor, "cli:root via sudo by mallory");
	free(actor);

	/* Let nobody write the database (WAL needs the folder too). */
	cr_assert_eq(chmod(e.dir, 0777), 0);
	mode = vt_path(e.dir, "vakt.db");
	cr_assert_eq(chmod(mode, 0666), 0);
	free(mode);
	bin = vt_bin("vaktctl");
	{
		char uid[32], gid[32];
		const char *argv[] = {setpriv, uid, gid, "--clear-groups", "--",
		    bin, "-c", e.conf, "coordinator", "add", "nob1", "--name",
		    "N", "--phone", "96666662", NULL};

		snprintf(uid, sizeof(uid), "--reuid=%u", (unsigned)nobody->pw_uid);
		snprintf(gid, sizeof(gid), "--regid=%u", (unsigned)nobody->pw_gid);
		vt_run(&r, NULL, argv);
	}
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	vt_run_free(&r);
	actor = actor_of(&e, "nob1");
	cr_assert_str_eq(actor, "cli:nobody", "SUDO_USER=mallory was set");
	free(actor);
	unsetenv("SUDO_USER");
	free(bin);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* init: only it creates a database (issue 10, B9) */

/* A folder with the configuration and no database. */
static void
env_bare(struct env *e)
{
	char *text = vt_config(NULL, NULL, NULL);

	e->dir = vt_tmpdir();
	e->conf = vt_path(e->dir, "vakt.conf");
	vt_write(e->conf, text);
	free(text);
}

Test(vaktctl, only_init_creates_the_database_and_vaktd_starts_on_it_issue10)
{
	struct env e;
	struct vt_run r;
	struct vt_daemon d;
	char *db, *hint, *err, *text;

	env_bare(&e);
	db = vt_path(e.dir, "vakt.db");
	cr_assert(
	    asprintf(&hint, "create it with: vaktctl -c %s init", e.conf) > 0);
	/* Any other command refuses, says how, and creates nothing. */
	CTL_FAIL(err, 74, &e, "coordinator", "list", NULL);
	cr_assert_not_null(strstr(err, "no database"), "%s", err);
	cr_assert_not_null(strstr(err, hint), "%s", err);
	free(err);
	CTL_FAIL(err, 74, &e, "purge", NULL);
	free(err);
	cr_assert_eq(access(db, F_OK), -1, "%s was created", db);

	ctl(&r, &e, "init", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "created"), "%s", r.out);
	vt_run_free(&r);
	CTL_OK(&e, "coordinator", "add", "kari", "--name", "Kari", "--phone",
	    "91234567");
	/* Again: nothing to do, and nothing lost. */
	ctl(&r, &e, "init", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "nothing to do"), "%s", r.out);
	vt_run_free(&r);
	text = listing(&e, "coordinator");
	cr_assert_not_null(strstr(text, "kari"), "%s", text);
	free(text);

	text = vt_slurp(e.conf, NULL);
	cr_assert_eq(vt_daemon_start_nodb(&d, e.dir, text), 0,
	    "vaktd did not start on the new database");
	free(text);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	vt_daemon_free(&d);
	free(hint);
	free(db);
	env_close(&e);
}

/* ------------------------------------------------------------------ */
/* The purge does not trust a clock far ahead (issue 10, B10) */

static void
sql_exec(const struct env *e, const char *sql)
{
	char *path = vt_path(e->dir, "vakt.db");
	sqlite3 *db = NULL;

	cr_assert_eq(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(db));
	sqlite3_close(db);
	free(path);
}

static int
sql_count(const struct env *e, const char *sql)
{
	char *path = vt_path(e->dir, "vakt.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int n;

	cr_assert_eq(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(path);
	return n;
}

/* vaktctl purge with the clock moved by faketime's offset. */
static void
purge_at(struct vt_run *r, const struct env *e, const char *offset)
{
	char *bin = vt_bin("vaktctl");
	const char *const argv[] = {"/usr/bin/faketime", "-f", offset, bin,
	    "-c", e->conf, "purge", NULL};
	const char *asan = getenv("ASAN_OPTIONS");
	char *opts;

	/* libfaketime is preloaded: an ASan build must not refuse that. */
	cr_assert(asprintf(&opts, "%s%sverify_asan_link_order=0",
	              asan != NULL ? asan : "", asan != NULL ? ":" : "") > 0);
	cr_assert_eq(setenv("ASAN_OPTIONS", opts, 1), 0);
	vt_run(r, NULL, argv);
	free(opts);
	free(bin);
}

Test(vaktctl, purge_under_a_clock_2000_days_ahead_keeps_the_contact_log_issue10)
{
	struct env e;
	struct vt_run r;
	int64_t now = (int64_t)time(NULL) * 1000, day = 86400000;
	char sql[512];

	cr_assert_eq(access("/usr/bin/faketime", X_OK), 0,
	    "no /usr/bin/faketime (Debian package faketime; make deps "
	    "installs it)");
	env_open(&e, NULL);
	/* Retention is 1825 days: one contact past it, two recent ones. */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO contacts (service, kind, provider_id, caller,"
	    " category, why, plan, received_ms, status) VALUES"
	    " ('due', 0, 'CA-ancient', '+4798765432', 0, 0, '', %lld, 1),"
	    " ('due', 0, 'CA-week', '+4798765432', 0, 0, '', %lld, 1),"
	    " ('due', 1, 'SM-hour', '+4798765432', 0, 0, '', %lld, 0);",
	    (long long)(now - 1900 * day), (long long)(now - 7 * day),
	    (long long)(now - day / 24));
	sql_exec(&e, sql);

	purge_at(&r, &e, "+2000d");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "clock not trusted"), "%s", r.err);
	vt_run_free(&r);
	cr_assert_eq(sql_count(&e,
	                 "SELECT count(*) FROM contacts"
	                 " WHERE provider_id <> 'CA-ancient'"),
	    2, "the history is still there");
	cr_assert_eq(sql_count(&e,
	                 "SELECT count(*) FROM contacts"
	                 " WHERE provider_id = 'CA-ancient'"),
	    0, "what retention no longer keeps still goes");

	/* A second run a day later (still jumped) takes no more. */
	purge_at(&r, &e, "+2001d");
	cr_assert_eq(r.status, 0, "%s", r.err);
	vt_run_free(&r);
	cr_assert_eq(sql_count(&e, "SELECT count(*) FROM contacts"), 2);
	env_close(&e);
}

/*
 * A quiet service (no contact for weeks) still purges by the real
 * clock: daily runs keep the purge mark a day behind.
 */
Test(vaktctl, purge_in_a_quiet_period_still_purges_by_the_real_clock_issue10)
{
	struct env e;
	struct vt_run r;
	int64_t now = (int64_t)time(NULL) * 1000, day = 86400000;
	char sql[512];

	env_open(&e, NULL);
	/* The newest contact is 60 days old; one is 1825 days and 1 h old. */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO contacts (service, kind, provider_id, caller,"
	    " category, why, plan, received_ms, status) VALUES"
	    " ('due', 0, 'CA-due', '+4798765432', 0, 0, '', %lld, 1),"
	    " ('due', 0, 'CA-quiet', '+4798765432', 0, 0, '', %lld, 1);",
	    (long long)(now - 1825 * day - day / 24),
	    (long long)(now - 60 * day));
	sql_exec(&e, sql);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO audit (at_ms, actor, action, subject, detail)"
	    " VALUES (%lld, 'vaktd', 'purge', 'contacts', '0 rows');",
	    (long long)(now - day));
	sql_exec(&e, sql);
	ctl(&r, &e, "purge", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "not trusted"), "%s", r.err);
	cr_assert_not_null(strstr(r.out, "purged 1 "), "%s", r.out);
	vt_run_free(&r);
	cr_assert_eq(sql_count(&e,
	                 "SELECT count(*) FROM contacts"
	                 " WHERE provider_id = 'CA-quiet'"),
	    1);
	env_close(&e);
}
