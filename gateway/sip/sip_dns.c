/*
 * c-ares on our libevent loop, for RFC 3263's NAPTR, SRV and address
 * look-ups (libevent's evdns asks for neither NAPTR nor SRV). c-ares
 * tells us through its socket-state callback which sockets to watch; each
 * gets an event that hands readiness back with ares_process_fd(), and one
 * timer, armed from ares_timeout() after every call into c-ares, drives
 * its retries. Answers are kept for their TTL (RFC 1035 §3.2.1; absence
 * briefly, RFC 2308) in a cache bounded in entries and bytes, oldest out
 * first.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "log.h"
#include "sip_dns.h"
#include "sip_locate.h"
#include "sip_stack_int.h"
#include "strmap.h"

#define DNS_SOCKETS	16		/* c-ares uses one or two per server */
#define DNS_CACHE_BYTES	(1024 * 1024)
#define DNS_TIMEOUT_MS	1500		/* per try, per server */
#define DNS_TRIES	2

struct dns_socket {
	struct event ev;
	ares_socket_t fd;		/* ARES_SOCKET_BAD: slot free */
	struct sip_dns *dns;
};

struct cache_entry {
	struct strmap_node node;	/* by key */
	TAILQ_ENTRY(cache_entry) entry;	/* oldest first */
	char *key;
	long long expires_ms;
	enum sip_dns_status status;
	unsigned char *data;		/* an answer, or sockaddr_storage[] */
	size_t len;
};

struct sip_dns {
	struct event_base *base;
	ares_channel channel;
	int channel_ok;
	struct event *timer;
	struct dns_socket sockets[DNS_SOCKETS];
	struct strmap cache;
	TAILQ_HEAD(, cache_entry) entries;
	size_t n_entries, cache_bytes;
	int destroying;
};

/* One question in flight. */
struct dns_pending {
	struct sip_dns *dns;
	char *key;
	sip_dns_answer_cb answer_cb;
	sip_dns_addr_cb addr_cb;
	void *arg;
};

/* A status's name, for log lines. */
const char *
sip_dns_status_str(enum sip_dns_status status)
{
	switch (status) {
	case SIP_DNS_OK:
		return "found";
	case SIP_DNS_NONE:
		return "no such records";
	case SIP_DNS_FAILED:
		return "no answer from DNS";
	case SIP_DNS_CANCELLED:
		return "cancelled";
	}
	return "?";
}

/* Arms the retry timer for c-ares' next deadline, or disarms it. */
static void
rearm(struct sip_dns *dns)
{
	struct timeval tv, *next;

	if (dns->destroying || !dns->channel_ok)
		return;
	if ((next = ares_timeout(dns->channel, NULL, &tv)) != NULL)
		evtimer_add(dns->timer, next);
	else
		evtimer_del(dns->timer);
}

/* A socket c-ares watches is ready. */
static void
socket_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_socket *ds = arg;
	struct sip_dns *dns = ds->dns;

	ares_process_fd(dns->channel,
	    (what & EV_READ) ? (ares_socket_t)fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? (ares_socket_t)fd : ARES_SOCKET_BAD);
	rearm(dns);
}

/* c-ares' retry deadline passed. */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sip_dns *dns = arg;

	(void)fd;
	(void)what;
	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(dns);
}

/*
 * c-ares opens, changes or closes a socket: watch it as asked. The events
 * live in a fixed table and are never freed here, so one may be changed
 * from inside its own callback (ares_process_fd closing the socket).
 */
