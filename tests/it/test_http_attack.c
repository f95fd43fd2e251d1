#define _GNU_SOURCE /* asprintf, prlimit */
/*
 * test_http_attack.c: vaktd under the connection attacks of issue 10.
 * Many keep-alive connections, requests sent a byte a second, running
 * out of file descriptors, raw control bytes in the request line and
 * conflicting Content-Length headers.  Through it all a signed webhook
 * on a new connection must be answered, and the log must stay small and
 * honest.
 *
 * Attackers bind their sockets to 127.0.0.2, 127.0.0.3, … (all of
 * 127/8 is loopback on Linux) so that they are other peers than the
 * webhook's 127.0.0.1.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

#define CALL_SID "CA0123456789abcdef0123456789abcdef"

static const char *const call[] = {"CallSid", CALL_SID, "From", "+4791919191",
    "To", VT_SERVICE, "CallStatus", "ringing", NULL};

/* The standard configuration with extra http settings. */
static char *
conf_http(const char *http_extra)
{
	char *s;

	cr_assert(
	    asprintf(&s,
	        "timezone = \"Europe/Oslo\";\n"
	        "database = \"vakt.db\";\n"
	        "http = { listen = \"127.0.0.1\"; port = 0; "
	        "public_url = \"" VT_PUBLIC "\"; %s };\n"
	        "twilio = { account_sid = \"" VT_SID "\"; "
	        "auth_token = \"" VT_TOKEN
	        "\"; api_url = \"http://127.0.0.1:9\"; };\n"
	        "services = ( {\n"
	        "  id = \"due\"; name = \"DUE\"; number = \"" VT_SERVICE "\";\n"
	        "  beredskap = \"" VT_BEREDSKAP "\";\n"
	        "  fallback = \"" VT_FALLBACK "\";\n"
	        "} );\n",
	        http_extra) > 0);
	return s;
}

static void
start(struct vt_daemon *d, char **dir, const char *conf)
{
	*dir = vt_tmpdir();
	if (vt_daemon_start(d, *dir, conf) != 0) {
		char *log = vt_daemon_log(d);

		cr_assert_fail("vaktd did not start: %s", log);
	}
}

static void
finish(struct vt_daemon *d, char *dir)
{
	cr_assert_eq(vt_daemon_stop(d), 0, "SIGTERM exits 0");
	vt_daemon_free(d);
	vt_rmrf(dir);
	free(dir);
}

static long
now_ms(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Room for the attackers' sockets in this process. */
static void
raise_nofile(rlim_t want)
{
	struct rlimit rl;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	cr_assert_geq(rl.rlim_cur, want, "RLIMIT_NOFILE too low for the test");
}

/*
 * A non-blocking socket from 127.0.0.src to the daemon, connecting
 * (a full backlog must not block the test).
 */
static int
dial_from(const struct vt_daemon *d, int src)
{
	struct sockaddr_in me = {.sin_family = AF_INET};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	me.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)src);
	cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0,
	    "bind 127.0.0.%d: %s", src, strerror(errno));
	sa.sin_port = htons((uint16_t)d->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		cr_assert_eq(
		    errno, EINPROGRESS, "connect: %s", strerror(errno));
	return fd;
}

/* Wait up to ms for fd to finish connecting; true if it did. */
static bool
wait_connected(int fd, int ms)
{
	for (int waited = 0;; waited += 10) {
		int err = 0;
		socklen_t len = sizeof(err);
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);

		if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
			return true;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err != 0)
			return false;
		if (waited >= ms)
			return false;
		vt_msleep(10);
	}
}

/* Send s without blocking or SIGPIPE; false if the peer is gone. */
static bool
try_send(int fd, const char *s, size_t len)
{
	ssize_t n = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK;
}

/* True if vaktd closed fd (EOF or reset); reads what is waiting. */
static bool
is_closed(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0)
			return true;
		if (n < 0)
			return errno != EAGAIN && errno != EWOULDBLOCK;
	}
}

