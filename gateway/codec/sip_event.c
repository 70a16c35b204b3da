/*
 * Event, Subscription-State and Expires (RFC 6665 §8.2, RFC 3261 §20.19),
 * parsed by hand: libosip2 keeps them as plain text, and peers send them
 * with any case, spacing and parameter order.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_event.h"
#include "sip_lex.h"

#define DELTA_MAX 0x7fffffffL	/* RFC 3261 §25.1: delta-seconds fit 2**31 - 1 */

/* Skips linear white space. */
static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Reads a token into out (size bytes, lower-cased); returns the end, or
 * NULL if there is none or it does not fit.
 */
static const char *
read_token(const char *p, char *out, size_t size)
{
	size_t n = 0;

	while (sip_is_token_char((unsigned char)*p)) {
		if (n + 1 >= size)
			return NULL;
		out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return n > 0 ? p : NULL;
}

/* Reads a delta-seconds value (clamped to 2**31 - 1); -1 if malformed. */
static long
read_delta(const char *p, const char **end)
{
	long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		/* Checked before multiplying: long may be 32 bits. */
		if (v > (DELTA_MAX - (*p - '0')) / 10)
			v = DELTA_MAX;
		else
			v = v * 10 + (*p - '0');
		p++;
	}
	*end = p;
	return v;
}

/*
 * One ";name[=value]" parameter at p (after the ';'). The name is
 * lower-cased into name; the value may be a token or a quoted string and
 * is copied (unquoted) into value. Any generic parameter is allowed
 * (RFC 6665 §8.4), however long: a name too long for name is read as ""
 * (no parameter we use is that long), a value too long for value is read
 * as "" with *cut set, for the caller to refuse if it needs that value.
 * Returns the end or NULL if malformed.
 */
static const char *
read_param(const char *p, char *name, size_t nsize, char *value,
    size_t vsize, int *cut)
{
	size_t n = 0, len = 0;

	*cut = 0;
	p = skip_ws(p);
	if (!sip_is_token_char((unsigned char)*p))
		return NULL;
	for (; sip_is_token_char((unsigned char)*p); p++, len++)
		if (n + 1 < nsize)
			name[n++] = (char)tolower((unsigned char)*p);
	name[len < nsize ? n : 0] = '\0';
	p = skip_ws(p);
	value[0] = '\0';
	if (*p != '=')
		return p;
	p = skip_ws(p + 1);
	n = 0;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return NULL;
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < vsize)
				value[n++] = *p;
			else
				*cut = 1;
		}
		p++;
	} else {
		for (len = 0; sip_is_token_char((unsigned char)*p) || *p == ':' ||
		    *p == '[' || *p == ']'; p++, len++)
			if (n + 1 < vsize)
				value[n++] = *p;
			else
				*cut = 1;
		if (len == 0)
			return NULL;
	}
	value[*cut ? 0 : n] = '\0';
	return skip_ws(p);
}

/* Event: the work of sip_event_parse(), on a cleared out. */
static int
event_parse(const char *value, struct event_hdr *out)
{
	const char *p;

	p = skip_ws(value);
	if ((p = read_token(p, out->package, sizeof(out->package))) == NULL)
		return -1;
	p = skip_ws(p);
	while (*p == ';') {
		char name[32], val[SIP_EVENT_MAX_ID + 1];
		int cut;

		if ((p = read_param(p + 1, name, sizeof(name), val,
		    sizeof(val), &cut)) == NULL)
			return -1;
		if (strcmp(name, "id") == 0) {
			if (cut)
				return -1;	/* never cut an id short */
			memcpy(out->id, val, strlen(val) + 1);
		}
	}
	return *p == '\0' ? 0 : -1;
}

/*
 * Event: package[.template] *(;param) (RFC 6665 §8.2.1). Only the id
 * parameter matters to us. -1 if malformed; out is then cleared.
 */
