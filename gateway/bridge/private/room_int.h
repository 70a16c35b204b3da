/*
 * Inside the room bridge (issue 13, page mode): what its files share.
 * bridge_room.c is the face (entry points, life, the periodic cron);
 * room_sip.c reads a SIP user's MESSAGE to a room (addresses, limits,
 * commands); room_member.c keeps memberships and runs their machine
 * (room_fsm.c) and its actions; room_xmpp.c reads what rooms send;
 * room_deliver.c carries room messages to each SIP participant, one at
 * a time and in order; room_subscribe.c serves SUBSCRIBEs with Event:
 * conference (RFC 4575): it joins like a MESSAGE and keeps the
 * subscriber's conference-info NOTIFYs going; room_private.c carries
 * private messages between a participant and one occupant (XEP-0045
 * §7.5), both ways; room_store.c keeps memberships in the store
 * (records: room_record.c), room_rejoin.c brings them back and lets
 * quiet ones go.
 *
 * The files of invitations (room_invite.c, the text in
 * room_invite_text.c), of "is this embed-rule JID a room?"
 * (room_disco.c, with room_cache.c), of a MESSAGE outside any queue
 * (room_tell.c) and of join/leave notices (room_notice.c) complete it.
 *
 * Why these files call each other both ways (a circle farm-studio
 * draws, on purpose): the machine of a membership is the hub. The
 * readers (room_sip.c, room_subscribe.c, room_xmpp.c) turn what comes
 * in into events for it, room_member_event(); it carries out its
 * actions through the writers (room_deliver.c, room_tell.c,
 * room_store.c, the stanzas); and what a writer learns later, such as
 * a participant whose MESSAGEs keep failing, is again an event into the
 * machine, not a decision of the writer's own. So every arrow back up
 * ends in room_member_event() or in the roster, and the table in
 * room_fsm.c stays the one place where a membership changes state. The
 * message bridge and room_disco.c call each other for the same kind of
 * reason: a MESSAGE to an embed-rule JID leaves the 1:1 path to ask
 * whether the JID is a room, and comes back to it (disco_bypass) when
 * it is not.
 *
 * Model (STANDARDS §2.14, choice): one occupant per SIP user, from his
 * own JID in the component domain. So the room itself sends each of our
 * occupants its own copy of every message: a stanza to one of our JIDs
 * from a room concerns exactly one membership, found by "user room".
 */
#ifndef SIPXMPP_ROOM_INT_H
#define SIPXMPP_ROOM_INT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "room_cache.h"
#include "room_command.h"
#include "room_fsm.h"
#include "room_record.h"
#include "strbuf.h"
#include "sip_dialog.h"
#include "strmap.h"

struct event;
struct gateway;
struct sip_tx;
struct sip_message_fields;
struct map_room;
struct room_private;
struct xmpp_in_message;
struct xmpp_in_presence;
struct sip_msg;

/* Bytes of the room bridge's ids: a prefix, '-', a counter in hex. */
#define ROOM_ID_MAX	48
#define ROOM_NICK_TRIES	5	/* nicks tried on 409 (XEP-0045 §7.2.9) */
#define ROOM_ROSTER_MAX	2000	/* occupants remembered for /who */
#define ROOM_NICK_MAX_Z	(ROOM_NICK_MAX + 8)	/* + "-N" suffix, NUL */
#define ROOM_SUB_PENDING	16	/* changes merged into one partial */

/* A SIP MESSAGE for the room, held or sent and waiting for its echo. */
struct room_said {
	TAILQ_ENTRY(room_said) entry;
	struct sip_tx *tx;
	struct timespec deadline;	/* sent: the reflection is due */
	char id[ROOM_ID_MAX];		/* stanza id and origin-id */
	size_t len;
	char body[];			/* held: what to say */
};
TAILQ_HEAD(room_said_list, room_said);

/* A room message printed for SIP, waiting its turn. */
struct room_out {
	STAILQ_ENTRY(room_out) entry;
	size_t len;
	char text[];			/* headers after Via, body */
};

/* One occupant of the room, as its presence told (for /who). */
struct room_occupant {
	struct room_occupant *next;
	char nick[];
};

/* The MESSAGE out to a participant; outlives him if he goes first. */
struct room_delivery {
	struct room_member *m;		/* NULL: the membership is gone */
	int notice;			/* the "you missed N" line */
};

