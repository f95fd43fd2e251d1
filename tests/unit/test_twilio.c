/*
 * test_twilio.c: signatures (Twilio's published test vectors), webhook
 * parsing and TwiML rendering.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vakt/config.h"
#include "vakt/twilio.h"

#define VEC_TOKEN "12345"
#define VEC_URL	  "https://mycompany.com/myapp.php?foo=1&bar=2"

/* kvs from "k", "v", …, NULL, pointing at the literals. */
static struct vakt_kvs
kvs_of(const char **kv)
{
	struct vakt_kvs k = {0};
	size_t n = 0;

	while (kv[n] != NULL)
		n += 2;
	k.v = calloc(n / 2 + 1, sizeof(*k.v));
	for (size_t i = 0; i < n; i += 2) {
		k.v[i / 2].key = (char *)kv[i];
		k.v[i / 2].value = (char *)kv[i + 1];
	}
	k.n = n / 2;
	return k;
}

static const char *vec_params[] = {"CallSid", "CA1234567890ABCDE", "Caller",
    "+14158675309", "Digits", "1234", "From", "+14158675309", "To",
    "+18005551212", NULL};

struct sig_case {
	const char *url;
	const char **params;
	const char *want;
};

Test(twilio, signature_matches_published_vectors)
{
	static const char *repeated[] = {"Sid", "CA123", "SidAccount", "AC123",
	    "Digits", "5678", "Digits", "1234", NULL};
	static const char *older[] = {"CallSid", "CA1234567890ABCDE", "Caller",
	    "+12349013030", "Digits", "1234", "From", "+12349013030", "To",
	    "+18005551212", NULL};
	const struct sig_case cases[] = {
	    {VEC_URL, vec_params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
	    {"https://mycompany.com:443/myapp.php?foo=1&bar=2", vec_params,
		"kvajT1Ptam85bY51eRf/AJRuM3w="},
	    {"http://mycompany.com:80/myapp.php?foo=1&bar=2", vec_params,
		"0ZXoZLH/DfblKGATFgpif+LLRf4="},
	    {"http://mycompany.com:1234/myapp.php?foo=1&bar=2", vec_params,
		"Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
	    {VEC_URL, repeated, "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
	    {VEC_URL, older, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vakt_kvs k = kvs_of(cases[i].params);
		char sig[VAKT_TWILIO_SIG_LEN];

		vakt_twilio_sign(VEC_TOKEN, cases[i].url, &k, sig);
		cr_assert_str_eq(sig, cases[i].want, "case %zu (%s)", i,
		    cases[i].url);
		free(k.v);
	}
}

static void
req_free(struct vakt_req *r)
{
	free(r->form.v);
	free(r->headers.v);
}

/* A request view as http.c builds it. */
static struct vakt_req
req_of(const char *uri, const char **form, const char *sig)
{
	struct vakt_req r = {0};

	r.method = VAKT_POST;
	r.uri = uri;
	r.form = kvs_of(form);
	if (sig != NULL)
		r.headers = kvs_of((const char *[]){"X-Twilio-Signature", sig,
		    NULL});
	return r;
}

Test(twilio, verify_accepts_url_with_or_without_default_port)
{
	struct vakt_err err;
	struct vakt_req a = req_of("/myapp.php?foo=1&bar=2", vec_params,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	struct vakt_req b = req_of("/myapp.php?foo=1&bar=2", vec_params,
	    "kvajT1Ptam85bY51eRf/AJRuM3w=");

	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com", &a,
	    &err), 0, "%s", err.msg);
	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com", &b,
	    &err), 0, "signed with :443, configured without: %s", err.msg);
	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com:443",
	    &a, &err), 0, "signed without port, configured with :443");
	req_free(&a);
	req_free(&b);
}

Test(twilio, verify_refuses_missing_wrong_or_tampered_signatures)
{
	static const char *tampered[] = {"CallSid", "CA1234567890ABCDE",
	    "Caller", "+14158675309", "Digits", "1234", "From",
	    "+14158675300", "To", "+18005551212", NULL};
	struct vakt_err err;
	struct vakt_req none = req_of("/myapp.php?foo=1&bar=2", vec_params,
	    NULL);
	struct vakt_req wrong = req_of("/myapp.php?foo=1&bar=2", vec_params,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8X");
	struct vakt_req changed = req_of("/myapp.php?foo=1&bar=2", tampered,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	struct vakt_req query = req_of("/myapp.php?foo=1&bar=3", vec_params,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8=");

	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com",
	    &none, &err), -1);
	cr_assert_str_eq(err.msg, "missing X-Twilio-Signature");
	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com",
	    &wrong, &err), -1);
	cr_assert_str_eq(err.msg, "wrong X-Twilio-Signature");
	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com",
	    &changed, &err), -1, "a changed From must not verify");
	cr_assert_eq(vakt_twilio_verify(VEC_TOKEN, "https://mycompany.com",
	    &query, &err), -1, "a changed query must not verify");
	cr_assert_eq(vakt_twilio_verify("other-token", "https://mycompany.com",
	    &wrong, &err), -1);
	req_free(&none);
	req_free(&wrong);
	req_free(&changed);
	req_free(&query);
}

