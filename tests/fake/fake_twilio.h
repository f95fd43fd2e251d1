/*
 * fake_twilio.h: an in-process fake of Twilio's Messages REST API for
 * the integration tests.  It serves POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json on 127.0.0.1 (port 0)
 * from its own thread, checks HTTP Basic auth (VT_SID:VT_TOKEN),
 * records every request, and answers as scripted: by default 201 with
 * Twilio's JSON (a fresh "sid" each time).  Like Twilio, it refuses a
 * Body over 1600 UTF-16 units with 400 and error 21617.  Errors carry
 * Twilio's real JSON body ({"code", "message", "more_info", "status"}),
 * whose message names the 'To' number where Twilio's does (21211).
 * GET of the same path lists the messages accepted so far (To and From
 * filters), as Twilio's list does; a listing is counted, not recorded.
 */
#ifndef VAKT_TEST_FAKE_TWILIO_H
#define VAKT_TEST_FAKE_TWILIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vt_fake;

/* One scripted answer; status 0 ends the script (then 201s follow). */
struct vt_fake_answer {
	int status;	   /* 201, 429, 500, 400, … */
	int retry_after_s; /* sent as Retry-After when > 0 */
	int delay_ms;	   /* wait this long before answering */
	int code;	   /* Twilio error code; 0: by status (400: 21211) */
	const char *retry_after; /* raw Retry-After value, or NULL */
};

/* One request as received. */
struct vt_fake_msg {
	int status;	  /* what the fake answered */
	char sid[40];	  /* the sid it returned on a 201, else "" */
	char to[32];
	char from[32];
	char *body;	  /* decoded Body */
	char *status_callback;
	char validity[16];
	char method[8];	  /* "POST", or "?" for any other */
	char path[128];	  /* the request's path and query */
	char content_type[64];
	bool is_auth_ok;
	int64_t at_ms;	  /* wall clock when received */
};

/* Start the fake; the test aborts if it cannot.  Stop with vt_fake_stop. */
struct vt_fake *vt_fake_start(void);
void vt_fake_stop(struct vt_fake *f);

/* "http://127.0.0.1:PORT": use as twilio.api_url. */
const char *vt_fake_url(const struct vt_fake *f);

/* Answers for the next requests, in order (copied). */
void vt_fake_script(struct vt_fake *f, const struct vt_fake_answer *a,
    size_t n);

/* Requests received so far (listings not included). */
size_t vt_fake_count(struct vt_fake *f);

/* GET Messages.json listings answered so far. */
size_t vt_fake_lists(struct vt_fake *f);

/* Wait until at least n requests were received; false on timeout. */
bool vt_fake_wait(struct vt_fake *f, size_t n, int timeout_ms);

/* A copy of request i (0-based); free with vt_fake_msg_free(). */
struct vt_fake_msg vt_fake_get(struct vt_fake *f, size_t i);
void vt_fake_msg_free(struct vt_fake_msg *m);

#endif
