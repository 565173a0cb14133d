/*
 * libFuzzer target for hv_load_kernel: every input is loaded as a kernel
 * image, without and with the hypercall patch, into one 64 MiB guest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmem.h"
#include "loader.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The guest outlives every input: creating 64 MiB of RAM per input would dominate. */
static struct hv_gmem gmem;

/*
 * The loader explains each rejected image on stderr; -close_fd_mask=2 keeps
 * that out of the fuzzer's output (libFuzzer and the sanitizers report on a
 * copy of stderr it makes first).  Added unless the command line sets it.
 */
static void quiet_stderr(int *argc, char ***argv)
{
	static char flag[] = "-close_fd_mask=2";
	static char **args; /* static: used until exit, and not a leak */

	for (int i = 1; i < *argc; i++)
		if (!strncmp((*argv)[i], "-close_fd_mask=", 15))
			return;
	args = calloc((size_t)*argc + 2, sizeof(*args));
	if (!args)
		return;
	memcpy(args, *argv, (size_t)*argc * sizeof(*args));
	args[(*argc)++] = flag;
	*argv = args;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (hv_gmem_init(&gmem, 64ULL << 20)) {
		fprintf(stderr, "fuzz_loader: cannot create guest memory\n");
		abort();
	}
	quiet_stderr(argc, argv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_kernel k;

	hv_load_kernel(&gmem, data, size, 0, &k);
	hv_load_kernel(&gmem, data, size, HV_LOAD_PATCH_HYPERCALLS, &k);
	return 0;
}
