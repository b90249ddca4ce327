// SPDX-License-Identifier: MIT
/*
 * drivers/uart/earlycon.c: the earlycon= syntaxes Linux accepts, choosing
 * the console from earlycon= or /chosen stdout-path on in-memory device
 * trees (QEMU virt and Raspberry Pi 3 shaped), and the DRIVER@ADDR fallback.
 * Uses the real drivers of uart_drivers[] by name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/uart/earlycon.h"
#include "drivers/uart/uart.h"
#include "tests/unit/check.h"

/* --- building trees ------------------------------------------------------ */

static char *cur;

static void must(int ret, int line)
{
	if (ret) {
		fprintf(stderr, "test_earlycon.c:%d: libfdt: %s\n", line,
			fdt_strerror(ret));
		exit(2);
	}
}
#define M(x) must((x), __LINE__)

static void b_start(char *buf, int size)
{
	cur = buf;
	M(fdt_create(cur, size));
	M(fdt_finish_reservemap(cur));
	M(fdt_begin_node(cur, ""));
}
static void b_node(const char *name) { M(fdt_begin_node(cur, name)); }
static void b_end(void) { M(fdt_end_node(cur)); }
static void b_u32(const char *n, uint32_t v) { M(fdt_property_u32(cur, n, v)); }
static void b_str(const char *n, const char *s) { M(fdt_property_string(cur, n, s)); }
static void b_raw(const char *n, const void *p, int len) { M(fdt_property(cur, n, p, len)); }

static void b_cells(const char *n, int count, ...)
{
	fdt32_t c[16];
	va_list ap;

	va_start(ap, count);
	for (int i = 0; i < count; i++)
		c[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	b_raw(n, c, count * (int)sizeof(fdt32_t));
}

static const void *b_finish(void)
{
	b_end();
	M(fdt_finish(cur));
	return cur;
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0) {
		fprintf(stderr, "no node %s: %s\n", path, fdt_strerror(off));
		exit(2);
	}
	return off;
}

/* QEMU virt shaped, with one UART of each kind; @stdout may be NULL. */
static const void *build_virt(char *buf, int size, const char *stdout_path)
{
	b_start(buf, size);
	b_u32("#address-cells", 2);
	b_u32("#size-cells", 2);
	b_node("chosen");
	if (stdout_path)
		b_str("stdout-path", stdout_path);
	b_end();
	b_node("apb-pclk");
	b_str("compatible", "fixed-clock");
	b_u32("#clock-cells", 0);
	b_u32("clock-frequency", 24000000);
	b_u32("phandle", 0x8000);
	b_end();
	b_node("pl011@9000000");
	b_raw("compatible", "arm,pl011\0arm,primecell",
	      sizeof("arm,pl011\0arm,primecell"));
	b_cells("reg", 4, 0x0, 0x09000000, 0x0, 0x1000);
	b_cells("clocks", 2, 0x8000, 0x8000);
	b_end();
	b_node("serial@1c020000");
	b_str("compatible", "snps,dw-apb-uart");
	b_cells("reg", 4, 0x0, 0x1c020000, 0x0, 0x100);
	b_u32("reg-shift", 2);
	b_u32("reg-io-width", 4);
	b_u32("clock-frequency", 1843200);
	b_end();
	b_node("serial@1c030000");
	b_str("compatible", "ns16550a");
	b_cells("reg", 4, 0x0, 0x1c030000, 0x0, 0x100);
	b_str("status", "disabled");
	b_end();
	b_node("serial@ff000000");
	b_raw("compatible", "xlnx,xuartps\0cdns,uart-r1p8",
	      sizeof("xlnx,xuartps\0cdns,uart-r1p8"));
	b_cells("reg", 4, 0x0, 0xff000000, 0x0, 0x1000);
	b_cells("clock-frequency", 2, 0x0, 100000000);
	b_u32("current-speed", 115200);
	b_end();
	b_node("weird@1000");
	b_str("compatible", "acme,uart");
	b_cells("reg", 4, 0x0, 0x1000, 0x0, 0x100);
	b_end();
	b_node("noreg");
	b_str("compatible", "ns16550a");
	b_end();
	b_node("badshift@2000");
	b_str("compatible", "ns16550a");
	b_cells("reg", 4, 0x0, 0x2000, 0x0, 0x100);
	b_u32("reg-shift", 9);
	b_end();
	return b_finish();
}

