/*
 * outbox.c: durable outbound SMS over libcurl's multi interface, driven
 * by the libevent loop (no blocking calls, no threads).
 *
 * The rows are the truth: a send starts from a pending row and ends by
 * updating it (sent, retry at next_ms, or failed), so nothing is lost
 * across restarts.  Twilio offers no idempotency key, so each try is
 * noted on its row before the request goes out; a row whose try was
 * still in flight when vaktd died is, after the restart, first looked
 * for in Twilio's list of messages (same To and From, same body) and
 * recorded as sent if Twilio has it.  Only if the list cannot be read
 * or lacks it is it sent again: for alerts a duplicate beats a loss.
 */
#include "vakt/outbox.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "vakt/app.h"
#include "vakt/config.h"
#include "vakt/contact.h"
#include "vakt/log.h"
#include "vakt/store.h"
#include "vakt/twilio.h"

#define JOBS_MAX           VAKT_OUTBOX_IN_FLIGHT_MAX
#define SCAN_IDLE_MS       60000 /* look again at least this often */
#define CONNECT_TIMEOUT_MS 10000
#define RESPONSE_MAX       65536
#define LIST_MAX           (1u << 20) /* a page of messages, bodies and all */
#define LIST_PAGE          50
#define RETRY_AFTER_MAX_S  86400 /* a day; backoff_ms caps it again */
#define MASK_MIN_DIGITS    6     /* a digit run this long may be a number */

/* config.c lets outbox.max_in_flight reach 64: jobs[] holds that many. */
static_assert(JOBS_MAX >= 64, "outbox jobs[] smaller than max_in_flight");

struct job {
	struct vakt_outbox *ob;
	CURL *easy;
	struct vakt_outbox_row row;
	struct vakt_buf resp;
	long retry_after_s; /* Retry-After on a 429, or 0 */
	int64_t t0_ms;      /* monotonic, when the transfer started */
	bool is_check;      /* listing Twilio's messages, not sending */
	int64_t tried_ms;   /* is_check: when the lost try started */
	bool is_done;       /* ended during a stalled commit: not recorded */
	CURLcode done_rc;   /* is_done: how it ended */
};

struct vakt_outbox {
	struct event_base *base;
	struct vakt_app *app;
	CURLM *multi;
	struct event *curl_timer; /* curl's own timeout */
	struct event *scan_timer; /* the next due row */
	struct event *ckpt_timer; /* wipe bodies from the WAL */
	struct job *jobs[JOBS_MAX];
	size_t n_jobs;
	int64_t start_ms; /* wall clock: tries before it were lost */
	uint64_t n_sent, n_retried, n_failed;
};

static void scan(struct vakt_outbox *ob);
static int send_setup(struct vakt_outbox *ob, struct job *j);
static void try_debug(const struct vakt_outbox *ob, const struct job *j);

/* The body, and Twilio's answer that echoes it, leave no copy behind. */
static void
job_free(struct job *j)
{
	if (j->row.body != NULL)
		explicit_bzero(j->row.body, strlen(j->row.body));
	free(j->row.body);
	if (j->resp.p != NULL)
		explicit_bzero(j->resp.p, j->resp.len);
	vakt_buf_free(&j->resp);
	free(j);
}

static void
job_remove(struct vakt_outbox *ob, struct job *j)
{
	for (size_t i = 0; i < ob->n_jobs; i++) {
		if (ob->jobs[i] == j) {
			ob->jobs[i] = ob->jobs[--ob->n_jobs];
			break;
		}
	}
	curl_multi_remove_handle(ob->multi, j->easy);
	curl_easy_cleanup(j->easy);
	job_free(j);
}

/* Twilio's "sid" from a 201, or "" when the JSON has none. */
static void
response_sid(const struct job *j, char *out, size_t len)
{
	json_t *root = json_loadb(
	    j->resp.p != NULL ? j->resp.p : "", j->resp.len, 0, NULL);
	const char *sid = json_string_value(json_object_get(root, "sid"));

	(void)vakt_strlcpy(out, sid != NULL ? sid : "", len);
	json_decref(root);
}

static bool
is_number_sep(char c)
{
	return c == ' ' || c == '-' || c == '.';
}

/*
 * Bytes of the number-like run at s: an optional '+', then digits with
 * single spaces, dashes or dots between them.  Its digits in *n_digits.
 * 0 when s starts no such run.
 */
static size_t
number_at(const char *s, size_t *n_digits)
{
	size_t i = s[0] == '+' ? 1 : 0, end = 0;

	*n_digits = 0;
	for (;; i++) {
		if (isdigit((unsigned char)s[i])) {
			(*n_digits)++;
			end = i + 1;
		} else if (!(is_number_sep(s[i]) && *n_digits > 0 &&
		               isdigit((unsigned char)s[i + 1]))) {
			break;
		}
	}
	return end;
}

