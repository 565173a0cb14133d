#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dom_state.h"
#include "log.h"

/* The files of a domain's folder that ternd removes with it. */
static const char *const domain_files[] = { "config", "state", "hv.log", "console.sock",
					     "control.sock" };

static int path_of(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mig_store_path(const struct mig_domain *d, const char *file, char *buf, size_t len)
{
	return path_of(buf, len, "%s/domains/%s/%s", d->t->state_dir, d->name, file);
}

int mig_store_console_log(const struct mig_domain *d, char *buf, size_t len)
{
	return path_of(buf, len, "%s/console/%s.log", d->t->state_dir, d->name);
}

/* Writes len bytes to path through a temporary file renamed over it. */
static int write_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	size_t done = 0;
	int fd, err = path_of(tmp, sizeof(tmp), "%s.tmp", path);

	if (err)
		return err;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno != EINTR)
			break;
		done += n > 0 ? (size_t)n : 0;
	}
	err = done < len || fsync(fd) ? -errno : 0;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Reads path into buf (size bytes); -EFBIG if it holds more. */
static int read_file(const char *path, char *buf, size_t size, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 1;
	char extra;

	if (fd < 0)
		return -errno;
	while (n > 0 && got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			got += (size_t)n;
	}
	if (n > 0)
		n = read(fd, &extra, 1) > 0 ? -2 : 0;
	close(fd);
	if (n < 0)
		return n == -2 ? -EFBIG : -EIO;
	*len = got;
	return 0;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

/* next-domid: a decimal domain id and a newline. */
static void load_next_domid(struct ternd *t, const char *path)
{
	char text[16];
	size_t len = 0;
	int err = read_file(path, text, sizeof(text) - 1, &len);
	char *end;
	unsigned long v;

	t->next_domid = 1;
	if (err == -ENOENT)
		return;
	text[err ? 0 : len] = '\0';
	v = strtoul(text, &end, 10);
	if (err || text[0] < '1' || text[0] > '9' || strcmp(end, "\n") || v > MIG_DOMID_MAX) {
		log_warnx("%s: not a domain id; starting from 1", path);
		return;
	}
	t->next_domid = (uint32_t)v;
}

static int lock(struct ternd *t, const char *path)
{
	t->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (t->lock_fd < 0)
		return -errno;
	if (!flock(t->lock_fd, LOCK_EX | LOCK_NB))
		return 0;
	close(t->lock_fd);
	t->lock_fd = -1;
	return errno == EWOULDBLOCK ? -EBUSY : -errno;
}

int mig_store_open(struct ternd *t, char *err, size_t errlen)
{
	static const char *const dirs[] = { "", "/domains", "/console" };
	char path[PATH_MAX];
	int r = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !r; i++) {
		r = path_of(path, sizeof(path), "%s%s", t->state_dir, dirs[i]);
		if (!r)
			r = make_dir(path);
	}
	if (!r)
		r = path_of(path, sizeof(path), "%s/lock", t->state_dir);
	if (!r)
		r = lock(t, path);
	if (!r)
		r = path_of(path, sizeof(path), "%s/next-domid", t->state_dir);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, r == -EBUSY ?
			 "another ternd uses this state folder" : strerror(-r));
		return r;
	}
	load_next_domid(t, path);
	return 0;
}

/* One domains/NAME: a record from its state file, or a warning. */
static int load_one(struct ternd *t, const char *name)
{
	char path[PATH_MAX], text[MIG_DOM_STATE_MAX];
	struct mig_dom_record rec;
	struct mig_domain *d;
	size_t len = 0;
	int err = path_of(path, sizeof(path), "%s/domains/%s/state", t->state_dir, name);

	if (!err)
		err = read_file(path, text, sizeof(text), &len);
	if (!err)
		err = mig_dom_state_parse(text, len, &rec);
	if (err) {
		log_warnx("%s/domains/%s: no usable state file (%s); domain ignored", t->state_dir,
			  name, strerror(-err));
		return 0;
	}
	d = mig_domain_new(t, name);
	if (!d)
		return -ENOMEM;
	d->rec = rec;
	return 0;
}

int mig_store_load(struct ternd *t)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int err = path_of(path, sizeof(path), "%s/domains", t->state_dir);

	if (err)
		return err;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!err && (e = readdir(dir)))
		if (mig_cli_name_ok(e->d_name, strlen(e->d_name)))
			err = load_one(t, e->d_name);
	closedir(dir);
	return err;
}

int mig_store_prepare(const struct mig_domain *d)
{
	char path[PATH_MAX];
	int err = path_of(path, sizeof(path), "%s/domains/%s", d->t->state_dir, d->name);

	if (!err)
		err = make_dir(path);
	for (size_t i = 0; i < 2 && !err; i++) {
		err = mig_store_path(d, i ? "control.sock" : "console.sock", path, sizeof(path));
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int mig_store_write_config(const struct mig_domain *d, const char *text)
{
	char path[PATH_MAX];
	int err = mig_store_path(d, "config", path, sizeof(path));

	return err ? err : write_file(path, text, strlen(text));
}

int mig_store_save_state(const struct mig_domain *d)
{
	char path[PATH_MAX], text[MIG_DOM_STATE_MAX];
	int len = mig_dom_state_format(&d->rec, text, sizeof(text));
	int err = len < 0 ? len : mig_store_path(d, "state", path, sizeof(path));

	if (!err)
		err = write_file(path, text, (size_t)len);
	if (err)
		log_warnx("%s: cannot write its state file: %s", d->name, strerror(-err));
	return err;
}

int mig_store_save_next_domid(const struct ternd *t)
{
	char path[PATH_MAX], text[16];
	int err = path_of(path, sizeof(path), "%s/next-domid", t->state_dir);

	snprintf(text, sizeof(text), "%u\n", t->next_domid);
	if (!err)
		err = write_file(path, text, strlen(text));
	if (err)
		log_warnx("%s/next-domid: cannot write it: %s", t->state_dir, strerror(-err));
	return err;
}

void mig_store_remove(const struct mig_domain *d)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(domain_files) / sizeof(domain_files[0]); i++)
		if (!mig_store_path(d, domain_files[i], path, sizeof(path)) && unlink(path) &&
		    errno != ENOENT)
			log_warn("%s", path);
	if (!path_of(path, sizeof(path), "%s/domains/%s", d->t->state_dir, d->name) &&
	    rmdir(path) && errno != ENOENT)
		log_warn("%s", path);
}

void mig_store_hv_log_tail(const struct mig_domain *d, char *buf, size_t len)
{
	char path[PATH_MAX], tail[512];
	ssize_t n = -1;
	char *start, *end;
	int fd;

	buf[0] = '\0';
	if (mig_store_path(d, "hv.log", path, sizeof(path)))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);

		if (size >= 0)
			n = pread(fd, tail, sizeof(tail) - 1, size > (off_t)sizeof(tail) - 1 ?
						size - (off_t)sizeof(tail) + 1 : 0);
		close(fd);
	}
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (end = tail + n; end > tail && end[-1] == '\n'; end--)
		;
	*end = '\0';
	start = strrchr(tail, '\n');
	start = start ? start + 1 : tail;
	if (strlen(start) >= len)
		start = end - (len - 1);
	snprintf(buf, len, "%s", start);
}
