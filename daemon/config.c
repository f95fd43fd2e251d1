/*
 * config.c: the configuration file (libconfig syntax) loaded into one
 * validated, immutable struct vakt_config.  Exports vakt_config_load(),
 * vakt_config_free(), the service lookups and the restart check.
 *
 * One pass over the parsed tree does three jobs, walk, validate
 * and normalise: every group is checked against its table of allowed
 * keys (the same tables hold types, ranges and defaults), each value is
 * checked and converted as it is read, and every problem is collected.
 * Problems come out sorted by line, so a user reads them top to bottom.
 *
 * This is the only file that includes <libconfig.h>.
 */
#include "vakt/config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libconfig.h>

#define TOKEN_MIN      8  /* demo = true; */
#define TOKEN_MIN_REAL 32 /* Twilio's auth tokens are 32 hex digits */
#define DEMO_TOKEN     "demo-auth-token-change-me" /* config/vakt.conf */
#define TOKEN_MAX      256
#define TOKEN_FILE_MAX 4096 /* a token file larger than this is a mistake */
#define SERVICE_ID_MAX 32
#define SAY_WORD_MAX   64 /* <Say voice> and language */
#define TZ_NAME_MAX    255
#define DEFAULT_TZDIR  "/usr/share/zoneinfo"
#define WEEKDAYS_MASK  0x3eu /* mon..fri as 1u << tm_wday */
#define PHONE_HINT     "(E.164 like +4790000000, or 8 Norwegian digits)"

/*
 * The settings.  Each group's table lists its allowed keys with their
 * type, whether they are required, and the range and default of
 * optional values.  These tables are the one place defaults live.
 */
enum kind {
	K_STR,
	K_INT,
	K_BOOL,
	K_GROUP,
	K_LIST, /* ( … ): services, special_days */
	K_DAYS, /* [ "mon", … ] or ( "mon", … ) */
};

struct key {
	const char *name;
	enum kind kind;
	bool required;
	long long min, max;  /* K_INT */
	long long def;       /* K_INT, K_BOOL; K_DAYS: a weekday mask */
	const char *def_str; /* K_STR; NULL: no default */
};

/* clang-format would spread each of these over five lines. */
/* clang-format off */
#define REQUIRED(n, k)    {.name = (n), .kind = (k), .required = true}
#define OPTIONAL(n, k)    {.name = (n), .kind = (k)}
#define STR(n, d)         {.name = (n), .kind = K_STR, .def_str = (d)}
#define INT(n, lo, hi, d) {.name = (n), .kind = K_INT, .min = (lo), \
			   .max = (hi), .def = (d)}
#define BOOL(n, d)        {.name = (n), .kind = K_BOOL, .def = (d)}
#define END               {.name = NULL}
/* clang-format on */

static const struct key top_keys[] = {
    BOOL("demo", false),
    STR("timezone", "Europe/Oslo"),
    STR("database", "vakt.db"),
    REQUIRED("http", K_GROUP),
    REQUIRED("twilio", K_GROUP),
    REQUIRED("services", K_LIST),
    OPTIONAL("retention", K_GROUP),
    OPTIONAL("outbox", K_GROUP),
    END,
};

static const struct key http_keys[] = {
    STR("listen", "127.0.0.1"),
    INT("port", 0, 65535, 8080),
    REQUIRED("public_url", K_STR),
    INT("max_body", 1024, 16777216, 65536),
    INT("max_headers", 1024, 65536, 8192),
    INT("timeout", 1, 300, 10),
    INT("max_connections", 1, 65535, 512),
    INT("max_connections_per_peer", 1, 65535, 32),
    INT("request_timeout", 1, 300, 10),
    /* The webhook must answer within 2 s, locks included. */
    INT("busy_timeout_ms", 10, 1500, 500),
    END,
};

static const struct key twilio_keys[] = {
    REQUIRED("account_sid", K_STR),
    OPTIONAL("auth_token", K_STR), /* exactly one of these two */
    OPTIONAL("auth_token_file", K_STR),
    STR("api_url", "https://api.twilio.com"),
    END,
};

static const struct key service_keys[] = {
    REQUIRED("id", K_STR),
    REQUIRED("name", K_STR),
    REQUIRED("number", K_STR),
    STR("country", "NO"),
    OPTIONAL("office_hours", K_GROUP),
    OPTIONAL("special_days", K_LIST),
    INT("ring_timeout", 5, 600, 20),
    BOOL("confirm_answer", true),
    REQUIRED("beredskap", K_STR),
    OPTIONAL("fallback", K_STR),
    STR("voice", "Polly.Liv"),
    STR("language", "nb-NO"),
    INT("short_abandon", 0, 60, 5),
    END,
};

static const struct key hours_keys[] = {
    {.name = "days", .kind = K_DAYS, .def = WEEKDAYS_MASK},
    STR("open", "08:00"),
    STR("close", "20:00"),
    END,
};

static const struct key special_keys[] = {
    REQUIRED("date", K_STR),
    REQUIRED("name", K_STR),
    BOOL("closed", false),
    OPTIONAL("open", K_STR),
    OPTIONAL("close", K_STR),
    END,
};

static const struct key retention_keys[] = {
    INT("contacts_days", 1, 36500, 1825),
    BOOL("keep_message_bodies", false),
    END,
};

static const struct key outbox_keys[] = {
    INT("retry_first", 1, 3600, 2),
    INT("retry_max", 1, 86400, 300), /* and >= retry_first */
    INT("give_up", 60, 604800, 86400),
    INT("validity", 1, 36000, 900),
    INT("max_in_flight", 1, 64, 8),
    INT("timeout", 1, 120, 30),
    BOOL("print", false), /* demo only: see load_outbox() */
    END,
};

