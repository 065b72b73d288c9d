# hostile-expect: exited, killed
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
kill -9 "$PPID" 2>/dev/null && echo "ESCAPED: killed the parent"
kill -9 "$SENTINEL_PID" 2>/dev/null && echo "ESCAPED: killed the sentinel"
kill -9 1 2>/dev/null && echo "ESCAPED: killed init"
echo "about to kill -1"
kill -9 -1
