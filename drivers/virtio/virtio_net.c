// SPDX-License-Identifier: MIT
/*
 * virtio-net on the virtio-mmio transport, polled: one receive queue kept
 * full of small static buffers, one transmit queue whose slots come back
 * through the used ring.  No offloads, no control queue, no merged
 * receive buffers.  Virtio v1.2 §5.1: feature bits §5.1.3, configuration
 * §5.1.4, initialisation §5.1.5, the header and transmission §5.1.6,
 * receive buffers §5.1.6.3, legacy framing §5.1.6.7.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "drivers/dma.h"
#include "drivers/net/nic.h"
#include "drivers/timer.h"
#include "drivers/virtio/virtio_mmio.h"
#include "include/compiler.h"
#include "payload/log.h"

/* Feature bits, §5.1.3. */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

/* struct virtio_net_config, §5.1.4. */
#define VIRTIO_NET_CFG_MAC 0		/* u8[6] */
#define VIRTIO_NET_CFG_STATUS 6		/* le16 */
#define VIRTIO_NET_S_LINK_UP 1

/* Queues, §5.1.2: receiveq1 and transmitq1. */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/*
 * struct virtio_net_hdr, §5.1.6: 12 bytes with VIRTIO_F_VERSION_1 (its
 * num_buffers included), 10 in the legacy interface without
 * VIRTIO_NET_F_MRG_RXBUF (§5.1.6.1).  We send it zeroed: flags 0,
 * gso_type VIRTIO_NET_HDR_GSO_NONE, num_buffers 0.
 */
#define VIRTIO_NET_HDR_LEN 12
#define VIRTIO_NET_HDR_LEN_LEGACY 10

#define ETH_HLEN 14
#define ETH_ZLEN 60	/* IEEE 802.3 minimum frame without FCS */
/* IEEE 802 first octet: U/L bit set (locally administered), I/G clear. */
#define VNET_MAC_LOCAL_UNICAST 0x02
/* FNV-1a, 64-bit: offset basis and prime (Fowler, Noll, Vo). */
#define FNV1A64_BASIS 0xcbf29ce484222325ull
#define FNV1A64_PRIME 0x100000001b3ull

/*
 * A buffer holds a header and a whole frame: 12 + 1514 = 1526 bytes, the
 * receive buffer size §5.1.6.3.1 asks for without offloads, rounded up to
 * whole VIRTIO_DMA_ALIGN lines.
 */
#define VNET_BUF_SIZE VIRTQ_ALIGN_UP(VIRTIO_NET_HDR_LEN + NIC_FRAME_MAX,      \
				     VIRTIO_DMA_ALIGN)
#define VNET_RX_BUFS 8
#define VNET_TX_SLOTS 4
#define VNET_SLOTS (VNET_RX_BUFS + VNET_TX_SLOTS)

/* A transmitted frame not given back within this means the device died. */
#define VNET_TX_TIMEOUT_US 2000000u

/*
 * Everything the device reads or writes: two queues, each on a page
 * boundary (struct virtq_ring), and VNET_SLOTS buffers, the first few in
 * the room the receive queue leaves in its page.
 */
#define VNET_SLOTS_A                                                          \
	((VIRTQ_RING_ALIGN - sizeof(struct virtq_ring)) / VNET_BUF_SIZE)
struct virtio_net_dma {
	struct virtq_ring rx_ring;
	uint8_t slots_a[VNET_SLOTS_A][VNET_BUF_SIZE];
	uint8_t pad[VIRTQ_RING_ALIGN - sizeof(struct virtq_ring) -
		    VNET_SLOTS_A * VNET_BUF_SIZE];
	struct virtq_ring tx_ring;
	uint8_t slots_b[VNET_SLOTS - VNET_SLOTS_A][VNET_BUF_SIZE];
};
_Static_assert(offsetof(struct virtio_net_dma, tx_ring) == VIRTQ_RING_ALIGN,
	       "transmit queue on a page boundary");
_Static_assert(offsetof(struct virtio_net_dma, slots_b) % VIRTIO_DMA_ALIGN ==
		       0,
	       "buffers on cache lines");

struct virtio_net {
	struct nic nic;		/* first: nic * converts back */
	struct virtio_mmio vm;
	struct virtq rxq, txq;
	struct virtio_net_dma *dma;
	uint32_t hdr_len;	/* VIRTIO_NET_HDR_LEN or _LEGACY */
	/* Legacy without VIRTIO_F_ANY_LAYOUT: the header goes in a
	 * descriptor of its own (§5.1.6.7). */
	bool hdr_apart;
	unsigned int rx_bufs, tx_slots;		/* in use, <= VNET_* */
	uint8_t rx_slot[VIRTQ_NUM_MAX];		/* head -> slot */
	uint8_t tx_slot[VIRTQ_NUM_MAX];
	bool tx_busy[VNET_TX_SLOTS];
	uint64_t tx_since_us[VNET_TX_SLOTS];
	bool active;	/* probed; the device may be using our memory */
	bool broken;	/* reset after a fatal error */
};

