// SPDX-License-Identifier: MIT
/*
 * SD Host Controller Interface (SDHCI), polled, as an mmc_host (mmc.h):
 * reset, clock and power set-up, commands, and data by PIO through the
 * Buffer Data Port, by SDMA or by ADMA2 (32- or 64-bit descriptors).
 * Below: the device-tree binding (generic "sdhci" and SoC variants whose
 * quirks are match data) and the PCI one (class 08h/05h).
 *
 * SD Host Controller Simplified Specification v3.00 ("HC §"): chapter 2
 * registers, §1.13 ADMA, §3.2 clock control, §3.3 bus power, §3.7
 * transactions (§3.7.1 without data, §3.7.2 with data by PIO, SDMA and
 * ADMA), §3.10 error recovery; PCI binding: §2.1 "Slot Information
 * Register" at configuration offset 40h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/blk.h"
#include "drivers/dma.h"
#include "drivers/mmc/sdhci.h"
#include "drivers/mmio.h"
#include "drivers/pci/pci.h"
#include "drivers/timer.h"
#include "fdt/dt.h"
#include "payload/log.h"

/*
 * Bounds.  Reset and internal clock: HC §2.2.16/§2.2.14 give no time; a
 * controller that needs more than 150 ms is dead.  A command is answered
 * within 64 SD clocks (SD §4.12.3 N_CR) or the controller reports a
 * timeout itself: 100 ms is a generous bound even at 100 kHz.
 */
#define SDHCI_RESET_US 150000u
#define SDHCI_CLOCK_STABLE_US 150000u
#define SDHCI_INHIBIT_US 100000u
#define SDHCI_CMD_US 100000u
#define SDHCI_DATA_BASE_US 2000000u	/* plus twice the time on the wire */
#define SDHCI_BUSY_US 1000000u		/* R1b with no bound from mmc.c */
/* SD §6.4.1: power ramp, then 1 ms and 74 clocks before the first command. */
#define SDHCI_POWER_OFF_US 10000u
#define SDHCI_POWER_UP_US 10000u
#define SDHCI_CLOCK_START_US 1000u
#define SDHCI_INIT_HZ 400000u
/* Blocks per command: 256 KiB, which 8 ADMA2 descriptors carry. */
#define SDHCI_MAX_BLOCKS 512u
/* HC §2.2.6: CMD12 goes out with Command Type "Abort". */
#define SDHCI_ABORT_OPCODE 12
/* BCM2835: writes to one register must be 4 SD clocks apart at low clocks
 * (Linux sdhci-iproc.c); with the clock off we wait this long. */
#define SDHCI_WRITE_DELAY_SLOW_HZ 400000u
#define SDHCI_WRITE_DELAY_CLOCKS 4u
#define SDHCI_WRITE_DELAY_OFF_US 10u

#define SDHCI_4G (1ull << 32)

/* ---- register access -------------------------------------------------- */

/*
 * Controllers that take only 32-bit accesses (SDHCI_Q_32BIT_ONLY, e.g. the
 * BCM2835's Arasan) get 8/16-bit reads as a shift of the word and writes as
 * read-modify-write of it.  Never used for the words where that would do
 * harm: 0x30 (write-1-to-clear statuses: sdhci_clear_int() writes 32 bits),
 * 0x0c (Transfer Mode + Command: a write of Command starts a command, so
 * the two go out together) and 0x04 (Block Size + Count, also together).
 */
static void sdhci_write_delay(struct sdhci_host *h)
{
	uint32_t hz = h->clock_hz;

	if (!(h->quirks->flags & SDHCI_Q_WRITE_DELAY) ||
	    hz > SDHCI_WRITE_DELAY_SLOW_HZ)
		return;
	timer_delay_us(hz ? (SDHCI_WRITE_DELAY_CLOCKS * 1000000u + hz - 1) / hz
			  : SDHCI_WRITE_DELAY_OFF_US);
}

static uint32_t sdhci_r32(struct sdhci_host *h, unsigned int off)
{
	return mmio_read32(h->base + off);
}

static uint16_t sdhci_r16(struct sdhci_host *h, unsigned int off)
{
	if (h->quirks->flags & SDHCI_Q_32BIT_ONLY)
		return (uint16_t)(sdhci_r32(h, off & ~3u) >> (8 * (off & 2)));
	return mmio_read16(h->base + off);
}

static uint8_t sdhci_r8(struct sdhci_host *h, unsigned int off)
{
	if (h->quirks->flags & SDHCI_Q_32BIT_ONLY)
		return (uint8_t)(sdhci_r32(h, off & ~3u) >> (8 * (off & 3)));
	return mmio_read8(h->base + off);
}

static void sdhci_w32(struct sdhci_host *h, unsigned int off, uint32_t v)
{
	mmio_write32(h->base + off, v);
	sdhci_write_delay(h);
}

static void sdhci_w16(struct sdhci_host *h, unsigned int off, uint16_t v)
{
	if (h->quirks->flags & SDHCI_Q_32BIT_ONLY) {
		unsigned int shift = 8 * (off & 2);
		uint32_t w = sdhci_r32(h, off & ~3u);

		w = (w & ~(0xffffu << shift)) | (uint32_t)v << shift;
		sdhci_w32(h, off & ~3u, w);
		return;
	}
	mmio_write16(h->base + off, v);
	sdhci_write_delay(h);
}

static void sdhci_w8(struct sdhci_host *h, unsigned int off, uint8_t v)
{
	if (h->quirks->flags & SDHCI_Q_32BIT_ONLY) {
		unsigned int shift = 8 * (off & 3);
		uint32_t w = sdhci_r32(h, off & ~3u);

		w = (w & ~(0xffu << shift)) | (uint32_t)v << shift;
		sdhci_w32(h, off & ~3u, w);
		return;
	}
	mmio_write8(h->base + off, v);
	sdhci_write_delay(h);
}

/* Normal (low half) and error (high half) statuses, write-1-to-clear. */
static uint32_t sdhci_int_status(struct sdhci_host *h)
{
	return sdhci_r32(h, SDHCI_INT_STATUS);
}

