// SPDX-License-Identifier: MIT
/*
 * report.txt and report.json: what a received stream held and what the
 * vmcore made of it (docs/tinydump.md, "report.json").  The JSON keys
 * listed there are an interface that tests and scripts parse: add keys,
 * never rename or drop one.
 */
#ifndef TINYDUMP_HOST_TOOLS_REPORT_H
#define TINYDUMP_HOST_TOOLS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "host-tools/collect.h"
#include "host-tools/dumpmeta.h"
#include "host-tools/netdump_rx.h"
#include "host-tools/vmcore.h"

/**
 * struct report_net - how a stream came over the network (`recv --udp`)
 * @peer: the board's last address, "ADDR:PORT"
 * @end:  how the session ended
 * @st:   the receiver's counters and the sender's, from its FINISH
 */
struct report_net {
	const char *peer;
	enum netdump_rx_end end;
	const struct netdump_rx_stats *st;
};

/**
 * struct report_block - where a dump read from a dump area came from
 * (tinydump recv --block; docs/block.md)
 * @device:       the disk or image as given
 * @area:         e.g. "GPT partition 'tinydump' (#3) of mmcblk0"
 * @offset:       the area's first byte on the device
 * @length:       its length in bytes
 * @generation:   the area header's generation
 * @commit:       "complete", "cut" or "aborted" (the commit record's
 *                status), or "missing", "stale", "damaged" when there is
 *                no commit record of this dump (then the dump is partial)
 * @stream_bytes: record bytes read from the area
 * @capacity:     record bytes the area can hold
 * @flags:        the commit record's BLKAREA_CMT_F_* (0 without one)
 * @error:        the commit record's error (0 without one)
 */
struct report_block {
	const char *device;
	const char *area;
	uint64_t offset, length, generation;
	const char *commit;
	uint64_t stream_bytes, capacity;
	uint32_t flags;
	int32_t error;
};

/**
 * struct report - everything a report says
 * @c:        the collector, after collect_finish()
 * @m:        its parsed notes
 * @complete: collect_finish() returned 0
 * @format:   "kdump", "elf" or "flat"; NULL when no vmcore was written
 * @vmcore:   file name of the vmcore in the directory, or NULL
 * @vr:       what its writer did, or NULL
 * @net:      the network transfer, or NULL for other inputs
 * @block:    the dump area it was read from, or NULL
 */
struct report {
	const struct collect *c;
	const struct dumpmeta *m;
	bool complete;
	const char *format;
	const char *vmcore;
	const struct vmcore_result *vr;
	const struct report_net *net;
	const struct report_block *block;
};

/**
 * report_text() - the human-readable report (report.txt, `info` on streams)
 * @r: what to say
 * @f: where
 */
void report_text(const struct report *r, FILE *f);

/**
 * report_json() - report.json
 * @r: what to say
 * @f: where
 */
void report_json(const struct report *r, FILE *f);

/**
 * report_net_end_name() - "finished", "timed out", "failed" or "stopped"
 * @end: how a network session ended
 * Return: a static string.
 */
const char *report_net_end_name(enum netdump_rx_end end);

/**
 * report_excl_name() - short name of an exclusion reason
 * @reason: STREAM_EXCL_*
 * Return: e.g. "free"; "reason12" style names are static too.
 */
const char *report_excl_name(unsigned reason);

#endif
