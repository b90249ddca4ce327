// SPDX-License-Identifier: MIT
/*
 * SDHCI register model with an SD card or eMMC behind it
 * (tests/unit/fake_sdhci.h).  Register layout: SD Host Controller
 * Simplified Spec v3.00 chapter 2.  Card behaviour: SD Physical Layer
 * Simplified Spec v6.00 chapter 4 and JESD84-B51 chapter 6, reduced to
 * what a host driver can observe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "include/compiler.h"
#include "drivers/blk.h"
#include "drivers/mmc/sdhci.h"
#include "tests/unit/check.h"
#include "tests/unit/fdt_build.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_sdhci.h"

/* Register offsets and bits (the driver has its own copy in sdhci.h; the
 * model keeps its own so a wrong constant there shows up here). */
enum {
	R_SDMA = 0x00, R_BLK = 0x04, R_ARG = 0x08, R_MODE = 0x0c,
	R_RESP = 0x10, R_DATA = 0x20, R_PRESENT = 0x24, R_HOSTCTL = 0x28,
	R_CLOCK = 0x2c, R_INT = 0x30, R_INT_EN = 0x34, R_SIG_EN = 0x38,
	R_ACMD_ERR = 0x3c, R_CAPS = 0x40, R_CAPS1 = 0x44, R_MAXCUR = 0x48,
	R_ADMA_ERR = 0x54, R_ADMA = 0x58, R_ADMA_HI = 0x5c, R_SLOT = 0xfc,
};
#define WINDOW 0x100

#define MODE_DMA 0x01
#define MODE_BLK_CNT_EN 0x02
#define MODE_READ 0x10
#define MODE_MULTI 0x20

#define CMD_RESP_MASK 0x03
#define CMD_RESP_136 1
#define CMD_RESP_48 2
#define CMD_RESP_48B 3
#define CMD_CRC 0x08
#define CMD_INDEX 0x10
#define CMD_DATA 0x20
#define CMD_ABORT 0xc0

#define PS_CMD_INHIBIT (1u << 0)
#define PS_DAT_INHIBIT (1u << 1)
#define PS_DAT_ACTIVE (1u << 2)
#define PS_WRITE_ACTIVE (1u << 8)
#define PS_READ_ACTIVE (1u << 9)
#define PS_BUF_WRITE (1u << 10)
#define PS_BUF_READ (1u << 11)
#define PS_CARD (7u << 16)		/* inserted, stable, detect pin */
#define PS_DAT0 (1u << 20)

#define HC_4BIT 0x02
#define HC_HISPD 0x04
#define HC_DMA_MASK 0x18
#define HC_SDMA 0x00
#define HC_ADMA32 0x10
#define HC_ADMA64 0x18
#define HC_8BIT 0x20

#define PWR_ON 0x01

#define CLK_INT_EN 0x01
#define CLK_STABLE 0x02
#define CLK_CARD_EN 0x04

#define RST_ALL 0x01
#define RST_CMD 0x02
#define RST_DATA 0x04

#define NI_CMD 0x0001
#define NI_XFER 0x0002
#define NI_DMA 0x0008
#define NI_WRITE_READY 0x0010
#define NI_READ_READY 0x0020
#define NI_ERR 0x8000
#define EI_CMD_TIMEOUT 0x0001
#define EI_CMD_CRC 0x0002
#define EI_CMD_INDEX 0x0008
#define EI_DATA_TIMEOUT 0x0010
#define EI_DATA_CRC 0x0020
#define EI_ADMA 0x0200

#define CAP_ADMA2 (1u << 19)
#define CAP_SDMA (1u << 22)
#define CAP_V33 (1u << 24)
#define CAP_V30 (1u << 25)
#define CAP_V18 (1u << 26)
#define CAP_64BIT (1u << 28)

/* Card side. */
enum { ST_IDLE, ST_READY, ST_IDENT, ST_STBY, ST_TRAN, ST_DATA, ST_RCV,
       ST_PRG, ST_DIS };
enum { RSP_NONE, RSP_R1, RSP_R1B, RSP_R2, RSP_R3, RSP_R6, RSP_R7 };

#define S_OUT_OF_RANGE (1u << 31)
#define S_ADDRESS_ERROR (1u << 30)
#define S_BLOCK_LEN_ERROR (1u << 29)
#define S_ILLEGAL (1u << 22)
#define S_READY (1u << 8)
#define S_SWITCH_ERROR (1u << 7)
#define S_APP_CMD (1u << 5)

#define OCR_BUSY (1u << 31)
#define OCR_CCS (1u << 30)
#define OCR_SD_VDD 0x00ff8000u
#define OCR_EMMC_VDD 0x00ff8080u

#define DIR_READ 1
#define DIR_WRITE 2

