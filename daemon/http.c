/*
 * http.c: the evhttp server.  Owns the listening socket, the limits
 * (body, headers, idle timeout, connections), the route table, the
 * request view handed to handlers, the once-per-turn reply queue (group
 * commit), the access log, /healthz and /metrics.
 */
#include "vakt/http.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "vakt/log.h"

#define ROUTES_MAX       32
#define CODES_PER_ROUTE  8
#define DRAIN_DEADLINE_S 5

/* Requests answered with one status code. */
struct route_code {
	int code;
	uint64_t n;
};

struct route {
	struct vakt_http *http;
	const char *path;
	unsigned methods;
	bool is_form;
	vakt_http_handler_fn *fn;
	void *arg;

	struct route_code codes[CODES_PER_ROUTE]; /* for /metrics */
};

/* A reply waiting for the end of the turn. */
struct pending {
	struct evhttp_request *req; /* NULL once its connection closed */
	struct evhttp_connection *evcon;
	struct route *route;
	enum vakt_method method;
	char *path;
	int64_t t0_ms;
	struct vakt_reply rep;
	struct vakt_http_later *later; /* set: answered later, not now */
};

/* A request a handler answers on a later turn. */
struct vakt_http_later {
	struct vakt_http *http;
	struct pending p;
	struct vakt_http_later *next;
};

struct vakt_http {
	struct event_base *base;
	struct evhttp *evh;
	struct evhttp_bound_socket *sock;
	struct vakt_http_limits lim;
	struct route routes[ROUTES_MAX];
	size_t n_routes;
	struct route other; /* 404s and limit refusals */
	vakt_http_health_fn *health;
	vakt_http_commit_fn *commit;
	vakt_http_metrics_fn *metrics;
	void *hook_arg;
	vakt_http_request_fn *req_before, *req_after;
	void *req_arg;
	struct pending *queue;
	size_t n_queue, cap_queue;
	struct vakt_http_later *laters; /* requests answered later */
	struct event *flush_ev;
	/* Open connections that have sent a request: a hash set. */
	struct evhttp_connection **conns;
	size_t n_conns, cap_conns;
	uint64_t n_in_flight;
	int64_t start_ms;
	/* SIGTERM: refuse new work, report once everything is answered. */
	bool is_draining;
	bool drain_reported;
	int64_t drain_deadline_ms;
	void (*drained)(void *);
	void *drained_arg;
	struct event *drain_ev;
};

const char *
vakt_kvs_get(const struct vakt_kvs *kvs, const char *key)
{
	for (size_t i = 0; i < kvs->n; i++)
		if (strcmp(kvs->v[i].key, key) == 0)
			return kvs->v[i].value;
	return NULL;
}

