/* SPDX-License-Identifier: MIT */
/*
 * Cadence GEM (Gigabit Ethernet MAC) register map and the driver's public
 * entry points.  Register and field names follow the Zynq UltraScale+
 * register reference (UG1087, module GEM: network_control, dma_config,
 * phy_management, ...) and the Zynq UltraScale+ Device TRM (UG1085),
 * chapter "Gigabit Ethernet Controller" (buffer descriptors, queues,
 * MDIO).  Where UG1087 gives a field no usable name, the name is
 * the one Linux drivers/net/ethernet/cadence/macb.h uses (noted).
 */
#ifndef TINYDUMP_DRIVERS_NET_CADENCE_GEM_H
#define TINYDUMP_DRIVERS_NET_CADENCE_GEM_H

#include "drivers/devenv.h"
#include "drivers/net/nic.h"
#include "include/compiler.h"

/* ---- registers (offsets from the controller's base) -------------------- */
#define GEM_NETWORK_CONTROL 0x000
#define GEM_NETWORK_CONFIG 0x004
#define GEM_NETWORK_STATUS 0x008
#define GEM_DMA_CONFIG 0x010
#define GEM_TRANSMIT_STATUS 0x014
#define GEM_RECEIVE_Q_PTR 0x018
#define GEM_TRANSMIT_Q_PTR 0x01c
#define GEM_RECEIVE_STATUS 0x020
#define GEM_INTERRUPT_STATUS 0x024
#define GEM_INTERRUPT_DISABLE 0x02c
#define GEM_INTERRUPT_MASK 0x030
#define GEM_PHY_MANAGEMENT 0x034
#define GEM_HASH_BOTTOM 0x080
#define GEM_HASH_TOP 0x084
/* Specific address n (1..4): bottom then top, 8 bytes apart. */
#define GEM_SPEC_ADD_BOTTOM(n) (0x088 + 8 * ((n) - 1))
#define GEM_SPEC_ADD_TOP(n) (0x08c + 8 * ((n) - 1))
#define GEM_SPEC_ADDS 4
#define GEM_MODULE_ID 0x0fc
#define GEM_DESIGNCFG_DEBUG1 0x280
#define GEM_DESIGNCFG_DEBUG6 0x294
#define GEM_DESIGNCFG_DEBUG8 0x29c
/* Priority queues 1..GEM_QUEUES_MAX-1 (queue 0 uses the registers above). */
#define GEM_INT_Q_STATUS(q) (0x400 + 4 * ((q) - 1))
#define GEM_TRANSMIT_Q_PTR_N(q) (0x440 + 4 * ((q) - 1))
#define GEM_RECEIVE_Q_PTR_N(q) (0x480 + 4 * ((q) - 1))
#define GEM_INT_Q_DISABLE(q) (0x620 + 4 * ((q) - 1))
/* Upper 32 address bits of every queue's ring (64-bit addressing only). */
#define GEM_UPPER_TX_Q_BASE_ADDR 0x4c8
#define GEM_UPPER_RX_Q_BASE_ADDR 0x4d4
#define GEM_SCREENING_TYPE_1_REGISTER(i) (0x500 + 4 * (i))
#define GEM_SCREENING_TYPE_2_REGISTER(i) (0x540 + 4 * (i))
#define GEM_SCREENERS_MAX 16
#define GEM_QUEUES_MAX 8	/* queue 0 and up to 7 priority queues */
#define GEM_WINDOW 0x1000	/* the "reg" size every GEM node has */

/* network_control */
#define GEM_NCTRL_LOOPBACK_LOCAL BIT(1)
#define GEM_NCTRL_ENABLE_RECEIVE BIT(2)
#define GEM_NCTRL_ENABLE_TRANSMIT BIT(3)
#define GEM_NCTRL_MAN_PORT_EN BIT(4)		/* MDIO enable */
#define GEM_NCTRL_CLEAR_ALL_STATS_REGS BIT(5)	/* write-only action */
#define GEM_NCTRL_TX_START_PCLK BIT(9)		/* write-only action */
#define GEM_NCTRL_TX_HALT_PCLK BIT(10)		/* write-only action */
/*
 * Interface-mode bits a board's wiring decides, kept as the dead kernel
 * set them (Linux macb.h: MIIONRGMII 28, 2PT5G 29, ENABLE_HS_MAC 31).
 */
