/* A domain's KVM VM: creation, memory slots, transport, teardown. */
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Where VMX KVM keeps its real-mode helpers: inside the MMIO hole. */
#define TSS_ADDR 0xfffbd000ULL
#define IDENTITY_MAP_ADDR 0xfffbc000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t hv_domain_time_ns(const struct hv_domain *d)
{
	return now_ns() - d->boot_ns;
}

struct hv_vcpu *hv_domain_vcpu(struct hv_domain *d, uint64_t id)
{
	return id < d->nr_vcpus ? &d->vcpus[id] : NULL;
}

bool hv_domain_is_self(const struct hv_domain *d, uint64_t domid)
{
	return domid == DOMID_SELF || domid == d->domid;
}

void hv_domain_stop(struct hv_domain *d, enum hv_stop why)
{
	pthread_mutex_lock(&d->lock);
	if (d->stop == HV_STOP_NONE)
		d->stop = why;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		hv_vcpu_kick(&d->vcpus[i]);
	pthread_kill(d->main_thread, SIGUSR2);
}

static int add_memslot(void *opaque, unsigned index, const struct hv_gmem_region *r)
{
	struct hv_domain *d = opaque;
	struct kvm_userspace_memory_region slot = {
		.slot = index,
		.guest_phys_addr = r->gpa,
		.memory_size = r->size,
		.userspace_addr = (uintptr_t)r->host,
	};

	if (ioctl(d->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		log_warn("memslot %u at 0x%llx", index, (unsigned long long)r->gpa);
		return -errno;
	}
	return 0;
}

/* KVM's Xen intercept if the host has it, else the MSR-filtered page. */
static int setup_transport(struct hv_domain *d)
{
	int xen = ioctl(d->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args[0] = KVM_MSR_EXIT_REASON_FILTER };
	uint8_t deny = 0;
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			       .nmsrs = 1, .base = HV_HYPERCALL_MSR, .bitmap = &deny },
	};

	if (xen > 0 && (xen & KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL)) {
		struct kvm_xen_hvm_config c = { .flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
						.msr = HV_HYPERCALL_MSR };

		if (ioctl(d->vm_fd, KVM_XEN_HVM_CONFIG, &c) == 0) {
			d->transport = HV_TRANSPORT_KVM_XEN;
			log_info("hypercalls: KVM Xen intercept");
			return 0;
		}
		log_warn("KVM_XEN_HVM_CONFIG failed; using the hypercall page");
	}
	if (ioctl(d->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		log_warn("KVM_CAP_X86_USER_SPACE_MSR");
		return -errno;
	}
	if (ioctl(d->vm_fd, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
		log_warn("KVM_X86_SET_MSR_FILTER");
		return -errno;
	}
	d->transport = HV_TRANSPORT_PIO;
	log_info("hypercalls: stub page, port 0x%x", HV_HYPERCALL_PORT);
	return 0;
}

static int create_vcpu(struct hv_domain *d, struct hv_vcpu *v, unsigned id)
{
	v->d = d;
	v->id = id;
	v->fd = ioctl(d->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		log_warn("vcpu%u: KVM_CREATE_VCPU", id);
		return -errno;
	}
	v->run = mmap(NULL, d->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		log_warn("vcpu%u: mmap of kvm_run", id);
		return -errno;
	}
	return hv_cpuid_setup(d, v);
}

static int check_kvm(struct hv_domain *d)
{
	int sync = ioctl(d->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	int need = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	int size;

	if (ioctl(d->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		log_warnx("/dev/kvm speaks an unknown API version");
		return -ENOTSUP;
	}
	if (sync < 0 || (sync & need) != need) {
		log_warnx("KVM lacks KVM_CAP_SYNC_REGS for registers and sregs");
		return -ENOTSUP;
	}
	if (ioctl(d->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0) {
		log_warnx("KVM lacks an in-kernel irqchip");
		return -ENOTSUP;
	}
	size = ioctl(d->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		log_warn("KVM_GET_VCPU_MMAP_SIZE");
		return -EIO;
	}
	d->run_size = (size_t)size;
	return 0;
}

static int create_vm(struct hv_domain *d)
{
	int err;

	d->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (d->kvm_fd < 0) {
		log_warn("cannot open /dev/kvm");
		return -errno;
	}
	err = check_kvm(d);
	if (err)
		return err;
	d->vm_fd = ioctl(d->kvm_fd, KVM_CREATE_VM, 0);
	if (d->vm_fd < 0) {
		log_warn("KVM_CREATE_VM");
		return -errno;
	}
	/* Needed by VMX for real mode; other back ends may refuse them. */
	if (ioctl(d->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		log_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	uint64_t ident = IDENTITY_MAP_ADDR;
	if (ioctl(d->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		log_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	if (ioctl(d->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		log_warn("KVM_CREATE_IRQCHIP");
		return -errno;
	}
	return setup_transport(d);
}

int hv_domain_init(struct hv_domain *d, struct hv_config *cfg, uint32_t domid)
{
	pthread_condattr_t ca;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->domid = domid;
	d->kvm_fd = d->vm_fd = -1;
	d->stop = HV_STOP_NONE;
	d->main_thread = pthread_self();
	d->boot_ns = now_ns();
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	d->mem.ram_fd = d->mem.extra_fd = -1;
	for (size_t i = 0; i < cfg->cpuid.n; i++) {
		char err[256];

		if (hv_cpuid_policy_parse(&d->cpuid_policy, cfg->cpuid.v[i], err, sizeof(err))) {
			log_warnx("cpuid: %s", err);
			return -EINVAL;
		}
	}
	return 0;
}

int hv_domain_create(struct hv_domain *d, struct hv_config *cfg, uint32_t domid)
{
	int err = hv_domain_init(d, cfg, domid);

	if (err)
		goto err_destroy;
	err = create_vm(d);
	if (err)
		goto err_destroy;
	hv_insn_assist_init(d);
	err = hv_gmem_init(&d->mem, cfg->memory << 20);
	if (err) {
		log_warnx("cannot allocate %llu MiB of guest memory: %s",
			  (unsigned long long)cfg->memory, strerror(-err));
		goto err_destroy;
	}
	err = hv_gmem_set_region_fn(&d->mem, add_memslot, d);
	if (err)
		goto err_destroy;
	d->vcpus = calloc(cfg->vcpus, sizeof(*d->vcpus));
	if (!d->vcpus) {
		err = -ENOMEM;
		goto err_destroy;
	}
	for (unsigned i = 0; i < cfg->vcpus; i++) {
		d->vcpus[i].fd = -1;
		d->nr_vcpus = i + 1;
		err = create_vcpu(d, &d->vcpus[i], i);
		if (err)
			goto err_destroy;
	}
	d->vcpus[0].up = d->vcpus[0].initialised = true;
	return 0;

err_destroy:
	hv_domain_destroy(d);
	return err;
}

void hv_domain_destroy(struct hv_domain *d)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		if (d->vcpus[i].run)
			munmap(d->vcpus[i].run, d->run_size);
		if (d->vcpus[i].fd >= 0)
			close(d->vcpus[i].fd);
	}
	free(d->vcpus);
	d->vcpus = NULL;
	d->nr_vcpus = 0;
	hv_insn_assist_report(d);
	hv_gmem_destroy(&d->mem);
	if (d->vm_fd >= 0)
		close(d->vm_fd);
	if (d->kvm_fd >= 0)
		close(d->kvm_fd);
	d->vm_fd = d->kvm_fd = -1;
	free(d->host_cpuid);
	d->host_cpuid = NULL;
	hv_cpuid_policy_free(&d->cpuid_policy);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
}
