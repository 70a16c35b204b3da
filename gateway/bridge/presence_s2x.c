/*
 * S2X (RFC 8048 §5.3): a SIP user C watches an XMPP user W. The gateway is
 * the SIP notifier (RFC 6665 §4.2, RFC 3856): it accepts SUBSCRIBE, asks W
 * on XMPP, and sends NOTIFYs carrying W's presence as PIDF (§6.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mapping.h"
#include "presence_int.h"
#include "sip_event.h"
#include "sip_stack.h"
#include "store.h"
#include "xmpp_link.h"

#define DEFAULT_EXPIRES	3600	/* RFC 3856 §6.4 */

/* What a NOTIFY transaction was for. */
struct notify_tx {
	struct bridge_presence *bp;
	char *key;		/* the watcher's dialog key */
};

static void notify_send(struct bridge_presence *bp,
    struct presence_watcher *w);

/* Puts the watcher in its pair's list (its dialog is indexed). */
static void
link_to_pair(struct presence_watcher *w, struct presence_pair *p)
{
	w->ref.pair = p;
	w->ref.watcher = w;
	w->pair = p;
	w->next = p->watchers;
	p->watchers = w;
	p->n_watchers++;
}

/* Takes the watcher out of its pair's list. */
static void
unlink_from_pair(struct presence_watcher *w)
{
	struct presence_pair *p = w->pair;
	struct presence_watcher **pp;

	if (p == NULL)
		return;
	for (pp = &p->watchers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	p->n_watchers--;
	w->pair = NULL;
	w->next = NULL;
}

/* Frees a watcher (out of its pair, if it was still in one). */
void
s2x_watcher_free(struct bridge_presence *bp, struct presence_watcher *w)
{
	unlink_from_pair(w);
	presence_dialog_unindex(bp, &w->ref);
	sip_dialog_clear(&w->dlg);
	free(w);
}

/*
 * Traces one step of a watcher's life: its birth ("new"), each state
 * change and its end ("ended"), once each (DESIGN.md: every transition
 * is logged; at 100,000 subscriptions only under -T presence).
 */
static void
trace_step(const struct presence_watcher *w, const char *from,
    const char *to, const char *why)
{
	log_trace(TRACE_PRESENCE, "%s watched by %s%s: %s -> %s (%s)",
	    w->pair != NULL ? w->pair->user_jid : "?", w->dlg.remote_uri,
	    w->fetch ? " (fetch)" : "", from, to, why);
}

/* Moves the watcher to next, traced; why names the event. */
static void
set_state(struct presence_watcher *w, enum s2x_state next, const char *why)
{
	if (w->state == next)
		return;
	trace_step(w, s2x_state_name(w->state), s2x_state_name(next), why);
	w->state = next;
}

/*
 * Takes the watcher out of its pair (its subscription is over); it is
 * freed once its last NOTIFY is answered.
 */
static void
detach(struct bridge_presence *bp, struct presence_watcher *w,
    const char *why)
{
	struct presence_pair *p = w->pair;

	if (p == NULL)
		return;
	trace_step(w, s2x_state_name(w->state), "ended", why);
	presence_forget_watcher(bp, w);
	if (!w->fetch)
		presence_count(bp, p->contact_jid, -1);
	else
		bp->n_fetches--;
	unlink_from_pair(w);
}

/* Frees a detached watcher once nothing more is owed. */
static void
maybe_free(struct bridge_presence *bp, struct presence_watcher *w)
{
	if (w->pair == NULL && !w->in_flight &&
	    (w->final_reason == SUB_REASON_NONE || w->final_sent))
		s2x_watcher_free(bp, w);
}

/* The unavailable C owes W when C stops watching (§5.3.3), unless W
 * sees C's real presence through an X2S subscription. */
static void
send_unavailable(struct bridge_presence *bp, struct presence_pair *p)
{
	if (p->n_watchers > 1 || x2s_authorized(p->x2s))
		return;
	presence_send_simple(bp, p->contact_jid, p->user_jid, "unavailable");
}

/*
 * Ends a fetch (RFC 8048 §7): one NOTIFY terminated;reason=timeout, with
 * W's presence if she let C see it and we have heard it.
 */
static void
fetch_finish(struct bridge_presence *bp, struct presence_watcher *w,
    int with_presence)
{
	struct presence_pair *p = w->pair;

	if (p == NULL || w->final_reason != SUB_REASON_NONE)
		return;
	w->final_reason = SUB_REASON_TIMEOUT;
	w->fetch_deadline = 0;
	if (with_presence && p->cache_known && p->authorized != 0)
		set_state(w, S2X_ACTIVE, "fetch-answered");
	notify_send(bp, w);	/* built while the pair's cache is at hand */
	detach(bp, w, "fetch-done");
	maybe_free(bp, w);
}

/*
 * Feeds one event to a watcher's S2X machine and carries out the actions.
 * The watcher may be freed on return.
 */
void
s2x_event(struct bridge_presence *bp, struct presence_watcher *w,
    enum s2x_event ev)
{
	struct presence_step step;
	unsigned a;
	struct presence_pair *p = w->pair;
	enum s2x_state before = w->state;

	if (p == NULL)
		return;
	if (w->fetch) {
		if (ev == S2X_EV_XMPP_UNSUBSCRIBED || ev == S2X_EV_SHUTDOWN ||
		    ev == S2X_EV_NOTIFY_FAILED)
			fetch_finish(bp, w, 0);
		return;
	}
	step = s2x_step(w->state, ev);
	a = step.actions;
	set_state(w, (enum s2x_state)step.next, s2x_event_name(ev));
	if (a & S2X_ACT_NOTIFY_END_TIMEOUT) {
		w->final_reason = SUB_REASON_TIMEOUT;
		w->final_closed = before == S2X_ACTIVE;	/* §5.3.3 */
	} else if (a & S2X_ACT_NOTIFY_END_REJECTED)
		w->final_reason = SUB_REASON_REJECTED;
	else if (a & S2X_ACT_NOTIFY_END_DEACTIVATED)
		w->final_reason = SUB_REASON_DEACTIVATED;
	if (a & S2X_ACT_SEND_SUBSCRIBE)
		presence_send_subscribe(bp, p);
	if (a & S2X_ACT_SEND_PROBE) {
		w->awaiting = 1;	/* the answer, not the cache, speaks */
		presence_send_simple(bp, p->contact_jid, p->user_jid, "probe");
	}
	if (a & S2X_ACT_SEND_UNAVAILABLE)
		send_unavailable(bp, p);
	if (a & (S2X_ACT_NOTIFY_PENDING | S2X_ACT_NOTIFY_ACTIVE |
	    S2X_ACT_NOTIFY_END_TIMEOUT | S2X_ACT_NOTIFY_END_REJECTED |
	    S2X_ACT_NOTIFY_END_DEACTIVATED))
		notify_send(bp, w);
	else if (w->state != before)
		presence_save_watcher(bp, w);
	if (a & S2X_ACT_DELETE)
		detach(bp, w, s2x_event_name(ev));
	maybe_free(bp, w);
}

/* The same event for every watcher of the pair. */
void
s2x_pair_event(struct bridge_presence *bp, struct presence_pair *p,
    enum s2x_event ev)
{
	struct presence_watcher *w, *next;

	for (w = p->watchers; w != NULL; w = next) {
		next = w->next;
		s2x_event(bp, w, ev);
	}
}

/* The answer to a NOTIFY (RFC 6665 §4.2.2: failure ends the watcher). */
static void
notify_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct notify_tx *t = arg;
	struct bridge_presence *bp = t->bp;
	struct strmap_node *n = strmap_find(&bp->dialogs, t->key);
	struct presence_watcher *w = n != NULL ?
	    ((struct dialog_ref *)n)->watcher : NULL;

	(void)resp;
	free(t->key);
	free(t);
	if (w == NULL)
		return;
	w->in_flight = 0;
	if (status < 200 || status >= 300) {
		log_trace(TRACE_PRESENCE, "NOTIFY to %s answered %d: "
		    "subscription ended", w->dlg.remote_uri, status);
		if (w->pair != NULL && !w->fetch) {
			struct presence_pair *p = w->pair;

			s2x_event(bp, w, S2X_EV_NOTIFY_FAILED);	/* frees w */
			presence_pair_maybe_free(bp, p);
			return;
		}
		/* Nothing more to say to a peer that refuses to listen. */
		if (w->final_reason == SUB_REASON_NONE)
			w->final_reason = SUB_REASON_TIMEOUT;
		w->final_sent = 1;
		detach(bp, w, "notify-refused");
		maybe_free(bp, w);
		return;
	}
	if (w->pair == NULL && w->final_reason != SUB_REASON_NONE &&
	    !w->final_sent) {
		notify_send(bp, w);	/* the last word, held back */
		return;
	}
	if (w->dirty && w->pair != NULL) {
		w->dirty = 0;
		notify_send(bp, w);
		return;
	}
	maybe_free(bp, w);
}