/* POST a signed webhook on a new connection; its time in ms. */
static long
timed_webhook(const struct vt_daemon *d, long *status)
{
	struct vt_resp r;
	long t0 = now_ms(), ms;

	vt_twilio_post(&r, d, "/twilio/voice", call);
	ms = now_ms() - t0;
	*status = r.status;
	vt_resp_free(&r);
	return ms;
}

/* CPU time (user and system) pid has used, in ms. */
static long
cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')'); /* fields 14 and 15 follow the name */
	cr_assert_not_null(p);
	cr_assert_eq(
	    sscanf(p + 2,
	        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	        &st),
	    2);
	return (
	    long)((ut + st) * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/*
 * 512 keep-alive connections from 8 attacker addresses, each of which
 * has sent a request (the old code counted connections at their first
 * request and then refused everybody with 503).
 */
static void
keepalive_flood(const char *http_extra)
{
	static const char req[] =
	    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n";
	char *dir, *conf = conf_http(http_extra);
	struct vt_daemon d;
	int fds[512];
	long status, ms, deadline;

	raise_nofile(2048);
	start(&d, &dir, conf);
	for (int i = 0; i < 512; i++)
		fds[i] = dial_from(&d, 2 + i % 8);
	/* Connected within 5 s in all (a full backlog must not stall). */
	deadline = now_ms() + 5000;
	for (int i = 0; i < 512; i++) {
		long left = deadline - now_ms();

		if (wait_connected(fds[i], left > 0 ? (int)left : 0))
			(void)try_send(fds[i], req, sizeof(req) - 1);
	}
	/* Let vaktd take them all in and answer what it admitted. */
	vt_msleep(500);
	ms = timed_webhook(&d, &status);
	cr_assert_eq(status, 200, "the webhook got %ld", status);
	cr_assert_lt(ms, 2000, "the webhook took %ld ms", ms);
	for (int i = 0; i < 512; i++)
		close(fds[i]);
	finish(&d, dir);
	free(conf);
}

Test(http_attack,
    keepalive_connections_from_few_peers_do_not_keep_a_webhook_out_issue10)
{
	keepalive_flood("");
}

Test(http_attack,
    at_the_connection_limit_a_new_webhook_evicts_a_waiting_connection_issue10)
{
	keepalive_flood("max_connections = 100;");
}

/*
 * Connections that send a byte a second never go idle, so the idle
 * timeout never closed them; the request deadline does, and a webhook
 * is answered meanwhile.
 */
Test(http_attack, slow_headers_are_closed_by_the_request_deadline_issue10)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nX-Slow: "
	                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char *dir, *conf = conf_http("request_timeout = 2; timeout = 30;");
	struct vt_daemon d;
	long closed_at[20], t0, status, ms;
	int fds[20], n_open = 20;

	start(&d, &dir, conf);
	for (int i = 0; i < 20; i++) {
		fds[i] = dial_from(&d, 2 + i % 2);
		cr_assert(wait_connected(fds[i], 5000));
		closed_at[i] = -1;
	}
	t0 = now_ms();
	for (size_t k = 0; n_open > 0 && now_ms() - t0 < 9000; k++) {
		for (int i = 0; i < 20; i++) {
			if (closed_at[i] >= 0)
				continue;
			if (is_closed(fds[i]) ||
			    !try_send(fds[i], req + k % (sizeof(req) - 1), 1)) {
				closed_at[i] = now_ms() - t0;
				n_open--;
			}
		}
		if (k == 1) {
			ms = timed_webhook(&d, &status);
			cr_assert_eq(
			    status, 200, "the webhook got %ld", status);
			cr_assert_lt(ms, 2000, "the webhook took %ld ms", ms);
		}
		vt_msleep(1000);
	}
	for (int i = 0; i < 20; i++) {
		cr_assert_geq(closed_at[i], 0, "connection %d still open", i);
		cr_assert_geq(closed_at[i], 1000,
		    "connection %d closed after %ld ms, before its deadline", i,
		    closed_at[i]);
		close(fds[i]);
	}
	finish(&d, dir);
	free(conf);
}

