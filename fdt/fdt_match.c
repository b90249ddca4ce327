// SPDX-License-Identifier: MIT
/*
 * Matching a device-tree node against a driver's compatible table.  The
 * table is searched in its own order, so a driver lists its most specific
 * compatible first (DT spec v0.4 §2.3.1: "compatible" runs from the most
 * specific to the most general, and any entry may match).
 */
#include <stddef.h>

#include <libfdt.h>

#include "fdt/fdt_match.h"

const struct fdt_match *fdt_match_node(const void *fdt, int node,
				       const struct fdt_match *table)
{
	if (!fdt || node < 0 || !table)
		return NULL;
	for (const struct fdt_match *m = table; m->compatible; m++) {
		if (fdt_node_check_compatible(fdt, node, m->compatible) == 0)
			return m;
	}
	return NULL;
}
