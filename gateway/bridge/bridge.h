/*
 * The daemon's shared state (what main() builds and the bridges use), the
 * answer every SIP request may get, and the two bridges' entry points:
 * the face of gateway/bridge/ to the router and main.c above it.
 */
#ifndef SIPXMPP_BRIDGE_H
#define SIPXMPP_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct map_table;
struct sip_stack;
struct sip_msg;
struct sip_tx;
struct sip_message_fields;
struct xmpp_link;
struct xmpp_in_message;
struct bridge_message;
struct bridge_presence;
struct bridge_room;
struct store;
struct xmpp_in_presence;
struct xmpp_in_disco_info;

struct gateway {
	struct event_base *base;
	struct config *cfg;
	struct map_table *map;		/* swapped whole on SIGHUP */
	struct sip_stack *sip;
	struct xmpp_link *xmpp;
	struct bridge_message *messages;
	struct bridge_presence *presence;
	struct bridge_room *rooms;
	struct bridge_typing *typing;	/* isComposing <-> chat states */
	int shutting_down;		/* SIGTERM: nothing new goes to SIP */
	unsigned long presence_dropped;	/* after the SIP stack was freed */
};

#define GATEWAY_ALLOW "MESSAGE, OPTIONS, SUBSCRIBE, NOTIFY"

/*
 * service_iq.c: the mapping's answers for the XMPP link's requests
 * (xmpp_link_handlers contact_cb and gateway_prompt_cb, arg the gateway).
 */
int bridge_service_contact(void *arg, const char *bare_jid);
char *bridge_service_prompt(void *arg, const char *address,
    const char **condition);

/* bridge_answer.c: status with Retry-After, Accept, Contact or Allow. */
void gateway_answer(struct gateway *gw, struct sip_tx *tx, int status,
    const char *reason, const char *contact);

/*
 * bridge_message.c: pager-mode messages, RFC 7572, both ways
 * (message_sip_to_xmpp.c, message_xmpp_to_sip.c).
 */
struct bridge_message *bridge_message_new(struct gateway *gw);
void bridge_message_free(struct bridge_message *bm);
void bridge_message_from_sip(struct bridge_message *bm, struct sip_tx *tx,
    const struct sip_message_fields *req);
void bridge_message_from_xmpp(struct bridge_message *bm,
    const struct xmpp_in_message *msg);
size_t bridge_message_pending(const struct bridge_message *bm);
void bridge_message_shutdown(struct bridge_message *bm);

/* typing.c: RFC 3994 isComposing <-> XEP-0085 chat states. */
struct bridge_typing *bridge_typing_new(struct gateway *gw);
void bridge_typing_free(struct bridge_typing *bt);
void bridge_typing_from_sip(struct bridge_typing *bt, struct sip_tx *tx,
    const struct sip_message_fields *req, const char *from_jid,
    const char *to_jid);
void bridge_typing_from_xmpp(struct bridge_typing *bt,
    const struct xmpp_in_message *m);
void bridge_typing_content(struct bridge_typing *bt, int dir,
    const char *from, const char *to);

/* bridge_presence.c: presence both ways, RFC 8048. */
struct bridge_presence *bridge_presence_new(struct gateway *gw, char **cause);
void bridge_presence_free(struct bridge_presence *bp);
void bridge_presence_from_sip(struct bridge_presence *bp, struct sip_tx *tx,
    const struct sip_msg *req);
void bridge_presence_from_xmpp(struct bridge_presence *bp,
    const struct xmpp_in_presence *pr);
void bridge_presence_link_up(struct bridge_presence *bp);
void bridge_presence_shutdown(struct bridge_presence *bp);
size_t bridge_presence_pending(const struct bridge_presence *bp);
struct store *bridge_presence_store(struct bridge_presence *bp);
void bridge_presence_commit_soon(struct bridge_presence *bp);

/*
 * bridge_room.c: SIP users in XMPP rooms, page mode (XEP-0045, issue
 * 13). The message bridge hands it MESSAGEs to room addresses; the
 * router offers it every stanza first (1: it was the room's).
 */
struct bridge_room *bridge_room_new(struct gateway *gw);
void bridge_room_free(struct bridge_room *br);
void bridge_room_from_sip(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req);
void bridge_room_from_sip_subscribe(struct bridge_room *br,
    struct sip_tx *tx, const struct sip_msg *req);
int bridge_room_from_xmpp_message(struct bridge_room *br,
    const struct xmpp_in_message *msg);
int bridge_room_from_xmpp_presence(struct bridge_room *br,
    const struct xmpp_in_presence *pres);
void bridge_room_link_down(struct bridge_room *br);
int bridge_room_embedded(struct bridge_room *br, struct sip_tx *tx,
    const struct sip_message_fields *req);
void bridge_room_disco_info(struct bridge_room *br,
    const struct xmpp_in_disco_info *d);
void bridge_room_link_up(struct bridge_room *br);
void bridge_room_restore(struct bridge_room *br);
void bridge_room_shutdown(struct bridge_room *br);
size_t bridge_room_pending(const struct bridge_room *br);

#endif
