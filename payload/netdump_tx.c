// SPDX-License-Identifier: MIT
/*
 * The reliable dump protocol's sender (docs/netdump-protocol.md).  The
 * stream is cut into chunks of a fixed size; chunk k is stream bytes
 * [k * chunk, (k + 1) * chunk), so a retransmission carries exactly the
 * bytes of the first transmission and the receiver can take it any number
 * of times.  Round trip times come from timestamps the receiver echoes
 * (RFC 7323's idea, so retransmissions give samples too); the
 * retransmission timeout follows RFC 6298 §2 with exponential back-off
 * (§5.5) capped at NETDUMP_RTO_MAX_US; a chunk is also sent again when
 * three chunks sent after it were selectively acknowledged (RFC 6675's
 * DupThresh, counted on chunks).  Single-threaded and polled: every wait
 * loop reads timer_now_us() and gives up on a documented bound.
 */
#include <errno.h>
#include <string.h>

#include "drivers/timer.h"
#include "include/compiler.h"
#include "payload/log.h"
#include "payload/netdump_tx.h"

/* RFC 6675 §2: "DupThresh", three. */
#define NETDUMP_DUPTHRESH 3
/*
 * RFC 8985 (RACK) §6.2's reordering window, fixed: a chunk is lost when a
 * chunk sent after it was acknowledged and it has been out a round trip
 * and this long.  Larger than a LAN's reordering, far below the RTO.
 */
#define NETDUMP_REO_WND_US 2000u
/* An echoed timestamp older than this is not a sample but garbage. */
#define NETDUMP_RTT_SANE_US 60000000u

static uint64_t herald_timeout_us(const struct netdump_tx *tx)
{
	return (uint64_t)tx->p.herald_timeout_ms * 1000u;
}

static uint64_t stall_timeout_us(const struct netdump_tx *tx)
{
	return (uint64_t)tx->p.stall_timeout_ms * 1000u;
}

static uint64_t una_chunk(const struct netdump_tx *tx)
{
	return tx->una / tx->chunk;
}

static uint64_t nxt_chunk(const struct netdump_tx *tx)
{
	return tx->nxt / tx->chunk + (tx->nxt % tx->chunk != 0);
}

static struct netdump_slot *slot_of(struct netdump_tx *tx, uint64_t c)
{
	return &tx->slot[c % NETDUMP_WINDOW_MAX];
}

uint32_t netdump_tx_inflight(const struct netdump_tx *tx)
{
	if (tx->una >= tx->sent_end)
		return 0;
	return (uint32_t)(nxt_chunk(tx) - una_chunk(tx));
}

/* The timeout with back-off applied, capped. */
static uint32_t rto_now(const struct netdump_tx *tx)
{
	uint64_t rto = (uint64_t)tx->rto_us << tx->backoff;

	return rto > NETDUMP_RTO_MAX_US ? NETDUMP_RTO_MAX_US : (uint32_t)rto;
}

static void back_off(struct netdump_tx *tx)
{
	if (rto_now(tx) < NETDUMP_RTO_MAX_US)
		tx->backoff++;
}

/* RFC 6298 §2.2-2.4 with alpha 1/8, beta 1/4, K 4. */
static void rtt_sample(struct netdump_tx *tx, uint64_t now, uint32_t tsecr)
{
	uint32_t r = (uint32_t)now - tsecr, rto;

	if (r > NETDUMP_RTT_SANE_US)
		return;
	if (!tx->have_rtt) {
		tx->srtt_us = r;
		tx->rttvar_us = r / 2;
		tx->have_rtt = true;
	} else {
		uint32_t delta =
		    tx->srtt_us > r ? tx->srtt_us - r : r - tx->srtt_us;

		tx->rttvar_us = (3 * tx->rttvar_us + delta) / 4;
		tx->srtt_us = (7 * tx->srtt_us + r) / 8;
	}
	rto = tx->srtt_us + 4 * tx->rttvar_us;
	tx->rto_us = MIN(MAX(rto, NETDUMP_RTO_MIN_US), NETDUMP_RTO_MAX_US);
	tx->stats.srtt_us = tx->srtt_us;
	tx->stats.rto_us = tx->rto_us;
}

