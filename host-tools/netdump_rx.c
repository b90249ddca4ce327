// SPDX-License-Identifier: MIT
/*
 * The reliable dump protocol's receiver core (docs/netdump-protocol.md):
 * sessions by crash id, out-of-order chunks held in a window until the
 * stream is contiguous, cumulative + selective ACKs, the FINISH answer,
 * and a short memory of ended sessions so that a repeated FINISH (its
 * answer was lost) is answered again.  Never trusts a packet: lengths,
 * offsets and windows are checked against the session's parameters.
 */
#include "host-tools/netdump_rx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define END_UNKNOWN UINT64_MAX

int netdump_rx_init(struct netdump_rx *rx, const struct netdump_rx_ops *ops,
		    unsigned max_sessions)
{
	memset(rx, 0, sizeof(*rx));
	rx->ops = *ops;
	rx->max_sessions = max_sessions ? max_sessions : NETDUMP_RX_SESSIONS;
	rx->window = NETDUMP_RX_WINDOW;
	rx->s = calloc(rx->max_sessions, sizeof(*rx->s));
	return rx->s ? 0 : -ENOMEM;
}

void netdump_rx_free(struct netdump_rx *rx)
{
	for (unsigned i = 0; i < rx->n; i++) {
		free(rx->s[i]->buf);
		free(rx->s[i]->have);
		free(rx->s[i]);
	}
	free(rx->s);
	rx->s = NULL;
	rx->n = 0;
}

static struct netdump_rx_session *find(struct netdump_rx *rx, const uint8_t *id)
{
	for (unsigned i = 0; i < rx->n; i++)
		if (!memcmp(rx->s[i]->id, id, STREAM_CRASH_ID_LEN))
			return rx->s[i];
	return NULL;
}

static const struct netdump_rx_done *find_done(const struct netdump_rx *rx,
					       const uint8_t *id)
{
	for (unsigned i = 0; i < rx->ndone; i++)
		if (!memcmp(rx->done[i].id, id, STREAM_CRASH_ID_LEN))
			return &rx->done[i];
	return NULL;
}

/* --- replies ------------------------------------------------------------- */

static void reply(struct netdump_rx *rx, const void *peer, size_t peerlen,
		  size_t len)
{
	netdump_seal(rx->out, len);
	rx->ops.send(rx->ops.ctx, peer, peerlen, rx->out, len);
}

static void reply_herald(struct netdump_rx *rx, const uint8_t *id,
			 const void *peer, size_t peerlen, uint8_t status,
			 uint16_t window, uint32_t tsecr)
{
	uint8_t *p = rx->out;

	memset(p, 0, NETDUMP_HACK_SIZE);
	netdump_hdr_put(p, NETDUMP_T_HERALD_ACK, id);
	stream_put16(p + NETDUMP_HACK_OFF_MINOR, NETDUMP_VERSION_MINOR);
	p[NETDUMP_HACK_OFF_STATUS] = status;
	stream_put16(p + NETDUMP_HACK_OFF_WINDOW, window);
	stream_put32(p + NETDUMP_HACK_OFF_TSECR, tsecr);
	reply(rx, peer, peerlen, NETDUMP_HACK_SIZE);
}

static void reply_abort(struct netdump_rx *rx, const uint8_t *id,
			const void *peer, size_t peerlen, uint8_t reason)
{
	uint8_t *p = rx->out;

	memset(p, 0, NETDUMP_ABORT_SIZE);
	netdump_hdr_put(p, NETDUMP_T_ABORT, id);
	p[NETDUMP_ABORT_OFF_REASON] = reason;
	reply(rx, peer, peerlen, NETDUMP_ABORT_SIZE);
}

static void reply_finish(struct netdump_rx *rx, const uint8_t *id,
			 const void *peer, size_t peerlen, uint64_t total,
			 uint32_t tsecr)
{
	uint8_t *p = rx->out;

	memset(p, 0, NETDUMP_FACK_SIZE);
	netdump_hdr_put(p, NETDUMP_T_FINISH_ACK, id);
	stream_put64(p + NETDUMP_FACK_OFF_TOTAL, total);
	stream_put32(p + NETDUMP_FACK_OFF_TSECR, tsecr);
	p[NETDUMP_FACK_OFF_STATUS] = NETDUMP_ST_OK;
	reply(rx, peer, peerlen, NETDUMP_FACK_SIZE);
}

