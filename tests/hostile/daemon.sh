# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
nohup sleep 120 >/dev/null 2>&1 &
(setsid sleep 121 >/dev/null 2>&1 &)
sleep 122 >/dev/null 2>&1 & disown
echo "three daemons started"
