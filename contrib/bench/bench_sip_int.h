/*
 * Inside struct sip_end: what bench_sip.c (the user agents, UDP) and
 * bench_sip_stream.c (the same agents over one TCP or TLS connection)
 * share. Nothing else includes this.
 */
#ifndef SIPXMPP_BENCH_SIP_INT_H
#define SIPXMPP_BENCH_SIP_INT_H

#include <sys/socket.h>

#include <netinet/in.h>

#include "bench.h"

#define BATCH		64
#define SLOT		4096		/* one message we build */
#define MAX_UAS_CONNS	8		/* the gateway opens one; room for more */

/* Datagrams waiting for one sendmmsg(). */
struct batch {
	int		 fd;
	int		 n;
	char		*buf;		/* BATCH * SLOT */
	struct mmsghdr	 m[BATCH];
	struct iovec	 iov[BATCH];
	struct sockaddr_in to[BATCH];
};

/* Room for one recvmmsg(). */
struct rxring {
	char		*buf;		/* BATCH * RX_SLOT */
	struct mmsghdr	 m[BATCH];
	struct iovec	 iov[BATCH];
	struct sockaddr_in from[BATCH];
};

struct sip_end {
	struct event_base *base;
	struct sip_end_handlers h;
	void		*arg;
	enum sip_transport tp;
	int		 uac_fd, uas_fd;	/* UDP only */
	int		 uac_port, uas_port;
	struct event	*uac_ev, *uas_ev;
	struct sockaddr_in target;
	int		 have_target;
	char		 run[9];	/* Call-ID tag: this run's answers only */
	enum branch_mode branches;	/* of the load's MESSAGEs */
	struct collide	*collide;
	struct batch	 uac_out, uas_out;
	struct rxring	 rx;
	struct sip_end_stats st;
	/* TCP and TLS (bench_sip_stream.c) */
	struct ssl_ctx_st *cctx, *sctx;	/* TLS: client, server */
	struct sconn	*uac_conn;	/* ours, to the gateway's listener */
	struct slisten	*uas_lst;	/* the gateway's outbound proxy */
	struct sconn	*uas_conns[MAX_UAS_CONNS];	/* it connected */
	int		 n_uas_conns;
	char		*scratch;	/* SLOT: a message being built */
	char		 error[192];	/* the last connection failure */
};

/* bench_sip.c */
void	 sip_uac_input(struct sip_end *, const char *msg, size_t len);
void	 sip_uas_input(struct sip_end *, const char *msg, size_t len,
	    const struct sockaddr_in *from, struct sconn *conn);
/* bench_sip_stream.c */
int	 sip_stream_open(struct sip_end *, int uas_port, const char *tls_dir);
int	 sip_stream_uac(struct sip_end *);
void	 sip_stream_flush(struct sip_end *);
void	 sip_stream_close(struct sip_end *);

#endif