static void sdhci_clear_int(struct sdhci_host *h, uint32_t bits)
{
	sdhci_w32(h, SDHCI_INT_STATUS, bits);
}

/*
 * Wait until one of @any is set in the interrupt status word, or an error.
 * Return: the status word, or 0 on timeout.
 */
static uint32_t sdhci_wait_int(struct sdhci_host *h, uint32_t any,
			       uint32_t timeout_us)
{
	uint64_t deadline = timer_now_us() + timeout_us;
	uint32_t st;

	for (;;) {
		st = sdhci_int_status(h);
		if (st & (any | SDHCI_INT_ERROR |
			  (SDHCI_ERR_ALL << SDHCI_INT_ERR_SHIFT)))
			return st;
		if (timer_now_us() > deadline)
			break;
	}
	st = sdhci_int_status(h);
	return st & (any | SDHCI_INT_ERROR |
		     (SDHCI_ERR_ALL << SDHCI_INT_ERR_SHIFT)) ? st : 0;
}

/* Microseconds until @deadline (0 when past). */
static uint32_t sdhci_left_us(uint64_t deadline)
{
	uint64_t now = timer_now_us();

	return now < deadline ? (uint32_t)MIN(deadline - now, UINT32_MAX) : 0;
}

/* HC §2.2.16: write the reset bits, they clear themselves when done. */
static int sdhci_reset(struct sdhci_host *h, uint8_t mask)
{
	int ret;

	sdhci_w8(h, SDHCI_SOFTWARE_RESET, mask);
	ret = mmio_poll32(h->base + SDHCI_CLOCK_CONTROL,
			  (uint32_t)mask << 24, 0, SDHCI_RESET_US);
	if (ret)
		log_printf("sdhci: %s: software reset 0x%x never completes\n",
			   h->name, mask);
	return ret;
}

/* ---- clock, power, bus ------------------------------------------------ */

/*
 * HC §2.2.14 divided clock mode.  v3.00: SDCLK = base / 2N with a 10-bit
 * N (0: base itself); v1.00/v2.00: base / 2N with N a power of two up to
 * 128 (0: base).  Gives the field value and the resulting rate.
 */
static uint16_t sdhci_divider(const struct sdhci_host *h, uint32_t hz,
			      uint32_t *actual)
{
	uint32_t base = h->base_hz, n;
	bool zero_ok = !(h->quirks->flags & SDHCI_Q_NO_DIV_ZERO);

	if (base <= hz && zero_ok) {
		*actual = base;
		return 0;
	}
	if (h->spec >= SDHCI_SPEC_300) {
		n = (base + 2 * hz - 1) / (2 * hz);
		n = MAX(n, 1u);
		n = MIN(n, SDHCI_DIV_MAX_V3);
	} else {
		for (n = 1; n < SDHCI_DIV_MAX_V2 / 2 && base / (2 * n) > hz;)
			n <<= 1;
	}
	*actual = base / (2 * n);
	return (uint16_t)(((n & SDHCI_DIV_LO_MASK) << SDHCI_DIV_SHIFT) |
			  (((n >> SDHCI_DIV_HI_N_SHIFT) & SDHCI_DIV_HI_N_MASK)
			   << SDHCI_DIV_HI_SHIFT));
}

/* HC §3.2.3: stop SDCLK, program the divider, wait stable, start SDCLK. */
static int sdhci_set_clock(struct sdhci_host *h, uint32_t hz)
{
	uint32_t actual = 0;
	uint16_t clk;
	int ret;

	sdhci_w16(h, SDHCI_CLOCK_CONTROL, 0);
	h->clock_hz = h->mmc.clock_hz = 0;
	h->clock_req = hz;
	if (!hz)
		return 0;
	clk = sdhci_divider(h, hz, &actual) | SDHCI_CLOCK_INT_EN;
	sdhci_w16(h, SDHCI_CLOCK_CONTROL, clk);
	ret = mmio_poll32(h->base + SDHCI_CLOCK_CONTROL, SDHCI_CLOCK_INT_STABLE,
			  SDHCI_CLOCK_INT_STABLE, SDHCI_CLOCK_STABLE_US);
	if (ret) {
		log_printf("sdhci: %s: internal clock never stable\n", h->name);
		return ret;
	}
	sdhci_w16(h, SDHCI_CLOCK_CONTROL, clk | SDHCI_CLOCK_CARD_EN);
	h->clock_hz = actual;
	h->mmc.clock_hz = actual;
	return 0;
}

/* HC §3.4 bus width, §2.2.10 High Speed Enable, then the clock. */
static int sdhci_set_ios(struct mmc_host *mh, const struct mmc_ios *ios)
{
	struct sdhci_host *h = (struct sdhci_host *)mh;
	uint8_t ctl;
	uint32_t hz;

	if (!h || !ios)
		return -EINVAL;
	ctl = sdhci_r8(h, SDHCI_HOST_CONTROL) &
	      ~(SDHCI_CTRL_4BITBUS | SDHCI_CTRL_8BITBUS | SDHCI_CTRL_HISPD);
	if (ios->bus_width == 8)
		ctl |= SDHCI_CTRL_8BITBUS;
	else if (ios->bus_width == 4)
		ctl |= SDHCI_CTRL_4BITBUS;
	else if (ios->bus_width != 1)
		return -EINVAL;
	if (ios->timing == MMC_TIMING_HS &&
	    !(h->quirks->flags & SDHCI_Q_NO_HISPD_BIT))
		ctl |= SDHCI_CTRL_HISPD;
	if (ctl != sdhci_r8(h, SDHCI_HOST_CONTROL))
		sdhci_w8(h, SDHCI_HOST_CONTROL, ctl);
	hz = MIN(ios->clock_hz, h->mmc.f_max);
	if (hz == h->clock_req && h->clock_hz)
		return 0;
	return sdhci_set_clock(h, hz);
}

/* ---- data ------------------------------------------------------------- */

enum sdhci_xfer { XFER_PIO, XFER_SDMA, XFER_ADMA32, XFER_ADMA64 };

static const char *const sdhci_xfer_names[] = {
	[XFER_PIO] = "PIO", [XFER_SDMA] = "SDMA",
	[XFER_ADMA32] = "ADMA2 (32-bit)", [XFER_ADMA64] = "ADMA2 (64-bit)",
};

