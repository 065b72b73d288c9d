# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import base64

payload = base64.b64encode(
    b"try:\n    print('ESCAPED:', open('/etc/shadow').read()[:40])\n"
    b"except OSError as exc:\n    print('refused', exc.strerror)\n")
exec(base64.b64decode(payload))
