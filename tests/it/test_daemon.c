#define _GNU_SOURCE /* asprintf */
/*
 * test_daemon.c: vaktd's skeleton, driven from outside as an operator
 * and Twilio see it.  --check-config, databases that cannot be opened,
 * migrations of an old database, the HTTP limits, /healthz and
 * /metrics, SIGHUP reloads (good and refused), SIGTERM with a request
 * in flight, and what the log may and may not contain.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>

#include "helpers.h"
#include "vakt/store.h"

#define CALL_SID "CA0123456789abcdef0123456789abcdef"

/*
 * The standard test configuration (as vt_config() writes it) with
 * another database, extra http settings and another beredskap, which
 * vt_config() cannot vary.  NULL keeps the standard value.
 */
static char *
conf_make(const char *database, const char *http_extra,
    const char *beredskap)
{
	char *s;

	cr_assert(asprintf(&s,
	    "timezone = \"Europe/Oslo\";\n"
	    "database = \"%s\";\n"
	    "http = { listen = \"127.0.0.1\"; port = 0; "
	    "public_url = \"" VT_PUBLIC "\"; %s };\n"
	    "twilio = { account_sid = \"" VT_SID "\"; "
	    "auth_token = \"" VT_TOKEN "\"; api_url = \"http://127.0.0.1:9\"; };\n"
	    "services = ( {\n"
	    "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	    "  beredskap = \"%s\";\n"
	    "  fallback = \"" VT_FALLBACK "\";\n"
	    "} );\n",
	    database != NULL ? database : "vakt.db",
	    http_extra != NULL ? http_extra : "",
	    beredskap != NULL ? beredskap : VT_BEREDSKAP) > 0);
	return s;
}

static char *
conf_http(const char *http_extra, const char *beredskap)
{
	return conf_make(NULL, http_extra, beredskap);
}

/* Start vaktd on conf in a fresh folder (*dir, caller frees). */
static void
start(struct vt_daemon *d, char **dir, const char *conf)
{
	*dir = vt_tmpdir();
	if (vt_daemon_start(d, *dir, conf) != 0) {
		char *log = vt_daemon_log(d);

		cr_assert_fail("vaktd did not start: %s", log);
	}
}

static void
finish(struct vt_daemon *d, char *dir)
{
	cr_assert_eq(vt_daemon_stop(d), 0, "SIGTERM exits 0");
	vt_daemon_free(d);
	vt_rmrf(dir);
	free(dir);
}

static void
get(struct vt_resp *r, const struct vt_daemon *d, const char *method,
    const char *path)
{
	char *url;

	cr_assert(asprintf(&url, "%s%s", d->url, path) > 0);
	vt_http(r, method, url, NULL, NULL);
	free(url);
}

/* The value of the sample "series" (name{labels}) in /metrics, or -1. */
static double
metric(const struct vt_daemon *d, const char *series)
{
	struct vt_resp r;
	size_t n = strlen(series);
	double v = -1;

	get(&r, d, "GET", "/metrics");
	cr_assert_eq(r.status, 200);
	for (const char *p = r.body; p != NULL && *p != '\0';) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			v = strtod(p + n + 1, NULL);
			break;
		}
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	vt_resp_free(&r);
	return v;
}

/* vaktd or vaktctl with args (NULL-terminated) and nothing on stdin. */
static void
run(struct vt_run *r, const char *prog, const char *a0, const char *a1,
    const char *a2, const char *a3, const char *a4)
{
	char *bin = vt_bin(prog);
	const char *argv[] = {bin, a0, a1, a2, a3, a4, NULL};

	vt_run(r, NULL, argv);
	free(bin);
}

/* The TwiML answer to a call rings number first. */
static void
assert_dials_first(const char *twiml, const char *number)
{
	const char *p = strstr(twiml, "</Number>");

	cr_assert_not_null(p, "no <Number> in %s", twiml);
	cr_assert_geq(p - twiml, (long)strlen(number));
	cr_assert_eq(strncmp(p - strlen(number), number, strlen(number)), 0,
	    "want %s first in %s", number, twiml);
}

static const char *const unknown_call[] = {"CallSid", CALL_SID, "From",
    "+4791919191", "To", VT_SERVICE, "CallStatus", "ringing", NULL};

/* ------------------------------------------------------------------ */
/* --check-config */

Test(daemon, check_config_prints_ok_and_exits_0_for_a_good_file)
{
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf");
	char *text = vt_config(NULL, NULL, NULL);
	struct vt_run r;

	vt_write(conf, text);
	run(&r, "vaktd", "--check-config", "-c", conf, NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "ok\n");
	cr_assert_str_eq(r.err, "");
	vt_run_free(&r);
	/* It checks only: no database appears. */
	free(text);
	text = vt_path(dir, "vakt.db");
	cr_assert_eq(access(text, F_OK), -1, "%s was created", text);
	vt_rmrf(dir);
	free(dir);
	free(conf);
	free(text);
}