void
vakt_kvs_free(struct vakt_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	kvs->v = NULL;
	kvs->n = 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Decode len bytes of form encoding ('+' is a space, %XX a byte).
 * Hand-written because libevent's evhttp_parse_query_str() decodes
 * values but not names and lets bad escapes through, and the signature
 * must cover exactly what the provider sent.  A bad escape or an
 * encoded NUL makes the whole request malformed.
 */
static char *
form_decode(const char *s, size_t len)
{
	char *out = vakt_xmalloc(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[o++] = s[i] == '+' ? ' ' : s[i];
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		out[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void
kvs_push(struct vakt_kvs *kvs, size_t *cap, char *key, char *value)
{
	if (kvs->n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		kvs->v = vakt_xreallocarray(kvs->v, *cap, sizeof(*kvs->v));
	}
	kvs->v[kvs->n].key = key;
	kvs->v[kvs->n++].value = value;
}

int
vakt_kvs_parse(const char *s, struct vakt_kvs *kvs)
{
	size_t cap = 0;

	kvs->v = NULL;
	kvs->n = 0;
	while (*s != '\0') {
		size_t len = strcspn(s, "&");
		const char *eq = memchr(s, '=', len);
		char *key, *value;

		if (len == 0) { /* "a=1&&b=2" or a trailing '&' */
			s++;
			continue;
		}
		if (eq == NULL || eq == s)
			goto bad;
		key = form_decode(s, (size_t)(eq - s));
		value = form_decode(eq + 1, len - (size_t)(eq - s) - 1);
		if (key == NULL || value == NULL || key[0] == '\0') {
			free(key);
			free(value);
			goto bad;
		}
		kvs_push(kvs, &cap, key, value);
		s += len;
		if (*s == '&')
			s++;
	}
	return 0;
bad:
	vakt_kvs_free(kvs);
	return -1;
}

const char *
vakt_req_header(const struct vakt_req *req, const char *name)
{
	for (size_t i = 0; i < req->headers.n; i++)
		if (strcasecmp(req->headers.v[i].key, name) == 0)
			return req->headers.v[i].value;
	return NULL;
}

void
vakt_reply_take(struct vakt_reply *rep, int status, const char *content_type,
    char *body, size_t len)
{
	free(rep->body);
	rep->status = status;
	rep->content_type = content_type;
	rep->body = body;
	rep->len = len;
}

void
vakt_reply_text(struct vakt_reply *rep, int status, const char *fmt, ...)
{
	struct vakt_buf b = {0};
	va_list ap;
	size_t len;
	char *body;

	va_start(ap, fmt);
	vakt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	vakt_buf_puts(&b, "\n");
	body = vakt_buf_take(&b, &len);
	vakt_reply_take(rep, status, "text/plain; charset=utf-8", body, len);
}

void
vakt_reply_note(struct vakt_reply *rep, const char *fmt, ...)
{
	size_t used = strlen(rep->note);
	va_list ap;

	if (used + 1 >= sizeof(rep->note))
		return;
	rep->note[used] = ' ';
	va_start(ap, fmt);
	(void)vsnprintf(
	    rep->note + used + 1, sizeof(rep->note) - used - 1, fmt, ap);
	va_end(ap);
}

struct vakt_reply *
vakt_reply_failsafe(struct vakt_reply *rep)
{
	if (rep->failsafe == NULL)
		rep->failsafe = vakt_xcalloc(1, sizeof(*rep->failsafe));
	return rep->failsafe;
}

void
vakt_reply_use_failsafe(struct vakt_reply *rep)
{
	struct vakt_reply *alt = rep->failsafe;
	char note[sizeof(rep->note)];

	(void)vakt_strlcpy(note, rep->note, sizeof(note));
	free(rep->body);
	rep->body = NULL;
	rep->len = 0;
	rep->www_authenticate = NULL;
	rep->failsafe = NULL;
	rep->is_batched = false;
	if (alt != NULL && alt->status != 0) {
		vakt_reply_take(
		    rep, alt->status, alt->content_type, alt->body, alt->len);
		alt->body = NULL;
	} else {
		vakt_reply_text(rep, 503, "store unavailable");
	}
	(void)vakt_strlcpy(rep->note, note, sizeof(rep->note));
	vakt_reply_note(rep, "failsafe%s", alt != NULL ? alt->note : "");
	if (alt != NULL)
		free(alt->body);
	free(alt);
}

/*
 * The connection set.  libevent 2.1 has no connection limit of its own,
 * so every connection is entered here at its first request and leaves
 * through its close callback.  Open addressing, linear probing.
 */
static size_t
conn_slot(const struct vakt_http *http, const struct evhttp_connection *c)
{
	uintptr_t h = (uintptr_t)c;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15u;
	return (size_t)(h >> 7) & (http->cap_conns - 1);
}

static bool
conn_known(const struct vakt_http *http, const struct evhttp_connection *c)
{
	for (size_t i = conn_slot(http, c);;
	     i = (i + 1) & (http->cap_conns - 1)) {
		if (http->conns[i] == NULL)
			return false;
		if (http->conns[i] == c)
			return true;
	}
}

static void
conn_insert(struct vakt_http *http, struct evhttp_connection *c)
{
	size_t i = conn_slot(http, c);

	while (http->conns[i] != NULL)
		i = (i + 1) & (http->cap_conns - 1);
	http->conns[i] = c;
	http->n_conns++;
}

/* Remove c, shifting later entries back so probes stay unbroken. */
static void
conn_remove(struct vakt_http *http, const struct evhttp_connection *c)
{
	size_t mask = http->cap_conns - 1, i = conn_slot(http, c), j;

	while (http->conns[i] != c) {
		if (http->conns[i] == NULL)
			return;
		i = (i + 1) & mask;
	}
	http->conns[i] = NULL;
	http->n_conns--;
	for (j = (i + 1) & mask; http->conns[j] != NULL; j = (j + 1) & mask) {
		struct evhttp_connection *e = http->conns[j];
		size_t home = conn_slot(http, e);

		/* Move e into the hole if its home is not in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			http->conns[i] = e;
			http->conns[j] = NULL;
			i = j;
		}
	}
}

static void
conns_alloc(struct vakt_http *http, int max_connections)
{
	size_t cap = 16;

	while (cap < (size_t)max_connections * 2)
		cap *= 2;
	http->conns = vakt_xcalloc(cap, sizeof(*http->conns));
	http->cap_conns = cap;
}

/*
 * A connection went away: forget it, and make sure no queued reply
 * still points at its requests (libevent has freed them).
 */
static void
close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct vakt_http *http = arg;

	conn_remove(http, evcon);
	for (size_t i = 0; i < http->n_queue; i++)
		if (http->queue[i].evcon == evcon)
			http->queue[i].req = NULL;
	for (struct vakt_http_later *l = http->laters; l != NULL; l = l->next)
		if (l->p.evcon == evcon)
			l->p.req = NULL;
}

static void
count_status(struct route *r, int code)
{
	for (size_t i = 0; i < CODES_PER_ROUTE; i++) {
		if (r->codes[i].code == code || r->codes[i].code == 0) {
			r->codes[i].code = code;
			r->codes[i].n++;
			return;
		}
	}
	r->codes[CODES_PER_ROUTE - 1].n++; /* more codes than slots: lump */
}

static const char *
method_name(enum vakt_method m)
{
	switch (m) {
	case VAKT_GET:
		return "GET";
	case VAKT_POST:
		return "POST";
	case VAKT_HEAD:
		return "HEAD";
	default:
		return "OTHER";
	}
}

static void
complete_cb(struct evhttp_request *req, void *arg)
{
	struct vakt_http *http = arg;

	(void)req;
	if (http->n_in_flight > 0)
		http->n_in_flight--;
	if (http->is_draining && http->n_in_flight == 0)
		event_active(http->drain_ev, EV_TIMEOUT, 0);
}

/* Send one queued reply and log it.  Frees what the pending entry owns. */
static void
send_one(struct vakt_http *http, struct pending *p)
{
	struct evbuffer *out;
	struct evkeyvalq *h;

	count_status(p->route, p->rep.status);
	vakt_log_info("http: %s %s %d ms=%lld%s", method_name(p->method),
	    p->path, p->rep.status,
	    (long long)(vakt_clock_mono_ms() - p->t0_ms), p->rep.note);
	if (p->req != NULL) {
		h = evhttp_request_get_output_headers(p->req);
		out = evhttp_request_get_output_buffer(p->req);
		if (p->rep.content_type != NULL)
			evhttp_add_header(
			    h, "Content-Type", p->rep.content_type);
		if (p->rep.www_authenticate != NULL)
			evhttp_add_header(
			    h, "WWW-Authenticate", p->rep.www_authenticate);
		if (p->rep.status == 503 || http->is_draining)
			evhttp_add_header(h, "Connection", "close");
		evhttp_add_header(h, "Cache-Control", "no-store");
		if (p->rep.body != NULL && p->method != VAKT_HEAD)
			evbuffer_add(out, p->rep.body, p->rep.len);
		evhttp_send_reply(p->req, p->rep.status, NULL, NULL);
	} else if (http->n_in_flight > 0) {
		http->n_in_flight--; /* its connection closed first */
	}
	free(p->rep.body);
	free(p->path);
}

/*
 * The end of a loop turn: make the turn's writes durable (one commit
 * for all of them), then answer every request of the turn.
 */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vakt_http *http = arg;

	(void)fd;
	(void)what;
	/* Not durable: every reply that promised a write gets its
	 * fail-safe alternative instead (logged with what it got). */
	if (http->commit != NULL && http->commit(http->hook_arg) == -1) {
		for (size_t i = 0; i < http->n_queue; i++) {
			struct vakt_reply *rep = &http->queue[i].rep;

			if (!rep->is_batched)
				continue;
			vakt_reply_use_failsafe(rep);
			vakt_log_warnx("http: %s answered fail-safe (%d):"
			               " its writes are not durable%s",
			    http->queue[i].path, rep->status, rep->note);
		}
	}
	for (size_t i = 0; i < http->n_queue; i++) {
		struct vakt_reply *alt = http->queue[i].rep.failsafe;

		if (alt != NULL)
			free(alt->body);
		free(alt);
		http->queue[i].rep.failsafe = NULL;
		send_one(http, &http->queue[i]);
	}
	http->n_queue = 0;
	if (http->is_draining && http->n_in_flight == 0)
		event_active(http->drain_ev, EV_TIMEOUT, 0);
}

static void
enqueue(struct vakt_http *http, struct pending *p)
{
	if (http->n_queue == http->cap_queue) {
		http->cap_queue =
		    http->cap_queue == 0 ? 64 : http->cap_queue * 2;
		http->queue = vakt_xreallocarray(
		    http->queue, http->cap_queue, sizeof(*http->queue));
	}
	http->queue[http->n_queue++] = *p;
	if (http->n_queue == 1)
		event_active(http->flush_ev, EV_TIMEOUT, 0);
}

static enum vakt_method
method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return VAKT_GET;
	case EVHTTP_REQ_POST:
		return VAKT_POST;
	case EVHTTP_REQ_HEAD:
		return VAKT_HEAD;
	default:
		return VAKT_OTHER;
	}
}

static struct route *
route_find(struct vakt_http *http, const char *path)
{
	for (size_t i = 0; i < http->n_routes; i++)
		if (strcmp(http->routes[i].path, path) == 0)
			return &http->routes[i];
	return NULL;
}

/* "application/x-www-form-urlencoded", parameters after ';' allowed. */
static bool
is_form_type(const char *ct)
{
	static const char want[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(want) - 1;

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void
copy_headers(struct evhttp_request *req, struct vakt_kvs *kvs)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	size_t cap = 0;

	// cppcheck-suppress unknownMacro
	TAILQ_FOREACH(kv, h, next)
	kvs_push(kvs, &cap, vakt_xstrdup(kv->key), vakt_xstrdup(kv->value));
}

static void
copy_body(struct evhttp_request *req, struct vakt_req *view)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = vakt_xmalloc(len + 1);

	if (len > 0)
		evbuffer_copyout(in, body, len);
	body[len] = '\0';
	view->body = body;
	view->body_len = len;
}

static void
view_free(struct vakt_req *view)
{
	vakt_kvs_free(&view->query);
	vakt_kvs_free(&view->form);
	vakt_kvs_free(&view->headers);
	free((char *)(uintptr_t)view->body);
	free((char *)(uintptr_t)view->path);
}

/*
 * Check the request against the route: method, content type, body
 * encoding.  Returns 0 to call the handler, or -1 with rep set.
 */
static int
admit(const struct route *r, struct vakt_req *view, struct vakt_reply *rep)
{
	const char *q = strchr(view->uri, '?');

	if ((r->methods & view->method) == 0) {
		vakt_reply_text(rep, 405, "method not allowed");
		return -1;
	}
	if (q != NULL && vakt_kvs_parse(q + 1, &view->query) == -1) {
		vakt_reply_text(rep, 400, "malformed query string");
		return -1;
	}
	if (!r->is_form)
		return 0;
	if (!is_form_type(vakt_req_header(view, "Content-Type"))) {
		vakt_reply_text(
		    rep, 415, "expected application/x-www-form-urlencoded");
		return -1;
	}
	if (strlen(view->body) != view->body_len ||
	    vakt_kvs_parse(view->body, &view->form) == -1) {
		vakt_reply_text(rep, 400, "malformed form body");
		return -1;
	}
	return 0;
}

/*
 * Refuse connections beyond the limit; admit and track the others.
 * Either way the close callback is set, so a queued reply never
 * outlives its request.
 */
static bool
conn_admit(struct vakt_http *http, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	if (conn_known(http, evcon))
		return true;
	evhttp_connection_set_closecb(evcon, close_cb, http);
	if (http->n_conns >= (size_t)http->lim.max_connections)
		return false;
	conn_insert(http, evcon);
	return true;
}

static void
peer_of(struct evhttp_request *req, char *out, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *addr = NULL;
	uint16_t port = 0;

	evhttp_connection_get_peer(evcon, &addr, &port);
	(void)vakt_strlcpy(out, addr != NULL ? addr : "?", len);
}

/* The methods an Allow header can name. */
struct allowed {
	unsigned bit;
	const char *name;
};

static const struct allowed method_names[] = {
    {VAKT_GET, "GET"}, {VAKT_HEAD, "HEAD"}, {VAKT_POST, "POST"}};

/* The Allow header of a 405: exactly the route's methods (RFC 9110). */
static const char *
allow_of(unsigned methods, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]);
	     i++) {
		int n;

		if ((methods & method_names[i].bit) == 0)
			continue;
		n = snprintf(out + used, len - used, "%s%s",
		    used > 0 ? ", " : "", method_names[i].name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return out;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct vakt_http *http = arg;
	struct vakt_req view = {0};
	struct pending p = {0};
	char peer[64];
	struct route *r;

	p.t0_ms = vakt_clock_mono_ms();
	p.req = req;
	p.evcon = evhttp_request_get_connection(req);
	view.method = p.method = method_of(req);
	view.uri = evhttp_request_get_uri(req);
	view.path = vakt_xstrdup(view.uri);
	((char *)(uintptr_t)view.path)[strcspn(view.path, "?")] = '\0';
	p.path = vakt_xstrdup(view.path);
	http->n_in_flight++;
	evhttp_request_set_on_complete_cb(req, complete_cb, http);

	r = route_find(http, view.path);
	p.route = r != NULL ? r : &http->other;
	if (!conn_admit(http, req)) {
		vakt_reply_text(&p.rep, 503, "too many connections");
	} else if (http->is_draining) {
		vakt_reply_text(&p.rep, 503, "shutting down");
	} else if (r == NULL) {
		vakt_reply_text(&p.rep, 404, "not found");
	} else {
		copy_headers(req, &view.headers);
		copy_body(req, &view);
		peer_of(req, peer, sizeof(peer));
		view.peer = peer;
		view.internal = &p;
		if (admit(r, &view, &p.rep) == 0) {
			if (http->req_before != NULL)
				http->req_before(http->req_arg, &p.rep);
			r->fn(r->arg, &view, &p.rep);
			if (http->req_after != NULL)
				http->req_after(http->req_arg, &p.rep);
		}
	}
	if (p.rep.status == 405) {
		char allow[32];

		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow_of(r->methods, allow, sizeof(allow)));
	}
	view_free(&view);
	if (p.later != NULL) {
		char note[sizeof(p.rep.note)];

		(void)vakt_strlcpy(note, p.rep.note, sizeof(note));
		free(p.rep.body);
		p.rep = (struct vakt_reply){0};
		(void)vakt_strlcpy(p.rep.note, note, sizeof(p.rep.note));
		p.later->p = p;
		p.later->p.later = NULL;
		return;
	}
	enqueue(http, &p);
}

