// SPDX-License-Identifier: MIT
/*
 * The 8250/16550 UART family, polled.  Register file and bits: National
 * Semiconductor PC16550D datasheet, "Registers" (Table II); the Synopsys
 * DesignWare APB UART deviations from its databook ("LCR", "IER" PTIME).
 */
#include <errno.h>

#include "drivers/mmio.h"
#include "drivers/uart/uart.h"
#include "include/compiler.h"

/* Register indices: the address is base + (index << reg_shift). */
#define UART8250_RBR 0		/* receiver buffer, read, DLAB = 0 */
#define UART8250_THR 0		/* transmitter holding, write, DLAB = 0 */
#define UART8250_DLL 0		/* divisor latch LS, DLAB = 1 */
#define UART8250_IER 1		/* interrupt enable, DLAB = 0 */
#define UART8250_DLM 1		/* divisor latch MS, DLAB = 1 */
#define UART8250_FCR 2		/* FIFO control, write only (IIR on read) */
#define UART8250_LCR 3
#define UART8250_LSR 5

#define UART8250_FCR_FIFOE BIT(0)	/* FIFO enable */
#define UART8250_FCR_RFR BIT(1)		/* RCVR FIFO reset */
#define UART8250_FCR_XFR BIT(2)		/* XMIT FIFO reset */

#define UART8250_LCR_WLS_8 GENMASK(1, 0)	/* word length select: 8 bits */
#define UART8250_LCR_DLAB BIT(7)	/* divisor latch access bit */
/* STB = 0 (one stop bit), PEN = 0 (no parity). */
#define UART8250_LCR_8N1 UART8250_LCR_WLS_8

#define UART8250_LSR_DR BIT(0)		/* data ready */
#define UART8250_LSR_THRE BIT(5)	/* THR (or XMIT FIFO) empty */
#define UART8250_LSR_TEMT BIT(6)	/* THR and shift register empty */

#define UART8250_DLM_SHIFT 8
#define UART8250_DIV_MAX GENMASK(15, 0)
#define UART8250_BAUD_CLOCKS 16		/* clock cycles per bit time */

/* Strides beyond 16 bytes exist on no 8250 we know of: treat as bad input. */
#define NS16550_REG_SHIFT_MAX 4
/* The 32-bit access width needs at least a 4-byte stride. */
#define NS16550_REG_SHIFT_IO32 2
/* Attempts at an LCR write that a busy DesignWare UART drops. */
#define NS16550_LCR_TRIES 8

/*
 * Match data: per-compatible quirks, in con->quirks.
 * NO_FIFO: Linux treats plain "ns16550" as the original 16550, whose
 * FIFOs were broken; leave FCR alone there.
 * LCR_BUSY: the DesignWare APB UART (without UART_16550_COMPATIBLE)
 * ignores writes to LCR, DLL and DLM while it is receiving or
 * transmitting; such writes must be read back and retried.
 * IO32: when the DT gives a 4-byte stride but no reg-io-width, use 32-bit
 * accesses: the DesignWare block sits on APB, where some SoCs fault byte
 * accesses.
 */
#define NS16550_QUIRK_NO_FIFO BIT(0)
#define NS16550_QUIRK_LCR_BUSY BIT(1)
#define NS16550_QUIRK_IO32 BIT(2)

static const uint32_t ns16550_quirks_16550 = NS16550_QUIRK_NO_FIFO;
static const uint32_t ns16550_quirks_dw_apb =
	NS16550_QUIRK_LCR_BUSY | NS16550_QUIRK_IO32;

/* ---- register level ------------------------------------------------------ */

static uintptr_t ns16550_addr(const struct console *con, unsigned int reg)
{
	return con->base + ((uintptr_t)reg << con->reg_shift);
}

static uint8_t ns16550_read(const struct console *con, unsigned int reg)
{
	uintptr_t addr = ns16550_addr(con, reg);

	if (con->iotype == UART_IO_MMIO32)
		return (uint8_t)mmio_read32(addr);
	return mmio_read8(addr);
}

static void ns16550_write(const struct console *con, unsigned int reg,
			  uint8_t v)
{
	uintptr_t addr = ns16550_addr(con, reg);

	if (con->iotype == UART_IO_MMIO32)
		mmio_write32(addr, v);
	else
		mmio_write8(addr, v);
}