/*
 * Sends the NOTIFY for the watcher's current state (RFC 6665 §4.2.2: one
 * at a time per subscription; later changes wait and are merged).
 */
static void
notify_send(struct bridge_presence *bp, struct presence_watcher *w)
{
	struct presence_pair *p = w->pair;
	struct sip_msg *req;
	struct notify_tx *t;
	struct strbuf sb;
	char ss[96];
	time_t now = time(NULL);
	long left = w->expires_at > now ? (long)(w->expires_at - now) : 0;
	int body = 0, closed = 0;

	if (w->in_flight) {
		w->dirty = 1;
		return;
	}
	if (w->final_reason != SUB_REASON_NONE) {
		snprintf(ss, sizeof(ss), "terminated;reason=%s",
		    sip_sub_reason_name((enum sub_reason)w->final_reason));
		closed = w->final_closed;
		/* A fetch's NOTIFY carries her server's answer (§7). */
		body = closed || (w->fetch && w->state == S2X_ACTIVE &&
		    !w->awaiting && p != NULL && p->cache_known &&
		    p->n_cache > 0);
	} else if (w->state == S2X_ACTIVE) {
		snprintf(ss, sizeof(ss), "active;expires=%ld", left);
		/* The cache only once her server answered this watcher. */
		body = !w->awaiting && p != NULL && p->cache_known &&
		    p->n_cache > 0;
	} else
		snprintf(ss, sizeof(ss), "pending;expires=%ld", left);
	if ((req = sip_dialog_request(&w->dlg, "NOTIFY")) == NULL ||
	    (t = calloc(1, sizeof(*t))) == NULL) {
		sip_msg_free(req);
		log_warnx("presence: cannot build a NOTIFY for %s",
		    w->dlg.remote_uri);
		return;
	}
	presence_add_sip_headers(bp, req, 1);
	sip_msg_add_header(req, "Subscription-State", ss);
	strbuf_init(&sb);
	if (body && (w->pair != NULL || closed)) {
		/* Detached: a closed PIDF needs no cache. */
		const char *entity = w->pair != NULL ? w->pair->user_sip :
		    w->dlg.local_uri;

		if (s2x_build_pidf(&sb, entity, w->pair, closed) < 0 ||
		    sip_msg_set_body(req, "application/pidf+xml", sb.buf,
		    sb.len) < 0)
			log_warnx("presence: PIDF for %s not built",
			    w->dlg.remote_uri);
	}
	strbuf_free(&sb);
	t->bp = bp;
	if ((t->key = strdup(w->ref.key)) == NULL) {
		free(t);
		sip_msg_free(req);
		return;
	}
	if (w->final_reason != SUB_REASON_NONE)
		w->final_sent = 1;
	if (sip_send_request(bp->gw->sip, req, notify_answered_cb, t) < 0) {
		log_warnx("presence: NOTIFY to %s not sent", w->dlg.remote_uri);
		free(t->key);
		free(t);
		return;
	}
	w->in_flight = 1;
	log_trace(TRACE_PRESENCE, "NOTIFY %s (%s)", w->dlg.remote_uri, ss);
	if (w->pair != NULL)
		presence_save_watcher(bp, w);	/* its CSeq moved on */
}

