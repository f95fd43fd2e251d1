/*
 * store.c: the SQLite database shared by vaktd and vaktctl.
 *
 * Owns the schema (migrations indexed by PRAGMA user_version), every SQL
 * statement (prepared once at open, persistent), the directory
 * (coordinators, youths, absences), the caller lookup on the call path
 * and the audit trail.  The only file that includes <sqlite3.h>.
 *
 * Every mutation runs in BEGIN IMMEDIATE ... COMMIT because vaktd and
 * vaktctl write the same file: taking the write lock first means the
 * checks and the writes see the same rows, and a busy database fails at
 * BEGIN (after the busy timeout) instead of half way.  Checks that need
 * no database run before BEGIN so that bad input never takes the lock.
 * Nothing here logs.
 */
#include "vakt/store.h"

#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "vakt/config.h"
#include "vakt/router.h"
#include "vakt/util.h"

/*
 * Migrations.  migrations[i] brings user_version from i to i + 1 and
 * sets it as its last statement.  Never edit a released migration: add
 * a new one.  Indexes on foreign-key child columns are there so that
 * deletes of parents do not scan the children.
 */
static const char migrate_1_directory[] =
    "CREATE TABLE coordinators ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " service TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " phone TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX coordinators_service_phone ON coordinators (service, phone);"
    "CREATE TABLE youths ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " service TEXT NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " phone TEXT NOT NULL,"
    " coordinator TEXT NOT NULL REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL,"
    " UNIQUE (service, phone));"
    "CREATE INDEX youths_coordinator ON youths (coordinator);"
    "CREATE TABLE absences ("
    " id INTEGER PRIMARY KEY,"
    " coordinator TEXT NOT NULL"
    "  REFERENCES coordinators (id) ON DELETE CASCADE,"
    " from_date INTEGER NOT NULL,"
    " to_date INTEGER NOT NULL,"
    " substitute TEXT REFERENCES coordinators (id),"
    " created_ms INTEGER NOT NULL,"
    " CHECK (from_date <= to_date));"
    "CREATE INDEX absences_coordinator_to ON absences (coordinator, to_date);"
    "CREATE INDEX absences_substitute ON absences (substitute);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '');"
    "PRAGMA user_version = 1;";

static const char migrate_2_contacts[] =
    "CREATE TABLE contacts ("
    " id INTEGER PRIMARY KEY,"
    " service TEXT NOT NULL,"
    " kind INTEGER NOT NULL," /* 0 call, 1 sms */
    " provider_id TEXT NOT NULL,"
    " caller TEXT NOT NULL,"
    " youth TEXT,"
    " coordinator TEXT,"
    " category INTEGER NOT NULL,"
    " why INTEGER NOT NULL,"
    " plan TEXT NOT NULL,"
    " received_ms INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " missed_reason INTEGER,"
    " answered_ms INTEGER,"
    " answered_step INTEGER,"
    " answered_role INTEGER,"
    " answered_by TEXT,"
    " ended_ms INTEGER,"
    " duration_s INTEGER,"
    " reply_ms INTEGER,"
    " replied_by TEXT,"
    " followup_ms INTEGER,"
    " UNIQUE (kind, provider_id));"
    "CREATE INDEX contacts_received ON contacts (received_ms);"
    "CREATE INDEX contacts_youth_received ON contacts (youth, received_ms);"
    "CREATE INDEX contacts_caller_received ON contacts (caller, received_ms);"
    "CREATE TABLE legs ("
    " contact INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,"
    " step INTEGER NOT NULL,"
    " role INTEGER NOT NULL,"
    " who TEXT NOT NULL DEFAULT '',"
    " number TEXT NOT NULL,"
    " call_sid TEXT,"
    " started_ms INTEGER NOT NULL,"
    " confirmed_ms INTEGER,"
    " ended_ms INTEGER,"
    " outcome INTEGER,"
    " PRIMARY KEY (contact, step)) WITHOUT ROWID;"
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " contact INTEGER REFERENCES contacts (id) ON DELETE CASCADE,"
    " direction INTEGER NOT NULL,"
    " provider_id TEXT UNIQUE,"
    " service TEXT NOT NULL,"
    " from_number TEXT NOT NULL,"
    " to_number TEXT NOT NULL,"
    " youth TEXT,"
    " at_ms INTEGER NOT NULL,"
    " body_len INTEGER NOT NULL,"
    " segments INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX messages_contact ON messages (contact);"
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " contact INTEGER REFERENCES contacts (id) ON DELETE SET NULL,"
    " service TEXT NOT NULL,"
    " purpose INTEGER NOT NULL,"
    " to_number TEXT NOT NULL,"
    " from_number TEXT NOT NULL,"
    " body TEXT,"
    " body_len INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " next_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " sent_ms INTEGER,"
    " sid TEXT,"
    " error TEXT,"
    " delivery TEXT,"
    " delivery_ms INTEGER);"
    "CREATE INDEX outbox_due ON outbox (next_ms) WHERE state = 0;"
    "CREATE UNIQUE INDEX outbox_sid ON outbox (sid) WHERE sid IS NOT NULL;"
    "CREATE INDEX outbox_contact ON outbox (contact);"
    "CREATE INDEX outbox_state ON outbox (state);"
    "PRAGMA user_version = 2;";

/*
 * SMS threads: each staff number's current youth (or unknown number),
 * so that a staff reply knows where to go.  Indexes for the retention
 * purge.
 */
static const char migrate_3_threads[] =
    "CREATE TABLE threads ("
    " service TEXT NOT NULL,"
    " staff TEXT NOT NULL,"
    " youth TEXT,"
    " number TEXT NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY (service, staff)) WITHOUT ROWID;"
    "CREATE INDEX messages_at ON messages (at_ms);"
    "CREATE INDEX outbox_created ON outbox (created_ms);"
    "PRAGMA user_version = 3;";

/*
 * Reports and the API: legs picked up but never confirmed (voicemail)
 * counted on the contact, so a report reads contacts only; and the
 * API's tokens, kept as SHA-256.
 */
static const char migrate_4_reports[] =
    "ALTER TABLE contacts ADD COLUMN unconfirmed_legs INTEGER NOT NULL"
    " DEFAULT 0;"
    "CREATE TABLE tokens ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " role INTEGER NOT NULL,"
    " hash TEXT NOT NULL UNIQUE,"
    " created_ms INTEGER NOT NULL,"
    " last_used_ms INTEGER);"
    "PRAGMA user_version = 4;";

/*
 * Index only the rows that the follow-up and SMS-reply updates look
 * for (missed calls without a follow-up, messages without a reply).
 * The full (youth, received_ms) and (caller, received_ms) indexes took
 * every new call, each at a random page: with a directory of 10,000
 * youths that was about 2 page reads and 3 WAL page writes per call,
 * half of vaktd's time under load.  A new call (status 0) is in none
 * of these.
 */
static const char migrate_5_partial[] =
    "DROP INDEX contacts_youth_received;"
    "DROP INDEX contacts_caller_received;"
    "CREATE INDEX contacts_missed_youth ON contacts (youth, received_ms)"
    " WHERE kind = 0 AND status = 2 AND followup_ms IS NULL;"
    "CREATE INDEX contacts_missed_caller ON contacts (caller, received_ms)"
    " WHERE kind = 0 AND status = 2 AND followup_ms IS NULL;"
    "CREATE INDEX contacts_open_sms_youth ON contacts (youth, received_ms)"
    " WHERE kind = 1 AND status = 0;"
    "CREATE INDEX contacts_open_sms_caller ON contacts (caller, received_ms)"
    " WHERE kind = 1 AND status = 0;"
    "PRAGMA user_version = 5;";

/*
 * The follow-up queue (issue 11): every missed call and every youth
 * SMS without a staff answer, until a staff member answers it.  A row
 * keeps the caller as contacts has it and the youth ('' for an unknown
 * caller), so that it is found and closed without the contact; it goes
 * with its contact at the retention purge.  state 0 open, 1 done.
 */
static const char migration_followups[] =
    "CREATE TABLE followups ("
    " id INTEGER PRIMARY KEY,"
    " contact INTEGER NOT NULL UNIQUE"
    "  REFERENCES contacts (id) ON DELETE CASCADE,"
    " service TEXT NOT NULL,"
    " kind INTEGER NOT NULL," /* 0 call, 1 sms */
    " youth TEXT NOT NULL DEFAULT '',"
    " caller TEXT NOT NULL,"
    " opened_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " outcome TEXT CHECK (outcome IN ('called_back', 'texted', 'no_need',"
    "  'replied', 'answered')),"
    " closed_ms INTEGER,"
    " closed_by TEXT,"
    " CHECK ((state = 0) = (outcome IS NULL)));"
    "CREATE INDEX followups_open ON followups (service, opened_ms)"
    " WHERE state = 0;"
    "CREATE INDEX followups_open_who ON followups (service, youth, caller)"
    " WHERE state = 0;"
    "CREATE INDEX followups_done ON followups (closed_ms) WHERE state = 1;"
    "PRAGMA user_version = 6;";

/*
 * Issue 11: staff who are not coordinators (leaders, admins), and the
 * beredskap rota.  A slot's holder is a coordinator or a staff member,
 * so rota.staff has no foreign key: the call path's look-up joins both
 * and ignores a slot whose holder is gone (the configured beredskap
 * then rings).  (service, to_ms) serves the look-up and the overlap
 * check.
 */
static const char migration_staff_rota[] =
    "CREATE TABLE staff ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " phone TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK (role IN ('leader', 'admin')),"
    " service TEXT,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE rota ("
    " id INTEGER PRIMARY KEY,"
    " service TEXT NOT NULL,"
    " staff TEXT NOT NULL,"
    " from_ms INTEGER NOT NULL,"
    " to_ms INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " CHECK (from_ms < to_ms));"
    "CREATE INDEX rota_service_to ON rota (service, to_ms);"
    "CREATE INDEX rota_staff ON rota (staff);"
    "PRAGMA user_version = 7;";

/*
 * Issue 11: login by a one-time SMS code, and login sessions.  Only
 * hashes are kept (store.h).  A code row is live until used, expired
 * or out of tries; a session until idle too long or logged out.
 */
static const char migration_sessions[] =
    "CREATE TABLE login_codes ("
    " id INTEGER PRIMARY KEY,"
    " phone TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " salt TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " tries INTEGER NOT NULL DEFAULT 0,"
    " used INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX login_codes_phone ON login_codes (phone, created_ms);"
    "CREATE TABLE sessions ("
    " hash TEXT PRIMARY KEY NOT NULL,"
    " staff TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('coordinator', 'leader',"
    "  'admin')),"
    " csrf TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " last_seen_ms INTEGER NOT NULL);"
    "PRAGMA user_version = 8;";

static const char *const migrations[] = {
    migrate_1_directory,
    migrate_2_contacts,
    migrate_3_threads,
    migrate_4_reports,
    migrate_5_partial,
    migration_followups,
    migration_staff_rota,
    migration_sessions,
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == VAKT_STORE_VERSION,
    "one migration per schema version");

/* Run once at open, before the persistent statements exist. */
static const char sql_user_version[] = "PRAGMA user_version";
static const char sql_count_objects[] = "SELECT count(*) FROM sqlite_master";
static const char sql_journal_wal[] = "PRAGMA journal_mode = WAL";
static const char sql_settings[] = "PRAGMA synchronous = FULL;"
                                   "PRAGMA foreign_keys = ON;"
                                   "PRAGMA secure_delete = ON;";

/* The persistent statements (the first three also run the migrations). */
static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_ping[] = "SELECT count(*) FROM sqlite_master";
/* A mutation inside vaktd's batch nests as a savepoint. */
static const char sql_savepoint[] = "SAVEPOINT mutation";
static const char sql_release[] = "RELEASE mutation";
static const char sql_rollback_to[] = "ROLLBACK TO mutation";

static const char sql_coordinator_get[] =
    "SELECT id, service, name, phone FROM coordinators WHERE id = ?1";
static const char sql_coordinator_list[] =
    "SELECT id, service, name, phone FROM coordinators"
    " WHERE ?1 IS NULL OR service = ?1 ORDER BY id";
static const char sql_coordinator_insert[] =
    "INSERT INTO coordinators (id, service, name, phone, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_coordinator_update[] =
    "UPDATE coordinators SET name = ?2, phone = ?3 WHERE id = ?1";
static const char sql_coordinator_delete[] =
    "DELETE FROM coordinators WHERE id = ?1";
static const char sql_coordinator_by_phone[] =
    "SELECT id FROM coordinators"
    " WHERE service = ?1 AND phone = ?2 AND id <> ?3 ORDER BY id LIMIT 1";
static const char sql_coordinator_youths[] =
    "SELECT id FROM youths WHERE coordinator = ?1 ORDER BY id";
static const char sql_coordinator_substituting[] =
    "SELECT id FROM absences WHERE substitute = ?1 ORDER BY id";

static const char sql_youth_get[] =
    "SELECT id, service, name, phone, coordinator FROM youths WHERE id = ?1";
static const char sql_youth_list[] =
    "SELECT id, service, name, phone, coordinator FROM youths"
    " WHERE ?1 IS NULL OR service = ?1 ORDER BY id";
static const char sql_youth_insert[] =
    "INSERT INTO youths (id, service, name, phone, coordinator, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_youth_update[] =
    "UPDATE youths SET name = ?2, phone = ?3, coordinator = ?4 WHERE id = ?1";
static const char sql_youth_delete[] = "DELETE FROM youths WHERE id = ?1";
static const char sql_youth_by_phone[] =
    "SELECT id FROM youths"
    " WHERE service = ?1 AND phone = ?2 AND id <> ?3 LIMIT 1";

static const char sql_absence_get[] =
    "SELECT id, coordinator, from_date, to_date, coalesce(substitute, '')"
    " FROM absences WHERE id = ?1";
static const char sql_absence_list[] =
    "SELECT a.id, a.coordinator, a.from_date, a.to_date,"
    " coalesce(a.substitute, '')"
    " FROM absences a JOIN coordinators c ON c.id = a.coordinator"
    " WHERE ?1 IS NULL OR c.service = ?1 ORDER BY a.from_date, a.id";
static const char sql_absence_insert[] =
    "INSERT INTO absences (coordinator, from_date, to_date, substitute,"
    " created_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_absence_delete[] = "DELETE FROM absences WHERE id = ?1";

/*
 * The call path: the youth by (service, phone) through the UNIQUE index,
 * then the coordinator's absences through (coordinator, to_date).  LEFT
 * JOIN so that a youth whose coordinator row is somehow missing is still
 * known (the router then says "no coordinator").
 */
static const char sql_lookup_youth[] =
    "SELECT y.id, y.name, y.phone, coalesce(c.id, ''), coalesce(c.name, ''),"
    " coalesce(c.phone, '')"
    " FROM youths y LEFT JOIN coordinators c ON c.id = y.coordinator"
    " WHERE y.service = ?1 AND y.phone = ?2";
static const char sql_lookup_absences[] =
    "SELECT a.from_date, a.to_date, coalesce(s.id, ''), coalesce(s.name, ''),"
    " coalesce(s.phone, '')"
    " FROM absences a LEFT JOIN coordinators s ON s.id = a.substitute"
    " WHERE a.coordinator = ?1 AND a.to_date >= ?2 AND a.from_date <= ?2"
    " ORDER BY a.from_date, a.id LIMIT ?3";

static const char sql_audit_insert[] =
    "INSERT INTO audit (at_ms, actor, action, subject, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
/* By id: the order in which the changes were committed. */
static const char sql_audit_list[] =
    "SELECT id, at_ms, actor, action, subject, detail FROM audit"
    " ORDER BY id DESC LIMIT ?1";

/*
 * The contact log.  A call's plan is kept as text, one step per
 * "role|who|number|timeout" joined by ';' (ids and E.164 numbers hold
 * neither separator).
 */
static const char sql_call_insert[] =
    "INSERT INTO contacts (service, kind, provider_id, caller, youth,"
    " coordinator, category, why, plan, received_ms)"
    " VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (kind, provider_id) DO NOTHING";
static const char sql_call_id_by_sid[] =
    "SELECT id FROM contacts WHERE kind = 0 AND provider_id = ?1";
static const char sql_call_get[] =
    "SELECT c.id, c.service, c.caller, coalesce(c.youth, ''),"
    " coalesce(y.name, ''), coalesce(c.coordinator, ''), c.category,"
    " c.received_ms, c.status, c.plan, c.provider_id"
    " FROM contacts c LEFT JOIN youths y ON y.id = c.youth"
    " WHERE c.id = ?1 AND c.kind = 0";
static const char sql_call_legs[] =
    "SELECT step, coalesce(outcome, 0), coalesce(confirmed_ms, 0)"
    " FROM legs WHERE contact = ?1";
static const char sql_leg_insert[] =
    "INSERT INTO legs (contact, step, role, who, number, started_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
static const char sql_leg_confirm[] =
    "UPDATE legs SET confirmed_ms = ?3, call_sid = coalesce(call_sid, ?4)"
    " WHERE contact = ?1 AND step = ?2 AND confirmed_ms IS NULL";
static const char sql_leg_end[] =
    "UPDATE legs SET outcome = ?3, ended_ms = ?4,"
    " call_sid = coalesce(?5, call_sid)"
    " WHERE contact = ?1 AND step = ?2 AND outcome IS NULL";
static const char sql_call_answered[] =
    "UPDATE contacts SET status = 1, missed_reason = NULL, answered_ms = ?3,"
    " answered_step = ?2,"
    " answered_role = l.role, answered_by = l.who"
    " FROM legs l WHERE contacts.id = ?1 AND l.contact = ?1 AND l.step = ?2"
    " AND contacts.status <> 1";
/* Follow-up: the first staff contact that reached a missed caller. */
static const char sql_followup_youth[] =
    "UPDATE contacts SET followup_ms = ?3"
    " WHERE youth = ?2 AND service = ?1 AND received_ms < ?3"
    " AND kind = 0 AND status = 2 AND followup_ms IS NULL";
static const char sql_followup_caller[] =
    "UPDATE contacts SET followup_ms = ?3"
    " WHERE caller = ?2 AND service = ?1 AND received_ms < ?3"
    " AND youth IS NULL AND kind = 0 AND status = 2 AND followup_ms IS NULL";
static const char sql_call_missed[] =
    "UPDATE contacts SET status = 2, missed_reason = ?2,"
    " ended_ms = coalesce(ended_ms, ?3) WHERE id = ?1 AND status = 0";
static const char sql_call_ended[] =
    "UPDATE contacts SET ended_ms = ?2, duration_s = ?3 WHERE id = ?1";

static const char sql_outbox_insert[] =
    "INSERT INTO outbox (contact, service, purpose, to_number, from_number,"
    " body, body_len, created_ms, next_ms)"
    " VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id";
static const char sql_outbox_due[] =
    "SELECT id, coalesce(contact, 0), service, purpose, to_number,"
    " from_number, coalesce(body, ''), attempts, created_ms"
    " FROM outbox WHERE state = 0 AND next_ms <= ?1"
    " ORDER BY next_ms, id LIMIT ?2";
static const char sql_outbox_next[] =
    "SELECT min(next_ms) FROM outbox WHERE state = 0 AND next_ms > ?1";
static const char sql_outbox_sent[] =
    "UPDATE outbox SET state = 1, sent_ms = ?2, sid = nullif(?3, ''),"
    " attempts = attempts + 1, error = NULL,"
    " body = CASE WHEN ?4 THEN body END WHERE id = ?1";
static const char sql_outbox_retry[] =
    "UPDATE outbox SET attempts = attempts + 1, next_ms = ?2, error = ?3"
    " WHERE id = ?1 AND state = 0";
