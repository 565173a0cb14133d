/*
 * The host-side boot loader: partitions through libblkid, ext2/3/4 through
 * libext2fs (the unix I/O manager with an "offset=" option for the
 * partition), grub.cfg through grubcfg.c.  GRUB's names for the disk are
 * "hd0" and, as GRUB on Xen calls it, "xen/VDEV"; ours in messages are
 * "(VDEV,msdosN)" so that an operator sees which guest disk is meant.
 */
#include "bootdisk.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "disk.h"
#include "grubcfg.h"

#define SECTOR 512ULL

static const char *const cfg_paths[] = { "/boot/grub/grub.cfg", "/grub/grub.cfg" };

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* "(xvda,msdos1)" or "(xvda)" into buf. */
static const char *place_name(const struct hv_bootdisk *bd, const struct hv_bootdisk_part *p,
			      char *buf, size_t size)
{
	if (p->number)
		snprintf(buf, size, "(%s,%s%u)", bd->vdev, bd->scheme, p->number);
	else
		snprintf(buf, size, "(%s)", bd->vdev);
	return buf;
}

static void lookup(blkid_probe pr, const char *name, char *out, size_t size)
{
	const char *v = NULL;

	if (!blkid_probe_lookup_value(pr, name, &v, NULL) && v)
		snprintf(out, size, "%s", v);
}

/* What file system p holds, by its superblock. */
static void probe_fs(int fd, struct hv_bootdisk_part *p)
{
	blkid_probe pr = blkid_new_probe();

	if (!pr)
		return;
	if (!blkid_probe_set_device(pr, fd, (blkid_loff_t)p->offset, (blkid_loff_t)p->size) &&
	    !blkid_probe_enable_superblocks(pr, 1) &&
	    !blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID |
						   BLKID_SUBLKS_LABEL) &&
	    blkid_do_safeprobe(pr) == 0) {
		lookup(pr, "TYPE", p->fstype, sizeof(p->fstype));
		lookup(pr, "UUID", p->uuid, sizeof(p->uuid));
		lookup(pr, "LABEL", p->label, sizeof(p->label));
	}
	blkid_free_probe(pr);
}

/* Partitions that lie outside the image are left out (a message says so). */
static int list_parts(struct hv_bootdisk *bd, blkid_partlist ls, char *err, size_t errlen)
{
	int n = blkid_partlist_numof_partitions(ls);
	const char *type = blkid_parttable_get_type(blkid_partlist_get_table(ls));

	snprintf(bd->scheme, sizeof(bd->scheme), "%s", type && !strcmp(type, "dos") ? "msdos" :
		 type ? type : "");
	for (int i = 0; i < n && bd->nparts < HV_BOOTDISK_MAX_PARTS; i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);
		long long start = blkid_partition_get_start(par), size = blkid_partition_get_size(par);
		int no = blkid_partition_get_partno(par);

		if (start <= 0 || size <= 0 || no <= 0 || (uint64_t)start * SECTOR >= bd->size)
			continue;
		bd->parts[bd->nparts++] = (struct hv_bootdisk_part){
			.number = (unsigned)no,
			.offset = (uint64_t)start * SECTOR,
			.size = (uint64_t)size * SECTOR,
		};
	}
	if (!bd->nparts)
		return fail(err, errlen, -ENOENT, "%s: %s partition table with no partition inside "
			    "the image", bd->image, bd->scheme);
	return 0;
}

static int probe_disk(struct hv_bootdisk *bd, int fd, char *err, size_t errlen)
{
	blkid_probe pr = blkid_new_probe();
	blkid_partlist ls;
	int r;

	if (!pr || blkid_probe_set_device(pr, fd, 0, 0) ||
	    blkid_probe_enable_partitions(pr, 1) || blkid_probe_enable_superblocks(pr, 0)) {
		if (pr)
			blkid_free_probe(pr);
		return fail(err, errlen, -ENOMEM, "%s: cannot set up libblkid", bd->image);
	}
	r = blkid_do_safeprobe(pr);
	ls = r == 0 ? blkid_probe_get_partitions(pr) : NULL;
	if (ls && (blkid_partlist_numof_partitions(ls) > 0 || blkid_partlist_get_table(ls))) {
		r = list_parts(bd, ls, err, errlen);
	} else {
		bd->parts[0] = (struct hv_bootdisk_part){ .number = 0, .offset = 0, .size = bd->size };
		bd->nparts = 1;
		r = 0;
	}
	blkid_free_probe(pr);
	for (unsigned i = 0; !r && i < bd->nparts; i++) {
		struct hv_bootdisk_part *p = &bd->parts[i];

		if (p->offset + p->size > bd->size)
			p->size = bd->size - p->offset;
		probe_fs(fd, p);
	}
	return r;
}

