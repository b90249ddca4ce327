// SPDX-License-Identifier: MIT
/*
 * Console log lines, formatted by picolibc's vsnprintf into a stack
 * buffer (no stdio FILE, no heap).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/console.h"
#include "payload/log.h"

/* Log output is needed everywhere, from drivers to the dump loop. */
static struct console *log_console;

void log_set_console(struct console *con)
{
	log_console = con;
}

void log_vprintf(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n;

	if (!log_console)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	console_write_text(log_console, line, (size_t)n);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}