static const char sql_outbox_failed[] =
    "UPDATE outbox SET state = 2, attempts = attempts + 1, error = ?2,"
    " next_ms = ?3, body = CASE WHEN ?4 THEN body END WHERE id = ?1";
/* sent_ms on a pending row: a send started and its outcome unknown. */
static const char sql_outbox_trying[] =
    "UPDATE outbox SET sent_ms = ?2 WHERE id = ?1 AND state = 0";
static const char sql_outbox_tried[] =
    "SELECT sent_ms FROM outbox WHERE id = ?1 AND state = 0"
    " AND sent_ms IS NOT NULL";
static const char sql_outbox_sid_known[] =
    "SELECT 1 FROM outbox WHERE sid = ?1";
static const char sql_outbox_counts[] =
    "SELECT (SELECT count(*) FROM outbox WHERE state = 0),"
    " (SELECT count(*) FROM outbox WHERE state = 2)";

/* SMS: the youth's message, staff replies, threads, delivery, purge. */
static const char sql_sms_insert[] =
    "INSERT INTO contacts (service, kind, provider_id, caller, youth,"
    " coordinator, category, why, plan, received_ms)"
    " VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (kind, provider_id) DO NOTHING RETURNING id";
static const char sql_message_insert[] =
    "INSERT INTO messages (contact, direction, provider_id, service,"
    " from_number, to_number, youth, at_ms, body_len, segments)"
    " VALUES (nullif(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    " ON CONFLICT (provider_id) DO NOTHING";
static const char sql_message_seen[] =
    "SELECT 1 FROM messages WHERE provider_id = ?1";
static const char sql_youth_by_code[] =
    "SELECT id, service, name, phone, coordinator FROM youths"
    " WHERE service = ?1 AND id = ?2 COLLATE NOCASE ORDER BY id LIMIT 1";
static const char sql_thread_get[] =
    "SELECT coalesce(youth, ''), number, updated_ms FROM threads"
    " WHERE service = ?1 AND staff = ?2";
static const char sql_thread_set[] =
    "INSERT INTO threads (service, staff, youth, number, updated_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (service, staff) DO UPDATE"
    " SET youth = excluded.youth, number = excluded.number,"
    " updated_ms = excluded.updated_ms";
/* A reply answers every message of the thread still waiting for one. */
static const char sql_sms_replied_youth[] =
    "UPDATE contacts SET status = 1, reply_ms = ?3, replied_by = ?4"
    " WHERE youth = ?2 AND service = ?1 AND received_ms <= ?3"
    " AND kind = 1 AND status = 0";
static const char sql_sms_replied_caller[] =
    "UPDATE contacts SET status = 1, reply_ms = ?3, replied_by = ?4"
    " WHERE caller = ?2 AND service = ?1 AND received_ms <= ?3"
    " AND youth IS NULL AND kind = 1 AND status = 0";
static const char sql_outbox_by_sid[] =
    "SELECT id, coalesce(contact, 0), service, purpose, to_number,"
    " from_number, '', attempts, created_ms FROM outbox WHERE sid = ?1";
/*
 * Statuses only move forward (callbacks arrive out of order): queued <
 * sending < sent < a final one, and the first final status stays.  A
 * repeated or stale callback changes nothing.
 */
#define DELIVERY_RANK(x)                                                       \
	"CASE " x " WHEN 'queued' THEN 0 WHEN 'accepted' THEN 0"               \
	" WHEN 'scheduled' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2"    \
	" WHEN 'delivered' THEN 3 WHEN 'undelivered' THEN 3"                   \
	" WHEN 'failed' THEN 3 WHEN 'canceled' THEN 3 ELSE -1 END"
static const char sql_outbox_delivery[] =
    "UPDATE outbox SET delivery = ?2, delivery_ms = ?3 WHERE id = ?1"
    " AND (delivery IS NULL OR " DELIVERY_RANK("?2") " > " DELIVERY_RANK(
        "delivery") ")";
static const char sql_contact_who[] =
    "SELECT coalesce(c.youth, ''), coalesce(y.name, ''), c.caller"
    " FROM contacts c LEFT JOIN youths y ON y.id = c.youth WHERE c.id = ?1";
static const char sql_purge_contacts[] =
    "DELETE FROM contacts WHERE id IN"
    " (SELECT id FROM contacts WHERE received_ms < ?1 LIMIT ?2)";
static const char sql_purge_messages[] =
    "DELETE FROM messages WHERE id IN"
    " (SELECT id FROM messages WHERE at_ms < ?1 LIMIT ?2)";
static const char sql_purge_outbox[] =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
    " WHERE created_ms < ?1 AND state <> 0 LIMIT ?2)";
static const char sql_purge_threads[] =
    "DELETE FROM threads WHERE updated_ms < ?1";

/* Reports and tokens. */
static const char sql_unconfirmed_inc[] =
    "UPDATE contacts SET unconfirmed_legs = unconfirmed_legs + 1"
    " WHERE id = ?1";
/*
 * A missed call's follow-up time is the first staff contact that
 * reached the youth: a relayed reply or answered call (followup_ms), or
 * the follow-up marked done as called_back or texted (issue 11), by its
 * UNIQUE contact index.  XXX(#11): "no_need" is no contact, so such a
 * call stays under "never"; the report may want a column of its own
 * for it, and "texted" on an SMS follow-up is not in sms_response.
 */
static const char sql_report_scan[] =
    "SELECT service, kind, coalesce(youth, ''), coalesce(coordinator, ''),"
    " caller, category, received_ms, status, coalesce(missed_reason, 0),"
    " coalesce(answered_ms, 0), coalesce(answered_step, 0),"
    " coalesce(answered_role, -1), coalesce(ended_ms, 0),"
    " coalesce((SELECT min(coalesce(contacts.followup_ms, f.closed_ms),"
    " f.closed_ms) FROM followups f WHERE f.contact = contacts.id"
    " AND f.outcome IN ('called_back', 'texted')), followup_ms, 0),"
    " coalesce(reply_ms, 0), unconfirmed_legs"
    " FROM contacts WHERE received_ms >= ?1 AND received_ms < ?2"
    " AND (?3 IS NULL OR service = ?3) ORDER BY received_ms";
static const char sql_token_insert[] =
    "INSERT INTO tokens (name, role, hash, created_ms) VALUES (?1, ?2, ?3, ?4)";
static const char sql_token_delete[] = "DELETE FROM tokens WHERE name = ?1";
static const char sql_token_list[] =
    "SELECT name, role, created_ms, coalesce(last_used_ms, 0) FROM tokens"
    " ORDER BY name";
static const char sql_token_by_hash[] =
    "SELECT name, role, created_ms, coalesce(last_used_ms, 0) FROM tokens"
    " WHERE hash = ?1";
static const char sql_token_used[] =
    "UPDATE tokens SET last_used_ms = ?2 WHERE name = ?1";

/*
 * The follow-up queue (issue 11).  A missed call opens one (once: the
 * contact is UNIQUE).  A youth's SMS opens one unless an SMS follow-up
 * of that youth (or unknown number) is still open: that one stands for
 * the thread, its time running from the first unanswered message, as
 * the SMS response time (report.h) is counted per thread.
 */
static const char sql_fu_open_call[] =
    "INSERT INTO followups (contact, service, kind, youth, caller,"
    " opened_ms) SELECT id, service, kind, coalesce(youth, ''), caller,"
    " received_ms FROM contacts WHERE id = ?1"
    " ON CONFLICT (contact) DO NOTHING";
static const char sql_fu_open_sms[] =
    "INSERT INTO followups (contact, service, kind, youth, caller,"
    " opened_ms) SELECT ?1, ?2, 1, ?3, ?4, ?5 WHERE NOT EXISTS"
    " (SELECT 1 FROM followups WHERE service = ?2 AND youth = ?3"
    " AND (?3 <> '' OR caller = ?4) AND kind = 1 AND state = 0)"
    " ON CONFLICT (contact) DO NOTHING";
/* A staff answer closes every open one of the youth (or number). */
static const char sql_fu_close_youth[] =
    "UPDATE followups SET state = 1, outcome = ?4, closed_ms = ?3,"
    " closed_by = ?5 WHERE service = ?1 AND youth = ?2 AND state = 0"
    " AND opened_ms <= ?3";
static const char sql_fu_close_caller[] =
    "UPDATE followups SET state = 1, outcome = ?4, closed_ms = ?3,"
    " closed_by = ?5 WHERE service = ?1 AND youth = '' AND caller = ?2"
    " AND state = 0 AND opened_ms <= ?3";
/* Who answered a call: the person, else the step's role. */
static const char sql_fu_answered_by[] =
    "SELECT coalesce(nullif(answered_by, ''), CASE answered_role"
    " WHEN 2 THEN 'beredskap' WHEN 3 THEN 'fallback' ELSE '' END)"
    " FROM contacts WHERE id = ?1";
static const char sql_fu_done[] =
    "UPDATE followups SET state = 1, outcome = ?2, closed_ms = ?3,"
    " closed_by = ?4 WHERE id = ?1 AND state = 0";
#define FU_SELECT                                                              \
	"SELECT f.id, f.contact, f.service, f.kind, f.youth,"                  \
	" coalesce(y.name, ''), f.caller, f.opened_ms, f.state,"               \
	" coalesce(f.outcome, ''), coalesce(f.closed_ms, 0),"                  \
	" coalesce(f.closed_by, ''), c.plan, coalesce(y.coordinator, '')"      \
	" FROM followups f"                                                    \
	" JOIN contacts c ON c.id = f.contact"                                 \
	" LEFT JOIN youths y ON y.id = nullif(f.youth, '')"
static const char sql_fu_get[] = FU_SELECT " WHERE f.id = ?1";
static const char sql_fu_list_open[] =
    FU_SELECT " WHERE f.state = 0 AND (?1 IS NULL OR f.service = ?1)"
              " ORDER BY f.opened_ms, f.id LIMIT ?2";
static const char sql_fu_list_done[] =
    FU_SELECT " WHERE f.state = 1 AND (?1 IS NULL OR f.service = ?1)"
              " ORDER BY f.closed_ms DESC, f.id DESC LIMIT ?2";
static const char sql_staff_get[] =
    "SELECT id, name, phone, role, coalesce(service, '') FROM staff"
    " WHERE id = ?1";
static const char sql_staff_list[] =
    "SELECT id, name, phone, role, coalesce(service, '') FROM staff"
    " WHERE ?1 IS NULL ORDER BY id";
static const char sql_staff_insert[] =
    "INSERT INTO staff (id, name, phone, role, service, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_staff_delete[] = "DELETE FROM staff WHERE id = ?1";
static const char sql_staff_by_phone[] =
    "SELECT id FROM staff WHERE phone = ?1";
/* A staff member of service (or of every service) by phone. */
static const char sql_staff_of_phone[] =
    "SELECT id FROM staff WHERE phone = ?2"
    " AND (service IS NULL OR service = ?1)";
/* Login codes and sessions (issue 11). */
static const char sql_login_who[] =
    "SELECT id, name, phone, role, coalesce(service, '') FROM staff"
    " WHERE phone = ?1 UNION ALL SELECT id, name, phone, 'coordinator',"
    " service FROM coordinators WHERE phone = ?1 LIMIT 1";
static const char sql_code_count[] =
    "SELECT count(*) FROM login_codes WHERE phone = ?1 AND created_ms >= ?2";
static const char sql_code_insert[] =
    "INSERT INTO login_codes (phone, hash, salt, created_ms, expires_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_code_live[] =
    "SELECT id, hash, salt, tries FROM login_codes WHERE phone = ?1"
    " AND used = 0 AND expires_ms > ?2 AND tries < ?3"
    " ORDER BY created_ms DESC, id DESC LIMIT 1";
static const char sql_code_try[] =
    "UPDATE login_codes SET tries = tries + 1, used = ?2 WHERE id = ?1";
static const char sql_session_insert[] =
    "INSERT INTO sessions (hash, staff, role, csrf, created_ms,"
    " last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char sql_session_get[] =
    "SELECT s.staff, s.role, s.csrf, s.last_seen_ms FROM sessions s"
    " WHERE s.hash = ?1 AND s.last_seen_ms > ?2"
    " AND (EXISTS (SELECT 1 FROM staff WHERE id = s.staff AND role = s.role)"
    " OR (s.role = 'coordinator' AND EXISTS (SELECT 1 FROM coordinators"
    " WHERE id = s.staff)))";
static const char sql_session_seen[] =
    "UPDATE sessions SET last_seen_ms = ?2 WHERE hash = ?1";
static const char sql_session_delete[] = "DELETE FROM sessions WHERE hash = ?1";
static const char sql_code_prune[] =
    "DELETE FROM login_codes WHERE created_ms < ?1";
static const char sql_session_prune[] =
    "DELETE FROM sessions WHERE last_seen_ms <= ?1";
/* A youth of any service with this phone (staff add). */
static const char sql_youth_of_phone[] =
    "SELECT id FROM youths WHERE phone = ?1 ORDER BY id LIMIT 1";
static const char sql_staff_slots[] =
    "SELECT id FROM rota WHERE staff = ?1 ORDER BY id";

/*
 * Rota slots with their holder's name and phone (staff first, then
 * coordinators; "" when the holder is gone).
 */
#define ROTA_SELECT                                                            \
	"SELECT r.id, r.service, r.staff, r.from_ms, r.to_ms,"                 \
	" coalesce(s.name, c.name, ''), coalesce(s.phone, c.phone, '')"        \
	" FROM rota r LEFT JOIN staff s ON s.id = r.staff"                     \
	" LEFT JOIN coordinators c ON c.id = r.staff"
static const char sql_rota_get[] = ROTA_SELECT " WHERE r.id = ?1";
static const char sql_rota_list[] =
    ROTA_SELECT " WHERE (?1 IS NULL OR r.service = ?1)"
                " AND r.to_ms > ?2 AND r.from_ms < ?3"
                " ORDER BY r.service, r.from_ms, r.id";
/* The slot holding now, if its holder still exists. */
static const char sql_rota_holder[] =
    ROTA_SELECT " WHERE r.service = ?1 AND r.to_ms > ?2 AND r.from_ms <= ?2"
                " AND coalesce(s.phone, c.phone) IS NOT NULL"
                " ORDER BY r.from_ms DESC LIMIT 1";
static const char sql_rota_overlap[] =
    "SELECT id FROM rota WHERE service = ?1 AND to_ms > ?2 AND from_ms < ?3"
    " ORDER BY from_ms LIMIT 1";
