// SPDX-License-Identifier: MIT
/*
 * The command line: one tokenizer (the kernel's next_arg() rules, from
 * Documentation/admin-guide/kernel-parameters.rst and lib/cmdline.c's
 * behaviour) and the tinydump.* keys of docs/config.md.  Bootargs are input:
 * a bad value is reported and ignored, never fatal.
 */
#include <errno.h>
#include <string.h>

#include "payload/config.h"
#include "include/compiler.h"

#define CONFIG_MSG_LEN 128
/* How much of a rejected argument a message quotes. */
#define CONFIG_MSG_ARG_MAX 64

static bool config_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\v' || ch == '\f';
}

const char *config_next(const char *pos, struct config_arg *arg)
{
	const char *p = pos, *start, *stop, *eq = NULL;
	bool in_quote = false, quoted;

	if (!p || !arg)
		return NULL;
	while (*p && config_is_space(*p))
		p++;
	if (!*p)
		return NULL;
	start = p;
	quoted = *p == '"';
	if (quoted) {
		in_quote = true;
		p++;
	}
	/* As in the kernel, '=' counts even inside quotes ("key=a b"). */
	for (; *p; p++) {
		if (config_is_space(*p) && !in_quote)
			break;
		if (!eq && *p == '=')
			eq = p;
		if (*p == '"')
			in_quote = !in_quote;
	}
	stop = p;
	arg->key = start + quoted;
	if (!eq) {
		if (quoted && stop > arg->key && stop[-1] == '"')
			stop--;
		arg->key_len = (size_t)(stop - arg->key);
		arg->val = NULL;
		arg->val_len = 0;
		/* "--": what follows belongs to init, not to the kernel. */
		if (!quoted && arg->key_len == 2 && !memcmp(arg->key, "--", 2))
			return NULL;
		return p;
	}
	arg->key_len = (size_t)(eq - arg->key);
	arg->val = eq + 1;
	if (*arg->val == '"') {
		arg->val++;
		if (stop > arg->val && stop[-1] == '"')
			stop--;
	} else if (quoted && stop > arg->val && stop[-1] == '"') {
		stop--;
	}
	arg->val_len = stop > arg->val ? (size_t)(stop - arg->val) : 0;
	return p;
}

/* @a[0..@alen) == @b, with '-' and '_' equal as in the kernel's parameq(). */
static bool config_key_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (!b[i] || x != y)
			return false;
	}
	return b[i] == '\0';
}

int config_find(const char *bootargs, const char *key, const char **val,
		size_t *len)
{
	struct config_arg arg;
	const char *p = bootargs;
	bool found = false;

	if (!bootargs || !key)
		return -EINVAL;
	while ((p = config_next(p, &arg))) {
		if (!config_key_eq(arg.key, arg.key_len, key))
			continue;
		found = true;
		if (val)
			*val = arg.val;
		if (len)
			*len = arg.val_len;
	}
	return found ? 0 : -ENOENT;
}

static int config_digit(char ch, unsigned base)
{
	unsigned d;

	if (ch >= '0' && ch <= '9')
		d = (unsigned)(ch - '0');
	else if (ch >= 'a' && ch <= 'f')
		d = (unsigned)(ch - 'a') + 10;
	else if (ch >= 'A' && ch <= 'F')
		d = (unsigned)(ch - 'A') + 10;
	else
		return -1;
	return d < base ? (int)d : -1;
}

size_t config_scan_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0, first;
	uint64_t v = 0;

	if (!s || !out)
		return 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    config_digit(s[2], 16) >= 0) {
		base = 16;
		i = 2;
	}
	first = i;
	for (; i < len; i++) {
		int d = config_digit(s[i], base);

		if (d < 0)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return 0;
		v = v * base + (unsigned)d;
	}
	if (i == first)
		return 0;
	*out = v;
	return i;
}

int config_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v;

	if (!len || config_scan_u64(s, len, &v) != len)
		return -EINVAL;
	*out = v;
	return 0;
}

