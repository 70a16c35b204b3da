/*
 * What a finished run measured (bench_run.c): the load's counts and
 * latencies, the CPU and memory of every process between the /proc
 * samples, callgrind's instruction count, the presence figures, the
 * reload time and traffic stall of "mapping" (from the gateway's log),
 * and the --smoke verdict.
 */
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Instructions the gateway ran since the zeroing, from its dump. */
static double
callgrind_total(struct run *r)
{
	char pattern[1100], line[256];
	unsigned long long total = 0;
	glob_t g;
	FILE *f;

	snprintf(pattern, sizeof(pattern), "%s.%d.*", r->o->callgrind,
	    (int)r->gw_pid);
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0)
		return -1;
	f = fopen(g.gl_pathv[g.gl_pathc - 1], "r");
	globfree(&g);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "summary: %llu", &total) == 1 ||
		    sscanf(line, "totals: %llu", &total) == 1)
			break;
	fclose(f);
	return total > 0 ? (double)total : -1;
}

/* Share of one core used between samples a and b. */
static double
util(const struct proc_sample *a, const struct proc_sample *b, int64_t t0,
    int64_t t1)
{
	double us = proc_cpu_us(a, b, 1);

	if (us < 0)
		us = proc_cpu_us(a, b, 0);
	if (us < 0 || t1 <= t0)
		return -1;
	return us / ((double)(t1 - t0) / 1e3);
}

/* "503 x12, 408 x3": the error answers by status. */
static void
error_detail(struct result *res, const struct load_result *lr)
{
	size_t n = 0;

	res->error_detail[0] = '\0';
	for (int s = 0; s < LOAD_MAX_STATUS; s++) {
		if (lr->status[s] == 0 || (s >= 200 && s < 300))
			continue;
		char what[16];

		if (s == LOAD_STATUS_ERROR_STANZA)
			snprintf(what, sizeof(what), "error-stanza");
		else
			snprintf(what, sizeof(what), "%d", s);
		n += (size_t)snprintf(res->error_detail + n,
		    n < sizeof(res->error_detail) ? sizeof(res->error_detail) -
		    n : 0, "%s%s x%" PRIu64, n > 0 ? ", " : "", what,
		    lr->status[s]);
		if (n >= sizeof(res->error_detail))
			break;
	}
}

/* The presence figures of a load run: NOTIFYs, their answers, latency. */
static void
collect_presence(struct run *r)
{
	const struct presence_stats *ps = presence_stats(r->pp);
	struct result *res = r->res;
	double us;

	if (r->sc->presence == PRESENCE_NOTIFY) {
		/* Ours: each answered; a failure is an error of the load. */
		res->notifies = ps->load_notify_ok;
		res->notify_errors = ps->load_notify_failed;
		return;
	}
	res->notifies = ps->notifies_in - r->pst0.notifies_in;
	res->notify_errors = ps->terminated - r->pst0.terminated;
	res->notify_p50_ms = (double)hist_percentile(&ps->notify_lat, 50) /
	    1e6;
	res->notify_p99_ms = (double)hist_percentile(&ps->notify_lat, 99) /
	    1e6;
	res->notify_p999_ms = (double)hist_percentile(&ps->notify_lat, 99.9) /
	    1e6;
	res->notify_max_ms = (double)hist_percentile(&ps->notify_lat, 100) /
	    1e6;
	us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 0);
	if (us >= 0 && ps->notify_lat.n > 0)
		res->gw_cpu_us_per_notify = us / (double)ps->notify_lat.n;
}

/*
 * The room figures: for room-fanout, one load message is a room message
 * and the gateway delivered room_n SIP MESSAGEs for it; what the issue
 * sets a target for is the CPU per delivered MESSAGE.
 */
static void
collect_room(struct run *r)
{
	const struct room_stats *st = room_peers_stats(r->rp);
	struct result *res = r->res;
	double n = (double)res->room_n;

	res->room_out_of_order = st->out_of_order - r->rst0.out_of_order;
	res->room_bad_prefix = st->bad_prefix - r->rst0.bad_prefix;
	if (r->sc->room == ROOM_SAY) {
		/* The room got it: our reflections, one per message. */
		res->delivered = st->reflected - r->rst0.reflected;
		return;
	}
	res->delivered = st->delivered - r->rst0.delivered;
	res->room_delivered_per_s = res->answered_per_s * n;
	res->gw_cpu_us_per_delivered = res->gw_cpu_us_per_msg >= 0 ?
	    res->gw_cpu_us_per_msg / n : -1;
}

