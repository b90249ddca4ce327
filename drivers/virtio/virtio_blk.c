// SPDX-License-Identifier: MIT
/*
 * virtio-blk on the virtio-mmio transport, polled, one request at a time.
 * Virtio v1.2 §5.2: feature bits §5.2.3, configuration layout §5.2.4,
 * requests §5.2.6 (header, data, status, each kind of buffer in its own
 * descriptors as the legacy framing rule of §5.2.6.3 demands anyway).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/blk.h"
#include "drivers/dma.h"
#include "drivers/virtio/virtio_mmio.h"
#include "include/compiler.h"
#include "payload/log.h"

/* Feature bits, §5.2.3. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9	/* VIRTIO_BLK_F_WCE in the legacy interface */

/* struct virtio_blk_config, §5.2.4. */
#define VIRTIO_BLK_CFG_CAPACITY 0	/* le64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8	/* le32, bytes per segment */
#define VIRTIO_BLK_CFG_SEG_MAX 12	/* le32, segments per request */

/* Request types and status values, §5.2.6. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
/* Written by us before each request: still there means never answered. */
#define VIRTIO_BLK_S_UNSET 0xff

#define VIRTIO_BLK_SECTOR 512u	/* the protocol's unit, whatever blk_size */
#define VIRTIO_BLK_QUEUE 0	/* requestq, §5.2.2 */
/* Header, at least one data descriptor, status. */
#define VIRTIO_BLK_MIN_DESCS 3

/*
 * Our own cap on one request: each is waited for in one bounded wait, and
 * a block sink writes records of tens of KiB.
 */
#define VIRTIO_BLK_REQ_BYTES_MAX (256u * 1024)
/* One request (even a flush of a host page cache) within this, or the
 * device is taken as dead. */
#define VIRTIO_BLK_TIMEOUT_US 5000000u

/* §5.2.6: the device-readable header of every request. */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;	/* ioprio in the legacy interface */
	uint64_t sector;
};

/*
 * What the device reads and writes besides the caller's data: the queue
 * (on a page boundary, see struct virtq_ring), the header and the status
 * byte, each on its own cache line.
 */
struct virtio_blk_dma {
	struct virtq_ring ring;
	_Alignas(VIRTIO_DMA_ALIGN) struct virtio_blk_req_hdr hdr;
	_Alignas(VIRTIO_DMA_ALIGN) uint8_t status;
};

struct virtio_blk {
	struct blk_dev blk;	/* first: blk_dev * converts back */
	struct virtio_mmio vm;
	struct virtq vq;
	struct virtio_blk_dma *dma;
	uint32_t seg_bytes_max;		/* bytes in one data descriptor */
	uint32_t req_sectors_max;	/* sectors in one request */
	bool ro, flush;
	bool active;	/* probed; the device may be using our memory */
	bool broken;	/* reset after a fatal error: no more requests */
};

static struct virtio_blk_dma vblk_dma
	__attribute__((aligned(VIRTQ_RING_ALIGN)));
static struct virtio_blk vblk;

static void vblk_fail(struct virtio_blk *b, const char *why)
{
	log_printf("virtio-blk: %s: %s; device reset, no more requests\n",
		   b->blk.name, why);
	virtio_mmio_fail(&b->vm);
	b->broken = true;
}

/* One request: header, @bytes of data at @data (none for a flush), status. */
static int vblk_request(struct virtio_blk *b, uint32_t type, uint64_t sector,
			const volatile uint8_t *data, uint32_t bytes)
{
	struct virtio_blk_dma *dma = b->dma;
	struct virtq_buf bufs[VIRTQ_NUM_MAX];
	unsigned int n = 0;
	int head, ret;
	uint8_t status;

	dma->hdr = (struct virtio_blk_req_hdr){ .type = type,
						.sector = sector };
	dma->status = VIRTIO_BLK_S_UNSET;
	bufs[n++] = (struct virtq_buf){ &dma->hdr, sizeof(dma->hdr) };
	for (uint32_t off = 0; off < bytes;) {
		uint32_t chunk = MIN(bytes - off, b->seg_bytes_max);

		bufs[n++] = (struct virtq_buf){ data + off, chunk };
		off += chunk;
	}
	bufs[n++] = (struct virtq_buf){ &dma->status, sizeof(dma->status) };

	/* Clean everything the device touches: for a read too, so that no
	 * dirty line is evicted over what the device writes (drivers/dma.h). */
	dma_to_device(&dma->hdr, sizeof(dma->hdr));
	dma_to_device(&dma->status, sizeof(dma->status));
	if (bytes)
		dma_to_device(data, bytes);

	head = virtq_add(&b->vq, bufs, type == VIRTIO_BLK_T_IN ? 1 : n - 1,
			 type == VIRTIO_BLK_T_IN ? n - 1 : 1);
	if (head < 0) {
		vblk_fail(b, "no free descriptors for a request");
		return -EIO;
	}
	virtq_notify(&b->vq);
	ret = virtq_wait(&b->vq, VIRTIO_BLK_TIMEOUT_US, NULL);
	if (ret == -ETIMEDOUT) {
		vblk_fail(b, "request timed out");
		return -ETIMEDOUT;
	}
	if (ret != head) {
		vblk_fail(b, virtio_mmio_needs_reset(&b->vm)
				     ? "device needs reset"
				     : "device returned a bad used entry");
		return -EIO;
	}

	/* Used length ignored: legacy devices fill it inconsistently
	 * (§5.2.6.3); the status byte says everything. */
	dma_from_device(&dma->status, sizeof(dma->status));
	if (type == VIRTIO_BLK_T_IN)
		dma_from_device((volatile void *)data, bytes);
	status = dma->status;
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_IOERR:
		log_printf("virtio-blk: %s: I/O error, type %u sector %llu\n",
			   b->blk.name, type, (unsigned long long)sector);
		return -EIO;
	case VIRTIO_BLK_S_UNSUPP:
		log_printf("virtio-blk: %s: request type %u unsupported\n",
			   b->blk.name, type);
		return -EIO;
	case VIRTIO_BLK_S_UNSET:
		log_printf("virtio-blk: %s: request completed without status\n",
			   b->blk.name);
		return -EIO;
	default:
		log_printf("virtio-blk: %s: bad status byte 0x%02x\n",
			   b->blk.name, status);
		return -EIO;
	}
}

