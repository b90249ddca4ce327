// SPDX-License-Identifier: MIT
/*
 * drivers/net/cadence_gem.c against tests/unit/gem_model.c: a ZynqMP GEM
 * as QEMU 7.2 models it (64-bit descriptors, two queues, PHY at MDIO
 * address 23), rings processed in host memory.  Probe through device
 * trees built here; frames through loopback and injected traffic; a
 * controller the "dead kernel" left running; PHY link, speed, MDIO clock;
 * MAC address sources; TX ring full, stuck, restarted.  This binary is
 * position independent, so our buffers sit above 4 GiB: the 64-bit upper
 * address registers are exercised, and a 32-bit-only GEM is refused
 * (tests/unit/test_gem32.c runs 32-bit descriptors below 4 GiB).
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/net/cadence_gem.h"
#include "drivers/net/nic.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/gem_model.h"

#define BASE 0xff0e0000u
#define BASE0 0xff0b0000u
#define BASE1 0xff0c0000u
#define BASE2 0xff0d0000u
#define ETHERTYPE_TEST 0x88b5	/* IEEE 802 local experimental */

static uint8_t dtb[16384];
static struct gem_model gm, gm0, gm1, gm2;
static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* The zcu102 shape: a PHY at 0xc in the DT (QEMU's answers at 23). */
static struct gm_dt_gem dt_default(void)
{
	return (struct gm_dt_gem){ .base = BASE, .phy_reg = 0xc,
				   .phy_under = -1 };
}

static int probe_dt(const struct gm_dt_gem *g, int n, int which,
		    struct nic **out)
{
	int nodes[4];
	struct dev_env env = { .fdt = dtb };

	*out = NULL;
	if (gem_model_dtb(dtb, sizeof(dtb), g, n, nodes))
		return -999;
	return gem_driver.probe(&env, nodes[which], NULL, out);
}

static struct nic *probe_ok(const struct gm_dt_gem *g)
{
	struct nic *n;

	CHECK_EQ(probe_dt(g, 1, 0, &n), 0);
	return n;
}

static void done(struct nic *n)
{
	if (n)
		n->ops->shutdown(n);
}

static void fresh(void)
{
	fake_mmio_reset();
	gem_model_attach(&gm, BASE);
}

static size_t make_frame(uint8_t *f, size_t len, const uint8_t *dst,
			 unsigned int seq)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	if (len >= 18)
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

static void test_tables(void)
{
	const char *want[] = { "cdns,zynqmp-gem", "cdns,gem", "cdns,macb" };

	CHECK_STR(gem_driver.name, "gem");
	for (unsigned int i = 0; i < 3; i++) {
		bool found = false;

		for (const struct fdt_match *m = gem_driver.matches;
		     m->compatible; m++)
			found |= !strcmp(m->compatible, want[i]);
		CHECK(found);
	}
	{
		unsigned listed = 0;

		for (const struct nic_driver *const *d = nic_drivers; *d; d++)
			listed += *d == &gem_driver;
		CHECK_EQ(listed, 1);
	}
}

/* The QEMU -M xlnx-zcu102 situation: firmware reset values, no kernel. */
static void test_probe(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;
	uint64_t rx, tx;

	fresh();
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK_STR(n->driver, "gem");
	CHECK_STR(n->name, "/axi/ethernet@ff0e0000");
	CHECK(!memcmp(n->mac, qemu_mac, 6));
	CHECK(n->link_up);
	CHECK_EQ(gm.bad, 0);
	CHECK_EQ(gm.ring_while_enabled, 0);
	CHECK_EQ(gm.mdio_bad + gm.mdio_no_mpe + gm.mdio_too_fast, 0);
	CHECK_EQ(gm.clrstat_while_running, 0);
	CHECK(gm.clrstat >= 1);
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE | GM_NCTRL_MPE |
			     GM_NCTRL_LOOPBACK),
		 GM_NCTRL_TE | GM_NCTRL_RE | GM_NCTRL_MPE);
	/* 64-bit descriptors, 1536-byte RX buffers, nothing extended. */
	CHECK(gm.dmacfg & GM_DMACFG_ADDR64);
	CHECK_EQ((gm.dmacfg >> GM_DMACFG_RXBS_SHIFT) & 0xff, 1536 / 64);
	CHECK_EQ(gm.dmacfg & (GM_DMACFG_RXEXT | GM_DMACFG_TXEXT |
			      GM_DMACFG_ENDIAN | GM_DMACFG_TXCOEN), 0);
	/* QEMU's PHY resolves to 1000 full; FCS removed; our MAC only. */
	CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_SPD | GM_NCFG_FD),
		 GM_NCFG_GBE | GM_NCFG_FD);
	CHECK(gm.ncfg & GM_NCFG_DRFCS);
	CHECK_EQ(gm.ncfg & (GM_NCFG_CAF | GM_NCFG_NBC | GM_NCFG_MTI |
			    GM_NCFG_UNI | GM_NCFG_RXCOEN | GM_NCFG_RBOF), 0);
	CHECK_EQ((gm.ncfg >> GM_NCFG_CLK_SHIFT) & 7, 7);	/* pclk unknown */
	CHECK_EQ((gm.ncfg >> GM_NCFG_DBW_SHIFT) & 3, 0);	/* DCFG1: 32 */
	CHECK_EQ(gm.imr, 0x07ffffff);
	CHECK_EQ(gm.imrq[1], 0xce6);
	CHECK(gm.sa_active[0]);
	CHECK_EQ(gm.sab[0], 0x12005452);
	CHECK_EQ(gm.sat[0], 0x5634);
	CHECK(!gm.sa_active[1] && !gm.sa_active[2] && !gm.sa_active[3]);
	CHECK_EQ(gm.phy.resets, 0);
	CHECK_EQ(gm.phy.an_restarts, 0);

	/* Our rings above 4 GiB: the upper registers and descriptor word 2. */
	rx = gem_model_rx_base(&gm, 0);
	tx = gem_model_tx_base(&gm, 0);
	CHECK(gm.rbqph != 0 && gm.rbqph == gm.tbqph);
	CHECK_EQ(gem_model_rx_stride(&gm), 16);
	CHECK_EQ(rx % 64, 0);
	CHECK_EQ(tx % 64, 0);
	CHECK_EQ(rd_desc(rx, 0) & (GM_RX_OWN | GM_RX_WRAP), 0);
	CHECK_EQ(rd_desc(rx, 2), gm.rbqph);
	CHECK_EQ(rd_desc(rx + 7 * 16, 0) & GM_RX_WRAP, GM_RX_WRAP);
	CHECK(rd_desc(tx, 1) & GM_TX_USED);
	CHECK_EQ(rd_desc(tx + 15 * 16, 1) & GM_TX_WRAP, GM_TX_WRAP);
	/* Queue 1 parked on descriptors that end at once. */
	CHECK(rd_desc(gem_model_tx_base(&gm, 1), 1) & GM_TX_USED);
	CHECK(rd_desc(gem_model_rx_base(&gm, 1), 0) & GM_RX_OWN);
	done(n);
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
}

