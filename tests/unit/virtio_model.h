/* SPDX-License-Identifier: MIT */
/*
 * A virtio-mmio device model for driver tests: the transport's registers
 * (legacy Version 1 or modern Version 2, virtio v1.2 §4.2), feature and
 * status rules, and split virtqueues walked in host memory (a DMA address
 * is a host pointer).  The device proper (block, network) is the test's:
 * it gets a callback on every notification and takes chains with
 * vmodel_pop() and gives them back with vmodel_push().  Everything the
 * driver does against the rules counts in vmodel.violations (and is
 * printed); tests check it stays 0.
 */
#ifndef TINYDUMP_TESTS_VIRTIO_MODEL_H
#define TINYDUMP_TESTS_VIRTIO_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define VMODEL_QUEUES 2
#define VMODEL_CHAIN_MAX 16
#define VMODEL_WINDOW 0x200	/* QEMU's virtio-mmio register window */
#define VMODEL_CONFIG_MAX 64

struct vmodel_seg {
	uint8_t *p;
	uint32_t len;
	bool write;		/* device-writable */
};

struct vmodel_chain {
	uint16_t head;
	unsigned int n;
	struct vmodel_seg seg[VMODEL_CHAIN_MAX];
};

struct vmodel_queue {
	uint32_t num_max;	/* what QueueNumMax reads (0: no such queue) */
	uint32_t num, align, pfn, ready;
	uint64_t desc, driver, device;
	uint16_t last_avail, used_idx;
};

struct vmodel {
	uintptr_t base;
	uint32_t magic, version, device_id, vendor_id;
	uint64_t host_features, driver_features;
	uint32_t dev_sel, drv_sel;
	bool dev_sel_written, drv_sel_written, features_written;
	uint32_t status;
	uint32_t guest_page_size;
	uint32_t queue_sel;
	struct vmodel_queue q[VMODEL_QUEUES];
	uint32_t isr;
	uint8_t config[VMODEL_CONFIG_MAX];
	uint32_t generation;

	/* Behaviour, set by the test. */
	bool mute;		/* notifications ignored: never answers */
	bool needs_reset_on_notify;	/* DEVICE_NEEDS_RESET instead */
	bool reject_features_ok;	/* FEATURES_OK never sticks */
	bool reset_stuck;	/* Status never reads back 0 */
	bool no_notify;		/* keep VIRTQ_USED_F_NO_NOTIFY set */
	void (*on_notify)(struct vmodel *m, unsigned int queue);
	void *dev;		/* the test's device state */

	/* What the driver did. */
	unsigned int violations, accesses, writes, resets;
	unsigned int notifies[VMODEL_QUEUES];
	unsigned int guest_page_size_writes;
	uint32_t queue_align[VMODEL_QUEUES];	/* last QueueAlign written */
};

/* A device at @base, as after power-on, every queue QueueNumMax 8. */
void vmodel_init(struct vmodel *m, uintptr_t base, uint32_t version,
		 uint32_t device_id, uint64_t features);

/* Put it on the fake bus (tests/unit/fake_mmio.h). */
void vmodel_attach(struct vmodel *m);

/* Take the next available chain of queue @q; false when there is none. */
bool vmodel_pop(struct vmodel *m, unsigned int q, struct vmodel_chain *c);

/* Return chain @head to the driver through the used ring. */
void vmodel_push(struct vmodel *m, unsigned int q, uint32_t head,
		 uint32_t len);

/* The configuration changed: new generation, interrupt bit 1. */
void vmodel_config_changed(struct vmodel *m);

/* Whether the driver negotiated feature @bit. */
bool vmodel_has(const struct vmodel *m, unsigned int bit);

/* Record a broken rule (printed). */
void vmodel_violation(struct vmodel *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
