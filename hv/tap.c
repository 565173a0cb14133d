/*
 * Tap devices (see tap.h): /dev/net/tun with IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, and the interface ioctls that set the MTU, bring the device
 * up and enslave it to a bridge.
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Opens /dev/net/tun as the tap name with extra flags; the kernel's name in actual. */
static int open_tap(const char *name, short extra, char actual[HV_VIF_NAME_MAX])
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | extra };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	snprintf(actual, HV_VIF_NAME_MAX, "%s", ifr.ifr_name);
	return fd;
}

/* An interface ioctl on name through a throw-away socket.  0 or -errno. */
static int if_ioctl(unsigned long req, struct ifreq *ifr, const char *name)
{
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(s, req, ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

/* Sets the MTU (unless 0) and IFF_UP.  0 or -errno, logged. */
static int bring_up(const char *name, unsigned mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };
	int err = mtu ? if_ioctl(SIOCSIFMTU, &ifr, name) : 0;

	if (err) {
		log_warnx("tap %s: cannot set its MTU to %u: %s", name, mtu, strerror(-err));
		return err;
	}
	err = if_ioctl(SIOCGIFFLAGS, &ifr, name);
	ifr.ifr_flags |= IFF_UP;
	err = err ? err : if_ioctl(SIOCSIFFLAGS, &ifr, name);
	if (err)
		log_warnx("tap %s: cannot bring it up: %s", name, strerror(-err));
	return err;
}

static int enslave(const char *name, const char *bridge)
{
	struct ifreq ifr = { .ifr_ifindex = (int)if_nametoindex(name) };
	int err = if_ioctl(SIOCBRADDIF, &ifr, bridge);

	if (err == -EOPNOTSUPP || err == -EINVAL)
		err = -ENODEV; /* a device that is not a bridge */
	if (err)
		log_warnx("tap %s: cannot add it to bridge %s: %s", name, bridge,
			  err == -ENODEV ? "no such bridge" : strerror(-err));
	return err;
}

int hv_tap_create(const char *name, const char *bridge, unsigned mtu,
		  char actual[HV_VIF_NAME_MAX])
{
	int fd = open_tap(name, IFF_TUN_EXCL, actual);
	int err;

	if (fd < 0) {
		if (fd != -EBUSY)
			log_warnx("tap %s: cannot create it: %s", name, strerror(-fd));
		return fd;
	}
	err = bring_up(actual, mtu);
	if (!err && bridge[0])
		err = enslave(actual, bridge);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int hv_tap_attach(const char *name, unsigned mtu)
{
	char actual[HV_VIF_NAME_MAX];
	int fd, err;

	if (!if_nametoindex(name)) {
		log_warnx("tap %s: no such device (make it with `ip tuntap add %s mode tap`, or "
			  "give bridge= to have tern-hv make one)", name, name);
		return -ENODEV;
	}
	fd = open_tap(name, 0, actual);
	if (fd < 0) {
		if (fd != -EBUSY)
			log_warnx("tap %s: cannot attach to it%s: %s", name,
				  fd == -EINVAL ? " (not a tap device?)" : "", strerror(-fd));
		return fd;
	}
	err = bring_up(name, mtu);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int hv_tap_set_offload(int fd, bool csum)
{
	return ioctl(fd, TUNSETOFFLOAD, csum ? TUN_F_CSUM : 0u) < 0 ? -errno : 0;
}