static void test_loopback(void)
{
	static const size_t sizes[] = { 14, 42, 59, 60, 61, 100, 255, 1000,
					1513, 1514 };
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	struct nic *n;

	fresh();
	gm.loopback = true;
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK_EQ(n->ops->recv(n, r, sizeof(r)), 0);
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = make_frame(f, sizes[i], n->mac, i);
		size_t want = len < 60 ? 60 : len;

		memset(r, 0xaa, sizeof(r));
		CHECK_EQ(nic_send(n, f, len), 0);
		CHECK_EQ(nic_recv(n, r, sizeof(r)), want);
		CHECK(!memcmp(r, f, len));
		for (size_t k = len; k < want; k++)
			CHECK_EQ(r[k], 0);
		CHECK_EQ(gm.tx_log_len[(gm.tx_sent - 1) % GM_LOG_FRAMES], want);
		CHECK(!memcmp(gm.tx_log[(gm.tx_sent - 1) % GM_LOG_FRAMES], f,
			      len));
	}
	CHECK_EQ(nic_recv(n, r, sizeof(r)), 0);
	CHECK_EQ(n->tx_frames, 10);
	CHECK_EQ(n->rx_frames, 10);
	CHECK_EQ(n->rx_dropped, 0);
	CHECK_EQ(gm.dma_errors + gm.line_violations + gm.bad, 0);
	done(n);
}

/* Many laps of both rings, frame by frame and in bursts the RX ring cannot
 * hold (QEMU keeps the rest until the driver rewrites network_control). */
static void test_wraparound(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	unsigned int next = 0, got = 0;
	struct nic *n;

	fresh();
	gm.loopback = true;
	n = probe_ok(&g);
	if (!n)
		return;
	for (unsigned int i = 0; i < 1000; i++) {
		size_t len = make_frame(f, 60 + (i * 37) % 1455, n->mac, i);

		CHECK_EQ(nic_send(n, f, len), 0);
		CHECK_EQ(nic_recv(n, r, sizeof(r)), len);
		if (frame_seq(r) != i || memcmp(r, f, len)) {
			CHECK(!"frame came back changed");
			break;
		}
	}
	for (unsigned int burst = 1; burst <= 30; burst++) {
		for (unsigned int k = 0; k < burst; k++, next++) {
			make_frame(f, 100, n->mac, 5000 + next);
			CHECK_EQ(nic_send(n, f, 100), 0);
		}
		for (;;) {
			int len = nic_recv(n, r, sizeof(r));

			if (len <= 0)
				break;
			CHECK_EQ(frame_seq(r), 5000 + got);
			got++;
		}
		CHECK_EQ(got, next);
	}
	CHECK_EQ(gm.pending_n, 0);
	CHECK_EQ(gm.rx_missed, 0);
	CHECK_EQ(n->rx_dropped, 0);
	CHECK_EQ(gm.dma_errors + gm.line_violations + gm.bad, 0);
	done(n);
}

