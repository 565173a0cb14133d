/*
 * The PV console ring's indices (see pvcon_ring.h).  Indices are free
 * running 32-bit counters; an array position is an index masked by the
 * array's size (a power of two).  Loads of the guest's index are acquires,
 * so that the bytes it published before moving it are seen; stores of ours
 * are releases, so that the guest sees the bytes before the index moves.
 */
#include "pvcon_ring.h"

#include <errno.h>
#include <string.h>

_Static_assert((HV_PVCON_OUT_SIZE & (HV_PVCON_OUT_SIZE - 1)) == 0, "out[] is a power of two");
_Static_assert((HV_PVCON_IN_SIZE & (HV_PVCON_IN_SIZE - 1)) == 0, "in[] is a power of two");

static XENCONS_RING_IDX load(const XENCONS_RING_IDX *idx)
{
	return __atomic_load_n(idx, __ATOMIC_ACQUIRE);
}

static void store(XENCONS_RING_IDX *idx, XENCONS_RING_IDX v)
{
	__atomic_store_n(idx, v, __ATOMIC_RELEASE);
}

/*
 * Copies n bytes between a ring array of size bytes, from or to position
 * idx (wrapping), and buf.
 */
static void copy_from_ring(void *buf, const char *ring, size_t size, XENCONS_RING_IDX idx,
			   size_t n)
{
	size_t at = idx & (size - 1);
	size_t first = n < size - at ? n : size - at;

	memcpy(buf, ring + at, first);
	memcpy((char *)buf + first, ring, n - first);
}

static void copy_to_ring(char *ring, size_t size, XENCONS_RING_IDX idx, const void *buf,
			 size_t n)
{
	size_t at = idx & (size - 1);
	size_t first = n < size - at ? n : size - at;

	memcpy(ring + at, buf, first);
	memcpy(ring, (const char *)buf + first, n - first);
}

ssize_t hv_pvcon_ring_read(struct xencons_interface *ring, void *buf, size_t len)
{
	XENCONS_RING_IDX prod = load(&ring->out_prod);
	XENCONS_RING_IDX cons = load(&ring->out_cons);
	size_t n = (XENCONS_RING_IDX)(prod - cons);

	if (n > HV_PVCON_OUT_SIZE) {
		store(&ring->out_cons, prod);
		return -EIO;
	}
	if (n > len)
		n = len;
	copy_from_ring(buf, ring->out, HV_PVCON_OUT_SIZE, cons, n);
	store(&ring->out_cons, cons + (XENCONS_RING_IDX)n);
	return (ssize_t)n;
}

/* Reads the input indices once: our producer index and the room left. */
static int in_state(struct xencons_interface *ring, XENCONS_RING_IDX *prod, size_t *room)
{
	XENCONS_RING_IDX cons = load(&ring->in_cons);
	size_t used;

	*prod = load(&ring->in_prod);
	used = (XENCONS_RING_IDX)(*prod - cons);
	*room = 0;
	if (used > HV_PVCON_IN_SIZE)
		return -EIO;
	*room = HV_PVCON_IN_SIZE - used;
	return 0;
}

int hv_pvcon_ring_room(struct xencons_interface *ring, size_t *room)
{
	XENCONS_RING_IDX prod;

	return in_state(ring, &prod, room);
}

ssize_t hv_pvcon_ring_write(struct xencons_interface *ring, const void *buf, size_t len)
{
	XENCONS_RING_IDX prod;
	size_t room;

	if (in_state(ring, &prod, &room))
		return -EIO;
	if (len > room)
		len = room;
	copy_to_ring(ring->in, HV_PVCON_IN_SIZE, prod, buf, len);
	store(&ring->in_prod, prod + (XENCONS_RING_IDX)len);
	return (ssize_t)len;
}
