#include "guest_time.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <xen/vcpu.h>

#include "device_state.h"
#include "domain.h"
#include "evtchn.h"
#include "hypercall.h"
#include "log.h"

#define MSR_IA32_TSC 0x10
#define MIN_PERIOD_NS 1000000ULL
#define TSC_OFFSET_TRIES 8
/* Offsets of the wall clock in a 32-bit guest's shared_info. */
#define WC_VERSION_32 (offsetof(struct shared_info, evtchn_pending) + 2 * 32 * 4)

struct timer {
	uint64_t oneshot;  /* system ns; 0: none */
	uint64_t period;   /* ns; 0: none */
	uint64_t next;     /* next periodic expiry */
};

struct hv_time {
	int64_t tsc_offset; /* guest TSC - host TSC */
	uint32_t mul;
	int8_t shift;
	pthread_t thread;
	bool running;       /* the thread runs (not while paused) */
	bool restored;      /* unpause takes the restored vCPUs' TSC */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct timer timers[HV_CONFIG_MAX_VCPUS];
};

void hv_time_scale(uint32_t tsc_khz, uint32_t *mul, int8_t *shift)
{
	uint64_t hz = (uint64_t)(tsc_khz ? tsc_khz : 1) * 1000;
	int s = 0;
	unsigned __int128 m;

	/* ns = ((ticks << s) * mul) >> 32, with mul in [2^31, 2^32). */
	for (;;) {
		m = s >= 0 ? ((unsigned __int128)1000000000 << 32 >> s) / hz
			   : ((unsigned __int128)1000000000 << (32 - s)) / hz;
		if (m >= (1ULL << 32))
			s++;
		else if (m < (1ULL << 31) && s > -31)
			s--;
		else
			break;
	}
	*mul = (uint32_t)m;
	*shift = (int8_t)s;
}

static uint64_t vcpu_info_gpa(struct hv_domain *d, struct hv_vcpu *v)
{
	uint64_t gpa = __atomic_load_n(&v->vcpu_info_gpa, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);

	if (!gpa && si && v->id < XEN_LEGACY_MAX_VCPUS)
		gpa = si + offsetof(struct shared_info, vcpu_info) + v->id * sizeof(struct vcpu_info);
	return gpa;
}

/* The seqlock of vcpu_time_info and the wall clock: odd while writing. */
static void versioned_write(struct hv_domain *d, uint32_t *version, uint64_t gpa,
			    const void *fields, size_t len)
{
	__atomic_fetch_add(version, 1, __ATOMIC_SEQ_CST);
	hv_gmem_write(&d->mem, gpa, fields, len);
	__atomic_fetch_add(version, 1, __ATOMIC_SEQ_CST);
}

void hv_time_update_vcpu(struct hv_domain *d, struct hv_vcpu *v)
{
	struct hv_time *t = d->time;
	uint64_t gpa = vcpu_info_gpa(d, v) + offsetof(struct vcpu_info, time);
	struct vcpu_time_info ti = { 0 };
	uint32_t *version;

	if (!t || gpa == offsetof(struct vcpu_info, time))
		return;
	version = hv_gmem_map(&d->mem, gpa, sizeof(ti), true);
	if (!version)
		return;
	ti.tsc_timestamp = __builtin_ia32_rdtsc() + (uint64_t)t->tsc_offset;
	ti.system_time = hv_domain_time_ns(d);
	ti.tsc_to_system_mul = t->mul;
	ti.tsc_shift = t->shift;
	ti.flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	versioned_write(d, version, gpa + offsetof(struct vcpu_time_info, tsc_timestamp),
			&ti.tsc_timestamp, sizeof(ti) - offsetof(struct vcpu_time_info, tsc_timestamp));
}

