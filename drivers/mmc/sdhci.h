/* SPDX-License-Identifier: MIT */
/*
 * SD Host Controller Interface: the register map of the SD Association's
 * SD Host Controller Simplified Specification v3.00 chapter 2 (cited "HC
 * §"; names as the spec gives them), the controller state, and the
 * register-level entry points the DT and PCI glue in sdhci.c (and the unit
 * tests) use.  Controllers of spec versions 1.00 to 4.x are driven in
 * their v3.00-compatible subset.
 */
#ifndef TINYDUMP_DRIVERS_SDHCI_H
#define TINYDUMP_DRIVERS_SDHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/mmc/mmc.h"
#include "include/compiler.h"

/* ---- registers (HC §2.1 Table 2-1, §2.2) ------------------------------ */

#define SDHCI_SDMA_ADDRESS 0x00		/* §2.2.1, 32-bit */
#define SDHCI_BLOCK_SIZE 0x04		/* §2.2.2, 16-bit */
#define SDHCI_BLOCK_COUNT 0x06		/* §2.2.3, 16-bit */
#define SDHCI_ARGUMENT 0x08		/* §2.2.4, 32-bit */
#define SDHCI_TRANSFER_MODE 0x0c	/* §2.2.5, 16-bit */
#define SDHCI_COMMAND 0x0e		/* §2.2.6, 16-bit */
#define SDHCI_RESPONSE 0x10		/* §2.2.7, 4 x 32-bit */
#define SDHCI_BUFFER 0x20		/* §2.2.8, Buffer Data Port */
#define SDHCI_PRESENT_STATE 0x24	/* §2.2.9, 32-bit */
#define SDHCI_HOST_CONTROL 0x28		/* §2.2.10, Host Control 1, 8-bit */
#define SDHCI_POWER_CONTROL 0x29	/* §2.2.11, 8-bit */
#define SDHCI_BLOCK_GAP_CONTROL 0x2a	/* §2.2.12, 8-bit */
#define SDHCI_WAKEUP_CONTROL 0x2b	/* §2.2.13, 8-bit */
#define SDHCI_CLOCK_CONTROL 0x2c	/* §2.2.14, 16-bit */
#define SDHCI_TIMEOUT_CONTROL 0x2e	/* §2.2.15, 8-bit */
#define SDHCI_SOFTWARE_RESET 0x2f	/* §2.2.16, 8-bit */
#define SDHCI_INT_STATUS 0x30		/* §2.2.17 Normal, 16-bit */
#define SDHCI_ERROR_INT_STATUS 0x32	/* §2.2.18, 16-bit */
#define SDHCI_INT_ENABLE 0x34		/* §2.2.19 Normal Status Enable */
#define SDHCI_ERROR_INT_ENABLE 0x36	/* §2.2.20 */
#define SDHCI_SIGNAL_ENABLE 0x38	/* §2.2.21 Normal Signal Enable */
#define SDHCI_ERROR_SIGNAL_ENABLE 0x3a	/* §2.2.22 */
#define SDHCI_AUTO_CMD_ERROR 0x3c	/* §2.2.23, 16-bit */
#define SDHCI_HOST_CONTROL2 0x3e	/* §2.2.24, 16-bit (v3.00) */
#define SDHCI_CAPABILITIES 0x40		/* §2.2.25, 64-bit */
#define SDHCI_CAPABILITIES_1 0x44
#define SDHCI_MAX_CURRENT 0x48		/* §2.2.26 */
#define SDHCI_ADMA_ERROR 0x54		/* §2.2.29, 8-bit */
#define SDHCI_ADMA_ADDRESS 0x58		/* §2.2.30, 64-bit */
#define SDHCI_ADMA_ADDRESS_HI 0x5c
#define SDHCI_SLOT_INT_STATUS 0xfc	/* §2.2.33, 16-bit */
#define SDHCI_HOST_VERSION 0xfe		/* §2.2.34, 16-bit */
#define SDHCI_REG_SIZE 0x100		/* one slot's register window */

