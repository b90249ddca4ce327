// SPDX-License-Identifier: MIT
/*
 * The Cadence GEM register model (tests/unit/gem_model.h).
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "tests/unit/fake_mmio.h"
#include "tests/unit/gem_model.h"

#define MDC_MAX_HZ 2500000u

static const unsigned int mdc_div[8] = { 8, 16, 32, 48, 64, 96, 128, 224 };

void *gem_model_ptr(const struct gem_model *m, uint64_t addr)
{
	if (!(m->dmacfg & GM_DMACFG_ADDR64))
		addr = (uint32_t)addr;
	return (void *)(uintptr_t)addr;
}

static bool addr64(const struct gem_model *m)
{
	return m->dmacfg & GM_DMACFG_ADDR64;
}

unsigned int gem_model_rx_stride(const struct gem_model *m)
{
	return 8 + (addr64(m) ? 8 : 0) + (m->dmacfg & GM_DMACFG_RXEXT ? 8 : 0);
}

unsigned int gem_model_tx_stride(const struct gem_model *m)
{
	return 8 + (addr64(m) ? 8 : 0) + (m->dmacfg & GM_DMACFG_TXEXT ? 8 : 0);
}

uint64_t gem_model_rx_base(const struct gem_model *m, unsigned int q)
{
	return (addr64(m) ? (uint64_t)m->rbqph << 32 : 0) | m->rbqp[q];
}

uint64_t gem_model_tx_base(const struct gem_model *m, unsigned int q)
{
	return (addr64(m) ? (uint64_t)m->tbqph << 32 : 0) | m->tbqp[q];
}

/* A DMA access: flag it when it lands in the dead kernel's memory late. */
static void *dma(struct gem_model *m, uint64_t addr, size_t len)
{
	uintptr_t p = (uintptr_t)gem_model_ptr(m, addr);

	if (m->nctrl_written && m->old_hi && p < m->old_hi && p + len > m->old_lo)
		m->old_dma++;
	return (void *)p;
}

static uint32_t rd32(struct gem_model *m, uint64_t addr)
{
	uint32_t v;

	memcpy(&v, dma(m, addr, 4), 4);
	return v;
}

static void wr32(struct gem_model *m, uint64_t addr, uint32_t v)
{
	memcpy(dma(m, addr, 4), &v, 4);
}

static uint64_t desc_buf(struct gem_model *m, uint64_t d, uint32_t lowmask)
{
	uint64_t a = rd32(m, d) & ~lowmask;

	if (addr64(m))
		a |= (uint64_t)rd32(m, d + 8) << 32;
	return a;
}

/* ---- cache-line discipline ----------------------------------------------- */

/* How many descriptors a ring has: up to the one with the wrap bit. */
static unsigned int ring_len(struct gem_model *m, uint64_t base,
			     unsigned int stride, bool rx)
{
	for (unsigned int i = 0; i < GM_RING_MAX; i++) {
		uint32_t w = rd32(m, base + (uint64_t)i * stride + (rx ? 0 : 4));

		if (w & (rx ? GM_RX_WRAP : GM_TX_WRAP))
			return i + 1;
	}
	return GM_RING_MAX;
}

static bool rings_live(const struct gem_model *m)
{
	return (m->nctrl & (GM_NCTRL_RE | GM_NCTRL_TE)) && m->rbqp[0] &&
	       m->tbqp[0];
}

/*
 * Which 64-byte lines of a ring hold a descriptor the device may write:
 * RX descriptors it owns (ownership bit clear); TX descriptors of the
 * frame it holds in flight.  Lines are counted from the ring's base,
 * which the driver keeps line-aligned.
 */
