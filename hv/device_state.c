#include "device_state.h"

#include <errno.h>
#include <string.h>

void hv_state_in_init(struct hv_state_in *in, const void *body, size_t len)
{
	*in = (struct hv_state_in){ .p = body, .len = len };
}

const uint8_t *hv_state_take(struct hv_state_in *in, size_t n)
{
	const uint8_t *p;

	if (n > in->len - in->off)
		return NULL;
	p = in->p + in->off;
	in->off += n;
	return p;
}

int hv_state_get(struct hv_state_in *in, void *out, size_t n)
{
	const uint8_t *p = hv_state_take(in, n);

	if (!p)
		return -EINVAL;
	if (n)
		memcpy(out, p, n);
	return 0;
}

const char *hv_state_get_str(struct hv_state_in *in, size_t max)
{
	uint32_t len;
	const char *s;

	if (hv_state_get(in, &len, sizeof(len)) || len == 0 || len - 1 > max)
		return NULL;
	s = (const char *)hv_state_take(in, len);
	if (!s || memchr(s, '\0', len) != s + len - 1)
		return NULL;
	return s;
}

int hv_state_in_end(const struct hv_state_in *in)
{
	return in->off == in->len ? 0 : -EINVAL;
}

bool hv_state_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int hv_state_put_str(struct hv_state_buf *out, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t len = (uint32_t)n;
	int err;

	if (n > UINT32_MAX)
		return -E2BIG;
	err = hv_state_put(out, &len, sizeof(len));
	return err ? err : hv_state_put(out, s, n);
}