/* The NIC pool (drivers/net/nic.h), shared with the other NIC drivers. */
_Static_assert(sizeof(struct virtio_net_dma) <= NIC_DMA_POOL_SIZE &&
		       NIC_DMA_POOL_ALIGN % VIRTQ_RING_ALIGN == 0,
	       "virtio-net's rings and buffers fit the NIC pool");
static struct virtio_net vnet;

static uint8_t *vnet_slot(struct virtio_net *v, unsigned int slot)
{
	if (slot < VNET_SLOTS_A)
		return v->dma->slots_a[slot];
	return v->dma->slots_b[slot - VNET_SLOTS_A];
}

static void vnet_fail(struct virtio_net *v, const char *why)
{
	log_printf("virtio-net: %s: %s; device reset\n", v->nic.name, why);
	virtio_mmio_fail(&v->vm);
	v->broken = true;
	v->nic.link_up = false;
}

/* Header and frame as one buffer, or as two when the layout is fixed. */
static unsigned int vnet_bufs(const struct virtio_net *v, uint8_t *p,
			      uint32_t frame_len, struct virtq_buf *bufs)
{
	if (!v->hdr_apart) {
		bufs[0] = (struct virtq_buf){ p, v->hdr_len + frame_len };
		return 1;
	}
	bufs[0] = (struct virtq_buf){ p, v->hdr_len };
	bufs[1] = (struct virtq_buf){ p + v->hdr_len, frame_len };
	return 2;
}

static int vnet_post_rx(struct virtio_net *v, unsigned int slot)
{
	struct virtq_buf bufs[2];
	uint8_t *p = vnet_slot(v, slot);
	unsigned int n = vnet_bufs(v, p, NIC_FRAME_MAX, bufs);
	int head;

	/* Clean lines so no dirty one is later evicted over received data. */
	dma_to_device(p, VNET_BUF_SIZE);
	head = virtq_add(&v->rxq, bufs, 0, n);
	if (head < 0)
		return head;
	v->rx_slot[head] = (uint8_t)slot;
	return 0;
}

static void vnet_read_link(struct virtio_net *v)
{
	uint16_t status;

	if (virtio_has_feature(&v->vm, VIRTIO_NET_F_STATUS)) {
		status = virtio_cfg_read16(&v->vm, VIRTIO_NET_CFG_STATUS);
		v->nic.link_up = status & VIRTIO_NET_S_LINK_UP;
		return;
	}
	v->nic.link_up = true;	/* §5.1.5: assumed active */
}

/* Transmitted slots the device gave back are free again. */
static int vnet_tx_reclaim(struct virtio_net *v)
{
	for (;;) {
		int head = virtq_pop_used(&v->txq, NULL);

		if (head == -EAGAIN)
			return 0;
		if (head < 0) {
			vnet_fail(v, "bad used entry on the transmit queue");
			return -EIO;
		}
		v->tx_busy[v->tx_slot[head]] = false;
	}
}

/*
 * Return: 0; -EAGAIN when every slot is in flight; -EINVAL for a frame
 * shorter than an Ethernet header or longer than NIC_FRAME_MAX; -EIO when
 * the device failed; -ETIMEDOUT when it kept a frame VNET_TX_TIMEOUT_US.
 */
static int vnet_send(struct nic *n, const void *frame, size_t len)
{
	struct virtio_net *v = (struct virtio_net *)n;
	struct virtq_buf bufs[2];
	unsigned int slot, nb;
	uint64_t now, oldest;
	uint32_t flen;
	uint8_t *p;
	int head, ret;

	if (!n || !frame || len < ETH_HLEN || len > NIC_FRAME_MAX)
		return -EINVAL;
	if (!v->active || v->broken)
		return -EIO;
	ret = vnet_tx_reclaim(v);
	if (ret)
		return ret;
	for (slot = 0; slot < v->tx_slots && v->tx_busy[slot]; slot++)
		;
	if (slot == v->tx_slots) {
		if (virtio_mmio_needs_reset(&v->vm)) {
			vnet_fail(v, "device needs reset");
			return -EIO;
		}
		now = timer_now_us();
		oldest = now;
		for (unsigned int i = 0; i < v->tx_slots; i++)
			oldest = MIN(oldest, v->tx_since_us[i]);
		if (now - oldest > VNET_TX_TIMEOUT_US) {
			vnet_fail(v, "transmit queue stalled");
			return -ETIMEDOUT;
		}
		return -EAGAIN;
	}

	p = vnet_slot(v, VNET_RX_BUFS + slot);
	memset(p, 0, v->hdr_len);
	memcpy(p + v->hdr_len, frame, len);
	/* Pad runts: the device passes frames on as they are. */
	flen = (uint32_t)MAX(len, (size_t)ETH_ZLEN);
	memset(p + v->hdr_len + len, 0, flen - len);
	nb = vnet_bufs(v, p, flen, bufs);
	dma_to_device(p, v->hdr_len + flen);
	head = virtq_add(&v->txq, bufs, nb, 0);
	if (head < 0) {
		vnet_fail(v, "no free transmit descriptors");
		return -EIO;
	}
	v->tx_slot[head] = (uint8_t)slot;
	v->tx_busy[slot] = true;
	v->tx_since_us[slot] = timer_now_us();
	virtq_notify(&v->txq);
	v->nic.tx_frames++;
	return 0;
}