static int vblk_rw(struct blk_dev *d, uint32_t type, uint64_t lba,
		   uint32_t count, const volatile uint8_t *buf)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	if (!d || (!buf && count))
		return -EINVAL;
	if (lba > b->blk.blocks || count > b->blk.blocks - lba)
		return -EINVAL;
	if (!b->active || b->broken)
		return -EIO;
	if (type == VIRTIO_BLK_T_OUT && b->ro)
		return -EROFS;
	while (count) {
		uint32_t n = MIN(count, b->req_sectors_max);
		int ret = vblk_request(b, type, lba, buf,
				       n * VIRTIO_BLK_SECTOR);

		if (ret)
			return ret;
		lba += n;
		count -= n;
		buf += (size_t)n * VIRTIO_BLK_SECTOR;
	}
	return 0;
}

static int vblk_read(struct blk_dev *d, uint64_t lba, uint32_t count,
		     void *buf)
{
	return vblk_rw(d, VIRTIO_BLK_T_IN, lba, count, buf);
}

/* Return: as blk_ops.write, and -EROFS on a VIRTIO_BLK_F_RO device. */
static int vblk_write(struct blk_dev *d, uint64_t lba, uint32_t count,
		      const void *buf)
{
	return vblk_rw(d, VIRTIO_BLK_T_OUT, lba, count, buf);
}

/*
 * Without VIRTIO_BLK_F_FLUSH the device has no writeback cache to flush
 * (§5.2.5: the driver MAY then deduce a writethrough cache).
 */
