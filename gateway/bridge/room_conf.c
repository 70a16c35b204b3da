/*
 * RFC 4575 documents from a room's roster (room_conf.h). A full one
 * lists every occupant we know of; a partial one only what changed
 * (§4.6: the subscriber merges it by the user's entity). Each occupant
 * is a <user> whose entity is his occupant URI, display-text his nick,
 * with one endpoint (the same URI) connected, or the user deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "room_conf.h"

/* The occupant URI of room_jid/nick into *uri (malloc'ed); -1 if the
 * mapping cannot carry the nick. */
static int
occupant_uri(const struct map_table *map, const char *room_jid,
    const char *nick, char **uri)
{
	struct map_room r = { 0 };
	size_t a = strlen(room_jid), b = strlen(nick);
	char *jid;
	int rc = -1;

	*uri = NULL;
	if ((jid = malloc(a + b + 2)) == NULL)
		return -1;
	memcpy(jid, room_jid, a);
	jid[a] = '/';
	memcpy(jid + a + 1, nick, b + 1);
	if (map_room_from_xmpp(map, jid, &r, NULL) == MAP_OK &&
	    r.kind == MAP_ROOM_OCCUPANT && r.uri != NULL) {
		*uri = r.uri;
		r.uri = NULL;
		rc = 0;
	}
	map_room_clear(&r);
	free(jid);
	return rc;
}

/*
 * Writes a document about room_jid (entity room_uri) into sb: state
 * full (users: the whole roster) or partial (users: what changed), at
 * version. Occupants whose nick the mapping or XML cannot carry are
 * left out rather than spoil the document for everyone. 0 or -1.
 */
int
room_conf_build(struct strbuf *sb, const struct map_table *map,
    const char *room_jid, const char *room_uri, enum ci_state state,
    uint32_t version, const struct room_conf_user *users, size_t n)
{
	struct conference_info ci = { 0 };
	struct ci_user *u = NULL;
	struct ci_endpoint *ep = NULL;
	size_t i, k = 0;
	int rc = -1;

	if (n > 0 && ((u = calloc(n, sizeof(*u))) == NULL ||
	    (ep = calloc(n, sizeof(*ep))) == NULL))
		goto out;
	for (i = 0; i < n; i++) {
		char *uri;

		if (strbuf_xml_check(users[i].nick, strlen(users[i].nick),
		    NULL) != 0 || occupant_uri(map, room_jid, users[i].nick,
		    &uri) < 0)
			continue;
		u[k].entity = uri;
		if (users[i].deleted) {
			u[k].state = CI_STATE_DELETED;
			k++;
			continue;
		}
		/* §4.4: under a partial <users>, a whole user is full. */
		u[k].state = CI_STATE_FULL;
		u[k].display_text = (char *)users[i].nick;
		ep[k].entity = uri;
		ep[k].status = CI_STATUS_CONNECTED;
		ep[k].joining_method = CI_JOINING_DIALED_IN;
		u[k].endpoints = &ep[k];
		u[k].n_endpoints = 1;
		k++;
	}
	ci.entity = (char *)room_uri;
	ci.state = state;
	ci.version = version;
	ci.user_count = state == CI_STATE_FULL ? (long)k : -1;
	if (state == CI_STATE_FULL)
		ci.display_text = (char *)room_jid;
	ci.has_users = 1;
	ci.users_state = state == CI_STATE_FULL ? CI_STATE_FULL :
	    CI_STATE_PARTIAL;
	ci.users = u;
	ci.n_users = k;
	rc = conference_info_build(sb, &ci);
out:
	for (i = 0; i < k; i++)
		free(u[i].entity);
	free(u);
	free(ep);
	return rc;
}

/* §4.3: the version after sent, each document one more (32 bits, it
 * wraps rather than stop; a subscriber that sees it go back
 * resubscribes). */
uint32_t
room_conf_next_version(uint32_t sent)
{
	return sent + 1;
}
