/*
 * What rooms add to the stanzas the XMPP link reads (xmpp_link_muc.c),
 * on XEP-0045's own examples: the self-presence of a join (§7.2.3), a
 * room created (§10.1.1, 201), a nick change (§7.6, 303), a ban (§9.1,
 * 301), a kick (§8.2, 307), a room destroyed (§10.9), a join refused
 * (§7.2.7), history and subject (§7.2.15), a mediated invitation (§7.8.2),
 * XEP-0249's direct invitation (§2), XEP-0359's ids, and disco#info of a
 * room and of a service (§6.1, §6.4); then hostile shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <strophe.h>

#include "xmpp_link.h"

#include "xmpp_link_fixtures.h"

/* Parses text into a stanza; the test fails if libstrophe refuses it. */
static xmpp_stanza_t *
stanza(const char *text)
{
	xmpp_stanza_t *st = xmpp_stanza_new_from_string(sctx, text);

	if (st == NULL)
		fail_msg("libstrophe did not parse %s", text);
	return st;
}

/* Reads a presence from text into p (the caller clears and releases). */
static xmpp_stanza_t *
presence(const char *text, struct xmpp_link_parsed *p)
{
	xmpp_stanza_t *st = stanza(text);

	assert_int_equal(xmpp_link_parse_presence(st, p), 0);
	return st;
}

/* Reads a message from text into p. */
static xmpp_stanza_t *
message(const char *text, struct xmpp_link_parsed *p)
{
	xmpp_stanza_t *st = stanza(text);

	assert_int_equal(xmpp_link_parse_message(st, p), 0);
	return st;
}

/* Done with a parsed stanza. */
static void
done(struct xmpp_link_parsed *p, xmpp_stanza_t *st)
{
	xmpp_link_parsed_clear(p);
	xmpp_stanza_release(st);
}

/* XEP-0045 §7.2.3: our own presence back, 110 (and 100, 210). */
static void
test_self_presence(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence id='n13mt3l' "
	    "from='coven@chat.shakespeare.lit/thirdwitch' "
	    "to='hag66@shakespeare.lit/pda'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='member' jid='hag66@shakespeare.lit/pda' "
	    "role='participant'/>"
	    "<status code='100'/><status code='110'/><status code='210'/>"
	    "</x></presence>", &p);
	assert_string_equal(p.pres.from,
	    "coven@chat.shakespeare.lit/thirdwitch");
	assert_null(p.pres.type);
	assert_true(p.pres.muc.present);
	assert_int_equal(p.pres.muc.status,
	    XMPP_MUC_S100 | XMPP_MUC_S110 | XMPP_MUC_S210);
	assert_int_equal(p.pres.muc.unknown_status, 0);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_MEMBER);
	assert_int_equal(p.pres.muc.role, XMPP_MUC_ROLE_PARTICIPANT);
	assert_string_equal(p.pres.muc.item_jid, "hag66@shakespeare.lit/pda");
	assert_null(p.pres.muc.item_nick);
	assert_null(p.pres.muc.actor_nick);
	assert_null(p.pres.muc.reason);
	assert_false(p.pres.muc.destroyed);
	done(&p, st);

	/* Another occupant, semi-anonymous room: no jid, no 110. */
	st = presence("<presence from='coven@chat.shakespeare.lit/firstwitch' "
	    "id='3DCB0401' to='hag66@shakespeare.lit/pda'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='owner' role='moderator'/></x></presence>",
	    &p);
	assert_true(p.pres.muc.present);
	assert_int_equal(p.pres.muc.status, 0);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_OWNER);
	assert_int_equal(p.pres.muc.role, XMPP_MUC_ROLE_MODERATOR);
	assert_null(p.pres.muc.item_jid);
	done(&p, st);

	/* A plain presence has no MUC part. */
	st = presence("<presence from='a@b/c' to='d@e'/>", &p);
	assert_false(p.pres.muc.present);
	done(&p, st);
}

/* XEP-0045 §10.1.1: a room we created is locked until configured. */
static void
test_room_created(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence from='coven@chat.shakespeare.lit/firstwitch' "
	    "id='n13mt3l' to='crone1@shakespeare.lit/desktop'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='owner' role='moderator'/>"
	    "<status code='110'/><status code='201'/></x></presence>", &p);
	assert_int_equal(p.pres.muc.status, XMPP_MUC_S110 | XMPP_MUC_S201);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_OWNER);
	done(&p, st);
}

