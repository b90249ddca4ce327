// SPDX-License-Identifier: MIT
/*
 * drivers/mmc/sdhci.c against the SDHCI model (tests/unit/fake_sdhci.c)
 * with an SD card behind it: reset and clock set-up, transfers by PIO,
 * SDMA across a buffer boundary, 32- and 64-bit ADMA2, the fall-back to
 * PIO for buffers DMA cannot reach, ADMA errors, ADMA2 boundary splits,
 * the BCM2835 (32-bit accesses only, spaced writes), Arasan and DWC MSHC
 * quirks, the PCI binding and a v2.00 controller, and controllers that
 * never finish a reset or never get a stable clock.  Linked without PIE
 * (tests/build.mk): static buffers are below 4 GiB, heap ones above.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/blk.h"
#include "drivers/mmc/mmc.h"
#include "drivers/mmc/sdhci.h"
#include "drivers/mmio.h"
#include "drivers/pci/pci.h"
#include "payload/log.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_sdhci.h"

#define BASE 0x40010000u
#define BASE2 0x40020000u
#define CFG 0x30000000u
#define CARD_BLOCKS (4ull << 21)	/* 4 GiB: SDHC */

/* Capability bits (HC §2.2.25). */
#define CAP_ADMA2 (1u << 19)
#define CAP_SDMA (1u << 22)
#define CAP_64BIT (1u << 28)

static struct fsd m, m2;
static uint8_t pattern[256 * 1024] __attribute__((aligned(64)));
static uint8_t back[256 * 1024] __attribute__((aligned(64)));
/* 1 MiB on a 512 KiB boundary: SDMA buffers that cross one. */
static uint8_t big[1u << 20] __attribute__((aligned(1u << 19)));

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static void setup(void)
{
	fake_mmio_reset();
	fsd_init(&m, BASE);
	fsd_card_sd(&m, CARD_BLOCKS);
}

static int probe_generic(struct blk_dev **d)
{
	struct fsd_dt dt = { .compatible = "sdhci", .bus_width = 4 };

	fsd_attach(&m);
	return fsd_probe_dt(&m, &dt, d);
}

/* Write @n blocks at @lba from @src, read them back into @dst, compare. */
static void round_trip(struct blk_dev *d, uint64_t lba, uint32_t n,
		       uint8_t *src, uint8_t *dst, unsigned int seed)
{
	fill(src, (size_t)n * 512, seed);
	memset(dst, 0, (size_t)n * 512);
	CHECK_EQ(blk_write(d, lba, n, src), 0);
	CHECK(!memcmp(fsd_block(&m, lba), src, 512));
	CHECK(!memcmp(fsd_block(&m, lba + n - 1), src + (size_t)(n - 1) * 512,
		      512));
	CHECK_EQ(blk_read(d, lba, n, dst), 0);
	CHECK(!memcmp(src, dst, (size_t)n * 512));
}

static bool has_compatible(const char *c)
{
	for (const struct fdt_match *e = sdhci_driver.matches; e->compatible;
	     e++)
		if (!strcmp(e->compatible, c))
			return true;
	return false;
}

static bool pci_class_matches(uint32_t class_code)
{
	for (const struct pci_match *e = sdhci_pci_driver.matches;
	     e->class_mask; e++)
		if ((class_code & e->class_mask) == e->class_code)
			return true;
	return false;
}

static void test_tables(void)
{
	bool dt = false, pci = false;

	CHECK_STR(sdhci_driver.name, "sdhci");
	CHECK_STR(sdhci_pci_driver.name, "sdhci-pci");
	CHECK(has_compatible("brcm,bcm2835-sdhci"));
	CHECK(has_compatible("arasan,sdhci-8.9a"));
	CHECK(has_compatible("snps,dwcmshc-sdhci"));
	CHECK(has_compatible("sdhci"));
	CHECK(pci_class_matches(0x080501));	/* QEMU sdhci-pci */
	CHECK(pci_class_matches(0x080500));
	CHECK(!pci_class_matches(0x080502));	/* vendor-specific registers */
	CHECK(!pci_class_matches(0x010802));	/* NVMe */
	for (const struct blk_driver *const *p = blk_drivers; *p; p++)
		dt |= *p == &sdhci_driver;
	for (const struct pci_blk_driver *const *p = pci_blk_drivers; *p; p++)
		pci |= *p == &sdhci_pci_driver;
	CHECK(dt && pci);
}

