/*
 * test_gsm.c: which texts stay in the cheap GSM-7 alphabet, folding
 * alerts into it, and segment counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vakt/gsm.h"

Test(gsm, norwegian_letters_are_gsm7_emoji_and_accents_are_not)
{
	cr_assert(vakt_gsm_is_gsm7("Ubesvart anrop fra Ærlige Østen Åsen kl. "
				   "21:14. Ring tilbake."));
	cr_assert(vakt_gsm_is_gsm7("pris 100€ {ok}"), "extension table");
	cr_assert_not(vakt_gsm_is_gsm7("Zoë"));
	cr_assert_not(vakt_gsm_is_gsm7("hei 😀"));
}

Test(gsm, fold_replaces_only_what_gsm7_lacks)
{
	struct vakt_buf b = {0};
	char *s;

	vakt_gsm_fold("Zoë Šimić – æøå é 😀", &b);
	s = vakt_buf_take(&b, NULL);
	cr_assert_str_eq(s, "Zoe Simic - æøå é ?");
	cr_assert(vakt_gsm_is_gsm7(s));
	free(s);
}

Test(gsm, segments_follow_160_153_and_70_67)
{
	char buf[400];

	memset(buf, 'a', 160);
	buf[160] = '\0';
	cr_assert_eq(vakt_gsm_segments(buf), 1);
	buf[160] = 'a';
	buf[161] = '\0';
	cr_assert_eq(vakt_gsm_segments(buf), 2);
	memset(buf, 'a', 306);
	buf[306] = '\0';
	cr_assert_eq(vakt_gsm_segments(buf), 2);
	buf[306] = 'a';
	buf[307] = '\0';
	cr_assert_eq(vakt_gsm_segments(buf), 3);
	cr_assert_eq(vakt_gsm_segments("{}{}"), 1, "extension chars cost two");
	cr_assert_eq(vakt_gsm_segments("hei 😀"), 1);
	for (int i = 0; i < 71; i++)
		memcpy(buf + 2 * i, "ë", 2);
	buf[142] = '\0';
	cr_assert_eq(vakt_gsm_segments(buf), 2, "71 UCS-2 characters");
}

Test(gsm, a_short_forward_is_one_part_with_the_tag)
{
	struct vakt_strlist parts = {0};

	cr_assert_eq(vakt_gsm_forward("U-0142 Ola", "Hei, kan du ringe? 😀",
	    &parts), 1);
	cr_assert_str_eq(parts.v[0], "[U-0142 Ola] Hei, kan du ringe? 😀");
	vakt_strlist_free(&parts);
}

/* Rebuild the body from numbered parts, checking each one's size. */
static char *
rejoin(const struct vakt_strlist *parts, const char *tag)
{
	struct vakt_buf b = {0};

	for (size_t i = 0; i < parts->n; i++) {
		char head[64];
		size_t units = 0;

		snprintf(head, sizeof(head), "[%s %zu/%zu] ", tag, i + 1,
		    parts->n);
		cr_assert_eq(strncmp(parts->v[i], head, strlen(head)), 0,
		    "part %zu starts with %s: %.40s", i, head, parts->v[i]);
		for (const unsigned char *p = (const unsigned char *)parts->v[i];
		     *p != '\0'; p++)
			if ((*p & 0xc0) != 0x80)
				units += (*p >= 0xf0) ? 2 : 1;
		cr_assert_leq(units, VAKT_SMS_MAX, "part %zu has %zu units", i,
		    units);
		vakt_buf_puts(&b, parts->v[i] + strlen(head));
	}
	return vakt_buf_take(&b, NULL);
}

Test(gsm, a_long_forward_splits_into_numbered_parts_losing_nothing)
{
	struct vakt_buf body = {0};
	struct vakt_strlist parts = {0};
	char *body_s, *back;

	/* 1,590 characters: the tag pushes it over 1,600. */
	for (int i = 0; i < 159; i++)
		vakt_buf_puts(&body, i % 7 == 0 ? "æøå hei 😀" : "hallo der ");
	body_s = vakt_buf_take(&body, NULL);
	cr_assert_eq(vakt_gsm_forward("U-0142 Ola", body_s, &parts), 2);
	back = rejoin(&parts, "U-0142 Ola");
	cr_assert_str_eq(back, body_s, "every character, in order");
	free(back);
	free(body_s);
	vakt_strlist_free(&parts);
}

Test(gsm, a_very_long_forward_without_spaces_still_splits_between_characters)
{
	struct vakt_buf body = {0};
	struct vakt_strlist parts = {0};
	char *body_s, *back;
	size_t n;

	for (int i = 0; i < 5000; i++)
		vakt_buf_puts(&body, "ø");
	body_s = vakt_buf_take(&body, NULL);
	n = vakt_gsm_forward("ukjent +4791234567", body_s, &parts);
	cr_assert_eq(n, 4);
	back = rejoin(&parts, "ukjent +4791234567");
	cr_assert_str_eq(back, body_s);
	free(back);
	free(body_s);
	vakt_strlist_free(&parts);
}
