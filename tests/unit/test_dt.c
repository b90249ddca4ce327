// SPDX-License-Identifier: MIT
/*
 * fdt/dt.c and fdt/fdt_match.c against device trees built in memory with
 * libfdt's sequential-write API: a Raspberry Pi 3 shaped tree (1-cell root,
 * /soc with non-identity ranges), a QEMU virt shaped one (2-cell root), and
 * broken variants of each.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "fdt/dt.h"
#include "fdt/fdt_match.h"
#include "tests/unit/check.h"

/* --- building trees ------------------------------------------------------ */

static char *cur;

static void must(int ret, int line)
{
	if (ret) {
		fprintf(stderr, "test_dt.c:%d: libfdt: %s\n", line,
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
static void b_empty(const char *n) { M(fdt_property(cur, n, "", 0)); }

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

/* --- the trees ------------------------------------------------------------ */

static char rpi3_buf[8192], virt_buf[8192], bad_buf[8192], misc_buf[8192];

/* Raspberry Pi 3 B (bcm2837.dtsi, bcm283x.dtsi), the parts we read. */
static const void *build_rpi3(void)
{
	static const char bootargs[] = "console=ttyS0 earlycon\0\0\0\0\0\0";

	b_start(rpi3_buf, sizeof(rpi3_buf));
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_node("chosen");
	b_raw("bootargs", bootargs, sizeof(bootargs));
	b_str("stdout-path", "serial1:115200n8");
	b_cells("linux,elfcorehdr", 2, 0x2f000000, 0x1000);
	b_cells("linux,usable-memory-range", 2, 0x20000000, 0x10000000);
	b_end();
	b_node("aliases");
	b_str("serial0", "/soc/serial@7e201000");
	b_str("serial1", "/soc/serial@7e215040");
	b_end();
	b_node("memory@0");
	b_str("device_type", "memory");
	b_cells("reg", 2, 0, 0x3b400000);
	b_end();
	b_node("soc");
	b_str("compatible", "simple-bus");
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
	b_str("status", "okay");
	b_end();
	b_node("local_intc@40000000");
	b_cells("reg", 2, 0x40000000, 0x100);
	b_end();
	b_node("outside@80000000");
	b_cells("reg", 2, 0x80000000, 0x100);
	b_end();
	b_end();
	return b_finish();
}

/* QEMU virt shaped: 2-cell root, PSCI, reserved memory, odd buses. */
static const void *build_virt(void)
{
	b_start(virt_buf, sizeof(virt_buf));
	b_u32("#address-cells", 2);
	b_u32("#size-cells", 2);
	b_node("chosen");
	b_str("bootargs", "console=ttyAMA0 tinydump.after=off");
	b_str("stdout-path", "/pl011@9000000");
	b_cells("linux,elfcorehdr", 4, 0x0, 0x7f000000, 0x0, 0x1000);
	b_cells("linux,usable-memory-range", 8, 0x0, 0x60000000, 0x0,
		0x10000000, 0x1, 0x00000000, 0x0, 0x02000000);
	b_end();
	b_node("memory@40000000");
	b_str("device_type", "memory");
	b_cells("reg", 8, 0x0, 0x40000000, 0x0, 0x40000000,
		0x1, 0x00000000, 0x0, 0x40000000);
	b_end();
	b_node("memory@200000000");
	b_str("device_type", "memory");
	b_str("status", "disabled");
	b_cells("reg", 4, 0x2, 0x0, 0x1, 0x0);
	b_end();
	b_node("memory@300000000");
	b_str("device_type", "memory");
	b_cells("reg", 4, 0x3, 0x0, 0x0, 0x1000);
	b_end();
	b_node("pl011@9000000");
	b_raw("compatible", "arm,pl011\0arm,primecell",
	      sizeof("arm,pl011\0arm,primecell"));
	b_cells("reg", 4, 0x0, 0x09000000, 0x0, 0x1000);
	b_end();
	b_node("psci");
	b_raw("compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci",
	      sizeof("arm,psci-1.0\0arm,psci-0.2\0arm,psci"));
	b_str("method", "hvc");
	b_end();
	b_node("reserved-memory");
	b_u32("#address-cells", 2);
	b_u32("#size-cells", 2);
	b_empty("ranges");
	b_node("tee@48000000");
	b_cells("reg", 4, 0x0, 0x48000000, 0x0, 0x100000);
	b_empty("no-map");
	b_end();
	b_node("cma@50000000");
	b_cells("reg", 4, 0x0, 0x50000000, 0x0, 0x800000);
	b_str("compatible", "shared-dma-pool");
	b_end();
	b_node("dynamic");
	b_cells("size", 2, 0x0, 0x100000);
	b_empty("no-map");
	b_end();
	b_node("fw@4f000000");
	b_cells("reg", 8, 0x0, 0x4f000000, 0x0, 0x1000,
		0x0, 0x4f100000, 0x0, 0x2000);
	b_empty("no-map");
	b_end();
	b_node("off@4e000000");
	b_cells("reg", 4, 0x0, 0x4e000000, 0x0, 0x1000);
	b_empty("no-map");
	b_str("status", "disabled");
	b_end();
	b_end();
	/* A bus that is not memory mapped: no "ranges". */
	b_node("i2c-bus");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_node("dev@1000");
	b_cells("reg", 2, 0x1000, 0x10);
	b_end();
	b_end();
	/* Identity bus ("ranges;"), then two nested translating buses. */
	b_node("flat");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_empty("ranges");
	b_node("dev@2000");
	b_cells("reg", 2, 0x2000, 0x10);
	b_end();
	b_end();
	b_node("outer");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	/* child 1 cell, parent (root) 2 cells, size 1 cell */
	b_cells("ranges", 4, 0x0, 0x1, 0x10000000, 0x1000000);
	b_node("inner");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 0);
	b_cells("ranges", 3, 0x0, 0x100000, 0x10000);
	b_end();
	b_node("mid");
	b_u32("#address-cells", 2);
	b_u32("#size-cells", 1);
	b_cells("ranges", 4, 0x5, 0x0, 0x200000, 0x1000);
	b_node("dev@5,40");
	b_cells("reg", 3, 0x5, 0x40, 0x4);
	b_end();
	b_end();
	b_end();
	b_end();
	return b_finish();
}

/* Broken input: each node gets one thing wrong. */
static const void *build_bad(void)
{
	static const char unterminated[] = { 'a', 'b', 'c' };

	b_start(bad_buf, sizeof(bad_buf));
	b_u32("#address-cells", 2);
	b_u32("#size-cells", 1);
	b_node("chosen");
	b_raw("bootargs", unterminated, sizeof(unterminated));
	b_str("linux,stdout-path", "/uart@1000");
	b_cells("linux,elfcorehdr", 2, 0x0, 0x1000);	/* needs 3 cells */
	b_cells("linux,usable-memory-range", 9, 0, 0x1000, 0x100,
		0, 0x2000, 0x100, 0, 0x3000, 0x100);	/* three ranges */
	b_end();
	b_node("uart@1000");
	b_cells("reg", 2, 0x0, 0x1000);			/* 2 of 3 cells */
	b_end();
	b_node("pci");
	b_u32("#address-cells", 3);
	b_u32("#size-cells", 2);
	b_node("dev@0");
	b_cells("reg", 5, 0, 0, 0, 0, 0x100);
	b_end();
	b_end();
	b_node("badcells");
	b_cells("#address-cells", 2, 0, 1);		/* two cells long */
	b_node("dev");
	b_cells("reg", 2, 0x10, 0x10);
	b_end();
	b_end();
	b_node("badranges");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_cells("ranges", 2, 0x0, 0x0);			/* needs 4 cells */
	b_node("dev@0");
	b_cells("reg", 2, 0x0, 0x10);
	b_end();
	b_end();
	b_node("wrap");
	b_u32("#address-cells", 1);
	b_u32("#size-cells", 1);
	b_cells("ranges", 4, 0x0, 0xffffffff, 0xfffff000, 0x1000);
	b_node("dev@800");
	b_cells("reg", 2, 0x800, 0x1000);
	b_end();
	b_end();
	b_node("memory@0");
	b_str("device_type", "memory");
	b_cells("reg", 2, 0x0, 0x1000);			/* 2 of 3 cells */
	b_end();
	b_node("psci");
	b_str("method", "foo");
	b_end();
	return b_finish();
}

/* --- tests ---------------------------------------------------------------- */

static const struct fdt_match pl011_like[] = {
	{ .compatible = "brcm,nothing" },
	{ .compatible = "arm,primecell", .data = "primecell" },
	{ .compatible = "arm,pl011", .data = "pl011" },
	{ 0 },
};

static void test_match(const void *rpi3)
{
	const struct fdt_match empty[] = { { 0 } };
	const struct fdt_match *m;

	m = fdt_match_node(rpi3, node(rpi3, "/soc/serial@7e201000"), pl011_like);
	/* The table's order decides, not the node's. */
	CHECK(m == &pl011_like[1]);
	CHECK(!fdt_match_node(rpi3, node(rpi3, "/soc/serial@7e215040"),
			      pl011_like));
	CHECK(!fdt_match_node(rpi3, node(rpi3, "/soc"), empty));
	CHECK(!fdt_match_node(rpi3, -1, pl011_like));
	CHECK(!fdt_match_node(rpi3, 0, NULL));
}

static void test_cells(const void *rpi3, const void *virt, const void *bad)
{
	static const uint8_t raw[] = { 0xde, 0x12, 0x34, 0x56, 0x78,
				       0x9a, 0xbc, 0xde, 0xf0 };
	const fdt32_t *odd = (const fdt32_t *)(const void *)(raw + 1);

	CHECK_EQ(dt_addr_cells(rpi3, 0), 1);
	CHECK_EQ(dt_size_cells(rpi3, 0), 1);
	CHECK_EQ(dt_addr_cells(virt, 0), 2);
	CHECK_EQ(dt_size_cells(virt, 0), 2);
	/* Absent: the spec's defaults. */
	CHECK_EQ(dt_addr_cells(virt, node(virt, "/psci")), 2);
	CHECK_EQ(dt_size_cells(virt, node(virt, "/psci")), 1);
	CHECK_EQ(dt_size_cells(virt, node(virt, "/outer/inner")), 0);
	CHECK_EQ(dt_addr_cells(bad, node(bad, "/pci")), -ERANGE);
	CHECK_EQ(dt_size_cells(bad, node(bad, "/pci")), 2);
	CHECK_EQ(dt_addr_cells(bad, node(bad, "/badcells")), -EINVAL);
	CHECK_EQ(dt_addr_cells(bad, -1), -EINVAL);
	CHECK_EQ(dt_addr_cells(NULL, 0), -EINVAL);

	CHECK_EQ(dt_read_cells(odd, 1), 0x12345678);
	CHECK_EQ(dt_read_cells(odd, 2), 0x123456789abcdef0ull);
	CHECK_EQ(dt_read_cells(odd, 0), 0);
	CHECK_EQ(dt_read_cells(odd, 3), 0);
	CHECK_EQ(dt_read_cells(NULL, 1), 0);

	uint32_t v = 7;

	CHECK_EQ(dt_prop_u32(rpi3, 0, "#size-cells", &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(dt_prop_u32(rpi3, 0, "nothing", &v), -ENOENT);
	CHECK_EQ(dt_prop_u32(rpi3, node(rpi3, "/soc"), "ranges", &v), -EINVAL);
}

static void test_reg(const void *rpi3, const void *virt, const void *bad)
{
	uint64_t a = 0, s = 0;

	/* The rpi3 mini UART: bus address 0x7e215040 is CPU 0x3f215040. */
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/soc/serial@7e215040"), 0, &a, &s), 0);
	CHECK_EQ(a, 0x3f215040);
	CHECK_EQ(s, 0x40);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/soc/serial@7e201000"), 0, &a, NULL), 0);
	CHECK_EQ(a, 0x3f201000);
	/* Second ranges entry, identity-like. */
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/soc/local_intc@40000000"), 0, &a, &s), 0);
	CHECK_EQ(a, 0x40000000);
	/* Covered by no ranges entry. */
	a = 1;
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/soc/outside@80000000"), 0, &a, &s),
		 -ENODEV);
	CHECK_EQ(a, 1);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/memory@0"), 0, &a, &s), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(s, 0x3b400000);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/memory@0"), 1, &a, &s), -ENOENT);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/soc"), 0, &a, &s), -ENOENT);
	CHECK_EQ(dt_reg(rpi3, 0, 0, &a, &s), -EINVAL);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/memory@0"), -1, &a, &s), -EINVAL);
	CHECK_EQ(dt_reg(rpi3, node(rpi3, "/memory@0"), 0, NULL, &s), -EINVAL);

	/* 2-cell root. */
	CHECK_EQ(dt_reg(virt, node(virt, "/pl011@9000000"), 0, &a, &s), 0);
	CHECK_EQ(a, 0x9000000);
	CHECK_EQ(s, 0x1000);
	CHECK_EQ(dt_reg(virt, node(virt, "/memory@40000000"), 1, &a, &s), 0);
	CHECK_EQ(a, 0x100000000ull);
	CHECK_EQ(s, 0x40000000);
	/* An ancestor without "ranges" is not memory mapped. */
	CHECK_EQ(dt_reg(virt, node(virt, "/i2c-bus/dev@1000"), 0, &a, &s),
		 -ENODEV);
	CHECK_EQ(dt_reg(virt, node(virt, "/flat/dev@2000"), 0, &a, &s), 0);
	CHECK_EQ(a, 0x2000);
	/* Two levels: 5,0x40 -> 0x200040 (mid) -> 0x1_1020_0040 (outer). */
	CHECK_EQ(dt_reg(virt, node(virt, "/outer/mid/dev@5,40"), 0, &a, &s), 0);
	CHECK_EQ(a, 0x110200040ull);
	CHECK_EQ(s, 4);

	/* Broken input. */
	CHECK_EQ(dt_reg(bad, node(bad, "/uart@1000"), 0, &a, &s), -EINVAL);
	CHECK_EQ(dt_reg(bad, node(bad, "/pci/dev@0"), 0, &a, &s), -ERANGE);
	CHECK_EQ(dt_reg(bad, node(bad, "/badcells/dev"), 0, &a, &s), -EINVAL);
	CHECK_EQ(dt_reg(bad, node(bad, "/badranges/dev@0"), 0, &a, &s), -EINVAL);
	CHECK_EQ(dt_reg(bad, node(bad, "/wrap/dev@800"), 0, &a, &s), -ERANGE);
}

