// SPDX-License-Identifier: MIT
/*
 * drivers/virtio/virtio_net.c against the virtio-mmio model
 * (tests/unit/virtio_model.c) with a loopback network device behind it:
 * modern and legacy headers and framing, the receive queue kept full,
 * transmit slots reclaimed from the used ring, link state, derived MAC
 * addresses, and the failure paths (stalled transmit queue, bad receive
 * lengths, DEVICE_NEEDS_RESET).
 */
#include <errno.h>
#include <string.h>

#include "drivers/net/nic.h"
#include "drivers/virtio/virtio_mmio.h"
#include "include/compiler.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fdt_build.h"
#include "tests/unit/virtio_model.h"

#define BASE 0x0a003c00u
#define RXQ 0
#define TXQ 1

/* Feature bits, virtio v1.2 §5.1.3 and §6. */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_MAC 5
#define F_GUEST_TSO4 7
#define F_MRG_RXBUF 15
#define F_STATUS 16
#define F_CTRL_VQ 17
#define F_ANY_LAYOUT 27
#define F_EVENT_IDX 29
#define F_VERSION_1 32
#define F(bit) (1ull << (bit))
#define OFFLOADS (F(F_CSUM) | F(F_GUEST_CSUM) | F(F_GUEST_TSO4) |             \
		  F(F_MRG_RXBUF) | F(F_CTRL_VQ) | F(F_EVENT_IDX))

#define HELD_MAX 8

struct mnet {
	struct vmodel vm;
	bool loopback;
	bool hold_tx;			/* keep transmitted chains */
	uint16_t held[HELD_MAX];
	unsigned int nheld;
	unsigned int tx_frames, tx_segs;
	uint8_t tx_last[2048];
	uint32_t tx_last_len;
	unsigned int rx_delivered, rx_no_buffer;
	uint32_t rx_len_override;	/* used length of the next frame */
};

static struct mnet mn;

static uint32_t hdr_len(const struct mnet *n)
{
	return vmodel_has(&n->vm, F_VERSION_1) ? 12 : 10;
}

static bool any_layout(const struct mnet *n)
{
	return vmodel_has(&n->vm, F_VERSION_1) ||
	       vmodel_has(&n->vm, F_ANY_LAYOUT);
}

/* Put a frame in the next receive buffer; false when there is none. */
static bool deliver(struct mnet *n, const uint8_t *frame, uint32_t len)
{
	struct vmodel_chain c;
	uint8_t hdr[12] = { 0 };
	uint32_t room = 0, at = 0, total = hdr_len(n) + len;
	uint8_t whole[2048];

	if (!vmodel_pop(&n->vm, RXQ, &c)) {
		n->rx_no_buffer++;
		return false;
	}
	for (unsigned int i = 0; i < c.n; i++) {
		if (!c.seg[i].write)
			vmodel_violation(&n->vm, "readable receive buffer");
		room += c.seg[i].len;
	}
	if (!any_layout(n) && c.seg[0].len != hdr_len(n))
		vmodel_violation(&n->vm, "legacy header in %u bytes",
				 c.seg[0].len);
	if (room < hdr_len(n) + 1514)
		vmodel_violation(&n->vm, "receive buffer of %u bytes", room);
	if (hdr_len(n) == 12)
		hdr[10] = 1;	/* num_buffers */
	memcpy(whole, hdr, hdr_len(n));
	memcpy(whole + hdr_len(n), frame, len);
	for (unsigned int i = 0; i < c.n && at < total; i++) {
		uint32_t k = MIN(c.seg[i].len, total - at);

		memcpy(c.seg[i].p, whole + at, k);
		at += k;
	}
	vmodel_push(&n->vm, RXQ, c.head,
		    n->rx_len_override ? n->rx_len_override : total);
	n->rx_len_override = 0;
	n->rx_delivered++;
	return true;
}

