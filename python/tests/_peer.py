# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""A peer interpreter for the tests: python3 _peer.py, driven by conftest.Peer.

It reads requests from stdin and answers on (the original) stdout, each a
length-prefixed pickle: (op, code, variables) in, ("ok", result) or
("err", exception, traceback text) out.  "exec" runs *code* in the peer's
namespace (persistent across calls until "reset") after binding
*variables*, and answers with the value the code left in ``result``.
Anything the code prints goes to stderr, so it cannot corrupt the channel.
Tokens, payloads and results cross as plain data: this process shares no
memory with the tests' but what swing gives it.
"""
import gc
import os
import pickle
import struct
import sys
import traceback

_LEN = struct.Struct("<Q")


def _read(f, n):
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _base():
    import swing
    ns = {"__name__": "__peer__", "os": os, "sys": sys, "swing": swing}
    try:
        import numpy
        ns["np"] = numpy
    except ImportError:
        pass
    import _helpers
    ns["h"] = _helpers
    return ns


def main():
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)               # prints of the code go to stderr
    sys.stdout = sys.stderr
    ns = _base()
    out.write(_LEN.pack(0))     # ready: imports done
    out.flush()
    while True:
        head = _read(inp, _LEN.size)
        if head is None:
            return
        op, code, variables = pickle.loads(_read(inp, _LEN.unpack(head)[0]))
        try:
            if op == "reset":
                ns.clear()
                gc.collect()
                ns.update(_base())
                reply = ("ok", None)
            else:
                ns.pop("result", None)
                ns.update(variables)
                exec(compile(code, "<peer>", "exec"), ns)
                reply = ("ok", ns.pop("result", None))
        except BaseException as e:      # noqa: B902 - reported to the test
            tb = traceback.format_exc()
            try:
                pickle.loads(pickle.dumps(e))
                reply = ("err", e, tb)
            except Exception:
                reply = ("err", RuntimeError("%s: %s" % (type(e).__name__, e)), tb)
        try:
            data = pickle.dumps(reply)
        except Exception as e:
            data = pickle.dumps(("err", RuntimeError("unpicklable result: %r" % e), ""))
        out.write(_LEN.pack(len(data)) + data)
        out.flush()


if __name__ == "__main__":
    main()
