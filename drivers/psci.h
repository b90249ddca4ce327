/* SPDX-License-Identifier: MIT */
/*
 * PSCI: how the payload ends (ARM DEN 0022 "Power State Coordination
 * Interface"), called through the conduit the DT's /psci node names.
 */
#ifndef TINYDUMP_DRIVERS_PSCI_H
#define TINYDUMP_DRIVERS_PSCI_H

#include "fdt/dt.h"
#include "include/compiler.h"

/* Function IDs, ARM DEN 0022 §5.1 (SMC32 for these three). */
#define PSCI_0_2_FN_PSCI_VERSION 0x84000000u
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008u
#define PSCI_0_2_FN_SYSTEM_RESET 0x84000009u
#define PSCI_RET_NOT_SUPPORTED (-1)

enum psci_action {
	PSCI_ACTION_RESET,
	PSCI_ACTION_OFF,
};

/**
 * psci_call() - one PSCI call through @conduit.
 * Return: the PSCI result, PSCI_RET_NOT_SUPPORTED when the conduit is
 * absent or the instruction was undefined here.
 */
long psci_call(enum psci_conduit conduit, unsigned long fn, unsigned long a1,
	       unsigned long a2, unsigned long a3);

/**
 * psci_system_exit() - SYSTEM_RESET or SYSTEM_OFF through @conduit; with
 * PSCI_CONDUIT_NONE, probe SMC then HVC (an undefined instruction in
 * either is caught by the exception handler).  Returns only if every
 * attempt failed.
 */
void psci_system_exit(enum psci_conduit conduit, enum psci_action action);

const char *psci_conduit_name(enum psci_conduit conduit);

#endif
