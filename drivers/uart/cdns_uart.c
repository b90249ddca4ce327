// SPDX-License-Identifier: MIT
/*
 * Cadence UART (Xilinx Zynq-7000 / ZynqMP "xuartps"), polled.  Registers:
 * Zynq UltraScale+ Device TRM (UG1085) ch. 21 "UART Controller" and its
 * register reference (UART: Control, Mode, Baud_rate_gen, Channel_sts ...).
 */
#include <errno.h>

#include "drivers/mmio.h"
#include "drivers/uart/uart.h"
#include "include/compiler.h"

#define CDNS_UART_CR 0x00		/* Control */
#define CDNS_UART_MR 0x04		/* Mode */
#define CDNS_UART_BAUDGEN 0x18		/* Baud_rate_gen: CD */
#define CDNS_UART_RXTOUT 0x1c		/* Rcvr_timeout */
#define CDNS_UART_SR 0x2c		/* Channel_sts */
#define CDNS_UART_FIFO 0x30		/* TX_RX_FIFO */
#define CDNS_UART_BAUDDIV 0x34		/* Baud_rate_divider: BDIV */

#define CDNS_UART_CR_RXRST BIT(0)	/* self-clearing */
#define CDNS_UART_CR_TXRST BIT(1)	/* self-clearing */
#define CDNS_UART_CR_RXEN BIT(2)
#define CDNS_UART_CR_RXDIS BIT(3)	/* wins over RXEN */
#define CDNS_UART_CR_TXEN BIT(4)
#define CDNS_UART_CR_TXDIS BIT(5)	/* wins over TXEN */
#define CDNS_UART_CR_RSTTO BIT(6)	/* restart RX timeout, self-clearing */
#define CDNS_UART_CR_STTBRK BIT(7)	/* start break */
#define CDNS_UART_CR_STPBRK BIT(8)	/* stop break */
/* Bits that act when written as 1; never write them back as read. */
#define CDNS_UART_CR_ACTIONS                                                  \
	(CDNS_UART_CR_RXRST | CDNS_UART_CR_TXRST | CDNS_UART_CR_RSTTO |       \
	 CDNS_UART_CR_STTBRK | CDNS_UART_CR_STPBRK)

/* CLKSEL = 0 (no /8 prescale), CHRL = 0b00 (8 bits), NBSTOP = 0b00 (1),
 * CHMODE = 0b00 (normal); PAR = 0b1xx is "no parity". */
#define CDNS_UART_MR_PAR_NONE BIT(5)
#define CDNS_UART_MR_8N1 CDNS_UART_MR_PAR_NONE

#define CDNS_UART_SR_RXEMPTY BIT(1)
#define CDNS_UART_SR_TXEMPTY BIT(3)
#define CDNS_UART_SR_TXFULL BIT(4)
#define CDNS_UART_SR_TACTIVE BIT(11)	/* transmitter state machine busy */

#define CDNS_UART_BAUDGEN_CD GENMASK(15, 0)
#define CDNS_UART_CD_MIN 2		/* 0 stops the clock, 1 bypasses it */
#define CDNS_UART_BAUDDIV_BDIV GENMASK(7, 0)
#define CDNS_UART_BDIV_MIN 4		/* 0..3 are reserved */
#define CDNS_UART_BDIV_RESET 15		/* reset value */

/* ---- register level ------------------------------------------------------ */

static int cdns_uart_putc(struct console *con, uint8_t ch)
{
	int ret = mmio_poll32(con->base + CDNS_UART_SR, CDNS_UART_SR_TXFULL, 0,
			      CONSOLE_TX_TIMEOUT_US);

	if (ret)
		return ret;
	mmio_write32(con->base + CDNS_UART_FIFO, ch);
	return 0;
}

static int cdns_uart_getc(struct console *con)
{
	if (mmio_read32(con->base + CDNS_UART_SR) & CDNS_UART_SR_RXEMPTY)
		return -EAGAIN;
	return (uint8_t)mmio_read32(con->base + CDNS_UART_FIFO);
}

/* Wait (bounded) for an empty TX FIFO and an idle transmitter. */
static int cdns_uart_wait_tx_idle(uintptr_t base)
{
	return mmio_poll32(base + CDNS_UART_SR,
			   CDNS_UART_SR_TXEMPTY | CDNS_UART_SR_TACTIVE,
			   CDNS_UART_SR_TXEMPTY, CONSOLE_TX_TIMEOUT_US);
}

static int cdns_uart_flush(struct console *con)
{
	return cdns_uart_wait_tx_idle(con->base);
}

static const struct console_ops cdns_uart_ops = {
	.putc = cdns_uart_putc,
	.getc = cdns_uart_getc,
	.flush = cdns_uart_flush,
};

/*
 * Reprogram the rate, in the TRM's order ("Configure controller
 * functions"): disable both sides, set the divisors, reset both data
 * paths, enable.
 */
