/*
 * Harvest cost of log-dirty tracking, per GiB of guest RAM, idle and with
 * every page dirty:
 *
 *   log    KVM's dirty log with manual protection (KVM_GET_DIRTY_LOG, then
 *          KVM_CLEAR_DIRTY_LOG of what it reported), on a bare VM;
 *   ring   KVM's dirty ring (KVM_CAP_DIRTY_LOG_RING_ACQ_REL, 65536 entries
 *          per vCPU: collect, then KVM_RESET_DIRTY_RINGS), on a bare VM; a
 *          full pass overflows the ring, so its harvests run at each
 *          KVM_EXIT_DIRTY_RING_FULL and are added up;
 *   tern   hv_logdirty_harvest on a domain made by hv_domain_create (the
 *          dirty log plus tern-hv's own log, into a gfn-indexed bitmap).
 *
 * The guest is the same few instructions in each case, run in ring 3 with
 * 2 MiB identity pages (kvm_pvm runs ring 3 natively): one 8-byte store to
 * each page from 2 MiB to the end of RAM, then a store to an unbacked page,
 * which exits to us.  "dirty" harvests after such a pass, "idle" right
 * after another harvest.  Usage:
 *
 *   logdirty_bench [--gib N] [--rounds R]      (defaults: 1 GiB, 5 rounds)
 *
 * Prints the median and the minimum of the rounds for each figure, per GiB.
 * The three run side by side, one round of each in turn.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "logdirty.h"

#define GIB (1ULL << 30)
#define PAGE 4096ULL
#define RING_ENTRIES 65536u
#define MAX_ROUNDS 64
#define CODE_GPA 0x10000ULL
#define PML4_GPA 0x1000ULL
#define FIRST_DIRTY (2ULL << 20)

/* The guest: rsi = first page, rdi = end, rdx = an unbacked address. */
static const uint8_t guest_code[] = {
	0x48, 0x89, 0xf0,                   /* start: mov %rsi, %rax */
	0x48, 0x89, 0x00,                   /* loop:  mov %rax, (%rax) */
	0x48, 0x05, 0x00, 0x10, 0x00, 0x00, /*        add $0x1000, %rax */
	0x48, 0x39, 0xf8,                   /*        cmp %rdi, %rax */
	0x72, 0xf2,                         /*        jb loop */
	0x89, 0x02,                         /*        mov %eax, (%rdx): exit */
	0xeb, 0xeb,                         /*        jmp start */
};

/* A bare VM (no tern-hv code): one memslot at 0, one vCPU. */
struct vm {
	int kvm, fd, vcpu;
	uint8_t *mem;
	uint64_t size;
	struct kvm_run *run;
	struct kvm_dirty_gfn *ring; /* NULL: the dirty log */
	uint32_t fetch;
	uint64_t *bitmap;
};

struct figures {
	double idle[MAX_ROUNDS], dirty[MAX_ROUNDS], pass[MAX_ROUNDS];
	double enable;
	uint64_t pages, ring_full;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Identity page tables with 2 MiB user pages over [0, size + 1 GiB). */
static void build_page_tables(uint8_t *mem, uint64_t size)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA), *pdpt = pml4 + 512;

	pml4[0] = (PML4_GPA + PAGE) | 7;
	for (uint64_t g = 0; g <= size / GIB; g++) {
		uint64_t *pd = pdpt + 512 * (g + 1);

		pdpt[g] = (PML4_GPA + PAGE * (g + 2)) | 7;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (g * GIB + (i << 21)) | 0x87; /* present, writable, user, 2 MiB */
	}
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
}

/* Puts the vCPU in 64-bit ring 3 at the guest's first instruction. */
static void set_guest_state(int vcpu, uint64_t size)
{
	struct kvm_segment code = { .limit = 0xffffffff, .selector = 0x33, .type = 11,
				    .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff, .selector = 0x2b, .type = 3,
				    .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1 };
	struct kvm_regs regs = { .rip = CODE_GPA, .rsi = FIRST_DIRTY, .rdi = size,
				 .rdx = size + PAGE, .rflags = 2 };
	struct kvm_sregs s;

	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_SREGS");
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct kvm_segment){ .base = 0x8000, .limit = 0x67, .selector = 0x40,
				     .type = 11, .present = 1 };
	s.cr0 = 0x80000011; /* PG, ET, PE */
	s.cr4 = 0x20;       /* PAE */
	s.cr3 = PML4_GPA;
	s.efer = 0x500;     /* LME, LMA */
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("setting the vCPU's registers");
}