/*
 * Out of file descriptors, libevent's accept loop used to spin and log
 * "Too many open files" without end (and, its lines rate-limited, it
 * would still spin).  With a low RLIMIT_NOFILE and far
 * more connections than it allows, the log stays small and vaktd serves
 * again once they are gone.
 */
Test(http_attack,
    running_out_of_descriptors_neither_floods_the_log_nor_wedges_issue10)
{
	char *dir, *conf = conf_http("max_connections_per_peer = 5000;");
	struct rlimit low = {64, 64};
	struct vt_daemon d;
	struct vt_resp r;
	char *log, *url;
	size_t before, after;
	int fds[600], waited;
	long cpu0, cpu;

	raise_nofile(2048);
	start(&d, &dir, conf);
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &low, NULL), 0,
	    "prlimit: %s", strerror(errno));
	log = vt_daemon_log(&d);
	before = count_lines(log);
	free(log);
	cpu0 = cpu_ms(d.pid);
	for (int i = 0; i < 600; i++)
		fds[i] = dial_from(&d, 2 + i % 4);
	vt_msleep(3000);
	cpu = cpu_ms(d.pid) - cpu0;
	cr_assert_lt(cpu, 1000, "vaktd spun: %ld ms of CPU in 3 s", cpu);
	log = vt_daemon_log(&d);
	after = count_lines(log);
	cr_assert_lt(after - before, 100,
	    "%zu log lines in 3 s; the last ones:\n%s", after - before,
	    log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
	free(log);
	for (int i = 0; i < 600; i++)
		close(fds[i]);
	cr_assert(asprintf(&url, "%s/healthz", d.url) > 0);
	for (waited = 0; waited < 10000; waited += 100) {
		vt_http(&r, "GET", url, NULL, NULL);
		if (r.status == 200)
			break;
		vt_resp_free(&r);
		vt_msleep(100);
	}
	cr_assert_eq(r.status, 200, "vaktd serves again");
	vt_resp_free(&r);
	free(url);
	finish(&d, dir);
	free(conf);
}

/* A blocking socket from 127.0.0.1 with a 5 s receive timeout. */
static int
dial(const struct vt_daemon *d)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	sa.sin_port = htons((uint16_t)d->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* Send req on a new connection; the response (until EOF or 5 s). */
static char *
exchange(const struct vt_daemon *d, const char *req, size_t len)
{
	int fd = dial(d);
	char *buf = calloc(1, 8192);
	size_t got = 0;
	ssize_t n;

	cr_assert_not_null(buf);
	cr_assert_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < 8191 && (n = recv(fd, buf + got, 8191 - got, 0)) > 0) {
		got += (size_t)n;
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strcasestr(buf, "Connection: close") == NULL)
			break; /* kept alive: the reply is all there is */
	}
	close(fd);
	return buf;
}

Test(http_attack, conflicting_or_malformed_content_length_gets_400_issue10)
{
	static const char *const reqs[] = {
	    "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	    "Content-Length: 3\r\n\r\nhello",
	    "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n"
	    "hello",
	    "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	};
	char *dir, *conf = conf_http("");
	struct vt_daemon d;

	start(&d, &dir, conf);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		char *resp = exchange(&d, reqs[i], strlen(reqs[i]));

		cr_assert_eq(strncmp(resp, "HTTP/1.1 400", 12), 0,
		    "request %zu: %s", i, resp);
		cr_assert_not_null(strcasestr(resp, "Connection: close"),
		    "request %zu: %s", i, resp);
		free(resp);
	}
	/* Two equal ones are one length (RFC 9110 8.6): not refused. */
	{
		static const char same[] =
		    "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		    "Content-Length: 5\r\n\r\nhello";
		char *resp = exchange(&d, same, sizeof(same) - 1);

		cr_assert_eq(strncmp(resp, "HTTP/1.1 405", 12), 0, "%s", resp);
		free(resp);
	}
	finish(&d, dir);
	free(conf);
}

