/* SPDX-License-Identifier: MIT */
/*
 * What a device driver is given when it probes: the DTB and a way to map
 * register windows.  The payload maps them Device-nGnRE in its identity map
 * (purgatory/mmu.c); host unit tests map nothing and back the addresses
 * with tests/unit/fake_mmio.c.  Physical = virtual everywhere.
 */
#ifndef TINYDUMP_DRIVERS_DEVENV_H
#define TINYDUMP_DRIVERS_DEVENV_H

#include <stdint.h>

struct dev_env {
	const void *fdt;
	/* Make [base, base + size) usable as registers. Return 0 or -errno. */
	int (*map_device)(void *ctx, uint64_t base, uint64_t size);
	void *ctx;
};

/** dev_map() - map a register window through @env (0 when no mapper). */
static inline int dev_map(const struct dev_env *env, uint64_t base,
			  uint64_t size)
{
	return env && env->map_device ? env->map_device(env->ctx, base, size) : 0;
}

#endif