struct vakt_http_later *
vakt_http_later(const struct vakt_req *req)
{
	struct pending *p = req->internal;
	struct vakt_http_later *l = vakt_xcalloc(1, sizeof(*l));

	assert(p != NULL && p->later == NULL);
	l->http = p->route->http;
	l->next = l->http->laters;
	l->http->laters = l;
	p->later = l;
	return l;
}

void
vakt_http_finish(struct vakt_http_later *l, struct vakt_reply *rep)
{
	struct vakt_http *http = l->http;
	struct vakt_http_later **pp;
	char note[sizeof(rep->note)];

	for (pp = &http->laters; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	/* Keep what the handler noted for the access log (the token). */
	(void)vakt_strlcpy(note, l->p.rep.note, sizeof(note));
	l->p.rep = *rep;
	memset(rep, 0, sizeof(*rep));
	if (note[0] != '\0') {
		char merged[sizeof(note) * 2];

		(void)snprintf(
		    merged, sizeof(merged), "%s%s", note, l->p.rep.note);
		(void)vakt_strlcpy(
		    l->p.rep.note, merged, sizeof(l->p.rep.note));
	}
	enqueue(http, &l->p);
	free(l);
}

static void
healthz_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_http *http = arg;
	struct vakt_err err;

	(void)req;
	if (http->health != NULL && http->health(http->hook_arg, &err) == -1) {
		vakt_log_warnx("http: health check failed: %s", err.msg);
		vakt_reply_text(rep, 503, "unavailable: %s", err.msg);
		return;
	}
	vakt_reply_text(rep, 200, "ok");
}

