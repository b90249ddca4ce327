/* SPDX-License-Identifier: MIT */
/*
 * The payload's console log: printf-style lines to the console UART, and
 * to a tap (netconsole) when one is set.
 */
#ifndef TINYDUMP_PAYLOAD_LOG_H
#define TINYDUMP_PAYLOAD_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "include/compiler.h"

struct console;

/* The longest line log_printf() formats; longer output is truncated. */
#define LOG_LINE_MAX 256

/* Log text kept for the stream's TEXT record (the first this many bytes). */
#define LOG_CAPTURE_SIZE 8192

/** log_captured() - the log so far (at most LOG_CAPTURE_SIZE bytes). */
void log_captured(const char **text, size_t *len);

/** log_set_console() - where log lines go from now on (NULL: nowhere). */
void log_set_console(struct console *con);

/**
 * log_write_console() - text straight to the console ('\n' -> "\r\n"),
 * not kept in the captured log (e.g. the dead kernel's dmesg, which the
 * stream carries on its own).
 */
void log_write_console(const char *text, size_t len);

/*
 * A second destination for log lines (netconsole): called with the text of
 * every log_printf() as formatted (plain '\n', no "\r\n"), not with
 * log_write_console()'s text.  Lines logged while the tap runs (its own
 * errors) do not reach it again.
 */
typedef void (*log_tap_fn)(void *ctx, const char *text, size_t len);

/** log_set_tap() - send every log line to @fn too (NULL: no tap). */
void log_set_tap(log_tap_fn fn, void *ctx);

/** log_printf() - format and write to the console ('\n' -> "\r\n"). */
void log_printf(const char *fmt, ...) __printf(1, 2);
void log_vprintf(const char *fmt, va_list ap);

#endif
