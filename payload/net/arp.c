// SPDX-License-Identifier: MIT
/*
 * ARP for IPv4 over Ethernet (RFC 826): answer requests for our address,
 * learn senders as the RFC's "Packet Reception" algorithm says (update an
 * entry we have; add one when the packet is for us), resolve next hops
 * with NET_ARP_TRIES requests NET_ARP_INTERVAL_US apart.  The cache holds
 * NET_ARP_CACHE entries that never expire: the payload lives for minutes.
 */
#include <errno.h>
#include <string.h>

#include "drivers/timer.h"
#include "payload/net/net_priv.h"

/* RFC 826 "Packet format", for Ethernet (hrd 1) and IPv4 (pro 0x0800). */
#define ARP_HRD 0
#define ARP_PRO 2
#define ARP_HLN 4
#define ARP_PLN 5
#define ARP_OP 6
#define ARP_SHA 8
#define ARP_SPA 14
#define ARP_THA 18
#define ARP_TPA 24
#define ARP_LEN 28
#define ARP_HRD_ETHERNET 1	/* RFC 5494 / IANA hardware type */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

static struct net_arp_entry *arp_find(struct net_stack *s, uint32_t ip)
{
	for (size_t i = 0; i < NET_ARP_CACHE; i++)
		if (s->arp[i].state != NET_ARP_FREE && s->arp[i].ip == ip)
			return &s->arp[i];
	return NULL;
}

/*
 * A slot for a new entry: a free one, else the next entry round-robin
 * that is not being resolved.  Learning never evicts a resolution under
 * way (a flood of requests must not reset its tries); a lookup may, when
 * every slot is one (then the oldest goes).
 */
static struct net_arp_entry *arp_slot(struct net_stack *s, bool may_evict_pending)
{
	struct net_arp_entry *oldest = NULL;

	for (size_t i = 0; i < NET_ARP_CACHE; i++)
		if (s->arp[i].state == NET_ARP_FREE)
			return &s->arp[i];
	for (size_t i = 0; i < NET_ARP_CACHE; i++) {
		struct net_arp_entry *e =
			&s->arp[(s->arp_victim + i) % NET_ARP_CACHE];

		if (e->state != NET_ARP_PENDING) {
			s->arp_victim = (unsigned)((e - s->arp) + 1) % NET_ARP_CACHE;
			return e;
		}
		if (!oldest || e->when_us < oldest->when_us)
			oldest = e;
	}
	return may_evict_pending ? oldest : NULL;
}

static void arp_packet(struct net_stack *s, uint16_t op,
		       const uint8_t eth_dst[ETH_ALEN],
		       const uint8_t tha[ETH_ALEN], uint32_t tpa)
{
	uint8_t *a = s->tx + ETH_HLEN;

	net_eth_header(s, eth_dst, ETH_P_ARP);
	net_put16(a + ARP_HRD, ARP_HRD_ETHERNET);
	net_put16(a + ARP_PRO, ETH_P_IP);
	a[ARP_HLN] = ETH_ALEN;
	a[ARP_PLN] = 4;
	net_put16(a + ARP_OP, op);
	memcpy(a + ARP_SHA, s->mac, ETH_ALEN);
	net_put32(a + ARP_SPA, s->ip);
	memcpy(a + ARP_THA, tha, ETH_ALEN);
	net_put32(a + ARP_TPA, tpa);
	if (!net_eth_send(s, ETH_HLEN + ARP_LEN)) {
		if (op == ARP_OP_REQUEST)
			s->stats.arp_requests++;
		else
			s->stats.arp_replies++;
	}
}

static void arp_request(struct net_stack *s, uint32_t ip)
{
	static const uint8_t unknown[ETH_ALEN];

	/* RFC 826: the target hardware address is what we ask for. */
	arp_packet(s, ARP_OP_REQUEST, net_broadcast_mac, unknown, ip);
}

