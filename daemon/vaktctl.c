/*
 * vaktctl.c: the command line for operators and leaders.  The
 * directory (coordinators, youths, absences, CSV import), staff and
 * the beredskap rota, the audit trail, holidays, and `route`, which
 * explains a plan without calling anyone.  Built on the same modules
 * as vaktd and the same database.
 *
 * Exit codes (sysexits.h): 64 usage, 65 bad data, 74 database or file
 * I/O, 78 configuration.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vakt/api.h"
#include "vakt/auth.h"
#include "vakt/calendar.h"
#include "vakt/config.h"
#include "vakt/csv.h"
#include "vakt/http.h"
#include "vakt/report.h"
#include "vakt/router.h"
#include "vakt/store.h"
#include "vakt/twilio.h"
#include "vakt/util.h"

#ifndef SYSCONFDIR_VAKT
#define SYSCONFDIR_VAKT "/etc/vakt"
#endif

#define STORE_BUSY_MS  5000
#define MAX_POSITIONAL 4

struct ctl {
	const char *conf_path;
	struct vakt_config *cfg;
	struct vakt_store *store;
	struct vakt_tz tz;
	bool json;
	char actor[128];
};

/* One option of a command: --name VALUE, or a flag. */
struct opt {
	const char *name;
	const char **value; /* NULL for a flag */
	bool *flag;
};

static void complain(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
complain(const char *fmt, ...)
{
	va_list ap;

	fputs("vaktctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report err and map its kind to an exit code. */
static int
fail(const struct vakt_err *err)
{
	complain("%s", err->msg);
	return err->kind == VAKT_ERR_DATA ? EX_DATAERR : EX_IOERR;
}

/*
 * Split argv into positionals and --options ("--name value" or
 * "--name=value").  Returns 0, or EX_USAGE after saying why.
 */
static int
parse_opts(int argc, char **argv, const struct opt *opts, char **pos,
    size_t max_pos, size_t *n_pos)
{
	*n_pos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;
		size_t len;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (*n_pos == max_pos) {
				complain("unexpected argument \"%s\"", a);
				return EX_USAGE;
			}
			pos[(*n_pos)++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (o = opts; o->name != NULL; o++)
			if (strlen(o->name) == len &&
			    strncmp(o->name, a + 2, len) == 0)
				break;
		if (o->name == NULL) {
			complain("unknown option %s", a);
			return EX_USAGE;
		}
		if (o->value == NULL) {
			if (eq != NULL) {
				complain("option --%s takes no value", o->name);
				return EX_USAGE;
			}
			*o->flag = true;
		} else if (eq != NULL) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			complain("option --%s needs a value", o->name);
			return EX_USAGE;
		}
	}
	return 0;
}

static int
need_config(struct ctl *c)
{
	struct vakt_strlist errs = {0};

	if (c->cfg != NULL)
		return 0;
	if (vakt_config_load(c->conf_path, &c->cfg, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		vakt_strlist_free(&errs);
		return EX_CONFIG;
	}
	if (setenv("TZ", c->cfg->timezone, 1) == -1)
		return EX_OSERR;
	tzset();
	return 0;
}

static int
need_store(struct ctl *c)
{
	struct vakt_err err;
	int rc;

	if (c->store != NULL)
		return 0;
	if ((rc = need_config(c)) != 0)
		return rc;
	/* Only init creates a database (an empty one hides a lost one). */
	c->store = vakt_store_open(c->cfg->database, STORE_BUSY_MS, &err);
	if (c->store == NULL) {
		complain("%s", err.msg);
		if (err.kind == VAKT_ERR_DATA)
			complain(
			    "create it with: vaktctl -c %s init", c->conf_path);
		return EX_IOERR;
	}
	return 0;
}

/*
 * init: create the configured database, or bring an existing one to
 * this vakt's schema.  It never empties or replaces a database, so it
 * is safe to run again (make run and install scripts do): a current
 * database is left as it is.
 */
static int
cmd_init(struct ctl *c, int argc, char **argv)
{
	const struct opt opts[] = {{NULL, NULL, NULL}};
	struct vakt_err err;
	size_t n_pos;
	char *pos[1];
	int rc, found;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0 ||
	    (rc = need_config(c)) != 0)
		return rc;
	c->store =
	    vakt_store_create(c->cfg->database, STORE_BUSY_MS, &found, &err);
	if (c->store == NULL) {
		complain("%s", err.msg);
		return EX_IOERR;
	}
	if (found == 0)
		printf("created %s (schema version %d)\n", c->cfg->database,
		    vakt_store_version(c->store));
	else if (found < vakt_store_version(c->store))
		printf("migrated %s from schema version %d to %d\n",
		    c->cfg->database, found, vakt_store_version(c->store));
	else
		printf("%s exists (schema version %d); nothing to do\n",
		    c->cfg->database, found);
	return 0;
}

/*
 * The service a command is about: --service SVC, or the only one.
 * Returns NULL after complaining (exit 64 for "which one?", 65 for an
 * unknown id, told through *rc).
 */
static const struct vakt_service *
pick_service(struct ctl *c, const char *id, int *rc)
{
	if (id != NULL) {
		const struct vakt_service *svc =
		    vakt_config_service_by_id(c->cfg, id);

		if (svc == NULL) {
			complain("no service \"%s\" in %s", id, c->cfg->path);
			*rc = EX_DATAERR;
		}
		return svc;
	}
	if (c->cfg->n_services == 1)
		return &c->cfg->services[0];
	complain("there are %zu services: say which with --service",
	    c->cfg->n_services);
	*rc = EX_USAGE;
	return NULL;
}

/* Normalise a phone argument; complains and returns -1 if it is bad. */
static int
phone_arg(const char *what, const char *in, char out[VAKT_E164_LEN])
{
	if (in == NULL) {
		complain("%s: --phone is required", what);
		return -1;
	}
	if (vakt_e164_normalize(in, out) == -1) {
		complain("%s: \"%s\" is not a phone number (E.164 like "
		         "+4791234567, or 8 Norwegian digits)",
		    what, in);
		return -1;
	}
	return 0;
}

/*
 * A staff number (a service number, beredskap, fallback) may never be
 * registered as a youth or a coordinator: a reply from it would be
 * taken for a youth's message, or a call to it would loop.
 */
static int
check_not_service_number(
    const struct ctl *c, const char *what, const char *phone)
{
	for (size_t i = 0; i < c->cfg->n_services; i++) {
		const struct vakt_service *s = &c->cfg->services[i];
		const char *role = NULL;

		if (strcmp(phone, s->number) == 0)
			role = "number";
		else if (strcmp(phone, s->beredskap) == 0)
			role = "beredskap";
		else if (s->fallback != NULL && strcmp(phone, s->fallback) == 0)
			role = "fallback";
		if (role != NULL) {
			complain("%s: %s is service %s's %s", what, phone,
			    s->id, role);
			return -1;
		}
	}
	return 0;
}

static void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));

	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(j);
}

/* A text table: columns padded to their widest cell, in characters. */
#define TABLE_COLS_MAX 8

struct table {
	size_t n_cols;
	struct vakt_strlist cells;
};

static void
table_row(struct table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->n_cols; i++)
		vakt_strlist_add(
		    &t->cells, "%s", cells[i] != NULL ? cells[i] : "");
}

static void
table_print(struct table *t)
{
	size_t width[TABLE_COLS_MAX] = {0};
	char **cells = t->cells.v;

	for (size_t i = 0; i < t->cells.n; i++) {
		size_t w = vakt_utf8_chars(cells[i]);

		if (w > width[i % t->n_cols])
			width[i % t->n_cols] = w;
	}
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t col = i % t->n_cols;

		fputs(cells[i], stdout);
		if (col == t->n_cols - 1) {
			fputc('\n', stdout);
			continue;
		}
		for (size_t k = vakt_utf8_chars(cells[i]); k < width[col] + 2;
		     k++)
			fputc(' ', stdout);
	}
	vakt_strlist_free(&t->cells);
}

/* A listing: JSON with --json, else the table.  Frees both. */
static void
finish_listing(const struct ctl *c, json_t *arr, struct table *t)
{
	if (c->json) {
		print_json(arr);
		vakt_strlist_free(&t->cells);
	} else {
		json_decref(arr);
		table_print(t);
	}
}

