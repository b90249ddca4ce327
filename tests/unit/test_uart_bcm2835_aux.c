// SPDX-License-Identifier: MIT
/*
 * drivers/uart/bcm2835_aux.c against a register model of the Raspberry Pi
 * mini UART (BCM2835 ARM Peripherals 2.2): 32-bit accesses only, an 8-deep
 * TX FIFO that drains one byte per LSR read, an RX queue, a TX log.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "drivers/console.h"
#include "drivers/uart/uart.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"

#define BASE 0x3f215040u
#define WINDOW 0x40

enum {
	IO = 0x00, IER = 0x04, IIR = 0x08, LCR = 0x0c, MCR = 0x10, LSR = 0x14,
	MSR = 0x18, SCRATCH = 0x1c, CNTL = 0x20, STAT = 0x24, BAUD = 0x28,
};
#define LCR_8BIT 0x03
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_TX_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define CNTL_RX_EN 0x01
#define CNTL_TX_EN 0x02
#define CNTL_AUTOFLOW 0x0c	/* RTS and CTS auto flow control */
#define TX_DEPTH 8
#define BAUD_115200_250MHZ 270	/* the firmware's value for core_freq=250 */

struct maux {
	bool stuck;		/* the transmitter never shifts a bit */
	bool babble;		/* the receiver always has another byte */
	bool quiet;		/* bad accesses expected: do not log them */

	uint32_t lcr, ier, cntl, baud, mcr, scratch;
	unsigned int lcr_writes, baud_writes, cntl_writes;
	unsigned int accesses, writes, bad;

	unsigned int tx_fifo;
	bool tx_shift;
	unsigned int tx_overrun;
	uint8_t tx_log[256];
	size_t tx_len;

	uint8_t rx[64];
	size_t rx_len;
	unsigned int rx_reads;
};

static void m_rx_push(struct maux *m, const char *s)
{
	while (*s && m->rx_len < sizeof(m->rx))
		m->rx[m->rx_len++] = (uint8_t)*s++;
}

static void m_tx_step(struct maux *m)
{
	if (m->stuck || !(m->cntl & CNTL_TX_EN))
		return;
	if (m->tx_shift)
		m->tx_shift = false;
	else if (m->tx_fifo) {
		m->tx_fifo--;
		m->tx_shift = true;
	}
}

static bool m_check(struct maux *m, uintptr_t off, unsigned int width)
{
	m->accesses++;
	if (width != 4 || off & 3 || off > BAUD) {
		m->bad++;
		if (!m->quiet)
			fprintf(stderr, "maux: bad %u-byte access at +0x%lx\n",
				width, (unsigned long)off);
		return false;
	}
	return true;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct maux *m = ctx;

	if (!m_check(m, off, width))
		return 0;
	switch (off) {
	case IO:
		if (m->lcr & LCR_DLAB)
			return m->baud & 0xff;
		m->rx_reads++;
		if (m->babble)
			return '?';
		if (m->rx_len) {
			uint8_t c = m->rx[0];

			memmove(m->rx, m->rx + 1, --m->rx_len);
			return c;
		}
		return 0;
	case IER:
		return m->lcr & LCR_DLAB ? m->baud >> 8 : m->ier;
	case LCR:
		return m->lcr;
	case MCR:
		return m->mcr;
	case LSR:
		m_tx_step(m);
		return (m->rx_len || m->babble ? LSR_DR : 0) |
		       (m->tx_fifo < TX_DEPTH ? LSR_TX_EMPTY : 0) |
		       (m->tx_fifo || m->tx_shift ? 0 : LSR_TX_IDLE);
	case SCRATCH:
		return m->scratch;
	case CNTL:
		return m->cntl;
	case STAT:
		return (uint32_t)m->tx_fifo << 24 | (uint32_t)m->rx_len << 16;
	case BAUD:
		return m->baud;
	}
	return 0;
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct maux *m = ctx;
	uint32_t v = (uint32_t)v64;

	if (!m_check(m, off, width))
		return;
	m->writes++;
	switch (off) {
	case IO:
		if (m->lcr & LCR_DLAB) {
			m->baud_writes++;
			m->baud = (m->baud & 0xff00) | (v & 0xff);
		} else if (m->tx_fifo >= TX_DEPTH) {
			m->tx_overrun++;
		} else {
			m->tx_fifo++;
			if (m->tx_len < sizeof(m->tx_log))
				m->tx_log[m->tx_len++] = (uint8_t)v;
		}
		break;
	case IER:
		if (m->lcr & LCR_DLAB) {
			m->baud_writes++;
			m->baud = (m->baud & 0xff) | (v & 0xff) << 8;
		} else {
			m->ier = v;
		}
		break;
	case LCR:
		m->lcr_writes++;
		m->lcr = v;
		break;
	case MCR:
		m->mcr = v;
		break;
	case SCRATCH:
		m->scratch = v;
		break;
	case CNTL:
		m->cntl_writes++;
		m->cntl = v;
		break;
	case BAUD:
		m->baud_writes++;
		m->baud = v & 0xffff;
		break;
	}
}

