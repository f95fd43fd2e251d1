/*
 * log.h: one line per event on stderr, prefixed with the priority that
 * journald reads ("<3>" err, "<4>" warning, "<6>" info, "<7>" debug).
 * No timestamps: journald adds them.  Message bodies, tokens and full
 * phone numbers never go through here (mask with vakt_mask_e164()).
 */
#ifndef VAKT_LOG_H
#define VAKT_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* Enable or disable debug lines (the -v flag). */
void vakt_log_set_verbose(bool verbose);
bool vakt_log_is_verbose(void);

/* The plain forms append ": strerror(errno)"; the x forms do not. */
void vakt_log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vakt_log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vakt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vakt_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vakt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vakt_log_debugx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Debug lines skip evaluating their arguments unless -v was given. */
#define vakt_log_debug(...)                                                    \
	do {                                                                   \
		if (vakt_log_is_verbose())                                     \
			vakt_log_debugx(__VA_ARGS__);                          \
	} while (0)

/* For startup and corrupted internal state only: log and exit(1). */
void vakt_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void vakt_fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * For lines a client or the system can make repeat (refused
 * connections, accept() failures, libevent's own warnings): log at
 * prio (3 err, 4 warning, 6 info, 7 debug) unless a line like it (the
 * same text, digits aside) went out in the last 10 s; such lines are
 * only counted, and the next one that goes out says how many there
 * were.  vakt_log_repeat_at() takes the monotonic time in ms and
 * returns whether the line went out (for tests).
 */
void vakt_log_repeat(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool vakt_log_repeat_at(int64_t now_ms, int prio, const char *msg);

#endif