static void send_ack(struct netdump_rx *rx, struct netdump_rx_session *s)
{
	uint8_t *p = rx->out;
	uint64_t base = s->cum / s->chunk;

	memset(p, 0, NETDUMP_ACK_SIZE);
	netdump_hdr_put(p, NETDUMP_T_ACK, s->id);
	stream_put64(p + NETDUMP_ACK_OFF_CUM, s->cum);
	stream_put32(p + NETDUMP_ACK_OFF_TSECR, s->tsecr);
	stream_put16(p + NETDUMP_ACK_OFF_WINDOW, s->window);
	for (unsigned i = 0; i + 1u < s->window && i < NETDUMP_SACK_BITS; i++)
		if (s->have[(base + 1 + i) % s->window])
			p[NETDUMP_ACK_OFF_SACK + i / 8] |=
			    (uint8_t)(1u << (i % 8));
	reply(rx, s->peer, s->peerlen, NETDUMP_ACK_SIZE);
	s->st.acks_sent++;
	s->unacked = 0;
	s->ack_due = false;
}

/* --- session life --------------------------------------------------------- */

static void remember(struct netdump_rx *rx, const uint8_t *id, uint64_t total,
		     enum netdump_rx_end how)
{
	struct netdump_rx_done *d = &rx->done[rx->done_next];

	memcpy(d->id, id, STREAM_CRASH_ID_LEN);
	d->total = total;
	d->how = how;
	rx->done_next = (rx->done_next + 1) % NETDUMP_RX_DONE_MAX;
	if (rx->ndone < NETDUMP_RX_DONE_MAX)
		rx->ndone++;
}

static void end_session(struct netdump_rx *rx, struct netdump_rx_session *s,
			enum netdump_rx_end how, double now)
{
	unsigned i;

	for (i = 0; i < rx->n && rx->s[i] != s; i++)
		;
	if (i == rx->n)
		return;
	rx->s[i] = rx->s[--rx->n];
	remember(rx, s->id, s->cum, how);
	s->st.ended = now;
	s->st.bytes = s->cum;
	rx->ops.close(s->user, how, &s->st);
	free(s->buf);
	free(s->have);
	free(s);
}

static void set_peer(struct netdump_rx_session *s, const void *peer,
		     size_t peerlen)
{
	s->peerlen = peerlen < sizeof(s->peer) ? peerlen : sizeof(s->peer);
	memcpy(s->peer, peer, s->peerlen);
}

static void herald(struct netdump_rx *rx, const uint8_t *p, const void *peer,
		   size_t peerlen, double now)
{
	const uint8_t *id = p + NETDUMP_OFF_ID;
	uint16_t chunk = stream_get16(p + NETDUMP_HERALD_OFF_CHUNK);
	uint16_t window = stream_get16(p + NETDUMP_HERALD_OFF_WINDOW);
	uint32_t ts = stream_get32(p + NETDUMP_HERALD_OFF_TSVAL);
	struct netdump_rx_session *s = find(rx, id);
	const struct netdump_rx_done *d;
	void *user;

	if (s) { /* a repeated herald: our answer was lost */
		s->st.heralds++;
		s->st.packets++;
		s->last_heard = now;
		set_peer(s, peer, peerlen);
		reply_herald(rx, id, peer, peerlen, NETDUMP_ST_OK, s->window,
			     ts);
		return;
	}
	if (chunk < NETDUMP_CHUNK_MIN || chunk > NETDUMP_CHUNK_MAX || !window ||
	    !rx->window) {
		rx->bad_packets++;
		reply_herald(rx, id, peer, peerlen, NETDUMP_ST_BAD, 0, ts);
		return;
	}
	d = find_done(rx, id);
	if (d) {
		reply_abort(rx, id, peer, peerlen,
			    d->how == NETDUMP_RX_FINISHED ? NETDUMP_ST_DONE
							  : NETDUMP_ST_EXPIRED);
		return;
	}
	if (rx->n >= rx->max_sessions) {
		reply_herald(rx, id, peer, peerlen, NETDUMP_ST_BUSY, 0, ts);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s) {
		uint16_t cap = rx->window < NETDUMP_WINDOW_MAX
				   ? rx->window
				   : NETDUMP_WINDOW_MAX;

		s->window = window < cap ? window : cap;
		s->buf = malloc((size_t)s->window * chunk);
		s->have = calloc(s->window, sizeof(*s->have));
	}
	user = s && s->buf && s->have
		   ? rx->ops.open(rx->ops.ctx, id, peer, peerlen)
		   : NULL;
	if (!user) {
		if (s) {
			free(s->buf);
			free(s->have);
		}
		free(s);
		reply_herald(rx, id, peer, peerlen, NETDUMP_ST_BUSY, 0, ts);
		return;
	}
	memcpy(s->id, id, STREAM_CRASH_ID_LEN);
	s->user = user;
	s->chunk = chunk;
	s->end = END_UNKNOWN;
	s->last_heard = now;
	set_peer(s, peer, peerlen);
	s->st.chunk = chunk;
	s->st.window = s->window;
	s->st.heralds = 1;
	s->st.packets = 1;
	s->st.started = now;
	rx->s[rx->n++] = s;
	reply_herald(rx, id, peer, peerlen, NETDUMP_ST_OK, s->window, ts);
}