/*
 * Return: the frame's length; 0 when none is waiting; -EINVAL for a bad
 * buffer; -EIO when the device failed (it is reset).
 */
static int vnet_recv(struct nic *n, void *buf, size_t cap)
{
	struct virtio_net *v = (struct virtio_net *)n;

	if (!n || !buf || cap < NIC_FRAME_MAX)
		return -EINVAL;
	if (!v->active || v->broken)
		return -EIO;
	if (virtio_has_feature(&v->vm, VIRTIO_NET_F_STATUS) &&
	    virtio_mmio_config_changed(&v->vm))
		vnet_read_link(v);

	/* Frames too short or too long are dropped; at most a ring's worth. */
	for (unsigned int i = 0; i < v->rxq.num; i++) {
		uint32_t len = 0, flen = 0;
		unsigned int slot;
		int head = virtq_pop_used(&v->rxq, &len);
		uint8_t *p;

		if (head == -EAGAIN) {
			if (virtio_mmio_needs_reset(&v->vm)) {
				vnet_fail(v, "device needs reset");
				return -EIO;
			}
			return 0;
		}
		if (head < 0) {
			vnet_fail(v, "bad used entry on the receive queue");
			return -EIO;
		}
		slot = v->rx_slot[head];
		p = vnet_slot(v, slot);
		if (len >= v->hdr_len + ETH_HLEN &&
		    len <= v->hdr_len + NIC_FRAME_MAX) {
			flen = len - v->hdr_len;
			dma_from_device(p, v->hdr_len + flen);
			memcpy(buf, p + v->hdr_len, flen);
		} else {
			v->nic.rx_dropped++;
		}
		if (vnet_post_rx(v, slot)) {
			vnet_fail(v, "receive buffer could not be requeued");
			return -EIO;
		}
		virtq_notify(&v->rxq);
		if (flen) {
			v->nic.rx_frames++;
			return (int)flen;
		}
	}
	return 0;
}

static void vnet_shutdown(struct nic *n)
{
	struct virtio_net *v = (struct virtio_net *)n;

	if (!n || !v->active)
		return;
	(void)virtio_mmio_reset(&v->vm);
	v->active = false;
	v->nic.link_up = false;
}

static const struct nic_ops vnet_ops = {
	.send = vnet_send,
	.recv = vnet_recv,
	.shutdown = vnet_shutdown,
};

/*
 * No VIRTIO_NET_F_MAC: a locally administered unicast address (IEEE 802
 * U/L bit set, I/G bit clear) from a 64-bit FNV-1a hash of the DT path,
 * the same on every boot of the same board.
 */
