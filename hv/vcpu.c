/*
 * vCPU threads: each runs KVM_RUN in a loop and handles the exits that come
 * to user space.  Other threads talk to a vCPU through its request flags
 * (under d->lock) and a kick, which interrupts KVM_RUN with a signal.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "acpi.h"
#include "domain.h"
#include "hypercall.h"
#include "log.h"

#define KICK_SIGNAL SIGUSR1
#define EFER_LMA (1ULL << 10)

static void kick_handler(int sig)
{
	(void)sig;
}

void hv_vcpu_kick(struct hv_vcpu *v)
{
	if (!v->thread_started)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, KICK_SIGNAL);
}

static void crash(struct hv_vcpu *v, const char *why)
{
	const struct kvm_regs *r = &v->run->s.regs.regs;

	log_warnx("vcpu%u: %s at rip 0x%llx: domain crashed", v->id, why,
		  (unsigned long long)r->rip);
	hv_domain_stop(v->d, HV_STOP_CRASH);
}

static void hypercall_pio(struct hv_vcpu *v)
{
	struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	struct hv_hcall c = {
		.long_mode = (s->efer & EFER_LMA) && s->cs.l,
		.cpl = s->ss.dpl,
	};

	if (c.long_mode) {
		c = (struct hv_hcall){ r->rax, { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 },
				       true, c.cpl };
	} else {
		c.nr = (uint32_t)r->rax;
		uint64_t a[6] = { r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp };
		memcpy(c.arg, a, sizeof(a));
	}
	r->rax = (uint64_t)hv_hypercall(v, &c);
	v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
}

static void hypercall_kvm_xen(struct hv_vcpu *v)
{
	struct kvm_xen_exit *x = &v->run->xen;
	struct hv_hcall c = { .nr = x->u.hcall.input, .long_mode = x->u.hcall.longmode,
			      .cpl = x->u.hcall.cpl };

	if (x->type != KVM_EXIT_XEN_HCALL) {
		crash(v, "unknown KVM Xen exit");
		return;
	}
	memcpy(c.arg, x->u.hcall.params, sizeof(c.arg));
	x->u.hcall.result = (uint64_t)hv_hypercall(v, &c);
}

/*
 * The FADT's sleep and reset registers (acpi.h).  Returns false for another
 * port.  The sleep status register reads 0: the guest never wakes.
 */
static bool acpi_port(struct hv_vcpu *v, uint16_t port, bool out, uint8_t *data)
{
	switch (port) {
	case ACPI_SLEEP_CONTROL_PORT:
		if (out && (*data & ACPI_SLEEP_ENABLE) && ACPI_SLEEP_TYPE(*data) == ACPI_S5_TYPE)
			hv_domain_stop(v->d, HV_STOP_POWEROFF);
		else if (!out)
			*data = 0;
		return true;
	case ACPI_SLEEP_STATUS_PORT:
		if (!out)
			*data = 0;
		return true;
	case ACPI_RESET_PORT:
		if (out && *data == ACPI_RESET_VALUE)
			hv_domain_stop(v->d, HV_STOP_REBOOT);
		else if (!out)
			*data = 0;
		return true;
	default:
		return false;
	}
}

static void io(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (run->io.port == HV_HYPERCALL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.size == 4 && run->io.count == 1 && v->d->transport == HV_TRANSPORT_PIO) {
		hypercall_pio(v);
		return;
	}
	/* Xen's debug port: what a guest writes there goes to its console. */
	if (run->io.port == HV_DEBUG_PORT && run->io.direction == KVM_EXIT_IO_OUT) {
		hv_console_write(&v->d->console, data, (size_t)run->io.size * run->io.count);
		return;
	}
	if (acpi_port(v, run->io.port, run->io.direction == KVM_EXIT_IO_OUT, data))
		return;
	/* No device here: reads float high, writes vanish. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		memset(data, 0xff, (size_t)run->io.size * run->io.count);
	log_debug("vcpu%u: %s port 0x%x ignored", v->id,
		  run->io.direction == KVM_EXIT_IO_IN ? "in" : "out", run->io.port);
}

static void mmio(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	log_debug("vcpu%u: mmio %s at 0x%llx ignored", v->id, run->mmio.is_write ? "write" : "read",
		  (unsigned long long)run->mmio.phys_addr);
}

static void wrmsr(struct hv_vcpu *v)
{
	struct kvm_run *run = v->run;

	run->msr.error = 1;
	if (run->msr.index == HV_HYPERCALL_MSR && hv_hypercall_page(v, run->msr.data) == 0)
		run->msr.error = 0;
}

static void internal_error(struct hv_vcpu *v)
{
	char why[160];
	int n;

	if (hv_insn_assist(v) == 0)
		return;
	n = snprintf(why, sizeof(why), "KVM internal error %u", v->run->internal.suberror);
	for (unsigned i = 0; i < v->run->internal.ndata && i < 4 && n < (int)sizeof(why); i++)
		n += snprintf(why + n, sizeof(why) - (size_t)n, " 0x%llx",
			      (unsigned long long)v->run->internal.data[i]);
	crash(v, why);
}

static void system_event(struct hv_vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		hv_domain_stop(v->d, HV_STOP_POWEROFF);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		hv_domain_stop(v->d, HV_STOP_REBOOT);
		break;
	default:
		crash(v, "system event");
	}
}

static void handle_exit(struct hv_vcpu *v)
{
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
		io(v);
		break;
	case KVM_EXIT_MMIO:
		mmio(v);
		break;
	case KVM_EXIT_X86_RDMSR:
		v->run->msr.error = 1; /* the hypercall MSR is write-only */
		break;
	case KVM_EXIT_X86_WRMSR:
		wrmsr(v);
		break;
	case KVM_EXIT_XEN:
		hypercall_kvm_xen(v);
		break;
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:
		break;
	case KVM_EXIT_SHUTDOWN:
		crash(v, "triple fault");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		internal_error(v);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		crash(v, "VM entry failure");
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		system_event(v);
		break;
	default: {
		char why[64];

		snprintf(why, sizeof(why), "unexpected exit %u", v->run->exit_reason);
		crash(v, why);
	}
	}
}

