/*
 * selftest: the xenstore client against the hypervisor's xenstore.  Reads
 * of the standard nodes, writes, directories, transactions (committed and
 * aborted), a watch that fires on a write, and a write the permissions
 * refuse.
 */
#include "console.h"
#include "lib.h"
#include "pvclock.h"
#include "selftest.h"
#include "x86.h"
#include "xs.h"

#define VALUE_MAX 128
#define LIST_MAX 512
#define EVENT_WAIT_NS 10000000000ULL
#define SILENCE_NS 100000000ULL
#define TOKEN "mini-selftest"
#define WATCHED "data/watched"

/* True if the NUL-separated list of len bytes holds name. */
static bool list_has(const char *list, long len, const char *name)
{
	for (long i = 0; i < len; i += (long)strlen(list + i) + 1)
		if (!memcmp(list + i, name, strlen(name) + 1))
			return true;
	return false;
}

static void check_reads(struct selftest *t)
{
	char name[VALUE_MAX], path[VALUE_MAX];
	uint64_t domid = 0, abs = 0;
	uint32_t cpuid_domid = cpuid(XEN_CPUID_LEAF(4), 0).ecx;
	long rc = xs_read(XBT_NIL, "name", name, sizeof(name)), rc2, rc3;

	st_checkf(t, rc > 0, "xenstore.read.name", "rc %ld", rc);
	if (rc > 0)
		kprintf("selftest: xenstore says the domain is \"%s\"\n", name);
	rc2 = xs_read_u64(XBT_NIL, "domid", &domid);
	fmt_snprintf(path, sizeof(path), "/local/domain/%u/domid", cpuid_domid);
	rc3 = xs_read_u64(XBT_NIL, path, &abs);
	st_checkf(t, rc2 == 0 && rc3 == 0 && domid == cpuid_domid && abs == domid,
		  "xenstore.read.domid", "rc %ld/%ld: domid %lu, %s %lu, CPUID %u", rc2, rc3, domid,
		  path, abs, cpuid_domid);
	st_expect(t, "xenstore.read.missing", xs_read(XBT_NIL, "data/none", name, sizeof(name)),
		  -XEN_ENOENT);
	st_expect(t, "xenstore.write.denied", xs_write(XBT_NIL, "/local/domain/0/mini", "x"),
		  -XEN_EACCES);
}

static void check_write_and_list(struct selftest *t)
{
	char want[VALUE_MAX], got[VALUE_MAX], list[LIST_MAX];
	long rc, rc2, len;

	fmt_snprintf(want, sizeof(want), "written at TSC %lu", rdtsc());
	rc = xs_write(XBT_NIL, "data/selftest", want);
	rc2 = xs_read(XBT_NIL, "data/selftest", got, sizeof(got));
	st_checkf(t, rc == 0 && rc2 >= 0 && !memcmp(got, want, strlen(want) + 1),
		  "xenstore.write_read", "write rc %ld, read rc %ld \"%s\"", rc, rc2,
		  rc2 >= 0 ? got : "");
	rc = xs_mkdir(XBT_NIL, "data/dir");
	len = xs_directory(XBT_NIL, "data", list, sizeof(list));
	st_checkf(t, rc == 0 && len > 0 && list_has(list, len, "selftest") &&
			     list_has(list, len, "dir"),
		  "xenstore.mkdir_directory", "mkdir rc %ld, directory rc %ld", rc, len);
	rc = xs_rm(XBT_NIL, "data/dir");
	rc2 = xs_directory(XBT_NIL, "data/dir", list, sizeof(list));
	st_checkf(t, rc == 0 && rc2 == -XEN_ENOENT, "xenstore.rm", "rm rc %ld, then directory %ld",
		  rc, rc2);
	len = xs_directory(XBT_NIL, "device", list, sizeof(list));
	st_checkf(t, len >= 0, "xenstore.directory.device", "rc %ld", len);
	for (long i = 0; i < len; i += (long)strlen(list + i) + 1)
		kprintf("selftest: device/%s\n", list + i);
}

/* A write inside a transaction shows outside only once committed; an abort drops it. */
static void check_transactions(struct selftest *t)
{
	char v[VALUE_MAX];
	uint32_t tx = 0;
	long start, wr, before, end, after;

	xs_rm(XBT_NIL, "data/tx");
	start = xs_transaction_start(&tx);
	wr = start ? start : xs_write(tx, "data/tx", "committed");
	before = xs_read(XBT_NIL, "data/tx", v, sizeof(v));
	end = start ? start : xs_transaction_end(tx, true);
	after = xs_read(XBT_NIL, "data/tx", v, sizeof(v));
	st_checkf(t, !start && !wr && before == -XEN_ENOENT && !end && after > 0 &&
			     !memcmp(v, "committed", 10),
		  "xenstore.transaction.commit", "start %ld, write %ld, read before %ld, end %ld, "
		  "read after %ld", start, wr, before, end, after);
	start = xs_transaction_start(&tx);
	wr = start ? start : xs_write(tx, "data/tx", "aborted");
	end = start ? start : xs_transaction_end(tx, false);
	after = xs_read(XBT_NIL, "data/tx", v, sizeof(v));
	st_checkf(t, !start && !wr && !end && after > 0 && !memcmp(v, "committed", 10),
		  "xenstore.transaction.abort", "start %ld, write %ld, end %ld, read %ld \"%s\"",
		  start, wr, end, after, after > 0 ? v : "");
}

/* Waits for the next event; true if it names path with TOKEN. */
static bool next_event(const char *path, uint64_t wait_ns, long *rc)
{
	char p[VALUE_MAX], tok[VALUE_MAX];

	*rc = xs_read_watch(p, sizeof(p), tok, sizeof(tok), xen_time_ns() + wait_ns);
	return *rc == 0 && !memcmp(p, path, strlen(path) + 1) && !memcmp(tok, TOKEN, sizeof(TOKEN));
}

static void check_watch(struct selftest *t)
{
	long rc = xs_watch(WATCHED, TOKEN), rc_first, rc_fire, rc_quiet;
	bool first = !rc && next_event(WATCHED, EVENT_WAIT_NS, &rc_first);
	bool fired = !rc && !xs_write(XBT_NIL, WATCHED, "1") &&
		     next_event(WATCHED, EVENT_WAIT_NS, &rc_fire);
	long rc_un = xs_unwatch(WATCHED, TOKEN);

	st_checkf(t, first && fired, "xenstore.watch", "watch rc %ld, first event %s, "
		  "event on write %s", rc, first ? "ok" : "missing", fired ? "ok" : "missing");
	xs_write(XBT_NIL, WATCHED, "2");
	next_event(WATCHED, SILENCE_NS, &rc_quiet);
	st_checkf(t, rc_un == 0 && rc_quiet == -XEN_ETIMEDOUT, "xenstore.unwatch",
		  "unwatch rc %ld, then %s", rc_un, rc_quiet ? "silence" : "an event");
	st_checkf(t, xs_watch_events_lost() == 0, "xenstore.events_kept", "%u events lost",
		  xs_watch_events_lost());
}

void st_xenstore(struct selftest *t)
{
	long rc = xs_init();

	st_checkf(t, rc == 0, "xenstore.init", "rc %ld", rc);
	if (rc)
		return;
	st_expect(t, "xenstore.reset_watches", xs_reset_watches(), 0);
	check_reads(t);
	check_write_and_list(t);
	check_transactions(t);
	check_watch(t);
}
