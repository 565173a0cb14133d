/*
 * The domain control protocol: what tern-hv serves on its control socket
 * (hv/control.c) and what its clients speak (hv/ctl_client.c, ternd,
 * tools/tern-ctl).  docs/control.md is the specification; this header is
 * its C form.
 *
 * A stream of messages over a Unix socket, each a struct hv_ctl_hdr and
 * hdr.len bytes of payload.  The client sends requests, one at a time or
 * pipelined; the server answers each with a reply of the same type with
 * HV_CTL_REPLY set and the request's seq, in order, and pushes
 * notifications (seq 0) to clients that subscribed.  A reply whose status
 * is a negative errno carries a NUL-terminated text saying what failed
 * instead of its payload.  File descriptors (the guest-memory memfds, the
 * dirty bitmap) travel with SCM_RIGHTS on the first byte of their reply.
 *
 * Every payload is one of the fixed structs below (the device-state blob
 * excepted), in the host's byte order: both ends run on the same host.
 * Readers never trust a length: hv_ctl_check_hdr bounds hdr.len by the
 * type before a payload is read, and each typed reader checks the length
 * and every field before it copies anything out.
 */
#ifndef HV_CTL_PROTO_H
#define HV_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpu_state.h"

/* "TCTL" in a little-endian word: the first field of HELLO. */
#define HV_CTL_MAGIC 0x4c544354u
/* The protocol version this build speaks (there is one so far). */
#define HV_CTL_VERSION 1u

/* Set in the type of every reply. */
#define HV_CTL_REPLY 0x80000000u

enum hv_ctl_type {
	HV_CTL_HELLO = 1,     /* hv_ctl_hello both ways; must come first */
	HV_CTL_INFO,          /* -> hv_ctl_info */
	HV_CTL_PAUSE,         /* park the vCPUs and the devices */
	HV_CTL_UNPAUSE,
	HV_CTL_DESTROY,       /* stop the domain now (reason destroy) */
	HV_CTL_SHUTDOWN,      /* hv_ctl_shutdown: ask the guest (xenstore) */
	HV_CTL_SUBSCRIBE,     /* receive HV_CTL_EV_STOPPED */
	HV_CTL_MEMORY,        /* -> hv_ctl_memory + the memfds */
	HV_CTL_POPULATE,      /* hv_ctl_populate: back frames (incoming only) */
	HV_CTL_VCPU_GET,      /* hv_ctl_vcpu_id -> hv_ctl_vcpu (paused) */
	HV_CTL_VCPU_SET,      /* hv_ctl_vcpu (paused) */
	HV_CTL_DEVICES_GET,   /* -> the device-state blob (paused) */
	HV_CTL_DEVICES_SET,   /* the blob (incoming, before the first run) */
	HV_CTL_DIRTY_ENABLE,  /* -> hv_ctl_dirty + the bitmap memfd */
	HV_CTL_DIRTY_HARVEST, /* -> hv_ctl_harvest; the bitmap is filled */
	HV_CTL_DIRTY_DISABLE,
	HV_CTL_NR_REQUESTS,   /* one past the last request type */

	HV_CTL_EV_STOPPED = 0x100, /* notification: hv_ctl_stopped */
};

/* Limits every reader enforces. */
#define HV_CTL_MAX_BLOB (128u << 20) /* device-state blob */
#define HV_CTL_MAX_ERROR 256         /* error text, NUL included */
#define HV_CTL_NAME_MAX 128          /* domain name, NUL included */
#define HV_CTL_MAX_REGIONS 64
#define HV_CTL_MAX_POPULATE 64
#define HV_CTL_MAX_FDS 2             /* most fds one reply carries */
#define HV_CTL_MAX_MSRS 32
#define HV_CTL_MAX_XCRS 16

_Static_assert(HV_VCPU_MAX_MSRS <= HV_CTL_MAX_MSRS, "the wire holds every saved MSR");
_Static_assert(KVM_MAX_XCRS == HV_CTL_MAX_XCRS, "the wire holds every XCR");

struct hv_ctl_hdr {
	uint32_t type;   /* enum hv_ctl_type, | HV_CTL_REPLY in replies */
	uint32_t len;    /* payload bytes that follow */
	uint32_t seq;    /* chosen by the client, echoed; 0 in notifications */
	int32_t status;  /* replies: 0 or -errno; requests, notifications: 0 */
};
_Static_assert(sizeof(struct hv_ctl_hdr) == 16, "hv_ctl_hdr");

