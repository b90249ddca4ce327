// SPDX-License-Identifier: MIT
/*
 * Synthetic crashes for the end-to-end tests: the dead kernel's memory
 * (a few PT_LOAD ranges of mixed page contents, per-CPU crash notes, a
 * VMCOREINFO note that reads like arm64 Linux 6.1) and the ELF core header
 * kexec-tools 2.0.25 would write for it, with broken variants.  Host only
 * (malloc, files).  Placement follows REFERENCE.md sections 1 and 7: the
 * payload at the reservation's base, the elfcorehdr in its last page.
 * build/tinydump-fixture (fixture.c) is the command line around this.
 */
#ifndef TINYDUMP_HOST_TOOLS_FIXTURE_LIB_H
#define TINYDUMP_HOST_TOOLS_FIXTURE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIXTURE_PAGE_SIZE  4096u
#define FIXTURE_MAX_CPUS   16u
#define FIXTURE_MAX_RANGES 8u
#define FIXTURE_MAX_BLOBS  12u

/* The kernel this crash pretends to come from (arm64, 4K pages, 48-bit VA). */
#define FIXTURE_OSRELEASE   "6.1.0-fixture"
#define FIXTURE_TEXT_VA	    0xffff800008000000ull /* _text */
#define FIXTURE_STEXT_VA    0xffff800008010000ull /* _stext */
#define FIXTURE_PAGE_OFFSET 0xffff000000000000ull /* linear map, VA_BITS 48 */
#define FIXTURE_PC_BASE	    0xffff800008123456ull /* CPU n's pc: this + n */

/* Broken header variants (--corrupt-header KIND). */
enum fixture_corrupt {
	FIXTURE_CORRUPT_NONE = 0,
	FIXTURE_CORRUPT_TRUNCATED,	/* property shorter than the table */
	FIXTURE_CORRUPT_ABSURD_PHNUM,	/* e_phnum 0xfff0 */
	FIXTURE_CORRUPT_BAD_MAGIC,	/* "\x7fELF" spoiled */
	FIXTURE_CORRUPT_OVERLAPPING,	/* PT_LOADs overlap and repeat */
	FIXTURE_CORRUPT_NO_VMCOREINFO,	/* no VMCOREINFO PT_NOTE */
	FIXTURE_CORRUPT_BAD_NOTE_SIZES, /* notes that overrun, empty PT_NOTEs */
	FIXTURE_CORRUPT_KINDS
};

/* What the page generator put in each page (counted in struct fixture). */
enum fixture_page_kind {
	FIXTURE_PAGE_RANDOM = 0, /* incompressible */
	FIXTURE_PAGE_ZERO,	 /* all zero */
	FIXTURE_PAGE_TEXT,	 /* log-like lines or a repeated pattern */
	FIXTURE_PAGE_SPARSE,	 /* zero but for one byte */
	FIXTURE_PAGE_NOTES,	 /* holds crash notes (zero elsewhere) */
	FIXTURE_PAGE_KINDS
};

struct fixture_opts {
	uint64_t seed;
	uint64_t ram_base, ram_size;   /* QEMU's RAM: -m ram_size */
	uint64_t resv_base, resv_size; /* the crash reservation */
	unsigned cpus;		       /* 1..FIXTURE_MAX_CPUS */
	bool garbage_text;	       /* Debian 12's kernel-text PT_LOAD */
	bool no_memory_range;	       /* a PT_LOAD with nothing behind it */
	enum fixture_corrupt corrupt;
};

struct fixture_range {
	uint64_t paddr;
	uint64_t size;
};

/* Bytes to put at a physical address (QEMU -device loader). */
struct fixture_blob {
	char name[40];
	uint64_t paddr;
	size_t size;
	uint8_t *data;
};

/* One CPU's crash notes buffer and the registers saved in it. */
struct fixture_cpu {
	uint64_t notes_paddr;
	uint64_t notes_size;
	uint64_t regs[31];
	uint64_t sp, pc, pstate;
	int32_t pid;
	bool valid; /* false: its note is broken on purpose */
};

