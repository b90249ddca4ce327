/* SPDX-License-Identifier: MIT */
/*
 * SD and eMMC memory cards over a small host-controller interface: the
 * protocol (drivers/mmc/mmc.c) speaks commands through struct
 * mmc_host_ops and gives a struct blk_dev of 512-byte blocks; a controller
 * driver (drivers/mmc/sdhci.c) moves the bits.  Polled, one command at a
 * time, every wait bounded.
 *
 * SD Specifications Part 1 Physical Layer Simplified Specification v6.00
 * (cited "SD §"), and JEDEC JESD84-B51 Embedded MultiMediaCard (e.MMC)
 * Electrical Standard 5.1 (cited "JESD84 §").
 */
#ifndef TINYDUMP_DRIVERS_MMC_H
#define TINYDUMP_DRIVERS_MMC_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/blk.h"
#include "include/compiler.h"

/*
 * Response formats as properties the controller checks (SD §4.9,
 * JESD84 §6.12): present, 136 bits long, CRC-protected, busy on DAT0
 * afterwards, carries the command index.
 */
#define MMC_RSP_PRESENT BIT(0)
#define MMC_RSP_136 BIT(1)
#define MMC_RSP_CRC BIT(2)
#define MMC_RSP_BUSY BIT(3)
#define MMC_RSP_OPCODE BIT(4)

#define MMC_RSP_NONE 0u
#define MMC_RSP_R1 (MMC_RSP_PRESENT | MMC_RSP_CRC | MMC_RSP_OPCODE)
#define MMC_RSP_R1B (MMC_RSP_R1 | MMC_RSP_BUSY)
#define MMC_RSP_R2 (MMC_RSP_PRESENT | MMC_RSP_136 | MMC_RSP_CRC)
#define MMC_RSP_R3 MMC_RSP_PRESENT	/* OCR: no CRC, index bits are 1s */
#define MMC_RSP_R6 MMC_RSP_R1		/* published RCA (SD) */
#define MMC_RSP_R7 MMC_RSP_R1		/* card interface condition (SD) */

struct mmc_cmd {
	uint8_t opcode;
	uint32_t arg;
	uint32_t flags;		/* MMC_RSP_* */
	/*
	 * For MMC_RSP_BUSY: how long the card may hold DAT0 low after the
	 * response (0: the host's default).
	 */
	uint32_t busy_timeout_us;
	/*
	 * The response: a 48-bit one's card bits [39:8] in resp[0]; a 136-bit
	 * one's bits [127:8] (the CID or CSD without its CRC byte) in
	 * resp[3..0] shifted so that resp[0] bits [31:8] hold register bits
	 * [31:8] and resp[0] bits [7:0] are 0: register bit n is
	 * resp[n / 32] bit n % 32.
	 */
	uint32_t resp[4];
};

/* A data phase: @blocks blocks of @blksz bytes to or from @buf. */
struct mmc_data {
	void *buf;
	uint32_t blksz;
	uint32_t blocks;
	bool write;
};

enum mmc_timing {
	MMC_TIMING_LEGACY,	/* default speed: SD 25 MHz, eMMC 26 MHz */
	MMC_TIMING_HS,		/* high speed: SD 50 MHz, eMMC 52 MHz */
};

struct mmc_ios {
	uint32_t clock_hz;	/* wanted SD clock; the host gives at most this */
	uint8_t bus_width;	/* 1, 4 or 8 data lines */
	enum mmc_timing timing;
};

struct mmc_host;

struct mmc_host_ops {
	/*
	 * Send @cmd (and move @data when not NULL), wait for the response,
	 * for the data and, with MMC_RSP_BUSY, for the card to release DAT0.
	 * Return: 0; -ETIMEDOUT when the card did not answer or the data or
	 * busy phase did not end in time; -EIO for a CRC, end-bit, index or
	 * DMA error (the host has recovered its lines either way); -EINVAL
	 * for a request the host cannot carry.
	 */
	int (*send_cmd)(struct mmc_host *h, struct mmc_cmd *cmd,
			struct mmc_data *data);
	/*
	 * Set the SD clock (the highest the host can make not above
	 * ios->clock_hz; 0 stops it), the bus width and the timing.
	 * Return: 0, -ETIMEDOUT (clock never stable), -EINVAL.
	 */
	int (*set_ios)(struct mmc_host *h, const struct mmc_ios *ios);
};

