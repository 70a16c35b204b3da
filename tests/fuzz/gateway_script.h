/*
 * The gateway driven by a script, for fuzz_gateway.c and friends (one
 * harness, several targets that each feed it one kind of record).
 *
 * A script is records; each is a kind byte and its text, which runs to
 * the next "\n%%" (the kind byte follows the "%%"):
 *   C  configuration lines appended to the base configuration (first
 *      record only; a configuration that does not load ends the run)
 *   S  a SIP datagram from 192.0.2.7:5060 (UDP)
 *   s  a SIP datagram from [2001:db8::7]:5062 (UDP)
 *   t  a SIP message from 192.0.2.8:5070 over TCP (connection 7)
 *   R  a response to the last request the gateway sent, from where it
 *      went: "CODE reason" on the first line, then extra header lines
 *      (and a body); its Via, From, To, Call-ID and CSeq are copied
 *      from the request
 *   X  a stanza from the XMPP server
 *   P  an answer to the gateway's last ping: result, or error if the
 *      text starts with 'e'
 *   D  the XMPP link goes down; U  it comes back
 *   Q  SIGTERM: the bridges shut down
 * In S, s, t, R and X texts, {id} {jid} {ping} {callid} {fromtag} {totag}
 * stand for the id and to of the last <message/> the gateway sent, its
 * last ping's id, and the Call-ID, From tag and To tag of the last SIP
 * request it sent, so a script can answer what it cannot predict.
 * The loop turns (EVLOOP_NONBLOCK) after every record.
 *
 * Checks (abort() on failure): every SIP message sent frames as one
 * whole message (sip_frame_datagram) and starts with a status line or,
 * for our own requests, parses with libosip2; every batch of stanzas
 * for the XMPP server is well-formed XML (libxml2) of message, presence
 * and iq elements only.
 */
#ifndef SIPXMPP_GATEWAY_SCRIPT_H
#define SIPXMPP_GATEWAY_SCRIPT_H

#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <osipparser2/osip_parser.h>
#include <strophe.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "log_libraries.h"
#include "mapping.h"
#include "sip_frame.h"
#include "sip_scan.h"
#include "sip_stack.h"
#include "sip_transport.h"
#include "stanza.h"
#include "xmpp_link_int.h"

#define SCRIPT_ALL	NULL	/* every record kind is played */

#define SCRIPT_CONFIG							\
	"[gateway]\n"							\
	"mapping_file = mapping.table\n"				\
	"log_level = error\n"						\
	"[sip]\n"							\
	"listen = udp:192.0.2.1:5060 tcp:192.0.2.1:5060\n"		\
	"trusted_peers = 192.0.2.0/24 2001:db8::/32\n"			\
	"[xmpp]\n"							\
	"host = 127.0.0.1\n"						\
	"component = sip.test\n"					\
	"secret = s3cr3t\n"						\
	"[presence]\n"							\
	"persist = no\n"

#define SCRIPT_MAPPING							\
	"domain sip.test sip.test\n"					\
	"domain xmpp.test xmpp.test\n"					\
	"user sip:alice@sip.test alice@xmpp.test\n"

struct script {
	struct gateway	 gw;
	struct config	 cfg;
	int		 have_cfg;
	struct sip_peer	 peer_v4, peer_v6, peer_tcp;
	struct strbuf	 text;		/* a record with its stand-ins */
	struct strbuf	 resp;		/* a response being built */
	char		*last_req;	/* the last request the gateway sent */
	size_t		 last_req_len;
	struct sip_peer	 last_req_to;
	char		 id[256], jid[512], ping[256];
	char		 ping_from[512], ping_to[512];
	char		 callid[256], fromtag[128], totag[128];
	int		 strict;	/* errors must arrive (always, since issue 10) */
	int		 msg_open;	/* last_req is a MESSAGE not yet answered */
	size_t		 errors_out;	/* <message type='error'/> sent so far */
};

/* A peer from a numeric address. */
static void
script_peer(struct sip_peer *p, const char *host, int port, int proto,
    uint64_t conn)
{
	if (sip_peer_from_host(p, host, port, proto) != 0)
		abort();
	p->conn_id = conn;
}

