/*
 * outbox.h: durable outbound SMS.  Rows are written by the handlers in
 * the same transaction as the contact that caused them; this module
 * sends them through Twilio's Messages API with libcurl's multi
 * interface on the event loop, retries network errors, timeouts, 5xx
 * and 429 with exponential backoff and jitter, and gives up on other
 * 4xx (permanent) or after outbox.give_up.  Pending rows survive a
 * restart.  Bodies are wiped once sent unless retention says keep.
 * With outbox.print (demo = true; only) nothing is sent: each SMS is
 * printed to stderr and its row marked sent, for `make run`.
 */
#ifndef VAKT_OUTBOX_H
#define VAKT_OUTBOX_H

#include "vakt/util.h"

/*
 * The most sends in flight at once: outbox.max_in_flight may not pass
 * it (config.c), and the outbox holds no more whatever it says.
 */
#define VAKT_OUTBOX_IN_FLIGHT_MAX 64

struct event_base;
struct vakt_app;
struct vakt_outbox; /* opaque, daemon/outbox.c */

/*
 * libcurl's process-wide set-up, once before anything else (it is not
 * thread-safe) and its clean-up at exit.  0 or -1.
 */
int vakt_outbox_library_init(void);
void vakt_outbox_library_cleanup(void);

/*
 * An outbox on base that reads app->cfg (current configuration) and
 * app->store at each send.  Looks for due rows at once.  NULL with err.
 */
struct vakt_outbox *vakt_outbox_new(
    struct event_base *base, struct vakt_app *app, struct vakt_err *err);

/* Abandons sends in flight; their rows stay pending. NULL is a no-op. */
void vakt_outbox_free(struct vakt_outbox *ob);

/* New rows were committed: look for due rows on the next loop turn. */
void vakt_outbox_kick(struct vakt_outbox *ob);

/* Append the outbox's Prometheus lines (sent, retried, failed, …). */
void vakt_outbox_metrics(struct vakt_outbox *ob, struct vakt_buf *out);

#endif
