/*
 * The figures, for people (an aligned table, one column per scenario) and
 * for machines (JSON, one object per scenario, every field).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define LABEL_W	30
#define CELL_W	20

enum row {
	ROW_SENT, ROW_OK, ROW_ERRORS, ROW_ERROR_DETAIL, ROW_LOSSES,
	ROW_DELIVERED, ROW_OFFERED, ROW_ANSWERED, ROW_P50, ROW_P99, ROW_P999,
	ROW_MAX, ROW_GW_CPU, ROW_GW_CPU_VS, ROW_GW_CPU_NS, ROW_GW_CPU_KERNEL,
	ROW_GW_IR, ROW_GW_IR_VS, ROW_GW_UTIL, ROW_GW_HWM, ROW_PX_CPU,
	ROW_PX_UTIL, ROW_BENCH_CPU, ROW_BENCH_CEIL, ROW_BENCH_UTIL, ROW_GAP,
	ROW_ENTRIES, ROW_START_LINK, ROW_START_FIRST, ROW_RELOAD, ROW_STALL,
	ROW_BASE_GAP, ROW_WATCHERS, ROW_SUBS_X2S, ROW_SUBS_S2X, ROW_SETUP_FAILED,
	ROW_NOTIFIES, ROW_NOTIFY_ERRORS, ROW_N_P50, ROW_N_P99, ROW_N_P999,
	ROW_N_MAX, ROW_GW_CPU_NOTIFY, ROW_RSS_BEFORE, ROW_RSS_X2S, ROW_RSS_S2X,
	ROW_BYTES_X2S, ROW_BYTES_S2X, ROW_ROOM_N, ROW_ROOM_LOAD, ROW_ROOM_SETUP,
	ROW_ROOM_RATE, ROW_GW_CPU_DELIVERED, ROW_ROOM_ORDER, ROW_EXIT,
	ROW_VERDICT, ROW_COUNT,
};

static const char *const labels[ROW_COUNT] = {
	[ROW_SENT] = "sent (measured)",
	[ROW_OK] = "answered OK",
	[ROW_ERRORS] = "errors",
	[ROW_ERROR_DETAIL] = "  by status",
	[ROW_LOSSES] = "losses (never answered)",
	[ROW_DELIVERED] = "delivered at the far end",
	[ROW_OFFERED] = "offered, msgs/s",
	[ROW_ANSWERED] = "answered OK, msgs/s",
	[ROW_P50] = "latency p50, ms",
	[ROW_P99] = "latency p99, ms",
	[ROW_P999] = "latency p99.9, ms",
	[ROW_MAX] = "latency max, ms",
	[ROW_GW_CPU] = "gateway CPU, us/msg",
	[ROW_GW_CPU_VS] = "  more than over udp/tcp",
	[ROW_GW_CPU_NS] = "  (schedstat), us/msg",
	[ROW_GW_CPU_KERNEL] = "  of it in the kernel, %",
	[ROW_GW_IR] = "gateway instructions/msg",
	[ROW_GW_IR_VS] = "  more than over udp/tcp",
	[ROW_GW_UTIL] = "gateway CPU, % of a core",
	[ROW_GW_HWM] = "gateway peak RSS, KiB",
	[ROW_PX_CPU] = "Prosody CPU, us/msg",
	[ROW_PX_UTIL] = "Prosody CPU, % of a core",
	[ROW_BENCH_CPU] = "bench CPU, us/msg",
	[ROW_BENCH_CEIL] = "bench ceiling, msgs/s/core",
	[ROW_BENCH_UTIL] = "bench CPU, % of a core",
	[ROW_GAP] = "longest answer gap, ms",
	[ROW_ENTRIES] = "mapping entries",
	[ROW_START_LINK] = "start: XMPP link up, ms",
	[ROW_START_FIRST] = "start: first 200, ms",
	[ROW_RELOAD] = "SIGHUP reload (log), ms",
	[ROW_STALL] = "stall during reload, ms",
	[ROW_BASE_GAP] = "  longest gap before it, ms",
	[ROW_WATCHERS] = "watchers (XMPP users watched)",
	[ROW_SUBS_X2S] = "XMPP->SIP subs up (s)",
	[ROW_SUBS_S2X] = "SIP->XMPP watchers up (s)",
	[ROW_SETUP_FAILED] = "subscriptions not set up",
	[ROW_NOTIFIES] = "NOTIFYs (200s / received)",
	[ROW_NOTIFY_ERRORS] = "NOTIFY errors",
	[ROW_N_P50] = "NOTIFY latency p50, ms",
	[ROW_N_P99] = "NOTIFY latency p99, ms",
	[ROW_N_P999] = "NOTIFY latency p99.9, ms",
	[ROW_N_MAX] = "NOTIFY latency max, ms",
	[ROW_GW_CPU_NOTIFY] = "gateway CPU, us/NOTIFY",
	[ROW_RSS_BEFORE] = "gateway RSS before, KiB",
	[ROW_RSS_X2S] = "RSS +X2S (settled), KiB",
	[ROW_RSS_S2X] = "RSS +S2X (settled), KiB",
	[ROW_BYTES_X2S] = "RSS bytes per X2S sub",
	[ROW_BYTES_S2X] = "RSS bytes per S2X watcher",
	[ROW_ROOM_N] = "room: SIP participants",
	[ROW_ROOM_LOAD] = "room: load (its own)",
	[ROW_ROOM_SETUP] = "room: all joined, s",
	[ROW_ROOM_RATE] = "room: delivered MESSAGEs/s",
	[ROW_GW_CPU_DELIVERED] = "gateway CPU, us/delivered",
	[ROW_ROOM_ORDER] = "room: out of order, bad body",
	[ROW_EXIT] = "gateway exit status",
	[ROW_VERDICT] = "correctness (smoke)",
};

/* A figure, or "-" when it was not measured (negative). */
static void
fig(char *buf, size_t n, double v, int decimals)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.*f", decimals, v);
}

