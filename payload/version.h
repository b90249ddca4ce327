/* SPDX-License-Identifier: MIT */
#ifndef TINYDUMP_PAYLOAD_VERSION_H
#define TINYDUMP_PAYLOAD_VERSION_H

#define TINYDUMP_VERSION "0.1.0"

#endif