#define GEM_NCTRL_BOARD_BITS (BIT(28) | BIT(29) | BIT(31))

/* network_config */
#define GEM_NCFG_SPEED BIT(0)			/* 100 Mb/s */
#define GEM_NCFG_FULL_DUPLEX BIT(1)
#define GEM_NCFG_COPY_ALL_FRAMES BIT(4)
#define GEM_NCFG_NO_BROADCAST BIT(5)
#define GEM_NCFG_GIGABIT_MODE_ENABLE BIT(10)
#define GEM_NCFG_PCS_SELECT BIT(11)		/* SGMII/1000BASE-X PCS */
#define GEM_NCFG_PAUSE_ENABLE BIT(13)
#define GEM_NCFG_FCS_REMOVE BIT(17)
#define GEM_NCFG_MDC_CLOCK_DIVISION GENMASK(20, 18)
#define GEM_NCFG_MDC_SHIFT 18
#define GEM_NCFG_DATA_BUS_WIDTH GENMASK(22, 21)
#define GEM_NCFG_DBW_SHIFT 21
#define GEM_NCFG_SGMII_MODE_ENABLE BIT(27)
/* How the MAC meets its PHY: the board's, kept from the dead kernel. */
#define GEM_NCFG_BOARD_BITS (GEM_NCFG_PCS_SELECT | GEM_NCFG_SGMII_MODE_ENABLE)
/* data_bus_width encodings */
#define GEM_DBW_32 0
#define GEM_DBW_64 1
#define GEM_DBW_128 2
/*
 * mdc_clock_division: pclk divided by 8, 16, 32, 48, 64, 96, 128, 224
 * for the encodings 0..7 (UG1087 network_config).
 */
#define GEM_MDC_DIV_MAX_CODE 7

/* network_status */
#define GEM_NSTAT_MAN_DONE BIT(2)	/* PHY management logic idle */

/* dma_config */
#define GEM_DMACFG_AMBA_BURST_LENGTH GENMASK(4, 0)
#define GEM_DMACFG_BURST_INCR4 4	/* the reset value */
#define GEM_DMACFG_HDR_DATA_SPLITTING_EN BIT(5)
#define GEM_DMACFG_ENDIAN_SWAP_MANAGEMENT BIT(6)
#define GEM_DMACFG_ENDIAN_SWAP_PACKET BIT(7)
#define GEM_DMACFG_RX_PBUF_SIZE GENMASK(9, 8)	/* 3: the full 8 KiB */
#define GEM_DMACFG_TX_PBUF_SIZE BIT(10)		/* 1: the full 4 KiB */
#define GEM_DMACFG_TX_PBUF_TCP_EN BIT(11)	/* TX checksum offload */
#define GEM_DMACFG_RX_BUF_SIZE GENMASK(23, 16)	/* in 64-byte units */
#define GEM_DMACFG_RX_BUF_SIZE_SHIFT 16
#define GEM_DMACFG_RX_BUF_UNIT 64
#define GEM_DMACFG_RX_BD_EXTENDED_MODE_EN BIT(28)
#define GEM_DMACFG_TX_BD_EXTENDED_MODE_EN BIT(29)
#define GEM_DMACFG_DMA_ADDR_BUS_WIDTH BIT(30)	/* 64-bit addressing */

/* transmit_status: write 1 to clear, except transmit_go (bit 3, RO) */
#define GEM_TSTAT_TRANSMIT_GO BIT(3)
#define GEM_TSTAT_CLEAR_ALL (GENMASK(8, 0) & ~GEM_TSTAT_TRANSMIT_GO)
/* receive_status: write 1 to clear */
#define GEM_RSTAT_BUFFER_NOT_AVAILABLE BIT(0)
#define GEM_RSTAT_CLEAR_ALL GENMASK(3, 0)

