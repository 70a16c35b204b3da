/*
 * The SIP user agents of the bench, on UDP (over TCP or TLS, the same
 * agents with bench_sip_stream.c carrying their messages).
 *
 * UAC: sends pager-mode MESSAGEs (RFC 3428) to the gateway, one socket,
 * and matches each final response to its message by Call-ID, which
 * carries the message's sequence number. No retransmission: a datagram
 * the gateway did not take is a loss the bench must show, not hide.
 *
 * UAS: the gateway's outbound proxy. It answers every request it gets
 * with 200 (RFC 3261 §8.2.6: Via, From, To with a tag, Call-ID and CSeq
 * copied) and tells the scenario which message arrived (seq= in the
 * body). Retransmissions are answered again; the scenario dedups. For
 * the presence scenarios it also sends requests of the scenario's making
 * (SUBSCRIBE, NOTIFY) from the same socket, so the gateway's answers to
 * them, and its in-dialog requests, all come back to it.
 *
 * Datagrams go out and come in by batches (sendmmsg, recvmmsg) so that
 * the bench's own cost per message stays small next to the gateway's.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"
#include "bench_sip_int.h"

#define RX_SLOT		8192		/* one datagram we read */
#define READ_ROUNDS	16		/* batches per wake-up, then yield */
#define SOCK_BUF	(8 * 1024 * 1024)

/* A UDP socket on 127.0.0.1:want (0: any) with large buffers. */
static int
udp_socket(int want, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, size = SOCK_BUF;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	/* Beyond rmem_max only as root; else the kernel caps it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
	    sizeof(size)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size,
		    sizeof(size));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)want);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Sends what is batched; datagrams the kernel refuses are counted. */
static void
batch_flush(struct sip_end *s, struct batch *b)
{
	int done = 0, r;

	while (done < b->n) {
		r = sendmmsg(b->fd, b->m + done, (unsigned int)(b->n - done),
		    0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* ECONNREFUSED (nobody there yet), ENOBUFS... */
			s->st.send_errors++;
			done++;
			continue;
		}
		done += r;
	}
	b->n = 0;
}

/* A free slot of the batch (flushing it when full). */
static char *
batch_slot(struct sip_end *s, struct batch *b)
{
	if (b->n == BATCH)
		batch_flush(s, b);
	return b->buf + (size_t)b->n * SLOT;
}

/* Commits the slot just written: len bytes to to. */
static void
batch_commit(struct batch *b, size_t len, const struct sockaddr_in *to)
{
	int i = b->n++;

	b->to[i] = *to;
	b->iov[i].iov_base = b->buf + (size_t)i * SLOT;
	b->iov[i].iov_len = len;
	memset(&b->m[i], 0, sizeof(b->m[i]));
	b->m[i].msg_hdr.msg_iov = &b->iov[i];
	b->m[i].msg_hdr.msg_iovlen = 1;
	b->m[i].msg_hdr.msg_name = &b->to[i];
	b->m[i].msg_hdr.msg_namelen = sizeof(b->to[i]);
}

/* Whether line[0..len) is header name (or its compact form) and ':'. */
static int
header_is(const char *line, size_t len, const char *name,
    const char *compact, const char **value, size_t *vlen)
{
	size_t i = 0, n;

	while (i < len && line[i] != ':' && line[i] != ' ' && line[i] != '\t')
		i++;
	n = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] != ':')
		return 0;
	if (!((n == strlen(name) && strncasecmp(line, name, n) == 0) ||
	    (compact != NULL && n == strlen(compact) &&
	    strncasecmp(line, compact, n) == 0)))
		return 0;
	i++;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*value = line + i;
	*vlen = len - i;
	return 1;
}

/*
 * Splits a datagram into start line, header lines (without CRLF) and
 * body; -1 when it is no SIP message at all.
 */
