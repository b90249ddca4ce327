// SPDX-License-Identifier: MIT
/*
 * Fan-out of the record stream to the selected sinks.
 */
#include <errno.h>

#include "payload/sink.h"

int sinks_write(void *ctx, const void *rec, size_t len)
{
	struct sink_set *set = ctx;
	int last = -ENODEV;
	unsigned ok = 0;

	for (unsigned i = 0; i < set->n; i++) {
		struct sink *s = set->sink[i];
		int ret;

		if (s->error)
			continue;
		ret = s->ops->write(s, rec, len);
		if (ret) {
			s->error = ret;
			last = ret;
			continue;
		}
		s->bytes += len;
		ok++;
	}
	return ok ? 0 : last;
}

int sinks_open(struct sink_set *set, const uint8_t id[STREAM_CRASH_ID_LEN])
{
	for (unsigned i = 0; i < set->n; i++) {
		struct sink *s = set->sink[i];
		int ret = s->ops->open ? s->ops->open(s, id) : 0;

		if (ret)
			s->error = ret;
	}
	return sinks_healthy(set) ? 0 : -ENODEV;
}

void sinks_close(struct sink_set *set, unsigned status)
{
	for (unsigned i = 0; i < set->n; i++) {
		struct sink *s = set->sink[i];

		if (s->ops->close && s->error != -ENODEV)
			s->ops->close(s, status);
	}
}

unsigned sinks_healthy(const struct sink_set *set)
{
	unsigned n = 0;

	for (unsigned i = 0; i < set->n; i++)
		n += !set->sink[i]->error;
	return n;
}

uint64_t sinks_capacity(const struct sink_set *set)
{
	uint64_t cap = 0;

	for (unsigned i = 0; i < set->n; i++) {
		const struct sink *s = set->sink[i];

		if (!s->error && s->capacity && (!cap || s->capacity < cap))
			cap = s->capacity;
	}
	return cap;
}
