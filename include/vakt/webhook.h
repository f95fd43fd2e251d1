/*
 * webhook.h: what every provider webhook handler does first: check the
 * signature, refuse bad input, find the service, and plan a contact the
 * way a call is planned (the safety plan when anything but the caller's
 * own number fails).
 */
#ifndef VAKT_WEBHOOK_H
#define VAKT_WEBHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "vakt/http.h"
#include "vakt/router.h"

struct vakt_app;
struct vakt_service;

/* True if req carries a good X-Twilio-Signature; else a 403 in rep. */
bool vakt_webhook_verified(
    struct vakt_app *app, const struct vakt_req *req, struct vakt_reply *rep);

/* Log and answer 400 with err's message. */
void vakt_webhook_bad(struct vakt_app *app, const struct vakt_req *req,
    struct vakt_reply *rep, const struct vakt_err *err);

/* TwiML reply (takes body); the empty document <Response/>. */
void vakt_webhook_xml(struct vakt_reply *rep, char *body, size_t len);
void vakt_webhook_empty(struct vakt_reply *rep);

/*
 * The service whose number is to; an unknown number gets the first
 * service (*is_known false) and a warning in the log.
 */
const struct vakt_service *vakt_webhook_service_by_to(
    const struct vakt_app *app, const char *to, bool *is_known);

/* The service named in our own URLs; the first if a reload removed it. */
const struct vakt_service *vakt_webhook_service_by_id(
    const struct vakt_app *app, const char *id);

/*
 * The plan for a contact from `from` to svc at now_ms, with what the
 * directory knows (who), read before any write batch opens (a write
 * lock held elsewhere does not delay it).  An unknown service number,
 * a database failure or a clock failure give the safety plan (failures
 * are counted and logged).
 */
void vakt_webhook_plan(struct vakt_app *app, const struct vakt_service *svc,
    bool is_known_svc, const char *from, int64_t now_ms, struct vakt_plan *plan,
    struct vakt_caller *who);

/*
 * Log a contact's plan: always an error line if the router had to break
 * its invariant (plan->is_fault), and with -v a debug line with the
 * steps (numbers masked), the category and why.  Never a body.
 */
void vakt_webhook_plan_log(
    const char *what, const struct vakt_plan *plan, const char *from);

#endif
