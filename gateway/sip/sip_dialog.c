/*
 * SIP dialog state (RFC 3261 §12) for subscriptions: creation on both
 * sides, in-dialog requests, the peer's CSeq, and the store's text form.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "sip_dialog.h"
#include "sip_osip.h"
#include "sip_stack.h"
#include "strbuf.h"

#define DIALOG_USER_AGENT "sipxmppd/0.1"

/* A header-safe string: no line breaks, which the store format uses. */
static int
one_line(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/* The strings of each block of a dialog, in their order in the block. */
static const size_t ids_fields[] = {
	offsetof(struct sip_dialog, call_id),
	offsetof(struct sip_dialog, local_tag),
	offsetof(struct sip_dialog, local_uri),
	offsetof(struct sip_dialog, remote_uri),
};
static const size_t peer_fields[] = {
	offsetof(struct sip_dialog, remote_tag),
	offsetof(struct sip_dialog, remote_target),
	offsetof(struct sip_dialog, route_set),
};
#define N_IDS	(sizeof(ids_fields) / sizeof(ids_fields[0]))
#define N_PEER	(sizeof(peer_fields) / sizeof(peer_fields[0]))

/* The string pointer at offset in d. */
static const char **
slot(struct sip_dialog *d, size_t offset)
{
	return (const char **)(void *)((char *)d + offset);
}

/*
 * Gives the strings of one block the n values (NULL stays NULL): a new
 * block holds their copies and replaces the old one, so values may point
 * into the old one. -1 if out of memory; d is then unchanged.
 */
static int
set_block(struct sip_dialog *d, char **block, const size_t *fields,
    size_t n, const char *const *values)
{
	size_t size = 0;
	char *b = NULL, *at;

	for (size_t i = 0; i < n; i++)
		size += values[i] != NULL ? strlen(values[i]) + 1 : 0;
	if (size > 0 && (b = malloc(size)) == NULL)
		return -1;
	at = b;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (values[i] == NULL) {
			*slot(d, fields[i]) = NULL;
			continue;
		}
		len = strlen(values[i]) + 1;
		memcpy(at, values[i], len);
		*slot(d, fields[i]) = at;
		at += len;
	}
	free(*block);
	*block = b;
	return 0;
}

/* Both blocks of a new dialog: its identity, and the peer's side. */
static int
set_blocks(struct sip_dialog *d, const char *call_id, const char *local_tag,
    const char *local_uri, const char *remote_uri, const char *remote_tag,
    const char *target, const char *routes)
{
	const char *ids[N_IDS] = { call_id, local_tag, local_uri, remote_uri };
	const char *peer[N_PEER] = { remote_tag, target, routes };

	if (set_block(d, &d->ids_block, ids_fields, N_IDS, ids) < 0 ||
	    set_block(d, &d->peer_block, peer_fields, N_PEER, peer) < 0)
		return -1;
	return 0;
}

/* Sets the string at offset, keeping the others; -1 if out of memory. */
static int
set_field(struct sip_dialog *d, size_t offset, const char *value)
{
	const char *values[N_IDS > N_PEER ? N_IDS : N_PEER];
	const size_t *fields = ids_fields;
	size_t n = N_IDS;
	char **block = &d->ids_block;

	for (size_t i = 0; i < N_PEER; i++)
		if (peer_fields[i] == offset) {
			fields = peer_fields;
			n = N_PEER;
			block = &d->peer_block;
		}
	for (size_t i = 0; i < n; i++)
		values[i] = fields[i] == offset ? value : *slot(d, fields[i]);
	return set_block(d, block, fields, n, values);
}

/*
 * A URI as a string (malloc'ed), or NULL if it has bytes a URI cannot
 * carry (RFC 3261 §25.1: no space, control, non-ASCII, '<', '>' or '"').
 * libosip2 hands hosts and users back as they came: a Contact with a
 * space in its host would otherwise break our Request-Line.
 */
static char *
uri_string(const osip_uri_t *uri)
{
	char *s = sip_uri_string(uri);

	if (s == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	    p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == '"') {
			free(s);
			return NULL;
		}
	return s;
}

/* The first Contact's URI as a string (malloc'ed), or NULL. */
static char *
contact_uri(const osip_message_t *msg)
{
	osip_contact_t *c = NULL;

	if (osip_message_get_contact(msg, 0, &c) < 0 || c == NULL ||
	    c->url == NULL || c->url->host == NULL)
		return NULL;
	return uri_string(c->url);
}

/*
 * The Record-Route values as a route set, in the message's order or
 * reversed (RFC 3261 §12.1.1 for the UAS, §12.1.2 for the UAC). *out is
 * NULL when there are none. -1 on too many routes or out of memory.
 */
