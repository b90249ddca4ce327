/* SPDX-License-Identifier: MIT */
/*
 * A fake register file for driver unit tests.  A test registers a device
 * model (a window of addresses and read/write callbacks); the mmio_read and
 * mmio_write calls of drivers/mmio.h land there.  An access outside every window fails the
 * test.  The fake clock advances FAKE_CLOCK_STEP_US on every timer_now_us()
 * call, so every bounded wait in a driver terminates.
 */
#ifndef TINYDUMP_TESTS_FAKE_MMIO_H
#define TINYDUMP_TESTS_FAKE_MMIO_H

#include <stdint.h>

#define FAKE_CLOCK_STEP_US 10

struct fake_device {
	uintptr_t base;
	uintptr_t size;
	void *ctx;
	/* offset from base, access width in bytes (1, 2, 4, 8) */
	uint64_t (*read)(void *ctx, uintptr_t off, unsigned width);
	void (*write)(void *ctx, uintptr_t off, unsigned width, uint64_t v);
};

/* Attach a device model (at most 8 at once); fake_mmio_reset() drops all. */
void fake_mmio_attach(const struct fake_device *dev);
void fake_mmio_reset(void);
/* Accesses that hit no device (each one is also a failed CHECK). */
extern unsigned fake_mmio_stray;
/* The fake clock, in microseconds. */
extern uint64_t fake_clock_us;

#endif
