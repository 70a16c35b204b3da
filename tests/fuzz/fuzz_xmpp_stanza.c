/*
 * Incoming XMPP stanzas, as the component link sees them after libstrophe
 * parsed them: xmpp_link_parse_message(), _presence(), _disco_info() (with
 * what rooms add: muc#user, invitations, delays, XEP-0359 ids) and the
 * size estimate must cope with any shape, and every error reply the link
 * builds from hostile fields (or raw bytes) must parse back as well-formed
 * XML with the same values: one bad byte on the component stream would
 * close the link.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "sip_display.h"
#include "stanza.h"
#include "stanza_muc.h"
#include "strbuf.h"
#include "xmpp_link.h"

#define MAX_INPUT	262144	/* max_stanza_bytes' default */

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static xmpp_ctx_t *ctx;

/* The built stanza must parse; returns it (caller releases). */
static xmpp_stanza_t *
must_parse(const char *xml)
{
	xmpp_stanza_t *st;

	if (xml == NULL)
		abort();
	if ((st = xmpp_stanza_new_from_string(ctx, xml)) == NULL)
		abort();
	return st;
}

/* Same string, or both absent; NULL expected means "not checked". */
static void
same(const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (got == NULL || strcmp(got, want) != 0)
		abort();
}

/* Builds an error reply from the fields and checks it round-trips. */
static void
check_error_reply(const char *from, const char *to, const char *id,
    const char *text, int exact)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;
	char *xml;
	size_t len;

	xml = xmpp_link_build_error("message", to, from, id, "modify",
	    "policy-violation", text, &len);
	if (xml == NULL || strlen(xml) != len)
		abort();
	st = must_parse(xml);
	if (xmpp_link_parse_message(st, &p) != 0)
		abort();
	same(p.msg.from, to);
	same(p.msg.to, from);
	if (exact)
		same(p.msg.id, id);
	same(p.msg.error_condition, "policy-violation");
	same(p.msg.error_type, "modify");
	if (exact && text != NULL && *text != '\0')
		same(p.msg.error_text, text);
	xmpp_link_parsed_clear(&p);
	xmpp_stanza_release(st);
	free(xml);
}

/*
 * A parsed presence, sent back the way the presence bridge would: what
 * builds must parse again with the same show, status and priority.
 */
static void
check_presence(const struct xmpp_in_presence *in)
{
	struct xmpp_link_parsed p;
	struct im_presence out;
	struct strbuf sb;
	xmpp_stanza_t *st;
	char *xml;

	if (in->priority < -128 || in->priority > 127)
		abort();
	memset(&out, 0, sizeof(out));
	out.from = "romeo@sip.test/x";
	out.to = "juliet@xmpp.test";
	out.type = in->type;
	out.show = in->show;
	out.status = in->status;
	out.status_lang = in->status_lang;
	out.priority = in->priority;
	out.has_priority = in->has_priority;
	strbuf_init(&sb);
	if (stanza_build_presence(&sb, &out) == 0) {
		if ((xml = strndup(sb.buf, sb.len)) == NULL)
			abort();
		st = must_parse(xml);
		if (xmpp_link_parse_presence(st, &p) != 0)
			abort();
		same(p.pres.show, in->show);
		same(p.pres.status, in->status);
		if (p.pres.has_priority != in->has_priority ||
		    p.pres.priority != in->priority)
			abort();
		xmpp_link_parsed_clear(&p);
		xmpp_stanza_release(st);
		free(xml);
	}
	strbuf_free(&sb);
}

/*
 * What a room says (xmpp_link_muc.c) stays in its bounds: status bits
 * only from the known set, enums in range, a capped count, and a string
 * only where its element was.
 */
static void
check_muc(const struct xmpp_in_muc *m)
{
	if ((m->status & ~((1u << 20) - 1)) != 0 || m->unknown_status < 0 ||
	    m->unknown_status > 1000 ||
	    m->affiliation > XMPP_MUC_AFF_OWNER ||
	    m->role > XMPP_MUC_ROLE_MODERATOR)
		abort();
	if (!m->present && (m->status != 0 || m->item_jid != NULL ||
	    m->destroyed || m->invited || m->declined || m->password != NULL))
		abort();
	if ((!m->destroyed && (m->destroy_jid != NULL ||
	    m->destroy_reason != NULL)) || (!m->invited &&
	    (m->invite_from != NULL || m->invite_reason != NULL)))
		abort();
}

/*
 * What a room occupant sends, from what a peer said: a groupchat message
 * with the body and origin-id, a join with the nick and password;
 * whatever builds must read back the same.
 */
