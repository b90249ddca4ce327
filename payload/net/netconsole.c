// SPDX-License-Identifier: MIT
/*
 * netconsole's datagrams, byte for byte as Linux sends them
 * (drivers/net/netconsole.c write_msg() / send_ext_msg_udp(), the
 * extended record as kernel/printk/printk.c info_print_ext_header() and
 * msg_add_ext_text() format it for /dev/kmsg):
 *  - header "%u,%llu,%llu,%c;": (facility << 3) | level, sequence number,
 *    timestamp in microseconds, 'c' when LOG_CONT is set, else '-';
 *  - the text with every byte < 0x20, >= 0x7f and '\\' written "\xNN"
 *    (lowercase hex), then '\n';
 *  - a message over MAX_PRINT_CHUNK (1000) bytes goes as fragments, each
 *    "<header>,ncfrag=<offset>/<total>;<piece>" where offset and total
 *    count the bytes after the header's ';';
 *  - with 'r', "<release>," in front of every datagram.
 * Not sent: the caller=T/C field (CONFIG_PRINTK_CALLER) and the
 * SUBSYSTEM=/DEVICE= dictionary lines.
 */
#include <errno.h>
#include <string.h>

#include "drivers/timer.h"
#include "include/compiler.h"
#include "payload/log.h"
#include "payload/net/netconsole.h"

/* release "," prio "," seq "," usec "," flag, with room to spare. */
#define NC_HDR_MAX (NETCONSOLE_RELEASE_MAX + 1 + 3 * 21 + 4)
/* ",ncfrag=" + two 20-digit numbers + "/" + ";" */
#define NC_FRAG_MAX (8 + 20 + 1 + 20 + 1)
/* The plain dmesg feed's read size. */
#define NC_DMESG_PIECE 128

/* Decimal digits of @v at @p; returns how many. */
static size_t put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static bool needs_escape(uint8_t c)
{
	return c < ' ' || c >= 127 || c == '\\';
}

/* The escaped body of one record, produced a piece at a time. */
struct nc_esc {
	const uint8_t *raw;
	size_t len, pos;
	char pend[4];
	uint8_t plen, ppos;
};

static size_t esc_body_len(const uint8_t *raw, size_t len)
{
	size_t n = 1;	/* the final '\n' */

	for (size_t i = 0; i < len; i++)
		n += needs_escape(raw[i]) ? 4 : 1;
	return n;
}

static void esc_emit(struct nc_esc *g, char *out, size_t k)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < k; i++) {
		if (g->ppos < g->plen) {
			out[i] = g->pend[g->ppos++];
		} else if (g->pos < g->len) {
			uint8_t c = g->raw[g->pos++];

			if (!needs_escape(c)) {
				out[i] = (char)c;
				continue;
			}
			g->pend[0] = '\\';
			g->pend[1] = 'x';
			g->pend[2] = hex[c >> 4];
			g->pend[3] = hex[c & 0xf];
			g->plen = 4;
			g->ppos = 1;
			out[i] = g->pend[0];
		} else {
			out[i] = '\n';
		}
	}
}

static void nc_stop(struct netconsole *nc, int err)
{
	nc->up = false;
	log_printf("netconsole: %u datagrams in a row not sent (error %d): "
		   "stopped\n", nc->fails, err);
}

static void nc_send(struct netconsole *nc, const char *buf, size_t len)
{
	uint64_t deadline;
	int ret;

	if (!nc->up || !len)
		return;
	/* nic.h: a busy TX ring frees its slots as send() is called again. */
	deadline = timer_now_us() + NETCONSOLE_TX_TIMEOUT_US;
	do {
		ret = net_udp_send_mac(nc->s, nc->tgt_mac, nc->src_port,
				       nc->tgt_ip, nc->tgt_port, buf, len);
	} while (ret == -EAGAIN && timer_now_us() <= deadline);
	if (!ret) {
		nc->stats.datagrams++;
		nc->fails = 0;
		return;
	}
	nc->stats.send_errors++;
	if (++nc->fails >= NETCONSOLE_MAX_FAILS)
		nc_stop(nc, ret);
}

