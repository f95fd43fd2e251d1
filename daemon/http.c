/*
 * http.c: the evhttp server.  Owns the listening socket, the limits
 * (body, headers, idle timeout, connections), the route table, the
 * request view handed to handlers, the once-per-turn reply queue (group
 * commit), the access log, /healthz and /metrics.
 *
 * Connections are counted from accept on (libevent 2.1 has no hook for
 * that, so the bufferevent callback notes each new one and an event
 * later in the same loop turn admits it), bounded per peer address and
 * in total, and given a deadline for each request's headers and body.
 * At the total limit a newcomer takes the place of the oldest waiting
 * connection of the busiest peer, so one client cannot keep a webhook
 * out.
 */
#include "vakt/http.h"

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "vakt/log.h"

#define ROUTES_MAX       32
#define CODES_PER_ROUTE  8
#define DRAIN_DEADLINE_S 5
/* File descriptors kept free for the database, curl and the like. */
#define FD_RESERVE 32

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

/* The connections from one address (IPv6: one /64). */
struct peer {
	unsigned char key[16];
	size_t n_conns;
	struct peer *next;
};

/* An admitted connection.  Freed by close_cb(). */
struct conn {
	struct vakt_http *http;
	struct evhttp_connection *evcon;
	struct peer *peer;
	struct event *deadline;  /* the request must be read by then */
	bool is_reading;         /* no request with us: may be evicted */
	bool is_writing;         /* a reply sent, not yet written out */
	TAILQ_ENTRY(conn) entry; /* in http->reading, oldest first */
};

TAILQ_HEAD(conn_list, conn);

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
	bool must_close;               /* framing in doubt: close after */
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
	/* Admitted connections: a hash set keyed by evcon. */
	struct conn **conns;
	size_t n_conns, cap_conns;
	struct conn_list reading; /* connections waiting for a request */
	struct peer *peers;
	/* Accepted this turn, not yet admitted (see accept_cb()). */
	struct bufferevent **fresh;
	size_t n_fresh, cap_fresh;
	struct event *accept_ev;
	struct event *pause_ev; /* accept() failed: resume after 1 s */
	bool is_paused_fds;     /* listener off: at the descriptor limit */
	bool is_paused_error;   /* listener off: accept() failed */
	size_t n_fds_base;      /* descriptors open before listening */
	uint64_t n_refused, n_evicted, n_timed_out;
	struct vakt_http *next_server; /* in the servers list */
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

/*
 * Every server, for accept_error_cb(): libevent hands the listener's
 * error callback the struct evhttp, not an argument of ours.  The one
 * mutable file-level variable, for want of another way in 2.1.
 */
static struct vakt_http *servers;

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
	body = vakt_buf_take(&b, &len);
	/* Text from the request must not come back as invalid UTF-8. */
	if (!vakt_utf8_valid(body, len)) {
		char *vis = vakt_str_vis(body);

		free(body);
		body = vis;
	}
	b = (struct vakt_buf){0};
	vakt_buf_puts(&b, body);
	vakt_buf_puts(&b, "\n");
	free(body);
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
	rep->set_cookie[0] = '\0'; /* a session not kept is no session */
	rep->location[0] = '\0';
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
 * so every connection is entered here when it is accepted and leaves
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

static struct conn *
conn_find(const struct vakt_http *http, const struct evhttp_connection *c)
{
	for (size_t i = conn_slot(http, c);;
	     i = (i + 1) & (http->cap_conns - 1)) {
		if (http->conns[i] == NULL)
			return NULL;
		if (http->conns[i]->evcon == c)
			return http->conns[i];
	}
}