/* Append the run s[0..n) to out with all but its last 3 digits masked. */
static size_t
mask_number(const char *s, size_t n, size_t n_digits, char *out, size_t len)
{
	bool has_plus = s[0] == '+';
	size_t o = 0, seen = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		char c = s[i];

		if (isdigit((unsigned char)c)) {
			/* As vakt_mask_e164: "+47" and the last 3 stay. */
			bool is_kept =
			    (has_plus && seen < 2) || seen >= n_digits - 3;

			seen++;
			if (!is_kept)
				c = '*';
		}
		out[o++] = c;
	}
	return o;
}

/*
 * A provider's error text, safe to log and store: it is untrusted and
 * may name a phone number (Twilio's 21211 says "The 'To' number
 * +4791234567 is not a valid phone number.").  Every digit run of
 * MASK_MIN_DIGITS or more keeps only its last 3 digits (and the
 * country code after a '+'); control bytes, DEL and every non-ASCII
 * byte become '?', so it can neither leak a number nor forge a line.
 * XXX(#10) util.c gains a general escaping helper; this stays local.
 */
static void
mask_provider_text(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	while (*in != '\0' && o + 1 < len) {
		size_t n_digits = 0, n = number_at(in, &n_digits);
		unsigned char c = (unsigned char)*in;

		if (n > 0 && n_digits >= MASK_MIN_DIGITS) {
			o += mask_number(in, n, n_digits, out + o, len - o);
			in += n;
			continue;
		}
		out[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
		in++;
	}
	out[o] = '\0';
}

/* "HTTP 400: 21211 The 'To' number … is not valid", from Twilio JSON. */
static void
response_error(const struct job *j, long status, char *out, size_t len)
{
	json_t *root = json_loadb(
	    j->resp.p != NULL ? j->resp.p : "", j->resp.len, 0, NULL);
	const char *msg = json_string_value(json_object_get(root, "message"));
	json_int_t code = json_integer_value(json_object_get(root, "code"));
	char safe[192];

	mask_provider_text(
	    msg != NULL ? msg : "(no message)", safe, sizeof(safe));
	snprintf(out, len, "HTTP %ld: %lld %s", status, (long long)code, safe);
	json_decref(root);
}

/* Doubling from retry_first up to retry_max, times 0.8..1.2 jitter. */
static int64_t
backoff_ms(const struct vakt_config *cfg, int attempts, long retry_after_s)
{
	int64_t d = cfg->outbox.retry_first_ms;

	for (int i = 1; i < attempts && d < cfg->outbox.retry_max_ms; i++)
		d *= 2;
	if (d > cfg->outbox.retry_max_ms)
		d = cfg->outbox.retry_max_ms;
	d = d * (800 + (int64_t)arc4random_uniform(401)) / 1000;
	/*
	 * Honour Retry-After, but never wait longer than retry_max.
	 * header_cb clamped it already; clamped again here so that the
	 * product can never overflow, whoever set it.
	 */
	if (retry_after_s < 0 || retry_after_s > RETRY_AFTER_MAX_S)
		retry_after_s = retry_after_s < 0 ? 0 : RETRY_AFTER_MAX_S;
	if ((int64_t)retry_after_s * 1000 > d)
		d = (int64_t)retry_after_s * 1000 < cfg->outbox.retry_max_ms
		    ? (int64_t)retry_after_s * 1000
		    : cfg->outbox.retry_max_ms;
	return d;
}

/*
 * A body was wiped from the table; the old page may still be in the
 * WAL or, after an automatic checkpoint, in the main file: truncate
 * the WAL soon, outside any transaction.
 */
static void
wipe_soon(struct vakt_outbox *ob)
{
	const struct timeval soon = {0, 100000};

	event_add(ob->ckpt_timer, &soon);
}

/*
 * Record a send Twilio accepted: 0, or -1 if the database cannot take
 * it now (the job then keeps its slot and its row, so that nothing
 * sends the message again, and tries again later).
 */
static int
record_sent(struct vakt_outbox *ob, struct job *j, const char *sid, int64_t now)
{
	const struct vakt_config *cfg = ob->app->cfg;
	char masked[VAKT_E164_LEN];
	struct vakt_err err = {0};
	bool is_own;
	int rc = vakt_app_own_begin(ob->app, &is_own);

	if (rc == 0)
		rc = vakt_store_outbox_sent(ob->app->store, j->row.id, sid, now,
		    cfg->retention.keep_message_bodies, &err);
	if (vakt_app_own_end(ob->app, is_own, rc) == -1) {
		if (err.msg[0] == '\0')
			vakt_err_set(&err, "database unavailable");
		vakt_log_repeat(3,
		    "outbox: row %lld sent but not recorded: %s; "
		    "not sent again, recorded when the database works",
		    (long long)j->row.id, err.msg);
		return -1;
	}
	ob->n_sent++;
	vakt_log_info("outbox: sent row=%lld to=%s purpose=%d tries=%d",
	    (long long)j->row.id, vakt_mask_e164(j->row.to, masked),
	    j->row.purpose, j->row.attempts + 1);
	if (!cfg->retention.keep_message_bodies)
		wipe_soon(ob);
	return 0;
}

/* Record a try that failed: 0, or -1 as record_sent(). */
static int
record_failure(struct vakt_outbox *ob, struct job *j, const char *why,
    bool is_permanent, int64_t now)
{
	const struct vakt_config *cfg = ob->app->cfg;
	int tries = j->row.attempts + 1;
	int64_t wait = backoff_ms(cfg, tries, j->retry_after_s);
	struct vakt_err err = {0};
	bool is_own;
	int rc = vakt_app_own_begin(ob->app, &is_own);

	if (!is_permanent && now - j->row.created_ms >= cfg->outbox.give_up_ms)
		is_permanent = true;
	if (rc == 0 && is_permanent)
		rc = vakt_store_outbox_failed(
		    ob->app->store, j->row.id, why, now, &err);
	else if (rc == 0)
		rc = vakt_store_outbox_retry(
		    ob->app->store, j->row.id, now + wait, why, &err);
	if (vakt_app_own_end(ob->app, is_own, rc) == -1) {
		if (err.msg[0] == '\0')
			vakt_err_set(&err, "database unavailable");
		vakt_log_repeat(3,
		    "outbox: row %lld try %d failed (%s) but not recorded: "
		    "%s",
		    (long long)j->row.id, tries, why, err.msg);
		return -1;
	}
	if (is_permanent) {
		ob->n_failed++;
		/* The store wipes a failed row's body whatever retention. */
		wipe_soon(ob);
		vakt_log_errx(
		    "outbox: row %lld failed for good after %d tries: "
		    "%s",
		    (long long)j->row.id, tries, why);
	} else {
		ob->n_retried++;
		vakt_log_warnx(
		    "outbox: row %lld try %d failed: %s; next try in "
		    "%lld ms",
		    (long long)j->row.id, tries, why, (long long)wait);
	}
	return 0;
}

/* A transfer whose end cannot be recorded now: scan_cb tries again. */
static void
finish_later(struct vakt_outbox *ob, struct job *j, CURLcode rc)
{
	const struct timeval later = {1, 0};

	j->is_done = true;
	j->done_rc = rc;
	event_add(ob->scan_timer, &later);
}

/*
 * Is m, from Twilio's list, the row's lost message?  Same body and To,
 * and not a message some row already has: the same text sent earlier
 * to the same number (a second "Ok") is not this one.  A sid that
 * cannot be looked up does not match: a duplicate, never a loss.
 */
static bool
is_rows_message(struct vakt_outbox *ob, const struct job *j, json_t *m)
{
	const char *body = json_string_value(json_object_get(m, "body"));
	const char *to = json_string_value(json_object_get(m, "to"));
	const char *sid = json_string_value(json_object_get(m, "sid"));
	struct vakt_err err;

	if (body == NULL || sid == NULL || j->row.body == NULL ||
	    strcmp(body, j->row.body) != 0 ||
	    (to != NULL && strcmp(to, j->row.to) != 0))
		return false;
	switch (vakt_store_outbox_sid_known(ob->app->store, sid, &err)) {
	case 0:
		return true;
	case -1:
		vakt_log_warnx(
		    "outbox: row %lld: %s", (long long)j->row.id, err.msg);
		return false;
	default:
		return false; /* an earlier row's message */
	}
}

/* The sid of the message in Twilio's list that is the row's, or "". */
static void
listed_sid(struct vakt_outbox *ob, const struct job *j, char *out, size_t len)
{
	json_t *root = json_loadb(
	    j->resp.p != NULL ? j->resp.p : "", j->resp.len, 0, NULL);
	json_t *msgs = json_object_get(root, "messages"), *m;
	size_t i;

	out[0] = '\0';
	json_array_foreach(msgs, i, m)
	{
		if (is_rows_message(ob, j, m)) {
			(void)vakt_strlcpy(out,
			    json_string_value(json_object_get(m, "sid")), len);
			break;
		}
	}
	json_decref(root);
}

/* Send the row now, on the job's own handle.  -1: the job is gone. */
static int
resend(struct vakt_outbox *ob, struct job *j)
{
	curl_multi_remove_handle(ob->multi, j->easy);
	curl_easy_reset(j->easy);
	if (j->resp.p != NULL)
		explicit_bzero(j->resp.p, j->resp.len);
	vakt_buf_free(&j->resp);
	j->retry_after_s = 0;
	if (send_setup(ob, j) == -1 ||
	    curl_multi_add_handle(ob->multi, j->easy) != CURLM_OK) {
		vakt_log_errx("outbox: cannot start a transfer for row %lld",
		    (long long)j->row.id);
		job_remove(ob, j);
		return -1;
	}
	j->t0_ms = vakt_clock_mono_ms();
	try_debug(ob, j);
	return 0;
}

/*
 * Twilio's list came back for a row lost in flight: Twilio has the
 * message (record it as sent, with Twilio's sid, and send nothing), or
 * it has not, or the list could not be read: send it.
 */
static void
checked(struct vakt_outbox *ob, struct job *j, CURLcode rc)
{
	char sid[VAKT_SID_LEN] = "";
	long status = 0;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status == 200)
		listed_sid(ob, j, sid, sizeof(sid));
	if (sid[0] == '\0') {
		vakt_log_debug("outbox: row=%lld not in Twilio's list (curl=%d "
		               "http=%ld); sending it",
		    (long long)j->row.id, (int)rc, status);
		(void)resend(ob, j);
		return;
	}
	vakt_log_info("outbox: row %lld reached Twilio before the restart; "
	              "not sent again",
	    (long long)j->row.id);
	if (record_sent(ob, j, sid, vakt_clock_now_ms()) == -1) {
		finish_later(ob, j, rc);
		return;
	}
	job_remove(ob, j);
}

