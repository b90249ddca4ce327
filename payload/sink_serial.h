/* SPDX-License-Identifier: MIT */
/*
 * The serial sink: the record stream framed (payload/frame.h) on the
 * console UART, between the payload's own log lines.
 */
#ifndef TINYDUMP_PAYLOAD_SINK_SERIAL_H
#define TINYDUMP_PAYLOAD_SINK_SERIAL_H

#include "drivers/console.h"
#include "payload/frame.h"
#include "payload/sink.h"

struct serial_sink {
	struct sink sink;	/* first: the sink interface */
	struct console *con;
	struct frame_enc frame;
	uint64_t wire_bytes;	/* bytes put on the line, framing included */
};

/**
 * serial_sink_init() - a serial sink on @con, binary or ASCII-armoured.
 * Return: 0, or -ENODEV without a console.
 */
int serial_sink_init(struct serial_sink *ss, struct console *con,
		     enum frame_mode mode);

#endif
