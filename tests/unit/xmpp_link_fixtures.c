/*
 * The libstrophe context of the XMPP link tests, made before the first
 * test of a run and freed after the last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <strophe.h>

#include "xmpp_link_fixtures.h"

xmpp_ctx_t *sctx;

/* Starts libstrophe and makes the context every test uses. */
int
setup_ctx(void **state)
{
	(void)state;
	xmpp_initialize();
	sctx = xmpp_ctx_new(NULL, NULL);
	return sctx == NULL;
}

/* Frees the context. */
int
teardown_ctx(void **state)
{
	(void)state;
	xmpp_ctx_free(sctx);
	return 0;
}