/* ---- plain ---------------------------------------------------------- */

/* Send whole lines batched so far; with @all, the partial one too (or a
 * line longer than a datagram, cut). */
static void plain_send(struct netconsole *nc, bool all)
{
	size_t cut = all ? nc->len : nc->line_start;

	if (!cut)
		return;
	nc_send(nc, nc->dgram, cut);
	memmove(nc->dgram, nc->dgram + cut, nc->len - cut);
	nc->len -= cut;
	nc->line_start = 0;
}

static void plain_append(struct netconsole *nc, const char *t, size_t n)
{
	while (n) {
		size_t k = MIN(n, NETCONSOLE_CHUNK - nc->len);

		memcpy(nc->dgram + nc->len, t, k);
		for (size_t i = k; i > 0; i--) {
			if (t[i - 1] == '\n') {
				nc->line_start = nc->len + i;
				break;
			}
		}
		nc->len += k;
		t += k;
		n -= k;
		if (nc->len == NETCONSOLE_CHUNK)
			plain_send(nc, !nc->line_start);
	}
}

/* ---- extended ------------------------------------------------------- */

static void ext_record(struct netconsole *nc, const char *release,
		       unsigned prio, uint64_t seq, uint64_t usec, bool cont,
		       const void *raw, size_t raw_len)
{
	char hdr[NC_HDR_MAX];
	struct nc_esc g = { .raw = raw, .len = raw_len };
	size_t hlen = 0, body, off, n, k;

	if (release) {
		for (n = 0; n < NETCONSOLE_RELEASE_MAX && release[n]; n++)
			;
		memcpy(hdr, release, n);
		hlen = n;
		hdr[hlen++] = ',';
	}
	hlen += put_u64(hdr + hlen, prio);
	hdr[hlen++] = ',';
	hlen += put_u64(hdr + hlen, seq);
	hdr[hlen++] = ',';
	hlen += put_u64(hdr + hlen, usec);
	hdr[hlen++] = ',';
	hdr[hlen++] = cont ? 'c' : '-';

	body = esc_body_len(raw, raw_len);
	if (hlen + 1 + body <= NETCONSOLE_CHUNK) {
		memcpy(nc->dgram, hdr, hlen);
		nc->dgram[hlen] = ';';
		esc_emit(&g, nc->dgram + hlen + 1, body);
		nc_send(nc, nc->dgram, hlen + 1 + body);
	} else {
		for (off = 0; off < body && nc->up; off += k) {
			memcpy(nc->dgram, hdr, hlen);
			n = hlen;
			memcpy(nc->dgram + n, ",ncfrag=", 8);
			n += 8;
			n += put_u64(nc->dgram + n, off);
			nc->dgram[n++] = '/';
			n += put_u64(nc->dgram + n, body);
			nc->dgram[n++] = ';';
			k = MIN(body - off, NETCONSOLE_CHUNK - n);
			esc_emit(&g, nc->dgram + n, k);
			nc_send(nc, nc->dgram, n + k);
		}
	}
	nc->stats.records++;
}

/* Our own line (without its '\n') as one record. */
static void ext_self_line(struct netconsole *nc)
{
	ext_record(nc, nc->release ? nc->self_release : NULL,
		   NETCONSOLE_SELF_FACILITY << 3 | NETCONSOLE_SELF_LEVEL,
		   nc->seq++, timer_now_us(), nc->line_cont, nc->line,
		   nc->line_len);
	nc->line_len = 0;
}

static void ext_append(struct netconsole *nc, const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\n') {
			ext_self_line(nc);
			nc->line_cont = false;
			continue;
		}
		if (nc->line_len == sizeof(nc->line)) {
			/* Too long for one: the rest continues it ('c'). */
			ext_self_line(nc);
			nc->line_cont = true;
		}
		nc->line[nc->line_len++] = t[i];
	}
}