/* UTC ms as local "YYYY-MM-DD HH:MM:SS". */
static void
when_local(int64_t ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&s, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)vakt_strlcpy(out, "?", 32);
}

/* Copy an id argument into a fixed field; complains if too long. */
static int
id_arg(const char *what, const char *in, char *out, size_t len)
{
	if (in == NULL || in[0] == '\0') {
		complain("%s: an id is required", what);
		return -1;
	}
	if (vakt_strlcpy(out, in, len) == -1) {
		complain("%s: \"%s\" is too long (at most %zu characters)",
		    what, in, len - 1);
		return -1;
	}
	return 0;
}

static int
coordinator_add(struct ctl *c, const char *id, const char *name,
    const char *phone, const char *service)
{
	struct vakt_coordinator co = {0};
	const struct vakt_service *svc;
	struct vakt_err err;
	int rc = 0;

	/* A missing option is a usage error; a bad value is bad data. */
	if (name == NULL || phone == NULL) {
		complain("coordinator add: --name and --phone are required");
		return EX_USAGE;
	}
	if ((svc = pick_service(c, service, &rc)) == NULL)
		return rc;
	if (id_arg("coordinator add", id, co.id, sizeof(co.id)) == -1 ||
	    phone_arg("coordinator add", phone, co.phone) == -1)
		return EX_DATAERR;
	if (vakt_strlcpy(co.name, name, sizeof(co.name)) == -1) {
		complain("coordinator add: --name is too long (at most %zu "
		         "bytes)",
		    sizeof(co.name) - 1);
		return EX_DATAERR;
	}
	if (check_not_service_number(c, "coordinator add", co.phone) == -1)
		return EX_DATAERR;
	(void)vakt_strlcpy(co.service, svc->id, sizeof(co.service));
	if (vakt_store_coordinator_add(
	        c->store, &co, c->actor, vakt_clock_now_ms(), &err) == -1)
		return fail(&err);
	printf("coordinator %s added to %s\n", co.id, co.service);
	return 0;
}

static int
coordinator_list(struct ctl *c, const char *service)
{
	struct vakt_coordinator *v;
	struct vakt_err err;
	struct table t = {.n_cols = 4};
	json_t *arr;
	size_t n;
	int rc = 0;

	if (service != NULL && pick_service(c, service, &rc) == NULL)
		return rc;
	if (vakt_store_coordinator_list(c->store, service, &v, &n, &err) == -1)
		return fail(&err);
	arr = json_array();
	table_row(&t, (const char *[]){"ID", "NAME", "PHONE", "SERVICE"});
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s, s:s}", "id", v[i].id, "name",
		        v[i].name, "phone", v[i].phone, "service",
		        v[i].service));
		table_row(&t,
		    (const char *[]){
		        v[i].id, v[i].name, v[i].phone, v[i].service});
	}
	finish_listing(c, arr, &t);
	free(v);
	return 0;
}

static int
cmd_coordinator(struct ctl *c, int argc, char **argv)
{
	const char *name = NULL, *phone = NULL, *service = NULL;
	const struct opt opts[] = {{"name", &name, NULL},
	    {"phone", &phone, NULL}, {"service", &service, NULL},
	    {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	struct vakt_err err;
	size_t n;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 2 && strcmp(pos[0], "add") == 0)
		return coordinator_add(c, pos[1], name, phone, service);
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return coordinator_list(c, service);
	if (n == 2 && strcmp(pos[0], "remove") == 0) {
		if (vakt_store_coordinator_remove(c->store, pos[1], c->actor,
		        vakt_clock_now_ms(), &err) == -1)
			return fail(&err);
		printf("coordinator %s removed\n", pos[1]);
		return 0;
	}
	complain("usage: coordinator add ID --name NAME --phone NUMBER "
	         "[--service SVC] | list [--service SVC] [--json] | remove ID");
	return EX_USAGE;
}

/*
 * The service of a new youth: --service, else the coordinator's, else
 * the only one.
 */
static int
youth_service(struct ctl *c, const char *service, const char *coordinator,
    char out[VAKT_ID_LEN])
{
	struct vakt_coordinator co;
	const struct vakt_service *svc;
	struct vakt_err err;
	int rc = 0;

	if (service == NULL && coordinator != NULL) {
		int found = vakt_store_coordinator_get(
		    c->store, coordinator, &co, &err);
		if (found == -1)
			return fail(&err);
		if (found == 1) {
			(void)vakt_strlcpy(out, co.service, VAKT_ID_LEN);
			return 0;
		}
	}
	if ((svc = pick_service(c, service, &rc)) == NULL)
		return rc;
	(void)vakt_strlcpy(out, svc->id, VAKT_ID_LEN);
	return 0;
}

static int
youth_add(struct ctl *c, const char *id, const char *name, const char *phone,
    const char *coordinator, const char *service)
{
	struct vakt_youth y = {0};
	struct vakt_err err;
	int rc;

	if (phone == NULL || coordinator == NULL) {
		complain("youth add: --phone and --coordinator are required");
		return EX_USAGE;
	}
	if (id_arg("youth add", id, y.id, sizeof(y.id)) == -1 ||
	    phone_arg("youth add", phone, y.phone) == -1)
		return EX_DATAERR;
	if (name != NULL && vakt_strlcpy(y.name, name, sizeof(y.name)) == -1) {
		complain("youth add: --name is too long (at most %zu bytes)",
		    sizeof(y.name) - 1);
		return EX_DATAERR;
	}
	if (id_arg("youth add", coordinator, y.coordinator,
	        sizeof(y.coordinator)) == -1 ||
	    check_not_service_number(c, "youth add", y.phone) == -1)
		return EX_DATAERR;
	if ((rc = youth_service(c, service, coordinator, y.service)) != 0)
		return rc;
	if (vakt_store_youth_add(
	        c->store, &y, c->actor, vakt_clock_now_ms(), &err) == -1)
		return fail(&err);
	printf("youth %s added to %s with coordinator %s\n", y.id, y.service,
	    y.coordinator);
	return 0;
}

static int
youth_list(struct ctl *c, const char *service, const char *coordinator)
{
	struct vakt_youth *v;
	struct vakt_err err;
	struct table t = {.n_cols = 5};
	json_t *arr;
	size_t n;
	int rc = 0;

	if (service != NULL && pick_service(c, service, &rc) == NULL)
		return rc;
	arr = json_array();
	if (vakt_store_youth_list(c->store, service, &v, &n, &err) == -1) {
		json_decref(arr);
		return fail(&err);
	}
	table_row(&t,
	    (const char *[]){"ID", "NAME", "PHONE", "COORDINATOR", "SERVICE"});
	for (size_t i = 0; i < n; i++) {
		if (coordinator != NULL &&
		    strcmp(v[i].coordinator, coordinator))
			continue;
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", v[i].id,
		        "name", v[i].name, "phone", v[i].phone, "coordinator",
		        v[i].coordinator, "service", v[i].service));
		table_row(&t,
		    (const char *[]){v[i].id, v[i].name, v[i].phone,
		        v[i].coordinator, v[i].service});
	}
	finish_listing(c, arr, &t);
	free(v);
	return 0;
}

