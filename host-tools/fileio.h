/* SPDX-License-Identifier: MIT */
/*
 * Whole-buffer file reads and writes for the host tools (retrying short
 * transfers and EINTR), shared by the page store, the vmcore writers and
 * the vmcore reader.
 */
#ifndef TINYDUMP_HOST_TOOLS_FILEIO_H
#define TINYDUMP_HOST_TOOLS_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/** write_all() - write @len bytes at the file position. Return: 0 or -EIO. */
int write_all(int fd, const void *buf, size_t len);

/**
 * pwrite_all() - write @len bytes at offset @off.
 * Return: 0, -EFBIG when @off + @len passes the largest file offset, -EIO.
 */
int pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/**
 * pread_all() - read exactly @len bytes at offset @off.
 * Return: 0, or -EIO on an error or end of file.
 */
int pread_all(int fd, void *buf, size_t len, uint64_t off);

#endif
