/* SPDX-License-Identifier: MIT */
/*
 * A register model of the Cadence GEM for driver unit tests, on
 * tests/unit/fake_mmio.c.  It processes descriptor rings in host memory
 * (a DMA address is a host pointer; 32-bit mode keeps only the low half),
 * behaves like QEMU 7.2's hw/net/cadence_gem.c where that matters (RX
 * waits for a network_control write after running out of descriptors,
 * TX completes synchronously unless told to hold frames), and carries a
 * clause 22 PHY on its MDIO bus.  Offsets and bits are written out here
 * from UG1087 and QEMU, not taken from the driver's header.
 *
 * Besides the function it counts what a driver must never do: touch an
 * unmodelled register, install rings while the DMA runs, DMA into the dead
 * kernel's rings after the first network_control write, malformed MDIO
 * frames, MDC above 2.5 MHz, and a CPU write to a descriptor cache line
 * (64 bytes) while the controller owned a descriptor in it.
 */
#ifndef TINYDUMP_TESTS_GEM_MODEL_H
#define TINYDUMP_TESTS_GEM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_WINDOW 0x1000
#define GM_FRAME_MAX 2048
#define GM_LOG_FRAMES 16
#define GM_PENDING 32
#define GM_RING_MAX 64
#define GM_LINE 64

/* Register offsets (UG1087 GEM) and the bits the tests look at. */
enum {
	GM_NCTRL = 0x000, GM_NCFG = 0x004, GM_NSR = 0x008, GM_DMACFG = 0x010,
	GM_TSR = 0x014, GM_RBQP = 0x018, GM_TBQP = 0x01c, GM_RSR = 0x020,
	GM_ISR = 0x024, GM_IER = 0x028, GM_IDR = 0x02c, GM_IMR = 0x030,
	GM_MAN = 0x034, GM_HRB = 0x080, GM_HRT = 0x084, GM_SA1B = 0x088,
	GM_MID = 0x0fc, GM_DCFG1 = 0x280, GM_DCFG6 = 0x294, GM_DCFG8 = 0x29c,
	GM_ISRQ = 0x400, GM_TBQPQ = 0x440, GM_RBQPQ = 0x480, GM_TBQPH = 0x4c8,
	GM_RBQPH = 0x4d4, GM_SCR1 = 0x500, GM_SCR2 = 0x540, GM_IERQ = 0x600,
	GM_IDRQ = 0x620, GM_IMRQ = 0x640,
};
#define GM_NCTRL_LOOPBACK 0x002
#define GM_NCTRL_RE 0x004
#define GM_NCTRL_TE 0x008
#define GM_NCTRL_MPE 0x010
#define GM_NCTRL_CLRSTAT 0x020
#define GM_NCTRL_TSTART 0x200
#define GM_NCTRL_THALT 0x400
#define GM_NCFG_SPD 0x00000001
#define GM_NCFG_FD 0x00000002
#define GM_NCFG_CAF 0x00000010
#define GM_NCFG_NBC 0x00000020
#define GM_NCFG_MTI 0x00000040
#define GM_NCFG_UNI 0x00000080
#define GM_NCFG_GBE 0x00000400
#define GM_NCFG_PCSSEL 0x00000800
#define GM_NCFG_RBOF 0x0000c000
#define GM_NCFG_DRFCS 0x00020000
#define GM_NCFG_CLK_SHIFT 18
#define GM_NCFG_DBW_SHIFT 21
#define GM_NCFG_RXCOEN 0x01000000
#define GM_NCFG_SGMII 0x08000000
#define GM_DMACFG_RXBS_SHIFT 16
#define GM_DMACFG_RXEXT 0x10000000
#define GM_DMACFG_TXEXT 0x20000000
#define GM_DMACFG_ADDR64 0x40000000
#define GM_DMACFG_ENDIAN 0x000000c0
#define GM_DMACFG_TXCOEN 0x00000800
#define GM_TSR_UBR 0x001
#define GM_TSR_TGO 0x008
#define GM_TSR_COMP 0x020
#define GM_RSR_BNA 0x001
#define GM_RSR_REC 0x002
#define GM_DCFG6_DAW64 0x00800000
/* Descriptor bits (UG1085 buffer descriptor tables). */
#define GM_RX_OWN 0x00000001
#define GM_RX_WRAP 0x00000002
#define GM_RX_SOF 0x00004000
#define GM_RX_EOF 0x00008000
#define GM_TX_LAST 0x00008000
#define GM_TX_WRAP 0x40000000
#define GM_TX_USED 0x80000000u

/* Clause 22 registers of the model PHY. */
enum { GM_BMCR, GM_BMSR, GM_ID1, GM_ID2, GM_ANAR, GM_LPA, GM_CTRL1000 = 9,
       GM_STAT1000 = 10, GM_ESTATUS = 15 };

struct gem_phy {
	bool present;
	unsigned int addr;
	uint16_t bmcr, bmsr_caps, id1, id2, anar, lpa, ctrl1000, stat1000;
	bool link;
	bool latched_low;	/* link dropped since the last BMSR read */
	/* After an auto-negotiation restart the link comes up after this
	 * many BMSR reads; never when an_never. */
	unsigned int an_reads;
	bool an_never;
	unsigned int an_countdown;
	bool an_running;
	unsigned int resets, an_restarts, reads, writes;
};

