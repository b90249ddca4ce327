// SPDX-License-Identifier: MIT
/*
 * Ethernet II, IPv4 and UDP over one polled NIC.  Receive: each frame is
 * checked header by header and dropped with a counter at the first thing
 * wrong (RFC 1122 §3.2.1 for IPv4, §4.1.3.4 for UDP: a bad checksum is
 * discarded silently).  Send: one datagram per frame, DF set, never
 * fragmented (RFC 791 §3.1 "Flags", §3.2 "Fragmentation").
 */
#include <errno.h>
#include <string.h>

#include "payload/net/net_priv.h"

/* IPv4 header (RFC 791 §3.1), offsets in bytes. */
#define IP_VER_IHL 0
#define IP_TOS 1
#define IP_TOTLEN 2
#define IP_ID 4
#define IP_FRAG 6
#define IP_TTL 8
#define IP_PROTO 9
#define IP_CSUM 10
#define IP_SRC 12
#define IP_DST 16
#define IP_VERSION 4
#define IP_IHL_MIN 5		/* 32-bit words: a header without options */
#define IP_FLAG_DF 0x4000	/* Don't Fragment */
#define IP_FLAG_MF 0x2000	/* More Fragments */
#define IP_FRAG_OFFSET 0x1fff	/* in 8-byte units */
#define IP_PROTO_UDP 17		/* RFC 790 "Assigned Numbers" */

/* UDP header (RFC 768). */
#define UDP_SPORT 0
#define UDP_DPORT 2
#define UDP_LEN 4
#define UDP_CSUM 6
/* RFC 768: a computed checksum of 0 is sent as all ones; 0 means none. */
#define UDP_CSUM_NONE 0
#define UDP_CSUM_ZERO_SENT 0xffff

/* The pseudo header in front of UDP for its checksum (RFC 768). */
#define PSEUDO_LEN 12

const uint8_t net_broadcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff };

uint32_t net_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 1) {
		sum += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)b[0] << 8;
	/* Folding early keeps later additions from overflowing. */
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	uint8_t ph[PSEUDO_LEN];

	net_put32(ph, src);
	net_put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_PROTO_UDP;
	net_put16(ph + 10, udp_len);
	return net_csum_add(0, ph, sizeof(ph));
}

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, ETH_ALEN);
}

int net_init(struct net_stack *s, struct nic *nic,
	     const struct net_config *cfg)
{
	static const uint8_t zero[ETH_ALEN];

	if (!s || !nic || !nic->ops || !cfg)
		return -EINVAL;
	/* IEEE 802-2014 §8.2.2: the first byte's low bit marks a group. */
	if (mac_eq(nic->mac, zero) || (nic->mac[0] & 1))
		return -EINVAL;
	if (!cfg->ip || cfg->ip == NET_IP_BROADCAST ||
	    !netcfg_mask_ok(cfg->netmask) ||
	    (cfg->gateway && ((cfg->gateway ^ cfg->ip) & cfg->netmask)))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->nic = nic;
	memcpy(s->mac, nic->mac, ETH_ALEN);
	s->ip = cfg->ip;
	s->netmask = cfg->netmask;
	s->gateway = cfg->gateway;
	s->ip_id = 1;
	return 0;
}

uint32_t net_next_hop(const struct net_stack *s, uint32_t dst)
{
	if (!s->gateway || dst == NET_IP_BROADCAST ||
	    !((dst ^ s->ip) & s->netmask))
		return dst;
	return s->gateway;
}

void net_eth_header(struct net_stack *s, const uint8_t dst[ETH_ALEN],
		    uint16_t type)
{
	memcpy(s->tx + ETH_DST, dst, ETH_ALEN);
	memcpy(s->tx + ETH_SRC, s->mac, ETH_ALEN);
	net_put16(s->tx + ETH_TYPE, type);
}

int net_eth_send(struct net_stack *s, size_t len)
{
	int ret;

	/* IEEE 802.3 §3.2.8: short frames are padded, here by us. */
	if (len < ETH_ZLEN) {
		memset(s->tx + len, 0, ETH_ZLEN - len);
		len = ETH_ZLEN;
	}
	ret = nic_send(s->nic, s->tx, len);
	if (!ret)
		s->stats.tx_frames++;
	else if (ret == -EAGAIN)
		s->stats.tx_busy++;
	else
		s->stats.tx_errors++;
	return ret;
}