static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct sip_dns *dns = data;
	struct dns_socket *ds = NULL, *free_slot = NULL;
	short what = (short)((readable ? EV_READ : 0) |
	    (writable ? EV_WRITE : 0));

	for (int i = 0; i < DNS_SOCKETS; i++) {
		if (dns->sockets[i].fd == fd) {
			ds = &dns->sockets[i];
			break;
		}
		if (free_slot == NULL && dns->sockets[i].fd == ARES_SOCKET_BAD)
			free_slot = &dns->sockets[i];
	}
	if (ds != NULL)
		event_del(&ds->ev);
	if (what == 0) {
		if (ds != NULL)
			ds->fd = ARES_SOCKET_BAD;
		return;
	}
	if (ds == NULL && (ds = free_slot) == NULL) {
		/* Its queries time out; c-ares then closes the socket. */
		log_warnx_limited("sip: dns: more than %d resolver sockets",
		    DNS_SOCKETS);
		return;
	}
	ds->fd = fd;
	ds->dns = dns;
	event_assign(&ds->ev, dns->base, fd, what | EV_PERSIST, socket_cb,
	    ds);
	event_add(&ds->ev, NULL);
}

/* Creates the resolver; server is "addr[:port]", or NULL for resolv.conf. */
struct sip_dns *
sip_dns_new(struct event_base *base, const char *server)
{
	struct sip_dns *dns = calloc(1, sizeof(*dns));
	struct ares_options opts;
	int r;

	if (dns == NULL)
		return NULL;
	dns->base = base;
	strmap_init(&dns->cache);
	TAILQ_INIT(&dns->entries);
	for (int i = 0; i < DNS_SOCKETS; i++)
		dns->sockets[i].fd = ARES_SOCKET_BAD;
	if ((r = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_error("sip: dns: %s", ares_strerror(r));
		free(dns);
		return NULL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = dns;
	opts.timeout = DNS_TIMEOUT_MS;
	opts.tries = DNS_TRIES;
	/* SIP hosts are fully qualified: no search list (RFC 3263 §4). */
	opts.domains = NULL;
	opts.ndomains = 0;
	if ((r = ares_init_options(&dns->channel, &opts,
	    ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_DOMAINS)) !=
	    ARES_SUCCESS) {
		log_error("sip: dns: cannot start the resolver: %s",
		    ares_strerror(r));
		goto fail;
	}
	dns->channel_ok = 1;
	if (server != NULL && server[0] != '\0' &&
	    (r = ares_set_servers_ports_csv(dns->channel, server)) !=
	    ARES_SUCCESS) {
		log_error("sip: dns: cannot use name server %s: %s", server,
		    ares_strerror(r));
		goto fail;
	}
	if ((dns->timer = evtimer_new(base, timer_cb, dns)) == NULL)
		goto fail;
	return dns;
fail:
	sip_dns_free(dns);
	return NULL;
}

/* Drops one cache entry. */
static void
cache_drop(struct sip_dns *dns, struct cache_entry *e)
{
	strmap_remove(&dns->cache, &e->node);
	TAILQ_REMOVE(&dns->entries, e, entry);
	dns->n_entries--;
	dns->cache_bytes -= e->len;
	free(e->key);
	free(e->data);
	free(e);
}

/*
 * Ends every question (their owners hear SIP_DNS_CANCELLED from
 * ares_destroy) and frees the cache.
 */
void
sip_dns_free(struct sip_dns *dns)
{
	struct cache_entry *e;

	if (dns == NULL)
		return;
	dns->destroying = 1;		/* no new question from a callback */
	if (dns->channel_ok) {
		ares_destroy(dns->channel);
		dns->channel_ok = 0;
	}
	for (int i = 0; i < DNS_SOCKETS; i++)
		if (dns->sockets[i].fd != ARES_SOCKET_BAD)
			event_del(&dns->sockets[i].ev);
	while ((e = TAILQ_FIRST(&dns->entries)) != NULL)
		cache_drop(dns, e);
	strmap_free(&dns->cache);
	if (dns->timer != NULL)
		event_free(dns->timer);
	ares_library_cleanup();
	free(dns);
}

/* "type:name", the name lower-cased and without its final dot. */
static char *
cache_key(int type, const char *name)
{
	size_t n = strlen(name);
	char *key;
	int len;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= SIP_LOCATE_NAME_MAX ||
	    (key = malloc(n + 16)) == NULL)
		return NULL;
	len = snprintf(key, n + 16, "%d:", type);
	for (size_t i = 0; i < n; i++)
		key[len + (int)i] = (char)tolower((unsigned char)name[i]);
	key[len + (int)n] = '\0';
	return key;
}

/* The live cache entry for key, dropping it if it has expired. */
static struct cache_entry *
cache_find(struct sip_dns *dns, const char *key)
{
	struct cache_entry *e;

	e = (struct cache_entry *)strmap_find(&dns->cache, key);
	if (e != NULL && e->expires_ms <= sip_now_ms()) {
		cache_drop(dns, e);
		e = NULL;
	}
	return e;
}

/* Keeps an answer (key is taken) for ttl seconds, oldest out if full. */
static void
cache_put(struct sip_dns *dns, char *key, enum sip_dns_status status,
    const void *data, size_t len, unsigned int ttl)
{
	struct cache_entry *e, *old;

	if (ttl > SIP_DNS_TTL_MAX)
		ttl = SIP_DNS_TTL_MAX;
	if (ttl == 0 || len > DNS_CACHE_BYTES / 16 ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		free(key);
		return;
	}
	if (len > 0 && (e->data = malloc(len)) == NULL) {
		free(e);
		free(key);
		return;
	}
	if (len > 0)
		memcpy(e->data, data, len);
	if ((old = (struct cache_entry *)strmap_find(&dns->cache, key)) !=
	    NULL)
		cache_drop(dns, old);
	while ((old = TAILQ_FIRST(&dns->entries)) != NULL &&
	    (dns->n_entries >= SIP_DNS_CACHE_MAX ||
	    dns->cache_bytes + len > DNS_CACHE_BYTES))
		cache_drop(dns, old);
	e->key = key;
	e->len = len;
	e->status = status;
	e->expires_ms = sip_now_ms() + (long long)ttl * 1000;
	if (strmap_insert(&dns->cache, &e->node, e->key) < 0) {
		free(e->data);
		free(e->key);
		free(e);
		return;
	}
	TAILQ_INSERT_TAIL(&dns->entries, e, entry);
	dns->n_entries++;
	dns->cache_bytes += len;
}

/* How c-ares' status reads for RFC 3263: absent, or no answer at all. */
static enum sip_dns_status
ares_to_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return SIP_DNS_OK;
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		return SIP_DNS_NONE;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		return SIP_DNS_CANCELLED;
	}
	return SIP_DNS_FAILED;
}