Test(twilio, parse_call_requires_callsid_from_and_to)
{
	static const char *ok[] = {"CallSid", "CA0123456789abcdef0123456789abcdef",
	    "From", "+4791000001", "To", "+4755000000", "CallStatus", "ringing",
	    "FromCity", "", NULL};
	static const char *anon[] = {"CallSid",
	    "CA0123456789abcdef0123456789abcdef", "From", "anonymous", "To",
	    "+4755000000", NULL};
	static const char *no_sid[] = {"From", "+4791000001", "To",
	    "+4755000000", NULL};
	static const char *bad_sid[] = {"CallSid", "SM0123456789abcdef0123456789abcdef",
	    "From", "+4791000001", "To", "+4755000000", NULL};
	static const char *no_to[] = {"CallSid", "CA0123456789abcdef0123456789abcdef",
	    "From", "+4791000001", NULL};
	const char **bad[] = {no_sid, bad_sid, no_to};
	struct vakt_twilio_call call;
	struct vakt_err err;
	struct vakt_req r = req_of("/twilio/voice", ok, NULL);

	cr_assert_eq(vakt_twilio_parse_call(&r, &call, &err), 0, "%s", err.msg);
	cr_assert_str_eq(call.from, "+4791000001");
	cr_assert_str_eq(call.to, "+4755000000");
	cr_assert_str_eq(call.call_status, "ringing");
	free(r.form.v);
	r = req_of("/twilio/voice", anon, NULL);
	cr_assert_eq(vakt_twilio_parse_call(&r, &call, &err), 0,
	    "an anonymous caller is still a call");
	free(r.form.v);
	for (size_t i = 0; i < 3; i++) {
		r = req_of("/twilio/voice", bad[i], NULL);
		cr_assert_eq(vakt_twilio_parse_call(&r, &call, &err), -1,
		    "case %zu", i);
		free(r.form.v);
	}
}

Test(twilio, parse_ref_reads_our_query_and_refuses_anything_else)
{
	static const char *none[] = {NULL};
	static const char *const bad[] = {"/x?v=due&c=1&s=0&r=c",
	    "/x?v=due&c=1&s=5&r=c", "/x?v=DUE&c=1&s=1&r=c",
	    "/x?v=due&c=-1&s=1&r=c", "/x?v=due&c=1&s=1&r=x",
	    "/x?v=due&c=1x&s=1&r=c", "/x?c=1&s=1&r=c"};
	struct vakt_twilio_ref ref;
	struct vakt_err err;
	struct vakt_req r = req_of("/x", none, NULL);

	r.query = kvs_of((const char *[]){"v", "due", "c", "42", "s", "2", "r",
	    "b", NULL});
	cr_assert_eq(vakt_twilio_parse_ref(&r, &ref, &err), 0, "%s", err.msg);
	cr_assert_str_eq(ref.service, "due");
	cr_assert_eq(ref.contact, 42);
	cr_assert_eq(ref.step, 2);
	cr_assert_eq(ref.role, VAKT_ROLE_BEREDSKAP);
	free(r.query.v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vakt_kvs q;

		cr_assert_eq(vakt_kvs_parse(strchr(bad[i], '?') + 1, &q), 0);
		r.query = q;
		cr_assert_eq(vakt_twilio_parse_ref(&r, &ref, &err), -1, "%s",
		    bad[i]);
		vakt_kvs_free(&q);
	}
	free(r.form.v);
}

Test(twilio, parse_dial_tells_bridged_unknown_and_caller_gone)
{
	static const char *gone[] = {"CallSid", "CA0123456789abcdef0123456789abcdef",
	    "From", "+4791000001", "To", "+4755000000", "CallStatus",
	    "completed", "DialCallStatus", "no-answer", "DialCallSid",
	    "CAffffffffffffffffffffffffffffffff", NULL};
	static const char *bridged[] = {"CallSid",
	    "CA0123456789abcdef0123456789abcdef", "From", "+4791000001", "To",
	    "+4755000000", "CallStatus", "in-progress", "DialCallStatus",
	    "completed", "DialCallDuration", "65", "DialBridged", "true", NULL};
	struct vakt_twilio_dial d;
	struct vakt_err err;
	struct vakt_req r = req_of("/twilio/voice/next", gone, NULL);

	cr_assert_eq(vakt_twilio_parse_dial(&r, &d, &err), 0, "%s", err.msg);
	cr_assert(d.is_caller_gone);
	cr_assert_eq(d.bridged, -1, "DialBridged absent is unknown, not false");
	cr_assert_str_eq(d.dial_status, "no-answer");
	free(r.form.v);
	r = req_of("/twilio/voice/next", bridged, NULL);
	cr_assert_eq(vakt_twilio_parse_dial(&r, &d, &err), 0, "%s", err.msg);
	cr_assert_not(d.is_caller_gone);
	cr_assert_eq(d.bridged, 1);
	cr_assert_eq(d.duration_s, 65);
	free(r.form.v);
}

