# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The package as an unprivileged user (nobody): its own areas, copy-on-write
with root's process, and the permission checks (mode bits, grants)."""
import errno

import pytest

import swing

np = pytest.importorskip("numpy")


def test_nobody_creates_and_root_hooks(nobody_peer, no_leak):
    tok = nobody_peer.call("""
        import os
        a = swing.create(1 << 16); x = a.ndarray('uint32'); x[:] = 21
        a.setperm(mode=0o644); a.enable()
        result = (os.geteuid() != 0) and a.token
    """)
    assert tok
    s = swing.hook(tok)
    x = s.ndarray("uint32")
    assert int(x.min()) == int(x.max()) == 21
    x[:] = 1                                # ours only
    assert nobody_peer.call("result = int(a.ndarray('uint32').max())") == 21
    del x
    s.release()
    nobody_peer.call("del x; a.release()")


def test_nobody_permissions(nobody_peer, no_leak):
    a = swing.create(4096)
    a.enable()                              # mode 0600, owned by root
    assert nobody_peer.call("""
        try:
            swing.hook(tok); result = None
        except PermissionError as e:
            result = e.errno
    """, tok=a.token) == errno.EACCES
    a.grant(nobody_peer.pid)
    assert nobody_peer.call("s = swing.hook(tok); result = len(s); s.release()",
                            tok=a.token) == a.size
    a.revoke(nobody_peer.pid)
    a.setperm(mode=0o604)                   # others may read
    assert nobody_peer.call("s = swing.hook(tok); result = len(s); s.release()",
                            tok=a.token) == a.size
    a.release()
