/* SPDX-License-Identifier: MIT */
/*
 * An SD Host Controller (SD Host Controller Simplified Spec v3.00 chapter
 * 2) with an SD memory card or an eMMC behind it, for the unit tests of
 * drivers/mmc/.  The controller checks how the driver uses it (access
 * widths, the clock sequence, write-1-to-clear, the BCM2835's 32-bit-only
 * registers and lost back-to-back writes) and moves data by PIO, SDMA (with
 * boundary stops) and ADMA2 (32- and 64-bit descriptors; host pointers are
 * DMA addresses).  The card runs the SD or eMMC state machine, checks
 * clock, bus width and addressing, and keeps a sparse disk.  Errors can be
 * injected: command timeouts, data CRC errors, a card stuck busy, a
 * refused SWITCH, a reset that never ends.  Every misuse is counted in
 * .violations and printed.
 */
#ifndef TINYDUMP_TESTS_FAKE_SDHCI_H
#define TINYDUMP_TESTS_FAKE_SDHCI_H

#include <stdbool.h>
#include <stdint.h>

enum fsd_kind { FSD_NO_CARD, FSD_SD, FSD_EMMC };

/* Blocks backed by memory at each end of the card. */
#define FSD_BACKED 1024u
#define FSD_LOG 512

struct fsd_card {
	/* --- what the card is (set before attach/probe) --- */
	enum fsd_kind kind;
	bool v2;		/* SD: answers CMD8 */
	bool high_capacity;	/* SD CCS / eMMC sector mode */
	bool cmd23;		/* SD: SCR CMD_SUPPORT has CMD23 */
	bool hs;		/* high speed: SD CMD6 fn 1, eMMC CARD_TYPE */
	bool four_bit;		/* SD: SCR bus widths include 4 */
	bool emmc_cmd55;	/* eMMC: answers CMD55 (without APP_CMD) */
	bool emmc_refuse_hs;	/* eMMC: SWITCH HS_TIMING gives SWITCH_ERROR */
	uint8_t partition_config;	/* eMMC EXT_CSD[179]; kept over CMD0 */
	bool cache_on;		/* eMMC CACHE_CTRL, kept over CMD0 */
	unsigned int flushes;	/* SWITCH FLUSH_CACHE seen */
	unsigned int power_up_polls;	/* ACMD41/CMD1 busy answers */
	unsigned int busy_polls;	/* DAT0 busy after writes/SWITCH */
	uint64_t blocks;	/* capacity, 512-byte blocks */
	unsigned int read_bl_len;	/* CSD v1 READ_BL_LEN (9..11) */

	/* --- injected faults --- */
	int timeout_opcode;	/* -1: none; else no response to it ... */
	int timeout_count;	/* ... this many times (-1: always) */
	int crc_after_blocks;	/* -1: none; data CRC error after n blocks */
	int crc_count;		/* times (-1: always) */
	bool stuck_busy;	/* after the next write: busy for ever */
	bool app_cmd_noise;	/* SD: CMD55 answers without APP_CMD */

	/* --- state --- */
	int state;
	uint16_t rca;
	bool app;
	uint32_t ocr;
	uint32_t status_c;	/* clear-on-read error bits */
	uint32_t status_b;	/* reported to the next command */
	uint32_t blocklen;
	unsigned int polls;	/* ACMD41/CMD1 polls so far */
	unsigned int width;	/* 1, 4, 8 */
	bool hs_on;
	unsigned int busy;	/* DAT0 busy polls left */
	bool busy_forever;
	int dir;		/* 0, 1 read, 2 write */
	uint64_t pos;		/* next block */
	uint32_t count;		/* CMD23 count; 0: open-ended */
	uint32_t set_count;	/* CMD23 given for the next transfer */
	uint8_t small[512];	/* SCR, switch status, EXT_CSD being read */
	uint32_t small_len;
	bool small_mode;
	bool switch_hs_pending;
	uint8_t ext_csd[512];
	uint8_t lo[FSD_BACKED * 512], hi[FSD_BACKED * 512];
	uint8_t cid[16], csd[16];	/* byte 0 = bits 127:120 */

