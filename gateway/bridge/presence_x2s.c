/*
 * X2S (RFC 8048 §5.2): an XMPP user W watches a SIP contact C. The gateway
 * is the SIP subscriber: it sends SUBSCRIBE, keeps the dialog refreshed
 * while W is online and carries out the X2S machine's steps. What W sees
 * of a NOTIFY is built by presence_x2s_view.c; probes without a
 * subscription (polls, §7) are fetches, presence_x2s_fetch.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "presence_int.h"
#include "sip_event.h"
#include "sip_stack.h"
#include "store.h"

#define REFRESH_MARGIN_S	30

/* What a SUBSCRIBE transaction was for, found again by key and gen. */
struct x2s_tx {
	struct bridge_presence *bp;
	char *key;		/* the pair's key */
	unsigned gen;
	int expires;		/* what we asked for */
};

/* When to refresh a subscription granted for e seconds. */
static time_t
refresh_time(time_t now, long e)
{
	long margin = e / 10 > REFRESH_MARGIN_S ? e / 10 : REFRESH_MARGIN_S;

	if (margin > e / 2)
		margin = e / 2;
	return now + e - margin;
}

/*
 * Moves the pair's X2S machine to next and traces the step, once per
 * change (DESIGN.md: every transition is logged; at 100,000
 * subscriptions only under -T presence). why names the event.
 */
static void
set_state(struct presence_pair *p, enum x2s_state next, const char *why)
{
	if (p->x2s == next)
		return;
	log_trace(TRACE_PRESENCE, "%s watching %s: %s -> %s (%s)",
	    p->user_jid, p->contact_jid, x2s_state_name(p->x2s),
	    x2s_state_name(next), why);
	p->x2s = next;
}

/* Forgets the SIP dialog; answers to its requests are ignored from now. */
static void
drop_dialog(struct bridge_presence *bp, struct presence_pair *p)
{
	presence_dialog_unindex(bp, &p->x2s_ref);
	sip_dialog_clear(&p->x2s_dlg);
	p->x2s_gen++;
	p->x2s_in_flight = 0;
	p->x2s_expires_at = 0;
	p->x2s_refresh_at = 0;
	p->x2s_probe_deadline = 0;
}

/* Everything X2S, for the end of a record or of the bridge. */
void
x2s_clear(struct bridge_presence *bp, struct presence_pair *p)
{
	drop_dialog(bp, p);
	x2s_clear_resources(p);
	free(p->x2s_view);
	p->x2s_view = NULL;
	p->x2s_retry_at = 0;
}

/* The answer to one of our SUBSCRIBEs. */
static void
subscribe_answered_cb(void *arg, int status, const struct sip_msg *resp)
{
	struct x2s_tx *t = arg;
	struct bridge_presence *bp = t->bp;
	struct strmap_node *n = strmap_find(&bp->pairs, t->key);
	struct presence_pair *p = (struct presence_pair *)n;
	time_t now = time(NULL);
	enum x2s_event ev;

	if (p == NULL || p->x2s_gen != t->gen || bp->shutting_down)
		goto out;	/* that dialog is gone */
	p->x2s_in_flight = 0;
	p->x2s_last_status = status;
	p->x2s_retry_hint = -1;
	ev = x2s_event_for_status(status);
	if (ev == X2S_EV_SIP_OK && resp != NULL) {
		const char *e = sip_msg_header(resp, "expires", NULL);
		long granted = e != NULL ? sip_expires_parse(e) : -1;

		if (p->x2s_dlg.remote_tag == NULL &&
		    sip_dialog_uac_confirm(&p->x2s_dlg, resp) < 0 &&
		    t->expires > 0)
			log_trace(TRACE_PRESENCE, "2xx to SUBSCRIBE for %s "
			    "lacks Contact; waiting for NOTIFY",
			    p->contact_jid);
		if (granted < 0 || granted > t->expires)
			granted = t->expires;	/* RFC 6665 §4.1.2.1 */
		if (granted > 0) {
			p->x2s_expires_at = now + granted;
			p->x2s_refresh_at = refresh_time(now, granted);
		}
	} else if (status == 423 && resp != NULL) {
		const char *me = sip_msg_header(resp, "min-expires", NULL);
		long min = me != NULL ? sip_expires_parse(me) : -1;

		if (min > 0 && min <= 86400) {
			p->x2s_expires_ask = (int)min;
			p->x2s_retry_hint = 0;	/* at once, longer */
		}
	} else if (resp != NULL) {
		const char *ra = sip_msg_header(resp, "retry-after", NULL);

		if (ra != NULL)
			p->x2s_retry_hint = sip_expires_parse(ra);
	}
	log_trace(TRACE_PRESENCE, "SUBSCRIBE %s -> %s (Expires %d): %d",
	    p->user_jid, p->contact_jid, t->expires, status);
	x2s_event(bp, p, ev, NULL);
	presence_pair_maybe_free(bp, p);
out:
	free(t->key);
	free(t);
}

