/* SPDX-License-Identifier: MIT */
/*
 * The devices the dump uses besides the console: stopping what the dead
 * kernel left doing DMA, and finding the block device or NIC a sink
 * writes to.  Drivers come from drivers/registry.c; the device tree (and
 * the PCI scan) says which are there; tinydump.blkdev= / tinydump.netdev=
 * may name one (a DT path or an /aliases name).
 */
#ifndef TINYDUMP_PAYLOAD_DEVICES_H
#define TINYDUMP_PAYLOAD_DEVICES_H

#include <stdbool.h>

#include "drivers/blk.h"
#include "drivers/devenv.h"
#include "drivers/net/nic.h"
#include "drivers/pci/pci.h"

struct mmu;

struct devices {
	const void *fdt;
	struct mmu *mmu;
	struct dev_env env;
	struct pci_func pci[PCI_FUNCS_MAX];
	int npci;		/* functions recorded, <0: no PCI host (-errno) */
	int virtio_reset;	/* virtio-mmio devices reset */
	int gem_stopped;	/* Cadence GEMs stopped */
	bool quiesced;
};

/**
 * devices_quiesce() - stop DMA the dead kernel left running: reset every
 * virtio-mmio device, stop every Cadence GEM, clear Bus Master Enable on
 * every PCI function (docs/pci.md says what cannot be stopped).  Runs
 * before the dump reads memory; says what it did and what it cannot stop.
 */
void devices_quiesce(struct devices *dv, const void *fdt, struct mmu *mmu);

/*
 * Called for each block device found, in order; returns 0 to take it (the
 * search stops), or a negative errno to go on to the next one.
 */
typedef int (*devices_blk_accept)(void *ctx, struct blk_dev *dev);

/**
 * devices_find_blk() - probe block devices until @accept takes one.
 * @path: tinydump.blkdev= (a DT path or alias; "" or NULL: every block
 * device of the DT, then every PCI one, in order).  A DT path naming a PCI
 * host bridge means the block functions behind it.
 * Return: 0 with *@out set, -ENODEV when no device was found, or the
 * last error of @accept / a probe.
 */
int devices_find_blk(struct devices *dv, const char *path,
		     devices_blk_accept accept, void *ctx, struct blk_dev **out);

/**
 * devices_find_nic() - the first NIC that probes: the one tinydump.netdev=
 * names (DT path or alias), else the first available NIC node of the DT.
 * Return: 0 with *@out set, -ENODEV, or the probe's error.
 */
int devices_find_nic(struct devices *dv, const char *path, struct nic **out);

#endif
