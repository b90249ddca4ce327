// SPDX-License-Identifier: MIT
/*
 * Cadence GEM Ethernet (Zynq UltraScale+ and other "cdns,gem"), polled.
 * Follows the Zynq UltraScale+ Device TRM (UG1085), chapter "Gigabit
 * Ethernet Controller" and the GEM register reference (UG1087); the PHY
 * is driven over MDIO with IEEE 802.3 clause 22 registers.  QEMU's model
 * (hw/net/cadence_gem.c) is what the tests in QEMU run against.
 *
 * DMA memory is ordinary cacheable memory in our image, and the GEM does
 * not snoop caches, so a descriptor ring is written back by whole cache
 * lines.  A line holding a descriptor the controller may still write must
 * never be written back by the CPU, or the controller's write is lost.
 * Hence the rule this file is built on: the CPU writes a ring only one
 * whole line (GEM_LINE bytes, a "group" of descriptors) at a time, and
 * only a line the controller owns no descriptor of.  RX groups go back to
 * the controller once every frame in them has been read; each TX frame
 * fills a group of its own, split over the group's descriptors.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/dma.h"
#include "drivers/mmio.h"
#include "drivers/net/cadence_gem.h"
#include "drivers/timer.h"
#include "fdt/dt.h"
#include "payload/log.h"

/* IEEE 802.3 clause 22.2.4 management registers, and 40.5.1.1 (1000BASE-T). */
#define MII_BMCR 0
#define MII_BMSR 1
#define MII_PHYSID1 2
#define MII_PHYSID2 3
#define MII_ADVERTISE 4
#define MII_LPA 5
#define MII_CTRL1000 9
#define MII_STAT1000 10
#define MII_ADDRS 32
#define BMCR_SPEED1000 BIT(6)	/* speed selection, MSB */
#define BMCR_FULLDPLX BIT(8)
#define BMCR_ANRESTART BIT(9)
#define BMCR_ISOLATE BIT(10)
#define BMCR_PDOWN BIT(11)
#define BMCR_ANENABLE BIT(12)
#define BMCR_SPEED100 BIT(13)	/* speed selection, LSB */
#define BMCR_LOOPBACK BIT(14)
#define BMCR_RESET BIT(15)
#define BMSR_LSTATUS BIT(2)	/* latches low: read twice for "now" */
#define BMSR_ANEGCOMPLETE BIT(5)
#define BMSR_ESTATEN BIT(8)	/* 1000BASE-T registers 9, 10, 15 exist */
#define ADVERTISE_10FULL BIT(6)
#define ADVERTISE_100HALF BIT(7)
#define ADVERTISE_100FULL BIT(8)
#define CTRL1000_1000HALF BIT(8)
#define CTRL1000_1000FULL BIT(9)
#define STAT1000_1000HALF BIT(10)	/* link partner's abilities */
#define STAT1000_1000FULL BIT(11)

/* IEEE 802.3 clause 22.2.2.13: MDC runs at 2.5 MHz at most. */
#define MDC_MAX_HZ 2500000u

#define ETH_ZLEN 60		/* shortest frame without FCS (802.3 §4.4.2) */
#define ETH_HLEN 14

/* More clock specifier cells than any binding uses: a broken DT. */
#define DT_CLOCK_CELLS_MAX 8

/*
 * DMA memory: 8 RX buffers, 4 TX buffers of 1536 bytes (a 1514-byte frame
 * rounded up to the 64-byte unit dma_config counts RX buffers in), the
 * rings and a line of dummy descriptors for the unused priority queues.
 * GEM_LINE is the cache line size every group is built for: Cortex-A53
 * and A72 (ZynqMP, Versal) have 64-byte lines and writeback granules;
 * probe refuses a CPU whose CTR_EL0 says larger.
 */
#define GEM_LINE 64u
#define GEM_BUF_SIZE 1536u
#define GEM_RX_DESCS 8u
#define GEM_TX_GROUPS 4u
#define GEM_DESC_BYTES_32 8u	/* address, control */
#define GEM_DESC_BYTES_64 16u	/* address, control, address high, unused */

struct gem_dma {
	uint8_t rx_buf[GEM_RX_DESCS][GEM_BUF_SIZE];
	uint8_t tx_buf[GEM_TX_GROUPS][GEM_BUF_SIZE];
	uint32_t rx_ring[GEM_RX_DESCS * GEM_DESC_BYTES_64 / 4];
	uint32_t tx_ring[GEM_TX_GROUPS * GEM_LINE / 4];
	uint32_t dummy[GEM_LINE / 4];	/* TX at word 0, RX at word 4 */
} __attribute__((aligned(GEM_LINE)));

_Static_assert(GEM_BUF_SIZE % GEM_DMACFG_RX_BUF_UNIT == 0 &&
		       GEM_BUF_SIZE % GEM_LINE == 0 &&
		       GEM_BUF_SIZE >= NIC_FRAME_MAX,
	       "RX buffers hold one frame and start on a line");
_Static_assert(sizeof(((struct gem_dma *)0)->rx_ring) % GEM_LINE == 0,
	       "the RX ring is whole lines");

struct gem {
	struct nic nic;			/* first: the NIC interface */
	uintptr_t base;
	uintptr_t mdio_base;		/* whose MDIO bus has our PHY */
	int phy;			/* MDIO address, -1: none */
	bool active;
	bool addr64;			/* 64-bit descriptors */
	unsigned int desc_words;	/* 2 or 4 */
	unsigned int group_descs;	/* descriptors per GEM_LINE */
	uint32_t nctrl;			/* network_control, without actions */
	unsigned int rx_head;		/* next RX descriptor to look at */
	unsigned int tx_head, tx_tail, tx_busy;	/* TX groups */
	uint64_t tx_queued_us[GEM_TX_GROUPS];
	uint64_t tx_errors;
	unsigned int speed;		/* Mb/s */
	bool full_duplex;
	bool fixed_link;		/* DT "fixed-link": no PHY to ask */
};

static struct gem gem_state;
/* Laid over the NIC pool (drivers/net/nic.h), shared with other NICs. */
_Static_assert(sizeof(struct gem_dma) <= NIC_DMA_POOL_SIZE &&
		       NIC_DMA_POOL_ALIGN % GEM_LINE == 0,
	       "the GEM's rings and buffers fit the NIC pool");
