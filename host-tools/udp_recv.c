// SPDX-License-Identifier: MIT
/*
 * `tinydump recv --udp`: the reliable dump protocol's receiver core
 * (host-tools/netdump_rx.c) on one UDP socket.  Datagrams are drained
 * without blocking, owed ACKs go out when the socket is empty, silent
 * sessions are closed on a timer.  Each session feeds its own collector;
 * its outputs are written by main.c's hooks, exactly as for serial input.
 * Single-threaded: while one dump's vmcore is written, the other boards'
 * datagrams wait in the socket buffer (and their senders retransmit).
 */
#include "host-tools/udp_recv.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host-tools/netdump_rx.h"

#define EXIT_COMPLETE 0
#define EXIT_ERROR    1
#define EXIT_PARTIAL  2

#define POLL_MS	   100
#define DRAIN_MAX  1024	     /* datagrams per round before ACKs go out */
#define SOCKET_BUF (8 << 20) /* what we ask for; the kernel may cap it */
#define PEER_TEXT  (NI_MAXHOST + NI_MAXSERV + 4)

struct server {
	const struct udp_recv_opts *o;
	const struct udp_recv_hooks *h;
	int fd;
	struct netdump_rx rx;
	unsigned ended, complete, partial, failed;
	int first_code;
};

struct session {
	struct server *srv;
	struct collect c;
	char id[2 * STREAM_CRASH_ID_LEN + 1];
	char peer[PEER_TEXT];
	int err; /* the collector's local error: the session failed */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void peer_text(const void *sa, size_t len, char *out, size_t n)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, (socklen_t)len, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, serv);
}

/* --- the receiver core's callbacks ---------------------------------------- */

static void *on_open(void *ctx, const uint8_t id[STREAM_CRASH_ID_LEN],
		     const void *peer, size_t peerlen)
{
	struct server *srv = ctx;
	struct collect_opts co;
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->srv = srv;
	srv->h->collect_opts(srv->h->ctx, &co);
	if (collect_init(&s->c, &co)) {
		free(s);
		return NULL;
	}
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++)
		snprintf(s->id + 2 * i, 3, "%02x", id[i]);
	peer_text(peer, peerlen, s->peer, sizeof(s->peer));
	printf("tinydump: %s: crash %s: receiving\n", s->peer, s->id);
	fflush(stdout);
	return s;
}

static int on_data(void *user, const void *buf, size_t len)
{
	struct session *s = user;

	if (s->err)
		return s->err;
	s->err = collect_feed(&s->c, buf, len);
	return s->err;
}

static void size_text(char *out, size_t n, uint64_t bytes)
{
	if (bytes >= (1u << 20))
		snprintf(out, n, "%.1f MiB", (double)bytes / (1u << 20));
	else
		snprintf(out, n, "%.1f KiB", (double)bytes / 1024);
}

static void on_close(void *user, enum netdump_rx_end how,
		     const struct netdump_rx_stats *st)
{
	struct session *s = user;
	struct server *srv = s->srv;
	struct report_net net = {.peer = s->peer, .end = how, .st = st};
	char size[32], sender[96] = "";
	int code;

	if (s->err) {
		fprintf(stderr, "tinydump: %s: crash %s: %s\n", s->peer, s->id,
			strerror(-s->err));
		code = EXIT_ERROR;
	} else {
		code = srv->h->conclude(srv->h->ctx, &s->c,
					collect_finish(&s->c), &net);
	}
	size_text(size, sizeof(size), st->bytes);
	if (st->finished)
		snprintf(sender, sizeof(sender),
			 ", %" PRIu64 " packets, %" PRIu64
			 " retransmitted by the board",
			 st->sender_sent, st->sender_retransmits);
	printf("tinydump: %s: crash %s: %s dump%s%s (%s, %s, %.1f s%s, %" PRIu64
	       " duplicate)\n",
	       s->peer, s->id,
	       code == EXIT_COMPLETE  ? "complete"
	       : code == EXIT_PARTIAL ? "PARTIAL"
				      : "FAILED",
	       s->c.dir ? " in " : "", s->c.dir ? s->c.dir : "",
	       report_net_end_name(how), size, st->ended - st->started, sender,
	       st->duplicates);
	fflush(stdout);
	srv->ended++;
	srv->complete += code == EXIT_COMPLETE;
	srv->partial += code == EXIT_PARTIAL;
	srv->failed += code == EXIT_ERROR;
	if (srv->ended == 1)
		srv->first_code = code;
	collect_free(&s->c);
	free(s);
}