/* Block Size (§2.2.2): bits 11:0 size, 14:12 SDMA buffer boundary. */
#define SDHCI_BLOCK_SIZE_MASK GENMASK(11, 0)
#define SDHCI_SDMA_BOUNDARY_SHIFT 12
#define SDHCI_SDMA_BOUNDARY_512K 7u	/* 4 KiB << 7 */
#define SDHCI_SDMA_BOUNDARY_BYTES (4096u << SDHCI_SDMA_BOUNDARY_512K)
#define SDHCI_BLOCK_COUNT_SHIFT 16	/* in the 32-bit word at 0x04 */
#define SDHCI_BLOCK_COUNT_MAX 0xffffu

/* Transfer Mode (§2.2.5). */
#define SDHCI_TRNS_DMA BIT(0)
#define SDHCI_TRNS_BLK_CNT_EN BIT(1)
#define SDHCI_TRNS_AUTO_CMD12 BIT(2)	/* Auto CMD Enable = 01b */
#define SDHCI_TRNS_READ BIT(4)		/* Data Transfer Direction: card to host */
#define SDHCI_TRNS_MULTI BIT(5)

/* Command (§2.2.6). */
#define SDHCI_CMD_RESP_NONE 0u		/* Response Type Select */
#define SDHCI_CMD_RESP_136 1u
#define SDHCI_CMD_RESP_48 2u
#define SDHCI_CMD_RESP_48_BUSY 3u
#define SDHCI_CMD_RESP_MASK GENMASK(1, 0)
#define SDHCI_CMD_CRC BIT(3)		/* Command CRC Check Enable */
#define SDHCI_CMD_INDEX BIT(4)		/* Command Index Check Enable */
#define SDHCI_CMD_DATA BIT(5)		/* Data Present Select */
#define SDHCI_CMD_TYPE_ABORT (3u << 6)	/* Command Type: CMD12, CMD52 */
#define SDHCI_CMD_TYPE_MASK GENMASK(7, 6)
#define SDHCI_CMD_INDEX_SHIFT 8
#define SDHCI_CMD_INDEX_MASK GENMASK(5, 0)	/* before the shift */
#define SDHCI_CMD_SHIFT 16		/* Command in the 32-bit word at 0x0c */

/* Present State (§2.2.9). */
#define SDHCI_CMD_INHIBIT BIT(0)	/* Command Inhibit (CMD) */
#define SDHCI_DATA_INHIBIT BIT(1)	/* Command Inhibit (DAT) */
#define SDHCI_DAT_ACTIVE BIT(2)
#define SDHCI_WRITE_ACTIVE BIT(8)
#define SDHCI_READ_ACTIVE BIT(9)
#define SDHCI_SPACE_AVAILABLE BIT(10)	/* Buffer Write Enable */
#define SDHCI_DATA_AVAILABLE BIT(11)	/* Buffer Read Enable */
#define SDHCI_CARD_PRESENT BIT(16)	/* Card Inserted */
#define SDHCI_CARD_STABLE BIT(17)
#define SDHCI_CD_LEVEL BIT(18)
#define SDHCI_WP_LEVEL BIT(19)
#define SDHCI_DAT0_LEVEL BIT(20)

/* Host Control 1 (§2.2.10). */
#define SDHCI_CTRL_LED BIT(0)
#define SDHCI_CTRL_4BITBUS BIT(1)	/* Data Transfer Width */
#define SDHCI_CTRL_HISPD BIT(2)		/* High Speed Enable */
#define SDHCI_CTRL_DMA_MASK GENMASK(4, 3)	/* DMA Select */
#define SDHCI_CTRL_SDMA (0u << 3)
#define SDHCI_CTRL_ADMA32 (2u << 3)	/* 32-bit Address ADMA2 */
#define SDHCI_CTRL_ADMA64 (3u << 3)	/* 64-bit Address ADMA2 */
#define SDHCI_CTRL_8BITBUS BIT(5)	/* Extended Data Transfer Width */
#define SDHCI_CTRL_CD_TEST_INS BIT(6)
#define SDHCI_CTRL_CD_TEST BIT(7)

