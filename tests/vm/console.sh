# PID 1 has the console on 0/1/2, and the command runs in a session of its own with the
# console as its controlling terminal.
set -eu
for fd in 0 1 2; do
    t=$(readlink /proc/1/fd/$fd)
    [ "$t" = /dev/console ] || { echo "PID 1 fd $fd is $t"; exit 1; }
done
# /proc/self/stat after "pid (comm) ": state ppid pgrp session tty_nr
set -- $(sed 's/.*) //' /proc/self/stat)
sid=$4 tty=$5
[ "$tty" != 0 ] || { echo "no controlling terminal"; exit 1; }
# The session's leader is husk's child: the command husk started (/vm/run).
leader_parent=$(awk '/^PPid:/ {print $2}' /proc/$sid/status)
[ "$leader_parent" = 1 ] || { echo "session $sid is led by a child of $leader_parent"; exit 1; }
[ "$(readlink /proc/$sid/fd/0)" = /dev/console ] || { echo "leader's stdin is not the console"; exit 1; }
echo "console on fds 0-2; the command leads session $sid with controlling tty $tty"
