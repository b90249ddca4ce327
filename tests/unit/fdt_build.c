// SPDX-License-Identifier: MIT
/*
 * In-memory device trees for driver tests (tests/unit/fdt_build.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "tests/unit/fdt_build.h"

static void must(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "fdt_build: %s: %s\n", what, fdt_strerror(ret));
		exit(2);
	}
}

void fdtb_start(struct fdtb *b, void *buf, int size)
{
	b->buf = buf;
	must(fdt_create(b->buf, size), "create");
	must(fdt_finish_reservemap(b->buf), "reservemap");
	must(fdt_begin_node(b->buf, ""), "root");
	fdtb_u32(b, "#address-cells", 2);
	fdtb_u32(b, "#size-cells", 2);
}

void fdtb_node(struct fdtb *b, const char *name)
{
	must(fdt_begin_node(b->buf, name), name);
}

void fdtb_end(struct fdtb *b)
{
	must(fdt_end_node(b->buf), "end node");
}

void fdtb_u32(struct fdtb *b, const char *name, uint32_t v)
{
	must(fdt_property_u32(b->buf, name, v), name);
}

void fdtb_str(struct fdtb *b, const char *name, const char *s)
{
	must(fdt_property_string(b->buf, name, s), name);
}

void fdtb_cells(struct fdtb *b, const char *name, int count,
		const uint32_t *cells)
{
	fdt32_t c[64];

	if (count > 64)
		must(-FDT_ERR_NOSPACE, name);
	for (int i = 0; i < count; i++)
		c[i] = cpu_to_fdt32(cells[i]);
	must(fdt_property(b->buf, name, c, count * (int)sizeof(fdt32_t)), name);
}

void fdtb_reg64(struct fdtb *b, uint64_t addr, uint64_t size)
{
	uint32_t c[4] = {
		(uint32_t)(addr >> 32), (uint32_t)addr,
		(uint32_t)(size >> 32), (uint32_t)size,
	};

	fdtb_cells(b, "reg", 4, c);
}

const void *fdtb_finish(struct fdtb *b)
{
	fdtb_end(b);
	must(fdt_finish(b->buf), "finish");
	return b->buf;
}

int fdtb_node_offset(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0) {
		fprintf(stderr, "fdt_build: no node %s: %s\n", path,
			fdt_strerror(off));
		exit(2);
	}
	return off;
}
