/*
 * The presence records in the store: each X2S subscription, watcher and
 * authorization as "key=value" lines, written at the end of the loop turn
 * in one transaction, and read back into pairs at start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bridge.h"
#include "log.h"
#include "presence_int.h"
#include "store.h"

/* Asks for a commit at the end of this loop turn. */
void
presence_schedule_commit(struct bridge_presence *bp)
{
	if (bp->commit_ev != NULL)
		event_active(bp->commit_ev, EV_TIMEOUT, 0);
}

/* The addresses every record carries. */
static void
put_pair_fields(struct strbuf *sb, const struct presence_pair *p)
{
	strbuf_appends(sb, "contact_jid=");
	strbuf_appends(sb, p->contact_jid);
	strbuf_appends(sb, "\nuser_jid=");
	strbuf_appends(sb, p->user_jid);
	strbuf_appends(sb, "\ncontact_sip=");
	strbuf_appends(sb, p->contact_sip != NULL ? p->contact_sip : "");
	strbuf_appends(sb, "\nuser_sip=");
	strbuf_appends(sb, p->user_sip != NULL ? p->user_sip : "");
	strbuf_appends(sb, "\n");
}

/* Stores (or deletes, at NONE) the pair's X2S subscription. */
void
presence_save_x2s(struct bridge_presence *bp, struct presence_pair *p)
{
	struct strbuf sb;
	char num[32];

	if (bp->store == NULL)
		return;
	if (p->x2s == X2S_NONE || p->x2s == X2S_UNSUBSCRIBING) {
		if (p->x2s_stored)
			store_del(bp->store, STORE_SUBSCRIPTION, p->key);
		p->x2s_stored = 0;
		presence_schedule_commit(bp);
		return;
	}
	strbuf_init(&sb);
	strbuf_appends(&sb, "state=");
	strbuf_appends(&sb, x2s_state_name(p->x2s));
	strbuf_appends(&sb, "\n");
	put_pair_fields(&sb, p);
	snprintf(num, sizeof(num), "expires_at=%lld\n",
	    (long long)p->x2s_expires_at);
	strbuf_appends(&sb, num);
	for (size_t i = 0; i < p->n_x2s_resources; i++) {
		strbuf_appends(&sb, "resource=");
		strbuf_appends(&sb, p->x2s_resources[i]);
		strbuf_appends(&sb, "\n");
	}
	if (p->x2s_ref.key != NULL)
		sip_dialog_encode(&p->x2s_dlg, &sb);
	strbuf_append(&sb, "", 1);
	if (!sb.failed && store_put(bp->store, STORE_SUBSCRIPTION, p->key,
	    sb.buf) == 0)
		p->x2s_stored = 1;
	else
		log_warnx("presence: cannot store %s", p->key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/* Stores an S2X watcher under its dialog key. */
void
presence_save_watcher(struct bridge_presence *bp, struct presence_watcher *w)
{
	struct strbuf sb;
	char num[48];

	if (bp->store == NULL || w->fetch || w->pair == NULL ||
	    w->ref.key == NULL)
		return;
	strbuf_init(&sb);
	strbuf_appends(&sb, "state=");
	strbuf_appends(&sb, s2x_state_name(w->state));
	strbuf_appends(&sb, "\n");
	put_pair_fields(&sb, w->pair);
	snprintf(num, sizeof(num), "expires_at=%lld\n",
	    (long long)w->expires_at);
	strbuf_appends(&sb, num);
	sip_dialog_encode(&w->dlg, &sb);
	strbuf_append(&sb, "", 1);
	if (!sb.failed && store_put(bp->store, STORE_WATCHER, w->ref.key,
	    sb.buf) == 0)
		w->stored = 1;
	else
		log_warnx("presence: cannot store watcher %s", w->ref.key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/* Deletes a watcher's record. */
void
presence_forget_watcher(struct bridge_presence *bp, struct presence_watcher *w)
{
	if (bp->store == NULL || !w->stored || w->ref.key == NULL)
		return;
	store_del(bp->store, STORE_WATCHER, w->ref.key);
	w->stored = 0;
	presence_schedule_commit(bp);
}

/* Stores what W answered C (or forgets it when unknown). */
void
presence_save_authorization(struct bridge_presence *bp,
    struct presence_pair *p)
{
	struct strbuf sb;

	if (bp->store == NULL)
		return;
	if (p->authorized < 0) {
		store_del(bp->store, STORE_AUTHORIZATION, p->key);
		presence_schedule_commit(bp);
		return;
	}
	strbuf_init(&sb);
	put_pair_fields(&sb, p);
	strbuf_appends(&sb, p->authorized ? "authorized=yes\n" :
	    "authorized=no\n");
	strbuf_append(&sb, "", 1);
	if (sb.failed || store_put(bp->store, STORE_AUTHORIZATION, p->key,
	    sb.buf) < 0)
		log_warnx("presence: cannot store the authorization %s",
		    p->key);
	strbuf_free(&sb);
	presence_schedule_commit(bp);
}

/*
 * Walks the "key=value" lines of a stored record; stops at the first
 * non-zero return of cb and returns it, or -1 on a malformed line.
 */
int
presence_record_each(const char *text, presence_field_cb cb, void *arg)
{
	char key[64], *value;
	int r;

	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		const char *eq = memchr(text, '=', n);

		if (eq == NULL || (size_t)(eq - text) >= sizeof(key))
			return -1;
		memcpy(key, text, (size_t)(eq - text));
		key[eq - text] = '\0';
		if ((value = strndup(eq + 1, n - (size_t)(eq - text) - 1)) ==
		    NULL)
			return -1;
		r = cb(arg, key, value);
		free(value);
		if (r != 0)
			return r;
		text += n;
		if (*text == '\n')
			text++;
	}
	return 0;
}

struct pair_fields {
	char *c, *w, *cs, *ws;
};

static int
pair_field_cb(void *arg, const char *key, const char *value)
{
	struct pair_fields *f = arg;
	char **slot = strcmp(key, "contact_jid") == 0 ? &f->c :
	    strcmp(key, "user_jid") == 0 ? &f->w :
	    strcmp(key, "contact_sip") == 0 ? &f->cs :
	    strcmp(key, "user_sip") == 0 ? &f->ws : NULL;

	if (slot != NULL && *slot == NULL && (*slot = strdup(value)) == NULL)
		return -1;
	return 0;
}

/* The pair a stored record is about (created if needed), or NULL. */
struct presence_pair *
presence_pair_from_record(struct bridge_presence *bp, const char *text)
{
	struct pair_fields f = { NULL, NULL, NULL, NULL };
	struct presence_pair *p = NULL;

	if (presence_record_each(text, pair_field_cb, &f) != 0 ||
	    f.c == NULL || f.w == NULL || f.c[0] == '\0' || f.w[0] == '\0')
		goto out;
	if ((p = presence_pair_get(bp, f.c, f.w, 1)) == NULL)
		goto out;
	if (p->contact_sip == NULL && f.cs != NULL && f.cs[0] != '\0') {
		p->contact_sip = f.cs;
		f.cs = NULL;
	}
	if (p->user_sip == NULL && f.ws != NULL && f.ws[0] != '\0') {
		p->user_sip = f.ws;
		f.ws = NULL;
	}
out:
	free(f.c);
	free(f.w);
	free(f.cs);
	free(f.ws);
	return p;
}
