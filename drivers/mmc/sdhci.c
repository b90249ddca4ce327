// SPDX-License-Identifier: MIT
/*
 * A generic SD Host Controller (SDHCI 3.00; registers in sdhci.h), polled,
 * with SDMA where the controller has it and PIO otherwise, behind the block
 * interface (drivers/blk.h).  The card protocol is drivers/mmc/mmc.c.
 *
 * Every register access is 32 bits wide: that is the only width the
 * BCM2835's controller takes (its 8/16-bit writes are lost, Linux's
 * sdhci-iproc.c shadows them for this reason), and every SDHCI accepts it.
 * The 16-bit Transfer Mode and Command registers therefore go out in one
 * 32-bit write, which is also the order the spec requires (§2.2.5: Transfer
 * Mode before Command, whose write starts the command).  The other narrow
 * registers are written read-modify-write; none of their neighbours clears
 * on a write of 1, except the interrupt status word, which is only ever
 * written with the bits to clear.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "drivers/blk.h"
#include "drivers/dma.h"
#include "drivers/mmc/mmc.h"
#include "drivers/mmc/sdhci.h"
#include "drivers/mmio.h"
#include "drivers/pci/pci.h"
#include "drivers/timer.h"
#include "fdt/dt.h"
#include "payload/log.h"

/* Bounds on every wait (the card's own limits are far below these). */
#define SDHCI_RESET_TIMEOUT_US 100000u
#define SDHCI_CLOCK_TIMEOUT_US 20000u
#define SDHCI_CMD_TIMEOUT_US 200000u	/* a response comes in 64 clocks */
#define SDHCI_INHIBIT_TIMEOUT_US 100000u
#define SDHCI_DATA_TIMEOUT_US 1000000u	/* per request, plus per block below */
#define SDHCI_DATA_TIMEOUT_PER_BLOCK_US 2000u
#define SDHCI_BUSY_TIMEOUT_US 2000000u	/* R1b busy: programming, switch */
/* Blocks per data command: the Block Count register is 16 bits. */
#define SDHCI_MAX_BLOCKS 256u
#define SDHCI_WORDS_PER_BLOCK (MMC_BLOCK_SIZE / 4u)
/* Base clock when neither the capabilities nor the DT give one: an upper
 * bound, so the divider errs on the slow side. */
#define SDHCI_BASE_CLOCK_GUESS_HZ 250000000u

/* Per-compatible differences (match data). */
struct sdhci_quirks {
	const char *name;
	bool no_dma;		/* use PIO: DMA unusable or unverified */
	uint32_t base_clock_hz;	/* when the capabilities say 0 */
};

struct sdhci {
	struct blk_dev blk;	/* first: the block interface */
	struct mmc_host host;
	struct mmc_card card;
	uintptr_t base;
	const struct sdhci_quirks *q;
	unsigned version;	/* SDHCI_SPEC_* */
	uint32_t caps;
	uint32_t base_clock_hz;
	bool sdma;
	uint32_t ctrl;		/* Host Control 1 + Power Control as we set them */
};

/* One SD host at a time: devices.c tries them in turn. */
static struct sdhci sdhci_dev;

static uint32_t rd(const struct sdhci *s, uint32_t reg)
{
	return mmio_read32(s->base + reg);
}

static void wr(const struct sdhci *s, uint32_t reg, uint32_t v)
{
	mmio_write32(s->base + reg, v);
}

static int sdhci_reset(struct sdhci *s, uint32_t what)
{
	wr(s, SDHCI_CLOCK, (rd(s, SDHCI_CLOCK) & ~(SDHCI_RESET_ALL | SDHCI_RESET_CMD |
						 SDHCI_RESET_DATA)) | what);
	return mmio_poll32(s->base + SDHCI_CLOCK, what, 0, SDHCI_RESET_TIMEOUT_US);
}

/* After an error: reset the command and data lines, clear every status. */
static void sdhci_recover(struct sdhci *s)
{
	sdhci_reset(s, SDHCI_RESET_CMD);
	sdhci_reset(s, SDHCI_RESET_DATA);
	wr(s, SDHCI_INT_STATUS, SDHCI_INT_ALL);
}

