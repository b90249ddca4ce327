/* SPDX-License-Identifier: MIT */
/*
 * The console: one interface for every UART driver (TF-A's console_t idea).
 * A driver fills in struct console from a struct uart_config and its ops;
 * the rest of the payload only calls console_*().
 */
#ifndef TINYDUMP_DRIVERS_CONSOLE_H
#define TINYDUMP_DRIVERS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How long one character may wait for room in the TX FIFO.  At 9600 baud
 * a 64-byte FIFO drains in 67 ms; 100 ms covers it.  When a wait expires
 * the character is dropped and counted (console.tx_dropped): a stuck UART
 * must never stop the dump.
 */
#define CONSOLE_TX_TIMEOUT_US 100000u
/* Draining a 64-deep RX FIFO left full by the dead kernel. */
#define CONSOLE_RX_DRAIN_MAX 4096u

struct console;

struct console_ops {
	/* Queue one byte; waits (bounded) for FIFO room. Return 0 or -ETIMEDOUT. */
	int (*putc)(struct console *con, uint8_t ch);
	/* One received byte, or -EAGAIN when none is waiting. */
	int (*getc)(struct console *con);
	/* Wait (bounded) until everything queued has left the shifter. */
	int (*flush)(struct console *con);
};

/* Register access shape, from earlycon's iotype or the DT. */
enum uart_iotype {
	UART_IO_MMIO8 = 0,	/* earlycon "mmio":   8-bit accesses */
	UART_IO_MMIO16,		/* earlycon "mmio16" */
	UART_IO_MMIO32,		/* earlycon "mmio32": 32-bit accesses */
	UART_IO_DEFAULT,	/* whatever the driver's hardware wants */
};

/* What a UART driver is given to bring a port up. */
struct uart_config {
	uintptr_t base;		/* physical = virtual (identity map) */
	uint32_t reg_shift;	/* register stride is 1 << reg_shift bytes */
	enum uart_iotype iotype;
	uint32_t clock_hz;	/* input clock, 0 when unknown */
	uint32_t baud;		/* 0: keep what the dead kernel programmed */
	const void *match_data;	/* per-compatible quirks, from the match table */
};

struct console {
	const struct console_ops *ops;
	const char *driver;	/* name of the driver, for messages */
	uintptr_t base;
	uint32_t reg_shift;
	enum uart_iotype iotype;
	uint32_t clock_hz;
	uint32_t baud;		/* programmed by us, or 0 if kept */
	uint32_t quirks;	/* driver-private bits from match data */
	uint32_t tx_dropped;	/* bytes dropped on TX timeouts */
	bool crlf;		/* translate '\n' to "\r\n" in console_write_text */
};

/**
 * console_write() - write raw bytes (binary-safe, no translation).
 * Return: 0, or -ETIMEDOUT if any byte had to be dropped.
 */
int console_write(struct console *con, const void *buf, size_t len);

/** console_write_text() - write text, '\n' becoming "\r\n" when con->crlf. */
int console_write_text(struct console *con, const char *s, size_t len);

/** console_flush() - wait (bounded) for the transmitter to go idle. */
int console_flush(struct console *con);

/** console_getc() - one received byte or -EAGAIN. */
int console_getc(struct console *con);

#endif