static int
cmd_youth(struct ctl *c, int argc, char **argv)
{
	const char *name = NULL, *phone = NULL, *service = NULL, *co = NULL;
	const struct opt opts[] = {{"name", &name, NULL},
	    {"phone", &phone, NULL}, {"service", &service, NULL},
	    {"coordinator", &co, NULL}, {"json", NULL, &c->json},
	    {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	struct vakt_err err;
	size_t n;
	int rc = 0;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 2 && strcmp(pos[0], "add") == 0)
		return youth_add(c, pos[1], name, phone, co, service);
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return youth_list(c, service, co);
	if (n == 2 && strcmp(pos[0], "move") == 0 && co != NULL)
		rc = vakt_store_youth_move(
		    c->store, pos[1], co, c->actor, vakt_clock_now_ms(), &err);
	else if (n == 2 && strcmp(pos[0], "remove") == 0)
		rc = vakt_store_youth_remove(
		    c->store, pos[1], c->actor, vakt_clock_now_ms(), &err);
	else {
		complain("usage: youth add ID --phone NUMBER --coordinator CID "
		         "[--name NAME] [--service SVC] | list [--service SVC] "
		         "[--coordinator CID] [--json] | move ID --coordinator "
		         "CID | remove ID");
		return EX_USAGE;
	}
	if (rc == -1)
		return fail(&err);
	printf("youth %s %s\n", pos[1],
	    strcmp(pos[0], "move") == 0 ? "moved" : "removed");
	return 0;
}

static int
date_arg(const char *what, const char *opt, const char *in, int *date)
{
	if (in == NULL) {
		complain("%s: --%s YYYY-MM-DD is required", what, opt);
		return EX_USAGE;
	}
	if (vakt_date_parse(in, date) == -1) {
		complain("%s: --%s \"%s\" is not a date (YYYY-MM-DD)", what,
		    opt, in);
		return EX_DATAERR;
	}
	return 0;
}

static int
absence_add(struct ctl *c, const char *cid, const char *from, const char *to,
    const char *sub)
{
	struct vakt_absence a = {0};
	struct vakt_err err;
	int rc;

	if (id_arg("absence add", cid, a.coordinator, sizeof(a.coordinator)) ==
	        -1 ||
	    (sub != NULL &&
	        id_arg("absence add", sub, a.substitute,
	            sizeof(a.substitute)) == -1))
		return EX_DATAERR;
	if ((rc = date_arg("absence add", "from", from, &a.from)) != 0 ||
	    (rc = date_arg("absence add", "to", to, &a.to)) != 0)
		return rc;
	if (a.from > a.to) {
		complain("absence add: --from %s is after --to %s", from, to);
		return EX_DATAERR;
	}
	if (vakt_store_absence_add(
	        c->store, &a, c->actor, vakt_clock_now_ms(), &err) == -1)
		return fail(&err);
	printf("absence %lld added: %s away %s to %s%s%s\n", (long long)a.id,
	    a.coordinator, from, to, sub != NULL ? ", substitute " : "",
	    sub != NULL ? sub : "");
	return 0;
}

static int
absence_list(struct ctl *c, const char *service)
{
	struct vakt_absence *v;
	struct vakt_err err;
	struct table t = {.n_cols = 5};
	json_t *arr;
	size_t n;
	int rc = 0;

	if (service != NULL && pick_service(c, service, &rc) == NULL)
		return rc;
	arr = json_array();
	if (vakt_store_absence_list(c->store, service, &v, &n, &err) == -1) {
		json_decref(arr);
		return fail(&err);
	}
	table_row(&t,
	    (const char *[]){"N", "COORDINATOR", "FROM", "TO", "SUBSTITUTE"});
	for (size_t i = 0; i < n; i++) {
		char num[24], from[11], to[11];

		snprintf(num, sizeof(num), "%lld", (long long)v[i].id);
		vakt_date_format(v[i].from, from);
		vakt_date_format(v[i].to, to);
		json_array_append_new(arr,
		    json_pack("{s:I, s:s, s:s, s:s, s:s?}", "id",
		        (json_int_t)v[i].id, "coordinator", v[i].coordinator,
		        "from", from, "to", to, "substitute",
		        v[i].substitute[0] != '\0' ? v[i].substitute : NULL));
		table_row(&t,
		    (const char *[]){num, v[i].coordinator, from, to,
		        v[i].substitute[0] != '\0' ? v[i].substitute : "-"});
	}
	finish_listing(c, arr, &t);
	free(v);
	return 0;
}

static int
cmd_absence(struct ctl *c, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *sub = NULL, *service = NULL;
	const struct opt opts[] = {{"from", &from, NULL}, {"to", &to, NULL},
	    {"substitute", &sub, NULL}, {"service", &service, NULL},
	    {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	struct vakt_err err;
	size_t n;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 2 && strcmp(pos[0], "add") == 0)
		return absence_add(c, pos[1], from, to, sub);
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return absence_list(c, service);
	if (n == 2 && strcmp(pos[0], "remove") == 0) {
		char *end;
		long long id;

		errno = 0;
		id = strtoll(pos[1], &end, 10);
		if (errno != 0 || *end != '\0' || id <= 0) {
			complain("absence remove: \"%s\" is not an absence "
			         "number (see absence list)",
			    pos[1]);
			return EX_DATAERR;
		}
		if (vakt_store_absence_remove(c->store, id, c->actor,
		        vakt_clock_now_ms(), &err) == -1)
			return fail(&err);
		printf("absence %lld removed\n", id);
		return 0;
	}
	complain("usage: absence add CID --from YYYY-MM-DD --to YYYY-MM-DD "
	         "[--substitute CID] | list [--service SVC] [--json] | "
	         "remove N");
	return EX_USAGE;
}

/* Columns of the import file, found by their header names. */
enum { COL_TYPE, COL_ID, COL_NAME, COL_PHONE, COL_COORD, COL_SERVICE, N_COLS };

static const char *const col_names[N_COLS] = {
    "type", "id", "name", "phone", "coordinator", "service"};

static int
import_header(const struct vakt_csv_row *h, int col[N_COLS])
{
	for (int k = 0; k < N_COLS; k++)
		col[k] = -1;
	for (size_t i = 0; i < h->n; i++) {
		int k;

		for (k = 0; k < N_COLS; k++)
			if (strcasecmp(h->fields[i], col_names[k]) == 0)
				break;
		if (k == N_COLS) {
			complain(
			    "import: line %d: unknown column \"%s\" (columns "
			    "are type,id,name,phone,coordinator,service)",
			    h->line, h->fields[i]);
			return -1;
		}
		col[k] = (int)i;
	}
	if (col[COL_TYPE] < 0 || col[COL_ID] < 0 || col[COL_PHONE] < 0) {
		complain("import: line %d: the header must name at least the "
		         "columns type, id and phone",
		    h->line);
		return -1;
	}
	return 0;
}

static const char *
cell(const struct vakt_csv_row *r, const int col[N_COLS], int k)
{
	return col[k] >= 0 && (size_t)col[k] < r->n ? r->fields[col[k]] : "";
}

/* Fill the person fields shared by both kinds; -1 after complaining. */
static int
import_person(struct ctl *c, const struct vakt_csv_row *r, const int *col,
    char *id, char *name, char *phone, char *service)
{
	const char *svc = cell(r, col, COL_SERVICE);
	char what[32];

	snprintf(what, sizeof(what), "import: line %d", r->line);
	if (vakt_strlcpy(name, cell(r, col, COL_NAME), VAKT_NAME_LEN) == -1) {
		complain("%s: the name is too long (at most %d bytes)", what,
		    VAKT_NAME_LEN - 1);
		return -1;
	}
	if (id_arg(what, cell(r, col, COL_ID), id, VAKT_ID_LEN) == -1 ||
	    phone_arg(what, cell(r, col, COL_PHONE), phone) == -1 ||
	    check_not_service_number(c, what, phone) == -1)
		return -1;
	/* Name the line: an error without one is useless in a big file. */
	if (svc[0] != '\0' && vakt_config_service_by_id(c->cfg, svc) == NULL) {
		complain(
		    "%s: no service \"%s\" in %s", what, svc, c->cfg->path);
		return -1;
	}
	if (svc[0] == '\0' && c->cfg->n_services != 1) {
		complain("%s: the service column is empty and there are %zu "
		         "services",
		    what, c->cfg->n_services);
		return -1;
	}
	(void)vakt_strlcpy(service,
	    svc[0] != '\0' ? svc : c->cfg->services[0].id, VAKT_ID_LEN);
	return 0;
}

static int
import_row(struct ctl *c, const struct vakt_csv_row *r, size_t n_header,
    const int *col, struct vakt_import_row *out)
{
	const char *type = cell(r, col, COL_TYPE);

	memset(out, 0, sizeof(*out));
	out->line = r->line;
	if (r->n != n_header) {
		complain("import: line %d: %zu fields where the header has %zu",
		    r->line, r->n, n_header);
		return -1;
	}
	if (strcasecmp(type, "coordinator") == 0) {
		struct vakt_coordinator *co = &out->u.coordinator;

		if (cell(r, col, COL_NAME)[0] == '\0') {
			complain("import: line %d: a coordinator needs a name",
			    r->line);
			return -1;
		}
		return import_person(
		    c, r, col, co->id, co->name, co->phone, co->service);
	}
	if (strcasecmp(type, "youth") == 0) {
		struct vakt_youth *y = &out->u.youth;

		out->is_youth = true;
		if (vakt_strlcpy(y->coordinator, cell(r, col, COL_COORD),
		        sizeof(y->coordinator)) == -1 ||
		    y->coordinator[0] == '\0') {
			complain("import: line %d: a youth needs a coordinator",
			    r->line);
			return -1;
		}
		return import_person(
		    c, r, col, y->id, y->name, y->phone, y->service);
	}
	complain("import: line %d: type \"%s\" is neither coordinator nor "
	         "youth",
	    r->line, type);
	return -1;
}

/* A whole file, NUL-terminated; NULL with errno set. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct vakt_buf b = {0};
	char chunk[65536];
	size_t got;

	if (f == NULL)
		return NULL;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vakt_buf_add(&b, chunk, got);
	if (ferror(f)) {
		int saved = errno;

		fclose(f);
		vakt_buf_free(&b);
		errno = saved;
		return NULL;
	}
	fclose(f);
	return vakt_buf_take(&b, len);
}

/*
 * All or nothing: every row is checked before the database is touched,
 * and the store applies them in one transaction.
 */
static int
cmd_import(struct ctl *c, int argc, char **argv)
{
	const struct opt opts[] = {{NULL, NULL, NULL}};
	struct vakt_import_row *rows = NULL;
	struct vakt_csv_row *csv = NULL;
	size_t n_pos, n_csv = 0, added, updated, len;
	char *pos[1], *text = NULL;
	struct vakt_err err;
	int col[N_COLS], rc;

	if ((rc = parse_opts(argc, argv, opts, pos, 1, &n_pos)) != 0)
		return rc;
	if (n_pos != 1) {
		complain("usage: import FILE.csv");
		return EX_USAGE;
	}
	if ((rc = need_store(c)) != 0)
		return rc;
	if ((text = slurp(pos[0], &len)) == NULL) {
		complain("import: %s: %s", pos[0], strerror(errno));
		return EX_NOINPUT;
	}
	rc = EX_DATAERR;
	if (vakt_csv_parse(text, len, &csv, &n_csv, &err) == -1) {
		complain("import: %s: %s", pos[0], err.msg);
		goto out;
	}
	if (n_csv == 0 || import_header(&csv[0], col) == -1) {
		if (n_csv == 0)
			complain("import: %s is empty", pos[0]);
		goto out;
	}
	rows = vakt_xcalloc(n_csv, sizeof(*rows));
	for (size_t i = 1; i < n_csv; i++)
		if (import_row(c, &csv[i], csv[0].n, col, &rows[i - 1]) == -1)
			goto out;
	if (vakt_store_import(c->store, rows, n_csv - 1, c->actor,
	        vakt_clock_now_ms(), &added, &updated, &err) == -1) {
		complain("import: %s: %s", pos[0], err.msg);
		rc = err.kind == VAKT_ERR_DATA ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	printf("imported %s: %zu added, %zu updated\n", pos[0], added, updated);
	rc = 0;
out:
	vakt_csv_free(csv, n_csv);
	free(rows);
	free(text);
	return rc;
}

static int
cmd_audit(struct ctl *c, int argc, char **argv)
{
	const char *limit = "50";
	const struct opt opts[] = {{"limit", &limit, NULL},
	    {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	struct table t = {.n_cols = 5};
	struct vakt_audit *v;
	struct vakt_err err;
	char *pos[1], *end;
	size_t n_pos, n;
	json_t *arr;
	long lim;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0)
		return rc;
	lim = strtol(limit, &end, 10);
	if (*end != '\0' || lim <= 0) {
		complain("audit: --limit must be a positive number");
		return EX_USAGE;
	}
	if ((rc = need_store(c)) != 0)
		return rc;
	if (vakt_store_audit_list(c->store, (size_t)lim, &v, &n, &err) == -1)
		return fail(&err);
	arr = json_array();
	table_row(&t,
	    (const char *[]){"WHEN", "ACTOR", "ACTION", "SUBJECT", "DETAIL"});
	for (size_t i = 0; i < n; i++) {
		char when[32];

		when_local(v[i].at_ms, when);
		json_array_append_new(arr,
		    json_pack("{s:I, s:s, s:s, s:s, s:s}", "at_ms",
		        (json_int_t)v[i].at_ms, "actor", v[i].actor, "action",
		        v[i].action, "subject", v[i].subject, "detail",
		        v[i].detail));
		table_row(&t,
		    (const char *[]){when, v[i].actor, v[i].action,
		        v[i].subject, v[i].detail});
	}
	free(v);
	finish_listing(c, arr, &t);
	return 0;
}

/* Year 1900..2200 from a string; -1 if it is not one. */
static int
year_arg(const char *s)
{
	char *end;
	long y;

	errno = 0;
	y = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || y < VAKT_YEAR_MIN ||
	    y > VAKT_YEAR_MAX)
		return -1;
	return (int)y;
}

/* Minutes after midnight as "HH:MM". */
static void
hhmm(int minutes, char out[6])
{
	unsigned m = (unsigned)minutes % 1441;

	snprintf(out, 6, "%02u:%02u", m / 60, m % 60);
}

struct day_line {
	int date;
	size_t seq; /* order of insertion: law order within a date */
	char name[VAKT_NAME_LEN + 32];
	const struct vakt_special_day *special;
};

static int
cmp_day_line(const void *a, const void *b)
{
	const struct day_line *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	/* Public holidays before special days; otherwise keep law order. */
	if ((x->special == NULL) != (y->special == NULL))
		return x->special == NULL ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

static void
print_days(const struct ctl *c, struct day_line *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct vakt_special_day *sp = v[i].special;
		char date[11];
		json_t *o;

		vakt_date_format(v[i].date, date);
		if (!c->json) {
			printf("%s\t%s\n", date, v[i].name);
			continue;
		}
		o = json_pack("{s:s, s:s}", "date", date, "name", v[i].name);
		if (sp != NULL) {
			json_object_set_new(o, "special", json_true());
			json_object_set_new(
			    o, "closed", json_boolean(sp->closed));
		}
		if (sp != NULL && !sp->closed) {
			char open[6], close[6];

			hhmm(sp->hours.open_min, open);
			hhmm(sp->hours.close_min, close);
			json_object_set_new(o, "open", json_string(open));
			json_object_set_new(o, "close", json_string(close));
		}
		json_array_append_new(arr, o);
	}
	if (c->json)
		print_json(arr);
	else
		json_decref(arr);
}

/*
 * The country: --country, else the service's, else the country all
 * configured services share.
 */
static int
holiday_country(struct ctl *c, const char *country,
    const struct vakt_service *svc, enum vakt_country *out)
{
	if (country != NULL) {
		if (vakt_calendar_country_parse(country, out) == -1) {
			complain("holidays: --country must be NO, DK or SE");
			return EX_USAGE;
		}
		return 0;
	}
	if (svc != NULL) {
		*out = svc->cal.country;
		return 0;
	}
	for (size_t i = 1; i < c->cfg->n_services; i++)
		if (c->cfg->services[i].cal.country !=
		    c->cfg->services[0].cal.country) {
			complain("holidays: services differ in country: say "
			         "which with --country or --service");
			return EX_USAGE;
		}
	*out = c->cfg->services[0].cal.country;
	return 0;
}

static size_t
special_lines(
    const struct vakt_service *svc, int year, struct day_line *v, size_t n)
{
	for (size_t i = 0; svc != NULL && i < svc->cal.n_special; i++) {
		const struct vakt_special_day *sp = &svc->cal.special[i];
		char open[6], close[6];

		if (sp->date / 10000 != year)
			continue;
		v[n].date = sp->date;
		v[n].special = sp;
		hhmm(sp->hours.open_min, open);
		hhmm(sp->hours.close_min, close);
		if (sp->closed)
			snprintf(v[n].name, sizeof(v[n].name), "%s (closed)",
			    sp->name);
		else
			snprintf(v[n].name, sizeof(v[n].name),
			    "%s (open %s-%s)", sp->name, open, close);
		n++;
	}
	return n;
}

static int
cmd_holidays(struct ctl *c, int argc, char **argv)
{
	const char *country = NULL, *service = NULL;
	const struct opt opts[] = {{"country", &country, NULL},
	    {"service", &service, NULL}, {"json", NULL, &c->json},
	    {NULL, NULL, NULL}};
	struct vakt_holiday hol[VAKT_HOLIDAYS_MAX];
	const struct vakt_service *svc = NULL;
	enum vakt_country cc = VAKT_COUNTRY_NO;
	struct day_line *v;
	char *pos[1];
	size_t n_pos, n, cap;
	int year, rc = 0;

	if ((rc = parse_opts(argc, argv, opts, pos, 1, &n_pos)) != 0)
		return rc;
	if (n_pos != 1 || (year = year_arg(pos[0])) == -1) {
		complain("usage: holidays YEAR [--country NO|DK|SE] "
		         "[--service SVC] [--json]; YEAR is %d..%d",
		    VAKT_YEAR_MIN, VAKT_YEAR_MAX);
		return EX_USAGE;
	}
	/* A country alone needs no configuration file. */
	if (service != NULL || country == NULL) {
		if ((rc = need_config(c)) != 0)
			return rc;
		if (service != NULL &&
		    (svc = pick_service(c, service, &rc)) == NULL)
			return rc;
	}
	if ((rc = holiday_country(c, country, svc, &cc)) != 0)
		return rc;
	n = vakt_calendar_holidays(cc, year, hol);
	cap = n + (svc != NULL ? svc->cal.n_special : 0) + 1;
	v = vakt_xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].date = hol[i].date;
		(void)vakt_strlcpy(v[i].name, hol[i].name, sizeof(v[i].name));
	}
	n = special_lines(svc, year, v, n);
	for (size_t i = 0; i < n; i++)
		v[i].seq = i;
	qsort(v, n, sizeof(*v), cmp_day_line);
	print_days(c, v, n);
	free(v);
	return 0;
}

/* --at and the rota's times: calendar.h's local ISO date-time. */
static int
parse_at(const struct ctl *c, const char *s, int64_t *ms)
{
	return vakt_calendar_parse_time(&c->tz, s, ms);
}

/* "2026-11-23T21:14:00+01:00" */
static void
format_local(const struct vakt_civil *t, char out[32])
{
	int off = t->utc_offset_s, a = off < 0 ? -off : off;

	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    t->year % 10000, t->month % 100, t->day % 100, t->hour % 100,
	    t->min % 100, t->sec % 100, off < 0 ? '-' : '+', a / 3600 % 100,
	    a / 60 % 60);
}