static const char sql_rota_insert[] =
    "INSERT INTO rota (service, staff, from_ms, to_ms, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_rota_delete[] = "DELETE FROM rota WHERE id = ?1";

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_PING,
	ST_COORDINATOR_GET,
	ST_COORDINATOR_LIST,
	ST_COORDINATOR_INSERT,
	ST_COORDINATOR_UPDATE,
	ST_COORDINATOR_DELETE,
	ST_COORDINATOR_BY_PHONE,
	ST_COORDINATOR_YOUTHS,
	ST_COORDINATOR_SUBSTITUTING,
	ST_YOUTH_GET,
	ST_YOUTH_LIST,
	ST_YOUTH_INSERT,
	ST_YOUTH_UPDATE,
	ST_YOUTH_DELETE,
	ST_YOUTH_BY_PHONE,
	ST_ABSENCE_GET,
	ST_ABSENCE_LIST,
	ST_ABSENCE_INSERT,
	ST_ABSENCE_DELETE,
	ST_LOOKUP_YOUTH,
	ST_LOOKUP_ABSENCES,
	ST_AUDIT_INSERT,
	ST_AUDIT_LIST,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_CALL_INSERT,
	ST_CALL_ID_BY_SID,
	ST_CALL_GET,
	ST_CALL_LEGS,
	ST_LEG_INSERT,
	ST_LEG_CONFIRM,
	ST_LEG_END,
	ST_CALL_ANSWERED,
	ST_FOLLOWUP_YOUTH,
	ST_FOLLOWUP_CALLER,
	ST_CALL_MISSED,
	ST_CALL_ENDED,
	ST_OUTBOX_INSERT,
	ST_OUTBOX_DUE,
	ST_OUTBOX_NEXT,
	ST_OUTBOX_SENT,
	ST_OUTBOX_RETRY,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_COUNTS,
	ST_OUTBOX_TRYING,
	ST_OUTBOX_TRIED,
	ST_OUTBOX_SID_KNOWN,
	ST_SMS_INSERT,
	ST_MESSAGE_INSERT,
	ST_MESSAGE_SEEN,
	ST_YOUTH_BY_CODE,
	ST_THREAD_GET,
	ST_THREAD_SET,
	ST_SMS_REPLIED_YOUTH,
	ST_SMS_REPLIED_CALLER,
	ST_OUTBOX_BY_SID,
	ST_OUTBOX_DELIVERY,
	ST_CONTACT_WHO,
	ST_PURGE_CONTACTS,
	ST_PURGE_MESSAGES,
	ST_PURGE_OUTBOX,
	ST_PURGE_THREADS,
	ST_UNCONFIRMED_INC,
	ST_REPORT_SCAN,
	ST_TOKEN_INSERT,
	ST_TOKEN_DELETE,
	ST_TOKEN_LIST,
	ST_TOKEN_BY_HASH,
	ST_TOKEN_USED,
	ST_FU_OPEN_CALL,
	ST_FU_OPEN_SMS,
	ST_FU_CLOSE_YOUTH,
	ST_FU_CLOSE_CALLER,
	ST_FU_ANSWERED_BY,
	ST_FU_DONE,
	ST_FU_GET,
	ST_FU_LIST_OPEN,
	ST_FU_LIST_DONE,
	ST_STAFF_GET,
	ST_STAFF_LIST,
	ST_STAFF_INSERT,
	ST_STAFF_DELETE,
	ST_STAFF_BY_PHONE,
	ST_STAFF_SLOTS,
	ST_STAFF_OF_PHONE,
	ST_YOUTH_OF_PHONE,
	ST_ROTA_GET,
	ST_ROTA_LIST,
	ST_ROTA_HOLDER,
	ST_ROTA_OVERLAP,
	ST_ROTA_INSERT,
	ST_ROTA_DELETE,
	ST_LOGIN_WHO,
	ST_CODE_COUNT,
	ST_CODE_INSERT,
	ST_CODE_LIVE,
	ST_CODE_TRY,
	ST_SESSION_INSERT,
	ST_SESSION_GET,
	ST_SESSION_SEEN,
	ST_SESSION_DELETE,
	ST_CODE_PRUNE,
	ST_SESSION_PRUNE,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = sql_begin,
    [ST_COMMIT] = sql_commit,
    [ST_ROLLBACK] = sql_rollback,
    [ST_PING] = sql_ping,
    [ST_COORDINATOR_GET] = sql_coordinator_get,
    [ST_COORDINATOR_LIST] = sql_coordinator_list,
    [ST_COORDINATOR_INSERT] = sql_coordinator_insert,
    [ST_COORDINATOR_UPDATE] = sql_coordinator_update,
    [ST_COORDINATOR_DELETE] = sql_coordinator_delete,
    [ST_COORDINATOR_BY_PHONE] = sql_coordinator_by_phone,
    [ST_COORDINATOR_YOUTHS] = sql_coordinator_youths,
    [ST_COORDINATOR_SUBSTITUTING] = sql_coordinator_substituting,
    [ST_YOUTH_GET] = sql_youth_get,
    [ST_YOUTH_LIST] = sql_youth_list,
    [ST_YOUTH_INSERT] = sql_youth_insert,
    [ST_YOUTH_UPDATE] = sql_youth_update,
    [ST_YOUTH_DELETE] = sql_youth_delete,
    [ST_YOUTH_BY_PHONE] = sql_youth_by_phone,
    [ST_ABSENCE_GET] = sql_absence_get,
    [ST_ABSENCE_LIST] = sql_absence_list,
    [ST_ABSENCE_INSERT] = sql_absence_insert,
    [ST_ABSENCE_DELETE] = sql_absence_delete,
    [ST_LOOKUP_YOUTH] = sql_lookup_youth,
    [ST_LOOKUP_ABSENCES] = sql_lookup_absences,
    [ST_AUDIT_INSERT] = sql_audit_insert,
    [ST_AUDIT_LIST] = sql_audit_list,
    [ST_SAVEPOINT] = sql_savepoint,
    [ST_RELEASE] = sql_release,
    [ST_ROLLBACK_TO] = sql_rollback_to,
    [ST_CALL_INSERT] = sql_call_insert,
    [ST_CALL_ID_BY_SID] = sql_call_id_by_sid,
    [ST_CALL_GET] = sql_call_get,
    [ST_CALL_LEGS] = sql_call_legs,
    [ST_LEG_INSERT] = sql_leg_insert,
    [ST_LEG_CONFIRM] = sql_leg_confirm,
    [ST_LEG_END] = sql_leg_end,
    [ST_CALL_ANSWERED] = sql_call_answered,
    [ST_FOLLOWUP_YOUTH] = sql_followup_youth,
    [ST_FOLLOWUP_CALLER] = sql_followup_caller,
    [ST_CALL_MISSED] = sql_call_missed,
    [ST_CALL_ENDED] = sql_call_ended,
    [ST_OUTBOX_INSERT] = sql_outbox_insert,
    [ST_OUTBOX_DUE] = sql_outbox_due,
    [ST_OUTBOX_NEXT] = sql_outbox_next,
    [ST_OUTBOX_SENT] = sql_outbox_sent,
    [ST_OUTBOX_RETRY] = sql_outbox_retry,
    [ST_OUTBOX_FAILED] = sql_outbox_failed,
    [ST_OUTBOX_COUNTS] = sql_outbox_counts,
    [ST_OUTBOX_TRYING] = sql_outbox_trying,
    [ST_OUTBOX_TRIED] = sql_outbox_tried,
    [ST_OUTBOX_SID_KNOWN] = sql_outbox_sid_known,
    [ST_SMS_INSERT] = sql_sms_insert,
    [ST_MESSAGE_INSERT] = sql_message_insert,
    [ST_MESSAGE_SEEN] = sql_message_seen,
    [ST_YOUTH_BY_CODE] = sql_youth_by_code,
    [ST_THREAD_GET] = sql_thread_get,
    [ST_THREAD_SET] = sql_thread_set,
    [ST_SMS_REPLIED_YOUTH] = sql_sms_replied_youth,
    [ST_SMS_REPLIED_CALLER] = sql_sms_replied_caller,
    [ST_OUTBOX_BY_SID] = sql_outbox_by_sid,
    [ST_OUTBOX_DELIVERY] = sql_outbox_delivery,
    [ST_CONTACT_WHO] = sql_contact_who,
    [ST_PURGE_CONTACTS] = sql_purge_contacts,
    [ST_PURGE_MESSAGES] = sql_purge_messages,
    [ST_PURGE_OUTBOX] = sql_purge_outbox,
    [ST_PURGE_THREADS] = sql_purge_threads,
    [ST_UNCONFIRMED_INC] = sql_unconfirmed_inc,
    [ST_REPORT_SCAN] = sql_report_scan,
    [ST_TOKEN_INSERT] = sql_token_insert,
    [ST_TOKEN_DELETE] = sql_token_delete,
    [ST_TOKEN_LIST] = sql_token_list,
    [ST_TOKEN_BY_HASH] = sql_token_by_hash,
    [ST_TOKEN_USED] = sql_token_used,
    [ST_FU_OPEN_CALL] = sql_fu_open_call,
    [ST_FU_OPEN_SMS] = sql_fu_open_sms,
    [ST_FU_CLOSE_YOUTH] = sql_fu_close_youth,
    [ST_FU_CLOSE_CALLER] = sql_fu_close_caller,
    [ST_FU_ANSWERED_BY] = sql_fu_answered_by,
    [ST_FU_DONE] = sql_fu_done,
    [ST_FU_GET] = sql_fu_get,
    [ST_FU_LIST_OPEN] = sql_fu_list_open,
    [ST_FU_LIST_DONE] = sql_fu_list_done,
    [ST_STAFF_GET] = sql_staff_get,
    [ST_STAFF_LIST] = sql_staff_list,
    [ST_STAFF_INSERT] = sql_staff_insert,
    [ST_STAFF_DELETE] = sql_staff_delete,
    [ST_STAFF_BY_PHONE] = sql_staff_by_phone,
    [ST_STAFF_SLOTS] = sql_staff_slots,
    [ST_STAFF_OF_PHONE] = sql_staff_of_phone,
    [ST_YOUTH_OF_PHONE] = sql_youth_of_phone,
    [ST_ROTA_GET] = sql_rota_get,
    [ST_ROTA_LIST] = sql_rota_list,
    [ST_ROTA_HOLDER] = sql_rota_holder,
    [ST_ROTA_OVERLAP] = sql_rota_overlap,
    [ST_ROTA_INSERT] = sql_rota_insert,
    [ST_ROTA_DELETE] = sql_rota_delete,
    [ST_LOGIN_WHO] = sql_login_who,
    [ST_CODE_COUNT] = sql_code_count,
    [ST_CODE_INSERT] = sql_code_insert,
    [ST_CODE_LIVE] = sql_code_live,
    [ST_CODE_TRY] = sql_code_try,
    [ST_SESSION_INSERT] = sql_session_insert,
    [ST_SESSION_GET] = sql_session_get,
    [ST_SESSION_SEEN] = sql_session_seen,
    [ST_SESSION_DELETE] = sql_session_delete,
    [ST_CODE_PRUNE] = sql_code_prune,
    [ST_SESSION_PRUNE] = sql_session_prune,
};

struct vakt_store {
	sqlite3 *db;
	char *path;
	int version;
	sqlite3_stmt *s[ST_COUNT];
	bool is_nested; /* a mutation runs as a savepoint in the batch */
};

/* Room for an audit detail; the listing struct keeps 255 bytes of it. */
#define DETAIL_LEN 256

/* Pause between tries to switch a new file to WAL (see set_wal()). */
#define WAL_RETRY_MS 10

/* Ids of youths listed in a refusal before "and N more". */
#define REFUSAL_IDS_LEN 200

/* ---------------------------------------------------------------- */
/* Small helpers around SQLite. */

static void
stmt_done(sqlite3_stmt *s)
{
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
}

/* NULL binds SQL NULL (documented sqlite3_bind_text() behaviour). */
static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static int
db_fail(struct vakt_store *st, const char *what, struct vakt_err *err)
{
	vakt_err_set(err, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/*
 * Copy a text column into dst, cut at a UTF-8 character boundary when
 * it does not fit (only audit rows written by others can be that long).
 */
static void
col_copy(sqlite3_stmt *s, int i, char *dst, size_t len)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	size_t n;

	if (v == NULL) {
		dst[0] = '\0';
		return;
	}
	if (vakt_strlcpy(dst, (const char *)v, len) == 0)
		return;
	/* v[n] is the first byte left out: drop a character it splits. */
	n = len - 1;
	while (n > 0 && (v[n] & 0xc0) == 0x80)
		n--;
	dst[n] = '\0';
}

/* Step a bound statement that returns no rows; reset it either way. */
static int
run(struct vakt_store *st, sqlite3_stmt *s, const char *what,
    struct vakt_err *err)
{
	int rc = 0;

	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_fail(st, what, err);
	stmt_done(s);
	return rc;
}

/*
 * First column of the first row of a bound statement into out: 1 found,
 * 0 no row, -1 error.  Resets the statement.
 */
static int
fetch_text(struct vakt_store *st, sqlite3_stmt *s, char *out, size_t len,
    const char *what, struct vakt_err *err)
{
	int rc = sqlite3_step(s);
	int ret = 0;

	if (rc == SQLITE_ROW) {
		col_copy(s, 0, out, len);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(st, what, err);
	}
	stmt_done(s);
	return ret;
}

static int
tx_begin(struct vakt_store *st, const char *what, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_BEGIN];
	int rc = 0;

	/* Inside vaktd's batch: nest, and let the batch commit. */
	st->is_nested = !sqlite3_get_autocommit(st->db);
	if (st->is_nested)
		s = st->s[ST_SAVEPOINT];

	if (sqlite3_step(s) != SQLITE_DONE) {
		vakt_err_set(err, "%s: cannot start a write: %s", what,
		    sqlite3_errmsg(st->db));
		rc = -1;
	}
	stmt_done(s);
	return rc;
}

/* Safe when SQLite already rolled back by itself (IOERR, FULL...). */
static void
tx_rollback(struct vakt_store *st)
{
	if (sqlite3_get_autocommit(st->db))
		return;
	if (st->is_nested) {
		(void)sqlite3_step(st->s[ST_ROLLBACK_TO]);
		stmt_done(st->s[ST_ROLLBACK_TO]);
		(void)sqlite3_step(st->s[ST_RELEASE]);
		stmt_done(st->s[ST_RELEASE]);
		st->is_nested = false;
		return;
	}
	(void)sqlite3_step(st->s[ST_ROLLBACK]);
	stmt_done(st->s[ST_ROLLBACK]);
}

static int
tx_commit(struct vakt_store *st, const char *what, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[st->is_nested ? ST_RELEASE : ST_COMMIT];
	int rc = 0;

	if (sqlite3_step(s) != SQLITE_DONE) {
		vakt_err_set(
		    err, "%s: cannot commit: %s", what, sqlite3_errmsg(st->db));
		rc = -1;
	}
	stmt_done(s);
	if (rc == -1)
		tx_rollback(st);
	st->is_nested = false;
	return rc;
}

/* Finish a transaction: commit if rc is 0, else roll back. */
static int
tx_end(struct vakt_store *st, int rc, const char *what, struct vakt_err *err)
{
	if (rc == -1) {
		tx_rollback(st);
		return -1;
	}
	return tx_commit(st, what, err);
}

/* ---------------------------------------------------------------- */
/* Open, migrate, close. */

/* One integer from a one-shot statement (PRAGMA, count). */
static int
query_int(struct vakt_store *st, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(s, 0);
	rc = 0;
out:
	/* Keep the step's message: finalize would reset it on success. */
	(void)sqlite3_finalize(s);
	return rc;
}

static int
read_version(struct vakt_store *st, int *version, struct vakt_err *err)
{
	if (query_int(st, sql_user_version, version) == -1) {
		vakt_err_set(err, "%s: cannot read: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (*version > N_MIGRATIONS) {
		vakt_err_set(err,
		    "%s: database schema version %d is newer than this vakt "
		    "(%d); upgrade vakt",
		    st->path, *version, N_MIGRATIONS);
		return -1;
	}
	if (*version < 0) {
		vakt_err_set(err,
		    "%s: database schema version %d is not vakt's", st->path,
		    *version);
		return -1;
	}
	return 0;
}

/* One try at PRAGMA journal_mode = WAL: SQLite's code, mode filled. */
static int
wal_try(struct vakt_store *st, char *mode, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql_journal_wal, -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		col_copy(s, 0, mode, len);
		rc = SQLITE_OK;
	}
	/* Keeps the step's message for sqlite3_errmsg(). */
	(void)sqlite3_finalize(s);
	return rc;
}

/*
 * Switching a new file to WAL upgrades a read lock to an exclusive one,
 * and SQLite does not call the busy handler for an upgrade (it could
 * deadlock), so two processes opening a new file at once would see
 * "database is locked" at once.  Retry for the busy timeout ourselves.
 * This runs only at open, before any event loop.
 */
