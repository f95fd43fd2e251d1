#define _GNU_SOURCE /* asprintf */
/*
 * helpers.c: shared test helpers (see helpers.h).
 */
#include "helpers.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/*
 * The sanitizer integration run (make check) gives the runner
 * detect_leaks=0, because Criterion 2.4.1's runner process now and then
 * leaks one 48-byte calloc of its own at exit, and the programs under
 * test VAKT_CHILD_ASAN_OPTIONS with detect_leaks=1.  ASan reads its
 * options once at start, so setting the variable here (before main)
 * changes only what vaktd and vaktctl inherit when they are exec'd; the
 * unit run keeps leak checks in every test.
 */
__attribute__((constructor)) static void
child_asan_options(void)
{
	const char *child = getenv("VAKT_CHILD_ASAN_OPTIONS");

	if (child != NULL)
		(void)setenv("ASAN_OPTIONS", child, 1);
}

void
vt_msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

char *
vt_tmpdir(void)
{
	char tmpl[] = "/tmp/vakt-test-XXXXXX";

	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	return strdup(tmpl);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
vt_rmrf(const char *path)
{
	if (path != NULL)
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
vt_path(const char *dir, const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

void
vt_write(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(content, 1, strlen(content), f), strlen(content));
	cr_assert_eq(fclose(f), 0);
}

char *
vt_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

char *
vt_bin(const char *name)
{
	const char *b = getenv("VAKT_BUILD");

	return vt_path(b != NULL && b[0] != '\0' ? b : "build", name);
}

const char *
vt_sanitizer_report(const char *text)
{
	static const char *const marks[] = {
	    "ERROR: AddressSanitizer",
	    "ERROR: LeakSanitizer",
	    ": runtime error: ",
	    "SUMMARY: AddressSanitizer",
	    "SUMMARY: UndefinedBehaviorSanitizer",
	};
	const char *first = NULL;

	for (size_t i = 0; text != NULL && i < sizeof(marks) / sizeof(*marks);
	    i++) {
		const char *p = strstr(text, marks[i]);

		if (p != NULL && (first == NULL || p < first))
			first = p;
	}
	return first;
}

/*
 * A sanitizer report from a program we ran fails the test, whatever
 * its exit status: a leak found at exit or a report in a child process
 * would otherwise pass unseen.
 */
static void
assert_no_sanitizer_report(const char *who, const char *text)
{
	const char *rep = vt_sanitizer_report(text);

	cr_assert_null(rep, "%s: sanitizer report:\n%.4000s", who, rep);
}

/*
 * Output goes through files, not pipes, so a chatty child can never
 * block on a full pipe while we wait for it.
 */
void
vt_run(struct vt_run *r, const char *stdin_data, const char *const argv[])
{
	char *dir = vt_tmpdir();
	char *in = vt_path(dir, "in"), *out = vt_path(dir, "out");
	char *err = vt_path(dir, "err");
	int st;
	pid_t pid;

	vt_write(in, stdin_data != NULL ? stdin_data : "");
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int i = open(in, O_RDONLY), o = open(out, O_WRONLY | O_CREAT, 0600),
		    e = open(err, O_WRONLY | O_CREAT, 0600);

		if (i < 0 || o < 0 || e < 0 || dup2(i, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = vt_slurp(out, NULL);
	r->err = vt_slurp(err, NULL);
	assert_no_sanitizer_report(argv[0], r->err);
	vt_rmrf(dir);
	free(in);
	free(out);
	free(err);
	free(dir);
}

void
vt_run_free(struct vt_run *r)
{
	free(r->out);
	free(r->err);
}

char *
vt_config(const char *api_url, const char *service_extra, const char *top_extra)
{
	char *s;

	cr_assert(asprintf(&s,
	    "timezone = \"Europe/Oslo\";\n"
	    "database = \"vakt.db\";\n"
	    "http = { listen = \"127.0.0.1\"; port = 0; "
	    "public_url = \"" VT_PUBLIC "\"; };\n"
	    "twilio = { account_sid = \"" VT_SID "\"; "
	    "auth_token = \"" VT_TOKEN "\"; api_url = \"%s\"; };\n"
	    "services = ( {\n"
	    "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	    "  beredskap = \"" VT_BEREDSKAP "\";\n"
	    "  fallback = \"" VT_FALLBACK "\";\n"
	    "%s\n"
	    "} );\n"
	    "%s\n",
	    api_url != NULL ? api_url : "http://127.0.0.1:9",
	    service_extra != NULL ? service_extra : "",
	    top_extra != NULL ? top_extra : "") > 0);
	return s;
}

char *
vt_daemon_log(const struct vt_daemon *d)
{
	char *s = vt_slurp(d->log, NULL);

	return s != NULL ? s : strdup("");
}

bool
vt_daemon_wait_log(const struct vt_daemon *d, const char *needle, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		char *log = vt_daemon_log(d);
		bool found = strstr(log, needle) != NULL;

		free(log);
		if (found)
			return true;
		vt_msleep(10);
	}
	return false;
}

/* Wait for "listening … port=N" in the log, or for vaktd to exit. */
static int
wait_listening(struct vt_daemon *d)
{
	for (int waited = 0; waited < 10000; waited += 10) {
		char *log = vt_daemon_log(d), *p = strstr(log, "listening");
		int st;

		if (p != NULL && (p = strstr(p, "port=")) != NULL) {
			d->port = atoi(p + 5);
			free(log);
			snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d",
			    d->port);
			return 0;
		}
		free(log);
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			return -1;
		}
		vt_msleep(10);
	}
	return -1;
}

void
vt_db_init(const char *conf)
{
	char *bin = vt_bin("vaktctl");
	const char *const argv[] = {bin, "-c", conf, "init", NULL};
	struct vt_run r;

	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "vaktctl -c %s init: exit %d: %s", conf,
	    r.status, r.err);
	vt_run_free(&r);
	free(bin);
}