static void violation(struct fsd *m, const char *fmt, ...)
{
	va_list ap;

	m->violations++;
	if (m->quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "fake_sdhci: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* ---- registers as bytes ---------------------------------------------------- */

static void set_bits(uint8_t r[16], unsigned int msb, unsigned int lsb,
		     uint64_t v)
{
	for (unsigned int b = lsb; b <= msb; b++, v >>= 1) {
		uint8_t bit = (uint8_t)(1u << (b % 8));

		if (v & 1)
			r[15 - b / 8] |= bit;
		else
			r[15 - b / 8] &= (uint8_t)~bit;
	}
}

static void put_name(uint8_t r[16], unsigned int msb, const char *s)
{
	for (unsigned int i = 0; s[i]; i++)
		set_bits(r, msb - 8 * i, msb - 8 * i - 7, (uint8_t)s[i]);
}

static void card_build_regs(struct fsd_card *c)
{
	memset(c->cid, 0, sizeof(c->cid));
	memset(c->csd, 0, sizeof(c->csd));
	set_bits(c->cid, 127, 120, 0x42);		/* MID */
	if (c->kind == FSD_SD) {
		put_name(c->cid, 103, "FAKE1");
		set_bits(c->cid, 55, 24, 0xdeadbeef);	/* PSN */
		set_bits(c->cid, 7, 0, 0xff);		/* CRC7 + end bit */
		if (c->high_capacity) {
			set_bits(c->csd, 127, 126, 1);	/* CSD 2.0 */
			set_bits(c->csd, 83, 80, 9);
			set_bits(c->csd, 69, 48, c->blocks / 1024 - 1);
		} else {
			unsigned int bl = c->read_bl_len ? c->read_bl_len : 9;

			/* (C_SIZE + 1) << (C_SIZE_MULT + 2 + READ_BL_LEN) */
			set_bits(c->csd, 127, 126, 0);
			set_bits(c->csd, 83, 80, bl);
			set_bits(c->csd, 49, 47, 7);
			set_bits(c->csd, 73, 62,
				 ((c->blocks * 512) >> (9 + bl)) - 1);
		}
		/* CCC: classes 0, 2, 4, 5, 7, 8, 10 */
		set_bits(c->csd, 95, 84, 0x5b5);
	} else {
		put_name(c->cid, 103, "FAKEMM");
		set_bits(c->cid, 47, 16, 0xcafef00d);	/* PSN */
		set_bits(c->csd, 127, 126, 3);
		set_bits(c->csd, 125, 122, 4);		/* SPEC_VERS 4.x */
		set_bits(c->csd, 83, 80, 9);
		set_bits(c->csd, 49, 47, 7);
		if (c->high_capacity)
			set_bits(c->csd, 73, 62, 0xfff);
		else
			set_bits(c->csd, 73, 62, (c->blocks >> 9) - 1);
		set_bits(c->csd, 95, 84, 0x8f5);
		memset(c->ext_csd, 0, sizeof(c->ext_csd));
		c->ext_csd[192] = 8;				/* EXT_CSD_REV 5.1 */
		c->ext_csd[194] = 2;
		c->ext_csd[196] = c->hs ? 0x03 : 0x00;		/* HS 26 and 52 */
		if (c->high_capacity) {
			for (int i = 0; i < 4; i++)
				c->ext_csd[212 + i] =
					(uint8_t)(c->blocks >> (8 * i));
		}
		c->ext_csd[248] = 10;	/* GENERIC_CMD6_TIME: 100 ms */
		c->ext_csd[179] = c->partition_config;
		c->ext_csd[33] = c->cache_on;
	}
}

/* Power-on state (a power cycle or the first power-up). */
static void card_power_on(struct fsd_card *c)
{
	c->state = ST_IDLE;
	c->rca = 0;
	c->app = false;
	c->polls = 0;
	c->width = 1;
	c->hs_on = false;
	c->busy = 0;
	c->busy_forever = false;
	c->dir = 0;
	c->set_count = c->count = 0;
	c->status_b = c->status_c = 0;
	c->blocklen = 512;
	c->ocr = c->kind == FSD_EMMC ? OCR_EMMC_VDD : OCR_SD_VDD;
	card_build_regs(c);
	c->ext_csd[183] = 0;
	c->ext_csd[185] = 0;
}

uint8_t *fsd_block(struct fsd *m, uint64_t lba)
{
	struct fsd_card *c = &m->card;

	if (lba < FSD_BACKED)
		return c->lo + lba * 512;
	if (lba < c->blocks && lba >= c->blocks - FSD_BACKED)
		return c->hi + (lba - (c->blocks - FSD_BACKED)) * 512;
	return NULL;
}

static uint32_t card_status(struct fsd_card *c)
{
	uint32_t s = c->status_b | c->status_c | (uint32_t)c->state << 9;

	if (c->state != ST_PRG && !c->busy && !c->busy_forever)
		s |= S_READY;
	if (c->app)
		s |= S_APP_CMD;
	c->status_c = 0;
	c->status_b = 0;
	return s;
}

static bool card_addr(struct fsd *m, uint32_t arg, uint64_t *lba)
{
	struct fsd_card *c = &m->card;

	if (c->high_capacity) {
		*lba = arg;
	} else {
		if (arg % 512) {
			c->status_c |= S_ADDRESS_ERROR;
			return false;
		}
		*lba = arg / 512;
	}
	if (*lba >= c->blocks) {
		c->status_c |= S_OUT_OF_RANGE;
		return false;
	}
	return true;
}

static void card_small(struct fsd_card *c, uint32_t len)
{
	c->small_len = len;
	c->small_mode = true;
	c->dir = DIR_READ;
	c->state = ST_DATA;
}

/* SD CMD6 switch status (SD §4.3.10.4). */
static void sd_switch_status(struct fsd_card *c, uint32_t arg)
{
	unsigned int fn = arg & 0xf;
	bool set = arg & 0x80000000u;

	memset(c->small, 0, 64);
	c->small[1] = 100;			/* 100 mA */
	c->small[12] = 0x80;
	c->small[13] = 0x01 | (c->hs ? 0x02 : 0);
	if (fn == 0xf)
		fn = c->hs_on ? 1 : 0;
	else if (fn > 1 || (fn == 1 && !c->hs))
		fn = 0xf;
	c->small[16] = (uint8_t)fn;
	c->switch_hs_pending = set && fn == 1;
	card_small(c, 64);
}

/*
 * One command to the card.  Returns the response kind (RSP_NONE: no
 * answer) and fills @r (48-bit: r[0]; 136-bit: bits 127:0 in r[3..0]).
 */
static int card_cmd(struct fsd *m, unsigned int op, uint32_t arg, uint32_t r[4])
{
	struct fsd_card *c = &m->card;
	bool app = c->app;
	bool sd = c->kind == FSD_SD;
	uint64_t lba;

	c->app = false;
	if (c->ncmd < FSD_LOG)
		c->cmd_log[c->ncmd++] = (uint8_t)(app ? 100 + op : op);
	c->last_arg[op & 63] = arg;
	if (c->timeout_opcode == (int)op && c->timeout_count) {
		if (c->timeout_count > 0)
			c->timeout_count--;
		return RSP_NONE;
	}
	if (c->kind == FSD_NO_CARD)
		return RSP_NONE;

	if (op == 0) {
		/* GO_IDLE_STATE: every state but inactive; 1-bit bus again. */
		card_power_on(c);
		return RSP_NONE;
	}
	if (app && sd) {
		switch (op) {
		case 41:
			if (c->state != ST_IDLE && c->state != ST_READY)
				break;
			if (!(arg & OCR_SD_VDD))
				return RSP_NONE;	/* inactive */
			c->polls++;
			if (c->high_capacity && !(arg & OCR_CCS)) {
				violation(m, "ACMD41 without HCS to an SDHC card");
				r[0] = c->ocr;
				return RSP_R3;
			}
			if (c->polls > c->power_up_polls) {
				c->ocr |= OCR_BUSY;
				if (c->high_capacity)
					c->ocr |= OCR_CCS;
				c->state = ST_READY;
			}
			r[0] = c->ocr;
			return RSP_R3;
		case 6:
			if (c->state != ST_TRAN)
				break;
			if (arg == 2 && c->four_bit)
				c->width = 4;
			else if (arg == 0)
				c->width = 1;
			else
				break;
			r[0] = card_status(c) | S_APP_CMD;
			return RSP_R1;
		case 51:
			if (c->state != ST_TRAN)
				break;
			memset(c->small, 0, 8);
			c->small[0] = 0x02;		/* SD_SPEC 2.00 */
			c->small[1] = 0x20 | (c->four_bit ? 0x05 : 0x01);
			c->small[2] = 0x80;		/* SD_SPEC3 */
			c->small[3] = c->cmd23 ? 0x02 : 0x00;
			r[0] = card_status(c) | S_APP_CMD;
			card_small(c, 8);
			return RSP_R1;
		default:
			break;
		}
		/* Not an ACMD we know: like the plain command. */
	}

	switch (op) {
	case 1:
		if (sd || (c->state != ST_IDLE && c->state != ST_READY))
			break;
		if (!(arg & OCR_EMMC_VDD))
			return RSP_NONE;
		c->polls++;
		if (c->polls > c->power_up_polls) {
			c->ocr |= OCR_BUSY;
			if (c->high_capacity)
				c->ocr |= OCR_CCS;	/* access mode 10b */
			if (c->high_capacity && !(arg & OCR_CCS))
				violation(m, "CMD1 without sector mode");
			c->state = ST_READY;
		}
		r[0] = c->ocr;
		return RSP_R3;
	case 2:
		if (c->state != ST_READY)
			break;
		for (int i = 0; i < 4; i++)
			r[3 - i] = (uint32_t)c->cid[4 * i] << 24 |
				   (uint32_t)c->cid[4 * i + 1] << 16 |
				   (uint32_t)c->cid[4 * i + 2] << 8 |
				   c->cid[4 * i + 3];
		c->state = ST_IDENT;
		return RSP_R2;
	case 3:
		if (c->state != ST_IDENT && c->state != ST_STBY)
			break;
		if (sd) {
			uint32_t st = card_status(c);

			c->rca = (uint16_t)(c->rca + 0x4567);
			c->state = ST_STBY;
			r[0] = (uint32_t)c->rca << 16 |
			       ((st >> 8) & 0xc000) | ((st >> 6) & 0x2000) |
			       (st & 0x1fff);
			return RSP_R6;
		}
		c->rca = (uint16_t)(arg >> 16);
		if (!c->rca)
			violation(m, "eMMC given RCA 0");
		r[0] = card_status(c);
		c->state = ST_STBY;
		return RSP_R1;
	case 6:
		if (c->state != ST_TRAN)
			break;
		if (sd) {
			r[0] = card_status(c);
			sd_switch_status(c, arg);
			return RSP_R1;
		} else {
			unsigned int access = (arg >> 24) & 3;
			unsigned int idx = (arg >> 16) & 0xff;
			unsigned int val = (arg >> 8) & 0xff;
			bool ok = access == 3;

			if (idx == 32)
				ok = ok && val == 1;		/* FLUSH_CACHE */
			else if (idx == 179)
				ok = ok && (val & 7) <= 3;	/* PARTITION_ACCESS */
			else if (idx == 183)
				ok = ok && val <= 2;
			else if (idx == 185)
				ok = ok && (val == 0 || (val == 1 && c->hs &&
						       !c->emmc_refuse_hs));
			else
				ok = false;
			r[0] = card_status(c);
			if (ok) {
				c->ext_csd[idx] = (uint8_t)val;
				if (idx == 32)
					c->flushes++;
				else if (idx == 179)
					c->partition_config = (uint8_t)val;
				else if (idx == 183)
					c->width = val == 2 ? 8 : val == 1 ? 4 : 1;
				else if (idx == 185)
					c->hs_on = val == 1;
			} else {
				c->status_c |= S_SWITCH_ERROR;
			}
			c->state = ST_PRG;
			c->busy = c->busy_polls;
			if (!c->busy)
				c->state = ST_TRAN;
			return RSP_R1B;
		}
	case 7:
		if ((arg >> 16) == c->rca && c->state == ST_STBY) {
			r[0] = card_status(c);
			c->state = ST_TRAN;
			return RSP_R1B;
		}
		if ((arg >> 16) != c->rca && c->state == ST_TRAN) {
			c->state = ST_STBY;
			return RSP_NONE;	/* deselected cards do not answer */
		}
		break;
	case 8:
		if (sd) {
			if (c->state != ST_IDLE || !c->v2)
				break;
			r[0] = arg & 0xfff;
			return RSP_R7;
		}
		if (c->state != ST_TRAN)
			break;
		r[0] = card_status(c);
		memcpy(c->small, c->ext_csd, 512);
		card_small(c, 512);
		return RSP_R1;
	case 9:
		if (c->state != ST_STBY || (arg >> 16) != c->rca)
			break;
		for (int i = 0; i < 4; i++)
			r[3 - i] = (uint32_t)c->csd[4 * i] << 24 |
				   (uint32_t)c->csd[4 * i + 1] << 16 |
				   (uint32_t)c->csd[4 * i + 2] << 8 |
				   c->csd[4 * i + 3];
		return RSP_R2;
	case 12:
		if (c->state == ST_DATA) {
			r[0] = card_status(c);
			c->state = ST_TRAN;
			c->dir = 0;
			return RSP_R1B;
		}
		if (c->state == ST_RCV) {
			r[0] = card_status(c);
			c->dir = 0;
			c->state = ST_PRG;
			c->busy = c->busy_polls;
			if (c->stuck_busy)
				c->busy_forever = true;
			if (!c->busy && !c->busy_forever)
				c->state = ST_TRAN;
			return RSP_R1B;
		}
		break;
	case 13:
		if ((arg >> 16) != c->rca || c->state < ST_STBY)
			break;
		if (c->busy && !c->busy_forever && !--c->busy &&
		    c->state == ST_PRG)
			c->state = ST_TRAN;
		r[0] = card_status(c);
		return RSP_R1;
	case 16:
		if (c->state != ST_TRAN)
			break;
		if (arg != 512)
			c->status_c |= S_BLOCK_LEN_ERROR;
		else
			c->blocklen = arg;
		r[0] = card_status(c);
		return RSP_R1;
	case 23:
		if (c->state != ST_TRAN || (sd && !c->cmd23))
			break;
		c->set_count = sd ? arg : arg & 0xffff;
		r[0] = card_status(c);
		return RSP_R1;
	case 17:
	case 18:
	case 24:
	case 25:
		if (c->state != ST_TRAN)
			break;
		if (!card_addr(m, arg, &lba)) {
			r[0] = card_status(c);
			c->set_count = 0;
			return RSP_R1;	/* no data follows */
		}
		r[0] = card_status(c);
		c->pos = lba;
		c->small_mode = false;
		c->count = (op == 17 || op == 24) ? 1 : c->set_count;
		c->set_count = 0;
		c->dir = op < 20 ? DIR_READ : DIR_WRITE;
		c->state = op < 20 ? ST_DATA : ST_RCV;
		return RSP_R1;
	case 55:
		if (!sd) {
			if (!c->emmc_cmd55 || c->state == ST_IDLE)
				break;
			r[0] = card_status(c);
			return RSP_R1;
		}
		if ((arg >> 16) != c->rca)
			break;
		c->app = !c->app_cmd_noise;
		r[0] = card_status(c);
		return RSP_R1;
	default:
		break;
	}
	/* Illegal in this state: no answer, ILLEGAL_COMMAND next time. */
	c->status_b |= S_ILLEGAL;
	return RSP_NONE;
}

/* Expected controller response setting for each kind. */
static bool resp_matches(struct fsd *m, int kind, uint16_t cmd)
{
	unsigned int type = cmd & CMD_RESP_MASK;
	bool crc = cmd & CMD_CRC, idx = cmd & CMD_INDEX;

	switch (kind) {
	case RSP_R1:
	case RSP_R6:
	case RSP_R7:
		return type == CMD_RESP_48 && crc && idx;
	case RSP_R1B:
		return type == CMD_RESP_48B && crc && idx;
	case RSP_R2:
		return type == CMD_RESP_136 && crc && !idx;
	case RSP_R3:
		return type == CMD_RESP_48 && !crc && !idx;
	default:
		(void)m;
		return true;
	}
}

/* ---- data engine --------------------------------------------------------- */

static void set_nint(struct fsd *m, uint16_t bits)
{
	m->nint |= bits & m->nint_en;
}

static void set_eint(struct fsd *m, uint16_t bits)
{
	m->eint |= bits & m->eint_en;
}

/* Card side of one block: 0, or the error bit to raise. */
static uint16_t card_read_block(struct fsd *m, uint8_t *out, uint32_t len)
{
	struct fsd_card *c = &m->card;
	uint8_t *blk;

	if (c->dir != DIR_READ || c->state != ST_DATA)
		return EI_DATA_TIMEOUT;
	if (c->small_mode) {
		if (len != c->small_len)
			violation(m, "block size %u for a %u-byte register",
				  len, c->small_len);
		memcpy(out, c->small, MIN(len, c->small_len));
		c->small_mode = false;
		c->dir = 0;
		c->state = ST_TRAN;
		if (c->switch_hs_pending)
			c->hs_on = true;
		c->switch_hs_pending = false;
		return 0;
	}
	if (len != 512)
		violation(m, "data block of %u bytes", len);
	if (c->crc_after_blocks >= 0 && c->crc_count &&
	    c->blocks_read + c->blocks_written >= (unsigned)c->crc_after_blocks) {
		if (c->crc_count > 0)
			c->crc_count--;
		return EI_DATA_CRC;
	}
	if (c->pos >= c->blocks) {
		c->status_c |= S_OUT_OF_RANGE;
		return EI_DATA_TIMEOUT;
	}
	if (c->partition_config & 7)
		violation(m, "read from eMMC partition %u, not the user area",
			  c->partition_config & 7);
	blk = fsd_block(m, c->pos);
	if (!blk) {
		violation(m, "read of unbacked block %llu",
			  (unsigned long long)c->pos);
		memset(out, 0xee, 512);
	} else {
		memcpy(out, blk, 512);
	}
	c->pos++;
	c->blocks_read++;
	if (c->count && !--c->count) {
		c->state = ST_TRAN;
		c->dir = 0;
	} else if (!c->count && c->pos == c->blocks) {
		/* Reading ahead past the end. */
		c->status_c |= S_OUT_OF_RANGE;
		c->out_of_range_reads++;
	}
	return 0;
}

static uint16_t card_write_block(struct fsd *m, const uint8_t *in, uint32_t len)
{
	struct fsd_card *c = &m->card;
	uint8_t *blk;

	if (c->dir != DIR_WRITE || c->state != ST_RCV)
		return EI_DATA_TIMEOUT;
	if (len != 512)
		violation(m, "data block of %u bytes", len);
	if (c->crc_after_blocks >= 0 && c->crc_count &&
	    c->blocks_read + c->blocks_written >= (unsigned)c->crc_after_blocks) {
		if (c->crc_count > 0)
			c->crc_count--;
		return EI_DATA_CRC;	/* CRC status token says error */
	}
	if (c->pos >= c->blocks) {
		c->status_c |= S_OUT_OF_RANGE;
		return EI_DATA_TIMEOUT;
	}
	if (c->partition_config & 7)
		violation(m, "write to eMMC partition %u, not the user area",
			  c->partition_config & 7);
	blk = fsd_block(m, c->pos);
	if (!blk)
		violation(m, "write of unbacked block %llu",
			  (unsigned long long)c->pos);
	else
		memcpy(blk, in, 512);
	c->pos++;
	c->blocks_written++;
	if (c->count && !--c->count) {
		c->dir = 0;
		c->state = ST_PRG;
		c->busy = c->busy_polls;
		if (c->stuck_busy)
			c->busy_forever = true;
		if (!c->busy && !c->busy_forever)
			c->state = ST_TRAN;
	}
	return 0;
}

static bool card_busy(const struct fsd *m)
{
	return m->card.busy || m->card.busy_forever;
}

static void xfer_done(struct fsd *m)
{
	if (!m->xfer_read && card_busy(m)) {
		m->xfer_wait_busy = true;	/* TC when DAT0 is released */
		return;
	}
	m->xfer = false;
	m->xfer_wait_busy = false;
	set_nint(m, NI_XFER);
}

static void xfer_fail(struct fsd *m, uint16_t err)
{
	/* The controller stops; DAT stays inhibited until a DAT reset. */
	set_eint(m, err);
	m->fifo_ready = false;
}

/* PIO: get the next block ready in the buffer, or finish. */
static void pio_next(struct fsd *m)
{
	if (!m->xfer_left) {
		xfer_done(m);
		return;
	}
	m->fifo_pos = 0;
	if (m->xfer_read) {
		uint16_t e = card_read_block(m, m->fifo, m->xfer_blksz);

		if (e) {
			xfer_fail(m, e);
			return;
		}
		m->fifo_ready = true;
		set_nint(m, NI_READ_READY);
	} else {
		m->fifo_ready = true;
		set_nint(m, NI_WRITE_READY);
	}
}

static uint32_t sdma_boundary(const struct fsd *m)
{
	return 4096u << ((m->blksize >> 12) & 7);
}

/*
 * Move @len bytes between memory at @addr and the card, block by block
 * through the FIFO.  Return: 0, or the error bit.
 */
static uint16_t dma_move(struct fsd *m, uint64_t addr, uint32_t len)
{
	uint8_t *p = (uint8_t *)(uintptr_t)addr;

	while (len && m->xfer_left) {
		uint32_t n;

		if (m->xfer_read && m->fifo_pos == 0) {
			uint16_t e = card_read_block(m, m->fifo, m->xfer_blksz);

			if (e)
				return e;
		}
		n = MIN(len, m->xfer_blksz - m->fifo_pos);
		if (m->xfer_read)
			memcpy(p, m->fifo + m->fifo_pos, n);
		else
			memcpy(m->fifo + m->fifo_pos, p, n);
		p += n;
		len -= n;
		m->fifo_pos += n;
		if (m->fifo_pos == m->xfer_blksz) {
			m->fifo_pos = 0;
			if (!m->xfer_read) {
				uint16_t e = card_write_block(m, m->fifo,
							      m->xfer_blksz);

				if (e)
					return e;
			}
			m->xfer_left--;
		}
	}
	if (len)
		return EI_ADMA;	/* more data than blocks: length mismatch */
	return 0;
}

/* SDMA (HC §1.12): stop at each buffer boundary with a DMA Interrupt. */
static void sdma_run(struct fsd *m)
{
	uint32_t b = sdma_boundary(m);

	m->xfer_dma_paused = false;
	while (m->xfer_left) {
		uint32_t room = b - (uint32_t)(m->sdma_addr % b);
		uint32_t n = MIN(room, (m->xfer_left * m->xfer_blksz) -
					       m->fifo_pos);
		uint16_t e = dma_move(m, m->sdma_addr, n);

		if (e) {
			xfer_fail(m, e);
			return;
		}
		m->sdma_addr += n;
		if (m->xfer_left && m->sdma_addr % b == 0) {
			m->xfer_dma_paused = true;
			m->sdma_stops++;
			set_nint(m, NI_DMA);
			return;
		}
	}
	xfer_done(m);
}

static uint64_t rd_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ADMA2 (HC §1.13): walk the descriptor table. */
static void adma_run(struct fsd *m, bool wide)
{
	unsigned int size = wide ? 12 : 8;
	uint64_t at = m->adma_addr;
	uint32_t total = 0, want = m->xfer_left * m->xfer_blksz;

	if (m->adma_error) {
		if (m->adma_error > 0)
			m->adma_error--;
		m->adma_err = 0x01;	/* ST_FDS */
		xfer_fail(m, EI_ADMA);
		return;
	}
	if (at % (wide ? 8 : 4))
		violation(m, "ADMA table at 0x%llx misaligned",
			  (unsigned long long)at);
	for (int i = 0; i < 64; i++) {
		const uint8_t *d = (const uint8_t *)(uintptr_t)at;
		uint32_t w0 = (uint32_t)rd_le(d, 4);
		uint64_t addr = rd_le(d + 4, wide ? 8 : 4);
		uint32_t len = w0 >> 16 ? w0 >> 16 : 65536;
		unsigned int act = (w0 >> 4) & 3;

		if (!wide && (addr >> 32))
			violation(m, "32-bit ADMA address too wide");
		if (!(w0 & 1)) {
			m->adma_err = 0x01;
			xfer_fail(m, EI_ADMA);
			return;
		}
		m->adma_descs++;
		if (act == 2) {
			uint16_t e;

			if (addr % (wide ? 8 : 4) || len % 4)
				violation(m, "ADMA descriptor 0x%llx+%u misaligned",
					  (unsigned long long)addr, len);
			if (m->adma_boundary &&
			    addr / m->adma_boundary !=
				    (addr + len - 1) / m->adma_boundary)
				violation(m, "ADMA descriptor crosses boundary");
			e = dma_move(m, addr, len);
			if (e) {
				m->adma_err = 0x03;
				xfer_fail(m, e);
				return;
			}
			total += len;
		} else if (act == 3) {
			at = addr;
			continue;
		}
		if (w0 & 2)
			break;
		at += size;
	}
	if (total != want || m->xfer_left) {
		violation(m, "ADMA moved %u of %u bytes", total, want);
		m->adma_err = 0x07;
		xfer_fail(m, EI_ADMA);
		return;
	}
	xfer_done(m);
}

/* ---- clock ------------------------------------------------------------------ */

static uint32_t sd_clock_hz(const struct fsd *m)
{
	uint32_t n;

	if ((m->clock & (CLK_INT_EN | CLK_STABLE | CLK_CARD_EN)) !=
	    (CLK_INT_EN | CLK_STABLE | CLK_CARD_EN))
		return 0;
	n = (m->clock >> 8) & 0xff;
	if ((m->version & 0xff) >= 2)
		n |= ((m->clock >> 6) & 3u) << 8;
	return n ? m->real_base_hz / (2 * n) : m->real_base_hz;
}

/* ---- commands ------------------------------------------------------------- */

static void start_data(struct fsd *m)
{
	struct fsd_card *c = &m->card;
	unsigned int host_width = m->hostctl & HC_8BIT ? 8
				  : m->hostctl & HC_4BIT ? 4 : 1;
	bool read = c->dir == DIR_READ;

	if (host_width != c->width)
		violation(m, "host bus %u-bit, card %u-bit", host_width,
			  c->width);
	if (!!(m->mode & MODE_READ) != read)
		violation(m, "transfer direction says %s, card %s",
			  m->mode & MODE_READ ? "read" : "write",
			  read ? "reads" : "writes");
	if (!(m->mode & MODE_BLK_CNT_EN))
		violation(m, "data without Block Count Enable");
	if (!!(m->mode & MODE_MULTI) != (m->blkcnt > 1))
		violation(m, "Multi Block Select %d for %u blocks",
			  !!(m->mode & MODE_MULTI), m->blkcnt);
	if (!m->blkcnt)
		violation(m, "block count 0");
	m->xfer = true;
	m->xfer_read = read;
	m->xfer_left = m->blkcnt;
	m->xfer_blksz = m->blksize & 0xfff;
	m->xfer_wait_busy = false;
	m->fifo_pos = 0;
	m->fifo_ready = false;
	m->xfer_dma = m->mode & MODE_DMA;
	if (!m->xfer_dma) {
		m->n_pio++;
		pio_next(m);
		return;
	}
	switch (m->hostctl & HC_DMA_MASK) {
	case HC_SDMA:
		if (!(m->caps & CAP_SDMA))
			violation(m, "SDMA without the capability");
		m->n_sdma++;
		sdma_run(m);
		break;
	case HC_ADMA32:
		if (!(m->caps & CAP_ADMA2))
			violation(m, "ADMA2 without the capability");
		m->n_adma32++;
		adma_run(m, false);
		break;
	case HC_ADMA64:
		if (!(m->caps & CAP_ADMA2) || !(m->caps & CAP_64BIT))
			violation(m, "64-bit ADMA2 without the capability");
		m->n_adma64++;
		adma_run(m, true);
		break;
	default:
		violation(m, "DMA select 01b (ADMA1)");
		xfer_fail(m, EI_ADMA);
	}
}

static void check_clock(struct fsd *m, unsigned int op)
{
	struct fsd_card *c = &m->card;
	uint32_t hz = sd_clock_hz(m), max;
	bool ident = c->state <= ST_IDENT || op == 0 || op == 1 || op == 2 ||
		     op == 41 || (op == 3 && c->state == ST_IDENT);

	if (hz > m->max_clock_hz)
		m->max_clock_hz = hz;
	m->last_clock_hz = hz;
	if (ident)
		max = 400000;
	else if (c->kind == FSD_EMMC)
		max = c->hs_on ? 52000000 : 26000000;
	else
		max = c->hs_on ? 50000000 : 25000000;
	if (hz > max)
		violation(m, "CMD%u at %u Hz, card allows %u", op, hz, max);
	if (hz > 26000000 && !m->strict32 && !(m->hostctl & HC_HISPD))
		violation(m, "%u Hz without High Speed Enable", hz);
	if (m->hostctl & HC_HISPD)
		m->hispd_seen = true;
}

static void issue(struct fsd *m)
{
	unsigned int op = (m->cmd >> 8) & 0x3f;
	bool data = m->cmd & CMD_DATA;
	bool abort = (m->cmd & CMD_ABORT) == CMD_ABORT;
	bool busy = (m->cmd & CMD_RESP_MASK) == CMD_RESP_48B;
	uint32_t r[4] = { 0 };
	int kind;

	if (m->xfer && !abort)
		violation(m, "CMD%u while a data transfer is on", op);
	if (m->cmd_busy && (data || busy) && !abort)
		violation(m, "CMD%u while DAT is busy", op);
	if ((op == 12) != abort)
		violation(m, "CMD%u with command type %s", op,
			  abort ? "abort" : "normal");
	if (!sd_clock_hz(m) || !(m->power & PWR_ON)) {
		violation(m, "CMD%u with SD clock or power off", op);
		set_eint(m, EI_CMD_TIMEOUT);
		return;
	}
	check_clock(m, op);
	kind = card_cmd(m, op, m->arg, r);
	if (kind == RSP_NONE && (m->cmd & CMD_RESP_MASK)) {
		set_eint(m, EI_CMD_TIMEOUT);
		return;
	}
	if (kind != RSP_NONE && !resp_matches(m, kind, m->cmd))
		violation(m, "CMD%u response setting 0x%02x for kind %d", op,
			  m->cmd & 0xff, kind);
	if (kind == RSP_R3 && (m->cmd & CMD_CRC)) {
		set_eint(m, EI_CMD_CRC);	/* R3 has no valid CRC */
		return;
	}
	if (kind == RSP_R2) {
		/* Bits 127:8 in RESPONSE bits 119:0 (HC §2.2.7). */
		m->resp[0] = r[0] >> 8 | r[1] << 24;
		m->resp[1] = r[1] >> 8 | r[2] << 24;
		m->resp[2] = r[2] >> 8 | r[3] << 24;
		m->resp[3] = r[3] >> 8;
	} else if (kind != RSP_NONE) {
		m->resp[0] = r[0];
	}
	set_nint(m, NI_CMD);
	if (data) {
		if (m->card.dir && (op != 12))
			start_data(m);
		else {
			/* The card sends nothing: data timeout. */
			m->xfer = true;
			m->xfer_left = 0;
			set_eint(m, EI_DATA_TIMEOUT);
		}
	} else if (m->card.dir && op != 12 && op != 13 && op != 55) {
		violation(m, "CMD%u starts a data phase without Data Present",
			  op);
	}
	if (busy && !data) {
		if (card_busy(m))
			m->cmd_busy = true;
		else
			set_nint(m, NI_XFER);
	}
}

/* DAT0 released?  Called on status reads: time passes as we are polled. */
static void tick(struct fsd *m)
{
	struct fsd_card *c = &m->card;

	if (c->busy && !c->busy_forever && !--c->busy && c->state == ST_PRG)
		c->state = ST_TRAN;
	if (card_busy(m))
		return;
	if (m->cmd_busy) {
		m->cmd_busy = false;
		set_nint(m, NI_XFER);
	}
	if (m->xfer_wait_busy)
		xfer_done(m);
}

static void do_reset(struct fsd *m, uint8_t bits)
{
	if (bits & RST_ALL) {
		m->resets_all++;
		m->sdma_addr = m->arg = 0;
		m->blksize = m->blkcnt = m->mode = m->cmd = 0;
		memset(m->resp, 0, sizeof(m->resp));
		m->hostctl = m->blockgap = m->wakeup = m->timeout = 0;
		if (m->power & PWR_ON)
			card_power_on(&m->card);	/* supply cut */
		m->power = 0;
		m->clock = 0;
		m->nint = m->eint = m->nint_en = m->eint_en = 0;
		m->nsig = m->esig = m->hostctl2 = 0;
		m->adma_err = 0;
		m->adma_addr = 0;
		bits |= RST_CMD | RST_DATA;
	}
	if (bits & RST_CMD)
		m->resets_cmd++;
	if (bits & RST_DATA) {
		m->resets_data++;
		m->xfer = m->xfer_wait_busy = m->xfer_dma_paused = false;
		m->cmd_busy = false;
		m->fifo_ready = false;
		m->xfer_left = 0;
		m->nint &= (uint16_t)~(NI_XFER | NI_DMA | NI_READ_READY |
				       NI_WRITE_READY);
	}
}

/* ---- MMIO ------------------------------------------------------------------- */

static uint32_t present_state(struct fsd *m)
{
	uint32_t ps = 0;

	if (m->xfer || m->cmd_busy)
		ps |= PS_DAT_INHIBIT | PS_DAT_ACTIVE;
	if (m->xfer && m->xfer_read)
		ps |= PS_READ_ACTIVE;
	if (m->xfer && !m->xfer_read)
		ps |= PS_WRITE_ACTIVE;
	if (m->fifo_ready)
		ps |= m->xfer_read ? PS_BUF_READ : PS_BUF_WRITE;
	if (m->card.kind != FSD_NO_CARD)
		ps |= PS_CARD;
	if (!card_busy(m))
		ps |= PS_DAT0;
	return ps;
}

static uint32_t read_word(struct fsd *m, uintptr_t w)
{
	switch (w) {
	case R_SDMA:
		return m->sdma_addr;
	case R_BLK:
		return m->blksize | (uint32_t)m->blkcnt << 16;
	case R_ARG:
		return m->arg;
	case R_MODE:
		return m->mode | (uint32_t)m->cmd << 16;
	case R_RESP:
	case R_RESP + 4:
	case R_RESP + 8:
	case R_RESP + 12:
		return m->resp[(w - R_RESP) / 4];
	case R_PRESENT:
		tick(m);
		return present_state(m);
	case R_HOSTCTL:
		return m->hostctl | (uint32_t)m->power << 8 |
		       (uint32_t)m->blockgap << 16 | (uint32_t)m->wakeup << 24;
	case R_CLOCK: {
		uint32_t rst = m->reset_stuck ? RST_ALL : 0;

		if ((m->clock & CLK_INT_EN) && !m->clock_never_stable)
			m->clock |= CLK_STABLE;
		return m->clock | (uint32_t)m->timeout << 16 | rst << 24;
	}
	case R_INT:
		tick(m);
		return m->nint | (m->eint ? NI_ERR : 0) |
		       (uint32_t)m->eint << 16;
	case R_INT_EN:
		return m->nint_en | (uint32_t)m->eint_en << 16;
	case R_SIG_EN:
		return m->nsig | (uint32_t)m->esig << 16;
	case R_ACMD_ERR:
		return (uint32_t)m->hostctl2 << 16;
	case R_CAPS:
		return (uint32_t)m->caps;
	case R_CAPS1:
		return (uint32_t)(m->caps >> 32);
	case R_ADMA_ERR:
		return m->adma_err;
	case R_ADMA:
		return (uint32_t)m->adma_addr;
	case R_ADMA_HI:
		return (uint32_t)(m->adma_addr >> 32);
	case R_SLOT:
		return (uint32_t)m->version << 16;
	default:
		return 0;
	}
}

static void write_clock_word(struct fsd *m, uint32_t v, uint32_t bytes)
{
	if (bytes & 3) {
		uint16_t old = m->clock, clk = (uint16_t)v;

		/* HC §3.2.3: SD Clock Enable off first, then the divider
		 * (writing 0, everything off, is that first step). */
		if ((old & CLK_CARD_EN) && (clk & (CLK_INT_EN | CLK_CARD_EN)) &&
		    (old & 0xffc0) != (clk & 0xffc0))
			violation(m, "divider changed with SD clock running");
		if ((m->version & 0xff) < 2) {
			unsigned int n = (clk >> 8) & 0xff;

			if (n & (n - 1))
				violation(m, "v2 divider 0x%02x not a power of 2",
					  n);
			if (clk & 0xc0)
				violation(m, "v3 divider bits on a v2 controller");
		}
		if (!(clk & CLK_INT_EN))
			clk &= (uint16_t)~CLK_STABLE;
		else if (!(old & CLK_INT_EN) || (old & 0xffc0) != (clk & 0xffc0))
			clk &= (uint16_t)~CLK_STABLE;	/* settles on a read */
		else
			clk = (uint16_t)((clk & ~CLK_STABLE) |
					 (old & CLK_STABLE));
		m->clock = clk;
	}
	if (bytes & 4)
		m->timeout = (uint8_t)(v >> 16);
	if (bytes & 8) {
		uint8_t rst = (uint8_t)(v >> 24);

		if (rst && !m->reset_stuck)
			do_reset(m, rst);
	}
}

static void write_word(struct fsd *m, uintptr_t w, uint32_t v, uint32_t bytes)
{
	uint32_t old = read_word(m, w), mask = 0;

	for (int i = 0; i < 4; i++)
		if (bytes & (1u << i))
			mask |= 0xffu << (8 * i);
	switch (w) {
	case R_SDMA:
		m->sdma_addr = (old & ~mask) | (v & mask);
		if (m->xfer_dma_paused && (bytes & 8)) {
			/* Writing the top byte resumes (HC §2.2.1). */
			sdma_run(m);
		}
		break;
	case R_BLK:
		if (m->xfer) {
			violation(m, "Block Size/Count written mid-transfer");
			break;
		}
		v = (old & ~mask) | (v & mask);
		m->blksize = (uint16_t)v;
		m->blkcnt = (uint16_t)(v >> 16);
		break;
	case R_ARG:
		m->arg = (old & ~mask) | (v & mask);
		break;
	case R_MODE:
		v = (old & ~mask) | (v & mask);
		if (!m->xfer)
			m->mode = (uint16_t)v;
		m->cmd = (uint16_t)(v >> 16);
		if (bytes & 8)
			issue(m);
		break;
	case R_HOSTCTL: {
		uint8_t pwr;

		v = (old & ~mask) | (v & mask);
		m->hostctl = (uint8_t)v;
		pwr = (uint8_t)(v >> 8);
		if (pwr & PWR_ON) {
			unsigned int sel = (pwr >> 1) & 7;
			uint32_t need = sel == 7 ? CAP_V33 : sel == 6 ? CAP_V30
					: sel == 5 ? CAP_V18 : 0;

			if (!need || !(m->caps & need)) {
				violation(m, "bus power with voltage %u", sel);
				pwr &= (uint8_t)~PWR_ON;
			}
		}
		if ((m->power & PWR_ON) && !(pwr & PWR_ON))
			card_power_on(&m->card);	/* power cycle */
		m->power = pwr;
		m->blockgap = (uint8_t)(v >> 16);
		m->wakeup = (uint8_t)(v >> 24);
		break;
	}
	case R_CLOCK:
		write_clock_word(m, (old & ~mask) | (v & mask), bytes);
		break;
	case R_INT:
		/* Write 1 to clear. */
		v &= mask;
		m->nint &= (uint16_t)~v;
		m->eint &= (uint16_t)~(v >> 16);
		break;
	case R_INT_EN:
		v = (old & ~mask) | (v & mask);
		m->nint_en = (uint16_t)v;
		m->eint_en = (uint16_t)(v >> 16);
		m->nint &= m->nint_en;
		m->eint &= m->eint_en;
		break;
	case R_SIG_EN:
		v = (old & ~mask) | (v & mask);
		m->nsig = (uint16_t)v;
		m->esig = (uint16_t)(v >> 16);
		break;
	case R_ACMD_ERR:
		m->hostctl2 = (uint16_t)(((old & ~mask) | (v & mask)) >> 16);
		break;
	case R_ADMA_ERR:
		m->adma_err = (uint8_t)((old & ~mask) | (v & mask));
		break;
	case R_ADMA:
		m->adma_addr = (m->adma_addr & ~(uint64_t)mask) | (v & mask);
		break;
	case R_ADMA_HI:
		m->adma_addr = (m->adma_addr & ~((uint64_t)mask << 32)) |
			       (uint64_t)(v & mask) << 32;
		break;
	case R_CAPS:
	case R_CAPS1:
	case R_PRESENT:
	case R_RESP:
	case R_RESP + 4:
	case R_RESP + 8:
	case R_RESP + 12:
		violation(m, "write to read-only register 0x%02lx",
			  (unsigned long)w);
		break;
	default:
		break;
	}
}

static bool check_access(struct fsd *m, uintptr_t off, unsigned int width)
{
	m->accesses++;
	if (width != 1 && width != 2 && width != 4) {
		violation(m, "%u-byte access at 0x%02lx", width,
			  (unsigned long)off);
		return false;
	}
	if (off % width || off + width > WINDOW) {
		violation(m, "misaligned %u-byte access at 0x%02lx", width,
			  (unsigned long)off);
		return false;
	}
	if (m->strict32 && width != 4) {
		m->narrow_accesses++;
		violation(m, "%u-byte access at 0x%02lx on a 32-bit-only "
			  "controller", width, (unsigned long)off);
		return false;
	}
	return true;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct fsd *m = ctx;
	uintptr_t w = off & ~(uintptr_t)3;

	if (!check_access(m, off, width))
		return 0;
	if (w == R_DATA) {
		uint32_t v = 0;

		if (width != 4)
			violation(m, "narrow Buffer Data Port read");
		if (!m->fifo_ready || !m->xfer_read) {
			violation(m, "Buffer Data Port read with nothing ready");
			return 0;
		}
		for (int i = 0; i < 4; i++)
			v |= (uint32_t)m->fifo[m->fifo_pos++] << (8 * i);
		if (m->fifo_pos >= m->xfer_blksz) {
			m->fifo_ready = false;
			m->xfer_left--;
			pio_next(m);
		}
		return v;
	}
	return (read_word(m, w) >> (8 * (off & 3))) &
	       (width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1);
}

/*
 * BCM2835: a write lands in the SD clock domain; a second write to the
 * same register within two SD clocks loses the first (Linux
 * sdhci-iproc.c).  Meaningful to check only at slow clocks: above
 * 400 kHz two clocks are shorter than any access.
 */
static bool lost_write(struct fsd *m, uintptr_t w)
{
	uint32_t *last_hz = m->last_write_hz;
	bool *seen = m->written;
	unsigned int i = (unsigned int)(w / 4);
	uint32_t hz = sd_clock_hz(m);
	bool lost = false;

	if (!m->strict32 || w == R_DATA)
		return false;
	if (seen[i] && last_hz[i] <= 400000) {
		uint64_t need = (2000000u + MAX(last_hz[i], 400000u) - 1) /
				MAX(last_hz[i], 400000u);

		if (fake_clock_us - m->last_write_us[i] < need) {
			m->lost_writes++;
			violation(m, "write to 0x%02lx %llu us after the last, "
				  "within 2 SD clocks", (unsigned long)w,
				  (unsigned long long)(fake_clock_us -
						       m->last_write_us[i]));
			lost = true;
		}
	}
	seen[i] = true;
	last_hz[i] = hz;
	m->last_write_us[i] = fake_clock_us;
	return lost;
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct fsd *m = ctx;
	uintptr_t w = off & ~(uintptr_t)3;
	unsigned int shift = 8 * (off & 3);
	uint32_t bytes = ((1u << width) - 1) << (off & 3);

	if (!check_access(m, off, width))
		return;
	if (lost_write(m, w))
		return;
	if (w == R_DATA) {
		uint32_t v = (uint32_t)v64;

		if (width != 4)
			violation(m, "narrow Buffer Data Port write");
		if (!m->fifo_ready || m->xfer_read) {
			violation(m, "Buffer Data Port write with no room");
			return;
		}
		for (int i = 0; i < 4; i++)
			m->fifo[m->fifo_pos++] = (uint8_t)(v >> (8 * i));
		if (m->fifo_pos >= m->xfer_blksz) {
			uint16_t e;

			m->fifo_ready = false;
			e = card_write_block(m, m->fifo, m->xfer_blksz);
			if (e) {
				xfer_fail(m, e);
				return;
			}
			m->xfer_left--;
			pio_next(m);
		}
		return;
	}
	write_word(m, w, (uint32_t)v64 << shift, bytes);
}

/* ---- set-up ----------------------------------------------------------------- */

void fsd_init(struct fsd *m, uintptr_t base)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->version = 0x2402;	/* vendor 0x24, v3.00 (QEMU's sd-spec-version 3) */
	/* 52 MHz base and timeout clocks, 512-byte blocks, ADMA2, HS, SDMA,
	 * 3.3 V and 1.8 V: QEMU's default 0x057834b4 without ADMA1. */
	m->caps = 0x056834b4;
	m->real_base_hz = 52000000;
	m->card.kind = FSD_NO_CARD;
	m->card.timeout_opcode = -1;
	m->card.crc_after_blocks = -1;
	card_power_on(&m->card);
}

void fsd_card_sd(struct fsd *m, uint64_t blocks)
{
	struct fsd_card *c = &m->card;

	c->kind = FSD_SD;
	c->v2 = true;
	c->high_capacity = true;
	c->four_bit = true;
	c->hs = true;
	c->power_up_polls = 3;
	c->busy_polls = 4;
	c->blocks = blocks;
	c->read_bl_len = 9;
	card_power_on(c);
}

void fsd_card_emmc(struct fsd *m, uint64_t blocks)
{
	struct fsd_card *c = &m->card;

	c->kind = FSD_EMMC;
	c->high_capacity = true;
	c->hs = true;
	c->power_up_polls = 3;
	c->busy_polls = 4;
	c->blocks = blocks;
	c->read_bl_len = 9;
	card_power_on(c);
}

void fsd_attach(struct fsd *m)
{
	struct fake_device dev = {
		.base = m->base,
		.size = WINDOW,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	card_build_regs(&m->card);
	fake_mmio_attach(&dev);
}

unsigned int fsd_count(const struct fsd *m, unsigned int opcode)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->card.ncmd; i++)
		n += m->card.cmd_log[i] == opcode;
	return n;
}

