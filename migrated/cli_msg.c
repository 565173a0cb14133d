#include "cli_msg.h"

#include <errno.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[MIG_DOM_STATE_COUNT] = {
	[MIG_DOM_NONE] = "none",
	[MIG_DOM_STARTING] = "starting",
	[MIG_DOM_RUNNING] = "running",
	[MIG_DOM_PAUSED] = "paused",
	[MIG_DOM_STOPPING] = "stopping",
	[MIG_DOM_SHUTOFF] = "shutoff",
};

static const char *const reason_names[MIG_REASON_COUNT] = {
	[MIG_REASON_NONE] = "none",
	[MIG_REASON_POWEROFF] = "poweroff",
	[MIG_REASON_CRASH] = "crash",
	[MIG_REASON_REBOOT] = "reboot",
	[MIG_REASON_DESTROYED] = "destroyed",
	[MIG_REASON_ERROR] = "error",
	[MIG_REASON_KILLED] = "killed",
	[MIG_REASON_UNKNOWN] = "unknown",
};

const char *mig_dom_state_name(enum mig_dom_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

const char *mig_dom_reason_name(enum mig_dom_reason r)
{
	return (unsigned)r < ARRAY_SIZE(reason_names) ? reason_names[r] : "?";
}

/* Bytes a terminal shows as they are: no C0 control characters, no DEL. */
static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

bool mig_cli_name_ok(const char *s, size_t len)
{
	if (len < 1 || len > MIG_CLI_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool mig_cli_ref_domid(const char *ref, uint32_t *domid)
{
	const char *p = strncmp(ref, "dom", 3) ? ref : ref + 3;
	uint32_t v = 0;

	if (*p < '1' || *p > '9')
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint32_t)(*p - '0');
		if (v > MIG_DOMID_MAX)
			return false;
	}
	*domid = v;
	return true;
}

/* Framing */

int mig_cli_frame(const void *buf, size_t avail, struct mig_cli_frame *f)
{
	struct mig_cli_hdr h;

	if (avail < sizeof(h))
		return -EAGAIN;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MIG_CLI_MAGIC || h.reserved)
		return -EPROTO;
	if (h.version != MIG_CLI_VERSION)
		return -EPROTONOSUPPORT;
	if (h.len > MIG_CLI_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (avail - sizeof(h) < h.len)
		return -EAGAIN;
	f->type = h.type;
	f->len = h.len;
	f->payload = (const uint8_t *)buf + sizeof(h);
	return (int)(sizeof(h) + h.len);
}

/* Readers */

int mig_cli_read_empty(const struct mig_cli_frame *f, enum mig_cli_type type)
{
	return f->type == type && f->len == 0 ? 0 : -EBADMSG;
}

/* The flags a message type may carry. */
static uint32_t allowed_flags(enum mig_cli_type type)
{
	switch (type) {
	case MIG_CLI_REQ_SHUTDOWN: return MIG_CLI_SHUTDOWN_WAIT;
	case MIG_CLI_REQ_SAVE: return MIG_CLI_SAVE_LIVE | MIG_CLI_SAVE_KEEP | MIG_CLI_SAVE_COMPRESS;
	case MIG_CLI_REQ_RESTORE: return MIG_CLI_RESTORE_PAUSED;
	default: return 0;
	}
}

static bool path_ok(const char *s, size_t len)
{
	return len >= 1 && len <= MIG_CLI_PATH_MAX && s[0] == '/' && printable(s, len);
}

/* A mig_cli_wire_str payload of type: the string, 1 to max bytes, and its flags. */
static int read_str(const struct mig_cli_frame *f, enum mig_cli_type type, size_t max,
		    const char **s, size_t *len, uint32_t *flags)
{
	struct mig_cli_wire_str w;

	if (f->type != type || f->len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, f->payload, sizeof(w));
	if ((w.flags & ~allowed_flags(type)) || w.len != f->len - sizeof(w) || w.len < 1 ||
	    w.len > max)
		return -EBADMSG;
	*s = (const char *)f->payload + sizeof(w);
	*len = w.len;
	*flags = w.flags;
	return 0;
}

int mig_cli_read_path(const struct mig_cli_frame *f, enum mig_cli_type type,
		      char path[MIG_CLI_PATH_MAX + 1], uint32_t *flags)
{
	const char *s;
	size_t len;
	uint32_t got;

	if (read_str(f, type, MIG_CLI_PATH_MAX, &s, &len, &got) || !path_ok(s, len))
		return -EBADMSG;
	memcpy(path, s, len);
	path[len] = '\0';
	*flags = got;
	return 0;
}

int mig_cli_read_ref(const struct mig_cli_frame *f, enum mig_cli_type type,
		     char ref[MIG_CLI_NAME_MAX + 1], uint32_t *flags)
{
	const char *s;
	size_t len;
	uint32_t got;

	if (read_str(f, type, MIG_CLI_NAME_MAX, &s, &len, &got) || !mig_cli_name_ok(s, len))
		return -EBADMSG;
	*flags = got;
	memcpy(ref, s, len);
	ref[len] = '\0';
	return 0;
}

int mig_cli_read_save(const struct mig_cli_frame *f, struct mig_cli_save *s)
{
	struct mig_cli_wire_save w;
	const char *ref, *path;

	if (f->type != MIG_CLI_REQ_SAVE || f->len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, f->payload, sizeof(w));
	ref = (const char *)f->payload + sizeof(w);
	path = ref + (w.ref_len <= MIG_CLI_NAME_MAX ? w.ref_len : 0);
	if (w.reserved || (w.flags & ~allowed_flags(MIG_CLI_REQ_SAVE)) ||
	    w.ref_len > MIG_CLI_NAME_MAX || w.path_len > MIG_CLI_PATH_MAX ||
	    f->len != sizeof(w) + w.ref_len + w.path_len || !mig_cli_name_ok(ref, w.ref_len) ||
	    !path_ok(path, w.path_len))
		return -EBADMSG;
	memcpy(s->ref, ref, w.ref_len);
	s->ref[w.ref_len] = '\0';
	memcpy(s->path, path, w.path_len);
	s->path[w.path_len] = '\0';
	s->flags = w.flags;
	return 0;
}

int mig_cli_read_stats(const struct mig_cli_frame *f, struct mig_cli_stats *s)
{
	struct mig_cli_wire_stats w;

	if (f->type != MIG_CLI_REP_STATS || f->len != sizeof(w))
		return -EBADMSG;
	memcpy(&w, f->payload, sizeof(w));
	if (w.reserved)
		return -EBADMSG;
	*s = (struct mig_cli_stats){ .bytes = w.bytes, .pages = w.pages,
				     .zero_pages = w.zero_pages, .total_ns = w.total_ns,
				     .paused_ns = w.paused_ns, .rounds = w.rounds };
	return 0;
}

/* A state and reason that belong together: a reason only when shut off. */
static bool state_ok(uint8_t state, uint8_t reason, bool none_allowed)
{
	if (state >= MIG_DOM_STATE_COUNT || reason >= MIG_REASON_COUNT)
		return false;
	if (state == MIG_DOM_NONE)
		return none_allowed && reason == MIG_REASON_NONE;
	return (state == MIG_DOM_SHUTOFF) == (reason != MIG_REASON_NONE);
}

int mig_cli_read_domain(const struct mig_cli_frame *f, struct mig_cli_domain *d)
{
	struct mig_cli_wire_domain w;
	const char *name;

	if (f->type != MIG_CLI_REP_DOMAIN || f->len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, f->payload, sizeof(w));
	name = (const char *)f->payload + sizeof(w);
	if (w.name_len != f->len - sizeof(w) || !mig_cli_name_ok(name, w.name_len) ||
	    !state_ok(w.state, w.reason, false) || w.domid > MIG_DOMID_MAX ||
	    (w.state == MIG_DOM_SHUTOFF) != (w.domid == 0))
		return -EBADMSG;
	*d = (struct mig_cli_domain){
		.domid = w.domid, .pid = w.pid, .vcpus = w.vcpus, .memory = w.memory,
		.started = w.started, .state = w.state, .reason = w.reason,
	};
	memcpy(d->name, name, w.name_len);
	d->name[w.name_len] = '\0';
	return 0;
}

int mig_cli_read_error(const struct mig_cli_frame *f, struct mig_cli_error *e)
{
	struct mig_cli_wire_error w;
	const char *text;

	if (f->type != MIG_CLI_REP_ERROR || f->len < sizeof(w))
		return -EBADMSG;
	memcpy(&w, f->payload, sizeof(w));
	text = (const char *)f->payload + sizeof(w);
	if (w.text_len != f->len - sizeof(w) || w.text_len < 1 || w.text_len > MIG_CLI_TEXT_MAX ||
	    !printable(text, w.text_len) || w.err <= 0 || w.err >= 4096 ||
	    !state_ok(w.state, w.reason, true))
		return -EBADMSG;
	e->err = w.err;
	e->state = w.state;
	e->reason = w.reason;
	memcpy(e->text, text, w.text_len);
	e->text[w.text_len] = '\0';
	return 0;
}

/* Writers */

static uint8_t *start(struct mig_cli_msg *m, enum mig_cli_type type, size_t len)
{
	struct mig_cli_hdr h = {
		.magic = MIG_CLI_MAGIC, .version = MIG_CLI_VERSION, .type = type,
		.len = (uint32_t)len,
	};

	memcpy(m->buf, &h, sizeof(h));
	m->len = sizeof(h) + len;
	return m->buf + sizeof(h);
}

int mig_cli_write_empty(struct mig_cli_msg *m, enum mig_cli_type type)
{
	start(m, type, 0);
	return 0;
}

static void write_str(struct mig_cli_msg *m, enum mig_cli_type type, const char *s, size_t len,
		      uint32_t flags)
{
	struct mig_cli_wire_str w = { .len = (uint32_t)len, .flags = flags };
	uint8_t *p = start(m, type, sizeof(w) + len);

	memcpy(p, &w, sizeof(w));
	memcpy(p + sizeof(w), s, len);
}

int mig_cli_write_path(struct mig_cli_msg *m, enum mig_cli_type type, const char *path,
		       uint32_t flags)
{
	size_t len = strlen(path);

	if (!path_ok(path, len) || (flags & ~allowed_flags(type)))
		return -EINVAL;
	write_str(m, type, path, len, flags);
	return 0;
}

int mig_cli_write_ref(struct mig_cli_msg *m, enum mig_cli_type type, const char *ref,
		      uint32_t flags)
{
	size_t len = strlen(ref);

	if (!mig_cli_name_ok(ref, len) || (flags & ~allowed_flags(type)))
		return -EINVAL;
	write_str(m, type, ref, len, flags);
	return 0;
}

int mig_cli_write_save(struct mig_cli_msg *m, const struct mig_cli_save *s)
{
	size_t ref_len = strlen(s->ref), path_len = strlen(s->path);
	struct mig_cli_wire_save w = { .ref_len = (uint32_t)ref_len,
				       .path_len = (uint32_t)path_len, .flags = s->flags };
	uint8_t *p;

	if (!mig_cli_name_ok(s->ref, ref_len) || !path_ok(s->path, path_len) ||
	    (s->flags & ~allowed_flags(MIG_CLI_REQ_SAVE)))
		return -EINVAL;
	p = start(m, MIG_CLI_REQ_SAVE, sizeof(w) + ref_len + path_len);
	memcpy(p, &w, sizeof(w));
	memcpy(p + sizeof(w), s->ref, ref_len);
	memcpy(p + sizeof(w) + ref_len, s->path, path_len);
	return 0;
}

int mig_cli_write_stats(struct mig_cli_msg *m, const struct mig_cli_stats *s)
{
	struct mig_cli_wire_stats w = { .bytes = s->bytes, .pages = s->pages,
					.zero_pages = s->zero_pages, .total_ns = s->total_ns,
					.paused_ns = s->paused_ns, .rounds = s->rounds };

	memcpy(start(m, MIG_CLI_REP_STATS, sizeof(w)), &w, sizeof(w));
	return 0;
}

int mig_cli_write_domain(struct mig_cli_msg *m, const struct mig_cli_domain *d)
{
	size_t len = strlen(d->name);
	struct mig_cli_wire_domain w = {
		.domid = d->domid, .pid = d->pid, .memory = d->memory, .started = d->started,
		.vcpus = d->vcpus, .state = (uint8_t)d->state, .reason = (uint8_t)d->reason,
		.name_len = (uint16_t)len,
	};
	uint8_t *p;

	if (!mig_cli_name_ok(d->name, len) || !state_ok(d->state, d->reason, false) ||
	    d->domid > MIG_DOMID_MAX || (d->state == MIG_DOM_SHUTOFF) != (d->domid == 0))
		return -EINVAL;
	p = start(m, MIG_CLI_REP_DOMAIN, sizeof(w) + len);
	memcpy(p, &w, sizeof(w));
	memcpy(p + sizeof(w), d->name, len);
	return 0;
}

int mig_cli_write_error(struct mig_cli_msg *m, const struct mig_cli_error *e)
{
	size_t len = strnlen(e->text, MIG_CLI_TEXT_MAX);
	struct mig_cli_wire_error w = {
		.err = e->err, .state = (uint8_t)e->state, .reason = (uint8_t)e->reason,
		.text_len = (uint16_t)len,
	};
	uint8_t *p;

	if (len < 1 || e->err <= 0 || e->err >= 4096 || !state_ok(e->state, e->reason, true))
		return -EINVAL;
	p = start(m, MIG_CLI_REP_ERROR, sizeof(w) + len);
	memcpy(p, &w, sizeof(w));
	p += sizeof(w);
	for (size_t i = 0; i < len; i++)
		p[i] = printable(&e->text[i], 1) ? (uint8_t)e->text[i] : '?';
	return 0;
}
