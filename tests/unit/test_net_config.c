// SPDX-License-Identifier: MIT
/*
 * payload/net/netcfg.c: netconsole= in the forms
 * Documentation/networking/netconsole.rst shows and netpoll accepts, ip=
 * in nfsroot.rst's forms, many broken variants of each, and how the two
 * combine into our address, netmask, gateway and the dump's peer.
 */
#include <errno.h>
#include <string.h>

#include "payload/net/netcfg.h"
#include "tests/unit/check.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

struct reports {
	unsigned n;
	char last[200];
};

static void report(void *ctx, const char *msg)
{
	struct reports *r = ctx;

	r->n++;
	strncpy(r->last, msg, sizeof(r->last) - 1);
	r->last[sizeof(r->last) - 1] = '\0';
}

static int nc(const char *s, struct netconsole_target *t, const char **why)
{
	return netcfg_parse_netconsole(s, strlen(s), t, why);
}

static int ipc(const char *s, struct net_ipconf *ic, const char **why)
{
	return netcfg_parse_ip(s, strlen(s), ic, why);
}

static void test_ipv4_mac(void)
{
	uint32_t ip = 7;
	uint8_t mac[6];
	static const char *const bad[] = {
		"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256",
		"1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d",
		"1.2.3.0004", "-1.2.3.4", "1.2.3.4/24", "0x1.2.3.4", "::1",
		"fd00::1", NULL,
	};

	CHECK(netcfg_parse_ipv4("10.0.2.15", 9, &ip));
	CHECK_EQ(ip, IP(10, 0, 2, 15));
	CHECK(netcfg_parse_ipv4("255.255.255.255", 15, &ip));
	CHECK_EQ(ip, 0xffffffffu);
	CHECK(netcfg_parse_ipv4("0.0.0.0", 7, &ip));
	CHECK_EQ(ip, 0);
	CHECK(netcfg_parse_ipv4("010.001.002.003", 15, &ip));
	CHECK_EQ(ip, IP(10, 1, 2, 3));
	/* Length-bounded: what follows is not read. */
	CHECK(netcfg_parse_ipv4("192.168.1.1:x", 11, &ip));
	CHECK_EQ(ip, IP(192, 168, 1, 1));
	ip = 7;
	for (int i = 0; bad[i]; i++) {
		if (netcfg_parse_ipv4(bad[i], strlen(bad[i]), &ip))
			fprintf(stderr, "accepted %s\n", bad[i]);
		CHECK(!netcfg_parse_ipv4(bad[i], strlen(bad[i]), &ip));
	}
	CHECK_EQ(ip, 7);

	CHECK(netcfg_parse_mac("12:34:56:78:9a:bc", 17, mac));
	CHECK(mac[0] == 0x12 && mac[4] == 0x9a && mac[5] == 0xbc);
	CHECK(netcfg_parse_mac("FF:ff:Ff:00:01:0A", 17, mac));
	CHECK(mac[0] == 0xff && mac[5] == 0x0a);
	CHECK(!netcfg_parse_mac("12:34:56:78:9a", 14, mac));
	CHECK(!netcfg_parse_mac("12:34:56:78:9a:bc:", 18, mac));
	CHECK(!netcfg_parse_mac("12-34-56-78-9a-bc", 17, mac));
	CHECK(!netcfg_parse_mac("12:34:56:78:9a:bg", 17, mac));
	CHECK(!netcfg_parse_mac("1:234:56:78:9a:bc", 17, mac));
	CHECK(!netcfg_parse_mac("123456789abc", 12, mac));

	CHECK_EQ(netcfg_classful_mask(IP(10, 0, 2, 15)), 0xff000000u);
	CHECK_EQ(netcfg_classful_mask(IP(172, 16, 0, 1)), 0xffff0000u);
	CHECK_EQ(netcfg_classful_mask(IP(192, 168, 1, 1)), 0xffffff00u);
	CHECK_EQ(netcfg_classful_mask(IP(224, 0, 0, 1)), 0);
	CHECK(netcfg_mask_ok(0xffffff00u));
	CHECK(netcfg_mask_ok(0xffffffffu));
	CHECK(netcfg_mask_ok(0x80000000u));
	CHECK(!netcfg_mask_ok(0));
	CHECK(!netcfg_mask_ok(0xff00ff00u));
	CHECK(!netcfg_mask_ok(0x00ffffffu));
}