/* As the dead kernel left it: 115200 from a 250 MHz core clock, IRQs on,
 * three bytes still to send, some input unread. */
static void m_attach(struct maux *m)
{
	struct fake_device dev = {
		.base = BASE,
		.size = WINDOW,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	memset(m, 0, sizeof(*m));
	m->lcr = LCR_8BIT;
	m->ier = 0x05;
	m->cntl = CNTL_RX_EN | CNTL_TX_EN;
	m->baud = BAUD_115200_250MHZ;
	m->tx_fifo = 3;
	m_rx_push(m, "login:");
	fake_mmio_reset();
	fake_mmio_attach(&dev);
}

static void test_tables(void)
{
	const struct uart_driver *d = &bcm2835_aux_driver;

	CHECK(d->name != NULL && d->init != NULL);
	CHECK_STR(d->matches[0].compatible, "brcm,bcm2835-aux-uart");
	CHECK(d->matches[1].compatible == NULL);
	CHECK_STR(d->earlycon_names[0], "bcm2835aux");
	CHECK(d->earlycon_names[1] == NULL);
}

static void test_keep(void)
{
	struct maux m;
	struct console con;
	/* earlycon's default iotype and a stray reg-shift change nothing. */
	struct uart_config cfg = {
		.base = BASE, .reg_shift = 2, .iotype = UART_IO_MMIO8,
		.clock_hz = 250000000,
	};

	m_attach(&m);
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.bad, 0);
	CHECK_EQ(m.baud_writes, 0);
	CHECK_EQ(m.lcr_writes, 0);
	CHECK_EQ(m.cntl_writes, 0);
	CHECK_EQ(m.baud, BAUD_115200_250MHZ);
	CHECK_EQ(m.ier, 0);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.tx_fifo, 0);
	CHECK(!m.tx_shift);
	CHECK(con.ops != NULL);
	CHECK_STR(con.driver, bcm2835_aux_driver.name);
	CHECK_EQ(con.base, BASE);
	CHECK_EQ(con.iotype, UART_IO_MMIO32);
	CHECK_EQ(con.clock_hz, 250000000);
	CHECK_EQ(con.baud, 0);
	CHECK(con.crlf);

	CHECK_EQ(console_write_text(&con, "ok\n", 3), 0);
	CHECK_EQ(console_flush(&con), 0);
	CHECK_EQ(m.tx_len, 4);
	CHECK(!memcmp(m.tx_log, "ok\r\n", 4));
	CHECK_EQ(m.tx_fifo, 0);
	/* Ten bytes at once: the 8-deep FIFO never overruns. */
	CHECK_EQ(console_write(&con, "0123456789", 10), 0);
	CHECK_EQ(m.tx_overrun, 0);
	CHECK_EQ(m.tx_len, 14);
	CHECK_EQ(m.bad, 0);
}

static void check_baud(uint32_t clock, uint32_t baud, uint32_t want)
{
	struct maux m;
	struct console con;
	struct uart_config cfg = { .base = BASE, .clock_hz = clock, .baud = baud };

	m_attach(&m);
	m.lcr = 0x01;	/* the manual's "8-bit" that the errata says is 7 */
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.baud, want);
	CHECK_EQ(m.lcr, LCR_8BIT);
	CHECK_EQ(con.baud, baud);
	CHECK_EQ(m.tx_len, 0);
	CHECK_EQ(m.bad, 0);
}

