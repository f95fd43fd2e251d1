/*
 * test_store.c: the database: open and migrations, the directory and
 * its refusals, CSV import, the caller lookup on the call path, the
 * audit trail, and behaviour under a lock held by another process.
 *
 * Each test makes its own folder under /tmp, named after the test's
 * process (Criterion forks one per test), which the suite's fini
 * removes even when an assertion failed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sqlite3.h>

#include "vakt/store.h"
#include "vakt/util.h"

#define NOW_MS INT64_C(1780000000000)

struct tmp {
	char dir[64];
	char path[128];
};

static void
tmp_name(struct tmp *t)
{
	snprintf(
	    t->dir, sizeof(t->dir), "/tmp/vakt-test-store-%ld", (long)getpid());
	snprintf(t->path, sizeof(t->path), "%s/vakt.db", t->dir);
}

static void
tmp_clean(struct tmp *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(t->dir);
}

static void
tmp_make(struct tmp *t)
{
	tmp_name(t);
	tmp_clean(t); /* a folder left by an earlier process with our pid */
	cr_assert_eq(mkdir(t->dir, 0700), 0, "mkdir %s", t->dir);
}

static void
suite_fini(void)
{
	struct tmp t;

	tmp_name(&t);
	tmp_clean(&t);
}

TestSuite(store, .fini = suite_fini);

static struct vakt_store *
open_ok(const char *path)
{
	struct vakt_err err = {0};
	struct vakt_store *st = vakt_store_create(path, 1000, NULL, &err);

	cr_assert_not_null(st, "open: %s", err.msg);
	return st;
}

static void
coord_fill(struct vakt_coordinator *c, const char *id, const char *service,
    const char *name, const char *phone)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->service, sizeof(c->service), "%s", service);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->phone, sizeof(c->phone), "%s", phone);
}

static void
youth_fill(struct vakt_youth *y, const char *id, const char *service,
    const char *name, const char *phone, const char *coordinator)
{
	memset(y, 0, sizeof(*y));
	snprintf(y->id, sizeof(y->id), "%s", id);
	snprintf(y->service, sizeof(y->service), "%s", service);
	snprintf(y->name, sizeof(y->name), "%s", name);
	snprintf(y->phone, sizeof(y->phone), "%s", phone);
	snprintf(y->coordinator, sizeof(y->coordinator), "%s", coordinator);
}

static void
add_coord(struct vakt_store *st, const char *id, const char *service,
    const char *name, const char *phone)
{
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	coord_fill(&c, id, service, name, phone);
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "test", NOW_MS, &err),
	    0, "add coordinator %s: %s", id, err.msg);
}

static void
add_youth(struct vakt_store *st, const char *id, const char *service,
    const char *name, const char *phone, const char *coordinator)
{
	struct vakt_youth y;
	struct vakt_err err = {0};

	youth_fill(&y, id, service, name, phone, coordinator);
	cr_assert_eq(vakt_store_youth_add(st, &y, "test", NOW_MS, &err), 0,
	    "add youth %s: %s", id, err.msg);
}

static int64_t
add_absence(struct vakt_store *st, const char *coordinator, int from, int to,
    const char *substitute)
{
	struct vakt_absence a = {0};
	struct vakt_err err = {0};

	snprintf(a.coordinator, sizeof(a.coordinator), "%s", coordinator);
	snprintf(a.substitute, sizeof(a.substitute), "%s", substitute);
	a.from = from;
	a.to = to;
	cr_assert_eq(vakt_store_absence_add(st, &a, "test", NOW_MS, &err), 0,
	    "add absence: %s", err.msg);
	cr_assert_gt(a.id, 0);
	return a.id;
}

/*
 * Service "due": coordinators kari and nina, youths U-0001 and U-0002
 * (both kari's).  Service "oslo": coordinator per.
 */
static void
seed(struct vakt_store *st)
{
	add_coord(st, "kari", "due", "Kari Nordmann", "+4791000001");
	add_coord(st, "nina", "due", "Nina Hansen", "+4791000002");
	add_coord(st, "per", "oslo", "Per Olsen", "+4791000003");
	add_youth(st, "U-0001", "due", "Ola", "+4792000001", "kari");
	add_youth(st, "U-0002", "due", "", "+4792000002", "kari");
}

static size_t
audit_count(struct vakt_store *st)
{
	struct vakt_audit *a = NULL;
	size_t n = 0;
	struct vakt_err err = {0};

	cr_assert_eq(
	    vakt_store_audit_list(st, 100000, &a, &n, &err), 0, "%s", err.msg);
	free(a);
	return n;
}

static size_t
coordinator_count(struct vakt_store *st)
{
	struct vakt_coordinator *c = NULL;
	size_t n = 0;
	struct vakt_err err = {0};

	cr_assert_eq(vakt_store_coordinator_list(st, NULL, &c, &n, &err), 0,
	    "%s", err.msg);
	free(c);
	return n;
}

static size_t
youth_count(struct vakt_store *st)
{
	struct vakt_youth *y = NULL;
	size_t n = 0;
	struct vakt_err err = {0};

	cr_assert_eq(
	    vakt_store_youth_list(st, NULL, &y, &n, &err), 0, "%s", err.msg);
	free(y);
	return n;
}

/* A refusal of the caller's data with exactly this message. */
static void
assert_refused(int rc, const struct vakt_err *err, const char *want)
{
	cr_assert_eq(rc, -1, "expected refusal \"%s\"", want);
	cr_assert_eq(err->kind, VAKT_ERR_DATA, "kind of \"%s\"", err->msg);
	cr_assert_str_eq(err->msg, want);
}

/* One integer from a raw connection to path. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/*
 * The store's own connection, caught with an SQLite auto-extension (it
 * runs for every connection opened while registered).  Only the tests
 * that call open_captured() use it, each in its own forked process.
 */
static sqlite3 *captured_db;

static int
capture_db(
    sqlite3 *db, const char **errmsg, const struct sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	captured_db = db;
	return SQLITE_OK;
}

static struct vakt_store *
open_captured(const char *path)
{
	struct vakt_store *st;

	captured_db = NULL;
	cr_assert_eq(
	    sqlite3_auto_extension((void (*)(void))capture_db), SQLITE_OK);
	st = open_ok(path);
	sqlite3_cancel_auto_extension((void (*)(void))capture_db);
	cr_assert_not_null(captured_db);
	return st;
}

static int64_t
db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s",
	    sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ------------------------------------------------------------------ */
/* Open and migrations. */

Test(store, open_creates_fresh_db_at_newest_version_in_wal_mode)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	sqlite3 *db;
	sqlite3_stmt *s;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(VAKT_STORE_VERSION, 8);
	cr_assert_eq(vakt_store_version(st), VAKT_STORE_VERSION);
	cr_assert_eq(vakt_store_ping(st, &err), 0, "%s", err.msg);
	cr_assert_eq(raw_int(t.path, "PRAGMA user_version"), VAKT_STORE_VERSION);
	cr_assert_eq(
	    raw_int(t.path,
	        "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	        " AND name IN ('coordinators', 'youths', 'absences',"
	        " 'audit', 'contacts', 'legs', 'messages', 'outbox')"),
	    8);
	cr_assert_eq(sqlite3_open(t.path, &db), SQLITE_OK);
	cr_assert_eq(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, open_turns_on_foreign_keys_full_sync_and_secure_delete)
{
	struct tmp t;
	struct vakt_store *st;

	tmp_make(&t);
	st = open_captured(t.path);
	cr_assert_eq(db_int(captured_db, "PRAGMA foreign_keys"), 1);
	cr_assert_eq(db_int(captured_db, "PRAGMA synchronous"), 2, "FULL");
	cr_assert_eq(db_int(captured_db, "PRAGMA secure_delete"), 1);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, reopen_keeps_rows_and_does_not_migrate_again)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	add_coord(st, "kari", "due", "Kari", "+4791000001");
	vakt_store_close(st);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_version(st), VAKT_STORE_VERSION);
	cr_assert_eq(vakt_store_coordinator_get(st, "kari", &c, &err), 1);
	cr_assert_str_eq(c.phone, "+4791000001");
	vakt_store_close(st);
	tmp_clean(&t);
}

/* Version 1 as released: migration 1's tables, nothing of version 2. */
static const char v1_schema[] =
    "CREATE TABLE coordinators (id TEXT PRIMARY KEY NOT NULL,"
    " service TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX coordinators_service_phone ON coordinators (service, phone);"
    "CREATE TABLE youths (id TEXT PRIMARY KEY NOT NULL, service TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL,"
    " coordinator TEXT NOT NULL REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL, UNIQUE (service, phone));"
    "CREATE INDEX youths_coordinator ON youths (coordinator);"
    "CREATE TABLE absences (id INTEGER PRIMARY KEY,"
    " coordinator TEXT NOT NULL REFERENCES coordinators (id) ON DELETE CASCADE,"
    " from_date INTEGER NOT NULL, to_date INTEGER NOT NULL,"
    " substitute TEXT REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL, CHECK (from_date <= to_date));"
    "CREATE INDEX absences_coordinator_to ON absences (coordinator, to_date);"
    "CREATE INDEX absences_substitute ON absences (substitute);"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '');"
    "INSERT INTO coordinators VALUES"
    " ('kari', 'due', 'Kari', '+4791000001', 1);"
    "INSERT INTO youths VALUES"
    " ('U-0001', 'due', 'Ola', '+4792000001', 'kari', 1);"
    "INSERT INTO audit (at_ms, actor, action, subject)"
    " VALUES (1, 'old', 'coordinator.add', 'kari');"
    "PRAGMA user_version = 1;";

