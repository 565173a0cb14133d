#include "xs_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xs_txn.h"
#include "xs_watch.h"
#include "xs_wire.h"

static const char *const special_names[XS_NR_SPECIAL] = {
	[XS_SPECIAL_INTRODUCE] = "@introduceDomain",
	[XS_SPECIAL_RELEASE] = "@releaseDomain",
};

const char *xs_special_name(enum xs_special s)
{
	return special_names[s];
}

int xs_server_init(struct xs_server *s, struct hv_domain *d, uint16_t guest)
{
	static const struct xs_perm dom0_only = { .domid = 0, .access = XS_PERM_NONE };
	const struct xs_perms perms = { .v = (struct xs_perm *)&dom0_only, .n = 1 };
	int err;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->quota = XS_QUOTA_DEFAULT;
	s->callbacks_tail = &s->callbacks;
	err = xs_tree_init(&s->tree, guest);
	for (unsigned i = 0; !err && i < XS_NR_SPECIAL; i++)
		err = xs_perms_copy(&s->special[i], &perms);
	if (err) {
		xs_server_destroy(s);
		return err;
	}
	xs_conn_init(&s->internal, s, &(struct xs_caller){ .domid = 0, .priv = true });
	return 0;
}

void xs_server_destroy(struct xs_server *s)
{
	while (s->conns)
		xs_conn_remove(s->conns);
	while (s->callbacks) {
		struct xs_callback *cb = s->callbacks;

		s->callbacks = cb->next;
		free(cb);
	}
	s->callbacks_tail = &s->callbacks;
	for (unsigned i = 0; i < XS_NR_SPECIAL; i++) {
		free(s->special[i].v);
		s->special[i].v = NULL;
	}
	xs_tree_destroy(&s->tree);
}

void xs_conn_init(struct xs_conn *c, struct xs_server *s, const struct xs_caller *who)
{
	memset(c, 0, sizeof(*c));
	c->srv = s;
	c->who = *who;
	if (who->domid)
		snprintf(c->prefix, sizeof(c->prefix), "/local/domain/%u", who->domid);
	c->out_tail = &c->out;
	c->next_txid = 1;
	c->next = s->conns;
	s->conns = c;
}

void xs_conn_reset(struct xs_conn *c)
{
	xs_watch_remove_all(c);
	while (c->txns) {
		struct xs_txn *t = c->txns;

		c->txns = t->next;
		xs_txn_free(t);
	}
	c->nr_txns = 0;
}

void xs_conn_clear(struct xs_conn *c)
{
	xs_conn_reset(c);
	while (c->out) {
		struct xs_msg *m = c->out;

		c->out = m->next;
		free(m);
	}
	c->out_tail = &c->out;
	c->out_bytes = 0;
	c->in_used = 0;
	c->error = 0;
}

void xs_conn_remove(struct xs_conn *c)
{
	struct xs_conn **p = &c->srv->conns;

	while (*p && *p != c)
		p = &(*p)->next;
	if (*p)
		*p = c->next;
	if (c->srv->guest == c)
		c->srv->guest = NULL;
	xs_conn_clear(c);
}

/* Bytes of the message being received that are still missing. */
static size_t in_missing(const struct xs_conn *c)
{
	struct xsd_sockmsg h;

	if (c->in_used < XS_HDR_SIZE)
		return XS_HDR_SIZE - c->in_used;
	memcpy(&h, c->in, sizeof(h));
	return XS_HDR_SIZE + h.len - c->in_used;
}

size_t xs_conn_in_space(struct xs_conn *c, uint8_t **buf)
{
	if (c->error || c->out_bytes > XS_OUT_LIMIT)
		return 0;
	*buf = c->in + c->in_used;
	return in_missing(c);
}

int xs_conn_in_done(struct xs_conn *c, size_t n)
{
	struct xsd_sockmsg h;

	c->in_used += n;
	if (c->in_used < XS_HDR_SIZE)
		return 0;
	memcpy(&h, c->in, sizeof(h));
	if (h.len > XENSTORE_PAYLOAD_MAX) {
		c->error = -E2BIG;
		return c->error;
	}
	if (in_missing(c))
		return 0;
	c->in_used = 0;
	xs_wire_dispatch(c, &h, c->in + XS_HDR_SIZE);
	return 0;
}

int xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 const void *a, size_t alen, const void *b, size_t blen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id };
	struct xs_msg *m;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (type == XS_WATCH_EVENT && c->out_bytes > XS_EVENT_LIMIT) {
		if (!c->dropped_events)
			log_warnx("xenstore: %s client does not read its events: dropping them",
				  c->who.priv ? "a dom0" : "the guest");
		c->dropped_events = true;
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + XS_HDR_SIZE + alen + blen);
	if (!m)
		return -ENOMEM;
	h.len = (uint32_t)(alen + blen);
	m->next = NULL;
	m->len = XS_HDR_SIZE + alen + blen;
	m->off = 0;
	memcpy(m->data, &h, XS_HDR_SIZE);
	if (alen)
		memcpy(m->data + XS_HDR_SIZE, a, alen);
	if (blen)
		memcpy(m->data + XS_HDR_SIZE + alen, b, blen);
	*c->out_tail = m;
	c->out_tail = &m->next;
	c->out_bytes += m->len;
	return 0;
}

size_t xs_conn_out_peek(struct xs_conn *c, const uint8_t **buf)
{
	if (!c->out)
		return 0;
	*buf = c->out->data + c->out->off;
	return c->out->len - c->out->off;
}

void xs_conn_out_done(struct xs_conn *c, size_t n)
{
	struct xs_msg *m = c->out;

	m->off += n;
	c->out_bytes -= n;
	if (m->off < m->len)
		return;
	c->out = m->next;
	if (!c->out)
		c->out_tail = &c->out;
	free(m);
}

int xs_server_queue_callback(struct xs_server *s, hv_xs_watch_fn fn, void *opaque,
			     const char *path)
{
	size_t len = strlen(path) + 1;
	struct xs_callback *cb = malloc(sizeof(*cb) + len);

	if (!cb)
		return -ENOMEM;
	cb->next = NULL;
	cb->fn = fn;
	cb->opaque = opaque;
	memcpy(cb->path, path, len);
	*s->callbacks_tail = cb;
	s->callbacks_tail = &cb->next;
	return 0;
}
