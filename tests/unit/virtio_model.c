// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio device model of tests/unit/virtio_model.h.  Register
 * behaviour follows virtio v1.2 §4.2.2 and §4.2.4 and, where the spec
 * leaves room, QEMU 7.2's hw/virtio/virtio-mmio.c (legacy QueueNumMax,
 * GuestPageSize as a shift, the legacy used ring placed at
 * align(avail + 4 + 2 * num) as virtio.c virtio_queue_update_rings()
 * does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/virtio_model.h"

enum {
	R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008,
	R_VENDOR_ID = 0x00c, R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024,
	R_GUEST_PAGE_SIZE = 0x028, R_QUEUE_SEL = 0x030, R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038, R_QUEUE_ALIGN = 0x03c, R_QUEUE_PFN = 0x040,
	R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050, R_ISR = 0x060,
	R_ISR_ACK = 0x064, R_STATUS = 0x070, R_DESC_LO = 0x080,
	R_DESC_HI = 0x084, R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094,
	R_DEVICE_LO = 0x0a0, R_DEVICE_HI = 0x0a4, R_GENERATION = 0x0fc,
	R_CONFIG = 0x100,
};

#define S_ACK 0x01
#define S_DRIVER 0x02
#define S_DRIVER_OK 0x04
#define S_FEATURES_OK 0x08
#define S_NEEDS_RESET 0x40
#define S_FAILED 0x80
#define F_VERSION_1 32
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define QEMU_DEFAULT_ALIGN 4096	/* VIRTIO_PCI_VRING_ALIGN */
#define MODEL_NUM_MAX 8

void vmodel_violation(struct vmodel *m, const char *fmt, ...)
{
	va_list ap;

	m->violations++;
	fprintf(stderr, "vmodel@0x%lx: ", (unsigned long)m->base);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool vmodel_has(const struct vmodel *m, unsigned int bit)
{
	return (m->driver_features >> bit) & 1;
}

static bool modern(const struct vmodel *m)
{
	return m->version == 2;
}

static void device_reset(struct vmodel *m)
{
	m->resets++;
	if (m->reset_stuck)
		return;
	m->status = 0;
	m->driver_features = 0;
	m->dev_sel = m->drv_sel = 0;
	m->dev_sel_written = m->drv_sel_written = m->features_written = false;
	m->guest_page_size = 0;
	m->queue_sel = 0;
	m->isr = 0;
	for (unsigned int i = 0; i < VMODEL_QUEUES; i++) {
		struct vmodel_queue *q = &m->q[i];
		uint32_t max = q->num_max;

		memset(q, 0, sizeof(*q));
		q->num_max = max;
		q->align = QEMU_DEFAULT_ALIGN;
	}
}

void vmodel_init(struct vmodel *m, uintptr_t base, uint32_t version,
		 uint32_t device_id, uint64_t features)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->magic = 0x74726976;
	m->version = version;
	m->device_id = device_id;
	m->vendor_id = 0x554d4551;	/* "QEMU" */
	m->host_features = features;
	for (unsigned int i = 0; i < VMODEL_QUEUES; i++)
		m->q[i].num_max = MODEL_NUM_MAX;
	device_reset(m);
	m->resets = 0;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* The three parts of queue @qi in host memory; false when not set up. */
static bool queue_addrs(struct vmodel *m, unsigned int qi, uint8_t **desc,
			uint8_t **avail, uint8_t **used)
{
	struct vmodel_queue *q = &m->q[qi];

	if (modern(m)) {
		if (!q->ready)
			return false;
		*desc = (uint8_t *)(uintptr_t)q->desc;
		*avail = (uint8_t *)(uintptr_t)q->driver;
		*used = (uint8_t *)(uintptr_t)q->device;
		return true;
	}
	if (!q->pfn || !q->num)
		return false;
	uint64_t d = (uint64_t)q->pfn * m->guest_page_size;
	uint64_t a = d + 16ull * q->num;

	*desc = (uint8_t *)(uintptr_t)d;
	*avail = (uint8_t *)(uintptr_t)a;
	*used = (uint8_t *)(uintptr_t)align_up(a + 4 + 2ull * q->num, q->align);
	return true;
}

static void check_legacy_layout(struct vmodel *m, struct vmodel_queue *q)
{
	uint64_t a = (uint64_t)q->pfn * m->guest_page_size + 16ull * q->num;

	/* QEMU and the spec (§2.7.2, with used_event) must agree. */
	if (align_up(a + 4 + 2ull * q->num, q->align) !=
	    align_up(a + 6 + 2ull * q->num, q->align))
		vmodel_violation(m, "legacy used ring placement ambiguous "
				    "(num %u, align %u)", q->num, q->align);
}

bool vmodel_pop(struct vmodel *m, unsigned int qi, struct vmodel_chain *c)
{
	struct vmodel_queue *q = &m->q[qi];
	uint8_t *desc, *avail, *used;
	uint16_t idx, head, i;
	bool seen_write = false;

	if (!(m->status & S_DRIVER_OK) || !queue_addrs(m, qi, &desc, &avail,
						       &used))
		return false;
	memcpy(&idx, avail + 2, 2);
	if (idx == q->last_avail)
		return false;
	if ((uint16_t)(idx - q->last_avail) > q->num) {
		vmodel_violation(m, "queue %u: avail idx %u, %u taken", qi, idx,
				 q->last_avail);
		return false;
	}
	memcpy(&head, avail + 4 + 2 * (q->last_avail % q->num), 2);
	q->last_avail++;
	memset(c, 0, sizeof(*c));
	c->head = head;
	i = head;
	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		uint8_t *d;

		if (i >= q->num || c->n >= q->num || c->n >= VMODEL_CHAIN_MAX) {
			vmodel_violation(m, "queue %u: bad chain at %u", qi, i);
			return false;
		}
		d = desc + 16 * i;
		memcpy(&addr, d, 8);
		memcpy(&len, d + 8, 4);
		memcpy(&flags, d + 12, 2);
		memcpy(&next, d + 14, 2);
		if (!addr || !len)
			vmodel_violation(m, "queue %u: empty descriptor", qi);
		if (flags & ~(DESC_F_NEXT | DESC_F_WRITE))
			vmodel_violation(m, "queue %u: flags 0x%x", qi, flags);
		if (seen_write && !(flags & DESC_F_WRITE))
			vmodel_violation(m, "queue %u: readable after writable",
					 qi);
		seen_write |= flags & DESC_F_WRITE;
		c->seg[c->n++] = (struct vmodel_seg){
			(uint8_t *)(uintptr_t)addr, len, flags & DESC_F_WRITE,
		};
		if (!(flags & DESC_F_NEXT))
			break;
		i = next;
	}
	return true;
}

