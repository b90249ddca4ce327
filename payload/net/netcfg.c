// SPDX-License-Identifier: MIT
/*
 * netconsole= and ip= as Linux reads them (net/core/netpoll.c
 * netpoll_parse_options(), drivers/net/netconsole.c alloc_param_target(),
 * net/ipv4/ipconfig.c ip_auto_config_setup(); the syntax in
 * Documentation/networking/netconsole.rst and
 * Documentation/admin-guide/nfs/nfsroot.rst), but stricter: an address
 * that is not a clean dotted quad, a netmask with holes, a port of 0 are
 * refused with a reason instead of read as something else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "payload/config.h"
#include "payload/net/netcfg.h"

#define NETCFG_MSG_LEN 160
/* How much of a rejected value a message quotes. */
#define NETCFG_MSG_VAL_MAX 80
/* ip= fields (nfsroot.rst): client, server, gw, netmask, hostname, device,
 * autoconf, dns0, dns1, ntp0; later ones are ignored, as ipconfig.c does. */
enum { IPF_CLIENT, IPF_SERVER, IPF_GW, IPF_MASK, IPF_HOST, IPF_DEV,
       IPF_AUTOCONF, IPF_COUNT = 10 };

static const char *memchr_c(const char *s, size_t len, char c)
{
	return len ? memchr(s, c, len) : NULL;
}

