// SPDX-License-Identifier: MIT
/*
 * The DMA memory of the NIC in use (drivers/net/nic.h): one pool for every
 * NIC driver, since one NIC at a time is driven.
 */
#include "drivers/net/nic.h"

uint8_t nic_dma_pool[NIC_DMA_POOL_SIZE]
	__attribute__((aligned(NIC_DMA_POOL_ALIGN)));
