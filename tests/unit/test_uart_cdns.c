// SPDX-License-Identifier: MIT
/*
 * drivers/uart/cdns_uart.c against a register model of the Cadence UART
 * (Zynq UltraScale+ TRM, UART chapter): 32-bit accesses only, a 64-deep
 * TX FIFO that drains while the transmitter is enabled, self-clearing
 * data-path resets, an RX queue and a TX log.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "drivers/console.h"
#include "drivers/uart/uart.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"

#define BASE 0xff000000u
#define WINDOW 0x1000
#define LAST_REG 0x44

enum {
	CR = 0x00, MR = 0x04, IER = 0x08, IDR = 0x0c, IMR = 0x10, ISR = 0x14,
	BAUDGEN = 0x18, RXTOUT = 0x1c, RXWM = 0x20, MODEMCR = 0x24,
	MODEMSR = 0x28, SR = 0x2c, FIFO = 0x30, BAUDDIV = 0x34,
	FLOWDEL = 0x38, TXWM = 0x44,
};
#define CR_RXRST 0x001
#define CR_TXRST 0x002
#define CR_RXEN 0x004
#define CR_RXDIS 0x008
#define CR_TXEN 0x010
#define CR_TXDIS 0x020
#define CR_RSTTO 0x040
#define CR_STTBRK 0x080
#define CR_STPBRK 0x100
#define CR_RESET_VALUE (CR_STPBRK | CR_TXDIS | CR_RXDIS)
#define MR_CLKSEL 0x001
#define MR_8N1 0x020
#define MR_7E1 0x004
#define SR_RXEMPTY 0x002
#define SR_TXEMPTY 0x008
#define SR_TXFULL 0x010
#define SR_TACTIVE 0x800
#define TX_DEPTH 64
#define RESET_READS 2	/* a data-path reset takes this many CR reads */

struct mcdns {
	bool stuck;		/* the transmitter never shifts a bit */
	bool babble;		/* the receiver always has another byte */
	bool reset_stuck;	/* TXRST/RXRST never clear */

	uint32_t cr, mr, baudgen, bauddiv;
	unsigned int reset_pending;	/* CR reads until the reset is done */
	unsigned int cr_writes, mr_writes, baudgen_writes, bauddiv_writes;
	uint32_t cr_log[16];
	unsigned int accesses, writes, bad;
	unsigned int rate_while_enabled;	/* TRM: disable first */
	unsigned int tx_lost;	/* queued bytes thrown away by TXRST */

	unsigned int tx_fifo;
	bool tx_shift;
	unsigned int tx_overrun;
	uint8_t tx_log[256];
	size_t tx_len;

	uint8_t rx[64];
	size_t rx_len;
	unsigned int rx_reads;
};

static bool m_tx_on(const struct mcdns *m)
{
	return (m->cr & CR_TXEN) && !(m->cr & CR_TXDIS);
}

static bool m_rx_on(const struct mcdns *m)
{
	return (m->cr & CR_RXEN) && !(m->cr & CR_RXDIS);
}

static void m_rx_push(struct mcdns *m, const char *s)
{
	while (*s && m->rx_len < sizeof(m->rx))
		m->rx[m->rx_len++] = (uint8_t)*s++;
}

static void m_tx_step(struct mcdns *m)
{
	if (m->stuck || !m_tx_on(m))
		return;
	if (m->tx_shift)
		m->tx_shift = false;
	else if (m->tx_fifo) {
		m->tx_fifo--;
		m->tx_shift = true;
	}
}