bool netcfg_parse_ipv4(const char *s, size_t len, uint32_t *ip)
{
	uint32_t v = 0;
	size_t i = 0;
	int part;

	if (!s || !ip)
		return false;
	for (part = 0; part < 4; part++) {
		unsigned oct = 0, digits = 0;

		if (part) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 3) {
			oct = oct * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (!digits || oct > 255)
			return false;
		v = v << 8 | oct;
	}
	if (i != len)
		return false;
	*ip = v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool netcfg_parse_mac(const char *s, size_t len, uint8_t mac[ETH_ALEN])
{
	uint8_t m[ETH_ALEN];
	int i;

	/* "xx:xx:xx:xx:xx:xx": 3 characters a byte, less the last ':'. */
	if (!s || !mac || len != 3 * ETH_ALEN - 1)
		return false;
	for (i = 0; i < ETH_ALEN; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		if (i < ETH_ALEN - 1 && s[3 * i + 2] != ':')
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, ETH_ALEN);
	return true;
}

/* A UDP port 1..65535 in decimal (kstrtou16's digits; 0 is refused). */
static bool parse_port(const char *s, size_t len, uint16_t *port)
{
	uint64_t v;

	if (config_parse_u64(s, len, &v) || v == 0 || v > 0xffff)
		return false;
	/* config_parse_u64 takes 0x too; a port is decimal only. */
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	*port = (uint16_t)v;
	return true;
}

/* An IPv4 address field; an IPv6 one gets its own reason. */
static bool parse_addr(const char *s, size_t len, uint32_t *ip,
		       const char **why, const char *what_bad)
{
	if (netcfg_parse_ipv4(s, len, ip))
		return true;
	*why = memchr_c(s, len, ':') ? "IPv6 addresses are not supported"
				     : what_bad;
	return false;
}

int netcfg_parse_netconsole(const char *s, size_t len,
			    struct netconsole_target *t, const char **why)
{
	const char *dummy, *p, *end, *comma, *at, *slash;
	size_t n;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!s || !t) {
		*why = "no value";
		return -EINVAL;
	}
	memset(t, 0, sizeof(*t));
	t->src_port = NETCONSOLE_SRC_PORT_DEFAULT;
	t->tgt_port = NETCONSOLE_TGT_PORT_DEFAULT;

	/* Several targets are separated by ';': the first is ours. */
	p = memchr_c(s, len, ';');
	end = p ? p : s + len;
	p = s;
	if (p < end && *p == '+') {
		t->extended = true;
		p++;
	}
	if (p < end && *p == 'r') {
		/* alloc_param_target(): "Release feature requires extended
		 * log message". */
		if (!t->extended) {
			*why = "'r' needs '+' (the extended format)";
			return -EINVAL;
		}
		t->release = true;
		p++;
	}

	/* The local part: [src-port]@[src-ip]/[dev] */
	comma = memchr_c(p, (size_t)(end - p), ',');
	if (!comma) {
		*why = "expected [src-port]@[src-ip]/[dev],[tgt-port]@<tgt-ip>/[tgt-mac]";
		return -EINVAL;
	}
	at = memchr_c(p, (size_t)(comma - p), '@');
	if (!at) {
		*why = "expected '@' after the source port";
		return -EINVAL;
	}
	if (at > p && !parse_port(p, (size_t)(at - p), &t->src_port)) {
		*why = "the source port is not a number 1..65535";
		return -EINVAL;
	}
	p = at + 1;
	slash = memchr_c(p, (size_t)(comma - p), '/');
	if (!slash) {
		*why = "expected '/' after the source address";
		return -EINVAL;
	}
	if (slash > p && !parse_addr(p, (size_t)(slash - p), &t->src_ip, why,
				     "the source address is not a.b.c.d"))
		return -EINVAL;
	p = slash + 1;
	n = (size_t)(comma - p);
	if (n) {
		/* netpoll: a ':' makes it a MAC address, else a name. */
		if (memchr_c(p, n, ':')) {
			if (!netcfg_parse_mac(p, n, t->dev_mac)) {
				*why = "the device is neither a name nor a MAC address";
				return -EINVAL;
			}
			t->dev_mac_set = true;
		} else {
			if (n >= sizeof(t->dev_name)) {
				*why = "the device name is longer than 15 characters";
				return -EINVAL;
			}
			memcpy(t->dev_name, p, n);
			t->dev_name[n] = '\0';
		}
	}

	/* The target part: [tgt-port]@<tgt-ip>/[tgt-mac] */
	p = comma + 1;
	at = memchr_c(p, (size_t)(end - p), '@');
	if (!at) {
		*why = "expected '@' after the target port";
		return -EINVAL;
	}
	if (at > p && !parse_port(p, (size_t)(at - p), &t->tgt_port)) {
		*why = "the target port is not a number 1..65535";
		return -EINVAL;
	}
	p = at + 1;
	/* netpoll_parse_options() requires the '/' even without a MAC. */
	slash = memchr_c(p, (size_t)(end - p), '/');
	if (!slash) {
		*why = "expected '/' after the target address";
		return -EINVAL;
	}
	if (slash == p) {
		*why = "the target address is missing";
		return -EINVAL;
	}
	if (!parse_addr(p, (size_t)(slash - p), &t->tgt_ip, why,
			"the target address is not a.b.c.d"))
		return -EINVAL;
	if (t->tgt_ip == 0) {
		*why = "the target address is 0.0.0.0";
		return -EINVAL;
	}
	p = slash + 1;
	if (p < end) {
		if (!netcfg_parse_mac(p, (size_t)(end - p), t->tgt_mac)) {
			*why = "the target MAC address is not xx:xx:xx:xx:xx:xx";
			return -EINVAL;
		}
		t->tgt_mac_set = true;
	}
	return 0;
}

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(s, w, len);
}

/* ipconfig.c ic_proto_name()'s words: 1 autoconf, 0 off, -1 unknown. */
static int autoconf_word(const char *s, size_t len)
{
	static const char *const on[] = { "on", "any", "dhcp", "bootp",
					  "rarp", "both" };

	if (word_is(s, len, "off") || word_is(s, len, "none"))
		return 0;
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (word_is(s, len, on[i]))
			return 1;
	return -1;
}

bool netcfg_mask_ok(uint32_t mask)
{
	/* Ones then zeros: the complement plus one is a power of two. */
	uint32_t inv = ~mask;

	return mask && !(inv & (inv + 1));
}

