/* SPDX-License-Identifier: MIT */
/*
 * The reliable dump protocol's wire format, shared by the payload's sender
 * (payload/netdump_tx.c) and the host's receiver (host-tools/netdump_rx.c):
 * packet types, field offsets and sizes, status codes and the timers both
 * sides agree on.  Every field is little-endian and goes through the
 * payload/stream.h accessors; no struct is laid over wire bytes.  The
 * protocol is specified in docs/netdump-protocol.md: a change here is a
 * change there, and a new version number.
 */
#ifndef TINYDUMP_PAYLOAD_NETDUMP_H
#define TINYDUMP_PAYLOAD_NETDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/crc32c.h"
#include "payload/stream.h"

/* Major versions do not interoperate; minor ones only append fields. */
#define NETDUMP_VERSION 1
#define NETDUMP_VERSION_MINOR 0

/*
 * The receiver's UDP port when tinydump.port= does not say: "TD" in ASCII
 * (0x5444), outside IANA's well-known and registered ranges' busy spots.
 */
#define NETDUMP_PORT_DEFAULT 21572

/* --- common header: every packet starts with these 24 bytes ------------- */
#define NETDUMP_MAGIC0 0x54	   /* 'T' */
#define NETDUMP_MAGIC1 0x4e	   /* 'N' */
#define NETDUMP_OFF_MAGIC 0	   /* u8[2] "TN" */
#define NETDUMP_OFF_VERSION 2	   /* u8 NETDUMP_VERSION */
#define NETDUMP_OFF_TYPE 3	   /* u8 NETDUMP_T_* */
#define NETDUMP_OFF_CRC 4	   /* u32 CRC32C of the datagram, this field 0 */
#define NETDUMP_OFF_ID 8	   /* u8[16] the crash id (payload/stream.h) */
#define NETDUMP_HDR_SIZE 24

/* Packet types: sender -> receiver odd, receiver -> sender even, ABORT 7. */
#define NETDUMP_T_HERALD 1
#define NETDUMP_T_HERALD_ACK 2
#define NETDUMP_T_DATA 3
#define NETDUMP_T_ACK 4
#define NETDUMP_T_FINISH 5
#define NETDUMP_T_FINISH_ACK 6
#define NETDUMP_T_ABORT 7

/* HERALD: a sender asks for a session (40 bytes). */
#define NETDUMP_HERALD_OFF_MINOR 24  /* u16 NETDUMP_VERSION_MINOR */
#define NETDUMP_HERALD_OFF_CHUNK 26  /* u16 data bytes per DATA packet */
#define NETDUMP_HERALD_OFF_WINDOW 28 /* u16 chunks the sender keeps in flight */
#define NETDUMP_HERALD_OFF_FLAGS 30  /* u16 0 */
#define NETDUMP_HERALD_OFF_TSVAL 32  /* u32 sender's clock, microseconds */
#define NETDUMP_HERALD_OFF_TRY 36    /* u32 1 for the first herald, then +1 */
#define NETDUMP_HERALD_SIZE 40

/* HERALD_ACK: the receiver's answer (40 bytes). */
#define NETDUMP_HACK_OFF_MINOR 24  /* u16 the receiver's minor version */
#define NETDUMP_HACK_OFF_STATUS 26 /* u8 NETDUMP_ST_* */
#define NETDUMP_HACK_OFF_WINDOW 28 /* u16 chunks the receiver buffers */
#define NETDUMP_HACK_OFF_TSECR 32  /* u32 the herald's tsval, echoed */
#define NETDUMP_HACK_SIZE 40

/* DATA: stream bytes [offset, offset + len) (40 bytes, then the bytes). */
#define NETDUMP_DATA_OFF_OFFSET 24 /* u64 stream offset, a multiple of chunk */
#define NETDUMP_DATA_OFF_TSVAL 32  /* u32 sender's clock at this transmission */
#define NETDUMP_DATA_OFF_LEN 36	   /* u16 bytes that follow, 1..chunk */
#define NETDUMP_DATA_OFF_FLAGS 38  /* u16 0 */
#define NETDUMP_DATA_HDR_SIZE 40