static json_t *
plan_json(const struct vakt_plan *p, const struct vakt_caller *who)
{
	char at[32];
	json_t *steps = json_array(), *o;

	format_local(&p->at, at);
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vakt_step *st = &p->steps[i];

		json_t *j = json_pack("{s:s, s:s?, s:s, s:i}", "role",
		    vakt_router_role_name(st->role), "who",
		    st->who[0] != '\0' ? st->who : NULL, "number", st->number,
		    "timeout", st->timeout_s);

		/* Issue 11: which step came from the beredskap rota. */
		if (st->is_rota) {
			json_object_set_new(j, "rota", json_true());
			json_object_set_new(j, "name", json_string(st->name));
		}
		json_array_append_new(steps, j);
	}
	o = json_pack("{s:s, s:s, s:s}", "service", p->svc->id, "at", at,
	    "category", vakt_calendar_category_name(p->cat));
	if (p->cat == VAKT_CAT_HOLIDAY && p->day_name != NULL)
		json_object_set_new(o, "holiday", json_string(p->day_name));
	json_object_set_new(o, "youth",
	    who->is_known ? json_string(who->youth.id) : json_null());
	json_object_set_new(o, "coordinator",
	    who->is_known && who->coordinator.id[0] != '\0'
	        ? json_string(who->coordinator.id)
	        : json_null());
	json_object_set_new(o, "absent", json_boolean(p->is_absent));
	json_object_set_new(
	    o, "reason", json_string(vakt_router_why_text(p->why)));
	json_object_set_new(o, "steps", steps);
	return o;
}

