/*
 * test_session.c: the pure parts of login (session.c, auth.c): the
 * session cookie in a Cookie header, the login JSON body, the
 * Set-Cookie value, the constant-time comparison, login codes and the
 * order of roles.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vakt/auth.h"
#include "vakt/session.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

Test(session, the_cookie_is_found_among_others)
{
	char v[VAKT_SESSION_VALUE_LEN];

	cr_assert_eq(vakt_session_cookie_value("vakt_session=" HEX64, v), 0);
	cr_assert_str_eq(v, HEX64);
	cr_assert_eq(vakt_session_cookie_value(
	                 "a=1; b=2;vakt_session=" HEX64 "; c=3", v),
	    0);
	cr_assert_str_eq(v, HEX64);
}

Test(session, a_cookie_that_is_not_64_lower_hex_digits_is_none)
{
	char v[VAKT_SESSION_VALUE_LEN];

	cr_assert_eq(vakt_session_cookie_value(NULL, v), -1);
	cr_assert_eq(vakt_session_cookie_value("", v), -1);
	cr_assert_eq(vakt_session_cookie_value("vakt_session=", v), -1);
	cr_assert_eq(vakt_session_cookie_value("vakt_session=abc", v), -1);
	cr_assert_eq(
	    vakt_session_cookie_value("vakt_session=" HEX64 "0", v), -1);
	cr_assert_eq(vakt_session_cookie_value(
	                 "vakt_session=0123456789ABCDEF0123456789abcdef"
	                 "0123456789abcdef0123456789abcdef",
	                 v),
	    -1, "upper case");
	cr_assert_eq(vakt_session_cookie_value("xvakt_session=" HEX64, v), -1,
	    "another cookie's name");
}

Test(session, a_login_body_gives_phone_and_a_six_digit_code)
{
	char phone[VAKT_SESSION_PHONE_IN_MAX], code[7];
	const char *b = "{\"phone\": \"+4791234567\", \"code\": \"012345\"}";

	cr_assert_eq(vakt_session_login_body(b, strlen(b), phone, code), 0);
	cr_assert_str_eq(phone, "+4791234567");
	cr_assert_str_eq(code, "012345");
	b = "{\"phone\": \"+4791234567\"}";
	cr_assert_eq(vakt_session_login_body(b, strlen(b), phone, NULL), 0);
	cr_assert_eq(vakt_session_login_body(b, strlen(b), phone, code), -1,
	    "no code");
}

Test(session, a_bad_login_body_is_refused)
{
	static const char *const bad[] = {"", "[]", "{\"phone\": 47}",
	    "{\"phone\": \"+47\", \"code\": \"12345\"}",
	    "{\"phone\": \"+47\", \"code\": \"1234567\"}",
	    "{\"phone\": \"+47\", \"code\": \"12a456\"}",
	    "{\"phone\": \"+47\", \"phone\": \"+48\", \"code\": \"123456\"}",
	    "{\"phone\": \"+4712345678901234567890123456789012\", "
	    "\"code\": \"123456\"}"};
	char phone[VAKT_SESSION_PHONE_IN_MAX], code[7];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_eq(vakt_session_login_body(
		                 bad[i], strlen(bad[i]), phone, code),
		    -1, "%s", bad[i]);
	cr_assert_eq(vakt_session_login_body(NULL, 0, phone, code), -1);
}

Test(session, the_cookie_is_httponly_strict_and_secure_only_for_https)
{
	char c[192];

	vakt_session_set_cookie(c, sizeof(c), HEX64, true);
	cr_assert_str_eq(c, "vakt_session=" HEX64
	    "; HttpOnly; SameSite=Strict; Path=/; Secure");
	vakt_session_set_cookie(c, sizeof(c), HEX64, false);
	cr_assert_str_eq(
	    c, "vakt_session=" HEX64 "; HttpOnly; SameSite=Strict; Path=/");
	vakt_session_set_cookie(c, sizeof(c), NULL, false);
	cr_assert_str_eq(
	    c, "vakt_session=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/");
}

Test(session, equal_compares_whole_strings)
{
	cr_assert(vakt_session_equal("abc", "abc"));
	cr_assert(vakt_session_equal("", ""));
	cr_assert_not(vakt_session_equal("abc", "abd"));
	cr_assert_not(vakt_session_equal("abc", "ab"));
	cr_assert_not(vakt_session_equal("ab", "abc"));
	cr_assert_not(vakt_session_equal("", "a"));
}

Test(session, codes_are_six_digits_and_vary)
{
	char a[7], b[7];
	int same = 0;

	for (int i = 0; i < 20; i++) {
		cr_assert_eq(vakt_auth_code_new(a), 0);
		cr_assert_eq(vakt_auth_code_new(b), 0);
		cr_assert_eq(strlen(a), 6);
		cr_assert_eq(strspn(a, "0123456789"), 6, "%s", a);
		same += strcmp(a, b) == 0;
	}
	cr_assert_lt(same, 2, "random codes");
}

Test(session, roles_are_ordered_coordinator_leader_admin)
{
	cr_assert(vakt_auth_role_covers(VAKT_AUTH_ADMIN, VAKT_AUTH_LEADER));
	cr_assert(vakt_auth_role_covers(VAKT_AUTH_LEADER, VAKT_AUTH_COORDINATOR));
	cr_assert(vakt_auth_role_covers(VAKT_AUTH_LEADER, VAKT_AUTH_LEADER));
	cr_assert_not(
	    vakt_auth_role_covers(VAKT_AUTH_COORDINATOR, VAKT_AUTH_LEADER));
	cr_assert_not(vakt_auth_role_covers(VAKT_AUTH_LEADER, VAKT_AUTH_ADMIN));
	cr_assert_str_eq(
	    vakt_auth_role_name(VAKT_AUTH_COORDINATOR), "coordinator");
}