/* QEMU-like v3.00 controller, ADMA2 without 64-bit: 32-bit ADMA2. */
static void test_adma32(void)
{
	struct blk_dev *d = NULL;

	setup();
	m.caps &= ~(uint64_t)CAP_64BIT;
	CHECK_EQ(probe_generic(&d), 0);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_STR(d->driver, "sdhci");
	CHECK_STR(d->name, "/mmc@40010000");
	CHECK_EQ(d->block_size, 512);
	CHECK_EQ(d->blocks, CARD_BLOCKS);
	CHECK_EQ(m.resets_all, 1);
	/* 52 MHz base: 400 kHz is 52 / (2 x 65); high speed gets 26 MHz. */
	CHECK_EQ(m.last_clock_hz, 26000000);
	CHECK(m.card.hs_on);
	CHECK_EQ(m.card.width, 4);
	CHECK(m.nint_en && m.eint_en);
	CHECK_EQ(m.nsig, 0);	/* polled: no interrupt lines */
	/* SCR and switch status (8 and 64 bytes) went by ADMA2 too. */
	CHECK_EQ(m.n_adma32, 3);
	round_trip(d, 100, 300, pattern, back, 1);
	CHECK_EQ(m.n_adma32, 5);
	CHECK_EQ(m.n_adma64 + m.n_sdma + m.n_pio, 0);
	CHECK(m.adma_descs >= 3 + 5 + 5);	/* 150 KiB in 32 KiB pieces */
	/* One command's worth: 512 blocks; more is split. */
	round_trip(d, 500, 512, pattern, back, 2);
	CHECK_EQ(m.violations, 0);
}

/* SDMA only: a buffer across a 512 KiB boundary stops once each way. */
static void test_sdma_boundary(void)
{
	struct blk_dev *d = NULL;
	uint8_t *buf = big + (512u << 10) - 8192;

	setup();
	m.caps &= ~(uint64_t)(CAP_ADMA2 | CAP_64BIT);
	CHECK_EQ(probe_generic(&d), 0);
	if (!d)
		return;
	fill(buf, 64 * 512, 3);
	CHECK_EQ(blk_write(d, 77, 64, buf), 0);
	CHECK_EQ(m.sdma_stops, 1);
	CHECK(!memcmp(fsd_block(&m, 77 + 20), buf + 20 * 512, 512));
	memset(back, 0, 64 * 512);
	memcpy(back, buf, 64 * 512);
	memset(buf, 0, 64 * 512);
	CHECK_EQ(blk_read(d, 77, 64, buf), 0);
	CHECK_EQ(m.sdma_stops, 2);
	CHECK(!memcmp(buf, back, 64 * 512));
	CHECK(m.n_sdma >= 2);
	CHECK_EQ(m.n_adma32 + m.n_adma64, 0);
	/* A buffer inside one boundary window: no stop. */
	round_trip(d, 500, 16, big, back, 4);
	CHECK_EQ(m.sdma_stops, 2);
	CHECK_EQ(m.violations, 0);
}

static void test_pio(void)
{
	struct blk_dev *d = NULL;

	setup();
	m.caps &= ~(uint64_t)(CAP_ADMA2 | CAP_SDMA | CAP_64BIT);
	CHECK_EQ(probe_generic(&d), 0);
	if (!d)
		return;
	round_trip(d, 7, 33, pattern, back, 5);
	round_trip(d, 8, 1, pattern, back, 6);
	CHECK_EQ(m.n_sdma + m.n_adma32 + m.n_adma64, 0);
	CHECK_EQ(m.violations, 0);
}

