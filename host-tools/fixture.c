// SPDX-License-Identifier: MIT
/*
 * tinydump-fixture: write a synthetic crash for the QEMU end-to-end tests
 * (memory blobs for -device loader, the ELF core header, manifest.json).
 * The crash itself is made by host-tools/fixture_lib.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-tools/fixture_lib.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: tinydump-fixture --out DIR [--seed N] [--ram-base ADDR]\n"
	    "         [--ram-size SIZE] [--cpus N] [--resv-base ADDR]\n"
	    "         [--resv-size SIZE] [--garbage-text] [--no-memory-range]\n"
	    "         [--corrupt-header KIND]\n"
	    "Writes DIR/mem-<paddr>.bin (memory of the dead kernel),\n"
	    "DIR/elfcorehdr.bin and DIR/manifest.json for QEMU virt.\n"
	    "Defaults: seed 1, RAM 0x40000000 + 6G, 2 CPUs, reservation\n"
	    "0x7f000000 + 1M.  KIND: truncated, absurd-phnum, bad-magic,\n"
	    "overlapping-ranges, no-vmcoreinfo, bad-note-sizes.\n");
}

static int number(const char *opt, const char *arg, uint64_t *out)
{
	if (fixture_parse_size(arg, out)) {
		fprintf(stderr, "tinydump-fixture: %s: not a number: %s\n", opt,
			arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"seed", required_argument, NULL, 's'},
	    {"ram-base", required_argument, NULL, 'B'},
	    {"ram-size", required_argument, NULL, 'S'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"resv-base", required_argument, NULL, 'r'},
	    {"resv-size", required_argument, NULL, 'R'},
	    {"garbage-text", no_argument, NULL, 'g'},
	    {"no-memory-range", no_argument, NULL, 'n'},
	    {"corrupt-header", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct fixture_opts o;
	static struct fixture fx;
	const char *out = NULL;
	uint64_t v;
	int c, ret;

	fixture_opts_default(&o);
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			if (number("--seed", optarg, &o.seed))
				return 1;
			break;
		case 'B':
			if (number("--ram-base", optarg, &o.ram_base))
				return 1;
			break;
		case 'S':
			if (number("--ram-size", optarg, &o.ram_size))
				return 1;
			break;
		case 'c':
			if (number("--cpus", optarg, &v))
				return 1;
			o.cpus = v > FIXTURE_MAX_CPUS ? 0 : (unsigned)v;
			break;
		case 'r':
			if (number("--resv-base", optarg, &o.resv_base))
				return 1;
			break;
		case 'R':
			if (number("--resv-size", optarg, &o.resv_size))
				return 1;
			break;
		case 'g':
			o.garbage_text = true;
			break;
		case 'n':
			o.no_memory_range = true;
			break;
		case 'k':
			if (fixture_corrupt_parse(optarg, &o.corrupt)) {
				fprintf(stderr,
					"tinydump-fixture: unknown "
					"--corrupt-header kind: %s\n",
					optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!out || optind != argc) {
		usage(stderr);
		return 1;
	}
	ret = fixture_build(&fx, &o);
	if (ret) {
		fprintf(
		    stderr,
		    "tinydump-fixture: cannot build the crash: %s "
		    "(1..%u CPUs; RAM of 768M or more, 2 MiB aligned; a "
		    "64 KiB-aligned reservation inside RAM, off the ranges)\n",
		    strerror(-ret), FIXTURE_MAX_CPUS);
		fixture_free(&fx);
		return 1;
	}
	ret = fixture_write(&fx, out);
	if (ret) {
		fprintf(stderr, "tinydump-fixture: writing %s: %s\n", out,
			strerror(-ret));
		fixture_free(&fx);
		return 1;
	}
	printf("tinydump-fixture: %s: %zu ranges, %" PRIu64 " pages (%" PRIu64
	       " all zero), %u CPUs, elfcorehdr 0x%" PRIx64 " (%" PRIu64
	       " bytes)%s%s\n",
	       out, fx.nloads,
	       fx.pages[0] + fx.pages[1] + fx.pages[2] + fx.pages[3] +
		   fx.pages[4],
	       fx.zero_pages, fx.ncpus, fx.hdr_paddr, fx.hdr_size,
	       o.corrupt ? ", corrupt: " : "",
	       o.corrupt ? fixture_corrupt_name(o.corrupt) : "");
	fixture_free(&fx);
	return 0;
}
