# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The examples of the README's Python section run, each in processes of
its own, and print what the README says they print.

Python blocks starting with a ``# NAME.py`` line are the producer and
consumer pair: the producer prints its area's token, the consumer (given
the token) must print what the ``$ python3 consumer.py`` lines of the
console block show.  Every other Python block runs as a script; its
``# -> TEXT`` comments, in order, are the lines it must print."""
import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(not os.path.exists("/dev/swing"),
                                reason="the swing module is not loaded (/dev/swing)")

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, os.pardir, os.pardir, "README.md")


def python_section():
    with open(README) as f:
        text = f.read()
    m = re.search(r"^## Python\n(.*?)(?=^## )", text, re.M | re.S)
    assert m, "README.md has no Python section"
    return m.group(1)


def blocks(lang):
    return re.findall(r"^```%s\n(.*?)^```$" % lang, python_section(), re.M | re.S)


def named(name):
    for b in blocks("python"):
        if b.startswith("# %s\n" % name):
            return b
    raise AssertionError("README: no %s block" % name)


def scripts():
    return [b for b in blocks("python") if not re.match(r"# \w+\.py\n", b)]


def expected(code):
    return [m.group(1) for m in re.finditer(r"# -> (.*)$", code, re.M)]


def env():
    import swing

    e = dict(os.environ)
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(swing.__file__)))
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [pkg, e.get("PYTHONPATH")]))
    return e


def totals():
    import swing

    t = {}
    for line in swing.status().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("areas", "pages", "messages", "versions"):
            t[parts[0]] = int(parts[1])
    return t


def test_readme_has_the_examples():
    assert len(scripts()) >= 4
    for code in scripts():
        assert expected(code), code
    named("producer.py")
    named("consumer.py")


def test_producer_consumer(tmp_path):
    for name in ("producer.py", "consumer.py"):
        (tmp_path / name).write_text(named(name))
    console = blocks("console")
    m = [re.search(r"^\$ python3 consumer\.py \d+.*\n((?:[^$].*\n)+)", c, re.M) for c in console]
    m = [x for x in m if x]
    assert len(m) == 1, console
    want = m[0].group(1).splitlines()
    before = totals()
    prod = subprocess.Popen([sys.executable, "producer.py"], cwd=tmp_path, env=env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        token = prod.stdout.readline().strip()
        assert token.isdigit(), token
        cons = subprocess.run([sys.executable, "consumer.py", token], cwd=tmp_path, env=env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=120)
        assert cons.returncode == 0, cons.stdout
        assert cons.stdout.splitlines() == want
    finally:
        prod.stdin.close()
        assert prod.wait(60) == 0
    assert totals() == before


@pytest.mark.parametrize("n", range(len(scripts())))
def test_script(n, tmp_path):
    code = scripts()[n]
    path = tmp_path / ("readme_%d.py" % n)
    path.write_text(code)
    before = totals()
    p = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == expected(code), p.stderr
    assert totals() == before
