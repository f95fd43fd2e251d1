/*
 * test_smoke.c: vaktd starts on a generated configuration, answers
 * /healthz, and a call's missed-call alert reaches the fake Messages
 * API.  The detailed suites live in the other files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fake/fake_twilio.h"
#include "helpers.h"

Test(smoke, vaktd_serves_healthz_and_stops_cleanly_on_sigterm)
{
	char *dir = vt_tmpdir(), *conf = vt_config(NULL, NULL, NULL);
	struct vt_daemon d;
	struct vt_resp r;
	char url[128];

	cr_assert_eq(vt_daemon_start(&d, dir, conf), 0, "%s",
	    vt_daemon_log(&d));
	snprintf(url, sizeof(url), "%s/healthz", d.url);
	vt_http(&r, "GET", url, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "ok\n");
	vt_resp_free(&r);
	cr_assert_eq(vt_daemon_stop(&d), 0, "SIGTERM exits 0");
	vt_daemon_free(&d);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}

Test(smoke, an_unknown_caller_who_rings_out_alerts_beredskap)
{
	struct vt_fake *fake = vt_fake_start();
	char *dir = vt_tmpdir(), *conf = vt_config(vt_fake_url(fake), NULL,
	    NULL);
	const char *call[] = {"CallSid", "CA00000000000000000000000000000001",
	    "From", "+4798765432", "To", VT_SERVICE, "CallStatus", "ringing",
	    NULL};
	const char *gone[] = {"CallSid", "CA00000000000000000000000000000001",
	    "From", "+4798765432", "To", VT_SERVICE, "CallStatus", "completed",
	    "CallDuration", "30", NULL};
	struct vt_fake_msg m;
	struct vt_daemon d;
	struct vt_resp r;

	cr_assert_eq(vt_daemon_start(&d, dir, conf), 0);
	vt_twilio_post(&r, &d, "/twilio/voice", call);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(r.body, ">" VT_BEREDSKAP "</Number>"), "%s",
	    r.body);
	vt_resp_free(&r);
	vt_twilio_post(&r, &d, "/twilio/voice/status", gone);
	cr_assert_eq(r.status, 204);
	vt_resp_free(&r);
	cr_assert(vt_fake_wait(fake, 1, 10000), "no alert reached the API");
	m = vt_fake_get(fake, 0);
	cr_assert_str_eq(m.to, VT_BEREDSKAP);
	cr_assert_str_eq(m.from, VT_SERVICE);
	cr_assert(m.is_auth_ok);
	cr_assert_not_null(strstr(m.body, "Ubesvart anrop fra +4798765432 kl. "),
	    "%s", m.body);
	vt_fake_msg_free(&m);
	cr_assert_eq(vt_daemon_stop(&d), 0);
	vt_daemon_free(&d);
	vt_fake_stop(fake);
	vt_rmrf(dir);
	free(dir);
	free(conf);
}
