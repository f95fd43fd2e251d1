/*
 * helpers.h: what the tests share.  Temporary folders, running vaktctl,
 * starting and stopping a real vaktd on 127.0.0.1 with a generated
 * configuration, HTTP through libcurl, and Twilio request signing
 * written from the documented algorithm (independently of twilio.c).
 *
 * Every function aborts the test (cr_assert) on a failure of its own;
 * results that a test should judge are returned.
 */
#ifndef VAKT_TEST_HELPERS_H
#define VAKT_TEST_HELPERS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/* The numbers of the standard test service. */
#define VT_SERVICE   "+4755000000"
#define VT_BEREDSKAP "+4790000000"
#define VT_FALLBACK  "+4755555555"
#define VT_TOKEN     "test-auth-token-0123456789abcdef0123"
#define VT_SID	     "AC0123456789abcdef0123456789abcdef"
#define VT_PUBLIC    "https://vakt.test"

/* A fresh folder under /tmp; caller frees (and removes with vt_rmrf). */
char *vt_tmpdir(void);
void vt_rmrf(const char *path);
char *vt_path(const char *dir, const char *name);
void vt_write(const char *path, const char *content);
/* The file's contents (NUL-terminated), or NULL if it cannot be read. */
char *vt_slurp(const char *path, size_t *len);

/* build/NAME, from $VAKT_BUILD (absolute) or "build". Caller frees. */
char *vt_bin(const char *name);

/* Run argv (argv[0] a path) with stdin_data; capture status and output. */
struct vt_run {
	int status; /* exit code, or 128 + signal */
	char *out;
	char *err;
};
void vt_run(struct vt_run *r, const char *stdin_data, const char *const argv[]);
void vt_run_free(struct vt_run *r);

/*
 * The standard test configuration: service "due" on VT_SERVICE with
 * beredskap and fallback as above, public_url VT_PUBLIC, token VT_TOKEN,
 * port 0, database "vakt.db" next to the file.  api_url may be NULL
 * (an unreachable address).  service_extra goes inside the service
 * group, top_extra at the top level.  Caller frees.
 */
char *vt_config(const char *api_url, const char *service_extra,
    const char *top_extra);

struct vt_daemon {
	pid_t pid;
	int port;
	char *dir;  /* holds vakt.conf, vakt.db and vaktd.log */
	char *conf;
	char *log;
	char url[64]; /* http://127.0.0.1:PORT */
};

/*
 * vaktctl -c conf init: create (or migrate) the database conf names.
 * vaktd and vaktctl's other commands never create one (issue 10), so a
 * test that runs them on a fresh folder calls this first.
 */
void vt_db_init(const char *conf);

/*
 * Write conf_text to dir/vakt.conf (dir is borrowed, not freed), create
 * its database with vt_db_init() (a no-op for one that exists), start
 * vaktd with -v and wait up to 10 s for it to listen.  Returns 0, or
 * -1 if it exited or never listened (d->log then tells why).
 */
int vt_daemon_start(
    struct vt_daemon *d, const char *dir, const char *conf_text);
/* The same without vt_db_init(): vaktd finds what dir holds. */
int vt_daemon_start_nodb(
    struct vt_daemon *d, const char *dir, const char *conf_text);
/*
 * SIGTERM and wait (10 s, then SIGKILL); returns the exit code.  This,
 * vt_daemon_kill and vt_daemon_free fail the test if the log holds a
 * sanitizer report.
 */
int vt_daemon_stop(struct vt_daemon *d);
void vt_daemon_kill(struct vt_daemon *d);
/* Everything vaktd wrote to stderr so far.  Caller frees. */
char *vt_daemon_log(const struct vt_daemon *d);
/* Wait up to ms for needle to appear in the log; true if it did. */
bool vt_daemon_wait_log(const struct vt_daemon *d, const char *needle, int ms);
/* Stops a vaktd still running (as vt_daemon_stop), frees d's strings. */
void vt_daemon_free(struct vt_daemon *d);

/* One HTTP exchange through libcurl. */
struct vt_resp {
	long status;
	char *body;
	size_t len;
	char *headers; /* raw response header block */
};
/* headers: NULL-terminated "Name: value" strings, may be NULL. */
void vt_http(struct vt_resp *r, const char *method, const char *url,
    const char *body, const char *const *headers);
void vt_resp_free(struct vt_resp *r);

/* Form-encode params ("k", "v", …, NULL).  Caller frees. */
char *vt_form(const char *const *params);
/* X-Twilio-Signature for url and params (k, v, …, NULL). Caller frees. */
char *vt_twilio_sign(const char *token, const char *url,
    const char *const *params);
/*
 * POST a signed Twilio webhook: url VT_PUBLIC + path_query is signed,
 * the request goes to d->url + path_query.
 */
void vt_twilio_post(struct vt_resp *r, const struct vt_daemon *d,
    const char *path_query, const char *const *params);

/*
 * Where text holds an AddressSanitizer, LeakSanitizer or UBSan report,
 * or NULL.  vt_run and the vt_daemon_* functions that end a vaktd fail
 * the test when the program's stderr has one.
 */
const char *vt_sanitizer_report(const char *text);

/* Sleep ms milliseconds (for polling loops only; tests pass time in). */
void vt_msleep(int ms);

#endif
