/*
 * fake_twilio.c: the fake Messages API (see fake_twilio.h).  libevent's
 * evhttp on its own event base in a thread; a mutex guards what the
 * test thread reads.
 */
#define _GNU_SOURCE /* asprintf */
#include "fake_twilio.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "helpers.h"

#define SCRIPT_MAX 32
#define MSGS_MAX   256

struct vt_fake {
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int stop_fds[2]; /* the test thread writes, the fake's loop reads */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	char url[64];
	struct vt_fake_answer script[SCRIPT_MAX];
	size_t n_script, next_script;
	struct vt_fake_msg msgs[MSGS_MAX];
	size_t n_msgs;
	size_t n_lists; /* GET Messages.json: listed, not recorded */
	unsigned sid_seq;
	TAILQ_HEAD(, pending) delayed; /* freed by vt_fake_stop if unsent */
};

/* A delayed answer waits on a timer. */
struct pending {
	TAILQ_ENTRY(pending) link; /* in vt_fake.delayed while it waits */
	struct vt_fake *f;
	struct evhttp_request *req;
	int status;
	int code; /* Twilio's error code when status is not 201 */
	int retry_after_s;
	char retry_after[64]; /* raw Retry-After, or "" */
	char sid[40];
	char to[32];
	struct event *ev;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
auth_ok(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	const char *want_plain = VT_SID ":" VT_TOKEN;
	char want[256];
	int n;

	n = EVP_EncodeBlock((unsigned char *)want,
	    (const unsigned char *)want_plain, (int)strlen(want_plain));
	want[n] = '\0';
	return h != NULL && strncmp(h, "Basic ", 6) == 0 &&
	    strcmp(h + 6, want) == 0;
}

static void
copy_field(struct evkeyvalq *form, const char *name, char *out, size_t len)
{
	const char *v = evhttp_find_header(form, name);

	snprintf(out, len, "%s", v != NULL ? v : "");
}

/* Parse and record the request; returns its index. */
static size_t
record(struct vt_fake *f, struct evhttp_request *req, int status)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = calloc(1, len + 1);
	struct evkeyvalq form;
	struct vt_fake_msg *m;
	size_t i;

	evbuffer_copyout(in, body, len);
	TAILQ_INIT(&form);
	(void)evhttp_parse_query_str(body, &form);
	pthread_mutex_lock(&f->mu);
	i = f->n_msgs < MSGS_MAX ? f->n_msgs++ : MSGS_MAX - 1;
	m = &f->msgs[i];
	memset(m, 0, sizeof(*m));
	m->status = status;
	m->at_ms = now_ms();
	m->is_auth_ok = auth_ok(req);
	copy_field(&form, "To", m->to, sizeof(m->to));
	copy_field(&form, "From", m->from, sizeof(m->from));
	copy_field(&form, "ValidityPeriod", m->validity, sizeof(m->validity));
	snprintf(m->method, sizeof(m->method), "%s",
	    evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "?");
	snprintf(m->path, sizeof(m->path), "%s", evhttp_request_get_uri(req));
	copy_field(evhttp_request_get_input_headers(req), "Content-Type",
	    m->content_type, sizeof(m->content_type));
	m->body = strdup(evhttp_find_header(&form, "Body") != NULL ?
		evhttp_find_header(&form, "Body") : "");
	m->status_callback = strdup(
	    evhttp_find_header(&form, "StatusCallback") != NULL ?
		evhttp_find_header(&form, "StatusCallback") : "");
	if (status == 201)
		snprintf(m->sid, sizeof(m->sid), "SM%032x", ++f->sid_seq);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	evhttp_clear_headers(&form);
	free(body);
	return i;
}

/* UTF-16 code units of UTF-8 s: what Twilio's 1600 limit counts. */
static size_t
utf16_units(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) != 0x80)
			n += c >= 0xf0 ? 2 : 1;
	}
	return n;
}

/* The code Twilio gives a status when the script names none. */
static int
code_of(int status)
{
	switch (status) {
	case 400:
		return 21211;
	case 401:
		return 20003;
	case 404:
		return 20404;
	case 429:
		return 20429;
	default:
		return 20500;
	}
}

/*
 * Twilio's own wording (from its error pages), numbers included: these
 * are what a privacy test needs vaktd to mask.  to is a recorded form
 * field, so keep only characters that need no JSON escaping.
 */