/* Traffic from the wire: broadcast and ours taken, others filtered. */
static void test_rx_traffic(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	unsigned int sent = 0, got = 0;
	struct nic *n;

	fresh();
	n = probe_ok(&g);
	if (!n)
		return;
	for (unsigned int round = 0; round < 200; round++) {
		unsigned int batch = 1 + round % 13;

		for (unsigned int k = 0; k < batch; k++) {
			make_frame(f, 64 + (sent % 5) * 300,
				   sent % 2 ? bcast : n->mac, sent);
			CHECK(gem_model_rx(&gm, f, 64 + (sent % 5) * 300) >= 0);
			make_frame(f, 80, other, 0);
			CHECK_EQ(gem_model_rx(&gm, f, 80), -1);
			sent++;
		}
		for (int len; (len = nic_recv(n, r, sizeof(r))) > 0; got++) {
			CHECK_EQ(len, 64 + (got % 5) * 300);
			CHECK_EQ(frame_seq(r), got);
		}
		CHECK_EQ(got, sent);
	}
	CHECK_EQ(gm.rx_filtered, sent);
	CHECK_EQ(gm.line_violations + gm.bad, 0);

	/* Hardware drops what finds no descriptor; the driver carries on. */
	gm.qemu_rx = false;
	for (unsigned int k = 0; k < 10; k++) {
		make_frame(f, 70, n->mac, 100 + k);
		gem_model_rx(&gm, f, 70);
	}
	CHECK_EQ(gm.rx_missed, 2);
	for (unsigned int k = 0; k < 8; k++) {
		CHECK_EQ(nic_recv(n, r, sizeof(r)), 70);
		CHECK_EQ(frame_seq(r), 100 + k);
	}
	CHECK_EQ(nic_recv(n, r, sizeof(r)), 0);
	make_frame(f, 70, n->mac, 200);
	CHECK_EQ(gem_model_rx(&gm, f, 70), 1);
	CHECK_EQ(nic_recv(n, r, sizeof(r)), 70);
	CHECK_EQ(frame_seq(r), 200);
	CHECK_EQ(gm.line_violations, 0);
	done(n);
}

/* A frame too long for a buffer (the model has no length limit) lands in
 * several; the driver drops it whole and counts it once. */
static void test_rx_oversize(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[2000], r[NIC_FRAME_MAX];
	struct nic *n;

	fresh();
	n = probe_ok(&g);
	if (!n)
		return;
	make_frame(f, 1800, n->mac, 1);
	CHECK_EQ(gem_model_rx(&gm, f, 1800), 1);
	make_frame(f, 200, n->mac, 2);
	CHECK_EQ(gem_model_rx(&gm, f, 200), 1);
	CHECK_EQ(nic_recv(n, r, sizeof(r)), 200);
	CHECK_EQ(frame_seq(r), 2);
	CHECK_EQ(n->rx_dropped, 1);
	CHECK_EQ(n->rx_frames, 1);
	done(n);
}

static void test_tx_full(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	struct nic *n;

	fresh();
	gm.tx_hold = true;
	n = probe_ok(&g);
	if (!n)
		return;
	for (unsigned int i = 0; i < 4; i++) {
		make_frame(f, 300, n->mac, i);
		CHECK_EQ(nic_send(n, f, 300), 0);
	}
	make_frame(f, 300, n->mac, 4);
	CHECK_EQ(nic_send(n, f, 300), -EAGAIN);
	CHECK_EQ(nic_send(n, f, 300), -EAGAIN);
	CHECK_EQ(n->tx_frames, 4);
	CHECK_EQ(gm.tx_sent, 0);
	CHECK(gm.tgo);

	gm.tx_hold = false;
	gem_model_poll(&gm);
	CHECK_EQ(gm.tx_sent, 4);
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(frame_seq(gm.tx_log[i]), i);
	CHECK_EQ(nic_send(n, f, 300), 0);
	CHECK_EQ(gm.tx_sent, 5);
	CHECK_EQ(frame_seq(gm.tx_log[4]), 4);

	/* A transmitter that stopped on a stale descriptor is restarted by
	 * the next call (send or recv) that finds frames still queued. */
	gm.drop_tstart = 1;
	make_frame(f, 300, n->mac, 5);
	CHECK_EQ(nic_send(n, f, 300), 0);
	CHECK_EQ(gm.tx_sent, 5);
	CHECK_EQ(nic_recv(n, r, sizeof(r)), 0);
	CHECK_EQ(gm.tx_sent, 6);
	CHECK_EQ(frame_seq(gm.tx_log[5]), 5);
	CHECK_EQ(gm.line_violations + gm.dma_errors + gm.bad, 0);
	done(n);
}

