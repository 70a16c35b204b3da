/*
 * Occupants' comings and goings as short MESSAGEs to SIP participants
 * (issue 13 item 3), when [rooms] notices = yes: "bob joined", "bob
 * left", "bob is now robert", through his ordered queue
 * (room_deliver.c). Only once he is in: the presence flood that comes
 * before his own self-presence (XEP-0045 §7.2.2) is the roster, not
 * news. Subscribers get the same in their conference-info NOTIFYs.
 */
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "config.h"
#include "room_int.h"
#include "xmpp_link.h"

/* Whether nick is in m's roster. */
int
room_roster_has(const struct room_member *m, const char *nick)
{
	const struct room_occupant *o;

	for (o = m->roster; o != NULL; o = o->next)
		if (strcmp(o->nick, nick) == 0)
			return 1;
	return 0;
}

/* Another occupant's presence, before the roster takes it: a notice
 * if it is news (a join, a leave, a nick change, XEP-0045 §7.6). */
void
room_notice_presence(struct room_member *m, const char *nick,
    const struct xmpp_in_presence *p)
{
	char note[300];

	if (!m->br->gw->cfg->rooms_notices || m->state != ROOM_JOINED)
		return;
	if (p->type != NULL && strcmp(p->type, "unavailable") == 0) {
		if ((p->muc.status & XMPP_MUC_S303) && p->muc.item_nick != NULL)
			snprintf(note, sizeof(note), "%.100s is now %.100s",
			    nick, p->muc.item_nick);
		else if (room_roster_has(m, nick))
			snprintf(note, sizeof(note), "%.100s left", nick);
		else
			return;
	} else if (p->type == NULL && !room_roster_has(m, nick))
		snprintf(note, sizeof(note), "%.100s joined", nick);
	else
		return;
	(void)room_deliver_notice(m, note);
}
