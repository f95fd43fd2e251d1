/*
 * gsm.c: the GSM 03.38 alphabet, folding into it, and segment counts.
 */
#include "vakt/gsm.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The basic table, as Unicode code points (ESC at 0x1b left out). */
static const uint16_t gsm_basic[] = {'@', 0xa3, '$', 0xa5, 0xe8, 0xe9, 0xf9,
    0xec, 0xf2, 0xc7, '\n', 0xd8, 0xf8, '\r', 0xc5, 0xe5, 0x394, '_', 0x3a6,
    0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, 0xc6, 0xe6, 0xdf,
    0xc9, ' ', '!', '"', '#', 0xa4, '%', '&', '\'', '(', ')', '*', '+', ',',
    '-', '.', '/', ':', ';', '<', '=', '>', '?', 0xa1, 0xc4, 0xd6, 0xd1, 0xdc,
    0xa7, 0xbf, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0};

/* The extension table: each costs two septets. */
static const char gsm_ext[] = "^{}\\[~]|";

struct fold {
	uint16_t from;
	char to;
};

/* Latin letters outside GSM-7, and their plain stand-ins. */
static const struct fold folds[] = {{0xe1, 'a'}, {0xe2, 'a'}, {0xe3, 'a'},
    {0xc1, 'A'}, {0xc2, 'A'}, {0xc3, 'A'}, {0xc0, 'A'}, {0xe7, 'c'},
    {0xeb, 'e'}, {0xea, 'e'}, {0xc8, 'E'}, {0xca, 'E'}, {0xcb, 'E'},
    {0xed, 'i'}, {0xee, 'i'}, {0xef, 'i'}, {0xcc, 'I'}, {0xcd, 'I'},
    {0xce, 'I'}, {0xcf, 'I'}, {0xf3, 'o'}, {0xf4, 'o'}, {0xf5, 'o'},
    {0xd2, 'O'}, {0xd3, 'O'}, {0xd4, 'O'}, {0xd5, 'O'}, {0xfa, 'u'},
    {0xfb, 'u'}, {0xd9, 'U'}, {0xda, 'U'}, {0xdb, 'U'}, {0xfd, 'y'},
    {0xff, 'y'}, {0xdd, 'Y'}, {0x161, 's'}, {0x160, 'S'}, {0x17e, 'z'},
    {0x17d, 'Z'}, {0x10d, 'c'}, {0x10c, 'C'}, {0x107, 'c'}, {0x106, 'C'},
    {0x142, 'l'}, {0x141, 'L'}, {0x144, 'n'}, {0x15b, 's'}, {0x17a, 'z'},
    {0x17c, 'z'}, {0x111, 'd'}, {0x110, 'D'}, {0x11f, 'g'}, {0x15f, 's'},
    {0x131, 'i'}, {0x130, 'I'}, {0x2013, '-'}, {0x2014, '-'}, {0x2018, '\''},
    {0x2019, '\''}, {0x201c, '"'}, {0x201d, '"'}, {0xa0, ' '}};

/* Decode one UTF-8 character at *s (valid input assumed). */
static uint32_t
next_cp(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t cp;
	int n;

	if (p[0] < 0x80)
		cp = p[0], n = 1;
	else if ((p[0] & 0xe0) == 0xc0)
		cp = p[0] & 0x1fu, n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		cp = p[0] & 0x0fu, n = 3;
	else
		cp = p[0] & 0x07u, n = 4;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return '?';
		}
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	*s += n;
	return cp;
}

/* Septets cp costs in GSM-7: 1, 2 (extension), or 0 if not in it. */
static int
septets(uint32_t cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
	    (cp >= '0' && cp <= '9'))
		return 1;
	for (size_t i = 0; i < sizeof(gsm_basic) / sizeof(gsm_basic[0]); i++)
		if (gsm_basic[i] == cp)
			return 1;
	if (cp == 0x20ac || cp == '\f' ||
	    (cp < 0x80 && cp != 0 &&
	        memchr(gsm_ext, (int)cp, sizeof(gsm_ext) - 1) != NULL))
		return 2;
	return 0;
}

bool
vakt_gsm_is_gsm7(const char *s)
{
	while (*s != '\0')
		if (septets(next_cp(&s)) == 0)
			return false;
	return true;
}

