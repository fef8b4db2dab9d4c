#!/usr/bin/env python3
"""The closed loop of host.cpp from Python, through the C API with ctypes.

Every 10 ms of simulated time the host counts the spikes of the last 10 ms
(delivered to a Python function subscribed to the population's spikes) and
moves the input current I_e against the error from the target rate —
integral negative feedback.

    NEURO_LIB=/prefix/lib/libneuro.so python3 host.py [MODEL] [TARGET_HZ]
    python3 host.py --lib /prefix/lib/libneuro.so [MODEL] [TARGET_HZ]

Standard library only (ctypes); MODEL defaults to feedback.neuro next to
this file.
"""
import ctypes as C
import os
import sys

# ---- the binding: the declarations of neuro/neuro.h that this host uses ----

NEURO_OK = 0
RESULT_NAMES = ["NEURO_OK", "NEURO_COMPILE_ERROR", "NEURO_RUNTIME_ERROR", "NEURO_USAGE_ERROR",
                "NEURO_INVALID_HANDLE", "NEURO_BUFFER_TOO_SMALL", "NEURO_OUT_OF_MEMORY",
                "NEURO_INTERNAL_ERROR"]


class Diagnostic(C.Structure):
    _fields_ = [("code", C.c_char_p), ("severity", C.c_char_p), ("file", C.c_char_p),
                ("line", C.c_int), ("column", C.c_int), ("end_line", C.c_int), ("end_column", C.c_int),
                ("message", C.c_char_p), ("hint", C.c_char_p), ("rendered", C.c_char_p)]


# void (*)(void* user, const char* population, const uint32_t* ids, size_t count, double time)
SPIKE_FN = C.CFUNCTYPE(None, C.c_void_p, C.c_char_p, C.POINTER(C.c_uint32), C.c_size_t, C.c_double)