/* XEP-0045 §7.6: the unavailable half of a nick change names the new one. */
static void
test_nick_change(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence "
	    "from='coven@chat.shakespeare.lit/thirdwitch' "
	    "id='5C5B5BBE' to='hag66@shakespeare.lit/pda' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='member' jid='hag66@shakespeare.lit/pda' "
	    "nick='oldhag' role='participant'/>"
	    "<status code='303'/><status code='110'/></x></presence>", &p);
	assert_string_equal(p.pres.type, "unavailable");
	assert_int_equal(p.pres.muc.status, XMPP_MUC_S303 | XMPP_MUC_S110);
	assert_string_equal(p.pres.muc.item_nick, "oldhag");
	done(&p, st);
}

/* XEP-0045 §9.1 (ban, 301) and §8.2 (kick, 307): actor and reason. */
static void
test_ban_kick(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence "
	    "from='coven@chat.shakespeare.lit/thirdwitch' "
	    "to='hag66@shakespeare.lit/pda' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='outcast' role='none'>"
	    "<actor nick='Fluellen'/><reason>Treason</reason></item>"
	    "<status code='110'/><status code='301'/></x></presence>", &p);
	assert_int_equal(p.pres.muc.status, XMPP_MUC_S110 | XMPP_MUC_S301);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_OUTCAST);
	assert_int_equal(p.pres.muc.role, XMPP_MUC_ROLE_NONE);
	assert_string_equal(p.pres.muc.actor_nick, "Fluellen");
	assert_null(p.pres.muc.actor_jid);
	assert_string_equal(p.pres.muc.reason, "Treason");
	done(&p, st);

	st = presence("<presence from='harfleur@chat.shakespeare.lit/pistol' "
	    "to='pistol@shakespeare.lit/harfleur' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='none' role='none'>"
	    "<actor jid='fluellen@shakespeare.lit' nick='Fluellen'/>"
	    "<reason>Avaunt, you cullion!</reason></item>"
	    "<status code='110'/><status code='307'/></x></presence>", &p);
	assert_int_equal(p.pres.muc.status, XMPP_MUC_S110 | XMPP_MUC_S307);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_NONE);
	assert_string_equal(p.pres.muc.actor_jid, "fluellen@shakespeare.lit");
	assert_string_equal(p.pres.muc.reason, "Avaunt, you cullion!");
	done(&p, st);

	/* §11: shutdown kicks carry 307 and 333 together. */
	st = presence("<presence from='r@s/me' to='u@g' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='none' role='none'/><status code='110'/>"
	    "<status code='307'/><status code='333'/></x></presence>", &p);
	assert_int_equal(p.pres.muc.status,
	    XMPP_MUC_S110 | XMPP_MUC_S307 | XMPP_MUC_S333);
	done(&p, st);
}

/* XEP-0045 §10.9: the room is destroyed, with somewhere else to go. */
static void
test_destroyed(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence from='heath@chat.shakespeare.lit/firstwitch' "
	    "to='crone1@shakespeare.lit/desktop' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<item affiliation='none' role='none'/>"
	    "<destroy jid='coven@chat.shakespeare.lit'>"
	    "<reason>Macbeth doth come.</reason></destroy></x></presence>",
	    &p);
	assert_true(p.pres.muc.destroyed);
	assert_string_equal(p.pres.muc.destroy_jid,
	    "coven@chat.shakespeare.lit");
	assert_string_equal(p.pres.muc.destroy_reason, "Macbeth doth come.");
	assert_null(p.pres.muc.reason);
	done(&p, st);

	/* Older services: no jid, no reason. */
	st = presence("<presence from='r@s/me' to='u@g' type='unavailable'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'><destroy/></x>"
	    "</presence>", &p);
	assert_true(p.pres.muc.destroyed);
	assert_null(p.pres.muc.destroy_jid);
	assert_null(p.pres.muc.destroy_reason);
	done(&p, st);
}

