/*
 * absence.h: the coordinators' absences over HTTP (issue 11).
 *
 *   GET    /api/v1/absences[?service=ID]                       -> 200 [ … ]
 *   POST   /api/v1/absences  {"coordinator", "from", "to", "substitute"?}
 *                                                              -> 201 {"id"}
 *   DELETE /api/v1/absences/{id}                               -> 204, 404
 *
 * Dates are whole local dates, both inclusive, "YYYY-MM-DD" (or
 * "DD.MM.YYYY").  Bad dates, from after to, an unknown coordinator or
 * substitute, or a substitute who is the coordinator: 400 with a
 * message.  The store's checks are those of `vaktctl absence add`, and
 * the change takes effect at the next contact.  Every request needs a
 * leader's token (api.h's vakt_api_authorized()); changes are audited
 * by the store under the token's name, listings here.
 */
#ifndef VAKT_ABSENCE_H
#define VAKT_ABSENCE_H

#include <stdbool.h>
#include <stdint.h>
struct vakt_absence;
struct vakt_app;
struct vakt_err;
struct vakt_http;
struct vakt_reply;
struct vakt_token;
/*
 * The steps of the endpoints, for the console's forms (console.h) to
 * take the same way.
 *
 * vakt_absence_from_fields: an absence from its fields as given (dates
 * YYYY-MM-DD or DD.MM.YYYY; sub NULL or "" for none): 0, or -1 with a
 * message in err.
 * vakt_absence_is_own: may who touch coordinator's absences (a leader
 * or admin all, a coordinator their own)?
 * vakt_absence_add, vakt_absence_remove: the change by who, with the
 * checks and answers of POST and DELETE (201, 204, 400, 403, 404, 503)
 * into rep.
 */
int vakt_absence_from_fields(const char *co, const char *from, const char *to,
    const char *sub, struct vakt_absence *a, struct vakt_err *err);
bool vakt_absence_is_own(const struct vakt_token *who, const char *coordinator);
void vakt_absence_add(struct vakt_app *app, struct vakt_reply *rep,
    struct vakt_absence *a, const struct vakt_token *who);
void vakt_absence_remove(struct vakt_app *app, struct vakt_reply *rep,
    int64_t id, const struct vakt_token *who);

/* Route the endpoints above on http; app is borrowed for its life. */
void vakt_absence_routes(struct vakt_http *http, struct vakt_app *app);

#endif