static void vnet_derive_mac(const char *path, uint8_t mac[ETH_ALEN])
{
	uint64_t h = FNV1A64_BASIS;

	for (; *path; path++) {
		h ^= (uint8_t)*path;
		h *= FNV1A64_PRIME;
	}
	mac[0] = VNET_MAC_LOCAL_UNICAST;
	for (unsigned int i = 1; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

static void vnet_read_mac(struct virtio_net *v)
{
	for (unsigned int i = 0; i < VIRTIO_CONFIG_RETRIES; i++) {
		uint32_t gen = virtio_cfg_generation(&v->vm);

		for (unsigned int b = 0; b < ETH_ALEN; b++)
			v->nic.mac[b] =
				virtio_cfg_read8(&v->vm, VIRTIO_NET_CFG_MAC + b);
		if (virtio_cfg_generation(&v->vm) == gen)
			return;
	}
}

static int vnet_setup_queues(struct virtio_net *v)
{
	unsigned int per_buf = v->hdr_apart ? 2 : 1;
	int ret;

	ret = virtq_setup(&v->vm, &v->rxq, VIRTIO_NET_RXQ, VIRTQ_NUM_MAX,
			  &v->dma->rx_ring);
	if (!ret)
		ret = virtq_setup(&v->vm, &v->txq, VIRTIO_NET_TXQ,
				  VIRTQ_NUM_MAX, &v->dma->tx_ring);
	if (ret) {
		log_printf("virtio-net: %s: queues unusable (%d)\n",
			   v->nic.name, ret);
		/* -ENODEV would say "not a network device": it is one. */
		return ret == -ENODEV ? -EIO : ret;
	}
	v->rx_bufs = MIN(VNET_RX_BUFS, v->rxq.num / per_buf);
	v->tx_slots = MIN(VNET_TX_SLOTS, v->txq.num / per_buf);
	if (!v->rx_bufs || !v->tx_slots) {
		log_printf("virtio-net: %s: queues of %u and %u entries are "
			   "too small\n", v->nic.name, v->rxq.num, v->txq.num);
		return -ENOTSUP;
	}
	for (unsigned int i = 0; i < v->rx_bufs; i++) {
		ret = vnet_post_rx(v, i);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vnet_probe() - take over the virtio-mmio node @node if it holds a
 * network device: reset, negotiate (MAC, STATUS, and ANY_LAYOUT on legacy
 * devices), fill the receive queue, DRIVER_OK.  A device probed earlier is
 * reset first: one device at a time uses the NIC pool.
 * Return: 0; -ENODEV when the node is not a virtio network device;
 * -ENOTSUP, -ETIMEDOUT, -EBUSY or -EIO when the device cannot be used
 * (then it is left reset and FAILED); -EINVAL for bad arguments.
 */
static int vnet_probe(const struct dev_env *env, int node,
		      const void *match_data, struct nic **out)
{
	struct virtio_net *v = &vnet;
	struct virtio_mmio vm;
	int ret;

	(void)match_data;
	if (!out || !env)
		return -EINVAL;
	ret = virtio_mmio_from_dt(env, node, &vm);
	if (ret)
		return ret;
	if (vm.device_id != VIRTIO_ID_NET)
		return -ENODEV;

	if (v->active)
		(void)virtio_mmio_reset(&v->vm);
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->dma = (struct virtio_net_dma *)nic_dma_pool;
	if (fdt_get_path(env->fdt, node, v->nic.name, sizeof(v->nic.name)))
		snprintf(v->nic.name, sizeof(v->nic.name), "virtio-mmio@0x%lx",
			 (unsigned long)vm.base);

	ret = virtio_mmio_start(&v->vm,
				VIRTIO_FEATURE(VIRTIO_NET_F_MAC) |
					VIRTIO_FEATURE(VIRTIO_NET_F_STATUS) |
					VIRTIO_FEATURE(VIRTIO_F_ANY_LAYOUT),
				0);
	if (ret)
		goto fail;
	if (virtio_has_feature(&v->vm, VIRTIO_F_VERSION_1)) {
		v->hdr_len = VIRTIO_NET_HDR_LEN;
	} else {
		v->hdr_len = VIRTIO_NET_HDR_LEN_LEGACY;
		v->hdr_apart = !virtio_has_feature(&v->vm, VIRTIO_F_ANY_LAYOUT);
	}
	ret = vnet_setup_queues(v);
	if (ret)
		goto fail;
	if (virtio_has_feature(&v->vm, VIRTIO_NET_F_MAC))
		vnet_read_mac(v);
	else
		vnet_derive_mac(v->nic.name, v->nic.mac);
	vnet_read_link(v);

	v->nic.ops = &vnet_ops;
	v->nic.driver = virtio_net_driver.name;
	virtio_mmio_driver_ok(&v->vm);
	/* §3.1.1: no notification before DRIVER_OK; now the buffers count. */
	virtq_notify(&v->rxq);
	v->active = true;
	log_printf("virtio-net: %s: %02x:%02x:%02x:%02x:%02x:%02x%s, link %s, "
		   "%s, %u receive buffers, %u transmit slots\n", v->nic.name,
		   v->nic.mac[0], v->nic.mac[1], v->nic.mac[2], v->nic.mac[3],
		   v->nic.mac[4], v->nic.mac[5],
		   virtio_has_feature(&v->vm, VIRTIO_NET_F_MAC) ? ""
								: " (derived)",
		   v->nic.link_up ? "up" : "down",
		   v->vm.version == VIRTIO_MMIO_VERSION_LEGACY ? "legacy"
							       : "modern",
		   v->rx_bufs, v->tx_slots);
	*out = &v->nic;
	return 0;

fail:
	virtio_mmio_fail(&v->vm);
	return ret;
}

static const struct fdt_match vnet_matches[] = {
	{ .compatible = "virtio,mmio" },
	{ 0 },
};

const struct nic_driver virtio_net_driver = {
	.name = "virtio-net",
	.matches = vnet_matches,
	.probe = vnet_probe,
};