/* HELLO, request and reply: the versions spoken; flags and reserved 0. */
struct hv_ctl_hello {
	uint32_t magic;   /* HV_CTL_MAGIC */
	uint32_t version; /* request: the client's; reply: the one in use */
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hv_ctl_hello) == 16, "hv_ctl_hello");

enum hv_ctl_state {
	HV_CTL_STATE_RUNNING = 0,
	HV_CTL_STATE_PAUSED = 1,
	HV_CTL_STATE_SHUTDOWN = 2, /* stopped: stop_reason says why */
};

/* Why a domain stopped: Xen's SHUTDOWN_* values, then tern-hv's own. */
enum hv_ctl_stop {
	HV_CTL_STOP_NONE = -1,
	HV_CTL_STOP_POWEROFF = 0,
	HV_CTL_STOP_REBOOT = 1,
	HV_CTL_STOP_CRASH = 3,
	HV_CTL_STOP_DESTROY = 100, /* destroyed by the operator */
	HV_CTL_STOP_ERROR = 101,   /* a hypervisor failure */
};

#define HV_CTL_INFO_INCOMING (1u << 0) /* started --incoming, not yet run */
#define HV_CTL_INFO_DIRTY (1u << 1)    /* log-dirty tracking is on */
#define HV_CTL_INFO_FLAGS (HV_CTL_INFO_INCOMING | HV_CTL_INFO_DIRTY)

struct hv_ctl_info {
	char name[HV_CTL_NAME_MAX]; /* NUL-terminated, cut to fit */
	uint32_t domid;
	uint32_t nr_vcpus;
	uint64_t memory_mib;
	uint32_t state;       /* enum hv_ctl_state */
	int32_t stop_reason;  /* enum hv_ctl_stop; NONE unless SHUTDOWN */
	uint32_t flags;       /* HV_CTL_INFO_* */
	uint32_t reserved;
	uint64_t uptime_ns;   /* since the domain was created */
};
_Static_assert(sizeof(struct hv_ctl_info) == HV_CTL_NAME_MAX + 40, "hv_ctl_info");

/* SHUTDOWN: what control/shutdown asks the guest to do. */
enum hv_ctl_shutdown_reason {
	HV_CTL_SHUTDOWN_POWEROFF = 0,
	HV_CTL_SHUTDOWN_REBOOT = 1,
};

struct hv_ctl_shutdown {
	uint32_t reason;   /* enum hv_ctl_shutdown_reason */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hv_ctl_shutdown) == 8, "hv_ctl_shutdown");

/* One range of guest-physical memory and where it lives in which memfd. */
#define HV_CTL_REGION_RAM (1u << 0) /* RAM (else a frame added in a hole) */

struct hv_ctl_region {
	uint64_t gpa;     /* page-aligned */
	uint64_t size;    /* page-aligned, > 0 */
	uint64_t offset;  /* in the memfd, page-aligned */
	uint32_t fd;      /* index among the fds that came with the reply */
	uint32_t flags;   /* HV_CTL_REGION_* */
};
_Static_assert(sizeof(struct hv_ctl_region) == 32, "hv_ctl_region");

/* MEMORY reply; the fds (RAM, then the extra frames if any) ride with it. */
struct hv_ctl_memory {
	uint32_t nr_regions; /* 1..HV_CTL_MAX_REGIONS; entries past it are 0 */
	uint32_t nr_fds;     /* 1..HV_CTL_MAX_FDS */
	struct hv_ctl_region regions[HV_CTL_MAX_REGIONS];
};
_Static_assert(sizeof(struct hv_ctl_memory) == 8 + 32 * HV_CTL_MAX_REGIONS, "hv_ctl_memory");

/* POPULATE: frames to back outside RAM; entries past count are 0. */
struct hv_ctl_populate {
	uint32_t count;      /* 1..HV_CTL_MAX_POPULATE */
	uint32_t reserved;
	uint64_t gfns[HV_CTL_MAX_POPULATE];
};
_Static_assert(sizeof(struct hv_ctl_populate) == 8 + 8 * HV_CTL_MAX_POPULATE, "hv_ctl_populate");

struct hv_ctl_vcpu_id {
	uint32_t vcpu;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hv_ctl_vcpu_id) == 8, "hv_ctl_vcpu_id");

/*
 * A vCPU's state on the wire (HV_CTL_VCPU_VERSION): every field of
 * struct hv_vcpu_state spelled out with explicit sizes and padding, never
 * the in-memory struct.  hv_ctl_vcpu_encode/decode convert.
 */
