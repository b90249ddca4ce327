// SPDX-License-Identifier: MIT
/*
 * payload/net/net.c and arp.c against a fake NIC and scripted hosts:
 * ARP resolution on-link and through the gateway, answering requests,
 * the three tries and the give-up, the hold-off; UDP out, checked field by
 * field and with the tests' own checksum code; UDP in, and every kind of
 * malformed frame dropped with its counter.
 */
#include <errno.h>
#include <string.h>

#include "payload/net/net.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_nic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t h7_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x07 };
static const uint8_t h8_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x08 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero6[6];

#define OUR_IP IP(10, 0, 2, 15)
#define GW_IP IP(10, 0, 2, 2)
#define H7_IP IP(10, 0, 2, 7)
#define H8_IP IP(10, 0, 2, 8)
#define FAR_IP IP(192, 168, 1, 10)

static struct fake_nic fnic;
static struct net_stack stack;
static struct fake_host gw, h7, h8;
static struct fake_host *hosts[] = { &gw, &h7, &h8, NULL };

static void host(struct fake_host *h, const uint8_t *mac, uint32_t ip)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->mac, mac, 6);
	h->ip = ip;
	h->answer_arp = true;
}

static void setup(void)
{
	struct net_config cfg = { .ip = OUR_IP, .netmask = 0xffffff00u,
				  .gateway = GW_IP };

	fake_nic_init(&fnic, our_mac);
	host(&gw, gw_mac, GW_IP);
	host(&h7, h7_mac, H7_IP);
	host(&h8, h8_mac, H8_IP);
	fnic.peer = fake_hosts_peer;
	fnic.peer_ctx = hosts;
	CHECK_EQ(net_init(&stack, &fnic.nic, &cfg), 0);
}

/* The latest frame sent, parsed. */
static bool last_sent(struct ref_parsed *p, uint8_t *buf)
{
	size_t n = 0, k;

	while ((k = fake_nic_pop(&fnic, buf, FAKE_NIC_FRAME)))
		n = k;
	return n && ref_parse(buf, n, p);
}

static void drain(void)
{
	uint8_t b[FAKE_NIC_FRAME];

	while (fake_nic_pop(&fnic, b, sizeof(b)))
		;
}

static void test_init(void)
{
	struct net_config cfg = { .ip = OUR_IP, .netmask = 0xffffff00u,
				  .gateway = GW_IP };
	struct net_stack s;

	fake_nic_init(&fnic, our_mac);
	CHECK_EQ(net_init(NULL, &fnic.nic, &cfg), -EINVAL);
	CHECK_EQ(net_init(&s, NULL, &cfg), -EINVAL);
	CHECK_EQ(net_init(&s, &fnic.nic, NULL), -EINVAL);
	cfg.netmask = 0xff00ff00u;
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), -EINVAL);
	cfg.netmask = 0xffffff00u;
	cfg.gateway = IP(10, 0, 3, 1);	/* off-link gateway */
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), -EINVAL);
	cfg.gateway = 0;
	cfg.ip = 0;
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), -EINVAL);
	cfg.ip = OUR_IP;
	fnic.nic.mac[0] = 0x01;		/* a group address */
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), -EINVAL);
	memset(fnic.nic.mac, 0, 6);
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), -EINVAL);
	memcpy(fnic.nic.mac, our_mac, 6);
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), 0);
	CHECK(!memcmp(s.mac, our_mac, 6));
	CHECK_EQ(net_next_hop(&s, FAR_IP), FAR_IP);	/* no gateway */
	cfg.gateway = GW_IP;
	CHECK_EQ(net_init(&s, &fnic.nic, &cfg), 0);
	CHECK_EQ(net_next_hop(&s, FAR_IP), GW_IP);
	CHECK_EQ(net_next_hop(&s, H7_IP), H7_IP);
	CHECK_EQ(net_next_hop(&s, 0xffffffffu), 0xffffffffu);
}

static void check_arp_request(const struct ref_parsed *p, uint32_t tpa)
{
	CHECK(p->arp);
	CHECK(!memcmp(p->dst_mac, bcast, 6));
	CHECK(!memcmp(p->src_mac, our_mac, 6));
	CHECK_EQ(p->op, 1);
	CHECK(!memcmp(p->sha, our_mac, 6));
	CHECK_EQ(p->spa, OUR_IP);
	CHECK(!memcmp(p->tha, zero6, 6));
	CHECK_EQ(p->tpa, tpa);
}

