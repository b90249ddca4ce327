// SPDX-License-Identifier: MIT
/*
 * Writers of the vmcore a collected stream becomes: makedumpfile's
 * kdump-compressed format ("KDUMP   ", header version 6), the same as
 * flattened records (makedumpfile -F; `makedumpfile -R` rebuilds it), and
 * an ELF64 core laid out like /proc/vmcore.  Layouts: REFERENCE.md §3 and
 * docs/tinydump.md.  Pages that are not in the dump (excluded, unreadable,
 * missing) are never written as made-up zeros: kdump leaves them out of
 * bitmap 2, ELF leaves them out of every PT_LOAD.
 */
#ifndef TINYDUMP_HOST_TOOLS_VMCORE_H
#define TINYDUMP_HOST_TOOLS_VMCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "host-tools/collect.h"
#include "host-tools/dumpmeta.h"

/* --- kdump-compressed layout (makedumpfile diskdump_mod.h, LP64) -------- */
#define KDUMP_SIGNATURE		   "KDUMP   "
#define KDUMP_SIG_LEN		   8
#define KDUMP_HEADER_VERSION	   6
#define KDUMP_DH_VERSION	   8
#define KDUMP_DH_UTSNAME	   12  /* six char[65] */
#define KDUMP_DH_TIMESTAMP	   408 /* struct timeval: s64 sec, s64 usec */
#define KDUMP_DH_STATUS		   424
#define KDUMP_DH_BLOCK_SIZE	   428
#define KDUMP_DH_SUB_HDR_SIZE	   432
#define KDUMP_DH_BITMAP_BLOCKS	   436
#define KDUMP_DH_MAX_MAPNR	   440
#define KDUMP_DH_CURRENT_CPU	   456
#define KDUMP_DH_NR_CPUS	   460
#define KDUMP_DH_SIZE		   464
#define KDUMP_SH_PHYS_BASE	   0
#define KDUMP_SH_DUMP_LEVEL	   8
#define KDUMP_SH_SPLIT		   12
#define KDUMP_SH_OFFSET_VMCOREINFO 32
#define KDUMP_SH_SIZE_VMCOREINFO   40
#define KDUMP_SH_OFFSET_NOTE	   48
#define KDUMP_SH_SIZE_NOTE	   56
#define KDUMP_SH_MAX_MAPNR_64	   96
#define KDUMP_SH_SIZE		   104
/* page_desc: s64 offset, u32 size, u32 flags, u64 page_flags */
#define KDUMP_PD_SIZE		    24
#define KDUMP_COMPRESSED_ZLIB	    0x1
#define KDUMP_COMPRESSED_INCOMPLETE 0x8

/* --- flattened format (makedumpfile.h) ---------------------------------- */
#define FLAT_SIGNATURE	 "makedumpfile"
#define FLAT_HEADER_SIZE 4096
#define FLAT_TYPE	 1
#define FLAT_VERSION	 1

/* ELF e_flags of an incomplete dump (makedumpfile; crash reads it). */
#define ELF_DUMP_INCOMPLETE 0x1

/**
 * struct vmcore_result - what a writer did, for the report
 * @bytes:        file size
 * @zlib_pages:   pages stored zlib-compressed (kdump)
 * @raw_pages:    pages stored as they are (kdump), or written (ELF)
 * @zero_pages:   pages pointing at the shared zero page (kdump), or left as
 *                holes that read as zeros (ELF)
 * @segments:     RAM PT_LOADs (ELF)
 * @kimage_segs:  kernel image PT_LOADs (ELF)
 * @xnum:         more than 65534 program headers: PN_XNUM used (ELF)
 * @vaddr_source: "VMCOREINFO", "stream map" or "none" (ELF)
 * @kimage:       the kernel image mapping, when @have_kimage
 */
struct vmcore_result {
	uint64_t bytes;
	uint64_t zlib_pages, raw_pages, zero_pages;
	uint64_t segments;
	unsigned kimage_segs;
	bool xnum;
	const char *vaddr_source;
	bool have_kimage;
	struct dumpmeta_kimage kimage;
};

/**
 * vmcore_write_kdump() - write the kdump-compressed vmcore
 * @c:          a collector after collect_finish(), with a page store
 * @m:          its parsed notes
 * @fd:         an empty file, or any file for @flat (written sequentially)
 * @flat:       write makedumpfile's flattened records instead
 * @incomplete: set DUMP_DH_COMPRESSED_INCOMPLETE in the header
 * @res:        receives what was written
 *
 * Return: 0, -EIO, or -ENOMEM.
 */
int vmcore_write_kdump(const struct collect *c, const struct dumpmeta *m,
		       int fd, bool flat, bool incomplete,
		       struct vmcore_result *res);

/**
 * vmcore_write_elf() - write the ELF64 core
 * @c:   a collector after collect_finish(), with a page store
 * @m:   its parsed notes
 * @fd:  an empty regular file
 * @incomplete: set ELF_DUMP_INCOMPLETE in e_flags
 * @res: receives what was written
 *
 * Return: 0, -EIO, or -ENOMEM.
 */
int vmcore_write_elf(const struct collect *c, const struct dumpmeta *m, int fd,
		     bool incomplete, struct vmcore_result *res);

#endif