/* c-ares answered a NAPTR or SRV question. */
static void
answer_cb(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_pending *p = arg;
	enum sip_dns_status st = ares_to_status(status);
	unsigned int ttl = 0;
	int r;

	(void)timeouts;
	if (st == SIP_DNS_OK) {
		r = abuf != NULL && alen > 0 ? sip_locate_answer_ttl(abuf,
		    (size_t)alen, &ttl) : -1;
		if (r < 0) {
			log_warnx_limited("sip: dns: malformed answer for %s",
			    p->key);
			st = SIP_DNS_FAILED;
		} else if (r == 1)
			st = SIP_DNS_NONE;
	}
	if (st == SIP_DNS_OK) {
		cache_put(p->dns, p->key, st, abuf, (size_t)alen, ttl);
		p->answer_cb(p->arg, st, abuf, (size_t)alen);
	} else {
		if (st == SIP_DNS_NONE && !p->dns->destroying)
			cache_put(p->dns, p->key, st, NULL, 0,
			    SIP_DNS_NEGATIVE_TTL);
		else
			free(p->key);
		p->answer_cb(p->arg, st, NULL, 0);
	}
	free(p);
}

/* Makes the record of a question in flight (key is taken). */
static struct dns_pending *
pending_new(struct sip_dns *dns, char *key, void *arg)
{
	struct dns_pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		free(key);
		return NULL;
	}
	p->dns = dns;
	p->key = key;
	p->arg = arg;
	return p;
}