static int cdns_uart_set_baud(uintptr_t base, uint32_t cd, uint32_t bdiv)
{
	int ret;

	mmio_write32(base + CDNS_UART_CR,
		     CDNS_UART_CR_TXDIS | CDNS_UART_CR_RXDIS);
	mmio_write32(base + CDNS_UART_MR, CDNS_UART_MR_8N1);
	mmio_write32(base + CDNS_UART_BAUDGEN, cd);
	mmio_write32(base + CDNS_UART_BAUDDIV, bdiv);
	mmio_write32(base + CDNS_UART_CR,
		     CDNS_UART_CR_TXRST | CDNS_UART_CR_RXRST);
	ret = mmio_poll32(base + CDNS_UART_CR,
			  CDNS_UART_CR_TXRST | CDNS_UART_CR_RXRST, 0,
			  CONSOLE_TX_TIMEOUT_US);
	mmio_write32(base + CDNS_UART_CR, CDNS_UART_CR_TXEN | CDNS_UART_CR_RXEN);
	return ret;
}

/* @cd == 0 keeps the dead kernel's rate and mode. */
static int cdns_uart_setup(uintptr_t base, uint32_t cd, uint32_t bdiv)
{
	uint32_t cr = mmio_read32(base + CDNS_UART_CR);
	int ret;

	/*
	 * A disabled transmitter never drains, so enable both sides first;
	 * an enable that is already in force changes nothing on the line.
	 */
	cr &= ~(CDNS_UART_CR_ACTIONS | CDNS_UART_CR_TXDIS | CDNS_UART_CR_RXDIS);
	mmio_write32(base + CDNS_UART_CR,
		     cr | CDNS_UART_CR_TXEN | CDNS_UART_CR_RXEN);

	for (unsigned int i = 0; i < CONSOLE_RX_DRAIN_MAX; i++) {
		if (mmio_read32(base + CDNS_UART_SR) & CDNS_UART_SR_RXEMPTY)
			break;
		(void)mmio_read32(base + CDNS_UART_FIFO);
	}
	/* The dead kernel's last words leave before any path reset. */
	ret = cdns_uart_wait_tx_idle(base);
	if (ret)
		return ret;
	if (cd)
		return cdns_uart_set_baud(base, cd, bdiv);
	return 0;
}

/* ---- device-tree / earlycon glue ------------------------------------------ */

/**
 * cdns_uart_init() - take over a Cadence UART.
 * @con: filled in on success (con->ops stays NULL on failure).
 * @cfg: base and clock; reg_shift and iotype are ignored, the block only
 * takes 32-bit accesses at its fixed offsets.
 *
 * Makes sure TX and RX are enabled.  Keeps the rate unless both cfg->baud
 * and cfg->clock_hz are set; then CD = clock / (baud * (BDIV + 1)),
 * rounded, with the BDIV in force (the reset value if that is reserved),
 * and the line 8N1 without the /8 prescaler.
 *
 * Return: 0; -EINVAL for a NULL argument, no base or a baud CD cannot
 * reach; -ETIMEDOUT when the transmitter never drains or a data-path
 * reset never completes.
 */
static int cdns_uart_init(struct console *con, const struct uart_config *cfg)
{
	uint32_t cd = 0, bdiv = 0;
	int ret;

	if (!con || !cfg || !cfg->base)
		return -EINVAL;
	if (cfg->baud && cfg->clock_hz) {
		uint64_t per, d;

		bdiv = mmio_read32(cfg->base + CDNS_UART_BAUDDIV) &
		       CDNS_UART_BAUDDIV_BDIV;
		if (bdiv < CDNS_UART_BDIV_MIN)
			bdiv = CDNS_UART_BDIV_RESET;
		per = (uint64_t)cfg->baud * (bdiv + 1);
		d = (cfg->clock_hz + per / 2) / per;
		if (d < CDNS_UART_CD_MIN || d > CDNS_UART_BAUDGEN_CD)
			return -EINVAL;
		cd = (uint32_t)d;
	}

	*con = (struct console){
		.driver = cdns_uart_driver.name,
		.base = cfg->base,
		.reg_shift = 0,
		.iotype = UART_IO_MMIO32,
		.clock_hz = cfg->clock_hz,
		.baud = cd ? cfg->baud : 0,
		.crlf = true,
	};
	ret = cdns_uart_setup(cfg->base, cd, bdiv);
	if (ret)
		return ret;
	con->ops = &cdns_uart_ops;
	return 0;
}

static const char *const cdns_uart_earlycon_names[] = { "cdns", NULL };

static const struct fdt_match cdns_uart_matches[] = {
	{ .compatible = "cdns,uart-r1p12" },
	{ .compatible = "xlnx,xuartps" },
	{ .compatible = "cdns,uart-r1p8" },
	{ 0 },
};

const struct uart_driver cdns_uart_driver = {
	.name = "cdns-uart",
	.earlycon_names = cdns_uart_earlycon_names,
	.matches = cdns_uart_matches,
	.init = cdns_uart_init,
};
