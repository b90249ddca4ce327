// SPDX-License-Identifier: MIT
/*
 * SD and eMMC card protocol (drivers/mmc/mmc.h).  Section numbers: SD
 * Physical Layer Simplified Specification v6.00 ("SD §"), JEDEC JESD84-B51
 * ("eMMC §").  Every loop is bounded by the timer.
 */
#include <errno.h>
#include <string.h>

#include "drivers/mmc/mmc.h"
#include "drivers/timer.h"
#include "include/compiler.h"
#include "payload/log.h"

/* Command indices (SD §4.7.4, eMMC §6.10.4). */
#define MMC_GO_IDLE_STATE 0
#define MMC_SEND_OP_COND 1		/* eMMC */
#define MMC_ALL_SEND_CID 2
#define MMC_SET_RELATIVE_ADDR 3		/* SD: SEND_RELATIVE_ADDR */
#define MMC_SWITCH 6			/* eMMC; SD: SWITCH_FUNC with data */
#define MMC_SELECT_CARD 7
#define SD_SEND_IF_COND 8		/* SD; eMMC: SEND_EXT_CSD */
#define MMC_SEND_EXT_CSD 8
#define MMC_SEND_CSD 9
#define MMC_STOP_TRANSMISSION 12
#define MMC_SEND_STATUS 13
#define MMC_SET_BLOCKLEN 16
#define MMC_READ_SINGLE_BLOCK 17
#define MMC_READ_MULTIPLE_BLOCK 18
#define MMC_SET_BLOCK_COUNT 23
#define MMC_WRITE_BLOCK 24
#define MMC_WRITE_MULTIPLE_BLOCK 25
#define MMC_APP_CMD 55
#define SD_APP_SET_BUS_WIDTH 6		/* ACMD6 */
#define SD_APP_OP_COND 41		/* ACMD41 */

/* CMD8 argument: VHS = 2.7-3.6 V (SD §4.3.13), check pattern 0xAA. */
#define SD_IF_COND_VHS_27_36 0x100u
#define SD_IF_COND_PATTERN 0xaau
/* OCR (SD §5.1, eMMC §7.1). */
#define OCR_BUSY BIT(31)		/* 1: power-up done */
#define OCR_HCS BIT(30)			/* SD: high capacity; eMMC: sector mode */
#define OCR_VDD_27_36 0x00ff8000u
/* Card status (SD §4.10.1). */
#define R1_READY_FOR_DATA BIT(8)
#define R1_STATE(s) (((s) >> 9) & 0xfu)
#define R1_STATE_TRAN 4u
/* Error bits 31..26 and 24..19 (25, CARD_IS_LOCKED, is a state). */
#define R1_ERRORS 0xfdf80000u
/* eMMC SWITCH (eMMC §6.10.4): access 3 = write byte. */
#define MMC_SWITCH_WRITE_BYTE 3u
#define EXT_CSD_BUS_WIDTH 183
#define EXT_CSD_HS_TIMING 185
#define EXT_CSD_REV 192
#define EXT_CSD_CARD_TYPE 196
#define EXT_CSD_SEC_COUNT 212
#define EXT_CSD_CARD_TYPE_26 BIT(0)
#define EXT_CSD_CARD_TYPE_52 BIT(1)
#define EXT_CSD_BUS_WIDTH_4 1u
#define EXT_CSD_BUS_WIDTH_8 2u
/* SD SWITCH_FUNC (SD §4.3.10): mode 1 = set, group 1 function 1 = HS. */
#define SD_SWITCH_SET_HS 0x80fffff1u
#define SD_SWITCH_STATUS_LEN 64u
#define SD_SCR_CMD_SUPPORT_CMD23 BIT(1)

#define MMC_CLOCK_INIT 400000u		/* identification mode, SD §6.7 */
#define MMC_CLOCK_SD 25000000u		/* default speed */
#define MMC_CLOCK_SD_HS 50000000u
#define MMC_CLOCK_EMMC 26000000u
#define MMC_CLOCK_EMMC_HS 52000000u
#define MMC_OP_COND_TIMEOUT_US 1000000u	/* SD §4.2.3: 1 s initialisation */
#define MMC_BUSY_TIMEOUT_US 2000000u	/* programming a block, generous */
#define MMC_DEFAULT_RCA 1u		/* eMMC: we assign it */

static int mmc_cmd(struct mmc_card *c, uint8_t index, uint32_t arg,
		   enum mmc_rsp rsp, struct mmc_cmd *out)
{
	struct mmc_cmd cmd = { .index = index, .arg = arg, .rsp = rsp };
	int ret = c->host->ops->cmd(c->host, &cmd, NULL);