/* Raspberry Pi 3 B: the mini UART behind /soc's ranges. */
static const void *build_rpi3(char *buf, int size)
{
	b_start(buf, size);
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_node("chosen");
	b_str("stdout-path", "serial1:115200n8");
	b_end();
	b_node("aliases");
	b_str("serial0", "/soc/serial@7e201000");
	b_str("serial1", "/soc/serial@7e215040");
	b_end();
	b_node("soc");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_cells("ranges", 6, 0x7e000000, 0x3f000000, 0x1000000,
		0x40000000, 0x40000000, 0x1000);
	b_node("serial@7e201000");
	b_raw("compatible", "arm,pl011\0arm,primecell",
	      sizeof("arm,pl011\0arm,primecell"));
	b_cells("reg", 2, 0x7e201000, 0x200);
	b_end();
	b_node("serial@7e215040");
	b_str("compatible", "brcm,bcm2835-aux-uart");
	b_cells("reg", 2, 0x7e215040, 0x40);
	b_end();
	b_end();
	return b_finish();
}

/* --- earlycon_parse -------------------------------------------------------- */

static int parse(const char *s, struct earlycon_spec *sp)
{
	return earlycon_parse(s, strlen(s), sp);
}

static void test_parse(void)
{
	struct earlycon_spec s;

	CHECK_EQ(parse("pl011,0x9000000", &s), 0);
	CHECK_STR(s.name, "pl011");
	CHECK(!s.use_stdout);
	CHECK_EQ(s.iotype, UART_IO_DEFAULT);
	CHECK_EQ(s.reg_shift, 0);
	CHECK_EQ(s.addr, 0x9000000);
	CHECK_EQ(s.baud, 0);

	CHECK_EQ(parse("pl011,mmio32,0x9000000,115200n8", &s), 0);
	CHECK_STR(s.name, "pl011");
	CHECK_EQ(s.iotype, UART_IO_MMIO32);
	CHECK_EQ(s.reg_shift, 2);
	CHECK_EQ(s.addr, 0x9000000);
	CHECK_EQ(s.baud, 115200);

	CHECK_EQ(parse("uart,mmio,0x3f8", &s), 0);
	CHECK_STR(s.name, "uart");
	CHECK_EQ(s.iotype, UART_IO_MMIO8);
	CHECK_EQ(s.reg_shift, 0);
	CHECK_EQ(s.addr, 0x3f8);

	CHECK_EQ(parse("uart8250,mmio16,1024,9600", &s), 0);
	CHECK_EQ(s.iotype, UART_IO_MMIO16);
	CHECK_EQ(s.reg_shift, 1);
	CHECK_EQ(s.addr, 1024);
	CHECK_EQ(s.baud, 9600);

	CHECK_EQ(parse("uart8250,mmio32native,0xfe215040", &s), 0);
	CHECK_EQ(s.iotype, UART_IO_MMIO32);

	CHECK_EQ(parse("cdns,0xff000000", &s), 0);
	CHECK_STR(s.name, "cdns");
	CHECK_EQ(s.addr, 0xff000000u);

	CHECK_EQ(parse("bcm2835aux,0x3f215040,115200n8,extra,stuff", &s), 0);
	CHECK_EQ(s.addr, 0x3f215040);
	CHECK_EQ(s.baud, 115200);
	CHECK_EQ(parse("pl011,0x9000000,n8", &s), 0);
	CHECK_EQ(s.baud, 0);
	CHECK_EQ(parse("pl011,0x9000000,", &s), 0);
	CHECK_EQ(s.baud, 0);

	/* Bare earlycon / empty value: use stdout-path. */
	memset(&s, 0x5a, sizeof(s));
	CHECK_EQ(earlycon_parse(NULL, 0, &s), 0);
	CHECK(s.use_stdout);
	CHECK_STR(s.name, "");
	CHECK_EQ(earlycon_parse("", 0, &s), 0);
	CHECK(s.use_stdout);

	/* Rejected. */
	memset(&s, 0x5a, sizeof(s));
	CHECK_EQ(parse("uart8250,mmio32be,0xff000000", &s), -ENOTSUP);
	CHECK_EQ(parse("uart,io,0x3f8", &s), -ENOTSUP);
	CHECK_EQ(parse("pl011", &s), -EINVAL);
	CHECK_EQ(parse("pl011,", &s), -EINVAL);
	CHECK_EQ(parse("pl011,mmio32", &s), -EINVAL);
	CHECK_EQ(parse("pl011,mmio32,", &s), -EINVAL);
	CHECK_EQ(parse("pl011,serial", &s), -EINVAL);
	CHECK_EQ(parse("pl011,0x9000000x", &s), -EINVAL);
	CHECK_EQ(parse("pl011,0x10000000000000000", &s), -EINVAL);
	CHECK_EQ(parse(",0x9000000", &s), -EINVAL);
	CHECK_EQ(parse("averyveryverylongname,0x1000", &s), -EINVAL);
	CHECK_EQ(s.addr, 0x5a5a5a5a5a5a5a5aull);	/* untouched on error */
	CHECK_EQ(earlycon_parse("pl011,0x1", 9, NULL), -EINVAL);

	/* A token inside a longer line: only @len bytes are read. */
	const char *line = "earlycon=pl011,0x9000000 console=ttyAMA0,115200";

	CHECK_EQ(earlycon_parse(line + 9, 15, &s), 0);
	CHECK_STR(s.name, "pl011");
	CHECK_EQ(s.addr, 0x9000000);
	CHECK_EQ(s.baud, 0);
	CHECK_EQ(earlycon_parse(line + 9, 12, &s), 0);
	CHECK_EQ(s.addr, 0x9000);
}

