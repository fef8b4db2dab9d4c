#!/usr/bin/python3
"""Brian2 cpp_standalone reference for the Brette et al. 2007 CUBA/COBA benchmarks.

Usage: brian2_ref.py {cuba|cuba_stdp|coba} --n N --duration SECONDS --seed S
                     [--build-dir DIR] [--coba-init zero|random]

Prints exactly one JSON object on stdout; Brian2/make chatter goes to stderr.
Network: p = 80/N (in-degree ~80), first 80% excitatory, self-connections
allowed, dt = 0.1 ms, one thread (no OpenMP).
cuba_stdp is cuba with classic pair STDP (additive, all-to-all, event-driven
traces of 20 ms, A = 0.01, w in [0, 3.24 mV], w0 = 1.62 mV) on every
excitatory synapse; the inhibitory synapses stay static.
"""
import time

T0 = time.perf_counter()  # total_s counts the brian2 import too

import argparse
import json
import os
import shutil
import tempfile

# Keep stdout clean for the JSON: everything Brian2, make or the binary writes
# to fd 1 goes to stderr; the JSON goes to the saved original stdout.
_REAL_STDOUT = os.dup(1)
os.dup2(2, 1)

from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock,
                    get_device, prefs, run, seed, set_device, ms, mV, nS, pF,
                    second)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('model', choices=['cuba', 'cuba_stdp', 'coba'])
    ap.add_argument('--n', type=int, default=4000)
    ap.add_argument('--duration', type=float, default=1.0, help='seconds')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--build-dir', help='standalone project dir (default: fresh temp dir, deleted afterwards)')
    # Default 'random': with zero conductances COBA never fires (El = Vr and
    # no external drive), so only this init gives the ~20 Hz reference
    # activity; both measured rates are in bench/README.md.
    ap.add_argument('--coba-init', choices=['zero', 'random'], default='random',
                    help='COBA initial conductances: zero, or the Brian1 benchmark script randn() init')
    return ap.parse_args()


def build_network(model, n, coba_init):
    """Create the objects (standalone: this only records them for codegen)."""
    ne = int(0.8 * n)
    p = 80.0 / n
    if model in ('cuba', 'cuba_stdp'):
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
        eqs = '''
        dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        '''
        P = NeuronGroup(n, eqs, threshold='v>Vt', reset='v=Vr',
                        refractory=5 * ms, method='exact', name='P')
        P.v = 'Vr + rand()*(Vt-Vr)'
        P.ge = 0 * mV
        P.gi = 0 * mV
        exc, inh = 'ge += 1.62*mV', 'gi += -9*mV'
    else:
        C, gL = 200 * pF, 10 * nS
        El, Vt, Vr = -60 * mV, -50 * mV, -60 * mV
        Ee, Ei = 0 * mV, -80 * mV
        taue, taui = 5 * ms, 10 * ms
        eqs = '''
        dv/dt = (gL*(El-v) + ge*(Ee-v) + gi*(Ei-v))/C : volt (unless refractory)
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taui : siemens
        '''
        P = NeuronGroup(n, eqs, threshold='v>Vt', reset='v=Vr',
                        refractory=5 * ms, method='exponential_euler', name='P')
        P.v = 'Vr + rand()*(Vt-Vr)'
        if coba_init == 'random':  # Brian1 benchmark script's initial state
            P.ge = '(randn()*1.5+4)*10*nS'
            P.gi = '(randn()*12+20)*10*nS'
        else:
            P.ge = 0 * nS
            P.gi = 0 * nS
        exc, inh = 'ge += 6*nS', 'gi += 67*nS'
    if model == 'cuba_stdp':
        # Classic pair STDP (Brian2 docs' example), event-driven traces.
        taupre = taupost = 20 * ms
        A = 0.01
        wmax = 3.24 * mV
        Se = Synapses(P, P, model='''w : volt
                      dApre/dt = -Apre/taupre : volt (event-driven)
                      dApost/dt = -Apost/taupost : volt (event-driven)''',
                      on_pre='''ge += w
                                Apre += A * wmax
                                w = clip(w + Apost, 0*mV, wmax)''',
                      on_post='''Apost += -1.05 * A * wmax
                                 w = clip(w + Apre, 0*mV, wmax)''',
                      name='Se')
        Se.connect('i<ne', p=p)
        Se.w = 1.62 * mV  # after connect, before Si: same RNG order as cuba
    else:
        Se = Synapses(P, P, on_pre=exc, name='Se')
        Se.connect('i<ne', p=p)
    Si = Synapses(P, P, on_pre=inh, name='Si')
    Si.connect('i>=ne', p=p)
    mon = SpikeMonitor(P, name='spikes')  # neuro records all spikes too
    # The namespace is captured at run() time from the caller's locals, so
    # hand back the locals that the equation strings refer to.
    return P, Se, Si, mon, dict(locals())


