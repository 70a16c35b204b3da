/*
 * sipxmpp-bench: a load generator that plays every peer of sipxmppd (the
 * SIP user agents, on UDP, TCP or TLS, and the XMPP server end of the
 * XEP-0114 link) so that the gateway is the only thing measured. One
 * libevent loop, no threads: the bench reports its own CPU cost per
 * message, so whether it is the bottleneck is shown, not assumed.
 *
 * Prototypes are grouped by the file that defines them.
 */
#ifndef SIPXMPP_BENCH_H
#define SIPXMPP_BENCH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct event_base;

#define BENCH_COMPONENT		"sip.test"	/* the gateway's XMPP domain */
#define BENCH_XMPP_DOMAIN	"bench.test"	/* the XMPP users' domain */
#define BENCH_SIP_DOMAIN	"sip.test"	/* the SIP users' domain */
#define BENCH_SECRET		"bench-s3cret"

/* ---- bench_util.c ------------------------------------------------ */

int64_t	 now_ns(void);
int64_t	 wall_ms(void);
void	 bench_log(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 bench_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
extern int bench_verbose;
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);
int	 free_port(int sotype);

/* ---- bench_hist.c: HDR-style log-bucketed latency histogram ------- */

#define HIST_SUB_BITS	7	/* 128 sub-buckets per octave: < 0.8 % */
#define HIST_SUB	(1 << HIST_SUB_BITS)
#define HIST_SIZE	((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t	 count[HIST_SIZE];
	uint64_t	 n;
	uint64_t	 min, max;	/* exact, ns */
	double		 sum;
};

void	 hist_reset(struct hist *);
void	 hist_add(struct hist *, uint64_t ns);
uint64_t hist_percentile(const struct hist *, double p);

/* ---- bench_xml.c: the stream-level scanner (pure) ----------------- */

enum xml_item_kind {
	XML_NEED_MORE,		/* no complete item yet */
	XML_BAD,		/* not something we can parse: close */
	XML_STREAM_OPEN,	/* <stream:stream ...>: tag = that start tag */
	XML_STREAM_CLOSE,	/* </stream:stream> */
	XML_ELEMENT,		/* one whole top-level element (a stanza) */
};

struct xml_item {
	enum xml_item_kind kind;
	const char	*data;		/* the whole element */
	size_t		 len;
	const char	*tag;		/* its start tag, '<' to '>' */
	size_t		 tag_len;
	char		 name[32];	/* element name, truncated */
};

enum xml_item_kind xml_scan(const char *buf, size_t len, int in_stream,
	    size_t max, struct xml_item *it, size_t *used);
int	 xml_attr(const char *tag, size_t tag_len, const char *name,
	    const char **val, size_t *val_len);
int	 xml_attr_copy(const char *tag, size_t tag_len, const char *name,
	    char *out, size_t size);
int	 xml_inner_text(const struct xml_item *, const char **text,
	    size_t *len);
int	 bench_find_seq(const char *buf, size_t len, uint64_t *seq);

/* ---- bench_xmpp.c: XEP-0114, either end ------------------------------ */

struct xmpp_end;

struct xmpp_end_handlers {
	void	(*up_cb)(void *arg);		/* handshake done */
	void	(*down_cb)(void *arg);		/* stream gone */
	/* A <message/> (kind 0) or a message of type error (kind 1). */
	void	(*message_cb)(void *arg, const struct xml_item *, int is_error);
	/* Hook for the presence scenarios: every <presence/>. */
	void	(*presence_cb)(void *arg, const struct xml_item *);
};

struct xmpp_end_stats {
	uint64_t	 messages_in;
	uint64_t	 errors_in;
	uint64_t	 pings_answered;
	uint64_t	 stanzas_out;
	uint64_t	 bytes_in, bytes_out;
};

struct xmpp_end *xmpp_end_listen(struct event_base *, int port,
	    const char *component, const char *secret,
	    const struct xmpp_end_handlers *, void *arg);
struct xmpp_end *xmpp_end_connect(struct event_base *, int port,
	    const char *component, const char *secret,
	    const struct xmpp_end_handlers *, void *arg);
