# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
if exec 3<>"/dev/tcp/127.0.0.1/$HOST_PORT"; then echo "ESCAPED: host port"; fi
if timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.1/80'; then echo "ESCAPED: outside"; fi
if exec 4<>/dev/tcp/127.0.0.1/5432; then echo "ESCAPED: postgres port"; fi
echo done
