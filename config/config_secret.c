/*
 * The component secret kept out of sight: [xmpp] secret_file, and the
 * warning about a configuration file that holds the secret for everyone
 * to read. Whoever has the secret can connect as the component and speak
 * for every SIP user (XEP-0114 §3: the handshake is the only proof), so
 * a file others can read, or write, is refused as OpenSSH refuses a
 * private key: the operator fixes the mode rather than the daemon
 * running with a secret that is not one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* Bytes read from the file: a line, its line end, and one to tell a
 * longer line. */
#define SECRET_READ_MAX	(CONFIG_MAX_LINE + 3)

/* Reads at most size - 1 bytes of fd into buf, NUL-terminated; -1 on a
 * read error (errno set). */
static ssize_t
read_some(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * Sets cfg->xmpp_secret from the first line of cfg->xmpp_secret_file
 * (already made absolute). 0 on success; -1 with *why (without the path,
 * which the caller adds) when the file cannot be opened, is not a
 * regular file, may be read or written by group or others, or its first
 * line is empty, too long or holds a control character.
 */
int
config_read_secret_file(struct config *cfg, char **why)
{
	const struct config_option *o = config_option_find("xmpp", "secret");
	char buf[SECRET_READ_MAX + 1], *nl, *sub = NULL;
	struct stat st;
	ssize_t len;
	size_t n;
	int fd, r = -1;

	/* O_NONBLOCK: a FIFO named here must not hang the start. */
	fd = open(cfg->xmpp_secret_file, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		config_set_cause(why, "cannot open: %s", strerror(errno));
		return -1;
	}
	/* The mode of what was opened, not of a name that may change. */
	if (fstat(fd, &st) < 0) {
		config_set_cause(why, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		config_set_cause(why, "not a regular file");
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		config_set_cause(why, "group or others may read or write it "
		    "(mode %04o): make it 0600 or 0400",
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((len = read_some(fd, buf, sizeof(buf))) < 0) {
		config_set_cause(why, "%s", strerror(errno));
		goto out;
	}
	/* The first line, without its line end (LF or CRLF). */
	nl = memchr(buf, '\n', (size_t)len);
	n = nl != NULL ? (size_t)(nl - buf) : (size_t)len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > CONFIG_MAX_LINE) {
		config_set_cause(why, "first line too long (more than %d "
		    "bytes)", CONFIG_MAX_LINE);
		goto out;
	}
	if (memchr(buf, '\0', n) != NULL) {
		config_set_cause(why, "NUL byte in the first line");
		goto out;
	}
	if (n == 0) {
		config_set_cause(why, "the first line is empty");
		goto out;
	}
	buf[n] = '\0';
	/* The same checks as secret = (not empty, no control character). */
	if (config_option_set(cfg, o, buf, &sub) < 0) {
		config_set_cause(why, "first line: %s",
		    sub != NULL ? sub : "out of memory");
		goto out;
	}
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	free(sub);
	close(fd);
	return r;
}

/*
 * Whether the configuration file holds the secret itself (no
 * secret_file) and every user may read it: 1 with its mode in *mode.
 * 0 otherwise, or when the file cannot be looked at any more.
 */
int
config_secret_exposed(const struct config *cfg, unsigned *mode)
{
	struct stat st;

	if (cfg->xmpp_secret_file != NULL || cfg->xmpp_secret == NULL ||
	    cfg->path == NULL || stat(cfg->path, &st) < 0)
		return 0;
	*mode = (unsigned)(st.st_mode & 07777);
	return (st.st_mode & S_IROTH) != 0;
}
