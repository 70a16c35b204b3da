/*
 * PIDF written from XMPP presence (RFC 8048 §6.2): one tuple per
 * resource, its id the resource encoded as an xs:ID, its priority as a
 * qvalue, and the show both embedded and as an RPID activity. Every
 * string that came from the network is checked and escaped on the way.
 */
#include <stdio.h>
#include <string.h>

#include "pidf.h"
#include "pidf_int.h"
#include "strbuf.h"

/*
 * XMPP priority to a PIDF qvalue in thousandths (RFC 8048 §6.2: 0 -> 0,
 * 127 -> 1, unique steps, at most 3 decimals): p/127 truncated to 3
 * decimals, so 1 -> 0.007, 2 -> 0.015, 126 -> 0.992. -1 for a negative
 * priority, which MUST NOT be mapped; above 127 is clamped.
 */
int
pidf_priority_to_milli(int priority)
{
	if (priority < 0)
		return -1;
	if (priority >= 127)
		return 1000;
	return priority * 1000 / 127;
}

/*
 * Writes "ID-" + resource as an xs:ID (RFC 8048 §6.2). ASCII letters,
 * digits, '-' and '.' are kept; every other byte, '_' included, becomes
 * "_XX" (upper-case hex of the byte), which pidf_id_decode undoes.
 */
void
pidf_id_encode(struct strbuf *sb, const char *resource)
{
	static const char hex[] = "0123456789ABCDEF";

	strbuf_appends(sb, "ID-");
	for (const unsigned char *p = (const unsigned char *)resource;
	    *p != '\0'; p++) {
		char e[3];

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.') {
			strbuf_append(sb, (const char *)p, 1);
			continue;
		}
		e[0] = '_';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 0xf];
		strbuf_append(sb, e, 3);
	}
}

/*
 * Appends a PIDF document for entity with one tuple per XMPP resource
 * (RFC 8048 §6.2, Table 1). Shows are embedded in <status/> as the RFC
 * recommends and also given as RPID activities in a dm:person: those of
 * the most available open tuple (away/xa -> away, dnd -> busy), since
 * RFC 4479 has one person per entity. Returns -1 if a string is not
 * UTF-8 that XML can carry (sb is then unusable) or allocation failed.
 */
int
pidf_build(struct strbuf *sb, const char *entity,
    const struct presence_tuple *tuples, size_t n)
{
	const struct presence_tuple *best = NULL;

	strbuf_appends(sb, "<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<presence xmlns='" NS_PIDF "' xmlns:dm='" NS_DM "'"
	    " xmlns:rpid='" NS_RPID "' entity='");
	if (strbuf_append_xml_checked(sb, entity, strlen(entity), 1) != 0)
		return -1;
	strbuf_appends(sb, "'>\n");
	for (size_t i = 0; i < n; i++) {
		const struct presence_tuple *t = &tuples[i];
		const char *show = presence_show_name(t->show);
		int q = pidf_priority_to_milli(t->priority);
		char qs[16];

		strbuf_appends(sb, " <tuple id='");
		pidf_id_encode(sb, t->id != NULL ? t->id : "");
		strbuf_appends(sb, "'>\n  <status><basic>");
		strbuf_appends(sb, t->basic == PRESENCE_BASIC_OPEN ? "open" :
		    "closed");
		strbuf_appends(sb, "</basic>");
		if (show != NULL) {
			strbuf_appends(sb, "<show xmlns='" NS_JABBER "'>");
			strbuf_appends(sb, show);
			strbuf_appends(sb, "</show>");
		}
		strbuf_appends(sb, "</status>\n");
		if (q >= 0) {
			if (q == 1000)
				snprintf(qs, sizeof(qs), "1");
			else
				snprintf(qs, sizeof(qs), "0.%03d", q);
			strbuf_appends(sb, "  <contact priority='");
			strbuf_appends(sb, qs);
			strbuf_appends(sb, "'>");
			if (strbuf_append_xml_checked(sb, entity,
			    strlen(entity), 0) != 0)
				return -1;
			strbuf_appends(sb, "</contact>\n");
		}
		if (t->note != NULL) {
			strbuf_appends(sb, "  <note");
			if (t->note_lang != NULL) {
				strbuf_appends(sb, " xml:lang='");
				if (strbuf_append_xml_checked(sb, t->note_lang,
				    strlen(t->note_lang), 1) != 0)
					return -1;
				strbuf_appends(sb, "'");
			}
			strbuf_appends(sb, ">");
			if (strbuf_append_xml_checked(sb, t->note,
			    strlen(t->note), 0) != 0)
				return -1;
			strbuf_appends(sb, "</note>\n");
		}
		strbuf_appends(sb, " </tuple>\n");
		if (t->basic == PRESENCE_BASIC_OPEN && (best == NULL ||
		    pidf_show_avail_rank(t->show) >
		    pidf_show_avail_rank(best->show)))
			best = t;
	}
	if (best != NULL && best->show != PRESENCE_SHOW_NONE &&
	    best->show != PRESENCE_SHOW_CHAT) {
		strbuf_appends(sb, " <dm:person id='p'><rpid:activities>");
		strbuf_appends(sb, best->show == PRESENCE_SHOW_DND ?
		    "<rpid:busy/>" : "<rpid:away/>");
		strbuf_appends(sb, "</rpid:activities></dm:person>\n");
	}
	strbuf_appends(sb, "</presence>\n");
	return sb->failed ? -1 : 0;
}