static void test_netconsole_valid(void)
{
	struct netconsole_target t;
	const char *why = "unset";

	/* netconsole.rst's first example. */
	CHECK_EQ(nc("4444@10.0.0.1/eth1,9353@10.0.0.2/12:34:56:78:9a:bc", &t,
		    &why), 0);
	CHECK(why == NULL);
	CHECK(!t.extended && !t.release);
	CHECK_EQ(t.src_port, 4444);
	CHECK_EQ(t.src_ip, IP(10, 0, 0, 1));
	CHECK_STR(t.dev_name, "eth1");
	CHECK(!t.dev_mac_set);
	CHECK_EQ(t.tgt_port, 9353);
	CHECK_EQ(t.tgt_ip, IP(10, 0, 0, 2));
	CHECK(t.tgt_mac_set);
	CHECK(t.tgt_mac[0] == 0x12 && t.tgt_mac[5] == 0xbc);

	/* The shortest: everything defaulted but the target. */
	CHECK_EQ(nc("@/,@10.0.0.2/", &t, &why), 0);
	CHECK_EQ(t.src_port, 6665);
	CHECK_EQ(t.tgt_port, 6666);
	CHECK_EQ(t.src_ip, 0);
	CHECK_STR(t.dev_name, "");
	CHECK(!t.tgt_mac_set);
	CHECK_EQ(t.tgt_ip, IP(10, 0, 0, 2));

	/* Extended, release, a MAC as the device (Linux 6.14+). */
	CHECK_EQ(nc("+r4444@10.0.0.1/22:33:44:55:66:77,9353@10.0.0.2/", &t,
		    &why), 0);
	CHECK(t.extended && t.release);
	CHECK(t.dev_mac_set);
	CHECK_EQ(t.dev_mac[0], 0x22);
	CHECK_STR(t.dev_name, "");
	CHECK_EQ(nc("+@/,@10.0.2.2/", &t, &why), 0);
	CHECK(t.extended && !t.release);

	/* QEMU user networking's host. */
	CHECK_EQ(nc("@10.0.2.15/eth0,6666@10.0.2.2/", &t, &why), 0);
	CHECK_EQ(t.src_ip, IP(10, 0, 2, 15));
	CHECK_EQ(t.tgt_ip, IP(10, 0, 2, 2));

	/* Several targets: the first is used. */
	CHECK_EQ(nc("@/,@10.0.0.2/;@/eth1,6892@10.0.0.3/", &t, &why), 0);
	CHECK_EQ(t.tgt_ip, IP(10, 0, 0, 2));
	CHECK_EQ(t.tgt_port, 6666);
	CHECK_EQ(nc("@/,@10.0.0.2/;garbage", &t, &why), 0);

	/* Ports at the ends of the range; broadcast target. */
	CHECK_EQ(nc("1@/,65535@255.255.255.255/ff:ff:ff:ff:ff:ff", &t, &why),
		 0);
	CHECK_EQ(t.src_port, 1);
	CHECK_EQ(t.tgt_port, 65535);
	CHECK_EQ(t.tgt_ip, 0xffffffffu);
	CHECK(t.tgt_mac_set && t.tgt_mac[0] == 0xff);
	/* A 15-character device name fits. */
	CHECK_EQ(nc("@/abcdefghijklmno,@1.2.3.4/", &t, &why), 0);
	CHECK_STR(t.dev_name, "abcdefghijklmno");
}

