// SPDX-License-Identifier: MIT
/*
 * The ELF64 structures and constants tinydump reads in an ELF core header,
 * written from the specifications rather than taken from a system <elf.h>
 * (the payload has none, and the host's may differ in endianness):
 *  - System V ABI, generic ELF: "ELF-64 Object File Format" v1.5 and the
 *    gABI chapters "ELF Header", "Program Header" and "Note Section";
 *  - "ELF for the Arm 64-bit Architecture (AArch64)" (Arm IHI 0056), 5.1:
 *    EM_AARCH64 = 183;
 *  - the Linux core-file note types (NT_PRSTATUS), which follow the SVR4
 *    core-file convention (Linux include/uapi/linux/elf.h).
 *
 * The structs document the on-disk layout; code never overlays them on
 * untrusted bytes.  Fields are read with the explicit little-endian loads
 * below, so any host endianness and any alignment of the input work.
 */
#ifndef TINYDUMP_PAYLOAD_ELF64_H
#define TINYDUMP_PAYLOAD_ELF64_H

#include <stdint.h>
#include <string.h>

/* e_ident[] indices and values (gABI "ELF Identification"). */
#define EI_MAG0	      0
#define EI_MAG1	      1
#define EI_MAG2	      2
#define EI_MAG3	      3
#define EI_CLASS      4
#define EI_DATA	      5
#define EI_VERSION    6
#define EI_OSABI      7
#define EI_NIDENT     16
#define ELFMAG0	      0x7f
#define ELFMAG1	      'E'
#define ELFMAG2	      'L'
#define ELFMAG3	      'F'
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ELFOSABI_NONE 0

/* e_type, e_machine. */
#define ET_CORE	   4
#define EM_AARCH64 183 /* IHI 0056 "ELF for the Arm 64-bit Architecture" */

/* e_phnum escape: the real count is in section header 0 (gABI). */
#define PN_XNUM 0xffff

/* p_type, p_flags. */
#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X	0x1
#define PF_W	0x2
#define PF_R	0x4

/* Note types of Linux crash/core files (SVR4 convention, owner "CORE"). */
#define NT_PRSTATUS 1

typedef uint64_t Elf64_Addr;
typedef uint64_t Elf64_Off;
typedef uint16_t Elf64_Half;
typedef uint32_t Elf64_Word;
typedef uint64_t Elf64_Xword;

/* ELF header: 64 bytes. */
struct elf64_ehdr {
	unsigned char e_ident[EI_NIDENT]; /*  0 */
	Elf64_Half e_type;		  /* 16 */
	Elf64_Half e_machine;		  /* 18 */
	Elf64_Word e_version;		  /* 20 */
	Elf64_Addr e_entry;		  /* 24 */
	Elf64_Off e_phoff;		  /* 32 */
	Elf64_Off e_shoff;		  /* 40 */
	Elf64_Word e_flags;		  /* 48 */
	Elf64_Half e_ehsize;		  /* 52 */
	Elf64_Half e_phentsize;		  /* 54 */
	Elf64_Half e_phnum;		  /* 56 */
	Elf64_Half e_shentsize;		  /* 58 */
	Elf64_Half e_shnum;		  /* 60 */
	Elf64_Half e_shstrndx;		  /* 62 */
};

/* Program header: 56 bytes. */
struct elf64_phdr {
	Elf64_Word p_type;    /*  0 */
	Elf64_Word p_flags;   /*  4 */
	Elf64_Off p_offset;   /*  8 */
	Elf64_Addr p_vaddr;   /* 16 */
	Elf64_Addr p_paddr;   /* 24 */
	Elf64_Xword p_filesz; /* 32 */
	Elf64_Xword p_memsz;  /* 40 */
	Elf64_Xword p_align;  /* 48 */
};

/*
 * Note header: 12 bytes, followed by the name (n_namesz bytes, counting
 * its NUL) padded to 4 and the descriptor (n_descsz bytes) padded to 4.
 * ELF64 notes keep 4-byte words and 4-byte padding, as Linux writes them.
 */
struct elf64_nhdr {
	Elf64_Word n_namesz; /* 0 */
	Elf64_Word n_descsz; /* 4 */
	Elf64_Word n_type;   /* 8 */
};

#define ELF64_EHDR_SIZE 64u
#define ELF64_PHDR_SIZE 56u
#define ELF64_NHDR_SIZE 12u

/* Byte offsets of the fields above, for the LE loads. */
#define ELF64_E_TYPE	  16
#define ELF64_E_MACHINE	  18
#define ELF64_E_VERSION	  20
#define ELF64_E_PHOFF	  32
#define ELF64_E_EHSIZE	  52
#define ELF64_E_PHENTSIZE 54
#define ELF64_E_PHNUM	  56
#define ELF64_P_TYPE	  0
#define ELF64_P_FLAGS	  4
#define ELF64_P_OFFSET	  8
#define ELF64_P_VADDR	  16
#define ELF64_P_PADDR	  24
#define ELF64_P_FILESZ	  32
#define ELF64_P_MEMSZ	  40
#define ELF64_P_ALIGN	  48
#define ELF64_N_NAMESZ	  0
#define ELF64_N_DESCSZ	  4
#define ELF64_N_TYPE	  8

/* Little-endian loads and stores at any alignment (memcpy-based). */
static inline uint16_t elf64_get16(const void *p)
{
	uint8_t b[2];

	memcpy(b, p, sizeof(b));
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t elf64_get32(const void *p)
{
	uint8_t b[4];

	memcpy(b, p, sizeof(b));
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

static inline uint64_t elf64_get64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)elf64_get32(b) | ((uint64_t)elf64_get32(b + 4) << 32);
}

static inline void elf64_put16(void *p, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	memcpy(p, b, sizeof(b));
}

static inline void elf64_put32(void *p, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	memcpy(p, b, sizeof(b));
}

static inline void elf64_put64(void *p, uint64_t v)
{
	uint8_t *b = p;

	elf64_put32(b, (uint32_t)v);
	elf64_put32(b + 4, (uint32_t)(v >> 32));
}

/**
 * elf64_core_ehdr_init() - the fields every arm64 ELF core header starts
 * with: identification (ELF64, little-endian, current version, System V
 * ABI), e_type ET_CORE, e_machine EM_AARCH64, e_version, program headers
 * right after the ELF header, and the header and entry sizes.
 * @e: ELF64_EHDR_SIZE bytes, zeroed by the caller
 */
static inline void elf64_core_ehdr_init(uint8_t *e)
{
	e[EI_MAG0] = ELFMAG0;
	e[EI_MAG1] = ELFMAG1;
	e[EI_MAG2] = ELFMAG2;
	e[EI_MAG3] = ELFMAG3;
	e[EI_CLASS] = ELFCLASS64;
	e[EI_DATA] = ELFDATA2LSB;
	e[EI_VERSION] = EV_CURRENT;
	e[EI_OSABI] = ELFOSABI_NONE;
	elf64_put16(e + ELF64_E_TYPE, ET_CORE);
	elf64_put16(e + ELF64_E_MACHINE, EM_AARCH64);
	elf64_put32(e + ELF64_E_VERSION, EV_CURRENT);
	elf64_put64(e + ELF64_E_PHOFF, ELF64_EHDR_SIZE);
	elf64_put16(e + ELF64_E_EHSIZE, ELF64_EHDR_SIZE);
	elf64_put16(e + ELF64_E_PHENTSIZE, ELF64_PHDR_SIZE);
}

#endif
