// SPDX-License-Identifier: MIT
/*
 * drivers/mmc/mmc.c (through drivers/mmc/sdhci.c) against the SD and eMMC
 * card model of tests/unit/fake_sdhci.c: the SD v2 and v1 sequences,
 * high-capacity and standard-capacity (byte-addressed) cards, multi-block
 * transfers stopped by CMD23 or by CMD12, the eMMC sequence (CMD1,
 * EXT_CSD, SWITCH to 8 bits and high speed), and errors: no card, a card
 * that never powers up, command timeouts, data CRC errors, a card stuck
 * busy, a refused SWITCH.  Every wait must end within the bounds the
 * driver documents (fake clock, FAKE_CLOCK_STEP_US per read).
 */
#include <errno.h>
#include <string.h>

#include "drivers/blk.h"
#include "drivers/mmc/mmc.h"
#include "payload/log.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_sdhci.h"

#define BASE 0x40010000u
#define SDHC_BLOCKS (7580ull << 11)	/* a "8 GB" SDHC card: 7580 MiB */
#define SDSC_BLOCKS (131072ull)		/* 64 MiB */
#define EMMC_BLOCKS (30535680ull)	/* a "16 GB" eMMC: 14.6 GiB */

#define ACMD(n) (100u + (n))
#define OCR_HCS (1u << 30)

static struct fsd m;
static uint8_t src[128 * 1024] __attribute__((aligned(64)));
static uint8_t dst[128 * 1024] __attribute__((aligned(64)));

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 17 + i * 3 + (i >> 9) * 5);
}

static void setup_sd(uint64_t blocks)
{
	fake_mmio_reset();
	fsd_init(&m, BASE);
	fsd_card_sd(&m, blocks);
}

static void setup_emmc(uint64_t blocks)
{
	fake_mmio_reset();
	fsd_init(&m, BASE);
	fsd_card_emmc(&m, blocks);
}

static int probe(unsigned int bus_width, struct blk_dev **d)
{
	struct fsd_dt dt = { .compatible = "sdhci", .bus_width = bus_width };

	*d = NULL;
	fsd_attach(&m);
	return fsd_probe_dt(&m, &dt, d);
}

static void round_trip(struct blk_dev *d, uint64_t lba, uint32_t n,
		       unsigned int seed)
{
	fill(src, (size_t)n * 512, seed);
	memset(dst, 0, (size_t)n * 512);
	CHECK_EQ(blk_write(d, lba, n, src), 0);
	for (uint32_t i = 0; i < n; i++)
		CHECK(!memcmp(fsd_block(&m, lba + i), src + (size_t)i * 512,
			      512));
	CHECK_EQ(blk_read(d, lba, n, dst), 0);
	CHECK(!memcmp(src, dst, (size_t)n * 512));
}

static bool before(int a, int b)
{
	return a >= 0 && b >= 0 && a < b;
}

/* SD v2 high capacity: the order of SD §4.2 and the bus set-up. */
static void test_sd_sequence(void)
{
	struct blk_dev *d;
	int i0, i8, i41, i2, i3, i9, i7, i51, i6a, i6;

	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	CHECK_EQ(d->blocks, SDHC_BLOCKS);
	i0 = fsd_find(&m, 0, 0);
	i8 = fsd_find(&m, 8, 0);
	i41 = fsd_find(&m, ACMD(41), 0);
	i2 = fsd_find(&m, 2, 0);
	i3 = fsd_find(&m, 3, 0);
	i9 = fsd_find(&m, 9, 0);
	i7 = fsd_find(&m, 7, 0);
	i51 = fsd_find(&m, ACMD(51), 0);
	i6a = fsd_find(&m, ACMD(6), 0);
	i6 = fsd_find(&m, 6, 0);
	CHECK_EQ(i0, 0);
	CHECK(before(i0, i8) && before(i8, i41) && before(i41, i2) &&
	      before(i2, i3) && before(i3, i9) && before(i9, i7) &&
	      before(i7, i51) && before(i51, i6a) && before(i6a, i6));
	CHECK_EQ(fsd_count(&m, ACMD(41)), m.card.power_up_polls + 1);
	CHECK_EQ(fsd_count(&m, 6), 2);		/* check, then switch */
	CHECK_EQ(fsd_count(&m, 1), 0);		/* no eMMC probing */
	CHECK_EQ(fsd_count(&m, 16), 0);		/* block-addressed */
	CHECK_EQ(m.card.last_arg[8], 0x1aa);	/* 2.7-3.6 V, pattern AA */
	CHECK(m.card.last_arg[41] & OCR_HCS);
	CHECK(m.card.last_arg[41] & (3u << 20));	/* 3.2-3.4 V */
	CHECK_EQ(m.card.width, 4);
	CHECK(m.card.hs_on);
	CHECK_EQ(m.violations, 0);
}

