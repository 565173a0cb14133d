/*
 * libFuzzer target for ternd's state-file parser (migrated/dom_state.c):
 * any bytes as a state file.  A file it accepts is written back and read
 * again into the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dom_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int differ(const struct mig_dom_record *a, const struct mig_dom_record *b)
{
	return a->domid != b->domid || a->state != b->state || a->reason != b->reason ||
	       a->pid != b->pid || a->pid_start != b->pid_start ||
	       strcmp(a->boot_id, b->boot_id) || a->started != b->started ||
	       a->vcpus != b->vcpus || a->memory != b->memory;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_dom_record a, b;
	char text[MIG_DOM_STATE_MAX];
	int n;

	if (mig_dom_state_parse((const char *)data, size, &a))
		return 0;
	n = mig_dom_state_format(&a, text, sizeof(text));
	if (n < 0 || mig_dom_state_parse(text, (size_t)n, &b) || differ(&a, &b))
		abort();
	return 0;
}
