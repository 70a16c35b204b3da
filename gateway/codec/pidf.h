/*
 * PIDF (RFC 3863) with RPID (RFC 4480) and the data model (RFC 4479) to
 * and from a neutral form of XMPP presence, as RFC 8048 §6 maps them.
 * Pure code: no I/O, no logging, no globals.
 */
#ifndef SIPXMPP_PIDF_H
#define SIPXMPP_PIDF_H

#include <stddef.h>

#include "strbuf.h"

#define PIDF_MAX_BODY	(64 * 1024)	/* larger bodies are refused */
#define PIDF_MAX_TUPLES	64		/* tuples past this are ignored */

/* A tuple's <basic/>; anything but open/closed is UNKNOWN. */
enum presence_basic {
	PRESENCE_BASIC_UNKNOWN = 0,
	PRESENCE_BASIC_OPEN,
	PRESENCE_BASIC_CLOSED
};

/* XMPP <show/> (RFC 6121 §4.7.2.1); NONE is plain "available". */
enum presence_show {
	PRESENCE_SHOW_NONE = 0,
	PRESENCE_SHOW_CHAT,
	PRESENCE_SHOW_AWAY,
	PRESENCE_SHOW_XA,
	PRESENCE_SHOW_DND
};

/* Where a parsed tuple's show came from. */
enum presence_show_src {
	PRESENCE_SRC_NONE = 0,		/* nothing said: show is NONE */
	PRESENCE_SRC_EMBEDDED,		/* <show xmlns='jabber:client'> */
	PRESENCE_SRC_RPID		/* an RPID activity (tuple or person) */
};

/*
 * One presence state of one entity: a PIDF tuple, an XMPP resource.
 * Strings are malloc'ed UTF-8 (owned by the presence_doc when parsed;
 * only read by pidf_build) or NULL.
 */
struct presence_tuple {
	char *id;		/* the XMPP resource: tuple id without "ID-",
				   unescaped (see pidf_id_encode) */
	enum presence_basic basic;
	int priority;		/* -1: none, else 0..127 */
	char *note;		/* <note/> = <status/> */
	char *note_lang;	/* its xml:lang */
	enum presence_show show;
	enum presence_show_src show_src;	/* parse only */
	int absent;		/* parse only: RPID permanent-absence */
};

/* A whole PIDF document. */
struct presence_doc {
	char *entity;			/* <presence entity=''>, may be NULL */
	struct presence_tuple *tuples;
	size_t n;
	char *person_note;		/* dm:person or presence-level <note> */
	char *person_note_lang;
	enum presence_show person_show;	/* from person-level activities */
	int person_activity;		/* 1 if person had a known activity */
	int person_absent;		/* person said permanent-absence */
};

/* One XMPP presence notification derived from a tuple (RFC 8048 §6.3). */
struct pidf_xmpp {
	const char *resource;	/* borrowed from the doc; NULL if none */
	int available;		/* 0: type='unavailable' */
	enum presence_show show;	/* meaningful if available */
	const char *status;	/* borrowed; NULL if none */
	const char *lang;	/* borrowed xml:lang of status */
	int priority;		/* -1: none */
};

/* pidf.c */
int pidf_parse(const char *body, size_t len, struct presence_doc *out,
    char **cause);
void pidf_doc_free(struct presence_doc *doc);
char *pidf_id_decode(const char *id);
int pidf_priority_parse(const char *q);
const char *presence_show_name(enum presence_show show);
int presence_show_from_name(const char *name, enum presence_show *show);
int pidf_rpid_activity(const char *name, enum presence_show *show);

/* pidf_xmpp.c */
int pidf_to_xmpp(const struct presence_doc *doc, struct pidf_xmpp **out,
    size_t *n);
size_t pidf_pick_best(const struct pidf_xmpp *v, size_t n);

/* pidf_build.c */
int pidf_build(struct strbuf *sb, const char *entity,
    const struct presence_tuple *tuples, size_t n);
void pidf_id_encode(struct strbuf *sb, const char *resource);
int pidf_priority_to_milli(int priority);

/* pidf_pack.c */
char *pidf_xmpp_pack(const struct pidf_xmpp *v, size_t n);
int pidf_xmpp_unpack(const char *block, struct pidf_xmpp **out, size_t *n);

#endif
