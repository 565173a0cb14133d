#include "fake_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform_state.h"

/* See the header: every test of a restore needs the platform device. */
const struct hv_device *const fake_state_platform = &hv_platform_device;

int fake_state_save(struct fake_domain *src, struct hv_state_buf *out, struct fake_domain *dst)
{
	int err;

	hv_domain_pause(&src->d);
	err = hv_devices_save(&src->d, out);
	if (!err && dst)
		err = fake_state_copy_memory(dst, src);
	hv_domain_unpause(&src->d);
	return err;
}

int fake_state_copy_memory(struct fake_domain *dst, struct fake_domain *src)
{
	struct hv_gmem *from = &src->d.mem, *to = &dst->d.mem;
	uint8_t page[HV_PAGE_SIZE];

	if (from->ram_size != to->ram_size)
		return -EINVAL;
	memcpy(to->ram, from->ram, from->ram_size);
	for (unsigned i = 0; i < from->nr_regions; i++) {
		const struct hv_gmem_region *r = &from->regions[i];

		for (uint64_t gpa = r->gpa; !r->ram && gpa < r->gpa + r->size;
		     gpa += HV_PAGE_SIZE) {
			int err = hv_gmem_add_frame(to, gpa >> HV_PAGE_SHIFT);

			if (!err)
				err = hv_gmem_read(from, gpa, page, sizeof(page));
			if (!err)
				err = hv_gmem_write(to, gpa, page, sizeof(page));
			if (err)
				return err;
		}
	}
	return 0;
}

int fake_state_restore(struct fake_domain *f, const uint8_t *blob, size_t len)
{
	int err;

	hv_domain_pause(&f->d);
	err = hv_devices_restore(&f->d, blob, len);
	hv_domain_unpause(&f->d);
	return err;
}

int fake_state_transfer(struct fake_domain *dst, struct fake_domain *src)
{
	struct hv_state_buf b = { 0 };
	int err = fake_state_save(src, &b, dst);

	if (!err)
		err = fake_state_restore(dst, b.data, b.len);
	free(b.data);
	return err;
}

/* The record at off: its header, and where the next one starts. */
static int record_at(const uint8_t *blob, size_t len, size_t off, struct hv_state_record *r,
		     size_t *next)
{
	if (len - off < sizeof(*r))
		return -EINVAL;
	memcpy(r, blob + off, sizeof(*r));
	*next = off + sizeof(*r) + ((r->len + 7ULL) & ~7ULL);
	return *next <= len ? 0 : -EINVAL;
}

int fake_state_find(const uint8_t *blob, size_t len, uint32_t id, size_t *off,
		    uint32_t *body_len)
{
	struct hv_state_record r;
	size_t next;

	for (size_t at = 0; at < len && !record_at(blob, len, at, &r, &next); at = next) {
		if (r.id == id) {
			*off = at + sizeof(r);
			*body_len = r.len;
			return 0;
		}
	}
	return -ENOENT;
}

uint8_t *fake_state_body(const struct hv_state_buf *blob, uint32_t id, uint32_t *len)
{
	uint8_t *body;
	size_t off;

	if (fake_state_find(blob->data, blob->len, id, &off, len))
		return NULL;
	body = calloc(1, *len + 1);
	if (body)
		memcpy(body, blob->data + off, *len);
	return body;
}

int fake_state_replace(const uint8_t *blob, size_t len, uint32_t id, uint32_t version,
		       const void *body, size_t body_len, struct hv_state_buf *out)
{
	static const uint8_t zeros[8];
	struct hv_state_record r;
	size_t next;
	int err = 0;

	*out = (struct hv_state_buf){ 0 };
	for (size_t at = 0; !err && at < len; at = next) {
		err = record_at(blob, len, at, &r, &next);
		if (err || r.id != id) {
			err = err ? err : hv_state_put(out, blob + at, next - at);
			continue;
		}
		r.version = version;
		r.len = (uint32_t)body_len;
		err = hv_state_put(out, &r, sizeof(r));
		if (!err)
			err = hv_state_put(out, body, body_len);
		if (!err)
			err = hv_state_put(out, zeros, (8 - body_len % 8) % 8);
	}
	return err;
}

const struct hv_device *fake_state_device(struct fake_domain *f, uint32_t id)
{
	for (unsigned i = 0; i < f->d.nr_devices_up; i++)
		if (f->d.devices[i]->save && f->d.devices[i]->state_id == id)
			return f->d.devices[i];
	return NULL;
}

int fake_state_restore_before(struct fake_domain *f, const uint8_t *blob, size_t len,
			      uint32_t id)
{
	struct hv_state_record r;
	size_t next;
	int err = 0;

	for (size_t at = 0; !err && at < len; at = next) {
		const struct hv_device *dev;

		err = record_at(blob, len, at, &r, &next);
		if (err || r.id == id)
			break;
		dev = fake_state_device(f, r.id);
		err = dev ? dev->restore(&f->d, r.version, blob + at + sizeof(r), r.len) : -ENOENT;
	}
	return err;
}