/* One transfer ended: sort it into sent, retry or failed. */
static void
finish(struct vakt_outbox *ob, struct job *j, CURLcode rc)
{
	int64_t now = vakt_clock_now_ms();
	char why[256];
	long status = 0;
	int recorded;

	if (j->is_check) {
		checked(ob, j, rc);
		return;
	}
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	vakt_log_debug("outbox: row=%lld try=%d answered curl=%d http=%ld "
	               "ms=%lld",
	    (long long)j->row.id, j->row.attempts + 1, (int)rc, status,
	    (long long)(vakt_clock_mono_ms() - j->t0_ms));
	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
		recorded = record_failure(ob, j, why, false, now);
	} else if (status == 200 || status == 201) {
		char sid[VAKT_SID_LEN];

		response_sid(j, sid, sizeof(sid));
		recorded = record_sent(ob, j, sid, now);
	} else {
		/* Twilio: a 429 was never processed and is safe to retry. */
		response_error(j, status, why, sizeof(why));
		recorded = record_failure(
		    ob, j, why, status != 429 && status < 500, now);
	}
	if (recorded == -1) {
		finish_later(ob, j, rc);
		return;
	}
	job_remove(ob, j);
}

static void
check_done(struct vakt_outbox *ob)
{
	CURLMsg *msg;
	int left;
	bool any = false;

	while ((msg = curl_multi_info_read(ob->multi, &left)) != NULL) {
		struct job *j;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &j);
		/* msg dies with the handle: read rc before finishing. */
		if (vakt_app_is_stalled(ob->app)) {
			/* Recording it would wait for the disk: the job
			 * keeps its slot (and its row) until scan_cb. */
			finish_later(ob, j, msg->data.result);
			continue;
		}
		finish(ob, j, msg->data.result);
		any = true;
	}
	if (any)
		scan(ob);
}

