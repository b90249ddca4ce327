/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport and split virtqueues, as the device drivers
 * beside this file (virtio_blk.c, virtio_net.c) use them.  Polled: no
 * interrupts; every wait is bounded.
 *
 * Virtual I/O Device (VIRTIO) Specification v1.2: §2.1 device status, §2.4
 * device reset, §2.7 split virtqueues, §3.1 device initialisation, §4.2.2
 * MMIO register layout, §4.2.3 MMIO initialisation, §4.2.4 legacy (Version
 * 1) interface, §6 reserved feature bits.
 */
#ifndef TINYDUMP_DRIVERS_VIRTIO_MMIO_H
#define TINYDUMP_DRIVERS_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/devenv.h"

/* §4.2.2: "virt" read as a little-endian 32-bit word. */
#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u
#define VIRTIO_MMIO_VERSION_LEGACY 1	/* §4.2.4 */
#define VIRTIO_MMIO_VERSION_MODERN 2	/* §4.2.2 */

/*
 * Register window: control registers end at ConfigGeneration (0x0fc), the
 * device-specific configuration starts at 0x100 (§4.2.2, Table 4.1).
 */
#define VIRTIO_MMIO_CONFIG 0x100
#define VIRTIO_MMIO_MIN_SIZE VIRTIO_MMIO_CONFIG

/* Device IDs, §5 "Device Types". */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* Device status bits, §2.1. */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Reserved feature bits, §6 (bit numbers). */
#define VIRTIO_F_ANY_LAYOUT 27		/* legacy only, §2.7.4.1 */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_ORDER_PLATFORM 36
#define VIRTIO_FEATURE(bit) (1ull << (bit))

/*
 * Our virtqueues: small, fixed, in memory the device driver owns.
 * VIRTQ_NUM_MAX descriptors at most (Queue Size is a power of 2, §2.7).
 */
#define VIRTQ_NUM_MAX 8

/*
 * Alignment of everything a device writes by DMA (the used ring, status
 * bytes, receive buffers): a cache line, so that cleaning a line the CPU
 * wrote never lands on bytes the device wrote (drivers/dma.h).  128 covers
 * every arm64 core we know (CTR_EL0.CWG of at most 128 bytes in practice).
 * It is also the legacy QueueAlign we write: see struct virtq_ring.
 */
#define VIRTIO_DMA_ALIGN 128

/*
 * Legacy queues are addressed by page number: QueuePFN * GuestPageSize
 * (§4.2.4).  We write 4096 to GuestPageSize, so every ring starts on a
 * 4 KiB boundary.  QueueAlign is ours to choose; VIRTIO_DMA_ALIGN keeps a
 * whole queue of VIRTQ_NUM_MAX entries in VIRTQ_RING_BYTES, inside one
 * page.  (QEMU 7.2 hw/virtio/virtio.c virtio_queue_update_rings() places
 * the used ring at align(avail + 4 + 2 * num), the spec's §2.7.2 formula at
 * align(avail + 6 + 2 * num): with a 128-byte alignment both give the same
 * offset for every num up to VIRTQ_NUM_MAX.)
 */
#define VIRTIO_MMIO_PAGE_SIZE 4096
#define VIRTQ_RING_ALIGN VIRTIO_MMIO_PAGE_SIZE

#define VIRTQ_ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))
/* §2.7: descriptor table 16 * num, available ring 6 + 2 * num, used ring
 * 6 + 8 * num, the used ring on a VIRTIO_DMA_ALIGN boundary. */
#define VIRTQ_USED_OFFSET(num)                                                \
	VIRTQ_ALIGN_UP(16u * (num) + 6u + 2u * (num), VIRTIO_DMA_ALIGN)
#define VIRTQ_RING_BYTES(num)                                                 \
	VIRTQ_ALIGN_UP(VIRTQ_USED_OFFSET(num) + 6u + 8u * (num),              \
		       VIRTIO_DMA_ALIGN)

/*
 * The memory of one virtqueue.  Its owner must place it on a
 * VIRTQ_RING_ALIGN boundary (attribute on the variable, or an offset that
 * is a multiple of it inside an aligned struct); virtq_setup() checks.
 * Its size is a multiple of VIRTIO_DMA_ALIGN, so what follows it starts on
 * a fresh cache line.
 */
