/*
 * sipxmpp-bench: command line, then each requested scenario against a
 * fresh gateway, then the report. See contrib/bench/README.md.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef BENCH_DEFAULT_SIPXMPPD
#define BENCH_DEFAULT_SIPXMPPD "sipxmppd"
#endif

#define MAX_SCENARIOS	16
/* Each over udp, tcp, tls; a room's once per size. */
#define MAX_RUNS	(MAX_SCENARIOS * 3 * BENCH_ROOM_SIZES)

/* Prints usage. */
static void
usage(FILE *out)
{
	fprintf(out,
"usage: sipxmpp-bench [options]\n"
"  --scenario LIST      comma-separated, or \"all\" (default sip-to-xmpp);\n"
"                       --list shows them\n"
"  --sipxmppd PATH      gateway to start (default %s)\n"
"  --sip-transport LIST udp, tcp or tls, or several (udp,tcp,tls): each scenario\n"
"                       runs over each, side by side (default udp). tcp and\n"
"                       tls: one connection each way; presence scenarios: udp\n"
"  --pid PID            attach to a running gateway instead; then also\n"
"                       --gw-sip-port P --xmpp-port P --uas-port P [--gw-log F]\n"
"                       (its listener and outbound proxy of the transport)\n"
"  --rate R             open loop: R messages/s on a fixed schedule (default 5000)\n"
"  --window N           closed loop: N messages outstanding\n"
"  --duration S         measured seconds (default 10)\n"
"  --warmup S           seconds sent before measuring (default 2)\n"
"  --drain S            seconds to wait for late answers (default 6)\n"
"  --tick-us U          open-loop send granularity (default 200)\n"
"  --users N            distinct senders/recipients (default 100)\n"
"  --size B             message body bytes (default 64)\n"
"  --entries N          mapping: table entries (default 100000)\n"
"  --reload-at S        mapping: SIGHUP S seconds into the measured interval\n"
"                       (default: the middle)\n"
"  --subs N             subscriptions: held each way (default 1000)\n"
"  --watchers N         presence-to-watchers: SIP watcher dialogs (default 10)\n"
"  --watched N          presence-to-watchers: XMPP users they watch, the\n"
"                       dialogs spread over them (default 1)\n"
"  --room-participants LIST\n"
"                       room-fanout, sip-to-room: SIP participants in the\n"
"                       room, one run per size (default 10,100; at most %d\n"
"                       sizes). Rooms run closed loop, --window 32, unless\n"
"                       told; over udp only\n"
"  --setup-window N     presence, rooms: subscriptions or joins at once\n"
"                       (default 32: the gateway's UDP buffer)\n"
"  --settle S           subscriptions: wait S seconds after each set-up before\n"
"                       sampling RSS (default 35: completed transactions\n"
"                       live 32 s)\n"
"  --via-prosody        through a real Prosody the bench starts\n"
"  --receipts           xmpp-to-sip: each message asks for a XEP-0184 receipt\n"
"  --prosody PATH       Prosody binary (default /usr/bin/prosody)\n"
"  --gw-opt SEC.KEY=V   extra gateway option (repeatable)\n"
"  --wrapper CMD        run the gateway under CMD (e.g. taskset -c 1)\n"
"  --callgrind PREFIX   run the gateway under callgrind, count its instructions\n"
"                       over the measured interval (dumps: PREFIX.PID.*)\n"
"  --json FILE          also write the results as JSON (- for stdout)\n"
"  --smoke              small counts; exit 1 unless every message was answered\n"
"                       OK and delivered, nothing lost, the gateway exited 0\n"
"  --keep               keep the run directories (configs, logs)\n"
"  --startup-timeout MS wait for the gateway's first 200 (default 30000)\n"
"  -v, --verbose        progress on stderr\n"
"  --list               list the scenarios\n",
	    BENCH_DEFAULT_SIPXMPPD, BENCH_ROOM_SIZES);
}

/* Lists the scenarios, marking those that wait for other work. */
static void
list_scenarios(void)
{
	for (const struct scenario *s = scenarios; s->name != NULL; s++)
		printf("%-22s %s%s%s%s\n", s->name, s->help,
		    s->pending != NULL ? "\n                       [pending: " :
		    "", s->pending != NULL ? s->pending : "",
		    s->pending != NULL ? "]" : "");
}

