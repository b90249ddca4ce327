// SPDX-License-Identifier: MIT
/*
 * SD and eMMC memory cards: initialisation, identification, bus set-up and
 * 512-byte block reads and writes over struct mmc_host_ops (mmc.h).
 *
 * SD Physical Layer Simplified Specification v6.00 ("SD §"): §4.2 card
 * identification, §4.3.10 switch function, §4.3.13 CMD8, §4.7.4 command
 * list, §4.9 responses, §4.10.1 card status, §5.1 OCR, §5.2 CID, §5.3 CSD,
 * §5.6 SCR.  JEDEC JESD84-B51 ("JESD84 §"): §6.4 device identification
 * mode, §6.6 data transfer mode, §6.10.4 command list, §6.13 device
 * status, §7.1 OCR, §7.2 CID, §7.3 CSD, §7.4 EXT_CSD.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/mmc/mmc.h"
#include "drivers/timer.h"
#include "payload/log.h"

/* Commands (SD §4.7.4, JESD84 §6.10.4); ACMDs follow CMD55. */
#define MMC_GO_IDLE_STATE 0
#define MMC_SEND_OP_COND 1		/* eMMC, R3 */
#define MMC_ALL_SEND_CID 2		/* R2 */
#define MMC_SET_RELATIVE_ADDR 3		/* SD: SEND_RELATIVE_ADDR, R6 */
#define MMC_SWITCH 6			/* eMMC, R1b */
#define SD_SWITCH_FUNC 6		/* SD, adtc R1 */
#define SD_APP_SET_BUS_WIDTH 6		/* ACMD6, R1 */
#define MMC_SELECT_CARD 7		/* R1b */
#define SD_SEND_IF_COND 8		/* SD, R7 */
#define MMC_SEND_EXT_CSD 8		/* eMMC, adtc R1 */
#define MMC_SEND_CSD 9			/* R2 */
#define MMC_STOP_TRANSMISSION 12	/* R1b */
#define MMC_SEND_STATUS 13		/* R1 */
#define MMC_SET_BLOCKLEN 16		/* R1 */
#define MMC_READ_SINGLE_BLOCK 17
#define MMC_READ_MULTIPLE_BLOCK 18
#define MMC_SET_BLOCK_COUNT 23		/* R1 */
#define MMC_WRITE_BLOCK 24
#define MMC_WRITE_MULTIPLE_BLOCK 25
#define SD_APP_OP_COND 41		/* ACMD41, R3 */
#define SD_APP_SEND_SCR 51		/* ACMD51, adtc R1 */
#define MMC_APP_CMD 55			/* R1 */

/* OCR (SD §5.1, JESD84 §7.1). */
#define OCR_BUSY BIT(31)		/* set: power-up done */
#define OCR_CCS BIT(30)			/* SD: high capacity (SDHC/SDXC) */
#define OCR_HCS OCR_CCS			/* ACMD41: the host takes SDHC */
#define OCR_ACCESS_MODE GENMASK(30, 29)	/* eMMC */
#define OCR_ACCESS_SECTOR BIT(30)	/* eMMC: 10b, sector addressing */

/* CMD8 argument and R7 (SD §4.3.13): VHS 0001b = 2.7-3.6 V, a pattern. */
#define SD_IF_COND_VHS_27_36 (1u << 8)
#define SD_IF_COND_PATTERN 0xaau
#define SD_IF_COND_ECHO GENMASK(11, 0)

/* Card status (SD §4.10.1 Table 4-42, JESD84 §6.13 Table 68). */
#define R1_OUT_OF_RANGE BIT(31)
#define R1_ADDRESS_ERROR BIT(30)
#define R1_BLOCK_LEN_ERROR BIT(29)
#define R1_ERASE_SEQ_ERROR BIT(28)
#define R1_ERASE_PARAM BIT(27)
#define R1_WP_VIOLATION BIT(26)
#define R1_CARD_IS_LOCKED BIT(25)
#define R1_LOCK_UNLOCK_FAILED BIT(24)
#define R1_COM_CRC_ERROR BIT(23)
#define R1_ILLEGAL_COMMAND BIT(22)
#define R1_CARD_ECC_FAILED BIT(21)
#define R1_CC_ERROR BIT(20)
#define R1_ERROR BIT(19)
#define R1_CURRENT_STATE GENMASK(12, 9)
#define R1_CURRENT_STATE_SHIFT 9
#define R1_READY_FOR_DATA BIT(8)
#define R1_SWITCH_ERROR BIT(7)		/* eMMC only */
#define R1_APP_CMD BIT(5)
#define R1_ERRORS                                                             \
	(R1_OUT_OF_RANGE | R1_ADDRESS_ERROR | R1_BLOCK_LEN_ERROR |            \
	 R1_ERASE_SEQ_ERROR | R1_ERASE_PARAM | R1_WP_VIOLATION |              \
	 R1_LOCK_UNLOCK_FAILED | R1_COM_CRC_ERROR | R1_ILLEGAL_COMMAND |      \
	 R1_CARD_ECC_FAILED | R1_CC_ERROR | R1_ERROR)

/* CURRENT_STATE values. */
enum {
	MMC_STATE_IDLE, MMC_STATE_READY, MMC_STATE_IDENT, MMC_STATE_STBY,
	MMC_STATE_TRAN, MMC_STATE_DATA, MMC_STATE_RCV, MMC_STATE_PRG,
	MMC_STATE_DIS,
};

