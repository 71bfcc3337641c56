#!/usr/bin/env python3
"""Measure the recall of tracer's static graph against calls that really happen.

Two modes, stdlib only (the recorder runs inside the projects' own test venv):

``record``
    Runs a test command with a profiler (``sys.setprofile`` + ``threading.setprofile``)
    installed at interpreter start-up, through a ``sitecustomize.py`` put on ``PYTHONPATH``
    in a temporary directory, so it is active before eventlet monkey patching and in every
    Python subprocess the command starts (stestr workers).  Each process writes its
    observations at exit; ``record`` merges them into one JSON file (``recall-observed/1``):

    * ``edges``: project-to-project calls keyed by (caller, callee, via) with counts and
      call-site lines.  Names are ``frame.f_globals['__name__'] + '.' + co_qualname``
      (``nova.compute.api.API.create``, ``...meth.<locals>.inner``), the convention of
      ``tracer export``.  ``via`` is null for a direct call (the callee's parent frame is
      project code: the *raw* variant, wrapper frames of the project included as they are);
      otherwise frames outside the project (a library decorator such as oslo.concurrency's
      ``synchronized``, ``unittest.mock`` with ``side_effect``/``wraps``, taskflow's engine,
      eventlet) were skipped up to the nearest project frame, and ``via`` names the
      innermost skipped frame (``module:qualname``): the *collapsed* variant.
      Comprehension / generator-expression frames are transparent (folded into the
      enclosing function).  A call whose nearest non-library caller is test code (a module
      under ``.tests.``, or ``nova.test``), or module/class-body code (import time), is
      dropped and only counted.
    * ``rpc``: (client method that sent, manager method that received) pairs.  The
      recorder watches oslo.messaging's fake driver (``FakeExchange.deliver_message``: the
      sender is the nearest project frame) and ``RPCDispatcher._do_dispatch`` (the
      receiver is ``getattr(endpoint, method)`` unwrapped); the two are joined on the
      identity of the message dict, which the fake driver hands over unchanged.
      Messages sent but never dispatched (no server in the test) are in ``rpc_undelivered``.
    * flow tasks need no hook: they are the collapsed edges whose ``via`` is a taskflow
      frame (the runner is the project function that ran the engine).
    * ``mocked``: (project function, line) where project code itself called a test's Mock
      (``unittest.mock``'s ``CallableMixin.__call__`` whose caller is a project frame, or an
      autospec'd function's generated frame called by one), and ``stands``: the project
      functions the Mock stood for, when the recorder can tell.  A Mock stands for what a
      ``mock.patch`` replaced (the recorder wraps ``_patch.__enter__`` and keeps the original
      attribute), or for the attribute of a ``spec``'d project class; a child Mock
      (``m.foo``, ``m.return_value.foo``) stands for that attribute of what its parent stood
      for, looked up statically (``inspect.getattr_static``: nothing of the program runs).  A
      class stands for its ``__init__``.  A Mock made without a patch or a spec stands for
      nothing known.

``compare``
    Loads observed file(s) (summed) and a ``tracer export`` JSON (``tracer-graph/1``) and
    prints recall per class and project, by distinct edge (and weighted by calls):

    * 1a  direct calls, raw frames, against ``call``/``driver`` edges;
    * 1a' the same with the graph's decorator convention: a call that lands in a project
      wrapper closure counts as found when the graph links the caller, at that line, to
      what the wrapper (chain) called, and wrapper -> wrapped-function edges (the closure
      calling ``f(*args)``) are left out and counted;
    * 1b  1a' plus the calls that went through a *library* decorator wrapper (a library
      ``<locals>`` closure next to the callee: oslo.db enginefacade, oslo.concurrency
      ``synchronized``, the ``decorator`` package, ovo ``remotable``), collapsed;
    * 1c  library callbacks (project -> library -> project, not a wrapper: ovo, messaging
      serializers, logging adapters, webob, taskflow), against any edge kind;
    * 2   RPC pairs against ``rpc-cast``/``rpc-call`` edges; 2b every message that reached
      the fake transport as (client method, RPC method name), dispatched or not;
    * 3   flow tasks against ``flow-task`` edges (execute and revert shown apart);
    * 4   a lower bound of precision: the graph's call/driver edges between two functions that ran,
      seen by the runs.  Seen: the caller called the callee (directly, collapsed, through a project
      decorator's wrapper), or at the edge's site (+-2 lines) called a test double standing for that very
      callee (``stands`` above: the test replaced the callee, and the run shows the call was made to it),
      or, for a callback edge, called the function it hands the callback to, which called it.  4s the
      same without the test doubles; 4m (4) less the unseen edges whose every call site the runs saw
      calling a Mock that stands for nothing known (at that very line); 4b the claims at the sites the
      runs executed;

    then the missed direct edges grouped by a guessed cause, from the caller's opcode at
    the call (attribute access, operator, ``with``, iteration), the graph's edges from the
    caller at that line, and the call site's text (``--src``: trees holding
    ``nova/...``/``cinder/...``; else the recorded absolute file names).  The guess is a
    heuristic: docs/recall.md has a hand-checked sample.  ``--sample N`` prints N missed
    edges per cause with their call site, ``--json`` writes everything, ``--rpc-from``
    takes the RPC class from other observed files.

The optional C helper (built with the interpreter's compiler when ``record`` starts; off with
``--pure-python``) only filters events before Python sees them: same output, about half
the overhead (the test suites ran roughly 2-3x slower than without profiling).

How to run (what docs/recall.md used)::

    # a venv with the projects and their test requirements (not tracer's venv)
    pip download --no-deps --no-binary :all: nova==34.0.0 cinder==29.0.0 -d /tmp/recall/src
    (cd /tmp/recall/src && tar xzf nova-34.0.0.tar.gz && tar xzf cinder-29.0.0.tar.gz)
    python3.11 -m venv /tmp/recall/venv
    /tmp/recall/venv/bin/pip install -e /tmp/recall/src/nova-34.0.0 \\
        -e /tmp/recall/src/cinder-29.0.0 -r /tmp/recall/testreqs.txt \\
        'SQLAlchemy<2.1' 'pyparsing<3.3' openstack-placement
    # (testreqs.txt: both test-requirements.txt files without the linters)

    # record: run from the project tree; the command is any test runner
    cd /tmp/recall/src/cinder-29.0.0
    OS_STDOUT_CAPTURE=1 OS_STDERR_CAPTURE=1 /tmp/recall/venv/bin/python \\
        /work/main/scripts/recall.py record -p cinder -o /tmp/recall/obs-cinder.json -- \\
        /tmp/recall/venv/bin/python -m unittest \\
        cinder.tests.unit.volume.flows.test_create_volume_flow ...

    # compare
    TRACER_CACHE_DIR=/tmp/realcache tracer export -s nova==34.0.0 -s cinder==29.0.0 \\
        -o /tmp/recall/graph.json
    python scripts/recall.py compare /tmp/recall/obs-cinder.json /tmp/recall/obs-nova.json \\
        -g /tmp/recall/graph.json --src /tmp/recall/src/cinder-29.0.0 \\
        --src /tmp/recall/src/nova-34.0.0 --sample 5
"""

from __future__ import annotations

import argparse
import ast
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import dis as _dis

_CACHE = _dis.opmap.get("CACHE", -1)

SCHEMA = "recall-observed/1"

# ---------------------------------------------------------------------------
# Recorder: runs inside the test processes.
# ---------------------------------------------------------------------------

OTHER, PROJECT, TRANSPARENT, TEST, IMPORT, SEND, DISPATCH, MOCK = range(8)
_CO_OPTIMIZED = 0x0001
_COMPREHENSIONS = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"}
_SPECIAL = {
    ("oslo_messaging._drivers.impl_fake", "FakeExchange.deliver_message"): SEND,
    ("oslo_messaging.rpc.dispatcher", "RPCDispatcher._do_dispatch"): DISPATCH,
    ("unittest.mock", "CallableMixin.__call__"): MOCK,  # project code calling what a test put in its place
}
_MAX_WALK = 400