/* Fill the ADMA2 table for [addr, addr + len): Tran descriptors. */
static int sdhci_adma_fill(struct sdhci_host *h, uint64_t addr, uint64_t len,
			   bool wide)
{
	unsigned int size = wide ? SDHCI_ADMA2_64_DESC_SIZE
				 : SDHCI_ADMA2_32_DESC_SIZE;
	uint64_t boundary = h->quirks->adma_boundary;
	uint8_t *d = h->adma_table;
	int n = 0;

	while (len) {
		uint64_t chunk = MIN(len, (uint64_t)SDHCI_ADMA_DESC_MAX_LEN);
		uint32_t attr;

		if (boundary && ALIGN_DOWN(addr, boundary) !=
					ALIGN_DOWN(addr + chunk - 1, boundary))
			chunk = ALIGN_UP(addr + 1, boundary) - addr;
		if (n == SDHCI_ADMA_DESCS)
			return -ENOSPC;
		attr = SDHCI_ADMA2_VALID | SDHCI_ADMA2_ACT_TRAN |
		       (uint32_t)chunk << SDHCI_ADMA2_LEN_SHIFT;
		len -= chunk;
		if (!len)
			attr |= SDHCI_ADMA2_END;
		/* Little-endian, whatever the CPU (HC §1.13.4). */
		for (unsigned int i = 0; i < 4; i++)
			d[i] = (uint8_t)(attr >> (8 * i));
		for (unsigned int i = 0; i < size - 4; i++)
			d[4 + i] = (uint8_t)(addr >> (8 * i));
		d += size;
		addr += chunk;
		n++;
	}
	dma_to_device(h->adma_table, (size_t)n * size);
	return n;
}

/* The best transfer @data allows: DMA needs the buffer where it reaches. */
static enum sdhci_xfer sdhci_pick_xfer(struct sdhci_host *h,
				       const struct mmc_data *data)
{
	uint64_t addr = dma_addr(data->buf);
	uint64_t end = addr + (uint64_t)data->blksz * data->blocks;
	uint64_t table = h->adma_table ? dma_addr(h->adma_table) : 0;

	if (data->blksz % 4)
		return XFER_PIO;
	switch (h->dma) {
	case SDHCI_DMA_ADMA64:
		if (IS_ALIGNED(addr, 8))
			return XFER_ADMA64;
		return XFER_PIO;
	case SDHCI_DMA_ADMA32:
		if (IS_ALIGNED(addr, 4) && end <= SDHCI_4G &&
		    table + SDHCI_ADMA_TABLE_SIZE <= SDHCI_4G)
			return XFER_ADMA32;
		/* The same controller's SDMA is 32-bit too. */
		return XFER_PIO;
	case SDHCI_DMA_SDMA:
		if (IS_ALIGNED(addr, 4) && end <= SDHCI_4G)
			return XFER_SDMA;
		return XFER_PIO;
	default:
		return XFER_PIO;
	}
}

/* Program DMA (if any), block size and count for @data. */
static void sdhci_prepare_data(struct sdhci_host *h, struct mmc_data *data,
			       enum sdhci_xfer *xfer)
{
	uint64_t addr = dma_addr(data->buf);
	uint64_t len = (uint64_t)data->blksz * data->blocks;
	uint64_t table = h->adma_table ? dma_addr(h->adma_table) : 0;
	uint8_t ctl = sdhci_r8(h, SDHCI_HOST_CONTROL) & ~SDHCI_CTRL_DMA_MASK;
	int n;

	*xfer = sdhci_pick_xfer(h, data);
	if (*xfer == XFER_ADMA32 || *xfer == XFER_ADMA64) {
		n = sdhci_adma_fill(h, addr, len, *xfer == XFER_ADMA64);
		if (n < 0)
			*xfer = XFER_PIO;	/* too fragmented: rare */
	}
	switch (*xfer) {
	case XFER_ADMA64:
		sdhci_w32(h, SDHCI_ADMA_ADDRESS, (uint32_t)table);
		sdhci_w32(h, SDHCI_ADMA_ADDRESS_HI, (uint32_t)(table >> 32));
		ctl |= SDHCI_CTRL_ADMA64;
		break;
	case XFER_ADMA32:
		sdhci_w32(h, SDHCI_ADMA_ADDRESS, (uint32_t)table);
		ctl |= SDHCI_CTRL_ADMA32;
		break;
	case XFER_SDMA:
		sdhci_w32(h, SDHCI_SDMA_ADDRESS, (uint32_t)addr);
		ctl |= SDHCI_CTRL_SDMA;
		break;
	case XFER_PIO:
		break;
	}
	if (*xfer != XFER_PIO) {
		sdhci_w8(h, SDHCI_HOST_CONTROL, ctl);
		/* Clean for reads too: no dirty line may later be evicted over
		 * what the controller writes (drivers/dma.h). */
		dma_to_device(data->buf, (size_t)len);
	}
	/* Block Size and Block Count in one write (quirk-safe, §2.2.2-3). */
	sdhci_w32(h, SDHCI_BLOCK_SIZE,
		  (data->blksz & SDHCI_BLOCK_SIZE_MASK) |
			  SDHCI_SDMA_BOUNDARY_512K
				  << SDHCI_SDMA_BOUNDARY_SHIFT |
			  data->blocks << SDHCI_BLOCK_COUNT_SHIFT);
}

/* Twice the time on the wire at the clock and width set, plus a margin
 * for the card's access and programming times. */
static uint32_t sdhci_data_timeout_us(struct sdhci_host *h,
				      const struct mmc_data *data)
{
	uint32_t width = 1;
	uint64_t bits = (uint64_t)data->blksz * data->blocks * 8, us;
	uint8_t ctl = sdhci_r8(h, SDHCI_HOST_CONTROL);

	if (ctl & SDHCI_CTRL_8BITBUS)
		width = 8;
	else if (ctl & SDHCI_CTRL_4BITBUS)
		width = 4;
	us = h->clock_hz ? bits * 1000000u / ((uint64_t)h->clock_hz * width)
			 : 0;
	return (uint32_t)MIN(SDHCI_DATA_BASE_US + 2 * us, (uint64_t)UINT32_MAX);
}