/* Power Control (§2.2.11). */
#define SDHCI_POWER_ON BIT(0)		/* SD Bus Power */
#define SDHCI_POWER_180 (5u << 1)	/* SD Bus Voltage Select */
#define SDHCI_POWER_300 (6u << 1)
#define SDHCI_POWER_330 (7u << 1)
#define SDHCI_POWER_VOLTAGE_MASK GENMASK(3, 1)

/* Clock Control (§2.2.14). */
#define SDHCI_CLOCK_INT_EN BIT(0)	/* Internal Clock Enable */
#define SDHCI_CLOCK_INT_STABLE BIT(1)
#define SDHCI_CLOCK_CARD_EN BIT(2)	/* SD Clock Enable */
#define SDHCI_CLOCK_PROG BIT(5)		/* Clock Generator Select (v3.00) */
#define SDHCI_DIV_HI_SHIFT 6		/* upper bits 9:8 of the divider, v3.00 */
#define SDHCI_DIV_HI_MASK GENMASK(7, 6)
#define SDHCI_DIV_SHIFT 8		/* SDCLK Frequency Select, bits 7:0 */
#define SDHCI_DIV_LO_MASK GENMASK(7, 0)	/* of N, before the shift */
#define SDHCI_DIV_HI_N_SHIFT 8		/* N's bits 9:8 */
#define SDHCI_DIV_HI_N_MASK GENMASK(1, 0)
#define SDHCI_DIV_MASK GENMASK(15, 8)
#define SDHCI_DIV_MAX_V3 1023u		/* 10-bit N: SDCLK = base / 2N */
#define SDHCI_DIV_MAX_V2 256u		/* 8-bit, one bit set: base / 2..256 */

/* Timeout Control (§2.2.15): Data Timeout Counter Value, TMCLK x 2^27 max. */
#define SDHCI_TIMEOUT_MAX 0xeu

/* Software Reset (§2.2.16): self-clearing. */
#define SDHCI_RESET_ALL BIT(0)
#define SDHCI_RESET_CMD BIT(1)
#define SDHCI_RESET_DATA BIT(2)

/* Normal Interrupt Status (§2.2.17), low half of the 32-bit word at 0x30. */
#define SDHCI_INT_CMD_COMPLETE BIT(0)
#define SDHCI_INT_XFER_COMPLETE BIT(1)
#define SDHCI_INT_BLOCK_GAP BIT(2)
#define SDHCI_INT_DMA BIT(3)		/* SDMA boundary, ADMA Int attribute */
#define SDHCI_INT_SPACE_AVAIL BIT(4)	/* Buffer Write Ready */
#define SDHCI_INT_DATA_AVAIL BIT(5)	/* Buffer Read Ready */
#define SDHCI_INT_CARD_INSERT BIT(6)
#define SDHCI_INT_CARD_REMOVE BIT(7)
#define SDHCI_INT_CARD_INT BIT(8)	/* read-only: the card's own line */
#define SDHCI_INT_ERROR BIT(15)		/* any bit of the error half */
#define SDHCI_INT_NORMAL_ALL GENMASK(15, 0)
/* Error Interrupt Status (§2.2.18), high half of the word at 0x30. */
#define SDHCI_INT_ERR_SHIFT 16
#define SDHCI_ERR_CMD_TIMEOUT BIT(0)
#define SDHCI_ERR_CMD_CRC BIT(1)
#define SDHCI_ERR_CMD_END_BIT BIT(2)
#define SDHCI_ERR_CMD_INDEX BIT(3)
#define SDHCI_ERR_DATA_TIMEOUT BIT(4)
#define SDHCI_ERR_DATA_CRC BIT(5)
#define SDHCI_ERR_DATA_END_BIT BIT(6)
#define SDHCI_ERR_CURRENT_LIMIT BIT(7)
#define SDHCI_ERR_AUTO_CMD BIT(8)
#define SDHCI_ERR_ADMA BIT(9)
#define SDHCI_ERR_TUNING BIT(10)
#define SDHCI_ERR_CMD_MASK GENMASK(3, 0)
#define SDHCI_ERR_DATA_MASK                                                   \
	(GENMASK(6, 4) | SDHCI_ERR_AUTO_CMD | SDHCI_ERR_ADMA)
