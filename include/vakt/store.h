/*
 * store.h: the SQLite database shared by vaktd and vaktctl.
 *
 * Owns the schema and its migrations (PRAGMA user_version), and every
 * SQL statement, each prepared once at open.  Opens in WAL mode with
 * foreign keys on, synchronous=FULL and a busy timeout.  Writes use
 * BEGIN IMMEDIATE because two processes share the file.  Nothing here
 * logs; failures come back in struct vakt_err (kind VAKT_ERR_DATA for
 * refusals of the caller's data, VAKT_ERR_SYSTEM for SQLite failures,
 * the message then carrying the path or sqlite3_errmsg()).
 *
 * Times are UTC milliseconds; civil dates (absences) are yyyymmdd.
 */
#ifndef VAKT_STORE_H
#define VAKT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vakt/auth.h"
#include "vakt/contact.h"
#include "vakt/report.h"
#include "vakt/router.h"
#include "vakt/util.h"

struct vakt_store; /* opaque, daemon/store.c */

/* The schema version this binary writes (PRAGMA user_version). */
#define VAKT_STORE_VERSION 8

/*
 * Open the existing database at path and apply the migrations it
 * lacks (one transaction each).  It never creates one: a missing file,
 * or an empty one, is refused with kind VAKT_ERR_DATA and a message
 * "PATH: no database" (the caller adds how to make one: `vaktctl init`).
 * busy_timeout_ms is how long a statement waits for a lock held by the
 * other process.  A database newer than this binary is refused, and so
 * is an SQLite file with tables that vakt did not make (schema version
 * 0); these and I/O failures are kind VAKT_ERR_SYSTEM, the message
 * naming path and SQLite's reason, e.g.
 * "/x/vakt.db: cannot read: file is not a database".  Returns a store
 * the caller releases with vakt_store_close(), or NULL with err set.
 */
struct vakt_store *vakt_store_open(
    const char *path, int busy_timeout_ms, struct vakt_err *err);

/*
 * vaktctl init: like vakt_store_open(), but a missing or empty file is
 * created with the whole schema.  An existing vakt database is only
 * migrated, never emptied.  *found_version (may be NULL) gets the
 * schema version found before (0 for a new database).
 */
struct vakt_store *vakt_store_create(const char *path, int busy_timeout_ms,
    int *found_version, struct vakt_err *err);

void vakt_store_close(struct vakt_store *st); /* NULL is a no-op */

/* Schema version of the open database. */
int vakt_store_version(struct vakt_store *st);

/* A cheap read that proves the database answers (for /healthz). */
int vakt_store_ping(struct vakt_store *st, struct vakt_err *err);

/*
 * Whether the path still names the open database file: 0 yes, -1 with
 * err "database file deleted: …" when the file was unlinked or the path
 * now names another file (writes then go to a file that no one will
 * open again).  One stat(); for /healthz and a periodic check.
 */
int vakt_store_check(struct vakt_store *st, struct vakt_err *err);

/*
 * The directory.  Ids are 1..63 characters of [A-Za-z0-9._-] and are
 * unique across services (a youth's id is its code, e.g. "U-0142").
 * Names are UTF-8 without control characters.  Phones are E.164
 * (callers normalise with vakt_e164_normalize() first).
 */
struct vakt_coordinator {
	char id[VAKT_ID_LEN];
	char service[VAKT_ID_LEN];
	char name[VAKT_NAME_LEN];
	char phone[VAKT_E164_LEN];
};

struct vakt_youth {
	char id[VAKT_ID_LEN];
	char service[VAKT_ID_LEN];
	char name[VAKT_NAME_LEN]; /* may be empty */
	char phone[VAKT_E164_LEN];
	char coordinator[VAKT_ID_LEN];
};

struct vakt_absence {
	int64_t id; /* set by vakt_store_absence_add() */
	char coordinator[VAKT_ID_LEN];
	int from;                     /* yyyymmdd, inclusive */
	int to;                       /* yyyymmdd, inclusive */
	char substitute[VAKT_ID_LEN]; /* "" for none */
};