/* HC §3.7.2.1: a block at a time through the Buffer Data Port. */
static uint32_t sdhci_pio(struct sdhci_host *h, struct mmc_data *data,
			  uint64_t deadline)
{
	uint32_t ready = data->write ? SDHCI_INT_SPACE_AVAIL
				     : SDHCI_INT_DATA_AVAIL;
	uint8_t *p = data->buf;

	for (uint32_t b = 0; b < data->blocks; b++) {
		uint32_t st = sdhci_wait_int(h, ready, sdhci_left_us(deadline));

		if (!st || (st & SDHCI_INT_ERROR) ||
		    (st >> SDHCI_INT_ERR_SHIFT))
			return st;
		sdhci_clear_int(h, ready);
		for (uint32_t i = 0; i < data->blksz; i += 4, p += 4) {
			uint32_t w;

			if (data->write) {
				memcpy(&w, p, 4);
				mmio_write32(h->base + SDHCI_BUFFER, w);
			} else {
				w = mmio_read32(h->base + SDHCI_BUFFER);
				memcpy(p, &w, 4);
			}
		}
	}
	return SDHCI_INT_XFER_COMPLETE;	/* "go on" */
}

/*
 * Wait for Transfer Complete.  SDMA stops at every 512 KiB boundary with a
 * DMA Interrupt and goes on from the address written next (HC §3.7.2.2).
 */
static uint32_t sdhci_wait_xfer(struct sdhci_host *h, enum sdhci_xfer xfer,
				const struct mmc_data *data, uint64_t deadline)
{
	uint64_t next = ALIGN_DOWN(dma_addr(data->buf),
				   (uint64_t)SDHCI_SDMA_BOUNDARY_BYTES) +
			SDHCI_SDMA_BOUNDARY_BYTES;

	for (;;) {
		uint32_t st = sdhci_wait_int(h, SDHCI_INT_XFER_COMPLETE |
							SDHCI_INT_DMA,
					     sdhci_left_us(deadline));

		if (!st || (st & (SDHCI_INT_ERROR | SDHCI_INT_XFER_COMPLETE)) ||
		    (st >> SDHCI_INT_ERR_SHIFT))
			return st;
		/* DMA Interrupt only. */
		sdhci_clear_int(h, SDHCI_INT_DMA);
		if (xfer == XFER_SDMA) {
			sdhci_w32(h, SDHCI_SDMA_ADDRESS, (uint32_t)next);
			next += SDHCI_SDMA_BOUNDARY_BYTES;
		}
	}
}

/* ---- commands --------------------------------------------------------- */

/*
 * HC §3.10.1: after an error, reset the CMD line (command errors) and the
 * DAT line (data errors, which also stops DMA), then clear the statuses.
 */
static int sdhci_fail(struct sdhci_host *h, const struct mmc_cmd *cmd,
		      uint32_t st, bool data, const char *phase)
{
	uint16_t err = (uint16_t)(st >> SDHCI_INT_ERR_SHIFT);
	uint8_t reset = 0;
	int ret = -EIO;

	if (!st) {
		/* Our own bound ran out: the controller said nothing. */
		ret = -ETIMEDOUT;
		reset = SDHCI_RESET_CMD | SDHCI_RESET_DATA;
	} else {
		if (err & (SDHCI_ERR_CMD_TIMEOUT | SDHCI_ERR_DATA_TIMEOUT))
			ret = -ETIMEDOUT;
		if (err & SDHCI_ERR_CMD_MASK)
			reset |= SDHCI_RESET_CMD;
		if ((err & ~SDHCI_ERR_CMD_MASK) || data)
			reset |= SDHCI_RESET_DATA;
		if (!reset)
			reset = SDHCI_RESET_CMD | SDHCI_RESET_DATA;
	}
	/* A plain "no response" is how probing learns what is there. */
	if (!(st && err == SDHCI_ERR_CMD_TIMEOUT && !data))
		log_printf("sdhci: %s: CMD%u %s: %s (status 0x%08x%s)\n",
			   h->name, cmd->opcode, phase,
			   !st ? "no completion" :
			   ret == -ETIMEDOUT ? "timeout" : "error", st,
			   (err & SDHCI_ERR_ADMA) ? ", ADMA error" : "");
	if (err & SDHCI_ERR_ADMA)
		log_printf("sdhci: %s: ADMA error status 0x%02x\n", h->name,
			   sdhci_r8(h, SDHCI_ADMA_ERROR));
	(void)sdhci_reset(h, reset);
	sdhci_clear_int(h, ~0u);
	return ret;
}

static uint16_t sdhci_command_word(const struct mmc_cmd *cmd, bool data)
{
	uint16_t w = (uint16_t)((cmd->opcode & SDHCI_CMD_INDEX_MASK)
				<< SDHCI_CMD_INDEX_SHIFT);

	if (!(cmd->flags & MMC_RSP_PRESENT))
		w |= SDHCI_CMD_RESP_NONE;
	else if (cmd->flags & MMC_RSP_136)
		w |= SDHCI_CMD_RESP_136;
	else if (cmd->flags & MMC_RSP_BUSY)
		w |= SDHCI_CMD_RESP_48_BUSY;
	else
		w |= SDHCI_CMD_RESP_48;
	if (cmd->flags & MMC_RSP_CRC)
		w |= SDHCI_CMD_CRC;
	if (cmd->flags & MMC_RSP_OPCODE)
		w |= SDHCI_CMD_INDEX;
	if (data)
		w |= SDHCI_CMD_DATA;
	if (cmd->opcode == SDHCI_ABORT_OPCODE)
		w |= SDHCI_CMD_TYPE_ABORT;
	return w;
}