/*
 * Record the transfers that ended while a commit was stalled or the
 * database failed.  One that still cannot be recorded waits again.
 */
static void
finish_waiting(struct vakt_outbox *ob)
{
	struct job *done[JOBS_MAX];
	size_t n = 0;

	for (size_t i = 0; i < ob->n_jobs; i++)
		if (ob->jobs[i]->is_done)
			done[n++] = ob->jobs[i];
	for (size_t i = 0; i < n; i++) {
		done[i]->is_done = false;
		finish(ob, done[i], done[i]->done_rc); /* may free it */
	}
}

static void
socket_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct vakt_outbox *ob = arg;
	int action = ((kind & EV_READ) ? CURL_CSELECT_IN : 0) |
	    ((kind & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;

	curl_multi_socket_action(ob->multi, fd, action, &running);
	check_done(ob);
}

static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct vakt_outbox *ob = userp;
	struct event *ev = sockp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(ob->multi, s, NULL);
		return 0;
	}
	kind = (short)(EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
	if (ev == NULL) {
		ev = event_new(ob->base, s, kind, socket_event_cb, ob);
		if (ev == NULL)
			return -1;
		curl_multi_assign(ob->multi, s, ev);
	} else {
		event_del(ev);
		event_assign(ev, ob->base, s, kind, socket_event_cb, ob);
	}
	return event_add(ev, NULL);
}