/* Fills the result from the load's records and the samples. */
void
run_collect(struct run *r)
{
	const struct load_result *lr = load_result(r->load);
	struct result *res = r->res;
	double secs = (double)(lr->t_end - lr->t_warm) / 1e9, us;
	int64_t at;

	res->sent = lr->sent;
	res->measured = lr->measured;
	res->ok = lr->ok;
	res->errors = lr->errors;
	res->losses = lr->losses;
	res->delivered = r->sc->s2x && r->sc->presence == PRESENCE_NONE ?
	    lr->delivered : lr->ok;
	res->not_sent = lr->not_sent;
	res->dups = lr->dup_answers + lr->dup_deliveries;
	res->unknown = lr->unknown;
	error_detail(res, lr);
	if (secs > 0) {
		res->offered_per_s = (double)lr->measured / secs;
		/* OK answers that arrived within the measured interval. */
		uint64_t in = 0;

		for (size_t i = 0; i < lr->n_ok_times; i++)
			if (lr->ok_times[i] >= lr->t_warm &&
			    lr->ok_times[i] < lr->t_end)
				in++;
		res->answered_per_s = (double)in / secs;
	}
	res->lat_p50_ms = (double)hist_percentile(&lr->lat, 50) / 1e6;
	res->lat_p99_ms = (double)hist_percentile(&lr->lat, 99) / 1e6;
	res->lat_p999_ms = (double)hist_percentile(&lr->lat, 99.9) / 1e6;
	res->lat_max_ms = (double)hist_percentile(&lr->lat, 100) / 1e6;
	res->lat_mean_ms = lr->lat.n ? lr->lat.sum / (double)lr->lat.n / 1e6 :
	    0;
	res->gw_cpu_us_per_msg = res->gw_cpu_us_per_msg_ns = -1;
	res->gw_cpu_kernel_share = -1;
	res->px_cpu_us_per_msg = res->px_cpu_util = -1;
	if (r->gw_pid > 0 && lr->measured > 0) {
		us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 0);
		res->gw_cpu_us_per_msg = us >= 0 ? us / (double)lr->measured :
		    -1;
		us = proc_cpu_us(&r->gw_s[0], &r->gw_s[2], 1);
		res->gw_cpu_us_per_msg_ns = us >= 0 ? us /
		    (double)lr->measured : -1;
		res->gw_cpu_util = util(&r->gw_s[0], &r->gw_s[1], r->ts[0],
		    r->ts[1]);
		if (r->gw_s[2].cpu_ticks > r->gw_s[0].cpu_ticks)
			res->gw_cpu_kernel_share =
			    (double)(r->gw_s[2].sys_ticks - r->gw_s[0].sys_ticks) /
			    (double)(r->gw_s[2].cpu_ticks - r->gw_s[0].cpu_ticks);
		res->gw_hwm_kb = r->gw_s[2].hwm_kb;
		res->gw_rss_kb = r->gw_s[2].rss_kb;
	}
	if (r->have_px && lr->measured > 0) {
		us = proc_cpu_us(&r->px_s[0], &r->px_s[2], 1);
		if (us < 0)
			us = proc_cpu_us(&r->px_s[0], &r->px_s[2], 0);
		res->px_cpu_us_per_msg = us >= 0 ? us / (double)lr->measured :
		    -1;
		res->px_cpu_util = util(&r->px_s[0], &r->px_s[1], r->ts[0],
		    r->ts[1]);
		res->px_hwm_kb = r->px_s[2].hwm_kb;
	}
	if (lr->measured > 0) {
		us = proc_cpu_us(&r->me_s[0], &r->me_s[2], 1);
		if (us < 0)
			us = proc_cpu_us(&r->me_s[0], &r->me_s[2], 0);
		res->bench_cpu_us_per_msg = us / (double)lr->measured;
		res->bench_ceiling_per_s = res->bench_cpu_us_per_msg > 0 ?
		    1e6 / res->bench_cpu_us_per_msg : 0;
		res->bench_cpu_util = util(&r->me_s[0], &r->me_s[1], r->ts[0],
		    r->ts[1]);
	}
	res->gw_ir_per_msg = -1;
	if (r->o->callgrind != NULL && lr->measured > 0 &&
	    (us = callgrind_total(r)) > 0)
		res->gw_ir_per_msg = us / (double)lr->measured;
	res->max_gap_ms = (double)load_max_gap(r->load, lr->t_warm,
	    lr->t_end, &at) / 1e6;
	if (r->sc->mapping)
		res->mapping_entries = r->o->mapping_entries;
	if (r->pp != NULL)
		collect_presence(r);
	res->room_delivered_per_s = res->gw_cpu_us_per_delivered = -1;
	if (r->rp != NULL)
		collect_room(r);
}