/*
 * A conference subscription (RFC 4575) of one membership: its dialog,
 * the version last sent, and what waits for the NOTIFY in flight. It
 * outlives the membership while its last NOTIFY is out (m NULL).
 */
struct room_sub {
	struct strmap_node node;	/* in br->subs by "Call-ID to-tag" */
	struct bridge_room *br;
	struct room_member *m;		/* NULL: the membership is gone */
	struct sip_tx *held;		/* SUBSCRIBE waiting for the join */
	struct sip_dialog dlg;
	char *key;
	time_t expires_at;
	uint32_t version;		/* of the last document sent */
	int active;			/* answered 200: NOTIFYs flow */
	int in_flight;			/* RFC 6665 §4.2.2: one at a time */
	int dirty;			/* too much changed: a full next */
	char *pend[ROOM_SUB_PENDING];	/* nicks changed meanwhile */
	unsigned char pend_deleted[ROOM_SUB_PENDING];
	size_t n_pend;
	int final_reason;		/* enum sub_reason: terminated */
	int final_sent;
};

/* One SIP user in one room. Strings live in the same block. */
struct room_member {
	struct strmap_node node;
	struct bridge_room *br;
	char *key;			/* "user-jid room-jid", lower-case */
	char *user_jid;			/* his occupant's real JID (ours) */
	char *user_uri;			/* where room messages go */
	char *room_jid;
	char *room_uri;
	char nick[ROOM_NICK_MAX_Z];	/* the nick in use or asked for */
	char base_nick[ROOM_NICK_MAX_Z];
	int nick_try;
	char new_nick[ROOM_NICK_MAX_Z];	/* /nick in flight, "" if none */
	enum room_state state;
	struct timespec deadline;	/* JOINING, LEAVING */
	const char *refuse_reason;	/* for the held MESSAGEs */
	int refuse_status;
	char out_reason[640];		/* why he is out, for TELL_OUT */
	struct room_said_list held;	/* until the room accepts him */
	struct room_said_list sent;	/* until the room reflects them */
	STAILQ_HEAD(, room_out) queue;	/* room -> him, in order */
	size_t n_queue;
	unsigned long missed;		/* dropped: queue_max reached */
	struct room_delivery *in_flight;
	int failures;			/* in a row */
	struct room_occupant *roster;
	size_t n_roster;
	struct room_sub *sub;		/* his conference subscription */
	int by_sub;			/* joined by SUBSCRIBE, no MESSAGE */
	int end_reason;			/* enum sub_reason when he is out */
	/* Item 7: kept in the store, rejoined without replayed history. */
	long long marker;		/* last delivered: delay stamp or
					   our receive time (Unix s) */
	long long join_marker;		/* marker when the join was sent */
	char sids[ROOM_SIDS][ROOM_SID_MAX];	/* ring of stanza-ids */
	int n_sids, sid_next;
	int stored;			/* a record is in the store */
	int dirty;			/* marker newer than the record */
	struct timespec last_said;	/* [rooms] idle_leave_s */
};

struct room_lookup;
TAILQ_HEAD(room_lookup_list, room_lookup);

struct bridge_room {
	struct gateway *gw;
	struct strmap members;		/* by key */
	struct strmap subs;		/* struct room_sub, by dialog */
	struct room_cache invite_rate;	/* invitations per SIP user */
	struct room_cache passwords;	/* "user room": an invitation's */
	struct room_cache disco;	/* JID: a room (1) or not (0) */
	struct room_lookup_list lookups;	/* disco#info in flight */
	size_t n_lookups;
	int disco_bypass;		/* the answer is in: go as chat */
	struct event *cron;
	uint64_t next_seq;
	char id_prefix[9];
	struct strbuf sb;		/* stanzas */
	struct strbuf sip_sb;		/* MESSAGEs */
	TAILQ_HEAD(, room_private) privates;	/* room_private.c */
};

/* bridge_room.c */
void room_next_id(struct bridge_room *br, char out[ROOM_ID_MAX]);
void room_deadline(struct bridge_room *br, struct timespec *ts);
int room_is_past(const struct timespec *ts, const struct timespec *now);
char *room_sender_jid(struct bridge_room *br, struct sip_tx *tx,
    const char *sender_uri);