/* A number from an option; exits on garbage. */
static double
num(const char *opt, const char *v, double min, double max)
{
	char *end;
	double d = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || d < min || d > max) {
		fprintf(stderr, "sipxmpp-bench: %s: %s is not a number in "
		    "[%g, %g]\n", opt, v, min, max);
		exit(2);
	}
	return d;
}

/* The transports of --sip-transport, in order, once each; -1 if bad. */
static int
parse_transports(const char *arg, enum sip_transport *tps, size_t *n)
{
	char *list = xstrdup(arg), *tok, *save = NULL;
	enum sip_transport tp;
	int r = 0;

	*n = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "udp") == 0)
			tp = SIP_UDP;
		else if (strcmp(tok, "tcp") == 0)
			tp = SIP_TCP;
		else if (strcmp(tok, "tls") == 0)
			tp = SIP_TLS;
		else {
			r = -1;
			break;
		}
		for (size_t i = 0; i < *n; i++)
			if (tps[i] == tp)
				r = -1;
		if (r != 0 || *n == 3)
			break;
		tps[(*n)++] = tp;
	}
	free(list);
	return r == 0 && *n > 0 ? 0 : -1;
}

/* The sizes of --room-participants, in order; -1 if bad. */
static int
parse_sizes(const char *arg, struct bench_opts *o)
{
	char *list = xstrdup(arg), *tok, *save = NULL, *end;
	long v;
	int r = 0;

	o->n_room_sizes = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		v = strtol(tok, &end, 10);
		if (*end != '\0' || v < 1 || v > 100000 ||
		    o->n_room_sizes == BENCH_ROOM_SIZES) {
			r = -1;
			break;
		}
		o->room_sizes[o->n_room_sizes++] = (int)v;
	}
	free(list);
	return r == 0 && o->n_room_sizes > 0 ? 0 : -1;
}

/*
 * For each run over TCP or TLS, the same scenario over the transport
 * before it (TLS: TCP, else UDP; TCP: UDP), and what the gateway spent
 * more per message there: the cost of the transport, in one report.
 */
static void
compare_transports(struct result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct result *r = &res[i];
		int best = -1;

		if (r->sip_transport == SIP_UDP || !r->done)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (res[j].sc != r->sc || !res[j].done ||
			    res[j].sip_transport >= r->sip_transport)
				continue;
			if (best < 0 || res[j].sip_transport >
			    res[best].sip_transport)
				best = (int)j;
		}
		if (best < 0)
			continue;
		if (r->gw_cpu_us_per_msg < 0 ||
		    res[best].gw_cpu_us_per_msg < 0)
			continue;
		r->vs_idx = best;
		r->vs_tp = res[best].sip_transport;
		r->gw_cpu_vs_us = r->gw_cpu_us_per_msg -
		    res[best].gw_cpu_us_per_msg;
		r->gw_ir_vs = r->gw_ir_per_msg > 0 &&
		    res[best].gw_ir_per_msg > 0 ? r->gw_ir_per_msg -
		    res[best].gw_ir_per_msg : 0;
	}
}

