/*
 * RFC 4575 conference-info documents (application/conference-info+xml),
 * the roster of a room for SIP clients that subscribe to the conference
 * event package: built from our own struct for NOTIFY bodies, and parsed
 * back (for tests and the fuzzer, and for anyone who must read one).
 * Only what a MUC room can say is modelled: the conference's entity,
 * state, version, display-text, subject and user count, and its users
 * with display-text, roles and endpoints (status, how they joined, how
 * and why they left). Other elements are skipped when read.
 * Pure code: no I/O, no logging, no globals.
 */
#ifndef SIPXMPP_CONFERENCE_INFO_H
#define SIPXMPP_CONFERENCE_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define CONFERENCE_INFO_TYPE	"application/conference-info+xml"
#define CONFERENCE_INFO_NS	"urn:ietf:params:xml:ns:conference-info"

#define CI_MAX_BODY		(256 * 1024)	/* larger bodies are refused */
#define CI_MAX_USERS		1024	/* users past this are skipped */
#define CI_MAX_ENDPOINTS	8	/* per user; more are skipped */
#define CI_MAX_ROLES		4	/* per user; more are skipped */

/* The state attribute (RFC 4575 §4.4); absent means full. */
enum ci_state {
	CI_STATE_FULL = 0,
	CI_STATE_PARTIAL,
	CI_STATE_DELETED
};

/* <endpoint><status/> (§5.7.2); NONE when absent or unknown. */
enum ci_status {
	CI_STATUS_NONE = 0,
	CI_STATUS_CONNECTED,
	CI_STATUS_DISCONNECTED,
	CI_STATUS_ON_HOLD,
	CI_STATUS_MUTED_VIA_FOCUS,
	CI_STATUS_PENDING,
	CI_STATUS_ALERTING,
	CI_STATUS_DIALING_IN,
	CI_STATUS_DIALING_OUT,
	CI_STATUS_DISCONNECTING
};

/* <joining-method/> (§5.7.3). */
enum ci_joining {
	CI_JOINING_NONE = 0,
	CI_JOINING_DIALED_IN,
	CI_JOINING_DIALED_OUT,
	CI_JOINING_FOCUS_OWNER
};

/* <disconnection-method/> (§5.7.5). */
enum ci_disconnection {
	CI_DISCONNECTION_NONE = 0,
	CI_DISCONNECTION_DEPARTED,
	CI_DISCONNECTION_BOOTED,
	CI_DISCONNECTION_FAILED,
	CI_DISCONNECTION_BUSY
};

/*
 * Strings are UTF-8, malloc'ed when parsed (freed by
 * conference_info_free), only read when built; NULL is "not said".
 */
struct ci_endpoint {
	char *entity;			/* the key (§4.5) */
	enum ci_state state;
	char *display_text;
	enum ci_status status;
	enum ci_joining joining_method;
	char *joining_when;		/* <joining-info><when/> */
	enum ci_disconnection disconnection_method;
	char *disconnection_when;	/* <disconnection-info><when/> */
	char *disconnection_reason;	/* <disconnection-info><reason/> */
};

struct ci_user {
	char *entity;			/* the key: required */
	enum ci_state state;
	char *display_text;		/* the MUC nick (choice) */
	char *roles[CI_MAX_ROLES];	/* <roles><entry/>: MUC role… */
	size_t n_roles;
	struct ci_endpoint *endpoints;
	size_t n_endpoints;
};

struct conference_info {
	char *entity;			/* the conference URI: required */
	enum ci_state state;
	uint32_t version;		/* per subscription (§4.3) */
	/* <conference-description> (§5.3); always in a full document */
	char *display_text;
	char *subject;
	long user_count;		/* <conference-state>; -1: not said */
	/* <users> (§5.5); always in a full document */
	int has_users;			/* in a partial one: say <users> */
	enum ci_state users_state;
	struct ci_user *users;
	size_t n_users;
	int truncated;			/* parse: users or endpoints skipped */
};

/* What a subscriber does with a document (RFC 4575 §4.6). */
enum ci_verdict {
	CI_APPLY = 0,		/* replace (full, deleted) or merge (partial) */
	CI_DISCARD,		/* old or repeated: ignore it */
	CI_RESYNC		/* a partial skipped one: SUBSCRIBE again */
};

/* conference_info.c */
int conference_info_build(struct strbuf *sb, const struct conference_info *ci);
enum ci_verdict conference_info_check_version(int have_local, uint32_t local,
    enum ci_state state, uint32_t version);
int conference_info_equal(const struct conference_info *a,
    const struct conference_info *b);
const char *ci_state_name(enum ci_state s);
const char *ci_status_name(enum ci_status s);
const char *ci_joining_name(enum ci_joining j);
const char *ci_disconnection_name(enum ci_disconnection d);

/* conference_info_parse.c */
int conference_info_parse(const char *body, size_t len,
    struct conference_info *out, char **cause);
void conference_info_free(struct conference_info *ci);

#endif
