/*
 * The SIP stack as the network sees it: the gateway script
 * (gateway_script.h) with SIP records only (C, S, s, t, R, Q), so the
 * fuzzer spends its time on recv_cb and the quick-2xx path,
 * sip_request_fix_via, transaction matching (server_key, seen_before),
 * the completed cache and reply_destination_parsed, the client side
 * (sip_txn_response_quick) and strmap, with the router and bridges behind
 * them. Everything sent must frame (and our requests parse).
 */
#include "gateway_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return script_run(data, size, "SstRQ");
}
