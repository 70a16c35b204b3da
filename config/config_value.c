/*
 * Option values: turning one option's text into its field of struct
 * config, the checks that string options name in the table, and printing
 * a field back in file syntax. Pure code: the only I/O is the FILE a
 * caller hands to config_option_print().
 *
 * The reasons given in *why say what is allowed; the loader adds the
 * file, line, key and (unless secret) the offending value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

_Static_assert(sizeof(enum xmpp_message_type) == sizeof(int),
    "enum fields are stored through int *");
_Static_assert(sizeof(enum size_limit_policy) == sizeof(int),
    "enum fields are stored through int *");

/* Sets *cause to a malloc'ed message; leaves it NULL if that fails. */
void
config_set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}

/* The string field an option stores into. */
static char **
field_str(struct config *cfg, const struct config_option *o)
{
	return (char **)(void *)((char *)cfg + o->offset);
}

/* The int (or enum) field an option stores into. */
static int *
field_int(struct config *cfg, const struct config_option *o)
{
	return (int *)(void *)((char *)cfg + o->offset);
}

/* ASCII-only classification: the locale must not change what is valid. */
static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 1123 §2.1 host name: dot-separated labels of letters, digits and
 * inner hyphens, 1..63 bytes each, 253 in all; the last label is not all
 * digits (that would be a malformed IPv4 address). */
static int
is_hostname(const char *s)
{
	size_t len = strlen(s), label = 0, i;
	int digits = 1;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			digits = 1;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (c < '0' || c > '9')
			digits = 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-' && !digits;
}

/* Whether s is a numeric address of the family (inet_pton's grammar). */
static int
is_addr(int family, const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(family, s, buf) == 1;
}

/* Parses a decimal port 1..65535 from exactly n bytes; -1 if invalid. */
static int
parse_port(const char *s, size_t n)
{
	int port = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/* [gateway] log_target: the two places log.c can write to. */
int
config_check_log_target(char *value, char **why)
{
	if (strcmp(value, "stderr") == 0 || strcmp(value, "syslog") == 0)
		return 0;
	config_set_cause(why, "expected stderr or syslog");
	return -1;
}

/* A host to connect to or to advertise: name, IPv4, or IPv6 with or
 * without brackets. Brackets are removed in place: the users of these
 * fields add them where a URI needs them. */
int
config_check_host(char *value, char **why)
{
	size_t len = strlen(value);

	if (value[0] == '[' && len > 2 && value[len - 1] == ']') {
		value[len - 1] = '\0';
		if (is_addr(AF_INET6, value + 1)) {
			memmove(value, value + 1, len - 1);
			return 0;
		}
		value[len - 1] = ']';
	} else if (is_addr(AF_INET, value) || is_addr(AF_INET6, value) ||
	    is_hostname(value))
		return 0;
	config_set_cause(why,
	    "expected a host name, an IPv4 address or an IPv6 address");
	return -1;
}

/* [xmpp] component: an XMPP domain (RFC 7622 §3.2) we log in as. Only
 * lowercase LDH names (IDNs as A-labels): ejabberd compares the 'from'
 * of our stanzas byte for byte, so the name must already be canonical. */
int
config_check_domain(char *value, char **why)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			config_set_cause(why, "expected a domain name in "
			    "lowercase, such as sip.example");
			return -1;
		}
	}
	if (is_hostname(value))
		return 0;
	config_set_cause(why, "expected a domain name such as sip.example");
	return -1;
}

/* [sip] outbound_proxy: sip:HOST[:PORT][;transport=udp|tcp|tls] or
 * sips:HOST[:PORT], nothing more, so that what the SIP stack parses is
 * exactly what we checked. */