class _Recorder:
    def __init__(self, projects):
        self.projects = frozenset(projects)
        self.kinds = {}  # id(code) -> kind
        self.names = {}  # id(code) -> (module, qualname, filename, firstlineno)
        self.keep = []  # code objects seen (keeps ids unique)
        self.edges = {}  # (caller id, callee id, via id or 0, line) -> count
        self.info = {}  # same key -> (caller opcode, first seen during an import)
        self.dropped = collections.Counter()
        self.pending = collections.OrderedDict()  # id(message) -> (message, sender, method)
        self.rpc = collections.Counter()  # (sender, receiver, method) -> count
        self.mocked = collections.Counter()  # (caller code id, line) -> calls of a test's Mock from there
        self.stands = collections.defaultdict(set)  # the same key -> project functions the Mocks stood for
        self.patched = {}  # id(a Mock a patch put in place) -> (it, the original it replaced)
        self.standins = {}  # id(code of a function a patch put in place) -> (code, {project fqs it replaced})
        self.fast = None  # the C helper, when used (its skip table must forget a stand-in's code)
        self.lock = threading.Lock()

    # -- classification ---------------------------------------------------
    def classify(self, frame):
        code = frame.f_code
        mod = frame.f_globals.get("__name__") or ""
        if not isinstance(mod, str):
            mod = ""
        top = mod.partition(".")[0]
        if code.co_filename.startswith("<"):
            kind = OTHER  # generated code (dataclass __init__, exec): not in any source file
        elif top in self.projects:
            if ".tests." in mod + "." or mod == top + ".test":
                kind = TEST
            elif not code.co_flags & _CO_OPTIMIZED:
                kind = IMPORT
            elif code.co_name in _COMPREHENSIONS:
                kind = TRANSPARENT
            else:
                kind = PROJECT
        else:
            kind = _SPECIAL.get((mod, code.co_qualname), OTHER)
        key = id(code)
        self.kinds[key] = kind
        self.names[key] = (mod, code.co_qualname, code.co_filename, code.co_firstlineno)
        self.keep.append(code)
        return kind

    # -- the hooks ----------------------------------------------------------
    def profile(self, frame, event, arg):
        """Pure-Python profile function (used when the C helper cannot be built)."""
        if event == "call":
            self.on_call(frame)

    def on_call(self, frame):
        """One Python-level call; returns True when the C helper may skip this code."""
        code = frame.f_code
        kinds = self.kinds
        k = kinds.get(id(code))
        if k is None:
            k = self.classify(frame)
        if k != PROJECT:
            if k == TEST and id(code) in self.standins:  # a test's function in place of project code
                try:
                    self.standin_called(frame)
                except Exception:  # never break the program under test
                    self.dropped["hook-error"] += 1
                return False
            if k >= SEND:
                try:
                    self.special(frame, k)
                except Exception:  # never break the program under test
                    self.dropped["hook-error"] += 1
                return False
            return True
        f = frame.f_back
        via = None
        n = 0
        while f is not None:
            fk = kinds.get(id(f.f_code))
            if fk is None:
                fk = self.classify(f)
            if fk == PROJECT:
                break
            if fk == TEST or fk == IMPORT:
                self.dropped["test-caller" if fk == TEST else "import-time"] += 1
                return False
            if fk != TRANSPARENT and via is None:
                via = f.f_code
            n += 1
            if n > _MAX_WALK:
                return False
            f = f.f_back
        else:
            return False
        key = (id(f.f_code), id(code), id(via) if via is not None else 0, f.f_lineno)
        edges = self.edges
        c = edges.get(key)
        if c is None:
            edges[key] = 1
            self.first_seen(key, f)
        else:
            edges[key] = c + 1
        return False

    def first_seen(self, key, f):
        """Opcode the caller was executing, and whether an import is under way."""
        try:
            co_code, i = f.f_code.co_code, f.f_lasti
            # 3.11: during a call f_lasti is past the instruction, on its inline caches
            while i > 0 and co_code[i] == _CACHE:
                i -= 2
            op = _dis.opname[co_code[i]]
        except Exception:
            op = "?"
        g, n = f, 0
        importing = False
        while g is not None and n < 1000:
            k = self.kind_of(g)
            if k == IMPORT or g.f_code.co_name == "_call_with_frames_removed":
                importing = True
                break
            g = g.f_back
            n += 1
        self.info[key] = (op, importing)

    def kind_of(self, frame):
        """The kind of the frame's code (classified on first sight)."""
        k = self.kinds.get(id(frame.f_code))
        return self.classify(frame) if k is None else k

    def nearest_project(self, frame):
        f = frame
        while f is not None:
            if self.kind_of(f) == PROJECT:
                return self.fq(id(f.f_code))
            f = f.f_back
        return None

    def fq(self, key):
        mod, qual = self.names[key][:2]
        return f"{mod}.{qual}"

    def special(self, frame, kind):
        if kind == MOCK:  # only a call made by project code itself (a test calling its mock is no site)
            f = frame.f_back
            if f is not None and f.f_code.co_filename.startswith("<"):  # an autospec'd function's frame
                f = f.f_back
            if f is not None and self.kind_of(f) == PROJECT:
                key = (id(f.f_code), f.f_lineno)
                self.mocked[key] += 1
                fq = self.stands_for(frame.f_locals.get("self"))
                if fq:
                    self.stands[key].add(fq)
            return
        loc = frame.f_locals
        if kind == SEND:
            message = loc.get("message")
            if not isinstance(message, dict) or "method" not in message:
                return  # notifications
            sender = self.nearest_project(frame.f_back) or "?"
            with self.lock:
                self.pending[id(message)] = (message, sender, message.get("method"))
                while len(self.pending) > 2000:
                    self.pending.popitem(last=False)
        else:
            endpoint, method = loc.get("endpoint"), loc.get("method")
            func = getattr(type(endpoint), method, None)
            if func is None:  # endpoint proxies (nova's _TrackingEndpointWrapper.__getattr__)
                func = getattr(endpoint, method, None)
            func = self.unwrap(func)
            if type(func).__module__ == "unittest.mock":
                receiver = "<mock>"  # the test replaced the manager method
            elif hasattr(func, "__qualname__"):
                receiver = f"{getattr(func, '__module__', '?')}.{func.__qualname__}"
            else:
                receiver = f"?{type(func).__name__}"
            sender = "?"
            up = frame.f_back
            incoming = up.f_locals.get("incoming") if up is not None else None
            message = getattr(incoming, "message", None)
            with self.lock:
                hit = self.pending.pop(id(message), None)
            if hit is not None and hit[0] is message:
                sender = hit[1]
            self.rpc[(sender, receiver, method)] += 1

    def note_patch(self, new, original):
        """A test put ``new`` (a Mock, or a function of its own) in place of ``original``: a ``mock.patch``
        (``temp_original``) or a ``fixtures.MonkeyPatch`` (nova's ``stub_out``)."""
        m = new
        if type(m).__module__ != "unittest.mock":  # an autospec'd function keeps its Mock as .mock (never
            m = getattr(new, "mock", None) if type(new).__name__ == "function" else None  # getattr a Mock)
        if m is not None and type(m).__module__ == "unittest.mock":
            with self.lock:
                self.patched[id(m)] = (m, original)
                if len(self.patched) > 20000:  # patches of finished tests: keep it bounded
                    for k in list(self.patched)[:10000]:
                        del self.patched[k]
            return
        import inspect
        fn = inspect.unwrap(getattr(new, "__func__", new))  # a @contextmanager's generator: the one it wraps
        code = getattr(fn, "__code__", None)
        mod = getattr(fn, "__module__", None) or ""
        top = mod.partition(".")[0]
        if not (top in self.projects and (".tests." in mod + "." or mod == top + ".test")):
            return  # only the tests' own functions: a library's (contextlib's helper) runs for everybody
        fq = self.function_fq(original)
        if code is None or fq is None or type(code).__name__ != "code":
            return
        with self.lock:
            hit = self.standins.setdefault(id(code), (code, set()))
            hit[1].add(fq)
        if self.fast is not None:
            self.fast.unskip(code)

    def standin_called(self, frame):
        """A function a test put in place of project code ran: where project code called it, and for what."""
        code, fqs = self.standins[id(frame.f_code)]
        f = frame.f_back
        for _ in range(4):  # through library frames (contextlib's __enter__ for a @contextmanager)
            if f is None or self.kind_of(f) != OTHER:
                break
            f = f.f_back
        if f is None or self.kind_of(f) != PROJECT:
            return
        key = (id(f.f_code), f.f_lineno)
        self.mocked[key] += 1
        if len(fqs) == 1:  # one function standing for several originals says nothing of which it was
            self.stands[key].update(fqs)

    def function_fq(self, obj):
        """The project function ``obj`` is (a class: its ``__init__``), or None."""
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, type):
            obj = next((k.__dict__["__init__"] for k in obj.__mro__ if "__init__" in k.__dict__), None)
        obj = getattr(obj, "__func__", obj)  # a bound method
        mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not isinstance(mod, str) or not isinstance(qual, str) or mod.partition(".")[0] not in self.projects:
            return None
        return f"{mod}.{qual}"

    def stands_for(self, mock):
        """The project function a Mock stood for (see ``stands`` above), or None."""
        import inspect
        path = []
        obj = None
        m = mock
        for _ in range(12):
            if m is None or type(m).__module__ != "unittest.mock":
                return None
            d = m.__dict__  # never getattr on a Mock: it makes children
            hit = self.patched.get(id(m))
            if hit is not None and hit[0] is m:
                obj = hit[1]
                break
            spec = d.get("_spec_class")
            if isinstance(spec, type) and (spec.__module__ or "").partition(".")[0] in self.projects:
                obj = spec
                break
            name, m = d.get("_mock_new_name"), d.get("_mock_new_parent")
            if not name:
                return None
            path.append(name)
        if obj is None:
            return None
        for name in reversed(path):
            if name == "()":
                if not isinstance(obj, type):
                    return None  # what a function returns is not known statically
                continue  # an instance of the class: its attributes are the class's
            obj = inspect.getattr_static(obj, name, None)
            if obj is None:
                return None
        return self.function_fq(obj)

    def unwrap(self, func):
        """The function behind decorators: __wrapped__, else (for a library wrapper that
        does not set it, like oslo.messaging's expected_exceptions) the closure's function."""
        for _ in range(20):
            if hasattr(func, "__wrapped__"):
                func = func.__wrapped__
                continue
            if hasattr(func, "__func__"):
                func = func.__func__
                continue
            mod = getattr(func, "__module__", None) or ""
            if mod.partition(".")[0] in self.projects:
                break
            inner = None
            for cell in getattr(func, "__closure__", None) or ():
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if hasattr(value, "__code__") or hasattr(value, "__func__"):
                    inner = value
                    break
            if inner is None:
                break
            func = inner
        return func

    # -- output -----------------------------------------------------------
    def dump(self, path, argv):
        names = self.names
        merged = {}
        for (a, b, v, line), count in list(self.edges.items()):
            caller, callee = names[a], names[b]
            via = None
            if v:
                vm, vq = names[v][:2]
                via = f"{vm}:{vq}"
            k = (f"{caller[0]}.{caller[1]}", f"{callee[0]}.{callee[1]}", via)
            rec = merged.get(k)
            if rec is None:
                rec = merged[k] = {
                    "caller": k[0], "callee": k[1], "via": via, "count": 0,
                    "caller_file": caller[2], "callee_file": callee[2],
                    "callee_line": callee[3], "sites": {},
                    "ops": {}, "import_time": 0,
                }
            rec["count"] += count
            rec["sites"][str(line)] = rec["sites"].get(str(line), 0) + count
            op, importing = self.info.get((a, b, v, line), ("?", False))
            rec["ops"][op] = rec["ops"].get(op, 0) + count
            if importing:
                rec["import_time"] += count
        undelivered = collections.Counter()
        for _msg, sender, method in self.pending.values():
            undelivered[(sender, method)] += 1
        out = {
            "schema": SCHEMA,
            "projects": sorted(self.projects),
            "argv": argv,
            "pid": os.getpid(),
            "edges": list(merged.values()),
            "rpc": [{"sender": s, "receiver": r, "method": m, "count": c}
                    for (s, r, m), c in self.rpc.items()],
            "rpc_undelivered": [{"sender": s, "method": m, "count": c}
                                for (s, m), c in undelivered.items()],
            "dropped": dict(self.dropped),
            "mocked": [{"caller": self.fq(c), "line": line, "count": n, "stands": sorted(self.stands.get((c, line), ()))}
                       for (c, line), n in self.mocked.items()],
        }
        with open(path, "w") as fh:
            json.dump(out, fh)