/* --- sending ------------------------------------------------------------ */

/* A link failure other than "busy" loses the packet: the timers resend it. */
static int link_send(struct netdump_tx *tx, size_t len)
{
	int ret;

	netdump_seal(tx->pkt, len);
	ret = tx->link->send(tx->link->ctx, tx->pkt, len);
	if (ret == -EAGAIN)
		return -EAGAIN;
	if (ret < 0 && tx->stats.send_errors++ == 0)
		log_printf("net: sending failed (%d): retrying\n", ret);
	return 0;
}

/* Stream bytes [off, off + len): the carry below `stored`, then the record. */
static void copy_out(const struct netdump_tx *tx, uint64_t off, uint8_t *dst,
		     size_t len)
{
	while (len) {
		size_t n;

		if (off < tx->stored) {
			size_t pos = (size_t)(off % tx->carry_size);

			n = (size_t)MIN((uint64_t)len, tx->stored - off);
			n = MIN(n, tx->carry_size - pos);
			memcpy(dst, tx->carry + pos, n);
		} else {
			n = len;
			memcpy(dst, tx->rec + (off - tx->stored), n);
		}
		dst += n;
		off += n;
		len -= n;
	}
}

/* One DATA packet for chunk @c of @len bytes. */
static int send_chunk(struct netdump_tx *tx, uint64_t c, size_t len,
		      uint64_t now)
{
	uint64_t off = c * tx->chunk;
	struct netdump_slot *s = slot_of(tx, c);
	uint8_t *p = tx->pkt;
	int ret;

	netdump_hdr_put(p, NETDUMP_T_DATA, tx->id);
	stream_put64(p + NETDUMP_DATA_OFF_OFFSET, off);
	stream_put32(p + NETDUMP_DATA_OFF_TSVAL, (uint32_t)now);
	stream_put16(p + NETDUMP_DATA_OFF_LEN, (uint16_t)len);
	stream_put16(p + NETDUMP_DATA_OFF_FLAGS, 0);
	copy_out(tx, off, p + NETDUMP_DATA_HDR_SIZE, len);
	ret = link_send(tx, NETDUMP_DATA_HDR_SIZE + len);
	if (ret)
		return ret;
	s->sent_us = (uint32_t)now;
	s->serial = ++tx->serial;
	if (s->tries < UINT8_MAX)
		s->tries++;
	tx->stats.data_sent++;
	return 0;
}

/* Length of an already sent chunk: whole, except the stream's last one. */
static size_t sent_len(const struct netdump_tx *tx, uint64_t c)
{
	uint64_t off = c * tx->chunk;

	return (size_t)MIN((uint64_t)tx->chunk, tx->sent_end - off);
}

static int retransmit(struct netdump_tx *tx, uint64_t c, uint64_t now)
{
	int ret = send_chunk(tx, c, sent_len(tx, c), now);

	if (!ret)
		tx->stats.retransmits++;
	return ret;
}

/* Chunks whose timer ran out: send again, back off once per round. */
static int resend_expired(struct netdump_tx *tx, uint64_t now)
{
	uint32_t rto = rto_now(tx);
	bool expired = false;
	int ret = 0;

	if (tx->una >= tx->sent_end)
		return 0;
	for (uint64_t c = una_chunk(tx); c < nxt_chunk(tx); c++) {
		struct netdump_slot *s = slot_of(tx, c);

		if (s->sacked || (uint32_t)now - s->sent_us < rto)
			continue;
		ret = retransmit(tx, c, now);
		if (ret)
			break;
		expired = true;
	}
	if (expired) {
		tx->stats.timeouts++;
		back_off(tx);
	}
	return ret;
}

/*
 * A chunk not acknowledged while DupThresh chunks transmitted after it were
 * is taken as lost (RFC 6675); so is one out for a round trip and the
 * reordering window while any chunk transmitted after it was (RFC 8985),
 * which repairs losses near the end of a burst without waiting for the
 * timer.  Walking down from the newest chunk keeps the serials of the
 * three latest acknowledged transmissions seen so far.
 */
