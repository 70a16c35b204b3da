/*
 * SIGHUP: the mapping table reloaded beside the one in use, a slice of
 * lines per turn of the event loop, so that traffic never waits for a
 * whole table (100,000 rules parse in some tens of milliseconds, the
 * stall budget is far less). The file is read in one go when the signal
 * comes; then each turn parses for at most RELOAD_SLICE_US and yields
 * to the sockets. Messages use the old table until the new one is
 * complete; then the pointer is swapped and the old table freed. A bad
 * table is refused, as sipxmppd --check-config would, and the old one
 * kept.
 *
 * A SIGHUP during a reload starts it over from the file: the table that
 * goes live is the file as it was at the last signal, never a version
 * an operator or a deployment tool had already replaced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "mapping.h"
#include "mapping_reload.h"

/* Time a turn may spend parsing: a few ms keeps the added latency far
 * below the 50 ms stall budget of issue 4 while a table of 100,000
 * rules still loads in a few dozen turns. */
#define RELOAD_SLICE_US		2000
/* Lines parsed between two looks at the clock: well under a ms. */
#define RELOAD_STEP_LINES	256

struct mapping_reload {
	struct gateway			*gw;
	struct event			*slice_ev;
	struct map_table_builder	*builder;	/* NULL when idle */
	char				*text;		/* the file read */
	size_t				 len;
	struct timespec			 started;
	unsigned			 turns;
	int64_t				 longest_us;	/* of a turn */
};

/* Microseconds from a to b. */
static int64_t
us_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000 +
	    (b->tv_nsec - a->tv_nsec) / 1000;
}

/* Drops the text and the half-built table of a reload. */
static void
reload_clear(struct mapping_reload *mr)
{
	map_table_builder_free(mr->builder);
	mr->builder = NULL;
	free(mr->text);
	mr->text = NULL;
	mr->len = 0;
	evtimer_del(mr->slice_ev);
}

/* Logs a refused reload and keeps the table in use. */
static void
reload_refused(struct mapping_reload *mr, const char *cause)
{
	log_error("mapping: reload refused, keeping the %zu rules in use: %s",
	    map_table_size(mr->gw->map), cause != NULL ? cause : "error");
	reload_clear(mr);
}

/* Notes how long the turn that began at start took so far. */
static void
turn_took(struct mapping_reload *mr, const struct timespec *start)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((us = us_between(start, &now)) > mr->longest_us)
		mr->longest_us = us;
}

/* Puts the new table in use and frees the old one. Nothing refers to a
 * table between two callbacks (translations hand out copies), so the
 * swap is a pointer. */
static void
reload_finish(struct mapping_reload *mr, struct map_table *fresh,
    const struct timespec *turn_start)
{
	struct map_table *old = mr->gw->map;
	struct timespec now;

	mr->gw->map = fresh;
	reload_clear(mr);
	map_table_free(old);
	turn_took(mr, turn_start);
	clock_gettime(CLOCK_MONOTONIC, &now);
	log_info("mapping: reloaded %zu rules from %s in %lld ms (%u turns, "
	    "the longest %lld.%03lld ms)", map_table_size(fresh),
	    mr->gw->cfg->mapping_file,
	    (long long)(us_between(&mr->started, &now) / 1000), mr->turns,
	    (long long)(mr->longest_us / 1000),
	    (long long)(mr->longest_us % 1000));
}

/* One turn's slice: count or parse until the table is done or refused,
 * or the turn's time is up; then come back on the next turn. */
static void
slice_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval next_turn = { 0, 0 };
	struct mapping_reload *mr = arg;
	struct map_table *fresh = NULL;
	struct timespec start, now;
	char *cause = NULL;
	int rc;

	(void)fd;
	(void)what;
	mr->turns++;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		rc = map_table_builder_step(mr->builder, RELOAD_STEP_LINES,
		    &fresh, &cause);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (rc == 1 && us_between(&start, &now) < RELOAD_SLICE_US);
	if (rc == 1) {
		turn_took(mr, &start);
		/* A zero timeout: the loop polls the sockets first. */
		evtimer_add(mr->slice_ev, &next_turn);
		return;
	}
	if (rc == -1)
		reload_refused(mr, cause);
	else
		reload_finish(mr, fresh, &start);
	free(cause);
}

/* Sets up reloads on the gateway's loop; NULL when out of memory. */
struct mapping_reload *
mapping_reload_new(struct gateway *gw)
{
	struct mapping_reload *mr;

	if ((mr = calloc(1, sizeof(*mr))) == NULL)
		return NULL;
	mr->gw = gw;
	if ((mr->slice_ev = evtimer_new(gw->base, slice_cb, mr)) == NULL) {
		free(mr);
		return NULL;
	}
	return mr;
}

/* SIGHUP: reads the table file in one go and starts on it from the
 * next turn; a reload already under way is dropped and started over. */
void
mapping_reload_start(struct mapping_reload *mr)
{
	static const struct timeval next_turn = { 0, 0 };
	const char *path = mr->gw->cfg->mapping_file;
	char *cause = NULL;

	if (mapping_reload_running(mr)) {
		log_info("mapping: SIGHUP during a reload (%zu lines in): "
		    "starting over from %s",
		    map_table_builder_lines(mr->builder), path);
		reload_clear(mr);
	}
	clock_gettime(CLOCK_MONOTONIC, &mr->started);
	mr->turns = 1;
	mr->longest_us = 0;
	if (map_table_read(path, &mr->text, &mr->len, &cause) == -1 ||
	    map_table_builder_new(mr->text, mr->len, path, &mr->builder,
	    &cause) == -1) {
		reload_refused(mr, cause);
		free(cause);
		return;
	}
	turn_took(mr, &mr->started);
	log_debug("mapping: reloading %s (%zu bytes)", path, mr->len);
	evtimer_add(mr->slice_ev, &next_turn);
}

/* Tells whether a reload is under way. */
int
mapping_reload_running(const struct mapping_reload *mr)
{
	return mr->builder != NULL;
}

/* Drops a reload under way and frees the reloader (NULL is fine). */
void
mapping_reload_free(struct mapping_reload *mr)
{
	if (mr == NULL)
		return;
	reload_clear(mr);
	event_free(mr->slice_ev);
	free(mr);
}
