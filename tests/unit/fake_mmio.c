// SPDX-License-Identifier: MIT
/*
 * Host backing for drivers/mmio.h and drivers/timer.h (TINYDUMP_HOST).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/mmio.h"
#include "drivers/timer.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"

#define FAKE_MAX_DEVICES 8

static struct fake_device devices[FAKE_MAX_DEVICES];
static unsigned ndevices;
unsigned fake_mmio_stray;
uint64_t fake_clock_us;

void fake_mmio_attach(const struct fake_device *dev)
{
	if (ndevices < FAKE_MAX_DEVICES)
		devices[ndevices++] = *dev;
}

void fake_mmio_reset(void)
{
	ndevices = 0;
	memset(devices, 0, sizeof(devices));
}

static struct fake_device *find(uintptr_t addr, unsigned width)
{
	for (unsigned i = 0; i < ndevices; i++)
		if (addr >= devices[i].base &&
		    addr + width <= devices[i].base + devices[i].size)
			return &devices[i];
	fake_mmio_stray++;
	check_failed++;
	fprintf(stderr, "fake_mmio: stray %u-byte access at 0x%lx\n", width,
		(unsigned long)addr);
	return NULL;
}

static uint64_t fake_read(uintptr_t addr, unsigned width)
{
	struct fake_device *d = find(addr, width);

	return d && d->read ? d->read(d->ctx, addr - d->base, width) : 0;
}

static void fake_write(uintptr_t addr, unsigned width, uint64_t v)
{
	struct fake_device *d = find(addr, width);

	if (d && d->write)
		d->write(d->ctx, addr - d->base, width, v);
}

uint8_t mmio_read8(uintptr_t a) { return (uint8_t)fake_read(a, 1); }
uint16_t mmio_read16(uintptr_t a) { return (uint16_t)fake_read(a, 2); }
uint32_t mmio_read32(uintptr_t a) { return (uint32_t)fake_read(a, 4); }
uint64_t mmio_read64(uintptr_t a) { return fake_read(a, 8); }
void mmio_write8(uintptr_t a, uint8_t v) { fake_write(a, 1, v); }
void mmio_write16(uintptr_t a, uint16_t v) { fake_write(a, 2, v); }
void mmio_write32(uintptr_t a, uint32_t v) { fake_write(a, 4, v); }
void mmio_write64(uintptr_t a, uint64_t v) { fake_write(a, 8, v); }

uint64_t timer_now_us(void)
{
	fake_clock_us += FAKE_CLOCK_STEP_US;
	return fake_clock_us;
}

void timer_delay_us(uint64_t us)
{
	fake_clock_us += us;
}
