/*
 * RFC 7247 §7 error mappings, both ways (Tables 2 and 3), with the RFC
 * 6120 error type every generated <error/> needs. Pure code.
 */
#ifndef SIPXMPP_ERRORS_H
#define SIPXMPP_ERRORS_H

#include <stddef.h>

struct xmpp_error_cond {
	const char *condition;	/* RFC 6120 defined condition element name */
	const char *type;	/* cancel / modify / auth / wait */
};

/* errors.c */
const struct xmpp_error_cond *errors_sip_to_xmpp(int status);
int errors_xmpp_to_sip(const char *condition, int to_full_jid,
    int gone_has_address);
const char *errors_reason_phrase(int status);
int errors_xmpp_condition_is_known(const char *condition);
const char *errors_xmpp_condition_type(const char *condition);
const struct xmpp_error_cond *errors_xmpp_condition_lookup(
    const char *condition);
size_t errors_text_sanitize(const char *in, size_t in_len, char *out,
    size_t size);

#endif
