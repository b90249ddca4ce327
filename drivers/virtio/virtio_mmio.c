// SPDX-License-Identifier: MIT
/*
 * virtio-mmio transport, legacy (Version 1) and modern (Version 2), and
 * split virtqueues, polled.  Virtio v1.2 §4.2 (registers, initialisation),
 * §4.2.4 (legacy interface), §2.7 (split virtqueues), §3.1 (device
 * initialisation); QEMU 7.2 hw/virtio/virtio-mmio.c for what a legacy
 * device does with GuestPageSize, QueueAlign and QueuePFN.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/dma.h"
#include "drivers/mmio.h"
#include "drivers/timer.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_mmio.h"
#include "fdt/dt.h"
#include "include/compiler.h"
#include "payload/log.h"

/* Control registers, §4.2.2 Table 4.1 (legacy names of §4.2.4 noted). */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010	/* legacy HostFeatures */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014	/* legacy HostFeaturesSel */
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020	/* legacy GuestFeatures */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024	/* legacy GuestFeaturesSel */
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028	/* legacy only */
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034		/* QueueSizeMax in v1.3 */
#define VIRTIO_MMIO_QUEUE_NUM 0x038		/* QueueSize in v1.3 */
#define VIRTIO_MMIO_QUEUE_ALIGN 0x03c		/* legacy only */
#define VIRTIO_MMIO_QUEUE_PFN 0x040		/* legacy only */
#define VIRTIO_MMIO_QUEUE_READY 0x044		/* modern only */
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080	/* modern only, and below */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc

/* DeviceFeaturesSel/DriverFeaturesSel: which 32 bits, §4.2.2. */
#define VIRTIO_MMIO_FEATURES_LO 0
#define VIRTIO_MMIO_FEATURES_HI 1
/* QueueReady, §4.2.2. */
#define VIRTIO_MMIO_QUEUE_READY_ON 1

/* InterruptStatus bits, §4.2.2. */
#define VIRTIO_MMIO_INT_VRING BIT(0)
#define VIRTIO_MMIO_INT_CONFIG BIT(1)

/* A DT register window is mapped in whole pages. */
#define VIRTIO_MMIO_MAP_PAGE 4096u

static uint32_t vm_read(const struct virtio_mmio *vm, uint32_t reg)
{
	return mmio_read32(vm->base + reg);
}

static void vm_write(const struct virtio_mmio *vm, uint32_t reg, uint32_t v)
{
	mmio_write32(vm->base + reg, v);
}

static bool vm_modern(const struct virtio_mmio *vm)
{
	return vm->version == VIRTIO_MMIO_VERSION_MODERN;
}

int virtio_mmio_probe(struct virtio_mmio *vm, uintptr_t base, uint64_t size)
{
	uint32_t magic;

	if (!vm || !base || size < VIRTIO_MMIO_MIN_SIZE)
		return -EINVAL;
	memset(vm, 0, sizeof(*vm));
	vm->base = base;
	vm->size = size;
	magic = vm_read(vm, VIRTIO_MMIO_MAGIC);
	if (magic != VIRTIO_MMIO_MAGIC_VALUE) {
		/* §4.2.2: ignore it, and we may say so. */
		log_printf("virtio-mmio@0x%lx: bad magic 0x%08x, ignored\n",
			   (unsigned long)base, magic);
		return -ENODEV;
	}
	vm->version = vm_read(vm, VIRTIO_MMIO_VERSION);
	if (vm->version != VIRTIO_MMIO_VERSION_LEGACY &&
	    vm->version != VIRTIO_MMIO_VERSION_MODERN) {
		log_printf("virtio-mmio@0x%lx: unknown version %u, ignored\n",
			   (unsigned long)base, vm->version);
		return -ENOTSUP;
	}
	/* §4.2.3.1: DeviceID 0 is an empty slot; touch nothing else. */
	vm->device_id = vm_read(vm, VIRTIO_MMIO_DEVICE_ID);
	if (!vm->device_id)
		return -ENODEV;
	vm->vendor_id = vm_read(vm, VIRTIO_MMIO_VENDOR_ID);
	return 0;
}

int virtio_mmio_reset(struct virtio_mmio *vm)
{
	int ret;

	vm_write(vm, VIRTIO_MMIO_STATUS, 0);
	/* §2.4.2: the driver waits for Status to read back 0. */
	ret = mmio_poll32(vm->base + VIRTIO_MMIO_STATUS, ~0u, 0,
			  VIRTIO_MMIO_RESET_TIMEOUT_US);
	if (ret)
		log_printf("virtio-mmio@0x%lx: reset did not complete "
			   "(status 0x%x)\n", (unsigned long)vm->base,
			   vm_read(vm, VIRTIO_MMIO_STATUS));
	return ret;
}

