/*
 * Our thin SIP stack: libosip2's parser and printer, our own RFC 3261 §17
 * transactions (sip_txn.c) on the libevent loop, over sip_transport. Gives the
 * bridges new requests to answer and sends their requests, reporting the
 * final response (or a synthesized 408/503) exactly once.
 */
#ifndef SIPXMPP_SIP_STACK_H
#define SIPXMPP_SIP_STACK_H

#include <stddef.h>

#include "sip_msg.h"

/* Our Server and User-Agent (RFC 3261 §20.35, §20.41). */
#define SIPXMPP_AGENT "sipxmppd/0.1"

struct event_base;
struct config;
struct sip_stack;
struct sip_tx;
struct strbuf;
struct sip_request_scan;

/*
 * What translating a MESSAGE needs of it (RFC 7572 §5), however it was
 * read: NUL-terminated strings (NULL: the header is absent; ruri, from_uri
 * and to_uri are NULL only if libosip2 could not print them) and the body.
 * Valid during the call they are passed to.
 */
struct sip_message_fields {
	const char *ruri, *from_uri, *to_uri, *call_id;
	const char *content_type, *content_encoding;
	const char *content_language, *subject;
	/*
	 * The first sip:/sips: URI of P-Asserted-Identity and the Privacy
	 * value, as read; NULL when absent, and asserted_uri is always NULL
	 * for a request from an untrusted peer (RFC 3325 §8: not used in
	 * any way). The bridge reads neither: it takes sender_uri.
	 */
	const char *asserted_uri, *privacy;
	/*
	 * Who sent it (sip_identity.c): asserted_uri when the request came
	 * from a trusted peer and did not ask for Privacy: id, else
	 * from_uri.
	 */
	const char *sender_uri;
	/*
	 * The From display-name as a person reads it (RFC 3261 §25.1:
	 * unquoted, quoted-pairs undone; sip_display.c), NULL when there is
	 * none or it is not a valid one. Of the From, never of P-Asserted-
	 * Identity: it names the room nick the user chose to show.
	 */
	const char *from_display;
	int trusted;		/* from a [sip] trusted_peers member */
	const char *body;
	size_t body_len;
};

struct sip_stack_handlers {
	/*
	 * A new request other than MESSAGE (never a retransmission). The
	 * handler answers it, now or later, with sip_respond() or
	 * sip_respond_lines(); until then tx stays valid. req stays valid
	 * as long, unless the handler lets it go earlier with
	 * sip_tx_forget_request().
	 */
	void (*request_cb)(void *arg, struct sip_tx *tx,
	    const struct sip_msg *req);
	/*
	 * A new MESSAGE: the same, but the handler gets its fields only;
	 * it answers with sip_respond_lines(), sip_tx_request() is NULL.
	 */
	void (*message_cb)(void *arg, struct sip_tx *tx,
	    const struct sip_message_fields *fields);
};

/*
 * The final response to a request we sent: status 200..699 with resp, or
 * 408 (Timer F) / 503 (transport failure, or DNS did not answer) / 404
 * (the domain has no SIP server or address, RFC 3263) with resp == NULL.
 */
typedef void (*sip_response_cb)(void *arg, int status,
    const struct sip_msg *resp);

/* sip_stack.c */
struct sip_stack *sip_stack_new(struct event_base *base,
    const struct config *cfg, const struct sip_stack_handlers *handlers,
    void *arg);
int sip_stack_start(struct sip_stack *stack);
void sip_stack_stop_listening(struct sip_stack *stack);
void sip_stack_free(struct sip_stack *stack);
int sip_stack_tls_reload(struct sip_stack *stack);
int sip_respond(struct sip_stack *stack, struct sip_tx *tx,
    struct sip_msg *resp);
int sip_respond_status(struct sip_stack *stack, struct sip_tx *tx,
    int status, const char *reason);
int sip_respond_lines(struct sip_stack *stack, struct sip_tx *tx, int status,
    const char *reason, const char *extra);
struct sip_msg *sip_tx_response(const struct sip_tx *tx, int status,
    const char *reason);
const struct sip_msg *sip_tx_request(const struct sip_tx *tx);
void sip_tx_forget_request(struct sip_tx *tx);
const char *sip_tx_to_tag(const struct sip_tx *tx);
int sip_tx_is_reliable(const struct sip_tx *tx);
int sip_tx_trusted(const struct sip_tx *tx);
int sip_send_request(struct sip_stack *stack, struct sip_msg *req,
    sip_response_cb cb, void *arg);
int sip_send_request_text(struct sip_stack *stack, const char *method,
    const char *ruri, const char *rest, size_t rest_len, sip_response_cb cb,
    void *arg);
size_t sip_stack_transactions(const struct sip_stack *stack);

/*
 * Test entry points (tests/fuzz), so a harness drives the whole stack with
 * no socket: sip_stack_new_detached() makes a stack that never listens nor
 * resolves names (a request to a host name fails with -1, as with no
 * resolver); what it would send goes to send(), and its Via and Contact
 * name local_host:local_port. sip_stack_inject() hands it one datagram as
 * the UDP transport would (framed by sip_frame_datagram, NUL-terminated).
 */
struct sip_peer;
typedef void (*sip_stack_send_hook)(void *arg, const struct sip_peer *to,
    const char *buf, size_t len);
struct sip_stack *sip_stack_new_detached(struct event_base *base,
    const struct config *cfg, const struct sip_stack_handlers *handlers,
    void *arg, sip_stack_send_hook send, void *send_arg,
    const char *local_host, int local_port);
void sip_stack_inject(struct sip_stack *stack, const char *buf, size_t len,
    const struct sip_peer *from);
int sip_stack_contact(const struct sip_stack *stack, char *out, size_t size);
int sip_stack_next_hop_is_udp(const struct sip_stack *stack,
    const char *ruri);

/* sip_message_fields.c: a MESSAGE's fields, copied into sb */
int sip_message_fields_from_scan(const struct sip_request_scan *scan,
    struct strbuf *sb, struct sip_message_fields *out);
void sip_random_token(char *out, size_t len);

/* sip_identity.c: who sent a request (RFC 3325) */
char *sip_tx_sender_uri(const struct sip_tx *tx);
void sip_tx_source(const struct sip_tx *tx, char *out, size_t len);
int sip_privacy_id(const char *privacy);

/* sip_library_log.c: libosip2's own traces into our log (log.c). */
void sip_route_library_log(void);

#endif
