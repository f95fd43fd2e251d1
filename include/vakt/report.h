/*
 * report.h: response-time measures for leaders, from the contact log.
 *
 * Pure: the caller feeds contact rows (vakt_report_add(), usually as
 * the callback of vakt_store_report_scan()), and renders the result as
 * text, CSV, JSON or a self-contained HTML page.  No I/O, no clock:
 * "now" and local time come in through the params.
 *
 * Measures (only confirmed answers count as answered):
 *   offered          calls (kind call) received in the period
 *   short_abandons   calls missed because the caller hung up within the
 *                    service's short_abandon_s of the call coming in
 *   answered         calls confirmed by a key press (status answered)
 *   missed           offered - answered - short_abandons - unresolved,
 *                    split into caller_hangup and exhausted
 *   unresolved       calls still open (no final status yet)
 *   voicemail_legs   legs the provider reported answered but nobody
 *                    confirmed (sum of unconfirmed_legs)
 *   tta              time to answer (answered_ms - received_ms): p50,
 *                    p90, max
 *   service_level    answered within within_s / (offered -
 *                    short_abandons); null when the divisor is 0
 *   answered_by      answered calls per role; depth: per plan step
 *   followup         for missed calls (short abandons included):
 *                    followup_ms - received_ms, p50, p90, and the share
 *                    followed up within 15 min, 1 h, by the close of
 *                    the next working day, and never (not yet)
 *   sms_received     youth messages; sms_replied those with a relayed
 *                    staff reply; sms_unanswered those still waiting
 *   sms_response     per thread: reply - first message of the thread
 *                    (a second message before the reply does not
 *                    restart the clock): p50, p90
 * Percentiles use the nearest rank (p50 of 1, 2, 3, 4 is 2).  Empty
 * groups show zeros and null, never made-up percentiles.
 */
#ifndef VAKT_REPORT_H
#define VAKT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/calendar.h"
#include "vakt/contact.h"
#include "vakt/util.h"

struct vakt_config;

enum vakt_report_by {
	VAKT_BY_NONE, /* the total only */
	VAKT_BY_SERVICE,
	VAKT_BY_COORDINATOR, /* the youth's coordinator at the time */
	VAKT_BY_YOUTH,       /* by code; unknown callers as "unknown" */
	VAKT_BY_CATEGORY,    /* office, after_hours, weekend, holiday */
	VAKT_BY_DAY,         /* 2026-11-23 */
	VAKT_BY_WEEK,        /* ISO week, 2026-W48 */
	VAKT_BY_MONTH,       /* 2026-11 */
	VAKT_BY_TERTIAL,     /* 2026-T3 (Jan-Apr, May-Aug, Sep-Dec) */
};

enum vakt_report_format {
	VAKT_FORMAT_TEXT,
	VAKT_FORMAT_CSV,
	VAKT_FORMAT_JSON,
	VAKT_FORMAT_HTML,
};

/* "coordinator" -> VAKT_BY_COORDINATOR, …; 0 or -1. */
int vakt_report_parse_by(const char *s, enum vakt_report_by *out);
const char *vakt_report_by_name(enum vakt_report_by by);
int vakt_report_parse_format(const char *s, enum vakt_report_format *out);

/*
 * A period: "2026-T3" (tertial), "2026-11" (month), "2026-W48" (ISO
 * week) or "2026" (year), as inclusive local dates yyyymmdd.  0, or -1
 * with err (kind data) saying what is wrong.
 */
int vakt_report_parse_period(
    const char *s, int *from_date, int *to_date, struct vakt_err *err);

struct vakt_report_params {
	const struct vakt_config *cfg; /* services: calendars, abandon */
	const struct vakt_tz *tz;      /* local time of the services */
	const char *service;           /* NULL: every service */
	int from_date, to_date;        /* local dates, both inclusive */
	int64_t from_ms, to_ms;        /* [local from 00:00, to+1 00:00) */
	char label[48];                /* "2026-T3", "2026-11-01..2026-11-30" */
	enum vakt_report_by by;
	int within_s;     /* service level threshold, default 30 */
	bool is_external; /* codes only, counts below 5 shown as "<5" */
	int64_t now_ms;   /* when the report is made */
};

/*
 * Fill the ms bounds of p from its dates through p->tz, and an empty
 * label with "YYYY-MM-DD..YYYY-MM-DD".  0, or -1 with err (kind data)
 * for dates out of order or outside VAKT_YEAR_MIN..VAKT_YEAR_MAX.
 */
int vakt_report_bounds(struct vakt_report_params *p, struct vakt_err *err);

/* One contact as the store reads it.  Strings borrowed for the call. */
struct vakt_report_row {
	const char *service;
	enum vakt_kind kind;
	const char *youth;       /* "" for an unknown caller */
	const char *coordinator; /* "" for none */
	const char *caller;
	enum vakt_category cat;
	int64_t received_ms;
	enum vakt_status status;
	int missed_reason;   /* enum vakt_missed, 0 for none */
	int64_t answered_ms; /* 0: not answered */
	int answered_step;   /* 1.., 0: none */
	int answered_role;   /* enum vakt_role, -1: none */
	int64_t ended_ms;    /* 0: unknown */
	int64_t followup_ms; /* 0: none yet */
	int64_t reply_ms;    /* 0: none yet */
	int unconfirmed_legs;
};

struct vakt_report; /* opaque, daemon/report.c */

/*
 * A report to feed rows into; free with vakt_report_free().  p is
 * copied (p->service too); p->cfg and p->tz are borrowed until then.
 * Groups listed even when empty are made here: every day, week, month
 * or tertial of the period, the four categories, the configured
 * services (or p->service).  within_s <= 0 means 30.
 */
struct vakt_report *vakt_report_new(const struct vakt_report_params *p);
void vakt_report_free(struct vakt_report *r); /* NULL is a no-op */

/*
 * Add one contact.  Rows outside the params' period or service are
 * ignored.  Rows should come in received order (SMS threads are found
 * in that order).  Returns 0 (a row callback: always goes on).
 */
int vakt_report_add(void *report, const struct vakt_report_row *row);

/*
 * Render the report in one format, appending to out.  May be called
 * again (in another format); rows added in between are included.
 */
void vakt_report_render(
    struct vakt_report *r, enum vakt_report_format f, struct vakt_buf *out);

#endif
