/*
 * How much of a SIP TCP connection one readable event takes (sip_tcp.c).
 * libevent 2.1 reads 4 KiB an event; the gateway used to frame only that,
 * about 15 responses a loop turn, so under XMPP -> SIP load a proxy's 200s
 * fell behind the component link and max_pending refused messages the
 * proxy had answered (contrib/bench/README.md, "SIP over TCP and TLS").
 * Here a peer writes 100 responses (about 26 KB) at once and a single
 * turn of the loop must hand up all of them.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "config.h"
#include "sip_frame.h"
#include "sip_transport.h"

#define N_RESPONSES	100

struct seen {
	int	 ok;		/* whole messages handed up */
	int	 other;		/* anything else */
};

/* Counts what the transport hands up. */
static void
recv_cb(void *arg, const char *buf, size_t len, const struct sip_peer *from,
    int frame)
{
	struct seen *s = arg;

	(void)buf;
	(void)len;
	(void)from;
	if (frame == SIP_FRAME_OK)
		s->ok++;
	else
		s->other++;
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A connected client socket to 127.0.0.1:port. */
static int
connect_to(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* One turn of the loop takes every response a peer wrote at once. */
static void
one_turn_takes_a_burst(void **state)
{
	struct config cfg;
	struct event_base *base;
	struct sip_transport *t;
	struct seen seen = { 0, 0 };
	char *burst, one[512];
	size_t len = 0;
	const char *host;
	int port, fd, n;

	(void)state;
	config_init_defaults(&cfg);
	cfg.n_listen = 1;
	cfg.listen[0].transport = IPPROTO_TCP;
	snprintf(cfg.listen[0].host, sizeof(cfg.listen[0].host), "127.0.0.1");
	cfg.listen[0].port = free_port();
	assert_non_null(base = event_base_new());
	assert_non_null(t = sip_transport_new(base, &cfg, recv_cb, &seen));
	assert_int_equal(sip_transport_listen(t), 0);
	assert_int_equal(sip_transport_local(t, IPPROTO_TCP, AF_INET, &host,
	    &port), 0);
	fd = connect_to(port);
	/* The accept. */
	for (int i = 0; i < 100 && sip_transport_connections(t) == 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(sip_transport_connections(t), 1);

	burst = malloc(N_RESPONSES * sizeof(one));
	assert_non_null(burst);
	for (int i = 0; i < N_RESPONSES; i++) {
		n = snprintf(one, sizeof(one), "SIP/2.0 200 OK\r\n"
		    "Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKburst%d\r\n"
		    "From: <sip:x%d@xmpp.test>;tag=f%d\r\n"
		    "To: <sip:u%d@sip.test>;tag=bench\r\n"
		    "Call-ID: burst-%d@test\r\nCSeq: 1 MESSAGE\r\n"
		    "Content-Length: 0\r\n\r\n", port, i, i, i, i, i);
		memcpy(burst + len, one, (size_t)n);
		len += (size_t)n;
	}
	assert_true(len > 4 * 4096);
	assert_int_equal(send(fd, burst, len, 0), (ssize_t)len);
	free(burst);
	/* Until all of it waits in the gateway's socket (loopback: at once). */
	{
		struct pollfd p = { fd, POLLOUT, 0 };
		int outq;

		for (int i = 0; i < 100; i++) {
			assert_int_equal(poll(&p, 1, 10), 1);
			if (ioctl(fd, TIOCOUTQ, &outq) == 0 && outq == 0)
				break;
		}
	}
	/* One turn: the readable event, and whatever it reads. */
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(seen.other, 0);
	assert_int_equal(seen.ok, N_RESPONSES);

	close(fd);
	sip_transport_free(t);
	event_base_free(base);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_turn_takes_a_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