int	 xmpp_end_port(const struct xmpp_end *);
int	 xmpp_end_ready(const struct xmpp_end *);
int	 xmpp_end_send(struct xmpp_end *, const char *xml, size_t len);
void	 xmpp_end_flush(struct xmpp_end *);
const struct xmpp_end_stats *xmpp_end_stats(const struct xmpp_end *);
const char *xmpp_end_error(const struct xmpp_end *);
void	 xmpp_end_free(struct xmpp_end *);

/* ---- bench_collide.c: Via branches for the hash-flooding scenarios -- */

#define COLLIDE_STAGES	24	/* 2^24 branches with one FNV-1a hash */
#define COLLIDE_LEN	(COLLIDE_STAGES * 6)

enum branch_mode {
	BRANCH_PLAIN,		/* z9hG4bK, run, sequence number */
	BRANCH_RANDOM,		/* ...then COLLIDE_LEN random characters */
	BRANCH_COLLIDE,		/* ...then COLLIDE_LEN, one FNV-1a for all */
};

struct collide;

struct collide *collide_new(const char *prefix);
void	 collide_branch(struct collide *, int random, uint64_t i, char *out);
void	 collide_free(struct collide *);

/* ---- bench_tls.c: the run's PKI and the bench's TLS contexts -------- */

struct ssl_ctx_st;	/* OpenSSL's SSL_CTX */

int	 tls_make_pki(const char *dir);
int	 tls_contexts(const char *dir, struct ssl_ctx_st **client,
	    struct ssl_ctx_st **server);
const char *tls_error(void);

/* ---- bench_stream.c: SIP over one TCP or TLS connection ------------ */

struct sconn;
struct slisten;

struct sconn_handlers {
	/* One whole message (not NUL-terminated; valid in the call). */
	void	(*message_cb)(void *arg, struct sconn *, const char *msg,
		    size_t len);
	/* The connection failed or was closed: the owner frees it. */
	void	(*closed_cb)(void *arg, struct sconn *, const char *why);
	/* Listener: a new connection, the owner's from now on. */
	void	(*accept_cb)(void *arg, struct sconn *);
};

struct sconn_stats {
	uint64_t	 messages_in;
	uint64_t	 bytes_in, bytes_out;
	uint64_t	 writes;	/* send() or SSL_write() calls done */
};

struct sconn *sconn_connect(struct event_base *, struct ssl_ctx_st *,
	    int port, const char *name, const struct sconn_handlers *,
	    void *arg);
int	 sconn_write(struct sconn *, const char *, size_t);
void	 sconn_flush(struct sconn *);
int	 sconn_local_port(const struct sconn *);
const struct sconn_stats *sconn_stats(const struct sconn *);
void	 sconn_free(struct sconn *);
struct slisten *slisten_new(struct event_base *, struct ssl_ctx_st *,
	    int port, const struct sconn_handlers *, void *arg);
int	 slisten_port(const struct slisten *);
void	 slisten_free(struct slisten *);

/* ---- bench_sip.c: the SIP user agents (UDP, or TCP/TLS through ---- */
/* ---- bench_sip_stream.c) -------------------------------------------- */

struct sip_end;

enum sip_transport { SIP_UDP, SIP_TCP, SIP_TLS };

enum sip_call_kind { SIP_CALL_LOAD, SIP_CALL_PROBE };

#define SIP_END_TAG		"bench"	/* the UAS's To tag */
#define SIP_MSG_MAX_LINES	64

/* A datagram, split (nothing copied; valid during the callback). */
struct sip_msg {
	const char	*data;
	size_t		 len;
	int		 status;	/* a response's; 0 for a request */
	const char	*method, *uri;	/* a request's start line */
	size_t		 method_len, uri_len;
	const char	*body;
	size_t		 body_len;
	const char	*lines[SIP_MSG_MAX_LINES];	/* headers, no CRLF */
	size_t		 lens[SIP_MSG_MAX_LINES];
	size_t		 n_lines;
};

struct sip_end_handlers {
	/* UAC: a final response to one of our requests. */
	void	(*response_cb)(void *arg, enum sip_call_kind, uint64_t seq,
		    int status);
	/* UAS: a MESSAGE (answered 200 already); seq from its body. */
	void	(*message_cb)(void *arg, uint64_t seq, int has_seq);
	/*
	 * UAS, for the presence scenarios: any other request but ACK.
	 * Returns the status to answer with (0: 200) and may write header
	 * lines, each ending in CRLF, into extra for the answer.
	 */
	int	(*request_cb)(void *arg, const struct sip_msg *, char *extra,
		    size_t size);
	/* ...and once that answer is queued (requests sent now follow it). */
	void	(*request_done_cb)(void *arg, const struct sip_msg *,
		    int status);
	/* UAS, for the room scenarios: the MESSAGE itself (answered). */
	void	(*message_msg_cb)(void *arg, const struct sip_msg *);
	/* UAS: a response to a request sent with sip_end_send_raw(). */
	void	(*uas_response_cb)(void *arg, const struct sip_msg *);
};