/* Whether Accept allows PIDF (RFC 3856 §6.7: absent means PIDF). */
static int
accepts_pidf(const struct sip_msg *req)
{
	return sip_msg_accepts(req, "application", "pidf+xml");
}

/* Answers 200 to a SUBSCRIBE with the granted Expires and our Contact. */
static void
answer_ok(struct bridge_presence *bp, struct sip_tx *tx, long expires)
{
	struct sip_msg *resp = sip_tx_response(tx, 200, NULL);
	char num[24];

	if (resp == NULL)
		return;
	/* RFC 3261 §12.1.1: the 2xx that makes a dialog copies the
	 * request's Record-Route, so the watcher's route set matches ours. */
	if (sip_msg_copy_record_routes(resp, sip_tx_request(tx)) < 0) {
		sip_msg_free(resp);
		return;
	}
	snprintf(num, sizeof(num), "%ld", expires);
	sip_msg_add_header(resp, "Expires", num);
	presence_add_sip_headers(bp, resp, 1);
	sip_respond(bp->gw->sip, tx, resp);
}

/* The domain part of a bare JID. */
static const char *
jid_domain(const char *jid)
{
	const char *at = strchr(jid, '@');

	return at != NULL ? at + 1 : jid;
}

/* Maps the SUBSCRIBE's target and sender; answers and returns -1 if not. */
static int
map_subscribe(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req, char **w_jid, char **c_jid)
{
	const char *domain = bp->gw->cfg->xmpp_component;
	char *ruri = sip_msg_request_uri(req);
	/* The watcher: a trusted peer's asserted identity, else From. */
	char *from = sip_tx_sender_uri(tx);
	char *cause = NULL;
	int r, ok = -1;

	*w_jid = *c_jid = NULL;
	if (ruri == NULL || from == NULL) {
		presence_refuse(bp, tx, 400, "Unreadable address");
		goto out;
	}
	if ((r = map_sip_to_xmpp(bp->gw->map, ruri, w_jid, &cause)) != MAP_OK) {
		log_info_limited("presence: SUBSCRIBE %s -> %s refused: %s",
		    from, ruri, cause != NULL ? cause : map_result_name(r));
		presence_refuse(bp, tx, r == MAP_SIPS ? 480 : r == MAP_MALFORMED ?
		    400 : 404, r == MAP_SIPS ? "SIPS not supported" : NULL);
		goto out;
	}
	(*w_jid)[strcspn(*w_jid, "/")] = '\0';	/* presence is per bare JID */
	if (strcasecmp(jid_domain(*w_jid), domain) == 0) {
		presence_refuse(bp, tx, 482, "Target is a SIP user of this "
		    "gateway");
		goto out;
	}
	free(cause);
	cause = NULL;
	if ((r = map_sip_to_xmpp(bp->gw->map, from, c_jid, &cause)) == MAP_OK)
		(*c_jid)[strcspn(*c_jid, "/")] = '\0';	/* the bare JID */
	if (r != MAP_OK || strcasecmp(jid_domain(*c_jid), domain) != 0) {
		log_info_limited("presence: watcher %s not served here: %s",
		    from, cause != NULL ? cause : r != MAP_OK ?
		    map_result_name(r) : "outside our domain");
		presence_refuse(bp, tx, 403, "Watcher not served by this gateway");
		goto out;
	}
	ok = 0;
out:
	if (ok < 0) {
		free(*w_jid);
		free(*c_jid);
		*w_jid = *c_jid = NULL;
	}
	free(cause);
	free(ruri);
	free(from);
	return ok;
}

