/* SPDX-License-Identifier: MIT */
/*
 * SD Host Controller registers: SD Specifications Part A2, SD Host
 * Controller Simplified Specification v3.00, chapter 2.2 (below "§").
 * The driver accesses them 32 bits at a time only (see sdhci.c), so the
 * 8- and 16-bit registers are named by the 32-bit word that holds them.
 */
#ifndef TINYDUMP_DRIVERS_SDHCI_H
#define TINYDUMP_DRIVERS_SDHCI_H

#include "drivers/blk.h"
#include "drivers/pci/pci.h"
#include "include/compiler.h"

#define SDHCI_DMA_ADDRESS 0x00		/* §2.2.1 SDMA System Address */
#define SDHCI_BLOCK 0x04		/* §2.2.2 Block Size | §2.2.3 Block Count << 16 */
#define SDHCI_BLOCK_SDMA_512K (7u << 12) /* SDMA buffer boundary 512 KiB */
#define SDHCI_ARGUMENT 0x08		/* §2.2.4 */
#define SDHCI_XFER_CMD 0x0c		/* §2.2.5 Transfer Mode | §2.2.6 Command << 16 */
#define SDHCI_RESPONSE 0x10		/* §2.2.7, four words */
#define SDHCI_BUFFER 0x20		/* §2.2.8 Buffer Data Port */
#define SDHCI_PRESENT_STATE 0x24	/* §2.2.9 */
#define SDHCI_HOST_CTRL 0x28		/* §2.2.10 Host Control 1 | Power Control << 8 | ... */
#define SDHCI_CLOCK 0x2c		/* §2.2.15 Clock Control | Timeout << 16 | Reset << 24 */
#define SDHCI_INT_STATUS 0x30		/* §2.2.17 Normal | §2.2.18 Error << 16, write 1 to clear */
#define SDHCI_INT_ENABLE 0x34		/* §2.2.19-20 status enables */
#define SDHCI_SIGNAL_ENABLE 0x38	/* §2.2.21-22 interrupt signal enables */
#define SDHCI_CAPABILITIES 0x40		/* §2.2.26 */
#define SDHCI_CAPABILITIES_1 0x44
#define SDHCI_VERSION 0xfc		/* §2.2.33 Host Controller Version << 16 */
#define SDHCI_WINDOW 0x100

/* Transfer Mode (low half of SDHCI_XFER_CMD). */
#define SDHCI_TRNS_DMA BIT(0)
#define SDHCI_TRNS_BLK_CNT_EN BIT(1)
#define SDHCI_TRNS_AUTO_CMD12 (1u << 2)
#define SDHCI_TRNS_READ BIT(4)
#define SDHCI_TRNS_MULTI BIT(5)
/* Command (high half). */
#define SDHCI_CMD_RESP_136 1u
#define SDHCI_CMD_RESP_48 2u
#define SDHCI_CMD_RESP_48_BUSY 3u
#define SDHCI_CMD_CRC BIT(3)
#define SDHCI_CMD_INDEX BIT(4)
#define SDHCI_CMD_DATA BIT(5)
#define SDHCI_CMD_SHIFT 16
#define SDHCI_CMD_INDEX_SHIFT 8

/* Present State. */
#define SDHCI_CMD_INHIBIT BIT(0)
#define SDHCI_DATA_INHIBIT BIT(1)
#define SDHCI_CARD_PRESENT BIT(16)

/* Host Control 1 (bits 7:0) and Power Control (15:8). */
#define SDHCI_CTRL_4BITBUS BIT(1)
#define SDHCI_CTRL_HISPD BIT(2)
#define SDHCI_CTRL_DMA_MASK (3u << 3)	/* 0: SDMA */
#define SDHCI_CTRL_8BITBUS BIT(5)
#define SDHCI_POWER_ON BIT(8)
#define SDHCI_POWER_330 (7u << 9)
#define SDHCI_POWER_300 (6u << 9)
#define SDHCI_POWER_180 (5u << 9)
#define SDHCI_POWER_MASK (0xfu << 8)

/* Clock Control (15:0), Timeout Control (23:16), Software Reset (31:24). */
#define SDHCI_CLOCK_INT_EN BIT(0)
#define SDHCI_CLOCK_INT_STABLE BIT(1)
#define SDHCI_CLOCK_CARD_EN BIT(2)
#define SDHCI_DIV_SHIFT 8		/* 8 low divider bits */
#define SDHCI_DIV_HI_SHIFT 6		/* v3: divider bits 9:8 at 7:6 */
#define SDHCI_DIV_MAX_V3 1023u
#define SDHCI_DIV_MAX_V2 128u
#define SDHCI_TIMEOUT_MAX (0xeu << 16)	/* TMCLK x 2^27 */
#define SDHCI_RESET_ALL BIT(24)
#define SDHCI_RESET_CMD BIT(25)
#define SDHCI_RESET_DATA BIT(26)

/* Normal (15:0) and error (31:16) interrupt status. */
#define SDHCI_INT_CMD_COMPLETE BIT(0)
#define SDHCI_INT_XFER_COMPLETE BIT(1)
#define SDHCI_INT_DMA BIT(3)
#define SDHCI_INT_BUF_WR_READY BIT(4)
#define SDHCI_INT_BUF_RD_READY BIT(5)
#define SDHCI_INT_ERROR BIT(15)
#define SDHCI_INT_CMD_TIMEOUT BIT(16)
#define SDHCI_INT_DATA_TIMEOUT BIT(20)
#define SDHCI_INT_ERRORS 0x03ff0000u	/* §2.2.18 bits 9:0 */
#define SDHCI_INT_NORMAL_USED                                                 \
	(SDHCI_INT_CMD_COMPLETE | SDHCI_INT_XFER_COMPLETE | SDHCI_INT_DMA |   \
	 SDHCI_INT_BUF_WR_READY | SDHCI_INT_BUF_RD_READY)
#define SDHCI_INT_ALL 0xffffffffu

/* Capabilities (§2.2.26). */
#define SDHCI_CAP_BASE_CLK_SHIFT 8	/* MHz; 8 bits in v3, 6 in v2 */
#define SDHCI_CAP_BASE_CLK_MASK_V3 0xffu
#define SDHCI_CAP_BASE_CLK_MASK_V2 0x3fu
#define SDHCI_CAP_8BIT BIT(18)
#define SDHCI_CAP_HISPD BIT(21)
#define SDHCI_CAP_SDMA BIT(22)
#define SDHCI_CAP_VDD_330 BIT(24)
#define SDHCI_CAP_VDD_300 BIT(25)
#define SDHCI_CAP_VDD_180 BIT(26)

/* Host Controller Version (§2.2.33), bits 7:0 of the upper half. */
#define SDHCI_SPEC_VER_SHIFT 16
#define SDHCI_SPEC_300 2u

/* The drivers (sdhci.c): DT nodes, and PCI class 08h/05h functions. */
extern const struct blk_driver sdhci_driver;
extern const struct pci_blk_driver sdhci_pci_driver;

#endif
