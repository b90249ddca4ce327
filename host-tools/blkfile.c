// SPDX-License-Identifier: MIT
/*
 * Block device over a file: pread/pwrite at lba * block size, fdatasync
 * for the flush the commit protocol needs (docs/block.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-tools/blkfile.h"
#include "host-tools/fileio.h"
#include "payload/gpt.h"

static bool blkfile_in_range(const struct blk_dev *d, uint64_t lba,
			     uint32_t count)
{
	return count && lba < d->blocks && count <= d->blocks - lba;
}

static int blkfile_read(struct blk_dev *d, uint64_t lba, uint32_t count,
			void *buf)
{
	struct blkfile *f = (struct blkfile *)d;

	if (!blkfile_in_range(d, lba, count))
		return -EINVAL;
	return pread_all(f->fd, buf, (size_t)count * d->block_size,
			 lba * d->block_size);
}

static int blkfile_write(struct blk_dev *d, uint64_t lba, uint32_t count,
			 const void *buf)
{
	struct blkfile *f = (struct blkfile *)d;

	if (!blkfile_in_range(d, lba, count) || !f->writable)
		return -EINVAL;
	return pwrite_all(f->fd, buf, (size_t)count * d->block_size,
			  lba * d->block_size)
		   ? -EIO
		   : 0;
}

static int blkfile_flush(struct blk_dev *d)
{
	struct blkfile *f = (struct blkfile *)d;

	return f->writable && fdatasync(f->fd) ? -EIO : 0;
}

static const struct blk_ops blkfile_ops = {
    .read = blkfile_read,
    .write = blkfile_write,
    .flush = blkfile_flush,
};

/* A GPT header signature at byte @off of the file. */
static bool gpt_sig_at(int fd, uint64_t off)
{
	char sig[GPT_HDR_SIGNATURE_LEN];

	return !pread_all(fd, sig, sizeof(sig), off) &&
	       !memcmp(sig, GPT_HDR_SIGNATURE, sizeof(sig));
}

int blkfile_open(struct blkfile *f, const char *path, bool writable,
		 uint32_t block_size)
{
	const char *base;
	struct stat st;
	int bs = 0, ret;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st)) {
		ret = -errno;
		goto fail;
	}
	f->writable = writable;
	if (S_ISBLK(st.st_mode)) {
		f->blockdev = true;
		if (ioctl(f->fd, BLKGETSIZE64, &f->size) ||
		    ioctl(f->fd, BLKSSZGET, &bs)) {
			ret = -errno;
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		f->size = (uint64_t)st.st_size;
		/* A 4Kn disk image has its GPT header at LBA 1 = byte 4096. */
		bs = gpt_sig_at(f->fd, 512) || !gpt_sig_at(f->fd, 4096) ? 512
									: 4096;
	} else {
		ret = -ENOTBLK;
		goto fail;
	}
	if (block_size)
		bs = (int)block_size;
	if (bs != 512 && bs != 1024 && bs != 2048 && bs != 4096) {
		ret = -EINVAL;
		goto fail;
	}
	f->dev.ops = &blkfile_ops;
	f->dev.driver = f->blockdev ? "block device" : "image file";
	/* Messages name it by its last component: "mmcblk0", "disk.img". */
	base = strrchr(path, '/');
	strncpy(f->dev.name, base && base[1] ? base + 1 : path,
		sizeof(f->dev.name) - 1);
	f->dev.block_size = (uint32_t)bs;
	f->dev.blocks = f->size / (uint32_t)bs;
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	return ret;
}

int blkfile_close(struct blkfile *f)
{
	int ret = 0;

	if (f->fd >= 0 && close(f->fd))
		ret = -EIO;
	f->fd = -1;
	return ret;
}