/* XEP-0045 §7.2.7 and §7.2.5: the room says no, and why. */
static void
test_join_refused(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = presence("<presence from='coven@chat.shakespeare.lit/thirdwitch' "
	    "id='n13mt3l' to='hag66@shakespeare.lit/pda' type='error'>"
	    "<x xmlns='http://jabber.org/protocol/muc'/>"
	    "<error by='coven@chat.shakespeare.lit' type='auth'>"
	    "<registration-required "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
	    "</error></presence>", &p);
	assert_string_equal(p.pres.type, "error");
	assert_string_equal(p.pres.error_condition, "registration-required");
	assert_string_equal(p.pres.error_type, "auth");
	assert_null(p.pres.error_text);
	assert_false(p.pres.muc.present);	/* muc, not muc#user */
	done(&p, st);

	st = presence("<presence from='r@s/me' to='u@g' type='error'>"
	    "<error type='auth'><not-authorized "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Password required"
	    "</text></error></presence>", &p);
	assert_string_equal(p.pres.error_condition, "not-authorized");
	assert_string_equal(p.pres.error_text, "Password required");
	done(&p, st);
}

/* XEP-0045 §7.2.15: history carries <delay/>, the subject comes last. */
static void
test_history_subject(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = message("<message from='coven@chat.shakespeare.lit/firstwitch' "
	    "id='162BEBB1' to='hecate@shakespeare.lit/broom' "
	    "type='groupchat'><body>Thrice the brinded cat hath mew'd."
	    "</body><delay xmlns='urn:xmpp:delay' "
	    "from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/>"
	    "</message>", &p);
	assert_string_equal(p.msg.type, "groupchat");
	assert_string_equal(p.msg.body, "Thrice the brinded cat hath mew'd.");
	assert_string_equal(p.msg.delay_stamp, "2002-10-13T23:58:37Z");
	assert_string_equal(p.msg.delay_from, "coven@chat.shakespeare.lit");
	assert_false(p.msg.has_other_payload);
	assert_null(p.msg.subject);
	done(&p, st);

	st = message("<message from='coven@chat.shakespeare.lit/wiccarocks' "
	    "id='F437C672' to='crone1@shakespeare.lit/desktop' "
	    "type='groupchat'><subject>Fire Burn and Cauldron Bubble!"
	    "</subject></message>", &p);
	assert_string_equal(p.msg.subject, "Fire Burn and Cauldron Bubble!");
	assert_null(p.msg.body);
	assert_null(p.msg.delay_stamp);
	done(&p, st);

	/* An empty subject is there: the room has none (§8.1). */
	st = message("<message from='r@s' to='u@g' type='groupchat'>"
	    "<subject/></message>", &p);
	assert_non_null(p.msg.subject);
	assert_string_equal(p.msg.subject, "");
	done(&p, st);
	st = message("<message from='r@s' to='u@g' type='groupchat'>"
	    "<subject></subject></message>", &p);
	assert_string_equal(p.msg.subject, "");
	done(&p, st);
}

/* XEP-0359 §3, §5: our origin-id back; the room's stanza-id, by itself. */
static void
test_stanza_ids(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = message("<message from='room@muc.example.com/me' "
	    "to='u@gw.example' type='groupchat'><body>Hi</body>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' "
	    "id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad' "
	    "by='room@muc.example.com'/>"
	    "<origin-id xmlns='urn:xmpp:sid:0' "
	    "id='de305d54-75b4-431b-adb2-eb6b9e546013'/></message>", &p);
	assert_string_equal(p.msg.origin_id,
	    "de305d54-75b4-431b-adb2-eb6b9e546013");
	assert_string_equal(p.msg.stanza_id,
	    "5f3dbc5e-e1d3-4077-a492-693f3769c7ad");
	assert_string_equal(p.msg.stanza_id_by, "room@muc.example.com");
	assert_false(p.msg.has_other_payload);
	done(&p, st);

	/* Someone else's stanza-id first: the room's still wins. */
	st = message("<message from='Room@muc.example.com/bob' to='u@g' "
	    "type='groupchat'><body>x</body>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='u@g'/>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' id='real' "
	    "by='room@muc.example.com'/>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' id='later' by='x@y'/>"
	    "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"
	    "<origin-id xmlns='urn:xmpp:sid:0' id='o2'/></message>", &p);
	assert_string_equal(p.msg.stanza_id, "real");
	assert_string_equal(p.msg.origin_id, "o1");
	done(&p, st);

	/* None by the room: the first, and its by says whose it is. */
	st = message("<message from='r@s/n' to='u@g' type='groupchat'>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' id='a' by='u@g'/>"
	    "<stanza-id xmlns='urn:xmpp:sid:0' id='b'/></message>", &p);
	assert_string_equal(p.msg.stanza_id, "a");
	assert_string_equal(p.msg.stanza_id_by, "u@g");
	done(&p, st);
}