Test(store, open_migrates_version_1_db_keeping_its_rows)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_caller caller;
	struct vakt_err err = {0};

	tmp_make(&t);
	raw_exec(t.path, v1_schema);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_version(st), VAKT_STORE_VERSION);
	cr_assert_eq(raw_int(t.path, "PRAGMA user_version"), VAKT_STORE_VERSION);
	cr_assert_eq(vakt_store_coordinator_get(st, "kari", &c, &err), 1);
	cr_assert_str_eq(c.name, "Kari");
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4792000001", 20260701, &caller, &err),
	    0, "%s", err.msg);
	cr_assert(caller.is_known);
	cr_assert_str_eq(caller.coordinator.id, "kari");
	cr_assert_eq(audit_count(st), 1, "the old audit row is kept");
	cr_assert_eq(raw_int(t.path, "SELECT count(*) FROM outbox"), 0,
	    "version 2's tables exist");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, open_refuses_db_newer_than_this_binary)
{
	struct tmp t;
	struct vakt_err err = {0};
	char want[256], sql[96];
	int future = VAKT_STORE_VERSION + 1;

	tmp_make(&t);
	snprintf(sql, sizeof(sql),
	    "CREATE TABLE future (x); PRAGMA user_version = %d;", future);
	raw_exec(t.path, sql);
	cr_assert_null(vakt_store_open(t.path, 1000, &err));
	cr_assert_eq(err.kind, VAKT_ERR_SYSTEM);
	snprintf(want, sizeof(want),
	    "%s: database schema version %d is newer than this vakt (%d); "
	    "upgrade vakt",
	    t.path, future, VAKT_STORE_VERSION);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(raw_int(t.path, "PRAGMA user_version"), future,
	    "untouched");
	tmp_clean(&t);
}

Test(store, open_reports_unopenable_path)
{
	struct tmp t;
	struct vakt_err err = {0};
	char path[256], want[512];

	tmp_make(&t);
	snprintf(path, sizeof(path), "%s/missing/vakt.db", t.dir);
	cr_assert_null(vakt_store_create(path, 1000, NULL, &err));
	cr_assert_eq(err.kind, VAKT_ERR_SYSTEM);
	snprintf(want, sizeof(want),
	    "%s: cannot open: unable to open database file", path);
	cr_assert_str_eq(err.msg, want);
	tmp_clean(&t);
}

Test(store, open_reports_file_that_is_not_a_database_and_leaves_it_alone)
{
	struct tmp t;
	struct vakt_err err = {0};
	char text[2048], back[4096], want[512];
	FILE *f;
	size_t n;

	tmp_make(&t);
	memset(text, 'x', sizeof(text));
	memcpy(text, "vakt.conf by mistake\n", 21);
	f = fopen(t.path, "w");
	cr_assert_not_null(f);
	fwrite(text, 1, sizeof(text), f);
	fclose(f);
	cr_assert_null(vakt_store_open(t.path, 1000, &err));
	cr_assert_eq(err.kind, VAKT_ERR_SYSTEM);
	snprintf(want, sizeof(want), "%s: cannot read: file is not a database",
	    t.path);
	cr_assert_str_eq(err.msg, want);
	f = fopen(t.path, "r");
	cr_assert_not_null(f);
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	cr_assert_eq(n, sizeof(text));
	cr_assert_eq(memcmp(back, text, n), 0, "file unchanged");
	tmp_clean(&t);
}

Test(store, open_refuses_sqlite_file_that_vakt_did_not_make)
{
	struct tmp t;
	struct vakt_err err = {0};

	tmp_make(&t);
	raw_exec(t.path, "CREATE TABLE invoices (id INTEGER PRIMARY KEY);");
	cr_assert_null(vakt_store_open(t.path, 1000, &err));
	cr_assert_eq(err.kind, VAKT_ERR_SYSTEM);
	cr_assert_not_null(
	    strstr(err.msg, "not a vakt database"), "%s", err.msg);
	cr_assert_eq(raw_int(t.path,
	                 "SELECT count(*) FROM sqlite_master"
	                 " WHERE name = 'coordinators'"),
	    0, "no tables added");
	tmp_clean(&t);
}

/*
 * vaktd and vaktctl started together on a new file: the migrations run
 * once, whoever gets the write lock first, and both opens succeed.
 */
Test(store, two_processes_opening_a_new_db_at_once_both_succeed)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	char path[160];
	int status;

	tmp_make(&t);
	for (int i = 0; i < 8; i++) {
		pid_t pid;

		snprintf(path, sizeof(path), "%s/race%d.db", t.dir, i);
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			st = vakt_store_create(path, 5000, NULL, &err);
			vakt_store_close(st);
			_exit(st != NULL ? 0 : 1);
		}
		st = vakt_store_create(path, 5000, NULL, &err);
		cr_assert_not_null(st, "round %d: %s", i, err.msg);
		cr_assert_eq(vakt_store_version(st), VAKT_STORE_VERSION);
		vakt_store_close(st);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "round %d: the other process failed to open", i);
		cr_assert_eq(raw_int(path, "PRAGMA user_version"),
		    VAKT_STORE_VERSION);
	}
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Coordinators. */

