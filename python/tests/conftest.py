# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Shared fixtures of the swing package's tests.

The tests need the swing module loaded (/dev/swing): they run in a vmrun
guest (python/run-tests, from tests/run-suite).  Without the device every
test is skipped but those marked ``nomodule`` (the missing-module message).

Other interpreters are separate processes started with sys.executable:
``run_py`` runs a snippet in a fresh one; ``peer`` is a long-lived one (a
numpy import costs seconds under TCG) that runs snippets on request, with
tokens and results passed through its stdin/stdout pipes, never through
fork.  ``nobody_peer`` is one running as user nobody.
"""
import gc
import os
import pickle
import pwd
import select
import shutil
import struct
import subprocess
import sys
import textwrap

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(TESTS)
for p in (TESTS, PKG):
    if p not in sys.path:
        sys.path.insert(0, p)

import _helpers  # noqa: E402

DEVICE = "/dev/swing"
HAVE_MODULE = os.path.exists(DEVICE)
ROOT = os.geteuid() == 0
_LEN = struct.Struct("<Q")


def child_env(extra=None):
    """The environment of a child interpreter: this package and the tests'
    helpers on its path, no bytecode written (the guest's host is read-only)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PKG, TESTS] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if extra:
        env.update(extra)
    return env


def as_nobody():
    """The command prefix that runs a program as user nobody (root only)."""
    setpriv = shutil.which("setpriv")
    if not ROOT or not setpriv:
        return None
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return [setpriv, "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
            "--clear-groups", "--"]


def pytest_configure(config):
    config.addinivalue_line("markers", "nomodule: runs without /dev/swing too")
    config.addinivalue_line("markers", "slow: a 256 MiB case")


def pytest_collection_modifyitems(config, items):
    if HAVE_MODULE:
        return
    skip = pytest.mark.skip(reason="%s missing: the swing module is not loaded" % DEVICE)
    for item in items:
        if "nomodule" not in item.keywords:
            item.add_marker(skip)


def _run_py(code, *args, input=None, timeout=120, prefix=(), env=None, check=True):
    """Run *code* (dedented) in a fresh interpreter with *args* as
    sys.argv[1:]; the CompletedProcess (text).  *check*: a non-zero exit
    fails the test, with the child's stderr."""
    cmd = list(prefix) + [sys.executable, "-c", textwrap.dedent(code)] + [str(a) for a in args]
    p = subprocess.run(cmd, input=input, capture_output=True, text=True,
                       timeout=timeout, env=child_env(env))
    if check and p.returncode != 0:
        pytest.fail("child exited %d:\nstdout:\n%s\nstderr:\n%s"
                    % (p.returncode, p.stdout, p.stderr))
    return p


@pytest.fixture
def run_py():
    return _run_py


class PeerDied(Exception):
    pass


class Peer:
    """A separate interpreter running snippets on request (see _peer.py).

    ``call(code, **vars)`` runs *code* there with *vars* bound and returns
    what it left in ``result``; an exception there is raised here (the same
    type and errno, the peer's traceback in its notes).  ``start`` sends a
    request without waiting, ``finish`` collects its answer: for a peer
    that must block (in wait, recv) while this process acts.
    """

    def __init__(self, prefix=(), env=None):
        self.proc = subprocess.Popen(
            list(prefix) + [sys.executable, os.path.join(TESTS, "_peer.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env(env))
        self.pid = self.proc.pid        # setpriv execs: the same process
        self.pending = False
        self._read(120)                 # its "ready"

    def _read(self, timeout):
        fd = self.proc.stdout.fileno()
        data = b""
        want = _LEN.size
        header = True
        while True:
            while len(data) < want:
                r, _, _ = select.select([fd], [], [], timeout)
                if not r:
                    self.kill()
                    raise PeerDied("peer did not answer in %ss" % timeout)
                chunk = os.read(fd, want - len(data))
                if not chunk:
                    raise PeerDied("peer exited (status %s)" % self.proc.wait())
                data += chunk
            if not header:
                return pickle.loads(data)
            want = _LEN.unpack(data)[0]
            if want == 0:
                return None
            data, header = b"", False

    def _send(self, op, code="", variables=None):
        if self.pending:
            raise RuntimeError("peer busy: finish() first")
        data = pickle.dumps((op, textwrap.dedent(code), variables or {}))
        self.proc.stdin.write(_LEN.pack(len(data)) + data)
        self.proc.stdin.flush()
        self.pending = True

    def start(self, code, **variables):
        self._send("exec", code, variables)

    def ready(self, timeout=0):
        r, _, _ = select.select([self.proc.stdout.fileno()], [], [], timeout)
        return bool(r)

    def finish(self, timeout=120):
        self.pending = False
        reply = self._read(timeout)
        if reply[0] == "ok":
            return reply[1]
        exc, tb = reply[1], reply[2]
        exc.add_note("in the peer:\n" + tb)
        raise exc

    def call(self, code, timeout=120, **variables):
        self.start(code, **variables)
        return self.finish(timeout)

    def reset(self):
        """Drop everything the snippets left (areas, queues: released)."""
        if self.pending:
            self.finish(30)
        self._send("reset")
        self.finish(30)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def _peer_session():
    p = Peer()
    yield p
    p.close()


@pytest.fixture
def peer(_peer_session):
    """The session's peer interpreter, reset after each test."""
    p = _peer_session
    if p.proc.poll() is not None:
        pytest.fail("the peer died in an earlier test")
    yield p
    if p.proc.poll() is None:
        p.reset()


@pytest.fixture
def fresh_peer():
    """A peer of its own for this test (for one that may die or hang)."""
    p = Peer()
    yield p
    p.kill()


@pytest.fixture(scope="session")
def _nobody_session():
    prefix = as_nobody()
    if prefix is None:
        pytest.skip("needs root and setpriv to start a peer as user nobody")
    p = Peer(prefix=prefix)
    yield p
    p.close()


@pytest.fixture
def nobody_peer(_nobody_session):
    """A peer interpreter running as user nobody (needs root here)."""
    p = _nobody_session
    yield p
    if p.proc.poll() is None:
        p.reset()


@pytest.fixture
def no_leak(request):
    """The module's totals at the end of the test are those at its start
    (after this process's garbage is collected and the peer reset)."""
    import swing
    gc.collect()
    swing._collect()    # drained dumps() payload queues go at the next dumps()
    before = _helpers.totals()
    yield before
    gc.collect()
    swing._collect()
    if "peer" in request.fixturenames:
        request.getfixturevalue("peer").reset()
    after = _helpers.totals_back(before)
    assert after == before, "swing totals did not come back"