/* The last blocks of a card above 4 GiB: block addresses, not bytes. */
static void test_sd_block_addressing(void)
{
	struct blk_dev *d;

	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	round_trip(d, SDHC_BLOCKS - 9, 9, 1);
	CHECK_EQ(m.card.last_arg[25], SDHC_BLOCKS - 9);
	CHECK_EQ(m.card.last_arg[18], SDHC_BLOCKS - 9);
	/* Reading up to the last block without CMD23: the card reads ahead
	 * and says OUT_OF_RANGE to CMD12, which is no error for us. */
	CHECK(m.card.out_of_range_reads >= 1);
	CHECK_EQ(blk_read(d, SDHC_BLOCKS, 1, dst), -EINVAL);
	CHECK_EQ(blk_read(d, SDHC_BLOCKS - 1, 2, dst), -EINVAL);
	CHECK_EQ(blk_write(d, 0, 1, NULL), -EINVAL);
	CHECK_EQ(blk_read(d, 3, 0, dst), 0);
	CHECK_EQ(m.violations, 0);
}

/* Multi-block writes and reads: CMD23 when the SCR says so, else CMD12. */
static void test_cmd23_and_cmd12(void)
{
	struct blk_dev *d;
	unsigned int n23, n12, n13;

	setup_sd(SDHC_BLOCKS);
	m.card.cmd23 = true;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	n12 = fsd_count(&m, 12);
	round_trip(d, 300, 64, 2);
	CHECK_EQ(fsd_count(&m, 23), 2);
	CHECK_EQ(fsd_count(&m, 12), n12);
	CHECK_EQ(m.card.last_arg[23], 64);
	CHECK(fsd_find(&m, 23, 0) + 1 == fsd_find(&m, 25, 0));
	/* Single blocks: CMD24/CMD17, nothing to stop. */
	round_trip(d, 301, 1, 3);
	CHECK_EQ(fsd_count(&m, 24), 1);
	CHECK_EQ(fsd_count(&m, 17), 1);
	CHECK_EQ(fsd_count(&m, 23), 2);
	CHECK_EQ(m.violations, 0);

	setup_sd(SDHC_BLOCKS);
	m.card.cmd23 = false;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	n13 = fsd_count(&m, 13);
	round_trip(d, 300, 64, 4);
	CHECK_EQ(fsd_count(&m, 23), 0);
	CHECK_EQ(fsd_count(&m, 12), 2);
	CHECK(fsd_find(&m, 25, 0) + 1 == fsd_find(&m, 12, 0));
	/* Programming is waited for with CMD13 after the write. */
	CHECK(fsd_count(&m, 13) > n13);
	CHECK(before(fsd_find(&m, 12, 0), fsd_find(&m, 13, fsd_find(&m, 12, 0))));
	(void)n23;
	CHECK_EQ(m.violations, 0);
}

