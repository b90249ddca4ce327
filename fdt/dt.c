// SPDX-License-Identifier: MIT
/*
 * Device-tree readers for the payload: addresses (DT spec v0.4 §2.3.5-2.3.8),
 * /chosen as kexec-tools writes it for a crash kernel, memory, reserved
 * memory (§3.4, §3.5) and the PSCI conduit.  Nothing here trusts the DTB:
 * lengths are checked before every read and strings before every use.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <libfdt.h>

#include "fdt/dt.h"
#include "include/compiler.h"

#define DT_CELL_SIZE ((int)sizeof(fdt32_t))

/* A string property that really is NUL-terminated inside its length. */
static const char *dt_prop_string(const void *fdt, int node, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	if (!s || len <= 0 || !memchr(s, '\0', (size_t)len))
		return NULL;
	return s;
}

bool dt_node_is_available(const void *fdt, int node)
{
	int len;
	const char *s;

	if (!fdt || node < 0)
		return false;
	s = fdt_getprop(fdt, node, "status", &len);
	if (!s)
		return true;
	if (len <= 0 || !memchr(s, '\0', (size_t)len))
		return false;
	return !strcmp(s, "okay") || !strcmp(s, "ok");
}

int dt_prop_u32(const void *fdt, int node, const char *name, uint32_t *val)
{
	int len;
	const fdt32_t *p;

	if (!fdt || node < 0 || !name || !val)
		return -EINVAL;
	p = fdt_getprop(fdt, node, name, &len);
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	if (len != DT_CELL_SIZE)
		return -EINVAL;
	*val = fdt32_ld(p);
	return 0;
}

static int dt_cells(const void *fdt, int node, const char *name, int dflt,
		    int min)
{
	uint32_t v;
	int ret = dt_prop_u32(fdt, node, name, &v);

	if (ret == -ENOENT)
		return dflt;
	if (ret)
		return ret;
	if (v < (uint32_t)min || v > DT_CELLS_MAX)
		return -ERANGE;
	return (int)v;
}

int dt_addr_cells(const void *fdt, int node)
{
	return dt_cells(fdt, node, "#address-cells", DT_ADDR_CELLS_DEFAULT, 1);
}

int dt_size_cells(const void *fdt, int node)
{
	return dt_cells(fdt, node, "#size-cells", DT_SIZE_CELLS_DEFAULT, 0);
}

uint64_t dt_read_cells(const fdt32_t *p, int cells)
{
	if (!p)
		return 0;
	switch (cells) {
	case 1:
		return fdt32_ld(p);
	case 2:
		return (uint64_t)fdt32_ld(p) << 32 | fdt32_ld(p + 1);
	default:
		return 0;
	}
}

/* An (address, size) pair of @ac + @sc cells; @sc may be 0. */
static void dt_read_pair(const fdt32_t *p, int ac, int sc,
			 struct dt_range *r)
{
	r->base = dt_read_cells(p, ac);
	r->size = sc ? dt_read_cells(p + ac, sc) : 0;
}

/* Whether [base, base + size) wraps past 2^64. */
static bool dt_range_wraps(uint64_t base, uint64_t size)
{
	return size && base + (size - 1) < base;
}

/*
 * Map @addr, an address in @bus's child address space, up to the root's
 * (§2.3.8): each "ranges" entry is (child-bus-address, parent-bus-address,
 * length) in @bus's #address-cells, its parent's #address-cells and @bus's
 * #size-cells.
 */
int dt_translate(const void *fdt, int bus, uint64_t *addr)
{
	uint64_t a;

	if (!fdt || bus < 0 || !addr)
		return -EINVAL;
	a = *addr;

	while (bus > 0) {
		int parent = fdt_parent_offset(fdt, bus);
		int len, cac, csc, pac, n;
		const fdt32_t *r;
		bool found = false;

		if (parent < 0)
			return -EINVAL;
		r = fdt_getprop(fdt, bus, "ranges", &len);
		if (!r)
			return len == -FDT_ERR_NOTFOUND ? -ENODEV : -EINVAL;
		if (len == 0) {
			bus = parent;
			continue;
		}
		cac = dt_addr_cells(fdt, bus);
		csc = dt_size_cells(fdt, bus);
		pac = dt_addr_cells(fdt, parent);
		if (cac < 0 || csc < 0 || pac < 0)
			return cac < 0 ? cac : csc < 0 ? csc : pac;
		n = cac + pac + csc;
		if (len % (n * DT_CELL_SIZE))
			return -EINVAL;
		for (int i = 0; i < len / (n * DT_CELL_SIZE); i++, r += n) {
			uint64_t cb = dt_read_cells(r, cac);
			uint64_t pb = dt_read_cells(r + cac, pac);
			uint64_t sz = 0;

			if (csc)
				sz = dt_read_cells(r + cac + pac, csc);

			if (a < cb || a - cb >= sz)
				continue;
			if (pb > UINT64_MAX - (a - cb))
				return -ERANGE;
			a = pb + (a - cb);
			found = true;
			break;
		}
		if (!found)
			return -ENODEV;
		bus = parent;
	}
	*addr = a;
	return 0;
}

