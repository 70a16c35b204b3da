/*
 * Completed non-INVITE server transactions over UDP, kept as what it
 * takes to send their final response again: a retransmitted request gets
 * that response (RFC 3261 §17.2.2, Timer J) without the transaction
 * living for 64*T1. The caller decides what the bytes are (sip_txn.c
 * keeps a recipe of about 30 bytes for responses it builds from the
 * request's own lines, the whole response otherwise).
 *
 * Pure code: no sockets, no clock of its own (callers pass the time).
 */
#ifndef SIPXMPP_SIP_COMPLETED_H
#define SIPXMPP_SIP_COMPLETED_H

#include <stddef.h>

#include <osipparser2/osip_message.h>


#define SIP_COMPLETED_TTL_MS	32000		/* 64*T1, RFC 3261 Timer J */
#define SIP_COMPLETED_MAX_BYTES	(64u << 20)	/* oldest go first beyond */
#define SIP_COMPLETED_KEY_MAX	512

struct sip_completed;

/* sip_completed.c */
struct sip_completed *sip_completed_new(size_t max_bytes, long ttl_ms);
void sip_completed_free(struct sip_completed *c);
int sip_completed_key(const osip_message_t *req, char *out, size_t size);
int sip_completed_key_method(const osip_message_t *req, const char *method,
    char *out, size_t size);
int sip_completed_put(struct sip_completed *c, const char *key,
    const char *buf, size_t len, long long now_ms);
int sip_completed_get(struct sip_completed *c, const char *key,
    long long now_ms, const char **buf, size_t *len);
void sip_completed_expire(struct sip_completed *c, long long now_ms);
size_t sip_completed_count(const struct sip_completed *c);
size_t sip_completed_bytes(const struct sip_completed *c);

#endif
