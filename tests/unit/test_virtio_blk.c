// SPDX-License-Identifier: MIT
/*
 * drivers/virtio/virtio_blk.c and the transport under it, against the
 * virtio-mmio model (tests/unit/virtio_model.c) with a RAM disk behind it:
 * legacy and modern devices, request framing and splitting, read-only
 * devices, bad status bytes, a device that never answers, one that needs a
 * reset, bad used entries, and virtio_mmio_reset_all() over a QEMU-like
 * set of slots.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/blk.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_mmio.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fdt_build.h"
#include "tests/unit/virtio_model.h"

#define BASE 0x0a003e00u	/* QEMU virt's last virtio-mmio slot */
#define SECTOR 512
#define DISK_SECTORS 96
#define TIMEOUT_US 5000000u	/* VIRTIO_BLK_TIMEOUT_US */

/* Feature bits, virtio v1.2 §6 and §5.2.3. */
#define F_SIZE_MAX 1
#define F_SEG_MAX 2
#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_CONFIG_WCE 11
#define F_NOTIFY_ON_EMPTY 24
#define F_ANY_LAYOUT 27
#define F_INDIRECT 28
#define F_EVENT_IDX 29
#define F_VERSION_1 32
#define F(bit) (1ull << (bit))

/* What QEMU 7.2 offers for -device virtio-blk-device (plus legacy bits). */
#define QEMU_LEGACY (F(F_SEG_MAX) | F(F_BLK_SIZE) | F(F_FLUSH) |              \
		     F(F_CONFIG_WCE) | F(F_NOTIFY_ON_EMPTY) | F(F_ANY_LAYOUT) | \
		     F(F_INDIRECT) | F(F_EVENT_IDX))
#define QEMU_MODERN (F(F_SEG_MAX) | F(F_BLK_SIZE) | F(F_FLUSH) |              \
		     F(F_CONFIG_WCE) | F(F_INDIRECT) | F(F_EVENT_IDX) |         \
		     F(F_VERSION_1))

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

struct req_log {
	uint32_t type;
	uint64_t sector;
	unsigned int nseg;
	uint32_t bytes, max_seg;
};

struct mblk {
	struct vmodel vm;
	uint8_t disk[DISK_SECTORS * SECTOR];
	uint64_t sectors;
	int status_override;	/* < 0: the real status */
	bool skip_status;	/* never write the status byte */
	bool bad_used_id;	/* give back a head that was never ours */
	unsigned int out_refused;	/* writes to a read-only disk */
	struct req_log log[128];
	unsigned int nlog;
};

static struct mblk mb;

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void mblk_request(struct mblk *b, struct vmodel_chain *c)
{
	struct vmodel *vm = &b->vm;
	struct vmodel_seg *hdr = &c->seg[0], *st = &c->seg[c->n - 1];
	struct req_log r = { 0 };
	uint8_t status = S_OK;
	uint32_t written = 0;
	uint64_t pos;

	if (c->n < 2 || hdr->write || hdr->len != 16 || !st->write ||
	    st->len != 1) {
		vmodel_violation(vm, "request framing (%u segments)", c->n);
		vmodel_push(vm, 0, c->head, 0);
		return;
	}
	r.type = (uint32_t)get_le(hdr->p, 4);
	r.sector = get_le(hdr->p + 8, 8);
	r.nseg = c->n - 2;
	if (get_le(hdr->p + 4, 4))
		vmodel_violation(vm, "reserved field set");
	for (unsigned int i = 1; i + 1 < c->n; i++) {
		struct vmodel_seg *s = &c->seg[i];

		if (s->write != (r.type == T_IN))
			vmodel_violation(vm, "data segment direction");
		if (vmodel_has(vm, F_SIZE_MAX) &&
		    s->len > get_le(vm->config + 8, 4))
			vmodel_violation(vm, "segment of %u over size_max",
					 s->len);
		r.bytes += s->len;
		if (s->len > r.max_seg)
			r.max_seg = s->len;
	}
	if (vmodel_has(vm, F_SEG_MAX) && r.nseg > get_le(vm->config + 12, 4))
		vmodel_violation(vm, "%u segments over seg_max", r.nseg);
	if (r.bytes % SECTOR)
		vmodel_violation(vm, "data of %u bytes", r.bytes);

	pos = r.sector * SECTOR;
	switch (r.type) {
	case T_IN:
	case T_OUT:
		if (!r.bytes)
			vmodel_violation(vm, "read or write without data");
		if (r.sector > b->sectors ||
		    r.bytes / SECTOR > b->sectors - r.sector) {
			status = S_IOERR;
			break;
		}
		if (r.type == T_OUT && (vm->host_features & F(F_RO))) {
			/* §5.2.6.2: IOERR, and no data written. */
			b->out_refused++;
			status = S_IOERR;
			break;
		}
		for (unsigned int i = 1; i + 1 < c->n; i++) {
			struct vmodel_seg *s = &c->seg[i];

			if (r.type == T_IN) {
				memcpy(s->p, b->disk + pos, s->len);
				written += s->len;
			} else {
				memcpy(b->disk + pos, s->p, s->len);
			}
			pos += s->len;
		}
		break;
	case T_FLUSH:
		if (r.nseg || r.sector)
			vmodel_violation(vm, "flush with data or sector");
		if (!vmodel_has(vm, F_FLUSH)) {
			vmodel_violation(vm, "flush not negotiated");
			status = S_UNSUPP;
		}
		break;
	default:
		vmodel_violation(vm, "request type %u", r.type);
		status = S_UNSUPP;
	}
	if (b->nlog < sizeof(b->log) / sizeof(b->log[0]))
		b->log[b->nlog++] = r;
	if (b->status_override >= 0)
		status = (uint8_t)b->status_override;
	if (!b->skip_status)
		*st->p = status;
	vmodel_push(vm, 0, b->bad_used_id ? 77 : c->head, written + 1);
}