# Optional C helper: a profile function that ignores every event but "call" and every
# code object the recorder has declared uninteresting, and hands the rest to
# _Recorder.on_call.  It cuts the profiler's overhead roughly in half; without a C
# compiler the pure-Python profile function is used.
_C_HELPER = r"""
#include <Python.h>
#include <frameobject.h>

static PyObject *handler = NULL;
static void **table = NULL;
static Py_ssize_t size = 0, used = 0;

static Py_ssize_t slot(void *p) {
    size_t h = ((size_t)p >> 4) * 11400714819323198485ull;
    Py_ssize_t i = (Py_ssize_t)(h & (size_t)(size - 1));
    while (table[i] != NULL && table[i] != p) i = (i + 1) & (size - 1);
    return i;
}

static int add(void *p) {
    if (2 * (used + 1) > size) {
        Py_ssize_t old = size; void **t = table;
        size = size ? size * 2 : 1 << 16;
        table = (void **)PyMem_Calloc((size_t)size, sizeof(void *));
        if (table == NULL) { table = t; size = old; return -1; }
        used = 0;
        for (Py_ssize_t i = 0; i < old; i++)
            if (t[i] != NULL && t[i] != (void *)1) { table[slot(t[i])] = t[i]; used++; }
        PyMem_Free(t);
    }
    Py_ssize_t i = slot(p);
    if (table[i] == NULL) { table[i] = p; used++; }
    return 0;
}

static int callback(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) {
    if (what != PyTrace_CALL || handler == NULL) return 0;
    PyCodeObject *code = PyFrame_GetCode(frame);
    if (size && table[slot(code)] == code) { Py_DECREF(code); return 0; }
    PyObject *res = PyObject_CallOneArg(handler, (PyObject *)frame);
    if (res == NULL) PyErr_Clear();
    else { if (res == Py_True) add(code); Py_DECREF(res); }
    Py_DECREF(code);
    return 0;
}

static PyObject *install(PyObject *self, PyObject *h) {
    if (h != Py_None) { Py_XINCREF(h); Py_XSETREF(handler, h); }
    PyEval_SetProfile(callback, NULL);
    Py_RETURN_NONE;
}

static PyObject *unskip(PyObject *self, PyObject *code) {
    /* a code object declared uninteresting becomes interesting again (a test put it in place of project code) */
    if (size && table[slot(code)] == code) table[slot(code)] = (void *)1;  /* a tombstone: lookups go on past it */
    Py_RETURN_NONE;
}

static PyObject *uninstall(PyObject *self, PyObject *unused) {
    PyEval_SetProfile(NULL, NULL);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_O, "install(handler or None): profile this thread"},
    {"uninstall", uninstall, METH_NOARGS, "stop profiling this thread"},
    {"unskip", unskip, METH_O, "unskip(code): hand this code's calls to the handler again"},
    {NULL, NULL, 0, NULL}
};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_recall_fast", NULL, -1, methods};
PyMODINIT_FUNC PyInit__recall_fast(void) { return PyModule_Create(&mod); }
"""


def _build_helper(directory):
    """Compile the C helper into directory; return its path or None."""
    import sysconfig
    src = os.path.join(directory, "_recall_fast.c")
    out = os.path.join(directory, "_recall_fast" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))
    with open(src, "w") as fh:
        fh.write(_C_HELPER)
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    cmd = cc + ["-O2", "-shared", "-fPIC", "-I" + sysconfig.get_paths()["include"], src, "-o", out]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except OSError:
        return None
    return out if done.returncode == 0 else None


def _wrap_mock(module, rec):
    """Wrap ``unittest.mock._patch.__enter__``: what each patch put in place, and what it replaced."""
    cls = getattr(module, "_patch", None)
    enter = getattr(cls, "__enter__", None)
    if enter is None or getattr(enter, "_recall", False):
        return

    def __enter__(self):
        new = enter(self)
        try:
            rec.note_patch(new, getattr(self, "temp_original", None))
        except Exception:  # never break the program under test
            rec.dropped["hook-error"] += 1
        return new

    __enter__._recall = True
    cls.__enter__ = __enter__


