/*
 * Decoder for the instructions that insn_assist.c completes.  Only what those
 * instructions need is decoded: legacy prefixes, REX, the opcode and a
 * ModRM/SIB memory operand with 32- or 64-bit addressing.
 */
#include <errno.h>
#include <string.h>

#include "insn.h"

/* What the prefixes said. */
struct prefixes {
	bool opsize16; /* 66 */
	bool addr32;   /* 67 in 64-bit mode */
	bool rep;      /* f3 */
	bool repne;    /* f2 */
	bool lock;     /* f0 */
	int seg;       /* -1: default */
	uint8_t rex;
};

/* A cursor over the instruction's bytes. */
struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

static int next(struct cursor *c, uint8_t *b)
{
	if (c->pos >= HV_INSN_MAX)
		return -EINVAL;
	if (c->pos >= c->len)
		return -ENODATA;
	*b = c->buf[c->pos++];
	return 0;
}

/* Reads an n-byte little-endian displacement, sign-extended. */
static int disp(struct cursor *c, unsigned n, int64_t *out)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		int rc = next(c, &b);

		if (rc)
			return rc;
		v |= (uint64_t)b << (8 * i);
	}
	if (n == 1)
		*out = (int8_t)v;
	else
		*out = (int32_t)v;
	return 0;
}

/* Segment prefix bytes, indexed by enum hv_insn_seg. */
static const uint8_t seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

static int seg_of(uint8_t b)
{
	for (unsigned i = 0; i < sizeof(seg_prefix); i++)
		if (seg_prefix[i] == b)
			return (int)i;
	return -1;
}

/* Reads prefixes up to the opcode's first byte, which is left in *op. */
static int read_prefixes(struct cursor *c, bool long64, struct prefixes *p, uint8_t *op)
{
	memset(p, 0, sizeof(*p));
	p->seg = -1;
	for (;;) {
		int rc = next(c, op);

		if (rc)
			return rc;
		if (seg_of(*op) >= 0)
			p->seg = seg_of(*op);
		else if (*op == 0x66)
			p->opsize16 = true;
		else if (*op == 0x67)
			p->addr32 = true;
		else if (*op == 0xf3)
			p->rep = true;
		else if (*op == 0xf2)
			p->repne = true;
		else if (*op == 0xf0)
			p->lock = true;
		else
			break;
	}
	if (long64 && (*op & 0xf0) == 0x40) {
		p->rex = *op;
		return next(c, op);
	}
	return 0;
}

/* Decodes a memory ModRM (mod != 3) and what follows it into i. */
static int memory_operand(struct cursor *c, bool long64, const struct prefixes *p,
			  uint8_t modrm, struct hv_insn *i)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	int64_t d = 0;
	int rc;

	i->mem = true;
	i->addr_size = long64 && !p->addr32 ? 8 : 4;
	if (!long64 && p->addr32)
		return -EINVAL; /* 16-bit addressing */
	i->base = (uint8_t)(rm | (p->rex & 1 ? 8 : 0));
	i->index = HV_INSN_NOREG;
	i->scale = 1;
	if (rm == 4) {
		uint8_t sib;

		rc = next(c, &sib);
		if (rc)
			return rc;
		unsigned idx = ((sib >> 3) & 7) | (p->rex & 2 ? 8 : 0);

		i->scale = (uint8_t)(1u << (sib >> 6));
		i->index = idx == 4 ? HV_INSN_NOREG : (uint8_t)idx;
		i->base = (uint8_t)((sib & 7) | (p->rex & 1 ? 8 : 0));
		if ((sib & 7) == 5 && mod == 0) {
			i->base = HV_INSN_NOREG;
			mod = 2; /* a disp32 follows */
		}
	} else if (rm == 5 && mod == 0) {
		i->base = HV_INSN_NOREG;
		i->rip_rel = long64;
		mod = 2;
	}
	if (mod == 1)
		rc = disp(c, 1, &d);
	else if (mod == 2)
		rc = disp(c, 4, &d);
	else
		rc = 0;
	i->disp = d;
	if (p->seg >= 0)
		i->seg = (enum hv_insn_seg)p->seg;
	else
		i->seg = i->base == 4 || i->base == 5 ? HV_SEG_SS : HV_SEG_DS;
	return rc;
}

/* Reads ModRM and its operand; reg and the register or memory r/m to i. */
static int modrm_operand(struct cursor *c, bool long64, const struct prefixes *p,
			 struct hv_insn *i)
{
	uint8_t modrm;
	int rc = next(c, &modrm);

	if (rc)
		return rc;
	i->reg = (uint8_t)(((modrm >> 3) & 7) | (p->rex & 4 ? 8 : 0));
	if (modrm >> 6 == 3) {
		i->rm = (uint8_t)((modrm & 7) | (p->rex & 1 ? 8 : 0));
		return 0;
	}
	return memory_operand(c, long64, p, modrm, i);
}

/* The two-byte opcodes (after 0f). */
static int two_byte(struct cursor *c, bool long64, const struct prefixes *p, struct hv_insn *i)
{
	uint8_t op, b;
	int rc = next(c, &op);

	if (rc)
		return rc;
	switch (op) {
	case 0x01:
		rc = next(c, &b);
		if (rc)
			return rc;
		if (b != 0xca && b != 0xcb)
			return -EINVAL;
		i->op = b == 0xca ? HV_INSN_CLAC : HV_INSN_STAC;
		return 0;
	case 0xb8:
		if (!p->rep || p->repne || p->lock)
			return -EINVAL;
		i->op = HV_INSN_POPCNT;
		i->opsize = p->rex & 8 ? 8 : p->opsize16 ? 2 : 4;
		return modrm_operand(c, long64, p, i);
	case 0xae:
		if (p->rep || p->repne || p->lock || p->opsize16)
			return -EINVAL;
		rc = modrm_operand(c, long64, p, i);
		if (rc)
			return rc;
		if (!i->mem || (i->reg & 7) < 2 || (i->reg & 7) > 3)
			return -EINVAL;
		i->op = (i->reg & 7) == 2 ? HV_INSN_LDMXCSR : HV_INSN_STMXCSR;
		i->opsize = 4;
		return 0;
	default:
		return -EINVAL;
	}
}

int hv_insn_decode(const uint8_t *buf, size_t len, bool long64, struct hv_insn *out)
{
	struct cursor c = { buf, len, 0 };
	struct prefixes p;
	struct hv_insn i;
	uint8_t op;
	int rc;

	memset(&i, 0, sizeof(i));
	rc = read_prefixes(&c, long64, &p, &op);
	if (rc)
		return rc;
	switch (op) {
	case 0xcc:
		i.op = HV_INSN_INT3;
		break;
	case 0x9b:
		i.op = HV_INSN_FWAIT;
		break;
	case 0x0f:
		rc = two_byte(&c, long64, &p, &i);
		break;
	default:
		rc = -EINVAL;
	}
	if (rc)
		return rc;
	i.len = (uint8_t)c.pos;
	*out = i;
	return 0;
}

const char *hv_insn_name(enum hv_insn_op op)
{
	static const char *const names[] = {
		[HV_INSN_CLAC] = "clac",       [HV_INSN_STAC] = "stac",
		[HV_INSN_FWAIT] = "fwait",     [HV_INSN_INT3] = "int3",
		[HV_INSN_POPCNT] = "popcnt",   [HV_INSN_LDMXCSR] = "ldmxcsr",
		[HV_INSN_STMXCSR] = "stmxcsr",
	};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}
