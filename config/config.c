/*
 * Loading sipxmppd.conf: defaults from the option table, then the file
 * through inih, then the checks that span several keys.
 *
 * inih is fed by our own line reader. Debian's libinih is built with a
 * 200-byte line buffer and hands longer lines over in pieces, the rest of
 * a line becoming a "line" of its own; our reader gives it whole lines
 * only, in a buffer we size, and refuses longer ones with their number.
 * Because it sees every line first, the reader also keeps the line
 * number (Debian's handler gets none) and checks section headers, which
 * inih would otherwise accept silently when they hold no keys.
 *
 * Every error is "PATH:LINE: reason" (or "PATH: reason") and stops the
 * load; *cfg stays freeable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

/* State of one load, shared by the reader and the handler. */
struct load {
	const char	*path;
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	int		 lineno;	/* of the line inih is working on */
	struct config	*cfg;
	char		*cause;		/* first error, if words could be had */
	int		 failed;	/* an error was met: stops everything */
	int		 section_line[8]; /* first header of each section */
	int		*key_line;	/* where each option was set; 0: not */
};

/* Records the first error, prefixed with the file and current line. */
static void __attribute__((format(printf, 3, 4)))
load_error(struct load *l, int line, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	/*
	 * The flag, not the cause, says "stop": with memory short even the
	 * cause cannot be had, and the load must fail all the same.
	 */
	if (l->failed)
		return;
	l->failed = 1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (line > 0)
		config_set_cause(&l->cause, "%s:%d: %s", l->path, line,
		    msg != NULL ? msg : "out of memory");
	else
		config_set_cause(&l->cause, "%s: %s", l->path,
		    msg != NULL ? msg : "out of memory");
	free(msg);
}

/* Index of a section in config_sections; -1 if unknown. */
static int
section_index(const char *name, size_t len)
{
	for (int i = 0; config_sections[i] != NULL; i++)
		if (strlen(config_sections[i]) == len &&
		    strncmp(config_sections[i], name, len) == 0)
			return i;
	return -1;
}

/* Fills buf with the keys of a section, or with the section names when
 * section is NULL, for "unknown ..." errors. */
static void
list_names(const char *section, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	if (section == NULL) {
		for (int i = 0; config_sections[i] != NULL; i++) {
			int r = snprintf(buf + used, size - used, "%s%s",
			    i > 0 ? ", " : "", config_sections[i]);

			if (r < 0 || (size_t)r >= size - used)
				return;
			used += (size_t)r;
		}
		return;
	}
	for (size_t i = 0; i < config_n_options; i++) {
		int r;

		if (strcmp(config_options[i].section, section) != 0)
			continue;
		r = snprintf(buf + used, size - used, "%s%s",
		    used > 0 ? ", " : "", config_options[i].key);
		if (r < 0 || (size_t)r >= size - used)
			return;
		used += (size_t)r;
	}
}

/* Checks a "[name]" line the way inih will read it: the name is what is
 * between '[' and the first ']', unstripped. */
