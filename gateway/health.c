/*
 * Health for dispatchers: a proxy in front of several gateways (Kamailio
 * dispatcher with OPTIONS probing, and the like) sends a gateway traffic
 * only while its OPTIONS get 200. A gateway whose XMPP link is down can
 * deliver nothing, so its OPTIONS get 503 with Retry-After (RFC 3261
 * §21.5.4: "temporarily unable to process the request") until the link is
 * back, unless [sip] options_answer = always.
 */
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "xmpp_link.h"

/*
 * Whether OPTIONS are being refused, to log each change once rather than
 * once per probe (one gateway per process: main.c's).
 */
static int refusing;

/* Whether an OPTIONS is to be answered 503 now; logs each change. */
int
health_options_refused(struct gateway *gw)
{
	int refuse = gw->cfg->sip_options_answer == OPTIONS_ANSWER_LINK &&
	    !xmpp_link_is_ready(gw->xmpp);

	if (refuse && !refusing)
		log_warnx("health: OPTIONS answered 503 (Retry-After %d) "
		    "while the xmpp link is down", gw->cfg->message_retry_after_s);
	else if (!refuse && refusing)
		log_info("health: OPTIONS answered 200 again: the xmpp link "
		    "is up");
	refusing = refuse;
	return refuse;
}
