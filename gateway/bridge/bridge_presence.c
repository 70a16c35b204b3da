/*
 * The presence bridge (RFC 8048): entry points from SIP and XMPP, its life
 * (the store opened and read back, the commit event) and the one
 * housekeeping timer from which refreshes, retries and expiry run. The
 * pairs are in presence_pairs.c, their records in presence_records.c,
 * what both directions send in presence_send.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

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

/*
 * The store, for the room bridge's membership records (issue 13 item
 * 7): one state file, one commit per loop turn. NULL when nothing is
 * kept ([presence] persist = no).
 */
struct store *
bridge_presence_store(struct bridge_presence *bp)
{
	return bp != NULL ? bp->store : NULL;
}

/* Another bridge wrote to the store: commit at the end of the turn. */
void
bridge_presence_commit_soon(struct bridge_presence *bp)
{
	if (bp != NULL)
		presence_schedule_commit(bp);
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
find_dialog(struct bridge_presence *bp, const struct sip_msg *req)
{
	const char *tag = sip_msg_to_tag(req);
	char *cid, key[600];
	struct strmap_node *n = NULL;

	if (tag == NULL || (cid = sip_msg_call_id(req)) == NULL)
		return NULL;
	if ((size_t)snprintf(key, sizeof(key), "%s %s", cid, tag) <
	    sizeof(key))
		n = strmap_find(&bp->dialogs, key);
	free(cid);
	return (struct dialog_ref *)n;
}

/* SUBSCRIBE and NOTIFY with Event: presence. */
void
bridge_presence_from_sip(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req)
{
	const char *ev = sip_msg_header(req, "event", "o");
	const char *method = sip_msg_method(req);
	struct event_hdr eh;
	struct dialog_ref *ref;
	int is_subscribe = strcmp(method, "SUBSCRIBE") == 0;

	if (ev == NULL || sip_event_parse(ev, &eh) < 0 ||
	    strcmp(eh.package, "presence") != 0) {
		log_info_limited("presence: %s with Event %s refused",
		    method, ev != NULL ? ev : "(none)");
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
		if (sip_msg_to_tag(req) != NULL &&
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
 * Keeps W's XEP-0172 <nick/> (cleaned at the edge) for the From
 * display-name of the SUBSCRIBE her request makes; a request without
 * one keeps the last. Out of memory, the name is only not kept.
 */
static void
note_nick(struct presence_pair *p, const char *nick)
{
	char *copy;

	if (nick == NULL || (copy = strdup(nick)) == NULL)
		return;
	free(p->user_nick);
	p->user_nick = copy;
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
		log_trace(TRACE_PRESENCE, "%s -> %s: not for a SIP user",
		    pr->from, pr->to);
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
			log_trace(TRACE_PRESENCE, "%s -> %s: %s for no "
			    "subscription",
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
			note_nick(p, pr->nick);
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