int
config_check_sip_proxy(char *value, char **why)
{
	const char *p = value, *host, *end;
	char buf[256];
	size_t n;

	int sips = strncasecmp(p, "sips:", 5) == 0;

	if (!sips && strncasecmp(p, "sip:", 4) != 0)
		goto bad;
	p += sips ? 5 : 4;
	if (*p == '[') {
		host = p + 1;
		if ((end = strchr(host, ']')) == NULL)
			goto bad;
		n = (size_t)(end - host);
		if (n == 0 || n >= sizeof(buf))
			goto bad;
		memcpy(buf, host, n);
		buf[n] = '\0';
		if (!is_addr(AF_INET6, buf))
			goto bad;
		p = end + 1;
	} else {
		n = strcspn(p, ":;");
		if (n == 0 || n >= sizeof(buf))
			goto bad;
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (!is_addr(AF_INET, buf) && !is_hostname(buf))
			goto bad;
		p += n;
	}
	if (*p == ':') {
		n = strcspn(++p, ";");
		if (parse_port(p, n) < 0)
			goto bad;
		p += n;
	}
	if (*p == '\0')
		return 0;
	/* RFC 3261 §26.2.2: a sips: URI is TLS; UDP cannot carry it. */
	if ((!sips && strcasecmp(p, ";transport=udp") == 0) ||
	    strcasecmp(p, ";transport=tcp") == 0 ||
	    strcasecmp(p, ";transport=tls") == 0)
		return 0;
bad:
	config_set_cause(why, "expected sip:HOST[:PORT][;transport=udp|tcp|"
	    "tls] or sips:HOST[:PORT]");
	return -1;
}

/* Parses one udp: / tcp: / tls:HOST:PORT of n bytes into *l, with the
 * host in inet_ntop's canonical form so duplicates can be spotted. */
static int
parse_listen_one(struct config_listen *l, const char *tok, size_t n,
    char **why)
{
	char buf[128], *host, *port;
	unsigned char addr[sizeof(struct in6_addr)];
	int family;

	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	memset(l, 0, sizeof(*l));
	if (strncasecmp(buf, "udp:", 4) == 0)
		l->transport = IPPROTO_UDP;
	else if (strncasecmp(buf, "tcp:", 4) == 0)
		l->transport = IPPROTO_TCP;
	else if (strncasecmp(buf, "tls:", 4) == 0)
		l->transport = CONFIG_PROTO_TLS;
	else
		goto bad;
	host = buf + 4;
	if (*host == '[') {
		if ((port = strchr(++host, ']')) == NULL || port[1] != ':')
			goto bad;
		*port = '\0';
		port += 2;
		family = AF_INET6;
	} else {
		if ((port = strrchr(host, ':')) == NULL)
			goto bad;
		*port++ = '\0';
		if (strchr(host, ':') != NULL) {
			config_set_cause(why, "'%.*s': an IPv6 address goes "
			    "in brackets, as in udp:[::1]:5070",
			    (int)(n > 64 ? 64 : n), tok);
			return -1;
		}
		family = AF_INET;
	}
	if (inet_pton(family, host, addr) != 1 ||
	    inet_ntop(family, addr, l->host, sizeof(l->host)) == NULL)
		goto bad;
	if ((l->port = parse_port(port, strlen(port))) < 0)
		goto bad;
	return 0;
bad:
	config_set_cause(why, "'%.*s' is not udp:, tcp: or tls:HOST:PORT "
	    "with a numeric HOST (IPv6 in brackets) and a PORT from 1 to "
	    "65535", (int)(n > 64 ? 64 : n), tok);
	return -1;
}

/* [sip] listen: the whole list replaces the previous one, or nothing
 * changes. */
