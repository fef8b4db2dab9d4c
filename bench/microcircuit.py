#!/usr/bin/python3
"""Benchmark harness: neuro vs Brian2 on the Potjans-Diesmann cortical microcircuit.

Runs examples/microcircuit.neuro (`neuro run FILE --set scale=S --json`, on
each listed backend, one thread) and bench/microcircuit_brian2.py (Brian2
cpp_standalone, one thread) R times per scale, in this invocation, one
process at a time.  Prints per scale the medians of: neurons, synapses,
build s (model text to first step: neuro's parse + build; Brian2's Python
setup, code generation, compilation and the binary's own set-up - all but
the loop), loop s per simulated second (neuro: wall_s.run; Brian2:
device._last_run_time, the standalone Network::run timer), peak RSS of the
simulating process, bytes per synapse (peak RSS / synapses), the neuro/Brian2
ratios of loop time and peak RSS against the project's targets (loop <= 0.25x,
memory <= 0.2x), and per-population rates over [0.5, 1.5] s next to NEST's
scale-0.1 reference.  --json FILE saves every raw run.  Stdlib only.

  bench/microcircuit.py [--scales 0.1,0.25,0.5] [--repeats 3] [--backend vm,jit]
                        [--neuro build/neuro] [--no-brian] [--seed 55] [--json FILE]

The JIT's cache is a fresh temporary XDG_CACHE_HOME; per scale a first,
untimed JIT run fills it (its start time is printed as `cold start`).
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
BRIAN_PYTHON = '/usr/bin/python3'
MODEL = os.path.join(REPO, 'examples', 'microcircuit.neuro')
POPS = ['L23E', 'L23I', 'L4E', 'L4I', 'L5E', 'L5I', 'L6E', 'L6I']
# NEST's own scale-0.1 reference run (shared/reference/microcircuit.md).
NEST_01 = dict(zip(POPS, [0.402, 2.017, 3.880, 4.958, 6.575, 7.726, 0.831, 6.986]))
TARGET_LOOP, TARGET_MEM = 0.25, 0.2


def children_cpu_s():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_json(cmd, what, env=None):
    """Run cmd, parse its one JSON object; returns (json, wall s, cpu s).
    cpu s: user + sys of the process and its waited-for children (g++ for
    Brian2).  cpu/wall well below 1 for a single-threaded process means it
    waited for a CPU: on a loaded machine neuro's wall-clock wall_s.run is
    inflated by that, Brian2's loop timer (std::clock(), CPU time) is not."""
    cpu0 = children_cpu_s()
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    cpu = children_cpu_s() - cpu0
    if proc.returncode != 0:
        sys.exit(f'{what} failed (rc {proc.returncode}): {" ".join(cmd)}\n{proc.stderr[-3000:]}')
    try:
        return json.loads(proc.stdout), wall, cpu
    except json.JSONDecodeError:
        sys.exit(f'{what}: stdout is not one JSON object: {" ".join(cmd)}\n{proc.stdout[-2000:]}')


def neuro_run(neuro, scale, seed, backend, tmp):
    out = tempfile.mkdtemp(dir=tmp)
    # Via sh, not forked from this Python: Linux carries ru_maxrss across
    # fork+exec (see bench/README.md, "Measuring peak RSS").
    cmd = ['sh', '-c', '"$@"; exit $?', 'sh', neuro, 'run', MODEL,
           '--set', f'scale={scale:g}', '--json', '--out', out,
           '--backend', backend, '--threads', '1']
    if seed is not None:
        cmd += ['--seed', str(seed)]
    j, wall, cpu = run_json(cmd, 'neuro')
    if backend == 'jit' and j.get('backend') != 'jit':
        sys.exit('neuro did not run on the JIT (no compiler?)')
    pops = j['populations']
    return {'impl': f'neuro-{backend}',
            'neurons': sum(p['size'] for p in pops.values()),
            'synapses': j['synapses'],
            'build_s': j['wall_s']['parse'] + j['wall_s']['build'],
            'loop_per_sim_s': j['wall_s']['run'] / j['sim_time_s'],
            'peak_rss_mb': j['peak_rss_mb'],
            'rates': {k: pops[k]['rate_hz'] for k in POPS},
            'cvs': {k: pops[k]['cv_isi'] for k in POPS},
            'process_s': wall, 'cpu_per_wall': cpu / wall, 'raw': j}