uint32_t netcfg_classful_mask(uint32_t ip)
{
	/* RFC 791 §2.3 "Addressing": class A 0xxx, B 10xx, C 110x. */
	if (!(ip & 0x80000000u))
		return 0xff000000u;
	if ((ip & 0xc0000000u) == 0x80000000u)
		return 0xffff0000u;
	if ((ip & 0xe0000000u) == 0xc0000000u)
		return 0xffffff00u;
	return 0;
}

int netcfg_parse_ip(const char *s, size_t len, struct net_ipconf *ic,
		    const char **why)
{
	const char *dummy, *p, *end;
	int field, w;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!ic || !s) {
		*why = "no value";
		return -EINVAL;
	}
	memset(ic, 0, sizeof(*ic));
	if (!memchr_c(s, len, ':')) {
		/* A bare method word; anything else is a lone client-ip. */
		w = autoconf_word(s, len);
		if (w == 0) {
			ic->off = true;
			return 0;
		}
		if (w == 1) {
			ic->autoconf = true;
			return 0;
		}
	}
	p = s;
	end = s + len;
	for (field = 0; field < IPF_COUNT && p <= end; field++) {
		const char *colon = memchr_c(p, (size_t)(end - p), ':');
		const char *fend = colon ? colon : end;
		size_t n = (size_t)(fend - p);
		uint32_t *addr = NULL;

		switch (field) {
		case IPF_CLIENT:
			addr = &ic->client;
			break;
		case IPF_SERVER:
			addr = &ic->server;
			break;
		case IPF_GW:
			addr = &ic->gateway;
			break;
		case IPF_MASK:
			addr = &ic->netmask;
			break;
		case IPF_DEV:
			if (n >= sizeof(ic->device)) {
				*why = "the device name is longer than 15 characters";
				return -EINVAL;
			}
			memcpy(ic->device, p, n);
			ic->device[n] = '\0';
			break;
		case IPF_AUTOCONF:
			if (!n)
				break;
			w = autoconf_word(p, n);
			if (w < 0) {
				*why = "autoconf is not off, none, on, any, dhcp, bootp, rarp or both";
				return -EINVAL;
			}
			ic->autoconf = w == 1;
			break;
		default:	/* hostname, DNS and NTP servers: not used */
			break;
		}
		if (addr && n && !parse_addr(p, n, addr, why,
					     "an address is not a.b.c.d"))
			return -EINVAL;
		if (!colon)
			break;
		p = colon + 1;
	}
	if (ic->netmask && !netcfg_mask_ok(ic->netmask)) {
		*why = "the netmask is not contiguous ones then zeros";
		return -EINVAL;
	}
	return 0;
}

/* A message built piece by piece, cut at its size. */
struct netcfg_msg {
	char buf[NETCFG_MSG_LEN];
	size_t len;
};

