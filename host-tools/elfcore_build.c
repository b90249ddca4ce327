// SPDX-License-Identifier: MIT
/*
 * ELF core header builder (see elfcore_build.h).  Layout constants come
 * from payload/elf64.h, the same definitions the parser uses.
 */
#include "host-tools/elfcore_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "payload/elf64.h"
#include "payload/elfcore.h"

struct elfcore_build *elfcore_build_new(void)
{
	return calloc(1, sizeof(struct elfcore_build));
}

void elfcore_build_free(struct elfcore_build *b)
{
	if (!b)
		return;
	free(b->ph);
	free(b);
}

int elfcore_build_add_phdr(struct elfcore_build *b,
			   const struct elfcore_build_phdr *ph)
{
	struct elfcore_build_phdr *n;
	size_t cap;

	if (!b || !ph)
		return -EINVAL;
	if (b->n >= PN_XNUM - 1)
		return -ENOSPC;
	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 16;
		n = realloc(b->ph, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->ph = n;
		b->cap = cap;
	}
	b->ph[b->n++] = *ph;
	return 0;
}

int elfcore_build_add_note(struct elfcore_build *b, uint64_t paddr,
			   uint64_t size)
{
	struct elfcore_build_phdr ph = {
	    .type = PT_NOTE,
	    .offset = paddr,
	    .paddr = paddr,
	    .filesz = size,
	    .memsz = size,
	};

	return elfcore_build_add_phdr(b, &ph);
}

int elfcore_build_add_load(struct elfcore_build *b, uint64_t paddr,
			   uint64_t size, uint64_t vaddr)
{
	struct elfcore_build_phdr ph = {
	    .type = PT_LOAD,
	    .flags = PF_R | PF_W | PF_X,
	    .offset = paddr,
	    .vaddr = vaddr,
	    .paddr = paddr,
	    .filesz = size,
	    .memsz = size,
	};

	return elfcore_build_add_phdr(b, &ph);
}

uint8_t *elfcore_build_serialize(const struct elfcore_build *b, size_t *len)
{
	size_t sz, i;
	uint8_t *buf, *p;

	if (!b || !len)
		return NULL;
	sz = ELF64_EHDR_SIZE + b->n * ELF64_PHDR_SIZE;
	sz = (sz + ELFCORE_BUILD_ALIGN - 1) / ELFCORE_BUILD_ALIGN *
	     ELFCORE_BUILD_ALIGN;
	buf = calloc(1, sz);
	if (!buf)
		return NULL;
	elf64_core_ehdr_init(buf);
	elf64_put16(buf + ELF64_E_PHNUM, (uint16_t)b->n);
	for (i = 0; i < b->n; i++) {
		p = buf + ELF64_EHDR_SIZE + i * ELF64_PHDR_SIZE;
		elf64_put32(p + ELF64_P_TYPE, b->ph[i].type);
		elf64_put32(p + ELF64_P_FLAGS, b->ph[i].flags);
		elf64_put64(p + ELF64_P_OFFSET, b->ph[i].offset);
		elf64_put64(p + ELF64_P_VADDR, b->ph[i].vaddr);
		elf64_put64(p + ELF64_P_PADDR, b->ph[i].paddr);
		elf64_put64(p + ELF64_P_FILESZ, b->ph[i].filesz);
		elf64_put64(p + ELF64_P_MEMSZ, b->ph[i].memsz);
		elf64_put64(p + ELF64_P_ALIGN, b->ph[i].align);
	}
	*len = sz;
	return buf;
}

static size_t elfcore_build_pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t elfcore_build_note(uint8_t *out, size_t cap, const char *name,
			  uint32_t type, const void *desc, uint32_t descsz)
{
	size_t namesz, sz;

	if (!out || !name || (!desc && descsz))
		return 0;
	namesz = strlen(name) + 1;
	sz = ELF64_NHDR_SIZE + elfcore_build_pad4(namesz) +
	     elfcore_build_pad4(descsz);
	if (sz > cap)
		return 0;
	memset(out, 0, sz);
	elf64_put32(out + ELF64_N_NAMESZ, (uint32_t)namesz);
	elf64_put32(out + ELF64_N_DESCSZ, descsz);
	elf64_put32(out + ELF64_N_TYPE, type);
	memcpy(out + ELF64_NHDR_SIZE, name, namesz);
	if (descsz)
		memcpy(out + ELF64_NHDR_SIZE + elfcore_build_pad4(namesz), desc,
		       descsz);
	return sz;
}

size_t elfcore_build_terminator(uint8_t *out, size_t cap)
{
	if (!out || cap < ELF64_NHDR_SIZE)
		return 0;
	memset(out, 0, ELF64_NHDR_SIZE);
	return ELF64_NHDR_SIZE;
}

void elfcore_build_prstatus(uint8_t *desc, int32_t pid, const uint64_t *regs,
			    uint64_t sp, uint64_t pc, uint64_t pstate)
{
	uint8_t *r = desc + ELFCORE_PRSTATUS_REG;
	unsigned int i;

	memset(desc, 0, ELFCORE_PRSTATUS_SIZE);
	elf64_put32(desc + ELFCORE_PRSTATUS_PID, (uint32_t)pid);
	for (i = 0; i < 31; i++)
		elf64_put64(r + 8 * i, regs ? regs[i] : 0);
	elf64_put64(r + 8 * 31, sp);
	elf64_put64(r + 8 * 32, pc);
	elf64_put64(r + 8 * 33, pstate);
}