static int resend_sacked_holes(struct netdump_tx *tx, uint64_t now)
{
	uint32_t late[NETDUMP_DUPTHRESH];
	uint32_t rack = tx->srtt_us + MAX(tx->srtt_us / 4, NETDUMP_REO_WND_US);
	unsigned n = 0;
	uint64_t first = una_chunk(tx);

	if (tx->una >= tx->sent_end)
		return 0;
	for (uint64_t c = nxt_chunk(tx); c-- > first;) {
		struct netdump_slot *s = slot_of(tx, c);
		int ret;

		if (s->sacked) {
			unsigned i;

			if (n < NETDUMP_DUPTHRESH)
				i = n++;
			else if (s->serial > late[NETDUMP_DUPTHRESH - 1])
				i = NETDUMP_DUPTHRESH - 1;
			else
				continue;
			/* insertion: late[] stays sorted, latest first */
			while (i > 0 && late[i - 1] < s->serial) {
				late[i] = late[i - 1];
				i--;
			}
			late[i] = s->serial;
			continue;
		}
		if (!n || late[0] < s->serial)
			continue; /* nothing sent after it has arrived */
		if ((n < NETDUMP_DUPTHRESH ||
		     late[NETDUMP_DUPTHRESH - 1] < s->serial) &&
		    (uint32_t)now - s->sent_us < rack)
			continue;
		ret = retransmit(tx, c, now);
		if (ret)
			return ret;
		tx->stats.fast_retransmits++;
	}
	return 0;
}

/* New chunks, as far as the window and the bytes at hand allow. */
static int send_new(struct netdump_tx *tx, uint64_t now, bool flush)
{
	uint64_t avail = tx->stored + tx->rec_len;

	while (tx->nxt < avail && nxt_chunk(tx) < una_chunk(tx) + tx->window) {
		uint64_t c = nxt_chunk(tx);
		size_t len = (size_t)MIN((uint64_t)tx->chunk, avail - tx->nxt);
		struct netdump_slot *s = slot_of(tx, c);
		int ret;

		if (len < tx->chunk && !flush)
			break;
		s->tries = 0;
		s->sacked = 0;
		ret = send_chunk(tx, c, len, now);
		if (ret)
			return ret;
		tx->nxt += len;
		tx->sent_end = tx->nxt;
	}
	tx->stats.max_inflight =
	    MAX(tx->stats.max_inflight, netdump_tx_inflight(tx));
	return 0;
}

static int send_herald(struct netdump_tx *tx, uint64_t now)
{
	uint8_t *p = tx->pkt;

	netdump_hdr_put(p, NETDUMP_T_HERALD, tx->id);
	stream_put16(p + NETDUMP_HERALD_OFF_MINOR, NETDUMP_VERSION_MINOR);
	stream_put16(p + NETDUMP_HERALD_OFF_CHUNK, tx->chunk);
	stream_put16(p + NETDUMP_HERALD_OFF_WINDOW, NETDUMP_WINDOW_MAX);
	stream_put16(p + NETDUMP_HERALD_OFF_FLAGS, 0);
	stream_put32(p + NETDUMP_HERALD_OFF_TSVAL, (uint32_t)now);
	stream_put32(p + NETDUMP_HERALD_OFF_TRY, tx->stats.heralds + 1);
	if (link_send(tx, NETDUMP_HERALD_SIZE))
		return -EAGAIN;
	tx->stats.heralds++;
	return 0;
}