Test(daemon, check_config_lists_every_error_as_file_line_path_and_exits_78)
{
	static const char body[] =
	    "timezone = \"Europe/Oslo\";\n"                              /* 1 */
	    "database = \"vakt.db\";\n"                                  /* 2 */
	    "http = { listen = \"127.0.0.1\"; port = 0;\n"               /* 3 */
	    "  public_url = \"" VT_PUBLIC "\"; max_bodyy = 1024; };\n"   /* 4 */
	    "twilio = { account_sid = \"" VT_SID "\";\n"                 /* 5 */
	    "  auth_token = \"" VT_TOKEN "\"; };\n"                      /* 6 */
	    "services = ( {\n"                                           /* 7 */
	    "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	    "  beredskap = \"9000\";\n"                                  /* 9 */
	    "  office_hours = { open = \"8:0\"; };\n"                    /* 10 */
	    "} );\n"                                                     /* 11 */
	    "colour = \"blue\";\n";                                      /* 12 */
	static const char *const want[] = {
	    ":4: http.max_bodyy: unknown setting\n",
	    ":9: services.[0].beredskap: \"9000\" is not a phone number",
	    ":10: services.[0].office_hours.open: \"8:0\" is not HH:MM\n",
	    ":12: colour: unknown setting\n",
	};
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf"), *line;
	struct vt_run r;
	size_t n_lines = 0;

	vt_write(conf, body);
	run(&r, "vaktd", "--check-config", "-c", conf, NULL, NULL);
	cr_assert_eq(r.status, 78, "%s", r.err);
	cr_assert_str_eq(r.out, "", "no \"ok\"");
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		cr_assert(asprintf(&line, "%s%s", conf, want[i]) > 0);
		cr_assert_not_null(strstr(r.err, line), "want \"%s\" in:\n%s",
		    line, r.err);
		free(line);
	}
	for (const char *p = r.err; (p = strchr(p, '\n')) != NULL; p++)
		n_lines++;
	cr_assert_eq(n_lines, sizeof(want) / sizeof(*want),
	    "one line per error:\n%s", r.err);
	vt_run_free(&r);

	/* A syntax error is named with its line too. */
	vt_write(conf, "timezone = \"Europe/Oslo\";\nhttp = { port = ; };\n");
	run(&r, "vaktd", "--check-config", "-c", conf, NULL, NULL);
	cr_assert_eq(r.status, 78, "%s", r.err);
	cr_assert(asprintf(&line, "%s:2: ", conf) > 0);
	cr_assert_not_null(strstr(r.err, line), "%s", r.err);
	free(line);
	vt_run_free(&r);

	/* So is a file that is not there, and vaktd itself exits 78 too. */
	run(&r, "vaktd", "-c", "/nonexistent/vakt.conf", NULL, NULL, NULL);
	cr_assert_eq(r.status, 78, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "/nonexistent/vakt.conf"), "%s",
	    r.err);
	vt_run_free(&r);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}

/* ------------------------------------------------------------------ */
/* The database */

static void
assert_db_refused(const char *dir, const char *database, const char *why)
{
	char *conf = vt_path(dir, "vakt.conf"), *text;
	struct vt_run r;

	text = conf_make(database, NULL, NULL);
	vt_write(conf, text);
	run(&r, "vaktd", "-c", conf, NULL, NULL, NULL);
	cr_assert_eq(r.status, 74, "%s: exit %d: %s", database, r.status,
	    r.err);
	cr_assert_not_null(strstr(r.err, database), "names the path: %s",
	    r.err);
	cr_assert_not_null(strstr(r.err, why), "SQLite's reason: %s", r.err);
	cr_assert_null(strstr(r.err, "listening"), "%s", r.err);
	vt_run_free(&r);
	free(conf);
	free(text);
}

Test(daemon, a_database_that_cannot_be_opened_exits_74_naming_path_and_reason)
{
	char *dir = vt_tmpdir(), *junk = vt_path(dir, "junk.db");
	char *newer = vt_path(dir, "newer.db"), *sql;
	sqlite3 *db;

	/* A missing file is not created (issue 10): see below. */
	assert_db_refused(dir, "/nonexistent/dir/vakt.db", "no database");
	vt_write(junk, "This is a text file, not an SQLite database.  It is "
		       "long enough to have a header that SQLite reads.\n");
	assert_db_refused(dir, junk, "file is not a database");

	/* A database from a newer vakt is left alone. */
	cr_assert_eq(sqlite3_open(newer, &db), SQLITE_OK);
	cr_assert(asprintf(&sql, "CREATE TABLE t (x); PRAGMA user_version = "
				 "%d;", VAKT_STORE_VERSION + 1) > 0);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_db_refused(dir, newer, "newer");
	free(sql);
	free(junk);
	free(newer);
	vt_rmrf(dir);
	free(dir);
}

/* Migration 1 of daemon/store.c, as a version-1 vakt wrote it. */
static const char schema_v1[] =
    "CREATE TABLE coordinators ("
    " id TEXT PRIMARY KEY NOT NULL, service TEXT NOT NULL,"
    " name TEXT NOT NULL, phone TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX coordinators_service_phone ON coordinators (service, phone);"
    "CREATE TABLE youths ("
    " id TEXT PRIMARY KEY NOT NULL, service TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL,"
    " coordinator TEXT NOT NULL REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL, UNIQUE (service, phone));"
    "CREATE INDEX youths_coordinator ON youths (coordinator);"
    "CREATE TABLE absences ("
    " id INTEGER PRIMARY KEY,"
    " coordinator TEXT NOT NULL"
    "  REFERENCES coordinators (id) ON DELETE CASCADE,"
    " from_date INTEGER NOT NULL, to_date INTEGER NOT NULL,"
    " substitute TEXT REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL, CHECK (from_date <= to_date));"
    "CREATE INDEX absences_coordinator_to ON absences (coordinator, to_date);"
    "CREATE INDEX absences_substitute ON absences (substitute);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '');"
    "INSERT INTO coordinators VALUES"
    " ('kari', 'due', 'Kari Nordmann', '+4791234567', 1700000000000);"
    "INSERT INTO youths VALUES"
    " ('U-1', 'due', 'Åse', '+4798765432', 'kari', 1700000000000);"
    "PRAGMA user_version = 1;";