#define HV_CTL_VCPU_VERSION 1u

struct hv_ctl_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable, pad;
};
_Static_assert(sizeof(struct hv_ctl_segment) == 24, "hv_ctl_segment");

struct hv_ctl_dtable {
	uint64_t base;
	uint16_t limit;
	uint16_t pad[3];
};
_Static_assert(sizeof(struct hv_ctl_dtable) == 16, "hv_ctl_dtable");

/* KVM's vCPU events, field by field (struct kvm_vcpu_events). */
struct hv_ctl_events {
	uint8_t exc_injected, exc_nr, exc_has_error_code, exc_pending;
	uint32_t exc_error_code;
	uint8_t irq_injected, irq_nr, irq_soft, irq_shadow;
	uint8_t nmi_injected, nmi_pending, nmi_masked, pad0;
	uint32_t sipi_vector;
	uint32_t flags;       /* KVM_VCPUEVENT_VALID_* */
	uint8_t smi_smm, smi_pending, smi_inside_nmi, smi_latched_init;
	uint8_t triple_fault_pending, exc_has_payload, pad1[2];
	uint64_t exc_payload;
};
_Static_assert(sizeof(struct hv_ctl_events) == 40, "hv_ctl_events");

struct hv_ctl_msr {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
_Static_assert(sizeof(struct hv_ctl_msr) == 16, "hv_ctl_msr");

struct hv_ctl_vcpu {
	uint32_t version;      /* HV_CTL_VCPU_VERSION */
	uint32_t vcpu;         /* which vCPU */
	/* kvm_regs: rax rbx rcx rdx rsi rdi rsp rbp r8-r15, then rip, rflags */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	/* kvm_sregs: cs ds es fs gs ss tr ldt */
	struct hv_ctl_segment seg[8];
	struct hv_ctl_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
	uint64_t interrupt_bitmap[4];
	struct hv_ctl_events events;
	uint32_t mp_state;     /* KVM_MP_STATE_* */
	uint32_t nr_xcrs;      /* 0..HV_CTL_MAX_XCRS */
	struct hv_ctl_msr xcrs[HV_CTL_MAX_XCRS];  /* index = XCR number */
	uint32_t xcr_flags;
	uint32_t nr_msrs;      /* 0..HV_CTL_MAX_MSRS; entries past it are 0 */
	struct hv_ctl_msr msrs[HV_CTL_MAX_MSRS];
	/* tern-hv's own */
	uint64_t vcpu_info_gpa; /* 0: none registered */
	uint8_t upcall_vector;  /* 0 or >= 0x10 */
	uint8_t up, initialised; /* 0 or 1 */
	uint8_t pad[5];
	uint8_t lapic[1024];    /* the APIC register page (KVM_GET_LAPIC) */
	uint8_t xsave[4096];    /* the XSAVE area (KVM_GET_XSAVE) */
};
_Static_assert(sizeof(struct hv_ctl_vcpu) ==
		       8 + 144 + 192 + 32 + 56 + 32 + 40 + 8 + 256 + 8 + 512 + 16 + 1024 + 4096,
	       "hv_ctl_vcpu");

/*
 * The dirty bitmap: frame g is bit g % 64 of 64-bit word g / 64, for every
 * frame a domain can have (1 TiB of guest-physical space), so that the
 * memfd never has to grow.  It is sparse: only the words a harvest covers
 * are ever written.
 */
#define HV_CTL_DIRTY_MAX_FRAMES (1ULL << 28)
#define HV_CTL_DIRTY_BITMAP_BYTES (HV_CTL_DIRTY_MAX_FRAMES / 8)

/* DIRTY_ENABLE reply; the bitmap's memfd rides with it. */
struct hv_ctl_dirty {
	uint64_t nr_frames;     /* frames a harvest covers now (it may grow) */
	uint64_t bitmap_bytes;  /* the memfd's size: HV_CTL_DIRTY_BITMAP_BYTES */
};
_Static_assert(sizeof(struct hv_ctl_dirty) == 16, "hv_ctl_dirty");

/*
 * DIRTY_HARVEST reply: bits 0..nr_frames-1 of the bitmap now hold the
 * frames written since the previous harvest (or since enable); the bits
 * past them are 0.
 */
struct hv_ctl_harvest {
	uint64_t nr_dirty;      /* bits set */
	uint64_t nr_frames;     /* frames covered, 1..HV_CTL_DIRTY_MAX_FRAMES */
};
_Static_assert(sizeof(struct hv_ctl_harvest) == 16, "hv_ctl_harvest");

/* EV_STOPPED notification. */
struct hv_ctl_stopped {
	int32_t reason;    /* enum hv_ctl_stop */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hv_ctl_stopped) == 8, "hv_ctl_stopped");

