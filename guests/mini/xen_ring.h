/*
 * The Xen shared-ring headers (xen/io/ring.h and the block and network
 * protocols built on it) and the xenbus states.  ring.h expects the
 * includer to define the memory barriers.  On x86 only a store followed
 * by a load can be reordered, so read and write barriers need only stop
 * the compiler; the full barrier is a locked instruction (not mfence, an
 * SSE2 instruction this kernel avoids).
 */
#ifndef MINI_XEN_RING_H
#define MINI_XEN_RING_H

#include "xen_abi.h"

#define xen_mb() __asm__ volatile("lock addl $0, (%%rsp)" ::: "memory", "cc")
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")

#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#endif
