// SPDX-License-Identifier: MIT
/*
 * The generic timer's physical count as microseconds (Arm ARM D11.1).
 * At EL1 after an EL2 entry, head.S set CNTHCTL_EL2.EL1PCTEN so this reads
 * without trapping.
 */
#include "drivers/timer.h"
#include "purgatory/sysreg.h"

static uint64_t timer_hz(void)
{
	uint64_t hz = read_sysreg(cntfrq_el0) & 0xffffffffu;

	return hz ? hz : TIMER_FALLBACK_HZ;
}

uint64_t timer_now_us(void)
{
	uint64_t cnt, hz = timer_hz();

	isb();	/* CNTPCT reads may be speculated early otherwise */
	cnt = read_sysreg(cntpct_el0);
	return (cnt / hz) * 1000000u + (cnt % hz) * 1000000u / hz;
}

void timer_delay_us(uint64_t us)
{
	uint64_t end = timer_now_us() + us;

	while (timer_now_us() < end)
		;
}