/* CSD fields as [msb, lsb] (SD §5.3.2 v1.0, §5.3.3 v2.0; JESD84 §7.3). */
#define CSD_STRUCTURE 127, 126
#define CSD_SPEC_VERS 125, 122		/* eMMC: 4 and up have EXT_CSD */
#define CSD_CCC 95, 84
#define CSD_READ_BL_LEN 83, 80
#define CSD_V1_C_SIZE 73, 62
#define CSD_V1_C_SIZE_MULT 49, 47
#define CSD_V2_C_SIZE 69, 48
#define CSD_SD_V1 0
#define CSD_SD_V2 1			/* SDHC/SDXC */
#define CSD_SD_V3 2			/* SDUC */
#define SD_CCC_SWITCH BIT(10)		/* class 10: CMD6 */
#define MMC_SPEC_VERS_4 4

/* SCR (SD §5.6), as read big-endian into scr[0] = bits 63:32. */
#define SCR_SD_SPEC(s0) (((s0) >> 24) & 0xfu)	/* bits 59:56 */
#define SCR_BUS_WIDTH_4 BIT(18)			/* bit 50 */
#define SCR_CMD23 BIT(1)			/* CMD_SUPPORT, bit 33 */
#define SCR_SD_SPEC_1_10 1			/* CMD6 exists from here */

/* CMD6 switch function (SD §4.3.10): group 1, function 1 = high speed. */
#define SD_SWITCH_CHECK 0x00fffff1u
#define SD_SWITCH_SET 0x80fffff1u
#define SD_SWITCH_STATUS_LEN 64
#define SD_SWITCH_GRP1_SUPPORT 13	/* byte of bits 407:400 */
#define SD_SWITCH_GRP1_RESULT 16	/* byte of bits 383:376, low nibble */
#define SD_SWITCH_HS BIT(1)
#define SD_SCR_LEN 8

/* ACMD6 argument (SD §4.7.4): bus width 10b = 4 bits. */
#define SD_BUS_WIDTH_4 2u

/* eMMC SWITCH argument (JESD84 §6.10.4, CMD6): write one EXT_CSD byte. */
#define MMC_SWITCH_WRITE_BYTE (3u << 24)
#define MMC_SWITCH_INDEX_SHIFT 16
#define MMC_SWITCH_VALUE_SHIFT 8

/* EXT_CSD bytes (JESD84 §7.4). */
#define EXT_CSD_FLUSH_CACHE 32		/* write 1: flush the cache */
#define EXT_CSD_CACHE_CTRL 33		/* bit 0: cache on */
#define EXT_CSD_PARTITION_CONFIG 179	/* bits 2:0 PARTITION_ACCESS */
#define EXT_CSD_BUS_WIDTH 183		/* 0: 1 bit, 1: 4 bits, 2: 8 bits */
#define EXT_CSD_HS_TIMING 185		/* 1: high speed */
#define EXT_CSD_REV 192
#define EXT_CSD_CARD_TYPE 196		/* DEVICE_TYPE in 5.x */
#define EXT_CSD_SEC_COUNT 212		/* [215:212], little-endian */
#define EXT_CSD_BUS_WIDTH_1 0
#define EXT_CSD_BUS_WIDTH_4 1
#define EXT_CSD_BUS_WIDTH_8 2
#define EXT_CSD_PART_ACCESS_MASK GENMASK(2, 0)	/* 0: the user area */
#define EXT_CSD_CARD_TYPE_HS_26 BIT(0)
#define EXT_CSD_CARD_TYPE_HS_52 BIT(1)

/* Clocks (SD §6.7 / JESD84 §10.5): identification, default, high speed. */
#define MMC_CLOCK_INIT 400000u
#define SD_CLOCK_DS 25000000u
#define SD_CLOCK_HS 50000000u
#define MMC_CLOCK_DS 26000000u
#define MMC_CLOCK_HS_26 26000000u
#define MMC_CLOCK_HS_52 52000000u

/* Our RCA for an eMMC (JESD84 §6.4.4: the host assigns it; not 0). */
#define MMC_EMMC_RCA 1

/*
 * Bounds.  ACMD41 and CMD1 loops: SD §4.2.3 and JESD84 §6.4.3 give a card
 * one second to power up.  Busy and programming: SD §4.6.2.2 allows 250 ms
 * (SDHC) / 500 ms (SDXC) per write; eMMC's SWITCH and write times are in
 * EXT_CSD and can be longer, so we give two seconds.
 */
#define MMC_POWER_UP_US 1000000u
#define MMC_BUSY_US 2000000u
#define MMC_OP_COND_POLL_US 1000u	/* between ACMD41/CMD1 tries */
#define MMC_RETRIES 3			/* CMD3 when a card publishes RCA 0 */
#define MMC_DATA_TRIES 2		/* one retry of a failed transfer */
#define MMC_SET_BLOCK_COUNT_MAX 0xffffu	/* eMMC CMD23: 16 bits of count */

/* A field [msb, lsb] of a 128-bit register in r[0..3]. */
static uint32_t reg_bits(const uint32_t r[4], unsigned int msb,
			 unsigned int lsb)
{
	uint32_t v = 0;

	for (unsigned int b = msb + 1; b-- > lsb;)
		v = v << 1 | ((r[b / 32] >> (b % 32)) & 1u);
	return v;
}
#define REG(r, field) reg_bits(r, field)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static unsigned int r1_state(uint32_t status)
{
	return (status & R1_CURRENT_STATE) >> R1_CURRENT_STATE_SHIFT;
}

