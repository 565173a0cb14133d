#include "savefile.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>

/* On disk: magic[8], le32 version, le32 config_len, 8 bytes reserved (0). */
struct savefile_hdr {
	char magic[8];
	uint32_t version;
	uint32_t config_len;
	uint32_t domid;
	uint8_t reserved[4];
};
_Static_assert(sizeof(struct savefile_hdr) == MIG_SAVE_HDR_SIZE, "savefile_hdr");

static size_t padded(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

int mig_savefile_header(const char *config, size_t len, uint32_t domid, uint8_t **out,
			size_t *out_len)
{
	struct savefile_hdr h = { .version = htole32(MIG_SAVE_VERSION),
				  .config_len = htole32((uint32_t)len), .domid = htole32(domid) };
	size_t total = sizeof(h) + padded(len);
	uint8_t *buf;

	if (!len || len > MIG_SAVE_CONFIG_MAX || memchr(config, '\0', len) || !domid)
		return -EINVAL;
	buf = calloc(1, total);
	if (!buf)
		return -ENOMEM;
	memcpy(h.magic, MIG_SAVE_MAGIC, sizeof(h.magic));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), config, len);
	*out = buf;
	*out_len = total;
	return 0;
}

int mig_savefile_parse(const uint8_t *buf, size_t avail, struct mig_savefile *f, size_t *need)
{
	static const uint8_t zero[8];
	struct savefile_hdr h;
	size_t len, total;

	if (avail < sizeof(h)) {
		*need = sizeof(h);
		return -EAGAIN;
	}
	memcpy(&h, buf, sizeof(h));
	len = le32toh(h.config_len);
	if (memcmp(h.magic, MIG_SAVE_MAGIC, sizeof(h.magic)) ||
	    le32toh(h.version) != MIG_SAVE_VERSION || memcmp(h.reserved, zero, sizeof(h.reserved)) ||
	    !len || len > MIG_SAVE_CONFIG_MAX || !h.domid || le32toh(h.domid) >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	total = sizeof(h) + padded(len);
	if (avail < total) {
		*need = total;
		return -EAGAIN;
	}
	if (memchr(buf + sizeof(h), '\0', len) || memcmp(buf + sizeof(h) + len, zero, total -
							  sizeof(h) - len))
		return -EINVAL;
	f->config = (const char *)buf + sizeof(h);
	f->config_len = len;
	f->stream_offset = total;
	f->domid = le32toh(h.domid);
	return 0;
}