struct gem_model {
	uintptr_t base;
	/* design: QEMU 7.2's ZynqMP GEM unless a test changes it */
	uint32_t mid, dcfg1, dcfg6, dcfg8;
	unsigned int queues;		/* from dcfg6 at attach */
	uint32_t pclk_hz;		/* for the MDC check */
	/* behaviour */
	bool qemu_rx;			/* hold RX until an NWCTRL write */
	bool loopback;			/* the wire brings TX frames back */
	bool tx_hold;			/* frames stay in flight (TGO set) */
	bool tgo_stuck;			/* transmit_go never clears */
	unsigned int mdio_busy_reads;	/* NSR reads before man_done */
	bool mdio_stuck;
	unsigned int mdio_ok_ops;	/* > 0: MDIO sticks after this many */
	/* The next this many tx_start writes find the transmitter as a
	 * descriptor prefetch left it: stopped on a stale "used". */
	unsigned int drop_tstart;
	bool babble;			/* a frame arrives at every access */
	bool quiet;			/* count violations, print nothing */
	uint8_t babble_frame[64];

	/* registers */
	uint32_t nctrl, ncfg, dmacfg, tsr, rsr, isr, imr, man, hash[2];
	uint32_t sab[4], sat[4];
	bool sa_active[4];
	uint32_t rbqp[8], tbqp[8], rbqph, tbqph, isrq[8], imrq[8];
	uint32_t scr1[16], scr2[16];
	unsigned int mdio_wait;
	bool tgo;
	/* DMA engine: current descriptor of queue 0 */
	uint64_t rx_cur, tx_cur;
	bool rx_no_buf;			/* QEMU: re-read only on NWCTRL */
	unsigned int tx_inflight_descs;	/* descriptors of the frame held */

	struct gem_phy phy;

	/* what came out of the TX side (last GM_LOG_FRAMES) */
	uint8_t tx_log[GM_LOG_FRAMES][GM_FRAME_MAX];
	size_t tx_log_len[GM_LOG_FRAMES];
	unsigned int tx_sent;
	/* RX frames waiting for a descriptor (QEMU's net queue) */
	uint8_t pending[GM_PENDING][GM_FRAME_MAX];
	size_t pending_len[GM_PENDING];
	unsigned int pending_n;
	unsigned int rx_done, rx_missed, rx_filtered, tx_old_frames;

	/* the dead kernel's memory: no DMA there after the first NCTRL write */
	uintptr_t old_lo, old_hi;
	bool nctrl_written;

	/* violations and counters */
	unsigned int bad, ring_while_enabled, old_dma, mdio_bad, mdio_no_mpe,
		mdio_too_fast, mdio_ops, line_violations, dma_errors,
		clrstat_while_running, clrstat, nctrl_writes, sa1_writes;

	/* cache-line check: ring copies and which lines the device owned */
	bool snap_valid;
	uint64_t snap_rx, snap_tx;
	unsigned int snap_rx_n, snap_tx_n, snap_rx_stride, snap_tx_stride;
	uint8_t snap_rx_mem[GM_RING_MAX * 16], snap_tx_mem[GM_RING_MAX * 16];
	bool snap_rx_owned[GM_RING_MAX * 16 / GM_LINE];
	bool snap_tx_owned[GM_RING_MAX * 16 / GM_LINE];
};

/* Reset @m to a ZynqMP GEM as QEMU 7.2 resets it (PHY at 23, link up,
 * MAC 52:54:00:12:34:56 in spec_add1) and attach it at @base. */
void gem_model_attach(struct gem_model *m, uintptr_t base);

/* A frame arrives from the wire.  Return: 1 stored, 0 held (QEMU queue),
 * -1 dropped (RX off, filtered, no buffer). */
int gem_model_rx(struct gem_model *m, const void *frame, size_t len);

/* Let time pass for the device: held TX frames go out unless tx_hold. */
void gem_model_poll(struct gem_model *m);

/* Where a DMA address points (the model's view, 32 or 64 bits). */
void *gem_model_ptr(const struct gem_model *m, uint64_t addr);

/* Descriptor layout in force: 8 or 16 bytes. */
unsigned int gem_model_rx_stride(const struct gem_model *m);
unsigned int gem_model_tx_stride(const struct gem_model *m);

/* The ring base addresses as the device sees them. */
uint64_t gem_model_rx_base(const struct gem_model *m, unsigned int q);
uint64_t gem_model_tx_base(const struct gem_model *m, unsigned int q);

/* A GEM node for gem_model_dtb(), under /axi as ethernet@<base>. */
struct gm_dt_gem {
	uintptr_t base;
	const char *compatible;	/* NULL: "cdns,zynqmp-gem", "cdns,gem" */
	const char *status;	/* NULL: no property */
	bool no_reg;
	int phy_reg;		/* -1: no phy-handle */
	int phy_under;		/* -1: the PHY is our child; else in that
				 * GEM's "mdio" child */
	const uint8_t *mac_address, *local_mac_address;
	uint32_t pclk_hz;	/* 0: pclk from the firmware clock node */
	int fixed_speed;	/* > 0: a fixed-link subnode */
	bool fixed_full_duplex;
};

/* Build a DTB of these GEMs into @fdt; @nodes gets their offsets.
 * Return: 0 or a libfdt error. */
int gem_model_dtb(void *fdt, int size, const struct gm_dt_gem *gems, int n,
		  int *nodes);

#endif