static void mnet_transmit(struct mnet *n, struct vmodel_chain *c)
{
	uint8_t whole[2048];
	uint32_t len = 0;

	if (!any_layout(n) && c->seg[0].len != hdr_len(n))
		vmodel_violation(&n->vm, "legacy header in %u bytes",
				 c->seg[0].len);
	for (unsigned int i = 0; i < c->n; i++) {
		if (c->seg[i].write)
			vmodel_violation(&n->vm, "writable transmit buffer");
		if (len + c->seg[i].len > sizeof(whole)) {
			vmodel_violation(&n->vm, "transmit too long");
			return;
		}
		memcpy(whole + len, c->seg[i].p, c->seg[i].len);
		len += c->seg[i].len;
	}
	if (len < hdr_len(n) + 14) {
		vmodel_violation(&n->vm, "transmit of %u bytes", len);
		return;
	}
	for (uint32_t i = 0; i < hdr_len(n); i++)
		if (whole[i])
			vmodel_violation(&n->vm, "header byte %u is %u", i,
					 whole[i]);
	n->tx_frames++;
	n->tx_segs = c->n;
	n->tx_last_len = len - hdr_len(n);
	memcpy(n->tx_last, whole + hdr_len(n), n->tx_last_len);
	if (n->loopback)
		deliver(n, n->tx_last, n->tx_last_len);
}

static void mnet_notify(struct vmodel *vm, unsigned int q)
{
	struct mnet *n = vm->dev;
	struct vmodel_chain c;

	if (q != TXQ)
		return;		/* receive buffers are taken as frames come */
	while (vmodel_pop(vm, TXQ, &c)) {
		mnet_transmit(n, &c);
		if (n->hold_tx && n->nheld < HELD_MAX)
			n->held[n->nheld++] = c.head;
		else
			vmodel_push(vm, TXQ, c.head, 0);
	}
}

static void release_tx(struct mnet *n)
{
	for (unsigned int i = 0; i < n->nheld; i++)
		vmodel_push(&n->vm, TXQ, n->held[i], 0);
	n->nheld = 0;
}

/* --- environment ----------------------------------------------------------- */

static char dtb[4096];
static struct dev_env env;

static int build_dt(const char *name)
{
	struct fdtb b;
	char path[48];

	fdtb_start(&b, dtb, sizeof(dtb));
	fdtb_node(&b, name);
	fdtb_str(&b, "compatible", "virtio,mmio");
	fdtb_reg64(&b, BASE, VMODEL_WINDOW);
	fdtb_end(&b);
	env.fdt = fdtb_finish(&b);
	snprintf(path, sizeof(path), "/%s", name);
	return fdtb_node_offset(env.fdt, path);
}

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
/* The configuration's status field when the driver probes. */
static uint8_t link_at_probe = 1;	/* VIRTIO_NET_S_LINK_UP */

static int setup(unsigned int version, uint64_t features, struct nic **nic)
{
	int node;

	fake_mmio_reset();
	memset(&mn, 0, sizeof(mn));
	vmodel_init(&mn.vm, BASE, version, 1, features);
	mn.vm.dev = &mn;
	mn.vm.on_notify = mnet_notify;
	mn.loopback = true;
	memcpy(mn.vm.config, test_mac, 6);
	mn.vm.config[6] = link_at_probe;
	vmodel_attach(&mn.vm);
	node = build_dt("virtio_mmio@a003c00");
	*nic = NULL;
	return virtio_net_driver.probe(&env, node, NULL, nic);
}

static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 13);
}

static uint8_t rx[NIC_FRAME_MAX];

/* Send one frame through the loopback, get it back. */
static void check_loop(struct nic *nic, size_t len, uint8_t seed)
{
	uint8_t f[NIC_FRAME_MAX];

	make_frame(f, len, seed);
	CHECK_EQ(nic_send(nic, f, len), 0);
	memset(rx, 0, sizeof(rx));
	/* Runts come back padded to 60 bytes. */
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), MAX(len, (size_t)60));
	CHECK(!memcmp(rx, f, len));
}

