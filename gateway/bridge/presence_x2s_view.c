/*
 * What an XMPP user W sees of a SIP contact C (RFC 8048 §6.3, Table 2):
 * a NOTIFY's PIDF body read and sent as presence stanzas, one per tuple,
 * from C/resource; the last view kept packed for probes; resources that
 * vanished sent unavailable. Used by the subscription (presence_x2s.c)
 * and by fetches (presence_x2s_fetch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "log.h"
#include "presence_int.h"
#include "sip_msg.h"

/* "C/resource" (or C when resource is NULL or empty). */
void
x2s_full_jid(char *out, size_t size, const char *bare, const char *resource)
{
	if (resource == NULL || *resource == '\0')
		snprintf(out, size, "%s", bare);
	else
		snprintf(out, size, "%s/%s", bare, resource);
}

/* Frees the list of resources W was told about. */
void
x2s_clear_resources(struct presence_pair *p)
{
	for (size_t i = 0; i < p->n_x2s_resources; i++)
		free(p->x2s_resources[i]);
	free(p->x2s_resources);
	p->x2s_resources = NULL;
	p->n_x2s_resources = 0;
}

/* A tuple id as a resourcepart: printable, not too long (RFC 7622). */
static const char *
usable_resource(const char *r)
{
	if (r == NULL || *r == '\0' || strlen(r) > PRESENCE_MAX_RESOURCE)
		return NULL;
	for (const unsigned char *s = (const unsigned char *)r; *s; s++)
		if (*s < 0x21 || *s == 0x7f)
			return NULL;
	return r;
}

/*
 * C's presence as stanzas to `to` (RFC 8048 §6.3, Table 2): one per
 * entry, from C/resource. With track, resources that vanished since the
 * last view are sent unavailable, and the list is kept.
 */
static void
send_view(struct bridge_presence *bp, struct presence_pair *p,
    const char *contact_jid, const char *to, const struct pidf_xmpp *v,
    size_t n, const char *lang, int track)
{
	char **now = NULL;
	size_t n_now = 0;
	char from[PRESENCE_FULL_JID_MAX];

	if (track && (now = calloc(n > 0 ? n : 1, sizeof(*now))) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct im_presence pr;
		const char *res = usable_resource(v[i].resource);

		memset(&pr, 0, sizeof(pr));
		x2s_full_jid(from, sizeof(from), contact_jid, res);
		pr.from = from;
		pr.to = to;
		pr.type = v[i].available ? NULL : "unavailable";
		pr.show = v[i].available ? presence_show_name(v[i].show) : NULL;
		pr.status = v[i].status;
		pr.status_lang = v[i].lang;
		pr.lang = lang;
		if (v[i].priority >= 0 && v[i].available) {
			pr.priority = v[i].priority;
			pr.has_priority = 1;
		}
		presence_send_stanza(bp, &pr);
		if (track && v[i].available && n_now < X2S_MAX_RESOURCES)
			now[n_now++] = strdup(res != NULL ? res : "");
	}
	if (track) {
		/* Full state (RFC 3863 §4): what is gone went offline. */
		for (size_t i = 0; i < p->n_x2s_resources; i++) {
			int still = 0;

			for (size_t j = 0; j < n_now; j++)
				if (now[j] != NULL && strcmp(now[j],
				    p->x2s_resources[i]) == 0)
					still = 1;
			for (size_t j = 0; j < n && !still; j++) {
				const char *r = usable_resource(v[j].resource);

				if (strcmp(r != NULL ? r : "",
				    p->x2s_resources[i]) == 0)
					still = 1;	/* sent unavailable */
			}
			if (!still) {
				x2s_full_jid(from, sizeof(from), contact_jid,
				    p->x2s_resources[i]);
				presence_send_simple(bp, from, to,
				    "unavailable");
			}
		}
		x2s_clear_resources(p);
		p->x2s_resources = now;
		p->n_x2s_resources = n_now;
	}
}

/*
 * A NOTIFY body read as C's presence (RFC 8048 §6.3): *v and *n, which
 * borrow from *doc. -1 (logged) if the body is not usable PIDF.
 */
static int
read_body(const char *contact_jid, const char *body, size_t len,
    struct presence_doc *doc, struct pidf_xmpp **v, size_t *n)
{
	char *cause = NULL;

	*v = NULL;
	*n = 0;
	if (pidf_parse(body, len, doc, &cause) < 0) {
		log_info_limited("presence: PIDF from %s refused: %s",
		    contact_jid, cause != NULL ? cause : "unreadable");
		free(cause);
		return -1;
	}
	if (pidf_to_xmpp(doc, v, n) < 0) {
		pidf_doc_free(doc);
		return -1;
	}
	return 0;
}

/* A NOTIFY body as presence for `to`, once (a fetch's answer). */
void
x2s_send_body(struct bridge_presence *bp, const char *contact_jid,
    const char *to, const char *body, size_t len)
{
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;

	if (read_body(contact_jid, body, len, &doc, &v, &n) < 0)
		return;
	send_view(bp, NULL, contact_jid, to, v, n, NULL, 0);
	free(v);
	pidf_doc_free(&doc);
}

/* Answers a probe from the cache: the last NOTIFY's view, else offline. */
void
x2s_send_cached(struct bridge_presence *bp, struct presence_pair *p,
    const char *to)
{
	struct pidf_xmpp *v;
	size_t n;

	if (p->x2s_view == NULL) {
		presence_send_simple(bp, p->contact_jid, to, "unavailable");
		return;
	}
	if (pidf_xmpp_unpack(p->x2s_view, &v, &n) < 0) {
		log_warnx("presence: out of memory answering %s for %s", to,
		    p->contact_jid);
		return;
	}
	send_view(bp, p, p->contact_jid, to, v, n, NULL, 0);
	free(v);
}

/* The NOTIFY's body (1 and *body, *len) if it has a PIDF one; else 0. */
int
x2s_pidf_body(const struct sip_msg *req, const char **body, size_t *len)
{
	const char *type, *subtype;

	if (req == NULL || sip_msg_body(req, body, len) < 0 || *len == 0)
		return 0;
	if (sip_msg_content_type(req, &type, &subtype) == 0 &&
	    strcasecmp(subtype, "pidf+xml") != 0) {
		log_info_limited("presence: NOTIFY body of type %s/%s ignored",
		    type, subtype);
		return 0;
	}
	return 1;
}

/*
 * RFC 8048 §6.3: the NOTIFY's body becomes W's view of C. The view is
 * kept packed for probes; an unusable body leaves an empty one (a probe
 * then learns nothing, as W did).
 */
void
x2s_forward_notify(struct bridge_presence *bp, struct presence_pair *p,
    const struct sip_msg *req)
{
	const char *lang = sip_msg_header(req, "content-language", NULL);
	const char *body;
	size_t body_len;
	struct presence_doc doc;
	struct pidf_xmpp *v;
	size_t n;
	char *view;

	if (!x2s_pidf_body(req, &body, &body_len))
		return;		/* no body: nothing new to say */
	if (read_body(p->contact_jid, body, body_len, &doc, &v, &n) < 0) {
		view = pidf_xmpp_pack(NULL, 0);
	} else {
		send_view(bp, p, p->contact_jid, p->user_jid, v, n, lang, 1);
		view = pidf_xmpp_pack(v, n);
		free(v);
		pidf_doc_free(&doc);
	}
	if (view != NULL) {
		free(p->x2s_view);
		p->x2s_view = view;
	}
}