static int
parse_listen(struct config *cfg, const char *value, char **why)
{
	struct config_listen tmp[CONFIG_MAX_LISTEN];
	const char *p = value;
	int n = 0;

	for (;;) {
		size_t len;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if (n == CONFIG_MAX_LISTEN) {
			config_set_cause(why, "more than %d addresses",
			    CONFIG_MAX_LISTEN);
			return -1;
		}
		if (parse_listen_one(&tmp[n], p, len, why) < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			/* tcp: and tls: share TCP's port space. */
			int udp_i = tmp[i].transport == IPPROTO_UDP;
			int udp_n = tmp[n].transport == IPPROTO_UDP;

			if (udp_i == udp_n && tmp[i].port == tmp[n].port &&
			    strcmp(tmp[i].host, tmp[n].host) == 0) {
				config_set_cause(why, "'%.*s' is listed twice",
				    (int)(len > 64 ? 64 : len), p);
				return -1;
			}
		}
		n++;
		p += len;
	}
	if (n == 0) {
		config_set_cause(why,
		    "expected at least one udp:, tcp: or tls:HOST:PORT");
		return -1;
	}
	memset(cfg->listen, 0, sizeof(cfg->listen));
	memcpy(cfg->listen, tmp, (size_t)n * sizeof(tmp[0]));
	cfg->n_listen = n;
	return 0;
}

/* A decimal integer within the option's bounds; no units, no '+'. */
static int
parse_int(const struct config_option *o, const char *value, int *out,
    char **why)
{
	long long v;
	char *end;

	if ((value[0] < '0' || value[0] > '9') && value[0] != '-')
		goto bad;
	errno = 0;
	v = strtoll(value, &end, 10);
	if (end == value || *end != '\0' || errno == ERANGE ||
	    v < o->min || v > o->max)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	config_set_cause(why, "expected an integer from %lld to %lld",
	    o->min, o->max);
	return -1;
}

/* The usual spellings of a boolean, in any case. */
static int
parse_bool(const char *value, int *out, char **why)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	config_set_cause(why, "expected yes or no");
	return -1;
}

/* One of the option's names, in any case; the error lists them all. */
static int
parse_enum(const struct config_option *o, const char *value, int *out,
    char **why)
{
	const struct config_enum_name *e;
	char list[256];
	size_t used = 0;

	for (e = o->names; e->name != NULL; e++) {
		if (strcasecmp(value, e->name) == 0) {
			*out = e->value;
			return 0;
		}
	}
	list[0] = '\0';
	for (e = o->names; e->name != NULL && used < sizeof(list); e++) {
		int r = snprintf(list + used, sizeof(list) - used, "%s%s",
		    e == o->names ? "" : ", ", e->name);

		if (r < 0)
			break;
		used += (size_t)r;
	}
	config_set_cause(why, "expected one of: %s", list);
	return -1;
}

/*
 * A comma list of the option's names (blanks around them allowed), as
 * the OR of their values. An empty item is a mistake, not "nothing".
 */
int
config_flags_parse(const struct config_option *o, const char *value,
    int *out, char **why)
{
	const char *p = value, *start, *end;
	char name[64];
	int v, all = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start) {
			config_set_cause(why, "empty item in the list");
			return -1;
		}
		if ((size_t)(end - start) >= sizeof(name))
			end = start + sizeof(name) - 1;	/* fails below */
		memcpy(name, start, (size_t)(end - start));
		name[end - start] = '\0';
		if (parse_enum(o, name, &v, why) < 0)
			return -1;
		all |= v;
		if (*p == '\0')
			break;
		p++;			/* the comma */
	}
	*out = all;
	return 0;
}