/*
 * A request path with ESC, DEL, a backslash and bytes that are not
 * UTF-8 would write terminal escapes and forged text into the log.
 */
Test(http_attack, control_bytes_in_a_path_are_escaped_in_the_log_issue10)
{
	static const char req[] =
	    "GET /x\x1b[2J\x7f\\\xff\xc3\xa6 HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";
	char *dir, *conf = conf_http("");
	struct vt_daemon d;
	char *resp, *log;

	start(&d, &dir, conf);
	resp = exchange(&d, req, sizeof(req) - 1);
	cr_assert_eq(strncmp(resp, "HTTP/1.1 404", 12), 0, "%s", resp);
	free(resp);
	cr_assert(vt_daemon_wait_log(&d, " 404 ", 5000));
	log = vt_daemon_log(&d);
	cr_assert_not_null(
	    strstr(log, "GET /x\\x1b[2J\\x7f\\\\\\xff\xc3\xa6 404"), "%s", log);
	cr_assert_null(strchr(log, '\x1b'), "a raw ESC in the log");
	cr_assert_null(strchr(log, '\x7f'), "a raw DEL in the log");
	cr_assert_null(strchr(log, '\xff'), "a raw 0xff in the log");
	free(log);
	finish(&d, dir);
	free(conf);
}

/*
 * Fields a handler notes in the access log (a call status here) are
 * the provider's text: a newline in them would start a forged line.
 */
Test(http_attack, provider_fields_in_the_access_log_are_escaped_issue10)
{
	static const char *const status[] = {
	    "CallSid", CALL_SID, "CallStatus", "x\x1b[2J\n<3>forged", NULL};
	char *dir, *conf = conf_http("");
	struct vt_daemon d;
	struct vt_resp r;
	char *log;

	start(&d, &dir, conf);
	vt_twilio_post(&r, &d, "/twilio/voice/status", status);
	cr_assert_eq(r.status, 204, "%s", r.body);
	vt_resp_free(&r);
	cr_assert(vt_daemon_wait_log(&d, "/twilio/voice/status 204", 5000));
	log = vt_daemon_log(&d);
	cr_assert_not_null(
	    strstr(log, "status=x\\x1b[2J\\x0a<3>forged"), "%s", log);
	cr_assert_null(strstr(log, "\n<3>forged"), "a forged line: %s", log);
	cr_assert_null(strchr(log, '\x1b'), "a raw ESC in the log");
	free(log);
	finish(&d, dir);
	free(conf);
}