static void
plan_text(
    const struct vakt_plan *p, const struct vakt_caller *who, const char *from)
{
	static const char *const wday[] = {"Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday"};
	char at[32];

	format_local(&p->at, at);
	printf("service   %s (%s, %s)\n", p->svc->id, p->svc->name,
	    p->svc->number);
	printf("time      %s, %s\n", at, wday[p->at.wday % 7]);
	printf("category  %s%s%s%s\n", vakt_calendar_category_name(p->cat),
	    p->day_name != NULL ? " (" : "",
	    p->day_name != NULL ? p->day_name : "",
	    p->day_name != NULL ? ")" : "");
	if (who->is_known)
		printf("caller    %s: youth %s%s%s%s, coordinator %s%s\n", from,
		    who->youth.id, who->youth.name[0] ? " (" : "",
		    who->youth.name, who->youth.name[0] ? ")" : "",
		    who->coordinator.id[0] ? who->coordinator.id : "(none)",
		    p->is_absent ? " (absent)" : "");
	else
		printf("caller    %s: not in the directory\n", from);
	printf("reason    %s\n", vakt_router_why_text(p->why));
	printf("plan\n");
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vakt_step *st = &p->steps[i];

		printf("  %zu. %-12s %-16s %-16s ring %d s%s\n", i + 1,
		    vakt_router_role_name(st->role),
		    st->who[0] != '\0' ? st->who : "-", st->number,
		    st->timeout_s, st->is_rota ? "  (rota)" : "");
	}
	printf("  then    the caller hears that nobody answered and to call "
	       "112 in an emergency\n");
}

static int
route_service(struct ctl *c, const char *to, const struct vakt_service **svc)
{
	char num[VAKT_E164_LEN];
	int rc = 0;

	if (to == NULL) {
		*svc = pick_service(c, NULL, &rc);
		if (*svc == NULL)
			complain("route: say which service number with --to");
		return rc;
	}
	if (vakt_e164_normalize(to, num) == -1 ||
	    (*svc = vakt_config_service_by_number(c->cfg, num)) == NULL) {
		complain("route: --to %s is no service number in %s", to,
		    c->cfg->path);
		return EX_DATAERR;
	}
	return 0;
}

