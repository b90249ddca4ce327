// SPDX-License-Identifier: MIT
/*
 * Every driver the payload has, one explicit list per kind (no linker
 * section tricks): the device tree (or the PCI scan) picks among them at
 * run time.  Adding a device: one new file, one line here.
 */
#include <stddef.h>

#include "drivers/blk.h"
#include "drivers/mmc/sdhci.h"
#include "drivers/net/cadence_gem.h"
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

/* Block devices described by the device tree. */
const struct blk_driver *const blk_drivers[] = {
	&virtio_blk_driver,
	&sdhci_driver,
	NULL,
};

/* Block devices found by the PCI scan. */
const struct pci_blk_driver *const pci_blk_drivers[] = {
	&sdhci_pci_driver,
	NULL,
};

/* Network interfaces described by the device tree. */
const struct nic_driver *const nic_drivers[] = {
	&virtio_net_driver,
	&gem_driver,
	NULL,
};