static void snapshot(struct gem_model *m)
{
	m->snap_valid = false;
	if (!rings_live(m))
		return;
	m->snap_rx = gem_model_rx_base(m, 0);
	m->snap_tx = gem_model_tx_base(m, 0);
	m->snap_rx_stride = gem_model_rx_stride(m);
	m->snap_tx_stride = gem_model_tx_stride(m);
	m->snap_rx_n = ring_len(m, m->snap_rx, m->snap_rx_stride, true);
	m->snap_tx_n = ring_len(m, m->snap_tx, m->snap_tx_stride, false);
	if (m->snap_rx_n * m->snap_rx_stride > sizeof(m->snap_rx_mem) ||
	    m->snap_tx_n * m->snap_tx_stride > sizeof(m->snap_tx_mem))
		return;
	memcpy(m->snap_rx_mem, gem_model_ptr(m, m->snap_rx),
	       m->snap_rx_n * m->snap_rx_stride);
	memcpy(m->snap_tx_mem, gem_model_ptr(m, m->snap_tx),
	       m->snap_tx_n * m->snap_tx_stride);
	memset(m->snap_rx_owned, 0, sizeof(m->snap_rx_owned));
	memset(m->snap_tx_owned, 0, sizeof(m->snap_tx_owned));
	for (unsigned int i = 0; i < m->snap_rx_n; i++) {
		uint32_t w0;

		memcpy(&w0, m->snap_rx_mem + i * m->snap_rx_stride, 4);
		if (!(w0 & GM_RX_OWN))
			m->snap_rx_owned[i * m->snap_rx_stride / GM_LINE] = true;
	}
	if (m->tgo && m->tx_inflight_descs) {
		unsigned int first = (unsigned int)((m->tx_cur - m->snap_tx) /
						    m->snap_tx_stride);

		for (unsigned int k = 0; k < m->tx_inflight_descs; k++) {
			unsigned int i = (first + k) % m->snap_tx_n;

			m->snap_tx_owned[i * m->snap_tx_stride / GM_LINE] = true;
		}
	}
	m->snap_valid = true;
}

static void check_lines(struct gem_model *m, uint64_t base, const uint8_t *old,
			const bool *owned, unsigned int bytes)
{
	const uint8_t *now = gem_model_ptr(m, base);

	for (unsigned int off = 0; off < bytes; off += GM_LINE) {
		unsigned int n = bytes - off < GM_LINE ? bytes - off : GM_LINE;

		if (owned[off / GM_LINE] && memcmp(now + off, old + off, n)) {
			m->line_violations++;
			if (!m->quiet)
				fprintf(stderr, "gem_model: CPU wrote ring "
					"line +%u while the device owned a "
					"descriptor in it\n", off);
		}
	}
}

static void check_snapshot(struct gem_model *m)
{
	if (!m->snap_valid)
		return;
	check_lines(m, m->snap_rx, m->snap_rx_mem, m->snap_rx_owned,
		    m->snap_rx_n * m->snap_rx_stride);
	check_lines(m, m->snap_tx, m->snap_tx_mem, m->snap_tx_owned,
		    m->snap_tx_n * m->snap_tx_stride);
}

/* ---- RX ------------------------------------------------------------------ */

static int accept(const struct gem_model *m, const uint8_t *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (m->ncfg & GM_NCFG_CAF)
		return 1;
	if (!memcmp(f, bcast, 6))
		return !(m->ncfg & GM_NCFG_NBC);
	for (unsigned int i = 0; i < 4; i++) {
		uint8_t a[6] = {
			(uint8_t)m->sab[i], (uint8_t)(m->sab[i] >> 8),
			(uint8_t)(m->sab[i] >> 16), (uint8_t)(m->sab[i] >> 24),
			(uint8_t)m->sat[i], (uint8_t)(m->sat[i] >> 8),
		};

		if (m->sa_active[i] && !memcmp(f, a, 6))
			return 1;
	}
	return 0;
}

/* Store one frame if a descriptor is free.  Return: 1 stored, 0 none free. */
static int rx_store(struct gem_model *m, const uint8_t *frame, size_t len)
{
	unsigned int stride = gem_model_rx_stride(m);
	unsigned int bufsize = ((m->dmacfg >> GM_DMACFG_RXBS_SHIFT) & 0xff) * 64;
	unsigned int offset = (m->ncfg & GM_NCFG_RBOF) >> 14;
	uint8_t data[GM_FRAME_MAX + 4];
	size_t total = len < 60 ? 60 : len, done = 0;
	uint64_t d = m->rx_cur;
	bool first = true;

	if (m->rx_no_buf || (rd32(m, d) & GM_RX_OWN)) {
		m->rsr |= GM_RSR_BNA;
		m->rx_no_buf = m->qemu_rx;
		return 0;
	}
	if (bufsize < 64)
		bufsize = 64;
	memset(data, 0, sizeof(data));
	memcpy(data, frame, len);
	if (!(m->ncfg & GM_NCFG_DRFCS))
		total += 4;	/* an FCS the driver should have had removed */
	while (done < total) {
		size_t n = total - done < bufsize - offset ? total - done
							     : bufsize - offset;
		uint32_t w0 = rd32(m, d), w1 = 0;

		if (w0 & GM_RX_OWN) {	/* ran out mid-frame */
			m->rsr |= GM_RSR_BNA;
			m->rx_missed++;
			return 1;
		}
		memcpy(dma(m, desc_buf(m, d, 3) + offset, n), data + done, n);
		done += n;
		if (first)
			w1 |= GM_RX_SOF;
		first = false;
		if (done == total)
			w1 |= GM_RX_EOF | (uint32_t)total;
		wr32(m, d + 4, w1);
		wr32(m, d, w0 | GM_RX_OWN);
		d = (w0 & GM_RX_WRAP) ? gem_model_rx_base(m, 0) : d + stride;
	}
	m->rx_cur = d;
	m->rsr |= GM_RSR_REC;
	m->rx_done++;
	return 1;
}

