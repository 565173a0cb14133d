/*
 * TSC frequency: CPUID leaf 0x15, or a PIT calibration.
 */
#include "console.h"
#include "kernel.h"
#include "tsc.h"
#include "x86.h"

#define TSC_LEAF 0x15
#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_MODE0 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define CALIBRATE_MS 50
#define SPIN_LIMIT 10000000
#define MIN_PLAUSIBLE_HZ 100000000ULL /* 100 MHz */
#define FALLBACK_HZ 2000000000ULL

uint64_t tsc_hz_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < TSC_LEAF)
		return 0;
	r = cpuid(TSC_LEAF, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* Counts TSC ticks while PIT channel 2 counts down CALIBRATE_MS. */
static uint64_t tsc_hz_pit(void)
{
	const unsigned count = PIT_HZ / 1000 * CALIBRATE_MS;
	uint8_t port_b = inb(PORT_B);
	uint64_t t0, t1;
	unsigned spin = 0;

	outb(PORT_B, (uint8_t)((port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2) && ++spin < SPIN_LIMIT)
		;
	t1 = rdtsc();
	outb(PORT_B, port_b);
	return (t1 - t0) * 1000 / CALIBRATE_MS;
}

uint64_t tsc_hz(struct kernel *k)
{
	if (k->tsc_hz)
		return k->tsc_hz;
	k->tsc_hz = tsc_hz_cpuid();
	if (!k->tsc_hz)
		k->tsc_hz = tsc_hz_pit();
	if (k->tsc_hz < MIN_PLAUSIBLE_HZ) {
		kprintf("mini: cannot measure the TSC (got %lu Hz), assuming %llu Hz\n",
			k->tsc_hz, FALLBACK_HZ);
		k->tsc_hz = FALLBACK_HZ;
	}
	return k->tsc_hz;
}
