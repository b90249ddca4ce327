# SPDX-License-Identifier: MIT
shared-y += fdt/fdt_match.c fdt/dt.c