static void rx_flush(struct gem_model *m)
{
	while (m->pending_n && (m->nctrl & GM_NCTRL_RE)) {
		if (!rx_store(m, m->pending[0], m->pending_len[0]))
			return;
		memmove(m->pending[0], m->pending[1],
			(m->pending_n - 1) * sizeof(m->pending[0]));
		memmove(&m->pending_len[0], &m->pending_len[1],
			(m->pending_n - 1) * sizeof(m->pending_len[0]));
		m->pending_n--;
	}
}

static int rx_frame(struct gem_model *m, const uint8_t *frame, size_t len)
{
	if (!(m->nctrl & GM_NCTRL_RE) || len > GM_FRAME_MAX)
		return -1;
	if (!accept(m, frame)) {
		m->rx_filtered++;
		return -1;
	}
	if (m->pending_n || !rx_store(m, frame, len)) {
		if (m->qemu_rx && m->pending_n < GM_PENDING) {
			memcpy(m->pending[m->pending_n], frame, len);
			m->pending_len[m->pending_n++] = len;
			return 0;
		}
		m->rx_missed++;
		return -1;
	}
	return 1;
}

/* ---- TX ------------------------------------------------------------------ */

static void tx_log(struct gem_model *m, const uint8_t *f, size_t len)
{
	unsigned int slot = m->tx_sent % GM_LOG_FRAMES;

	memcpy(m->tx_log[slot], f, len);
	m->tx_log_len[slot] = len;
	m->tx_sent++;
	if (m->old_hi && len >= 16 && !memcmp(f + 12, "\x88\xb5OLD", 4))
		m->tx_old_frames++;
}

/*
 * Send what the ring holds, from tx_cur on, like QEMU's gem_transmit():
 * gather a frame's buffers up to "last", set "used" in its first
 * descriptor, go on until a descriptor says "used".  With tx_hold the
 * frame found stays in flight (TGO set) until released.
 */
static void tx_run(struct gem_model *m)
{
	unsigned int stride = gem_model_tx_stride(m);

	for (unsigned int guard = 0; guard < GM_RING_MAX; guard++) {
		uint8_t frame[GM_FRAME_MAX];
		size_t len = 0;
		uint64_t d = m->tx_cur;
		unsigned int n = 0;
		uint32_t w1;

		if (!(m->nctrl & GM_NCTRL_TE))
			break;
		w1 = rd32(m, d + 4);
		if (w1 & GM_TX_USED) {
			m->tsr |= GM_TSR_UBR;
			m->tgo = false;
			m->tx_inflight_descs = 0;
			return;
		}
		for (;;) {
			size_t part;
			uint64_t next;

			w1 = rd32(m, d + 4);
			part = w1 & 0x3fff;
			n++;
			if ((w1 & GM_TX_USED) && n > 1) {
				m->dma_errors++;	/* used bit mid-frame */
				m->tgo = false;
				return;
			}
			if (!part || !desc_buf(m, d, 0) || len + part > 1518 ||
			    n > GM_RING_MAX) {
				m->dma_errors++;
				m->tgo = false;
				return;
			}
			memcpy(frame + len, dma(m, desc_buf(m, d, 0), part),
			       part);
			len += part;
			next = (w1 & GM_TX_WRAP) ? gem_model_tx_base(m, 0)
						 : d + stride;
			if (w1 & GM_TX_LAST) {
				d = next;
				break;
			}
			d = next;
		}
		if (m->tx_hold) {
			m->tgo = true;
			m->tx_inflight_descs = n;
			return;
		}
		wr32(m, m->tx_cur + 4, rd32(m, m->tx_cur + 4) | GM_TX_USED);
		m->tx_cur = d;
		m->tx_inflight_descs = 0;
		m->tsr |= GM_TSR_COMP;
		tx_log(m, frame, len);
		if (m->loopback) {
			uint8_t copy[GM_FRAME_MAX];

			memcpy(copy, frame, len);
			rx_frame(m, copy, len);
		}
	}
	m->tgo = false;
}

