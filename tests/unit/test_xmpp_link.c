/*
 * The XMPP link against a scripted XEP-0114 server in the same event
 * loop: handshake, sends refused before it, the ping barrier, answers to
 * IQs, the size limit, disconnects, reconnection and a refused secret.
 * (Its pure half, the stanzas, is test_xmpp_link_stanza.c.)
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <strophe.h>

#include "caps.h"
#include "config.h"
#include "log.h"
#include "xmpp_link.h"

#include "xmpp_link_fixtures.h"

/* The scripted XEP-0114 server: its socket, what it got, what it does. */
struct fake {
	struct event_base	*base;
	struct evconnlistener	*lis;
	int			 port;
	struct bufferevent	*bev;
	char			*in;		/* bytes since the handshake */
	size_t			 in_len;
	int			 opened;
	int			 handshaken;
	int			 connections;
	int			 handshakes;
	int			 reject;	/* answer not-authorized */
	char			 secret[64];
};

struct events {
	int	up;
	int	down;
	int	messages;
	char	last_body[256];
	char	last_id[64];
	int	pings_ok;
	int	pings_failed;
	int	discos;
	int	last_is_room;
	char	last_disco[128];	/* "id from condition" */
};

static struct fake fk;
static struct events evs;

/* Appends what the server got after the handshake. */
static void
fake_keep(const char *data, size_t len)
{
	fk.in = realloc(fk.in, fk.in_len + len + 1);
	assert_non_null(fk.in);
	memcpy(fk.in + fk.in_len, data, len);
	fk.in_len += len;
	fk.in[fk.in_len] = '\0';
}

/* The server: stream header, then the handshake check, then records. */
static void
fake_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *input = bufferevent_get_input(bev);
	char *line, digest[64], *hex, *end;
	size_t len;

	(void)arg;
	len = evbuffer_get_length(input);
	line = malloc(len + 1);
	evbuffer_copyout(input, line, len);
	line[len] = '\0';
	if (!fk.opened) {
		char *s = strstr(line, "<stream:stream");

		if (s == NULL || strchr(s, '>') == NULL)
			goto out;
		evbuffer_drain(input, (size_t)(strchr(s, '>') + 1 - line));
		fk.opened = 1;
		bufferevent_write(bev, "<?xml version='1.0'?><stream:stream "
		    "xmlns='jabber:component:accept' xmlns:stream="
		    "'http://etherx.jabber.org/streams' id='s1d' "
		    "from='sip.test'>", strlen("<?xml version='1.0'?>"
		    "<stream:stream xmlns='jabber:component:accept' "
		    "xmlns:stream='http://etherx.jabber.org/streams' "
		    "id='s1d' from='sip.test'>"));
		goto out;
	}
	if (!fk.handshaken) {
		char *h = strstr(line, "<handshake"), *gt, *e;

		if (h == NULL || (e = strstr(h, "</handshake>")) == NULL)
			goto out;
		gt = strchr(h, '>');
		snprintf(digest, sizeof(digest), "%.*s", (int)(e - gt - 1),
		    gt + 1);
		evbuffer_drain(input, (size_t)(e + 12 - line));
		snprintf(line, len + 1, "s1d%s", fk.secret);
		hex = xmpp_sha1(sctx, (unsigned char *)line, strlen(line));
		if (fk.reject || strcmp(hex, digest) != 0) {
			const char *err = "<stream:error><not-authorized "
			    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
			    "</stream:error></stream:stream>";
			bufferevent_write(bev, err, strlen(err));
		} else {
			fk.handshaken = 1;
			fk.handshakes++;
			bufferevent_write(bev, "<handshake/>", 12);
		}
		xmpp_free(sctx, hex);
		goto out;
	}
	end = line + len;
	fake_keep(line, (size_t)(end - line));
	evbuffer_drain(input, len);
out:
	free(line);
}