/* ---- the interface -------------------------------------------------- */

int netconsole_init(struct netconsole *nc, struct net_stack *s,
		    const struct netconsole_target *t,
		    const char *self_release)
{
	const char *how;
	int ret;

	if (!nc || !s || !s->nic || !t || !t->tgt_ip)
		return -EINVAL;
	memset(nc, 0, sizeof(*nc));
	nc->s = s;
	nc->tgt_ip = t->tgt_ip;
	nc->src_port = t->src_port;
	nc->tgt_port = t->tgt_port;
	nc->extended = t->extended;
	nc->release = t->release;
	nc->self_release = self_release;

	if (t->tgt_mac_set &&
	    memcmp(t->tgt_mac, net_broadcast_mac, ETH_ALEN)) {
		memcpy(nc->tgt_mac, t->tgt_mac, ETH_ALEN);
		how = "given";
	} else {
		ret = net_arp_resolve(s, net_next_hop(s, t->tgt_ip),
				      nc->tgt_mac);
		how = "by ARP";
		if (ret) {
			memcpy(nc->tgt_mac, net_broadcast_mac, ETH_ALEN);
			how = "broadcast: no ARP reply";
		}
	}
	nc->up = true;
	log_printf("netconsole: %s to %u.%u.%u.%u:%u via "
		   "%02x:%02x:%02x:%02x:%02x:%02x (%s), from port %u\n",
		   nc->extended ? "extended" : "plain", NET_IP_ARGS(nc->tgt_ip),
		   nc->tgt_port, nc->tgt_mac[0], nc->tgt_mac[1],
		   nc->tgt_mac[2], nc->tgt_mac[3], nc->tgt_mac[4],
		   nc->tgt_mac[5], how, nc->src_port);
	return 0;
}

void netconsole_write(struct netconsole *nc, const char *text, size_t len)
{
	if (!nc || !text || !len)
		return;
	if (!nc->up || nc->busy) {
		nc->stats.dropped++;
		return;
	}
	nc->busy = true;
	if (nc->extended) {
		ext_append(nc, text, len);
	} else {
		plain_append(nc, text, len);
		plain_send(nc, false);
	}
	nc->busy = false;
}

void netconsole_flush(struct netconsole *nc)
{
	if (!nc || !nc->up || nc->busy)
		return;
	nc->busy = true;
	if (nc->extended) {
		if (nc->line_len)
			ext_self_line(nc);
	} else {
		plain_send(nc, true);
	}
	nc->busy = false;
}

void netconsole_log_tap(void *ctx, const char *text, size_t len)
{
	netconsole_write(ctx, text, len);
}

int netconsole_send_dmesg(struct netconsole *nc, struct dmesg *dm,
			  const char *release)
{
	struct dmesg_record rec;
	char piece[NC_DMESG_PIECE];
	size_t len;
	bool eor;
	int k;

	if (!nc || !dm)
		return -EINVAL;
	if (!nc->up)
		return -ENODEV;
	if (nc->busy)
		return -EBUSY;
	nc->busy = true;
	if (!nc->extended) {
		/* A partial log line must not run into the kernel's. */
		plain_send(nc, true);
		while (nc->up && dmesg_next_chunk(dm, piece, sizeof(piece),
						  &len, &eor) > 0)
			plain_append(nc, piece, len);
		plain_send(nc, true);
	} else {
		if (!release)
			release = nc->self_release;
		while (nc->up && dmesg_next_record(dm, &rec) > 0) {
			len = 0;
			while (len < sizeof(nc->text) &&
			       (k = dmesg_read_text(dm, nc->text + len,
						    sizeof(nc->text) - len)) > 0)
				len += (size_t)k;
			if (len < rec.text_len)
				nc->stats.truncated++;
			ext_record(nc, nc->release ? release : NULL,
				   (unsigned)rec.facility << 3 | rec.level,
				   rec.seq, rec.ts_nsec / 1000, rec.cont,
				   nc->text, len);
		}
	}
	nc->busy = false;
	return 0;
}
