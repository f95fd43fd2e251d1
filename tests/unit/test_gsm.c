/*
 * test_gsm.c: which texts stay in the cheap GSM-7 alphabet, folding
 * alerts into it, and segment counts.
 */
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