/*
 * 64-bit ADMA2 takes buffers anywhere; a 32-bit controller falls back to
 * PIO for a buffer above 4 GiB (the heap of this test) or one not 4-byte
 * aligned.
 */
static void test_dma_reach(void)
{
	struct blk_dev *d = NULL;
	uint8_t *heap = malloc(64 * 512 + 8), *heap2 = malloc(64 * 512);
	unsigned int pio;

	CHECK(heap && heap2);
	if (!heap || !heap2)
		goto out;
	CHECK((uintptr_t)heap > 0xffffffffu);	/* else the test proves nothing */
	setup();
	m.caps |= CAP_64BIT;
	CHECK_EQ(probe_generic(&d), 0);
	if (!d)
		goto out;
	CHECK_EQ(m.n_adma64, 3);	/* SCR, switch status x 2 */
	round_trip(d, 100, 64, heap, heap2, 7);
	CHECK_EQ(m.n_adma64, 5);
	CHECK_EQ(m.n_adma32, 0);
	pio = m.n_pio;
	/* 64-bit ADMA2 wants 8-byte aligned data: the write goes by PIO. */
	round_trip(d, 200, 4, heap + 4, heap2, 8);
	CHECK_EQ(m.n_pio, pio + 1);
	CHECK_EQ(m.n_adma64, 6);
	CHECK_EQ(m.violations, 0);

	setup();
	m.caps &= ~(uint64_t)CAP_64BIT;
	CHECK_EQ(probe_generic(&d), 0);
	if (!d)
		goto out;
	pio = m.n_pio;
	CHECK_EQ(m.n_adma32, 3);
	round_trip(d, 100, 64, heap, heap2, 9);
	CHECK_EQ(m.n_pio, pio + 2);
	CHECK_EQ(m.n_adma32, 3);
	round_trip(d, 300, 8, pattern + 2, back, 10);	/* misaligned write */
	CHECK_EQ(m.n_pio, pio + 3);
	CHECK_EQ(m.n_adma32, 4);
	round_trip(d, 300, 8, pattern + 4, back, 11);
	CHECK_EQ(m.n_adma32, 6);
	CHECK_EQ(m.violations, 0);
out:
	free(heap);
	free(heap2);
}

static void test_adma_error(void)
{
	struct blk_dev *d = NULL;
	unsigned int resets;

	setup();
	CHECK_EQ(probe_generic(&d), 0);
	if (!d)
		return;
	fill(pattern, 8 * 512, 12);
	/* Once: the transfer is retried and succeeds. */
	m.adma_error = 1;
	resets = m.resets_data;
	CHECK_EQ(blk_write(d, 40, 8, pattern), 0);
	CHECK(m.resets_data > resets);
	CHECK(!memcmp(fsd_block(&m, 47), pattern + 7 * 512, 512));
	/* Always: -EIO, promptly. */
	m.adma_error = -1;
	CHECK_EQ(blk_read(d, 40, 8, back), -EIO);
	m.adma_error = 0;
	CHECK_EQ(blk_read(d, 40, 8, back), 0);
	CHECK(!memcmp(back, pattern, 8 * 512));
	CHECK_EQ(m.violations, 0);
}