int
vt_daemon_start(struct vt_daemon *d, const char *dir, const char *conf_text)
{
	char *conf = vt_path(dir, "vakt.conf");

	/* vaktd never creates its database (issue 10): vaktctl init does. */
	vt_write(conf, conf_text);
	vt_db_init(conf);
	free(conf);
	return vt_daemon_start_nodb(d, dir, conf_text);
}

int
vt_daemon_start_nodb(
    struct vt_daemon *d, const char *dir, const char *conf_text)
{
	char *vaktd = vt_bin("vaktd");
	pid_t parent = getpid();

	memset(d, 0, sizeof(*d));
	d->dir = strdup(dir);
	d->conf = vt_path(dir, "vakt.conf");
	d->log = vt_path(dir, "vaktd.log");
	vt_write(d->conf, conf_text);
	d->pid = fork();
	cr_assert_neq(d->pid, -1);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int null = open("/dev/null", O_RDWR);

		/* Die with the test: a failed assertion skips the cleanup. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent || fd < 0 || null < 0 ||
		    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(vaktd, vaktd, "-v", "-c", d->conf, (char *)NULL);
		_exit(127);
	}
	free(vaktd);
	return wait_listening(d);
}

static int
wait_exit(pid_t pid, int ms)
{
	int st;

	for (int waited = 0; waited < ms; waited += 10) {
		pid_t got = waitpid(pid, &st, WNOHANG);

		if (got == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		vt_msleep(10);
	}
	return -1;
}

/* Fail the test if vaktd's log holds a sanitizer report. */
static void
check_daemon_log(const struct vt_daemon *d)
{
	char *log;

	if (d->log == NULL)
		return;
	log = vt_daemon_log(d);
	assert_no_sanitizer_report("vaktd", log);
	free(log);
}

int
vt_daemon_stop(struct vt_daemon *d)
{
	int rc;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	rc = wait_exit(d->pid, 10000);
	if (rc == -1) {
		kill(d->pid, SIGKILL);
		rc = wait_exit(d->pid, 10000);
	}
	d->pid = -1;
	check_daemon_log(d);
	return rc;
}

void
vt_daemon_kill(struct vt_daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	(void)wait_exit(d->pid, 10000);
	d->pid = -1;
	check_daemon_log(d);
}

/*
 * A vaktd still running is stopped with SIGTERM (SIGKILL after 10 s) so
 * that a sanitizer build runs its leak check at exit.
 */
void
vt_daemon_free(struct vt_daemon *d)
{
	if (d->pid > 0)
		(void)vt_daemon_stop(d);
	else
		check_daemon_log(d);
	free(d->dir);
	free(d->conf);
	free(d->log);
	memset(d, 0, sizeof(*d));
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct vt_resp *r = arg;
	size_t len = size * n;

	r->body = realloc(r->body, r->len + len + 1);
	cr_assert_not_null(r->body);
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static size_t
collect_header(char *data, size_t size, size_t n, void *arg)
{
	char **h = arg;
	size_t old = *h != NULL ? strlen(*h) : 0, len = size * n;

	*h = realloc(*h, old + len + 1);
	cr_assert_not_null(*h);
	memcpy(*h + old, data, len);
	(*h)[old + len] = '\0';
	return len;
}

void
vt_http(struct vt_resp *r, const char *method, const char *url,
    const char *body, const char *const *headers)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	r->body = strdup("");
	r->headers = strdup("");
	cr_assert_not_null(c);
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, url,
	    curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

void
vt_resp_free(struct vt_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

char *
vt_form(const char *const *params)
{
	CURL *c = curl_easy_init();
	char *out = strdup(""), *tmp;

	for (size_t i = 0; params[i] != NULL; i += 2) {
		char *k = curl_easy_escape(c, params[i], 0);
		char *v = curl_easy_escape(c, params[i + 1], 0);

		cr_assert(asprintf(&tmp, "%s%s%s=%s", out, i ? "&" : "", k,
		    v) > 0);
		free(out);
		out = tmp;
		curl_free(k);
		curl_free(v);
	}
	curl_easy_cleanup(c);
	return out;
}

static int
cmp_pair(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(x[0], y[0]);

	return c != 0 ? c : strcmp(x[1], y[1]);
}

/*
 * The documented algorithm: URL, then each name+value sorted by name
 * (then value), HMAC-SHA1 with the auth token, base64.
 */
char *
vt_twilio_sign(const char *token, const char *url, const char *const *params)
{
	size_t n = 0, len;
	const char **pairs;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char *s = strdup(url), *tmp, *out;

	while (params != NULL && params[n] != NULL)
		n += 2;
	pairs = malloc((n + 1) * sizeof(*pairs));
	cr_assert_not_null(pairs);
	/* params may be NULL (no parameters): memcpy's source must not be. */
	if (n > 0)
		memcpy(pairs, params, n * sizeof(*pairs));
	qsort(pairs, n / 2, 2 * sizeof(*pairs), cmp_pair);
	for (size_t i = 0; i < n; i += 2) {
		cr_assert(asprintf(&tmp, "%s%s%s", s, pairs[i], pairs[i + 1]) > 0);
		free(s);
		s = tmp;
	}
	free(pairs);
	HMAC(EVP_sha1(), token, (int)strlen(token), (unsigned char *)s,
	    strlen(s), mac, &mac_len);
	free(s);
	out = malloc(4 * ((mac_len + 2) / 3) + 1);
	len = (size_t)EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
	out[len] = '\0';
	return out;
}

void
vt_twilio_post(struct vt_resp *r, const struct vt_daemon *d,
    const char *path_query, const char *const *params)
{
	char *url = vt_path(VT_PUBLIC, path_query[0] == '/' ? path_query + 1
							    : path_query);
	char *sig = vt_twilio_sign(VT_TOKEN, url, params);
	char *body = vt_form(params), *target, *h_sig;
	const char *headers[3];

	cr_assert(asprintf(&h_sig, "X-Twilio-Signature: %s", sig) > 0);
	cr_assert(asprintf(&target, "%s%s", d->url, path_query) > 0);
	headers[0] = "Content-Type: application/x-www-form-urlencoded";
	headers[1] = h_sig;
	headers[2] = NULL;
	vt_http(r, "POST", target, body, headers);
	free(url);
	free(sig);
	free(body);
	free(target);
	free(h_sig);
}
