// SPDX-License-Identifier: MIT
/*
 * VMCOREINFO text parser.  Formats (include/linux/vmcore_info.h):
 * SYMBOL(x)=%lx, SIZE(x)=%lu, OFFSET(s.f)=%lu, LENGTH(x)=%lu,
 * NUMBER(x)=%ld, and on arm64 some NUMBER()s and KERNELOFFSET in hex
 * (arch/arm64/kernel/vmcore_info.c); CRASHTIME=%lld is appended at panic.
 * Lookups compare lengths and bytes and never look past an entry, since
 * the text need not be NUL-terminated.
 */
#include "payload/vmcoreinfo.h"

#include <errno.h>
#include <string.h>

void vmcoreinfo_init(struct vmcoreinfo *vi, struct vmcoreinfo_entry *storage,
		     size_t cap)
{
	memset(vi, 0, sizeof(*vi));
	vi->ent = storage;
	vi->cap = storage ? cap : 0;
}

static void vmcoreinfo_add_line(struct vmcoreinfo *vi, const char *line,
				size_t len)
{
	size_t i, eq = len;
	unsigned char c;

	if (len > VMCOREINFO_LINE_MAX) {
		vi->nmalformed++;
		return;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if (c < 0x20 || c > 0x7e) {
			vi->nmalformed++;
			return;
		}
		if (c == '=' && eq == len)
			eq = i;
	}
	if (eq == len || eq == 0) {
		vi->nmalformed++;
		return;
	}
	for (i = 0; i < vi->count; i++) {
		if (vi->ent[i].key_len == eq &&
		    !memcmp(vi->ent[i].key, line, eq)) {
			vi->ent[i].val = line + eq + 1;
			vi->ent[i].val_len = (uint16_t)(len - eq - 1);
			vi->nduplicate++;
			return;
		}
	}
	if (vi->count == vi->cap) {
		vi->ndropped++;
		return;
	}
	vi->ent[vi->count].key = line;
	vi->ent[vi->count].key_len = (uint16_t)eq;
	vi->ent[vi->count].val = line + eq + 1;
	vi->ent[vi->count].val_len = (uint16_t)(len - eq - 1);
	vi->count++;
}

int vmcoreinfo_parse(struct vmcoreinfo *vi, const char *text, size_t len)
{
	unsigned int dropped;
	size_t p = 0, q;

	if (!vi || (!text && len))
		return -EINVAL;
	dropped = vi->ndropped;
	while (p < len && text[p] != '\0') {
		q = p;
		while (q < len && text[q] != '\n' && text[q] != '\0')
			q++;
		if (q == len || text[q] == '\0') {
			/* Cut off: the value may be too (CRASHTIME=17 of
			 * 1700000000). */
			vi->truncated = true;
			vi->nmalformed++;
			break;
		}
		if (q > p)
			vmcoreinfo_add_line(vi, text + p, q - p);
		p = q + 1;
	}
	return vi->ndropped != dropped ? -ENOSPC : 0;
}

/*
 * Find the entry whose key is the concatenation of @parts (NULL-ended);
 * lets SYMBOL(name) be looked up without building the string.
 */
static const struct vmcoreinfo_entry *
vmcoreinfo_find(const struct vmcoreinfo *vi, const char *const *parts)
{
	const struct vmcoreinfo_entry *e;
	size_t i, k, off, n;

	for (i = 0; i < vi->count; i++) {
		e = &vi->ent[i];
		off = 0;
		for (k = 0; parts[k]; k++) {
			n = strlen(parts[k]);
			if (n > e->key_len - off ||
			    memcmp(e->key + off, parts[k], n))
				break;
			off += n;
		}
		if (!parts[k] && off == e->key_len)
			return e;
	}
	return NULL;
}

int vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key,
		   const char **val, size_t *len)
{
	const char *parts[] = {key, NULL};
	const struct vmcoreinfo_entry *e;

	if (!vi || !key || !val || !len)
		return -EINVAL;
	e = vmcoreinfo_find(vi, parts);
	if (!e)
		return -ENODEV;
	*val = e->val;
	*len = e->val_len;
	return 0;
}