/* Wait (bounded) until every bit of @mask is set in LSR. */
static int ns16550_wait_lsr(const struct console *con, uint8_t mask)
{
	uintptr_t addr = ns16550_addr(con, UART8250_LSR);

	if (con->iotype == UART_IO_MMIO32)
		return mmio_poll32(addr, mask, mask, CONSOLE_TX_TIMEOUT_US);
	return mmio_poll8(addr, mask, mask, CONSOLE_TX_TIMEOUT_US);
}

static int ns16550_putc(struct console *con, uint8_t ch)
{
	int ret = ns16550_wait_lsr(con, UART8250_LSR_THRE);

	if (ret)
		return ret;
	ns16550_write(con, UART8250_THR, ch);
	return 0;
}

static int ns16550_getc(struct console *con)
{
	if (!(ns16550_read(con, UART8250_LSR) & UART8250_LSR_DR))
		return -EAGAIN;
	return ns16550_read(con, UART8250_RBR);
}

static int ns16550_flush(struct console *con)
{
	return ns16550_wait_lsr(con, UART8250_LSR_THRE | UART8250_LSR_TEMT);
}

static const struct console_ops ns16550_ops = {
	.putc = ns16550_putc,
	.getc = ns16550_getc,
	.flush = ns16550_flush,
};

/* Read what the dead kernel left unread; a babbling line stops at the bound. */
static void ns16550_drain_rx(const struct console *con)
{
	for (unsigned int i = 0; i < CONSOLE_RX_DRAIN_MAX; i++) {
		if (!(ns16550_read(con, UART8250_LSR) & UART8250_LSR_DR))
			break;
		(void)ns16550_read(con, UART8250_RBR);
	}
}

/*
 * Write LCR.  A DesignWare UART drops the write while busy (a character
 * in the receiver or the shifter), so read it back, empty both and retry.
 */
static int ns16550_set_lcr(const struct console *con, uint8_t lcr)
{
	for (unsigned int i = 0; i < NS16550_LCR_TRIES; i++) {
		ns16550_write(con, UART8250_LCR, lcr);
		if (!(con->quirks & NS16550_QUIRK_LCR_BUSY) ||
		    ns16550_read(con, UART8250_LCR) == lcr)
			return 0;
		ns16550_drain_rx(con);
		(void)ns16550_wait_lsr(con, UART8250_LSR_TEMT);
	}
	return -EIO;
}

/* Program @div as the baud divisor and the line as 8N1, DLAB left clear. */
static int ns16550_set_divisor(const struct console *con, uint32_t div)
{
	uint8_t dll = (uint8_t)div, dlm = (uint8_t)(div >> UART8250_DLM_SHIFT);
	int ret;

	for (unsigned int i = 0; i < NS16550_LCR_TRIES; i++) {
		bool ok;

		ret = ns16550_set_lcr(con, UART8250_LCR_DLAB | UART8250_LCR_8N1);
		if (ret)
			return ret;
		ns16550_write(con, UART8250_DLL, dll);
		ns16550_write(con, UART8250_DLM, dlm);
		/* Same busy rule as LCR for DLL/DLM on DesignWare. */
		ok = !(con->quirks & NS16550_QUIRK_LCR_BUSY) ||
		     (ns16550_read(con, UART8250_DLL) == dll &&
		      ns16550_read(con, UART8250_DLM) == dlm);
		ret = ns16550_set_lcr(con, UART8250_LCR_8N1);
		if (ret)
			return ret;
		if (ok)
			return 0;
		ns16550_drain_rx(con);
	}
	return -EIO;
}

/*
 * Bring the port to a known state without losing the dead kernel's last
 * words: they may still sit in the XMIT FIFO, so nothing that resets or
 * re-times the transmitter happens before TEMT.
 */
