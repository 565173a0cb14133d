/* __HYPERVISOR_console_io: the guest's emergency console. */
#include <stdint.h>
#include <xen/xen.h>

#include "domain.h"
#include "hypercall.h"

#define CHUNK 4096

/* Checks the whole buffer first, so that a bad one prints nothing. */
static long console_write(struct hv_vcpu *v, uint64_t count, uint64_t va)
{
	uint8_t buf[CHUNK];

	if (hv_guest_range_ok(v, va, count, false))
		return -XEN_EFAULT;
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < CHUNK ? (size_t)(count - done) : CHUNK;

		if (hv_copy_from_guest(v, buf, va + done, n))
			return -XEN_EFAULT;
		hv_console_write(&v->d->console, buf, n);
		done += n;
	}
	return 0;
}

static long console_read(struct hv_vcpu *v, uint64_t count, uint64_t va)
{
	uint8_t buf[CHUNK];
	size_t n;

	if (count > CHUNK)
		count = CHUNK;
	if (hv_guest_range_ok(v, va, count, true))
		return -XEN_EFAULT;
	n = hv_console_read(&v->d->console, buf, count);
	if (hv_copy_to_guest(v, va, buf, n))
		return -XEN_EFAULT;
	return (long)n;
}

long hv_hc_console_io(struct hv_vcpu *v, const struct hv_hcall *c)
{
	switch ((uint32_t)c->arg[0]) {
	case CONSOLEIO_write:
		return console_write(v, (uint32_t)c->arg[1], c->arg[2]);
	case CONSOLEIO_read:
		return console_read(v, (uint32_t)c->arg[1], c->arg[2]);
	default:
		return hv_hcall_unknown(v, __HYPERVISOR_console_io, c->arg[0]);
	}
}