/*
 * Mutations.  Each runs in its own BEGIN IMMEDIATE transaction and
 * writes an audit row (actor, action, subject, detail) in it; now_ms
 * stamps both.  Refusals (VAKT_ERR_DATA) say exactly why, e.g.
 *   coordinator add: id "kari" already exists
 *   youth add: phone +4791234567 already belongs to youth U-0001
 *   youth add: phone +4791234567 belongs to coordinator kari
 *   coordinator remove: kari still has youths U-0001, U-0002
 *   coordinator remove: kari is the substitute in absence 3
 *   youth add: no coordinator "nina" in service due
 * A youth's coordinator must belong to the youth's service; a
 * substitute must be another coordinator of the same service.  A phone
 * may not be used by two youths of one service, nor by a youth and a
 * coordinator of one service (a staff reply must never be mistaken for
 * a youth's message).  Removing a coordinator also removes their
 * absences.  Absence dates must be real dates with from <= to.
 * Audit details never hold a full phone number (vakt_mask_e164()).
 * Moving a youth to the coordinator they already have changes nothing
 * and writes no audit row.
 */
int vakt_store_coordinator_add(struct vakt_store *st,
    const struct vakt_coordinator *c, const char *actor, int64_t now_ms,
    struct vakt_err *err);
int vakt_store_coordinator_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err);
int vakt_store_youth_add(struct vakt_store *st, const struct vakt_youth *y,
    const char *actor, int64_t now_ms, struct vakt_err *err);
int vakt_store_youth_move(struct vakt_store *st, const char *id,
    const char *coordinator, const char *actor, int64_t now_ms,
    struct vakt_err *err);
int vakt_store_youth_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err);
/* Sets a->id to the new absence's number. */
int vakt_store_absence_add(struct vakt_store *st, struct vakt_absence *a,
    const char *actor, int64_t now_ms, struct vakt_err *err);
int vakt_store_absence_remove(struct vakt_store *st, int64_t id,
    const char *actor, int64_t now_ms, struct vakt_err *err);

/*
 * Listings, sorted by id (absences by from date, then id).  service
 * NULL means all services.  *out is an array of *n items that the
 * caller frees with free() (NULL when *n is 0).
 */
int vakt_store_coordinator_list(struct vakt_store *st, const char *service,
    struct vakt_coordinator **out, size_t *n, struct vakt_err *err);
int vakt_store_youth_list(struct vakt_store *st, const char *service,
    struct vakt_youth **out, size_t *n, struct vakt_err *err);
int vakt_store_absence_list(struct vakt_store *st, const char *service,
    struct vakt_absence **out, size_t *n, struct vakt_err *err);

/* Fetch one by id: 1 found, 0 not found, -1 error. */
int vakt_store_coordinator_get(struct vakt_store *st, const char *id,
    struct vakt_coordinator *out, struct vakt_err *err);
int vakt_store_youth_get(struct vakt_store *st, const char *id,
    struct vakt_youth *out, struct vakt_err *err);

/*
 * CSV import, all or nothing.  Each row is a coordinator or a youth
 * with the line it came from; an existing id is updated (name, phone,
 * coordinator), a new one added.  Coordinators are applied before
 * youths.  The first row that is refused rolls everything back and err
 * names its line: "line 7: youth U-0009: no coordinator \"nina\" in
 * service due".  An id on two rows, or a row that would move a record
 * to another service, is refused.  *n_added and *n_updated count the
 * records written; a row equal to the stored record counts in neither
 * and is not audited.  One audit row per record written, plus one
 * "import" row with the totals.
 */
/* A coordinator or a youth, as is_youth says. */
union vakt_import_record {
	struct vakt_coordinator coordinator;
	struct vakt_youth youth;
};

struct vakt_import_row {
	int line;
	bool is_youth;
	union vakt_import_record u;
};

int vakt_store_import(struct vakt_store *st, const struct vakt_import_row *rows,
    size_t n, const char *actor, int64_t now_ms, size_t *n_added,
    size_t *n_updated, struct vakt_err *err);

/*
 * What the directory knows of number calling service on local date
 * (yyyymmdd): the youth, their coordinator, and the coordinator's
 * absences that cover date (with substitutes), by from date, at most
 * VAKT_ABSENCES_MAX.  out->is_known is false for a number that is no
 * youth of the service (NULL or "" included).  0, or -1 when the
 * database could not be read (the caller then routes to safety).
 * Two indexed look-ups; runs on every call.
 */
