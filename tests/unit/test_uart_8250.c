// SPDX-License-Identifier: MIT
/*
 * drivers/uart/ns16550.c against a register model of a 16550 (and of the
 * DesignWare APB variant that drops LCR writes while busy).  The model
 * checks every access for width and stride and keeps a TX log and an RX
 * queue; LSR follows the FIFOs.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "drivers/console.h"
#include "drivers/uart/uart.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"

#define BASE 0x1c020000u

/* Register indices and bits, PC16550D datasheet Table II. */
enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_8N1 0x03
#define LCR_8E1 0x1b
#define LCR_DLAB 0x80
#define FCR_FIFOE 0x01
#define FCR_RFR 0x02
#define FCR_XFR 0x04
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01
#define IIR_FIFOS 0xc0
#define FIFO_DEPTH 16
/* Junk in the upper bits of a 32-bit read: the driver must ignore it. */
#define READ32_JUNK 0xa5a5ff00u

struct m8250 {
	unsigned int shift;	/* register stride is 1 << shift */
	unsigned int width;	/* the one access width the bus allows */
	bool dw;		/* drop LCR/DLL/DLM writes while busy */
	bool stuck;		/* the transmitter never shifts a bit */
	bool babble;		/* the receiver always has another byte */
	bool quiet;		/* bad accesses expected: do not log them */
	unsigned int inject_rx_on_lcr;	/* a byte arrives at the next N LCR writes */

	uint8_t dll, dlm, lcr, ier, fcr, mcr, scr;
	unsigned int dll_writes, dlm_writes, lcr_writes, ier_writes, fcr_writes;
	unsigned int fcr_while_tx;	/* FCR written with bytes still to send */
	unsigned int accesses, bad;	/* all accesses; wrong width or address */

	unsigned int tx_fifo;	/* bytes queued, not yet in the shifter */
	bool tx_shift;		/* a byte in the shift register */
	unsigned int tx_overrun;	/* THR written with no room */
	uint8_t tx_log[256];
	size_t tx_len;

	uint8_t rx[64];
	size_t rx_len;
	unsigned int rbr_reads;
};

static bool m_busy(const struct m8250 *m)
{
	return m->rx_len || m->babble || m->tx_fifo || m->tx_shift;
}

static void m_rx_push(struct m8250 *m, const char *s)
{
	while (*s && m->rx_len < sizeof(m->rx))
		m->rx[m->rx_len++] = (uint8_t)*s++;
}

/* One bit time passes per LSR read: the shifter finishes, the FIFO feeds it. */
static void m_tx_step(struct m8250 *m)
{
	if (m->stuck)
		return;
	if (m->tx_shift)
		m->tx_shift = false;
	else if (m->tx_fifo) {
		m->tx_fifo--;
		m->tx_shift = true;
	}
}

