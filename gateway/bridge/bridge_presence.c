/*
 * The presence bridge (RFC 8048): entry points from SIP and XMPP, the
 * pairs that hold both directions of a SIP user's and an XMPP user's
 * relation, the limits, the store, and the one housekeeping timer from
 * which refreshes, retries and expiry run.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <osipparser2/osip_parser.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mapping.h"
#include "presence_int.h"
#include "sip_event.h"
#include "sip_stack.h"
#include "store.h"
#include "xmpp_link.h"

#define CRON_INTERVAL_MS 1000
#define JID_BARE_MAX	2048	/* RFC 7622: 1023 local + '@' + 1023 domain */

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

/* Sends a presence stanza on the component link. */
void
presence_send_stanza(struct bridge_presence *bp, const struct im_presence *pr)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (stanza_build_presence(&sb, pr) < 0) {
		log_warnx("presence: cannot build %s presence %s -> %s",
		    pr->type != NULL ? pr->type : "available", pr->from,
		    pr->to);
	} else if (!xmpp_link_is_ready(bp->gw->xmpp)) {
		log_info("presence: xmpp link down, %s presence %s -> %s "
		    "not sent", pr->type != NULL ? pr->type : "available",
		    pr->from, pr->to);
	} else if (xmpp_link_send(bp->gw->xmpp, sb.buf, sb.len) != 0)
		log_warnx("presence: cannot send %s presence %s -> %s",
		    pr->type != NULL ? pr->type : "available", pr->from,
		    pr->to);
	else
		log_debug("presence: %s -> %s: %s", pr->from, pr->to,
		    pr->type != NULL ? pr->type : "available");
	strbuf_free(&sb);
}

/* A presence with nothing but a type. */
void
presence_send_simple(struct bridge_presence *bp, const char *from,
    const char *to, const char *type)
{
	struct im_presence pr;

	memset(&pr, 0, sizeof(pr));
	pr.from = from;
	pr.to = to;
	pr.type = type;
	presence_send_stanza(bp, &pr);
}

/* Event, Contact and Allow-Events on what we send in a subscription. */
void
presence_add_sip_headers(struct bridge_presence *bp, osip_message_t *msg,
    int with_contact)
{
	char c[sizeof(bp->contact) + 2];

	if (bp->contact[0] == '\0' && sip_stack_contact(bp->gw->sip,
	    bp->contact, sizeof(bp->contact)) < 0)
		bp->contact[0] = '\0';
	if (MSG_IS_REQUEST(msg))
		sip_message_add_header(msg, "Event", "presence");
	if (with_contact && bp->contact[0] != '\0') {
		snprintf(c, sizeof(c), "<%s>", bp->contact);
		osip_message_set_contact(msg, c);
	}
	sip_message_add_header(msg, "Allow-Events", "presence");
}

/* ---- the store ---------------------------------------------------- */

/* Commits the turn's writes in one transaction. */
static void
commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_presence *bp = arg;

	(void)fd;
	(void)what;
	if (bp->store != NULL && store_commit(bp->store) < 0)
		log_error("presence: cannot write the state file");
}

/* Asks for a commit at the end of this loop turn. */
void
presence_schedule_commit(struct bridge_presence *bp)
{
	if (bp->commit_ev != NULL)
		event_active(bp->commit_ev, EV_TIMEOUT, 0);
}

/* The addresses every record carries. */
static void
put_pair_fields(struct strbuf *sb, const struct presence_pair *p)
{
	strbuf_appends(sb, "contact_jid=");
	strbuf_appends(sb, p->contact_jid);
	strbuf_appends(sb, "\nuser_jid=");
	strbuf_appends(sb, p->user_jid);
	strbuf_appends(sb, "\ncontact_sip=");
	strbuf_appends(sb, p->contact_sip != NULL ? p->contact_sip : "");
	strbuf_appends(sb, "\nuser_sip=");
	strbuf_appends(sb, p->user_sip != NULL ? p->user_sip : "");
	strbuf_appends(sb, "\n");
}

