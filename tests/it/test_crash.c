/*
 * test_crash.c: crash durability (issue 10).  vaktd takes a steady
 * stream of distinct signed call and SMS webhooks from several clients
 * and is killed with SIGKILL at random moments, five times.  After each
 * restart every webhook that was answered 200 has its contact row, and
 * at the end every acknowledged SMS was forwarded through the outbox
 * exactly once.  outbox.c documents one exception, which the test
 * allows and prints: a send that Twilio accepted in the instant before
 * the kill, before vaktd recorded it, is sent again after the restart.
 *
 * The kill moments come from a seed that the test prints;
 * VAKT_TEST_SEED=N replays them.
 */
#define _GNU_SOURCE /* asprintf */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "fake/fake_twilio.h"
#include "helpers.h"

#define N_CLIENTS 3
#define N_KILLS   5
#define ACKED_MAX 20000
#define FROM_BASE 98000000 /* +47 98xxxxxx: not in the directory */
/* The fake Twilio records 256 requests: stay below with the forwards. */
#define SMS_MAX 150
#define PACE_MS 25 /* each client's pause between webhooks */

/* One webhook that vaktd answered 200. */
struct acked {
	bool is_sms;
	char sid[40];
	char body[48]; /* the SMS text, unique */
	int64_t at_ms;
};

static struct {
	struct vt_daemon d;
	char url[64]; /* the current vaktd; "" while it is down */
	pthread_mutex_t mu;
	struct acked acked[ACKED_MAX];
	size_t n_acked;
	atomic_int next_id;
	atomic_bool go;   /* clients send while set */
	atomic_bool quit; /* clients return */
	atomic_int busy;  /* clients inside a request */
	atomic_int n_sms_sent;
	atomic_int round;
} crash = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Discard what vaktd answers: only the status matters here. */
static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/*
 * POST a signed webhook without asserting (vaktd may die under it):
 * the HTTP status, or 0 if there was no answer.
 */
static long
post(const char *base, const char *path, const char *const *params)
{
	char *url = vt_path(VT_PUBLIC, path + 1), *target;
	char *sig = vt_twilio_sign(VT_TOKEN, url, params);
	char *body = vt_form(params), *h_sig;
	struct curl_slist *hl = NULL;
	CURL *c = curl_easy_init();
	long status = 0;

	if (asprintf(&h_sig, "X-Twilio-Signature: %s", sig) < 0 ||
	    asprintf(&target, "%s%s", base, path) < 0)
		abort();
	hl = curl_slist_append(
	    hl, "Content-Type: application/x-www-form-urlencoded");
	hl = curl_slist_append(hl, h_sig);
	curl_easy_setopt(c, CURLOPT_URL, target);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	free(sig);
	free(body);
	free(h_sig);
	free(target);
	return status;
}

/* One distinct call or SMS; recorded if vaktd answered 200. */
static void
send_one(const char *base)
{
	int id = atomic_fetch_add(&crash.next_id, 1);
	/* SMS_MAX spread over the rounds, so every kill meets some. */
	struct acked a = {.is_sms = id % 2 == 1 &&
	        atomic_load(&crash.n_sms_sent) <
	            SMS_MAX / N_KILLS * (atomic_load(&crash.round) + 1)};
	char from[16];

	snprintf(a.sid, sizeof(a.sid), "%s%032x", a.is_sms ? "SM" : "CA",
	    (unsigned)id);
	snprintf(from, sizeof(from), "+47%d", FROM_BASE + id);
	/* "#N." so that no body is a prefix of another. */
	snprintf(a.body, sizeof(a.body), "crash test message #%d.", id);
	if (a.is_sms) {
		const char *p[] = {"MessageSid", a.sid, "SmsSid", a.sid,
		    "AccountSid", VT_SID, "From", from, "To", VT_SERVICE,
		    "Body", a.body, "NumMedia", "0", "NumSegments", "1", NULL};

		atomic_fetch_add(&crash.n_sms_sent, 1);
		if (post(base, "/twilio/sms", p) != 200)
			return;
	} else {
		const char *p[] = {"CallSid", a.sid, "AccountSid", VT_SID,
		    "From", from, "To", VT_SERVICE, "CallStatus", "ringing",
		    "Direction", "inbound", NULL};

		if (post(base, "/twilio/voice", p) != 200)
			return;
	}
	a.at_ms = now_ms();
	pthread_mutex_lock(&crash.mu);
	if (crash.n_acked < ACKED_MAX)
		crash.acked[crash.n_acked++] = a;
	pthread_mutex_unlock(&crash.mu);
}