static void test_tx_stuck(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX];
	struct nic *n;
	unsigned int writes;

	fresh();
	gm.tx_hold = true;
	n = probe_ok(&g);
	if (!n)
		return;
	for (unsigned int i = 0; i < 4; i++) {
		make_frame(f, 100, n->mac, i);
		CHECK_EQ(nic_send(n, f, 100), 0);
	}
	CHECK_EQ(nic_send(n, f, 100), -EAGAIN);
	fake_clock_us += GEM_TX_TIMEOUT_US / 2;
	CHECK_EQ(nic_send(n, f, 100), -EAGAIN);
	writes = gm.nctrl_writes;
	fake_clock_us += GEM_TX_TIMEOUT_US;
	CHECK_EQ(nic_send(n, f, 100), -EIO);
	CHECK(gm.nctrl_writes >= writes + 2);	/* TX off, then on */
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE),
		 GM_NCTRL_TE | GM_NCTRL_RE);
	CHECK(!gm.tgo);
	gm.tx_hold = false;
	make_frame(f, 100, n->mac, 77);
	CHECK_EQ(nic_send(n, f, 100), 0);
	CHECK_EQ(gm.tx_sent, 1);		/* the held frames were dropped */
	CHECK_EQ(frame_seq(gm.tx_log[0]), 77);
	CHECK_EQ(gm.line_violations + gm.dma_errors, 0);
	done(n);
}

/*
 * The dead kernel's controller: TX and RX running on rings in its memory
 * (extended descriptors, a frame queued), queue 1 too, interrupts on,
 * status bits set, screeners, filters, loopback, frames arriving all the
 * time.  Nothing may touch its memory once the driver starts writing
 * network_control, and the rings must be swapped only with the DMA off.
 */
static struct {
	uint32_t rx[8 * 6], tx[8 * 6], rxq1[6], txq1[6];
	uint8_t rxbuf[8][2048];
	uint8_t txbuf[2][128];
} old __attribute__((aligned(64)));

static void dead_kernel(struct gem_model *m)
{
	const unsigned int stride = 6;	/* words: 64-bit + extended */
	uint64_t a;

	memset(&old, 0, sizeof(old));
	for (unsigned int i = 0; i < 8; i++) {
		a = (uintptr_t)old.rxbuf[i];
		old.rx[i * stride] = (uint32_t)a | (i == 7 ? GM_RX_WRAP : 0);
		old.rx[i * stride + 2] = (uint32_t)(a >> 32);
	}
	for (unsigned int i = 0; i < 8; i++) {
		a = (uintptr_t)old.txbuf[i % 2];
		old.tx[i * stride] = (uint32_t)a;
		old.tx[i * stride + 2] = (uint32_t)(a >> 32);
		old.tx[i * stride + 1] = i < 2 ? (64 | GM_TX_LAST)
					       : GM_TX_USED;
	}
	old.tx[7 * stride + 1] |= GM_TX_WRAP;
	for (unsigned int i = 0; i < 2; i++) {
		memset(old.txbuf[i], 0xff, 6);
		memcpy(old.txbuf[i] + 12, "\x88\xb5OLD", 5);
	}
	old.rxq1[0] = (uint32_t)(uintptr_t)old.rxbuf[0] | GM_RX_WRAP;
	old.txq1[1] = GM_TX_WRAP;	/* a frame of 0 bytes: never sent */

	m->dmacfg = GM_DMACFG_ADDR64 | GM_DMACFG_RXEXT | GM_DMACFG_TXEXT |
		    GM_DMACFG_TXCOEN | (32u << GM_DMACFG_RXBS_SHIFT) | 0x10;
	a = (uintptr_t)&old;
	m->rbqph = m->tbqph = (uint32_t)(a >> 32);
	m->rbqp[0] = (uint32_t)(uintptr_t)old.rx;
	m->tbqp[0] = (uint32_t)(uintptr_t)old.tx;
	m->rbqp[1] = (uint32_t)(uintptr_t)old.rxq1;
	m->tbqp[1] = (uint32_t)(uintptr_t)old.txq1;
	m->rx_cur = gem_model_rx_base(m, 0);
	m->tx_cur = gem_model_tx_base(m, 0);
	m->nctrl = GM_NCTRL_TE | GM_NCTRL_RE | GM_NCTRL_MPE | GM_NCTRL_LOOPBACK;
	m->ncfg = GM_NCFG_CAF | GM_NCFG_MTI | GM_NCFG_UNI | GM_NCFG_GBE |
		  GM_NCFG_FD | GM_NCFG_PCSSEL | (2u << GM_NCFG_CLK_SHIFT);
	m->imr = 0;
	m->imrq[1] = 0;
	m->isr = 0x82;
	m->tsr = 0x1f7;
	m->rsr = 0xf;
	m->dcfg8 = 4u << 24 | 4u << 16;
	for (unsigned int i = 0; i < 4; i++)
		m->scr1[i] = m->scr2[i] = 0xdeadbee0 | i;
	m->sab[1] = 0x44332211;
	m->sat[1] = 0x6655;
	m->sa_active[1] = true;
	m->hash[0] = m->hash[1] = ~0u;
	m->old_lo = (uintptr_t)&old;
	m->old_hi = (uintptr_t)&old + sizeof(old);
	m->babble = true;
}

