/* SPDX-License-Identifier: MIT */
/*
 * Matching device-tree nodes by "compatible": a driver's table of
 * { compatible, data } with a NULL-compatible terminator (OpenSBI style);
 * variants of one device are data here, never #ifdefs in the driver.
 */
#ifndef TINYDUMP_FDT_MATCH_H
#define TINYDUMP_FDT_MATCH_H

struct fdt_match {
	const char *compatible;
	const void *data;
};

/**
 * fdt_match_node() - the first entry of @table that @node is compatible with.
 * Return: the entry, or NULL when none matches.
 */
const struct fdt_match *fdt_match_node(const void *fdt, int node,
					const struct fdt_match *table);

#endif