/* Stores (or deletes, at NONE) the pair's X2S subscription. */
void
presence_save_x2s(struct bridge_presence *bp, struct presence_pair *p)
{
	struct strbuf sb;
	char num[32];

	if (bp->store == NULL)
		return;
	if (p->x2s == X2S_NONE || p->x2s == X2S_UNSUBSCRIBING) {
		if (p->x2s_stored)
			store_del(bp->store, STORE_SUBSCRIPTION, p->key);
		p->x2s_stored = 0;
		presence_schedule_commit(bp);
		return;
	}
	strbuf_init(&sb);
	strbuf_appends(&sb, "state=");
	strbuf_appends(&sb, x2s_state_name(p->x2s));
	strbuf_appends(&sb, "\n");
	put_pair_fields(&sb, p);
	snprintf(num, sizeof(num), "expires_at=%lld\n",
	    (long long)p->x2s_expires_at);
	strbuf_appends(&sb, num);
	for (size_t i = 0; i < p->n_x2s_resources; i++) {
		strbuf_appends(&sb, "resource=");
		strbuf_appends(&sb, p->x2s_resources[i]);
		strbuf_appends(&sb, "\n");
	}
	if (p->x2s_ref.key != NULL)
		sip_dialog_encode(&p->x2s_dlg, &sb);
	strbuf_append(&sb, "", 1);
	if (!sb.failed && store_put(bp->store, STORE_SUBSCRIPTION, p->key,
	    sb.buf) == 0)
		p->x2s_stored = 1;
	else
		log_warnx("presence: cannot store %s", p->key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/* Stores an S2X watcher under its dialog key. */
void
presence_save_watcher(struct bridge_presence *bp, struct presence_watcher *w)
{
	struct strbuf sb;
	char num[48];

	if (bp->store == NULL || w->fetch || w->pair == NULL ||
	    w->ref.key == NULL)
		return;
	strbuf_init(&sb);
	strbuf_appends(&sb, "state=");
	strbuf_appends(&sb, s2x_state_name(w->state));
	strbuf_appends(&sb, "\n");
	put_pair_fields(&sb, w->pair);
	snprintf(num, sizeof(num), "expires_at=%lld\n",
	    (long long)w->expires_at);
	strbuf_appends(&sb, num);
	sip_dialog_encode(&w->dlg, &sb);
	strbuf_append(&sb, "", 1);
	if (!sb.failed && store_put(bp->store, STORE_WATCHER, w->ref.key,
	    sb.buf) == 0)
		w->stored = 1;
	else
		log_warnx("presence: cannot store watcher %s", w->ref.key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/* Deletes a watcher's record. */
void
presence_forget_watcher(struct bridge_presence *bp, struct presence_watcher *w)
{
	if (bp->store == NULL || !w->stored || w->ref.key == NULL)
		return;
	store_del(bp->store, STORE_WATCHER, w->ref.key);
	w->stored = 0;
	presence_schedule_commit(bp);
}

/* Stores what W answered C (or forgets it when unknown). */
void
presence_save_authorization(struct bridge_presence *bp,
    struct presence_pair *p)
{
	struct strbuf sb;

	if (bp->store == NULL)
		return;
	if (p->authorized < 0) {
		store_del(bp->store, STORE_AUTHORIZATION, p->key);
		presence_schedule_commit(bp);
		return;
	}
	strbuf_init(&sb);
	put_pair_fields(&sb, p);
	strbuf_appends(&sb, p->authorized ? "authorized=yes\n" :
	    "authorized=no\n");
	strbuf_append(&sb, "", 1);
	if (sb.failed || store_put(bp->store, STORE_AUTHORIZATION, p->key,
	    sb.buf) < 0)
		log_warnx("presence: cannot store the authorization %s",
		    p->key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/*
 * Walks the "key=value" lines of a stored record; stops at the first
 * non-zero return of cb and returns it, or -1 on a malformed line.
 */
int
presence_record_each(const char *text, presence_field_cb cb, void *arg)
{
	char key[64], *value;
	int r;

	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		const char *eq = memchr(text, '=', n);

		if (eq == NULL || (size_t)(eq - text) >= sizeof(key))
			return -1;
		memcpy(key, text, (size_t)(eq - text));
		key[eq - text] = '\0';
		if ((value = strndup(eq + 1, n - (size_t)(eq - text) - 1)) ==
		    NULL)
			return -1;
		r = cb(arg, key, value);
		free(value);
		if (r != 0)
			return r;
		text += n;
		if (*text == '\n')
			text++;
	}
	return 0;
}

struct pair_fields {
	char *c, *w, *cs, *ws;
};

static int
pair_field_cb(void *arg, const char *key, const char *value)
{
	struct pair_fields *f = arg;
	char **slot = strcmp(key, "contact_jid") == 0 ? &f->c :
	    strcmp(key, "user_jid") == 0 ? &f->w :
	    strcmp(key, "contact_sip") == 0 ? &f->cs :
	    strcmp(key, "user_sip") == 0 ? &f->ws : NULL;

	if (slot != NULL && *slot == NULL && (*slot = strdup(value)) == NULL)
		return -1;
	return 0;
}

/* The pair a stored record is about (created if needed), or NULL. */
struct presence_pair *
presence_pair_from_record(struct bridge_presence *bp, const char *text)
{
	struct pair_fields f = { NULL, NULL, NULL, NULL };
	struct presence_pair *p = NULL;

	if (presence_record_each(text, pair_field_cb, &f) != 0 ||
	    f.c == NULL || f.w == NULL || f.c[0] == '\0' || f.w[0] == '\0')
		goto out;
	if ((p = presence_pair_get(bp, f.c, f.w, 1)) == NULL)
		goto out;
	if (p->contact_sip == NULL && f.cs != NULL && f.cs[0] != '\0') {
		p->contact_sip = f.cs;
		f.cs = NULL;
	}
	if (p->user_sip == NULL && f.ws != NULL && f.ws[0] != '\0') {
		p->user_sip = f.ws;
		f.ws = NULL;
	}
out:
	free(f.c);
	free(f.w);
	free(f.cs);
	free(f.ws);
	return p;
}

/* One stored authorization. */
static int
restore_authorization(void *arg, const char *key, const char *value)
{
	struct bridge_presence *bp = arg;
	struct presence_pair *p = presence_pair_from_record(bp, value);

	if (p == NULL) {
		log_warnx("presence: stored authorization %s unreadable, "
		    "ignored", key);
		return 0;
	}
	p->authorized = strstr(value, "\nauthorized=yes") != NULL;
	return 0;
}

/* ---- housekeeping -------------------------------------------------- */

/* Every second: refreshes, retries, expiry, fetch deadlines. */
static void
cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bridge_presence *bp = arg;
	struct strmap_node *n, *next;
	time_t now = time(NULL);

	(void)fd;
	(void)what;
	if (bp->shutting_down)
		return;
	for (n = strmap_next(&bp->pairs, NULL); n != NULL; n = next) {
		next = strmap_next(&bp->pairs, n);
		x2s_housekeeping(bp, (struct presence_pair *)n, now);
	}
	for (n = strmap_next(&bp->dialogs, NULL); n != NULL; n = next) {
		struct dialog_ref *ref = (struct dialog_ref *)n;

		next = strmap_next(&bp->dialogs, n);
		if (ref->watcher != NULL)
			s2x_housekeeping(bp, ref->watcher, now);
		else if (ref->fetch &&
		    now >= ((struct presence_fetch *)ref)->deadline)
			x2s_fetch_expire(bp, (struct presence_fetch *)ref);
	}
}

/* ---- life cycle ---------------------------------------------------- */

/* Opens the store, loads what it kept, starts the housekeeping timer. */
struct bridge_presence *
bridge_presence_new(struct gateway *gw, char **cause)
{
	struct bridge_presence *bp = calloc(1, sizeof(*bp));
	const struct config *cfg = gw->cfg;
	struct timeval tick = { CRON_INTERVAL_MS / 1000,
	    (CRON_INTERVAL_MS % 1000) * 1000 };

	*cause = NULL;
	if (bp == NULL)
		return NULL;
	bp->gw = gw;
	strmap_init(&bp->pairs);
	strmap_init(&bp->dialogs);
	strmap_init(&bp->users);
	if (cfg->presence_persist && cfg->presence_max_subscriptions > 0) {
		if ((bp->store = store_open(cfg->presence_state_file,
		    cause)) == NULL) {
			free(bp);
			return NULL;
		}
		store_each(bp->store, STORE_AUTHORIZATION,
		    restore_authorization, bp);
		store_each(bp->store, STORE_SUBSCRIPTION, x2s_restore_cb, bp);
		store_each(bp->store, STORE_WATCHER, s2x_restore_cb, bp);
		store_commit(bp->store);
		log_info("presence: %zu subscriptions restored from %s",
		    bp->n_subscriptions, cfg->presence_state_file);
	}
	bp->cron = event_new(gw->base, -1, EV_PERSIST, cron_cb, bp);
	bp->commit_ev = event_new(gw->base, -1, 0, commit_cb, bp);
	if (bp->cron == NULL || bp->commit_ev == NULL ||
	    event_add(bp->cron, &tick) < 0) {
		bridge_presence_free(bp);
		return NULL;
	}
	return bp;
}

/* Frees everything; sends nothing (the SIP stack is gone by now). */
void
bridge_presence_free(struct bridge_presence *bp)
{
	struct strmap_node *n, *next;

	if (bp == NULL)
		return;
	for (n = strmap_next(&bp->dialogs, NULL); n != NULL; n = next) {
		struct dialog_ref *ref = (struct dialog_ref *)n;

		next = strmap_next(&bp->dialogs, n);
		if (ref->watcher != NULL && ref->watcher->pair == NULL)
			s2x_watcher_free(bp, ref->watcher);
		else if (ref->fetch)
			x2s_fetch_expire(bp, (struct presence_fetch *)ref);
	}
	for (n = strmap_next(&bp->pairs, NULL); n != NULL; n = next) {
		struct presence_pair *p = (struct presence_pair *)n;

		next = strmap_next(&bp->pairs, n);
		while (p->watchers != NULL)
			s2x_watcher_free(bp, p->watchers);
		x2s_clear(bp, p);
		p->x2s = X2S_NONE;
		p->authorized = -1;
		presence_pair_maybe_free(bp, p);
	}
	for (n = strmap_next(&bp->users, NULL); n != NULL; n = next) {
		struct presence_user *u = (struct presence_user *)n;

		next = strmap_next(&bp->users, n);
		free(u);
	}
	strmap_free(&bp->pairs);
	strmap_free(&bp->dialogs);
	strmap_free(&bp->users);
	if (bp->cron != NULL)
		event_free(bp->cron);
	if (bp->commit_ev != NULL)
		event_free(bp->commit_ev);
	if (bp->store != NULL)
		store_close(bp->store);
	free(bp);
}

/*
 * The link is up (again): refresh every live X2S dialog now, so the
 * presence server sends full state and XMPP watchers get it, also after
 * a restart or an XMPP server restart.
 */
void
bridge_presence_link_up(struct bridge_presence *bp)
{
	struct strmap_node *n;
	time_t now = time(NULL);

	for (n = strmap_next(&bp->pairs, NULL); n != NULL;
	    n = strmap_next(&bp->pairs, n)) {
		struct presence_pair *p = (struct presence_pair *)n;

		if (p->x2s_ref.key != NULL && p->x2s_dlg.remote_tag != NULL)
			p->x2s_refresh_at = now;
		/*
		 * What was said while the link was down is lost: ask the
		 * XMPP users again for the SIP watchers still waiting, and
		 * learn the presence of those who said yes.
		 */
		for (struct presence_watcher *w = p->watchers; w != NULL;
		    w = w->next)
			if (w->state == S2X_PENDING && !w->fetch) {
				presence_send_simple(bp, p->contact_jid,
				    p->user_jid, "subscribe");
				break;
			}
		if (p->authorized == 1 && p->watchers != NULL)
			presence_send_simple(bp, p->contact_jid, p->user_jid,
			    "probe");
	}
}

/*
 * SIGTERM: SIP watchers get NOTIFY terminated;reason=deactivated (RFC 6665
 * §4.1.3: subscribe again), XMPP watchers get unavailable from the SIP
 * contacts they watch. Our own SUBSCRIBE dialogs stay stored and are
 * refreshed after the restart.
 */
void
bridge_presence_shutdown(struct bridge_presence *bp)
{
	struct strmap_node *n, *next;

	for (n = strmap_next(&bp->pairs, NULL); n != NULL; n = next) {
		struct presence_pair *p = (struct presence_pair *)n;

		next = strmap_next(&bp->pairs, n);
		while (p->watchers != NULL)
			s2x_event(bp, p->watchers, S2X_EV_SHUTDOWN);
		if (x2s_authorized(p->x2s)) {
			for (size_t i = 0; i < p->n_x2s_resources; i++) {
				char from[PRESENCE_FULL_JID_MAX];

				snprintf(from, sizeof(from), "%s/%s",
				    p->contact_jid, p->x2s_resources[i]);
				presence_send_simple(bp, from, p->user_jid,
				    "unavailable");
			}
			if (p->n_x2s_resources == 0)
				presence_send_simple(bp, p->contact_jid,
				    p->user_jid, "unavailable");
		}
	}
	bp->shutting_down = 1;
	if (bp->store != NULL)
		store_commit(bp->store);
}

/* NOTIFYs and SUBSCRIBEs still waiting for their answer. */
size_t
bridge_presence_pending(const struct bridge_presence *bp)
{
	struct strmap_node *n;
	size_t k = 0;

	for (n = strmap_next(&bp->dialogs, NULL); n != NULL;
	    n = strmap_next(&bp->dialogs, n)) {
		struct dialog_ref *ref = (struct dialog_ref *)n;

		if (ref->watcher != NULL && ref->watcher->in_flight)
			k++;
	}
	return k;
}

/* ---- entry points -------------------------------------------------- */

/* The dialog a request with a To-tag belongs to, or NULL. */
static struct dialog_ref *
find_dialog(struct bridge_presence *bp, const osip_message_t *req)
{
	const char *tag = sip_message_to_tag(req);
	char *cid = NULL, key[600];
	struct strmap_node *n = NULL;

	if (tag == NULL || req->call_id == NULL ||
	    osip_call_id_to_str(req->call_id, &cid) != 0)
		return NULL;
	if ((size_t)snprintf(key, sizeof(key), "%s %s", cid, tag) <
	    sizeof(key))
		n = strmap_find(&bp->dialogs, key);
	osip_free(cid);
	return (struct dialog_ref *)n;
}

/*
 * Answers a SUBSCRIBE or NOTIFY we cannot take, with what RFC 6665 and
 * RFC 3261 ask for beside the status: Allow-Events with 489, Min-Expires
 * with 423, Retry-After with 503, Accept with 406.
 */
void
presence_refuse(struct bridge_presence *bp, struct sip_tx *tx, int status,
    const char *reason)
{
	osip_message_t *resp = sip_tx_response(tx, status, reason);
	char num[16];

	if (resp == NULL)
		return;
	if (status == 489)		/* RFC 6665 §8.2.2 */
		sip_message_add_header(resp, "Allow-Events", "presence");
	if (status == 503) {
		snprintf(num, sizeof(num), "%d", bp->gw->cfg->presence_retry_s);
		sip_message_add_header(resp, "Retry-After", num);
	}
	if (status == 423) {
		snprintf(num, sizeof(num), "%d",
		    bp->gw->cfg->presence_min_expires);
		sip_message_add_header(resp, "Min-Expires", num);
	}
	if (status == 406)
		sip_message_add_header(resp, "Accept",
		    "application/pidf+xml");
	sip_respond(bp->gw->sip, tx, resp);
}

/* SUBSCRIBE and NOTIFY with Event: presence. */
void
bridge_presence_from_sip(struct bridge_presence *bp, struct sip_tx *tx,
    const osip_message_t *req)
{
	const char *ev = sip_header_value(req, "event", "o");
	struct event_hdr eh;
	struct dialog_ref *ref;
	int is_subscribe = strcmp(req->sip_method, "SUBSCRIBE") == 0;

	if (ev == NULL || sip_event_parse(ev, &eh) < 0 ||
	    strcmp(eh.package, "presence") != 0) {
		log_info_limited("presence: %s with Event %s refused",
		    req->sip_method, ev != NULL ? ev : "(none)");
		if (is_subscribe || ev != NULL)
			presence_refuse(bp, tx, 489, NULL);
		else
			presence_refuse(bp, tx, 400, "Missing Event header");
		return;
	}
	if (bp->gw->cfg->presence_max_subscriptions == 0) {
		presence_refuse(bp, tx, 403, "Presence is turned off");
		return;
	}
	ref = find_dialog(bp, req);
	if (is_subscribe) {
		if (sip_message_to_tag(req) != NULL &&
		    (ref == NULL || ref->watcher == NULL ||
		    ref->watcher->pair == NULL)) {
			presence_refuse(bp, tx, 481, NULL);
			return;
		}
		s2x_on_subscribe(bp, tx, req, ref);
		return;
	}
	if (ref == NULL || ref->watcher != NULL) {
		log_info_limited("presence: NOTIFY for no subscription of ours");
		presence_refuse(bp, tx, 481, NULL);
		return;
	}
	x2s_on_notify(bp, ref, tx, req);
}

/* The bare JID (copied into out); -1 if it does not fit. */
static int
bare_jid(const char *jid, char *out, size_t size)
{
	size_t n = strcspn(jid, "/");

	if (n == 0 || n >= size)
		return -1;
	memcpy(out, jid, n);
	out[n] = '\0';
	return 0;
}

/* Fills in the SIP addresses of a pair from the mapping. */
static int
map_pair(struct bridge_presence *bp, struct presence_pair *p)
{
	char *cause = NULL;
	int r;

	if (p->contact_sip != NULL && p->user_sip != NULL &&
	    p->contact_sip[0] != '\0' && p->user_sip[0] != '\0')
		return 0;
	free(p->contact_sip);
	free(p->user_sip);
	p->contact_sip = p->user_sip = NULL;
	if ((r = map_xmpp_to_sip(bp->gw->map, p->contact_jid, &p->contact_sip,
	    &cause)) != MAP_OK) {
		log_info_limited("presence: %s has no SIP address: %s",
		    p->contact_jid, cause != NULL ? cause : map_result_name(r));
		free(cause);
		return -1;
	}
	free(cause);
	cause = NULL;
	if ((r = map_xmpp_to_sip(bp->gw->map, p->user_jid, &p->user_sip,
	    &cause)) != MAP_OK) {
		log_info_limited("presence: %s has no SIP address: %s",
		    p->user_jid, cause != NULL ? cause : map_result_name(r));
		free(cause);
		return -1;
	}
	free(cause);
	return 0;
}

/* A presence error back to W, from C. */
static void
presence_error(struct bridge_presence *bp, const char *from, const char *to,
    const char *condition)
{
	struct im_presence pr;

	memset(&pr, 0, sizeof(pr));
	pr.from = from;
	pr.to = to;
	pr.type = "error";
	pr.error_condition = condition;
	presence_send_stanza(bp, &pr);
}

/* W's presence reached C: S2X data, and news of W's presence session. */
static void
on_availability(struct bridge_presence *bp, struct presence_pair *p,
    const struct xmpp_in_presence *pr)
{
	int available = pr->type == NULL;

	s2x_update_cache(bp, p, pr);
	if (available) {
		p->w_online = 1;
		if (p->x2s_probe_deadline != 0) {	/* §8.1: she is on */
			p->x2s_probe_deadline = 0;
			x2s_event(bp, p, X2S_EV_REFRESH_DUE, NULL);
		} else if (p->x2s == X2S_IDLE)
			x2s_event(bp, p, X2S_EV_WATCHER_ONLINE, NULL);
		return;
	}
	for (size_t i = 0; i < p->n_cache; i++)
		if (p->cache[i].basic == PRESENCE_BASIC_OPEN)
			return;
	/* §5.2.2: her presence session is over; so is our refreshing. */
	p->w_online = 0;
	p->x2s_probe_deadline = 0;
	x2s_event(bp, p, X2S_EV_WATCHER_OFFLINE, NULL);
}

/*
 * Every <presence/> from the XMPP server: from W (an XMPP user) to C (a
 * SIP user, in our domain).
 */
void
bridge_presence_from_xmpp(struct bridge_presence *bp,
    const struct xmpp_in_presence *pr)
{
	const char *domain = bp->gw->cfg->xmpp_component;
	const char *type = pr->type;
	char c[JID_BARE_MAX], w[JID_BARE_MAX];
	struct presence_pair *p;
	int is_subscribe;

	if (pr->from == NULL || pr->to == NULL ||
	    bare_jid(pr->to, c, sizeof(c)) < 0 ||
	    bare_jid(pr->from, w, sizeof(w)) < 0) {
		log_info_limited("presence: stanza without usable from/to "
		    "ignored");
		return;
	}
	if (strchr(c, '@') == NULL ||
	    strcasecmp(strchr(c, '@') + 1, domain) != 0) {
		log_debug("presence: %s -> %s: not for a SIP user", pr->from,
		    pr->to);
		return;
	}
	if (bp->shutting_down || bp->gw->cfg->presence_max_subscriptions == 0) {
		if (type != NULL && strcmp(type, "subscribe") == 0)
			presence_error(bp, c, pr->from, "service-unavailable");
		return;
	}
	is_subscribe = type != NULL && strcmp(type, "subscribe") == 0;
	p = presence_pair_get(bp, c, w, is_subscribe);
	if (p == NULL && type != NULL && strcmp(type, "probe") == 0)
		p = presence_pair_get(bp, c, w, 1);
	if (p == NULL) {
		if (is_subscribe)
			presence_error(bp, c, pr->from,
			    "resource-constraint");
		else
			log_debug("presence: %s -> %s: %s for no subscription",
			    pr->from, pr->to, type != NULL ? type :
			    "available");
		return;
	}
	/* Anything but unavailable shows she is in a presence session. */
	if (type == NULL || (strcmp(type, "unavailable") != 0 &&
	    strcmp(type, "error") != 0))
		p->w_online = 1;
	if (type == NULL || strcmp(type, "unavailable") == 0) {
		on_availability(bp, p, pr);
	} else if (strcmp(type, "probe") == 0) {
		if (map_pair(bp, p) < 0)
			presence_error(bp, c, pr->from, "item-not-found");
		else
			x2s_on_probe(bp, p, pr->from);
	} else if (is_subscribe) {
		if (p->x2s == X2S_NONE && presence_limit_reached(bp, w)) {
			log_warnx_limited("presence: %s -> %s: subscription "
			    "limit reached", w, c);
			presence_error(bp, c, pr->from, "resource-constraint");
		} else if (map_pair(bp, p) < 0)
			presence_error(bp, c, pr->from, "item-not-found");
		else {
			if (p->x2s == X2S_NONE)
				presence_count(bp, w, 1);
			x2s_event(bp, p, X2S_EV_XMPP_SUBSCRIBE, NULL);
		}
	} else if (strcmp(type, "unsubscribe") == 0) {
		x2s_event(bp, p, X2S_EV_XMPP_UNSUBSCRIBE, NULL);
	} else if (strcmp(type, "subscribed") == 0) {
		/* RFC 8048 §5.3.1: W lets C see her presence. */
		if (p->authorized != 1) {
			p->authorized = 1;
			presence_save_authorization(bp, p);
		}
		s2x_pair_event(bp, p, S2X_EV_XMPP_SUBSCRIBED);
	} else if (strcmp(type, "unsubscribed") == 0) {
		if (p->authorized != 0) {
			p->authorized = 0;
			presence_save_authorization(bp, p);
		}
		s2x_cache_clear(p);
		s2x_pair_event(bp, p, S2X_EV_XMPP_UNSUBSCRIBED);
	} else if (strcmp(type, "error") == 0) {
		log_info_limited("presence: error %s from %s to %s",
		    pr->error_condition != NULL ? pr->error_condition : "?",
		    pr->from, pr->to);
		/* Our subscribe or probe to W failed: no such user. */
		s2x_pair_event(bp, p, S2X_EV_XMPP_UNSUBSCRIBED);
	}
	presence_pair_maybe_free(bp, p);
}