/*
 * Asks for name's records of type (ns_t_naptr, ns_t_srv), from the cache
 * if it holds them (cb then runs before this returns) or from DNS. 0: cb
 * runs exactly once; -1: it never runs.
 */
int
sip_dns_query(struct sip_dns *dns, const char *name, int type,
    sip_dns_answer_cb cb, void *arg)
{
	struct cache_entry *e;
	struct dns_pending *p;
	char *key;

	if (dns->destroying || (key = cache_key(type, name)) == NULL)
		return -1;
	if ((e = cache_find(dns, key)) != NULL) {
		free(key);
		cb(arg, e->status, e->data, e->len);
		return 0;
	}
	if ((p = pending_new(dns, key, arg)) == NULL)
		return -1;
	p->answer_cb = cb;
	ares_query(dns->channel, name, 1 /* C_IN */, type, answer_cb, p);
	rearm(dns);
	return 0;
}

/* c-ares found (or not) a name's addresses. */
static void
addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_pending *p = arg;
	struct sockaddr_storage addrs[SIP_DNS_ADDRS_MAX];
	enum sip_dns_status st = ares_to_status(status);
	unsigned int ttl = SIP_DNS_TTL_MAX;
	size_t n = 0;

	(void)timeouts;
	for (struct ares_addrinfo_node *a = res != NULL ? res->nodes : NULL;
	    a != NULL && n < SIP_DNS_ADDRS_MAX; a = a->ai_next) {
		if (a->ai_addr == NULL || a->ai_addrlen <= 0 ||
		    (size_t)a->ai_addrlen > sizeof(addrs[0]) ||
		    (a->ai_family != AF_INET && a->ai_family != AF_INET6))
			continue;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		memcpy(&addrs[n], a->ai_addr, (size_t)a->ai_addrlen);
		if (a->ai_ttl >= 0 && (unsigned int)a->ai_ttl < ttl)
			ttl = (unsigned int)a->ai_ttl;
		n++;
	}
	if (res != NULL)
		ares_freeaddrinfo(res);
	if (st == SIP_DNS_OK && n == 0)
		st = SIP_DNS_NONE;
	if (st == SIP_DNS_OK)
		cache_put(p->dns, p->key, st, addrs, n * sizeof(addrs[0]), ttl);
	else if (st == SIP_DNS_NONE && !p->dns->destroying)
		cache_put(p->dns, p->key, st, NULL, 0, SIP_DNS_NEGATIVE_TTL);
	else
		free(p->key);
	p->addr_cb(p->arg, st, st == SIP_DNS_OK ? addrs : NULL,
	    st == SIP_DNS_OK ? n : 0);
	free(p);
}

/*
 * Finds name's IPv4 and IPv6 addresses (RFC 3263 §4.2), as
 * sip_dns_query() does: from the cache before returning, or later.
 */
int
sip_dns_addresses(struct sip_dns *dns, const char *name, sip_dns_addr_cb cb,
    void *arg)
{
	struct ares_addrinfo_hints hints;
	struct cache_entry *e;
	struct dns_pending *p;
	char *key;

	/* Type 0 names the address entries (no record type is 0). */
	if (dns->destroying || (key = cache_key(0, name)) == NULL)
		return -1;
	if ((e = cache_find(dns, key)) != NULL) {
		free(key);
		cb(arg, e->status, (const void *)e->data,
		    e->len / sizeof(struct sockaddr_storage));
		return 0;
	}
	if ((p = pending_new(dns, key, arg)) == NULL)
		return -1;
	p->addr_cb = cb;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	/* No sorting: it would connect() a socket per address to rank them. */
	hints.ai_flags = ARES_AI_NOSORT;
	ares_getaddrinfo(dns->channel, name, NULL, &hints, addr_cb, p);
	rearm(dns);
	return 0;
}
