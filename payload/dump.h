/* SPDX-License-Identifier: MIT */
/*
 * The dump: from the ELF core header to the last record on every sink.
 */
#ifndef TINYDUMP_PAYLOAD_DUMP_H
#define TINYDUMP_PAYLOAD_DUMP_H

#include <stdint.h>

#include "drivers/console.h"
#include "fdt/dt.h"
#include "payload/config.h"
#include "purgatory/mmu.h"

#include "payload/engine.h"

/*
 * Pages compressed together in one lz4 block: 8 × 4 KiB.  Bigger blocks
 * compress a little better but cost the same again in staging memory.
 */
#define DUMP_BLOCK_PAGES ENGINE_BLOCK_PAGES
#define DUMP_PAGE_SIZE ENGINE_PAGE_SIZE
#define DUMP_STAGE_SIZE (DUMP_BLOCK_PAGES * DUMP_PAGE_SIZE)
/*
 * The record being built: one block of DUMP_BLOCK_PAGES pages stored raw
 * (the worst case) with its run header and tables.  STREAM_REC_MAX (64.4
 * KiB) would let a record hold two such blocks; the encoder makes smaller
 * records from a smaller buffer (payload/stream_enc.h), which costs a
 * 20-byte record header per 32 KiB and saves 28 KiB of image_size.
 */
#define DUMP_RECORD_SIZE (DUMP_STAGE_SIZE + 4096u)
/* PT_LOAD ranges and PT_NOTE segments we keep (kexec-tools writes one
 * PT_NOTE per possible CPU, one for VMCOREINFO, PT_LOADs per RAM range). */
#define DUMP_MAX_LOADS 128u
#define DUMP_MAX_NOTE_SEGS 64u
/* The merged notes: 392-byte NT_PRSTATUS per CPU plus VMCOREINFO (a page). */
#define DUMP_NOTES_MAX (24u * 1024u)
/* /memory and /reserved-memory no-map ranges we honour. */
#define DUMP_MAX_MEM_RANGES 32
/*
 * PFNs the page filter decides at once: its struct page buffer
 * (PAGEFILTER_BUF_SIZE) holds 512 of 64 bytes, makedumpfile's batch too.
 */
#define DUMP_FILTER_WINDOW 512u
/* A progress line at least this often. */
#define DUMP_PROGRESS_US 2000000u
/* How long tinydump.debug=stall-at-kib= stops the dump (tests). */
#define DUMP_DEBUG_STALL_US 120000000u

/* What the main sequence hands the dump. */
struct devices;
struct net_config;
struct net_stack;
struct netconsole;

struct dump_input {
	const void *fdt;
	const struct dt_chosen *chosen;
	const struct tinydump_config *cfg;
	struct mmu *mmu;
	struct console *con;	/* NULL when there is no console */
	struct devices *dev;	/* quiesced; block devices and NICs */
	struct net_stack *net;	/* NULL when the network is down */
	const struct net_config *netcfg;
	struct netconsole *nc;	/* NULL without netconsole */
};

/** dump_sink_listed() - whether tinydump.sink= (@list) names @name. */
bool dump_sink_listed(const char *list, const char *name);

/**
 * dump_run() - dump to the sinks tinydump.sink= names.
 * Return: 0 for a complete dump, or a negative errno saying why it is
 * partial or did not happen (all of it also reported on the console).
 */
int dump_run(const struct dump_input *in);

#endif