static int
set_wal(struct vakt_store *st, int busy_timeout_ms, struct vakt_err *err)
{
	char mode[16] = "";
	int rc, waited_ms = 0;

	while ((rc = wal_try(st, mode, sizeof(mode))) == SQLITE_BUSY &&
	    waited_ms < busy_timeout_ms) {
		(void)sqlite3_sleep(WAL_RETRY_MS);
		waited_ms += WAL_RETRY_MS;
	}
	if (rc != SQLITE_OK) {
		vakt_err_set(err, "%s: cannot use WAL: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_stricmp(mode, "wal") != 0) {
		vakt_err_set(err, "%s: cannot use WAL: journal mode stays %s",
		    st->path, mode);
		return -1;
	}
	return 0;
}

/*
 * vaktd and every vaktctl command but init open an existing database
 * only: a missing file must not quietly become an empty directory
 * (issue 10: a database deleted under a running vaktd came back empty
 * at the next start, tokens and history gone).  The stat() only picks
 * the message; SQLite without SQLITE_OPEN_CREATE is what refuses.
 */
static int
no_database(struct vakt_store *st, bool is_create, struct vakt_err *err)
{
	struct stat sb;

	if (is_create || stat(st->path, &sb) == 0 || errno != ENOENT)
		return 0;
	vakt_err_data(err, "%s: no database", st->path);
	return -1;
}

static int
db_open(struct vakt_store *st, int busy_timeout_ms, bool is_create,
    struct vakt_err *err)
{
	int version, n_objects, rc;

	if (no_database(st, is_create, err) == -1)
		return -1;
	rc = sqlite3_open_v2(st->path, &st->db,
	    SQLITE_OPEN_READWRITE | (is_create ? SQLITE_OPEN_CREATE : 0) |
	        SQLITE_OPEN_FULLMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		vakt_err_set(err, "%s: cannot open: %s", st->path,
		    st->db != NULL ? sqlite3_errmsg(st->db)
		                   : sqlite3_errstr(rc));
		return -1;
	}
	(void)sqlite3_busy_timeout(st->db, busy_timeout_ms);
	/* Read first: a file that is not ours is refused before any write. */
	if (read_version(st, &version, err) == -1)
		return -1;
	/*
	 * An empty file has no schema yet: only init makes one.  (Version 0
	 * with tables is someone else's file: migrate_step() refuses it.)
	 */
	if (version == 0 && !is_create &&
	    query_int(st, sql_count_objects, &n_objects) == 0 &&
	    n_objects == 0) {
		vakt_err_data(
		    err, "%s: no database (the file is empty)", st->path);
		return -1;
	}
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		vakt_err_set(
		    err, "%s: cannot open for writing: read-only", st->path);
		return -1;
	}
	if (set_wal(st, busy_timeout_ms, err) == -1)
		return -1;
	if (sqlite3_exec(st->db, sql_settings, NULL, NULL, NULL) != SQLITE_OK) {
		vakt_err_set(err, "%s: cannot configure: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	st->version = version;
	return 0;
}

/*
 * Apply the migration for the version found inside the write
 * transaction, which another process may have moved on since we last
 * looked.  A version-0 file that already has tables was made by
 * something else: refuse rather than add our tables to it.
 */
static int
migrate_step(struct vakt_store *st, struct vakt_err *err)
{
	int version, n_objects;

	if (read_version(st, &version, err) == -1)
		return -1;
	if (version == 0) {
		if (query_int(st, sql_count_objects, &n_objects) == -1) {
			vakt_err_set(err, "%s: cannot read: %s", st->path,
			    sqlite3_errmsg(st->db));
			return -1;
		}
		if (n_objects > 0) {
			vakt_err_set(err,
			    "%s: not a vakt database (it has tables but no "
			    "schema version)",
			    st->path);
			return -1;
		}
	}
	if (version < N_MIGRATIONS &&
	    sqlite3_exec(st->db, migrations[version], NULL, NULL, NULL) !=
	        SQLITE_OK) {
		vakt_err_set(err, "%s: migration to version %d failed: %s",
		    st->path, version + 1, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

static int
migrate(struct vakt_store *st, struct vakt_err *err)
{
	while (st->version < N_MIGRATIONS) {
		int before = st->version;

		if (sqlite3_exec(st->db, sql_begin, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			vakt_err_set(err, "%s: cannot migrate: %s", st->path,
			    sqlite3_errmsg(st->db));
			return -1;
		}
		if (migrate_step(st, err) == -1) {
			(void)sqlite3_exec(
			    st->db, sql_rollback, NULL, NULL, NULL);
			return -1;
		}
		if (sqlite3_exec(st->db, sql_commit, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			vakt_err_set(err, "%s: cannot commit migration: %s",
			    st->path, sqlite3_errmsg(st->db));
			(void)sqlite3_exec(
			    st->db, sql_rollback, NULL, NULL, NULL);
			return -1;
		}
		if (read_version(st, &st->version, err) == -1)
			return -1;
		assert(st->version > before); /* each script sets it */
		if (st->version <= before) {
			vakt_err_set(err,
			    "%s: migration to version %d did not "
			    "set it",
			    st->path, before + 1);
			return -1;
		}
	}
	return 0;
}

static int
prepare_all(struct vakt_store *st, struct vakt_err *err)
{
	for (int i = 0; i < ST_COUNT; i++) {
		assert(stmt_sql[i] != NULL);
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
		        SQLITE_PREPARE_PERSISTENT, &st->s[i],
		        NULL) != SQLITE_OK) {
			vakt_err_set(err, "%s: cannot prepare: %s", st->path,
			    sqlite3_errmsg(st->db));
			return -1;
		}
	}
	return 0;
}

static struct vakt_store *
store_open(const char *path, int busy_timeout_ms, bool is_create,
    int *found_version, struct vakt_err *err)
{
	struct vakt_store *st = vakt_xcalloc(1, sizeof(*st));

	st->path = vakt_xstrdup(path);
	if (db_open(st, busy_timeout_ms, is_create, err) == -1) {
		vakt_store_close(st);
		return NULL;
	}
	if (found_version != NULL)
		*found_version = st->version;
	if (migrate(st, err) == -1 || prepare_all(st, err) == -1) {
		vakt_store_close(st);
		return NULL;
	}
	return st;
}

struct vakt_store *
vakt_store_open(const char *path, int busy_timeout_ms, struct vakt_err *err)
{
	return store_open(path, busy_timeout_ms, false, NULL, err);
}

struct vakt_store *
vakt_store_create(const char *path, int busy_timeout_ms, int *found_version,
    struct vakt_err *err)
{
	return store_open(path, busy_timeout_ms, true, found_version, err);
}

void
vakt_store_close(struct vakt_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		(void)sqlite3_finalize(st->s[i]);
	/* All statements are finalized, so close cannot be busy. */
	(void)sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int
vakt_store_version(struct vakt_store *st)
{
	return st->version;
}

int
vakt_store_ping(struct vakt_store *st, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_PING];
	int rc = 0;

	if (sqlite3_step(s) != SQLITE_ROW)
		rc = db_fail(st, "ping", err);
	stmt_done(s);
	return rc;
}

/*
 * SQLite's unix VFS answers SQLITE_FCNTL_HAS_MOVED by stat()ing the
 * path it opened and comparing the inode with the open file's: a path
 * that is gone (unlinked, st_nlink 0) or names another file (replaced,
 * renamed) is "moved".  Writes after that go to a file nobody will
 * open again.
 */
int
vakt_store_check(struct vakt_store *st, struct vakt_err *err)
{
	int is_moved = 0;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED,
	        &is_moved) != SQLITE_OK) {
		vakt_err_set(err, "%s: cannot check the database file: %s",
		    st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (is_moved) {
		vakt_err_set(err,
		    "database file deleted: %s no longer names the open "
		    "database",
		    st->path);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Checks of the caller's data, before any lock is taken. */

/* s for an error message: non-printable bytes as '?'. */
static const char *
shown(const char *s, size_t cap, char out[VAKT_ID_LEN])
{
	size_t i;

	for (i = 0; i < cap && i < VAKT_ID_LEN - 1 && s[i] != '\0'; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f)
			out[i] = s[i];
		else
			out[i] = '?';
	out[i] = '\0';
	return out;
}

static bool
id_valid(const char *s)
{
	size_t n;

	for (n = 0; n < VAKT_ID_LEN && s[n] != '\0'; n++)
		if (strchr("._-", s[n]) == NULL &&
		    !((s[n] >= 'a' && s[n] <= 'z') ||
		        (s[n] >= 'A' && s[n] <= 'Z') ||
		        (s[n] >= '0' && s[n] <= '9')))
			return false;
	return n >= 1 && n < VAKT_ID_LEN;
}

static int
check_id(
    const char *s, const char *field, const char *prefix, struct vakt_err *err)
{
	if (id_valid(s))
		return 0;
	if (s[0] == '\0') {
		vakt_err_data(err, "%s: %s is empty", prefix, field);
	} else {
		char buf[VAKT_ID_LEN];

		vakt_err_data(err,
		    "%s: %s \"%s\" is not 1 to 63 characters of A-Z a-z 0-9 . _ -",
		    prefix, field, shown(s, VAKT_ID_LEN, buf));
	}
	return -1;
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F = C2 80..C2 9F). */
static bool
has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

static int
check_name(
    const char *s, bool may_be_empty, const char *prefix, struct vakt_err *err)
{
	size_t len;

	if (memchr(s, '\0', VAKT_NAME_LEN) == NULL) {
		vakt_err_data(err, "%s: name is longer than %d bytes", prefix,
		    VAKT_NAME_LEN - 1);
		return -1;
	}
	len = strlen(s);
	if (len == 0 && !may_be_empty) {
		vakt_err_data(err, "%s: name is empty", prefix);
		return -1;
	}
	if (!vakt_utf8_valid(s, len)) {
		vakt_err_data(err, "%s: name is not valid UTF-8", prefix);
		return -1;
	}
	if (has_control(s)) {
		vakt_err_data(
		    err, "%s: name contains a control character", prefix);
		return -1;
	}
	return 0;
}

static int
check_phone(const char *s, const char *prefix, struct vakt_err *err)
{
	char buf[VAKT_ID_LEN];

	if (memchr(s, '\0', VAKT_E164_LEN) != NULL && vakt_e164_valid(s))
		return 0;
	vakt_err_data(err,
	    "%s: phone \"%s\" is not E.164 (+ and 7 to 15 digits)", prefix,
	    shown(s, VAKT_E164_LEN, buf));
	return -1;
}

static int
check_coordinator(
    const struct vakt_coordinator *c, const char *prefix, struct vakt_err *err)
{
	if (check_id(c->id, "id", prefix, err) == -1 ||
	    check_id(c->service, "service", prefix, err) == -1 ||
	    check_name(c->name, false, prefix, err) == -1 ||
	    check_phone(c->phone, prefix, err) == -1)
		return -1;
	return 0;
}

static int
check_youth(
    const struct vakt_youth *y, const char *prefix, struct vakt_err *err)
{
	if (check_id(y->id, "id", prefix, err) == -1 ||
	    check_id(y->service, "service", prefix, err) == -1 ||
	    check_name(y->name, true, prefix, err) == -1 ||
	    check_phone(y->phone, prefix, err) == -1 ||
	    check_id(y->coordinator, "coordinator", prefix, err) == -1)
		return -1;
	return 0;
}

static int
check_date(
    int date, const char *field, const char *prefix, struct vakt_err *err)
{
	if (vakt_date_valid(date / 10000, date / 100 % 100, date % 100))
		return 0;
	vakt_err_data(err, "%s: %s date %d is not a valid yyyymmdd date",
	    prefix, field, date);
	return -1;
}

static int
check_absence(
    const struct vakt_absence *a, const char *prefix, struct vakt_err *err)
{
	if (check_id(a->coordinator, "coordinator", prefix, err) == -1 ||
	    check_date(a->from, "from", prefix, err) == -1 ||
	    check_date(a->to, "to", prefix, err) == -1)
		return -1;
	if (a->from > a->to) {
		char from[11], to[11];

		vakt_date_format(a->from, from);
		vakt_date_format(a->to, to);
		vakt_err_data(
		    err, "%s: from %s is after to %s", prefix, from, to);
		return -1;
	}
	if (a->substitute[0] == '\0')
		return 0;
	if (check_id(a->substitute, "substitute", prefix, err) == -1)
		return -1;
	if (strcmp(a->substitute, a->coordinator) == 0) {
		vakt_err_data(err, "%s: %s cannot be their own substitute",
		    prefix, a->coordinator);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Rows to structs. */

static void
coordinator_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_coordinator *c = item;

	col_copy(s, 0, c->id, sizeof(c->id));
	col_copy(s, 1, c->service, sizeof(c->service));
	col_copy(s, 2, c->name, sizeof(c->name));
	col_copy(s, 3, c->phone, sizeof(c->phone));
}

static void
youth_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_youth *y = item;

	col_copy(s, 0, y->id, sizeof(y->id));
	col_copy(s, 1, y->service, sizeof(y->service));
	col_copy(s, 2, y->name, sizeof(y->name));
	col_copy(s, 3, y->phone, sizeof(y->phone));
	col_copy(s, 4, y->coordinator, sizeof(y->coordinator));
}

static void
absence_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_absence *a = item;

	a->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, a->coordinator, sizeof(a->coordinator));
	a->from = sqlite3_column_int(s, 2);
	a->to = sqlite3_column_int(s, 3);
	col_copy(s, 4, a->substitute, sizeof(a->substitute));
}

static void
audit_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_audit *a = item;

	a->id = sqlite3_column_int64(s, 0);
	a->at_ms = sqlite3_column_int64(s, 1);
	col_copy(s, 2, a->actor, sizeof(a->actor));
	col_copy(s, 3, a->action, sizeof(a->action));
	col_copy(s, 4, a->subject, sizeof(a->subject));
	col_copy(s, 5, a->detail, sizeof(a->detail));
}

typedef void row_fn(sqlite3_stmt *s, void *item);

/* How one kind of record is read: statements, item size and filler. */
struct row_kind {
	enum stmt_id get;  /* one by id (ST_COUNT: none) */
	enum stmt_id list; /* all, by a bound filter */
	size_t size;
	row_fn *fill;
	const char *get_what, *list_what; /* for error messages */
};

static const struct row_kind coordinator_rows = {ST_COORDINATOR_GET,
    ST_COORDINATOR_LIST, sizeof(struct vakt_coordinator), coordinator_from_row,
    "coordinator get", "coordinator list"};
static const struct row_kind youth_rows = {ST_YOUTH_GET, ST_YOUTH_LIST,
    sizeof(struct vakt_youth), youth_from_row, "youth get", "youth list"};
static const struct row_kind absence_rows = {ST_COUNT, ST_ABSENCE_LIST,
    sizeof(struct vakt_absence), absence_from_row, "", "absence list"};
static const struct row_kind audit_rows = {ST_COUNT, ST_AUDIT_LIST,
    sizeof(struct vakt_audit), audit_from_row, "", "audit list"};

/*
 * Step kind's bound list statement to the end, one item per row.  *out
 * is malloc'ed (NULL when there are no rows).  Resets the statement.
 */
static int
list_rows(struct vakt_store *st, const struct row_kind *kind, void **out,
    size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[kind->list];
	size_t size = kind->size, len = 0, cap = 0;
	char *v = NULL;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = vakt_xreallocarray(v, cap, size);
		}
		memset(v + len * size, 0, size);
		kind->fill(s, v + len * size);
		len++;
	}
	if (rc != SQLITE_DONE) {
		(void)db_fail(st, kind->list_what, err);
		stmt_done(s);
		free(v);
		return -1;
	}
	stmt_done(s);
	*out = v;
	*n = len;
	return 0;
}

/* One row by id into item: 1 found, 0 not found, -1 error. */
static int
get_row(struct vakt_store *st, const struct row_kind *kind, const char *id,
    void *item, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[kind->get];
	int rc, ret = 0;

	assert(kind->get != ST_COUNT);
	if (bind_text(s, 1, id) != SQLITE_OK) {
		ret = db_fail(st, kind->get_what, err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		kind->fill(s, item);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(st, kind->get_what, err);
	}
out:
	stmt_done(s);
	return ret;
}

/* ---------------------------------------------------------------- */
/* The audit trail. */

/* Who makes a change and when: stamps its audit rows and created_ms. */
struct change {
	const char *actor;
	int64_t now_ms;
};

static int
audit_write(struct vakt_store *st, const struct change *ch, const char *action,
    const char *subject, const char *detail, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_AUDIT_INSERT];

	if (sqlite3_bind_int64(s, 1, ch->now_ms) != SQLITE_OK ||
	    bind_text(s, 2, ch->actor != NULL ? ch->actor : "") != SQLITE_OK ||
	    bind_text(s, 3, action) != SQLITE_OK ||
	    bind_text(s, 4, subject) != SQLITE_OK ||
	    bind_text(s, 5, detail != NULL ? detail : "") != SQLITE_OK) {
		(void)db_fail(st, "audit", err);
		stmt_done(s);
		return -1;
	}
	return run(st, s, "audit", err);
}

/* Append "; "-separated parts to an audit detail; cut when full. */
static void __attribute__((format(printf, 2, 3)))
detail_add(char detail[DETAIL_LEN], const char *fmt, ...)
{
	size_t used = strlen(detail);
	va_list ap;

	if (used > 0 && used + 2 < DETAIL_LEN) {
		memcpy(detail + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	(void)vsnprintf(detail + used, DETAIL_LEN - used, fmt, ap);
	va_end(ap);
}

/* "phone +47*****001 -> +47*****011": never the full numbers. */
static void
detail_phone_change(char detail[DETAIL_LEN], const char *from, const char *to)
{
	char m1[VAKT_E164_LEN], m2[VAKT_E164_LEN];

	detail_add(detail, "phone %s -> %s", vakt_mask_e164(from, m1),
	    vakt_mask_e164(to, m2));
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_audit_add(struct vakt_store *st, const char *actor,
    const char *action, const char *subject, const char *detail, int64_t now_ms,
    struct vakt_err *err)
{
	static const char what[] = "audit add";
	const struct change ch = {actor, now_ms};
	int rc;

	if (action == NULL || action[0] == '\0' || subject == NULL) {
		vakt_err_data(err, "%s: action and subject are required", what);
		return -1;
	}
	if (tx_begin(st, what, err) == -1)
		return -1;
	rc = audit_write(st, &ch, action, subject, detail, err);
	return tx_end(st, rc, what, err);
}

/* NOLINTEND(readability-function-size) */

int
vakt_store_audit_list(struct vakt_store *st, size_t limit,
    struct vakt_audit **out, size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_AUDIT_LIST];
	void *v = NULL;

	*out = NULL;
	*n = 0;
	if (sqlite3_bind_int64(s, 1,
	        limit > INT64_MAX ? INT64_MAX : (int64_t)limit) != SQLITE_OK) {
		(void)db_fail(st, "audit list", err);
		stmt_done(s);
		return -1;
	}
	if (list_rows(st, &audit_rows, &v, n, err) == -1)
		return -1;
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Directory checks that need the database (inside the transaction). */

/* A youth or coordinator record about to be written. */
struct rec {
	const char *id, *service, *phone;
	bool is_youth;
};

/* Who else in the by-phone statement's table has r's phone: 1, 0, -1. */
static int
phone_owner(struct vakt_store *st, enum stmt_id which, const struct rec *r,
    const char *self, char owner[VAKT_ID_LEN], struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[which];

	if (bind_text(s, 1, r->service) != SQLITE_OK ||
	    bind_text(s, 2, r->phone) != SQLITE_OK ||
	    bind_text(s, 3, self) != SQLITE_OK) {
		(void)db_fail(st, "phone check", err);
		stmt_done(s);
		return -1;
	}
	return fetch_text(st, s, owner, VAKT_ID_LEN, "phone check", err);
}

/*
 * Refuse r's phone if another youth or coordinator of its service has
 * it.  r itself is left out of its own table only: a youth and a
 * coordinator may share an id.
 */
static int
phone_free(struct vakt_store *st, const struct rec *r, const char *prefix,
    struct vakt_err *err)
{
	char owner[VAKT_ID_LEN];
	int n;

	n = phone_owner(
	    st, ST_YOUTH_BY_PHONE, r, r->is_youth ? r->id : "", owner, err);
	if (n == 1)
		vakt_err_data(err, "%s: phone %s %s youth %s", prefix, r->phone,
		    r->is_youth ? "already belongs to" : "belongs to", owner);
	if (n != 0)
		return -1;
	n = phone_owner(st, ST_COORDINATOR_BY_PHONE, r,
	    r->is_youth ? "" : r->id, owner, err);
	if (n == 1)
		vakt_err_data(err, "%s: phone %s %s coordinator %s", prefix,
		    r->phone, r->is_youth ? "belongs to" : "already belongs to",
		    owner);
	if (n != 0 || !r->is_youth)
		return n == 0 ? 0 : -1;
	n = vakt_store_staff_by_phone(st, r->service, r->phone, owner, err);
	if (n == 1)
		vakt_err_data(err, "%s: phone %s belongs to staff %s", prefix,
		    r->phone, owner);
	return n == 0 ? 0 : -1;
}

static int
coordinator_get(struct vakt_store *st, const char *id,
    struct vakt_coordinator *c, struct vakt_err *err)
{
	return get_row(st, &coordinator_rows, id, c, err);
}

static int
youth_get(struct vakt_store *st, const char *id, struct vakt_youth *y,
    struct vakt_err *err)
{
	return get_row(st, &youth_rows, id, y, err);
}

/* Refuse id unless it is a coordinator of service. */
static int
coordinator_in(struct vakt_store *st, const char *id, const char *service,
    const char *prefix, struct vakt_err *err)
{
	struct vakt_coordinator c;
	int r = coordinator_get(st, id, &c, err);

	if (r == -1)
		return -1;
	if (r == 0 || strcmp(c.service, service) != 0) {
		vakt_err_data(err, "%s: no coordinator \"%s\" in service %s",
		    prefix, id, service);
		return -1;
	}
	return 0;
}

/*
 * The ids a bound statement returns, joined with ", " into buf, with
 * "and N more" when they do not fit.  Returns how many, or -1.
 */
static int
ids_joined(struct vakt_store *st, sqlite3_stmt *s, char *buf, size_t len,
    struct vakt_err *err)
{
	size_t used = 0;
	int n = 0, more = 0, rc;

	buf[0] = '\0';
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(s, 0);
		size_t id_len = id != NULL ? strlen((const char *)id) : 0;

		n++;
		if (id == NULL || used + id_len + 24 >= len) {
			more++;
			continue;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    used > 0 ? ", " : "", (const char *)id);
	}
	if (rc != SQLITE_DONE)
		n = db_fail(st, "coordinator remove", err);
	else if (more > 0)
		(void)snprintf(buf + used, len - used, " and %d more", more);
	stmt_done(s);
	return n;
}

/* ---------------------------------------------------------------- */
/* Coordinators. */

static int not_staff(struct vakt_store *st, const char *id, const char *prefix,
    struct vakt_err *err);

/* INSERT (is_new) or UPDATE of name and phone. */
static int
coordinator_write(struct vakt_store *st, const struct vakt_coordinator *c,
    bool is_new, int64_t now_ms, const char *prefix, struct vakt_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (is_new) {
		s = st->s[ST_COORDINATOR_INSERT];
		rc = bind_text(s, 1, c->id) || bind_text(s, 2, c->service) ||
		    bind_text(s, 3, c->name) || bind_text(s, 4, c->phone) ||
		    sqlite3_bind_int64(s, 5, now_ms);
	} else {
		s = st->s[ST_COORDINATOR_UPDATE];
		rc = bind_text(s, 1, c->id) || bind_text(s, 2, c->name) ||
		    bind_text(s, 3, c->phone);
	}
	if (rc != 0) {
		(void)db_fail(st, prefix, err);
		stmt_done(s);
		return -1;
	}
	return run(st, s, prefix, err);
}

static int
coordinator_insert(struct vakt_store *st, const struct vakt_coordinator *c,
    const char *prefix, const struct change *ch, struct vakt_err *err)
{
	const struct rec r = {c->id, c->service, c->phone, false};
	struct vakt_coordinator old;
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	int found = coordinator_get(st, c->id, &old, err);

	if (found == 1)
		vakt_err_data(
		    err, "%s: id \"%s\" already exists", prefix, c->id);
	if (found != 0 || not_staff(st, c->id, prefix, err) == -1 ||
	    phone_free(st, &r, prefix, err) == -1 ||
	    coordinator_write(st, c, true, ch->now_ms, prefix, err) == -1)
		return -1;
	detail_add(detail, "service %s, name %s, phone %s", c->service, c->name,
	    vakt_mask_e164(c->phone, mask));
	return audit_write(st, ch, "coordinator.add", c->id, detail, err);
}

int
vakt_store_coordinator_add(struct vakt_store *st,
    const struct vakt_coordinator *c, const char *actor, int64_t now_ms,
    struct vakt_err *err)
{
	static const char what[] = "coordinator add";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_coordinator(c, what, err) == -1 ||
	    tx_begin(st, what, err) == -1)
		return -1;
	rc = coordinator_insert(st, c, what, &ch, err);
	return tx_end(st, rc, what, err);
}

/* Refuse removing a coordinator who still has youths or substitutes. */
static int
coordinator_unused(struct vakt_store *st, const char *id, const char *what,
    struct vakt_err *err)
{
	sqlite3_stmt *youths = st->s[ST_COORDINATOR_YOUTHS];
	sqlite3_stmt *subs = st->s[ST_COORDINATOR_SUBSTITUTING];
	char ids[REFUSAL_IDS_LEN];
	int n;

	if (bind_text(youths, 1, id) != SQLITE_OK ||
	    bind_text(subs, 1, id) != SQLITE_OK) {
		(void)db_fail(st, what, err);
		stmt_done(youths);
		stmt_done(subs);
		return -1;
	}
	n = ids_joined(st, youths, ids, sizeof(ids), err);
	if (n > 0)
		vakt_err_data(err, "%s: %s still has %s %s", what, id,
		    n == 1 ? "youth" : "youths", ids);
	if (n != 0) {
		stmt_done(subs);
		return -1;
	}
	n = ids_joined(st, subs, ids, sizeof(ids), err);
	if (n > 0)
		vakt_err_data(err, "%s: %s is the substitute in %s %s", what,
		    id, n == 1 ? "absence" : "absences", ids);
	return n == 0 ? 0 : -1;
}

/*
 * Refuse removing someone who holds rota slots (issue 11): the slots
 * would silently stop ringing them, and come back with a new holder
 * of the same id.
 */
static int
holds_no_slots(struct vakt_store *st, const char *id, const char *what,
    struct vakt_err *err)
{
	sqlite3_stmt *slots = st->s[ST_STAFF_SLOTS];
	char ids[REFUSAL_IDS_LEN];
	int n;

	if (bind_text(slots, 1, id) != SQLITE_OK) {
		stmt_done(slots);
		return db_fail(st, what, err);
	}
	n = ids_joined(st, slots, ids, sizeof(ids), err);
	if (n > 0)
		vakt_err_data(err, "%s: %s still holds rota %s %s", what, id,
		    n == 1 ? "slot" : "slots", ids);
	return n == 0 ? 0 : -1;
}

static int
coordinator_delete(struct vakt_store *st, const char *id,
    const struct change *ch, struct vakt_err *err)
{
	static const char what[] = "coordinator remove";
	sqlite3_stmt *s = st->s[ST_COORDINATOR_DELETE];
	struct vakt_coordinator c;
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	int found = coordinator_get(st, id, &c, err);

	if (found == 0)
		vakt_err_data(err, "%s: no coordinator \"%s\"", what, id);
	if (found != 1 || coordinator_unused(st, id, what, err) == -1 ||
	    holds_no_slots(st, id, what, err) == -1)
		return -1;
	/* Their absences go by ON DELETE CASCADE. */
	if (bind_text(s, 1, id) != SQLITE_OK) {
		(void)db_fail(st, what, err);
		stmt_done(s);
		return -1;
	}
	if (run(st, s, what, err) == -1)
		return -1;
	detail_add(detail, "service %s, name %s, phone %s", c.service, c.name,
	    vakt_mask_e164(c.phone, mask));
	return audit_write(st, ch, "coordinator.remove", id, detail, err);
}

int
vakt_store_coordinator_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "coordinator remove";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_id(id, "id", what, err) == -1 ||
	    tx_begin(st, what, err) == -1)
		return -1;
	rc = coordinator_delete(st, id, &ch, err);
	return tx_end(st, rc, what, err);
}

/* ---------------------------------------------------------------- */
/* Youths. */

/* INSERT (is_new) or UPDATE of name, phone and coordinator. */
static int
youth_write(struct vakt_store *st, const struct vakt_youth *y, bool is_new,
    int64_t now_ms, const char *prefix, struct vakt_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (is_new) {
		s = st->s[ST_YOUTH_INSERT];
		rc = bind_text(s, 1, y->id) || bind_text(s, 2, y->service) ||
		    bind_text(s, 3, y->name) || bind_text(s, 4, y->phone) ||
		    bind_text(s, 5, y->coordinator) ||
		    sqlite3_bind_int64(s, 6, now_ms);
	} else {
		s = st->s[ST_YOUTH_UPDATE];
		rc = bind_text(s, 1, y->id) || bind_text(s, 2, y->name) ||
		    bind_text(s, 3, y->phone) ||
		    bind_text(s, 4, y->coordinator);
	}
	if (rc != 0) {
		(void)db_fail(st, prefix, err);
		stmt_done(s);
		return -1;
	}
	return run(st, s, prefix, err);
}

/* The checks that need the database, for a youth added or updated. */
static int
youth_fits(struct vakt_store *st, const struct vakt_youth *y,
    const char *prefix, struct vakt_err *err)
{
	const struct rec r = {y->id, y->service, y->phone, true};

	if (coordinator_in(st, y->coordinator, y->service, prefix, err) == -1)
		return -1;
	return phone_free(st, &r, prefix, err);
}

static int
youth_insert(struct vakt_store *st, const struct vakt_youth *y,
    const char *prefix, const struct change *ch, struct vakt_err *err)
{
	struct vakt_youth old;
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	int found = youth_get(st, y->id, &old, err);

	if (found == 1)
		vakt_err_data(
		    err, "%s: id \"%s\" already exists", prefix, y->id);
	if (found != 0 || youth_fits(st, y, prefix, err) == -1 ||
	    youth_write(st, y, true, ch->now_ms, prefix, err) == -1)
		return -1;
	/* No youth names in the audit: codes identify youths there. */
	detail_add(detail, "service %s, coordinator %s, phone %s", y->service,
	    y->coordinator, vakt_mask_e164(y->phone, mask));
	return audit_write(st, ch, "youth.add", y->id, detail, err);
}

int
vakt_store_youth_add(struct vakt_store *st, const struct vakt_youth *y,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "youth add";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_youth(y, what, err) == -1 || tx_begin(st, what, err) == -1)
		return -1;
	rc = youth_insert(st, y, what, &ch, err);
	return tx_end(st, rc, what, err);
}