def brian_run(scale, seed):
    cmd = [BRIAN_PYTHON, os.path.join(BENCH, 'microcircuit_brian2.py'),
           '--scale', f'{scale:g}', '--seed', str(55 if seed is None else seed)]
    j, wall, cpu = run_json(cmd, 'microcircuit_brian2.py')
    pops = j['populations']
    return {'impl': 'brian2', 'neurons': j['neurons'], 'synapses': j['synapses'],
            'build_s': j['build_s'],
            'loop_per_sim_s': j['loop_s'] / j['sim_time_s'],
            'peak_rss_mb': j['peak_rss_mb'],
            'rates': {k: pops[k]['rate_hz'] for k in POPS},
            'cvs': {k: pops[k]['cv_isi'] for k in POPS},
            'process_s': wall, 'cpu_per_wall': cpu / wall, 'raw': j}


def med(runs, key, sub=None):
    vals = [r[key][sub] if sub else r[key] for r in runs]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(runs):
    m = {k: med(runs, k) for k in ('neurons', 'synapses', 'build_s', 'loop_per_sim_s',
                                    'peak_rss_mb', 'process_s', 'cpu_per_wall')}
    m['bytes_per_synapse'] = m['peak_rss_mb'] * 1e6 / m['synapses']
    m['rates'] = {p: med(runs, 'rates', p) for p in POPS}
    m['cvs'] = {p: med(runs, 'cvs', p) for p in POPS}
    return m


ROW = '{:<11} {:>8} {:>11} {:>9} {:>11} {:>9} {:>7} {:>10} {:>8}'


