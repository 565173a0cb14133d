/*
 * Local APIC access in both modes.  The mode is read from IA32_APIC_BASE
 * on each vCPU; KVM starts every vCPU in the same mode.
 */
#include "layout.h"
#include "lapic.h"
#include "paging.h"
#include "x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ULL << 10)   /* x2APIC mode */
#define APIC_BASE_ENABLE (1ULL << 11) /* globally enabled */
#define APIC_BASE_ADDR 0xfffff000ULL
#define X2APIC_MSR(reg) (0x800 + (reg) / 16)

#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_SVR_ENABLE 0x100
#define APIC_ICR_SELF (1u << 18) /* destination shorthand: self */

/* The xAPIC page; 0 in x2APIC mode.  Set on the BSP before other vCPUs run. */
static uint64_t xapic_base;

static void write_reg(unsigned reg, uint32_t v)
{
	if (xapic_base)
		*(volatile uint32_t *)(uintptr_t)(xapic_base + reg) = v;
	else
		wrmsr(X2APIC_MSR(reg), v);
}

bool lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		return false;
	if (base & APIC_BASE_EXTD) {
		xapic_base = 0;
	} else {
		xapic_base = base & APIC_BASE_ADDR;
		if (paging_mapped_end(xapic_base) <= xapic_base && !paging_map(xapic_base, PAGE_SIZE))
			return false;
	}
	write_reg(APIC_TPR, 0);
	write_reg(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
	return true;
}

bool lapic_x2apic(void)
{
	return !xapic_base;
}

void lapic_eoi(void)
{
	write_reg(APIC_EOI, 0);
}

void lapic_self_ipi(uint8_t vector)
{
	write_reg(APIC_ICR_LO, APIC_ICR_SELF | vector);
}