/* Wall-clock time of system time 0, in the guest's shared_info layout. */
static void update_wallclock(struct hv_domain *d)
{
	bool compat = __atomic_load_n(&d->shinfo_compat, __ATOMIC_ACQUIRE);
	uint64_t si = __atomic_load_n(&d->shared_info_gpa, __ATOMIC_ACQUIRE);
	uint64_t off = compat ? WC_VERSION_32 : offsetof(struct shared_info, wc_version);
	struct timespec rt;
	uint64_t boot;
	uint32_t wc[3], *version;

	clock_gettime(CLOCK_REALTIME, &rt);
	boot = (uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec - hv_domain_time_ns(d);
	wc[0] = (uint32_t)(boot / 1000000000ULL);
	wc[1] = (uint32_t)(boot % 1000000000ULL);
	wc[2] = (uint32_t)(boot / 1000000000ULL >> 32);
	version = si ? hv_gmem_map(&d->mem, si + off, sizeof(wc) + 4, true) : NULL;

	if (version)
		versioned_write(d, version, si + off + 4, wc, compat ? 8 : 12);
}

void hv_time_shared_info_moved(struct hv_domain *d)
{
	update_wallclock(d);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		hv_time_update_vcpu(d, &d->vcpus[i]);
}

/* The earliest expiry of any timer (system ns), or 0 if none is set. */
static uint64_t earliest(const struct hv_time *t, unsigned n)
{
	uint64_t first = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct timer *x = &t->timers[i];

		if (x->oneshot && (!first || x->oneshot < first))
			first = x->oneshot;
		if (x->period && (!first || x->next < first))
			first = x->next;
	}
	return first;
}

/* Takes the expired timers of vCPU i; true if it fires.  Lock held. */
static bool expire(struct timer *x, uint64_t now)
{
	bool fire = false;

	if (x->oneshot && x->oneshot <= now) {
		x->oneshot = 0;
		fire = true;
	}
	if (x->period && x->next <= now) {
		/* A late timer fires once, not once per missed period. */
		x->next += ((now - x->next) / x->period + 1) * x->period;
		fire = true;
	}
	return fire;
}

static void wait_until(struct hv_domain *d, struct hv_time *t, uint64_t when)
{
	struct timespec ts;
	uint64_t mono = d->boot_ns + when;

	if (!when) {
		pthread_cond_wait(&t->cond, &t->lock);
		return;
	}
	ts.tv_sec = (time_t)(mono / 1000000000ULL);
	ts.tv_nsec = (long)(mono % 1000000000ULL);
	pthread_cond_timedwait(&t->cond, &t->lock, &ts);
}

