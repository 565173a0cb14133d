/*
 * The state folder (ternd --state-dir, default /var/lib/tern):
 *
 *   domains/NAME/config        the configuration tern-hv runs (dom_config.h)
 *   domains/NAME/state         the state file (dom_state.h)
 *   domains/NAME/hv.log        tern-hv's messages
 *   domains/NAME/console.sock  the console's attach socket, while it runs
 *   domains/NAME/control.sock  the domain's control socket, while it runs
 *   console/NAME.log           the domain's console, kept across restarts
 *   next-domid                 where the search for a free domain id starts
 *   lock                       locked by the ternd that uses the folder
 *
 * Files are written whole and renamed into place.  Everything is root's
 * only (folders 0700, files 0600, the console log 0640).
 */
#ifndef MIG_STORE_H
#define MIG_STORE_H

#include <stddef.h>

#include "domain.h"
#include "ternd.h"

/*
 * Makes the folders that are missing, takes the folder's lock (held in
 * t->lock_fd until ternd exits: -EBUSY if another ternd has it) and reads
 * next-domid (a missing or unreadable one starts the search at 1, with a
 * warning for the latter).  Returns 0 or -errno with a message in err.
 */
int mig_store_open(struct ternd *t, char *err, size_t errlen);

/*
 * Makes a record for every domain under domains/ whose state file is
 * readable; a domain whose state file is not is skipped with a warning.
 * The records keep the state their files give: the caller checks on the
 * live ones.  Returns 0 or -errno (domains/ unreadable, out of memory).
 */
int mig_store_load(struct ternd *t);

/* buf = domains/NAME/file.  0 or -ENAMETOOLONG. */
int mig_store_path(const struct mig_domain *d, const char *file, char *buf, size_t len);

/* buf = console/NAME.log.  0 or -ENAMETOOLONG. */
int mig_store_console_log(const struct mig_domain *d, char *buf, size_t len);

/* Makes domains/NAME and removes the sockets a previous run left there. */
int mig_store_prepare(const struct mig_domain *d);

/* Writes domains/NAME/config: text is a whole xl.cfg file. */
int mig_store_write_config(const struct mig_domain *d, const char *text);

/* Writes domains/NAME/state from d->rec.  0 or -errno (logged). */
int mig_store_save_state(const struct mig_domain *d);

/* Writes next-domid.  0 or -errno (logged). */
int mig_store_save_next_domid(const struct ternd *t);

/* Removes domains/NAME and what is in it; the console log stays. */
void mig_store_remove(const struct mig_domain *d);

/*
 * The last line tern-hv wrote to hv.log (at most len - 1 bytes of it, the
 * end kept), for error messages; "" if there is none.
 */
void mig_store_hv_log_tail(const struct mig_domain *d, char *buf, size_t len);

#endif
