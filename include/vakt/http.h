/*
 * http.h: the HTTP server (libevent evhttp) with its limits, its route
 * table, /healthz and /metrics, and the plain request view that the
 * handlers and provider modules work on.
 *
 * Replies leave once per loop turn: a handler fills a struct
 * vakt_reply, the server queues it, and at the end of the turn it calls
 * the commit hook (the store's group commit) and only then sends every
 * queued reply.  So a webhook's record is durable before the provider
 * hears the answer, with one fsync for all requests of the turn.
 */
#ifndef VAKT_HTTP_H
#define VAKT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/util.h"

struct event_base;
struct vakt_http; /* opaque, daemon/http.c */

enum vakt_method {
	VAKT_GET = 1 << 0,
	VAKT_POST = 1 << 1,
	VAKT_HEAD = 1 << 2,
	VAKT_OTHER = 1 << 3,
	VAKT_DELETE = 1 << 4,
};

struct vakt_kv {
	char *key;
	char *value;
};

/* Decoded name/value pairs in the order received. */
struct vakt_kvs {
	struct vakt_kv *v;
	size_t n;
};

/* First value of key (case-sensitive), or NULL. */
const char *vakt_kvs_get(const struct vakt_kvs *kvs, const char *key);

/*
 * Parse "a=1&b=%2B+x" (form or query encoding) into kvs, decoding '+'
 * and %XX.  Returns 0, or -1 for a malformed string (a pair without
 * '=' or with an empty name, or a bad escape); kvs is then empty.
 * Free with vakt_kvs_free().
 */
int vakt_kvs_parse(const char *s, struct vakt_kvs *kvs);
void vakt_kvs_free(struct vakt_kvs *kvs);

/* A plain view of one request: no libevent types. */
struct vakt_req {
	enum vakt_method method;
	const char *uri;         /* raw request-URI, path and query, encoded */
	const char *path;        /* raw path without the query */
	struct vakt_kvs query;   /* decoded query parameters */
	struct vakt_kvs form;    /* decoded form body (form routes only) */
	struct vakt_kvs headers; /* request headers */
	const char *body;        /* raw body, NUL-terminated */
	size_t body_len;
	const char *peer; /* client address */
	void *internal;   /* http.c's own; handlers leave it alone */
};

/* Header value (name matched case-insensitively), or NULL. */
const char *vakt_req_header(const struct vakt_req *req, const char *name);

/* What a handler answers.  http.c sends and frees it. */
struct vakt_reply {
	int status;
	const char *content_type; /* static string */
	char *body;               /* owned; NULL for an empty body */
	size_t len;
	const char *www_authenticate; /* static string or NULL */
	/* A Set-Cookie header value, or "" for none (session.c). */
	char set_cookie[192];
	/* A Location header value (a redirect), or "" for none. */
	char location[256];
	/*
	 * Extra headers: a NULL-terminated list of static name, value,
	 * name, value… strings, or NULL for none.
	 */
	const char *const *headers;
	char note[160]; /* " key=value…" appended to the log */
	/*
	 * The answer if this turn's commit fails (owned; NULL: a 503), and
	 * whether the request wrote into the turn's batch (set by the
	 * request hook).  Only a batched reply is replaced.
	 */
	struct vakt_reply *failsafe;
	bool is_batched;
};

/*
 * The fail-safe alternative of rep, created empty on first use: fill it
 * with the vakt_reply_* functions like rep itself.
 */
struct vakt_reply *vakt_reply_failsafe(struct vakt_reply *rep);
/* Replace rep by its fail-safe alternative (or a 503 if it has none). */
void vakt_reply_use_failsafe(struct vakt_reply *rep);

