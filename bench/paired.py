#!/usr/bin/python3
"""Paired runs of two neuro binaries on one bench/run.py case, alternating
(old, new, old, new, ...) so that load on a shared machine falls on both:
prints each side's loop seconds per simulated second, sorted, and the median.

  bench/paired.py OLD_NEURO NEW_NEURO --model cuba --size 4000 --backend jit --repeats 7
"""
import argparse
import importlib.util
import os
import statistics
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('old')
    ap.add_argument('new')
    ap.add_argument('--model', default='cuba', help='cuba, coba or cuba_stdp')
    ap.add_argument('--size', type=int, default=4000)
    ap.add_argument('--backend', default='vm', help='vm, jit or jit:N')
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--duration', type=float, default=1.0)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location('bench_run', os.path.join(HERE, 'run.py'))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    loops = {'old': [], 'new': []}
    spikes = {'old': set(), 'new': set()}
    with tempfile.TemporaryDirectory(prefix='neuro_paired_') as tmp:
        for _ in range(args.repeats):
            for side in ('old', 'new'):
                j = run.neuro_run(getattr(args, side), args.model, args.size, args.duration,
                                  args.seed, tmp, args.backend)
                loops[side].append(j['loop_s'])
                spikes[side].add(j['spikes'])
    for side in ('old', 'new'):
        v = sorted(loops[side])
        print(f"{args.model} {args.size} {args.backend} {side}: "
              + ' '.join(f'{x:.4f}' for x in v)
              + f"  median {statistics.median(v):.4f}  spikes {sorted(spikes[side])}")


if __name__ == '__main__':
    main()