/* The text of one cell. */
static void
cell(const struct result *r, enum row row, char *buf, size_t n)
{
	const char *vs = r->vs_idx >= 0 ? sip_transport_name(r->vs_tp) : "";

	int traffic = r->done;

	snprintf(buf, n, "-");
	if (!traffic && row != ROW_EXIT && row != ROW_VERDICT &&
	    row != ROW_START_LINK && row != ROW_START_FIRST)
		return;
	/* Subscriptions held, no load: only their rows and the memory. */
	if (r->hold && row < ROW_WATCHERS && row != ROW_GW_HWM &&
	    row != ROW_START_LINK && row != ROW_START_FIRST)
		return;
	switch (row) {
	case ROW_SENT:
		snprintf(buf, n, "%" PRIu64 " (%" PRIu64 ")", r->sent,
		    r->measured);
		break;
	case ROW_OK:
		snprintf(buf, n, "%" PRIu64, r->ok);
		break;
	case ROW_ERRORS:
		snprintf(buf, n, "%" PRIu64, r->errors + r->not_sent);
		break;
	case ROW_ERROR_DETAIL:
		if (r->error_detail[0] != '\0')
			snprintf(buf, n, "%.*s", CELL_W - 1, r->error_detail);
		break;
	case ROW_LOSSES:
		snprintf(buf, n, "%" PRIu64, r->losses);
		break;
	case ROW_DELIVERED:
		snprintf(buf, n, "%" PRIu64, r->delivered);
		break;
	case ROW_OFFERED:
		fig(buf, n, r->offered_per_s, 0);
		break;
	case ROW_ANSWERED:
		fig(buf, n, r->answered_per_s, 0);
		break;
	case ROW_P50:
		fig(buf, n, r->lat_p50_ms, 3);
		break;
	case ROW_P99:
		fig(buf, n, r->lat_p99_ms, 3);
		break;
	case ROW_P999:
		fig(buf, n, r->lat_p999_ms, 3);
		break;
	case ROW_MAX:
		fig(buf, n, r->lat_max_ms, 3);
		break;
	case ROW_GW_CPU:
		fig(buf, n, r->gw_cpu_us_per_msg, 2);
		break;
	case ROW_GW_CPU_VS:
		if (r->vs_idx >= 0)
			snprintf(buf, n, "%+.2f (vs %s)", r->gw_cpu_vs_us, vs);
		break;
	case ROW_GW_IR_VS:
		if (r->vs_idx >= 0 && r->gw_ir_vs != 0)
			snprintf(buf, n, "%+.0f (vs %s)", r->gw_ir_vs, vs);
		break;
	case ROW_GW_CPU_NS:
		fig(buf, n, r->gw_cpu_us_per_msg_ns, 2);
		break;
	case ROW_GW_CPU_KERNEL:
		fig(buf, n, r->gw_cpu_kernel_share >= 0 ?
		    100 * r->gw_cpu_kernel_share : -1, 1);
		break;
	case ROW_GW_IR:
		fig(buf, n, r->gw_ir_per_msg, 0);
		break;
	case ROW_GW_UTIL:
		fig(buf, n, r->gw_cpu_util >= 0 ? 100 * r->gw_cpu_util : -1,
		    1);
		break;
	case ROW_GW_HWM:
		if (r->gw_hwm_kb > 0)
			snprintf(buf, n, "%" PRIu64, r->gw_hwm_kb);
		break;
	case ROW_PX_CPU:
		fig(buf, n, r->px_cpu_us_per_msg, 2);
		break;
	case ROW_PX_UTIL:
		fig(buf, n, r->px_cpu_util >= 0 ? 100 * r->px_cpu_util : -1,
		    1);
		break;
	case ROW_BENCH_CPU:
		fig(buf, n, r->bench_cpu_us_per_msg, 2);
		break;
	case ROW_BENCH_CEIL:
		fig(buf, n, r->bench_ceiling_per_s, 0);
		break;
	case ROW_BENCH_UTIL:
		fig(buf, n, r->bench_cpu_util >= 0 ? 100 * r->bench_cpu_util :
		    -1, 1);
		break;
	case ROW_GAP:
		fig(buf, n, r->max_gap_ms, 3);
		break;
	case ROW_ENTRIES:
		if (r->mapping_entries > 0)
			snprintf(buf, n, "%d", r->mapping_entries);
		break;
	case ROW_START_LINK:
		if (r->startup_link_ms > 0)
			fig(buf, n, r->startup_link_ms, 1);
		break;
	case ROW_START_FIRST:
		if (r->startup_first_ok_ms > 0)
			fig(buf, n, r->startup_first_ok_ms, 1);
		break;
	case ROW_RELOAD:
		fig(buf, n, r->reload_ms, 0);
		break;
	case ROW_STALL:
		fig(buf, n, r->stall_ms, 3);
		break;
	case ROW_BASE_GAP:
		fig(buf, n, r->baseline_gap_ms, 3);
		break;
	case ROW_WATCHERS:
		if (r->watchers > 0)
			snprintf(buf, n, "%d (%d)", r->watchers, r->watched);
		break;
	case ROW_SUBS_X2S:
		if (r->setup_x2s_s >= 0)
			snprintf(buf, n, "%" PRIu64 " (%.1f)", r->subs_x2s,
			    r->setup_x2s_s);
		break;
	case ROW_SUBS_S2X:
		if (r->setup_s2x_s >= 0)
			snprintf(buf, n, "%" PRIu64 " (%.1f)", r->subs_s2x,
			    r->setup_s2x_s);
		break;
	case ROW_SETUP_FAILED:
		if (r->setup_x2s_s >= 0 || r->setup_s2x_s >= 0)
			snprintf(buf, n, "%" PRIu64, r->setup_failed);
		break;
	case ROW_NOTIFIES:
		if (r->notifies > 0 || r->notify_errors > 0)
			snprintf(buf, n, "%" PRIu64, r->notifies);
		break;
	case ROW_NOTIFY_ERRORS:
		if (r->notifies > 0 || r->notify_errors > 0)
			snprintf(buf, n, "%" PRIu64, r->notify_errors);
		break;
	case ROW_N_P50:
		fig(buf, n, r->notify_p50_ms, 3);
		break;
	case ROW_N_P99:
		fig(buf, n, r->notify_p99_ms, 3);
		break;
	case ROW_N_P999:
		fig(buf, n, r->notify_p999_ms, 3);
		break;
	case ROW_N_MAX:
		fig(buf, n, r->notify_max_ms, 3);
		break;
	case ROW_GW_CPU_NOTIFY:
		fig(buf, n, r->gw_cpu_us_per_notify, 2);
		break;
	case ROW_RSS_BEFORE:
		if (r->hold && r->rss_before_kb > 0)
			snprintf(buf, n, "%" PRIu64, r->rss_before_kb);
		break;
	case ROW_RSS_X2S:
		if (r->hold && r->rss_x2s_kb > 0)
			snprintf(buf, n, "%" PRIu64 " (%" PRIu64 ")",
			    r->rss_x2s_kb, r->rss_x2s_settled_kb);
		break;
	case ROW_RSS_S2X:
		if (r->hold && r->rss_s2x_kb > 0)
			snprintf(buf, n, "%" PRIu64 " (%" PRIu64 ")",
			    r->rss_s2x_kb, r->rss_s2x_settled_kb);
		break;
	case ROW_BYTES_X2S:
		fig(buf, n, r->bytes_per_x2s, 0);
		break;
	case ROW_BYTES_S2X:
		fig(buf, n, r->bytes_per_s2x, 0);
		break;
	case ROW_ROOM_N:
		if (r->room_n > 0)
			snprintf(buf, n, "%d", r->room_n);
		break;
	case ROW_ROOM_LOAD:
		if (r->room_n > 0 && r->rate > 0)
			snprintf(buf, n, "open loop %.0f/s", r->rate);
		else if (r->room_n > 0)
			snprintf(buf, n, "window %d", r->window);
		break;
	case ROW_ROOM_SETUP:
		if (r->room_n > 0)
			fig(buf, n, r->room_setup_s, 2);
		break;
	case ROW_ROOM_RATE:
		if (r->room_n > 0)
			fig(buf, n, r->room_delivered_per_s, 0);
		break;
	case ROW_GW_CPU_DELIVERED:
		if (r->room_n > 0)
			fig(buf, n, r->gw_cpu_us_per_delivered, 2);
		break;
	case ROW_ROOM_ORDER:
		if (r->room_n > 0)
			snprintf(buf, n, "%" PRIu64 ", %" PRIu64,
			    r->room_out_of_order, r->room_bad_prefix);
		break;
	case ROW_EXIT:
		if (r->gw_exit >= 0)
			snprintf(buf, n, "%d", r->gw_exit);
		break;
	case ROW_VERDICT:
		snprintf(buf, n, "%s", r->verdict_ok ? "ok" : "FAILED");
		break;
	default:
		break;
	}
}