static void msg_add(struct netcfg_msg *m, const char *s, size_t n)
{
	size_t room = sizeof(m->buf) - 1 - m->len;

	if (n > room)
		n = room;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void msg_str(struct netcfg_msg *m, const char *s)
{
	msg_add(m, s, strlen(s));
}

static void msg_ip(struct netcfg_msg *m, uint32_t ip)
{
	char b[16];
	int n = snprintf(b, sizeof(b), "%u.%u.%u.%u", NET_IP_ARGS(ip));

	if (n > 0)
		msg_add(m, b, (size_t)n);
}

static void say(void (*report)(void *, const char *), void *ctx,
		struct netcfg_msg *m)
{
	if (report)
		report(ctx, m->buf);
}

/* "net: ignoring key=value: why" */
static void say_bad(void (*report)(void *, const char *), void *ctx,
		    const char *key, const char *val, size_t len,
		    const char *why)
{
	struct netcfg_msg m = { .len = 0 };

	msg_str(&m, "net: ignoring ");
	msg_str(&m, key);
	msg_str(&m, "=");
	if (val)
		msg_add(&m, val, len > NETCFG_MSG_VAL_MAX ? NETCFG_MSG_VAL_MAX
							  : len);
	msg_str(&m, ": ");
	msg_str(&m, why ? why : "no value");
	say(report, ctx, &m);
}

/* Not an address a host may use as its own (RFC 1122 §3.2.1.3). */
static bool unicast_ok(uint32_t ip)
{
	uint32_t net = ip >> 24;

	return net != 0 && net != 127 && net < 224;
}

int net_config_parse(struct net_config *c, const char *bootargs,
		     uint16_t dump_port,
		     void (*report)(void *ctx, const char *msg), void *ctx)
{
	struct netcfg_msg m = { .len = 0 };
	const char *line = bootargs ? bootargs : "";
	const char *val, *why;
	size_t len;
	bool bad = false;

	if (!c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->dump_port = dump_port;

	if (!config_find(line, "netconsole", &val, &len)) {
		if (!val || netcfg_parse_netconsole(val, len, &c->nc, &why)) {
			say_bad(report, ctx, "netconsole", val, len,
				val ? why : "no value");
			bad = true;
		} else {
			c->have_netconsole = true;
		}
	}
	if (!config_find(line, "ip", &val, &len)) {
		if (!val || netcfg_parse_ip(val, len, &c->ipc, &why)) {
			say_bad(report, ctx, "ip", val, len,
				val ? why : "no value");
			bad = true;
		} else if (!c->ipc.off) {
			c->have_ipconf = true;
		}
	}
	if (!c->have_netconsole && (!c->have_ipconf ||
				    (!c->ipc.client && !c->ipc.autoconf)))
		return bad ? -EINVAL : -ENOENT;

	c->ip = c->nc.src_ip ? c->nc.src_ip : c->ipc.client;
	if (!c->ip) {
		msg_str(&m, c->ipc.autoconf
			? "net: ip= asks for DHCP/BOOTP/RARP, which tinydump "
			  "does not do: give <client-ip> in ip= or the source "
			  "address in netconsole="
			: "net: no address of ours: give <client-ip> in ip= or "
			  "the source address in netconsole=");
		say(report, ctx, &m);
		return -EINVAL;
	}
	if (!unicast_ok(c->ip)) {
		msg_str(&m, "net: ");
		msg_ip(&m, c->ip);
		msg_str(&m, " cannot be our address");
		say(report, ctx, &m);
		return -EINVAL;
	}
	if (c->nc.src_ip && c->ipc.client && c->nc.src_ip != c->ipc.client) {
		msg_str(&m, "net: netconsole='s source ");
		msg_ip(&m, c->nc.src_ip);
		msg_str(&m, " wins over ip='s ");
		msg_ip(&m, c->ipc.client);
		say(report, ctx, &m);
		m.len = 0;
	}
	c->netmask = c->ipc.netmask ? c->ipc.netmask
				    : netcfg_classful_mask(c->ip);
	/* The subnet's own broadcast address is nobody's (not /31, /32). */
	if ((c->netmask & 3) == 0 && (c->ip | c->netmask) == NET_IP_BROADCAST) {
		msg_str(&m, "net: ");
		msg_ip(&m, c->ip);
		msg_str(&m, " is the broadcast address of its subnet");
		say(report, ctx, &m);
		return -EINVAL;
	}
	c->gateway = c->ipc.gateway;
	if (c->gateway && ((c->gateway ^ c->ip) & c->netmask)) {
		msg_str(&m, "net: ignoring gateway ");
		msg_ip(&m, c->gateway);
		msg_str(&m, ": not on our subnet");
		say(report, ctx, &m);
		c->gateway = 0;
	}
	c->dump_ip = c->have_netconsole ? c->nc.tgt_ip : c->ipc.server;
	return 0;
}