/* ---- MDIO and PHY ---------------------------------------------------------- */

static uint16_t phy_read(struct gem_phy *p, unsigned int reg)
{
	p->reads++;
	switch (reg) {
	case GM_BMCR:
		return p->bmcr;
	case GM_BMSR: {
		bool up = p->link && !p->latched_low;

		p->latched_low = false;
		if (p->an_running && !p->an_never && p->an_countdown &&
		    !--p->an_countdown) {
			p->link = true;
			p->an_running = false;
		}
		return (uint16_t)(p->bmsr_caps | (up ? 0x0024 : 0));
	}
	case GM_ID1:
		return p->id1;
	case GM_ID2:
		return p->id2;
	case GM_ANAR:
		return p->anar;
	case GM_LPA:
		return p->link ? p->lpa : 0;
	case GM_CTRL1000:
		return p->ctrl1000;
	case GM_STAT1000:
		return p->link ? p->stat1000 : 0;
	case GM_ESTATUS:
		return 0x3000;
	}
	return 0;
}

static void phy_write(struct gem_phy *p, unsigned int reg, uint16_t v)
{
	p->writes++;
	if (reg == GM_BMCR) {
		if (v & 0x8000)
			p->resets++;
		if (v & 0x0200) {	/* restart auto-negotiation */
			p->an_restarts++;
			p->link = false;
			p->an_running = true;
			p->an_countdown = p->an_reads;
		}
		p->bmcr = v & ~(uint16_t)0x8200;
	} else if (reg == GM_ANAR) {
		p->anar = v;
	} else if (reg == GM_CTRL1000) {
		p->ctrl1000 = v;
	}
}

static void mdio_frame(struct gem_model *m, uint32_t v)
{
	unsigned int op = (v >> 28) & 3, phy = (v >> 23) & 31, reg = (v >> 18) & 31;
	unsigned int code;

	m->mdio_ops++;
	m->man = v;
	if (m->mdio_ok_ops && m->mdio_ops > m->mdio_ok_ops)
		m->mdio_stuck = true;
	if ((v >> 30) != 1 || ((v >> 16) & 3) != 2 || (op != 1 && op != 2)) {
		m->mdio_bad++;
		return;
	}
	if (!(m->nctrl & GM_NCTRL_MPE)) {
		m->mdio_no_mpe++;
		return;
	}
	code = (m->ncfg >> GM_NCFG_CLK_SHIFT) & 7;
	if (m->pclk_hz && m->pclk_hz / mdc_div[code] > MDC_MAX_HZ)
		m->mdio_too_fast++;
	m->mdio_wait = m->mdio_busy_reads;
	if (!m->phy.present || phy != m->phy.addr) {
		if (op == 2)
			m->man = (v & 0xffff0000u) | 0xffff;
		return;
	}
	if (op == 2)
		m->man = (v & 0xffff0000u) | phy_read(&m->phy, reg);
	else
		phy_write(&m->phy, reg, (uint16_t)v);
}

/* ---- registers ------------------------------------------------------------ */

static void enter(struct gem_model *m)
{
	check_snapshot(m);
	if (m->tgo && !m->tx_hold) {	/* a held frame may go out now */
		m->tgo = false;
		tx_run(m);
	}
}

static void leave(struct gem_model *m)
{
	if (m->babble)
		rx_frame(m, m->babble_frame, sizeof(m->babble_frame));
	snapshot(m);
}

static bool queue_reg(uintptr_t off, uintptr_t first, unsigned int *q)
{
	if (off < first || off >= first + 4 * 7)
		return false;
	*q = (unsigned int)(off - first) / 4 + 1;
	return true;
}

