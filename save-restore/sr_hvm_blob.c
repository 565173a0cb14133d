/*
 * The HVM_CONTEXT blob: Xen's sequence of HVM save records, each a
 * descriptor (type code, instance, length) and its body, from the save
 * header to the END record.  Tern writes, after the header, the CPU,
 * LAPIC, LAPIC_REGS, MTRR, CPU_XSAVE and CPU_MSR records of every vCPU,
 * by type as Xen orders them, and reads back exactly that set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sr_hvm.h"

enum kind { K_CPU, K_LAPIC, K_LAPIC_REGS, K_MTRR, K_XSAVE, K_MSR, NR_KINDS };

static const struct {
	uint16_t code;
	const char *name;
} kinds[NR_KINDS] = {
	[K_CPU] = { HVM_SAVE_CODE(CPU), "CPU" },
	[K_LAPIC] = { HVM_SAVE_CODE(LAPIC), "LAPIC" },
	[K_LAPIC_REGS] = { HVM_SAVE_CODE(LAPIC_REGS), "LAPIC_REGS" },
	[K_MTRR] = { HVM_SAVE_CODE(MTRR), "MTRR" },
	[K_XSAVE] = { CPU_XSAVE_CODE, "CPU_XSAVE" },
	[K_MSR] = { CPU_MSR_CODE, "CPU_MSR" },
};

/* CPUID leaf 1's EAX (family, model, stepping) of this machine. */
static uint32_t cpu_signature(void)
{
	uint32_t a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a;
}

struct blob {
	uint8_t *p;
	size_t len;
};

static void put(struct blob *b, uint16_t code, uint16_t inst, const void *body, size_t len)
{
	struct hvm_save_descriptor d = { .typecode = code, .instance = inst, .length = (uint32_t)len };

	memcpy(b->p + b->len, &d, sizeof(d));
	if (len)
		memcpy(b->p + b->len + sizeof(d), body, len);
	b->len += sizeof(d) + len;
}

static size_t blob_size(const struct hv_vcpu_state *vcpus, unsigned nr)
{
	size_t n = 2 * sizeof(struct hvm_save_descriptor) + sizeof(struct hvm_save_header);

	for (unsigned i = 0; i < nr; i++)
		n += NR_KINDS * sizeof(struct hvm_save_descriptor) + sizeof(struct sr_hvm_vcpu) +
		     sizeof(struct hvm_hw_lapic_regs) + SR_HVM_XSAVE_LEN + SR_HVM_MSR_LEN(vcpus[i].nr_msrs);
	return n;
}

/* Appends kind k of every vCPU. */
static int put_kind(struct sr_ctx *ctx, struct blob *b, enum kind k, const struct hv_vcpu_state *vcpus,
		    const struct sr_hvm_vcpu *recs, unsigned nr)
{
	uint8_t buf[SR_HVM_XSAVE_LEN > SR_HVM_MSR_LEN(HV_VCPU_MAX_MSRS) ? SR_HVM_XSAVE_LEN
									 : SR_HVM_MSR_LEN(HV_VCPU_MAX_MSRS)];

	for (unsigned i = 0; i < nr; i++) {
		const struct hv_vcpu_state *s = &vcpus[i];
		int err;

		switch (k) {
		case K_CPU: put(b, kinds[k].code, i, &recs[i].cpu, sizeof(recs[i].cpu)); break;
		case K_LAPIC: put(b, kinds[k].code, i, &recs[i].lapic, sizeof(recs[i].lapic)); break;
		case K_LAPIC_REGS: put(b, kinds[k].code, i, &s->lapic, sizeof(s->lapic)); break;
		case K_MTRR: put(b, kinds[k].code, i, &recs[i].mtrr, sizeof(recs[i].mtrr)); break;
		case K_XSAVE:
			err = sr__hvm_xsave_encode(ctx, s, buf);
			if (err)
				return err;
			put(b, kinds[k].code, i, buf, SR_HVM_XSAVE_LEN);
			break;
		case K_MSR:
			sr__hvm_msrs_encode(s, buf);
			put(b, kinds[k].code, i, buf, SR_HVM_MSR_LEN(s->nr_msrs));
			break;
		case NR_KINDS: break;
		}
	}
	return 0;
}