/* Every field of an outgoing datagram, checksums by the tests' code. */
static void check_udp_frame(const uint8_t *frame, size_t len,
			    const uint8_t *dst_mac, uint32_t dst,
			    uint16_t sport, uint16_t dport, const void *data,
			    size_t dlen)
{
	struct ref_parsed p;

	CHECK(ref_parse(frame, len, &p));
	CHECK(p.udp);
	CHECK_EQ(len, dlen + 42 < 60 ? 60 : dlen + 42);
	CHECK(!memcmp(p.dst_mac, dst_mac, 6));
	CHECK(!memcmp(p.src_mac, our_mac, 6));
	CHECK_EQ(p.type, 0x0800);
	CHECK_EQ(frame[14], 0x45);	/* version 4, 5 words */
	CHECK_EQ(p.tos, 0);
	CHECK_EQ((frame[16] << 8 | frame[17]), 28 + dlen);
	CHECK_EQ(p.frag, 0x4000);	/* DF, no offset */
	CHECK_EQ(p.ttl, 64);
	CHECK(p.ip_csum_ok);
	CHECK_EQ(ref_csum(frame + 14, 20), 0);
	CHECK_EQ(p.src_ip, OUR_IP);
	CHECK_EQ(p.dst_ip, dst);
	CHECK_EQ(p.sport, sport);
	CHECK_EQ(p.dport, dport);
	CHECK(p.udp_csum_ok);
	CHECK_EQ(p.data_len, dlen);
	CHECK(!memcmp(p.data, data, dlen));
}