static void test_chosen(const void *rpi3, const void *virt, const void *bad,
			const void *nochosen)
{
	struct dt_chosen ch;

	CHECK_EQ(dt_read_chosen(rpi3, &ch), 0);
	CHECK_STR(ch.bootargs, "console=ttyS0 earlycon");
	CHECK_STR(ch.stdout_path, "serial1:115200n8");
	CHECK(ch.has_elfcorehdr);
	CHECK_EQ(ch.elfcorehdr_addr, 0x2f000000);
	CHECK_EQ(ch.elfcorehdr_size, 0x1000);
	CHECK_EQ(ch.n_usable, 1);
	CHECK_EQ(ch.usable[0].base, 0x20000000);
	CHECK_EQ(ch.usable[0].size, 0x10000000);

	CHECK_EQ(dt_read_chosen(virt, &ch), 0);
	CHECK_STR(ch.bootargs, "console=ttyAMA0 tinydump.after=off");
	CHECK_STR(ch.stdout_path, "/pl011@9000000");
	CHECK(ch.has_elfcorehdr);
	CHECK_EQ(ch.elfcorehdr_addr, 0x7f000000);
	CHECK_EQ(ch.n_usable, 2);
	CHECK_EQ(ch.usable[0].base, 0x60000000);
	CHECK_EQ(ch.usable[1].base, 0x100000000ull);
	CHECK_EQ(ch.usable[1].size, 0x2000000);

	/* Every property wrong: nothing taken but the legacy stdout path. */
	CHECK_EQ(dt_read_chosen(bad, &ch), -EINVAL);
	CHECK(ch.bootargs == NULL);
	CHECK_STR(ch.stdout_path, "/uart@1000");
	CHECK(!ch.has_elfcorehdr);
	CHECK_EQ(ch.n_usable, 2);

	memset(&ch, 0xa5, sizeof(ch));
	CHECK_EQ(dt_read_chosen(nochosen, &ch), -ENOENT);
	CHECK(ch.bootargs == NULL && ch.stdout_path == NULL);
	CHECK(!ch.has_elfcorehdr && ch.n_usable == 0);
	CHECK_EQ(dt_read_chosen(NULL, &ch), -EINVAL);
	CHECK_EQ(dt_read_chosen(rpi3, NULL), -EINVAL);
}

