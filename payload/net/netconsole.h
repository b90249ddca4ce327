/* SPDX-License-Identifier: MIT */
/*
 * netconsole: log text as UDP datagrams to a listener (`nc -ul 6666`), in
 * Linux's two formats (Documentation/networking/netconsole.rst):
 *  - plain: the text as it is, whole lines packed into datagrams of at
 *    most NETCONSOLE_CHUNK bytes;
 *  - extended ('+'): one record per datagram as /dev/kmsg prints it,
 *    "<prio>,<seq>,<usec>,<c|->;<escaped text>\n", split with
 *    ",ncfrag=<offset>/<total>" when longer than NETCONSOLE_CHUNK, and
 *    "<release>," in front with 'r'.
 * Two feeds: the payload's log lines (netconsole_log_tap() for
 * log_set_tap()) and the dead kernel's printk records
 * (netconsole_send_dmesg()), the latter with the kernel's own levels,
 * sequence numbers and timestamps.
 */
#ifndef TINYDUMP_PAYLOAD_NET_NETCONSOLE_H
#define TINYDUMP_PAYLOAD_NET_NETCONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload/dmesg.h"
#include "payload/net/net.h"
#include "payload/net/netcfg.h"

/* drivers/net/netconsole.c MAX_PRINT_CHUNK: the largest datagram. */
#define NETCONSOLE_CHUNK 1000
/* A dead kernel's record text kept for one datagram series: Linux's
 * PRINTKRB_RECORD_MAX (kernel/printk/internal.h), so nothing real is cut. */
#define NETCONSOLE_TEXT_MAX 1024
/* One of our log lines; a longer one goes as several records. */
#define NETCONSOLE_LINE_MAX 512
/* utsname's release: __NEW_UTS_LEN (include/uapi/linux/utsname.h). */
#define NETCONSOLE_RELEASE_MAX 64
/* How long one datagram may wait for a TX slot. */
#define NETCONSOLE_TX_TIMEOUT_US 100000u
/* Datagrams failed in a row before netconsole stops trying. */
#define NETCONSOLE_MAX_FAILS 3
/*
 * Our own lines in the extended format: syslog facility 1 (user, RFC 5424
 * §6.2.1, what /dev/kmsg gives writes from user space), so a listener
 * tells them from the dead kernel's (facility 0); level 6 (info).
 */
#define NETCONSOLE_SELF_FACILITY 1
#define NETCONSOLE_SELF_LEVEL 6

struct netconsole_stats {
	uint64_t datagrams;	/* sent */
	uint64_t records;	/* extended records sent (any fragments) */
	uint64_t send_errors;	/* datagrams not sent */
	uint64_t dropped;	/* text refused: down, or written from inside */
	uint64_t truncated;	/* dmesg records longer than NETCONSOLE_TEXT_MAX */
};

struct netconsole {
	struct net_stack *s;
	uint32_t tgt_ip;
	uint16_t src_port, tgt_port;
	uint8_t tgt_mac[ETH_ALEN];
	bool extended;
	bool release;		/* 'r' */
	const char *self_release;	/* with 'r', before our own lines */
	bool up;
	bool busy;		/* a write is under way: no re-entry */
	unsigned fails;
	uint64_t seq;		/* our own records' sequence numbers */
	size_t len;		/* plain: bytes batched in dgram */
	size_t line_start;	/* plain: end of the last whole line */
	size_t line_len;	/* extended: bytes in line */
	bool line_cont;		/* extended: line continues a cut one */
	struct netconsole_stats stats;
	char dgram[NETCONSOLE_CHUNK];
	char line[NETCONSOLE_LINE_MAX];
	char text[NETCONSOLE_TEXT_MAX];
};

/**
 * netconsole_init() - start sending to @t's target through @s.
 * @nc:           the console (its old contents are dropped)
 * @s:            a stack from net_init()
 * @t:            the parsed netconsole= target
 * @self_release: with 'r', what goes before our own lines (e.g.
 *                "tinydump-0.1.0"); may be NULL
 *
 * The target's Ethernet address: tgt-mac when given and not broadcast
 * (Linux's behaviour); otherwise ARP for the next hop (up to 3 s), and
 * ff:ff:ff:ff:ff:ff if nobody answers (Linux's default, which reaches a
 * listener on the same segment).  Says on the log where it sends.
 * Return: 0 (sending), -EINVAL for NULL arguments.
 */
int netconsole_init(struct netconsole *nc, struct net_stack *s,
		    const struct netconsole_target *t,
		    const char *self_release);

/**
 * netconsole_write() - text from the payload's log.  Plain: whole lines
 * go out at once, a trailing partial line waits for its '\n' (or
 * netconsole_flush()).  Extended: each line becomes one record.
 * Ignored (counted in stats.dropped) when down or called from inside
 * netconsole itself.
 */
void netconsole_write(struct netconsole *nc, const char *text, size_t len);

/** netconsole_flush() - send a partial line that waits. */
void netconsole_flush(struct netconsole *nc);

/** netconsole_log_tap() - netconsole_write() as a log_tap_fn (@ctx: nc). */
void netconsole_log_tap(void *ctx, const char *text, size_t len);

/**
 * netconsole_send_dmesg() - the dead kernel's records from @dm's position
 * to its end (dmesg_rewind() or dmesg_tail() first).  Plain: as
 * vmcore-dmesg prints them, lines packed into datagrams.  Extended: one
 * record each with the record's facility, level, sequence number,
 * timestamp and LOG_CONT flag; @release (the dead kernel's OSRELEASE) is
 * prepended with 'r', or @nc's own when NULL.
 * Return: 0; -EINVAL; -ENODEV when netconsole is down; -EBUSY when called
 * from inside netconsole.
 */
int netconsole_send_dmesg(struct netconsole *nc, struct dmesg *dm,
			  const char *release);

#endif
