// SPDX-License-Identifier: MIT
/*
 * payload/net/udp_link.c: the struct dgram_link the reliable dump
 * protocol uses, against a fake NIC and an echoing peer: round trips up
 * to the MTU, ARP on the way, datagrams from elsewhere, too big for the
 * caller's buffer, arriving while nobody waits, and an unreachable peer.
 */
#include <errno.h>
#include <string.h>

#include "payload/net/dgram.h"
#include "payload/net/udp_link.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_nic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

#define OUR_IP IP(10, 0, 2, 15)
#define PEER_IP IP(10, 0, 2, 2)
#define PORT 6667

static struct fake_nic fnic;
static struct net_stack stack;
static struct fake_host peer;
static struct fake_host *hosts[] = { &peer, NULL };
static struct udp_link ul;

static void setup(void)
{
	struct net_config cfg = { .ip = OUR_IP, .netmask = 0xffffff00u };

	fake_nic_init(&fnic, our_mac);
	memset(&peer, 0, sizeof(peer));
	memcpy(peer.mac, peer_mac, 6);
	peer.ip = PEER_IP;
	peer.answer_arp = true;
	peer.echo = true;
	fnic.peer = fake_hosts_peer;
	fnic.peer_ctx = hosts;
	CHECK_EQ(net_init(&stack, &fnic.nic, &cfg), 0);
	CHECK_EQ(udp_link_init(&ul, &stack, PEER_IP, PORT, PORT), 0);
}

/* A datagram from @src_ip:@sport to our link's port. */
static void push_from(uint32_t src_ip, uint16_t sport, const void *d,
		      size_t len)
{
	uint8_t f[FAKE_NIC_FRAME];
	struct ref_udp u = { .src_ip = src_ip, .dst_ip = OUR_IP,
			     .sport = sport, .dport = PORT, .frag = 0x4000 };

	memcpy(u.dst_mac, our_mac, 6);
	memcpy(u.src_mac, peer_mac, 6);
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, d, len));
}

static void test_round_trip(void)
{
	static uint8_t out[NET_UDP_MAX + 1], in[NET_UDP_MAX + 100];
	const struct dgram_link *l;
	int ret;

	setup();
	l = &ul.link;
	CHECK_EQ(l->mtu, 1472);
	CHECK(l->ctx == &ul);

	/* First send: ARP first, so "try later"; recv takes the reply. */
	CHECK_EQ(l->send(l->ctx, "abc", 3), -EAGAIN);
	CHECK_EQ(peer.arp_requests, 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);
	CHECK_EQ(l->send(l->ctx, "abc", 3), 0);
	CHECK_EQ(peer.udp_frames, 1);
	ret = l->recv(l->ctx, in, sizeof(in));
	CHECK_EQ(ret, 3);
	CHECK(!memcmp(in, "abc", 3));
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);

	/* Every size up to the MTU comes back whole. */
	for (size_t len = 1; len <= NET_UDP_MAX; len += 97) {
		for (size_t i = 0; i < len; i++)
			out[i] = (uint8_t)(i ^ len);
		CHECK_EQ(l->send(l->ctx, out, len), 0);
		ret = l->recv(l->ctx, in, sizeof(in));
		CHECK_EQ(ret, (int)len);
		CHECK(!memcmp(in, out, len));
	}
	CHECK_EQ(l->send(l->ctx, out, NET_UDP_MAX), 0);
	CHECK_EQ(l->recv(l->ctx, in, NET_UDP_MAX), NET_UDP_MAX);
	CHECK(!memcmp(in, out, NET_UDP_MAX));
	CHECK_EQ(l->send(l->ctx, out, NET_UDP_MAX + 1), -EMSGSIZE);
	CHECK_EQ(l->send(l->ctx, out, 0), -EINVAL);
	CHECK_EQ(l->recv(l->ctx, NULL, 10), -EINVAL);
	CHECK_EQ(l->recv(l->ctx, in, 0), -EINVAL);

	/* TX ring busy: "try later", then it goes. */
	fnic.busy = 1;
	CHECK_EQ(l->send(l->ctx, "q", 1), -EAGAIN);
	CHECK_EQ(l->send(l->ctx, "q", 1), 0);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 1);
}

