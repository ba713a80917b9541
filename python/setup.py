# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Build the swing package: swing._swing compiles libswing (../lib/swing.c) in."""
import os
import re

from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)


def module_version():
    """The release, from the UAPI header (the one place it is defined)."""
    with open(os.path.join(top, "include", "uapi", "linux", "swing.h")) as f:
        text = f.read()
    parts = [re.search(r"#define SWING_VERSION_%s\s+(\d+)" % p, text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def rel(*parts):
    # setuptools wants paths relative to setup.py
    return os.path.relpath(os.path.join(top, *parts), here)


setup(
    version=module_version(),
    ext_modules=[
        Extension(
            "swing._swing",
            sources=["src/_swing.c"],
            include_dirs=[rel("lib"), rel("include"), rel("include", "uapi")],
            define_macros=[("_GNU_SOURCE", None)],
            extra_compile_args=["-fvisibility=hidden", "-Wall", "-Wno-unused-parameter"],
            extra_link_args=["-pthread"],
            depends=[rel("lib", "swing.c"), rel("include", "swing.h"),
                     rel("include", "uapi", "linux", "swing.h")],
        )
    ],
)
