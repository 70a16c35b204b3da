/*
 * What the XMPP server sends the component: the gateway script
 * (gateway_script.h) with stanza records only (C, X, P, D, U, R, Q).
 * Stanzas parsed by libstrophe reach the link's handler
 * (xmpp_link_stanza_cb: on_message, on_iq, on_presence, the ping
 * answers), then the router and both bridges; R answers what they sent
 * to SIP, so SIP errors come back as stanzas. Every batch for the server
 * must be well-formed XML, and every SIP error to a message must reach
 * its sender.
 */
#include "gateway_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return script_run(data, size, "XPDURQ");
}