void vmodel_push(struct vmodel *m, unsigned int qi, uint32_t head,
		 uint32_t len)
{
	struct vmodel_queue *q = &m->q[qi];
	uint8_t *desc, *avail, *used;
	uint16_t flags = m->no_notify ? 1 : 0;

	if (!queue_addrs(m, qi, &desc, &avail, &used))
		return;
	memcpy(used + 4 + 8 * (q->used_idx % q->num), &head, 4);
	memcpy(used + 8 + 8 * (q->used_idx % q->num), &len, 4);
	q->used_idx++;
	memcpy(used + 2, &q->used_idx, 2);
	memcpy(used, &flags, 2);
	m->isr |= 1;
}

void vmodel_config_changed(struct vmodel *m)
{
	m->generation++;
	m->isr |= 2;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct vmodel *m = ctx;
	struct vmodel_queue *q = &m->q[m->queue_sel % VMODEL_QUEUES];
	bool sel_ok = m->queue_sel < VMODEL_QUEUES;

	m->accesses++;
	if (off >= R_CONFIG) {
		uint64_t v = 0;

		if ((width != 1 && width != 2 && width != 4) || off % width)
			vmodel_violation(m, "config read of %u at +0x%lx",
					 width, (unsigned long)off);
		for (unsigned int i = 0; i < width; i++)
			if (off - R_CONFIG + i < VMODEL_CONFIG_MAX)
				v |= (uint64_t)m->config[off - R_CONFIG + i]
				     << (8 * i);
		return v;
	}
	if (width != 4 || off % 4) {
		vmodel_violation(m, "%u-byte read at +0x%lx", width,
				 (unsigned long)off);
		return 0;
	}
	switch (off) {
	case R_MAGIC:
		return m->magic;
	case R_VERSION:
		return m->version;
	case R_DEVICE_ID:
		return m->device_id;
	case R_VENDOR_ID:
		return m->vendor_id;
	case R_DEV_FEATURES:
		if (!m->dev_sel_written)
			vmodel_violation(m, "DeviceFeatures before its Sel");
		if (m->dev_sel > 1 || (!modern(m) && m->dev_sel))
			return 0;
		return (uint32_t)(m->host_features >> (32 * m->dev_sel));
	case R_QUEUE_NUM_MAX:
		return sel_ok ? q->num_max : 0;
	case R_QUEUE_PFN:
		if (modern(m))
			vmodel_violation(m, "QueuePFN read on a modern device");
		return sel_ok ? q->pfn : 0;
	case R_QUEUE_READY:
		if (!modern(m))
			vmodel_violation(m, "QueueReady read on legacy");
		return sel_ok ? q->ready : 0;
	case R_ISR:
		return m->isr;
	case R_STATUS:
		return m->status;
	case R_GENERATION:
		if (!modern(m))
			vmodel_violation(m, "ConfigGeneration read on legacy");
		return m->generation;
	default:
		vmodel_violation(m, "read of +0x%lx", (unsigned long)off);
		return 0;
	}
}

