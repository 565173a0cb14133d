/*
 * Domain configuration: the subset of xl.cfg that tern-hv understands, from
 * a file and from command-line options.
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* What to do when the guest powers off, reboots or crashes (xl.cfg names). */
enum hv_action {
	HV_ACTION_DESTROY,
	HV_ACTION_RESTART,
	HV_ACTION_PRESERVE,
};

/* A list of strings, each owned by the list. */
struct hv_strlist {
	char **v;
	size_t n;
};

struct hv_config {
	char *name;       /* "name"; default "domain" */
	char *kernel;     /* "kernel": path */
	char *ramdisk;    /* "ramdisk": path or NULL */
	char *cmdline;    /* "cmdline", or "extra" when cmdline is absent */
	uint64_t memory;  /* "memory", MiB; default 128 */
	uint64_t maxmem;  /* "maxmem", MiB; 0 (default): as memory; never < memory */
	unsigned vcpus;   /* "vcpus"; default 1; 1..HV_CONFIG_MAX_VCPUS */
	struct hv_strlist cpuid; /* "cpuid": each string one policy (cpuid.h) */
	struct hv_strlist disks; /* "disk": each string one xl disk spec */
	struct hv_strlist vifs;  /* "vif": each string one xl vif spec (vif.h) */
	char *bootloader;        /* "bootloader": "pygrub" or "grub"; NULL: choose (docs/boot.md) */
	char *grub_image;        /* "grub_image": GRUB i386-xen_pvh image for bootloader "grub" */
	char *boot_disk;         /* "boot_disk": vdev of the disk to boot from; NULL: the first */
	char *xenstore_socket;   /* "xenstore_socket": path for dom0 clients */
	char *console_socket;    /* "console_socket": path to attach a terminal */
	char *console_log;       /* "console_log": file the console is copied to */
	char *control_socket;    /* "control_socket": the domain's control socket */
	enum hv_action on_poweroff; /* default destroy */
	enum hv_action on_reboot;   /* default restart */
	enum hv_action on_crash;    /* default destroy */
};

#define HV_CONFIG_MAX_VCPUS 128
#define HV_CONFIG_MAX_MEMORY (1024ULL * 1024) /* MiB: 1 TiB */

/* Fills c with the defaults above.  Owns nothing yet. */
void hv_config_init(struct hv_config *c);

/* Frees every string c owns and resets it to the defaults. */
void hv_config_free(struct hv_config *c);

/*
 * Parses xl.cfg text (len bytes, need not be NUL-terminated) named file in
 * messages, into c (which must have been initialised).  Keys already set in
 * c are overwritten by the file; paths are kept as written.  On error
 * returns -EINVAL (or -ENOMEM) and writes a message "FILE:LINE:COL: what is
 * wrong" into err (errlen bytes; LINE and COL 1-based, COL in bytes); c is
 * left valid (possibly partly updated) and must still be freed by the caller.
 */
int hv_config_parse(struct hv_config *c, const char *file, const char *text, size_t len,
		    char *err, size_t errlen);

/*
 * Reads path and parses it with hv_config_parse; relative kernel and ramdisk
 * paths in it are made relative to the file's folder.  -errno if unreadable.
 */
int hv_config_load(struct hv_config *c, const char *path, char *err, size_t errlen);

/*
 * Sets one key from a command-line option, with the same checks as in a
 * file: key is the xl.cfg name ("kernel", "memory", "cpuid", ...) and value
 * its text (numbers in decimal, strings unquoted).  "cpuid" appends a
 * policy.  Returns 0, or -EINVAL with a message in err.
 */
int hv_config_set(struct hv_config *c, const char *key, const char *value, char *err,
		  size_t errlen);

/* Checks the whole configuration (kernel given, maxmem >= memory, ...). */
int hv_config_check(const struct hv_config *c, char *err, size_t errlen);

/* The maximum memory in MiB: maxmem, or memory when maxmem is 0. */
uint64_t hv_config_maxmem(const struct hv_config *c);

/* "destroy", "restart" or "preserve". */
const char *hv_action_name(enum hv_action a);

#endif