static int
msg_parse(struct sip_msg *m, const char *data, size_t len)
{
	size_t p, e;

	memset(m, 0, sizeof(*m));
	m->data = data;
	m->len = len;
	if (len < 12)
		return -1;
	if (memcmp(data, "SIP/2.0 ", 8) == 0) {
		if (!isdigit((unsigned char)data[8]) ||
		    !isdigit((unsigned char)data[9]) ||
		    !isdigit((unsigned char)data[10]))
			return -1;
		m->status = (data[8] - '0') * 100 + (data[9] - '0') * 10 +
		    (data[10] - '0');
	} else {
		const char *sp = memchr(data, ' ', len < 32 ? len : 32);
		const char *sp2;

		if (sp == NULL || sp == data)
			return -1;
		m->method = data;
		m->method_len = (size_t)(sp - data);
		sp2 = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data));
		if (sp2 == NULL)
			return -1;
		m->uri = sp + 1;
		m->uri_len = (size_t)(sp2 - sp - 1);
	}
	p = 0;
	while (p < len && data[p] != '\n')
		p++;
	p++;
	m->body = data + len;
	while (p < len) {
		e = p;
		while (e < len && data[e] != '\n')
			e++;
		if (e == p || (e == p + 1 && data[p] == '\r')) {
			if (e + 1 < len) {
				m->body = data + e + 1;
				m->body_len = len - e - 1;
			}
			break;
		}
		if (m->n_lines < SIP_MSG_MAX_LINES) {
			m->lines[m->n_lines] = data + p;
			m->lens[m->n_lines] = e - p -
			    (e > p && data[e - 1] == '\r');
			m->n_lines++;
		}
		p = e + 1;
	}
	return 0;
}

/* The value of the first header called name (or compact); -1 if none. */
int
sip_msg_header(const struct sip_msg *m, const char *name,
    const char *compact, const char **value, size_t *vlen)
{
	for (size_t i = 0; i < m->n_lines; i++)
		if (header_is(m->lines[i], m->lens[i], name, compact, value,
		    vlen))
			return 0;
	return -1;
}

/* Whether m is a request with that method. */
int
sip_msg_is(const struct sip_msg *m, const char *method)
{
	size_t n = strlen(method);

	return m->status == 0 && m->method_len == n &&
	    memcmp(m->method, method, n) == 0;
}

/* A response to one of our MESSAGEs. */
void
sip_uac_input(struct sip_end *s, const char *msg, size_t len)
{
	struct sip_msg m;
	const char *v;
	size_t vlen;
	uint64_t seq = 0;
	int kind = -1;

	if (msg_parse(&m, msg, len) != 0 || m.status == 0) {
		s->st.unparsed_in++;
		return;
	}
	if (m.status < 200)
		return;
	/* L<run>-<seq>@bench or P<run>-<seq>@bench */
	if (sip_msg_header(&m, "Call-ID", "i", &v, &vlen) == 0 &&
	    vlen > 10 && (v[0] == 'L' || v[0] == 'P') &&
	    memcmp(v + 1, s->run, 8) == 0 && v[9] == '-') {
		const char *p = v + 10, *end = v + vlen;

		for (; p < end && isdigit((unsigned char)*p); p++)
			seq = seq * 10 + (uint64_t)(*p - '0');
		kind = v[0] == 'L' ? SIP_CALL_LOAD : SIP_CALL_PROBE;
	}
	s->st.responses_in++;
	if (kind < 0) {
		s->st.unparsed_in++;
		return;
	}
	if (s->h.response_cb != NULL)
		s->h.response_cb(s->arg, (enum sip_call_kind)kind, seq,
		    m.status);
}

/* Appends a copied header line to a response being built. */
static size_t
append(char *out, size_t off, size_t size, const char *s, size_t n)
{
	if (off + n > size)
		return size + 1;
	memcpy(out + off, s, n);
	return off + n;
}

/*
 * A message at the UAS: a request is answered (over UDP to from, else on
 * the connection it came on, RFC 3261 §18.2.2), then the scenario hears
 * of it; a response (to a request of the scenario's) goes to the
 * scenario as it is.
 */