/* --- tests ------------------------------------------------------------------ */

static void test_registry(void)
{
	bool found = false;

	for (unsigned int i = 0; nic_drivers[i]; i++)
		found |= nic_drivers[i] == &virtio_net_driver;
	CHECK(found);
	CHECK_STR(virtio_net_driver.name, "virtio-net");
	CHECK_STR(virtio_net_driver.matches[0].compatible, "virtio,mmio");
}

static void test_modern(void)
{
	struct nic *nic;
	uint8_t f[100];

	CHECK_EQ(setup(2, F(F_VERSION_1) | F(F_MAC) | F(F_STATUS) | OFFLOADS,
		       &nic), 0);
	if (!nic)
		return;
	CHECK_STR(nic->driver, "virtio-net");
	CHECK_STR(nic->name, "/virtio_mmio@a003c00");
	CHECK(!memcmp(nic->mac, test_mac, 6));
	CHECK(nic->link_up);
	CHECK_EQ(mn.vm.status, 0x0f);
	CHECK_EQ(mn.vm.driver_features,
		 F(F_VERSION_1) | F(F_MAC) | F(F_STATUS));
	CHECK_EQ(mn.vm.notifies[RXQ], 1);	/* buffers, after DRIVER_OK */

	for (unsigned int i = 0; i < 20; i++)
		check_loop(nic, 60 + i * 70, (uint8_t)i);
	check_loop(nic, NIC_FRAME_MAX, 9);
	check_loop(nic, 14, 3);
	CHECK_EQ(mn.tx_segs, 1);
	CHECK_EQ(nic->tx_frames, 22);
	CHECK_EQ(nic->rx_frames, 22);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);

	/* The receive queue holds 8 buffers, all given back each time. */
	mn.loopback = false;
	make_frame(f, sizeof(f), 1);
	for (unsigned int i = 0; i < 10; i++)
		deliver(&mn, f, sizeof(f));
	CHECK_EQ(mn.rx_delivered, 22 + 8);
	CHECK_EQ(mn.rx_no_buffer, 2);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), sizeof(f));
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);
	for (unsigned int i = 0; i < 8; i++)
		CHECK(deliver(&mn, f, sizeof(f)));
	CHECK_EQ(mn.vm.violations, 0);
}

