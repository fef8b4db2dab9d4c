#!/usr/bin/python3
"""Benchmark harness: neuro vs Brian2 on the Brette et al. 2007 CUBA/COBA nets
(and CUBA with pair STDP on the excitatory synapses, model cuba_stdp).

For each model and size it writes a .neuro file, runs `neuro run FILE --json
--out DIR` R times, and (if brian2 imports under /usr/bin/python3) runs
bench/brian2_ref.py R times on the same case.  Prints medians per case and the
neuro/brian2 ratios; --json FILE also saves every raw run.  Stdlib only.

  bench/run.py [--models cuba,coba,cuba_stdp] [--sizes 4000,16000,64000] [--repeats 3]
               [--duration 1] [--seed 1] [--neuro build/neuro] [--no-brian]
               [--backend vm,vm:2,jit,jit:2] [--json FILE]

--backend runs neuro once per listed backend (rows neuro-vm, neuro-jit); jit:N
runs the JIT with --threads N (row neuro-jit:N), vm:N the interpreter.  The
JIT's cache is a fresh temporary XDG_CACHE_HOME: the first, untimed run of a
case compiles (its model-text-to-first-step time is printed as `cold start`),
the timed runs then find the code cached (start_s is their warm start).
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
BRIAN_PYTHON = '/usr/bin/python3'  # Debian's python3-brian lives here, not in pyenv

CUBA = """\
neuron LIF {
  param tau_m = 20 ms;  param tau_e = 5 ms;  param tau_i = 10 ms
  param v_th = -50 mV;  param v_reset = -60 mV;  param E_L = -49 mV
  state v = v_reset;  state ge = 0 mV;  state gi = 0 mV
  dv/dt = (ge + gi - (v - E_L)) / tau_m   unless refractory
  dge/dt = -ge / tau_e
  dgi/dt = -gi / tau_i
  spike when v > v_th { v = v_reset }
  refractory 5 ms
}
synapse Exc { param w = 1.62 mV;  on pre { post.ge += w } }
synapse Inh { param w = -9 mV;    on pre { post.gi += w } }
circuit CUBA {
  P = LIF[{N}] { v = v_reset + rand() * (v_th - v_reset) }
  connect P[0:{NE}] -> P via Exc  p = {P}
  connect P[{NE}:{N}] -> P via Inh  p = {P}
  record spikes of P
}
run CUBA for {DURATION}  dt = 0.1 ms  seed = {SEED}
"""

# Body of the COBA population initialiser.  With ge = gi = 0 the COBA net is
# silent (El = Vr, no external drive); Brian2 needs the Brian1 script's
# random conductance init to fire at ~20 Hz.  brian2_ref.py's --coba-init is
# derived from this line (random iff it sets ge), so one edit changes both.
COBA_INIT = ('v = v_reset + rand() * (v_th - v_reset); '
             'ge = (randn() * 1.5 + 4) * 10 nS; gi = (randn() * 12 + 20) * 10 nS')

COBA = """\
neuron CondLIF {
  param C = 200 pF;  param g_L = 10 nS;  param E_L = -60 mV
  param E_e = 0 mV;  param E_i = -80 mV;  param tau_e = 5 ms;  param tau_i = 10 ms
  param v_th = -50 mV;  param v_reset = -60 mV
  state v = v_reset;  state ge = 0 nS;  state gi = 0 nS
  dv/dt = (g_L * (E_L - v) + ge * (E_e - v) + gi * (E_i - v)) / C   unless refractory
  dge/dt = -ge / tau_e
  dgi/dt = -gi / tau_i
  spike when v > v_th { v = v_reset }
  refractory 5 ms
}
synapse ExcC { param w = 6 nS;  on pre { post.ge += w } }
synapse InhC { param w = 67 nS; on pre { post.gi += w } }
circuit COBA {
  P = CondLIF[{N}] { {COBA_INIT} }
  connect P[0:{NE}] -> P via ExcC  p = {P}
  connect P[{NE}:{N}] -> P via InhC  p = {P}
  record spikes of P
}
run COBA for {DURATION}  dt = 0.1 ms  seed = {SEED}
"""

# examples/cuba_stdp.neuro with the size, seed and duration as placeholders.
# The plastic connect must come first: the harness counts its synapses with a
# second, untimed run of this source without the other connects (see
# neuro_plastic_synapses), which only draws the same synapses if they are
# drawn before any others.
CUBA_STDP = """\
neuron LIF {
  param tau_m = 20 ms;   param tau_e = 5 ms;   param tau_i = 10 ms
  param v_th = -50 mV;   param v_reset = -60 mV
  param E_L = -49 mV;    param t_ref = 5 ms
  state v = v_reset
  state ge = 0 mV
  state gi = 0 mV
  dv/dt = (ge + gi - (v - E_L)) / tau_m   unless refractory
  dge/dt = -ge / tau_e
  dgi/dt = -gi / tau_i
  spike when v > v_th { v = v_reset }
  refractory t_ref
}