/* Who sent a message, for hv_ctl_check_hdr. */
enum hv_ctl_dir {
	HV_CTL_FROM_CLIENT, /* a request */
	HV_CTL_FROM_SERVER, /* a reply or a notification */
};

/*
 * Checks a header before its payload is read: a type that dir may send,
 * status and seq as the type requires, and len within the type's bounds
 * (for an error reply: the error text's).  Returns 0, -EPROTO (wrong type,
 * seq or status) or -EMSGSIZE (a length this type never has).
 */
int hv_ctl_check_hdr(const struct hv_ctl_hdr *h, enum hv_ctl_dir dir);

/* True if a successful reply to this request type carries fds. */
bool hv_ctl_type_has_fds(uint32_t type);

/* The request's name for messages ("pause"), or "unknown". */
const char *hv_ctl_type_name(uint32_t type);

/* "poweroff", "reboot", "crash", "destroy", "error", "none" or "unknown". */
const char *hv_ctl_stop_name(int32_t reason);

/* "running", "paused", "shutdown" or "unknown". */
const char *hv_ctl_state_name(uint32_t state);

/*
 * Typed readers.  Each takes a header that hv_ctl_check_hdr accepted and
 * its payload (h->len bytes), checks the type, the length and every field,
 * and only then fills *out.  Return 0 or -EINVAL (-EPROTO for a type that
 * is not this reader's, -EPROTONOSUPPORT for a HELLO of another version).
 */
int hv_ctl_read_hello(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_hello *out);
int hv_ctl_read_info(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_info *out);
int hv_ctl_read_shutdown(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_shutdown *out);
int hv_ctl_read_memory(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_memory *out);
int hv_ctl_read_populate(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_populate *out);
int hv_ctl_read_vcpu_id(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_vcpu_id *out);
int hv_ctl_read_dirty(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_dirty *out);
int hv_ctl_read_harvest(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_harvest *out);
int hv_ctl_read_stopped(const struct hv_ctl_hdr *h, const void *p, struct hv_ctl_stopped *out);

/*
 * Reads a vCPU-state message (a VCPU_SET request or a VCPU_GET reply) into
 * s, checking it as hv_ctl_vcpu_decode does; *vcpu gets the vCPU's id.
 */
int hv_ctl_read_vcpu(const struct hv_ctl_hdr *h, const void *p, unsigned *vcpu,
		     struct hv_vcpu_state *s);

/*
 * Reads a device-state blob (a DEVICES_SET request or a DEVICES_GET reply):
 * *blob points into p.  Its records are checked by hv_devices_restore; here
 * only its length (a multiple of 8, at most HV_CTL_MAX_BLOB).
 */
int hv_ctl_read_blob(const struct hv_ctl_hdr *h, const void *p, const uint8_t **blob,
		     size_t *len);

/*
 * Reads the error text of a failed reply into buf (size bytes, at least
 * HV_CTL_MAX_ERROR): 0, or -EINVAL if it is not one NUL-terminated string.
 */
int hv_ctl_read_error(const struct hv_ctl_hdr *h, const void *p, char *buf, size_t size);

/* Checks that a message has no payload (the requests and replies without one). */
int hv_ctl_read_empty(const struct hv_ctl_hdr *h);

/* Internal to the readers: true if the n bytes at p are all zero. */
bool hv__ctl_zero(const void *p, size_t n);

/*
 * Converts between the in-memory vCPU state and its wire form.  decode
 * refuses (-EINVAL) a wrong version, counts over the limits, booleans
 * other than 0 or 1, non-zero padding, reserved fields and unused
 * entries, MSRs that tern-hv does not save or that repeat, a vcpu_info
 * that crosses a page and an upcall vector below 0x10.  encode returns
 * -EINVAL for a state with more MSRs or XCRs than it may hold.
 */
int hv_ctl_vcpu_encode(const struct hv_vcpu_state *s, unsigned vcpu, struct hv_ctl_vcpu *w);
int hv_ctl_vcpu_decode(const struct hv_ctl_vcpu *w, struct hv_vcpu_state *s);

#endif