static int mmc_cmd(struct mmc_card *c, uint8_t opcode, uint32_t arg,
		   uint32_t flags, uint32_t *resp)
{
	struct mmc_cmd cmd = { .opcode = opcode, .arg = arg, .flags = flags };
	int ret;

	if (flags & MMC_RSP_BUSY)
		cmd.busy_timeout_us = MMC_BUSY_US;
	ret = c->host->ops->send_cmd(c->host, &cmd, NULL);
	if (!ret && resp)
		memcpy(resp, cmd.resp, sizeof(cmd.resp));
	return ret;
}

/* A command with a data phase into or out of @buf. */
static int mmc_cmd_data(struct mmc_card *c, uint8_t opcode, uint32_t arg,
			void *buf, uint32_t blksz, uint32_t blocks, bool write,
			uint32_t *status)
{
	struct mmc_cmd cmd = { .opcode = opcode, .arg = arg,
			       .flags = MMC_RSP_R1 };
	struct mmc_data data = { .buf = buf, .blksz = blksz,
				 .blocks = blocks, .write = write };
	int ret = c->host->ops->send_cmd(c->host, &cmd, &data);

	if (!ret && status)
		*status = cmd.resp[0];
	return ret;
}

/* CMD55 then the application command (SD §4.3.9). */
static int sd_app_cmd(struct mmc_card *c, uint8_t opcode, uint32_t arg,
		      uint32_t flags, uint32_t *resp)
{
	uint32_t r[4];
	int ret = mmc_cmd(c, MMC_APP_CMD, (uint32_t)c->rca << 16, MMC_RSP_R1,
			  r);

	if (ret)
		return ret;
	if (!(r[0] & R1_APP_CMD))
		return -EIO;	/* the card did not take CMD55 */
	return mmc_cmd(c, opcode, arg, flags, resp);
}

static int mmc_set_ios(struct mmc_card *c, uint32_t clock_hz, uint8_t width,
		       enum mmc_timing timing)
{
	struct mmc_ios ios = { .clock_hz = clock_hz, .bus_width = width,
			       .timing = timing };
	int ret = c->host->ops->set_ios(c->host, &ios);

	if (!ret)
		c->ios = ios;
	return ret;
}

/*
 * CMD13 until the card is in "tran" with READY_FOR_DATA: after a write or
 * a SWITCH it stays in "prg" until done.  Error bits in any status (but
 * @ignore) end the wait with -EIO.
 */
static int mmc_wait_ready_ignore(struct mmc_card *c, uint32_t timeout_us,
				 uint32_t *status_out, uint32_t ignore)
{
	uint64_t deadline = timer_now_us() + timeout_us;
	uint32_t errors = (R1_ERRORS | (c->sd ? 0 : R1_SWITCH_ERROR)) & ~ignore;
	uint32_t r[4] = { 0 };
	int ret;

	for (;;) {
		ret = mmc_cmd(c, MMC_SEND_STATUS, (uint32_t)c->rca << 16,
			      MMC_RSP_R1, r);
		if (!ret) {
			if (status_out)
				*status_out = r[0];
			if (r[0] & errors) {
				log_printf("mmc: %s: card status 0x%08x "
					   "(error bits 0x%08x)\n", c->blk.name,
					   r[0], r[0] & errors);
				return -EIO;
			}
			if (r1_state(r[0]) == MMC_STATE_TRAN &&
			    (r[0] & R1_READY_FOR_DATA))
				return 0;
		}
		if (timer_now_us() > deadline)
			break;
	}
	log_printf("mmc: %s: card not ready in %u ms (%s 0x%08x)\n",
		   c->blk.name, timeout_us / 1000,
		   ret ? "CMD13 failing, last status" : "status", r[0]);
	return ret ? ret : -ETIMEDOUT;
}

static int mmc_wait_ready(struct mmc_card *c, uint32_t timeout_us,
			  uint32_t *status_out)
{
	return mmc_wait_ready_ignore(c, timeout_us, status_out, 0);
}

/* ---- identification --------------------------------------------------- */

/*
 * SD: CMD8 says whether the card knows the v2.00 protocol (and so
 * high capacity); ACMD41 with HCS until the card reports power-up done.
 * Return: 0, -ENODEV when nothing answers ACMD41 (maybe an eMMC),
 * -ETIMEDOUT (power-up never finished), -EIO (bad CMD8 echo).
 */