static void test_memory(const void *rpi3, const void *virt, const void *bad)
{
	struct dt_range r[4];

	CHECK_EQ(dt_memory(rpi3, r, 4), 1);
	CHECK_EQ(r[0].base, 0);
	CHECK_EQ(r[0].size, 0x3b400000);
	/* The disabled node is skipped. */
	CHECK_EQ(dt_memory(virt, r, 4), 3);
	CHECK_EQ(r[0].base, 0x40000000);
	CHECK_EQ(r[1].base, 0x100000000ull);
	CHECK_EQ(r[2].base, 0x300000000ull);
	CHECK_EQ(r[2].size, 0x1000);
	CHECK_EQ(dt_memory(virt, r, 2), -ENOSPC);
	CHECK_EQ(r[1].base, 0x100000000ull);
	CHECK_EQ(dt_memory(virt, NULL, 0), -ENOSPC);
	CHECK_EQ(dt_memory(bad, r, 4), -EINVAL);
	CHECK_EQ(dt_memory(virt, NULL, 4), -EINVAL);

	CHECK_EQ(dt_reserved_nomap(virt, r, 4), 3);
	CHECK_EQ(r[0].base, 0x48000000);
	CHECK_EQ(r[0].size, 0x100000);
	CHECK_EQ(r[1].base, 0x4f000000);
	CHECK_EQ(r[2].base, 0x4f100000);
	CHECK_EQ(r[2].size, 0x2000);
	CHECK_EQ(dt_reserved_nomap(virt, r, 1), -ENOSPC);
	CHECK_EQ(dt_reserved_nomap(rpi3, r, 4), 0);
}

