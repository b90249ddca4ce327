// SPDX-License-Identifier: MIT
/*
 * drivers/net/cadence_gem.c with 32-bit DMA addressing (a GEM whose
 * designcfg_debug6 says no 64-bit addresses): 8-byte descriptors, eight
 * to a cache line, no upper address registers.  Every DMA address must
 * then lie below 4 GiB, which host pointers do only in a non-PIE binary:
 * tests/build.mk links this one with -no-pie.
 */
#include <errno.h>
#include <string.h>

#include "drivers/net/cadence_gem.h"
#include "drivers/net/nic.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/gem_model.h"

#define BASE 0xff0e0000u

static uint8_t dtb[8192];
static struct gem_model gm;

static struct nic *probe32(void)
{
	struct gm_dt_gem g = { .base = BASE, .phy_reg = 23, .phy_under = -1 };
	struct dev_env env = { .fdt = dtb };
	struct nic *n = NULL;
	int node;

	fake_mmio_reset();
	gem_model_attach(&gm, BASE);
	gm.dcfg6 = 0x2;		/* queue 1, no 64-bit addressing */
	CHECK_EQ(gem_model_dtb(dtb, sizeof(dtb), &g, 1, &node), 0);
	CHECK_EQ(gem_driver.probe(&env, node, NULL, &n), 0);
	return n;
}

static size_t make_frame(uint8_t *f, size_t len, const uint8_t *dst,
			 unsigned int seq)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02\x88\xb5", 8);
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 13 + i);
	memcpy(f + 14, &seq, 4);
	return len;
}

static unsigned int frame_seq(const uint8_t *f)
{
	unsigned int seq;

	memcpy(&seq, f + 14, 4);
	return seq;
}

static uint32_t rd_desc(uint64_t addr, unsigned int word)
{
	uint32_t v;

	memcpy(&v, gem_model_ptr(&gm, addr + 4 * word), 4);
	return v;
}

static void test_layout(void)
{
	struct nic *n;
	uint64_t rx, tx;

	CHECK(((uintptr_t)dtb >> 32) == 0);	/* the premise: non-PIE */
	n = probe32();
	if (!n)
		return;
	CHECK_EQ(gm.dmacfg & 0x40000000, 0);
	CHECK_EQ(gem_model_rx_stride(&gm), 8);
	CHECK_EQ(gm.rbqph, 0);
	CHECK_EQ(gm.tbqph, 0);
	rx = gem_model_rx_base(&gm, 0);
	tx = gem_model_tx_base(&gm, 0);
	CHECK_EQ(rd_desc(rx + 7 * 8, 0) & GM_RX_WRAP, GM_RX_WRAP);
	CHECK_EQ(rd_desc(rx + 6 * 8, 0) & GM_RX_WRAP, 0);
	/* Four TX groups of eight descriptors, the last one wrapping. */
	CHECK_EQ(rd_desc(tx + 31 * 8, 1) & GM_TX_WRAP, GM_TX_WRAP);
	CHECK_EQ(rd_desc(tx + 30 * 8, 1) & GM_TX_WRAP, 0);
	CHECK(rd_desc(gem_model_tx_base(&gm, 1), 1) & GM_TX_USED);
	CHECK(rd_desc(gem_model_rx_base(&gm, 1), 0) & GM_RX_OWN);
	CHECK_EQ(gm.bad + gm.ring_while_enabled, 0);
	n->ops->shutdown(n);
}

static void test_traffic(void)
{
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	unsigned int next = 0, got = 0;
	struct nic *n = probe32();

	if (!n)
		return;
	gm.loopback = true;
	for (unsigned int i = 0; i < 500; i++) {
		size_t len = make_frame(f, 60 + (i * 53) % 1455, n->mac, i);

		CHECK_EQ(nic_send(n, f, len), 0);
		CHECK_EQ(nic_recv(n, r, sizeof(r)), len);
		if (frame_seq(r) != i || memcmp(r, f, len)) {
			CHECK(!"frame came back changed");
			break;
		}
	}
	/* The whole RX ring is one line here: bursts beyond it wait in
	 * QEMU's queue until the driver has read all eight. */
	for (unsigned int burst = 1; burst <= 20; burst++) {
		for (unsigned int k = 0; k < burst; k++, next++) {
			make_frame(f, 200, n->mac, 1000 + next);
			CHECK_EQ(nic_send(n, f, 200), 0);
		}
		for (int len; (len = nic_recv(n, r, sizeof(r))) > 0; got++)
			CHECK_EQ(frame_seq(r), 1000 + got);
		CHECK_EQ(got, next);
	}
	CHECK_EQ(gm.rx_missed, 0);

	/* TX ring full while the transmitter holds frames. */
	gm.loopback = false;
	gm.tx_hold = true;
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(nic_send(n, f, 100), 0);
	CHECK_EQ(nic_send(n, f, 100), -EAGAIN);
	gm.tx_hold = false;
	gem_model_poll(&gm);
	CHECK_EQ(nic_send(n, f, 100), 0);
	CHECK_EQ(gm.line_violations + gm.dma_errors + gm.bad, 0);
	n->ops->shutdown(n);
}

int main(void)
{
	test_layout();
	test_traffic();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_gem32");
}
