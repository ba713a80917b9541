# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""python3 -m swing: what swingctl status prints; exit status 3 when the
module is not loaded (as swingctl's)."""
import os
import sys

from . import status

text = status()
sys.stdout.write(text)
sys.exit(0 if os.path.isdir("/sys/module/swing") else 3)