static void
conn_insert(struct vakt_http *http, struct conn *c)
{
	size_t i = conn_slot(http, c->evcon);

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

	while (http->conns[i] == NULL || http->conns[i]->evcon != c) {
		if (http->conns[i] == NULL)
			return;
		i = (i + 1) & mask;
	}
	http->conns[i] = NULL;
	http->n_conns--;
	for (j = (i + 1) & mask; http->conns[j] != NULL; j = (j + 1) & mask) {
		struct conn *e = http->conns[j];
		size_t home = conn_slot(http, e->evcon);

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
 * The peer key of a client address: IPv4 as a v4-mapped IPv6 address,
 * IPv6 by its /64 (one customer's network).
 */
static void
peer_key(const struct sockaddr *sa, unsigned char key[16])
{
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(key, 0, 16);
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(key, mapped, sizeof(mapped));
		memcpy(key + 12,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const unsigned char *a =
		    ((const struct sockaddr_in6 *)(const void *)sa)
		        ->sin6_addr.s6_addr;

		memcpy(key, a, memcmp(a, mapped, sizeof(mapped)) == 0 ? 16 : 8);
	}
}

static struct peer *
peer_get(struct vakt_http *http, const unsigned char key[16])
{
	struct peer *p;

	for (p = http->peers; p != NULL; p = p->next)
		if (memcmp(p->key, key, 16) == 0)
			return p;
	p = vakt_xcalloc(1, sizeof(*p));
	memcpy(p->key, key, 16);
	p->next = http->peers;
	http->peers = p;
	return p;
}

static void
peer_put(struct vakt_http *http, struct peer *peer)
{
	struct peer **pp;

	if (peer->n_conns > 0)
		return;
	for (pp = &http->peers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == peer) {
			*pp = peer->next;
			free(peer);
			return;
		}
	}
}

/* The connection waits for a request: start its deadline. */
static void
conn_reading(struct conn *c)
{
	const struct timeval tv = {c->http->lim.request_timeout_s, 0};

	if (!c->is_reading)
		TAILQ_INSERT_TAIL(&c->http->reading, c, entry);
	c->is_reading = true;
	event_add(c->deadline, &tv);
}

/* A request is with us until its reply is written. */
static void
conn_busy(struct conn *c)
{
	if (c->is_reading)
		TAILQ_REMOVE(&c->http->reading, c, entry);
	c->is_reading = false;
	event_del(c->deadline);
}

static void
peer_name(struct evhttp_connection *evcon, char *out, size_t len)
{
	char *addr = NULL;
	uint16_t port = 0;

	evhttp_connection_get_peer(evcon, &addr, &port);
	(void)vakt_strlcpy(out, addr != NULL ? addr : "?", len);
}

/*
 * A connection went away: forget it, and make sure no queued reply
 * still points at its requests (libevent has freed them).
 */
static void
close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;
	struct vakt_http *http = c->http;

	conn_busy(c);
	/* A reply that will never be written: libevent frees its request
	 * without complete_cb(), so it is no longer in flight. */
	if (c->is_writing && http->n_in_flight > 0 &&
	    --http->n_in_flight == 0 && http->is_draining)
		event_active(http->drain_ev, EV_TIMEOUT, 0);
	conn_remove(http, evcon);
	c->peer->n_conns--;
	peer_put(http, c->peer);
	event_free(c->deadline);
	free(c);
	for (size_t i = 0; i < http->n_queue; i++)
		if (http->queue[i].evcon == evcon)
			http->queue[i].req = NULL;
	for (struct vakt_http_later *l = http->laters; l != NULL; l = l->next)
		if (l->p.evcon == evcon)
			l->p.req = NULL;
}

/* The request was not read in time: close the connection. */
static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char peer[64];

	(void)fd;
	(void)what;
	c->http->n_timed_out++;
	peer_name(c->evcon, peer, sizeof(peer));
	vakt_log_repeat(6,
	    "http: closed a connection from %s: no complete request "
	    "within %d s",
	    peer, c->http->lim.request_timeout_s);
	evhttp_connection_free(c->evcon); /* runs close_cb(), frees c */
}

/*
 * How many connections the descriptors allow: the limit of the process
 * less what was open before listening and a reserve for the rest of
 * vaktd, so that accept() itself never runs out (read each time:
 * the limit can change under a running process).
 */
static size_t
conn_cap(const struct vakt_http *http)
{
	size_t cap = (size_t)http->lim.max_connections;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		size_t fds = (size_t)rl.rlim_cur,
		       used = http->n_fds_base + FD_RESERVE;

		if (fds <= used)
			return 1;
		if (fds - used < cap)
			cap = fds - used;
	}
	return cap;
}

/* Descriptors open now; a guess if /proc is not there. */
static size_t
fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 16;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* less the directory's own */
}