/* DWC MSHC: no ADMA2 descriptor across its boundary (here 4 KiB). */
static void test_adma_boundary_split(void)
{
	static const struct sdhci_quirks q = { .adma_boundary = 4096 };
	static struct sdhci_host h;
	static struct mmc_card c;
	static uint8_t table[SDHCI_ADMA_TABLE_SIZE] __attribute__((aligned(8)));
	struct sdhci_config cfg = { .base = BASE, .name = "dwc", .bus_width = 4 };
	uint8_t *buf = big + 4096 - 1024;	/* 16 blocks over 3 pages */

	setup();
	m.adma_boundary = 4096;
	fsd_attach(&m);
	CHECK_EQ(sdhci_host_init(&h, &cfg, &q, table), 0);
	CHECK_EQ(h.dma, SDHCI_DMA_ADMA32);
	CHECK_EQ(mmc_card_init(&c, &h.mmc, "test", "dwc"), 0);
	/* The 136-bit responses, CRC byte dropped, in the right bits. */
	for (int i = 0; i < 4; i++) {
		uint32_t cid = 0, csd = 0;

		for (int b = 0; b < 4; b++) {
			cid = cid << 8 | m.card.cid[(3 - i) * 4 + b];
			csd = csd << 8 | m.card.csd[(3 - i) * 4 + b];
		}
		CHECK_EQ(c.cid[i], i ? cid : cid & ~0xffu);
		CHECK_EQ(c.csd[i], i ? csd : csd & ~0xffu);
	}
	fill(buf, 16 * 512, 13);
	m.adma_descs = 0;
	CHECK_EQ(mmc_write_blocks(&c, 9, 16, buf), 0);
	CHECK_EQ(m.adma_descs, 3);	/* 1 KiB, 4 KiB, 3 KiB */
	CHECK(!memcmp(fsd_block(&m, 24), buf + 15 * 512, 512));
	CHECK_EQ(m.violations, 0);
	sdhci_host_stop(&h);
	CHECK_EQ(m.power, 0);
	CHECK_EQ(m.clock, 0);
}

/*
 * BCM2835: every access 32 bits wide, writes to one register spaced at
 * low clocks, no High Speed Enable, PIO whatever the capabilities say,
 * and the base clock from the DT or assumed (250 MHz).
 */
static void bcm2835(uint32_t dt_clock, uint32_t real_hz)
{
	struct fsd_dt dt = { .compatible = "brcm,bcm2835-sdhci",
			     .bus_width = 4, .clock_frequency = dt_clock };
	struct blk_dev *d = NULL;

	setup();
	m.strict32 = true;
	m.caps = 0x052134b4u | CAP_SDMA;	/* QEMU raspi, plus a false SDMA */
	m.real_base_hz = real_hz;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	if (!d)
		return;
	round_trip(d, 5, 40, pattern, back, 14);
	CHECK_EQ(m.narrow_accesses, 0);
	CHECK_EQ(m.lost_writes, 0);
	CHECK(!m.hispd_seen);
	CHECK(m.n_pio >= 4);
	CHECK_EQ(m.n_sdma + m.n_adma32 + m.n_adma64, 0);
	CHECK(m.card.hs_on);
	CHECK(m.max_clock_hz <= 50000000 && m.max_clock_hz > 25000000);
	CHECK_EQ(m.violations, 0);
}

static void test_bcm2835(void)
{
	const char *log;
	size_t len;

	bcm2835(0, 250000000);
	log_captured(&log, &len);
	CHECK(strstr(log, "base clock assumed 250 MHz") != NULL);
	bcm2835(200000000, 200000000);

	/* The model does catch what the quirk avoids. */
	setup();
	m.strict32 = true;
	m.quiet = true;
	fsd_attach(&m);
	mmio_write16(BASE + 0x2c, 0);
	CHECK_EQ(m.narrow_accesses, 1);
	mmio_write32(BASE + 0x28, 0);
	mmio_write32(BASE + 0x28, 0);
	CHECK_EQ(m.lost_writes, 1);
}

/*
 * Arasan 8.9a: the base clock is the DT's "clk_xin", not the
 * capabilities' (ZynqMP's say 100 MHz for a 200 MHz clock); a divider of
 * 0 is never used, so a 50 MHz clock gives 25 MHz, where the generic
 * driver passes it through.
 */
