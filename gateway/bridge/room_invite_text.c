/*
 * The body of an invitation MESSAGE (room_invite.h). Everything in it
 * but our own words is the inviter's (XEP-0249 §5: the reason is
 * untrusted): controls become spaces, and the JIDs and the reason are
 * cut, on a UTF-8 character boundary, so the body stays one short
 * paragraph a softphone can show.
 */
#include <string.h>

#include "room_invite.h"
#include "strbuf.h"

#define JID_SHOWN_MAX	160	/* bytes of a JID shown */

/* Appends at most max bytes of s, controls made spaces, never cutting
 * a UTF-8 sequence; "..." when cut. */
static void
put_text(struct strbuf *sb, const char *s, size_t max)
{
	size_t len = strlen(s), n = len, i;

	if (n > max) {
		n = max;
		/* Back off the continuation bytes of a cut character. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' :
		    s[i];

		strbuf_append(sb, &c, 1);
	}
	if (n < len)
		strbuf_appends(sb, "...");
}

/*
 * Writes the invitation's body into out: "INVITER invites you to ROOM
 * (REASON). Reply to this message to join." when the room can be
 * reached through us (reachable), else a line saying it cannot. The
 * reason is left out when NULL or empty. 0, or -1 if out is too small.
 */
int
room_invite_text(char *out, size_t size, const char *inviter,
    const char *room_jid, const char *reason, int reachable)
{
	struct strbuf sb;
	int rc = -1;

	strbuf_init(&sb);
	put_text(&sb, inviter != NULL ? inviter : "Someone", JID_SHOWN_MAX);
	strbuf_appends(&sb, " invites you to ");
	put_text(&sb, room_jid, JID_SHOWN_MAX);
	if (reason != NULL && reason[0] != '\0') {
		strbuf_appends(&sb, " (");
		put_text(&sb, reason, ROOM_INVITE_REASON_MAX);
		strbuf_appends(&sb, ")");
	}
	if (reachable)
		strbuf_appends(&sb, ". Reply to this message to join.");
	else
		strbuf_appends(&sb, ", a room you cannot reach through this "
		    "gateway.");
	if (!sb.failed && sb.len < size) {
		memcpy(out, sb.buf, sb.len + 1);
		rc = 0;
	}
	strbuf_free(&sb);
	return rc;
}