static void mblk_notify(struct vmodel *vm, unsigned int q)
{
	struct mblk *b = vm->dev;
	struct vmodel_chain c;

	if (q != 0) {
		vmodel_violation(vm, "notify of queue %u", q);
		return;
	}
	while (vmodel_pop(vm, 0, &c))
		mblk_request(b, &c);
}

/* --- environment ----------------------------------------------------------- */

struct maps {
	unsigned int n;
	uint64_t base[16], size[16];
};

static int rec_map(void *ctx, uint64_t base, uint64_t size)
{
	struct maps *m = ctx;

	CHECK(base % 4096 == 0 && size % 4096 == 0 && size);
	if (m->n < 16) {
		m->base[m->n] = base;
		m->size[m->n] = size;
	}
	m->n++;
	return 0;
}

static char dtb[8192];
static struct maps maps;
static struct dev_env env = { .map_device = rec_map, .ctx = &maps };

/* A tree with one virtio-mmio node per entry of @bases (0 ends it);
 * @status, when not NULL, gives each node's "status" (NULL: none). */
static const void *build_dt(const uintptr_t *bases, const char *const *status)
{
	struct fdtb b;

	fdtb_start(&b, dtb, sizeof(dtb));
	for (unsigned int i = 0; bases[i]; i++) {
		char name[40];

		snprintf(name, sizeof(name), "virtio_mmio@%lx",
			 (unsigned long)bases[i]);
		fdtb_node(&b, name);
		fdtb_str(&b, "compatible", "virtio,mmio");
		fdtb_reg64(&b, bases[i], VMODEL_WINDOW);
		if (status && status[i])
			fdtb_str(&b, "status", status[i]);
		fdtb_end(&b);
	}
	env.fdt = fdtb_finish(&b);
	memset(&maps, 0, sizeof(maps));
	return env.fdt;
}

static int blk_node(void)
{
	char path[40];

	snprintf(path, sizeof(path), "/virtio_mmio@%lx", (unsigned long)BASE);
	return fdtb_node_offset(env.fdt, path);
}

static void setup(unsigned int version, uint64_t features)
{
	static const uintptr_t bases[] = { BASE, 0 };

	fake_mmio_reset();
	memset(&mb, 0, sizeof(mb));
	vmodel_init(&mb.vm, BASE, version, 2, features);
	mb.vm.dev = &mb;
	mb.vm.on_notify = mblk_notify;
	mb.sectors = DISK_SECTORS;
	mb.status_override = -1;
	put_le(mb.vm.config, DISK_SECTORS, 8);		/* capacity */
	put_le(mb.vm.config + 12, 126, 4);		/* seg_max */
	for (unsigned int i = 0; i < sizeof(mb.disk); i++)
		mb.disk[i] = (uint8_t)(i * 7 + 3);
	vmodel_attach(&mb.vm);
	build_dt(bases, NULL);
}

static int probe(struct blk_dev **d)
{
	*d = NULL;
	return virtio_blk_driver.probe(&env, blk_node(), NULL, d);
}