static void
fake_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		if (fk.bev == bev)
			fk.bev = NULL;
	}
}

static void
fake_accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lis;
	(void)sa;
	(void)salen;
	(void)arg;
	if (fk.bev != NULL)
		bufferevent_free(fk.bev);
	fk.bev = bufferevent_socket_new(fk.base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fk.bev, fake_read_cb, NULL, fake_event_cb, NULL);
	bufferevent_enable(fk.bev, EV_READ | EV_WRITE);
	fk.opened = fk.handshaken = 0;
	fk.connections++;
	free(fk.in);
	fk.in = NULL;
	fk.in_len = 0;
}

/* The server sends raw text on the current connection. */
static void
fake_send(const char *xml)
{
	assert_non_null(fk.bev);
	bufferevent_write(fk.bev, xml, strlen(xml));
}

/* The server drops the current connection, as a crash would. */
static void
fake_drop(void)
{
	if (fk.bev != NULL) {
		bufferevent_free(fk.bev);
		fk.bev = NULL;
	}
}

static void
loop_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* A deadline for WAIT_FOR: sets *expired when ms have passed. */
static struct event *
deadline_new(int *expired, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *t = evtimer_new(fk.base, loop_timeout_cb, expired);

	evtimer_add(t, &tv);
	return t;
}

/* Runs the loop until cond holds; fails the test after ms. */
#define WAIT_FOR(cond, ms) do {						\
	int expired_ = 0;						\
	struct event *t_ = deadline_new(&expired_, (ms));		\
	while (!(cond) && !expired_)					\
		event_base_loop(fk.base, EVLOOP_ONCE);			\
	event_free(t_);							\
	if (!(cond))							\
		fail_msg("line %d: no '%s' within %d ms", __LINE__,	\
		    #cond, (ms));					\
} while (0)

static void
up_cb(void *arg)
{
	(void)arg;
	evs.up++;
}

static void
down_cb(void *arg)
{
	(void)arg;
	evs.down++;
}

static void
message_cb(void *arg, const struct xmpp_in_message *m)
{
	(void)arg;
	evs.messages++;
	snprintf(evs.last_body, sizeof(evs.last_body), "%s",
	    m->body != NULL ? m->body : "(null)");
	snprintf(evs.last_id, sizeof(evs.last_id), "%s",
	    m->id != NULL ? m->id : "(null)");
}

/* A disco#info answer or an iq error handed to the bridges. */
static void
disco_info_cb(void *arg, const struct xmpp_in_disco_info *d)
{
	(void)arg;
	evs.discos++;
	evs.last_is_room = d->is_room;
	snprintf(evs.last_disco, sizeof(evs.last_disco), "%s %s %s",
	    d->id != NULL ? d->id : "-", d->from != NULL ? d->from : "-",
	    d->error_condition != NULL ? d->error_condition : "-");
}

static void
ping_cb(void *arg, int ok)
{
	(void)arg;
	if (ok)
		evs.pings_ok++;
	else
		evs.pings_failed++;
}

static struct config lcfg;

static int
setup_fake(void **state)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	(void)state;
	memset(&fk, 0, sizeof(fk));
	memset(&evs, 0, sizeof(evs));
	snprintf(fk.secret, sizeof(fk.secret), "s3cret");
	fk.base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fk.lis = evconnlistener_new_bind(fk.base, fake_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (fk.lis == NULL)
		return -1;
	getsockname(evconnlistener_get_fd(fk.lis), (struct sockaddr *)&sin,
	    &slen);
	fk.port = ntohs(sin.sin_port);
	memset(&lcfg, 0, sizeof(lcfg));
	lcfg.path = "test";
	lcfg.xmpp_host = "127.0.0.1";
	lcfg.xmpp_port = fk.port;
	lcfg.xmpp_component = "sip.test";
	lcfg.xmpp_secret = "s3cret";
	lcfg.xmpp_reconnect_min_ms = 20;
	lcfg.xmpp_reconnect_max_ms = 400;
	lcfg.xmpp_max_send_queue = 100;
	lcfg.xmpp_max_stanza_bytes = 4096;
	return 0;
}

