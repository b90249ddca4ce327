/* SPDX-License-Identifier: MIT */
/*
 * The network sink (tinydump.sink=net): the record stream to a receiver
 * (`tinydump recv --udp`) with the reliable dump protocol of
 * payload/netdump_tx.c over a datagram link (payload/net/dgram.h).
 * open() heralds, write() queues a record (blocking, boundedly, while the
 * window is full), close() drains and finishes.  docs/netdump-protocol.md.
 */
#ifndef TINYDUMP_PAYLOAD_SINK_NET_H
#define TINYDUMP_PAYLOAD_SINK_NET_H

#include <stdint.h>

#include "payload/net/dgram.h"
#include "payload/netdump_tx.h"
#include "payload/sink.h"

/*
 * The unacknowledged tail of earlier records (docs/memory.md): with it
 * the window stays open across record boundaries instead of draining to
 * zero at each; packets of the record being written need no copy.
 */
#define NET_SINK_CARRY_SIZE 4096u

struct net_sink {
	struct sink sink; /* first: the sink interface */
	struct netdump_tx tx;
	uint64_t opened_us; /* when the receiver answered */
	uint8_t carry[NET_SINK_CARRY_SIZE];
};

/**
 * net_sink_init() - a network sink over @link
 * @ns:   the sink's state (static: about 19 KiB, docs/memory.md)
 * @link: the datagram path to the receiver, up already
 * @p:    timeouts, or NULL for the documented defaults (30 s herald,
 *        20 s without progress)
 *
 * Return: 0, -ENODEV without a usable link, -EINVAL when the link's MTU is
 * too small for the protocol.
 */
int net_sink_init(struct net_sink *ns, const struct dgram_link *link,
		  const struct netdump_tx_params *p);

#endif
