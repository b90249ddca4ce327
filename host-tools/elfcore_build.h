// SPDX-License-Identifier: MIT
/*
 * Builder of ELF core headers shaped like the ones kexec-tools writes
 * (kexec/crashdump-elf.c): PT_NOTEs whose p_offset and p_paddr both hold
 * the physical address of a note buffer, PT_LOADs with p_offset = p_paddr,
 * the buffer padded to 1 KiB.  Also the note buffers themselves (crash
 * notes, the VMCOREINFO note).  Host only (uses malloc): unit tests, fuzz
 * seeds and the fixture generator.  Output is little-endian on any host.
 */
#ifndef TINYDUMP_HOST_TOOLS_ELFCORE_BUILD_H
#define TINYDUMP_HOST_TOOLS_ELFCORE_BUILD_H

#include <stddef.h>
#include <stdint.h>

/* kexec-tools' ELF_CORE_HEADER_ALIGN: the header is padded to this. */
#define ELFCORE_BUILD_ALIGN 1024u

/* A raw program header, for entries the helpers below do not make. */
struct elfcore_build_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct elfcore_build {
	struct elfcore_build_phdr *ph;
	size_t n;
	size_t cap;
};

/**
 * elfcore_build_new() - an empty header
 *
 * Return: the builder, or NULL if out of memory.  Free with
 * elfcore_build_free().
 */
struct elfcore_build *elfcore_build_new(void);

/**
 * elfcore_build_free() - free a builder (NULL is fine)
 * @b: the builder
 */
void elfcore_build_free(struct elfcore_build *b);

/**
 * elfcore_build_add_phdr() - append a raw program header
 * @b:  the builder
 * @ph: its fields, copied
 *
 * Return: 0; -ENOMEM; -ENOSPC past 65534 headers; -EINVAL on NULL.
 */
int elfcore_build_add_phdr(struct elfcore_build *b,
			   const struct elfcore_build_phdr *ph);

/**
 * elfcore_build_add_note() - append a PT_NOTE as kexec-tools writes it
 * @b:     the builder
 * @paddr: physical address of the note buffer (p_offset and p_paddr)
 * @size:  its size (p_filesz and p_memsz)
 *
 * Return: as elfcore_build_add_phdr().
 */
int elfcore_build_add_note(struct elfcore_build *b, uint64_t paddr,
			   uint64_t size);

/**
 * elfcore_build_add_load() - append a PT_LOAD as kexec-tools writes it
 * @b:     the builder
 * @paddr: physical start (p_offset and p_paddr)
 * @size:  bytes (p_filesz and p_memsz)
 * @vaddr: p_vaddr: the linear-map address for RAM, _text for kernel
 *         text, 0xffffffffffffffff when kexec-tools did not find _text
 *
 * Return: as elfcore_build_add_phdr().
 */
int elfcore_build_add_load(struct elfcore_build *b, uint64_t paddr,
			   uint64_t size, uint64_t vaddr);

/**
 * elfcore_build_serialize() - write the header
 * @b:   the builder
 * @len: receives the size: 64 + 56 * headers, rounded up to
 *       ELFCORE_BUILD_ALIGN
 *
 * ELF64, little-endian, ET_CORE, EM_AARCH64, e_phoff 64, zero padding.
 *
 * Return: a malloc()ed buffer the caller frees, or NULL if out of memory
 * or @b or @len is NULL.
 */
uint8_t *elfcore_build_serialize(const struct elfcore_build *b, size_t *len);

/**
 * elfcore_build_note() - write one note (header, padded name and desc)
 * @out:    where to write
 * @cap:    room at @out
 * @name:   owner, e.g. "CORE"; n_namesz counts its NUL
 * @type:   n_type
 * @desc:   descriptor bytes (may be NULL if @descsz is 0)
 * @descsz: n_descsz
 *
 * Return: bytes written (a multiple of 4), or 0 if @cap is too small.
 */
size_t elfcore_build_note(uint8_t *out, size_t cap, const char *name,
			  uint32_t type, const void *desc, uint32_t descsz);

/**
 * elfcore_build_terminator() - write the empty note that ends a buffer
 * @out: where to write
 * @cap: room at @out
 *
 * Return: 12, or 0 if @cap is too small.
 */
size_t elfcore_build_terminator(uint8_t *out, size_t cap);

/**
 * elfcore_build_prstatus() - fill an arm64 NT_PRSTATUS descriptor
 * @desc:   ELFCORE_PRSTATUS_SIZE (392) bytes, zeroed then filled
 * @pid:    pr_pid
 * @regs:   x0..x30 (NULL: all zero)
 * @sp:     stack pointer
 * @pc:     program counter
 * @pstate: PSTATE
 */
void elfcore_build_prstatus(uint8_t *desc, int32_t pid, const uint64_t *regs,
			    uint64_t sp, uint64_t pc, uint64_t pstate);

#endif