/* Copies at most size-1 bytes of s (len bytes) into out. */
static void
script_keep(char *out, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* The value of ;name= in a header line's text, into out. */
static void
script_param(const char *line, size_t len, const char *name, char *out,
    size_t size)
{
	size_t n = strlen(name), i;

	out[0] = '\0';
	for (i = 0; i + n < len; i++) {
		size_t end;

		if (line[i] != ';' || strncasecmp(line + i + 1, name, n) != 0 ||
		    line[i + 1 + n] != '=')
			continue;
		i += n + 2;
		for (end = i; end < len && line[end] != ';' &&
		    line[end] != '>' && line[end] != '\r' && line[end] != ' ';
		    end++)
			;
		script_keep(out, size, line + i, end - i);
		return;
	}
}

/* True when a header line is name: (or its compact form c:). */
static int
script_is_header(const char *line, size_t len, const char *name, char c)
{
	size_t n = strlen(name);

	if (len > n && strncasecmp(line, name, n) == 0 &&
	    (line[n] == ':' || line[n] == ' ' || line[n] == '\t'))
		return 1;
	return len > 1 && (line[0] == c || line[0] == (c ^ 0x20)) &&
	    (line[1] == ':' || line[1] == ' ' || line[1] == '\t');
}

/* Remembers a request the gateway sent, for R records and stand-ins. */
static void
script_keep_request(struct script *sc, const char *buf, size_t len,
    const struct sip_peer *to)
{
	const char *p = buf, *end = buf + len;

	free(sc->last_req);
	if ((sc->last_req = malloc(len + 1)) == NULL)
		abort();
	memcpy(sc->last_req, buf, len);
	sc->last_req[len] = '\0';
	sc->last_req_len = len;
	sc->last_req_to = *to;
	sc->callid[0] = sc->fromtag[0] = sc->totag[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		if (n <= 1)
			break;		/* the blank line */
		if (script_is_header(p, n, "Call-ID", 'i')) {
			const char *v = memchr(p, ':', n);
			size_t off = (size_t)(v - p) + 1;

			while (off < n && p[off] == ' ')
				off++;
			script_keep(sc->callid, sizeof(sc->callid), p + off,
			    n - off - (p[n - 1] == '\r'));
		} else if (script_is_header(p, n, "From", 'f'))
			script_param(p, n, "tag", sc->fromtag,
			    sizeof(sc->fromtag));
		else if (script_is_header(p, n, "To", 't'))
			script_param(p, n, "tag", sc->totag, sizeof(sc->totag));
		p += n + 1;
	}
}

/* The stack's send hook: everything it sends must be framed right. */
static void
script_sip_out(void *arg, const struct sip_peer *to, const char *buf,
    size_t len)
{
	struct script *sc = arg;
	struct sip_frame f;
	osip_message_t *m = NULL;
	char *copy;

	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (sip_frame_datagram(copy, len, 1 << 20, &f) != SIP_FRAME_OK ||
	    f.msg_len != len) {
		fprintf(stderr, "gateway sent a badly framed message:\n%.*s\n",
		    (int)len, buf);
		abort();
	}
	if (len >= 12 && memcmp(copy, "SIP/2.0 ", 8) == 0) {
		/* An answer: a status line we wrote, maybe echoed headers. */
		if (copy[8] < '1' || copy[8] > '6' || copy[9] < '0' ||
		    copy[9] > '9' || copy[10] < '0' || copy[10] > '9' ||
		    copy[11] != ' ')
			abort();
	} else {
		/* A request of ours: libosip2 must read what we wrote. */
		if (osip_message_init(&m) != 0)
			abort();
		if (osip_message_parse(m, copy, len) != 0 ||
		    !MSG_IS_REQUEST(m)) {
			fprintf(stderr, "gateway sent an unparseable "
			    "request:\n%.*s\n", (int)len, buf);
			abort();
		}
		if (MSG_IS_MESSAGE(m) && (sc->last_req == NULL ||
		    len != sc->last_req_len ||
		    memcmp(copy, sc->last_req, len) != 0))
			sc->msg_open = 1;	/* not a retransmission */
		else if (!MSG_IS_MESSAGE(m))
			sc->msg_open = 0;
		script_keep_request(sc, copy, len, to);
		osip_message_free(m);
	}
	free(copy);
}

/* An attribute of an element, into out ("" when absent). */
static void
script_attr(xmlNode *n, const char *name, char *out, size_t size)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	out[0] = '\0';
	if (v != NULL) {
		script_keep(out, size, (const char *)v, strlen((char *)v));
		xmlFree(v);
	}
}