static int send_finish(struct netdump_tx *tx, uint64_t now, unsigned status)
{
	uint8_t *p = tx->pkt;

	netdump_hdr_put(p, NETDUMP_T_FINISH, tx->id);
	stream_put64(p + NETDUMP_FIN_OFF_TOTAL, tx->stored);
	stream_put64(p + NETDUMP_FIN_OFF_SENT, tx->stats.data_sent);
	stream_put64(p + NETDUMP_FIN_OFF_RETRANS, tx->stats.retransmits);
	stream_put32(p + NETDUMP_FIN_OFF_TSVAL, (uint32_t)now);
	stream_put32(p + NETDUMP_FIN_OFF_TIMEOUTS, tx->stats.timeouts);
	stream_put32(p + NETDUMP_FIN_OFF_SRTT, tx->srtt_us);
	p[NETDUMP_FIN_OFF_STATUS] = (uint8_t)status;
	p[NETDUMP_FIN_OFF_STATUS + 1] = 0;
	stream_put16(p + NETDUMP_FIN_OFF_HERALDS,
		     (uint16_t)MIN(tx->stats.heralds, UINT16_MAX));
	if (link_send(tx, NETDUMP_FIN_SIZE))
		return -EAGAIN;
	tx->stats.finishes++;
	tx->fin_sent_us = (uint32_t)now;
	return 0;
}

/* --- receiving ---------------------------------------------------------- */

static void take_herald_ack(struct netdump_tx *tx, const uint8_t *p,
			    uint64_t now)
{
	uint8_t st = p[NETDUMP_HACK_OFF_STATUS];
	uint16_t w = stream_get16(p + NETDUMP_HACK_OFF_WINDOW);

	if (tx->state != NETDUMP_TX_IDLE)
		return; /* a duplicate answer */
	switch (st) {
	case NETDUMP_ST_OK:
		if (!w) {
			tx->stats.bad_packets++;
			return;
		}
		tx->window = (uint16_t)MIN(w, NETDUMP_WINDOW_MAX);
		rtt_sample(tx, now, stream_get32(p + NETDUMP_HACK_OFF_TSECR));
		tx->state = NETDUMP_TX_OPEN;
		return;
	case NETDUMP_ST_BUSY:
		if (tx->stats.heralds == 1)
			log_printf("net: the receiver is busy: heralding on\n");
		return;
	case NETDUMP_ST_BAD:
		log_printf("net: the receiver refused a chunk of %u bytes\n",
			   tx->chunk);
		tx->error = -EINVAL;
		return;
	default:
		log_printf("net: the receiver refused the session: %s\n",
			   netdump_status_name(st));
		tx->error = st == NETDUMP_ST_VERSION ? -ENOTSUP : -ECONNRESET;
		return;
	}
}

static void take_ack(struct netdump_tx *tx, const uint8_t *p, uint64_t now)
{
	uint64_t cum = stream_get64(p + NETDUMP_ACK_OFF_CUM);
	uint16_t w = stream_get16(p + NETDUMP_ACK_OFF_WINDOW);
	const uint8_t *sack = p + NETDUMP_ACK_OFF_SACK;
	bool news = false;
	uint64_t base;

	if (tx->state != NETDUMP_TX_OPEN || cum < tx->una)
		return; /* late, overtaken by a newer one */
	if (cum > tx->sent_end || (cum != tx->sent_end && cum % tx->chunk) ||
	    !w) {
		tx->stats.bad_packets++;
		return;
	}
	tx->stats.acks++;
	if (cum > tx->una) {
		tx->una = cum;
		tx->stats.bytes = cum;
		tx->backoff = 0;
		tx->progress_us = now;
		news = true;
	}
	base = cum / tx->chunk + 1;
	for (unsigned i = 0; i < NETDUMP_SACK_BITS; i++) {
		uint64_t c = base + i;
		struct netdump_slot *s;

		if (c >= nxt_chunk(tx))
			break;
		if (!(sack[i / 8] & (1u << (i % 8))))
			continue;
		s = slot_of(tx, c);
		if (!s->sacked) {
			s->sacked = 1;
			news = true;
		}
	}
	if (news)
		rtt_sample(tx, now, stream_get32(p + NETDUMP_ACK_OFF_TSECR));
	tx->window = (uint16_t)MIN(w, NETDUMP_WINDOW_MAX);
}

