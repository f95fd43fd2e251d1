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

struct vakt_app;
struct vakt_http;

/* Route the endpoints above on http; app is borrowed for its life. */
void vakt_rota_routes(struct vakt_http *http, struct vakt_app *app);

#endif