/* HC §2.2.7: a 136-bit response lies in bits 119:0 without its CRC byte. */
static void sdhci_read_response(struct sdhci_host *h, struct mmc_cmd *cmd)
{
	uint32_t r[4];

	for (unsigned int i = 0; i < 4; i++)
		r[i] = sdhci_r32(h, SDHCI_RESPONSE + 4 * i);
	if (cmd->flags & MMC_RSP_136) {
		cmd->resp[3] = r[3] << 8 | r[2] >> 24;
		cmd->resp[2] = r[2] << 8 | r[1] >> 24;
		cmd->resp[1] = r[1] << 8 | r[0] >> 24;
		cmd->resp[0] = r[0] << 8;
	} else {
		cmd->resp[0] = r[0];
		cmd->resp[1] = cmd->resp[2] = cmd->resp[3] = 0;
	}
}

/* HC §3.7.1 (no data) and §3.7.2 (with data), polled. */
static int sdhci_send_cmd(struct mmc_host *mh, struct mmc_cmd *cmd,
			  struct mmc_data *data)
{
	struct sdhci_host *h = (struct sdhci_host *)mh;
	enum sdhci_xfer xfer = XFER_PIO;
	uint32_t inhibit = SDHCI_CMD_INHIBIT, st, mode = 0;
	bool busy = cmd && (cmd->flags & MMC_RSP_BUSY);
	uint64_t deadline;
	int ret;

	if (!h || !cmd)
		return -EINVAL;
	if (data && (!data->buf || !data->blocks || !data->blksz ||
		     data->blksz > SDHCI_BLOCK_SIZE_MASK ||
		     data->blocks > SDHCI_BLOCK_COUNT_MAX))
		return -EINVAL;
	if ((data || busy) && cmd->opcode != SDHCI_ABORT_OPCODE)
		inhibit |= SDHCI_DATA_INHIBIT;
	ret = mmio_poll32(h->base + SDHCI_PRESENT_STATE, inhibit, 0,
			  SDHCI_INHIBIT_US);
	if (ret) {
		log_printf("sdhci: %s: CMD%u: lines still busy "
			   "(state 0x%08x)\n", h->name, cmd->opcode,
			   sdhci_r32(h, SDHCI_PRESENT_STATE));
		(void)sdhci_reset(h, SDHCI_RESET_CMD | SDHCI_RESET_DATA);
		return -ETIMEDOUT;
	}
	sdhci_clear_int(h, ~0u);

	if (data) {
		sdhci_prepare_data(h, data, &xfer);
		mode = SDHCI_TRNS_BLK_CNT_EN |
		       (data->blocks > 1 ? SDHCI_TRNS_MULTI : 0) |
		       (data->write ? 0 : SDHCI_TRNS_READ) |
		       (xfer != XFER_PIO ? SDHCI_TRNS_DMA : 0);
	}
	sdhci_w32(h, SDHCI_ARGUMENT, cmd->arg);
	/* Transfer Mode and Command together: writing Command sends it. */
	sdhci_w32(h, SDHCI_TRANSFER_MODE,
		  mode | (uint32_t)sdhci_command_word(cmd, data)
				 << SDHCI_CMD_SHIFT);

	st = sdhci_wait_int(h, SDHCI_INT_CMD_COMPLETE, SDHCI_CMD_US);
	if (!st || !(st & SDHCI_INT_CMD_COMPLETE) ||
	    (st >> SDHCI_INT_ERR_SHIFT))
		return sdhci_fail(h, cmd, st, data != NULL, "command");
	sdhci_clear_int(h, SDHCI_INT_CMD_COMPLETE);
	sdhci_read_response(h, cmd);

	if (data) {
		deadline = timer_now_us() + sdhci_data_timeout_us(h, data);
		st = SDHCI_INT_XFER_COMPLETE;
		if (xfer == XFER_PIO)
			st = sdhci_pio(h, data, deadline);
		if (st == SDHCI_INT_XFER_COMPLETE)
			st = sdhci_wait_xfer(h, xfer, data, deadline);
		if (!st || !(st & SDHCI_INT_XFER_COMPLETE) ||
		    (st >> SDHCI_INT_ERR_SHIFT))
			return sdhci_fail(h, cmd, st, true,
					  sdhci_xfer_names[xfer]);
		sdhci_clear_int(h, SDHCI_INT_XFER_COMPLETE | SDHCI_INT_DMA);
		if (xfer != XFER_PIO && !data->write)
			dma_from_device(data->buf,
					(size_t)data->blksz * data->blocks);
	} else if (busy) {
		/*
		 * R1b: the card holds DAT0 low until done.  Command Inhibit
		 * (DAT) covers it (HC §2.2.9); some controllers also raise
		 * Transfer Complete at its end.
		 */
		ret = mmio_poll32(h->base + SDHCI_PRESENT_STATE,
				  SDHCI_DATA_INHIBIT, 0,
				  cmd->busy_timeout_us ? cmd->busy_timeout_us
						       : SDHCI_BUSY_US);
		st = sdhci_int_status(h);
		if (ret || (st >> SDHCI_INT_ERR_SHIFT))
			return sdhci_fail(h, cmd, ret ? 0 : st, true, "busy");
		sdhci_clear_int(h, SDHCI_INT_XFER_COMPLETE);
	}
	return 0;
}

static const struct mmc_host_ops sdhci_mmc_ops = {
	.send_cmd = sdhci_send_cmd,
	.set_ios = sdhci_set_ios,
};

/* ---- set-up ----------------------------------------------------------- */

static uint32_t sdhci_caps_base_hz(const struct sdhci_host *h)
{
	uint32_t lo = (uint32_t)h->caps;
	uint32_t mask = h->spec >= SDHCI_SPEC_300 ? SDHCI_CAP_BASE_CLK_MASK_V3
						  : SDHCI_CAP_BASE_CLK_MASK_V2;

	return ((lo & mask) >> SDHCI_CAP_BASE_CLK_SHIFT) * 1000000u;
}