/* A new subscription (or fetch) from a SIP watcher. */
static void
subscribe_new(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req, long expires)
{
	struct presence_watcher *w = NULL;
	struct presence_pair *p;
	char *w_jid = NULL, *c_jid = NULL, *name;
	time_t now = time(NULL);
	int fetch = expires == 0, remembered;

	if (map_subscribe(bp, tx, req, &w_jid, &c_jid) < 0)
		return;
	if (fetch ? bp->n_fetches >= PRESENCE_MAX_FETCHES :
	    presence_limit_reached(bp, c_jid)) {
		log_warnx_limited("presence: %s -> %s: subscription limit "
		    "reached", c_jid, w_jid);
		presence_refuse(bp, tx, 503, "Too many subscriptions");
		goto out;
	}
	if ((p = presence_pair_get(bp, c_jid, w_jid, 1)) == NULL ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		presence_refuse(bp, tx, 500, NULL);
		goto out;
	}
	if (p->contact_sip == NULL)
		p->contact_sip = sip_tx_sender_uri(tx);
	if (!fetch && (name = sip_msg_from_display(req)) != NULL) {
		/* XEP-0172: his name goes with the subscription request. */
		free(p->contact_nick);
		p->contact_nick = name;
	}
	if (p->user_sip == NULL)
		p->user_sip = sip_msg_request_uri(req);
	if (sip_dialog_uas_init(&w->dlg, req, sip_tx_to_tag(tx)) < 0) {
		presence_refuse(bp, tx, 400, "Missing Contact or From tag");
		free(w);
		presence_pair_maybe_free(bp, p);
		goto out;
	}
	if (presence_dialog_index(bp, &w->ref, &w->dlg) < 0) {
		presence_refuse(bp, tx, 500, NULL);
		sip_dialog_clear(&w->dlg);
		free(w);
		presence_pair_maybe_free(bp, p);
		goto out;
	}
	link_to_pair(w, p);
	w->expires_at = now + expires;
	w->state = S2X_PENDING;
	w->fetch = fetch;
	if (fetch) {
		bp->n_fetches++;
		w->fetch_deadline = now +
		    (bp->gw->cfg->presence_probe_timeout_ms + 999) / 1000;
	} else
		presence_count(bp, c_jid, 1);
	log_trace(TRACE_PRESENCE, "%s %s presence of %s (Expires %ld)",
	    w->dlg.remote_uri, fetch ? "fetches" : "subscribes to", w_jid,
	    expires);
	trace_step(w, "new", s2x_state_name(w->state), "subscribe");
	/*
	 * Nothing proves the SUBSCRIBE comes from C: anyone can claim his
	 * From and name a Contact. So what we cached for C's other
	 * watchers is never the first answer: a new watcher hears W's
	 * presence only once her server answered the probe this request
	 * makes (RFC 8048 §7 for a fetch, §5.3.1 for a subscription);
	 * until then its NOTIFYs carry none (RFC 6665 §4.2.2).
	 */
	w->awaiting = 1;
	/*
	 * And W's remembered "yes" to C lets the subscription go active at
	 * once only for a request from our trust domain (RFC 3325 §2.3):
	 * the router refuses any other, but should that ever change, a
	 * spoofed SUBSCRIBE must not turn a remembered authorization into
	 * NOTIFYs to the spoofer's Contact. It starts pending and asks.
	 */
	remembered = p->authorized == 1 && sip_tx_trusted(tx);
	answer_ok(bp, tx, expires);
	if (fetch && p->authorized == 0)
		fetch_finish(bp, w, 0);	/* she said no: nothing to say */
	else if (fetch)		/* §7: ask her server */
		presence_send_simple(bp, c_jid, w_jid, "probe");
	else
		s2x_event(bp, w, remembered ?
		    S2X_EV_SUBSCRIBE_NEW_AUTHORIZED : S2X_EV_SUBSCRIBE_NEW);
out:
	free(w_jid);
	free(c_jid);
}

