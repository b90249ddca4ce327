// SPDX-License-Identifier: MIT
/*
 * struct dgram_link over the UDP stack: send() is net_udp_send(); recv()
 * polls frame by frame and a port handler hands the peer's datagram
 * straight into the caller's buffer (no copy kept in between).
 */
#include <errno.h>
#include <string.h>

#include "payload/net/udp_link.h"

static void udp_link_rx(void *ctx, const struct net_udp_meta *m,
			const void *data, size_t len)
{
	struct udp_link *ul = ctx;

	if (m->src_ip != ul->peer_ip || m->src_port != ul->peer_port) {
		ul->stats.foreign++;
		return;
	}
	if (!len) {
		/* 0 would read as "nothing waiting". */
		ul->stats.empty++;
		return;
	}
	if (!ul->rx_buf || ul->rx_done) {
		ul->stats.missed++;
		return;
	}
	ul->rx_done = true;
	if (len > ul->rx_cap) {
		ul->stats.too_big++;
		ul->rx_got = -EMSGSIZE;
		return;
	}
	memcpy(ul->rx_buf, data, len);
	ul->rx_got = (int)len;
}

static int udp_link_send(void *ctx, const void *buf, size_t len)
{
	struct udp_link *ul = ctx;

	if (!len)
		return -EINVAL;
	return net_udp_send(ul->s, ul->local_port, ul->peer_ip, ul->peer_port,
			    buf, len);
}

static int udp_link_recv(void *ctx, void *buf, size_t cap)
{
	struct udp_link *ul = ctx;
	int ret = 0;

	if (!buf || !cap)
		return -EINVAL;
	ul->rx_buf = buf;
	ul->rx_cap = cap;
	ul->rx_got = 0;
	ul->rx_done = false;
	/* One frame at a time: the next datagram stays in the NIC. */
	for (unsigned i = 0; i < NET_POLL_BUDGET && !ul->rx_done; i++) {
		ret = net_poll_budget(ul->s, 1);
		if (ret <= 0)
			break;
	}
	ul->rx_buf = NULL;
	if (ul->rx_done)
		return ul->rx_got;
	return ret < 0 ? ret : 0;
}

int udp_link_init(struct udp_link *ul, struct net_stack *s, uint32_t peer_ip,
		  uint16_t peer_port, uint16_t local_port)
{
	int ret;

	if (!ul || !s || !s->nic || !peer_ip || peer_ip == NET_IP_BROADCAST ||
	    !peer_port || !local_port)
		return -EINVAL;
	memset(ul, 0, sizeof(*ul));
	ul->s = s;
	ul->peer_ip = peer_ip;
	ul->peer_port = peer_port;
	ul->local_port = local_port;
	ret = net_udp_bind(s, local_port, udp_link_rx, ul);
	if (ret)
		return ret;
	ul->link.send = udp_link_send;
	ul->link.recv = udp_link_recv;
	ul->link.ctx = ul;
	ul->link.mtu = NET_UDP_MAX;
	return 0;
}

void udp_link_close(struct udp_link *ul)
{
	if (ul && ul->s)
		net_udp_unbind(ul->s, ul->local_port);
}
