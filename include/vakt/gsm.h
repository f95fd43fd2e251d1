/*
 * gsm.h: SMS text.  The GSM 03.38 7-bit alphabet decides whether a
 * message travels as cheap 160-character segments or as 70-character
 * UCS-2 ones; alerts to staff are folded into it so that they always
 * fit one segment.
 */
#ifndef VAKT_GSM_H
#define VAKT_GSM_H

#include <stdbool.h>
#include <stddef.h>

#include "vakt/util.h"

/* True if every character of the UTF-8 string s is in GSM-7. */
bool vakt_gsm_is_gsm7(const char *s);

/*
 * Append s to out with every character outside GSM-7 replaced by its
 * plain Latin letter (é stays, ë -> e, š -> s, "–" -> "-") or '?'.
 */
void vakt_gsm_fold(const char *s, struct vakt_buf *out);

/* How many SMS segments s takes (GSM-7 or UCS-2 as it needs). */
size_t vakt_gsm_segments(const char *s);

/* Twilio's limit on one message body, counted here in UTF-16 units. */
#define VAKT_SMS_MAX 1600

/*
 * A forwarded message: "[tag] body", or, when that would pass
 * VAKT_SMS_MAX, numbered parts "[tag 1/3] …" that together hold every
 * character of body, unchanged and in order.  Parts are split between
 * characters, at a space or line break near the limit when there is
 * one.  Appends the parts to out; returns how many.
 */
size_t vakt_gsm_forward(
    const char *tag, const char *body, struct vakt_strlist *out);

/*
 * A staff member's reply to a youth: body unchanged when it fits
 * VAKT_SMS_MAX, or numbered parts "(1/3) …" split as vakt_gsm_forward
 * splits (no tag: the youth sees only the service).  Appends the parts
 * to out (NULL: only count them); returns how many.
 */
size_t vakt_gsm_reply(const char *body, struct vakt_strlist *out);

#endif
