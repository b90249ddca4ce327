/* SPDX-License-Identifier: MIT */
/*
 * The SD/MMC protocol over a controller (drivers/mmc/sdhci.c today): card
 * initialisation (SD v2 and eMMC), capacity, and block reads/writes.
 * Commands and register fields: SD Specifications Part 1 Physical Layer
 * Simplified Specification v6.00 (below "SD §"), JEDEC JESD84-B51 eMMC
 * 5.1 (below "eMMC §").
 */
#ifndef TINYDUMP_DRIVERS_MMC_H
#define TINYDUMP_DRIVERS_MMC_H

#include <stdbool.h>
#include <stdint.h>

/* Response kinds (SD §4.9): what the controller checks and returns. */
enum mmc_rsp {
	MMC_RSP_NONE,
	MMC_RSP_R1,	/* 48 bits, index and CRC checked (also R6, R7) */
	MMC_RSP_R1B,	/* R1 with busy on DAT0 */
	MMC_RSP_R2,	/* 136 bits (CID, CSD), CRC checked */
	MMC_RSP_R3,	/* 48 bits (OCR), neither index nor CRC */
};

struct mmc_cmd {
	uint8_t index;
	uint32_t arg;
	enum mmc_rsp rsp;
	/* R2: resp[0] holds bits 39:8 ... resp[3] bits 127:104 (the CRC
	 * byte dropped, as SDHCI stores it); others: resp[0] = bits 39:8. */
	uint32_t resp[4];
};

struct mmc_data {
	void *buf;
	uint32_t blocks;
	uint32_t block_size;
	bool write;
	bool auto_cmd12;	/* the controller sends CMD12 after the last block */
};

struct mmc_host;

struct mmc_host_ops {
	/* One command, with its data transfer when @data is not NULL.
	 * Return: 0, -ETIMEDOUT (no response / data timeout), -EIO. */
	int (*cmd)(struct mmc_host *h, struct mmc_cmd *c, struct mmc_data *data);
	/* Bus clock at most @hz; bus width 1/4/8; high-speed timing. */
	int (*set_ios)(struct mmc_host *h, uint32_t hz, unsigned width, bool hs);
};

struct mmc_host {
	const struct mmc_host_ops *ops;
	bool bus_4bit, bus_8bit;	/* what the controller can do */
	bool high_speed;
	uint32_t max_blocks;		/* per data command */
};

enum mmc_card_type { MMC_CARD_NONE, MMC_CARD_SD, MMC_CARD_EMMC };

struct mmc_card {
	struct mmc_host *host;
	enum mmc_card_type type;
	uint16_t rca;
	bool block_addr;	/* SDHC/SDXC, or eMMC in sector mode */
	bool cmd23;		/* SET_BLOCK_COUNT before multi-block commands */
	uint64_t blocks;	/* 512-byte blocks */
	uint32_t clock_hz;
	unsigned width;
	uint8_t ext_csd_rev;	/* eMMC */
};

#define MMC_BLOCK_SIZE 512u

/**
 * mmc_card_init() - bring up the card on @h: SD first (CMD8/ACMD41), then
 * eMMC (CMD1); identify, read the capacity, select, widen the bus and
 * switch to high speed where both sides can.
 * Return: 0, -ENODEV (no card answers), -ETIMEDOUT, -EIO.
 */
int mmc_card_init(struct mmc_card *card, struct mmc_host *h);

/**
 * mmc_rw() - @count blocks at @lba to/from @buf, in commands of at most
 * host->max_blocks, each write followed by CMD13 until the card is ready.
 * Return: 0, -EINVAL (beyond the card), -ETIMEDOUT, -EIO.
 */
int mmc_rw(struct mmc_card *card, uint64_t lba, uint32_t count, void *buf,
	   bool write);

/* Helpers the tests use too. */

/** mmc_csd_blocks() - the capacity a CSD (R2 layout above) gives, in 512-byte blocks. */
uint64_t mmc_csd_blocks(const uint32_t csd[4], bool emmc);

/** mmc_ext_csd_sectors() - SEC_COUNT of an EXT_CSD (eMMC §7.4.95). */
uint32_t mmc_ext_csd_sectors(const uint8_t ext_csd[512]);

#endif
