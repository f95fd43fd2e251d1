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

#define LOG_LINE_MAX 1024

static bool verbose;

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