static void test_arasan(void)
{
	struct fsd_dt dt = { .compatible = "arasan,sdhci-8.9a", .bus_width = 4,
			     .xin_hz = 200000000 };
	struct blk_dev *d = NULL;

	setup();
	m.caps = 0x280737ec6481ull;	/* QEMU xlnx-zcu102, UG1085 */
	m.real_base_hz = 200000000;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	if (!d)
		return;
	CHECK_EQ(m.last_clock_hz, 50000000);
	CHECK_EQ(m.n_adma64, 3);
	round_trip(d, 11, 20, pattern, back, 15);
	CHECK_EQ(m.n_adma64, 5);
	CHECK_EQ(m.violations, 0);

	dt = (struct fsd_dt){ .compatible = "arasan,sdhci-8.9a", .bus_width = 4,
			      .clock_frequency = 50000000 };
	setup();
	m.caps = 0x280737ec6481ull;
	m.real_base_hz = 50000000;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	CHECK_EQ(m.last_clock_hz, 25000000);
	CHECK_EQ(m.violations, 0);

	dt.compatible = "sdhci";
	setup();
	m.real_base_hz = 50000000;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	CHECK_EQ(m.last_clock_hz, 50000000);
	CHECK_EQ(m.violations, 0);

	/* "max-frequency" caps the card clock. */
	dt.max_frequency = 20000000;
	setup();
	m.real_base_hz = 50000000;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	CHECK(m.last_clock_hz <= 20000000);
	CHECK_EQ(m.violations, 0);
}

/* DWC MSHC: the "core" clock, not the capabilities. */
static void test_dwcmshc_clock(void)
{
	struct fsd_dt dt = { .compatible = "snps,dwcmshc-sdhci", .bus_width = 8,
			     .xin_hz = 100000000, .xin_name = "core" };
	struct blk_dev *d = NULL;

	setup();
	m.caps = (m.caps & ~0xff00ull) | (10u << 8);	/* claims 10 MHz */
	m.real_base_hz = 100000000;
	fsd_attach(&m);
	CHECK_EQ(fsd_probe_dt(&m, &dt, &d), 0);
	CHECK_EQ(m.last_clock_hz, 50000000);
	CHECK_EQ(m.card.width, 4);	/* an SD card: 4 bits on an 8-bit host */
	CHECK_EQ(m.violations, 0);
}

static void test_no_base_clock(void)
{
	struct blk_dev *d = NULL;

	setup();
	m.caps &= ~0xff00ull;
	CHECK_EQ(probe_generic(&d), -ENOTSUP);
	CHECK_EQ(m.power, 0);
}

/* QEMU's -device sdhci-pci: v2.00, caps 0x057834b4, class 080501h. */
static uint32_t cfg_slot_info;

static uint64_t cfg_read(void *ctx, uintptr_t off, unsigned int width)
{
	(void)ctx;
	CHECK_EQ(width, 4);
	return off == 0x40 ? cfg_slot_info : 0;
}

static struct pci_func pci_func(uint32_t class_code)
{
	struct pci_func f = {
		.cfg = CFG, .bus = 0, .dev = 3, .fn = 0,
		.vendor = 0x1b36, .device = 0x0007, .class_code = class_code,
	};

	f.bar[0] = BASE;
	f.bar_size[0] = 256;
	return f;
}

static int probe_pci(const struct pci_func *f, struct blk_dev **d)
{
	struct fake_device cfg = { .base = CFG, .size = 4096, .read = cfg_read };
	struct dev_env env = { 0 };

	fake_mmio_attach(&cfg);
	fsd_attach(&m);
	return sdhci_pci_driver.probe(&env, f, sdhci_pci_driver.matches[0].data,
				      d);
}