static int
check_header(struct load *l, const char *line)
{
	const char *p = line, *end;
	char known[128];
	int idx;

	if (l->lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* UTF-8 BOM, which inih skips too */
	p += strspn(p, " \t\r\n\v\f");
	if (*p != '[')
		return 0;
	if ((end = strchr(++p, ']')) == NULL) {
		load_error(l, l->lineno, "missing ']' in section header");
		return -1;
	}
	if (end[1 + strspn(end + 1, " \t\r\n\v\f")] != '\0') {
		load_error(l, l->lineno, "text after section header");
		return -1;
	}
	if ((idx = section_index(p, (size_t)(end - p))) < 0) {
		list_names(NULL, known, sizeof(known));
		load_error(l, l->lineno, "unknown section [%.*s] (known: %s)",
		    (int)(end - p > 64 ? 64 : end - p), p, known);
		return -1;
	}
	if (idx < (int)(sizeof(l->section_line) / sizeof(int)) &&
	    l->section_line[idx] == 0)
		l->section_line[idx] = l->lineno;
	return 0;
}

/* inih's fgets: one whole line per call, never a piece of one. */
static char *
read_line(char *str, int num, void *arg)
{
	struct load *l = arg;
	const char *p, *nl;
	size_t n, text;

	if (l->failed || l->pos >= l->len)
		return NULL;
	p = l->buf + l->pos;
	nl = memchr(p, '\n', l->len - l->pos);
	n = nl != NULL ? (size_t)(nl - p) + 1 : l->len - l->pos;
	text = nl != NULL ? n - 1 : n;
	if (text > 0 && p[text - 1] == '\r')
		text--;
	l->lineno++;
	if (text > CONFIG_MAX_LINE || num <= 0 || n >= (size_t)num) {
		load_error(l, l->lineno, "line too long (more than %d bytes)",
		    CONFIG_MAX_LINE);
		return NULL;
	}
	if (memchr(p, '\0', n) != NULL) {
		load_error(l, l->lineno, "NUL byte in line");
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	l->pos += n;
	if (check_header(l, str) < 0)
		return NULL;
	return str;
}

/* inih's callback for each "key = value": find, dedupe, parse. */
static int
handle_pair(void *arg, const char *section, const char *key,
    const char *value)
{
	struct load *l = arg;
	const struct config_option *o;
	char known[512], *why = NULL;
	size_t idx;

	if (section[0] == '\0') {
		load_error(l, l->lineno, "key '%.64s' outside of any section",
		    key);
		return 0;
	}
	if ((o = config_option_find(section, key)) == NULL) {
		list_names(section, known, sizeof(known));
		load_error(l, l->lineno,
		    "unknown key '%.64s' in section [%s] (known: %s)", key,
		    section, known);
		return 0;
	}
	idx = (size_t)(o - config_options);
	if (l->key_line[idx] != 0) {
		load_error(l, l->lineno,
		    "duplicate key '%s' in section [%s] (first set on line %d)",
		    key, section, l->key_line[idx]);
		return 0;
	}
	l->key_line[idx] = l->lineno;
	if (config_option_set(l->cfg, o, value, &why) < 0) {
		if (o->flags & CONFIG_SECRET)
			load_error(l, l->lineno, "bad value for [%s] %s: %s",
			    section, key, why != NULL ? why : "out of memory");
		else
			load_error(l, l->lineno,
			    "bad value '%.64s%s' for [%s] %s: %s", value,
			    strlen(value) > 64 ? "..." : "", section, key,
			    why != NULL ? why : "out of memory");
		free(why);
		return 0;
	}
	return 1;
}

/* Turns a relative path into one relative to the config file's
 * directory, made absolute so that a later chdir cannot change it. */
static int
resolve_path(struct load *l, const struct config_option *o)
{
	char **field = (char **)(void *)((char *)l->cfg + o->offset);
	const char *slash = strrchr(l->path, '/');
	char *cwd = NULL, *dir = NULL, *full = NULL;
	size_t dirlen;
	int r = -1;

	if (*field == NULL || (*field)[0] == '/')
		return 0;
	/* The directory part of the config path, without its last '/'
	 * unless that is the root. */
	dirlen = slash == NULL ? 0 : slash == l->path ? 1 :
	    (size_t)(slash - l->path);
	if (l->path[0] == '/')
		dir = strndup(l->path, dirlen);
	else if ((cwd = getcwd(NULL, 0)) == NULL) {
		load_error(l, l->key_line[o - config_options],
		    "cannot resolve [%s] %s: %s", o->section, o->key,
		    strerror(errno));
		goto out;
	} else if (dirlen == 0) {
		dir = cwd;
		cwd = NULL;
	} else if (asprintf(&dir, "%s%s%.*s", cwd,
	    cwd[strlen(cwd) - 1] == '/' ? "" : "/", (int)dirlen,
	    l->path) < 0)
		dir = NULL;
	if (dir == NULL || asprintf(&full, "%s%s%s", dir,
	    dir[strlen(dir) - 1] == '/' ? "" : "/", *field) < 0) {
		load_error(l, 0, "out of memory");
		goto out;
	}
	free(*field);
	*field = full;
	r = 0;
out:
	free(dir);
	free(cwd);
	return r;
}

/* Two options that bound a range: lo must not be above hi. */
static int
check_order(struct load *l, const char *section, const char *lo_key,
    const char *hi_key, int lo_value, int hi_value)
{
	const struct config_option *lo, *hi;
	int line;

	if (hi_value >= lo_value)
		return 0;
	lo = config_option_find(section, lo_key);
	hi = config_option_find(section, hi_key);
	line = l->key_line[hi - config_options];
	if (l->key_line[lo - config_options] > line)
		line = l->key_line[lo - config_options];
	load_error(l, line, "[%s] %s (%d) is smaller than %s (%d)", section,
	    hi_key, hi_value, lo_key, lo_value);
	return -1;
}

/* Line where option section/key was set; 0 if it was not. */
static int
key_line(struct load *l, const char *section, const char *key)
{
	return l->key_line[config_option_find(section, key) - config_options];
}

/*
 * The secret comes from exactly one of [xmpp] secret and secret_file; an
 * empty value is no value (what --check-config prints reads back).
 */
static int
check_secret_keys(struct load *l)
{
	int sline = l->cfg->xmpp_secret != NULL ?
	    key_line(l, "xmpp", "secret") : 0;
	int fline = l->cfg->xmpp_secret_file != NULL ?
	    key_line(l, "xmpp", "secret_file") : 0;
	int xline = l->section_line[section_index("xmpp", 4)];

	if (sline != 0 && fline != 0) {
		load_error(l, sline > fline ? sline : fline, "[xmpp] secret "
		    "and secret_file are both set: keep one");
		return -1;
	}
	if (sline != 0 || fline != 0)
		return 0;
	if (xline != 0)
		load_error(l, xline, "section [xmpp] lacks the required key "
		    "'secret' (or 'secret_file')");
	else
		load_error(l, 0, "no section [xmpp], which must set the "
		    "required key 'secret' (or 'secret_file')");
	return -1;
}

/* Reads the secret from secret_file, once its path is absolute
 * (config_secret.c says what is refused). */
static int
read_secret(struct load *l)
{
	int line = key_line(l, "xmpp", "secret_file");
	char *why = NULL;

	if (l->cfg->xmpp_secret_file == NULL)
		return 0;
	if (config_read_secret_file(l->cfg, &why) == 0)
		return 0;
	load_error(l, line, "[xmpp] secret_file %s: %s",
	    l->cfg->xmpp_secret_file, why != NULL ? why : "out of memory");
	free(why);
	return -1;
}

/* A tls: listener needs a certificate and its key; either needs the
 * other; an outbound proxy over TLS needs a tls: listener. */
static int
check_tls(struct load *l)
{
	const struct config *cfg = l->cfg;
	const struct config_option *cert, *key;
	int have_cert = cfg->sip_tls_certificate != NULL;
	int have_key = cfg->sip_tls_key != NULL;
	int have_listener = 0;
	const char *proxy;

	cert = config_option_find("sip", "tls_certificate");
	key = config_option_find("sip", "tls_key");
	if (have_cert != have_key) {
		load_error(l, l->key_line[(have_cert ? cert : key) -
		    config_options], "[sip] %s is set but %s is not",
		    have_cert ? "tls_certificate" : "tls_key",
		    have_cert ? "tls_key" : "tls_certificate");
		return -1;
	}
	for (int i = 0; i < cfg->n_listen; i++) {
		if (cfg->listen[i].transport != CONFIG_PROTO_TLS)
			continue;
		have_listener = 1;
		if (have_cert)
			continue;
		load_error(l, l->key_line[config_option_find("sip",
		    "listen") - config_options], "[sip] listen has a tls: "
		    "address but no tls_certificate and tls_key are set");
		return -1;
	}
	/* Requests over TLS name a tls: listener in Via and Contact (RFC
	 * 3261 §18.1.1, §26.2.2): in-dialog requests come back to it. */
	proxy = cfg->sip_outbound_proxy;
	if (proxy != NULL && !have_listener &&
	    (strncasecmp(proxy, "sips:", 5) == 0 ||
	    strcasestr(proxy, ";transport=tls") != NULL)) {
		load_error(l, l->key_line[config_option_find("sip",
		    "outbound_proxy") - config_options], "[sip] "
		    "outbound_proxy is reached over TLS but listen has no "
		    "tls: address");
		return -1;
	}
	return 0;
}

/* The checks no single option can make: required keys, related values,
 * and relative paths. */
static int
check_whole(struct load *l)
{
	struct config *cfg = l->cfg;

	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		int sec = section_index(o->section, strlen(o->section));

		if (!(o->flags & CONFIG_REQUIRED) || l->key_line[i] != 0)
			continue;
		if (sec >= 0 && sec < (int)(sizeof(l->section_line) /
		    sizeof(int)) && l->section_line[sec] != 0)
			load_error(l, l->section_line[sec],
			    "section [%s] lacks the required key '%s'",
			    o->section, o->key);
		else
			load_error(l, 0, "no section [%s], which must set "
			    "the required key '%s'", o->section, o->key);
		return -1;
	}
	if (check_secret_keys(l) < 0)
		return -1;
	if (check_order(l, "xmpp", "reconnect_min_ms", "reconnect_max_ms",
	    cfg->xmpp_reconnect_min_ms, cfg->xmpp_reconnect_max_ms) < 0 ||
	    check_order(l, "presence", "min_expires", "max_expires",
	    cfg->presence_min_expires, cfg->presence_max_expires) < 0)
		return -1;
	if (check_tls(l) < 0)
		return -1;
	for (size_t i = 0; i < config_n_options; i++)
		if (config_options[i].type == CONFIG_PATH &&
		    resolve_path(l, &config_options[i]) < 0)
			return -1;
	return read_secret(l);
}

/* Applies every default; -1 if an allocation failed (fields stay NULL)
 * or, which the unit tests rule out, a default does not parse. */
static int
apply_defaults(struct config *cfg, char **cause)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];
		char *why = NULL;

		if (o->def == NULL || config_option_set(cfg, o, o->def,
		    &why) == 0)
			continue;
		config_set_cause(cause, "default of [%s] %s: %s", o->section,
		    o->key, why != NULL ? why : "out of memory");
		free(why);
		return -1;
	}
	return 0;
}

