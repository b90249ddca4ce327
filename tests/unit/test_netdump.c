// SPDX-License-Identifier: MIT
/*
 * The reliable dump protocol end to end, in one process: the payload's
 * sender (payload/netdump_tx.c, payload/sink_net.c) against the host's
 * receiver core (host-tools/netdump_rx.c) over a simulated datagram link
 * driven by the fake clock (tests/unit/fake_mmio.c), with a deterministic
 * PRNG dropping, duplicating and delaying (reordering) packets each way.
 * Every transfer must arrive byte for byte; the counters, the bounded
 * give-ups (no receiver, a receiver that dies, a window that never opens),
 * back-off, version mismatch, aborts and garbage in both directions are
 * checked against what the simulation saw.  "--bench" measures what the
 * carry ring buys on a modelled 1 Gb/s wire instead.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host-tools/netdump_rx.h"
#include "payload/netdump_tx.h"
#include "payload/sink_net.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_mmio.h"

#define LAT_US 200 /* one way */
#define MIB    (1u << 20)

/* --- deterministic randomness ------------------------------------------------
 */

static uint64_t rng = 1;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static bool chance(unsigned permille)
{
	return permille && rnd() % 1000 < permille;
}

/* --- the simulated network
 * ----------------------------------------------------- */

struct pkt {
	uint64_t due, seq;
	size_t len;
	uint8_t b[];
};

struct queue {
	struct pkt **p;
	size_t n, cap;
	uint64_t seq;
};

/* per mille of packets, one direction */
struct impair {
	unsigned drop, dup, reorder;
	bool dead;		 /* everything is lost */
	unsigned drop_type_once; /* drop the next packet of this type */
	/* --bench: a wire of this rate (0: infinitely fast) and latency */
	unsigned rate_mbps, lat_us;
	uint64_t wire_free_us;
};

struct world;

struct link {
	struct dgram_link dl;
	struct world *w;
	struct queue up, down; /* up: sender -> receiver */
	struct impair ui, di;
	unsigned eagain_every, send_calls;
	/* what went up */
	uint64_t herald_us[64];
	unsigned nheralds;
	uint64_t data_up, max_data_off;
	uint64_t first_chunk_us[64]; /* sends of the DATA at offset 0 */
	unsigned nfirst;
	/* garbage the sender will read */
	unsigned garbage_every, recv_calls;
	uint64_t garbage_given;
};

struct rsess {
	uint8_t id[STREAM_CRASH_ID_LEN];
	uint8_t *b;
	size_t n, cap;
	bool closed;
	enum netdump_rx_end how;
	struct netdump_rx_stats st;
};

struct world {
	struct netdump_rx rx;
	bool rx_on;
	/* instead of the receiver core: a scripted peer */
	void (*responder)(struct link *l, const uint8_t *p, size_t len);
	uint64_t kill_after; /* the receiver dies after this many packets */
	uint64_t delivered, died_us;
	struct rsess sess[8];
	unsigned nsess;
	struct link *links[2];
	unsigned nlinks;
};

static void q_push(struct queue *q, uint64_t due, const void *b, size_t len)
{
	struct pkt *p = malloc(sizeof(*p) + len);
	size_t i;

	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		q->p = realloc(q->p, q->cap * sizeof(*q->p));
	}
	p->due = due;
	p->seq = q->seq++;
	p->len = len;
	memcpy(p->b, b, len);
	for (i = q->n; i > 0 && q->p[i - 1]->due > due; i--)
		q->p[i] = q->p[i - 1];
	q->p[i] = p;
	q->n++;
}

static struct pkt *q_pop(struct queue *q, uint64_t now)
{
	struct pkt *p;

	if (!q->n || q->p[0]->due > now)
		return NULL;
	p = q->p[0];
	memmove(q->p, q->p + 1, (q->n - 1) * sizeof(*q->p));
	q->n--;
	return p;
}

static void q_free(struct queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->p[i]);
	free(q->p);
	memset(q, 0, sizeof(*q));
}

/* Ethernet's preamble, header, FCS and gap, IPv4 and UDP headers. */
#define WIRE_OVERHEAD (8 + 14 + 4 + 12 + 20 + 8)

static void transmit(struct queue *q, struct impair *im, const uint8_t *b,
		     size_t len)
{
	uint64_t start = fake_clock_us;
	unsigned copies;

	if (im->rate_mbps) { /* queue behind what is still on the wire */
		if (im->wire_free_us > start)
			start = im->wire_free_us;
		start += (len + WIRE_OVERHEAD) * 8 / im->rate_mbps;
		im->wire_free_us = start;
	}

	if (im->drop_type_once && len > NETDUMP_OFF_TYPE &&
	    b[NETDUMP_OFF_TYPE] == im->drop_type_once) {
		im->drop_type_once = 0;
		return;
	}
	if (im->dead || chance(im->drop))
		return;
	copies = chance(im->dup) ? 2 : 1;
	for (unsigned i = 0; i < copies; i++) {
		uint64_t delay = im->lat_us ? im->lat_us : LAT_US;

		if (chance(im->reorder))
			delay += 1 + rnd() % (8 * LAT_US);
		q_push(q, start + delay, b, len);
	}
}

/* The receiver core's reply path: the peer is the link's address. */
static void rx_send(void *ctx, const void *peer, size_t peerlen,
		    const void *pkt, size_t len)
{
	struct link *l;

	(void)ctx;
	CHECK_EQ(peerlen, sizeof(l));
	memcpy(&l, peer, sizeof(l));
	transmit(&l->down, &l->di, pkt, len);
}

static struct rsess *rsess_find(struct world *w, const uint8_t *id)
{
	for (unsigned i = 0; i < w->nsess; i++)
		if (!memcmp(w->sess[i].id, id, STREAM_CRASH_ID_LEN))
			return &w->sess[i];
	return NULL;
}