/*
 * The connection to give up for a newcomer at the limit: the oldest
 * one waiting for a request, of the peer with the most connections.
 */
static struct conn *
evict_candidate(struct vakt_http *http)
{
	struct conn *c, *best = NULL;

	TAILQ_FOREACH(c, &http->reading, entry)
	if (best == NULL || c->peer->n_conns > best->peer->n_conns)
		best = c;
	return best;
}

static void
conn_refuse(
    struct vakt_http *http, struct evhttp_connection *evcon, const char *why)
{
	char peer[64];

	http->n_refused++;
	peer_name(evcon, peer, sizeof(peer));
	vakt_log_repeat(4, "http: refused a connection from %s: %s", peer, why);
	evhttp_connection_free(evcon);
}

/* Enter evcon into the set, counted against peer, waiting for a request. */
static struct conn *
conn_new(
    struct vakt_http *http, struct evhttp_connection *evcon, struct peer *peer)
{
	struct conn *c = vakt_xcalloc(1, sizeof(*c));

	c->http = http;
	c->evcon = evcon;
	c->peer = peer;
	c->deadline = evtimer_new(http->base, deadline_cb, c);
	if (c->deadline == NULL)
		vakt_fatalx("http: cannot create a timer");
	peer->n_conns++;
	conn_insert(http, c);
	evhttp_connection_set_closecb(evcon, close_cb, c);
	conn_reading(c);
	return c;
}

static struct peer *
peer_of_conn(struct vakt_http *http, struct evhttp_connection *evcon)
{
	unsigned char key[16];

	peer_key(evhttp_connection_get_addr(evcon), key);
	return peer_get(http, key);
}

/* Admit or refuse one freshly accepted connection. */
static void
conn_accept(struct vakt_http *http, struct evhttp_connection *evcon)
{
	struct peer *peer = peer_of_conn(http, evcon);
	struct conn *victim;

	if (peer->n_conns >= (size_t)http->lim.max_per_peer) {
		conn_refuse(
		    http, evcon, "too many connections from that address");
		return;
	}
	if (http->n_conns >= conn_cap(http)) {
		peer->n_conns++; /* hold the peer while another one goes */
		victim = evict_candidate(http);
		if (victim != NULL) {
			http->n_evicted++;
			vakt_log_repeat(4,
			    "http: connection limit reached; closed the oldest "
			    "waiting connection of the busiest peer");
			evhttp_connection_free(victim->evcon);
		}
		peer->n_conns--;
		if (victim == NULL) {
			peer_put(http, peer);
			conn_refuse(http, evcon, "too many connections");
			return;
		}
	}
	(void)conn_new(http, evcon, peer);
}

static void
listener_enable(struct vakt_http *http)
{
	if (http->sock != NULL && !http->is_paused_fds &&
	    !http->is_paused_error)
		evconnlistener_enable(
		    evhttp_bound_socket_get_listener(http->sock));
}

/*
 * Later in the turn of an accept: by now libevent has made a connection
 * of every bufferevent that bev_cb() handed out (the bufferevent's
 * callback argument is that connection).  Our reference keeps each one
 * readable even if libevent gave up on it; its callbacks are then
 * cleared.
 */
static void
accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vakt_http *http = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < http->n_fresh; i++) {
		void *evcon = NULL;

		bufferevent_getcb(http->fresh[i], NULL, NULL, NULL, &evcon);
		if (evcon != NULL)
			conn_accept(http, evcon);
		bufferevent_decref(http->fresh[i]);
	}
	http->n_fresh = 0;
	/* Each turn at the limit accepts one newcomer, not a backlog. */
	if (http->is_paused_fds) {
		http->is_paused_fds = false;
		listener_enable(http);
	}
}

/*
 * libevent asks for the bufferevent of each accepted connection: note
 * it for accept_cb(), and stop accepting for this turn once the
 * connections would pass what the descriptors allow.
 */
