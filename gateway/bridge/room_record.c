/*
 * Room membership records (room_record.h): one "key=value" line per
 * field, as the presence records are kept. Reading one back trusts
 * nothing: every field is checked for its form and size, an unknown key
 * is skipped (a newer gateway may add some), a record missing a field
 * is refused with the reason. And the XEP-0082 date-times of <delay/>
 * and of <history since=''/> (XEP-0045 §7.2.15), to and from Unix time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "room_record.h"
#include "strbuf.h"

/* 1 if s holds no control character (a record line, a header). */
static int
is_clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* 1 if s is a plausible bare JID: local@domain, no space or slash. */
static int
is_bare_jid(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' &&
	    strpbrk(s, " /\"<>") == NULL;
}

/* 1 if s is a sip: or sips: URI we may print in a header. */
static int
is_sip_uri(const char *s)
{
	return (strncasecmp(s, "sip:", 4) == 0 ||
	    strncasecmp(s, "sips:", 5) == 0) && strpbrk(s, " \"<>") == NULL;
}

/* A XEP-0359 id we keep: printable, no space, bounded. */
int
room_sid_valid(const char *sid)
{
	size_t n;

	if (sid == NULL || (n = strlen(sid)) == 0 || n >= ROOM_SID_MAX)
		return 0;
	return is_clean(sid, n) && strchr(sid, ' ') == NULL;
}

/* Appends "key=value\n". */
static void
put(struct strbuf *sb, const char *key, const char *value)
{
	strbuf_appends(sb, key);
	strbuf_appends(sb, "=");
	strbuf_appends(sb, value);
	strbuf_appends(sb, "\n");
}

/*
 * The record as text (NUL-terminated in sb). -1 when a field could not
 * be read back (a control character, a bad id): nothing is appended.
 */
int
room_record_encode(struct strbuf *sb, const struct room_record *r)
{
	const char *f[4] = { r->user_jid, r->user_uri, r->room_jid,
	    r->room_uri };
	char num[32];
	size_t start = sb->len;

	for (int i = 0; i < 4; i++)
		if (f[i] == NULL || !is_clean(f[i], strlen(f[i])))
			return -1;
	if (!is_clean(r->nick, strlen(r->nick)) || r->n_sids < 0 ||
	    r->n_sids > ROOM_SIDS)
		return -1;
	for (int i = 0; i < r->n_sids; i++)
		if (!room_sid_valid(r->sids[i]))
			return -1;
	put(sb, "user_jid", r->user_jid);
	put(sb, "user_uri", r->user_uri);
	put(sb, "room_jid", r->room_jid);
	put(sb, "room_uri", r->room_uri);
	put(sb, "nick", r->nick);
	snprintf(num, sizeof(num), "%lld", r->marker);
	put(sb, "marker", num);
	for (int i = 0; i < r->n_sids; i++)
		put(sb, "sid", r->sids[i]);
	strbuf_append(sb, "", 1);
	if (sb->failed) {
		sb->len = start;
		return -1;
	}
	return 0;
}

/* Frees the record's strings. */
void
room_record_clear(struct room_record *r)
{
	free(r->user_jid);
	free(r->user_uri);
	free(r->room_jid);
	free(r->room_uri);
	memset(r, 0, sizeof(*r));
}