static void vm_set_status(struct virtio_mmio *vm, uint32_t bits)
{
	uint32_t status = vm_read(vm, VIRTIO_MMIO_STATUS);

	vm_write(vm, VIRTIO_MMIO_STATUS, status | bits);
}

uint32_t virtio_mmio_status(const struct virtio_mmio *vm)
{
	return vm_read(vm, VIRTIO_MMIO_STATUS);
}

bool virtio_mmio_needs_reset(const struct virtio_mmio *vm)
{
	return vm_read(vm, VIRTIO_MMIO_STATUS) &
	       VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

bool virtio_mmio_config_changed(const struct virtio_mmio *vm)
{
	uint32_t isr = vm_read(vm, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (!(isr & VIRTIO_MMIO_INT_CONFIG))
		return false;
	vm_write(vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	return true;
}

void virtio_mmio_driver_ok(struct virtio_mmio *vm)
{
	vm_set_status(vm, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_mmio_fail(struct virtio_mmio *vm)
{
	/* A reset first: FAILED alone does not stop a device using memory. */
	(void)virtio_mmio_reset(vm);
	vm_write(vm, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
}

static uint64_t vm_device_features(struct virtio_mmio *vm)
{
	uint64_t f;

	/* §4.2.2: select the word before reading DeviceFeatures. */
	vm_write(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_FEATURES_LO);
	f = vm_read(vm, VIRTIO_MMIO_DEVICE_FEATURES);
	if (vm_modern(vm)) {
		vm_write(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL,
			 VIRTIO_MMIO_FEATURES_HI);
		f |= (uint64_t)vm_read(vm, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void vm_driver_features(struct virtio_mmio *vm, uint64_t f)
{
	vm_write(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_FEATURES_LO);
	vm_write(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	/* Legacy devices have 32 feature bits (QEMU warns on a word 1). */
	if (vm_modern(vm)) {
		vm_write(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
			 VIRTIO_MMIO_FEATURES_HI);
		vm_write(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	}
}

int virtio_mmio_start(struct virtio_mmio *vm, uint64_t want, uint64_t need)
{
	uint64_t offered;
	int ret;

	ret = virtio_mmio_reset(vm);
	if (ret)
		return ret;
	/* §3.1.1 steps 2-3. */
	vm_set_status(vm, VIRTIO_STATUS_ACKNOWLEDGE);
	vm_set_status(vm, VIRTIO_STATUS_DRIVER);

	if (vm_modern(vm)) {
		/* §6: a modern device without VERSION_1 speaks the legacy
		 * protocol on a Version 2 transport; we do not. */
		need |= VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
		want |= VIRTIO_FEATURE(VIRTIO_F_ACCESS_PLATFORM) |
			VIRTIO_FEATURE(VIRTIO_F_ORDER_PLATFORM);
	} else {
		want &= UINT32_MAX;
	}
	want |= need;
	offered = vm_device_features(vm);
	if ((offered & need) != need) {
		log_printf("virtio-mmio@0x%lx: device lacks features 0x%llx\n",
			   (unsigned long)vm->base,
			   (unsigned long long)(need & ~offered));
		vm_set_status(vm, VIRTIO_STATUS_FAILED);
		return -ENOTSUP;
	}
	vm->features = offered & want;
	vm_driver_features(vm, vm->features);

	if (vm_modern(vm)) {
		/* §3.1.1 steps 5-6: the device may refuse our subset. */
		vm_set_status(vm, VIRTIO_STATUS_FEATURES_OK);
		if (!(vm_read(vm, VIRTIO_MMIO_STATUS) &
		      VIRTIO_STATUS_FEATURES_OK)) {
			log_printf("virtio-mmio@0x%lx: features 0x%llx "
				   "refused\n", (unsigned long)vm->base,
				   (unsigned long long)vm->features);
			vm_set_status(vm, VIRTIO_STATUS_FAILED);
			return -ENOTSUP;
		}
	} else {
		/* §4.2.4: before any queue is configured. */
		vm_write(vm, VIRTIO_MMIO_GUEST_PAGE_SIZE,
			 VIRTIO_MMIO_PAGE_SIZE);
	}
	return 0;
}

static void vm_write64(struct virtio_mmio *vm, uint32_t lo_reg, uint64_t v)
{
	vm_write(vm, lo_reg, (uint32_t)v);
	vm_write(vm, lo_reg + 4, (uint32_t)(v >> 32));
}

int virtq_setup(struct virtio_mmio *vm, struct virtq *q, unsigned int index,
		unsigned int num, struct virtq_ring *ring)
{
	uintptr_t addr = (uintptr_t)ring;
	uint32_t max;
	unsigned int n;

	if (!vm || !q || !ring || !num || num > VIRTQ_NUM_MAX ||
	    addr % VIRTQ_RING_ALIGN || index > UINT16_MAX)
		return -EINVAL;
	vm_write(vm, VIRTIO_MMIO_QUEUE_SEL, index);
	/* §4.2.3.2 step 2 / §4.2.4: the queue must not be in use. */
	if (vm_read(vm, vm_modern(vm) ? VIRTIO_MMIO_QUEUE_READY
				      : VIRTIO_MMIO_QUEUE_PFN))
		return -EBUSY;
	max = vm_read(vm, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!max)
		return -ENODEV;
	/* §2.7: a split queue's size is a power of 2. */
	n = MIN(num, max);
	while (n & (n - 1))
		n &= n - 1;

	memset(q, 0, sizeof(*q));
	q->vm = vm;
	q->index = (uint16_t)index;
	q->num = (uint16_t)n;
	memset(ring, 0, sizeof(*ring));
	q->desc = (volatile struct virtq_desc *)ring->bytes;
	q->avail = (volatile struct virtq_avail *)(ring->bytes + 16u * n);
	q->used = (volatile struct virtq_used *)(ring->bytes +
						 VIRTQ_USED_OFFSET(n));
	for (unsigned int i = 0; i < n; i++)
		q->next[i] = (uint16_t)((i + 1) % n);
	q->free_head = 0;
	q->num_free = (uint16_t)n;
	/* The zeroed rings, used ring included, reach memory first. */
	dma_to_device(ring, sizeof(*ring));

	vm_write(vm, VIRTIO_MMIO_QUEUE_NUM, n);
	if (vm_modern(vm)) {
		vm_write64(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, dma_addr(q->desc));
		vm_write64(vm, VIRTIO_MMIO_QUEUE_DRIVER_LOW,
			   dma_addr(q->avail));
		vm_write64(vm, VIRTIO_MMIO_QUEUE_DEVICE_LOW, dma_addr(q->used));
		vm_write(vm, VIRTIO_MMIO_QUEUE_READY,
			 VIRTIO_MMIO_QUEUE_READY_ON);
	} else {
		uint64_t pfn = dma_addr(ring) / VIRTIO_MMIO_PAGE_SIZE;

		if (pfn > UINT32_MAX)
			return -EINVAL;
		vm_write(vm, VIRTIO_MMIO_QUEUE_ALIGN, VIRTIO_DMA_ALIGN);
		vm_write(vm, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)pfn);
	}
	return 0;
}

static bool cfg_in_window(const struct virtio_mmio *vm, uint32_t off,
			  uint32_t width)
{
	return (uint64_t)VIRTIO_MMIO_CONFIG + off + width <= vm->size &&
	       off % width == 0;
}

uint8_t virtio_cfg_read8(const struct virtio_mmio *vm, uint32_t off)
{
	if (!cfg_in_window(vm, off, 1))
		return 0;
	return mmio_read8(vm->base + VIRTIO_MMIO_CONFIG + off);
}

uint16_t virtio_cfg_read16(const struct virtio_mmio *vm, uint32_t off)
{
	if (!cfg_in_window(vm, off, 2))
		return 0;
	return mmio_read16(vm->base + VIRTIO_MMIO_CONFIG + off);
}

uint32_t virtio_cfg_read32(const struct virtio_mmio *vm, uint32_t off)
{
	if (!cfg_in_window(vm, off, 4))
		return 0;
	return mmio_read32(vm->base + VIRTIO_MMIO_CONFIG + off);
}

uint64_t virtio_cfg_read64(const struct virtio_mmio *vm, uint32_t off)
{
	return virtio_cfg_read32(vm, off) |
	       (uint64_t)virtio_cfg_read32(vm, off + 4) << 32;
}

uint32_t virtio_cfg_generation(const struct virtio_mmio *vm)
{
	/* Legacy devices have no such register (QEMU logs a guest error). */
	return vm_modern(vm) ? vm_read(vm, VIRTIO_MMIO_CONFIG_GENERATION) : 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs,
	      unsigned int n_out, unsigned int n_in)
{
	unsigned int n = n_out + n_in;
	uint16_t head, idx;

	if (!n || !bufs)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!bufs[i].len || !bufs[i].addr)
			return -EINVAL;
	if (n > q->num_free)
		return -ENOSPC;

	head = idx = q->free_head;
	for (unsigned int i = 0; i < n; i++) {
		volatile struct virtq_desc *d = &q->desc[idx];
		bool more = i + 1 < n;

		d->addr = dma_addr(bufs[i].addr);
		d->len = bufs[i].len;
		d->flags = (uint16_t)((i >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
				      (more ? VIRTQ_DESC_F_NEXT : 0));
		d->next = more ? q->next[idx] : 0;
		idx = q->next[idx];
	}
	q->free_head = idx;
	q->num_free = (uint16_t)(q->num_free - n);
	q->chain_len[head] = (uint8_t)n;
	q->avail->ring[q->avail_idx % q->num] = head;

	/*
	 * §2.7.13.3: descriptors and ring entry must be visible before the
	 * new idx is (dma_to_device ends with a dsb).
	 */
	dma_to_device(q->desc, (size_t)VIRTQ_USED_OFFSET(q->num));
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
	dma_to_device(&q->avail->idx, sizeof(q->avail->idx));
	return head;
}

void virtq_notify(struct virtq *q)
{
	/* §2.7.13.4: a full barrier between idx and reading flags. */
	dma_mb();
	dma_from_device(&q->used->flags, sizeof(q->used->flags));
	if (q->used->flags & VIRTQ_USED_F_NO_NOTIFY)
		return;
	/* mmio_write32's dsb orders the ring writes before the notify. */
	mmio_write32(q->vm->base + VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

int virtq_pop_used(struct virtq *q, uint32_t *len)
{
	volatile struct virtq_used_elem *e;
	uint16_t idx, id, tail;
	uint32_t raw_id, l;

	dma_from_device(&q->used->idx, sizeof(q->used->idx));
	idx = q->used->idx;
	if (idx == q->last_used)
		return -EAGAIN;
	if ((uint16_t)(idx - q->last_used) > virtq_in_flight(q))
		return -EIO;	/* more used than we ever made available */
	/* The element is read after the idx that published it. */
	dma_mb();
	e = &q->used->ring[q->last_used % q->num];
	dma_from_device(e, sizeof(*e));
	raw_id = e->id;
	l = e->len;
	if (raw_id >= q->num || !q->chain_len[raw_id])
		return -EIO;
	id = (uint16_t)raw_id;
	q->last_used++;

	tail = id;
	for (unsigned int i = 1; i < q->chain_len[id]; i++)
		tail = q->next[tail];
	q->next[tail] = q->free_head;
	q->free_head = id;
	q->num_free = (uint16_t)(q->num_free + q->chain_len[id]);
	q->chain_len[id] = 0;
	if (len)
		*len = l;
	return id;
}

int virtq_wait(struct virtq *q, uint32_t timeout_us, uint32_t *len)
{
	uint64_t deadline = timer_now_us() + timeout_us;
	int ret;

	for (;;) {
		ret = virtq_pop_used(q, len);
		if (ret != -EAGAIN)
			return ret;
		if (virtio_mmio_needs_reset(q->vm))
			return -EIO;
		if (timer_now_us() > deadline)
			break;
	}
	ret = virtq_pop_used(q, len);
	return ret == -EAGAIN ? -ETIMEDOUT : ret;
}

int virtio_mmio_from_dt(const struct dev_env *env, int node,
			struct virtio_mmio *vm)
{
	uint64_t base, size, start, end;
	int ret;

	if (!env || !env->fdt || !vm)
		return -EINVAL;
	ret = dt_reg(env->fdt, node, 0, &base, &size);
	if (ret)
		return ret;
	if (size < VIRTIO_MMIO_MIN_SIZE || base > UINTPTR_MAX - size)
		return -EINVAL;
	start = ALIGN_DOWN(base, (uint64_t)VIRTIO_MMIO_MAP_PAGE);
	end = ALIGN_UP(base + size, (uint64_t)VIRTIO_MMIO_MAP_PAGE);
	ret = dev_map(env, start, end - start);
	if (ret)
		return ret;
	return virtio_mmio_probe(vm, (uintptr_t)base, size);
}

static const char *virtio_id_name(uint32_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return "net";
	case VIRTIO_ID_BLOCK:
		return "block";
	default:
		return "other";
	}
}

int virtio_mmio_reset_all(const struct dev_env *env)
{
	const void *fdt = env ? env->fdt : NULL;
	int node, n = 0;

	if (!fdt)
		return 0;
	for (node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio");
	     node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) {
		struct virtio_mmio vm;
		int ret;

		if (!dt_node_is_available(fdt, node))
			continue;
		ret = virtio_mmio_from_dt(env, node, &vm);
		if (ret == -ENODEV)
			continue;	/* empty slot or not virtio */
		if (ret) {
			log_printf("virtio-mmio: %s: unusable (%d)\n",
				   fdt_get_name(fdt, node, NULL), ret);
			continue;
		}
		if (virtio_mmio_reset(&vm))
			continue;
		log_printf("virtio-mmio@0x%lx: %s device (id %u) reset\n",
			   (unsigned long)vm.base, virtio_id_name(vm.device_id),
			   vm.device_id);
		n++;
	}
	return n;
}