synapse ExcStdp {
  param w = 1.62 mV;  param w_max = 3.24 mV;  param A = 0.01
  trace apre = 0 mV decays 20 ms
  trace apost = 0 mV decays 20 ms
  on pre  { post.ge += w;  apre += A * w_max;  w = clip(w + apost, 0 mV, w_max) }
  on post { apost -= 1.05 * A * w_max;  w = clip(w + apre, 0 mV, w_max) }
}
synapse Inh { param w = -9 mV;  on pre { post.gi += w } }

circuit CUBA_STDP {
  P = LIF[{N}] { v = v_reset + rand() * (v_th - v_reset) }
  connect P[0:{NE}] -> P via ExcStdp  p = {P}
  connect P[{NE}:{N}] -> P via Inh  p = {P}
  record spikes of P
}

run CUBA_STDP for {DURATION}  dt = 0.1 ms  seed = {SEED}
"""

TEMPLATES = {'cuba': CUBA, 'coba': COBA, 'cuba_stdp': CUBA_STDP}
# Models with plastic synapses -> the synapse type that is plastic.
PLASTIC = {'cuba_stdp': 'ExcStdp'}
BRIAN_COBA_INIT = 'random' if re.search(r'\bge\s*=', COBA_INIT) else 'zero'


def num(x):
    """Plain decimal (no exponent) for the .neuro source: 80/64000 = 0.00125."""
    return ('%.12f' % x).rstrip('0').rstrip('.')


def model_source(model, n, duration, seed):
    subs = {'{N}': str(n), '{NE}': str(int(0.8 * n)), '{P}': num(80.0 / n),
            '{SEED}': str(seed), '{DURATION}': num(duration) + ' s',
            '{COBA_INIT}': COBA_INIT}
    src = TEMPLATES[model]
    for key, value in subs.items():
        src = src.replace(key, value)
    return src


def run_json(cmd, what):
    """Run cmd, parse the one JSON object it prints; returns (json, wall s)."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f'{what} failed (rc {proc.returncode}): {" ".join(cmd)}\n'
                 f'{proc.stderr[-2000:]}')
    try:
        return json.loads(proc.stdout), wall
    except json.JSONDecodeError:
        sys.exit(f'{what}: stdout is not one JSON object: {" ".join(cmd)}\n'
                 f'{proc.stdout[-2000:]}')


def neuro_plastic_synapses(neuro, model, n, seed, tmp):
    """Number of plastic synapses in neuro's network (its JSON gives only the
    total): run the same source, minus every connect that is not via the
    plastic synapse, for one step (untimed).  Same seed and the plastic
    connect first, so the same synapses are drawn; checked at N = 4000 and
    64000 against the count in `neuro run --plot`'s weight histogram."""
    lines = [line for line in model_source(model, n, 1e-4, seed).splitlines()
             if not re.match(r'\s*connect\b', line)
             or re.search(r'\bvia\s+%s\b' % PLASTIC[model], line)]
    path = os.path.join(tmp, f'{model}_{n}_plastic_only.neuro')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    j, _ = run_json([neuro, 'run', path, '--json', '--out', tempfile.mkdtemp(dir=tmp)],
                    'neuro (plastic synapse count)')
    return j['synapses']


