/*
 * gen_voice.c: inputs of the load benchmark (bench/run.sh).
 *
 *   gen_voice csv
 *	the directory of bench_dir.h as a `vaktctl import` file
 *   gen_voice absences
 *	one line "CID FROM TO [SUBSTITUTE]" per absence, dates around
 *	today (UTC), for `vaktctl absence add`
 *   gen_voice requests N PUBLIC_URL TOKEN TO SEED
 *	N distinct signed POST /twilio/voice forms, one per line as
 *	"SIGNATURE<TAB>BODY", for bench/voice.lua
 *
 * Each request is a new inbound call as Twilio sends it: its own
 * CallSid ("CA" + 32 hex, unique per SEED and line), From a youth of
 * the directory (90%) or a number it does not know (10%), To the
 * service number, and the other parameters Twilio posts (geo fields
 * included: they are signed like the rest).  The signature is
 * vakt_twilio_sign() over PUBLIC_URL + "/twilio/voice" and the form.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vakt/http.h"
#include "vakt/twilio.h"
#include "vakt/util.h"

#include "bench_dir.h"

#define VOICE_PATH     "/twilio/voice"
#define KNOWN_PERMILLE 900
#define N_PARAMS       25
#define VALUE_LEN      64
#define BODY_LEN       2048

/* Twilio's inbound-call parameters; "" values are filled per request. */
static const char *const param_names[N_PARAMS] = {"AccountSid", "ApiVersion",
    "CallSid", "CallStatus", "Called", "CalledCity", "CalledCountry",
    "CalledState", "CalledZip", "Caller", "CallerCity", "CallerCountry",
    "CallerState", "CallerZip", "Direction", "From", "FromCity", "FromCountry",
    "FromState", "FromZip", "To", "ToCity", "ToCountry", "ToState", "ToZip"};

enum { P_CALLSID = 2, P_CALLED = 4, P_CALLER = 9, P_FROM = 15, P_TO = 20 };

struct form {
	char names[N_PARAMS][VALUE_LEN];
	char values[N_PARAMS][VALUE_LEN];
	struct vakt_kv kv[N_PARAMS];
	struct vakt_kvs kvs;
};

static void
form_init(struct form *f, const char *to)
{
	for (size_t i = 0; i < N_PARAMS; i++) {
		const char *v = "";

		(void)vakt_strlcpy(f->names[i], param_names[i], VALUE_LEN);
		if (strcmp(param_names[i], "AccountSid") == 0)
			v = "AC0123456789abcdef0123456789abcdef";
		else if (strcmp(param_names[i], "ApiVersion") == 0)
			v = "2010-04-01";
		else if (strcmp(param_names[i], "CallStatus") == 0)
			v = "ringing";
		else if (strcmp(param_names[i], "Direction") == 0)
			v = "inbound";
		else if (strstr(param_names[i], "Country") != NULL)
			v = "NO";
		(void)vakt_strlcpy(f->values[i], v, VALUE_LEN);
		f->kv[i].key = f->names[i];
		f->kv[i].value = f->values[i];
	}
	(void)vakt_strlcpy(f->values[P_CALLED], to, VALUE_LEN);
	(void)vakt_strlcpy(f->values[P_TO], to, VALUE_LEN);
	f->kvs.v = f->kv;
	f->kvs.n = N_PARAMS;
}

/* application/x-www-form-urlencoded, as Twilio encodes it. */
static void
form_encode(const char *s, char *out, size_t *o)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			out[(*o)++] = (char)c;
		} else if (c == ' ') {
			out[(*o)++] = '+';
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
}

static void
form_body(const struct form *f, char out[BODY_LEN])
{
	size_t o = 0;

	for (size_t i = 0; i < N_PARAMS; i++) {
		if (i > 0)
			out[o++] = '&';
		form_encode(f->names[i], out, &o);
		out[o++] = '=';
		form_encode(f->values[i], out, &o);
	}
	out[o] = '\0';
}

static int
gen_requests(unsigned long n, const char *public_url, const char *token,
    const char *to, uint64_t seed)
{
	char url[512], body[BODY_LEN], sig[VAKT_TWILIO_SIG_LEN];
	uint64_t rng = seed, tag = bd_rand(&rng);
	struct form f;

	if (snprintf(url, sizeof(url), "%s%s", public_url, VOICE_PATH) >=
	    (int)sizeof(url)) {
		fprintf(stderr, "gen_voice: public URL too long\n");
		return 1;
	}
	form_init(&f, to);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t r = bd_rand(&rng);
		char *from = f.values[P_FROM];

		(void)snprintf(f.values[P_CALLSID], VALUE_LEN,
		    "CA%016" PRIx64 "%016" PRIx64, tag, (uint64_t)i);
		if (r % 1000 < KNOWN_PERMILLE)
			bd_youth_phone((unsigned)(r >> 12), from);
		else
			bd_unknown_phone((unsigned)(r >> 12), from);
		(void)vakt_strlcpy(f.values[P_CALLER], from, VALUE_LEN);
		form_body(&f, body);
		vakt_twilio_sign(token, url, &f.kvs, sig);
		if (printf("%s\t%s\n", sig, body) < 0) {
			perror("gen_voice");
			return 1;
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
gen_csv(void)
{
	printf("type,id,name,phone,coordinator,service\n");
	for (unsigned k = 0; k < BD_N_COORDS; k++) {
		struct vakt_coordinator c;

		bd_coordinator(k, &c);
		printf("coordinator,%s,%s,%s,,%s\n", c.id, c.name, c.phone,
		    c.service);
	}
	for (unsigned i = 0; i < BD_N_YOUTHS; i++) {
		struct vakt_youth y;

		bd_youth(i, &y);
		printf("youth,%s,%s,%s,%s,%s\n", y.id, y.name, y.phone,
		    y.coordinator, y.service);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Absences starting from 30 days ago to 30 days ahead. */
static int
gen_absences(void)
{
	int64_t today = vakt_clock_now_ms() / 86400000;

	for (unsigned k = 0; k < BD_N_COORDS; k++) {
		char id[VAKT_ID_LEN], sub[VAKT_ID_LEN], f[11], t[11];
		int from, to;

		if (!bd_absence(k, today - 30, 60, &from, &to, sub))
			continue;
		bd_coord_id(k, id);
		vakt_date_format(from, f);
		vakt_date_format(to, t);
		printf(
		    "%s %s %s%s%s\n", id, f, t, sub[0] != '\0' ? " " : "", sub);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: gen_voice csv | absences | "
	    "requests N PUBLIC_URL TOKEN TO SEED\n");
	return 64;
}

int
main(int argc, char **argv)
{
	char *end;
	unsigned long n;
	uint64_t seed;

	if (argc == 2 && strcmp(argv[1], "csv") == 0)
		return gen_csv();
	if (argc == 2 && strcmp(argv[1], "absences") == 0)
		return gen_absences();
	if (argc != 7 || strcmp(argv[1], "requests") != 0)
		return usage();
	n = strtoul(argv[2], &end, 10);
	if (*end != '\0' || n == 0)
		return usage();
	seed = strtoull(argv[6], &end, 0);
	if (*end != '\0')
		return usage();
	return gen_requests(n, argv[3], argv[4], argv[5], seed);
}