static void *rx_open(void *ctx, const uint8_t id[STREAM_CRASH_ID_LEN],
		     const void *peer, size_t peerlen)
{
	struct world *w = ctx;
	struct rsess *s;

	(void)peer;
	(void)peerlen;
	if (w->nsess == 8)
		return NULL;
	s = &w->sess[w->nsess++];
	memset(s, 0, sizeof(*s));
	memcpy(s->id, id, STREAM_CRASH_ID_LEN);
	return s;
}

static int rx_data(void *user, const void *buf, size_t len)
{
	struct rsess *s = user;

	if (s->n + len > s->cap) {
		s->cap = (s->n + len) * 2;
		s->b = realloc(s->b, s->cap);
	}
	memcpy(s->b + s->n, buf, len);
	s->n += len;
	return 0;
}

static void rx_close(void *user, enum netdump_rx_end how,
		     const struct netdump_rx_stats *st)
{
	struct rsess *s = user;

	s->closed = true;
	s->how = how;
	s->st = *st;
}

static void world_rx_init(struct world *w)
{
	const struct netdump_rx_ops ops = {
	    .open = rx_open,
	    .data = rx_data,
	    .close = rx_close,
	    .send = rx_send,
	    .ctx = w,
	};

	CHECK_EQ(netdump_rx_init(&w->rx, &ops, 0), 0);
}

/* Deliver whatever is due to the receiver, then its owed ACKs. */
static void net_run(struct world *w)
{
	double now = (double)fake_clock_us / 1e6;

	for (unsigned i = 0; i < w->nlinks; i++) {
		struct link *l = w->links[i];
		struct pkt *p;

		while ((p = q_pop(&l->up, fake_clock_us))) {
			if (w->rx_on && w->kill_after &&
			    w->delivered >= w->kill_after) {
				w->rx_on = false;
				w->died_us = fake_clock_us;
			}
			if (w->rx_on) {
				w->delivered++;
				if (w->responder)
					w->responder(l, p->b, p->len);
				else
					netdump_rx_input(&w->rx, p->b, p->len,
							 &l, sizeof(l), now);
			}
			free(p);
		}
	}
	if (w->rx_on && !w->responder)
		netdump_rx_flush(&w->rx);
}

static void record_up(struct link *l, const uint8_t *b, size_t len)
{
	if (len < NETDUMP_HDR_SIZE)
		return;
	if (b[NETDUMP_OFF_TYPE] == NETDUMP_T_HERALD && l->nheralds < 64)
		l->herald_us[l->nheralds++] = fake_clock_us;
	if (b[NETDUMP_OFF_TYPE] == NETDUMP_T_DATA) {
		uint64_t off = stream_get64(b + NETDUMP_DATA_OFF_OFFSET);

		l->data_up++;
		if (off > l->max_data_off)
			l->max_data_off = off;
		if (!off && l->nfirst < 64)
			l->first_chunk_us[l->nfirst++] = fake_clock_us;
	}
}

static int link_send(void *ctx, const void *buf, size_t len)
{
	struct link *l = ctx;

	CHECK(len <= l->dl.mtu);
	if (l->eagain_every && ++l->send_calls % l->eagain_every == 0)
		return -EAGAIN;
	record_up(l, buf, len);
	transmit(&l->up, &l->ui, buf, len);
	return 0;
}

/* Garbage of every kind the sender must shrug off. */
static int garbage(struct link *l, uint8_t *buf, size_t cap)
{
	uint8_t id[STREAM_CRASH_ID_LEN] = {0xee};
	unsigned kind = (unsigned)(l->garbage_given++ % 6);
	size_t len = NETDUMP_ACK_SIZE;

	memset(buf, 0, NETDUMP_ACK_SIZE);
	switch (kind) {
	case 0: /* noise */
		for (size_t i = 0; i < 40; i++)
			buf[i] = (uint8_t)rnd();
		return 40;
	case 1: /* an ACK of another crash */
		netdump_hdr_put(buf, NETDUMP_T_ACK, id);
		stream_put16(buf + NETDUMP_ACK_OFF_WINDOW, 8);
		break;
	case 2: /* too short to be anything */
		buf[0] = NETDUMP_MAGIC0;
		buf[1] = NETDUMP_MAGIC1;
		return 3;
	case 3: /* bigger than the sender's buffer */
		return -EMSGSIZE;
	case 4: /* a good CRC on an unknown type */
		netdump_hdr_put(buf, 99, l->w->sess[0].id);
		break;
	default: /* a bad CRC */
		netdump_hdr_put(buf, NETDUMP_T_ACK, id);
		netdump_seal(buf, len);
		buf[NETDUMP_OFF_CRC] ^= 1;
		return (int)len;
	}
	(void)cap;
	netdump_seal(buf, len);
	return (int)len;
}

static int link_recv(void *ctx, void *buf, size_t cap)
{
	struct link *l = ctx;
	struct pkt *p;
	int n;

	net_run(l->w);
	if (l->garbage_every && ++l->recv_calls % l->garbage_every == 0)
		return garbage(l, buf, cap);
	p = q_pop(&l->down, fake_clock_us);
	if (!p)
		return 0;
	if (p->len > cap) {
		free(p);
		return -EMSGSIZE;
	}
	memcpy(buf, p->b, p->len);
	n = (int)p->len;
	free(p);
	return n;
}

static void link_init(struct link *l, struct world *w, size_t mtu)
{
	memset(l, 0, sizeof(*l));
	l->dl.send = link_send;
	l->dl.recv = link_recv;
	l->dl.ctx = l;
	l->dl.mtu = mtu;
	l->w = w;
	w->links[w->nlinks++] = l;
}

static void link_free(struct link *l)
{
	q_free(&l->up);
	q_free(&l->down);
}

