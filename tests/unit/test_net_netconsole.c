// SPDX-License-Identifier: MIT
/*
 * payload/net/netconsole.c: the datagrams byte for byte.  Plain lines
 * and their batching, the extended header, escaping, 'r', records cut
 * with ncfrag=, the log tap, and the dead kernel's records from a
 * synthetic printk ring (Linux 6.1's layout, as tests/unit/test_dmesg.c
 * builds it) with their own levels, sequence numbers and timestamps.
 * Expected datagrams are written out here from netconsole.rst's and
 * printk.c's rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload/log.h"
#include "payload/net/netconsole.h"
#include "payload/vmcoreinfo.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_nic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t tgt_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define OUR_IP IP(10, 0, 2, 15)
#define TGT_IP IP(10, 0, 2, 2)

static struct fake_nic fnic;
static struct net_stack stack;
static struct netconsole ncon;
static struct fake_host tgt;
static struct fake_host *hosts[] = { &tgt, NULL };

static void setup_stack(void)
{
	struct net_config cfg = { .ip = OUR_IP, .netmask = 0xffffff00u,
				  .gateway = TGT_IP };

	fake_nic_init(&fnic, our_mac);
	memset(&tgt, 0, sizeof(tgt));
	memcpy(tgt.mac, tgt_mac, 6);
	tgt.ip = TGT_IP;
	tgt.answer_arp = true;
	fnic.peer = fake_hosts_peer;
	fnic.peer_ctx = hosts;
	CHECK_EQ(net_init(&stack, &fnic.nic, &cfg), 0);
}

static struct netconsole_target target(bool extended, bool release)
{
	struct netconsole_target t = {
		.extended = extended, .release = release,
		.src_port = 6665, .tgt_port = 6666, .tgt_ip = TGT_IP,
		.tgt_mac_set = true,
	};

	memcpy(t.tgt_mac, tgt_mac, 6);
	return t;
}

static void setup(bool extended, bool release)
{
	struct netconsole_target t = target(extended, release);

	setup_stack();
	CHECK_EQ(netconsole_init(&ncon, &stack, &t, "tinydump-0.1.0"), 0);
	/* netconsole_init() logs where it sends; no tap yet. */
	CHECK_EQ(fnic.tx_count, 0);
}

/* The next datagram sent: checked as netconsole's, payload NUL-ended. */
static size_t next_dgram(char *out, size_t cap)
{
	uint8_t frame[FAKE_NIC_FRAME];
	struct ref_parsed p;
	size_t n = fake_nic_pop(&fnic, frame, sizeof(frame));

	if (!n)
		return 0;
	CHECK(ref_parse(frame, n, &p));
	CHECK(p.udp);
	CHECK(!memcmp(p.dst_mac, tgt_mac, 6) || !memcmp(p.dst_mac, bcast, 6));
	CHECK_EQ(p.src_ip, OUR_IP);
	CHECK_EQ(p.dst_ip, TGT_IP);
	CHECK_EQ(p.sport, 6665);
	CHECK_EQ(p.dport, 6666);
	CHECK(p.ip_csum_ok && p.udp_csum_ok);
	CHECK(p.data_len <= NETCONSOLE_CHUNK);
	CHECK(p.data_len < cap);
	memcpy(out, p.data, p.data_len);
	out[p.data_len] = '\0';
	return p.data_len;
}

static void expect_dgram(const char *want)
{
	char got[FAKE_NIC_FRAME];
	size_t n = next_dgram(got, sizeof(got));

	CHECK_EQ(n, strlen(want));
	CHECK_STR(got, want);
}

static void expect_none(void)
{
	CHECK_EQ(fnic.tx_count, 0);
}

static void write_str(const char *s)
{
	netconsole_write(&ncon, s, strlen(s));
}

