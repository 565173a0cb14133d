/*
 * "xsbench[=N]" and "evtbench[=N]": the cost of talking to the backends.
 *
 * xsbench makes N xenstore reads of "name" and prints reads per second.
 * evtbench times N event-channel round trips of three kinds: an IPI to
 * the vCPU itself (send, upcall, handler), a xenstore read (guest ->
 * xenstore thread -> guest, the round trip through a backend), and the
 * hypercall alone.  Both run their loops in ring 3 and measure each
 * round trip twice: waking through the upcall ("irq": unmasked port,
 * SCHEDOP_poll then sti; hlt until the handler has run) and by polling
 * ("poll": masked port, SCHEDOP_poll, no interrupt).  On kvm_pvm hosts the
 * upcall handler's ring-0 code is emulated, which the irq figures include.
 */
#include "console.h"
#include "evtchn.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "pv.h"
#include "pvclock.h"
#include "tsc.h"
#include "user.h"
#include "x86.h"
#include "xs.h"

#define DEFAULT_ROUNDS 10000
#define WAIT_NS 5000000000ULL
#define NAME_MAX 128

struct bench {
	const char *name;
	bool (*once)(struct bench *b); /* one round trip; false on failure */
	evtchn_port_t port;            /* masked for the polling variant */
	uint64_t rounds;
	uint64_t ticks;                /* for all rounds */
};

static bool xs_read_once(struct bench *b)
{
	char name[NAME_MAX];

	(void)b;
	return xs_read(XBT_NIL, "name", name, sizeof(name)) > 0;
}

/*
 * Sends on the port and waits until the event is back: taken by the
 * handler, or (masked) seen pending by SCHEDOP_poll and consumed.
 */
static bool ipi_once(struct bench *b)
{
	uint32_t from = evtchn_count(b->port);
	bool got;

	if (evtchn_send(b->port))
		return false;
	if (!evtchn_is_masked(b->port))
		return evtchn_wait_count(b->port, from, xen_time_ns() + WAIT_NS);
	got = !evtchn_poll(b->port, xen_time_ns() + WAIT_NS) && evtchn_is_pending(b->port);
	evtchn_clear(b->port);
	return got;
}

/* Ring 3: runs the rounds; returns 0 or the failing round + 1. */
static uint64_t run_rounds(void *arg)
{
	struct bench *b = arg;
	uint64_t start = rdtsc();

	for (uint64_t i = 0; i < b->rounds; i++)
		if (!b->once(b))
			return i + 1;
	b->ticks = rdtsc() - start;
	return 0;
}

/* Runs b with its port unmasked, then masked; prints both. */
static void measure(struct kernel *k, struct bench *b)
{
	static const char *const how[] = { "irq", "poll" };
	uint64_t hz = tsc_hz(k);

	for (unsigned masked = 0; masked < 2; masked++) {
		uint64_t failed;

		if (masked)
			evtchn_mask(b->port);
		else
			evtchn_unmask(b->port);
		failed = user_call(k->bsp, run_rounds, b);
		if (failed) {
			kprintf("pvbench: FAIL %s round %lu\n", b->name, failed - 1);
			power_crash();
		}
		kprintf("pvbench: %s (%s): %lu in %lu us: %lu ns each, %lu per second\n", b->name,
			how[masked], b->rounds, b->ticks * 1000000 / hz, b->ticks * 1000000000 / hz /
			b->rounds, b->rounds * hz / MAX(b->ticks, 1));
	}
	evtchn_unmask(b->port);
}

static uint64_t parse_rounds(const char *args)
{
	uint64_t n = DEFAULT_ROUNDS;

	if (*args && (!parse_u64(&args, &n) || (*args && *args != ' ') || !n)) {
		kprintf("pvbench: bad round count\n");
		power_crash();
	}
	return n;
}

void xsbench_main(struct kernel *k, const char *args)
{
	struct bench b = { "xenstore read", xs_read_once, 0, parse_rounds(args), 0 };

	pv_init(k);
	b.port = xs_port();
	measure(k, &b);
	power_off();
}

void evtbench_main(struct kernel *k, const char *args)
{
	struct bench ipi = { "IPI to self", ipi_once, 0, parse_rounds(args), 0 };
	struct bench xs = { "xenstore round trip", xs_read_once, 0, ipi.rounds, 0 };
	long rc;

	pv_init(k);
	rc = evtchn_bind_ipi(0, &ipi.port);
	if (rc || !evtchn_bind(ipi.port, 0, NULL, NULL)) {
		kprintf("pvbench: FAIL bind_ipi: %ld\n", rc);
		power_crash();
	}
	xs.port = xs_port();
	measure(k, &ipi);
	measure(k, &xs);
	power_off();
}