Test(store, coordinator_add_stores_what_get_and_list_return)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c, *list = NULL;
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	add_coord(st, "kari", "due", "Kari Nordmann Ødegård", "+4791000001");
	cr_assert_eq(vakt_store_coordinator_get(st, "kari", &c, &err), 1);
	cr_assert_str_eq(c.service, "due");
	cr_assert_str_eq(c.name, "Kari Nordmann Ødegård");
	cr_assert_str_eq(c.phone, "+4791000001");
	cr_assert_eq(vakt_store_coordinator_get(st, "nobody", &c, &err), 0);
	cr_assert_eq(
	    vakt_store_coordinator_list(st, "due", &list, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(list[0].id, "kari");
	free(list);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_add_refuses_existing_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	coord_fill(&c, "kari", "oslo", "Another Kari", "+4799999999");
	assert_refused(vakt_store_coordinator_add(st, &c, "test", NOW_MS, &err),
	    &err, "coordinator add: id \"kari\" already exists");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_add_refuses_phone_of_another_coordinator_of_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_err err = {0};
	size_t audits;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	audits = audit_count(st);
	coord_fill(&c, "lise", "due", "Lise", "+4791000001");
	assert_refused(vakt_store_coordinator_add(st, &c, "test", NOW_MS, &err),
	    &err,
	    "coordinator add: phone +4791000001 already belongs to "
	    "coordinator kari");
	cr_assert_eq(coordinator_count(st), 3);
	cr_assert_eq(audit_count(st), audits, "a refusal writes no audit row");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_add_refuses_phone_of_a_youth_of_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	coord_fill(&c, "lise", "due", "Lise", "+4792000001");
	assert_refused(vakt_store_coordinator_add(st, &c, "test", NOW_MS, &err),
	    &err, "coordinator add: phone +4792000001 belongs to youth U-0001");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, phone_may_repeat_across_services)
{
	struct tmp t;
	struct vakt_store *st;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	/* Same person or same phone in another municipality's service. */
	add_coord(st, "kari-oslo", "oslo", "Kari", "+4791000001");
	add_coord(st, "ung", "oslo", "Ung", "+4792000001");
	add_youth(st, "O-0001", "oslo", "", "+4791000002", "per");
	cr_assert_eq(coordinator_count(st), 5);
	cr_assert_eq(youth_count(st), 3);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_add_refuses_invalid_fields)
{
	static const struct {
		const char *id, *service, *name, *phone, *want;
	} cases[] = {
	    {"ka ri", "due", "Kari", "+4791000001",
	        "coordinator add: id \"ka ri\" is not 1 to 63 characters of "
	        "A-Z a-z 0-9 . _ -"},
	    {"", "due", "Kari", "+4791000001", "coordinator add: id is empty"},
	    {"kari", "", "Kari", "+4791000001",
	        "coordinator add: service is empty"},
	    {"kari", "due", "", "+4791000001",
	        "coordinator add: name is empty"},
	    {"kari", "due", "Kari\nNordmann", "+4791000001",
	        "coordinator add: name contains a control character"},
	    {"kari", "due", "Kari \xc2\x85", "+4791000001",
	        "coordinator add: name contains a control character"},
	    {"kari", "due", "Kari \xff", "+4791000001",
	        "coordinator add: name is not valid UTF-8"},
	    {"kari", "due", "Kari", "91000001",
	        "coordinator add: phone \"91000001\" is not E.164 (+ and 7 to "
	        "15 digits)"},
	    {"kari", "due", "Kari", "+47 910",
	        "coordinator add: phone \"+47 910\" is not E.164 (+ and 7 to "
	        "15 digits)"},
	};
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		coord_fill(&c, cases[i].id, cases[i].service, cases[i].name,
		    cases[i].phone);
		cr_assert_eq(
		    vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err), -1,
		    "case %zu", i);
		cr_assert_eq(err.kind, VAKT_ERR_DATA, "case %zu", i);
		cr_assert_str_eq(err.msg, cases[i].want, "case %zu", i);
	}
	/* Fields without a terminating NUL: too long for their arrays. */
	coord_fill(&c, "kari", "due", "Kari", "+4791000001");
	memset(c.name, 'a', sizeof(c.name));
	assert_refused(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err),
	    &err, "coordinator add: name is longer than 127 bytes");
	coord_fill(&c, "kari", "due", "Kari", "+4791000001");
	memset(c.id, 'a', sizeof(c.id));
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err), -1);
	cr_assert_eq(err.kind, VAKT_ERR_DATA);
	cr_assert_eq(coordinator_count(st), 0);
	cr_assert_eq(audit_count(st), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_remove_also_removes_their_absences)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_absence *a = NULL;
	struct vakt_coordinator c;
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_absence(st, "nina", 20260701, 20260710, "kari");
	cr_assert_eq(
	    vakt_store_coordinator_remove(st, "nina", "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(vakt_store_coordinator_get(st, "nina", &c, &err), 0);
	cr_assert_eq(vakt_store_absence_list(st, NULL, &a, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(a);
	cr_assert_eq(raw_int(t.path, "SELECT count(*) FROM absences"), 0,
	    "absences cascade with their coordinator (foreign keys on)");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_remove_refuses_while_they_have_youths)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	assert_refused(
	    vakt_store_coordinator_remove(st, "kari", "t", NOW_MS, &err), &err,
	    "coordinator remove: kari still has youths U-0001, U-0002");
	cr_assert_eq(coordinator_count(st), 3);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_remove_refuses_while_substitute_in_an_absence)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	char want[128];
	int64_t id;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	id = add_absence(st, "kari", 20260701, 20260710, "nina");
	snprintf(want, sizeof(want),
	    "coordinator remove: nina is the substitute in absence %lld",
	    (long long)id);
	assert_refused(
	    vakt_store_coordinator_remove(st, "nina", "t", NOW_MS, &err), &err,
	    want);
	cr_assert_eq(coordinator_count(st), 3);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, coordinator_remove_refuses_unknown_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	assert_refused(
	    vakt_store_coordinator_remove(st, "zed", "t", NOW_MS, &err), &err,
	    "coordinator remove: no coordinator \"zed\"");
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Youths. */

/* Youth codes and coordinator ids live apart; a shared id hides nothing. */
Test(store, phone_clash_is_found_when_youth_and_coordinator_share_an_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_coordinator c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_coord(st, "sam", "due", "Sam", "+4791000007");
	youth_fill(&y, "sam", "due", "", "+4791000007", "kari");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: phone +4791000007 belongs to coordinator sam");
	add_youth(st, "U-sam", "due", "", "+4792000007", "kari");
	coord_fill(&c, "U-sam", "due", "Sam", "+4792000007");
	assert_refused(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err),
	    &err, "coordinator add: phone +4792000007 belongs to youth U-sam");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_add_stores_youth_and_name_may_be_empty)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_youth_get(st, "U-0002", &y, &err), 1);
	cr_assert_str_eq(y.name, "");
	cr_assert_str_eq(y.service, "due");
	cr_assert_str_eq(y.phone, "+4792000002");
	cr_assert_str_eq(y.coordinator, "kari");
	cr_assert_eq(vakt_store_youth_get(st, "U-9999", &y, &err), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_add_refuses_existing_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	youth_fill(&y, "U-0001", "due", "", "+4792000009", "nina");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: id \"U-0001\" already exists");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_add_refuses_phone_of_another_youth_of_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};
	size_t audits;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	audits = audit_count(st);
	youth_fill(&y, "U-0003", "due", "", "+4792000001", "nina");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: phone +4792000001 already belongs to youth U-0001");
	cr_assert_eq(youth_count(st), 2);
	cr_assert_eq(audit_count(st), audits);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_add_refuses_phone_of_a_coordinator_of_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	youth_fill(&y, "U-0003", "due", "", "+4791000002", "kari");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: phone +4791000002 belongs to coordinator nina");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_add_refuses_coordinator_not_in_youths_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	youth_fill(&y, "U-0003", "due", "", "+4792000003", "per");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: no coordinator \"per\" in service due");
	youth_fill(&y, "U-0003", "due", "", "+4792000003", "nina2");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: no coordinator \"nina2\" in service due");
	youth_fill(&y, "U-0003", "due", "", "+4792000003", "");
	assert_refused(vakt_store_youth_add(st, &y, "t", NOW_MS, &err), &err,
	    "youth add: coordinator is empty");
	cr_assert_eq(youth_count(st), 2);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_move_changes_coordinator_within_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_audit *a = NULL;
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_youth_move(
	                 st, "U-0001", "nina", "leder", NOW_MS + 5, &err),
	    0, "%s", err.msg);
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 1);
	cr_assert_str_eq(y.coordinator, "nina");
	cr_assert_str_eq(y.phone, "+4792000001", "phone untouched");
	cr_assert_eq(vakt_store_audit_list(st, 1, &a, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(a[0].action, "youth.move");
	cr_assert_str_eq(a[0].subject, "U-0001");
	cr_assert_str_eq(a[0].actor, "leder");
	cr_assert_str_eq(a[0].detail, "coordinator kari -> nina");
	cr_assert_eq(a[0].at_ms, NOW_MS + 5);
	free(a);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_move_refuses_unknown_youth_and_other_services_coordinator)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	assert_refused(
	    vakt_store_youth_move(st, "U-9999", "nina", "t", NOW_MS, &err),
	    &err, "youth move: no youth \"U-9999\"");
	assert_refused(
	    vakt_store_youth_move(st, "U-0001", "per", "t", NOW_MS, &err), &err,
	    "youth move: no coordinator \"per\" in service due");
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 1);
	cr_assert_str_eq(y.coordinator, "kari");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_move_to_current_coordinator_changes_nothing)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	size_t audits;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	audits = audit_count(st);
	cr_assert_eq(
	    vakt_store_youth_move(st, "U-0001", "kari", "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(audit_count(st), audits);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, youth_remove_removes_and_refuses_unknown_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_youth y;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_youth_remove(st, "U-0001", "t", NOW_MS, &err),
	    0, "%s", err.msg);
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 0);
	cr_assert_eq(youth_count(st), 1);
	assert_refused(vakt_store_youth_remove(st, "U-0001", "t", NOW_MS, &err),
	    &err, "youth remove: no youth \"U-0001\"");
	/* Once the youths are gone the coordinator can go too. */
	cr_assert_eq(
	    vakt_store_youth_remove(st, "U-0002", "t", NOW_MS, &err), 0);
	cr_assert_eq(
	    vakt_store_coordinator_remove(st, "kari", "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	vakt_store_close(st);
	tmp_clean(&t);
}

static bool
contains(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

Test(store, removed_youth_leaves_no_trace_of_name_in_database_file)
{
	static const char secret[] = "Zyxwvut Qoppa";
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	char path[256], *buf;
	size_t len, cap = 1 << 20;
	FILE *f;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_youth(st, "U-0009", "due", secret, "+4792000009", "nina");
	cr_assert_eq(
	    vakt_store_youth_remove(st, "U-0009", "t", NOW_MS, &err), 0);
	vakt_store_close(st); /* the last close checkpoints the WAL */
	buf = malloc(cap);
	cr_assert_not_null(buf);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s", t.path, i ? "-wal" : "");
		f = fopen(path, "rb");
		if (f == NULL)
			continue; /* no WAL left: nothing to search there */
		len = fread(buf, 1, cap, f);
		fclose(f);
		cr_assert_not(contains(buf, len, secret),
		    "%s still holds the removed name", path);
	}
	free(buf);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Absences. */

Test(store, absence_add_sets_id_and_list_sorts_by_from_date_then_id)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_absence *a = NULL;
	struct vakt_err err = {0};
	size_t n = 0;
	int64_t late, early, early2;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	late = add_absence(st, "kari", 20260710, 20260720, "");
	early = add_absence(st, "kari", 20260701, 20260705, "nina");
	early2 = add_absence(st, "nina", 20260701, 20260702, "kari");
	add_absence(st, "per", 20260101, 20260102, "");
	cr_assert_eq(vakt_store_absence_list(st, "due", &a, &n, &err), 0);
	cr_assert_eq(n, 3, "service filter leaves out per");
	cr_assert_eq(a[0].id, early);
	cr_assert_str_eq(a[0].substitute, "nina");
	cr_assert_eq(a[0].from, 20260701);
	cr_assert_eq(a[0].to, 20260705);
	cr_assert_eq(a[1].id, early2);
	cr_assert_eq(a[2].id, late);
	cr_assert_str_eq(a[2].substitute, "");
	free(a);
	cr_assert_eq(vakt_store_absence_list(st, NULL, &a, &n, &err), 0);
	cr_assert_eq(n, 4);
	free(a);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, absence_add_refuses_bad_dates_and_substitutes)
{
	static const struct {
		const char *coordinator;
		int from, to;
		const char *substitute, *want;
	} cases[] = {
	    {"zed", 20260701, 20260702, "",
	        "absence add: no coordinator \"zed\""},
	    {"kari", 20260710, 20260701, "",
	        "absence add: from 2026-07-10 is after to 2026-07-01"},
	    {"kari", 20260230, 20260301, "",
	        "absence add: from date 20260230 is not a valid yyyymmdd "
	        "date"},
	    {"kari", 20260701, 2026070, "",
	        "absence add: to date 2026070 is not a valid yyyymmdd date"},
	    {"kari", 20260701, 20260702, "kari",
	        "absence add: kari cannot be their own substitute"},
	    {"kari", 20260701, 20260702, "per",
	        "absence add: substitute: no coordinator \"per\" in service "
	        "due"},
	    {"kari", 20260701, 20260702, "zed",
	        "absence add: substitute: no coordinator \"zed\" in service "
	        "due"},
	};
	struct tmp t;
	struct vakt_store *st;
	struct vakt_absence a;
	struct vakt_absence *list = NULL;
	struct vakt_err err = {0};
	size_t n = 1;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.coordinator, sizeof(a.coordinator), "%s",
		    cases[i].coordinator);
		snprintf(a.substitute, sizeof(a.substitute), "%s",
		    cases[i].substitute);
		a.from = cases[i].from;
		a.to = cases[i].to;
		cr_assert_eq(vakt_store_absence_add(st, &a, "t", NOW_MS, &err),
		    -1, "case %zu", i);
		cr_assert_eq(err.kind, VAKT_ERR_DATA, "case %zu", i);
		cr_assert_str_eq(err.msg, cases[i].want, "case %zu", i);
		cr_assert_eq(a.id, 0, "case %zu: no id for a refused row", i);
	}
	cr_assert_eq(vakt_store_absence_list(st, NULL, &list, &n, &err), 0);
	cr_assert_eq(n, 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, absence_remove_removes_and_refuses_unknown_number)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_absence *list = NULL;
	struct vakt_err err = {0};
	size_t n = 0;
	int64_t id;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	id = add_absence(st, "kari", 20260701, 20260710, "nina");
	cr_assert_eq(vakt_store_absence_remove(st, id, "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(vakt_store_absence_list(st, NULL, &list, &n, &err), 0);
	cr_assert_eq(n, 0);
	assert_refused(vakt_store_absence_remove(st, id, "t", NOW_MS, &err),
	    &err, "absence remove: no absence 1");
	/* With the absence gone, the substitute can be removed. */
	cr_assert_eq(
	    vakt_store_coordinator_remove(st, "nina", "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Listings. */

Test(store, listings_sort_by_id_filter_by_service_and_are_null_when_empty)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator *c = NULL;
	struct vakt_youth *y = NULL;
	struct vakt_err err = {0};
	size_t n = 99;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_coordinator_list(st, NULL, &c, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(c);
	add_coord(st, "zara", "due", "Zara", "+4791000009");
	seed(st);
	cr_assert_eq(vakt_store_coordinator_list(st, "due", &c, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(c[0].id, "kari");
	cr_assert_str_eq(c[1].id, "nina");
	cr_assert_str_eq(c[2].id, "zara");
	free(c);
	cr_assert_eq(vakt_store_youth_list(st, "oslo", &y, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(y);
	add_youth(st, "A-0001", "due", "", "+4792000005", "nina");
	cr_assert_eq(vakt_store_youth_list(st, "due", &y, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(y[0].id, "A-0001");
	cr_assert_str_eq(y[0].coordinator, "nina");
	cr_assert_str_eq(y[1].id, "U-0001");
	cr_assert_str_eq(y[1].name, "Ola");
	cr_assert_str_eq(y[2].id, "U-0002");
	free(y);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Import. */

static void
row_coord(struct vakt_import_row *r, int line, const char *id,
    const char *service, const char *name, const char *phone)
{
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->is_youth = false;
	coord_fill(&r->u.coordinator, id, service, name, phone);
}

static void
row_youth(struct vakt_import_row *r, int line, const char *id,
    const char *service, const char *name, const char *phone,
    const char *coordinator)
{
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->is_youth = true;
	youth_fill(&r->u.youth, id, service, name, phone, coordinator);
}

Test(store, import_applies_coordinators_before_youths)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[4];
	struct vakt_youth y;
	struct vakt_audit *a = NULL;
	struct vakt_err err = {0};
	size_t added = 99, updated = 99, n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	/* The youths come first in the file and name a later coordinator. */
	row_youth(&rows[0], 2, "U-0001", "due", "Ola", "+4792000001", "kari");
	row_youth(&rows[1], 3, "U-0002", "due", "", "+4792000002", "kari");
	row_coord(&rows[2], 4, "kari", "due", "Kari", "+4791000001");
	row_coord(&rows[3], 5, "nina", "due", "Nina", "+4791000002");
	cr_assert_eq(vakt_store_import(
	                 st, rows, 4, "imp", NOW_MS, &added, &updated, &err),
	    0, "%s", err.msg);
	cr_assert_eq(added, 4);
	cr_assert_eq(updated, 0);
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 1);
	cr_assert_str_eq(y.coordinator, "kari");
	cr_assert_eq(vakt_store_audit_list(st, 10, &a, &n, &err), 0);
	cr_assert_eq(n, 5, "one row per record and one for the import");
	cr_assert_str_eq(a[0].action, "import");
	cr_assert_str_eq(
	    a[0].detail, "4 rows, 4 added, 0 updated, 0 unchanged");
	free(a);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, import_updates_existing_ids_and_counts_adds_and_updates_apart)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[5];
	struct vakt_youth y;
	struct vakt_coordinator c;
	struct vakt_err err = {0};
	size_t added, updated, audits;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	audits = audit_count(st);
	row_coord(&rows[0], 2, "kari", "due", "Kari Nordmann", "+4791000001");
	row_coord(&rows[1], 3, "nina", "due", "Nina H.", "+4791000002");
	row_youth(&rows[2], 4, "U-0001", "due", "Ola", "+4792000011", "nina");
	row_youth(&rows[3], 5, "U-0002", "due", "", "+4792000002", "kari");
	row_youth(&rows[4], 6, "U-0003", "due", "Siri", "+4792000003", "kari");
	cr_assert_eq(vakt_store_import(
	                 st, rows, 5, "imp", NOW_MS, &added, &updated, &err),
	    0, "%s", err.msg);
	cr_assert_eq(added, 1, "U-0003");
	cr_assert_eq(updated, 2, "nina's name and U-0001");
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 1);
	cr_assert_str_eq(y.phone, "+4792000011");
	cr_assert_str_eq(y.coordinator, "nina");
	cr_assert_eq(vakt_store_coordinator_get(st, "nina", &c, &err), 1);
	cr_assert_str_eq(c.name, "Nina H.");
	cr_assert_eq(audit_count(st), audits + 4,
	    "three changed records and the import; none for unchanged rows");
	vakt_store_close(st);
	tmp_clean(&t);
}

/* Rows 2..6 where line 5 is refused by the database checks. */
Test(store, import_is_all_or_nothing_and_names_the_refused_line)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[5];
	struct vakt_youth y;
	struct vakt_err err = {0};
	size_t added = 7, updated = 7, audits;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	audits = audit_count(st);
	row_coord(&rows[0], 2, "lise", "due", "Lise", "+4791000005");
	row_youth(&rows[1], 3, "U-0001", "due", "Ola", "+4792000011", "lise");
	row_youth(&rows[2], 4, "U-0104", "due", "", "+4792000104", "kari");
	row_youth(&rows[3], 5, "U-0105", "due", "", "+4792000105", "nobody");
	row_youth(&rows[4], 6, "U-0106", "due", "", "+4792000106", "kari");
	assert_refused(vakt_store_import(
	                   st, rows, 5, "imp", NOW_MS, &added, &updated, &err),
	    &err,
	    "line 5: youth U-0105: no coordinator \"nobody\" in service due");
	cr_assert_eq(added, 0);
	cr_assert_eq(updated, 0);
	cr_assert_eq(coordinator_count(st), 3, "lise rolled back");
	cr_assert_eq(youth_count(st), 2, "U-0104 rolled back");
	cr_assert_eq(vakt_store_youth_get(st, "U-0001", &y, &err), 1);
	cr_assert_str_eq(y.phone, "+4792000001", "update rolled back");
	cr_assert_str_eq(y.coordinator, "kari");
	cr_assert_eq(audit_count(st), audits, "audit rows rolled back");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, import_refuses_invalid_field_before_writing_anything)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[2];
	struct vakt_err err = {0};
	size_t added, updated;

	tmp_make(&t);
	st = open_ok(t.path);
	row_coord(&rows[0], 4, "lise", "due", "Lise", "+4791000005");
	row_youth(&rows[1], 5, "U-0105", "due", "", "123", "lise");
	assert_refused(vakt_store_import(
	                   st, rows, 2, "imp", NOW_MS, &added, &updated, &err),
	    &err,
	    "line 5: youth U-0105: phone \"123\" is not E.164 (+ and 7 to 15 "
	    "digits)");
	cr_assert_eq(coordinator_count(st), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, import_refuses_an_id_on_two_lines)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[3];
	struct vakt_err err = {0};
	size_t added, updated;

	tmp_make(&t);
	st = open_ok(t.path);
	row_coord(&rows[0], 2, "lise", "due", "Lise", "+4791000005");
	row_youth(&rows[1], 3, "U-0001", "due", "", "+4792000001", "lise");
	row_youth(&rows[2], 4, "U-0001", "due", "", "+4792000002", "lise");
	assert_refused(vakt_store_import(
	                   st, rows, 3, "imp", NOW_MS, &added, &updated, &err),
	    &err, "line 4: youth U-0001: also on line 3");
	cr_assert_eq(youth_count(st), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, import_refuses_moving_a_record_to_another_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[1];
	struct vakt_err err = {0};
	size_t added, updated;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	row_coord(&rows[0], 9, "nina", "oslo", "Nina", "+4791000002");
	assert_refused(vakt_store_import(
	                   st, rows, 1, "imp", NOW_MS, &added, &updated, &err),
	    &err, "line 9: coordinator nina: is in service due, not oslo");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, import_refuses_phone_clash_between_youth_and_coordinator)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_import_row rows[1];
	struct vakt_err err = {0};
	size_t added, updated;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	row_youth(&rows[0], 3, "U-0002", "due", "", "+4791000002", "kari");
	assert_refused(vakt_store_import(
	                   st, rows, 1, "imp", NOW_MS, &added, &updated, &err),
	    &err,
	    "line 3: youth U-0002: phone +4791000002 belongs to coordinator "
	    "nina");
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* The caller lookup (every call). */

Test(store, lookup_finds_known_youth_and_their_coordinator)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4792000001", 20260701, &c, &err),
	    0, "%s", err.msg);
	cr_assert(c.is_known);
	cr_assert_str_eq(c.youth.id, "U-0001");
	cr_assert_str_eq(c.youth.name, "Ola");
	cr_assert_str_eq(c.youth.phone, "+4792000001");
	cr_assert_str_eq(c.coordinator.id, "kari");
	cr_assert_str_eq(c.coordinator.name, "Kari Nordmann");
	cr_assert_str_eq(c.coordinator.phone, "+4791000001");
	cr_assert_eq(c.n_absences, 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, lookup_of_unknown_number_is_an_unknown_caller)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4799999999", 20260701, &c, &err),
	    0);
	cr_assert_not(c.is_known);
	cr_assert_str_eq(c.coordinator.id, "");
	/* A coordinator calling in is not a youth either. */
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4791000001", 20260701, &c, &err),
	    0);
	cr_assert_not(c.is_known);
	cr_assert_eq(
	    vakt_store_lookup_caller(st, "due", "", 20260701, &c, &err), 0);
	cr_assert_not(c.is_known);
	cr_assert_eq(
	    vakt_store_lookup_caller(st, "due", NULL, 20260701, &c, &err), 0);
	cr_assert_not(c.is_known);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, lookup_ignores_youth_of_another_service)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "oslo", "+4792000001", 20260701, &c, &err),
	    0);
	cr_assert_not(c.is_known);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, lookup_absence_covers_its_first_and_last_day_only)
{
	static const struct {
		int date;
		size_t n;
	} cases[] = {
	    {20260630, 0},
	    {20260701, 1},
	    {20260705, 1},
	    {20260710, 1},
	    {20260711, 0},
	};
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_absence(st, "kari", 20260701, 20260710, "nina");
	add_absence(st, "nina", 20260601, 20261231, ""); /* not kari's */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(vakt_store_lookup_caller(st, "due", "+4792000001",
		                 cases[i].date, &c, &err),
		    0, "%s", err.msg);
		cr_assert(c.is_known);
		cr_assert_eq(
		    c.n_absences, cases[i].n, "date %d", cases[i].date);
		if (cases[i].n == 0)
			continue;
		cr_assert_eq(c.absences[0].from, 20260701);
		cr_assert_eq(c.absences[0].to, 20260710);
		cr_assert_str_eq(c.absences[0].substitute.id, "nina");
		cr_assert_str_eq(c.absences[0].substitute.name, "Nina Hansen");
		cr_assert_str_eq(c.absences[0].substitute.phone, "+4791000002");
	}
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, lookup_reports_absence_without_substitute_and_caps_the_count)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	for (int i = 0; i < VAKT_ABSENCES_MAX + 2; i++)
		add_absence(st, "kari", 20260710 - i, 20260710, "");
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4792000002", 20260710, &c, &err),
	    0, "%s", err.msg);
	cr_assert_eq(c.n_absences, VAKT_ABSENCES_MAX);
	cr_assert_str_eq(c.absences[0].substitute.id, "");
	cr_assert_eq(c.absences[0].from, 20260710 - (VAKT_ABSENCES_MAX + 1),
	    "by from date");
	vakt_store_close(st);
	tmp_clean(&t);
}