int dt_reg(const void *fdt, int node, int index, uint64_t *addr,
	   uint64_t *size)
{
	int parent, ac, sc, len, n;
	const fdt32_t *reg;
	struct dt_range r;
	int ret;

	if (!fdt || node <= 0 || index < 0 || !addr)
		return -EINVAL;
	parent = fdt_parent_offset(fdt, node);
	if (parent < 0)
		return -EINVAL;
	ac = dt_addr_cells(fdt, parent);
	if (ac < 0)
		return ac;
	sc = dt_size_cells(fdt, parent);
	if (sc < 0)
		return sc;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	n = ac + sc;
	if (len % (n * DT_CELL_SIZE))
		return -EINVAL;
	if (index >= len / (n * DT_CELL_SIZE))
		return -ENOENT;
	dt_read_pair(reg + index * n, ac, sc, &r);
	if (dt_range_wraps(r.base, r.size))
		return -ERANGE;
	ret = dt_translate(fdt, parent, &r.base);
	if (ret)
		return ret;
	if (dt_range_wraps(r.base, r.size))
		return -ERANGE;
	*addr = r.base;
	if (size)
		*size = r.size;
	return 0;
}

/*
 * Read every (address, size) entry of @node's @name into @out[*n..max),
 * skipping empty ones.  Return: 0, -ENOSPC when @out filled up first,
 * -EINVAL for a length that is not whole entries, -ERANGE for a wrapping range.
 */
static int dt_read_ranges(const void *fdt, int node, const char *name, int ac,
			  int sc, struct dt_range *out, int max, int *n)
{
	int len, stride = ac + sc;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p)
		return len == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
	if (len % (stride * DT_CELL_SIZE))
		return -EINVAL;
	for (int i = 0; i < len / (stride * DT_CELL_SIZE); i++, p += stride) {
		struct dt_range r;

		dt_read_pair(p, ac, sc, &r);
		if (!r.size)
			continue;
		if (dt_range_wraps(r.base, r.size))
			return -ERANGE;
		if (*n >= max)
			return -ENOSPC;
		out[(*n)++] = r;
	}
	return 0;
}

int dt_read_chosen(const void *fdt, struct dt_chosen *ch)
{
	int node, len, ac, sc, ret = 0;
	const fdt32_t *p;

	if (!fdt || !ch)
		return -EINVAL;
	memset(ch, 0, sizeof(*ch));
	node = fdt_path_offset(fdt, "/chosen");
	if (node < 0)
		return -ENOENT;

	/* kexec-tools pads bootargs with NULs: the first string is the line. */
	if (fdt_getprop(fdt, node, "bootargs", &len) && len > 0) {
		ch->bootargs = dt_prop_string(fdt, node, "bootargs");
		if (!ch->bootargs)
			ret = -EINVAL;
	}
	ch->stdout_path = dt_prop_string(fdt, node, "stdout-path");
	if (!ch->stdout_path)
		ch->stdout_path = dt_prop_string(fdt, node,
						 "linux,stdout-path");

	/* Both ranges use the root's cell counts (kexec-tools, arm64). */
	ac = dt_addr_cells(fdt, 0);
	sc = dt_size_cells(fdt, 0);
	if (ac < 0 || sc < 0)
		return -ERANGE;
	p = fdt_getprop(fdt, node, "linux,elfcorehdr", &len);
	if (p) {
		struct dt_range r;

		if (len == (ac + sc) * DT_CELL_SIZE) {
			dt_read_pair(p, ac, sc, &r);
			ch->elfcorehdr_addr = r.base;
			ch->elfcorehdr_size = r.size;
			ch->has_elfcorehdr = true;
		} else {
			ret = -EINVAL;
		}
	}
	if (fdt_getprop(fdt, node, "linux,usable-memory-range", &len)) {
		int n = 0;
		int r = dt_read_ranges(fdt, node, "linux,usable-memory-range",
				       ac, sc, ch->usable,
				       (int)ARRAY_SIZE(ch->usable), &n);

		ch->n_usable = n;
		if (r)
			ret = -EINVAL;
	}
	return ret;
}

