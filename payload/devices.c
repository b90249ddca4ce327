// SPDX-License-Identifier: MIT
/*
 * Device discovery for the sinks (payload/devices.h).  Drivers are tried
 * in drivers/registry.c order against the nodes the DT lists; a driver
 * probe resets its device before use.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "drivers/net/cadence_gem.h"
#include "drivers/virtio/virtio.h"
#include "fdt/dt.h"
#include "include/compiler.h"
#include "payload/devices.h"
#include "payload/log.h"
#include "purgatory/mmu.h"

#define PAGE_SIZE 4096ull

static int map_device(void *ctx, uint64_t base, uint64_t size)
{
	struct devices *dv = ctx;
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + size, PAGE_SIZE);

	if (!size || end < start)
		return -EINVAL;
	return mmu_map(dv->mmu, start, end - start, MMU_DEVICE);
}

void devices_quiesce(struct devices *dv, const void *fdt, struct mmu *mmu)
{
	memset(dv, 0, sizeof(*dv));
	dv->fdt = fdt;
	dv->mmu = mmu;
	dv->env.fdt = fdt;
	dv->env.map_device = map_device;
	dv->env.ctx = dv;

	dv->virtio_reset = virtio_mmio_reset_all(&dv->env);
	dv->gem_stopped = gem_quiesce_all(&dv->env);
	dv->npci = pci_scan_all(&dv->env, dv->pci, PCI_FUNCS_MAX);
	if (dv->npci >= 0) {
		log_printf("quiesce: %d virtio-mmio device(s) reset, %d GEM(s) "
			   "stopped, bus mastering off on %d PCI function(s)\n",
			   dv->virtio_reset, dv->gem_stopped, dv->npci);
		if (dv->npci > PCI_FUNCS_MAX)
			dv->npci = PCI_FUNCS_MAX;	/* the rest: stopped, unused */
	} else {
		log_printf("quiesce: %d virtio-mmio device(s) reset, %d GEM(s) "
			   "stopped%s\n", dv->virtio_reset, dv->gem_stopped,
			   dv->npci == -ENODEV ? ", no PCI host bridge" :
						 ", PCI scan failed");
	}
	dv->quiesced = true;
}

/* The node a DT path or alias names, or a negative libfdt error. */
static int node_by_name(const void *fdt, const char *path)
{
	/* libfdt resolves a path without a leading '/' through /aliases. */
	return fdt_path_offset(fdt, path);
}

static bool is_pci_host(const void *fdt, int node)
{
	return fdt_node_check_compatible(fdt, node, "pci-host-ecam-generic") == 0;
}

/* Probe @node with every block driver that matches it. */
static int probe_blk_node(struct devices *dv, int node, devices_blk_accept accept,
			  void *ctx, struct blk_dev **out)
{
	int last = -ENODEV;

	if (!dt_node_is_available(dv->fdt, node))
		return -ENODEV;
	for (const struct blk_driver *const *d = blk_drivers; *d; d++) {
		const struct fdt_match *m = fdt_match_node(dv->fdt, node, (*d)->matches);
		struct blk_dev *dev;
		int ret;

		if (!m)
			continue;
		ret = (*d)->probe(&dv->env, node, m->data, &dev);
		if (ret == -ENODEV)
			continue;
		if (ret) {
			log_printf("block: %s at %s: %d\n", (*d)->name,
				   fdt_get_name(dv->fdt, node, NULL), ret);
			last = ret;
			continue;
		}
		log_printf("block: %s %s: %lu blocks of %u bytes (%lu MiB)\n",
			   dev->driver, dev->name, (unsigned long)dev->blocks,
			   dev->block_size,
			   (unsigned long)((dev->blocks * dev->block_size) >> 20));
		ret = accept(ctx, dev);
		if (!ret) {
			*out = dev;
			return 0;
		}
		last = ret;
	}
	return last;
}

static bool pci_matches(const struct pci_func *f, const struct pci_match *m)
{
	return (m->vendor == PCI_ANY || m->vendor == f->vendor) &&
	       (m->device == PCI_ANY || m->device == f->device) &&
	       (f->class_code & m->class_mask) == m->class_code;
}