/* Host capabilities. */
#define MMC_CAP_4BIT BIT(0)	/* 4 data lines wired and supported */
#define MMC_CAP_8BIT BIT(1)	/* 8 data lines (eMMC) */
#define MMC_CAP_HS BIT(2)	/* high-speed timing */

/* OCR voltage windows (SD §5.1, JESD84 §7.1): bit n is one 100 mV step. */
#define MMC_VDD_165_195 BIT(7)	/* eMMC: 1.70-1.95 V */
#define MMC_VDD_27_28 BIT(15)
#define MMC_VDD_29_30 BIT(17)
#define MMC_VDD_30_31 BIT(18)
#define MMC_VDD_32_33 BIT(20)
#define MMC_VDD_33_34 BIT(21)
#define MMC_VDD_27_36 GENMASK(23, 15)

struct mmc_host {
	const struct mmc_host_ops *ops;
	uint32_t caps;		/* MMC_CAP_* */
	uint32_t ocr_avail;	/* MMC_VDD_* of the supply the host gives */
	uint32_t f_max;		/* the highest SD clock to ask for */
	uint32_t max_blocks;	/* blocks one data command may carry */
	uint32_t clock_hz;	/* the SD clock set_ios() made (for messages) */
};

#define MMC_BLOCK_SIZE 512u
/* EXT_CSD (eMMC), SCR and switch status (SD) are read into this. */
#define MMC_SCRATCH_SIZE 512u

struct mmc_card {
	struct blk_dev blk;	/* first: blk_dev * converts back */
	struct mmc_host *host;
	bool sd;		/* SD memory card; false: eMMC */
	bool block_addr;	/* high capacity: addresses count blocks */
	bool cmd23;		/* multi-block transfers with SET_BLOCK_COUNT */
	bool cache;		/* eMMC cache on: flush it (mmc_flush()) */
	bool broken;		/* gave up after an unrecoverable error */
	uint16_t rca;
	uint32_t ocr;
	uint32_t cid[4], csd[4];
	uint32_t scr[2];	/* SD: [0] = bits 63:32, [1] = bits 31:0 */
	uint8_t ext_csd_rev;	/* eMMC */
	struct mmc_ios ios;	/* what the bus runs at */
	/* One DMA-able cache-line-aligned buffer for register reads. */
	_Alignas(64) uint8_t scratch[MMC_SCRATCH_SIZE];
};

/**
 * mmc_card_init() - find and set up the card on @host: SD (CMD8, ACMD41)
 * or, when no SD card answers, eMMC (CMD1); identify, select, read the
 * capacity, then widen the bus and raise the clock as far as both sides
 * allow.  The host must be powered with its clock at 400 kHz or below.
 * @driver, @name: for card->blk and messages (@driver a static string).
 *
 * Return: 0 with card->blk ready for blk_read()/blk_write(); -ENODEV when
 * no card answered at all; -ETIMEDOUT when a card never finished its
 * power-up or a command stopped being answered; -EIO for a protocol
 * error; -ENOTSUP for a card we cannot drive (SDUC, locked, no 512-byte
 * blocks); -EINVAL for bad arguments.
 */
int mmc_card_init(struct mmc_card *card, struct mmc_host *host,
		  const char *driver, const char *name);

/**
 * mmc_read_blocks() - read @count 512-byte blocks at @lba into @buf.
 * Return: 0; -EINVAL (range, NULL); -EIO, -ETIMEDOUT (after one retry).
 */
int mmc_read_blocks(struct mmc_card *card, uint64_t lba, uint32_t count,
		    void *buf);

/**
 * mmc_write_blocks() - write @count 512-byte blocks at @lba from @buf and
 * wait until the card has programmed them (CMD13: back in "tran" with
 * READY_FOR_DATA).
 * Return: as mmc_read_blocks().
 */
int mmc_write_blocks(struct mmc_card *card, uint64_t lba, uint32_t count,
		     const void *buf);

/**
 * mmc_flush() - make written blocks durable: SWITCH FLUSH_CACHE on an eMMC
 * whose cache is on (we never turn it on; the dead kernel may have); 0 at
 * once otherwise.
 * Return: 0; -EIO, -ETIMEDOUT; -EINVAL for a NULL card.
 */
int mmc_flush(struct mmc_card *card);

#endif
