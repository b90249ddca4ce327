// SPDX-License-Identifier: MIT
/*
 * The network sink: a struct sink over the reliable dump protocol's sender
 * (payload/netdump_tx.c).  It adds the console lines a person watching the
 * board wants: who answered, and what the transfer cost.
 */
#include <errno.h>

#include "drivers/timer.h"
#include "payload/log.h"
#include "payload/sink_net.h"

static int net_open(struct sink *s, const uint8_t id[STREAM_CRASH_ID_LEN])
{
	struct net_sink *ns = (struct net_sink *)s;
	uint64_t t0 = timer_now_us();
	int ret;

	log_printf("net: heralding the receiver (%u-byte chunks)\n",
		   ns->tx.chunk);
	ret = netdump_tx_open(&ns->tx, id);
	if (ret)
		return ret;
	ns->opened_us = timer_now_us();
	log_printf("net: the receiver answered in %lu ms; window %u chunks\n",
		   (unsigned long)((ns->opened_us - t0) / 1000), ns->tx.window);
	return 0;
}

static int net_write(struct sink *s, const void *rec, size_t len)
{
	struct net_sink *ns = (struct net_sink *)s;

	return netdump_tx_write(&ns->tx, rec, len);
}

static int net_close(struct sink *s, unsigned status)
{
	struct net_sink *ns = (struct net_sink *)s;
	const struct netdump_tx_stats *st = &ns->tx.stats;
	int ret = netdump_tx_close(&ns->tx, status);

	if (ret) {
		log_printf("net: the receiver did not confirm the dump (%d): "
			   "%lu of %lu bytes acknowledged\n",
			   ret, (unsigned long)ns->tx.una,
			   (unsigned long)ns->tx.stored);
		return ret;
	}
	log_printf("net: %lu bytes confirmed in %lu ms: %lu packets, %lu "
		   "retransmitted (%u timeouts), round trip %u us\n",
		   (unsigned long)ns->tx.stored,
		   (unsigned long)((timer_now_us() - ns->opened_us) / 1000),
		   (unsigned long)st->data_sent, (unsigned long)st->retransmits,
		   st->timeouts, st->srtt_us);
	return 0;
}

static const struct sink_ops net_sink_ops = {
    .open = net_open,
    .write = net_write,
    .close = net_close,
};

int net_sink_init(struct net_sink *ns, const struct dgram_link *link,
		  const struct netdump_tx_params *p)
{
	int ret;

	ns->sink.ops = &net_sink_ops;
	ns->sink.name = "net";
	ns->sink.error = 0;
	ns->sink.bytes = 0;
	ns->sink.capacity = 0;
	ns->opened_us = 0;
	ret = netdump_tx_init(&ns->tx, link, ns->carry, sizeof(ns->carry), p);
	if (ret)
		ns->sink.error = ret;
	return ret;
}