/* Wait for any of @bits or an error; clears what it returns. */
static int sdhci_wait_int(struct sdhci *s, uint32_t bits, uint32_t timeout_us,
			  uint32_t *got)
{
	uint64_t deadline = timer_now_us() + timeout_us;

	for (;;) {
		uint32_t st = rd(s, SDHCI_INT_STATUS);

		if (st & (SDHCI_INT_ERROR | SDHCI_INT_ERRORS)) {
			uint32_t err = st & SDHCI_INT_ERRORS;

			sdhci_recover(s);
			return (err & (SDHCI_INT_CMD_TIMEOUT | SDHCI_INT_DATA_TIMEOUT)) ?
				       -ETIMEDOUT : -EIO;
		}
		if (st & bits) {
			wr(s, SDHCI_INT_STATUS, st & bits);
			if (got)
				*got = st & bits;
			return 0;
		}
		if (timer_now_us() > deadline) {
			sdhci_recover(s);
			return -ETIMEDOUT;
		}
	}
}

static uint32_t sdhci_cmd_flags(const struct mmc_cmd *c)
{
	switch (c->rsp) {
	case MMC_RSP_R1:
		return SDHCI_CMD_RESP_48 | SDHCI_CMD_CRC | SDHCI_CMD_INDEX;
	case MMC_RSP_R1B:
		return SDHCI_CMD_RESP_48_BUSY | SDHCI_CMD_CRC | SDHCI_CMD_INDEX;
	case MMC_RSP_R2:
		return SDHCI_CMD_RESP_136 | SDHCI_CMD_CRC;
	case MMC_RSP_R3:
		return SDHCI_CMD_RESP_48;
	default:
		return 0;
	}
}

static int sdhci_pio(struct sdhci *s, struct mmc_data *d, uint32_t timeout_us)
{
	uint8_t *p = d->buf;
	uint32_t words = d->block_size / 4u;

	for (uint32_t b = 0; b < d->blocks; b++) {
		int ret = sdhci_wait_int(s, d->write ? SDHCI_INT_BUF_WR_READY :
						       SDHCI_INT_BUF_RD_READY,
					 timeout_us, NULL);

		if (ret)
			return ret;
		for (uint32_t w = 0; w < words; w++, p += 4) {
			uint32_t v;

			if (d->write) {
				memcpy(&v, p, 4);
				wr(s, SDHCI_BUFFER, v);
			} else {
				v = rd(s, SDHCI_BUFFER);
				memcpy(p, &v, 4);
			}
		}
	}
	return sdhci_wait_int(s, SDHCI_INT_XFER_COMPLETE, timeout_us, NULL);
}

/* SDMA: at each buffer boundary the controller stops with a DMA
 * interrupt; writing the address register resumes it (§1.13.2). */
static int sdhci_sdma(struct sdhci *s, uint32_t timeout_us)
{
	for (;;) {
		uint32_t got;
		int ret = sdhci_wait_int(s, SDHCI_INT_XFER_COMPLETE | SDHCI_INT_DMA,
					 timeout_us, &got);

		if (ret || (got & SDHCI_INT_XFER_COMPLETE))
			return ret;
		wr(s, SDHCI_DMA_ADDRESS, rd(s, SDHCI_DMA_ADDRESS));
	}
}