static void test_dead_kernel(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t r[NIC_FRAME_MAX];
	struct nic *n;
	unsigned int got = 0;

	fresh();
	dead_kernel(&gm);
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK(gm.rx_done > 0);		/* traffic flowed before and after */
	CHECK_EQ(gm.old_dma, 0);
	CHECK_EQ(gm.ring_while_enabled, 0);
	CHECK_EQ(gm.tx_old_frames, 0);
	CHECK_EQ(gm.clrstat_while_running, 0);
	CHECK(gm.clrstat >= 1);
	CHECK_EQ(gm.imr, 0x07ffffff);
	CHECK_EQ(gm.imrq[1], 0xce6);
	CHECK_EQ(gm.tsr & 0x1f7, 0);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(gm.scr1[i], 0);
		CHECK_EQ(gm.scr2[i], 0);
	}
	CHECK_EQ(gm.dmacfg & (GM_DMACFG_RXEXT | GM_DMACFG_TXEXT |
			      GM_DMACFG_TXCOEN), 0);
	CHECK_EQ(gm.dmacfg & 0x1f, 0x10);	/* its burst length kept */
	CHECK_EQ(gm.ncfg & (GM_NCFG_CAF | GM_NCFG_MTI | GM_NCFG_UNI), 0);
	CHECK(gm.ncfg & GM_NCFG_PCSSEL);	/* the board's wiring kept */
	CHECK_EQ(gm.nctrl & GM_NCTRL_LOOPBACK, 0);
	CHECK(!gm.sa_active[1]);
	CHECK(gem_model_rx_base(&gm, 0) != (uintptr_t)old.rx);
	CHECK(gem_model_rx_base(&gm, 1) != (uintptr_t)old.rxq1);
	CHECK(gem_model_tx_base(&gm, 1) != (uintptr_t)old.txq1);
	/* The babble goes on, into our ring now. */
	for (int len; got < 40 && (len = nic_recv(n, r, sizeof(r))) >= 0;) {
		if (len == 0) {
			gem_model_poll(&gm);
			continue;
		}
		CHECK_EQ(len, 64);
		got++;
	}
	CHECK_EQ(got, 40);
	gm.babble = false;
	CHECK_EQ(gm.old_dma, 0);
	CHECK_EQ(gm.line_violations + gm.bad + gm.dma_errors, 0);
	done(n);
}

static void test_tgo_stuck(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;
	uint64_t t0;

	fresh();
	gm.nctrl = GM_NCTRL_TE | GM_NCTRL_RE;
	gm.tgo_stuck = true;
	t0 = fake_clock_us;
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 2 * GEM_STOP_TIMEOUT_US);
	CHECK_EQ(gm.rbqp[0], 0);		/* no rings installed */
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	CHECK(n == NULL);
}

static void test_autoneg(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;
	uint64_t t0;

	fresh();
	gm.phy.link = false;
	gm.phy.latched_low = true;
	gm.phy.bmcr = 0x0940;		/* powered down, AN off */
	gm.phy.an_reads = 6;
	t0 = fake_clock_us;
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK(n->link_up);
	CHECK_EQ(gm.phy.an_restarts, 1);
	CHECK_EQ(gm.phy.resets, 0);
	CHECK(gm.phy.bmcr & 0x1000);		/* AN enabled */
	CHECK_EQ(gm.phy.bmcr & 0x0800, 0);	/* powered up */
	CHECK(fake_clock_us - t0 < 1000000);
	CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_FD), GM_NCFG_GBE | GM_NCFG_FD);
	done(n);
}

static void test_link_never(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX];
	struct nic *n;
	uint64_t t0;

	fresh();
	gm.phy.link = false;
	gm.phy.an_never = true;
	t0 = fake_clock_us;
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK(!n->link_up);
	CHECK(fake_clock_us - t0 >= GEM_LINK_TIMEOUT_US);
	CHECK(fake_clock_us - t0 < GEM_LINK_TIMEOUT_US + 500000);
	CHECK_EQ(gm.phy.an_restarts, 1);
	/* The controller is up all the same; frames go nowhere. */
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE),
		 GM_NCTRL_TE | GM_NCTRL_RE);
	make_frame(f, 60, n->mac, 0);
	CHECK_EQ(nic_send(n, f, 60), 0);
	done(n);
}

struct speed_case {
	uint16_t bmcr, bmsr_caps, anar, lpa, ctrl1000, stat1000;
	uint32_t want;
};