static int probe_blk_pci(struct devices *dv, devices_blk_accept accept,
			 void *ctx, struct blk_dev **out)
{
	int last = -ENODEV;

	for (int i = 0; i < dv->npci; i++) {
		const struct pci_func *f = &dv->pci[i];

		for (const struct pci_blk_driver *const *d = pci_blk_drivers; *d; d++) {
			const struct pci_match *m = (*d)->matches;
			struct blk_dev *dev;
			int ret;

			while (m->class_mask && !pci_matches(f, m))
				m++;
			if (!m->class_mask)
				continue;
			pci_enable(f);
			ret = (*d)->probe(&dv->env, f, m->data, &dev);
			if (ret) {
				pci_disable(f);
				if (ret != -ENODEV) {
					log_printf("block: %s at pci %02x:%02x.%x: %d\n",
						   (*d)->name, f->bus, f->dev, f->fn, ret);
					last = ret;
				}
				continue;
			}
			log_printf("block: %s %s: %lu blocks of %u bytes (%lu MiB)\n",
				   dev->driver, dev->name, (unsigned long)dev->blocks,
				   dev->block_size,
				   (unsigned long)((dev->blocks * dev->block_size) >> 20));
			ret = accept(ctx, dev);
			if (!ret) {
				*out = dev;
				return 0;
			}
			pci_disable(f);
			last = ret;
		}
	}
	return last;
}

/* Every DT node some block driver matches, in DT order. */
static int probe_blk_dt(struct devices *dv, devices_blk_accept accept,
			void *ctx, struct blk_dev **out)
{
	int last = -ENODEV;

	for (int node = fdt_next_node(dv->fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(dv->fdt, node, NULL)) {
		bool any = false;
		int ret;

		for (const struct blk_driver *const *d = blk_drivers; *d && !any; d++)
			any = fdt_match_node(dv->fdt, node, (*d)->matches) != NULL;
		if (!any)
			continue;
		ret = probe_blk_node(dv, node, accept, ctx, out);
		if (!ret)
			return 0;
		if (ret != -ENODEV)
			last = ret;
	}
	return last;
}

static int keep_last(int last, int ret)
{
	return ret == -ENODEV ? last : ret;
}

int devices_find_blk(struct devices *dv, const char *path,
		     devices_blk_accept accept, void *ctx, struct blk_dev **out)
{
	int ret, last = -ENODEV;

	if (path && *path) {
		int node = node_by_name(dv->fdt, path);

		if (node < 0) {
			log_printf("block: tinydump.blkdev=%s: no such DT node or "
				   "alias\n", path);
			return -ENOENT;
		}
		if (is_pci_host(dv->fdt, node))
			return probe_blk_pci(dv, accept, ctx, out);
		return probe_blk_node(dv, node, accept, ctx, out);
	}
	ret = probe_blk_dt(dv, accept, ctx, out);
	if (!ret)
		return 0;
	last = keep_last(last, ret);
	ret = probe_blk_pci(dv, accept, ctx, out);
	if (!ret)
		return 0;
	return keep_last(last, ret);
}

static int probe_nic_node(struct devices *dv, int node, struct nic **out)
{
	int last = -ENODEV;

	if (!dt_node_is_available(dv->fdt, node))
		return -ENODEV;
	for (const struct nic_driver *const *d = nic_drivers; *d; d++) {
		const struct fdt_match *m = fdt_match_node(dv->fdt, node, (*d)->matches);
		int ret;

		if (!m)
			continue;
		ret = (*d)->probe(&dv->env, node, m->data, out);
		if (!ret) {
			log_printf("net: %s %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, "
				   "link %s\n", (*out)->driver, (*out)->name,
				   (*out)->mac[0], (*out)->mac[1], (*out)->mac[2],
				   (*out)->mac[3], (*out)->mac[4], (*out)->mac[5],
				   (*out)->link_up ? "up" : "down");
			return 0;
		}
		if (ret != -ENODEV) {
			log_printf("net: %s at %s: %d\n", (*d)->name,
				   fdt_get_name(dv->fdt, node, NULL), ret);
			last = ret;
		}
	}
	return last;
}

int devices_find_nic(struct devices *dv, const char *path, struct nic **out)
{
	int last = -ENODEV;

	if (path && *path) {
		int node = node_by_name(dv->fdt, path);

		if (node < 0) {
			log_printf("net: tinydump.netdev=%s: no such DT node or "
				   "alias\n", path);
			return -ENOENT;
		}
		return probe_nic_node(dv, node, out);
	}
	for (int node = fdt_next_node(dv->fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(dv->fdt, node, NULL)) {
		int ret = probe_nic_node(dv, node, out);

		if (!ret)
			return 0;
		last = keep_last(last, ret);
	}
	return last;
}
