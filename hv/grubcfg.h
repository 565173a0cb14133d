/*
 * GRUB 2 configuration files (grub.cfg), read the way the host-side loader
 * needs them: run the file's script far enough to know its menu, choose the
 * default entry as GRUB would, and run that entry's body to learn which
 * kernel, initrds and command line it boots.  Nothing is loaded here; the
 * paths are resolved by bootdisk.c.
 *
 * The language is the subset that grub-mkconfig (Debian 12) writes and that
 * people write by hand (docs/boot.md lists it): '#' comments, '...' and
 * "..." quoting with backslash escapes, line continuation, "set v=x",
 * "v=x", unset, $v and ${v}, if/elif/else/fi with "[ ... ]" tests,
 * function definitions (never run: GRUB's functions there draw menus),
 * menuentry and submenu with --id, linux/linux16/linuxefi and
 * initrd/initrd16/initrdefi, and "search --set" through a callback.  Other
 * commands are skipped; those that would boot something else or read
 * another file (chainloader, multiboot, source, configfile, ...) and the
 * loops (for, while, until) give an error "FILE:LINE: what".
 *
 * The text is outside input: its size, the number of words, entries and
 * variables and the nesting depth are bounded (GRUBCFG_MAX_*), so a hostile
 * file costs bounded time and memory.
 */
#ifndef HV_GRUBCFG_H
#define HV_GRUBCFG_H

#include <stddef.h>

#define GRUBCFG_MAX_TEXT (1024 * 1024) /* bytes of grub.cfg */
#define GRUBCFG_MAX_WORDS 200000       /* words in the whole file */
#define GRUBCFG_MAX_WORD 65536         /* bytes in one word, before or after expansion */
#define GRUBCFG_MAX_DEPTH 32           /* nested blocks */
#define GRUBCFG_MAX_ITEMS 1024         /* entries and submenus in one menu */
#define GRUBCFG_MAX_VARS 1024          /* variables set at once */
#define GRUBCFG_MAX_INITRDS 16         /* files of one initrd command */

/*
 * Resolves "search --set=VAR" for the script: kind is "fs-uuid", "label"
 * or "file", key what to look for.  On success writes the GRUB device name
 * (e.g. "hd0,msdos1") into dev (devlen bytes) and returns 0; otherwise the
 * variable keeps its value, as when GRUB's search fails.
 */
typedef int hv_grub_search_fn(void *opaque, const char *kind, const char *key, char *dev,
			      size_t devlen);

/* What GRUB would know before it reads the file. */
struct hv_grubcfg_opts {
	const char *root;    /* initial $root, e.g. "hd0,msdos1"; may be NULL */
	const char *prefix;  /* initial $prefix, e.g. "(hd0,msdos1)/boot/grub"; may be NULL */
	hv_grub_search_fn *search; /* may be NULL: search commands then change nothing */
	void *opaque;
};

/* The chosen entry.  Every string is owned by the struct. */
struct hv_grub_boot {
	char *title;       /* submenu titles and the entry's, joined by '>' */
	char *kernel;      /* linux's path as expanded, maybe with a "(device)" prefix */
	char *args;        /* the rest of linux's words joined by spaces; "" if none */
	char **initrds;    /* initrd's paths, in order: GRUB concatenates them */
	unsigned nr_initrds;
	char *root;        /* $root when linux ran; NULL if unset */
	unsigned line;     /* linux's line in the file */
	char note[256];    /* nonempty: worth telling the operator (default fell back) */
};

/*
 * Runs the script text[0..len) (need not be NUL-terminated), named file in
 * messages, with the starting state o, picks the default entry as GRUB does
 * ("default" by number, title or --id, with '>' between submenu levels;
 * empty, unset or not matching any entry: entry 0, explained in b->note)
 * and runs its body.  Returns 0 with b filled, or -EINVAL with
 * "FILE:LINE: what is wrong" in err (errlen bytes) and b empty, or -ENOMEM.
 * b must be released with hv_grub_boot_free either way.
 */
int hv_grubcfg_choose(const char *file, const char *text, size_t len,
		      const struct hv_grubcfg_opts *o, struct hv_grub_boot *b, char *err,
		      size_t errlen);

/* Frees what b owns and zeroes it; a zeroed b may be freed again. */
void hv_grub_boot_free(struct hv_grub_boot *b);

#endif