static bool m_decode(struct m8250 *m, uintptr_t off, unsigned int width,
		     unsigned int *reg)
{
	m->accesses++;
	if (width != m->width || off & ((1u << m->shift) - 1) ||
	    (off >> m->shift) > SCR) {
		m->bad++;
		if (!m->quiet)
			fprintf(stderr, "m8250: bad %u-byte access at +0x%lx\n",
				width, (unsigned long)off);
		return false;
	}
	*reg = (unsigned int)(off >> m->shift);
	return true;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct m8250 *m = ctx;
	unsigned int reg;
	uint8_t v = 0;

	if (!m_decode(m, off, width, &reg))
		return 0;
	switch (reg) {
	case RBR:
		if (m->lcr & LCR_DLAB) {
			v = m->dll;
		} else {
			m->rbr_reads++;
			if (m->babble) {
				v = '?';
			} else if (m->rx_len) {
				v = m->rx[0];
				memmove(m->rx, m->rx + 1, --m->rx_len);
			}
		}
		break;
	case IER:
		v = m->lcr & LCR_DLAB ? m->dlm : m->ier;
		break;
	case IIR:
		v = IIR_NO_INT | (m->fcr & FCR_FIFOE ? IIR_FIFOS : 0);
		break;
	case LCR:
		v = m->lcr;
		break;
	case MCR:
		v = m->mcr;
		break;
	case LSR:
		m_tx_step(m);
		v = (m->rx_len || m->babble ? LSR_DR : 0) |
		    (m->tx_fifo ? 0 : LSR_THRE) |
		    (m->tx_fifo || m->tx_shift ? 0 : LSR_TEMT);
		break;
	case MSR:
		break;
	case SCR:
		v = m->scr;
		break;
	}
	return width == 4 ? (READ32_JUNK | v) : v;
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct m8250 *m = ctx;
	uint8_t v = (uint8_t)v64;
	unsigned int reg;

	if (!m_decode(m, off, width, &reg))
		return;
	switch (reg) {
	case RBR:
		if (m->lcr & LCR_DLAB) {
			m->dll_writes++;
			if (!(m->dw && m_busy(m)))
				m->dll = v;
		} else if (m->tx_fifo >= (m->fcr & FCR_FIFOE ? FIFO_DEPTH : 1)) {
			m->tx_overrun++;
		} else {
			m->tx_fifo++;
			if (m->tx_len < sizeof(m->tx_log))
				m->tx_log[m->tx_len++] = v;
		}
		break;
	case IER:
		if (m->lcr & LCR_DLAB) {
			m->dlm_writes++;
			if (!(m->dw && m_busy(m)))
				m->dlm = v;
		} else {
			m->ier_writes++;
			m->ier = v;
		}
		break;
	case IIR:	/* FCR */
		m->fcr_writes++;
		if (m->tx_fifo || m->tx_shift)
			m->fcr_while_tx++;
		if (v & FCR_RFR)
			m->rx_len = 0;
		if (v & FCR_XFR)
			m->tx_fifo = 0;
		m->fcr = v;
		break;
	case LCR:
		m->lcr_writes++;
		if (m->inject_rx_on_lcr) {
			m->inject_rx_on_lcr--;
			m_rx_push(m, "!");
		}
		if (!(m->dw && m_busy(m)))
			m->lcr = v;
		break;
	case MCR:
		m->mcr = v;
		break;
	case SCR:
		m->scr = v;
		break;
	}
}

/* A port as the dead kernel left it: 115200 8N1 from 1.8432 MHz, IRQs on,
 * three bytes still to send and a half-full receiver. */
