// SPDX-License-Identifier: MIT
/*
 * Console selection: earlycon= (Linux's syntax, kernel-parameters.txt),
 * /chosen stdout-path (DT spec v0.4 §3.6), or a build-time DRIVER@ADDR.
 * The command line is read through config_find() only; the DTB through
 * fdt/dt.h, with every address translated through the buses' "ranges".
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/uart/earlycon.h"
#include "fdt/dt.h"
#include "include/compiler.h"
#include "payload/config.h"

/* Largest register stride a DT may ask for (stride 8 bytes); more is junk. */
#define EARLYCON_REG_SHIFT_MAX 3

static const struct earlycon_iotype {
	const char *name;
	enum uart_iotype iotype;
	uint32_t reg_shift;	/* Linux: the stride follows the access width */
	int err;		/* not 0: recognised but unusable here */
} earlycon_iotypes[] = {
	{ "mmio", UART_IO_MMIO8, 0, 0 },
	{ "mmio16", UART_IO_MMIO16, 1, 0 },
	{ "mmio32", UART_IO_MMIO32, 2, 0 },
	/* Native is little-endian: we only run little-endian. */
	{ "mmio32native", UART_IO_MMIO32, 2, 0 },
	{ "mmio32be", UART_IO_DEFAULT, 0, -ENOTSUP },
	/* x86 port I/O; arm64 has no such address space. */
	{ "io", UART_IO_DEFAULT, 0, -ENOTSUP },
};

static bool earlycon_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

/*
 * The next ','-separated field of [*p, end); false when none is left.
 * *p becomes NULL after the last field.
 */
static bool earlycon_field(const char **p, const char *end, const char **f,
			   size_t *flen)
{
	const char *s = *p, *c;

	if (!s)
		return false;
	c = memchr(s, ',', (size_t)(end - s));
	*f = s;
	*flen = (size_t)((c ? c : end) - s);
	*p = c ? c + 1 : NULL;
	return true;
}

int earlycon_parse(const char *value, size_t len, struct earlycon_spec *spec)
{
	struct earlycon_spec s = { .iotype = UART_IO_DEFAULT };
	const char *p = value, *end, *f;
	size_t flen;
	uint64_t v;

	if (!spec)
		return -EINVAL;
	if (!value || !len) {
		s.use_stdout = true;
		*spec = s;
		return 0;
	}
	end = value + len;
	earlycon_field(&p, end, &f, &flen);
	if (!flen || flen >= sizeof(s.name))
		return -EINVAL;
	memcpy(s.name, f, flen);

	if (!earlycon_field(&p, end, &f, &flen))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(earlycon_iotypes); i++) {
		const struct earlycon_iotype *t = &earlycon_iotypes[i];

		if (!earlycon_eq(f, flen, t->name))
			continue;
		if (t->err)
			return t->err;
		s.iotype = t->iotype;
		s.reg_shift = t->reg_shift;
		if (!earlycon_field(&p, end, &f, &flen))
			return -EINVAL;
		break;
	}
	if (config_parse_u64(f, flen, &s.addr))
		return -EINVAL;

	/* OPTIONS: "<baud><parity><bits>"; only the baud matters to us. */
	if (earlycon_field(&p, end, &f, &flen) &&
	    config_scan_u64(f, flen, &v) && v <= UINT32_MAX)
		s.baud = (uint32_t)v;
	*spec = s;
	return 0;
}

const struct uart_driver *earlycon_find_driver(const char *name, size_t len)
{
	if (!name || !len)
		return NULL;
	for (const struct uart_driver *const *d = uart_drivers; *d; d++) {
		if ((*d)->name && earlycon_eq(name, len, (*d)->name))
			return *d;
		for (const char *const *n = (*d)->earlycon_names; n && *n; n++)
			if (earlycon_eq(name, len, *n))
				return *d;
	}
	return NULL;
}

/* Input clock: clock-frequency, else the first "clocks" if a fixed-clock. */
static uint32_t earlycon_clock(const void *fdt, int node)
{
	uint32_t hz, phandle;
	const fdt32_t *p;
	int len, clk;

	p = fdt_getprop(fdt, node, "clock-frequency", &len);
	if (p && len == (int)sizeof(fdt32_t))
		return (uint32_t)dt_read_cells(p, 1);
	if (p && len == 2 * (int)sizeof(fdt32_t) &&
	    dt_read_cells(p, 2) <= UINT32_MAX)
		return (uint32_t)dt_read_cells(p, 2);
	p = fdt_getprop(fdt, node, "clocks", &len);
	if (!p || len < (int)sizeof(fdt32_t))
		return 0;
	phandle = (uint32_t)dt_read_cells(p, 1);
	clk = fdt_node_offset_by_phandle(fdt, phandle);
	if (clk < 0 || fdt_node_check_compatible(fdt, clk, "fixed-clock"))
		return 0;
	return dt_prop_u32(fdt, clk, "clock-frequency", &hz) ? 0 : hz;
}

/*
 * Fill the parts of @cfg the DT node knows.  @keep_io: the user gave an
 * iotype on the command line, which then decides access width and stride.
 * Return: 0, -EINVAL for a reg-shift we must not believe.
 */
static int earlycon_node_cfg(const void *fdt, int node,
			     const struct fdt_match *m, bool keep_io,
			     struct uart_config *cfg)
{
	uint32_t shift = 0, width;
	enum uart_iotype io = UART_IO_DEFAULT;
	int ret;