static inline struct gem_dma *gem_mem(void)
{
	return (struct gem_dma *)nic_dma_pool;
}

/* ---- cache line granule ---------------------------------------------------- */

/*
 * The most bytes one cache write-back may cover: CTR_EL0.CWG, or, when
 * that reads 0 ("not provided"), the data cache line (DminLine); both are
 * log2 of a count of 4-byte words (Arm ARM D19.2.34).  Host builds model
 * a coherent device: no granule to respect beyond our own.
 */
static uint32_t gem_cache_granule(void)
{
#ifdef TINYDUMP_HOST
	return GEM_LINE;
#else
	uint64_t ctr;
	unsigned int cwg, dminline;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	cwg = (ctr >> 24) & 0xf;
	dminline = (ctr >> 16) & 0xf;
	return 4u << (cwg ? cwg : dminline);
#endif
}

/* ---- descriptors ------------------------------------------------------------- */

static volatile uint32_t *rx_desc(const struct gem *g, unsigned int i)
{
	return &gem_mem()->rx_ring[i * g->desc_words];
}

static volatile uint32_t *tx_desc(const struct gem *g, unsigned int group,
				  unsigned int i)
{
	return &gem_mem()->tx_ring[(group * g->group_descs + i) * g->desc_words];
}

static void desc_set_addr(const struct gem *g, volatile uint32_t *d,
			  uint64_t addr, uint32_t low_flags)
{
	d[0] = (uint32_t)addr | low_flags;
	if (g->addr64) {
		d[2] = (uint32_t)(addr >> 32);
		d[3] = 0;
	}
}

/*
 * Give RX group @grp (all its descriptors already read by us) back to the
 * controller: buffers invalidated first so no dirty line of ours lands on
 * a frame later, then the descriptors, then the line cleaned.
 */
static void gem_rx_arm_group(struct gem *g, unsigned int grp)
{
	unsigned int first = grp * g->group_descs;

	for (unsigned int i = first; i < first + g->group_descs; i++) {
		volatile uint32_t *d = rx_desc(g, i);

		dma_from_device(gem_mem()->rx_buf[i], GEM_BUF_SIZE);
		d[1] = 0;
		desc_set_addr(g, d, dma_addr(gem_mem()->rx_buf[i]),
			      i == GEM_RX_DESCS - 1 ? GEM_RXD_WRAP : 0);
	}
	dma_to_device(rx_desc(g, first), GEM_LINE);
}

/* Every TX group software-owned, the last descriptor wrapping. */
static void gem_tx_ring_init(struct gem *g)
{
	for (unsigned int grp = 0; grp < GEM_TX_GROUPS; grp++)
		for (unsigned int i = 0; i < g->group_descs; i++) {
			volatile uint32_t *d = tx_desc(g, grp, i);
			bool last = grp == GEM_TX_GROUPS - 1 &&
				    i == g->group_descs - 1;

			desc_set_addr(g, d, 0, 0);
			d[1] = GEM_TXD_USED | (last ? GEM_TXD_WRAP : 0);
		}
	dma_to_device(gem_mem()->tx_ring, sizeof(gem_mem()->tx_ring));
	g->tx_head = g->tx_tail = g->tx_busy = 0;
}

static void gem_rings_init(struct gem *g)
{
	for (unsigned int grp = 0; grp < GEM_RX_DESCS / g->group_descs; grp++)
		gem_rx_arm_group(g, grp);
	g->rx_head = 0;
	gem_tx_ring_init(g);

	/* Queues we do not use end at once: TX "used", RX software-owned. */
	desc_set_addr(g, &gem_mem()->dummy[0], 0, 0);
	gem_mem()->dummy[1] = GEM_TXD_USED | GEM_TXD_WRAP;
	desc_set_addr(g, &gem_mem()->dummy[4], 0,
		      GEM_RXD_OWNERSHIP | GEM_RXD_WRAP);
	gem_mem()->dummy[5] = 0;
	dma_to_device(gem_mem()->dummy, sizeof(gem_mem()->dummy));
}

/* ---- controller ------------------------------------------------------------- */

static unsigned int gem_queues(uintptr_t base)
{
	uint32_t dcfg6 = mmio_read32(base + GEM_DESIGNCFG_DEBUG6);
	unsigned int n = 1;

	while (n < GEM_QUEUES_MAX && (dcfg6 & GEM_DCFG6_QUEUE_PRESENT(n)))
		n++;
	return n;
}

static bool gem_is_gem(uintptr_t base)
{
	uint32_t id = mmio_read32(base + GEM_MODULE_ID);

	return ((id >> GEM_MODULE_ID_NUMBER_SHIFT) &
		GEM_MODULE_ID_NUMBER_MASK) >= GEM_MODULE_ID_FIRST_GEM;
}

/*
 * Stop whatever the dead kernel left running: clearing network_control's
 * enable_transmit stops transmission at once and returns the TX queue
 * pointer to the ring's base, clearing enable_receive stops reception
 * (UG1087 network_control; QEMU's model does the same).  Then clear the
 * statistics, mask every interrupt of every queue, clear the status
 * bits.  MDIO stays enabled, the board's interface-mode bits are kept.
 * Return: 0, -ETIMEDOUT when transmit_go does not clear.
 */
static int gem_stop(uintptr_t base, uint32_t *nctrl_out)
{
	uint32_t nctrl = (mmio_read32(base + GEM_NETWORK_CONTROL) &
			  GEM_NCTRL_BOARD_BITS) | GEM_NCTRL_MAN_PORT_EN;
	unsigned int queues = gem_queues(base);
	int ret;

	mmio_write32(base + GEM_NETWORK_CONTROL,
		     nctrl | GEM_NCTRL_CLEAR_ALL_STATS_REGS);
	ret = mmio_poll32(base + GEM_TRANSMIT_STATUS, GEM_TSTAT_TRANSMIT_GO, 0,
			  GEM_STOP_TIMEOUT_US);

	/* Status is clear-on-read on ZynqMP, write-1-to-clear elsewhere. */
	mmio_write32(base + GEM_INTERRUPT_DISABLE, ~0u);
	(void)mmio_read32(base + GEM_INTERRUPT_STATUS);
	for (unsigned int q = 1; q < queues; q++) {
		mmio_write32(base + GEM_INT_Q_DISABLE(q), ~0u);
		(void)mmio_read32(base + GEM_INT_Q_STATUS(q));
	}
	mmio_write32(base + GEM_TRANSMIT_STATUS, GEM_TSTAT_CLEAR_ALL);
	mmio_write32(base + GEM_RECEIVE_STATUS, GEM_RSTAT_CLEAR_ALL);
	if (nctrl_out)
		*nctrl_out = nctrl;
	return ret;
}