int vakt_store_lookup_caller(struct vakt_store *st, const char *service,
    const char *number, int date, struct vakt_caller *out,
    struct vakt_err *err);

/*
 * Staff besides the coordinators (who are staff implicitly, with role
 * coordinator): leaders and admins, optionally tied to one service.
 * A staff id is never a coordinator's id and a staff phone belongs to
 * one staff member.  Add and remove are audited like the directory
 * (staff.add, staff.remove; masked phones).  Refusals, kind data:
 *   staff add: id "kari" already exists
 *   staff add: id "kari" is a coordinator
 *   staff add: phone +4791234567 already belongs to staff per
 *   staff remove: per still holds rota slots 3, 4
 * Coordinator add refuses an id that is a staff member's.
 */
struct vakt_staff {
	char id[VAKT_ID_LEN];
	char name[VAKT_NAME_LEN];
	char phone[VAKT_E164_LEN];
	enum vakt_auth_role role;
	char service[VAKT_ID_LEN]; /* "" for all services */
};

int vakt_store_staff_add(struct vakt_store *st, const struct vakt_staff *s,
    const char *actor, int64_t now_ms, struct vakt_err *err);
int vakt_store_staff_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err);
/* All staff by id; *out as for the listings above. */
int vakt_store_staff_list(struct vakt_store *st, struct vakt_staff **out,
    size_t *n, struct vakt_err *err);
/*
 * The staff member of service (or of every service) whose phone this
 * is, so that a rota holder's SMS reply is relayed: 1 found, 0, -1.
 */
int vakt_store_staff_by_phone(struct vakt_store *st, const char *service,
    const char *phone, char id[VAKT_ID_LEN], struct vakt_err *err);

/*
 * Login by SMS code and sessions (issue 11).  Codes and sessions are
 * kept only as hashes: a code as the hex SHA-256 of salt + code, a
 * session as the hex SHA-256 of its cookie value.
 */

/* The staff member (coordinator, leader or admin) with this phone: 1, 0, -1. */
int vakt_store_login_who(struct vakt_store *st, const char *phone,
    struct vakt_staff *out, struct vakt_err *err);

/* How many codes were made for phone since since_ms. */
int vakt_store_login_code_count(struct vakt_store *st, const char *phone,
    int64_t since_ms, size_t *n, struct vakt_err *err);

/* Keep a new code for phone, valid until expires_ms. */
int vakt_store_login_code_add(struct vakt_store *st, const char *phone,
    const char *hash, const char *salt, int64_t now_ms, int64_t expires_ms,
    struct vakt_err *err);

/* A live code: not used, not expired, fewer than the tries allowed. */
struct vakt_login_code {
	int64_t id;
	char hash[65];
	char salt[33];
	int tries;
};

/*
 * The newest code of phone made since since_ms that is still live at
 * now_ms with fewer than max_tries tries: 1 with out, 0 none, -1.
 */
int vakt_store_login_code_live(struct vakt_store *st, const char *phone,
    int64_t now_ms, int max_tries, struct vakt_login_code *out,
    struct vakt_err *err);

/* Count one try of code id; is_used: it was right and is spent. */
int vakt_store_login_code_try(
    struct vakt_store *st, int64_t id, bool is_used, struct vakt_err *err);

/* A login session: its staff member, role and CSRF token. */
struct vakt_session {
	char staff[VAKT_ID_LEN];
	enum vakt_auth_role role;
	char csrf[65];
	int64_t last_seen_ms;
};

/* Keep a new session (hash of the cookie) for s at now_ms. */
int vakt_store_session_add(struct vakt_store *st, const char *hash,
    const struct vakt_session *s, int64_t now_ms, struct vakt_err *err);

/*
 * The session with this hash, seen after idle_since_ms and whose staff
 * member still exists: 1 with out set and its last_seen moved to
 * now_ms, 0 none, -1 error.
 */
int vakt_store_session_check(struct vakt_store *st, const char *hash,
    int64_t idle_since_ms, int64_t now_ms, struct vakt_session *out,
    struct vakt_err *err);

/*
 * Forget codes made before codes_before_ms and sessions not used since
 * idle_since_ms (both dead by then), so that neither table grows.
 */