/* Index = tm_wday, so the bit of day i is 1u << i. */
static const char *const day_names[7] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* A private copy of the calendar's country codes (see config.h). */
static const struct {
	const char *code;
	enum vakt_country country;
} countries[] = {
    {"NO", VAKT_COUNTRY_NO},
    {"DK", VAKT_COUNTRY_DK},
    {"SE", VAKT_COUNTRY_SE},
};

union unconst {
	const char *c;
	char *m;
};

struct problem {
	unsigned line; /* 0: none */
	size_t seq;    /* keeps problems on one line in the order found */
	char *msg;
};

/* State of one load: where we are, and what went wrong so far. */
struct loader {
	const char *path; /* the file, as given: the prefix of messages */
	char *dir;        /* its folder, absolute: base of relative paths */
	struct problem *v;
	size_t n, cap;
};

/*
 * Problems.
 */

static void file_problem(struct loader *ld, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void vproblem(struct loader *ld, const config_setting_t *s,
    const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void problem(struct loader *ld, const config_setting_t *s,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem_key(struct loader *ld, const config_setting_t *grp,
    const config_setting_t *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "FILE:LINE: what", or "FILE: what" when line is 0. */
static void
file_problem(
    struct loader *ld, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = vakt_xvasprintf(fmt, ap);
	va_end(ap);
	if (ld->n == ld->cap) {
		ld->cap = ld->cap == 0 ? 8 : ld->cap * 2;
		ld->v = vakt_xreallocarray(ld->v, ld->cap, sizeof(*ld->v));
	}
	ld->v[ld->n].line = line;
	ld->v[ld->n].seq = ld->n;
	if (line > 0)
		ld->v[ld->n].msg =
		    vakt_xasprintf("%s:%u: %s", file, line, what);
	else
		ld->v[ld->n].msg = vakt_xasprintf("%s: %s", file, what);
	ld->n++;
	free(what);
}

/*
 * The path of s in libconfig's notation, list elements as "[i]":
 * "services.[0].office_hours.open".  The root is "".  Caller frees.
 */
static char *
setting_path(const config_setting_t *s)
{
	char *path = vakt_xstrdup("");

	for (; config_setting_parent(s) != NULL; s = config_setting_parent(s)) {
		const char *name = config_setting_name(s);
		const char *dot = *path != '\0' ? "." : "";
		char *down = path;

		if (name != NULL)
			path = vakt_xasprintf("%s%s%s", name, dot, down);
		else
			path = vakt_xasprintf(
			    "[%d]%s%s", config_setting_index(s), dot, down);
		free(down);
	}
	return path;
}

/*
 * A problem with setting s, or with its member `name` when name is not
 * NULL: a missing or defaulted setting has no line of its own, so it
 * gets its group's.  s NULL means the root.
 */
static void
vproblem(struct loader *ld, const config_setting_t *s, const char *name,
    const char *fmt, va_list ap)
{
	const char *file = s != NULL ? config_setting_source_file(s) : NULL;
	unsigned line = s != NULL ? config_setting_source_line(s) : 0;
	char *path = s != NULL ? setting_path(s) : vakt_xstrdup("");
	char *what = vakt_xvasprintf(fmt, ap);

	if (name != NULL)
		file_problem(ld, file != NULL ? file : ld->path, line,
		    "%s%s%s: %s", path, *path != '\0' ? "." : "", name, what);
	else
		file_problem(ld, file != NULL ? file : ld->path, line, "%s: %s",
		    path, what);
	free(what);
	free(path);
}

static void
problem(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(ld, s, NULL, fmt, ap);
	va_end(ap);
}

/* A problem with member name of grp: at s when it is set, else at grp. */
static void
problem_key(struct loader *ld, const config_setting_t *grp,
    const config_setting_t *s, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (s != NULL)
		vproblem(ld, s, NULL, fmt, ap);
	else
		vproblem(ld, grp, name, fmt, ap);
	va_end(ap);
}

static int
problem_cmp(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Hand the problems over to errs (may be NULL), in line order. */
static void
flush_problems(struct loader *ld, struct vakt_strlist *errs)
{
	if (ld->n > 0)
		qsort(ld->v, ld->n, sizeof(*ld->v), problem_cmp);
	for (size_t i = 0; i < ld->n; i++) {
		if (errs != NULL)
			vakt_strlist_add(errs, "%s", ld->v[i].msg);
		free(ld->v[i].msg);
	}
	free(ld->v);
	ld->v = NULL;
	ld->n = ld->cap = 0;
}

/*
 * A const string that is ours to change: libconfig's copy of the token
 * (to wipe it) and the special-day names, const in struct
 * vakt_special_day because the calendar only borrows them.  A union
 * says so without a cast.
 */
static char *
unconst(const char *s)
{
	union unconst u;

	u.c = s;
	return u.m;
}

/*
 * Keys: walk a group against its table, and read typed values.
 */

static const struct key *
key_find(const struct key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

/* A key this file asks for by name; a typo here is a programmer error. */
static const struct key *
key_get(const struct key *tab, const char *name)
{
	const struct key *k = key_find(tab, name);

	assert(k != NULL);
	if (k == NULL)
		abort();
	return k;
}

static bool
kind_ok(const config_setting_t *s, enum kind kind)
{
	int t = config_setting_type(s);

	switch (kind) {
	case K_STR:
		return t == CONFIG_TYPE_STRING;
	case K_INT:
		return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	case K_BOOL:
		return t == CONFIG_TYPE_BOOL;
	case K_GROUP:
		return t == CONFIG_TYPE_GROUP;
	case K_LIST:
		return t == CONFIG_TYPE_LIST;
	case K_DAYS:
		return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
	}
	return false;
}

static const char *
kind_text(enum kind kind)
{
	switch (kind) {
	case K_STR:
		return "a string";
	case K_INT:
		return "an integer";
	case K_BOOL:
		return "true or false";
	case K_GROUP:
		return "a group { ... }";
	case K_LIST:
		return "a list ( ... )";
	case K_DAYS:
		return "an array of day names like [\"mon\", \"tue\"]";
	}
	return "something else";
}

/* Report every member of grp that tab does not allow, or of wrong type. */
static void
walk(struct loader *ld, const config_setting_t *grp, const struct key *tab)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(grp, (unsigned)i);
		const struct key *k = key_find(tab, config_setting_name(s));

		if (k == NULL)
			problem(ld, s, "unknown setting");
		else if (!kind_ok(s, k->kind))
			problem(ld, s, "expected %s", kind_text(k->kind));
	}
}

/*
 * Member name of grp if it is set and of the right type, else NULL.
 * A missing required member is reported here; a wrong type was
 * reported by walk().  grp may be NULL: an absent or broken group,
 * whose own problem (if any) was reported already.
 */
static const config_setting_t *
member(struct loader *ld, const config_setting_t *grp, const struct key *tab,
    const char *name)
{
	const struct key *k = key_get(tab, name);
	const config_setting_t *s;

	if (grp == NULL)
		return NULL;
	s = config_setting_get_member(grp, name);
	if (s == NULL) {
		if (k->required)
			problem_key(
			    ld, grp, NULL, name, "missing required setting");
		return NULL;
	}
	return kind_ok(s, k->kind) ? s : NULL;
}

/*
 * The string of member name, or its default (NULL when it has none).
 * *sp (may be NULL) gets the setting, or NULL when the default was used.
 */
static const char *
get_str(struct loader *ld, const config_setting_t *grp, const struct key *tab,
    const char *name, const config_setting_t **sp)
{
	const config_setting_t *s = member(ld, grp, tab, name);

	if (sp != NULL)
		*sp = s;
	return s != NULL ? config_setting_get_string(s)
	                 : key_get(tab, name)->def_str;
}

/*
 * The integer of member name within its table's range, or its default.
 * libconfig 1.5 reads an integer without the L suffix as int and
 * silently wraps values beyond 32 bits.
 * XXX: so port = 4294975296 reads as 8000; only libconfig >= 1.6 can
 * tell us.
 */
static long long
get_int(struct loader *ld, const config_setting_t *grp, const struct key *tab,
    const char *name)
{
	const struct key *k = key_get(tab, name);
	const config_setting_t *s = member(ld, grp, tab, name);
	long long v;

	if (s == NULL)
		return k->def;
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max) {
		problem(ld, s, "%lld is out of range %lld..%lld", v, k->min,
		    k->max);
		return k->def;
	}
	return v;
}

static bool
get_bool(struct loader *ld, const config_setting_t *grp, const struct key *tab,
    const char *name)
{
	const config_setting_t *s = member(ld, grp, tab, name);

	if (s == NULL)
		return key_get(tab, name)->def != 0;
	return config_setting_get_bool(s) != 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? vakt_xstrdup(s) : NULL;
}

/* p resolved against the config file's folder, unless absolute. */
static char *
resolve(const struct loader *ld, const char *p)
{
	size_t len = strlen(ld->dir);

	if (p[0] == '/')
		return vakt_xstrdup(p);
	return vakt_xasprintf("%s%s%s", ld->dir,
	    len > 0 && ld->dir[len - 1] == '/' ? "" : "/", p);
}

/*
 * Checkers of single values: true if the value is acceptable.
 */

static bool
text_ok(struct loader *ld, const config_setting_t *s, const char *v)
{
	if (*v == '\0')
		problem(ld, s, "must not be empty");
	else if (!vakt_utf8_valid(v, strlen(v)))
		problem(ld, s, "is not valid UTF-8");
	else
		return true;
	return false;
}

/* A copy of v in E.164, or NULL after a problem. */
static char *
phone(struct loader *ld, const config_setting_t *s, const char *v)
{
	char out[VAKT_E164_LEN];

	if (vakt_e164_normalize(v, out) == -1) {
		problem(ld, s, "\"%s\" is not a phone number " PHONE_HINT, v);
		return NULL;
	}
	return vakt_xstrdup(out);
}

static bool
hhmm(struct loader *ld, const config_setting_t *s, const char *v, int *min)
{
	if (vakt_hhmm_parse(v, min) == 0)
		return true;
	problem(ld, s, "\"%s\" is not HH:MM", v);
	return false;
}

static bool
ip_literal(const char *s)
{
	struct in_addr a4;
	struct in6_addr a6;

	return inet_pton(AF_INET, s, &a4) == 1 ||
	    inet_pton(AF_INET6, s, &a6) == 1;
}

/* [A-Za-z0-9._-]{1,max}: words that go into TwiML attributes. */
static bool
word_ok(const char *s, size_t max)
{
	size_t len = strlen(s);

	return len > 0 && len <= max &&
	    strspn(s,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789._-") == len;
}

static bool
service_id_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= SERVICE_ID_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static bool
sid_ok(const char *s)
{
	return strlen(s) == 34 && strncmp(s, "AC", 2) == 0 &&
	    strspn(s + 2, "0123456789abcdefABCDEF") == 32;
}

/* len bytes of printable ASCII without spaces, min..TOKEN_MAX. */
static bool
token_ok(const char *s, size_t len, size_t min)
{
	if (len < min || len > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static bool
port_ok(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* The host[:port] part of a URL, len bytes: NULL if fine, else why not. */
static const char *
authority_check(const char *a, size_t len)
{
	size_t hlen;

	if (len > 0 && a[0] == '[') {
		const char *rb = memchr(a, ']', len);
		char buf[INET6_ADDRSTRLEN];
		struct in6_addr a6;

		if (rb == NULL || (size_t)(rb - a) - 1 >= sizeof(buf))
			return "the host is not valid";
		memcpy(buf, a + 1, (size_t)(rb - a) - 1);
		buf[rb - a - 1] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return "the host is not valid";
		hlen = (size_t)(rb - a) + 1;
	} else {
		const char *colon = memchr(a, ':', len);

		hlen = colon != NULL ? (size_t)(colon - a) : len;
		if (hlen == 0)
			return "the host is missing";
		for (size_t i = 0; i < hlen; i++)
			if (!isalnum((unsigned char)a[i]) && a[i] != '.' &&
			    a[i] != '-')
				return "the host is not valid";
	}
	if (hlen == len)
		return NULL;
	if (a[hlen] != ':')
		return "the host is not valid";
	return port_ok(a + hlen + 1, len - hlen - 1)
	    ? NULL
	    : "the port is not 1..65535";
}

/*
 * An http(s) URL without user:pass@, query or fragment, optionally with
 * a path prefix.  NULL and *out (trailing slashes removed, caller frees)
 * if fine, else why not.
 */
static const char *
url_check(const char *url, char **out)
{
	const char *p, *host, *end, *why;
	size_t len;

	*out = NULL;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "only printable ASCII without spaces is allowed";
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return "it must start with http:// or https://";
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return "user:pass@ is not allowed";
	if (strpbrk(end, "?#") != NULL)
		return "a query (?) or fragment (#) is not allowed";
	if ((why = authority_check(host, (size_t)(end - host))) != NULL)
		return why;
	len = strlen(url);
	while (len > (size_t)(end - url) && url[len - 1] == '/')
		len--;
	*out = vakt_xasprintf("%.*s", (int)len, url);
	return NULL;
}

/* The normalised URL of member name of grp, or NULL after a problem. */
static char *
get_url(struct loader *ld, const config_setting_t *grp, const struct key *tab,
    const char *name)
{
	const config_setting_t *s;
	const char *v = get_str(ld, grp, tab, name, &s);
	const char *why;
	char *url;

	if (v == NULL)
		return NULL;
	if ((why = url_check(v, &url)) != NULL)
		problem_key(
		    ld, grp, s, name, "\"%s\" is not a valid URL: %s", v, why);
	return url;
}

/*
 * Top level.
 */

static const char *
tz_dir(void)
{
	const char *d = getenv("TZDIR");

	return d != NULL && *d != '\0' ? d : DEFAULT_TZDIR;
}

/* A zone name stays inside the zone folder: no "..", not absolute. */
static bool
tz_name_ok(const char *tz)
{
	size_t len = strlen(tz);

	return len > 0 && len <= TZ_NAME_MAX && tz[0] != '/' &&
	    strstr(tz, "..") == NULL &&
	    strspn(tz,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789_+/-") == len;
}

/* A regular file that starts like a compiled zone (RFC 8536 "TZif"). */
static bool
tz_file_ok(const char *file)
{
	char magic[4];
	struct stat st;
	bool ok;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	(void)close(fd);
	return ok;
}

static void
load_timezone(
    struct loader *ld, const config_setting_t *root, struct vakt_config *cfg)
{
	const config_setting_t *s;
	const char *tz = get_str(ld, root, top_keys, "timezone", &s);
	char *file;

	cfg->timezone = vakt_xstrdup(tz);
	if (!tz_name_ok(tz)) {
		problem_key(ld, root, s, "timezone",
		    "\"%s\" is not a time zone name like Europe/Oslo", tz);
		return;
	}
	file = vakt_xasprintf("%s/%s", tz_dir(), tz);
	if (!tz_file_ok(file))
		problem_key(ld, root, s, "timezone",
		    "\"%s\" is not a time zone (no zone file %s)", tz, file);
	free(file);
}

static void
load_database(
    struct loader *ld, const config_setting_t *root, struct vakt_config *cfg)
{
	const config_setting_t *s;
	const char *db = get_str(ld, root, top_keys, "database", &s);

	if (*db == '\0')
		problem_key(ld, root, s, "database", "must not be empty");
	else
		cfg->database = resolve(ld, db);
}

static void
load_http(struct loader *ld, const config_setting_t *g, struct vakt_config *cfg)
{
	const config_setting_t *s;
	const char *listen;

	if (g != NULL)
		walk(ld, g, http_keys);
	listen = get_str(ld, g, http_keys, "listen", &s);
	if (!ip_literal(listen))
		problem_key(ld, g, s, "listen",
		    "\"%s\" is not an IPv4 or IPv6 address", listen);
	cfg->http.listen = vakt_xstrdup(listen);
	cfg->http.port = (int)get_int(ld, g, http_keys, "port");
	cfg->http.public_url = get_url(ld, g, http_keys, "public_url");
	cfg->http.max_body = (size_t)get_int(ld, g, http_keys, "max_body");
	cfg->http.max_headers =
	    (size_t)get_int(ld, g, http_keys, "max_headers");
	cfg->http.timeout_s = (int)get_int(ld, g, http_keys, "timeout");
	cfg->http.max_connections =
	    (int)get_int(ld, g, http_keys, "max_connections");
	cfg->http.max_per_peer =
	    (int)get_int(ld, g, http_keys, "max_connections_per_peer");
	cfg->http.request_timeout_s =
	    (int)get_int(ld, g, http_keys, "request_timeout");
	cfg->http.busy_timeout_ms =
	    (int)get_int(ld, g, http_keys, "busy_timeout_ms");
}

/*
 * Read a secret file whole.  Returns a NUL-terminated copy (caller
 * frees with vakt_free_secret()) and its length, or NULL with errno set
 * (EFBIG past TOKEN_FILE_MAX).
 */
static char *
read_secret(const char *file, size_t *len)
{
	char buf[TOKEN_FILE_MAX + 1];
	char *out = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	while (
	    n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		n += (size_t)r;
	}
	if (n > TOKEN_FILE_MAX) {
		errno = EFBIG;
		goto out;
	}
	out = vakt_xmalloc(n + 1);
	memcpy(out, buf, n);
	out[n] = '\0';
	*len = n;
out:
	saved = errno;
	explicit_bzero(buf, sizeof(buf));
	(void)close(fd);
	errno = saved;
	return out;
}

/*
 * Outside demo mode a token must look like Twilio's (32 characters) and
 * must not be the example's: `make install` once shipped a config whose
 * demo token vaktd accepted, so anyone who read the example could sign
 * webhooks.  false after a problem at s (what names the token: "" for
 * the value itself, or the file's path).
 */
static bool
token_check(struct loader *ld, const config_setting_t *s, const char *what,
    const char *tok, size_t len, bool demo)
{
	int min = demo ? TOKEN_MIN : TOKEN_MIN_REAL;

	if (!demo && strcmp(tok, DEMO_TOKEN) == 0) {
		problem(ld, s,
		    "%s%sthe demo token of the example configuration: set the "
		    "account's own auth token (or demo = true; to try vakt "
		    "out)",
		    what, *what != '\0' ? " holds " : "is ");
		return false;
	}
	if (!token_ok(tok, len, (size_t)min)) {
		problem(ld, s,
		    "%s%s %d..%d printable ASCII characters without spaces%s",
		    what, *what != '\0' ? " must hold" : "must be", min,
		    TOKEN_MAX,
		    demo ? ""
		         : " (a Twilio auth token has 32; demo = true; "
		           "allows a shorter one for trying vakt out)");
		return false;
	}
	return true;
}

/* The token in the file named by s, one trailing newline stripped. */
static char *
token_from_file(struct loader *ld, const config_setting_t *s, bool demo)
{
	char *file = resolve(ld, config_setting_get_string(s));
	size_t len = 0;
	char *tok = read_secret(file, &len);

	if (tok == NULL) {
		problem(ld, s, "cannot read %s: %s", file, strerror(errno));
		free(file);
		return NULL;
	}
	if (len > 0 && tok[len - 1] == '\n')
		tok[--len] = '\0';
	if (len > 0 && tok[len - 1] == '\r') /* a file edited on Windows */
		tok[--len] = '\0';
	if (!token_check(ld, s, file, tok, len, demo)) {
		vakt_free_secret(tok);
		tok = NULL;
	}
	free(file);
	return tok;
}

/* Exactly one of auth_token and auth_token_file.  Never echoes it. */
static char *
load_token(struct loader *ld, const config_setting_t *g, bool demo)
{
	const config_setting_t *tok, *file;
	bool has_tok, has_file;
	const char *v;

	if (g == NULL)
		return NULL;
	has_tok = config_setting_get_member(g, "auth_token") != NULL;
	has_file = config_setting_get_member(g, "auth_token_file") != NULL;
	if (has_tok == has_file) {
		problem(ld, g,
		    "set exactly one of auth_token and auth_token_file (%s)",
		    has_tok ? "both are set" : "neither is set");
		return NULL;
	}
	tok = member(ld, g, twilio_keys, "auth_token");
	file = member(ld, g, twilio_keys, "auth_token_file");
	if (file != NULL)
		return token_from_file(ld, file, demo);
	if (tok == NULL)
		return NULL;
	v = config_setting_get_string(tok);
	if (!token_check(ld, tok, "", v, strlen(v), demo))
		return NULL;
	return vakt_xstrdup(v);
}

/*
 * The REST API gets the account's credentials, so plain http:// is
 * allowed only where they cannot leave the machine: a loopback host
 * (127.0.0.0/8, ::1, localhost), which the tests' fake Twilio needs.
 */
static bool
api_url_safe(const char *url)
{
	const char *host = url + 7;
	size_t hlen = strcspn(host, "/");
	char buf[INET6_ADDRSTRLEN + 2];
	struct in_addr a4;
	struct in6_addr a6;

	if (strncmp(url, "http://", 7) != 0)
		return true; /* https://, as url_check() made sure */
	if (hlen >= sizeof(buf))
		return false;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (buf[0] == '[') { /* [v6]:port; url_check() checked the form */
		*strchr(buf, ']') = '\0';
		return inet_pton(AF_INET6, buf + 1, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6);
	}
	buf[strcspn(buf, ":")] = '\0';
	if (strcasecmp(buf, "localhost") == 0)
		return true;
	return inet_pton(AF_INET, buf, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127;
}

static char *
load_api_url(struct loader *ld, const config_setting_t *g)
{
	const config_setting_t *s = NULL;
	char *url = get_url(ld, g, twilio_keys, "api_url");

	if (url == NULL || api_url_safe(url))
		return url;
	if (g != NULL)
		s = config_setting_get_member(g, "api_url");
	problem_key(ld, g, s, "api_url",
	    "\"%s\" must use https:// (http:// is allowed only for a "
	    "loopback host: 127.0.0.0/8, ::1 or localhost)",
	    url);
	free(url);
	return NULL;
}

static void
load_twilio(
    struct loader *ld, const config_setting_t *g, struct vakt_config *cfg)
{
	const config_setting_t *s;
	const char *sid;

	if (g != NULL)
		walk(ld, g, twilio_keys);
	sid = get_str(ld, g, twilio_keys, "account_sid", &s);
	if (sid != NULL && !sid_ok(sid))
		problem(ld, s,
		    "\"%s\" is not a Twilio account SID (\"AC\" and 32 hex "
		    "digits)",
		    sid);
	cfg->twilio.account_sid = dup_or_null(sid);
	cfg->twilio.auth_token = load_token(ld, g, cfg->demo);
	cfg->twilio.api_url = load_api_url(ld, g);
}

static void
load_retention(
    struct loader *ld, const config_setting_t *g, struct vakt_config *cfg)
{
	if (g != NULL)
		walk(ld, g, retention_keys);
	cfg->retention.contacts_days =
	    (int)get_int(ld, g, retention_keys, "contacts_days");
	cfg->retention.keep_message_bodies =
	    get_bool(ld, g, retention_keys, "keep_message_bodies");
}

static void
load_outbox(
    struct loader *ld, const config_setting_t *g, struct vakt_config *cfg)
{
	long long first, max;

	if (g != NULL)
		walk(ld, g, outbox_keys);
	first = get_int(ld, g, outbox_keys, "retry_first");
	max = get_int(ld, g, outbox_keys, "retry_max");
	if (max < first)
		problem_key(ld, g, member(ld, g, outbox_keys, "retry_max"),
		    "retry_max", "%lld is less than retry_first (%lld)", max,
		    first);
	cfg->outbox.retry_first_ms = (int64_t)first * 1000;
	cfg->outbox.retry_max_ms = (int64_t)max * 1000;
	cfg->outbox.give_up_ms =
	    (int64_t)get_int(ld, g, outbox_keys, "give_up") * 1000;
	cfg->outbox.validity_s = (int)get_int(ld, g, outbox_keys, "validity");
	cfg->outbox.max_in_flight =
	    (int)get_int(ld, g, outbox_keys, "max_in_flight");
	cfg->outbox.timeout_ms =
	    (int64_t)get_int(ld, g, outbox_keys, "timeout") * 1000;
	/*
	 * Printing puts message bodies on the terminal, which vakt never
	 * does otherwise: only a laptop demo (make run) may ask for it.
	 */
	cfg->outbox.is_print = get_bool(ld, g, outbox_keys, "print");
	if (cfg->outbox.is_print && !cfg->demo)
		problem_key(ld, g, member(ld, g, outbox_keys, "print"), "print",
		    "prints message bodies instead of sending them: only "
		    "allowed with demo = true;");
}

/*
 * Services.
 */

static int
country_parse(const char *s, enum vakt_country *out)
{
	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		if (strcasecmp(s, countries[i].code) == 0) {
			*out = countries[i].country;
			return 0;
		}
	return -1;
}

/* Office weekdays as a mask of 1u << tm_wday (0 after a problem). */
static unsigned
load_days(struct loader *ld, const config_setting_t *g)
{
	const config_setting_t *s = member(ld, g, hours_keys, "days");
	unsigned mask = 0;
	int n;

	if (s == NULL)
		return (unsigned)key_get(hours_keys, "days")->def;
	if ((n = config_setting_length(s)) == 0) {
		problem(ld, s, "at least one day is required");
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(s, (unsigned)i);
		const char *v;
		int d = 0;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			problem(ld, s, "expected %s", kind_text(K_DAYS));
			return 0;
		}
		v = config_setting_get_string(e);
		while (d < 7 && strcmp(day_names[d], v) != 0)
			d++;
		if (d == 7)
			problem(ld, s,
			    "\"%s\" is not a day (mon tue wed thu fri sat sun)",
			    v);
		else if ((mask & (1u << d)) != 0)
			problem(ld, s, "\"%s\" is repeated", v);
		else
			mask |= 1u << d;
	}
	return mask;
}

/*
 * Parse open and close (either may be a default, then its setting is
 * NULL) into h; open must come before close.  False after a problem.
 */
static bool
load_window(struct loader *ld, const config_setting_t *g, const struct key *tab,
    struct vakt_hours *h)
{
	const config_setting_t *so, *sc;
	const char *open = get_str(ld, g, tab, "open", &so);
	const char *close = get_str(ld, g, tab, "close", &sc);
	bool ok;

	if (open == NULL || close == NULL)
		return false; /* a wrong type, reported by walk() */
	ok = hhmm(ld, so, open, &h->open_min);
	ok = hhmm(ld, sc, close, &h->close_min) && ok;
	if (!ok || h->open_min < h->close_min)
		return ok;
	if (sc != NULL)
		problem(ld, sc, "\"%s\" is not after open \"%s\"", close, open);
	else
		problem_key(ld, g, so, "open",
		    "\"%s\" is not before close \"%s\"", open, close);
	return false;
}

static void
load_hours(
    struct loader *ld, const config_setting_t *g, struct vakt_service *sv)
{
	if (g != NULL)
		walk(ld, g, hours_keys);
	sv->cal.days = load_days(ld, g);
	(void)load_window(ld, g, hours_keys, &sv->cal.hours);
}

/* Special day i of sv from group g: either closed, or its own hours. */
static void
load_special(struct loader *ld, const config_setting_t *g,
    struct vakt_service *sv, size_t i)
{
	struct vakt_special_day *sd = &sv->special[i];
	const config_setting_t *s;
	const char *v;
	bool has_hours;

	walk(ld, g, special_keys);
	if ((v = get_str(ld, g, special_keys, "date", &s)) != NULL) {
		if (vakt_date_parse(v, &sd->date) == -1)
			problem(ld, s, "\"%s\" is not a date (YYYY-MM-DD)", v);
		for (size_t j = 0; j < i && sd->date != 0; j++)
			if (sv->special[j].date == sd->date) {
				problem(ld, s, "\"%s\" is listed twice", v);
				break;
			}
	}
	if ((v = get_str(ld, g, special_keys, "name", &s)) != NULL &&
	    text_ok(ld, s, v))
		sd->name = vakt_xstrdup(v);
	sd->closed = get_bool(ld, g, special_keys, "closed");
	/* Presence, not value: a wrong type is already reported. */
	has_hours = config_setting_get_member(g, "open") != NULL ||
	    config_setting_get_member(g, "close") != NULL;
	if (sd->closed && has_hours)
		problem(ld, g,
		    "set either closed = true or open and close, not both");
	else if (!sd->closed &&
	    (config_setting_get_member(g, "open") == NULL ||
	        config_setting_get_member(g, "close") == NULL))
		problem(
		    ld, g, "set either closed = true or both open and close");
	else if (!sd->closed)
		(void)load_window(ld, g, special_keys, &sd->hours);
}

static int
special_cmp(const void *a, const void *b)
{
	const struct vakt_special_day *x = a, *y = b;

	return (x->date > y->date) - (x->date < y->date);
}

static void
load_specials(
    struct loader *ld, const config_setting_t *list, struct vakt_service *sv)
{
	size_t n;

	if (list == NULL || config_setting_length(list) == 0)
		return;
	n = (size_t)config_setting_length(list);
	sv->special = vakt_xcalloc(n, sizeof(*sv->special));
	sv->cal.n_special = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g =
		    config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			problem(ld, g, "expected %s", kind_text(K_GROUP));
		else
			load_special(ld, g, sv, i);
	}
	/* The calendar looks dates up in sorted order. */
	qsort(sv->special, n, sizeof(*sv->special), special_cmp);
	sv->cal.special = sv->special;
}

/* Index of the earlier service (before idx) with this id, or idx. */
static size_t
find_id(const struct vakt_config *cfg, size_t idx, const char *id)
{
	size_t j;

	for (j = 0; j < idx; j++)
		if (cfg->services[j].id != NULL &&
		    strcmp(cfg->services[j].id, id) == 0)
			break;
	return j;
}

static size_t
find_number(const struct vakt_config *cfg, size_t idx, const char *e164)
{
	size_t j;

	for (j = 0; j < idx; j++)
		if (cfg->services[j].number != NULL &&
		    strcmp(cfg->services[j].number, e164) == 0)
			break;
	return j;
}

/* The id of service idx: well-formed and unique. */
static void
service_id(struct loader *ld, const config_setting_t *g,
    struct vakt_config *cfg, size_t idx)
{
	const config_setting_t *s;
	const char *v = get_str(ld, g, service_keys, "id", &s);
	size_t j;

	if (v == NULL)
		return;
	if (!service_id_ok(v))
		problem(ld, s,
		    "\"%s\" is not a service id ([a-z0-9_-], 1..%d characters)",
		    v, SERVICE_ID_MAX);
	else if ((j = find_id(cfg, idx, v)) < idx)
		problem(
		    ld, s, "\"%s\" is already used by services.[%zu]", v, j);
	else
		cfg->services[idx].id = vakt_xstrdup(v);
}

/* The number of service idx: a phone, unique across services. */
static void
service_number(struct loader *ld, const config_setting_t *g,
    struct vakt_config *cfg, size_t idx)
{
	const config_setting_t *s;
	const char *v = get_str(ld, g, service_keys, "number", &s);
	char *num;
	size_t j;

	if (v == NULL || (num = phone(ld, s, v)) == NULL)
		return;
	if ((j = find_number(cfg, idx, num)) < idx) {
		problem(
		    ld, s, "\"%s\" is already used by services.[%zu]", v, j);
		free(num);
		return;
	}
	cfg->services[idx].number = num;
}

/* id, name, number and country of service idx. */
static void
service_identity(struct loader *ld, const config_setting_t *g,
    struct vakt_config *cfg, size_t idx)
{
	struct vakt_service *sv = &cfg->services[idx];
	const config_setting_t *s;
	const char *v;

	service_id(ld, g, cfg, idx);
	if ((v = get_str(ld, g, service_keys, "name", &s)) != NULL &&
	    text_ok(ld, s, v))
		sv->name = vakt_xstrdup(v);
	service_number(ld, g, cfg, idx);
	v = get_str(ld, g, service_keys, "country", &s);
	if (country_parse(v, &sv->cal.country) == -1)
		problem_key(ld, g, s, "country",
		    "\"%s\" is not a supported country (NO, DK or SE)", v);
}

/* A staff number: a phone, and not the service's own (it would loop). */
static char *
staff_phone(struct loader *ld, const config_setting_t *s, const char *v,
    const char *own)
{
	char *p = phone(ld, s, v);

	if (p != NULL && own != NULL && strcmp(p, own) == 0) {
		problem(ld, s,
		    "\"%s\" is the service's own number (calls would loop)", v);
		free(p);
		p = NULL;
	}
	return p;
}

static void
service_chain(
    struct loader *ld, const config_setting_t *g, struct vakt_service *sv)
{
	const config_setting_t *s;
	const char *v;

	if ((v = get_str(ld, g, service_keys, "beredskap", &s)) != NULL)
		sv->beredskap = staff_phone(ld, s, v, sv->number);
	/* fallback == beredskap is pointless but harmless: the router skips it.
	 */
	if ((v = get_str(ld, g, service_keys, "fallback", &s)) != NULL)
		sv->fallback = staff_phone(ld, s, v, sv->number);
	sv->ring_timeout_s = (int)get_int(ld, g, service_keys, "ring_timeout");
	sv->confirm_answer = get_bool(ld, g, service_keys, "confirm_answer");
}

/* <Say> voice and language go into TwiML attributes: plain words only. */
static char *
say_word(struct loader *ld, const config_setting_t *g, const char *name)
{
	const config_setting_t *s;
	const char *v = get_str(ld, g, service_keys, name, &s);

	if (word_ok(v, SAY_WORD_MAX))
		return vakt_xstrdup(v);
	problem_key(ld, g, s, name,
	    "\"%s\" is not a %s (letters, digits, '.', '_' or '-')", v,
	    strcmp(name, "voice") == 0 ? "voice name" : "language tag");
	return NULL;
}

static void
load_service(struct loader *ld, const config_setting_t *g,
    struct vakt_config *cfg, size_t idx)
{
	struct vakt_service *sv = &cfg->services[idx];

	walk(ld, g, service_keys);
	service_identity(ld, g, cfg, idx);
	load_hours(ld, member(ld, g, service_keys, "office_hours"), sv);
	load_specials(ld, member(ld, g, service_keys, "special_days"), sv);
	service_chain(ld, g, sv);
	sv->voice = say_word(ld, g, "voice");
	sv->language = say_word(ld, g, "language");
	sv->short_abandon_s =
	    (int)get_int(ld, g, service_keys, "short_abandon");
}

static void
load_services(
    struct loader *ld, const config_setting_t *list, struct vakt_config *cfg)
{
	size_t n;

	if (list == NULL)
		return;
	if (config_setting_length(list) == 0) {
		problem(ld, list, "at least one service is required");
		return;
	}
	n = (size_t)config_setting_length(list);
	cfg->services = vakt_xcalloc(n, sizeof(*cfg->services));
	cfg->n_services = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g =
		    config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			problem(ld, g, "expected %s", kind_text(K_GROUP));
		else
			load_service(ld, g, cfg, i);
	}
}

/*
 * The file.
 */

/* The absolute folder of path, or NULL with errno set.  Caller frees. */
static char *
config_dir(const char *path)
{
	char *copy = vakt_xstrdup(path);
	char *dir = realpath(dirname(copy), NULL);
	int saved = errno;

	free(copy);
	errno = saved;
	return dir;
}

/* Read and parse the file into lc; -1 after a problem. */
static int
parse(struct loader *ld, config_t *lc)
{
	struct stat st;
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(ld->path, "re")) == NULL) {
		file_problem(
		    ld, ld->path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		file_problem(
		    ld, ld->path, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		/* fopen() opens a folder; reading it fails later, vaguely. */
		file_problem(
		    ld, ld->path, 0, "cannot read: %s", strerror(EISDIR));
		goto out;
	}
	if ((ld->dir = config_dir(ld->path)) == NULL) {
		file_problem(ld, ld->path, 0, "cannot resolve its folder: %s",
		    strerror(errno));
		goto out;
	}
	/* @include "x.conf" is relative to the config file, not the cwd. */
	config_set_include_dir(lc, ld->dir);
	if (config_read(lc, fp) == CONFIG_FALSE) {
		const char *file = config_error_file(lc);

		file_problem(ld, file != NULL ? file : ld->path,
		    (unsigned)config_error_line(lc), "%s",
		    config_error_text(lc));
		goto out;
	}
	rc = 0;
out:
	(void)fclose(fp);
	return rc;
}

static void
load_all(
    struct loader *ld, const config_setting_t *root, struct vakt_config *cfg)
{
	walk(ld, root, top_keys);
	/* First: it relaxes the checks of the Twilio token. */
	cfg->demo = get_bool(ld, root, top_keys, "demo");
	load_timezone(ld, root, cfg);
	load_database(ld, root, cfg);
	load_http(ld, member(ld, root, top_keys, "http"), cfg);
	load_twilio(ld, member(ld, root, top_keys, "twilio"), cfg);
	load_services(ld, member(ld, root, top_keys, "services"), cfg);
	load_retention(ld, member(ld, root, top_keys, "retention"), cfg);
	load_outbox(ld, member(ld, root, top_keys, "outbox"), cfg);
}

/*
 * libconfig frees its strings without wiping them; wipe the token's
 * first.  libconfig hands out const strings, but this one is ours.
 */
static void
wipe_token(const config_t *lc)
{
	const config_setting_t *s = config_lookup(lc, "twilio.auth_token");

	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING) {
		char *p = unconst(config_setting_get_string(s));

		explicit_bzero(p, strlen(p));
	}
}

int
vakt_config_load(
    const char *path, struct vakt_config **out, struct vakt_strlist *errs)
{
	struct loader ld = {.path = path};
	struct vakt_config *cfg = NULL;
	config_t lc;
	bool ok;

	*out = NULL;
	config_init(&lc);
	if (parse(&ld, &lc) == 0) {
		cfg = vakt_xcalloc(1, sizeof(*cfg));
		cfg->path = vakt_xstrdup(path);
		load_all(&ld, config_root_setting(&lc), cfg);
	}
	wipe_token(&lc);
	config_destroy(&lc);
	free(ld.dir);
	ok = ld.n == 0;
	flush_problems(&ld, errs);
	if (!ok) {
		vakt_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

static void
service_free(struct vakt_service *sv)
{
	for (size_t i = 0; i < sv->cal.n_special; i++)
		free(unconst(sv->special[i].name)); /* ours */
	free(sv->special);
	free(sv->id);
	free(sv->name);
	free(sv->number);
	free(sv->beredskap);
	free(sv->fallback);
	free(sv->voice);
	free(sv->language);
}

void
vakt_config_free(struct vakt_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_services; i++)
		service_free(&cfg->services[i]);
	free(cfg->services);
	free(cfg->path);
	free(cfg->timezone);
	free(cfg->database);
	free(cfg->http.listen);
	free(cfg->http.public_url);
	free(cfg->twilio.account_sid);
	vakt_free_secret(cfg->twilio.auth_token);
	free(cfg->twilio.api_url);
	free(cfg);
}

const struct vakt_service *
vakt_config_service_by_number(const struct vakt_config *cfg, const char *e164)
{
	if (cfg == NULL || e164 == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].number, e164) == 0)
			return &cfg->services[i];
	return NULL;
}

const struct vakt_service *
vakt_config_service_by_id(const struct vakt_config *cfg, const char *id)
{
	if (cfg == NULL || id == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_services; i++)
		if (strcmp(cfg->services[i].id, id) == 0)
			return &cfg->services[i];
	return NULL;
}

static void
restart_if(
    bool changed, const char *setting, struct vakt_strlist *out, size_t *n)
{
	if (!changed)
		return;
	vakt_strlist_add(out, "%s: needs restart", setting);
	(*n)++;
}

size_t
vakt_config_restart_needed(const struct vakt_config *old,
    const struct vakt_config *neu, struct vakt_strlist *out)
{
	size_t n = 0;

	restart_if(
	    strcmp(old->timezone, neu->timezone) != 0, "timezone", out, &n);
	restart_if(
	    strcmp(old->database, neu->database) != 0, "database", out, &n);
	restart_if(strcmp(old->http.listen, neu->http.listen) != 0,
	    "http.listen", out, &n);
	restart_if(old->http.port != neu->http.port, "http.port", out, &n);
	return n;
}