/* Takes the stanzas the link was given and checks them as XML. */
static void
script_harvest(struct script *sc)
{
	static const char head[] = "<stream:stream xmlns:stream="
	    "'http://etherx.jabber.org/streams' "
	    "xmlns='jabber:component:accept'>";
	static const char tail[] = "</stream:stream>";
	struct xmpp_link *link = sc->gw.xmpp;
	struct strbuf sb;
	xmlDoc *doc;
	xmlNode *n;

	if (link == NULL || link->out_stanzas == 0)
		return;
	strbuf_init(&sb);
	strbuf_append(&sb, head, sizeof(head) - 1);
	strbuf_append(&sb, link->out, link->out_len);
	strbuf_append(&sb, tail, sizeof(tail) - 1);
	if (sb.failed)
		abort();
	doc = xmlReadMemory(sb.buf, (int)sb.len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		fprintf(stderr, "gateway sent ill-formed XML:\n%.*s\n",
		    (int)link->out_len, link->out);
		abort();
	}
	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			abort();	/* text between stanzas */
		if (strcmp(name, "message") == 0) {
			char type[16];

			script_attr(n, "type", type, sizeof(type));
			if (strcmp(type, "error") == 0)
				sc->errors_out++;
			script_attr(n, "id", sc->id, sizeof(sc->id));
			script_attr(n, "to", sc->jid, sizeof(sc->jid));
		} else if (strcmp(name, "iq") == 0) {
			xmlNode *c = n->children;

			if (c != NULL && c->type == XML_ELEMENT_NODE &&
			    strcmp((const char *)c->name, "ping") == 0) {
				script_attr(n, "id", sc->ping,
				    sizeof(sc->ping));
				script_attr(n, "from", sc->ping_from,
				    sizeof(sc->ping_from));
				script_attr(n, "to", sc->ping_to,
				    sizeof(sc->ping_to));
			}
		} else if (strcmp(name, "presence") != 0)
			abort();
	}
	xmlFreeDoc(doc);
	strbuf_free(&sb);
	xmpp_link_out_reset(link);
}

/* Replaces the link's end-of-turn flush: the batch is checked, not sent. */
static void
script_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	script_harvest(arg);
}

/* Copies a record's text into sc->text with its stand-ins replaced. */
static void
script_expand(struct script *sc, const char *s, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} subs[] = {
		{ "{id}", offsetof(struct script, id) },
		{ "{jid}", offsetof(struct script, jid) },
		{ "{ping}", offsetof(struct script, ping) },
		{ "{callid}", offsetof(struct script, callid) },
		{ "{fromtag}", offsetof(struct script, fromtag) },
		{ "{totag}", offsetof(struct script, totag) },
	};

	strbuf_reset(&sc->text);
	for (size_t i = 0; i < len; i++) {
		size_t k, n = 0;

		for (k = 0; s[i] == '{' && k < sizeof(subs) / sizeof(subs[0]);
		    k++) {
			n = strlen(subs[k].name);
			if (len - i >= n && memcmp(s + i, subs[k].name, n) == 0)
				break;
		}
		if (s[i] == '{' && k < sizeof(subs) / sizeof(subs[0])) {
			strbuf_appends(&sc->text,
			    (const char *)sc + subs[k].off);
			i += n - 1;
		} else
			strbuf_append(&sc->text, s + i, 1);
	}
	strbuf_append(&sc->text, "", 1);	/* NUL, not counted */
	sc->text.len--;
	if (sc->text.failed)
		abort();
}

/*
 * The status of the response in sc->resp if the stack will take it as
 * the final answer of the last request (libosip2 reads it, one Via, the
 * request's Call-ID and CSeq), else 0. Like the stack, any three-digit
 * status from 200 up is final: a 960 is no valid RFC 3261 code, but the
 * stack answers the sender with a 500's condition rather than wait.
 */