int vakt_store_login_prune(struct vakt_store *st, int64_t codes_before_ms,
    int64_t idle_since_ms, struct vakt_err *err);

/* End the session with this hash: 1 ended, 0 none, -1 error. */
int vakt_store_session_end(
    struct vakt_store *st, const char *hash, struct vakt_err *err);

/*
 * The beredskap rota: who carries beredskap for a service from from_ms
 * to to_ms (UTC, to exclusive).  The holder (staff) is a coordinator of
 * the service or a staff member of it (or of no particular service).
 * Slots of one service never overlap: the check runs inside the write
 * transaction.  name and phone are the holder's, filled by the
 * listings and the look-up ("" if the holder was removed since).
 */
struct vakt_rota_slot {
	int64_t id; /* set by vakt_store_rota_add() */
	char service[VAKT_ID_LEN];
	char staff[VAKT_ID_LEN];
	int64_t from_ms;
	int64_t to_ms;
	char name[VAKT_NAME_LEN];
	char phone[VAKT_E164_LEN];
};

/*
 * Add slot (audited, rota.add) and set slot->id.  -1 with kind data for
 * bad input, e.g. "rota add: no coordinator or staff \"x\" in service
 * due"; an overlap is refused with *overlap (may be NULL) set to the
 * id of a slot it overlaps, else *overlap is 0:
 *   rota add: overlaps slot 7 of service due (kari, …)
 */
int vakt_store_rota_add(struct vakt_store *st, struct vakt_rota_slot *slot,
    const char *actor, int64_t now_ms, int64_t *overlap, struct vakt_err *err);

/* Remove slot id (audited, rota.remove): 1 removed, 0 none, -1 error. */
int vakt_store_rota_remove(struct vakt_store *st, int64_t id, const char *actor,
    int64_t now_ms, struct vakt_err *err);

/*
 * Slots of service (NULL: all) that overlap [from_ms, to_ms), by
 * service and start; *out as for the listings above.
 */
int vakt_store_rota_list(struct vakt_store *st, const char *service,
    int64_t from_ms, int64_t to_ms, struct vakt_rota_slot **out, size_t *n,
    struct vakt_err *err);

/*
 * Who has beredskap for service at now_ms by the rota: 1 with out set
 * (id, name, phone), 0 when no slot holds (out zeroed), -1 when the
 * database could not be read.  One indexed look-up; runs on every
 * contact next to vakt_store_lookup_caller().
 */
int vakt_store_rota_holder(struct vakt_store *st, const char *service,
    int64_t now_ms, struct vakt_person *out, struct vakt_err *err);

/* The audit trail, newest first, at most limit rows. */
struct vakt_audit {
	int64_t id;
	int64_t at_ms;
	char actor[VAKT_NAME_LEN];
	char action[VAKT_ID_LEN];
	char subject[VAKT_ID_LEN];
	char detail[256];
};

int vakt_store_audit_list(struct vakt_store *st, size_t limit,
    struct vakt_audit **out, size_t *n, struct vakt_err *err);

/* Append an audit row outside the directory (config reload, tokens). */
int vakt_store_audit_add(struct vakt_store *st, const char *actor,
    const char *action, const char *subject, const char *detail, int64_t now_ms,
    struct vakt_err *err);

/*
 * Group commit.  vaktd opens one write transaction at the first write
 * of a loop turn and commits it once before the turn's replies leave.
 * Every statement below joins it when it is open and autocommits
 * otherwise; the directory mutations above nest inside it.
 */
int vakt_store_batch_begin(struct vakt_store *st, struct vakt_err *err);
/* Commit if open (0 if none was); on failure everything is rolled back. */
int vakt_store_batch_commit(struct vakt_store *st, struct vakt_err *err);
bool vakt_store_batch_is_open(struct vakt_store *st);

/*
 * One request's writes inside the open batch: mark opens its savepoint,
 * keep releases it into the batch, undo rolls back to it and drops it,
 * so a request that fails half-way leaves nothing of itself behind.
 * Each returns -1 (err set) if the batch is gone: SQLite rolls a whole
 * transaction back by itself after some errors (disk full, I/O).
 */
