/* SPDX-License-Identifier: MIT */
/*
 * Network interfaces: one polled interface for virtio-net, Cadence GEM and
 * whatever comes next.  A driver fills a struct nic (embedded first in its
 * own state); the UDP/IP stack (payload/net/) only calls nic_*().  Frames
 * are whole Ethernet frames without the FCS.  Nothing here waits unbounded.
 */
#ifndef TINYDUMP_DRIVERS_NIC_H
#define TINYDUMP_DRIVERS_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/devenv.h"
#include "fdt/fdt_match.h"

#define NIC_NAME_LEN 64
#define NIC_FRAME_MAX 1514	/* 14-byte header + 1500 MTU, FCS excluded */
#define ETH_ALEN 6

struct nic;

struct nic_ops {
	/*
	 * Queue one frame (copied: @frame may be reused at once).
	 * Return: 0, -EAGAIN when every TX slot is still in use (call again,
	 * completed slots are reclaimed on every call), -EIO, -EINVAL.
	 */
	int (*send)(struct nic *n, const void *frame, size_t len);
	/*
	 * Take one received frame into @buf (@cap >= NIC_FRAME_MAX).
	 * Return: its length, 0 when none is waiting, or -errno.
	 */
	int (*recv)(struct nic *n, void *buf, size_t cap);
	/* Reset the device: no DMA from here on. */
	void (*shutdown)(struct nic *n);
};

struct nic {
	const struct nic_ops *ops;
	const char *driver;		/* "virtio-net", "gem", ... */
	char name[NIC_NAME_LEN];	/* DT path, for messages */
	uint8_t mac[ETH_ALEN];
	bool link_up;
	uint64_t tx_frames, rx_frames, rx_dropped;
};

/*
 * A NIC driver found through the device tree; probe() resets the device
 * first (rings the dead kernel left must stop), sets up its own rings in
 * our reservation, and returns its nic (driver-owned static state).
 * Return: 0, -ENODEV when the node is not a NIC of this driver, -errno.
 */
struct nic_driver {
	const char *name;
	const struct fdt_match *matches;
	int (*probe)(const struct dev_env *env, int node,
		     const void *match_data, struct nic **out);
};

/*
 * The rings and buffers of the one NIC in use, shared by every NIC
 * driver: payload/devices.c drives one NIC at a time (it stops at the first
 * that probes, and a probe that fails resets its device before it
 * returns), so one pool serves them all instead of one area per driver.
 * Each driver lays its own struct over it and asserts it fits.  4 KiB
 * aligned: legacy virtio-mmio rings are found by page number.
 */
#define NIC_DMA_POOL_SIZE (20u * 1024u)
#define NIC_DMA_POOL_ALIGN 4096u
extern uint8_t nic_dma_pool[NIC_DMA_POOL_SIZE];

/* drivers/registry.c: NIC drivers, NULL-terminated. */
extern const struct nic_driver *const nic_drivers[];

static inline int nic_send(struct nic *n, const void *frame, size_t len)
{
	return n->ops->send(n, frame, len);
}

static inline int nic_recv(struct nic *n, void *buf, size_t cap)
{
	return n->ops->recv(n, buf, cap);
}

#endif