static struct bufferevent *
bev_cb(struct event_base *base, void *arg)
{
	struct vakt_http *http = arg;
	struct bufferevent *bev =
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		return NULL; /* libevent tries itself, unaccounted */
	if (http->n_fresh == http->cap_fresh) {
		http->cap_fresh =
		    http->cap_fresh == 0 ? 16 : http->cap_fresh * 2;
		http->fresh = vakt_xreallocarray(
		    http->fresh, http->cap_fresh, sizeof(*http->fresh));
	}
	bufferevent_incref(bev); /* until accept_cb() */
	http->fresh[http->n_fresh++] = bev;
	event_active(http->accept_ev, EV_TIMEOUT, 0);
	if (http->sock != NULL &&
	    http->n_conns + http->n_fresh >= conn_cap(http)) {
		http->is_paused_fds = true;
		evconnlistener_disable(
		    evhttp_bound_socket_get_listener(http->sock));
	}
	return bev;
}

/*
 * accept() failed.  Out of descriptors or memory it would fail again at
 * once, and libevent would spin: pause for a second, as OpenBSD's
 * daemons do.
 */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct vakt_http *http = servers;
	const struct timeval second = {1, 0};
	int e = EVUTIL_SOCKET_ERROR();

	while (http != NULL && (void *)http->evh != arg)
		http = http->next_server;
	if (http == NULL)
		return;

	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		vakt_log_repeat(
		    4, "http: accept: %s; pausing for 1 s", strerror(e));
		http->is_paused_error = true;
		evconnlistener_disable(l);
		event_add(http->pause_ev, &second);
		return;
	}
	vakt_log_repeat(4, "http: accept: %s", strerror(e));
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vakt_http *http = arg;

	(void)fd;
	(void)what;
	http->is_paused_error = false;
	listener_enable(http);
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
	case VAKT_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

static void
complete_cb(struct evhttp_request *req, void *arg)
{
	struct vakt_http *http = arg;
	struct conn *c = conn_find(http, evhttp_request_get_connection(req));

	/* Written; a kept-alive connection now waits for the next one. */
	if (c != NULL) {
		c->is_writing = false;
		conn_reading(c);
	}
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
	struct conn *c;
	/* Handlers note provider fields (statuses, digits): escape them. */
	char *note = vakt_str_vis(p->rep.note);

	count_status(p->route, p->rep.status);
	vakt_log_info("http: %s %s %d ms=%lld%s", method_name(p->method),
	    p->path, p->rep.status,
	    (long long)(vakt_clock_mono_ms() - p->t0_ms), note);
	free(note);
	if (p->req != NULL) {
		h = evhttp_request_get_output_headers(p->req);
		out = evhttp_request_get_output_buffer(p->req);
		if (p->rep.content_type != NULL)
			evhttp_add_header(
			    h, "Content-Type", p->rep.content_type);
		if (p->rep.www_authenticate != NULL)
			evhttp_add_header(
			    h, "WWW-Authenticate", p->rep.www_authenticate);
		if (p->rep.set_cookie[0] != '\0')
			evhttp_add_header(h, "Set-Cookie", p->rep.set_cookie);
		if (p->rep.location[0] != '\0')
			evhttp_add_header(h, "Location", p->rep.location);
		for (size_t i = 0; p->rep.headers != NULL &&
		     p->rep.headers[i] != NULL && p->rep.headers[i + 1] != NULL;
		     i += 2)
			evhttp_add_header(
			    h, p->rep.headers[i], p->rep.headers[i + 1]);
		if (p->rep.status == 503 || http->is_draining || p->must_close)
			evhttp_add_header(h, "Connection", "close");
		evhttp_add_header(h, "Cache-Control", "no-store");
		if (p->rep.body != NULL && p->method != VAKT_HEAD)
			evbuffer_add(out, p->rep.body, p->rep.len);
		if ((c = conn_find(http, p->evcon)) != NULL)
			c->is_writing = true; /* until complete_cb() */
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
			char *note;

			if (!rep->is_batched)
				continue;
			vakt_reply_use_failsafe(rep);
			note = vakt_str_vis(rep->note); /* provider fields */
			vakt_log_warnx("http: %s answered fail-safe (%d):"
			               " its writes are not durable%s",
			    http->queue[i].path, rep->status, note);
			free(note);
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
	case EVHTTP_REQ_DELETE:
		return VAKT_DELETE;
	default:
		return VAKT_OTHER;
	}
}