/* ACK: cumulative and selective acknowledgement (56 bytes). */
#define NETDUMP_ACK_OFF_CUM 24	  /* u64 bytes [0, cum) are all received */
#define NETDUMP_ACK_OFF_TSECR 32  /* u32 tsval of the newest DATA, echoed */
#define NETDUMP_ACK_OFF_WINDOW 36 /* u16 chunks the receiver buffers */
#define NETDUMP_ACK_OFF_FLAGS 38  /* u16 0 */
#define NETDUMP_ACK_OFF_SACK 40	  /* u8[16]: bit i = chunk cum/chunk + 1 + i */
#define NETDUMP_SACK_BYTES 16
#define NETDUMP_SACK_BITS (8 * NETDUMP_SACK_BYTES)
#define NETDUMP_ACK_SIZE 56

/* FINISH: the stream's length and the sender's counters (64 bytes). */
#define NETDUMP_FIN_OFF_TOTAL 24    /* u64 stream bytes, all acknowledged */
#define NETDUMP_FIN_OFF_SENT 32	    /* u64 DATA packets sent, retransmits too */
#define NETDUMP_FIN_OFF_RETRANS 40  /* u64 of which retransmissions */
#define NETDUMP_FIN_OFF_TSVAL 48    /* u32 sender's clock */
#define NETDUMP_FIN_OFF_TIMEOUTS 52 /* u32 retransmission timer expiries */
#define NETDUMP_FIN_OFF_SRTT 56	    /* u32 smoothed round trip, microseconds */
#define NETDUMP_FIN_OFF_STATUS 60   /* u8 STREAM_STATUS_* of the dump */
#define NETDUMP_FIN_OFF_HERALDS 62  /* u16 heralds it took to get an answer */
#define NETDUMP_FIN_SIZE 64

/* FINISH_ACK: the receiver has the whole stream (40 bytes). */
#define NETDUMP_FACK_OFF_TOTAL 24  /* u64 stream bytes received */
#define NETDUMP_FACK_OFF_TSECR 32  /* u32 the FINISH's tsval, echoed */
#define NETDUMP_FACK_OFF_STATUS 36 /* u8 NETDUMP_ST_OK */
#define NETDUMP_FACK_SIZE 40

/* ABORT: the receiver will not take this session (32 bytes). */
#define NETDUMP_ABORT_OFF_REASON 24 /* u8 NETDUMP_ST_* */
#define NETDUMP_ABORT_SIZE 32

/* Status and reason codes (HERALD_ACK, FINISH_ACK, ABORT). */
#define NETDUMP_ST_OK 0
#define NETDUMP_ST_VERSION 1 /* another major version: see the header's */
#define NETDUMP_ST_BUSY 2    /* no room for a session now: herald again */
#define NETDUMP_ST_BAD 3     /* chunk size or window out of range */
#define NETDUMP_ST_UNKNOWN 4 /* no session of this crash id (restarted?) */
#define NETDUMP_ST_EXPIRED 5 /* the session went silent and was closed */
#define NETDUMP_ST_FAILED 6  /* the receiver could not store the stream */
#define NETDUMP_ST_DONE 7    /* this crash was already received whole */

/* --- sizes ------------------------------------------------------------- */
/*
 * The largest datagram either side sends: Ethernet's 1500-byte MTU less
 * the IPv4 (RFC 791, 20 bytes without options) and UDP (RFC 768, 8 bytes)
 * headers, so nothing is ever fragmented.
 */
#define NETDUMP_PKT_MAX 1472
#define NETDUMP_CHUNK_MAX (NETDUMP_PKT_MAX - NETDUMP_DATA_HDR_SIZE) /* 1432 */
/* Below this a link's MTU is useless for dumping (RFC 791's 576-byte
 * minimum datagram leaves 508 bytes of UDP payload). */
#define NETDUMP_CHUNK_MIN 256
/* Chunks in flight at most: the SACK bitmap covers all but the first. */
#define NETDUMP_WINDOW_MAX 128