static int sdhci_cmd(struct mmc_host *h, struct mmc_cmd *c, struct mmc_data *d)
{
	struct sdhci *s = (struct sdhci *)((uint8_t *)h - offsetof(struct sdhci, host));
	uint32_t inhibit = SDHCI_CMD_INHIBIT;
	uint32_t mode = 0, cmd = sdhci_cmd_flags(c);
	uint32_t data_timeout = 0;
	size_t len = 0;
	bool dma = false;
	int ret;

	if (d || c->rsp == MMC_RSP_R1B)
		inhibit |= SDHCI_DATA_INHIBIT;
	if (mmio_poll32(s->base + SDHCI_PRESENT_STATE, inhibit, 0,
			SDHCI_INHIBIT_TIMEOUT_US)) {
		sdhci_recover(s);
		return -ETIMEDOUT;
	}
	wr(s, SDHCI_INT_STATUS, SDHCI_INT_ALL);
	if (d) {
		len = (size_t)d->blocks * d->block_size;
		data_timeout = SDHCI_DATA_TIMEOUT_US +
			       d->blocks * SDHCI_DATA_TIMEOUT_PER_BLOCK_US;
		/* SDMA moves words: a buffer off a word boundary goes by PIO. */
		dma = s->sdma && ((uintptr_t)d->buf & 3u) == 0 &&
		      !(dma_addr(d->buf) + len > (1ull << 32));
		if (dma) {
			if (d->write)
				dma_to_device(d->buf, len);
			else
				dma_from_device(d->buf, len); /* no dirty line lands later */
			wr(s, SDHCI_DMA_ADDRESS, (uint32_t)dma_addr(d->buf));
			mode |= SDHCI_TRNS_DMA;
		}
		wr(s, SDHCI_BLOCK, SDHCI_BLOCK_SDMA_512K | d->block_size |
					   d->blocks << 16);
		mode |= SDHCI_TRNS_BLK_CNT_EN;
		if (d->blocks > 1)
			mode |= SDHCI_TRNS_MULTI |
				(d->auto_cmd12 ? SDHCI_TRNS_AUTO_CMD12 : 0);
		if (!d->write)
			mode |= SDHCI_TRNS_READ;
		cmd |= SDHCI_CMD_DATA;
	}
	wr(s, SDHCI_ARGUMENT, c->arg);
	wr(s, SDHCI_XFER_CMD, mode | (cmd | (uint32_t)c->index << SDHCI_CMD_INDEX_SHIFT)
					     << SDHCI_CMD_SHIFT);
	ret = sdhci_wait_int(s, SDHCI_INT_CMD_COMPLETE, SDHCI_CMD_TIMEOUT_US, NULL);
	if (ret)
		return ret;
	if (c->rsp == MMC_RSP_R2)
		for (int i = 0; i < 4; i++)
			c->resp[i] = rd(s, SDHCI_RESPONSE + 4 * i);
	else if (c->rsp != MMC_RSP_NONE)
		c->resp[0] = rd(s, SDHCI_RESPONSE);
	if (d) {
		ret = dma ? sdhci_sdma(s, data_timeout) : sdhci_pio(s, d, data_timeout);
		if (dma && !d->write)
			dma_from_device(d->buf, len);
		return ret;
	}
	if (c->rsp == MMC_RSP_R1B &&
	    mmio_poll32(s->base + SDHCI_PRESENT_STATE, SDHCI_DATA_INHIBIT, 0,
			SDHCI_BUSY_TIMEOUT_US)) {
		sdhci_recover(s);
		return -ETIMEDOUT;
	}
	return 0;
}

/* The SD clock divider for at most @hz (§2.2.14). */
static uint32_t sdhci_divider(const struct sdhci *s, uint32_t hz, uint32_t *actual)
{
	uint32_t base = s->base_clock_hz, div;

	if (s->version >= SDHCI_SPEC_300) {
		/* 10-bit N: SDCLK = base / 2N, N = 0 is base itself. */
		div = base <= hz ? 0 : (base + 2 * hz - 1) / (2 * hz);
		div = MIN(div, SDHCI_DIV_MAX_V3);
		*actual = div ? base / (2 * div) : base;
		return (div & 0xffu) << SDHCI_DIV_SHIFT |
		       ((div >> 8) & 3u) << SDHCI_DIV_HI_SHIFT;
	}
	/* v2: N a power of two up to 128, SDCLK = base / 2N. */
	for (div = 1; div < SDHCI_DIV_MAX_V2 && base / (2 * div) > hz; div <<= 1)
		;
	if (base <= hz)
		div = 0;
	*actual = div ? base / (2 * div) : base;
	return div << SDHCI_DIV_SHIFT;
}

static int sdhci_set_ios(struct mmc_host *h, uint32_t hz, unsigned width, bool hs)
{
	struct sdhci *s = (struct sdhci *)((uint8_t *)h - offsetof(struct sdhci, host));
	uint32_t clk = rd(s, SDHCI_CLOCK) & ~0xffffu & ~(SDHCI_RESET_ALL |
							 SDHCI_RESET_CMD |
							 SDHCI_RESET_DATA);
	uint32_t actual;

	/* Host Control 1 before the clock comes back (§3.2.1). */
	s->ctrl &= ~(SDHCI_CTRL_4BITBUS | SDHCI_CTRL_8BITBUS | SDHCI_CTRL_HISPD |
		     SDHCI_CTRL_DMA_MASK);
	s->ctrl |= width == 8 ? SDHCI_CTRL_8BITBUS : width == 4 ? SDHCI_CTRL_4BITBUS : 0;
	if (hs)
		s->ctrl |= SDHCI_CTRL_HISPD;
	wr(s, SDHCI_CLOCK, clk);	/* SD clock off while it changes */
	wr(s, SDHCI_HOST_CTRL, (rd(s, SDHCI_HOST_CTRL) & ~0xffffu) | s->ctrl);
	clk |= sdhci_divider(s, hz, &actual) | SDHCI_CLOCK_INT_EN | SDHCI_TIMEOUT_MAX;
	wr(s, SDHCI_CLOCK, clk);
	if (mmio_poll32(s->base + SDHCI_CLOCK, SDHCI_CLOCK_INT_STABLE,
			SDHCI_CLOCK_INT_STABLE, SDHCI_CLOCK_TIMEOUT_US)) {
		log_printf("sdhci %s: internal clock not stable\n", s->blk.name);
		return -ETIMEDOUT;
	}
	wr(s, SDHCI_CLOCK, clk | SDHCI_CLOCK_CARD_EN);
	return 0;
}

