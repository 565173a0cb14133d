/*
 * Log-dirty tracking on real KVM domains running guests/mini, built in this
 * process with the code tern-hv runs (hv_domain_create, boot, devices,
 * vCPU threads), so that the test can harvest between the guest's steps:
 *
 *   guest_writes   mini dirty=8 rewrites a known region: (a) every page of
 *                  it is reported; (c) once the vCPUs are parked, a second
 *                  harvest reports none of it and nothing of the RAM nobody
 *                  touches, only the write-mapped pages, whose number it
 *                  prints; after the unpause the region is reported again.
 *   backend_writes (b) with the vCPUs parked, a grant copy (what the block
 *                  backend does for a read) into a page nobody else touches
 *                  is reported by the next harvest and not by the one after.
 *   precopy        a copier that starts with all memory and then copies
 *                  what each harvest reports, while mini runs blktest
 *                  (block reads land in granted pages, written only by the
 *                  backend) or its selftest, ends with a copy in which every
 *                  page that differs from the domain is reported by the next
 *                  harvest: nothing is lost.
 *
 * Exit status 77 (skipped) without a usable /dev/kvm, except under CI=true.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "boot.h"
#include "domain.h"
#include "gnttab.h"
#include "logdirty.h"

#define MIB (1ULL << 20)
#define PAGE HV_PAGE_SIZE
#define DIRTY_MIB 8
#define DISK_BYTES (8 * MIB)
#define MAX_WRITE_MAPPED 32
/* Grant table frame 1 (mini uses frame 0): entries 512 and up. */
#define TABLE_IDX 1
#define TABLE_REF 513

struct dom {
	struct hv_config cfg;
	struct hv_domain d;
	char dir[64];
	char console[96];
	int console_fd;
	bool created;
	bool vcpus_started;
};

struct bitmap {
	uint64_t *bits;
	uint64_t nr_gfns;
	uint64_t count;
};

/* A copy of the domain's memory, region by region (gmem's numbering). */
struct copy {
	uint8_t *region[HV_GMEM_MAX_REGIONS];
	uint64_t rounds, pages;
};

/* The tests' buffers, freed by teardown whether a test passes or not. */
static struct bitmap bitmap;
static struct copy copy;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void set(struct dom *m, const char *key, const char *value)
{
	char err[256];

	if (hv_config_set(&m->cfg, key, value, err, sizeof(err)))
		fail_msg("%s: %s", key, err);
}