/* Legacy without ANY_LAYOUT: 10-byte header in a descriptor of its own. */
static void test_legacy_fixed(void)
{
	struct nic *nic;

	CHECK_EQ(setup(1, F(F_MAC) | F(F_STATUS), &nic), 0);
	if (!nic)
		return;
	CHECK_EQ(mn.vm.status, 0x07);
	CHECK_EQ(mn.vm.guest_page_size, 4096);
	check_loop(nic, 200, 5);
	check_loop(nic, NIC_FRAME_MAX, 6);
	CHECK_EQ(mn.tx_segs, 2);
	/* Two descriptors a buffer: four receive buffers in 8 entries. */
	mn.loopback = false;
	for (unsigned int i = 0; i < 5; i++)
		deliver(&mn, rx, 64);
	CHECK_EQ(mn.rx_no_buffer, 1);
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 64);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_legacy_any_layout(void)
{
	struct nic *nic;

	CHECK_EQ(setup(1, F(F_MAC) | F(F_ANY_LAYOUT) | F(F_MRG_RXBUF), &nic),
		 0);
	if (!nic)
		return;
	CHECK(vmodel_has(&mn.vm, F_ANY_LAYOUT));
	CHECK(!vmodel_has(&mn.vm, F_MRG_RXBUF));
	CHECK(nic->link_up);	/* no STATUS: assumed up */
	check_loop(nic, 300, 7);
	CHECK_EQ(mn.tx_segs, 1);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_derived_mac(void)
{
	struct nic *nic;
	uint8_t first[6];
	int node;

	CHECK_EQ(setup(2, F(F_VERSION_1), &nic), 0);
	if (!nic)
		return;
	CHECK_EQ(nic->mac[0], 0x02);	/* locally administered, unicast */
	memcpy(first, nic->mac, 6);
	CHECK(memcmp(first, test_mac, 6));
	/* The same node: the same address. */
	CHECK_EQ(setup(2, F(F_VERSION_1), &nic), 0);
	CHECK(!memcmp(nic->mac, first, 6));
	/* Another path: another address. */
	node = build_dt("virtio_mmio@a003a00");
	mn.vm.base = BASE;
	CHECK_EQ(virtio_net_driver.probe(&env, node, NULL, &nic), 0);
	CHECK(memcmp(nic->mac, first, 6));
	CHECK_EQ(nic->mac[0], 0x02);
	check_loop(nic, 64, 1);
}

static void test_link(void)
{
	struct nic *nic;

	link_at_probe = 0;
	CHECK_EQ(setup(2, F(F_VERSION_1) | F(F_STATUS), &nic), 0);
	link_at_probe = 1;
	if (!nic)
		return;
	CHECK(!nic->link_up);
	mn.vm.config[6] = 1;
	vmodel_config_changed(&mn.vm);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);
	CHECK(nic->link_up);
	mn.vm.config[6] = 0;
	vmodel_config_changed(&mn.vm);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);
	CHECK(!nic->link_up);
	CHECK_EQ(mn.vm.isr & 2, 0);	/* acknowledged */
	mn.vm.config[6] = 1;
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);
	CHECK(!nic->link_up);		/* no change notified: not re-read */
	vmodel_config_changed(&mn.vm);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), 0);
	CHECK(nic->link_up);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_tx_full(void)
{
	struct nic *nic;
	uint8_t f[64];

	CHECK_EQ(setup(2, F(F_VERSION_1) | F(F_MAC), &nic), 0);
	if (!nic)
		return;
	make_frame(f, sizeof(f), 4);
	mn.loopback = false;
	mn.hold_tx = true;
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(nic_send(nic, f, sizeof(f)), 0);
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -EAGAIN);
	CHECK_EQ(mn.tx_frames, 4);
	/* The device gives them back: the slots are reclaimed. */
	release_tx(&mn);
	mn.hold_tx = false;
	for (unsigned int i = 0; i < 10; i++)
		CHECK_EQ(nic_send(nic, f, sizeof(f)), 0);
	CHECK_EQ(mn.tx_frames, 14);
	/* Held for good: -EAGAIN for a while, then the device is dead. */
	mn.hold_tx = true;
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(nic_send(nic, f, sizeof(f)), 0);
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -EAGAIN);
	fake_clock_us += 2500000;
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -ETIMEDOUT);
	CHECK_EQ(mn.vm.status, 0x80);		/* reset, FAILED */
	CHECK(!nic->link_up);
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -EIO);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), -EIO);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_bad_rx(void)
{
	struct nic *nic;
	uint8_t f[80];

	CHECK_EQ(setup(2, F(F_VERSION_1) | F(F_MAC), &nic), 0);
	if (!nic)
		return;
	make_frame(f, sizeof(f), 8);
	mn.loopback = false;
	/* Shorter than a header and an Ethernet header; longer than a buffer. */
	mn.rx_len_override = 12 + 5;
	deliver(&mn, f, sizeof(f));
	mn.rx_len_override = 12 + NIC_FRAME_MAX + 1;
	deliver(&mn, f, sizeof(f));
	deliver(&mn, f, sizeof(f));
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), sizeof(f));
	CHECK(!memcmp(rx, f, sizeof(f)));
	CHECK_EQ(nic->rx_dropped, 2);
	CHECK_EQ(nic->rx_frames, 1);
	/* Every buffer went back to the device. */
	for (unsigned int i = 0; i < 8; i++)
		CHECK(deliver(&mn, f, sizeof(f)));
	CHECK_EQ(mn.rx_no_buffer, 0);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_args(void)
{
	struct nic *nic;
	uint8_t f[NIC_FRAME_MAX + 1] = { 0 };

	CHECK_EQ(setup(2, F(F_VERSION_1) | F(F_MAC), &nic), 0);
	if (!nic)
		return;
	CHECK_EQ(nic_send(nic, f, 13), -EINVAL);
	CHECK_EQ(nic_send(nic, f, NIC_FRAME_MAX + 1), -EINVAL);
	CHECK_EQ(nic_send(nic, NULL, 60), -EINVAL);
	CHECK_EQ(nic_recv(nic, rx, 100), -EINVAL);
	CHECK_EQ(nic_recv(nic, NULL, sizeof(rx)), -EINVAL);
	CHECK_EQ(mn.tx_frames, 0);
	/* A runt goes out padded to 60 bytes with zeros. */
	mn.loopback = false;
	memset(f, 0xab, 20);
	CHECK_EQ(nic_send(nic, f, 20), 0);
	CHECK_EQ(mn.tx_last_len, 60);
	CHECK(!memcmp(mn.tx_last, f, 20));
	for (unsigned int i = 20; i < 60; i++)
		CHECK_EQ(mn.tx_last[i], 0);
}

