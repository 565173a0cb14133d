#!/usr/bin/env bash
# Booting from the guest's own disk: a config with the root disk and no
# kernel.  tern-hv's pygrub-style loader (hv/bootdisk.c) reads the disk's
# grub.cfg, loads its default entry, and the stock kernel reaches the same
# shell as a direct boot, with the default entry's command line (not the
# second, "recovery mode" entry); poweroff gives exit status 0.
. "$(dirname "$0")/lib.sh"

linux_cfg disk

stage "start"
start_linux disk "" -- "$WORK/disk.cfg" -v
wait_boot disk
grep -q "boot: entry 'Debian GNU/Linux' from (xvda,msdos1)/boot/grub/grub.cfg" "$WORK/disk.err" ||
	{ show disk; fail "tern-hv did not say which grub.cfg entry it booted"; }
run_cmd disk 'echo "cmdline=$(cat /proc/cmdline)"' "^cmdline=$LINUX_CMDLINE\$"
expect_no_line disk '^cmdline=.* single'
type_line 'poweroff -f'
wait_exit disk 0
stage "powered off"
pid=
echo "PASS"
