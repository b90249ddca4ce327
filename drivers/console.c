// SPDX-License-Identifier: MIT
/*
 * Console helpers over a driver's ops table.
 */
#include <errno.h>

#include "drivers/console.h"

int console_write(struct console *con, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int ret = 0;

	if (!con || !con->ops)
		return -ENODEV;
	for (size_t i = 0; i < len; i++) {
		if (con->ops->putc(con, p[i]) < 0) {
			con->tx_dropped++;
			ret = -ETIMEDOUT;
		}
	}
	return ret;
}

int console_write_text(struct console *con, const char *s, size_t len)
{
	int ret = 0;

	if (!con || !con->ops)
		return -ENODEV;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' && con->crlf && console_write(con, "\r", 1))
			ret = -ETIMEDOUT;
		if (console_write(con, &s[i], 1))
			ret = -ETIMEDOUT;
	}
	return ret;
}

int console_flush(struct console *con)
{
	if (!con || !con->ops)
		return -ENODEV;
	return con->ops->flush(con);
}

int console_getc(struct console *con)
{
	if (!con || !con->ops || !con->ops->getc)
		return -EAGAIN;
	return con->ops->getc(con);
}
