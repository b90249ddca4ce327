// SPDX-License-Identifier: MIT
/*
 * Parser of the VMCOREINFO text the dead kernel left in its VMCOREINFO
 * note: "KEY=value\n" lines (include/linux/vmcore_info.h,
 * kernel/vmcore_info.c, arch/arm64/kernel/vmcore_info.c).  The table
 * points into the caller's buffer (no copies, no allocation), and the text
 * is untrusted: it need not end in NUL, and bad lines are skipped.
 */
#ifndef TINYDUMP_PAYLOAD_VMCOREINFO_H
#define TINYDUMP_PAYLOAD_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines longer than this (without the '\n') are malformed. */
#define VMCOREINFO_LINE_MAX 256u
/* A table this big holds any kernel's VMCOREINFO (about 100 keys in 6.x). */
#define VMCOREINFO_DEFAULT_ENTRIES 256u

/* One "KEY=value" line: both point into the parsed text. */
struct vmcoreinfo_entry {
	const char *key;
	const char *val;
	uint16_t key_len;
	uint16_t val_len;
};

/**
 * struct vmcoreinfo - the parsed table; set up with vmcoreinfo_init()
 * @ent:        caller's storage
 * @cap:        its capacity in entries
 * @count:      entries used, in order of first appearance
 * @nmalformed: lines skipped: no '=', empty key, longer than
 *              VMCOREINFO_LINE_MAX, a byte outside 0x20..0x7e, or a last
 *              line cut off before its '\n'
 * @nduplicate: lines whose key was already there (the later value wins)
 * @ndropped:   well-formed lines with new keys that found no room
 * @truncated:  the text ended inside a line (counted in @nmalformed too)
 */
struct vmcoreinfo {
	struct vmcoreinfo_entry *ent;
	size_t cap;
	size_t count;
	unsigned int nmalformed;
	unsigned int nduplicate;
	unsigned int ndropped;
	bool truncated;
};

/**
 * vmcoreinfo_init() - attach storage and empty the table
 * @vi:      the table
 * @storage: room for @cap entries (may be NULL if @cap is 0)
 * @cap:     capacity, e.g. VMCOREINFO_DEFAULT_ENTRIES
 */
void vmcoreinfo_init(struct vmcoreinfo *vi, struct vmcoreinfo_entry *storage,
		     size_t cap);

/**
 * vmcoreinfo_parse() - add the lines of a VMCOREINFO text to the table
 * @vi:   from vmcoreinfo_init(); entries already there stay (so a text
 *        split in parts can be fed in order)
 * @text: the text, e.g. the VMCOREINFO note's descriptor; must stay valid
 *        while the table is used
 * @len:  its length (n_descsz); a NUL byte ends the text early
 *
 * Lines end with '\n'.  Empty lines are ignored; malformed ones are counted
 * and skipped (see struct vmcoreinfo).  A key seen again replaces its
 * value: the last one wins, as a later append would (CRASHTIME is appended
 * at panic).
 *
 * Return: 0; -ENOSPC if lines were dropped for lack of room (the rest is
 * usable); -EINVAL if @vi is NULL or @text is NULL with @len > 0.
 */
int vmcoreinfo_parse(struct vmcoreinfo *vi, const char *text, size_t len);

/**
 * vmcoreinfo_get() - the raw value of a key
 * @vi:  the table
 * @key: the whole key, e.g. "OSRELEASE" or "SYMBOL(_stext)"
 * @val: receives a pointer to the value (not NUL-terminated)
 * @len: receives its length
 *
 * Return: 0; -ENODEV if the key is absent; -EINVAL if an argument is NULL.
 */
int vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key,
		   const char **val, size_t *len);

/**
 * vmcoreinfo_u64() - a key's value as an unsigned number
 * @vi:   the table
 * @key:  the whole key, e.g. "KERNELOFFSET" (base 16), "CRASHTIME" or
 *        "PAGESIZE" (base 10)
 * @base: 16 (hex, an optional 0x prefix), 10, or 0 (hex with a 0x prefix,
 *        decimal otherwise)
 * @out:  receives the value
 *
 * The whole value must be digits of that base: no sign, no spaces.
 *
 * Return: 0; -ENODEV if absent; -EINVAL if not a number of that base, or
 * a NULL argument or another base; -ERANGE if above UINT64_MAX.
 */
int vmcoreinfo_u64(const struct vmcoreinfo *vi, const char *key,
		   unsigned int base, uint64_t *out);

/**
 * vmcoreinfo_symbol() - SYMBOL(@name)=hex, e.g. "swapper_pg_dir"
 * @vi:   the table
 * @name: the symbol
 * @out:  receives its address
 *
 * Return: as vmcoreinfo_u64().
 */
int vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name,
		      uint64_t *out);

/**
 * vmcoreinfo_size() - SIZE(@name)=decimal, e.g. "page"
 * @vi:   the table
 * @name: the type
 * @out:  receives the size
 *
 * Return: as vmcoreinfo_u64().
 */
int vmcoreinfo_size(const struct vmcoreinfo *vi, const char *name,
		    uint64_t *out);

/**
 * vmcoreinfo_offset() - OFFSET(@type.@field)=decimal, e.g. "page", "flags"
 * @vi:    the table
 * @type:  the struct
 * @field: the member
 * @out:   receives the offset
 *
 * Return: as vmcoreinfo_u64().
 */
int vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *type,
		      const char *field, uint64_t *out);

/**
 * vmcoreinfo_length() - LENGTH(@name)=decimal, e.g. "zone.free_area"
 * @vi:   the table
 * @name: the array
 * @out:  receives the length
 *
 * Return: as vmcoreinfo_u64().
 */
int vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name,
		      uint64_t *out);

/**
 * vmcoreinfo_number() - NUMBER(@name)
 * @vi:   the table
 * @name: e.g. "VA_BITS" or "kimage_voffset"
 * @out:  receives the value
 *
 * The kernel prints NUMBER() with %ld, but arm64 prints some as 0x-hex
 * (kimage_voffset, PHYS_OFFSET, VMEMMAP_START, TCR_EL1_T1SZ, ...).  Both
 * are accepted, with an optional leading '-'.  A hex value is a 64-bit
 * pattern: 0xffff7fffc7e00000 reads as a negative int64_t, and casting it
 * to uint64_t gives the address back.
 *
 * Return: 0; -ENODEV if absent; -EINVAL if not a number; -ERANGE if it
 * does not fit (decimal outside int64_t, hex wider than 64 bits).
 */
int vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name,
		      int64_t *out);

#endif
