/*
 * console.h: the staff console, server-rendered HTML under /app/
 * (issue 11, "Pages").  No JavaScript, no external assets; bokmål.
 *
 *   GET  /app/style.css                  the one stylesheet
 *   GET  /app/login, POST /app/login     phone, then the code by SMS;
 *                                        303 to /app/ with the cookie
 *   POST /app/logout                     ends the session; 303 to login
 *   GET  /app/                           who answers each service now,
 *                                        and the open follow-ups one may see
 *   GET  /app/followups                  the same with a "Ferdig" form
 *   POST /app/followups/{id}/done        outcome, csrf; 303 back
 *   GET  /app/absences, POST /app/absences, POST …/absences/{id}/delete
 *   GET  /app/rota, POST /app/rota, POST /app/rota/{id}/delete
 *                                        (changes: leaders)
 *   GET  /app/report                     leaders: a period picker whose
 *                                        GET form asks /api/v1/report
 *
 * A page without a session answers 303 to /app/login.  Forms post
 * application/x-www-form-urlencoded with the session's CSRF token in
 * the field csrf; every check is the JSON API's (api.h's
 * vakt_api_authorized(), session.h, followup.h, absence.h, rota.h).
 * Every /app/ answer carries a strict Content-Security-Policy,
 * X-Content-Type-Options and Referrer-Policy.
 */
#ifndef VAKT_CONSOLE_H
#define VAKT_CONSOLE_H

struct vakt_app;
struct vakt_http;

/* Route the pages above on http; app is borrowed for its life. */
void vakt_console_routes(struct vakt_http *http, struct vakt_app *app);

#endif
