// SPDX-License-Identifier: MIT
/*
 * tinydump: the host tool.  `recv` reads a crash's record stream from a
 * serial port, a TCP socket (QEMU's -serial tcp:), a console log, stdin,
 * or many boards at once over UDP (host-tools/udp_recv.c);
 * `convert` does the same from a saved file; both write a kdump-style
 * directory (vmcore, reports, dmesg, the records).  `info` describes a
 * stream or a vmcore.  The CLI is specified in docs/tinydump.md; exit
 * codes: 0 complete, 2 partial, 1 error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "host-tools/blkhost.h"
#include "host-tools/collect.h"
#include "host-tools/dumpmeta.h"
#include "host-tools/report.h"
#include "host-tools/udp_recv.h"
#include "host-tools/vmcore.h"
#include "host-tools/vmread.h"
#include "payload/config.h"
#include "payload/version.h"

#define EXIT_COMPLETE 0
#define EXIT_ERROR    1
#define EXIT_PARTIAL  2
#define EXIT_NODUMP   3 /* recv --block: the area holds no dump */

#define READ_CHUNK	65536
#define POLL_MS		250
#define TRAILER_GRACE_S 2.0 /* quiet after the trailer: the END is lost */
#define CONNECT_TRIES	40  /* TCP: 40 x 250 ms for the server to appear */
#define PROGRESS_TTY_S	0.2
#define PROGRESS_LINE_S 10.0
#define DEFAULT_IDLE_S	30

enum src_kind { SRC_STDIN, SRC_FILE, SRC_SERIAL, SRC_TCP, SRC_UDP, SRC_BLOCK };

struct app {
	const char *cmd;
	const char *usage; /* the command's usage text */
	const char *outdir;
	const char *format;
	bool quiet;
	bool console; /* pass console lines through to stdout */
	enum src_kind src;
	const char *src_arg;
	unsigned long baud;
	double idle;
	/* --udp: -o names the parent of one directory per crash */
	bool once;
	double timeout;
	uint64_t in_size; /* regular file size, 0 if unknown */
	/* --block: the dump area */
	struct blkhost_target target;
	bool consume;
	int in_fd;	    /* the disk, open */
	uint64_t in_start;  /* where the stream begins on it */
	uint64_t in_limit;  /* bytes to read at most, 0: to the end */
	bool force_partial; /* no commit record: never complete */
	const uint8_t *expect_id;
	const struct report_block *block;
	/* progress */
	bool tty;
	bool bar_drawn;
	double t0, t_begin, t_last_draw, t_last_data;
	uint64_t bytes_at_draw;
	double rate;
};

static volatile sig_atomic_t stop_requested;

/* --- usage ------------------------------------------------------------------
 */

static const char usage_main[] =
    "usage: tinydump COMMAND [OPTIONS]\n"
    "\n"
    "Turn a tinydump crash stream (from the arm64 capture payload) into a\n"
    "vmcore that crash, drgn, makedumpfile and vmcore-dmesg read.\n"
    "\n"
    "commands:\n"
    "  recv     receive a stream (serial port, TCP, console log, stdin,\n"
    "           or boards dumping over the network: UDP), or read a dump\n"
    "           from a disk's dump area (--block)\n"
    "  convert  turn a saved stream (console capture or stream.tdr) into a "
    "dump\n"
    "  info     show what a stream or a vmcore holds\n"
    "  prepare  sign a raw range (or reset a partition) as a dump area\n"
    "\n"
    "options: --help, --version; `tinydump COMMAND --help` for each command.\n"
    "\n"
    "exit status:\n"
    "  0  complete dump\n"
    "  2  partial dump: missing pages, lost or corrupt records, no trailer,\n"
    "     or a trailer saying the dump was cut or aborted\n"
    "  1  error: usage, I/O, or no stream found\n"
    "  3  recv --block: no dump in the area (empty, or saved already)\n";

static const char usage_recv[] =
    "usage: tinydump recv [--serial DEV [--baud N] | --tcp HOST:PORT |\n"
    "                      --file LOG] [-o DIR] [--format kdump|elf|flat]\n"
    "                      [--idle SECONDS] [--quiet]\n"
    "       tinydump recv --udp [ADDR:]PORT [-o DIR] [--once] [--timeout S]\n"
    "                      [--format kdump|elf|flat] [--quiet]\n"
    "       tinydump recv --block DEV|IMAGE [--part NAME | --offset BYTES\n"
    "                      [--length BYTES]] [--consume] [-o DIR]\n"
    "                      [--format kdump|elf|flat] [--quiet]\n"
    "\n"
    "Read a crash stream and write DIR (vmcore, report.txt, report.json,\n"
    "vmcore-dmesg.txt, console.log, stream.tdr).  Without a source, reads\n"
    "stdin.  Console lines around the stream go to stdout, progress to "
    "stderr.\n"
    "Stops at the stream's END marker, at end of input, or (serial, TCP)\n"
    "after SECONDS without data once the stream has begun.\n"
    "\n"
    "  --serial DEV     serial port, raw 8N1, no flow control\n"
    "  --baud N         its speed (default 115200)\n"
    "  --tcp HOST:PORT  connect to a TCP server, e.g. QEMU -serial "
    "tcp::4444,server\n"
    "  --file LOG       a console log (picocom, minicom, screen, qemu -serial "
    "file:)\n"
    "  -o, --output DIR output directory (default: tinydump-<crash time>)\n"
    "  --format FMT     vmcore format: kdump (default), elf, flat\n"
    "  --idle SECONDS   serial/TCP idle timeout after the stream began "
    "(default 30;\n"
    "                   0: none)\n"
    "  --udp [ADDR:]PORT  serve boards dumping with tinydump.sink=net (the\n"
    "                   reliable UDP protocol; default port 21572), any\n"
    "                   number at once: DIR (default .) gets one\n"
    "                   <host>-<date> directory per crash; a line per board\n"
    "                   on stdout; serves until interrupted\n"
    "  --once           (udp) exit when the first board's dump is written\n"
    "  --timeout S      (udp) close a board silent for S seconds as a partial\n"
    "                   dump (default 60; 0: never)\n"
    "  -q, --quiet      no progress or summary on stderr\n"
    "\n"
    "  --block DEV      read the dump area of a disk or image (the block "
    "sink's):\n"
    "                   the GPT partition named by --part (default "
    "tinydump), or\n"
    "                   the raw range at --offset; DEV may also be the "
    "partition\n"
    "  --part NAME      GPT partition name (tinydump.part=)\n"
    "  --offset BYTES   a raw range's first byte (tinydump.blk=); K, M, G "
    "suffixes\n"
    "  --length BYTES   its length; default: what its header says\n"
    "  --consume        after the dump is saved (complete or partial), mark "
    "the\n"
    "                   area consumed so it is not saved again\n"
    "\n"
    "exit status: 0 complete, 2 partial, 1 error, 3 no dump in the area\n"
    "(--block: empty or consumed); see tinydump --help\n";

