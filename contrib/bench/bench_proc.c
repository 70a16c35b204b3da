/*
 * The processes around a run: the gateway (and Prosody) the bench starts
 * and stops by pid, what /proc says they cost, the temporary directory
 * their files live in, and the gateway's log lines the bench times.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Reads a small /proc file into buf; its length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* A "Name:   123 kB" line of /proc/PID/status. */
static uint64_t
status_kb(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	if (p == NULL)
		return 0;
	return strtoull(p + strlen(name), NULL, 10);
}

/*
 * CPU and memory of a process: utime + stime (whole process, clock
 * ticks) from /proc/PID/stat, on-CPU nanoseconds of its main thread from
 * /proc/PID/schedstat (the daemons measured are single-threaded), VmHWM
 * and VmRSS from /proc/PID/status.
 */
int
proc_sample(pid_t pid, struct proc_sample *s)
{
	char path[64], buf[4096], *p;
	unsigned long long ut = 0, st = 0, ns = 0;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* After "pid (comm)": state is field 3, utime 14, stime 15. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -1;
	s->cpu_ticks = ut + st;
	s->sys_ticks = st;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%llu", &ns) == 1) {
		s->sched_ns = ns;
		s->have_sched = 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		s->hwm_kb = status_kb(buf, "VmHWM:");
		s->rss_kb = status_kb(buf, "VmRSS:");
	}
	s->ok = 1;
	return 0;
}

/* The bench's own figures. */
void
proc_self_sample(struct proc_sample *s)
{
	(void)proc_sample(getpid(), s);
}

/*
 * CPU microseconds between two samples: from schedstat when asked and
 * available (ns), else from the clock ticks of /proc/PID/stat.
 */
double
proc_cpu_us(const struct proc_sample *a, const struct proc_sample *b,
    int precise)
{
	long hz = sysconf(_SC_CLK_TCK);

	if (!a->ok || !b->ok)
		return -1;
	if (precise) {
		if (!a->have_sched || !b->have_sched)
			return -1;
		return (double)(b->sched_ns - a->sched_ns) / 1000.0;
	}
	return (double)(b->cpu_ticks - a->cpu_ticks) * 1e6 /
	    (double)(hz > 0 ? hz : 100);
}

/* Starts argv with stdout and stderr into log_path, in cwd. */
pid_t
proc_spawn(char *const argv[], const char *log_path, const char *cwd)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		return pid;
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (log_path != NULL &&
	    (fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(126);
	execvp(argv[0], argv);
	fprintf(stderr, "sipxmpp-bench: cannot run %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

/* Whether pid still runs (our child: without reaping it). */
int
proc_alive(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0)
		return info.si_pid == 0;
	return kill(pid, 0) == 0;	/* not ours (--pid) */
}

/*
 * SIGTERM, wait up to timeout_ms, then SIGKILL. *status gets the wait
 * status of our child; 0 when it was reaped, -1 otherwise.
 */
int
proc_stop(pid_t pid, int timeout_ms, int *status)
{
	struct timespec ten = { 0, 10 * 1000 * 1000 };
	int st = 0;

	if (status != NULL)
		*status = -1;
	if (pid <= 0)
		return -1;
	(void)kill(pid, SIGTERM);
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			if (status != NULL)
				*status = st;
			return 0;
		}
		if (r < 0)
			return -1;
		nanosleep(&ten, NULL);
	}
	bench_warnx("pid %d did not stop within %d ms: SIGKILL", (int)pid,
	    timeout_ms);
	(void)kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) == pid && status != NULL)
		*status = st;
	return -1;
}

/* A private directory under $TMPDIR (or /tmp) for one run's files. */
char *
tmpdir_make(void)
{
	const char *base = getenv("TMPDIR");
	char path[512];

	snprintf(path, sizeof(path), "%s/sipxmpp-bench.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(path) == NULL)
		return NULL;
	return xstrdup(path);
}

/* nftw(3) callback: removes one entry, children first. */
static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the run's directory and everything in it. */
void
tmpdir_remove(const char *dir)
{
	if (dir != NULL)
		(void)nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Waits until 127.0.0.1:port accepts TCP, or pid dies; 0 when it does. */
int
wait_tcp_port(int port, int timeout_ms, pid_t pid)
{
	struct timespec twenty = { 0, 20 * 1000 * 1000 };
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

		if (fd < 0)
			return -1;
		r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		close(fd);
		if (r == 0)
			return 0;
		if (pid > 0 && !proc_alive(pid))
			return -1;
		nanosleep(&twenty, NULL);
	}
	return -1;
}

/* "HH:MM:SS.mmm" at the start of a gateway log line, as epoch ms. */
static int
log_stamp(const char *line, int64_t *ms)
{
	struct tm tm;
	time_t now = time(NULL), t;
	int h, m, s, milli;

	if (sscanf(line, "%2d:%2d:%2d.%3d", &h, &m, &s, &milli) != 4)
		return -1;
	localtime_r(&now, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t > now + 3600)		/* stamped before midnight */
		t -= 86400;
	*ms = (int64_t)t * 1000 + milli;
	return 0;
}

/*
 * Finds the first line after byte start of the log that contains needle;
 * its time stamp (epoch ms) in *stamp_ms and the offset after it in
 * *next. 0 when found.
 */
int
log_find_line(const char *path, off_t start, const char *needle,
    int64_t *stamp_ms, off_t *next)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int r = -1;

	if (f == NULL)
		return -1;
	if (fseeko(f, start, SEEK_SET) != 0)
		goto out;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, needle) == NULL)
			continue;
		if (stamp_ms != NULL && log_stamp(line, stamp_ms) != 0)
			continue;
		if (next != NULL)
			*next = ftello(f);
		r = 0;
		break;
	}
out:
	fclose(f);
	return r;
}
