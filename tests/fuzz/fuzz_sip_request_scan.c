/*
 * The raw MESSAGE scanner against libosip2 (differential). Whenever
 * sip_request_scan() accepts a datagram, libosip2 must parse it too, and
 * everything the gateway takes from the scan must be what it would take
 * from libosip2's model:
 * - the server transaction's key (RFC 3261 §17.2.3) and where responses
 *   go (rport, the sent-by port);
 * - the Via lines of a response, received and rport filled in from the
 *   same source address;
 * - whether the To has a tag;
 * - the bridge's fields: Request-URI, From and To URIs, Call-ID,
 *   Content-Encoding, Content-Language, Subject and the body as libosip2
 *   prints them, the Content-Type as content_to_text() reads it, and the
 *   From display name as sip_display_name() reads each raw text;
 * - the sender's identity as RFC 3325 gives it: the P-Asserted-Identity
 *   URI and the Privacy value (sip_identity.c reads the parsed request),
 *   and the sender each reading names once a trusted peer's rule is
 *   applied;
 * - the number of headers libosip2 keeps as plain name and value (a
 *   header it reads into a structure of its own may not pass unseen).
 * A difference aborts: a request would mean one thing to the fast path
 * and another to the parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "content.h"
#include "sip_completed.h"
#include "sip_reply.h"
#include "sip_osip.h"
#include "sip_request_scan.h"
#include "sip_stack.h"
#include "sip_stack_int.h"
#include "stanza.h"

#define SOURCE_IP	"192.0.2.7"
#define SOURCE_PORT	5071

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, saying which check failed, unless ok. */
#define must(ok)	must_at((ok), __LINE__)

static void
must_at(int ok, int line)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sip_request_scan.c:%d: readings differ\n",
		    line);
		abort();
	}
}

/* Both absent, or the same string. */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* content_to_text() must come to the same verdict and text either way. */
static void
same_content(const char *type_a, const char *type_b,
    const struct sip_message_fields *f)
{
	struct content_text a, b;
	int ra = content_to_text(type_a, f->content_encoding,
	    f->body != NULL ? f->body : "", f->body_len, &a, NULL);
	int rb = content_to_text(type_b, f->content_encoding,
	    f->body != NULL ? f->body : "", f->body_len, &b, NULL);

	must(ra == rb && a.len == b.len &&
	    (a.len == 0 || memcmp(a.text, b.text, a.len) == 0) &&
	    same(a.lang, b.lang) && same(a.subject, b.subject));
	content_text_clear(&a);
	content_text_clear(&b);
}

static void
compare(const struct sip_request_scan *scan, osip_message_t *m)
{
	struct strbuf sa, sb;
	struct sip_message_fields fa, fb;
	char key_a[SIP_COMPLETED_KEY_MAX], key_b[SIP_COMPLETED_KEY_MAX];
	osip_via_t *via;
	osip_generic_param_t *rport = NULL, *tag = NULL;
	int port = 0;

	must(MSG_IS_MESSAGE(m) && m->req_uri != NULL && m->from != NULL &&
	    m->to != NULL && m->call_id != NULL && m->cseq != NULL &&
	    m->cseq->method != NULL && strcmp(m->cseq->method, "MESSAGE") == 0);
	must((via = osip_list_get(&m->vias, 0)) != NULL);
	must(osip_list_size(&m->headers) == scan->n_other);
	/* The transaction, and where its responses go. */
	must(sip_completed_key_method(m, "MESSAGE", key_a, sizeof(key_a)) ==
	    sip_request_scan_key(scan, key_b, sizeof(key_b)));
	must(sip_request_scan_key(scan, key_b, sizeof(key_b)) < 0 ||
	    strcmp(key_a, key_b) == 0);
	must((osip_via_param_get_byname(via, "rport", &rport) == 0 &&
	    rport != NULL) == (scan->via_rport.p != NULL));
	for (size_t i = 0; scan->via_port.p != NULL && i < scan->via_port.n;
	    i++)
		port = port * 10 + (scan->via_port.p[i] - '0');
	must((via->port == NULL) == (scan->via_port.p == NULL) &&
	    (via->port == NULL || atoi(via->port) == port));
	must((osip_to_get_tag(m->to, &tag) == 0 && tag != NULL) ==
	    scan->to_tagged);
	/* The Via lines of its responses. */
	sip_request_fix_via(m, SOURCE_IP, SOURCE_PORT);
	strbuf_init(&sa);
	strbuf_init(&sb);
	must(sip_reply_vias(&sa, m) == 0 &&
	    sip_request_scan_vias(scan, SOURCE_IP, SOURCE_PORT, &sb) == 0);
	must(sa.len == sb.len && memcmp(sa.buf, sb.buf, sa.len) == 0);
	strbuf_free(&sa);
	strbuf_free(&sb);
	/* What the bridge reads. */
	strbuf_init(&sa);
	strbuf_init(&sb);
	must(sip_message_fields_from_osip(m, &sa, &fa) == 0 &&
	    sip_message_fields_from_scan(scan, &sb, &fb) == 0);
	must(same(fa.ruri, fb.ruri) && fa.ruri != NULL &&
	    same(fa.from_uri, fb.from_uri) && fa.from_uri != NULL &&
	    same(fa.to_uri, fb.to_uri) && fa.to_uri != NULL &&
	    same(fa.call_id, fb.call_id) &&
	    same(fa.content_encoding, fb.content_encoding) &&
	    same(fa.content_language, fb.content_language) &&
	    same(fa.subject, fb.subject) &&
	    same(fa.from_display, fb.from_display));
	must(same(fa.asserted_uri, fb.asserted_uri) &&
	    same(fa.privacy, fb.privacy));
	sip_message_fields_trust(&fa, 1);
	sip_message_fields_trust(&fb, 1);
	must(same(fa.sender_uri, fb.sender_uri) && fa.sender_uri != NULL);
	sip_message_fields_trust(&fa, 0);
	sip_message_fields_trust(&fb, 0);
	must(fa.asserted_uri == NULL && fb.asserted_uri == NULL &&
	    same(fa.sender_uri, fa.from_uri) &&
	    same(fb.sender_uri, fb.from_uri));
	must(fa.body_len == fb.body_len && (fa.body_len == 0 ||
	    memcmp(fa.body, fb.body, fa.body_len) == 0));
	must((fa.content_type == NULL) == (fb.content_type == NULL));
	same_content(fa.content_type, fb.content_type, &fb);
	strbuf_free(&sa);
	strbuf_free(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sip_request_scan scan;
	osip_message_t *m = NULL;

	if (!ready) {
		parser_init();
		ready = 1;
	}
	if (sip_request_scan((const char *)data, size, &scan) < 0)
		return 0;
	must(osip_message_init(&m) == 0);
	must(osip_message_parse(m, (const char *)data, size) == 0);
	compare(&scan, m);
	osip_message_free(m);
	return 0;
}