def load_library(path):
    lib = C.CDLL(path)
    engine = C.c_void_p  # neuro_engine*: a handle, only ever passed back
    sig = {
        "neuro_new": (engine, [C.c_void_p]),
        "neuro_free": (None, [engine]),
        "neuro_last_error": (C.c_char_p, []),
        "neuro_version": (C.c_char_p, []),
        "neuro_load_file": (C.c_int, [engine, C.c_char_p]),
        "neuro_build": (C.c_int, [engine, C.c_void_p]),
        "neuro_run": (C.c_int, [engine, C.c_double]),
        "neuro_time": (C.c_int, [engine, C.POINTER(C.c_double)]),
        "neuro_population_size": (C.c_int, [engine, C.c_char_p, C.POINTER(C.c_size_t)]),
        "neuro_set": (C.c_int, [engine, C.c_char_p, C.c_char_p, C.POINTER(C.c_double), C.c_size_t]),
        "neuro_get": (C.c_int, [engine, C.c_char_p, C.c_char_p, C.POINTER(C.c_double), C.c_size_t,
                                C.POINTER(C.c_size_t)]),
        "neuro_subscribe_spikes": (C.c_int, [engine, C.c_char_p, SPIKE_FN, C.c_void_p, C.POINTER(C.c_int)]),
        "neuro_unsubscribe": (C.c_int, [engine, C.c_int]),
        "neuro_spikes": (C.c_int, [engine, C.c_char_p, C.POINTER(C.POINTER(C.c_uint32)),
                                   C.POINTER(C.POINTER(C.c_double)), C.POINTER(C.c_size_t)]),
        "neuro_diagnostic_count": (C.c_int, [engine, C.POINTER(C.c_size_t)]),
        "neuro_get_diagnostic": (C.c_int, [engine, C.c_size_t, C.POINTER(Diagnostic)]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class NeuroError(Exception):
    pass


class Engine:
    """A thin Pythonic wrapper: results other than NEURO_OK raise NeuroError."""

    def __init__(self, lib):
        self.lib = lib
        self.handle = lib.neuro_new(None)
        if not self.handle:
            raise NeuroError(lib.neuro_last_error().decode())
        self._callbacks = {}  # keeps ctypes callbacks alive while subscribed

    def _check(self, result, what):
        if result == NEURO_OK:
            return
        message = self.lib.neuro_last_error().decode()
        n = C.c_size_t()
        details = []
        if self.lib.neuro_diagnostic_count(self.handle, C.byref(n)) == NEURO_OK:
            for i in range(n.value):
                d = Diagnostic()
                if self.lib.neuro_get_diagnostic(self.handle, i, C.byref(d)) == NEURO_OK:
                    details.append(d.rendered.decode())
        raise NeuroError(f"{what}: {RESULT_NAMES[result]}: {message}\n" + "".join(details))

    def load_file(self, path):
        self._check(self.lib.neuro_load_file(self.handle, path.encode()), "load_file")

    def build(self):
        self._check(self.lib.neuro_build(self.handle, None), "build")

    def run(self, seconds):
        self._check(self.lib.neuro_run(self.handle, seconds), "run")

    def time(self):
        t = C.c_double()
        self._check(self.lib.neuro_time(self.handle, C.byref(t)), "time")
        return t.value

    def size(self, population):
        n = C.c_size_t()
        self._check(self.lib.neuro_population_size(self.handle, population.encode(), C.byref(n)), "size")
        return n.value

    def get(self, target, unit):
        n = C.c_size_t()
        self._check(self.lib.neuro_get(self.handle, target.encode(), unit.encode(), None, 0, C.byref(n)), "get")
        buf = (C.c_double * n.value)()
        self._check(self.lib.neuro_get(self.handle, target.encode(), unit.encode(), buf, n.value, C.byref(n)),
                    "get")
        return list(buf)

    def set(self, target, unit, values):
        buf = (C.c_double * len(values))(*values)
        self._check(self.lib.neuro_set(self.handle, target.encode(), unit.encode(), buf, len(values)), "set")

    def subscribe_spikes(self, population, fn):
        """fn(ids, time) after every step in which the population spiked."""
        cb = SPIKE_FN(lambda user, pop, ids, count, t: fn(ids[:count], t))
        h = C.c_int()
        self._check(self.lib.neuro_subscribe_spikes(self.handle, population.encode(), cb, None, C.byref(h)),
                    "subscribe_spikes")
        self._callbacks[h.value] = cb
        return h.value

    def unsubscribe(self, handle):
        self._check(self.lib.neuro_unsubscribe(self.handle, handle), "unsubscribe")
        del self._callbacks[handle]

    def spikes(self, population):
        ids = C.POINTER(C.c_uint32)()
        times = C.POINTER(C.c_double)()
        n = C.c_size_t()
        self._check(self.lib.neuro_spikes(self.handle, population.encode(), C.byref(ids), C.byref(times),
                                          C.byref(n)), "spikes")
        return ids[:n.value], times[:n.value]

    def close(self):
        if self.handle:
            self.lib.neuro_free(self.handle)
            self.handle = None


# ---- the host ---------------------------------------------------------------

def main(argv):
    args = list(argv[1:])
    lib_path = os.environ.get("NEURO_LIB", "libneuro.so")
    if len(args) >= 2 and args[0] == "--lib":
        lib_path = args[1]
        args = args[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    model = args[0] if args else os.path.join(here, "feedback.neuro")
    target_hz = float(args[1]) if len(args) > 1 else 20.0
    window, duration, gain = 0.010, 1.0, 0.001

    lib = load_library(lib_path)
    engine = Engine(lib)
    try:
        engine.load_file(model)
        engine.build()
        n = engine.size("P")
        window_spikes = [0]

        def on_spikes(ids, t):
            window_spikes[0] += len(ids)

        sub = engine.subscribe_spikes("P", on_spikes)
        current, total, late_spikes, late_time = 0.15, 0, 0.0, 0.0
        print(f"# closed loop: {n} neurons, target {target_hz:.1f} Hz, window {window * 1e3:.0f} ms "
              f"(libneuro {lib.neuro_version().decode()})")
        while engine.time() < duration - 1e-9:
            engine.set("P.I_e", "nA", [current] * n)
            window_spikes[0] = 0
            engine.run(window)
            t = engine.time()
            count = window_spikes[0]
            total += count
            rate = count / (n * window)
            if t > duration / 2 + 1e-9:
                late_spikes += count
                late_time += window
            print(f"t={t * 1e3:4.0f} ms  spikes={count:3d}  rate={rate:6.1f} Hz  I_e={current:.4f} nA")
            current = max(0.0, current + gain * (target_hz - rate))
        engine.unsubscribe(sub)
        recorded, _ = engine.spikes("P")
        print(f"total spikes={total} recorded={len(recorded)}  late rate={late_spikes / (n * late_time):.2f} Hz  "
              f"target={target_hz:.1f} Hz")
    except NeuroError as e:
        print(f"host.py: {e}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