/*
 * Screeners the dead kernel set (ethtool n-tuple rules) could steer frames
 * to a priority queue we park; none may match.
 */
static void gem_clear_screeners(uintptr_t base)
{
	uint32_t dcfg8 = mmio_read32(base + GEM_DESIGNCFG_DEBUG8);
	unsigned int t1 = MIN((dcfg8 >> GEM_DCFG8_T1SCR_SHIFT) &
				      GEM_DCFG8_SCR_MASK,
			      GEM_SCREENERS_MAX);
	unsigned int t2 = MIN((dcfg8 >> GEM_DCFG8_T2SCR_SHIFT) &
				      GEM_DCFG8_SCR_MASK,
			      GEM_SCREENERS_MAX);

	for (unsigned int i = 0; i < t1; i++)
		mmio_write32(base + GEM_SCREENING_TYPE_1_REGISTER(i), 0);
	for (unsigned int i = 0; i < t2; i++)
		mmio_write32(base + GEM_SCREENING_TYPE_2_REGISTER(i), 0);
}

/* The smallest mdc_clock_division that keeps MDC at 2.5 MHz or below;
 * the largest divider (224: fine up to a 560 MHz pclk) when pclk is unknown. */
static uint32_t gem_mdc_code(uint32_t pclk_hz)
{
	static const uint16_t div[GEM_MDC_DIV_MAX_CODE + 1] = {
		8, 16, 32, 48, 64, 96, 128, 224,
	};

	if (!pclk_hz)
		return GEM_MDC_DIV_MAX_CODE;
	for (uint32_t code = 0; code < GEM_MDC_DIV_MAX_CODE; code++)
		if ((uint64_t)pclk_hz <= (uint64_t)MDC_MAX_HZ * div[code])
			return code;
	return GEM_MDC_DIV_MAX_CODE;
}

static uint32_t gem_dbw(uintptr_t base)
{
	switch ((mmio_read32(base + GEM_DESIGNCFG_DEBUG1) >>
		 GEM_DCFG1_DBWDEF_SHIFT) & GEM_DCFG1_DBWDEF_MASK) {
	case 4:
		return GEM_DBW_128;
	case 2:
		return GEM_DBW_64;
	default:
		return GEM_DBW_32;
	}
}

static uint32_t gem_speed_bits(unsigned int speed, bool full_duplex)
{
	uint32_t v = full_duplex ? GEM_NCFG_FULL_DUPLEX : 0;

	if (speed == 1000)
		v |= GEM_NCFG_GIGABIT_MODE_ENABLE;
	else if (speed == 100)
		v |= GEM_NCFG_SPEED;
	return v;
}

static unsigned int gem_ncfg_speed(uint32_t ncfg)
{
	if (ncfg & GEM_NCFG_GIGABIT_MODE_ENABLE)
		return 1000;
	return ncfg & GEM_NCFG_SPEED ? 100 : 10;
}

/* ---- MDIO and PHY -------------------------------------------------------------- */

static int mdio_wait(uintptr_t mdio)
{
	return mmio_poll32(mdio + GEM_NETWORK_STATUS, GEM_NSTAT_MAN_DONE,
			   GEM_NSTAT_MAN_DONE, GEM_MDIO_TIMEOUT_US);
}

static int mdio_read(uintptr_t mdio, unsigned int phy, unsigned int reg,
		     uint16_t *val)
{
	int ret = mdio_wait(mdio);

	if (ret)
		return ret;
	mmio_write32(mdio + GEM_PHY_MANAGEMENT,
		     GEM_PHYMAN_CLAUSE22 | GEM_PHYMAN_OP_READ |
			     phy << GEM_PHYMAN_PHY_SHIFT |
			     reg << GEM_PHYMAN_REG_SHIFT | GEM_PHYMAN_WRITE10);
	ret = mdio_wait(mdio);
	if (ret)
		return ret;
	*val = mmio_read32(mdio + GEM_PHY_MANAGEMENT) & GEM_PHYMAN_DATA;
	return 0;
}

static int mdio_write(uintptr_t mdio, unsigned int phy, unsigned int reg,
		      uint16_t val)
{
	int ret = mdio_wait(mdio);

	if (ret)
		return ret;
	mmio_write32(mdio + GEM_PHY_MANAGEMENT,
		     GEM_PHYMAN_CLAUSE22 | GEM_PHYMAN_OP_WRITE |
			     phy << GEM_PHYMAN_PHY_SHIFT |
			     reg << GEM_PHYMAN_REG_SHIFT | GEM_PHYMAN_WRITE10 |
			     val);
	return mdio_wait(mdio);
}

/* A PHY answers at @phy: its identifier is neither all ones nor zero. */
static bool phy_present(uintptr_t mdio, unsigned int phy)
{
	uint16_t id1, id2;

	if (mdio_read(mdio, phy, MII_PHYSID1, &id1) ||
	    mdio_read(mdio, phy, MII_PHYSID2, &id2))
		return false;
	return !(id1 == 0xffff && id2 == 0xffff) && !(id1 == 0 && id2 == 0);
}

/* The link state now (BMSR's link bit latches low: the second read). */
static int phy_link(const struct gem *g, bool *up, uint16_t *bmsr)
{
	int ret = mdio_read(g->mdio_base, g->phy, MII_BMSR, bmsr);

	if (!ret)
		ret = mdio_read(g->mdio_base, g->phy, MII_BMSR, bmsr);
	*up = !ret && (*bmsr & BMSR_LSTATUS);
	return ret;
}