static void m_attach(struct m8250 *m, unsigned int shift, unsigned int width)
{
	struct fake_device dev = {
		.base = BASE,
		.size = (uintptr_t)(SCR + 1) << shift,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	memset(m, 0, sizeof(*m));
	m->shift = shift;
	m->width = width;
	m->lcr = LCR_8N1;
	m->dll = 1;
	m->ier = 0x0f;
	m->fcr = FCR_FIFOE;
	m->tx_fifo = 3;
	m_rx_push(m, "panic tail");
	fake_mmio_reset();
	fake_mmio_attach(&dev);
}

static const void *match_data(const char *compatible)
{
	for (const struct fdt_match *e = ns16550_driver.matches; e->compatible;
	     e++)
		if (!strcmp(e->compatible, compatible))
			return e->data;
	return NULL;
}

static bool has_match(const char *compatible)
{
	for (const struct fdt_match *e = ns16550_driver.matches; e->compatible;
	     e++)
		if (!strcmp(e->compatible, compatible))
			return true;
	return false;
}

static bool has_earlycon(const char *name)
{
	for (const char *const *n = ns16550_driver.earlycon_names; *n; n++)
		if (!strcmp(*n, name))
			return true;
	return false;
}

static void test_tables(void)
{
	CHECK_STR(ns16550_driver.name, "ns16550");
	CHECK(ns16550_driver.init != NULL);
	CHECK(has_match("ns16550a"));
	CHECK(has_match("ns16550"));
	CHECK(has_match("snps,dw-apb-uart"));
	CHECK(has_earlycon("uart8250"));
	CHECK(has_earlycon("uart"));
	CHECK(has_earlycon("ns16550"));
	CHECK(has_earlycon("ns16550a"));
	CHECK(!has_earlycon("pl011"));
}

/* 8-bit, stride 1, baud kept: the divisor and LCR are never written. */
static void test_mmio8_keep(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .iotype = UART_IO_MMIO8, .clock_hz = 1843200,
	};

	m_attach(&m, 0, 1);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.bad, 0);
	CHECK_EQ(m.dll_writes, 0);
	CHECK_EQ(m.dlm_writes, 0);
	CHECK_EQ(m.lcr_writes, 0);
	CHECK_EQ(m.dll, 1);
	CHECK_EQ(m.lcr, LCR_8N1);
	CHECK_EQ(m.ier, 0);
	CHECK_EQ(m.rx_len, 0);
	/* The dead kernel's last bytes went out before the FIFO reset. */
	CHECK_EQ(m.fcr_writes, 1);
	CHECK_EQ(m.fcr_while_tx, 0);
	CHECK(m.fcr & FCR_FIFOE);
	CHECK(con.ops != NULL);
	CHECK_STR(con.driver, "ns16550");
	CHECK_EQ(con.base, BASE);
	CHECK_EQ(con.reg_shift, 0);
	CHECK_EQ(con.iotype, UART_IO_MMIO8);
	CHECK_EQ(con.clock_hz, 1843200);
	CHECK_EQ(con.baud, 0);
	CHECK(con.crlf);

	CHECK_EQ(con.ops->putc(&con, 'A'), 0);
	CHECK_EQ(console_write_text(&con, "a\nb", 3), 0);
	CHECK_EQ(console_flush(&con), 0);
	CHECK_EQ(m.tx_len, 5);
	CHECK(!memcmp(m.tx_log, "Aa\r\nb", 5));
	CHECK_EQ(m.tx_overrun, 0);
	CHECK_EQ(m.tx_fifo, 0);
	CHECK(!m.tx_shift);
	CHECK_EQ(m.bad, 0);

	/* A baud without a clock is kept as well. */
	m_attach(&m, 0, 1);
	cfg.clock_hz = 0;
	cfg.baud = 115200;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.dll_writes + m.dlm_writes + m.lcr_writes, 0);
	CHECK_EQ(con.baud, 0);
}

/* Stride 4 with 32-bit accesses, given explicitly or by dw-apb's default. */
static void test_mmio32_shift2(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .reg_shift = 2, .iotype = UART_IO_MMIO32,
	};

	m_attach(&m, 2, 4);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(con.iotype, UART_IO_MMIO32);
	CHECK_EQ(con.reg_shift, 2);
	m_rx_push(&m, "z");
	CHECK_EQ(console_getc(&con), 'z');
	CHECK_EQ(console_write(&con, "ok", 2), 0);
	CHECK_EQ(console_flush(&con), 0);
	CHECK_EQ(m.tx_len, 2);
	CHECK(!memcmp(m.tx_log, "ok", 2));
	CHECK(m.accesses > 0);
	CHECK_EQ(m.bad, 0);

	/* snps,dw-apb-uart with reg-shift 2 and no reg-io-width: 32-bit. */
	m_attach(&m, 2, 4);
	cfg.iotype = UART_IO_DEFAULT;
	cfg.match_data = match_data("snps,dw-apb-uart");
	CHECK(cfg.match_data != NULL);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(con.iotype, UART_IO_MMIO32);
	CHECK_EQ(console_write(&con, "x", 1), 0);
	CHECK_EQ(m.bad, 0);

	/* A plain 16550A with reg-shift 2 and no width stays 8-bit. */
	m_attach(&m, 2, 1);
	cfg.match_data = match_data("ns16550a");
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(con.iotype, UART_IO_MMIO8);
	CHECK_EQ(console_write(&con, "y", 1), 0);
	CHECK_EQ(m.bad, 0);

	/* The model itself refuses byte accesses to a 32-bit-only bus. */
	m_attach(&m, 2, 4);
	m.quiet = true;
	cfg.iotype = UART_IO_MMIO8;
	(void)ns16550_driver.init(&con, &cfg);
	CHECK(m.bad > 0);
}