static void enable_cap(int vm, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args[0] = arg };

	if (ioctl(vm, KVM_ENABLE_CAP, &c) < 0)
		die("KVM_ENABLE_CAP");
}

static void set_slot(struct vm *v, uint32_t flags)
{
	struct kvm_userspace_memory_region r = { .slot = 0, .flags = flags,
						 .memory_size = v->size,
						 .userspace_addr = (uintptr_t)v->mem };

	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
}

static void vm_create(struct vm *v, uint64_t size, bool ring)
{
	int run_size;

	memset(v, 0, sizeof(*v));
	v->size = size;
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	v->fd = v->kvm < 0 ? -1 : ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		die("/dev/kvm");
	v->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	v->bitmap = calloc(size / PAGE / 8, 1);
	if (v->mem == MAP_FAILED || !v->bitmap)
		die("memory");
	set_slot(v, 0);
	build_page_tables(v->mem, size);
	if (ring)
		enable_cap(v->fd, KVM_CAP_DIRTY_LOG_RING_ACQ_REL, RING_ENTRIES * 16);
	else
		enable_cap(v->fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			   KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->vcpu < 0 || run_size <= 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		die("mmap of kvm_run");
	if (ring) {
		v->ring = mmap(NULL, RING_ENTRIES * 16, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu,
			       KVM_DIRTY_LOG_PAGE_OFFSET * PAGE);
		if (v->ring == MAP_FAILED)
			die("mmap of the dirty ring");
	}
	set_guest_state(v->vcpu, size);
}

/* KVM_GET_DIRTY_LOG then KVM_CLEAR_DIRTY_LOG of what it said. */
static uint64_t harvest_log(struct vm *v)
{
	uint64_t pages = v->size / PAGE, n = 0;
	struct kvm_dirty_log get = { .slot = 0, .dirty_bitmap = v->bitmap };
	struct kvm_clear_dirty_log clear = { .slot = 0, .num_pages = (uint32_t)pages,
					     .dirty_bitmap = v->bitmap };

	if (ioctl(v->fd, KVM_GET_DIRTY_LOG, &get) < 0 ||
	    ioctl(v->fd, KVM_CLEAR_DIRTY_LOG, &clear) < 0)
		die("dirty log");
	for (uint64_t i = 0; i < pages / 64; i++)
		n += (uint64_t)__builtin_popcountll(v->bitmap[i]);
	return n;
}

/* Takes every dirty entry of the ring into the bitmap, then resets. */
static uint64_t harvest_ring(struct vm *v)
{
	uint64_t n = 0;

	for (;; v->fetch++, n++) {
		struct kvm_dirty_gfn *e = &v->ring[v->fetch % RING_ENTRIES];

		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & KVM_DIRTY_GFN_F_DIRTY))
			break;
		v->bitmap[e->offset / 64] |= 1ULL << (e->offset % 64);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	}
	if (ioctl(v->fd, KVM_RESET_DIRTY_RINGS, 0) < 0)
		die("KVM_RESET_DIRTY_RINGS");
	return n;
}

static uint64_t harvest(struct vm *v)
{
	return v->ring ? harvest_ring(v) : harvest_log(v);
}

/*
 * One pass of the guest over all its pages; harvests that a full ring
 * forces are timed into *harvest_s.  Returns the time in KVM_RUN.
 */
static double guest_pass(int vcpu, struct kvm_run *run, struct vm *ring_vm, double *harvest_s,
			 struct figures *f)
{
	double in_guest = 0;

