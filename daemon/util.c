/*
 * util.c: errors, x-allocators, strings, UTF-8, phone numbers, dates and
 * the clock.  The clock is read here and nowhere else.
 */
#include "vakt/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vakt/log.h"

static void err_vset(struct vakt_err *err, enum vakt_err_kind kind,
    const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void
err_vset(
    struct vakt_err *err, enum vakt_err_kind kind, const char *fmt, va_list ap)
{
	if (err == NULL)
		return;
	err->kind = kind;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

void
vakt_err_set(struct vakt_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, VAKT_ERR_SYSTEM, fmt, ap);
	va_end(ap);
}

void
vakt_err_data(struct vakt_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, VAKT_ERR_DATA, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) oom(size_t size)
{
	vakt_log_errx("out of memory allocating %zu bytes", size);
	abort();
}

void *
vakt_xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		oom(size);
	return p;
}

void *
vakt_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
vakt_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p =
	    reallocarray(ptr, nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

char *
vakt_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom(strlen(s) + 1);
	return p;
}

/* vasprintf() is a GNU extension; this is the portable equivalent. */
char *
vakt_xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) /* a bad conversion, not memory: say so in the text */
		return vakt_xstrdup("(unprintable)");
	p = vakt_xmalloc((size_t)n + 1);
	(void)vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