/* room_member.c */
struct room_member *room_member_find(struct bridge_room *br,
    const char *user_jid, const char *room_jid);
int room_member_new(struct bridge_room *br, const char *user_jid,
    const char *user_uri, const char *room_jid, const char *room_uri,
    const char *nick, struct room_member **out);
size_t room_member_count_user(struct bridge_room *br, const char *user_jid);
size_t room_member_count_room(struct bridge_room *br, const char *room_jid);
int room_member_event(struct room_member *m, enum room_event ev,
    struct sip_tx *tx, const char *body, size_t len);
void room_member_refuse(struct room_member *m, int status,
    const char *reason);
void room_member_say_done(struct room_member *m, struct room_said *s,
    int status, const char *reason);
int room_member_send_leave(struct room_member *m);
int room_member_send_nick(struct room_member *m, const char *nick);
void room_member_cron(struct room_member *m, const struct timespec *now);
void room_member_free(struct room_member *m);

/* room_xmpp.c */
int room_xmpp_presence(struct bridge_room *br,
    const struct xmpp_in_presence *p);
int room_xmpp_message(struct bridge_room *br, const struct xmpp_in_message *m);
void room_roster_put(struct room_member *m, const char *nick);
void room_roster_drop(struct room_member *m, const char *nick);
void room_roster_clear(struct room_member *m);

/* room_deliver.c */
int room_deliver(struct room_member *m, const char *nick, const char *body,
    const char *subject);
int room_deliver_said(struct room_member *m, const char *nick,
    const char *body, const char *subject, const char *stamp);
int room_deliver_private(struct room_member *m, const char *nick,
    const char *from_uri, const char *body, const char *stamp);
int room_deliver_notice(struct room_member *m, const char *text);
void room_print_head(struct strbuf *sb, const char *name,
    const char *from_uri, const char *to_uri);
void room_deliver_detach(struct room_member *m);

/* room_subscribe.c */
void room_sub_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_msg *req);
void room_sub_joined(struct room_member *m);
void room_sub_member_gone(struct room_member *m);
void room_sub_roster(struct room_member *m, const char *nick, int deleted);
void room_sub_cron(struct room_sub *sub, time_t now);
void room_sub_free(struct room_sub *sub);

/* room_notice.c */
int room_roster_has(const struct room_member *m, const char *nick);
void room_notice_presence(struct room_member *m, const char *nick,
    const struct xmpp_in_presence *p);

/* room_invite.c */
int room_invitation(struct bridge_room *br,
    const struct xmpp_in_message *msg);
const char *room_invite_password(struct bridge_room *br,
    const char *user_jid, const char *room_jid);

/* room_tell.c */
int room_tell(struct bridge_room *br, const char *from_uri,
    const char *name, const char *to_uri, const char *text,
    const char *what);
void room_farewell(struct room_member *m);

/* room_disco.c */
void room_disco_cron(struct bridge_room *br);
void room_disco_flush(struct bridge_room *br, int status,
    const char *reason);
size_t room_disco_pending(const struct bridge_room *br);

/* room_private.c */
void room_private_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const struct map_room *room);
int room_private_error(struct bridge_room *br,
    const struct xmpp_in_message *msg);
void room_private_to_sip(struct room_member *m, const char *nick,
    const struct xmpp_in_message *msg);
void room_private_abort(struct bridge_room *br, int status,
    const char *reason);
size_t room_private_pending(const struct bridge_room *br);
void room_private_free_all(struct bridge_room *br);

/* room_store.c */
struct store *room_store(struct bridge_room *br);
void room_store_save(struct room_member *m);
void room_store_forget(struct room_member *m);
void room_store_flush(struct bridge_room *br);
void room_store_restore(struct bridge_room *br);
int room_store_is_replay(struct room_member *m,
    const struct xmpp_in_message *msg);
void room_store_delivered(struct room_member *m,
    const struct xmpp_in_message *msg);

/* room_rejoin.c */
void room_rejoin(struct room_member *m);
void room_rejoin_cron(struct room_member *m, const struct timespec *now);
int room_member_has_subscription(const struct room_member *m);

/* room_sip.c */
int room_sip_may_join(struct bridge_room *br, struct sip_tx *tx,
    const char *user_jid, const char *room_jid);
void room_sip_message(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *room_jid, const char *room_uri, const char *display);

#endif