static void test_netconsole_invalid(void)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "expected [src-port]@" },
		{ "10.0.0.2", "expected [src-port]@" },
		{ "@/", "expected [src-port]@" },
		{ "r@/,@10.0.0.2/", "'r' needs '+'" },
		{ "+x@/,@10.0.0.2/", "the source port" },
		{ "/,@10.0.0.2/", "expected '@' after the source port" },
		{ "6665/eth0,@10.0.0.2/", "expected '@' after the source port" },
		{ "0@/,@10.0.0.2/", "the source port" },
		{ "65536@/,@10.0.0.2/", "the source port" },
		{ "0x10@/,@10.0.0.2/", "the source port" },
		{ "-1@/,@10.0.0.2/", "the source port" },
		{ "@10.0.0.1,@10.0.0.2/", "expected '/' after the source" },
		{ "@10.0.0/,@10.0.0.2/", "the source address is not" },
		{ "@fd00::1/,@10.0.0.2/", "IPv6" },
		{ "@/abcdefghijklmnop,@1.2.3.4/", "longer than 15" },
		{ "@/12:34:56:78:9a,@1.2.3.4/", "neither a name nor a MAC" },
		{ "@/,10.0.0.2/", "expected '@' after the target port" },
		{ "@/,0@10.0.0.2/", "the target port" },
		{ "@/,66666@10.0.0.2/", "the target port" },
		{ "@/, 6666@10.0.0.2/", "the target port" },
		{ "@/,@10.0.0.2", "expected '/' after the target address" },
		{ "@/,@/", "the target address is missing" },
		{ "@/,@10.0.0.256/", "the target address is not" },
		{ "@/,@fd00:1:2:3::1/", "IPv6" },
		{ "@/,@0.0.0.0/", "0.0.0.0" },
		{ "@/,@10.0.0.2/12:34:56:78:9a", "the target MAC" },
		{ "@/,@10.0.0.2/12:34:56:78:9a:bc:de", "the target MAC" },
		{ "@/,@10.0.0.2/eth0", "the target MAC" },
		{ ";@/,@10.0.0.2/", "expected [src-port]@" },
	};
	struct netconsole_target t;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_EQ(nc(bad[i].s, &t, &why), -EINVAL);
		if (!why || !strstr(why, bad[i].why)) {
			fprintf(stderr, "netconsole=%s: %s\n", bad[i].s,
				why ? why : "(no reason)");
			CHECK(!"the reason names the problem");
		}
	}
	CHECK_EQ(netcfg_parse_netconsole(NULL, 0, &t, &why), -EINVAL);
	CHECK_EQ(netcfg_parse_netconsole("@/,@1.2.3.4/", 12, NULL, NULL),
		 -EINVAL);
	/* Length-bounded: a valid prefix of a longer string. */
	CHECK_EQ(netcfg_parse_netconsole("@/,@1.2.3.4/xyz", 12, &t, NULL), 0);
}

static void test_ip_forms(void)
{
	struct net_ipconf ic;
	const char *why;
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "foo", "not a.b.c.d" },
		{ "10.0.2.15:10.0.2:::::", "not a.b.c.d" },
		{ "10.0.2.15::10.0.2.256::::", "not a.b.c.d" },
		{ "10.0.2.15:::255.0.255.0", "not contiguous" },
		{ "10.0.2.15:::0.0.0.255", "not contiguous" },
		{ "10.0.2.15:::::eth0:maybe", "autoconf is not" },
		{ "10.0.2.15:::::abcdefghijklmnop:off", "longer than 15" },
		{ "fd00::1", "not a.b.c.d" },
		{ "dhcp6", "not a.b.c.d" },
	};

	/* nfsroot.rst's full form. */
	CHECK_EQ(ipc("10.0.2.15:10.0.2.2:10.0.2.1:255.255.255.0:board:eth0:off:"
		     "10.0.2.3:8.8.8.8:10.0.2.4", &ic, &why), 0);
	CHECK_EQ(ic.client, IP(10, 0, 2, 15));
	CHECK_EQ(ic.server, IP(10, 0, 2, 2));
	CHECK_EQ(ic.gateway, IP(10, 0, 2, 1));
	CHECK_EQ(ic.netmask, 0xffffff00u);
	CHECK_STR(ic.device, "eth0");
	CHECK(!ic.autoconf && !ic.off);
	/* Empty fields; extra fields ignored. */
	CHECK_EQ(ipc("192.168.1.5::::::", &ic, &why), 0);
	CHECK_EQ(ic.client, IP(192, 168, 1, 5));
	CHECK_EQ(ic.server, 0);
	CHECK_EQ(ic.gateway, 0);
	CHECK_EQ(ic.netmask, 0);
	CHECK_EQ(ipc("192.168.1.5", &ic, &why), 0);
	CHECK_EQ(ic.client, IP(192, 168, 1, 5));
	CHECK_EQ(ipc("192.168.1.5:::::::a:b:c:d:e:f", &ic, &why), 0);
	CHECK_EQ(ipc(":10.0.0.1::::eth1:dhcp", &ic, &why), 0);
	CHECK_EQ(ic.client, 0);
	CHECK_EQ(ic.server, IP(10, 0, 0, 1));
	CHECK(ic.autoconf);
	CHECK_EQ(ipc("10.1.1.1::10.1.1.254:255.255.255.0::eth0:none", &ic,
		     &why), 0);
	CHECK(!ic.autoconf);
	CHECK_EQ(ic.gateway, IP(10, 1, 1, 254));

	/* The bare words. */
	CHECK_EQ(ipc("off", &ic, &why), 0);
	CHECK(ic.off);
	CHECK_EQ(ipc("none", &ic, &why), 0);
	CHECK(ic.off);
	static const char *const on[] = { "on", "any", "dhcp", "bootp",
					  "rarp", "both" };
	for (size_t i = 0; i < 6; i++) {
		CHECK_EQ(ipc(on[i], &ic, &why), 0);
		CHECK(ic.autoconf && !ic.off && !ic.client);
	}

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_EQ(ipc(bad[i].s, &ic, &why), -EINVAL);
		if (!why || !strstr(why, bad[i].why)) {
			fprintf(stderr, "ip=%s: %s\n", bad[i].s,
				why ? why : "(no reason)");
			CHECK(!"the reason names the problem");
		}
	}
	CHECK_EQ(netcfg_parse_ip(NULL, 0, &ic, NULL), -EINVAL);
}