static int ns16550_setup(const struct console *con, uint32_t div)
{
	uint8_t lcr = ns16550_read(con, UART8250_LCR);
	int ret;

	/* With DLAB set, offsets 0 and 1 are the divisor, not THR/RBR/IER. */
	if (lcr & UART8250_LCR_DLAB) {
		ret = ns16550_set_lcr(con, lcr & (uint8_t)~UART8250_LCR_DLAB);
		if (ret)
			return ret;
	}
	/*
	 * Nobody services the interrupt now.  Clearing IER also clears the
	 * DesignWare PTIME bit, which would turn LSR.THRE into "FIFO full".
	 */
	ns16550_write(con, UART8250_IER, 0);
	ns16550_drain_rx(con);
	ret = ns16550_wait_lsr(con, UART8250_LSR_THRE | UART8250_LSR_TEMT);
	if (ret)
		return ret;
	if (div) {
		ret = ns16550_set_divisor(con, div);
		if (ret)
			return ret;
	}
	/* Both FIFOs are empty now, so their reset loses nothing. */
	if (!(con->quirks & NS16550_QUIRK_NO_FIFO))
		ns16550_write(con, UART8250_FCR, UART8250_FCR_FIFOE |
				   UART8250_FCR_RFR | UART8250_FCR_XFR);
	return 0;
}

/* ---- device-tree / earlycon glue ------------------------------------------ */

/**
 * ns16550_init() - take over an 8250-family port.
 * @con: filled in on success (con->ops stays NULL on failure).
 * @cfg: base, stride, access width, clock and baud; match data are quirks.
 *
 * Keeps the divisor and line control unless both cfg->baud and
 * cfg->clock_hz are set; then the divisor is clock / (16 * baud), rounded
 * to nearest, and the line 8N1.
 *
 * Return: 0; -EINVAL for a NULL argument, no base, a stride above 16
 * bytes, 16-bit access, 32-bit access with a stride under 4 or a baud the
 * divisor cannot reach; -ETIMEDOUT when the transmitter never drains;
 * -EIO when a busy DesignWare UART keeps dropping the LCR write.
 */
static int ns16550_init(struct console *con, const struct uart_config *cfg)
{
	const uint32_t *quirks;
	enum uart_iotype io;
	uint32_t div = 0;
	int ret;

	if (!con || !cfg || !cfg->base || cfg->reg_shift > NS16550_REG_SHIFT_MAX)
		return -EINVAL;
	quirks = cfg->match_data;
	io = cfg->iotype;
	if (io == UART_IO_DEFAULT) {
		bool io32 = quirks && (*quirks & NS16550_QUIRK_IO32) &&
			    cfg->reg_shift >= NS16550_REG_SHIFT_IO32;

		io = io32 ? UART_IO_MMIO32 : UART_IO_MMIO8;
	}
	/* mmio_poll has no 16-bit form; no arm64 8250 needs one. */
	if (io != UART_IO_MMIO8 && io != UART_IO_MMIO32)
		return -EINVAL;
	if (io == UART_IO_MMIO32 && cfg->reg_shift < NS16550_REG_SHIFT_IO32)
		return -EINVAL;
	if (cfg->baud && cfg->clock_hz) {
		uint64_t per = (uint64_t)UART8250_BAUD_CLOCKS * cfg->baud;
		uint64_t d = (cfg->clock_hz + per / 2) / per;

		if (d == 0 || d > UART8250_DIV_MAX)
			return -EINVAL;
		div = (uint32_t)d;
	}

	*con = (struct console){
		.driver = ns16550_driver.name,
		.base = cfg->base,
		.reg_shift = cfg->reg_shift,
		.iotype = io,
		.clock_hz = cfg->clock_hz,
		.baud = div ? cfg->baud : 0,
		.quirks = quirks ? *quirks : 0,
		.crlf = true,
	};
	ret = ns16550_setup(con, div);
	if (ret)
		return ret;
	con->ops = &ns16550_ops;
	return 0;
}

static const char *const ns16550_earlycon_names[] = {
	"uart8250", "uart", "ns16550", "ns16550a", NULL,
};

static const struct fdt_match ns16550_matches[] = {
	{ .compatible = "ns16550a" },
	{ .compatible = "ns16550", .data = &ns16550_quirks_16550 },
	{ .compatible = "snps,dw-apb-uart", .data = &ns16550_quirks_dw_apb },
	{ 0 },
};

const struct uart_driver ns16550_driver = {
	.name = "ns16550",
	.earlycon_names = ns16550_earlycon_names,
	.matches = ns16550_matches,
	.init = ns16550_init,
};
