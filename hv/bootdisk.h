/*
 * The host-side boot loader (what Xen ships as pygrub): reads a guest's
 * raw disk image, finds its partitions (libblkid), reads grub.cfg from the
 * first ext2/3/4 file system that has one (libext2fs), lets grubcfg.c
 * choose the default entry, and reads that entry's kernel and initrds out
 * of the image, so that the direct-boot loader can load them.
 *
 * The image is outside input: partitions outside the image, garbage
 * partition tables, other file systems, truncated images and missing files
 * give an error that names the disk, partition and path, never a crash.
 * docs/boot.md says when this loader is used rather than GRUB itself.
 */
#ifndef HV_BOOTDISK_H
#define HV_BOOTDISK_H

#include <stddef.h>
#include <stdint.h>

struct hv_config;

#define HV_BOOTDISK_MAX_PARTS 64
#define HV_BOOTDISK_MAX_KERNEL (256ULL << 20)  /* bytes of a kernel file */
#define HV_BOOTDISK_MAX_INITRD (1ULL << 30)    /* bytes of all initrd files */

/* One file system place: a partition, or the whole disk (number 0). */
struct hv_bootdisk_part {
	unsigned number;    /* as GRUB counts: msdos 1-4 primary, 5- logical; gpt 1- */
	uint64_t offset;    /* in bytes from the start of the image */
	uint64_t size;      /* in bytes; within the image */
	char fstype[16];    /* blkid's TYPE ("ext4", "vfat", ...); "" if unknown */
	char uuid[40];
	char label[40];
};

struct hv_bootdisk {
	char *image;        /* path; owned */
	char vdev[16];      /* the guest's name for the disk, e.g. "xvda" */
	char scheme[8];     /* "msdos", "gpt", or "" for a disk without partitions */
	uint64_t size;
	struct hv_bootdisk_part parts[HV_BOOTDISK_MAX_PARTS];
	unsigned nparts;
};

/* What to boot.  Every buffer and string is owned by the struct. */
struct hv_boot_files {
	uint8_t *kernel;
	size_t kernel_len;
	uint8_t *initrd;    /* NULL: no initrd */
	size_t initrd_len;
	char *cmdline;      /* may be NULL */
	char *kernel_name;  /* for messages: a host path or "(xvda,msdos1)/boot/..." */
	char *initrd_name;  /* likewise, several separated by spaces; NULL: none */
	char *entry;        /* disk only: the entry's title (submenus joined by '>') */
	char *config;       /* disk only: "(xvda,msdos1)/boot/grub/grub.cfg" */
	char note[256];     /* nonempty: worth telling the operator (grubcfg.h) */
};

/*
 * Opens the raw image at path, which the guest calls vdev, and lists its
 * partitions with their file system types; a disk without a partition
 * table is one place, number 0.  Returns 0, or -errno with a message in
 * err (errlen bytes).  bd must be released with hv_bootdisk_close either
 * way.
 */
int hv_bootdisk_open(struct hv_bootdisk *bd, const char *path, const char *vdev, char *err,
		     size_t errlen);

/* Frees what bd owns; a zeroed or closed bd may be closed again. */
void hv_bootdisk_close(struct hv_bootdisk *bd);

/*
 * Reads path (absolute, symbolic links followed) from the ext2/3/4 file
 * system of p into a new buffer (the caller frees *buf).  Files over max
 * bytes give -EFBIG.  Returns 0, or -errno with "(xvda,msdos1)/path: why"
 * in err.
 */
int hv_bootdisk_read(const struct hv_bootdisk *bd, const struct hv_bootdisk_part *p,
		     const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
		     size_t errlen);

/*
 * The whole host-side boot: finds grub.cfg (/boot/grub/grub.cfg, then
 * /grub/grub.cfg for a separate /boot, on each place in order), chooses
 * its default entry and reads the entry's kernel and initrds (several are
 * concatenated, each padded to 4 bytes as GRUB does).  The command line is
 * the entry's, then extra (may be NULL) after a space, as xl passes its
 * cmdline to pygrub.  Returns 0 with f filled, or -errno with a message in
 * err and f empty; f must be released with hv_boot_files_free either way.
 */
int hv_bootdisk_load(struct hv_bootdisk *bd, const char *extra, struct hv_boot_files *f,
		     char *err, size_t errlen);

/*
 * hv_bootdisk_load on the disk a configuration boots from: the disk whose
 * vdev is c->boot_disk, else the first; c->cmdline is the extra command
 * line.  Returns 0, or -errno with a message in err; f must be released
 * with hv_boot_files_free either way.
 */
int hv_bootdisk_load_config(const struct hv_config *c, struct hv_boot_files *f, char *err,
			    size_t errlen);

/* Frees what f owns and zeroes it; a zeroed f may be freed again. */
void hv_boot_files_free(struct hv_boot_files *f);

#endif