static void
metrics_cb(void *arg, const struct vakt_req *req, struct vakt_reply *rep)
{
	struct vakt_http *http = arg;
	struct vakt_buf b = {0};
	size_t len;
	char *body;

	(void)req;
	vakt_buf_puts(&b,
	    "# HELP vakt_uptime_seconds Seconds since start.\n"
	    "# TYPE vakt_uptime_seconds gauge\n");
	vakt_buf_printf(&b, "vakt_uptime_seconds %lld\n",
	    (long long)((vakt_clock_now_ms() - http->start_ms) / 1000));
	vakt_buf_puts(&b,
	    "# HELP vakt_http_requests_total Requests answered, "
	    "by path and status.\n# TYPE vakt_http_requests_total counter\n");
	for (size_t i = 0; i <= http->n_routes; i++) {
		const struct route *r =
		    i < http->n_routes ? &http->routes[i] : &http->other;

		for (size_t k = 0; k < CODES_PER_ROUTE && r->codes[k].code; k++)
			vakt_buf_printf(&b,
			    "vakt_http_requests_total{path=\"%s\""
			    ",code=\"%d\"} %llu\n",
			    r->path, r->codes[k].code,
			    (unsigned long long)r->codes[k].n);
	}
	vakt_buf_printf(&b,
	    "# HELP vakt_http_connections Open connections.\n"
	    "# TYPE vakt_http_connections gauge\nvakt_http_connections %zu\n",
	    http->n_conns);
	if (http->metrics != NULL)
		http->metrics(http->hook_arg, &b);
	body = vakt_buf_take(&b, &len);
	vakt_reply_take(
	    rep, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

struct vakt_http *
vakt_http_new(struct event_base *base, const struct vakt_http_limits *lim,
    struct vakt_err *err)
{
	struct vakt_http *http = vakt_xcalloc(1, sizeof(*http));

	http->base = base;
	http->start_ms = vakt_clock_now_ms();
	http->other.http = http;
	http->other.path = "other";
	http->evh = evhttp_new(base);
	http->flush_ev = event_new(base, -1, 0, flush_cb, http);
	if (http->evh == NULL || http->flush_ev == NULL) {
		vakt_err_set(err, "http: cannot create the server");
		vakt_http_free(http);
		return NULL;
	}
	evhttp_set_allowed_methods(http->evh,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	        EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http->evh, request_cb, http);
	evhttp_set_default_content_type(http->evh, "text/plain; charset=utf-8");
	conns_alloc(http, lim->max_connections);
	vakt_http_set_limits(http, lim);
	vakt_http_route(
	    http, "/healthz", VAKT_GET | VAKT_HEAD, false, healthz_cb, http);
	vakt_http_route(http, "/metrics", VAKT_GET, false, metrics_cb, http);
	return http;
}

void
vakt_http_set_limits(struct vakt_http *http, const struct vakt_http_limits *lim)
{
	if (http->cap_conns < (size_t)lim->max_connections * 2) {
		struct evhttp_connection **old = http->conns;
		size_t old_cap = http->cap_conns;

		conns_alloc(http, lim->max_connections);
		http->n_conns = 0;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i] != NULL)
				conn_insert(http, old[i]);
		free(old);
	}
	http->lim = *lim;
	evhttp_set_max_body_size(http->evh, (ev_ssize_t)lim->max_body);
	evhttp_set_max_headers_size(http->evh, (ev_ssize_t)lim->max_headers);
	evhttp_set_timeout(http->evh, lim->timeout_s);
}

