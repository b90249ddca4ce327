// SPDX-License-Identifier: MIT
/*
 * The dead kernel's dmesg, printed byte for byte as kexec-tools'
 * vmcore-dmesg prints it (util_lib/elf_info.c: dump_dmesg_lockless for the
 * lockless printk_ringbuffer of Linux 5.10+, dump_dmesg_structured for the
 * log_buf records of 3.5-5.9).  Memory is read through the caller's
 * callbacks, a piece at a time: no allocation, no scratch buffer, any
 * output buffer size.  Shared by the payload and the host tool.
 * The format rules and the layouts are listed at the top of dmesg.c.
 * 64-bit little-endian kernels only (arm64).
 */
#ifndef TINYDUMP_PAYLOAD_DMESG_H
#define TINYDUMP_PAYLOAD_DMESG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/vmcoreinfo.h"

/*
 * Translation granule used to split reads: every read is cut at 4 KiB
 * boundaries and each piece translated on its own, which is right for any
 * arm64 page size (a 4 KiB piece never crosses a 16 or 64 KiB page).
 */
#define DMESG_PIECE 4096u
/* Longest "[sec.usec] " prefix: two 20-digit numbers (see dmesg.c). */
#define DMESG_PREFIX_MAX 48u
/* Text read ahead per callback when formatting a record. */
#define DMESG_TEXT_BUF 128u

/**
 * struct dmesg_ops - how the dead kernel's memory is reached
 * @va_to_pa: translate a kernel virtual address; 0 or a negative errno
 * @read:     copy @len bytes of physical memory at @pa (never crossing a
 *            DMESG_PIECE boundary of the virtual address it came from);
 *            0 or a negative errno.  Must not fault on bad addresses.
 */
struct dmesg_ops {
	int (*va_to_pa)(void *ctx, uint64_t va, uint64_t *pa);
	int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
};

enum dmesg_kind {
	DMESG_NONE = 0,
	DMESG_LOCKLESS,		/* printk_ringbuffer, Linux 5.10+ */
	DMESG_STRUCTURED,	/* log_buf of struct printk_log, 3.5-5.9 */
};

/**
 * struct dmesg_stats - what the walk saw (records printed or skipped with
 *                      dmesg_skip_records(); not the counting pass);
 *                      anomalies never stop the walk except where noted
 * @records:     records produced (each ends with the record's '\n')
 * @uncommitted: descriptors not committed/finalized or holding another id:
 *               normal for reserved and reusable slots, not printed (as
 *               vmcore-dmesg)
 * @dataless:    records without a text block (printed as a bare prefix)
 * @truncated:   text_len longer than the data block: cut to the block
 *               (as vmcore-dmesg does)
 * @bad_lpos:    data blocks smaller than their id or text past the end of
 *               the ring/buffer: text cut to what lies inside
 * @bad_ids:     head/tail ids with flag bits set, or more ids between tail
 *               and head than descriptors: the walk is clamped to the last
 *               2^count_bits ids
 * @read_errors: translations or reads that failed: the descriptor is
 *               skipped, or the record's text cut where it failed
 * @bad_records: log_buf walk stopped: a header outside the buffer, a length
 *               below the header size, or a second wrap (vmcore-dmesg
 *               exits there with "Index outside log_buf" / "Cycle")
 */
struct dmesg_stats {
	uint64_t records;
	uint64_t uncommitted;
	uint64_t dataless;
	uint64_t truncated;
	uint64_t bad_lpos;
	uint64_t bad_ids;
	uint64_t read_errors;
	uint64_t bad_records;
};

/* A position in the walk; internal, used by the counting pass too. */
struct dmesg_cursor {
	uint64_t step;		/* lockless: ids visited since the first */
	uint64_t nrec;		/* records produced since the first */
	uint32_t idx;		/* structured: offset of the next header */
	bool wrapped;		/* structured: the len == 0 marker was taken */
	bool done;
};

/**
 * struct dmesg - the decoder; fill with dmesg_init(), no resources held
 * Fields below @stats are internal.
 */
struct dmesg {
	enum dmesg_kind kind;
	struct dmesg_stats stats;

	const struct dmesg_ops *ops;
	void *ctx;

	/* lockless */
	uint64_t descs, infos, data;	/* kernel VAs of the three arrays */
	uint64_t count, size;		/* 2^count_bits, 2^size_bits */
	uint64_t desc_sz, info_sz;
	uint64_t off_sv, off_begin, off_next, off_ts, off_tlen;
	uint64_t first_id, nids;	/* ids first_id .. +nids-1, masked */

	/* structured */
	uint64_t log_buf;		/* kernel VA of the buffer */
	uint32_t buf_len, first_idx, next_idx;
	uint32_t log_sz, loff_ts, loff_len, loff_tlen;

	/* dmesg_next_record(): where seq and facility/level are, if known */
	bool has_seq, has_meta;
	uint32_t off_seq, off_fac;	/* from the info/header start */
	uint64_t raw_va;		/* the record's next raw text byte */
	uint32_t raw_left;

	/* the walk and the record being formatted */
	struct dmesg_cursor cur;
	bool in_record;
	uint64_t text_va;		/* next text byte's VA */
	uint32_t text_left;		/* text bytes still to format */
	char pend[DMESG_PREFIX_MAX];	/* prefix, escape or '\n' to copy */
	uint8_t pend_len, pend_pos;
	bool newline_done;
	uint8_t tbuf[DMESG_TEXT_BUF];	/* text read ahead */
	uint32_t tbuf_len, tbuf_pos;
};