/* Takes one string field, once; why says what was wrong. */
static int
take(char **slot, const char *v, size_t n, const char **why)
{
	if (*slot != NULL) {
		*why = "field repeated";
		return -1;
	}
	if (n == 0 || n >= ROOM_RECORD_FIELD_MAX) {
		*why = "field empty or too long";
		return -1;
	}
	if ((*slot = strndup(v, n)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* A decimal marker: 0 to year 9999. */
static int
take_marker(long long *out, const char *v, size_t n)
{
	long long x = 0;

	if (n == 0 || n > 12)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	if (x > 253402300799LL)
		return -1;
	*out = x;
	return 0;
}

/* One line "key=value" (n bytes, no newline) into r. */
static int
field(struct room_record *r, const char *line, size_t n, const char **why)
{
	const char *eq = memchr(line, '=', n);
	const char *v;
	size_t k, vn;

	if (eq == NULL) {
		*why = "line without '='";
		return -1;
	}
	k = (size_t)(eq - line);
	v = eq + 1;
	vn = n - k - 1;
	if (!is_clean(v, vn)) {
		*why = "control character";
		return -1;
	}
#define KEY(s)	(k == sizeof(s) - 1 && memcmp(line, s, k) == 0)
	if (KEY("user_jid"))
		return take(&r->user_jid, v, vn, why);
	if (KEY("user_uri"))
		return take(&r->user_uri, v, vn, why);
	if (KEY("room_jid"))
		return take(&r->room_jid, v, vn, why);
	if (KEY("room_uri"))
		return take(&r->room_uri, v, vn, why);
	if (KEY("nick")) {
		if (vn == 0 || vn > ROOM_NICK_MAX ||
		    !room_nick_valid(v, vn, NULL)) {
			*why = "bad nick";
			return -1;
		}
		memcpy(r->nick, v, vn);
		r->nick[vn] = '\0';
		return 0;
	}
	if (KEY("marker")) {
		if (take_marker(&r->marker, v, vn) < 0) {
			*why = "bad marker";
			return -1;
		}
		return 0;
	}
	if (KEY("sid")) {
		if (vn == 0 || vn >= ROOM_SID_MAX) {
			*why = "bad stanza-id";
			return -1;
		}
		if (r->n_sids == ROOM_SIDS) {
			/* Keep the newest: they come oldest first. */
			memmove(r->sids[0], r->sids[1],
			    sizeof(r->sids[0]) * (ROOM_SIDS - 1));
			r->n_sids--;
		}
		memcpy(r->sids[r->n_sids], v, vn);
		r->sids[r->n_sids][vn] = '\0';
		if (!room_sid_valid(r->sids[r->n_sids])) {
			*why = "bad stanza-id";
			return -1;
		}
		r->n_sids++;
		return 0;
	}
#undef KEY
	return 0;	/* a newer gateway's field: not ours to judge */
}

/*
 * Reads a stored record into r (zeroed first). 0, or -1 with why set
 * and r cleared: a damaged record is refused whole, never half used.
 */
int
room_record_decode(const char *text, struct room_record *r,
    const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	memset(r, 0, sizeof(*r));
	if (text == NULL) {
		*why = "no record";
		return -1;
	}
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");

		if (n > 0 && field(r, text, n, why) < 0)
			goto bad;
		text += n;
		if (*text == '\n')
			text++;
	}
	if (r->user_jid == NULL || r->user_uri == NULL ||
	    r->room_jid == NULL || r->room_uri == NULL || r->nick[0] == '\0') {
		*why = "field missing";
		goto bad;
	}
	if (!is_bare_jid(r->user_jid) || !is_bare_jid(r->room_jid)) {
		*why = "bad JID";
		goto bad;
	}
	if (!is_sip_uri(r->user_uri) || !is_sip_uri(r->room_uri)) {
		*why = "bad SIP URI";
		goto bad;
	}
	return 0;
bad:
	room_record_clear(r);
	return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (civil). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	return x;
}

/*
 * XEP-0082 DateTime "CCYY-MM-DDThh:mm:ss[.sss](Z|(+|-)hh:mm)" to Unix
 * seconds (the fraction dropped). 0, or -1 if it is not one.
 */
int
room_stamp_parse(const char *s, long long *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = digits(s, 4)) < 0 || (mo = digits(s + 5, 2)) < 1 ||
	    mo > 12 || (d = digits(s + 8, 2)) < 1 || d > 31 ||
	    (h = digits(s + 11, 2)) < 0 || h > 23 ||
	    (mi = digits(s + 14, 2)) < 0 || mi > 59 ||
	    (sec = digits(s + 17, 2)) < 0 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if ((oh = digits(p + 1, 2)) < 0 || oh > 23 || p[3] != ':' ||
		    (om = digits(p + 4, 2)) < 0 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*out = days_from_civil(y, mo, d) * 86400LL + h * 3600LL +
	    mi * 60LL + sec - sign * (oh * 3600LL + om * 60LL);
	return 0;
}

/* Unix seconds as XEP-0082 UTC "CCYY-MM-DDThh:mm:ssZ". 0 or -1. */
int
room_stamp_format(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}
