/* SPDX-License-Identifier: MIT */
/*
 * A datagram path to one peer, independent of what carries it: the
 * reliable dump protocol runs over this; payload/net/udp_link.c provides
 * one over UDP/IPv4.
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