static int
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

Test(daemon, vaktd_migrates_a_version_1_database_and_keeps_its_rows)
{
	char *dir = vt_tmpdir(), *path = vt_path(dir, "vakt.db");
	char *conf = vt_config(NULL, NULL, NULL);
	struct vt_daemon d;
	struct vt_run r;
	sqlite3 *db;
	json_t *j;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, schema_v1, NULL, NULL, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_close(db);

	cr_assert_eq(vt_daemon_start(&d, dir, conf), 0, "%s", vt_daemon_log(&d));
	cr_assert_eq(vt_daemon_stop(&d), 0);

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(query_int(db, "PRAGMA user_version"), VAKT_STORE_VERSION);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM coordinators WHERE "
				   "id = 'kari' AND phone = '+4791234567'"),
	    1);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM youths WHERE id = "
				   "'U-1' AND coordinator = 'kari'"),
	    1);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
				   "name IN ('contacts', 'legs', 'outbox')"),
	    3);
	sqlite3_close(db);

	/* vaktctl reads the kept rows. */
	run(&r, "vaktctl", "-c", d.conf, "youth", "list", "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = json_loads(r.out, 0, NULL);
	cr_assert_eq(json_array_size(j), 1, "%s", r.out);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j,
	    0), "name")), "Åse");
	json_decref(j);
	vt_run_free(&r);
	vt_daemon_free(&d);
	vt_rmrf(dir);
	free(dir);
	free(path);
	free(conf);
}

/* ------------------------------------------------------------------ */
/* HTTP */

Test(daemon, healthz_answers_ok_and_metrics_count_requests_by_path_and_code)
{
	char *dir, *conf = vt_config(NULL, NULL, NULL);
	struct vt_daemon d;
	struct vt_resp r;
	struct vt_run v;
	char *want;

	start(&d, &dir, conf);
	for (int i = 0; i < 3; i++) {
		get(&r, &d, "GET", "/healthz");
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(r.body, "ok\n");
		vt_resp_free(&r);
	}
	get(&r, &d, "HEAD", "/healthz");
	cr_assert_eq(r.status, 200);
	vt_resp_free(&r);
	get(&r, &d, "GET", "/nope");
	cr_assert_eq(r.status, 404);
	vt_resp_free(&r);
	get(&r, &d, "GET", "/twilio/voice");
	cr_assert_eq(r.status, 405);
	vt_resp_free(&r);

	get(&r, &d, "GET", "/metrics");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.headers, "text/plain; version=0.0.4"),
	    "%s", r.headers);
	/* Prometheus text: comments, or "name{labels} value". */
	for (char *line = strtok(r.body, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');

		if (line[0] == '#') {
			cr_assert(strncmp(line, "# HELP ", 7) == 0 ||
				strncmp(line, "# TYPE ", 7) == 0,
			    "%s", line);
			continue;
		}
		cr_assert(isalpha((unsigned char)line[0]), "%s", line);
		cr_assert_not_null(sp, "%s", line);
		cr_assert(isdigit((unsigned char)sp[1]), "%s", line);
	}
	vt_resp_free(&r);

	run(&v, "vaktd", "--version", NULL, NULL, NULL, NULL);
	cr_assert_eq(v.status, 0);
	cr_assert(asprintf(&want, "vakt_build_info{version=\"%.*s\"}",
	    (int)strcspn(v.out + 6, "\n"), v.out + 6) > 0);
	cr_assert_eq(metric(&d, want), 1, "%s", want);
	free(want);
	vt_run_free(&v);
	cr_assert_geq(metric(&d, "vakt_uptime_seconds"), 0);
	cr_assert_eq(metric(&d,
	    "vakt_http_requests_total{path=\"/healthz\",code=\"200\"}"), 4);
	cr_assert_eq(metric(&d,
	    "vakt_http_requests_total{path=\"other\",code=\"404\"}"), 1);
	cr_assert_eq(metric(&d,
	    "vakt_http_requests_total{path=\"/twilio/voice\",code=\"405\"}"),
	    1);
	/* The six /metrics requests before this one count too. */
	cr_assert_eq(metric(&d,
	    "vakt_http_requests_total{path=\"/metrics\",code=\"200\"}"), 6);
	finish(&d, dir);
	free(conf);
}

Test(daemon, unknown_paths_get_404_and_wrong_methods_405_with_allow)
{
	static const struct {
		const char *method, *path, *allow;
		long status;
	} cases[] = {
	    {"GET", "/", NULL, 404},
	    {"GET", "/healthz/", NULL, 404},
	    {"POST", "/twilio/nope", NULL, 404},
	    {"GET", "/twilio/voice", "\nAllow: POST\r\n", 405},
	    {"PUT", "/twilio/voice/status", "\nAllow: POST\r\n", 405},
	    {"POST", "/healthz", "\nAllow: GET, HEAD\r\n", 405},
	    {"DELETE", "/metrics", "\nAllow: GET\r\n", 405},
	    {"HEAD", "/metrics", "\nAllow: GET\r\n", 405},
	};
	char *dir, *conf = vt_config(NULL, NULL, NULL);
	struct vt_daemon d;
	struct vt_resp r;

	start(&d, &dir, conf);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		get(&r, &d, cases[i].method, cases[i].path);
		cr_assert_eq(r.status, cases[i].status, "%s %s: %ld",
		    cases[i].method, cases[i].path, r.status);
		if (cases[i].allow != NULL)
			cr_assert_not_null(strstr(r.headers, cases[i].allow),
			    "%s %s: %s", cases[i].method, cases[i].path,
			    r.headers);
		vt_resp_free(&r);
	}
	finish(&d, dir);
	free(conf);
}