void
sip_uas_input(struct sip_end *s, const char *msg, size_t len,
    const struct sockaddr_in *from, struct sconn *conn)
{
	struct sip_msg m;
	const char *v;
	size_t vlen, off = 0;
	char *out, reason[64], extra[1024];
	uint64_t seq = 0;
	int is_message, status = 200, has_seq;

	if (msg_parse(&m, msg, len) != 0) {
		s->st.unparsed_in++;
		return;
	}
	if (m.status != 0) {
		s->st.responses_in++;
		if (s->h.uas_response_cb != NULL)
			s->h.uas_response_cb(s->arg, &m);
		else
			s->st.unparsed_in++;
		return;
	}
	s->st.requests_in++;
	if (sip_msg_is(&m, "ACK"))
		return;
	is_message = sip_msg_is(&m, "MESSAGE");
	extra[0] = '\0';
	if (!is_message && s->h.request_cb != NULL &&
	    (status = s->h.request_cb(s->arg, &m, extra, sizeof(extra))) == 0)
		status = 200;
	out = conn != NULL ? s->scratch : batch_slot(s, &s->uas_out);
	snprintf(reason, sizeof(reason), "SIP/2.0 %d %s\r\n", status,
	    status == 200 ? "OK" : "Bench");
	off = append(out, off, SLOT, reason, strlen(reason));
	for (size_t i = 0; i < m.n_lines; i++) {
		const char *line = m.lines[i];
		size_t ll = m.lens[i];
		int is_to = 0;

		if (!header_is(line, ll, "Via", "v", &v, &vlen) &&
		    !header_is(line, ll, "From", "f", &v, &vlen) &&
		    !(is_to = header_is(line, ll, "To", "t", &v, &vlen)) &&
		    !header_is(line, ll, "Call-ID", "i", &v, &vlen) &&
		    !header_is(line, ll, "CSeq", NULL, &v, &vlen))
			continue;
		off = append(out, off, SLOT, line, ll);
		/* RFC 3261 §8.2.6.2: a To tag of our own. */
		if (is_to && memmem(v, vlen, "tag=", 4) == NULL)
			off = append(out, off, SLOT, ";tag=" SIP_END_TAG,
			    5 + strlen(SIP_END_TAG));
		off = append(out, off, SLOT, "\r\n", 2);
	}
	off = append(out, off, SLOT, extra, strlen(extra));
	off = append(out, off, SLOT, "Content-Length: 0\r\n\r\n", 21);
	if (off <= SLOT && conn != NULL)
		(void)sconn_write(conn, out, off);
	else if (off <= SLOT)
		batch_commit(&s->uas_out, off, from);
	s->st.responses_out++;
	if (s->h.request_done_cb != NULL && !is_message)
		s->h.request_done_cb(s->arg, &m, status);
	if (is_message && s->h.message_msg_cb != NULL)
		s->h.message_msg_cb(s->arg, &m);
	if (is_message && s->h.message_cb != NULL) {
		has_seq = m.body_len > 0 &&
		    bench_find_seq(m.body, m.body_len, &seq) == 0;
		s->h.message_cb(s->arg, seq, has_seq);
	}
}

/* Reads what arrived on one of our sockets, in batches. */
static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_end *s = arg;
	struct rxring *rx = &s->rx;
	int uas = fd == s->uas_fd, r;

	(void)what;
	for (int round = 0; round < READ_ROUNDS; round++) {
		for (int i = 0; i < BATCH; i++) {
			rx->iov[i].iov_base = rx->buf + (size_t)i * RX_SLOT;
			rx->iov[i].iov_len = RX_SLOT - 1;
			memset(&rx->m[i].msg_hdr, 0, sizeof(rx->m[i].msg_hdr));
			rx->m[i].msg_hdr.msg_iov = &rx->iov[i];
			rx->m[i].msg_hdr.msg_iovlen = 1;
			rx->m[i].msg_hdr.msg_name = &rx->from[i];
			rx->m[i].msg_hdr.msg_namelen = sizeof(rx->from[i]);
		}
		r = recvmmsg(fd, rx->m, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			break;
		for (int i = 0; i < r; i++) {
			char *d = rx->buf + (size_t)i * RX_SLOT;
			size_t n = rx->m[i].msg_len;

			d[n] = '\0';
			if (uas)
				sip_uas_input(s, d, n, &rx->from[i], NULL);
			else
				sip_uac_input(s, d, n);
		}
		if (r < BATCH)
			break;
	}
	/* Answers to this batch leave together. */
	batch_flush(s, &s->uas_out);
	if (!uas)
		batch_flush(s, &s->uac_out);
}

