/*
 * The <message/> stanzas we send, written as text into a strbuf.
 *
 * Every value is checked (UTF-8, XML 1.0 characters only) and escaped on
 * its way in; a stanza that cannot be written whole is not written at all:
 * the buffer is put back as it was, so a caller can batch stanzas in one
 * buffer without ever sending half of one. The helpers that write and
 * undo are shared with stanza_muc.c (private/stanza_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "stanza.h"
#include "stanza_int.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_NICK "http://jabber.org/protocol/nick"
#define ERROR_TEXT_MAX 512	/* bytes of <text/>: a reason, not a body */

/* Appends ` name='value'` (value checked and escaped); -1 if invalid. */
int
stanza_attr(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_appends(sb, " ");
	strbuf_appends(sb, name);
	strbuf_appends(sb, "='");
	if (strbuf_append_xml_checked(sb, value, strlen(value), 1) < 0)
		return -1;
	strbuf_appends(sb, "'");
	return 0;
}

/* Appends <name>text</name> (text checked and escaped); -1 if invalid. */
int
stanza_element(struct strbuf *sb, const char *name, const char *text,
    size_t len)
{
	strbuf_appends(sb, "<");
	strbuf_appends(sb, name);
	strbuf_appends(sb, ">");
	if (strbuf_append_xml_checked(sb, text, len, 0) < 0)
		return -1;
	strbuf_appends(sb, "</");
	strbuf_appends(sb, name);
	strbuf_appends(sb, ">");
	return 0;
}

/* Undoes a partly written stanza, so the buffer is as the caller left it. */
int
stanza_rollback(struct strbuf *sb, size_t start)
{
	if (!sb->failed && sb->buf != NULL) {
		sb->len = start;
		sb->buf[start] = '\0';
	}
	return -1;
}

/*
 * Writes the opening <name from to [id] ...; both addresses are
 * required (XEP-0114: every stanza a component sends carries from and to).
 */
int
stanza_open(struct strbuf *sb, const char *name, const char *from,
    const char *to, const char *id)
{
	if (from == NULL || to == NULL || *from == '\0' || *to == '\0')
		return -1;
	strbuf_append(sb, "<", 1);
	strbuf_appends(sb, name);
	if (stanza_attr(sb, "from", from) < 0 || stanza_attr(sb, "to", to) < 0)
		return -1;
	if (id != NULL && stanza_attr(sb, "id", id) < 0)
		return -1;
	return 0;
}

/*
 * Appends <nick xmlns='http://jabber.org/protocol/nick'>name</nick>
 * (XEP-0172 §3). A name is a courtesy, not the message: one that is no
 * XML text (bad UTF-8) is left out, and the message still goes.
 */
static void
put_nick(struct strbuf *sb, const char *nick)
{
	size_t at = sb->len;

	strbuf_appends(sb, "<nick xmlns='" NS_NICK "'>");
	if (strbuf_append_xml_checked(sb, nick, strlen(nick), 0) < 0) {
		stanza_rollback(sb, at);
		return;
	}
	strbuf_appends(sb, "</nick>");
}

/*
 * Appends a pager message (RFC 7572 §5): <message from to id type
 * xml:lang><subject/><thread/><body/><nick/></message>, leaving out NULL
 * fields.
 * Returns -1, with sb unchanged, if from or to is missing, if any value is
 * not UTF-8 or holds characters XML 1.0 cannot carry, or on allocation
 * failure.
 */
