/* SPDX-License-Identifier: MIT */
/*
 * Choosing the console UART: the user's earlycon= (Linux syntax, so a line
 * that worked for the kernel works here), else the DT's /chosen stdout-path,
 * else a build-time "DRIVER@0xADDR" when there is no DTB at all.
 * Syntax: Documentation/admin-guide/kernel-parameters.txt, "earlycon".
 */
#ifndef TINYDUMP_DRIVERS_UART_EARLYCON_H
#define TINYDUMP_DRIVERS_UART_EARLYCON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/uart/uart.h"

#define EARLYCON_NAME_LEN 16
#define EARLYCON_SOURCE_LEN 16

/* One parsed earlycon= value. */
struct earlycon_spec {
	char name[EARLYCON_NAME_LEN];	/* e.g. "pl011"; "" if use_stdout */
	bool use_stdout;		/* bare "earlycon": use stdout-path */
	enum uart_iotype iotype;	/* UART_IO_DEFAULT when not given */
	uint32_t reg_shift;		/* from iotype: mmio16 1, mmio32 2 */
	uint64_t addr;			/* physical base */
	uint32_t baud;			/* from OPTIONS ("115200n8"), or 0 */
};

/* The console to bring up, and where that choice came from. */
struct earlycon_choice {
	const struct uart_driver *driver;
	/* cfg.baud is 0 (keep); the caller may set it from tinydump.baud=. */
	struct uart_config cfg;
	int node;			/* the DT node used, -1 for none */
	uint32_t baud_hint;		/* what the DT/earlycon says, or 0 */
	/* "earlycon", "stdout-path" or "fallback" */
	char source[EARLYCON_SOURCE_LEN];
	/*
	 * 0, or why an earlycon= on the command line was not used (bad
	 * syntax -EINVAL, io/mmio32be -ENOTSUP, unknown driver -ENODEV): the
	 * choice then came from stdout-path.  For the caller to report.
	 */
	int earlycon_err;
};

/**
 * earlycon_parse() - parse the value of earlycon= (@len bytes at @value,
 * not NUL-terminated): NAME,IOTYPE,ADDR[,OPTIONS] with IOTYPE one of
 * mmio, mmio16, mmio32 (or mmio32native), or NAME,ADDR[,OPTIONS].  ADDR is
 * 0x-hex or decimal; OPTIONS starts with the baud ("115200n8"), the rest is
 * ignored.  An empty or NULL value means "use stdout-path".
 * Return: 0, -EINVAL for malformed text or a NULL @spec, -ENOTSUP for
 * the io (port I/O: none on arm64) and mmio32be iotypes.
 */
int earlycon_parse(const char *value, size_t len, struct earlycon_spec *spec);

/**
 * earlycon_find_driver() - the driver in uart_drivers[] whose name or one of
 * whose earlycon names is @name[0..@len).
 * Return: the driver, or NULL.
 */
const struct uart_driver *earlycon_find_driver(const char *name, size_t len);

/**
 * earlycon_select() - choose the console from @bootargs and @fdt.
 * earlycon=NAME,... wins, refined by a DT node at the same translated base
 * that the driver matches (reg-shift, reg-io-width unless the iotype was
 * given, clock, match data).  Otherwise /chosen stdout-path: its node (must
 * be available), the first driver of uart_drivers[] matching it, "reg"
 * translated to a CPU address, reg-shift (default 0), reg-io-width (1 MMIO8,
 * 4 MMIO32, else default), clock-frequency or a fixed-clock's, baud hint
 * from the ":115200n8" options or current-speed.
 * @fdt: may be NULL (then only earlycon= can work); @bootargs may be NULL.
 * Return: 0 with *@out filled, -EINVAL for a NULL @out, -ENODEV when nothing
 * usable was found (*@out untouched).
 */
int earlycon_select(const void *fdt, const char *bootargs,
		    struct earlycon_choice *out);

/**
 * earlycon_from_spec_string() - a build-time fallback console written as
 * "DRIVER@ADDR" (e.g. "pl011@0x9000000"), for when there is no DTB.
 * Return: 0 with *@out filled (default iotype, reg_shift 0, source
 * "fallback"), -EINVAL for NULL or malformed text, -ENODEV for an unknown
 * driver name.
 */
int earlycon_from_spec_string(const char *spec, struct earlycon_choice *out);

#endif
