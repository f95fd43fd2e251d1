/*
 * auth.h: API tokens.  A token is shown once when it is made; the
 * database keeps only its SHA-256.  Requests carry it as
 * "Authorization: Bearer TOKEN" or, so that a browser can open the
 * HTML report, as the password of HTTP Basic auth.
 */
#ifndef VAKT_AUTH_H
#define VAKT_AUTH_H

#include <stddef.h>

#define VAKT_TOKEN_LEN 72 /* "vakt_" + 64 hex digits, and NUL */
#define VAKT_HASH_LEN  65 /* 64 hex digits, and NUL */

enum vakt_auth_role {
	VAKT_AUTH_LEADER = 0, /* reads reports */
	VAKT_AUTH_ADMIN = 1,  /* also the directory and the audit trail */
};

/* "leader", "admin" <-> the enum; 0 or -1. */
int vakt_auth_role_parse(const char *s, enum vakt_auth_role *out);
const char *vakt_auth_role_name(enum vakt_auth_role r);

/* A new random token (256 bits from the OS).  0, or -1. */
int vakt_auth_token_new(char out[VAKT_TOKEN_LEN]);

/* Hex SHA-256 of token. */
void vakt_auth_hash(const char *token, char out[VAKT_HASH_LEN]);

/*
 * The token in an Authorization header value: "Bearer T", or "Basic
 * base64(user:T)" (user ignored).  0 with out set, or -1 if there is
 * none.
 */
int vakt_auth_from_header(const char *value, char *out, size_t len);

#endif