/* A well-formed, unsigned form body of n bytes POSTed to path. */
static long
post_size(const struct vt_daemon *d, const char *path, size_t n)
{
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded",
	    NULL};
	char *body = malloc(n + 1), *url;
	struct vt_resp r;
	long status;

	cr_assert_geq(n, 2);
	memset(body, 'a', n);
	memcpy(body, "a=", 2);
	body[n] = '\0';
	cr_assert(asprintf(&url, "%s%s", d->url, path) > 0);
	vt_http(&r, "POST", url, body, h);
	status = r.status;
	vt_resp_free(&r);
	free(url);
	free(body);
	return status;
}

Test(daemon, a_body_over_max_body_gets_413_and_one_at_it_is_read)
{
	char *dir, *conf = conf_http("max_body = 2048;", NULL);
	struct vt_daemon d;

	start(&d, &dir, conf);
	cr_assert_eq(post_size(&d, "/twilio/voice", 2049), 413);
	cr_assert_eq(post_size(&d, "/twilio/voice", 100000), 413);
	/* At the limit the body is read: unsigned, so refused with 403. */
	cr_assert_eq(post_size(&d, "/twilio/voice", 2048), 403);
	cr_assert(vt_daemon_wait_log(&d, "refused", 2000));
	finish(&d, dir);
	free(conf);
}

/* A socket connected to the daemon, with a 5 s receive timeout. */
static int
dial(const struct vt_daemon *d)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	sa.sin_port = htons((uint16_t)d->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
	    0);
	return fd;
}

static void
send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		cr_assert_gt(n, 0, "send failed");
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Read one HTTP response (headers and a Content-Length body) into buf.
 * Returns its status, or 0 if the connection closed first.
 */
static int
read_response(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	const char *end = NULL, *cl;
	size_t want = 0;

	buf[0] = '\0';
	for (;;) {
		ssize_t n;

		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = strcasestr(buf, "Content-Length:");
			want = (size_t)(end + 4 - buf) +
			    (cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10)
						    : 0);
		}
		if (end != NULL && got >= want)
			break;
		cr_assert_lt(got + 1, cap, "response too long");
		n = recv(fd, buf + got, cap - got - 1, 0);
		if (n <= 0)
			return 0;
		got += (size_t)n;
		buf[got] = '\0';
	}
	return atoi(buf + 9);
}

Test(daemon, a_header_block_over_max_headers_is_refused_and_vaktd_lives_on)
{
	char *dir, *conf = conf_http("max_headers = 1024;", NULL);
	char big[4096], *hdr;
	const char *h[2];
	struct vt_daemon d;
	struct vt_resp r;

	start(&d, &dir, conf);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert(asprintf(&hdr, "X-Big: %s", big) > 0);
	h[0] = hdr;
	h[1] = NULL;
	{
		char *url;

		cr_assert(asprintf(&url, "%s/healthz", d.url) > 0);
		vt_http(&r, "GET", url, NULL, h);
		free(url);
	}
	cr_assert(r.status >= 400 && r.status < 500, "status %ld", r.status);
	vt_resp_free(&r);
	get(&r, &d, "GET", "/healthz");
	cr_assert_eq(r.status, 200);
	vt_resp_free(&r);
	free(hdr);
	finish(&d, dir);
	free(conf);
}

/*
 * At max_connections a newcomer is not refused: the oldest connection
 * waiting for a request gives way (the old 503 let idle keep-alive
 * connections keep every webhook out).
 */
Test(daemon, at_max_connections_the_oldest_waiting_connection_gives_way_issue10)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	char *dir, *conf = conf_http("max_connections = 2;", NULL);
	struct vt_daemon d;
	char buf[4096];
	int fd[3];

	start(&d, &dir, conf);
	/* Two keep-alive connections, served and now waiting. */
	for (int i = 0; i < 2; i++) {
		fd[i] = dial(&d);
		send_all(fd[i], req);
		cr_assert_eq(read_response(fd[i], buf, sizeof(buf)), 200,
		    "connection %d: %s", i, buf);
	}
	fd[2] = dial(&d);
	send_all(fd[2], req);
	cr_assert_eq(read_response(fd[2], buf, sizeof(buf)), 200, "%s", buf);
	/* The oldest was closed for it; the second is still served. */
	cr_assert_eq(read_response(fd[0], buf, sizeof(buf)), 0, "%s", buf);
	send_all(fd[1], req);
	cr_assert_eq(read_response(fd[1], buf, sizeof(buf)), 200, "%s", buf);
	for (int i = 0; i < 3; i++)
		close(fd[i]);
	/* (This request's own connection may evict one more.) */
	cr_assert_geq(metric(&d,
	    "vakt_http_connections_closed_total{reason=\"evicted\"}"), 1);
	finish(&d, dir);
	free(conf);
}

