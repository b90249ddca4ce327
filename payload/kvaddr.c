// SPDX-License-Identifier: MIT
/*
 * Kernel virtual to physical translation for the dead arm64 kernel, from
 * VMCOREINFO: the linear map (arch/arm64/include/asm/memory.h
 * __lm_to_phys), the kernel image (__kimg_to_phys) and a bounded walk of
 * swapper_pg_dir (Arm ARM D8.3 descriptor formats, VMSAv8-64, 4K/16K/64K
 * granules, 52-bit PAs only in the 64K FEAT_LPA layout).  All of it reads
 * untrusted memory: every walk reads at most one descriptor per level.
 */
#include "payload/kvaddr.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Descriptor bits (Arm ARM D8.3): valid, and table/page vs block. */
#define KV_DESC_VALID 0x1ull
#define KV_DESC_TABLE 0x2ull
/* Output address bits without FEAT_LPA: [47:granule]. */
#define KV_OA_BITS 48u
/* FEAT_LPA with 64K granule: OA[51:48] sits in descriptor bits [15:12]. */
#define KV_LPA_HI_MASK	0xf000ull
#define KV_LPA_HI_SHIFT 36u
/*
 * The kernel-image fast path covers [_stext, swapper_pg_dir's page): a
 * distance above this means the symbols are not what they claim.
 */
#define KV_KIMAGE_MAX_SPAN (1ull << 30)

int kvaddr_kernel_version(const struct vmcoreinfo *vi, uint32_t *ver)
{
	uint32_t part[3] = {0, 0, 0};
	unsigned int n = 0, digits = 0;
	const char *val;
	size_t len, i;
	int r;

	if (!vi || !ver)
		return -EINVAL;
	r = vmcoreinfo_get(vi, "OSRELEASE", &val, &len);
	if (r)
		return r;
	for (i = 0; i < len && n < 3; i++) {
		char c = val[i];

		if (c >= '0' && c <= '9') {
			if (part[n] < 100000)
				part[n] = part[n] * 10 + (uint32_t)(c - '0');
			digits++;
			continue;
		}
		if (!digits)
			break;
		n++;
		digits = 0;
		if (c != '.')
			break;
	}
	if (n < 3 && digits)
		n++;
	if (n < 2 || part[0] > 0xffff)
		return -EINVAL;
	*ver = KVADDR_VERSION(part[0], part[1] > 255 ? 255 : part[1],
			      part[2] > 255 ? 255 : part[2]);
	return 0;
}

/* Bit position a level's index starts at (ARM64_HW_PGTABLE_LEVEL_SHIFT). */
static unsigned int kv_level_shift(const struct kvaddr *kv, unsigned int level)
{
	return (kv->page_shift - 3) * (4 - level) + 3;
}

static bool kv_block_allowed(const struct kvaddr *kv, unsigned int level)
{
	switch (kv->page_shift) {
	case 12:
		return level == 1 || level == 2; /* 1G, 2M */
	case 14:
		return level == 2; /* 32M; a 64G L1 block needs LPA2 */
	default:
		/* 512M; a 4T L1 block only with FEAT_LPA (52-bit PAs). */
		return level == 2 || (level == 1 && kv->lpa);
	}
}

/* The output address of a descriptor, bits below @low cleared. */
static uint64_t kv_oa(const struct kvaddr *kv, uint64_t desc, unsigned int low)
{
	uint64_t pa = desc & ((1ull << KV_OA_BITS) - 1) & ~((1ull << low) - 1);

	if (kv->lpa)
		pa |= (desc & KV_LPA_HI_MASK) << KV_LPA_HI_SHIFT;
	return pa;
}

static bool kv_is_linear(const struct kvaddr *kv, uint64_t va)
{
	return va - kv->lm_start < kv->lm_size;
}

/* VA_BITS the kernel can be built with, per granule (arch/arm64/Kconfig). */
static int kv_check_va_bits(unsigned int page_shift, int64_t va_bits)
{
	switch (page_shift) {
	case 12:
		if (va_bits == 39 || va_bits == 48)
			return 0;
		break;
	case 14:
		if (va_bits == 36 || va_bits == 47 || va_bits == 48)
			return 0;
		break;
	default:
		if (va_bits == 42 || va_bits == 48 || va_bits == 52)
			return 0;
		return -ENOTSUP;
	}
	/* 52-bit VAs with 4K/16K pages mean FEAT_LPA2 descriptors. */
	return -ENOTSUP;
}

static int kv_fail(struct kvaddr *kv, int err, const char *why)
{
	kv->status = err;
	kv->why = why;
	return err;
}

