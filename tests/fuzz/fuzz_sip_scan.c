/*
 * The raw response scanner against libosip2 (differential). Whenever the
 * scanner accepts a response:
 * - libosip2's parser of Via values must read the same branch from the
 *   first Via header line (RFC 3261 §17.1.3 matches on the top Via as
 *   sent; libosip2's message parser sometimes drops a first Via that its
 *   own Via parser reads fine, so the message-level list is not the
 *   reference);
 * - if libosip2 parses the whole message, the status and the CSeq method
 *   must be the same.
 * Otherwise a 2xx could end a transaction the parser would not match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>

#include "sip_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first Via header's first value, as a C string (malloc'd), or NULL. */
static char *
first_via_value(const char *buf, size_t len)
{
	const char *p = memchr(buf, '\n', len), *end = buf + len;

	while (p != NULL && ++p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t n;
		char *out;

		if (e == NULL)
			e = end;
		if ((size_t)(e - p) > 4 && (strncasecmp(p, "Via:", 4) == 0 ||
		    strncasecmp(p, "v:", 2) == 0)) {
			v = memchr(p, ':', (size_t)(e - p)) + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			n = (size_t)(e - v);
			if (memchr(v, ',', n) != NULL)
				n = (size_t)((const char *)memchr(v, ',', n) - v);
			while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '))
				n--;
			if ((out = malloc(n + 1)) == NULL)
				return NULL;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		p = e;
	}
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct sip_scan_response r;
	osip_message_t *m = NULL;
	osip_via_t *via = NULL;
	osip_generic_param_t *branch = NULL;
	char *value;

	if (!ready) {
		parser_init();
		ready = 1;
	}
	if (sip_scan_response((const char *)data, size, &r) < 0)
		return 0;
	if (r.status < 100 || r.status > 699 || r.branch[0] == '\0' ||
	    r.method[0] == '\0')
		abort();
	/* The scanner found a plain first Via line: so must this. */
	if ((value = first_via_value((const char *)data, size)) == NULL)
		abort();
	if (osip_via_init(&via) == 0) {
		if (osip_via_parse(via, value) != 0 ||
		    osip_via_param_get_byname(via, "branch", &branch) != 0 ||
		    branch == NULL || branch->gvalue == NULL ||
		    strcmp(branch->gvalue, r.branch) != 0)
			abort();
		osip_via_free(via);
	}
	free(value);
	if (osip_message_init(&m) != 0)
		return 0;
	if (osip_message_parse(m, (const char *)data, size) == 0 &&
	    MSG_IS_RESPONSE(m) && m->cseq != NULL && m->cseq->method != NULL &&
	    (m->status_code != r.status || strcmp(m->cseq->method,
	    r.method) != 0))
		abort();
	osip_message_free(m);
	return 0;
}