int vakt_store_batch_mark(struct vakt_store *st, struct vakt_err *err);
int vakt_store_batch_keep(struct vakt_store *st, struct vakt_err *err);
int vakt_store_batch_undo(struct vakt_store *st, struct vakt_err *err);

/*
 * The contact log of calls.  A call keeps its plan (the steps as
 * planned when it came in) and one leg row per step that rang.
 */
#define VAKT_CALLER_LEN 64

struct vakt_leg_rec {
	bool is_started;
	int outcome;          /* enum vakt_leg_outcome, 0 while ringing */
	int64_t confirmed_ms; /* key press, 0 if none */
};

struct vakt_call_rec {
	int64_t id;
	char call_sid[VAKT_CALLER_LEN]; /* the provider's id of the call */
	char service[VAKT_ID_LEN];
	char caller[VAKT_CALLER_LEN];
	char youth[VAKT_ID_LEN];        /* "" for an unknown caller */
	char youth_name[VAKT_NAME_LEN]; /* today's name, "" if removed */
	char coordinator[VAKT_ID_LEN];
	enum vakt_category cat;
	int64_t received_ms;
	enum vakt_status status;
	struct vakt_step steps[VAKT_PLAN_MAX];
	size_t n_steps;
	struct vakt_leg_rec legs[VAKT_PLAN_MAX];
};

/*
 * Log a new call from caller (as received) with its plan and the
 * directory's view of the caller, and start leg 1 at now_ms.  A
 * call_sid seen before is not logged again: *id is the existing
 * contact's and *is_dup true.
 */
int vakt_store_call_add(struct vakt_store *st, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms, int64_t *id, bool *is_dup,
    struct vakt_err *err);

/* One call by contact id or CallSid: 1 found, 0 not found, -1 error. */
int vakt_store_call_get(struct vakt_store *st, int64_t id,
    struct vakt_call_rec *out, struct vakt_err *err);
int vakt_store_call_get_by_sid(struct vakt_store *st, const char *call_sid,
    struct vakt_call_rec *out, struct vakt_err *err);

/* Leg step (1-based) of call id began ringing (once). */
int vakt_store_leg_start(struct vakt_store *st, int64_t id, int step,
    const struct vakt_step *plan_step, int64_t now_ms, struct vakt_err *err);

/* The staff member on leg step pressed 1 (the first press counts). */
int vakt_store_leg_confirm(struct vakt_store *st, int64_t id, int step,
    const char *leg_sid, int64_t now_ms, struct vakt_err *err);

/*
 * How leg step ended.  *is_new is false when it was already recorded
 * (a retried webhook), and nothing changes then.
 */
int vakt_store_leg_end(struct vakt_store *st, int64_t id, int step,
    const char *leg_sid, enum vakt_leg_outcome outcome, int64_t now_ms,
    bool *is_new, struct vakt_err *err);

/*
 * Leg step answered the call at answered_ms: the contact is answered
 * (by that leg's role and person), and the same youth's (or, unknown,
 * the same number's) earlier missed calls count it as their follow-up.
 */
int vakt_store_call_answered(struct vakt_store *st, int64_t id, int step,
    int64_t answered_ms, struct vakt_err *err);

/* Missed, if still open; *changed says whether this call did it. */
int vakt_store_call_missed(struct vakt_store *st, int64_t id,
    enum vakt_missed reason, int64_t now_ms, bool *changed,
    struct vakt_err *err);

/* The call ended (its final status): when, and how long it lasted. */
int vakt_store_call_ended(struct vakt_store *st, int64_t id, int duration_s,
    int64_t now_ms, struct vakt_err *err);

/*
 * The outbox.  A row is pending until sent (the provider accepted it)
 * or failed for good; bodies are wiped at either end unless kept.
 */
struct vakt_outbox_msg {
	int64_t contact; /* 0 for none */
	const char *service;
	enum vakt_purpose purpose;
	const char *to;
	const char *from;
	const char *body;
};

/* Queue m at now_ms (due at once); *id (may be NULL) gets its row id. */
int vakt_store_outbox_add(struct vakt_store *st,
    const struct vakt_outbox_msg *m, int64_t now_ms, int64_t *id,
    struct vakt_err *err);

