// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for payload/vmcoreinfo.c: parse the input (table size
 * from its first byte, to reach -ENOSPC), check that every entry lies in
 * the input and holds a valid line, then run each query kind.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/vmcoreinfo.h"

static void check_table(const struct vmcoreinfo *vi, const char *buf,
			size_t size)
{
	size_t i, k;

	if (vi->count > vi->cap)
		__builtin_trap();
	for (i = 0; i < vi->count; i++) {
		const struct vmcoreinfo_entry *e = &vi->ent[i];

		if (!e->key_len || e->key < buf || e->val < buf ||
		    (size_t)(e->key - buf) + e->key_len > size ||
		    (size_t)(e->val - buf) + e->val_len > size ||
		    e->key_len + 1u + e->val_len > VMCOREINFO_LINE_MAX)
			__builtin_trap();
		for (k = 0; k < e->key_len; k++)
			if (e->key[k] == '=' || e->key[k] == '\n' ||
			    (unsigned char)e->key[k] < 0x20)
				__builtin_trap();
		for (k = 0; k < e->val_len; k++)
			if (e->val[k] == '\n' ||
			    (unsigned char)e->val[k] < 0x20)
				__builtin_trap();
		for (k = 0; k < i; k++)
			if (vi->ent[k].key_len == e->key_len &&
			    !memcmp(vi->ent[k].key, e->key, e->key_len))
				__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcoreinfo_entry ent[VMCOREINFO_DEFAULT_ENTRIES];
	const char *buf = (const char *)data;
	struct vmcoreinfo vi;
	const char *val;
	size_t len, cap = size ? data[0] : 0;
	uint64_t u;
	int64_t s;

	vmcoreinfo_init(&vi, ent, cap);
	(void)vmcoreinfo_parse(&vi, buf, size);
	check_table(&vi, buf, size);

	(void)vmcoreinfo_get(&vi, "OSRELEASE", &val, &len);
	(void)vmcoreinfo_u64(&vi, "KERNELOFFSET", 16, &u);
	(void)vmcoreinfo_u64(&vi, "CRASHTIME", 10, &u);
	(void)vmcoreinfo_u64(&vi, "PAGESIZE", 0, &u);
	(void)vmcoreinfo_symbol(&vi, "swapper_pg_dir", &u);
	(void)vmcoreinfo_symbol(&vi, "", &u);
	(void)vmcoreinfo_size(&vi, "page", &u);
	(void)vmcoreinfo_offset(&vi, "page", "flags", &u);
	(void)vmcoreinfo_length(&vi, "zone.free_area", &u);
	(void)vmcoreinfo_number(&vi, "PHYS_OFFSET", &s);
	(void)vmcoreinfo_number(&vi, "VA_BITS", &s);
	(void)vmcoreinfo_number(&vi, "A", &s);
	/* Every key found, as a raw key and through each number parser. */
	for (len = 0; len < vi.count; len++) {
		char key[VMCOREINFO_LINE_MAX + 1];

		memcpy(key, vi.ent[len].key, vi.ent[len].key_len);
		key[vi.ent[len].key_len] = '\0';
		(void)vmcoreinfo_u64(&vi, key, 0, &u);
		(void)vmcoreinfo_u64(&vi, key, 16, &u);
		(void)vmcoreinfo_u64(&vi, key, 10, &u);
		if (vi.ent[len].key_len > 8 && !memcmp(key, "NUMBER(", 7) &&
		    key[vi.ent[len].key_len - 1] == ')') {
			key[vi.ent[len].key_len - 1] = '\0';
			(void)vmcoreinfo_number(&vi, key + 7, &s);
		}
	}
	return 0;
}