static int
cmd_route(struct ctl *c, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *at = NULL;
	const struct opt opts[] = {{"from", &from, NULL}, {"to", &to, NULL},
	    {"at", &at, NULL}, {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	const struct vakt_service *svc = NULL;
	struct vakt_caller who;
	struct vakt_civil civ;
	struct vakt_plan plan;
	struct vakt_err err;
	char num[VAKT_E164_LEN], *pos[1];
	int64_t now;
	size_t n_pos;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0)
		return rc;
	if (from == NULL) {
		complain("usage: route --from NUMBER [--to SERVICE_NUMBER] "
		         "[--at YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]] [--json]");
		return EX_USAGE;
	}
	if ((rc = need_store(c)) != 0 || (rc = route_service(c, to, &svc)) != 0)
		return rc;
	if (vakt_e164_normalize(from, num) == -1) {
		complain("route: --from \"%s\" is not a phone number", from);
		return EX_DATAERR;
	}
	now = vakt_clock_now_ms();
	if (at != NULL && parse_at(c, at, &now) == -1) {
		complain("route: --at \"%s\" is not a time (YYYY-MM-DDTHH:MM, "
		         "optionally :SS and Z or ±HH:MM)",
		    at);
		return EX_DATAERR;
	}
	if (vakt_calendar_civil(&c->tz, now, &civ) == -1) {
		complain("route: cannot convert the time to local time");
		return EX_DATAERR;
	}
	/* The calendar knows 1900..2200; "2200-12-31T23:30Z" is 2201. */
	if (civ.year < VAKT_YEAR_MIN || civ.year > VAKT_YEAR_MAX) {
		complain("route: --at %s is local year %d, outside %d..%d", at,
		    civ.year, VAKT_YEAR_MIN, VAKT_YEAR_MAX);
		return EX_DATAERR;
	}
	if (vakt_store_lookup_caller(c->store, svc->id, num,
	        vakt_date_make(civ.year, civ.month, civ.day), &who,
	        &err) == -1 ||
	    vakt_store_rota_holder(
	        c->store, svc->id, now, &who.on_call, &err) == -1)
		return fail(&err);
	vakt_router_plan(svc, &who, &c->tz, now, &plan);
	if (c->json)
		print_json(plan_json(&plan, &who));
	else
		plan_text(&plan, &who, num);
	return 0;
}

/*
 * sign PATH [NAME=VALUE…]: the X-Twilio-Signature Twilio would send for
 * a form POST to http.public_url + PATH (to simulate webhooks with
 * curl, and to check a proxy's URL rewriting).
 */
static int
cmd_sign(struct ctl *c, int argc, char **argv)
{
	struct vakt_kvs form = {0};
	char sig[VAKT_TWILIO_SIG_LEN], *url;
	int rc;

	if (argc < 1 || argv[0][0] != '/') {
		complain("usage: sign /PATH[?QUERY] [NAME=VALUE …]");
		return EX_USAGE;
	}
	if ((rc = need_config(c)) != 0)
		return rc;
	form.v = vakt_xcalloc((size_t)argc, sizeof(*form.v));
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL || eq == argv[i]) {
			complain("sign: \"%s\" is not NAME=VALUE", argv[i]);
			free(form.v);
			return EX_USAGE;
		}
		*eq = '\0';
		form.v[form.n].key = argv[i];
		form.v[form.n++].value = eq + 1;
	}
	url = vakt_xasprintf("%s%s", c->cfg->http.public_url, argv[0]);
	vakt_twilio_sign(c->cfg->twilio.auth_token, url, &form, sig);
	printf("%s\n", sig);
	free(url);
	free(form.v);
	return 0;
}

/* fallback-twiml [--service SVC]: the static TwiML for Twilio's
 * Fallback URL, which must not depend on vaktd. */
static int
cmd_fallback_twiml(struct ctl *c, int argc, char **argv)
{
	const char *service = NULL;
	const struct opt opts[] = {
	    {"service", &service, NULL}, {NULL, NULL, NULL}};
	const struct vakt_service *svc;
	char *pos[1], *doc;
	size_t n_pos;
	int rc = 0;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0 ||
	    (rc = need_config(c)) != 0)
		return rc;
	if ((svc = pick_service(c, service, &rc)) == NULL)
		return rc;
	doc = vakt_twilio_render_fallback(svc, NULL);
	printf("%s\n", doc);
	free(doc);
	return 0;
}

/* Push name=value into kvs when value is set (borrowed strings). */
static void
kv_add(struct vakt_kvs *kvs, const char *name, const char *value)
{
	if (value == NULL)
		return;
	kvs->v[kvs->n].key = (char *)(uintptr_t)name;
	kvs->v[kvs->n++].value = (char *)(uintptr_t)value;
}

/* Write out to path, or stdout when path is NULL. */
static int
emit(const char *path, const struct vakt_buf *out)
{
	/* A report names youths by code: readable by its owner only. */
	int fd = path != NULL ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)
	                      : STDOUT_FILENO;
	FILE *f = path != NULL && fd >= 0 ? fdopen(fd, "w") : stdout;

	if (fd < 0 || f == NULL) {
		if (fd >= 0)
			close(fd);
		complain("%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (out->len > 0 && fwrite(out->p, 1, out->len, f) != out->len) {
		complain(
		    "%s: %s", path != NULL ? path : "stdout", strerror(errno));
		if (path != NULL)
			fclose(f);
		return EX_IOERR;
	}
	if (path != NULL && fclose(f) != 0) {
		complain("%s: %s", path, strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

/*
 * report (--from DATE --to DATE | --period P) [--service SVC] [--by G]
 * [--within S] [--format F] [--out FILE] [--external]
 */
static int
cmd_report(struct ctl *c, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *period = NULL, *service = NULL,
	           *by = NULL, *within = NULL, *format = NULL, *out = NULL;
	bool external = false;
	const struct opt opts[] = {{"from", &from, NULL}, {"to", &to, NULL},
	    {"period", &period, NULL}, {"service", &service, NULL},
	    {"by", &by, NULL}, {"within", &within, NULL},
	    {"format", &format, NULL}, {"out", &out, NULL},
	    {"external", NULL, &external}, {NULL, NULL, NULL}};
	enum vakt_report_format fmt = VAKT_FORMAT_TEXT;
	struct vakt_kv kv[8];
	struct vakt_kvs args = {kv, 0};
	struct vakt_report_params p;
	struct vakt_buf buf = {0};
	enum vakt_report_by b;
	struct vakt_err err;
	char *pos[1];
	size_t n_pos;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0)
		return rc;
	if (by != NULL && vakt_report_parse_by(by, &b) == -1) {
		complain("report: --by \"%s\" is not a grouping", by);
		rc = EX_USAGE;
	} else if (format != NULL &&
	    vakt_report_parse_format(format, &fmt) == -1) {
		complain("report: --format \"%s\" is not a format", format);
		rc = EX_USAGE;
	}
	if (rc != 0) {
		complain("usage: report (--from YYYY-MM-DD --to YYYY-MM-DD | "
		         "--period 2026-T3|2026-11|2026-W48|2026) "
		         "[--service SVC] [--by none|service|coordinator|youth|"
		         "category|day|week|month|tertial] [--within SECONDS] "
		         "[--format text|csv|json|html] [--out FILE] "
		         "[--external]");
		return EX_USAGE;
	}
	if ((rc = need_store(c)) != 0)
		return rc;
	kv_add(&args, "from", from);
	kv_add(&args, "to", to);
	kv_add(&args, "period", period);
	kv_add(&args, "service", service);
	kv_add(&args, "by", by);
	kv_add(&args, "within", within);
	kv_add(&args, "format", format);
	kv_add(&args, "external", external ? "true" : NULL);
	if (vakt_api_report_params(c->cfg, &c->tz, &args, vakt_clock_now_ms(),
	        &p, &fmt, &err) == -1) {
		complain("report: %s", err.msg);
		return EX_DATAERR;
	}
	if (vakt_api_report(c->store, &p, fmt, &buf, &err) == -1)
		rc = fail(&err);
	else
		rc = emit(out, &buf);
	vakt_buf_free(&buf);
	return rc;
}

static int
token_add(struct ctl *c, const char *name, const char *role)
{
	char token[VAKT_TOKEN_LEN], hash[VAKT_HASH_LEN];
	enum vakt_auth_role r;
	struct vakt_err err;
	int rc = 0;

	if (role == NULL || vakt_auth_role_parse(role, &r) == -1) {
		complain("token add: --role leader or --role admin");
		return EX_USAGE;
	}
	if (vakt_auth_token_new(token) == -1) {
		complain("token add: no randomness from the system");
		return EX_OSERR;
	}
	vakt_auth_hash(token, hash);
	if (vakt_store_token_add(c->store, name, r, hash, c->actor,
	        vakt_clock_now_ms(), &err) == -1)
		rc = fail(&err);
	else
		printf("%s\n", token);
	explicit_bzero(token, sizeof(token));
	if (rc == 0 && isatty(STDOUT_FILENO))
		fprintf(stderr,
		    "vaktctl: token %s (%s) made. It is shown only "
		    "this once: keep it safe.\n",
		    name, role);
	return rc;
}

static int
token_list(struct ctl *c)
{
	struct table t = {.n_cols = 4};
	struct vakt_token *v;
	struct vakt_err err;
	json_t *arr = json_array();
	size_t n;

	if (vakt_store_token_list(c->store, &v, &n, &err) == -1) {
		json_decref(arr);
		return fail(&err);
	}
	table_row(&t, (const char *[]){"NAME", "ROLE", "CREATED", "LAST USED"});
	for (size_t i = 0; i < n; i++) {
		char made[32], used[32];

		when_local(v[i].created_ms, made);
		when_local(v[i].last_used_ms, used);
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:I, s:I}", "name", v[i].name, "role",
		        vakt_auth_role_name(v[i].role), "created_ms",
		        (json_int_t)v[i].created_ms, "last_used_ms",
		        (json_int_t)v[i].last_used_ms));
		table_row(&t,
		    (const char *[]){v[i].name, vakt_auth_role_name(v[i].role),
		        made, v[i].last_used_ms != 0 ? used : "never"});
	}
	free(v);
	finish_listing(c, arr, &t);
	return 0;
}