	ret = dt_prop_u32(fdt, node, "reg-shift", &shift);
	if ((ret && ret != -ENOENT) || shift > EARLYCON_REG_SHIFT_MAX)
		return -EINVAL;
	if (!dt_prop_u32(fdt, node, "reg-io-width", &width)) {
		if (width == 1)
			io = UART_IO_MMIO8;
		else if (width == 2)
			io = UART_IO_MMIO16;
		else if (width == 4)
			io = UART_IO_MMIO32;
	}
	if (!keep_io) {
		cfg->reg_shift = shift;
		cfg->iotype = io;
	}
	cfg->clock_hz = earlycon_clock(fdt, node);
	cfg->match_data = m->data;
	return 0;
}

static uint32_t earlycon_current_speed(const void *fdt, int node)
{
	uint32_t baud;

	return dt_prop_u32(fdt, node, "current-speed", &baud) ? 0 : baud;
}

static void earlycon_set_source(struct earlycon_choice *c, const char *src)
{
	size_t n = strlen(src);

	if (n >= sizeof(c->source))
		n = sizeof(c->source) - 1;
	memcpy(c->source, src, n);
	c->source[n] = '\0';
}

/* A CPU physical address we can put in a uintptr_t. */
static bool earlycon_addr_ok(uint64_t addr)
{
	return addr && (uint64_t)(uintptr_t)addr == addr;
}

/* The node @d drives whose first "reg" translates to @addr, or -1. */
static int earlycon_find_node(const void *fdt, const struct uart_driver *d,
			      uint64_t addr, const struct fdt_match **m)
{
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		const struct fdt_match *hit = fdt_match_node(fdt, node,
							     d->matches);
		uint64_t base;

		if (hit && !dt_reg(fdt, node, 0, &base, NULL) && base == addr) {
			*m = hit;
			return node;
		}
	}
	return -1;
}

static int earlycon_use_spec(const void *fdt, const struct earlycon_spec *s,
			     struct earlycon_choice *c)
{
	const struct uart_driver *d = earlycon_find_driver(s->name,
							   strlen(s->name));
	const struct fdt_match *m = NULL;
	int node;

	if (!d)
		return -ENODEV;
	if (!earlycon_addr_ok(s->addr))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->driver = d;
	c->cfg.base = (uintptr_t)s->addr;
	c->cfg.reg_shift = s->reg_shift;
	c->cfg.iotype = s->iotype;
	c->baud_hint = s->baud;
	c->node = -1;
	earlycon_set_source(c, "earlycon");
	if (!fdt)
		return 0;
	node = earlycon_find_node(fdt, d, s->addr, &m);
	if (node < 0)
		return 0;
	/* A node we cannot believe only loses its refinements. */
	if (earlycon_node_cfg(fdt, node, m, s->iotype != UART_IO_DEFAULT,
			      &c->cfg))
		return 0;
	c->node = node;
	if (!c->baud_hint)
		c->baud_hint = earlycon_current_speed(fdt, node);
	return 0;
}

static int earlycon_use_stdout(const void *fdt, struct earlycon_choice *c)
{
	const struct uart_driver *const *d;
	const struct fdt_match *m = NULL;
	struct dt_chosen ch;
	const char *opts;
	uint64_t base, v;
	int node;

	/* A malformed neighbour property must not cost us the console. */
	if (dt_read_chosen(fdt, &ch) == -ENOENT || !ch.stdout_path)
		return -ENODEV;
	if (dt_resolve_stdout(fdt, ch.stdout_path, &node, &opts) ||
	    !dt_node_is_available(fdt, node))
		return -ENODEV;
	for (d = uart_drivers; *d; d++) {
		m = fdt_match_node(fdt, node, (*d)->matches);
		if (m)
			break;
	}
	if (!*d || dt_reg(fdt, node, 0, &base, NULL) || !earlycon_addr_ok(base))
		return -ENODEV;
	memset(c, 0, sizeof(*c));
	c->driver = *d;
	c->cfg.base = (uintptr_t)base;
	c->cfg.iotype = UART_IO_DEFAULT;
	if (earlycon_node_cfg(fdt, node, m, false, &c->cfg))
		return -ENODEV;
	c->node = node;
	if (opts && config_scan_u64(opts, strlen(opts), &v) && v <= UINT32_MAX)
		c->baud_hint = (uint32_t)v;
	else
		c->baud_hint = earlycon_current_speed(fdt, node);
	earlycon_set_source(c, "stdout-path");
	return 0;
}

int earlycon_select(const void *fdt, const char *bootargs,
		    struct earlycon_choice *out)
{
	struct earlycon_choice c;
	struct earlycon_spec s;
	const char *val;
	size_t len;
	int err = 0;

	if (!out)
		return -EINVAL;
	if (fdt && fdt_check_header(fdt))
		fdt = NULL;
	if (bootargs && !config_find(bootargs, "earlycon", &val, &len)) {
		err = earlycon_parse(val, len, &s);
		if (!err && !s.use_stdout) {
			err = earlycon_use_spec(fdt, &s, &c);
			if (!err) {
				*out = c;
				return 0;
			}
		}
	}
	if (!fdt || earlycon_use_stdout(fdt, &c))
		return -ENODEV;
	c.earlycon_err = err;
	*out = c;
	return 0;
}

int earlycon_from_spec_string(const char *spec, struct earlycon_choice *out)
{
	const struct uart_driver *d;
	const char *at;
	uint64_t addr;

	if (!spec || !out)
		return -EINVAL;
	at = strchr(spec, '@');
	if (!at || at == spec ||
	    config_parse_u64(at + 1, strlen(at + 1), &addr) ||
	    !earlycon_addr_ok(addr))
		return -EINVAL;
	d = earlycon_find_driver(spec, (size_t)(at - spec));
	if (!d)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->driver = d;
	out->cfg.base = (uintptr_t)addr;
	out->cfg.iotype = UART_IO_DEFAULT;
	out->node = -1;
	earlycon_set_source(out, "fallback");
	return 0;
}