struct vakt_outbox_row {
	int64_t id;
	int64_t contact;
	char service[VAKT_ID_LEN];
	int purpose;
	char to[VAKT_E164_LEN];
	char from[VAKT_E164_LEN];
	char *body; /* owned */
	int attempts;
	int64_t created_ms;
};

/*
 * Pending rows due at now_ms, oldest due first, at most limit, leaving
 * out the ids in skip (sends in flight).  Free with
 * vakt_store_outbox_rows_free().
 */
int vakt_store_outbox_due(struct vakt_store *st, int64_t now_ms,
    const int64_t *skip, size_t n_skip, size_t limit,
    struct vakt_outbox_row **out, size_t *n, struct vakt_err *err);
void vakt_store_outbox_rows_free(struct vakt_outbox_row *rows, size_t n);

/* Earliest next_ms after now_ms of a pending row, INT64_MAX if none. */
int vakt_store_outbox_next_ms(struct vakt_store *st, int64_t now_ms,
    int64_t *next_ms, struct vakt_err *err);

int vakt_store_outbox_sent(struct vakt_store *st, int64_t id, const char *sid,
    int64_t now_ms, bool keep_body, struct vakt_err *err);
int vakt_store_outbox_retry(struct vakt_store *st, int64_t id, int64_t next_ms,
    const char *error, struct vakt_err *err);
int vakt_store_outbox_failed(struct vakt_store *st, int64_t id,
    const char *error, int64_t now_ms, struct vakt_err *err);
int vakt_store_outbox_counts(struct vakt_store *st, size_t *pending,
    size_t *failed, struct vakt_err *err);

/*
 * A send of pending row id starts at now_ms: noted on the row (sent_ms
 * while still pending), so that after a crash the row is known to be
 * possibly at the provider already.  Outside a batch it is durable
 * when this returns.  0 or -1.
 */
int vakt_store_outbox_trying(
    struct vakt_store *st, int64_t id, int64_t now_ms, struct vakt_err *err);

/*
 * Was a send of pending row id started and its outcome never recorded
 * as sent or failed?  1 with *at_ms (the start of the last try), 0, or
 * -1.
 */
int vakt_store_outbox_tried(
    struct vakt_store *st, int64_t id, int64_t *at_ms, struct vakt_err *err);

/* Is this provider sid some outbox row's already?  1 yes, 0 no, -1. */
int vakt_store_outbox_sid_known(
    struct vakt_store *st, const char *sid, struct vakt_err *err);

/*
 * Checkpoint and truncate the WAL, so that no old page (a wiped body)
 * stays in it.  0 done, 1 busy (a reader: try later), -1 error.  Not
 * inside a batch.
 */
int vakt_store_checkpoint(struct vakt_store *st, struct vakt_err *err);

/*
 * SMS.  A youth's (or unknown number's) message is a contact of kind
 * SMS with one messages row; a staff reply is a messages row that
 * answers the thread's open messages.  Message rows keep lengths, never
 * text.
 */
enum vakt_direction {
	VAKT_DIR_IN = 0,       /* youth or unknown -> service */
	VAKT_DIR_REPLY = 1,    /* staff -> service, relayed to the youth */
	VAKT_DIR_UNPLACED = 2, /* staff -> service, nowhere to relay it */
};

struct vakt_sms_meta {
	const char *sid;  /* MessageSid */
	const char *from; /* as received */
	const char *to;   /* the service number */
	size_t body_len;  /* characters */
	int segments;
};

/*
 * Log a youth's message with the plan it was routed by (the forward
 * goes to its first step).  A MessageSid seen before is not logged
 * again: *is_dup true, *id 0.
 */
int vakt_store_sms_add(struct vakt_store *st, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who, int64_t *id,
    bool *is_dup, struct vakt_err *err);

/* Was this MessageSid seen already?  1 yes, 0 no, -1 error. */
int vakt_store_message_seen(
    struct vakt_store *st, const char *sid, struct vakt_err *err);

/*
 * Log a staff message: dir REPLY (relayed to youth/number) or UNPLACED.
 * For a reply, every open message of that thread is answered at now_ms
 * by staff_id, and the youth's (or number's) missed calls count it as
 * their follow-up.  youth is "" for an unknown number.
 */