/* HC §3.3: voltage first, then bus power on; OCR bits to match. */
static void sdhci_power_on(struct sdhci_host *h)
{
	uint32_t lo = (uint32_t)h->caps;
	uint8_t volt = SDHCI_POWER_330;

	h->mmc.ocr_avail = MMC_VDD_32_33 | MMC_VDD_33_34;
	if (!(lo & SDHCI_CAP_VDD_330) && (lo & SDHCI_CAP_VDD_300)) {
		volt = SDHCI_POWER_300;
		h->mmc.ocr_avail = MMC_VDD_29_30 | MMC_VDD_30_31;
	} else if (!(lo & (SDHCI_CAP_VDD_330 | SDHCI_CAP_VDD_300)) &&
		   (lo & SDHCI_CAP_VDD_180)) {
		volt = SDHCI_POWER_180;	/* eMMC only */
		h->mmc.ocr_avail = MMC_VDD_165_195;
	}
	/* A card the dead kernel used gets a power cycle where the
	 * controller switches the supply: off (Reset All did it), wait. */
	sdhci_w8(h, SDHCI_POWER_CONTROL, 0);
	timer_delay_us(SDHCI_POWER_OFF_US);
	sdhci_w8(h, SDHCI_POWER_CONTROL, volt);
	sdhci_w8(h, SDHCI_POWER_CONTROL, volt | SDHCI_POWER_ON);
	timer_delay_us(SDHCI_POWER_UP_US);
}

static void sdhci_pick_dma(struct sdhci_host *h, const struct sdhci_config *cfg)
{
	uint32_t lo = (uint32_t)h->caps;

	h->dma = SDHCI_DMA_NONE;
	if (cfg->force_pio || (h->quirks->flags & SDHCI_Q_NO_DMA))
		return;
	/* ADMA2 from v2.00 on; 64-bit System Bus Support: 64-bit ADMA2. */
	if (h->spec >= SDHCI_SPEC_200 && (lo & SDHCI_CAP_ADMA2) &&
	    h->adma_table)
		h->dma = (lo & SDHCI_CAP_64BIT) ? SDHCI_DMA_ADMA64
						: SDHCI_DMA_ADMA32;
	else if (lo & SDHCI_CAP_SDMA)
		h->dma = SDHCI_DMA_SDMA;
}

int sdhci_host_init(struct sdhci_host *h, const struct sdhci_config *cfg,
		    const struct sdhci_quirks *q, uint8_t *adma_table)
{
	static const struct sdhci_quirks none;
	uint16_t ver;
	uint32_t lo;
	int ret;

	if (!h || !cfg || !cfg->base || (adma_table && !IS_ALIGNED(
				dma_addr(adma_table), 8)))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->base = cfg->base;
	h->name = cfg->name ? cfg->name : "sdhci";
	h->quirks = q ? q : &none;
	h->adma_table = adma_table;

	ver = sdhci_r16(h, SDHCI_HOST_VERSION);
	if (ver == SDHCI_VERSION_NONE) {
		log_printf("sdhci: %s: no controller (version reads 0xffff)\n",
			   h->name);
		return -ENODEV;
	}
	/* Reset All first: it stops any DMA the dead kernel left running. */
	ret = sdhci_reset(h, SDHCI_RESET_ALL);
	if (ret)
		return ret;
	h->active = true;
	h->spec = ver & SDHCI_SPEC_VER_MASK;
	if (h->quirks->flags & SDHCI_Q_MISSING_CAPS) {
		h->caps = h->quirks->caps;
	} else {
		h->caps = sdhci_r32(h, SDHCI_CAPABILITIES);
		if (h->spec >= SDHCI_SPEC_300)
			h->caps |= (uint64_t)sdhci_r32(h, SDHCI_CAPABILITIES_1)
				   << 32;
	}
	lo = (uint32_t)h->caps;

	h->base_hz = cfg->clock_hz;
	if (!h->base_hz && !(h->quirks->flags & SDHCI_Q_CAPS_CLOCK_BROKEN))
		h->base_hz = sdhci_caps_base_hz(h);
	if (!h->base_hz && h->quirks->assumed_clock_hz) {
		h->base_hz = h->quirks->assumed_clock_hz;
		log_printf("sdhci: %s: base clock assumed %u MHz (no "
			   "clock-frequency in the DT)\n", h->name,
			   h->base_hz / 1000000);
	}
	if (!h->base_hz) {
		log_printf("sdhci: %s: base clock unknown\n", h->name);
		sdhci_host_stop(h);
		return -ENOTSUP;
	}

	h->mmc.ops = &sdhci_mmc_ops;
	h->mmc.f_max = h->base_hz;
	if (cfg->max_hz)
		h->mmc.f_max = MIN(h->mmc.f_max, cfg->max_hz);
	h->mmc.max_blocks = SDHCI_MAX_BLOCKS;
	switch (cfg->bus_width) {
	case 8:
		h->mmc.caps |= MMC_CAP_8BIT | MMC_CAP_4BIT;
		break;
	case 1:
		break;
	default:	/* 4, or unknown: every SD host has 4 (§2.2.10) */
		h->mmc.caps |= MMC_CAP_4BIT;
		break;
	}
	if (lo & SDHCI_CAP_HISPD)
		h->mmc.caps |= MMC_CAP_HS;
	sdhci_pick_dma(h, cfg);

	/* Statuses on, no interrupt lines: we poll (HC §2.2.19-22). */
	sdhci_w32(h, SDHCI_INT_ENABLE,
		  (SDHCI_ERR_ALL << SDHCI_INT_ERR_SHIFT) |
			  (SDHCI_INT_NORMAL_ALL & ~SDHCI_INT_CARD_INT));
	sdhci_w32(h, SDHCI_SIGNAL_ENABLE, 0);
	sdhci_clear_int(h, ~0u);
	sdhci_w8(h, SDHCI_TIMEOUT_CONTROL, SDHCI_TIMEOUT_MAX);
	sdhci_w8(h, SDHCI_HOST_CONTROL, 0);
	sdhci_power_on(h);
	ret = sdhci_set_clock(h, SDHCI_INIT_HZ);
	if (ret) {
		sdhci_host_stop(h);
		return ret;
	}
	timer_delay_us(SDHCI_CLOCK_START_US);
	log_printf("sdhci: %s: v%u.00, base clock %u MHz, %s, %u-bit bus%s%s\n",
		   h->name, h->spec + 1u, h->base_hz / 1000000,
		   h->dma == SDHCI_DMA_ADMA64 ? "ADMA2 64-bit" :
		   h->dma == SDHCI_DMA_ADMA32 ? "ADMA2 32-bit" :
		   h->dma == SDHCI_DMA_SDMA ? "SDMA" : "PIO",
		   h->mmc.caps & MMC_CAP_8BIT ? 8 :
		   h->mmc.caps & MMC_CAP_4BIT ? 4 : 1,
		   h->mmc.caps & MMC_CAP_HS ? ", high speed" : "",
		   sdhci_r32(h, SDHCI_PRESENT_STATE) & SDHCI_CARD_PRESENT
			   ? "" : ", card detect says empty");
	return 0;
}