static void
error_body(struct evbuffer *out, const struct pending *p)
{
	char to[32], msg[160];
	size_t n = 0;

	for (const char *s = p->to; *s != '\0' && n + 1 < sizeof(to); s++)
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			to[n++] = *s;
	to[n] = '\0';
	switch (p->code) {
	case 21211:
		snprintf(msg, sizeof(msg),
		    "The 'To' number %s is not a valid phone number.", to);
		break;
	case 21610:
		snprintf(msg, sizeof(msg),
		    "Attempt to send to unsubscribed recipient %s", to);
		break;
	case 21614:
		snprintf(msg, sizeof(msg),
		    "'To' number %s is not a valid mobile number", to);
		break;
	case 21617:
		snprintf(msg, sizeof(msg), "The concatenated message body "
		    "exceeds the 1600 character limit.");
		break;
	case 20003:
		snprintf(msg, sizeof(msg), "Authenticate");
		break;
	case 20429:
		snprintf(msg, sizeof(msg), "Too Many Requests");
		break;
	default:
		snprintf(msg, sizeof(msg), "fake error %d", p->status);
	}
	evbuffer_add_printf(out, "{\"code\": %d, \"message\": \"%s\", "
	    "\"more_info\": \"https://www.twilio.com/docs/errors/%d\", "
	    "\"status\": %d}", p->code, msg, p->code, p->status);
}

static void
answer(struct pending *p)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(p->req);

	evhttp_add_header(h, "Content-Type", "application/json");
	if (p->retry_after[0] != '\0') {
		evhttp_add_header(h, "Retry-After", p->retry_after);
	} else if (p->retry_after_s > 0) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", p->retry_after_s);
		evhttp_add_header(h, "Retry-After", ra);
	}
	if (p->status == 201)
		evbuffer_add_printf(out, "{\"sid\": \"%s\", \"status\": "
		    "\"queued\", \"num_segments\": \"1\", \"error_code\": null}",
		    p->sid);
	else
		error_body(out, p);
	evhttp_send_reply(p->req, p->status, "Fake", out);
	evbuffer_free(out);
	if (p->ev != NULL) {
		TAILQ_REMOVE(&p->f->delayed, p, link);
		event_free(p->ev);
	}
	free(p);
}

static void
delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	answer(arg);
}

/* A 201 that Twilio would refuse: a Body over its 1600 limit. */
static void
refuse_like_twilio(struct evhttp_request *req, struct vt_fake_answer *a)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *raw = calloc(1, len + 1);
	struct evkeyvalq form;
	const char *body;

	if (a->status != 201 || raw == NULL) {
		free(raw);
		return;
	}
	evbuffer_copyout(in, raw, len);
	TAILQ_INIT(&form);
	(void)evhttp_parse_query_str(raw, &form);
	body = evhttp_find_header(&form, "Body");
	if (body != NULL && utf16_units(body) > 1600) {
		a->status = 400;
		a->code = 21617;
	}
	evhttp_clear_headers(&form);
	free(raw);
}

/*
 * GET Messages.json?To=…&From=…: the messages accepted (201) so far
 * between those numbers, newest first, as Twilio lists them.  Other
 * filters (DateSent>, PageSize) are accepted and ignored.
 */
static void
list(struct vt_fake *f, struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *out = evbuffer_new();
	json_t *msgs = json_array(), *root;
	struct evkeyvalq query;
	const char *to, *from;
	char *text;

	TAILQ_INIT(&query);
	(void)evhttp_parse_query_str(q != NULL ? q : "", &query);
	to = evhttp_find_header(&query, "To");
	from = evhttp_find_header(&query, "From");
	pthread_mutex_lock(&f->mu);
	f->n_lists++;
	for (size_t i = f->n_msgs; i-- > 0;) {
		const struct vt_fake_msg *m = &f->msgs[i];

		if (m->status != 201 || (to != NULL && strcmp(m->to, to) != 0) ||
		    (from != NULL && strcmp(m->from, from) != 0))
			continue;
		json_array_append_new(msgs, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s}", "sid", m->sid, "to", m->to, "from", m->from, "body",
		    m->body, "status", "delivered"));
	}
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	root = json_pack("{s:o, s:i}", "messages", msgs, "page_size", 50);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add(out, text, strlen(text));
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
	free(text);
	evhttp_clear_headers(&query);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct vt_fake *f = arg;
	struct pending *p = calloc(1, sizeof(*p));
	struct vt_fake_answer a = {201, 0, 0, 0, NULL};
	const char *path =
	    evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	size_t i;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET && auth_ok(req) &&
	    path != NULL && strcmp(path, "/2010-04-01/Accounts/" VT_SID
	    "/Messages.json") == 0) {
		free(p);
		list(f, req);
		return;
	}
	pthread_mutex_lock(&f->mu);
	if (f->next_script < f->n_script)
		a = f->script[f->next_script++];
	pthread_mutex_unlock(&f->mu);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    strcmp(evhttp_request_get_uri(req), "/2010-04-01/Accounts/" VT_SID
	    "/Messages.json") != 0)
		a.status = 404, a.code = 0;
	else if (!auth_ok(req))
		a.status = 401, a.code = 0;
	else
		refuse_like_twilio(req, &a);
	p->f = f;
	p->req = req;
	p->status = a.status;
	p->code = a.code != 0 ? a.code : code_of(a.status);
	p->retry_after_s = a.retry_after_s;
	if (a.retry_after != NULL)
		snprintf(p->retry_after, sizeof(p->retry_after), "%s",
		    a.retry_after);
	i = record(f, req, a.status);
	pthread_mutex_lock(&f->mu);
	memcpy(p->sid, f->msgs[i].sid, sizeof(p->sid));
	memcpy(p->to, f->msgs[i].to, sizeof(p->to));
	pthread_mutex_unlock(&f->mu);
	if (a.delay_ms > 0) {
		struct timeval tv = {a.delay_ms / 1000, (a.delay_ms % 1000) * 1000};

		p->ev = evtimer_new(f->base, delayed_cb, p);
		TAILQ_INSERT_TAIL(&f->delayed, p, link);
		evtimer_add(p->ev, &tv);
		return;
	}
	answer(p);
}

