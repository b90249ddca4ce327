/* SPDX-License-Identifier: MIT */
/*
 * Small device-tree readers over libfdt: cell counts, "reg" translated to a
 * CPU physical address through every "ranges", /chosen (what kexec-tools
 * puts there for a crash kernel), /memory, /reserved-memory and /psci.
 * Follows the Devicetree Specification v0.4, chapters 2.3, 3.4-3.6.
 * The DTB is input: every reader checks it and returns an error code.
 */
#ifndef TINYDUMP_FDT_DT_H
#define TINYDUMP_FDT_DT_H

#include <stdbool.h>
#include <stdint.h>

#include <libfdt.h>

/* DT spec v0.4 §2.3.5: the cell counts when a parent does not give them. */
#define DT_ADDR_CELLS_DEFAULT 2
#define DT_SIZE_CELLS_DEFAULT 1
/* The widest value these helpers read: two cells, one uint64_t. */
#define DT_CELLS_MAX 2

/* A physical range [base, base + size). */
struct dt_range {
	uint64_t base, size;
};

/* What /chosen says (pointers point into the DTB). */
struct dt_chosen {
	const char *bootargs;	/* NULL when absent */
	uint64_t elfcorehdr_addr, elfcorehdr_size;
	bool has_elfcorehdr;
	/* linux,usable-memory-range: the crash kernel's own memory. */
	struct dt_range usable[2];
	int n_usable;
	const char *stdout_path; /* "serial0:115200n8" or "/pl011@9000000" */
};

enum psci_conduit {
	PSCI_CONDUIT_NONE,
	PSCI_CONDUIT_HVC,
	PSCI_CONDUIT_SMC,
};

/**
 * dt_node_is_available() - whether @node's "status" lets us use it.
 * DT spec v0.4 §2.3.4: absent, "okay" or "ok" mean available; anything
 * else ("disabled", "fail", "reserved", ...) does not.
 * Return: true when available; false also for a negative @node.
 */
bool dt_node_is_available(const void *fdt, int node);

/**
 * dt_prop_u32() - a one-cell property of @node.
 * Return: 0 with *@val set, -ENOENT when absent, -EINVAL when it is not
 * exactly one cell long or the arguments are bad.
 */
int dt_prop_u32(const void *fdt, int node, const char *name, uint32_t *val);

/**
 * dt_addr_cells() - #address-cells of @node, for the addresses of its
 * children (in their "reg" and in @node's own "ranges").
 * Return: 1..2 (2 when the property is absent), -EINVAL for a bad @node or
 * a property that is not one cell, -ERANGE for 0 or more than 2 cells
 * (e.g. a PCI bus's 3), which a uint64_t cannot carry.
 */
int dt_addr_cells(const void *fdt, int node);

/**
 * dt_size_cells() - #size-cells of @node, for its children's sizes.
 * Return: 0..2 (1 when the property is absent), -EINVAL for a bad @node or
 * a property that is not one cell, -ERANGE for more than 2 cells.
 */
int dt_size_cells(const void *fdt, int node);

/**
 * dt_read_cells() - a big-endian value of @cells cells at @p.
 * @p may be unaligned (it points into a property).
 * Return: the value.  @cells must be 1 or 2: for any other count (the
 * error path; the cell getters above never give one, except a size of 0
 * cells, whose value 0 is what this returns) the result is 0.
 */
uint64_t dt_read_cells(const fdt32_t *p, int cells);

/**
 * dt_reg() - the @index-th "reg" entry of @node as a CPU physical address.
 * Reads the entry with the parent's #address-cells/#size-cells, then maps it
 * through the "ranges" of every ancestor below the root (§2.3.8): an empty
 * "ranges" is the identity, a missing one means the bus is not memory
 * mapped.  The first "ranges" entry containing the address is used.
 * @addr, @size: written only on success; @size may be NULL.
 * Return: 0, -EINVAL for bad arguments or a "reg"/"ranges" whose length is
 * not a whole number of entries, -ENOENT when there is no "reg" or no
 * @index-th entry, -ENODEV when an ancestor has no "ranges" or none of its
 * ranges covers the address, -ERANGE for unsupported cell counts or a
 * translation that overflows 64 bits.
 */