static void write_status(struct vmodel *m, uint32_t v)
{
	uint32_t old = m->status & ~(uint32_t)S_NEEDS_RESET;

	if (!v) {
		device_reset(m);
		return;
	}
	if (v & S_FAILED) {
		m->status = v | (m->status & S_NEEDS_RESET);
		return;
	}
	if ((v & old) != old)
		vmodel_violation(m, "status 0x%x clears bits of 0x%x", v, old);
	if ((v & S_DRIVER) && !(v & S_ACK))
		vmodel_violation(m, "DRIVER without ACKNOWLEDGE");
	if ((v & S_FEATURES_OK) && !(old & S_FEATURES_OK)) {
		if (!modern(m))
			vmodel_violation(m, "FEATURES_OK on legacy");
		if (!m->features_written)
			vmodel_violation(m, "FEATURES_OK before features");
		if (!vmodel_has(m, F_VERSION_1))
			vmodel_violation(m, "modern driver without VERSION_1");
		if (m->reject_features_ok)
			v &= ~(uint32_t)S_FEATURES_OK;
	}
	if ((v & S_DRIVER_OK) && !(old & S_DRIVER_OK)) {
		if (!(v & S_DRIVER))
			vmodel_violation(m, "DRIVER_OK without DRIVER");
		if (modern(m) && !(v & S_FEATURES_OK))
			vmodel_violation(m, "DRIVER_OK without FEATURES_OK");
	}
	m->status = v | (m->status & S_NEEDS_RESET);
}