int hv_bootdisk_open(struct hv_bootdisk *bd, const char *path, const char *vdev, char *err,
		     size_t errlen)
{
	struct stat st;
	int fd, r;

	initialize_ext2_error_table(); /* error_message's texts; adds them once */
	memset(bd, 0, sizeof(*bd));
	snprintf(bd->vdev, sizeof(bd->vdev), "%s", vdev);
	bd->image = strdup(path);
	if (!bd->image)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, r, "%s: %s", path, strerror(-r));
	}
	bd->size = (uint64_t)st.st_size;
	r = bd->size < SECTOR ? fail(err, errlen, -ENOENT, "%s: empty or truncated image (%llu "
				     "bytes)", path, (unsigned long long)bd->size)
			      : probe_disk(bd, fd, err, errlen);
	close(fd);
	return r;
}

void hv_bootdisk_close(struct hv_bootdisk *bd)
{
	free(bd->image);
	memset(bd, 0, sizeof(*bd));
}

static bool is_ext(const struct hv_bootdisk_part *p)
{
	return !strcmp(p->fstype, "ext2") || !strcmp(p->fstype, "ext3") ||
	       !strcmp(p->fstype, "ext4");
}

/* libext2fs's errors are com_err codes; a few have an errno that fits. */
static int ext_errno(errcode_t e)
{
	if (e == EXT2_ET_FILE_NOT_FOUND)
		return -ENOENT;
	if (e == EXT2_ET_NO_MEMORY)
		return -ENOMEM;
	return e > 0 && e < 4096 ? -(int)e : -EIO;
}

static int read_inode_data(ext2_filsys fs, ext2_ino_t ino, size_t max, uint8_t **buf,
			   size_t *len, errcode_t *e)
{
	struct ext2_inode inode;
	ext2_file_t file;
	uint64_t size;
	size_t got = 0;
	unsigned n = 1;

	if ((*e = ext2fs_read_inode(fs, ino, &inode)))
		return ext_errno(*e);
	if (!LINUX_S_ISREG(inode.i_mode))
		return -EISDIR;
	size = EXT2_I_SIZE(&inode);
	if (size > max)
		return -EFBIG;
	if ((*e = ext2fs_file_open(fs, ino, 0, &file)))
		return ext_errno(*e);
	*buf = malloc(size ? size : 1);
	if (!*buf) {
		ext2fs_file_close(file);
		return -ENOMEM;
	}
	while (got < size && n && !*e) {
		size_t want = size - got > (1u << 20) ? (1u << 20) : size - got;

		*e = ext2fs_file_read(file, *buf + got, (unsigned)want, &n);
		got += n;
	}
	ext2fs_file_close(file);
	*len = got;
	if (!*e && got == size)
		return 0;
	free(*buf);
	*buf = NULL;
	return *e ? ext_errno(*e) : -EIO;
}

int hv_bootdisk_read(const struct hv_bootdisk *bd, const struct hv_bootdisk_part *p,
		     const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
		     size_t errlen)
{
	char opts[64], name[64];
	ext2_filsys fs = NULL;
	ext2_ino_t ino;
	errcode_t e = 0;
	int r;

	place_name(bd, p, name, sizeof(name));
	*buf = NULL;
	if (!p->fstype[0])
		return fail(err, errlen, -ENOTSUP, "%s: no file system found", name);
	if (!is_ext(p))
		return fail(err, errlen, -ENOTSUP, "%s: %s, not an ext2/3/4 file system", name,
			    p->fstype);
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)p->offset);
	e = ext2fs_open2(bd->image, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs);
	if (e)
		return fail(err, errlen, ext_errno(e), "%s: cannot open the %s file system: %s", name,
			    p->fstype, error_message(e));
	e = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino);
	r = e ? ext_errno(e) : read_inode_data(fs, ino, max, buf, len, &e);
	ext2fs_close_free(&fs);
	if (r == -EFBIG)
		return fail(err, errlen, r, "%s%s: larger than %zu bytes", name, path, max);
	if (r)
		return fail(err, errlen, r, "%s%s: %s", name, path,
			    e && r != -ENOENT ? error_message(e) : strerror(-r));
	return 0;
}

