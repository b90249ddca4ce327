// SPDX-License-Identifier: MIT
/*
 * netdump-send: a board's network sink without the board.  Sends a saved
 * record stream (a stream.tdr) through the payload's own net sink
 * (payload/sink_net.c over payload/netdump_tx.c, built for the host) on a
 * real UDP socket, so `tinydump recv --udp` can be tested and measured
 * without QEMU: through tests/net/lossy_proxy.py, several at once, or
 * with nobody listening.  The clock is CLOCK_MONOTONIC; the link does
 * what the payload's UDP stack does (ICMP errors ignored, -EAGAIN when
 * the socket buffer is full).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/timer.h"
#include "payload/log.h"
#include "payload/sink_net.h"

/* Empty polls of the socket before the link sleeps in poll(): a spinning
 * sender would starve the receiver and the proxy on a small machine. */
#define IDLE_SPINS   256
#define IDLE_WAIT_MS 1

uint64_t timer_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void timer_delay_us(uint64_t us)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
			      .tv_nsec = (long)(us % 1000000u) * 1000};

	nanosleep(&ts, NULL);
}

struct udp_link {
	int fd;
	unsigned empty;
	uint64_t sent, eagain;
};

static int udp_send(void *ctx, const void *buf, size_t len)
{
	struct udp_link *u = ctx;

	u->empty = 0;
	if (send(u->fd, buf, len, MSG_DONTWAIT) == (ssize_t)len) {
		u->sent++;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		u->eagain++;
		return -EAGAIN;
	}
	return errno == ECONNREFUSED ? 0 : -errno; /* ICMP: as if lost */
}

static int udp_recv(void *ctx, void *buf, size_t cap)
{
	struct udp_link *u = ctx;
	ssize_t n = recv(u->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);

	if (n >= 0) {
		u->empty = 0;
		return n > (ssize_t)cap ? -EMSGSIZE : (int)n;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED &&
	    errno != EINTR)
		return -errno;
	if (++u->empty >= IDLE_SPINS) {
		struct pollfd p = {.fd = u->fd, .events = POLLIN};

		u->empty = 0;
		poll(&p, 1, IDLE_WAIT_MS);
	}
	return 0;
}