/* Reload time from the log, stall from the answers ("mapping"). */
void
run_collect_reload(struct run *r)
{
	const struct load_result *lr = load_result(r->load);
	struct result *res = r->res;
	int64_t stamp = 0, at, window_end;

	res->reload_ms = res->stall_ms = res->baseline_gap_ms = -1;
	if (r->t_hup == 0) {
		run_note(r, "no SIGHUP was sent (measured interval too "
		    "short?)");
		return;
	}
	if (r->gw_log[0] != '\0' && log_find_line(r->gw_log, r->log_off,
	    "mapping: reloaded", &stamp, NULL) == 0)
		res->reload_ms = (double)(stamp - r->t_hup_wall);
	else if (r->gw_log[0] != '\0' && log_find_line(r->gw_log, r->log_off,
	    "mapping: reload refused", NULL, NULL) == 0)
		run_note(r, "the gateway refused the reload (see %s)",
		    r->gw_log);
	else
		run_note(r, "no reload line in the gateway's log");
	/* The stall: the longest silence from just before the signal. */
	window_end = r->t_hup + (int64_t)((res->reload_ms > 0 ?
	    res->reload_ms : 0) * 1e6) + 1000000000LL;
	res->stall_ms = (double)load_max_gap(r->load, r->t_hup - 50000000LL,
	    window_end, &at) / 1e6;
	res->baseline_gap_ms = (double)load_max_gap(r->load, lr->t_warm,
	    r->t_hup - 100000000LL, &at) / 1e6;
}

/* Judges a finished run for --smoke: everything sent, answered, right. */
void
run_verdict(struct run *r)
{
	struct result *res = r->res;
	int ok = res->done && res->sent > 0 && res->ok == res->sent &&
	    res->errors == 0 && res->losses == 0 && res->not_sent == 0 &&
	    res->delivered == res->sent && res->dups == 0;

	if (r->own_gw && res->gw_exit != 0)
		ok = 0;
	/* Over TCP or TLS, one connection each way that holds. */
	if (res->sip_conns_lost > 0)
		ok = 0;
	if (r->sc->mapping && res->reload_ms < 0)
		ok = 0;
	if (r->sc->presence != PRESENCE_NONE && (res->setup_failed > 0 ||
	    res->notify_errors > 0))
		ok = 0;
	if (r->sc->presence == PRESENCE_NOTIFY && res->notifies != res->sent)
		ok = 0;		/* every NOTIFY of ours answered 200 */
	/* A room message reached every participant, in order, prefixed. */
	if (r->sc->room == ROOM_FANOUT)
		ok = res->done && res->sent > 0 && res->ok == res->sent &&
		    res->errors == 0 && res->losses == 0 &&
		    res->not_sent == 0 && res->dups == 0 &&
		    res->delivered == res->sent * (uint64_t)res->room_n &&
		    res->room_out_of_order == 0 && res->room_bad_prefix == 0 &&
		    res->gw_exit == 0;
	if (r->sc->presence == PRESENCE_HOLD)
		ok = res->done && res->subs_x2s == (uint64_t)r->o->subs &&
		    res->subs_s2x == (uint64_t)r->o->subs && res->gw_exit == 0;
	res->verdict_ok = ok;
}