static void test_speeds(void)
{
	static const struct speed_case cases[] = {
		{ 0x1140, 0x7949, 0x01e1, 0xcde1, 0x0300, 0x7c00,
		  GM_NCFG_GBE | GM_NCFG_FD },
		{ 0x1140, 0x7949, 0x01e1, 0xcde1, 0x0300, 0x0400, GM_NCFG_GBE },
		{ 0x1140, 0x7949, 0x01e1, 0x05e1, 0x0000, 0x7c00,
		  GM_NCFG_SPD | GM_NCFG_FD },
		{ 0x1140, 0x7949, 0x01e1, 0x0081, 0x0300, 0x0000, GM_NCFG_SPD },
		{ 0x1140, 0x7949, 0x01e1, 0x0041, 0x0300, 0x0000, GM_NCFG_FD },
		{ 0x1140, 0x7949, 0x0061, 0x01e1, 0x0300, 0x0000, GM_NCFG_FD },
		{ 0x1140, 0x7949, 0x01e1, 0x0021, 0x0300, 0x0000, 0 },
		/* no 1000BASE-T registers: registers 9 and 10 not asked */
		{ 0x1140, 0x7849, 0x01e1, 0xcde1, 0x0300, 0x7c00,
		  GM_NCFG_SPD | GM_NCFG_FD },
		/* auto-negotiation off: BMCR's speed and duplex */
		{ 0x2100, 0x7949, 0x01e1, 0x0000, 0x0300, 0x7c00,
		  GM_NCFG_SPD | GM_NCFG_FD },
		{ 0x0040, 0x7949, 0x01e1, 0x0000, 0x0300, 0x7c00, GM_NCFG_GBE },
		{ 0x0000, 0x7949, 0x01e1, 0x0000, 0x0300, 0x7c00, 0 },
	};
	struct gm_dt_gem g = dt_default();

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct speed_case *c = &cases[i];
		struct nic *n;

		fresh();
		gm.phy.bmcr = c->bmcr;
		gm.phy.bmsr_caps = c->bmsr_caps;
		gm.phy.anar = c->anar;
		gm.phy.lpa = c->lpa;
		gm.phy.ctrl1000 = c->ctrl1000;
		gm.phy.stat1000 = c->stat1000;
		n = probe_ok(&g);
		CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_SPD | GM_NCFG_FD),
			 c->want);
		done(n);
	}
}

static void test_phy_address(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	/* The DT's address answers: no scan. */
	fresh();
	g.phy_reg = 23;
	n = probe_ok(&g);
	CHECK(gm.mdio_ops < 16);
	CHECK(n && n->link_up);
	done(n);

	/* QEMU's zcu102: DT says 0xc, the model PHY is at 23: scanned. */
	fresh();
	g.phy_reg = 0xc;
	n = probe_ok(&g);
	CHECK(gm.mdio_ops >= 24);
	CHECK(gm.phy.reads > 2);
	CHECK(n && n->link_up);
	done(n);

	/* No phy-handle at all: scanned. */
	fresh();
	g.phy_reg = -1;
	gm.phy.addr = 3;
	n = probe_ok(&g);
	CHECK(gm.phy.reads > 2);
	done(n);

	/* Nobody answers: the speed the dead kernel set, link assumed. */
	fresh();
	g.phy_reg = 0xc;
	gm.phy.present = false;
	gm.ncfg = GM_NCFG_SPD | GM_NCFG_FD;
	n = probe_ok(&g);
	CHECK(n && n->link_up);
	CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_SPD | GM_NCFG_FD),
		 GM_NCFG_SPD | GM_NCFG_FD);
	/* ID1 and ID2 at the DT's 0xc, then at each of 32 addresses */
	CHECK_EQ(gm.mdio_ops, 2 + 64);
	done(n);
}

static void test_fixed_link(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	fresh();
	g.phy_reg = -1;
	g.fixed_speed = 100;
	g.fixed_full_duplex = true;
	n = probe_ok(&g);
	CHECK(n && n->link_up);
	CHECK_EQ(gm.mdio_ops, 0);
	CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_SPD | GM_NCFG_FD),
		 GM_NCFG_SPD | GM_NCFG_FD);
	done(n);

	/* A speed network_config cannot express: ignored, the PHY asked. */
	fresh();
	g.fixed_speed = 2500;
	n = probe_ok(&g);
	CHECK(gm.mdio_ops > 0);
	CHECK_EQ(gm.ncfg & (GM_NCFG_GBE | GM_NCFG_SPD | GM_NCFG_FD),
		 GM_NCFG_GBE | GM_NCFG_FD);
	done(n);
}

/* ZCU1751 DC4: every GEM's PHY on GEM0's MDIO bus. */
static void test_shared_mdio(void)
{
	struct gm_dt_gem g[2] = {
		{ .base = BASE0, .phy_reg = 0, .phy_under = -1 },
		{ .base = BASE1, .phy_reg = 7, .phy_under = 0 },
	};
	struct nic *n;

	fake_mmio_reset();
	gem_model_attach(&gm0, BASE0);
	gem_model_attach(&gm1, BASE1);
	gm0.phy.addr = 7;
	gm0.nctrl = GM_NCTRL_TE | GM_NCTRL_RE;	/* GEM0 runs: leave it be */
	gm0.ncfg = GM_NCFG_GBE | GM_NCFG_FD | (3u << GM_NCFG_CLK_SHIFT);
	gm1.phy.present = false;
	CHECK_EQ(probe_dt(g, 2, 1, &n), 0);
	CHECK(n && n->link_up);
	CHECK(gm0.mdio_ops > 0);
	CHECK_EQ(gm1.mdio_ops, 0);
	CHECK_EQ(gm0.nctrl, GM_NCTRL_TE | GM_NCTRL_RE | GM_NCTRL_MPE);
	CHECK_EQ(gm0.ncfg, GM_NCFG_GBE | GM_NCFG_FD | (3u << GM_NCFG_CLK_SHIFT));
	CHECK_EQ(gm1.ncfg & (GM_NCFG_GBE | GM_NCFG_FD), GM_NCFG_GBE | GM_NCFG_FD);
	CHECK_EQ(gm0.bad + gm1.bad + gm0.mdio_bad, 0);
	done(n);
}