static const void *build_psci(char *buf, int size, const char *compat,
			      const char *path, const char *method)
{
	b_start(buf, size);
	b_node(path);
	if (compat)
		b_str("compatible", compat);
	if (method)
		b_str("method", method);
	b_end();
	return b_finish();
}

static void test_psci(const void *rpi3, const void *virt, const void *bad)
{
	char buf[1024];

	CHECK_EQ(dt_psci_conduit(virt), PSCI_CONDUIT_HVC);
	CHECK_EQ(dt_psci_conduit(rpi3), PSCI_CONDUIT_NONE);
	CHECK_EQ(dt_psci_conduit(bad), PSCI_CONDUIT_NONE);
	CHECK_EQ(dt_psci_conduit(NULL), PSCI_CONDUIT_NONE);
	CHECK_EQ(dt_psci_conduit(build_psci(buf, sizeof(buf), "arm,psci-0.2",
					    "firmware-psci", "smc")),
		 PSCI_CONDUIT_SMC);
	CHECK_EQ(dt_psci_conduit(build_psci(buf, sizeof(buf), "arm,psci",
					    "psci@0", "hvc")),
		 PSCI_CONDUIT_HVC);
	/* No compatible: found by path. */
	CHECK_EQ(dt_psci_conduit(build_psci(buf, sizeof(buf), NULL, "psci",
					    "smc")),
		 PSCI_CONDUIT_SMC);
	CHECK_EQ(dt_psci_conduit(build_psci(buf, sizeof(buf), "arm,psci-1.0",
					    "psci", NULL)),
		 PSCI_CONDUIT_NONE);
}

