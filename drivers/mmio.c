// SPDX-License-Identifier: MIT
/*
 * Bounded register polls: the only way a driver waits for hardware.
 */
#include <errno.h>

#include "drivers/mmio.h"
#include "drivers/timer.h"

int mmio_poll32(uintptr_t addr, uint32_t mask, uint32_t want,
		uint32_t timeout_us)
{
	uint64_t deadline = timer_now_us() + timeout_us;

	for (;;) {
		if ((mmio_read32(addr) & mask) == want)
			return 0;
		if (timer_now_us() > deadline)
			break;
	}
	/* One last look: the deadline may have passed while we were preempted. */
	return (mmio_read32(addr) & mask) == want ? 0 : -ETIMEDOUT;
}

int mmio_poll8(uintptr_t addr, uint8_t mask, uint8_t want, uint32_t timeout_us)
{
	uint64_t deadline = timer_now_us() + timeout_us;

	for (;;) {
		if ((mmio_read8(addr) & mask) == want)
			return 0;
		if (timer_now_us() > deadline)
			break;
	}
	return (mmio_read8(addr) & mask) == want ? 0 : -ETIMEDOUT;
}
