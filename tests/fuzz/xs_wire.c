/*
 * libFuzzer target for the xenstore message parser and dispatcher
 * (hv/xs_conn.c, hv/xs_wire.c and the store, transactions and watches
 * behind them): two clients, the guest and a dom0 socket client, send
 * arbitrary byte streams in arbitrary pieces.
 *
 * Input: chunks, each a control byte (bit 0: 0 the guest, 1 dom0; bits
 * 1-7: the chunk's length, 1-128) and that many stream bytes.  A
 * connection that breaks its stream is cleared as its transport would;
 * replies are drained when a connection stops taking input.  After each
 * input: every message sent fits XENSTORE_PAYLOAD_MAX, and the count of
 * nodes the guest owns matches the tree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xs_conn.h"
#include "xs_watch.h"

#define GUEST 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(struct xs_server *s, const char *path, const char *perm)
{
	struct xs_perms p;

	if (xs_perms_parse(&p, perm, 1) || !xs_tree_put(&s->tree, path, "", 0, &p))
		fatal("cannot build the fuzzing store");
	free(p.v);
}

static void ignore(struct hv_domain *d, const char *path, void *opaque)
{
	(void)d;
	(void)path;
	(void)opaque;
}

/* Takes every queued message of c, checking each header. */
static void drain(struct xs_conn *c)
{
	const uint8_t *buf;
	size_t have;

	while ((have = xs_conn_out_peek(c, &buf))) {
		const struct xs_msg *m = c->out;
		struct xsd_sockmsg h;

		memcpy(&h, m->data, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX || m->len != XS_HDR_SIZE + h.len)
			abort();
		xs_conn_out_done(c, have);
	}
}

static void feed(struct xs_conn *c, const uint8_t *p, size_t len)
{
	while (len) {
		uint8_t *buf;
		size_t n = xs_conn_in_space(c, &buf);

		if (!n) {
			if (c->error)
				xs_conn_clear(c);
			else
				drain(c);
			continue;
		}
		n = n < len ? n : len;
		memcpy(buf, p, n);
		xs_conn_in_done(c, n);
		p += n;
		len -= n;
	}
}

static unsigned count_guest(const struct xs_node *n, uint16_t guest)
{
	unsigned count = n->perms.v[0].domid == guest;

	for (unsigned i = 0; i < n->nr_children; i++)
		count += count_guest(n->children[i], guest);
	return count;
}

static void drop_callbacks(struct xs_server *s)
{
	while (s->callbacks) {
		struct xs_callback *cb = s->callbacks;

		s->callbacks = cb->next;
		free(cb);
	}
	s->callbacks_tail = &s->callbacks;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_server s;
	struct xs_conn guest, dom0;

	if (xs_server_init(&s, NULL, GUEST))
		fatal("cannot build the fuzzing store");
	put(&s, "/local/domain/1", "n0");
	put(&s, "/local/domain/1/data", "n1");
	put(&s, "/local/domain/0/backend", "n0");
	xs_conn_init(&guest, &s, &(struct xs_caller){ .domid = GUEST });
	xs_conn_init(&dom0, &s, &(struct xs_caller){ .domid = 0, .priv = true });
	s.guest = &guest;
	s.guest_introduced = true;
	xs_watch_add_fn(&s, "/local/domain/1", ignore, NULL);
	while (size > 1) {
		size_t len = (size_t)(data[0] >> 1) + 1;

		len = len < size - 1 ? len : size - 1;
		feed(data[0] & 1 ? &dom0 : &guest, data + 1, len);
		data += 1 + len;
		size -= 1 + len;
	}
	drain(&guest);
	drain(&dom0);
	drop_callbacks(&s);
	if (count_guest(s.tree.root, GUEST) != s.tree.guest_nodes)
		abort();
	xs_server_destroy(&s);
	return 0;
}