static struct vakt_service
test_service(void)
{
	struct vakt_service s = {0};

	s.id = (char *)"due";
	s.name = (char *)"DUE";
	s.number = (char *)"+4755000000";
	s.beredskap = (char *)"+4790000000";
	s.fallback = (char *)"+4755555555";
	s.voice = (char *)"Polly.Liv";
	s.language = (char *)"nb-NO";
	s.ring_timeout_s = 20;
	return s;
}

Test(twilio, dial_has_timeout_caller_id_answer_on_bridge_and_escaped_urls)
{
	struct vakt_step st = {.role = VAKT_ROLE_COORDINATOR,
	    .number = "+4791000010", .timeout_s = 25};
	struct vakt_twilio_dial_spec spec = {.base_url = "https://v.example/x",
	    .ref = {.service = "due", .contact = 7, .step = 1,
		.role = VAKT_ROLE_COORDINATOR},
	    .step = &st, .caller_id = "+4791000001", .is_confirm = true};
	size_t len;
	char *x = vakt_twilio_render_dial(&spec, &len);

	cr_assert_eq(strlen(x), len);
	cr_assert_str_eq(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Dial timeout=\"25\" answerOnBridge=\"true\" "
	    "callerId=\"+4791000001\" action=\"https://v.example/x/twilio/voice/"
	    "next?v=due&amp;c=7&amp;s=1&amp;r=c\" method=\"POST\"><Number "
	    "url=\"https://v.example/x/twilio/voice/whisper?v=due&amp;c=7&amp;"
	    "s=1&amp;r=c\" method=\"POST\">+4791000010</Number></Dial>"
	    "</Response>");
	free(x);
	spec.is_confirm = false;
	x = vakt_twilio_render_dial(&spec, &len);
	cr_assert_null(strstr(x, "whisper"), "no whisper without confirmation");
	free(x);
}

Test(twilio, whisper_gathers_one_key_and_hangs_up_on_silence)
{
	struct vakt_service svc = test_service();
	struct vakt_twilio_ref ref = {.service = "due", .contact = 3, .step = 2,
	    .role = VAKT_ROLE_BEREDSKAP};
	char *x = vakt_twilio_render_whisper("https://v.example", &ref,
	    "DUE: anrop fra <Ola & Kari>", &svc, NULL);

	cr_assert_not_null(strstr(x, "<Gather numDigits=\"1\" timeout=\"8\" "
	    "action=\"https://v.example/twilio/voice/confirm?v=due&amp;c=3&amp;"
	    "s=2&amp;r=b\""));
	cr_assert_not_null(strstr(x, "anrop fra &lt;Ola &amp; Kari&gt;"),
	    "names are escaped: %s", x);
	cr_assert_not_null(strstr(x, "language=\"nb-NO\""));
	cr_assert_not_null(strstr(x, "</Gather><Hangup/></Response>"),
	    "silence must hang the leg up: %s", x);
	free(x);
}

Test(twilio, nobody_message_is_norwegian_and_mentions_112)
{
	struct vakt_service svc = test_service();
	char *x = vakt_twilio_render_nobody(&svc, NULL);

	cr_assert_not_null(strstr(x, "language=\"nb-NO\""));
	cr_assert_not_null(strstr(x, "1 1 2"));
	cr_assert_not_null(strstr(x, "<Hangup/></Response>"));
	free(x);
}

Test(twilio, fallback_dials_beredskap_then_fallback_without_vaktd)
{
	struct vakt_service svc = test_service();
	char *x = vakt_twilio_render_fallback(&svc, NULL);
	char *b = strstr(x, "+4790000000"), *f = strstr(x, "+4755555555");

	cr_assert_not_null(b);
	cr_assert_not_null(f);
	cr_assert_lt(b, f, "beredskap rings before the fallback");
	cr_assert_null(strstr(x, "action="), "no URL may point at vaktd");
	cr_assert_null(strstr(x, "url="), "no URL may point at vaktd");
	free(x);
}