static void test_arp_onlink(void)
{
	uint8_t buf[FAKE_NIC_FRAME], mac[6];
	struct ref_parsed p;
	size_t n;

	setup();
	/* Nothing cached: a request, and "try again". */
	CHECK_EQ(net_udp_send(&stack, 6665, H7_IP, 6666, "hello", 5), -EAGAIN);
	CHECK_EQ(h7.arp_requests, 1);
	CHECK_EQ(gw.arp_requests, 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK_EQ(n, 60);		/* 42 bytes padded to the minimum */
	CHECK(ref_parse(buf, n, &p));
	check_arp_request(&p, H7_IP);
	CHECK_EQ(stack.stats.arp_requests, 1);
	/* Asking again within the second sends nothing more. */
	CHECK_EQ(net_udp_send(&stack, 6665, H7_IP, 6666, "hello", 5), -EAGAIN);
	CHECK_EQ(h7.arp_requests, 1);

	/* The reply is waiting in the NIC: poll takes it. */
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(stack.stats.rx_arp, 1);
	CHECK_EQ(net_arp_lookup(&stack, H7_IP, mac), 0);
	CHECK(!memcmp(mac, h7_mac, 6));
	CHECK_EQ(net_udp_send(&stack, 6665, H7_IP, 6666, "hello", 5), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	check_udp_frame(buf, n, h7_mac, H7_IP, 6665, 6666, "hello", 5);
	CHECK_EQ(h7.arp_requests, 1);
	CHECK_EQ(stack.stats.tx_frames, 2);

	/* The blocking form, for another host: one request. */
	CHECK_EQ(net_arp_resolve(&stack, H8_IP, mac), 0);
	CHECK(!memcmp(mac, h8_mac, 6));
	CHECK_EQ(h8.arp_requests, 1);
	CHECK_EQ(net_arp_lookup(&stack, 0, mac), -EINVAL);
}

static void test_arp_gateway(void)
{
	static const uint8_t big[NET_UDP_MAX] = { 1, 2, 3 };
	uint8_t buf[FAKE_NIC_FRAME], mac[6];
	struct ref_parsed p;
	size_t n;

	setup();
	CHECK_EQ(net_udp_send(&stack, 6667, FAR_IP, 6667, "x", 1), -EAGAIN);
	CHECK_EQ(gw.arp_requests, 1);	/* the gateway, not the target */
	CHECK(last_sent(&p, buf));
	check_arp_request(&p, GW_IP);
	CHECK_EQ(net_arp_resolve(&stack, GW_IP, mac), 0);
	CHECK_EQ(gw.arp_requests, 1);
	CHECK_EQ(net_udp_send(&stack, 6667, FAR_IP, 6667, "x", 1), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	check_udp_frame(buf, n, gw_mac, FAR_IP, 6667, 6667, "x", 1);

	/* The largest datagram fills a 1514-byte frame; one more is refused. */
	CHECK_EQ(net_udp_send(&stack, 6667, FAR_IP, 6667, big, NET_UDP_MAX), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK_EQ(n, 1514);
	check_udp_frame(buf, n, gw_mac, FAR_IP, 6667, 6667, big, NET_UDP_MAX);
	CHECK_EQ(net_udp_send(&stack, 6667, FAR_IP, 6667, big,
			      NET_UDP_MAX + 1), -EMSGSIZE);
	CHECK_EQ(net_udp_send_mac(&stack, gw_mac, 6667, FAR_IP, 6667, big,
				  NET_UDP_MAX + 1), -EMSGSIZE);
	CHECK_EQ(net_udp_send(&stack, 0, FAR_IP, 6667, "x", 1), -EINVAL);
	CHECK_EQ(net_udp_send(&stack, 1, FAR_IP, 0, "x", 1), -EINVAL);
	CHECK_EQ(net_udp_send(&stack, 1, 0, 1, "x", 1), -EINVAL);
	CHECK_EQ(net_udp_send(&stack, 1, FAR_IP, 1, NULL, 1), -EINVAL);
	/* An empty datagram is fine. */
	CHECK_EQ(net_udp_send(&stack, 1, FAR_IP, 2, NULL, 0), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	check_udp_frame(buf, n, gw_mac, FAR_IP, 1, 2, "", 0);
}

static uint64_t req_times[8];
static unsigned req_count;

static void timing_peer(struct fake_nic *f, const uint8_t *frame, size_t len,
			void *ctx)
{
	struct ref_parsed p;

	(void)f;
	(void)ctx;
	if (ref_parse(frame, len, &p) && p.arp && p.op == 1 && req_count < 8)
		req_times[req_count++] = fake_clock_us;
}

static void test_arp_give_up(void)
{
	uint8_t mac[6];
	uint64_t t0;
	int ret, guard;

	/* Blocking: three requests a second apart, then unreachable. */
	setup();
	h7.answer_arp = false;
	t0 = fake_clock_us;
	CHECK_EQ(net_arp_resolve(&stack, H7_IP, mac), -EHOSTUNREACH);
	CHECK_EQ(h7.arp_requests, 3);
	CHECK(fake_clock_us - t0 >= 3 * NET_ARP_INTERVAL_US);
	CHECK(fake_clock_us - t0 < 3 * NET_ARP_INTERVAL_US + 1000);
	CHECK_EQ(stack.stats.arp_timeouts, 1);
	CHECK_EQ(stack.stats.arp_requests, 3);
	/* Held off: sends fail at once, nothing goes out. */
	CHECK_EQ(net_udp_send(&stack, 1, H7_IP, 2, "x", 1), -EHOSTUNREACH);
	CHECK_EQ(net_arp_resolve(&stack, H7_IP, mac), -EHOSTUNREACH);
	CHECK_EQ(h7.arp_requests, 3);
	/* After the hold-off a new round starts; now the host answers. */
	fake_clock_us += NET_ARP_HOLDOFF_US;
	h7.answer_arp = true;
	CHECK_EQ(net_udp_send(&stack, 1, H7_IP, 2, "x", 1), -EAGAIN);
	CHECK_EQ(h7.arp_requests, 4);
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(net_udp_send(&stack, 1, H7_IP, 2, "x", 1), 0);

	/* Non-blocking, driven by net_poll() alone: the times of the tries. */
	setup();
	fnic.peer = timing_peer;
	fnic.idle_step_us = 1000;
	req_count = 0;
	t0 = fake_clock_us;
	CHECK_EQ(net_udp_send(&stack, 1, H8_IP, 2, "x", 1), -EAGAIN);
	for (guard = 0; guard < 10000 && !stack.stats.arp_timeouts; guard++)
		CHECK(net_poll(&stack) >= 0);
	CHECK_EQ(req_count, 3);
	CHECK(req_times[0] - t0 < 100);
	CHECK(req_times[1] - req_times[0] >= NET_ARP_INTERVAL_US);
	CHECK(req_times[1] - req_times[0] < NET_ARP_INTERVAL_US + 2000);
	CHECK(req_times[2] - req_times[1] >= NET_ARP_INTERVAL_US);
	CHECK(req_times[2] - req_times[1] < NET_ARP_INTERVAL_US + 2000);
	ret = net_udp_send(&stack, 1, H8_IP, 2, "x", 1);
	CHECK_EQ(ret, -EHOSTUNREACH);
	CHECK_EQ(req_count, 3);

	/* A NIC that cannot send: requests fail, the round still ends. */
	setup();
	fnic.send_err = -EIO;
	CHECK_EQ(net_arp_resolve(&stack, H7_IP, mac), -EHOSTUNREACH);
	CHECK_EQ(stack.stats.arp_requests, 0);
	CHECK_EQ(stack.stats.tx_errors, 3);
	fnic.send_err = 0;
	/* A NIC whose receive fails: the error comes back. */
	setup();
	h7.answer_arp = false;
	fnic.recv_err = -EIO;
	CHECK_EQ(net_arp_resolve(&stack, H7_IP, mac), -EIO);
	CHECK_EQ(net_poll(&stack), -EIO);
	CHECK(stack.stats.rx_errors >= 2);
}

static void test_arp_answer(void)
{
	uint8_t buf[FAKE_NIC_FRAME], frame[FAKE_NIC_FRAME], mac[6];
	struct ref_parsed p;
	size_t n;

	setup();
	/* A request for us: answered to the asker, the asker learned. */
	fake_nic_push(&fnic, frame, ref_build_arp(frame, bcast, 1, h7_mac,
						  H7_IP, zero6, OUR_IP));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK(last_sent(&p, buf));
	CHECK(p.arp);
	CHECK(!memcmp(p.dst_mac, h7_mac, 6));
	CHECK(!memcmp(p.src_mac, our_mac, 6));
	CHECK_EQ(p.op, 2);
	CHECK(!memcmp(p.sha, our_mac, 6));
	CHECK_EQ(p.spa, OUR_IP);
	CHECK(!memcmp(p.tha, h7_mac, 6));
	CHECK_EQ(p.tpa, H7_IP);
	CHECK_EQ(stack.stats.arp_replies, 1);
	CHECK_EQ(net_udp_send(&stack, 1, H7_IP, 2, "y", 1), 0);
	CHECK_EQ(h7.arp_requests, 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	check_udp_frame(buf, n, h7_mac, H7_IP, 1, 2, "y", 1);

	/* A request for someone else: no answer, not learned. */
	fake_nic_push(&fnic, frame, ref_build_arp(frame, bcast, 1, h8_mac,
						  H8_IP, zero6, GW_IP));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(fnic.tx_count, 0);
	CHECK_EQ(net_arp_lookup(&stack, H8_IP, mac), -EAGAIN);
	CHECK_EQ(h8.arp_requests, 1);
	drain();
	CHECK_EQ(net_poll(&stack), 1);	/* h8's reply */

	/* An unasked reply updates a known entry (RFC 826 merge)... */
	fake_nic_push(&fnic, frame, ref_build_arp(frame, our_mac, 2, gw_mac,
						  H7_IP, our_mac, OUR_IP));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(net_arp_lookup(&stack, H7_IP, mac), 0);
	CHECK(!memcmp(mac, gw_mac, 6));
	/* ...but a probe (sender 0.0.0.0) teaches nothing; it is answered. */
	fake_nic_push(&fnic, frame, ref_build_arp(frame, bcast, 1, h8_mac, 0,
						  zero6, OUR_IP));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK(last_sent(&p, buf));
	CHECK(p.arp && p.op == 2 && p.tpa == 0);
	CHECK(!memcmp(p.dst_mac, h8_mac, 6));
	for (unsigned i = 0; i < NET_ARP_CACHE; i++)
		CHECK(stack.arp[i].state == NET_ARP_FREE ||
		      stack.arp[i].ip != 0);
	/* A group address as sender: neither learned nor answered. */
	{
		uint8_t grp[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

		fake_nic_push(&fnic, frame,
			      ref_build_arp(frame, bcast, 1, grp,
					    IP(10, 0, 2, 99), zero6, OUR_IP));
		CHECK_EQ(net_poll(&stack), 1);
		CHECK_EQ(fnic.tx_count, 0);
		for (unsigned i = 0; i < NET_ARP_CACHE; i++)
			CHECK(stack.arp[i].state == NET_ARP_FREE ||
			      stack.arp[i].ip != IP(10, 0, 2, 99));
	}
	/* Someone claiming our address is not learned. */
	fake_nic_push(&fnic, frame, ref_build_arp(frame, bcast, 2, h8_mac,
						  OUR_IP, zero6, OUR_IP));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(net_arp_lookup(&stack, OUR_IP, mac), -EAGAIN);
	drain();

	/* Malformed ARP: dropped and counted. */
	{
		uint8_t f2[FAKE_NIC_FRAME];
		uint64_t bad = stack.stats.rx_arp_bad;
		uint64_t shrt = stack.stats.rx_short;

		n = ref_build_arp(f2, bcast, 1, h7_mac, H7_IP, zero6, OUR_IP);
		f2[15] = 6;	/* hardware type 6 (IEEE 802) */
		fake_nic_push(&fnic, f2, n);
		n = ref_build_arp(f2, bcast, 1, h7_mac, H7_IP, zero6, OUR_IP);
		f2[16] = 0x86;	/* protocol IPv6 */
		f2[17] = 0xdd;
		fake_nic_push(&fnic, f2, n);
		n = ref_build_arp(f2, bcast, 3, h7_mac, H7_IP, zero6, OUR_IP);
		fake_nic_push(&fnic, f2, n);	/* op 3 (RARP) */
		n = ref_build_arp(f2, bcast, 1, h7_mac, H7_IP, zero6, OUR_IP);
		f2[18] = 8;	/* hardware length 8 */
		fake_nic_push(&fnic, f2, n);
		fake_nic_push(&fnic, f2, 14 + 27);	/* one byte short */
		CHECK_EQ(net_poll(&stack), 5);
		CHECK_EQ(stack.stats.rx_arp_bad - bad, 4);
		CHECK_EQ(stack.stats.rx_short - shrt, 1);
		CHECK_EQ(fnic.tx_count, 0);	/* none answered */
	}
}

static void test_arp_cache(void)
{
	uint8_t frame[FAKE_NIC_FRAME], mac[6], m[6];
	unsigned i, valid = 0;

	setup();
	/* A resolution under way survives a flood of learned senders. */
	h7.answer_arp = false;
	CHECK_EQ(net_arp_lookup(&stack, H7_IP, mac), -EAGAIN);
	for (i = 0; i < 10; i++) {
		memcpy(m, h8_mac, 6);
		m[5] = (uint8_t)(0x40 + i);
		fake_nic_push(&fnic, frame,
			      ref_build_arp(frame, bcast, 1, m,
					    IP(10, 0, 2, 100 + i), zero6,
					    OUR_IP));
	}
	CHECK_EQ(net_poll(&stack), 10);
	CHECK_EQ(net_arp_lookup(&stack, H7_IP, mac), -EAGAIN);
	CHECK_EQ(h7.arp_requests, 1);	/* still the first round */
	for (i = 0; i < NET_ARP_CACHE; i++)
		if (stack.arp[i].state == NET_ARP_VALID)
			valid++;
	CHECK_EQ(valid, NET_ARP_CACHE - 1);
	/* The latest senders are the ones kept. */
	CHECK_EQ(net_arp_lookup(&stack, IP(10, 0, 2, 109), mac), 0);
	CHECK_EQ(mac[5], 0x49);
	/* The subnet and limited broadcasts need no ARP. */
	CHECK_EQ(net_arp_lookup(&stack, IP(10, 0, 2, 255), mac), 0);
	CHECK(!memcmp(mac, bcast, 6));
	CHECK_EQ(net_arp_lookup(&stack, 0xffffffffu, mac), 0);
	CHECK(!memcmp(mac, bcast, 6));
	drain();
	CHECK_EQ(net_udp_send(&stack, 5, 0xffffffffu, 6, "b", 1), 0);
	{
		uint8_t buf[FAKE_NIC_FRAME];
		size_t n = fake_nic_pop(&fnic, buf, sizeof(buf));

		check_udp_frame(buf, n, bcast, 0xffffffffu, 5, 6, "b", 1);
	}
}

/* ---- receive ---- */

struct rx_log {
	unsigned n;
	struct net_udp_meta m;
	uint8_t data[2048];
	size_t len;
	bool reply;		/* answer from inside the handler */
	int nested_poll;
	int reply_ret;
};

static void rx_handler(void *ctx, const struct net_udp_meta *m,
		       const void *data, size_t len)
{
	struct rx_log *r = ctx;

	r->n++;
	r->m = *m;
	memcpy(r->data, data, len);
	r->len = len;
	if (r->reply) {
		r->nested_poll = net_poll(&stack);
		r->reply_ret = net_udp_send(&stack, m->dst_port, m->src_ip,
					    m->src_port, "pong", 4);
	}
}

static struct ref_udp good_udp(void)
{
	struct ref_udp u = { .src_ip = H7_IP, .dst_ip = OUR_IP,
			     .sport = 4000, .dport = 7000, .frag = 0x4000 };

	memcpy(u.dst_mac, our_mac, 6);
	memcpy(u.src_mac, h7_mac, 6);
	return u;
}

/* Push one frame, poll, and check which counter moved. */
static void expect_drop(const uint8_t *frame, size_t len, struct rx_log *r,
			const uint64_t *counter, const char *what)
{
	unsigned before = r->n;
	uint64_t c = *counter;

	fake_nic_push(&fnic, frame, len);
	CHECK_EQ(net_poll(&stack), 1);
	if (r->n != before || *counter != c + 1)
		fprintf(stderr, "drop case: %s\n", what);
	CHECK_EQ(r->n, before);
	CHECK_EQ(*counter, c + 1);
}

static void test_udp_receive(void)
{
	static struct rx_log r, r2;
	uint8_t f[FAKE_NIC_FRAME];
	struct ref_udp u;
	size_t n;
	const struct net_stats *st = &stack.stats;

	setup();
	memset(&r, 0, sizeof(r));
	CHECK_EQ(net_udp_bind(&stack, 7000, rx_handler, &r), 0);

	u = good_udp();
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "ping", 4));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.len, 4);
	CHECK(!memcmp(r.data, "ping", 4));
	CHECK_EQ(r.m.src_ip, H7_IP);
	CHECK_EQ(r.m.dst_ip, OUR_IP);
	CHECK_EQ(r.m.src_port, 4000);
	CHECK_EQ(r.m.dst_port, 7000);
	CHECK(!memcmp(r.m.src_mac, h7_mac, 6));
	CHECK_EQ(st->rx_udp, 1);

	/* Accepted variants: no checksum, broadcast MAC, no DF, options,
	 * Ethernet padding after a short datagram. */
	u = good_udp();
	u.no_udp_csum = true;
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "a", 1));
	u = good_udp();
	memcpy(u.dst_mac, bcast, 6);
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "b", 1));
	u = good_udp();
	u.frag = 0;
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "c", 1));
	u = good_udp();
	u.ihl = 6;
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "d", 1));
	u = good_udp();
	n = ref_build_udp(f, &u, "e", 1);
	memset(f + n, 0xee, 60 - n);
	fake_nic_push(&fnic, f, 60);
	CHECK_EQ(net_poll(&stack), 5);
	CHECK_EQ(r.n, 6);
	CHECK_EQ(r.len, 1);	/* the padding is not data */
	CHECK_EQ(r.data[0], 'e');

	/* Dropped, each with its reason. */
	fake_nic_push(&fnic, f, 0);
	CHECK_EQ(net_poll(&stack), 0);	/* a 0-length frame reads as none */
	expect_drop(f, 13, &r, &st->rx_short, "13 bytes");
	u = good_udp();
	n = ref_build_udp(f, &u, "x", 1);
	expect_drop(f, 14 + 19, &r, &st->rx_short, "IP header cut");
	expect_drop(f, n - 1, &r, &st->rx_short, "total length past frame");
	u.bad_ip_csum = true;
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_csum,
		    "IP checksum");
	u = good_udp();
	u.bad_udp_csum = true;
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_udp_csum,
		    "UDP checksum");
	u = good_udp();
	u.frag = 0x2000;	/* MF: a first fragment */
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_frag,
		    "MF");
	u.frag = 0x0005;	/* a later fragment */
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_frag,
		    "offset");
	u = good_udp();
	memcpy(u.dst_mac, h8_mac, 6);
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_not_ours,
		    "other MAC");
	u = good_udp();
	u.dst_mac[0] = 0x01;	/* multicast */
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_not_ours,
		    "multicast MAC");
	u = good_udp();
	u.dst_ip = H8_IP;
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_not_ours,
		    "other IP");
	u.dst_ip = IP(10, 0, 2, 255);
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_not_ours,
		    "subnet broadcast IP");
	u = good_udp();
	u.proto = 6;
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_ip_proto,
		    "TCP");
	u = good_udp();
	u.dport = 7001;
	expect_drop(f, ref_build_udp(f, &u, "x", 1), &r, &st->rx_udp_no_port,
		    "unbound port");
	u = good_udp();
	n = ref_build_udp(f, &u, "x", 1);
	f[14] = 0x65;		/* version 6 */
	expect_drop(f, n, &r, &st->rx_ip_bad, "version");
	n = ref_build_udp(f, &u, "x", 1);
	f[14] = 0x44;		/* a 16-byte header */
	expect_drop(f, n, &r, &st->rx_ip_bad, "IHL 4");
	n = ref_build_udp(f, &u, "x", 1);
	f[16] = 0;
	f[17] = 16;		/* total length below the header */
	expect_drop(f, n, &r, &st->rx_ip_bad, "total < header");
	/* UDP length past the IP payload, and below 8 (checksum fixed up
	 * so that only the length is wrong). */
	n = ref_build_udp(f, &u, "xy", 2);
	f[14 + 20 + 5] = 11;
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	expect_drop(f, n, &r, &st->rx_udp_bad, "UDP length long");
	n = ref_build_udp(f, &u, "xy", 2);
	f[14 + 20 + 5] = 7;
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	expect_drop(f, n, &r, &st->rx_udp_bad, "UDP length short");
	n = ref_build_udp(f, &u, "", 0);
	expect_drop(f, 14 + 20 + 4, &r, &st->rx_short,
		    "UDP header cut (IP length says so too)");
	u = good_udp();
	n = ref_build_udp(f, &u, "x", 1);
	f[12] = 0x86;
	f[13] = 0xdd;
	expect_drop(f, n, &r, &st->rx_ethertype, "IPv6");
	f[12] = 0x81;
	f[13] = 0x00;
	expect_drop(f, n, &r, &st->rx_ethertype, "VLAN tag");
	CHECK_EQ(r.n, 6);

	/* A UDP length shorter than the IP payload: the UDP length wins. */
	u = good_udp();
	n = ref_build_udp(f, &u, "abcd", 4);
	f[14 + 20 + 5] = 10;	/* 2 data bytes */
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	fake_nic_push(&fnic, f, n);
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(r.n, 7);
	CHECK_EQ(r.len, 2);

	/* A handler may send but not poll. */
	r.reply = true;
	fake_nic_push(&fnic, f, ref_build_arp(f, our_mac, 2, h7_mac, H7_IP,
					      our_mac, OUR_IP));
	u = good_udp();
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "ping", 4));
	drain();
	CHECK_EQ(net_poll(&stack), 2);
	CHECK_EQ(r.nested_poll, 0);
	CHECK_EQ(r.reply_ret, 0);
	{
		uint8_t buf[FAKE_NIC_FRAME];

		n = fake_nic_pop(&fnic, buf, sizeof(buf));
		check_udp_frame(buf, n, h7_mac, H7_IP, 7000, 4000, "pong", 4);
	}
	r.reply = false;

	/* Binding. */
	CHECK_EQ(net_udp_bind(&stack, 0, rx_handler, &r), -EINVAL);
	CHECK_EQ(net_udp_bind(&stack, 7001, NULL, &r), -EINVAL);
	CHECK_EQ(net_udp_bind(&stack, 7000, rx_handler, &r2), -EADDRINUSE);
	CHECK_EQ(net_udp_bind(&stack, 7001, rx_handler, &r2), 0);
	CHECK_EQ(net_udp_bind(&stack, 7002, rx_handler, &r2), 0);
	CHECK_EQ(net_udp_bind(&stack, 7003, rx_handler, &r2), 0);
	CHECK_EQ(net_udp_bind(&stack, 7004, rx_handler, &r2), -ENOSPC);
	net_udp_unbind(&stack, 7002);
	CHECK_EQ(net_udp_bind(&stack, 7004, rx_handler, &r2), 0);
	u = good_udp();
	u.dport = 7004;
	fake_nic_push(&fnic, f, ref_build_udp(f, &u, "z", 1));
	CHECK_EQ(net_poll(&stack), 1);
	CHECK_EQ(r2.n, 1);
	CHECK_EQ(r.n, 8);
}

