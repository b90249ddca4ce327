// SPDX-License-Identifier: MIT
/*
 * Every driver the payload has, one explicit list per kind (no linker
 * section tricks): the device tree picks among them at run time.
 */
#include <stddef.h>

#include "drivers/blk.h"
#include "drivers/net/nic.h"
#include "drivers/pci/pci.h"
#include "drivers/uart/uart.h"
#include "drivers/virtio/virtio_mmio.h"

const struct uart_driver *const uart_drivers[] = {
	&pl011_driver,
	&ns16550_driver,
	&bcm2835_aux_driver,
	&cdns_uart_driver,
	NULL,
};

const struct blk_driver *const blk_drivers[] = {
	&virtio_blk_driver,
	NULL,
};

const struct nic_driver *const nic_drivers[] = {
	&virtio_net_driver,
	NULL,
};

/* None yet: drivers/pci/ecam.c finds and stops PCI functions; no driver
 * takes one over as a block device. */
const struct pci_blk_driver *const pci_blk_drivers[] = {
	NULL,
};