static const char usage_convert[] =
    "usage: tinydump convert STREAM [-o DIR] [--format kdump|elf|flat] "
    "[--quiet]\n"
    "\n"
    "Turn a saved stream into a dump directory, as `recv` does.  STREAM is a\n"
    "console capture holding frames, or records back to back (a stream.tdr\n"
    "written by recv, or a dump partition): detected from the first bytes.\n"
    "Without -o the directory is <host>-YYYY-MM-DD-HH:MM under the current\n"
    "directory: the dead kernel's nodename (init_uts_ns, \"tinydump\" when it\n"
    "is not in the dump) and the crash time (local time), or <host>-<crash id>.\n"
    "\n"
    "  -o, --output DIR output directory\n"
    "  --format FMT     vmcore format: kdump (default), elf, flat\n"
    "  -q, --quiet      no progress or summary on stderr\n"
    "\n"
    "exit status: 0 complete, 2 partial, 1 error (see tinydump --help)\n";

static const char usage_prepare[] =
    "usage: tinydump prepare DEV|IMAGE --offset BYTES --length BYTES "
    "[--force]\n"
    "       tinydump prepare DEV|IMAGE [--part NAME] [--force]\n"
    "\n"
    "Write an empty dump area header (the signature the payload's block "
    "sink\n"
    "looks for) at the start of a raw byte range, for tinydump.blk="
    "OFFSET,LENGTH;\n"
    "or reset the dump area of the GPT partition NAME (default tinydump).\n"
    "Only the area's header and commit blocks are written.\n"
    "\n"
    "  --offset BYTES   first byte of the range (K, M, G suffixes)\n"
    "  --length BYTES   its length, at least 72K; offset and length are\n"
    "                   multiples of the block size\n"
    "  --part NAME      the GPT partition to reset\n"
    "  --force          also over partitions or GPT blocks, or over a dump\n"
    "                   that was not saved\n"
    "\n"
    "Refused: ranges past the end of DEV, and without --force ranges that\n"
    "overlap the GPT or a partition, and areas holding an unsaved dump.\n"
    "exit status: 0 done, 1 error or refused\n";

static const char usage_info[] =
    "usage: tinydump info FILE\n"
    "\n"
    "Describe FILE: a stream (console capture or records) or a vmcore\n"
    "(kdump-compressed, flattened, ELF).  Shows the header, crash id, PT_LOAD\n"
    "map, VMCOREINFO highlights, every CPU's registers, page totals and, for\n"
    "streams, the exact missing PFN ranges.\n"
    "\n"
    "exit status: 0 complete, 2 partial or incomplete, 1 error\n";

static int usage_error(const char *text, const char *msg)
{
	if (msg)
		fprintf(stderr, "tinydump: %s\n", msg);
	fputs(text, stderr);
	return EXIT_ERROR;
}

/* --- time and progress
 * ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fmt_eta(char *buf, size_t n, double s)
{
	if (s < 0 || s > 360000)
		snprintf(buf, n, "--:--");
	else if (s >= 3600)
		snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600,
			 (int)s / 60 % 60, (int)s % 60);
	else
		snprintf(buf, n, "%d:%02d", (int)s / 60, (int)s % 60);
}

static void clear_bar(struct app *a)
{
	if (a->bar_drawn) {
		fputs("\r\033[K", stderr);
		a->bar_drawn = false;
	}
}

/* How far: bytes of a file, else PFNs described over the LOAD map. */
static double progress_fraction(const struct app *a, const struct collect *c)
{
	uint64_t total;

	if (a->in_size)
		return (double)c->bytes_in / (double)a->in_size;
	total = collect_load_pages(c);
	return total ? (double)c->pfns_described / (double)total : -1;
}