static int sd_power_up(struct mmc_card *c)
{
	uint32_t r[4], arg, vdd = c->host->ocr_avail & MMC_VDD_27_36;
	bool v2 = false;
	uint64_t deadline;
	int ret;

	ret = mmc_cmd(c, SD_SEND_IF_COND,
		      SD_IF_COND_VHS_27_36 | SD_IF_COND_PATTERN, MMC_RSP_R7, r);
	if (!ret) {
		if ((r[0] & SD_IF_COND_ECHO) !=
		    (SD_IF_COND_VHS_27_36 | SD_IF_COND_PATTERN)) {
			log_printf("mmc: %s: CMD8 echo 0x%03x: card cannot "
				   "use our voltage\n", c->blk.name,
				   r[0] & SD_IF_COND_ECHO);
			return -EIO;
		}
		v2 = true;
	} else if (ret != -ETIMEDOUT) {
		return ret;
	}
	/* No CMD8 answer: a v1.x SD card, or an eMMC (CMD8 is its
	 * SEND_EXT_CSD, illegal in idle state). */
	if (!vdd)
		return -ENODEV;	/* SD cards need 2.7-3.6 V */
	arg = vdd | (v2 ? OCR_HCS : 0);
	deadline = timer_now_us() + MMC_POWER_UP_US;
	for (bool first = true;; first = false) {
		ret = sd_app_cmd(c, SD_APP_OP_COND, arg, MMC_RSP_R3, r);
		/*
		 * An eMMC may answer CMD55 (without APP_CMD, or then not
		 * CMD41): on the first try any failure means "not SD".
		 */
		if (ret)
			return first ? -ENODEV : ret;
		if (r[0] & OCR_BUSY)
			break;
		if (timer_now_us() > deadline) {
			log_printf("mmc: %s: SD card power-up not done in "
				   "%u ms\n", c->blk.name,
				   MMC_POWER_UP_US / 1000);
			return -ETIMEDOUT;
		}
		timer_delay_us(MMC_OP_COND_POLL_US);
	}
	c->ocr = r[0];
	c->sd = true;
	c->block_addr = v2 && (r[0] & OCR_CCS);
	return 0;
}

/* eMMC: CMD1 with sector mode until power-up is done (JESD84 §6.4.2). */
static int emmc_power_up(struct mmc_card *c)
{
	uint32_t r[4];
	uint32_t arg = OCR_ACCESS_SECTOR |
		       (c->host->ocr_avail & (MMC_VDD_27_36 | MMC_VDD_165_195));
	uint64_t deadline = timer_now_us() + MMC_POWER_UP_US;
	int ret;

	ret = mmc_cmd(c, MMC_GO_IDLE_STATE, 0, MMC_RSP_NONE, NULL);
	if (ret)
		return ret;
	for (bool first = true;; first = false) {
		ret = mmc_cmd(c, MMC_SEND_OP_COND, arg, MMC_RSP_R3, r);
		if (ret)
			return first && ret == -ETIMEDOUT ? -ENODEV : ret;
		if (r[0] & OCR_BUSY)
			break;
		if (timer_now_us() > deadline) {
			log_printf("mmc: %s: eMMC power-up not done in %u ms\n",
				   c->blk.name, MMC_POWER_UP_US / 1000);
			return -ETIMEDOUT;
		}
		timer_delay_us(MMC_OP_COND_POLL_US);
	}
	c->ocr = r[0];
	c->sd = false;
	c->block_addr = (r[0] & OCR_ACCESS_MODE) == OCR_ACCESS_SECTOR;
	return 0;
}

/* CMD2, CMD3, CMD9: CID, RCA, CSD (SD §4.2.3, JESD84 §6.4.4). */
static int mmc_identify(struct mmc_card *c)
{
	uint32_t r[4];
	int ret;

	ret = mmc_cmd(c, MMC_ALL_SEND_CID, 0, MMC_RSP_R2, c->cid);
	if (ret)
		return ret;
	if (c->sd) {
		/* RCA 0 is reserved (it deselects): ask again. */
		for (int i = 0; i < MMC_RETRIES; i++) {
			ret = mmc_cmd(c, MMC_SET_RELATIVE_ADDR, 0, MMC_RSP_R6,
				      r);
			if (ret)
				return ret;
			c->rca = (uint16_t)(r[0] >> 16);
			if (c->rca)
				break;
		}
		if (!c->rca)
			return -EIO;
	} else {
		c->rca = MMC_EMMC_RCA;
		ret = mmc_cmd(c, MMC_SET_RELATIVE_ADDR, (uint32_t)c->rca << 16,
			      MMC_RSP_R1, NULL);
		if (ret)
			return ret;
	}
	return mmc_cmd(c, MMC_SEND_CSD, (uint32_t)c->rca << 16, MMC_RSP_R2,
		       c->csd);
}

/* Capacity in 512-byte blocks from a CSD v1.0 layout (SD §5.3.2). */
static uint64_t csd_v1_blocks(const uint32_t csd[4])
{
	uint64_t c_size = REG(csd, CSD_V1_C_SIZE);
	unsigned int mult = REG(csd, CSD_V1_C_SIZE_MULT);
	unsigned int bl_len = REG(csd, CSD_READ_BL_LEN);

	/* bytes = (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) * 2^READ_BL_LEN */
	if (bl_len < 9 || bl_len > 11)
		return 0;
	return (c_size + 1) << (mult + 2 + bl_len - 9);
}

static int sd_capacity(struct mmc_card *c)
{
	switch (REG(c->csd, CSD_STRUCTURE)) {
	case CSD_SD_V1:
		c->blk.blocks = csd_v1_blocks(c->csd);
		break;
	case CSD_SD_V2:
		/* (C_SIZE + 1) * 512 KiB */
		c->blk.blocks = ((uint64_t)REG(c->csd, CSD_V2_C_SIZE) + 1)
				<< 10;
		break;
	case CSD_SD_V3:
		log_printf("mmc: %s: SDUC card (CSD 3.0): not supported\n",
			   c->blk.name);
		return -ENOTSUP;
	default:
		log_printf("mmc: %s: unknown CSD structure\n", c->blk.name);
		return -ENOTSUP;
	}
	if (!c->blk.blocks) {
		log_printf("mmc: %s: CSD gives no capacity\n", c->blk.name);
		return -ENOTSUP;
	}
	return 0;
}