static void test_poll(void)
{
	uint8_t f[FAKE_NIC_FRAME];
	struct ref_udp u = good_udp();
	unsigned i;

	setup();
	u.dport = 9;	/* nobody there */
	for (i = 0; i < NET_POLL_BUDGET + 8; i++)
		fake_nic_push(&fnic, f, ref_build_udp(f, &u, "q", 1));
	CHECK_EQ(net_poll(&stack), NET_POLL_BUDGET);
	CHECK_EQ(net_poll(&stack), 8);
	CHECK_EQ(net_poll(&stack), 0);
	CHECK_EQ(net_poll_budget(&stack, 0), 0);
	CHECK_EQ(stack.stats.rx_frames, NET_POLL_BUDGET + 8);
	CHECK_EQ(stack.stats.rx_udp_no_port, NET_POLL_BUDGET + 8);
	CHECK_EQ(net_poll(NULL), -EINVAL);
}

static void test_send_paths(void)
{
	uint8_t buf[FAKE_NIC_FRAME], data[2];
	struct ref_parsed p;
	size_t n;
	uint16_t c;

	setup();
	/* TX ring busy: -EAGAIN, counted; then it goes. */
	fnic.busy = 1;
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, "k", 1), -EAGAIN);
	CHECK_EQ(stack.stats.tx_busy, 1);
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, "k", 1), 0);
	fnic.send_err = -EIO;
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, "k", 1), -EIO);
	CHECK_EQ(stack.stats.tx_errors, 1);
	fnic.send_err = 0;
	drain();

	/* The IP id changes from datagram to datagram. */
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, "k", 1), 0);
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, "k", 1), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK(ref_parse(buf, n, &p));
	c = p.ip_id;
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK(ref_parse(buf, n, &p));
	CHECK(p.ip_id != c);

	/* A datagram whose checksum comes to 0 carries 0xffff (RFC 768):
	 * the data word that cancels the rest of the sum. */
	data[0] = data[1] = 0;
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, data, 2), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK(ref_parse(buf, n, &p));
	c = p.udp_csum;
	data[0] = (uint8_t)(c >> 8);
	data[1] = (uint8_t)c;
	CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 1, H7_IP, 2, data, 2), 0);
	n = fake_nic_pop(&fnic, buf, sizeof(buf));
	CHECK(ref_parse(buf, n, &p));
	CHECK_EQ(p.udp_csum, 0xffff);
	CHECK(p.udp_csum_ok);
	check_udp_frame(buf, n, h7_mac, H7_IP, 1, 2, data, 2);

	/* Odd and even lengths, all byte values. */
	for (size_t len = 0; len < 300; len += 37) {
		uint8_t d[300];

		for (size_t i = 0; i < len; i++)
			d[i] = (uint8_t)(i * 151 + len);
		CHECK_EQ(net_udp_send_mac(&stack, h7_mac, 40000, H7_IP, 65535,
					  d, len), 0);
		n = fake_nic_pop(&fnic, buf, sizeof(buf));
		check_udp_frame(buf, n, h7_mac, H7_IP, 40000, 65535, d, len);
	}
	/* The stack's checksum helpers agree with the tests' on the side. */
	{
		uint8_t d[77];

		for (size_t i = 0; i < sizeof(d); i++)
			d[i] = (uint8_t)(255 - i * 3);
		CHECK_EQ(net_csum_fold(net_csum_add(0, d, sizeof(d))),
			 ref_csum(d, sizeof(d)));
		CHECK_EQ(net_csum_fold(net_csum_add(net_csum_add(0, d, 40),
						    d + 40, 37)),
			 ref_csum(d, sizeof(d)));
	}
}

int main(void)
{
	test_init();
	test_arp_onlink();
	test_arp_gateway();
	test_arp_give_up();
	test_arp_answer();
	test_arp_cache();
	test_udp_receive();
	test_poll();
	test_send_paths();
	return check_summary("test_net_stack");
}