void sdhci_host_stop(struct sdhci_host *h)
{
	if (!h || !h->base)
		return;
	(void)sdhci_reset(h, SDHCI_RESET_ALL);
	sdhci_w16(h, SDHCI_CLOCK_CONTROL, 0);
	sdhci_w8(h, SDHCI_POWER_CONTROL, 0);
	h->clock_hz = 0;
	h->active = false;
}

/* ---- the one slot we drive -------------------------------------------- */

struct sdhci_slot {
	struct mmc_card card;
	struct sdhci_host host;
	_Alignas(64) uint8_t adma[SDHCI_ADMA_TABLE_SIZE];
	char name[BLK_NAME_LEN];
};

static struct sdhci_slot sdhci_slot;

static int sdhci_probe_slot(const struct sdhci_config *cfg,
			    const struct sdhci_quirks *q, const char *driver,
			    struct blk_dev **out)
{
	struct sdhci_slot *s = &sdhci_slot;
	struct sdhci_config c = *cfg;
	int ret;

	/* One slot at a time: stop the one driven before, unless it is this
	 * controller (its Reset All comes next anyway). */
	if (s->host.active && s->host.base != cfg->base)
		sdhci_host_stop(&s->host);
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "");
	c.name = s->name;
	ret = sdhci_host_init(&s->host, &c, q, s->adma);
	if (ret)
		return ret;
	ret = mmc_card_init(&s->card, &s->host.mmc, driver, s->name);
	if (ret) {
		sdhci_host_stop(&s->host);
		return ret;
	}
	*out = &s->card.blk;
	return 0;
}

/* ---- device tree ------------------------------------------------------ */

/*
 * Match data (facts from Linux drivers/mmc/host/sdhci-iproc.c,
 * sdhci-of-arasan.c, sdhci-of-dwcmshc.c and QEMU hw/arm/bcm2835_peripherals.c).
 *
 * BCM2835 (Raspberry Pi 1-3 "EMMC", an Arasan core): only 32-bit accesses
 * work, and two writes to one register closer than two SD clocks lose the
 * first (clock-domain crossing); its capabilities register is not to be
 * trusted (Linux replaces it) and it has no High Speed Enable bit; PIO
 * only.  The base clock comes
 * from the firmware: the DT "clocks" name a firmware clock, so without
 * "clock-frequency" we assume 250 MHz, the Pi firmware's usual EMMC
 * clock (a slower real clock only slows the card).
 */
static const struct sdhci_quirks sdhci_bcm2835 = {
	.flags = SDHCI_Q_32BIT_ONLY | SDHCI_Q_WRITE_DELAY |
		 SDHCI_Q_NO_HISPD_BIT | SDHCI_Q_NO_DMA |
		 SDHCI_Q_CAPS_CLOCK_BROKEN | SDHCI_Q_MISSING_CAPS,
	.assumed_clock_hz = 250000000,
	/* Linux's replacement: 3.3 V, high speed, 1 KiB blocks, no DMA. */
	.caps = SDHCI_CAP_VDD_330 | SDHCI_CAP_HISPD |
		1u << SDHCI_CAP_MAX_BLK_SHIFT,
};

/*
 * Arasan SDHCI 8.9a (Zynq-7000, ZynqMP): the capabilities' base clock is
 * not the clock fed ("clk_xin", 200 MHz on ZynqMP boards; QEMU's zcu102
 * model says 100), and a divider of 0 does not work.
 */
static const struct sdhci_quirks sdhci_arasan = {
	.flags = SDHCI_Q_CAPS_CLOCK_BROKEN | SDHCI_Q_NO_DIV_ZERO,
	.assumed_clock_hz = 200000000,
	.clock_name = "clk_xin",
};

/*
 * Synopsys DWC MSHC: base clock from the "core" clock, not the
 * capabilities; an ADMA2 data buffer must not cross a 128 MiB boundary.
 */
static const struct sdhci_quirks sdhci_dwcmshc = {
	.flags = SDHCI_Q_CAPS_CLOCK_BROKEN,
	.assumed_clock_hz = 200000000,
	.clock_name = "core",
	.adma_boundary = 128ull << 20,
};

static const struct sdhci_quirks sdhci_generic;

static const struct fdt_match sdhci_matches[] = {
	{ .compatible = "brcm,bcm2835-sdhci", .data = &sdhci_bcm2835 },
	{ .compatible = "arasan,sdhci-8.9a", .data = &sdhci_arasan },
	{ .compatible = "snps,dwcmshc-sdhci", .data = &sdhci_dwcmshc },
	{ .compatible = "sdhci", .data = &sdhci_generic },
	{ 0 },
};

/*
 * The base clock from the DT: "clock-frequency", else the clock named
 * q->clock_name (or the first) in "clocks" when it is a "fixed-clock".
 */
static uint32_t sdhci_dt_clock(const void *fdt, int node,
			       const struct sdhci_quirks *q)
{
	int idx = q->clock_name ? fdt_stringlist_search(fdt, node,
						       "clock-names",
						       q->clock_name)
				: 0;
	int len, pos = 0;
	const fdt32_t *cells = fdt_getprop(fdt, node, "clocks", &len);
	int ncells = cells && len > 0 ? len / 4 : 0;
	uint32_t hz;

	if (!dt_prop_u32(fdt, node, "clock-frequency", &hz))
		return hz;
	if (idx < 0)
		return 0;
	for (int entry = 0; pos < ncells; entry++) {
		int prov = fdt_node_offset_by_phandle(fdt,
						      fdt32_ld(&cells[pos]));
		uint32_t args = 0;
		int r = prov < 0 ? -EINVAL
				 : dt_prop_u32(fdt, prov, "#clock-cells",
					       &args);

		if ((r && r != -ENOENT) || args > DT_CELLS_MAX)
			return 0;
		if (entry == idx) {
			if (fdt_node_check_compatible(fdt, prov,
						      "fixed-clock") == 0 &&
			    !dt_prop_u32(fdt, prov, "clock-frequency", &hz))
				return hz;
			return 0;
		}
		pos += 1 + (int)args;
	}
	return 0;
}