/* Whether any column has something in this row. */
static int
row_used(const struct result *res, size_t n, enum row row)
{
	char buf[128];

	for (size_t i = 0; i < n; i++) {
		cell(&res[i], row, buf, sizeof(buf));
		if (strcmp(buf, "-") != 0)
			return 1;
	}
	return 0;
}

/* The table on out. */
void
report_table(FILE *out, const struct bench_opts *o, const struct result *res,
    size_t n)
{
	char buf[128];

	fprintf(out, "sipxmpp-bench: %s, ", o->via_prosody ?
	    "through Prosody" : "direct (bench is the XMPP server)");
	if (o->load.rate > 0)
		fprintf(out, "open loop %.0f msgs/s", o->load.rate);
	else
		fprintf(out, "closed loop, window %d", o->load.window);
	fprintf(out, ", %.1f s measured after %.1f s warm-up, body %d B, "
	    "%d users\n", o->load.duration_s, o->load.warmup_s,
	    o->body_size, o->users);
	/* The rooms' own closed loop (bench_run.c): said, not implied. */
	for (size_t i = 0; i < n; i++)
		if (res[i].room_n > 0 && !o->load_set) {
			fprintf(out, "rooms: closed loop, their own window (row "
			    "\"room: load\"), unless --rate or --window\n");
			break;
		}
	fputc('\n', out);
	fprintf(out, "%-*s", LABEL_W, "");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %-*s", CELL_W, res[i].scenario);
	fputc('\n', out);
	for (int row = 0; row < ROW_COUNT; row++) {
		if (row != ROW_VERDICT && !row_used(res, n, (enum row)row))
			continue;
		if (row == ROW_VERDICT && !o->smoke)
			continue;
		fprintf(out, "%-*s", LABEL_W, labels[row]);
		for (size_t i = 0; i < n; i++) {
			cell(&res[i], (enum row)row, buf, sizeof(buf));
			fprintf(out, " %-*s", CELL_W, buf);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++)
		if (res[i].note[0] != '\0')
			fprintf(out, "\n%s: %s\n", res[i].scenario, res[i].note);
}

/* A JSON string literal. */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number, or null when not measured. */
static void
json_num(FILE *f, const char *name, double v, int last)
{
	fprintf(f, "    \"%s\": ", name);
	if (v < 0)
		fputs("null", f);
	else
		fprintf(f, "%.6g", v);
	fputs(last ? "\n" : ",\n", f);
}

static void
json_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "    \"%s\": %" PRIu64 ",\n", name, v);
}