def _wrap_monkeypatch(module, rec):
    """Wrap ``fixtures.MonkeyPatch``'s ``_coerce_values(obj, name, new, sentinel) -> (new, old)``."""
    coerce = getattr(module, "_coerce_values", None)
    if coerce is None or getattr(coerce, "_recall", False):
        return

    def _coerce_values(*args, **kwargs):
        new, old = coerce(*args, **kwargs)
        try:
            rec.note_patch(new, old)
        except Exception:  # never break the program under test
            rec.dropped["hook-error"] += 1
        return new, old

    _coerce_values._recall = True
    module._coerce_values = _coerce_values


_PATCHERS = {"unittest.mock": _wrap_mock, "fixtures._fixtures.monkeypatch": _wrap_monkeypatch}


def _watch_patches(rec):
    """Wrap the patching libraries (``_PATCHERS``) when they are imported (now, if they are), without
    importing them early."""
    for name, wrap in _PATCHERS.items():
        if name in sys.modules:
            wrap(sys.modules[name], rec)
    import importlib.abc
    import importlib.machinery

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            wrap = _PATCHERS.get(name)
            if wrap is None or name in sys.modules:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            if spec is None or spec.loader is None:
                return spec
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                wrap(module, rec)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())


def _start_from_env():
    """Called by the generated sitecustomize.py in every process of the command."""
    out_dir = os.environ.get("RECALL_OUT_DIR")
    projects = [p for p in os.environ.get("RECALL_PROJECTS", "").split(",") if p]
    if not out_dir or not projects:
        return
    rec = _Recorder(projects)
    argv = list(sys.argv)

    def _finish():
        sys.setprofile(None)
        threading.setprofile(None)
        path = os.path.join(out_dir, f"obs-{os.getpid()}.json")
        try:
            rec.dump(path, list(sys.argv) or argv)
        except Exception as exc:  # report, do not mask the test result
            sys.stderr.write(f"recall: could not write {path}: {exc!r}\n")

    import atexit
    atexit.register(_finish)
    _watch_patches(rec)
    fast = None
    helper = os.environ.get("RECALL_HELPER")
    if helper:
        try:
            import importlib.util
            spec = importlib.util.spec_from_file_location("_recall_fast", helper)
            fast = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(fast)
        except Exception as exc:
            sys.stderr.write(f"recall: C helper unusable ({exc!r}), using sys.setprofile\n")
            fast = None
    if fast is None:
        threading.setprofile(rec.profile)
        sys.setprofile(rec.profile)
        return

    def _thread_start(frame, event, arg):  # first event of a new thread: switch to C
        fast.install(None)

    threading.setprofile(_thread_start)
    rec.fast = fast
    fast.install(rec.on_call)


_SITECUSTOMIZE = """\
import importlib.util as _u, sys as _s
_spec = _u.spec_from_file_location('_recall_profiler', {path!r})
_m = _u.module_from_spec(_spec)
_s.modules['_recall_profiler'] = _m
_spec.loader.exec_module(_m)
_m._start_from_env()
"""


def merge_observed(paths):
    """Sum several observed files (per-process or per-run) into one structure."""
    edges, rpc, undelivered, dropped = {}, collections.Counter(), collections.Counter(), collections.Counter()
    mocked = collections.Counter()
    stands = collections.defaultdict(set)
    meta = {"processes": 0, "projects": set(), "argv": []}
    for path in paths:
        with open(path) as fh:
            data = json.load(fh)
        if data.get("schema") != SCHEMA:
            raise SystemExit(f"{path}: not a {SCHEMA} file")
        meta["processes"] += data.get("processes", 1)
        meta["projects"].update(data.get("projects", []))
        meta["argv"].append(data.get("argv"))
        for e in data["edges"]:
            k = (e["caller"], e["callee"], e["via"])
            rec = edges.get(k)
            if rec is None:
                rec = edges[k] = dict(e, count=0, sites={}, ops={}, import_time=0)
            rec["count"] += e["count"]
            rec["import_time"] += e.get("import_time", 0)
            for field in ("sites", "ops"):
                for name, c in e.get(field, {}).items():
                    rec[field][name] = rec[field].get(name, 0) + c
        for r in data["rpc"]:
            rpc[(r["sender"], r["receiver"], r["method"])] += r["count"]
        for r in data["rpc_undelivered"]:
            undelivered[(r["sender"], r["method"])] += r["count"]
        dropped.update(data.get("dropped", {}))
        for r in data.get("mocked", ()):  # files recorded before stop 18 have none
            mocked[(r["caller"], r["line"])] += r["count"]
            stands[(r["caller"], r["line"])].update(r.get("stands", ()))  # none before stop 19
    return {
        "schema": SCHEMA,
        "projects": sorted(meta["projects"]),
        "processes": meta["processes"],
        "argv": meta["argv"],
        "edges": sorted(edges.values(), key=lambda e: (e["caller"], e["callee"], e["via"] or "")),
        "rpc": [{"sender": s, "receiver": r, "method": m, "count": c}
                for (s, r, m), c in sorted(rpc.items())],
        "rpc_undelivered": [{"sender": s, "method": m, "count": c}
                            for (s, m), c in sorted(undelivered.items())],
        "dropped": dict(dropped),
        "mocked": [{"caller": c, "line": line, "count": n, "stands": sorted(stands.get((c, line), ()))}
                   for (c, line), n in sorted(mocked.items())],
    }


