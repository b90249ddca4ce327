// SPDX-License-Identifier: MIT
/*
 * `tinydump recv --udp [ADDR:]PORT`: one UDP socket serving any number of
 * boards at once with the reliable dump protocol (host-tools/netdump_rx.c,
 * docs/netdump-protocol.md).  Each crash id gets its own collector
 * (host-tools/collect.h); when its session ends, main.c's hooks write the
 * same directory a serial capture gives.  One line per board on stdout.
 */
#ifndef TINYDUMP_HOST_TOOLS_UDP_RECV_H
#define TINYDUMP_HOST_TOOLS_UDP_RECV_H

#include <signal.h>
#include <stdbool.h>

#include "host-tools/collect.h"
#include "host-tools/report.h"

struct udp_recv_opts {
	const char *bind;	/* "[ADDR:]PORT"; ADDR "[v6]" works; PORT 0 picks */
	bool once;		/* exit after the first session ends */
	double timeout;		/* a silent session is closed after this, s */
	unsigned max_sessions;	/* 0: NETDUMP_RX_SESSIONS */
};

/* What main.c provides: the same collector options and outputs as recv. */
struct udp_recv_hooks {
	/* The collector options for a new session. */
	void (*collect_opts)(void *ctx, struct collect_opts *o);
	/* A session's input ended: collect_finish() gave @fin; write the
	 * outputs.  Return: the exit code of this dump (0, 2 or 1). */
	int (*conclude)(void *ctx, struct collect *c, int fin,
			const struct report_net *net);
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	void *ctx;
};

/**
 * udp_recv_run() - serve until interrupted (or, with once, one session)
 * @o: options
 * @h: main.c's hooks
 *
 * Prints "tinydump: listening on ADDR:PORT (udp)" on stdout first, then a
 * line when a board starts and when its dump is written.  Sessions still
 * open at the end are written as partial dumps.
 *
 * Return: with once, the exit code of that dump; otherwise 1 when the
 * socket failed or a dump could not be written, 2 when a dump was
 * partial, 0 when every dump was complete.
 */
int udp_recv_run(const struct udp_recv_opts *o, const struct udp_recv_hooks *h);

#endif