static void check_mdc(uint32_t pclk, uint32_t code)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	fresh();
	g.pclk_hz = pclk;
	gm.pclk_hz = pclk;
	gm.mdio_busy_reads = 3;
	n = probe_ok(&g);
	CHECK_EQ((gm.ncfg >> GM_NCFG_CLK_SHIFT) & 7, code);
	CHECK_EQ(gm.mdio_too_fast, 0);
	CHECK(gm.mdio_ops > 0);
	done(n);
}

static void test_mdio(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;
	uint64_t t0;

	check_mdc(20000000, 0);		/* /8 */
	check_mdc(40000000, 1);		/* /16 */
	check_mdc(80000000, 2);		/* /32 */
	check_mdc(100000000, 3);	/* /48: 2.08 MHz */
	check_mdc(125000000, 4);	/* /64: 1.95 MHz */
	check_mdc(320000000, 6);	/* /128 */
	check_mdc(540000000, 7);	/* /224 */

	/* MDIO dead from the start: no PHY found, probe still bounded. */
	fresh();
	gm.mdio_stuck = true;
	t0 = fake_clock_us;
	n = probe_ok(&g);
	CHECK(fake_clock_us - t0 < 40 * GEM_MDIO_TIMEOUT_US);
	done(n);

	/* MDIO dies after the PHY answered: probe fails, controller off. */
	fresh();
	g.phy_reg = 23;
	gm.mdio_ok_ops = 2;
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ETIMEDOUT);
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	CHECK(n == NULL);
}

static void check_mac(const uint8_t *dt_mac, const uint8_t *dt_local,
		      uint32_t sab, uint32_t sat, const uint8_t *want)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	fresh();
	g.mac_address = dt_mac;
	g.local_mac_address = dt_local;
	gm.sab[0] = sab;
	gm.sat[0] = sat;
	n = probe_ok(&g);
	if (!n)
		return;
	CHECK(!memcmp(n->mac, want, 6));
	CHECK(gm.sa_active[0]);
	CHECK_EQ(gm.sab[0], (uint32_t)want[0] | want[1] << 8 | want[2] << 16 |
				    (uint32_t)want[3] << 24);
	CHECK_EQ(gm.sat[0], (uint32_t)want[4] | want[5] << 8);
	done(n);
}

static void test_mac(void)
{
	static const uint8_t dt[6] = { 0x00, 0x0a, 0x35, 0x00, 0x22, 0x01 };
	static const uint8_t local[6] = { 0x00, 0x0a, 0x35, 0x00, 0x22, 0x02 };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t zero[6];
	static const uint8_t gen[6] = { 0x02, 't', 'd', 0x00, 0xff, 0x0e };

	check_mac(dt, local, 0x12005452, 0x5634, dt);
	check_mac(mcast, local, 0x12005452, 0x5634, local);
	check_mac(zero, NULL, 0x12005452, 0x5634, qemu_mac);
	check_mac(NULL, NULL, 0x12005452, 0x5634, qemu_mac);
	check_mac(NULL, NULL, 0, 0, gen);
	check_mac(NULL, NULL, 0x12005453, 0x5634, gen);	/* multicast */
}

static void test_macb(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	fresh();
	g.compatible = "cdns,macb";
	gm.mid = 0x00010119;
	gm.nctrl = GM_NCTRL_TE;
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ENOTSUP);
	CHECK_EQ(gm.nctrl_writes, 0);
	CHECK_EQ(gm.bad, 0);
	/* A GEM behind "cdns,macb" is taken. */
	fresh();
	g.compatible = "cdns,macb";
	n = probe_ok(&g);
	done(n);
}

/* 32-bit DMA and our buffers above 4 GiB (this binary is PIE). */
static void test_32bit_refused(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;

	CHECK((uintptr_t)dtb >> 32);	/* the premise */
	fresh();
	gm.dcfg6 = 0x2;
	gm.nctrl = GM_NCTRL_TE | GM_NCTRL_RE;
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ENOTSUP);
	CHECK_EQ(gm.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	CHECK_EQ(gm.rbqp[0], 0);
}