static void test_find_driver(void)
{
	CHECK(earlycon_find_driver("pl011", 5) == &pl011_driver);
	CHECK(earlycon_find_driver("uart8250", 8) == &ns16550_driver);
	CHECK(earlycon_find_driver("uart", 4) == &ns16550_driver);
	CHECK(earlycon_find_driver("ns16550a", 8) == &ns16550_driver);
	CHECK(earlycon_find_driver("bcm2835aux", 10) == &bcm2835_aux_driver);
	CHECK(earlycon_find_driver(bcm2835_aux_driver.name,
				   strlen(bcm2835_aux_driver.name)) ==
	      &bcm2835_aux_driver);
	CHECK(earlycon_find_driver("cdns", 4) == &cdns_uart_driver);
	CHECK(earlycon_find_driver("pl01", 4) == NULL);
	CHECK(earlycon_find_driver("pl0111", 6) == NULL);
	CHECK(earlycon_find_driver("pl011xyz", 5) == &pl011_driver);
	CHECK(earlycon_find_driver("", 0) == NULL);
	CHECK(earlycon_find_driver(NULL, 3) == NULL);
}

/* --- earlycon_select ------------------------------------------------------- */

static char virt_buf[4096], rpi3_buf[4096], other_buf[4096];

static int sel(const void *fdt, const char *bootargs, struct earlycon_choice *c)
{
	memset(c, 0x5a, sizeof(*c));
	return earlycon_select(fdt, bootargs, c);
}

