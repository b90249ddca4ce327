# SPDX-License-Identifier: MIT
payload-y += payload/main.c payload/libc_glue.c payload/dump.c
# The log is shared so that drivers can report (host builds: no console).
shared-y += payload/log.c
shared-y += payload/sinks.c payload/sink_serial.c payload/engine.c
# The network sink and the reliable dump protocol's sender (docs/netdump-protocol.md).
shared-y += payload/sink_net.c payload/netdump_tx.c
shared-y += payload/config.c
shared-y += payload/crc32c.c payload/elfcore.c payload/vmcoreinfo.c
shared-y += payload/stream_enc.c payload/stream_dec.c payload/frame.c
shared-y += payload/dmesg.c payload/lz4_block.c
shared-y += payload/kvaddr.c payload/pagefilter.c
payload-y += payload/devices.c
# Block dumps: GPT reader, dump area layout, the block sink (docs/block.md).
shared-y += payload/crc32.c payload/gpt.c payload/blkarea.c payload/sink_block.c
# The UDP/IPv4 stack, netconsole and the dump's datagram link (docs/net.md).
shared-y += payload/net/netcfg.c payload/net/net.c payload/net/arp.c
shared-y += payload/net/netconsole.c payload/net/udp_link.c