static void progress(struct app *a, const struct collect *c, bool force)
{
	double t = now_s(), dt = t - a->t_last_draw, f, eta = -1;
	char etas[32], bar[31];
	int i, w;

	if (a->quiet ||
	    (!force && dt < (a->tty ? PROGRESS_TTY_S : PROGRESS_LINE_S)))
		return;
	if (dt > 0)
		a->rate = (double)(c->bytes_in - a->bytes_at_draw) / dt;
	a->t_last_draw = t;
	a->bytes_at_draw = c->bytes_in;
	f = progress_fraction(a, c);
	if (f > 1)
		f = 1;
	if (f > 0.001 && a->t_begin > 0)
		eta = (t - a->t_begin) * (1 - f) / f;
	fmt_eta(etas, sizeof(etas), eta);
	if (!a->tty) {
		if (f >= 0)
			fprintf(stderr,
				"tinydump: %3.0f%%, %.1f MiB in, %.2f MiB/s, "
				"ETA %s\n",
				f * 100, (double)c->bytes_in / (1 << 20),
				a->rate / (1 << 20), etas);
		else
			fprintf(
			    stderr,
			    "tinydump: %.1f MiB in, waiting for the stream\n",
			    (double)c->bytes_in / (1 << 20));
		return;
	}
	w = f >= 0 ? (int)(f * 30) : 0;
	for (i = 0; i < 30; i++)
		bar[i] = i < w ? '=' : i == w ? '>' : ' ';
	bar[30] = 0;
	fprintf(stderr, "\r\033[K[%s] %3.0f%%  %.1f MiB  %.2f MiB/s  ETA %s",
		bar, f >= 0 ? f * 100 : 0, (double)c->bytes_in / (1 << 20),
		a->rate / (1 << 20), etas);
	a->bar_drawn = true;
}

/* Console lines outside frames: printable, then to stdout. */
static void on_console(void *ctx, const char *line, size_t len, bool clean)
{
	struct app *a = ctx;
	char buf[FRAME_LINE_MAX + 1];
	size_t i;

	if (!a->console)
		return;
	for (i = 0; i < len && i < FRAME_LINE_MAX; i++) {
		unsigned char ch = (unsigned char)line[i];

		buf[i] = !clean && ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			     ? '.'
			     : (char)ch;
	}
	buf[i] = '\n';
	clear_bar(a);
	fwrite(buf, 1, i + 1, stdout);
	fflush(stdout);
}

/* --- the output directory
 * -------------------------------------------------------- */

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != 0)
			continue;
		tmp[i] = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		tmp[i] = path[i];
	}
	return 0;
}

/* [PARENT/]tinydump-<crash time, local> or ...-<crash id>, made unique. */
static char *default_dir(const char *parent, const struct collect *c)
{
	char base[96], name[PATH_MAX], id[2 * STREAM_CRASH_ID_LEN + 1];
	time_t t = c->have_header ? (time_t)c->hdr.crashtime : 0;
	struct tm tm;
	unsigned i;

	if (t && localtime_r(&t, &tm))
		strftime(base, sizeof(base), "tinydump-%Y-%m-%d-%H:%M", &tm);
	else if (collect_crash_id(c, id))
		snprintf(base, sizeof(base), "tinydump-%s", id);
	else {
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(base, sizeof(base), "tinydump-%Y-%m-%d-%H:%M:%S", &tm);
	}
	for (i = 0; i < 1000; i++) {
		if (snprintf(name, sizeof(name), "%s%s%s", parent ? parent : "",
			     parent ? "/" : "", base) >= (int)sizeof(name) - 8)
			return NULL;
		if (i)
			snprintf(name + strlen(name), 8, ".%u", i);
		if (!mkdir(name, 0755))
			return strdup(name);
		if (errno != EEXIST)
			break;
	}
	return NULL;
}

static char *open_dir(void *ctx, const struct collect *c)
{
	struct app *a = ctx;
	char *d;
	int ret;

	if (!a->outdir || a->src == SRC_UDP) {
		/* --udp: -o is the parent of every crash's own directory. */
		if (a->outdir && (ret = mkdir_p(a->outdir))) {
			fprintf(stderr, "tinydump: %s: %s\n", a->outdir,
				strerror(-ret));
			return NULL;
		}
		d = default_dir(a->src == SRC_UDP ? a->outdir : NULL, c);
		if (!d)
			fprintf(
			    stderr,
			    "tinydump: cannot create an output directory: %s\n",
			    strerror(errno));
		return d;
	}
	ret = mkdir_p(a->outdir);
	if (ret) {
		fprintf(stderr, "tinydump: %s: %s\n", a->outdir,
			strerror(-ret));
		return NULL;
	}
	return strdup(a->outdir);
}

/* --- inputs
 * ---------------------------------------------------------------------- */

static const struct {
	unsigned long n;
	speed_t b;
} bauds[] = {
    {1200, B1200},	 {2400, B2400},	      {4800, B4800},
    {9600, B9600},	 {19200, B19200},     {38400, B38400},
    {57600, B57600},	 {115200, B115200},   {230400, B230400},
    {460800, B460800},	 {500000, B500000},   {576000, B576000},
    {921600, B921600},	 {1000000, B1000000}, {1500000, B1500000},
    {2000000, B2000000}, {3000000, B3000000}, {4000000, B4000000},
};