static int
youth_set_coordinator(struct vakt_store *st, const char *id,
    const char *coordinator, const struct change *ch, struct vakt_err *err)
{
	static const char what[] = "youth move";
	struct vakt_youth y;
	char detail[DETAIL_LEN] = "";
	int found = youth_get(st, id, &y, err);

	if (found == 0)
		vakt_err_data(err, "%s: no youth \"%s\"", what, id);
	if (found != 1)
		return -1;
	if (strcmp(y.coordinator, coordinator) == 0)
		return 0;
	if (coordinator_in(st, coordinator, y.service, what, err) == -1)
		return -1;
	detail_add(detail, "coordinator %s -> %s", y.coordinator, coordinator);
	(void)vakt_strlcpy(y.coordinator, coordinator, sizeof(y.coordinator));
	if (youth_write(st, &y, false, ch->now_ms, what, err) == -1)
		return -1;
	return audit_write(st, ch, "youth.move", id, detail, err);
}

int
vakt_store_youth_move(struct vakt_store *st, const char *id,
    const char *coordinator, const char *actor, int64_t now_ms,
    struct vakt_err *err)
{
	static const char what[] = "youth move";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_id(id, "id", what, err) == -1 ||
	    check_id(coordinator, "coordinator", what, err) == -1 ||
	    tx_begin(st, what, err) == -1)
		return -1;
	rc = youth_set_coordinator(st, id, coordinator, &ch, err);
	return tx_end(st, rc, what, err);
}

static int
youth_delete(struct vakt_store *st, const char *id, const struct change *ch,
    struct vakt_err *err)
{
	static const char what[] = "youth remove";
	sqlite3_stmt *s = st->s[ST_YOUTH_DELETE];
	struct vakt_youth y;
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	int found = youth_get(st, id, &y, err);

	if (found == 0)
		vakt_err_data(err, "%s: no youth \"%s\"", what, id);
	if (found != 1)
		return -1;
	if (bind_text(s, 1, id) != SQLITE_OK) {
		(void)db_fail(st, what, err);
		stmt_done(s);
		return -1;
	}
	if (run(st, s, what, err) == -1)
		return -1;
	detail_add(detail, "service %s, coordinator %s, phone %s", y.service,
	    y.coordinator, vakt_mask_e164(y.phone, mask));
	return audit_write(st, ch, "youth.remove", id, detail, err);
}

int
vakt_store_youth_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "youth remove";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_id(id, "id", what, err) == -1 ||
	    tx_begin(st, what, err) == -1)
		return -1;
	rc = youth_delete(st, id, &ch, err);
	return tx_end(st, rc, what, err);
}

/* ---------------------------------------------------------------- */
/* Absences. */

static void
absence_detail(const struct vakt_absence *a, char detail[DETAIL_LEN])
{
	char from[11], to[11];

	vakt_date_format(a->from, from);
	vakt_date_format(a->to, to);
	detail[0] = '\0';
	detail_add(detail, "absence %lld, %s..%s, %s%s", (long long)a->id, from,
	    to, a->substitute[0] != '\0' ? "substitute " : "no substitute",
	    a->substitute);
}

static int
absence_insert(struct vakt_store *st, struct vakt_absence *a,
    const struct change *ch, struct vakt_err *err)
{
	static const char what[] = "absence add";
	sqlite3_stmt *s = st->s[ST_ABSENCE_INSERT];
	struct vakt_coordinator c;
	char detail[DETAIL_LEN];
	int found = coordinator_get(st, a->coordinator, &c, err);

	if (found == 0)
		vakt_err_data(
		    err, "%s: no coordinator \"%s\"", what, a->coordinator);
	if (found != 1)
		return -1;
	if (a->substitute[0] != '\0' &&
	    coordinator_in(st, a->substitute, c.service,
	        "absence add: substitute", err) == -1)
		return -1;
	if (bind_text(s, 1, a->coordinator) ||
	    sqlite3_bind_int(s, 2, a->from) || sqlite3_bind_int(s, 3, a->to) ||
	    bind_text(s, 4, a->substitute[0] != '\0' ? a->substitute : NULL) ||
	    sqlite3_bind_int64(s, 5, ch->now_ms)) {
		(void)db_fail(st, what, err);
		stmt_done(s);
		return -1;
	}
	if (run(st, s, what, err) == -1)
		return -1;
	a->id = sqlite3_last_insert_rowid(st->db);
	absence_detail(a, detail);
	return audit_write(st, ch, "absence.add", a->coordinator, detail, err);
}

int
vakt_store_absence_add(struct vakt_store *st, struct vakt_absence *a,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "absence add";
	const struct change ch = {actor, now_ms};
	int64_t old_id = a->id;
	int rc;

	if (check_absence(a, what, err) == -1 || tx_begin(st, what, err) == -1)
		return -1;
	rc = absence_insert(st, a, &ch, err);
	rc = tx_end(st, rc, what, err);
	if (rc == -1)
		a->id = old_id; /* the row was rolled back */
	return rc;
}

/* The absence numbered id into a: 1 found, 0 not found, -1 error. */
static int
absence_get(struct vakt_store *st, int64_t id, struct vakt_absence *a,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_ABSENCE_GET];
	int rc = SQLITE_ERROR;

	if (sqlite3_bind_int64(s, 1, id) == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		absence_from_row(s, a);
	else if (rc != SQLITE_DONE)
		(void)db_fail(st, "absence get", err);
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int
absence_delete(struct vakt_store *st, int64_t id, const struct change *ch,
    struct vakt_err *err)
{
	static const char what[] = "absence remove";
	sqlite3_stmt *s = st->s[ST_ABSENCE_DELETE];
	struct vakt_absence a;
	char detail[DETAIL_LEN];
	int found;

	memset(&a, 0, sizeof(a));
	found = absence_get(st, id, &a, err);
	if (found == 0)
		vakt_err_data(err, "%s: no absence %lld", what, (long long)id);
	if (found != 1)
		return -1;
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		(void)db_fail(st, what, err);
		stmt_done(s);
		return -1;
	}
	if (run(st, s, what, err) == -1)
		return -1;
	absence_detail(&a, detail);
	return audit_write(
	    st, ch, "absence.remove", a.coordinator, detail, err);
}

int
vakt_store_absence_remove(struct vakt_store *st, int64_t id, const char *actor,
    int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "absence remove";
	const struct change ch = {actor, now_ms};
	int rc;

	if (tx_begin(st, what, err) == -1)
		return -1;
	rc = absence_delete(st, id, &ch, err);
	return tx_end(st, rc, what, err);
}

/* ---------------------------------------------------------------- */
/* Listings and single reads. */

static int
list_by_service(struct vakt_store *st, const struct row_kind *kind,
    const char *service, void **out, size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[kind->list];

	*out = NULL;
	*n = 0;
	if (bind_text(s, 1, service) != SQLITE_OK) {
		(void)db_fail(st, kind->list_what, err);
		stmt_done(s);
		return -1;
	}
	return list_rows(st, kind, out, n, err);
}

int
vakt_store_coordinator_list(struct vakt_store *st, const char *service,
    struct vakt_coordinator **out, size_t *n, struct vakt_err *err)
{
	void *v = NULL;
	int rc = list_by_service(st, &coordinator_rows, service, &v, n, err);

	*out = v;
	return rc;
}

int
vakt_store_youth_list(struct vakt_store *st, const char *service,
    struct vakt_youth **out, size_t *n, struct vakt_err *err)
{
	void *v = NULL;
	int rc = list_by_service(st, &youth_rows, service, &v, n, err);

	*out = v;
	return rc;
}

int
vakt_store_absence_list(struct vakt_store *st, const char *service,
    struct vakt_absence **out, size_t *n, struct vakt_err *err)
{
	void *v = NULL;
	int rc = list_by_service(st, &absence_rows, service, &v, n, err);

	*out = v;
	return rc;
}

int
vakt_store_coordinator_get(struct vakt_store *st, const char *id,
    struct vakt_coordinator *out, struct vakt_err *err)
{
	memset(out, 0, sizeof(*out));
	return id == NULL ? 0 : coordinator_get(st, id, out, err);
}

int
vakt_store_youth_get(struct vakt_store *st, const char *id,
    struct vakt_youth *out, struct vakt_err *err)
{
	memset(out, 0, sizeof(*out));
	return id == NULL ? 0 : youth_get(st, id, out, err);
}

/* ---------------------------------------------------------------- */
/* Import. */

static const char *
import_id(const struct vakt_import_row *r)
{
	return r->is_youth ? r->u.youth.id : r->u.coordinator.id;
}

/* "line 7: youth U-0009" (without the id when it is not valid). */
static void
import_prefix(const struct vakt_import_row *r, char *buf, size_t len)
{
	const char *kind = r->is_youth ? "youth" : "coordinator";

	if (id_valid(import_id(r)))
		(void)snprintf(
		    buf, len, "line %d: %s %s", r->line, kind, import_id(r));
	else
		(void)snprintf(buf, len, "line %d: %s", r->line, kind);
}

/* Every row's fields, and no id twice, before taking the lock. */
static int
import_check(const struct vakt_import_row *rows, size_t n, struct vakt_err *err)
{
	char prefix[128];

	for (size_t i = 0; i < n; i++) {
		const struct vakt_import_row *r = &rows[i];

		import_prefix(r, prefix, sizeof(prefix));
		if ((r->is_youth ? check_youth(&r->u.youth, prefix, err)
		                 : check_coordinator(
		                       &r->u.coordinator, prefix, err)) == -1)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (rows[j].is_youth == r->is_youth &&
			    strcmp(import_id(&rows[j]), import_id(r)) == 0) {
				vakt_err_data(err, "%s: also on line %d",
				    prefix, rows[j].line);
				return -1;
			}
		}
	}
	return 0;
}

struct import_count {
	size_t added, updated;
};

static int
import_coordinator(struct vakt_store *st, const struct vakt_coordinator *c,
    const char *prefix, const struct change *ch, struct import_count *count,
    struct vakt_err *err)
{
	const struct rec r = {c->id, c->service, c->phone, false};
	struct vakt_coordinator old;
	char detail[DETAIL_LEN] = "";
	int found = coordinator_get(st, c->id, &old, err);

	if (found == 0) {
		count->added++;
		return coordinator_insert(st, c, prefix, ch, err);
	}
	if (found == -1)
		return -1;
	if (strcmp(old.service, c->service) != 0) {
		vakt_err_data(err, "%s: is in service %s, not %s", prefix,
		    old.service, c->service);
		return -1;
	}
	if (strcmp(old.name, c->name) != 0)
		detail_add(detail, "name %s", c->name);
	if (strcmp(old.phone, c->phone) != 0)
		detail_phone_change(detail, old.phone, c->phone);
	if (detail[0] == '\0')
		return 0;
	if (phone_free(st, &r, prefix, err) == -1 ||
	    coordinator_write(st, c, false, ch->now_ms, prefix, err) == -1)
		return -1;
	count->updated++;
	return audit_write(st, ch, "coordinator.update", c->id, detail, err);
}

static int
import_youth(struct vakt_store *st, const struct vakt_youth *y,
    const char *prefix, const struct change *ch, struct import_count *count,
    struct vakt_err *err)
{
	struct vakt_youth old;
	char detail[DETAIL_LEN] = "";
	int found = youth_get(st, y->id, &old, err);

	if (found == 0) {
		count->added++;
		return youth_insert(st, y, prefix, ch, err);
	}
	if (found == -1)
		return -1;
	if (strcmp(old.service, y->service) != 0) {
		vakt_err_data(err, "%s: is in service %s, not %s", prefix,
		    old.service, y->service);
		return -1;
	}
	if (strcmp(old.coordinator, y->coordinator) != 0)
		detail_add(detail, "coordinator %s -> %s", old.coordinator,
		    y->coordinator);
	if (strcmp(old.phone, y->phone) != 0)
		detail_phone_change(detail, old.phone, y->phone);
	if (strcmp(old.name, y->name) != 0)
		detail_add(detail, "name changed");
	if (detail[0] == '\0')
		return 0;
	if (youth_fits(st, y, prefix, err) == -1 ||
	    youth_write(st, y, false, ch->now_ms, prefix, err) == -1)
		return -1;
	count->updated++;
	return audit_write(st, ch, "youth.update", y->id, detail, err);
}

/* Coordinators first, so that youths can name coordinators of the file. */
static int
import_apply(struct vakt_store *st, const struct vakt_import_row *rows,
    size_t n, const struct change *ch, struct import_count *count,
    struct vakt_err *err)
{
	char prefix[128], detail[DETAIL_LEN] = "";
	int rc = 0;

	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			const struct vakt_import_row *r = &rows[i];

			if (r->is_youth != (pass == 1))
				continue;
			import_prefix(r, prefix, sizeof(prefix));
			rc = r->is_youth
			    ? import_youth(
			          st, &r->u.youth, prefix, ch, count, err)
			    : import_coordinator(st, &r->u.coordinator, prefix,
			          ch, count, err);
		}
	}
	if (rc == -1)
		return -1;
	detail_add(detail, "%zu rows, %zu added, %zu updated, %zu unchanged", n,
	    count->added, count->updated, n - count->added - count->updated);
	return audit_write(st, ch, "import", "directory", detail, err);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_import(struct vakt_store *st, const struct vakt_import_row *rows,
    size_t n, const char *actor, int64_t now_ms, size_t *n_added,
    size_t *n_updated, struct vakt_err *err)
{
	static const char what[] = "import";
	const struct change ch = {actor, now_ms};
	struct import_count count = {0, 0};
	int rc;

	*n_added = 0;
	*n_updated = 0;
	if (import_check(rows, n, err) == -1 || tx_begin(st, what, err) == -1)
		return -1;
	rc = import_apply(st, rows, n, &ch, &count, err);
	if (tx_end(st, rc, what, err) == -1)
		return -1;
	*n_added = count.added;
	*n_updated = count.updated;
	return 0;
}

/* NOLINTEND(readability-function-size) */

/* ---------------------------------------------------------------- */
/* The call path. */

static int
lookup_absences(struct vakt_store *st, int date, struct vakt_caller *out,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LOOKUP_ABSENCES];
	int rc = SQLITE_DONE;

	if (bind_text(s, 1, out->coordinator.id) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, date) != SQLITE_OK ||
	    sqlite3_bind_int(s, 3, VAKT_ABSENCES_MAX) != SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	/* LIMIT ?3 already stops at the cap; the count guards the array. */
	while (out->n_absences < VAKT_ABSENCES_MAX &&
	    (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vakt_absence_view *a = &out->absences[out->n_absences++];

		a->from = sqlite3_column_int(s, 0);
		a->to = sqlite3_column_int(s, 1);
		col_copy(s, 2, a->substitute.id, sizeof(a->substitute.id));
		col_copy(s, 3, a->substitute.name, sizeof(a->substitute.name));
		col_copy(
		    s, 4, a->substitute.phone, sizeof(a->substitute.phone));
	}
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
out:
	if (rc != SQLITE_DONE)
		(void)db_fail(st, "lookup caller", err);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
vakt_store_lookup_caller(struct vakt_store *st, const char *service,
    const char *number, int date, struct vakt_caller *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LOOKUP_YOUTH];
	int rc;

	memset(out, 0, sizeof(*out));
	if (number == NULL || number[0] == '\0' || service == NULL)
		return 0;
	if (bind_text(s, 1, service) != SQLITE_OK ||
	    bind_text(s, 2, number) != SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->is_known = true;
		col_copy(s, 0, out->youth.id, sizeof(out->youth.id));
		col_copy(s, 1, out->youth.name, sizeof(out->youth.name));
		col_copy(s, 2, out->youth.phone, sizeof(out->youth.phone));
		col_copy(
		    s, 3, out->coordinator.id, sizeof(out->coordinator.id));
		col_copy(
		    s, 4, out->coordinator.name, sizeof(out->coordinator.name));
		col_copy(s, 5, out->coordinator.phone,
		    sizeof(out->coordinator.phone));
	}
out:
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		(void)db_fail(st, "lookup caller", err);
	stmt_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (out->is_known && out->coordinator.id[0] != '\0')
		return lookup_absences(st, date, out, err);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Group commit. */

int
vakt_store_batch_begin(struct vakt_store *st, struct vakt_err *err)
{
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	return tx_begin(st, "batch", err);
}

int
vakt_store_batch_commit(struct vakt_store *st, struct vakt_err *err)
{
	if (sqlite3_get_autocommit(st->db))
		return 0;
	st->is_nested = false;
	return tx_commit(st, "batch", err);
}

bool
vakt_store_batch_is_open(struct vakt_store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

/*
 * One request's savepoint inside the batch.  Plain statements (no
 * prepared copy): they run once per request, not per row.
 */
static int
batch_exec(struct vakt_store *st, const char *sql, const char *what,
    struct vakt_err *err)
{
	if (sqlite3_get_autocommit(st->db)) {
		vakt_err_set(err, "%s: the batch is no longer open", what);
		return -1;
	}
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, what, err);
	return 0;
}

int
vakt_store_batch_mark(struct vakt_store *st, struct vakt_err *err)
{
	return batch_exec(st, "SAVEPOINT request", "request savepoint", err);
}

int
vakt_store_batch_keep(struct vakt_store *st, struct vakt_err *err)
{
	return batch_exec(st, "RELEASE request", "request release", err);
}

int
vakt_store_batch_undo(struct vakt_store *st, struct vakt_err *err)
{
	st->is_nested = false;
	return batch_exec(st, "ROLLBACK TO request; RELEASE request",
	    "request rollback", err);
}

/* ---------------------------------------------------------------- */
/* The contact log of calls. */

static const char role_digits[VAKT_ROLE_COUNT] = {'0', '1', '2', '3'};

/* "2||+4790000000|20;3||+4755555555|20" */
static char *
plan_encode(const struct vakt_plan *p)
{
	struct vakt_buf b = {0};

	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vakt_step *st = &p->steps[i];

		vakt_buf_printf(&b, "%s%c|%s|%s|%d", i > 0 ? ";" : "",
		    role_digits[st->role], st->who, st->number, st->timeout_s);
	}
	return vakt_buf_take(&b, NULL);
}