static void *timer_thread(void *arg)
{
	struct hv_domain *d = arg;
	struct hv_time *t = d->time;

	pthread_setname_np(pthread_self(), "timers");
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		uint64_t now = hv_domain_time_ns(d), first = earliest(t, d->nr_vcpus);

		if (!first || first > now) {
			wait_until(d, t, first);
			continue;
		}
		for (unsigned i = 0; i < d->nr_vcpus; i++) {
			if (!expire(&t->timers[i], now))
				continue;
			pthread_mutex_unlock(&t->lock);
			hv_time_update_vcpu(d, &d->vcpus[i]);
			hv_evtchn_send_virq(d, i, VIRQ_TIMER);
			pthread_mutex_lock(&t->lock);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static long set_timer(struct hv_domain *d, unsigned vcpu, uint64_t oneshot, uint64_t period,
		      bool set_oneshot)
{
	struct hv_time *t = d->time;
	struct timer *x = &t->timers[vcpu];

	pthread_mutex_lock(&t->lock);
	if (set_oneshot) {
		x->oneshot = oneshot;
	} else {
		x->period = period;
		x->next = hv_domain_time_ns(d) + period;
	}
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

long hv_time_vcpu_op(struct hv_vcpu *caller, struct hv_vcpu *target, unsigned cmd,
		     uint64_t va)
{
	struct hv_domain *d = caller->d;
	struct vcpu_set_singleshot_timer shot;
	struct vcpu_set_periodic_timer per;

	switch (cmd) {
	case VCPUOP_set_singleshot_timer:
		if (target != caller)
			return -XEN_EINVAL; /* Xen: only for the calling vCPU */
		/* 12 bytes: the struct is that long in the 32-bit ABI. */
		if (hv_copy_from_guest(caller, &shot, va, 12))
			return -XEN_EFAULT;
		if ((shot.flags & VCPU_SSHOTTMR_future) &&
		    shot.timeout_abs_ns < hv_domain_time_ns(d))
			return -XEN_ETIME;
		return set_timer(d, target->id, shot.timeout_abs_ns ? shot.timeout_abs_ns : 1, 0,
				 true);
	case VCPUOP_stop_singleshot_timer:
		if (target != caller)
			return -XEN_EINVAL;
		return set_timer(d, target->id, 0, 0, true);
	case VCPUOP_set_periodic_timer:
		if (hv_copy_from_guest(caller, &per, va, sizeof(per)))
			return -XEN_EFAULT;
		if (per.period_ns < MIN_PERIOD_NS)
			return -XEN_EINVAL;
		return set_timer(d, target->id, 0, per.period_ns, false);
	default: /* VCPUOP_stop_periodic_timer */
		return set_timer(d, target->id, 0, 0, false);
	}
}

/*
 * guest TSC - host TSC, read before any vCPU runs; 0 without KVM.  KVM says
 * it exactly where it has the TSC control attribute.  Otherwise it is
 * measured: the guest's TSC MSR, then the host's TSC, so that each try can
 * only fall short of the offset (by the time between the two reads), and
 * the best of a few tries is kept.  Falling short, never over, matters:
 * vcpu_time_info's tsc_timestamp must never be ahead of the guest's TSC, or
 * a guest's "now - tsc_timestamp" goes negative and its clock leaps.
 */
static int64_t tsc_offset(struct hv_domain *d)
{
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / 8 + 1] = { 0 };
	struct kvm_msrs *m = (struct kvm_msrs *)buf;
	int64_t best = INT64_MIN, exact;
	struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
					.addr = (uint64_t)(uintptr_t)&exact };

	if (d->vcpus[0].fd < 0)
		return 0;
	if (ioctl(d->vcpus[0].fd, KVM_GET_DEVICE_ATTR, &attr) == 0)
		return exact;
	m->nmsrs = 1;
	m->entries[0].index = MSR_IA32_TSC;
	for (unsigned i = 0; i < TSC_OFFSET_TRIES; i++) {
		if (ioctl(d->vcpus[0].fd, KVM_GET_MSRS, m) != 1)
			return 0;
		int64_t off = (int64_t)(m->entries[0].data - __builtin_ia32_rdtsc());

		if (off > best)
			best = off;
	}
	return best;
}

/* Starts the timer thread.  Returns 0 or -errno. */
static int start(struct hv_domain *d)
{
	struct hv_time *t = d->time;
	int err;

	t->stop = false;
	err = pthread_create(&t->thread, NULL, timer_thread, d);
	t->running = !err;
	return -err;
}

/* Stops the timer thread (if it runs) and waits for it. */
static void stop(struct hv_domain *d)
{
	struct hv_time *t = d->time;

	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	t->running = false;
}

static int init(struct hv_domain *d)
{
	struct hv_time *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	int err;

	if (!t)
		return -ENOMEM;
	t->tsc_offset = tsc_offset(d);
	hv_time_scale(d->tsc_khz, &t->mul, &t->shift);
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	d->time = t;
	err = start(d);
	if (err) {
		d->time = NULL;
		free(t);
	}
	return err;
}

static void fini(struct hv_domain *d)
{
	struct hv_time *t = d->time;

	stop(d);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	d->time = NULL;
	free(t);
}

/* Pause and restore (docs/stream-format.md) */

struct wire_hdr {
	uint64_t system_ns; /* the domain's system time when it was saved */
	uint32_t tsc_khz;   /* the guest's TSC rate then */
	uint32_t nr_vcpus;  /* then a wire_timer per vCPU */
};
_Static_assert(sizeof(struct wire_hdr) == 16, "time state header");

struct wire_timer {
	uint64_t oneshot; /* system ns; 0: none */
	uint64_t period;  /* ns; 0: none, else at least MIN_PERIOD_NS */
	uint64_t next;    /* the next periodic expiry, system ns */
};
_Static_assert(sizeof(struct wire_timer) == 24, "time state timer");

/* The timer thread stops: no VIRQ_TIMER, no pvclock update while paused. */
static void pause_timers(struct hv_domain *d)
{
	stop(d);
}

/*
 * After a restore the vCPUs' TSC was loaded with their state (KVM made it
 * continue from the saved value): take the new offset to the host's TSC
 * and rewrite every pvclock and the wall clock from it, before any vCPU
 * runs.  Then the timers run again.
 */
static void unpause_timers(struct hv_domain *d)
{
	struct hv_time *t = d->time;
	int err;

	if (t->restored) {
		t->restored = false;
		t->tsc_offset = tsc_offset(d);
		hv_time_shared_info_moved(d);
	}
	err = start(d);
	if (err) {
		log_warnx("time: cannot restart the timer thread: %s", strerror(-err));
		hv_domain_stop(d, HV_STOP_ERROR);
	}
}

static int save(struct hv_domain *d, struct hv_state_buf *out)
{
	struct hv_time *t = d->time;
	struct wire_hdr h = { .system_ns = hv_domain_time_ns(d), .tsc_khz = d->tsc_khz,
			      .nr_vcpus = d->nr_vcpus };
	int err = hv_state_put(out, &h, sizeof(h));

	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; !err && i < d->nr_vcpus; i++) {
		struct wire_timer w = { .oneshot = t->timers[i].oneshot,
					.period = t->timers[i].period,
					.next = t->timers[i].next };

		err = hv_state_put(out, &w, sizeof(w));
	}
	pthread_mutex_unlock(&t->lock);
	return err;
}