static void check_divisor(uint32_t clock, uint32_t baud, uint16_t want)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .iotype = UART_IO_MMIO8,
		.clock_hz = clock, .baud = baud,
	};

	m_attach(&m, 0, 1);
	m.lcr = LCR_8E1;	/* the dead kernel ran 8E1: we want 8N1 */
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.dll, want & 0xff);
	CHECK_EQ(m.dlm, want >> 8);
	CHECK(m.dll_writes > 0);
	CHECK_EQ(m.lcr, LCR_8N1);
	CHECK(!(m.lcr & LCR_DLAB));
	CHECK_EQ(m.ier, 0);
	CHECK_EQ(m.fcr_while_tx, 0);
	CHECK_EQ(con.baud, baud);
	CHECK_EQ(con.clock_hz, clock);
	CHECK_EQ(m.bad, 0);
}

static void test_divisor(void)
{
	check_divisor(1843200, 115200, 1);
	check_divisor(1843200, 9600, 12);
	check_divisor(48000000, 115200, 26);	/* 26.04 */
	check_divisor(24000000, 1200, 1250);	/* DLM = 4, DLL = 0xe2 */
	check_divisor(25000000, 115200, 14);	/* 13.56 rounds up */

	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .iotype = UART_IO_MMIO8,
		.clock_hz = 1843200, .baud = 1000000,	/* divisor 0 */
	};

	m_attach(&m, 0, 1);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	cfg.clock_hz = 100000000;
	cfg.baud = 50;				/* divisor 125000 */
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	CHECK_EQ(m.accesses, 0);
}

/* The dead kernel crashed between setting DLAB and clearing it. */
static void test_dlab_left_set(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .iotype = UART_IO_MMIO8 };

	m_attach(&m, 0, 1);
	m.lcr = LCR_DLAB | LCR_8N1;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.lcr, LCR_8N1);
	CHECK_EQ(m.dll_writes + m.dlm_writes, 0);
	CHECK_EQ(m.dll, 1);
	CHECK_EQ(m.dlm, 0);
	CHECK_EQ(m.ier, 0);
	CHECK_EQ(m.rx_len, 0);	/* drained through RBR, not DLL */
	CHECK_EQ(console_write(&con, "k", 1), 0);
	CHECK_EQ(m.tx_len, 1);
}

static void test_rx_drain(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .iotype = UART_IO_MMIO8 };

	/* A full 64-byte FIFO. */
	m_attach(&m, 0, 1);
	m.rx_len = 0;
	while (m.rx_len < sizeof(m.rx))
		m_rx_push(&m, "0123456789abcdef");
	CHECK_EQ(m.rx_len, 64);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.rbr_reads, 64);
	CHECK_EQ(console_getc(&con), -EAGAIN);

	/* A line that never stops: the drain gives up at its bound. */
	m_attach(&m, 0, 1);
	m.babble = true;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rbr_reads, CONSOLE_RX_DRAIN_MAX);
}

static void test_getc(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .iotype = UART_IO_MMIO8 };

	m_attach(&m, 0, 1);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(console_getc(&con), -EAGAIN);
	m_rx_push(&m, "hi\xff");
	CHECK_EQ(console_getc(&con), 'h');
	CHECK_EQ(console_getc(&con), 'i');
	CHECK_EQ(console_getc(&con), 0xff);
	CHECK_EQ(console_getc(&con), -EAGAIN);
	CHECK_EQ(m.bad, 0);
}

