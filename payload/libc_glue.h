/* SPDX-License-Identifier: MIT */
#ifndef TINYDUMP_PAYLOAD_LIBC_GLUE_H
#define TINYDUMP_PAYLOAD_LIBC_GLUE_H

#include <stdint.h>

/** stack_guard_seed() - mix @entropy into the stack-protector guard. */
void stack_guard_seed(uint64_t entropy);

#endif
