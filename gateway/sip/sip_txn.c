/*
 * SIP transactions (RFC 3261 §17) of our own, on libevent timers; libosip2
 * only parses and prints the messages.
 *
 * libosip2's transaction layer walked every live transaction on each
 * datagram and cloned each request into it; a gateway answering every
 * request at once needs far less:
 * - a server transaction is the request until the bridge answers it, then
 *   (UDP) its final response in the completed cache for Timer J;
 * - a client transaction is the request as sent, retransmitted on Timer E
 *   over UDP until an answer or Timer F;
 * - an INVITE is always refused (non-2xx): the refusal is retransmitted on
 *   Timer G until the ACK or Timer H, and ACKs are absorbed for Timer I.
 * Transactions are found by key in hash tables, never by walking a list.
 * This file holds what both kinds share; sip_txn_server.c and
 * sip_txn_client.c the rest.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "config.h"
#include "log.h"
#include "sip_completed.h"
#include "sip_stack_int.h"

long long
sip_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void timer_cb(evutil_socket_t, short, void *);

struct sip_tx *
sip_txn_new(struct sip_stack *s, enum sip_tx_kind kind)
{
	struct sip_tx *tx = calloc(1, sizeof(*tx));

	if (tx == NULL)
		return NULL;
	tx->stack = s;
	tx->kind = kind;
	evtimer_assign(&tx->timer, s->base, timer_cb, tx);
	TAILQ_INSERT_TAIL(&s->live, tx, entry);
	s->n_live++;
	return tx;
}

static struct strmap *
tx_map(struct sip_tx *tx)
{
	return tx->kind == SIP_TX_CLIENT ? &tx->stack->clients :
	    &tx->stack->servers;
}

/* Indexes tx under key (taken); -1 if that key is in use or no memory. */
int
sip_txn_index(struct sip_tx *tx, char *key)
{
	tx->key = key;
	if (key == NULL || strmap_find(tx_map(tx), key) != NULL ||
	    strmap_insert(tx_map(tx), &tx->node, key) < 0)
		return -1;
	tx->keyed = 1;
	return 0;
}

/* Arms the transaction's one timer ms from now. */
void
sip_txn_arm(struct sip_tx *tx, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(&tx->timer, &tv);
	tx->timer_added = 1;
}

/* Ends a transaction: out of its index now, freed from the loop later. */
void
sip_txn_kill(struct sip_tx *tx)
{
	struct sip_stack *s = tx->stack;

	if (tx->dead)
		return;
	tx->dead = 1;
	if (tx->refusal_kept)
		s->n_refusals--;
	if (tx->keyed)
		strmap_remove(tx_map(tx), &tx->node);
	tx->keyed = 0;
	if (tx->timer_added)
		evtimer_del(&tx->timer);
	tx->timer_added = 0;
	sip_txn_conn_detach(tx);
	TAILQ_REMOVE(&s->live, tx, entry);
	s->n_live--;
	TAILQ_INSERT_TAIL(&s->dead, tx, entry);
	event_active(s->reap_ev, EV_TIMEOUT, 0);
}

static void
tx_free(struct sip_tx *tx)
{
	if (tx->req != NULL)
		osip_message_free(tx->req);
	free(tx->hdr);
	free(tx->vias);
	free(tx->wire);
	free(tx->key);
	free(tx->hop_name);
	free(tx);
}

/* Reports a client transaction's outcome, once, and ends it. */
void
sip_txn_client_finish(struct sip_tx *tx, int status, const osip_message_t *resp)
{
	/* The requester sees the response as our handle, for this call. */
	struct sip_msg handle = { (osip_message_t *)resp };

	if (!tx->cb_done) {
		tx->cb_done = 1;
		if (tx->cb != NULL)
			tx->cb(tx->cb_arg, status, resp != NULL ? &handle :
			    NULL);
	}
	sip_txn_kill(tx);
}

/* Frees the transactions that ended; runs from the loop, never nested. */
void
sip_txn_reap(struct sip_stack *s)
{
	struct sip_tx *tx;

	while ((tx = TAILQ_FIRST(&s->dead)) != NULL) {
		TAILQ_REMOVE(&s->dead, tx, entry);
		tx_free(tx);
	}
}

/* At shutdown: requesters hear 503, the rest goes. */
void
sip_txn_free_all(struct sip_stack *s)
{
	struct sip_tx *tx;

	while ((tx = TAILQ_FIRST(&s->live)) != NULL) {
		if (tx->kind == SIP_TX_CLIENT)
			sip_txn_client_finish(tx, 503, NULL);
		else
			sip_txn_kill(tx);
	}
	sip_txn_reap(s);
}

int
sip_txn_send_wire(struct sip_tx *tx, const struct sip_peer *to)
{
	return sip_stack_send(tx->stack, to, tx->wire, tx->wire_len);
}

/* A transaction's one timer: Timers E/F (client), G/H/I (INVITE server). */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_tx *tx = arg;
	long long left = tx->deadline_ms - sip_now_ms();

	(void)fd;
	(void)what;
	tx->timer_added = 0;
	if (tx->kind == SIP_TX_CLIENT)
		sip_txn_client_timer(tx, left);
	else
		sip_txn_invite_timer(tx, left);
}
