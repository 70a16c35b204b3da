/*
 * RFC 7247 §7 error mappings between SIP response codes and XMPP stanza
 * error conditions, in both directions, plus the RFC 6120 §8.3.3 error
 * type each condition carries and the RFC 3261 §21 reason phrases.
 *
 * Everything is a constant table: no allocation, no state. The one
 * function that is not a table, errors_text_sanitize(), makes a peer's
 * reason phrase fit for an error stanza's <text/>.
 */
#include <stddef.h>
#include <string.h>

#include "errors.h"

/*
 * One row per RFC 6120 §8.3.3 defined condition: its suggested error type
 * and the RFC 7247 Table 2 SIP code when the failed stanza was addressed
 * to a full JID (one instance) or to a bare JID (the account as a whole).
 * Where Table 2 gives one code, both columns hold it.
 */
struct cond_row {
	struct xmpp_error_cond cond;
	int sip_full;
	int sip_bare;
};

enum {
	C_BAD_REQUEST,
	C_CONFLICT,
	C_FEATURE_NOT_IMPLEMENTED,
	C_FORBIDDEN,
	C_GONE,
	C_INTERNAL_SERVER_ERROR,
	C_ITEM_NOT_FOUND,
	C_JID_MALFORMED,
	C_NOT_ACCEPTABLE,
	C_NOT_ALLOWED,
	C_NOT_AUTHORIZED,
	C_POLICY_VIOLATION,
	C_RECIPIENT_UNAVAILABLE,
	C_REDIRECT,
	C_REGISTRATION_REQUIRED,
	C_REMOTE_SERVER_NOT_FOUND,
	C_REMOTE_SERVER_TIMEOUT,
	C_RESOURCE_CONSTRAINT,
	C_SERVICE_UNAVAILABLE,
	C_SUBSCRIPTION_REQUIRED,
	C_UNDEFINED_CONDITION,
	C_UNEXPECTED_REQUEST,
	C_COUNT
};

static const struct cond_row conds[C_COUNT] = {
	/* RFC 6120 §8.3.3.1; RFC 7247 Table 2: 400. */
	[C_BAD_REQUEST] = { { "bad-request", "modify" }, 400, 400 },
	/* §8.3.3.2; Table 2: 400. */
	[C_CONFLICT] = { { "conflict", "cancel" }, 400, 400 },
	/*
	 * §8.3.3.3; Table 2: 405 for a full JID (this instance does not do
	 * it), 501 for a bare JID (nobody at that address does).
	 */
	[C_FEATURE_NOT_IMPLEMENTED] =
	    { { "feature-not-implemented", "cancel" }, 405, 501 },
	/* §8.3.3.4; Table 2: 403 for a full JID, 603 (global) for bare. */
	[C_FORBIDDEN] = { { "forbidden", "auth" }, 403, 603 },
	/* §8.3.3.5; Table 2: 301 with a new address, else 410 (below). */
	[C_GONE] = { { "gone", "cancel" }, 410, 410 },
	/* §8.3.3.6; Table 2: 500. */
	[C_INTERNAL_SERVER_ERROR] =
	    { { "internal-server-error", "cancel" }, 500, 500 },
	/* §8.3.3.7; Table 2: 404 for a full JID, 604 for a bare JID. */
	[C_ITEM_NOT_FOUND] = { { "item-not-found", "cancel" }, 404, 604 },
	/* §8.3.3.8; Table 2: 400. */
	[C_JID_MALFORMED] = { { "jid-malformed", "modify" }, 400, 400 },
	/* §8.3.3.9; Table 2: 406 for a full JID, 606 for a bare JID. */
	[C_NOT_ACCEPTABLE] = { { "not-acceptable", "modify" }, 406, 606 },
	/* §8.3.3.10; Table 2: 403. */
	[C_NOT_ALLOWED] = { { "not-allowed", "cancel" }, 403, 403 },
	/* §8.3.3.11; Table 2: 401. */
	[C_NOT_AUTHORIZED] = { { "not-authorized", "auth" }, 401, 401 },
	/* §8.3.3.12 ("modify" or "wait": we pick modify); Table 2: 403. */
	[C_POLICY_VIOLATION] = { { "policy-violation", "modify" }, 403, 403 },
	/* §8.3.3.13; Table 2: 480 for a full JID, 600 for a bare JID. */
	[C_RECIPIENT_UNAVAILABLE] =
	    { { "recipient-unavailable", "wait" }, 480, 600 },
	/*
	 * §8.3.3.14 says the type SHOULD be "modify" (the requester has to
	 * change the address it sends to); Table 2: 302.
	 */
	[C_REDIRECT] = { { "redirect", "modify" }, 302, 302 },
	/* §8.3.3.15; Table 2: 407. */
	[C_REGISTRATION_REQUIRED] =
	    { { "registration-required", "auth" }, 407, 407 },
	/*
	 * §8.3.3.16; Table 2 gives 404 when the remote domain does not exist
	 * and 408 when it cannot be resolved. An error stanza does not tell
	 * the two apart, so we take the common case: 404.
	 */
	[C_REMOTE_SERVER_NOT_FOUND] =
	    { { "remote-server-not-found", "cancel" }, 404, 404 },
	/* §8.3.3.17; Table 2: 408. */
	[C_REMOTE_SERVER_TIMEOUT] =
	    { { "remote-server-timeout", "wait" }, 408, 408 },
	/* §8.3.3.18; Table 2: 500. */
	[C_RESOURCE_CONSTRAINT] =
	    { { "resource-constraint", "wait" }, 500, 500 },
	/*
	 * §8.3.3.19. RFC 7247 §7.1 says NOT to use 503: XMPP servers send
	 * <service-unavailable/> for "no such account", "offline and no
	 * storage", "blocked" and "does not support this", and a SIP UAC
	 * treats 503 as a server failure (retry elsewhere / after
	 * Retry-After). The closest codes are 405 and 403: a full JID that
	 * refuses means this instance does not do it (405, like
	 * feature-not-implemented); a bare JID means the service refuses
	 * for this address (403), without revealing whether it exists.
	 */
	[C_SERVICE_UNAVAILABLE] =
	    { { "service-unavailable", "cancel" }, 405, 403 },
	/* §8.3.3.20; Table 2: 400. */
	[C_SUBSCRIPTION_REQUIRED] =
	    { { "subscription-required", "auth" }, 400, 400 },
	/* §8.3.3.21 (type: whatever fits; we say cancel); Table 2: 400. */
	[C_UNDEFINED_CONDITION] =
	    { { "undefined-condition", "cancel" }, 400, 400 },
	/*
	 * §8.3.3.22 ("wait" or "modify": wait, it is about timing); Table 2
	 * allows 491 or 400. 491 Request Pending is about overlapping
	 * INVITE/UPDATE transactions (RFC 3261 §14.1) and means nothing to
	 * a MESSAGE sender, so 400.
	 */
	[C_UNEXPECTED_REQUEST] = { { "unexpected-request", "wait" }, 400, 400 },
};