static int
cmd_token(struct ctl *c, int argc, char **argv)
{
	const char *role = NULL;
	const struct opt opts[] = {{"role", &role, NULL},
	    {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	struct vakt_err err;
	size_t n;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 2 && strcmp(pos[0], "add") == 0)
		return token_add(c, pos[1], role);
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return token_list(c);
	if (n == 2 && strcmp(pos[0], "revoke") == 0) {
		if (vakt_store_token_revoke(c->store, pos[1], c->actor,
		        vakt_clock_now_ms(), &err) == -1)
			return fail(&err);
		printf("token %s revoked\n", pos[1]);
		return 0;
	}
	complain("usage: token add NAME --role leader|admin | list [--json] | "
	         "revoke NAME");
	return EX_USAGE;
}

/* ---------------------------------------------------------------- */
/* Staff (leaders, admins) and the beredskap rota (issue 11). */

static int
staff_add(struct ctl *c, const char *id, const struct vakt_staff *in,
    const char *role, const char *service)
{
	struct vakt_staff m = *in;
	struct vakt_err err;
	int rc = 0;

	if (role == NULL || vakt_auth_role_parse(role, &m.role) == -1) {
		complain("staff add: --role leader or --role admin");
		return EX_USAGE;
	}
	if (id_arg("staff add", id, m.id, sizeof(m.id)) == -1 ||
	    check_not_service_number(c, "staff add", m.phone) == -1)
		return EX_DATAERR;
	if (service != NULL) {
		const struct vakt_service *svc = pick_service(c, service, &rc);

		if (svc == NULL)
			return rc;
		(void)vakt_strlcpy(m.service, svc->id, sizeof(m.service));
	}
	if (vakt_store_staff_add(
	        c->store, &m, c->actor, vakt_clock_now_ms(), &err) == -1)
		return fail(&err);
	printf("staff %s added (%s)\n", m.id, role);
	return 0;
}

/* The name and phone of a new staff member from the options. */
static int
staff_fields(const char *name, const char *phone, struct vakt_staff *m)
{
	if (name == NULL || phone == NULL) {
		complain("staff add: --name, --phone and --role are required");
		return EX_USAGE;
	}
	if (phone_arg("staff add", phone, m->phone) == -1)
		return EX_DATAERR;
	if (vakt_strlcpy(m->name, name, sizeof(m->name)) == -1) {
		complain("staff add: --name is too long (at most %zu bytes)",
		    sizeof(m->name) - 1);
		return EX_DATAERR;
	}
	return 0;
}

static int
staff_list(struct ctl *c)
{
	struct table t = {.n_cols = 5};
	struct vakt_staff *v;
	struct vakt_err err;
	json_t *arr = json_array();
	size_t n;

	if (vakt_store_staff_list(c->store, &v, &n, &err) == -1) {
		json_decref(arr);
		return fail(&err);
	}
	table_row(
	    &t, (const char *[]){"ID", "NAME", "PHONE", "ROLE", "SERVICE"});
	for (size_t i = 0; i < n; i++) {
		const char *svc = v[i].service[0] != '\0' ? v[i].service : NULL;

		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", v[i].id,
		        "name", v[i].name, "phone", v[i].phone, "role",
		        vakt_auth_role_name(v[i].role), "service", svc));
		table_row(&t,
		    (const char *[]){v[i].id, v[i].name, v[i].phone,
		        vakt_auth_role_name(v[i].role),
		        svc != NULL ? svc : "-"});
	}
	free(v);
	finish_listing(c, arr, &t);
	return 0;
}

static int
cmd_staff(struct ctl *c, int argc, char **argv)
{
	const char *name = NULL, *phone = NULL, *role = NULL, *service = NULL;
	const struct opt opts[] = {{"name", &name, NULL},
	    {"phone", &phone, NULL}, {"role", &role, NULL},
	    {"service", &service, NULL}, {"json", NULL, &c->json},
	    {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	struct vakt_staff m = {0};
	struct vakt_err err;
	size_t n;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 2 && strcmp(pos[0], "add") == 0) {
		if ((rc = staff_fields(name, phone, &m)) != 0)
			return rc;
		return staff_add(c, pos[1], &m, role, service);
	}
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return staff_list(c);
	if (n == 2 && strcmp(pos[0], "remove") == 0) {
		if (vakt_store_staff_remove(c->store, pos[1], c->actor,
		        vakt_clock_now_ms(), &err) == -1)
			return fail(&err);
		printf("staff %s removed\n", pos[1]);
		return 0;
	}
	complain("usage: staff add ID --name NAME --phone NUMBER --role "
	         "leader|admin [--service SVC] | list [--json] | remove ID");
	return EX_USAGE;
}

/* --from/--to of a rota slot: local YYYY-MM-DDTHH:MM (calendar.h). */
static int
time_arg(const struct ctl *c, const char *opt, const char *in, int64_t *ms)
{
	if (in == NULL) {
		complain("rota add: --%s YYYY-MM-DDTHH:MM is required", opt);
		return EX_USAGE;
	}
	if (parse_at(c, in, ms) == -1) {
		complain(
		    "rota add: --%s \"%s\" is not a time (YYYY-MM-DDTHH:MM, "
		    "optionally :SS and Z or ±HH:MM)",
		    opt, in);
		return EX_DATAERR;
	}
	return 0;
}

static int
rota_add(struct ctl *c, const char *service, const char *staff,
    const char *from, const char *to)
{
	struct vakt_rota_slot r = {0};
	const struct vakt_service *svc;
	struct vakt_err err;
	char f[VAKT_TIME_LEN], t[VAKT_TIME_LEN];
	int rc = 0;

	if (staff == NULL) {
		complain("rota add: --staff ID is required");
		return EX_USAGE;
	}
	if ((svc = pick_service(c, service, &rc)) == NULL ||
	    (rc = time_arg(c, "from", from, &r.from_ms)) != 0 ||
	    (rc = time_arg(c, "to", to, &r.to_ms)) != 0)
		return rc != 0 ? rc : EX_USAGE;
	if (r.from_ms >= r.to_ms) {
		complain("rota add: --from %s is not before --to %s", from, to);
		return EX_DATAERR;
	}
	if (id_arg("rota add", staff, r.staff, sizeof(r.staff)) == -1)
		return EX_DATAERR;
	(void)vakt_strlcpy(r.service, svc->id, sizeof(r.service));
	if (vakt_store_rota_add(
	        c->store, &r, c->actor, vakt_clock_now_ms(), NULL, &err) == -1)
		return fail(&err);
	vakt_calendar_format_time(&c->tz, r.from_ms, f);
	vakt_calendar_format_time(&c->tz, r.to_ms, t);
	printf("rota slot %lld added: %s has beredskap for %s from %s to %s\n",
	    (long long)r.id, r.staff, r.service, f, t);
	return 0;
}

static int
rota_list(struct ctl *c, const char *service)
{
	struct table t = {.n_cols = 6};
	struct vakt_rota_slot *v;
	struct vakt_err err;
	json_t *arr;
	size_t n;
	int rc = 0;

	if (service != NULL && pick_service(c, service, &rc) == NULL)
		return rc;
	if (vakt_store_rota_list(
	        c->store, service, INT64_MIN, INT64_MAX, &v, &n, &err) == -1)
		return fail(&err);
	arr = json_array();
	table_row(&t,
	    (const char *[]){"N", "SERVICE", "STAFF", "NAME", "FROM", "TO"});
	for (size_t i = 0; i < n; i++) {
		char num[24], from[VAKT_TIME_LEN], to[VAKT_TIME_LEN];

		snprintf(num, sizeof(num), "%lld", (long long)v[i].id);
		vakt_calendar_format_time(&c->tz, v[i].from_ms, from);
		vakt_calendar_format_time(&c->tz, v[i].to_ms, to);
		json_array_append_new(arr,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id",
		        (json_int_t)v[i].id, "service", v[i].service, "staff",
		        v[i].staff, "name", v[i].name, "from", from, "to", to,
		        "from_ms", (json_int_t)v[i].from_ms, "to_ms",
		        (json_int_t)v[i].to_ms));
		table_row(&t,
		    (const char *[]){num, v[i].service, v[i].staff,
		        v[i].name[0] != '\0' ? v[i].name : "(removed)", from,
		        to});
	}
	free(v);
	finish_listing(c, arr, &t);
	return 0;
}