def cmd_record(args):
    cmd = args.command
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise SystemExit("record: give the test command after --")
    with tempfile.TemporaryDirectory(prefix="recall-") as tmp:
        site_dir = os.path.join(tmp, "site")
        out_dir = os.path.join(tmp, "out")
        os.makedirs(site_dir)
        os.makedirs(out_dir)
        with open(os.path.join(site_dir, "sitecustomize.py"), "w") as fh:
            fh.write(_SITECUSTOMIZE.format(path=os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [site_dir] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env["RECALL_OUT_DIR"] = out_dir
        env["RECALL_PROJECTS"] = ",".join(args.project)
        helper = None if args.pure_python else _build_helper(tmp)
        if helper:
            env["RECALL_HELPER"] = helper
        else:
            print("recall: using the pure-Python profile function", file=sys.stderr)
        rc = subprocess.call(cmd, env=env)
        parts = sorted(glob.glob(os.path.join(out_dir, "obs-*.json")))
        if not parts:
            raise SystemExit(f"record: no process wrote observations (exit code {rc})")
        merged = merge_observed(parts)
    merged["command"] = cmd
    merged["exit_code"] = rc
    with open(args.output, "w") as fh:
        json.dump(merged, fh, indent=0)
    direct = sum(1 for e in merged["edges"] if e["via"] is None)
    print(f"recall: {len(parts)} process(es), {len(merged['edges'])} edges "
          f"({direct} direct), {sum(r['count'] for r in merged['rpc'])} rpc dispatches, "
          f"command exit code {rc} -> {args.output}", file=sys.stderr)
    return rc


# ---------------------------------------------------------------------------
# Compare.
# ---------------------------------------------------------------------------

_DUNDER = re.compile(r"^__\w+__$")


class _Sources:
    """Source text and per-function decorator info, looked up by project-relative path."""

    def __init__(self, roots):
        self.roots = roots
        self.lines = {}
        self.trees = {}

    def path(self, rel, recorded=None):
        for root in self.roots:
            p = os.path.join(root, rel)
            if os.path.exists(p):
                return p
        if recorded and os.path.exists(recorded):
            return recorded
        return None

    def text(self, rel, recorded=None):
        if rel not in self.lines:
            p = self.path(rel, recorded)
            try:
                with open(p) as fh:
                    self.lines[rel] = fh.read().splitlines()
            except (OSError, TypeError):
                self.lines[rel] = []
        return self.lines[rel]

    def tree(self, rel, recorded=None):
        if rel not in self.trees:
            try:
                self.trees[rel] = ast.parse("\n".join(self.text(rel, recorded)))
            except SyntaxError:
                self.trees[rel] = None
        return self.trees[rel]

    def function_at(self, rel, line, recorded=None):
        tree = self.tree(rel, recorded)
        if tree is None:
            return None
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if first <= line <= node.lineno:
                    return node
        return None


def _rel(module, filename):
    base = module.replace(".", "/")
    if filename and filename.endswith("__init__.py"):
        return base + "/__init__.py"
    return base + ".py"


def _fold_lambda(name):
    while ".<locals>.<lambda>" in name:
        name = name[: name.rindex(".<locals>.<lambda>")]
    return name


class _Graph:
    def __init__(self, path):
        with open(path) as fh:
            g = json.load(fh)
        if g.get("schema") != "tracer-graph/1":
            raise SystemExit(f"{path}: not a tracer-graph/1 file")
        self.nodes = {n["id"]: n for n in g["nodes"]}
        # a template method's copy for a subclass (Sub.execute, inherited_from Base.execute) runs the def's
        # code: the recorder names its frames Base.execute, so its edges are the def's here
        runs_as = {n["id"]: n["inherited_from"] for n in g["nodes"] if n.get("inherited_from")}
        self.pairs = collections.defaultdict(list)  # (source, target) -> [edge]
        self.by_site = collections.defaultdict(list)  # "file:line" -> [edge]
        self.out = collections.defaultdict(list)  # source -> [edge]
        self.modules = set()
        for e in g["edges"]:
            if e["source"] in runs_as or e["target"] in runs_as:
                e = dict(e, source=runs_as.get(e["source"], e["source"]), target=runs_as.get(e["target"], e["target"]),
                         copy_of=e["source"] if e["source"] in runs_as else None)
            self.pairs[(e["source"], e["target"])].append(e)
            self.by_site[e["site"]].append(e)
            self.out[e["source"]].append(e)
        for n in g["nodes"]:
            f = n["file"]
            self.modules.add(f[:-3].replace("/", ".").removesuffix(".__init__"))


_ATTR_OPS = {"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD"}
_OPERATOR_OPS = {"BINARY_OP", "COMPARE_OP", "CONTAINS_OP", "BINARY_SUBSCR", "STORE_SUBSCR",
                 "DELETE_SUBSCR", "UNARY_NOT", "UNARY_NEGATIVE", "UNARY_INVERT", "FORMAT_VALUE",
                 "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_FALSE",
                 "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE",
                 "JUMP_IF_TRUE_OR_POP", "JUMP_IF_FALSE_OR_POP", "IS_OP"}
_ITER_OPS = {"FOR_ITER", "GET_ITER", "SEND", "YIELD_VALUE", "LIST_EXTEND", "LIST_TO_TUPLE",
             "UNPACK_SEQUENCE", "UNPACK_EX", "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE",
             "GET_YIELD_FROM_ITER"}


def _op(e):
    ops = e.get("ops") or {}
    return max(ops, key=ops.get) if ops else "?"


def _guess_cause(e, graph, src):
    """A heuristic cause for a missed edge (docs/recall.md has a hand-checked sample).

    Order: how the callee was entered (the caller's opcode: attribute access, operator,
    iteration, with), then what the graph has from the caller, then the call site's text.
    """
    caller, callee = _fold_lambda(e["caller"]), e["callee"]
    short = callee.rsplit(".", 1)[-1]
    op = _op(e)
    if e["via"] is not None:
        top = e["via"].split(".", 1)[0].split(":", 1)[0]
        if top == "unittest":
            return "through a mock (side_effect/wraps)"
        if top == "taskflow":
            return "taskflow engine -> task (flow-task class)"
        return f"through library frames ({top})"
    if "<lambda>" in callee:
        return "callee is a lambda (no lambda nodes in the graph)"
    if callee not in graph.nodes:
        return "callee not a graph node"
    if caller not in graph.nodes:
        return "caller not a graph node"
    if e.get("import_time") and e["import_time"] >= e["count"]:
        return "import time (decorator application, registration)"
    if op in _ATTR_OPS and op != "LOAD_METHOD":
        return "property/descriptor (attribute access, no call)"
    if short == "__getattr__" or short == "__setattr__" or short == "__getattribute__":
        return "property/descriptor (attribute access, no call)"
    if op in _OPERATOR_OPS or op == "BEFORE_WITH" or short in ("__enter__", "__exit__") or (
            _DUNDER.match(short) and short not in ("__init__", "__call__", "__new__")
            and op not in ("CALL", "PRECALL")):
        return "implicit dunder (operator/protocol/with)"
    callee_rel = _rel(_module_of(callee, graph), e.get("callee_file"))
    fn = src.function_at(callee_rel, e.get("callee_line") or 0, e.get("callee_file"))
    if op in _ITER_OPS or (fn is not None and any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(fn))):
        return "generator body resumed by its consumer"
    if fn is not None:
        decos = [ast.unparse(d) for d in fn.decorator_list]
        if any(d in ("property", "cached_property") or d.endswith(
                (".setter", ".getter", ".deleter", "cached_property")) for d in decos):
            return "property/descriptor (attribute access, no call)"
    window = _site_window(e, graph, src)
    lines = {int(x) for x in e["sites"]}
    same_name = [x for x in graph.out.get(caller, [])
                 if x["kind"] in ("call", "driver") and x["target"].rsplit(".", 1)[-1] == short
                 and int(x["site"].rsplit(":", 1)[1]) in lines]
    if same_name:
        return "dispatch to a subclass override (graph has the base or another class)"
    if window.startswith("@"):
        return "decorator expression of a nested def (decorated at run time)"
    if "getattr(" in window:
        return "dynamic getattr"
    if short == "__init__":
        cls = callee.rsplit(".", 2)[-2]
        if "super(" in window:
            return "super().__init__ not resolved"
        if re.search(rf"\b{re.escape(cls)}\s*\(", window):
            return "constructor call not resolved"
        return "constructor through a class held in a variable/factory"
    if re.search(rf"\b{re.escape(short)}\b", window) is None:
        if "<locals>" in caller:
            return "wrapper closure calls the wrapped function (closure variable)"
        if "<locals>" in callee:
            return "call of a closure returned by a factory"
        return "call through a parameter/variable holding a function"
    m = re.search(rf"([\w\.\]\)\[]+)\.{re.escape(short)}\b", window)
    if m:
        recv = m.group(1)
        if recv in ("self", "cls"):
            return "self/cls call to a method only subclasses define (mixin)"
        if recv.startswith("super"):
            return "super() call not resolved"
        if recv.startswith("self."):
            return "receiver class not inferable (self attribute)"
        return "receiver class not inferable (local/parameter/return value)"
    if re.search(rf"\b{re.escape(short)}\s*\(", window):
        return "bare-name call not resolved (import alias/nested def)"
    return "other (name passed as a value)"


def _site_window(e, graph, src):
    """Text of the busiest call site of an edge: its line and the next two."""
    caller = _fold_lambda(e["caller"])
    caller_rel = _rel(_module_of(caller, graph), e.get("caller_file"))
    lines = src.text(caller_rel, e.get("caller_file"))
    site_lines = sorted(e["sites"], key=lambda x: -e["sites"][x])
    line_no = int(site_lines[0]) if site_lines else 0
    if not 0 < line_no <= len(lines):
        return ""
    out, depth = [], 0
    for text in lines[line_no - 1: line_no + 5]:  # the line, and its continuation
        code = text.split("#", 1)[0]
        out.append(code.strip())
        depth += code.count("(") + code.count("[") + code.count("{")
        depth -= code.count(")") + code.count("]") + code.count("}")
        if depth <= 0 and not code.rstrip().endswith("\\"):
            break
    return " ".join(out)


def _wrapper_to_wrapped(e, graph, src):
    """A wrapper closure calling what it wraps through a closure variable (`f(*a, **kw)`)."""
    if "<locals>" not in e["caller"] or "<lambda>" in e["caller"]:
        return False
    short = e["callee"].rsplit(".", 1)[-1]
    window = _site_window(e, graph, src)
    return bool(window) and re.search(rf"\b{re.escape(short)}\b", window) is None


def _own_nodes(fn):
    """Nodes of a function body, not descending into nested functions/classes/lambdas."""
    todo = list(fn.body)
    while todo:
        n = todo.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                todo.append(c)


def _module_of(fq, graph):
    node = graph.nodes.get(fq)
    if node is not None:
        return node["file"][:-3].replace("/", ".").removesuffix(".__init__")
    parts = fq.split(".")
    for i in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:i])
        if head in graph.modules:
            return head
    return parts[0]


def _pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "  n/a"