static void
check_muc_out(const char *body, const char *origin_id, const char *nick,
    const char *password)
{
	struct xmpp_link_parsed p;
	struct strbuf sb;
	xmpp_stanza_t *st;
	char *xml, occupant[512];

	strbuf_init(&sb);
	if (body != NULL && stanza_muc_groupchat(&sb, "a@sip.test",
	    "room@muc.test", "g1", body, strlen(body), origin_id) == 0) {
		if ((xml = strndup(sb.buf, sb.len)) == NULL)
			abort();
		st = must_parse(xml);
		if (xmpp_link_parse_message(st, &p) != 0)
			abort();
		same(p.msg.body, body);
		same(p.msg.origin_id, origin_id);
		same(p.msg.type, "groupchat");
		xmpp_link_parsed_clear(&p);
		xmpp_stanza_release(st);
		free(xml);
	}
	strbuf_reset(&sb);
	if (nick != NULL && strlen(nick) < 400) {
		snprintf(occupant, sizeof(occupant), "room@muc.test/%s",
		    nick);
		if (stanza_muc_join(&sb, "a@sip.test", occupant, "j1", NULL,
		    password) == 0) {
			if ((xml = strndup(sb.buf, sb.len)) == NULL)
				abort();
			st = must_parse(xml);
			if (xmpp_link_parse_presence(st, &p) != 0)
				abort();
			same(p.pres.to, occupant);
			xmpp_link_parsed_clear(&p);
			xmpp_stanza_release(st);
			free(xml);
		}
	}
	strbuf_free(&sb);
}

/*
 * A XEP-0172 name as the edge hands it on (xmpp_link_nick.c): bounded,
 * no control, no white space at either end; written as a From
 * display-name it reads back as itself.
 */
static void
check_nick(const char *nick)
{
	const unsigned char *u = (const unsigned char *)nick;
	char back[SIP_DISPLAY_MAX + 1];
	struct strbuf sb;
	size_t n, i;

	if (nick == NULL)
		return;
	if ((n = strlen(nick)) == 0 || n > XMPP_NICK_MAX || u[0] == ' ' ||
	    u[n - 1] == ' ')
		abort();
	for (i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 &&
		    i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			abort();
	strbuf_init(&sb);
	sip_display_put(&sb, nick);
	if (sb.failed || sb.len < 3 ||
	    sip_display_name(sb.buf, sb.len, back, sizeof(back)) != (int)n ||
	    strcmp(back, nick) != 0)
		abort();
	strbuf_free(&sb);
}

/* A disco#info answer read from anything: counts capped, room implies
 * conference. */
static void
check_disco(xmpp_stanza_t *st)
{
	struct xmpp_link_parsed p;

	if (xmpp_link_parse_disco_info(st, &p) != 0)
		return;
	if (p.disco.n_features < 0 || p.disco.n_features > 1000 ||
	    p.disco.n_identities < 0 || p.disco.n_identities > 1000 ||
	    (p.disco.is_room && !p.disco.is_conference) ||
	    (p.disco.features & ~((1u << 13) - 1)) != 0)
		abort();
	xmpp_link_parsed_clear(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;
	char *s, *xml;

	if (ctx == NULL) {
		xmpp_initialize();
		ctx = xmpp_ctx_new(NULL, NULL);
	}
	if (size > MAX_INPUT)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* Raw bytes as reason text: escaped and repaired, never broken. */
	check_error_reply("a@b/c", "d@e", s, s, 0);
	xml = xmpp_link_build_ping("sip.test", s, s, NULL);
	xmpp_stanza_release(must_parse(xml));
	free(xml);

	if ((st = xmpp_stanza_new_from_string(ctx, s)) != NULL) {
		(void)xmpp_link_stanza_size(st, 4096);
		(void)xmpp_link_stanza_size(st, (size_t)-1);
		if (xmpp_link_parse_message(st, &p) == 0) {
			/* Text that came through the parser must survive. */
			check_error_reply(p.msg.from, p.msg.to, p.msg.id,
			    p.msg.body, 1);
			check_error_reply(p.msg.from, p.msg.to, p.msg.id,
			    p.msg.error_text, 1);
			check_muc(&p.msg.muc);
			check_nick(p.msg.nick);
			check_muc_out(p.msg.body, p.msg.origin_id,
			    p.msg.muc.item_nick, p.msg.muc.password);
			if (p.msg.direct_invite.jid == NULL &&
			    (p.msg.direct_invite.password != NULL ||
			    p.msg.direct_invite.cont))
				abort();
			xmpp_link_parsed_clear(&p);
		}
		check_disco(st);
		if (xmpp_link_parse_presence(st, &p) == 0) {
			check_presence(&p.pres);
			check_muc(&p.pres.muc);
			check_nick(p.pres.nick);
			xmpp_link_parsed_clear(&p);
		}
		xmpp_stanza_release(st);
	}
	free(s);
	return 0;
}