/* The inverse; steps that do not parse are left out. */
static size_t
plan_decode(const char *text, struct vakt_step steps[VAKT_PLAN_MAX])
{
	size_t n = 0;

	while (*text != '\0' && n < VAKT_PLAN_MAX) {
		size_t len = strcspn(text, ";");
		char item[VAKT_ID_LEN + VAKT_E164_LEN + 32];
		struct vakt_step *st = &steps[n];

		memset(st, 0, sizeof(*st));
		if (len < sizeof(item)) {
			char *who, *num, *tmo;

			memcpy(item, text, len);
			item[len] = '\0';
			who = strchr(item, '|');
			num = who != NULL ? strchr(who + 1, '|') : NULL;
			tmo = num != NULL ? strchr(num + 1, '|') : NULL;
			if (tmo != NULL && item[0] >= '0' && item[0] <= '3') {
				*who++ = *num++ = *tmo++ = '\0';
				st->role = (enum vakt_role)(item[0] - '0');
				(void)vakt_strlcpy(
				    st->who, who, sizeof(st->who));
				(void)vakt_strlcpy(
				    st->number, num, sizeof(st->number));
				st->timeout_s = atoi(tmo);
				n++;
			}
		}
		text += len;
		if (*text == ';')
			text++;
	}
	return n;
}

static int
leg_insert(struct vakt_store *st, int64_t id, int step,
    const struct vakt_step *p, int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LEG_INSERT];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, step) ||
	    sqlite3_bind_int(s, 3, (int)p->role) || bind_text(s, 4, p->who) ||
	    bind_text(s, 5, p->number) || sqlite3_bind_int64(s, 6, now_ms)) {
		stmt_done(s);
		return db_fail(st, "leg start", err);
	}
	return run(st, s, "leg start", err);
}

static int
call_bind(sqlite3_stmt *s, const char *call_sid, const char *caller,
    const struct vakt_plan *plan, const struct vakt_caller *who,
    const char *plan_text)
{
	return bind_text(s, 1, plan->svc->id) || bind_text(s, 2, call_sid) ||
	    bind_text(s, 3, caller) ||
	    bind_text(s, 4, who->is_known ? who->youth.id : NULL) ||
	    bind_text(s, 5,
	        who->is_known && who->coordinator.id[0] != '\0'
	            ? who->coordinator.id
	            : NULL) ||
	    sqlite3_bind_int(s, 6, (int)plan->cat) ||
	    sqlite3_bind_int(s, 7, (int)plan->why) ||
	    bind_text(s, 8, plan_text) || sqlite3_bind_int64(s, 9, plan->at_ms);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_call_add(struct vakt_store *st, const char *call_sid,
    const char *caller, const struct vakt_plan *plan,
    const struct vakt_caller *who, int64_t now_ms, int64_t *id, bool *is_dup,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_INSERT];
	char *text = plan_encode(plan);
	int rc;

	*id = 0;
	*is_dup = false;
	if (call_bind(s, call_sid, caller, plan, who, text) != SQLITE_OK) {
		free(text);
		stmt_done(s);
		return db_fail(st, "call add", err);
	}
	/*
	 * Not RETURNING: SQLite runs it as a trigger, and that makes every
	 * insert keep a statement journal (a copy of each page it changes,
	 * allocated and freed per call).
	 */
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE && sqlite3_changes(st->db) == 1)
		*id = sqlite3_last_insert_rowid(st->db);
	stmt_done(s);
	free(text);
	if (rc != SQLITE_DONE)
		return db_fail(st, "call add", err);
	if (*id != 0)
		return leg_insert(st, *id, 1, &plan->steps[0], now_ms, err);
	/* DO NOTHING inserted no row: this CallSid is already logged. */
	*is_dup = true;
	s = st->s[ST_CALL_ID_BY_SID];
	if (bind_text(s, 1, call_sid) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		stmt_done(s);
		return db_fail(st, "call add", err);
	}
	*id = sqlite3_column_int64(s, 0);
	stmt_done(s);
	return 0;
}

/* NOLINTEND(readability-function-size) */

static int
call_legs(
    struct vakt_store *st, struct vakt_call_rec *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_LEGS];
	int rc;

	if (sqlite3_bind_int64(s, 1, out->id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "call legs", err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int step = sqlite3_column_int(s, 0);

		if (step < 1 || step > VAKT_PLAN_MAX)
			continue;
		out->legs[step - 1].is_started = true;
		out->legs[step - 1].outcome = sqlite3_column_int(s, 1);
		out->legs[step - 1].confirmed_ms = sqlite3_column_int64(s, 2);
	}
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "call legs", err);
}

int
vakt_store_call_get(struct vakt_store *st, int64_t id,
    struct vakt_call_rec *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "call get", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		col_copy(s, 1, out->service, sizeof(out->service));
		col_copy(s, 2, out->caller, sizeof(out->caller));
		col_copy(s, 3, out->youth, sizeof(out->youth));
		col_copy(s, 4, out->youth_name, sizeof(out->youth_name));
		col_copy(s, 5, out->coordinator, sizeof(out->coordinator));
		out->cat = (enum vakt_category)sqlite3_column_int(s, 6);
		out->received_ms = sqlite3_column_int64(s, 7);
		out->status = (enum vakt_status)sqlite3_column_int(s, 8);
		col_copy(s, 10, out->call_sid, sizeof(out->call_sid));
		out->n_steps =
		    plan_decode((const char *)sqlite3_column_text(s, 9) != NULL
		            ? (const char *)sqlite3_column_text(s, 9)
		            : "",
		        out->steps);
	}
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "call get", err);
	return call_legs(st, out, err) == -1 ? -1 : 1;
}

int
vakt_store_call_get_by_sid(struct vakt_store *st, const char *call_sid,
    struct vakt_call_rec *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_ID_BY_SID];
	int64_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, call_sid) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "call get", err);
	}
	rc = sqlite3_step(s);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "call get", err);
	return vakt_store_call_get(st, id, out, err);
}

int
vakt_store_leg_start(struct vakt_store *st, int64_t id, int step,
    const struct vakt_step *plan_step, int64_t now_ms, struct vakt_err *err)
{
	return leg_insert(st, id, step, plan_step, now_ms, err);
}

int
vakt_store_leg_confirm(struct vakt_store *st, int64_t id, int step,
    const char *leg_sid, int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LEG_CONFIRM];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, step) ||
	    sqlite3_bind_int64(s, 3, now_ms) || bind_text(s, 4, leg_sid)) {
		stmt_done(s);
		return db_fail(st, "leg confirm", err);
	}
	return run(st, s, "leg confirm", err);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_leg_end(struct vakt_store *st, int64_t id, int step,
    const char *leg_sid, enum vakt_leg_outcome outcome, int64_t now_ms,
    bool *is_new, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LEG_END];

	*is_new = false;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, step) ||
	    sqlite3_bind_int(s, 3, (int)outcome) ||
	    sqlite3_bind_int64(s, 4, now_ms) ||
	    bind_text(
	        s, 5, leg_sid != NULL && leg_sid[0] != '\0' ? leg_sid : NULL)) {
		stmt_done(s);
		return db_fail(st, "leg end", err);
	}
	if (run(st, s, "leg end", err) == -1)
		return -1;
	*is_new = sqlite3_changes(st->db) > 0;
	if (!*is_new || outcome != VAKT_LEG_UNCONFIRMED)
		return 0;
	s = st->s[ST_UNCONFIRMED_INC];
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "leg end", err);
	}
	return run(st, s, "leg end", err);
}

/* NOLINTEND(readability-function-size) */

/* Open the follow-up of missed call id (a no-op if it has one). */
static int
fu_open_call(struct vakt_store *st, int64_t id, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_FU_OPEN_CALL];

	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "follow-up open", err);
	}
	return run(st, s, "follow-up open", err);
}

/* Open the follow-up of a youth's new message, unless one is open. */
static int
fu_open_sms(struct vakt_store *st, int64_t id, const char *service,
    const char *youth, const char *caller, int64_t at_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_FU_OPEN_SMS];

	if (sqlite3_bind_int64(s, 1, id) || bind_text(s, 2, service) ||
	    bind_text(s, 3, youth != NULL ? youth : "") ||
	    bind_text(s, 4, caller) || sqlite3_bind_int64(s, 5, at_ms)) {
		stmt_done(s);
		return db_fail(st, "follow-up open", err);
	}
	return run(st, s, "follow-up open", err);
}

/*
 * Close every open follow-up of c's youth (or, unknown, c's number)
 * opened by at_ms, as outcome by `by`.
 */
static int
fu_close(struct vakt_store *st, const struct vakt_call_rec *c, int64_t at_ms,
    const char *outcome, const char *by, struct vakt_err *err)
{
	bool by_youth = c->youth[0] != '\0';
	sqlite3_stmt *s =
	    st->s[by_youth ? ST_FU_CLOSE_YOUTH : ST_FU_CLOSE_CALLER];

	if (bind_text(s, 1, c->service) ||
	    bind_text(s, 2, by_youth ? c->youth : c->caller) ||
	    sqlite3_bind_int64(s, 3, at_ms) || bind_text(s, 4, outcome) ||
	    bind_text(s, 5, by)) {
		stmt_done(s);
		return db_fail(st, "follow-up close", err);
	}
	return run(st, s, "follow-up close", err);
}

/*
 * Count a reached youth (or number) as follow-up of earlier misses, and
 * close the youth's open follow-ups (outcome, by) in the same write.
 */
static int
followup(struct vakt_store *st, const struct vakt_call_rec *c, int64_t at_ms,
    const char *outcome, const char *by, struct vakt_err *err)
{
	bool by_youth = c->youth[0] != '\0';
	sqlite3_stmt *s =
	    st->s[by_youth ? ST_FOLLOWUP_YOUTH : ST_FOLLOWUP_CALLER];

	if (bind_text(s, 1, c->service) ||
	    bind_text(s, 2, by_youth ? c->youth : c->caller) ||
	    sqlite3_bind_int64(s, 3, at_ms)) {
		stmt_done(s);
		return db_fail(st, "follow-up", err);
	}
	if (run(st, s, "follow-up", err) == -1)
		return -1;
	return fu_close(st, c, at_ms, outcome, by, err);
}

int
vakt_store_call_answered(struct vakt_store *st, int64_t id, int step,
    int64_t answered_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_ANSWERED];
	struct vakt_call_rec c;
	char by[VAKT_ID_LEN];
	int found;

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, step) ||
	    sqlite3_bind_int64(s, 3, answered_ms)) {
		stmt_done(s);
		return db_fail(st, "call answered", err);
	}
	if (run(st, s, "call answered", err) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0; /* already answered: a retried webhook */
	found = vakt_store_call_get(st, id, &c, err);
	if (found != 1)
		return found;
	s = st->s[ST_FU_ANSWERED_BY];
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "call answered", err);
	}
	if (fetch_text(st, s, by, sizeof(by), "call answered", err) == -1)
		return -1;
	return followup(st, &c, answered_ms, "answered", by, err);
}

int
vakt_store_call_missed(struct vakt_store *st, int64_t id,
    enum vakt_missed reason, int64_t now_ms, bool *changed,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_MISSED];

	*changed = false;
	if (sqlite3_bind_int64(s, 1, id) ||
	    sqlite3_bind_int(s, 2, (int)reason) ||
	    sqlite3_bind_int64(s, 3, now_ms)) {
		stmt_done(s);
		return db_fail(st, "call missed", err);
	}
	if (run(st, s, "call missed", err) == -1)
		return -1;
	*changed = sqlite3_changes(st->db) > 0;
	/* Short abandons too: every missed call waits for a call-back. */
	return *changed ? fu_open_call(st, id, err) : 0;
}

int
vakt_store_call_ended(struct vakt_store *st, int64_t id, int duration_s,
    int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CALL_ENDED];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int64(s, 2, now_ms) ||
	    sqlite3_bind_int(s, 3, duration_s)) {
		stmt_done(s);
		return db_fail(st, "call ended", err);
	}
	return run(st, s, "call ended", err);
}

/* ---------------------------------------------------------------- */
/* The outbox. */

int
vakt_store_outbox_add(struct vakt_store *st, const struct vakt_outbox_msg *m,
    int64_t now_ms, int64_t *id, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_INSERT];
	int rc;

	if (sqlite3_bind_int64(s, 1, m->contact) ||
	    bind_text(s, 2, m->service) ||
	    sqlite3_bind_int(s, 3, (int)m->purpose) || bind_text(s, 4, m->to) ||
	    bind_text(s, 5, m->from) || bind_text(s, 6, m->body) ||
	    sqlite3_bind_int64(s, 7, (int64_t)strlen(m->body)) ||
	    sqlite3_bind_int64(s, 8, now_ms)) {
		stmt_done(s);
		return db_fail(st, "outbox add", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && id != NULL)
		*id = sqlite3_column_int64(s, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "outbox add", err);
}

static bool
is_skipped(int64_t id, const int64_t *skip, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (skip[i] == id)
			return true;
	return false;
}

static void
outbox_from_row(sqlite3_stmt *s, struct vakt_outbox_row *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->contact = sqlite3_column_int64(s, 1);
	col_copy(s, 2, r->service, sizeof(r->service));
	r->purpose = sqlite3_column_int(s, 3);
	col_copy(s, 4, r->to, sizeof(r->to));
	col_copy(s, 5, r->from, sizeof(r->from));
	r->body = vakt_xstrdup((const char *)sqlite3_column_text(s, 6));
	r->attempts = sqlite3_column_int(s, 7);
	r->created_ms = sqlite3_column_int64(s, 8);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_outbox_due(struct vakt_store *st, int64_t now_ms,
    const int64_t *skip, size_t n_skip, size_t limit,
    struct vakt_outbox_row **out, size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_DUE];
	int rc;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return 0;
	/* Ask for the rows in flight too, then leave them out. */
	if (sqlite3_bind_int64(s, 1, now_ms) ||
	    sqlite3_bind_int64(s, 2, (int64_t)(limit + n_skip))) {
		stmt_done(s);
		return db_fail(st, "outbox due", err);
	}
	*out = vakt_xcalloc(limit, sizeof(**out));
	while (*n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (is_skipped(sqlite3_column_int64(s, 0), skip, n_skip))
			continue;
		outbox_from_row(s, &(*out)[(*n)++]);
	}
	if (*n == limit)
		rc = SQLITE_DONE;
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		vakt_store_outbox_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_fail(st, "outbox due", err);
	}
	return 0;
}

/* NOLINTEND(readability-function-size) */

void
vakt_store_outbox_rows_free(struct vakt_outbox_row *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++) {
		if (rows[i].body != NULL)
			explicit_bzero(rows[i].body, strlen(rows[i].body));
		free(rows[i].body);
	}
	free(rows);
}

int
vakt_store_outbox_next_ms(struct vakt_store *st, int64_t now_ms,
    int64_t *next_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_NEXT];
	int rc;

	*next_ms = INT64_MAX;
	if (sqlite3_bind_int64(s, 1, now_ms) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "outbox next", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*next_ms = sqlite3_column_int64(s, 0);
	stmt_done(s);
	return rc == SQLITE_ROW ? 0 : db_fail(st, "outbox next", err);
}

int
vakt_store_outbox_sent(struct vakt_store *st, int64_t id, const char *sid,
    int64_t now_ms, bool keep_body, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_SENT];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int64(s, 2, now_ms) ||
	    bind_text(s, 3, sid) || sqlite3_bind_int(s, 4, keep_body)) {
		stmt_done(s);
		return db_fail(st, "outbox sent", err);
	}
	return run(st, s, "outbox sent", err);
}

int
vakt_store_outbox_retry(struct vakt_store *st, int64_t id, int64_t next_ms,
    const char *error, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_RETRY];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int64(s, 2, next_ms) ||
	    bind_text(s, 3, error)) {
		stmt_done(s);
		return db_fail(st, "outbox retry", err);
	}
	return run(st, s, "outbox retry", err);
}

int
vakt_store_outbox_failed(struct vakt_store *st, int64_t id, const char *error,
    int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_FAILED];

	/* A message that will never be delivered keeps no body either. */
	if (sqlite3_bind_int64(s, 1, id) || bind_text(s, 2, error) ||
	    sqlite3_bind_int64(s, 3, now_ms) || sqlite3_bind_int(s, 4, 0)) {
		stmt_done(s);
		return db_fail(st, "outbox failed", err);
	}
	return run(st, s, "outbox failed", err);
}

int
vakt_store_outbox_counts(struct vakt_store *st, size_t *pending, size_t *failed,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_COUNTS];
	int rc = sqlite3_step(s);

	*pending = *failed = 0;
	if (rc == SQLITE_ROW) {
		*pending = (size_t)sqlite3_column_int64(s, 0);
		*failed = (size_t)sqlite3_column_int64(s, 1);
	}
	stmt_done(s);
	return rc == SQLITE_ROW ? 0 : db_fail(st, "outbox counts", err);
}

int
vakt_store_outbox_trying(
    struct vakt_store *st, int64_t id, int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_TRYING];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int64(s, 2, now_ms)) {
		stmt_done(s);
		return db_fail(st, "outbox trying", err);
	}
	return run(st, s, "outbox trying", err);
}

int
vakt_store_outbox_tried(
    struct vakt_store *st, int64_t id, int64_t *at_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_TRIED];
	int rc;

	*at_ms = 0;
	if (sqlite3_bind_int64(s, 1, id)) {
		stmt_done(s);
		return db_fail(st, "outbox tried", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*at_ms = sqlite3_column_int64(s, 0);
	stmt_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "outbox tried", err);
	return rc == SQLITE_ROW ? 1 : 0;
}

int
vakt_store_outbox_sid_known(
    struct vakt_store *st, const char *sid, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_SID_KNOWN];
	int rc;

	if (bind_text(s, 1, sid) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "outbox sid", err);
	}
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(st, "outbox sid", err);
}

int
vakt_store_checkpoint(struct vakt_store *st, struct vakt_err *err)
{
	int rc;

	if (!sqlite3_get_autocommit(st->db)) {
		vakt_err_set(err, "checkpoint: a transaction is open");
		return -1;
	}
	rc = sqlite3_wal_checkpoint_v2(
	    st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc == SQLITE_BUSY)
		return 1;
	return rc == SQLITE_OK ? 0 : db_fail(st, "checkpoint", err);
}