static void take_packet(struct netdump_tx *tx, const uint8_t *p, size_t len,
			uint64_t now)
{
	uint8_t type;

	if (!netdump_pkt_check(p, len) ||
	    memcmp(p + NETDUMP_OFF_ID, tx->id, STREAM_CRASH_ID_LEN)) {
		tx->stats.bad_packets++;
		return;
	}
	if (p[NETDUMP_OFF_VERSION] != NETDUMP_VERSION) {
		log_printf("net: the receiver speaks protocol version %u, we "
			   "speak %u\n",
			   p[NETDUMP_OFF_VERSION], NETDUMP_VERSION);
		tx->error = -ENOTSUP;
		return;
	}
	type = p[NETDUMP_OFF_TYPE];
	if (!netdump_min_size(type) || len < netdump_min_size(type)) {
		tx->stats.bad_packets++;
		return;
	}
	switch (type) {
	case NETDUMP_T_HERALD_ACK:
		take_herald_ack(tx, p, now);
		break;
	case NETDUMP_T_ACK:
		take_ack(tx, p, now);
		break;
	case NETDUMP_T_FINISH_ACK:
		if (tx->state == NETDUMP_TX_OPEN && tx->una == tx->stored &&
		    stream_get64(p + NETDUMP_FACK_OFF_TOTAL) == tx->stored &&
		    p[NETDUMP_FACK_OFF_STATUS] == NETDUMP_ST_OK) {
			rtt_sample(tx, now,
				   stream_get32(p + NETDUMP_FACK_OFF_TSECR));
			tx->finished = true;
		} else {
			tx->stats.bad_packets++;
		}
		break;
	case NETDUMP_T_ABORT:
		log_printf("net: the receiver aborted the session: %s\n",
			   netdump_status_name(p[NETDUMP_ABORT_OFF_REASON]));
		tx->error = -ECONNRESET;
		break;
	default:
		tx->stats.bad_packets++; /* our own kinds, reflected */
		break;
	}
}

/* Take what the link holds (a bounded burst); 0 or a session error. */
static int take_all(struct netdump_tx *tx, uint64_t now)
{
	for (unsigned i = 0; i < NETDUMP_TX_RX_BURST && !tx->error; i++) {
		int n = tx->link->recv(tx->link->ctx, tx->in, sizeof(tx->in));

		if (n == 0)
			break;
		if (n < 0) {
			tx->stats.recv_errors++;
			break;
		}
		take_packet(tx, tx->in, (size_t)n, now);
	}
	return tx->error;
}

/* One round: answers in, timers, holes, new data.  0 or a session error. */
static int pump(struct netdump_tx *tx, bool flush)
{
	uint64_t now = timer_now_us();
	int ret = take_all(tx, now);

	if (ret)
		return ret;
	if (resend_expired(tx, now) || resend_sacked_holes(tx, now))
		return 0; /* the link is busy: new data waits */
	send_new(tx, now, flush);
	return 0;
}

static int stalled(struct netdump_tx *tx, const char *what)
{
	uint64_t now = timer_now_us();

	if (now - tx->progress_us < stall_timeout_us(tx))
		return 0;
	log_printf("net: no progress %s for %u s (%u chunks in flight): "
		   "giving up\n",
		   what, tx->p.stall_timeout_ms / 1000,
		   netdump_tx_inflight(tx));
	return -ETIMEDOUT;
}

/* --- API ---------------------------------------------------------------- */

int netdump_tx_init(struct netdump_tx *tx, const struct dgram_link *link,
		    uint8_t *carry, size_t carry_size,
		    const struct netdump_tx_params *p)
{
	size_t mtu;

	memset(tx, 0, sizeof(*tx));
	if (!link || !link->send || !link->recv)
		return -ENODEV;
	mtu = MIN(link->mtu, (size_t)NETDUMP_PKT_MAX);
	if (mtu < NETDUMP_DATA_HDR_SIZE + NETDUMP_CHUNK_MIN)
		return -EINVAL;
	tx->link = link;
	tx->chunk = (uint16_t)(mtu - NETDUMP_DATA_HDR_SIZE);
	if (!carry || carry_size < 2u * tx->chunk)
		return -EINVAL;
	tx->carry = carry;
	tx->carry_size = carry_size;
	if (p)
		tx->p = *p;
	if (!tx->p.herald_timeout_ms)
		tx->p.herald_timeout_ms = NETDUMP_HERALD_TIMEOUT_MS;
	if (!tx->p.stall_timeout_ms)
		tx->p.stall_timeout_ms = NETDUMP_STALL_TIMEOUT_MS;
	tx->rto_us = NETDUMP_RTO_INIT_US;
	tx->stats.rto_us = tx->rto_us;
	tx->state = NETDUMP_TX_IDLE;
	return 0;
}