static int
teardown_fake(void **state)
{
	(void)state;
	fake_drop();
	evconnlistener_free(fk.lis);
	event_base_free(fk.base);
	free(fk.in);
	fk.in = NULL;
	return 0;
}

/* xmpp_link_send() of a C string. */
static int
send_str(struct xmpp_link *link, const char *xml)
{
	return xmpp_link_send(link, xml, strlen(xml));
}

/* The mapping, as the link sees it: romeo is the one contact. */
static int
contact_cb(void *arg, const char *bare_jid)
{
	(void)arg;
	return strcmp(bare_jid, "romeo@sip.test") == 0;
}

/* The jabber:iq:gateway prompt: one address known, one with markup. */
static char *
prompt_cb(void *arg, const char *address, const char **condition)
{
	(void)arg;
	if (strcmp(address, "sip:romeo@sip.test") == 0)
		return strdup("romeo@sip.test");
	if (strcmp(address, "sip:a&b@sip.test") == 0)
		return strdup("a&b@sip.test");
	*condition = strcmp(address, "bad") == 0 ? "jid-malformed" :
	    "item-not-found";
	return NULL;
}

static const struct xmpp_link_handlers handlers = {
	.up_cb = up_cb, .down_cb = down_cb, .message_cb = message_cb,
	.disco_info_cb = disco_info_cb, .contact_cb = contact_cb,
	.gateway_prompt_cb = prompt_cb,
};

/* Waits until the server has received text containing str. */
#define server_got(str)							\
	WAIT_FOR(fk.in != NULL && strstr(fk.in, (str)) != NULL, 2000)

/*
 * Handshake, no sends before it, a stanza each way, the ping barrier,
 * IQ answers, the size limit, then a dropped connection: pings fail,
 * down_cb, and the link comes back by itself.
 */