/* Set a plain-text reply (text/plain; charset=utf-8), body from fmt. */
void vakt_reply_text(struct vakt_reply *rep, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set a reply that takes ownership of body (len bytes). */
void vakt_reply_take(struct vakt_reply *rep, int status,
    const char *content_type, char *body, size_t len);

/* Append " key=value" text to the access-log note (masked data only). */
void vakt_reply_note(struct vakt_reply *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Answering later.  A handler that cannot answer within its callback
 * calls vakt_http_later(req) (its rep is then ignored) and, on a later
 * loop turn, vakt_http_finish() exactly once with the answer; the
 * server sends it with that turn's replies.  If the client has gone
 * meanwhile, the answer is dropped.
 */
struct vakt_http_later;
struct vakt_http_later *vakt_http_later(const struct vakt_req *req);
void vakt_http_finish(struct vakt_http_later *later, struct vakt_reply *rep);

typedef void vakt_http_handler_fn(
    void *arg, const struct vakt_req *req, struct vakt_reply *rep);
typedef int vakt_http_health_fn(void *arg, struct vakt_err *err);
/*
 * Commit the turn's writes: 0, or -1 if they are not durable (failed,
 * or still stalled past the deadline): the turn's batched replies are
 * then replaced by their fail-safe alternatives.
 */
typedef int vakt_http_commit_fn(void *arg);
/* Around each routed handler: before it runs, and after with its reply. */
typedef void vakt_http_request_fn(void *arg, struct vakt_reply *rep);
/* Append Prometheus text lines to out. */
typedef void vakt_http_metrics_fn(void *arg, struct vakt_buf *out);

struct vakt_http_limits {
	size_t max_body;
	size_t max_headers;
	int timeout_s;         /* idle time on a connection */
	int max_connections;   /* open at once, also bounded by RLIMIT_NOFILE */
	int max_per_peer;      /* open at once from one address or IPv6 /64 */
	int request_timeout_s; /* a request's headers and body, in all */
};

/*
 * A server on base with the given limits.  Returns NULL with err set.
 * Free with vakt_http_free(), which closes every connection.
 *
 * Connections count from accept, per peer and in total (the total also
 * bounded by RLIMIT_NOFILE, with descriptors kept in reserve); at the
 * total limit a newcomer replaces the oldest connection waiting for a
 * request of the peer with the most.  A request not read within
 * request_timeout_s closes its connection.  If accept() runs out of
 * descriptors the server stops accepting for a second.
 */
struct vakt_http *vakt_http_new(struct event_base *base,
    const struct vakt_http_limits *lim, struct vakt_err *err);
void vakt_http_free(struct vakt_http *http);

/* Change the limits of a running server (SIGHUP). */
void vakt_http_set_limits(
    struct vakt_http *http, const struct vakt_http_limits *lim);

/*
 * Route exact path to fn for the methods in the mask; other methods get
 * 405 with Allow.  A path that ends in '/' is a prefix: it also takes
 * every longer path below it ("/api/v1/rota/" takes "/api/v1/rota/7"),
 * and the handler reads the rest from req->path; an exact route wins
 * over a prefix, a longer prefix over a shorter one.  is_form: the body
 * must be application/x-www-form-urlencoded (else 415) and is parsed
 * into req->form (400 if malformed).  path is borrowed for the server's
 * life.
 */
void vakt_http_route(struct vakt_http *http, const char *path, unsigned methods,
    bool is_form, vakt_http_handler_fn *fn, void *arg);

/* Hooks: health for /healthz, commit before each turn's replies go
 * out, extra metrics for /metrics.  Any may be NULL. */
void vakt_http_set_hooks(struct vakt_http *http, vakt_http_health_fn *health,
    vakt_http_commit_fn *commit, vakt_http_metrics_fn *metrics, void *arg);

/* Hooks around each routed handler (request savepoints).  May be NULL. */
void vakt_http_set_request_hooks(struct vakt_http *http,
    vakt_http_request_fn *before, vakt_http_request_fn *after, void *arg);

/* Listen on addr:port (port 0 picks one); *bound gets the port. */
int vakt_http_listen(struct vakt_http *http, const char *addr, int port,
    int *bound, struct vakt_err *err);

/*
 * Stop accepting connections; done(arg) is called once every request
 * received so far has been answered and written (or after 5 s).
 */
void vakt_http_drain(
    struct vakt_http *http, void (*done)(void *arg), void *arg);

#endif
