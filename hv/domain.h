/*
 * One domain: the KVM VM, its memory, its vCPUs and the Xen-visible state
 * that tern-hv keeps for it.  One tern-hv process runs one domain.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>

#include "config.h"
#include "console.h"
#include "cpuid.h"
#include "backend.h"
#include "device.h"
#include "e820.h"
#include "gmem.h"
#include "insn_assist.h"

/* The MSR through which the guest asks for the hypercall page. */
#define HV_HYPERCALL_MSR 0x40000000u
/* The I/O port that our hypercall stubs write the hypercall number to. */
#define HV_HYPERCALL_PORT 0xe4
/* Xen's HVM debug port: bytes written there are console output. */
#define HV_DEBUG_PORT 0xe9
/* Xen 4.17, as the guest sees it (XENVER_version, CPUID 0x40000001). */
#define HV_XEN_VERSION ((4u << 16) | 17u)
/* Most e820 entries a guest may hand us with XENMEM_set_memory_map. */
#define HV_MAX_MEMMAP 128
/* Distinct unimplemented hypercalls logged before we stop logging them. */
#define HV_MAX_UNKNOWN_LOGGED 256

/* How hypercalls reach tern-hv. */
enum hv_transport {
	HV_TRANSPORT_PIO, /* MSR-filtered page of stubs that exit on an OUT */
	HV_TRANSPORT_KVM_XEN, /* KVM's Xen intercept (KVM_EXIT_XEN) */
};

/* Why a domain stopped running; values are Xen's SHUTDOWN_* reasons. */
enum hv_stop {
	HV_STOP_NONE = -1,
	HV_STOP_POWEROFF = SHUTDOWN_poweroff,
	HV_STOP_REBOOT = SHUTDOWN_reboot,
	HV_STOP_CRASH = SHUTDOWN_crash,
	HV_STOP_DESTROY = 100, /* by the operator (signal) */
	HV_STOP_ERROR = 101,   /* a hypervisor failure */
};

struct hv_domain;
struct hv_evtchn;
struct hv_gnttab;
struct hv_xenstore;
struct hv_pvcon;
struct hv_time;
struct hv_logdirty;

struct hv_vcpu {
	struct hv_domain *d;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	_Atomic bool thread_started; /* read by kickers on other threads */

	/* Below: protected by d->lock. */
	bool up;                 /* brought up (Xen's !_VPF_down) */
	bool initialised;        /* has a start context (VCPUOP_initialise) */
	bool start_pending;      /* VCPUOP_up asked; its thread applies ctx */
	bool halt_pending;       /* SCHEDOP_block: halt in KVM until an IRQ */
	vcpu_hvm_context_t ctx;
	uint64_t vcpu_info_gpa;  /* 0: still in shared_info (if there) */
	uint8_t upcall_vector;   /* HVMOP_set_evtchn_upcall_vector; 0 none */
};

struct hv_domain {
	struct hv_config *cfg;
	uint32_t domid;
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	enum hv_transport transport;
	uint32_t tsc_khz;
	struct kvm_cpuid2 *host_cpuid;
	struct hv_cpuid_policy cpuid_policy;
	struct hv_gmem mem;
	struct hv_console console;
	unsigned nr_vcpus;
	struct hv_vcpu *vcpus;
	pthread_t main_thread;
	uint64_t boot_ns;        /* CLOCK_MONOTONIC at creation */

	/* The devices, each owned by the file that implements it. */
	const struct hv_device *devices[HV_MAX_DEVICES];
	unsigned nr_devices_up;
	struct hv_evtchn *evtchn;
	struct hv_time *time;
	struct hv_gnttab *gnttab;
	struct hv_xenstore *xs;
	struct hv_pvcon *pvcon;
	struct hv_backends disks; /* struct hv_blkback's (blkback.c) */
	struct hv_backends vifs;  /* struct hv_netback's (netback.c) */
	struct hv_logdirty *logdirty;
	struct hv_insn_assist insn_assist; /* kvm_pvm hosts only */