def cmd_compare(args):
    obs = merge_observed(args.observed)
    graph = _Graph(args.graph)
    src = _Sources(args.src or [])
    projects = obs["projects"]
    call_kinds = {"call", "driver"}
    result = {"projects": projects, "classes": {}}

    def present(caller, callee, kinds=None):
        for c in {caller, _fold_lambda(caller)}:
            hits = graph.pairs.get((c, callee), [])
            if kinds is not None:
                hits = [h for h in hits if h["kind"] in kinds]
            if hits:
                return hits
        return []

    # ---- class 1: direct and collapsed calls ----------------------------
    def add(table, key, e):
        rec = table.get(key)
        if rec is None:
            rec = table[key] = dict(e, count=0, sites={}, ops={}, import_time=0, vias={})
        rec["count"] += e["count"]
        rec["import_time"] += e.get("import_time", 0)
        for field in ("sites", "ops"):
            for name, c in e.get(field, {}).items():
                rec[field][name] = rec[field].get(name, 0) + c
        if e["via"] is not None:
            rec["vias"][e["via"]] = rec["vias"].get(e["via"], 0) + e["count"]

    direct, collapsed, flows = {}, {}, {}
    for e in obs["edges"]:
        top_a, top_b = e["caller"].split(".", 1)[0], e["callee"].split(".", 1)[0]
        if top_a not in projects or top_b not in projects:
            continue
        if (e.get("caller_file") or "").startswith("<") or (e.get("callee_file") or "").startswith("<"):
            continue  # generated code (dataclass __init__ ...): no source, no node
        key = (e["caller"], e["callee"])
        if (e["via"] or "").startswith("taskflow") and key[1].rsplit(".", 1)[-1] in ("execute", "revert"):
            add(flows, key, e)
        add(direct if e["via"] is None else collapsed, key, e)
    union = {k: v for k, v in collapsed.items() if k not in direct}
    union.update(direct)

    def via_kind(e):
        """wrapper: a library decorator's closure called the callee; else a callback."""
        via = max(e["vias"], key=e["vias"].get)
        if via.startswith("unittest."):
            return "mock"
        qual = via.split(":", 1)[1]
        return "wrapper" if "<locals>" in qual and not qual.endswith(
            ("<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>")) else "callback"

    wrapped = {k: v for k, v in collapsed.items() if k not in direct and via_kind(v) == "wrapper"}
    wrapped.update(direct)
    callbacks = {k: v for k, v in collapsed.items() if k not in direct and via_kind(v) != "wrapper"}

    # decorator convention: the graph links a call of a decorated function to the
    # function itself, while the frames show caller -> wrapper closure -> function.
    closure_out = collections.defaultdict(set)
    for (a, b) in union:
        if "<locals>" in a:
            closure_out[a].add(b)

    def through_wrapper(a, b, e):
        """The graph links the caller, at that line, to what the wrapper closure (chain) went on to call.
        (One closure's code serves every function its decorator wraps: what it called is the union of
        those; the graph's targets at the line are few, so they are looked for through the chain.)"""
        if "<locals>" not in b:
            return False
        lines = {int(x) for x in e["sites"]}
        targets = {edge["target"] for edge in graph.out.get(_fold_lambda(a), []) if edge["kind"] in call_kinds
                   and any(abs(int(edge["site"].rsplit(":", 1)[1]) - x) <= 2 for x in lines)}
        if not targets:
            return False
        seen, todo = {b}, [b]
        while todo:
            w = todo.pop()
            for t in closure_out.get(w, ()):
                if t in targets:
                    return True
                if t not in seen and "<locals>" in t:
                    seen.add(t)
                    todo.append(t)
        return False

    def table(name, edges, found, skip=None):
        per = collections.defaultdict(lambda: [0, 0, 0, 0])
        skipped = 0
        for (a, b), e in edges.items():
            if skip is not None and skip(a, b, e):
                skipped += 1
                e["hit"] = None
                continue
            hit = found(a, b, e)
            e["hit"] = hit
            rows = [a.split(".", 1)[0], "all"]
            if not (e["import_time"] and e["import_time"] >= e["count"]):
                rows.append("all, runtime only")
            for p in rows:
                v = per[p]
                v[0] += 1
                v[1] += bool(hit)
                v[2] += e["count"]
                v[3] += e["count"] if hit else 0
        result["classes"][name] = {p: {"edges": v[0], "found": v[1], "calls": v[2], "calls_found": v[3]}
                                   for p, v in per.items()}
        print(f"\n{name}")
        print(f"  {'':18} {'edges':>7} {'found':>7} {'recall':>7}   {'calls':>10} {'weighted':>8}")
        for p in sorted(per, key=lambda p: (p.startswith("all"), p)):
            v = per[p]
            print(f"  {p:18} {v[0]:7d} {v[1]:7d} {_pct(v[1], v[0]):>7}   {v[2]:10d} {_pct(v[3], v[2]):>8}")
        if skipped:
            print(f"  ({skipped} wrapper -> wrapped-function edges left out: the graph's edge"
                  " goes from the caller straight to the wrapped function)")

    print(f"observed: {len(obs['edges'])} edge records from {obs['processes']} process(es); "
          f"dropped calls: {obs['dropped']}")
    print("(runtime only: without edges seen only while a module was being imported;"
          " weighted: by number of calls)")
    table("1a. direct calls, raw frames (against call/driver edges)", direct,
          lambda a, b, e: bool(present(a, b, call_kinds)))
    table("1a'. direct calls, project decorator wrappers taken as the graph does", direct,
          lambda a, b, e: bool(present(a, b, call_kinds)) or through_wrapper(a, b, e),
          skip=lambda a, b, e: not present(a, b, call_kinds) and _wrapper_to_wrapped(e, graph, src))
    missed_prime = [key for key, e in direct.items() if e["hit"] is False]  # None: left out as wrapper -> wrapped
    table("1b. direct + calls through library decorator wrappers, collapsed (any edge kind)",
          wrapped, lambda a, b, e: bool(present(a, b)) or through_wrapper(a, b, e),
          skip=lambda a, b, e: not present(a, b) and _wrapper_to_wrapped(e, graph, src))
    table("1c. library callbacks: project -> library -> project, not a wrapper (any edge kind)",
          callbacks, lambda a, b, e: bool(present(a, b)))
    by_via = collections.defaultdict(lambda: [0, 0])
    for key, e in union.items():
        if key in direct:
            continue
        via = max(e["vias"], key=e["vias"].get)
        top = f"{via_kind(e):8} {via.split(':', 1)[0].split('.', 1)[0]}"
        by_via[top][0] += 1
        by_via[top][1] += bool(e["hit"])
    print("\n  1b/1c edges by the library frame next to the callee (edges, found):")
    for top, (n, h) in sorted(by_via.items(), key=lambda kv: -kv[1][0]):
        print(f"    {top:36} {n:6d} {h:6d} {_pct(h, n)}")
    result["collapsed_by_library"] = {k: {"edges": v[0], "found": v[1]} for k, v in by_via.items()}
    rank = {"exact": 0, "configured": 1, "callback": 2, "possible": 3, "candidate": 4}
    conf = collections.Counter()
    for (a, b) in direct:
        hits = present(a, b, call_kinds)
        if hits:
            conf[min((h["confidence"] for h in hits), key=lambda c: rank.get(c, 9))] += 1
    print(f"\n  1a found edges by the best confidence of the matching graph edge: {dict(conf)}")
    result["direct_found_by_confidence"] = dict(conf)
    for key, e in direct.items():  # causes below are for the raw direct class
        e["hit"] = bool(present(key[0], key[1], call_kinds))
        e["wrapper_hit"] = through_wrapper(key[0], key[1], e)

    # ---- class 2: RPC -----------------------------------------------------
    rpc_kinds = {"rpc-cast", "rpc-call"}
    rpc_obs = merge_observed(args.rpc_from) if args.rpc_from else obs
    pairs = collections.Counter()
    for r in rpc_obs["rpc"]:
        pairs[(r["sender"], r["receiver"])] += r["count"]
    print("\n2. RPC pairs (client method that sent -> manager method that received)")
    rpc_rows = []
    per = collections.defaultdict(lambda: [0, 0])
    to_mock = collections.Counter()
    for (s, r), c in sorted(pairs.items()):
        if r == "<mock>" or r.startswith("?") or ".tests." in r:  # a mock, or a test's own stand-in method
            to_mock[(s, r)] += c
            continue
        hit = bool(present(s, r, rpc_kinds))
        proj = s.split(".", 1)[0]
        for p in (proj, "all"):
            per[p][0] += 1
            per[p][1] += hit
        rpc_rows.append({"sender": s, "receiver": r, "count": c, "hit": hit})
    for p in sorted(per, key=lambda p: (p == "all", p)):
        print(f"  {p:8} pairs {per[p][0]:5d}  found {per[p][1]:5d}  recall {_pct(per[p][1], per[p][0])}")
    for row in rpc_rows:
        if not row["hit"]:
            print(f"  MISSED {row['sender']} -> {row['receiver']} (x{row['count']})")
    for row in rpc_rows:
        if row["hit"]:
            print(f"  found  {row['sender']} -> {row['receiver']} (x{row['count']})")
    for (snd, r), c in sorted(to_mock.items()):
        print(f"  to a mock  {snd} -> {r} (x{c}): the test replaced the manager method")
    print(f"  messages sent on the fake transport, never dispatched (no server in the test): "
          f"{sum(r['count'] for r in rpc_obs['rpc_undelivered'])}")
    result["classes"]["rpc"] = {p: {"pairs": v[0], "found": v[1]} for p, v in per.items()}
    result["rpc_pairs"] = rpc_rows
    # every message the fake transport carried, dispatched or not: (client, method name)
    sends = collections.Counter()
    for r in rpc_obs["rpc"]:
        sends[(r["sender"], r["method"])] += r["count"]
    for r in rpc_obs["rpc_undelivered"]:
        sends[(r["sender"], r["method"])] += r["count"]
    rpc_by_source = collections.defaultdict(set)
    for (a, b), es in graph.pairs.items():
        for x in es:
            if x["kind"] in rpc_kinds:
                rpc_by_source[a].add(x.get("method"))
    sper = collections.defaultdict(lambda: [0, 0])
    smissed = []
    for (sender, method), c in sorted(sends.items()):
        hit = method in rpc_by_source.get(sender, ())
        for p in (sender.split(".", 1)[0], "all"):
            sper[p][0] += 1
            sper[p][1] += hit
        if not hit:
            smissed.append((sender, method, c))
    print("  2b. every message sent on the fake transport, dispatched or not:"
          " (client method, RPC method name) against the graph's rpc edges")
    for p in sorted(sper, key=lambda p: (p == "all", p)):
        print(f"  {p:8} sends {sper[p][0]:5d}  found {sper[p][1]:5d}  recall {_pct(sper[p][1], sper[p][0])}")
    for sender, method, c in smissed:
        print(f"  MISSED {sender} sent {method!r} (x{c})")
    result["classes"]["rpc_sends"] = {p: {"sends": v[0], "found": v[1]} for p, v in sper.items()}

    # ---- class 3: flow tasks ---------------------------------------------
    print("\n3. flow tasks (function that ran the engine -> task execute/revert)")
    frows = []
    fper = collections.defaultdict(lambda: [0, 0])
    for (a, b), e in sorted(flows.items()):
        hit = bool(present(a, b, {"flow-task"}))
        any_hit = bool(present(a, b))
        proj = a.split(".", 1)[0]
        for p in (proj, "all"):
            fper[p][0] += 1
            fper[p][1] += hit
        frows.append({"runner": a, "task": b, "count": e["count"], "hit": hit, "any_edge": any_hit})
    for p in sorted(fper, key=lambda p: (p == "all", p)):
        print(f"  {p:8} pairs {fper[p][0]:5d}  found {fper[p][1]:5d}  recall {_pct(fper[p][1], fper[p][0])}")
    ex = [r for r in frows if r["task"].endswith(".execute")]
    print(f"  execute only: {sum(r['hit'] for r in ex)}/{len(ex)}"
          f"  (revert: {sum(r['hit'] for r in frows if r not in ex)}/{len(frows) - len(ex)})")
    for row in frows:
        if not row["hit"]:
            print(f"  MISSED {row['runner']} -> {row['task']} (x{row['count']})")
    result["classes"]["flow"] = {p: {"pairs": v[0], "found": v[1]} for p, v in fper.items()}
    result["flow_pairs"] = frows

    # ---- precision, a lower bound ------------------------------------------
    _precision(graph, union, projects, call_kinds, result, obs.get("mocked", ()))

    # ---- causes of misses ------------------------------------------------
    causes = collections.defaultdict(list)
    for (a, b), e in direct.items():
        if e["hit"]:
            continue
        if e["wrapper_hit"]:
            causes["decorator wrapper frame (graph links caller to the wrapped function)"].append(e)
        else:
            causes[_guess_cause(e, graph, src)].append(e)
    print(f"\nmissed direct edges by guessed cause ({sum(len(v) for v in causes.values())} edges)")
    for cause, items in sorted(causes.items(), key=lambda kv: -len(kv[1])):
        calls = sum(i["count"] for i in items)
        print(f"  {len(items):6d} {cause}  ({calls} calls)")
        items.sort(key=lambda i: -i["count"])
        for i in items[: args.sample]:
            caller_rel = _rel(_module_of(_fold_lambda(i["caller"]), graph), i.get("caller_file"))
            line = max(i["sites"], key=lambda s: i["sites"][s])
            text = src.text(caller_rel, i.get("caller_file"))
            code = text[int(line) - 1].strip() if 0 < int(line) <= len(text) else ""
            print(f"         {caller_rel}:{line}  {i['caller']} -> {i['callee']}  (x{i['count']})")
            if code:
                print(f"             {code[:110]}")
    _prime_causes(missed_prime, direct, graph, src, result)
    result["missed_direct_by_cause"] = {
        c: [{"caller": i["caller"], "callee": i["callee"], "count": i["count"],
             "sites": i["sites"]} for i in items] for c, items in causes.items()}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