struct fixture {
	struct fixture_opts opts;
	struct fixture_blob blobs[FIXTURE_MAX_BLOBS];
	size_t nblobs;
	/* What the payload must dump: sorted, disjoint RAM. */
	struct fixture_range loads[FIXTURE_MAX_RANGES];
	size_t nloads;
	/* PT_LOADs with nothing behind them: must come out unreadable. */
	struct fixture_range unreadable[FIXTURE_MAX_RANGES];
	size_t nunreadable;
	/* What the DT's /memory must say so the payload reads all of it. */
	struct fixture_range memory[FIXTURE_MAX_RANGES];
	size_t nmemory;
	struct fixture_cpu cpus[FIXTURE_MAX_CPUS];
	unsigned ncpus;
	uint64_t hdr_paddr;  /* linux,elfcorehdr: address ... */
	uint64_t hdr_size;   /* ... and size (the property, maybe cut) */
	uint64_t shim_paddr; /* a free page for the test shim */
	uint64_t vmcoreinfo_paddr, vmcoreinfo_size; /* 0 when absent */
	char *vmcoreinfo; /* the text (NUL-terminated) */
	size_t vmcoreinfo_len;
	uint64_t crashtime;
	uint64_t kimage_voffset;
	uint64_t swapper_pg_dir; /* SYMBOL(swapper_pg_dir) */
	uint64_t pages[FIXTURE_PAGE_KINDS];
	uint64_t zero_pages; /* all-zero pages of the loads, any kind */
	bool expect_map;     /* false: the header is unusable (fallback) */
};

/**
 * fixture_opts_default() - the machine of the tests: QEMU virt -m 6G,
 * 2 CPUs, a 1 MiB reservation at 0x7f000000, seed 1
 * @o: filled in
 */
void fixture_opts_default(struct fixture_opts *o);

/**
 * fixture_corrupt_parse() - a --corrupt-header KIND by name
 * @name: "truncated", "absurd-phnum", "bad-magic", "overlapping-ranges",
 *        "no-vmcoreinfo", "bad-note-sizes" (or "none")
 * @out:  receives the kind
 *
 * Return: 0; -EINVAL for an unknown name.
 */
int fixture_corrupt_parse(const char *name, enum fixture_corrupt *out);

/**
 * fixture_corrupt_name() - the name fixture_corrupt_parse() takes
 * @kind: a kind
 *
 * Return: a static string, "?" for an unknown kind.
 */
const char *fixture_corrupt_name(enum fixture_corrupt kind);

/**
 * fixture_parse_size() - a number with an optional K/M/G/T suffix
 * @s:   decimal or 0x-hex, e.g. "6G", "0x40000000", "1M"
 * @out: receives the value
 *
 * Return: 0; -EINVAL if @s is not such a number; -ERANGE on overflow.
 */
int fixture_parse_size(const char *s, uint64_t *out);

/**
 * fixture_build() - make a crash
 * @fx: filled in; free with fixture_free() (also after an error)
 * @o:  options
 *
 * Return: 0; -EINVAL for options that do not fit the machine (RAM too
 * small, reservation outside RAM or over a range, bad CPU count);
 * -ENOMEM.
 */
int fixture_build(struct fixture *fx, const struct fixture_opts *o);

/**
 * fixture_write() - write the blobs and manifest.json into a directory
 * @fx:  from fixture_build()
 * @dir: created if missing
 *
 * Return: 0; a negative errno from the file system.
 */
int fixture_write(const struct fixture *fx, const char *dir);

/**
 * fixture_read() - the byte the crash holds at a physical address
 * @fx:    from fixture_build()
 * @paddr: address
 * @buf:   receives @len bytes: blob contents, zero where no blob is (as
 *         in QEMU's fresh RAM)
 * @len:   how many
 */
void fixture_read(const struct fixture *fx, uint64_t paddr, void *buf,
		  size_t len);

/**
 * fixture_blob_find() - the blob with this name
 * @fx:   from fixture_build()
 * @name: e.g. "elfcorehdr.bin"
 *
 * Return: the blob, or NULL.
 */
const struct fixture_blob *fixture_blob_find(const struct fixture *fx,
					     const char *name);

/**
 * fixture_free() - release what fixture_build() allocated
 * @fx: the fixture (NULL is fine)
 */
void fixture_free(struct fixture *fx);

#endif