static uint8_t buf[64 * SECTOR] __attribute__((aligned(64)));

/* --- tests ------------------------------------------------------------------ */

static void test_registry(void)
{
	bool found = false;

	for (unsigned int i = 0; blk_drivers[i]; i++)
		found |= blk_drivers[i] == &virtio_blk_driver;
	CHECK(found);
	CHECK_STR(virtio_blk_driver.name, "virtio-blk");
	CHECK_STR(virtio_blk_driver.matches[0].compatible, "virtio,mmio");
	CHECK(virtio_blk_driver.matches[1].compatible == NULL);
}

static void check_rw(struct blk_dev *d)
{
	uint8_t want[8 * SECTOR];

	/* Read sectors 3..10 and compare with the disk. */
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(blk_read(d, 3, 8, buf), 0);
	CHECK(!memcmp(buf, mb.disk + 3 * SECTOR, 8 * SECTOR));
	/* Write five sectors at the very end, read them back. */
	for (unsigned int i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i ^ 0x5a);
	CHECK_EQ(blk_write(d, DISK_SECTORS - 5, 5, want), 0);
	CHECK(!memcmp(mb.disk + (DISK_SECTORS - 5) * SECTOR, want, 5 * SECTOR));
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(blk_read(d, DISK_SECTORS - 5, 5, buf), 0);
	CHECK(!memcmp(buf, want, 5 * SECTOR));
	CHECK_EQ(blk_flush(d), 0);
}