/* SUBSCRIBE: new, refresh or unsubscribe (RFC 6665 §4.2.1). */
void
s2x_on_subscribe(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req, struct dialog_ref *ref)
{
	const struct config *cfg = bp->gw->cfg;
	const char *ev = sip_msg_header(req, "expires", NULL);
	long expires = ev != NULL ? sip_expires_parse(ev) : DEFAULT_EXPIRES;
	struct presence_watcher *w;
	struct presence_pair *p;

	if (expires < 0) {
		presence_refuse(bp, tx, 400, "Bad Expires");
		return;
	}
	if (expires > 0 && expires < cfg->presence_min_expires) {
		presence_refuse(bp, tx, 423, NULL);	/* RFC 6665 §4.2.1.1 */
		return;
	}
	if (expires > cfg->presence_max_expires)
		expires = cfg->presence_max_expires;
	if (!accepts_pidf(req)) {
		presence_refuse(bp, tx, 406, NULL);
		return;
	}
	if (ref == NULL) {
		subscribe_new(bp, tx, req, expires);
		return;
	}
	w = ref->watcher;
	if (!sip_dialog_matches_remote(&w->dlg, req)) {
		presence_refuse(bp, tx, 481, NULL);
		return;
	}
	if (sip_dialog_accept_cseq(&w->dlg, req) < 0) {
		presence_refuse(bp, tx, 500, "CSeq out of order");
		return;
	}
	sip_dialog_update_target(&w->dlg, req);
	w->expires_at = time(NULL) + expires;
	answer_ok(bp, tx, expires);
	p = w->pair;
	s2x_event(bp, w, expires == 0 ? S2X_EV_UNSUBSCRIBE : S2X_EV_REFRESH);
	presence_pair_maybe_free(bp, p);
}