static void test_combined(void)
{
	struct net_config c;
	struct reports r = { 0 };

	/* QEMU user networking, netconsole alone: classful /8 netmask. */
	CHECK_EQ(net_config_parse(&c, "console=ttyAMA0 "
				  "netconsole=@10.0.2.15/eth0,@10.0.2.2/",
				  6667, report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK(c.have_netconsole && !c.have_ipconf);
	CHECK_EQ(c.ip, IP(10, 0, 2, 15));
	CHECK_EQ(c.netmask, 0xff000000u);
	CHECK_EQ(c.gateway, 0);
	CHECK_EQ(c.dump_ip, IP(10, 0, 2, 2));
	CHECK_EQ(c.dump_port, 6667);

	/* ip= gives the address, mask and gateway; netconsole the target. */
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.15::10.0.2.2:255.255.255.0"
				  "::eth0:off netconsole=+@/,@192.168.7.1/",
				  7000, report, &r), 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(c.ip, IP(10, 0, 2, 15));
	CHECK_EQ(c.netmask, 0xffffff00u);
	CHECK_EQ(c.gateway, IP(10, 0, 2, 2));
	CHECK_EQ(c.dump_ip, IP(192, 168, 7, 1));
	CHECK_EQ(c.dump_port, 7000);
	CHECK(c.nc.extended);

	/* netconsole's src-ip wins over ip='s client, with a note. */
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.16:10.0.2.9::255.255.255.0 "
				  "netconsole=@10.0.2.15/,@10.0.2.2/",
				  6667, report, &r), 0);
	CHECK_EQ(c.ip, IP(10, 0, 2, 15));
	CHECK_EQ(r.n, 1);
	CHECK(strstr(r.last, "10.0.2.15 wins over ip='s 10.0.2.16") != NULL);
	/* ... and the dump goes to the netconsole target, not ip='s server. */
	CHECK_EQ(c.dump_ip, IP(10, 0, 2, 2));

	/* ip= alone: the dump goes to its server; quoted value. */
	r.n = 0;
	CHECK_EQ(net_config_parse(&c, "\"ip=172.16.0.9:172.16.0.1:::\"", 6667,
				  report, &r), 0);
	CHECK_EQ(c.ip, IP(172, 16, 0, 9));
	CHECK_EQ(c.netmask, 0xffff0000u);
	CHECK_EQ(c.dump_ip, IP(172, 16, 0, 1));
	CHECK(!c.have_netconsole);
	/* The later argument wins. */
	CHECK_EQ(net_config_parse(&c, "ip=1.1.1.1 ip=192.168.0.2", 6667,
				  report, &r), 0);
	CHECK_EQ(c.ip, IP(192, 168, 0, 2));
	CHECK_EQ(c.netmask, 0xffffff00u);
	CHECK_EQ(r.n, 0);

	/* A gateway off our subnet is dropped with a message. */
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.15::10.0.3.1:255.255.255.0",
				  6667, report, &r), 0);
	CHECK_EQ(c.gateway, 0);
	CHECK_EQ(r.n, 1);
	CHECK(strstr(r.last, "ignoring gateway 10.0.3.1") != NULL);

	/* Nothing asks for a network. */
	r.n = 0;
	CHECK_EQ(net_config_parse(&c, "console=ttyAMA0 root=/dev/vda", 6667,
				  report, &r), -ENOENT);
	CHECK_EQ(net_config_parse(&c, NULL, 6667, report, &r), -ENOENT);
	CHECK_EQ(net_config_parse(&c, "ip=off", 6667, report, &r), -ENOENT);
	CHECK_EQ(net_config_parse(&c, "ip=::::::off", 6667, report, &r),
		 -ENOENT);
	CHECK_EQ(r.n, 0);

	/* Asked for, but unusable: each says why. */
	CHECK_EQ(net_config_parse(&c, "ip=dhcp", 6667, report, &r), -EINVAL);
	CHECK(strstr(r.last, "DHCP") != NULL);
	CHECK_EQ(net_config_parse(&c, "netconsole=@/,@10.0.2.2/", 6667, report,
				  &r), -EINVAL);
	CHECK(strstr(r.last, "no address of ours") != NULL);
	CHECK_EQ(net_config_parse(&c, "netconsole=@/,@10.0.2.2/ ip=dhcp",
				  6667, report, &r), -EINVAL);
	CHECK(strstr(r.last, "DHCP") != NULL);
	CHECK_EQ(net_config_parse(&c, "netconsole=@/,10.0.2.2", 6667, report,
				  &r), -EINVAL);
	CHECK_STR(r.last, "net: ignoring netconsole=@/,10.0.2.2: expected "
			  "'@' after the target port");
	CHECK_EQ(net_config_parse(&c, "netconsole", 6667, report, &r),
		 -EINVAL);
	CHECK_STR(r.last, "net: ignoring netconsole=: no value");
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.300", 6667, report, &r),
		 -EINVAL);
	CHECK(strstr(r.last, "ip=10.0.2.300") != NULL);
	CHECK_EQ(net_config_parse(&c, "ip=127.0.0.1", 6667, report, &r),
		 -EINVAL);
	CHECK_STR(r.last, "net: 127.0.0.1 cannot be our address");
	CHECK_EQ(net_config_parse(&c, "ip=224.0.0.5", 6667, report, &r),
		 -EINVAL);
	CHECK_EQ(net_config_parse(&c, "ip=0.1.2.3", 6667, report, &r),
		 -EINVAL);
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.255:::255.255.255.0", 6667,
				  report, &r), -EINVAL);
	CHECK(strstr(r.last, "broadcast") != NULL);
	/* /31 has no broadcast address: .255 is a host there. */
	CHECK_EQ(net_config_parse(&c, "ip=10.0.2.255:::255.255.255.254", 6667,
				  report, &r), 0);
	/* A bad netconsole= with a good ip=: the network is still usable. */
	r.n = 0;
	CHECK_EQ(net_config_parse(&c, "netconsole=@/,@10.0.2.2 "
				  "ip=10.0.2.15", 6667, report, &r), 0);
	CHECK_EQ(r.n, 1);
	CHECK(!c.have_netconsole);
	CHECK_EQ(c.ip, IP(10, 0, 2, 15));
	CHECK_EQ(net_config_parse(NULL, "", 6667, report, &r), -EINVAL);
	/* No report callback: still decided. */
	CHECK_EQ(net_config_parse(&c, "ip=dhcp", 6667, NULL, NULL), -EINVAL);
}

int main(void)
{
	test_ipv4_mac();
	test_netconsole_valid();
	test_netconsole_invalid();
	test_ip_forms();
	test_combined();
	return check_summary("test_net_config");
}