/* ---------------------------------------------------------------- */
/* SMS. */

static int
message_insert(struct vakt_store *st, int64_t contact,
    const struct vakt_sms_meta *m, const char *service, enum vakt_direction dir,
    const char *youth, int64_t at_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_MESSAGE_INSERT];

	if (sqlite3_bind_int64(s, 1, contact) ||
	    sqlite3_bind_int(s, 2, (int)dir) || bind_text(s, 3, m->sid) ||
	    bind_text(s, 4, service) || bind_text(s, 5, m->from) ||
	    bind_text(s, 6, m->to) ||
	    bind_text(s, 7, youth != NULL && youth[0] != '\0' ? youth : NULL) ||
	    sqlite3_bind_int64(s, 8, at_ms) ||
	    sqlite3_bind_int64(s, 9, (int64_t)m->body_len) ||
	    sqlite3_bind_int(s, 10, m->segments)) {
		stmt_done(s);
		return db_fail(st, "message add", err);
	}
	return run(st, s, "message add", err);
}

int
vakt_store_sms_add(struct vakt_store *st, const struct vakt_sms_meta *m,
    const struct vakt_plan *plan, const struct vakt_caller *who, int64_t *id,
    bool *is_dup, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_SMS_INSERT];
	char *text = plan_encode(plan);
	int rc;

	*id = 0;
	*is_dup = false;
	if (call_bind(s, m->sid, m->from, plan, who, text) != SQLITE_OK) {
		free(text);
		stmt_done(s);
		return db_fail(st, "sms add", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	stmt_done(s);
	free(text);
	if (rc == SQLITE_DONE) {
		*is_dup = true; /* DO NOTHING: this MessageSid is logged */
		return 0;
	}
	if (rc != SQLITE_ROW)
		return db_fail(st, "sms add", err);
	if (message_insert(st, *id, m, plan->svc->id, VAKT_DIR_IN,
	        who->is_known ? who->youth.id : NULL, plan->at_ms, err) == -1)
		return -1;
	return fu_open_sms(st, *id, plan->svc->id,
	    who->is_known ? who->youth.id : NULL, m->from, plan->at_ms, err);
}

int
vakt_store_message_seen(
    struct vakt_store *st, const char *sid, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_MESSAGE_SEEN];
	int rc;

	if (bind_text(s, 1, sid) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "message seen", err);
	}
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(st, "message seen", err);
}

/* Answer the thread's open messages and count the reply as follow-up. */
static int
thread_answered(struct vakt_store *st, const char *service, const char *youth,
    const char *number, const char *staff_id, int64_t now_ms,
    struct vakt_err *err)
{
	bool by_youth = youth[0] != '\0';
	sqlite3_stmt *s =
	    st->s[by_youth ? ST_SMS_REPLIED_YOUTH : ST_SMS_REPLIED_CALLER];
	struct vakt_call_rec c = {0};

	if (bind_text(s, 1, service) ||
	    bind_text(s, 2, by_youth ? youth : number) ||
	    sqlite3_bind_int64(s, 3, now_ms) || bind_text(s, 4, staff_id)) {
		stmt_done(s);
		return db_fail(st, "sms replied", err);
	}
	if (run(st, s, "sms replied", err) == -1)
		return -1;
	(void)vakt_strlcpy(c.service, service, sizeof(c.service));
	(void)vakt_strlcpy(c.youth, youth, sizeof(c.youth));
	(void)vakt_strlcpy(c.caller, number, sizeof(c.caller));
	return followup(st, &c, now_ms, "replied", staff_id, err);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_staff_message(struct vakt_store *st, const struct vakt_sms_meta *m,
    const char *service, enum vakt_direction dir, const char *staff_id,
    const char *youth, const char *number, int64_t now_ms, struct vakt_err *err)
{
	if (message_insert(st, 0, m, service, dir, youth, now_ms, err) == -1)
		return -1;
	if (dir != VAKT_DIR_REPLY)
		return 0;
	return thread_answered(
	    st, service, youth, number, staff_id, now_ms, err);
}

/* NOLINTEND(readability-function-size) */

int
vakt_store_coordinator_by_phone(struct vakt_store *st, const char *service,
    const char *phone, char id[VAKT_ID_LEN], struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_COORDINATOR_BY_PHONE];

	if (bind_text(s, 1, service) || bind_text(s, 2, phone) ||
	    bind_text(s, 3, "")) {
		stmt_done(s);
		return db_fail(st, "staff by phone", err);
	}
	return fetch_text(st, s, id, VAKT_ID_LEN, "staff by phone", err);
}

int
vakt_store_youth_by_code(struct vakt_store *st, const char *service,
    const char *code, struct vakt_youth *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_YOUTH_BY_CODE];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, service) || bind_text(s, 2, code)) {
		stmt_done(s);
		return db_fail(st, "youth by code", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		youth_from_row(s, out);
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(st, "youth by code", err);
}

int
vakt_store_thread_get(struct vakt_store *st, const char *service,
    const char *staff, struct vakt_thread *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_THREAD_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, service) || bind_text(s, 2, staff)) {
		stmt_done(s);
		return db_fail(st, "thread get", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		col_copy(s, 0, out->youth, sizeof(out->youth));
		col_copy(s, 1, out->number, sizeof(out->number));
		out->updated_ms = sqlite3_column_int64(s, 2);
	}
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(st, "thread get", err);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_thread_set(struct vakt_store *st, const char *service,
    const char *staff, const char *youth, const char *number, int64_t now_ms,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_THREAD_SET];

	if (bind_text(s, 1, service) || bind_text(s, 2, staff) ||
	    bind_text(s, 3, youth != NULL && youth[0] != '\0' ? youth : NULL) ||
	    bind_text(s, 4, number) || sqlite3_bind_int64(s, 5, now_ms)) {
		stmt_done(s);
		return db_fail(st, "thread set", err);
	}
	return run(st, s, "thread set", err);
}

int
vakt_store_outbox_delivery(struct vakt_store *st, const char *sid,
    const char *status, int64_t now_ms, struct vakt_outbox_row *row,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_OUTBOX_BY_SID];
	int rc;

	memset(row, 0, sizeof(*row));
	if (bind_text(s, 1, sid) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "outbox delivery", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		outbox_from_row(s, row);
	stmt_done(s);
	free(row->body); /* the query selects '' for it */
	row->body = NULL;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0
		                         : db_fail(st, "outbox delivery", err);
	s = st->s[ST_OUTBOX_DELIVERY];
	if (sqlite3_bind_int64(s, 1, row->id) || bind_text(s, 2, status) ||
	    sqlite3_bind_int64(s, 3, now_ms)) {
		stmt_done(s);
		return db_fail(st, "outbox delivery", err);
	}
	if (run(st, s, "outbox delivery", err) == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

/* NOLINTEND(readability-function-size) */

int
vakt_store_contact_who(struct vakt_store *st, int64_t id,
    char youth[VAKT_ID_LEN], char name[VAKT_NAME_LEN],
    char caller[VAKT_CALLER_LEN], struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CONTACT_WHO];
	int rc;

	youth[0] = name[0] = caller[0] = '\0';
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "contact who", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		col_copy(s, 0, youth, VAKT_ID_LEN);
		col_copy(s, 1, name, VAKT_NAME_LEN);
		col_copy(s, 2, caller, VAKT_CALLER_LEN);
	}
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(st, "contact who", err);
}

/* One bounded DELETE; adds the rows it removed to *n. */
static int
purge_one(struct vakt_store *st, enum stmt_id which, int64_t before_ms,
    size_t limit, size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[which];

	if (sqlite3_bind_int64(s, 1, before_ms) ||
	    (which != ST_PURGE_THREADS &&
	        sqlite3_bind_int64(s, 2, (int64_t)limit))) {
		stmt_done(s);
		return db_fail(st, "purge", err);
	}
	if (run(st, s, "purge", err) == -1)
		return -1;
	*n += (size_t)sqlite3_changes(st->db);
	return 0;
}

/* Children before parents, so no DELETE waits on a foreign key scan. */
static const enum stmt_id purge_order[] = {
    ST_PURGE_CONTACTS, ST_PURGE_MESSAGES, ST_PURGE_OUTBOX, ST_PURGE_THREADS};

int
vakt_store_purge(struct vakt_store *st, int64_t before_ms, size_t limit,
    size_t *n, struct vakt_err *err)
{
	int rc = 0;

	*n = 0;
	if (tx_begin(st, "purge", err) == -1)
		return -1;
	for (size_t i = 0;
	     i < sizeof(purge_order) / sizeof(purge_order[0]) && rc == 0; i++)
		rc = purge_one(st, purge_order[i], before_ms, limit, n, err);
	return tx_end(st, rc, "purge", err);
}

/*
 * The purge mark: the time the last purge run trusted (its audit row),
 * or, for a database never purged, its newest contact or audit row.
 * Prepared when used: it runs once a day.
 */
static const char sql_purge_mark[] =
    "SELECT coalesce((SELECT at_ms FROM audit WHERE action = '" VAKT_STORE_PURGE_ACTION
    "' ORDER BY id DESC LIMIT 1),"
    " max(coalesce((SELECT max(received_ms) FROM contacts), 0),"
    " coalesce((SELECT max(at_ms) FROM audit), 0)))";

int64_t
vakt_store_purge_trust(int64_t now_ms, int64_t mark_ms)
{
	if (mark_ms <= 0 || now_ms - mark_ms <= VAKT_PURGE_SLACK_MS)
		return now_ms;
	return mark_ms + VAKT_PURGE_SLACK_MS;
}

int
vakt_store_purge_clock(struct vakt_store *st, int64_t now_ms,
    int64_t *trusted_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = NULL;
	int64_t mark_ms = 0;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, sql_purge_mark, -1, &s, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		goto out;
	mark_ms = sqlite3_column_int64(s, 0);
	*trusted_ms = vakt_store_purge_trust(now_ms, mark_ms);
	rc = 0;
out:
	if (rc == -1)
		db_fail(st, "purge mark", err);
	(void)sqlite3_finalize(s);
	return rc;
}

int
vakt_store_purge_done(struct vakt_store *st, const char *actor,
    int64_t trusted_ms, int days, size_t n, struct vakt_err *err)
{
	char detail[DETAIL_LEN];

	(void)snprintf(
	    detail, sizeof(detail), "%zu rows older than %d days", n, days);
	return vakt_store_audit_add(st, actor, VAKT_STORE_PURGE_ACTION,
	    "contacts", detail, trusted_ms, err);
}

/* ---------------------------------------------------------------- */
/* Reports. */

static void
report_row_of(sqlite3_stmt *s, struct vakt_report_row *r)
{
	r->service = (const char *)sqlite3_column_text(s, 0);
	r->kind = (enum vakt_kind)sqlite3_column_int(s, 1);
	r->youth = (const char *)sqlite3_column_text(s, 2);
	r->coordinator = (const char *)sqlite3_column_text(s, 3);
	r->caller = (const char *)sqlite3_column_text(s, 4);
	r->cat = (enum vakt_category)sqlite3_column_int(s, 5);
	r->received_ms = sqlite3_column_int64(s, 6);
	r->status = (enum vakt_status)sqlite3_column_int(s, 7);
	r->missed_reason = sqlite3_column_int(s, 8);
	r->answered_ms = sqlite3_column_int64(s, 9);
	r->answered_step = sqlite3_column_int(s, 10);
	r->answered_role = sqlite3_column_int(s, 11);
	r->ended_ms = sqlite3_column_int64(s, 12);
	r->followup_ms = sqlite3_column_int64(s, 13);
	r->reply_ms = sqlite3_column_int64(s, 14);
	r->unconfirmed_legs = sqlite3_column_int(s, 15);
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_report_scan(struct vakt_store *st, int64_t from_ms, int64_t to_ms,
    const char *service, vakt_store_row_fn *fn, void *arg, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_REPORT_SCAN];
	struct vakt_report_row row;
	int rc;

	if (sqlite3_bind_int64(s, 1, from_ms) ||
	    sqlite3_bind_int64(s, 2, to_ms) || bind_text(s, 3, service)) {
		stmt_done(s);
		return db_fail(st, "report", err);
	}
	/* Column pointers live until the next step: fn must not keep them. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		report_row_of(s, &row);
		if (row.service == NULL || row.caller == NULL)
			continue;
		(void)fn(arg, &row);
	}
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, "report", err);
}

/* NOLINTEND(readability-function-size) */

/* ---------------------------------------------------------------- */
/* API tokens. */

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_token_add(struct vakt_store *st, const char *name,
    enum vakt_auth_role role, const char *hash, const char *actor,
    int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "token add";
	const struct change ch = {actor, now_ms};
	sqlite3_stmt *s = st->s[ST_TOKEN_INSERT];
	int rc, step;

	if (check_id(name, "name", what, err) == -1)
		return -1;
	if (tx_begin(st, what, err) == -1)
		return -1;
	if (bind_text(s, 1, name) || sqlite3_bind_int(s, 2, (int)role) ||
	    bind_text(s, 3, hash) || sqlite3_bind_int64(s, 4, now_ms))
		step = SQLITE_ERROR;
	else
		step = sqlite3_step(s);
	if (step == SQLITE_DONE)
		rc = 0;
	else if (sqlite3_extended_errcode(st->db) ==
	    SQLITE_CONSTRAINT_PRIMARYKEY) {
		vakt_err_data(
		    err, "%s: a token named \"%s\" already exists", what, name);
		rc = -1;
	} else {
		rc = db_fail(st, what, err);
	}
	stmt_done(s);
	if (rc == 0)
		rc = audit_write(
		    st, &ch, "token.add", name, vakt_auth_role_name(role), err);
	return tx_end(st, rc, what, err);
}

/* NOLINTEND(readability-function-size) */

int
vakt_store_token_revoke(struct vakt_store *st, const char *name,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "token revoke";
	const struct change ch = {actor, now_ms};
	sqlite3_stmt *s = st->s[ST_TOKEN_DELETE];
	int rc;

	if (tx_begin(st, what, err) == -1)
		return -1;
	if (bind_text(s, 1, name) != SQLITE_OK) {
		stmt_done(s);
		rc = db_fail(st, what, err);
	} else {
		rc = run(st, s, what, err);
	}
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		vakt_err_data(err, "%s: no token named \"%s\"", what, name);
		rc = -1;
	}
	if (rc == 0)
		rc = audit_write(st, &ch, "token.revoke", name, "", err);
	return tx_end(st, rc, what, err);
}

static void
token_from_row(sqlite3_stmt *s, struct vakt_token *t)
{
	col_copy(s, 0, t->name, sizeof(t->name));
	t->role =
	    sqlite3_column_int(s, 1) == 1 ? VAKT_AUTH_ADMIN : VAKT_AUTH_LEADER;
	t->created_ms = sqlite3_column_int64(s, 2);
	t->last_used_ms = sqlite3_column_int64(s, 3);
}

int
vakt_store_token_list(struct vakt_store *st, struct vakt_token **out, size_t *n,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_TOKEN_LIST];
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			*out = vakt_xreallocarray(*out, cap, sizeof(**out));
		}
		token_from_row(s, &(*out)[(*n)++]);
	}
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	free(*out);
	*out = NULL;
	*n = 0;
	return db_fail(st, "token list", err);
}

int
vakt_store_token_check(struct vakt_store *st, const char *hash, int64_t now_ms,
    struct vakt_token *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_TOKEN_BY_HASH];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, hash) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "token check", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		token_from_row(s, out);
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "token check", err);
	s = st->s[ST_TOKEN_USED];
	if (bind_text(s, 1, out->name) || sqlite3_bind_int64(s, 2, now_ms)) {
		stmt_done(s);
		return db_fail(st, "token check", err);
	}
	return run(st, s, "token check", err) == -1 ? -1 : 1;
}

/* ---------------------------------------------------------------- */
/* The follow-up queue. */

static void
followup_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_followup *f = item;
	struct vakt_step steps[VAKT_PLAN_MAX];
	const char *plan = (const char *)sqlite3_column_text(s, 12);

	f->id = sqlite3_column_int64(s, 0);
	f->contact_id = sqlite3_column_int64(s, 1);
	col_copy(s, 2, f->service, sizeof(f->service));
	f->kind = (enum vakt_kind)sqlite3_column_int(s, 3);
	col_copy(s, 4, f->youth, sizeof(f->youth));
	col_copy(s, 5, f->youth_name, sizeof(f->youth_name));
	col_copy(s, 6, f->caller, sizeof(f->caller));
	f->opened_ms = sqlite3_column_int64(s, 7);
	f->is_done = sqlite3_column_int(s, 8) != 0;
	col_copy(s, 9, f->outcome, sizeof(f->outcome));
	f->closed_ms = sqlite3_column_int64(s, 10);
	col_copy(s, 11, f->closed_by, sizeof(f->closed_by));
	col_copy(s, 13, f->youth_coordinator, sizeof(f->youth_coordinator));
	f->resp_role = VAKT_ROLE_BEREDSKAP;
	if (plan_decode(plan != NULL ? plan : "", steps) > 0 &&
	    (steps[0].role == VAKT_ROLE_COORDINATOR ||
	        steps[0].role == VAKT_ROLE_SUBSTITUTE)) {
		f->resp_role = steps[0].role;
		(void)vakt_strlcpy(
		    f->resp_id, steps[0].who, sizeof(f->resp_id));
	}
}

static const struct row_kind followup_open_rows = {ST_FU_GET, ST_FU_LIST_OPEN,
    sizeof(struct vakt_followup), followup_from_row, "follow-up get",
    "follow-up list"};
static const struct row_kind followup_done_rows = {ST_FU_GET, ST_FU_LIST_DONE,
    sizeof(struct vakt_followup), followup_from_row, "follow-up get",
    "follow-up list"};

/* The responsible person's name as the directory has it today. */
static int
followup_names(struct vakt_store *st, struct vakt_followup *v, size_t n,
    struct vakt_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct vakt_coordinator c;
		int found;

		if (v[i].resp_id[0] == '\0')
			continue;
		found = coordinator_get(st, v[i].resp_id, &c, err);
		if (found == -1)
			return -1;
		if (found == 1)
			(void)vakt_strlcpy(
			    v[i].resp_name, c.name, sizeof(v[i].resp_name));
	}
	return 0;
}

int
vakt_store_followup_list(struct vakt_store *st, bool is_done,
    const char *service, size_t limit, struct vakt_followup **out, size_t *n,
    struct vakt_err *err)
{
	const struct row_kind *kind =
	    is_done ? &followup_done_rows : &followup_open_rows;
	sqlite3_stmt *s = st->s[kind->list];
	void *v = NULL;

	*out = NULL;
	*n = 0;
	if (bind_text(s, 1, service) ||
	    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit)) {
		stmt_done(s);
		return db_fail(st, "follow-up list", err);
	}
	if (list_rows(st, kind, &v, n, err) == -1)
		return -1;
	*out = v;
	if (followup_names(st, *out, *n, err) == -1) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int
vakt_store_followup_get(struct vakt_store *st, int64_t id,
    struct vakt_followup *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_FU_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "follow-up get", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		followup_from_row(s, out);
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "follow-up get", err);
	return followup_names(st, out, 1, err) == -1 ? -1 : 1;
}

/* NOLINTBEGIN(readability-function-size): the signature is store.h's */
int
vakt_store_followup_done(struct vakt_store *st, int64_t id, const char *outcome,
    const char *by, int64_t now_ms, bool *is_closed, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_FU_DONE];

	*is_closed = false;
	if (sqlite3_bind_int64(s, 1, id) || bind_text(s, 2, outcome) ||
	    sqlite3_bind_int64(s, 3, now_ms) || bind_text(s, 4, by)) {
		stmt_done(s);
		return db_fail(st, "follow-up done", err);
	}
	if (run(st, s, "follow-up done", err) == -1)
		return -1;
	*is_closed = sqlite3_changes(st->db) > 0;
	return 0;
}

