/*
 * followup.h: the follow-up queue's HTTP API (issue 11).
 *
 * The queue itself is kept by the store, in the same writes as the
 * contacts that open and close it (store.h, "The follow-up queue").
 * Here are the staff's views of it:
 *
 *   GET  /api/v1/followups?state=open|done[&service=ID]
 *        a JSON array, open ones oldest first, done ones newest first,
 *        at most VAKT_FOLLOWUP_LIST_MAX; never a message body, and an
 *        unknown caller's number only masked
 *   POST /api/v1/followups/{id}/done   {"outcome": "called_back" |
 *        "texted" | "no_need"}: 200 with the follow-up, 400 for a bad
 *        body, 404 for an unknown id, 409 if it is already done
 *
 * Both need a token or a login session (api.h).  A leader or admin sees
 * and closes every follow-up; a coordinator only those of their own
 * youths and those they were to answer as a substitute (another is
 * 403 and changes nothing).  Every use is audited: the list with the
 * ids it showed, the change with its outcome.
 */
#ifndef VAKT_FOLLOWUP_H
#define VAKT_FOLLOWUP_H

/* Follow-ups in one listing. */
#define VAKT_FOLLOWUP_LIST_MAX 500

struct vakt_app;
struct vakt_http;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct vakt_followup;
struct vakt_reply;
struct vakt_token;
/* Is s an outcome staff may give: called_back, texted or no_need? */
bool vakt_followup_outcome_ok(const char *s);
/* Keep only the follow-ups of v that who may see; their count. */
size_t vakt_followup_keep_visible(
    const struct vakt_token *who, struct vakt_followup *v, size_t n);
/* "n=3 ids=3,5,8" of v for an audit row into out (len), cut with "...". */
void vakt_followup_ids_detail(
    const struct vakt_followup *v, size_t n, char *out, size_t len);
/*
 * Mark follow-up id done with outcome by who, audited: 200 with the
 * follow-up, or 403, 404, 409, 503 into rep.  The console's form takes
 * the same path as POST …/done.
 */
void vakt_followup_mark_done(struct vakt_app *app, struct vakt_reply *rep,
    int64_t id, const char *outcome, const struct vakt_token *who);
/* Route the API above on http; app is borrowed for the server's life. */
void vakt_followup_routes(struct vakt_http *http, struct vakt_app *app);

#endif
