/*
 * Guest-virtual to guest-physical translation for hypercall arguments: a
 * software walk of the guest's page tables in whatever paging mode its vCPU
 * is in (none, 32-bit, PAE, 4- or 5-level long mode).  Every table read goes
 * through the guest-memory access layer.
 */
#include <errno.h>

#include "domain.h"
#include "hypercall.h"

#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)

#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL

/* How to walk: entry width, levels, and bits of index per level. */
struct mode {
	unsigned levels;
	unsigned bits;   /* index bits per level */
	bool wide;       /* 8-byte entries */
	bool pae_top;    /* PAE: the top level is the 4-entry PDPT */
	unsigned ps_max; /* highest level at which PS maps a page */
};

static int read_entry(struct hv_domain *d, uint64_t gpa, bool wide, uint64_t *e)
{
	uint32_t narrow;
	int err;

	if (wide)
		return hv_gmem_read(&d->mem, gpa, e, sizeof(*e));
	err = hv_gmem_read(&d->mem, gpa, &narrow, sizeof(narrow));
	*e = narrow;
	return err;
}

static bool canonical(uint64_t va, unsigned bits)
{
	int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == va;
}

static int walk(struct hv_vcpu *v, const struct mode *m, uint64_t table, uint64_t va, bool write,
		uint64_t *gpa)
{
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	bool check_rw = write && (s->cr0 & CR0_WP);
	unsigned entry_size = m->wide ? 8 : 4;
	uint64_t addr_mask = m->wide ? PTE_ADDR : 0xfffff000ULL;

	for (unsigned level = m->levels; level >= 1; level--) {
		unsigned shift = 12 + m->bits * (level - 1);
		bool pdpt = m->pae_top && level == m->levels;
		uint64_t index = (va >> shift) & (pdpt ? 3 : (1ULL << m->bits) - 1);
		uint64_t e;

		if (read_entry(v->d, table + index * entry_size, m->wide, &e))
			return -EFAULT;
		if (!(e & PTE_P) || (!pdpt && check_rw && !(e & PTE_RW)))
			return -EFAULT;
		if (level > 1 && level <= m->ps_max && (e & PTE_PS)) {
			uint64_t page_mask = (1ULL << shift) - 1;

			*gpa = (e & addr_mask & ~page_mask) | (va & page_mask);
			return 0;
		}
		table = e & addr_mask;
	}
	*gpa = table | (va & 0xfff);
	return 0;
}

int hv_gva_to_gpa(struct hv_vcpu *v, uint64_t va, bool write, uint64_t *gpa)
{
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	struct mode m;

	if (!(s->efer & EFER_LMA) && va > 0xffffffffULL)
		return -EFAULT;
	if (!(s->cr0 & CR0_PG)) {
		*gpa = va;
		return 0;
	}
	if (s->efer & EFER_LMA) {
		bool la57 = s->cr4 & CR4_LA57;

		m = (struct mode){ la57 ? 5 : 4, 9, true, false, 3 };
		if (!canonical(va, la57 ? 57 : 48))
			return -EFAULT;
		return walk(v, &m, s->cr3 & PTE_ADDR, va, write, gpa);
	}
	if (s->cr4 & CR4_PAE) {
		m = (struct mode){ 3, 9, true, true, 2 };
		return walk(v, &m, s->cr3 & 0xffffffe0ULL, va, write, gpa);
	}
	m = (struct mode){ 2, 10, false, false, (s->cr4 & CR4_PSE) ? 2 : 1 };
	return walk(v, &m, s->cr3 & 0xfffff000ULL, va, write, gpa);
}

/* Calls fn for each page-sized piece of the guest range, in order. */
static int each_page(struct hv_vcpu *v, uint64_t va, size_t len, bool write,
		     int (*fn)(struct hv_vcpu *v, uint64_t gpa, size_t off, size_t n, void *arg),
		     void *arg)
{
	size_t off = 0;

	if (va + len < va)
		return -EFAULT;
	while (off < len) {
		uint64_t gpa;
		size_t n = 4096 - ((va + off) & 0xfff);
		int err;

		if (n > len - off)
			n = len - off;
		if (hv_gva_to_gpa(v, va + off, write, &gpa))
			return -EFAULT;
		err = fn(v, gpa, off, n, arg);
		if (err)
			return err;
		off += n;
	}
	return 0;
}

static int check_backed(struct hv_vcpu *v, uint64_t gpa, size_t off, size_t n, void *arg)
{
	(void)off;
	(void)arg;
	if (!hv_gmem_is_backed(&v->d->mem, gpa) || !hv_gmem_is_backed(&v->d->mem, gpa + n - 1))
		return -EFAULT;
	return 0;
}

static int read_piece(struct hv_vcpu *v, uint64_t gpa, size_t off, size_t n, void *arg)
{
	return hv_gmem_read(&v->d->mem, gpa, (uint8_t *)arg + off, n) ? -EFAULT : 0;
}

static int write_piece(struct hv_vcpu *v, uint64_t gpa, size_t off, size_t n, void *arg)
{
	return hv_gmem_write(&v->d->mem, gpa, (const uint8_t *)arg + off, n) ? -EFAULT : 0;
}

int hv_guest_range_ok(struct hv_vcpu *v, uint64_t va, size_t len, bool write)
{
	return each_page(v, va, len, write, check_backed, NULL);
}

int hv_copy_from_guest(struct hv_vcpu *v, void *dst, uint64_t va, size_t len)
{
	if (hv_guest_range_ok(v, va, len, false))
		return -EFAULT;
	return each_page(v, va, len, false, read_piece, dst);
}

int hv_copy_to_guest(struct hv_vcpu *v, uint64_t va, const void *src, size_t len)
{
	if (hv_guest_range_ok(v, va, len, true))
		return -EFAULT;
	return each_page(v, va, len, true, write_piece, (void *)src);
}
