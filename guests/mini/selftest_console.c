/*
 * selftest: the PV console ring.  From the first check on, the selftest's
 * own output goes through the ring.  Input is checked only when the
 * selftest runs as "selftest=interactive": it then waits for a line.
 */
#include "console.h"
#include "console_ring.h"
#include "evtchn.h"
#include "lib.h"
#include "pvclock.h"
#include "selftest.h"

#define INPUT_WAIT_NS 10000000000ULL
#define LINE_MAX 64

struct line {
	char text[LINE_MAX];
	size_t len;
};

/* Reads input into the line; true once it ends with a newline or is full. */
static bool read_line(void *arg)
{
	struct line *l = arg;

	l->len += console_ring_read(l->text + l->len, sizeof(l->text) - 1 - l->len);
	return l->len == sizeof(l->text) - 1 ||
	       (l->len && (l->text[l->len - 1] == '\n' || l->text[l->len - 1] == '\r'));
}

static void check_input(struct selftest *t)
{
	struct line l = { .len = 0 };
	bool got;

	kprintf("selftest: type a line within %llu s\n", INPUT_WAIT_NS / 1000000000ULL);
	got = evtchn_wait(console_ring_port(), read_line, &l, xen_time_ns() + INPUT_WAIT_NS);
	while (l.len && (l.text[l.len - 1] == '\n' || l.text[l.len - 1] == '\r'))
		l.len--;
	l.text[l.len] = '\0';
	st_checkf(t, got, "console.ring.input", "got \"%s\" (%zu bytes) before the time ran out",
		  l.text, l.len);
	if (got)
		kprintf("selftest: read \"%s\" from the console\n", l.text);
}

void st_console_ring(struct selftest *t)
{
	long rc = console_ring_init();
	bool drained;

	st_checkf(t, rc == 0, "console.ring.init", "rc %ld", rc);
	if (rc)
		return;
	kprintf("selftest: this line went through the console ring (port %u)\n",
		console_ring_port());
	drained = console_ring_flush();
	st_checkf(t, drained, "console.ring.output", "the backend left output in the ring");
	if (t->interactive)
		check_input(t);
}