void hv_boot_files_free(struct hv_boot_files *f)
{
	free(f->kernel);
	free(f->initrd);
	free(f->cmdline);
	free(f->kernel_name);
	free(f->initrd_name);
	free(f->entry);
	free(f->config);
	memset(f, 0, sizeof(*f));
}

/* GRUB's devices */

/* GRUB's name for p, as the script sees it: "hd0,msdos1" or "hd0". */
static void grub_device(const struct hv_bootdisk *bd, const struct hv_bootdisk_part *p,
			char *buf, size_t size)
{
	if (p->number)
		snprintf(buf, size, "hd0,%s%u", bd->scheme, p->number);
	else
		snprintf(buf, size, "hd0");
}

static bool names_disk(const struct hv_bootdisk *bd, const char *d, size_t len)
{
	size_t vlen = strlen(bd->vdev);

	if (len == 3 && !memcmp(d, "hd0", 3))
		return true;
	if (len > 4 && !memcmp(d, "xen/", 4)) {
		d += 4;
		len -= 4;
	}
	return len == vlen && !memcmp(d, bd->vdev, len);
}

/*
 * The place a GRUB device names: "hd0", "hd0,1", "hd0,msdos1", "hd0,gpt2",
 * "xen/xvda,msdos1" or "xvda,1".  NULL with a message if none.
 */
static const struct hv_bootdisk_part *find_place(const struct hv_bootdisk *bd, const char *dev,
						 size_t len, char *err, size_t errlen)
{
	const char *comma = memchr(dev, ',', len), *num;
	size_t dlen = comma ? (size_t)(comma - dev) : len;
	unsigned long n = 0;
	char *end;

	if (!names_disk(bd, dev, dlen)) {
		fail(err, errlen, 0, "(%.*s): not the boot disk (hd0, %s)", (int)len, dev, bd->vdev);
		return NULL;
	}
	if (comma) {
		num = comma + 1;
		num += !strncmp(num, "msdos", 5) ? 5 : !strncmp(num, "gpt", 3) ? 3 : 0;
		n = strtoul(num, &end, 10);
		if (end != dev + len || end == num || !n) {
			fail(err, errlen, 0, "(%.*s): unknown partition name", (int)len, dev);
			return NULL;
		}
	}
	for (unsigned i = 0; i < bd->nparts; i++)
		if (bd->parts[i].number == n)
			return &bd->parts[i];
	fail(err, errlen, 0, "(%.*s): no such partition on %s", (int)len, dev, bd->vdev);
	return NULL;
}