int fsd_find(const struct fsd *m, unsigned int opcode, unsigned int from)
{
	for (unsigned int i = from; i < m->card.ncmd; i++)
		if (m->card.cmd_log[i] == opcode)
			return (int)i;
	return -1;
}

int fsd_probe_dt(struct fsd *m, const struct fsd_dt *dt, struct blk_dev **out)
{
	static uint8_t dtb[4096];
	struct dev_env env = { .fdt = dtb };
	struct fdtb b;
	char name[32];
	const struct fdt_match *match;
	int node;

	fdtb_start(&b, dtb, sizeof(dtb));
	if (dt->xin_hz) {
		fdtb_node(&b, "clk-ahb");
		fdtb_str(&b, "compatible", "fixed-clock");
		fdtb_u32(&b, "#clock-cells", 0);
		fdtb_u32(&b, "clock-frequency", 50000000);
		fdtb_u32(&b, "phandle", 1);
		fdtb_end(&b);
		fdtb_node(&b, "clk-xin");
		fdtb_str(&b, "compatible", "fixed-clock");
		fdtb_u32(&b, "#clock-cells", 0);
		fdtb_u32(&b, "clock-frequency", dt->xin_hz);
		fdtb_u32(&b, "phandle", 2);
		fdtb_end(&b);
	}
	snprintf(name, sizeof(name), "mmc@%lx", (unsigned long)m->base);
	fdtb_node(&b, name);
	fdtb_str(&b, "compatible", dt->compatible);
	fdtb_reg64(&b, m->base, 0x100);
	if (dt->clock_frequency)
		fdtb_u32(&b, "clock-frequency", dt->clock_frequency);
	if (dt->xin_hz) {
		static const uint32_t clocks[] = { 1, 2 };
		char names[64];
		int n = snprintf(names, sizeof(names), "clk_ahb") + 1;

		n += snprintf(names + n, sizeof(names) - (size_t)n, "%s",
			      dt->xin_name ? dt->xin_name : "clk_xin") + 1;
		fdtb_cells(&b, "clocks", 2, clocks);
		if (fdt_property(b.buf, "clock-names", names, n))
			return -1;
	}
	if (dt->max_frequency)
		fdtb_u32(&b, "max-frequency", dt->max_frequency);
	if (dt->bus_width)
		fdtb_u32(&b, "bus-width", dt->bus_width);
	fdtb_end(&b);
	fdtb_finish(&b);
	snprintf(name, sizeof(name), "/mmc@%lx", (unsigned long)m->base);
	node = fdtb_node_offset(dtb, name);
	match = fdt_match_node(dtb, node, sdhci_driver.matches);
	if (!match)
		return -1000;
	return sdhci_driver.probe(&env, node, match->data, out);
}