/* -ENODEV and nothing written. */
static void check_none(const void *fdt, const char *bootargs)
{
	struct earlycon_choice c, before;

	memset(&before, 0x5a, sizeof(before));
	CHECK_EQ(sel(fdt, bootargs, &c), -ENODEV);
	CHECK(!memcmp(&c, &before, sizeof(c)));
}

static void test_stdout_path(void)
{
	const void *virt = build_virt(virt_buf, sizeof(virt_buf),
				      "/pl011@9000000");
	const void *rpi3 = build_rpi3(rpi3_buf, sizeof(rpi3_buf));
	struct earlycon_choice c;
	const void *fdt;

	CHECK_EQ(sel(virt, NULL, &c), 0);
	CHECK(c.driver == &pl011_driver);
	CHECK_EQ(c.cfg.base, 0x9000000);
	CHECK_EQ(c.cfg.reg_shift, 0);
	CHECK_EQ(c.cfg.iotype, UART_IO_DEFAULT);
	CHECK_EQ(c.cfg.clock_hz, 24000000);	/* from the fixed-clock */
	CHECK_EQ(c.cfg.baud, 0);
	CHECK(c.cfg.match_data == NULL);
	CHECK_EQ(c.node, node(virt, "/pl011@9000000"));
	CHECK_EQ(c.baud_hint, 0);
	CHECK_STR(c.source, "stdout-path");
	CHECK_EQ(c.earlycon_err, 0);

	/* The kernel's options and a bare earlycon both mean stdout-path. */
	CHECK_EQ(sel(virt, "console=ttyAMA0 earlycon root=/dev/vda", &c), 0);
	CHECK_STR(c.source, "stdout-path");
	CHECK_EQ(c.earlycon_err, 0);
	CHECK_EQ(sel(virt, "earlycon=", &c), 0);
	CHECK_STR(c.source, "stdout-path");

	/* Raspberry Pi 3: alias, options, translated through /soc. */
	CHECK_EQ(sel(rpi3, "console=ttyS0,115200", &c), 0);
	CHECK(c.driver == &bcm2835_aux_driver);
	CHECK_EQ(c.cfg.base, 0x3f215040);
	CHECK_EQ(c.baud_hint, 115200);
	CHECK_EQ(c.cfg.baud, 0);
	CHECK_EQ(c.node, node(rpi3, "/soc/serial@7e215040"));
	CHECK_STR(c.source, "stdout-path");

	/* DesignWare 16550: reg-shift, reg-io-width, clock, match data. */
	fdt = build_virt(other_buf, sizeof(other_buf), "/serial@1c020000:9600");
	CHECK_EQ(sel(fdt, NULL, &c), 0);
	CHECK(c.driver == &ns16550_driver);
	CHECK_EQ(c.cfg.base, 0x1c020000);
	CHECK_EQ(c.cfg.reg_shift, 2);
	CHECK_EQ(c.cfg.iotype, UART_IO_MMIO32);
	CHECK_EQ(c.cfg.clock_hz, 1843200);
	CHECK(c.cfg.match_data != NULL);
	CHECK_EQ(c.baud_hint, 9600);

	/* Cadence: 2-cell clock-frequency, current-speed as the hint. */
	fdt = build_virt(other_buf, sizeof(other_buf), "/serial@ff000000");
	CHECK_EQ(sel(fdt, NULL, &c), 0);
	CHECK(c.driver == &cdns_uart_driver);
	CHECK_EQ(c.cfg.base, 0xff000000u);
	CHECK_EQ(c.cfg.clock_hz, 100000000);
	CHECK_EQ(c.baud_hint, 115200);

	/* Nothing usable: -ENODEV, nothing written. */
	check_none(build_virt(other_buf, sizeof(other_buf), "/serial@1c030000"),
		   NULL);	/* disabled */
	check_none(build_virt(other_buf, sizeof(other_buf), "/weird@1000"),
		   NULL);	/* no driver */
	check_none(build_virt(other_buf, sizeof(other_buf), "/noreg"), NULL);
	check_none(build_virt(other_buf, sizeof(other_buf), "/badshift@2000"),
		   NULL);
	check_none(build_virt(other_buf, sizeof(other_buf), "serial0"), NULL);
	check_none(build_virt(other_buf, sizeof(other_buf), NULL), NULL);
	check_none(NULL, NULL);
	check_none(NULL, "console=ttyAMA0 earlycon");
	check_none("this is not a device tree, just some bytes....", NULL);
	CHECK_EQ(earlycon_select(virt, NULL, NULL), -EINVAL);
}

