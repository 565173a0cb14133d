/*
 * The pre-copy policy: after each harvest, keep copying with the domain
 * running, or pause it and send the rest, or give up.  A pure function of
 * the statistics, so that tests can drive it with any history.
 */
#include "sr_int.h"

const struct sr_policy sr_policy_default = {
	.downtime_ns = 30000000,
	.max_rounds = 30,
	.max_stalled = 5,
	.abort_if_stuck = false,
};

/* How long sending pages would take at the last round's rate, or -1. */
static double estimate_ns(const struct sr_round_stats *s, uint64_t pages)
{
	if (s->round_bytes == 0 || s->round_ns == 0)
		return -1;
	return (double)pages * SR_PAGE_SIZE * (double)s->round_ns / (double)s->round_bytes;
}

enum sr_decision sr_policy_decide(const struct sr_policy *p, const struct sr_round_stats *s)
{
	double eta;

	if (s->dirty_pages == 0)
		return SR_STOP_COPY;
	eta = estimate_ns(s, s->dirty_pages);
	if (eta >= 0 && eta <= (double)p->downtime_ns)
		return SR_STOP_COPY;
	if (s->round > p->max_rounds || s->stalled_rounds >= p->max_stalled)
		return p->abort_if_stuck ? SR_ABORT : SR_STOP_COPY;
	return SR_CONTINUE;
}