/*
 * Speed and duplex of an up link: forced by BMCR, or the best mode both
 * ends advertise (802.3 Annex 28B.3 priority: 1000 full, 1000 half, 100
 * full, 100 half, 10 full, 10 half).
 */
static int phy_resolve(struct gem *g, uint16_t bmsr)
{
	uintptr_t m = g->mdio_base;
	uint16_t bmcr, adv, lpa, ctrl1000 = 0, stat1000 = 0, common;
	int ret = mdio_read(m, g->phy, MII_BMCR, &bmcr);

	if (ret)
		return ret;
	if (!(bmcr & BMCR_ANENABLE)) {
		g->full_duplex = bmcr & BMCR_FULLDPLX;
		g->speed = bmcr & BMCR_SPEED1000 ? 1000
			   : bmcr & BMCR_SPEED100 ? 100 : 10;
		return 0;
	}
	if (bmsr & BMSR_ESTATEN) {
		ret = mdio_read(m, g->phy, MII_CTRL1000, &ctrl1000);
		if (!ret)
			ret = mdio_read(m, g->phy, MII_STAT1000, &stat1000);
		if (ret)
			return ret;
		if ((ctrl1000 & CTRL1000_1000FULL) &&
		    (stat1000 & STAT1000_1000FULL)) {
			g->speed = 1000;
			g->full_duplex = true;
			return 0;
		}
		if ((ctrl1000 & CTRL1000_1000HALF) &&
		    (stat1000 & STAT1000_1000HALF)) {
			g->speed = 1000;
			g->full_duplex = false;
			return 0;
		}
	}
	ret = mdio_read(m, g->phy, MII_ADVERTISE, &adv);
	if (!ret)
		ret = mdio_read(m, g->phy, MII_LPA, &lpa);
	if (ret)
		return ret;
	common = adv & lpa;
	g->speed = common & (ADVERTISE_100FULL | ADVERTISE_100HALF) ? 100 : 10;
	g->full_duplex = common & ADVERTISE_100FULL ||
			 (g->speed == 10 && (common & ADVERTISE_10FULL));
	return 0;
}

/*
 * Use the link the dead kernel left up; when it is down, restart clause 22
 * auto-negotiation and wait for it, at most GEM_LINK_TIMEOUT_US.
 * Return: 0 (g->nic.link_up says whether it came up), -ETIMEDOUT when
 * MDIO itself does not answer.
 */
static int phy_start(struct gem *g)
{
	uint16_t bmsr, bmcr;
	bool up;
	uint64_t deadline;
	int ret = phy_link(g, &up, &bmsr);

	if (ret)
		return ret;
	if (!up) {
		log_printf("gem %s: link down, restarting auto-negotiation\n",
			   g->nic.name);
		ret = mdio_read(g->mdio_base, g->phy, MII_BMCR, &bmcr);
		if (ret)
			return ret;
		bmcr &= ~(BMCR_RESET | BMCR_LOOPBACK | BMCR_PDOWN |
			  BMCR_ISOLATE);
		ret = mdio_write(g->mdio_base, g->phy, MII_BMCR,
				 bmcr | BMCR_ANENABLE | BMCR_ANRESTART);
		if (ret)
			return ret;
		deadline = timer_now_us() + GEM_LINK_TIMEOUT_US;
		for (;;) {
			ret = phy_link(g, &up, &bmsr);
			if (ret)
				return ret;
			if (up && (bmsr & BMSR_ANEGCOMPLETE))
				break;
			if (timer_now_us() > deadline)
				break;
			timer_delay_us(GEM_LINK_POLL_US);
		}
	}
	g->nic.link_up = up;
	if (!up) {
		log_printf("gem %s: no link after %u ms\n", g->nic.name,
			   GEM_LINK_TIMEOUT_US / 1000);
		return 0;
	}
	return phy_resolve(g, bmsr);
}

/* ---- NIC operations -------------------------------------------------------- */

static struct gem *to_gem(struct nic *n)
{
	return (struct gem *)n;
}

static void gem_tx_start(struct gem *g)
{
	mmio_write32(g->base + GEM_NETWORK_CONTROL,
		     g->nctrl | GEM_NCTRL_TX_START_PCLK);
}

/*
 * Take back every TX group the controller has finished with.  Then, if
 * frames are still queued but the transmitter has stopped, start it
 * again: a controller that prefetches descriptors (ZynqMP reads ahead)
 * may have read a group's first descriptor as "used" just before we
 * queued it, and stopped there while our tx_start found it busy.
 */
static void gem_tx_reclaim(struct gem *g)
{
	while (g->tx_busy) {
		volatile uint32_t *d = tx_desc(g, g->tx_tail, 0);
		uint32_t ctrl;

		dma_from_device(d, GEM_LINE);
		ctrl = d[1];
		if (!(ctrl & GEM_TXD_USED))
			break;
		if (ctrl & GEM_TXD_ERRORS) {
			if (!g->tx_errors)
				log_printf("gem %s: transmit error 0x%08x\n",
					   g->nic.name, (unsigned int)ctrl);
			g->tx_errors++;
		}
		g->tx_tail = (g->tx_tail + 1) % GEM_TX_GROUPS;
		g->tx_busy--;
	}
	if (g->tx_busy && !(mmio_read32(g->base + GEM_TRANSMIT_STATUS) &
			    GEM_TSTAT_TRANSMIT_GO))
		gem_tx_start(g);
}

/*
 * A frame queued GEM_TX_TIMEOUT_US ago and still not sent: the transmitter
 * is stuck.  Disabling it drops what it holds and resets its queue pointer
 * to the ring's base (as in gem_stop()), so the ring starts afresh.
 */
static void gem_tx_restart(struct gem *g)
{
	log_printf("gem %s: transmitter stuck, restarting it\n", g->nic.name);
	mmio_write32(g->base + GEM_NETWORK_CONTROL,
		     g->nctrl & ~GEM_NCTRL_ENABLE_TRANSMIT);
	gem_tx_ring_init(g);
	mmio_write32(g->base + GEM_TRANSMIT_STATUS, GEM_TSTAT_CLEAR_ALL);
	mmio_write32(g->base + GEM_NETWORK_CONTROL, g->nctrl);
}

