/*
 * auth.h: API tokens.  A token is shown once when it is made; the
 * database keeps only its SHA-256.  Requests carry it as
 * "Authorization: Bearer TOKEN" or, so that a browser can open the
 * HTML report, as the password of HTTP Basic auth.
 */
#ifndef VAKT_AUTH_H
#define VAKT_AUTH_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#define VAKT_TOKEN_LEN 72 /* "vakt_" + 64 hex digits, and NUL */
#define VAKT_HASH_LEN  65 /* 64 hex digits, and NUL */

enum vakt_auth_role {
	VAKT_AUTH_LEADER = 0, /* reads reports */
	VAKT_AUTH_ADMIN = 1,  /* also the directory and the audit trail */
	/* A coordinator's login session: their own youths only (issue 11). */
	VAKT_AUTH_COORDINATOR = 2,
};

/*
 * May role do what need asks?  coordinator < leader < admin: an admin
 * may do what a leader may, a leader what a coordinator may.
 */
bool vakt_auth_role_covers(enum vakt_auth_role role, enum vakt_auth_role need);

/*
 * "leader", "admin" <-> the enum; 0 or -1.  Parse takes only those two
 * (tokens and staff); the name of VAKT_AUTH_COORDINATOR is
 * "coordinator".
 */
int vakt_auth_role_parse(const char *s, enum vakt_auth_role *out);
const char *vakt_auth_role_name(enum vakt_auth_role r);

/* A new random token (256 bits from the OS).  0, or -1. */
int vakt_auth_token_new(char out[VAKT_TOKEN_LEN]);

/*
 * n random bytes from the OS as 2n hex digits and a NUL into out (room
 * for 2n + 1).  0, or -1 if the OS has none to give.
 */
int vakt_auth_random_hex(char *out, size_t n);

/* A uniformly random 6-digit code "000000".."999999".  0, or -1. */
int vakt_auth_code_new(char out[7]);

/* Hex SHA-256 of token. */
void vakt_auth_hash(const char *token, char out[VAKT_HASH_LEN]);

/*
 * The token in an Authorization header value: "Bearer T", or "Basic
 * base64(user:T)" (user ignored).  0 with out (len bytes) set, or -1 if
 * there is none: no header, another scheme, an empty token, one that
 * does not fit in out, or Basic credentials that are not strict base64
 * of "user:T" (bad length or characters, misplaced padding, no colon, a
 * NUL) or decode to more than 500 bytes.  Callers answer -1 with 401.
 * Decoded secrets are wiped before return.
 */
int vakt_auth_from_header(const char *value, char *out, size_t len);

/*
 * The audit actor of a vaktctl run into out (len bytes, truncated to
 * fit): "cli:NAME" for the real uid's user name (name; NULL when the
 * uid has no passwd entry: "cli:uid:N").  sudo_user is SUDO_USER from
 * the environment (may be NULL), which anyone can set: it is believed
 * only when the real uid is 0, as under sudo, and only if it looks like
 * a user name ([A-Za-z0-9._-], 1..32): then "cli:root via sudo by X".
 * Pure: the caller reads getuid(), getpwuid() and the environment.
 */
void vakt_auth_cli_actor(
    char *out, size_t len, uid_t uid, const char *name, const char *sudo_user);

#endif
