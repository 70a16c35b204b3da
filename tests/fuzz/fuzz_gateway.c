/*
 * The whole gateway without a socket: the SIP stack (detached, see
 * sip_stack_new_detached()), the XMPP link forced ready, the router and
 * both bridges, on one event_base. The input is a script of records, each
 * a kind byte then its text up to the next "\n%%" (see gateway_script.h):
 * SIP datagrams from two peers, responses to the last request the
 * gateway sent, stanzas from the XMPP server, answers to its pings, loop
 * turns and a shutdown. Everything the gateway sends is checked: SIP must
 * frame as one whole message and start like one (our own requests must
 * parse with libosip2); the XMPP batch must be well-formed XML (libxml2)
 * made of stanzas only.
 *
 * Reaches recv_cb and the quick-2xx path (sip_stack.c), transaction
 * matching and the completed cache (sip_txn_server.c, sip_completed.c,
 * strmap.c), the client transactions and sip_txn_response_quick
 * (sip_txn_client.c), the link's on_message/on_iq/on_presence and ping
 * answers (xmpp_link_in.c, xmpp_link_ping.c), SIP errors turned into
 * stanzas (bridge_message.c, errors.c), and presence both ways.
 */
#include "gateway_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return script_run(data, size, SCRIPT_ALL);
}