_Static_assert(ETH_ZLEN >= GEM_LINE / GEM_DESC_BYTES_32,
	       "a padded frame has a byte for every descriptor of a group");

static int gem_send(struct nic *n, const void *frame, size_t len)
{
	struct gem *g = to_gem(n);
	unsigned int grp, frags, chunk, padded;
	uint8_t *buf;

	if (!g->active)
		return -EIO;
	if (!frame || len < ETH_HLEN || len > NIC_FRAME_MAX)
		return -EINVAL;
	gem_tx_reclaim(g);
	if (g->tx_busy == GEM_TX_GROUPS) {
		if (timer_now_us() - g->tx_queued_us[g->tx_tail] >
		    GEM_TX_TIMEOUT_US) {
			gem_tx_restart(g);
			return -EIO;
		}
		return -EAGAIN;
	}

	grp = g->tx_head;
	buf = gem_mem()->tx_buf[grp];
	padded = (unsigned int)MAX(len, (size_t)ETH_ZLEN);
	memcpy(buf, frame, len);
	memset(buf + len, 0, padded - len);
	dma_to_device(buf, padded);

	/*
	 * The frame is split over all of its group's descriptors, so the
	 * whole line is this frame's (file comment).  Descriptors 1.. go
	 * out first while descriptor 0 still says "used": a controller
	 * stopped there cannot see a half-written frame.
	 */
	frags = g->group_descs;
	chunk = padded / frags;
	for (unsigned int i = frags - 1; i > 0; i--) {
		volatile uint32_t *d = tx_desc(g, grp, i);
		bool last = i == frags - 1;
		uint32_t size = last ? padded - chunk * i : chunk;

		desc_set_addr(g, d, dma_addr(buf + chunk * i), 0);
		d[1] = size | (last ? GEM_TXD_LAST : 0) |
		       (last && grp == GEM_TX_GROUPS - 1 ? GEM_TXD_WRAP : 0);
	}
	dma_to_device(tx_desc(g, grp, 0), GEM_LINE);
	desc_set_addr(g, tx_desc(g, grp, 0), dma_addr(buf), 0);
	tx_desc(g, grp, 0)[1] = chunk;
	dma_to_device(tx_desc(g, grp, 0), GEM_LINE);

	g->tx_queued_us[grp] = timer_now_us();
	g->tx_head = (grp + 1) % GEM_TX_GROUPS;
	g->tx_busy++;
	n->tx_frames++;
	gem_tx_start(g);
	return 0;
}

/*
 * The controller found no free RX descriptor (buffer_not_available): now
 * that we freed some, rewrite network_control.  Hardware retries on the
 * next frame anyway; QEMU's model only looks at the ring again on such a
 * write (hw/net/cadence_gem.c gem_write(), NWCTRL) and holds frames till
 * then.
 */
static void gem_rx_kick(struct gem *g)
{
	if (mmio_read32(g->base + GEM_RECEIVE_STATUS) &
	    GEM_RSTAT_BUFFER_NOT_AVAILABLE) {
		mmio_write32(g->base + GEM_RECEIVE_STATUS,
			     GEM_RSTAT_BUFFER_NOT_AVAILABLE);
		mmio_write32(g->base + GEM_NETWORK_CONTROL, g->nctrl);
	}
}

/* We are done with descriptor rx_head: step on, rearm its group if whole. */
static void gem_rx_advance(struct gem *g)
{
	unsigned int i = g->rx_head;

	g->rx_head = (i + 1) % GEM_RX_DESCS;
	if ((i + 1) % g->group_descs == 0) {
		gem_rx_arm_group(g, i / g->group_descs);
		gem_rx_kick(g);
	}
}

static int gem_recv(struct nic *n, void *out, size_t cap)
{
	struct gem *g = to_gem(n);

	if (!g->active)
		return -EIO;
	if (!out || cap < NIC_FRAME_MAX)
		return -EINVAL;
	if (g->tx_busy)
		gem_tx_reclaim(g);
	/* At most one lap: each frame we cannot take costs a step. */
	for (unsigned int steps = 0; steps < GEM_RX_DESCS; steps++) {
		unsigned int i = g->rx_head;
		volatile uint32_t *d = rx_desc(g, i);
		uint32_t ctrl;
		size_t len;

		dma_from_device(d, g->desc_words * 4);
		if (!(d[0] & GEM_RXD_OWNERSHIP))
			return 0;
		ctrl = d[1];
		len = ctrl & GEM_RXD_LENGTH;
		if ((ctrl & GEM_RXD_SOF) && (ctrl & GEM_RXD_EOF) &&
		    len >= ETH_HLEN && len <= cap && len <= GEM_BUF_SIZE) {
			dma_from_device(gem_mem()->rx_buf[i], len);
			memcpy(out, gem_mem()->rx_buf[i], len);
			n->rx_frames++;
			gem_rx_advance(g);
			return (int)len;
		}
		/*
		 * Spread over several buffers (longer than a buffer: only with
		 * jumbo frames, which we never enable) or of a length we
		 * cannot pass on: dropped, counted once, at its last buffer.
		 */
		if (ctrl & GEM_RXD_EOF)
			n->rx_dropped++;
		gem_rx_advance(g);
	}
	return 0;
}

static void gem_shutdown(struct nic *n)
{
	struct gem *g = to_gem(n);

	if (!g->active)
		return;
	(void)gem_stop(g->base, NULL);
	g->active = false;
}

static const struct nic_ops gem_ops = {
	.send = gem_send,
	.recv = gem_recv,
	.shutdown = gem_shutdown,
};

/* ---- MAC address -------------------------------------------------------------- */

static bool mac_valid(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	return !(mac[0] & 1) && memcmp(mac, zero, ETH_ALEN);
}

/*
 * DT "mac-address" (what a bootloader last used) or "local-mac-address";
 * else the address the dead kernel left in spec_add1; else a locally
 * administered one, 02:74:64 ("td") and bits 39..16 of the register base,
 * stable across runs and distinct per controller.
 */