/**
 * sdhci_dt_probe() - take over the SDHCI node @node: reset the controller,
 * find and set up the card.  Reads "reg", the base clock
 * ("clock-frequency" or a fixed-clock), "max-frequency", "bus-width" and
 * "sdhci,1-bit-only" (absent: 4 data lines, as Linux's SDHCI drivers
 * assume).
 * Return: 0 with *@out set; -ENODEV when the slot is empty or nothing
 * answers; -EINVAL for a bad node; or the error of the set-up.
 */
static int sdhci_dt_probe(const struct dev_env *env, int node,
			  const void *match_data, struct blk_dev **out)
{
	const struct sdhci_quirks *q = match_data ? match_data : &sdhci_generic;
	struct sdhci_config cfg = { 0 };
	const void *fdt = env ? env->fdt : NULL;
	char path[BLK_NAME_LEN];
	uint64_t base, size;
	uint32_t v;
	int ret;

	if (!fdt || !out)
		return -EINVAL;
	ret = dt_reg(fdt, node, 0, &base, &size);
	if (ret || size < SDHCI_REG_SIZE || base > UINTPTR_MAX - size) {
		log_printf("sdhci: node %d: no usable \"reg\"\n", node);
		return -EINVAL;
	}
	ret = dev_map(env, base, size);
	if (ret)
		return ret;
	if (fdt_get_path(fdt, node, path, sizeof(path)))
		snprintf(path, sizeof(path), "sdhci@0x%llx",
			 (unsigned long long)base);
	cfg.base = (uintptr_t)base;
	cfg.name = path;
	cfg.clock_hz = sdhci_dt_clock(fdt, node, q);
	if (!dt_prop_u32(fdt, node, "max-frequency", &v))
		cfg.max_hz = v;
	/* As Linux's sdhci-pltfm.c: 4 data lines unless "bus-width" says 1
	 * (or 8), or "sdhci,1-bit-only". */
	if (!dt_prop_u32(fdt, node, "bus-width", &v)) {
		if (v == 1 || v == 4 || v == 8)
			cfg.bus_width = (uint8_t)v;
		else
			log_printf("sdhci: %s: bus-width %u ignored\n", path,
				   v);
	}
	if (fdt_getprop(fdt, node, "sdhci,1-bit-only", NULL))
		cfg.bus_width = 1;
	return sdhci_probe_slot(&cfg, q, sdhci_driver.name, out);
}

const struct blk_driver sdhci_driver = {
	.name = "sdhci",
	.matches = sdhci_matches,
	.probe = sdhci_dt_probe,
};

/* ---- PCI -------------------------------------------------------------- */

/*
 * SD Host Controller PCI configuration (HC §2.1): class 08h, subclass 05h;
 * programming interface 00h (no DMA) or 01h (standard DMA), 02h being a
 * vendor-specific register set.  Slot Information at offset 40h: bits 2:0
 * the first slot's BAR, bits 6:4 the number of slots - 1.  QEMU's
 * "sdhci-pci" is 1b36:0007, prog-if 01h, one slot in BAR 0.
 */
#define PCI_CLASS_SDHCI 0x080500u
#define PCI_CLASS_SDHCI_MASK 0xfffffeu		/* prog-if 00h and 01h */
#define PCI_PROG_IF_MASK 0xffu
#define PCI_PROG_IF_SDHCI_NO_DMA 0x00u
#define PCI_SDHCI_SLOT_INFO 0x40
#define PCI_SDHCI_FIRST_BAR GENMASK(2, 0)

static const struct pci_match sdhci_pci_matches[] = {
	{ .vendor = PCI_ANY, .device = PCI_ANY, .class_code = PCI_CLASS_SDHCI,
	  .class_mask = PCI_CLASS_SDHCI_MASK, .data = &sdhci_generic },
	{ 0 },
};

/**
 * sdhci_pci_probe() - the first slot of an SD host controller found by
 * the PCI scan (memory decoding and bus mastering already on).
 * Return: as sdhci_dt_probe(); -ENODEV also when the slot's BAR is not
 * assigned.
 */
static int sdhci_pci_probe(const struct dev_env *env, const struct pci_func *f,
			   const void *match_data, struct blk_dev **out)
{
	const struct sdhci_quirks *q = match_data ? match_data : &sdhci_generic;
	struct sdhci_config cfg = { 0 };
	char name[BLK_NAME_LEN];
	unsigned int bar = 0;

	(void)env;
	if (!f || !out)
		return -EINVAL;
	if (f->cfg)
		bar = mmio_read32(f->cfg + PCI_SDHCI_SLOT_INFO) &
		      PCI_SDHCI_FIRST_BAR;
	if (bar >= PCI_BARS || !f->bar[bar] ||
	    f->bar_size[bar] < SDHCI_REG_SIZE) {
		log_printf("sdhci: pci-%02x:%02x.%x: BAR %u not assigned\n",
			   f->bus, f->dev, f->fn, bar);
		return -ENODEV;
	}
	snprintf(name, sizeof(name), "pci-%02x:%02x.%x", f->bus, f->dev, f->fn);
	cfg.base = (uintptr_t)f->bar[bar];
	cfg.name = name;
	cfg.force_pio = (f->class_code & PCI_PROG_IF_MASK) ==
			PCI_PROG_IF_SDHCI_NO_DMA;
	return sdhci_probe_slot(&cfg, q, sdhci_pci_driver.name, out);
}

const struct pci_blk_driver sdhci_pci_driver = {
	.name = "sdhci-pci",
	.matches = sdhci_pci_matches,
	.probe = sdhci_pci_probe,
};