def _prime_causes(missed, direct, graph, src, result):
    """The misses of class 1a' (what the headline recall lacks) by guessed cause and project."""
    per = collections.defaultdict(collections.Counter)
    for key in missed:
        per[_guess_cause(direct[key], graph, src)][key[0].split(".", 1)[0]] += 1
    projects = sorted({p for c in per.values() for p in c})
    print(f"\n1a' misses by guessed cause ({len(missed)} edges): " + ", ".join(projects))
    for cause, counts in sorted(per.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {sum(counts.values()):6d} " + " ".join(f"{counts[p]:5d}" for p in projects) + f"  {cause}")
    result["missed_prime_by_cause"] = {c: dict(v) for c, v in per.items()}
    result["missed_prime"] = [list(k) for k in missed]


def _wrapper_reach(union):
    """For each closure that ran, what it and the closures it called (a stack of decorators: cinder's
    db.volume_update runs handle_db_data_error's wrapper, then require_context's) went on to call."""
    out = collections.defaultdict(set)
    for a, b in union:
        if "<locals>" in a:
            out[a].add(b)
    reach = collections.defaultdict(set)
    for start in sorted(out):
        seen, todo = {start}, [start]
        while todo:
            for t in out.get(todo.pop(), ()):
                reach[start].add(t)
                if t not in seen and "<locals>" in t:
                    seen.add(t)
                    todo.append(t)
    return reach


def _precision(graph, union, projects, call_kinds, result, mocked=()):
    """The graph's in-project call/driver edges between two functions that ran, and how many of them the
    runs saw (directly, collapsed through library frames, or through a project decorator's wrapper
    closure): a lower bound of precision, since a test run exercises only some paths of what ran."""
    ran = {_fold_lambda(a) for a, _ in union} | {b for _, b in union}
    seen = {(_fold_lambda(a), b) for a, b in union}
    reach = _wrapper_reach(union)
    wrapped = collections.defaultdict(set)  # caller -> what a wrapper closure (chain) it called went on to call
    for a, w in union:
        if "<locals>" in w:
            wrapped[_fold_lambda(a)] |= reach[w]
    doubles = _doubles(mocked)
    per = collections.defaultdict(lambda: [0, 0])
    strict = collections.defaultdict(lambda: [0, 0])
    unseen = []
    for (a, b), edges in sorted(graph.pairs.items()):
        if a == b or a not in ran or b not in ran or not any(e["kind"] in call_kinds for e in edges):
            continue
        project = a.split(".", 1)[0]
        if project not in projects or b.split(".", 1)[0] not in projects:
            continue
        ok = (a, b) in seen or b in wrapped.get(a, ()) or any(
            _handed_on(graph, seen, a, b, e) for e in edges if e["confidence"] == "callback")
        strict[project][0] += 1
        strict[project][1] += ok
        if not ok:
            lines = doubles.get((a, b), ())
            ok = any(abs(int(e["site"].rsplit(":", 1)[1]) - x) <= 2 for e in edges if e["kind"] in call_kinds
                     for x in lines)
        per[project][0] += 1
        per[project][1] += ok
        if not ok:
            unseen.append({"caller": a, "callee": b, "edges": [
                {k: e.get(k) for k in ("kind", "confidence", "site", "copy_of")} for e in edges
                if e["kind"] in call_kinds]})
    result["precision_unseen"] = unseen
    print("\n4. precision, a lower bound: graph call/driver edges between functions that ran, seen by the runs"
          " (at the edge's site, the callee or a test double standing for it)")
    _print_per_project(per, "edges", 6)
    result["classes"]["precision_lower_bound"] = {p: {"edges": v[0], "seen": v[1]} for p, v in per.items()}
    print("\n4s. the same, strict: the callee itself seen (no test double)")
    _print_per_project(strict, "edges", 6)
    result["classes"]["precision_lower_bound_strict"] = {p: {"edges": v[0], "seen": v[1]} for p, v in strict.items()}
    # 4m: the same without the unseen edges whose every call site the runs saw calling a test's Mock (the
    # test replaced the callee there: the run says nothing about the edge either way)
    at_mock = collections.defaultdict(set)
    for r in mocked:
        if not r.get("stands"):  # a double of a known callee is counted above, seen or not
            at_mock[_fold_lambda(r["caller"])].add(int(r["line"]))
    per_m = {p: list(v) for p, v in per.items()}
    for u in unseen:
        lines = [int(e["site"].rsplit(":", 1)[1]) for e in u["edges"]]
        if lines and all(line in at_mock.get(u["caller"], ()) for line in lines):  # the line itself: a
            # neighbour's mock says nothing of an error branch below it
            per_m[u["caller"].split(".", 1)[0]][0] -= 1
    if mocked:
        print("\n4m. precision, a lower bound, less the unseen edges whose every site the runs saw calling a mock")
        _print_per_project(per_m, "edges", 6)
    result["classes"]["precision_lower_bound_less_mocked"] = {p: {"edges": v[0], "seen": v[1]} for p, v in per_m.items()}
    _precision_at_sites(graph, union, projects, call_kinds, result, seen, doubles)


def _handed_on(graph, seen, a, b, edge) -> bool:
    """A callback edge ``a -> b`` (``a`` hands ``b`` to a project function ``g`` at the edge's site, and ``g``
    calls it) is seen when the runs saw ``a`` call ``g`` there and ``g`` call ``b`` (or a function ``g``
    called hand it on once more): the run saw what the edge says, ``b`` called because ``a`` handed it on."""
    for g in {e["target"] for e in graph.by_site.get(edge["site"], ()) if e["source"] == a and e["target"] != b
              and e["confidence"] != "callback"}:
        if (a, g) in seen and ((g, b) in seen or any((g, e["target"]) in seen and (e["target"], b) in seen
                                                       for e in graph.out.get(g, ()))):
            return True
    return False


def _doubles(mocked):
    """(caller, the project function a test double stood for) -> the lines project code called it at."""
    out = collections.defaultdict(set)
    for r in mocked:
        for b in r.get("stands", ()):
            out[(_fold_lambda(r["caller"]), b)].add(int(r["line"]))
    return out


def _precision_at_sites(graph, union, projects, call_kinds, result, seen, doubles):
    """4b: the same, at the call sites the runs executed (a line of the caller from which they saw a call).

    A site's claims: each call/driver edge from it, except ``candidate`` edges (the implementations a
    deployment may configure instead: alternatives, not calls) and with the edges of a template method's
    copies for its subclasses (``inherited_from``) counted as one claim, "one of these", since each run of
    the def is a run of one copy.  A claim is seen when the runs saw the caller call one of its targets
    (directly, collapsed or through a wrapper closure).  Still a lower bound: a test replacing the callee
    with a mock, or configuring a fake driver, leaves a true edge unseen."""
    lines = collections.defaultdict(set)
    at = collections.defaultdict(set)  # (caller, callee) -> lines the runs saw the call at
    for (a, b), e in union.items():
        lines[_fold_lambda(a)].update(int(x) for x in e["sites"])
        at[(_fold_lambda(a), b)].update(int(x) for x in e["sites"])
    for (a, b), xs in doubles.items():  # a test double standing for the callee, called at the line
        lines[a].update(xs)
        at[(a, b)].update(xs)
    reach = _wrapper_reach(union)
    for (a, w), e in union.items():  # through a project decorator's wrapper closure (chain): at the line calling it
        if "<locals>" in w:
            for b in reach[w]:
                at[(_fold_lambda(a), b)].update(int(x) for x in e["sites"])
    claims = collections.defaultdict(set)  # (caller, line, copy group or target) -> targets
    handed = {}  # (caller, target, line) -> a callback edge there
    for (a, b), edges in graph.pairs.items():
        if a == b or a.split(".", 1)[0] not in projects or b.split(".", 1)[0] not in projects:
            continue
        for e in edges:
            line = int(e["site"].rsplit(":", 1)[1])
            if e["kind"] in call_kinds and e["confidence"] != "candidate" and line in lines.get(a, ()):
                claims[(a, line, "copies" if e.get("copy_of") else b)].add(b)
                if e["confidence"] == "callback":
                    handed[(a, b, line)] = e
    per = collections.defaultdict(lambda: [0, 0])
    unseen = []
    for (a, line, _unit), targets in sorted(claims.items()):
        project = a.split(".", 1)[0]
        per[project][0] += 1  # seen at that line (a call spread over lines is recorded at one of them)
        ok = any(any(abs(x - line) <= 2 for x in at.get((a, b), ())) for b in targets) or any(
            _handed_on(graph, seen, a, b, handed[(a, b, line)]) for b in targets if (a, b, line) in handed)
        per[project][1] += ok
        if not ok:
            unseen.append({"caller": a, "line": line, "targets": sorted(targets)})
    result["precision_at_sites_unseen"] = unseen
    print("\n4b. precision, at the sites the runs executed: claims (edges; a template method's copies one claim,"
          " no candidate edges) the runs saw")
    _print_per_project(per, "claims", 5)
    result["classes"]["precision_at_sites"] = {p: {"claims": v[0], "seen": v[1]} for p, v in per.items()}


def _print_per_project(per: dict, noun: str, width: int) -> None:
    """One line per project and one for all: ``noun`` counted, how many the runs saw, the share."""
    total = [0, 0]
    for project in sorted(per):
        n, ok = per[project]
        total[0] += n
        total[1] += ok
        print(f"  {project:<8} {noun} {n:{width}d}  seen {ok:6d}  {_pct(ok, n)}")
    print(f"  {'all':<8} {noun} {total[0]:{width}d}  seen {total[1]:6d}  {_pct(total[1], total[0])}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("record", help="run a test command under the call recorder")
    r.add_argument("-o", "--output", required=True, help="observed edges JSON to write")
    r.add_argument("-p", "--project", action="append", required=True,
                   help="top-level package of the project (repeatable): nova, cinder")
    r.add_argument("--pure-python", action="store_true",
                   help="do not build the C helper (slower, same result)")
    r.add_argument("command", nargs=argparse.REMAINDER, help="-- test command ...")
    c = sub.add_parser("compare", help="recall of a tracer export against observed edges")
    c.add_argument("observed", nargs="+", help="observed JSON file(s) from record")
    c.add_argument("-g", "--graph", required=True, help="tracer export JSON (tracer-graph/1)")
    c.add_argument("--src", action="append", help="tree holding nova/..., cinder/... (repeatable)")
    c.add_argument("--rpc-from", action="append",
                   help="observed file(s) to take the RPC class from instead (repeatable)")
    c.add_argument("--sample", type=int, default=3, help="missed edges shown per cause")
    c.add_argument("--json", help="write the full comparison here")
    args = ap.parse_args(argv)
    if args.mode == "record":
        return cmd_record(args)
    return cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
