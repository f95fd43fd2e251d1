/*
 * contact.c: names of the contact log's words, as reports and logs
 * print them.
 */
#include "vakt/contact.h"

const char *
vakt_contact_leg_outcome_name(enum vakt_leg_outcome o)
{
	switch (o) {
	case VAKT_LEG_ANSWERED:
		return "answered";
	case VAKT_LEG_NO_ANSWER:
		return "no-answer";
	case VAKT_LEG_BUSY:
		return "busy";
	case VAKT_LEG_FAILED:
		return "failed";
	case VAKT_LEG_CANCELED:
		return "canceled";
	case VAKT_LEG_UNCONFIRMED:
		return "unconfirmed";
	case VAKT_LEG_CALLER_HANGUP:
		return "caller-hangup";
	}
	return "ringing";
}
