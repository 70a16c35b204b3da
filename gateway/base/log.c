/*
 * Logging to stderr (foreground) or syslog. The hooks that route the
 * libraries' own diagnostics into the same stream live with their users:
 * libevent's and libosip2's in log_libraries.c (the daemon), libstrophe's
 * per context in xmpp_link_strophe.c.
 *
 * Log lines carry bytes peers chose (URIs, JIDs, reason phrases). Every
 * line is escaped before it is written: control characters (CR and LF
 * included, which would let a peer forge whole lines), DEL, the C1
 * controls and bytes that are not UTF-8 become \xNN. Lines a peer can
 * cause at will go through a token bucket per call site
 * (log_info_limited() and friends). Trace lines (log_trace()) are
 * switched on by category, not by level, and name their category.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

int log_verbosity = LOG_INFO;
unsigned log_tracing;
static int log_to_stderr = 1;

const struct log_trace_name log_trace_names[] = {
	{ "sip", TRACE_SIP },
	{ "xmpp", TRACE_XMPP },
	{ "message", TRACE_MESSAGE },
	{ "presence", TRACE_PRESENCE },
	{ "room", TRACE_ROOM },
	{ "all", TRACE_ALL },
	{ NULL, 0 },
};

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* Opens the log; with to_stderr == 0 everything goes to syslog(3). */
void
log_init(int to_stderr, int verbosity, const char *ident)
{
	log_to_stderr = to_stderr;
	log_verbosity = verbosity;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Changes the level, e.g. after a configuration reload. */
void
log_set_verbosity(int verbosity)
{
	log_verbosity = verbosity;
}

/* Maps "error", "warning", "info", "debug" to a priority; -1 if unknown. */
int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	    i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes left) that is
 * not a control character, or 0 (RFC 3629 §4: no overlong forms, no
 * surrogates, nothing above U+10FFFF). U+0080..U+009F are the C1
 * controls, which some terminals obey like ESC sequences.
 */
static size_t
utf8_printable(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xc2)
		lo = 0xa0;		/* not U+0080..U+009F */
	else if (s[0] == 0xe0)
		lo = 0xa0;		/* not overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* not a surrogate */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* not overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* not above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Copies in[0..n) to out with every byte that is not printable UTF-8
 * written as \xNN; out has room for 4 * n + 1 bytes. Returns the length.
 */
static size_t
escape(char *out, const char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, i = 0, len;

	while (i < n) {
		if ((len = utf8_printable(p + i, n - i)) > 0) {
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0xf];
		i++;
	}
	out[o] = '\0';
	return o;
}

/*
 * Writes one formatted line, escaped, with a time stamp on stderr; prefix
 * is our own text ("" or "trace sip: ") and goes out as it is.
 */
static void
write_line(int prio, const char *prefix, const char *line, size_t n)
{
	char stack[4 * 1024 + 1], *esc = stack;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if (4 * n + 1 > sizeof(stack) &&
	    (esc = malloc(4 * n + 1)) == NULL) {
		/* No memory: what fits, escaped all the same. */
		esc = stack;
		n = (sizeof(stack) - 1) / 4;
	}
	escape(esc, line, n);
	if (!log_to_stderr)
		syslog(prio, "%s%s", prefix, esc);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s%s\n", stamp,
		    ts.tv_nsec / 1000000L, level_names[prio], prefix, esc);
	}
	if (esc != stack)
		free(esc);
}

/*
 * Formats into buf (size bytes) or, for a longer line, into memory of
 * its own (*heap, which the caller frees). Returns the line and sets its
 * length, or NULL.
 */
