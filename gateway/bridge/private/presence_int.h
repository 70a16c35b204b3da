/*
 * The presence bridge's own state, shared by bridge_presence.c (entry
 * points, life, housekeeping), presence_x2s.c (XMPP users watching SIP
 * contacts), presence_s2x.c (SIP watchers of XMPP users) and the services
 * both directions use: presence_pairs.c (pairs, dialog index, limits),
 * presence_records.c (the store) and presence_send.c (what goes out).
 *
 * Calls run down, entry points to directions to services, with one
 * exception: freeing a pair (presence_pair_maybe_free()) clears what each
 * direction hung on it (x2s_clear(), s2x_cache_clear()), since the pair
 * holds both directions and only they know their parts.
 *
 * Everything hangs off a pair: one SIP user C (known on XMPP by a JID in
 * our component domain) and one XMPP user W. Both directions of their
 * relation live in it, so presence learnt for one addressee never reaches
 * another (RFC 8048 §8.2).
 */
#ifndef SIPXMPP_PRESENCE_INT_H
#define SIPXMPP_PRESENCE_INT_H

#include <time.h>

#include "pidf.h"
#include "presence_fsm.h"
#include "sip_event.h"
#include "sip_dialog.h"
#include "stanza.h"
#include "strmap.h"

struct gateway;
struct store;
struct event;
struct sip_tx;
struct strbuf;
struct xmpp_in_presence;

/* An entry of the dialog index: which pair, and which watcher if S2X. */
struct dialog_ref {
	struct strmap_node node;
	char *key;			/* "Call-ID local-tag" */
	struct presence_pair *pair;
	struct presence_watcher *watcher;	/* NULL: the pair's X2S dialog */
	int fetch;			/* an X2S fetch (probe, RFC 8048 §7) */
};

/* A SIP device of C subscribed to W (S2X). */
struct presence_watcher {
	struct dialog_ref ref;
	struct presence_pair *pair;	/* NULL once detached (terminating) */
	struct presence_watcher *next;	/* in pair->watchers */
	enum s2x_state state;
	struct sip_dialog dlg;
	time_t expires_at;
	int fetch;			/* Expires: 0 (RFC 8048 §7) */
	int awaiting;			/* no presence of W has come since
					   this watcher's probe: its NOTIFYs
					   carry none (never the cache) */
	time_t fetch_deadline;
	int in_flight;			/* a NOTIFY awaits its answer */
	int dirty;			/* state changed while in flight */
	int final_reason;		/* enum sub_reason of the last NOTIFY */
	int final_closed;		/* ...which carries a closed PIDF */
	int final_sent;
	int stored;
};

/* An X2S fetch: SUBSCRIBE Expires: 0 answering one probe (no pair:
 * nothing else holds on to it). */
struct presence_fetch {
	struct dialog_ref ref;
	struct sip_dialog dlg;
	char *contact_jid;		/* C */
	char *reply_to;			/* the prober's full JID */
	time_t deadline;
};

/* Its three strings live in the same block, after the struct. */
struct presence_pair {
	struct strmap_node node;
	char *key;			/* "C W", both bare, lower-case */
	char *contact_jid;		/* C on XMPP: in our domain */
	char *user_jid;			/* W */
	char *contact_sip;		/* C's AOR */
	char *user_sip;			/* W on SIP */
	char *contact_nick;		/* C's From display-name (SUBSCRIBE) */
	char *user_nick;		/* W's XEP-0172 <nick/> (subscribe) */

	/* X2S: W watches C; we are the subscriber. */
	enum x2s_state x2s;
	unsigned x2s_gen;		/* bumped when the dialog is dropped */
	struct dialog_ref x2s_ref;	/* key NULL when there is no dialog */
	struct sip_dialog x2s_dlg;
	int x2s_in_flight;		/* a SUBSCRIBE awaits its answer */
	int x2s_expires_ask;		/* Expires to ask for (423 raises it) */
	time_t x2s_expires_at;
	time_t x2s_refresh_at;
	time_t x2s_retry_at;		/* 0: none scheduled */
	int x2s_last_status;		/* of the last SUBSCRIBE answer */
	int w_online;			/* W showed she is online (§5.2.2) */
	long x2s_retry_hint;		/* retry-after the SIP side gave, or -1 */
	char **x2s_resources;		/* resources W was told are available */
	size_t n_x2s_resources;
	char *x2s_view;			/* what the last NOTIFY told W, packed
					   (pidf_xmpp_pack): probes' answer */
	time_t x2s_probe_deadline;	/* probe before refresh (§8.1) */

	/* S2X: C watches W; we are the notifier. */
	int authorized;			/* W's answer: 1, 0, -1 unknown */
	int cache_known;		/* we have heard W's presence */
	struct presence_watcher *watchers;
	size_t n_watchers;
	struct presence_tuple *cache;	/* W's resources as C may see them */
	size_t n_cache;
	int x2s_stored;
	char strings[];			/* key, contact_jid, user_jid */
};

/* Called for each "key=value" line of a stored record. */
typedef int (*presence_field_cb)(void *arg, const char *key,
    const char *value);

/* Per-user counts for the limits (RFC 8048 §8), the key in the block. */
struct presence_user {
	struct strmap_node node;
	size_t n;
	char key[];
};