static int
rota_remove(struct ctl *c, const char *arg)
{
	struct vakt_err err;
	char *end;
	long long id;
	int found;

	errno = 0;
	id = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || id < 1) {
		complain("rota remove: \"%s\" is not a slot number", arg);
		return EX_DATAERR;
	}
	found = vakt_store_rota_remove(
	    c->store, id, c->actor, vakt_clock_now_ms(), &err);
	if (found == -1)
		return fail(&err);
	if (found == 0) {
		complain("rota remove: no rota slot %lld", id);
		return EX_DATAERR;
	}
	printf("rota slot %lld removed\n", id);
	return 0;
}

static int
cmd_rota(struct ctl *c, int argc, char **argv)
{
	const char *service = NULL, *staff = NULL, *from = NULL, *to = NULL;
	const struct opt opts[] = {{"service", &service, NULL},
	    {"staff", &staff, NULL}, {"from", &from, NULL}, {"to", &to, NULL},
	    {"json", NULL, &c->json}, {NULL, NULL, NULL}};
	char *pos[MAX_POSITIONAL];
	size_t n;
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, MAX_POSITIONAL, &n)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	if (n == 1 && strcmp(pos[0], "add") == 0)
		return rota_add(c, service, staff, from, to);
	if (n == 1 && strcmp(pos[0], "list") == 0)
		return rota_list(c, service);
	if (n == 2 && strcmp(pos[0], "remove") == 0)
		return rota_remove(c, pos[1]);
	complain("usage: rota add --service SVC --staff ID --from "
	         "YYYY-MM-DDTHH:MM --to YYYY-MM-DDTHH:MM | list [--service "
	         "SVC] [--json] | remove N");
	return EX_USAGE;
}

/* purge: delete what retention.contacts_days no longer keeps, now. */
static int
cmd_purge(struct ctl *c, int argc, char **argv)
{
	const struct opt opts[] = {{NULL, NULL, NULL}};
	const int64_t day_ms = 86400 * 1000LL;
	int64_t now, trusted;
	size_t n_pos, n, total = 0;
	struct vakt_err err;
	char *pos[1];
	int rc;

	if ((rc = parse_opts(argc, argv, opts, pos, 0, &n_pos)) != 0 ||
	    (rc = need_store(c)) != 0)
		return rc;
	/* A clock far ahead of the database is not trusted (store.h). */
	now = vakt_clock_now_ms();
	if (vakt_store_purge_clock(c->store, now, &trusted, &err) == -1)
		return fail(&err);
	if (trusted < now)
		complain("clock not trusted: more than %lld days past the last "
		         "purge or the newest record; purging as of %lld days "
		         "before now",
		    (long long)(VAKT_PURGE_SLACK_MS / day_ms),
		    (long long)((now - trusted) / day_ms));
	do {
		if (vakt_store_purge(c->store,
		        trusted - c->cfg->retention.contacts_days * day_ms,
		        1000, &n, &err) == -1)
			return fail(&err);
		total += n;
	} while (n > 0);
	if (vakt_store_purge_done(c->store, c->actor, trusted,
	        c->cfg->retention.contacts_days, total, &err) == -1 ||
	    vakt_store_checkpoint(c->store, &err) == -1)
		return fail(&err);
	printf("purged %zu rows older than %d days\n", total,
	    c->cfg->retention.contacts_days);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
} commands[] = {
    {"init", cmd_init,
        "init    (create the database, or migrate an existing one)"},
    {"coordinator", cmd_coordinator,
        "coordinator add ID --name NAME --phone NUMBER [--service SVC]\n"
        "  coordinator list [--service SVC] [--json]\n"
        "  coordinator remove ID"},
    {"youth", cmd_youth,
        "youth add ID --phone NUMBER --coordinator CID [--name NAME] "
        "[--service SVC]\n"
        "  youth list [--service SVC] [--coordinator CID] [--json]\n"
        "  youth move ID --coordinator CID\n"
        "  youth remove ID"},
    {"absence", cmd_absence,
        "absence add CID --from YYYY-MM-DD --to YYYY-MM-DD "
        "[--substitute CID]\n"
        "  absence list [--service SVC] [--json]\n"
        "  absence remove N"},
    {"staff", cmd_staff,
        "staff add ID --name NAME --phone NUMBER --role leader|admin "
        "[--service SVC]\n"
        "  staff list [--json]\n"
        "  staff remove ID"},
    {"rota", cmd_rota,
        "rota add --service SVC --staff ID --from YYYY-MM-DDTHH:MM --to "
        "YYYY-MM-DDTHH:MM\n"
        "  rota list [--service SVC] [--json]\n"
        "  rota remove N"},
    {"import", cmd_import,
        "import FILE.csv    (columns: type,id,name,phone,coordinator,"
        "service)"},
    {"audit", cmd_audit, "audit [--limit N] [--json]"},
    {"holidays", cmd_holidays,
        "holidays YEAR [--country NO|DK|SE] [--service SVC] [--json]"},
    {"route", cmd_route,
        "route --from NUMBER [--to SERVICE_NUMBER] [--at TIME] [--json]"},
    {"fallback-twiml", cmd_fallback_twiml, "fallback-twiml [--service SVC]"},
    {"report", cmd_report,
        "report (--from DATE --to DATE | --period 2026-T3|2026-11) "
        "[--service SVC]\n"
        "    [--by G] [--within SECONDS] [--format text|csv|json|html] "
        "[--out FILE] [--external]"},
    {"token", cmd_token,
        "token add NAME --role leader|admin | token list [--json] | "
        "token revoke NAME"},
    {"purge", cmd_purge,
        "purge    (delete contacts older than "
        "retention.contacts_days)"},
    {"sign", cmd_sign, "sign /PATH[?QUERY] [NAME=VALUE …]"},
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vaktctl [-c FILE] COMMAND …\n"
	    "  -c, --config FILE  configuration (default %s/vakt.conf)\n"
	    "commands:\n",
	    SYSCONFDIR_VAKT);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].help);
}

/*
 * "cli:NAME" of the real uid; the sudo user only when that is root (see
 * vakt_auth_cli_actor(): SUDO_USER alone proves nothing).
 */
static void
set_actor(struct ctl *c)
{
	uid_t uid = getuid();
	const struct passwd *pw = getpwuid(uid);

	vakt_auth_cli_actor(c->actor, sizeof(c->actor), uid,
	    pw != NULL ? pw->pw_name : NULL, getenv("SUDO_USER"));
}

int
main(int argc, char **argv)
{
	struct ctl c = {.conf_path = SYSCONFDIR_VAKT "/vakt.conf"};
	int i = 1, rc = EX_USAGE;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		        strcmp(argv[i], "--config") == 0) &&
		    i + 1 < argc)
			c.conf_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			c.conf_path = argv[i] + 9;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("vaktctl %s\n", VAKT_VERSION);
			return 0;
		} else {
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EX_USAGE;
	}
	vakt_calendar_tz_system(&c.tz);
	set_actor(&c);
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) == 0) {
			rc = commands[k].fn(&c, argc - i - 1, argv + i + 1);
			break;
		}
		if (k + 1 == sizeof(commands) / sizeof(commands[0])) {
			complain("unknown command \"%s\"", argv[i]);
			usage(stderr);
		}
	}
	vakt_store_close(c.store);
	vakt_config_free(c.cfg);
	return rc;
}