static bool known(struct gem_model *m, uintptr_t off, unsigned int width)
{
	unsigned int q;
	unsigned int t1 = m->dcfg8 >> 24, t2 = (m->dcfg8 >> 16) & 0xff;

	if (width != 4 || (off & 3))
		return false;
	if (off <= GM_MAN || off == GM_HRB || off == GM_HRT ||
	    (off >= GM_SA1B && off < GM_SA1B + 32) || off == GM_MID ||
	    off == GM_DCFG1 || off == GM_DCFG6 || off == GM_DCFG8 ||
	    off == GM_TBQPH || off == GM_RBQPH)
		return off != 0x00c;	/* user_io: not ours to touch */
	if (queue_reg(off, GM_ISRQ, &q) || queue_reg(off, GM_TBQPQ, &q) ||
	    queue_reg(off, GM_RBQPQ, &q) || queue_reg(off, GM_IERQ, &q) ||
	    queue_reg(off, GM_IDRQ, &q) || queue_reg(off, GM_IMRQ, &q))
		return q < m->queues;
	if (off >= GM_SCR1 && off < GM_SCR1 + 64)
		return (off - GM_SCR1) / 4 < t1;
	if (off >= GM_SCR2 && off < GM_SCR2 + 64)
		return (off - GM_SCR2) / 4 < t2;
	return false;
}

static uint64_t m_read(void *ctx, uintptr_t off, unsigned int width)
{
	struct gem_model *m = ctx;
	uint32_t v = 0;
	unsigned int q;

	if (!known(m, off, width)) {
		m->bad++;
		fprintf(stderr, "gem_model: bad %u-byte read at +0x%lx\n", width,
			(unsigned long)off);
		return 0;
	}
	enter(m);
	switch (off) {
	case GM_NCTRL:
		v = m->nctrl;
		break;
	case GM_NCFG:
		v = m->ncfg;
		break;
	case GM_NSR:
		v = 0x2;	/* mdio_in */
		if (!m->mdio_stuck && !m->mdio_wait)
			v |= 0x4;
		else if (!m->mdio_stuck)
			m->mdio_wait--;
		break;
	case GM_DMACFG:
		v = m->dmacfg;
		break;
	case GM_TSR:
		v = m->tsr | (m->tgo || m->tgo_stuck ? GM_TSR_TGO : 0);
		break;
	case GM_RBQP:
		v = m->rbqp[0];
		break;
	case GM_TBQP:
		v = m->tbqp[0];
		break;
	case GM_RSR:
		v = m->rsr;
		break;
	case GM_ISR:
		v = m->isr;
		m->isr = 0;	/* clear on read, as ZynqMP's */
		break;
	case GM_IMR:
		v = m->imr;
		break;
	case GM_MAN:
		v = m->man;
		break;
	case GM_MID:
		v = m->mid;
		break;
	case GM_DCFG1:
		v = m->dcfg1;
		break;
	case GM_DCFG6:
		v = m->dcfg6;
		break;
	case GM_DCFG8:
		v = m->dcfg8;
		break;
	case GM_TBQPH:
		v = m->tbqph;
		break;
	case GM_RBQPH:
		v = m->rbqph;
		break;
	default:
		if (off >= GM_SA1B && off < GM_SA1B + 32)
			v = (off & 4) ? m->sat[(off - GM_SA1B) / 8]
				      : m->sab[(off - GM_SA1B) / 8];
		else if (queue_reg(off, GM_ISRQ, &q)) {
			v = m->isrq[q];
			m->isrq[q] = 0;
		} else if (queue_reg(off, GM_TBQPQ, &q))
			v = m->tbqp[q];
		else if (queue_reg(off, GM_RBQPQ, &q))
			v = m->rbqp[q];
		else if (queue_reg(off, GM_IMRQ, &q))
			v = m->imrq[q];
		else if (off >= GM_SCR1 && off < GM_SCR1 + 64)
			v = m->scr1[(off - GM_SCR1) / 4];
		else if (off >= GM_SCR2 && off < GM_SCR2 + 64)
			v = m->scr2[(off - GM_SCR2) / 4];
		break;
	}
	leave(m);
	return v;
}

static void write_nctrl(struct gem_model *m, uint32_t v)
{
	m->nctrl_written = true;
	m->nctrl_writes++;
	if (v & GM_NCTRL_CLRSTAT) {
		m->clrstat++;
		if (v & (GM_NCTRL_TE | GM_NCTRL_RE))
			m->clrstat_while_running++;
	}
	m->nctrl = v & ~(uint32_t)(GM_NCTRL_CLRSTAT | GM_NCTRL_TSTART |
				   GM_NCTRL_THALT | 0x40);
	if (!(v & GM_NCTRL_TE)) {
		/* UG1085: disabling TX resets the queue pointer */
		m->tx_cur = gem_model_tx_base(m, 0);
		m->tgo = false;
		m->tx_inflight_descs = 0;
	}
	if (v & GM_NCTRL_RE) {
		m->rx_no_buf = false;	/* QEMU re-reads the descriptor */
		rx_flush(m);
	}
	if ((v & GM_NCTRL_TSTART) && (v & GM_NCTRL_TE) && !m->tgo) {
		if (m->drop_tstart)
			m->drop_tstart--;
		else
			tx_run(m);
	}
}