static void
curl_timer_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct vakt_outbox *ob = arg;
	int running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(ob->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(ob);
}

static int
curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct vakt_outbox *ob = userp;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	(void)multi;
	if (timeout_ms < 0)
		return event_del(ob->curl_timer);
	return event_add(ob->curl_timer, &tv);
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	if (j->resp.len + size * n > (j->is_check ? LIST_MAX : RESPONSE_MAX))
		return 0; /* not Twilio: fail the transfer */
	vakt_buf_add(&j->resp, data, size * n);
	return size * n;
}

/*
 * Retry-After as delta-seconds (RFC 9110 10.2.3), clamped to
 * RETRY_AFTER_MAX_S: a huge value means "wait long", which backoff_ms
 * turns into retry_max.  0 (use the backoff) for anything else: an
 * HTTP-date, a sign, trailing garbage.  v is not NUL-terminated.
 */
static long
retry_after_of(const char *v, size_t len)
{
	size_t i = 0;
	long s = 0;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i == len || !isdigit((unsigned char)v[i]))
		return 0;
	for (; i < len && isdigit((unsigned char)v[i]); i++)
		if ((s = s * 10 + (v[i] - '0')) > RETRY_AFTER_MAX_S)
			s = RETRY_AFTER_MAX_S;
	while (i < len &&
	    (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
		i++;
	return i == len ? s : 0;
}

static size_t
header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;

	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
		j->retry_after_s = retry_after_of(data + 12, len - 12);
	return len;
}

/* "To=…&From=…&Body=…&StatusCallback=…&ValidityPeriod=…" */
static char *
form_of(CURL *easy, const struct vakt_config *cfg,
    const struct vakt_outbox_row *row)
{
	const char *names[] = {"To", "From", "Body", "StatusCallback"};
	char *status_url =
	    vakt_xasprintf("%s/twilio/sms/status", cfg->http.public_url);
	const char *values[] = {
	    row->to, row->from, row->body != NULL ? row->body : "", status_url};
	struct vakt_buf b = {0};

	for (size_t i = 0; i < 4; i++) {
		char *v = curl_easy_escape(easy, values[i], 0);

		vakt_buf_printf(&b, "%s%s=%s", i > 0 ? "&" : "", names[i],
		    v != NULL ? v : "");
		curl_free(v);
	}
	vakt_buf_printf(&b, "&ValidityPeriod=%d", cfg->outbox.validity_s);
	free(status_url);
	return vakt_buf_take(&b, NULL);
}

/* What every request to Twilio has: auth, limits, our callbacks. */
static int
common_opts(struct job *j, const struct vakt_config *cfg)
{
	CURL *e = j->easy;

	return curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) ||
	    curl_easy_setopt(e, CURLOPT_USERNAME, cfg->twilio.account_sid) ||
	    curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->twilio.auth_token) ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(
	        e, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS) ||
	    curl_easy_setopt(
	        e, CURLOPT_TIMEOUT_MS, (long)cfg->outbox.timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "vakt") ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb) ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, j) ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb) ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, j) ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
}

static int
job_setup(struct job *j, const struct vakt_config *cfg)
{
	char *url = vakt_xasprintf("%s/2010-04-01/Accounts/%s/Messages.json",
	    cfg->twilio.api_url, cfg->twilio.account_sid);
	char *form = form_of(j->easy, cfg, &j->row);
	CURL *e = j->easy;
	int bad;

	bad = curl_easy_setopt(e, CURLOPT_URL, url) ||
	    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, form) ||
	    common_opts(j, cfg);
	explicit_bzero(form, strlen(form)); /* it holds the message */
	free(form);
	free(url);
	return bad ? -1 : 0;
}

/*
 * GET Messages.json?To=…&From=…&DateSent>=…: Twilio's newest messages
 * between the row's numbers, from the day before the lost try (UTC
 * dates, so a try just after midnight is covered).  XXX(#10) Twilio
 * gives a message its date_sent only once it leaves; one still queued
 * at Twilio is not listed and is sent again, as is one beyond the
 * first LIST_PAGE: a duplicate, never a loss.
 */