/* Hand over what became contiguous; false when the owner failed. */
static bool deliver(struct netdump_rx *rx, struct netdump_rx_session *s)
{
	for (;;) {
		uint64_t c = s->cum / s->chunk;
		size_t slot = (size_t)(c % s->window);
		uint16_t n = s->have[slot];

		if (!n || s->cum % s->chunk)
			return true;
		if (rx->ops.data(s->user, s->buf + slot * s->chunk, n))
			return false;
		s->have[slot] = 0;
		s->cum += n;
		s->st.bytes = s->cum;
	}
}

/* Does any held chunk lie beyond stream byte @end? */
static bool held_beyond(const struct netdump_rx_session *s, uint64_t end)
{
	uint64_t base = s->cum / s->chunk;

	for (unsigned i = 0; i < s->window; i++) {
		uint64_t c = base + i;

		if (s->have[c % s->window] && c * s->chunk + 1 > end)
			return true;
	}
	return false;
}

static void data(struct netdump_rx *rx, struct netdump_rx_session *s,
		 const uint8_t *p, size_t len, double now)
{
	uint64_t off = stream_get64(p + NETDUMP_DATA_OFF_OFFSET);
	uint16_t n = stream_get16(p + NETDUMP_DATA_OFF_LEN);
	uint64_t c, base;
	size_t slot;

	/* Only the stream's last chunk is short, and nothing lies beyond. */
	if (!n || n > s->chunk || len != NETDUMP_DATA_HDR_SIZE + (size_t)n ||
	    off % s->chunk || off > END_UNKNOWN - n || off + n > s->end ||
	    (n < s->chunk && s->end != END_UNKNOWN && off + n != s->end) ||
	    (n < s->chunk && held_beyond(s, off + n))) {
		rx->bad_packets++;
		return;
	}
	s->st.packets++;
	s->st.data_packets++;
	s->last_heard = now;
	s->tsecr = stream_get32(p + NETDUMP_DATA_OFF_TSVAL);
	c = off / s->chunk;
	base = s->cum / s->chunk;
	if (off + n <= s->cum) {
		s->st.duplicates++;
		s->ack_due = true;
		return;
	}
	if (c >= base + s->window) {
		s->st.out_of_window++;
		s->ack_due = true;
		return;
	}
	slot = (size_t)(c % s->window);
	if (s->have[slot]) {
		s->st.duplicates++;
		s->ack_due = true;
		return;
	}
	memcpy(s->buf + slot * s->chunk, p + NETDUMP_DATA_HDR_SIZE, n);
	s->have[slot] = n;
	if (n < s->chunk)
		s->end = off + n; /* only the stream's last chunk is short */
	if (c != base) {
		s->ack_due = true; /* a hole: the sender should know now */
		return;
	}
	if (!deliver(rx, s)) {
		reply_abort(rx, s->id, s->peer, s->peerlen, NETDUMP_ST_FAILED);
		end_session(rx, s, NETDUMP_RX_FAILED, now);
		return;
	}
	if (++s->unacked >= NETDUMP_RX_ACK_EVERY)
		s->ack_due = true;
}