int
sip_event_parse(const char *value, struct event_hdr *out)
{
	memset(out, 0, sizeof(*out));
	if (value == NULL || event_parse(value, out) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

static const char *const reason_names[] = {
	[SUB_REASON_NONE] = "",
	[SUB_REASON_DEACTIVATED] = "deactivated",
	[SUB_REASON_PROBATION] = "probation",
	[SUB_REASON_REJECTED] = "rejected",
	[SUB_REASON_TIMEOUT] = "timeout",
	[SUB_REASON_GIVEUP] = "giveup",
	[SUB_REASON_NORESOURCE] = "noresource",
	[SUB_REASON_INVARIANT] = "invariant",
	[SUB_REASON_OTHER] = "other",
};

/* The wire name of a reason ("" for none). */
const char *
sip_sub_reason_name(enum sub_reason reason)
{
	if ((size_t)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "other";
	return reason_names[reason];
}

/* The wire name of a state. */
const char *
sip_sub_state_name(enum sub_state state)
{
	switch (state) {
	case SUB_STATE_PENDING:
		return "pending";
	case SUB_STATE_ACTIVE:
		return "active";
	case SUB_STATE_TERMINATED:
		return "terminated";
	default:
		return "other";
	}
}

/* Subscription-State: the work of sip_sub_state_parse(). */
static int
sub_state_parse(const char *value, struct sub_state_hdr *out)
{
	char tok[32];
	const char *p;

	if ((p = read_token(skip_ws(value), tok, sizeof(tok))) == NULL)
		return -1;
	if (strcmp(tok, "active") == 0)
		out->state = SUB_STATE_ACTIVE;
	else if (strcmp(tok, "pending") == 0)
		out->state = SUB_STATE_PENDING;
	else if (strcmp(tok, "terminated") == 0)
		out->state = SUB_STATE_TERMINATED;
	else
		out->state = SUB_STATE_OTHER;
	p = skip_ws(p);
	while (*p == ';') {
		char name[32], val[64];
		const char *end;
		int cut;

		if ((p = read_param(p + 1, name, sizeof(name), val,
		    sizeof(val), &cut)) == NULL)
			return -1;
		if (strcmp(name, "reason") == 0) {
			/* A reason too long to be ours is just unknown. */
			out->reason = SUB_REASON_OTHER;
			for (size_t i = 1; !cut && i < sizeof(reason_names) /
			    sizeof(reason_names[0]) - 1; i++)
				if (strcasecmp(val, reason_names[i]) == 0)
					out->reason = (enum sub_reason)i;
		} else if (strcmp(name, "expires") == 0) {
			if (cut || (out->expires = read_delta(val, &end)) < 0 ||
			    *end != '\0')
				return -1;
		} else if (strcmp(name, "retry-after") == 0) {
			if (cut ||
			    (out->retry_after = read_delta(val, &end)) < 0 ||
			    *end != '\0')
				return -1;
		}
	}
	return *p == '\0' ? 0 : -1;
}

/* A Subscription-State with nothing in it. */
static void
sub_state_clear(struct sub_state_hdr *out)
{
	memset(out, 0, sizeof(*out));
	out->expires = -1;
	out->retry_after = -1;
}

/*
 * Subscription-State: substate-value *(;param) (RFC 6665 §8.2.3), with
 * reason, expires and retry-after. Unknown states and reasons are kept as
 * OTHER (RFC 6665 §4.1.3 says how to treat them). -1 if malformed; out is
 * then cleared.
 */
int
sip_sub_state_parse(const char *value, struct sub_state_hdr *out)
{
	sub_state_clear(out);
	if (value == NULL || sub_state_parse(value, out) != 0) {
		sub_state_clear(out);
		return -1;
	}
	return 0;
}

/* Expires: delta-seconds (RFC 3261 §20.19); -1 if malformed. */
long
sip_expires_parse(const char *value)
{
	const char *end;
	long v;

	if (value == NULL)
		return -1;
	if ((v = read_delta(skip_ws(value), &end)) < 0)
		return -1;
	return *skip_ws(end) == '\0' ? v : -1;
}