static int
check_setup(struct job *j, const struct vakt_config *cfg)
{
	time_t since = (time_t)(j->tried_ms / 1000) - 86400;
	char *to = curl_easy_escape(j->easy, j->row.to, 0);
	char *from = curl_easy_escape(j->easy, j->row.from, 0);
	char day[16] = "";
	struct tm tm;
	char *url;
	int bad;

	if (gmtime_r(&since, &tm) != NULL)
		(void)strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	url = vakt_xasprintf("%s/2010-04-01/Accounts/%s/Messages.json"
	                     "?To=%s&From=%s&DateSent%%3E=%s&PageSize=%d",
	    cfg->twilio.api_url, cfg->twilio.account_sid, to != NULL ? to : "",
	    from != NULL ? from : "", day, LIST_PAGE);
	bad = to == NULL || from == NULL ||
	    curl_easy_setopt(j->easy, CURLOPT_URL, url) ||
	    curl_easy_setopt(j->easy, CURLOPT_HTTPGET, 1L) ||
	    common_opts(j, cfg);
	curl_free(to);
	curl_free(from);
	free(url);
	return bad ? -1 : 0;
}

/*
 * Note the try on the row, then set the send up.  Outside a batch the
 * note is committed before the request can leave (scan() waits for an
 * open batch to close), so a crash mid-request is known at restart.
 * If it cannot be noted the message goes anyway: a possible duplicate
 * after a crash beats a message held back.
 */
static int
send_setup(struct vakt_outbox *ob, struct job *j)
{
	struct vakt_err err = {0};
	bool is_own;
	int rc = vakt_app_own_begin(ob->app, &is_own);

	j->is_check = false;
	if (rc == 0)
		rc = vakt_store_outbox_trying(
		    ob->app->store, j->row.id, vakt_clock_now_ms(), &err);
	if (vakt_app_own_end(ob->app, is_own, rc) == -1)
		vakt_log_warnx("outbox: row %lld: try not noted: %s",
		    (long long)j->row.id,
		    err.msg[0] != '\0' ? err.msg : "database unavailable");
	return job_setup(j, ob->app->cfg);
}

/*
 * Was this row's send in flight when an earlier vaktd stopped?  Then
 * Twilio may have it: ask before sending (*tried_ms: that try's start).
 */
static bool
was_lost_in_flight(
    struct vakt_outbox *ob, const struct vakt_outbox_row *row, int64_t *at)
{
	struct vakt_err err;
	int rc = vakt_store_outbox_tried(ob->app->store, row->id, at, &err);

	if (rc == -1)
		vakt_log_warnx(
		    "outbox: row %lld: %s", (long long)row->id, err.msg);
	return rc == 1 && *at < ob->start_ms;
}

/*
 * A row older than give_up (vaktd was down, say) is not sent at all:
 * a missed-call alert days late helps nobody and misleads.
 */
static bool
too_old(struct vakt_outbox *ob, const struct vakt_outbox_row *row, int64_t now)
{
	struct vakt_err err = {0};
	bool is_own;
	int rc;

	if (now - row->created_ms < ob->app->cfg->outbox.give_up_ms)
		return false;
	rc = vakt_app_own_begin(ob->app, &is_own);
	if (rc == 0)
		rc = vakt_store_outbox_failed(ob->app->store, row->id,
		    "given up: older than outbox.give_up before it could be "
		    "sent",
		    now, &err);
	if (vakt_app_own_end(ob->app, is_own, rc) == -1)
		vakt_log_errx("outbox: row %lld: %s", (long long)row->id,
		    err.msg[0] != '\0' ? err.msg : "database unavailable");
	ob->n_failed++;
	vakt_log_errx("outbox: row %lld given up unsent: older than "
	              "outbox.give_up",
	    (long long)row->id);
	wipe_soon(ob);
	return true;
}

/*
 * outbox.print (demo only, config.c): the SMS goes to the terminal
 * instead of Twilio, in a block of its own, and the row counts as
 * sent.  The one place vakt shows a message body, so that `make run`
 * shows the alerts and login codes it cannot send.
 */
static void
print_row(struct vakt_outbox *ob, const struct vakt_outbox_row *row)
{
	const struct vakt_config *cfg = ob->app->cfg;
	struct vakt_err err;

	fprintf(stderr,
	    "----- SMS not sent (outbox.print) ----------------------\n"
	    "To:   %s\n"
	    "From: %s\n"
	    "\n"
	    "%s\n"
	    "--------------------------------------------------------\n",
	    row->to, row->from, row->body != NULL ? row->body : "");
	if (vakt_store_outbox_sent(ob->app->store, row->id, "",
	        vakt_clock_now_ms(), cfg->retention.keep_message_bodies,
	        &err) == -1) {
		vakt_log_errx("outbox: row %lld printed but not recorded: %s",
		    (long long)row->id, err.msg);
		return;
	}
	ob->n_sent++;
	vakt_log_info("outbox: printed row=%lld purpose=%d", (long long)row->id,
	    row->purpose);
	if (!cfg->retention.keep_message_bodies)
		wipe_soon(ob);
}