static void test_pci(void)
{
	struct pci_func f = pci_func(0x080501);
	struct blk_dev *d = NULL;

	setup();
	m.version = 0x2401;		/* v2.00 */
	m.caps = 0x057834b4;		/* ADMA2 32-bit, SDMA, HS, 52 MHz */
	cfg_slot_info = 0;
	CHECK_EQ(probe_pci(&f, &d), 0);
	if (!d)
		return;
	CHECK_STR(d->driver, "sdhci-pci");
	CHECK_STR(d->name, "pci-00:03.0");
	/* 8-bit power-of-two divider: 52 MHz / 2 = 26 MHz, 400 kHz -> 203. */
	CHECK_EQ(m.last_clock_hz, 26000000);
	round_trip(d, 2, 24, pattern, back, 16);
	CHECK_EQ(m.n_adma32, 5);
	CHECK_EQ(m.violations, 0);

	/* Programming interface 00h: no DMA. */
	f = pci_func(0x080500);
	setup();
	m.version = 0x2401;
	m.caps = 0x057834b4;
	CHECK_EQ(probe_pci(&f, &d), 0);
	round_trip(d, 2, 24, pattern, back, 17);
	CHECK_EQ(m.n_adma32 + m.n_sdma, 0);
	CHECK_EQ(m.violations, 0);

	/* Slot Information names BAR 1; BAR 1 unassigned: not usable. */
	f = pci_func(0x080501);
	setup();
	cfg_slot_info = 1;
	CHECK_EQ(probe_pci(&f, &d), -ENODEV);
	f.bar[1] = BASE;
	f.bar[0] = 0;
	f.bar_size[1] = 4096;
	setup();
	CHECK_EQ(probe_pci(&f, &d), 0);
	cfg_slot_info = 0;
	CHECK_EQ(m.violations, 0);
}

static void test_dead_controller(void)
{
	struct blk_dev *d = NULL;
	uint64_t t0;

	setup();
	m.version = 0xffff;
	CHECK_EQ(probe_generic(&d), -ENODEV);

	setup();
	m.reset_stuck = true;
	t0 = fake_clock_us;
	CHECK_EQ(probe_generic(&d), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 1000000);

	setup();
	m.clock_never_stable = true;
	t0 = fake_clock_us;
	CHECK_EQ(probe_generic(&d), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 1000000);
	CHECK_EQ(m.power, 0);	/* left off */
}

/*
 * What the dead kernel may leave: clock at 50 MHz, 4-bit high speed, ADMA
 * selected, statuses pending, the card selected in "tran".  A probe
 * starts from Reset All and a power cycle.
 */
static void test_left_running(void)
{
	struct blk_dev *d = NULL;

	setup();
	m.power = 0x0f;
	m.clock = 0x0007;
	m.hostctl = 0x16;
	m.nint_en = m.eint_en = 0xffff;
	m.nint = 0x0003;
	m.eint = 0x0010;
	m.card.state = 4;
	m.card.rca = 0x1234;
	m.card.width = 4;
	m.card.hs_on = true;
	CHECK_EQ(probe_generic(&d), 0);
	CHECK_EQ(m.card.rca, 0x4567);	/* identified afresh */
	round_trip(d, 60, 4, pattern, back, 18);
	CHECK_EQ(m.violations, 0);
}

/* A second controller: the first is reset before the slot is reused. */
static void test_reprobe(void)
{
	struct fsd_dt dt = { .compatible = "sdhci", .bus_width = 4 };
	struct blk_dev *d = NULL;

	setup();
	CHECK_EQ(probe_generic(&d), 0);
	fsd_init(&m2, BASE2);
	fsd_card_sd(&m2, CARD_BLOCKS);
	fsd_attach(&m2);
	CHECK_EQ(m.resets_all, 1);
	CHECK_EQ(fsd_probe_dt(&m2, &dt, &d), 0);
	CHECK_EQ(m.resets_all, 2);
	CHECK_EQ(m.power, 0);
	CHECK_STR(d->name, "/mmc@40020000");
	CHECK_EQ(m.violations + m2.violations, 0);
}

int main(void)
{
	test_tables();
	test_adma32();
	test_sdma_boundary();
	test_pio();
	test_dma_reach();
	test_adma_error();
	test_adma_boundary_split();
	test_bcm2835();
	test_arasan();
	test_dwcmshc_clock();
	test_no_base_clock();
	test_pci();
	test_dead_controller();
	test_left_running();
	test_reprobe();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_sdhci");
}
