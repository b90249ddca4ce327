# SPDX-License-Identifier: MIT
payload-asm-y += purgatory/head.S purgatory/vectors.S purgatory/cpu.S
payload-early-y += purgatory/mmu.c
payload-y += purgatory/exception.c purgatory/timer.c