static const struct mmc_host_ops sdhci_mmc_ops = {
	.cmd = sdhci_cmd,
	.set_ios = sdhci_set_ios,
};

static int sdhci_blk_read(struct blk_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	return mmc_rw(&((struct sdhci *)d)->card, lba, count, buf, false);
}

static int sdhci_blk_write(struct blk_dev *d, uint64_t lba, uint32_t count,
			   const void *buf)
{
	return mmc_rw(&((struct sdhci *)d)->card, lba, count, (void *)buf, true);
}

static const struct blk_ops sdhci_blk_ops = {
	.read = sdhci_blk_read,
	.write = sdhci_blk_write,
};

/* Power at the highest voltage the controller offers (§3.3). */
static uint32_t sdhci_power(uint32_t caps)
{
	if (caps & SDHCI_CAP_VDD_330)
		return SDHCI_POWER_330;
	if (caps & SDHCI_CAP_VDD_300)
		return SDHCI_POWER_300;
	if (caps & SDHCI_CAP_VDD_180)
		return SDHCI_POWER_180;
	return SDHCI_POWER_330;	/* capabilities not filled in: SD's default */
}

/*
 * Take over the controller at @base: reset it (which also stops whatever
 * DMA the dead kernel had it doing), power the card, find it and set up
 * the block device.  @dt_clock_hz: the DT's "clock-frequency", 0 if none.
 */
static int sdhci_start(struct sdhci *s, uintptr_t base, const struct sdhci_quirks *q,
		       uint32_t dt_clock_hz, struct blk_dev **out)
{
	uint32_t mhz, mask;
	int ret;

	s->base = base;
	s->q = q;
	ret = sdhci_reset(s, SDHCI_RESET_ALL);
	if (ret) {
		log_printf("sdhci %s: reset did not complete\n", s->blk.name);
		return ret;
	}
	s->version = (rd(s, SDHCI_VERSION) >> SDHCI_SPEC_VER_SHIFT) & 0xffu;
	s->caps = rd(s, SDHCI_CAPABILITIES);
	mask = s->version >= SDHCI_SPEC_300 ? SDHCI_CAP_BASE_CLK_MASK_V3 :
					      SDHCI_CAP_BASE_CLK_MASK_V2;
	mhz = (s->caps >> SDHCI_CAP_BASE_CLK_SHIFT) & mask;
	s->base_clock_hz = mhz ? mhz * 1000000u :
			   dt_clock_hz ? dt_clock_hz :
			   q->base_clock_hz ? q->base_clock_hz : SDHCI_BASE_CLOCK_GUESS_HZ;
	s->sdma = !q->no_dma && (s->caps & SDHCI_CAP_SDMA);
	s->host.ops = &sdhci_mmc_ops;
	s->host.bus_4bit = true;	/* every SDHCI has DAT[3:0] (§1.2) */
	s->host.bus_8bit = (s->caps & SDHCI_CAP_8BIT) != 0;
	s->host.high_speed = (s->caps & SDHCI_CAP_HISPD) != 0;
	s->host.max_blocks = SDHCI_MAX_BLOCKS;

	s->ctrl = sdhci_power(s->caps);
	wr(s, SDHCI_HOST_CTRL, (rd(s, SDHCI_HOST_CTRL) & ~0xffffu) | s->ctrl);
	s->ctrl |= SDHCI_POWER_ON;
	wr(s, SDHCI_HOST_CTRL, (rd(s, SDHCI_HOST_CTRL) & ~0xffffu) | s->ctrl);
	/* Statuses we poll must be enabled to show; no interrupt is signalled. */
	wr(s, SDHCI_INT_ENABLE, SDHCI_INT_ERRORS | SDHCI_INT_NORMAL_USED);
	wr(s, SDHCI_SIGNAL_ENABLE, 0);
	wr(s, SDHCI_INT_STATUS, SDHCI_INT_ALL);

	ret = mmc_card_init(&s->card, &s->host);
	if (ret) {
		log_printf("sdhci %s: %s (%d)\n", s->blk.name,
			   ret == -ENODEV || ret == -ETIMEDOUT ? "no card answers" :
								 "card init failed",
			   ret);
		sdhci_reset(s, SDHCI_RESET_ALL);
		return ret == -ETIMEDOUT ? -ENODEV : ret;
	}
	s->blk.ops = &sdhci_blk_ops;
	s->blk.driver = s->card.type == MMC_CARD_EMMC ? "sdhci (eMMC)" : "sdhci (SD)";
	s->blk.block_size = MMC_BLOCK_SIZE;
	s->blk.blocks = s->card.blocks;
	log_printf("sdhci %s: %s v%u.00 controller, %s, %u-bit bus at %u kHz, %s\n",
		   s->blk.name, q->name, s->version + 1,
		   s->card.type == MMC_CARD_EMMC ? "eMMC" :
		   s->card.block_addr ? "SDHC/SDXC card" : "SDSC card",
		   s->card.width, s->card.clock_hz / 1000, s->sdma ? "SDMA" : "PIO");
	*out = &s->blk;
	return 0;
}