/* The exact route for path, else the longest prefix route above it. */
static struct route *
route_find(struct vakt_http *http, const char *path)
{
	struct route *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < http->n_routes; i++) {
		const char *rp = http->routes[i].path;
		size_t n = strlen(rp);

		if (strcmp(rp, path) == 0)
			return &http->routes[i];
		if (n > best_len && rp[n - 1] == '/' &&
		    strncmp(rp, path, n) == 0) {
			best = &http->routes[i];
			best_len = n;
		}
	}
	return best;
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

static void
peer_of(struct evhttp_request *req, char *out, size_t len)
{
	peer_name(evhttp_request_get_connection(req), out, len);
}

/* 1*DIGIT without overflow (RFC 9110 8.6); -1 if it is not. */
static long long
content_length_value(const char *v)
{
	long long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/*
 * The message framing is unambiguous (RFC 9112 6.3): every
 * Content-Length a valid number, all of them equal, and none next to a
 * Transfer-Encoding.  libevent reads the body by the first one alone.
 */
static bool
framing_ok(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	long long first = -1;

	// cppcheck-suppress unknownMacro
	TAILQ_FOREACH(kv, h, next)
	{
		long long n;

		if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		n = content_length_value(kv->value);
		if (n < 0 || (first >= 0 && n != first))
			return false;
		first = n;
	}
	return first < 0 || evhttp_find_header(h, "Transfer-Encoding") == NULL;
}

/* The methods an Allow header can name. */
struct allowed {
	unsigned bit;
	const char *name;
};

static const struct allowed method_names[] = {{VAKT_GET, "GET"},
    {VAKT_HEAD, "HEAD"}, {VAKT_POST, "POST"}, {VAKT_DELETE, "DELETE"}};

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

/*
 * A routed request: build the full view (headers, body, peer), check
 * it against the route, and call the handler between the request
 * hooks (the store's per-request savepoint).
 */
static void
dispatch(struct vakt_http *http, struct route *r, struct evhttp_request *req,
    struct vakt_req *view, struct pending *p)
{
	char peer[64];

	copy_headers(req, &view->headers);
	copy_body(req, view);
	peer_of(req, peer, sizeof(peer));
	view->peer = peer;
	view->internal = p;
	if (admit(r, view, &p->rep) == 0) {
		if (http->req_before != NULL)
			http->req_before(http->req_arg, &p->rep);
		r->fn(r->arg, view, &p->rep);
		if (http->req_after != NULL)
			http->req_after(http->req_arg, &p->rep);
	}
	view->peer = NULL; /* peer[] ends here */
}

/*
 * The handler will answer on a later turn: its reply is dropped, only
 * the access-log note is kept, and the pending entry moves into the
 * later object vakt_http_later() made.
 */
static void
park_later(struct pending *p)
{
	char note[sizeof(p->rep.note)];

	(void)vakt_strlcpy(note, p->rep.note, sizeof(note));
	free(p->rep.body);
	p->rep = (struct vakt_reply){0};
	(void)vakt_strlcpy(p->rep.note, note, sizeof(p->rep.note));
	p->later->p = *p;
	p->later->p.later = NULL;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct vakt_http *http = arg;
	struct vakt_req view = {0};
	struct pending p = {0};
	struct route *r;
	struct conn *c;

	p.t0_ms = vakt_clock_mono_ms();
	p.req = req;
	p.evcon = evhttp_request_get_connection(req);
	view.method = p.method = method_of(req);
	view.uri = evhttp_request_get_uri(req);
	view.path = vakt_xstrdup(view.uri);
	((char *)(uintptr_t)view.path)[strcspn(view.path, "?")] = '\0';
	p.path = vakt_str_vis(view.path); /* for the log */
	http->n_in_flight++;
	evhttp_request_set_on_complete_cb(req, complete_cb, http);
	if ((c = conn_find(http, p.evcon)) == NULL) /* bev_cb() failed */
		c = conn_new(http, p.evcon, peer_of_conn(http, p.evcon));
	conn_busy(c);

	r = route_find(http, view.path);
	p.route = r != NULL ? r : &http->other;
	if (!framing_ok(req)) {
		vakt_reply_text(
		    &p.rep, 400, "conflicting or malformed Content-Length");
		p.must_close = true;
	} else if (http->is_draining) {
		vakt_reply_text(&p.rep, 503, "shutting down");
	} else if (r == NULL) {
		vakt_reply_text(&p.rep, 404, "not found");
	} else {
		dispatch(http, r, req, &view, &p);
	}
	if (p.rep.status == 405) {
		char allow[32];

		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", allow_of(r->methods, allow, sizeof(allow)));
	}
	view_free(&view);
	if (p.later != NULL)
		park_later(&p);
	else
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
	vakt_buf_printf(&b,
	    "# HELP vakt_http_connections_closed_total Connections vaktd "
	    "closed: refused at accept, evicted at the limit, or past the "
	    "request deadline.\n"
	    "# TYPE vakt_http_connections_closed_total counter\n"
	    "vakt_http_connections_closed_total{reason=\"refused\"} %llu\n"
	    "vakt_http_connections_closed_total{reason=\"evicted\"} %llu\n"
	    "vakt_http_connections_closed_total{reason=\"deadline\"} %llu\n",
	    (unsigned long long)http->n_refused,
	    (unsigned long long)http->n_evicted,
	    (unsigned long long)http->n_timed_out);
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
	TAILQ_INIT(&http->reading);
	http->evh = evhttp_new(base);
	http->flush_ev = event_new(base, -1, 0, flush_cb, http);
	http->accept_ev = event_new(base, -1, 0, accept_cb, http);
	http->pause_ev = evtimer_new(base, resume_cb, http);
	if (http->evh == NULL || http->flush_ev == NULL ||
	    http->accept_ev == NULL || http->pause_ev == NULL) {
		vakt_err_set(err, "http: cannot create the server");
		vakt_http_free(http);
		return NULL;
	}
	evhttp_set_allowed_methods(http->evh,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	        EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http->evh, request_cb, http);
	evhttp_set_bevcb(http->evh, bev_cb, http);
	http->next_server = servers;
	servers = http;
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
		struct conn **old = http->conns;
		size_t old_cap = http->cap_conns;

		conns_alloc(http, lim->max_connections);
		http->n_conns = 0;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i] != NULL)
				conn_insert(http, old[i]);
		free(old);
	}
	http->lim = *lim;
	/* Zero (a caller that predates them): no tighter than the rest. */
	if (http->lim.max_per_peer <= 0)
		http->lim.max_per_peer = lim->max_connections;
	if (http->lim.request_timeout_s <= 0)
		http->lim.request_timeout_s = lim->timeout_s;
	evhttp_set_max_body_size(http->evh, (ev_ssize_t)lim->max_body);
	evhttp_set_max_headers_size(http->evh, (ev_ssize_t)lim->max_headers);
	evhttp_set_timeout(http->evh, lim->timeout_s);
}