int dt_reg(const void *fdt, int node, int index, uint64_t *addr,
	   uint64_t *size);

/**
 * dt_translate() - map @addr, an address in the child address space of
 * node @bus (what @bus's children put in "reg", or the parent-address
 * part of a "ranges" entry of a child of @bus), up to a CPU physical
 * address through the "ranges" of @bus and of every ancestor below the
 * root, as dt_reg() does.  @bus 0 (the root) leaves @addr as it is.
 * Return: 0 with *@addr translated; -EINVAL for bad arguments or a
 * "ranges" that is not whole entries; -ENODEV when an ancestor has no
 * "ranges" or none covers the address; -ERANGE for unsupported cell
 * counts or a translation that overflows 64 bits.
 */
int dt_translate(const void *fdt, int bus, uint64_t *addr);

/**
 * dt_read_chosen() - read /chosen into @ch (zeroed first).
 * "bootargs" is taken as its first string (kexec-tools pads it with NULs);
 * "linux,elfcorehdr" and "linux,usable-memory-range" (one or two ranges)
 * are read with the root's cell counts; "stdout-path", or the legacy
 * "linux,stdout-path".  A malformed property is left unset and the others
 * are still read.
 * Return: 0, -EINVAL when @fdt/@ch is NULL or some property was malformed
 * (more than two usable ranges included: the first two are kept),
 * -ENOENT when there is no /chosen, -ERANGE when the root's cell counts
 * are unusable (the string properties are still read).
 */
int dt_read_chosen(const void *fdt, struct dt_chosen *ch);

/**
 * dt_memory() - the "reg" ranges of every available memory node (a child
 * of the root with device_type = "memory"), in DTB order, empty ones skipped.
 * Return: the number of ranges written to @out, -ENOSPC when there are more
 * than @max (the first @max are written), -EINVAL for bad arguments or a
 * memory node with a malformed "reg", -ERANGE for unusable root cell counts.
 */
int dt_memory(const void *fdt, struct dt_range *out, int max);

/**
 * dt_reserved_nomap() - the regions of /reserved-memory children that have
 * "no-map" (§3.5.4): memory the OS must never map, so neither may we.
 * Read with /reserved-memory's own cell counts; children without "reg"
 * (dynamic allocations) or not available are skipped.
 * Return: the number of ranges written (0 without /reserved-memory),
 * -ENOSPC when there are more than @max (the first @max are written),
 * -EINVAL for bad arguments or a malformed "reg", -ERANGE for unusable
 * cell counts.
 */
int dt_reserved_nomap(const void *fdt, struct dt_range *out, int max);

/**
 * dt_psci_conduit() - how to call PSCI: the "method" of the node compatible
 * with "arm,psci-1.0", "arm,psci-0.2" or "arm,psci", or else of /psci.
 * Return: PSCI_CONDUIT_HVC or _SMC; PSCI_CONDUIT_NONE when there is no such
 * node (e.g. a Raspberry Pi 3, whose spin tables need no PSCI) or its
 * method is missing or unknown.
 */
enum psci_conduit dt_psci_conduit(const void *fdt);

/**
 * dt_resolve_stdout() - find the node a "stdout-path" value names.
 * @stdout_path: a full path or an alias name (looked up in /aliases),
 * optionally followed by ":options" (e.g. "serial0:115200n8"), NUL-ended.
 * @node: the node's offset, written on success.
 * @options: (may be NULL) set to the text after the first ':' (to the end
 * of the string) or to NULL when there is none; written on success.
 * Return: 0, -EINVAL for a NULL/empty argument, -ENOENT when no such node
 * or alias exists.
 */
int dt_resolve_stdout(const void *fdt, const char *stdout_path, int *node,
		      const char **options);

#endif