static void test_init(void)
{
	struct netconsole_target t;

	/* Given MAC: no ARP. */
	setup(false, false);
	CHECK(!memcmp(ncon.tgt_mac, tgt_mac, 6));
	CHECK_EQ(tgt.arp_requests, 0);
	CHECK(ncon.up);

	/* No MAC, or the broadcast one: ARP for the target. */
	setup_stack();
	t = target(false, false);
	t.tgt_mac_set = false;
	CHECK_EQ(netconsole_init(&ncon, &stack, &t, NULL), 0);
	CHECK_EQ(tgt.arp_requests, 1);
	CHECK(!memcmp(ncon.tgt_mac, tgt_mac, 6));
	setup_stack();
	t.tgt_mac_set = true;
	memset(t.tgt_mac, 0xff, 6);
	CHECK_EQ(netconsole_init(&ncon, &stack, &t, NULL), 0);
	CHECK_EQ(tgt.arp_requests, 1);
	CHECK(!memcmp(ncon.tgt_mac, tgt_mac, 6));

	/* Nobody answers: broadcast after the three tries. */
	setup_stack();
	tgt.answer_arp = false;
	fnic.idle_step_us = 1000;
	CHECK_EQ(netconsole_init(&ncon, &stack, &t, NULL), 0);
	CHECK_EQ(tgt.arp_requests, 3);
	CHECK(!memcmp(ncon.tgt_mac, bcast, 6));
	while (fake_nic_pop(&fnic, (uint8_t[FAKE_NIC_FRAME]){ 0 },
			    FAKE_NIC_FRAME))
		;
	write_str("still sent\n");
	expect_dgram("still sent\n");

	/* Off-link target: ARP for the gateway (here the same host). */
	setup_stack();
	t = target(false, false);
	t.tgt_mac_set = false;
	t.tgt_ip = IP(192, 168, 9, 9);
	CHECK_EQ(netconsole_init(&ncon, &stack, &t, NULL), 0);
	CHECK_EQ(tgt.arp_requests, 1);
	CHECK(!memcmp(ncon.tgt_mac, tgt_mac, 6));

	CHECK_EQ(netconsole_init(NULL, &stack, &t, NULL), -EINVAL);
	CHECK_EQ(netconsole_init(&ncon, NULL, &t, NULL), -EINVAL);
	CHECK_EQ(netconsole_init(&ncon, &stack, NULL, NULL), -EINVAL);
}

static void test_plain(void)
{
	static char big[3000], got[FAKE_NIC_FRAME], joined[4000];
	size_t n, total = 0, i;

	setup(false, false);
	write_str("hello\n");
	expect_dgram("hello\n");
	expect_none();

	/* A partial line waits for its end. */
	write_str("part");
	expect_none();
	write_str("ial\nnext");
	expect_dgram("partial\n");
	expect_none();
	netconsole_flush(&ncon);
	expect_dgram("next");
	netconsole_flush(&ncon);
	expect_none();

	/* Lines written together go together. */
	write_str("one\ntwo\nthree\n");
	expect_dgram("one\ntwo\nthree\n");

	/* 30 lines of 99 bytes: ten (990 bytes) to a datagram, never a
	 * line cut. */
	for (i = 0; i < 30; i++) {
		memset(big + i * 99, 'a' + (int)(i % 26), 98);
		big[i * 99 + 98] = '\n';
	}
	netconsole_write(&ncon, big, 30 * 99);
	for (i = 0; i < 3; i++) {
		n = next_dgram(got, sizeof(got));
		CHECK_EQ(n, 990);
		CHECK_EQ(got[n - 1], '\n');
		memcpy(joined + total, got, n);
		total += n;
	}
	expect_none();
	CHECK_EQ(total, 30 * 99);
	CHECK(!memcmp(joined, big, total));

	/* A line longer than a datagram is cut at 1000 bytes. */
	memset(big, 'z', 2300);
	big[2300] = '\n';
	netconsole_write(&ncon, big, 2301);
	CHECK_EQ(next_dgram(got, sizeof(got)), 1000);
	CHECK_EQ(next_dgram(got, sizeof(got)), 1000);
	CHECK_EQ(next_dgram(got, sizeof(got)), 301);
	CHECK_EQ(got[300], '\n');
	expect_none();
	CHECK_EQ(ncon.stats.datagrams, 10);
}

/* "<prio>,<seq>,<usec>,<flag>;" with usec read back from @got. */
static uint64_t ts_of(const char *got, const char *prefix)
{
	const char *p = got + strlen(prefix);

	CHECK(!strncmp(got, prefix, strlen(prefix)));
	return strtoull(p, NULL, 10);
}