/* -v: each try, number masked; never the body. */
static void
try_debug(const struct vakt_outbox *ob, const struct job *j)
{
	char masked[VAKT_E164_LEN];

	if (!vakt_log_is_verbose())
		return;
	vakt_log_debugx("outbox: try row=%lld to=%s purpose=%d try=%d "
	                "in_flight=%zu",
	    (long long)j->row.id, vakt_mask_e164(j->row.to, masked),
	    j->row.purpose, j->row.attempts + 1, ob->n_jobs);
}

static void
job_start(struct vakt_outbox *ob, struct vakt_outbox_row *row)
{
	struct job *j;

	if (too_old(ob, row, vakt_clock_now_ms()))
		return;
	if (ob->app->cfg->outbox.is_print) {
		print_row(ob, row);
		return;
	}
	/*
	 * scan() never asks for more rows than free slots.  Should that
	 * ever break, the row stays pending rather than overrun jobs[]:
	 * an error line, not an abort, since calls share this process.
	 */
	if (ob->n_jobs >= JOBS_MAX) {
		vakt_log_errx("outbox: row %lld not started: %d sends in "
		              "flight already",
		    (long long)row->id, JOBS_MAX);
		return;
	}
	j = vakt_xcalloc(1, sizeof(*j));

	j->ob = ob;
	j->row = *row;
	row->body = NULL; /* the job owns it now */
	j->easy = curl_easy_init();
	j->is_check = was_lost_in_flight(ob, &j->row, &j->tried_ms);
	if (j->easy == NULL ||
	    (j->is_check ? check_setup(j, ob->app->cfg) : send_setup(ob, j)) ==
	        -1 ||
	    curl_multi_add_handle(ob->multi, j->easy) != CURLM_OK) {
		vakt_log_errx("outbox: cannot start a transfer for row %lld",
		    (long long)j->row.id);
		if (j->easy != NULL)
			curl_easy_cleanup(j->easy);
		job_free(j);
		return;
	}
	j->t0_ms = vakt_clock_mono_ms();
	ob->jobs[ob->n_jobs++] = j;
	try_debug(ob, j);
}

/* Arm the scan timer for the next row that is not due yet. */
static void
schedule(struct vakt_outbox *ob, int64_t now)
{
	struct vakt_err err;
	int64_t next = INT64_MAX, wait;
	struct timeval tv;

	if (vakt_store_outbox_next_ms(ob->app->store, now, &next, &err) == -1)
		vakt_log_warnx("outbox: %s", err.msg);
	wait = next == INT64_MAX ? SCAN_IDLE_MS : next - now;
	if (wait > SCAN_IDLE_MS)
		wait = SCAN_IDLE_MS;
	if (wait < 1)
		wait = 1;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	event_add(ob->scan_timer, &tv);
}

/* Start sends for due rows, as many as there are free slots. */
static void
scan(struct vakt_outbox *ob)
{
	const struct vakt_config *cfg = ob->app->cfg;
	size_t slots, n = 0;
	int64_t now = vakt_clock_now_ms(), busy[JOBS_MAX];
	struct vakt_outbox_row *rows = NULL;
	struct vakt_err err;

	/* A stalled commit holds the connection: even a read would wait
	 * for the disk. */
	if (vakt_app_is_stalled(ob->app)) {
		const struct timeval later = {1, 0};

		event_add(ob->scan_timer, &later);
		return;
	}
	/* A try is noted before its request: that note must commit first. */
	if (vakt_store_batch_is_open(ob->app->store)) {
		const struct timeval soon = {0, 20000};

		event_add(ob->scan_timer, &soon);
		return;
	}
	for (size_t i = 0; i < ob->n_jobs; i++)
		busy[i] = ob->jobs[i]->row.id;
	slots = (size_t)cfg->outbox.max_in_flight;
	if (slots > JOBS_MAX) /* config.c's bound, checked again */
		slots = JOBS_MAX;
	slots = slots > ob->n_jobs ? slots - ob->n_jobs : 0;
	if (slots > 0 &&
	    vakt_store_outbox_due(ob->app->store, now, busy, ob->n_jobs, slots,
	        &rows, &n, &err) == -1)
		vakt_log_warnx("outbox: %s", err.msg);
	/* A try's note may stall its commit: then wait, as above. */
	for (size_t i = 0; i < n && !vakt_app_is_stalled(ob->app); i++)
		job_start(ob, &rows[i]);
	vakt_store_outbox_rows_free(rows, n);
	if (vakt_app_is_stalled(ob->app)) {
		const struct timeval later = {1, 0};

		event_add(ob->scan_timer, &later);
		return;
	}
	schedule(ob, now);
}

static void
scan_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct vakt_outbox *ob = arg;
	const struct timeval later = {1, 0};

	(void)fd;
	(void)kind;
	/* A stalled commit holds the database: do not wait for the disk. */
	if (vakt_app_is_stalled(ob->app)) {
		event_add(ob->scan_timer, &later);
		return;
	}
	finish_waiting(ob);
	scan(ob);
}

