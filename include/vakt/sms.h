/*
 * sms.h: the Twilio messaging webhooks (/twilio/sms, /twilio/sms/status).
 */
#ifndef VAKT_SMS_H
#define VAKT_SMS_H

#include "vakt/http.h"

struct vakt_app;

/* Route the messaging webhooks of http to handlers sharing app. */
void vakt_sms_routes(struct vakt_http *http, struct vakt_app *app);

#endif
