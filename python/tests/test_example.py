# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""examples/pipeline.py, the paper's A, B -> C -> D, E model: it runs, checks
what every stage saw, and fails when a stage computes a wrong result."""
import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(not os.path.exists("/dev/swing"),
                                reason="the swing module is not loaded (/dev/swing)")

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, os.pardir, os.pardir, "examples", "pipeline.py")


def run_example(*args):
    import swing

    env = dict(os.environ)
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(swing.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [pkg, env.get("PYTHONPATH")]))
    p = subprocess.run([sys.executable, EXAMPLE] + list(args), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=180)
    return p.returncode, p.stdout


def test_pipeline_runs_and_checks():
    rc, out = run_example("--seconds", "3")
    assert rc == 0, out
    m = re.search(r"^pipeline: OK: A published (\d+) versions, B (\d+); C combined (\d+) "
                  r".* and sent (\d+) items \((\d+) moved\); D checked (\d+) versions "
                  r".* and (\d+) items, E (\d+) versions .* and (\d+) items; totals back",
                  out, re.M)
    assert m, out
    a, b, c, sent, moved, dv, di, ev, ei = map(int, m.groups())
    assert a > 1 and b > 1 and c > 1, out
    assert sent == c and moved == sent // 2, out
    assert di + ei == sent, out
    assert dv >= 1 and ev >= 1, out
    # a progress line each second, at least the last one
    assert re.search(r"^\s*\d+\.\d+s\s+A v\d+", out, re.M), out


def test_pipeline_detects_a_wrong_result():
    # C corrupts one element of its version 1, which is also work item 1:
    # whichever of D and E receives that item must report it.
    rc, out = run_example("--seconds", "0", "--fault")
    assert rc == 1, out
    assert re.search(r"^pipeline: [DE]: \d+ failures, the first: .*not a \+ 2 b", out, re.M), out
    assert re.search(r"^pipeline: FAILED", out, re.M), out
