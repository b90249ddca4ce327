// SPDX-License-Identifier: MIT
/*
 * Reading vmcores back for `tinydump info`: kdump-compressed (plain or
 * flattened, REFERENCE.md §3) and ELF64 cores.  The files are input:
 * every offset and size read from them is checked before use.
 */
#ifndef TINYDUMP_HOST_TOOLS_VMREAD_H
#define TINYDUMP_HOST_TOOLS_VMREAD_H

#include <stdio.h>

enum vmread_kind {
	VMREAD_NONE = 0, /* not a vmcore (maybe a stream) */
	VMREAD_KDUMP,
	VMREAD_FLAT,
	VMREAD_ELF,
};

/**
 * vmread_probe() - what kind of file this is
 * @fd: an open file, read from offset 0 with pread
 * Return: the kind, VMREAD_NONE for anything else.
 */
enum vmread_kind vmread_probe(int fd);

/**
 * vmread_info() - print what a vmcore holds
 * @fd:   the file
 * @kind: from vmread_probe()
 * @out:  where to print
 *
 * Return: 0 for a complete dump, 2 for one marked incomplete, 1 when the
 * file is unreadable or malformed (the CLI's exit codes).
 */
int vmread_info(int fd, enum vmread_kind kind, FILE *out);

#endif