static bool m_check(struct mcdns *m, uintptr_t off, unsigned int width)
{
	m->accesses++;
	if (width != 4 || off & 3 || off > LAST_REG) {
		m->bad++;
		fprintf(stderr, "mcdns: bad %u-byte access at +0x%lx\n", width,
			(unsigned long)off);
		return false;
	}
	return true;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct mcdns *m = ctx;

	if (!m_check(m, off, width))
		return 0;
	switch (off) {
	case CR:
		if (m->reset_pending && !m->reset_stuck &&
		    !--m->reset_pending)
			m->cr &= ~(uint32_t)(CR_TXRST | CR_RXRST);
		return m->cr;
	case MR:
		return m->mr;
	case BAUDGEN:
		return m->baudgen;
	case BAUDDIV:
		return m->bauddiv;
	case SR:
		m_tx_step(m);
		return (m->rx_len || m->babble ? 0 : SR_RXEMPTY) |
		       (m->tx_fifo ? 0 : SR_TXEMPTY) |
		       (m->tx_fifo >= TX_DEPTH ? SR_TXFULL : 0) |
		       (m->tx_shift ? SR_TACTIVE : 0);
	case FIFO:
		m->rx_reads++;
		if (m->babble)
			return '?';
		if (m->rx_len) {
			uint8_t c = m->rx[0];

			memmove(m->rx, m->rx + 1, --m->rx_len);
			return c;
		}
		return 0;
	}
	return 0;
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct mcdns *m = ctx;
	uint32_t v = (uint32_t)v64;

	if (!m_check(m, off, width))
		return;
	m->writes++;
	switch (off) {
	case CR:
		if (m->cr_writes < sizeof(m->cr_log) / sizeof(m->cr_log[0]))
			m->cr_log[m->cr_writes] = v;
		m->cr_writes++;
		if (v & CR_TXRST) {
			m->tx_lost += m->tx_fifo + m->tx_shift;
			m->tx_fifo = 0;
			m->tx_shift = false;
		}
		if (v & CR_RXRST)
			m->rx_len = 0;
		if (v & (CR_TXRST | CR_RXRST))
			m->reset_pending = RESET_READS;
		m->cr = v & ~(uint32_t)CR_RSTTO;
		break;
	case MR:
		m->mr_writes++;
		m->mr = v;
		break;
	case BAUDGEN:
		m->baudgen_writes++;
		if (m_tx_on(m) || m_rx_on(m))
			m->rate_while_enabled++;
		m->baudgen = v;
		break;
	case BAUDDIV:
		m->bauddiv_writes++;
		if (m_tx_on(m) || m_rx_on(m))
			m->rate_while_enabled++;
		m->bauddiv = v;
		break;
	case FIFO:
		if (m->tx_fifo >= TX_DEPTH) {
			m->tx_overrun++;
		} else {
			m->tx_fifo++;
			if (m->tx_len < sizeof(m->tx_log))
				m->tx_log[m->tx_len++] = (uint8_t)v;
		}
		break;
	}
}

/* As the dead kernel left it: 115200 8N1 from 100 MHz (CD 124, BDIV 6),
 * three bytes still to send, some input unread. */
static void m_attach(struct mcdns *m)
{
	struct fake_device dev = {
		.base = BASE,
		.size = WINDOW,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	memset(m, 0, sizeof(*m));
	m->cr = CR_TXEN | CR_RXEN | CR_STPBRK;
	m->mr = MR_8N1;
	m->baudgen = 124;
	m->bauddiv = 6;
	m->tx_fifo = 3;
	m_rx_push(m, "rx");
	fake_mmio_reset();
	fake_mmio_attach(&dev);
}

static bool has_match(const char *compatible)
{
	for (const struct fdt_match *e = cdns_uart_driver.matches; e->compatible;
	     e++)
		if (!strcmp(e->compatible, compatible))
			return true;
	return false;
}

static void test_tables(void)
{
	CHECK(cdns_uart_driver.name != NULL && cdns_uart_driver.init != NULL);
	CHECK(has_match("cdns,uart-r1p12"));
	CHECK(has_match("xlnx,xuartps"));
	CHECK(has_match("cdns,uart-r1p8"));
	CHECK_STR(cdns_uart_driver.earlycon_names[0], "cdns");
	CHECK(cdns_uart_driver.earlycon_names[1] == NULL);
}

static void test_keep(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .iotype = UART_IO_MMIO8, .clock_hz = 100000000,
	};

	m_attach(&m);
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.bad, 0);
	/* One CR write: both enables, no disables, no action bits. */
	CHECK_EQ(m.cr_writes, 1);
	CHECK_EQ(m.cr_log[0], CR_TXEN | CR_RXEN);
	CHECK_EQ(m.mr_writes + m.baudgen_writes + m.bauddiv_writes, 0);
	CHECK_EQ(m.baudgen, 124);
	CHECK_EQ(m.bauddiv, 6);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.tx_fifo, 0);
	CHECK(!m.tx_shift);
	CHECK_EQ(m.tx_lost, 0);
	CHECK(con.ops != NULL);
	CHECK_STR(con.driver, cdns_uart_driver.name);
	CHECK_EQ(con.base, BASE);
	CHECK_EQ(con.iotype, UART_IO_MMIO32);
	CHECK_EQ(con.clock_hz, 100000000);
	CHECK_EQ(con.baud, 0);
	CHECK(con.crlf);

	CHECK_EQ(console_write_text(&con, "hi\n", 3), 0);
	CHECK_EQ(console_flush(&con), 0);
	CHECK_EQ(m.tx_len, 4);
	CHECK(!memcmp(m.tx_log, "hi\r\n", 4));
	CHECK_EQ(m.tx_fifo, 0);
	CHECK(!m.tx_shift);
	CHECK_EQ(m.bad, 0);
}

/* The dead kernel (or the reset value) left both sides disabled. */
static void test_disabled(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = { .base = BASE };

	m_attach(&m);
	m.cr = CR_RESET_VALUE;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	CHECK(m_tx_on(&m));
	CHECK(m_rx_on(&m));
	CHECK_EQ(m.cr_log[0], CR_TXEN | CR_RXEN);
	CHECK_EQ(m.tx_fifo, 0);	/* the kernel's bytes went out... */
	CHECK_EQ(m.tx_lost, 0);	/* ...not into a reset */
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(console_write(&con, "x", 1), 0);
	CHECK_EQ(m.tx_len, 1);
}