static void m_write(void *ctx, uintptr_t off, unsigned int width, uint64_t v64)
{
	struct gem_model *m = ctx;
	uint32_t v = (uint32_t)v64;
	unsigned int q;
	bool running = m->nctrl & (GM_NCTRL_TE | GM_NCTRL_RE);

	if (!known(m, off, width) || off == GM_NSR || off == GM_MID ||
	    off == GM_DCFG1 || off == GM_DCFG6 || off == GM_DCFG8 ||
	    off == GM_IMR) {
		m->bad++;
		fprintf(stderr, "gem_model: bad %u-byte write at +0x%lx\n",
			width, (unsigned long)off);
		return;
	}
	enter(m);
	switch (off) {
	case GM_NCTRL:
		write_nctrl(m, v);
		break;
	case GM_NCFG:
		m->ncfg = v;
		break;
	case GM_DMACFG:
		if (running)
			m->ring_while_enabled++;
		m->dmacfg = v;
		break;
	case GM_TSR:
		m->tsr &= ~v;
		break;
	case GM_RBQP:
		if (m->nctrl & GM_NCTRL_RE)
			m->ring_while_enabled++;
		m->rbqp[0] = v & ~3u;
		m->rx_cur = gem_model_rx_base(m, 0);
		break;
	case GM_TBQP:
		if (m->nctrl & GM_NCTRL_TE)
			m->ring_while_enabled++;
		m->tbqp[0] = v & ~3u;
		m->tx_cur = gem_model_tx_base(m, 0);
		break;
	case GM_RSR:
		m->rsr &= ~v;
		break;
	case GM_ISR:
		break;	/* read-only on ZynqMP */
	case GM_IER:
		m->imr &= ~v;
		break;
	case GM_IDR:
		m->imr |= v & 0x07ffffff;
		break;
	case GM_MAN:
		mdio_frame(m, v);
		break;
	case GM_HRB:
	case GM_HRT:
		m->hash[off == GM_HRT] = v;
		break;
	case GM_TBQPH:
		if (m->nctrl & GM_NCTRL_TE)
			m->ring_while_enabled++;
		m->tbqph = v;
		break;
	case GM_RBQPH:
		if (m->nctrl & GM_NCTRL_RE)
			m->ring_while_enabled++;
		m->rbqph = v;
		break;
	default:
		if (off >= GM_SA1B && off < GM_SA1B + 32) {
			unsigned int i = (off - GM_SA1B) / 8;

			if (off & 4) {
				m->sat[i] = v & 0xffff;
				m->sa_active[i] = true;
			} else {
				m->sab[i] = v;
				m->sa_active[i] = false;
			}
			if (i == 0)
				m->sa1_writes++;
		} else if (queue_reg(off, GM_TBQPQ, &q)) {
			if (m->nctrl & GM_NCTRL_TE)
				m->ring_while_enabled++;
			m->tbqp[q] = v & ~3u;
		} else if (queue_reg(off, GM_RBQPQ, &q)) {
			if (m->nctrl & GM_NCTRL_RE)
				m->ring_while_enabled++;
			m->rbqp[q] = v & ~3u;
		} else if (queue_reg(off, GM_IERQ, &q)) {
			m->imrq[q] &= ~v;
		} else if (queue_reg(off, GM_IDRQ, &q)) {
			m->imrq[q] |= v & 0xce6;
		} else if (queue_reg(off, GM_ISRQ, &q)) {
			m->bad++;
		} else if (off >= GM_SCR1 && off < GM_SCR1 + 64) {
			m->scr1[(off - GM_SCR1) / 4] = v;
		} else if (off >= GM_SCR2 && off < GM_SCR2 + 64) {
			m->scr2[(off - GM_SCR2) / 4] = v;
		}
		break;
	}
	leave(m);
}

