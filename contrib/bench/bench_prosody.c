/*
 * A private Prosody for --via-prosody, configured like the interop
 * harness's (tests/interop/harness/prosody.py): loopback only, its own
 * ports, data and log under the run's directory, Nagle off (DESIGN.md:
 * otherwise small stanzas wait ~40 ms for a delayed ACK). Two components:
 * the gateway's (sip.test) and the bench's (bench.test), so that every
 * stanza goes gateway -> Prosody -> bench and back.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Writes prosody.cfg.lua; -1 on I/O errors. */
static int
write_config(struct prosody *p)
{
	FILE *f = fopen(p->config, "w");

	if (f == NULL)
		return -1;
	fprintf(f,
	    "-- written by sipxmpp-bench\n"
	    "pidfile = \"%s/prosody.pid\"\n"
	    "data_path = \"%s/data\"\n"
	    "log = { { levels = { min = \"warn\" }, to = \"file\", "
	    "filename = \"%s\" } }\n"
	    "interfaces = { \"127.0.0.1\" }\n"
	    "local_interfaces = { \"127.0.0.1\" }\n"
	    "c2s_ports = { %d }\n"
	    "c2s_interfaces = { \"127.0.0.1\" }\n"
	    "component_ports = { %d }\n"
	    "component_interfaces = { \"127.0.0.1\" }\n"
	    "s2s_ports = { }\n"
	    "http_ports = { }\n"
	    "https_ports = { }\n"
	    "network_settings = { nagle = false }\n"
	    "c2s_require_encryption = false\n"
	    "s2s_require_encryption = false\n"
	    "certificates = \"%s/certs\"\n"
	    "storage = \"internal\"\n"
	    "limits = { }\n"
	    "modules_enabled = { \"disco\", \"ping\", \"posix\" }\n"
	    "modules_disabled = { \"s2s\", \"tls\" }\n"
	    "%s"
	    "\nVirtualHost \"xmpp.test\"\n"
	    "\nComponent \"" BENCH_COMPONENT "\"\n"
	    "\tcomponent_secret = \"" BENCH_SECRET "\"\n"
	    "\nComponent \"" BENCH_XMPP_DOMAIN "\"\n"
	    "\tcomponent_secret = \"" BENCH_SECRET "\"\n",
	    p->dir, p->dir, p->log, p->c2s_port, p->component_port, p->dir,
	    getuid() == 0 ? "run_as_root = true\n" : "");
	return fclose(f) == 0 ? 0 : -1;
}

/* Starts Prosody in the foreground and waits for its component port. */
int
prosody_start(struct prosody *p, const char *binary, const char *dir)
{
	char path[1024];
	char *argv[5];

	memset(p, 0, sizeof(*p));
	p->dir = xstrdup(dir);
	snprintf(path, sizeof(path), "%s/prosody.cfg.lua", dir);
	p->config = xstrdup(path);
	snprintf(path, sizeof(path), "%s/prosody.log", dir);
	p->log = xstrdup(path);
	p->c2s_port = free_port(SOCK_STREAM);
	p->component_port = free_port(SOCK_STREAM);
	snprintf(path, sizeof(path), "%s/data", dir);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/certs", dir);
	(void)mkdir(path, 0755);
	if (p->c2s_port < 0 || p->component_port < 0 ||
	    write_config(p) != 0) {
		bench_warnx("prosody: cannot write %s", p->config);
		return -1;
	}
	argv[0] = (char *)binary;
	argv[1] = (char *)"--config";
	argv[2] = p->config;
	argv[3] = (char *)"-F";
	argv[4] = NULL;
	snprintf(path, sizeof(path), "%s/prosody.console", dir);
	if ((p->pid = proc_spawn(argv, path, dir)) < 0) {
		bench_warnx("prosody: cannot start %s", binary);
		return -1;
	}
	if (wait_tcp_port(p->component_port, 15000, p->pid) != 0) {
		bench_warnx("prosody: component port %d not open (see %s)",
		    p->component_port, path);
		prosody_stop(p);
		return -1;
	}
	bench_log("prosody: pid %d, component port %d", (int)p->pid,
	    p->component_port);
	return 0;
}

/* Stops Prosody by pid and frees the names. */
int
prosody_stop(struct prosody *p)
{
	int r = 0;

	if (p->pid > 0)
		r = proc_stop(p->pid, 10000, NULL);
	p->pid = 0;
	free(p->dir);
	free(p->config);
	free(p->log);
	p->dir = p->config = p->log = NULL;
	return r;
}