static int
route_set(const osip_message_t *msg, int reverse, char **out)
{
	int n = osip_list_size(&msg->record_routes);
	struct strbuf sb;

	*out = NULL;
	if (n <= 0)
		return 0;
	if (n > SIP_DIALOG_MAX_ROUTES)
		return -1;
	strbuf_init(&sb);
	for (int i = 0; i < n; i++) {
		osip_record_route_t *rr = osip_list_get(&msg->record_routes,
		    reverse ? n - 1 - i : i);
		char *s = NULL;

		if (rr == NULL || osip_record_route_to_str(rr, &s) != 0 ||
		    s == NULL || !one_line(s)) {
			osip_free(s);
			strbuf_free(&sb);
			return -1;
		}
		if (i > 0)
			strbuf_append(&sb, "\n", 1);
		strbuf_appends(&sb, s);
		osip_free(s);
	}
	strbuf_append(&sb, "", 1);
	if (sb.failed) {
		strbuf_free(&sb);
		return -1;
	}
	*out = sb.buf;
	return 0;
}

/* Frees everything a dialog holds and zeroes it. */
void
sip_dialog_clear(struct sip_dialog *d)
{
	free(d->ids_block);
	free(d->peer_block);
	memset(d, 0, sizeof(*d));
}

/* The Call-ID as one string (malloc'ed). */
static char *
call_id_string(const osip_message_t *msg)
{
	char *s = NULL, *c;

	if (msg->call_id == NULL || osip_call_id_to_str(msg->call_id, &s) != 0)
		return NULL;
	c = one_line(s) ? strdup(s) : NULL;
	osip_free(s);
	return c;
}

/*
 * The notifier's side: a dialog from a SUBSCRIBE we accept, with our
 * local_tag as its To-tag (RFC 3261 §12.1.1: the UAS must add one, so it
 * may not be NULL or empty). The SUBSCRIBE must have a Contact (RFC 6665
 * §3.1.1) and a From tag. -1 on a bad request or out of memory; d is then
 * cleared.
 */
int
sip_dialog_uas_init(struct sip_dialog *d, const struct sip_msg *m,
    const char *local_tag)
{
	const osip_message_t *req = m->osip;
	char *call_id = NULL, *local_uri = NULL, *remote_uri = NULL;
	char *target = NULL, *routes = NULL;
	const char *remote_tag;
	int err = -1;

	memset(d, 0, sizeof(*d));
	if (local_tag == NULL || local_tag[0] == '\0' || !one_line(local_tag))
		return -1;
	if (req->from == NULL || req->to == NULL || req->from->url == NULL ||
	    req->to->url == NULL ||
	    (remote_tag = sip_message_from_tag(req)) == NULL ||
	    !one_line(remote_tag))
		return -1;
	d->remote_cseq = sip_message_cseq(req);
	if ((call_id = call_id_string(req)) == NULL ||
	    (local_uri = uri_string(req->to->url)) == NULL ||
	    (remote_uri = uri_string(req->from->url)) == NULL ||
	    (target = contact_uri(req)) == NULL || d->remote_cseq == 0 ||
	    route_set(req, 0, &routes) < 0)
		goto out;
	if (set_blocks(d, call_id, local_tag, local_uri, remote_uri,
	    remote_tag, target, routes) < 0)
		goto out;
	err = 0;
out:
	free(call_id);
	free(local_uri);
	free(remote_uri);
	free(target);
	free(routes);
	if (err < 0)
		sip_dialog_clear(d);
	return err;
}

/*
 * The subscriber's side, before any answer: what our own request says.
 * Confirmed later by sip_dialog_uac_confirm().
 */
int
sip_dialog_uac_init(struct sip_dialog *d, const struct sip_msg *m)
{
	const osip_message_t *req = m->osip;
	char *call_id = NULL, *local_uri = NULL, *remote_uri = NULL;
	char *target = NULL;
	const char *local_tag = sip_message_from_tag(req);
	int err = -1;

	memset(d, 0, sizeof(*d));
	d->local_cseq = sip_message_cseq(req);
	if (local_tag == NULL || req->from == NULL || req->to == NULL ||
	    req->req_uri == NULL ||
	    (call_id = call_id_string(req)) == NULL ||
	    (local_uri = uri_string(req->from->url)) == NULL ||
	    (remote_uri = uri_string(req->to->url)) == NULL ||
	    (target = uri_string(req->req_uri)) == NULL)
		goto out;
	if (set_blocks(d, call_id, local_tag, local_uri, remote_uri, NULL,
	    target, NULL) < 0)
		goto out;
	err = 0;
out:
	free(call_id);
	free(local_uri);
	free(remote_uri);
	free(target);
	if (err < 0)
		sip_dialog_clear(d);
	return err;
}

