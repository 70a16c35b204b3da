/*
 * Building a table from its text: map_table_parse in one go, or a
 * map_table_builder a slice of lines at a time, so that a daemon can
 * reload a large table between the turns of its event loop. Both run
 * the same code line by line, so they accept, refuse and build exactly
 * the same tables. And reading a table file in one go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapping_internal.h"

struct map_table_builder {
	struct table_parser	 ps;
	const char		*next;	/* the line after the last parsed */
	const char		*end;
	int			 done;	/* the table was handed out, or the
					 * text refused */
};

/* Starts building a table from text; the text must stay unchanged
 * until the builder is freed. Checks the size and sizes the table in
 * one cheap pass (so that no slice rehashes or copies a growing
 * array). Returns 0, or -1 with *cause. */
int
map_table_builder_new(const char *text, size_t len, const char *name,
    struct map_table_builder **out, char **cause)
{
	struct map_table_builder *b;
	struct table_parser early = { NULL, NULL, 0, cause, 0 };

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (text == NULL) {
		text = "";
		len = 0;
	}
	early.name = name != NULL ? name : "(table)";
	if (len > TABLE_FILE_MAX)
		return table_fail(&early, "larger than %u bytes",
		    TABLE_FILE_MAX);
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->ps.t = calloc(1, sizeof(*b->ps.t))) == NULL)
		goto nomem;
	b->ps.t->embed = -1;
	if ((b->ps.t->name = strdup(early.name)) == NULL ||
	    table_presize(b->ps.t, text, len) == -1)
		goto nomem;
	b->ps.name = b->ps.t->name;
	b->next = text;
	b->end = text + len;
	*out = b;
	return 0;
nomem:
	map_table_builder_free(b);
	return table_fail(&early, "out of memory");
}

/*
 * Parses up to max_lines more lines. Returns 1 while lines remain; 0
 * when the table is complete, with the table in *out (the caller owns
 * it); -1 with *cause ("NAME:LINE: reason") when the text is refused.
 * After 0 or -1 there is nothing left to do but free the builder.
 */
int
map_table_builder_step(struct map_table_builder *b, size_t max_lines,
    struct map_table **out, char **cause)
{
	struct table_parser *ps = &b->ps;
	const char *p, *nl;
	size_t llen, n;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	if (b->done)
		return -1;
	ps->cause = cause;
	for (n = 0, p = b->next; p < b->end && n < max_lines; p = nl + 1, n++) {
		ps->line++;
		if ((nl = memchr(p, '\n', (size_t)(b->end - p))) == NULL)
			nl = b->end;
		llen = (size_t)(nl - p);
		if (llen > TABLE_LINE_MAX) {
			table_fail(ps, "line longer than %d bytes",
			    TABLE_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', llen) != NULL) {
			table_fail(ps, "NUL byte");
			goto fail;
		}
		if (table_parse_line(ps, p, llen) == -1)
			goto fail;
	}
	b->next = p;
	if (p < b->end)
		return 1;
	b->done = 1;
	*out = ps->t;
	ps->t = NULL;
	return 0;
fail:
	if (cause != NULL && *cause == NULL)
		table_fail(ps, "out of memory");
	b->done = 1;
	return -1;
}

/* Number of lines parsed so far. */
size_t
map_table_builder_lines(const struct map_table_builder *b)
{
	return b->ps.line;
}

/* Frees a builder and the table it did not hand out (NULL is fine). */
void
map_table_builder_free(struct map_table_builder *b)
{
	if (b == NULL)
		return;
	map_table_free(b->ps.t);
	free(b);
}

/* Parses a whole table from memory; name is used in error messages.
 * Returns 0 and the table in *out, or -1 and the reason in *cause. */
int
map_table_parse(const char *text, size_t len, const char *name,
    struct map_table **out, char **cause)
{
	struct map_table_builder *b;
	int rc;

	*out = NULL;
	if (map_table_builder_new(text, len, name, &b, cause) == -1)
		return -1;
	rc = map_table_builder_step(b, SIZE_MAX, out, cause);
	map_table_builder_free(b);
	return rc == 0 ? 0 : -1;
}

/* Reads a whole table file into a malloc'ed buffer (*text, *len).
 * Returns 0, or -1 with *cause ("PATH: reason"). */
int
map_table_read(const char *path, char **text, size_t *len, char **cause)
{
	struct table_parser ps = { NULL, path, 0, cause, 0 };
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	*text = NULL;
	*len = 0;
	if (cause != NULL)
		*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return table_fail(&ps, "%s", strerror(errno));
	if (fstat(fd, &st) == -1) {
		table_fail(&ps, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		table_fail(&ps, "not a regular file");
		goto out;
	}
	if ((uintmax_t)st.st_size > TABLE_FILE_MAX) {
		table_fail(&ps, "larger than %u bytes", TABLE_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		table_fail(&ps, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			table_fail(&ps, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;		/* shrank under us: parse what we got */
		got += (size_t)n;
	}
	*text = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Reads and parses a table file. */
int
map_table_load(const char *path, struct map_table **out, char **cause)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if (map_table_read(path, &text, &len, cause) == -1)
		return -1;
	rc = map_table_parse(text, len, path, out, cause);
	free(text);
	return rc;
}
