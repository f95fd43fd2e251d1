/*
 * test_config.c: the configuration file.  The example in config/ loads,
 * defaults fill a minimal file, values are normalised (E.164, minutes,
 * ms, absolute paths), and every kind of mistake gets its exact
 * "file:line: setting.path: message", all of them at once.
 *
 * Each test writes its files into a fresh mkdtemp() folder, loads them
 * with that folder as the working directory (so messages read
 * "t.conf:LINE: ..."), and removes the folder before asserting.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vakt/config.h"

/* A minimal valid file, one line per setting group (lines 1..3). */
#define SID       "AC0123456789abcdef0123456789abcdef"
#define HTTP_LINE "http = { public_url = \"http://127.0.0.1:8080\"; };\n"
#define TWILIO_LINE                                                            \
	"twilio = { account_sid = \"" SID "\"; "                               \
	"auth_token = \"secret-token-1-0123456789abcdefghij\"; };\n"
#define SVC_BODY                                                               \
	"id = \"due\"; name = \"DUE\"; number = \"+4755000000\"; "             \
	"beredskap = \"+4790000000\";"
#define SERVICE_WITH(extra) "services = ( { " SVC_BODY " " extra " } );\n"
#define MINIMAL             HTTP_LINE TWILIO_LINE SERVICE_WITH("")
/* MINIMAL with its service changed (the service stays on line 3). */
#define WITH_SERVICE(extra) HTTP_LINE TWILIO_LINE SERVICE_WITH(extra)

#define PHONE_HINT "(E.164 like +4790000000, or 8 Norwegian digits)"
#define TOKEN_HINT                                                             \
	" (a Twilio auth token has 32; demo = true; allows a shorter one "     \
	"for trying vakt out)"

struct file {
	const char *name; /* relative to the temp folder; one "dir/" allowed */
	const char *text;
};

struct run {
	char dir[PATH_MAX]; /* the temp folder, resolved; removed by now */
	int rc;
	struct vakt_config *cfg;
	struct vakt_strlist errs;
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[2 * PATH_MAX];
	const char *slash = strchr(name, '/');
	FILE *fp;

