/*
 * xmpp_link_probe: gateway/xmpp/xmpp_link.c alone in a tiny libevent loop, for
 * tests/interop/test_xmpp_link.py. It connects as a component, prints
 * what the link reports on stdout (one event per line) and obeys commands
 * read from stdin; the link's log goes to stderr.
 *
 *   xmpp_link_probe [-dR] [-f nfds] [-m min_ms] [-M max_ms] [-q max_queue]
 *       [-s max_stanza] host port component secret
 *
 * -R bypasses xmpp_link.c: a bare libstrophe component connection, without
 * our workarounds, sends one message. On libstrophe 0.12.2 it crashes
 * (component connections have no stream management state): the proof
 * that the workaround is still needed. It prints RAW-CONNECTED, then
 * RAW-SURVIVED if it did not crash.
 *
 * stdout: UP | DOWN | MSG {json} | PING tag ok | PINGSENT tag rc |
 *         SEND rc | FLOOD sent refused | STATUS ready queue pings maxfd |
 *         FDS opened highest | STOPPED | BYE
 * stdin:  send XML | ping TAG FROM TO TIMEOUT_MS | flood N FROM TO |
 *         status | stop | start | quit
 */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <strophe.h>

#include "config.h"
#include "log.h"
#include "log_libraries.h"
#include "xmpp_link.h"

struct probe {
	struct event_base	*base;
	struct xmpp_link	*link;
	struct evbuffer		*in;
	struct event		*ev_stdin;
	int			 highest_fd;
};

struct ping_tag {
	char	tag[64];
};

/* Prints s as a JSON string. */
static void
put_json(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* One "key": value pair of the MSG line. */
static void
put_field(const char *key, const char *value, int first)
{
	printf("%s\"%s\": ", first ? "" : ", ", key);
	put_json(value);
}

static void
up_cb(void *arg)
{
	(void)arg;
	printf("UP\n");
	fflush(stdout);
}

static void
down_cb(void *arg)
{
	(void)arg;
	printf("DOWN\n");
	fflush(stdout);
}

/* Every field of the parsed message, as JSON. */
static void
message_cb(void *arg, const struct xmpp_in_message *m)
{
	(void)arg;
	printf("MSG {");
	put_field("from", m->from, 1);
	put_field("to", m->to, 0);
	put_field("id", m->id, 0);
	put_field("type", m->type, 0);
	put_field("lang", m->lang, 0);
	put_field("body", m->body, 0);
	put_field("subject", m->subject, 0);
	put_field("thread", m->thread, 0);
	put_field("error_condition", m->error_condition, 0);
	put_field("error_type", m->error_type, 0);
	put_field("error_text", m->error_text, 0);
	put_field("error_gone_uri", m->error_gone_uri, 0);
	printf(", \"receipt\": %d, \"chat_state\": %d, \"other\": %d}\n",
	    m->has_receipt_request, m->has_chat_state, m->has_other_payload);
	fflush(stdout);
}

static void
ping_cb(void *arg, int ok)
{
	struct ping_tag *t = arg;

	printf("PING %s %d\n", t->tag, ok);
	fflush(stdout);
	free(t);
}

/* Sends n small messages at once, to see the queue limit push back. */
static void
flood(struct probe *pr, int n, const char *from, const char *to)
{
	char xml[1024];
	int sent = 0, refused = 0;

	for (int i = 0; i < n; i++) {
		snprintf(xml, sizeof(xml), "<message from='%s' to='%s' "
		    "id='flood-%d'><body>flood %d</body></message>", from, to,
		    i, i);
		if (xmpp_link_send(pr->link, xml, strlen(xml)) == 0)
			sent++;
		else
			refused++;
	}
	xmpp_link_flush(pr->link);
	printf("FLOOD %d %d\n", sent, refused);
}

/* One command line from the test. */
static void
command(struct probe *pr, char *line)
{
	char tag[64], from[256], to[256];
	struct ping_tag *t;
	int timeout, n, rc;

	if (strncmp(line, "send ", 5) == 0) {
		rc = xmpp_link_send(pr->link, line + 5, strlen(line + 5));
		xmpp_link_flush(pr->link);
		printf("SEND %d\n", rc);
	} else if (sscanf(line, "ping %63s %255s %255s %d", tag, from, to,
	    &timeout) == 4) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			abort();
		snprintf(t->tag, sizeof(t->tag), "%s", tag);
		rc = xmpp_link_ping(pr->link, from, to, timeout, ping_cb, t);
		if (rc != 0)
			free(t);
		xmpp_link_flush(pr->link);
		printf("PINGSENT %s %d\n", tag, rc);
	} else if (sscanf(line, "flood %d %255s %255s", &n, from, to) == 3) {
		flood(pr, n, from, to);
	} else if (strcmp(line, "status") == 0) {
		printf("STATUS %d %zu %zu %d\n", xmpp_link_is_ready(pr->link),
		    xmpp_link_queue_len(pr->link),
		    xmpp_link_pings_pending(pr->link), pr->highest_fd);
	} else if (strcmp(line, "stop") == 0) {
		xmpp_link_stop(pr->link);
		printf("STOPPED\n");
	} else if (strcmp(line, "start") == 0) {
		printf("START %d\n", xmpp_link_start(pr->link));
	} else if (strcmp(line, "quit") == 0) {
		event_base_loopbreak(pr->base);
	} else
		printf("ERROR unknown command\n");
	fflush(stdout);
}