/*
 * Confirms our dialog from a 2xx to our SUBSCRIBE (route set reversed,
 * RFC 3261 §12.1.2) or from a NOTIFY that came first (RFC 6665 §4.1.2.4:
 * the NOTIFY creates the dialog; we are its UAS, so the order is kept).
 * -1 if it lacks the peer's tag or Contact; d is then unchanged.
 */
int
sip_dialog_uac_confirm(struct sip_dialog *d, const struct sip_msg *m)
{
	const osip_message_t *msg = m->osip;
	int is_request = MSG_IS_REQUEST(msg);
	const char *tag = is_request ? sip_message_from_tag(msg) :
	    sip_message_to_tag(msg);
	char *target, *routes = NULL;
	int err = -1;

	if (tag == NULL || !one_line(tag))
		return -1;
	if ((target = contact_uri(msg)) == NULL)
		return -1;
	if (route_set(msg, !is_request, &routes) == 0) {
		const char *peer[N_PEER] = { tag, target, routes };

		err = set_block(d, &d->peer_block, peer_fields, N_PEER, peer);
	}
	free(target);
	free(routes);
	if (err == 0 && is_request)
		d->remote_cseq = sip_message_cseq(msg);
	return err;
}

/*
 * A target refresh (RFC 6665 §4.1.2.2 / 4.2.1.1): a new Contact, if any.
 * -1 if memory ran out (the old target stays).
 */
int
sip_dialog_update_target(struct sip_dialog *d, const struct sip_msg *m)
{
	char *target = contact_uri(m->osip);
	int err = 0;

	if (target == NULL)
		return 0;
	if (d->remote_target == NULL || strcmp(target, d->remote_target) != 0)
		err = set_field(d, offsetof(struct sip_dialog, remote_target),
		    target);
	free(target);
	return err;
}

/* "<uri>;tag=t" into buf; -1 if it does not fit. */
static int
name_addr(char *buf, size_t size, const char *uri, const char *tag)
{
	int n = tag != NULL ? snprintf(buf, size, "<%s>;tag=%s", uri, tag) :
	    snprintf(buf, size, "<%s>", uri);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Builds the next request in the dialog (RFC 3261 §12.2.1.1): R-URI is the
 * remote target, the route set becomes Route headers, CSeq goes up by one.
 * No Via: the stack adds it. NULL on failure.
 */
struct sip_msg *
sip_dialog_request(struct sip_dialog *d, const char *method)
{
	struct sip_msg *m;
	osip_message_t *req = NULL;
	osip_uri_t *uri = NULL;
	char buf[1200];

	if (d->remote_target == NULL || d->local_cseq >= 0x7fffffffUL)
		return NULL;
	if (osip_message_init(&req) != 0)
		return NULL;
	osip_message_set_method(req, osip_strdup(method));
	osip_message_set_version(req, osip_strdup("SIP/2.0"));
	if (osip_uri_init(&uri) != 0 ||
	    osip_uri_parse(uri, d->remote_target) != 0) {
		osip_uri_free(uri);
		goto fail;
	}
	osip_message_set_uri(req, uri);
	if (name_addr(buf, sizeof(buf), d->local_uri, d->local_tag) < 0 ||
	    osip_message_set_from(req, buf) != 0 ||
	    name_addr(buf, sizeof(buf), d->remote_uri, d->remote_tag) < 0 ||
	    osip_message_set_to(req, buf) != 0 ||
	    osip_message_set_call_id(req, d->call_id) != 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%lu %s", d->local_cseq + 1, method);
	if (osip_message_set_cseq(req, buf) != 0 ||
	    osip_message_set_max_forwards(req, "70") != 0)
		goto fail;
	if (d->route_set != NULL) {
		const char *p = d->route_set;

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");

			if (n >= sizeof(buf))
				goto fail;
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (osip_message_set_route(req, buf) != 0)
				goto fail;
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	osip_message_set_header(req, "User-Agent", DIALOG_USER_AGENT);
	osip_message_set_content_length(req, "0");
	if ((m = sip_msg_wrap(req)) != NULL)
		d->local_cseq++;
	return m;
fail:
	osip_message_free(req);
	return NULL;
}

/*
 * RFC 3261 §12.2.2: a request from the peer must carry a higher CSeq than
 * the last one accepted; -1 (answer 500) if not.
 */
int
sip_dialog_accept_cseq(struct sip_dialog *d, const struct sip_msg *req)
{
	unsigned long n = sip_message_cseq(req->osip);

	if (n == 0 || (d->remote_cseq != 0 && n <= d->remote_cseq))
		return -1;
	d->remote_cseq = n;
	return 0;
}

/* Whether req's From tag is the peer's tag of this dialog (1) or not. */
int
sip_dialog_matches_remote(const struct sip_dialog *d,
    const struct sip_msg *req)
{
	const char *tag = sip_message_from_tag(req->osip);

	if (d->remote_tag == NULL)
		return 1;	/* not confirmed yet: any first peer will do */
	return tag != NULL && strcmp(tag, d->remote_tag) == 0;
}

/* Whether the dialog can carry a request. */
int
sip_dialog_is_complete(const struct sip_dialog *d)
{
	return d->call_id != NULL && d->local_tag != NULL &&
	    d->local_uri != NULL && d->remote_uri != NULL &&
	    d->remote_target != NULL;
}

/* One "dialog.key=value\n" line; nothing for NULL values. */
static void
field(struct strbuf *sb, const char *key, const char *value)
{
	if (value == NULL)
		return;
	strbuf_appends(sb, "dialog.");
	strbuf_appends(sb, key);
	strbuf_append(sb, "=", 1);
	strbuf_appends(sb, value);
	strbuf_append(sb, "\n", 1);
}

/* Appends the dialog as "dialog.*" lines; -1 if memory ran out. */
int
sip_dialog_encode(const struct sip_dialog *d, struct strbuf *sb)
{
	char num[24];

	field(sb, "call_id", d->call_id);
	field(sb, "local_tag", d->local_tag);
	field(sb, "remote_tag", d->remote_tag);
	field(sb, "local_uri", d->local_uri);
	field(sb, "remote_uri", d->remote_uri);
	field(sb, "remote_target", d->remote_target);
	if (d->route_set != NULL) {
		const char *p = d->route_set;

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");

			strbuf_appends(sb, "dialog.route=");
			strbuf_append(sb, p, n);
			strbuf_append(sb, "\n", 1);
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	snprintf(num, sizeof(num), "%lu", d->local_cseq);
	field(sb, "local_cseq", num);
	snprintf(num, sizeof(num), "%lu", d->remote_cseq);
	field(sb, "remote_cseq", num);
	return sb->failed ? -1 : 0;
}

/*
 * Sets the string at offset to a copy of value, which must be what the
 * encoder writes: not empty, one line (it goes into header fields).
 */
static int
set_string(struct sip_dialog *d, size_t offset, const char *value)
{
	if (value[0] == '\0' || !one_line(value))
		return -1;
	return set_field(d, offset, value);
}

/* A counter from the store: decimal digits only, below 2**31. */
static int
set_counter(unsigned long *slot, const char *value)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)value[0]))
		return -1;	/* strtoul would take " 5", "+5", "-0" */
	errno = 0;
	n = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || end == value || n > 0x7fffffffUL)
		return -1;
	*slot = n;
	return 0;
}

