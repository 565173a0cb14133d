/*
 * Paravirtual bring-up.
 */
#include "console.h"
#include "console_ring.h"
#include "cpu.h"
#include "evtchn.h"
#include "gnttab.h"
#include "hcall.h"
#include "kernel.h"
#include "lapic.h"
#include "paging.h"
#include "power.h"
#include "pv.h"
#include "shinfo.h"
#include "xs.h"

/* shared_info's and the grant table's frames, in RAM. */
static uint8_t shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t grant_table_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

long pv_cpu_init(struct cpu *c)
{
	long rc;

	if (!lapic_init())
		return -XEN_ENODEV;
	rc = c->vcpu_info ? 0 : shinfo_register_vcpu_info(c);
	return rc ? rc : evtchn_init_cpu(c);
}

long pv_find_ring(uint32_t pfn_param, uint32_t evtchn_param, void **page, evtchn_port_t *port)
{
	uint64_t pfn, evtchn;
	long rc = hvm_get_param(pfn_param, &pfn);

	if (!rc)
		rc = hvm_get_param(evtchn_param, &evtchn);
	if (rc)
		return rc;
	if (!pfn || !evtchn || evtchn >= EVTCHN_MAX_PORTS || !paging_map(pfn * PAGE_SIZE, PAGE_SIZE))
		return -XEN_EINVAL;
	*port = (evtchn_port_t)evtchn;
	*page = (void *)(uintptr_t)(pfn * PAGE_SIZE);
	evtchn_bind(*port, 0, NULL, NULL);
	return 0;
}

/* Crashes the domain with a message if rc is an error. */
static void need(long rc, const char *what)
{
	if (rc == 0)
		return;
	kprintf("mini: %s failed: %ld\n", what, rc);
	power_crash();
}

void pv_init(struct kernel *k)
{
	if (!xen_present()) {
		kprintf("mini: this mode needs Xen\n");
		power_crash();
	}
	need(shinfo_map((uintptr_t)shared_info_page / PAGE_SIZE), "placing shared_info");
	need(pv_cpu_init(k->bsp), "setting up events on vCPU 0");
	need(gnttab_set_v1(), "grant table version 1");
	need(gnttab_place(0, (uintptr_t)grant_table_page / PAGE_SIZE), "placing the grant table");
	need(console_ring_init(), "finding the console ring");
	need(xs_init(), "finding xenstore");
}
