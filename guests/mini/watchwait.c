/*
 * "watchwait": a xenstore watch that must outlive a save and restore.
 * Watches data/ping (relative to the domain's home), takes the event that
 * registering fires, prints "watchwait: ready", then waits for events with
 * no deadline and prints "watchwait: fired VALUE" (or "(removed)") for
 * each, until the domain is stopped.
 *
 * Waiting without a deadline is the point: the guest sleeps in
 * SCHEDOP_poll on the ring's event channel and looks at the ring only when
 * the channel fires, so a watch or an event-channel notification lost
 * across a save and restore leaves it silent instead of being papered over
 * by a timeout (tests/kvm/ternd_busy.sh).
 */
#include "console.h"
#include "kernel.h"
#include "lib.h"
#include "modes.h"
#include "power.h"
#include "pv.h"
#include "pvclock.h"
#include "xs.h"

#define PATH "data/ping"
#define TOKEN "ping"
#define FIRST_EVENT_NS 10000000000ULL

__attribute__((noreturn)) static void fail(const char *what, long rc)
{
	kprintf("watchwait: FAIL %s (%ld)\n", what, rc);
	power_crash();
}

void watchwait_main(struct kernel *k, const char *args)
{
	char path[128], token[16], value[128];
	long rc;

	(void)args;
	pv_init(k);
	rc = xs_watch(PATH, TOKEN);
	if (rc)
		fail("watch " PATH, rc);
	rc = xs_read_watch(path, sizeof(path), token, sizeof(token),
			   xen_time_ns() + FIRST_EVENT_NS);
	if (rc)
		fail("the event of registering", rc);
	kprintf("watchwait: ready\n");
	for (;;) {
		rc = xs_read_watch(path, sizeof(path), token, sizeof(token), 0);
		if (rc)
			fail("waiting for an event", rc);
		if (memcmp(token, TOKEN, sizeof(TOKEN)))
			fail("an event with another token", 0);
		rc = xs_read(XBT_NIL, PATH, value, sizeof(value));
		if (rc == -XEN_ENOENT)
			kprintf("watchwait: fired (removed)\n");
		else if (rc < 0)
			fail("read " PATH, rc);
		else
			kprintf("watchwait: fired %s\n", value);
	}
}