#define SDHCI_ERR_ALL GENMASK(15, 0)

/* Host Control 2 (§2.2.24): we leave it 0 (no UHS-I, 3.3 V signalling). */

/* Capabilities (§2.2.25), low 32 bits. */
#define SDHCI_CAP_TIMEOUT_CLK_MASK GENMASK(5, 0)
#define SDHCI_CAP_TIMEOUT_CLK_MHZ BIT(7)
#define SDHCI_CAP_BASE_CLK_SHIFT 8
#define SDHCI_CAP_BASE_CLK_MASK_V2 GENMASK(13, 8)	/* MHz, v1.00/v2.00 */
#define SDHCI_CAP_BASE_CLK_MASK_V3 GENMASK(15, 8)	/* MHz, v3.00 */
#define SDHCI_CAP_MAX_BLK_SHIFT 16			/* 512 << n */
#define SDHCI_CAP_MAX_BLK_MASK GENMASK(17, 16)
#define SDHCI_CAP_8BIT BIT(18)		/* 8-bit Support for Embedded Device */
#define SDHCI_CAP_ADMA2 BIT(19)
#define SDHCI_CAP_HISPD BIT(21)
#define SDHCI_CAP_SDMA BIT(22)
#define SDHCI_CAP_VDD_330 BIT(24)
#define SDHCI_CAP_VDD_300 BIT(25)
#define SDHCI_CAP_VDD_180 BIT(26)
#define SDHCI_CAP_64BIT BIT(28)		/* 64-bit System Bus Support */

/* Host Controller Version (§2.2.34): Specification Version Number. */
#define SDHCI_SPEC_VER_MASK GENMASK(7, 0)
#define SDHCI_VERSION_NONE 0xffffu	/* all ones: nothing decodes there */
#define SDHCI_SPEC_100 0
#define SDHCI_SPEC_200 1
#define SDHCI_SPEC_300 2

/* ADMA2 descriptors (HC §1.13.4, Figures 1-10/1-11). */
#define SDHCI_ADMA2_VALID BIT(0)
#define SDHCI_ADMA2_END BIT(1)
#define SDHCI_ADMA2_INT BIT(2)
#define SDHCI_ADMA2_ACT_TRAN (2u << 4)
#define SDHCI_ADMA2_ACT_LINK (3u << 4)
#define SDHCI_ADMA2_LEN_SHIFT 16
#define SDHCI_ADMA2_32_DESC_SIZE 8	/* attr+len 32 bits, address 32 bits */
#define SDHCI_ADMA2_64_DESC_SIZE 12	/* attr+len 32 bits, address 64 bits */
/*
 * Our descriptors carry at most 32 KiB (whole blocks; no reliance on a 0
 * length meaning 64 KiB), and the table has room for SDHCI_ADMA_DESCS:
 * 16 x 32 KiB = 512 KiB per command in 192 bytes.
 */
#define SDHCI_ADMA_DESC_MAX_LEN 0x8000u
#define SDHCI_ADMA_DESCS 16
#define SDHCI_ADMA_TABLE_SIZE (SDHCI_ADMA_DESCS * SDHCI_ADMA2_64_DESC_SIZE)

/* ---- quirks: per-compatible match data -------------------------------- */

