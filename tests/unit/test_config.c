// SPDX-License-Identifier: MIT
/*
 * payload/config.c: the command-line tokenizer (kernel next_arg() rules),
 * config_find(), every tinydump.* key with good and bad values, the
 * messages for what is ignored, and the number parser.
 */
#include <errno.h>
#include <string.h>

#include "payload/config.h"
#include "tests/unit/check.h"

struct reports {
	unsigned n;
	char last[160];
};

static void report(void *ctx, const char *msg)
{
	struct reports *r = ctx;

	r->n++;
	strncpy(r->last, msg, sizeof(r->last) - 1);
	r->last[sizeof(r->last) - 1] = '\0';
}

static bool val_is(const char *val, size_t len, const char *want)
{
	return val && len == strlen(want) && !memcmp(val, want, len);
}

static void test_defaults(void)
{
	struct tinydump_config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	CHECK_EQ(c.after, AFTER_RESET);
	CHECK_STR(c.sinks, "serial");
	CHECK_EQ(c.level, 31);	/* makedumpfile -d 31 */
	CHECK_EQ(c.baud, 0);
	CHECK_EQ(c.uart_clock, 0);
	CHECK_EQ(c.serial, SERIAL_BINARY);
	CHECK_EQ(c.dmesg_lines, 40);
	CHECK_STR(c.debug, "");
	CHECK_STR(c.part, "tinydump");
	CHECK_EQ(c.blk_offset, 0);
	CHECK_EQ(c.blk_length, 0);	/* no raw range */
	CHECK_STR(c.blkdev, "");
	CHECK_STR(c.netdev, "");
	CHECK_EQ(c.port, 21572);
	CHECK_EQ(c.unknown, 0);
}

/* tinydump.netdev= and tinydump.port= (docs/net.md). */
static void test_net_keys(void)
{
	struct tinydump_config c;
	struct reports r = { 0 };
	char longdev[160];

	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.netdev=/soc/ethernet@ff0e0000 "
			      "tinydump.port=7000", report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_STR(c.netdev, "/soc/ethernet@ff0e0000");
	CHECK_EQ(c.port, 7000);
	CHECK_EQ(config_parse(&c, "tinydump.netdev=ethernet0 tinydump.port=1 "
			      "tinydump.port=0xffff", report, &r), 0);
	CHECK_STR(c.netdev, "ethernet0");
	CHECK_EQ(c.port, 65535);
	CHECK_EQ(r.n, 0);

	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.port=0", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.port=0: "
			  "expected a UDP port 1..65535");
	CHECK_EQ(config_parse(&c, "tinydump.port=65536 tinydump.port=-1 "
			      "tinydump.port=66x7 tinydump.port "
			      "tinydump.netdev= tinydump.netdev", report, &r), 0);
	CHECK_EQ(r.n, 7);
	CHECK_EQ(c.unknown, 7);
	CHECK_EQ(c.port, 21572);
	CHECK_STR(c.netdev, "");
	CHECK_STR(r.last, "tinydump: ignoring tinydump.netdev: expected a "
			  "device tree path or alias, under 128 characters");

	/* 127 characters fit; 128 do not. */
	memcpy(longdev, "tinydump.netdev=/", 17);
	memset(longdev + 17, 'n', 126);
	longdev[17 + 126] = '\0';
	CHECK_EQ(config_parse(&c, longdev, report, &r), 0);
	CHECK_EQ(strlen(c.netdev), 127);
	longdev[17 + 126] = 'n';
	longdev[17 + 127] = '\0';
	CHECK_EQ(config_parse(&c, longdev, report, &r), 0);
	CHECK_EQ(r.n, 8);
	CHECK_EQ(strlen(c.netdev), 127);
}