static void test_baud(void)
{
	check_baud(250000000, 115200, 270);	/* 271.27 - 1 */
	check_baud(500000000, 115200, 542);	/* 542.53 - 1 */
	check_baud(48000000, 9600, 624);	/* 625 - 1 */

	struct maux m;
	struct console con;
	struct uart_config cfg = {
		.base = BASE, .clock_hz = 250000000, .baud = 100000000,
	};

	m_attach(&m);
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), -EINVAL);
	cfg.baud = 300;			/* register would be 104165 */
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), -EINVAL);
	CHECK_EQ(m.accesses, 0);
}

/* The dead kernel left the transmitter off (and DLAB on). */
static void test_disabled(void)
{
	struct maux m;
	struct console con;
	struct uart_config cfg = { .base = BASE };

	m_attach(&m);
	m.cntl = CNTL_AUTOFLOW;
	m.lcr = LCR_DLAB | LCR_8BIT;
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.cntl, CNTL_AUTOFLOW | CNTL_TX_EN | CNTL_RX_EN);
	CHECK_EQ(m.lcr, LCR_8BIT);
	CHECK_EQ(m.baud, BAUD_115200_250MHZ);
	CHECK_EQ(m.baud_writes, 0);
	CHECK_EQ(m.tx_fifo, 0);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.bad, 0);
}

static void test_rx(void)
{
	struct maux m;
	struct console con;
	struct uart_config cfg = { .base = BASE };

	m_attach(&m);
	m.rx_len = 0;
	while (m.rx_len < sizeof(m.rx))
		m_rx_push(&m, "abcdefgh");
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rx_len, 0);
	CHECK_EQ(m.rx_reads, 64);
	CHECK_EQ(console_getc(&con), -EAGAIN);
	m_rx_push(&m, "y\x80");
	CHECK_EQ(console_getc(&con), 'y');
	CHECK_EQ(console_getc(&con), 0x80);
	CHECK_EQ(console_getc(&con), -EAGAIN);

	m_attach(&m);
	m.babble = true;
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	CHECK_EQ(m.rx_reads, CONSOLE_RX_DRAIN_MAX);
	CHECK_EQ(m.bad, 0);
}

static void test_stuck(void)
{
	struct maux m;
	struct console con;
	struct uart_config cfg = { .base = BASE };
	uint64_t t0;

	m_attach(&m);
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), 0);
	m.stuck = true;
	/* putc needs room in the FIFO, not an idle line. */
	m.tx_fifo = TX_DEPTH - 1;
	CHECK_EQ(con.ops->putc(&con, 'w'), 0);
	CHECK_EQ(m.tx_len, 1);
	/* Now full, and nothing leaves. */
	t0 = fake_clock_us;
	CHECK_EQ(con.ops->putc(&con, 'x'), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= CONSOLE_TX_TIMEOUT_US);
	CHECK(fake_clock_us - t0 < 2 * CONSOLE_TX_TIMEOUT_US);
	CHECK_EQ(console_write(&con, "yz", 2), -ETIMEDOUT);
	CHECK_EQ(con.tx_dropped, 2);
	CHECK_EQ(console_flush(&con), -ETIMEDOUT);
	CHECK_EQ(m.tx_overrun, 0);
	CHECK_EQ(m.tx_len, 1);

	m_attach(&m);
	m.stuck = true;
	con.ops = NULL;
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), -ETIMEDOUT);
	CHECK(con.ops == NULL);
	CHECK_EQ(m.bad, 0);
}

static void test_bad_config(void)
{
	struct maux m;
	struct console con;
	struct uart_config cfg = { .base = 0 };

	m_attach(&m);
	CHECK_EQ(bcm2835_aux_driver.init(&con, &cfg), -EINVAL);
	cfg.base = BASE;
	CHECK_EQ(bcm2835_aux_driver.init(NULL, &cfg), -EINVAL);
	CHECK_EQ(bcm2835_aux_driver.init(&con, NULL), -EINVAL);
	CHECK_EQ(m.accesses, 0);
}

int main(void)
{
	test_tables();
	test_keep();
	test_baud();
	test_disabled();
	test_rx();
	test_stuck();
	test_bad_config();
	CHECK_EQ(fake_mmio_stray, 0);
	return check_summary("test_uart_bcm2835_aux");
}
