#!/usr/bin/env bash
# Builds a GRUB2 image for Xen PVH guests from Debian's grub-xen-bin:
#
#   mkimage.sh IMAGE CONFIG
#
# IMAGE is an ELF with a PVH entry note that tern-hv boots with --kernel;
# CONFIG is embedded in it and runs first.  GRUB_PLATFORM_DIR overrides
# where the i386-xen_pvh modules are.
#
# GRUB runs the embedded config with its rescue parser: commands only, no
# comments, no if.  embedded.cfg names the disk after the "dev" node of its
# backend in xenstore (tern-hv writes the vdev there, so --disk 'vdev=xvda'
# is (xen/xvda)), runs grub.cfg from its first partition, and if that
# fails says so, lists the devices GRUB found and powers off rather than
# waiting at a prompt.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 IMAGE CONFIG" >&2
	exit 2
fi
image=$1 config=$2
platform_dir=${GRUB_PLATFORM_DIR:-/usr/lib/grub/i386-xen_pvh}

# The Xen disk driver (xendisk), the Xen console, the PVH start code and
# the Xen halt are in GRUB's kernel for this platform.  grub-mkimage adds
# what these modules depend on (normal brings crypto, net, bufio, gettext,
# terminal, datetime).
modules=(
	part_msdos ext2 # the partition table and file system of the disks
	normal          # script syntax (if, $vars) and configfile
	configfile test echo cat ls read halt
)

grub-mkimage -O i386-xen_pvh -d "$platform_dir" -c "$config" \
	-p '(xen/xvda,msdos1)/boot/grub' -o "$image.tmp" "${modules[@]}"
mv "$image.tmp" "$image"
