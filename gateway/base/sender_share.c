/*
 * Per-sender shares of the messages in flight (sender_share.h): a count
 * per sender in a string map, created with its first message and freed
 * with its last.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sender_share.h"

struct sender_share {
	struct strmap_node node;
	size_t n;		/* messages in flight from this sender */
	char key[];
};

/* Empty shares; limit 0 means one sender may hold every slot. */
void
sender_shares_init(struct sender_shares *s, size_t limit)
{
	strmap_init(&s->map);
	s->limit = limit;
}

/* Frees every entry still there (messages answered by the caller). */
void
sender_shares_free(struct sender_shares *s)
{
	struct strmap_node *n, *next;

	for (n = strmap_next(&s->map, NULL); n != NULL; n = next) {
		next = strmap_next(&s->map, n);
		strmap_remove(&s->map, n);
		free((char *)n - offsetof(struct sender_share, node));
	}
	strmap_free(&s->map);
}

/*
 * Takes one slot for the sender named by the len bytes at key. OK with
 * *out set (NULL when there is no limit), FULL when the sender already
 * holds its share, NOMEM.
 */
int
sender_share_take(struct sender_shares *s, const char *key, size_t len,
    struct sender_share **out)
{
	struct strmap_node *node;
	struct sender_share *sh;
	char stack[256], *folded = stack;
	int r = SENDER_SHARE_NOMEM;

	*out = NULL;
	if (s->limit == 0)
		return SENDER_SHARE_OK;
	if (len >= sizeof(stack) && (folded = malloc(len + 1)) == NULL)
		return SENDER_SHARE_NOMEM;
	for (size_t i = 0; i < len; i++)
		folded[i] = (char)tolower((unsigned char)key[i]);
	folded[len] = '\0';
	if ((node = strmap_find(&s->map, folded)) != NULL) {
		sh = (struct sender_share *)((char *)node -
		    offsetof(struct sender_share, node));
		if (sh->n >= s->limit) {
			r = SENDER_SHARE_FULL;
			goto out;
		}
	} else {
		if ((sh = calloc(1, sizeof(*sh) + len + 1)) == NULL)
			goto out;
		memcpy(sh->key, folded, len + 1);
		if (strmap_insert(&s->map, &sh->node, sh->key) < 0) {
			free(sh);
			goto out;
		}
	}
	sh->n++;
	*out = sh;
	r = SENDER_SHARE_OK;
out:
	if (folded != stack)
		free(folded);
	return r;
}

/* Gives a slot back; the entry goes with the sender's last message. */
void
sender_share_put(struct sender_shares *s, struct sender_share *sh)
{
	if (sh == NULL)
		return;
	if (--sh->n == 0) {
		strmap_remove(&s->map, &sh->node);
		free(sh);
	}
}

/* Messages in flight from this sender. */
size_t
sender_share_count(const struct sender_share *sh)
{
	return sh != NULL ? sh->n : 0;
}
