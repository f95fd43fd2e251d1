/*
 * api.h: the admin and report HTTP API under /api/v1/, with per-person
 * tokens (leader reads reports; admin also the audit trail), and the
 * report runner shared with vaktctl.
 */
#ifndef VAKT_API_H
#define VAKT_API_H

#include <stdbool.h>

#include "vakt/auth.h"
#include "vakt/http.h"
#include "vakt/report.h"

struct event_base;
struct vakt_app;
struct vakt_store;

/*
 * Report parameters from name/value pairs, as the API's query string
 * or vaktctl's options give them: service, from, to (YYYY-MM-DD, both
 * inclusive) or period (2026-T3, 2026-11, 2026-W48, 2026), by, within
 * (seconds), format (text, csv, json, html), external (1/true).
 * Returns 0, or -1 with err saying what is wrong (kind data for a bad
 * value, kind system never).
 */
int vakt_api_report_params(const struct vakt_config *cfg,
    const struct vakt_tz *tz, const struct vakt_kvs *args, int64_t now_ms,
    struct vakt_report_params *p, enum vakt_report_format *fmt,
    struct vakt_err *err);

/* Build the report of p from st in format fmt, appended to out. */
int vakt_api_report(struct vakt_store *st, const struct vakt_report_params *p,
    enum vakt_report_format fmt, struct vakt_buf *out, struct vakt_err *err);

struct vakt_token;

/*
 * Check req's caller for role need (an admin may do what a leader may,
 * a leader what a coordinator may), and audit the use.  The caller is
 * a token (Bearer, or Basic with the token as password), else a login
 * session's cookie (session.h), which for POST and DELETE also needs
 * its CSRF token (header X-CSRF-Token or form field csrf).  Returns
 * true with *who (if not NULL) set to the caller (is_session, name the
 * staff id for a session), or false with rep set to 401 (no valid
 * token or session), 403 (role too low, or no CSRF token) or 503
 * (database unavailable).  Opens the turn's write batch for the audit
 * row.
 */
bool vakt_api_authorized(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, enum vakt_auth_role need, struct vakt_token *who);

struct vakt_api; /* opaque, daemon/api.c */

/*
 * Route /api/v1/report and /api/v1/audit on http (GET only: HEAD gets
 * 405, see api.c).  Reports are made in a child process so that a long
 * one never holds up a call.  Free with vakt_api_free(), which stops
 * reports still running.
 */
struct vakt_api *vakt_api_new(
    struct vakt_http *http, struct event_base *base, struct vakt_app *app);

/*
 * vaktd is stopping (SIGTERM): stop every report still running and
 * queue its 503, while the loop still runs to send it.  Call before
 * vakt_http_drain(), which then waits for those replies to leave.
 */
void vakt_api_drain(struct vakt_api *api);

void vakt_api_free(struct vakt_api *api);

#endif
