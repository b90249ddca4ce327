// SPDX-License-Identifier: MIT
/*
 * The payload's main sequence: device tree, console, configuration,
 * memory map, then (later issues) the dump, then the configured exit.
 * Entered from purgatory/head.S with the MMU and caches on.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "drivers/console.h"
#include "drivers/mmio.h"
#include "drivers/psci.h"
#include "drivers/uart/earlycon.h"
#include "drivers/uart/uart.h"
#include "fdt/dt.h"
#include "payload/config.h"
#include "payload/devices.h"
#include "payload/dump.h"
#include "payload/libc_glue.h"
#include "payload/log.h"
#include "payload/net/net.h"
#include "payload/net/netcfg.h"
#include "payload/net/netconsole.h"
#include "payload/version.h"
#include "purgatory/exception.h"
#include "purgatory/mmu.h"
#include "purgatory/sysreg.h"

#define PAGE_SIZE 4096ull

/* Everything the main sequence knows, in one place. */
struct payload {
	const void *fdt;
	unsigned entry_el;
	uintptr_t load_base;
	uint64_t image_size;
	struct mmu *mmu;
	struct dt_chosen chosen;
	struct tinydump_config cfg;
	struct earlycon_choice uart;
	struct console con;
	bool have_console;
	enum psci_conduit conduit;
	struct devices dev;
	struct net_config netcfg;	/* netconsole=, ip=, tinydump.port= */
	struct net_stack net;
	bool net_up;
	struct netconsole nc;
	bool nc_up;
};

extern char __image_end[], _head[];

static void config_report(void *ctx, const char *msg)
{
	(void)ctx;
	log_printf("%s\n", msg);
}

static int map_device_page(struct payload *p, uintptr_t base)
{
	return mmu_map(p->mmu, ALIGN_DOWN((uint64_t)base, PAGE_SIZE), PAGE_SIZE,
		       MMU_DEVICE);
}

static int console_start(struct payload *p, struct earlycon_choice *choice)
{
	struct uart_config cfg = choice->cfg;
	int ret;

	if (p->cfg.baud)
		cfg.baud = p->cfg.baud;
	if (p->cfg.uart_clock)
		cfg.clock_hz = p->cfg.uart_clock;
	ret = map_device_page(p, cfg.base);
	if (ret)
		return ret;
	ret = choice->driver->init(&p->con, &cfg);
	if (ret)
		return ret;
	p->have_console = true;
	log_set_console(&p->con);
	exception_ctx.con = &p->con;
	return 0;
}

/*
 * No usable DTB: no console, no PSCI conduit, no memory map.  Use the
 * build-time fallback console if there is one, say what happened, and try
 * PSCI through both conduits (system_exit with conduit unknown).
 */
static void __noreturn no_dtb(struct payload *p, uintptr_t dtb)
{
#ifdef FALLBACK_UART
	struct earlycon_choice choice;

	if (earlycon_from_spec_string(FALLBACK_UART, &choice) == 0 &&
	    console_start(p, &choice) == 0)
		log_printf("tinydump %s: no usable device tree at x0=0x%lx; "
			   "fallback console %s\n",
			   TINYDUMP_VERSION, (unsigned long)dtb, FALLBACK_UART);
#else
	(void)p;
	(void)dtb;
#endif
	exception_ctx.psci_conduit = -1;
	exception_ctx.after = FATAL_EXIT_RESET;
	system_exit();
}

static const char *attr_name(uint64_t attr)
{
	switch (attr) {
	case MAIR_ATTR_NORMAL_WB:
		return "normal write-back";
	case MAIR_ATTR_DEVICE_nGnRE:
		return "device-nGnRE";
	case MAIR_ATTR_NORMAL_NC:
		return "normal non-cacheable";
	default:
		return "other";
	}
}

/* Print what the MMU really does for an address (AT S1E1R, PAR_EL1). */
static void mmu_report_addr(const char *what, uintptr_t addr)
{
	uint64_t par = at_s1e1r(addr);

	if (par & PAR_F)
		log_printf("mmu: %s 0x%lx: not mapped (PAR_EL1=0x%lx)\n", what,
			   (unsigned long)addr, (unsigned long)par);
	else
		log_printf("mmu: %s 0x%lx: pa=0x%lx attr=0x%02lx (%s)\n", what,
			   (unsigned long)addr, (unsigned long)(par & PAR_PA_MASK),
			   (unsigned long)(par >> PAR_ATTR_SHIFT),
			   attr_name(par >> PAR_ATTR_SHIFT));
}