	if (out)
		*out = cmd;
	if (!ret && (rsp == MMC_RSP_R1 || rsp == MMC_RSP_R1B) &&
	    index != SD_SEND_IF_COND && index != MMC_SET_RELATIVE_ADDR &&
	    (cmd.resp[0] & R1_ERRORS))
		return -EIO;
	return ret;
}

static int mmc_app_cmd(struct mmc_card *c, uint8_t index, uint32_t arg,
		       enum mmc_rsp rsp, struct mmc_cmd *out)
{
	int ret = mmc_cmd(c, MMC_APP_CMD, (uint32_t)c->rca << 16, MMC_RSP_R1, NULL);

	return ret ? ret : mmc_cmd(c, index, arg, rsp, out);
}

/* Bits [hi:lo] of a CSD/CID as an R2 response holds it (bit n at n - 8). */
static uint32_t r2_bits(const uint32_t r[4], unsigned hi, unsigned lo)
{
	uint32_t v = 0;

	for (unsigned b = hi + 1; b-- > lo;) {
		unsigned n = b - 8;

		v = v << 1 | ((r[n / 32] >> (n % 32)) & 1u);
	}
	return v;
}

uint64_t mmc_csd_blocks(const uint32_t csd[4], bool emmc)
{
	uint64_t c_size, mult, bl_len;

	/* SD §5.3.3: CSD version 2.0 (and 3.0), C_SIZE [69:48] in 512 KiB. */
	if (!emmc && r2_bits(csd, 127, 126) >= 1)
		return ((uint64_t)r2_bits(csd, 69, 48) + 1) << 10;
	/* SD §5.3.2 / eMMC §7.3: C_SIZE [73:62], C_SIZE_MULT [49:47],
	 * READ_BL_LEN [83:80]. */
	c_size = r2_bits(csd, 73, 62);
	mult = r2_bits(csd, 49, 47);
	bl_len = r2_bits(csd, 83, 80);
	if (bl_len < 9 || bl_len > 11)
		return 0;
	return ((c_size + 1) << (mult + 2)) << (bl_len - 9);
}