static void world_free(struct world *w)
{
	if (w->rx.s) {
		netdump_rx_stop(&w->rx, 0);
		netdump_rx_free(&w->rx);
	}
	for (unsigned i = 0; i < w->nsess; i++)
		free(w->sess[i].b);
	for (unsigned i = 0; i < w->nlinks; i++)
		link_free(w->links[i]);
	memset(w, 0, sizeof(*w));
}

/* --- helpers
 * ------------------------------------------------------------------ */

static uint8_t *make_stream(size_t n)
{
	uint8_t *b = malloc(n);

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rnd() >> 7);
	return b;
}

static void make_id(uint8_t id[STREAM_CRASH_ID_LEN], uint8_t seed)
{
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++)
		id[i] = (uint8_t)(seed * 31 + i);
}

/* Open, write records of 1..max_rec bytes, close. */
static int transfer(struct netdump_tx *tx, const uint8_t *id,
		    const uint8_t *data, size_t n, size_t max_rec)
{
	int ret = netdump_tx_open(tx, id);

	for (size_t off = 0; !ret && off < n;) {
		size_t len = 1 + rnd() % max_rec;

		len = len < n - off ? len : n - off;
		ret = netdump_tx_write(tx, data + off, len);
		off += len;
	}
	return ret ? ret : netdump_tx_close(tx, STREAM_STATUS_COMPLETE);
}

static bool arrived_whole(struct world *w, const uint8_t *id,
			  const uint8_t *data, size_t n)
{
	struct rsess *s = rsess_find(w, id);

	return s && s->closed && s->how == NETDUMP_RX_FINISHED && s->n == n &&
	       !memcmp(s->b, data, n) && s->st.total == n;
}

static size_t chunks(size_t n, size_t chunk)
{
	return (n + chunk - 1) / chunk;
}

/* One transfer of @n bytes over a link impaired as given; checks it all. */
static void lossy_case(const char *what, uint64_t seed, size_t n,
		       const struct impair *up, const struct impair *down,
		       size_t mtu, size_t carry_size, size_t max_rec)
{
	static struct netdump_tx tx;
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data, *carry = malloc(carry_size);
	struct rsess *s;
	int ret;

	rng = seed;
	make_id(id, (uint8_t)seed);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, mtu);
	l.ui = *up;
	l.di = *down;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, carry_size, NULL), 0);
	ret = transfer(&tx, id, data, n, max_rec);
	if (ret)
		fprintf(stderr, "%s: transfer failed: %d\n", what, ret);
	CHECK_EQ(ret, 0);
	CHECK(arrived_whole(&w, id, data, n));
	s = rsess_find(&w, id);
	if (s) {
		/* The FINISH carries the sender's counters as they were. */
		CHECK_EQ(s->st.sender_sent, tx.stats.data_sent);
		CHECK_EQ(s->st.sender_retransmits, tx.stats.retransmits);
		CHECK_EQ(s->st.sender_timeouts, tx.stats.timeouts);
		CHECK_EQ(s->st.sender_status, STREAM_STATUS_COMPLETE);
		CHECK_EQ(s->st.sender_heralds, tx.stats.heralds);
		CHECK(s->st.data_packets <= l.data_up * 2);
		CHECK_EQ(s->st.bytes, n);
	}
	CHECK_EQ(tx.stats.bytes, n);
	CHECK_EQ(tx.stats.data_sent,
		 chunks(n, tx.chunk) + tx.stats.retransmits);
	CHECK(tx.stats.max_inflight <= NETDUMP_WINDOW_MAX);
	CHECK(tx.stats.max_inflight <= (carry_size + max_rec) / tx.chunk + 2);
	CHECK_EQ(tx.state, NETDUMP_TX_CLOSED);
	/* After the end every call says so, and sends nothing. */
	CHECK_EQ(netdump_tx_write(&tx, data, 1), -EINVAL);
	printf("%s: %zu bytes, %llu packets, %llu retransmitted (%llu on "
	       "SACK, %u timeouts), %llu duplicates at the receiver, max %u "
	       "in flight, srtt %u us, %.3f s\n",
	       what, n, (unsigned long long)tx.stats.data_sent,
	       (unsigned long long)tx.stats.retransmits,
	       (unsigned long long)tx.stats.fast_retransmits, tx.stats.timeouts,
	       s ? (unsigned long long)s->st.duplicates : 0ull,
	       tx.stats.max_inflight, tx.stats.srtt_us,
	       s ? s->st.ended - s->st.started : 0.0);
	world_free(&w);
	free(carry);
	free(data);
}

/* --- tests
 * -------------------------------------------------------------------- */

static const struct impair clean = {0};
static const struct impair five = {.drop = 50, .dup = 50, .reorder = 50};

static void test_clean(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[16384];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	struct rsess *s;
	size_t n = MIB + 12345;

	rng = 7;
	make_id(id, 7);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(tx.chunk, NETDUMP_CHUNK_MAX);
	CHECK_EQ(transfer(&tx, id, data, n, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, n));
	CHECK_EQ(tx.stats.retransmits, 0);
	CHECK_EQ(tx.stats.timeouts, 0);
	CHECK_EQ(tx.stats.data_sent, chunks(n, NETDUMP_CHUNK_MAX));
	CHECK_EQ(tx.stats.heralds, 1);
	CHECK_EQ(tx.stats.finishes, 1);
	CHECK_EQ(tx.stats.bad_packets, 0);
	/* Round trips are two latencies and a little polling. */
	CHECK(tx.stats.srtt_us >= 2 * LAT_US &&
	      tx.stats.srtt_us < 2 * LAT_US + 1000);
	CHECK_EQ(tx.stats.rto_us, NETDUMP_RTO_MIN_US);
	/* The window did not drain to nothing at record boundaries:
	 * records and the carry kept more than one record's worth going. */
	CHECK(tx.stats.max_inflight > STREAM_REC_MAX / NETDUMP_CHUNK_MAX);
	s = rsess_find(&w, id);
	CHECK(s && s->st.duplicates == 0 && s->st.out_of_window == 0);
	CHECK(s && s->st.sender_sent == tx.stats.data_sent);
	CHECK(s && s->st.window == NETDUMP_WINDOW_MAX);
	CHECK_EQ(w.rx.bad_packets, 0);
	world_free(&w);
	free(data);
}

