/*
 * libFuzzer target for the device-state restore (hv_devices_restore and
 * every device's restore) on a fake domain with two vCPUs and a disk.
 *
 * At start, a busy domain is built and saved: ports of every kind, a grant
 * frame in a hole, a disk connected through its ring, the guest's xenstore
 * watch and open transaction.  Each input then restores, into a fresh
 * domain with that domain's memory, either
 *   - the input itself (first byte even), or
 *   - the saved state with the input's changes (first byte odd): cut to a
 *     length (bit 1 of the first byte, then a 32-bit length) and bytes
 *     XORed (5-byte entries: a 32-bit offset and a byte),
 * which reaches every check of every record.  A restore that succeeds is
 * unpaused, so that the restored devices run; one that fails is destroyed
 * paused, as tern-hv would.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device_state.h"
#include "fake_blkfront.h"
#include "fake_guest.h"
#include "fake_state.h"
#include "log.h"
#include "xenstore.h"

#define SHINFO_GFN 0x10ULL
#define RAM_MIB 4
#define HOLE_GFN 0x2000ULL /* above the RAM */

static char image[] = "/tmp/tern-fuzz-state.XXXXXX";
static char spec[96];
static struct hv_state_buf saved;
/* The busy domain's RAM pages that are not zero (a fresh domain's are). */
static struct page {
	uint64_t gpa;
	uint8_t bytes[HV_PAGE_SIZE];
} *pages;
static size_t nr_pages;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int domain_init(struct fake_domain *f)
{
	int err = fake_domain_init(f, RAM_MIB, 2);

	if (!err)
		f->d.console.out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return err ? err : fake_blkfront_set_disk(f, spec);
}

static void domain_destroy(struct fake_domain *f)
{
	close(f->d.console.out_fd);
	fake_domain_destroy(f);
}

/* The guest's xenstore traffic: a watch and a transaction left open. */
static void xenstore_traffic(struct fake_domain *f)
{
	struct xsd_sockmsg h = { .type = XS_WATCH, .req_id = 1, .len = 9 };
	char buf[64];

	fake_guest_xs_send(&f->d, &h, "data\0tok");
	fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf));
	fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf));
	h = (struct xsd_sockmsg){ .type = XS_TRANSACTION_START, .req_id = 2, .len = 1 };
	fake_guest_xs_send(&f->d, &h, "");
	fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf));
	h = (struct xsd_sockmsg){ .type = XS_WRITE, .req_id = 3, .tx_id = 1, .len = 8 };
	fake_guest_xs_send(&f->d, &h, "data/a\0v");
	fake_guest_xs_recv(&f->d, &h, buf, sizeof(buf));
	hv_xs_write(&f->d, "/local/domain/1/data/b", "dom0");
}

/* Ports of every kind besides the backends'. */
static void ports(struct hv_vcpu *v)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain i = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_virq virq = { .virq = VIRQ_TIMER, .vcpu = 1 };
	struct evtchn_bind_ipi ipi = { .vcpu = 1 };

	fake_guest_evtchn(v, EVTCHNOP_alloc_unbound, &a, sizeof(a));
	i.remote_port = a.port;
	fake_guest_evtchn(v, EVTCHNOP_bind_interdomain, &i, sizeof(i));
	fake_guest_evtchn(v, EVTCHNOP_bind_virq, &virq, sizeof(virq));
	fake_guest_evtchn(v, EVTCHNOP_bind_ipi, &ipi, sizeof(ipi));
	fake_guest_evtchn(v, EVTCHNOP_send, &(struct evtchn_send){ .port = ipi.port },
			  sizeof(struct evtchn_send));
}

/* The busy domain, saved: its state and its RAM. */
static void make_saved(void)
{
	struct fake_domain f;
	struct fake_blkfront fe;
	uint64_t id;
	int16_t status;

	if (domain_init(&f) || fake_guest_map_shared_info(&f.d.vcpus[0], SHINFO_GFN) ||
	    fake_blkfront_connect(&f.d, &fe, 51712))
		fatal("cannot build the busy domain");
	ports(&f.d.vcpus[0]);
	fake_guest_map_grant_frame(&f.d.vcpus[0], 1, HOLE_GFN);
	fake_blkfront_submit(&f.d, &fe, BLKIF_OP_READ, 0, 1, true);
	fake_blkfront_response(&f.d, &fe, &id, &status);
	xenstore_traffic(&f);
	if (fake_state_save(&f, &saved, NULL))
		fatal("cannot save the busy domain");
	for (uint64_t gpa = 0; gpa < f.d.mem.ram_size; gpa += HV_PAGE_SIZE) {
		const uint8_t *p = f.d.mem.ram + gpa;

		if (hv_state_zero(p, HV_PAGE_SIZE))
			continue;
		pages = realloc(pages, (nr_pages + 1) * sizeof(*pages));
		if (!pages)
			fatal("out of memory");
		pages[nr_pages].gpa = gpa;
		memcpy(pages[nr_pages++].bytes, p, HV_PAGE_SIZE);
	}
	domain_destroy(&f);
}

static void remove_image(void)
{
	unlink(image);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = mkstemp(image);

	(void)argc;
	(void)argv;
	if (fd < 0 || ftruncate(fd, 1 << 20) || close(fd))
		fatal("cannot make the disk image");
	atexit(remove_image);
	snprintf(spec, sizeof(spec), "vdev=xvda, target=%s", image);
	make_saved();
	return 0;
}

/* The saved state with the input's changes, in b. */
static void patched(const uint8_t *data, size_t size, struct hv_state_buf *b)
{
	size_t len = saved.len;
	uint32_t cut;

	hv_state_put(b, saved.data, saved.len);
	data++, size--;
	if ((data[-1] & 2) && size >= 4) {
		memcpy(&cut, data, 4);
		len = cut % (saved.len + 1);
		data += 4, size -= 4;
	}
	for (; size >= 5; data += 5, size -= 5) {
		uint32_t off;

		memcpy(&off, data, 4);
		b->data[off % saved.len] ^= data[4];
	}
	b->len = len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_state_buf b = { 0 };
	struct fake_domain f;
	int err;

	if (!size)
		return 0;
	if (data[0] & 1)
		patched(data, size, &b);
	else
		hv_state_put(&b, data + 1, size - 1);
	if (domain_init(&f))
		fatal("cannot build a domain");
	for (size_t i = 0; i < nr_pages; i++)
		memcpy(f.d.mem.ram + pages[i].gpa, pages[i].bytes, HV_PAGE_SIZE);
	hv_domain_pause(&f.d);
	err = hv_devices_restore(&f.d, b.data, b.len);
	if (!err)
		hv_domain_unpause(&f.d);
	domain_destroy(&f);
	free(b.data);
	return 0;
}