/* ---- SD bus set-up ---------------------------------------------------- */

static int sd_read_scr(struct mmc_card *c)
{
	uint32_t r[4];
	int ret = mmc_cmd(c, MMC_APP_CMD, (uint32_t)c->rca << 16, MMC_RSP_R1,
			  r);

	if (ret)
		return ret;
	ret = mmc_cmd_data(c, SD_APP_SEND_SCR, 0, c->scratch, SD_SCR_LEN, 1,
			   false, NULL);
	if (ret)
		return ret;
	c->scr[0] = be32(c->scratch);
	c->scr[1] = be32(c->scratch + 4);
	return 0;
}

/* CMD6 (SD §4.3.10): check, then switch group 1 to high speed. */
static bool sd_switch_hs(struct mmc_card *c)
{
	const uint8_t *st = c->scratch;
	int ret;

	ret = mmc_cmd_data(c, SD_SWITCH_FUNC, SD_SWITCH_CHECK, c->scratch,
			   SD_SWITCH_STATUS_LEN, 1, false, NULL);
	if (ret || !(st[SD_SWITCH_GRP1_SUPPORT] & SD_SWITCH_HS))
		return false;
	ret = mmc_cmd_data(c, SD_SWITCH_FUNC, SD_SWITCH_SET, c->scratch,
			   SD_SWITCH_STATUS_LEN, 1, false, NULL);
	if (ret || (st[SD_SWITCH_GRP1_RESULT] & 0xf) != 1) {
		log_printf("mmc: %s: switch to high speed refused\n",
			   c->blk.name);
		return false;
	}
	return true;
}

/*
 * SCR, then 4 data lines (ACMD6) and high speed (CMD6) where card and host
 * both can.  A step that fails leaves the bus as it was: slower, working.
 */
static int sd_setup_bus(struct mmc_card *c)
{
	struct mmc_host *h = c->host;
	uint8_t width = 1;
	bool hs = false;
	int ret;

	ret = sd_read_scr(c);
	if (ret) {
		log_printf("mmc: %s: SCR unreadable (%d)\n", c->blk.name, ret);
		return ret;
	}
	c->cmd23 = c->scr[0] & SCR_CMD23;
	if ((h->caps & MMC_CAP_4BIT) && (c->scr[0] & SCR_BUS_WIDTH_4)) {
		ret = sd_app_cmd(c, SD_APP_SET_BUS_WIDTH, SD_BUS_WIDTH_4,
				 MMC_RSP_R1, NULL);
		if (!ret)
			ret = mmc_set_ios(c, c->ios.clock_hz, 4, c->ios.timing);
		if (!ret)
			width = 4;
		else
			log_printf("mmc: %s: 4-bit bus refused (%d)\n",
				   c->blk.name, ret);
	}
	if ((h->caps & MMC_CAP_HS) &&
	    SCR_SD_SPEC(c->scr[0]) >= SCR_SD_SPEC_1_10 &&
	    (REG(c->csd, CSD_CCC) & SD_CCC_SWITCH))
		hs = sd_switch_hs(c);
	ret = mmc_set_ios(c, hs ? SD_CLOCK_HS : SD_CLOCK_DS, width,
			  hs ? MMC_TIMING_HS : MMC_TIMING_LEGACY);
	if (ret)
		return ret;
	return mmc_wait_ready(c, MMC_BUSY_US, NULL);
}

/* ---- eMMC bus set-up -------------------------------------------------- */

/*
 * SWITCH one EXT_CSD byte (JESD84 §6.6.1), move the host to @ios's width
 * and timing, check with CMD13 at the clock we had that the device took
 * it (SWITCH_ERROR, §6.13), and only then raise the clock.  On failure
 * the host goes back to what it had.
 */
static int emmc_switch(struct mmc_card *c, uint8_t index, uint8_t value,
		       const struct mmc_ios *ios)
{
	struct mmc_ios old = c->ios;
	int ret;

	ret = mmc_cmd(c, MMC_SWITCH,
		      MMC_SWITCH_WRITE_BYTE |
			      (uint32_t)index << MMC_SWITCH_INDEX_SHIFT |
			      (uint32_t)value << MMC_SWITCH_VALUE_SHIFT,
		      MMC_RSP_R1B, NULL);
	if (!ret)
		ret = mmc_set_ios(c, MIN(old.clock_hz, ios->clock_hz),
				  ios->bus_width, ios->timing);
	if (!ret)
		ret = mmc_wait_ready(c, MMC_BUSY_US, NULL);
	if (!ret && ios->clock_hz != c->ios.clock_hz) {
		/* And once more at the new clock. */
		ret = mmc_set_ios(c, ios->clock_hz, ios->bus_width,
				  ios->timing);
		if (!ret)
			ret = mmc_wait_ready(c, MMC_BUSY_US, NULL);
	}
	if (ret) {
		log_printf("mmc: %s: SWITCH EXT_CSD[%u] = %u failed (%d)\n",
			   c->blk.name, index, value, ret);
		(void)mmc_set_ios(c, old.clock_hz, old.bus_width, old.timing);
		(void)mmc_wait_ready(c, MMC_BUSY_US, NULL);
	}
	return ret;
}

