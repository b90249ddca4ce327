/* SPDX-License-Identifier: MIT */
/*
 * The sending side of the reliable dump protocol (docs/netdump-protocol.md)
 * over one datagram link (payload/net/dgram.h): herald, DATA packets
 * carrying the record stream at 64-bit stream offsets, a sliding window of
 * up to NETDUMP_WINDOW_MAX chunks with cumulative and selective ACKs,
 * retransmission on an RTT-derived timer with exponential back-off, and the
 * FINISH handshake.  Every wait is bounded: no herald answer within
 * NETDUMP_HERALD_TIMEOUT_MS, or no progress for NETDUMP_STALL_TIMEOUT_MS,
 * gives -ETIMEDOUT.
 *
 * Memory: nothing is copied while a write() is in progress: packets are
 * built from the caller's record.  Only the unacknowledged tail that is
 * still in flight when write() returns is kept, in a caller-provided carry
 * ring; the bytes in flight are therefore at most carry + one record.
 */
#ifndef TINYDUMP_PAYLOAD_NETDUMP_TX_H
#define TINYDUMP_PAYLOAD_NETDUMP_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/net/dgram.h"
#include "payload/netdump.h"

/* Received datagrams larger than this are not ours (an ACK is 56 bytes). */
#define NETDUMP_TX_IN_MAX 128
/* Datagrams taken from the link per service round, so sending goes on. */
#define NETDUMP_TX_RX_BURST 32

/* Timeouts; 0 in a field means the NETDUMP_* default. */
struct netdump_tx_params {
	uint32_t herald_timeout_ms;
	uint32_t stall_timeout_ms;
};

/* What the sender did; the FINISH packet carries the first few. */
struct netdump_tx_stats {
	uint64_t data_sent;	   /* DATA packets, retransmissions included */
	uint64_t retransmits;	   /* DATA packets sent again */
	uint64_t fast_retransmits; /* ... of which on SACK evidence */
	uint64_t bytes;		   /* stream bytes acknowledged */
	uint32_t timeouts;	   /* retransmission timer expiries */
	uint32_t heralds;	   /* HERALD packets sent */
	uint32_t finishes;	   /* FINISH packets sent */
	uint32_t acks;		   /* ACKs taken */
	uint32_t bad_packets;	   /* datagrams ignored: garbage, stale, foreign */
	uint32_t send_errors;	   /* link send() failures other than -EAGAIN */
	uint32_t recv_errors;	   /* link recv() failures */
	uint32_t max_inflight;	   /* most chunks in flight at once */
	uint32_t srtt_us;	   /* smoothed round trip (0: no sample) */
	uint32_t rto_us;	   /* retransmission timeout now */
};

/* Per chunk of the window: when it last went out, and what is known. */
struct netdump_slot {
	uint32_t sent_us; /* low 32 bits of timer_now_us() */
	uint32_t serial;  /* order of that transmission among all */
	uint8_t tries;	  /* transmissions */
	uint8_t sacked;	  /* the receiver has it (selective ACK) */
	uint16_t reserved;
};

enum netdump_tx_state {
	NETDUMP_TX_IDLE,   /* initialised, not heralded */
	NETDUMP_TX_OPEN,   /* session up: writes go out */
	NETDUMP_TX_CLOSED, /* FINISH answered */
};

struct netdump_tx {
	const struct dgram_link *link;
	struct netdump_tx_params p;
	enum netdump_tx_state state;
	int error; /* first failure: every later call returns it */
	uint8_t id[STREAM_CRASH_ID_LEN];
	uint16_t chunk;	 /* data bytes per DATA packet */
	uint16_t window; /* chunks in flight at most: ours, the receiver's */

