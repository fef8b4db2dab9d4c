// Sparse-representation theory (Ahmad & Hawkins 2016), as built-in
// functions of the language: false_match, false_negative, union_size.
// Computed in log space: the binomial terms underflow doubles long before
// the results do.
#pragma once

namespace neuro::num {

// P_fp(n, a, s, θ) = Σ_{b=θ..s} C(s,b)·C(n−s, a−b) / C(n, a): the chance that
// a segment of s synapses sampled from a pattern of a active cells out of n
// matches a random pattern of a cells with at least θ of them.
double false_match(double n, double a, double s, double theta);

// P_fn(a, s, θ, v) = Σ_{b=0..θ−1} C(s,b)·C(a−s, a−v−b) / C(a, a−v): the
// chance that such a segment misses its own pattern when v of its a cells
// are replaced by noise.
double false_negative(double a, double s, double theta, double v);

// n·(1 − (1 − a/n)^M): the expected active bits in the union of M random
// patterns of a active bits out of n.
double union_size(double n, double a, double m);

}  // namespace neuro::num
