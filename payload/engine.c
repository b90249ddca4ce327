// SPDX-License-Identifier: MIT
/*
 * The page engine (see engine.h).  Our LZ4 block compressor
 * (payload/lz4_block.c) runs with caller-provided state and writes
 * straight into the record being built (stream_enc_pages_buf()).
 */
#include <errno.h>
#include <string.h>

#include "payload/engine.h"
#include "payload/lz4_block.h"

bool engine_page_is_zero(const uint8_t *page)
{
	const uint64_t *w = (const uint64_t *)(const void *)page;
	uint64_t acc = 0;

	for (unsigned i = 0; i < ENGINE_PAGE_SIZE / sizeof(*w); i += 4)
		acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3];
	return acc == 0;
}

static int emit_data(struct engine *e, const uint8_t *src, unsigned n)
{
	void *dst;
	size_t room;
	size_t clen;
	int ret;

	ret = stream_enc_pages_buf(e->enc, n, &dst, &room);
	if (ret)
		return ret;
	/* One byte less than raw, or it is stored raw. */
	clen = lz4_block_compress(e->lz4_state, src, room, dst, room - 1);
	if (clen)
		return stream_enc_pages_commit(e->enc, n, (uint32_t)clen,
					       STREAM_BLOCK_LZ4);
	memcpy(dst, src, room);
	return stream_enc_pages_commit(e->enc, n, (uint32_t)room, 0);
}

int engine_block(struct engine *e, const uint8_t *pages, unsigned n,
		 const uint8_t *pre)
{
	uint8_t state[ENGINE_BLOCK_PAGES];
	unsigned i = 0;
	int ret = 0;

	if (!n || n > ENGINE_BLOCK_PAGES)
		return -EINVAL;
	for (unsigned k = 0; k < n; k++) {
		state[k] = pre ? pre[k] : ENGINE_EXAMINE;
		if (state[k] == ENGINE_EXAMINE && e->drop_zero &&
		    engine_page_is_zero(&pages[k * ENGINE_PAGE_SIZE]))
			state[k] = STREAM_PAGE_ZERO;
	}
	while (i < n && !ret) {
		unsigned j = i + 1;

		while (j < n && state[j] == state[i])
			j++;
		if (state[i] == ENGINE_EXAMINE)
			ret = emit_data(e, &pages[i * ENGINE_PAGE_SIZE], j - i);
		else
			ret = stream_enc_pages_skip(e->enc, state[i], j - i);
		i = j;
	}
	return ret;
}
