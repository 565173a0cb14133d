/*
 * GDT, TSS and IDT.
 */
#include "cpu.h"
#include "lib.h"
#include "x86.h"

#define DESC_TSS_AVAILABLE 0x89ULL /* present, DPL 0, 64-bit TSS */
#define GATE_INTERRUPT 0x8e /* present, DPL 0 */
#define GATE_INTERRUPT_USER 0xee /* present, DPL 3: "int" allowed in ring 3 */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct table_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define MSR_GS_BASE 0xc0000101

/* Defined in trap.S. */
extern const uint64_t trap_stubs[NR_EXCEPTIONS];
extern const uint64_t upcall_stub, spurious_stub;
extern char syscall_entry[];

uint64_t gdt[GDT_ENTRIES] = {
	[KERNEL_CS / 8] = 0x00af9a000000ffffULL, /* 64-bit code, DPL 0 */
	[KERNEL_DS / 8] = 0x00cf92000000ffffULL, /* flat data, DPL 0 */
	[USER_DS / 8] = 0x00cff2000000ffffULL,   /* flat data, DPL 3 */
	[USER_CS / 8] = 0x00affa000000ffffULL,   /* 64-bit code, DPL 3 */
};

/* Written by the BSP in idt_init() before any other vCPU starts. */
static struct idt_gate idt[IDT_ENTRIES];

static void set_gate(unsigned vector, uint64_t handler, uint8_t type)
{
	idt[vector] = (struct idt_gate){
		.offset_lo = (uint16_t)handler,
		.selector = KERNEL_CS,
		.type = type,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < ARRAY_SIZE(trap_stubs); v++)
		set_gate(v, trap_stubs[v], GATE_INTERRUPT);
	set_gate(SYSCALL_VECTOR, (uintptr_t)syscall_entry, GATE_INTERRUPT_USER);
	set_gate(UPCALL_VECTOR, upcall_stub, GATE_INTERRUPT);
	set_gate(SPURIOUS_VECTOR, spurious_stub, GATE_INTERRUPT);
}

static uint16_t install_tss(const struct cpu *c)
{
	uint64_t base = (uintptr_t)&c->tss;
	uint64_t limit = sizeof(c->tss) - 1;
	unsigned slot = GDT_TSS0 / 8 + 2 * c->id;

	gdt[slot] = (limit & 0xffff) | (base & 0xffffff) << 16 | DESC_TSS_AVAILABLE << 40 |
		    ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[slot + 1] = base >> 32;
	return (uint16_t)(slot * 8);
}

void cpu_init(struct cpu *c)
{
	struct table_desc idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	uint16_t tr;

	c->self = c;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
	/* No I/O bitmap: ring 3 reaches ports only with IOPL 3. */
	c->tss.iomap_base = sizeof(c->tss);
	tr = install_tss(c);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("ltr %0" : : "r"(tr) : "memory");
}

void cpu_idle(void)
{
	uint64_t nr = SYS_IDLE;

	if (in_ring3())
		__asm__ volatile("int %[vec]" : "+a"(nr) : [vec] "i"(SYSCALL_VECTOR) : "memory");
	else
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}