/* Builds a domain running mini with cmdline, up to its vCPUs' start. */
static void dom_create(struct dom *m, const char *cmdline, const char *memory, bool disk)
{
	char kernel[512], spec[160], err[256];

	memset(m, 0, sizeof(*m));
	strcpy(m->dir, "/tmp/tern-logdirty.XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	hv_config_init(&m->cfg);
	snprintf(kernel, sizeof(kernel), "%s/guests/mini/mini", getenv("TERN_BUILD"));
	set(m, "kernel", kernel);
	set(m, "cmdline", cmdline);
	set(m, "memory", memory);
	if (disk) {
		int fd;

		snprintf(spec, sizeof(spec), "%s/disk.img", m->dir);
		fd = open(spec, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		assert_true(fd >= 0 && ftruncate(fd, DISK_BYTES) == 0);
		close(fd);
		snprintf(spec, sizeof(spec), "vdev=xvda,target=%s/disk.img", m->dir);
		set(m, "disk", spec);
	}
	if (hv_config_check(&m->cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
	assert_int_equal(hv_domain_create(&m->d, &m->cfg, 1), 0);
	m->created = true;
	snprintf(m->console, sizeof(m->console), "%s/console", m->dir);
	m->console_fd = open(m->console, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert_true(m->console_fd >= 0);
	assert_int_equal(hv_console_init(&m->d.console, m->console_fd, -1), 0);
	assert_int_equal(hv_boot_setup(&m->d), 0);
	assert_int_equal(hv_devices_init(&m->d), 0);
}

static void dom_run(struct dom *m)
{
	assert_int_equal(hv_vcpus_start(&m->d), 0);
	m->vcpus_started = true;
}

/* Stops the vCPUs; devices stay up (their state can still be read). */
static void dom_stop(struct dom *m)
{
	hv_domain_stop(&m->d, HV_STOP_DESTROY);
	if (m->vcpus_started)
		hv_vcpus_join(&m->d);
	m->vcpus_started = false;
}

/* Releases all of m, however far dom_create got. */
static void dom_free(struct dom *m)
{
	char path[128];

	if (!m->dir[0])
		return; /* dom_create never ran */
	if (m->created) {
		dom_stop(m);
		hv_devices_exit(&m->d);
		hv_console_destroy(&m->d.console);
		hv_domain_destroy(&m->d);
	}
	hv_config_free(&m->cfg);
	if (m->console_fd > 0)
		close(m->console_fd);
	unlink(m->console);
	snprintf(path, sizeof(path), "%s/disk.img", m->dir);
	unlink(path);
	rmdir(m->dir);
	memset(m, 0, sizeof(*m));
}

/* The console so far, NUL-terminated (caller frees). */
static char *console_text(struct dom *m)
{
	off_t size = lseek(m->console_fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)size + 1);

	assert_non_null(text);
	assert_int_equal(pread(m->console_fd, text, (size_t)size, 0), size);
	return text;
}

/* Lines of the console that start with prefix. */
static unsigned count_lines(struct dom *m, const char *prefix)
{
	char *text = console_text(m);
	unsigned n = 0;

	for (char *line = text; line && *line; line = strchr(line, '\n'), line += !!line)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	free(text);
	return n;
}

static void show_console(struct dom *m)
{
	char *text = console_text(m);

	print_message("--- guest console\n%s--- end\n", text);
	free(text);
}

static void wait_lines(struct dom *m, const char *prefix, unsigned count, unsigned secs)
{
	uint64_t end = now_ns() + secs * 1000000000ULL;

	while (count_lines(m, prefix) < count) {
		if (now_ns() > end) {
			show_console(m);
			fail_msg("fewer than %u lines starting with \"%s\" after %u s", count,
				 prefix, secs);
		}
		usleep(10000);
	}
}

static bool test_bit(const struct bitmap *b, uint64_t gfn)
{
	return gfn < b->nr_gfns && (b->bits[gfn / 64] >> (gfn % 64)) & 1;
}

static void harvest(struct dom *m, struct bitmap *b)
{
	b->nr_gfns = hv_logdirty_nr_gfns(&m->d);
	b->bits = realloc(b->bits, HV_LOGDIRTY_BITMAP_BYTES(b->nr_gfns));
	assert_non_null(b->bits);
	assert_int_equal(hv_logdirty_harvest(&m->d, b->bits, b->nr_gfns, &b->count), 0);
}

/* Fails if a frame of [first, end) is reported. */
static void expect_clean(const struct bitmap *b, uint64_t first, uint64_t end, const char *what)
{
	for (uint64_t g = first; g < end; g++)
		if (test_bit(b, g))
			fail_msg("%s: frame 0x%llx is reported", what, (unsigned long long)g);
}

static void expect_all(const struct bitmap *b, uint64_t first, uint64_t end, const char *what)
{
	for (uint64_t g = first; g < end; g++)
		if (!test_bit(b, g))
			fail_msg("%s: frame 0x%llx is not reported", what, (unsigned long long)g);
}

/* The region mini dirty rewrites, from its first line. */
static void dirty_region(struct dom *m, uint64_t *first, uint64_t *end)
{
	char *text, *line;
	unsigned long base = 0;
	unsigned extents = 0;

	wait_lines(m, "dirty: " "8 MiB of RAM from", 1, 60);
	text = console_text(m);
	line = strstr(text, "dirty: 8 MiB of RAM from");
	assert_int_equal(sscanf(line, "dirty: 8 MiB of RAM from 0x%lx (%u extent", &base, &extents),
			 2);
	free(text);
	assert_int_equal(extents, 1);
	*first = base / PAGE;
	*end = *first + DIRTY_MIB * MIB / PAGE;
}

/* Waits until mini has verified two more passes: one whole rewrite since. */
static void two_more_passes(struct dom *m)
{
	wait_lines(m, "dirty: pass", count_lines(m, "dirty: pass") + 2, 60);
}

static void guest_writes(void **state)
{
	struct dom *m = *state;
	struct bitmap *b = &bitmap;
	uint64_t first, end, ram_end;

	dom_create(m, "dirty=8", "256", false);
	dom_run(m);
	dirty_region(m, &first, &end);
	ram_end = hv_gmem_ram_end(&m->d.mem) / PAGE;
	assert_int_equal(hv_logdirty_enable(&m->d), 0);
	two_more_passes(m);
	harvest(m, b);
	expect_all(b, first, end, "(a) the region mini rewrites");
	expect_clean(b, end, ram_end, "(c) RAM nobody touches");

	hv_domain_pause(&m->d);
	harvest(m, b);
	harvest(m, b);
	expect_clean(b, first, ram_end, "(c) paused, after a harvest");
	print_message("paused: %llu pages reported (write-mapped):", (unsigned long long)b->count);
	for (uint64_t g = 0; g < b->nr_gfns; g++)
		if (test_bit(b, g))
			print_message(" 0x%llx", (unsigned long long)g);
	print_message("\n");
	assert_true(b->count <= MAX_WRITE_MAPPED);
	hv_domain_unpause(&m->d);

	two_more_passes(m);
	harvest(m, b);
	expect_all(b, first, end, "(a) after the unpause");
}

static void backend_writes(void **state)
{
	struct dom *m = *state;
	struct bitmap *b = &bitmap;
	uint64_t first, end, table, target;
	grant_entry_v1_t e = { .flags = GTF_permit_access, .domid = 0 };
	uint8_t data[PAGE];

	dom_create(m, "dirty=8", "256", false);
	dom_run(m);
	dirty_region(m, &first, &end);
	/* Two frames above the region, in RAM that mini leaves alone. */
	table = end + 16;
	target = end + 32;
	wait_lines(m, "dirty: pass", 2, 60);
	assert_int_equal(hv_logdirty_enable(&m->d), 0);
	hv_domain_pause(&m->d);
	assert_int_equal(hv_gnttab_add_frame(&m->d, TABLE_IDX, table), 0);
	e.frame = (uint32_t)target;
	assert_int_equal(hv_gmem_write(&m->d.mem, table * PAGE + (TABLE_REF % 512) * sizeof(e),
				       &e, sizeof(e)), 0);
	harvest(m, b);
	expect_clean(b, target, target + 1, "(b) before the copy");

	memset(data, 0x5a, sizeof(data));
	assert_int_equal(hv_gnttab_copy_to(&m->d, TABLE_REF, 0, data, sizeof(data)), 0);
	harvest(m, b);
	expect_all(b, target, target + 1, "(b) a page the backend wrote");
	harvest(m, b);
	expect_clean(b, target, target + 1, "(b) the harvest after");
	hv_domain_unpause(&m->d);
}

static unsigned nr_regions(struct dom *m)
{
	return atomic_load_explicit(&m->d.mem.nr_regions, memory_order_acquire);
}

/* Copies the pages b reports (all pages of regions new to c). */
static void copy_reported(struct dom *m, struct copy *c, const struct bitmap *b)
{
	for (unsigned i = 0; i < nr_regions(m); i++) {
		const struct hv_gmem_region *r = &m->d.mem.regions[i];
		bool all = !c->region[i];

		if (all)
			assert_non_null(c->region[i] = malloc(r->size));
		for (uint64_t p = 0; p < r->size / PAGE; p++) {
			if (!all && !test_bit(b, r->gpa / PAGE + p))
				continue;
			memcpy(c->region[i] + p * PAGE, r->host + p * PAGE, PAGE);
			c->pages++;
		}
	}
	c->rounds++;
}

/* Fails if b reports a frame that is not backed. */
static void expect_backed(struct dom *m, const struct bitmap *b)
{
	for (uint64_t g = 0; g < b->nr_gfns; g++)
		if (test_bit(b, g) && !hv_gmem_is_backed(&m->d.mem, g * PAGE))
			fail_msg("frame 0x%llx is reported and not backed", (unsigned long long)g);
}

/*
 * After the last round: every page where the copy and the domain differ
 * must be reported by the next harvest.  Returns how many differed.
 */
static uint64_t check_copy(struct dom *m, struct copy *c, uint64_t *nr_next)
{
	uint64_t differ = 0;
	struct bitmap next = { 0 };

	harvest(m, &next);
	for (unsigned i = 0; i < nr_regions(m); i++) {
		const struct hv_gmem_region *r = &m->d.mem.regions[i];

		assert_non_null(c->region[i]);
		for (uint64_t p = 0; p < r->size / PAGE; p++) {
			if (!memcmp(c->region[i] + p * PAGE, r->host + p * PAGE, PAGE))
				continue;
			differ++;
			if (!test_bit(&next, r->gpa / PAGE + p))
				fail_msg("frame 0x%llx changed and is not reported",
					 (unsigned long long)(r->gpa / PAGE + p));
		}
	}
	free(next.bits);
	*nr_next = next.count;
	return differ;
}

static bool stopped(struct dom *m)
{
	bool s;

	pthread_mutex_lock(&m->d.lock);
	s = m->d.stop != HV_STOP_NONE;
	pthread_mutex_unlock(&m->d.lock);
	return s;
}

/* Runs mini with cmdline under a copier; the guest must print success. */
static void precopy_with(struct dom *m, const char *cmdline, const char *success)
{
	struct copy *c = &copy;
	struct bitmap *b = &bitmap;
	uint64_t end = now_ns() + 120 * 1000000000ULL, differ, next;
	char *text;

	dom_create(m, cmdline, "64", true);
	assert_int_equal(hv_logdirty_enable(&m->d), 0);
	copy_reported(m, c, b); /* round 0: all of it */
	dom_run(m);
	while (!stopped(m) && now_ns() < end) {
		harvest(m, b);
		expect_backed(m, b);
		copy_reported(m, c, b);
		usleep(2000);
	}
	dom_stop(m);
	text = console_text(m);
	if (!strstr(text, success)) {
		show_console(m);
		fail_msg("%s: no \"%s\" on the console", cmdline, success);
	}
	free(text);
	harvest(m, b);
	copy_reported(m, c, b);
	differ = check_copy(m, c, &next);
	print_message("precopy %s: %llu rounds, %llu pages copied; at the end %llu pages "
		      "differ, all reported by the next harvest (%llu pages)\n", cmdline,
		      (unsigned long long)c->rounds, (unsigned long long)c->pages,
		      (unsigned long long)differ, (unsigned long long)next);
}

static void precopy_blktest(void **state)
{
	precopy_with(*state, "blktest", "blktest: 8 MiB verified");
}

static void precopy_selftest(void **state)
{
	precopy_with(*state, "selftest", " passed, 0 failed");
}

/* Gives each test the domain (and the buffers teardown frees). */
static int setup(void **state)
{
	static struct dom dom;

	memset(&dom, 0, sizeof(dom));
	*state = &dom;
	return 0;
}

static int teardown(void **state)
{
	dom_free(*state);
	free(bitmap.bits);
	memset(&bitmap, 0, sizeof(bitmap));
	for (unsigned i = 0; i < HV_GMEM_MAX_REGIONS; i++)
		free(copy.region[i]);
	memset(&copy, 0, sizeof(copy));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(guest_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(backend_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(precopy_blktest, setup, teardown),
		cmocka_unit_test_setup_teardown(precopy_selftest, setup, teardown),
	};
	sigset_t set;

	if (access("/dev/kvm", R_OK | W_OK)) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true")) {
			fprintf(stderr, "FAIL: /dev/kvm is missing or not writable (CI=true)\n");
			return 1;
		}
		fprintf(stderr, "SKIP: no usable /dev/kvm\n");
		return 77;
	}
	/* As tern-hv: the stop notice and the vCPU kick reach only their threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