static const struct sdhci_quirks sdhci_generic = { .name = "SDHCI" };
/* BCM2835/2837 "Arasan" EMMC controller: Linux drives it by PIO
 * (sdhci-iproc.c: no DMA capability set); the clock is the firmware's EMMC
 * clock, 250 MHz at most. */
static const struct sdhci_quirks sdhci_bcm2835 = {
	.name = "BCM2835 SDHCI", .no_dma = true, .base_clock_hz = 250000000u,
};
static const struct sdhci_quirks sdhci_arasan = { .name = "Arasan SDHCI 8.9a" };
/* Synopsys DWC MSHC: DMA must not cross a 128 MiB boundary; our requests
 * are at most SDHCI_MAX_BLOCKS (128 KiB) from buffers that do not. */
static const struct sdhci_quirks sdhci_dwcmshc = { .name = "DWC MSHC" };

static const struct fdt_match sdhci_matches[] = {
	{ "brcm,bcm2835-sdhci", &sdhci_bcm2835 },
	{ "arasan,sdhci-8.9a", &sdhci_arasan },
	{ "snps,dwcmshc-sdhci", &sdhci_dwcmshc },
	{ "sdhci", &sdhci_generic },
	{ NULL, NULL },
};

static int sdhci_probe_dt(const struct dev_env *env, int node,
			  const void *match_data, struct blk_dev **out)
{
	struct sdhci *s = &sdhci_dev;
	uint64_t base, size;
	uint32_t clock = 0;
	const char *name;
	int ret;

	ret = dt_reg(env->fdt, node, 0, &base, &size);
	if (ret)
		return ret;
	ret = dev_map(env, base, MAX(size, (uint64_t)SDHCI_WINDOW));
	if (ret)
		return ret;
	dt_prop_u32(env->fdt, node, "clock-frequency", &clock);
	memset(s, 0, sizeof(*s));
	name = fdt_get_name(env->fdt, node, NULL);
	snprintf(s->blk.name, sizeof(s->blk.name), "%s", name ? name : "?");
	return sdhci_start(s, (uintptr_t)base, match_data, clock, out);
}

/* PCI class 08h/05h: SD host controller (PCI Code and ID Assignment §1.9). */
static const struct pci_match sdhci_pci_matches[] = {
	{ PCI_ANY, PCI_ANY, 0x080500u, 0xffff00u, &sdhci_generic },
	{ 0, 0, 0, 0, NULL },
};

static int sdhci_probe_pci(const struct dev_env *env, const struct pci_func *f,
			   const void *match_data, struct blk_dev **out)
{
	struct sdhci *s = &sdhci_dev;

	(void)env;
	if (!f->bar[0] || f->bar_size[0] < SDHCI_WINDOW)
		return -ENODEV;	/* slot 0 only (SD Host §2.1: BAR0 = slot 1) */
	memset(s, 0, sizeof(*s));
	snprintf(s->blk.name, sizeof(s->blk.name), "pci %02x:%02x.%x", f->bus,
		 f->dev, f->fn);
	return sdhci_start(s, (uintptr_t)f->bar[0], match_data, 0, out);
}

const struct blk_driver sdhci_driver = {
	.name = "sdhci",
	.matches = sdhci_matches,
	.probe = sdhci_probe_dt,
};

const struct pci_blk_driver sdhci_pci_driver = {
	.name = "sdhci-pci",
	.matches = sdhci_pci_matches,
	.probe = sdhci_probe_pci,
};
