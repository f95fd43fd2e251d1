/*
 * voice.h: the Twilio voice webhooks (/twilio/voice and the URLs its
 * TwiML points at).
 */
#ifndef VAKT_VOICE_H
#define VAKT_VOICE_H

#include "vakt/http.h"

struct vakt_app;

/* Route the voice webhooks of http to handlers sharing app. */
void vakt_voice_routes(struct vakt_http *http, struct vakt_app *app);

#endif
