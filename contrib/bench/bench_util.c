/*
 * Small helpers every part of the bench needs: clocks, messages for the
 * operator, allocation that stops the run instead of limping on, and a
 * free port to give the gateway.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int bench_verbose;

/* Monotonic nanoseconds: every latency and schedule is on this clock. */
int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wall-clock milliseconds, to compare with the gateway's log stamps. */
int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Progress for the operator (stderr, so stdout stays the report). */
void
bench_log(const char *fmt, ...)
{
	va_list ap;

	if (!bench_verbose)
		return;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Something went wrong; always shown. */
void
bench_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sipxmpp-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* calloc that ends the run: a bench without memory measures nothing. */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		bench_warnx("out of memory");
		exit(2);
	}
	return p;
}

/* strdup that ends the run on failure. */
char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		bench_warnx("out of memory");
		exit(2);
	}
	return p;
}

/* An ephemeral port on 127.0.0.1 that was free a moment ago. */
int
free_port(int sotype)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port = -1;

	if ((fd = socket(AF_INET, sotype, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
