/*
 * The configuration ternd keeps for a domain, domains/NAME/config: the
 * user's xl.cfg as tern-hv understood it, with every path absolute and the
 * files and sockets ternd chose for it, so that it runs the same whatever
 * happens to the file it came from.
 */
#ifndef MIG_DOM_CONFIG_H
#define MIG_DOM_CONFIG_H

#include "config.h"

/*
 * Writes c as xl.cfg text that hv_config_parse reads back into the same
 * configuration: every key tern-hv knows that c sets, strings quoted with
 * escapes for '"', '\\' and control characters.  Returns the text
 * (malloc'd, the caller's) or NULL when out of memory.
 */
char *mig_dom_config_format(const struct hv_config *c);

#endif
