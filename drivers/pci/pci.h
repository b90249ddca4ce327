/* SPDX-License-Identifier: MIT */
/*
 * PCI functions found by the ECAM scan (drivers/pci/ecam.c) and the
 * drivers that take them.  Config space layout: PCI Local Bus Spec 3.0
 * §6.1; ECAM: PCI Express Base Spec §7.2.2 (bus << 20 | dev << 15 |
 * fn << 12).
 */
#ifndef TINYDUMP_DRIVERS_PCI_H
#define TINYDUMP_DRIVERS_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/devenv.h"

#define PCI_BARS 6

struct pci_func {
	uintptr_t cfg;		/* this function's 4 KiB of ECAM config space */
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class_code;	/* base << 16 | sub << 8 | prog-if */
	uint64_t bar[PCI_BARS];	/* CPU address of each memory BAR, 0 = none */
	uint64_t bar_size[PCI_BARS];
};

/* Match on IDs (PCI_ANY = any) and on a class code under a mask. */
#define PCI_ANY 0xffffu
struct pci_match {
	uint16_t vendor, device;
	uint32_t class_code, class_mask;
	const void *data;
};

struct blk_dev;

/* A PCI block driver; probe() as for struct blk_driver (drivers/blk.h). */
struct pci_blk_driver {
	const char *name;
	const struct pci_match *matches;	/* class_mask 0 ends the table */
	int (*probe)(const struct dev_env *env, const struct pci_func *f,
		     const void *match_data, struct blk_dev **out);
};

/* drivers/registry.c: PCI block drivers, NULL-terminated. */
extern const struct pci_blk_driver *const pci_blk_drivers[];

/* The most functions one scan records (QEMU virt has a handful). */
#define PCI_FUNCS_MAX 32

/**
 * pci_scan_all() - scan every available "pci-host-ecam-generic" node of
 * the DT: map its ECAM window, and for every function found clear Bus
 * Master Enable (a device the dead kernel left running must stop writing
 * memory) and Memory/IO Space Enable, then size its memory BARs and
 * assign them from the node's "ranges" (32-bit or 64-bit memory windows,
 * prefetchable or not) and map them through @env.
 * @out: receives up to @max functions (bridges included).
 * Return: how many functions were found (more than @max are still
 * quiesced, not recorded), or -errno when no host bridge could be used
 * (-ENODEV: there is none).
 */
int pci_scan_all(const struct dev_env *env, struct pci_func *out, int max);

/**
 * pci_enable() - let @f decode its memory BARs and master the bus: the one
 * function we drive.
 */
void pci_enable(const struct pci_func *f);

/** pci_disable() - stop @f decoding and mastering again. */
void pci_disable(const struct pci_func *f);

#endif
