/*
 * Client transactions and the stream connections their requests went on:
 * RFC 3261 §17.1.4 (and §8.1.3.1) wants a transport failure reported to
 * the transaction user at once, as a 503 without a response, and RFC 3263
 * §4.3 then tries the next server. Without this, a request queued on a
 * TCP connection that was refused, or a TLS one whose certificate we
 * refused, waited for Timer F (64*T1, 32 s) and ended as a 408.
 *
 * Each client transaction sent over TCP or TLS is listed under its
 * connection's id (ids are never reused, sip_transport.h), in a hash
 * table, so a connection that closes finds its transactions without
 * walking every live one. The transport tells us from inside its close
 * path: here the transactions are only marked and their timer armed for
 * now, so they end (and their owners run) from the loop, never nested in
 * the transport.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sip_stack_int.h"

/* The client transactions waiting on one connection. */
struct sip_txn_conn {
	struct strmap_node node;	/* in the stack's by_conn */
	char key[17];			/* the connection id, in hex */
	TAILQ_HEAD(, sip_tx) txs;
};

/* The key of a connection id in by_conn. */
static void
conn_key(uint64_t conn_id, char key[17])
{
	snprintf(key, 17, "%" PRIx64, conn_id);
}

/*
 * Lists tx (a client transaction whose request went on connection
 * conn_id) under that connection. -1 without memory: tx then waits for
 * Timer F as it would over UDP.
 */
int
sip_txn_conn_attach(struct sip_tx *tx, uint64_t conn_id)
{
	struct sip_stack *s = tx->stack;
	struct sip_txn_conn *w;
	char key[17];

	conn_key(conn_id, key);
	w = (struct sip_txn_conn *)strmap_find(&s->by_conn, key);
	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		memcpy(w->key, key, sizeof(w->key));
		TAILQ_INIT(&w->txs);
		if (strmap_insert(&s->by_conn, &w->node, w->key) < 0) {
			free(w);
			return -1;
		}
	}
	TAILQ_INSERT_TAIL(&w->txs, tx, conn_entry);
	tx->conn = w;
	return 0;
}

/* Takes tx off its connection's list (it ended); the last one frees it. */
void
sip_txn_conn_detach(struct sip_tx *tx)
{
	struct sip_txn_conn *w = tx->conn;

	if (w == NULL)
		return;
	TAILQ_REMOVE(&w->txs, tx, conn_entry);
	tx->conn = NULL;
	if (TAILQ_EMPTY(&w->txs)) {
		strmap_remove(&tx->stack->by_conn, &w->node);
		free(w);
	}
}

/*
 * The transport closed a stream connection (sip_transport_closed_cb):
 * every transaction whose request it carried and that has no final
 * answer yet ends with 503 and no response (sip_txn_client_timer()),
 * from the loop.
 */
void
sip_txn_conn_closed(void *arg, const struct sip_peer *peer, const char *why)
{
	struct sip_stack *s = arg;
	struct sip_txn_conn *w;
	struct sip_tx *tx;
	char key[17], who[80];
	size_t n = 0;

	/* Most connections that close (incoming ones) carried none of ours. */
	if (s->by_conn.n == 0)
		return;
	conn_key(peer->conn_id, key);
	if ((w = (struct sip_txn_conn *)strmap_find(&s->by_conn, key)) == NULL)
		return;
	TAILQ_FOREACH(tx, &w->txs, conn_entry) {
		if (tx->transport_failed || tx->cb_done || tx->dead)
			continue;
		tx->transport_failed = 1;
		sip_txn_arm(tx, 0);
		n++;
	}
	if (n == 0)
		return;
	sip_peer_format(peer, who, sizeof(who));
	log_warnx_limited("sip: %s: connection %llu gone (%s): %zu request(s) "
	    "without an answer fail now (transport error, 503)", who,
	    (unsigned long long)peer->conn_id, why, n);
}