static void test_lossy(void)
{
	for (uint64_t seed = 11; seed < 14; seed++) {
		char what[64];

		snprintf(what, sizeof(what), "5%% each way, seed %llu",
			 (unsigned long long)seed);
		lossy_case(what, seed, MIB, &five, &five, NETDUMP_PKT_MAX,
			   NET_SINK_CARRY_SIZE, STREAM_REC_MAX);
	}
	{
		/* The counters of one lossy run: something was retransmitted
		 * and duplicated, and SACK did most of the repair work. */
		static struct netdump_tx tx;
		static uint8_t carry[NET_SINK_CARRY_SIZE];
		struct world w = {.rx_on = true};
		struct link l;
		uint8_t id[STREAM_CRASH_ID_LEN], *data;
		struct rsess *s;

		rng = 99;
		make_id(id, 99);
		data = make_stream(2 * MIB);
		world_rx_init(&w);
		link_init(&l, &w, NETDUMP_PKT_MAX);
		l.ui = five;
		l.di = five;
		CHECK_EQ(
		    netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
		CHECK_EQ(transfer(&tx, id, data, 2 * MIB, STREAM_REC_MAX), 0);
		CHECK(arrived_whole(&w, id, data, 2 * MIB));
		s = rsess_find(&w, id);
		CHECK(tx.stats.retransmits > 0);
		CHECK(tx.stats.fast_retransmits > 0);
		CHECK(s && s->st.duplicates > 0);
		CHECK(tx.stats.fast_retransmits * 2 > tx.stats.retransmits);
		world_free(&w);
		free(data);
	}
}

static void test_heavy_loss(void)
{
	const struct impair bad = {.drop = 250, .dup = 100, .reorder = 200};

	lossy_case("25% loss", 21, MIB / 2, &bad, &bad, NETDUMP_PKT_MAX,
		   NET_SINK_CARRY_SIZE, STREAM_REC_MAX);
	lossy_case("40% loss up, 0 down", 22, MIB / 4,
		   &(struct impair){.drop = 400}, &clean, NETDUMP_PKT_MAX,
		   NET_SINK_CARRY_SIZE, STREAM_REC_MAX);
	lossy_case("0 up, 40% loss down", 23, MIB / 4, &clean,
		   &(struct impair){.drop = 400}, NETDUMP_PKT_MAX,
		   NET_SINK_CARRY_SIZE, STREAM_REC_MAX);
}

static void test_carry_sizes(void)
{
	/* The smallest carry the sender accepts, and small records. */
	lossy_case("carry of 2 chunks", 31, MIB / 2, &five, &five,
		   NETDUMP_PKT_MAX, 2 * NETDUMP_CHUNK_MAX, STREAM_REC_MAX);
	lossy_case("1-byte..100-byte records", 32, 64 * 1024, &five, &five,
		   NETDUMP_PKT_MAX, NET_SINK_CARRY_SIZE, 100);
	lossy_case("carry of 256 KiB", 33, MIB, &five, &five, NETDUMP_PKT_MAX,
		   256 * 1024, STREAM_REC_MAX);
}

static void test_window_limits(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[512 * 1024];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	size_t n = MIB;

	/* A small MTU and a big carry: the window itself is the limit. */
	rng = 41;
	make_id(id, 41);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_DATA_HDR_SIZE + NETDUMP_CHUNK_MIN);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(tx.chunk, NETDUMP_CHUNK_MIN);
	CHECK_EQ(transfer(&tx, id, data, n, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, n));
	CHECK_EQ(tx.stats.max_inflight, NETDUMP_WINDOW_MAX);
	world_free(&w);

	/* The receiver grants 4 chunks: never more in flight, still whole. */
	memset(&w, 0, sizeof(w));
	w.rx_on = true;
	world_rx_init(&w);
	w.rx.window = 4;
	link_init(&l, &w, NETDUMP_PKT_MAX);
	l.ui = five;
	l.di = five;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(transfer(&tx, id, data, n / 4, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, n / 4));
	CHECK(tx.stats.max_inflight <= 4);
	CHECK_EQ(tx.window, 4);
	world_free(&w);
	free(data);
}

static void test_no_receiver(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	static struct net_sink ns;
	const struct netdump_tx_params p = {.herald_timeout_ms = 5000};
	struct world w = {.rx_on = false};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN];
	uint64_t t0, dt;

	make_id(id, 51);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	t0 = fake_clock_us;
	CHECK_EQ(netdump_tx_open(&tx, id), -ETIMEDOUT);
	dt = fake_clock_us - t0;
	/* The documented 30 s, not a moment less, hardly more. */
	CHECK(dt >= NETDUMP_HERALD_TIMEOUT_MS * 1000ull);
	CHECK(dt < NETDUMP_HERALD_TIMEOUT_MS * 1000ull + 100000);
	CHECK_EQ(tx.stats.heralds, l.nheralds);
	/* Heralds back off: 250 ms, 500 ms, 1 s, then every 2 s. */
	CHECK_EQ(l.nheralds, 18); /* 0, .25, .75, 1.75, 3.75, ... 29.75 s */
	for (unsigned i = 1; i < l.nheralds; i++) {
		uint64_t gap = l.herald_us[i] - l.herald_us[i - 1];
		uint64_t want = i <= 3 ? (NETDUMP_RTO_INIT_US << (i - 1))
				       : NETDUMP_RTO_MAX_US;

		CHECK(gap >= want && gap < want + 1000);
	}
	/* Given up for good: nothing else is tried. */
	t0 = fake_clock_us;
	CHECK_EQ(netdump_tx_write(&tx, id, sizeof(id)), -ETIMEDOUT);
	CHECK_EQ(netdump_tx_close(&tx, STREAM_STATUS_COMPLETE), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 < 1000);
	CHECK_EQ(tx.stats.data_sent, 0);

	/* A shorter herald timeout, through the sink. */
	CHECK_EQ(net_sink_init(&ns, &l.dl, &p), 0);
	t0 = fake_clock_us;
	CHECK_EQ(ns.sink.ops->open(&ns.sink, id), -ETIMEDOUT);
	dt = fake_clock_us - t0;
	CHECK(dt >= 5000000 && dt < 5100000);
	CHECK_EQ(ns.sink.ops->write(&ns.sink, id, 1), -ETIMEDOUT);
	CHECK_EQ(ns.sink.ops->close(&ns.sink, STREAM_STATUS_COMPLETE),
		 -ETIMEDOUT);
	world_free(&w);
}

