// SPDX-License-Identifier: MIT
/*
 * The receiving side of the reliable dump protocol (docs/netdump-protocol.md),
 * without sockets: datagrams in, replies out through a callback, stream
 * bytes delivered in order to each session's owner.  Sessions are keyed by
 * the crash id every packet carries, never by address: boards behind one
 * NAT share an address, and a board's address may change mid-dump.
 * host-tools/udp_recv.c puts it on a UDP socket; tests/unit/test_netdump.c
 * runs the payload's sender against it over a simulated link.
 */
#ifndef TINYDUMP_HOST_TOOLS_NETDUMP_RX_H
#define TINYDUMP_HOST_TOOLS_NETDUMP_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/netdump.h"

/* Chunks a session buffers out of order (and the window it grants). */
#define NETDUMP_RX_WINDOW NETDUMP_WINDOW_MAX
/* In-order DATA packets per ACK; the rest is acknowledged by flush(). */
#define NETDUMP_RX_ACK_EVERY 4
/* Sessions at once, unless told otherwise. */
#define NETDUMP_RX_SESSIONS 64
/* Ended sessions remembered, to answer a repeated FINISH. */
#define NETDUMP_RX_DONE_MAX 256
/* Largest peer address kept (a struct sockaddr_storage fits). */
#define NETDUMP_RX_PEER_MAX 128

/* How a session ended. */
enum netdump_rx_end {
	NETDUMP_RX_FINISHED, /* FINISH with the whole stream: confirmed */
	NETDUMP_RX_EXPIRED,  /* silent for the session timeout */
	NETDUMP_RX_FAILED,   /* the owner could not take the bytes */
	NETDUMP_RX_STOPPED,  /* the receiver is shutting down */
};

/* One session's counters: ours, and the sender's from its FINISH. */
struct netdump_rx_stats {
	uint64_t packets;	/* good packets of this session */
	uint64_t data_packets;	/* DATA among them */
	uint64_t duplicates;	/* DATA whose bytes were already here */
	uint64_t out_of_window; /* DATA beyond the window granted */
	uint64_t acks_sent;
	uint64_t bytes; /* stream bytes delivered in order */
	uint32_t heralds;
	uint16_t chunk, window;
	double started, ended; /* the caller's clock, seconds */
	/* FINISH */
	bool finished;
	uint64_t total;
	uint64_t sender_sent, sender_retransmits;
	uint32_t sender_timeouts, sender_srtt_us;
	uint16_t sender_heralds;
	uint8_t sender_status; /* STREAM_STATUS_* */
};

struct netdump_rx_ops {
	/* A HERALD for a new crash: the session's owner, or NULL (busy). */
	void *(*open)(void *ctx, const uint8_t id[STREAM_CRASH_ID_LEN],
		      const void *peer, size_t peerlen);
	/* Stream bytes in order; nonzero fails the session. */
	int (*data)(void *user, const void *buf, size_t len);
	/* The session ended; @user is not used again. */
	void (*close)(void *user, enum netdump_rx_end how,
		      const struct netdump_rx_stats *st);
	/* Send a reply datagram to @peer. */
	void (*send)(void *ctx, const void *peer, size_t peerlen,
		     const void *pkt, size_t len);
	void *ctx;
};

struct netdump_rx_session {
	uint8_t id[STREAM_CRASH_ID_LEN];
	void *user;
	uint8_t peer[NETDUMP_RX_PEER_MAX];
	size_t peerlen;
	uint16_t chunk, window;
	uint64_t cum;	     /* bytes [0, cum) delivered */
	uint64_t end;	     /* the stream's length once known, else ~0 */
	uint8_t *buf;	     /* window * chunk bytes, slot c % window */
	uint16_t *have;	     /* per slot: bytes held, 0 none */
	uint32_t tsecr;	     /* tsval of the newest DATA, to echo */
	unsigned unacked;    /* in-order DATA since the last ACK */
	bool ack_due;	     /* something the sender should hear now */
	double last_heard;
	struct netdump_rx_stats st;
};

struct netdump_rx_done {
	uint8_t id[STREAM_CRASH_ID_LEN];
	uint64_t total;
	enum netdump_rx_end how;
};

struct netdump_rx {
	struct netdump_rx_ops ops;
	unsigned max_sessions;
	uint16_t window; /* granted at most: NETDUMP_RX_WINDOW, tests lower it */
	struct netdump_rx_session **s;
	unsigned n;
	struct netdump_rx_done done[NETDUMP_RX_DONE_MAX];
	unsigned ndone, done_next;
	uint64_t bad_packets; /* garbage, wrong versions, strays */
	uint8_t out[NETDUMP_PKT_MAX];
};

/**
 * netdump_rx_init() - an empty receiver
 * @rx:           the state
 * @ops:          callbacks (copied)
 * @max_sessions: sessions at once, 0 for NETDUMP_RX_SESSIONS
 * Return: 0 or -ENOMEM.
 */
int netdump_rx_init(struct netdump_rx *rx, const struct netdump_rx_ops *ops,
		    unsigned max_sessions);

/**
 * netdump_rx_input() - take one received datagram
 * @rx:      the receiver
 * @pkt:     its bytes
 * @len:     its length
 * @peer:    where it came from (opaque, at most NETDUMP_RX_PEER_MAX bytes);
 *           replies go there
 * @peerlen: its length
 * @now:     the caller's clock, seconds
 *
 * Garbage is counted and dropped; replies (HERALD_ACK, ACK when the
 * sender should know now, FINISH_ACK, ABORT) are sent at once; a
 * completed session is closed (ops->close) after its FINISH_ACK went out.
 */
void netdump_rx_input(struct netdump_rx *rx, const void *pkt, size_t len,
		      const void *peer, size_t peerlen, double now);

/**
 * netdump_rx_flush() - send the ACKs still owed (call when the socket has
 * no more datagrams waiting)
 * @rx: the receiver
 */
void netdump_rx_flush(struct netdump_rx *rx);

/**
 * netdump_rx_expire() - close sessions silent for @timeout seconds
 * @rx:      the receiver
 * @now:     the caller's clock
 * @timeout: seconds; 0 never
 */
void netdump_rx_expire(struct netdump_rx *rx, double now, double timeout);

/**
 * netdump_rx_stop() - close every session (NETDUMP_RX_STOPPED)
 * @rx:  the receiver
 * @now: the caller's clock
 */
void netdump_rx_stop(struct netdump_rx *rx, double now);

/** netdump_rx_free() - release the receiver (sessions must be closed). */
void netdump_rx_free(struct netdump_rx *rx);

#endif
