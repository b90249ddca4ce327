// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the reliable dump protocol's receiver core
 * (host-tools/netdump_rx.c): the input is datagrams as [u8 peer][u16 LE
 * length][bytes]; each gets the magic, our version and a valid CRC, so
 * the fuzzer reaches everything behind the envelope check.  Invariants
 * trap: bytes are delivered in order and only to open sessions, a session
 * is closed once, and replies are well-formed packets of ours.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host-tools/netdump_rx.h"

#define PEERS 3

struct owner {
	bool open;
	uint64_t bytes;
};

static struct owner owners[NETDUMP_RX_SESSIONS];
static volatile unsigned sink;

static void *on_open(void *ctx, const uint8_t id[STREAM_CRASH_ID_LEN],
		     const void *peer, size_t peerlen)
{
	(void)ctx;
	(void)id;
	(void)peer;
	if (peerlen != 1)
		__builtin_trap();
	for (unsigned i = 0; i < NETDUMP_RX_SESSIONS; i++) {
		if (!owners[i].open) {
			owners[i].open = true;
			owners[i].bytes = 0;
			return &owners[i];
		}
	}
	return NULL;
}

static int on_data(void *user, const void *buf, size_t len)
{
	struct owner *o = user;
	const uint8_t *b = buf;

	if (!o->open || !len || len > NETDUMP_CHUNK_MAX)
		__builtin_trap();
	for (size_t i = 0; i < len; i++)
		sink += b[i];
	o->bytes += len;
	return 0;
}

static void on_close(void *user, enum netdump_rx_end how,
		     const struct netdump_rx_stats *st)
{
	struct owner *o = user;

	if (!o->open || st->bytes != o->bytes ||
	    (how == NETDUMP_RX_FINISHED && st->total != o->bytes))
		__builtin_trap();
	o->open = false;
}

static void on_send(void *ctx, const void *peer, size_t peerlen,
		    const void *pkt, size_t len)
{
	(void)ctx;
	(void)peer;
	if (peerlen != 1 || len > NETDUMP_PKT_MAX ||
	    !netdump_pkt_check(pkt, len))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[65536];
	const struct netdump_rx_ops ops = {
	    .open = on_open,
	    .data = on_data,
	    .close = on_close,
	    .send = on_send,
	};
	struct netdump_rx rx;
	double now = 0;

	if (netdump_rx_init(&rx, &ops, 4))
		return 0;
	while (size >= 3) {
		uint8_t peer = data[0] % PEERS;
		size_t len = (size_t)(data[1] | data[2] << 8);

		data += 3;
		size -= 3;
		len = len < size ? len : size;
		memcpy(pkt, data, len);
		data += len;
		size -= len;
		if (len >= NETDUMP_HDR_SIZE) {
			pkt[NETDUMP_OFF_MAGIC] = NETDUMP_MAGIC0;
			pkt[NETDUMP_OFF_MAGIC + 1] = NETDUMP_MAGIC1;
			if (pkt[NETDUMP_OFF_VERSION] != NETDUMP_VERSION + 1)
				pkt[NETDUMP_OFF_VERSION] = NETDUMP_VERSION;
			netdump_seal(pkt, len);
		}
		now += 0.5;
		netdump_rx_input(&rx, pkt, len, &peer, 1, now);
		if (peer == 2)
			netdump_rx_flush(&rx);
		netdump_rx_expire(&rx, now, 30);
	}
	netdump_rx_flush(&rx);
	netdump_rx_stop(&rx, now);
	netdump_rx_free(&rx);
	for (unsigned i = 0; i < NETDUMP_RX_SESSIONS; i++)
		if (owners[i].open)
			__builtin_trap();
	return 0;
}