int config_parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	size_t n;
	uint64_t v;

	if (!s || !out || !len)
		return -EINVAL;
	n = config_scan_u64(s, len, &v);
	if (!n)
		return -EINVAL;
	if (n + 1 == len) {
		/* memparse()'s binary suffixes: K, M, G, T. */
		static const char suffixes[] = "KMGT";
		const char *p = memchr(suffixes, s[n] & ~0x20, 4);

		if (!p)
			return -EINVAL;
		shift = 10u * (unsigned)(p - suffixes + 1);
	} else if (n != len) {
		return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* Setters: NULL when the value is taken, else what was expected. */

static bool config_val_is(const struct config_arg *a, const char *word)
{
	size_t n = strlen(word);

	return a->val && a->val_len == n && !memcmp(a->val, word, n);
}

/* A number in [min, max]. Return: 0, or -EINVAL (*out untouched). */
static int config_u32(const struct config_arg *a, uint64_t min, uint64_t max,
		      uint32_t *out)
{
	uint64_t v;

	if (!a->val || config_parse_u64(a->val, a->val_len, &v) || v < min ||
	    v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* A non-empty string that fits @size with its NUL. Return: 0 or -EINVAL. */
static int config_string(const struct config_arg *a, char *dst, size_t size)
{
	if (!a->val || !a->val_len || a->val_len >= size)
		return -EINVAL;
	memcpy(dst, a->val, a->val_len);
	dst[a->val_len] = '\0';
	return 0;
}

static const char *set_after(struct tinydump_config *c,
			     const struct config_arg *a)
{
	if (config_val_is(a, "reset"))
		c->after = AFTER_RESET;
	else if (config_val_is(a, "off"))
		c->after = AFTER_OFF;
	else if (config_val_is(a, "halt"))
		c->after = AFTER_HALT;
	else
		return "reset, off or halt";
	return NULL;
}

static const char *set_sink(struct tinydump_config *c,
			    const struct config_arg *a)
{
	if (config_string(a, c->sinks, sizeof(c->sinks)))
		return "a comma-separated list of sinks, under 64 characters";
	return NULL;
}

static const char *set_level(struct tinydump_config *c,
			     const struct config_arg *a)
{
	uint32_t v;

	if (config_u32(a, 0, CONFIG_LEVEL_MAX, &v))
		return "a number 0..31";
	c->level = (int)v;
	return NULL;
}

static const char *set_baud(struct tinydump_config *c,
			    const struct config_arg *a)
{
	if (config_u32(a, 0, CONFIG_BAUD_MAX, &c->baud))
		return "a baud rate up to 4000000 (0 keeps the current one)";
	return NULL;
}

static const char *set_uartclk(struct tinydump_config *c,
			       const struct config_arg *a)
{
	if (config_u32(a, 0, UINT32_MAX, &c->uart_clock))
		return "a clock in Hz";
	return NULL;
}

static const char *set_serial(struct tinydump_config *c,
			      const struct config_arg *a)
{
	if (config_val_is(a, "binary"))
		c->serial = SERIAL_BINARY;
	else if (config_val_is(a, "ascii"))
		c->serial = SERIAL_ASCII;
	else
		return "binary or ascii";
	return NULL;
}

static const char *set_dmesg_lines(struct tinydump_config *c,
				   const struct config_arg *a)
{
	uint32_t v;

	if (config_u32(a, 0, UINT32_MAX, &v))
		return "a number of lines";
	c->dmesg_lines = v;
	return NULL;
}

static const char *set_debug(struct tinydump_config *c,
			     const struct config_arg *a)
{
	if (config_string(a, c->debug, sizeof(c->debug)))
		return "a test hook name, under 32 characters";
	return NULL;
}

static const char *set_part(struct tinydump_config *c,
			    const struct config_arg *a)
{
	char name[CONFIG_PART_LEN];

	if (config_string(a, name, sizeof(name)))
		return "a GPT partition name of 1 to 36 characters";
	for (size_t i = 0; name[i]; i++)
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			return "a GPT partition name of 1 to 36 characters";
	memcpy(c->part, name, sizeof(name));
	return NULL;
}

static const char *set_blk(struct tinydump_config *c,
			   const struct config_arg *a)
{
	static const char *const expected =
		"OFFSET,LENGTH in bytes (K, M, G suffixes), LENGTH not 0";
	const char *comma;
	uint64_t off, len;
	size_t n;

	if (!a->val)
		return expected;
	comma = memchr(a->val, ',', a->val_len);
	if (!comma)
		return expected;
	n = (size_t)(comma - a->val);
	if (config_parse_size(a->val, n, &off) ||
	    config_parse_size(comma + 1, a->val_len - n - 1, &len) || !len ||
	    off + len < off)
		return expected;
	c->blk_offset = off;
	c->blk_length = len;
	return NULL;
}

static const char *set_blkdev(struct tinydump_config *c,
			      const struct config_arg *a)
{
	if (config_string(a, c->blkdev, sizeof(c->blkdev)))
		return "a device tree path or alias, under 128 characters";
	return NULL;
}

static const char *set_netdev(struct tinydump_config *c,
			      const struct config_arg *a)
{
	if (config_string(a, c->netdev, sizeof(c->netdev)))
		return "a device tree path or alias, under 128 characters";
	return NULL;
}

static const char *set_port(struct tinydump_config *c,
			    const struct config_arg *a)
{
	uint32_t v;

	if (config_u32(a, 1, UINT16_MAX, &v))
		return "a UDP port 1..65535";
	c->port = (uint16_t)v;
	return NULL;
}

static const struct config_key {
	const char *name;	/* after "tinydump." */
	const char *(*set)(struct tinydump_config *c,
			   const struct config_arg *a);
} config_keys[] = {
	{ "after", set_after },
	{ "sink", set_sink },
	{ "level", set_level },
	{ "baud", set_baud },
	{ "uartclk", set_uartclk },
	{ "serial", set_serial },
	{ "dmesg_lines", set_dmesg_lines },
	{ "debug", set_debug },
	{ "part", set_part },
	{ "blk", set_blk },
	{ "blkdev", set_blkdev },
	{ "netdev", set_netdev },
	{ "port", set_port },
};

void config_defaults(struct tinydump_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->after = AFTER_RESET;
	memcpy(c->sinks, "serial", sizeof("serial"));
	c->level = CONFIG_LEVEL_DEFAULT;
	c->baud = 0;
	c->uart_clock = 0;
	c->serial = SERIAL_BINARY;
	c->dmesg_lines = CONFIG_DMESG_LINES_DEFAULT;
	memcpy(c->part, CONFIG_PART_DEFAULT, sizeof(CONFIG_PART_DEFAULT));
	c->blk_offset = 0;
	c->blk_length = 0;
	c->blkdev[0] = '\0';
	c->port = CONFIG_PORT_DEFAULT;
}

/* A bounded string builder for the report messages. */
struct config_msg {
	char buf[CONFIG_MSG_LEN];
	size_t len;
};

static void config_msg_add(struct config_msg *m, const char *s, size_t n)
{
	size_t room = sizeof(m->buf) - 1 - m->len;

	if (n > room)
		n = room;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void config_msg_str(struct config_msg *m, const char *s)
{
	config_msg_add(m, s, strlen(s));
}

/* "key" or "key=value", the value cut short if long. */
static void config_msg_arg(struct config_msg *m, const struct config_arg *a)
{
	config_msg_add(m, a->key, a->key_len);
	if (!a->val)
		return;
	config_msg_str(m, "=");
	if (a->val_len > CONFIG_MSG_ARG_MAX) {
		config_msg_add(m, a->val, CONFIG_MSG_ARG_MAX);
		config_msg_str(m, "...");
	} else {
		config_msg_add(m, a->val, a->val_len);
	}
}

int config_parse(struct tinydump_config *c, const char *bootargs,
		 void (*report)(void *ctx, const char *msg), void *ctx)
{
	const size_t plen = sizeof(CONFIG_PREFIX) - 1;
	struct config_arg arg;
	const char *p = bootargs ? bootargs : "";

	if (!c)
		return -EINVAL;
	while ((p = config_next(p, &arg))) {
		const struct config_key *k = NULL;
		const char *expected = NULL;
		struct config_msg m = { .len = 0 };

		if (arg.key_len < plen || memcmp(arg.key, CONFIG_PREFIX, plen))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
			if (config_key_eq(arg.key + plen, arg.key_len - plen,
					  config_keys[i].name)) {
				k = &config_keys[i];
				break;
			}
		}
		if (k) {
			expected = k->set(c, &arg);
			if (!expected)
				continue;
		}
		c->unknown++;
		if (!report)
			continue;
		if (k) {
			config_msg_str(&m, "tinydump: ignoring ");
			config_msg_arg(&m, &arg);
			config_msg_str(&m, ": expected ");
			config_msg_str(&m, expected);
		} else {
			config_msg_str(&m,
				       "tinydump: ignoring unknown option ");
			config_msg_arg(&m, &arg);
		}
		report(ctx, m.buf);
	}
	return 0;
}