/*
 * System time goes on from the saved value (time while saved does not
 * count), so the timers' deadlines keep their meaning.
 */
static int restore(struct hv_domain *d, uint32_t version, const uint8_t *body, size_t len)
{
	struct hv_time *t = d->time;
	struct wire_timer w[HV_CONFIG_MAX_VCPUS];
	struct hv_state_in in;
	struct wire_hdr h;

	if (version != 1)
		return -ENOTSUP;
	hv_state_in_init(&in, body, len);
	if (hv_state_get(&in, &h, sizeof(h)) || h.system_ns > INT64_MAX ||
	    h.nr_vcpus != d->nr_vcpus || hv_state_get(&in, w, h.nr_vcpus * sizeof(w[0])) ||
	    hv_state_in_end(&in))
		return -EINVAL;
	for (unsigned i = 0; i < h.nr_vcpus; i++)
		if (w[i].period && w[i].period < MIN_PERIOD_NS)
			return -EINVAL;
	if (h.tsc_khz != d->tsc_khz)
		log_warnx("time: the guest's TSC ran at %u kHz, here at %u kHz", h.tsc_khz,
			  d->tsc_khz);
	pthread_mutex_lock(&t->lock);
	d->boot_ns += hv_domain_time_ns(d) - h.system_ns;
	for (unsigned i = 0; i < h.nr_vcpus; i++)
		t->timers[i] = (struct timer){ .oneshot = w[i].oneshot, .period = w[i].period,
					       .next = w[i].next };
	t->restored = true;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static const struct hv_device time_device = {
	.name = "time", .prio = HV_PRIO_CORE, .init = init, .exit = fini,
	.pause = pause_timers, .unpause = unpause_timers,
	.state_id = HV_STATE_TIME, .state_version = 1, .save = save, .restore = restore,
};
HV_DEVICE(time_device);
