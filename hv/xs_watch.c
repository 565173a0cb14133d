#include "xs_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Queues the event for watch w of c, at absolute (or special) path p. */
static void deliver(struct xs_conn *c, const struct xs_watch *w, const char *p)
{
	if (w->fn) {
		if (xs_server_queue_callback(c->srv, w->fn, w->opaque, p))
			log_warnx("xenstore: out of memory: lost an event for %s", w->path);
		return;
	}
	if (w->relative) {
		p += strlen(c->prefix);
		p += *p == '/';
	}
	xs_conn_send(c, XS_WATCH_EVENT, 0, 0, p, strlen(p) + 1, w->token, strlen(w->token) + 1);
}

static struct xs_watch *watch_new(const char *path, const char *token)
{
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	struct xs_watch *w = calloc(1, sizeof(*w) + plen + tlen);

	if (!w)
		return NULL;
	memcpy(w->path, path, plen);
	w->token = w->path + plen;
	memcpy(w->token, token, tlen);
	return w;
}

static void watch_link(struct xs_conn *c, struct xs_watch *w)
{
	struct xs_watch **p = &c->watches;

	/* Oldest first, so that events come in the order watches were set. */
	while (*p)
		p = &(*p)->next;
	*p = w;
	c->nr_watches++;
}

void xs_watch_first(struct xs_conn *c, const struct xs_watch *w)
{
	deliver(c, w, w->path);
}

int xs_watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
		 struct xs_watch **out)
{
	struct xs_watch *w;

	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return -EEXIST;
	if (c->nr_watches >= c->srv->quota.watches)
		return -E2BIG;
	w = watch_new(path, token);
	if (!w)
		return -ENOMEM;
	w->relative = relative;
	watch_link(c, w);
	*out = w;
	return 0;
}

int xs_watch_add_fn(struct xs_server *s, const char *path, hv_xs_watch_fn fn, void *opaque)
{
	struct xs_watch *w;

	for (w = s->internal.watches; w; w = w->next)
		if (!strcmp(w->path, path) && w->fn == fn && w->opaque == opaque)
			return -EEXIST;
	w = watch_new(path, "");
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->opaque = opaque;
	watch_link(&s->internal, w);
	deliver(&s->internal, w, w->path);
	return 0;
}

static void unlink_watch(struct xs_conn *c, struct xs_watch **p)
{
	struct xs_watch *w = *p;

	*p = w->next;
	c->nr_watches--;
	free(w);
}

int xs_watch_remove(struct xs_conn *c, const char *path, const char *token)
{
	for (struct xs_watch **p = &c->watches; *p; p = &(*p)->next) {
		if (!(*p)->fn && !strcmp((*p)->path, path) && !strcmp((*p)->token, token)) {
			unlink_watch(c, p);
			return 0;
		}
	}
	return -ENOENT;
}

/* Drops the queued callbacks of (fn, opaque) for events below path. */
static void drop_callbacks(struct xs_server *s, const char *path, hv_xs_watch_fn fn,
			   void *opaque)
{
	struct xs_callback **p = &s->callbacks;

	while (*p) {
		struct xs_callback *cb = *p;

		if (cb->fn == fn && cb->opaque == opaque &&
		    (xs_path_is_child(cb->path, path) || xs_path_is_child(path, cb->path))) {
			*p = cb->next;
			free(cb);
		} else {
			p = &cb->next;
		}
	}
	s->callbacks_tail = &s->callbacks;
	while (*s->callbacks_tail)
		s->callbacks_tail = &(*s->callbacks_tail)->next;
}

int xs_watch_remove_fn(struct xs_server *s, const char *path, hv_xs_watch_fn fn, void *opaque)
{
	struct xs_conn *c = &s->internal;

	for (struct xs_watch **p = &c->watches; *p; p = &(*p)->next) {
		if ((*p)->fn == fn && (*p)->opaque == opaque && !strcmp((*p)->path, path)) {
			unlink_watch(c, p);
			drop_callbacks(s, path, fn, opaque);
			return 0;
		}
	}
	return -ENOENT;
}

void xs_watch_remove_all(struct xs_conn *c)
{
	while (c->watches)
		unlink_watch(c, &c->watches);
}

void xs_watch_fire(struct xs_server *s, const char *path, const struct xs_change *ch)
{
	if (!ch->changed)
		return;
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (!c->who.priv && !ch->guest_visible)
			continue;
		for (const struct xs_watch *w = c->watches; w; w = w->next) {
			if (w->path[0] == '@')
				continue;
			if (xs_path_is_child(path, w->path))
				deliver(c, w, path);
			else if (ch->removal && xs_path_is_child(w->path, path))
				deliver(c, w, w->path);
		}
	}
}

void xs_watch_fire_special(struct xs_server *s, enum xs_special which)
{
	const char *name = xs_special_name(which);

	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (!(xs_perms_for(&s->special[which], &c->who) & XS_PERM_READ))
			continue;
		for (const struct xs_watch *w = c->watches; w; w = w->next)
			if (!strcmp(name, w->path))
				deliver(c, w, name);
	}
}