/* The name of a transport, as in a Via (lower case) and our options. */
const char *
sip_transport_name(enum sip_transport tp)
{
	return tp == SIP_TLS ? "tls" : tp == SIP_TCP ? "tcp" : "udp";
}

/*
 * Opens the UAC and UAS sockets; the UAS on uas_port (0: any). Over TCP
 * or TLS (bench_sip_stream.c) the UAS is a listener and the UAC connects
 * when it first sends; TLS takes the PKI of tls_dir (bench_tls.c).
 */
struct sip_end *
sip_end_new(struct event_base *base, int uas_port, enum sip_transport tp,
    const char *tls_dir, const struct sip_end_handlers *h, void *arg)
{
	struct sip_end *s = xcalloc(1, sizeof(*s));

	s->base = base;
	s->tp = tp;
	s->uac_fd = s->uas_fd = -1;
	if (h != NULL)
		s->h = *h;
	s->arg = arg;
	for (int i = 0; i < 8; i++)
		s->run[i] = "0123456789abcdef"[arc4random() & 15];
	s->scratch = xcalloc(1, SLOT);
	if (tp != SIP_UDP) {
		if (sip_stream_open(s, uas_port, tls_dir) != 0) {
			sip_end_free(s);
			return NULL;
		}
		return s;
	}
	s->uac_out.buf = xcalloc(BATCH, SLOT);
	s->uas_out.buf = xcalloc(BATCH, SLOT);
	s->rx.buf = xcalloc(BATCH, RX_SLOT);
	s->uac_fd = udp_socket(0, &s->uac_port);
	s->uas_fd = udp_socket(uas_port, &s->uas_port);
	if (s->uac_fd < 0 || s->uas_fd < 0)
		goto fail;
	s->uac_out.fd = s->uac_fd;
	s->uas_out.fd = s->uas_fd;
	s->uac_ev = event_new(base, s->uac_fd, EV_READ | EV_PERSIST, read_cb,
	    s);
	s->uas_ev = event_new(base, s->uas_fd, EV_READ | EV_PERSIST, read_cb,
	    s);
	if (s->uac_ev == NULL || s->uas_ev == NULL ||
	    event_add(s->uac_ev, NULL) != 0 || event_add(s->uas_ev, NULL) != 0)
		goto fail;
	return s;
fail:
	bench_warnx("sip: cannot open UDP sockets: %s", strerror(errno));
	sip_end_free(s);
	return NULL;
}

/* The port the gateway must use as its outbound proxy. */
int
sip_end_uas_port(const struct sip_end *s)
{
	return s->uas_port;
}

/* Where MESSAGEs go: the gateway's UDP listener on 127.0.0.1. */
int
sip_end_set_target(struct sip_end *s, int port)
{
	memset(&s->target, 0, sizeof(s->target));
	s->target.sin_family = AF_INET;
	s->target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->target.sin_port = htons((uint16_t)port);
	s->have_target = 1;
	return 0;
}

/*
 * Queues one MESSAGE from sip:from_user@sip.test to
 * sip:to_user@bench.test (or sip:to_user, when it names its domain: a
 * room) with a body of body_size bytes holding seq=N.
 */