/* The VA size in use: TCR_EL1.T1SZ (5.9+), or makedumpfile's guesses. */
static int kv_vabits_actual(struct kvaddr *kv, const struct vmcoreinfo *vi)
{
	int64_t t1sz;
	uint64_t ms;
	int r;

	r = vmcoreinfo_number(vi, "TCR_EL1_T1SZ", &t1sz);
	if (r == -ENODEV) {
		kv->vabits_actual = kv->va_bits;
		/* 5.4-5.8 52-bit kernels: mem_section lies in the linear map,
		 * whose top bit tells 48 from 52 (makedumpfile's rule). */
		if (kv->va_bits == 52 &&
		    !vmcoreinfo_symbol(vi, "mem_section", &ms))
			kv->vabits_actual = (ms & (1ull << 51)) ? 48 : 52;
		return 0;
	}
	if (r)
		return kv_fail(kv, -EINVAL,
			       "NUMBER(TCR_EL1_T1SZ) is malformed");
	if (t1sz < 0 || t1sz > 64 || 64 - t1sz > kv->va_bits ||
	    (64 - t1sz != kv->va_bits &&
	     !(kv->va_bits == 52 && 64 - t1sz == 48)))
		return kv_fail(kv, -EINVAL,
			       "NUMBER(TCR_EL1_T1SZ) disagrees with VA_BITS");
	kv->vabits_actual = (unsigned int)(64 - t1sz);
	return 0;
}

static int kv_layout(struct kvaddr *kv, const struct vmcoreinfo *vi)
{
	unsigned int vmin = kv->va_bits > 48 ? 48 : kv->va_bits;
	uint64_t stext;
	int64_t po;

	/*
	 * The VA space flipped in 5.4 (linear map to the lower half).  The
	 * release says so exactly; without it, makedumpfile's test: _stext
	 * above the middle (wrong before 4.6, when the image was linear).
	 */
	if (kv->kernel_version)
		kv->flipped = kv->kernel_version >= KVADDR_VERSION(5, 4, 0);
	else if (!vmcoreinfo_symbol(vi, "_stext", &stext))
		kv->flipped = stext > (uint64_t) - (1ull << (vmin - 1));
	else
		return kv_fail(
		    kv, -ENODEV,
		    "no SYMBOL(_stext) nor OSRELEASE: layout unknown");

	if (vmcoreinfo_number(vi, "PHYS_OFFSET", &po))
		return kv_fail(kv, -ENODEV, "no NUMBER(PHYS_OFFSET)");
	kv->phys_offset = (uint64_t)po;

	kv->lm_size = 1ull << (kv->vabits_actual - 1);
	if (kv->flipped) {
		kv->lm_start = (uint64_t) - (1ull << kv->vabits_actual);
		kv->lm_base = kv->lm_start;
		/*
		 * A 52-bit kernel on 48-bit hardware: from 5.11 the kernel
		 * keeps PAGE_OFFSET at -(1 << 52) and lowers memstart_addr
		 * instead (arm64_memblock_init); before, PAGE_OFFSET was
		 * effectively -(1 << 48) (physvirt_offset).
		 */
		if (kv->va_bits != kv->vabits_actual &&
		    (!kv->kernel_version ||
		     kv->kernel_version >= KVADDR_VERSION(5, 11, 0)))
			kv->lm_base = (uint64_t) - (1ull << kv->va_bits);
	} else {
		kv->lm_start = (uint64_t) - (1ull << (kv->vabits_actual - 1));
		kv->lm_base = kv->lm_start;
	}
	return 0;
}