Test(daemon, a_connection_that_stalls_mid_request_is_closed_after_the_timeout)
{
	char *dir, *conf = conf_http("timeout = 1;", NULL);
	struct vt_daemon d;
	struct vt_resp r;
	char buf[4096];
	int fd;
	struct timespec t0, t1;
	ssize_t n;
	long ms;

	start(&d, &dir, conf);
	fd = dial(&d);
	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &t0), 0);
	send_all(fd, "POST /twilio/voice HTTP/1.1\r\nHost: x\r\n");
	/* vaktd closes it, perhaps after a 408; recv() gives up after 5 s. */
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &t1), 0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cr_assert_eq(n, 0, "closed by vaktd, not timed out here");
	cr_assert(ms >= 500 && ms < 4000, "closed after %ld ms", ms);
	close(fd);
	get(&r, &d, "GET", "/healthz");
	cr_assert_eq(r.status, 200);
	vt_resp_free(&r);
	finish(&d, dir);
	free(conf);
}

/* ------------------------------------------------------------------ */
/* SIGHUP */

/* The audit trail, read with vaktctl through conf. */
static json_t *
audit_rows(const char *conf)
{
	struct vt_run r;
	json_t *j;

	run(&r, "vaktctl", "-c", conf, "audit", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = json_loads(r.out, 0, NULL);
	cr_assert(json_is_array(j), "%s", r.out);
	vt_run_free(&r);
	return j;
}

static size_t
count_action(json_t *rows, const char *action)
{
	size_t i, n = 0;
	json_t *o;

	json_array_foreach(rows, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "action")),
			action) == 0)
			n++;
	}
	return n;
}

Test(daemon, sighup_with_a_good_config_swaps_it_in_and_audits_the_reload)
{
	char *dir, *conf = conf_http(NULL, NULL);
	char *neu = conf_http("max_body = 1024;", "+4790000001");
	struct vt_daemon d;
	struct vt_resp r;
	json_t *rows, *o = NULL;
	size_t i;

	start(&d, &dir, conf);
	vt_twilio_post(&r, &d, "/twilio/voice", unknown_call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	assert_dials_first(r.body, VT_BEREDSKAP);
	vt_resp_free(&r);
	cr_assert_eq(post_size(&d, "/twilio/voice", 2000), 403);

	vt_write(d.conf, neu);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert(vt_daemon_wait_log(&d, "<6>config: reloaded", 5000), "%s",
	    vt_daemon_log(&d));
	cr_assert_eq(metric(&d, "vakt_config_reloads_total{result=\"ok\"}"), 1);
	cr_assert_eq(metric(&d,
	    "vakt_config_reloads_total{result=\"refused\"}"), 0);

	/* The new beredskap takes new calls, and the new limit holds. */
	vt_twilio_post(&r, &d, "/twilio/voice",
	    (const char *const[]){"CallSid",
		"CA0123456789abcdef0123456789abcde2", "From", "+4791919191",
		"To", VT_SERVICE, "CallStatus", "ringing", NULL});
	cr_assert_eq(r.status, 200, "%s", r.body);
	assert_dials_first(r.body, "+4790000001");
	vt_resp_free(&r);
	cr_assert_eq(post_size(&d, "/twilio/voice", 2000), 413);

	rows = audit_rows(d.conf);
	json_array_foreach(rows, i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "action")),
			"config.reload") == 0)
			break;
	}
	cr_assert_lt(i, json_array_size(rows), "no config.reload row");
	cr_assert_str_eq(json_string_value(json_object_get(o, "actor")),
	    "vaktd");
	cr_assert_str_eq(json_string_value(json_object_get(o, "subject")),
	    d.conf);
	cr_assert_eq(count_action(rows, "config.reload"), 1);
	json_decref(rows);
	finish(&d, dir);
	free(conf);
	free(neu);
}

