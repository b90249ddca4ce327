/* SPDX-License-Identifier: MIT */
/*
 * Time for bounded waits: the arm64 generic timer's physical counter
 * (CNTPCT_EL0) scaled by CNTFRQ_EL0 (Arm ARM D11, "The Generic Timer").
 * Host builds (TINYDUMP_HOST) get a fake clock from the test harness that
 * advances on every read, so a timeout in driver code always expires.
 */
#ifndef TINYDUMP_DRIVERS_TIMER_H
#define TINYDUMP_DRIVERS_TIMER_H

#include <stdint.h>

/*
 * booting.rst requires firmware to program CNTFRQ_EL0.  If it reads 0 we
 * assume this rate: 24 MHz is the slowest common arm64 board crystal, so
 * timeouts come out at most a few times too long, never too short to matter.
 */
#define TIMER_FALLBACK_HZ 24000000u

/** timer_now_us() - microseconds since an arbitrary origin. */
uint64_t timer_now_us(void);

/** timer_delay_us() - busy-wait for @us microseconds. */
void timer_delay_us(uint64_t us);

#endif
