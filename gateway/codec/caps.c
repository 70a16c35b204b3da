/*
 * XEP-0115 entity capabilities from the tables of disco_table.c: the ver
 * string (§5.1), the <c/> element for presence (§4) and the disco#info
 * answer (XEP-0030 §3.1) that a client checks it against (§5.4), with
 * the node#ver it asked about mirrored (§6.2).
 */
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "sha1.h"
#include "strbuf.h"

/* NULL as "": lang and name are optional (XEP-0115 §5.1 step 3). */
static const char *
opt(const char *s)
{
	return s != NULL ? s : "";
}

/* qsort order of identities: category, type, then xml:lang (§5.1 step 2). */
static int
identity_cmp(const void *a, const void *b)
{
	const struct disco_identity *x = *(const struct disco_identity *const *)a;
	const struct disco_identity *y = *(const struct disco_identity *const *)b;
	int c;

	if ((c = strcmp(x->category, y->category)) != 0)
		return c;
	if ((c = strcmp(x->type, y->type)) != 0)
		return c;
	return strcmp(opt(x->lang), opt(y->lang));
}

/* qsort order of features: "i;octet" (RFC 4790 §9.3), which is strcmp. */
static int
feature_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* base64 (RFC 4648 §4, padded) of 20 bytes into 28 characters and a NUL. */
static void
base64_20(const unsigned char in[SHA1_LEN], char out[CAPS_VER_SIZE])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i, o = 0;

	for (i = 0; i + 3 <= SHA1_LEN; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	/* 20 = 6 * 3 + 2: two bytes left, one '=' of padding. */
	v = (unsigned long)in[18] << 16 | (unsigned long)in[19] << 8;
	out[o++] = abc[(v >> 18) & 63];
	out[o++] = abc[(v >> 12) & 63];
	out[o++] = abc[(v >> 6) & 63];
	out[o++] = '=';
	out[o] = '\0';
}

/*
 * The XEP-0115 §5.1 ver of an entity: its identities as
 * category/type/lang/name< and its features as feature<, each sorted,
 * hashed with SHA-1 and base64'd. 0, or -1 on too many items or no memory.
 */
int
caps_ver(const struct disco_table *t, char out[CAPS_VER_SIZE])
{
	const struct disco_identity *ids[CAPS_MAX_ITEMS];
	const char *features[CAPS_MAX_ITEMS];
	unsigned char md[SHA1_LEN];
	struct strbuf sb;
	size_t i;
	int rc = -1;

	if (t->n_identities > CAPS_MAX_ITEMS ||
	    t->n_features > CAPS_MAX_ITEMS)
		return -1;
	for (i = 0; i < t->n_identities; i++)
		ids[i] = &t->identities[i];
	for (i = 0; i < t->n_features; i++)
		features[i] = t->features[i];
	qsort(ids, t->n_identities, sizeof(ids[0]), identity_cmp);
	qsort(features, t->n_features, sizeof(features[0]), feature_cmp);
	strbuf_init(&sb);
	for (i = 0; i < t->n_identities; i++) {
		strbuf_appends(&sb, ids[i]->category);
		strbuf_appends(&sb, "/");
		strbuf_appends(&sb, ids[i]->type);
		strbuf_appends(&sb, "/");
		strbuf_appends(&sb, opt(ids[i]->lang));
		strbuf_appends(&sb, "/");
		strbuf_appends(&sb, opt(ids[i]->name));
		strbuf_appends(&sb, "<");
	}
	for (i = 0; i < t->n_features; i++) {
		strbuf_appends(&sb, features[i]);
		strbuf_appends(&sb, "<");
	}
	if (sb.failed)
		goto out;
	sha1(sb.buf != NULL ? sb.buf : "", sb.len, md);
	base64_20(md, out);
	rc = 0;
out:
	strbuf_free(&sb);
	return rc;
}

/*
 * The ver every contact JID announces, computed once: the table is
 * constant for the life of the process. NULL if it could not be computed
 * (no memory), and then presence goes without caps.
 */
const char *
caps_contact_ver(void)
{
	static char ver[CAPS_VER_SIZE];

	if (ver[0] == '\0' && caps_ver(disco_table(DISCO_CONTACT), ver) != 0)
		return NULL;
	return ver;
}

/*
 * True when a disco#info node is one we answer for who: none, or for a
 * contact CAPS_NODE#ver (XEP-0115 §6.2: node#ver is asked and answered
 * with the same data as no node).
 */
int
caps_node_is_ours(const char *node, enum disco_entity who)
{
	const char *ver;
	size_t n = strlen(CAPS_NODE);

	if (node == NULL)
		return 1;
	if (who != DISCO_CONTACT || (ver = caps_contact_ver()) == NULL)
		return 0;
	return strncmp(node, CAPS_NODE, n) == 0 && node[n] == '#' &&
	    strcmp(node + n + 1, ver) == 0;
}

/*
 * Appends the <query xmlns=disco#info/> answer for who, mirroring node
 * (XEP-0030 §3.2 MUST), or NULL for none. node must be ours
 * (caps_node_is_ours). 0, or -1 with sb unchanged.
 */
int
caps_build_disco_info(struct strbuf *sb, enum disco_entity who,
    const char *node)
{
	const struct disco_table *t = disco_table(who);
	size_t start = sb->len, i;

	if (sb->failed)
		return -1;
	strbuf_appends(sb, "<query xmlns='" NS_DISCO_INFO "'");
	if (node != NULL) {
		strbuf_appends(sb, " node='");
		strbuf_append_xml_escaped(sb, node, strlen(node));
		strbuf_appends(sb, "'");
	}
	strbuf_appends(sb, ">");
	for (i = 0; i < t->n_identities; i++) {
		strbuf_appends(sb, "<identity category='");
		strbuf_appends(sb, t->identities[i].category);
		strbuf_appends(sb, "' type='");
		strbuf_appends(sb, t->identities[i].type);
		strbuf_appends(sb, "'");
		if (t->identities[i].lang != NULL) {
			strbuf_appends(sb, " xml:lang='");
			strbuf_appends(sb, t->identities[i].lang);
			strbuf_appends(sb, "'");
		}
		if (t->identities[i].name != NULL) {
			strbuf_appends(sb, " name='");
			strbuf_appends(sb, t->identities[i].name);
			strbuf_appends(sb, "'");
		}
		strbuf_appends(sb, "/>");
	}
	for (i = 0; i < t->n_features; i++) {
		strbuf_appends(sb, "<feature var='");
		strbuf_appends(sb, t->features[i]);
		strbuf_appends(sb, "'/>");
	}
	strbuf_appends(sb, "</query>");
	if (sb->failed) {
		sb->len = start;
		return -1;
	}
	return 0;
}

/*
 * Appends the XEP-0115 §4 <c/> of a contact JID for its presence. 0, or
 * -1 with sb unchanged when there is no ver.
 */
int
caps_build_c(struct strbuf *sb)
{
	const char *ver = caps_contact_ver();

	if (ver == NULL || sb->failed)
		return -1;
	strbuf_appends(sb, "<c xmlns='" NS_CAPS "' hash='sha-1' node='"
	    CAPS_NODE "' ver='");
	strbuf_appends(sb, ver);
	strbuf_appends(sb, "'/>");
	return sb->failed ? -1 : 0;
}
