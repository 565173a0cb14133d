#include "unix_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Removes a socket file nobody answers on; keeps anything else. */
static int clear_stale(const struct sockaddr_un *addr)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(addr->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 || errno != ECONNREFUSED)
		err = -EADDRINUSE;
	close(fd);
	if (!err && unlink(addr->sun_path) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Binds, restricts and listens; nobody can connect before listen(). */
static int bind_listen(struct hv_unix_listener *l, const struct sockaddr_un *addr, int backlog)
{
	struct stat st;
	int err;

	if (bind(l->fd, (const struct sockaddr *)addr, sizeof(*addr)))
		return -errno;
	if (chmod(l->path, 0600) || stat(l->path, &st) || listen(l->fd, backlog)) {
		err = -errno;
		unlink(l->path);
		return err;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

int hv_unix_listen(struct hv_unix_listener *l, const char *path, int backlog)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int err;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	err = clear_stale(&addr);
	if (err)
		return err;
	l->path = strdup(path);
	if (!l->path)
		return -ENOMEM;
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	err = l->fd < 0 ? -errno : bind_listen(l, &addr, backlog);
	if (err) {
		if (l->fd >= 0)
			close(l->fd);
		free(l->path);
		memset(l, 0, sizeof(*l));
		l->fd = -1;
	}
	return err;
}

void hv_unix_close(struct hv_unix_listener *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	close(l->fd);
	if (!lstat(l->path, &st) && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
	l->fd = -1;
}
