/*
 * The domain's control socket (config key control_socket, option
 * --control-socket): the server side of the protocol in ctl_proto.h,
 * specified in docs/control.md.  One thread serves every client with
 * non-blocking I/O; the operations that wait (a pause waits for the vCPUs
 * to park) run on it, never on a vCPU thread.  The socket file is made
 * mode 0600: only root (its owner) may connect.
 */
#ifndef HV_CONTROL_H
#define HV_CONTROL_H

struct hv_domain;
struct hv_control;

/* How the domain starts. */
enum hv_control_start {
	HV_CONTROL_RUN,      /* its vCPUs run at once */
	HV_CONTROL_PAUSED,   /* booted normally, paused until UNPAUSE */
	HV_CONTROL_INCOMING, /* nothing loaded: paused, waiting for its state */
};

/*
 * Listens on path and starts the control thread for d.  Call after the
 * devices are up and before the vCPUs start: with HV_CONTROL_PAUSED or
 * HV_CONTROL_INCOMING the domain is paused before this returns, so that
 * its vCPUs park as soon as their threads start.  Returns 0 or -errno with
 * the reason logged; *out is then untouched.
 */
int hv_control_start(struct hv_domain *d, const char *path, enum hv_control_start mode,
		     struct hv_control **out);

/*
 * Tells the control server that the domain has stopped (d->stop is set):
 * it notifies the subscribed clients and from now on refuses what needs a
 * running domain.  Waits for a request being served to finish, so that the
 * caller may then join the vCPUs and take the devices down.  Call once,
 * from the thread that saw the stop.
 */
void hv_control_stopped(struct hv_control *c);

/*
 * Sends what is queued (up to a second), disconnects every client, removes
 * the socket file and frees c.  Call before hv_domain_destroy.
 */
void hv_control_stop(struct hv_control *c);

#endif