int
sip_end_send_message(struct sip_end *s, enum sip_call_kind kind,
    uint64_t seq, const char *from_user, const char *to_user,
    size_t body_size)
{
	char *out, body[2048], branch[COLLIDE_LEN + 32];
	char k = kind == SIP_CALL_LOAD ? 'L' : 'P';
	const char *dom;
	int bl, n;

	if (!s->have_target || (s->tp != SIP_UDP && sip_stream_uac(s) != 0))
		return -1;
	/* The Via branch: the run's prefix, then seq or the chosen tail. */
	n = snprintf(branch, sizeof(branch), "z9hG4bK%c%s", k, s->run);
	if (kind != SIP_CALL_LOAD || s->branches == BRANCH_PLAIN)
		snprintf(branch + n, sizeof(branch) - (size_t)n, "%" PRIu64,
		    seq);
	else
		collide_branch(s->collide, s->branches == BRANCH_RANDOM, seq,
		    branch + n);
	/* Probes say probe=, so no scenario counts them as its traffic. */
	bl = snprintf(body, sizeof(body), "%s=%" PRIu64 " ",
	    kind == SIP_CALL_LOAD ? "seq" : "probe", seq);
	if (body_size >= sizeof(body))
		body_size = sizeof(body) - 1;
	while ((size_t)bl < body_size)
		body[bl++] = 'x';
	out = s->tp != SIP_UDP ? s->scratch : batch_slot(s, &s->uac_out);
	/* A to_user with its domain (a room's URI) keeps it. */
	dom = strchr(to_user, '@') != NULL ? "" : "@" BENCH_XMPP_DOMAIN;
	n = snprintf(out, SLOT,
	    "MESSAGE sip:%s%s SIP/2.0\r\n"
	    "Via: SIP/2.0/%s 127.0.0.1:%d;branch=%s;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:%s@" BENCH_SIP_DOMAIN ">;tag=%s%" PRIu64 "\r\n"
	    "To: <sip:%s%s>\r\n"
	    "Call-ID: %c%s-%" PRIu64 "@bench\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "Content-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: %d\r\n\r\n%.*s",
	    to_user, dom, s->tp == SIP_TLS ? "TLS" : s->tp == SIP_TCP ?
	    "TCP" : "UDP", s->uac_port, branch, from_user, s->run, seq,
	    to_user, dom, k, s->run, seq, bl, bl, body);
	if (n < 0 || n >= SLOT)
		return -1;
	if (s->tp != SIP_UDP) {
		if (sconn_write(s->uac_conn, out, (size_t)n) != 0)
			return -1;
	} else
		batch_commit(&s->uac_out, (size_t)n, &s->target);
	s->st.requests_out++;
	return 0;
}

/*
 * How the load's MESSAGEs make their Via branches. For the flooding
 * scenarios the colliding blocks are computed here, once, from the
 * prefix every load branch has ("z9hG4bKL" and the run). -1 if that
 * fails.
 */
int
sip_end_set_branches(struct sip_end *s, enum branch_mode mode)
{
	char prefix[32];

	s->branches = mode;
	if (mode == BRANCH_PLAIN || s->collide != NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "z9hG4bKL%s", s->run);
	return (s->collide = collide_new(prefix)) != NULL ? 0 : -1;
}

/*
 * Queues a request the scenario built (CRLFs and Content-Length its own)
 * from the UAS socket to the gateway; answers come to uas_response_cb.
 */
int
sip_end_send_raw(struct sip_end *s, const char *msg, size_t len)
{
	char *out;

	/* The presence scenarios' requests: UDP only. */
	if (!s->have_target || len > SLOT || s->tp != SIP_UDP)
		return -1;
	out = batch_slot(s, &s->uas_out);
	memcpy(out, msg, len);
	batch_commit(&s->uas_out, len, &s->target);
	s->st.requests_out++;
	return 0;
}

/* Sends everything queued. */
void
sip_end_flush(struct sip_end *s)
{
	if (s->tp != SIP_UDP) {
		sip_stream_flush(s);
		return;
	}
	batch_flush(s, &s->uac_out);
	batch_flush(s, &s->uas_out);
}

/* Counters. */
const struct sip_end_stats *
sip_end_stats(const struct sip_end *s)
{
	return &s->st;
}

/* Why the last TCP or TLS connection failed ("" if none did). */
const char *
sip_end_error(const struct sip_end *s)
{
	return s->error;
}

/* Closes the sockets. */
void
sip_end_free(struct sip_end *s)
{
	if (s == NULL)
		return;
	if (s->uac_ev != NULL)
		event_free(s->uac_ev);
	if (s->uas_ev != NULL)
		event_free(s->uas_ev);
	if (s->uac_fd >= 0)
		close(s->uac_fd);
	if (s->uas_fd >= 0)
		close(s->uas_fd);
	free(s->uac_out.buf);
	free(s->uas_out.buf);
	free(s->rx.buf);
	sip_stream_close(s);
	free(s->scratch);
	collide_free(s->collide);
	free(s);
}