/*
 * Completes the instruction of the last exit (an OUT's RIP advance and
 * result) without running the guest further, so that v's registers are
 * whole for whoever reads them while it is parked.
 */
static void settle(struct hv_vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (ioctl(v->fd, KVM_RUN, 0) == 0 || errno != EINTR)
		log_warnx("vcpu%u: could not settle before a pause", v->id);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

/* Parks v while the domain is paused.  d->lock is held. */
static void park(struct hv_vcpu *v)
{
	struct hv_domain *d = v->d;

	pthread_mutex_unlock(&d->lock);
	settle(v);
	pthread_mutex_lock(&d->lock);
	d->nr_parked++;
	pthread_cond_broadcast(&d->cond);
	while (d->pausing && d->stop == HV_STOP_NONE)
		pthread_cond_wait(&d->cond, &d->lock);
	d->nr_parked--;
}

/*
 * Looks at v's requests before it enters the guest.  Returns false when the
 * thread must end because the domain stops.
 */
static bool take_requests(struct hv_vcpu *v)
{
	struct hv_domain *d = v->d;
	vcpu_hvm_context_t ctx;
	bool start, halt;
	struct kvm_mp_state halted = { .mp_state = KVM_MP_STATE_HALTED };

	pthread_mutex_lock(&d->lock);
	if (d->pausing && d->stop == HV_STOP_NONE)
		park(v);
	if (d->stop != HV_STOP_NONE) {
		pthread_mutex_unlock(&d->lock);
		return false;
	}
	start = v->start_pending;
	halt = v->halt_pending;
	ctx = v->ctx;
	v->start_pending = v->halt_pending = false;
	pthread_mutex_unlock(&d->lock);
	if (start) {
		if (hv_vcpu_apply_context(v, &ctx)) {
			crash(v, "bad VCPUOP_initialise context");
			return false;
		}
		log_info("vcpu%u: up", v->id);
	}
	if (halt && ioctl(v->fd, KVM_SET_MP_STATE, &halted) < 0)
		log_warn("vcpu%u: cannot halt", v->id);
	return true;
}

static void *vcpu_thread(void *arg)
{
	struct hv_vcpu *v = arg;
	sigset_t kick;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (take_requests(v)) {
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;
			}
			log_warn("vcpu%u: KVM_RUN", v->id);
			hv_domain_stop(v->d, HV_STOP_ERROR);
			break;
		}
		handle_exit(v);
	}
	pthread_mutex_lock(&v->d->lock);
	v->d->nr_vcpu_threads--;
	pthread_cond_broadcast(&v->d->cond);
	pthread_mutex_unlock(&v->d->lock);
	return NULL;
}

void hv_domain_pause(struct hv_domain *d)
{
	pthread_mutex_lock(&d->lock);
	d->pausing = true;
	pthread_cond_broadcast(&d->cond); /* vCPUs waiting in SCHEDOP_poll */
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		hv_vcpu_kick(&d->vcpus[i]);
	pthread_mutex_lock(&d->lock);
	while (d->nr_parked < d->nr_vcpu_threads && d->stop == HV_STOP_NONE)
		pthread_cond_wait(&d->cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	hv_devices_pause(d);
}

void hv_domain_unpause(struct hv_domain *d)
{
	hv_devices_unpause(d);
	pthread_mutex_lock(&d->lock);
	d->pausing = false;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

int hv_vcpus_start(struct hv_domain *d)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int err;

	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct hv_vcpu *v = &d->vcpus[i];

		pthread_mutex_lock(&d->lock);
		d->nr_vcpu_threads++;
		pthread_mutex_unlock(&d->lock);
		err = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (err) {
			pthread_mutex_lock(&d->lock);
			d->nr_vcpu_threads--;
			pthread_mutex_unlock(&d->lock);
			log_warnx("vcpu%u: cannot start its thread: %s", i, strerror(err));
			hv_domain_stop(d, HV_STOP_ERROR);
			return -err;
		}
		v->thread_started = true;
	}
	return 0;
}

void hv_vcpus_join(struct hv_domain *d)
{
	/* Kick again: a vCPU started after the stop was first announced. */
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		hv_vcpu_kick(&d->vcpus[i]);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i].thread_started)
			pthread_join(d->vcpus[i].thread, NULL);
}