def neuro_run(neuro, model, n, duration, seed, tmp, backend='vm'):
    """backend: vm, jit, auto, or vm:N / jit:N (with --threads N)."""
    backend, _, threads = backend.partition(':')
    path = os.path.join(tmp, f'{model}_{n}.neuro')
    with open(path, 'w') as f:
        f.write(model_source(model, n, duration, seed))
    out = tempfile.mkdtemp(dir=tmp)
    # Started via sh, not directly: Linux carries ru_maxrss across fork+exec,
    # so a child forked by this Python (~12 MB RSS) would report at least that
    # as its own getrusage() peak; sh forks it from a ~1 MB process instead.
    cmd = ['sh', '-c', '"$@"; exit $?', 'sh',
           neuro, 'run', path, '--json', '--out', out, '--backend', backend]
    if threads:
        cmd += ['--threads', threads]
    j, wall = run_json(cmd, 'neuro')
    if backend == 'jit' and j.get('backend') != 'jit':
        sys.exit(f'neuro did not run on the JIT for {path} (no compiler?)')
    pops = j['populations'].values()
    return {'loop_s': j['wall_s']['run'], 'sim_time_s': j['sim_time_s'],
            'spikes': sum(p['spikes'] for p in pops),
            'neurons': sum(p['size'] for p in pops),
            'synapses': j['synapses'], 'peak_rss_mb': j['peak_rss_mb'],
            # model text to first step: parse, lower, build (and JIT setup)
            'start_s': j['wall_s']['parse'] + j['wall_s']['build'],
            'process_s': wall, 'raw': j}


def brian_run(model, n, duration, seed):
    cmd = [BRIAN_PYTHON, os.path.join(BENCH, 'brian2_ref.py'), model,
           '--n', str(n), '--duration', str(duration), '--seed', str(seed)]
    if model == 'coba':
        cmd += ['--coba-init', BRIAN_COBA_INIT]
    j, wall = run_json(cmd, 'brian2_ref.py')
    return {'loop_s': j['loop_s'], 'sim_time_s': j['duration_s'],
            'spikes': j['spikes'], 'neurons': j['n'],
            'synapses': j['synapses'], 'plastic_synapses': j.get('plastic_synapses', 0),
            'peak_rss_mb': j['peak_rss_mb'], 'process_s': wall, 'raw': j}


def metrics(r):
    """Per-run figures of merit; medians of these are reported."""
    return {
        'loop_per_sim_s': r['loop_s'] / r['sim_time_s'],
        'process_s': r['process_s'],
        # each spike is delivered to synapses/N targets on average
        'syn_events_per_s': r['spikes'] * r['synapses'] / r['neurons'] / r['loop_s'],
        'peak_rss_mb': r['peak_rss_mb'],
        'bytes_per_synapse': r['peak_rss_mb'] * 1e6 / r['synapses'],
        # whole-process peak RSS over the plastic synapses only (None: none)
        'bytes_per_plastic_synapse': (r['peak_rss_mb'] * 1e6 / r['plastic_synapses']
                                      if r.get('plastic_synapses') else None),
        'rate_hz': r['spikes'] / (r['neurons'] * r['sim_time_s']),
        'start_s': r.get('start_s'),
    }


def summarize(runs):
    per_run = [metrics(r) for r in runs]
    return {k: (None if per_run[0][k] is None
                else statistics.median(m[k] for m in per_run)) for k in per_run[0]}


ROW = '{:<16} {:<11} {:>11} {:>10} {:>10} {:>8} {:>7} {:>8} {:>8} {:>8}'


def print_row(case, impl, m):
    print(ROW.format(case, impl, f"{m['loop_per_sim_s']:.4f}",
                     f"{m['process_s']:.3f}", f"{m['syn_events_per_s']:.3g}",
                     f"{m['peak_rss_mb']:.1f}", f"{m['bytes_per_synapse']:.1f}",
                     '-' if m['bytes_per_plastic_synapse'] is None
                     else f"{m['bytes_per_plastic_synapse']:.1f}",
                     f"{m['rate_hz']:.2f}",
                     '-' if m.get('start_s') is None else f"{m['start_s']:.3f}"), flush=True)