	/* --- what happened --- */
	uint8_t cmd_log[FSD_LOG];	/* opcodes (ACMDs + 100) */
	unsigned int ncmd;
	uint32_t last_arg[64];
	unsigned int blocks_read, blocks_written;
	unsigned int out_of_range_reads;	/* read-ahead past the end */
};

struct fsd {
	uintptr_t base;
	struct fsd_card card;

	/* --- what the controller is --- */
	uint16_t version;	/* HOST_VERSION register */
	uint64_t caps;
	uint32_t real_base_hz;	/* the clock actually fed */
	bool strict32;		/* BCM2835: only 32-bit accesses */
	bool reset_stuck;
	bool clock_never_stable;
	int adma_error;		/* ADMA errors to report (-1: always) */
	uint64_t adma_boundary;	/* descriptors crossing it: violation */
	bool quiet;		/* do not print violations (expected ones) */

	/* --- registers --- */
	uint32_t sdma_addr, arg;
	uint16_t blksize, blkcnt, mode, cmd;
	uint32_t resp[4];
	uint8_t hostctl, power, blockgap, wakeup, timeout;
	uint16_t clock, nint, eint, nint_en, eint_en, nsig, esig, hostctl2;
	uint8_t adma_err;
	uint64_t adma_addr;

	/* --- data engine --- */
	bool xfer;		/* a data phase is on (DAT inhibit) */
	bool xfer_read;
	bool xfer_dma;
	bool xfer_wait_busy;	/* write done, waiting for DAT0 */
	bool xfer_dma_paused;	/* SDMA stopped at a boundary */
	uint32_t xfer_left;	/* blocks */
	uint32_t xfer_blksz;
	uint8_t fifo[4096];
	uint32_t fifo_pos;
	bool fifo_ready;
	bool cmd_busy;		/* R1b in progress */

	/* --- what happened --- */
	unsigned int violations;
	unsigned int accesses, narrow_accesses, lost_writes;
	unsigned int n_pio, n_sdma, n_adma32, n_adma64;
	unsigned int sdma_stops, adma_descs;
	unsigned int resets_all, resets_cmd, resets_data;
	uint32_t max_clock_hz, last_clock_hz;
	uint64_t last_write_us[64];	/* per 32-bit register word */
	uint32_t last_write_hz[64];
	bool written[64];
	bool hispd_seen;
};

/* Reset @m and describe a QEMU-like controller (v3.00, SDMA, ADMA2,
 * 52 MHz base clock) with no card. */
void fsd_init(struct fsd *m, uintptr_t base);
/* Put a card in: an SDHC card of @blocks, or an eMMC in sector mode. */
void fsd_card_sd(struct fsd *m, uint64_t blocks);
void fsd_card_emmc(struct fsd *m, uint64_t blocks);
/* Register the controller with fake_mmio (after fake_mmio_reset()). */
void fsd_attach(struct fsd *m);

/* A device-tree node for the controller (fsd_probe_dt()). */
struct fsd_dt {
	const char *compatible;
	uint32_t clock_frequency;	/* 0: no such property */
	uint32_t xin_hz;	/* 0: no "clocks"; else fixed clocks ahb, xin */
	const char *xin_name;	/* the name of the second clock */
	uint32_t max_frequency;	/* 0: absent */
	uint32_t bus_width;	/* 0: absent */
};

struct blk_dev;
/* Build a DT with @dt at m->base and probe it with sdhci_driver. */
int fsd_probe_dt(struct fsd *m, const struct fsd_dt *dt, struct blk_dev **out);

/* The card's block @lba (NULL when not backed: a violation). */
uint8_t *fsd_block(struct fsd *m, uint64_t lba);
/* How many times the card saw @opcode (ACMDs as 100 + n). */
unsigned int fsd_count(const struct fsd *m, unsigned int opcode);
/* Index in the command log of the first @opcode at or after @from; -1. */
int fsd_find(const struct fsd *m, unsigned int opcode, unsigned int from);

#endif
