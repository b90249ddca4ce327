/* SPDX-License-Identifier: MIT */
/*
 * The page engine: turns pages already copied into memory into page
 * records: zero pages by state (dump level bit 1), unreadable ones by
 * state, the rest lz4-compressed in one block per run of data pages
 * (stored raw where lz4 does not shrink them).  Shared by the payload and
 * the host (unit tests, bench/), so what is measured is what runs.
 */
#ifndef TINYDUMP_PAYLOAD_ENGINE_H
#define TINYDUMP_PAYLOAD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/stream_enc.h"

#define ENGINE_PAGE_SIZE 4096u
/* Pages handed to engine_block() at once, at most. */
#define ENGINE_BLOCK_PAGES 8u

struct lz4_block_state;

struct engine {
	struct stream_enc *enc;
	struct lz4_block_state *lz4_state;	/* payload/lz4_block.h */
	bool drop_zero;		/* dump level bit 1: zero pages by state */
};

/** engine_page_is_zero() - whether a 4 KiB page holds only zero bytes. */
bool engine_page_is_zero(const uint8_t *page);

/* engine_block() @pre: look at the page's contents. */
#define ENGINE_EXAMINE STREAM_PAGE_DUMPED

/**
 * engine_block() - describe @n pages from the encoder's cursor on
 * @e:      the engine
 * @pages:  their contents, @n * ENGINE_PAGE_SIZE bytes (only the pages
 *          whose @pre is ENGINE_EXAMINE are looked at)
 * @n:      1..ENGINE_BLOCK_PAGES
 * @pre:    per page, what is already known: ENGINE_EXAMINE (read it: data
 *          or, at level bit 1, zero), STREAM_PAGE_UNREADABLE, or
 *          STREAM_PAGE_EXCLUDED | reason (the page filter's verdict);
 *          NULL: examine every page
 * Return: 0, -EINVAL for a bad @n or state, or what the encoder returns
 * (-ENOSPC when a sink is full).
 */
int engine_block(struct engine *e, const uint8_t *pages, unsigned n,
		 const uint8_t *pre);

#endif