static void test_earlycon_arg(void)
{
	const void *virt = build_virt(virt_buf, sizeof(virt_buf),
				      "/pl011@9000000");
	const void *rpi3 = build_rpi3(rpi3_buf, sizeof(rpi3_buf));
	struct earlycon_choice c;

	CHECK_EQ(sel(virt, "console=ttyAMA0 earlycon=pl011,mmio32,0x9000000", &c), 0);
	CHECK(c.driver == &pl011_driver);
	CHECK_STR(c.source, "earlycon");
	CHECK_EQ(c.cfg.base, 0x9000000);
	CHECK_EQ(c.cfg.iotype, UART_IO_MMIO32);
	CHECK_EQ(c.cfg.reg_shift, 2);
	CHECK_EQ(c.cfg.clock_hz, 24000000);
	CHECK_EQ(c.node, node(virt, "/pl011@9000000"));
	CHECK_EQ(c.earlycon_err, 0);

	/* No iotype given: the DT node's reg-shift/reg-io-width apply. */
	CHECK_EQ(sel(virt, "earlycon=uart8250,0x1c020000,115200n8", &c), 0);
	CHECK(c.driver == &ns16550_driver);
	CHECK_EQ(c.cfg.reg_shift, 2);
	CHECK_EQ(c.cfg.iotype, UART_IO_MMIO32);
	CHECK_EQ(c.cfg.clock_hz, 1843200);
	CHECK(c.cfg.match_data != NULL);
	CHECK_EQ(c.baud_hint, 115200);
	CHECK_EQ(c.node, node(virt, "/serial@1c020000"));

	/* An explicit iotype wins over the DT's; the clock still comes. */
	CHECK_EQ(sel(virt, "earlycon=uart,mmio,0x1c020000", &c), 0);
	CHECK_EQ(c.cfg.iotype, UART_IO_MMIO8);
	CHECK_EQ(c.cfg.reg_shift, 0);
	CHECK_EQ(c.cfg.clock_hz, 1843200);

	/* No node at that address: the command line alone. */
	CHECK_EQ(sel(virt, "earlycon=uart,mmio32,0x3f8", &c), 0);
	CHECK(c.driver == &ns16550_driver);
	CHECK_EQ(c.cfg.base, 0x3f8);
	CHECK_EQ(c.node, -1);
	CHECK_EQ(c.cfg.clock_hz, 0);
	/* A node at that address whose reg-shift is junk: not used. */
	CHECK_EQ(sel(virt, "earlycon=uart8250,0x2000", &c), 0);
	CHECK_EQ(c.node, -1);
	CHECK_EQ(c.cfg.reg_shift, 0);
	/* A node at that address the driver does not match: not used. */
	CHECK_EQ(sel(virt, "earlycon=pl011,0x1c020000", &c), 0);
	CHECK(c.driver == &pl011_driver);
	CHECK_EQ(c.node, -1);

	/* Translated DT address on the rpi3. */
	CHECK_EQ(sel(rpi3, "earlycon=bcm2835aux,mmio32,0x3f215040", &c), 0);
	CHECK(c.driver == &bcm2835_aux_driver);
	CHECK_EQ(c.node, node(rpi3, "/soc/serial@7e215040"));
	CHECK_EQ(c.cfg.base, 0x3f215040);

	/* Quoted, and the last earlycon= wins. */
	CHECK_EQ(sel(virt, "earlycon=uart,0x3f8 earlycon=\"cdns,0xff000000\"", &c), 0);
	CHECK(c.driver == &cdns_uart_driver);
	CHECK_EQ(c.node, node(virt, "/serial@ff000000"));
	CHECK_EQ(c.baud_hint, 115200);
	CHECK_EQ(sel(virt, "earlycon=cdns,0xff000000 earlycon", &c), 0);
	CHECK_STR(c.source, "stdout-path");

	/* Unusable earlycon=: stdout-path, and why. */
	CHECK_EQ(sel(virt, "earlycon=uart,io,0x3f8", &c), 0);
	CHECK_STR(c.source, "stdout-path");
	CHECK_EQ(c.earlycon_err, -ENOTSUP);
	CHECK_EQ(sel(virt, "earlycon=acme,0x1000", &c), 0);
	CHECK_STR(c.source, "stdout-path");
	CHECK_EQ(c.earlycon_err, -ENODEV);
	CHECK_EQ(sel(virt, "earlycon=pl011", &c), 0);
	CHECK_EQ(c.earlycon_err, -EINVAL);
	CHECK_EQ(sel(virt, "earlycon=pl011,0x0", &c), 0);
	CHECK_EQ(c.earlycon_err, -EINVAL);

	/* No DTB: earlycon= alone still works. */
	CHECK_EQ(sel(NULL, "earlycon=cdns,0xff000000", &c), 0);
	CHECK(c.driver == &cdns_uart_driver);
	CHECK_EQ(c.cfg.base, 0xff000000u);
	CHECK_EQ(c.node, -1);
	CHECK_STR(c.source, "earlycon");
	CHECK_EQ(sel("garbage, not a DTB..........................",
		     "earlycon=pl011,0x9000000", &c), 0);
	CHECK(c.driver == &pl011_driver);
	check_none(NULL, "earlycon=acme,0x1000");
}

