/*
 * What sip_stack.c (transport, next hops, the public request API) and
 * sip_txn.c (the RFC 3261 §17 transactions) share. Nobody else includes
 * this (it lives in sip/private/, outside every other folder's reach).
 *
 * The calls here go both ways, knowingly, and only inside sip/: the stack
 * hands what it parsed to the transactions (sip_txn_request_in(),
 * sip_txn_response_in() and friends), and a transaction sends and reports
 * through the stack (sip_stack_send(), sip_peer_host(), the owner's
 * response callback), as the transport and transaction layers of RFC 3261
 * §17-18 talk to each other. The crossings are declared in this header.
 */
#ifndef SIPXMPP_SIP_STACK_INT_H
#define SIPXMPP_SIP_STACK_INT_H

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <osipparser2/osip_message.h>

#include "config.h"
#include "sip_osip.h"
#include "sip_stack.h"
#include "sip_transport.h"
#include "strbuf.h"
#include "strmap.h"

/* RFC 3261 §17.1.1.1: T1, the RTT estimate, is [sip] t1_ms (500 ms by
 * default, so that tests need not wait 32 s for Timer F). */
#define SIP_T1_MS(s)	((s)->t1_ms)
#define SIP_T2_MS	4000	/* longest non-INVITE retransmission interval */
#define SIP_T4_MS	5000	/* longest a message stays in the network */
#define SIP_TIMER_F_MS(s) (64 * SIP_T1_MS(s))	/* also Timers H and J */
/*
 * INVITE refusals kept for retransmission until their ACK: each lives up
 * to Timer H, so a flood of INVITEs without ACKs is held to this many;
 * beyond it a refusal is sent once, as a stateless proxy would.
 */
#define SIP_REFUSALS_MAX	4096

struct sip_completed;
struct sip_dns;
struct sip_hop;
struct sip_txn_conn;

struct sip_stack {
	struct event_base *base;
	const struct config *cfg;
	struct sip_stack_handlers handlers;
	void *arg;
	struct sip_transport *transport;
	struct sip_dns *dns;		/* RFC 3263 look-ups; NULL with a proxy */
	TAILQ_HEAD(, sip_hop) hops;	/* requests looking for a next hop */
	int freeing;			/* sip_stack_free() is under way */
	/* Server transactions that may see their request again, by key. */
	struct strmap servers;
	/* Our client transactions, by the branch of the Via we added. */
	struct strmap clients;
	/* Those sent over a stream, by connection (sip_txn_conn.c). */
	struct strmap by_conn;
	TAILQ_HEAD(, sip_tx) live;
	TAILQ_HEAD(, sip_tx) dead;	/* freed from reap_ev, never in a callback */
	size_t n_live;
	size_t n_refusals;		/* INVITE refusals awaiting their ACK */
	struct event *reap_ev;
	struct event *housekeeping;	/* expires the completed cache */
	int t1_ms;			/* RFC 3261 T1 */
	int have_proxy;
	struct sip_peer proxy;
	char *proxy_route;
	char *proxy_host;		/* its URI's host, to know its Route */
	int proxy_port;
	struct sip_completed *completed;	/* answers to retransmissions */
	struct strbuf scratch;		/* responses are built here */
	struct strbuf scratch_vias;
	struct strbuf scratch_recipe;
	struct strbuf scratch_fields;	/* a MESSAGE's fields for the bridge */
	struct config_trust trust;	/* [sip] trusted_peers, parsed */
	int trust_names;		/* it has tls:NAME entries */
	int limit_requests;		/* per-source request rates (sip_source.c) */
	/* sip_stack_new_detached(): tests only, NULL in the daemon. */
	sip_stack_send_hook send_hook;
	void *send_arg;
	char local_host[64];
	int local_port;
};

enum sip_tx_kind {
	SIP_TX_SERVER,		/* non-INVITE request we answer */
	SIP_TX_INVITE_SERVER,	/* INVITE we answer (always with non-2xx) */
	SIP_TX_CLIENT,		/* non-INVITE request we sent */
};

