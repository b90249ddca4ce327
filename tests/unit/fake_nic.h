/* SPDX-License-Identifier: MIT */
/*
 * A fake NIC for the network stack's unit tests: a struct nic whose send()
 * records frames and whose recv() hands out frames the test queued, plus a
 * scripted peer that sees every frame sent and may queue answers (ARP
 * replies, UDP echoes).  The frame builders and the checksum here are the
 * tests' own, written from RFC 791/768/826/1071 apart from payload/net/,
 * so the stack is checked against an independent computation.
 */
#ifndef TINYDUMP_TESTS_FAKE_NIC_H
#define TINYDUMP_TESTS_FAKE_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/net/nic.h"

#define FAKE_NIC_QUEUE 64
#define FAKE_NIC_FRAME 2048

struct fake_nic;

/* Sees each frame the stack sends; may queue frames for it to receive. */
typedef void (*fake_peer_fn)(struct fake_nic *f, const uint8_t *frame,
			     size_t len, void *ctx);

struct fake_frame {
	size_t len;
	uint8_t b[FAKE_NIC_FRAME];
};

struct fake_nic {
	struct nic nic;		/* first: the stack's struct nic */
	struct fake_frame tx[FAKE_NIC_QUEUE];	/* what the stack sent */
	unsigned tx_head, tx_count;
	unsigned tx_total;	/* frames sent in all */
	struct fake_frame rx[FAKE_NIC_QUEUE];	/* what it will receive */
	unsigned rx_head, rx_count;
	unsigned busy;		/* send() returns -EAGAIN this many times */
	int send_err;		/* send() fails with this when not 0 */
	int recv_err;		/* recv() fails with this when not 0 */
	uint64_t idle_step_us;	/* recv() with nothing waiting advances the clock */
	fake_peer_fn peer;
	void *peer_ctx;
};

void fake_nic_init(struct fake_nic *f, const uint8_t mac[ETH_ALEN]);
/* Queue a frame for the stack to receive (copied). */
void fake_nic_push(struct fake_nic *f, const void *frame, size_t len);
/* The oldest frame the stack sent: its length, 0 when none. */
size_t fake_nic_pop(struct fake_nic *f, uint8_t *buf, size_t cap);

/* ---- the tests' own wire code ---- */

/* RFC 1071 computed as the sum of 16-bit words modulo 0xffff (the
 * one's-complement sum's arithmetic definition), complemented. */
uint16_t ref_csum(const uint8_t *p, size_t len);
/* The UDP checksum of @udp (its checksum field as it is) with the pseudo
 * header; a correct datagram gives 0. */
uint16_t ref_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp,
		      size_t ulen);

struct ref_udp {
	uint8_t dst_mac[ETH_ALEN], src_mac[ETH_ALEN];
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint16_t frag;		/* flags and offset field; 0x4000: DF */
	uint8_t proto;		/* 0: 17 */
	uint8_t ttl;		/* 0: 64 */
	uint8_t ihl;		/* 0: 5 (options, if more, are zero bytes) */
	bool no_udp_csum;	/* send checksum 0 */
	bool bad_ip_csum, bad_udp_csum;
};

/* A whole Ethernet frame with an IPv4/UDP datagram; returns its length. */
size_t ref_build_udp(uint8_t *frame, const struct ref_udp *u,
		     const void *data, size_t len);
/* A whole ARP frame (Ethernet destination @eth_dst). */
size_t ref_build_arp(uint8_t *frame, const uint8_t eth_dst[ETH_ALEN],
		     uint16_t op, const uint8_t sha[ETH_ALEN], uint32_t spa,
		     const uint8_t tha[ETH_ALEN], uint32_t tpa);

/* What a sent frame holds, checked field by field against the RFCs. */
struct ref_parsed {
	bool eth_ok;
	uint8_t dst_mac[ETH_ALEN], src_mac[ETH_ALEN];
	uint16_t type;
	/* ARP */
	bool arp;
	uint16_t op;
	uint8_t sha[ETH_ALEN], tha[ETH_ALEN];
	uint32_t spa, tpa;
	/* IPv4/UDP */
	bool udp;
	bool ip_csum_ok, udp_csum_ok;
	uint16_t ip_id, frag;
	uint8_t ttl, tos;
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport, udp_csum;
	const uint8_t *data;
	size_t data_len;
};

/* Parse @frame; false when it is neither a clean ARP nor IPv4/UDP frame. */
bool ref_parse(const uint8_t *frame, size_t len, struct ref_parsed *p);

/* A peer on the segment: answers ARP requests for @ip (when @answer_arp),
 * counts them, and keeps the UDP datagrams sent to it. */
struct fake_host {
	uint8_t mac[ETH_ALEN];
	uint32_t ip;
	bool answer_arp;
	unsigned arp_requests;	/* requests for @ip seen */
	unsigned udp_frames;	/* IPv4/UDP frames to @mac */
	bool echo;		/* send every UDP datagram back */
};

/* A fake_peer_fn for one or more hosts: @ctx is a NULL-terminated array
 * of struct fake_host pointers. */
void fake_hosts_peer(struct fake_nic *f, const uint8_t *frame, size_t len,
		     void *ctx);

#endif
