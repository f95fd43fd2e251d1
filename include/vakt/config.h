/*
 * config.h: the configuration file (libconfig syntax) loaded into one
 * validated, immutable struct.  Everything is parsed, checked and
 * normalised here (E.164 numbers, HH:MM -> minutes, durations -> ms);
 * the rest of vakt never parses a configuration string.
 */
#ifndef VAKT_CONFIG_H
#define VAKT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/calendar.h"
#include "vakt/util.h"

/* One service: one number, its hours, holidays, beredskap and fallback. */
struct vakt_service {
	char *id; /* [a-z0-9_-]{1,32} */
	char *name;
	char *number; /* E.164, the number youths call and text */
	struct vakt_calendar cal;
	struct vakt_special_day *special; /* owned; cal.special points here */
	int ring_timeout_s;               /* 5..600, default 20 */
	bool confirm_answer;              /* whisper + press 1, default true */
	char *beredskap;                  /* E.164, required */
	char *fallback;                   /* E.164 or NULL */
	char *voice;                      /* <Say voice>, default Polly.Liv */
	char *language;                   /* <Say language>, default nb-NO */
	int short_abandon_s;              /* reports, default 5 */
};

/* http = { … } */
struct vakt_config_http {
	char *listen;
	int port;            /* 0..65535; 0 picks a free port */
	char *public_url;    /* no trailing slash */
	size_t max_body;     /* bytes, default 64 KiB */
	size_t max_headers;  /* bytes, default 8 KiB */
	int timeout_s;       /* per connection, default 10 */
	int max_connections; /* default 512 */
	int busy_timeout_ms; /* SQLite wait on the webhook path, 500 */

	/* From one address or IPv6 /64 at once, default 32. */
	int max_per_peer;
	/* Seconds for a request's headers and body in all, default 10. */
	int request_timeout_s;
};

/* twilio = { … } */
struct vakt_config_twilio {
	char *account_sid;
	char *auth_token; /* secret: wiped on free */
	char *api_url;    /* no trailing slash */
};

/* retention = { … } */
struct vakt_config_retention {
	int contacts_days;
	bool keep_message_bodies;
};

/* outbox = { … } */
struct vakt_config_outbox {
	int64_t retry_first_ms; /* default 2000 */
	int64_t retry_max_ms;   /* default 300000 */
	int64_t give_up_ms;     /* default 24 h */
	int validity_s;         /* Twilio ValidityPeriod, default 900 */
	int max_in_flight;      /* concurrent sends, default 8 */
	int64_t timeout_ms;     /* one send, default 30 s */
	bool is_print;          /* print = true;: no sends (demo only) */
};

struct vakt_config {
	char *path;     /* the file, as given */
	bool demo;      /* demo = true;: the example's token is accepted */
	char *timezone; /* tz database name, default Europe/Oslo */
	char *database; /* resolved against the config file's folder */
	struct vakt_config_http http;
	struct vakt_config_twilio twilio;
	struct vakt_service *services;
	size_t n_services;
	struct vakt_config_retention retention;
	struct vakt_config_outbox outbox;
};

/*
 * Load, walk (unknown settings are errors), validate and normalise the
 * file at path.  On success returns 0 and *out, which the caller frees
 * with vakt_config_free().  On failure returns -1 and appends every
 * problem to errs, each as "FILE:LINE: setting.path: message" (without
 * ":LINE" where libconfig gives none).  Never logs.
 */
int vakt_config_load(
    const char *path, struct vakt_config **out, struct vakt_strlist *errs);

void vakt_config_free(struct vakt_config *cfg); /* NULL is a no-op */

/* The service whose number is e164, or NULL.  Borrowed from cfg. */
const struct vakt_service *vakt_config_service_by_number(
    const struct vakt_config *cfg, const char *e164);

/* The service with this id, or NULL.  Borrowed from cfg. */
const struct vakt_service *vakt_config_service_by_id(
    const struct vakt_config *cfg, const char *id);

/*
 * Settings that a SIGHUP cannot change in a running daemon (listen
 * address, port, database, timezone): appends one line per difference
 * to out, "http.port: needs restart".  Returns how many.
 */
size_t vakt_config_restart_needed(const struct vakt_config *old,
    const struct vakt_config *neu, struct vakt_strlist *out);

#endif