static const char *gem_pick_mac(const void *fdt, int node, uintptr_t base,
				uint8_t *mac)
{
	static const char *const props[] = { "mac-address",
					     "local-mac-address" };
	uint32_t lo, hi;

	for (unsigned int i = 0; i < ARRAY_SIZE(props); i++) {
		int len;
		const uint8_t *p = fdt_getprop(fdt, node, props[i], &len);

		if (p && len == ETH_ALEN && mac_valid(p)) {
			memcpy(mac, p, ETH_ALEN);
			return props[i];
		}
	}
	lo = mmio_read32(base + GEM_SPEC_ADD_BOTTOM(1));
	hi = mmio_read32(base + GEM_SPEC_ADD_TOP(1));
	for (unsigned int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	if (mac_valid(mac))
		return "spec_add1";
	mac[0] = 0x02;
	mac[1] = 't';
	mac[2] = 'd';
	mac[3] = (uint8_t)((uint64_t)base >> 32);
	mac[4] = (uint8_t)(base >> 24);
	mac[5] = (uint8_t)(base >> 16);
	return "generated";
}

/* Ours in spec_add1 (top written last: it arms the filter), 2-4 off. */
static void gem_set_mac(uintptr_t base, const uint8_t *mac)
{
	mmio_write32(base + GEM_HASH_BOTTOM, 0);
	mmio_write32(base + GEM_HASH_TOP, 0);
	for (unsigned int n = 2; n <= GEM_SPEC_ADDS; n++)
		mmio_write32(base + GEM_SPEC_ADD_BOTTOM(n), 0);
	mmio_write32(base + GEM_SPEC_ADD_BOTTOM(1),
		     (uint32_t)mac[0] | (uint32_t)mac[1] << 8 |
			     (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24);
	mmio_write32(base + GEM_SPEC_ADD_TOP(1),
		     (uint32_t)mac[4] | (uint32_t)mac[5] << 8);
}

/* ---- device tree -------------------------------------------------------------- */

static const struct fdt_match gem_matches[] = {
	{ .compatible = "cdns,zynqmp-gem" },
	{ .compatible = "cdns,gem" },
	{ .compatible = "cdns,macb" },
	{ 0 },
};

/*
 * pclk's rate when the DT gives it plainly: the "pclk" entry of "clocks"
 * is a "fixed-clock" with "clock-frequency".  Return 0 when unknown (e.g.
 * ZynqMP's firmware clock controller).
 */
static uint32_t gem_dt_pclk(const void *fdt, int node)
{
	int idx = fdt_stringlist_search(fdt, node, "clock-names", "pclk");
	int len, pos = 0;
	const fdt32_t *cells = fdt_getprop(fdt, node, "clocks", &len);
	int ncells = cells && len > 0 ? len / 4 : 0;

	if (idx < 0)
		return 0;
	for (int entry = 0; pos < ncells; entry++) {
		int prov = fdt_node_offset_by_phandle(fdt, fdt32_ld(&cells[pos]));
		uint32_t args = 0, hz;
		int r = prov < 0 ? -EINVAL
				 : dt_prop_u32(fdt, prov, "#clock-cells", &args);

		/* #clock-cells may be absent (0); a bad one ends the walk. */
		if ((r && r != -ENOENT) || args > DT_CLOCK_CELLS_MAX)
			return 0;
		if (entry == idx) {
			if (fdt_node_check_compatible(fdt, prov,
						      "fixed-clock") == 0 &&
			    dt_prop_u32(fdt, prov, "clock-frequency", &hz) == 0)
				return hz;
			return 0;
		}
		pos += 1 + (int)args;
	}
	return 0;
}

/*
 * "fixed-link" (Linux Documentation/devicetree/bindings/net/
 * ethernet-controller.yaml): a subnode with "speed" and "full-duplex", or
 * the legacy <id duplex speed pause asym-pause>.  Only speeds the MAC's
 * network_config can express (10, 100, 1000) count.
 */
static bool gem_dt_fixed_link(const void *fdt, int node, struct gem *g)
{
	int sub = fdt_subnode_offset(fdt, node, "fixed-link");
	int len;
	const fdt32_t *legacy = fdt_getprop(fdt, node, "fixed-link", &len);
	uint32_t speed;
	bool full;

	if (sub >= 0) {
		if (dt_prop_u32(fdt, sub, "speed", &speed))
			return false;
		full = fdt_getprop(fdt, sub, "full-duplex", NULL);
	} else if (legacy && len == 5 * 4) {
		full = fdt32_ld(&legacy[1]);
		speed = fdt32_ld(&legacy[2]);
	} else {
		return false;
	}
	if (speed != 10 && speed != 100 && speed != 1000)
		return false;
	g->speed = speed;
	g->full_duplex = full;
	return true;
}

/*
 * The PHY "phy-handle" (or the older "phy") points to: its "reg" is the
 * MDIO address; the bus is that of the GEM it sits under (directly or in
 * an "mdio" child), which on boards such as the ZCU1751 DC4 is another
 * GEM's.  Return: the address, or -1 with *mdio untouched.
 */
static int gem_dt_phy(const struct dev_env *env, int node, uintptr_t *mdio)
{
	const void *fdt = env->fdt;
	int len, phy, owner;
	const fdt32_t *ph = fdt_getprop(fdt, node, "phy-handle", &len);
	uint32_t reg;
	uint64_t base, size;

	if (!ph)
		ph = fdt_getprop(fdt, node, "phy", &len);
	if (!ph || len != 4)
		return -1;
	phy = fdt_node_offset_by_phandle(fdt, fdt32_ld(ph));
	if (phy < 0 || dt_prop_u32(fdt, phy, "reg", &reg) || reg >= MII_ADDRS)
		return -1;
	owner = fdt_parent_offset(fdt, phy);
	if (owner >= 0 && !fdt_match_node(fdt, owner, gem_matches))
		owner = fdt_parent_offset(fdt, owner);	/* in an "mdio" node */
	if (owner < 0 || !fdt_match_node(fdt, owner, gem_matches))
		return -1;
	if (owner != node) {
		if (dt_reg(fdt, owner, 0, &base, &size) ||
		    dev_map(env, base, MAX(size, (uint64_t)GEM_WINDOW)))
			return -1;
		*mdio = (uintptr_t)base;
	}
	return (int)reg;
}

/* Every DMA address fits what the controller can address (see probe). */
static int gem_check_dma(const struct gem *g)
{
	uint64_t lo = dma_addr(gem_mem()), hi = lo + sizeof(struct gem_dma) - 1;

	if (!g->addr64 && hi >> 32) {
		log_printf("gem %s: 32-bit DMA cannot reach our buffers at "
			   "0x%llx\n", g->nic.name, (unsigned long long)lo);
		return -ENOTSUP;
	}
	/* One upper-address register serves every queue's ring. */
	if (g->addr64 && dma_addr(gem_mem()->rx_ring) >> 32 !=
				 dma_addr(&gem_mem()->dummy[GEM_LINE / 4 - 1]) >> 32) {
		log_printf("gem %s: rings straddle a 4 GiB boundary\n",
			   g->nic.name);
		return -ENOTSUP;
	}
	return 0;
}

static void gem_set_queues(const struct gem *g, unsigned int queues)
{
	uintptr_t b = g->base;

	if (g->addr64) {
		mmio_write32(b + GEM_UPPER_TX_Q_BASE_ADDR,
			     (uint32_t)(dma_addr(gem_mem()->tx_ring) >> 32));
		mmio_write32(b + GEM_UPPER_RX_Q_BASE_ADDR,
			     (uint32_t)(dma_addr(gem_mem()->rx_ring) >> 32));
	}
	mmio_write32(b + GEM_RECEIVE_Q_PTR, (uint32_t)dma_addr(gem_mem()->rx_ring));
	mmio_write32(b + GEM_TRANSMIT_Q_PTR, (uint32_t)dma_addr(gem_mem()->tx_ring));
	for (unsigned int q = 1; q < queues; q++) {
		mmio_write32(b + GEM_TRANSMIT_Q_PTR_N(q),
			     (uint32_t)dma_addr(&gem_mem()->dummy[0]));
		mmio_write32(b + GEM_RECEIVE_Q_PTR_N(q),
			     (uint32_t)dma_addr(&gem_mem()->dummy[4]));
	}
}

/*
 * Find the PHY and get MDIO going: our divider set (the controller is
 * stopped, network_config is ours to write); the PHY the DT names, on
 * whichever GEM's bus it sits (that GEM's management port enabled, its
 * divider left as the dead kernel set it); else the first PHY answering
 * on our own bus.  g->phy = -1 when there is none or a fixed link.
 */
static void gem_find_phy(struct gem *g, const struct dev_env *env, int node,
			 uint32_t old_ncfg, uint32_t pclk)
{
	uintptr_t mdio = g->base;
	int phy;

	mmio_write32(g->base + GEM_NETWORK_CONFIG,
		     (old_ncfg & ~GEM_NCFG_MDC_CLOCK_DIVISION) |
			     gem_mdc_code(pclk) << GEM_NCFG_MDC_SHIFT);
	g->mdio_base = g->base;
	g->phy = -1;
	if (g->fixed_link)
		return;
	phy = gem_dt_phy(env, node, &mdio);
	if (phy >= 0 && mdio != g->base)
		mmio_write32(mdio + GEM_NETWORK_CONTROL,
			     mmio_read32(mdio + GEM_NETWORK_CONTROL) |
				     GEM_NCTRL_MAN_PORT_EN);
	if (phy >= 0 && phy_present(mdio, (unsigned int)phy)) {
		g->mdio_base = mdio;
		g->phy = phy;
		return;
	}
	if (phy >= 0)
		log_printf("gem %s: no PHY at MDIO address %d, scanning\n",
			   g->nic.name, phy);
	/* Our own bus only: a shared bus holds other GEMs' PHYs too. */
	for (unsigned int a = 0; a < MII_ADDRS; a++)
		if (phy_present(g->base, a)) {
			g->phy = (int)a;
			return;
		}
}

/* Link, speed and duplex: from the PHY, the DT's fixed link, or kept. */
static int gem_link(struct gem *g, uint32_t old_ncfg, bool was_running)
{
	int ret;

	if (g->fixed_link) {
		g->nic.link_up = true;
	} else if (g->phy < 0) {
		g->speed = gem_ncfg_speed(old_ncfg);
		g->full_duplex = old_ncfg & GEM_NCFG_FULL_DUPLEX;
		g->nic.link_up = true;
		log_printf("gem %s: no PHY on MDIO, keeping %u Mb/s and "
			   "assuming the link is up\n", g->nic.name, g->speed);
	} else {
		ret = phy_start(g);
		if (ret) {
			log_printf("gem %s: MDIO to PHY %d failed (%d)\n",
				   g->nic.name, g->phy, ret);
			return ret;
		}
	}
	if (g->nic.link_up && was_running &&
	    g->speed != gem_ncfg_speed(old_ncfg))
		log_printf("gem %s: link at %u Mb/s, the dead kernel ran at "
			   "%u: its TX clock may not suit\n", g->nic.name,
			   g->speed, gem_ncfg_speed(old_ncfg));
	return 0;
}

/*
 * Bring the stopped controller up on our rings: DMA configuration, queue
 * pointers, MAC, network_config, then enable.
 */
static void gem_start(struct gem *g, const void *fdt, int node,
		      uint32_t old_ncfg, uint32_t pclk)
{
	uint32_t burst, dmacfg, ncfg;
	const char *mac_from;

	gem_clear_screeners(g->base);
	gem_rings_init(g);
	burst = mmio_read32(g->base + GEM_DMA_CONFIG) &
		GEM_DMACFG_AMBA_BURST_LENGTH;
	/* Little-endian descriptors and data, no checksum offload, no
	 * extended (timestamp) descriptors, full packet buffers. */
	dmacfg = (burst ? burst : GEM_DMACFG_BURST_INCR4) |
		 GEM_DMACFG_RX_PBUF_SIZE | GEM_DMACFG_TX_PBUF_SIZE |
		 (GEM_BUF_SIZE / GEM_DMACFG_RX_BUF_UNIT)
			 << GEM_DMACFG_RX_BUF_SIZE_SHIFT |
		 (g->addr64 ? GEM_DMACFG_DMA_ADDR_BUS_WIDTH : 0);
	mmio_write32(g->base + GEM_DMA_CONFIG, dmacfg);
	gem_set_queues(g, gem_queues(g->base));

	mac_from = gem_pick_mac(fdt, node, g->base, g->nic.mac);
	gem_set_mac(g->base, g->nic.mac);

	/* Only our address and broadcast (copy_all_frames, hashes off), FCS
	 * removed, pause frames obeyed, receive checksum offload off. */
	ncfg = (old_ncfg & GEM_NCFG_BOARD_BITS) | GEM_NCFG_FCS_REMOVE |
	       GEM_NCFG_PAUSE_ENABLE | gem_mdc_code(pclk) << GEM_NCFG_MDC_SHIFT |
	       gem_dbw(g->base) << GEM_NCFG_DBW_SHIFT |
	       gem_speed_bits(g->speed, g->full_duplex);
	mmio_write32(g->base + GEM_NETWORK_CONFIG, ncfg);

	g->nctrl |= GEM_NCTRL_ENABLE_TRANSMIT | GEM_NCTRL_ENABLE_RECEIVE;
	mmio_write32(g->base + GEM_NETWORK_CONTROL, g->nctrl);
	g->active = true;
	log_printf("gem %s: %02x:%02x:%02x:%02x:%02x:%02x (%s), link %s, "
		   "%u Mb/s %s duplex, %s descriptors\n", g->nic.name,
		   g->nic.mac[0], g->nic.mac[1], g->nic.mac[2], g->nic.mac[3],
		   g->nic.mac[4], g->nic.mac[5], mac_from,
		   g->nic.link_up ? "up" : "down", g->speed,
		   g->full_duplex ? "full" : "half",
		   g->addr64 ? "64-bit" : "32-bit");
}

/*
 * Probe: stop the controller first (the rings the dead kernel left must
 * stop being used), then run it on our own rings.
 * Return: 0; -ENODEV (not available, no "reg"), -ENOTSUP (a MACB, a cache
 * line we are not built for, buffers out of DMA reach), -EBUSY (another
 * GEM is up), -ETIMEDOUT/-EIO (the controller or MDIO does not answer).
 */
static int gem_probe(const struct dev_env *env, int node,
		     const void *match_data, struct nic **out)
{
	struct gem *g = &gem_state;
	const void *fdt = env ? env->fdt : NULL;
	uint64_t base, size;
	uint32_t old_nctrl, old_ncfg, granule, pclk;
	int ret;

	(void)match_data;
	if (!fdt || !out || node < 0)
		return -EINVAL;
	if (!dt_node_is_available(fdt, node) ||
	    dt_reg(fdt, node, 0, &base, &size))
		return -ENODEV;
	if (g->active)
		return -EBUSY;
	ret = dev_map(env, base, MAX(size, (uint64_t)GEM_WINDOW));
	if (ret)
		return ret;

	memset(g, 0, sizeof(*g));
	g->nic.ops = &gem_ops;
	g->nic.driver = gem_driver.name;
	if (fdt_get_path(fdt, node, g->nic.name, sizeof(g->nic.name)))
		strcpy(g->nic.name, "?");
	g->base = (uintptr_t)base;
	if (!gem_is_gem(g->base)) {
		log_printf("gem %s: a 10/100 MACB (module_id 0x%08x), not a "
			   "GEM: not supported\n", g->nic.name,
			   (unsigned int)mmio_read32(g->base + GEM_MODULE_ID));
		return -ENOTSUP;
	}

	old_nctrl = mmio_read32(g->base + GEM_NETWORK_CONTROL);
	old_ncfg = mmio_read32(g->base + GEM_NETWORK_CONFIG);
	ret = gem_stop(g->base, &g->nctrl);
	if (ret) {
		log_printf("gem %s: transmitter does not stop\n", g->nic.name);
		return ret;
	}

	granule = gem_cache_granule();
	if (granule > GEM_LINE) {
		log_printf("gem %s: cache write-back granule %u > %u bytes\n",
			   g->nic.name, (unsigned int)granule, GEM_LINE);
		return -ENOTSUP;
	}
	g->addr64 = mmio_read32(g->base + GEM_DESIGNCFG_DEBUG6) &
		    GEM_DCFG6_DMA_ADDR_64;
	g->desc_words = (g->addr64 ? GEM_DESC_BYTES_64 : GEM_DESC_BYTES_32) / 4;
	g->group_descs = GEM_LINE / (g->desc_words * 4);
	ret = gem_check_dma(g);
	if (ret)
		return ret;

	pclk = gem_dt_pclk(fdt, node);
	g->fixed_link = gem_dt_fixed_link(fdt, node, g);
	gem_find_phy(g, env, node, old_ncfg, pclk);
	ret = gem_link(g, old_ncfg,
		       old_nctrl & (GEM_NCTRL_ENABLE_TRANSMIT |
				    GEM_NCTRL_ENABLE_RECEIVE));
	if (ret)
		return ret;
	gem_start(g, fdt, node, old_ncfg, pclk);
	*out = &g->nic;
	return 0;
}

const struct nic_driver gem_driver = {
	.name = "gem",
	.matches = gem_matches,
	.probe = gem_probe,
};

int gem_quiesce_all(const struct dev_env *env)
{
	const void *fdt = env ? env->fdt : NULL;
	int count = 0, node = -1;
	uint64_t base, size;

	if (!fdt)
		return 0;
	while ((node = fdt_next_node(fdt, node, NULL)) >= 0) {
		if (!fdt_match_node(fdt, node, gem_matches) ||
		    !dt_node_is_available(fdt, node) ||
		    dt_reg(fdt, node, 0, &base, &size) ||
		    dev_map(env, base, MAX(size, (uint64_t)GEM_WINDOW)) ||
		    !gem_is_gem((uintptr_t)base))
			continue;
		(void)gem_stop((uintptr_t)base, NULL);
		if (gem_state.active && gem_state.base == (uintptr_t)base)
			gem_state.active = false;
		count++;
	}
	return count;
}
