/* SPDX-License-Identifier: MIT */
/*
 * Network settings from the command line, in the kernel's own syntax so a
 * crash kernel's line works unchanged: netconsole= (Linux
 * Documentation/networking/netconsole.rst, net/core/netpoll.c's
 * netpoll_parse_options()) and ip= (Documentation/admin-guide/nfs/
 * nfsroot.rst).  Addresses are IPv4 only and kept in host byte order
 * (10.0.2.15 is 0x0a00020f).  docs/net.md lists the choices made here.
 */
#ifndef TINYDUMP_PAYLOAD_NET_NETCFG_H
#define TINYDUMP_PAYLOAD_NET_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/net/nic.h"

/* netconsole.rst's defaults: "src-port ... (defaults to 6665)",
 * "tgt-port port for logging agent (6666)". */
#define NETCONSOLE_SRC_PORT_DEFAULT 6665
#define NETCONSOLE_TGT_PORT_DEFAULT 6666
/* IFNAMSIZ (include/uapi/linux/if.h), with its NUL. */
#define NETCFG_DEV_NAME_LEN 16

#define NET_IP_BROADCAST 0xffffffffu

/* The four bytes of a host-order address, for "%u.%u.%u.%u". */
#define NET_IP_ARGS(ip) (unsigned)((ip) >> 24), (unsigned)(((ip) >> 16) & 0xff), \
	(unsigned)(((ip) >> 8) & 0xff), (unsigned)((ip) & 0xff)

/*
 * One netconsole= target:
 * [+][r][src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-mac]
 */
struct netconsole_target {
	bool extended;		/* '+': the /dev/kmsg-style header */
	bool release;		/* 'r': prepend the kernel release (needs '+') */
	uint16_t src_port;	/* default 6665 */
	uint16_t tgt_port;	/* default 6666 */
	uint32_t src_ip;	/* 0: not given */
	uint32_t tgt_ip;
	bool tgt_mac_set;	/* false: the field was empty (broadcast) */
	uint8_t tgt_mac[ETH_ALEN];
	char dev_name[NETCFG_DEV_NAME_LEN];	/* "" when not given */
	bool dev_mac_set;	/* dev was a MAC address (Linux 6.14+) */
	uint8_t dev_mac[ETH_ALEN];
};

/*
 * ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:
 *    <autoconf>:<dns0-ip>:<dns1-ip>:<ntp0-ip>, or a bare method word.
 * Empty fields are 0 / "".
 */
struct net_ipconf {
	uint32_t client, server, gateway, netmask;
	char device[NETCFG_DEV_NAME_LEN];
	bool autoconf;		/* dhcp, bootp, rarp, both, on or any asked */
	bool off;		/* "off" or "none" as the whole value */
};

/* What the stack and its users get from the command line. */
struct net_config {
	bool have_netconsole;
	struct netconsole_target nc;	/* the first netconsole= target */
	bool have_ipconf;
	struct net_ipconf ipc;

	uint32_t ip;		/* ours: netconsole's src-ip, else ip='s */
	uint32_t netmask;	/* ip='s, else classful from @ip */
	uint32_t gateway;	/* ip='s gw-ip, 0: none (all on-link) */
	uint32_t dump_ip;	/* netconsole's tgt-ip, else ip='s server */
	uint16_t dump_port;	/* tinydump.port= */
};

/**
 * netcfg_parse_ipv4() - a dotted quad "a.b.c.d", each 0..255 in decimal
 * (at most three digits), nothing else in @s[0..@len).
 * Return: true and *@ip in host byte order, or false.
 */
bool netcfg_parse_ipv4(const char *s, size_t len, uint32_t *ip);

/**
 * netcfg_parse_mac() - "12:34:56:78:9a:bc" (mac_pton()'s form: six pairs
 * of hex digits separated by ':'), nothing else in @s[0..@len).
 * Return: true and @mac, or false.
 */
bool netcfg_parse_mac(const char *s, size_t len, uint8_t mac[ETH_ALEN]);

/**
 * netcfg_parse_netconsole() - one target of a netconsole= value.
 * @s, @len: the value; only the part before the first ';' is read
 *           (Linux takes several targets separated by ';').
 * @t:       receives the target (defaults filled first)
 * @why:     on failure, what was wrong (a static string); may be NULL
 * Return: 0, or -EINVAL (IPv6 addresses included: not supported).
 */
int netcfg_parse_netconsole(const char *s, size_t len,
			    struct netconsole_target *t, const char **why);

/**
 * netcfg_parse_ip() - an ip= value.
 * @why: on failure, what was wrong; may be NULL
 * Return: 0, or -EINVAL.
 */
int netcfg_parse_ip(const char *s, size_t len, struct net_ipconf *ic,
		    const char **why);

/** netcfg_classful_mask() - the class A/B/C netmask of @ip (0: class D/E). */
uint32_t netcfg_classful_mask(uint32_t ip);

/** netcfg_mask_ok() - @mask is contiguous ones then zeros, not 0. */
bool netcfg_mask_ok(uint32_t mask);

/**
 * net_config_parse() - the network settings of @bootargs.
 * @c:         receives them
 * @bootargs:  the command line (NULL: empty)
 * @dump_port: tinydump.port=, stored in c->dump_port
 * @report:    called with a message for each problem (may be NULL)
 *
 * Reads the last netconsole= and ip= (later arguments win, as in
 * config_find()).  Derives our address, netmask, gateway and the dump's
 * peer as docs/net.md says.
 *
 * Return: 0 when the network can be used (an address of ours is known);
 * -ENOENT when the line asks for no network (no netconsole=, no usable
 * ip=); -EINVAL when what it gives is wrong or incomplete (reported).
 */
int net_config_parse(struct net_config *c, const char *bootargs,
		     uint16_t dump_port,
		     void (*report)(void *ctx, const char *msg), void *ctx);

#endif