/* Fills *cfg with the defaults of the option table. The required keys
 * have none and stay NULL; so does any string whose copy failed. */
void
config_init_defaults(struct config *cfg)
{
	(void)apply_defaults(cfg, NULL);
}

/* Parses len bytes of configuration read from path on top of the
 * defaults already in *cfg. */
static int
load(const char *path, const char *buf, size_t len, struct config *cfg,
    char **cause)
{
	struct load l;
	int r;

	memset(&l, 0, sizeof(l));
	l.path = path;
	l.buf = buf;
	l.len = len;
	l.cfg = cfg;
	if ((cfg->path = strdup(path)) == NULL ||
	    (l.key_line = calloc(config_n_options, sizeof(int))) == NULL) {
		load_error(&l, 0, "out of memory");
		goto out;
	}
	if (len > CONFIG_MAX_FILE) {
		load_error(&l, 0, "file too large (more than %d bytes)",
		    CONFIG_MAX_FILE);
		goto out;
	}

	/*
	 * Debian's inih exposes its build options as globals. Whole lines
	 * in a heap buffer our reader sizes; no continuation lines, no
	 * inline comments ("secret = a ;b" keeps " ;b"), first error wins.
	 */
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = CONFIG_MAX_LINE + 3;
	ini_max_line = CONFIG_MAX_LINE + 3;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_stop_on_first_error = true;

	r = ini_parse_stream(read_line, &l, handle_pair, &l);
	if (l.failed)
		goto out;
	if (r > 0) {
		load_error(&l, r,
		    "expected '[section]', 'key = value' or a comment");
		goto out;
	}
	if (r < 0) {
		load_error(&l, 0, "out of memory");
		goto out;
	}
	(void)check_whole(&l);
out:
	free(l.key_line);
	if (!l.failed)
		return 0;
	if (cause != NULL)
		*cause = l.cause;
	else
		free(l.cause);
	return -1;
}