def print_table(scale, rec, impls, repeats):
    print(f'\n== scale {scale:g}: medians of {repeats} run(s); 1.5 s simulated '
          f'(0.5 s start-up + 1 s recorded), dt 0.1 ms, 1 thread')
    print(ROW.format('impl', 'neurons', 'synapses', 'build_s', 'loop_s/sim_s',
                     'rss_MB', 'B/syn', 'process_s', 'cpu/wall'))
    for impl in impls:
        m = rec[impl]['median']
        print(ROW.format(impl, m['neurons'], m['synapses'], f"{m['build_s']:.2f}",
                         f"{m['loop_per_sim_s']:.3f}", f"{m['peak_rss_mb']:.1f}",
                         f"{m['bytes_per_synapse']:.1f}", f"{m['process_s']:.1f}",
                         f"{m['cpu_per_wall']:.2f}"))
    if 'brian2' in rec:
        b = rec['brian2']['median']
        for impl in impls:
            if impl == 'brian2':
                continue
            a = rec[impl]['median']
            lr = a['loop_per_sim_s'] / b['loop_per_sim_s']
            mr = a['peak_rss_mb'] / b['peak_rss_mb']
            rec.setdefault('ratios', {})[impl] = {'loop': lr, 'peak_rss': mr}
            print(f'{impl}/brian2: loop {lr:.3f}x (target <= {TARGET_LOOP}x: '
                  f'{"met" if lr <= TARGET_LOOP else "NOT met"}), '
                  f'peak RSS {mr:.3f}x (target <= {TARGET_MEM}x: '
                  f'{"met" if mr <= TARGET_MEM else "NOT met"})')
    print('rates Hz over [0.5, 1.5] s (CV ISI in brackets)'
          + ('' if abs(scale - 0.1) < 1e-9 else '; NEST column is scale 0.1 only: not comparable'))
    head = '{:<6}' + ' {:>16}' * len(impls) + ' {:>9}'
    print(head.format('pop', *impls, 'NEST 0.1'))
    for p in POPS:
        cells = [f"{rec[i]['median']['rates'][p]:.3f} ({rec[i]['median']['cvs'][p] or 0:.2f})"
                 for i in impls]
        print(head.format(p, *cells, f'{NEST_01[p]:.3f}'))
    # Agreement: mean over populations of |a - b| / b.
    refs = [('brian2', 'brian2')] if 'brian2' in rec else []
    if abs(scale - 0.1) < 1e-9:
        refs.append(('NEST', None))
    for impl in impls:
        for name, key in refs:
            if impl == key:
                continue
            ref = NEST_01 if key is None else rec[key]['median']['rates']
            d = [abs(rec[impl]['median']['rates'][p] - ref[p]) / ref[p] for p in POPS]
            rec.setdefault('rate_diff', {})[f'{impl}_vs_{name}'] = {'mean': sum(d) / len(d),
                                                                      'max': max(d)}
            print(f'  {impl} vs {name}: mean |rel diff| {100 * sum(d) / len(d):.1f} %, '
                  f'max {100 * max(d):.1f} % ({POPS[d.index(max(d))]})')
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scales', default='0.1,0.25,0.5')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--backend', default='vm,jit', help='comma list of vm, jit')
    ap.add_argument('--neuro', default=os.path.join(REPO, 'build', 'neuro'))
    ap.add_argument('--no-brian', action='store_true')
    ap.add_argument('--seed', type=int, default=None,
                    help="default: the .neuro file's seed (55) for neuro, 55 for Brian2")
    ap.add_argument('--json', metavar='FILE', help='also write all raw runs here')
    args = ap.parse_args()
    scales = [float(s) for s in args.scales.split(',')]
    backends = args.backend.split(',')
    if not all(re.fullmatch(r'vm|jit', b) for b in backends):
        sys.exit(f'unknown backend in --backend {args.backend}; choose from vm,jit')
    if args.repeats < 1:
        sys.exit('--repeats must be >= 1')
    neuro = os.path.abspath(args.neuro)
    if not (os.path.isfile(neuro) and os.access(neuro, os.X_OK)):
        sys.exit(f'neuro binary not found or not executable: {neuro}; pass --neuro PATH')
    use_brian = not args.no_brian and subprocess.run(
        [BRIAN_PYTHON, '-c', 'import brian2'], capture_output=True).returncode == 0
    if not args.no_brian and not use_brian:
        print(f'note: brian2 not importable by {BRIAN_PYTHON}; neuro only', file=sys.stderr)
    os.environ['XDG_CACHE_HOME'] = tempfile.mkdtemp(prefix='neuro_mc_jit_cache_')
    report = {'date': datetime.datetime.now().isoformat(timespec='seconds'),
              'host': platform.node(), 'neuro': neuro, 'args': vars(args),
              'loadavg_start': os.getloadavg(), 'scales': []}
    print(f'neuro {neuro}; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs')
    with tempfile.TemporaryDirectory(prefix='neuro_mc_') as tmp:
        for scale in scales:
            rec = {'scale': scale}
            impls = []
            for backend in backends:
                impl = f'neuro-{backend}'
                if backend == 'jit':
                    cold = neuro_run(neuro, scale, args.seed, backend, tmp)
                    print(f'scale {scale:g} neuro-jit cold start {cold["build_s"]:.2f} s '
                          f'(JIT setup {cold["raw"].get("jit_setup_s", 0):.2f} s)', flush=True)
                runs = []
                for k in range(args.repeats):
                    r = neuro_run(neuro, scale, args.seed, backend, tmp)
                    print(f'scale {scale:g} {impl} run {k + 1}: loop/sim {r["loop_per_sim_s"]:.3f} s, '
                          f'rss {r["peak_rss_mb"]:.1f} MB, cpu/wall {r["cpu_per_wall"]:.2f}', flush=True)
                    runs.append(r)
                rec[impl] = {'runs': runs, 'median': summarize(runs)}
                impls.append(impl)
            if use_brian:
                runs = []
                for k in range(args.repeats):
                    r = brian_run(scale, args.seed)
                    print(f'scale {scale:g} brian2 run {k + 1}: loop/sim {r["loop_per_sim_s"]:.3f} s, '
                          f'rss {r["peak_rss_mb"]:.1f} MB, process {r["process_s"]:.0f} s', flush=True)
                    runs.append(r)
                rec['brian2'] = {'runs': runs, 'median': summarize(runs)}
                impls.append('brian2')
                syn = {rec[i]['median']['synapses'] for i in impls}
                if len(syn) != 1:
                    print(f'WARNING: synapse counts differ between implementations: {syn}')
            print_table(scale, rec, impls, args.repeats)
            report['scales'].append(rec)
            if args.json:  # after every scale, so a killed run keeps what it has
                report['loadavg_end'] = os.getloadavg()
                with open(args.json, 'w') as f:
                    json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