/*
 * W's presence as C may see it (RFC 8048 §6.2) goes into the pair's cache
 * (presence_s2x_cache.c); then every watcher of the pair hears of it.
 */
void
s2x_update_cache(struct bridge_presence *bp, struct presence_pair *p,
    const struct xmpp_in_presence *pr)
{
	int available = pr->type == NULL;

	s2x_cache_put(p, pr);
	/* Her server spoke after every watcher's probe went out. */
	for (struct presence_watcher *w = p->watchers; w != NULL; w = w->next)
		w->awaiting = 0;
	s2x_pair_event(bp, p, available ? S2X_EV_XMPP_AVAILABLE :
	    S2X_EV_XMPP_UNAVAILABLE);
	/* Fetches that waited for this answer. */
	for (struct presence_watcher *w = p->watchers, *next; w != NULL;
	    w = next) {
		next = w->next;
		if (w->fetch)
			fetch_finish(bp, w, 1);
	}
}

/* Housekeeping for one watcher: expiry and fetch deadlines. */
void
s2x_housekeeping(struct bridge_presence *bp, struct presence_watcher *w,
    time_t now)
{
	if (w->pair == NULL)
		return;
	if (w->fetch) {
		/* No answer to the probe in time: a cache is no answer. */
		if (w->fetch_deadline != 0 && now >= w->fetch_deadline) {
			struct presence_pair *p = w->pair;

			fetch_finish(bp, w, 0);
			presence_pair_maybe_free(bp, p);
		}
		return;
	}
	if (now >= w->expires_at) {
		struct presence_pair *p = w->pair;

		s2x_event(bp, w, S2X_EV_EXPIRED);
		presence_pair_maybe_free(bp, p);
	}
}

struct s2x_restore {
	struct presence_watcher *w;
	int state;
	int bad;
};

static int
restore_field_cb(void *arg, const char *key, const char *value)
{
	struct s2x_restore *r = arg;
	int k;

	if ((k = sip_dialog_decode_field(&r->w->dlg, key, value)) != 0) {
		r->bad |= k < 0;
		return 0;
	}
	if (strcmp(key, "state") == 0)
		r->state = strcmp(value, "ACTIVE") == 0 ? S2X_ACTIVE :
		    strcmp(value, "PENDING") == 0 ? S2X_PENDING : -1;
	else if (strcmp(key, "expires_at") == 0)
		r->w->expires_at = (time_t)strtoll(value, NULL, 10);
	return 0;
}

/*
 * One stored watcher: after a crash its dialog is resumed as it was; its
 * CSeq is moved well past anything that may have gone unsaved.
 */
int
s2x_restore_cb(void *arg, const char *key, const char *value)
{
	struct bridge_presence *bp = arg;
	struct presence_pair *p = presence_pair_from_record(bp, value);
	struct presence_watcher *w = calloc(1, sizeof(*w));
	struct s2x_restore r = { w, -1, 0 };

	if (p == NULL || w == NULL ||
	    presence_record_each(value, restore_field_cb, &r) != 0 ||
	    r.bad || r.state < 0 || !sip_dialog_is_complete(&w->dlg) ||
	    w->dlg.remote_tag == NULL || w->expires_at <= time(NULL) ||
	    presence_dialog_index(bp, &w->ref, &w->dlg) < 0) {
		log_info_limited("presence: stored watcher %s dropped "
		    "(unreadable or expired)", key);
		if (w != NULL)
			sip_dialog_clear(&w->dlg);
		free(w);
		if (p != NULL)
			presence_pair_maybe_free(bp, p);
		store_del(bp->store, STORE_WATCHER, key);
		return 0;
	}
	w->state = (enum s2x_state)r.state;
	w->dlg.local_cseq += 100;
	link_to_pair(w, p);
	trace_step(w, "stored", s2x_state_name(w->state), "restored");
	w->stored = 1;
	presence_count(bp, p->contact_jid, 1);
	return 0;
}