	pthread_mutex_t lock;
	pthread_cond_t cond;     /* broadcast when stop is set */
	/* Below: protected by lock. */
	enum hv_stop stop;
	bool pausing;             /* vCPUs are to park (hv_domain_pause) */
	unsigned nr_parked;       /* vCPU threads parked */
	unsigned nr_vcpu_threads; /* vCPU threads running their loop */
	uint64_t shared_info_gpa; /* 0: not mapped; read atomically elsewhere */
	bool shinfo_compat;       /* shared_info in the 32-bit layout */
	unsigned nr_pollers;      /* vCPUs in SCHEDOP_poll (atomic) */
	uint64_t hvm_params[HVM_NR_PARAMS];
	struct hv_e820 memmap[HV_MAX_MEMMAP];
	unsigned nr_memmap;
	/* Unimplemented (hypercall, subop) pairs already logged. */
	struct { uint64_t nr, subop; } unknown[HV_MAX_UNKNOWN_LOGGED];
	unsigned nr_unknown;
};

/*
 * Sets up d's state for cfg with no VM, memory or vCPUs yet: the first step
 * of hv_domain_create, and what tests of the hypercall layer build on.
 * Returns 0 or -EINVAL (a cpuid policy does not parse, logged).
 */
int hv_domain_init(struct hv_domain *d, struct hv_config *cfg, uint32_t domid);

/*
 * Creates the VM for cfg: KVM VM, RAM, in-kernel irqchip, hypercall
 * transport and the vCPUs (not started).  Returns 0 or -errno with a
 * message logged; on error everything made is released.
 */
int hv_domain_create(struct hv_domain *d, struct hv_config *cfg, uint32_t domid);

/* Releases everything hv_domain_create made; vCPU threads must be joined. */
void hv_domain_destroy(struct hv_domain *d);

/*
 * Records why the domain stops (the first reason wins), wakes every waiter
 * and kicks every vCPU out of the guest.  Safe from any thread.
 */
void hv_domain_stop(struct hv_domain *d, enum hv_stop why);

/*
 * Stops every vCPU outside the guest, with its last instruction complete,
 * then pauses the devices (HV_DEVICE pause hooks): afterwards neither the
 * guest nor tern-hv changes guest memory or device state.  Returns once all
 * are parked (or the domain stopped).  Not from a vCPU thread.
 */
void hv_domain_pause(struct hv_domain *d);

/* Undoes hv_domain_pause: devices first, then the vCPUs run again. */
void hv_domain_unpause(struct hv_domain *d);

/* Nanoseconds since the domain was created: Xen's "system time". */
uint64_t hv_domain_time_ns(const struct hv_domain *d);

/* The vCPU with this id, or NULL if there is none. */
struct hv_vcpu *hv_domain_vcpu(struct hv_domain *d, uint64_t id);

/* True if domid names this domain (its id or DOMID_SELF). */
bool hv_domain_is_self(const struct hv_domain *d, uint64_t domid);

/* Starts one thread per vCPU.  Returns 0 or -errno. */
int hv_vcpus_start(struct hv_domain *d);

/* Joins every vCPU thread (after hv_domain_stop). */
void hv_vcpus_join(struct hv_domain *d);

/*
 * Interrupts v's KVM_RUN so that its thread looks at its requests; a vCPU
 * whose thread has not started finds them when it starts.
 */
void hv_vcpu_kick(struct hv_vcpu *v);

/*
 * Sets v's registers from a Xen HVM start context.  Runs on v's own thread.
 * Returns 0 or -errno.
 */
int hv_vcpu_apply_context(struct hv_vcpu *v, const vcpu_hvm_context_t *ctx);

/* Checks a start context as VCPUOP_initialise does: 0 or -EINVAL. */
int hv_vcpu_context_check(const vcpu_hvm_context_t *ctx);

/*
 * Puts v in the PVH entry state: 32-bit flat protected mode, paging off,
 * a busy 32-bit TSS, ebx = start_info, eip = entry.  Returns 0 or -errno.
 */
int hv_vcpu_set_pvh_entry(struct hv_vcpu *v, uint32_t entry, uint32_t start_info);

/* Builds and sets v's CPUID table.  Returns 0 or -errno. */
int hv_cpuid_setup(struct hv_domain *d, struct hv_vcpu *v);

#endif