Test(daemon, sighup_with_a_bad_config_is_refused_and_the_old_one_kept)
{
	char *dir, *conf = conf_http(NULL, NULL), *bad, *want, *good;
	struct vt_daemon d;
	struct vt_resp r;
	json_t *rows;

	start(&d, &dir, conf);
	bad = conf_http("max_body = 1024; colour = 1;", "123");
	vt_write(d.conf, bad);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert(vt_daemon_wait_log(&d, "reload refused", 5000), "%s",
	    vt_daemon_log(&d));
	/* Every error is logged, each with file, line and setting. */
	cr_assert(asprintf(&want, "<3>config: %s:3: http.colour: unknown "
				  "setting", d.conf) > 0);
	cr_assert(vt_daemon_wait_log(&d, want, 0), "want %s in %s", want,
	    vt_daemon_log(&d));
	free(want);
	cr_assert(asprintf(&want, "<3>config: %s:7: services.[0].beredskap: ",
	    d.conf) > 0);
	cr_assert(vt_daemon_wait_log(&d, want, 0), "want %s in %s", want,
	    vt_daemon_log(&d));
	free(want);
	cr_assert_eq(metric(&d,
	    "vakt_config_reloads_total{result=\"refused\"}"), 1);
	cr_assert_eq(metric(&d, "vakt_config_reloads_total{result=\"ok\"}"), 0);

	/* Still routing, by the old configuration. */
	vt_twilio_post(&r, &d, "/twilio/voice", unknown_call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	assert_dials_first(r.body, VT_BEREDSKAP);
	vt_resp_free(&r);
	cr_assert_eq(post_size(&d, "/twilio/voice", 2000), 403, "old limit");
	/* vaktctl reads the same database through a good copy. */
	good = vt_path(dir, "good.conf");
	vt_write(good, conf);
	rows = audit_rows(good);
	cr_assert_eq(count_action(rows, "config.reload"), 0);
	json_decref(rows);

	/* Fixed and reloaded again, it goes through. */
	vt_write(d.conf, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	cr_assert(vt_daemon_wait_log(&d, "config: reloaded", 5000));
	cr_assert_eq(metric(&d, "vakt_config_reloads_total{result=\"ok\"}"), 1);
	finish(&d, dir);
	free(conf);
	free(bad);
	free(good);
}

/* ------------------------------------------------------------------ */
/* SIGTERM */

static int
wait_exit(pid_t pid, int ms)
{
	int st;

	for (int waited = 0; waited < ms; waited += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		vt_msleep(10);
	}
	return -1;
}

/*
 * The request is held in its handler by a database lock (vaktd waits
 * busy_timeout_ms for it, then routes by the safety plan); SIGTERM
 * arrives meanwhile.  The caller still gets the answer, then vaktd
 * exits 0.
 */
Test(daemon, sigterm_answers_the_request_in_flight_then_exits_0)
{
	char *dir, *conf = conf_http("busy_timeout_ms = 1500;", NULL);
	char *path, *body, *sig, *req, buf[8192];
	struct vt_daemon d;
	sqlite3 *db;
	int fd;

	start(&d, &dir, conf);
	path = vt_path(dir, "vakt.db");
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK, "%s", sqlite3_errmsg(db));

	body = vt_form(unknown_call);
	sig = vt_twilio_sign(VT_TOKEN, VT_PUBLIC "/twilio/voice", unknown_call);
	cr_assert(asprintf(&req,
	    "POST /twilio/voice HTTP/1.1\r\nHost: vakt.test\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "X-Twilio-Signature: %s\r\nContent-Length: %zu\r\n\r\n%s",
	    sig, strlen(body), body) > 0);
	fd = dial(&d);
	send_all(fd, req);
	/* Well inside the 1.5 s that the handler waits for the lock. */
	vt_msleep(300);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	cr_assert_eq(read_response(fd, buf, sizeof(buf)), 200, "%s", buf);
	assert_dials_first(buf, VT_BEREDSKAP);
	close(fd);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);

	cr_assert_eq(wait_exit(d.pid, 10000), 0, "%s", vt_daemon_log(&d));
	d.pid = -1;
	cr_assert(vt_daemon_wait_log(&d, "<6>vaktd: SIGTERM received", 0));
	cr_assert(vt_daemon_wait_log(&d, "all requests answered", 0));
	vt_daemon_free(&d);
	vt_rmrf(dir);
	free(dir);
	free(conf);
	free(path);
	free(body);
	free(sig);
	free(req);
}

/* ------------------------------------------------------------------ */
/* The log */

Test(daemon, log_lines_carry_journald_priorities_and_never_a_full_number)
{
	static const char *const numbers[] = {"98765432", "91234567",
	    "90000000", "55555555", "91919191"};
	const char *call[] = {"CallSid", CALL_SID, "From", "+4798765432", "To",
	    VT_SERVICE, "CallStatus", "ringing", NULL};
	const char *unknown[] = {"CallSid", "CA0123456789abcdef0123456789abcde2",
	    "From", "+4791919191", "To", VT_SERVICE, "CallStatus", "ringing",
	    NULL};
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded",
	    "X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL};
	char *dir, *conf = vt_config(NULL, NULL, NULL), *log, *url, *form;
	struct vt_daemon d;
	struct vt_resp r;
	struct vt_run v;

	start(&d, &dir, conf);
	{
		char *bin = vt_bin("vaktctl");
		const char *a1[] = {bin, "-c", d.conf, "coordinator", "add",
		    "kari", "--name", "Kari", "--phone", "91234567", NULL};
		const char *a2[] = {bin, "-c", d.conf, "youth", "add", "U-1",
		    "--phone", "98765432", "--coordinator", "kari", NULL};

		vt_run(&v, NULL, a1);
		cr_assert_eq(v.status, 0, "%s", v.err);
		vt_run_free(&v);
		vt_run(&v, NULL, a2);
		cr_assert_eq(v.status, 0, "%s", v.err);
		vt_run_free(&v);
		free(bin);
	}
	vt_twilio_post(&r, &d, "/twilio/voice", call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	vt_twilio_post(&r, &d, "/twilio/voice", unknown);
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);
	/* A forged webhook is a warning. */
	form = vt_form(call);
	cr_assert(asprintf(&url, "%s/twilio/voice", d.url) > 0);
	vt_http(&r, "POST", url, form, h);
	cr_assert_eq(r.status, 403);
	vt_resp_free(&r);
	cr_assert_eq(vt_daemon_stop(&d), 0);

	log = vt_daemon_log(&d);
	for (char *p = log; *p != '\0'; p = strchr(p, '\n') + 1) {
		cr_assert(p[0] == '<' && p[1] >= '0' && p[1] <= '7' &&
			p[2] == '>',
		    "no priority: %.80s", p);
		cr_assert_not_null(strchr(p, '\n'), "unterminated: %s", p);
	}
	cr_assert_not_null(strstr(log, "<6>http: POST /twilio/voice 200"),
	    "%s", log);
	cr_assert_not_null(strstr(log, "<4>twilio: /twilio/voice refused"),
	    "%s", log);
	cr_assert_not_null(strstr(log, "+47*****432"), "masked: %s", log);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(*numbers); i++)
		cr_assert_null(strstr(log, numbers[i]), "%s in the log:\n%s",
		    numbers[i], log);
	free(log);
	free(form);
	free(url);
	vt_daemon_free(&d);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}