static void
test_link_lifecycle(void **state)
{
	struct xmpp_link *link;
	char big[6300], filler[6000], iq[256];

	(void)state;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_non_null(link);
	assert_int_equal(xmpp_link_start(link), 0);
	assert_false(xmpp_link_is_ready(link));
	assert_int_equal(send_str(link, "<message/>"), -1);
	assert_int_equal(xmpp_link_ping(link, "sip.test", "xmpp.test", 100,
	    ping_cb, NULL), -1);
	WAIT_FOR(evs.up == 1, 3000);
	assert_true(xmpp_link_is_ready(link));
	assert_string_equal(xmpp_link_domain(link), "sip.test");

	/* Out: exactly the bytes we gave. */
	assert_int_equal(send_str(link, "<message from='a@sip.test' "
	    "to='b@xmpp.test'><body>hi</body></message>"), 0);
	xmpp_link_flush(link);
	server_got("<body>hi</body></message>");

	/* In: parsed and handed over. */
	fake_send("<message from='b@xmpp.test' to='a@sip.test' id='m7'>"
	    "<body>hello</body></message>");
	WAIT_FOR(evs.messages == 1, 2000);
	assert_string_equal(evs.last_body, "hello");
	assert_string_equal(evs.last_id, "m7");

	/* The barrier: an error answer counts as passed, like a result. */
	assert_int_equal(xmpp_link_ping(link, "sip.test", "xmpp.test", 2000,
	    ping_cb, NULL), 0);
	assert_int_equal(xmpp_link_pings_pending(link), 1);
	server_got("<ping xmlns='urn:xmpp:ping'/></iq>");
	{
		char *id = strstr(fk.in, "id='sxp-"), reply[256];

		assert_non_null(id);
		/* Its id carries 96 random bits: 24 hex digits. */
		assert_int_equal(strchr(id + 4, '\'') - (id + 8), 24);
		/*
		 * The right id from anyone but the pinged domain is not an
		 * answer (a user of the domain, a resource of it, no from).
		 */
		snprintf(reply, sizeof(reply), "<iq type='result' from="
		    "'mallory@xmpp.test' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='result' from="
		    "'xmpp.test/x' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='result' "
		    "to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
		snprintf(reply, sizeof(reply), "<iq type='error' from="
		    "'xmpp.test' to='sip.test' %.*s/>",
		    (int)(strchr(id + 4, '\'') - id + 1), id);
		fake_send(reply);
	}
	WAIT_FOR(evs.pings_ok == 1, 2000);
	assert_int_equal(evs.pings_failed, 0);
	assert_int_equal(xmpp_link_pings_pending(link), 0);

	/* Nobody answers: ok=0 after the timeout. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 50, ping_cb,
	    NULL), 0);
	WAIT_FOR(evs.pings_failed == 1, 2000);

	/* IQs for us: ping answered, the rest service-unavailable. */
	fake_send("<iq type='get' id='q1' from='b@xmpp.test/r' "
	    "to='sip.test'><ping xmlns='urn:xmpp:ping'/></iq>");
	server_got("<iq from='sip.test' to='b@xmpp.test/r' "
	    "id='q1' type='result'/>");
	fake_send("<iq type='get' id='q2' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='http://jabber.org/protocol/"
	    "disco#info'/></iq>");
	server_got("<identity category='gateway' type='simple'");
	server_got("<feature var='jid\\20escaping'/>");
	fake_send("<iq type='set' id='q3' from='b@xmpp.test/r' "
	    "to='x@sip.test'><query xmlns='jabber:iq:roster'/></iq>");
	server_got("<iq from='x@sip.test' to='b@xmpp.test/r' "
	    "id='q3' type='error'><error type='cancel'><service-unavailable");
	/* A contact: ping and disco#info answered, node#ver mirrored. */
	fake_send("<iq type='get' id='c1' from='b@xmpp.test/r' "
	    "to='romeo@sip.test/desk'><ping xmlns='urn:xmpp:ping'/></iq>");
	server_got("<iq from='romeo@sip.test/desk' to='b@xmpp.test/r' "
	    "id='c1' type='result'/>");
	snprintf(iq, sizeof(iq), "<iq type='get' id='c2' from="
	    "'b@xmpp.test/r' to='romeo@sip.test'><query xmlns='http://"
	    "jabber.org/protocol/disco#info' node='%s#%s'/></iq>", CAPS_NODE,
	    caps_contact_ver());
	fake_send(iq);
	server_got("id='c2' type='result'><query xmlns='http://jabber.org/"
	    "protocol/disco#info' node='" CAPS_NODE "#");
	server_got("<feature var='urn:xmpp:receipts'/>");
	/* Not a contact: disco item-not-found, ping service-unavailable. */
	fake_send("<iq type='get' id='c3' from='b@xmpp.test/r' "
	    "to='nobody@sip.test'><query xmlns='http://jabber.org/protocol/"
	    "disco#info'/></iq>");
	server_got("id='c3' type='error'><error type='cancel'>"
	    "<item-not-found");
	fake_send("<iq type='get' id='c4' from='b@xmpp.test/r' "
	    "to='nobody@sip.test'><ping xmlns='urn:xmpp:ping'/></iq>");
	server_got("id='c4' type='error'><error type='cancel'>"
	    "<service-unavailable");
	/* XEP-0100 jabber:iq:gateway: prompt, JID (escaped), refusals. */
	fake_send("<iq type='get' id='g1' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='jabber:iq:gateway'/></iq>");
	server_got("id='g1' type='result'><query xmlns='jabber:iq:gateway'>"
	    "<desc>");
	fake_send("<iq type='set' id='g2' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='jabber:iq:gateway'><prompt>"
	    "sip:a&amp;b@sip.test</prompt></query></iq>");
	server_got("id='g2' type='result'><query xmlns='jabber:iq:gateway'>"
	    "<jid>a&amp;b@sip.test</jid></query>");
	fake_send("<iq type='set' id='g3' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='jabber:iq:gateway'><prompt>"
	    "bad</prompt></query></iq>");
	server_got("id='g3' type='error'><error type='modify'>"
	    "<jid-malformed");
	fake_send("<iq type='set' id='g4' from='b@xmpp.test/r' "
	    "to='sip.test'><query xmlns='jabber:iq:gateway'/></iq>");
	server_got("id='g4' type='error'><error type='modify'>"
	    "<bad-request");
	/* Results nobody asked for are not answered (no loops). */
	fake_send("<iq type='result' id='zz' from='b@xmpp.test/r' "
	    "to='sip.test'/>");
	/*
	 * disco#info answers and iq errors go to the bridges (is it a room,
	 * XEP-0045 §6.4); the other results above and the pings' answers
	 * did not.
	 */
	fake_send("<iq type='result' id='d1' from='devs@muc.xmpp.test' "
	    "to='x@sip.test'><query xmlns='http://jabber.org/protocol/"
	    "disco#info'><identity category='conference' type='text'/>"
	    "</query></iq>");
	WAIT_FOR(evs.discos == 1, 2000);
	assert_string_equal(evs.last_disco, "d1 devs@muc.xmpp.test -");
	assert_true(evs.last_is_room);
	fake_send("<iq type='error' id='d2' from='nosuch@muc.xmpp.test' "
	    "to='x@sip.test'><error type='cancel'><item-not-found xmlns="
	    "'urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
	WAIT_FOR(evs.discos == 2, 2000);
	assert_string_equal(evs.last_disco,
	    "d2 nosuch@muc.xmpp.test item-not-found");
	assert_false(evs.last_is_room);

	/* Too large: refused with policy-violation, not delivered. */
	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(big, sizeof(big), "<message from='b@xmpp.test/r' "
	    "to='c@sip.test' id='big'><body>%s</body></message>", filler);
	fake_send(big);
	server_got("<message from='c@sip.test' to='b@xmpp.test/r'"
	    " id='big' type='error'><error type='modify'><policy-violation");
	assert_int_equal(evs.messages, 1);
	/* ... but an error stanza is never answered with an error. */
	snprintf(big, sizeof(big), "<message from='b@xmpp.test/r' "
	    "to='c@sip.test' id='big2' type='error'><body>%s</body>"
	    "</message>", filler);
	fake_send(big);
	fake_send("<message from='b@xmpp.test' to='a@sip.test' id='m8'>"
	    "<body>after</body></message>");
	WAIT_FOR(evs.messages == 2, 2000);
	assert_string_equal(evs.last_id, "m8");
	assert_null(strstr(fk.in, "id='big2'"));
	/* A too large disco#info answer is dropped, never answered. */
	snprintf(big, sizeof(big), "<iq type='result' id='d3' "
	    "from='r@muc.xmpp.test' to='x@sip.test'><query xmlns='http://"
	    "jabber.org/protocol/disco#info'><identity category='conference' "
	    "type='text' name='%s'/></query></iq>", filler);
	fake_send(big);
	fake_send("<message from='b@xmpp.test' to='a@sip.test' id='m9'>"
	    "<body>after</body></message>");
	WAIT_FOR(evs.messages == 3, 2000);
	assert_int_equal(evs.discos, 2);
	assert_null(strstr(fk.in, "id='d3'"));

	/* The server goes away with a ping in flight. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 5000,
	    ping_cb, NULL), 0);
	fake_drop();
	WAIT_FOR(evs.down == 1, 2000);
	assert_int_equal(evs.pings_failed, 2);
	assert_false(xmpp_link_is_ready(link));
	assert_int_equal(send_str(link, "<message/>"), -1);

	/* It reconnects by itself, and sending works again. */
	WAIT_FOR(evs.up == 2, 3000);
	assert_int_equal(fk.handshakes, 2);
	assert_int_equal(send_str(link, "<message from='a@sip.test' "
	    "to='b@xmpp.test'><body>again</body></message>"), 0);
	server_got("<body>again</body>");

	/* Stop: </stream:stream>, pings fail, no down_cb, nothing sent. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 5000,
	    ping_cb, NULL), 0);
	xmpp_link_stop(link);
	assert_int_equal(evs.pings_failed, 3);
	assert_int_equal(evs.down, 1);
	assert_false(xmpp_link_is_ready(link));
	server_got("</stream:stream>");

	/* Started again while the old stream still closes: it comes back. */
	assert_int_equal(xmpp_link_start(link), 0);
	fake_send("</stream:stream>");
	WAIT_FOR(evs.up == 3, 3000);
	assert_int_equal(fk.handshakes, 3);
	assert_int_equal(evs.down, 1);
	xmpp_link_free(link);
}

/* A full send queue pushes back instead of growing without bound. */
static void
test_link_queue_limit(void **state)
{
	struct xmpp_link *link;
	const char *m = "<message from='a@sip.test' to='b@xmpp.test'/>";
	int sent = 0;

	(void)state;
	lcfg.xmpp_max_send_queue = 5;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_int_equal(xmpp_link_start(link), 0);
	WAIT_FOR(evs.up == 1, 3000);
	for (int i = 0; i < 10; i++)
		if (xmpp_link_send(link, m, strlen(m)) == 0)
			sent++;
	assert_int_equal(sent, 5);
	assert_int_equal(xmpp_link_queue_len(link), 5);
	/* Pings vouch for what is queued: they are not refused. */
	assert_int_equal(xmpp_link_ping(link, NULL, "xmpp.test", 1000,
	    ping_cb, NULL), 0);
	WAIT_FOR(xmpp_link_queue_len(link) == 0, 2000);
	assert_int_equal(xmpp_link_send(link, m, strlen(m)), 0);
	/*
	 * Errors have room of their own: with the queue full of ordinary
	 * stanzas, 64 (the least reserve) still go; the next one is counted.
	 */
	while (xmpp_link_send(link, m, strlen(m)) == 0)
		;
	sent = 0;
	for (int i = 0; i < 70; i++)
		if (xmpp_link_send_error(link, m, strlen(m), "test") == 0)
			sent++;
	assert_int_equal(sent, 64);
	assert_int_equal(xmpp_link_errors_dropped(link), 6);
	xmpp_link_free(link);
	assert_int_equal(evs.pings_failed, 1);	/* freed while pending */
}

/* A refused secret: no up, and retries wait reconnect_max_ms / 2 .. max. */
static void
test_link_bad_secret(void **state)
{
	struct xmpp_link *link;
	struct timespec t0, t1;
	long ms;

	(void)state;
	fk.reject = 1;
	lcfg.xmpp_reconnect_max_ms = 300;
	link = xmpp_link_new(fk.base, &lcfg, &handlers, NULL);
	assert_int_equal(xmpp_link_start(link), 0);
	WAIT_FOR(fk.connections == 1 && fk.bev == NULL, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	WAIT_FOR(fk.connections == 2, 2000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	assert_true(ms >= 140);
	assert_int_equal(evs.up, 0);
	assert_int_equal(evs.down, 0);
	/* The secret is fixed (SIGHUP): the next attempt succeeds. */
	fk.reject = 0;
	WAIT_FOR(evs.up == 1, 2000);
	xmpp_link_free(link);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_lifecycle,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_link_queue_limit,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_link_bad_secret,
		    setup_fake, teardown_fake),
	};

	log_init(1, getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_CRIT,
	    "test_xmpp_link");
	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