/* Parses the options, runs the scenarios, reports. */
int
main(int argc, char **argv)
{
	enum {
		O_SCENARIO = 256, O_SIPXMPPD, O_PID, O_GW_SIP_PORT,
		O_XMPP_PORT, O_UAS_PORT, O_GW_LOG, O_RATE, O_WINDOW,
		O_DURATION, O_WARMUP, O_DRAIN, O_TICK, O_USERS, O_SIZE,
		O_ENTRIES, O_RELOAD_AT, O_VIA_PROSODY, O_RECEIPTS, O_PROSODY, O_GW_OPT,
		O_WRAPPER, O_CALLGRIND, O_JSON, O_SMOKE, O_KEEP, O_STARTUP, O_LIST,
		O_SUBS, O_WATCHERS, O_WATCHED, O_SETUP_WINDOW, O_SETTLE,
		O_SIP_TRANSPORT, O_ROOM_PARTICIPANTS,
	};
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "sip-transport", required_argument, NULL, O_SIP_TRANSPORT },
		{ "sipxmppd", required_argument, NULL, O_SIPXMPPD },
		{ "pid", required_argument, NULL, O_PID },
		{ "gw-sip-port", required_argument, NULL, O_GW_SIP_PORT },
		{ "xmpp-port", required_argument, NULL, O_XMPP_PORT },
		{ "uas-port", required_argument, NULL, O_UAS_PORT },
		{ "gw-log", required_argument, NULL, O_GW_LOG },
		{ "rate", required_argument, NULL, O_RATE },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "drain", required_argument, NULL, O_DRAIN },
		{ "tick-us", required_argument, NULL, O_TICK },
		{ "users", required_argument, NULL, O_USERS },
		{ "size", required_argument, NULL, O_SIZE },
		{ "entries", required_argument, NULL, O_ENTRIES },
		{ "reload-at", required_argument, NULL, O_RELOAD_AT },
		{ "subs", required_argument, NULL, O_SUBS },
		{ "watchers", required_argument, NULL, O_WATCHERS },
		{ "watched", required_argument, NULL, O_WATCHED },
		{ "setup-window", required_argument, NULL, O_SETUP_WINDOW },
		{ "room-participants", required_argument, NULL,
		    O_ROOM_PARTICIPANTS },
		{ "settle", required_argument, NULL, O_SETTLE },
		{ "via-prosody", no_argument, NULL, O_VIA_PROSODY },
		{ "receipts", no_argument, NULL, O_RECEIPTS },
		{ "prosody", required_argument, NULL, O_PROSODY },
		{ "gw-opt", required_argument, NULL, O_GW_OPT },
		{ "wrapper", required_argument, NULL, O_WRAPPER },
		{ "callgrind", required_argument, NULL, O_CALLGRIND },
		{ "json", required_argument, NULL, O_JSON },
		{ "smoke", no_argument, NULL, O_SMOKE },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "startup-timeout", required_argument, NULL, O_STARTUP },
		{ "list", no_argument, NULL, O_LIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o;
	const struct scenario *todo[MAX_SCENARIOS];
	enum sip_transport tps[3] = { SIP_UDP };
	struct result *res;
	size_t n = 0, n_tps = 1, n_res = 0;
	int all = 0;
	char *list, *tok, *save = NULL;
	int ch, set_rate = 0, set_window = 0, set_duration = 0;
	int set_warmup = 0, set_entries = 0, set_startup = 0, failed = 0;
	int set_subs = 0, set_watchers = 0, set_settle = 0, set_room = 0;

	memset(&o, 0, sizeof(o));
	o.sipxmppd = getenv("SIPXMPPD") != NULL ? getenv("SIPXMPPD") :
	    BENCH_DEFAULT_SIPXMPPD;
	o.scenarios = "sip-to-xmpp";
	o.load.rate = 5000;
	o.load.window = 0;
	o.load.duration_s = 10;
	o.load.warmup_s = 2;
	o.load.drain_s = 6;
	o.load.tick_us = 200;
	o.users = 100;
	o.body_size = 64;
	o.mapping_entries = 100000;
	o.reload_at = -1;
	o.subs = 1000;
	o.watchers = 10;
	o.watched = 1;
	o.setup_window = 32;
	o.room_sizes[0] = 10;
	o.room_sizes[1] = 100;
	o.n_room_sizes = 2;
	o.settle_s = 35;
	o.prosody = "/usr/bin/prosody";
	o.startup_timeout_ms = 30000;

	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case O_SCENARIO:
			o.scenarios = optarg;
			break;
		case O_SIP_TRANSPORT:
			if (parse_transports(optarg, tps, &n_tps) != 0) {
				fprintf(stderr, "sipxmpp-bench: --sip-transport: "
				    "udp, tcp, tls, or a list of them\n");
				return 2;
			}
			break;
		case O_SIPXMPPD:
			o.sipxmppd = optarg;
			break;
		case O_PID:
			o.pid = (pid_t)num("--pid", optarg, 1, 1 << 22);
			break;
		case O_GW_SIP_PORT:
			o.gw_sip_port = (int)num("--gw-sip-port", optarg, 1,
			    65535);
			break;
		case O_XMPP_PORT:
			o.xmpp_port = (int)num("--xmpp-port", optarg, 1, 65535);
			break;
		case O_UAS_PORT:
			o.uas_port = (int)num("--uas-port", optarg, 1, 65535);
			break;
		case O_GW_LOG:
			o.gw_log = optarg;
			break;
		case O_RATE:
			o.load.rate = num("--rate", optarg, 1, 1e7);
			set_rate = 1;
			break;
		case O_WINDOW:
			o.load.window = (int)num("--window", optarg, 1, 1000000);
			set_window = 1;
			break;
		case O_DURATION:
			o.load.duration_s = num("--duration", optarg, 0.01,
			    86400);
			set_duration = 1;
			break;
		case O_WARMUP:
			o.load.warmup_s = num("--warmup", optarg, 0, 3600);
			set_warmup = 1;
			break;
		case O_DRAIN:
			o.load.drain_s = num("--drain", optarg, 0, 3600);
			break;
		case O_TICK:
			o.load.tick_us = (int)num("--tick-us", optarg, 10,
			    1000000);
			break;
		case O_USERS:
			o.users = (int)num("--users", optarg, 1, 10000000);
			break;
		case O_SIZE:
			o.body_size = (int)num("--size", optarg, 16, 2000);
			break;
		case O_ENTRIES:
			o.mapping_entries = (int)num("--entries", optarg, 1,
			    10000000);
			set_entries = 1;
			break;
		case O_RELOAD_AT:
			o.reload_at = num("--reload-at", optarg, 0, 86400);
			break;
		case O_SUBS:
			o.subs = (int)num("--subs", optarg, 1, 5000000);
			set_subs = 1;
			break;
		case O_WATCHERS:
			o.watchers = (int)num("--watchers", optarg, 1, 1000000);
			set_watchers = 1;
			break;
		case O_WATCHED:
			o.watched = (int)num("--watched", optarg, 1, 1000000);
			break;
		case O_ROOM_PARTICIPANTS:
			if (parse_sizes(optarg, &o) != 0) {
				fprintf(stderr, "sipxmpp-bench: "
				    "--room-participants: 1 to %d sizes, "
				    "each 1 to 100000\n", BENCH_ROOM_SIZES);
				return 2;
			}
			set_room = 1;
			break;
		case O_SETUP_WINDOW:
			o.setup_window = (int)num("--setup-window", optarg, 1,
			    100000);
			break;
		case O_SETTLE:
			o.settle_s = num("--settle", optarg, 0, 3600);
			set_settle = 1;
			break;
		case O_RECEIPTS:
			o.receipts = 1;
			break;
		case O_VIA_PROSODY:
			o.via_prosody = 1;
			break;
		case O_PROSODY:
			o.prosody = optarg;
			break;
		case O_GW_OPT:
			if (o.n_gw_opts == MAX_GW_OPTS ||
			    strchr(optarg, '.') == NULL ||
			    strchr(optarg, '=') == NULL) {
				fprintf(stderr, "sipxmpp-bench: --gw-opt "
				    "SECTION.KEY=VALUE (at most %d)\n",
				    MAX_GW_OPTS);
				return 2;
			}
			o.gw_opts[o.n_gw_opts++] = optarg;
			break;
		case O_WRAPPER:
			o.wrapper = optarg;
			break;
		case O_CALLGRIND:
			o.callgrind = optarg;
			break;
		case O_JSON:
			o.json = optarg;
			break;
		case O_SMOKE:
			o.smoke = 1;
			break;
		case O_KEEP:
			o.keep = 1;
			break;
		case O_STARTUP:
			o.startup_timeout_ms = (int)num("--startup-timeout",
			    optarg, 100, 3600000);
			set_startup = 1;
			break;
		case O_LIST:
			list_scenarios();
			return 0;
		case 'v':
			bench_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (set_window && set_rate) {
		fprintf(stderr, "sipxmpp-bench: --rate (open loop) or --window "
		    "(closed loop), not both\n");
		return 2;
	}
	if (set_window)
		o.load.rate = 0;
	o.load_set = set_window || set_rate;
	if (o.smoke) {
		/* Correctness, not speed: small and quick. */
		if (!set_rate && !set_window)
			o.load.rate = 200;
		if (!set_duration)
			o.load.duration_s = 1;
		if (!set_warmup)
			o.load.warmup_s = 0.2;
		if (!set_entries)
			o.mapping_entries = 1000;
		if (!set_subs)
			o.subs = 100;
		if (!set_watchers)
			o.watchers = 10;
		if (!set_settle)
			o.settle_s = 0;
		if (!set_room) {
			o.room_sizes[0] = 3;
			o.room_sizes[1] = 20;
		}
	}
	if (o.watched > o.watchers)
		o.watched = o.watchers;
	if (o.callgrind != NULL && !set_startup)
		o.startup_timeout_ms = 120000;	/* valgrind starts slowly */
	if (o.callgrind != NULL && (o.wrapper != NULL || o.pid > 0)) {
		fprintf(stderr, "sipxmpp-bench: --callgrind starts the gateway "
		    "itself: no --wrapper, no --pid\n");
		return 2;
	}
	if (o.pid > 0 && (o.gw_sip_port == 0 || o.xmpp_port == 0 ||
	    o.uas_port == 0)) {
		fprintf(stderr, "sipxmpp-bench: --pid needs --gw-sip-port, "
		    "--xmpp-port and --uas-port (the gateway's configuration)\n");
		return 2;
	}
	if (o.pid > 0 && (n_tps > 1 || tps[0] == SIP_TLS)) {
		fprintf(stderr, "sipxmpp-bench: --pid runs over one transport, "
		    "not tls (the bench makes its certificates for a gateway "
		    "it starts)\n");
		return 2;
	}
	o.sip_transport = tps[0];
	if (o.pid > 0 && o.via_prosody) {
		fprintf(stderr, "sipxmpp-bench: --pid and --via-prosody do not "
		    "mix\n");
		return 2;
	}

	all = strcmp(o.scenarios, "all") == 0;
	list = xstrdup(all ?
	    "sip-to-xmpp,xmpp-to-sip,mapping,notify-to-presence,"
	    "presence-to-watchers,subscriptions,room-fanout,sip-to-room" :
	    o.scenarios);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		const struct scenario *s = scenario_find(tok);

		if (s == NULL || n == MAX_SCENARIOS) {
			fprintf(stderr, "sipxmpp-bench: unknown scenario %s "
			    "(--list)\n", tok);
			free(list);
			return 2;
		}
		for (size_t i = 0; i < n_tps && !all; i++)
			if (tps[i] != SIP_UDP && (s->presence != PRESENCE_NONE ||
			    s->room != ROOM_NONE)) {
				fprintf(stderr, "sipxmpp-bench: %s runs over udp "
				    "only\n", s->name);
				free(list);
				return 2;
			}
		todo[n++] = s;
	}
	free(list);

	/* A gateway that closes on us must not kill the bench. */
	signal(SIGPIPE, SIG_IGN);
	res = xcalloc(MAX_RUNS, sizeof(*res));
	/* Each scenario over each transport: their columns side by side. */
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < n_tps; t++) {
			/* "all" over a stream: the scenarios that run on one. */
			if (tps[t] != SIP_UDP &&
			    (todo[i]->presence != PRESENCE_NONE ||
			    todo[i]->room != ROOM_NONE))
				continue;
			o.sip_transport = tps[t];
			for (int z = 0; z < (todo[i]->room != ROOM_NONE ?
			    o.n_room_sizes : 1); z++) {
				o.room_n = o.room_sizes[z];
				bench_log("scenario %s over %s", todo[i]->name,
				    sip_transport_name(tps[t]));
				if (run_scenario(&o, todo[i], &res[n_res]) != 0)
					failed = 1;
				if (o.smoke && !res[n_res].verdict_ok)
					failed = 1;
				n_res++;
			}
		}
	compare_transports(res, n_res);
	report_table(stdout, &o, res, n_res);
	if (o.json != NULL && report_json(o.json, &o, res, n_res) != 0) {
		bench_warnx("cannot write %s", o.json);
		failed = 1;
	}
	free(res);
	return failed ? 1 : 0;
}