void
vakt_http_free(struct vakt_http *http)
{
	if (http == NULL)
		return;
	for (struct vakt_http **pp = &servers; *pp != NULL;
	     pp = &(*pp)->next_server) {
		if (*pp == http) {
			*pp = http->next_server;
			break;
		}
	}
	for (size_t i = 0; i < http->n_queue; i++) {
		free(http->queue[i].rep.body);
		free(http->queue[i].path);
	}
	free(http->queue);
	http->queue = NULL;
	http->n_queue = 0; /* close_cb() below looks at it */
	while (http->laters != NULL) {
		struct vakt_http_later *l = http->laters;

		http->laters = l->next;
		free(l->p.path);
		free(l);
	}
	for (size_t i = 0; i < http->n_fresh; i++)
		bufferevent_decref(http->fresh[i]);
	/* evhttp_free() runs close callbacks that look at the set. */
	if (http->evh != NULL)
		evhttp_free(http->evh);
	if (http->flush_ev != NULL)
		event_free(http->flush_ev);
	if (http->accept_ev != NULL)
		event_free(http->accept_ev);
	if (http->pause_ev != NULL)
		event_free(http->pause_ev);
	free(http->fresh);
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
	evconnlistener_set_error_cb(l, accept_error_cb);
	http->n_fds_base = fds_open();
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
	event_del(http->pause_ev);
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