/* XEP-0045 §7.8.2: the room relays an invitation, with the password. */
static void
test_mediated_invite(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = message("<message from='coven@chat.shakespeare.lit' "
	    "id='nzd143v8' to='hecate@shakespeare.lit'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<invite from='crone1@shakespeare.lit/desktop'>"
	    "<reason>Hey Hecate, this is the place for all good witches!"
	    "</reason></invite><password>cauldronburn</password></x>"
	    "</message>", &p);
	assert_null(p.msg.type);
	assert_null(p.msg.body);
	assert_true(p.msg.muc.present);
	assert_true(p.msg.muc.invited);
	assert_string_equal(p.msg.muc.invite_from,
	    "crone1@shakespeare.lit/desktop");
	assert_string_equal(p.msg.muc.invite_reason,
	    "Hey Hecate, this is the place for all good witches!");
	assert_string_equal(p.msg.muc.password, "cauldronburn");
	assert_false(p.msg.muc.declined);
	assert_null(p.msg.direct_invite.jid);
	assert_false(p.msg.has_other_payload);
	done(&p, st);

	/* A decline relayed back to the inviter (§7.8.2). */
	st = message("<message from='coven@chat.shakespeare.lit' "
	    "to='crone1@shakespeare.lit/desktop'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<decline from='hecate@shakespeare.lit'><reason>Sorry</reason>"
	    "</decline></x></message>", &p);
	assert_true(p.msg.muc.declined);
	assert_string_equal(p.msg.muc.decline_from, "hecate@shakespeare.lit");
	assert_string_equal(p.msg.muc.decline_reason, "Sorry");
	assert_false(p.msg.muc.invited);
	done(&p, st);

	/* A private message: chat with an empty muc#user <x/> (§7.5). */
	st = message("<message from='coven@chat.shakespeare.lit/firstwitch' "
	    "to='hag66@shakespeare.lit/pda' type='chat'><body>Psst</body>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'/></message>", &p);
	assert_true(p.msg.muc.present);
	assert_false(p.msg.muc.invited);
	assert_int_equal(p.msg.muc.status, 0);
	done(&p, st);

	/* §10.2.1: a configuration change notice from the room itself. */
	st = message("<message from='coven@chat.shakespeare.lit' "
	    "to='crone1@shakespeare.lit/desktop' type='groupchat'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<status code='104'/></x></message>", &p);
	assert_int_equal(p.msg.muc.status, XMPP_MUC_S104);
	done(&p, st);
}

/* XEP-0249 §2: a direct invitation, and one without its jid. */
static void
test_direct_invite(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = message("<message from='crone1@shakespeare.lit/desktop' "
	    "to='hecate@shakespeare.lit'>"
	    "<x xmlns='jabber:x:conference' "
	    "jid='darkcave@macbeth.shakespeare.lit' password='cauldronburn' "
	    "reason='Hey Hecate, this is the place for all good witches!'/>"
	    "</message>", &p);
	assert_string_equal(p.msg.direct_invite.jid,
	    "darkcave@macbeth.shakespeare.lit");
	assert_string_equal(p.msg.direct_invite.password, "cauldronburn");
	assert_string_equal(p.msg.direct_invite.reason,
	    "Hey Hecate, this is the place for all good witches!");
	assert_false(p.msg.direct_invite.cont);
	assert_null(p.msg.direct_invite.thread);
	assert_false(p.msg.muc.present);
	assert_false(p.msg.has_other_payload);
	done(&p, st);

	st = message("<message from='a@b/c' to='d@e'>"
	    "<x xmlns='jabber:x:conference' jid='room@muc.e' continue='true' "
	    "thread='e0ffe42b28561960c6b12b944a092794b9683a38'/></message>",
	    &p);
	assert_true(p.msg.direct_invite.cont);
	assert_string_equal(p.msg.direct_invite.thread,
	    "e0ffe42b28561960c6b12b944a092794b9683a38");
	done(&p, st);

	/* jid is REQUIRED: no jid, no invitation (first with one counts). */
	st = message("<message from='a@b/c' to='d@e'>"
	    "<x xmlns='jabber:x:conference' password='p'/>"
	    "<x xmlns='jabber:x:conference' jid='r@m'/></message>", &p);
	assert_string_equal(p.msg.direct_invite.jid, "r@m");
	assert_null(p.msg.direct_invite.password);
	done(&p, st);
	st = message("<message from='a@b/c' to='d@e'>"
	    "<x xmlns='jabber:x:conference' password='p'/></message>", &p);
	assert_null(p.msg.direct_invite.jid);
	done(&p, st);
}