# Peak RSS of the simulation process, written by the process itself.  Not
# getrusage(RUSAGE_CHILDREN) (nor wait4()): Linux carries ru_maxrss across
# fork+exec, so a binary started from this Python process inherits its RSS
# (brian2+sympy+numpy, ~166 MB) as its ru_maxrss -- measured at N=4000:
# RUSAGE_CHILDREN 166.2 MB vs VmHWM 12.7 MB.  VmHWM belongs to the exec'd
# address space only, so it is the simulation's own high-water mark.
from brian2_rss import VMHWM_CODE  # noqa: E402  (bench/brian2_rss.py)


def main():
    args = parse_args()
    directory = args.build_dir or tempfile.mkdtemp(prefix='brian2_ref_')
    set_device('cpp_standalone', directory=directory, build_on_run=False)
    device = get_device()
    prefs.devices.cpp_standalone.openmp_threads = 0  # single thread, no OpenMP
    defaultclock.dt = 0.1 * ms
    seed(args.seed)  # seeds the standalone RNG (rand(), randn(), connect)
    device.insert_code('after_end', VMHWM_CODE)

    t = time.perf_counter()
    P, Se, Si, mon, ns = build_network(args.model, args.n, args.coba_init)
    run(args.duration * second, namespace=ns)
    # clean=True: always a full rebuild, even in a reused --build-dir.
    device.build(directory=directory, compile=True, run=True, clean=True,
                 with_output=False)
    binary_s = device.timers['run_binary']  # wall time of the whole binary
    build_s = time.perf_counter() - t - binary_s

    with open(os.path.join(directory, 'results', 'peak_rss_kb.txt')) as f:
        peak_rss_mb = float(f.read().split()[0]) / 1024.0  # kB -> MB as ru_maxrss/1024
    spikes = int(mon.num_spikes)
    synapses = int(len(Se) + len(Si))
    result = {
        'model': args.model,
        'n': args.n,
        'duration_s': args.duration,
        'seed': args.seed,
        'coba_init': args.coba_init if args.model == 'coba' else None,
        'spikes': spikes,
        'rate_hz': spikes / (args.n * args.duration),
        'synapses': synapses,
        # synapses whose weight changes (cuba_stdp: the excitatory ones)
        'plastic_synapses': int(len(Se)) if args.model == 'cuba_stdp' else 0,
        # loop_s = device._last_run_time: Network::run's own timer around the
        # time-step loop only (no synapse creation, no result writing).  With
        # OpenMP off it is std::clock(), i.e. process CPU time, which equals
        # wall time for this single-threaded loop that does no I/O.
        'loop_s': device._last_run_time,
        'binary_s': binary_s,  # whole standalone process: connect + loop + I/O
        'build_s': build_s,    # object setup + code generation + make
        'peak_rss_mb': peak_rss_mb,
    }
    if args.model == 'cuba_stdp':  # sanity check on the weight drift
        w = Se.w[:] / mV
        result['w_mean_mv'] = float(w.mean())
        result['w_min_mv'] = float(w.min())
        result['w_max_mv'] = float(w.max())
    if not args.build_dir:
        shutil.rmtree(directory, ignore_errors=True)
    result['total_s'] = time.perf_counter() - T0
    os.write(_REAL_STDOUT, (json.dumps(result) + '\n').encode())


if __name__ == '__main__':
    main()