int net_udp_send_mac(struct net_stack *s, const uint8_t mac[ETH_ALEN],
		     uint16_t sport, uint32_t dst, uint16_t dport,
		     const void *data, size_t len)
{
	uint8_t *ip, *udp;
	uint16_t ulen, csum;

	if (!s || !s->nic || !mac || (!data && len) || !sport || !dport ||
	    !dst)
		return -EINVAL;
	if (len > NET_UDP_MAX)
		return -EMSGSIZE;
	ulen = (uint16_t)(UDP_HLEN + len);
	net_eth_header(s, mac, ETH_P_IP);
	ip = s->tx + ETH_HLEN;
	ip[IP_VER_IHL] = IP_VERSION << 4 | IP_IHL_MIN;
	ip[IP_TOS] = 0;
	net_put16(ip + IP_TOTLEN, (uint16_t)(IPV4_HLEN + ulen));
	net_put16(ip + IP_ID, s->ip_id++);
	net_put16(ip + IP_FRAG, IP_FLAG_DF);
	ip[IP_TTL] = NET_TTL;
	ip[IP_PROTO] = IP_PROTO_UDP;
	net_put16(ip + IP_CSUM, 0);
	net_put32(ip + IP_SRC, s->ip);
	net_put32(ip + IP_DST, dst);
	net_put16(ip + IP_CSUM, net_csum_fold(net_csum_add(0, ip, IPV4_HLEN)));

	udp = ip + IPV4_HLEN;
	net_put16(udp + UDP_SPORT, sport);
	net_put16(udp + UDP_DPORT, dport);
	net_put16(udp + UDP_LEN, ulen);
	net_put16(udp + UDP_CSUM, 0);
	if (len)
		memmove(udp + UDP_HLEN, data, len);
	csum = net_csum_fold(net_csum_add(pseudo_sum(s->ip, dst, ulen), udp,
					  ulen));
	net_put16(udp + UDP_CSUM, csum == UDP_CSUM_NONE ? UDP_CSUM_ZERO_SENT
							: csum);
	return net_eth_send(s, ETH_HLEN + IPV4_HLEN + ulen);
}

int net_udp_send(struct net_stack *s, uint16_t sport, uint32_t dst,
		 uint16_t dport, const void *data, size_t len)
{
	uint8_t mac[ETH_ALEN];
	int ret;

	if (!s || !s->nic || !dst)
		return -EINVAL;
	if (len > NET_UDP_MAX)
		return -EMSGSIZE;
	ret = net_arp_lookup(s, net_next_hop(s, dst), mac);
	if (ret)
		return ret;
	return net_udp_send_mac(s, mac, sport, dst, dport, data, len);
}

int net_udp_bind(struct net_stack *s, uint16_t port, net_udp_handler fn,
		 void *ctx)
{
	struct net_udp_sock *free_sock = NULL;

	if (!s || !port || !fn)
		return -EINVAL;
	for (size_t i = 0; i < NET_UDP_SOCKS; i++) {
		if (s->socks[i].port == port)
			return -EADDRINUSE;
		if (!s->socks[i].port && !free_sock)
			free_sock = &s->socks[i];
	}
	if (!free_sock)
		return -ENOSPC;
	free_sock->port = port;
	free_sock->fn = fn;
	free_sock->ctx = ctx;
	return 0;
}

void net_udp_unbind(struct net_stack *s, uint16_t port)
{
	if (!s || !port)
		return;
	for (size_t i = 0; i < NET_UDP_SOCKS; i++)
		if (s->socks[i].port == port)
			memset(&s->socks[i], 0, sizeof(s->socks[i]));
}

