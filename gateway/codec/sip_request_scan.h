/*
 * A MESSAGE request read from its raw bytes (RFC 3261 §7, RFC 3428):
 * what the server transaction and the bridge need of it, as spans of the
 * datagram, without libosip2's message model. Building that model cost
 * more than everything else a SIP → XMPP message does; the messages SIP
 * user agents and proxies really send are plain, and only those are read
 * here. Anything less plain (folding, escapes, unusual URIs, headers
 * libosip2 reads into a structure of its own, IPv6 sent-by) makes it give
 * up, and the full parser decides as before. fuzz_sip_request_scan checks
 * that what is read here is what libosip2 reads.
 *
 * Pure code: no sockets.
 */
#ifndef SIPXMPP_SIP_REQUEST_SCAN_H
#define SIPXMPP_SIP_REQUEST_SCAN_H

#include <stddef.h>

struct strbuf;

struct sip_span {
	const char *p;		/* NULL: absent */
	size_t n;
};

/* Via lines a plain request may have; beyond, libosip2 reads it. */
#define SIP_REQUEST_SCAN_VIAS	8

struct sip_request_scan {
	struct sip_span ruri;
	struct sip_span vias[SIP_REQUEST_SCAN_VIAS];	/* values, top first */
	int n_vias;
	struct sip_span via_host, via_port, via_branch;	/* of the top Via */
	struct sip_span via_rport;	/* its ";rport" (no value), if any */
	struct sip_span from_uri, to_uri;
	struct sip_span from_display;	/* raw, quotes kept; absent: none */
	int to_tagged;
	struct sip_span call_id;
	struct sip_span content_type, content_encoding;
	struct sip_span content_language, subject;
	/*
	 * RFC 3325 §9.1: the URI of the one P-Asserted-Identity line (a plain
	 * sip:/sips: name-addr or addr-spec; a tel: URI, a second value or
	 * line leaves the request to libosip2), and the one Privacy line's
	 * value (RFC 3323 §4.2). Read from anyone; the stack decides whether
	 * they count (only from a trusted peer, RFC 3325 §8).
	 */
	struct sip_span asserted_uri, privacy;
	struct sip_span body;
	int n_other;		/* headers libosip2 keeps as name and value */
};

/* sip_request_scan.c */
int sip_request_scan(const char *buf, size_t len,
    struct sip_request_scan *out);
int sip_request_scan_key(const struct sip_request_scan *r, char *out,
    size_t size);
int sip_request_scan_vias(const struct sip_request_scan *r,
    const char *src_ip, int src_port, struct strbuf *out);

#endif
