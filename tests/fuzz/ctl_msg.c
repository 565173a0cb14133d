/*
 * libFuzzer target for the control protocol's readers (hv/ctl_proto.c,
 * hv/ctl_vcpu.c): messages as tern-hv or a client would receive them.
 *
 * Input: messages back to back, each a direction byte (bit 0: 0 from a
 * client, 1 from the server), a struct hv_ctl_hdr and as many payload
 * bytes as the header says (or the rest of the input, if it is shorter:
 * that message is then only header-checked).  A header that
 * hv_ctl_check_hdr accepts is handed to every typed reader, its own and
 * all the others, which must refuse what is not theirs.  Whatever a
 * reader accepts must satisfy what the reader promises; a vCPU state must
 * come back the same through encode and decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What an accepted vCPU state must do: encode, and decode to the same. */
static void vcpu_round_trip(const struct hv_vcpu_state *s, unsigned vcpu)
{
	static struct hv_ctl_vcpu w, w2;
	static struct hv_vcpu_state s2;

	if (hv_ctl_vcpu_encode(s, vcpu, &w) || hv_ctl_vcpu_decode(&w, &s2) ||
	    hv_ctl_vcpu_encode(&s2, vcpu, &w2) || memcmp(&w, &w2, sizeof(w)))
		abort();
}

static void read_all(const struct hv_ctl_hdr *h, const uint8_t *p)
{
	union {
		struct hv_ctl_hello hello;
		struct hv_ctl_info info;
		struct hv_ctl_shutdown shutdown;
		struct hv_ctl_memory memory;
		struct hv_ctl_populate populate;
		struct hv_ctl_vcpu_id id;
		struct hv_ctl_dirty dirty;
		struct hv_ctl_harvest harvest;
		struct hv_ctl_stopped stopped;
	} u;
	static struct hv_vcpu_state s;
	char text[HV_CTL_MAX_ERROR];
	const uint8_t *blob;
	unsigned vcpu;
	size_t len;

	hv_ctl_read_hello(h, p, &u.hello);
	if (!hv_ctl_read_info(h, p, &u.info) && !memchr(u.info.name, 0, sizeof(u.info.name)))
		abort();
	hv_ctl_read_shutdown(h, p, &u.shutdown);
	if (!hv_ctl_read_memory(h, p, &u.memory) &&
	    (!u.memory.nr_regions || u.memory.nr_regions > HV_CTL_MAX_REGIONS))
		abort();
	if (!hv_ctl_read_populate(h, p, &u.populate) && u.populate.count > HV_CTL_MAX_POPULATE)
		abort();
	hv_ctl_read_vcpu_id(h, p, &u.id);
	hv_ctl_read_dirty(h, p, &u.dirty);
	hv_ctl_read_harvest(h, p, &u.harvest);
	hv_ctl_read_stopped(h, p, &u.stopped);
	if (!hv_ctl_read_vcpu(h, p, &vcpu, &s))
		vcpu_round_trip(&s, vcpu);
	if (!hv_ctl_read_error(h, p, text, sizeof(text)) && strlen(text) + 1 != h->len)
		abort();
	if (!hv_ctl_read_blob(h, p, &blob, &len) && (len != h->len || len % 8))
		abort();
	hv_ctl_read_empty(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size > sizeof(struct hv_ctl_hdr)) {
		enum hv_ctl_dir dir = data[0] & 1 ? HV_CTL_FROM_SERVER : HV_CTL_FROM_CLIENT;
		struct hv_ctl_hdr h;
		uint8_t *p;

		memcpy(&h, data + 1, sizeof(h));
		data += 1 + sizeof(h);
		size -= 1 + sizeof(h);
		if (hv_ctl_check_hdr(&h, dir) || h.len > size)
			continue;
		/* A copy of exactly h.len bytes, so that ASan sees any overread. */
		p = malloc(h.len ? h.len : 1);
		if (!p)
			abort();
		memcpy(p, data, h.len);
		read_all(&h, p);
		free(p);
		data += h.len;
		size -= h.len;
	}
	return 0;
}