static void test_stdout(const void *rpi3, const void *virt, const void *bad)
{
	const char *opts = "x";
	int off = -1;
	char buf[2048];
	const void *fdt;

	CHECK_EQ(dt_resolve_stdout(rpi3, "serial1:115200n8", &off, &opts), 0);
	CHECK_EQ(off, node(rpi3, "/soc/serial@7e215040"));
	CHECK_STR(opts, "115200n8");
	CHECK_EQ(dt_resolve_stdout(rpi3, "serial0", &off, &opts), 0);
	CHECK_EQ(off, node(rpi3, "/soc/serial@7e201000"));
	CHECK(opts == NULL);
	CHECK_EQ(dt_resolve_stdout(virt, "/pl011@9000000", &off, &opts), 0);
	CHECK_EQ(off, node(virt, "/pl011@9000000"));
	CHECK(opts == NULL);
	CHECK_EQ(dt_resolve_stdout(virt, "/pl011@9000000:9600n8", &off, NULL), 0);
	CHECK_EQ(off, node(virt, "/pl011@9000000"));
	CHECK_EQ(dt_resolve_stdout(rpi3, "/soc/serial@7e215040:", &off, &opts), 0);
	CHECK_STR(opts, "");

	off = 42;
	CHECK_EQ(dt_resolve_stdout(rpi3, "serial7:115200", &off, &opts), -ENOENT);
	CHECK_EQ(off, 42);
	CHECK_EQ(dt_resolve_stdout(virt, "serial0", &off, &opts), -ENOENT);
	CHECK_EQ(dt_resolve_stdout(virt, "/nothing", &off, &opts), -ENOENT);
	CHECK_EQ(dt_resolve_stdout(virt, "", &off, &opts), -EINVAL);
	CHECK_EQ(dt_resolve_stdout(virt, ":115200", &off, &opts), -EINVAL);
	CHECK_EQ(dt_resolve_stdout(virt, NULL, &off, &opts), -EINVAL);
	CHECK_EQ(dt_resolve_stdout(bad, "/uart@1000", &off, &opts), 0);

	/* Aliases that point nowhere, at themselves, or are not strings. */
	b_start(buf, sizeof(buf));
	b_node("aliases");
	b_str("loop", "loop");
	b_str("gone", "/gone");
	b_raw("raw", "/uart", 5);
	b_end();
	b_node("uart");
	b_end();
	fdt = b_finish();
	CHECK_EQ(dt_resolve_stdout(fdt, "loop", &off, &opts), -ENOENT);
	CHECK_EQ(dt_resolve_stdout(fdt, "gone", &off, &opts), -ENOENT);
	CHECK_EQ(dt_resolve_stdout(fdt, "raw", &off, &opts), -ENOENT);
	CHECK_EQ(dt_resolve_stdout(fdt, "/uart", &off, &opts), 0);
}

static void test_available(const void *rpi3, const void *virt)
{
	CHECK(dt_node_is_available(rpi3, node(rpi3, "/soc/serial@7e215040")));
	CHECK(dt_node_is_available(rpi3, node(rpi3, "/soc")));
	CHECK(!dt_node_is_available(virt, node(virt, "/memory@200000000")));
	CHECK(!dt_node_is_available(virt, -1));
}

int main(void)
{
	const void *rpi3 = build_rpi3();
	const void *virt = build_virt();
	const void *bad = build_bad();
	const void *nochosen;

	b_start(misc_buf, sizeof(misc_buf));
	b_node("memory");
	b_end();
	nochosen = b_finish();

	CHECK_EQ(fdt_check_header(rpi3), 0);
	CHECK_EQ(fdt_check_header(virt), 0);
	test_match(rpi3);
	test_cells(rpi3, virt, bad);
	test_reg(rpi3, virt, bad);
	test_chosen(rpi3, virt, bad, nochosen);
	test_memory(rpi3, virt, bad);
	test_psci(rpi3, virt, bad);
	test_stdout(rpi3, virt, bad);
	test_available(rpi3, virt);
	return check_summary("test_dt");
}