static int open_serial(const char *dev, unsigned long baud)
{
	struct termios t;
	speed_t sp = 0;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (bauds[i].n == baud)
			sp = bauds[i].b;
	if (!sp) {
		fprintf(stderr, "tinydump: unsupported baud rate %lu\n", baud);
		return -1;
	}
	fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &t)) {
		fprintf(stderr, "tinydump: %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) || cfsetospeed(&t, sp) ||
	    tcsetattr(fd, TCSANOW, &t)) {
		fprintf(stderr, "tinydump: %s: %s\n", dev, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_once(const char *host, const char *port)
{
	struct addrinfo hints = {0}, *res, *ai;
	int fd = -1, ret;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "tinydump: %s:%s: %s\n", host, port,
			gai_strerror(ret));
		return -2;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* HOST:PORT or [V6]:PORT; retried a while so QEMU can come up first. */
static int open_tcp(const char *arg)
{
	char host[256];
	const char *colon = strrchr(arg, ':');
	size_t n;
	int fd = -1, i;

	if (!colon || colon == arg || !colon[1] ||
	    (size_t)(colon - arg) >= sizeof(host)) {
		fprintf(stderr, "tinydump: --tcp wants HOST:PORT, got '%s'\n",
			arg);
		return -1;
	}
	n = (size_t)(colon - arg);
	memcpy(host, arg, n);
	host[n] = 0;
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	for (i = 0; i < CONNECT_TRIES && !stop_requested; i++) {
		fd = connect_once(host, colon + 1);
		if (fd >= 0 || fd == -2)
			break;
		usleep(POLL_MS * 1000);
	}
	if (fd < 0)
		fprintf(stderr, "tinydump: cannot connect to %s: %s\n", arg,
			fd == -1 ? strerror(errno) : "bad address");
	return fd < 0 ? -1 : fd;
}

static int open_source(struct app *a)
{
	struct stat st;
	int fd;

	switch (a->src) {
	case SRC_SERIAL:
		return open_serial(a->src_arg, a->baud);
	case SRC_TCP:
		return open_tcp(a->src_arg);
	case SRC_BLOCK:
		if (lseek(a->in_fd, (off_t)a->in_start, SEEK_SET) < 0) {
			fprintf(stderr, "tinydump: %s: %s\n", a->src_arg,
				strerror(errno));
			return -1;
		}
		a->in_size = a->in_limit;
		return a->in_fd;
	case SRC_FILE:
		fd = open(a->src_arg, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "tinydump: %s: %s\n", a->src_arg,
				strerror(errno));
			return -1;
		}
		break;
	default:
		fd = STDIN_FILENO;
		break;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		a->in_size = (uint64_t)st.st_size;
	return fd;
}

static void on_sigint(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_sigint(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second ^C kills */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Live sources: stop after the idle time once the stream has begun. */
static bool idle_stop(const struct app *a, const struct collect *c, double t)
{
	bool begun = c->begin_seen || c->taken;
	double quiet = t - a->t_last_data;

	if (!begun)
		return false;
	if (c->have_trailer && quiet >= TRAILER_GRACE_S)
		return true;
	return a->idle > 0 && quiet >= a->idle;
}

/* Read until the stream ends; 0, or -EIO for a read error. */
static int pump(struct app *a, struct collect *c, int fd)
{
	bool live = a->src == SRC_SERIAL || a->src == SRC_TCP;
	static uint8_t buf[READ_CHUNK];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t left = a->in_limit;
	ssize_t n;
	int ret;

	a->t_last_data = now_s();
	while (!stop_requested && !collect_done(c)) {
		if (live) {
			ret = poll(&pfd, 1, POLL_MS);
			if (ret < 0 && errno != EINTR)
				return -EIO;
			if (ret <= 0) {
				if (idle_stop(a, c, now_s()))
					break;
				progress(a, c, false);
				continue;
			}
		}
		if (a->in_limit && !left)
			break;
		n = read(fd, buf,
			 a->in_limit && left < sizeof(buf) ? (size_t)left
							  : sizeof(buf));
		if (n > 0 && a->in_limit)
			left -= (uint64_t)n;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			clear_bar(a);
			fprintf(stderr, "tinydump: read: %s\n",
				strerror(errno));
			/* A port that went away mid-dump: keep what arrived. */
			if (live && c->taken)
				break;
			return -EIO;
		}
		if (n == 0)
			break;
		a->t_last_data = now_s();
		if (!a->t_begin && (c->begin_seen || c->taken))
			a->t_begin = a->t_last_data;
		if (collect_feed(c, buf, (size_t)n))
			return c->err;
		progress(a, c, false);
	}
	return 0;
}

/* --- outputs
 * ------------------------------------------------------------------------ */

static int read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	return collect_read_phys(ctx, paddr, buf, len);
}

static FILE *fopen_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return NULL;
	return fopen(path, "w");
}

static int write_vmcore(const struct app *a, const struct collect *c,
			const struct dumpmeta *m, bool complete,
			struct vmcore_result *vr)
{
	char path[PATH_MAX];
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/vmcore", c->dir) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (!strcmp(a->format, "elf"))
		ret = vmcore_write_elf(c, m, fd, !complete, vr);
	else
		ret = vmcore_write_kdump(c, m, fd, !strcmp(a->format, "flat"),
					 !complete, vr);
	if (close(fd) && !ret)
		ret = -EIO;
	return ret;
}

static int write_reports(const struct collect *c, const struct report *r)
{
	FILE *t = fopen_in(c->dir, "report.txt");
	FILE *j = fopen_in(c->dir, "report.json");
	int ret = t && j ? 0 : -EIO;

	if (t) {
		fprintf(t, "tinydump %s report\n\n", TINYDUMP_VERSION);
		report_text(r, t);
		if (fclose(t))
			ret = -EIO;
	}
	if (j) {
		report_json(r, j);
		if (fclose(j))
			ret = -EIO;
	}
	return ret;
}

static void summary(const struct app *a, const struct collect *c, bool complete)
{
	const struct collect_counts *k = &c->cnt;

	if (a->quiet)
		return;
	fprintf(stderr,
		"tinydump: %s dump in %s/: %" PRIu64 " pages dumped, %" PRIu64
		" zero, %" PRIu64 " excluded, %" PRIu64 " unreadable",
		complete ? "complete" : "PARTIAL", c->dir, k->dumped, k->zero,
		k->excluded, k->unreadable);
	if (k->missing)
		fprintf(stderr, ", %" PRIu64 " MISSING in %zu ranges",
			k->missing, c->missing.n);
	fprintf(stderr, "%s\n", complete ? "" : "; see report.txt");
}

/*
 * Name a default directory like the kdump service's /var/crash/<host>-<date>
 * once the dead kernel's nodename (init_uts_ns) is known: it comes with
 * the pages, after the directory had to exist.  Open files stay valid.
 */
static void rename_default_dir(const struct app *a, struct collect *c,
			       const struct dumpmeta *m)
{
	const char *node = m->uts[1], *slash = strrchr(c->dir, '/'), *rest;
	const char *leaf = slash ? slash + 1 : c->dir;
	char base[PATH_MAX], name[PATH_MAX + 16];
	unsigned i;

	if ((a->outdir && a->src != SRC_UDP) || !m->has_uts || !node[0] ||
	    strncmp(leaf, "tinydump-", 9))
		return;
	for (const char *p = node; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return;	/* not a safe file name: keep "tinydump" */
	rest = leaf + strlen("tinydump");
	if ((size_t)snprintf(base, sizeof(base), "%.*s%s%s", (int)(leaf - c->dir),
			     c->dir, node, rest) >= sizeof(base))
		return;
	/* "<host>-<time>", or the first free "<host>-<time>.N". */
	for (i = 0; i < 1000; i++) {
		if (i)
			snprintf(name, sizeof(name), "%s.%u", base, i);
		else
			snprintf(name, sizeof(name), "%s", base);
		if (access(name, F_OK) == 0)
			continue;
		if (rename(c->dir, name))
			return;
		free(c->dir);
		c->dir = strdup(name);
		return;
	}
}

static int finish_dump(struct app *a, struct collect *c, int fin,
		       const struct report_net *net)
{
	struct vmcore_result vr;
	struct dumpmeta m;
	struct report r = {0};
	int ret;

	/* A dump area without its commit record is never complete. */
	if (a->force_partial && fin == 0)
		fin = -ENODATA;
	if (!c->dir)
		c->dir = open_dir(a, c);
	if (!c->dir)
		return EXIT_ERROR;
	if (dumpmeta_parse(&m, c->notes, c->notes ? c->notes_total : 0))
		return EXIT_ERROR;
	dumpmeta_read_uts(&m, read_phys, c);
	rename_default_dir(a, c, &m);
	if (!c->dir)
		return EXIT_ERROR;
	ret = write_vmcore(a, c, &m, fin == 0, &vr);
	if (ret)
		fprintf(stderr, "tinydump: writing %s/vmcore: %s\n", c->dir,
			strerror(-ret));
	r.c = c;
	r.m = &m;
	r.complete = fin == 0;
	r.format = ret ? NULL : a->format;
	r.vmcore = ret ? NULL : "vmcore";
	r.vr = ret ? NULL : &vr;
	r.net = net;
	r.block = a->block;
	if (write_reports(c, &r) || collect_close_files(c)) {
		fprintf(stderr, "tinydump: writing the reports in %s failed\n",
			c->dir);
		ret = -EIO;
	}
	dumpmeta_free(&m);
	if (ret)
		return EXIT_ERROR;
	summary(a, c, fin == 0);
	return fin == 0 ? EXIT_COMPLETE : EXIT_PARTIAL;
}

/* The input ended and collect_finish() said @fin: write, or say why not. */
static int conclude(struct app *a, struct collect *c, int fin,
		    const struct report_net *net)
{
	if (fin < 0 && fin != -ENODATA && fin != -ENOENT) {
		fprintf(stderr, "tinydump: %s\n", strerror(-fin));
		return EXIT_ERROR;
	}
	if (fin == -ENOENT) {
		fprintf(stderr, "tinydump: no tinydump stream found in %s\n",
			a->src_arg ? a->src_arg : "stdin");
		return EXIT_ERROR;
	}
	return finish_dump(a, c, fin, net);
}

/* Common to recv and convert: read, settle, write. */
static int run_dump(struct app *a)
{
	struct collect_opts o = {
	    .store = true,
	    .keep_records = true,
	    /* A stream.tdr given to convert is not copied again. */
	    .keep_raw = !strcmp(a->cmd, "recv"),
	    .open_dir = open_dir,
	    .console = on_console,
	    .ctx = a,
	};
	struct collect c;
	int fd, ret, fin, code;

	fd = open_source(a);
	if (fd < 0)
		return EXIT_ERROR;
	if (collect_init(&c, &o)) {
		fprintf(stderr, "tinydump: out of memory\n");
		return EXIT_ERROR;
	}
	if (a->expect_id)
		collect_expect_records(&c, a->expect_id);
	a->tty = isatty(STDERR_FILENO);
	a->t0 = a->t_last_draw = now_s();
	catch_sigint();
	ret = pump(a, &c, fd);
	if (fd != STDIN_FILENO && a->src != SRC_BLOCK)
		close(fd);
	fin = collect_finish(&c);
	progress(a, &c, true);
	clear_bar(a);
	if (stop_requested && !a->quiet)
		fprintf(stderr,
			"tinydump: interrupted: writing what arrived\n");
	if (ret || (fin < 0 && fin != -ENODATA && fin != -ENOENT)) {
		fprintf(stderr, "tinydump: %s\n", strerror(ret ? -ret : -fin));
		code = EXIT_ERROR;
	} else if (fin == -ENOENT && a->src == SRC_BLOCK) {
		fprintf(stderr, "tinydump: no dump: none of the records of the "
			"dump the area announces are in it\n");
		code = EXIT_NODUMP;
	} else if (fin == -ENOENT) {
		fprintf(stderr, "tinydump: no tinydump stream found in %s\n",
			a->src_arg ? a->src_arg : "stdin");
		code = EXIT_ERROR;
	} else {
		code = conclude(a, &c, fin, NULL);
	}
	collect_free(&c);
	return code;
}

/* --- recv --udp: main.c's outputs for each board's session ------------------ */

static void udp_collect_opts(void *ctx, struct collect_opts *o)
{
	*o = (struct collect_opts){
	    .store = true,
	    .keep_records = true,
	    .keep_raw = true, /* stream.tdr: the records as they came */
	    .open_dir = open_dir,
	    .ctx = ctx,
	};
}

static int udp_conclude(void *ctx, struct collect *c, int fin,
			const struct report_net *net)
{
	return conclude(ctx, c, fin, net);
}

static int run_udp(struct app *a)
{
	const struct udp_recv_opts o = {
	    .bind = a->src_arg,
	    .once = a->once,
	    .timeout = a->timeout,
	};
	const struct udp_recv_hooks h = {
	    .collect_opts = udp_collect_opts,
	    .conclude = udp_conclude,
	    .stop = &stop_requested,
	    .ctx = a,
	};

	catch_sigint();
	return udp_recv_run(&o, &h);
}

/* --- commands
 * ------------------------------------------------------------------------- */

enum {
	OPT_SERIAL = 256,
	OPT_BAUD,
	OPT_TCP,
	OPT_FILE,
	OPT_FORMAT,
	OPT_IDLE,
	OPT_UDP,
	OPT_ONCE,
	OPT_TIMEOUT,
	OPT_BLOCK,
	OPT_PART,
	OPT_OFFSET,
	OPT_LENGTH,
	OPT_CONSUME,
	OPT_FORCE,
};

static bool valid_format(const char *f)
{
	return !strcmp(f, "kdump") || !strcmp(f, "elf") || !strcmp(f, "flat");
}

static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *out > max ? -EINVAL : 0;
}

static int set_source(struct app *a, enum src_kind k, const char *arg)
{
	if (a->src != SRC_STDIN)
		return usage_error(usage_recv, "give one of --serial, --tcp, "
				   "--file, --udp and --block");
	a->src = k;
	a->src_arg = arg;
	return 0;
}

/* Options shared by recv and convert; returns -1 when not one of them. */
static int common_opt(struct app *a, int ch, const char *usage)
{
	switch (ch) {
	case 'o':
		a->outdir = optarg;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	case OPT_FORMAT:
		if (!valid_format(optarg))
			return usage_error(usage,
					   "--format is kdump, elf or flat");
		a->format = optarg;
		return 0;
	case 'h':
		fputs(usage, stdout);
		exit(EXIT_COMPLETE);
	default:
		return -1;
	}
}

/* A byte count: decimal or 0x hex, K/M/G/T suffixes (memparse()'s). */
static int parse_bytes(const char *s, uint64_t *out)
{
	return config_parse_size(s, strlen(s), out);
}

/* The dump area options (recv --block, prepare); -1 when not one. */
static int block_opt(struct app *a, int ch, bool *seen)
{
	switch (ch) {
	case OPT_PART:
		a->target.part = optarg;
		break;
	case OPT_OFFSET:
		if (parse_bytes(optarg, &a->target.offset))
			return usage_error(a->usage, "--offset wants a byte "
					   "count");
		a->target.have_offset = true;
		break;
	case OPT_LENGTH:
		if (parse_bytes(optarg, &a->target.length) ||
		    !a->target.length)
			return usage_error(a->usage, "--length wants a byte "
					   "count");
		break;
	case OPT_CONSUME:
		a->consume = true;
		break;
	default:
		return -1;
	}
	*seen = true;
	return 0;
}

static void hex_id(const uint8_t *id, char *out)
{
	for (unsigned i = 0; i < STREAM_CRASH_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

static const char *commit_word(const struct blkarea_state *st)
{
	static const char *const status[] = {"complete", "cut", "aborted"};

	switch (st->commit_error) {
	case 0:
		return status[st->commit.status];
	case -ENODEV:
		return "missing";
	case -ESTALE:
		return "stale";
	default:
		return "damaged";
	}
}

/* recv --block: the area's records through the same path as a stream. */
static int run_block(struct app *a)
{
	struct blkhost h;
	struct report_block rb;
	const struct blkarea *area = &h.area;
	const struct blkarea_state *st = &h.st;
	char id[2 * STREAM_CRASH_ID_LEN + 1], when[64] = "at an unknown time";
	time_t t;
	struct tm tm;
	int code, ret;

	ret = blkhost_open(&h, a->src_arg, a->consume);
	if (ret) {
		fprintf(stderr, "tinydump: %s\n", h.msg);
		return EXIT_ERROR;
	}
	ret = blkhost_locate(&h, &a->target);
	if (!ret)
		ret = blkhost_inspect(&h);
	if (ret) {
		fprintf(stderr, "tinydump: %s\n", h.msg);
		blkhost_close(&h);
		return EXIT_ERROR;
	}
	hex_id(area->hdr.crash_id, id);
	t = (time_t)area->hdr.host_time;
	if (t && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "on %Y-%m-%d %H:%M:%S", &tm);
	code = EXIT_NODUMP;
	switch (st->verdict) {
	case BLKAREA_UNSIGNED:
		fprintf(stderr, "tinydump: no dump: %s\n", area->msg);
		break;
	case BLKAREA_EMPTY:
		fprintf(stderr, "tinydump: no dump: %s is empty (prepared or "
			"reset %s)\n", area->what, when);
		break;
	case BLKAREA_CONSUMED:
		fprintf(stderr, "tinydump: no dump: %s holds crash %s, saved "
			"already (consumed %s)\n", area->what, id, when);
		break;
	default:
		code = -1;
		break;
	}
	if (code == EXIT_NODUMP) {
		blkhost_close(&h);
		return code;
	}
	memset(&rb, 0, sizeof(rb));
	rb.device = a->src_arg;
	rb.area = area->what;
	rb.offset = area->offset;
	rb.length = area->length;
	rb.generation = area->hdr.generation;
	rb.commit = commit_word(st);
	rb.capacity = blkarea_capacity(area);
	if (st->verdict == BLKAREA_COMMITTED) {
		rb.stream_bytes = st->commit.stream_bytes;
		rb.flags = st->commit.flags;
		rb.error = st->commit.error;
	} else {
		/* Unknown length: scan the whole area; other dumps' records
		 * left there are filtered out by their crash id. */
		rb.stream_bytes = rb.capacity;
		a->force_partial = true;
		fprintf(stderr, "tinydump: %s: crash %s has no commit record "
			"(%s): the dump was interrupted (power loss, reset or "
			"hang); reading it as partial\n", area->what, id,
			rb.commit);
	}
	a->in_fd = h.f.fd;
	a->in_start = area->offset + BLKAREA_STREAM_OFF;
	a->in_limit = rb.stream_bytes;
	a->expect_id = area->hdr.crash_id;
	a->block = &rb;
	if (!a->quiet)
		fprintf(stderr, "tinydump: reading crash %s from %s (%" PRIu64
			" stream bytes)\n", id, area->what, a->in_limit);
	code = a->in_limit ? run_dump(a) : EXIT_NODUMP;
	if (a->consume && code != EXIT_ERROR) {
		ret = blkhost_consume(&h);
		if (ret) {
			fprintf(stderr, "tinydump: %s\n", h.msg);
			code = EXIT_ERROR;
		} else if (!a->quiet) {
			fprintf(stderr, "tinydump: %s marked consumed\n",
				area->what);
		}
	}
	blkhost_close(&h);
	return code;
}

static int cmd_recv(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"serial", required_argument, NULL, OPT_SERIAL},
	    {"baud", required_argument, NULL, OPT_BAUD},
	    {"tcp", required_argument, NULL, OPT_TCP},
	    {"file", required_argument, NULL, OPT_FILE},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"idle", required_argument, NULL, OPT_IDLE},
	    {"udp", required_argument, NULL, OPT_UDP},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"block", required_argument, NULL, OPT_BLOCK},
	    {"part", required_argument, NULL, OPT_PART},
	    {"offset", required_argument, NULL, OPT_OFFSET},
	    {"length", required_argument, NULL, OPT_LENGTH},
	    {"consume", no_argument, NULL, OPT_CONSUME},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool udp_only = false, block_opts = false, idle_given = false;
	unsigned long v;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		ret = common_opt(a, ch, usage_recv);
		if (ret > 0)
			return ret;
		if (!ret)
			continue;
		ret = block_opt(a, ch, &block_opts);
		if (ret > 0)
			return ret;
		if (!ret)
			continue;
		if (ch == OPT_SERIAL || ch == OPT_TCP || ch == OPT_FILE ||
		    ch == OPT_UDP || ch == OPT_BLOCK) {
			ret = set_source(a,
					 ch == OPT_SERIAL ? SRC_SERIAL
					 : ch == OPT_TCP  ? SRC_TCP
					 : ch == OPT_UDP  ? SRC_UDP
					 : ch == OPT_FILE ? SRC_FILE
							  : SRC_BLOCK,
					 optarg);
			if (ret)
				return ret;
		} else if (ch == OPT_BAUD &&
			   !parse_number(optarg, 4000000, &v)) {
			a->baud = v;
		} else if (ch == OPT_IDLE && !parse_number(optarg, 86400, &v)) {
			a->idle = (double)v;
			idle_given = true;
		} else if (ch == OPT_ONCE) {
			a->once = udp_only = true;
		} else if (ch == OPT_TIMEOUT &&
			   !parse_number(optarg, 86400, &v)) {
			a->timeout = (double)v;
			udp_only = true;
		} else {
			return usage_error(usage_recv,
					   ch == '?' ? NULL : "bad number");
		}
	}
	if (optind != argc)
		return usage_error(usage_recv, "unexpected argument");
	if (a->baud != 115200 && a->src != SRC_SERIAL)
		return usage_error(usage_recv, "--baud goes with --serial");
	if (block_opts && a->src != SRC_BLOCK)
		return usage_error(usage_recv, "--part, --offset, --length and "
				   "--consume go with --block");
	if (a->src == SRC_BLOCK && idle_given)
		return usage_error(usage_recv, "--idle does not go with --block");
	if (a->target.part && a->target.have_offset)
		return usage_error(usage_recv, "give --part or --offset, not both");
	if (a->target.length && !a->target.have_offset)
		return usage_error(usage_recv, "--length goes with --offset");
	if (udp_only && a->src != SRC_UDP)
		return usage_error(usage_recv,
				   "--once and --timeout go with --udp");
	if (a->src == SRC_UDP)
		return run_udp(a);
	a->console = true;
	return a->src == SRC_BLOCK ? run_block(a) : run_dump(a);
}

