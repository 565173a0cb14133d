/* The client side of ternd's CLI protocol, shared by the verbs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tern.h"

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 when len bytes were read, 0 at the end of the stream first, -1 on error. */
static int read_all(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

int tern_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int tern_send(const struct tern_ctx *ctx, const struct mig_cli_msg *req)
{
	int fd = tern_connect(ctx->socket);

	if (fd < 0) {
		fprintf(stderr, "tern: cannot reach ternd at %s: %s\n", ctx->socket,
			strerror(errno));
		return -1;
	}
	if (write_all(fd, req->buf, req->len)) {
		fprintf(stderr, "tern: cannot send to ternd: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void print_error(const struct mig_cli_frame *f)
{
	struct mig_cli_error e;

	if (mig_cli_read_error(f, &e)) {
		fprintf(stderr, "tern: ternd sent a malformed error reply\n");
		return;
	}
	fprintf(stderr, "tern: %s\n", e.text);
}

/* Reads one whole message into rep: 0, or -1 (a message printed). */
static int read_message(int fd, struct tern_reply *rep)
{
	struct mig_cli_hdr h;
	int r = read_all(fd, rep->buf, sizeof(h));
	int n = r > 0 ? mig_cli_frame(rep->buf, sizeof(h), &rep->frame) : 0;

	/* -EAGAIN: the header is good and a payload follows. */
	if (n == -EAGAIN) {
		memcpy(&h, rep->buf, sizeof(h));
		r = read_all(fd, rep->buf + sizeof(h), h.len);
		n = r > 0 ? mig_cli_frame(rep->buf, sizeof(h) + h.len, &rep->frame) : 0;
	}
	if (r <= 0) {
		fprintf(stderr, "tern: ternd closed the connection without a reply\n");
		return -1;
	}
	if (n < 0) {
		fprintf(stderr, "tern: ternd's reply is not understood: %s\n", strerror(-n));
		return -1;
	}
	return 0;
}

int tern_recv(int fd, struct tern_reply *rep)
{
	if (read_message(fd, rep))
		return -1;
	if (rep->frame.type == MIG_CLI_REP_ERROR) {
		print_error(&rep->frame);
		return -1;
	}
	return rep->frame.type;
}

/* Reads a DOMAIN reply from fd into d: 0, or 1 with a message printed. */
static int recv_domain(int fd, struct mig_cli_domain *d)
{
	struct tern_reply rep;
	int type = tern_recv(fd, &rep);

	if (type < 0)
		return 1;
	if (mig_cli_read_domain(&rep.frame, d)) {
		fprintf(stderr, "tern: ternd's reply is not understood (type %d)\n", type);
		return 1;
	}
	return 0;
}

int tern_ask_domain(const struct tern_ctx *ctx, const struct mig_cli_msg *req,
		    struct mig_cli_domain *d)
{
	int fd = tern_send(ctx, req), status;

	if (fd < 0)
		return 1;
	status = recv_domain(fd, d);
	close(fd);
	return status;
}

int tern_ask_stats(const struct tern_ctx *ctx, const struct mig_cli_msg *req,
		   struct mig_cli_stats *s, struct mig_cli_domain *d)
{
	struct tern_reply rep;
	int fd = tern_send(ctx, req), type, status = 1;

	if (fd < 0)
		return 1;
	type = tern_recv(fd, &rep);
	if (type >= 0 && mig_cli_read_stats(&rep.frame, s))
		fprintf(stderr, "tern: ternd's reply is not understood (type %d)\n", type);
	else if (type >= 0)
		status = recv_domain(fd, d);
	close(fd);
	return status;
}

int tern_domain_request(const struct tern_ctx *ctx, enum mig_cli_type type, const char *ref,
			uint32_t flags, struct mig_cli_domain *d)
{
	struct mig_cli_msg req;

	if (mig_cli_write_ref(&req, type, ref, flags)) {
		fprintf(stderr, "tern: \"%s\" names no domain: a name, an id (3) or dom3\n", ref);
		return 2;
	}
	return tern_ask_domain(ctx, &req, d);
}

void tern_print_domain(const struct mig_cli_domain *d, const char *note)
{
	if (d->domid)
		printf("%s (id %u): %s%s\n", d->name, d->domid, note, mig_dom_state_name(d->state));
	else
		printf("%s: %s%s (%s)\n", d->name, note, mig_dom_state_name(d->state),
		       mig_dom_reason_name(d->reason));
}

int tern_usage(const struct tern_cmd *cmd)
{
	fprintf(stderr, "usage: tern [--socket PATH] %s %s\n", cmd->name, cmd->args);
	return 2;
}

int tern_one_domain(const struct tern_ctx *ctx, const struct tern_cmd *cmd, int argc,
		    char **argv, enum mig_cli_type type)
{
	struct mig_cli_domain d;
	int status;

	if (argc != 2)
		return tern_usage(cmd);
	status = tern_domain_request(ctx, type, argv[1], 0, &d);
	if (!status)
		tern_print_domain(&d, "");
	return status;
}