	if (slash != NULL) {
		snprintf(path, sizeof(path), "%s/%.*s", dir,
		    (int)(slash - name), name);
		cr_assert(mkdir(path, 0700) == 0 || errno == EEXIST,
		    "mkdir %s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "create %s: %s", path, strerror(errno));
	cr_assert(fputs(text, fp) >= 0 && fclose(fp) == 0, "write %s", path);
}

static void
remove_files(const char *dir, const struct file *files, size_t n)
{
	char path[2 * PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(files[i].name, '/');

		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		(void)unlink(path);
		if (slash != NULL) {
			snprintf(path, sizeof(path), "%s/%.*s", dir,
			    (int)(slash - files[i].name), files[i].name);
			(void)rmdir(path); /* fails while not yet empty */
		}
	}
	cr_assert(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}

/*
 * Write files into a temp folder, load `load` from inside it (or by its
 * absolute path), then clean up.  The caller frees with run_free().
 */
static void
run_files(struct run *r, const struct file *files, size_t n, const char *load,
    bool absolute)
{
	char tmpl[] = "/tmp/vakt-config-XXXXXX";
	char path[2 * PATH_MAX];
	int cwd;

	memset(r, 0, sizeof(*r));
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	cr_assert_not_null(realpath(tmpl, r->dir), "realpath %s", tmpl);
	for (size_t i = 0; i < n; i++)
		write_file(r->dir, files[i].name, files[i].text);
	snprintf(path, sizeof(path), "%s/%s", r->dir, load);
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	cr_assert(cwd != -1 && chdir(r->dir) == 0, "chdir %s", r->dir);
	r->rc = vakt_config_load(absolute ? path : load, &r->cfg, &r->errs);
	cr_assert(fchdir(cwd) == 0 && close(cwd) == 0, "back to the cwd");
	remove_files(r->dir, files, n);
}

static void
run_text(struct run *r, const char *text)
{
	const struct file f = {"t.conf", text};

	run_files(r, &f, 1, "t.conf", false);
}

static void
run_free(struct run *r)
{
	vakt_config_free(r->cfg);
	vakt_strlist_free(&r->errs);
}

/* All messages of l, one per line, for failure output.  Caller frees. */
static char *
joined(const struct vakt_strlist *l)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	s = calloc(1, len);
	cr_assert_not_null(s);
	for (size_t i = 0, used = 0; i < l->n; i++) {
		size_t k = strlen(l->v[i]);

		memcpy(s + used, l->v[i], k);
		s[used + k] = '\n';
		used += k + 1;
	}
	return s;
}

static void
expect_ok(const struct run *r, const char *what)
{
	char *all = joined(&r->errs);

	cr_expect_eq(r->errs.n, 0, "%s: unexpected errors:\n%s", what, all);
	free(all);
	cr_assert_eq(r->rc, 0, "%s: load failed", what);
	cr_assert_not_null(r->cfg, "%s", what);
}

static void
expect_errors(
    const struct run *r, const char *const *want, size_t n, const char *what)
{
	char *all = joined(&r->errs);

	cr_expect_eq(r->rc, -1, "%s: the load should fail", what);
	cr_expect_null(r->cfg, "%s: no config on failure", what);
	cr_expect_eq(
	    r->errs.n, n, "%s: want %zu errors, got:\n%s", what, n, all);
	for (size_t i = 0; i < n && i < r->errs.n; i++)
		cr_expect_str_eq(r->errs.v[i], want[i],
		    "%s: error %zu:\n got: %s\nwant: %s", what, i, r->errs.v[i],
		    want[i]);
	free(all);
}

/*
 * The example and the defaults.
 */

Test(config, example_config_loads_with_documented_values)
{
	struct vakt_strlist errs = {0};
	struct vakt_config *cfg = NULL;
	char dir[PATH_MAX], db[PATH_MAX + 16];
	const struct vakt_service *sv;
	int rc = vakt_config_load("config/vakt.conf", &cfg, &errs);
	char *all = joined(&errs);

	cr_expect_eq(errs.n, 0, "config/vakt.conf:\n%s", all);
	free(all);
	vakt_strlist_free(&errs);
	cr_assert_eq(rc, 0);
	cr_assert_not_null(realpath("config", dir));
	snprintf(db, sizeof(db), "%s/vakt.db", dir);
	cr_expect_str_eq(cfg->path, "config/vakt.conf");
	cr_expect_str_eq(cfg->timezone, "Europe/Oslo");
	cr_expect_str_eq(cfg->database, db);
	cr_expect_str_eq(cfg->http.listen, "127.0.0.1");
	cr_expect_eq(cfg->http.port, 8080);
	cr_expect_str_eq(cfg->http.public_url, "http://127.0.0.1:8080");
	cr_expect_eq(cfg->http.busy_timeout_ms, 500);
	cr_expect_str_eq(
	    cfg->twilio.account_sid, "AC00000000000000000000000000000000");
	cr_expect_str_eq(cfg->twilio.auth_token, "demo-auth-token-change-me");
	cr_expect(cfg->demo, "config/vakt.conf is the demo (make run)");
	cr_expect_str_eq(cfg->twilio.api_url, "https://api.twilio.com");
	cr_assert_eq(cfg->n_services, 1);
	sv = &cfg->services[0];
	cr_expect_str_eq(sv->id, "due");
	cr_expect_str_eq(sv->name, "DUE");
	cr_expect_str_eq(sv->number, "+4755000000");
	cr_expect_str_eq(sv->beredskap, "+4790000000");
	cr_expect_str_eq(sv->fallback, "+4755555555");
	cr_expect_eq(sv->cal.days, 0x3eu, "mon..fri");
	cr_expect_eq(sv->cal.hours.open_min, 8 * 60);
	cr_expect_eq(sv->cal.hours.close_min, 20 * 60);
	cr_assert_eq(sv->cal.n_special, 3);
	cr_expect_eq(sv->cal.special[0].date, 20261224);
	cr_expect_eq(sv->cal.special[0].hours.close_min, 12 * 60);
	cr_expect_eq(sv->cal.special[1].date, 20261231);
	cr_expect(sv->cal.special[1].closed);
	cr_expect_str_eq(sv->cal.special[1].name, "Nyttårsaften");
	cr_expect_eq(sv->cal.special[2].date, 20271224);
	cr_expect_eq(cfg->outbox.retry_max_ms, 300000);
	cr_expect(cfg->outbox.is_print, "make run prints its SMS");
	vakt_config_free(cfg);
}

Test(config, defaults_fill_a_minimal_config)
{
	struct run r;
	const struct vakt_service *sv;

	run_text(&r, MINIMAL);
	expect_ok(&r, "minimal");
	cr_expect_str_eq(r.cfg->timezone, "Europe/Oslo");
	cr_expect_str_eq(r.cfg->http.listen, "127.0.0.1");
	cr_expect_eq(r.cfg->http.port, 8080);
	cr_expect_eq(r.cfg->http.max_body, 65536);
	cr_expect_eq(r.cfg->http.max_headers, 8192);
	cr_expect_eq(r.cfg->http.timeout_s, 10);
	cr_expect_eq(r.cfg->http.max_connections, 512);
	cr_expect_eq(r.cfg->http.busy_timeout_ms, 500);
	cr_expect_str_eq(r.cfg->twilio.api_url, "https://api.twilio.com");
	sv = &r.cfg->services[0];
	cr_expect_eq(sv->cal.country, VAKT_COUNTRY_NO);
	cr_expect_eq(sv->cal.days, 0x3eu, "mon..fri");
	cr_expect_eq(sv->cal.hours.open_min, 8 * 60);
	cr_expect_eq(sv->cal.hours.close_min, 20 * 60);
	cr_expect_eq(sv->cal.n_special, 0);
	cr_expect_eq(sv->ring_timeout_s, 20);
	cr_expect(sv->confirm_answer);
	cr_expect_null(sv->fallback);
	cr_expect_str_eq(sv->voice, "Polly.Liv");
	cr_expect_str_eq(sv->language, "nb-NO");
	cr_expect_eq(sv->short_abandon_s, 5);
	cr_expect_eq(r.cfg->retention.contacts_days, 1825);
	cr_expect_not(r.cfg->retention.keep_message_bodies);
	cr_expect_eq(r.cfg->outbox.retry_first_ms, 2000);
	cr_expect_eq(r.cfg->outbox.retry_max_ms, 300000);
	cr_expect_eq(r.cfg->outbox.give_up_ms, 86400000);
	cr_expect_eq(r.cfg->outbox.validity_s, 900);
	cr_expect_eq(r.cfg->outbox.timeout_ms, 30000);
	cr_expect_eq(r.cfg->outbox.max_in_flight, 8);
	run_free(&r);
}

/*
 * Normalisation.
 */

Test(config, norwegian_8_digit_numbers_become_plus47)
{
	struct run r;
	const struct vakt_service *sv;

	run_text(&r,
	    HTTP_LINE TWILIO_LINE
	    "services = ( { id = \"due\"; name = \"DUE\"; "
	    "number = \"55 00 00 00\"; beredskap = \"90000000\"; "
	    "fallback = \"0047 555 55 555\"; } );\n");
	expect_ok(&r, "8 digits");
	sv = &r.cfg->services[0];
	cr_expect_str_eq(sv->number, "+4755000000");
	cr_expect_str_eq(sv->beredskap, "+4790000000");
	cr_expect_str_eq(sv->fallback, "+4755555555");
	run_free(&r);
}

Test(config, relative_database_is_resolved_against_the_config_folder)
{
	const struct file f = {
	    "sub/t.conf", "database = \"data/v.db\";\n" MINIMAL};
	char want[PATH_MAX + 32];
	struct run r;

	run_files(&r, &f, 1, "sub/t.conf", false);
	expect_ok(&r, "relative database");
	snprintf(want, sizeof(want), "%s/sub/data/v.db", r.dir);
	cr_expect_str_eq(r.cfg->database, want);
	run_free(&r);

	run_text(&r, "database = \"/var/lib/vakt/vakt.db\";\n" MINIMAL);
	expect_ok(&r, "absolute database");
	cr_expect_str_eq(r.cfg->database, "/var/lib/vakt/vakt.db");
	run_free(&r);
}

Test(config, auth_token_file_is_read_relative_to_the_config_folder)
{
	const struct file f[] = {
	    {"sub/t.conf",
	        HTTP_LINE
	        "twilio = { account_sid = \"" SID
	        "\"; auth_token_file = \"token\"; };\n" SERVICE_WITH("")},
	    {"sub/token", "secret-token-2-0123456789abcdefghij\n"},
	};
	struct run r;

	run_files(&r, f, 2, "sub/t.conf", false);
	expect_ok(&r, "token file");
	cr_expect_str_eq(r.cfg->twilio.auth_token, "secret-token-2-0123456789abcdefghij",
	    "one trailing newline is stripped");
	run_free(&r);
}

Test(config, urls_lose_trailing_slashes_and_keep_path_prefixes)
{
	struct run r;

	run_text(&r,
	    "http = { public_url = \"https://x.example:8443/vakt/\"; };\n"
	    "twilio = { account_sid = \"" SID "\"; auth_token = "
	    "\"secret-token-1-0123456789abcdefghij\"; api_url = \"http://127.0.0.1:9999/\"; };\n" SERVICE_WITH(
	        ""));
	expect_ok(&r, "urls");
	cr_expect_str_eq(r.cfg->http.public_url, "https://x.example:8443/vakt");
	cr_expect_str_eq(r.cfg->twilio.api_url, "http://127.0.0.1:9999");
	run_free(&r);
}

Test(config, hours_days_and_special_days_are_normalised)
{
	struct run r;
	const struct vakt_service *sv;

	run_text(&r,
	    WITH_SERVICE(
	        "country = \"se\"; "
	        "office_hours = { days = (\"sat\", \"sun\"); open = \"00:00\"; "
	        "close = \"24:00\"; }; "
	        "special_days = ( "
	        "{ date = \"2027-01-02\"; closed = true; name = \"B\"; }, "
	        "{ date = \"2026-06-01\"; open = \"09:30\"; close = \"10:15\"; "
	        "name = \"A\"; } );"));
	expect_ok(&r, "hours");
	sv = &r.cfg->services[0];
	cr_expect_eq(sv->cal.country, VAKT_COUNTRY_SE);
	cr_expect_eq(sv->cal.days, (1u << 6) | (1u << 0), "sat and sun");
	cr_expect_eq(sv->cal.hours.open_min, 0);
	cr_expect_eq(sv->cal.hours.close_min, 24 * 60);
	cr_assert_eq(sv->cal.n_special, 2);
	cr_expect_eq(sv->cal.special, sv->special, "cal points at special");
	cr_expect_eq(sv->cal.special[0].date, 20260601, "sorted by date");
	cr_expect_not(sv->cal.special[0].closed);
	cr_expect_eq(sv->cal.special[0].hours.open_min, 9 * 60 + 30);
	cr_expect_eq(sv->cal.special[0].hours.close_min, 10 * 60 + 15);
	cr_expect_str_eq(sv->cal.special[0].name, "A");
	cr_expect_eq(sv->cal.special[1].date, 20270102);
	cr_expect(sv->cal.special[1].closed);
	run_free(&r);
}

Test(config, integers_may_be_int64_and_port_0_is_allowed)
{
	struct run r;

	run_text(&r,
	    "outbox = { give_up = 604800L; };\n"
	    "http = { public_url = \"http://[::1]:8080\"; "
	    "listen = \"::1\"; port = 0; };\n" TWILIO_LINE SERVICE_WITH(""));
	expect_ok(&r, "int64");
	cr_expect_eq(r.cfg->outbox.give_up_ms, 604800000);
	cr_expect_eq(r.cfg->http.port, 0);
	cr_expect_str_eq(r.cfg->http.listen, "::1");
	run_free(&r);
}

Test(config, fallback_equal_to_beredskap_is_accepted)
{
	struct run r;

	run_text(&r, WITH_SERVICE("fallback = \"+4790000000\";"));
	expect_ok(&r, "fallback == beredskap");
	run_free(&r);
}

Test(config, services_are_found_by_number_and_id)
{
	struct run r;

	run_text(&r,
	    HTTP_LINE TWILIO_LINE
	    "services = ( { " SVC_BODY " },\n"
	    "{ id = \"due2\"; name = \"DUE 2\"; number = \"+4755000001\"; "
	    "beredskap = \"+4790000000\"; } );\n");
	expect_ok(&r, "two services");
	cr_expect_eq(vakt_config_service_by_number(r.cfg, "+4755000001"),
	    &r.cfg->services[1]);
	cr_expect_eq(
	    vakt_config_service_by_id(r.cfg, "due"), &r.cfg->services[0]);
	cr_expect_null(vakt_config_service_by_number(r.cfg, "+4790000000"));
	cr_expect_null(vakt_config_service_by_id(r.cfg, "DUE"));
	run_free(&r);
}

/*
 * Errors: one mistake, one exact message.
 */

struct err_case {
	const char *name;
	const char *text;
	const char *want;
};

static void
check_cases(const struct err_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct run r;

		run_text(&r, c[i].text);
		expect_errors(&r, &c[i].want, 1, c[i].name);
		run_free(&r);
	}
}

Test(config, brief_examples_read_exactly)
{
	static const struct err_case cases[] = {
	    {"bad HH:MM",
	        HTTP_LINE TWILIO_LINE "services = (\n"
	                              "  {\n"
	                              "    id = \"due\";\n"
	                              "    name = \"DUE\";\n"
	                              "    number = \"+4755000000\";\n"
	                              "    beredskap = \"+4790000000\";\n"
	                              "    fallback = \"+4755555555\";\n"
	                              "    country = \"NO\";\n"
	                              "    ring_timeout = 20;\n"
	                              "    office_hours = {\n"
	                              "      days = [\"mon\", \"tue\"];\n"
	                              "      open = \"8:0\";\n"
	                              "      close = \"20:00\";\n"
	                              "    };\n"
	                              "  }\n"
	                              ");\n",
	        "t.conf:14: services.[0].office_hours.open: \"8:0\" is not "
	        "HH:MM"},
	    {"unknown setting in http",
	        "http = {\n"
	        "  public_url = \"http://127.0.0.1:8080\";\n"
	        "  prot = 8080;\n"
	        "};\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:3: http.prot: unknown setting"},
	    {"bad phone",
	        HTTP_LINE TWILIO_LINE "services = (\n"
	                              "  {\n"
	                              "    id = \"due\";\n"
	                              "    name = \"DUE\";\n"
	                              "    number = \"+4755000000\";\n"
	                              "    country = \"NO\";\n"
	                              "    beredskap = \"12345\";\n"
	                              "  }\n"
	                              ");\n",
	        "t.conf:9: services.[0].beredskap: \"12345\" is not a phone "
	        "number " PHONE_HINT},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, syntax_errors_give_file_and_line)
{
	static const struct err_case cases[] = {
	    {"missing value", MINIMAL "retention = { contacts_days = ; };\n",
	        "t.conf:4: syntax error"},
	    {"duplicate setting",
	        MINIMAL "database = \"a\";\ndatabase = "
	                "\"b\";\n",
	        "t.conf:5: duplicate setting name"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, missing_file_is_reported_with_strerror)
{
	struct run r;

	run_files(&r, NULL, 0, "missing.conf", false);
	expect_errors(&r,
	    (const char *const[]){
	        "missing.conf: cannot read: No such file or directory"},
	    1, "missing file");
	run_free(&r);
}

Test(config, messages_name_the_file_as_given)
{
	const struct file f = {"sub/t.conf", MINIMAL "colour = 1;\n"};
	char want[PATH_MAX + 64];
	struct run r;

	run_files(&r, &f, 1, "sub/t.conf", true);
	snprintf(want, sizeof(want), "%s/sub/t.conf:4: colour: unknown setting",
	    r.dir);
	expect_errors(&r, (const char *const[]){want}, 1, "absolute");
	run_free(&r);
	run_files(&r, &f, 1, "sub/t.conf", false);
	expect_errors(&r,
	    (const char *const[]){"sub/t.conf:4: colour: unknown setting"}, 1,
	    "relative");
	run_free(&r);
}

Test(config, unknown_settings_are_errors_at_every_level)
{
	static const struct err_case cases[] = {
	    {"top level", MINIMAL "colour = \"blue\";\n",
	        "t.conf:4: colour: unknown setting"},
	    {"in a service", WITH_SERVICE("colour = 1;"),
	        "t.conf:3: services.[0].colour: unknown setting"},
	    {"in office_hours",
	        WITH_SERVICE("office_hours = { opens = "
	                     "\"08:00\"; };"),
	        "t.conf:3: services.[0].office_hours.opens: unknown setting"},
	    {"in a special day",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = true; name = \"x\"; note = \"y\"; } );"),
	        "t.conf:3: services.[0].special_days.[0].note: unknown "
	        "setting"},
	    {"in retention", MINIMAL "retention = { keep_bodies = true; };\n",
	        "t.conf:4: retention.keep_bodies: unknown setting"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, wrong_types_name_the_setting_and_the_expected_type)
{
	static const struct err_case cases[] = {
	    {"string for integer",
	        "http = { public_url = \"http://127.0.0.1:8080\"; port = "
	        "\"8080\"; };\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: http.port: expected an integer"},
	    {"float for integer", MINIMAL "outbox = { give_up = 60.5; };\n",
	        "t.conf:4: outbox.give_up: expected an integer"},
	    {"integer for boolean", WITH_SERVICE("confirm_answer = 1;"),
	        "t.conf:3: services.[0].confirm_answer: expected true or "
	        "false"},
	    {"integer for string", MINIMAL "timezone = 1;\n",
	        "t.conf:4: timezone: expected a string"},
	    {"group for list",
	        HTTP_LINE TWILIO_LINE "services = { id = \"due\"; };\n",
	        "t.conf:3: services: expected a list ( ... )"},
	    {"string for group", MINIMAL "outbox = \"fast\";\n",
	        "t.conf:4: outbox: expected a group { ... }"},
	    {"string in services",
	        HTTP_LINE TWILIO_LINE "services = ( \"due\" );\n",
	        "t.conf:3: services.[0]: expected a group { ... }"},
	    {"integers as days",
	        WITH_SERVICE("office_hours = { days = [1, "
	                     "2]; };"),
	        "t.conf:3: services.[0].office_hours.days: expected an array "
	        "of day names like [\"mon\", \"tue\"]"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, missing_required_settings_are_named)
{
	static const struct err_case cases[] = {
	    {"public_url",
	        "http = { port = 8080; };\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: http.public_url: missing required setting"},
	    {"services", HTTP_LINE TWILIO_LINE,
	        "t.conf: services: missing required setting"},
	    {"twilio group", HTTP_LINE SERVICE_WITH(""),
	        "t.conf: twilio: missing required setting"},
	    {"beredskap",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"due\"; name = \"DUE\"; number = "
	        "\"+4755000000\"; } );\n",
	        "t.conf:3: services.[0].beredskap: missing required setting"},
	    {"special day name",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = true; } );"),
	        "t.conf:3: services.[0].special_days.[0].name: missing "
	        "required setting"},
	    {"no services", HTTP_LINE TWILIO_LINE "services = ();\n",
	        "t.conf:3: services: at least one service is required"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, integers_outside_their_range_are_refused)
{
	static const struct err_case cases[] = {
	    {"port",
	        "http = { public_url = \"http://127.0.0.1:8080\"; port = "
	        "70000; };\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: http.port: 70000 is out of range 0..65535"},
	    {"busy_timeout_ms over the 2 s webhook budget",
	        "http = { public_url = \"http://127.0.0.1:8080\"; "
	        "busy_timeout_ms = 2000; };\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: http.busy_timeout_ms: 2000 is out of range "
	        "10..1500"},
	    {"ring_timeout", WITH_SERVICE("ring_timeout = 4;"),
	        "t.conf:3: services.[0].ring_timeout: 4 is out of range "
	        "5..600"},
	    {"short_abandon negative", WITH_SERVICE("short_abandon = -1;"),
	        "t.conf:3: services.[0].short_abandon: -1 is out of range "
	        "0..60"},
	    {"contacts_days", MINIMAL "retention = { contacts_days = 0; };\n",
	        "t.conf:4: retention.contacts_days: 0 is out of range "
	        "1..36500"},
	    {"max_in_flight", MINIMAL "outbox = { max_in_flight = 65; };\n",
	        "t.conf:4: outbox.max_in_flight: 65 is out of range 1..64"},
	    {"retry_max below retry_first",
	        MINIMAL "outbox = { retry_first = 10;\n retry_max = 5; };\n",
	        "t.conf:5: outbox.retry_max: 5 is less than retry_first (10)"},
	    {"int64 out of range", MINIMAL "outbox = { give_up = 604801L; };\n",
	        "t.conf:4: outbox.give_up: 604801 is out of range "
	        "60..604800"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, office_hours_are_checked)
{
	static const struct err_case cases[] = {
	    {"open after close",
	        WITH_SERVICE("office_hours = { open = \"20:00\"; close = "
	                     "\"08:00\"; };"),
	        "t.conf:3: services.[0].office_hours.close: \"08:00\" is not "
	        "after open \"20:00\""},
	    {"open equals close",
	        WITH_SERVICE("office_hours = { open = \"10:00\"; close = "
	                     "\"10:00\"; };"),
	        "t.conf:3: services.[0].office_hours.close: \"10:00\" is not "
	        "after open \"10:00\""},
	    {"open after the default close",
	        WITH_SERVICE("office_hours = { open = \"21:00\"; };"),
	        "t.conf:3: services.[0].office_hours.open: \"21:00\" is not "
	        "before close \"20:00\""},
	    {"24:01", WITH_SERVICE("office_hours = { close = \"24:01\"; };"),
	        "t.conf:3: services.[0].office_hours.close: \"24:01\" is not "
	        "HH:MM"},
	    {"bad day name",
	        WITH_SERVICE("office_hours = { days = [\"mon\", \"mun\"]; };"),
	        "t.conf:3: services.[0].office_hours.days: \"mun\" is not a "
	        "day (mon tue wed thu fri sat sun)"},
	    {"repeated day",
	        WITH_SERVICE("office_hours = { days = [\"mon\", \"tue\", "
	                     "\"mon\"]; };"),
	        "t.conf:3: services.[0].office_hours.days: \"mon\" is "
	        "repeated"},
	    {"no days", WITH_SERVICE("office_hours = { days = []; };"),
	        "t.conf:3: services.[0].office_hours.days: at least one day "
	        "is required"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, special_days_are_closed_or_have_hours_not_both)
{
	static const struct err_case cases[] = {
	    {"bad date",
	        WITH_SERVICE("special_days = ( { date = \"2026-02-30\"; "
	                     "closed = true; name = \"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0].date: \"2026-02-30\" "
	        "is not a date (YYYY-MM-DD)"},
	    {"both closed and hours",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = true; open = \"08:00\"; close = "
	                     "\"12:00\"; name = \"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0]: set either closed = "
	        "true or open and close, not both"},
	    {"neither",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "name = \"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0]: set either closed = "
	        "true or both open and close"},
	    {"open without close",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "open = \"08:00\"; name = \"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0]: set either closed = "
	        "true or both open and close"},
	    {"closed = false without hours",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = false; name = \"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0]: set either closed = "
	        "true or both open and close"},
	    {"own hours backwards",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "open = \"12:00\"; close = \"08:00\"; name = "
	                     "\"x\"; } );"),
	        "t.conf:3: services.[0].special_days.[0].close: \"08:00\" is "
	        "not after open \"12:00\""},
	    {"same date twice",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = true; name = \"x\"; },\n"
	                     "{ date = \"2026-12-24\"; closed = true; "
	                     "name = \"y\"; } );"),
	        "t.conf:4: services.[0].special_days.[1].date: \"2026-12-24\" "
	        "is listed twice"},
	    {"empty name",
	        WITH_SERVICE("special_days = ( { date = \"2026-12-24\"; "
	                     "closed = true; name = \"\"; } );"),
	        "t.conf:3: services.[0].special_days.[0].name: must not be "
	        "empty"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, service_values_are_checked)
{
	static const struct err_case cases[] = {
	    {"duplicate id",
	        HTTP_LINE TWILIO_LINE
	        "services = (\n{ " SVC_BODY " },\n"
	        "{ id = \"due\"; name = \"DUE 2\"; number = \"+4755000001\"; "
	        "beredskap = \"+4790000000\"; }\n);\n",
	        "t.conf:5: services.[1].id: \"due\" is already used by "
	        "services.[0]"},
	    {"duplicate number after normalising",
	        HTTP_LINE TWILIO_LINE
	        "services = (\n{ " SVC_BODY " },\n"
	        "{ id = \"due2\"; name = \"DUE 2\"; number = \"55000000\"; "
	        "beredskap = \"+4790000000\"; }\n);\n",
	        "t.conf:5: services.[1].number: \"55000000\" is already used "
	        "by services.[0]"},
	    {"bad id",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"DUE\"; name = \"DUE\"; number = "
	        "\"+4755000000\"; beredskap = \"+4790000000\"; } );\n",
	        "t.conf:3: services.[0].id: \"DUE\" is not a service id "
	        "([a-z0-9_-], 1..32 characters)"},
	    {"bad number",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"due\"; name = \"DUE\"; number = "
	        "\"+47 5500\"; beredskap = \"+4790000000\"; } );\n",
	        "t.conf:3: services.[0].number: \"+47 5500\" is not a phone "
	        "number " PHONE_HINT},
	    {"bad fallback", WITH_SERVICE("fallback = \"112\";"),
	        "t.conf:3: services.[0].fallback: \"112\" is not a phone "
	        "number " PHONE_HINT},
	    {"beredskap is the service number",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"due\"; name = \"DUE\"; number = "
	        "\"+4755000000\"; beredskap = \"55000000\"; } );\n",
	        "t.conf:3: services.[0].beredskap: \"55000000\" is the "
	        "service's own number (calls would loop)"},
	    {"fallback is the service number",
	        WITH_SERVICE("fallback = \"+4755000000\";"),
	        "t.conf:3: services.[0].fallback: \"+4755000000\" is the "
	        "service's own number (calls would loop)"},
	    {"bad country", WITH_SERVICE("country = \"FI\";"),
	        "t.conf:3: services.[0].country: \"FI\" is not a supported "
	        "country (NO, DK or SE)"},
	    {"empty name",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"due\"; name = \"\"; number = "
	        "\"+4755000000\"; beredskap = \"+4790000000\"; } );\n",
	        "t.conf:3: services.[0].name: must not be empty"},
	    {"name not UTF-8",
	        HTTP_LINE TWILIO_LINE
	        "services = ( { id = \"due\"; name = \"D\\xffE\"; number = "
	        "\"+4755000000\"; beredskap = \"+4790000000\"; } );\n",
	        "t.conf:3: services.[0].name: is not valid UTF-8"},
	    {"voice with a space", WITH_SERVICE("voice = \"Polly Liv\";"),
	        "t.conf:3: services.[0].voice: \"Polly Liv\" is not a voice "
	        "name (letters, digits, '.', '_' or '-')"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, twilio_credentials_are_checked)
{
	static const struct err_case cases[] = {
	    {"short sid",
	        HTTP_LINE "twilio = { account_sid = \"AC123\"; auth_token = "
	                  "\"secret-token-1-0123456789abcdefghij\"; };\n" SERVICE_WITH(""),
	        "t.conf:2: twilio.account_sid: \"AC123\" is not a Twilio "
	        "account SID (\"AC\" and 32 hex digits)"},
	    {"sid not hex",
	        HTTP_LINE
	        "twilio = { account_sid = "
	        "\"AC0123456789abcdef0123456789abcdeg\"; auth_token = "
	        "\"secret-token-1-0123456789abcdefghij\"; };\n" SERVICE_WITH(""),
	        "t.conf:2: twilio.account_sid: "
	        "\"AC0123456789abcdef0123456789abcdeg\" is not a Twilio "
	        "account SID (\"AC\" and 32 hex digits)"},
	    {"both token settings",
	        HTTP_LINE
	        "twilio = { account_sid = \"" SID "\"; auth_token = "
	        "\"secret-token-1-0123456789abcdefghij\"; auth_token_file = \"token\"; };\n" SERVICE_WITH(
	            ""),
	        "t.conf:2: twilio: set exactly one of auth_token and "
	        "auth_token_file (both are set)"},
	    {"neither token setting",
	        HTTP_LINE "twilio = { account_sid = \"" SID
	                  "\"; };\n" SERVICE_WITH(""),
	        "t.conf:2: twilio: set exactly one of auth_token and "
	        "auth_token_file (neither is set)"},
	    {"token too short, not echoed",
	        HTTP_LINE "twilio = { account_sid = \"" SID "\"; auth_token = "
	                  "\"short\"; };\n" SERVICE_WITH(""),
	        "t.conf:2: twilio.auth_token: must be 32..256 printable ASCII "
	        "characters without spaces" TOKEN_HINT},
	    {"token with a space",
	        HTTP_LINE "twilio = { account_sid = \"" SID "\"; auth_token = "
	                  "\"secret token\"; };\n" SERVICE_WITH(""),
	        "t.conf:2: twilio.auth_token: must be 32..256 printable ASCII "
	        "characters without spaces" TOKEN_HINT},
	    {"bad api_url",
	        HTTP_LINE "twilio = { account_sid = \"" SID "\"; auth_token = "
	                  "\"secret-token-1-0123456789abcdefghij\"; api_url = \"api.twilio.com\"; "
	                  "};\n" SERVICE_WITH(""),
	        "t.conf:2: twilio.api_url: \"api.twilio.com\" is not a valid "
	        "URL: it must start with http:// or https://"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, unreadable_auth_token_file_names_the_setting_and_strerror)
{
	const struct file f = {"t.conf",
	    HTTP_LINE
	    "twilio = { account_sid = \"" SID "\";\n"
	    "auth_token_file = \"missing-token\"; };\n" SERVICE_WITH("")};
	char want[PATH_MAX + 128];
	struct run r;

	run_files(&r, &f, 1, "t.conf", false);
	snprintf(want, sizeof(want),
	    "t.conf:3: twilio.auth_token_file: cannot read "
	    "%s/missing-token: No such file or directory",
	    r.dir);
	expect_errors(&r, (const char *const[]){want}, 1, "missing token");
	run_free(&r);
}

Test(config, auth_token_file_content_is_checked)
{
	const struct file f[] = {
	    {"t.conf",
	        HTTP_LINE "twilio = { account_sid = \"" SID "\"; "
	                  "auth_token_file = \"token\"; };\n" SERVICE_WITH("")},
	    {"token", "secret-token-2-0123456789abcdefghij\n\n"},
	};
	char want[2 * PATH_MAX];
	struct run r;

	run_files(&r, f, 2, "t.conf", false);
	snprintf(want, sizeof(want),
	    "t.conf:2: twilio.auth_token_file: %s/token must hold 32..256 "
	    "printable ASCII characters without spaces" TOKEN_HINT,
	    r.dir);
	expect_errors(&r, (const char *const[]){want}, 1,
	    "only one trailing newline is stripped");
	run_free(&r);
}

struct url_case {
	const char *url, *why;
};

Test(config, public_url_must_be_a_plain_http_url)
{
	static const struct url_case cases[] = {
	    {"ftp://x.example", "it must start with http:// or https://"},
	    {"HTTP://x.example", "it must start with http:// or https://"},
	    {"https://user:pw@x.example", "user:pass@ is not allowed"},
	    {"https://x.example/vakt?a=b",
	        "a query (?) or fragment (#) is not allowed"},
	    {"https://x.example#top",
	        "a query (?) or fragment (#) is not allowed"},
	    {"https://", "the host is missing"},
	    {"https://:8080/", "the host is missing"},
	    {"https://x_y.example", "the host is not valid"},
	    {"https://[::g]/", "the host is not valid"},
	    {"https://x.example:0", "the port is not 1..65535"},
	    {"https://x.example:65536", "the port is not 1..65535"},
	    {"https://x.example:", "the port is not 1..65535"},
	    {"https://x.example/a b",
	        "only printable ASCII without spaces is allowed"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], want[512];
		struct run r;

		snprintf(text, sizeof(text),
		    "http = { public_url = \"%s\"; };\n" TWILIO_LINE
		        SERVICE_WITH(""),
		    cases[i].url);
		snprintf(want, sizeof(want),
		    "t.conf:1: http.public_url: \"%s\" is not a valid URL: %s",
		    cases[i].url, cases[i].why);
		run_text(&r, text);
		expect_errors(&r, (const char *const[]){want}, 1, cases[i].url);
		run_free(&r);
	}
}

Test(config, listen_must_be_an_ip_literal)
{
	static const struct err_case cases[] = {
	    {"host name",
	        "http = { public_url = \"http://127.0.0.1:8080\"; listen = "
	        "\"localhost\"; };\n" TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: http.listen: \"localhost\" is not an IPv4 or IPv6 "
	        "address"},
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(config, timezone_must_name_a_zone_file)
{
	static const struct err_case cases[] = {
	    {"climbs out", MINIMAL "timezone = \"../etc/passwd\";\n",
	        "t.conf:4: timezone: \"../etc/passwd\" is not a time zone "
	        "name like Europe/Oslo"},
	    {"absolute", MINIMAL "timezone = \"/etc/localtime\";\n",
	        "t.conf:4: timezone: \"/etc/localtime\" is not a time zone "
	        "name like Europe/Oslo"},
	    {"empty", MINIMAL "timezone = \"\";\n",
	        "t.conf:4: timezone: \"\" is not a time zone name like "
	        "Europe/Oslo"},
	};
	const char *tzdir = getenv("TZDIR");
	char want[PATH_MAX + 128];
	struct run r;

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	if (tzdir == NULL || *tzdir == '\0')
		tzdir = "/usr/share/zoneinfo";
	snprintf(want, sizeof(want),
	    "t.conf:4: timezone: \"Europe/Olso\" is not a time zone (no zone "
	    "file %s/Europe/Olso)",
	    tzdir);
	run_text(&r, MINIMAL "timezone = \"Europe/Olso\";\n");
	expect_errors(&r, (const char *const[]){want}, 1, "typo");
	run_free(&r);
}

Test(config, all_errors_are_reported_in_line_order)
{
	static const char *const want[] = {
	    "t.conf:1: outbox.retry_first: 0 is out of range 1..3600",
	    "t.conf:2: http.prot: unknown setting",
	    "t.conf:2: http.public_url: \"ftp://x\" is not a valid URL: it "
	    "must start with http:// or https://",
	    "t.conf:3: twilio.account_sid: \"AC12\" is not a Twilio account "
	    "SID (\"AC\" and 32 hex digits)",
	    "t.conf:4: services.[0].office_hours.days: \"mun\" is not a day "
	    "(mon tue wed thu fri sat sun)",
	    "t.conf:4: services.[0].beredskap: \"12345\" is not a phone "
	    "number " PHONE_HINT,
	};
	struct run r;

	run_text(&r,
	    "outbox = { retry_first = 0; };\n"
	    "http = { public_url = \"ftp://x\"; prot = 1; };\n"
	    "twilio = { account_sid = \"AC12\"; auth_token = "
	    "\"secret-token-1-0123456789abcdefghij\"; };\n"
	    "services = ( { id = \"due\"; name = \"DUE\"; "
	    "number = \"+4755000000\"; beredskap = \"12345\"; "
	    "office_hours = { days = [\"mun\"]; }; } );\n");
	expect_errors(&r, want, sizeof(want) / sizeof(want[0]), "several");
	run_free(&r);
}

/*
 * Reload.
 */

#define OSLO_DB                                                                \
	"database = \"/var/lib/vakt/vakt.db\";\n"                              \
	"timezone = \"Europe/Oslo\";\n"
#define REST TWILIO_LINE SERVICE_WITH("")

Test(config, restart_needed_lists_exactly_the_changed_restart_settings)
{
	static const struct {
		const char *name, *text;
		const char *want[4];
		size_t n;
	} cases[] = {
	    {"nothing changed", HTTP_LINE OSLO_DB REST, {NULL}, 0},
	    {"reloadable settings only",
	        "http = { public_url = \"https://x.example\"; max_body = "
	        "2048; };\n" OSLO_DB REST "outbox = { max_in_flight = 2; };\n",
	        {NULL}, 0},
	    {"port and timezone",
	        "http = { public_url = \"http://127.0.0.1:8080\"; port = 9090; "
	        "};\n"
	        "database = \"/var/lib/vakt/vakt.db\";\n"
	        "timezone = \"UTC\";\n" REST,
	        {"timezone: needs restart", "http.port: needs restart"}, 2},
	    {"listen and database",
	        "http = { public_url = \"http://127.0.0.1:8080\"; listen = "
	        "\"::1\"; };\n"
	        "database = \"/srv/vakt.db\";\n"
	        "timezone = \"Europe/Oslo\";\n" REST,
	        {"database: needs restart", "http.listen: needs restart"}, 2},
	};
	struct run old;

	run_text(&old, HTTP_LINE OSLO_DB REST);
	expect_ok(&old, "old");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vakt_strlist out = {0};
		struct run neu;
		size_t n;

		run_text(&neu, cases[i].text);
		expect_ok(&neu, cases[i].name);
		n = vakt_config_restart_needed(old.cfg, neu.cfg, &out);
		cr_expect_eq(n, cases[i].n, "%s", cases[i].name);
		cr_expect_eq(out.n, cases[i].n, "%s", cases[i].name);
		for (size_t j = 0; j < cases[i].n && j < out.n; j++)
			cr_expect_str_eq(
			    out.v[j], cases[i].want[j], "%s", cases[i].name);
		vakt_strlist_free(&out);
		run_free(&neu);
	}
	run_free(&old);
}

/*
 * Issue 10 C14: outside demo mode the Twilio token must be a real one:
 * not the example's demo token, and at least 32 characters.
 */

#define TWILIO_TOKEN(t)                                                        \
	"twilio = { account_sid = \"" SID "\"; auth_token = \"" t "\"; };\n"
#define DEMO_TOKEN "demo-auth-token-change-me"
#define TOKEN_31   "0123456789abcdef0123456789abcde"

Test(config, demo_or_short_twilio_token_is_refused_outside_demo_mode_issue10)
{
	static const struct err_case cases[] = {
	    {"demo token",
	        HTTP_LINE TWILIO_TOKEN(DEMO_TOKEN) SERVICE_WITH(""),
	        "t.conf:2: twilio.auth_token: is the demo token of the example "
	        "configuration: set the account's own auth token (or demo = "
	        "true; to try vakt out)"},
	    {"demo = false; demo token",
	        "demo = false;\n" TWILIO_TOKEN(DEMO_TOKEN) HTTP_LINE SERVICE_WITH(
	            ""),
	        "t.conf:2: twilio.auth_token: is the demo token of the example "
	        "configuration: set the account's own auth token (or demo = "
	        "true; to try vakt out)"},
	    {"31 characters", HTTP_LINE TWILIO_TOKEN(TOKEN_31) SERVICE_WITH(""),
	        "t.conf:2: twilio.auth_token: must be 32..256 printable ASCII "
	        "characters without spaces" TOKEN_HINT},
	    {"demo is not a string",
	        "demo = \"yes\";\n" HTTP_LINE TWILIO_LINE SERVICE_WITH(""),
	        "t.conf:1: demo: expected true or false"},
	};
	struct run r;

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	run_text(&r, HTTP_LINE TWILIO_TOKEN(TOKEN_31 "f") SERVICE_WITH(""));
	expect_ok(&r, "32 characters");
	cr_expect_not(r.cfg != NULL && r.cfg->demo);
	run_free(&r);
}

Test(config, demo_mode_accepts_the_demo_and_short_tokens_issue10)
{
	static const char *const texts[] = {
	    "demo = true;\n" HTTP_LINE TWILIO_TOKEN(DEMO_TOKEN) SERVICE_WITH(""),
	    "demo = true;\n" HTTP_LINE TWILIO_TOKEN("short-ok") SERVICE_WITH(""),
	};
	struct run r;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		run_text(&r, texts[i]);
		expect_ok(&r, texts[i]);
		cr_expect(r.cfg != NULL && r.cfg->demo, "%s", texts[i]);
		run_free(&r);
	}
	run_text(&r, "demo = true;\n" HTTP_LINE TWILIO_TOKEN("short") SERVICE_WITH(
	                 ""));
	cr_expect_eq(r.rc, -1, "8 characters at least, even in demo mode");
	run_free(&r);
}

Test(config, demo_token_in_a_token_file_is_refused_issue10)
{
	const struct file f[] = {
	    {"t.conf",
	        HTTP_LINE "twilio = { account_sid = \"" SID "\"; "
	                  "auth_token_file = \"token\"; };\n" SERVICE_WITH("")},
	    {"token", DEMO_TOKEN "\n"},
	};
	char want[2 * PATH_MAX];
	struct run r;

	run_files(&r, f, 2, "t.conf", false);
	snprintf(want, sizeof(want),
	    "t.conf:2: twilio.auth_token_file: %s/token holds the demo token "
	    "of the example configuration: set the account's own auth token "
	    "(or demo = true; to try vakt out)",
	    r.dir);
	expect_errors(&r, (const char *const[]){want}, 1, "demo token file");
	run_free(&r);
}

/*
 * The configuration `make install` installs: config/vakt.conf through
 * config/install.sed.  It must not be in demo mode and must read the
 * token from twilio-token next to it.
 */
static char *
installed_config(void)
{
	FILE *p = popen("sed -f config/install.sed config/vakt.conf", "r");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	char buf[4096];
	size_t n;

	cr_assert_not_null(p, "popen sed");
	cr_assert_not_null(out);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		cr_assert_eq(fwrite(buf, 1, n, out), n);
	cr_assert_eq(pclose(p), 0, "sed -f config/install.sed failed");
	cr_assert_eq(fclose(out), 0);
	return text;
}

Test(config, installed_config_is_not_demo_and_reads_the_token_file_issue10)
{
	char *text = installed_config();
	struct file f[] = {{"vakt.conf", text}, {"twilio-token", NULL}};
	char want[2 * PATH_MAX];
	struct run r;

	cr_assert_null(strstr(text, "\ndemo = true;"), "%s", text);
	cr_assert_null(strstr(text, DEMO_TOKEN "\";"), "%s", text);

	/* No token file yet: refused, naming the setting and the file. */
	run_files(&r, f, 1, "vakt.conf", false);
	cr_assert_eq(r.rc, -1);
	cr_assert_eq(r.errs.n, 1, "%s", r.errs.n > 0 ? r.errs.v[0] : "");
	snprintf(want, sizeof(want),
	    "twilio.auth_token_file: cannot read %s/twilio-token: No such "
	    "file or directory",
	    r.dir);
	cr_assert_not_null(strstr(r.errs.v[0], want), "%s", r.errs.v[0]);
	run_free(&r);

	/* The demo token in it: refused. */
	f[1].text = DEMO_TOKEN "\n";
	run_files(&r, f, 2, "vakt.conf", false);
	cr_assert_eq(r.rc, -1);
	run_free(&r);

	/* A real token: loads, not in demo mode. */
	f[1].text = "0123456789abcdef0123456789abcdef\n";
	run_files(&r, f, 2, "vakt.conf", false);
	expect_ok(&r, "installed config with a token file");
	cr_assert_not_null(r.cfg);
	cr_expect_not(r.cfg->demo);
	cr_expect_not(r.cfg->outbox.is_print, "the installed outbox sends");
	cr_expect_str_eq(
	    r.cfg->twilio.auth_token, "0123456789abcdef0123456789abcdef");
	cr_expect_str_eq(r.cfg->database, "/var/lib/vakt/vakt.db");
	run_free(&r);
	free(text);
}

/* Issue 10 C15: the API gets the credentials; http:// only on loopback. */
Test(config, api_url_allows_http_only_for_loopback_hosts_issue10)
{
	static const char *const ok[] = {"https://api.twilio.com",
	    "https://example.com:8443/x", "http://127.0.0.1:9",
	    "http://127.1.2.3", "http://127.255.255.254:80/p",
	    "http://localhost:8080", "http://LocalHost", "http://[::1]:9",
	    "http://[::1]"};
	static const char *const bad[] = {"http://api.twilio.com",
	    "http://10.0.0.1:9", "http://128.0.0.1", "http://126.0.0.1",
	    "http://[::2]:9", "http://[::ffff:8.8.8.8]",
	    "http://localhost.example.com", "http://127.0.0.1.example.com",
	    "http://0.0.0.0:9", "http://127"};
	char text[1024], want[512];
	struct run r;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text),
		    HTTP_LINE "twilio = { account_sid = \"" SID
		              "\"; auth_token = \"secret-token-1-0123456789abcdef"
		              "ghij\"; api_url = \"%s\"; };\n" SERVICE_WITH(""),
		    ok[i]);
		run_text(&r, text);
		expect_ok(&r, ok[i]);
		run_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    HTTP_LINE "twilio = { account_sid = \"" SID
		              "\"; auth_token = \"secret-token-1-0123456789abcdef"
		              "ghij\"; api_url = \"%s\"; };\n" SERVICE_WITH(""),
		    bad[i]);
		snprintf(want, sizeof(want),
		    "t.conf:2: twilio.api_url: \"%s\" must use https:// "
		    "(http:// is allowed only for a loopback host: "
		    "127.0.0.0/8, ::1 or localhost)",
		    bad[i]);
		run_text(&r, text);
		expect_errors(&r, (const char *const[]){want}, 1, bad[i]);
		run_free(&r);
	}
}
