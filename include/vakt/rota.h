/*
 * rota.h: the beredskap rota's HTTP API (issue 11).
 *
 *   POST   /api/v1/rota       {"service", "staff", "from", "to"} -> 201 {"id"}
 *   GET    /api/v1/rota?service=&from=&to=                      -> 200 [ … ]
 *   DELETE /api/v1/rota/{id}                                    -> 204, 404
 *
 * Times are local "YYYY-MM-DDTHH:MM" in the configured timezone
 * (seconds and an offset accepted, calendar.h).  Bad input is 400 with
 * a message, an overlapping slot 409.  Every request needs a token or a
 * login session (api.h's vakt_api_authorized()): any staff member may
 * read the rota, a change needs role leader or admin (a coordinator
 * gets 403); the store audits each change under the caller's name.
 */
#ifndef VAKT_ROTA_H
#define VAKT_ROTA_H

#include <stdint.h>

struct vakt_app;
struct vakt_err;
struct vakt_http;
struct vakt_reply;
struct vakt_rota_slot;
/*
 * The steps of POST, for the console's form (console.h) to take the
 * same way.  vakt_rota_slot_from_fields: a slot from its fields as
 * given: 0, or -1 with a 400 message in err.  vakt_rota_add: keep r
 * for actor (the caller's role already checked): 201, 400, 409 or 503
 * into rep.  vakt_rota_remove: delete slot id for actor (role checked):
 * 204, 404 or 503 into rep.
 */
int vakt_rota_slot_from_fields(const struct vakt_app *app, const char *svc,
    const char *staff, const char *from, const char *to,
    struct vakt_rota_slot *r, struct vakt_err *err);
void vakt_rota_add(struct vakt_app *app, struct vakt_reply *rep,
    struct vakt_rota_slot *r, const char *actor);
void vakt_rota_remove(struct vakt_app *app, struct vakt_reply *rep, int64_t id,
    const char *actor);

/* Route the endpoints above on http; app is borrowed for its life. */
void vakt_rota_routes(struct vakt_http *http, struct vakt_app *app);

#endif
