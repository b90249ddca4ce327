/* SPDX-License-Identifier: MIT */
/*
 * The UART driver contract: each driver file exports one struct
 * uart_driver; drivers/registry.c lists them.  The earlycon= names are the
 * ones Linux uses (Documentation/admin-guide/kernel-parameters.txt,
 * "earlycon"), so a user's existing earlycon= works unchanged.
 */
#ifndef TINYDUMP_DRIVERS_UART_H
#define TINYDUMP_DRIVERS_UART_H

#include "drivers/console.h"
#include "fdt/fdt_match.h"

struct uart_driver {
	const char *name;
	/* Linux earlycon names this driver answers to, NULL-terminated. */
	const char *const *earlycon_names;
	/* Compatible strings with per-variant data, NULL-terminated. */
	const struct fdt_match *matches;
	/*
	 * Take over the port described by @cfg: drain what the dead kernel
	 * left (bounded), keep its line settings unless cfg->baud != 0 and a
	 * clock is known, fill @con.
	 * Return: 0, -EINVAL for an unusable config, -ETIMEDOUT, -ENODEV.
	 */
	int (*init)(struct console *con, const struct uart_config *cfg);
};

extern const struct uart_driver pl011_driver;
extern const struct uart_driver ns16550_driver;
extern const struct uart_driver bcm2835_aux_driver;
extern const struct uart_driver cdns_uart_driver;

/* drivers/registry.c: every UART driver, in match order, NULL-terminated. */
extern const struct uart_driver *const uart_drivers[];

#endif
