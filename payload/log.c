// SPDX-License-Identifier: MIT
/*
 * Console log lines, formatted by picolibc's vsnprintf into a stack
 * buffer (no stdio FILE, no heap).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drivers/console.h"
#include "payload/log.h"

/* Log output is needed everywhere, from drivers to the dump loop. */
static struct console *log_console;
static char log_capture[LOG_CAPTURE_SIZE];
static size_t log_capture_len;
static log_tap_fn log_tap;
static void *log_tap_ctx;
static bool log_in_tap;

void log_captured(const char **text, size_t *len)
{
	*text = log_capture;
	*len = log_capture_len;
}

static void capture(const char *s, size_t n)
{
	size_t room = sizeof(log_capture) - log_capture_len;

	n = MIN(n, room);
	memcpy(&log_capture[log_capture_len], s, n);
	log_capture_len += n;
}

void log_set_console(struct console *con)
{
	log_console = con;
}

void log_set_tap(log_tap_fn fn, void *ctx)
{
	log_tap = fn;
	log_tap_ctx = ctx;
}

void log_vprintf(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	capture(line, (size_t)n);
	if (log_console)
		console_write_text(log_console, line, (size_t)n);
	/* A tap that logs (a send error) must not feed itself. */
	if (log_tap && !log_in_tap) {
		log_in_tap = true;
		log_tap(log_tap_ctx, line, (size_t)n);
		log_in_tap = false;
	}
}

void log_write_console(const char *text, size_t len)
{
	if (log_console)
		console_write_text(log_console, text, len);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}