struct sip_end_stats {
	uint64_t	 requests_out;
	uint64_t	 responses_in;
	uint64_t	 requests_in;
	uint64_t	 responses_out;
	uint64_t	 send_errors;
	uint64_t	 unparsed_in;
	uint64_t	 conns_lost;	/* TCP/TLS connections that failed */
	uint64_t	 conns_accepted;	/* ...the gateway opened to us */
};

struct sip_end *sip_end_new(struct event_base *, int uas_port,
	    enum sip_transport, const char *tls_dir,
	    const struct sip_end_handlers *, void *arg);
const char *sip_transport_name(enum sip_transport);
const char *sip_end_error(const struct sip_end *);
int	 sip_end_uas_port(const struct sip_end *);
int	 sip_end_set_target(struct sip_end *, int port);
int	 sip_end_send_message(struct sip_end *, enum sip_call_kind,
	    uint64_t seq, const char *from_user, const char *to_user,
	    size_t body_size);
int	 sip_end_set_branches(struct sip_end *, enum branch_mode);
int	 sip_end_send_raw(struct sip_end *, const char *msg, size_t len);
int	 sip_msg_header(const struct sip_msg *, const char *name,
	    const char *compact, const char **value, size_t *vlen);
int	 sip_msg_is(const struct sip_msg *, const char *method);
void	 sip_end_flush(struct sip_end *);
const struct sip_end_stats *sip_end_stats(const struct sip_end *);
void	 sip_end_free(struct sip_end *);

/* ---- bench_load.c: open- and closed-loop schedules ----------------- */

struct load;

struct load_params {
	double		 rate;		/* open loop: messages/s; 0: closed */
	int		 window;	/* closed loop: messages outstanding */
	double		 warmup_s;	/* sent but not measured */
	double		 duration_s;	/* measured interval */
	double		 drain_s;	/* wait for stragglers after it */
	int		 tick_us;	/* open loop: send granularity */
};

enum load_phase {
	LOAD_WARMUP,
	LOAD_MEASURE,		/* warm-up over: measured messages go out */
	LOAD_DRAIN,		/* sending stopped: waiting for answers */
	LOAD_DONE,		/* all answered, or drain time over */
};

struct load_ops {
	/* Sends message seq; -1 when it could not even be queued. */
	int	(*send)(void *arg, uint64_t seq);
	void	(*flush)(void *arg);
	void	(*phase)(void *arg, enum load_phase);
};

#define LOAD_STATUS_ERROR_STANZA	1	/* pseudo status */
#define LOAD_MAX_STATUS			700

struct load_result {
	uint64_t	 sent;		/* all, warm-up included */
	uint64_t	 measured;	/* sent in the measured interval */
	uint64_t	 ok, errors;	/* final answers */
	uint64_t	 losses;	/* sent, never answered */
	uint64_t	 delivered;	/* seen at the far end (SIP -> XMPP) */
	uint64_t	 dup_answers, dup_deliveries, unknown;
	uint64_t	 not_sent;	/* send() refused */
	uint64_t	 status[LOAD_MAX_STATUS];
	struct hist	 lat;		/* measured messages, from schedule */
	int64_t		 t0, t_warm, t_end, t_done;
	int64_t		*ok_times;	/* every OK answer, in arrival order */
	size_t		 n_ok_times;
};

struct load *load_new(struct event_base *, const struct load_params *,
	    const struct load_ops *, void *arg);
void	 load_start(struct load *);
void	 load_complete(struct load *, uint64_t seq, int status);
void	 load_delivered(struct load *, uint64_t seq);
int	 load_due(const struct load *, uint64_t seq, int64_t *due,
	    int *measured);
enum load_phase load_phase(const struct load *);
const struct load_result *load_result(const struct load *);
int64_t	 load_max_gap(const struct load *, int64_t from, int64_t to,
	    int64_t *at);
void	 load_free(struct load *);