/* Every result as JSON into path; -1 on I/O errors. */
int
report_json(const char *path, const struct bench_opts *o,
    const struct result *res, size_t n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (f == NULL)
		return -1;
	fprintf(f, "{\n  \"bench\": \"sipxmpp-bench\",\n  \"sipxmppd\": ");
	json_str(f, o->sipxmppd);
	fprintf(f, ",\n  \"mode\": \"%s\",\n  \"loop\": \"%s\",\n",
	    o->via_prosody ? "prosody" : "direct",
	    o->load.rate > 0 ? "open" : "closed");
	fprintf(f, "  \"rate\": %.6g,\n  \"window\": %d,\n"
	    "  \"duration_s\": %.6g,\n  \"warmup_s\": %.6g,\n"
	    "  \"drain_s\": %.6g,\n  \"body_size\": %d,\n  \"users\": %d,\n"
	    "  \"results\": [\n", o->load.rate, o->load.window,
	    o->load.duration_s, o->load.warmup_s, o->load.drain_s,
	    o->body_size, o->users);
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];

		fprintf(f, "   {\n    \"scenario\": ");
		json_str(f, r->scenario);
		fprintf(f, ",\n    \"sip_transport\": \"%s\"",
		    sip_transport_name(r->sip_transport));
		fprintf(f, ",\n    \"completed\": %s,\n    \"note\": ",
		    r->done ? "true" : "false");
		json_str(f, r->note);
		fprintf(f, ",\n    \"error_detail\": ");
		json_str(f, r->error_detail);
		fputs(",\n", f);
		json_u64(f, "sent", r->sent);
		json_u64(f, "measured", r->measured);
		json_u64(f, "ok", r->ok);
		json_u64(f, "errors", r->errors);
		json_u64(f, "losses", r->losses);
		json_u64(f, "delivered", r->delivered);
		json_u64(f, "not_sent", r->not_sent);
		json_u64(f, "duplicates", r->dups);
		json_u64(f, "unknown", r->unknown);
		json_u64(f, "sip_connections_lost", r->sip_conns_lost);
		json_num(f, "offered_per_s", r->offered_per_s, 0);
		json_num(f, "answered_per_s", r->answered_per_s, 0);
		json_num(f, "latency_p50_ms", r->lat_p50_ms, 0);
		json_num(f, "latency_p99_ms", r->lat_p99_ms, 0);
		json_num(f, "latency_p999_ms", r->lat_p999_ms, 0);
		json_num(f, "latency_max_ms", r->lat_max_ms, 0);
		json_num(f, "latency_mean_ms", r->lat_mean_ms, 0);
		json_num(f, "gateway_cpu_us_per_msg", r->gw_cpu_us_per_msg, 0);
		json_num(f, "gateway_cpu_us_per_msg_schedstat",
		    r->gw_cpu_us_per_msg_ns, 0);
		json_num(f, "gateway_cpu_share", r->gw_cpu_util, 0);
		json_num(f, "gateway_cpu_kernel_share",
		    r->gw_cpu_kernel_share, 0);
		json_num(f, "gateway_instructions_per_msg", r->gw_ir_per_msg,
		    0);
		/* Against the same scenario over another transport. */
		fprintf(f, "    \"compared_with\": ");
		if (r->vs_idx >= 0)
			fprintf(f, "\"%s\",\n", sip_transport_name(r->vs_tp));
		else
			fputs("null,\n", f);
		if (r->vs_idx >= 0)
			fprintf(f, "    \"gateway_cpu_us_per_msg_more\": %.6g,\n"
			    "    \"gateway_instructions_per_msg_more\": %.6g,\n",
			    r->gw_cpu_vs_us, r->gw_ir_vs);
		json_u64(f, "gateway_vmhwm_kb", r->gw_hwm_kb);
		json_u64(f, "gateway_vmrss_kb", r->gw_rss_kb);
		json_num(f, "prosody_cpu_us_per_msg", r->px_cpu_us_per_msg, 0);
		json_num(f, "prosody_cpu_share", r->px_cpu_util, 0);
		json_u64(f, "prosody_vmhwm_kb", r->px_hwm_kb);
		json_num(f, "bench_cpu_us_per_msg", r->bench_cpu_us_per_msg,
		    0);
		json_num(f, "bench_ceiling_per_s", r->bench_ceiling_per_s, 0);
		json_num(f, "bench_cpu_share", r->bench_cpu_util, 0);
		json_num(f, "max_answer_gap_ms", r->max_gap_ms, 0);
		fprintf(f, "    \"mapping_entries\": %d,\n", r->mapping_entries);
		json_num(f, "startup_link_ms", r->startup_link_ms > 0 ?
		    r->startup_link_ms : -1, 0);
		json_num(f, "startup_first_ok_ms", r->startup_first_ok_ms > 0 ?
		    r->startup_first_ok_ms : -1, 0);
		json_num(f, "reload_ms", r->reload_ms, 0);
		json_num(f, "reload_stall_ms", r->stall_ms, 0);
		json_num(f, "baseline_max_gap_ms", r->baseline_gap_ms, 0);
		fprintf(f, "    \"watchers\": %d,\n    \"watched\": %d,\n",
		    r->watchers, r->watched);
		json_u64(f, "subscriptions_x2s", r->subs_x2s);
		json_u64(f, "subscriptions_s2x", r->subs_s2x);
		json_u64(f, "subscriptions_failed", r->setup_failed);
		json_num(f, "setup_x2s_s", r->setup_x2s_s, 0);
		json_num(f, "setup_s2x_s", r->setup_s2x_s, 0);
		json_num(f, "setup_x2s_gateway_cpu_us_per_sub",
		    r->setup_x2s_cpu_us, 0);
		json_num(f, "setup_s2x_gateway_cpu_us_per_sub",
		    r->setup_s2x_cpu_us, 0);
		json_u64(f, "notifies", r->notifies);
		json_u64(f, "notify_errors", r->notify_errors);
		json_num(f, "notify_latency_p50_ms", r->notify_p50_ms, 0);
		json_num(f, "notify_latency_p99_ms", r->notify_p99_ms, 0);
		json_num(f, "notify_latency_p999_ms", r->notify_p999_ms, 0);
		json_num(f, "notify_latency_max_ms", r->notify_max_ms, 0);
		json_num(f, "gateway_cpu_us_per_notify", r->gw_cpu_us_per_notify,
		    0);
		json_u64(f, "rss_before_kb", r->rss_before_kb);
		json_u64(f, "rss_after_x2s_kb", r->rss_x2s_kb);
		json_u64(f, "rss_after_x2s_settled_kb", r->rss_x2s_settled_kb);
		json_u64(f, "rss_after_s2x_kb", r->rss_s2x_kb);
		json_u64(f, "rss_after_s2x_settled_kb", r->rss_s2x_settled_kb);
		json_num(f, "settle_s", r->settle_s, 0);
		json_num(f, "rss_bytes_per_x2s", r->bytes_per_x2s, 0);
		json_num(f, "rss_bytes_per_s2x", r->bytes_per_s2x, 0);
		fprintf(f, "    \"room_participants\": %d,\n", r->room_n);
		json_num(f, "room_setup_s", r->room_n > 0 ? r->room_setup_s :
		    -1, 0);
		json_num(f, "room_delivered_per_s", r->room_delivered_per_s, 0);
		json_num(f, "gw_cpu_us_per_delivered",
		    r->gw_cpu_us_per_delivered, 0);
		fprintf(f, "    \"room_out_of_order\": %" PRIu64 ",\n",
		    r->room_out_of_order);
		fprintf(f, "    \"gateway_exit\": %d,\n", r->gw_exit);
		fprintf(f, "    \"correct\": %s\n   }%s\n",
		    r->verdict_ok ? "true" : "false", i + 1 < n ? "," : "");
	}
	fputs("  ]\n}\n", f);
	if (f == stdout)
		return fflush(f) == 0 ? 0 : -1;
	return fclose(f) == 0 ? 0 : -1;
}