static char *
format_line(char *buf, size_t size, char **heap, size_t *len,
    const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	*heap = NULL;
	va_copy(ap2, ap);
	n = vsnprintf(buf, size, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	if ((size_t)n >= size) {
		if (n > LOG_LINE_MAX)
			n = LOG_LINE_MAX;
		if ((*heap = malloc((size_t)n + 1)) == NULL) {
			*len = size - 1;	/* what fitted */
			return buf;
		}
		vsnprintf(*heap, (size_t)n + 1, fmt, ap);
		*len = (size_t)n;
		return *heap;
	}
	*len = (size_t)n;
	return buf;
}

/* Writes one line at the given priority; the caller checked the level. */
void
log_vemit(int prio, const char *fmt, va_list ap)
{
	char buf[1024], *heap, *line;
	size_t len;

	if (prio > log_verbosity)
		return;
	if ((line = format_line(buf, sizeof(buf), &heap, &len, fmt,
	    ap)) == NULL)
		return;
	write_line(prio, "", line, len);
	free(heap);
}

/* Writes one line at prio if the level lets it through. */
void
log_emit(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(prio, fmt, ap);
	va_end(ap);
}

static long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long (*now_ms)(void) = clock_ms;

/* Tests only: another clock (NULL: the monotonic clock again). */
void
log_set_clock_for_test(long long (*fn)(void))
{
	now_ms = fn != NULL ? fn : clock_ms;
}

/*
 * A line from a call site a peer can trigger at will: a token bucket per
 * call site lets LOG_LIMIT_BURST lines through at once and one more every
 * LOG_LIMIT_MS; the lines it holds back are counted, and the next line
 * that passes says how many ("(N similar lines suppressed)"). Under a
 * flood the log gets one line a second from each such place, not one a
 * packet; the count comes with the next line from that place.
 */
void
log_emit_limited(struct log_limit *ll, int prio, const char *fmt, ...)
{
	long long now = now_ms();
	char buf[1024], *heap, *line, *all;
	size_t len, n;
	va_list ap;

	if (prio > log_verbosity)
		return;
	if (!ll->started) {
		ll->started = 1;
		ll->tokens = LOG_LIMIT_BURST;
		ll->refilled_ms = now;
	} else if (now - ll->refilled_ms >= LOG_LIMIT_MS) {
		long long add = (now - ll->refilled_ms) / LOG_LIMIT_MS;

		ll->tokens = add >= LOG_LIMIT_BURST - ll->tokens ?
		    LOG_LIMIT_BURST : ll->tokens + (unsigned)add;
		ll->refilled_ms += add * LOG_LIMIT_MS;
	}
	if (ll->tokens == 0) {
		ll->suppressed++;
		return;
	}
	ll->tokens--;
	va_start(ap, fmt);
	line = format_line(buf, sizeof(buf), &heap, &len, fmt, ap);
	va_end(ap);
	if (line == NULL)
		return;
	if (ll->suppressed == 0) {
		write_line(prio, "", line, len);
		free(heap);
		return;
	}
	/* The count goes after the line, with room for its text. */
	n = len + 64;
	if ((all = malloc(n)) != NULL) {
		snprintf(all, n, "%.*s (%lu similar lines suppressed)",
		    (int)len, line, ll->suppressed);
		write_line(prio, "", all, strlen(all));
		free(all);
	} else
		write_line(prio, "", line, len);
	ll->suppressed = 0;
	free(heap);
}

/* Switches the trace categories in mask on and all others off. */
void
log_set_tracing(unsigned mask)
{
	log_tracing = mask & TRACE_ALL;
}

/* The name of one category bit, for the line. */
static const char *
trace_name(unsigned category)
{
	for (const struct log_trace_name *t = log_trace_names; t->name != NULL;
	    t++)
		if (t->mask == category)
			return t->name;
	return "?";
}

/*
 * Writes one trace line; log_trace() has checked the category. The level
 * does not hold it back: whoever switched the category on wants it.
 */
void
log_trace_emit(unsigned category, const char *fmt, ...)
{
	char buf[1024], *heap, *line, prefix[32];
	size_t len;
	va_list ap;

	if (!(log_tracing & category))
		return;
	va_start(ap, fmt);
	line = format_line(buf, sizeof(buf), &heap, &len, fmt, ap);
	va_end(ap);
	if (line == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "trace %s: ", trace_name(category));
	write_line(LOG_DEBUG, prefix, line, len);
	free(heap);
}

/* Logs a warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	if (log_verbosity < LOG_WARNING)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_WARNING, "%s: %s", msg, strerror(saved));
}

/* Only before the event loop runs: logs the reason with errno and exits. */
void
fatal(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_CRIT, "fatal: %s: %s", msg, strerror(saved));
	exit(1);
}

/* Only before the event loop runs: logs the reason and exits. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