void
vakt_http_free(struct vakt_http *http)
{
	if (http == NULL)
		return;
	for (size_t i = 0; i < http->n_queue; i++) {
		free(http->queue[i].rep.body);
		free(http->queue[i].path);
	}
	free(http->queue);
	while (http->laters != NULL) {
		struct vakt_http_later *l = http->laters;

		http->laters = l->next;
		free(l->p.path);
		free(l);
	}
	/* evhttp_free() runs close callbacks that look at the set. */
	if (http->evh != NULL)
		evhttp_free(http->evh);
	if (http->flush_ev != NULL)
		event_free(http->flush_ev);
	if (http->drain_ev != NULL)
		event_free(http->drain_ev);
	free(http->conns);
	free(http);
}

void
vakt_http_route(struct vakt_http *http, const char *path, unsigned methods,
    bool is_form, vakt_http_handler_fn *fn, void *arg)
{
	struct route *r;

	if (http->n_routes == ROUTES_MAX)
		vakt_fatalx("http: more than %d routes", ROUTES_MAX);
	r = &http->routes[http->n_routes++];
	memset(r, 0, sizeof(*r));
	r->http = http;
	r->path = path;
	r->methods = methods;
	r->is_form = is_form;
	r->fn = fn;
	r->arg = arg;
}

