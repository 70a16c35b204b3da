/*
 * [sip] dns_server: the name server the gateway asks for NAPTR, SRV and
 * address records (RFC 3263) instead of those in /etc/resolv.conf.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Parses a decimal port 1..65535 (the whole string); -1 if invalid. */
static int
dns_port(const char *s)
{
	int port = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/*
 * ADDR, ADDR:PORT, IPV6 or [IPV6]:PORT: numeric only, since the server
 * that resolves names cannot itself be a name to resolve.
 */
int
config_check_dns_server(char *value, char **why)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char buf[64], *colon;
	size_t n = strlen(value);

	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, value, n + 1);
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return 0;
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (end == NULL || end[1] != ':' || dns_port(end + 2) < 0)
			goto bad;
		*end = '\0';
		if (inet_pton(AF_INET6, buf + 1, addr) == 1)
			return 0;
		goto bad;
	}
	if ((colon = strchr(buf, ':')) != NULL) {
		if (dns_port(colon + 1) < 0)
			goto bad;
		*colon = '\0';
	}
	if (inet_pton(AF_INET, buf, addr) == 1)
		return 0;
bad:
	config_set_cause(why, "expected ADDR[:PORT] or [IPV6]:PORT, numeric");
	return -1;
}