/* A standard-capacity card: CSD 1.0 with 1 KiB READ_BL_LEN, byte addresses. */
static void test_sdsc(void)
{
	struct blk_dev *d;

	setup_sd(SDSC_BLOCKS);
	m.card.high_capacity = false;
	m.card.read_bl_len = 10;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	CHECK_EQ(d->blocks, SDSC_BLOCKS);
	CHECK_EQ(fsd_count(&m, 16), 1);
	CHECK_EQ(m.card.last_arg[16], 512);
	round_trip(d, 100, 10, 5);
	CHECK_EQ(m.card.last_arg[25], 100 * 512);
	CHECK_EQ(m.card.last_arg[18], 100 * 512);
	round_trip(d, SDSC_BLOCKS - 1, 1, 6);
	CHECK_EQ(m.card.last_arg[24], (SDSC_BLOCKS - 1) * 512);
	CHECK_EQ(m.violations, 0);

	/* A v1.x card: no answer to CMD8, ACMD41 without HCS. */
	setup_sd(SDSC_BLOCKS);
	m.card.high_capacity = false;
	m.card.v2 = false;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	CHECK_EQ(m.card.last_arg[41] & OCR_HCS, 0);
	CHECK_EQ(d->blocks, SDSC_BLOCKS);
	round_trip(d, 7, 3, 7);
	CHECK_EQ(m.card.last_arg[25], 7 * 512);
	CHECK_EQ(m.violations, 0);
}

/* A card without high speed or 4-bit: default speed, 1 bit. */
static void test_sd_plain(void)
{
	struct blk_dev *d;

	setup_sd(SDHC_BLOCKS);
	m.card.hs = false;
	m.card.four_bit = false;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	CHECK_EQ(m.card.width, 1);
	CHECK(!m.card.hs_on);
	CHECK(m.last_clock_hz <= 25000000);
	CHECK_EQ(fsd_count(&m, ACMD(6)), 0);
	round_trip(d, 20, 5, 8);
	CHECK_EQ(m.violations, 0);

	/* DT bus-width 1: no ACMD6 whatever the card can. */
	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(1, &d), 0);
	CHECK_EQ(m.card.width, 1);
	CHECK_EQ(fsd_count(&m, ACMD(6)), 0);
	CHECK_EQ(m.violations, 0);

	/* No bus-width: 4 lines, as on QEMU's zcu102 DT. */
	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(0, &d), 0);
	CHECK_EQ(m.card.width, 4);
	CHECK_EQ(m.violations, 0);
}

/* eMMC: CMD1 in sector mode, EXT_CSD, SWITCH to 8 bits and 52 MHz. */
static void test_emmc(void)
{
	struct blk_dev *d;
	int i1, i7, i8;
	const char *log;
	size_t len;

	setup_emmc(EMMC_BLOCKS);
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	CHECK_EQ(d->blocks, EMMC_BLOCKS);	/* SEC_COUNT, not the CSD */
	i1 = fsd_find(&m, 1, 0);
	i7 = fsd_find(&m, 7, 0);
	i8 = fsd_find(&m, 8, i7 > 0 ? (unsigned)i7 : 0);
	CHECK(before(i1, i7) && before(i7, i8));
	CHECK(m.card.last_arg[1] & OCR_HCS);	/* sector mode */
	CHECK_EQ(m.card.last_arg[3] >> 16, 1);	/* RCA we assigned */
	CHECK_EQ(m.card.width, 8);
	CHECK_EQ(m.card.ext_csd[183], 2);
	CHECK_EQ(m.card.ext_csd[185], 1);
	CHECK(m.card.hs_on);
	CHECK_EQ(m.last_clock_hz, 52000000);
	CHECK_EQ(fsd_count(&m, 16), 0);
	log_captured(&log, &len);
	CHECK(strstr(log, "eMMC \"FAKEMM\"") != NULL);
	round_trip(d, 1, 40, 9);
	CHECK_EQ(fsd_count(&m, 23), 2);		/* always CMD23 on eMMC */
	CHECK_EQ(fsd_count(&m, 12), 0);
	round_trip(d, EMMC_BLOCKS - 40, 40, 10);
	CHECK_EQ(m.card.last_arg[25], EMMC_BLOCKS - 40);
	CHECK_EQ(m.violations, 0);
}