static int
script_final_status(struct script *sc)
{
	osip_message_t *m = NULL;
	int status = 0;

	if (osip_message_init(&m) != 0)
		abort();
	if (osip_message_parse(m, sc->resp.buf, sc->resp.len) == 0 &&
	    MSG_IS_RESPONSE(m) && m->status_code >= 200 &&
	    m->status_code <= 999 && osip_list_size(&m->vias) == 1 &&
	    m->call_id != NULL && m->call_id->number != NULL &&
	    strcmp(m->call_id->number, sc->callid) == 0 && m->cseq != NULL &&
	    m->cseq->method != NULL && strcmp(m->cseq->method, "MESSAGE") == 0)
		status = m->status_code;
	osip_message_free(m);
	if (status == 0) {
		/*
		 * The stack reads a 2xx to a MESSAGE from its raw bytes first
		 * (sip_txn_response_quick): what that scan takes ends the
		 * transaction even where libosip2 would refuse the rest.
		 */
		struct sip_scan_response r;

		if (sip_scan_response(sc->resp.buf, sc->resp.len, &r) == 0 &&
		    r.status >= 200 && r.status <= 299 &&
		    strcmp(r.method, "MESSAGE") == 0)
			status = r.status;
	}
	if (status != 0) {
		struct sip_frame f;

		if (sip_frame_datagram(sc->resp.buf, sc->resp.len,
		    (size_t)sc->cfg.sip_max_message_bytes, &f) != SIP_FRAME_OK)
			status = 0;
	}
	return status;
}

/* The response ends the last MESSAGE's transaction. */
static int
script_is_final(struct script *sc)
{
	return script_final_status(sc) != 0;
}

/* It does so with an error the sender must be told of. */
static int
script_final_error(struct script *sc)
{
	return script_final_status(sc) >= 300 &&
	    sc->gw.xmpp->state == LINK_READY && !sc->gw.shutting_down;
}

/* R: a response to the last request sent, from where it went. */
static void
script_respond(struct script *sc)
{
	size_t before;
	int expect;
	const char *p = sc->last_req, *end, *body = sc->text.buf;
	const char *nl = memchr(body, '\n', sc->text.len);
	size_t first = nl != NULL ? (size_t)(nl - body) : sc->text.len;

	if (p == NULL)
		return;
	end = p + sc->last_req_len;
	strbuf_reset(&sc->resp);
	strbuf_appends(&sc->resp, "SIP/2.0 ");
	strbuf_append(&sc->resp, body, first);
	strbuf_appends(&sc->resp, "\r\n");
	p = memchr(p, '\n', (size_t)(end - p));
	while (p != NULL && ++p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e != NULL ? (size_t)(e - p) : (size_t)(end - p);

		if (n <= 1)
			break;
		if (script_is_header(p, n, "Via", 'v') ||
		    script_is_header(p, n, "From", 'f') ||
		    script_is_header(p, n, "To", 't') ||
		    script_is_header(p, n, "Call-ID", 'i') ||
		    script_is_header(p, n, "CSeq", '\0')) {
			strbuf_append(&sc->resp, p, n);
			strbuf_appends(&sc->resp, "\n");
		}
		p = e;
	}
	if (nl == NULL || (size_t)(nl + 1 - body) == sc->text.len)
		strbuf_appends(&sc->resp, "Content-Length: 0\r\n\r\n");
	else
		strbuf_append(&sc->resp, nl + 1,
		    sc->text.len - (size_t)(nl + 1 - body));
	if (sc->resp.failed)
		abort();
	expect = sc->strict && sc->msg_open && script_final_error(sc);
	before = sc->errors_out;
	if (sc->msg_open && script_is_final(sc))
		sc->msg_open = 0;
	sip_stack_inject(sc->gw.sip, sc->resp.buf, sc->resp.len,
	    &sc->last_req_to);
	event_base_loop(sc->gw.base, EVLOOP_NONBLOCK);
	script_harvest(sc);
	if (expect && sc->errors_out == before) {
		/* RFC 7247 §7: the sender must learn its message failed. */
		fprintf(stderr, "a SIP error to a message from XMPP reached "
		    "nobody:\n%.*s\n", (int)sc->resp.len, sc->resp.buf);
		abort();
	}
}

/* X: one stanza, parsed by libstrophe, to the link's handler. */
static void
script_stanza(struct script *sc, const char *xml)
{
	struct xmpp_link *link = sc->gw.xmpp;
	xmpp_stanza_t *st;

	if ((st = xmpp_stanza_new_from_string(link->ctx, xml)) == NULL)
		return;
	xmpp_link_stanza_cb(link->conn, st, link);
	xmpp_stanza_release(st);
}

