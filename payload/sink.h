/* SPDX-License-Identifier: MIT */
/*
 * Sinks: where the record stream goes.  Every sink gets the same records
 * (docs/stream-format.md); tinydump.sink= names the ones to use.  A sink is
 * a small ops table embedded first in the sink's own state (TF-A's
 * console_t pattern), so adding one touches one new file and sinks.c.
 */
#ifndef TINYDUMP_PAYLOAD_SINK_H
#define TINYDUMP_PAYLOAD_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/stream.h"

struct sink;

struct sink_ops {
	/* Start a stream for crash @id; 0 or a negative errno. */
	int (*open)(struct sink *s, const uint8_t id[STREAM_CRASH_ID_LEN]);
	/* One whole record; 0, -ENOSPC when full, or another negative errno. */
	int (*write)(struct sink *s, const void *rec, size_t len);
	/* End the stream; @status is STREAM_STATUS_*. */
	int (*close)(struct sink *s, unsigned status);
};

struct sink {
	const struct sink_ops *ops;
	const char *name;
	int error;		/* first error, 0 while healthy */
	uint64_t bytes;		/* record bytes taken */
	uint64_t capacity;	/* record bytes it can take, 0 = unbounded */
};

/* The sinks of one dump, written in turn (tinydump.sink= order). */
#define SINKS_MAX 4
struct sink_set {
	struct sink *sink[SINKS_MAX];
	unsigned n;
};

/**
 * sinks_write() - a stream_write_fn: give one record to every healthy sink.
 * A sink that fails is marked and left out from then on; the others go on.
 * Return: 0 while at least one sink takes records, else the last error.
 */
int sinks_write(void *set, const void *rec, size_t len);

/** sinks_open() - open every sink; those that fail are marked. */
int sinks_open(struct sink_set *set, const uint8_t id[STREAM_CRASH_ID_LEN]);

/** sinks_close() - close every sink that opened. */
void sinks_close(struct sink_set *set, unsigned status);

/** sinks_healthy() - how many sinks still take records. */
unsigned sinks_healthy(const struct sink_set *set);

/** sinks_capacity() - the smallest capacity among healthy sinks, 0 = none. */
uint64_t sinks_capacity(const struct sink_set *set);

#endif
