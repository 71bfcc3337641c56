"""scripts/recall.py's recorder, on a synthetic project: which project function a test's Mock stood for."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).parent.parent

CORE = '''
import contextlib
import functools


def deco(f):
    @functools.wraps(f)
    def inner(*a, **k):
        return f(*a, **k)
    return inner


class Driver:
    def spawn(self, x):
        return x

    @deco
    def wrapped(self):
        return 1


class Base:
    def helper(self):
        return 2


class Manager(Base):
    def __init__(self):
        self.driver = Driver()

    def build(self):
        self.driver.spawn(1)
        self.helper()
        self.driver.wrapped()
        with opened() as f:
            pass
        return make()


class Thing:
    def __init__(self, a):
        self.a = a


def make():
    return Thing(1)


@contextlib.contextmanager
def opened():
    yield 2
'''

TESTS = '''
import contextlib
import unittest
from unittest import mock
from toyproj import core


class T(unittest.TestCase):
    @mock.patch.object(core.Driver, 'spawn')
    @mock.patch.object(core.Manager, 'helper', autospec=True)
    @mock.patch('toyproj.core.Thing')
    def test_patched(self, thing, helper, spawn):
        core.Manager().build()

    def test_spec(self):
        m = core.Manager()
        m.driver = mock.Mock(spec=core.Driver)
        m.build()

    def test_child_of_a_patched_class(self):
        with mock.patch.object(core, 'Driver'):
            core.Manager().build()

    def test_function_in_place(self):
        def fake_make():
            return None

        @contextlib.contextmanager
        def fake_opened():
            yield 1

        with mock.patch.object(core, 'make', fake_make), mock.patch.object(core.Base, 'helper', lambda self: 3), \
                mock.patch.object(core, 'opened', fake_opened):
            core.Manager().build()

    def test_plain_mock(self):
        m = core.Manager()
        m.driver = mock.Mock()
        m.build()
'''


def _record(tmp_path: Path, test: str) -> dict:
    pkg = tmp_path / "toyproj"
    (pkg / "tests").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text(CORE)
    (pkg / "tests" / "__init__.py").write_text("")
    (pkg / "tests" / "test_core.py").write_text(TESTS)
    out = tmp_path / "obs.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "recall.py"), "record", "-p", "toyproj", "-o", str(out), "--",
         sys.executable, "-m", "unittest", f"toyproj.tests.test_core.T.{test}"],
        cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return {(r["caller"].split(".")[-1], r["line"]): r for r in json.loads(out.read_text())["mocked"]}


def _line(text: str) -> int:
    return next(i for i, s in enumerate(CORE.splitlines(), 1) if s.strip() == text)


def test_a_patch_stands_for_what_it_replaced(tmp_path):
    mocked = _record(tmp_path, "test_patched")
    assert mocked[("build", _line("self.driver.spawn(1)"))]["stands"] == ["toyproj.core.Driver.spawn"]
    # autospec: the call goes through a generated function; an inherited method is its defining class's
    assert mocked[("build", _line("self.helper()"))]["stands"] == ["toyproj.core.Base.helper"]
    # a patched class called: its __init__
    assert mocked[("make", _line("return Thing(1)"))]["stands"] == ["toyproj.core.Thing.__init__"]


def test_spec_and_children(tmp_path):
    mocked = _record(tmp_path, "test_spec")
    assert mocked[("build", _line("self.driver.spawn(1)"))]["stands"] == ["toyproj.core.Driver.spawn"]
    assert mocked[("build", _line("self.driver.wrapped()"))]["stands"] == ["toyproj.core.Driver.wrapped"]
    mocked = _record(tmp_path / "child", "test_child_of_a_patched_class")
    # Driver() is the patched class's return_value; .spawn on it is Driver.spawn
    assert mocked[("build", _line("self.driver.spawn(1)"))]["stands"] == ["toyproj.core.Driver.spawn"]
    # a class with no __init__ of its own stands for nothing of the project
    assert mocked[("__init__", _line("self.driver = Driver()"))]["stands"] == []


def test_a_function_put_in_place_stands_for_what_it_replaced(tmp_path):
    mocked = _record(tmp_path, "test_function_in_place")
    assert mocked[("build", _line("return make()"))]["stands"] == ["toyproj.core.make"]
    assert mocked[("build", _line("self.helper()"))]["stands"] == ["toyproj.core.Base.helper"]
    # a test's @contextmanager: its generator runs from contextlib's __enter__, for the project's
    assert mocked[("build", _line("with opened() as f:"))]["stands"] == ["toyproj.core.opened"]


def test_a_plain_mock_stands_for_nothing(tmp_path):
    mocked = _record(tmp_path, "test_plain_mock")
    site = mocked[("build", _line("self.driver.spawn(1)"))]
    assert site["count"] == 1 and site["stands"] == []