void
vakt_gsm_fold(const char *s, struct vakt_buf *out)
{
	while (*s != '\0') {
		const char *start = s;
		uint32_t cp = next_cp(&s);
		char c = '?';

		if (septets(cp) > 0) {
			vakt_buf_add(out, start, (size_t)(s - start));
			continue;
		}
		for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++)
			if (folds[i].from == cp)
				c = folds[i].to;
		vakt_buf_add(out, &c, 1);
	}
}

size_t
vakt_gsm_segments(const char *s)
{
	size_t n = 0;
	bool gsm = vakt_gsm_is_gsm7(s);

	/* GSM-7 counts septets; UCS-2 counts UTF-16 code units. */
	while (*s != '\0') {
		uint32_t cp = next_cp(&s);

		n += gsm ? (size_t)septets(cp) : (cp > 0xffff ? 2u : 1u);
	}
	if (n == 0)
		return 1;
	if (gsm)
		return n <= 160 ? 1 : (n + 152) / 153;
	return n <= 70 ? 1 : (n + 66) / 67;
}

#define HEAD_MAX 256 /* "[" code, name, " 12/34] " */

/* UTF-16 units of the UTF-8 string s (what Twilio's limit counts). */
static size_t
units(const char *s, size_t len)
{
	const char *end = s + len;
	size_t n = 0;

	while (s < end)
		n += next_cp(&s) > 0xffff ? 2 : 1;
	return n;
}

/*
 * Bytes of body (from its start) that fit in room UTF-16 units, ending
 * after a space or line break in the last eighth when there is one.
 */
static size_t
chunk_len(const char *body, size_t room)
{
	const char *s = body, *cut = body, *soft = NULL;
	size_t used = 0;

	while (*s != '\0') {
		uint32_t cp = next_cp(&s);
		size_t u = cp > 0xffff ? 2 : 1;

		if (used + u > room)
			break;
		used += u;
		cut = s;
		if ((cp == ' ' || cp == '\n') && used >= room - room / 8)
			soft = s;
	}
	if (*cut != '\0' && soft != NULL)
		cut = soft;
	return (size_t)(cut - body);
}

/* Split body for n parts; returns the number actually needed. */
static size_t
split(const char *tag, const char *body, size_t n, struct vakt_strlist *out)
{
	size_t made = 0;

	while (*body != '\0' || made == 0) {
		char head[HEAD_MAX];
		size_t room, len;

		/* A forward names its sender; a reply to a youth does not. */
		if (tag != NULL)
			snprintf(head, sizeof(head), "[%s %zu/%zu] ", tag,
			    made + 1, n);
		else
			snprintf(head, sizeof(head), "(%zu/%zu) ", made + 1, n);
		room = VAKT_SMS_MAX - units(head, strlen(head));
		len = chunk_len(body, room);
		if (out != NULL)
			vakt_strlist_add(out, "%s%.*s", head, (int)len, body);
		body += len;
		made++;
	}
	return made;
}

/* body in numbered parts, each with its head (tag NULL: "(i/n) "). */
static size_t
numbered(const char *tag, const char *body, struct vakt_strlist *out)
{
	size_t n = 2;

	/*
	 * The width of the part numbers changes the room left: settle on
	 * a count (it grows, so a few rounds suffice).
	 */
	for (int round = 0; round < 8; round++) {
		size_t guess = n;

		n = split(tag, body, guess, NULL);
		if (n <= guess) {
			n = guess;
			break;
		}
	}
	return split(tag, body, n, out);
}

size_t
vakt_gsm_forward(const char *tag, const char *body, struct vakt_strlist *out)
{
	char head[HEAD_MAX];

	snprintf(head, sizeof(head), "[%s] ", tag);
	if (units(head, strlen(head)) + units(body, strlen(body)) <=
	    VAKT_SMS_MAX) {
		vakt_strlist_add(out, "%s%s", head, body);
		return 1;
	}
	return numbered(tag, body, out);
}

size_t
vakt_gsm_reply(const char *body, struct vakt_strlist *out)
{
	if (units(body, strlen(body)) <= VAKT_SMS_MAX) {
		if (out != NULL)
			vakt_strlist_add(out, "%s", body);
		return 1;
	}
	return numbered(NULL, body, out);
}
