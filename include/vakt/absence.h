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

struct vakt_app;
struct vakt_http;

/* Route the endpoints above on http; app is borrowed for its life. */
void vakt_absence_routes(struct vakt_http *http, struct vakt_app *app);

#endif