static void test_receiver_dies(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true, .kill_after = 300};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	uint64_t dt;

	rng = 61;
	make_id(id, 61);
	data = make_stream(MIB);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(transfer(&tx, id, data, MIB, STREAM_REC_MAX), -ETIMEDOUT);
	CHECK(w.died_us != 0);
	dt = fake_clock_us - w.died_us;
	/* Bounded: the stall timeout after the last progress, and a bit. */
	CHECK(dt + 100000 >= NETDUMP_STALL_TIMEOUT_MS * 1000ull);
	CHECK(dt < NETDUMP_STALL_TIMEOUT_MS * 1000ull + 500000);
	CHECK(tx.stats.timeouts > 5);
	CHECK(tx.stats.rto_us <= NETDUMP_RTO_MAX_US);
	CHECK_EQ(netdump_tx_close(&tx, STREAM_STATUS_COMPLETE), -ETIMEDOUT);
	world_free(&w);
	free(data);
}

/* A peer that answers the herald and then never acknowledges anything. */
static void silent_after_herald(struct link *l, const uint8_t *p, size_t len)
{
	uint8_t a[NETDUMP_HACK_SIZE] = {0};

	(void)len;
	if (p[NETDUMP_OFF_TYPE] != NETDUMP_T_HERALD)
		return;
	netdump_hdr_put(a, NETDUMP_T_HERALD_ACK, p + NETDUMP_OFF_ID);
	stream_put16(a + NETDUMP_HACK_OFF_WINDOW, NETDUMP_WINDOW_MAX);
	stream_put32(a + NETDUMP_HACK_OFF_TSECR,
		     stream_get32(p + NETDUMP_HERALD_OFF_TSVAL));
	netdump_seal(a, sizeof(a));
	transmit(&l->down, &l->di, a, sizeof(a));
}

static void test_window_never_opens(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[256 * 1024];
	struct world w = {.rx_on = true, .responder = silent_after_herald};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	uint64_t t0;

	rng = 71;
	make_id(id, 71);
	data = make_stream(MIB);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(netdump_tx_open(&tx, id), 0);
	t0 = fake_clock_us;
	CHECK_EQ(netdump_tx_write(&tx, data, 200000), 0); /* fits the carry */
	CHECK_EQ(netdump_tx_write(&tx, data + 200000, 200000), -ETIMEDOUT);
	CHECK(fake_clock_us - t0 >= NETDUMP_STALL_TIMEOUT_MS * 1000ull);
	CHECK(fake_clock_us - t0 < NETDUMP_STALL_TIMEOUT_MS * 1000ull + 500000);
	/* Never a chunk beyond the window... */
	CHECK(l.max_data_off / tx.chunk + 1 <= NETDUMP_WINDOW_MAX);
	CHECK_EQ(tx.stats.max_inflight, NETDUMP_WINDOW_MAX);
	/* ...and chunk 0 again and again, each time twice as late, to 2 s. */
	CHECK(l.nfirst >= 8);
	for (unsigned i = 2; i < l.nfirst; i++) {
		uint64_t prev =
		    l.first_chunk_us[i - 1] - l.first_chunk_us[i - 2];
		uint64_t gap = l.first_chunk_us[i] - l.first_chunk_us[i - 1];

		CHECK(gap <= NETDUMP_RTO_MAX_US + 1000);
		CHECK(gap + 1000 >= (2 * prev < NETDUMP_RTO_MAX_US
					 ? 2 * prev
					 : NETDUMP_RTO_MAX_US));
	}
	world_free(&w);
	free(data);
}

static uint8_t scripted_status, scripted_version = NETDUMP_VERSION;
static unsigned scripted_busy;

/* A peer that answers the herald as told. */
static void scripted(struct link *l, const uint8_t *p, size_t len)
{
	uint8_t a[NETDUMP_HACK_SIZE] = {0};

	(void)len;
	if (p[NETDUMP_OFF_TYPE] != NETDUMP_T_HERALD)
		return;
	netdump_hdr_put(a, NETDUMP_T_HERALD_ACK, p + NETDUMP_OFF_ID);
	a[NETDUMP_OFF_VERSION] = scripted_version;
	a[NETDUMP_HACK_OFF_STATUS] =
	    scripted_busy ? NETDUMP_ST_BUSY : scripted_status;
	if (scripted_busy)
		scripted_busy--;
	stream_put16(a + NETDUMP_HACK_OFF_WINDOW, 16);
	if (scripted_status == NETDUMP_ST_UNKNOWN) { /* an ABORT instead */
		a[NETDUMP_OFF_TYPE] = NETDUMP_T_ABORT;
		a[NETDUMP_ABORT_OFF_REASON] = NETDUMP_ST_UNKNOWN;
	}
	netdump_seal(a, sizeof(a));
	transmit(&l->down, &l->di, a, sizeof(a));
}