	/* Stream offsets in bytes: [una, sent_end) is in flight, chunk-aligned
	 * except at the very end; the carry holds [una, stored). */
	uint64_t una;	   /* everything below is acknowledged */
	uint64_t nxt;	   /* the next chunk never sent starts here */
	uint64_t sent_end; /* end of the highest byte sent */
	uint64_t stored;   /* bytes taken from the caller so far */
	uint8_t *carry;
	size_t carry_size;
	/* The record of the write() in progress: bytes [stored, stored+len). */
	const uint8_t *rec;
	size_t rec_len;

	uint32_t serial; /* DATA transmissions, numbered */

	/* Round trip estimation (RFC 6298) and back-off. */
	uint32_t srtt_us, rttvar_us, rto_us;
	unsigned backoff;
	bool have_rtt;
	uint64_t progress_us; /* last progress, or start of the current wait */

	/* FINISH handshake */
	bool finished;
	uint32_t fin_sent_us;

	struct netdump_tx_stats stats;
	struct netdump_slot slot[NETDUMP_WINDOW_MAX];
	uint8_t pkt[NETDUMP_PKT_MAX];
	uint8_t in[NETDUMP_TX_IN_MAX];
};

/**
 * netdump_tx_init() - set up a sender over @link
 * @tx:         the state (static memory of the caller's)
 * @link:       the datagram path to the receiver
 * @carry:      ring for the unacknowledged tail of earlier records
 * @carry_size: its size: at least two chunks; more keeps more in flight
 *              across record boundaries (docs/netdump-protocol.md)
 * @p:          timeouts, or NULL for the defaults
 *
 * The chunk size is the link's MTU (at most NETDUMP_PKT_MAX) less the
 * DATA header.
 *
 * Return: 0, -ENODEV without a usable link, -EINVAL when the MTU leaves
 * less than NETDUMP_CHUNK_MIN bytes per packet or the carry is too small.
 */
int netdump_tx_init(struct netdump_tx *tx, const struct dgram_link *link,
		    uint8_t *carry, size_t carry_size,
		    const struct netdump_tx_params *p);

/**
 * netdump_tx_open() - herald the receiver and wait for its answer
 * @tx: the sender, after netdump_tx_init()
 * @id: the crash id, carried by every packet: the receiver's session key
 *
 * Heralds are repeated with back-off (NETDUMP_RTO_INIT_US doubling up to
 * NETDUMP_RTO_MAX_US) until the receiver answers.
 *
 * Return: 0; -ETIMEDOUT with no answer within the herald timeout;
 * -ENOTSUP when the receiver speaks another major version; -EINVAL when it
 * refused our parameters; -ECONNRESET when it aborted the session.
 */
int netdump_tx_open(struct netdump_tx *tx,
		    const uint8_t id[STREAM_CRASH_ID_LEN]);

/**
 * netdump_tx_write() - queue stream bytes (one record, or any cut)
 * @tx:  an open sender
 * @buf: the bytes; only read until this call returns
 * @len: how many
 *
 * Sends what the window allows and returns once what is not yet
 * acknowledged fits in the carry ring, polling the link meanwhile (a full
 * window blocks here, boundedly).
 *
 * Return: 0; -ETIMEDOUT when nothing was acknowledged for the stall
 * timeout; -ECONNRESET when the receiver aborted; an earlier error again.
 */
int netdump_tx_write(struct netdump_tx *tx, const void *buf, size_t len);

/**
 * netdump_tx_close() - send the rest, wait for it, then FINISH
 * @tx:     an open sender
 * @status: STREAM_STATUS_* of the dump, passed on to the receiver
 *
 * Return: 0 once the receiver confirmed the whole stream; -ETIMEDOUT,
 * -ECONNRESET or -EPROTO on failure; an earlier error again without
 * sending anything.
 */
int netdump_tx_close(struct netdump_tx *tx, unsigned status);

/**
 * netdump_tx_inflight() - chunks sent and not yet cumulatively acknowledged
 * @tx: the sender
 * Return: the count.
 */
uint32_t netdump_tx_inflight(const struct netdump_tx *tx);

#endif
