/* SPDX-License-Identifier: MIT */
/*
 * Device register access.  Every driver goes through these so that a host
 * unit test (TINYDUMP_HOST) can back them with a fake register file
 * (tests/unit/fake_mmio.c) and so every wait is bounded (mmio_poll*).
 */
#ifndef TINYDUMP_DRIVERS_MMIO_H
#define TINYDUMP_DRIVERS_MMIO_H

#include <stdint.h>

#ifdef TINYDUMP_HOST
uint8_t mmio_read8(uintptr_t addr);
uint16_t mmio_read16(uintptr_t addr);
uint32_t mmio_read32(uintptr_t addr);
uint64_t mmio_read64(uintptr_t addr);
void mmio_write8(uintptr_t addr, uint8_t v);
void mmio_write16(uintptr_t addr, uint16_t v);
void mmio_write32(uintptr_t addr, uint32_t v);
void mmio_write64(uintptr_t addr, uint64_t v);
#else
/*
 * Device-nGnRE mappings (purgatory/mmu.c) already keep accesses in order
 * to one device; the dsb before a write orders it after normal-memory
 * writes (descriptor rings) as the Arm ARM B2.3 requires.
 */
#define MMIO_RW(bits, sfx, reg)                                               \
	static inline uint##bits##_t mmio_read##bits(uintptr_t addr)         \
	{                                                                     \
		uint##bits##_t v;                                             \
		__asm__ volatile("ldr" sfx " %" reg "0, [%1]"                 \
				 : "=r"(v)                                    \
				 : "r"(addr)                                  \
				 : "memory");                                 \
		return v;                                                     \
	}                                                                     \
	static inline void mmio_write##bits(uintptr_t addr, uint##bits##_t v) \
	{                                                                     \
		__asm__ volatile("dsb st\n\tstr" sfx " %" reg "0, [%1]"       \
				 :                                            \
				 : "rZ"(v), "r"(addr)                         \
				 : "memory");                                 \
	}
MMIO_RW(8, "b", "w")
MMIO_RW(16, "h", "w")
MMIO_RW(32, "", "w")
MMIO_RW(64, "", "x")
#undef MMIO_RW
#endif

/**
 * mmio_poll32() - wait until (read32(addr) & mask) == want.
 * @timeout_us: upper bound on the wait.
 *
 * Return: 0 when the condition held, -ETIMEDOUT when it did not in time.
 */
int mmio_poll32(uintptr_t addr, uint32_t mask, uint32_t want,
		uint32_t timeout_us);

/** mmio_poll8() - the same for 8-bit registers. */
int mmio_poll8(uintptr_t addr, uint8_t mask, uint8_t want, uint32_t timeout_us);

#endif
