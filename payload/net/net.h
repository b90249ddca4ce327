/* SPDX-License-Identifier: MIT */
/*
 * A small UDP/IPv4 stack over one polled NIC (drivers/net/nic.h):
 * Ethernet II framing, ARP (RFC 826) with a tiny cache and bounded
 * retries, IPv4 (RFC 791) without fragmentation, UDP (RFC 768) with
 * checksums (RFC 1071).  No interrupts, no threads, no allocation: the
 * caller owns a struct net_stack (one RX and one TX frame buffer inside)
 * and drives it with net_poll().  docs/net.md describes it.
 */
#ifndef TINYDUMP_PAYLOAD_NET_NET_H
#define TINYDUMP_PAYLOAD_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/net/nic.h"
#include "payload/net/netcfg.h"

/* IEEE 802.3 / RFC 894 framing. */
#define ETH_HLEN 14		/* destination, source, EtherType */
#define ETH_ZLEN 60		/* shortest frame without the FCS */
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IPV4_HLEN 20		/* RFC 791 §3.1, no options */
#define UDP_HLEN 8		/* RFC 768 */
/* The largest UDP payload in one unfragmented frame: 1500 - 20 - 8. */
#define NET_UDP_MAX (NIC_FRAME_MAX - ETH_HLEN - IPV4_HLEN - UDP_HLEN)
/* Each frame buffer: NIC_FRAME_MAX rounded up to 64 bytes. */
#define NET_BUF_SIZE 1536

/*
 * ARP resolution: NET_ARP_TRIES requests NET_ARP_INTERVAL_US apart, then
 * the address counts as unreachable for NET_ARP_HOLDOFF_US (a send then
 * fails at once) before a new round may start.  RFC 1122 §2.3.2.1 asks
 * for at most one request a second per address.
 */
#define NET_ARP_TRIES 3
#define NET_ARP_INTERVAL_US 1000000u
#define NET_ARP_HOLDOFF_US 10000000u
#define NET_ARP_CACHE 4
#define NET_UDP_SOCKS 4
/* Frames net_poll() takes from the NIC in one call. */
#define NET_POLL_BUDGET 32
/* RFC 1700 / RFC 1122 §3.2.1.7: the default TTL. */
#define NET_TTL 64

/* Where a datagram came from, for a port's handler. */
struct net_udp_meta {
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t src_mac[ETH_ALEN];
};

/*
 * Called from net_poll() with a datagram for a bound port.  @data points
 * into the RX buffer: valid only during the call.  The handler may send
 * (the TX buffer is separate) but not poll.
 */
typedef void (*net_udp_handler)(void *ctx, const struct net_udp_meta *m,
				const void *data, size_t len);

/* Frames dropped and why; what went out. */
struct net_stats {
	uint64_t rx_frames;	/* taken from the NIC */
	uint64_t rx_errors;	/* nic_recv() failed */
	uint64_t rx_short;	/* shorter than a header or length says */
	uint64_t rx_not_ours;	/* Ethernet destination not us nor broadcast */
	uint64_t rx_ethertype;	/* neither IPv4 nor ARP (VLAN, IPv6...) */
	uint64_t rx_arp_bad;	/* not Ethernet/IPv4 ARP, unknown op */
	uint64_t rx_ip_bad;	/* version, header length, total length */
	uint64_t rx_ip_csum;	/* header checksum wrong */
	uint64_t rx_ip_frag;	/* a fragment (MF set or an offset) */
	uint64_t rx_ip_not_ours;	/* destination address not ours */
	uint64_t rx_ip_proto;	/* not UDP */
	uint64_t rx_udp_bad;	/* UDP length field wrong */
	uint64_t rx_udp_csum;	/* UDP checksum wrong */
	uint64_t rx_udp_no_port;	/* no handler bound to the port */
	uint64_t rx_udp;	/* delivered to a handler */
	uint64_t rx_arp;	/* ARP packets used */
	uint64_t tx_frames;	/* handed to the NIC */
	uint64_t tx_busy;	/* nic_send() said -EAGAIN */
	uint64_t tx_errors;	/* nic_send() failed otherwise */
	uint64_t arp_requests;	/* requests we sent */
	uint64_t arp_replies;	/* replies we sent */
	uint64_t arp_timeouts;	/* resolutions given up */
};

enum net_arp_state {
	NET_ARP_FREE = 0,
	NET_ARP_PENDING,	/* request(s) sent, no reply yet */
	NET_ARP_VALID,
	NET_ARP_FAILED,		/* no reply to NET_ARP_TRIES requests */
};

struct net_arp_entry {
	uint32_t ip;
	uint8_t mac[ETH_ALEN];
	uint8_t state;		/* enum net_arp_state */
	uint8_t tries;		/* requests sent in this round */
	uint64_t when_us;	/* last request (PENDING), give-up (FAILED) */
};

struct net_udp_sock {
	uint16_t port;		/* 0: free */
	net_udp_handler fn;
	void *ctx;
};