/* NOLINTEND(readability-function-size) */

/* ---------------------------------------------------------------- */
/* Staff (leaders, admins) and the beredskap rota (issue 11). */

static void
staff_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_staff *m = item;
	const unsigned char *role = sqlite3_column_text(s, 3);

	col_copy(s, 0, m->id, sizeof(m->id));
	col_copy(s, 1, m->name, sizeof(m->name));
	col_copy(s, 2, m->phone, sizeof(m->phone));
	/* The CHECK constraint allows only the two names. */
	if (vakt_auth_role_parse((const char *)role, &m->role) == -1)
		m->role = VAKT_AUTH_LEADER;
	col_copy(s, 4, m->service, sizeof(m->service));
}

static void
rota_from_row(sqlite3_stmt *s, void *item)
{
	struct vakt_rota_slot *r = item;

	r->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, r->service, sizeof(r->service));
	col_copy(s, 2, r->staff, sizeof(r->staff));
	r->from_ms = sqlite3_column_int64(s, 3);
	r->to_ms = sqlite3_column_int64(s, 4);
	col_copy(s, 5, r->name, sizeof(r->name));
	col_copy(s, 6, r->phone, sizeof(r->phone));
}

static const struct row_kind staff_rows = {ST_STAFF_GET, ST_STAFF_LIST,
    sizeof(struct vakt_staff), staff_from_row, "staff get", "staff list"};
static const struct row_kind rota_rows = {ST_ROTA_GET, ST_ROTA_LIST,
    sizeof(struct vakt_rota_slot), rota_from_row, "rota get", "rota list"};

static int
staff_get(struct vakt_store *st, const char *id, struct vakt_staff *m,
    struct vakt_err *err)
{
	return get_row(st, &staff_rows, id, m, err);
}

/* Refuse a coordinator id that is a staff member's (inside the tx). */
static int
not_staff(struct vakt_store *st, const char *id, const char *prefix,
    struct vakt_err *err)
{
	struct vakt_staff m;
	int found = staff_get(st, id, &m, err);

	if (found == 1)
		vakt_err_data(err, "%s: id \"%s\" is staff", prefix, id);
	return found == 0 ? 0 : -1;
}

static int
check_staff(
    const struct vakt_staff *m, const char *prefix, struct vakt_err *err)
{
	if (check_id(m->id, "id", prefix, err) == -1 ||
	    check_name(m->name, false, prefix, err) == -1 ||
	    check_phone(m->phone, prefix, err) == -1 ||
	    (m->service[0] != '\0' &&
	        check_id(m->service, "service", prefix, err) == -1))
		return -1;
	if (m->role != VAKT_AUTH_LEADER && m->role != VAKT_AUTH_ADMIN) {
		vakt_err_data(err, "%s: role must be leader or admin", prefix);
		return -1;
	}
	return 0;
}

/* The id is new to staff and coordinators, the phone to staff. */
static int
staff_fits(struct vakt_store *st, const struct vakt_staff *m,
    const char *prefix, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_STAFF_BY_PHONE];
	struct vakt_coordinator c;
	char owner[VAKT_ID_LEN];
	int found = not_staff(st, m->id, prefix, err);

	if (found == -1) {
		if (err->kind == VAKT_ERR_DATA)
			vakt_err_data(
			    err, "%s: id \"%s\" already exists", prefix, m->id);
		return -1;
	}
	found = coordinator_get(st, m->id, &c, err);
	if (found == 1)
		vakt_err_data(
		    err, "%s: id \"%s\" is a coordinator", prefix, m->id);
	if (found != 0)
		return -1;
	if (bind_text(s, 1, m->phone) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, prefix, err);
	}
	found = fetch_text(st, s, owner, sizeof(owner), prefix, err);
	if (found == 1)
		vakt_err_data(err, "%s: phone %s already belongs to staff %s",
		    prefix, m->phone, owner);
	if (found != 0)
		return -1;
	/* A staff reply must never be taken for a youth's message. */
	s = st->s[ST_YOUTH_OF_PHONE];
	if (bind_text(s, 1, m->phone) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, prefix, err);
	}
	found = fetch_text(st, s, owner, sizeof(owner), prefix, err);
	if (found == 1)
		vakt_err_data(err, "%s: phone %s belongs to youth %s", prefix,
		    m->phone, owner);
	return found == 0 ? 0 : -1;
}

static int
staff_insert(struct vakt_store *st, const struct vakt_staff *m,
    const char *prefix, const struct change *ch, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_STAFF_INSERT];
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	const char *role = vakt_auth_role_name(m->role);

	if (staff_fits(st, m, prefix, err) == -1)
		return -1;
	if (bind_text(s, 1, m->id) || bind_text(s, 2, m->name) ||
	    bind_text(s, 3, m->phone) || bind_text(s, 4, role) ||
	    bind_text(s, 5, m->service[0] != '\0' ? m->service : NULL) ||
	    sqlite3_bind_int64(s, 6, ch->now_ms)) {
		stmt_done(s);
		return db_fail(st, prefix, err);
	}
	if (run(st, s, prefix, err) == -1)
		return -1;
	detail_add(detail, "role %s, name %s, phone %s%s%s", role, m->name,
	    vakt_mask_e164(m->phone, mask),
	    m->service[0] != '\0' ? ", service " : "", m->service);
	return audit_write(st, ch, "staff.add", m->id, detail, err);
}

int
vakt_store_staff_add(struct vakt_store *st, const struct vakt_staff *m,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "staff add";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_staff(m, what, err) == -1 || tx_begin(st, what, err) == -1)
		return -1;
	rc = staff_insert(st, m, what, &ch, err);
	return tx_end(st, rc, what, err);
}

static int
staff_delete(struct vakt_store *st, const char *id, const struct change *ch,
    struct vakt_err *err)
{
	static const char what[] = "staff remove";
	sqlite3_stmt *s = st->s[ST_STAFF_DELETE];
	char detail[DETAIL_LEN] = "", mask[VAKT_E164_LEN];
	struct vakt_staff m;
	int n = staff_get(st, id, &m, err);

	if (n == 0)
		vakt_err_data(err, "%s: no staff \"%s\"", what, id);
	if (n != 1 || holds_no_slots(st, id, what, err) == -1)
		return -1;
	if (bind_text(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, what, err);
	}
	if (run(st, s, what, err) == -1)
		return -1;
	detail_add(detail, "role %s, name %s, phone %s",
	    vakt_auth_role_name(m.role), m.name, vakt_mask_e164(m.phone, mask));
	return audit_write(st, ch, "staff.remove", id, detail, err);
}

int
vakt_store_staff_remove(struct vakt_store *st, const char *id,
    const char *actor, int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "staff remove";
	const struct change ch = {actor, now_ms};
	int rc;

	if (check_id(id, "id", what, err) == -1 ||
	    tx_begin(st, what, err) == -1)
		return -1;
	rc = staff_delete(st, id, &ch, err);
	return tx_end(st, rc, what, err);
}

int
vakt_store_staff_list(struct vakt_store *st, struct vakt_staff **out, size_t *n,
    struct vakt_err *err)
{
	void *v = NULL;

	*out = NULL;
	*n = 0;
	/* ?1 stays NULL: all staff (the statement takes a filter slot). */
	if (list_rows(st, &staff_rows, &v, n, err) == -1)
		return -1;
	*out = v;
	return 0;
}

static int
check_slot(
    const struct vakt_rota_slot *r, const char *prefix, struct vakt_err *err)
{
	if (check_id(r->service, "service", prefix, err) == -1 ||
	    check_id(r->staff, "staff", prefix, err) == -1)
		return -1;
	if (r->from_ms >= r->to_ms) {
		vakt_err_data(err, "%s: from must be before to", prefix);
		return -1;
	}
	return 0;
}

/* The holder is a coordinator of the service, or staff of it or all. */
static int
holder_in(struct vakt_store *st, const struct vakt_rota_slot *r,
    const char *prefix, struct vakt_err *err)
{
	struct vakt_coordinator c;
	struct vakt_staff m;
	int found;

	memset(&m, 0, sizeof(m));
	found = coordinator_get(st, r->staff, &c, err);
	if (found == 1 && strcmp(c.service, r->service) == 0)
		return 0;
	if (found == -1 ||
	    (found == 0 && staff_get(st, r->staff, &m, err) == -1))
		return -1;
	if (m.id[0] != '\0' &&
	    (m.service[0] == '\0' || strcmp(m.service, r->service) == 0))
		return 0;
	vakt_err_data(err, "%s: no coordinator or staff \"%s\" in service %s",
	    prefix, r->staff, r->service);
	return -1;
}

/* A slot of the same service that r overlaps: its id, 0, or -1. */
static int64_t
slot_overlap(struct vakt_store *st, const struct vakt_rota_slot *r,
    const char *prefix, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_ROTA_OVERLAP];
	int64_t id = 0;
	int rc;

	if (bind_text(s, 1, r->service) ||
	    sqlite3_bind_int64(s, 2, r->from_ms) ||
	    sqlite3_bind_int64(s, 3, r->to_ms)) {
		stmt_done(s);
		return db_fail(st, prefix, err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		id = db_fail(st, prefix, err);
	stmt_done(s);
	return id;
}

static int
slot_insert(struct vakt_store *st, struct vakt_rota_slot *r,
    const struct change *ch, int64_t *overlap, struct vakt_err *err)
{
	static const char what[] = "rota add";
	sqlite3_stmt *s = st->s[ST_ROTA_INSERT];
	char detail[DETAIL_LEN] = "", subject[24];

	if (holder_in(st, r, what, err) == -1 ||
	    (*overlap = slot_overlap(st, r, what, err)) == -1)
		return -1;
	if (*overlap > 0) {
		vakt_err_data(err, "%s: overlaps slot %lld of service %s", what,
		    (long long)*overlap, r->service);
		return -1;
	}
	if (bind_text(s, 1, r->service) || bind_text(s, 2, r->staff) ||
	    sqlite3_bind_int64(s, 3, r->from_ms) ||
	    sqlite3_bind_int64(s, 4, r->to_ms) ||
	    sqlite3_bind_int64(s, 5, ch->now_ms)) {
		stmt_done(s);
		return db_fail(st, what, err);
	}
	if (run(st, s, what, err) == -1)
		return -1;
	r->id = sqlite3_last_insert_rowid(st->db);
	snprintf(subject, sizeof(subject), "%lld", (long long)r->id);
	detail_add(detail, "service %s, staff %s, from_ms %lld, to_ms %lld",
	    r->service, r->staff, (long long)r->from_ms, (long long)r->to_ms);
	return audit_write(st, ch, "rota.add", subject, detail, err);
}

int
vakt_store_rota_add(struct vakt_store *st, struct vakt_rota_slot *slot,
    const char *actor, int64_t now_ms, int64_t *overlap, struct vakt_err *err)
{
	static const char what[] = "rota add";
	const struct change ch = {actor, now_ms};
	int64_t dummy;
	int rc;

	if (overlap == NULL)
		overlap = &dummy;
	*overlap = 0;
	if (check_slot(slot, what, err) == -1 || tx_begin(st, what, err) == -1)
		return -1;
	rc = slot_insert(st, slot, &ch, overlap, err);
	if (*overlap < 0)
		*overlap = 0;
	return tx_end(st, rc, what, err);
}

static int
slot_delete(struct vakt_store *st, int64_t id, const struct change *ch,
    struct vakt_err *err)
{
	static const char what[] = "rota remove";
	sqlite3_stmt *s = st->s[ST_ROTA_GET];
	struct vakt_rota_slot r;
	char detail[DETAIL_LEN] = "", subject[24];
	int rc;

	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, what, err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rota_from_row(s, &r);
	stmt_done(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : db_fail(st, what, err);
	s = st->s[ST_ROTA_DELETE];
	if (sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, what, err);
	}
	if (run(st, s, what, err) == -1)
		return -1;
	snprintf(subject, sizeof(subject), "%lld", (long long)id);
	detail_add(detail, "service %s, staff %s, from_ms %lld, to_ms %lld",
	    r.service, r.staff, (long long)r.from_ms, (long long)r.to_ms);
	return audit_write(st, ch, "rota.remove", subject, detail, err) == -1
	    ? -1
	    : 1;
}

int
vakt_store_rota_remove(struct vakt_store *st, int64_t id, const char *actor,
    int64_t now_ms, struct vakt_err *err)
{
	static const char what[] = "rota remove";
	const struct change ch = {actor, now_ms};
	int rc;

	if (tx_begin(st, what, err) == -1)
		return -1;
	rc = slot_delete(st, id, &ch, err);
	/* Nothing to remove: end the (empty) transaction all the same. */
	if (tx_end(st, rc == -1 ? -1 : 0, what, err) == -1)
		return -1;
	return rc;
}

int
vakt_store_rota_list(struct vakt_store *st, const char *service,
    int64_t from_ms, int64_t to_ms, struct vakt_rota_slot **out, size_t *n,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_ROTA_LIST];
	void *v = NULL;

	*out = NULL;
	*n = 0;
	if (bind_text(s, 1, service) || sqlite3_bind_int64(s, 2, from_ms) ||
	    sqlite3_bind_int64(s, 3, to_ms)) {
		stmt_done(s);
		return db_fail(st, "rota list", err);
	}
	if (list_rows(st, &rota_rows, &v, n, err) == -1)
		return -1;
	*out = v;
	return 0;
}

int
vakt_store_staff_by_phone(struct vakt_store *st, const char *service,
    const char *phone, char id[VAKT_ID_LEN], struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_STAFF_OF_PHONE];

	if (bind_text(s, 1, service) || bind_text(s, 2, phone)) {
		stmt_done(s);
		return db_fail(st, "staff by phone", err);
	}
	return fetch_text(st, s, id, VAKT_ID_LEN, "staff by phone", err);
}

int
vakt_store_rota_holder(struct vakt_store *st, const char *service,
    int64_t now_ms, struct vakt_person *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_ROTA_HOLDER];
	struct vakt_rota_slot r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, service) || sqlite3_bind_int64(s, 2, now_ms)) {
		stmt_done(s);
		return db_fail(st, "rota holder", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rota_from_row(s, &r);
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "rota holder", err);
	(void)vakt_strlcpy(out->id, r.staff, sizeof(out->id));
	(void)vakt_strlcpy(out->name, r.name, sizeof(out->name));
	(void)vakt_strlcpy(out->phone, r.phone, sizeof(out->phone));
	return 1;
}

/* ---------------------------------------------------------------- */
/* Login codes and sessions (issue 11). */

int
vakt_store_login_who(struct vakt_store *st, const char *phone,
    struct vakt_staff *out, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_LOGIN_WHO];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, phone) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "login who", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(s, 3);

		staff_from_row(s, out);
		if (role != NULL && strcmp(role, "coordinator") == 0)
			out->role = VAKT_AUTH_COORDINATOR;
	}
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW ? 1 : db_fail(st, "login who", err);
}

int
vakt_store_login_code_count(struct vakt_store *st, const char *phone,
    int64_t since_ms, size_t *n, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CODE_COUNT];
	int rc;

	*n = 0;
	if (bind_text(s, 1, phone) || sqlite3_bind_int64(s, 2, since_ms)) {
		stmt_done(s);
		return db_fail(st, "login code count", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = (size_t)sqlite3_column_int64(s, 0);
	stmt_done(s);
	return rc == SQLITE_ROW ? 0 : db_fail(st, "login code count", err);
}

int
vakt_store_login_code_add(struct vakt_store *st, const char *phone,
    const char *hash, const char *salt, int64_t now_ms, int64_t expires_ms,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CODE_INSERT];

	if (bind_text(s, 1, phone) || bind_text(s, 2, hash) ||
	    bind_text(s, 3, salt) || sqlite3_bind_int64(s, 4, now_ms) ||
	    sqlite3_bind_int64(s, 5, expires_ms)) {
		stmt_done(s);
		return db_fail(st, "login code add", err);
	}
	return run(st, s, "login code add", err);
}

int
vakt_store_login_code_live(struct vakt_store *st, const char *phone,
    int64_t now_ms, int max_tries, struct vakt_login_code *out,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CODE_LIVE];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, phone) || sqlite3_bind_int64(s, 2, now_ms) ||
	    sqlite3_bind_int(s, 3, max_tries)) {
		stmt_done(s);
		return db_fail(st, "login code", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		col_copy(s, 1, out->hash, sizeof(out->hash));
		col_copy(s, 2, out->salt, sizeof(out->salt));
		out->tries = sqlite3_column_int(s, 3);
	}
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_ROW ? 1 : db_fail(st, "login code", err);
}

int
vakt_store_login_code_try(
    struct vakt_store *st, int64_t id, bool is_used, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CODE_TRY];

	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, is_used)) {
		stmt_done(s);
		return db_fail(st, "login code try", err);
	}
	return run(st, s, "login code try", err);
}

int
vakt_store_session_add(struct vakt_store *st, const char *hash,
    const struct vakt_session *m, int64_t now_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_SESSION_INSERT];

	if (bind_text(s, 1, hash) || bind_text(s, 2, m->staff) ||
	    bind_text(s, 3, vakt_auth_role_name(m->role)) ||
	    bind_text(s, 4, m->csrf) || sqlite3_bind_int64(s, 5, now_ms)) {
		stmt_done(s);
		return db_fail(st, "session add", err);
	}
	return run(st, s, "session add", err);
}

static void
session_from_row(sqlite3_stmt *s, struct vakt_session *m)
{
	const char *role = (const char *)sqlite3_column_text(s, 1);

	col_copy(s, 0, m->staff, sizeof(m->staff));
	m->role = VAKT_AUTH_COORDINATOR;
	if (role != NULL && strcmp(role, "coordinator") != 0 &&
	    vakt_auth_role_parse(role, &m->role) == -1)
		m->role = VAKT_AUTH_COORDINATOR; /* the CHECK allows no other */
	col_copy(s, 2, m->csrf, sizeof(m->csrf));
	m->last_seen_ms = sqlite3_column_int64(s, 3);
}

int
vakt_store_session_check(struct vakt_store *st, const char *hash,
    int64_t idle_since_ms, int64_t now_ms, struct vakt_session *out,
    struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_SESSION_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_text(s, 1, hash) || sqlite3_bind_int64(s, 2, idle_since_ms)) {
		stmt_done(s);
		return db_fail(st, "session check", err);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		session_from_row(s, out);
	stmt_done(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return db_fail(st, "session check", err);
	s = st->s[ST_SESSION_SEEN];
	if (bind_text(s, 1, hash) || sqlite3_bind_int64(s, 2, now_ms)) {
		stmt_done(s);
		return db_fail(st, "session check", err);
	}
	return run(st, s, "session check", err) == -1 ? -1 : 1;
}

int
vakt_store_session_end(
    struct vakt_store *st, const char *hash, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_SESSION_DELETE];

	if (bind_text(s, 1, hash) != SQLITE_OK) {
		stmt_done(s);
		return db_fail(st, "session end", err);
	}
	if (run(st, s, "session end", err) == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
vakt_store_login_prune(struct vakt_store *st, int64_t codes_before_ms,
    int64_t idle_since_ms, struct vakt_err *err)
{
	sqlite3_stmt *s = st->s[ST_CODE_PRUNE];

	if (sqlite3_bind_int64(s, 1, codes_before_ms)) {
		stmt_done(s);
		return db_fail(st, "login prune", err);
	}
	if (run(st, s, "login prune", err) == -1)
		return -1;
	s = st->s[ST_SESSION_PRUNE];
	if (sqlite3_bind_int64(s, 1, idle_since_ms)) {
		stmt_done(s);
		return db_fail(st, "login prune", err);
	}
	return run(st, s, "login prune", err);
}
