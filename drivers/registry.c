// SPDX-License-Identifier: MIT
/*
 * Every driver the payload has, one explicit list per kind (no linker
 * section tricks): the device tree picks among them at run time.
 */
#include <stddef.h>

#include "drivers/net/cadence_gem.h"
#include "drivers/uart/uart.h"

const struct uart_driver *const uart_drivers[] = {
	&pl011_driver,
	&ns16550_driver,
	&bcm2835_aux_driver,
	&cdns_uart_driver,
	NULL,
};

const struct nic_driver *const nic_drivers[] = {
	&gem_driver,
	NULL,
};
