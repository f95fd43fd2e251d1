/*
 * twilio.h: one provider's wire format.  Verifies X-Twilio-Signature,
 * turns webhook forms into plain structs, and renders TwiML.  Knows
 * nothing of SQL or of the event loop; every function is testable with
 * a hand-made struct vakt_req.
 */
#ifndef VAKT_TWILIO_H
#define VAKT_TWILIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/http.h"
#include "vakt/router.h"
#include "vakt/util.h"

struct vakt_service;

#define VAKT_TWILIO_SIG_LEN 29 /* base64 of 20 bytes, and NUL */
#define VAKT_SID_LEN        64 /* CallSid, MessageSid, …; incl. NUL */
#define VAKT_ADDR_LEN       64 /* From/To as received; incl. NUL */

/*
 * The signature of url and the decoded form params: base64 of
 * HMAC-SHA1(token, url + each name+value, sorted by name then value,
 * exact duplicates once).
 */
void vakt_twilio_sign(const char *token, const char *url,
    const struct vakt_kvs *params, char out[VAKT_TWILIO_SIG_LEN]);

/*
 * Check req's X-Twilio-Signature against public_url + req->uri (the
 * raw request-URI) and req->form, in constant time.  Like Twilio's own
 * helper libraries, accepts the URL with and without an explicit
 * port.  0, or -1 with err saying whether it was missing or wrong.
 */
int vakt_twilio_verify(const char *token, const char *public_url,
    const struct vakt_req *req, struct vakt_err *err);

/* An inbound call (also the base of every later request on it). */
struct vakt_twilio_call {
	char call_sid[VAKT_SID_LEN];
	char from[VAKT_ADDR_LEN]; /* may be "anonymous", "client:…" */
	char to[VAKT_ADDR_LEN];
	char call_status[32]; /* parent CallStatus, "" if absent */
};

/* CallSid ("CA" + 32 hex), From and To are required.  0 or -1. */
int vakt_twilio_parse_call(const struct vakt_req *req,
    struct vakt_twilio_call *out, struct vakt_err *err);

/*
 * Where a request belongs: our own query parameters on every action,
 * whisper and confirm URL.  v = service id, c = contact (0 when the
 * call was routed without the database), s = step (1-based), r = role
 * letter of that step (c, s, b, f).
 */
struct vakt_twilio_ref {
	char service[VAKT_ID_LEN];
	int64_t contact;
	int step;
	enum vakt_role role;
};

int vakt_twilio_parse_ref(const struct vakt_req *req,
    struct vakt_twilio_ref *out, struct vakt_err *err);

/* The <Dial action> request: how the dialed leg ended. */
struct vakt_twilio_dial {
	struct vakt_twilio_call call;
	char dial_status[32]; /* DialCallStatus */
	char dial_sid[VAKT_SID_LEN];
	int duration_s;      /* DialCallDuration, 0 if absent */
	int bridged;         /* DialBridged: 1, 0, or -1 when not sent */
	bool is_caller_gone; /* parent CallStatus says the call is over */
};

int vakt_twilio_parse_dial(const struct vakt_req *req,
    struct vakt_twilio_dial *out, struct vakt_err *err);

/*
 * A request about a staff leg (the whisper, and its <Gather action>):
 * the leg, its parent call, and which key the staff member pressed.
 */
struct vakt_twilio_digits {
	char call_sid[VAKT_SID_LEN];   /* the child leg */
	char parent_sid[VAKT_SID_LEN]; /* the caller's call, "" if absent */
	char digits[16];               /* "" when none */
};

int vakt_twilio_parse_digits(const struct vakt_req *req,
    struct vakt_twilio_digits *out, struct vakt_err *err);

/* A call status callback for the parent call. */
struct vakt_twilio_status {
	char call_sid[VAKT_SID_LEN];
	char call_status[32];
	int duration_s; /* CallDuration, 0 if absent */
};

int vakt_twilio_parse_status(const struct vakt_req *req,
    struct vakt_twilio_status *out, struct vakt_err *err);

/*
 * TwiML.  Every renderer returns a complete document that the caller
 * frees, with *len its length.  base_url is http.public_url; every
 * URL in the document is absolute, its query only unreserved
 * characters, so the URL Twilio signs is exactly the one we wrote.
 */
struct vakt_twilio_dial_spec {
	const char *base_url;
	struct vakt_twilio_ref ref; /* the step being dialed */
	const struct vakt_step *step;
	const char *caller_id; /* E.164 shown to the staff phone */
	bool is_confirm;       /* whisper + press 1 */
};

char *vakt_twilio_render_dial(
    const struct vakt_twilio_dial_spec *spec, size_t *len);

/* Said to the staff member only; no key within 8 s hangs the leg up. */
char *vakt_twilio_render_whisper(const char *base_url,
    const struct vakt_twilio_ref *ref, const char *text,
    const struct vakt_service *svc, size_t *len);

/* Said to the caller, then <Hangup/>. */
char *vakt_twilio_render_say_hangup(
    const char *text, const struct vakt_service *svc, size_t *len);

char *vakt_twilio_render_hangup(size_t *len);
char *vakt_twilio_render_empty(size_t *len);

/*
 * A static document for the number's Fallback URL, used by Twilio when
 * vaktd does not answer: dial beredskap, then fallback, then the
 * closing message.
 */
char *vakt_twilio_render_fallback(const struct vakt_service *svc, size_t *len);

/*
 * The end of a plan: the caller hears, in Norwegian, that nobody could
 * be reached, that we will call back, and to call 112 in an emergency.
 */
char *vakt_twilio_render_nobody(const struct vakt_service *svc, size_t *len);

/* An inbound SMS (Messaging webhook). */
struct vakt_twilio_sms {
	char message_sid[VAKT_SID_LEN];
	char from[VAKT_ADDR_LEN];
	char to[VAKT_ADDR_LEN];
	const char *body; /* borrowed from req; valid UTF-8, "" if absent */
	int num_media;
	int segments; /* NumSegments, 1 if absent */
};

/* MessageSid ("SM"/"MM" + 32 hex), From and To required.  0 or -1. */
int vakt_twilio_parse_sms(const struct vakt_req *req,
    struct vakt_twilio_sms *out, struct vakt_err *err);

/* A message status callback for one of our outbound messages. */
struct vakt_twilio_sms_status {
	char message_sid[VAKT_SID_LEN];
	char status[32];     /* queued, sent, delivered, undelivered, … */
	char error_code[16]; /* "" if none */
};

int vakt_twilio_parse_sms_status(const struct vakt_req *req,
    struct vakt_twilio_sms_status *out, struct vakt_err *err);

/*
 * <Response> with one <Message to from> per part: Twilio sends them
 * itself.  Only for when the outbox cannot be written.
 */
char *vakt_twilio_render_messages(const char *to, const char *from,
    char *const *parts, size_t n, size_t *len);

#endif
