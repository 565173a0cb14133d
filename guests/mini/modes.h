/*
 * The modes the command line selects.  Each takes the kernel and the text
 * after "NAME=" in its command-line word (empty if none), and never
 * returns: it ends the domain or runs until the domain is stopped.
 */
#ifndef MINI_MODES_H
#define MINI_MODES_H

#include <stdint.h>

struct kernel;

/*
 * "selftest[=interactive]": checks every interface mini uses, then powers
 * off (crashes on failure).  Interactive: also waits for a line of console
 * input.
 */
__attribute__((noreturn)) void selftest_main(struct kernel *k, const char *args);

/* "dirty=MiB[,rate=MiB/s]": rewrites and verifies memory until stopped. */
__attribute__((noreturn)) void dirty_main(struct kernel *k, const char *args);

/* Makes invalid hypercalls and checks that each is refused correctly. */
__attribute__((noreturn)) void hostile_main(struct kernel *k, const char *args);

/* "hcbench[=N]": times N hypercall round trips, then powers off. */
__attribute__((noreturn)) void hcbench_main(struct kernel *k, const char *args);

/*
 * "blktest": writes a pattern over the whole first virtual disk, reads it
 * back and verifies it (see blktest.c), then powers off.
 */
__attribute__((noreturn)) void blktest_main(struct kernel *k, const char *args);

/* "xsbench[=N]": N xenstore reads of "name", timed (see pvbench.c). */
__attribute__((noreturn)) void xsbench_main(struct kernel *k, const char *args);

/* "evtbench[=N]": event-channel round trips, timed (see pvbench.c). */
__attribute__((noreturn)) void evtbench_main(struct kernel *k, const char *args);

/*
 * "watchwait": watches data/ping and prints "watchwait: fired VALUE" each
 * time it changes, until stopped (see watchwait.c).
 */
__attribute__((noreturn)) void watchwait_main(struct kernel *k, const char *args);

/*
 * "nettest[=A.B.C.D]": answers ARP and ICMP echo and echoes UDP datagrams
 * on the first virtual network interface until a "quit" datagram (see
 * nettest.c), then powers off.
 */
__attribute__((noreturn)) void nettest_main(struct kernel *k, const char *args);

/*
 * "acpioff" / "acpireset": power off or reset through the FADT's sleep
 * control or reset register (see acpipower.c).
 */
__attribute__((noreturn)) void acpioff_main(struct kernel *k, const char *args);
__attribute__((noreturn)) void acpireset_main(struct kernel *k, const char *args);

/*
 * "insntest": runs in ring 0 the instructions tern-hv completes on kvm_pvm
 * hosts and checks their results (see insntest.c), then powers off.
 */
__attribute__((noreturn)) void insntest_main(struct kernel *k, const char *args);

/*
 * The #BP handler of insntest: records rip (just past the int3) and returns
 * 0 the first time; -1 afterwards (an unexpected breakpoint).
 */
int insntest_breakpoint(uint64_t rip);

#endif
