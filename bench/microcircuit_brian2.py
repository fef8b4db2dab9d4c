#!/usr/bin/python3
"""Brian2 cpp_standalone version of examples/microcircuit.neuro (Potjans & Diesmann 2014).

Usage: microcircuit_brian2.py --scale S [--seed 55] [--build-dir DIR]

Prints exactly one JSON object on stdout; Brian2/make chatter goes to stderr.
One thread (no OpenMP), dt = 0.1 ms, 1.5 s simulated in one run(), rates and
CVs over [0.5 s, 1.5 s] as `neuro run --json` reports them.

The model follows the .neuro file line by line (parameters:
shared/reference/microcircuit.md):
- 8 populations of iaf_psc_exp, held in ONE NeuronGroup (contiguous index
  ranges L23E, L23I, ..., L6I) so that all synapses live in one Synapses
  object with one spike queue, Brian2's fastest layout; exact integration of
  the linear (v, I) system, v held for 2 ms after a spike while I decays.
- Per pair a FIXED TOTAL NUMBER of synapses K, computed as the .neuro file's
  count() does; sources and targets drawn uniformly with numpy (multapses and
  autapses allowed) and handed to connect(i=..., j=...).
- Weights normal(mean, 0.1 |mean|) times 1/sqrt(scale), L4E->L23E doubled,
  g = -4; the sign-keeping truncation lies 10 sd from the mean, so a clip at
  0 (what is written below) and neuro's redraw give the same draws in
  practice.  Delays normal(1.5 ms or 0.75 ms, half that), truncated below at
  dt by REDRAW as neuro does (12 redraw passes of the rest; what is still
  below dt after that, probability 0.03^12 per synapse, is clipped).  Weights
  and delays are drawn inside the standalone binary (randn()), so they cost
  no static arrays; i and j do (4 + 4 bytes per synapse, held for the whole
  run - part of the peak RSS reported).
- Background: per neuron and step I += W_E/sqrt(scale) * poisson(size(K_ext)
  * bg_rate * dt), a run_regularly with Brian2's poisson() - the same
  distribution neuro draws (`drive ... poisson(...)`), where PoissonInput
  would draw a binomial(size(K_ext), bg_rate*dt) (practically the same law
  at p = 8e-4; poisson() keeps it exact and is one code object for all eight
  populations instead of eight).
- DC compensation I_dc per population as the .neuro file's dc(lost(...)).
"""
import time

T0 = time.perf_counter()

import argparse
import json
import math
import os
import shutil
import tempfile

_REAL_STDOUT = os.dup(1)
os.dup2(2, 1)

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock,
                    get_device, prefs, run, seed, set_device, ms, mV, pA, pF,
                    second, Hz)

POPS = ['L23E', 'L23I', 'L4E', 'L4I', 'L5E', 'L5I', 'L6E', 'L6I']
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
NU_FULL = [0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851]  # Hz
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
# p[target][source]
P = [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0., 0.0076, 0.],
     [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0., 0.0042, 0.],
     [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.],
     [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0., 0.1057, 0.],
     [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.],
     [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.],
     [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
     [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]
V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]  # mV
V0_SD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
BG_RATE = 8.0  # Hz
G = -4.0
C_M, TAU_M, TAU_SYN = 250e-12, 10e-3, 0.5e-3  # SI
DT = 1e-4


def psc_per_psp():
    """The .neuro file's psc_per_psp, in A/V."""
    tm, ts, c = TAU_M, TAU_SYN, C_M
    return 1 / (tm * ts / (c * (ts - tm)) *
                ((tm / ts) ** (tm / (ts - tm)) - (tm / ts) ** (ts / (ts - tm))))


W_E = 0.15e-3 * psc_per_psp()  # A (87.81 pA)
W_I = G * W_E


def full_count(p, ns, nt):
    return math.log(1 - p) / math.log((ns * nt - 1) / (ns * nt))


def size(n, scale):
    return math.floor(n * scale + 0.5)


def count(p, ns, nt, scale):
    return math.floor(full_count(p, ns, nt) / nt * scale * size(nt, scale) + 0.5)


def mean_weight(t, s):
    """Mean weight of source s onto target t at full scale, A."""
    if s % 2:
        return W_I
    return 2 * W_E if (t, s) == (0, 2) else W_E


def i_dc(t, scale):
    """dc(sum of lost(...) + W_E * K_ext * bg_rate) of the .neuro file, A."""
    total = sum(mean_weight(t, s) * full_count(P[t][s], N_FULL[s], N_FULL[t]) / N_FULL[t] * NU_FULL[s]
                for s in range(8) if P[t][s] > 0)
    total += W_E * K_EXT[t] * BG_RATE
    return TAU_SYN * (1 - math.sqrt(scale)) * total