static void kv_setup_walk(struct kvaddr *kv, const struct vmcoreinfo *vi)
{
	uint64_t page = 1ull << kv->page_shift, swapper, stext;
	int64_t voff;
	unsigned int levels;

	/* ceil((va_bits - page_shift) / (page_shift - 3)) */
	levels = (kv->va_bits - 4) / (kv->page_shift - 3);
	kv->start_level = 4 - levels;
	kv->top_bits = kv->va_bits - kv_level_shift(kv, kv->start_level);

	if (!vmcoreinfo_number(vi, "kimage_voffset", &voff)) {
		kv->has_kimage = true;
		kv->kimage_voffset = (uint64_t)voff;
	}
	if (vmcoreinfo_symbol(vi, "swapper_pg_dir", &swapper)) {
		kv->why = "no SYMBOL(swapper_pg_dir): only the linear map "
			  "translates";
		return;
	}
	if (swapper & (page - 1)) {
		kv->why = "SYMBOL(swapper_pg_dir) is not page aligned";
		return;
	}
	if (kv_is_linear(kv, swapper)) {
		/* Before 4.6 the kernel image lived in the linear map. */
		kv->pgd_pa = swapper - kv->lm_base + kv->phys_offset;
	} else if (kv->has_kimage) {
		kv->pgd_pa = swapper - kv->kimage_voffset;
		kv->kimage_start = swapper;
		kv->kimage_end = swapper + page;
		/* Widen to _stext, unless that would take in linear
		 * addresses (a layout no kernel has). */
		if (!vmcoreinfo_symbol(vi, "_stext", &stext) &&
		    stext <= swapper && swapper - stext < KV_KIMAGE_MAX_SPAN &&
		    !kv_is_linear(kv, stext) &&
		    kv->lm_start - stext >= swapper - stext)
			kv->kimage_start = stext;
	} else {
		kv->why = "no NUMBER(kimage_voffset): swapper_pg_dir's PA "
			  "unknown";
		return;
	}
	if (kv->pgd_pa & (page - 1)) {
		kv->why = "swapper_pg_dir's PA is not page aligned";
		kv->kimage_start = kv->kimage_end = 0;
		return;
	}
	kv->can_walk = true;
}

int kvaddr_init(struct kvaddr *kv, const struct vmcoreinfo *vi,
		kvaddr_read64_fn read64, void *ctx)
{
	uint64_t pagesize;
	int64_t va_bits, phys_bits;
	int r;

	if (!kv)
		return -EINVAL;
	memset(kv, 0, sizeof(*kv));
	kv->read64 = read64;
	kv->ctx = ctx;
	if (!vi || !read64)
		return kv_fail(kv, -EINVAL, "no VMCOREINFO or reader");
	(void)kvaddr_kernel_version(vi, &kv->kernel_version);

	r = vmcoreinfo_u64(vi, "PAGESIZE", 10, &pagesize);
	if (r)
		return kv_fail(kv, r == -ENODEV ? -ENODEV : -EINVAL,
			       "no valid PAGESIZE");
	if (pagesize == 4096)
		kv->page_shift = 12;
	else if (pagesize == 16384)
		kv->page_shift = 14;
	else if (pagesize == 65536)
		kv->page_shift = 16;
	else
		return kv_fail(kv, -ENOTSUP, "PAGESIZE is not 4K, 16K or 64K");

	r = vmcoreinfo_number(vi, "VA_BITS", &va_bits);
	if (r)
		return kv_fail(kv, r == -ENODEV ? -ENODEV : -EINVAL,
			       "no valid NUMBER(VA_BITS)");
	r = kv_check_va_bits(kv->page_shift, va_bits);
	if (r)
		return kv_fail(kv, r,
			       va_bits == 52 ? "52-bit VAs with 4K/16K pages "
					       "use FEAT_LPA2 descriptors: "
					       "not supported"
					     : "VA_BITS not valid for this "
					       "page size");
	kv->va_bits = (unsigned int)va_bits;

	r = vmcoreinfo_number(vi, "MAX_PHYSMEM_BITS", &phys_bits);
	if (!r && (phys_bits < 32 || phys_bits > 52))
		return kv_fail(kv, -EINVAL,
			       "NUMBER(MAX_PHYSMEM_BITS) out of "
			       "range");
	if (!r && phys_bits == 52) {
		if (kv->page_shift != 16)
			return kv_fail(kv, -ENOTSUP,
				       "52-bit PAs with 4K/16K pages use "
				       "FEAT_LPA2 descriptors: not supported");
		kv->lpa = true;
	}

	r = kv_vabits_actual(kv, vi);
	if (r)
		return r;
	r = kv_layout(kv, vi);
	if (r)
		return r;
	kv_setup_walk(kv, vi);
	return 0;
}

void kvaddr_flush(struct kvaddr *kv)
{
	if (!kv)
		return;
	memset(kv->tc, 0, sizeof(kv->tc));
	memset(&kv->leaf, 0, sizeof(kv->leaf));
}

/* The walk: 0 and the leaf's PA and span; or an error and in *span the
 * bytes from @va to the end of the failing entry's range (0 if none was
 * read), over which every VA fails alike. */