/* The reservation(s) are ours: map them read/write. */
static void map_reservation(struct payload *p)
{
	for (int i = 0; i < p->chosen.n_usable; i++) {
		const struct dt_range *r = &p->chosen.usable[i];
		uint64_t start = ALIGN_DOWN(r->base, PAGE_SIZE);
		uint64_t end = ALIGN_UP(r->base + r->size, PAGE_SIZE);
		int ret = mmu_map(p->mmu, start, end - start, MMU_RAM_RW);

		log_printf("memory: reservation 0x%lx-0x%lx (%lu KiB)%s\n",
			   (unsigned long)r->base,
			   (unsigned long)(r->base + r->size - 1),
			   (unsigned long)(r->size >> 10),
			   ret ? " NOT MAPPED" : "");
	}
	if (p->chosen.has_elfcorehdr) {
		uint64_t start = ALIGN_DOWN(p->chosen.elfcorehdr_addr, PAGE_SIZE);
		uint64_t end = ALIGN_UP(p->chosen.elfcorehdr_addr +
						p->chosen.elfcorehdr_size,
					PAGE_SIZE);

		if (mmu_map(p->mmu, start, end - start, MMU_RAM_RO))
			log_printf("memory: cannot map the elfcorehdr\n");
		log_printf("memory: elfcorehdr at 0x%lx, %lu bytes\n",
			   (unsigned long)p->chosen.elfcorehdr_addr,
			   (unsigned long)p->chosen.elfcorehdr_size);
	} else {
		log_printf("memory: no linux,elfcorehdr in /chosen (not loaded "
			   "with kexec -p?)\n");
	}
}

static void mmu_self_check(struct payload *p)
{
	uint64_t sctlr = read_sysreg(sctlr_el1);

	log_printf("mmu: SCTLR_EL1=0x%lx M=%d C=%d I=%d, %u of %u tables used\n",
		   (unsigned long)sctlr, !!(sctlr & SCTLR_EL1_M),
		   !!(sctlr & SCTLR_EL1_C), !!(sctlr & SCTLR_EL1_I),
		   p->mmu->tables_used, p->mmu->tables_total);
	mmu_report_addr("RAM (payload)", p->load_base);
	if (p->have_console)
		mmu_report_addr("MMIO (console)", p->con.base);
}

/* An address we know is not mapped, for the fault tests. */
static uintptr_t unmapped_address(struct payload *p)
{
	uint64_t top = 1ull << p->mmu->pa_bits;

	for (uint64_t a = top - PAGE_SIZE; a > PAGE_SIZE; a >>= 1)
		if (!mmu_is_mapped(ALIGN_DOWN(a, PAGE_SIZE), PAGE_SIZE))
			return (uintptr_t)ALIGN_DOWN(a, PAGE_SIZE);
	return 0;
}

static void debug_hooks(struct payload *p)
{
	uintptr_t bad;

	if (!p->cfg.debug[0])
		return;
	bad = unmapped_address(p);
	if (!strcmp(p->cfg.debug, "fault-in-handler")) {
		exception_ctx.fault_in_handler = 1;
		exception_ctx.fault_in_handler_addr = bad;
	}
	if (!strcmp(p->cfg.debug, "fault") ||
	    !strcmp(p->cfg.debug, "fault-in-handler")) {
		log_printf("tinydump: debug: reading unmapped address 0x%lx\n",
			   (unsigned long)bad);
		(void)*(volatile uint64_t *)bad;
	}
}

static void ip_text(char *out, size_t n, uint32_t ip)
{
	snprintf(out, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xffu,
		 (ip >> 8) & 0xffu, ip & 0xffu);
}

/*
 * The network, when netconsole= (or ip=) and a NIC are there: netconsole
 * starts at once, so every later console line goes out; the net sink
 * uses the same stack (payload/dump.c).
 */
static void net_start(struct payload *p)
{
	bool want_sink = dump_sink_listed(p->cfg.sinks, "net");
	char ours[16], peer[16];
	struct nic *nic;
	int ret;

	ret = net_config_parse(&p->netcfg, p->chosen.bootargs, p->cfg.port,
			       config_report, NULL);
	if (ret || (!want_sink && !p->netcfg.have_netconsole)) {
		if (want_sink)
			log_printf("net: tinydump.sink=net needs an address: "
				   "netconsole= or ip= (docs/net.md)\n");
		return;
	}
	ret = devices_find_nic(&p->dev, p->cfg.netdev, &nic);
	if (ret) {
		log_printf("net: no usable network interface (%d)\n", ret);
		return;
	}
	ret = net_init(&p->net, nic, &p->netcfg);
	if (ret) {
		log_printf("net: cannot start the network (%d)\n", ret);
		return;
	}
	p->net_up = true;
	ip_text(ours, sizeof(ours), p->netcfg.ip);
	ip_text(peer, sizeof(peer), p->netcfg.dump_ip);
	log_printf("net: %s on %s; dump target %s:%u\n", ours, nic->name, peer,
		   p->netcfg.dump_port);
	if (p->netcfg.have_netconsole &&
	    netconsole_init(&p->nc, &p->net, &p->netcfg.nc,
			    "tinydump-" TINYDUMP_VERSION) == 0) {
		p->nc_up = true;
		log_set_tap(netconsole_log_tap, &p->nc);
	}
}

