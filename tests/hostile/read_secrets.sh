# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
cat /etc/shadow 2>/dev/null && echo "ESCAPED: /etc/shadow"
cat /root/.ssh/id_rsa 2>/dev/null && echo "ESCAPED: ssh key"
cat "$CANARY_PRIVATE/canary.txt" 2>/dev/null && echo "ESCAPED: private canary"
cat /proc/1/environ 2>/dev/null && echo "ESCAPED: init environment"
env
echo done