static int connect_udp(const char *spec)
{
	struct addrinfo hints = {0}, *res, *ai;
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t n;
	int fd = -1, ret, buf = 4 << 20;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	n = (size_t)(colon - spec);
	memcpy(host, spec, n);
	host[n] = 0;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	ret = getaddrinfo(host, colon + 1, &hints, &res);
	if (ret) {
		fprintf(stderr, "netdump-send: %s: %s\n", spec,
			gai_strerror(ret));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	return fd;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = (size_t)st.st_size;
	*out = malloc(*len ? *len : 1);
	while (*out && got < *len) {
		ssize_t n = read(fd, *out + got, *len - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return *out && got == *len ? 0 : -1;
}

static int hex_id(const char *s, uint8_t id[STREAM_CRASH_ID_LEN])
{
	if (strlen(s) != 2 * STREAM_CRASH_ID_LEN)
		return -1;
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		id[i] = (uint8_t)v;
	}
	return 0;
}

/* The next record of a stream.tdr, or a 64 KiB piece of anything else. */
static size_t next_piece(const uint8_t *b, size_t left)
{
	if (left >= STREAM_REC_MIN && b[0] == STREAM_MAGIC0 &&
	    b[1] == STREAM_MAGIC1) {
		uint32_t n = stream_get32(b + STREAM_REC_OFF_LEN);

		if (n >= STREAM_REC_MIN && n <= left)
			return n;
	}
	return left < 65536 ? left : 65536;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: netdump-send --to HOST:PORT --stream FILE [--id HEX32]\n"
	    "         [--mtu N] [--herald-timeout S] [--stall-timeout S]\n"
	    "         [--status N] [--quiet]\n"
	    "Sends FILE (records back to back, e.g. a stream.tdr) with the\n"
	    "payload's net sink over UDP, as a board with tinydump.sink=net\n"
	    "would; prints one JSON line of counters.  Exit status: 0 the\n"
	    "receiver confirmed the stream, 3 the sender gave up, 1 error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"to", required_argument, NULL, 't'},
	    {"stream", required_argument, NULL, 's'},
	    {"id", required_argument, NULL, 'i'},
	    {"mtu", required_argument, NULL, 'm'},
	    {"herald-timeout", required_argument, NULL, 'H'},
	    {"stall-timeout", required_argument, NULL, 'S'},
	    {"status", required_argument, NULL, 'x'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct net_sink ns;
	struct netdump_tx_params p = {0};
	struct udp_link u = {0};
	struct dgram_link link = {.send = udp_send,
				  .recv = udp_recv,
				  .ctx = &u,
				  .mtu = NETDUMP_PKT_MAX};
	const char *to = NULL, *path = NULL, *text;
	uint8_t id[STREAM_CRASH_ID_LEN] = {0x74, 0x64}, *data;
	unsigned status = STREAM_STATUS_COMPLETE;
	bool quiet = false;
	size_t len, off, tlen;
	uint64_t t0;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			to = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case 'i':
			if (hex_id(optarg, id)) {
				fprintf(stderr, "netdump-send: --id wants 32 "
						"hex digits\n");
				return 1;
			}
			break;
		case 'm':
			link.mtu = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			p.herald_timeout_ms = (uint32_t)(atof(optarg) * 1000);
			break;
		case 'S':
			p.stall_timeout_ms = (uint32_t)(atof(optarg) * 1000);
			break;
		case 'x':
			status = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!to || !path || optind != argc) {
		usage(stderr);
		return 1;
	}
	if (read_file(path, &data, &len)) {
		fprintf(stderr, "netdump-send: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	u.fd = connect_udp(to);
	if (u.fd < 0) {
		fprintf(stderr, "netdump-send: cannot reach %s\n", to);
		return 1;
	}
	ret = net_sink_init(&ns, &link, &p);
	t0 = timer_now_us();
	if (!ret)
		ret = ns.sink.ops->open(&ns.sink, id);
	for (off = 0; !ret && off < len;) {
		size_t n = next_piece(data + off, len - off);

		ret = ns.sink.ops->write(&ns.sink, data + off, n);
		off += n;
	}
	if (ns.sink.ops) {
		int cret = ns.sink.ops->close(&ns.sink, status);

		ret = ret ? ret : cret;
	}
	if (!quiet) {
		log_captured(&text, &tlen);
		fwrite(text, 1, tlen, stderr);
	}
	printf("{\"ok\": %s, \"error\": %d, \"error_text\": \"%s\", "
	       "\"bytes\": %zu, \"acked\": %" PRIu64 ", \"chunk\": %u, "
	       "\"packets\": %" PRIu64 ", \"retransmits\": %" PRIu64
	       ", \"fast_retransmits\": %" PRIu64 ", \"timeouts\": %u, "
	       "\"heralds\": %u, \"finishes\": %u, \"bad_packets\": %u, "
	       "\"max_inflight\": %u, \"srtt_us\": %u, \"eagain\": %" PRIu64
	       ", \"seconds\": %.3f}\n",
	       ret ? "false" : "true", ret, ret ? strerror(-ret) : "", len,
	       ns.tx.stats.bytes, ns.tx.chunk, ns.tx.stats.data_sent,
	       ns.tx.stats.retransmits, ns.tx.stats.fast_retransmits,
	       ns.tx.stats.timeouts, ns.tx.stats.heralds, ns.tx.stats.finishes,
	       ns.tx.stats.bad_packets, ns.tx.stats.max_inflight,
	       ns.tx.stats.srtt_us, u.eagain,
	       (double)(timer_now_us() - t0) / 1e6);
	close(u.fd);
	free(data);
	return ret == 0 ? 0 : ret == -EINVAL || ret == -ENODEV ? 1 : 3;
}