static void test_needs_reset(void)
{
	struct nic *nic;
	uint8_t f[64] = { 0 };

	CHECK_EQ(setup(1, F(F_MAC), &nic), 0);
	if (!nic)
		return;
	mn.vm.status |= 0x40;
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), -EIO);
	CHECK_EQ(mn.vm.status, 0x80);
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -EIO);
	CHECK_EQ(mn.vm.violations, 0);
}

static void test_shutdown(void)
{
	struct nic *nic;
	uint8_t f[64] = { 0 };
	unsigned int resets;

	CHECK_EQ(setup(2, F(F_VERSION_1), &nic), 0);
	if (!nic)
		return;
	resets = mn.vm.resets;
	nic->ops->shutdown(nic);
	CHECK_EQ(mn.vm.resets, resets + 1);
	CHECK_EQ(mn.vm.status, 0);
	CHECK_EQ(mn.vm.q[RXQ].ready, 0);
	CHECK(!nic->link_up);
	CHECK_EQ(nic_send(nic, f, sizeof(f)), -EIO);
	CHECK_EQ(nic_recv(nic, rx, sizeof(rx)), -EIO);
	nic->ops->shutdown(nic);		/* twice: nothing more */
	CHECK_EQ(mn.vm.resets, resets + 1);
}

static void test_not_ours(void)
{
	struct nic *nic;

	fake_mmio_reset();
	vmodel_init(&mn.vm, BASE, 2, 2, F(F_VERSION_1));
	vmodel_attach(&mn.vm);
	CHECK_EQ(virtio_net_driver.probe(&env, build_dt("virtio_mmio@a003c00"),
					 NULL, &nic),
		 -ENODEV);
	CHECK_EQ(mn.vm.writes, 0);
	/* Queues too small for one receive buffer. */
	CHECK_EQ(setup(1, F(F_MAC), &nic), 0);
	mn.vm.q[RXQ].num_max = 1;
	CHECK_EQ(virtio_net_driver.probe(&env, build_dt("virtio_mmio@a003c00"),
					 NULL, &nic),
		 -ENOTSUP);
	CHECK(mn.vm.status & 0x80);
}

int main(void)
{
	test_registry();
	test_modern();
	test_legacy_fixed();
	test_legacy_any_layout();
	test_derived_mac();
	test_link();
	test_tx_full();
	test_bad_rx();
	test_args();
	test_needs_reset();
	test_shutdown();
	test_not_ours();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_virtio_net");
}