/* Sends req (a SUBSCRIBE) and arranges for its answer. */
static int
send_subscribe(struct bridge_presence *bp, struct presence_pair *p,
    struct sip_msg *req, int expires)
{
	struct x2s_tx *t = calloc(1, sizeof(*t));
	char num[16];

	if (t == NULL || (t->key = strdup(p->key)) == NULL) {
		free(t);
		sip_msg_free(req);
		return -1;
	}
	t->bp = bp;
	t->gen = p->x2s_gen;
	t->expires = expires;
	presence_add_sip_headers(bp, req, 1);
	sip_msg_add_header(req, "Accept", "application/pidf+xml");
	snprintf(num, sizeof(num), "%d", expires);
	sip_msg_add_header(req, "Expires", num);
	if (sip_send_request(bp->gw->sip, req, subscribe_answered_cb, t) < 0) {
		free(t->key);
		free(t);
		return -1;
	}
	p->x2s_in_flight = 1;
	return 0;
}

/* RFC 8048 §5.2.1: a SUBSCRIBE in a new dialog. */
static int
subscribe_new(struct bridge_presence *bp, struct presence_pair *p)
{
	struct sip_msg *req;

	if (p->contact_sip == NULL || p->user_sip == NULL)
		return -1;
	drop_dialog(bp, p);
	req = sip_msg_request_new("SUBSCRIBE", p->contact_sip, p->user_sip,
	    p->contact_sip, NULL);
	/* XEP-0172 §4.1: her <nick/> names her to the SIP user; a name
	 * is a courtesy, so no memory for it sends none. */
	if (req != NULL)
		(void)sip_msg_set_from_display(req, p->user_nick);
	if (req == NULL || sip_dialog_uac_init(&p->x2s_dlg, req) < 0 ||
	    presence_dialog_index(bp, &p->x2s_ref, &p->x2s_dlg) < 0) {
		sip_msg_free(req);
		sip_dialog_clear(&p->x2s_dlg);
		return -1;
	}
	p->x2s_ref.pair = p;
	p->x2s_ref.watcher = NULL;
	p->x2s_ref.fetch = 0;
	return send_subscribe(bp, p, req, p->x2s_expires_ask);
}

/* An in-dialog SUBSCRIBE: a refresh, or with 0 the end (§5.2.3). */
static int
subscribe_in_dialog(struct bridge_presence *bp, struct presence_pair *p,
    int expires)
{
	struct sip_msg *req;

	if (p->x2s_ref.key == NULL || p->x2s_dlg.remote_tag == NULL)
		return -1;	/* not confirmed: nothing to refresh */
	if ((req = sip_dialog_request(&p->x2s_dlg, "SUBSCRIBE")) == NULL)
		return -1;
	p->x2s_refresh_at = 0;
	return send_subscribe(bp, p, req, expires);
}

/* A <presence type='error'/> for W, from the failed SUBSCRIBE's answer. */
static void
send_error(struct bridge_presence *bp, struct presence_pair *p)
{
	const struct xmpp_error_cond *cond =
	    errors_sip_to_xmpp(p->x2s_last_status);
	struct im_presence pr;

	memset(&pr, 0, sizeof(pr));
	pr.from = p->contact_jid;
	pr.to = p->user_jid;
	pr.type = "error";
	pr.error_condition = cond != NULL ? cond->condition :
	    "remote-server-timeout";
	pr.error_type = cond != NULL ? cond->type : NULL;
	presence_send_stanza(bp, &pr);
}

/*
 * Keeps an ended dialog around for a while so that the NOTIFY
 * terminated that follows our unsubscribe (RFC 6665 §4.1.2.3) gets 200,
 * not 481. It becomes a fetch that forwards nothing.
 */
