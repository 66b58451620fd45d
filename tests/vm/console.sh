# PID 1 has the console on 0/1/2, and the command runs in its own session with the
# console as its controlling terminal.
set -eu
for fd in 0 1 2; do
    t=$(readlink /proc/1/fd/$fd)
    [ "$t" = /dev/console ] || { echo "PID 1 fd $fd is $t"; exit 1; }
done
# The runner (our parent) leads its session and has a controlling terminal.
set -- $(sed 's/.*) //' /proc/$PPID/stat)
# after "pid (comm) ": state ppid pgrp session tty_nr
[ "$4" = "$PPID" ] || { echo "runner $PPID is not a session leader (session $4)"; exit 1; }
[ "$5" != 0 ] || { echo "runner has no controlling terminal"; exit 1; }
echo "console on fds 0-2; command leads session $4 with tty $5"