static void test_modern(void)
{
	struct blk_dev *d;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK_STR(d->driver, "virtio-blk");
	CHECK_STR(d->name, "/virtio_mmio@a003e00");
	CHECK_EQ(d->block_size, 512);
	CHECK_EQ(d->blocks, DISK_SECTORS);
	CHECK_EQ(mb.vm.status, 0x0f);	/* ACK DRIVER FEATURES_OK DRIVER_OK */
	CHECK(vmodel_has(&mb.vm, F_VERSION_1));
	CHECK(vmodel_has(&mb.vm, F_FLUSH));
	CHECK(vmodel_has(&mb.vm, F_SEG_MAX));
	CHECK(!vmodel_has(&mb.vm, F_EVENT_IDX));
	CHECK(!vmodel_has(&mb.vm, F_INDIRECT));
	CHECK(!vmodel_has(&mb.vm, F_CONFIG_WCE));
	CHECK_EQ(mb.vm.q[0].num, 8);
	CHECK_EQ(mb.vm.guest_page_size_writes, 0);
	CHECK_EQ(mb.vm.resets, 1);
	CHECK_EQ(maps.n, 1);
	CHECK_EQ(maps.base[0], BASE & ~0xfffu);
	CHECK_EQ(maps.size[0], 4096);

	check_rw(d);
	CHECK_EQ(mb.nlog, 4);
	CHECK_EQ(mb.log[0].type, T_IN);
	CHECK_EQ(mb.log[0].sector, 3);
	CHECK_EQ(mb.log[0].nseg, 1);
	CHECK_EQ(mb.log[0].bytes, 8 * SECTOR);
	CHECK_EQ(mb.log[1].type, T_OUT);
	CHECK_EQ(mb.log[3].type, T_FLUSH);
	/* Every descriptor came back: the ring keeps working. */
	for (unsigned int i = 0; i < 20; i++)
		CHECK_EQ(blk_read(d, i, 1, buf), 0);
	CHECK(!memcmp(buf, mb.disk + 19 * SECTOR, SECTOR));
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_legacy(void)
{
	struct blk_dev *d;

	setup(1, QEMU_LEGACY);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(mb.vm.status, 0x07);	/* no FEATURES_OK in legacy */
	CHECK_EQ(mb.vm.guest_page_size, 4096);
	CHECK_EQ(mb.vm.queue_align[0], VIRTIO_DMA_ALIGN);
	CHECK(mb.vm.q[0].pfn != 0);
	CHECK(!vmodel_has(&mb.vm, F_VERSION_1));
	CHECK(!vmodel_has(&mb.vm, F_EVENT_IDX));
	CHECK(vmodel_has(&mb.vm, F_FLUSH));
	check_rw(d);
	CHECK_EQ(mb.vm.violations, 0);
}

/* SIZE_MAX 1000 and SEG_MAX 3: 16 sectors go as 5 + 5 + 5 + 1. */
static void test_split(void)
{
	struct blk_dev *d;

	setup(2, QEMU_MODERN | F(F_SIZE_MAX));
	put_le(mb.vm.config + 8, 1000, 4);
	put_le(mb.vm.config + 12, 3, 4);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(blk_read(d, 10, 16, buf), 0);
	CHECK(!memcmp(buf, mb.disk + 10 * SECTOR, 16 * SECTOR));
	CHECK_EQ(mb.nlog, 4);
	for (unsigned int i = 0; i < 3; i++) {
		CHECK_EQ(mb.log[i].sector, 10 + 5 * i);
		CHECK_EQ(mb.log[i].bytes, 5 * SECTOR);
		CHECK_EQ(mb.log[i].nseg, 3);
		CHECK_EQ(mb.log[i].max_seg, 1000);
	}
	CHECK_EQ(mb.log[3].sector, 25);
	CHECK_EQ(mb.log[3].bytes, SECTOR);
	CHECK_EQ(mb.log[3].nseg, 1);
	CHECK_EQ(blk_write(d, 40, 11, buf), 0);
	CHECK(!memcmp(mb.disk + 40 * SECTOR, buf, 11 * SECTOR));
	CHECK_EQ(mb.vm.violations, 0);

	/* No SEG_MAX, a queue of 4: two data descriptors per request. */
	setup(1, F(F_SIZE_MAX));
	put_le(mb.vm.config + 8, 4096, 4);
	mb.vm.q[0].num_max = 4;
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(mb.vm.q[0].num, 4);
	CHECK_EQ(blk_read(d, 0, 40, buf), 0);
	CHECK(!memcmp(buf, mb.disk, 40 * SECTOR));
	CHECK_EQ(mb.nlog, 3);
	CHECK_EQ(mb.log[0].bytes, 8192);
	CHECK_EQ(mb.log[0].nseg, 2);
	CHECK_EQ(mb.log[2].bytes, 8 * SECTOR);
	CHECK_EQ(mb.vm.violations, 0);

	/* A large transfer: our own cap of 256 KiB a request holds. */
	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(blk_read(d, 0, 64, buf), 0);
	CHECK_EQ(mb.nlog, 1);
	CHECK_EQ(mb.log[0].nseg, 1);
	CHECK_EQ(mb.log[0].bytes, 64 * SECTOR);
}

static void test_limits_unusable(void)
{
	struct blk_dev *d;

	/* Segments of 100 bytes, one a request: not one sector fits. */
	setup(2, QEMU_MODERN | F(F_SIZE_MAX));
	put_le(mb.vm.config + 8, 100, 4);
	put_le(mb.vm.config + 12, 1, 4);
	CHECK_EQ(probe(&d), -ENOTSUP);
	CHECK(mb.vm.status & 0x80);		/* FAILED */
	/* A queue of two: header, data and status do not fit. */
	setup(2, QEMU_MODERN);
	mb.vm.q[0].num_max = 2;
	CHECK_EQ(probe(&d), -ENOTSUP);
	/* No queue at all. */
	setup(2, QEMU_MODERN);
	mb.vm.q[0].num_max = 0;
	CHECK_EQ(probe(&d), -EIO);
	/* An empty disk. */
	setup(2, QEMU_MODERN);
	put_le(mb.vm.config, 0, 8);
	CHECK_EQ(probe(&d), -EIO);
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_read_only(void)
{
	struct blk_dev *d;
	uint8_t before[SECTOR];

	setup(2, QEMU_MODERN | F(F_RO));
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK(vmodel_has(&mb.vm, F_RO));
	memcpy(before, mb.disk, SECTOR);
	memset(buf, 0, SECTOR);
	CHECK_EQ(blk_write(d, 0, 1, buf), -EROFS);
	CHECK_EQ(mb.nlog, 0);
	CHECK_EQ(mb.vm.notifies[0], 0);
	CHECK(!memcmp(mb.disk, before, SECTOR));
	CHECK_EQ(blk_read(d, 0, 2, buf), 0);
	CHECK(!memcmp(buf, mb.disk, 2 * SECTOR));
	CHECK_EQ(mb.out_refused, 0);
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_bad_status(void)
{
	static const int bad[] = { S_IOERR, S_UNSUPP, 0x5a, 0xff };
	struct blk_dev *d;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb.status_override = bad[i];
		CHECK_EQ(blk_read(d, 1, 1, buf), -EIO);
		CHECK_EQ(blk_write(d, 1, 1, buf), -EIO);
	}
	mb.status_override = -1;
	mb.skip_status = true;
	CHECK_EQ(blk_read(d, 1, 1, buf), -EIO);
	CHECK_EQ(blk_flush(d), -EIO);
	/* Request errors do not break the device. */
	mb.skip_status = false;
	CHECK_EQ(blk_read(d, 2, 1, buf), 0);
	CHECK(!memcmp(buf, mb.disk + 2 * SECTOR, SECTOR));
	/* An error in the middle of a split transfer stops it there. */
	setup(2, QEMU_MODERN | F(F_SIZE_MAX));
	put_le(mb.vm.config + 8, SECTOR, 4);
	put_le(mb.vm.config + 12, 1, 4);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	mb.status_override = S_IOERR;
	CHECK_EQ(blk_read(d, 0, 4, buf), -EIO);
	CHECK_EQ(mb.nlog, 1);
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_range(void)
{
	struct blk_dev *d;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(blk_read(d, DISK_SECTORS, 1, buf), -EINVAL);
	CHECK_EQ(blk_read(d, DISK_SECTORS - 1, 2, buf), -EINVAL);
	CHECK_EQ(blk_read(d, UINT64_MAX, 2, buf), -EINVAL);
	CHECK_EQ(blk_write(d, 0, 1, NULL), -EINVAL);
	CHECK_EQ(blk_read(d, 0, 0, buf), 0);
	CHECK_EQ(blk_read(d, DISK_SECTORS - 1, 1, buf), 0);
	CHECK_EQ(mb.nlog, 1);
}

static void test_timeout(void)
{
	struct blk_dev *d;
	uint64_t t0;
	unsigned int resets;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	mb.vm.mute = true;
	resets = mb.vm.resets;
	t0 = fake_clock_us;
	CHECK_EQ(blk_read(d, 0, 1, buf), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= TIMEOUT_US);
	CHECK(fake_clock_us - t0 < TIMEOUT_US + 100000);
	/* Given up: reset (no more DMA into our buffers), FAILED. */
	CHECK_EQ(mb.vm.resets, resets + 1);
	CHECK_EQ(mb.vm.status, 0x80);
	mb.vm.mute = false;
	CHECK_EQ(blk_read(d, 0, 1, buf), -EIO);
	CHECK_EQ(blk_flush(d), -EIO);
	CHECK_EQ(mb.vm.notifies[0], 1);
	/* A new probe brings it back. */
	CHECK_EQ(probe(&d), 0);
	CHECK_EQ(blk_read(d, 0, 1, buf), 0);
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_needs_reset(void)
{
	struct blk_dev *d;
	uint64_t t0;

	setup(1, QEMU_LEGACY);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	mb.vm.needs_reset_on_notify = true;
	t0 = fake_clock_us;
	CHECK_EQ(blk_write(d, 0, 1, buf), -EIO);
	CHECK(fake_clock_us - t0 < 1000);	/* seen at once */
	CHECK_EQ(mb.vm.status, 0x80);
	CHECK_EQ(blk_read(d, 0, 1, buf), -EIO);
	CHECK_EQ(mb.vm.violations, 0);
}

static void test_bad_used(void)
{
	struct blk_dev *d;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	mb.bad_used_id = true;
	CHECK_EQ(blk_read(d, 0, 1, buf), -EIO);
	CHECK_EQ(mb.vm.status, 0x80);
	CHECK_EQ(blk_read(d, 0, 1, buf), -EIO);
}

static void test_flush_absent(void)
{
	struct blk_dev *d;

	setup(2, F(F_VERSION_1));
	CHECK_EQ(probe(&d), 0);
	if (!d)
		return;
	CHECK_EQ(blk_flush(d), 0);
	CHECK_EQ(mb.nlog, 0);
	CHECK_EQ(mb.vm.notifies[0], 0);
}

static void test_not_ours(void)
{
	struct blk_dev *d;

	/* A network device: -ENODEV, and not a single write. */
	setup(2, QEMU_MODERN);
	mb.vm.device_id = 1;
	CHECK_EQ(probe(&d), -ENODEV);
	CHECK(d == NULL);
	CHECK_EQ(mb.vm.writes, 0);
	/* An empty QEMU slot. */
	setup(1, 0);
	mb.vm.device_id = 0;
	CHECK_EQ(probe(&d), -ENODEV);
	CHECK_EQ(mb.vm.writes, 0);
	CHECK_EQ(mb.vm.accesses, 3);	/* magic, version, device ID */
	/* Not virtio at all. */
	setup(2, QEMU_MODERN);
	mb.vm.magic = 0x12345678;
	CHECK_EQ(probe(&d), -ENODEV);
	CHECK_EQ(mb.vm.accesses, 1);
	/* A version from the future. */
	setup(2, QEMU_MODERN);
	mb.vm.version = 3;
	CHECK_EQ(probe(&d), -ENOTSUP);
	CHECK_EQ(mb.vm.writes, 0);
}

static void test_negotiation(void)
{
	struct blk_dev *d;
	uint64_t t0;

	/* Modern transport, device without VERSION_1. */
	setup(2, F(F_FLUSH));
	CHECK_EQ(probe(&d), -ENOTSUP);
	CHECK(mb.vm.status & 0x80);
	CHECK_EQ(mb.vm.q[0].ready, 0);
	/* FEATURES_OK refused. */
	setup(2, QEMU_MODERN);
	mb.vm.reject_features_ok = true;
	CHECK_EQ(probe(&d), -ENOTSUP);
	CHECK(mb.vm.status & 0x80);
	CHECK_EQ(mb.vm.q[0].ready, 0);
	/* A reset that never completes. */
	setup(2, QEMU_MODERN);
	mb.vm.reset_stuck = true;
	mb.vm.status = 0x0f;
	t0 = fake_clock_us;
	CHECK_EQ(probe(&d), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 3 * 1000000 + 100000);
	CHECK_EQ(mb.vm.q[0].ready, 0);
}

/* Probing again resets the device probed before, whatever it was doing. */
static void test_reprobe(void)
{
	struct blk_dev *d;

	setup(2, QEMU_MODERN);
	CHECK_EQ(probe(&d), 0);
	CHECK_EQ(blk_read(d, 0, 1, buf), 0);
	CHECK_EQ(probe(&d), 0);
	CHECK_EQ(mb.vm.resets, 3);	/* first probe, drop, second probe */
	CHECK_EQ(blk_read(d, 5, 1, buf), 0);
	CHECK(!memcmp(buf, mb.disk + 5 * SECTOR, SECTOR));
	CHECK_EQ(mb.vm.violations, 0);
}

/* QEMU virt: slots of which most are empty, one disabled, one not virtio. */
static void test_reset_all(void)
{
	static const uintptr_t bases[] = {
		0x0a000000, 0x0a000200, 0x0a000400, 0x0a000600, 0x0a000800, 0,
	};
	static const char *const status[] = {
		NULL, "okay", NULL, "disabled", NULL,
	};
	static struct vmodel slot[5];
	static const uint32_t ids[5] = { 0, 2, 1, 2, 2 };

	fake_mmio_reset();
	for (unsigned int i = 0; i < 5; i++) {
		vmodel_init(&slot[i], bases[i], i == 2 ? 2 : 1, ids[i], 0);
		/* As the dead kernel left them: running. */
		slot[i].status = ids[i] ? 0x0f : 0;
		slot[i].q[0].ready = 1;
		vmodel_attach(&slot[i]);
	}
	slot[4].magic = 0;	/* not a virtio device */
	build_dt(bases, status);
	CHECK_EQ(virtio_mmio_reset_all(&env), 2);
	CHECK_EQ(slot[0].writes, 0);		/* empty slot: read only */
	CHECK_EQ(slot[1].resets, 1);
	CHECK_EQ(slot[1].status, 0);
	CHECK_EQ(slot[2].resets, 1);
	CHECK_EQ(slot[2].status, 0);
	CHECK_EQ(slot[2].q[0].ready, 0);
	CHECK_EQ(slot[3].accesses, 0);		/* disabled: untouched */
	CHECK_EQ(slot[3].status, 0x0f);
	CHECK_EQ(slot[4].writes, 0);
	CHECK_EQ(slot[4].status, 0x0f);
	CHECK_EQ(maps.n, 4);			/* all but the disabled one */
	for (unsigned int i = 0; i < 5; i++)
		CHECK_EQ(slot[i].violations, 0);

	/* No DT, no devices. */
	CHECK_EQ(virtio_mmio_reset_all(NULL), 0);
}

int main(void)
{
	test_registry();
	test_modern();
	test_legacy();
	test_split();
	test_limits_unusable();
	test_read_only();
	test_bad_status();
	test_range();
	test_timeout();
	test_needs_reset();
	test_bad_used();
	test_flush_absent();
	test_not_ours();
	test_negotiation();
	test_reprobe();
	test_reset_all();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_virtio_blk");
}