/*
 * RFC 7247 Table 3: SIP code -> condition. Codes not listed fall back to
 * their class default (see errors_sip_to_xmpp).
 */
struct sip_row {
	int status;
	int cond;
};

static const struct sip_row sip_rows[] = {
	{ 300, C_REDIRECT },		/* Multiple Choices */
	{ 301, C_GONE },		/* Moved Permanently: MUST carry address */
	{ 302, C_REDIRECT },		/* Moved Temporarily */
	{ 305, C_REDIRECT },		/* Use Proxy */
	{ 380, C_NOT_ACCEPTABLE },	/* Alternative Service */
	{ 400, C_BAD_REQUEST },
	{ 401, C_NOT_AUTHORIZED },
	/* 402: Table 3 says payment-required, which RFC 6120 removed. */
	{ 402, C_BAD_REQUEST },
	{ 403, C_FORBIDDEN },
	{ 404, C_ITEM_NOT_FOUND },
	{ 405, C_FEATURE_NOT_IMPLEMENTED },
	{ 406, C_NOT_ACCEPTABLE },
	{ 407, C_REGISTRATION_REQUIRED },
	{ 408, C_REMOTE_SERVER_TIMEOUT },
	{ 410, C_GONE },		/* Gone: MUST NOT carry an address */
	{ 413, C_POLICY_VIOLATION },	/* Request Entity Too Large */
	{ 414, C_POLICY_VIOLATION },	/* Request-URI Too Long */
	{ 415, C_NOT_ACCEPTABLE },	/* Unsupported Media Type */
	{ 416, C_NOT_ACCEPTABLE },	/* Unsupported URI Scheme */
	{ 420, C_FEATURE_NOT_IMPLEMENTED },	/* Bad Extension */
	{ 421, C_NOT_ACCEPTABLE },	/* Extension Required */
	{ 423, C_RESOURCE_CONSTRAINT },	/* Interval Too Brief */
	{ 430, C_RECIPIENT_UNAVAILABLE },	/* Flow Failed */
	{ 439, C_FEATURE_NOT_IMPLEMENTED },	/* First Hop Lacks Outbound */
	{ 440, C_POLICY_VIOLATION },	/* Max-Breadth Exceeded */
	{ 480, C_RECIPIENT_UNAVAILABLE },	/* Temporarily Unavailable */
	{ 481, C_ITEM_NOT_FOUND },	/* Call/Transaction Does Not Exist */
	{ 482, C_NOT_ACCEPTABLE },	/* Loop Detected */
	{ 483, C_NOT_ACCEPTABLE },	/* Too Many Hops */
	{ 484, C_ITEM_NOT_FOUND },	/* Address Incomplete */
	{ 485, C_ITEM_NOT_FOUND },	/* Ambiguous */
	{ 486, C_RECIPIENT_UNAVAILABLE },	/* Busy Here */
	{ 487, C_RECIPIENT_UNAVAILABLE },	/* Request Terminated */
	{ 488, C_NOT_ACCEPTABLE },	/* Not Acceptable Here */
	{ 489, C_POLICY_VIOLATION },	/* Bad Event */
	{ 491, C_UNEXPECTED_REQUEST },	/* Request Pending */
	{ 493, C_BAD_REQUEST },		/* Undecipherable */
	{ 500, C_INTERNAL_SERVER_ERROR },
	{ 501, C_FEATURE_NOT_IMPLEMENTED },	/* Not Implemented */
	{ 502, C_REMOTE_SERVER_NOT_FOUND },	/* Bad Gateway */
	{ 503, C_INTERNAL_SERVER_ERROR },	/* Service Unavailable */
	{ 504, C_REMOTE_SERVER_TIMEOUT },	/* Server Time-out */
	{ 505, C_NOT_ACCEPTABLE },	/* Version Not Supported */
	{ 513, C_POLICY_VIOLATION },	/* Message Too Large */
	{ 600, C_RECIPIENT_UNAVAILABLE },	/* Busy Everywhere */
	{ 603, C_RECIPIENT_UNAVAILABLE },	/* Decline */
	{ 604, C_ITEM_NOT_FOUND },	/* Does Not Exist Anywhere */
	{ 606, C_NOT_ACCEPTABLE },	/* Not Acceptable */
};