#define SDHCI_Q_32BIT_ONLY BIT(0)	/* 8/16-bit accesses do not work */
#define SDHCI_Q_WRITE_DELAY BIT(1)	/* writes need 4 SD clocks apart */
#define SDHCI_Q_NO_HISPD_BIT BIT(2)	/* no High Speed Enable bit */
#define SDHCI_Q_NO_DMA BIT(3)		/* PIO only, whatever the caps say */
#define SDHCI_Q_CAPS_CLOCK_BROKEN BIT(4) /* caps base clock is not the rate */
#define SDHCI_Q_NO_DIV_ZERO BIT(5)	/* never SDCLK = base clock */
#define SDHCI_Q_MISSING_CAPS BIT(6)	/* use .caps, not the register */

struct sdhci_quirks {
	uint32_t flags;			/* SDHCI_Q_* */
	/*
	 * Base clock when neither the DT nor the capabilities give it: the
	 * fastest this IP is known to be fed, so that a guess only makes
	 * the SD clock slower than asked.  0: refuse to run without one.
	 */
	uint32_t assumed_clock_hz;
	/* "clock-names" entry of the base clock in "clocks" (NULL: first). */
	const char *clock_name;
	/* ADMA2 data buffers must not cross this boundary (0: none). */
	uint64_t adma_boundary;
	/* Capabilities (low word) with SDHCI_Q_MISSING_CAPS. */
	uint32_t caps;
};

/* What the DT or the PCI glue knows besides the registers. */
struct sdhci_config {
	uintptr_t base;
	const char *name;		/* for messages */
	uint32_t clock_hz;		/* base clock; 0: capabilities */
	uint32_t max_hz;		/* "max-frequency"; 0: none */
	uint8_t bus_width;		/* "bus-width" 1/4/8; 0: capabilities */
	bool force_pio;			/* "sdhci,no-dma"-like: no DMA */
};

enum sdhci_dma {
	SDHCI_DMA_NONE,
	SDHCI_DMA_SDMA,
	SDHCI_DMA_ADMA32,
	SDHCI_DMA_ADMA64,
};

struct sdhci_host {
	struct mmc_host mmc;		/* first: mmc_host * converts back */
	uintptr_t base;
	const char *name;
	const struct sdhci_quirks *quirks;
	uint8_t spec;			/* SDHCI_SPEC_* */
	uint64_t caps;
	uint32_t base_hz;		/* base clock of the divider */
	uint32_t clock_hz;		/* SD clock running now (0: off) */
	uint32_t clock_req;		/* what it was set for */
	enum sdhci_dma dma;		/* best DMA the controller has */
	/* ADMA2 table: SDHCI_ADMA_TABLE_SIZE bytes, 8-byte aligned. */
	uint8_t *adma_table;
	bool active;			/* set up; may be doing DMA */
};

/**
 * sdhci_host_init() - take over the controller at cfg->base: software
 * reset of everything (which stops any DMA left running), read version
 * and capabilities, pick the DMA mode, power the bus (3.3 V where it can)
 * and start the SD clock at 400 kHz for card identification.
 * @q: match data (quirks); @adma_table: SDHCI_ADMA_TABLE_SIZE bytes of
 * DMA-able memory, 8-byte aligned (NULL: no ADMA2).
 * Return: 0; -ENODEV when nothing sensible answers at the address;
 * -ETIMEDOUT when a reset or the internal clock never completes;
 * -ENOTSUP when no base clock is known; -EINVAL for bad arguments.
 */
int sdhci_host_init(struct sdhci_host *h, const struct sdhci_config *cfg,
		    const struct sdhci_quirks *q, uint8_t *adma_table);

/**
 * sdhci_host_stop() - reset the controller (stopping DMA) and switch the
 * SD clock and bus power off.
 */
void sdhci_host_stop(struct sdhci_host *h);

/* The DT driver ("sdhci" and SoC variants) and the PCI one (class 0805). */
struct blk_driver;
struct pci_blk_driver;
extern const struct blk_driver sdhci_driver;
extern const struct pci_blk_driver sdhci_pci_driver;

#endif