/* ---- bench_presence.c: the presence peers (RFC 8048 scenarios) ------- */

struct presence_peers;

struct presence_stats {
	uint64_t	 x2s_ready, s2x_ready;	/* subscriptions set up */
	uint64_t	 setup_failed;
	uint64_t	 notifies_sent;		/* ours (X2S), set-up included */
	uint64_t	 notify_ok, notify_failed;	/* their answers */
	uint64_t	 load_notify_ok, load_notify_failed;	/* of the load */
	uint64_t	 notifies_in;		/* the gateway's, with news */
	uint64_t	 terminated;		/* its NOTIFYs terminated */
	uint64_t	 stale;			/* a NOTIFY older than the last */
	uint64_t	 presence_in;		/* X2S presence at the XMPP end */
	uint64_t	 presence_errors;	/* error / unsubscribed stanzas */
	struct hist	 notify_lat;		/* S2X: per measured NOTIFY */
};

struct presence_peers *presence_peers_new(struct event_base *,
	    struct sip_end *, struct xmpp_end *, uint64_t n_x2s,
	    uint64_t n_watchers, uint64_t n_pairs);
void	 presence_peers_set_load(struct presence_peers *, struct load *);
uint64_t presence_setup_x2s(struct presence_peers *, int window,
	    int stall_ms);
uint64_t presence_setup_s2x(struct presence_peers *, int window,
	    int stall_ms);
int	 presence_send_notify(struct presence_peers *, uint64_t seq);
int	 presence_send_presence(struct presence_peers *, uint64_t seq);
int	 presence_request_cb(struct presence_peers *, const struct sip_msg *,
	    char *extra, size_t size);
void	 presence_request_done_cb(struct presence_peers *,
	    const struct sip_msg *, int status);
void	 presence_response_cb(struct presence_peers *,
	    const struct sip_msg *);
void	 presence_stanza_cb(struct presence_peers *,
	    const struct xml_item *);
const struct presence_stats *presence_stats(const struct presence_peers *);
void	 presence_peers_free(struct presence_peers *);

/*
 * ---- bench_presence*.c: what the presence peers' files share ---------
 * bench_presence.c (helpers, set-up, the ends' hooks, life cycle),
 * bench_presence_x2s.c and bench_presence_s2x.c (one direction each).
 * Nothing else looks inside a struct presence_peers.
 */

struct event;

enum item_state {
	ITEM_IDLE,		/* not started */
	ITEM_STARTED,		/* first request sent */
	ITEM_ANSWERED,		/* SUBSCRIBE answered 2xx */
	ITEM_READY,		/* presence flows */
	ITEM_FAILED,
};

/* One X2S subscription: what the UAS needs to NOTIFY in its dialog. */
struct x2s_sub {
	char		*call_id;
	char		*gw_from;	/* the SUBSCRIBE's From: our To */
	char		*gw_contact;	/* its Contact URI: our target */
	uint32_t	 cseq;
	uint8_t		 state;
};

/* One S2X watcher dialog. */
struct s2x_watcher {
	uint64_t	 last_seq;	/* newest seq a NOTIFY of it carried */
	int		 has_seq;
	uint8_t		 state;
};

/* A presence stanza still waiting for some of its pair's NOTIFYs. */
struct waiting {
	uint64_t	 seq;
	uint32_t	 notified;	/* watchers that saw it */
};

/* One S2X pair: SIP user w<j> and XMPP user x<j>. */
struct s2x_pair {
	uint32_t	 n_watchers;
	int		 probe_answered;
	struct waiting	*q;		/* FIFO by seq */
	size_t		 head, tail, cap;
};

struct setup {
	int		 s2x;		/* which direction is being set up */
	uint64_t	 n, next, done, failed, inflight;
	int		 window;
	int		 stall_ms;
	int64_t		 t_progress;
	int		 running;
};

struct presence_peers {
	struct event_base *base;
	struct sip_end	*se;
	struct xmpp_end	*xe;
	struct load	*load;
	int		 uas_port;
	char		 run[9];	/* Call-ID tag of this run's dialogs */
	struct x2s_sub	*x2s;
	uint64_t	 n_x2s;
	struct s2x_watcher *w;
	uint64_t	 n_w;
	struct s2x_pair	*pairs;
	uint64_t	 n_pairs;
	struct setup	 su;
	struct event	*flush_ev, *stall_ev;
	struct presence_stats st;
	char		 buf[4096], body[1024];
};