static int kv_walk(struct kvaddr *kv, uint64_t va, uint64_t *pa, uint64_t *span)
{
	unsigned int level = kv->start_level, l, shift, bits, size_shift;
	uint64_t table = kv->pgd_pa, desc, idx, mask;
	int err;

	*span = 0;
	if (!kv->can_walk)
		return -ENODEV;
	/* TTBR1's half: bits [63:vabits_actual] all ones. */
	if ((va >> kv->vabits_actual) != (UINT64_MAX >> kv->vabits_actual))
		return -EINVAL;
	kv->stats.walks++;
	for (l = KVADDR_LEVELS - 1; l > kv->start_level; l--) {
		if (kv->tc[l].valid &&
		    kv->tc[l].tag == va >> kv_level_shift(kv, l - 1)) {
			level = l;
			table = kv->tc[l].table;
			kv->stats.table_hits++;
			break;
		}
	}
	for (; level < KVADDR_LEVELS; level++) {
		shift = kv_level_shift(kv, level);
		bits = level == kv->start_level ? kv->top_bits
						: kv->page_shift - 3;
		idx = (va >> shift) & ((1ull << bits) - 1);
		mask = (1ull << shift) - 1;
		kv->stats.reads++;
		if (kv->read64(kv->ctx, table + idx * 8, &desc)) {
			err = -EIO;
			goto fault;
		}
		if (!(desc & KV_DESC_VALID)) {
			err = -EFAULT;
			goto fault;
		}
		if (level < KVADDR_LEVELS - 1 && (desc & KV_DESC_TABLE)) {
			table = kv_oa(kv, desc, kv->page_shift);
			kv->tc[level + 1].valid = true;
			kv->tc[level + 1].tag = va >> shift;
			kv->tc[level + 1].table = table;
			continue;
		}
		/* 0b01 at level 3 is reserved; blocks only where the
		 * granule has them. */
		if (level == KVADDR_LEVELS - 1 ? !(desc & KV_DESC_TABLE)
					       : !kv_block_allowed(kv, level)) {
			err = -EINVAL;
			goto fault;
		}
		size_shift =
		    level == KVADDR_LEVELS - 1 ? kv->page_shift : shift;
		mask = (1ull << size_shift) - 1;
		kv->leaf.valid = true;
		kv->leaf.va = va & ~mask;
		kv->leaf.pa = kv_oa(kv, desc, size_shift);
		kv->leaf.mask = mask;
		*pa = kv->leaf.pa | (va & mask);
		*span = mask - (va & mask) + 1;
		return 0;
	}
	return -EINVAL; /* not reached: level 3 always decides */
fault:
	kv->stats.faults++;
	*span = mask - (va & mask) + 1;
	return err;
}

/* A walked range must not run into the kernel-image window, which is
 * translated by arithmetic: translations of a VA never depend on what was
 * translated before, even where the tables disagree with kimage_voffset. */
static void kv_clip(const struct kvaddr *kv, uint64_t va, uint64_t *span)
{
	if (va < kv->kimage_start && kv->kimage_start - va < *span)
		*span = kv->kimage_start - va;
}

int kvaddr_to_phys_span(struct kvaddr *kv, uint64_t va, uint64_t *pa,
			uint64_t *span)
{
	uint64_t s;
	int r;

	if (!kv || !pa)
		return -EINVAL;
	if (kv->status)
		return kv->status;
	if (kv_is_linear(kv, va)) {
		kv->stats.linear++;
		*pa = va - kv->lm_base + kv->phys_offset;
		if (span)
			*span = kv->lm_size - (va - kv->lm_start);
		return 0;
	}
	if (va - kv->kimage_start < kv->kimage_end - kv->kimage_start) {
		kv->stats.kimage++;
		*pa = va - kv->kimage_voffset;
		if (span)
			*span = kv->kimage_end - va;
		return 0;
	}
	if (kv->leaf.valid && (va & ~kv->leaf.mask) == kv->leaf.va) {
		kv->stats.leaf_hits++;
		*pa = kv->leaf.pa | (va & kv->leaf.mask);
		s = kv->leaf.mask - (va & kv->leaf.mask) + 1;
	} else {
		r = kv_walk(kv, va, pa, &s);
		if (r) {
			kv_clip(kv, va, &s);
			if (span)
				*span = s;
			return r;
		}
	}
	kv_clip(kv, va, &s);
	if (span)
		*span = s;
	return 0;
}

int kvaddr_to_phys(struct kvaddr *kv, uint64_t va, uint64_t *pa)
{
	return kvaddr_to_phys_span(kv, va, pa, NULL);
}

int kvaddr_read64(struct kvaddr *kv, uint64_t va, uint64_t *val)
{
	uint64_t pa;
	int r;

	if (!kv || !val || (va & 7))
		return -EINVAL;
	r = kvaddr_to_phys(kv, va, &pa);
	if (r)
		return r;
	if (kv->read64(kv->ctx, pa, val))
		return -EIO;
	return 0;
}
