// SPDX-License-Identifier: MIT
/*
 * PSCI calls (ARM DEN 0022) over SMC or HVC (SMC Calling Convention,
 * ARM DEN 0028): x0 = function id, x1-x3 arguments, result in x0.
 */
#include "drivers/psci.h"
#include "purgatory/exception.h"

long psci_call(enum psci_conduit conduit, unsigned long fn, unsigned long a1,
	       unsigned long a2, unsigned long a3)
{
	switch (conduit) {
	case PSCI_CONDUIT_SMC:
		return psci_smc(fn, a1, a2, a3);
	case PSCI_CONDUIT_HVC:
		return psci_hvc(fn, a1, a2, a3);
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

void psci_system_exit(enum psci_conduit conduit, enum psci_action action)
{
	unsigned long fn = action == PSCI_ACTION_OFF ? PSCI_0_2_FN_SYSTEM_OFF :
						       PSCI_0_2_FN_SYSTEM_RESET;

	if (conduit != PSCI_CONDUIT_NONE) {
		psci_call(conduit, fn, 0, 0, 0);
		return;
	}
	/* No DT to ask: SMC first (EL3 firmware is the common case). */
	psci_call(PSCI_CONDUIT_SMC, fn, 0, 0, 0);
	psci_call(PSCI_CONDUIT_HVC, fn, 0, 0, 0);
}

const char *psci_conduit_name(enum psci_conduit conduit)
{
	switch (conduit) {
	case PSCI_CONDUIT_SMC:
		return "smc";
	case PSCI_CONDUIT_HVC:
		return "hvc";
	default:
		return "none";
	}
}