/*
 * Truncate the WAL so no frame holding a sent body survives.  Not
 * inside the loop turn's transaction, and again later if a reader
 * keeps the WAL busy.
 */
static void
ckpt_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct vakt_outbox *ob = arg;
	const struct timeval later = {1, 0};
	struct vakt_err err;
	int rc;

	(void)fd;
	(void)kind;
	/* On the writer thread: a frozen disk must not hold the loop. */
	rc = vakt_app_checkpoint(ob->app, &err);
	if (rc == 1)
		event_add(ob->ckpt_timer, &later);
	else if (rc == -1)
		vakt_log_warnx("outbox: checkpoint: %s", err.msg);
}

int
vakt_outbox_library_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
vakt_outbox_library_cleanup(void)
{
	curl_global_cleanup();
}

struct vakt_outbox *
vakt_outbox_new(
    struct event_base *base, struct vakt_app *app, struct vakt_err *err)
{
	struct vakt_outbox *ob = vakt_xcalloc(1, sizeof(*ob));

	ob->base = base;
	ob->app = app;
	ob->start_ms = vakt_clock_now_ms();
	ob->multi = curl_multi_init();
	ob->curl_timer = evtimer_new(base, curl_timer_event_cb, ob);
	ob->scan_timer = evtimer_new(base, scan_cb, ob);
	ob->ckpt_timer = evtimer_new(base, ckpt_cb, ob);
	if (ob->multi == NULL || ob->curl_timer == NULL ||
	    ob->scan_timer == NULL || ob->ckpt_timer == NULL ||
	    curl_multi_setopt(ob->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) ||
	    curl_multi_setopt(ob->multi, CURLMOPT_SOCKETDATA, ob) ||
	    curl_multi_setopt(
	        ob->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb) ||
	    curl_multi_setopt(ob->multi, CURLMOPT_TIMERDATA, ob)) {
		vakt_err_set(err, "outbox: cannot set up libcurl");
		vakt_outbox_free(ob);
		return NULL;
	}
	vakt_outbox_kick(ob);
	return ob;
}

void
vakt_outbox_free(struct vakt_outbox *ob)
{
	if (ob == NULL)
		return;
	while (ob->n_jobs > 0)
		job_remove(ob, ob->jobs[0]);
	if (ob->multi != NULL)
		curl_multi_cleanup(ob->multi);
	if (ob->curl_timer != NULL)
		event_free(ob->curl_timer);
	if (ob->scan_timer != NULL)
		event_free(ob->scan_timer);
	if (ob->ckpt_timer != NULL)
		event_free(ob->ckpt_timer);
	free(ob);
}

void
vakt_outbox_kick(struct vakt_outbox *ob)
{
	const struct timeval now = {0, 0};

	event_add(ob->scan_timer, &now);
}

void
vakt_outbox_metrics(struct vakt_outbox *ob, struct vakt_buf *out)
{
	struct vakt_err err;
	size_t pending = 0, failed = 0;

	if (vakt_store_outbox_counts(ob->app->store, &pending, &failed, &err) ==
	    -1)
		vakt_log_warnx("outbox: %s", err.msg);
	vakt_buf_printf(out,
	    "# HELP vakt_outbox_sent_total SMS accepted by the provider.\n"
	    "# TYPE vakt_outbox_sent_total counter\n"
	    "vakt_outbox_sent_total %llu\n"
	    "# HELP vakt_outbox_retries_total Sends that failed and will be "
	    "tried again.\n"
	    "# TYPE vakt_outbox_retries_total counter\n"
	    "vakt_outbox_retries_total %llu\n"
	    "# HELP vakt_outbox_failures_total SMS given up for good (since "
	    "start).\n"
	    "# TYPE vakt_outbox_failures_total counter\n"
	    "vakt_outbox_failures_total %llu\n"
	    "# HELP vakt_outbox_pending SMS waiting to be sent.\n"
	    "# TYPE vakt_outbox_pending gauge\n"
	    "vakt_outbox_pending %zu\n"
	    "# HELP vakt_outbox_failed SMS in the database that failed for "
	    "good.\n"
	    "# TYPE vakt_outbox_failed gauge\n"
	    "vakt_outbox_failed %zu\n"
	    "# HELP vakt_outbox_in_flight Sends in progress.\n"
	    "# TYPE vakt_outbox_in_flight gauge\n"
	    "vakt_outbox_in_flight %zu\n",
	    (unsigned long long)ob->n_sent, (unsigned long long)ob->n_retried,
	    (unsigned long long)ob->n_failed, pending, failed, ob->n_jobs);
}
