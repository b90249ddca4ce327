/* SPDX-License-Identifier: MIT */
/*
 * Building small device trees in memory for driver tests, with libfdt's
 * sequential-write API: fdtb_start(), nodes and properties, fdtb_finish().
 * A libfdt error ends the test program (exit 2): the tree is test input.
 */
#ifndef TINYDUMP_TESTS_FDT_BUILD_H
#define TINYDUMP_TESTS_FDT_BUILD_H

#include <stdint.h>

struct fdtb {
	char *buf;
};

/* Start a tree in @buf with a root node of 2 address and 2 size cells. */
void fdtb_start(struct fdtb *b, void *buf, int size);
void fdtb_node(struct fdtb *b, const char *name);
void fdtb_end(struct fdtb *b);
void fdtb_u32(struct fdtb *b, const char *name, uint32_t v);
void fdtb_str(struct fdtb *b, const char *name, const char *s);
/* @count 32-bit cells, big-endian in the property. */
void fdtb_cells(struct fdtb *b, const char *name, int count,
		const uint32_t *cells);
/* "reg" of one (2-cell address, 2-cell size) entry. */
void fdtb_reg64(struct fdtb *b, uint64_t addr, uint64_t size);
/* Close the root node and the tree; returns the DTB. */
const void *fdtb_finish(struct fdtb *b);
/* The offset of @path in @fdt; exits when there is none. */
int fdtb_node_offset(const void *fdt, const char *path);

#endif