/* Replaces a string field; CONFIG_OPTIONAL strings may become NULL. */
static int
set_string(struct config *cfg, const struct config_option *o,
    const char *value, char **why)
{
	char **field = field_str(cfg, o), *copy;

	if (value[0] == '\0') {
		if (!(o->flags & CONFIG_OPTIONAL)) {
			config_set_cause(why, "must not be empty");
			return -1;
		}
		free(*field);
		*field = NULL;
		return 0;
	}
	if ((copy = strdup(value)) == NULL) {
		config_set_cause(why, "out of memory");
		return -1;
	}
	if (o->check != NULL && o->check(copy, why) < 0) {
		free(copy);
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Parses value as option o and stores it in cfg; on error cfg is
 * unchanged and *why says what the option accepts. */
int
config_option_set(struct config *cfg, const struct config_option *o,
    const char *value, char **why)
{
	int v;

	/* No control characters but tab: they only ever hide mistakes. */
	for (const char *p = value; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			config_set_cause(why, "contains a control character");
			return -1;
		}
	}
	switch (o->type) {
	case CONFIG_STRING:
	case CONFIG_PATH:
		return set_string(cfg, o, value, why);
	case CONFIG_INT:
		if (parse_int(o, value, &v, why) < 0)
			return -1;
		break;
	case CONFIG_BOOL:
		if (parse_bool(value, &v, why) < 0)
			return -1;
		break;
	case CONFIG_ENUM:
		if (parse_enum(o, value, &v, why) < 0)
			return -1;
		break;
	case CONFIG_FLAGS:
		if (config_flags_parse(o, value, &v, why) < 0)
			return -1;
		break;
	case CONFIG_LISTEN:
		return parse_listen(cfg, value, why);
	default:
		config_set_cause(why, "option of unknown type");
		return -1;
	}
	*field_int(cfg, o) = v;
	return 0;
}

/* The name an enum option uses for value; NULL if it has none. */
const char *
config_enum_name(const struct config_option *o, int value)
{
	if (o->type != CONFIG_ENUM)
		return NULL;
	for (const struct config_enum_name *e = o->names; e->name != NULL; e++)
		if (e->value == value)
			return e->name;
	return NULL;
}

/*
 * A flags value as names: the one name that is exactly v if there is one
 * ("all", "none"), else every single-bit name it holds.
 */
static void
print_flags(FILE *out, const struct config_option *o, int v)
{
	const struct config_enum_name *e;
	int first = 1;

	if ((e = o->names) != NULL)
		for (; e->name != NULL; e++)
			if (e->value == v) {
				fputs(e->name, out);
				return;
			}
	for (e = o->names; e != NULL && e->name != NULL; e++) {
		if (e->value == 0 || (e->value & (e->value - 1)) != 0 ||
		    (v & e->value) == 0)
			continue;
		fprintf(out, "%s%s", first ? "" : ",", e->name);
		first = 0;
	}
}

/* Prints the option's current value in file syntax (unset: nothing). */
void
config_option_print(FILE *out, const struct config *cfg,
    const struct config_option *o)
{
	const char *base = (const char *)cfg + o->offset, *name;
	const char *s;
	int v;

	switch (o->type) {
	case CONFIG_STRING:
	case CONFIG_PATH:
		memcpy(&s, base, sizeof(s));
		if (s != NULL)
			fputs(s, out);
		break;
	case CONFIG_INT:
		memcpy(&v, base, sizeof(v));
		fprintf(out, "%d", v);
		break;
	case CONFIG_BOOL:
		memcpy(&v, base, sizeof(v));
		fputs(v ? "yes" : "no", out);
		break;
	case CONFIG_ENUM:
		memcpy(&v, base, sizeof(v));
		if ((name = config_enum_name(o, v)) != NULL)
			fputs(name, out);
		else
			fprintf(out, "%d", v);
		break;
	case CONFIG_FLAGS:
		memcpy(&v, base, sizeof(v));
		print_flags(out, o, v);
		break;
	case CONFIG_LISTEN:
		for (int i = 0; i < cfg->n_listen; i++) {
			const struct config_listen *l = &cfg->listen[i];
			int v6 = strchr(l->host, ':') != NULL;

			fprintf(out, "%s%s:%s%s%s:%d", i > 0 ? " " : "",
			    l->transport == CONFIG_PROTO_TLS ? "tls" :
			    l->transport == IPPROTO_TCP ? "tcp" : "udp",
			    v6 ? "[" : "", l->host, v6 ? "]" : "", l->port);
		}
		break;
	}
}