static void check_baud(uint32_t clock, uint32_t baud, uint32_t bdiv_before,
		       uint32_t want_cd, uint32_t want_bdiv)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .clock_hz = clock, .baud = baud };

	m_attach(&m);
	m.bauddiv = bdiv_before;
	m.mr = MR_7E1 | MR_CLKSEL;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.baudgen, want_cd);
	CHECK_EQ(m.bauddiv, want_bdiv);
	CHECK_EQ(m.mr, MR_8N1);
	CHECK_EQ(m.rate_while_enabled, 0);
	CHECK_EQ(m.tx_lost, 0);
	CHECK(!(m.cr & (CR_TXRST | CR_RXRST)));
	CHECK(m_tx_on(&m));
	CHECK(m_rx_on(&m));
	CHECK_EQ(con.baud, baud);
	CHECK_EQ(m.bad, 0);
	CHECK_EQ(console_write(&con, "b", 1), 0);
	CHECK_EQ(m.tx_len, 1);
}

static void test_baud(void)
{
	check_baud(100000000, 115200, 6, 124, 6);	/* 124.0 */
	check_baud(50000000, 9600, 15, 326, 15);	/* 325.52 */
	check_baud(33333333, 115200, 4, 58, 4);		/* 57.87 */
	/* A reserved BDIV (0..3) is replaced by the reset value 15. */
	check_baud(100000000, 115200, 2, 54, 15);	/* 54.25 */

	struct mcdns m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .clock_hz = 100000000, .baud = 10000000,
	};

	m_attach(&m);
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), -EINVAL);	/* CD 1 */
	cfg.baud = 10;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), -EINVAL);	/* CD 1428571 */
	CHECK_EQ(m.writes, 0);
	CHECK_EQ(m.bad, 0);
}

static void test_reset_stuck(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .clock_hz = 100000000, .baud = 115200,
	};
	uint64_t t0;

	m_attach(&m);
	m.reset_stuck = true;
	t0 = fake_clock_us;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 3 * CONSOLE_TX_TIMEOUT_US);
	CHECK_EQ(m.bad, 0);
}

static void test_rx(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = { .base = BASE };

	m_attach(&m);
	m.rx_len = 0;
	while (m.rx_len < sizeof(m.rx))
		m_rx_push(&m, "ABCDEFGH");
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.rx_reads, 64);
	CHECK_EQ(console_getc(&con), -EAGAIN);
	m_rx_push(&m, "q\xfe");
	CHECK_EQ(console_getc(&con), 'q');
	CHECK_EQ(console_getc(&con), 0xfe);
	CHECK_EQ(console_getc(&con), -EAGAIN);

	m_attach(&m);
	m.babble = true;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rx_reads, CONSOLE_RX_DRAIN_MAX);
	CHECK_EQ(m.bad, 0);
}

static void test_stuck(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = { .base = BASE };
	uint64_t t0;

	m_attach(&m);
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), 0);
	m.stuck = true;
	/* putc needs room in the FIFO, not an idle line. */
	m.tx_fifo = TX_DEPTH - 1;
	CHECK_EQ(con.ops->putc(&con, 'w'), 0);
	CHECK_EQ(m.tx_len, 1);
	t0 = fake_clock_us;
	CHECK_EQ(con.ops->putc(&con, 'x'), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= CONSOLE_TX_TIMEOUT_US);
	CHECK(fake_clock_us - t0 < 2 * CONSOLE_TX_TIMEOUT_US);
	CHECK_EQ(console_write(&con, "yz", 2), -ETIMEDOUT);
	CHECK_EQ(con.tx_dropped, 2);
	CHECK_EQ(console_flush(&con), -ETIMEDOUT);
	CHECK_EQ(m.tx_overrun, 0);
	CHECK_EQ(m.tx_len, 1);

	/* Stuck from the start: init says so, resets nothing, leaves no ops. */
	m_attach(&m);
	m.stuck = true;
	con.ops = NULL;
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), -ETIMEDOUT);
	CHECK(con.ops == NULL);
	CHECK_EQ(m.tx_lost, 0);
	CHECK_EQ(m.bad, 0);
}

static void test_bad_config(void)
{
	struct mcdns m;
	struct console con;
	struct uart_config cfg = { .base = 0 };

	m_attach(&m);
	CHECK_EQ(cdns_uart_driver.init(&con, &cfg), -EINVAL);
	cfg.base = BASE;
	CHECK_EQ(cdns_uart_driver.init(NULL, &cfg), -EINVAL);
	CHECK_EQ(cdns_uart_driver.init(&con, NULL), -EINVAL);
	CHECK_EQ(m.accesses, 0);
}

int main(void)
{
	test_tables();
	test_keep();
	test_disabled();
	test_baud();
	test_reset_stuck();
	test_rx();
	test_stuck();
	test_bad_config();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_uart_cdns");
}