struct virtq_ring {
	uint8_t bytes[VIRTQ_RING_BYTES(VIRTQ_NUM_MAX)];
};

/* §2.7.5 descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
/* §2.7.7: the device asks not to be notified. */
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {		/* §2.7.5 */
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {		/* §2.7.6 (no used_event: no EVENT_IDX) */
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {	/* §2.7.8 */
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* One virtio-mmio device. */
struct virtio_mmio {
	uintptr_t base;
	uint64_t size;		/* register window, from the DT */
	uint32_t version;	/* VIRTIO_MMIO_VERSION_* */
	uint32_t device_id;
	uint32_t vendor_id;
	uint64_t features;	/* negotiated */
};

/* One split virtqueue (§2.7), driver side. */
struct virtq {
	struct virtio_mmio *vm;
	uint16_t index;		/* queue number, for QueueSel/QueueNotify */
	uint16_t num;		/* Queue Size, a power of 2 <= VIRTQ_NUM_MAX */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t avail_idx;	/* our copy of avail->idx */
	uint16_t last_used;	/* next used->idx entry to take */
	uint16_t free_head;	/* free descriptors, linked through next[] */
	uint16_t num_free;
	/* Our own copy of the chain links: what the device could scribble
	 * on in the descriptor table is never trusted. */
	uint16_t next[VIRTQ_NUM_MAX];
	uint8_t chain_len[VIRTQ_NUM_MAX];	/* 0: head not in flight */
};

/* One buffer of a descriptor chain. */
struct virtq_buf {
	const volatile void *addr;
	uint32_t len;
};

/* Bounds on the transport's own waits. */
#define VIRTIO_MMIO_RESET_TIMEOUT_US 1000000u	/* Status to read back 0 */
#define VIRTIO_CONFIG_RETRIES 16	/* ConfigGeneration changed under us */

/**
 * virtio_mmio_probe() - identify the device at @base (registers mapped).
 * Reads MagicValue, Version, DeviceID and VendorID only (§4.2.3.1).
 * Return: 0; -ENODEV for a bad magic value or DeviceID 0 (an empty QEMU
 * slot: not an error, §4.2.2); -ENOTSUP for a Version other than 1 or 2;
 * -EINVAL for a window smaller than the control registers.
 */
int virtio_mmio_probe(struct virtio_mmio *vm, uintptr_t base, uint64_t size);

/**
 * virtio_mmio_reset() - write 0 to Status and wait (bounded) for it to read
 * back 0 (§2.4, §4.2.2): the device drops its queues and stops using
 * memory.
 * Return: 0 or -ETIMEDOUT.
 */
int virtio_mmio_reset(struct virtio_mmio *vm);

/**
 * virtio_mmio_start() - reset, ACKNOWLEDGE, DRIVER and feature negotiation
 * (§3.1.1 steps 1-6).  Accepts the features of @want the device offers;
 * fails unless it offers all of @need.  Modern devices also need
 * VIRTIO_F_VERSION_1 (added here); VIRTIO_F_ACCESS_PLATFORM and
 * VIRTIO_F_ORDER_PLATFORM are accepted when offered (we give physical
 * addresses, and our barriers are the strongest).  Legacy devices get 32
 * feature bits and GuestPageSize.  On failure the device is left in
 * FAILED.
 * Return: 0; -ENOTSUP when a needed feature is missing or the device
 * refuses FEATURES_OK; -ETIMEDOUT when the reset does not complete.
 */
int virtio_mmio_start(struct virtio_mmio *vm, uint64_t want, uint64_t need);

/** virtio_has_feature() - whether feature @bit was negotiated. */
static inline bool virtio_has_feature(const struct virtio_mmio *vm,
				      unsigned int bit)
{
	return (vm->features >> bit) & 1;
}

/**
 * virtq_setup() - set up queue @index on @ring (§4.2.3.2, legacy §4.2.4):
 * Queue Size min(@num, QueueNumMax) rounded down to a power of 2.
 * Return: 0; -EINVAL for a bad @num or a misaligned @ring; -EBUSY when
 * the queue is still in use (a reset should have cleared it); -ENODEV
 * when the device has no such queue.
 */
int virtq_setup(struct virtio_mmio *vm, struct virtq *q, unsigned int index,
		unsigned int num, struct virtq_ring *ring);

/** virtio_mmio_driver_ok() - set DRIVER_OK: the device may now run. */
void virtio_mmio_driver_ok(struct virtio_mmio *vm);

/**
 * virtio_mmio_fail() - give up on the device: reset it, so it stops
 * using our rings and buffers, then set FAILED (§2.1).
 */
void virtio_mmio_fail(struct virtio_mmio *vm);

/** virtio_mmio_status() - the Status register. */
uint32_t virtio_mmio_status(const struct virtio_mmio *vm);

/** virtio_mmio_needs_reset() - DEVICE_NEEDS_RESET is set (§2.1.2). */
bool virtio_mmio_needs_reset(const struct virtio_mmio *vm);

/**
 * virtio_mmio_config_changed() - the configuration-change bit of
 * InterruptStatus was set; it is acknowledged (§4.2.2).
 */
bool virtio_mmio_config_changed(const struct virtio_mmio *vm);

/*
 * Device configuration space (§4.2.2: 8-, 16- and 32-bit fields read at
 * their width; 64-bit fields as two 32-bit reads).  @off is the offset in
 * the device's configuration structure; offsets beyond the DT window read
 * as 0.  Legacy devices use the guest's byte order, little-endian here.
 */
uint8_t virtio_cfg_read8(const struct virtio_mmio *vm, uint32_t off);
uint16_t virtio_cfg_read16(const struct virtio_mmio *vm, uint32_t off);
uint32_t virtio_cfg_read32(const struct virtio_mmio *vm, uint32_t off);
uint64_t virtio_cfg_read64(const struct virtio_mmio *vm, uint32_t off);

/**
 * virtio_cfg_generation() - ConfigGeneration (§2.5.1, §4.2.2); 0 on legacy
 * devices, which have none.  Read it before and after the fields; the
 * fields are consistent when both reads agree.
 */
uint32_t virtio_cfg_generation(const struct virtio_mmio *vm);

/**
 * virtq_add() - make a chain of @n_out device-readable then @n_in
 * device-writable buffers available (§2.7.13), without notifying.  The
 * buffers' own cache maintenance is the caller's (drivers/dma.h).
 * Return: the chain's head (>= 0), -ENOSPC when fewer than @n_out + @n_in
 * descriptors are free, -EINVAL for an empty chain or an empty buffer.
 */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs,
	      unsigned int n_out, unsigned int n_in);

/**
 * virtq_notify() - tell the device about new available buffers, unless it
 * asked not to be (§2.7.10 VIRTQ_USED_F_NO_NOTIFY).
 */
void virtq_notify(struct virtq *q);

/**
 * virtq_pop_used() - take one used chain, if any (§2.7.14); its
 * descriptors are free again.
 * @len: (may be NULL) bytes the device says it wrote.
 * Return: the chain's head; -EAGAIN when none is waiting; -EIO when the
 * device returned a descriptor that was not in flight.
 */
int virtq_pop_used(struct virtq *q, uint32_t *len);

/**
 * virtq_wait() - wait (bounded) for one used chain.
 * Return: as virtq_pop_used(), or -ETIMEDOUT; -EIO as soon as the device
 * sets DEVICE_NEEDS_RESET.
 */
int virtq_wait(struct virtq *q, uint32_t timeout_us, uint32_t *len);

/** virtq_in_flight() - chains made available and not yet used. */
static inline unsigned int virtq_in_flight(const struct virtq *q)
{
	return (uint16_t)(q->avail_idx - q->last_used);
}

/**
 * virtio_mmio_from_dt() - map the "reg" window of virtio-mmio node @node
 * through @env and probe it (virtio_mmio_probe()).
 * Return: as virtio_mmio_probe(), or the errors of dt_reg() and dev_map().
 */
int virtio_mmio_from_dt(const struct dev_env *env, int node,
			struct virtio_mmio *vm);

/* The device drivers on this transport (drivers/registry.c lists them). */
struct blk_driver;
struct nic_driver;
extern const struct blk_driver virtio_blk_driver;
extern const struct nic_driver virtio_net_driver;

#endif
