/*
 * session.h: staff login by a one-time SMS code, and login sessions
 * (issue 11, "People and login").
 *
 *   POST /api/v1/login/code  {"phone"}          -> 202, always the same
 *   POST /api/v1/login       {"phone", "code"}  -> 200 {"csrf", "staff":
 *        {"id", "name", "role"}} and Set-Cookie vakt_session=…; 401
 *   POST /api/v1/logout                         -> 204
 *
 * A code is 6 random digits, sent by SMS through the outbox to the
 * staff member's registered phone (a coordinator's, or a leader's or
 * admin's from the staff table), valid VAKT_SESSION_CODE_TTL_MS, for at
 * most VAKT_SESSION_CODE_TRIES tries; at most VAKT_SESSION_CODES codes
 * per number and VAKT_SESSION_PEER_MAX requests per peer address within
 * VAKT_SESSION_WINDOW_MS.  Whether a number is staff never shows in
 * the answer.  Codes and sessions are kept only as hashes; a session
 * ends after VAKT_SESSION_IDLE_MS without use or at logout.  Every
 * login, wrong code and logout is audited, never the code.
 *
 * vakt_api_authorized() (api.h) accepts the session cookie besides API
 * tokens, through vakt_session_check() below.
 */
#ifndef VAKT_SESSION_H
#define VAKT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAKT_SESSION_COOKIE       "vakt_session"
#define VAKT_SESSION_CODE_TTL_MS  (10 * 60 * 1000LL)
#define VAKT_SESSION_CODE_TRIES   5
#define VAKT_SESSION_CODES        3
#define VAKT_SESSION_WINDOW_MS    (15 * 60 * 1000LL)
#define VAKT_SESSION_PEER_MAX     20
#define VAKT_SESSION_IDLE_MS      (12 * 3600 * 1000LL)
#define VAKT_SESSION_VALUE_LEN    65 /* 64 hex digits, and NUL */
#define VAKT_SESSION_PHONE_IN_MAX 32 /* a phone as given, and NUL */

struct vakt_app;
struct vakt_http;
struct vakt_req;
struct vakt_reply;
struct vakt_session;

/*
 * The session cookie's value in a Cookie header value ("a=1;
 * vakt_session=HEX; b=2"): 0 with out set, or -1 if there is none or
 * it is not exactly 64 lower-case hex digits.  Pure.
 */
int vakt_session_cookie_value(
    const char *header, char out[VAKT_SESSION_VALUE_LEN]);

/*
 * The members of a login body {"phone": "…"[, "code": "…"]}: 0 with
 * phone (as given, at most VAKT_SESSION_PHONE_IN_MAX - 1 bytes) and, if
 * code is not NULL, the code (exactly 6 digits) set; -1 when the body
 * is no such JSON object.
 */
int vakt_session_login_body(const char *body, size_t len,
    char phone[VAKT_SESSION_PHONE_IN_MAX], char code[7]);

/*
 * The Set-Cookie value for a session value (NULL: one that ends the
 * cookie) into out (len bytes): HttpOnly, SameSite=Strict, Path=/, and
 * Secure when is_secure.  Pure.
 */
void vakt_session_set_cookie(
    char *out, size_t len, const char *value, bool is_secure);

/* Are the two strings equal?  Takes as long whatever the first mismatch. */
bool vakt_session_equal(const char *a, const char *b);

/*
 * The session of req's cookie: 1 with out set (its last use moved to
 * now), 0 when there is no live one, -1 when the database failed
 * (err-free: the caller answers 503).  Opens the turn's write batch.
 */
int vakt_session_check(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_session *out);

/*
 * Does req carry the session's CSRF token (header X-CSRF-Token, or the
 * form field csrf)?
 */
bool vakt_session_csrf_ok(const struct vakt_req *req, const char *csrf);

/*
 * The steps of the endpoints above, for the console's forms (console.h)
 * to take the same way.  Each opens nothing: call vakt_app_write()
 * first.
 *
 * vakt_session_peer_allowed: count a code request from peer; false when
 * it has made VAKT_SESSION_PEER_MAX in its window.
 * vakt_session_code_request: a code for the staff member with phone (an
 * E.164 number) within the limits, else nothing.  0, or -1 with err.
 * vakt_session_login: check code against phone's live code; rep gets a
 * 401, or a 200 with the session's Set-Cookie.  0, or -1 with err.
 * vakt_session_end: end the session s of req's cookie, audited.
 */
struct vakt_err;
struct vakt_staff;
bool vakt_session_peer_allowed(struct vakt_app *app, const char *peer);
int vakt_session_code_request(
    struct vakt_app *app, const char *phone, struct vakt_err *err);
int vakt_session_login(struct vakt_app *app, struct vakt_reply *rep,
    const char *phone, const char *code, struct vakt_err *err);
int vakt_session_end(struct vakt_app *app, const struct vakt_req *req,
    const struct vakt_session *s, struct vakt_err *err);
/* Route the endpoints above on http; app is borrowed for its life. */
void vakt_session_routes(struct vakt_http *http, struct vakt_app *app);

#endif