struct bridge_presence {
	struct gateway *gw;
	struct store *store;
	struct event *cron;
	struct event *commit_ev;
	struct strmap pairs;		/* by pair key */
	struct strmap dialogs;		/* by dialog key */
	struct strmap users;		/* subscription counts by user */
	size_t n_subscriptions;		/* X2S records + watchers */
	size_t n_fetches;
	int shutting_down;
	char contact[300];		/* our Contact URI */
};

#define PRESENCE_MAX_FETCHES	1000
#define PRESENCE_MAX_RESOURCE	256	/* longer tuple ids are not resources */
#define PRESENCE_FULL_JID_MAX	(2048 + 1 + PRESENCE_MAX_RESOURCE + 1)
#define PRESENCE_NOTIFY_TIMEOUT	32	/* seconds a fetch may wait */
#define X2S_MAX_RESOURCES	64	/* resources of C that W is told of */

/* presence_pairs.c */
struct presence_pair *presence_pair_get(struct bridge_presence *bp,
    const char *contact_jid, const char *user_jid, int create);
void presence_pair_maybe_free(struct bridge_presence *bp,
    struct presence_pair *pair);
int presence_dialog_index(struct bridge_presence *bp, struct dialog_ref *ref,
    const struct sip_dialog *dlg);
void presence_dialog_unindex(struct bridge_presence *bp,
    struct dialog_ref *ref);
int presence_limit_reached(struct bridge_presence *bp, const char *user);
void presence_count(struct bridge_presence *bp, const char *user, int delta);
char *presence_pair_key(const char *contact_jid, const char *user_jid);

/* presence_records.c */
void presence_save_x2s(struct bridge_presence *bp, struct presence_pair *p);
void presence_save_watcher(struct bridge_presence *bp,
    struct presence_watcher *w);
void presence_forget_watcher(struct bridge_presence *bp,
    struct presence_watcher *w);
void presence_save_authorization(struct bridge_presence *bp,
    struct presence_pair *p);
void presence_schedule_commit(struct bridge_presence *bp);
int presence_record_each(const char *text, presence_field_cb cb, void *arg);
struct presence_pair *presence_pair_from_record(struct bridge_presence *bp,
    const char *text);

/* presence_send.c */
void presence_send_stanza(struct bridge_presence *bp,
    const struct im_presence *pr);
void presence_send_simple(struct bridge_presence *bp, const char *from,
    const char *to, const char *type);
void presence_send_subscribe(struct bridge_presence *bp,
    const struct presence_pair *p);
void presence_refuse(struct bridge_presence *bp, struct sip_tx *tx,
    int status, const char *reason);
void presence_add_sip_headers(struct bridge_presence *bp,
    struct sip_msg *msg, int with_contact);

/* presence_x2s.c */
void x2s_event(struct bridge_presence *bp, struct presence_pair *p,
    enum x2s_event ev, const struct sip_msg *notify);
void x2s_on_notify(struct bridge_presence *bp, struct dialog_ref *ref,
    struct sip_tx *tx, const struct sip_msg *req);
void x2s_on_probe(struct bridge_presence *bp, struct presence_pair *p,
    const char *from_full);
void x2s_housekeeping(struct bridge_presence *bp, struct presence_pair *p,
    time_t now);
void x2s_clear(struct bridge_presence *bp, struct presence_pair *p);
int x2s_restore_cb(void *arg, const char *key, const char *value);
/* presence_x2s_fetch.c */
void x2s_fetch_expire(struct bridge_presence *bp, struct presence_fetch *f);
void x2s_fetch_free(struct bridge_presence *bp, struct presence_fetch *f);
void x2s_fetch_start(struct bridge_presence *bp, struct presence_pair *p,
    const char *reply_to);
void x2s_fetch_notified(struct bridge_presence *bp, struct presence_fetch *f,
    enum sub_state state, const struct sip_msg *req);
/* presence_x2s_view.c */
void x2s_send_cached(struct bridge_presence *bp, struct presence_pair *p,
    const char *to);
void x2s_clear_resources(struct presence_pair *p);
void x2s_full_jid(char *out, size_t size, const char *bare,
    const char *resource);
int x2s_pidf_body(const struct sip_msg *req, const char **body,
    size_t *len);
void x2s_forward_notify(struct bridge_presence *bp, struct presence_pair *p,
    const struct sip_msg *req);
void x2s_send_body(struct bridge_presence *bp, const char *contact_jid,
    const char *to, const char *body, size_t len);

/* presence_s2x.c */
void s2x_on_subscribe(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req, struct dialog_ref *ref);
void s2x_event(struct bridge_presence *bp, struct presence_watcher *w,
    enum s2x_event ev);
void s2x_pair_event(struct bridge_presence *bp, struct presence_pair *p,
    enum s2x_event ev);
void s2x_update_cache(struct bridge_presence *bp, struct presence_pair *p,
    const struct xmpp_in_presence *pr);
void s2x_housekeeping(struct bridge_presence *bp, struct presence_watcher *w,
    time_t now);
void s2x_watcher_free(struct bridge_presence *bp, struct presence_watcher *w);
int s2x_restore_cb(void *arg, const char *key, const char *value);
/* presence_s2x_cache.c */
void s2x_cache_put(struct presence_pair *p,
    const struct xmpp_in_presence *pr);
void s2x_cache_clear(struct presence_pair *p);
int s2x_build_pidf(struct strbuf *sb, const char *entity,
    const struct presence_pair *p, int closed);

#endif
