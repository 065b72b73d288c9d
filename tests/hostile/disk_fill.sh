# hostile-expect: disk_limit, file_size_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
for i in $(seq 1 500); do
  head -c 4000000 /dev/zero > "fill-$i.bin" || exit 1
done
echo "ESCAPED: wrote 2 GB"