static int vblk_flush(struct blk_dev *d)
{
	struct virtio_blk *b = (struct virtio_blk *)d;

	if (!d)
		return -EINVAL;
	if (!b->active || b->broken)
		return -EIO;
	if (!b->flush)
		return 0;
	return vblk_request(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

static const struct blk_ops vblk_ops = {
	.read = vblk_read,
	.write = vblk_write,
	.flush = vblk_flush,
};

/* Capacity and the segment limits, consistent under ConfigGeneration. */
static void vblk_read_config(struct virtio_blk *b, uint64_t *capacity,
			     uint32_t *size_max, uint32_t *seg_max)
{
	for (unsigned int i = 0; i < VIRTIO_CONFIG_RETRIES; i++) {
		uint32_t gen = virtio_cfg_generation(&b->vm);

		*capacity = virtio_cfg_read64(&b->vm, VIRTIO_BLK_CFG_CAPACITY);
		*size_max = virtio_cfg_read32(&b->vm, VIRTIO_BLK_CFG_SIZE_MAX);
		*seg_max = virtio_cfg_read32(&b->vm, VIRTIO_BLK_CFG_SEG_MAX);
		if (virtio_cfg_generation(&b->vm) == gen)
			return;
	}
	log_printf("virtio-blk: %s: configuration kept changing\n",
		   b->blk.name);
}

/*
 * The request size: VIRTIO_BLK_F_SEG_MAX data descriptors of at most
 * VIRTIO_BLK_F_SIZE_MAX bytes, within our queue (two descriptors go to
 * header and status) and our own cap, in whole sectors.
 */
static int vblk_limits(struct virtio_blk *b, uint32_t size_max,
		       uint32_t seg_max)
{
	uint32_t segs = b->vq.num - 2u;
	uint64_t bytes;

	b->seg_bytes_max = VIRTIO_BLK_REQ_BYTES_MAX;
	if (virtio_has_feature(&b->vm, VIRTIO_BLK_F_SEG_MAX)) {
		if (seg_max)
			segs = MIN(segs, seg_max);
		else
			log_printf("virtio-blk: %s: seg_max 0 ignored\n",
				   b->blk.name);
	}
	if (virtio_has_feature(&b->vm, VIRTIO_BLK_F_SIZE_MAX)) {
		if (size_max)
			b->seg_bytes_max = MIN(b->seg_bytes_max, size_max);
		else
			log_printf("virtio-blk: %s: size_max 0 ignored\n",
				   b->blk.name);
	}
	bytes = MIN((uint64_t)segs * b->seg_bytes_max,
		    (uint64_t)VIRTIO_BLK_REQ_BYTES_MAX);
	b->req_sectors_max = (uint32_t)(bytes / VIRTIO_BLK_SECTOR);
	if (!b->req_sectors_max) {
		log_printf("virtio-blk: %s: %u segments of %u bytes cannot "
			   "carry a sector\n", b->blk.name, segs,
			   b->seg_bytes_max);
		return -ENOTSUP;
	}
	return 0;
}

static void vblk_name(struct virtio_blk *b, const void *fdt, int node)
{
	if (fdt_get_path(fdt, node, b->blk.name, sizeof(b->blk.name)))
		snprintf(b->blk.name, sizeof(b->blk.name), "virtio-mmio@0x%lx",
			 (unsigned long)b->vm.base);
}

/**
 * vblk_probe() - take over the virtio-mmio node @node if it holds a block
 * device: reset, negotiate (SIZE_MAX, SEG_MAX, RO, FLUSH), one queue of
 * up to VIRTQ_NUM_MAX descriptors, capacity from the configuration.  A
 * device probed earlier is reset first: one device at a time uses
 * vblk_dma.
 * Return: 0; -ENODEV when the node is not a virtio block device; -ENOTSUP,
 * -ETIMEDOUT, -EBUSY or -EIO when the device cannot be used (then it is
 * left reset and FAILED); -EINVAL for bad arguments or DT data.
 */
static int vblk_probe(const struct dev_env *env, int node,
		      const void *match_data, struct blk_dev **out)
{
	struct virtio_blk *b = &vblk;
	struct virtio_mmio vm;
	uint64_t capacity = 0;
	uint32_t size_max = 0, seg_max = 0;
	int ret;

	(void)match_data;
	if (!out || !env)
		return -EINVAL;
	ret = virtio_mmio_from_dt(env, node, &vm);
	if (ret)
		return ret;
	if (vm.device_id != VIRTIO_ID_BLOCK)
		return -ENODEV;

	if (b->active)
		(void)virtio_mmio_reset(&b->vm);
	memset(b, 0, sizeof(*b));
	b->vm = vm;
	b->dma = &vblk_dma;
	vblk_name(b, env->fdt, node);

	ret = virtio_mmio_start(&b->vm,
				VIRTIO_FEATURE(VIRTIO_BLK_F_SIZE_MAX) |
					VIRTIO_FEATURE(VIRTIO_BLK_F_SEG_MAX) |
					VIRTIO_FEATURE(VIRTIO_BLK_F_RO) |
					VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH),
				0);
	if (ret)
		goto fail;
	ret = virtq_setup(&b->vm, &b->vq, VIRTIO_BLK_QUEUE, VIRTQ_NUM_MAX,
			  &b->dma->ring);
	if (!ret && b->vq.num < VIRTIO_BLK_MIN_DESCS)
		ret = -ENOTSUP;
	if (ret == -ENODEV)
		ret = -EIO;	/* a block device without its queue */
	if (ret) {
		log_printf("virtio-blk: %s: request queue unusable (%d)\n",
			   b->blk.name, ret);
		goto fail;
	}
	vblk_read_config(b, &capacity, &size_max, &seg_max);
	ret = vblk_limits(b, size_max, seg_max);
	if (ret)
		goto fail;
	if (!capacity) {
		log_printf("virtio-blk: %s: no capacity\n", b->blk.name);
		ret = -EIO;
		goto fail;
	}
	b->ro = virtio_has_feature(&b->vm, VIRTIO_BLK_F_RO);
	b->flush = virtio_has_feature(&b->vm, VIRTIO_BLK_F_FLUSH);
	b->blk.ops = &vblk_ops;
	b->blk.driver = virtio_blk_driver.name;
	b->blk.block_size = VIRTIO_BLK_SECTOR;
	b->blk.blocks = capacity;
	virtio_mmio_driver_ok(&b->vm);
	b->active = true;
	log_printf("virtio-blk: %s: %llu sectors (%llu MiB), %s, %s%s, "
		   "%u sectors per request\n", b->blk.name,
		   (unsigned long long)capacity,
		   (unsigned long long)(capacity >> 11),
		   b->vm.version == VIRTIO_MMIO_VERSION_LEGACY ? "legacy"
							       : "modern",
		   b->ro ? "read-only" : "read-write",
		   b->flush ? ", write cache" : "", b->req_sectors_max);
	*out = &b->blk;
	return 0;

fail:
	virtio_mmio_fail(&b->vm);
	return ret;
}

static const struct fdt_match vblk_matches[] = {
	{ .compatible = "virtio,mmio" },
	{ 0 },
};

const struct blk_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.matches = vblk_matches,
	.probe = vblk_probe,
};