	for (;;) {
		double t = now();
		int rc = ioctl(vcpu, KVM_RUN, 0);

		in_guest += now() - t;
		if (rc < 0)
			die("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_MMIO)
			return in_guest;
		if (run->exit_reason != KVM_EXIT_DIRTY_RING_FULL || !ring_vm) {
			fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
			exit(1);
		}
		t = now();
		f->pages += harvest(ring_vm);
		*harvest_s += now() - t;
		f->ring_full++;
	}
}

/* Faults the bare VM's memory in, then turns the dirty log on. */
static void setup_bare(struct vm *v, bool ring, uint64_t size, struct figures *f)
{
	double t;

	vm_create(v, size, ring);
	guest_pass(v->vcpu, v->run, NULL, &t, f);
	t = now();
	set_slot(v, KVM_MEM_LOG_DIRTY_PAGES);
	f->enable = now() - t;
	harvest(v);
}

static void round_bare(struct vm *v, unsigned r, struct figures *f)
{
	double t;

	f->dirty[r] = 0;
	f->pages = 0;
	f->pass[r] = guest_pass(v->vcpu, v->run, v->ring ? v : NULL, &f->dirty[r], f);
	t = now();
	f->pages += harvest(v);
	f->dirty[r] += now() - t;
	t = now();
	harvest(v);
	f->idle[r] = now() - t;
}

/* The same guest in a domain of tern-hv's, harvested with hv_logdirty_harvest. */
struct tern {
	struct hv_config cfg;
	struct hv_domain d;
	uint64_t nr_gfns;
	uint64_t *bitmap;
};

static void setup_tern(struct tern *x, uint64_t size, struct figures *f)
{
	double t;

	hv_config_init(&x->cfg);
	x->cfg.memory = size >> 20;
	if (hv_domain_create(&x->d, &x->cfg, 1) || hv_devices_init(&x->d))
		die("creating the domain");
	build_page_tables(x->d.mem.ram, size);
	set_guest_state(x->d.vcpus[0].fd, size);
	guest_pass(x->d.vcpus[0].fd, x->d.vcpus[0].run, NULL, &t, f);
	t = now();
	if (hv_logdirty_enable(&x->d))
		die("hv_logdirty_enable");
	f->enable = now() - t;
	x->nr_gfns = hv_logdirty_nr_gfns(&x->d);
	x->bitmap = malloc(HV_LOGDIRTY_BITMAP_BYTES(x->nr_gfns));
	if (!x->bitmap || hv_logdirty_harvest(&x->d, x->bitmap, x->nr_gfns, NULL))
		die("hv_logdirty_harvest");
}

static void round_tern(struct tern *x, unsigned r, struct figures *f)
{
	double t;

	f->pass[r] = guest_pass(x->d.vcpus[0].fd, x->d.vcpus[0].run, NULL, &t, f);
	t = now();
	if (hv_logdirty_harvest(&x->d, x->bitmap, x->nr_gfns, &f->pages))
		die("hv_logdirty_harvest");
	f->dirty[r] = now() - t;
	t = now();
	hv_logdirty_harvest(&x->d, x->bitmap, x->nr_gfns, NULL);
	f->idle[r] = now() - t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median and minimum of v[0..n) (sorts v). */
static void stats(double *v, unsigned n, double *med, double *min)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*min = v[0];
}

static void report(const char *what, struct figures *f, unsigned rounds, uint64_t size)
{
	double g = (double)GIB / (double)size, idle, idle_min, dirty, dirty_min, pass, pass_min;

	stats(f->idle, rounds, &idle, &idle_min);
	stats(f->dirty, rounds, &dirty, &dirty_min);
	stats(f->pass, rounds, &pass, &pass_min);
	printf("%-5s %6.2f ms | %6.1f us (%6.1f) | %6.2f ms (%6.2f) | %6.1f ms (%6.1f) | "
	       "%llu pages, %llu ring-full exits\n",
	       what, f->enable * 1e3 * g, idle * 1e6 * g, idle_min * 1e6 * g, dirty * 1e3 * g,
	       dirty_min * 1e3 * g, pass * 1e3 * g, pass_min * 1e3 * g,
	       (unsigned long long)f->pages, (unsigned long long)(f->ring_full / rounds));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "gib", required_argument, NULL, 'g' },
					      { "rounds", required_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	static struct figures f[3];
	static struct vm log_vm, ring_vm;
	static struct tern tern;
	unsigned long gib = 1, rounds = 5;
	sigset_t set;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'g')
			gib = strtoul(optarg, NULL, 10);
		else if (c == 'r')
			rounds = strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (gib < 1 || gib > 3 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: logdirty_bench [--gib 1-3] [--rounds 1-%d]\n", MAX_ROUNDS);
		return 2;
	}
	/* hv_domain_stop would signal this thread: keep that from killing it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	setup_bare(&log_vm, false, gib * GIB, &f[0]);
	setup_bare(&ring_vm, true, gib * GIB, &f[1]);
	setup_tern(&tern, gib * GIB, &f[2]);
	/* Interleaved, so that a busy host weighs on the three alike. */
	for (unsigned r = 0; r < rounds; r++) {
		round_bare(&log_vm, r, &f[0]);
		round_bare(&ring_vm, r, &f[1]);
		round_tern(&tern, r, &f[2]);
	}
	printf("%lu GiB, %lu rounds; per GiB, median (minimum)\n"
	       "what  enable    | idle harvest       | dirty harvest      | guest pass         |\n",
	       gib, rounds);
	report("log", &f[0], (unsigned)rounds, gib * GIB);
	report("ring", &f[1], (unsigned)rounds, gib * GIB);
	report("tern", &f[2], (unsigned)rounds, gib * GIB);
	return 0;
}
