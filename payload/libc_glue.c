// SPDX-License-Identifier: MIT
/*
 * What picolibc and Debian's libfdt/liblz4 expect of their environment,
 * answered for a payload with no processes, signals, files or heap:
 * abort() and failed assert()s take the payload's fatal exit (report,
 * then the configured PSCI action) instead of picolibc's raise()/stdio.
 */
#include <stdint.h>
#include <stdlib.h>

#include "payload/libc_glue.h"

#include "purgatory/exception.h"

void abort(void)
{
	fatal("abort() called");
}

void __assert_func(const char *file, int line, const char *func,
		   const char *expr);
void __assert_func(const char *file, int line, const char *func,
		   const char *expr)
{
	(void)line;
	(void)func;
	(void)file;
	fatal(expr);
}

/*
 * Debian builds libfdt and liblz4 with -fstack-protector-strong: they read
 * __stack_chk_guard and call __stack_chk_fail.  payload_main seeds the
 * guard from the counter before any library call (stack_guard_seed()).
 */
uintptr_t __stack_chk_guard = 0x2f8e3c5a6d7b9e01ul;

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	fatal("stack smashing detected");
}

void stack_guard_seed(uint64_t entropy)
{
	__stack_chk_guard ^= (uintptr_t)(entropy * 0x9e3779b97f4a7c15ull);
}