/* RFC 3261 §21 (and the extensions that registered common codes). */
struct phrase_row {
	int status;
	const char *phrase;
};

static const struct phrase_row phrases[] = {
	{ 100, "Trying" },
	{ 180, "Ringing" },
	{ 181, "Call Is Being Forwarded" },
	{ 182, "Queued" },
	{ 183, "Session Progress" },
	{ 200, "OK" },
	{ 202, "Accepted" },			/* RFC 3265 */
	{ 204, "No Notification" },		/* RFC 5839 */
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 305, "Use Proxy" },
	{ 380, "Alternative Service" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 412, "Conditional Request Failed" },	/* RFC 3903 */
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" },
	{ 421, "Extension Required" },
	{ 423, "Interval Too Brief" },
	{ 428, "Use Identity Header" },		/* RFC 8224 */
	{ 429, "Provide Referrer Identity" },	/* RFC 3892 */
	{ 430, "Flow Failed" },			/* RFC 5626 */
	{ 433, "Anonymity Disallowed" },	/* RFC 5079 */
	{ 439, "First Hop Lacks Outbound Support" },	/* RFC 5626 */
	{ 440, "Max-Breadth Exceeded" },	/* RFC 5393 */
	{ 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" },
	{ 483, "Too Many Hops" },
	{ 484, "Address Incomplete" },
	{ 485, "Ambiguous" },
	{ 486, "Busy Here" },
	{ 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" },
	{ 489, "Bad Event" },			/* RFC 3265 */
	{ 491, "Request Pending" },
	{ 493, "Undecipherable" },
	{ 494, "Security Agreement Required" },	/* RFC 3329 */
	{ 500, "Server Internal Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Server Time-out" },
	{ 505, "Version Not Supported" },
	{ 513, "Message Too Large" },
	{ 580, "Precondition Failure" },	/* RFC 3312 */
	{ 600, "Busy Everywhere" },
	{ 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
	{ 607, "Unwanted" },			/* RFC 8197 */
};

/* Finds a condition's row by element name; -1 if it is not RFC 6120's. */
static int
cond_index(const char *condition)
{
	if (condition == NULL)
		return -1;
	for (int i = 0; i < C_COUNT; i++)
		if (strcmp(conds[i].cond.condition, condition) == 0)
			return i;
	return -1;
}

/*
 * RFC 7247 §7.2, Table 3: the condition for an error stanza answering a
 * message that SIP refused with `status`. Codes the table does not list
 * take their class default (3xx redirect, 4xx bad-request, 5xx
 * internal-server-error, 6xx recipient-unavailable). NULL for 1xx/2xx and
 * anything outside 100..699: those are not errors.
 */
const struct xmpp_error_cond *
errors_sip_to_xmpp(int status)
{
	size_t lo = 0, hi = sizeof(sip_rows) / sizeof(sip_rows[0]);

	if (status < 300 || status > 699)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sip_rows[mid].status == status)
			return &conds[sip_rows[mid].cond].cond;
		if (sip_rows[mid].status < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	switch (status / 100) {
	case 3:
		return &conds[C_REDIRECT].cond;
	case 4:
		return &conds[C_BAD_REQUEST].cond;
	case 5:
		return &conds[C_INTERNAL_SERVER_ERROR].cond;
	default:
		return &conds[C_RECIPIENT_UNAVAILABLE].cond;
	}
}

/*
 * RFC 7247 §7.1, Table 2: the SIP final response for a MESSAGE whose
 * XMPP delivery came back as an error with `condition`. `to_full_jid`
 * says whether the stanza went to a full JID (selects the 4xx rather than
 * the 6xx/5xx variant); `gone_has_address` whether a <gone/> carried a
 * new address (301, which MUST then be used, rather than 410).
 *
 * A condition we do not know (or none at all) is answered 400: RFC 6120
 * §8.3.2 has the recipient of an unknown condition treat it as
 * <undefined-condition/>, which Table 2 maps to 400. 500 would tell the
 * SIP sender that we failed, when it was the far end that refused.
 */
int
errors_xmpp_to_sip(const char *condition, int to_full_jid,
    int gone_has_address)
{
	int i = cond_index(condition);

	if (i < 0)
		return conds[C_UNDEFINED_CONDITION].sip_full;
	/* RFC 7247 Table 2 note: gone with a new address MUST be 301. */
	if (i == C_GONE)
		return gone_has_address ? 301 : 410;
	return to_full_jid ? conds[i].sip_full : conds[i].sip_bare;
}

/*
 * The Reason-Phrase for a status code: RFC 3261's (and registered
 * extensions') for the codes we may send or see, else a phrase for its
 * class, so a response line is never left without one. NULL outside
 * 100..699.
 */
const char *
errors_reason_phrase(int status)
{
	static const char *const class_phrase[] = {
		NULL, "Provisional", "Success", "Redirection",
		"Client Error", "Server Error", "Global Failure",
	};
	size_t lo = 0, hi = sizeof(phrases) / sizeof(phrases[0]);

	if (status < 100 || status > 699)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (phrases[mid].status == status)
			return phrases[mid].phrase;
		if (phrases[mid].status < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	return class_phrase[status / 100];
}

/* 1 if `condition` is one of RFC 6120 §8.3.3's defined conditions. */
int
errors_xmpp_condition_is_known(const char *condition)
{
	return cond_index(condition) >= 0;
}

/*
 * The RFC 6120 §8.3.3 error type (cancel/modify/auth/wait) to send with
 * `condition`; NULL if the condition is not a defined one.
 */
const char *
errors_xmpp_condition_type(const char *condition)
{
	int i = cond_index(condition);

	return i < 0 ? NULL : conds[i].cond.type;
}

/*
 * The static entry (name and type) for a defined condition, for callers
 * that build an error stanza from a condition they chose themselves (e.g.
 * policy-violation for an oversized message); NULL if not defined.
 */
const struct xmpp_error_cond *
errors_xmpp_condition_lookup(const char *condition)
{
	int i = cond_index(condition);

	return i < 0 ? NULL : &conds[i].cond;
}

/*
 * Length of the UTF-8 sequence at p (avail bytes) and its code point in
 * *cp; 0 if the bytes there are not UTF-8 (RFC 3629 §4: no overlongs, no
 * surrogates, nothing beyond U+10FFFF, nothing truncated).
 */
static size_t
utf8_decode(const unsigned char *p, size_t avail, unsigned long *cp)
{
	unsigned long c = p[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Copies a peer's text (a SIP reason phrase) into out as one line an
 * error stanza can always carry, so that no error is lost for the sake
 * of its wording: bytes that are not UTF-8 become U+FFFD (one for a run
 * of them), C0 and C1 controls and DEL become a space, U+FFFE and U+FFFF
 * (which XML 1.0 §2.2 excludes) become U+FFFD. Cut to fit size without
 * splitting a character. Returns the length written (out is NUL-
 * terminated; size must be at least 1).
 */
size_t
errors_text_sanitize(const char *in, size_t in_len, char *out, size_t size)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n = 0, len;
	unsigned long cp;
	int bad_run = 0;

	if (size == 0)
		return 0;
	while (in != NULL && i < in_len) {
		const char *put = (const char *)p + i;

		if ((len = utf8_decode(p + i, in_len - i, &cp)) == 0) {
			i++;
			if (bad_run)
				continue;
			bad_run = 1;
			put = repl;
			len = 3;
		} else {
			bad_run = 0;
			i += len;
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
				put = " ";
				len = 1;
			} else if (cp == 0xfffe || cp == 0xffff) {
				put = repl;
				len = 3;
			}
		}
		if (n + len >= size)
			break;
		memcpy(out + n, put, len);
		n += len;
	}
	out[n] = '\0';
	return n;
}
