/*
 * "acpioff" and "acpireset": power off or reset the way an ACPI operating
 * system does on hardware-reduced ACPI, through the sleep control and reset
 * registers the FADT names (Linux on tern-hv does the same), instead of
 * SCHEDOP_shutdown.  If the domain is still running afterwards, crash.
 */
#include "acpi.h"
#include "console.h"
#include "kernel.h"
#include "modes.h"
#include "power.h"
#include "x86.h"

/* The FADT, or NULL (said why) if there is none to use. */
static const struct acpi_fadt *fadt_of(const struct kernel *k)
{
	const struct acpi_header *h;
	struct acpi a;

	if (acpi_open(&a, k->si->rsdp_paddr) || !(h = acpi_find(&a, "FACP")) ||
	    h->length < sizeof(struct acpi_fadt)) {
		kprintf("mini: no FADT with hardware-reduced registers\n");
		return NULL;
	}
	return (const struct acpi_fadt *)h;
}

/* Writes v to the byte-wide I/O register r, if it is one. */
static bool write_register(const struct acpi_gas *r, uint8_t v)
{
	if (r->space_id != ACPI_GAS_SYSTEM_IO || r->address > 0xffff) {
		kprintf("mini: the register is not an I/O port\n");
		return false;
	}
	outb((uint16_t)r->address, v);
	return true;
}

void acpioff_main(struct kernel *k, const char *args)
{
	const struct acpi_fadt *f = fadt_of(k);

	(void)args;
	kprintf("mini: powering off through ACPI S5\n");
	if (f)
		write_register(&f->sleep_control_reg, ACPI_S5_TYPE << 2 | ACPI_SLEEP_ENABLE);
	kprintf("mini: still running after the S5 write\n");
	power_crash();
}

void acpireset_main(struct kernel *k, const char *args)
{
	const struct acpi_fadt *f = fadt_of(k);

	(void)args;
	kprintf("mini: resetting through the ACPI reset register\n");
	if (f && (f->flags & ACPI_FADT_RESET_REG_SUP))
		write_register(&f->reset_reg, f->reset_value);
	kprintf("mini: still running after the reset write\n");
	power_crash();
}