static void test_extended(void)
{
	char got[FAKE_NIC_FRAME], want[FAKE_NIC_FRAME];
	static char longline[1300];
	uint64_t t0, ts;

	setup(true, false);
	t0 = fake_clock_us;
	write_str("hello\n");
	next_dgram(got, sizeof(got));
	ts = ts_of(got, "14,0,");
	CHECK(ts > t0 && ts <= fake_clock_us);
	snprintf(want, sizeof(want), "14,0,%llu,-;hello\n",
		 (unsigned long long)ts);
	CHECK_STR(got, want);

	/* Escapes: control bytes, '\\', DEL and 8-bit bytes as \xNN. */
	write_str("tab\there \\ back\x01\x7f\xff\xc3\xa9 ok\n");
	next_dgram(got, sizeof(got));
	ts = ts_of(got, "14,1,");
	snprintf(want, sizeof(want),
		 "14,1,%llu,-;tab\\x09here \\x5c back\\x01\\x7f\\xff\\xc3"
		 "\\xa9 ok\n", (unsigned long long)ts);
	CHECK_STR(got, want);

	/* One record per line, the partial one on flush. */
	write_str("a\nb\nc");
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,2,", 5) && strstr(got, ",-;a\n"));
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,3,", 5) && strstr(got, ",-;b\n"));
	expect_none();
	netconsole_flush(&ncon);
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,4,", 5) && strstr(got, ",-;c\n"));
	/* An empty line is an empty record. */
	write_str("\n");
	next_dgram(got, sizeof(got));
	ts = ts_of(got, "14,5,");
	snprintf(want, sizeof(want), "14,5,%llu,-;\n", (unsigned long long)ts);
	CHECK_STR(got, want);

	/* A line over NETCONSOLE_LINE_MAX: the rest continues it ('c'). */
	memset(longline, 'L', 600);
	longline[600] = '\n';
	netconsole_write(&ncon, longline, 601);
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,6,", 5));
	CHECK(strstr(got, ",-;") != NULL);
	CHECK_EQ(strlen(strchr(got, ';') + 1), NETCONSOLE_LINE_MAX + 1);
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,7,", 5));
	CHECK(strstr(got, ",c;") != NULL);
	CHECK_EQ(strlen(strchr(got, ';') + 1), 600 - NETCONSOLE_LINE_MAX + 1);
	write_str("after\n");
	next_dgram(got, sizeof(got));
	CHECK(!strncmp(got, "14,8,", 5) && strstr(got, ",-;after\n"));
	CHECK_EQ(ncon.stats.records, 9);

	/* 'r': the release first. */
	setup(true, true);
	write_str("rel\n");
	next_dgram(got, sizeof(got));
	ts = ts_of(got, "tinydump-0.1.0,14,0,");
	snprintf(want, sizeof(want), "tinydump-0.1.0,14,0,%llu,-;rel\n",
		 (unsigned long long)ts);
	CHECK_STR(got, want);
}

/* ---- the dead kernel's records ---------------------------------------- */

#define VA_BASE UINT64_C(0xffff800010000000)
#define PA_BASE UINT64_C(0x40000000)
#define MEM_SIZE 0x8000u
#define VA_PRB (VA_BASE + 0x100)
#define VA_DESCS (VA_BASE + 0x1000)
#define VA_INFOS (VA_BASE + 0x2000)
#define VA_DATA (VA_BASE + 0x4000)
#define COUNT_BITS 4
#define SIZE_BITS 13

static uint8_t kmem[MEM_SIZE];

static int km_va_to_pa(void *ctx, uint64_t va, uint64_t *pa)
{
	(void)ctx;
	if (va < VA_BASE || va - VA_BASE >= MEM_SIZE)
		return -EFAULT;
	*pa = PA_BASE + (va - VA_BASE);
	return 0;
}

static int km_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	if (pa < PA_BASE || pa - PA_BASE > MEM_SIZE ||
	    len > MEM_SIZE - (pa - PA_BASE))
		return -EFAULT;
	memcpy(buf, kmem + (pa - PA_BASE), len);
	return 0;
}

