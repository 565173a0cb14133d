/*
 * libFuzzer target for the guest's xenstore ring (hv/xs_ring.c): a guest
 * that sets any field of the ring page at any time, produces request bytes
 * and consumes replies, against the server's passes.
 *
 * Input: steps, each an operation byte and its operands.  Operation % 4:
 * 0 sets a 32-bit field (next byte: which of req_cons, req_prod, rsp_cons,
 * rsp_prod, server_features, connection, error; then 4 bytes, little
 * endian); 1 produces request bytes (next byte: how many, then the bytes)
 * at req_prod; 2 consumes every reply; 3 runs a server pass.  A pass must
 * leave the request array and the rest of the page past the interface
 * alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "fake_domain.h"
#include "log.h"
#include "xs_ring.h"

#define GPA (HV_XENSTORE_GFN << HV_PAGE_SHIFT)

static struct fake_domain f;
static struct xenstore_domain_interface *page;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fake_domain_init(&f, 16, 1) || hv_gmem_add_frame(&f.d.mem, HV_XENSTORE_GFN))
		fatal("cannot build the fuzzing domain");
	page = hv_gmem_map(&f.d.mem, GPA, HV_PAGE_SIZE, true);
	if (!page)
		fatal("cannot map the xenstore page");
	return 0;
}

static uint32_t *field(unsigned which)
{
	uint32_t *fields[] = { &page->req_cons, &page->req_prod, &page->rsp_cons,
			       &page->rsp_prod, &page->server_features, &page->connection,
			       &page->error };

	return fields[which % (sizeof(fields) / sizeof(fields[0]))];
}

static void produce(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		page->req[MASK_XENSTORE_IDX(page->req_prod + i)] = (char)p[i];
	page->req_prod += (uint32_t)n;
}

/* A server pass, checking what it may not touch. */
static void pass(struct xs_ring *r)
{
	static uint8_t before[HV_PAGE_SIZE];
	const uint8_t *raw = (const uint8_t *)page;
	size_t end = sizeof(*page);

	memcpy(before, page, HV_PAGE_SIZE);
	xs_ring_service(r);
	if (memcmp(raw, before, sizeof(page->req)) ||
	    memcmp(raw + end, before + end, HV_PAGE_SIZE - end))
		abort();
}

/* Runs one step at data; returns the bytes it used (0: input ends). */
static size_t step(struct xs_ring *r, const uint8_t *data, size_t size)
{
	uint32_t v;

	switch (data[0] % 4) {
	case 0:
		if (size < 6)
			return 0;
		memcpy(&v, data + 2, 4);
		*field(data[1]) = v;
		return 6;
	case 1:
		if (size < 2 || size - 2 < data[1])
			return 0;
		produce(data + 2, data[1]);
		return 2 + (size_t)data[1];
	case 2:
		page->rsp_cons = page->rsp_prod;
		return 1;
	default:
		pass(r);
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_server s;
	struct xs_conn guest;
	struct xs_ring r;
	struct xs_perms p;
	size_t used;

	if (xs_server_init(&s, &f.d, 1) || xs_perms_parse(&p, "n1", 1))
		fatal("cannot build the fuzzing store");
	xs_tree_put(&s.tree, "/local/domain/1/data", "", 0, &p);
	free(p.v);
	xs_conn_init(&guest, &s, &(struct xs_caller){ .domid = 1 });
	s.guest = &guest;
	s.guest_introduced = true;
	if (xs_ring_init(&r, &f.d.mem, GPA, &guest))
		fatal("cannot set up the ring");
	while (size && (used = step(&r, data, size))) {
		data += used;
		size -= used;
	}
	pass(&r);
	xs_server_destroy(&s);
	return 0;
}
