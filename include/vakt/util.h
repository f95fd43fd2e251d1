/*
 * util.h: errors, allocators, strings, phone numbers and the clock.
 *
 * Shared by every module.  Nothing here logs except the x-allocators,
 * which log and abort() when memory runs out.
 */
#ifndef VAKT_UTIL_H
#define VAKT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define VAKT_ERR_LEN 512

/*
 * What kind of failure: in the machine (disk, database, network) or in the
 * data the user gave (a refusal: duplicate id, unknown coordinator...).
 * vaktctl maps them to exit codes 74 and 65.
 */
enum vakt_err_kind {
	VAKT_ERR_SYSTEM,
	VAKT_ERR_DATA,
};

/* A failure described by the function that failed; the caller logs it. */
struct vakt_err {
	enum vakt_err_kind kind;
	char msg[VAKT_ERR_LEN];
};

/*
 * Set err from a format; err may be NULL (then nothing happens).
 * vakt_err_set() marks a system failure, vakt_err_data() a refusal of
 * the user's data.
 */
void vakt_err_set(struct vakt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vakt_err_data(struct vakt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocators that log and abort() on OOM.  Caller frees with free(). */
void *vakt_xmalloc(size_t size);
void *vakt_xcalloc(size_t nmemb, size_t size);
void *vakt_xreallocarray(void *ptr, size_t nmemb, size_t size);
char *vakt_xstrdup(const char *s);
char *vakt_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
char *vakt_xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/*
 * Copy src into dst of size dst_len.  Returns 0, or -1 when src did not
 * fit (dst then holds a truncated, NUL-terminated copy).
 */
int vakt_strlcpy(char *dst, const char *src, size_t dst_len);

/* Free a secret string after wiping it.  NULL is a no-op. */
void vakt_free_secret(char *s);

/* True if the len bytes at s are valid UTF-8 with no NUL inside. */
bool vakt_utf8_valid(const char *s, size_t len);

/* Length of s in Unicode code points (s must be valid UTF-8). */
size_t vakt_utf8_chars(const char *s);

/*
 * Phone numbers.  VAKT_E164_LEN holds '+', up to 15 digits and NUL.
 *
 * vakt_e164_normalize() accepts "+<7..15 digits>" (first digit not 0),
 * "00<7..15 digits>", and a Norwegian 8-digit national number without
 * prefix (normalised to +47).  Spaces, dashes, dots and parentheses
 * between digits are ignored.  Returns 0 and fills out, or -1.
 */
#define VAKT_E164_LEN 17
int vakt_e164_normalize(const char *in, char out[VAKT_E164_LEN]);

/* True if s is already in normal form: '+' and 7..15 digits. */
bool vakt_e164_valid(const char *s);

/*
 * Mask a number for logs: all but the country code's first two
 * characters and the last three digits become '*' ("+47*****123").
 * Anything that is not E.164 becomes "(other)" or "(none)".
 * Returns out.
 */
const char *vakt_mask_e164(const char *num, char out[VAKT_E164_LEN]);

/*
 * Wall clock, UTC milliseconds since the epoch.  Read only at the edge.
 * A clock that cannot be read is fatal (vakt_fatal(), exit 1): there is
 * no safe time to make up (see util.c).
 */
int64_t vakt_clock_now_ms(void);

/* Monotonic clock in milliseconds, for durations and timeouts; ditto. */
int64_t vakt_clock_mono_ms(void);

/* Clock id in milliseconds; what the two above read.  Fatal on error. */
int64_t vakt_clock_ms(clockid_t id);

/*
 * Dates as plain integers yyyymmdd (20261224): comparable and compact.
 * vakt_date_parse() accepts exactly "YYYY-MM-DD" with a real calendar
 * date (1900..2200) and returns 0, or -1.  vakt_date_format() writes
 * "YYYY-MM-DD" into out (11 bytes).
 */
int vakt_date_parse(const char *s, int *date);
void vakt_date_format(int date, char out[11]);
int vakt_date_make(int year, int month, int day);
bool vakt_date_valid(int year, int month, int day);
int vakt_days_in_month(int year, int month);

/* Day number since 1970-01-01 of a civil date, and back (proleptic). */
int64_t vakt_days_from_civil(int year, int month, int day);
void vakt_civil_from_days(int64_t days, int *year, int *month, int *day);

/* "HH:MM" (00:00..24:00) to minutes after midnight; 0 or -1. */
int vakt_hhmm_parse(const char *s, int *minutes);

/*
 * A growable list of strings (used for collected error messages).
 * vakt_strlist_free() frees the strings and the array.
 */
struct vakt_strlist {
	char **v;
	size_t n;
	size_t cap;
};

void vakt_strlist_add(struct vakt_strlist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vakt_strlist_free(struct vakt_strlist *l);

/* A growing byte string for renderers (TwiML, metrics, reports). */
struct vakt_buf {
	char *p;
	size_t len;
	size_t cap;
};

void vakt_buf_add(struct vakt_buf *b, const void *data, size_t len);
void vakt_buf_puts(struct vakt_buf *b, const char *s);
void vakt_buf_printf(struct vakt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vakt_buf_vprintf(struct vakt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Append s with & < > " ' escaped for XML/HTML text and attributes;
 * control characters XML cannot carry become '?'.
 */
void vakt_buf_xml(struct vakt_buf *b, const char *s);
/* Give up the string (NUL-terminated; never NULL); b is reset. */
char *vakt_buf_take(struct vakt_buf *b, size_t *len);
void vakt_buf_free(struct vakt_buf *b);

/*
 * A copy of untrusted text that is safe to log or echo (like OpenBSD's
 * stravis(3)): control characters (C0, DEL, C1), backslash and every
 * byte that is not part of valid UTF-8 become \xNN ("\\" for the
 * backslash); valid UTF-8 is kept.  NULL reads as "".  Never NULL;
 * caller frees.
 */
char *vakt_str_vis(const char *s);

#endif