/* Loads a configuration from memory; path names it in errors and is the
 * base of relative paths. For tests and the fuzzer. */
int
config_load_buffer(const char *path, const char *buf, size_t len,
    struct config *cfg, char **cause)
{
	if (cause != NULL)
		*cause = NULL;
	if (apply_defaults(cfg, cause) < 0)
		return -1;
	return load(path, buf, len, cfg, cause);
}

/* Reads the file at path into a new buffer, at most CONFIG_MAX_FILE + 1
 * bytes, so that an oversized file is noticed without reading it all. */
static int
read_file(const char *path, char **out, size_t *outlen, char **cause)
{
	FILE *f;
	char *buf = NULL, *nbuf;
	size_t len = 0, size = 0, n;
	int r = -1;

	if ((f = fopen(path, "r")) == NULL) {
		config_set_cause(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (len == size) {
			size = size == 0 ? 8192 : size * 2;
			if (size > CONFIG_MAX_FILE + 1)
				size = CONFIG_MAX_FILE + 1;
			if ((nbuf = realloc(buf, size)) == NULL) {
				config_set_cause(cause, "%s: out of memory",
				    path);
				goto out;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, size - len, f);
		len += n;
	} while (n > 0 && len < CONFIG_MAX_FILE + 1);
	if (ferror(f)) {
		config_set_cause(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	fclose(f);
	return r;
}

/* Loads path over the defaults. On error *cause says where and why, and
 * *cfg holds whatever was set so far: pass it to config_free() anyway. */
int
config_load(const char *path, struct config *cfg, char **cause)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (cause != NULL)
		*cause = NULL;
	if (apply_defaults(cfg, cause) < 0)
		return -1;
	if (read_file(path, &buf, &len, cause) < 0)
		return -1;
	r = load(path, buf, len, cfg, cause);
	free(buf);
	return r;
}

/* Frees every string the configuration owns and zeroes it, so a second
 * call is harmless. */
void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < config_n_options; i++) {
		const struct config_option *o = &config_options[i];

		if (o->type == CONFIG_STRING || o->type == CONFIG_PATH)
			free(*(char **)(void *)((char *)cfg + o->offset));
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