static void
linger(struct bridge_presence *bp, struct presence_pair *p)
{
	struct presence_fetch *f;

	if (p->x2s_ref.key == NULL || p->x2s_dlg.remote_tag == NULL ||
	    bp->n_fetches >= PRESENCE_MAX_FETCHES ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return;
	presence_dialog_unindex(bp, &p->x2s_ref);
	f->dlg = p->x2s_dlg;
	memset(&p->x2s_dlg, 0, sizeof(p->x2s_dlg));
	f->ref.fetch = 1;
	f->deadline = time(NULL) + PRESENCE_NOTIFY_TIMEOUT;
	if ((f->contact_jid = strdup(p->contact_jid)) == NULL ||
	    presence_dialog_index(bp, &f->ref, &f->dlg) < 0) {
		sip_dialog_clear(&f->dlg);
		free(f->contact_jid);
		free(f);
		return;
	}
	bp->n_fetches++;
}

/*
 * Feeds one event to the pair's X2S machine and carries out what the
 * table says, in the order presence_fsm.h gives. notify is the NOTIFY
 * behind the event, if any.
 */
void
x2s_event(struct bridge_presence *bp, struct presence_pair *p,
    enum x2s_event ev, const struct sip_msg *notify)
{
	struct presence_step step = x2s_step(p->x2s, ev);
	unsigned a = step.actions;
	enum x2s_state before = p->x2s;
	time_t now = time(NULL);

	set_state(p, (enum x2s_state)step.next, x2s_event_name(ev));
	if ((a & X2S_ACT_SUBSCRIBE_END) &&
	    subscribe_in_dialog(bp, p, 0) < 0 &&
	    p->x2s == X2S_UNSUBSCRIBING) {
		/* No dialog to end: the unsubscribe is done already. */
		a |= X2S_ACT_SEND_UNSUBSCRIBED | X2S_ACT_DELETE;
	}
	if (a & X2S_ACT_DROP_DIALOG)
		drop_dialog(bp, p);
	if ((a & X2S_ACT_SUBSCRIBE_NEW) && subscribe_new(bp, p) < 0) {
		log_warnx("presence: cannot subscribe %s to %s",
		    p->user_jid, p->contact_jid);
		a |= X2S_ACT_SCHEDULE_RETRY;
	}
	if ((a & X2S_ACT_SUBSCRIBE_REFRESH) &&
	    subscribe_in_dialog(bp, p, p->x2s_expires_ask) < 0 &&
	    subscribe_new(bp, p) < 0) {
		/* No confirmed dialog to refresh: a new one, or later. */
		drop_dialog(bp, p);
		a |= X2S_ACT_SCHEDULE_RETRY;
	}
	if (a & X2S_ACT_SEND_SUBSCRIBED)
		presence_send_simple(bp, p->contact_jid, p->user_jid,
		    "subscribed");
	if (a & X2S_ACT_SEND_PRESENCE) {
		if (notify != NULL)
			x2s_forward_notify(bp, p, notify);
		else if (p->x2s_view != NULL)
			x2s_send_cached(bp, p, p->user_jid);
	}
	if (a & X2S_ACT_SEND_UNSUBSCRIBED) {
		/* The roster entry goes offline before it goes away. */
		for (size_t i = 0; i < p->n_x2s_resources; i++) {
			char from[PRESENCE_FULL_JID_MAX];

			x2s_full_jid(from, sizeof(from), p->contact_jid,
			    p->x2s_resources[i]);
			presence_send_simple(bp, from, p->user_jid,
			    "unavailable");
		}
		presence_send_simple(bp, p->contact_jid, p->user_jid,
		    "unsubscribed");
	}
	if (a & X2S_ACT_SEND_ERROR)
		send_error(bp, p);
	if (a & X2S_ACT_SCHEDULE_RETRY) {
		long wait = p->x2s_retry_hint >= 0 ? p->x2s_retry_hint :
		    bp->gw->cfg->presence_retry_s;

		p->x2s_retry_at = now + (wait > 3600 ? 3600 : wait);
		if (p->x2s_retry_at == 0)
			p->x2s_retry_at = 1;
	}
	if (a & X2S_ACT_DELETE) {
		linger(bp, p);
		x2s_clear(bp, p);
		if (before != X2S_NONE || p->x2s_stored)
			presence_count(bp, p->user_jid, -1);
		set_state(p, X2S_NONE, x2s_event_name(ev));
	}
	if (p->x2s != before || (a & (X2S_ACT_DELETE | X2S_ACT_DROP_DIALOG |
	    X2S_ACT_SUBSCRIBE_NEW | X2S_ACT_SEND_PRESENCE)))
		presence_save_x2s(bp, p);
}

/*
 * A probe from W to C: her server asks at her initial presence (§5.2.2),
 * or she polls (§7).
 */
void
x2s_on_probe(struct bridge_presence *bp, struct presence_pair *p,
    const char *from_full)
{
	p->w_online = 1;
	if (p->x2s == X2S_ACTIVE) {
		/* §5.2.2: her initial presence is the time to re-SUBSCRIBE;
		 * the NOTIFY it brings back refreshes what she sees. */
		x2s_send_cached(bp, p, from_full);
		p->x2s_probe_deadline = 0;
		if (!p->x2s_in_flight)
			x2s_event(bp, p, X2S_EV_REFRESH_DUE, NULL);
		return;
	}
	if (p->x2s == X2S_IDLE) {
		x2s_event(bp, p, X2S_EV_WATCHER_ONLINE, NULL);
		return;
	}
	if (p->x2s == X2S_NONE)
		x2s_fetch_start(bp, p, from_full);
}

/* A NOTIFY in a dialog of ours (RFC 6665 §4.1.3). */
void
x2s_on_notify(struct bridge_presence *bp, struct dialog_ref *ref,
    struct sip_tx *tx, const struct sip_msg *req)
{
	const char *ssv = sip_msg_header(req, "subscription-state", NULL);
	struct sip_dialog *dlg = ref->fetch ?
	    &((struct presence_fetch *)ref)->dlg : &ref->pair->x2s_dlg;
	struct sub_state_hdr ss;
	struct presence_pair *p = ref->pair;
	time_t now = time(NULL);
	enum x2s_event ev;

	if (!sip_dialog_matches_remote(dlg, req)) {
		sip_respond_status(bp->gw->sip, tx, 481, NULL);
		return;
	}
	if (ssv == NULL || sip_sub_state_parse(ssv, &ss) < 0) {
		sip_respond_status(bp->gw->sip, tx, 400,
		    "Bad Subscription-State");
		return;
	}
	if (dlg->remote_tag == NULL) {
		/* RFC 6665 §4.1.2.4: the NOTIFY came before the 2xx. */
		if (sip_dialog_uac_confirm(dlg, req) < 0) {
			sip_respond_status(bp->gw->sip, tx, 400,
			    "NOTIFY without Contact");
			return;
		}
	} else if (sip_dialog_accept_cseq(dlg, req) < 0) {
		sip_respond_status(bp->gw->sip, tx, 500, "CSeq out of order");
		return;
	} else
		sip_dialog_update_target(dlg, req);
	sip_respond_status(bp->gw->sip, tx, 200, NULL);

	if (ref->fetch) {
		x2s_fetch_notified(bp, (struct presence_fetch *)ref, ss.state,
		    req);
		return;
	}
	if (ss.state == SUB_STATE_TERMINATED) {
		p->x2s_retry_hint = ss.retry_after;
		ev = ss.reason == SUB_REASON_REJECTED ||
		    ss.reason == SUB_REASON_NORESOURCE ||
		    ss.reason == SUB_REASON_INVARIANT ?
		    X2S_EV_NOTIFY_END_FINAL : X2S_EV_NOTIFY_END_RETRY;
		if (ss.reason == SUB_REASON_DEACTIVATED && ss.retry_after < 0)
			p->x2s_retry_hint = 0;	/* RFC 6665: at once */
	} else {
		if (ss.expires > 0) {
			p->x2s_expires_at = now + ss.expires;
			if (!p->x2s_in_flight)
				p->x2s_refresh_at = refresh_time(now,
				    ss.expires);
		}
		/* RFC 6665 §4.1.3: unknown states count as pending. */
		ev = ss.state == SUB_STATE_ACTIVE ? X2S_EV_NOTIFY_ACTIVE :
		    X2S_EV_NOTIFY_PENDING;
	}
	log_trace(TRACE_PRESENCE, "NOTIFY %s for %s: %s", p->contact_jid,
	    p->user_jid, ssv);
	x2s_event(bp, p, ev, req);
	presence_pair_maybe_free(bp, p);
}

/* Housekeeping for one pair's X2S side. */
void
x2s_housekeeping(struct bridge_presence *bp, struct presence_pair *p,
    time_t now)
{
	if (p->x2s_retry_at != 0 && now >= p->x2s_retry_at) {
		/* §5.2.2: only renew while she is online. */
		if (p->x2s != X2S_IDLE || p->w_online) {
			p->x2s_retry_at = 0;
			x2s_event(bp, p, X2S_EV_RETRY_DUE, NULL);
		}
	}
	if (p->x2s_ref.key == NULL || p->x2s_in_flight)
		return;
	if (p->x2s_probe_deadline != 0 && now >= p->x2s_probe_deadline) {
		/* No answer to the probe: refresh as if she were on. */
		p->x2s_probe_deadline = 0;
		x2s_event(bp, p, X2S_EV_REFRESH_DUE, NULL);
		return;
	}
	if (p->x2s_refresh_at != 0 && now >= p->x2s_refresh_at &&
	    p->x2s_probe_deadline == 0) {
		time_t wait = (bp->gw->cfg->presence_probe_timeout_ms + 999) /
		    1000;

		p->x2s_refresh_at = 0;
		/*
		 * §8.1: probe her before refreshing, when her server will
		 * answer C at all (she authorized C; otherwise a probe only
		 * earns an "unsubscribed" that says nothing about her), and
		 * when there is time left to wait for the answer.
		 */
		if (p->x2s == X2S_ACTIVE && p->authorized == 1 &&
		    p->x2s_expires_at > now + wait + 1) {
			presence_send_simple(bp, p->contact_jid, p->user_jid,
			    "probe");
			p->x2s_probe_deadline = now + wait;
		} else
			x2s_event(bp, p, X2S_EV_REFRESH_DUE, NULL);
		return;
	}
	if (p->x2s_expires_at != 0 && now >= p->x2s_expires_at)
		x2s_event(bp, p, X2S_EV_EXPIRED, NULL);
}

struct x2s_restore {
	struct presence_pair *p;
	enum x2s_state state;
	int bad;
};

static int
restore_field_cb(void *arg, const char *key, const char *value)
{
	struct x2s_restore *r = arg;
	struct presence_pair *p = r->p;
	int k;

	if ((k = sip_dialog_decode_field(&p->x2s_dlg, key, value)) != 0) {
		r->bad |= k < 0;
		return 0;
	}
	if (strcmp(key, "state") == 0) {
		for (int s = 0; s < X2S_N_STATES; s++)
			if (strcmp(value, x2s_state_name(s)) == 0)
				r->state = (enum x2s_state)s;
	} else if (strcmp(key, "expires_at") == 0)
		p->x2s_expires_at = (time_t)strtoll(value, NULL, 10);
	else if (strcmp(key, "resource") == 0 &&
	    p->n_x2s_resources < X2S_MAX_RESOURCES) {
		char **r2 = realloc(p->x2s_resources,
		    (p->n_x2s_resources + 1) * sizeof(*r2));

		if (r2 == NULL)
			return -1;
		p->x2s_resources = r2;
		if ((r2[p->n_x2s_resources] = strdup(value)) != NULL)
			p->n_x2s_resources++;
	}
	return 0;
}

/*
 * One stored X2S subscription. A dialog that was live is resumed (and
 * refreshed once the XMPP link is up); one that was being set up is
 * started again; an authorization without a dialog waits for W.
 */
int
x2s_restore_cb(void *arg, const char *key, const char *value)
{
	struct bridge_presence *bp = arg;
	struct presence_pair *p = presence_pair_from_record(bp, value);
	struct x2s_restore r = { p, X2S_NONE, 0 };

	if (p == NULL || p->x2s != X2S_NONE) {
		log_warnx("presence: stored subscription %s unreadable, "
		    "dropped", key);
		store_del(bp->store, STORE_SUBSCRIPTION, key);
		return 0;
	}
	if (presence_record_each(value, restore_field_cb, &r) != 0 ||
	    r.state == X2S_NONE || p->contact_sip == NULL ||
	    p->user_sip == NULL) {
		log_warnx("presence: stored subscription %s unreadable, "
		    "dropped", key);
		x2s_clear(bp, p);
		store_del(bp->store, STORE_SUBSCRIPTION, key);
		presence_pair_maybe_free(bp, p);
		return 0;
	}
	set_state(p, r.state, "restored");
	p->x2s_stored = 1;
	presence_count(bp, p->user_jid, 1);
	if (!r.bad && sip_dialog_is_complete(&p->x2s_dlg) &&
	    p->x2s_dlg.remote_tag != NULL &&
	    presence_dialog_index(bp, &p->x2s_ref, &p->x2s_dlg) == 0) {
		p->x2s_ref.pair = p;
		/* Past requests may not have been saved: stay above them. */
		p->x2s_dlg.local_cseq += 100;
		p->w_online = 1;
		p->x2s_refresh_at = 0;	/* bridge_presence_link_up() */
		if (p->x2s == X2S_RESUBSCRIBING)
			set_state(p, X2S_ACTIVE, "restored-dialog");
		return 0;
	}
	sip_dialog_clear(&p->x2s_dlg);
	p->x2s_expires_at = 0;
	switch (p->x2s) {
	case X2S_SUBSCRIBING:
	case X2S_PENDING:
		set_state(p, X2S_SUBSCRIBING, "restored-without-dialog");
		p->x2s_retry_at = time(NULL);
		break;
	default:
		set_state(p, X2S_IDLE, "restored-without-dialog");
		p->w_online = 1;	/* a restart is no reason to stop */
		p->x2s_retry_at = time(NULL);
		break;
	}
	return 0;
}