static void finish(struct netdump_rx *rx, struct netdump_rx_session *s,
		   const uint8_t *p, double now)
{
	uint64_t total = stream_get64(p + NETDUMP_FIN_OFF_TOTAL);
	uint32_t ts = stream_get32(p + NETDUMP_FIN_OFF_TSVAL);

	if (total < s->cum || (s->end != END_UNKNOWN && total != s->end) ||
	    held_beyond(s, total)) {
		rx->bad_packets++;
		return;
	}
	s->st.packets++;
	s->last_heard = now;
	s->end = total;
	if (s->cum < total) { /* cannot be from a sender that saw our ACKs */
		s->ack_due = true;
		return;
	}
	s->st.finished = true;
	s->st.total = total;
	s->st.sender_sent = stream_get64(p + NETDUMP_FIN_OFF_SENT);
	s->st.sender_retransmits = stream_get64(p + NETDUMP_FIN_OFF_RETRANS);
	s->st.sender_timeouts = stream_get32(p + NETDUMP_FIN_OFF_TIMEOUTS);
	s->st.sender_srtt_us = stream_get32(p + NETDUMP_FIN_OFF_SRTT);
	s->st.sender_status = p[NETDUMP_FIN_OFF_STATUS];
	s->st.sender_heralds = stream_get16(p + NETDUMP_FIN_OFF_HERALDS);
	reply_finish(rx, s->id, s->peer, s->peerlen, total, ts);
	end_session(rx, s, NETDUMP_RX_FINISHED, now);
}

/* A packet of an ended or unknown session. */
static void stray(struct netdump_rx *rx, const uint8_t *p, uint8_t type,
		  const void *peer, size_t peerlen)
{
	const uint8_t *id = p + NETDUMP_OFF_ID;
	const struct netdump_rx_done *d = find_done(rx, id);

	if (d && d->how == NETDUMP_RX_FINISHED) {
		/* Late DATA is harmless; a FINISH means our answer was lost. */
		if (type == NETDUMP_T_FINISH &&
		    stream_get64(p + NETDUMP_FIN_OFF_TOTAL) == d->total)
			reply_finish(rx, id, peer, peerlen, d->total,
				     stream_get32(p + NETDUMP_FIN_OFF_TSVAL));
		return;
	}
	rx->bad_packets++;
	reply_abort(rx, id, peer, peerlen,
		    !d				  ? NETDUMP_ST_UNKNOWN
		    : d->how == NETDUMP_RX_FAILED ? NETDUMP_ST_FAILED
						  : NETDUMP_ST_EXPIRED);
}

void netdump_rx_input(struct netdump_rx *rx, const void *pkt, size_t len,
		      const void *peer, size_t peerlen, double now)
{
	const uint8_t *p = pkt;
	struct netdump_rx_session *s;
	uint8_t type;

	if (!netdump_pkt_check(p, len)) {
		rx->bad_packets++;
		return;
	}
	type = p[NETDUMP_OFF_TYPE];
	if (p[NETDUMP_OFF_VERSION] != NETDUMP_VERSION) {
		/* Tell a sender of another version, in our own. */
		rx->bad_packets++;
		if (type == NETDUMP_T_HERALD)
			reply_herald(rx, p + NETDUMP_OFF_ID, peer, peerlen,
				     NETDUMP_ST_VERSION, 0, 0);
		return;
	}
	if (!netdump_min_size(type) || len < netdump_min_size(type) ||
	    !(type & 1)) { /* our own kinds come from receivers */
		rx->bad_packets++;
		return;
	}
	if (type == NETDUMP_T_HERALD) {
		herald(rx, p, peer, peerlen, now);
		return;
	}
	s = find(rx, p + NETDUMP_OFF_ID);
	if (!s) {
		stray(rx, p, type, peer, peerlen);
		return;
	}
	set_peer(s, peer, peerlen);
	if (type == NETDUMP_T_DATA)
		data(rx, s, p, len, now);
	else if (type == NETDUMP_T_FINISH)
		finish(rx, s, p, now);
	else
		rx->bad_packets++; /* ABORT from a sender: not defined */
	s = find(rx, p + NETDUMP_OFF_ID);
	if (s && s->ack_due)
		send_ack(rx, s);
}

void netdump_rx_flush(struct netdump_rx *rx)
{
	for (unsigned i = 0; i < rx->n; i++)
		if (rx->s[i]->ack_due || rx->s[i]->unacked)
			send_ack(rx, rx->s[i]);
}

void netdump_rx_expire(struct netdump_rx *rx, double now, double timeout)
{
	if (timeout <= 0)
		return;
	for (unsigned i = 0; i < rx->n;) {
		struct netdump_rx_session *s = rx->s[i];

		if (now - s->last_heard < timeout) {
			i++;
			continue;
		}
		end_session(rx, s, NETDUMP_RX_EXPIRED, now);
	}
}

void netdump_rx_stop(struct netdump_rx *rx, double now)
{
	while (rx->n)
		end_session(rx, rx->s[rx->n - 1], NETDUMP_RX_STOPPED, now);
}