static void test_emmc_variants(void)
{
	struct blk_dev *d;

	/* One that answers CMD55 (without APP_CMD): still an eMMC. */
	setup_emmc(EMMC_BLOCKS);
	m.card.emmc_cmd55 = true;
	CHECK_EQ(probe(4, &d), 0);
	CHECK_EQ(m.card.width, 4);
	CHECK_EQ(m.card.ext_csd[183], 1);
	CHECK_EQ(m.violations, 0);

	/* HS_TIMING refused (SWITCH_ERROR): default speed, still usable. */
	setup_emmc(EMMC_BLOCKS);
	m.card.emmc_refuse_hs = true;
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	CHECK(!m.card.hs_on);
	CHECK(m.last_clock_hz <= 26000000);
	CHECK_EQ(m.card.width, 8);
	round_trip(d, 5, 8, 11);
	CHECK_EQ(m.violations, 0);

	/* No high speed at all: no HS_TIMING switch tried. */
	setup_emmc(EMMC_BLOCKS);
	m.card.hs = false;
	CHECK_EQ(probe(4, &d), 0);
	CHECK_EQ(fsd_count(&m, 6), 1);		/* BUS_WIDTH only */
	CHECK(m.last_clock_hz <= 26000000);
	CHECK_EQ(m.violations, 0);

	/* The dead kernel left boot partition 1 selected: back to the user
	 * area, boot configuration (here boot from partition 1, ack) kept. */
	setup_emmc(EMMC_BLOCKS);
	m.card.partition_config = 0x49;
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	CHECK_EQ(m.card.partition_config, 0x48);
	round_trip(d, 3, 4, 19);
	CHECK_EQ(m.violations, 0);

	/* A cache left on: blk_flush() flushes it; else nothing to do. */
	setup_emmc(EMMC_BLOCKS);
	m.card.cache_on = true;
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	round_trip(d, 3, 4, 20);
	CHECK_EQ(blk_flush(d), 0);
	CHECK_EQ(m.card.flushes, 1);
	CHECK_EQ(m.violations, 0);
	setup_emmc(EMMC_BLOCKS);
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	m.card.ncmd = 0;
	CHECK_EQ(blk_flush(d), 0);
	CHECK_EQ(m.card.ncmd, 0);
	CHECK_EQ(m.card.flushes, 0);

	/* A 1 GiB byte-addressed eMMC: CSD capacity, byte addresses. */
	setup_emmc(2097152);
	m.card.high_capacity = false;
	CHECK_EQ(probe(8, &d), 0);
	if (!d)
		return;
	CHECK_EQ(d->blocks, 2097152);
	CHECK_EQ(fsd_count(&m, 16), 1);
	round_trip(d, 33, 2, 12);
	CHECK_EQ(m.card.last_arg[25], 33 * 512);
	CHECK_EQ(m.violations, 0);
}

static void test_no_card(void)
{
	struct blk_dev *d;
	uint64_t t0;

	setup_sd(SDHC_BLOCKS);
	m.card.kind = FSD_NO_CARD;
	t0 = fake_clock_us;
	CHECK_EQ(probe(4, &d), -ENODEV);
	CHECK(fake_clock_us - t0 < 2000000);
	CHECK_EQ(m.power, 0);	/* controller left off */

	/* A card that never finishes powering up: about a second. */
	setup_sd(SDHC_BLOCKS);
	m.card.power_up_polls = 1000000;
	t0 = fake_clock_us;
	CHECK_EQ(probe(4, &d), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= 1000000);
	CHECK(fake_clock_us - t0 < 3000000);

	setup_emmc(EMMC_BLOCKS);
	m.card.power_up_polls = 1000000;
	CHECK_EQ(probe(4, &d), -ETIMEDOUT);
}