static int cmd_convert(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		ret = common_opt(a, ch, usage_convert);
		if (ret > 0)
			return ret;
		if (ret < 0)
			return usage_error(usage_convert, NULL);
	}
	if (optind + 1 != argc)
		return usage_error(usage_convert,
				   "convert takes one STREAM file");
	a->src = SRC_FILE;
	a->src_arg = argv[optind];
	return run_dump(a);
}

static int cmd_prepare(struct app *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"offset", required_argument, NULL, OPT_OFFSET},
	    {"length", required_argument, NULL, OPT_LENGTH},
	    {"part", required_argument, NULL, OPT_PART},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool seen = false, force = false;
	struct blkhost h;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage_prepare, stdout);
			return EXIT_COMPLETE;
		}
		if (ch == OPT_FORCE) {
			force = true;
			continue;
		}
		ret = block_opt(a, ch, &seen);
		if (ret > 0)
			return ret;
		if (ret < 0)
			return usage_error(usage_prepare, NULL);
	}
	if (optind + 1 != argc)
		return usage_error(usage_prepare, "prepare takes one DEV or IMAGE");
	if (a->target.part && a->target.have_offset)
		return usage_error(usage_prepare,
				   "give --part or --offset, not both");
	if (a->target.have_offset != !!a->target.length)
		return usage_error(usage_prepare,
				   "--offset and --length go together");
	ret = blkhost_open(&h, argv[optind], true);
	if (!ret)
		ret = blkhost_prepare(&h, &a->target, force);
	if (ret) {
		fprintf(stderr, "tinydump: %s\n", h.msg);
		blkhost_close(&h);
		return EXIT_ERROR;
	}
	printf("tinydump: prepared %s: %" PRIu64 " bytes at byte %" PRIu64
	       " (0x%" PRIx64 "), %" PRIu64 " bytes of stream\n",
	       h.area.what, h.area.length, h.area.offset, h.area.offset,
	       blkarea_capacity(&h.area));
	if (a->target.have_offset)
		printf("payload options: tinydump.sink=block "
		       "tinydump.blk=0x%" PRIx64 ",0x%" PRIx64 "\n",
		       h.area.offset, h.area.length);
	else
		printf("payload options: tinydump.sink=block tinydump.part=%s\n",
		       a->target.part ? a->target.part : CONFIG_PART_DEFAULT);
	blkhost_close(&h);
	return EXIT_COMPLETE;
}