static enum fatal_exit exit_action(const struct tinydump_config *cfg)
{
	switch (cfg->after) {
	case AFTER_OFF:
		return FATAL_EXIT_OFF;
	case AFTER_HALT:
		return FATAL_EXIT_HALT;
	default:
		return FATAL_EXIT_RESET;
	}
}

void __noreturn payload_main(uintptr_t dtb, unsigned entry_el,
			     uintptr_t load_base);
void payload_main(uintptr_t dtb, unsigned entry_el, uintptr_t load_base)
{
	static struct payload p;	/* BSS: too big for a comfortable stack */
	int ret;

	/* Before any stack-protected library code runs. */
	stack_guard_seed(read_sysreg(cntpct_el0));
	p.entry_el = entry_el;
	p.load_base = load_base;
	p.image_size = (uintptr_t)__image_end - (uintptr_t)_head;
	p.mmu = mmu_get();

	if (!p.mmu->dtb_mapped || fdt_check_header((const void *)dtb) != 0)
		no_dtb(&p, dtb);
	p.fdt = (const void *)dtb;

	/* Settings first (quietly): they may change the console's baud rate. */
	config_defaults(&p.cfg);
	if (dt_read_chosen(p.fdt, &p.chosen) == 0 && p.chosen.bootargs)
		config_parse(&p.cfg, p.chosen.bootargs, NULL, NULL);
	exception_ctx.after = exit_action(&p.cfg);
	p.conduit = dt_psci_conduit(p.fdt);
	exception_ctx.psci_conduit = p.conduit;

	ret = earlycon_select(p.fdt, p.chosen.bootargs, &p.uart);
	if (ret == 0)
		ret = console_start(&p, &p.uart);

	log_printf("\ntinydump %s: entered at EL%u, running at EL1; loaded at "
		   "0x%lx, image_size 0x%lx; DTB at 0x%lx (%lu bytes)\n",
		   TINYDUMP_VERSION, entry_el, (unsigned long)load_base,
		   (unsigned long)p.image_size, (unsigned long)dtb,
		   (unsigned long)p.mmu->dtb_size);
	if (p.have_console)
		log_printf("console: %s at 0x%lx from %s, %s\n", p.con.driver,
			   (unsigned long)p.con.base, p.uart.source,
			   p.con.baud ? "baud set by tinydump.baud" :
					"baud rate kept");
	if (p.uart.earlycon_err)
		log_printf("console: earlycon= not usable (%s); used %s instead\n",
			   p.uart.earlycon_err == -ENOTSUP ? "unsupported iotype" :
			   p.uart.earlycon_err == -ENODEV ? "unknown UART" :
							   "bad syntax",
			   p.uart.source);
	if (p.chosen.bootargs)
		config_parse(&p.cfg, p.chosen.bootargs, config_report, NULL);
	log_printf("psci: conduit %s\n", psci_conduit_name(p.conduit));

	map_reservation(&p);
	mmu_self_check(&p);
	debug_hooks(&p);
	/* Before anything reads the dead kernel's memory. */
	devices_quiesce(&p.dev, p.fdt, p.mmu);
	net_start(&p);

	struct dump_input in = {
		.fdt = p.fdt,
		.chosen = &p.chosen,
		.cfg = &p.cfg,
		.mmu = p.mmu,
		.con = p.have_console ? &p.con : NULL,
		.dev = &p.dev,
		.net = p.net_up ? &p.net : NULL,
		.netcfg = &p.netcfg,
		.nc = p.nc_up ? &p.nc : NULL,
	};
	dump_run(&in);
	log_printf("mmu: %u of %u translation tables used\n", p.mmu->tables_used,
		   p.mmu->tables_total);
	log_printf("tinydump: done\n");
	if (p.nc_up)
		netconsole_flush(&p.nc);
	log_set_tap(NULL, NULL);
	if (p.net_up && p.net.nic->ops->shutdown)
		p.net.nic->ops->shutdown(p.net.nic);
	system_exit();
}