static void *
client(void *arg)
{
	(void)arg;
	while (!atomic_load(&crash.quit)) {
		char base[64];

		atomic_fetch_add(&crash.busy, 1);
		pthread_mutex_lock(&crash.mu);
		snprintf(base, sizeof(base), "%s", crash.url);
		pthread_mutex_unlock(&crash.mu);
		if (atomic_load(&crash.go) && base[0] != '\0')
			send_one(base);
		atomic_fetch_sub(&crash.busy, 1);
		vt_msleep(PACE_MS);
	}
	return NULL;
}

/* Stop the clients and wait until none is inside a request. */
static void
pause_clients(void)
{
	atomic_store(&crash.go, false);
	for (int waited = 0; atomic_load(&crash.busy) > 0; waited += 5) {
		cr_assert_lt(waited, 30000, "clients did not pause");
		vt_msleep(5);
	}
}

static void
start_vaktd(const char *dir, const char *conf)
{
	char *log = vt_path(dir, "vaktd.log");

	/* The log is appended to: the old "listening" line must go. */
	(void)unlink(log);
	free(log);
	cr_assert_eq(vt_daemon_start(&crash.d, dir, conf), 0, "%s",
	    vt_daemon_log(&crash.d));
	pthread_mutex_lock(&crash.mu);
	snprintf(crash.url, sizeof(crash.url), "%s", crash.d.url);
	pthread_mutex_unlock(&crash.mu);
}

/* Every contact row's "kind provider_id", one a line, via sqlite3. */
static char *
contact_rows(const char *dir)
{
	char *db = vt_path(dir, "vakt.db");
	const char *argv[] = {"/usr/bin/sqlite3", "-readonly", db,
	    ".timeout 10000",
	    "SELECT kind || ' ' || provider_id FROM contacts;", NULL};
	struct vt_run r;
	char *out;

	vt_run(&r, NULL, argv);
	cr_assert_eq(r.status, 0, "sqlite3: %s", r.err);
	out = r.out;
	r.out = NULL;
	vt_run_free(&r);
	free(db);
	return out;
}

/* Every webhook answered 200 so far has its contact row. */
static void
check_rows(const char *dir, int round)
{
	char *rows = contact_rows(dir), want[64];
	size_t missing = 0;

	for (size_t i = 0; i < crash.n_acked; i++) {
		const struct acked *a = &crash.acked[i];

		snprintf(
		    want, sizeof(want), "%d %s\n", a->is_sms ? 1 : 0, a->sid);
		if (strstr(rows, want) == NULL) {
			fprintf(stderr,
			    "crash: round %d: %s %s answered 200 "
			    "but has no row\n",
			    round, a->is_sms ? "SMS" : "call", a->sid);
			missing++;
		}
	}
	free(rows);
	cr_assert_eq(missing, 0,
	    "round %d: %zu of %zu acknowledged webhooks "
	    "lost",
	    round, missing, crash.n_acked);
}

static bool
near_a_kill(int64_t at_ms, const int64_t *kills, int n)
{
	for (int i = 0; i < n; i++)
		if (at_ms <= kills[i] && kills[i] - at_ms < 2000)
			return true;
	return false;
}

/* How often the fake accepted body, and when first. */
static size_t
fake_hits(struct vt_fake *fake, const char *body, int64_t *first_ms)
{
	size_t n = vt_fake_count(fake), hits = 0;

	for (size_t k = 0; k < n; k++) {
		struct vt_fake_msg m = vt_fake_get(fake, k);

		if (m.status == 201 && m.body != NULL &&
		    strstr(m.body, body) != NULL && hits++ == 0)
			*first_ms = m.at_ms;
		vt_fake_msg_free(&m);
	}
	return hits;
}

/* Wait up to 60 s until the fake has every acknowledged SMS. */
static void
wait_forwarded(struct vt_fake *fake)
{
	for (int waited = 0; waited <= 60000; waited += 100) {
		bool all = true;
		int64_t first_ms;

		for (size_t i = 0; all && i < crash.n_acked; i++)
			all = !crash.acked[i].is_sms ||
			    fake_hits(fake, crash.acked[i].body, &first_ms) > 0;
		if (all)
			return;
		vt_msleep(100);
	}
}