/* XEP-0045 §6.4 and §6.1: a room, and the service (no local part). */
static void
test_disco_info(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;

	(void)state;
	st = stanza("<iq from='coven@chat.shakespeare.lit' id='ik3vs715' "
	    "to='hag66@shakespeare.lit/pda' type='result'>"
	    "<query xmlns='http://jabber.org/protocol/disco#info'>"
	    "<identity category='conference' name='A Dark Cave' type='text'/>"
	    "<feature var='http://jabber.org/protocol/muc'/>"
	    "<feature var='muc_passwordprotected'/>"
	    "<feature var='muc_hidden'/><feature var='muc_temporary'/>"
	    "<feature var='muc_open'/><feature var='muc_unmoderated'/>"
	    "<feature var='muc_nonanonymous'/></query></iq>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), 0);
	assert_string_equal(p.disco.from, "coven@chat.shakespeare.lit");
	assert_string_equal(p.disco.id, "ik3vs715");
	assert_true(p.disco.is_conference);
	assert_true(p.disco.is_room);
	assert_string_equal(p.disco.name, "A Dark Cave");
	assert_int_equal(p.disco.features, XMPP_DISCO_MUC |
	    XMPP_DISCO_PASSWORD | XMPP_DISCO_TEMPORARY |
	    XMPP_DISCO_NONANONYMOUS);
	assert_int_equal(p.disco.n_identities, 1);
	assert_int_equal(p.disco.n_features, 7);
	assert_null(p.disco.error_condition);
	done(&p, st);

	st = stanza("<iq from='chat.shakespeare.lit' id='ik3vs715' "
	    "to='hag66@shakespeare.lit/pda' type='result'>"
	    "<query xmlns='http://jabber.org/protocol/disco#info'>"
	    "<identity category='conference' "
	    "name='Shakespearean Chat Service' type='text'/>"
	    "<feature var='http://jabber.org/protocol/muc'/></query></iq>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), 0);
	assert_true(p.disco.is_conference);
	assert_false(p.disco.is_room);
	done(&p, st);

	/* A user's account: not a conference at all. */
	st = stanza("<iq from='juliet@capulet.lit' id='a' to='g' "
	    "type='result'><query "
	    "xmlns='http://jabber.org/protocol/disco#info'>"
	    "<identity category='account' type='registered'/>"
	    "<feature var='urn:xmpp:ping'/></query></iq>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), 0);
	assert_false(p.disco.is_conference);
	assert_false(p.disco.is_room);
	assert_int_equal(p.disco.features, XMPP_DISCO_PING);
	done(&p, st);

	/* §6.4: an absent room is an error, with its condition. */
	st = stanza("<iq from='nosuch@chat.shakespeare.lit' id='b' to='g' "
	    "type='error'><error type='cancel'><item-not-found "
	    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), 0);
	assert_string_equal(p.disco.error_condition, "item-not-found");
	assert_string_equal(p.disco.error_type, "cancel");
	assert_false(p.disco.is_room);
	done(&p, st);
	st = stanza("<iq from='x@y' id='b' to='g' type='error'/>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), 0);
	assert_string_equal(p.disco.error_condition, "undefined-condition");
	done(&p, st);

	/* Not an answer to disco#info. */
	st = stanza("<iq from='x@y' id='b' to='g' type='result'/>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), -1);
	done(&p, st);
	st = stanza("<iq from='x@y' id='b' to='g' type='get'><query "
	    "xmlns='http://jabber.org/protocol/disco#info'/></iq>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), -1);
	done(&p, st);
	st = stanza("<message from='x@y' type='result'><query "
	    "xmlns='http://jabber.org/protocol/disco#info'/></message>");
	assert_int_equal(xmpp_link_parse_disco_info(st, &p), -1);
	done(&p, st);
	assert_int_equal(xmpp_link_parse_disco_info(NULL, &p), -1);
}

/* Odd shapes: bad codes, unknown values, repeats, wrong namespaces. */
static void
test_hostile(void **state)
{
	struct xmpp_link_parsed p;
	xmpp_stanza_t *st;
	char *buf;
	size_t len = 0, cap = 64 * 1024;

	(void)state;
	st = presence("<presence from='r@s/n' to='u@g'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<status code='999'/><status code='11'/><status code='1100'/>"
	    "<status code='+10'/><status code=' 110'/><status/>"
	    "<status code='110'/><status code='110'/>"
	    "<item affiliation='god' role='king' nick='a'/>"
	    "<item affiliation='owner' role='moderator' nick='b'/>"
	    "<destroy jid='first'/><destroy jid='second'/></x>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<status code='301'/></x></presence>", &p);
	assert_int_equal(p.pres.muc.status, XMPP_MUC_S110);
	assert_int_equal(p.pres.muc.unknown_status, 6);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_UNSET);
	assert_int_equal(p.pres.muc.role, XMPP_MUC_ROLE_UNSET);
	assert_string_equal(p.pres.muc.item_nick, "a");
	assert_string_equal(p.pres.muc.destroy_jid, "first");
	done(&p, st);

	/* The right names in another namespace are not the room's word. */
	st = presence("<presence from='r@s/n' to='u@g'>"
	    "<x xmlns='http://jabber.org/protocol/muc#owner'>"
	    "<status code='110'/></x>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>"
	    "<status xmlns='urn:other' code='301'/>"
	    "<item xmlns='urn:other' affiliation='owner'/></x></presence>",
	    &p);
	assert_true(p.pres.muc.present);
	assert_int_equal(p.pres.muc.status, 0);
	assert_int_equal(p.pres.muc.affiliation, XMPP_MUC_AFF_UNSET);
	done(&p, st);

	/* Thousands of status codes: a few bits, a capped count. */
	buf = malloc(cap);
	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "<presence from='r@s/n' to='u@g'>"
	    "<x xmlns='http://jabber.org/protocol/muc#user'>");
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    "<status code='%d'/>", 100 + i % 300);
	snprintf(buf + len, cap - len, "</x></presence>");
	st = presence(buf, &p);
	assert_int_equal(p.pres.muc.status & ~(unsigned int)((1 << 20) - 1),
	    0);
	assert_true(p.pres.muc.status & XMPP_MUC_S333);
	assert_int_equal(p.pres.muc.unknown_status, 1000);
	done(&p, st);
	free(buf);

	/* Unknown extensions still count as "other payload". */
	st = message("<message from='a@b' to='c@d'><body>x</body>"
	    "<x xmlns='urn:other'/><delay xmlns='urn:xmpp:delay'/></message>",
	    &p);
	assert_true(p.msg.has_other_payload);
	assert_null(p.msg.delay_stamp);
	done(&p, st);

	assert_int_equal(xmpp_muc_status_bit(110), XMPP_MUC_S110);
	assert_int_equal(xmpp_muc_status_bit(0), 0);
	assert_int_equal(xmpp_muc_status_bit(-1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_presence),
		cmocka_unit_test(test_room_created),
		cmocka_unit_test(test_nick_change),
		cmocka_unit_test(test_ban_kick),
		cmocka_unit_test(test_destroyed),
		cmocka_unit_test(test_join_refused),
		cmocka_unit_test(test_history_subject),
		cmocka_unit_test(test_stanza_ids),
		cmocka_unit_test(test_mediated_invite),
		cmocka_unit_test(test_direct_invite),
		cmocka_unit_test(test_disco_info),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