static void test_receive_cases(void)
{
	uint8_t in[2000];
	const struct dgram_link *l;

	setup();
	l = &ul.link;

	/* Too big for the caller's buffer: dropped, said so. */
	push_from(PEER_IP, PORT, "0123456789", 10);
	CHECK_EQ(l->recv(l->ctx, in, 4), -EMSGSIZE);
	CHECK_EQ(ul.stats.too_big, 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);

	/* From another port or address: skipped, the peer's is returned. */
	push_from(PEER_IP, PORT + 1, "other port", 10);
	push_from(IP(10, 0, 2, 9), PORT, "other host", 10);
	push_from(PEER_IP, PORT, "mine", 4);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 4);
	CHECK(!memcmp(in, "mine", 4));
	CHECK_EQ(ul.stats.foreign, 2);

	/* One datagram per call: the next stays in the NIC's ring. */
	push_from(PEER_IP, PORT, "one", 3);
	push_from(PEER_IP, PORT, "two", 3);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 3);
	CHECK(!memcmp(in, "one", 3));
	CHECK_EQ(fnic.rx_count, 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 3);
	CHECK(!memcmp(in, "two", 3));

	/* Empty datagrams would read as "none": dropped. */
	push_from(PEER_IP, PORT, "", 0);
	push_from(PEER_IP, PORT, "z", 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 1);
	CHECK_EQ(ul.stats.empty, 1);

	/* Arriving while someone else polls: counted as missed. */
	push_from(PEER_IP, PORT, "late", 4);
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(ul.stats.missed, 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);

	/* Frames that are not datagrams are serviced on the way. */
	{
		uint8_t f[FAKE_NIC_FRAME];
		static const uint8_t bc[6] = { 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff };
		static const uint8_t z[6];

		fake_nic_push(&fnic, f, ref_build_arp(f, bc, 1, peer_mac,
						      PEER_IP, z, OUR_IP));
		push_from(PEER_IP, PORT, "after arp", 9);
		CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 9);
		CHECK_EQ(stack.stats.arp_replies, 1);
	}

	/* More than a budget of other frames: recv gives up for now. */
	for (unsigned i = 0; i < NET_POLL_BUDGET + 1; i++)
		push_from(PEER_IP, PORT + 2, "x", 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);
	CHECK_EQ(fnic.rx_count, 1);
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);

	/* A failing NIC: its error. */
	fnic.recv_err = -EIO;
	CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), -EIO);
	fnic.recv_err = 0;

	/* Closed: the port is free again, its datagrams unclaimed. */
	udp_link_close(&ul);
	push_from(PEER_IP, PORT, "gone", 4);
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(stack.stats.rx_udp_no_port, 1);
	CHECK_EQ(udp_link_init(&ul, &stack, PEER_IP, PORT, PORT), 0);
	{
		struct udp_link other;

		CHECK_EQ(udp_link_init(&other, &stack, PEER_IP, PORT, PORT),
			 -EADDRINUSE);
		CHECK_EQ(udp_link_init(&other, &stack, 0, PORT, PORT + 1),
			 -EINVAL);
		CHECK_EQ(udp_link_init(&other, &stack, PEER_IP, 0, PORT + 1),
			 -EINVAL);
		CHECK_EQ(udp_link_init(&other, NULL, PEER_IP, 1, PORT + 1),
			 -EINVAL);
	}
}

static void test_unreachable(void)
{
	uint8_t in[64];
	const struct dgram_link *l;
	int ret = -EAGAIN, guard;

	setup();
	l = &ul.link;
	peer.answer_arp = false;
	fnic.idle_step_us = 10000;
	/* A protocol's loop: send, else recv for a while, until decided. */
	for (guard = 0; guard < 10000 && ret == -EAGAIN; guard++) {
		ret = l->send(l->ctx, "hello", 5);
		if (ret == -EAGAIN)
			CHECK_EQ(l->recv(l->ctx, in, sizeof(in)), 0);
	}
	CHECK_EQ(ret, -EHOSTUNREACH);
	CHECK_EQ(peer.arp_requests, 3);
	CHECK_EQ(l->send(l->ctx, "hello", 5), -EHOSTUNREACH);
}

int main(void)
{
	test_round_trip();
	test_receive_cases();
	test_unreachable();
	return check_summary("test_net_link");
}