static void on_send(void *ctx, const void *peer, size_t peerlen,
		    const void *pkt, size_t len)
{
	struct server *srv = ctx;

	/* A full send buffer drops the reply: the sender's timers cover it. */
	(void)sendto(srv->fd, pkt, len, MSG_DONTWAIT, peer, (socklen_t)peerlen);
}

/* --- the socket
 * --------------------------------------------------------------- */

static int open_socket(const char *spec, char *shown, size_t n)
{
	struct addrinfo hints = {0}, *res, *ai;
	const char *orig = spec;
	char host[256], port[16];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, ret, buf = SOCKET_BUF;
	char *end;
	unsigned long p;

	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (hl >= sizeof(host) || !hl)
			goto bad;
		memcpy(host, spec, hl);
		host[hl] = 0;
		if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = 0;
		}
		spec = colon + 1;
	}
	errno = 0;
	p = strtoul(spec, &end, 10);
	if (!*spec || *end || errno || p > 65535)
		goto bad;
	snprintf(port, sizeof(port), "%lu", p);
	hints.ai_family = colon ? AF_UNSPEC : AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(colon ? host : NULL, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "tinydump: --udp %s: %s\n", orig,
			gai_strerror(ret));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		ret = errno;
		close(fd);
		fd = -1;
		errno = ret;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "tinydump: cannot listen on UDP %s: %s\n", orig,
			strerror(errno));
		return -1;
	}
	/* Many boards' bursts land here while a vmcore is being written. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		peer_text(&ss, sl, shown, n);
	return fd;
bad:
	fprintf(stderr, "tinydump: --udp wants [ADDR:]PORT, got '%s'\n", orig);
	return -1;
}

/* Take every datagram waiting (bounded); -1 on a socket error. */
static int drain(struct server *srv)
{
	static uint8_t buf[65536];
	struct sockaddr_storage from;

	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(srv->fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			/* ICMP errors of earlier replies: not ours to mind. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH)
				continue;
			fprintf(stderr, "tinydump: udp: %s\n", strerror(errno));
			return -1;
		}
		netdump_rx_input(&srv->rx, buf, (size_t)n, &from, fl, now_s());
	}
	return 0;
}

int udp_recv_run(const struct udp_recv_opts *o, const struct udp_recv_hooks *h)
{
	const struct netdump_rx_ops ops = {
	    .open = on_open,
	    .data = on_data,
	    .close = on_close,
	    .send = on_send,
	};
	struct server srv = {.o = o, .h = h};
	char shown[PEER_TEXT] = "?";
	struct pollfd pfd;
	int err = 0;

	srv.fd = open_socket(o->bind, shown, sizeof(shown));
	if (srv.fd < 0)
		return EXIT_ERROR;
	if (netdump_rx_init(&srv.rx, &ops, o->max_sessions)) {
		close(srv.fd);
		return EXIT_ERROR;
	}
	srv.rx.ops.ctx = &srv;
	printf("tinydump: listening on %s (udp)\n", shown);
	fflush(stdout);
	pfd.fd = srv.fd;
	pfd.events = POLLIN;
	while (!*h->stop && !(o->once && srv.ended)) {
		int ret = poll(&pfd, 1, POLL_MS);

		if (ret < 0 && errno != EINTR) {
			err = -1;
			break;
		}
		if (ret > 0 && drain(&srv)) {
			err = -1;
			break;
		}
		netdump_rx_flush(&srv.rx);
		netdump_rx_expire(&srv.rx, now_s(), o->timeout);
	}
	/* Interrupted, --once, or a socket error: what arrived is written. */
	netdump_rx_stop(&srv.rx, now_s());
	netdump_rx_free(&srv.rx);
	close(srv.fd);
	if (err)
		return EXIT_ERROR;
	if (o->once)
		return srv.ended ? srv.first_code : EXIT_ERROR;
	return srv.failed    ? EXIT_ERROR
	       : srv.partial ? EXIT_PARTIAL
			     : EXIT_COMPLETE;
}
