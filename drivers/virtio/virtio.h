/* SPDX-License-Identifier: MIT */
/*
 * Quiescing virtio devices the dead kernel left running (Virtual I/O
 * Device Specification v1.2 §2.1, §4.2.3.1: writing 0 to Status resets a
 * virtio-mmio device, so it stops using the rings in the dead kernel's
 * memory).  The transport and the device drivers (virtio-blk, virtio-net)
 * live beside this header.
 */
#ifndef TINYDUMP_DRIVERS_VIRTIO_H
#define TINYDUMP_DRIVERS_VIRTIO_H

#include "drivers/devenv.h"

/**
 * virtio_mmio_reset_all() - reset every available "virtio,mmio" node of
 * the DT that holds a device (DeviceID != 0), mapping its window.
 * Return: how many devices were reset.
 */
int virtio_mmio_reset_all(const struct dev_env *env);

#endif
