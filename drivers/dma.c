// SPDX-License-Identifier: MIT
/*
 * Cache maintenance by virtual address for DMA buffers (drivers/dma.h).
 * The line size comes from CTR_EL0.DminLine (Arm ARM D19.2.34): log2 of
 * the number of 4-byte words in the smallest data cache line.
 */
#include "drivers/dma.h"

#ifdef TINYDUMP_HOST
void dma_to_device(const volatile void *p, size_t len)
{
	(void)p;
	(void)len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void dma_from_device(volatile void *p, size_t len)
{
	(void)p;
	(void)len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void dma_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
#define CTR_EL0_DMINLINE_SHIFT 16
#define CTR_EL0_DMINLINE_MASK 0xfu

static uintptr_t dcache_line(void)
{
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (uintptr_t)4 << ((ctr >> CTR_EL0_DMINLINE_SHIFT) &
				CTR_EL0_DMINLINE_MASK);
}

void dma_to_device(const volatile void *p, size_t len)
{
	uintptr_t line = dcache_line();
	uintptr_t a = (uintptr_t)p & ~(line - 1), end = (uintptr_t)p + len;

	for (; a < end; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}

void dma_from_device(volatile void *p, size_t len)
{
	uintptr_t line = dcache_line();
	uintptr_t a = (uintptr_t)p & ~(line - 1), end = (uintptr_t)p + len;

	/* Clean+invalidate: a partial line at either end keeps its CPU data. */
	__asm__ volatile("dsb sy" : : : "memory");
	for (; a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");
}

void dma_mb(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}
#endif