/* search --fs-uuid, --label or --file, for grubcfg.c. */
static int search(void *opaque, const char *kind, const char *key, char *dev, size_t devlen)
{
	const struct hv_bootdisk *bd = opaque;

	for (unsigned i = 0; i < bd->nparts; i++) {
		const struct hv_bootdisk_part *p = &bd->parts[i];
		char err[256];
		uint8_t *buf = NULL;
		size_t len;
		bool hit;
		int r;

		if (!strcmp(kind, "fs-uuid")) {
			hit = p->uuid[0] && !strcasecmp(p->uuid, key);
		} else if (!strcmp(kind, "label")) {
			hit = p->label[0] && !strcmp(p->label, key);
		} else {
			r = hv_bootdisk_read(bd, p, key, 0, &buf, &len, err, sizeof(err));
			hit = !r || r == -EFBIG;
		}
		free(buf);
		if (hit) {
			grub_device(bd, p, dev, devlen);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Reads a path of the chosen entry: "(device)/path", or "/path" on $root
 * (when the script set it) or on the place grub.cfg came from.  *name gets
 * "(xvda,msdos1)/path" in new memory.
 */
static int read_path(const struct hv_bootdisk *bd, const char *path, const char *root,
		     const struct hv_bootdisk_part *home, size_t max, uint8_t **buf, size_t *len,
		     char **name, char *err, size_t errlen)
{
	const struct hv_bootdisk_part *p = home;
	const char *file = path, *close = NULL;
	char where[64];

	if (path[0] == '(' && !(close = strchr(path, ')')))
		return fail(err, errlen, -EINVAL, "\"%s\": no ')' after the device", path);
	if (close)
		p = find_place(bd, path + 1, close - path - 1, err, errlen);
	else if (root)
		p = find_place(bd, root, strlen(root), err, errlen);
	if (!p)
		return -ENOENT;
	file = close ? close + 1 : path;
	if (file[0] != '/')
		return fail(err, errlen, -EINVAL, "\"%s\": not an absolute path", path);
	if (asprintf(name, "%s%s", place_name(bd, p, where, sizeof(where)), file) < 0) {
		*name = NULL;
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	return hv_bootdisk_read(bd, p, file, max, buf, len, err, errlen);
}

/* Loading */

/* Appends "; what" to why (size bytes), cut short if it does not fit. */
static void add_reason(char *why, size_t size, const char *what)
{
	size_t used = strlen(why);

	snprintf(why + used, size - used, "%s%s", used ? "; " : "", what);
}

/* The first place with a grub.cfg, in order; its path in *path. */
static int find_config(const struct hv_bootdisk *bd, const struct hv_bootdisk_part **home,
		       uint8_t **text, size_t *len, const char **path, char *err, size_t errlen)
{
	char why[768] = "", one[256], name[64];

	for (unsigned i = 0; i < bd->nparts; i++) {
		const struct hv_bootdisk_part *p = &bd->parts[i];
		int r = -ENOENT;

		for (size_t j = 0; r == -ENOENT && j < sizeof(cfg_paths) / sizeof(cfg_paths[0]); j++) {
			r = hv_bootdisk_read(bd, p, cfg_paths[j], GRUBCFG_MAX_TEXT, text, len, one,
					     sizeof(one));
			if (!r) {
				*home = p;
				*path = cfg_paths[j];
				return 0;
			}
		}
		if (r == -ENOENT)
			snprintf(one, sizeof(one), "%s: no %s or %s",
				 place_name(bd, p, name, sizeof(name)), cfg_paths[0], cfg_paths[1]);
		add_reason(why, sizeof(why), one);
	}
	return fail(err, errlen, -ENOENT, "%s: no grub.cfg found: %s", bd->image, why);
}

/* Appends buf to f's initrd at a 4-byte boundary and name to its name. */
static int add_initrd(struct hv_boot_files *f, const uint8_t *buf, size_t len, const char *name)
{
	size_t at = (f->initrd_len + 3) & ~(size_t)3;
	uint8_t *grown = realloc(f->initrd, at + len ? at + len : 1);
	char *names = NULL;

	if (!grown)
		return -ENOMEM;
	f->initrd = grown;
	memset(grown + f->initrd_len, 0, at - f->initrd_len);
	memcpy(grown + at, buf, len);
	f->initrd_len = at + len;
	if (asprintf(&names, "%s%s%s", f->initrd_name ? f->initrd_name : "",
		     f->initrd_name ? " " : "", name) < 0)
		return -ENOMEM;
	free(f->initrd_name);
	f->initrd_name = names;
	return 0;
}

static int read_initrds(const struct hv_bootdisk *bd, const struct hv_grub_boot *b,
			const struct hv_bootdisk_part *home, struct hv_boot_files *f, char *err,
			size_t errlen)
{
	int r = 0;

	for (unsigned i = 0; !r && i < b->nr_initrds; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		char *name = NULL;

		r = read_path(bd, b->initrds[i], b->root, home, HV_BOOTDISK_MAX_INITRD - f->initrd_len,
			      &buf, &len, &name, err, errlen);
		if (!r && add_initrd(f, buf, len, name))
			r = fail(err, errlen, -ENOMEM, "%s: out of memory", name);
		free(buf);
		free(name);
	}
	return r;
}

/* The entry's arguments, then extra, as pygrub appends xl's cmdline. */
static int make_cmdline(struct hv_boot_files *f, const char *args, const char *extra)
{
	bool both = args[0] && extra && extra[0];

	if (asprintf(&f->cmdline, "%s%s%s", args, both ? " " : "", extra ? extra : "") < 0) {
		f->cmdline = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Runs grub.cfg (text, found at home/path) and reads what its entry names. */
static int load_entry(struct hv_bootdisk *bd, const struct hv_bootdisk_part *home,
		      const char *path, const uint8_t *text, size_t len, const char *extra,
		      struct hv_boot_files *f, char *err, size_t errlen)
{
	char where[64], dev[64], prefix[128], *file = NULL;
	struct hv_grubcfg_opts o = { .root = dev, .prefix = prefix, .search = search, .opaque = bd };
	struct hv_grub_boot b;
	int r;

	place_name(bd, home, where, sizeof(where));
	grub_device(bd, home, dev, sizeof(dev));
	snprintf(prefix, sizeof(prefix), "(%s)%.*s", dev, (int)(strrchr(path, '/') - path), path);
	if (asprintf(&file, "%s%s", where, path) < 0)
		return fail(err, errlen, -ENOMEM, "out of memory");
	r = hv_grubcfg_choose(file, (const char *)text, len, &o, &b, err, errlen);
	if (!r)
		r = read_path(bd, b.kernel, b.root, home, HV_BOOTDISK_MAX_KERNEL, &f->kernel,
			      &f->kernel_len, &f->kernel_name, err, errlen);
	if (!r)
		r = read_initrds(bd, &b, home, f, err, errlen);
	if (!r && make_cmdline(f, b.args, extra))
		r = fail(err, errlen, -ENOMEM, "out of memory");
	memcpy(f->note, b.note, sizeof(f->note));
	f->entry = b.title;
	b.title = NULL;
	f->config = file;
	hv_grub_boot_free(&b);
	return r;
}

int hv_bootdisk_load(struct hv_bootdisk *bd, const char *extra, struct hv_boot_files *f,
		     char *err, size_t errlen)
{
	const struct hv_bootdisk_part *home = NULL;
	const char *path = NULL;
	uint8_t *text = NULL;
	size_t len = 0;
	int r;

	memset(f, 0, sizeof(*f));
	r = find_config(bd, &home, &text, &len, &path, err, errlen);
	if (!r)
		r = load_entry(bd, home, path, text, len, extra, f, err, errlen);
	free(text);
	if (r)
		hv_boot_files_free(f);
	return r;
}

/* The disk c boots from, opened. */
static int open_config(struct hv_bootdisk *bd, const struct hv_config *c, char *err,
		       size_t errlen)
{
	struct hv_disk disk;
	char msg[256];
	int r;

	for (size_t i = 0; i < c->disks.n; i++) {
		if (hv_disk_parse(&disk, c->disks.v[i], msg, sizeof(msg)))
			return fail(err, errlen, -EINVAL, "disk: %s", msg);
		if (!c->boot_disk || !strcmp(disk.vdev, c->boot_disk)) {
			r = hv_bootdisk_open(bd, disk.target, disk.vdev, err, errlen);
			hv_disk_free(&disk);
			return r;
		}
		hv_disk_free(&disk);
	}
	if (c->boot_disk)
		return fail(err, errlen, -ENOENT, "boot_disk: no disk has vdev %s", c->boot_disk);
	return fail(err, errlen, -ENOENT, "no kernel given and no disk to boot from");
}

int hv_bootdisk_load_config(const struct hv_config *c, struct hv_boot_files *f, char *err,
			    size_t errlen)
{
	struct hv_bootdisk bd = { 0 };
	int r = open_config(&bd, c, err, errlen);

	memset(f, 0, sizeof(*f));
	if (!r)
		r = hv_bootdisk_load(&bd, c->cmdline, f, err, errlen);
	hv_bootdisk_close(&bd);
	return r;
}