from brian2_rss import VMHWM_CODE  # noqa: E402  (bench/brian2_rss.py)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scale', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=55)
    ap.add_argument('--duration', type=float, default=1.5, help='simulated s (rates over [0.5, end])')
    ap.add_argument('--build-dir')
    args = ap.parse_args()
    scale = args.scale
    directory = args.build_dir or tempfile.mkdtemp(prefix='brian2_mc_')
    set_device('cpp_standalone', directory=directory, build_on_run=False)
    device = get_device()
    prefs.devices.cpp_standalone.openmp_threads = 0
    defaultclock.dt = 0.1 * ms
    seed(args.seed)
    device.insert_code('after_end', VMHWM_CODE)

    t_start = time.perf_counter()
    sizes = [size(n, scale) for n in N_FULL]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    n_total = int(starts[-1])

    eqs = '''
    dv/dt = (E_L - v) / tau_m + (I + I_dc) / C_m : volt (unless refractory)
    dI/dt = -I / tau_syn : amp
    I_dc : amp (constant)
    lam_bg : 1 (constant)
    w_src : amp (constant)
    d_src : second (constant)
    pop : integer (constant)
    '''
    ns = dict(E_L=-65 * mV, V_th=-50 * mV, V_reset=-65 * mV, tau_m=TAU_M * second,
              tau_syn=TAU_SYN * second, C_m=C_M * pF * 1e12,
              w_bg=W_E / math.sqrt(scale) * pA * 1e12, inv_sqrt_scale=1 / math.sqrt(scale),
              dmin=DT * second)
    net = NeuronGroup(n_total, eqs, threshold='v >= V_th', reset='v = V_reset',
                      refractory=2 * ms, method='exact', namespace=ns, name='mc')
    for k in range(8):
        sub = net[int(starts[k]):int(starts[k + 1])]
        sub.v = '%r*mV + %r*mV * randn()' % (V0_MEAN[k], V0_SD[k])
        sub.I_dc = i_dc(k, scale) * 1e12 * pA
        sub.lam_bg = size(K_EXT[k], scale) * BG_RATE * DT
        sub.w_src = mean_weight(-1, k) * 1e12 * pA
        sub.d_src = (1.5 if k % 2 == 0 else 0.75) * ms
        sub.pop = k
    net.I = 0 * pA
    net.run_regularly('I += w_bg * poisson(lam_bg)', when='synapses', name='background')

    # Fixed total number per pair, uniform sources and targets (numpy).
    rng = np.random.default_rng(args.seed)
    ii, jj, counts = [], [], {}
    for t in range(8):
        for s in range(8):
            if P[t][s] <= 0:
                continue
            k = count(P[t][s], N_FULL[s], N_FULL[t], scale)
            counts[f'{POPS[s]}->{POPS[t]}'] = k
            ii.append(rng.integers(starts[s], starts[s + 1], k, dtype=np.int32))
            jj.append(rng.integers(starts[t], starts[t + 1], k, dtype=np.int32))
    ii = np.concatenate(ii)
    jj = np.concatenate(jj)
    n_syn = int(ii.size)
    syn = Synapses(net, net, model='w : amp', on_pre='I_post += w', namespace=ns, name='syn')
    syn.connect(i=ii, j=jj)
    del ii, jj
    # w: normal(mean, 0.1 |mean|), sign kept (clip at 0, 10 sd away), / sqrt(scale);
    # L4E (pop 2) -> L23E (pop 0) doubled.
    syn.w = ('w_src_pre * (1 + int(pop_pre == 2 and pop_post == 0)) * '
             'clip(1 + 0.1 * randn(), 0, 1e9) * inv_sqrt_scale')
    syn.delay = 'd_src_pre * (1 + 0.5 * randn())'
    for _ in range(12):  # truncation below at dt by redraw, as neuro does
        syn.delay['delay < dmin'] = 'd_src_pre * (1 + 0.5 * randn())'
    syn.delay['delay < dmin'] = 'dmin'
    mon = SpikeMonitor(net, name='spikes')  # records everything, from t = 0

    run(args.duration * second)
    device.build(directory=directory, compile=True, run=True, clean=True, with_output=False)
    binary_s = device.timers['run_binary']
    codegen_s = time.perf_counter() - t_start - binary_s
    loop_s = device._last_run_time  # Network::run's timer around the step loop only

    with open(os.path.join(directory, 'results', 'peak_rss_kb.txt')) as f:
        peak_rss_mb = float(f.read().split()[0]) / 1024.0
    spike_i = np.asarray(mon.i[:])
    spike_t = np.asarray(mon.t[:] / second)
    t0, t1 = 0.5, args.duration
    populations = {}
    for k, name in enumerate(POPS):
        a, b = starts[k], starts[k + 1]
        sel = (spike_i >= a) & (spike_i < b) & (spike_t >= t0)
        ids, times = spike_i[sel], spike_t[sel]
        order = np.lexsort((times, ids))
        ids, times = ids[order], times[order]
        isi = np.diff(times)
        same = ids[1:] == ids[:-1]
        cvs = []
        if same.any():
            # CV per neuron with >= 3 spikes (>= 2 ISIs), then the mean
            bounds = np.flatnonzero(np.diff(ids)) + 1
            for chunk in np.split(times, bounds):
                if chunk.size >= 3:
                    d = np.diff(chunk)
                    cvs.append(d.std() / d.mean())
        populations[name] = {
            'size': int(b - a),
            'spikes': int(((spike_i >= a) & (spike_i < b)).sum()),
            'recorded_spikes': int(sel.sum()),
            'rate_hz': float(sel.sum()) / ((b - a) * (t1 - t0)),
            'cv_isi': float(np.mean(cvs)) if cvs else None,
            'i_dc_pa': i_dc(k, scale) * 1e12,
        }
    result = {
        'scale': scale, 'seed': args.seed, 'sim_time_s': args.duration,
        'neurons': n_total, 'synapses': n_syn, 'synapses_by_pair': counts,
        'populations': populations,
        'loop_s': loop_s,
        'binary_s': binary_s,                 # whole binary: load arrays, connect, draw, loop, write
        'codegen_s': codegen_s,               # Python object setup + numpy draws + codegen + make
        'build_s': codegen_s + binary_s - loop_s,  # everything but the loop
        'peak_rss_mb': peak_rss_mb,
        'w_e_pa': W_E * 1e12,
    }
    if not args.build_dir:
        shutil.rmtree(directory, ignore_errors=True)
    result['total_s'] = time.perf_counter() - T0
    os.write(_REAL_STDOUT, (json.dumps(result) + '\n').encode())


if __name__ == '__main__':
    main()
