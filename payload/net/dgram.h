/* SPDX-License-Identifier: MIT */
/*
 * The datagram link the reliable dump protocol (payload/netdump_tx.c,
 * docs/netdump-protocol.md) runs over: one peer, unreliable datagrams.
 * The payload's UDP/IPv4 stack provides one; host tests provide others
 * (a real UDP socket, a simulated lossy link).
 */
#ifndef TINYDUMP_PAYLOAD_NET_DGRAM_H
#define TINYDUMP_PAYLOAD_NET_DGRAM_H

#include <stddef.h>

/* A datagram path to one peer: what the reliable dump protocol runs over. */
struct dgram_link {
	/* Send one datagram to the peer: 0, or -EAGAIN (try later), -errno. */
	int (*send)(void *ctx, const void *buf, size_t len);
	/* One datagram from the peer into @buf: its length, 0 when none is
	 * waiting, or -errno. Also services the network (ARP replies...). */
	int (*recv)(void *ctx, void *buf, size_t cap);
	void *ctx;
	size_t mtu;	/* the largest datagram payload send() takes */
};

#endif