static int vmcoreinfo_digit(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)d < base ? d : -1;
}

/* Parse all of s[0..len) as an unsigned number; base 0 = 0x-hex or decimal. */
static int vmcoreinfo_parse_u64(const char *s, size_t len, unsigned int base,
				uint64_t *out)
{
	bool prefix = len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	uint64_t v = 0;
	size_t i;
	int d;

	if (base == 0)
		base = prefix ? 16 : 10;
	else if (base != 10 && base != 16)
		return -EINVAL;
	if (base == 16 && prefix) {
		s += 2;
		len -= 2;
	}
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		d = vmcoreinfo_digit(s[i], base);
		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return -ERANGE;
		v = v * base + (unsigned int)d;
	}
	*out = v;
	return 0;
}

static int vmcoreinfo_lookup_u64(const struct vmcoreinfo *vi,
				 const char *const *parts, unsigned int base,
				 uint64_t *out)
{
	const struct vmcoreinfo_entry *e;

	if (!vi || !out)
		return -EINVAL;
	e = vmcoreinfo_find(vi, parts);
	if (!e)
		return -ENODEV;
	return vmcoreinfo_parse_u64(e->val, e->val_len, base, out);
}

int vmcoreinfo_u64(const struct vmcoreinfo *vi, const char *key,
		   unsigned int base, uint64_t *out)
{
	const char *parts[] = {key, NULL};

	if (!key)
		return -EINVAL;
	return vmcoreinfo_lookup_u64(vi, parts, base, out);
}

int vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name,
		      uint64_t *out)
{
	const char *parts[] = {"SYMBOL(", name, ")", NULL};

	if (!name)
		return -EINVAL;
	return vmcoreinfo_lookup_u64(vi, parts, 16, out);
}

int vmcoreinfo_size(const struct vmcoreinfo *vi, const char *name,
		    uint64_t *out)
{
	const char *parts[] = {"SIZE(", name, ")", NULL};

	if (!name)
		return -EINVAL;
	return vmcoreinfo_lookup_u64(vi, parts, 10, out);
}

int vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *type,
		      const char *field, uint64_t *out)
{
	const char *parts[] = {"OFFSET(", type, ".", field, ")", NULL};

	if (!type || !field)
		return -EINVAL;
	return vmcoreinfo_lookup_u64(vi, parts, 10, out);
}

int vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name,
		      uint64_t *out)
{
	const char *parts[] = {"LENGTH(", name, ")", NULL};

	if (!name)
		return -EINVAL;
	return vmcoreinfo_lookup_u64(vi, parts, 10, out);
}

int vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name,
		      int64_t *out)
{
	const char *parts[] = {"NUMBER(", name, ")", NULL};
	const struct vmcoreinfo_entry *e;
	const char *s;
	size_t len;
	bool neg, hex;
	uint64_t v;
	int ret;

	if (!vi || !name || !out)
		return -EINVAL;
	e = vmcoreinfo_find(vi, parts);
	if (!e)
		return -ENODEV;
	s = e->val;
	len = e->val_len;
	neg = len && s[0] == '-';
	if (neg) {
		s++;
		len--;
	}
	hex = len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	ret = vmcoreinfo_parse_u64(s, len, 0, &v);
	if (ret)
		return ret;
	/* Hex is a bit pattern; decimal and negated values must fit int64_t. */
	if (neg ? v > (uint64_t)INT64_MAX + 1 : !hex && v > (uint64_t)INT64_MAX)
		return -ERANGE;
	if (neg)
		v = 0 - v;
	/* Two's complement reinterpretation without implementation-defined
	 * casts. */
	if (v <= (uint64_t)INT64_MAX)
		*out = (int64_t)v;
	else
		*out = -(int64_t)(UINT64_MAX - v) - 1;
	return 0;
}