/* How many descriptors pid has open. */
static int
fds_of(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	cr_assert_not_null(dir);
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

/*
 * With no descriptor left at all, accept() fails with EMFILE every
 * time the listener is readable: vaktd pauses accepting for a second
 * instead of spinning, and accepts again once descriptors are back.
 */
Test(http_attack, accept_failing_with_emfile_pauses_instead_of_spinning_issue10)
{
	char *dir, *conf = conf_http("");
	struct rlimit none, back;
	struct vt_daemon d;
	struct vt_resp r;
	char *log, *url;
	size_t before;
	long cpu0, cpu;
	int fds[100], waited;

	start(&d, &dir, conf);
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, NULL, &back), 0);
	none.rlim_cur = (rlim_t)fds_of(d.pid);
	none.rlim_max = back.rlim_max; /* only root could raise it again */
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &none, NULL), 0,
	    "prlimit: %s", strerror(errno));
	log = vt_daemon_log(&d);
	before = count_lines(log);
	free(log);
	cpu0 = cpu_ms(d.pid);
	for (int i = 0; i < 100; i++)
		fds[i] = dial_from(&d, 2 + i % 4);
	vt_msleep(3000);
	cpu = cpu_ms(d.pid) - cpu0;
	log = vt_daemon_log(&d);
	cr_assert_lt(cpu, 1000, "vaktd spun: %ld ms of CPU in 3 s", cpu);
	cr_assert_lt(count_lines(log) - before, 100, "%s",
	    log + (strlen(log) > 2000 ? strlen(log) - 2000 : 0));
	cr_assert_not_null(strstr(log, "pausing for 1 s"), "%s", log);
	free(log);
	/* Descriptors back: it accepts again within a pause or two. */
	for (int i = 0; i < 100; i++)
		close(fds[i]);
	cr_assert_eq(prlimit(d.pid, RLIMIT_NOFILE, &back, NULL), 0);
	cr_assert(asprintf(&url, "%s/healthz", d.url) > 0);
	for (waited = 0; waited < 10000; waited += 100) {
		vt_http(&r, "GET", url, NULL, NULL);
		if (r.status == 200)
			break;
		vt_resp_free(&r);
		vt_msleep(100);
	}
	cr_assert_eq(r.status, 200, "vaktd serves again");
	vt_resp_free(&r);
	free(url);
	finish(&d, dir);
	free(conf);
}

/*
 * A refusal message that quotes a request byte (the role letter of a
 * <Dial action> URL) is escaped in the log like the path: a signed but
 * malformed request cannot forge a log line either.
 */
Test(http_attack, a_refused_webhook_quoting_a_query_byte_is_escaped_issue10)
{
	static const char *const form[] = {"CallSid", CALL_SID, "CallStatus",
	    "in-progress", "DialCallStatus", "no-answer", NULL};
	char *dir, *conf = conf_http("");
	struct vt_daemon d;
	struct vt_resp r;
	char *log;

	start(&d, &dir, conf);
	vt_twilio_post(&r, &d, "/twilio/voice/next?v=due&c=0&s=1&r=%1B", form);
	cr_assert_eq(r.status, 400, "%d %s", r.status, r.body);
	vt_resp_free(&r);
	cr_assert(vt_daemon_wait_log(&d, "bad role r=", 5000));
	log = vt_daemon_log(&d);
	cr_assert_not_null(strstr(log, "bad role r=\\x1b in the query"), "%s",
	    log);
	cr_assert_null(strchr(log, '\x1b'), "a raw ESC in the log");
	free(log);
	finish(&d, dir);
	free(conf);
}

/*
 * A client that resets its connection as soon as it has sent a request
 * made vaktd's reply fail to write, and libevent freed that request
 * without its completion callback: the request stayed "in flight" for
 * good, so every later SIGTERM waited the whole 5 s drain deadline,
 * its listener closed, before vaktd exited (calls meanwhile went to
 * Twilio's fallback).  SIGTERM after such clients exits at once.
 */
Test(http_attack, clients_that_reset_do_not_hold_up_a_sigterm_issue10)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	                          "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	const struct linger rst = {1, 0};
	char *dir, *conf = conf_http("");
	struct vt_daemon d;
	long t0, ms;

	start(&d, &dir, conf);
	for (int i = 0; i < 50; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET};

		cr_assert_geq(fd, 0);
		sa.sin_port = htons((uint16_t)d.port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert_eq(
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		cr_assert_eq(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL),
		    (ssize_t)sizeof(req) - 1);
		cr_assert_eq(
		    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)),
		    0);
		close(fd);
	}
	vt_msleep(500);
	t0 = now_ms();
	cr_assert_eq(vt_daemon_stop(&d), 0, "SIGTERM exits 0");
	ms = now_ms() - t0;
	cr_assert_lt(ms, 2500, "vaktd took %ld ms to stop", ms);
	vt_daemon_free(&d);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}