/*
 * Issue 10 C14: vaktd refuses the example's demo Twilio token (exit 78,
 * naming file:line and the setting) unless the file says demo = true;,
 * and a demo vaktd says so loudly at start.
 */
#define DEMO_CONF(top)                                                   \
	top "database = \"vakt.db\";\n"                                  \
	    "http = { listen = \"127.0.0.1\"; port = 0; "                \
	    "public_url = \"" VT_PUBLIC "\"; };\n"                       \
	    "twilio = { account_sid = \"" VT_SID "\";\n"                 \
	    "  auth_token = \"demo-auth-token-change-me\"; "             \
	    "api_url = \"http://127.0.0.1:9\"; };\n"                     \
	    "services = ( { id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE \
	    "\"; beredskap = \"" VT_BEREDSKAP "\"; } );\n"

/*
 * outbox.print puts message bodies on the terminal: vaktd refuses it
 * (exit 78, naming the setting) unless the file says demo = true;.
 */
Test(daemon, outbox_print_is_refused_with_78_without_demo_mode,
    .timeout = 60)
{
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf");
	char *text = vt_config(NULL, NULL, "outbox = { print = true; };\n");
	struct vt_run r;

	vt_write(conf, text);
	run(&r, "vaktd", "-c", conf, NULL, NULL, NULL);
	cr_assert_eq(r.status, 78, "exit %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "outbox.print: "), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "demo = true;"), "%s", r.err);
	vt_run_free(&r);
	run(&r, "vaktd", "--check-config", "-c", conf, NULL, NULL);
	cr_assert_eq(r.status, 78, "exit %d: %s", r.status, r.err);
	vt_run_free(&r);
	free(text);

	/* With demo = true; the same file is fine. */
	text = vt_config(
	    NULL, NULL, "demo = true;\noutbox = { print = true; };\n");
	vt_write(conf, text);
	run(&r, "vaktd", "--check-config", "-c", conf, NULL, NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	vt_run_free(&r);
	free(text);
	free(conf);
	vt_rmrf(dir);
	free(dir);
}

Test(daemon, demo_token_is_refused_with_78_unless_demo_mode_which_warns_issue10,
    .timeout = 120)
{
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf"), *want;
	char *ddir, *log;
	struct vt_daemon d;
	struct vt_run r;

	vt_write(conf, DEMO_CONF(""));
	run(&r, "vaktd", "-c", conf, NULL, NULL, NULL);
	cr_assert_eq(r.status, 78, "exit %d: %s", r.status, r.err);
	cr_assert(asprintf(&want, "%s:4: twilio.auth_token: is the demo token",
	              conf) > 0);
	cr_assert_not_null(strstr(r.err, want), "%s", r.err);
	cr_assert_null(strstr(r.err, "demo-auth-token-change-me"),
	    "the token is never echoed: %s", r.err);
	free(want);
	vt_run_free(&r);

	start(&d, &ddir, DEMO_CONF("demo = true;\n"));
	cr_assert(vt_daemon_wait_log(&d, "<4>vaktd: DEMO MODE", 10000),
	    "no demo warning");
	finish(&d, ddir);

	/* The standard test configuration is not a demo. */
	log = vt_config(NULL, NULL, NULL);
	start(&d, &ddir, log);
	free(log);
	log = vt_daemon_log(&d);
	cr_assert_null(strstr(log, "DEMO MODE"), "%s", log);
	free(log);
	finish(&d, ddir);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}

/* ------------------------------------------------------------------ */
/* A lost database (issue 10, B9) */

/* How many times needle occurs in hay. */
static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * vaktd never makes an empty database in place of a lost one: with
 * none (or an empty file) it exits 74 and says how to create one.
 */
Test(daemon, vaktd_without_a_database_exits_74_with_the_init_hint_issue10)
{
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf");
	char *db = vt_path(dir, "vakt.db"), *text = vt_config(NULL, NULL, NULL);
	char *hint;
	struct vt_run r;

	vt_write(conf, text);
	cr_assert(
	    asprintf(&hint, "create it with: vaktctl -c %s init", conf) > 0);
	run(&r, "vaktd", "-c", conf, NULL, NULL, NULL);
	cr_assert_eq(r.status, 74, "exit %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, "no database"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, hint), "%s", r.err);
	cr_assert_null(strstr(r.err, "listening"), "%s", r.err);
	cr_assert_eq(access(db, F_OK), -1, "vaktd created %s", db);
	vt_run_free(&r);

	/* An empty file is no database either, and stays empty. */
	vt_write(db, "");
	run(&r, "vaktd", "-c", conf, NULL, NULL, NULL);
	cr_assert_eq(r.status, 74, "exit %d: %s", r.status, r.err);
	cr_assert_not_null(strstr(r.err, hint), "%s", r.err);
	vt_run_free(&r);
	free(text);
	text = vt_slurp(db, NULL);
	cr_assert_str_eq(text, "", "the empty file was written to");
	free(text);
	free(hint);
	free(db);
	free(conf);
	vt_rmrf(dir);
	free(dir);
}

/*
 * The database file deleted under a running vaktd: /healthz says so
 * with 503 on every request, and the log says it once.
 */
Test(daemon, a_database_deleted_under_vaktd_is_a_503_on_healthz_issue10)
{
	static const char logged[] = "<3>store: database file deleted";
	char *dir, *conf = vt_config(NULL, NULL, NULL), *db, *log;
	struct vt_daemon d;
	struct vt_resp r;

	start(&d, &dir, conf);
	get(&r, &d, "GET", "/healthz");
	cr_assert_eq(r.status, 200, "%s", r.body);
	vt_resp_free(&r);

	db = vt_path(dir, "vakt.db");
	cr_assert_eq(unlink(db), 0);
	for (int i = 0; i < 3; i++) {
		get(&r, &d, "GET", "/healthz");
		cr_assert_eq(
		    r.status, 503, "try %d: %ld %s", i, r.status, r.body);
		cr_assert_not_null(
		    strstr(r.body, "database file deleted"), "%s", r.body);
		vt_resp_free(&r);
	}
	cr_assert(vt_daemon_wait_log(&d, logged, 10000));
	log = vt_daemon_log(&d);
	cr_assert_eq(count_of(log, logged), 1, "logged once:\n%s", log);
	free(log);

	/* A call still reaches a human. */
	vt_twilio_post(&r, &d, "/twilio/voice", unknown_call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	assert_dials_first(r.body, VT_BEREDSKAP);
	vt_resp_free(&r);
	cr_assert_eq(access(db, F_OK), -1, "nothing recreated %s", db);
	free(db);
	free(conf);
	finish(&d, dir);
}

/* ------------------------------------------------------------------ */
/* The purge and a clock jumped ahead (issue 10, B10) */

/*
 * Start vaktd under faketime (offset and speed, e.g. "+2000d x20"),
 * stderr to log.  The speed-up makes the purge's first run (a minute
 * after start) come within seconds.
 */
static pid_t
vaktd_faketime(const char *conf, const char *log, const char *spec)
{
	char *bin = vt_bin("vaktd");
	const char *asan = getenv("ASAN_OPTIONS");
	char *opts;
	pid_t parent = getpid(), pid;

	/* libfaketime is preloaded: an ASan build must not refuse that. */
	cr_assert(asprintf(&opts, "%s%sverify_asan_link_order=0",
	    asan != NULL ? asan : "", asan != NULL ? ":" : "") > 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int null = open("/dev/null", O_RDWR);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent || fd < 0 || null < 0 ||
		    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(fd, 2) < 0 ||
		    setenv("ASAN_OPTIONS", opts, 1) == -1)
			_exit(127);
		execl("/usr/bin/faketime", "faketime", "-f", spec, bin, "-c",
		    conf, (char *)NULL);
		_exit(127);
	}
	free(opts);
	free(bin);
	return pid;
}

/* Wait up to ms for needle in the file at path. */
static bool
file_has(const char *path, const char *needle, int ms)
{
	for (int waited = 0; waited <= ms; waited += 50) {
		char *text = vt_slurp(path, NULL);
		bool found = text != NULL && strstr(text, needle) != NULL;

		free(text);
		if (found)
			return true;
		vt_msleep(50);
	}
	return false;
}

Test(daemon, vaktd_2000_days_ahead_does_not_purge_the_contact_log_issue10)
{
	char *dir = vt_tmpdir(), *conf = vt_path(dir, "vakt.conf");
	char *path = vt_path(dir, "vakt.db"), *log = vt_path(dir, "vaktd.log");
	char *text = vt_config(NULL, NULL, NULL), *got, sql[512];
	int64_t now = (int64_t)time(NULL) * 1000, day = 86400000;
	sqlite3 *db;
	pid_t pid;
	int st;

	cr_assert_eq(access("/usr/bin/faketime", X_OK), 0,
	    "no /usr/bin/faketime (Debian package faketime; make deps "
	    "installs it)");
	vt_write(conf, text);
	vt_db_init(conf);
	/* Retention is 1825 days: one contact past it, two recent ones. */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO contacts (service, kind, provider_id, caller,"
	    " category, why, plan, received_ms, status) VALUES"
	    " ('due', 0, 'CA-ancient', '+4798765432', 0, 0, '', %lld, 1),"
	    " ('due', 0, 'CA-week', '+4798765432', 0, 0, '', %lld, 1),"
	    " ('due', 1, 'SM-hour', '+4798765432', 0, 0, '', %lld, 0);",
	    (long long)(now - 1900 * day), (long long)(now - 7 * day),
	    (long long)(now - day / 24));
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	pid = vaktd_faketime(conf, log, "+2000d x20");
	/* The first run ends with its audit row; the log says it first. */
	cr_assert(file_has(log, "store: purged ", 60000),
	    "no purge within 60 s: %s", (got = vt_slurp(log, NULL)));
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	got = vt_slurp(log, NULL);
	cr_assert_not_null(strstr(got, "<4>store: purge: clock not trusted"),
	    "%s", got);
	free(got);

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(query_int(db, "SELECT count(*) FROM contacts"
				   " WHERE provider_id <> 'CA-ancient'"),
	    2, "the history is still there");
	cr_assert_eq(query_int(db, "SELECT count(*) FROM contacts"), 2,
	    "what retention no longer keeps still goes");
	sqlite3_close(db);
	free(text);
	free(log);
	free(path);
	free(conf);
	vt_rmrf(dir);
	free(dir);
}
