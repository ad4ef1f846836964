# Firejail profile of ondevice-coding-assistant, passed with --profile=; it does not include
# anything from /etc/firejail. The executor adds per-run flags: --private=<work dir>,
# --blacklist=<project dir> and rlimits, and repeats the core isolation flags explicitly
# (--seccomp only there: Firejail refuses it twice).
quiet
net none
caps.drop all
nonewprivs
noroot
nogroups
private-dev
private-tmp
read-only /
read-only /etc
read-only /dev
read-write ${HOME}
read-write /tmp
ipc-namespace
machine-id
disable-mnt
nosound
no3d
notv
novideo
nodvd
nou2f
noinput
noprinters
nodbus
private-etc alternatives,ld.so.cache,ld.so.conf,ld.so.conf.d,localtime,java-17-openjdk
blacklist /boot
blacklist /home
blacklist /media
blacklist /mnt
blacklist /opt
blacklist /srv
blacklist /var
blacklist /sys/firmware
blacklist /run/docker.sock
blacklist /run/containerd
blacklist /run/dbus
blacklist /run/user
