/* SPDX-License-Identifier: MIT */
/*
 * Inside the stack: byte order helpers and what net.c and arp.c share.
 * Network byte order is big-endian (RFC 791 Appendix B); every field is
 * read and written byte by byte, so frames need no alignment.
 */
#ifndef TINYDUMP_PAYLOAD_NET_NET_PRIV_H
#define TINYDUMP_PAYLOAD_NET_NET_PRIV_H

#include "payload/net/net.h"

/* Ethernet header (IEEE 802.3 §3.1.1, Ethernet II EtherType). */
#define ETH_DST 0
#define ETH_SRC 6
#define ETH_TYPE 12

static inline uint16_t net_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t net_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Fill the Ethernet header of s->tx. */
void net_eth_header(struct net_stack *s, const uint8_t dst[ETH_ALEN],
		    uint16_t type);

/* Hand s->tx[0..len) to the NIC, padded to ETH_ZLEN; count it. */
int net_eth_send(struct net_stack *s, size_t len);

/* arp.c: one ARP packet (after the Ethernet header) of @len bytes. */
void net_arp_input(struct net_stack *s, const uint8_t *p, size_t len);

/* arp.c: retry or give up pending resolutions whose time has come. */
void net_arp_tick(struct net_stack *s);

#endif