/* --- timers (docs/netdump-protocol.md, "Timers") ------------------------ */
#define NETDUMP_HERALD_TIMEOUT_MS 30000 /* no HERALD_ACK: give up */
#define NETDUMP_STALL_TIMEOUT_MS 20000	/* no progress while waiting: give up */
#define NETDUMP_RTO_INIT_US 250000	/* before the first round trip sample */
#define NETDUMP_RTO_MIN_US 50000
#define NETDUMP_RTO_MAX_US 2000000 /* back-off cap */
/* Receiver: a session silent this long is closed as partial (default). */
#define NETDUMP_SESSION_TIMEOUT_S 60

/* --- helpers ------------------------------------------------------------ */

/**
 * netdump_hdr_put() - write the common header (CRC left 0)
 * @p:    the packet's first NETDUMP_HDR_SIZE bytes
 * @type: NETDUMP_T_*
 * @id:   the crash id
 */
static inline void netdump_hdr_put(uint8_t *p, uint8_t type,
				   const uint8_t id[STREAM_CRASH_ID_LEN])
{
	p[NETDUMP_OFF_MAGIC] = NETDUMP_MAGIC0;
	p[NETDUMP_OFF_MAGIC + 1] = NETDUMP_MAGIC1;
	p[NETDUMP_OFF_VERSION] = NETDUMP_VERSION;
	p[NETDUMP_OFF_TYPE] = type;
	stream_put32(p + NETDUMP_OFF_CRC, 0);
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++)
		p[NETDUMP_OFF_ID + i] = id[i];
}

/* CRC32C of a packet whose CRC field reads as 0. */
static inline uint32_t netdump_crc(const uint8_t *p, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = crc32c(0, p, NETDUMP_OFF_CRC);

	crc = crc32c(crc, zero, sizeof(zero));
	return crc32c(crc, p + NETDUMP_OFF_CRC + 4, len - NETDUMP_OFF_CRC - 4);
}

/** netdump_seal() - fill in the CRC of a finished packet of @len bytes. */
static inline void netdump_seal(uint8_t *p, size_t len)
{
	stream_put32(p + NETDUMP_OFF_CRC, netdump_crc(p, len));
}

/**
 * netdump_pkt_check() - is this one of our packets, whole and unharmed
 * @p:   a received datagram
 * @len: its length
 *
 * Checks the magic, the length of the common header and the CRC.  The
 * version and the type-specific length are the caller's to check (a
 * packet of another major version is still worth an answer).
 *
 * Return: true if the envelope is good.
 */
static inline bool netdump_pkt_check(const uint8_t *p, size_t len)
{
	return len >= NETDUMP_HDR_SIZE && len <= 65535 &&
	       p[NETDUMP_OFF_MAGIC] == NETDUMP_MAGIC0 &&
	       p[NETDUMP_OFF_MAGIC + 1] == NETDUMP_MAGIC1 &&
	       stream_get32(p + NETDUMP_OFF_CRC) == netdump_crc(p, len);
}

/**
 * netdump_min_size() - the smallest valid length of a packet type
 * @type: NETDUMP_T_*
 * Return: the size, or 0 for an unknown type.
 */
static inline size_t netdump_min_size(uint8_t type)
{
	switch (type) {
	case NETDUMP_T_HERALD:
		return NETDUMP_HERALD_SIZE;
	case NETDUMP_T_HERALD_ACK:
		return NETDUMP_HACK_SIZE;
	case NETDUMP_T_DATA:
		return NETDUMP_DATA_HDR_SIZE + 1;
	case NETDUMP_T_ACK:
		return NETDUMP_ACK_SIZE;
	case NETDUMP_T_FINISH:
		return NETDUMP_FIN_SIZE;
	case NETDUMP_T_FINISH_ACK:
		return NETDUMP_FACK_SIZE;
	case NETDUMP_T_ABORT:
		return NETDUMP_ABORT_SIZE;
	default:
		return 0;
	}
}

/** netdump_status_name() - a short name for a NETDUMP_ST_* code. */
static inline const char *netdump_status_name(unsigned st)
{
	static const char *const names[] = {
	    "ok",	"version mismatch", "busy",	 "bad parameters",
	    "unknown session", "session expired",  "receiver failed",
	    "already received",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

#endif
