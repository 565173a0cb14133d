/*
 * Boot on the BSP: find Xen, set up the console, page tables, descriptor
 * tables, count the vCPUs, then run the mode the command line names.
 */
#include "acpi.h"
#include "console.h"
#include "cpu.h"
#include "hcall.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "paging.h"
#include "power.h"

struct mode {
	const char *name;
	bool takes_args; /* the word is "name=args" rather than "name" */
	void (*run)(struct kernel *k, const char *args);
};

static struct cpu bsp_cpu;

__attribute__((noreturn)) static void crash_main(struct kernel *k, const char *args)
{
	(void)k;
	(void)args;
	kprintf("mini: crashing on request\n");
	power_crash();
}

__attribute__((noreturn)) static void reboot_main(struct kernel *k, const char *args)
{
	(void)k;
	(void)args;
	kprintf("mini: rebooting on request\n");
	power_reboot();
}

static const struct mode modes[] = {
	{ "selftest", true, selftest_main },
	{ "dirty", true, dirty_main },
	{ "hostile", false, hostile_main },
	{ "crash", false, crash_main },
	{ "reboot", false, reboot_main },
	{ "acpioff", false, acpioff_main },
	{ "acpireset", false, acpireset_main },
	{ "hcbench", true, hcbench_main },
	{ "blktest", false, blktest_main },
	{ "xsbench", true, xsbench_main },
	{ "evtbench", true, evtbench_main },
	{ "watchwait", false, watchwait_main },
	{ "insntest", false, insntest_main },
	{ "nettest", true, nettest_main },
};

/* The number of vCPUs is the number of enabled local APICs in the MADT. */
static unsigned count_cpus(const struct kernel *k)
{
	struct acpi a;
	const struct acpi_header *madt;
	unsigned n;

	if (acpi_open(&a, k->si->rsdp_paddr) || !(madt = acpi_find(&a, "APIC")))
		return 1;
	n = acpi_count_cpus(madt);
	if (n > MAX_CPUS) {
		kprintf("mini: using %u of the MADT's %u vCPUs\n", MAX_CPUS, n);
		n = MAX_CPUS;
	}
	return n ? n : 1;
}

/* Returns the mode the word [w, w + len) selects, and where its arguments start. */
static const struct mode *match(const char *w, size_t len, const char **args)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		const struct mode *m = &modes[i];
		size_t n = strlen(m->name);

		if (len < n || memcmp(w, m->name, n))
			continue;
		if (len == n) {
			*args = "";
			return m;
		}
		if (m->takes_args && len > n && w[n] == '=') {
			*args = w + n + 1;
			return m;
		}
	}
	return NULL;
}

__attribute__((noreturn)) static void run_mode(struct kernel *k)
{
	const char *w = k->cmdline, *args;

	while (*w) {
		size_t len = 0;
		const struct mode *m;

		while (w[len] && w[len] != ' ')
			len++;
		if ((m = match(w, len, &args)))
			m->run(k, args);
		w += len;
		while (*w == ' ')
			w++;
	}
	kprintf("mini: usage: selftest[=interactive] | dirty=<MiB>[,rate=<MiB/s>] | hostile | crash"
		" | reboot | acpioff | acpireset | hcbench[=N] | blktest | xsbench[=N] | evtbench[=N] | watchwait"
		" | nettest[=A.B.C.D] | insntest\n");
	kprintf("mini: (command line: \"%s\")\n", k->cmdline);
	power_crash();
}

/*
 * Called by boot.S in 64-bit mode on the boot stack, with the physical
 * address of struct hvm_start_info.  Never returns.
 */
__attribute__((noreturn)) void kernel_main(uint32_t si_paddr);

void kernel_main(uint32_t si_paddr)
{
	struct kernel k = { .bsp = &bsp_cpu, .ncpu = 1 };

	if (xen_detect())
		xen_init();
	console_init();
	if (!bootinfo_init(&k, si_paddr) || !paging_init(&k))
		power_crash();
	idt_init();
	cpu_init(&bsp_cpu);
	k.ncpu = count_cpus(&k);
	kprintf("mini: booting %s, %u vCPUs, %lu MiB\n", xen_present() ? "xen" : "serial", k.ncpu,
		k.ram_bytes >> 20);
	run_mode(&k);
}