static const struct dmesg_ops km_ops = { km_va_to_pa, km_read };

static void kput(uint64_t va, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		kmem[va - VA_BASE + i] = (uint8_t)(v >> (8 * i));
}

/* Linux 6.1 arm64's keys (a Debian 6.1 vmcore's VMCOREINFO). */
static const char km_keys[] =
	"OSRELEASE=6.1.0-test\n"
	"SYMBOL(prb)=ffff800010000000\n"
	"SIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\n"
	"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"SIZE(prb_desc_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\n"
	"OFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\n"
	"OFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\n"
	"SIZE(prb_desc)=24\n"
	"OFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\n"
	"SIZE(prb_data_blk_lpos)=16\n"
	"OFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\n"
	"SIZE(printk_info)=88\n"
	"OFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\n"
	"OFFSET(printk_info.caller_id)=20\n"
	"OFFSET(printk_info.dev_info)=24\n"
	"SIZE(prb_data_ring)=32\n"
	"OFFSET(prb_data_ring.size_bits)=0\n"
	"OFFSET(prb_data_ring.data)=8\n"
	"SIZE(atomic_long_t)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n";

struct km_rec {
	uint64_t seq, ts;
	uint8_t facility, level, flags;
	const char *text;
	size_t len;
};

/* Committed records 0..n-1 at ids 0..n-1, text blocks back to back. */
static void km_build(const struct km_rec *r, unsigned n)
{
	uint64_t lpos = 0;

	memset(kmem, 0, sizeof(kmem));
	kput(VA_BASE, VA_PRB, 8);			/* prb */
	kput(VA_PRB + 0, COUNT_BITS, 4);
	kput(VA_PRB + 8, VA_DESCS, 8);
	kput(VA_PRB + 16, VA_INFOS, 8);
	kput(VA_PRB + 24, n - 1, 8);			/* head_id */
	kput(VA_PRB + 32, 0, 8);			/* tail_id */
	kput(VA_PRB + 48, SIZE_BITS, 4);
	kput(VA_PRB + 56, VA_DATA, 8);
	for (unsigned id = 0; id < n; id++) {
		uint64_t desc = VA_DESCS + id * 24, info = VA_INFOS + id * 88;
		uint64_t blk = 8 + ((r[id].len + 7) & ~(uint64_t)7);

		memcpy(kmem + (VA_DATA - VA_BASE) + lpos + 8, r[id].text,
		       r[id].len);
		kput(VA_DATA + lpos, id, 8);
		kput(desc, (UINT64_C(2) << 62) | id, 8);	/* finalized */
		kput(desc + 8, lpos, 8);
		kput(desc + 16, lpos + blk, 8);
		lpos += blk;
		kput(info + 0, r[id].seq, 8);
		kput(info + 8, r[id].ts, 8);
		kput(info + 16, r[id].len, 2);
		kput(info + 18, r[id].facility, 1);
		kput(info + 19, (uint64_t)(r[id].level << 5 | r[id].flags), 1);
	}
}

static struct vmcoreinfo_entry km_ent[VMCOREINFO_DEFAULT_ENTRIES];
static struct vmcoreinfo km_vi;
static struct dmesg km_dm;

static void km_init(const struct km_rec *r, unsigned n)
{
	km_build(r, n);
	vmcoreinfo_init(&km_vi, km_ent, VMCOREINFO_DEFAULT_ENTRIES);
	CHECK_EQ(vmcoreinfo_parse(&km_vi, km_keys, sizeof(km_keys) - 1), 0);
	CHECK_EQ(dmesg_init(&km_dm, &km_vi, &km_ops, NULL), 0);
}

static const char frag_text[] =
	"a record long enough to be cut: ";

static void test_dmesg(void)
{
	static char longtext[1000], got[FAKE_NIC_FRAME], want[2 * FAKE_NIC_FRAME];
	static char body[8000];
	struct km_rec recs[4] = {
		{ .seq = 1000, .ts = 1234567891, .facility = 0, .level = 6,
		  .text = "Booting Linux", .len = 13 },
		{ .seq = 1001, .ts = 2000000000, .facility = 0, .level = 0,
		  .flags = 8, .text = "cont\tpiece", .len = 10 },
		{ .seq = 1002, .ts = 999, .facility = 3, .level = 4,
		  .text = "Unable to handle kernel paging request\n", .len = 39 },
		{ .seq = 1003, .ts = UINT64_C(123456789000), .facility = 0,
		  .level = 1, .text = longtext, .len = sizeof(longtext) },
	};
	size_t n, off, total, blen;
	unsigned frags;

	/* The long record: text, then \x01 bytes that escape to 4 each,
	 * so fragment boundaries fall inside escapes. */
	memset(longtext, 'k', sizeof(longtext));
	memcpy(longtext, frag_text, sizeof(frag_text) - 1);
	for (size_t i = 800; i < 900; i++)
		longtext[i] = '\x01';

	/* Extended, with the dead kernel's release. */
	setup(true, true);
	km_init(recs, 4);
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, "6.1.0-test"), 0);
	expect_dgram("6.1.0-test,6,1000,1234567,-;Booting Linux\n");
	expect_dgram("6.1.0-test,0,1001,2000000,c;cont\\x09piece\n");
	expect_dgram("6.1.0-test,28,1002,0,-;Unable to handle kernel paging "
		     "request\\x0a\n");
	/* 1000 text bytes, 100 of them escaped: a body of 1301 bytes. */
	blen = 0;
	for (size_t i = 0; i < sizeof(longtext); i++) {
		if (longtext[i] == '\x01') {
			memcpy(body + blen, "\\x01", 4);
			blen += 4;
		} else {
			body[blen++] = longtext[i];
		}
	}
	body[blen++] = '\n';
	CHECK_EQ(blen, 1301);
	for (off = 0, frags = 0; off < blen; off += total, frags++) {
		int h = snprintf(want, sizeof(want),
				 "6.1.0-test,1,1003,123456789,-,ncfrag=%zu/%zu;",
				 off, blen);

		total = blen - off < (size_t)(NETCONSOLE_CHUNK - h)
				? blen - off
				: (size_t)(NETCONSOLE_CHUNK - h);
		memcpy(want + h, body + off, total);
		want[h + total] = '\0';
		n = next_dgram(got, sizeof(got));
		CHECK_EQ(n, (size_t)h + total);
		CHECK_STR(got, want);
	}
	CHECK_EQ(frags, 2);
	expect_none();
	CHECK_EQ(ncon.stats.records, 4);
	CHECK_EQ(ncon.stats.truncated, 0);

	/* Without 'r'; the tail only; our own lines go on separately. */
	setup(true, false);
	km_init(recs, 3);
	CHECK_EQ(dmesg_tail(&km_dm, 1), 0);
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, "6.1.0-test"), 0);
	expect_dgram("28,1002,0,-;Unable to handle kernel paging "
		     "request\\x0a\n");
	expect_none();

	/* Plain: vmcore-dmesg's lines, packed. */
	setup(false, false);
	km_init(recs, 3);
	write_str("partial ");
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
	expect_dgram("partial ");	/* our partial line goes first */
	expect_dgram("[    1.234567] Booting Linux\n"
		     "[    2.000000] cont\tpiece\n"
		     "[    0.000000] Unable to handle kernel paging request\n"
		     "\n");
	expect_none();
	/* A plain listener gets every byte of a long record too. */
	km_init(recs, 4);
	CHECK_EQ(dmesg_tail(&km_dm, 1), 0);
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
	total = 0;
	while ((n = next_dgram(got, sizeof(got)))) {
		memcpy(want + total, got, n);
		total += n;
	}
	CHECK_EQ(total, 15 + 1000 + 100 * 3 + 1);	/* \x01 -> "\x01" */
	CHECK(!strncmp(want, "[  123.456789] a record long", 28));

	/* Exactly MAX_PRINT_CHUNK bytes go whole; one more is cut in two. */
	{
		static char edge[984];
		struct km_rec e = { .seq = 1000, .ts = 1234567891, .level = 6,
				    .text = edge };

		memset(edge, 'e', sizeof(edge));
		setup(true, false);
		/* "6,1000,1234567,-;" is 17 bytes, then text and '\n'. */
		e.len = 1000 - 17 - 1;
		km_init(&e, 1);
		CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
		CHECK_EQ(next_dgram(got, sizeof(got)), 1000);
		CHECK(!strncmp(got, "6,1000,1234567,-;eee", 20));
		expect_none();
		e.len++;
		km_init(&e, 1);
		CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
		n = next_dgram(got, sizeof(got));
		CHECK_EQ(n, 1000);
		CHECK(!strncmp(got, "6,1000,1234567,-,ncfrag=0/984;eee", 33));
		n = next_dgram(got, sizeof(got));
		CHECK_STR(got, "6,1000,1234567,-,ncfrag=970/984;eeeeeeeeeeeee\n");
		expect_none();
	}

	/* A record longer than NETCONSOLE_TEXT_MAX is cut and counted. */
	{
		static char huge[NETCONSOLE_TEXT_MAX + 50];
		struct km_rec h = { .seq = 7, .ts = 0, .level = 6,
				    .text = huge, .len = sizeof(huge) };

		memset(huge, 'h', sizeof(huge));
		setup(true, false);
		km_init(&h, 1);
		CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
		CHECK_EQ(ncon.stats.truncated, 1);
		total = 0;
		while ((n = next_dgram(got, sizeof(got))))
			total += strlen(strchr(got, ';') + 1);
		CHECK_EQ(total, NETCONSOLE_TEXT_MAX + 1);
	}
	CHECK_EQ(netconsole_send_dmesg(NULL, &km_dm, NULL), -EINVAL);
	CHECK_EQ(netconsole_send_dmesg(&ncon, NULL, NULL), -EINVAL);
}