int vakt_store_staff_message(struct vakt_store *st,
    const struct vakt_sms_meta *m, const char *service, enum vakt_direction dir,
    const char *staff_id, const char *youth, const char *number, int64_t now_ms,
    struct vakt_err *err);

/* The coordinator of service whose phone this is: 1 found, 0, -1. */
int vakt_store_coordinator_by_phone(struct vakt_store *st, const char *service,
    const char *phone, char id[VAKT_ID_LEN], struct vakt_err *err);

/* A youth of service by code, case-insensitive: 1 found, 0, -1. */
int vakt_store_youth_by_code(struct vakt_store *st, const char *service,
    const char *code, struct vakt_youth *out, struct vakt_err *err);

/* A staff number's current thread: a youth ("" if unknown) and number. */
struct vakt_thread {
	char youth[VAKT_ID_LEN];
	char number[VAKT_E164_LEN];
	int64_t updated_ms;
};

int vakt_store_thread_get(struct vakt_store *st, const char *service,
    const char *staff, struct vakt_thread *out, struct vakt_err *err);
int vakt_store_thread_set(struct vakt_store *st, const char *service,
    const char *staff, const char *youth, const char *number, int64_t now_ms,
    struct vakt_err *err);

/*
 * A delivery status for the outbox row with this sid: recorded, and
 * the row (without body) returned, unless it would step back (queued <
 * sending < sent < delivered | undelivered | failed | canceled; the
 * first final status stays).  1 recorded, 0 unknown sid or nothing
 * new (a repeated or late callback), -1 error.
 */
int vakt_store_outbox_delivery(struct vakt_store *st, const char *sid,
    const char *status, int64_t now_ms, struct vakt_outbox_row *row,
    struct vakt_err *err);

/* Who a contact came from: youth code ("" if unknown), name, number. */
int vakt_store_contact_who(struct vakt_store *st, int64_t id,
    char youth[VAKT_ID_LEN], char name[VAKT_NAME_LEN],
    char caller[VAKT_CALLER_LEN], struct vakt_err *err);

/*
 * Retention: delete at most limit contacts (with their legs and
 * messages), messages, finished outbox rows and threads older than
 * before_ms.  *n counts the rows that went; call again while it is
 * more than 0.
 */
int vakt_store_purge(struct vakt_store *st, int64_t before_ms, size_t limit,
    size_t *n, struct vakt_err *err);

/*
 * The clock guard of the purge (issue 10: a clock jumped 2000 days
 * ahead made the daily purge delete the whole contact log).  A purge
 * run trusts now_ms only up to VAKT_PURGE_SLACK_MS past the purge mark,
 * the time the previous run trusted (see vakt_store_purge_done()), or
 * for a database never purged its newest contact or audit row.  Daily
 * runs keep the mark a day behind, so a quiet service (no contacts for
 * weeks) still purges by the real clock; after a clock jump, or vaktd
 * stopped for longer than the slack, each run moves the trusted time on
 * by at most the slack, so a jump never takes more than a few days of
 * history at once and a real gap is caught up a day per day.
 *
 * vakt_store_purge_trust() is the pure rule: now_ms, or mark_ms + slack
 * when now_ms is further ahead than that (mark_ms 0: no mark, trust
 * now_ms).  vakt_store_purge_clock() reads the mark and applies it;
 * *trusted_ms < now_ms means the clock was not trusted.  Purge with
 * before_ms = *trusted_ms - retention, then record the run with
 * vakt_store_purge_done(), which writes the audit row (action
 * VAKT_STORE_PURGE_ACTION) stamped trusted_ms that is the next mark.
 */
#define VAKT_PURGE_SLACK_MS     (2 * 86400 * 1000LL)
#define VAKT_STORE_PURGE_ACTION "purge"

int64_t vakt_store_purge_trust(int64_t now_ms, int64_t mark_ms);
int vakt_store_purge_clock(struct vakt_store *st, int64_t now_ms,
    int64_t *trusted_ms, struct vakt_err *err);
int vakt_store_purge_done(struct vakt_store *st, const char *actor,
    int64_t trusted_ms, int days, size_t n, struct vakt_err *err);

/*
 * Every contact received in [from_ms, to_ms) (of service, or all when
 * NULL), in received order, through fn (a report's vakt_report_add).
 * One indexed range scan.  0, or -1 with err.
 */
