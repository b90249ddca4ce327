// SPDX-License-Identifier: MIT
/*
 * The fake NIC and the tests' own Ethernet/ARP/IPv4/UDP code (see
 * fake_nic.h).  Frames are laid out here from the RFCs' tables, with
 * literal offsets, independently of payload/net/.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_nic.h"

static struct fake_nic *to_fake(struct nic *n)
{
	return (struct fake_nic *)n;
}

static int fake_send(struct nic *n, const void *frame, size_t len)
{
	struct fake_nic *f = to_fake(n);
	struct fake_frame *slot;

	CHECK(len <= NIC_FRAME_MAX);
	CHECK(len >= 60);	/* the stack pads */
	if (f->busy) {
		f->busy--;
		return -EAGAIN;
	}
	if (f->send_err)
		return f->send_err;
	if (len > FAKE_NIC_FRAME)
		return -EINVAL;
	f->tx_total++;
	if (f->peer)
		f->peer(f, frame, len, f->peer_ctx);
	if (f->tx_count == FAKE_NIC_QUEUE) {
		/* Full: drop the oldest, the tests look at the latest. */
		f->tx_head = (f->tx_head + 1) % FAKE_NIC_QUEUE;
		f->tx_count--;
	}
	slot = &f->tx[(f->tx_head + f->tx_count) % FAKE_NIC_QUEUE];
	memcpy(slot->b, frame, len);
	slot->len = len;
	f->tx_count++;
	n->tx_frames++;
	return 0;
}

static int fake_recv(struct nic *n, void *buf, size_t cap)
{
	struct fake_nic *f = to_fake(n);
	struct fake_frame *slot;

	CHECK(cap >= NIC_FRAME_MAX);
	if (f->recv_err)
		return f->recv_err;
	if (!f->rx_count) {
		fake_clock_us += f->idle_step_us;
		return 0;
	}
	slot = &f->rx[f->rx_head];
	f->rx_head = (f->rx_head + 1) % FAKE_NIC_QUEUE;
	f->rx_count--;
	if (slot->len > cap)
		return -EIO;
	memcpy(buf, slot->b, slot->len);
	n->rx_frames++;
	return (int)slot->len;
}

static void fake_shutdown(struct nic *n)
{
	(void)n;
}

static const struct nic_ops fake_ops = {
	.send = fake_send,
	.recv = fake_recv,
	.shutdown = fake_shutdown,
};

void fake_nic_init(struct fake_nic *f, const uint8_t mac[ETH_ALEN])
{
	memset(f, 0, sizeof(*f));
	f->nic.ops = &fake_ops;
	f->nic.driver = "fake";
	strcpy(f->nic.name, "/fake-nic");
	memcpy(f->nic.mac, mac, ETH_ALEN);
	f->nic.link_up = true;
}

void fake_nic_push(struct fake_nic *f, const void *frame, size_t len)
{
	struct fake_frame *slot;

	if (f->rx_count == FAKE_NIC_QUEUE || len > FAKE_NIC_FRAME) {
		CHECK(!"fake NIC receive queue full");
		return;
	}
	slot = &f->rx[(f->rx_head + f->rx_count) % FAKE_NIC_QUEUE];
	memcpy(slot->b, frame, len);
	slot->len = len;
	f->rx_count++;
}

size_t fake_nic_pop(struct fake_nic *f, uint8_t *buf, size_t cap)
{
	struct fake_frame *slot;
	size_t n;

	if (!f->tx_count)
		return 0;
	slot = &f->tx[f->tx_head];
	f->tx_head = (f->tx_head + 1) % FAKE_NIC_QUEUE;
	f->tx_count--;
	n = slot->len < cap ? slot->len : cap;
	memcpy(buf, slot->b, n);
	return n;
}

/* ---- wire code ---- */

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] * 256 + p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) * 65536 + rd16(p + 2);
}

uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0, r;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] * 256;
	/* In one's complement arithmetic 0xffff is zero: sum mod 0xffff,
	 * except that a non-zero multiple of 0xffff sums to 0xffff. */
	r = sum % 0xffff;
	if (!r && sum)
		r = 0xffff;
	return (uint16_t)(0xffff - r);
}

uint16_t ref_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp,
		      size_t ulen)
{
	static uint8_t buf[12 + 70000];

	be32(buf, src);
	be32(buf + 4, dst);
	buf[8] = 0;
	buf[9] = 17;
	be16(buf + 10, (unsigned)ulen);
	memcpy(buf + 12, udp, ulen);
	return ref_csum(buf, 12 + ulen);
}

