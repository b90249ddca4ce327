# SPDX-License-Identifier: MIT
shared-y += drivers/mmio.c drivers/console.c drivers/registry.c drivers/dma.c
shared-y += drivers/uart/pl011.c
payload-y += drivers/psci.c
shared-y += drivers/uart/ns16550.c drivers/uart/bcm2835_aux.c drivers/uart/cdns_uart.c
shared-y += drivers/uart/earlycon.c
shared-y += drivers/virtio/virtio_mmio.c drivers/virtio/virtio_blk.c
shared-y += drivers/virtio/virtio_net.c
shared-y += drivers/pci/ecam.c
shared-y += drivers/net/cadence_gem.c drivers/net/nic_pool.c
shared-y += drivers/mmc/mmc.c drivers/mmc/sdhci.c
# The SD/MMC stack is cold code (card set-up, then transfers that wait on
# the card): built for size, which saves about 3.5 KiB of image_size.
$(O)/payload/drivers/mmc/%.o: PAYLOAD_CFLAGS += -Os