static void udp_input(struct net_stack *s, const uint8_t *src_mac,
		      uint32_t src, uint32_t dst, const uint8_t *udp,
		      size_t len)
{
	struct net_udp_meta m;
	uint16_t ulen, dport;

	if (len < UDP_HLEN) {
		s->stats.rx_udp_bad++;
		return;
	}
	ulen = net_get16(udp + UDP_LEN);
	if (ulen < UDP_HLEN || ulen > len) {
		s->stats.rx_udp_bad++;
		return;
	}
	/* Summed with its checksum field, a good datagram folds to 0. */
	if (net_get16(udp + UDP_CSUM) != UDP_CSUM_NONE &&
	    net_csum_fold(net_csum_add(pseudo_sum(src, dst, ulen), udp,
				       ulen))) {
		s->stats.rx_udp_csum++;
		return;
	}
	dport = net_get16(udp + UDP_DPORT);
	for (size_t i = 0; i < NET_UDP_SOCKS; i++) {
		struct net_udp_sock *k = &s->socks[i];

		if (!k->port || k->port != dport)
			continue;
		m.src_ip = src;
		m.dst_ip = dst;
		m.src_port = net_get16(udp + UDP_SPORT);
		m.dst_port = dport;
		memcpy(m.src_mac, src_mac, ETH_ALEN);
		s->stats.rx_udp++;
		k->fn(k->ctx, &m, udp + UDP_HLEN, ulen - UDP_HLEN);
		return;
	}
	s->stats.rx_udp_no_port++;
}

static void ip_input(struct net_stack *s, const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + ETH_HLEN;
	size_t avail = len - ETH_HLEN, hlen, total;
	uint16_t frag;

	if (avail < IPV4_HLEN) {
		s->stats.rx_short++;
		return;
	}
	hlen = (size_t)(ip[IP_VER_IHL] & 0xf) * 4;
	if (ip[IP_VER_IHL] >> 4 != IP_VERSION || hlen < IPV4_HLEN) {
		s->stats.rx_ip_bad++;
		return;
	}
	total = net_get16(ip + IP_TOTLEN);
	if (hlen > avail || total > avail) {
		s->stats.rx_short++;
		return;
	}
	if (total < hlen) {
		s->stats.rx_ip_bad++;
		return;
	}
	if (net_csum_fold(net_csum_add(0, ip, hlen))) {
		s->stats.rx_ip_csum++;
		return;
	}
	/* No reassembly: a fragment, first or later, is dropped. */
	frag = net_get16(ip + IP_FRAG);
	if (frag & (IP_FLAG_MF | IP_FRAG_OFFSET)) {
		s->stats.rx_ip_frag++;
		return;
	}
	if (net_get32(ip + IP_DST) != s->ip) {
		s->stats.rx_ip_not_ours++;
		return;
	}
	if (ip[IP_PROTO] != IP_PROTO_UDP) {
		s->stats.rx_ip_proto++;
		return;
	}
	/* Ethernet padding after total is not part of the datagram. */
	udp_input(s, frame + ETH_SRC, net_get32(ip + IP_SRC), s->ip,
		  ip + hlen, total - hlen);
}

static void eth_input(struct net_stack *s, const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN) {
		s->stats.rx_short++;
		return;
	}
	if (!mac_eq(f + ETH_DST, s->mac) &&
	    !mac_eq(f + ETH_DST, net_broadcast_mac)) {
		s->stats.rx_not_ours++;
		return;
	}
	switch (net_get16(f + ETH_TYPE)) {
	case ETH_P_ARP:
		net_arp_input(s, f + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_P_IP:
		ip_input(s, f, len);
		break;
	default:
		s->stats.rx_ethertype++;
		break;
	}
}

int net_poll_budget(struct net_stack *s, unsigned max)
{
	int n = 0, err = 0;

	if (!s || !s->nic)
		return -EINVAL;
	/* A handler polling would overwrite the frame it is reading. */
	if (s->in_poll)
		return 0;
	s->in_poll = true;
	for (unsigned i = 0; i < max; i++) {
		int got = nic_recv(s->nic, s->rx, sizeof(s->rx));

		if (!got)
			break;
		if (got < 0 || (size_t)got > sizeof(s->rx)) {
			s->stats.rx_errors++;
			err = got < 0 ? got : -EIO;
			break;
		}
		s->stats.rx_frames++;
		n++;
		eth_input(s, s->rx, (size_t)got);
	}
	s->in_poll = false;
	net_arp_tick(s);
	return err ? err : n;
}

int net_poll(struct net_stack *s)
{
	return net_poll_budget(s, NET_POLL_BUDGET);
}