vakt_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vakt_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int
vakt_strlcpy(char *dst, const char *src, size_t dst_len)
{
	size_t len = strlen(src);

	if (dst_len == 0)
		return -1;
	if (len >= dst_len) {
		memcpy(dst, src, dst_len - 1);
		dst[dst_len - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

void
vakt_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above
 * U+10FFFF, and no NUL inside the given length.
 */
bool
vakt_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned cp, min;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

size_t
vakt_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Copy the digits of in (skipping separators) into digits; -1 if junk. */
static int
phone_digits(const char *in, char *digits, size_t cap, bool *plus)
{
	size_t n = 0;

	*plus = false;
	while (*in == ' ')
		in++;
	if (*in == '+') {
		*plus = true;
		in++;
	}
	for (; *in != '\0'; in++) {
		if (strchr(" -.()", *in) != NULL)
			continue;
		if (!isdigit((unsigned char)*in) || n + 1 >= cap)
			return -1;
		digits[n++] = *in;
	}
	digits[n] = '\0';
	return 0;
}

int
vakt_e164_normalize(const char *in, char out[VAKT_E164_LEN])
{
	char d[32];
	const char *num;
	bool plus;
	int n;

	if (in == NULL || phone_digits(in, d, sizeof(d), &plus) == -1)
		return -1;
	num = d;
	if (!plus && strncmp(d, "00", 2) == 0)
		num = d + 2;
	else if (!plus && strlen(d) == 8) {
		/* A Norwegian national number: 8 digits, no trunk prefix. */
		n = snprintf(out, VAKT_E164_LEN, "+47%s", d);
		return n == 11 && d[0] != '0' ? 0 : -1;
	} else if (!plus)
		return -1;
	n = snprintf(out, VAKT_E164_LEN, "+%s", num);
	if (n < 0 || n >= VAKT_E164_LEN || !vakt_e164_valid(out))
		return -1;
	return 0;
}

bool
vakt_e164_valid(const char *s)
{
	size_t n;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (n = 1; s[n] != '\0'; n++)
		if (!isdigit((unsigned char)s[n]))
			return false;
	return n - 1 >= 7 && n - 1 <= 15;
}

const char *
vakt_mask_e164(const char *num, char out[VAKT_E164_LEN])
{
	size_t len, i;

	if (num == NULL || num[0] == '\0') {
		(void)vakt_strlcpy(out, "(none)", VAKT_E164_LEN);
		return out;
	}
	if (!vakt_e164_valid(num)) {
		(void)vakt_strlcpy(out, "(other)", VAKT_E164_LEN);
		return out;
	}
	len = strlen(num);
	for (i = 0; i < len; i++)
		out[i] = (i < 3 || i >= len - 3) ? num[i] : '*';
	out[len] = '\0';
	return out;
}

/*
 * clock_gettime() fails only with EINVAL (a clock this kernel lacks)
 * or EFAULT, and never for CLOCK_REALTIME or CLOCK_MONOTONIC on Linux:
 * a failure means the process or the system is broken.  No answer is
 * safe then.  The old 0 (1 January 1970) silently routed by the wrong
 * office hours, stamped contacts in 1970, made every timeout expire at
 * once and could let the purge reason about a 56-year-old log.  So it is
 * fatal (corrupted internal state): vaktd exits, systemd restarts it
 * (Restart=always) and Twilio's fallback URL answers calls meanwhile.
 */
int64_t
vakt_clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		vakt_fatal("clock_gettime(clock %d)", (int)id);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
vakt_clock_now_ms(void)
{
	return vakt_clock_ms(CLOCK_REALTIME);
}

int64_t
vakt_clock_mono_ms(void)
{
	return vakt_clock_ms(CLOCK_MONOTONIC);
}

int
vakt_days_in_month(int year, int month)
{
	static const int days[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool
vakt_date_valid(int year, int month, int day)
{
	return year >= 1900 && year <= 2200 && month >= 1 && month <= 12 &&
	    day >= 1 && day <= vakt_days_in_month(year, month);
}

int
vakt_date_make(int year, int month, int day)
{
	return year * 10000 + month * 100 + day;
}

int
vakt_date_parse(const char *s, int *date)
{
	int y, m, d, n = 0;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    !vakt_date_valid(y, m, d))
		return -1;
	*date = vakt_date_make(y, m, d);
	return 0;
}

void
vakt_date_format(int date, char out[11])
{
	unsigned d = (unsigned)date;

	(void)snprintf(out, 11, "%04u-%02u-%02u", d / 10000 % 10000,
	    d / 100 % 100, d % 100);
}

/* Howard Hinnant's days_from_civil, valid far beyond 1900..2200. */
int64_t
vakt_days_from_civil(int year, int month, int day)
{
	int64_t y = year - (month <= 2 ? 1 : 0);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
vakt_civil_from_days(int64_t z, int *year, int *month, int *day)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(y + (*month <= 2 ? 1 : 0));
}

int
vakt_hhmm_parse(const char *s, int *minutes)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

void
vakt_strlist_add(struct vakt_strlist *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vakt_xvasprintf(fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = vakt_xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

void
vakt_strlist_free(struct vakt_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void
vakt_buf_add(struct vakt_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;

		while (cap < b->len + len + 1)
			cap *= 2;
		b->p = vakt_xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
vakt_buf_puts(struct vakt_buf *b, const char *s)
{
	vakt_buf_add(b, s, strlen(s));
}

void
vakt_buf_vprintf(struct vakt_buf *b, const char *fmt, va_list ap)
{
	char *s = vakt_xvasprintf(fmt, ap);

	vakt_buf_puts(b, s);
	free(s);
}

void
vakt_buf_printf(struct vakt_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vakt_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
vakt_buf_xml(struct vakt_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			vakt_buf_puts(b, "&amp;");
			break;
		case '<':
			vakt_buf_puts(b, "&lt;");
			break;
		case '>':
			vakt_buf_puts(b, "&gt;");
			break;
		case '"':
			vakt_buf_puts(b, "&quot;");
			break;
		case '\'':
			vakt_buf_puts(b, "&#39;");
			break;
		default:
			/* XML 1.0 has no place for other C0 controls. */
			if ((unsigned char)*s < 0x20 && *s != '\t' &&
			    *s != '\n' && *s != '\r')
				vakt_buf_add(b, "?", 1);
			else
				vakt_buf_add(b, s, 1);
		}
	}
}

char *
vakt_buf_take(struct vakt_buf *b, size_t *len)
{
	char *p;

	if (b->p == NULL)
		vakt_buf_add(b, "", 0);
	p = b->p;
	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
vakt_buf_free(struct vakt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/*
 * The length of the valid UTF-8 sequence at s (at most len bytes) and
 * its code point, or 0 if the bytes there are not one (same rules as
 * vakt_utf8_valid()).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len, unsigned *cp_out)
{
	size_t need;
	unsigned cp, min;

	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		need = 1, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		need = 2, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		need = 3, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len <= need)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return need + 1;
}

static void
vis_byte(struct vakt_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};

	vakt_buf_add(b, esc, sizeof(esc));
}

char *
vakt_str_vis(const char *str)
{
	const unsigned char *s =
	    (const unsigned char *)(str != NULL ? str : "");
	size_t len = strlen((const char *)s), i = 0;
	struct vakt_buf b = {0};

	while (i < len) {
		unsigned cp = 0;
		size_t n = utf8_seq(s + i, len - i, &cp);

		if (cp == '\\' && n == 1) {
			vakt_buf_add(&b, "\\\\", 2);
		} else if (n == 0) {
			vis_byte(&b, s[i]); /* not UTF-8: this byte alone */
			n = 1;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			for (size_t k = 0; k < n; k++)
				vis_byte(&b, s[i + k]); /* C0, DEL, C1 */
		} else {
			vakt_buf_add(&b, s + i, n);
		}
		i += n;
	}
	return vakt_buf_take(&b, NULL);
}