void
vakt_http_set_hooks(struct vakt_http *http, vakt_http_health_fn *health,
    vakt_http_commit_fn *commit, vakt_http_metrics_fn *metrics, void *arg)
{
	http->health = health;
	http->commit = commit;
	http->metrics = metrics;
	http->hook_arg = arg;
}

void
vakt_http_set_request_hooks(struct vakt_http *http,
    vakt_http_request_fn *before, vakt_http_request_fn *after, void *arg)
{
	http->req_before = before;
	http->req_after = after;
	http->req_arg = arg;
}

int
vakt_http_listen(struct vakt_http *http, const char *addr, int port, int *bound,
    struct vakt_err *err)
{
	struct evconnlistener *l;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	http->sock =
	    evhttp_bind_socket_with_handle(http->evh, addr, (uint16_t)port);
	if (http->sock == NULL) {
		vakt_err_set(
		    err, "http: cannot listen on %s port %d", addr, port);
		return -1;
	}
	l = evhttp_bound_socket_get_listener(http->sock);
	if (getsockname(
	        evconnlistener_get_fd(l), (struct sockaddr *)&ss, &len) == -1) {
		vakt_err_set(err, "http: getsockname failed");
		return -1;
	}
	if (ss.ss_family == AF_INET6)
		*bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vakt_http *http = arg;

	(void)fd;
	(void)what;
	if (http->drain_reported)
		return;
	if (http->n_in_flight > 0 &&
	    vakt_clock_mono_ms() < http->drain_deadline_ms)
		return;
	http->drain_reported = true;
	http->drained(http->drained_arg);
}

void
vakt_http_drain(struct vakt_http *http, void (*done)(void *arg), void *arg)
{
	const struct timeval deadline = {DRAIN_DEADLINE_S, 0};

	/* A second SIGTERM or SIGINT while draining changes nothing. */
	if (http->is_draining)
		return;
	if (http->sock != NULL) {
		evhttp_del_accept_socket(http->evh, http->sock);
		http->sock = NULL;
	}
	http->is_draining = true;
	http->drained = done;
	http->drained_arg = arg;
	http->drain_deadline_ms =
	    vakt_clock_mono_ms() + DRAIN_DEADLINE_S * 1000;
	http->drain_ev = event_new(http->base, -1, 0, drain_cb, http);
	if (http->drain_ev == NULL) {
		http->drain_reported = true;
		done(arg);
		return;
	}
	event_add(http->drain_ev, &deadline);
	if (http->n_in_flight == 0)
		event_active(http->drain_ev, EV_TIMEOUT, 0);
}
