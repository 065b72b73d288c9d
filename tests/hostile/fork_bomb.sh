# hostile-expect: process_limit, timeout, exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
:(){ :|:& };:
