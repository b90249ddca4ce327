// SPDX-License-Identifier: MIT
/*
 * The reports of a received dump.  report.json's documented keys (status,
 * format, crash_id, crashtime, producer, page_size, dump_level, pages,
 * missing, unreadable, records, trailer) keep their names and meaning;
 * the rest is informative.  PFN ranges are inclusive [first, last] pairs,
 * sorted and merged.
 */
#include "host-tools/report.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "payload/blkarea.h"
#include "payload/stream.h"

#define TEXT_RANGES_MAX 200

static const char *const excl_names[STREAM_EXCL_REASONS] = {
    [STREAM_EXCL_OTHER] = "other",
    [STREAM_EXCL_ZERO] = "zero",
    [STREAM_EXCL_CACHE] = "cache",
    [STREAM_EXCL_CACHE_PRIVATE] = "cache_private",
    [STREAM_EXCL_USER] = "user",
    [STREAM_EXCL_FREE] = "free",
    [STREAM_EXCL_HWPOISON] = "hwpoison",
    [STREAM_EXCL_OFFLINE] = "offline",
    [STREAM_EXCL_UNACCEPTED] = "unaccepted",
    "reason9",
    "reason10",
    "reason11",
    "reason12",
    "reason13",
    "reason14",
    "reason15",
};

const char *report_excl_name(unsigned reason)
{
	return reason < STREAM_EXCL_REASONS ? excl_names[reason] : "?";
}

static const char *trailer_status(uint8_t s)
{
	return s == STREAM_STATUS_COMPLETE ? "complete"
	       : s == STREAM_STATUS_CUT	   ? "cut"
					   : "aborted";
}

static uint64_t crashtime(const struct report *r)
{
	if (r->m->has_crashtime)
		return r->m->crashtime;
	return r->c->have_header ? r->c->hdr.crashtime : 0;
}

static uint32_t bad_frames(const struct collect *c)
{
	return c->fdec.stats.bad_frames + c->raw_bad + c->sum.records_bad;
}

/* --- text
 * ----------------------------------------------------------------------- */

static void text_size(FILE *f, uint64_t bytes)
{
	if (bytes >= (1ull << 30))
		fprintf(f, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= (1ull << 20))
		fprintf(f, "%.1f MiB", (double)bytes / (1ull << 20));
	else
		fprintf(f, "%.1f KiB", (double)bytes / 1024);
}

static void text_ranges(FILE *f, const struct collect *c,
			const struct collect_ranges *rs, const char *what)
{
	const struct collect_range *x;
	size_t i;

	if (!rs->n)
		return;
	fprintf(f, "\n%s pages (%zu range%s, inclusive):\n", what, rs->n,
		rs->n == 1 ? "" : "s");
	for (i = 0; i < rs->n && i < TEXT_RANGES_MAX; i++) {
		x = &rs->r[i];
		fprintf(f,
			"  PFN 0x%" PRIx64 "-0x%" PRIx64 "  paddr 0x%" PRIx64
			"-0x%" PRIx64 "  %" PRIu64 " page%s, ",
			x->first, x->first + x->count - 1, x->first << c->shift,
			((x->first + x->count) << c->shift) - 1, x->count,
			x->count == 1 ? "" : "s");
		text_size(f, x->count << c->shift);
		fputc('\n', f);
	}
	if (rs->n > TEXT_RANGES_MAX)
		fprintf(f, "  ... %zu more in report.json\n",
			rs->n - TEXT_RANGES_MAX);
}

static void text_header(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;
	char id[2 * STREAM_CRASH_ID_LEN + 1], when[64] = "unknown";
	time_t t = (time_t)crashtime(r);
	struct tm tm;

	if (t && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "status:      %s\n", r->complete ? "complete" : "partial");
	if (collect_no_memory_map(c))
		fprintf(f, "             the payload found no usable ELF core header: "
			   "no memory was dumped,\n             only notes and "
			   "logs (metadata only; see its console.log)\n");
	fprintf(f, "crash id:    %s\n",
		collect_crash_id(c, id) ? id : "unknown");
	fprintf(f, "crash time:  %s (%" PRIu64 ")\n", when, crashtime(r));
	fprintf(f, "kernel:      %s\n",
		r->m->has_osrelease ? r->m->osrelease : "unknown");
	if (r->m->has_uts)
		fprintf(f, "host:        %s\n",
			r->m->uts[DUMPMETA_UTS_NODENAME]);
	if (c->have_header)
		fprintf(f,
			"producer:    %s\npage size:   %" PRIu32
			"\ndump level:  %u\nmax PFN:     0x%" PRIx64 "\n",
			c->hdr.producer, c->hdr.page_size, c->hdr.dump_level,
			c->hdr.max_pfn);
	if (c->have_header && (c->hdr.flags & STREAM_HDR_F_NO_MAP))
		fprintf(f, "map:         none: the payload found no usable ELF "
			   "core header, so no pages were sent\n");
	if (!c->have_header)
		fprintf(f,
			"header:      lost (page size %" PRIu32
			" taken from page records)\n",
			c->page_size);
	fprintf(f, "input:       %s, %" PRIu64 " bytes%s%s\n",
		c->input == COLLECT_IN_RECORDS ? "records" : "console capture",
		c->bytes_in, c->begin_seen ? ", BEGIN marker" : "",
		c->end_seen ? ", END marker" : "");
}

static void text_pages(const struct report *r, FILE *f)
{
	const struct collect_counts *k = &r->c->cnt;
	unsigned i;

	fprintf(f,
		"\npages: dumped %" PRIu64 ", zero %" PRIu64
		", excluded %" PRIu64 ", unreadable %" PRIu64
		", missing %" PRIu64 "\n",
		k->dumped, k->zero, k->excluded, k->unreadable, k->missing);
	if (k->excluded) {
		fprintf(f, "excluded by reason:");
		for (i = 0; i < STREAM_EXCL_REASONS; i++)
			if (k->excluded_by[i])
				fprintf(f, " %s %" PRIu64, report_excl_name(i),
					k->excluded_by[i]);
		fputc('\n', f);
	}
	if (k->corrupt)
		fprintf(f,
			"corrupt blocks (counted as missing): %" PRIu64
			" pages\n",
			k->corrupt);
	fprintf(f,
		"map: %" PRIu32 " LOAD ranges (%s), %" PRIu32
		" reserved ranges; notes %" PRIu32 " bytes (%s)\n",
		r->c->nloads_sorted,
		r->c->map_complete ? "complete" : "incomplete",
		r->c->resv_total, r->c->notes_total,
		r->c->sum.notes_complete ? "complete" : "incomplete");
}

static void text_records(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;
	const struct stream_dec_summary *s = &c->sum;

	fprintf(f,
		"\nrecords: good %" PRIu32 ", bad frames %" PRIu32
		", lost %" PRIu64 " (in %" PRIu32 " gaps), duplicate %" PRIu32
		", other streams %" PRIu32 ", invalid %" PRIu32 "\n",
		c->taken, bad_frames(c), s->seq_lost, s->lost_ranges,
		s->records_dup, s->records_foreign + c->filtered,
		s->records_invalid);
	if (c->have_trailer)
		fprintf(f, "trailer: %s, error %" PRId32 ", totals %s\n",
			trailer_status(c->trl.status), c->trl.error,
			s->totals_match ? "match" : "differ from what arrived");
	else
		fprintf(f, "trailer: not received (the stream ended early)\n");
	if (c->msg_len) {
		fprintf(f, "payload messages:\n");
		fwrite(c->msg, 1, c->msg_len, f);
		if (c->msg[c->msg_len - 1] != '\n')
			fputc('\n', f);
	}
}

static void text_vmcore(const struct report *r, FILE *f)
{
	const struct vmcore_result *v = r->vr;

	if (!r->format || !v)
		return;
	fprintf(f, "\nvmcore: %s, format %s, ", r->vmcore, r->format);
	text_size(f, v->bytes);
	fputc('\n', f);
	if (!strcmp(r->format, "elf")) {
		fprintf(
		    f,
		    "  %" PRIu64 " RAM PT_LOADs, %u kernel image PT_LOADs%s\n",
		    v->segments, v->kimage_segs,
		    v->xnum ? " (PN_XNUM: over 65534 program headers)" : "");
		fprintf(f, "  virtual addresses from %s\n", v->vaddr_source);
		if (strcmp(v->vaddr_source, "VMCOREINFO"))
			fprintf(
			    f,
			    "  (no usable VMCOREINFO: the stream map's vaddrs, "
			    "as the elfcorehdr gave them, may be wrong)\n");
		if (v->have_kimage)
			fprintf(
			    f,
			    "  kernel image 0x%" PRIx64 " -> paddr 0x%" PRIx64
			    ", 0x%" PRIx64 " bytes (%s, size: %s)\n",
			    v->kimage.vaddr, v->kimage.paddr, v->kimage.size,
			    r->m->text_rule, v->kimage.size_rule);
		fprintf(f, "  pages not in the dump have no PT_LOAD: readers "
			   "report their addresses as absent.\n");
	} else {
		fprintf(f,
			"  pages: %" PRIu64 " zlib, %" PRIu64 " raw, %" PRIu64
			" zero\n",
			v->zlib_pages, v->raw_pages, v->zero_pages);
		fprintf(
		    f,
		    "  pages not in the dump are left out of bitmap 2: crash "
		    "reports them as not dumped, never as zeros.%s\n",
		    r->complete ? ""
				: "\n  header status has "
				  "DUMP_DH_COMPRESSED_INCOMPLETE (crash: "
				  "[INCOMPLETE]).");
	}
}

const char *report_net_end_name(enum netdump_rx_end end)
{
	switch (end) {
	case NETDUMP_RX_FINISHED:
		return "finished";
	case NETDUMP_RX_EXPIRED:
		return "timed out";
	case NETDUMP_RX_FAILED:
		return "failed";
	default:
		return "stopped";
	}
}

static void text_net(const struct report *r, FILE *f)
{
	const struct report_net *n = r->net;
	const struct netdump_rx_stats *s;

	if (!n)
		return;
	s = n->st;
	fprintf(f,
		"\nnetwork: UDP from %s, %s after %.1f s; %" PRIu64
		" packets (%" PRIu64 " DATA, %" PRIu64 " duplicate, %" PRIu64
		" beyond the window), %" PRIu64 " ACKs sent; chunks of %u "
		"bytes, window %u\n",
		n->peer, report_net_end_name(n->end), s->ended - s->started,
		s->packets, s->data_packets, s->duplicates, s->out_of_window,
		s->acks_sent, s->chunk, s->window);
	if (s->finished)
		fprintf(f,
			"sender: %" PRIu64 " DATA packets sent, %" PRIu64
			" retransmitted, %" PRIu32 " timer expiries, round "
			"trip %" PRIu32 " us, %u heralds\n",
			s->sender_sent, s->sender_retransmits,
			s->sender_timeouts, s->sender_srtt_us,
			s->sender_heralds);
	else
		fprintf(f, "sender: no FINISH: its counters are unknown\n");
}

static void text_block(const struct report *r, FILE *f)
{
	const struct report_block *b = r->block;

	if (!b)
		return;
	fprintf(f, "block area:  %s (%s), bytes %" PRIu64 "+%" PRIu64
		   ", generation %" PRIu64 "\n",
		b->area, b->device, b->offset, b->length, b->generation);
	fprintf(f, "             %" PRIu64 " of %" PRIu64 " stream bytes read; "
		   "commit record: %s%s%s\n", b->stream_bytes, b->capacity,
		b->commit, b->flags & BLKAREA_CMT_F_FULL ? ", the area was full" : "",
		b->flags & BLKAREA_CMT_F_WRITE_ERROR ? ", a write failed" : "");
	if (strcmp(b->commit, "complete") && strcmp(b->commit, "cut") &&
	    strcmp(b->commit, "aborted"))
		fprintf(f, "             no commit record of this dump: it was "
			   "interrupted (power loss, reset, hang) and is "
			   "partial\n");
}

void report_text(const struct report *r, FILE *f)
{
	text_header(r, f);
	text_block(r, f);
	text_pages(r, f);
	text_ranges(f, r->c, &r->c->missing, "missing");
	text_ranges(f, r->c, &r->c->unreadable, "unreadable");
	text_records(r, f);
	text_net(r, f);
	text_vmcore(r, f);
}

/* --- JSON
 * ------------------------------------------------------------------------- */

static void json_ranges(FILE *f, const struct collect_ranges *rs)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < rs->n; i++)
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
			rs->r[i].first, rs->r[i].first + rs->r[i].count - 1);
	fputc(']', f);
}

static void json_pages(const struct report *r, FILE *f)
{
	const struct collect_counts *k = &r->c->cnt;
	unsigned i;

	fprintf(f,
		"  \"pages\": {\"dumped\": %" PRIu64 ", \"zero\": %" PRIu64
		", \"excluded\": %" PRIu64 ", \"unreadable\": %" PRIu64
		", \"missing\": %" PRIu64 ", \"corrupt\": %" PRIu64
		", \"excluded_by_reason\": {",
		k->dumped, k->zero, k->excluded, k->unreadable, k->missing,
		k->corrupt);
	for (i = 0; i < STREAM_EXCL_REASONS; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", excl_names[i],
			k->excluded_by[i]);
	fprintf(f, "}},\n  \"missing\": ");
	json_ranges(f, &r->c->missing);
	fprintf(f, ",\n  \"unreadable\": ");
	json_ranges(f, &r->c->unreadable);
	fprintf(f, ",\n");
}

static void json_records(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;
	const struct stream_dec_summary *s = &c->sum;

	fprintf(f,
		"  \"records\": {\"good\": %" PRIu32
		", \"bad_frames\": %" PRIu32 ", \"lost\": %" PRIu64
		", \"lost_gaps\": %" PRIu32 ", \"duplicate\": %" PRIu32
		", \"foreign\": %" PRIu32 ", \"invalid\": %" PRIu32
		", \"unknown\": %" PRIu32 "},\n",
		c->taken, bad_frames(c), s->seq_lost, s->lost_ranges,
		s->records_dup, s->records_foreign + c->filtered,
		s->records_invalid, s->records_unknown);
	if (c->have_trailer)
		fprintf(
		    f,
		    "  \"trailer\": {\"status\": \"%s\", \"error\": %" PRId32
		    ", \"totals_match\": %s, \"end_pfn\": %" PRIu64 "},\n",
		    trailer_status(c->trl.status), c->trl.error,
		    s->totals_match ? "true" : "false", c->trl.end_pfn);
	else
		fprintf(f, "  \"trailer\": null,\n");
}

static void json_map(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;
	uint32_t i, n = 0;

	fprintf(f, "  \"map\": {\"complete\": %s, \"load\": [",
		c->map_complete ? "true" : "false");
	for (i = 0; i < c->nloads_sorted; i++)
		fprintf(f,
			"%s{\"paddr\": %" PRIu64 ", \"size\": %" PRIu64
			", \"vaddr\": %" PRIu64 "}",
			i ? ", " : "", c->loads_sorted[i].paddr,
			c->loads_sorted[i].size, c->loads_sorted[i].vaddr);
	fprintf(f, "], \"resv\": [");
	for (i = 0; i < c->resv_total && i < STREAM_MAP_MAX; i++)
		if (c->resv_have[i])
			fprintf(
			    f,
			    "%s{\"paddr\": %" PRIu64 ", \"size\": %" PRIu64 "}",
			    n++ ? ", " : "", c->resv[i].paddr, c->resv[i].size);
	fprintf(f, "], \"no_map\": %s},\n  \"max_pfn\": %" PRIu64 ",\n",
		c->have_header && (c->hdr.flags & STREAM_HDR_F_NO_MAP)
		    ? "true"
		    : "false",
		collect_pfn_end(c));
}

static void json_texts(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;

	fprintf(f,
		"  \"text\": {\"console_log\": %" PRIu64 ", \"dmesg\": %" PRIu64
		", \"messages\": ",
		c->tlen[STREAM_TEXT_LOG], c->tlen[STREAM_TEXT_DMESG]);
	dumpmeta_json_str(f, c->msg ? c->msg : "", c->msg_len);
	fprintf(f,
		"},\n  \"input\": {\"kind\": \"%s\", \"bytes\": %" PRIu64
		", \"begin_marker\": %s, \"end_marker\": %s},\n",
		c->input == COLLECT_IN_RECORDS ? "records" : "framed",
		c->bytes_in, c->begin_seen ? "true" : "false",
		c->end_seen ? "true" : "false");
	fprintf(f,
		"  \"notes\": {\"bytes\": %" PRIu32 ", \"complete\": %s, "
		"\"cpus\": %u},\n",
		c->notes_total, c->sum.notes_complete ? "true" : "false",
		r->m->ncpus);
}

static void json_block(const struct report *r, FILE *f)
{
	const struct report_block *b = r->block;

	if (!b) {
		fprintf(f, "  \"block\": null,\n");
		return;
	}
	fprintf(f, "  \"block\": {\"device\": ");
	dumpmeta_json_str(f, b->device, strlen(b->device));
	fprintf(f, ", \"area\": ");
	dumpmeta_json_str(f, b->area, strlen(b->area));
	fprintf(f,
		", \"offset\": %" PRIu64 ", \"length\": %" PRIu64
		", \"generation\": %" PRIu64 ", \"commit\": \"%s\", "
		"\"stream_bytes\": %" PRIu64 ", \"capacity\": %" PRIu64
		", \"full\": %s, \"write_error\": %s, \"error\": %" PRId32
		"},\n",
		b->offset, b->length, b->generation, b->commit, b->stream_bytes,
		b->capacity, b->flags & BLKAREA_CMT_F_FULL ? "true" : "false",
		b->flags & BLKAREA_CMT_F_WRITE_ERROR ? "true" : "false", b->error);
}

