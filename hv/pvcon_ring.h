/*
 * The backend's side of a PV console ring (struct xencons_interface, Xen's
 * io/console.h) in guest memory: output from out[], input into in[].
 *
 * The guest writes the producer index of out[] and the consumer index of
 * in[], and may write anything anywhere in the page at any time.  These
 * functions read each index once, check it, and never touch a byte outside
 * the two arrays: indices that claim more bytes than the array holds mean
 * the ring is corrupt.  The caller maps the page with hv_gmem_map (write:
 * true) for each call, so that the backend's writes are seen by log-dirty
 * tracking.
 */
#ifndef HV_PVCON_RING_H
#define HV_PVCON_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xen/io/console.h>

/* The most bytes one call can move: a whole array. */
#define HV_PVCON_OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define HV_PVCON_IN_SIZE sizeof(((struct xencons_interface *)0)->in)

/*
 * Takes the guest's output: copies up to len bytes into buf and advances
 * out_cons past them.  Returns the number of bytes copied (0: none), or
 * -EIO if the indices are corrupt, in which case out_cons is set to out_prod
 * so that what the ring claims to hold is dropped and the guest can go on.
 */
ssize_t hv_pvcon_ring_read(struct xencons_interface *ring, void *buf, size_t len);

/*
 * How many input bytes the ring has room for, in *room.  Returns 0, or
 * -EIO if the indices are corrupt (*room is then 0).
 */
int hv_pvcon_ring_room(struct xencons_interface *ring, size_t *room);

/*
 * Gives the guest input: copies up to len bytes of buf into in[] as room
 * allows and advances in_prod past them.  Returns the number of bytes
 * given, or -EIO if the indices are corrupt (nothing is written).
 */
ssize_t hv_pvcon_ring_write(struct xencons_interface *ring, const void *buf, size_t len);

#endif