/*
 * No statement the lookup runs may scan a table or build an index, and
 * every table must be reached by equality on an index's first column(s)
 * (a range over all of a table's dates would grow with the years).
 */
Test(store, lookup_uses_indexes_and_never_scans)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_caller c;
	struct vakt_err err = {0};
	sqlite3_stmt *s, *plan;
	char *sql[16];
	size_t n_run = 0;

	tmp_make(&t);
	st = open_captured(t.path);
	seed(st);
	add_absence(st, "kari", 20260701, 20260710, "nina");
	for (s = sqlite3_next_stmt(captured_db, NULL); s != NULL;
	     s = sqlite3_next_stmt(captured_db, s))
		sqlite3_stmt_status(s, SQLITE_STMTSTATUS_RUN, 1);
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4792000001", 20260705, &c, &err),
	    0, "%s", err.msg);
	cr_assert_eq(c.n_absences, 1);
	for (s = sqlite3_next_stmt(captured_db, NULL); s != NULL;
	     s = sqlite3_next_stmt(captured_db, s)) {
		if (sqlite3_stmt_status(s, SQLITE_STMTSTATUS_RUN, 0) == 0)
			continue;
		cr_assert_eq(
		    sqlite3_stmt_status(s, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0),
		    0, "full scan in %s", sqlite3_sql(s));
		cr_assert_eq(
		    sqlite3_stmt_status(s, SQLITE_STMTSTATUS_AUTOINDEX, 0), 0,
		    "automatic index in %s", sqlite3_sql(s));
		cr_assert_lt(n_run, 16);
		sql[n_run++] =
		    sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(s));
	}
	cr_assert_eq(n_run, 2, "the youth and the absences");
	for (size_t i = 0; i < n_run; i++) {
		cr_assert_eq(
		    sqlite3_prepare_v2(captured_db, sql[i], -1, &plan, NULL),
		    SQLITE_OK);
		while (sqlite3_step(plan) == SQLITE_ROW) {
			const char *d =
			    (const char *)sqlite3_column_text(plan, 3);

			cr_assert_neq(
			    strncmp(d, "SCAN", 4), 0, "%s: %s", sql[i], d);
			if (strncmp(d, "SEARCH", 6) == 0)
				cr_assert_not_null(
				    strstr(d, "=?"), "%s: %s", sql[i], d);
		}
		sqlite3_finalize(plan);
		sqlite3_free(sql[i]);
	}
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* The audit trail. */