static void test_busy_and_shutdown(void)
{
	struct gm_dt_gem g[2] = {
		{ .base = BASE0, .phy_reg = 23, .phy_under = -1 },
		{ .base = BASE1, .phy_reg = 23, .phy_under = -1 },
	};
	uint8_t f[NIC_FRAME_MAX], r[NIC_FRAME_MAX];
	struct nic *a, *b;

	fake_mmio_reset();
	gem_model_attach(&gm0, BASE0);
	gem_model_attach(&gm1, BASE1);
	CHECK_EQ(probe_dt(g, 2, 0, &a), 0);
	CHECK_EQ(probe_dt(g, 2, 1, &b), -EBUSY);
	CHECK_EQ(gm1.nctrl_writes, 0);
	a->ops->shutdown(a);
	CHECK_EQ(gm0.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	make_frame(f, 60, qemu_mac, 0);
	CHECK_EQ(nic_send(a, f, 60), -EIO);
	CHECK_EQ(nic_recv(a, r, sizeof(r)), -EIO);
	a->ops->shutdown(a);		/* twice is fine */
	CHECK_EQ(probe_dt(g, 2, 1, &b), 0);
	CHECK_EQ(gm1.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE),
		 GM_NCTRL_TE | GM_NCTRL_RE);
	done(b);
}

static void test_bad_input(void)
{
	struct gm_dt_gem g = dt_default();
	uint8_t f[NIC_FRAME_MAX + 1], r[NIC_FRAME_MAX];
	struct dev_env env = { .fdt = dtb };
	struct nic *n;

	fresh();
	n = probe_ok(&g);
	if (!n)
		return;
	make_frame(f, sizeof(f), n->mac, 0);
	CHECK_EQ(nic_send(n, NULL, 60), -EINVAL);
	CHECK_EQ(nic_send(n, f, 13), -EINVAL);
	CHECK_EQ(nic_send(n, f, NIC_FRAME_MAX + 1), -EINVAL);
	CHECK_EQ(nic_recv(n, r, NIC_FRAME_MAX - 1), -EINVAL);
	CHECK_EQ(nic_recv(n, NULL, NIC_FRAME_MAX), -EINVAL);
	CHECK_EQ(n->tx_frames, 0);
	done(n);

	fresh();
	g.status = "disabled";
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ENODEV);
	g.status = "okay";
	g.no_reg = true;
	CHECK_EQ(probe_dt(&g, 1, 0, &n), -ENODEV);
	CHECK_EQ(gm.nctrl_writes, 0);
	CHECK_EQ(gem_driver.probe(NULL, 0, NULL, &n), -EINVAL);
	CHECK_EQ(gem_driver.probe(&env, -1, NULL, &n), -EINVAL);
	CHECK_EQ(fake_mmio_stray, 0);
}

static void test_quiesce_all(void)
{
	struct gm_dt_gem g[3] = {
		{ .base = BASE0, .phy_reg = -1, .phy_under = -1 },
		{ .base = BASE1, .phy_reg = -1, .phy_under = -1,
		  .status = "disabled" },
		{ .base = BASE2, .phy_reg = -1, .phy_under = -1 },
	};
	int nodes[3];
	struct dev_env env = { .fdt = dtb };

	fake_mmio_reset();
	gem_model_attach(&gm0, BASE0);
	gem_model_attach(&gm1, BASE1);
	gem_model_attach(&gm2, BASE2);
	gm0.nctrl = gm1.nctrl = gm2.nctrl = GM_NCTRL_TE | GM_NCTRL_RE;
	gm0.imr = gm1.imr = gm2.imr = 0;
	CHECK_EQ(gem_model_dtb(dtb, sizeof(dtb), g, 3, nodes), 0);
	CHECK_EQ(gem_quiesce_all(&env), 2);
	CHECK_EQ(gm0.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	CHECK_EQ(gm2.nctrl & (GM_NCTRL_TE | GM_NCTRL_RE), 0);
	CHECK_EQ(gm0.imr, 0x07ffffff);
	CHECK_EQ(gm1.nctrl, GM_NCTRL_TE | GM_NCTRL_RE);
	CHECK_EQ(gm1.nctrl_writes, 0);
	CHECK_EQ(gm0.bad + gm1.bad + gm2.bad, 0);
	CHECK_EQ(gem_quiesce_all(NULL), 0);
}

/* The cache-line check of the model catches a CPU write into a line with
 * a descriptor the device owns: the other tests' zero counts mean
 * something. */
static void test_line_check_works(void)
{
	struct gm_dt_gem g = dt_default();
	struct nic *n;
	uint32_t *d, save;

	fresh();
	n = probe_ok(&g);
	if (!n)
		return;
	gm.quiet = true;
	d = gem_model_ptr(&gm, gem_model_rx_base(&gm, 0) + 16);
	save = d[1];
	d[1] = 0x1234;
	gem_model_poll(&gm);
	CHECK_EQ(gm.line_violations, 1);
	d[1] = save;
	gm.snap_valid = false;		/* the one planted write, reported */
	done(n);
}

int main(void)
{
	test_tables();
	test_probe();
	test_loopback();
	test_wraparound();
	test_rx_traffic();
	test_rx_oversize();
	test_tx_full();
	test_tx_stuck();
	test_dead_kernel();
	test_tgo_stuck();
	test_autoneg();
	test_link_never();
	test_speeds();
	test_phy_address();
	test_fixed_link();
	test_shared_mdio();
	test_mdio();
	test_mac();
	test_macb();
	test_32bit_refused();
	test_busy_and_shutdown();
	test_bad_input();
	test_quiesce_all();
	test_line_check_works();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_gem");
}