static int scripted_open(uint8_t version, uint8_t status, unsigned busy,
			 unsigned *heralds)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true, .responder = scripted};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN];
	int ret;

	scripted_version = version;
	scripted_status = status;
	scripted_busy = busy;
	make_id(id, 81);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	ret = netdump_tx_open(&tx, id);
	*heralds = tx.stats.heralds;
	if (!ret)
		CHECK_EQ(tx.window, 16);
	world_free(&w);
	return ret;
}

static void test_answers(void)
{
	uint8_t pkt[NETDUMP_HERALD_SIZE] = {0}, id[STREAM_CRASH_ID_LEN];
	struct world w = {.rx_on = true};
	struct link l;
	struct pkt *r;
	unsigned heralds;

	CHECK_EQ(scripted_open(NETDUMP_VERSION, NETDUMP_ST_OK, 0, &heralds), 0);
	CHECK_EQ(heralds, 1);
	CHECK_EQ(scripted_open(NETDUMP_VERSION + 1, NETDUMP_ST_OK, 0, &heralds),
		 -ENOTSUP);
	CHECK_EQ(
	    scripted_open(NETDUMP_VERSION, NETDUMP_ST_VERSION, 0, &heralds),
	    -ENOTSUP);
	CHECK_EQ(scripted_open(NETDUMP_VERSION, NETDUMP_ST_BAD, 0, &heralds),
		 -EINVAL);
	CHECK_EQ(
	    scripted_open(NETDUMP_VERSION, NETDUMP_ST_UNKNOWN, 0, &heralds),
	    -ECONNRESET);
	/* Busy: herald on until there is room. */
	CHECK_EQ(scripted_open(NETDUMP_VERSION, NETDUMP_ST_OK, 3, &heralds), 0);
	CHECK_EQ(heralds, 4);

	/* The receiver core, heralded in another version, says so in its own.
	 */
	make_id(id, 82);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	netdump_hdr_put(pkt, NETDUMP_T_HERALD, id);
	pkt[NETDUMP_OFF_VERSION] = NETDUMP_VERSION + 1;
	stream_put16(pkt + NETDUMP_HERALD_OFF_CHUNK, 1000);
	stream_put16(pkt + NETDUMP_HERALD_OFF_WINDOW, 64);
	netdump_seal(pkt, sizeof(pkt));
	struct link *lp = &l;
	netdump_rx_input(&w.rx, pkt, sizeof(pkt), &lp, sizeof(lp), 0);
	fake_clock_us += 2 * LAT_US;
	r = q_pop(&l.down, fake_clock_us);
	CHECK(r && netdump_pkt_check(r->b, r->len));
	CHECK(r && r->b[NETDUMP_OFF_VERSION] == NETDUMP_VERSION);
	CHECK(r && r->b[NETDUMP_OFF_TYPE] == NETDUMP_T_HERALD_ACK);
	CHECK(r && r->b[NETDUMP_HACK_OFF_STATUS] == NETDUMP_ST_VERSION);
	free(r);
	CHECK_EQ(w.nsess, 0);
	/* ...and refuses a chunk size outside the protocol's range. */
	pkt[NETDUMP_OFF_VERSION] = NETDUMP_VERSION;
	stream_put16(pkt + NETDUMP_HERALD_OFF_CHUNK, NETDUMP_CHUNK_MAX + 1);
	netdump_seal(pkt, sizeof(pkt));
	netdump_rx_input(&w.rx, pkt, sizeof(pkt), &lp, sizeof(lp), 0);
	fake_clock_us += 2 * LAT_US;
	r = q_pop(&l.down, fake_clock_us);
	CHECK(r && r->b[NETDUMP_HACK_OFF_STATUS] == NETDUMP_ST_BAD);
	free(r);
	CHECK_EQ(w.nsess, 0);
	world_free(&w);
}

static void test_garbage_to_sender(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	size_t n = MIB / 2;

	rng = 91;
	make_id(id, 91);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	l.ui = five;
	l.di = five;
	l.garbage_every = 7;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(transfer(&tx, id, data, n, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, n));
	CHECK(tx.stats.bad_packets > 100);
	CHECK(tx.stats.recv_errors > 10);
	world_free(&w);
	free(data);
}

/* An ACK that claims more than was ever sent, amid a real transfer. */
static void test_lying_ack(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[16384];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data, a[NETDUMP_ACK_SIZE] = {0};
	uint32_t bad;

	rng = 92;
	make_id(id, 92);
	data = make_stream(100000);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(netdump_tx_open(&tx, id), 0);
	CHECK_EQ(netdump_tx_write(&tx, data, 10000), 0); /* fits the carry */
	/* A cum beyond the window is garbage; so is one off a chunk
	 * boundary, if it is not behind what was acknowledged already. */
	CHECK(tx.una < tx.sent_end);
	bad = tx.stats.bad_packets;
	netdump_hdr_put(a, NETDUMP_T_ACK, id);
	stream_put64(a + NETDUMP_ACK_OFF_CUM, 10 * MIB);
	stream_put16(a + NETDUMP_ACK_OFF_WINDOW, 8);
	netdump_seal(a, sizeof(a));
	q_push(&l.down, 0, a, sizeof(a));
	stream_put64(a + NETDUMP_ACK_OFF_CUM, tx.sent_end - 1);
	netdump_seal(a, sizeof(a));
	q_push(&l.down, 0, a, sizeof(a));
	CHECK_EQ(netdump_tx_write(&tx, data + 10000, 90000), 0);
	CHECK_EQ(netdump_tx_close(&tx, STREAM_STATUS_CUT), 0);
	CHECK_EQ(tx.stats.bad_packets, bad + 2);
	CHECK(arrived_whole(&w, id, data, 100000));
	CHECK(w.nsess && w.sess[0].st.sender_status == STREAM_STATUS_CUT);
	world_free(&w);
	free(data);
}