static void json_vmcore(const struct report *r, FILE *f)
{
	const struct vmcore_result *v = r->vr;

	if (!v || !r->vmcore) {
		fprintf(f, "  \"vmcore\": null,\n");
		return;
	}
	fprintf(f, "  \"vmcore\": {\"file\": ");
	dumpmeta_json_str(f, r->vmcore, strlen(r->vmcore));
	fprintf(f, ", \"bytes\": %" PRIu64, v->bytes);
	if (!strcmp(r->format, "elf")) {
		fprintf(f,
			", \"ram_segments\": %" PRIu64
			", \"kimage_segments\": %u, \"pn_xnum\": %s"
			", \"vaddr_source\": \"%s\"",
			v->segments, v->kimage_segs, v->xnum ? "true" : "false",
			v->vaddr_source);
		if (v->have_kimage)
			fprintf(f,
				", \"kimage\": {\"vaddr\": \"0x%" PRIx64
				"\", \"paddr\": \"0x%" PRIx64
				"\", \"size\": %" PRIu64 "}",
				v->kimage.vaddr, v->kimage.paddr,
				v->kimage.size);
	} else {
		fprintf(f,
			", \"zlib_pages\": %" PRIu64 ", \"raw_pages\": %" PRIu64
			", \"zero_pages\": %" PRIu64
			", \"incomplete_flag\": %s",
			v->zlib_pages, v->raw_pages, v->zero_pages,
			r->complete ? "false" : "true");
	}
	fprintf(f, "},\n");
}

static void json_net(const struct report *r, FILE *f)
{
	const struct report_net *n = r->net;
	const struct netdump_rx_stats *s;

	if (!n) {
		fprintf(f, "  \"net\": null,\n");
		return;
	}
	s = n->st;
	fprintf(f, "  \"net\": {\"transport\": \"udp\", \"peer\": ");
	dumpmeta_json_str(f, n->peer, strlen(n->peer));
	fprintf(f,
		", \"end\": \"%s\", \"seconds\": %.3f, \"chunk\": %u"
		", \"window\": %u, \"packets\": %" PRIu64
		", \"data_packets\": %" PRIu64 ", \"duplicates\": %" PRIu64
		", \"out_of_window\": %" PRIu64 ", \"acks_sent\": %" PRIu64
		", \"bytes\": %" PRIu64 ", \"heralds\": %" PRIu32
		", \"sender\": ",
		report_net_end_name(n->end), s->ended - s->started, s->chunk,
		s->window, s->packets, s->data_packets, s->duplicates,
		s->out_of_window, s->acks_sent, s->bytes, s->heralds);
	if (s->finished)
		fprintf(f,
			"{\"packets_sent\": %" PRIu64
			", \"retransmits\": %" PRIu64 ", \"timeouts\": %" PRIu32
			", \"srtt_us\": %" PRIu32 ", \"heralds\": %u"
			", \"status\": \"%s\", \"total\": %" PRIu64 "}},\n",
			s->sender_sent, s->sender_retransmits,
			s->sender_timeouts, s->sender_srtt_us,
			s->sender_heralds, trailer_status(s->sender_status),
			s->total);
	else
		fprintf(f, "null},\n");
}

void report_json(const struct report *r, FILE *f)
{
	const struct collect *c = r->c;
	char id[2 * STREAM_CRASH_ID_LEN + 1];

	fprintf(f, "{\n  \"status\": \"%s\",\n  \"no_memory_map\": %s,\n"
		   "  \"format\": ", r->complete ? "complete" : "partial",
		collect_no_memory_map(c) ? "true" : "false");
	if (r->format)
		fprintf(f, "\"%s\"", r->format);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"crash_id\": ");
	if (collect_crash_id(c, id))
		fprintf(f, "\"%s\"", id);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"crashtime\": %" PRIu64 ",\n  \"producer\": ",
		crashtime(r));
	dumpmeta_json_str(f, c->have_header ? c->hdr.producer : "",
			  c->have_header ? strlen(c->hdr.producer) : 0);
	fprintf(f, ",\n  \"page_size\": %" PRIu32 ",\n  \"dump_level\": ",
		c->page_size);
	if (c->have_header)
		fprintf(f, "%u,\n", c->hdr.dump_level);
	else
		fprintf(f, "null,\n");
	json_pages(r, f);
	json_records(r, f);
	json_map(r, f);
	json_texts(r, f);
	json_net(r, f);
	json_block(r, f);
	json_vmcore(r, f);
	fprintf(f, "  \"vmcoreinfo\": {\n");
	dumpmeta_json(r->m, f, 4);
	fprintf(f, "\n  }\n}\n");
}
