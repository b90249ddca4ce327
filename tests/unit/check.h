/* SPDX-License-Identifier: MIT */
/*
 * A minimal test harness for host unit tests: CHECK() records a failure
 * with file:line and goes on; check_summary() prints "N passed, N failed"
 * and gives the exit status.  tests/test_unit.py runs every binary.
 */
#ifndef TINYDUMP_TESTS_CHECK_H
#define TINYDUMP_TESTS_CHECK_H

#include <stdio.h>

extern int check_passed, check_failed;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (cond) {                                                   \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,  \
				__LINE__, #cond);                             \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a == _b) {                                               \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s "     \
				"(%lld != %lld, 0x%llx != 0x%llx)\n", __FILE__,  \
				__LINE__, #a, #b, _a, _b,                     \
				(unsigned long long)_a,                       \
				(unsigned long long)_b);                      \
		}                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *_a = (a), *_b = (b);                              \
		if (_a && _b && !strcmp(_a, _b)) {                            \
			check_passed++;                                       \
		} else {                                                      \
			check_failed++;                                       \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s "    \
				"(\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a,  \
				#b, _a ? _a : "(null)", _b ? _b : "(null)");  \
		}                                                             \
	} while (0)

/* Print the summary line; returns the process exit status. */
int check_summary(const char *name);

#endif
