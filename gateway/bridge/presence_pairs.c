/*
 * The presence pairs (presence_int.h): one SIP contact C and one XMPP user
 * W, both directions of their relation, found by "C W" and by dialog, and
 * the per-user counts the limits read (RFC 8048 §8). Used by the entry
 * points (bridge_presence.c) and by both directions (presence_x2s.c,
 * presence_s2x.c); freeing a pair clears what each direction hung on it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "presence_int.h"

/* "C W" in lower case: JIDs compare case-insensitively once prepped. */
char *
presence_pair_key(const char *contact_jid, const char *user_jid)
{
	size_t a = strlen(contact_jid), b = strlen(user_jid);
	char *k = malloc(a + b + 2);

	if (k == NULL)
		return NULL;
	memcpy(k, contact_jid, a);
	k[a] = ' ';
	memcpy(k + a + 1, user_jid, b + 1);
	for (char *p = k; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

/* The pair of C and W; created (without SIP addresses) if asked. */
struct presence_pair *
presence_pair_get(struct bridge_presence *bp, const char *contact_jid,
    const char *user_jid, int create)
{
	char *key = presence_pair_key(contact_jid, user_jid);
	size_t key_len, contact_len, user_len;
	struct strmap_node *n;
	struct presence_pair *p;

	if (key == NULL)
		return NULL;
	if ((n = strmap_find(&bp->pairs, key)) != NULL || !create) {
		free(key);
		return n != NULL ? (struct presence_pair *)n : NULL;
	}
	/* One block: a pair's strings never change. */
	key_len = strlen(key) + 1;
	contact_len = strlen(contact_jid) + 1;
	user_len = strlen(user_jid) + 1;
	p = calloc(1, sizeof(*p) + key_len + contact_len + user_len);
	if (p == NULL) {
		free(key);
		return NULL;
	}
	p->key = memcpy(p->strings, key, key_len);
	p->contact_jid = memcpy(p->key + key_len, contact_jid, contact_len);
	p->user_jid = memcpy(p->contact_jid + contact_len, user_jid, user_len);
	free(key);
	if (strmap_insert(&bp->pairs, &p->node, p->key) < 0) {
		free(p);
		return NULL;
	}
	p->authorized = -1;
	p->x2s_retry_hint = -1;
	p->x2s_expires_ask = bp->gw->cfg->presence_subscribe_expires;
	return p;
}

/* Frees a pair that holds nothing any more. */
void
presence_pair_maybe_free(struct bridge_presence *bp, struct presence_pair *p)
{
	if (p->x2s != X2S_NONE || p->watchers != NULL ||
	    p->x2s_ref.key != NULL || p->authorized != -1)
		return;
	strmap_remove(&bp->pairs, &p->node);
	s2x_cache_clear(p);
	x2s_clear(bp, p);
	free(p->contact_sip);
	free(p->user_sip);
	free(p->contact_nick);
	free(p->user_nick);
	free(p);
}

/* Indexes a dialog by "Call-ID local-tag" (how requests in it find it). */
int
presence_dialog_index(struct bridge_presence *bp, struct dialog_ref *ref,
    const struct sip_dialog *dlg)
{
	size_t a, b;

	if (dlg->call_id == NULL || dlg->local_tag == NULL)
		return -1;
	a = strlen(dlg->call_id);
	b = strlen(dlg->local_tag);
	if ((ref->key = malloc(a + b + 2)) == NULL)
		return -1;
	memcpy(ref->key, dlg->call_id, a);
	ref->key[a] = ' ';
	memcpy(ref->key + a + 1, dlg->local_tag, b + 1);
	if (strmap_find(&bp->dialogs, ref->key) != NULL ||
	    strmap_insert(&bp->dialogs, &ref->node, ref->key) < 0) {
		free(ref->key);
		ref->key = NULL;
		return -1;
	}
	return 0;
}

/* Takes a dialog out of the index. */
void
presence_dialog_unindex(struct bridge_presence *bp, struct dialog_ref *ref)
{
	if (ref->key == NULL)
		return;
	strmap_remove(&bp->dialogs, &ref->node);
	free(ref->key);
	ref->key = NULL;
}

/* RFC 8048 §8: whether a new subscription would go over a limit. */
int
presence_limit_reached(struct bridge_presence *bp, const char *user)
{
	const struct config *cfg = bp->gw->cfg;
	char *key = presence_pair_key(user, "");
	struct presence_user *u;

	if (bp->n_subscriptions >= (size_t)cfg->presence_max_subscriptions) {
		free(key);
		return 1;
	}
	u = key != NULL ? (struct presence_user *)strmap_find(&bp->users,
	    key) : NULL;
	free(key);
	return u != NULL && u->n >= (size_t)cfg->presence_max_per_user;
}

/* Counts a subscription for (or against) a user and in all. */
void
presence_count(struct bridge_presence *bp, const char *user, int delta)
{
	char *key = presence_pair_key(user, "");
	struct presence_user *u;
	size_t key_len;

	if (key == NULL)
		return;
	bp->n_subscriptions += (size_t)delta;
	u = (struct presence_user *)strmap_find(&bp->users, key);
	if (u == NULL && delta > 0) {
		key_len = strlen(key) + 1;
		if ((u = calloc(1, sizeof(*u) + key_len)) == NULL) {
			free(key);
			return;
		}
		memcpy(u->key, key, key_len);
		if (strmap_insert(&bp->users, &u->node, u->key) < 0) {
			free(u);
			free(key);
			return;
		}
	}
	free(key);
	if (u == NULL)
		return;
	u->n += (size_t)delta;
	if (u->n == 0) {
		strmap_remove(&bp->users, &u->node);
		free(u);
	}
}