int netdump_tx_open(struct netdump_tx *tx,
		    const uint8_t id[STREAM_CRASH_ID_LEN])
{
	uint64_t start, next;
	uint32_t gap = NETDUMP_RTO_INIT_US;

	if (tx->error)
		return tx->error;
	if (!tx->link || tx->state != NETDUMP_TX_IDLE)
		return -EINVAL;
	memcpy(tx->id, id, STREAM_CRASH_ID_LEN);
	start = next = timer_now_us();
	for (;;) {
		uint64_t now = timer_now_us();

		if (now - start >= herald_timeout_us(tx)) {
			log_printf("net: no answer from the receiver in %u s "
				   "(%u heralds): giving up\n",
				   tx->p.herald_timeout_ms / 1000,
				   tx->stats.heralds);
			tx->error = -ETIMEDOUT;
			return tx->error;
		}
		if (now >= next && !send_herald(tx, now)) {
			next = now + gap;
			gap = MIN(2 * gap, (uint32_t)NETDUMP_RTO_MAX_US);
		}
		if (take_all(tx, now))
			return tx->error;
		if (tx->state == NETDUMP_TX_OPEN)
			return 0;
	}
}

/* Keep the record's unacknowledged bytes: write() is about to return. */
static void keep_tail(struct netdump_tx *tx)
{
	uint64_t end = tx->stored + tx->rec_len;
	uint64_t off = MAX(tx->una, tx->stored);

	while (off < end) {
		size_t pos = (size_t)(off % tx->carry_size);
		size_t n =
		    (size_t)MIN(end - off, (uint64_t)(tx->carry_size - pos));

		memcpy(tx->carry + pos, tx->rec + (off - tx->stored), n);
		off += n;
	}
	tx->stored = end;
	tx->rec = NULL;
	tx->rec_len = 0;
}

static int fail(struct netdump_tx *tx, int err)
{
	tx->error = err;
	tx->rec = NULL;
	tx->rec_len = 0;
	return err;
}

int netdump_tx_write(struct netdump_tx *tx, const void *buf, size_t len)
{
	int ret;

	if (tx->error)
		return tx->error;
	if (tx->state != NETDUMP_TX_OPEN)
		return -EINVAL;
	if (!len)
		return 0;
	tx->rec = buf;
	tx->rec_len = len;
	tx->progress_us = timer_now_us();
	for (;;) {
		ret = pump(tx, false);
		if (ret)
			return fail(tx, ret);
		if (tx->stored + len - tx->una <= tx->carry_size)
			break;
		ret = stalled(tx, "in the window");
		if (ret)
			return fail(tx, ret);
	}
	keep_tail(tx);
	return 0;
}

int netdump_tx_close(struct netdump_tx *tx, unsigned status)
{
	int ret;

	if (tx->error)
		return tx->error;
	if (tx->state != NETDUMP_TX_OPEN)
		return -EINVAL;
	tx->progress_us = timer_now_us();
	while (tx->una < tx->stored) {
		ret = pump(tx, true);
		if (!ret)
			ret = stalled(tx, "draining the window");
		if (ret)
			return fail(tx, ret);
	}
	/* FINISH until answered, on the retransmission timer. */
	tx->backoff = 0;
	tx->progress_us = timer_now_us();
	for (bool sent = false;;) {
		uint64_t now = timer_now_us();

		if (!sent || (uint32_t)now - tx->fin_sent_us >= rto_now(tx)) {
			if (!send_finish(tx, now, status)) {
				if (sent)
					back_off(tx);
				sent = true;
			}
		}
		ret = take_all(tx, now);
		if (!ret && tx->finished)
			break;
		if (!ret)
			ret = stalled(tx, "waiting for the FINISH answer");
		if (ret)
			return fail(tx, ret);
	}
	tx->state = NETDUMP_TX_CLOSED;
	return 0;
}