void net_arp_input(struct net_stack *s, const uint8_t *p, size_t len)
{
	struct net_arp_entry *e;
	uint32_t spa, tpa;
	uint16_t op;

	if (len < ARP_LEN) {
		s->stats.rx_short++;
		return;
	}
	op = net_get16(p + ARP_OP);
	if (net_get16(p + ARP_HRD) != ARP_HRD_ETHERNET ||
	    net_get16(p + ARP_PRO) != ETH_P_IP || p[ARP_HLN] != ETH_ALEN ||
	    p[ARP_PLN] != 4 || (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)) {
		s->stats.rx_arp_bad++;
		return;
	}
	spa = net_get32(p + ARP_SPA);
	tpa = net_get32(p + ARP_TPA);
	s->stats.rx_arp++;

	/*
	 * Learn the sender, unless it is a probe (0.0.0.0, RFC 5227), claims
	 * our own address, or gives a group MAC address.
	 */
	if (spa && spa != s->ip && !(p[ARP_SHA] & 1)) {
		e = arp_find(s, spa);
		if (!e && tpa == s->ip) {
			e = arp_slot(s, false);
			if (e)
				e->ip = spa;
		}
		if (e) {
			memcpy(e->mac, p + ARP_SHA, ETH_ALEN);
			e->state = NET_ARP_VALID;
			e->tries = 0;
		}
	}
	if (op == ARP_OP_REQUEST && tpa == s->ip && !(p[ARP_SHA] & 1)) {
		uint8_t sha[ETH_ALEN];

		/* The reply goes out of s->tx; p is s->rx. */
		memcpy(sha, p + ARP_SHA, ETH_ALEN);
		arp_packet(s, ARP_OP_REPLY, sha, sha, spa);
	}
}

/* Send the next request of a resolution, or give it up, if it is time. */
static void arp_entry_tick(struct net_stack *s, struct net_arp_entry *e,
			   uint64_t now)
{
	if (e->state != NET_ARP_PENDING ||
	    now - e->when_us < NET_ARP_INTERVAL_US)
		return;
	e->when_us = now;
	if (e->tries >= NET_ARP_TRIES) {
		e->state = NET_ARP_FAILED;
		s->stats.arp_timeouts++;
		return;
	}
	e->tries++;
	arp_request(s, e->ip);
}

void net_arp_tick(struct net_stack *s)
{
	uint64_t now = timer_now_us();

	for (size_t i = 0; i < NET_ARP_CACHE; i++)
		arp_entry_tick(s, &s->arp[i], now);
}

/* The limited broadcast, or our subnet's (prefixes up to /30). */
static bool is_broadcast(const struct net_stack *s, uint32_t ip)
{
	return ip == NET_IP_BROADCAST ||
	       ((s->netmask & 3) == 0 && !((ip ^ s->ip) & s->netmask) &&
		(ip | s->netmask) == NET_IP_BROADCAST);
}

int net_arp_lookup(struct net_stack *s, uint32_t ip, uint8_t mac[ETH_ALEN])
{
	struct net_arp_entry *e;
	uint64_t now;

	if (!s || !s->nic || !mac || !ip)
		return -EINVAL;
	if (is_broadcast(s, ip)) {
		memcpy(mac, net_broadcast_mac, ETH_ALEN);
		return 0;
	}
	now = timer_now_us();
	e = arp_find(s, ip);
	if (e) {
		switch (e->state) {
		case NET_ARP_VALID:
			memcpy(mac, e->mac, ETH_ALEN);
			return 0;
		case NET_ARP_PENDING:
			arp_entry_tick(s, e, now);
			return e->state == NET_ARP_FAILED ? -EHOSTUNREACH
							  : -EAGAIN;
		default:	/* FAILED */
			if (now - e->when_us < NET_ARP_HOLDOFF_US)
				return -EHOSTUNREACH;
			break;
		}
	} else {
		e = arp_slot(s, true);
	}
	e->ip = ip;
	e->state = NET_ARP_PENDING;
	e->tries = 1;
	e->when_us = now;
	arp_request(s, ip);
	return -EAGAIN;
}

int net_arp_resolve(struct net_stack *s, uint32_t ip, uint8_t mac[ETH_ALEN])
{
	/* The state machine decides within TRIES intervals; a clock that
	 * jumps cannot stretch that past one more. */
	uint64_t deadline = timer_now_us() +
			    (uint64_t)(NET_ARP_TRIES + 1) * NET_ARP_INTERVAL_US;
	int ret;

	for (;;) {
		ret = net_arp_lookup(s, ip, mac);
		if (ret != -EAGAIN || (s && s->in_poll))
			return ret;
		ret = net_poll(s);
		if (ret < 0)
			return ret;
		if (timer_now_us() > deadline)
			return -EHOSTUNREACH;
	}
}