/* Lines from stdin; end of file means quit. */
static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *pr = arg;
	char *line;
	size_t len;
	int n;

	(void)what;
	n = evbuffer_read(pr->in, fd, 65536);
	while ((line = evbuffer_readln(pr->in, &len, EVBUFFER_EOL_LF)) !=
	    NULL) {
		command(pr, line);
		free(line);
	}
	if (n <= 0)
		event_base_loopbreak(pr->base);
}

/*
 * Uses up descriptors until the next one would be >= nfds, the way a busy
 * gateway's SIP connections would, so the next socket lands above
 * select()'s FD_SETSIZE.
 */
static int
eat_fds(int nfds, int *highest)
{
	struct rlimit rl;
	int fd, opened = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur < (rlim_t)nfds + 64) {
		rl.rlim_cur = (rlim_t)nfds + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	for (;;) {
		if ((fd = open("/dev/null", O_RDONLY)) < 0)
			return -1;
		opened++;
		*highest = fd;
		if (fd >= nfds - 1)
			break;
	}
	return opened;
}

/* -R: what a naive libstrophe component does when it sends. */
static void
raw_conn_cb(xmpp_conn_t *conn, xmpp_conn_event_t ev, int err,
    xmpp_stream_error_t *se, void *arg)
{
	const char *to = arg;
	char xml[512];

	(void)err;
	(void)se;
	if (ev != XMPP_CONN_CONNECT)
		return;
	printf("RAW-CONNECTED\n");
	fflush(stdout);
	snprintf(xml, sizeof(xml), "<message from='%s' to='%s'><body>raw"
	    "</body></message>", xmpp_conn_get_jid(conn), to);
	xmpp_send_raw(conn, xml, strlen(xml));
}

static int
raw_demo(const char *host, int port, const char *component,
    const char *secret)
{
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;

	xmpp_initialize();
	ctx = xmpp_ctx_new(NULL, NULL);
	conn = xmpp_conn_new(ctx);
	xmpp_conn_set_jid(conn, component);
	xmpp_conn_set_pass(conn, secret);
	if (xmpp_connect_component(conn, host, (unsigned short)port,
	    raw_conn_cb, "nobody@invalid") != 0)
		return 1;
	for (int i = 0; i < 30; i++)
		xmpp_run_once(ctx, 100);
	printf("RAW-SURVIVED\n");
	fflush(stdout);
	xmpp_conn_release(conn);
	xmpp_ctx_free(ctx);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: xmpp_link_probe [-dR] [-f nfds] [-m min_ms] "
	    "[-M max_ms] [-q max_queue] [-s max_stanza] host port component "
	    "secret\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct xmpp_link_handlers h = {
		.up_cb = up_cb,
		.down_cb = down_cb,
		.message_cb = message_cb,
	};
	struct config cfg;
	struct probe pr;
	int ch, debug = 0, nfds = 0, opened = 0, raw = 0;

	memset(&cfg, 0, sizeof(cfg));
	memset(&pr, 0, sizeof(pr));
	cfg.path = "probe";
	cfg.xmpp_reconnect_min_ms = 200;
	cfg.xmpp_reconnect_max_ms = 2000;
	cfg.xmpp_max_send_queue = 10000;
	cfg.xmpp_max_stanza_bytes = 262144;
	while ((ch = getopt(argc, argv, "df:m:M:q:Rs:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			nfds = atoi(optarg);
			break;
		case 'm':
			cfg.xmpp_reconnect_min_ms = atoi(optarg);
			break;
		case 'M':
			cfg.xmpp_reconnect_max_ms = atoi(optarg);
			break;
		case 'q':
			cfg.xmpp_max_send_queue = atoi(optarg);
			break;
		case 'R':
			raw = 1;
			break;
		case 's':
			cfg.xmpp_max_stanza_bytes = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		usage();
	cfg.xmpp_host = argv[0];
	cfg.xmpp_port = atoi(argv[1]);
	cfg.xmpp_component = argv[2];
	cfg.xmpp_secret = argv[3];
	if (raw)
		return raw_demo(argv[0], cfg.xmpp_port, argv[2], argv[3]);

	log_init(1, debug ? LOG_DEBUG : LOG_INFO, "xmpp_link_probe");
	log_route_libraries();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((pr.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((pr.link = xmpp_link_new(pr.base, &cfg, &h, &pr)) == NULL)
		fatalx("xmpp_link_new");
	/* After xmpp_link_new(), as in sipxmppd: its reserve is low. */
	if (nfds > 0) {
		if ((opened = eat_fds(nfds, &pr.highest_fd)) < 0)
			fatal("cannot open %d descriptors", nfds);
		printf("FDS %d %d\n", opened, pr.highest_fd);
	}
	pr.in = evbuffer_new();
	pr.ev_stdin = event_new(pr.base, 0, EV_READ | EV_PERSIST, stdin_cb,
	    &pr);
	if (pr.in == NULL || pr.ev_stdin == NULL ||
	    event_add(pr.ev_stdin, NULL) != 0)
		fatalx("cannot read stdin");
	if (xmpp_link_start(pr.link) != 0)
		fatalx("xmpp_link_start");

	event_base_dispatch(pr.base);

	xmpp_link_stop(pr.link);
	xmpp_link_free(pr.link);
	event_free(pr.ev_stdin);
	evbuffer_free(pr.in);
	event_base_free(pr.base);
	printf("BYE\n");
	return 0;
}
