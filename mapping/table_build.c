/*
 * Building a table from its text: map_table_parse in one go, or a
 * map_table_builder a slice of lines at a time, so that a daemon can
 * reload a large table between the turns of its event loop. Both run
 * the same two passes (count the lines to size the table, then parse
 * them) with the same code, so they accept, refuse and build exactly
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

/* A step counts this many lines for each line it may parse: counting
 * one costs a few percent of parsing it. */
#define COUNT_PER_PARSE	16

enum build_phase {
	BUILD_COUNT,	/* counting lines, to size the table */
	BUILD_PARSE,
	BUILD_DONE,	/* the table was handed out, or the text refused */
};

struct map_table_builder {
	struct table_parser	 ps;
	enum build_phase	 phase;
	const char		*text;
	const char		*next;	/* the next line to count or parse */
	const char		*end;
	size_t			 lines;	/* counted so far */
	size_t			 users;	/* of them, "user" lines */
	int			 in_one_go;
};

/* Checks the size of text and starts a builder on it; in_one_go as
 * for table_presize. */
static int
builder_start(const char *text, size_t len, const char *name,
    int in_one_go, struct map_table_builder **out, char **cause)
{
	struct map_table_builder *b;
	struct table_parser early = { NULL, NULL, 0, cause, { 0, 0 } };

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
	    (b->ps.t = calloc(1, sizeof(*b->ps.t))) == NULL ||
	    (b->ps.t->name = strdup(early.name)) == NULL) {
		map_table_builder_free(b);
		return table_fail(&early, "out of memory");
	}
	b->ps.t->embed = -1;
	b->ps.name = b->ps.t->name;
	b->phase = BUILD_COUNT;
	b->text = b->next = text;
	b->end = text + len;
	b->in_one_go = in_one_go;
	*out = b;
	return 0;
}

/* Starts building a table from text; the text must stay unchanged
 * until the builder is freed. Only checks the size: the steps do the
 * rest. Returns 0, or -1 with *cause. */
int
map_table_builder_new(const char *text, size_t len, const char *name,
    struct map_table_builder **out, char **cause)
{
	return builder_start(text, len, name, 0, out, cause);
}

/* Counts up to max lines, and among them those that start with "user";
 * once all are counted, sizes the table for them. 1 while lines remain
 * to count, 0 when the table is sized, -1 when out of memory. */
static int
count_lines(struct map_table_builder *b, size_t max)
{
	const char *p = b->next, *nl;
	size_t n;

	for (n = 0; p < b->end && n < max; p = nl + 1, n++) {
		if ((nl = memchr(p, '\n', (size_t)(b->end - p))) == NULL)
			nl = b->end;
		b->lines++;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (nl - p > 4 && memcmp(p, "user", 4) == 0)
			b->users++;
	}
	b->next = p;
	if (p < b->end)
		return 1;
	if (table_presize(b->ps.t, (size_t)(b->end - b->text), b->lines,
	    b->users, b->in_one_go) == -1)
		return -1;
	b->next = b->text;
	b->phase = BUILD_PARSE;
	return 0;
}

/* Parses up to max lines: 1 while lines remain, 0 at the end of the
 * text, -1 with *ps->cause when a line is refused. */
static int
parse_lines(struct map_table_builder *b, size_t max)
{
	struct table_parser *ps = &b->ps;
	const char *p, *nl;
	size_t llen, n;

	for (n = 0, p = b->next; p < b->end && n < max; p = nl + 1, n++) {
		ps->line++;
		if ((nl = memchr(p, '\n', (size_t)(b->end - p))) == NULL)
			nl = b->end;
		llen = (size_t)(nl - p);
		if (llen > TABLE_LINE_MAX)
			return table_fail(ps, "line longer than %d bytes",
			    TABLE_LINE_MAX);
		if (memchr(p, '\0', llen) != NULL)
			return table_fail(ps, "NUL byte");
		if (table_parse_line(ps, p, llen) == -1)
			return -1;
	}
	b->next = p;
	return p < b->end ? 1 : 0;
}

/*
 * Does a bounded part of the work: counts up to COUNT_PER_PARSE times
 * max_lines lines (the first steps size the table), or parses up to
 * max_lines lines. Returns 1 while work remains; 0 when the table is
 * complete, with the table in *out (the caller owns it); -1 with *cause
 * ("NAME:LINE: reason") when the text is refused. After 0 or -1 there
 * is nothing left to do but free the builder.
 */
int
map_table_builder_step(struct map_table_builder *b, size_t max_lines,
    struct map_table **out, char **cause)
{
	int rc;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	b->ps.cause = cause;
	switch (b->phase) {
	case BUILD_COUNT:
		rc = count_lines(b, max_lines > SIZE_MAX / COUNT_PER_PARSE ?
		    SIZE_MAX : max_lines * COUNT_PER_PARSE);
		if (rc == -1)
			break;
		return 1;
	case BUILD_PARSE:
		if ((rc = parse_lines(b, max_lines)) == 1)
			return 1;
		if (rc == -1)
			break;
		b->phase = BUILD_DONE;
		*out = b->ps.t;
		b->ps.t = NULL;
		return 0;
	case BUILD_DONE:
		return -1;
	}
	if (cause != NULL && *cause == NULL)
		table_fail(&b->ps, "out of memory");
	b->phase = BUILD_DONE;
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
	if (builder_start(text, len, name, 1, &b, cause) == -1)
		return -1;
	while ((rc = map_table_builder_step(b, SIZE_MAX, out, cause)) == 1)
		;
	map_table_builder_free(b);
	return rc == 0 ? 0 : -1;
}

/* Reads a whole table file into a malloc'ed buffer (*text, *len),
 * backed with memory before the read copies into it (bigmem.c).
 * Returns 0, or -1 with *cause ("PATH: reason"). */
int
map_table_read(const char *path, char **text, size_t *len, char **cause)
{
	struct table_parser ps = { NULL, path, 0, cause, { 0, 0 } };
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
	if ((buf = big_alloc((size_t)st.st_size + 1, 0)) == NULL) {
		table_fail(&ps, "out of memory");
		goto out;
	}
	big_populate(buf, (size_t)st.st_size);
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