struct net_stack {
	struct nic *nic;
	uint8_t mac[ETH_ALEN];
	uint32_t ip, netmask, gateway;
	uint16_t ip_id;
	bool in_poll;		/* handlers are running: no nested poll */
	unsigned arp_victim;	/* round-robin replacement */
	struct net_arp_entry arp[NET_ARP_CACHE];
	struct net_udp_sock socks[NET_UDP_SOCKS];
	struct net_stats stats;
	uint8_t rx[NET_BUF_SIZE] __attribute__((aligned(8)));
	uint8_t tx[NET_BUF_SIZE] __attribute__((aligned(8)));
};

/**
 * net_init() - bring the stack up on @nic with @cfg's address.
 * @s:   the stack (its old contents are dropped)
 * @nic: a probed NIC (its MAC is ours)
 * @cfg: from net_config_parse(): ip, netmask and gateway are used
 * Return: 0; -EINVAL for a NULL argument, a zero or multicast MAC, or an
 * address/netmask net_config_parse() would not have given.
 */
int net_init(struct net_stack *s, struct nic *nic,
	     const struct net_config *cfg);

/**
 * net_poll() - take up to NET_POLL_BUDGET frames from the NIC and act on
 * them (answer ARP requests, learn ARP replies, deliver UDP to bound
 * ports), drop the rest with a counter; retry or give up pending ARP
 * resolutions whose time has come.  Never waits.
 * Return: the number of frames taken (0: the NIC had none), or the
 * NIC's -errno.  0 at once when called from a handler.
 */
int net_poll(struct net_stack *s);

/** net_poll_budget() - net_poll() taking at most @max frames. */
int net_poll_budget(struct net_stack *s, unsigned max);

/**
 * net_udp_bind() - deliver datagrams to local @port to @fn.
 * Return: 0; -EINVAL (port 0, NULL @fn); -EADDRINUSE; -ENOSPC when all
 * NET_UDP_SOCKS ports are bound.
 */
int net_udp_bind(struct net_stack *s, uint16_t port, net_udp_handler fn,
		 void *ctx);

/** net_udp_unbind() - stop delivering to @port (nothing if unbound). */
void net_udp_unbind(struct net_stack *s, uint16_t port);

/** net_next_hop() - @dst itself when on-link (or no gateway), else the gateway. */
uint32_t net_next_hop(const struct net_stack *s, uint32_t dst);

/**
 * net_arp_lookup() - the MAC address for @ip (a next hop), without
 * waiting.  Starts or continues a resolution: a request goes out now and
 * then every NET_ARP_INTERVAL_US while the caller (or net_poll()) asks.
 * The limited and the subnet broadcast addresses give ff:ff:ff:ff:ff:ff.
 * Return: 0 and @mac; -EAGAIN while resolving; -EHOSTUNREACH once
 * NET_ARP_TRIES requests went unanswered (for NET_ARP_HOLDOFF_US);
 * -EINVAL for 0.0.0.0.
 */
int net_arp_lookup(struct net_stack *s, uint32_t ip, uint8_t mac[ETH_ALEN]);

/**
 * net_arp_resolve() - net_arp_lookup(), polling until it is decided:
 * at most NET_ARP_TRIES * NET_ARP_INTERVAL_US (3 s).
 * Return: as net_arp_lookup() but never -EAGAIN, except from a handler
 * (which may not poll); or the NIC's -errno.
 */
int net_arp_resolve(struct net_stack *s, uint32_t ip, uint8_t mac[ETH_ALEN]);

/**
 * net_udp_send() - one datagram of @len bytes from local port @sport to
 * @dst:@dport, without waiting: the next hop's address comes from the ARP
 * cache, or a resolution starts and -EAGAIN says to try again (after
 * net_poll()).  IPv4 DF set, TTL 64, UDP checksum computed.
 * Return: 0 (handed to the NIC); -EAGAIN (resolving, or every TX slot
 * busy); -EHOSTUNREACH (no ARP reply); -EMSGSIZE (@len > NET_UDP_MAX);
 * -EINVAL; the NIC's -EIO.
 */
int net_udp_send(struct net_stack *s, uint16_t sport, uint32_t dst,
		 uint16_t dport, const void *data, size_t len);

/**
 * net_udp_send_mac() - net_udp_send() to a known Ethernet address (no ARP),
 * e.g. netconsole's tgt-mac or the broadcast address.
 * Return: 0, -EAGAIN (TX busy), -EMSGSIZE, -EINVAL, the NIC's -EIO.
 */
int net_udp_send_mac(struct net_stack *s, const uint8_t mac[ETH_ALEN],
		     uint16_t sport, uint32_t dst, uint16_t dport,
		     const void *data, size_t len);

/**
 * net_csum_add() - add @len bytes at @p to a running RFC 1071 sum
 * (big-endian 16-bit words; an odd length pads with a zero byte, so only
 * the last piece may be odd).  net_csum_fold() - the one's-complement
 * checksum of such a sum.
 */
uint32_t net_csum_add(uint32_t sum, const void *p, size_t len);
uint16_t net_csum_fold(uint32_t sum);

extern const uint8_t net_broadcast_mac[ETH_ALEN];

#endif