static void test_tap_and_failures(void)
{
	char got[FAKE_NIC_FRAME];
	unsigned i;

	/* Every log_printf() line reaches the listener. */
	setup(false, false);
	log_set_tap(netconsole_log_tap, &ncon);
	log_printf("dump: %d pages\n", 42);
	expect_dgram("dump: 42 pages\n");

	/* A busy TX ring is waited for, a while. */
	fnic.busy = 20;
	log_printf("after a wait\n");
	expect_dgram("after a wait\n");
	CHECK_EQ(ncon.stats.send_errors, 0);
	fnic.busy = 1000000;
	log_printf("lost\n");
	expect_none();
	CHECK_EQ(ncon.stats.send_errors, 1);
	fnic.busy = 0;
	log_printf("back\n");
	expect_dgram("back\n");

	/* A NIC that fails: after three datagrams netconsole stops, and its
	 * own message about it does not loop through the tap. */
	fnic.send_err = -EIO;
	for (i = 0; i < 5; i++)
		log_printf("line %u\n", i);
	CHECK(!ncon.up);
	CHECK_EQ(ncon.stats.send_errors, 1 + 3);
	CHECK_EQ(ncon.stats.dropped, 2);
	fnic.send_err = 0;
	log_printf("nothing more\n");
	expect_none();
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), -ENODEV);

	/* The feed's own failure message is dropped, not re-entered. */
	log_set_tap(NULL, NULL);
	setup(true, false);
	log_set_tap(netconsole_log_tap, &ncon);
	{
		struct km_rec r[3] = {
			{ .seq = 1, .text = "x", .len = 1, .level = 6 },
			{ .seq = 2, .text = "y", .len = 1, .level = 6 },
			{ .seq = 3, .text = "z", .len = 1, .level = 6 },
		};

		km_init(r, 3);
	}
	fnic.send_err = -EIO;
	CHECK_EQ(netconsole_send_dmesg(&ncon, &km_dm, NULL), 0);
	CHECK(!ncon.up);
	CHECK_EQ(ncon.stats.dropped, 1);	/* the "stopped" line */
	log_set_tap(NULL, NULL);
	CHECK(next_dgram(got, sizeof(got)) == 0);
}

int main(void)
{
	test_init();
	test_plain();
	test_extended();
	test_dmesg();
	test_tap_and_failures();
	return check_summary("test_net_netconsole");
}