static int emmc_read_ext_csd(struct mmc_card *c)
{
	const uint8_t *ext = c->scratch;
	uint32_t sectors;
	int ret;

	if (REG(c->csd, CSD_SPEC_VERS) < MMC_SPEC_VERS_4) {
		if (c->block_addr) {
			log_printf("mmc: %s: sector mode without EXT_CSD\n",
				   c->blk.name);
			return -ENOTSUP;
		}
		return 0;	/* a pre-4.0 MMC: CSD capacity, legacy bus */
	}
	ret = mmc_cmd_data(c, MMC_SEND_EXT_CSD, 0, c->scratch,
			   MMC_SCRATCH_SIZE, 1, false, NULL);
	if (ret) {
		log_printf("mmc: %s: EXT_CSD unreadable (%d)\n", c->blk.name,
			   ret);
		return ret;
	}
	c->ext_csd_rev = ext[EXT_CSD_REV];
	/* We never turn the cache on, but the dead kernel may have and
	 * CMD0 need not turn it off: then blk_flush() flushes it. */
	c->cache = ext[EXT_CSD_CACHE_CTRL] & 1;
	if (c->block_addr) {
		sectors = (uint32_t)ext[EXT_CSD_SEC_COUNT] |
			  (uint32_t)ext[EXT_CSD_SEC_COUNT + 1] << 8 |
			  (uint32_t)ext[EXT_CSD_SEC_COUNT + 2] << 16 |
			  (uint32_t)ext[EXT_CSD_SEC_COUNT + 3] << 24;
		if (!sectors) {
			log_printf("mmc: %s: EXT_CSD SEC_COUNT is 0\n",
				   c->blk.name);
			return -ENOTSUP;
		}
		c->blk.blocks = sectors;
	}
	return 0;
}

/*
 * Blocks are the user data area's: if the dead kernel left a boot or RPMB
 * partition selected (PARTITION_ACCESS, JESD84 §7.4.69), go back to the
 * user area, keeping the boot configuration bits.
 */
static int emmc_user_area(struct mmc_card *c)
{
	uint8_t conf = c->scratch[EXT_CSD_PARTITION_CONFIG];

	if (REG(c->csd, CSD_SPEC_VERS) < MMC_SPEC_VERS_4 ||
	    !(conf & EXT_CSD_PART_ACCESS_MASK))
		return 0;
	log_printf("mmc: %s: partition %u was selected; back to the user "
		   "area\n", c->blk.name, conf & EXT_CSD_PART_ACCESS_MASK);
	return emmc_switch(c, EXT_CSD_PARTITION_CONFIG,
			   conf & ~EXT_CSD_PART_ACCESS_MASK, &c->ios);
}

/* Widest bus both sides have, then high speed if the device has it. */
static int emmc_setup_bus(struct mmc_card *c)
{
	struct mmc_host *h = c->host;
	uint8_t type = c->scratch[EXT_CSD_CARD_TYPE];
	struct mmc_ios ios = c->ios;
	uint8_t bus = EXT_CSD_BUS_WIDTH_1;

	ios.clock_hz = MMC_CLOCK_DS;
	if (REG(c->csd, CSD_SPEC_VERS) < MMC_SPEC_VERS_4)
		return mmc_set_ios(c, ios.clock_hz, 1, MMC_TIMING_LEGACY);
	if (h->caps & MMC_CAP_8BIT) {
		bus = EXT_CSD_BUS_WIDTH_8;
		ios.bus_width = 8;
	} else if (h->caps & MMC_CAP_4BIT) {
		bus = EXT_CSD_BUS_WIDTH_4;
		ios.bus_width = 4;
	}
	/* No bus test (CMD19/CMD14): the DT's bus-width is trusted. */
	/* A refused width leaves the bus as it was (emmc_switch()). */
	if (bus != EXT_CSD_BUS_WIDTH_1 &&
	    emmc_switch(c, EXT_CSD_BUS_WIDTH, bus, &ios))
		ios.bus_width = 1;
	if ((h->caps & MMC_CAP_HS) &&
	    (type & (EXT_CSD_CARD_TYPE_HS_52 | EXT_CSD_CARD_TYPE_HS_26))) {
		struct mmc_ios hs = ios;

		hs.timing = MMC_TIMING_HS;
		hs.clock_hz = type & EXT_CSD_CARD_TYPE_HS_52 ? MMC_CLOCK_HS_52
							      : MMC_CLOCK_HS_26;
		if (!emmc_switch(c, EXT_CSD_HS_TIMING, 1, &hs))
			return 0;
	}
	return mmc_set_ios(c, ios.clock_hz, ios.bus_width, ios.timing);
}

/* ---- init ------------------------------------------------------------- */