/* P: the server answers the last ping. */
static void
script_pong(struct script *sc, int error)
{
	struct strbuf sb;

	if (sc->ping[0] == '\0')
		return;
	strbuf_init(&sb);
	strbuf_appends(&sb, "<iq type='");
	strbuf_appends(&sb, error ? "error" : "result");
	strbuf_appends(&sb, "' id='");
	strbuf_append_xml_escaped(&sb, sc->ping, strlen(sc->ping));
	strbuf_appends(&sb, "' from='");
	strbuf_append_xml_escaped(&sb, sc->ping_to, strlen(sc->ping_to));
	strbuf_appends(&sb, "' to='");
	strbuf_append_xml_escaped(&sb, sc->ping_from, strlen(sc->ping_from));
	strbuf_appends(&sb, error ? "'><error type='cancel'><service-"
	    "unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	    "</error></iq>" : "'/>");
	strbuf_append(&sb, "", 1);
	if (sb.failed)
		abort();
	script_stanza(sc, sb.buf);
	strbuf_free(&sb);
}

/* Builds the gateway as main() does, without sockets; -1: bad config. */
static int
script_start(struct script *sc, const char *extra, size_t extra_len)
{
	static const struct sip_stack_handlers sh = {
		.request_cb = router_sip_request,
		.message_cb = router_sip_message,
	};
	static const struct xmpp_link_handlers xh = {
		.up_cb = router_xmpp_up,
		.down_cb = router_xmpp_down,
		.message_cb = router_xmpp_message,
		.presence_cb = router_xmpp_presence,
		.contact_cb = bridge_service_contact,
		.gateway_prompt_cb = bridge_service_prompt,
	};
	struct gateway *gw = &sc->gw;
	struct strbuf conf;
	char *cause = NULL;
	int r;

	strbuf_init(&conf);
	strbuf_appends(&conf, SCRIPT_CONFIG);
	strbuf_append(&conf, extra, extra_len);
	r = conf.failed ? -1 : config_load_buffer("/fuzz/sipxmppd.conf",
	    conf.buf, conf.len, &sc->cfg, &cause);
	strbuf_free(&conf);
	free(cause);
	cause = NULL;
	sc->have_cfg = 1;
	if (r != 0)
		return -1;
	/* The configuration may ask for more; the fuzzer stays quiet. */
	log_set_verbosity(getenv("FUZZ_GATEWAY_LOG") != NULL ? LOG_DEBUG :
	    LOG_CRIT);
	gw->cfg = &sc->cfg;
	if (map_table_parse(SCRIPT_MAPPING, strlen(SCRIPT_MAPPING), "fuzz",
	    &gw->map, &cause) != 0)
		abort();
	if ((gw->base = event_base_new()) == NULL)
		abort();
	gw->sip = sip_stack_new_detached(gw->base, &sc->cfg, &sh, gw,
	    script_sip_out, sc, "192.0.2.1", 5060);
	if (gw->sip == NULL) {
		/* An outbound proxy named by a host name: not resolved here. */
		return -1;
	}
	if ((gw->messages = bridge_message_new(gw)) == NULL ||
	    (gw->presence = bridge_presence_new(gw, &cause)) == NULL ||
	    (gw->rooms = bridge_room_new(gw)) == NULL ||
	    (gw->xmpp = xmpp_link_new(gw->base, &sc->cfg, &xh, gw)) == NULL)
		abort();
	/* The link is up, and its batches come to us (script_harvest). */
	event_free(gw->xmpp->ev_flush);
	if ((gw->xmpp->ev_flush = event_new(gw->base, -1, 0, script_flush_cb,
	    sc)) == NULL)
		abort();
	if (sip_stack_start(gw->sip) != 0)	/* its housekeeping only */
		abort();
	gw->xmpp->state = LINK_READY;
	router_xmpp_up(gw);
	return 0;
}

/* SIGTERM as main() handles it: the bridges answer what is in flight. */
static void
script_shutdown(struct script *sc)
{
	struct gateway *gw = &sc->gw;

	if (gw->shutting_down)
		return;
	gw->shutting_down = 1;
	sip_stack_stop_listening(gw->sip);
	bridge_message_shutdown(gw->messages);
	bridge_room_shutdown(gw->rooms);
	bridge_presence_shutdown(gw->presence);
}

/*
 * Takes the gateway down as main() does: its loop only ends after the
 * SIGTERM steps, then comes the teardown after the loop.
 */
static void
script_stop(struct script *sc)
{
	struct gateway *gw = &sc->gw;

	if (gw->base != NULL && gw->sip != NULL) {
		script_shutdown(sc);
		script_harvest(sc);
		event_base_loop(gw->base, EVLOOP_NONBLOCK);
		script_harvest(sc);
	}
	if (gw->base != NULL) {
		sip_stack_free(gw->sip);
		gw->sip = NULL;
		event_base_loop(gw->base, EVLOOP_NONBLOCK);
		script_harvest(sc);
		if (gw->xmpp != NULL)
			gw->xmpp->state = LINK_IDLE;
		xmpp_link_free(gw->xmpp);
		bridge_message_free(gw->messages);
		bridge_room_free(gw->rooms);
		bridge_presence_free(gw->presence);
		event_base_free(gw->base);
	}
	map_table_free(gw->map);
	if (sc->have_cfg)
		config_free(&sc->cfg);
	strbuf_free(&sc->text);
	strbuf_free(&sc->resp);
	free(sc->last_req);
}

/* Plays one record. */
static void
script_play(struct script *sc, char kind, const char *s, size_t len)
{
	struct gateway *gw = &sc->gw;

	if (gw->sip == NULL)
		return;		/* after Q: nothing more reaches the stack */
	script_expand(sc, s, len);
	switch (kind) {
	case 'S':
		sip_stack_inject(gw->sip, sc->text.buf, sc->text.len,
		    &sc->peer_v4);
		break;
	case 's':
		sip_stack_inject(gw->sip, sc->text.buf, sc->text.len,
		    &sc->peer_v6);
		break;
	case 't':
		sip_stack_inject(gw->sip, sc->text.buf, sc->text.len,
		    &sc->peer_tcp);
		break;
	case 'R':
		script_respond(sc);
		break;
	case 'X':
		script_stanza(sc, sc->text.buf);
		break;
	case 'P':
		script_pong(sc, len > 0 && s[0] == 'e');
		break;
	case 'D':
		if (gw->xmpp->state == LINK_READY) {
			script_harvest(sc);
			gw->xmpp->state = LINK_WAIT;
			xmpp_link_pings_fail(gw->xmpp);
			router_xmpp_down(gw);
		}
		break;
	case 'U':
		if (gw->xmpp->state != LINK_READY) {
			gw->xmpp->state = LINK_READY;
			router_xmpp_up(gw);
		}
		break;
	case 'Q':
		script_shutdown(sc);
		break;
	default:
		break;
	}
	script_harvest(sc);
	event_base_loop(gw->base, EVLOOP_NONBLOCK);
	script_harvest(sc);
}

/*
 * Runs a script; only the record kinds in `kinds` are played (NULL: all).
 * Always returns 0 (libFuzzer's contract).
 */
static int
script_run(const uint8_t *data, size_t size, const char *kinds)
{
	static int ready;
	const char *p = (const char *)data, *end = p + size;
	struct script sc;

	if (!ready) {
		log_init(1, LOG_CRIT, "fuzz");
		log_route_libraries();	/* libosip2's traces, filtered */
		xmlInitParser();
		parser_init();
		ready = 1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.strict = 1;
	strbuf_init(&sc.text);
	strbuf_init(&sc.resp);
	script_peer(&sc.peer_v4, "192.0.2.7", 5060, IPPROTO_UDP, 0);
	script_peer(&sc.peer_v6, "2001:db8::7", 5062, IPPROTO_UDP, 0);
	script_peer(&sc.peer_tcp, "192.0.2.8", 5070, IPPROTO_TCP, 7);
	if (size > 0 && p[0] == 'C') {
		const char *e = memmem(p, size, "\n%%", 3);
		size_t n = e != NULL ? (size_t)(e - p) : size;

		if (script_start(&sc, p + 1, n - 1) != 0)
			goto out;
		p = e != NULL ? e + 3 : end;
	} else if (script_start(&sc, "", 0) != 0)
		goto out;
	while (p < end) {
		char kind = *p++;
		const char *e = memmem(p, (size_t)(end - p), "\n%%", 3);
		size_t n = e != NULL ? (size_t)(e - p) : (size_t)(end - p);

		if (kinds == NULL || strchr(kinds, kind) != NULL)
			script_play(&sc, kind, p, n);
		p = e != NULL ? e + 3 : end;
	}
out:
	script_stop(&sc);
	return 0;
}

#endif