void gem_model_attach(struct gem_model *m, uintptr_t base)
{
	struct fake_device dev = {
		.base = base,
		.size = GM_WINDOW,
		.ctx = m,
		.read = m_read,
		.write = m_write,
	};

	memset(m, 0, sizeof(*m));
	m->base = base;
	/* QEMU 7.2 xlnx-zynqmp: revision 0x40070106, two queues, 64-bit */
	m->mid = 0x40070106;
	m->dcfg1 = 0x02d00111;
	m->dcfg6 = GM_DCFG6_DAW64 | 0x2;
	m->queues = 2;
	m->qemu_rx = true;
	m->ncfg = 0x00080000;
	m->dmacfg = 0x00020784;
	m->imr = 0x07ffffff;
	for (unsigned int q = 1; q < 8; q++)
		m->imrq[q] = 0xce6;
	m->sab[0] = 0x12005452;		/* 52:54:00:12:34:56 */
	m->sat[0] = 0x5634;
	m->phy = (struct gem_phy){
		.present = true, .addr = 23, .bmcr = 0x1140,
		.bmsr_caps = 0x7949, .id1 = 0x0141, .id2 = 0x0cc2,
		.anar = 0x01e1, .lpa = 0xcde1, .ctrl1000 = 0x0300,
		.stat1000 = 0x7c00, .link = true, .an_reads = 3,
	};
	memset(m->babble_frame, 0xff, 6);
	memcpy(m->babble_frame + 6, "\x02\x00\x00\x00\x00\x01\x08\x06", 8);
	fake_mmio_attach(&dev);
}

int gem_model_rx(struct gem_model *m, const void *frame, size_t len)
{
	int ret;

	enter(m);
	ret = rx_frame(m, frame, len);
	leave(m);
	return ret;
}

void gem_model_poll(struct gem_model *m)
{
	enter(m);
	leave(m);
}

/* ---- device trees ---------------------------------------------------------- */

#define PH_ZYNQMP_CLK 1
#define PH_PCLK 2
#define PH_PHY(i) (16 + (i))
#define DT_CHECK(x)                                                           \
	do {                                                                  \
		int _e = (x);                                                 \
		if (_e < 0) {                                                 \
			fprintf(stderr, "gem_model_dtb: %s: %s\n", #x,          \
				fdt_strerror(_e));                            \
			return _e;                                            \
		}                                                             \
	} while (0)

static int dt_reg64(void *fdt, int node, uint64_t base, uint64_t size)
{
	fdt32_t reg[4] = {
		cpu_to_fdt32((uint32_t)(base >> 32)), cpu_to_fdt32((uint32_t)base),
		cpu_to_fdt32((uint32_t)(size >> 32)), cpu_to_fdt32((uint32_t)size),
	};

	return fdt_setprop(fdt, node, "reg", reg, sizeof(reg));
}

static int gem_path(char *buf, size_t n, const struct gm_dt_gem *g)
{
	return snprintf(buf, n, "/axi/ethernet@%lx", (unsigned long)g->base);
}

