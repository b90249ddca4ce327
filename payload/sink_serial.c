// SPDX-License-Identifier: MIT
/*
 * The serial sink: frames each record (COBS between 0x00 delimiters, or
 * Z85 lines in ASCII mode) and writes it to the console UART.  Text the
 * payload logs between records passes through as ordinary lines.
 */
#include <errno.h>

#include "payload/sink_serial.h"

static int serial_out(void *ctx, const void *buf, size_t len)
{
	struct serial_sink *ss = ctx;

	ss->wire_bytes += len;
	/* A dropped byte (TX timeout) corrupts one frame: the host sees it. */
	console_write(ss->con, buf, len);
	return 0;
}

static int serial_open(struct sink *s, const uint8_t id[STREAM_CRASH_ID_LEN])
{
	struct serial_sink *ss = (struct serial_sink *)s;

	return frame_enc_begin(&ss->frame, id);
}

static int serial_write(struct sink *s, const void *rec, size_t len)
{
	struct serial_sink *ss = (struct serial_sink *)s;

	return frame_enc_record(&ss->frame, rec, len);
}

static int serial_close(struct sink *s, unsigned status)
{
	struct serial_sink *ss = (struct serial_sink *)s;
	int ret;

	(void)status;
	ret = frame_enc_end(&ss->frame);
	console_flush(ss->con);
	return ret;
}

static const struct sink_ops serial_sink_ops = {
	.open = serial_open,
	.write = serial_write,
	.close = serial_close,
};

int serial_sink_init(struct serial_sink *ss, struct console *con,
		     enum frame_mode mode)
{
	if (!con || !con->ops)
		return -ENODEV;
	ss->sink.ops = &serial_sink_ops;
	ss->sink.name = mode == FRAME_ASCII ? "serial (ascii)" : "serial";
	ss->sink.error = 0;
	ss->sink.bytes = 0;
	ss->sink.capacity = 0;
	ss->con = con;
	ss->wire_bytes = 0;
	frame_enc_init(&ss->frame, mode, serial_out, ss);
	return 0;
}
