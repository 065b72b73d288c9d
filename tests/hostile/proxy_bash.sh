# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
# hostile-network: registry
# A network session in bash: /dev/tcp to the proxy asking for the host's port, then directly.
if exec 3<>/dev/tcp/127.0.0.1/3128; then
  printf 'CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n' "$HOST_PORT" >&3
  read -r -t 3 status <&3
  echo "proxy said: $status"
  case "$status" in *" 200 "*) echo "ESCAPED: tunnel" ;; esac
fi
if exec 4<>"/dev/tcp/127.0.0.1/$HOST_PORT"; then echo "ESCAPED: host port"; fi
echo done