static void write_queue_reg(struct vmodel *m, uintptr_t off, uint32_t v)
{
	struct vmodel_queue *q = &m->q[m->queue_sel % VMODEL_QUEUES];
	bool legacy_reg = off == R_QUEUE_ALIGN || off == R_QUEUE_PFN;

	if (m->queue_sel >= VMODEL_QUEUES) {
		vmodel_violation(m, "queue %u does not exist", m->queue_sel);
		return;
	}
	if (legacy_reg == modern(m) && off != R_QUEUE_NUM) {
		vmodel_violation(m, "queue register +0x%lx on %s device",
				 (unsigned long)off,
				 modern(m) ? "a modern" : "a legacy");
		return;
	}
	if (modern(m) && q->ready && off != R_QUEUE_READY)
		vmodel_violation(m, "queue register +0x%lx while ready",
				 (unsigned long)off);
	switch (off) {
	case R_QUEUE_NUM:
		if (!v || v > q->num_max || (v & (v - 1)))
			vmodel_violation(m, "QueueNum %u (max %u)", v,
					 q->num_max);
		q->num = v;
		break;
	case R_QUEUE_ALIGN:
		if (!v || (v & (v - 1)))
			vmodel_violation(m, "QueueAlign %u", v);
		q->align = v;
		m->queue_align[m->queue_sel] = v;
		break;
	case R_QUEUE_PFN:
		if (!m->guest_page_size)
			vmodel_violation(m, "QueuePFN before GuestPageSize");
		q->pfn = v;
		if (v && q->num)
			check_legacy_layout(m, q);
		break;
	case R_QUEUE_READY:
		if (v && (!q->num || !q->desc || !q->driver || !q->device ||
			  q->desc % 16 || q->driver % 2 || q->device % 4))
			vmodel_violation(m, "QueueReady on a bad queue");
		q->ready = v;
		break;
	case R_DESC_LO:
		q->desc = (q->desc & ~0xffffffffull) | v;
		break;
	case R_DESC_HI:
		q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32;
		break;
	case R_DRIVER_LO:
		q->driver = (q->driver & ~0xffffffffull) | v;
		break;
	case R_DRIVER_HI:
		q->driver = (q->driver & 0xffffffffull) | (uint64_t)v << 32;
		break;
	case R_DEVICE_LO:
		q->device = (q->device & ~0xffffffffull) | v;
		break;
	case R_DEVICE_HI:
		q->device = (q->device & 0xffffffffull) | (uint64_t)v << 32;
		break;
	}
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct vmodel *m = ctx;
	uint32_t v = (uint32_t)v64;

	m->accesses++;
	m->writes++;
	if (off >= R_CONFIG) {
		vmodel_violation(m, "config write at +0x%lx", (unsigned long)off);
		return;
	}
	if (width != 4 || off % 4) {
		vmodel_violation(m, "%u-byte write at +0x%lx", width,
				 (unsigned long)off);
		return;
	}
	switch (off) {
	case R_DEV_FEATURES_SEL:
		m->dev_sel = v;
		m->dev_sel_written = true;
		break;
	case R_DRV_FEATURES_SEL:
		m->drv_sel = v;
		m->drv_sel_written = true;
		break;
	case R_DRV_FEATURES:
		if (!m->drv_sel_written)
			vmodel_violation(m, "DriverFeatures before its Sel");
		if (m->drv_sel > 1 || (!modern(m) && m->drv_sel)) {
			vmodel_violation(m, "DriverFeatures word %u", m->drv_sel);
			break;
		}
		m->driver_features &= ~(0xffffffffull << (32 * m->drv_sel));
		m->driver_features |= (uint64_t)v << (32 * m->drv_sel);
		if (m->driver_features & ~m->host_features)
			vmodel_violation(m, "features 0x%llx not offered",
					 (unsigned long long)(m->driver_features &
							      ~m->host_features));
		m->features_written = true;
		break;
	case R_GUEST_PAGE_SIZE:
		if (modern(m))
			vmodel_violation(m, "GuestPageSize on a modern device");
		if (!v || (v & (v - 1)))
			vmodel_violation(m, "GuestPageSize %u", v);
		m->guest_page_size = v;
		m->guest_page_size_writes++;
		break;
	case R_QUEUE_SEL:
		m->queue_sel = v;
		break;
	case R_QUEUE_NUM:
	case R_QUEUE_ALIGN:
	case R_QUEUE_PFN:
	case R_QUEUE_READY:
	case R_DESC_LO:
	case R_DESC_HI:
	case R_DRIVER_LO:
	case R_DRIVER_HI:
	case R_DEVICE_LO:
	case R_DEVICE_HI:
		write_queue_reg(m, off, v);
		break;
	case R_QUEUE_NOTIFY:
		if (v >= VMODEL_QUEUES) {
			vmodel_violation(m, "notify of queue %u", v);
			break;
		}
		if (!(m->status & S_DRIVER_OK))
			vmodel_violation(m, "notify before DRIVER_OK");
		m->notifies[v]++;
		if (m->needs_reset_on_notify) {
			m->status |= S_NEEDS_RESET;
			m->isr |= 2;
			break;
		}
		if (!m->mute && m->on_notify)
			m->on_notify(m, v);
		break;
	case R_ISR_ACK:
		m->isr &= ~v;
		break;
	case R_STATUS:
		write_status(m, v);
		break;
	default:
		vmodel_violation(m, "write of 0x%x at +0x%lx", v,
				 (unsigned long)off);
		break;
	}
}

void vmodel_attach(struct vmodel *m)
{
	struct fake_device dev = {
		.base = m->base,
		.size = VMODEL_WINDOW,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	fake_mmio_attach(&dev);
}
