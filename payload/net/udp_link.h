/* SPDX-License-Identifier: MIT */
/*
 * A struct dgram_link over UDP/IPv4: datagrams between one local port and
 * one peer address and port.  No queue: recv() polls the NIC one frame at
 * a time and stops at the first datagram from the peer, so what arrives
 * stays in the NIC's ring until asked for.
 */
#ifndef TINYDUMP_PAYLOAD_NET_UDP_LINK_H
#define TINYDUMP_PAYLOAD_NET_UDP_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "payload/net/dgram.h"
#include "payload/net/net.h"

struct udp_link_stats {
	uint64_t foreign;	/* to our port from another address or port */
	uint64_t missed;	/* from the peer while no recv() waited */
	uint64_t too_big;	/* longer than recv()'s @cap: dropped */
	uint64_t empty;		/* zero-length datagrams: dropped */
};

struct udp_link {
	struct dgram_link link;	/* give &ul->link to the protocol */
	struct net_stack *s;
	uint32_t peer_ip;
	uint16_t peer_port, local_port;
	/* The recv() under way. */
	void *rx_buf;
	size_t rx_cap;
	int rx_got;		/* length, -EMSGSIZE, or 0: nothing yet */
	bool rx_done;
	struct udp_link_stats stats;
};

/**
 * udp_link_init() - a link from @local_port to @peer_ip:@peer_port.
 * @ul: the link; ul->link is what the protocol uses, mtu NET_UDP_MAX
 * @s:  a stack from net_init()
 *
 * link.send(): net_udp_send(): 0; -EAGAIN while ARP resolves the next hop
 * or the TX ring is full; -EHOSTUNREACH when ARP gave up (for
 * NET_ARP_HOLDOFF_US, then it tries again); -EMSGSIZE over mtu.
 * link.recv(): takes up to NET_POLL_BUDGET frames, acting on each (ARP,
 * other ports), until a datagram from the peer's address and port comes:
 * its length; 0 when none came; -EMSGSIZE when it was longer than @cap
 * (dropped); the NIC's -errno.  Datagrams from elsewhere are dropped.
 *
 * Return: 0; -EINVAL (NULL, zero address or port); -EADDRINUSE or
 * -ENOSPC from net_udp_bind().
 */
int udp_link_init(struct udp_link *ul, struct net_stack *s, uint32_t peer_ip,
		  uint16_t peer_port, uint16_t local_port);

/** udp_link_close() - unbind the local port. */
void udp_link_close(struct udp_link *ul);

#endif