/**
 * dmesg_init() - find the printk buffer of the dead kernel
 * @dm:   the decoder
 * @vi:   the dead kernel's VMCOREINFO
 * @ops:  memory access (kept: must outlive @dm)
 * @ctx:  passed to @ops
 *
 * SYMBOL(prb) chooses the lockless ring (its descriptor ring, info array
 * and text ring are located through the SIZE()/OFFSET() keys Linux exports
 * in log_buf_vmcoreinfo_setup()); otherwise SYMBOL(log_first_idx) chooses
 * the log_buf records.  Positions the walk at the first record.
 *
 * Return: 0; -EINVAL if an argument is NULL; -ENODEV if VMCOREINFO names
 * no printk buffer; -ENOTSUP for the pre-3.5 character ring (log_end,
 * which no arm64 kernel has); -EPROTO if a key is missing or a size,
 * offset or bit count is impossible; -EIO if the ring's control data
 * cannot be read.
 */
int dmesg_init(struct dmesg *dm, const struct vmcoreinfo *vi,
	       const struct dmesg_ops *ops, void *ctx);

/**
 * dmesg_next_chunk() - the next piece of the formatted output
 * @dm:  from dmesg_init()
 * @out: receives the bytes (not NUL-terminated)
 * @cap: its size, at least 1 (a few hundred bytes is a good size)
 * @len: receives the number of bytes written, 1..@cap
 * @eor: receives true if the piece ends the record (its final '\n')
 *
 * Concatenated, the pieces are exactly vmcore-dmesg's output.  A piece
 * never spans two records, so a caller may frame or count records.
 * A record's text may itself hold '\n' (multi-line records).
 *
 * Return: 1 and a piece; 0 when no records are left; -EINVAL on a bad
 * argument or an uninitialised @dm.
 */
int dmesg_next_chunk(struct dmesg *dm, char *out, size_t cap, size_t *len,
		     bool *eor);

/**
 * struct dmesg_record - one record as the kernel stored it, for callers
 *                       that format records themselves (netconsole's
 *                       extended format, /dev/kmsg's)
 * @seq:       printk_info.seq (lockless ring, when VMCOREINFO has
 *             OFFSET(printk_info.seq)); otherwise the record's position
 *             counted from the oldest record in the buffer (log_buf
 *             kernels do not export log_first_seq)
 * @ts_nsec:   the timestamp, as stored
 * @text_len:  how many text bytes dmesg_read_text() gives at most
 * @facility:  syslog facility (0: the kernel)
 * @level:     syslog level 0..7
 * @cont:      LOG_CONT: the record continues the previous one
 * @seq_known: @seq comes from the record
 * @meta_known: @facility, @level and @cont come from the record; false
 *             when VMCOREINFO does not pin the layout (then 0, 6, false)
 */
struct dmesg_record {
	uint64_t seq;
	uint64_t ts_nsec;
	uint32_t text_len;
	uint8_t facility;
	uint8_t level;
	bool cont;
	bool seq_known;
	bool meta_known;
};

/* Level and facility reported when the record layout is not known. */
#define DMESG_LEVEL_UNKNOWN 6	/* LOGLEVEL_INFO */

/**
 * dmesg_next_record() - the next record's metadata; its raw text then
 *                       comes from dmesg_read_text()
 * @dm:  from dmesg_init()
 * @rec: receives the record
 *
 * Drops what is left of a record half-printed by dmesg_next_chunk().
 * The walk and the statistics are those of dmesg_next_chunk(): the two
 * may be mixed, each record being produced once.
 *
 * Return: 1 and @rec; 0 when no records are left; -EINVAL on a bad
 * argument or an uninitialised @dm.
 */
int dmesg_next_record(struct dmesg *dm, struct dmesg_record *rec);

/**
 * dmesg_read_text() - the raw text of the record dmesg_next_record() gave,
 *                     in order, unescaped
 * @dm:  from dmesg_init()
 * @buf: receives up to @cap bytes
 * @cap: its size
 *
 * A read error cuts the text there (counted in stats.read_errors).
 *
 * Return: the number of bytes written, 0 at the end of the text, or
 * -EINVAL.
 */
int dmesg_read_text(struct dmesg *dm, void *buf, size_t cap);

/**
 * dmesg_count_records() - how many records the walk produces in all
 * @dm: from dmesg_init(); its position and statistics are not changed
 * @n:  receives the count
 *
 * Reads only descriptors (lockless) or headers (log_buf), no text.
 *
 * Return: 0; -EINVAL if an argument is NULL or @dm is uninitialised.
 */
int dmesg_count_records(const struct dmesg *dm, uint64_t *n);

/**
 * dmesg_rewind() - back to the first record (statistics are kept)
 * @dm: from dmesg_init()
 */
void dmesg_rewind(struct dmesg *dm);

/**
 * dmesg_skip_records() - drop the rest of the current record, if started,
 *                        then skip @n whole records
 * @dm: from dmesg_init()
 * @n:  records to skip
 *
 * Return: the number of records skipped (less than @n at the end), or
 * -EINVAL.
 */
int64_t dmesg_skip_records(struct dmesg *dm, uint64_t n);

/**
 * dmesg_tail() - rewind and position the walk at the last @n records
 * @dm: from dmesg_init()
 * @n:  records wanted (all of them if there are fewer)
 *
 * Two passes over the descriptors: count, then skip the surplus.
 *
 * Return: 0 or -EINVAL.
 */
int dmesg_tail(struct dmesg *dm, uint64_t n);

#endif