static void print_map(const struct collect *c)
{
	uint32_t i;

	printf("\nPT_LOAD map (%" PRIu32 " of %" PRIu32 " entries received):\n",
	       c->nloads_sorted,
	       c->have_header ? c->hdr.map_count : c->load_total);
	printf("         paddr               end              size  header "
	       "vaddr\n");
	for (i = 0; i < c->nloads_sorted; i++)
		printf("  %016" PRIx64 "  %016" PRIx64 "  %10" PRIx64
		       "  %016" PRIx64 "\n",
		       c->loads_sorted[i].paddr,
		       c->loads_sorted[i].paddr + c->loads_sorted[i].size,
		       c->loads_sorted[i].size, c->loads_sorted[i].vaddr);
	for (i = 0; i < c->resv_total && i < STREAM_MAP_MAX; i++)
		if (c->resv_have[i])
			printf("  reserved %016" PRIx64 " size %" PRIx64 "\n",
			       c->resv[i].paddr, c->resv[i].size);
}

/* info on a stream: decode without keeping pages. */
static int info_stream(int fd, const char *path)
{
	struct collect_opts o = {0};
	static uint8_t buf[READ_CHUNK];
	struct report r = {0};
	struct dumpmeta m;
	struct collect c;
	ssize_t n;
	int fin;

	if (collect_init(&c, &o))
		return EXIT_ERROR;
	while (!collect_done(&c) && (n = read(fd, buf, sizeof(buf))) > 0)
		collect_feed(&c, buf, (size_t)n);
	fin = collect_finish(&c);
	if (fin == -ENOENT || (fin < 0 && fin != -ENODATA)) {
		fprintf(stderr, "tinydump: %s: %s\n", path,
			fin == -ENOENT ? "no tinydump stream or vmcore found"
				       : strerror(-fin));
		collect_free(&c);
		return EXIT_ERROR;
	}
	if (dumpmeta_parse(&m, c.notes, c.notes ? c.notes_total : 0)) {
		collect_free(&c);
		return EXIT_ERROR;
	}
	printf("tinydump record stream\n");
	r.c = &c;
	r.m = &m;
	r.complete = fin == 0;
	report_text(&r, stdout);
	print_map(&c);
	putchar('\n');
	dumpmeta_print(&m, stdout);
	dumpmeta_free(&m);
	collect_free(&c);
	return fin == 0 ? EXIT_COMPLETE : EXIT_PARTIAL;
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum vmread_kind kind;
	int ch, fd, ret;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch != 'h')
			return usage_error(usage_info, NULL);
		fputs(usage_info, stdout);
		return EXIT_COMPLETE;
	}
	if (optind + 1 != argc)
		return usage_error(usage_info, "info takes one FILE");
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tinydump: %s: %s\n", argv[optind],
			strerror(errno));
		return EXIT_ERROR;
	}
	kind = vmread_probe(fd);
	ret = kind == VMREAD_NONE ? info_stream(fd, argv[optind])
				  : vmread_info(fd, kind, stdout);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct app a = {
	    .format = "kdump",
	    .baud = 115200,
	    .idle = DEFAULT_IDLE_S,
	    .timeout = NETDUMP_SESSION_TIMEOUT_S,
	    .in_fd = -1,
	};
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		return usage_error(usage_main, "no command");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_main, stdout);
		return EXIT_COMPLETE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("tinydump %s (record stream %d.%d)\n", TINYDUMP_VERSION,
		       STREAM_VERSION_MAJOR, STREAM_VERSION_MINOR);
		return EXIT_COMPLETE;
	}
	a.cmd = cmd;
	if (!strcmp(cmd, "recv")) {
		a.usage = usage_recv;
		return cmd_recv(&a, argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "convert"))
		return cmd_convert(&a, argc - 1, argv + 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "prepare")) {
		a.usage = usage_prepare;
		return cmd_prepare(&a, argc - 1, argv + 1);
	}
	return usage_error(usage_main, "unknown command");
}