static void
assert_newest_audit(struct vakt_store *st, size_t *count, const char *action,
    const char *subject)
{
	struct vakt_audit *a = NULL;
	size_t n = 0;
	struct vakt_err err = {0};

	cr_assert_eq(
	    audit_count(st), *count + 1, "one audit row for %s", action);
	(*count)++;
	cr_assert_eq(vakt_store_audit_list(st, 1, &a, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(a[0].action, action);
	cr_assert_str_eq(a[0].subject, subject);
	cr_assert_str_eq(a[0].actor, "ola.admin");
	free(a);
}

Test(store, every_change_writes_one_audit_row_without_full_phone_numbers)
{
	static const char *const phones[] = {
	    "+4791000001", "+4791000002", "+4792000001", "+4792000011"};
	struct tmp t;
	struct vakt_store *st;
	struct vakt_coordinator c;
	struct vakt_youth y;
	struct vakt_absence abs = {.from = 20260701, .to = 20260702};
	struct vakt_import_row row;
	struct vakt_audit *a = NULL;
	struct vakt_err err = {0};
	size_t count = 0, n = 0, added, updated;
	const char *who = "ola.admin";

	tmp_make(&t);
	st = open_ok(t.path);
	coord_fill(&c, "kari", "due", "Kari", phones[0]);
	cr_assert_eq(vakt_store_coordinator_add(st, &c, who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "coordinator.add", "kari");
	coord_fill(&c, "nina", "due", "Nina", phones[1]);
	cr_assert_eq(vakt_store_coordinator_add(st, &c, who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "coordinator.add", "nina");
	youth_fill(&y, "U-0001", "due", "Ola", phones[2], "kari");
	cr_assert_eq(vakt_store_youth_add(st, &y, who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "youth.add", "U-0001");
	cr_assert_eq(
	    vakt_store_youth_move(st, "U-0001", "nina", who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "youth.move", "U-0001");
	snprintf(abs.coordinator, sizeof(abs.coordinator), "kari");
	snprintf(abs.substitute, sizeof(abs.substitute), "nina");
	cr_assert_eq(vakt_store_absence_add(st, &abs, who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "absence.add", "kari");
	cr_assert_eq(
	    vakt_store_absence_remove(st, abs.id, who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "absence.remove", "kari");
	row_youth(&row, 2, "U-0001", "due", "Ola", phones[3], "nina");
	cr_assert_eq(
	    vakt_store_import(st, &row, 1, who, NOW_MS, &added, &updated, &err),
	    0, "%s", err.msg);
	count++; /* youth.update, then the import row */
	assert_newest_audit(st, &count, "import", "directory");
	cr_assert_eq(
	    vakt_store_youth_remove(st, "U-0001", who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "youth.remove", "U-0001");
	cr_assert_eq(
	    vakt_store_coordinator_remove(st, "kari", who, NOW_MS, &err), 0);
	assert_newest_audit(st, &count, "coordinator.remove", "kari");
	cr_assert_eq(vakt_store_audit_list(st, 100, &a, &n, &err), 0);
	cr_assert_eq(n, count);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(phones) / sizeof(phones[0]); k++)
			cr_assert_null(strstr(a[i].detail, phones[k]), "%s: %s",
			    a[i].action, a[i].detail);
	}
	cr_assert_str_eq(
	    a[n - 1].detail, "service due, name Kari, phone +47*****001");
	cr_assert_str_eq(a[3].action, "youth.update");
	cr_assert_str_eq(a[3].detail, "phone +47*****001 -> +47*****011");
	free(a);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, audit_add_and_list_newest_first_with_limit)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_audit *a = NULL;
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_audit_list(st, 10, &a, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_null(a);
	cr_assert_eq(vakt_store_audit_add(st, "vaktd", "config.reload",
	                 "/etc/vakt/vakt.conf", "2 services", NOW_MS, &err),
	    0, "%s", err.msg);
	cr_assert_eq(vakt_store_audit_add(st, "vaktctl", "token.add", "leder1",
	                 NULL, NOW_MS + 1, &err),
	    0, "%s", err.msg);
	cr_assert_eq(vakt_store_audit_add(st, "vaktd", "config.reload",
	                 "/etc/vakt/vakt.conf", "", NOW_MS + 2, &err),
	    0);
	cr_assert_eq(vakt_store_audit_list(st, 2, &a, &n, &err), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(a[0].at_ms, NOW_MS + 2);
	cr_assert_str_eq(a[1].actor, "vaktctl");
	cr_assert_str_eq(a[1].action, "token.add");
	cr_assert_str_eq(a[1].subject, "leder1");
	cr_assert_str_eq(a[1].detail, "");
	cr_assert_gt(a[0].id, a[1].id);
	free(a);
	cr_assert_eq(vakt_store_audit_list(st, 0, &a, &n, &err), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(vakt_store_audit_list(st, 10, &a, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(a[2].detail, "2 services");
	free(a);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Another process holding the write lock. */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(store, mutation_fails_clearly_after_busy_timeout_while_another_writes)
{
	struct tmp t;
	struct vakt_store *st, *st2;
	struct vakt_coordinator c;
	struct vakt_caller caller;
	struct vakt_err err = {0};
	sqlite3 *other;
	int64_t t0, waited;

	tmp_make(&t);
	st = vakt_store_create(t.path, 150, NULL, &err);
	cr_assert_not_null(st, "%s", err.msg);
	seed(st);
	cr_assert_eq(sqlite3_open(t.path, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);

	coord_fill(&c, "lise", "due", "Lise", "+4791000005");
	t0 = mono_ms();
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err), -1);
	waited = mono_ms() - t0;
	cr_assert_eq(err.kind, VAKT_ERR_SYSTEM);
	cr_assert_str_eq(err.msg,
	    "coordinator add: cannot start a write: database is locked");
	cr_assert_geq(waited, 100, "waited %lld ms", (long long)waited);
	cr_assert_lt(waited, 3000, "waited %lld ms", (long long)waited);

	/* Reads go on (WAL): the call path and a second process's open. */
	cr_assert_eq(vakt_store_lookup_caller(
	                 st, "due", "+4792000001", 20260701, &caller, &err),
	    0, "%s", err.msg);
	cr_assert(caller.is_known);
	st2 = vakt_store_open(t.path, 150, &err);
	cr_assert_not_null(st2, "%s", err.msg);
	vakt_store_close(st2);

	cr_assert_eq(
	    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err), 0,
	    "works again once the lock is gone: %s", err.msg);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Issue 10: a lost database is never replaced by an empty one (B9). */

Test(store, open_refuses_a_missing_database_and_creates_none_issue10)
{
	struct tmp t;
	struct vakt_err err = {0};
	char want[256];

	tmp_make(&t);
	cr_assert_null(vakt_store_open(t.path, 1000, &err));
	cr_assert_eq(err.kind, VAKT_ERR_DATA, "%s", err.msg);
	snprintf(want, sizeof(want), "%s: no database", t.path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(access(t.path, F_OK), -1, "open created %s", t.path);
	tmp_clean(&t);
}

Test(store, open_refuses_an_empty_file_and_leaves_it_empty_issue10)
{
	struct tmp t;
	struct vakt_err err = {0};
	struct stat sb;
	FILE *f;

	tmp_make(&t);
	f = fopen(t.path, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_null(vakt_store_open(t.path, 1000, &err));
	cr_assert_eq(err.kind, VAKT_ERR_DATA, "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "no database"), "%s", err.msg);
	cr_assert_eq(stat(t.path, &sb), 0);
	cr_assert_eq(sb.st_size, 0, "still empty");
	tmp_clean(&t);
}

Test(store, create_makes_a_database_and_only_migrates_an_existing_one_issue10)
{
	struct tmp t;
	struct vakt_err err = {0};
	struct vakt_store *st;
	struct vakt_coordinator c;
	int found = -1;

	tmp_make(&t);
	st = vakt_store_create(t.path, 1000, &found, &err);
	cr_assert_not_null(st, "%s", err.msg);
	cr_assert_eq(found, 0);
	cr_assert_eq(vakt_store_version(st), VAKT_STORE_VERSION);
	coord_fill(&c, "kari", "due", "Kari", "+4791000001");
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "t", NOW_MS, &err), 0,
	    "%s", err.msg);
	vakt_store_close(st);

	st = vakt_store_create(t.path, 1000, &found, &err);
	cr_assert_not_null(st, "%s", err.msg);
	cr_assert_eq(found, VAKT_STORE_VERSION);
	cr_assert_eq(vakt_store_coordinator_get(st, "kari", &c, &err), 1,
	    "kept: %s", err.msg);
	vakt_store_close(st);
	/* And vakt_store_open() opens what create made. */
	st = vakt_store_open(t.path, 1000, &err);
	cr_assert_not_null(st, "%s", err.msg);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, check_reports_a_deleted_or_replaced_database_file_issue10)
{
	struct tmp t;
	struct vakt_err err = {0};
	struct vakt_store *st, *other;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_check(st, &err), 0, "%s", err.msg);
	cr_assert_eq(unlink(t.path), 0);
	cr_assert_eq(vakt_store_check(st, &err), -1);
	cr_assert_not_null(
	    strstr(err.msg, "database file deleted"), "%s", err.msg);
	/* A new file at the path is not the open database either. */
	other = open_ok(t.path);
	cr_assert_eq(vakt_store_check(st, &err), -1);
	cr_assert_eq(vakt_store_check(other, &err), 0, "%s", err.msg);
	vakt_store_close(other);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ------------------------------------------------------------------ */
/* Issue 10: the purge does not trust a clock far ahead (B10). */

#define DAY_MS INT64_C(86400000)

Test(store, purge_trusts_now_unless_far_past_the_mark_issue10)
{
	/* No mark (an empty database): nothing to protect. */
	cr_assert_eq(vakt_store_purge_trust(NOW_MS, 0), NOW_MS);
	/* Daily runs: the mark is a day old. */
	cr_assert_eq(vakt_store_purge_trust(NOW_MS, NOW_MS - DAY_MS), NOW_MS);
	cr_assert_eq(vakt_store_purge_trust(NOW_MS, NOW_MS - 2 * DAY_MS),
	    NOW_MS, "the slack itself is trusted");
	/* A clock behind the mark is trusted (it deletes less). */
	cr_assert_eq(vakt_store_purge_trust(NOW_MS, NOW_MS + DAY_MS), NOW_MS);
	/* faketime -f +2000d: at most the slack past the mark. */
	cr_assert_eq(vakt_store_purge_trust(NOW_MS + 2000 * DAY_MS, NOW_MS),
	    NOW_MS + VAKT_PURGE_SLACK_MS);
	cr_assert_eq(vakt_store_purge_trust(NOW_MS, NOW_MS - 2 * DAY_MS - 1),
	    NOW_MS - 1);
}

static void
contact_at(const char *path, const char *sid, int64_t received_ms)
{
	char sql[400];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO contacts (service, kind, provider_id, caller,"
	    " category, why, plan, received_ms) VALUES"
	    " ('due', 0, '%s', '+4798765432', 0, 0, '', %lld)",
	    sid, (long long)received_ms);
	raw_exec(path, sql);
}

/*
 * The mark is the last run's trusted time, else the newest contact:
 * a jump of 2000 days purges as of two days past the newest contact,
 * and the run's audit row moves the mark on by the slack only.
 */
Test(store, purge_clock_follows_the_mark_not_a_jumped_clock_issue10)
{
	struct tmp t;
	struct vakt_err err = {0};
	struct vakt_store *st;
	int64_t trusted = 0, jumped = NOW_MS + 2000 * DAY_MS;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_purge_clock(st, jumped, &trusted, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(trusted, jumped, "an empty database has no mark");
	contact_at(t.path, "CA-1", NOW_MS - 10 * DAY_MS);
	contact_at(t.path, "CA-2", NOW_MS - 3 * DAY_MS);
	cr_assert_eq(vakt_store_purge_clock(st, jumped, &trusted, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(trusted, NOW_MS - 3 * DAY_MS + VAKT_PURGE_SLACK_MS);
	cr_assert_eq(vakt_store_purge_done(st, "t", trusted, 1825, 0, &err), 0,
	    "%s", err.msg);
	/* The next run (a day later, still jumped) moves on by the slack. */
	cr_assert_eq(
	    vakt_store_purge_clock(st, jumped + DAY_MS, &trusted, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(trusted, NOW_MS - 3 * DAY_MS + 2 * VAKT_PURGE_SLACK_MS);
	/* A quiet service: the run's mark, not the old contact, counts. */
	cr_assert_eq(
	    vakt_store_purge_done(st, "t", NOW_MS + 30 * DAY_MS, 1825, 0, &err),
	    0, "%s", err.msg);
	cr_assert_eq(
	    vakt_store_purge_clock(st, NOW_MS + 31 * DAY_MS, &trusted, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(trusted, NOW_MS + 31 * DAY_MS);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ---------------------------------------------------------------- */
/* Request savepoints inside the batch (issue 10, B7). */

static int
coord_exists(struct vakt_store *st, const char *id)
{
	struct vakt_coordinator c;
	struct vakt_err err = {0};
	int found = vakt_store_coordinator_get(st, id, &c, &err);

	cr_assert_neq(found, -1, "get %s: %s", id, err.msg);
	return found;
}

Test(store, a_request_rolled_back_to_its_savepoint_leaves_the_batch_issue10)
{
	struct vakt_err err = {0};
	struct vakt_store *st;
	struct tmp t;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_batch_begin(st, &err), 0, "%s", err.msg);
	/* The first request's write is kept in the batch. */
	cr_assert_eq(vakt_store_batch_mark(st, &err), 0, "%s", err.msg);
	add_coord(st, "kari", "due", "Kari", "+4791000001");
	cr_assert_eq(vakt_store_batch_keep(st, &err), 0, "%s", err.msg);
	/* The second wrote two rows, then failed: both go. */
	cr_assert_eq(vakt_store_batch_mark(st, &err), 0, "%s", err.msg);
	add_coord(st, "nina", "due", "Nina", "+4791000002");
	add_coord(st, "per", "due", "Per", "+4791000003");
	cr_assert_eq(vakt_store_batch_undo(st, &err), 0, "%s", err.msg);
	cr_assert(vakt_store_batch_is_open(st));
	cr_assert_eq(vakt_store_batch_commit(st, &err), 0, "%s", err.msg);
	cr_assert_eq(coord_exists(st, "kari"), 1);
	cr_assert_eq(coord_exists(st, "nina"), 0);
	cr_assert_eq(coord_exists(st, "per"), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, a_request_savepoint_needs_an_open_batch_issue10)
{
	struct vakt_err err = {0};
	struct vakt_store *st;
	struct tmp t;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_batch_mark(st, &err), -1);
	cr_assert_not_null(strstr(err.msg, "no longer open"), "%s", err.msg);
	cr_assert_eq(vakt_store_batch_undo(st, &err), -1);
	cr_assert_eq(vakt_store_batch_keep(st, &err), -1);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ---------------------------------------------------------------- */
/* The follow-up queue (issue 11). */

Test(store, a_followup_is_marked_done_once_and_never_with_a_made_up_outcome)
{
	struct vakt_err err = {0};
	struct vakt_store *st;
	struct vakt_followup *v = NULL, f;
	size_t n = 9;
	bool closed = true;
	struct tmp t;

	tmp_make(&t);
	st = open_ok(t.path);
	contact_at(t.path, "CA-1", NOW_MS);
	raw_exec(t.path,
	    "INSERT INTO followups (contact, service, kind, caller, opened_ms)"
	    " VALUES (1, 'due', 0, '+4798765432', 1780000000000)");
	cr_assert_eq(vakt_store_followup_list(st, false, "due", 10, &v, &n, &err),
	    0, "%s", err.msg);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].contact_id, 1);
	cr_assert_str_eq(v[0].youth, "", "an unknown caller");
	cr_assert_eq(v[0].resp_role, VAKT_ROLE_BEREDSKAP);
	cr_assert_not(v[0].is_done);
	free(v);
	cr_assert_eq(vakt_store_followup_get(st, 99, &f, &err), 0);
	cr_assert_eq(vakt_store_followup_done(
	                 st, 1, "nonsense", "lea", NOW_MS, &closed, &err),
	    -1, "the table refuses what is no outcome");
	cr_assert_eq(vakt_store_followup_get(st, 1, &f, &err), 1, "%s", err.msg);
	cr_assert_not(f.is_done, "and changes nothing");
	cr_assert_eq(vakt_store_followup_done(
	                 st, 1, "no_need", "lea", NOW_MS + 5, &closed, &err),
	    0, "%s", err.msg);
	cr_assert(closed);
	cr_assert_eq(vakt_store_followup_done(
	                 st, 1, "texted", "lea", NOW_MS + 9, &closed, &err),
	    0, "%s", err.msg);
	cr_assert_not(closed, "done once");
	cr_assert_eq(vakt_store_followup_get(st, 1, &f, &err), 1, "%s", err.msg);
	cr_assert(f.is_done);
	cr_assert_str_eq(f.outcome, "no_need");
	cr_assert_eq(f.closed_ms, NOW_MS + 5);
	cr_assert_str_eq(f.closed_by, "lea");
	cr_assert_eq(vakt_store_followup_list(st, false, NULL, 10, &v, &n, &err),
	    0, "%s", err.msg);
	cr_assert_eq(n, 0);
	cr_assert_eq(vakt_store_followup_list(st, true, NULL, 10, &v, &n, &err),
	    0, "%s", err.msg);
	cr_assert_eq(n, 1);
	free(v);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ---------------------------------------------------------------- */
/* Staff and the beredskap rota (issue 11). */

static void
add_staff(struct vakt_store *st, const char *id, const char *phone,
    const char *service)
{
	struct vakt_staff m = {.role = VAKT_AUTH_LEADER};
	struct vakt_err err = {0};

	snprintf(m.id, sizeof(m.id), "%s", id);
	snprintf(m.name, sizeof(m.name), "Leder %s", id);
	snprintf(m.phone, sizeof(m.phone), "%s", phone);
	snprintf(m.service, sizeof(m.service), "%s", service);
	cr_assert_eq(vakt_store_staff_add(st, &m, "test", 1, &err), 0, "%s",
	    err.msg);
}

/* Add a slot; returns its id, or -1 with *overlap and err set. */
static int64_t
add_slot(struct vakt_store *st, const char *staff, int64_t from, int64_t to,
    int64_t *overlap, struct vakt_err *err)
{
	struct vakt_rota_slot r = {.from_ms = from, .to_ms = to};

	snprintf(r.service, sizeof(r.service), "due");
	snprintf(r.staff, sizeof(r.staff), "%s", staff);
	if (vakt_store_rota_add(st, &r, "test", 1, overlap, err) == -1)
		return -1;
	return r.id;
}

Test(store, staff_ids_never_clash_with_coordinators_and_phones_are_unique)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_staff m = {.role = VAKT_AUTH_ADMIN}, *v = NULL;
	struct vakt_coordinator c = {0};
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "lise", "+4793000001", "");
	snprintf(m.id, sizeof(m.id), "kari");
	snprintf(m.name, sizeof(m.name), "X");
	snprintf(m.phone, sizeof(m.phone), "+4793000002");
	cr_assert_eq(vakt_store_staff_add(st, &m, "test", 1, &err), -1);
	cr_assert_str_eq(err.msg, "staff add: id \"kari\" is a coordinator");
	snprintf(m.id, sizeof(m.id), "lise2");
	snprintf(m.phone, sizeof(m.phone), "+4793000001");
	cr_assert_eq(vakt_store_staff_add(st, &m, "test", 1, &err), -1);
	cr_assert_eq(err.kind, VAKT_ERR_DATA);
	cr_assert_not_null(strstr(err.msg, "already belongs to staff lise"));
	c = (struct vakt_coordinator){.id = "lise", .service = "due",
	    .name = "Lise", .phone = "+4793000009"};
	cr_assert_eq(vakt_store_coordinator_add(st, &c, "test", 1, &err), -1);
	cr_assert_str_eq(err.msg, "coordinator add: id \"lise\" is staff");
	/* A staff phone is never a youth's, either way round. */
	snprintf(m.id, sizeof(m.id), "lise3");
	snprintf(m.phone, sizeof(m.phone), "+4792000001");
	cr_assert_eq(vakt_store_staff_add(st, &m, "test", 1, &err), -1);
	cr_assert_str_eq(
	    err.msg, "staff add: phone +4792000001 belongs to youth U-0001");
	{
		struct vakt_youth y = {.id = "U-0009", .service = "due",
		    .phone = "+4793000001", .coordinator = "kari"};

		cr_assert_eq(vakt_store_youth_add(st, &y, "test", 1, &err), -1);
		cr_assert_str_eq(
		    err.msg, "youth add: phone +4793000001 belongs to staff lise");
	}
	cr_assert_eq(vakt_store_staff_list(st, &v, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0].id, "lise");
	cr_assert_eq(v[0].role, VAKT_AUTH_LEADER);
	free(v);
	cr_assert_eq(vakt_store_staff_remove(st, "lise", "test", 2, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(vakt_store_staff_remove(st, "lise", "test", 2, &err), -1);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, rota_slots_of_one_service_never_overlap)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	int64_t ov = 0, first, id;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "lise", "+4793000001", "due");
	first = add_slot(st, "lise", 1000, 2000, &ov, &err);
	cr_assert_gt(first, 0, "%s", err.msg);
	/* Inside, around, across either end: refused, naming the slot. */
	static const int64_t bad[][2] = {
	    {1200, 1800}, {500, 2500}, {500, 1001}, {1999, 3000}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(
		    add_slot(st, "kari", bad[i][0], bad[i][1], &ov, &err), -1);
		cr_assert_eq(ov, first, "case %zu", i);
		cr_assert_eq(err.kind, VAKT_ERR_DATA);
		cr_assert_not_null(strstr(err.msg, "overlaps slot"), "%s",
		    err.msg);
	}
	/* Touching ends are no overlap: to is exclusive. */
	id = add_slot(st, "kari", 2000, 3000, &ov, &err);
	cr_assert_gt(id, first, "%s", err.msg);
	cr_assert_eq(ov, 0);
	cr_assert_gt(add_slot(st, "nina", 0, 1000, &ov, &err), 0, "%s",
	    err.msg);
	/* A coordinator who holds a slot stays until the slot goes. */
	cr_assert_eq(
	    vakt_store_coordinator_remove(st, "nina", "test", 2, &err), -1);
	cr_assert_not_null(strstr(err.msg, "still holds rota slot"), "%s",
	    err.msg);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, rota_holders_belong_to_the_service_and_from_precedes_to)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	int64_t ov = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "oslo-leder", "+4793000002", "oslo");
	cr_assert_eq(add_slot(st, "per", 0, 10, &ov, &err), -1,
	    "per coordinates in oslo, not due");
	cr_assert_str_eq(err.msg,
	    "rota add: no coordinator or staff \"per\" in service due");
	cr_assert_eq(add_slot(st, "oslo-leder", 0, 10, &ov, &err), -1);
	cr_assert_eq(add_slot(st, "nobody", 0, 10, &ov, &err), -1);
	cr_assert_eq(add_slot(st, "kari", 10, 10, &ov, &err), -1);
	cr_assert_str_eq(err.msg, "rota add: from must be before to");
	cr_assert_eq(ov, 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, rota_holder_is_who_holds_the_slot_now)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_err err = {0};
	struct vakt_person p;
	struct vakt_rota_slot *v = NULL;
	int64_t ov = 0, id;
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "lise", "+4793000001", "");
	id = add_slot(st, "lise", 1000, 2000, &ov, &err);
	cr_assert_gt(add_slot(st, "kari", 2000, 3000, &ov, &err), 0);
	cr_assert_eq(vakt_store_rota_holder(st, "due", 999, &p, &err), 0);
	cr_assert_str_eq(p.phone, "");
	cr_assert_eq(vakt_store_rota_holder(st, "due", 1000, &p, &err), 1);
	cr_assert_str_eq(p.id, "lise");
	cr_assert_str_eq(p.name, "Leder lise");
	cr_assert_str_eq(p.phone, "+4793000001");
	cr_assert_eq(vakt_store_rota_holder(st, "due", 2000, &p, &err), 1);
	cr_assert_str_eq(p.id, "kari", "to is exclusive");
	cr_assert_str_eq(p.phone, "+4791000001");
	cr_assert_eq(vakt_store_rota_holder(st, "oslo", 1500, &p, &err), 0);
	cr_assert_eq(vakt_store_rota_list(st, "due", 0, 1500, &v, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].id, id);
	free(v);
	/* A holder with slots cannot go; without the slot it can. */
	cr_assert_eq(vakt_store_staff_remove(st, "lise", "test", 2, &err), -1);
	cr_assert_not_null(strstr(err.msg, "still holds rota slot"));
	cr_assert_eq(vakt_store_rota_remove(st, id, "test", 2, &err), 1);
	cr_assert_eq(vakt_store_rota_remove(st, id, "test", 2, &err), 0);
	cr_assert_eq(vakt_store_rota_holder(st, "due", 1500, &p, &err), 0);
	cr_assert_eq(vakt_store_staff_remove(st, "lise", "test", 2, &err), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

/* ---------------------------------------------------------------- */
/* Login codes and sessions (issue 11). */

Test(store, login_finds_coordinators_and_staff_by_phone_with_their_role)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_staff s;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "lise", "+4793000001", "");
	cr_assert_eq(vakt_store_login_who(st, "+4791000001", &s, &err), 1);
	cr_assert_str_eq(s.id, "kari");
	cr_assert_eq(s.role, VAKT_AUTH_COORDINATOR);
	cr_assert_str_eq(s.service, "due");
	cr_assert_eq(vakt_store_login_who(st, "+4793000001", &s, &err), 1);
	cr_assert_str_eq(s.id, "lise");
	cr_assert_eq(s.role, VAKT_AUTH_LEADER);
	cr_assert_eq(vakt_store_login_who(st, "+4792000001", &s, &err), 0,
	    "a youth is no staff");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, a_login_code_is_live_until_used_expired_or_out_of_tries)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_login_code c;
	struct vakt_err err = {0};
	const char *ph = "+4791000001";
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	cr_assert_eq(vakt_store_login_code_add(st, ph, "h1", "s1", 1000, 2000,
	                 &err),
	    0, "%s", err.msg);
	cr_assert_eq(vakt_store_login_code_count(st, ph, 1000, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(vakt_store_login_code_count(st, ph, 1001, &n, &err), 0);
	cr_assert_eq(n, 0, "made before the window");
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1999, 5, &c, &err), 1);
	cr_assert_str_eq(c.hash, "h1");
	cr_assert_str_eq(c.salt, "s1");
	cr_assert_eq(vakt_store_login_code_live(st, ph, 2000, 5, &c, &err), 0,
	    "expired");
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1500, 5, &c, &err), 1);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(
		    vakt_store_login_code_try(st, c.id, false, &err), 0);
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1500, 5, &c, &err), 1);
	cr_assert_eq(c.tries, 4);
	cr_assert_eq(vakt_store_login_code_try(st, c.id, false, &err), 0);
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1500, 5, &c, &err), 0,
	    "five tries used");
	cr_assert_eq(vakt_store_login_code_add(st, ph, "h2", "s2", 1100, 2000,
	                 &err),
	    0);
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1500, 5, &c, &err), 1);
	cr_assert_eq(vakt_store_login_code_try(st, c.id, true, &err), 0);
	cr_assert_eq(vakt_store_login_code_live(st, ph, 1500, 5, &c, &err), 0,
	    "a used code is spent");
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, a_session_lives_while_used_and_its_staff_member_exists)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_session m = {.role = VAKT_AUTH_LEADER}, got;
	struct vakt_err err = {0};

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	add_staff(st, "lise", "+4793000001", "");
	snprintf(m.staff, sizeof(m.staff), "lise");
	snprintf(m.csrf, sizeof(m.csrf), "c1");
	cr_assert_eq(vakt_store_session_add(st, "hash1", &m, 1000, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(
	    vakt_store_session_check(st, "hash1", 999, 5000, &got, &err), 1);
	cr_assert_str_eq(got.staff, "lise");
	cr_assert_eq(got.role, VAKT_AUTH_LEADER);
	cr_assert_str_eq(got.csrf, "c1");
	cr_assert_eq(
	    vakt_store_session_check(st, "hash1", 4999, 6000, &got, &err), 1,
	    "its use at 5000 kept it alive");
	cr_assert_eq(
	    vakt_store_session_check(st, "hash1", 6000, 7000, &got, &err), 0,
	    "idle since 6000");
	cr_assert_eq(
	    vakt_store_session_check(st, "other", 0, 7000, &got, &err), 0);
	cr_assert_eq(vakt_store_staff_remove(st, "lise", "test", 8000, &err), 0);
	cr_assert_eq(
	    vakt_store_session_check(st, "hash1", 0, 9000, &got, &err), 0,
	    "a removed staff member's session is dead");
	cr_assert_eq(vakt_store_session_end(st, "hash1", &err), 1);
	cr_assert_eq(vakt_store_session_end(st, "hash1", &err), 0);
	vakt_store_close(st);
	tmp_clean(&t);
}

Test(store, pruning_forgets_old_codes_and_idle_sessions)
{
	struct tmp t;
	struct vakt_store *st;
	struct vakt_session m = {.role = VAKT_AUTH_COORDINATOR};
	struct vakt_login_code c;
	struct vakt_err err = {0};
	size_t n = 0;

	tmp_make(&t);
	st = open_ok(t.path);
	seed(st);
	snprintf(m.staff, sizeof(m.staff), "kari");
	cr_assert_eq(vakt_store_session_add(st, "old", &m, 1000, &err), 0);
	cr_assert_eq(vakt_store_session_add(st, "new", &m, 3000, &err), 0);
	cr_assert_eq(
	    vakt_store_login_code_add(st, "+47", "h", "s", 1000, 9000, &err), 0);
	cr_assert_eq(
	    vakt_store_login_code_add(st, "+47", "h", "s", 3000, 9000, &err), 0);
	cr_assert_eq(vakt_store_login_prune(st, 2000, 2000, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(vakt_store_login_code_count(st, "+47", 0, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(vakt_store_login_code_live(st, "+47", 4000, 5, &c, &err), 1);
	cr_assert_eq(vakt_store_session_end(st, "old", &err), 0, "pruned");
	cr_assert_eq(vakt_store_session_end(st, "new", &err), 1, "kept");
	vakt_store_close(st);
	tmp_clean(&t);
}
