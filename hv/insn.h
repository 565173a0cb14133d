/*
 * A decoder for the few x86 instructions that tern-hv completes for a guest
 * when the host's KVM cannot (see insn_assist.h and docs/insn-assist.md).
 * It is pure: bytes in, a description out, no access to the vCPU, so that it
 * can be unit-tested and fuzzed on its own.
 */
#ifndef HV_INSN_H
#define HV_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest x86 instruction. */
#define HV_INSN_MAX 15

enum hv_insn_op {
	HV_INSN_CLAC,    /* 0f 01 ca */
	HV_INSN_STAC,    /* 0f 01 cb */
	HV_INSN_FWAIT,   /* 9b */
	HV_INSN_INT3,    /* cc */
	HV_INSN_POPCNT,  /* f3 0f b8 /r */
	HV_INSN_LDMXCSR, /* 0f ae /2, memory operand */
	HV_INSN_STMXCSR, /* 0f ae /3, memory operand */
};

/* Segment registers, in the order of the x86 encoding. */
enum hv_insn_seg { HV_SEG_ES, HV_SEG_CS, HV_SEG_SS, HV_SEG_DS, HV_SEG_FS, HV_SEG_GS };

/* No register (an absent base or index). */
#define HV_INSN_NOREG 0xff

/*
 * A decoded instruction.  Registers are numbered as in the encoding: 0 rax,
 * 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15.
 */
struct hv_insn {
	enum hv_insn_op op;
	uint8_t len;     /* bytes, prefixes included */
	uint8_t opsize;  /* operand bytes: 2, 4 or 8 */
	uint8_t reg;     /* ModRM.reg with REX.R (the destination of POPCNT) */
	bool mem;        /* the r/m operand is in memory */
	uint8_t rm;      /* the r/m register when !mem */
	/* The memory operand when mem: seg:[base + index * scale + disp]. */
	uint8_t base;    /* HV_INSN_NOREG when absent */
	uint8_t index;   /* HV_INSN_NOREG when absent */
	uint8_t scale;   /* 1, 2, 4 or 8 */
	bool rip_rel;    /* disp is relative to the next instruction */
	uint8_t addr_size; /* address bytes: 4 or 8 */
	enum hv_insn_seg seg;
	int64_t disp;
};

/*
 * Decodes the instruction at the start of buf (len bytes available, at
 * most HV_INSN_MAX read) for a CPU in 64-bit mode (long64) or in 32-bit
 * protected mode with 32-bit defaults.  Returns 0 and fills *out, -EINVAL
 * for an instruction outside the set above (or a form of one we do not
 * complete, such as 16-bit addressing), or -ENODATA when buf ends inside
 * the instruction.
 */
int hv_insn_decode(const uint8_t *buf, size_t len, bool long64, struct hv_insn *out);

/* The instruction's name for messages ("popcnt", ...). */
const char *hv_insn_name(enum hv_insn_op op);

#endif