static void test_garbage_to_receiver(void)
{
	struct world w = {.rx_on = true};
	struct link l, *lp = &l;
	uint8_t id[STREAM_CRASH_ID_LEN], p[NETDUMP_PKT_MAX];
	struct pkt *r;
	uint64_t bad;

	rng = 101;
	make_id(id, 101);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	/* Noise, and packets with a good CRC but nonsense inside. */
	for (unsigned i = 0; i < 20000; i++) {
		size_t len = rnd() % sizeof(p);

		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)rnd();
		if (i % 2 && len >= NETDUMP_HDR_SIZE) {
			netdump_hdr_put(p, (uint8_t)(rnd() % 9), id);
			netdump_seal(p, len);
		}
		netdump_rx_input(&w.rx, p, len, &lp, sizeof(lp), 0);
	}
	CHECK(w.rx.bad_packets > 15000);
	netdump_rx_stop(&w.rx, 1);
	/* DATA of a session nobody heralded: ABORT "unknown". */
	while ((r = q_pop(&l.down, UINT64_MAX)))
		free(r);
	memset(p, 0, sizeof(p));
	netdump_hdr_put(p, NETDUMP_T_DATA, id);
	stream_put16(p + NETDUMP_DATA_OFF_LEN, 100);
	netdump_seal(p, NETDUMP_DATA_HDR_SIZE + 100);
	id[0] ^= 0x55; /* surely not a session the noise opened */
	netdump_hdr_put(p, NETDUMP_T_DATA, id);
	netdump_seal(p, NETDUMP_DATA_HDR_SIZE + 100);
	bad = w.rx.bad_packets;
	netdump_rx_input(&w.rx, p, NETDUMP_DATA_HDR_SIZE + 100, &lp, sizeof(lp),
			 0);
	CHECK_EQ(w.rx.bad_packets, bad + 1);
	r = q_pop(&l.down, UINT64_MAX);
	CHECK(r && r->b[NETDUMP_OFF_TYPE] == NETDUMP_T_ABORT &&
	      r->b[NETDUMP_ABORT_OFF_REASON] == NETDUMP_ST_UNKNOWN);
	free(r);
	world_free(&w);
}

static void test_receiver_restarts(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;

	rng = 111;
	make_id(id, 111);
	data = make_stream(MIB);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(netdump_tx_open(&tx, id), 0);
	CHECK_EQ(netdump_tx_write(&tx, data, 300000), 0);
	/* The receiver forgets everything: the sender hears ABORT. */
	netdump_rx_stop(&w.rx, 0);
	netdump_rx_free(&w.rx);
	w.nsess = 0;
	free(w.sess[0].b);
	world_rx_init(&w);
	CHECK_EQ(netdump_tx_write(&tx, data + 300000, 300000), -ECONNRESET);
	CHECK_EQ(netdump_tx_close(&tx, STREAM_STATUS_COMPLETE), -ECONNRESET);
	world_free(&w);
	free(data);
}

static void test_finish_answer_lost(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;

	rng = 121;
	make_id(id, 121);
	data = make_stream(300000);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	l.di.drop_type_once = NETDUMP_T_FINISH_ACK;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(transfer(&tx, id, data, 300000, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, 300000));
	CHECK_EQ(tx.stats.finishes, 2);
	/* Once more for the FINISH too: the first one is lost on the way. */
	world_free(&w);
	memset(&w, 0, sizeof(w));
	w.rx_on = true;
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	l.ui.drop_type_once = NETDUMP_T_FINISH;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(transfer(&tx, id, data, 300000, STREAM_REC_MAX), 0);
	CHECK(arrived_whole(&w, id, data, 300000));
	CHECK_EQ(tx.stats.finishes, 2);
	world_free(&w);
	free(data);
}

/* Two boards at once, interleaved record by record, one receiver. */
static void test_two_boards(void)
{
	static struct netdump_tx tx[2];
	static uint8_t carry[2][NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true};
	struct link l[2];
	uint8_t id[2][STREAM_CRASH_ID_LEN], *data[2];
	size_t n[2] = {MIB, MIB / 2 + 77}, off[2] = {0, 0};

	rng = 131;
	world_rx_init(&w);
	for (unsigned b = 0; b < 2; b++) {
		make_id(id[b], (uint8_t)(131 + b));
		data[b] = make_stream(n[b]);
		link_init(&l[b], &w, NETDUMP_PKT_MAX);
		l[b].ui = five;
		l[b].di = five;
		CHECK_EQ(netdump_tx_init(&tx[b], &l[b].dl, carry[b],
					 sizeof(carry[b]), NULL),
			 0);
		CHECK_EQ(netdump_tx_open(&tx[b], id[b]), 0);
	}
	CHECK_EQ(w.rx.n, 2);
	while (off[0] < n[0] || off[1] < n[1]) {
		for (unsigned b = 0; b < 2; b++) {
			size_t len = 1 + rnd() % STREAM_REC_MAX;

			if (off[b] >= n[b])
				continue;
			len = len < n[b] - off[b] ? len : n[b] - off[b];
			CHECK_EQ(
			    netdump_tx_write(&tx[b], data[b] + off[b], len), 0);
			off[b] += len;
		}
	}
	for (unsigned b = 0; b < 2; b++) {
		CHECK_EQ(netdump_tx_close(&tx[b], STREAM_STATUS_COMPLETE), 0);
		CHECK(arrived_whole(&w, id[b], data[b], n[b]));
		free(data[b]);
	}
	world_free(&w);
}