/* bench_presence.c */
int	 presence_user_index(const char *s, size_t len, char prefix,
	    uint64_t *out);
int	 presence_number_after(const char *s, size_t len, const char *needle,
	    uint64_t *out);
void	 presence_flush_soon(struct presence_peers *);
int	 presence_xmpp_send(struct presence_peers *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 presence_setup_item_done(struct presence_peers *, int s2x, int ok);
/* bench_presence_x2s.c */
int	 x2s_start(struct presence_peers *, uint64_t i);
int	 x2s_subscribe(struct presence_peers *, const struct sip_msg *,
	    char *extra, size_t size);
void	 x2s_subscribed(struct presence_peers *, const struct sip_msg *,
	    int status);
void	 x2s_notify_answered(struct presence_peers *, const struct sip_msg *);
void	 x2s_presence(struct presence_peers *, uint64_t i,
	    const struct xml_item *);
/* bench_presence_s2x.c */
int	 s2x_start(struct presence_peers *, uint64_t d);
int	 s2x_notify(struct presence_peers *, const struct sip_msg *);
void	 s2x_subscribe_answered(struct presence_peers *,
	    const struct sip_msg *);
void	 s2x_xmpp(struct presence_peers *, uint64_t j, const char *type,
	    size_t tlen);

/* ---- bench_room.c: the room and its SIP participants (issue 13) ----- */

#define BENCH_ROOM_USER		"lobby"
#define BENCH_ROOM_SIP_DOMAIN	"conf.sip.test"	/* mapping rule "room" */
#define BENCH_MUC_DOMAIN	"conf.bench.test"
#define BENCH_ROOM		BENCH_ROOM_USER "@" BENCH_MUC_DOMAIN
#define BENCH_NS_MUC_USER	"http://jabber.org/protocol/muc#user"
#define BENCH_ROOM_SIZES	4	/* --room-participants: at most */

struct room_peers;

struct room_stats {
	uint64_t	 joins, leaves;		/* presences we answered */
	uint64_t	 join_failed;		/* join MESSAGEs not 200 */
	uint64_t	 reflected;		/* groupchat messages echoed */
	uint64_t	 stanzas_out;
	uint64_t	 delivered;		/* fan-out MESSAGEs, new ones */
	uint64_t	 out_of_order;		/* older than one he had */
	uint64_t	 bad_prefix;		/* body not "x0: ..." */
	uint64_t	 notices;		/* MESSAGEs with no seq */
	uint64_t	 unexpected;		/* stanzas/MESSAGEs not ours */
};

struct room_peers *room_peers_new(struct event_base *, struct sip_end *,
	    struct xmpp_end *, int n, int fanout, int body_size);
void	 room_peers_set_load(struct room_peers *, struct load *);
int	 room_peers_join(struct room_peers *, int i);
int	 room_peers_joined(const struct room_peers *);
int	 room_peers_response(struct room_peers *, uint64_t seq, int status);
void	 room_peers_presence(struct room_peers *, const struct xml_item *);
void	 room_peers_message(struct room_peers *, const struct xml_item *);
void	 room_peers_sip_message(struct room_peers *, const struct sip_msg *);
int	 room_peers_send(struct room_peers *, uint64_t seq);
const struct room_stats *room_peers_stats(const struct room_peers *);
void	 room_peers_free(struct room_peers *);

/* ---- bench_run.c: one scenario against one gateway ----------------- */

#define MAX_GW_OPTS	32

struct bench_opts {
	const char	*sipxmppd;	/* binary to start */
	const char	*wrapper;	/* e.g. "taskset -c 1" */
	const char	*callgrind;	/* run under callgrind, dumps here */
	pid_t		 pid;		/* attach to a running gateway */
	int		 gw_sip_port;	/* attach: its SIP UDP port */
	int		 xmpp_port;	/* attach: where the bench listens */
	int		 uas_port;	/* attach: its outbound proxy port */
	const char	*gw_log;	/* attach: its log (reload timing) */
	const char	*scenarios;	/* comma-separated */
	enum sip_transport sip_transport;	/* of this run */
	struct load_params load;
	int		 users;		/* distinct senders / recipients */
	int		 body_size;
	int		 mapping_entries;
	double		 reload_at;	/* s into the measured interval */
	int		 subs;		/* subscriptions: held per direction */
	int		 watchers;	/* presence-to-watchers: dialogs */
	int		 watched;	/* ...over this many XMPP users */
	int		 setup_window;	/* subscriptions being made at once */
	double		 settle_s;	/* subscriptions: wait before RSS */
	int		 via_prosody;
	int		 receipts;	/* xmpp-to-sip: XEP-0184 <request/> */
	const char	*prosody;	/* binary */
	const char	*json;
	const char	*gw_opts[MAX_GW_OPTS];	/* section.key=value */
	int		 n_gw_opts;
	int		 keep;		/* keep the run's directory */
	int		 smoke;		/* correctness verdict in exit status */
	int		 startup_timeout_ms;
	int		 load_set;	/* --rate or --window given */
	int		 room_sizes[BENCH_ROOM_SIZES];	/* participants */
	int		 n_room_sizes;
	int		 room_n;	/* of this run */
};

struct result {
	char		 scenario[32];	/* with /tcp or /tls over those */
	const struct scenario *sc;
	enum sip_transport sip_transport;
	/* Against the same scenario over the transport before (tcp: udp;
	 * tls: tcp, else udp), when the run had it: -1 in vs_idx if not. */
	int		 vs_idx;
	enum sip_transport vs_tp;
	uint64_t	 sip_conns_lost;	/* TCP/TLS, during the load */
	double		 gw_cpu_vs_us, gw_ir_vs;
	int		 done;		/* ran to the end */
	char		 note[512];	/* why not, or what to know */
	int		 via_prosody;
	double		 rate;
	int		 window;
	double		 duration_s;
	int		 users, body_size;
	/* traffic */
	uint64_t	 sent, measured, ok, errors, losses, delivered;
	uint64_t	 not_sent, dups, unknown;
	char		 error_detail[256];
	double		 offered_per_s, answered_per_s;
	double		 lat_p50_ms, lat_p99_ms, lat_p999_ms, lat_max_ms;
	double		 lat_mean_ms;
	double		 gw_cpu_us_per_msg;	/* /proc/PID/stat */
	double		 gw_cpu_us_per_msg_ns;	/* /proc/PID/schedstat */
	double		 gw_cpu_kernel_share;	/* stime / (utime + stime) */
	double		 gw_cpu_util;		/* share of one core */
	double		 gw_ir_per_msg;		/* callgrind instructions */
	uint64_t	 gw_hwm_kb, gw_rss_kb;
	double		 px_cpu_us_per_msg, px_cpu_util;
	uint64_t	 px_hwm_kb;
	double		 bench_cpu_us_per_msg, bench_cpu_util;
	double		 bench_ceiling_per_s;
	double		 max_gap_ms;
	/* mapping */
	int		 mapping_entries;
	double		 startup_link_ms, startup_first_ok_ms;
	double		 reload_ms, stall_ms, baseline_gap_ms;
	/* presence */
	int		 hold;		/* subscriptions only, no load */
	uint64_t	 subs_x2s, subs_s2x, setup_failed;
	double		 setup_x2s_s, setup_s2x_s;
	double		 setup_x2s_cpu_us, setup_s2x_cpu_us;	/* per sub */
	int		 watchers, watched;
	uint64_t	 notifies, notify_errors;
	double		 notify_p50_ms, notify_p99_ms, notify_p999_ms;
	double		 notify_max_ms, gw_cpu_us_per_notify;
	uint64_t	 rss_before_kb, rss_x2s_kb, rss_x2s_settled_kb;
	uint64_t	 rss_s2x_kb, rss_s2x_settled_kb;
	double		 bytes_per_x2s, bytes_per_s2x;
	double		 settle_s;
	/* rooms */
	int		 room_n;	/* SIP participants, 0: no room */
	uint64_t	 room_joined;
	double		 room_setup_s;
	double		 room_delivered_per_s;	/* fan-out MESSAGEs */
	double		 gw_cpu_us_per_delivered;
	uint64_t	 room_out_of_order, room_bad_prefix;
	/* the gateway's exit */
	int		 gw_exit;		/* -1 unknown / not ours */
	int		 verdict_ok;		/* smoke: all correct */
};

enum scenario_presence {
	PRESENCE_NONE,
	PRESENCE_NOTIFY,	/* NOTIFY -> <presence/>, X2S */
	PRESENCE_WATCHERS,	/* <presence/> -> NOTIFY to N watchers, S2X */
	PRESENCE_HOLD,		/* N subscriptions held: RSS */
};

enum scenario_room {
	ROOM_NONE,
	ROOM_FANOUT,		/* room message -> MESSAGE to N participants */
	ROOM_SAY,		/* participant's MESSAGE -> room, reflected */
};

struct scenario {
	const char	*name;
	const char	*help;
	int		 s2x;		/* SIP -> XMPP (else XMPP -> SIP) */
	int		 mapping;	/* N entries, startup, reload */
	enum scenario_presence presence;
	const char	*pending;	/* not runnable yet: why */
	enum branch_mode branches;	/* Via branches of the load */
	enum scenario_room room;
};

extern const struct scenario scenarios[];
const struct scenario *scenario_find(const char *name);
int	 run_scenario(const struct bench_opts *, const struct scenario *,
	    struct result *);

/* ---- bench_report.c --------------------------------------------- */

void	 report_table(FILE *, const struct bench_opts *,
	    const struct result *, size_t n);
int	 report_json(const char *path, const struct bench_opts *,
	    const struct result *, size_t n);

/* ---- bench_proc.c: child processes and /proc ------------------------ */

struct proc_sample {
	int		 ok;
	uint64_t	 cpu_ticks;	/* utime + stime from /proc/PID/stat */
	uint64_t	 sys_ticks;	/* stime alone: time in the kernel */
	uint64_t	 sched_ns;	/* /proc/PID/schedstat, if present */
	int		 have_sched;
	uint64_t	 hwm_kb;	/* VmHWM */
	uint64_t	 rss_kb;	/* VmRSS */
};

int	 proc_sample(pid_t, struct proc_sample *);
void	 proc_self_sample(struct proc_sample *);
double	 proc_cpu_us(const struct proc_sample *a, const struct proc_sample *b,
	    int precise);
pid_t	 proc_spawn(char *const argv[], const char *log_path, const char *cwd);
int	 proc_stop(pid_t, int timeout_ms, int *status);
int	 proc_alive(pid_t);
char	*tmpdir_make(void);
void	 tmpdir_remove(const char *);
int	 wait_tcp_port(int port, int timeout_ms, pid_t pid);
int	 log_find_line(const char *path, off_t start, const char *needle,
	    int64_t *stamp_ms, off_t *next);

/* ---- bench_prosody.c: a private Prosody for --via-prosody ----------- */

struct prosody {
	char		*dir;
	char		*config;
	char		*log;
	int		 component_port;
	int		 c2s_port;
	pid_t		 pid;
};

int	 prosody_start(struct prosody *, const char *binary, const char *dir);
int	 prosody_stop(struct prosody *);

/* ---- bench_run*.c: one run, shared by the files it is split into ---- */

struct run {
	const struct bench_opts *o;
	const struct scenario *sc;
	struct result	*res;
	struct event_base *base;
	char		*dir;
	char		 gw_log[1024];
	pid_t		 gw_pid;
	int		 own_gw;
	struct prosody	 px;
	int		 have_px;
	struct xmpp_end	*xe;
	struct sip_end	*se;
	struct load	*load;
	struct presence_peers *pp;
	struct presence_stats pst0;	/* counters when the load began */
	struct room_peers *rp;
	struct room_stats rst0;
	/* start-up */
	int64_t		 t_spawn, t_link, t_first_ok;
	struct event	*probe_ev, *deadline_ev;
	uint64_t	 probe_n;
	int		 timed_out;
	int		 break_on_up;
	int		 error_seen;	/* an error stanza came (noted) */
	/* samples: measured interval begins, sending stops, all answered */
	struct proc_sample gw_s[3], px_s[3], me_s[3];
	int64_t		 ts[3];
	/* reload */
	struct event	*reload_ev;
	int64_t		 t_hup, t_hup_wall;
	off_t		 log_off;
	char		 xml[4096];
};

/* bench_run.c */
void	 run_note(struct run *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 run_for(struct run *, int ms);
/* bench_run_gateway.c */
int	 run_start_gateway(struct run *);
/* bench_run_subs.c */
int	 run_setup_presence(struct run *);
int	 run_setup_room(struct run *);
/* bench_run_results.c */
void	 run_collect(struct run *);
void	 run_collect_reload(struct run *);
void	 run_verdict(struct run *);

#endif
