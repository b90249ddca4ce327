// SPDX-License-Identifier: MIT
/*
 * Arm PrimeCell UART (PL011), and its SBSA subset ("arm,sbsa-uart"), which
 * has no baud, line-control or control registers.  Register map: ARM DDI
 * 0183 "PrimeCell UART (PL011) Technical Reference Manual", 3.2.
 */
#include <errno.h>

#include "drivers/mmio.h"
#include "drivers/uart/uart.h"
#include "include/compiler.h"

#define PL011_DR 0x000
#define PL011_FR 0x018
#define PL011_FR_BUSY BIT(3)
#define PL011_FR_RXFE BIT(4)
#define PL011_FR_TXFF BIT(5)
#define PL011_FR_TXFE BIT(7)
#define PL011_IBRD 0x024
#define PL011_FBRD 0x028
#define PL011_LCR_H 0x02c
#define PL011_LCR_H_FEN BIT(4)
#define PL011_LCR_H_WLEN_8 (3u << 5)
#define PL011_CR 0x030
#define PL011_CR_UARTEN BIT(0)
#define PL011_CR_TXE BIT(8)
#define PL011_CR_RXE BIT(9)
#define PL011_FBRD_BITS 6	/* divisor has 6 fractional bits (TRM 3.3.6) */

/* Match data: the SBSA generic UART may only touch DR and FR. */
#define PL011_QUIRK_SBSA BIT(0)
static const uint32_t pl011_quirks_sbsa = PL011_QUIRK_SBSA;

static int pl011_putc(struct console *con, uint8_t ch)
{
	int ret = mmio_poll32(con->base + PL011_FR, PL011_FR_TXFF, 0,
			      CONSOLE_TX_TIMEOUT_US);

	if (ret)
		return ret;
	mmio_write32(con->base + PL011_DR, ch);
	return 0;
}

static int pl011_getc(struct console *con)
{
	if (mmio_read32(con->base + PL011_FR) & PL011_FR_RXFE)
		return -EAGAIN;
	return mmio_read32(con->base + PL011_DR) & 0xff;
}

static int pl011_flush(struct console *con)
{
	int ret = mmio_poll32(con->base + PL011_FR, PL011_FR_TXFE,
			      PL011_FR_TXFE, CONSOLE_TX_TIMEOUT_US);

	if (ret)
		return ret;
	return mmio_poll32(con->base + PL011_FR, PL011_FR_BUSY, 0,
			   CONSOLE_TX_TIMEOUT_US);
}

static const struct console_ops pl011_ops = {
	.putc = pl011_putc,
	.getc = pl011_getc,
	.flush = pl011_flush,
};

/* Program the divisor: baud = clk / (16 * (IBRD + FBRD / 64)). */
static int pl011_set_baud(struct console *con, uint32_t clock_hz, uint32_t baud)
{
	uint64_t div = ((uint64_t)clock_hz << PL011_FBRD_BITS) / (16ull * baud);
	uint32_t cr = mmio_read32(con->base + PL011_CR);
	int ret;

	if (div >> PL011_FBRD_BITS == 0 || div >> PL011_FBRD_BITS > 0xffff)
		return -EINVAL;
	/* TRM 3.3.8: disable, let the current character finish, reprogram. */
	ret = pl011_flush(con);
	mmio_write32(con->base + PL011_CR, 0);
	mmio_write32(con->base + PL011_IBRD, (uint32_t)(div >> PL011_FBRD_BITS));
	mmio_write32(con->base + PL011_FBRD,
		     (uint32_t)(div & GENMASK(PL011_FBRD_BITS - 1, 0)));
	/* LCR_H must be written after the divisors to latch them. */
	mmio_write32(con->base + PL011_LCR_H, PL011_LCR_H_WLEN_8 | PL011_LCR_H_FEN);
	mmio_write32(con->base + PL011_CR, cr | PL011_CR_UARTEN | PL011_CR_TXE |
						  PL011_CR_RXE);
	con->baud = baud;
	return ret;
}

static int pl011_init(struct console *con, const struct uart_config *cfg)
{
	const uint32_t *quirks = cfg->match_data;

	if (!cfg->base)
		return -EINVAL;
	con->ops = &pl011_ops;
	con->driver = "pl011";
	con->base = cfg->base;
	con->reg_shift = 0;
	con->iotype = UART_IO_MMIO32;
	con->clock_hz = cfg->clock_hz;
	con->baud = 0;
	con->quirks = quirks ? *quirks : 0;
	con->crlf = true;

	/* What the dead kernel left in the RX FIFO is of no use to us. */
	for (unsigned i = 0; i < CONSOLE_RX_DRAIN_MAX; i++)
		if (pl011_getc(con) < 0)
			break;
	if (con->quirks & PL011_QUIRK_SBSA)
		return 0;
	if (cfg->baud && cfg->clock_hz)
		return pl011_set_baud(con, cfg->clock_hz, cfg->baud);
	/* Keep the baud rate; just make sure the transmitter is on. */
	uint32_t cr = mmio_read32(con->base + PL011_CR);
	uint32_t want = PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE;

	if ((cr & want) != want)
		mmio_write32(con->base + PL011_CR, cr | want);
	return 0;
}

static const char *const pl011_earlycon_names[] = { "pl011", NULL };

static const struct fdt_match pl011_matches[] = {
	{ .compatible = "arm,pl011" },
	{ .compatible = "arm,sbsa-uart", .data = &pl011_quirks_sbsa },
	{ 0 },
};

const struct uart_driver pl011_driver = {
	.name = "pl011",
	.earlycon_names = pl011_earlycon_names,
	.matches = pl011_matches,
	.init = pl011_init,
};