def brian_available():
    try:
        return subprocess.run([BRIAN_PYTHON, '-c', 'import brian2'],
                              capture_output=True).returncode == 0
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--models', default='cuba,coba', help='comma list of cuba, coba, cuba_stdp')
    ap.add_argument('--sizes', default='4000,16000,64000')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--duration', type=float, default=1.0, help='simulated seconds')
    ap.add_argument('--seed', type=int, default=1,
                    help='same seed for every repeat, so repeats differ only by timing noise')
    ap.add_argument('--neuro', default=os.path.join(REPO, 'build', 'neuro'))
    ap.add_argument('--no-brian', action='store_true')
    ap.add_argument('--backend', default='vm', help='comma list of vm, jit, auto')
    ap.add_argument('--json', metavar='FILE', help='also write all raw numbers here')
    args = ap.parse_args()

    models = args.models.split(',')
    sizes = [int(s) for s in args.sizes.split(',')]
    if not set(models) <= set(TEMPLATES):
        sys.exit(f'unknown model in --models {args.models}; choose from {",".join(TEMPLATES)}')
    neuro = os.path.abspath(args.neuro)
    if not (os.path.isfile(neuro) and os.access(neuro, os.X_OK)):
        sys.exit(f'neuro binary not found or not executable: {neuro}\n'
                 f'build it first, or pass --neuro PATH')
    use_brian = not args.no_brian and brian_available()
    if not args.no_brian and not use_brian:
        print(f'note: brian2 not importable by {BRIAN_PYTHON}; neuro only', file=sys.stderr)

    print(f'{args.repeats} runs per row, medians; {args.duration:g} s simulated, seed {args.seed}')
    print(ROW.format('case', 'impl', 'loop/sim_s', 'process_s', 'syn_ev/s',
                     'rss_MB', 'B/syn', 'B/plast', 'rate_Hz', 'start_s'))
    backends = args.backend.split(',')
    if not all(re.fullmatch(r'auto|(vm|jit)(:[1-9][0-9]*)?', b) for b in backends):
        sys.exit(f'unknown backend in --backend {args.backend}; choose from vm,vm:N,jit,jit:N,auto')
    os.environ['XDG_CACHE_HOME'] = tempfile.mkdtemp(prefix='neuro_bench_jit_cache_')
    report = {'date': datetime.datetime.now().isoformat(timespec='seconds'),
              'host': platform.node(), 'neuro': neuro, 'args': vars(args),
              'coba_init': COBA_INIT, 'brian_coba_init': BRIAN_COBA_INIT,
              'cases': []}
    with tempfile.TemporaryDirectory(prefix='neuro_bench_') as tmp:
        for model in models:
            for n in sizes:
                case = f'{model} {n}'
                rec = {'model': model, 'n': n}
                plastic = (neuro_plastic_synapses(neuro, model, n, args.seed, tmp)
                           if model in PLASTIC else None)
                for backend in backends:
                    if backend != 'vm':  # untimed: fills the JIT cache
                        cold = neuro_run(neuro, model, n, args.duration, args.seed, tmp, backend)
                        print(f'{"":16} {backend:<9} cold start {cold["start_s"]:.3f} s '
                              f'(JIT setup {cold["raw"].get("jit_setup_s", 0):.3f} s)', flush=True)
                    runs = [neuro_run(neuro, model, n, args.duration, args.seed, tmp, backend)
                            for _ in range(args.repeats)]
                    for r in runs:
                        r['plastic_synapses'] = plastic
                    key = 'neuro' if backend == backends[0] else f'neuro_{backend}'
                    rec[key] = {'backend': backend, 'runs': runs, 'median': summarize(runs)}
                    print_row(case if backend == backends[0] else '', f'neuro-{backend}',
                              rec[key]['median'])
                if use_brian:
                    runs = [brian_run(model, n, args.duration, args.seed)
                            for _ in range(args.repeats)]
                    rec['brian2'] = {'runs': runs, 'median': summarize(runs)}
                    print_row('', 'brian2', rec['brian2']['median'])
                    b = rec['brian2']['median']
                    for backend in backends:
                        key = 'neuro' if backend == backends[0] else f'neuro_{backend}'
                        a = rec[key]['median']
                        ratio = {k: a[k] / b[k]
                                 for k in ('loop_per_sim_s', 'process_s', 'peak_rss_mb')}
                        rkey = ('ratio_neuro_over_brian2' if key == 'neuro'
                                else f'ratio_{key}_over_brian2')
                        rec[rkey] = ratio
                        print(ROW.format('', f'ratio-{backend}',
                                         f"{ratio['loop_per_sim_s']:.2f}x",
                                         f"{ratio['process_s']:.2f}x", '',
                                         f"{ratio['peak_rss_mb']:.2f}x", '', '', '', ''),
                              flush=True)
                report['cases'].append(rec)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