int gem_model_dtb(void *fdt, int size, const struct gm_dt_gem *gems, int n,
		  int *nodes)
{
	static const char zynqmp[] = "cdns,zynqmp-gem\0cdns,gem";
	int root, axi, node, clk;
	char path[64];

	DT_CHECK(fdt_create_empty_tree(fdt, size));
	root = 0;
	DT_CHECK(fdt_setprop_u32(fdt, root, "#address-cells", 2));
	DT_CHECK(fdt_setprop_u32(fdt, root, "#size-cells", 2));
	DT_CHECK(clk = fdt_add_subnode(fdt, root, "zynqmp-clk"));
	DT_CHECK(fdt_setprop_string(fdt, clk, "compatible", "xlnx,zynqmp-clk"));
	DT_CHECK(fdt_setprop_u32(fdt, clk, "#clock-cells", 1));
	DT_CHECK(fdt_setprop_u32(fdt, clk, "phandle", PH_ZYNQMP_CLK));
	DT_CHECK(axi = fdt_add_subnode(fdt, root, "axi"));
	DT_CHECK(fdt_setprop_u32(fdt, axi, "#address-cells", 2));
	DT_CHECK(fdt_setprop_u32(fdt, axi, "#size-cells", 2));
	DT_CHECK(fdt_setprop(fdt, axi, "ranges", NULL, 0));
	for (int i = 0; i < n; i++) {
		const struct gm_dt_gem *g = &gems[i];

		gem_path(path, sizeof(path), g);
		axi = fdt_path_offset(fdt, "/axi");
		DT_CHECK(node = fdt_add_subnode(fdt, axi, strrchr(path, '/') + 1));
		if (g->compatible)
			DT_CHECK(fdt_setprop_string(fdt, node, "compatible",
						    g->compatible));
		else
			DT_CHECK(fdt_setprop(fdt, node, "compatible", zynqmp,
					     sizeof(zynqmp)));
		if (g->status)
			DT_CHECK(fdt_setprop_string(fdt, node, "status",
						    g->status));
		if (!g->no_reg)
			DT_CHECK(dt_reg64(fdt, node, g->base, GM_WINDOW));
		if (g->mac_address)
			DT_CHECK(fdt_setprop(fdt, node, "mac-address",
					     g->mac_address, 6));
		if (g->local_mac_address)
			DT_CHECK(fdt_setprop(fdt, node, "local-mac-address",
					     g->local_mac_address, 6));
		if (g->pclk_hz) {
			/* clocks = <&zynqmp_clk 31>, <&pclk>: two entries of
			 * different sizes ahead of the walk. */
			fdt32_t c[3] = { cpu_to_fdt32(PH_ZYNQMP_CLK),
					 cpu_to_fdt32(31),
					 cpu_to_fdt32(PH_PCLK + i * 100) };
			int fc;

			DT_CHECK(fdt_setprop(fdt, node, "clocks", c, sizeof(c)));
			DT_CHECK(fdt_setprop(fdt, node, "clock-names",
					     "hclk\0pclk", 10));
			snprintf(path, sizeof(path), "pclk%d", i);
			DT_CHECK(fc = fdt_add_subnode(fdt, 0, path));
			DT_CHECK(fdt_setprop_string(fdt, fc, "compatible",
						    "fixed-clock"));
			DT_CHECK(fdt_setprop_u32(fdt, fc, "#clock-cells", 0));
			DT_CHECK(fdt_setprop_u32(fdt, fc, "clock-frequency",
						 g->pclk_hz));
			DT_CHECK(fdt_setprop_u32(fdt, fc, "phandle",
						 PH_PCLK + i * 100));
		} else {
			fdt32_t c[4] = { cpu_to_fdt32(PH_ZYNQMP_CLK),
					 cpu_to_fdt32(31),
					 cpu_to_fdt32(PH_ZYNQMP_CLK),
					 cpu_to_fdt32(104) };

			DT_CHECK(fdt_setprop(fdt, node, "clocks", c, sizeof(c)));
			DT_CHECK(fdt_setprop(fdt, node, "clock-names",
					     "pclk\0hclk", 10));
		}
		if (g->fixed_speed) {
			int fl;

			DT_CHECK(fl = fdt_add_subnode(fdt, node, "fixed-link"));
			DT_CHECK(fdt_setprop_u32(fdt, fl, "speed",
						 (uint32_t)g->fixed_speed));
			if (g->fixed_full_duplex)
				DT_CHECK(fdt_setprop(fdt, fl, "full-duplex",
						     NULL, 0));
		}
	}
	/* PHY nodes last: they may sit under another GEM's "mdio" node. */
	for (int i = 0; i < n; i++) {
		const struct gm_dt_gem *g = &gems[i];
		int owner, bus, phy;
		char name[32];

		if (g->phy_reg < 0)
			continue;
		gem_path(path, sizeof(path),
			 &gems[g->phy_under >= 0 ? g->phy_under : i]);
		owner = fdt_path_offset(fdt, path);
		bus = owner;
		if (g->phy_under >= 0) {
			bus = fdt_subnode_offset(fdt, owner, "mdio");
			if (bus < 0)
				DT_CHECK(bus = fdt_add_subnode(fdt, owner, "mdio"));
		}
		snprintf(name, sizeof(name), "ethernet-phy@%x", g->phy_reg);
		DT_CHECK(phy = fdt_add_subnode(fdt, bus, name));
		DT_CHECK(fdt_setprop_u32(fdt, phy, "reg", (uint32_t)g->phy_reg));
		DT_CHECK(fdt_setprop_u32(fdt, phy, "phandle", PH_PHY(i)));
		gem_path(path, sizeof(path), g);
		node = fdt_path_offset(fdt, path);
		DT_CHECK(fdt_setprop_u32(fdt, node, "phy-handle", PH_PHY(i)));
	}
	for (int i = 0; i < n; i++) {
		gem_path(path, sizeof(path), &gems[i]);
		DT_CHECK(nodes[i] = fdt_path_offset(fdt, path));
	}
	return 0;
}