size_t ref_build_udp(uint8_t *frame, const struct ref_udp *u,
		     const void *data, size_t len)
{
	unsigned ihl = u->ihl ? u->ihl : 5, hlen = ihl * 4;
	uint8_t *ip = frame + 14, *udp = ip + hlen;
	uint16_t c;

	memcpy(frame, u->dst_mac, 6);
	memcpy(frame + 6, u->src_mac, 6);
	be16(frame + 12, 0x0800);
	memset(ip, 0, hlen);
	ip[0] = (uint8_t)(0x40 | ihl);
	be16(ip + 2, (unsigned)(hlen + 8 + len));
	be16(ip + 4, 0x1234);
	be16(ip + 6, u->frag);
	ip[8] = u->ttl ? u->ttl : 64;
	ip[9] = u->proto ? u->proto : 17;
	be32(ip + 12, u->src_ip);
	be32(ip + 16, u->dst_ip);
	c = ref_csum(ip, hlen);
	be16(ip + 10, u->bad_ip_csum ? (uint16_t)(c ^ 0x0100) : c);
	be16(udp, u->sport);
	be16(udp + 2, u->dport);
	be16(udp + 4, (unsigned)(8 + len));
	be16(udp + 6, 0);
	memcpy(udp + 8, data, len);
	if (!u->no_udp_csum) {
		c = ref_udp_csum(u->src_ip, u->dst_ip, udp, 8 + len);
		if (!c)
			c = 0xffff;
		be16(udp + 6, u->bad_udp_csum ? (uint16_t)(c ^ 0x8000) : c);
	}
	return 14 + hlen + 8 + len;
}

size_t ref_build_arp(uint8_t *frame, const uint8_t eth_dst[ETH_ALEN],
		     uint16_t op, const uint8_t sha[ETH_ALEN], uint32_t spa,
		     const uint8_t tha[ETH_ALEN], uint32_t tpa)
{
	uint8_t *a = frame + 14;

	memcpy(frame, eth_dst, 6);
	memcpy(frame + 6, sha, 6);
	be16(frame + 12, 0x0806);
	be16(a, 1);
	be16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	be16(a + 6, op);
	memcpy(a + 8, sha, 6);
	be32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	be32(a + 24, tpa);
	/* Padded to the minimum, as a NIC would. */
	memset(frame + 42, 0, 18);
	return 60;
}

bool ref_parse(const uint8_t *frame, size_t len, struct ref_parsed *p)
{
	const uint8_t *ip, *udp;
	size_t hlen, total, ulen;

	memset(p, 0, sizeof(*p));
	if (len < 14)
		return false;
	p->eth_ok = true;
	memcpy(p->dst_mac, frame, 6);
	memcpy(p->src_mac, frame + 6, 6);
	p->type = (uint16_t)rd16(frame + 12);
	if (p->type == 0x0806) {
		const uint8_t *a = frame + 14;

		if (len < 42 || rd16(a) != 1 || rd16(a + 2) != 0x0800 ||
		    a[4] != 6 || a[5] != 4)
			return false;
		p->arp = true;
		p->op = (uint16_t)rd16(a + 6);
		memcpy(p->sha, a + 8, 6);
		p->spa = rd32(a + 14);
		memcpy(p->tha, a + 18, 6);
		p->tpa = rd32(a + 24);
		return true;
	}
	if (p->type != 0x0800 || len < 14 + 20)
		return false;
	ip = frame + 14;
	hlen = (size_t)(ip[0] & 15) * 4;
	total = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || hlen < 20 || total > len - 14 ||
	    total < hlen + 8 || ip[9] != 17)
		return false;
	p->ip_csum_ok = ref_csum(ip, hlen) == 0;
	p->tos = ip[1];
	p->ip_id = (uint16_t)rd16(ip + 4);
	p->frag = (uint16_t)rd16(ip + 6);
	p->ttl = ip[8];
	p->src_ip = rd32(ip + 12);
	p->dst_ip = rd32(ip + 16);
	udp = ip + hlen;
	ulen = rd16(udp + 4);
	if (ulen < 8 || ulen > total - hlen)
		return false;
	p->udp = true;
	p->sport = (uint16_t)rd16(udp);
	p->dport = (uint16_t)rd16(udp + 2);
	p->udp_csum = (uint16_t)rd16(udp + 6);
	p->udp_csum_ok = p->udp_csum &&
			 ref_udp_csum(p->src_ip, p->dst_ip, udp, ulen) == 0;
	p->data = udp + 8;
	p->data_len = ulen - 8;
	return true;
}

void fake_hosts_peer(struct fake_nic *f, const uint8_t *frame, size_t len,
		     void *ctx)
{
	struct fake_host **hosts = ctx;
	struct ref_parsed p;
	uint8_t out[FAKE_NIC_FRAME];

	if (!ref_parse(frame, len, &p))
		return;
	for (; *hosts; hosts++) {
		struct fake_host *h = *hosts;

		if (p.arp && p.op == 1 && p.tpa == h->ip) {
			h->arp_requests++;
			if (h->answer_arp)
				fake_nic_push(f, out,
					      ref_build_arp(out, p.sha, 2,
							    h->mac, h->ip,
							    p.sha, p.spa));
		}
		if (p.udp && !memcmp(p.dst_mac, h->mac, 6)) {
			h->udp_frames++;
			if (h->echo && p.dst_ip == h->ip) {
				struct ref_udp u = {
					.src_ip = h->ip, .dst_ip = p.src_ip,
					.sport = p.dport, .dport = p.sport,
					.frag = 0x4000,
				};

				memcpy(u.dst_mac, p.src_mac, 6);
				memcpy(u.src_mac, h->mac, 6);
				fake_nic_push(f, out,
					      ref_build_udp(out, &u, p.data,
							    p.data_len));
			}
		}
	}
}