static void test_all_keys(void)
{
	struct tinydump_config c;
	struct reports r = { 0 };

	config_defaults(&c);
	CHECK_EQ(config_parse(&c,
			      "console=ttyAMA0 root=/dev/vda rw quiet "
			      "tinydump.after=off tinydump.sink=serial,mmc "
			      "tinydump.level=7 tinydump.baud=921600 "
			      "tinydump.uartclk=0x2dc6c00 tinydump.serial=ascii "
			      "tinydump.dmesg_lines=100 tinydump.debug=fault "
			      "earlycon=pl011,0x9000000 loglevel=8",
			      report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(c.unknown, 0);
	CHECK_EQ(c.after, AFTER_OFF);
	CHECK_STR(c.sinks, "serial,mmc");
	CHECK_EQ(c.level, 7);
	CHECK_EQ(c.baud, 921600);
	CHECK_EQ(c.uart_clock, 48000000);
	CHECK_EQ(c.serial, SERIAL_ASCII);
	CHECK_EQ(c.dmesg_lines, 100);
	CHECK_STR(c.debug, "fault");

	/* Later wins; '-' and '_' are the same in keys, as in the kernel. */
	CHECK_EQ(config_parse(&c, "tinydump.after=halt tinydump.dmesg-lines=0 "
			      "tinydump.after=reset tinydump.level=31 "
			      "tinydump.level=0 tinydump.serial=binary "
			      "tinydump.debug=fault-in-handler",
			      report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(c.after, AFTER_RESET);
	CHECK_EQ(c.dmesg_lines, 0);
	CHECK_EQ(c.level, 0);
	CHECK_EQ(c.serial, SERIAL_BINARY);
	CHECK_STR(c.debug, "fault-in-handler");
}

static void test_bad(void)
{
	struct tinydump_config c;
	struct reports r = { 0 };
	char longsink[200];

	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.foo=bar", report, &r), 0);
	CHECK_EQ(r.n, 1);
	CHECK_STR(r.last, "tinydump: ignoring unknown option tinydump.foo=bar");
	CHECK_EQ(c.unknown, 1);

	CHECK_EQ(config_parse(&c, "tinydump.level=99", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.level=99: "
			  "expected a number 0..31");
	CHECK_EQ(c.level, 31);	/* the default stays */
	CHECK_EQ(config_parse(&c, "tinydump.after=reboot", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.after=reboot: "
			  "expected reset, off or halt");
	CHECK_EQ(c.after, AFTER_RESET);
	CHECK_EQ(config_parse(&c, "tinydump.level", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.level: "
			  "expected a number 0..31");
	CHECK_EQ(config_parse(&c, "tinydump.bogus", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring unknown option tinydump.bogus");
	CHECK_EQ(c.unknown, 5);
	CHECK_EQ(r.n, 5);

	CHECK_EQ(config_parse(&c, "tinydump.baud=fast tinydump.baud=4000001 "
			      "tinydump.baud=115200x tinydump.serial=hex "
			      "tinydump.dmesg_lines=-1 tinydump.uartclk=0x "
			      "tinydump.uartclk=4294967296 tinydump.sink= "
			      "tinydump.debug=0123456789012345678901234567890123 "
			      "tinydump.level=0x", report, &r), 0);
	CHECK_EQ(r.n, 15);
	CHECK_EQ(c.unknown, 15);
	CHECK_EQ(c.baud, 0);
	CHECK_EQ(c.serial, SERIAL_BINARY);
	CHECK_EQ(c.dmesg_lines, 40);
	CHECK_EQ(c.uart_clock, 0);
	CHECK_STR(c.sinks, "serial");
	CHECK_STR(c.debug, "");
	CHECK_EQ(c.level, 31);

	/* A long value is cut in the message, which stays bounded. */
	memset(longsink, 'a', sizeof(longsink));
	memcpy(longsink, "tinydump.sink=", 14);
	longsink[sizeof(longsink) - 1] = '\0';
	CHECK_EQ(config_parse(&c, longsink, report, &r), 0);
	CHECK_STR(c.sinks, "serial");
	CHECK(strlen(r.last) < 128);
	CHECK(strstr(r.last, "tinydump.sink=aaaa") != NULL);
	CHECK(strstr(r.last, "...") != NULL);

	/* No callback: still counted and ignored. */
	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.x=1 tinydump.level=32", NULL, NULL), 0);
	CHECK_EQ(c.unknown, 2);
	CHECK_EQ(c.level, 31);

	/* Only the prefix exactly; the kernel's own keys are silent. */
	r.n = 0;
	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump=1 tinydumpx.level=3 Tinydump.level=3 "
			      "tinydump.after.x=off foo.level=2",
			      report, &r), 0);
	CHECK_EQ(r.n, 1);	/* tinydump.after.x */
	CHECK_EQ(c.level, 31);
	CHECK_EQ(config_parse(NULL, "x", report, &r), -EINVAL);
	CHECK_EQ(config_parse(&c, NULL, report, &r), 0);
	CHECK_EQ(config_parse(&c, "", report, &r), 0);
	CHECK_EQ(config_parse(&c, "   \t\n ", report, &r), 0);
}

static void test_quotes(void)
{
	struct tinydump_config c;
	struct reports r = { 0 };

	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "a=\"x y\" tinydump.sink=\"serial, mmc\"\t"
			      "\"tinydump.debug=two words\" tinydump.after=\"halt\"",
			      report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_STR(c.sinks, "serial, mmc");
	CHECK_STR(c.debug, "two words");
	CHECK_EQ(c.after, AFTER_HALT);

	/* "--" ends the kernel's arguments: the rest is init's. */
	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.after=off -- tinydump.after=halt",
			      report, &r), 0);
	CHECK_EQ(c.after, AFTER_OFF);
	/* An unclosed quote runs to the end of the line. */
	CHECK_EQ(config_parse(&c, "tinydump.debug=\"fault  ", report, &r), 0);
	CHECK_STR(c.debug, "fault  ");
}

static void test_next_and_find(void)
{
	const char *line = "  console=ttyAMA0,115200 earlycon  "
			   "key=\"a b\" earlycon=pl011,0x9000000 x= \"y=1 2\"";
	struct config_arg a;
	const char *p = line, *val;
	size_t len;
	int n = 0;

	while ((p = config_next(p, &a)))
		n++;
	CHECK_EQ(n, 6);

	p = config_next(line, &a);
	CHECK(a.key_len == 7 && !memcmp(a.key, "console", 7));
	CHECK(val_is(a.val, a.val_len, "ttyAMA0,115200"));
	p = config_next(p, &a);
	CHECK(a.key_len == 8 && a.val == NULL && a.val_len == 0);

	CHECK_EQ(config_find(line, "earlycon", &val, &len), 0);
	CHECK(val_is(val, len, "pl011,0x9000000"));
	CHECK_EQ(config_find(line, "key", &val, &len), 0);
	CHECK(val_is(val, len, "a b"));
	CHECK_EQ(config_find(line, "x", &val, &len), 0);
	CHECK(val != NULL && len == 0);
	CHECK_EQ(config_find(line, "y", &val, &len), 0);
	CHECK(val_is(val, len, "1 2"));
	CHECK_EQ(config_find(line, "console", NULL, NULL), 0);
	CHECK_EQ(config_find(line, "ttyAMA0", &val, &len), -ENOENT);
	CHECK_EQ(config_find(line, "earlycon=pl011", &val, &len), -ENOENT);
	CHECK_EQ(config_find(line, "consol", &val, &len), -ENOENT);
	CHECK_EQ(config_find(NULL, "x", &val, &len), -EINVAL);
	CHECK_EQ(config_find(line, NULL, &val, &len), -EINVAL);

	/* Bare key last: found with no value. */
	CHECK_EQ(config_find("earlycon=pl011,0x1 earlycon", "earlycon", &val,
			     &len), 0);
	CHECK(val == NULL && len == 0);
	CHECK_EQ(config_find("", "earlycon", &val, &len), -ENOENT);
	CHECK(config_next(NULL, &a) == NULL);
	CHECK(config_next("   ", &a) == NULL);
}

static void test_numbers(void)
{
	uint64_t v = 0;

	CHECK_EQ(config_parse_u64("0", 1, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(config_parse_u64("115200", 6, &v), 0);
	CHECK_EQ(v, 115200);
	CHECK_EQ(config_parse_u64("0x9000000", 9, &v), 0);
	CHECK_EQ(v, 0x9000000);
	CHECK_EQ(config_parse_u64("0XfF", 4, &v), 0);
	CHECK_EQ(v, 255);
	CHECK_EQ(config_parse_u64("18446744073709551615", 20, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(config_parse_u64("0xffffffffffffffff", 18, &v), 0);
	CHECK(v == UINT64_MAX);
	v = 7;
	CHECK_EQ(config_parse_u64("18446744073709551616", 20, &v), -EINVAL);
	CHECK_EQ(config_parse_u64("0x10000000000000000", 19, &v), -EINVAL);
	CHECK_EQ(config_parse_u64("", 0, &v), -EINVAL);
	CHECK_EQ(config_parse_u64("0x", 2, &v), -EINVAL);
	CHECK_EQ(config_parse_u64("12a", 3, &v), -EINVAL);
	CHECK_EQ(config_parse_u64("-1", 2, &v), -EINVAL);
	CHECK_EQ(config_parse_u64(" 1", 2, &v), -EINVAL);
	CHECK_EQ(v, 7);
	/* Length-bounded: the digits after @len are not read. */
	CHECK_EQ(config_parse_u64("1234", 2, &v), 0);
	CHECK_EQ(v, 12);

	CHECK_EQ(config_scan_u64("115200n8", 8, &v), 6);
	CHECK_EQ(v, 115200);
	CHECK_EQ(config_scan_u64("n8", 2, &v), 0);
	CHECK_EQ(config_scan_u64("0x1g", 4, &v), 3);
	CHECK_EQ(v, 1);
	CHECK_EQ(config_scan_u64("0xg", 3, &v), 1);
	CHECK_EQ(v, 0);
	CHECK_EQ(config_scan_u64(NULL, 3, &v), 0);
}

static void test_block_keys(void)
{
	struct tinydump_config c;
	struct reports r = { 0 };
	char long_path[200];
	uint64_t v;

	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "root=/dev/mmcblk0p2 tinydump.sink=serial,block "
			      "tinydump.part=crashdump tinydump.blk=0x100000,64M "
			      "tinydump.blkdev=/soc/mmc@ff160000",
			      report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_STR(c.sinks, "serial,block");
	CHECK_STR(c.part, "crashdump");
	CHECK_EQ(c.blk_offset, 0x100000);
	CHECK_EQ(c.blk_length, 64ull << 20);
	CHECK_STR(c.blkdev, "/soc/mmc@ff160000");
	/* Decimal, suffixes either case, an alias for the device. */
	CHECK_EQ(config_parse(&c, "tinydump.blk=1048576,4k tinydump.blkdev=mmc0 "
			      "tinydump.part=abcdefghijklmnopqrstuvwxyz0123456789",
			      report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(c.blk_offset, 1048576);
	CHECK_EQ(c.blk_length, 4096);
	CHECK_STR(c.blkdev, "mmc0");
	CHECK_STR(c.part, "abcdefghijklmnopqrstuvwxyz0123456789");
	CHECK_EQ(config_parse(&c, "tinydump.blk=0x1G,0x2g", report, &r), 0);
	CHECK_EQ(c.blk_offset, 1ull << 30);
	CHECK_EQ(c.blk_length, 2ull << 30);

	/* Bad values keep what was there and say what was expected. */
	config_defaults(&c);
	CHECK_EQ(config_parse(&c, "tinydump.blk=4096", report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.blk=4096: expected "
			  "OFFSET,LENGTH in bytes (K, M, G suffixes), LENGTH "
			  "not 0");
	CHECK_EQ(config_parse(&c, "tinydump.blk=0,0 tinydump.blk=1M,2X "
			      "tinydump.blk=,1M tinydump.blk=1M, "
			      "tinydump.blk=0xffffffffffffffff,1 "
			      "tinydump.blk=1,20000000T tinydump.blk",
			      report, &r), 0);
	CHECK_EQ(r.n, 8);
	CHECK_EQ(c.blk_offset, 0);
	CHECK_EQ(c.blk_length, 0);
	CHECK_EQ(config_parse(&c, "tinydump.part=abcdefghijklmnopqrstuvwxyz0123456789x",
			      report, &r), 0);
	CHECK_STR(r.last, "tinydump: ignoring tinydump.part=abcdefghijklmnopqr"
			  "stuvwxyz0123456789x: expected a GPT partition name "
			  "of 1 to 36 characters");
	CHECK_EQ(config_parse(&c, "\"tinydump.part=a b\" tinydump.part=",
			      report, &r), 0);
	CHECK_EQ(r.n, 11);
	CHECK_STR(c.part, "tinydump");
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "tinydump.blkdev=/", 17);
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_EQ(config_parse(&c, long_path, report, &r), 0);
	CHECK_EQ(r.n, 12);
	CHECK_STR(c.blkdev, "");
	CHECK_EQ(c.unknown, 12);

	/* The size parser itself. */
	CHECK_EQ(config_parse_size("512", 3, &v), 0);
	CHECK_EQ(v, 512);
	CHECK_EQ(config_parse_size("0x10M", 5, &v), 0);
	CHECK_EQ(v, 16ull << 20);
	CHECK_EQ(config_parse_size("3t", 2, &v), 0);
	CHECK_EQ(v, 3ull << 40);
	CHECK_EQ(config_parse_size("16777215T", 9, &v), 0);
	CHECK_EQ(config_parse_size("16777216T", 9, &v), -EINVAL);
	CHECK_EQ(config_parse_size("1KB", 3, &v), -EINVAL);
	CHECK_EQ(config_parse_size("K", 1, &v), -EINVAL);
	CHECK_EQ(config_parse_size("", 0, &v), -EINVAL);
}

int main(void)
{
	test_defaults();
	test_all_keys();
	test_net_keys();
	test_bad();
	test_quotes();
	test_next_and_find();
	test_numbers();
	test_block_keys();
	return check_summary("test_config");
}