static void test_command_timeout(void)
{
	struct blk_dev *d;
	uint64_t t0;

	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	fill(src, 8 * 512, 13);
	CHECK_EQ(blk_write(d, 10, 8, src), 0);
	/* Once: retried. */
	m.card.timeout_opcode = 18;
	m.card.timeout_count = 1;
	CHECK_EQ(blk_read(d, 10, 8, dst), 0);
	CHECK(!memcmp(src, dst, 8 * 512));
	CHECK(m.resets_cmd >= 1);
	/* Always: -ETIMEDOUT, promptly, and the card still works after. */
	m.card.timeout_opcode = 18;
	m.card.timeout_count = -1;
	t0 = fake_clock_us;
	CHECK_EQ(blk_read(d, 10, 8, dst), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 2000000);
	m.card.timeout_count = 0;
	CHECK_EQ(blk_read(d, 10, 8, dst), 0);
	CHECK_EQ(m.violations, 0);
}

static void test_data_crc(void)
{
	struct blk_dev *d;
	unsigned int done;

	setup_sd(SDHC_BLOCKS);
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	fill(src, 16 * 512, 14);
	CHECK_EQ(blk_write(d, 50, 16, src), 0);
	done = m.card.blocks_read + m.card.blocks_written;
	/* A CRC error on the 4th block of a read, once: retried. */
	m.card.crc_after_blocks = (int)done + 3;
	m.card.crc_count = 1;
	CHECK_EQ(blk_read(d, 50, 16, dst), 0);
	CHECK(!memcmp(src, dst, 16 * 512));
	CHECK(m.resets_data >= 1);
	/* Every time: -EIO. */
	m.card.crc_after_blocks = 0;
	m.card.crc_count = -1;
	CHECK_EQ(blk_read(d, 50, 16, dst), -EIO);
	CHECK_EQ(blk_write(d, 50, 16, src), -EIO);
	m.card.crc_count = 0;
	CHECK_EQ(blk_read(d, 50, 16, dst), 0);
	CHECK_EQ(m.violations, 0);

	/* With CMD23 and PIO too. */
	setup_sd(SDHC_BLOCKS);
	m.card.cmd23 = true;
	m.caps &= ~((1ull << 19) | (1ull << 22));
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	done = m.card.blocks_read + m.card.blocks_written;
	m.card.crc_after_blocks = (int)done + 2;
	m.card.crc_count = 1;
	fill(src, 16 * 512, 15);
	CHECK_EQ(blk_write(d, 70, 16, src), 0);
	CHECK(!memcmp(fsd_block(&m, 85), src + 15 * 512, 512));
	CHECK_EQ(m.violations, 0);
}

/* A card that never ends programming: -ETIMEDOUT, then given up. */
static void test_stuck_busy(void)
{
	struct blk_dev *d;
	uint64_t t0;

	for (int cmd23 = 0; cmd23 < 2; cmd23++) {
		setup_sd(SDHC_BLOCKS);
		m.card.cmd23 = cmd23;
		CHECK_EQ(probe(4, &d), 0);
		if (!d)
			return;
		fill(src, 4 * 512, 16);
		m.card.stuck_busy = true;
		t0 = fake_clock_us;
		CHECK_EQ(blk_write(d, 90, 4, src), -ETIMEDOUT);
		CHECK(fake_clock_us - t0 < 20000000);
		/* Given up: no more commands for this card. */
		m.card.ncmd = 0;
		CHECK_EQ(blk_write(d, 90, 4, src), -EIO);
		CHECK_EQ(blk_read(d, 90, 4, dst), -EIO);
		CHECK_EQ(m.card.ncmd, 0);
		CHECK_EQ(m.violations, 0);
	}

	/* Single-block write, busy for a while: fine. */
	setup_sd(SDHC_BLOCKS);
	m.card.busy_polls = 500;
	CHECK_EQ(probe(4, &d), 0);
	if (!d)
		return;
	round_trip(d, 91, 1, 17);
	round_trip(d, 92, 7, 18);
	CHECK_EQ(m.violations, 0);
}

int main(void)
{
	test_sd_sequence();
	test_sd_block_addressing();
	test_cmd23_and_cmd12();
	test_sdsc();
	test_sd_plain();
	test_emmc();
	test_emmc_variants();
	test_no_card();
	test_command_timeout();
	test_data_crc();
	test_stuck_busy();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_mmc");
}