static void test_spec_string(void)
{
	struct earlycon_choice c;

	memset(&c, 0x5a, sizeof(c));
	CHECK_EQ(earlycon_from_spec_string("pl011@0x9000000", &c), 0);
	CHECK(c.driver == &pl011_driver);
	CHECK_EQ(c.cfg.base, 0x9000000);
	CHECK_EQ(c.cfg.reg_shift, 0);
	CHECK_EQ(c.cfg.iotype, UART_IO_DEFAULT);
	CHECK_EQ(c.cfg.clock_hz, 0);
	CHECK_EQ(c.cfg.baud, 0);
	CHECK(c.cfg.match_data == NULL);
	CHECK_EQ(c.node, -1);
	CHECK_EQ(c.baud_hint, 0);
	CHECK_STR(c.source, "fallback");
	CHECK_EQ(c.earlycon_err, 0);

	CHECK_EQ(earlycon_from_spec_string("uart8250@268435456", &c), 0);
	CHECK(c.driver == &ns16550_driver);
	CHECK_EQ(c.cfg.base, 0x10000000);
	CHECK_EQ(earlycon_from_spec_string("bcm2835aux@0x3f215040", &c), 0);
	CHECK(c.driver == &bcm2835_aux_driver);

	memset(&c, 0x5a, sizeof(c));
	CHECK_EQ(earlycon_from_spec_string("acme@0x1000", &c), -ENODEV);
	CHECK_EQ(earlycon_from_spec_string("pl011", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string("pl011@", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string("pl011@0x", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string("pl011@0", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string("@0x9000000", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string("", &c), -EINVAL);
	CHECK_EQ(earlycon_from_spec_string(NULL, &c), -EINVAL);
	CHECK_EQ(c.node, 0x5a5a5a5a);
	CHECK_EQ(earlycon_from_spec_string("pl011@0x9000000", NULL), -EINVAL);
}

int main(void)
{
	test_parse();
	test_find_driver();
	test_stdout_path();
	test_earlycon_arg();
	test_spec_string();
	return check_summary("test_earlycon");
}