static void test_stuck(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .iotype = UART_IO_MMIO8 };
	uint64_t t0;

	m_attach(&m, 0, 1);
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(console_write(&con, "a", 1), 0);
	m.stuck = true;		/* e.g. CTS flow control with nobody there */
	t0 = fake_clock_us;
	CHECK_EQ(con.ops->putc(&con, 'b'), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= CONSOLE_TX_TIMEOUT_US);
	CHECK(fake_clock_us - t0 < 2 * CONSOLE_TX_TIMEOUT_US);
	CHECK_EQ(console_write(&con, "cd", 2), -ETIMEDOUT);
	CHECK_EQ(con.tx_dropped, 2);
	CHECK_EQ(console_flush(&con), -ETIMEDOUT);
	CHECK_EQ(m.tx_len, 1);
	CHECK_EQ(m.tx_overrun, 0);

	/* Stuck from the start: init says so and leaves no ops. */
	m_attach(&m, 0, 1);
	m.stuck = true;
	con.ops = NULL;
	t0 = fake_clock_us;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -ETIMEDOUT);
	CHECK(con.ops == NULL);
	CHECK(fake_clock_us - t0 < 2 * CONSOLE_TX_TIMEOUT_US);
	CHECK_EQ(m.fcr_writes, 0);
	CHECK_EQ(m.tx_fifo, 3);	/* nothing of the kernel's reset away */
}

/* DesignWare: an RX byte lands as we write LCR; the write must be retried. */
static void test_dw_busy(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .reg_shift = 2, .iotype = UART_IO_MMIO32,
		.clock_hz = 48000000, .baud = 115200,
		.match_data = match_data("snps,dw-apb-uart"),
	};

	m_attach(&m, 2, 4);
	m.dw = true;
	m.inject_rx_on_lcr = 1;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.dll, 26);
	CHECK_EQ(m.dlm, 0);
	CHECK_EQ(m.lcr, LCR_8N1);
	CHECK(m.lcr_writes >= 3);
	CHECK_EQ(m.bad, 0);

	/* Busy forever: bounded, and an error. */
	m_attach(&m, 2, 4);
	m.dw = true;
	m.babble = true;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EIO);
	CHECK(m.lcr_writes <= 16);
	CHECK_EQ(m.bad, 0);
}

/* Plain "ns16550": the original part's FIFOs are not trusted. */
static void test_no_fifo(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .iotype = UART_IO_MMIO8,
		.match_data = match_data("ns16550"),
	};

	m_attach(&m, 0, 1);
	m.fcr = 0;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.fcr_writes, 0);
	CHECK_EQ(console_write(&con, "nf", 2), 0);
	CHECK_EQ(m.tx_len, 2);
	CHECK_EQ(m.tx_overrun, 0);
}

static void test_bad_config(void)
{
	struct m8250 m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .iotype = UART_IO_MMIO8 };

	m_attach(&m, 0, 1);
	CHECK_EQ(ns16550_driver.init(NULL, &cfg), -EINVAL);
	CHECK_EQ(ns16550_driver.init(&con, NULL), -EINVAL);
	cfg.base = 0;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	cfg.base = BASE;
	cfg.iotype = UART_IO_MMIO16;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	cfg.iotype = UART_IO_MMIO32;	/* 4-byte accesses 1 byte apart */
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	cfg.reg_shift = 63;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	cfg.iotype = 42;
	cfg.reg_shift = 2;
	CHECK_EQ(ns16550_driver.init(&con, &cfg), -EINVAL);
	CHECK_EQ(m.accesses, 0);
}

int main(void)
{
	test_tables();
	test_mmio8_keep();
	test_mmio32_shift2();
	test_divisor();
	test_dlab_left_set();
	test_rx_drain();
	test_getc();
	test_stuck();
	test_dw_busy();
	test_no_fifo();
	test_bad_config();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_uart_8250");
}