uint32_t mmc_ext_csd_sectors(const uint8_t ext_csd[512])
{
	const uint8_t *p = &ext_csd[EXT_CSD_SEC_COUNT];

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* CMD13 until the card is in TRAN and ready for data (SD §4.3.7). */
static int mmc_wait_ready(struct mmc_card *c)
{
	uint64_t deadline = timer_now_us() + MMC_BUSY_TIMEOUT_US;
	struct mmc_cmd st;

	for (;;) {
		int ret = mmc_cmd(c, MMC_SEND_STATUS, (uint32_t)c->rca << 16,
				  MMC_RSP_R1, &st);

		if (ret == -EIO) {
			log_printf("mmc: card status 0x%08x reports an error\n",
				   st.resp[0]);
			return ret;
		}
		if (!ret && R1_STATE(st.resp[0]) == R1_STATE_TRAN &&
		    (st.resp[0] & R1_READY_FOR_DATA))
			return 0;
		if (timer_now_us() > deadline)
			return -ETIMEDOUT;
	}
}

static int mmc_data_cmd(struct mmc_card *c, uint8_t index, uint32_t arg,
			void *buf, uint32_t blocks, uint32_t bsize, bool write,
			bool auto12)
{
	struct mmc_cmd cmd = { .index = index, .arg = arg, .rsp = MMC_RSP_R1 };
	struct mmc_data d = { .buf = buf, .blocks = blocks, .block_size = bsize,
			      .write = write, .auto_cmd12 = auto12 };
	int ret = c->host->ops->cmd(c->host, &cmd, &d);

	if (!ret && (cmd.resp[0] & R1_ERRORS))
		ret = -EIO;
	return ret;
}

/* ---- SD ---------------------------------------------------------------- */

static int sd_op_cond(struct mmc_card *c, bool v2)
{
	uint64_t deadline = timer_now_us() + MMC_OP_COND_TIMEOUT_US;
	uint32_t arg = OCR_VDD_27_36 | (v2 ? OCR_HCS : 0);
	struct mmc_cmd r;

	for (;;) {
		int ret = mmc_app_cmd(c, SD_APP_OP_COND, arg, MMC_RSP_R3, &r);

		if (ret)
			return ret;
		if (r.resp[0] & OCR_BUSY) {
			c->block_addr = v2 && (r.resp[0] & OCR_HCS);
			return 0;
		}
		if (timer_now_us() > deadline)
			return -ETIMEDOUT;
	}
}

/* SWITCH_FUNC to high speed: 64 bytes of status come back (SD §4.3.10). */
static bool sd_switch_hs(struct mmc_card *c)
{
	static uint8_t status[SD_SWITCH_STATUS_LEN] __attribute__((aligned(8)));

	if (!c->host->high_speed)
		return false;
	if (mmc_data_cmd(c, MMC_SWITCH, SD_SWITCH_SET_HS, status, 1,
			 SD_SWITCH_STATUS_LEN, false, false))
		return false;
	/* Bits 379:376: the function group 1 result, 1 = high speed. */
	return (status[16] & 0xf) == 1;
}

static int sd_init(struct mmc_card *c, bool v2)
{
	struct mmc_cmd r;
	int ret;

	ret = sd_op_cond(c, v2);
	if (ret)
		return ret;
	c->type = MMC_CARD_SD;
	ret = mmc_cmd(c, MMC_ALL_SEND_CID, 0, MMC_RSP_R2, NULL);
	if (!ret)
		ret = mmc_cmd(c, MMC_SET_RELATIVE_ADDR, 0, MMC_RSP_R1, &r);
	if (ret)
		return ret;
	c->rca = (uint16_t)(r.resp[0] >> 16);	/* R6 (SD §4.9.5) */
	ret = mmc_cmd(c, MMC_SEND_CSD, (uint32_t)c->rca << 16, MMC_RSP_R2, &r);
	if (ret)
		return ret;
	c->blocks = mmc_csd_blocks(r.resp, false);
	ret = mmc_cmd(c, MMC_SELECT_CARD, (uint32_t)c->rca << 16, MMC_RSP_R1B, NULL);
	if (ret)
		return ret;
	if (!c->block_addr)
		mmc_cmd(c, MMC_SET_BLOCKLEN, MMC_BLOCK_SIZE, MMC_RSP_R1, NULL);
	c->width = 1;
	/* ACMD6 argument 2: 4-bit bus (SD §4.3.11). */
	if (c->host->bus_4bit &&
	    !mmc_app_cmd(c, SD_APP_SET_BUS_WIDTH, 2, MMC_RSP_R1, NULL))
		c->width = 4;
	c->clock_hz = sd_switch_hs(c) ? MMC_CLOCK_SD_HS : MMC_CLOCK_SD;
	return c->host->ops->set_ios(c->host, c->clock_hz, c->width,
				     c->clock_hz == MMC_CLOCK_SD_HS);
}

/* ---- eMMC -------------------------------------------------------------- */

static int emmc_switch(struct mmc_card *c, unsigned index, uint8_t value)
{
	uint32_t arg = MMC_SWITCH_WRITE_BYTE << 24 | index << 16 | (uint32_t)value << 8;
	int ret = mmc_cmd(c, MMC_SWITCH, arg, MMC_RSP_R1B, NULL);

	return ret ? ret : mmc_wait_ready(c);
}

static int emmc_init(struct mmc_card *c)
{
	static uint8_t ext_csd[512] __attribute__((aligned(8)));
	uint64_t deadline = timer_now_us() + MMC_OP_COND_TIMEOUT_US;
	struct mmc_cmd r;
	bool hs = false;
	int ret;

	mmc_cmd(c, MMC_GO_IDLE_STATE, 0, MMC_RSP_NONE, NULL);
	for (;;) {
		ret = mmc_cmd(c, MMC_SEND_OP_COND, OCR_HCS | OCR_VDD_27_36,
			      MMC_RSP_R3, &r);
		if (ret)
			return ret == -ETIMEDOUT ? -ENODEV : ret;
		if (r.resp[0] & OCR_BUSY)
			break;
		if (timer_now_us() > deadline)
			return -ETIMEDOUT;
	}
	c->type = MMC_CARD_EMMC;
	c->block_addr = (r.resp[0] & OCR_HCS) != 0;
	c->rca = MMC_DEFAULT_RCA;
	ret = mmc_cmd(c, MMC_ALL_SEND_CID, 0, MMC_RSP_R2, NULL);
	if (!ret)
		ret = mmc_cmd(c, MMC_SET_RELATIVE_ADDR, (uint32_t)c->rca << 16,
			      MMC_RSP_R1, NULL);
	if (!ret)
		ret = mmc_cmd(c, MMC_SEND_CSD, (uint32_t)c->rca << 16, MMC_RSP_R2, &r);
	if (ret)
		return ret;
	c->blocks = mmc_csd_blocks(r.resp, true);
	ret = mmc_cmd(c, MMC_SELECT_CARD, (uint32_t)c->rca << 16, MMC_RSP_R1B, NULL);
	if (ret)
		return ret;
	/* EXT_CSD (eMMC §7.4): the capacity of cards above 2 GB, the speeds. */
	ret = mmc_data_cmd(c, MMC_SEND_EXT_CSD, 0, ext_csd, 1, sizeof(ext_csd),
			   false, false);
	if (ret)
		return ret;
	c->ext_csd_rev = ext_csd[EXT_CSD_REV];
	if (c->block_addr && mmc_ext_csd_sectors(ext_csd))
		c->blocks = mmc_ext_csd_sectors(ext_csd);
	c->cmd23 = true;	/* every eMMC has SET_BLOCK_COUNT (eMMC §6.6.35) */
	c->width = 1;
	if (c->host->bus_8bit && !emmc_switch(c, EXT_CSD_BUS_WIDTH, EXT_CSD_BUS_WIDTH_8))
		c->width = 8;
	else if (c->host->bus_4bit &&
		 !emmc_switch(c, EXT_CSD_BUS_WIDTH, EXT_CSD_BUS_WIDTH_4))
		c->width = 4;
	if (c->host->high_speed &&
	    (ext_csd[EXT_CSD_CARD_TYPE] & (EXT_CSD_CARD_TYPE_26 | EXT_CSD_CARD_TYPE_52)) &&
	    !emmc_switch(c, EXT_CSD_HS_TIMING, 1))
		hs = true;
	c->clock_hz = hs ? ((ext_csd[EXT_CSD_CARD_TYPE] & EXT_CSD_CARD_TYPE_52) ?
				    MMC_CLOCK_EMMC_HS : MMC_CLOCK_EMMC) :
			   MMC_CLOCK_EMMC;
	return c->host->ops->set_ios(c->host, c->clock_hz, c->width, hs);
}

int mmc_card_init(struct mmc_card *c, struct mmc_host *h)
{
	struct mmc_cmd r;
	int ret;

	memset(c, 0, sizeof(*c));
	c->host = h;
	ret = h->ops->set_ios(h, MMC_CLOCK_INIT, 1, false);
	if (ret)
		return ret;
	mmc_cmd(c, MMC_GO_IDLE_STATE, 0, MMC_RSP_NONE, NULL);
	/* SD §4.2.2: CMD8 answered with the pattern = a v2.00+ SD card. */
	ret = mmc_cmd(c, SD_SEND_IF_COND, SD_IF_COND_VHS_27_36 | SD_IF_COND_PATTERN,
		      MMC_RSP_R1, &r);
	if (!ret && (r.resp[0] & 0xfffu) == (SD_IF_COND_VHS_27_36 | SD_IF_COND_PATTERN))
		ret = sd_init(c, true);
	else if (ret == -ETIMEDOUT || ret == -EIO) {
		/* A v1 SD card answers ACMD41; an eMMC does not know CMD55. */
		mmc_cmd(c, MMC_GO_IDLE_STATE, 0, MMC_RSP_NONE, NULL);
		ret = sd_init(c, false);
		if (ret)
			ret = emmc_init(c);
	} else if (!ret) {
		ret = -EIO;	/* a wrong echo: SD §4.3.13 says unusable */
	}
	if (!ret && !c->blocks)
		ret = -EIO;
	if (ret)
		c->type = MMC_CARD_NONE;
	return ret;
}

int mmc_rw(struct mmc_card *c, uint64_t lba, uint32_t count, void *buf, bool write)
{
	uint8_t *p = buf;

	if (lba > c->blocks || count > c->blocks - lba)
		return -EINVAL;
	while (count) {
		uint32_t n = MIN(count, c->host->max_blocks);
		uint32_t arg = (uint32_t)(c->block_addr ? lba : lba * MMC_BLOCK_SIZE);
		bool multi = n > 1, pre23 = multi && c->cmd23;
		uint8_t index = write ? (multi ? MMC_WRITE_MULTIPLE_BLOCK : MMC_WRITE_BLOCK) :
					(multi ? MMC_READ_MULTIPLE_BLOCK : MMC_READ_SINGLE_BLOCK);
		int ret = 0;

		if (pre23)
			ret = mmc_cmd(c, MMC_SET_BLOCK_COUNT, n, MMC_RSP_R1, NULL);
		if (!ret)
			ret = mmc_data_cmd(c, index, arg, p, n, MMC_BLOCK_SIZE, write,
					   multi && !pre23);
		if (ret && multi) /* leave the data state whatever happened */
			mmc_cmd(c, MMC_STOP_TRANSMISSION, 0, MMC_RSP_R1B, NULL);
		if (!ret && write)
			ret = mmc_wait_ready(c);
		if (ret)
			return ret;
		lba += n;
		p += (size_t)n * MMC_BLOCK_SIZE;
		count -= n;
	}
	return 0;
}