/*
 * Takes one stored line apart: 1 if key was a dialog field and value was
 * good, 0 if key is not a dialog field, -1 if value is bad.
 */
int
sip_dialog_decode_field(struct sip_dialog *d, const char *key,
    const char *value)
{
	static const struct {
		const char *key;
		size_t offset;
	} strings[] = {
		{ "dialog.call_id", offsetof(struct sip_dialog, call_id) },
		{ "dialog.local_tag", offsetof(struct sip_dialog, local_tag) },
		{ "dialog.remote_tag", offsetof(struct sip_dialog, remote_tag) },
		{ "dialog.local_uri", offsetof(struct sip_dialog, local_uri) },
		{ "dialog.remote_uri", offsetof(struct sip_dialog, remote_uri) },
		{ "dialog.remote_target",
		    offsetof(struct sip_dialog, remote_target) },
	};

	if (strncmp(key, "dialog.", 7) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (strcmp(key, strings[i].key) == 0)
			return set_string(d, strings[i].offset, value) == 0 ?
			    1 : -1;
	if (strcmp(key, "dialog.route") == 0) {
		size_t old = d->route_set != NULL ? strlen(d->route_set) : 0;
		size_t add = strlen(value);
		char *r;
		int err;

		if (add == 0 || !one_line(value))
			return -1;
		if ((r = malloc(old + add + 2)) == NULL)
			return -1;
		if (old > 0) {
			memcpy(r, d->route_set, old);
			r[old++] = '\n';
		}
		memcpy(r + old, value, add + 1);
		err = set_field(d, offsetof(struct sip_dialog, route_set), r);
		free(r);
		return err == 0 ? 1 : -1;
	}
	if (strcmp(key, "dialog.local_cseq") == 0)
		return set_counter(&d->local_cseq, value) == 0 ? 1 : -1;
	if (strcmp(key, "dialog.remote_cseq") == 0)
		return set_counter(&d->remote_cseq, value) == 0 ? 1 : -1;
	return -1;
}