static void *
thread_main(void *arg)
{
	struct vt_fake *f = arg;

	event_base_dispatch(f->base);
	return NULL;
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vt_fake *f = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(f->base);
}

struct vt_fake *
vt_fake_start(void)
{
	struct vt_fake *f = calloc(1, sizeof(*f));
	struct evhttp_bound_socket *sock;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	cr_assert_not_null(f);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cond, NULL);
	TAILQ_INIT(&f->delayed);
	f->base = event_base_new();
	f->http = evhttp_new(f->base);
	cr_assert(f->base != NULL && f->http != NULL);
	evhttp_set_gencb(f->http, request_cb, f);
	sock = evhttp_bind_socket_with_handle(f->http, "127.0.0.1", 0);
	cr_assert_not_null(sock, "fake: cannot listen");
	cr_assert_eq(getsockname(evhttp_bound_socket_get_fd(sock),
	    (struct sockaddr *)&sa, &len), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	/* libevent is not set up for threads: wake the loop by a socket. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, f->stop_fds), 0);
	f->stop_ev = event_new(f->base, f->stop_fds[0], EV_READ, stop_cb, f);
	cr_assert_eq(event_add(f->stop_ev, NULL), 0);
	cr_assert_eq(pthread_create(&f->thread, NULL, thread_main, f), 0);
	return f;
}

void
vt_fake_stop(struct vt_fake *f)
{
	if (f == NULL)
		return;
	cr_assert_eq(write(f->stop_fds[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	close(f->stop_fds[0]);
	close(f->stop_fds[1]);
	event_free(f->stop_ev);
	while (!TAILQ_EMPTY(&f->delayed)) {
		struct pending *p = TAILQ_FIRST(&f->delayed);

		TAILQ_REMOVE(&f->delayed, p, link);
		event_free(p->ev);
		/* A request whose client left is ours; evhttp_free frees
		 * the others with their connections. */
		if (evhttp_request_get_connection(p->req) == NULL)
			evhttp_request_free(p->req);
		free(p);
	}
	evhttp_free(f->http);
	event_base_free(f->base);
	for (size_t i = 0; i < f->n_msgs; i++)
		vt_fake_msg_free(&f->msgs[i]);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cond);
	free(f);
}

const char *
vt_fake_url(const struct vt_fake *f)
{
	return f->url;
}

void
vt_fake_script(struct vt_fake *f, const struct vt_fake_answer *a, size_t n)
{
	pthread_mutex_lock(&f->mu);
	f->n_script = n < SCRIPT_MAX ? n : SCRIPT_MAX;
	memcpy(f->script, a, f->n_script * sizeof(*a));
	f->next_script = 0;
	pthread_mutex_unlock(&f->mu);
}

size_t
vt_fake_lists(struct vt_fake *f)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->n_lists;
	pthread_mutex_unlock(&f->mu);
	return n;
}

size_t
vt_fake_count(struct vt_fake *f)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->n_msgs;
	pthread_mutex_unlock(&f->mu);
	return n;
}

bool
vt_fake_wait(struct vt_fake *f, size_t n, int timeout_ms)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->mu);
	while (f->n_msgs < n &&
	    pthread_cond_timedwait(&f->cond, &f->mu, &until) == 0)
		;
	ok = f->n_msgs >= n;
	pthread_mutex_unlock(&f->mu);
	return ok;
}

struct vt_fake_msg
vt_fake_get(struct vt_fake *f, size_t i)
{
	struct vt_fake_msg m;

	pthread_mutex_lock(&f->mu);
	cr_assert_lt(i, f->n_msgs, "fake: no request %zu", i);
	m = f->msgs[i];
	m.body = strdup(m.body);
	m.status_callback = strdup(m.status_callback);
	pthread_mutex_unlock(&f->mu);
	return m;
}

void
vt_fake_msg_free(struct vt_fake_msg *m)
{
	free(m->body);
	free(m->status_callback);
	m->body = m->status_callback = NULL;
}
