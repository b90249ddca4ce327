// SPDX-License-Identifier: MIT
/*
 * The Raspberry Pi "mini UART" (BCM2835 auxiliary peripheral), polled.
 * Registers: BCM2835 ARM Peripherals manual, 2.2 "Mini UART", with the
 * corrections of the elinux.org BCM2835 datasheet errata (LCR data size).
 */
#include <errno.h>

#include "drivers/mmio.h"
#include "drivers/uart/uart.h"
#include "include/compiler.h"

/* Offsets from the mini UART block (0x7e215040 on the BCM2835 bus). */
#define AUX_MU_IO_REG 0x00	/* TX/RX FIFO byte; baud LS when DLAB = 1 */
#define AUX_MU_IER_REG 0x04	/* interrupt enable; baud MS when DLAB = 1 */
#define AUX_MU_LCR_REG 0x0c
#define AUX_MU_LSR_REG 0x14
#define AUX_MU_CNTL_REG 0x20
#define AUX_MU_STAT_REG 0x24	/* FIFO levels; unused, LSR says enough */
#define AUX_MU_BAUD_REG 0x28

/* The manual gives bit 0 alone; the errata: 8-bit mode needs bits 1:0 set. */
#define AUX_MU_LCR_DATA_SIZE_8 GENMASK(1, 0)
#define AUX_MU_LCR_DLAB BIT(7)

#define AUX_MU_LSR_DATA_READY BIT(0)
#define AUX_MU_LSR_TX_EMPTY BIT(5)	/* TX FIFO can accept a byte */
#define AUX_MU_LSR_TX_IDLE BIT(6)	/* TX FIFO empty, last bit sent */

#define AUX_MU_CNTL_RX_ENABLE BIT(0)
#define AUX_MU_CNTL_TX_ENABLE BIT(1)

#define AUX_MU_BAUD_MAX GENMASK(15, 0)
#define AUX_MU_BAUD_CLOCKS 8	/* baud = clock / (8 * (reg + 1)) */

/* ---- register level ------------------------------------------------------ */

/* Wait (bounded) until @bit is set in LSR. */
static int bcm2835_aux_wait_lsr(uintptr_t base, uint32_t bit)
{
	return mmio_poll32(base + AUX_MU_LSR_REG, bit, bit,
			   CONSOLE_TX_TIMEOUT_US);
}

static int bcm2835_aux_putc(struct console *con, uint8_t ch)
{
	int ret = bcm2835_aux_wait_lsr(con->base, AUX_MU_LSR_TX_EMPTY);

	if (ret)
		return ret;
	mmio_write32(con->base + AUX_MU_IO_REG, ch);
	return 0;
}

static int bcm2835_aux_getc(struct console *con)
{
	if (!(mmio_read32(con->base + AUX_MU_LSR_REG) & AUX_MU_LSR_DATA_READY))
		return -EAGAIN;
	return (uint8_t)mmio_read32(con->base + AUX_MU_IO_REG);
}

static int bcm2835_aux_flush(struct console *con)
{
	return bcm2835_aux_wait_lsr(con->base, AUX_MU_LSR_TX_IDLE);
}

static const struct console_ops bcm2835_aux_ops = {
	.putc = bcm2835_aux_putc,
	.getc = bcm2835_aux_getc,
	.flush = bcm2835_aux_flush,
};

/*
 * @baud_reg < 0 keeps the dead kernel's rate.  Keeping is the normal case
 * here: the mini UART runs off the VPU core clock, which the firmware may
 * have scaled, so a DT clock-frequency is often not the rate in force.
 */
static int bcm2835_aux_setup(uintptr_t base, int32_t baud_reg)
{
	uint32_t lcr = mmio_read32(base + AUX_MU_LCR_REG);
	uint32_t cntl, on = AUX_MU_CNTL_RX_ENABLE | AUX_MU_CNTL_TX_ENABLE;
	int ret;

	/* With DLAB set, IO and IER are the baud register, not the FIFO. */
	if (lcr & AUX_MU_LCR_DLAB)
		mmio_write32(base + AUX_MU_LCR_REG, lcr & ~AUX_MU_LCR_DLAB);
	mmio_write32(base + AUX_MU_IER_REG, 0);	/* nobody takes the IRQ now */
	/* A disabled transmitter never drains: the wait below would fail. */
	cntl = mmio_read32(base + AUX_MU_CNTL_REG);
	if ((cntl & on) != on)
		mmio_write32(base + AUX_MU_CNTL_REG, cntl | on);

	for (unsigned int i = 0; i < CONSOLE_RX_DRAIN_MAX; i++) {
		if (!(mmio_read32(base + AUX_MU_LSR_REG) &
		      AUX_MU_LSR_DATA_READY))
			break;
		(void)mmio_read32(base + AUX_MU_IO_REG);
	}
	/* Let the dead kernel's last bytes out before re-timing the line. */
	ret = bcm2835_aux_wait_lsr(base, AUX_MU_LSR_TX_IDLE);
	if (ret)
		return ret;
	if (baud_reg >= 0) {
		mmio_write32(base + AUX_MU_BAUD_REG, (uint32_t)baud_reg);
		mmio_write32(base + AUX_MU_LCR_REG, AUX_MU_LCR_DATA_SIZE_8);
	}
	return 0;
}

/* ---- device-tree / earlycon glue ------------------------------------------ */

/**
 * bcm2835_aux_init() - take over the mini UART.
 * @con: filled in on success (con->ops stays NULL on failure).
 * @cfg: base of the mini UART block; reg_shift and iotype are ignored, the
 * block only takes 32-bit accesses at its fixed offsets.
 *
 * Keeps the baud rate unless both cfg->baud and cfg->clock_hz are set;
 * then AUX_MU_BAUD_REG = clock / (8 * baud) - 1 (rounded) and 8 bits.
 *
 * Return: 0; -EINVAL for a NULL argument, no base or a baud the register
 * cannot reach; -ETIMEDOUT when the transmitter never goes idle.
 */
static int bcm2835_aux_init(struct console *con, const struct uart_config *cfg)
{
	int32_t baud_reg = -1;
	int ret;

	if (!con || !cfg || !cfg->base)
		return -EINVAL;
	if (cfg->baud && cfg->clock_hz) {
		uint64_t per = (uint64_t)AUX_MU_BAUD_CLOCKS * cfg->baud;
		uint64_t d = (cfg->clock_hz + per / 2) / per;

		if (d == 0 || d - 1 > AUX_MU_BAUD_MAX)
			return -EINVAL;
		baud_reg = (int32_t)(d - 1);
	}

	*con = (struct console){
		.driver = bcm2835_aux_driver.name,
		.base = cfg->base,
		.reg_shift = 0,
		.iotype = UART_IO_MMIO32,
		.clock_hz = cfg->clock_hz,
		.baud = baud_reg >= 0 ? cfg->baud : 0,
		.crlf = true,
	};
	ret = bcm2835_aux_setup(cfg->base, baud_reg);
	if (ret)
		return ret;
	con->ops = &bcm2835_aux_ops;
	return 0;
}

static const char *const bcm2835_aux_earlycon_names[] = { "bcm2835aux", NULL };

static const struct fdt_match bcm2835_aux_matches[] = {
	{ .compatible = "brcm,bcm2835-aux-uart" },
	{ 0 },
};

const struct uart_driver bcm2835_aux_driver = {
	.name = "bcm2835-aux",
	.earlycon_names = bcm2835_aux_earlycon_names,
	.matches = bcm2835_aux_matches,
	.init = bcm2835_aux_init,
};
