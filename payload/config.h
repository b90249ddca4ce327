/* SPDX-License-Identifier: MIT */
/*
 * Run-time configuration from the command line kexec gives us (/chosen
 * bootargs, `kexec -p --append=...`), in the kernel's key=value style.
 * The line is tokenized here and nowhere else: other code asks config_find()
 * or walks it with config_next().  Every key is listed in docs/config.md.
 */
#ifndef TINYDUMP_PAYLOAD_CONFIG_H
#define TINYDUMP_PAYLOAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Only keys starting with this are ours; the kernel's are skipped. */
#define CONFIG_PREFIX "tinydump."

/* What to do once the dump is written (tinydump.after=). */
enum after_action {
	AFTER_RESET = 0,	/* PSCI SYSTEM_RESET: the machine comes back */
	AFTER_OFF,		/* PSCI SYSTEM_OFF */
	AFTER_HALT,		/* stay in wfi, e.g. to read the console */
};

/* How the dump goes over a serial sink (tinydump.serial=). */
enum serial_mode {
	SERIAL_BINARY = 0,	/* framed 8-bit stream */
	SERIAL_ASCII,		/* 7-bit safe, for consoles that mangle bytes */
};

#define CONFIG_SINKS_LEN 64
#define CONFIG_DEBUG_LEN 32
/* A GPT partition name is 36 UTF-16 units (UEFI 2.10 §5.3.3); ours are ASCII. */
#define CONFIG_PART_LEN 37
#define CONFIG_PART_DEFAULT "tinydump"
/* A DT path or alias, e.g. "/soc/mmc@ff160000" or "mmc0". */
#define CONFIG_BLKDEV_LEN 128
/* A DT path or alias; Linux's own paths are far shorter than this. */
#define CONFIG_NETDEV_LEN 128
/* The dump's UDP port (tinydump.port=): the reliable protocol's own
 * (payload/netdump.h NETDUMP_PORT_DEFAULT, docs/netdump-protocol.md). */
#define CONFIG_PORT_DEFAULT 21572
#define CONFIG_LEVEL_MAX 31
#define CONFIG_LEVEL_DEFAULT 31	/* makedumpfile -d 31: zero, cache, user, free pages out */
#define CONFIG_DMESG_LINES_DEFAULT 40
/* About the fastest a common UART (PL011, 16550) runs; above is a typo. */
#define CONFIG_BAUD_MAX 4000000u

struct tinydump_config {
	enum after_action after;	/* tinydump.after=reset|off|halt */
	char sinks[CONFIG_SINKS_LEN];	/* tinydump.sink=a,b; "serial" */
	int level;			/* tinydump.level=0..31, default 1 */
	uint32_t baud;			/* tinydump.baud=, 0: keep it */
	uint32_t uart_clock;		/* tinydump.uartclk= Hz, 0: DT */
	enum serial_mode serial;	/* tinydump.serial=binary|ascii */
	unsigned dmesg_lines;		/* tinydump.dmesg_lines=, default 40 */
	char debug[CONFIG_DEBUG_LEN];	/* tinydump.debug=, test hooks */
	char part[CONFIG_PART_LEN];	/* tinydump.part=, GPT name; "tinydump" */
	uint64_t blk_offset;		/* tinydump.blk=OFFSET,LENGTH in bytes; */
	uint64_t blk_length;		/* length 0: no raw range given */
	char blkdev[CONFIG_BLKDEV_LEN];	/* tinydump.blkdev=, "" = not given */
	char netdev[CONFIG_NETDEV_LEN];	/* tinydump.netdev=, "": first NIC */
	uint16_t port;			/* tinydump.port=, default 21572 */
	unsigned unknown;		/* unknown keys and bad values seen */
};

/* One argument of the command line; nothing is NUL-terminated. */
struct config_arg {
	const char *key;
	size_t key_len;
	const char *val;	/* NULL for a bare "key" without '=' */
	size_t val_len;		/* surrounding double quotes removed */
};

/** config_defaults() - fill @c with the documented defaults. */
void config_defaults(struct tinydump_config *c);

/**
 * config_next() - the argument at or after @pos, like the kernel's next_arg():
 * spaces separate arguments, double quotes group (`key="a b"`, `"key=a b"`),
 * and a bare "--" ends the kernel's part of the line (the rest is init's).
 * Return: where to continue, or NULL when there is no further argument
 * (then @arg is not written).
 */
const char *config_next(const char *pos, struct config_arg *arg);

/**
 * config_find() - the value of the last @key=... on @bootargs (later
 * arguments win, as in the kernel).  Keys compare with '-' and '_' equal.
 * @val, @len: the value (not NUL-terminated) and its length; *@val is
 * NULL for a bare "key".  Either may be NULL.
 * Return: 0 when found, -ENOENT when absent, -EINVAL for NULL arguments.
 */
int config_find(const char *bootargs, const char *key, const char **val,
		size_t *len);

/**
 * config_parse() - apply every tinydump.* argument of @bootargs to @c.
 * @c should hold config_defaults() first.  An unknown key or a bad value is
 * reported through @report (may be NULL) with a message naming the key,
 * counted in c->unknown, and otherwise ignored: the setting keeps its value.
 * Return: 0, -EINVAL when @c is NULL.  A NULL @bootargs is an empty line.
 */
int config_parse(struct tinydump_config *c, const char *bootargs,
		 void (*report)(void *ctx, const char *msg), void *ctx);

/**
 * config_scan_u64() - read a number at the start of @s[0..@len): "0x"/"0X"
 * then hex digits, or decimal digits.
 * Return: how many characters make up the number; 0 when none do or the
 * value overflows 64 bits (then *@out is not written).
 */
size_t config_scan_u64(const char *s, size_t len, uint64_t *out);

/**
 * config_parse_size() - a byte count as the kernel's memparse() reads one:
 * a number (decimal or "0x" hex) with an optional K, M, G or T suffix
 * (binary multiples, either case), all of @s[0..@len).
 * Return: 0, -EINVAL for a malformed or overflowing size.
 */
int config_parse_size(const char *s, size_t len, uint64_t *out);

/**
 * config_parse_u64() - the same, but all of @s[0..@len) must be the number.
 * Return: 0, -EINVAL for an empty, malformed or overflowing number.
 */
int config_parse_u64(const char *s, size_t len, uint64_t *out);

#endif