struct sip_tx {
	struct strmap_node node;	/* in servers or clients while keyed */
	char *key;
	int keyed;
	TAILQ_ENTRY(sip_tx) entry;	/* live, then dead */
	struct sip_stack *stack;
	enum sip_tx_kind kind;
	osip_message_t *req;		/* server: the request being answered */
	struct sip_msg req_handle;	/* server: req, as the handler sees it */
	char *hdr;			/* server: its header block as received */
	size_t hdr_len;
	char *vias;			/* server: Via lines, once req is gone */
	int to_tagged;			/* server: the request's To has a tag */
	int trusted;			/* server: from a trusted peer (RFC 3325) */
	struct sip_peer peer;		/* server: the request's source; client: next hop */
	struct sip_peer reply_to;	/* server: where responses go (§18.2.2) */
	char *hop_name;			/* client: peer.name, owned */
	char *wire;			/* last message sent, for retransmissions */
	size_t wire_len;
	struct event timer;		/* client: E and F; INVITE server: G, H, I */
	int timer_added;
	int interval_ms;		/* next retransmission interval */
	int at_deadline;		/* the timer armed is Timer F/H itself */
	long long deadline_ms;		/* Timer F or H */
	int responded;			/* server: final response sent */
	int acked;			/* INVITE server: ACK seen (Timer I) */
	int refusal_kept;		/* INVITE server: counted in n_refusals */
	int dead;
	sip_response_cb cb;		/* client: called exactly once */
	void *cb_arg;
	int cb_done;
	char to_tag[17];
	char method[24];		/* client: the CSeq method answers carry */
	int quick;			/* client: a 2xx needs no parsing (MESSAGE) */
	/* client over TCP/TLS: the connection its request went on */
	struct sip_txn_conn *conn;
	TAILQ_ENTRY(sip_tx) conn_entry;
	int transport_failed;		/* client: that connection closed */
};

/* sip_stack.c */
int sip_peer_host(const struct sip_peer *peer, char *out, size_t size);
int sip_stack_send(struct sip_stack *s, const struct sip_peer *to,
    const char *buf, size_t len);
int sip_stack_send_conn(struct sip_stack *s, const struct sip_peer *to,
    const char *buf, size_t len, uint64_t *conn_id);
int sip_stack_local(const struct sip_stack *s, int proto, int family,
    const char **host, int *port);
int sip_stack_trusts(const struct sip_stack *s, const struct sip_peer *from);

/* sip_identity.c */
const char *sip_sender_choose(int trusted, const char *asserted,
    const char *privacy, const char *from);
void sip_message_fields_trust(struct sip_message_fields *f, int trusted);

/* sip_hop.c: RFC 3263 next hops without an outbound proxy */
int sip_hop_send(struct sip_stack *s, osip_message_t *req,
    sip_response_cb cb, void *arg);
void sip_hop_free_all(struct sip_stack *s);

/* sip_txn.c: what both kinds share */
long long sip_now_ms(void);
struct sip_tx *sip_txn_new(struct sip_stack *s, enum sip_tx_kind kind);
int sip_txn_index(struct sip_tx *tx, char *key);
void sip_txn_arm(struct sip_tx *tx, long ms);
void sip_txn_kill(struct sip_tx *tx);
void sip_txn_client_finish(struct sip_tx *tx, int status,
    const osip_message_t *resp);
int sip_txn_send_wire(struct sip_tx *tx, const struct sip_peer *to);
void sip_txn_reap(struct sip_stack *s);
void sip_txn_free_all(struct sip_stack *s);

/* sip_txn_conn.c: transport failures (RFC 3261 §17.1.4) */
int sip_txn_conn_attach(struct sip_tx *tx, uint64_t conn_id);
void sip_txn_conn_detach(struct sip_tx *tx);
void sip_txn_conn_closed(void *arg, const struct sip_peer *peer,
    const char *why);

/* sip_txn_server.c */
void sip_txn_request_in(struct sip_stack *s, osip_message_t *req,
    const struct sip_peer *from, const char *raw, size_t raw_len);
void sip_txn_message_in(struct sip_stack *s,
    const struct sip_request_scan *scan, const struct sip_peer *from,
    const char *raw, size_t raw_len);
void sip_txn_invite_timer(struct sip_tx *tx, long long left);

/* sip_txn_client.c */
void sip_txn_response_in(struct sip_stack *s, osip_message_t *resp,
    const struct sip_peer *from);
void sip_txn_client_timer(struct sip_tx *tx, long long left);
int sip_txn_client_start(struct sip_stack *s, osip_message_t *req,
    const struct sip_peer *hop, sip_response_cb cb, void *arg);
int sip_txn_client_start_text(struct sip_stack *s, const struct sip_peer *hop,
    const char *method, const char *ruri, const char *rest, size_t rest_len,
    sip_response_cb cb, void *arg);
int sip_txn_response_quick(struct sip_stack *s, const char *buf,
    size_t len);

#endif
