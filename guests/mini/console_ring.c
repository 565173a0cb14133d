/*
 * The console ring.  Indices are free-running 32-bit counters; the bytes
 * between consumer and producer are in the array at index & (size - 1).
 */
#include "console_ring.h"
#include "evtchn.h"
#include "lib.h"
#include "pv.h"
#include "pvclock.h"

#define WAIT_NS 10000000000ULL

static volatile struct xencons_interface *ring;
static evtchn_port_t port;

long console_ring_init(void)
{
	void *page;
	long rc = pv_find_ring(HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN, &page, &port);

	if (rc == 0)
		ring = page;
	return rc;
}

bool console_ring_up(void)
{
	return ring != NULL;
}

evtchn_port_t console_ring_port(void)
{
	return port;
}

static size_t out_room(void)
{
	return sizeof(ring->out) - (ring->out_prod - __atomic_load_n(&ring->out_cons,
								     __ATOMIC_ACQUIRE));
}

static bool has_room(void *arg)
{
	(void)arg;
	return out_room() != 0;
}

static bool drained(void *arg)
{
	(void)arg;
	return out_room() == sizeof(ring->out);
}

/* Copies n bytes (at most the room left) at the producer index. */
static void put(const char *s, size_t n)
{
	XENCONS_RING_IDX prod = ring->out_prod;
	size_t at = MASK_XENCONS_IDX(prod, ring->out), first = MIN(n, sizeof(ring->out) - at);

	memcpy((char *)ring->out + at, s, first);
	memcpy((char *)ring->out, s + first, n - first);
	/* The bytes before the index that publishes them. */
	__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
}

size_t console_ring_write(const char *s, size_t n)
{
	uint64_t deadline = 0;
	size_t done = 0;

	while (done < n) {
		size_t room = out_room();

		if (room > sizeof(ring->out))
			break; /* indices the backend corrupted */
		if (!room) {
			evtchn_send(port);
			deadline = deadline ? deadline : xen_time_ns() + WAIT_NS;
			if (!evtchn_wait(port, has_room, NULL, deadline))
				break;
			continue;
		}
		put(s + done, MIN(room, n - done));
		done += MIN(room, n - done);
	}
	evtchn_send(port);
	return done;
}

size_t console_ring_read(char *buf, size_t size)
{
	XENCONS_RING_IDX cons = ring->in_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
	size_t n = 0;

	if (prod - cons > sizeof(ring->in))
		return 0;
	for (; cons != prod && n < size; cons++)
		buf[n++] = ring->in[MASK_XENCONS_IDX(cons, ring->in)];
	__atomic_store_n(&ring->in_cons, cons, __ATOMIC_RELEASE);
	if (n)
		evtchn_send(port);
	return n;
}

bool console_ring_flush(void)
{
	return evtchn_wait(port, drained, NULL, xen_time_ns() + WAIT_NS);
}
