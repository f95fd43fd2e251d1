/*
 * twilio.c: Twilio's wire format.  The signature check (HMAC-SHA1
 * through libcrypto), webhook forms to plain structs, and TwiML out.
 * No SQL, no libevent, no logging: handlers decide what to do.
 */
#include "vakt/twilio.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vakt/config.h"

#define XML_HEAD         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define GATHER_TIMEOUT_S 8

static int
cmp_kv(const void *a, const void *b)
{
	const struct vakt_kv *const *x = a, *const *y = b;
	int c = strcmp((*x)->key, (*y)->key);

	return c != 0 ? c : strcmp((*x)->value, (*y)->value);
}

void
vakt_twilio_sign(const char *token, const char *url,
    const struct vakt_kvs *params, char out[VAKT_TWILIO_SIG_LEN])
{
	const struct vakt_kv **v = vakt_xcalloc(params->n, sizeof(*v));
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	struct vakt_buf s = {0};

	/*
	 * Names sort by byte (uppercase before lowercase), then values,
	 * and an exact duplicate pair counts once, as in twilio-python's
	 * and twilio-node's validators.
	 */
	for (size_t i = 0; i < params->n; i++)
		v[i] = &params->v[i];
	qsort(v, params->n, sizeof(*v), cmp_kv);
	vakt_buf_puts(&s, url);
	for (size_t i = 0; i < params->n; i++) {
		if (i > 0 && cmp_kv(&v[i - 1], &v[i]) == 0)
			continue;
		vakt_buf_puts(&s, v[i]->key);
		vakt_buf_puts(&s, v[i]->value);
	}
	free(v);
	if (HMAC(EVP_sha1(), token, (int)strlen(token),
	        (const unsigned char *)(s.p != NULL ? s.p : ""), s.len, mac,
	        &mac_len) == NULL)
		mac_len = 0;
	vakt_buf_free(&s);
	(void)EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
}

/*
 * The URL without its port, or with the scheme's default port added
 * when it had none: Twilio has signed both forms over the years.
 */
static char *
url_other_port_form(const char *url)
{
	const char *host = strstr(url, "://"), *end, *colon;
	bool https = strncmp(url, "https:", 6) == 0;

	if (host == NULL)
		return NULL;
	host += 3;
	end = host + strcspn(host, "/?");
	colon = memchr(host, ':', (size_t)(end - host));
	if (colon != NULL)
		return vakt_xasprintf("%.*s%s", (int)(colon - url), url, end);
	return vakt_xasprintf(
	    "%.*s:%s%s", (int)(end - url), url, https ? "443" : "80", end);
}

static bool
sig_matches(const char *token, const char *url, const struct vakt_kvs *form,
    const char *given)
{
	char want[VAKT_TWILIO_SIG_LEN];

	vakt_twilio_sign(token, url, form, want);
	return strlen(given) == strlen(want) &&
	    CRYPTO_memcmp(given, want, strlen(want)) == 0;
}

int
vakt_twilio_verify(const char *token, const char *public_url,
    const struct vakt_req *req, struct vakt_err *err)
{
	const char *given = vakt_req_header(req, "X-Twilio-Signature");
	char *url, *other;
	bool ok;

	if (given == NULL || given[0] == '\0') {
		vakt_err_data(err, "missing X-Twilio-Signature");
		return -1;
	}
	url = vakt_xasprintf("%s%s", public_url, req->uri);
	ok = sig_matches(token, url, &req->form, given);
	if (!ok && (other = url_other_port_form(url)) != NULL) {
		ok = sig_matches(token, other, &req->form, given);
		free(other);
	}
	free(url);
	if (!ok) {
		vakt_err_data(err, "wrong X-Twilio-Signature");
		return -1;
	}
	return 0;
}

/* Copy a required form field; refuse missing, empty or oversized ones. */
static int
field(const struct vakt_req *req, const char *name, char *out, size_t len,
    bool required, struct vakt_err *err)
{
	const char *v = vakt_kvs_get(&req->form, name);

	if (v == NULL || (required && v[0] == '\0')) {
		if (!required) {
			out[0] = '\0';
			return 0;
		}
		vakt_err_data(err, "missing %s", name);
		return -1;
	}
	if (vakt_strlcpy(out, v, len) == -1 || !vakt_utf8_valid(v, strlen(v))) {
		vakt_err_data(err, "%s is too long or not UTF-8", name);
		return -1;
	}
	return 0;
}

