// Butcher tableaux of the explicit Runge–Kutta solvers, written once: the
// interpreter (interpreter/runge_kutta.cpp) runs them and the JIT
// (jit/codegen.cpp) prints their coefficients into generated code.
#pragma once

namespace neuro::num {

// a[s][q] (q < s), b, c over the first `stages` entries; b_low: the embedded
// lower-order weights, for the error estimate (when `embedded`).
struct Tableau {
  static constexpr int kMaxStages = 7;
  int stages;
  double a[kMaxStages][kMaxStages];
  double b[kMaxStages], c[kMaxStages];
  bool embedded;
  double b_low[kMaxStages];
};

// The classical fourth-order method.
inline constexpr Tableau kRk4{4,
                              {{0}, {0.5}, {0, 0.5}, {0, 0, 1}},
                              {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
                              {0, 0.5, 0.5, 1},
                              false,
                              {}};

// Dormand–Prince 5(4): fifth-order weights b, fourth-order b_low for the
// error estimate.
inline constexpr Tableau kDopri5{
    7,
    {{},
     {1.0 / 5},
     {3.0 / 40, 9.0 / 40},
     {44.0 / 45, -56.0 / 15, 32.0 / 9},
     {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
     {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
     {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0},
    {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
    true,
    {5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}};

// The adaptive solver's controller: relative tolerance, the safety factor
// and bounds of the step-size change, and the substep limit per step.
inline constexpr double kRkRtol = 1e-6;
inline constexpr double kRkSafety = 0.9, kRkShrinkMin = 0.2, kRkGrowMax = 5.0;
inline constexpr int kRkMaxSubsteps = 100000;

}  // namespace neuro::num