int sr__hvm_encode(struct sr_ctx *ctx, const struct hv_vcpu_state *vcpus, unsigned nr, uint32_t tsc_khz,
		   uint8_t **out, size_t *out_len)
{
	struct hvm_save_header h = { .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION, .gtsc_khz = tsc_khz };
	struct sr_hvm_vcpu *recs;
	struct blob b = { 0 };
	int err = 0;

	for (unsigned i = 0; i < nr; i++)
		if (vcpus[i].nr_msrs > HV_VCPU_MAX_MSRS)
			return sr__fail(ctx, -EINVAL, "vCPU %u has %u MSRs", i, vcpus[i].nr_msrs);
	recs = calloc(nr, sizeof(*recs));
	b.p = malloc(blob_size(vcpus, nr));
	if (!recs || !b.p) {
		err = sr__fail(ctx, -ENOMEM, "out of memory for the HVM context");
		goto out;
	}
	h.cpuid = cpu_signature();
	put(&b, HVM_SAVE_CODE(HEADER), 0, &h, sizeof(h));
	for (unsigned i = 0; i < nr; i++)
		sr__hvm_vcpu_encode(&vcpus[i], &recs[i]);
	for (unsigned k = 0; k < NR_KINDS && !err; k++)
		err = put_kind(ctx, &b, k, vcpus, recs, nr);
	put(&b, HVM_SAVE_CODE(END), 0, NULL, 0);
out:
	free(recs);
	if (err) {
		free(b.p);
		return err;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}

/* The state of a decode: the records met so far. */
struct dec {
	struct sr_ctx *ctx;
	struct hv_vcpu_state *vcpus;
	struct sr_hvm_vcpu *recs;
	unsigned nr;
	uint8_t *seen; /* per vCPU, a bit per kind */
	uint32_t tsc_khz;
};

static int dec_header(struct dec *d, const uint8_t *body, uint32_t len)
{
	struct hvm_save_header h;

	if (len != sizeof(h))
		return sr__fail(d->ctx, -EINVAL, "the HVM save header is %u bytes", len);
	memcpy(&h, body, sizeof(h));
	if (h.magic != HVM_FILE_MAGIC || h.version != HVM_FILE_VERSION)
		return sr__fail(d->ctx, -EINVAL, "bad HVM save header (magic 0x%x, version %u)", h.magic,
				h.version);
	if (h.gtsc_khz != d->tsc_khz)
		return sr__fail(d->ctx, -EINVAL, "the HVM save header's TSC rate %u kHz differs from %u",
				h.gtsc_khz, d->tsc_khz);
	return 0;
}

/* Checks and stores one per-vCPU record. */
static int dec_vcpu(struct dec *d, enum kind k, unsigned i, const uint8_t *body, uint32_t len)
{
	static const size_t fixed[NR_KINDS] = {
		[K_CPU] = sizeof(struct hvm_hw_cpu), [K_LAPIC] = sizeof(struct hvm_hw_lapic),
		[K_LAPIC_REGS] = sizeof(struct hvm_hw_lapic_regs), [K_MTRR] = sizeof(struct hvm_hw_mtrr),
		[K_XSAVE] = SR_HVM_XSAVE_LEN,
	};

	if (i >= d->nr)
		return sr__fail(d->ctx, -EINVAL, "%s record for vCPU %u; the domain has %u", kinds[k].name, i,
				d->nr);
	if (d->seen[i] & 1u << k)
		return sr__fail(d->ctx, -EINVAL, "%s record for vCPU %u twice", kinds[k].name, i);
	d->seen[i] |= 1u << k;
	if (k == K_MSR)
		return sr__hvm_msrs_decode(d->ctx, i, body, len, &d->vcpus[i]);
	if (len != fixed[k])
		return sr__fail(d->ctx, -EINVAL, "%s record for vCPU %u is %u bytes", kinds[k].name, i, len);
	switch (k) {
	case K_CPU: memcpy(&d->recs[i].cpu, body, len); break;
	case K_LAPIC: memcpy(&d->recs[i].lapic, body, len); break;
	case K_LAPIC_REGS: memcpy(&d->vcpus[i].lapic, body, len); break;
	case K_MTRR: memcpy(&d->recs[i].mtrr, body, len); break;
	case K_XSAVE: sr__hvm_xsave_decode(body, &d->vcpus[i]); break;
	case K_MSR:
	case NR_KINDS: break;
	}
	return 0;
}

/* One descriptor at off; *next is where the following one starts. */
static int dec_one(struct dec *d, const uint8_t *blob, size_t len, size_t off, size_t *next, bool *end)
{
	struct hvm_save_descriptor h;
	const uint8_t *body = blob + off + sizeof(h);

	if (len - off < sizeof(h))
		return sr__fail(d->ctx, -EINVAL, "HVM record at byte %zu is truncated", off);
	memcpy(&h, blob + off, sizeof(h));
	if (h.length > len - off - sizeof(h))
		return sr__fail(d->ctx, -EINVAL, "HVM record at byte %zu overruns the context", off);
	*next = off + sizeof(h) + h.length;
	if ((off == 0) != (h.typecode == HVM_SAVE_CODE(HEADER)))
		return sr__fail(d->ctx, -EINVAL, "the HVM save header is not first (byte %zu)", off);
	if (h.typecode == HVM_SAVE_CODE(HEADER))
		return h.instance ? sr__fail(d->ctx, -EINVAL, "HVM header instance %u", h.instance)
				  : dec_header(d, body, h.length);
	if (h.typecode == HVM_SAVE_CODE(END)) {
		*end = true;
		if (h.instance || h.length || *next != len)
			return sr__fail(d->ctx, -EINVAL, "bad HVM END record at byte %zu", off);
		return 0;
	}
	for (unsigned k = 0; k < NR_KINDS; k++)
		if (kinds[k].code == h.typecode)
			return dec_vcpu(d, k, h.instance, body, h.length);
	return sr__fail(d->ctx, -ENOTSUP, "HVM save record type %u (byte %zu) is not supported", h.typecode,
			off);
}

/* Every vCPU has all its records: put its state together. */
static int dec_finish(struct dec *d)
{
	for (unsigned i = 0; i < d->nr; i++) {
		int err;

		for (unsigned k = 0; k < NR_KINDS; k++)
			if (!(d->seen[i] & 1u << k))
				return sr__fail(d->ctx, -EINVAL, "no %s record for vCPU %u", kinds[k].name, i);
		err = sr__hvm_vcpu_decode(d->ctx, i, &d->recs[i], &d->vcpus[i]);
		if (err)
			return err;
	}
	return 0;
}

int sr__hvm_decode(struct sr_ctx *ctx, const uint8_t *blob, size_t len, struct hv_vcpu_state *vcpus,
		   unsigned nr, uint32_t tsc_khz)
{
	struct dec d = { .ctx = ctx, .vcpus = vcpus, .nr = nr, .tsc_khz = tsc_khz };
	size_t off = 0;
	bool end = false;
	int err = 0;

	d.recs = calloc(nr, sizeof(*d.recs));
	d.seen = calloc(nr, 1);
	if (!d.recs || !d.seen) {
		err = sr__fail(ctx, -ENOMEM, "out of memory for the HVM context");
		goto out;
	}
	while (!err && !end) {
		size_t next = len;

		if (off == len) {
			err = sr__fail(ctx, -EINVAL, "the HVM context has no END record");
			break;
		}
		err = dec_one(&d, blob, len, off, &next, &end);
		off = next;
	}
	if (!err)
		err = dec_finish(&d);
out:
	free(d.recs);
	free(d.seen);
	return err;
}
