# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
touch /etc/webnova-pwned 2>/dev/null && echo "ESCAPED: /etc"
touch /usr/bin/webnova-pwned 2>/dev/null && echo "ESCAPED: /usr/bin"
echo pwned > "$CANARY_PRIVATE/canary.txt" 2>/dev/null && echo "ESCAPED: private canary"
rm -rf "$CANARY_PRIVATE" 2>/dev/null
rm -rf /etc/ssl 2>/dev/null
[ -d /etc/ssl ] || echo "sandbox /etc/ssl gone (its own copy)"
echo done