/* phy_management: one IEEE 802.3 clause 22 MDIO frame */
#define GEM_PHYMAN_DATA GENMASK(15, 0)
#define GEM_PHYMAN_WRITE10 (2u << 16)		/* must be 0b10 */
#define GEM_PHYMAN_REG_SHIFT 18
#define GEM_PHYMAN_PHY_SHIFT 23
#define GEM_PHYMAN_OP_WRITE (1u << 28)
#define GEM_PHYMAN_OP_READ (2u << 28)
#define GEM_PHYMAN_CLAUSE22 (1u << 30)		/* write1 = 1, write0 = 0 */

/* module_id: identification number 0x0001 is the 10/100 MACB; GEMs are
 * 0x0002 and up (Linux macb_is_gem()). */
#define GEM_MODULE_ID_NUMBER_SHIFT 16
#define GEM_MODULE_ID_NUMBER_MASK 0xfffu
#define GEM_MODULE_ID_FIRST_GEM 2

/* designcfg_debug1: AXI/AHB data bus width (Linux DBWDEF): 1 = 32 bits,
 * 2 = 64 bits, 4 = 128 bits. */
#define GEM_DCFG1_DBWDEF_SHIFT 25
#define GEM_DCFG1_DBWDEF_MASK 7u
/* designcfg_debug6: which priority queues exist, 64-bit DMA addressing
 * (Linux DAW64). */
#define GEM_DCFG6_QUEUE_PRESENT(q) BIT(q)
#define GEM_DCFG6_DMA_ADDR_64 BIT(23)
/* designcfg_debug8: how many screeners of each type (Linux T1SCR/T2SCR). */
#define GEM_DCFG8_T1SCR_SHIFT 24
#define GEM_DCFG8_T2SCR_SHIFT 16
#define GEM_DCFG8_SCR_MASK 0xffu

/*
 * Buffer descriptors (UG1085's receive and transmit buffer descriptor
 * tables; QEMU and Linux macb.h agree): word 0 = address [31:0], word 1 =
 * control and status; with 64-bit addressing word 2 = address [63:32],
 * word 3 unused.
 */
#define GEM_RXD_OWNERSHIP BIT(0)	/* word 0: 1 = software owns it */
#define GEM_RXD_WRAP BIT(1)		/* word 0: last descriptor */
#define GEM_RXD_ADDR_MASK GENMASK(31, 2)
#define GEM_RXD_LENGTH GENMASK(11, 0)	/* word 1, FCS removed */
#define GEM_RXD_SOF BIT(14)
#define GEM_RXD_EOF BIT(15)
#define GEM_TXD_LENGTH GENMASK(13, 0)	/* word 1 */
#define GEM_TXD_LAST BIT(15)
#define GEM_TXD_BUF_EXHAUSTED BIT(27)	/* status (Linux names) */
#define GEM_TXD_UNDERRUN BIT(28)
#define GEM_TXD_RETRY_LIMIT BIT(29)
#define GEM_TXD_ERRORS                                                        \
	(GEM_TXD_BUF_EXHAUSTED | GEM_TXD_UNDERRUN | GEM_TXD_RETRY_LIMIT)
#define GEM_TXD_WRAP BIT(30)
#define GEM_TXD_USED BIT(31)		/* 1 = software owns it */

/* ---- the driver ---------------------------------------------------------- */

/* How long one MDIO frame, the link, a stopping transmitter may take. */
#define GEM_MDIO_TIMEOUT_US 10000u
#define GEM_LINK_TIMEOUT_US 5000000u
#define GEM_LINK_POLL_US 10000u
#define GEM_STOP_TIMEOUT_US 10000u
/* A frame still queued after this long means a stuck transmitter. */
#define GEM_TX_TIMEOUT_US 1000000u

/*
 * The device-tree NIC driver: "cdns,zynqmp-gem", "cdns,gem", "cdns,macb"
 * (a 10/100 MACB is refused at probe).  One controller at a time: a second
 * probe while one is up gives -EBUSY; shutdown() frees the driver.
 */
extern const struct nic_driver gem_driver;

/**
 * gem_quiesce_all() - stop every available GEM in the device tree (TX and
 * RX disabled, interrupts masked) so none keeps writing the dead kernel's
 * memory through the rings it left.  Call it before a probe: it stops the
 * controller this driver runs, too.
 * Return: how many controllers were stopped.
 */
int gem_quiesce_all(const struct dev_env *env);

#endif