typedef int vakt_store_row_fn(void *arg, const struct vakt_report_row *row);
int vakt_store_report_scan(struct vakt_store *st, int64_t from_ms,
    int64_t to_ms, const char *service, vakt_store_row_fn *fn, void *arg,
    struct vakt_err *err);

/* API tokens: only the hash is stored. */
struct vakt_token {
	char name[VAKT_ID_LEN];
	enum vakt_auth_role role;
	int64_t created_ms;
	int64_t last_used_ms; /* 0: never */
	/*
	 * A login session's caller (issue 11): name is then the staff
	 * member's id and role theirs, coordinator included.
	 */
	bool is_session;
};

/* Names are ids ([A-Za-z0-9._-]); a name in use is refused. Audited. */
int vakt_store_token_add(struct vakt_store *st, const char *name,
    enum vakt_auth_role role, const char *hash, const char *actor,
    int64_t now_ms, struct vakt_err *err);
/* An unknown name is refused.  Audited. */
int vakt_store_token_revoke(struct vakt_store *st, const char *name,
    const char *actor, int64_t now_ms, struct vakt_err *err);
int vakt_store_token_list(struct vakt_store *st, struct vakt_token **out,
    size_t *n, struct vakt_err *err);
/*
 * The token with this hash: 1 found (and its last use set to now_ms),
 * 0 none, -1 error.
 */
int vakt_store_token_check(struct vakt_store *st, const char *hash,
    int64_t now_ms, struct vakt_token *out, struct vakt_err *err);

/*
 * The follow-up queue (issue 11).  A missed call (vakt_store_call_missed)
 * and a youth's message (vakt_store_sms_add; not while an SMS follow-up
 * of that youth or number is open) open one in the same write as the
 * contact; a relayed staff reply (vakt_store_staff_message) closes all
 * of that youth's (or unknown number's) open ones as "replied", a call
 * answered by staff (vakt_store_call_answered) as "answered".
 */
#define VAKT_FOLLOWUP_OUTCOME_LEN 16

struct vakt_followup {
	int64_t id;
	int64_t contact_id;
	char service[VAKT_ID_LEN];
	enum vakt_kind kind;
	char youth[VAKT_ID_LEN];        /* "" for an unknown caller */
	char youth_name[VAKT_NAME_LEN]; /* today's name, "" if removed */
	char caller[VAKT_CALLER_LEN];   /* as received: mask before showing */
	int64_t opened_ms;              /* the contact's received time */
	bool is_done;
	char outcome[VAKT_FOLLOWUP_OUTCOME_LEN]; /* "" while open */
	int64_t closed_ms;                       /* 0 while open */
	char closed_by[VAKT_ID_LEN]; /* staff id, token name or role */
	/*
	 * Who should answer it: the contact's first step, a coordinator or
	 * substitute (in office hours) with today's name, else beredskap
	 * (resp_id and resp_name "").
	 */
	enum vakt_role resp_role;
	char resp_id[VAKT_ID_LEN];
	char resp_name[VAKT_NAME_LEN];
	char youth_coordinator[VAKT_ID_LEN]; /* today's, "" if none */
};

/*
 * Open (is_done false, oldest first) or done (newest first) follow-ups,
 * of one service or of all (service NULL), at most limit.  *out is
 * malloc'ed (NULL if none); the caller frees it.
 */
int vakt_store_followup_list(struct vakt_store *st, bool is_done,
    const char *service, size_t limit, struct vakt_followup **out, size_t *n,
    struct vakt_err *err);

/* One follow-up: 1 found, 0 no such id, -1 error. */
int vakt_store_followup_get(struct vakt_store *st, int64_t id,
    struct vakt_followup *out, struct vakt_err *err);

/*
 * Mark follow-up id done at now_ms with outcome by `by`.  The caller
 * checks that staff may give it (called_back, texted, no_need); the
 * table refuses anything that is no outcome at all.  *is_closed is
 * false when it was not open (no such id, or already done).
 */
int vakt_store_followup_done(struct vakt_store *st, int64_t id,
    const char *outcome, const char *by, int64_t now_ms, bool *is_closed,
    struct vakt_err *err);

#endif