static void mmc_log_card(const struct mmc_card *c)
{
	char pnm[7], rev[24];
	unsigned int n = c->sd ? 5 : 6;

	snprintf(rev, sizeof(rev), ", EXT_CSD rev %u", c->ext_csd_rev);

	/* Product name: SD CID [103:64], eMMC CID [103:56] (SD §5.2,
	 * JESD84 §7.2), printable characters only. */
	for (unsigned int i = 0; i < n; i++) {
		unsigned int bit = 103 - 8 * i;
		char ch = (char)reg_bits(c->cid, bit, bit - 7);

		pnm[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	pnm[n] = 0;
	log_printf("mmc: %s: %s \"%s\", %llu MiB, %s addressing, %u-bit bus, "
		   "%s %u kHz%s%s\n", c->blk.name,
		   c->sd ? (c->block_addr ? "SDHC/SDXC card" : "SDSC card")
			 : "eMMC",
		   pnm, (unsigned long long)(c->blk.blocks >> 11),
		   c->block_addr ? "block" : "byte", c->ios.bus_width,
		   c->ios.timing == MMC_TIMING_HS ? "high speed"
						  : "default speed",
		   c->host->clock_hz / 1000,
		   c->cmd23 ? ", CMD23" : ", CMD12 stops",
		   c->sd ? "" : rev);
}

static int mmc_blk_read(struct blk_dev *d, uint64_t lba, uint32_t count,
			void *buf);
static int mmc_blk_write(struct blk_dev *d, uint64_t lba, uint32_t count,
			 const void *buf);
static int mmc_blk_flush(struct blk_dev *d);

static const struct blk_ops mmc_blk_ops = {
	.read = mmc_blk_read,
	.write = mmc_blk_write,
	.flush = mmc_blk_flush,
};

int mmc_card_init(struct mmc_card *c, struct mmc_host *host,
		  const char *driver, const char *name)
{
	uint32_t status = 0;
	int ret;

	if (!c || !host || !host->ops || !host->max_blocks)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->host = host;
	c->blk.driver = driver;
	c->blk.block_size = MMC_BLOCK_SIZE;
	snprintf(c->blk.name, sizeof(c->blk.name), "%s", name ? name : "mmc");

	ret = mmc_set_ios(c, MMC_CLOCK_INIT, 1, MMC_TIMING_LEGACY);
	if (ret)
		return ret;
	/* SD §4.2.1 / JESD84 §6.4.1: CMD0 from any state to idle. */
	ret = mmc_cmd(c, MMC_GO_IDLE_STATE, 0, MMC_RSP_NONE, NULL);
	if (ret)
		return ret;
	ret = sd_power_up(c);
	if (ret == -ENODEV)
		ret = emmc_power_up(c);
	if (ret == -ENODEV) {
		log_printf("mmc: %s: no card answers\n", c->blk.name);
		return ret;
	}
	if (ret)
		return ret;
	ret = mmc_identify(c);
	if (ret) {
		log_printf("mmc: %s: identification failed (%d)\n",
			   c->blk.name, ret);
		return ret;
	}
	if (c->sd) {
		ret = sd_capacity(c);
	} else {
		/* Byte-mode eMMC (2 GB and below): CSD capacity. */
		c->blk.blocks = csd_v1_blocks(c->csd);
		ret = 0;
	}
	if (ret)
		return ret;
	ret = mmc_cmd(c, MMC_SELECT_CARD, (uint32_t)c->rca << 16, MMC_RSP_R1B,
		      NULL);
	if (!ret)
		ret = mmc_wait_ready(c, MMC_BUSY_US, &status);
	if (ret) {
		log_printf("mmc: %s: select failed (%d)\n", c->blk.name, ret);
		return ret;
	}
	if (status & R1_CARD_IS_LOCKED) {
		log_printf("mmc: %s: card is locked (password)\n", c->blk.name);
		return -ENOTSUP;
	}
	if (!c->block_addr) {
		/* Byte addressing: blocks of 512 bytes whatever READ_BL_LEN. */
		ret = mmc_cmd(c, MMC_SET_BLOCKLEN, MMC_BLOCK_SIZE, MMC_RSP_R1,
			      NULL);
		if (ret)
			return ret;
	}
	if (c->sd) {
		ret = sd_setup_bus(c);
	} else {
		/* JESD84: mandatory since 4.3 (we need EXT_CSD, 4.0, anyway
		 * for more than legacy speed). */
		c->cmd23 = REG(c->csd, CSD_SPEC_VERS) >= MMC_SPEC_VERS_4;
		ret = emmc_read_ext_csd(c);
		if (!ret && !c->blk.blocks)
			ret = -ENOTSUP;
		if (!ret)
			ret = emmc_user_area(c);
		if (!ret)
			ret = emmc_setup_bus(c);
	}
	if (ret) {
		log_printf("mmc: %s: bus set-up failed (%d)\n", c->blk.name,
			   ret);
		return ret;
	}
	if (!c->block_addr &&
	    c->blk.blocks > (UINT32_MAX / MMC_BLOCK_SIZE) + 1ull) {
		log_printf("mmc: %s: byte addressing beyond 4 GiB\n",
			   c->blk.name);
		return -ENOTSUP;
	}
	c->blk.ops = &mmc_blk_ops;
	mmc_log_card(c);
	return 0;
}

/* ---- data ------------------------------------------------------------- */

/*
 * After a failed transfer: stop whatever the card is doing (CMD12) and
 * wait until it is back in tran.  A card that was not sending or
 * receiving takes CMD12 as illegal and says so (with a CRC error of a
 * garbled command) in the next status: SD §4.10.1 clear condition "B",
 * about the previous command, so not an error here.
 */
static int mmc_recover(struct mmc_card *c)
{
	(void)mmc_cmd(c, MMC_STOP_TRANSMISSION, 0, MMC_RSP_R1B, NULL);
	return mmc_wait_ready_ignore(c, MMC_BUSY_US, NULL,
				     R1_ILLEGAL_COMMAND | R1_COM_CRC_ERROR);
}

static int mmc_check_status(struct mmc_card *c, const char *what,
			    uint32_t status, uint32_t ignore)
{
	uint32_t bad = status & (R1_ERRORS & ~ignore);

	if (!bad)
		return 0;
	log_printf("mmc: %s: %s: card status 0x%08x\n", c->blk.name, what,
		   status);
	return -EIO;
}

/* One command's worth: n blocks at lba (SD §4.3.3/§4.3.4, JESD84 §6.6.7). */
static int mmc_rw_once(struct mmc_card *c, uint64_t lba, uint32_t n,
		       void *buf, bool write)
{
	uint32_t addr = c->block_addr ? (uint32_t)lba
				      : (uint32_t)(lba * MMC_BLOCK_SIZE);
	bool multi = n > 1, stop = multi && !c->cmd23;
	uint32_t r[4], status = 0;
	uint8_t op;
	int ret;

	if (multi && c->cmd23) {
		ret = mmc_cmd(c, MMC_SET_BLOCK_COUNT, n, MMC_RSP_R1, r);
		if (ret)
			return ret;
		ret = mmc_check_status(c, "CMD23", r[0], 0);
		if (ret)
			return ret;
	}
	if (write)
		op = multi ? MMC_WRITE_MULTIPLE_BLOCK : MMC_WRITE_BLOCK;
	else
		op = multi ? MMC_READ_MULTIPLE_BLOCK : MMC_READ_SINGLE_BLOCK;
	ret = mmc_cmd_data(c, op, addr, buf, MMC_BLOCK_SIZE, n, write, &status);
	if (ret)
		return ret;
	ret = mmc_check_status(c, write ? "write" : "read", status, 0);
	if (ret)
		return ret;
	if (stop) {
		/*
		 * A card reading ahead past its last block reports
		 * OUT_OF_RANGE to the CMD12 that ends a read there (SD
		 * §4.3.3): not an error for the blocks we asked for.
		 */
		bool last = !write && lba + n == c->blk.blocks;

		ret = mmc_cmd(c, MMC_STOP_TRANSMISSION, 0, MMC_RSP_R1B, r);
		if (ret)
			return ret;
		ret = mmc_check_status(c, "CMD12", r[0],
				       last ? R1_OUT_OF_RANGE : 0);
		if (ret)
			return ret;
	}
	if (write)
		return mmc_wait_ready(c, MMC_BUSY_US, NULL);
	return 0;
}

static int mmc_rw(struct mmc_card *c, uint64_t lba, uint32_t count,
		  uint8_t *buf, bool write)
{
	uint32_t chunk;

	if (!c || (!buf && count))
		return -EINVAL;
	if (lba > c->blk.blocks || count > c->blk.blocks - lba)
		return -EINVAL;
	if (!c->blk.ops || c->broken)
		return -EIO;
	chunk = MIN(c->host->max_blocks, c->cmd23 ? MMC_SET_BLOCK_COUNT_MAX
						  : UINT32_MAX);
	while (count) {
		uint32_t n = MIN(count, chunk);
		int ret = -EIO;

		for (int t = 0; t < MMC_DATA_TRIES; t++) {
			ret = mmc_rw_once(c, lba, n, buf, write);
			if (!ret)
				break;
			log_printf("mmc: %s: %s of %u blocks at %llu failed "
				   "(%d)%s\n", c->blk.name,
				   write ? "write" : "read", n,
				   (unsigned long long)lba, ret,
				   t + 1 < MMC_DATA_TRIES ? ", retrying" : "");
			if (mmc_recover(c)) {
				log_printf("mmc: %s: card does not recover; "
					   "giving up on it\n", c->blk.name);
				c->broken = true;
				return ret;
			}
		}
		if (ret)
			return ret;
		lba += n;
		count -= n;
		buf += (size_t)n * MMC_BLOCK_SIZE;
	}
	return 0;
}

/*
 * An eMMC whose cache is on (CACHE_CTRL, left so by the dead kernel):
 * SWITCH FLUSH_CACHE (JESD84 §6.6.32), busy until the cache is on the
 * medium.  No cache: written blocks are already there.
 */
int mmc_flush(struct mmc_card *c)
{
	int ret;

	if (!c)
		return -EINVAL;
	if (!c->blk.ops || c->broken)
		return -EIO;
	if (!c->cache)
		return 0;
	ret = emmc_switch(c, EXT_CSD_FLUSH_CACHE, 1, &c->ios);
	if (ret)
		log_printf("mmc: %s: cache flush failed (%d)\n", c->blk.name,
			   ret);
	return ret;
}

int mmc_read_blocks(struct mmc_card *c, uint64_t lba, uint32_t count,
		    void *buf)
{
	return mmc_rw(c, lba, count, buf, false);
}

int mmc_write_blocks(struct mmc_card *c, uint64_t lba, uint32_t count,
		     const void *buf)
{
	/* The host only reads from @buf for a write. */
	return mmc_rw(c, lba, count, (uint8_t *)(uintptr_t)buf, true);
}

static int mmc_blk_read(struct blk_dev *d, uint64_t lba, uint32_t count,
			void *buf)
{
	return mmc_read_blocks((struct mmc_card *)d, lba, count, buf);
}

static int mmc_blk_write(struct blk_dev *d, uint64_t lba, uint32_t count,
			 const void *buf)
{
	return mmc_write_blocks((struct mmc_card *)d, lba, count, buf);
}

static int mmc_blk_flush(struct blk_dev *d)
{
	return mmc_flush((struct mmc_card *)d);
}