int dt_memory(const void *fdt, struct dt_range *out, int max)
{
	int node, ac, sc, n = 0;

	if (!fdt || (!out && max) || max < 0)
		return -EINVAL;
	ac = dt_addr_cells(fdt, 0);
	sc = dt_size_cells(fdt, 0);
	if (ac < 0 || sc < 0)
		return -ERANGE;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = dt_prop_string(fdt, node, "device_type");
		int ret;

		if (!type || strcmp(type, "memory"))
			continue;
		if (!dt_node_is_available(fdt, node))
			continue;
		ret = dt_read_ranges(fdt, node, "reg", ac, sc, out, max, &n);
		if (ret)
			return ret == -ERANGE ? -EINVAL : ret;
	}
	return n;
}

int dt_reserved_nomap(const void *fdt, struct dt_range *out, int max)
{
	int rsv, node, ac, sc, n = 0;

	if (!fdt || (!out && max) || max < 0)
		return -EINVAL;
	rsv = fdt_path_offset(fdt, "/reserved-memory");
	if (rsv < 0)
		return 0;
	ac = dt_addr_cells(fdt, rsv);
	sc = dt_size_cells(fdt, rsv);
	if (ac < 0 || sc < 0)
		return -ERANGE;
	fdt_for_each_subnode(node, fdt, rsv) {
		int ret;

		if (!fdt_getprop(fdt, node, "no-map", NULL) ||
		    !dt_node_is_available(fdt, node))
			continue;
		ret = dt_read_ranges(fdt, node, "reg", ac, sc, out, max, &n);
		if (ret)
			return ret == -ERANGE ? -EINVAL : ret;
	}
	return n;
}

enum psci_conduit dt_psci_conduit(const void *fdt)
{
	static const char *const compat[] = {
		"arm,psci-1.0", "arm,psci-0.2", "arm,psci",
	};
	int node = -FDT_ERR_NOTFOUND;
	const char *method;

	if (!fdt)
		return PSCI_CONDUIT_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(compat); i++) {
		node = fdt_node_offset_by_compatible(fdt, -1, compat[i]);
		if (node >= 0)
			break;
	}
	if (node < 0)
		node = fdt_path_offset(fdt, "/psci");
	if (node < 0)
		return PSCI_CONDUIT_NONE;
	method = dt_prop_string(fdt, node, "method");
	if (!method)
		return PSCI_CONDUIT_NONE;
	if (!strcmp(method, "hvc"))
		return PSCI_CONDUIT_HVC;
	if (!strcmp(method, "smc"))
		return PSCI_CONDUIT_SMC;
	return PSCI_CONDUIT_NONE;
}

int dt_resolve_stdout(const void *fdt, const char *stdout_path, int *node,
		      const char **options)
{
	const char *colon, *path;
	size_t n;
	int off, len;

	if (!fdt || !stdout_path || !node || !*stdout_path)
		return -EINVAL;
	colon = strchr(stdout_path, ':');
	n = colon ? (size_t)(colon - stdout_path) : strlen(stdout_path);
	if (!n || n > (size_t)INT32_MAX)
		return -EINVAL;

	if (stdout_path[0] == '/') {
		off = fdt_path_offset_namelen(fdt, stdout_path, (int)n);
	} else {
		/*
		 * Resolve the alias here rather than in libfdt, and only
		 * accept an absolute path as its value: an alias naming
		 * itself would make libfdt's lookup recurse without end.
		 */
		int aliases = fdt_path_offset(fdt, "/aliases");

		if (aliases < 0)
			return -ENOENT;
		path = fdt_getprop_namelen(fdt, aliases, stdout_path, (int)n,
					   &len);
		if (!path || len <= 1 || path[0] != '/' ||
		    !memchr(path, '\0', (size_t)len))
			return -ENOENT;
		off = fdt_path_offset(fdt, path);
	}
	if (off < 0)
		return -ENOENT;
	*node = off;
	if (options)
		*options = colon ? colon + 1 : NULL;
	return 0;
}