/*
 * Each acknowledged SMS reached the fake Twilio, and only once unless
 * its first send was in flight when vaktd was killed.
 */
static void
check_outbox(struct vt_fake *fake, const int64_t *kills)
{
	size_t lost = 0, twice = 0, allowed = 0;

	wait_forwarded(fake);
	for (size_t i = 0; i < crash.n_acked; i++) {
		const struct acked *a = &crash.acked[i];
		int64_t first_ms = 0;
		size_t hits;

		if (!a->is_sms)
			continue;
		hits = fake_hits(fake, a->body, &first_ms);
		if (hits == 0) {
			fprintf(stderr, "crash: SMS %s was never forwarded\n",
			    a->sid);
			lost++;
		} else if (hits > 1 && near_a_kill(first_ms, kills, N_KILLS)) {
			fprintf(stderr,
			    "crash: SMS %s forwarded %zu times, "
			    "the first send in flight at a kill (allowed)\n",
			    a->sid, hits);
			allowed++;
		} else if (hits > 1) {
			fprintf(stderr, "crash: SMS %s forwarded %zu times\n",
			    a->sid, hits);
			twice++;
		}
	}
	if (lost > 0 && vt_fake_count(fake) > 0) {
		struct vt_fake_msg m = vt_fake_get(fake, 0);

		fprintf(stderr,
		    "crash: the fake has %zu messages, the first "
		    "%d \"%s\"\n",
		    vt_fake_count(fake), m.status,
		    m.body != NULL ? m.body : "(null)");
		vt_fake_msg_free(&m);
	}
	cr_assert_eq(lost, 0, "%zu acknowledged SMS never forwarded", lost);
	cr_assert_eq(twice, 0, "%zu SMS forwarded more than once", twice);
	fprintf(stderr, "crash: %zu duplicate sends at a kill\n", allowed);
}

static unsigned
test_seed(void)
{
	const char *s = getenv("VAKT_TEST_SEED");

	if (s != NULL && s[0] != '\0')
		return (unsigned)strtoul(s, NULL, 10);
	return (unsigned)time(NULL) ^ (unsigned)getpid();
}

Test(crash, sigkill_loses_no_acknowledged_webhook_and_no_outbox_sms_issue10,
    .timeout = 240)
{
	unsigned seed = test_seed();
	struct vt_fake *fake = vt_fake_start();
	char *dir = vt_tmpdir();
	char *conf = vt_config(
	    vt_fake_url(fake), NULL, "outbox = { retry_first = 1; };");
	pthread_t th[N_CLIENTS];
	int64_t kills[N_KILLS];
	size_t n_sms = 0;

	fprintf(stderr, "crash: seed %u (VAKT_TEST_SEED=%u replays), in %s\n",
	    seed, seed, dir);
	start_vaktd(dir, conf);
	for (int i = 0; i < N_CLIENTS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, client, NULL), 0);
	for (int round = 0; round < N_KILLS; round++) {
		atomic_store(&crash.round, round);
		atomic_store(&crash.go, true);
		vt_msleep(200 + (int)(rand_r(&seed) % 1300));
		kills[round] = now_ms();
		vt_daemon_kill(&crash.d);
		pthread_mutex_lock(&crash.mu);
		crash.url[0] = '\0';
		pthread_mutex_unlock(&crash.mu);
		pause_clients();
		vt_daemon_free(&crash.d);
		start_vaktd(dir, conf);
		check_rows(dir, round + 1);
	}
	atomic_store(&crash.quit, true);
	for (int i = 0; i < N_CLIENTS; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < crash.n_acked; i++)
		n_sms += crash.acked[i].is_sms;
	fprintf(stderr,
	    "crash: %zu webhooks acknowledged (%zu SMS), %d kills\n",
	    crash.n_acked, n_sms, N_KILLS);
	cr_assert_gt(n_sms, 0, "no SMS was acknowledged at all");
	check_outbox(fake, kills);
	cr_assert_eq(vt_daemon_stop(&crash.d), 0);
	vt_daemon_free(&crash.d);
	vt_fake_stop(fake);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}