/* "CA"/"SM"/… followed by 32 hex digits. */
static bool
is_sid(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, 2) != 0 || strlen(s) != 34)
		return false;
	for (size_t i = 2; i < 34; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
vakt_twilio_parse_call(const struct vakt_req *req, struct vakt_twilio_call *out,
    struct vakt_err *err)
{
	memset(out, 0, sizeof(*out));
	if (field(req, "CallSid", out->call_sid, sizeof(out->call_sid), true,
	        err) == -1 ||
	    field(req, "From", out->from, sizeof(out->from), false, err) ==
	        -1 ||
	    field(req, "To", out->to, sizeof(out->to), true, err) == -1 ||
	    field(req, "CallStatus", out->call_status, sizeof(out->call_status),
	        false, err) == -1)
		return -1;
	if (!is_sid(out->call_sid, "CA")) {
		vakt_err_data(
		    err, "CallSid is not CA followed by 32 hex digits");
		return -1;
	}
	if (vakt_kvs_get(&req->form, "From") == NULL) {
		vakt_err_data(err, "missing From");
		return -1;
	}
	return 0;
}

static const char role_letters[VAKT_ROLE_COUNT] = {'c', 's', 'b', 'f'};

static int
int_param(const char *s, long long min, long long max, long long *out)
{
	char *end;

	if (s == NULL || s[0] == '\0')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max ? 0
	                                                                : -1;
}

int
vakt_twilio_parse_ref(const struct vakt_req *req, struct vakt_twilio_ref *out,
    struct vakt_err *err)
{
	const char *v = vakt_kvs_get(&req->query, "v");
	const char *r = vakt_kvs_get(&req->query, "r");
	long long c, s;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (v == NULL || v[0] == '\0' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(v) ||
	    vakt_strlcpy(out->service, v, sizeof(out->service)) == -1 ||
	    int_param(vakt_kvs_get(&req->query, "c"), 0, INT64_MAX, &c) == -1 ||
	    int_param(vakt_kvs_get(&req->query, "s"), 1, VAKT_PLAN_MAX, &s) ==
	        -1 ||
	    r == NULL || strlen(r) != 1) {
		vakt_err_data(err, "bad or missing v, c, s or r in the query");
		return -1;
	}
	for (k = 0; k < VAKT_ROLE_COUNT && role_letters[k] != r[0]; k++)
		;
	if (k == VAKT_ROLE_COUNT) {
		vakt_err_data(err, "bad role r=%s in the query", r);
		return -1;
	}
	out->contact = c;
	out->step = (int)s;
	out->role = (enum vakt_role)k;
	return 0;
}

int
vakt_twilio_parse_dial(const struct vakt_req *req, struct vakt_twilio_dial *out,
    struct vakt_err *err)
{
	const char *b = vakt_kvs_get(&req->form, "DialBridged");
	const char *d = vakt_kvs_get(&req->form, "DialCallDuration");
	const char *st;
	long long dur = 0;

	memset(out, 0, sizeof(*out));
	if (vakt_twilio_parse_call(req, &out->call, err) == -1 ||
	    field(req, "DialCallStatus", out->dial_status,
	        sizeof(out->dial_status), true, err) == -1 ||
	    field(req, "DialCallSid", out->dial_sid, sizeof(out->dial_sid),
	        false, err) == -1)
		return -1;
	if (d != NULL && d[0] != '\0' &&
	    int_param(d, 0, 86400 * 7, &dur) == -1) {
		vakt_err_data(err, "DialCallDuration is not a number");
		return -1;
	}
	out->duration_s = (int)dur;
	/* DialBridged came later than the rest: absent means unknown. */
	out->bridged = b == NULL ? -1 : strcmp(b, "true") == 0;
	st = out->call.call_status;
	out->is_caller_gone = strcmp(st, "completed") == 0 ||
	    strcmp(st, "canceled") == 0 || strcmp(st, "failed") == 0 ||
	    strcmp(st, "busy") == 0 || strcmp(st, "no-answer") == 0;
	return 0;
}

int
vakt_twilio_parse_digits(const struct vakt_req *req,
    struct vakt_twilio_digits *out, struct vakt_err *err)
{
	memset(out, 0, sizeof(*out));
	if (field(req, "CallSid", out->call_sid, sizeof(out->call_sid), true,
	        err) == -1 ||
	    field(req, "ParentCallSid", out->parent_sid,
	        sizeof(out->parent_sid), false, err) == -1 ||
	    field(req, "Digits", out->digits, sizeof(out->digits), false,
	        err) == -1)
		return -1;
	if (!is_sid(out->call_sid, "CA")) {
		vakt_err_data(
		    err, "CallSid is not CA followed by 32 hex digits");
		return -1;
	}
	return 0;
}

int
vakt_twilio_parse_status(const struct vakt_req *req,
    struct vakt_twilio_status *out, struct vakt_err *err)
{
	const char *d = vakt_kvs_get(&req->form, "CallDuration");
	long long dur = 0;

	memset(out, 0, sizeof(*out));
	if (field(req, "CallSid", out->call_sid, sizeof(out->call_sid), true,
	        err) == -1 ||
	    field(req, "CallStatus", out->call_status, sizeof(out->call_status),
	        true, err) == -1)
		return -1;
	if (!is_sid(out->call_sid, "CA")) {
		vakt_err_data(
		    err, "CallSid is not CA followed by 32 hex digits");
		return -1;
	}
	if (d != NULL && d[0] != '\0' &&
	    int_param(d, 0, 86400 * 7, &dur) == -1) {
		vakt_err_data(err, "CallDuration is not a number");
		return -1;
	}
	out->duration_s = (int)dur;
	return 0;
}

/* base + path + "?v=…&c=…&s=…&r=…", XML-escaped for an attribute. */
static void
ref_url(struct vakt_buf *b, const char *base, const char *path,
    const struct vakt_twilio_ref *ref)
{
	vakt_buf_xml(b, base);
	vakt_buf_printf(b, "%s?v=%s&amp;c=%lld&amp;s=%d&amp;r=%c", path,
	    ref->service, (long long)ref->contact, ref->step,
	    role_letters[ref->role]);
}

static void
say(struct vakt_buf *b, const struct vakt_service *svc, const char *text,
    int loop)
{
	vakt_buf_puts(b, "<Say voice=\"");
	vakt_buf_xml(b, svc->voice);
	vakt_buf_puts(b, "\" language=\"");
	vakt_buf_xml(b, svc->language);
	vakt_buf_printf(b, "\" loop=\"%d\">", loop);
	vakt_buf_xml(b, text);
	vakt_buf_puts(b, "</Say>");
}

char *
vakt_twilio_render_dial(const struct vakt_twilio_dial_spec *spec, size_t *len)
{
	struct vakt_buf b = {0};

	vakt_buf_printf(&b,
	    XML_HEAD "<Response><Dial timeout=\"%d\" "
	             "answerOnBridge=\"true\" callerId=\"",
	    spec->step->timeout_s);
	vakt_buf_xml(&b, spec->caller_id);
	vakt_buf_puts(&b, "\" action=\"");
	ref_url(&b, spec->base_url, "/twilio/voice/next", &spec->ref);
	vakt_buf_puts(&b, "\" method=\"POST\"><Number");
	if (spec->is_confirm) {
		vakt_buf_puts(&b, " url=\"");
		ref_url(
		    &b, spec->base_url, "/twilio/voice/whisper", &spec->ref);
		vakt_buf_puts(&b, "\" method=\"POST\"");
	}
	vakt_buf_puts(&b, ">");
	vakt_buf_xml(&b, spec->step->number);
	vakt_buf_puts(&b, "</Number></Dial></Response>");
	return vakt_buf_take(&b, len);
}

char *
vakt_twilio_render_whisper(const char *base_url,
    const struct vakt_twilio_ref *ref, const char *text,
    const struct vakt_service *svc, size_t *len)
{
	struct vakt_buf b = {0};

	/*
	 * Only a key press reaches the confirm action.  Silence (a
	 * voicemail greeting, a phone in a pocket) falls through to
	 * <Hangup/>, which drops this leg only; the <Dial action> then
	 * rings the next step.
	 */
	vakt_buf_printf(&b,
	    XML_HEAD "<Response><Gather numDigits=\"1\" "
	             "timeout=\"%d\" action=\"",
	    GATHER_TIMEOUT_S);
	ref_url(&b, base_url, "/twilio/voice/confirm", ref);
	vakt_buf_puts(&b, "\" method=\"POST\">");
	say(&b, svc, text, 2);
	vakt_buf_puts(&b, "</Gather><Hangup/></Response>");
	return vakt_buf_take(&b, len);
}

char *
vakt_twilio_render_say_hangup(
    const char *text, const struct vakt_service *svc, size_t *len)
{
	struct vakt_buf b = {0};

	vakt_buf_puts(&b, XML_HEAD "<Response>");
	say(&b, svc, text, 1);
	vakt_buf_puts(&b, "<Hangup/></Response>");
	return vakt_buf_take(&b, len);
}

#define NOBODY_TEXT                                                            \
	"Vi fikk dessverre ikke tak i noen akkurat nå. Vi ringer deg "        \
	"tilbake så snart vi kan. Hvis det haster, ring 1 1 2."

char *
vakt_twilio_render_nobody(const struct vakt_service *svc, size_t *len)
{
	return vakt_twilio_render_say_hangup(NOBODY_TEXT, svc, len);
}

char *
vakt_twilio_render_hangup(size_t *len)
{
	struct vakt_buf b = {0};

	vakt_buf_puts(&b, XML_HEAD "<Response><Hangup/></Response>");
	return vakt_buf_take(&b, len);
}

char *
vakt_twilio_render_empty(size_t *len)
{
	struct vakt_buf b = {0};

	vakt_buf_puts(&b, XML_HEAD "<Response/>");
	return vakt_buf_take(&b, len);
}

static void
plain_dial(
    struct vakt_buf *b, const struct vakt_service *svc, const char *number)
{
	vakt_buf_printf(b, "<Dial timeout=\"%d\" answerOnBridge=\"true\">",
	    svc->ring_timeout_s);
	vakt_buf_xml(b, number);
	vakt_buf_puts(b, "</Dial>");
}

char *
vakt_twilio_render_fallback(const struct vakt_service *svc, size_t *len)
{
	struct vakt_buf b = {0};

	/*
	 * No action URLs: nothing here may depend on vaktd.  Without an
	 * action, Twilio goes on to the next verb when a <Dial> ends, so
	 * an unanswered beredskap leads to the fallback, then the
	 * message.  The price: if beredskap answers and hangs up first
	 * while the caller stays on the line, the fallback rings too.  A
	 * static document cannot tell the two apart, and ringing a human
	 * once too often beats a youth left with nobody.
	 */
	vakt_buf_puts(&b, XML_HEAD "<Response>");
	plain_dial(&b, svc, svc->beredskap);
	if (svc->fallback != NULL)
		plain_dial(&b, svc, svc->fallback);
	say(&b, svc, NOBODY_TEXT, 1);
	vakt_buf_puts(&b, "<Hangup/></Response>");
	return vakt_buf_take(&b, len);
}

static int
int_field(const struct vakt_req *req, const char *name, int dflt, int *out,
    struct vakt_err *err)
{
	const char *v = vakt_kvs_get(&req->form, name);
	long long n;

	*out = dflt;
	if (v == NULL || v[0] == '\0')
		return 0;
	if (int_param(v, 0, 1000, &n) == -1) {
		vakt_err_data(err, "%s is not a number", name);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int
vakt_twilio_parse_sms(const struct vakt_req *req, struct vakt_twilio_sms *out,
    struct vakt_err *err)
{
	const char *body = vakt_kvs_get(&req->form, "Body");

	memset(out, 0, sizeof(*out));
	if (field(req, "MessageSid", out->message_sid, sizeof(out->message_sid),
	        true, err) == -1 ||
	    field(req, "From", out->from, sizeof(out->from), true, err) == -1 ||
	    field(req, "To", out->to, sizeof(out->to), true, err) == -1 ||
	    int_field(req, "NumMedia", 0, &out->num_media, err) == -1 ||
	    int_field(req, "NumSegments", 1, &out->segments, err) == -1)
		return -1;
	if (!is_sid(out->message_sid, "SM") &&
	    !is_sid(out->message_sid, "MM")) {
		vakt_err_data(err,
		    "MessageSid is not SM or MM followed by 32 "
		    "hex digits");
		return -1;
	}
	/* The body is never trimmed or changed: it is the youth's words. */
	if (body == NULL)
		body = "";
	if (!vakt_utf8_valid(body, strlen(body))) {
		vakt_err_data(err, "Body is not UTF-8");
		return -1;
	}
	out->body = body;
	return 0;
}

int
vakt_twilio_parse_sms_status(const struct vakt_req *req,
    struct vakt_twilio_sms_status *out, struct vakt_err *err)
{
	memset(out, 0, sizeof(*out));
	if (field(req, "MessageSid", out->message_sid, sizeof(out->message_sid),
	        true, err) == -1 ||
	    field(req, "MessageStatus", out->status, sizeof(out->status), true,
	        err) == -1 ||
	    field(req, "ErrorCode", out->error_code, sizeof(out->error_code),
	        false, err) == -1)
		return -1;
	if (!is_sid(out->message_sid, "SM") &&
	    !is_sid(out->message_sid, "MM")) {
		vakt_err_data(err,
		    "MessageSid is not SM or MM followed by 32 "
		    "hex digits");
		return -1;
	}
	return 0;
}

char *
vakt_twilio_render_messages(
    const char *to, const char *from, char *const *parts, size_t n, size_t *len)
{
	struct vakt_buf b = {0};

	vakt_buf_puts(&b, XML_HEAD "<Response>");
	for (size_t i = 0; i < n; i++) {
		vakt_buf_puts(&b, "<Message to=\"");
		vakt_buf_xml(&b, to);
		vakt_buf_puts(&b, "\" from=\"");
		vakt_buf_xml(&b, from);
		vakt_buf_puts(&b, "\">");
		vakt_buf_xml(&b, parts[i]);
		vakt_buf_puts(&b, "</Message>");
	}
	vakt_buf_puts(&b, "</Response>");
	return vakt_buf_take(&b, len);
}
