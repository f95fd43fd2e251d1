/*
 * contact.h: the words of the contact log, shared by the store, the
 * webhook handlers and the reports.  The numbers are stored in the
 * database: never renumber, only append.
 */
#ifndef VAKT_CONTACT_H
#define VAKT_CONTACT_H

enum vakt_kind {
	VAKT_KIND_CALL = 0,
	VAKT_KIND_SMS = 1,
};

/* contacts.status */
enum vakt_status {
	VAKT_STATUS_OPEN = 0,     /* call ringing / SMS awaiting a reply */
	VAKT_STATUS_ANSWERED = 1, /* a leg was confirmed / a reply relayed */
	VAKT_STATUS_MISSED = 2,   /* call: nobody answered */
};

/* contacts.missed_reason */
enum vakt_missed {
	VAKT_MISSED_HANGUP = 1,    /* caller hung up while it rang */
	VAKT_MISSED_EXHAUSTED = 2, /* every step rang out */
};

/* legs.outcome (NULL while ringing) */
enum vakt_leg_outcome {
	VAKT_LEG_ANSWERED = 1, /* confirmed by a key press */
	VAKT_LEG_NO_ANSWER = 2,
	VAKT_LEG_BUSY = 3,
	VAKT_LEG_FAILED = 4,
	VAKT_LEG_CANCELED = 5,
	VAKT_LEG_UNCONFIRMED = 6,   /* picked up (voicemail?), no key */
	VAKT_LEG_CALLER_HANGUP = 7, /* the caller hung up while it rang */
};

#define VAKT_LEG_OUTCOME_MAX 7

/* "answered", "no-answer", "busy", "failed", "canceled", … */
const char *vakt_contact_leg_outcome_name(enum vakt_leg_outcome o);

/* outbox.purpose */
enum vakt_purpose {
	VAKT_PURPOSE_ALERT = 0,   /* missed-call or delivery alert */
	VAKT_PURPOSE_FORWARD = 1, /* a youth's SMS forwarded to staff */
	VAKT_PURPOSE_RELAY = 2,   /* a staff reply relayed to a youth */
	VAKT_PURPOSE_NOTICE = 3,  /* a help message back to staff */
};

/* outbox.state */
enum vakt_outbox_state {
	VAKT_OUTBOX_PENDING = 0,
	VAKT_OUTBOX_SENT = 1,
	VAKT_OUTBOX_FAILED = 2,
};

#endif
