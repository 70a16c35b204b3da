/*
 * RFC 4575 conference-info on arbitrary bytes: conference_info_parse
 * must refuse or read within its bounds (users, endpoints, roles), and
 * whatever it reads must build (conference_info_build) into a document
 * that parses back the same: what the gateway sends a SIP subscriber is
 * always something it could read itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conference_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conference_info ci, back;
	struct strbuf sb;
	char *cause = NULL;

	if (conference_info_parse((const char *)data, size, &ci, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL || ci.entity == NULL || ci.n_users > CI_MAX_USERS)
		abort();
	for (size_t i = 0; i < ci.n_users; i++)
		if (ci.users[i].entity == NULL ||
		    ci.users[i].n_roles > CI_MAX_ROLES ||
		    ci.users[i].n_endpoints > CI_MAX_ENDPOINTS)
			abort();
	strbuf_init(&sb);
	if (conference_info_build(&sb, &ci) != 0)
		abort();
	if (conference_info_parse(sb.buf, sb.len, &back, &cause) != 0)
		abort();
	if (!conference_info_equal(&ci, &back))
		abort();
	conference_info_free(&back);
	conference_info_free(&ci);
	strbuf_free(&sb);
	return 0;
}
