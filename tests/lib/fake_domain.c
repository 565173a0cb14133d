#include "fake_domain.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "boot.h"

int fake_domain_init(struct fake_domain *f, uint64_t ram_mib, unsigned nr_vcpus)
{
	struct hv_domain *d = &f->d;
	sigset_t stop;
	int err;

	sigemptyset(&stop);
	sigaddset(&stop, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	hv_config_init(&f->cfg);
	f->cfg.memory = ram_mib;
	f->cfg.vcpus = nr_vcpus;
	err = hv_domain_init(d, &f->cfg, 1);
	if (err)
		return err;
	/* Without input the console cannot fail: destroy may always undo it. */
	hv_console_init(&d->console, STDOUT_FILENO, -1);
	err = hv_gmem_init(&d->mem, ram_mib << 20);
	d->vcpus = calloc(nr_vcpus, sizeof(*d->vcpus));
	if (!err && !d->vcpus)
		err = -ENOMEM;
	for (unsigned i = 0; !err && i < nr_vcpus; i++) {
		struct hv_vcpu *v = &d->vcpus[i];

		*v = (struct hv_vcpu){ .d = d, .id = i, .fd = -1 };
		v->run = calloc(1, sizeof(*v->run));
		d->nr_vcpus = i + 1;
		if (!v->run)
			err = -ENOMEM;
	}
	if (err) {
		fake_domain_destroy(f);
		return err;
	}
	d->vcpus[0].up = d->vcpus[0].initialised = true;
	d->nr_memmap = hv_boot_memmap(&d->mem, d->memmap, HV_MAX_MEMMAP);
	d->tsc_khz = FAKE_TSC_KHZ;
	err = hv_devices_init(d);
	if (err)
		fake_domain_destroy(f);
	return err;
}

void fake_domain_destroy(struct fake_domain *f)
{
	hv_devices_exit(&f->d);
	for (unsigned i = 0; i < f->d.nr_vcpus; i++) {
		free(f->d.vcpus[i].run);
		f->d.vcpus[i].run = NULL;
	}
	hv_console_destroy(&f->d.console);
	hv_domain_destroy(&f->d);
	hv_config_free(&f->cfg);
}
