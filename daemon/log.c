/*
 * log.c: one line per event on stderr with a journald priority prefix.
 * Lines are built in one buffer and written with one write(2), so lines
 * from vaktd and its children never interleave mid-line.
 */
#include "vakt/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vakt/util.h"

#define LOG_LINE_MAX    1024
#define REPEAT_SLOTS    16
#define REPEAT_INTERVAL 10000 /* ms */

static bool verbose;

/* A line that went out recently, for vakt_log_repeat(). */
struct repeat {
	uint64_t hash; /* 0: slot unused */
	int64_t logged_ms;
	uint64_t n_dropped;
};

static struct repeat repeats[REPEAT_SLOTS];

void
vakt_log_set_verbose(bool on)
{
	verbose = on;
}

bool
vakt_log_is_verbose(void)
{
	return verbose;
}

/*
 * Format "<prio>msg[: strerror]\n" and write it at once.  A line too
 * long for the buffer is cut and marked with "...".
 */
static void emit(int prio, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
emit(int prio, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int n;

	n = snprintf(line, sizeof(line), "<%d>", prio);
	len = (size_t)n;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n < 0)
		n = 0;
	len += (size_t)n;
	if (len >= sizeof(line) - 1) {
		len = sizeof(line) - 5;
		memcpy(line + len, "...", 3);
		len += 3;
	}
	if (errnum != 0) {
		n = snprintf(line + len, sizeof(line) - len - 1, ": %s",
		    strerror(errnum));
		if (n > 0)
			len += (size_t)n;
		if (len > sizeof(line) - 2)
			len = sizeof(line) - 2;
	}
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

#define LOG_FN(fn, prio, with_errno)                                           \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		emit(prio, with_errno ? saved : 0, fmt, ap);                   \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FN(vakt_log_err, 3, 1)
LOG_FN(vakt_log_errx, 3, 0)
LOG_FN(vakt_log_warn, 4, 1)
LOG_FN(vakt_log_warnx, 4, 0)
LOG_FN(vakt_log_info, 6, 0)
LOG_FN(vakt_log_debugx, 7, 0)

void
vakt_fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	emit(2, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
vakt_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(2, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/* FNV-1a over msg without its digits, so fd numbers and counts that
 * change from line to line still make one "line like it". */
static uint64_t
repeat_hash(int prio, const char *msg)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)prio;

	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p >= '0' && *p <= '9')
			continue;
		h = (h ^ *p) * 0x100000001b3u;
	}
	return h != 0 ? h : 1;
}

static void say(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, 0, fmt, ap);
	va_end(ap);
}

bool
vakt_log_repeat_at(int64_t now_ms, int prio, const char *msg)
{
	struct repeat *r = NULL, *oldest = &repeats[0];
	uint64_t h = repeat_hash(prio, msg);

	for (size_t i = 0; i < REPEAT_SLOTS; i++) {
		if (repeats[i].hash == h) {
			r = &repeats[i];
			break;
		}
		if (repeats[i].logged_ms < oldest->logged_ms ||
		    repeats[i].hash == 0)
			oldest = &repeats[i];
	}
	if (r != NULL && now_ms - r->logged_ms < REPEAT_INTERVAL) {
		r->n_dropped++;
		return false;
	}
	if (r != NULL && r->n_dropped > 0)
		say(prio, "%s (and %llu more like it in %d s)", msg,
		    (unsigned long long)r->n_dropped, REPEAT_INTERVAL / 1000);
	else
		say(prio, "%s", msg);
	if (r == NULL)
		r = oldest;
	r->hash = h;
	r->logged_ms = now_ms;
	r->n_dropped = 0;
	return true;
}

void
vakt_log_repeat(int prio, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)vakt_log_repeat_at(vakt_clock_mono_ms(), prio, msg);
	errno = saved;
}