int
stanza_build_message(struct strbuf *sb, const struct im_message *msg)
{
	size_t start = sb->len;

	if (sb->failed || msg == NULL)
		return -1;
	if (stanza_open(sb, "message", msg->from, msg->to, msg->id) < 0)
		goto fail;
	if (msg->type != NULL && stanza_attr(sb, "type", msg->type) < 0)
		goto fail;
	if (msg->lang != NULL && stanza_attr(sb, "xml:lang", msg->lang) < 0)
		goto fail;
	strbuf_appends(sb, ">");
	if (msg->subject != NULL && stanza_element(sb, "subject", msg->subject,
	    strlen(msg->subject)) < 0)
		goto fail;
	if (msg->thread != NULL && stanza_element(sb, "thread", msg->thread,
	    strlen(msg->thread)) < 0)
		goto fail;
	if (msg->body != NULL && stanza_element(sb, "body", msg->body,
	    msg->body_len) < 0)
		goto fail;
	if (msg->nick != NULL)
		put_nick(sb, msg->nick);
	/* RFC 5438 IMDN asked of a SIP message (receipt_s2x.c). */
	if (msg->receipt_request)
		strbuf_appends(sb, "<request xmlns='urn:xmpp:receipts'/>");
	if (msg->markable)
		strbuf_appends(sb,
		    "<markable xmlns='urn:xmpp:chat-markers:0'/>");
	strbuf_appends(sb, "</message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/* 1 if s can be written as an element name: RFC 6120 conditions are [a-z-]. */
static int
condition_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if ((s[n] < 'a' || s[n] > 'z') && s[n] != '-')
			return 0;
	return n > 0 && n <= 64;
}

/* 1 if t is one of RFC 6120 §8.3.2's error types. */
static int
error_type_ok(const char *t)
{
	static const char *const types[] = {
		"auth", "cancel", "continue", "modify", "wait",
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/*
 * Appends an error stanza answering a message (RFC 6120 §8.3):
 *   <message from to [id] type='error'><error type='T'>
 *     <COND xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
 *     [<text xmlns='...' xml:lang='..'>reason</text>]</error></message>
 * <gone/> and <redirect/> carry the new address as character data when
 * one is given (RFC 6120 §8.3.3.5, §8.3.3.14); RFC 7247 Table 3 has 410
 * map to <gone/> without one, so the caller leaves gone_uri NULL then.
 * An error type missing from cond is taken from RFC 6120's table.
 *
 * The text is a peer's words (a SIP reason phrase): it is made fit
 * (errors_text_sanitize) rather than refused, and a language tag or
 * address XML cannot carry is left out, so an error is never lost for
 * its wording. Returns -1 with sb unchanged only on a missing address,
 * a condition or type RFC 6120 does not define, or allocation failure.
 */
int
stanza_build_message_error(struct strbuf *sb, const struct im_error *err)
{
	size_t start = sb->len, tlen = 0;
	const char *cond, *type, *uri = NULL, *lang;
	char text[ERROR_TEXT_MAX];

	if (sb->failed || err == NULL || err->cond == NULL ||
	    err->cond->condition == NULL)
		return -1;
	cond = err->cond->condition;
	if (!condition_name_ok(cond))
		return -1;
	if ((type = err->cond->type) == NULL &&
	    (type = errors_xmpp_condition_type(cond)) == NULL)
		type = "cancel";
	if (!error_type_ok(type))
		return -1;
	if (strcmp(cond, "gone") == 0)
		uri = err->gone_uri;
	else if (strcmp(cond, "redirect") == 0)
		uri = err->redirect_uri;
	if (uri != NULL && strbuf_xml_check(uri, strlen(uri), NULL) != 0)
		uri = NULL;
	if ((lang = err->lang) != NULL &&
	    strbuf_xml_check(lang, strlen(lang), NULL) != 0)
		lang = NULL;
	if (err->text != NULL)
		tlen = errors_text_sanitize(err->text, strlen(err->text), text,
		    sizeof(text));

	if (stanza_open(sb, "message", err->from, err->to, err->id) < 0)
		goto fail;
	strbuf_appends(sb, " type='error'><error type='");
	strbuf_appends(sb, type);
	strbuf_appends(sb, "'><");
	strbuf_appends(sb, cond);
	strbuf_appends(sb, " xmlns='" NS_STANZAS "'");
	if (uri != NULL) {
		strbuf_appends(sb, ">");
		if (strbuf_append_xml_checked(sb, uri, strlen(uri), 0) < 0)
			goto fail;
		strbuf_appends(sb, "</");
		strbuf_appends(sb, cond);
		strbuf_appends(sb, ">");
	} else
		strbuf_appends(sb, "/>");
	if (tlen > 0) {
		strbuf_appends(sb, "<text xmlns='" NS_STANZAS "'");
		if (lang != NULL && stanza_attr(sb, "xml:lang", lang) < 0)
			goto fail;
		strbuf_appends(sb, ">");
		if (strbuf_append_xml_checked(sb, text, tlen, 0) < 0)
			goto fail;
		strbuf_appends(sb, "</text>");
	}
	strbuf_appends(sb, "</error></message>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}

/* The values RFC 6121 §4.7.1 allows for a presence type we send. */
static int
presence_type_ok(const char *t)
{
	static const char *const ok[] = {
		"unavailable", "subscribe", "subscribed", "unsubscribe",
		"unsubscribed", "probe", "error",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(t, ok[i]) == 0)
			return 1;
	return 0;
}

/* The values of <show/> (RFC 6121 §4.7.2.1). */
static int
show_ok(const char *s)
{
	return strcmp(s, "away") == 0 || strcmp(s, "chat") == 0 ||
	    strcmp(s, "dnd") == 0 || strcmp(s, "xa") == 0;
}

/*
 * Appends a <presence/> (RFC 6121 §4.7): type, xml:lang, <show/>,
 * <status/>, <priority/> and, for type error, <error/>. Returns -1 with
 * sb unchanged on a missing address, a type or show RFC 6121 does not
 * define, text XML cannot carry, or allocation failure.
 */
int
stanza_build_presence(struct strbuf *sb, const struct im_presence *pr)
{
	size_t start = sb->len;
	const char *nick;
	char num[8];

	if (sb->failed || pr == NULL)
		return -1;
	if ((pr->type != NULL && !presence_type_ok(pr->type)) ||
	    (pr->show != NULL && !show_ok(pr->show)))
		return -1;
	if (stanza_open(sb, "presence", pr->from, pr->to, pr->id) < 0)
		goto fail;
	if (pr->type != NULL && stanza_attr(sb, "type", pr->type) < 0)
		goto fail;
	if (pr->lang != NULL && stanza_attr(sb, "xml:lang", pr->lang) < 0)
		goto fail;
	nick = pr->type != NULL && strcmp(pr->type, "subscribe") == 0 ?
	    pr->nick : NULL;
	if (pr->show == NULL && pr->status == NULL && !pr->has_priority &&
	    !pr->caps && nick == NULL &&
	    (pr->type == NULL || strcmp(pr->type, "error") != 0)) {
		strbuf_appends(sb, "/>");
		return sb->failed ? stanza_rollback(sb, start) : 0;
	}
	strbuf_appends(sb, ">");
	if (pr->show != NULL) {
		strbuf_appends(sb, "<show>");
		strbuf_appends(sb, pr->show);
		strbuf_appends(sb, "</show>");
	}
	if (pr->status != NULL) {
		strbuf_appends(sb, "<status");
		if (pr->status_lang != NULL && (pr->lang == NULL ||
		    strcmp(pr->status_lang, pr->lang) != 0) &&
		    stanza_attr(sb, "xml:lang", pr->status_lang) < 0)
			goto fail;
		strbuf_appends(sb, ">");
		if (strbuf_append_xml_checked(sb, pr->status,
		    strlen(pr->status), 0) < 0)
			goto fail;
		strbuf_appends(sb, "</status>");
	}
	if (pr->has_priority) {
		int p = pr->priority < -128 ? -128 : pr->priority > 127 ? 127 :
		    pr->priority;

		snprintf(num, sizeof(num), "%d", p);
		strbuf_appends(sb, "<priority>");
		strbuf_appends(sb, num);
		strbuf_appends(sb, "</priority>");
	}
	/* XEP-0115 §6.1: a no-ver (no memory) presence goes without. */
	if (pr->caps)
		(void)caps_build_c(sb);
	if (nick != NULL)
		put_nick(sb, nick);
	if (pr->type != NULL && strcmp(pr->type, "error") == 0) {
		const char *cond = pr->error_condition != NULL ?
		    pr->error_condition : "undefined-condition";
		const char *type = pr->error_type;

		if (type == NULL && (type = errors_xmpp_condition_type(cond)) ==
		    NULL)
			type = "cancel";
		if (!condition_name_ok(cond) || !error_type_ok(type))
			goto fail;
		strbuf_appends(sb, "<error type='");
		strbuf_appends(sb, type);
		strbuf_appends(sb, "'><");
		strbuf_appends(sb, cond);
		strbuf_appends(sb, " xmlns='" NS_STANZAS "'/></error>");
	}
	strbuf_appends(sb, "</presence>");
	if (sb->failed)
		goto fail;
	return 0;
fail:
	return stanza_rollback(sb, start);
}