static void test_sink_and_busy_link(void)
{
	static struct net_sink ns;
	struct world w = {.rx_on = true};
	struct link l;
	struct dgram_link none = {0};
	uint8_t id[STREAM_CRASH_ID_LEN], *data;
	size_t n = 400000;

	CHECK_EQ(net_sink_init(&ns, NULL, NULL), -ENODEV);
	CHECK_EQ(net_sink_init(&ns, &none, NULL), -ENODEV);
	rng = 141;
	make_id(id, 141);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, 200); /* too small for the protocol */
	CHECK_EQ(net_sink_init(&ns, &l.dl, NULL), -EINVAL);
	CHECK_EQ(ns.sink.error, -EINVAL);
	l.dl.mtu = 9000; /* jumbo: we still send at most NETDUMP_PKT_MAX */
	l.eagain_every = 3;
	l.ui = five;
	l.di = five;
	CHECK_EQ(net_sink_init(&ns, &l.dl, NULL), 0);
	CHECK_STR(ns.sink.name, "net");
	CHECK_EQ(ns.tx.chunk, NETDUMP_CHUNK_MAX);
	l.dl.mtu = NETDUMP_PKT_MAX; /* what send() checks against */
	CHECK_EQ(ns.sink.ops->open(&ns.sink, id), 0);
	for (size_t off = 0; off < n;) {
		size_t len = 1 + rnd() % STREAM_REC_MAX;

		len = len < n - off ? len : n - off;
		CHECK_EQ(ns.sink.ops->write(&ns.sink, data + off, len), 0);
		off += len;
	}
	CHECK_EQ(ns.sink.ops->close(&ns.sink, STREAM_STATUS_COMPLETE), 0);
	CHECK(arrived_whole(&w, id, data, n));
	CHECK(l.send_calls > 0);
	world_free(&w);
	free(data);
}

static void test_session_expiry(void)
{
	static struct netdump_tx tx;
	static uint8_t carry[NET_SINK_CARRY_SIZE];
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data;

	rng = 151;
	make_id(id, 151);
	data = make_stream(200000);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, sizeof(carry), NULL), 0);
	CHECK_EQ(netdump_tx_open(&tx, id), 0);
	CHECK_EQ(netdump_tx_write(&tx, data, 100000), 0);
	/* Nothing heard for a minute: the receiver closes it as partial. */
	netdump_rx_expire(&w.rx, (double)fake_clock_us / 1e6 + 1, 60);
	CHECK_EQ(w.rx.n, 1);
	netdump_rx_expire(&w.rx, (double)fake_clock_us / 1e6 + 61, 60);
	CHECK_EQ(w.rx.n, 0);
	CHECK(w.nsess == 1 && w.sess[0].closed &&
	      w.sess[0].how == NETDUMP_RX_EXPIRED);
	CHECK(w.nsess == 1 && w.sess[0].n > 0 && w.sess[0].n <= 100000 &&
	      !memcmp(w.sess[0].b, data, w.sess[0].n));
	/* The sender learns it from the next packet's answer. */
	CHECK_EQ(netdump_tx_write(&tx, data + 100000, 100000), -ECONNRESET);
	world_free(&w);
	free(data);
}

/*
 * --bench: what the carry buys.  8 MiB in full records over a 1 Gb/s
 * wire, with the payload's compression time between records modelled as
 * idle CPU; figures in docs/netdump-protocol.md ("Memory").
 */
static void bench_one(unsigned rtt_us, unsigned comp_us, size_t carry_size)
{
	static struct netdump_tx tx;
	struct world w = {.rx_on = true};
	struct link l;
	uint8_t id[STREAM_CRASH_ID_LEN], *data, *carry = malloc(carry_size);
	size_t n = 8 * MIB;
	uint64_t t0;

	rng = 5;
	make_id(id, 5);
	data = make_stream(n);
	world_rx_init(&w);
	link_init(&l, &w, NETDUMP_PKT_MAX);
	l.ui.rate_mbps = l.di.rate_mbps = 1000;
	l.ui.lat_us = l.di.lat_us = rtt_us / 2;
	CHECK_EQ(netdump_tx_init(&tx, &l.dl, carry, carry_size, NULL), 0);
	CHECK_EQ(netdump_tx_open(&tx, id), 0);
	t0 = fake_clock_us;
	for (size_t off = 0; off < n; off += STREAM_REC_MAX) {
		size_t len =
		    n - off < STREAM_REC_MAX ? n - off : STREAM_REC_MAX;

		fake_clock_us += comp_us;
		CHECK_EQ(netdump_tx_write(&tx, data + off, len), 0);
	}
	CHECK_EQ(netdump_tx_close(&tx, STREAM_STATUS_COMPLETE), 0);
	CHECK(arrived_whole(&w, id, data, n));
	printf("| %u us | %u us | %zu | %.0f MB/s | %u |\n", rtt_us, comp_us,
	       carry_size, (double)n / (double)(fake_clock_us - t0),
	       tx.stats.max_inflight);
	world_free(&w);
	free(carry);
	free(data);
}

static int bench(void)
{
	static const unsigned rtts[] = {100, 200, 1000}, comps[] = {0, 500};
	static const size_t carries[] = {
	    2 * NETDUMP_CHUNK_MAX, 4096, 8192, 16384, 32768, 65536};

	printf("| round trip | CPU per record | carry bytes | throughput | "
	       "most in flight |\n| --- | --- | --- | --- | --- |\n");
	for (unsigned a = 0; a < 3; a++)
		for (unsigned c = 0; c < 2; c++)
			for (unsigned k = 0; k < 6; k++)
				bench_one(rtts[a], comps[c], carries[k]);
	return check_summary("test_netdump --bench");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--bench"))
		return bench();
	test_clean();
	test_lossy();
	test_heavy_loss();
	test_carry_sizes();
	test_window_limits();
	test_no_receiver();
	test_receiver_dies();
	test_window_never_opens();
	test_answers();
	test_garbage_to_sender();
	test_lying_ack();
	test_garbage_to_receiver();
	test_receiver_restarts();
	test_finish_answer_lost();
	test_two_boards();
	test_sink_and_busy_link();
	test_session_expiry();
	return check_summary("test_netdump");
}
