#!/usr/bin/env bash
# Booting from the guest's own disk, up to the kernel's first messages: a
# config with the root disk and no kernel; tern-hv's pygrub-style loader
# picks the default entry of the disk's grub.cfg, and the kernel it loads
# from the disk runs and prints that entry's command line (not the second,
# "recovery mode" entry's).  Then the domain is destroyed.  (linux/diskboot
# goes on to the shell where user space can run.)
. "$(dirname "$0")/lib.sh"

linux_cfg disk

stage "start"
start_linux disk "" -- "$WORK/disk.cfg"
wait_for_line disk 'Booting kernel on Xen PVH' 1 "$STAGE_SECS"
stage "kernel from the disk running"
kill -TERM "$pid"
wait_exit disk 4
pid=
grep -q "boot: entry 'Debian GNU/Linux' from (xvda,msdos1)/boot/grub/grub.cfg" "$WORK/disk.err" ||
	{ show disk; fail "tern-hv did not say which grub.cfg entry it booted"; }
grep -Fxq "[    0.000000] Command line: $LINUX_CMDLINE" <(tr -d '\r' <"$WORK/disk.out") ||
	{ show disk; fail "the kernel did not get the default entry's command line"; }
echo "PASS"
