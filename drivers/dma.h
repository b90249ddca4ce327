/* SPDX-License-Identifier: MIT */
/*
 * Memory a device reads or writes by DMA.  Our buffers are in the
 * reservation, identity mapped, so a bus address is the CPU address
 * (no IOMMU: an SMMU the dead kernel left on is out of our hands, see
 * docs/block.md).  The mapping is normal write-back cacheable and a
 * non-coherent device does not snoop caches, so (Arm ARM D7.5.9, "Data
 * cache maintenance"): clean a buffer to the point of coherency before the
 * device reads it, and invalidate it after the device wrote it, before
 * the CPU reads it.  Host builds (TINYDUMP_HOST) only keep the ordering.
 */
#ifndef TINYDUMP_DRIVERS_DMA_H
#define TINYDUMP_DRIVERS_DMA_H

#include <stddef.h>
#include <stdint.h>

/** dma_addr() - the bus address of @p (identity map). */
static inline uint64_t dma_addr(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/** dma_to_device() - make CPU writes to [p, p + len) visible to a device. */
void dma_to_device(const volatile void *p, size_t len);

/** dma_from_device() - drop stale lines so the CPU sees what a device wrote. */
void dma_from_device(volatile void *p, size_t len);

/** dma_mb() - order normal-memory accesses against a device (dsb sy). */
void dma_mb(void);

#endif
