# hostile-expect: output_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
head -c 1000000000 /dev/zero | tr '\0' 'x'
