// npy_compare EXPECTED.npy ACTUAL.npy REL_TOL [max]
// Succeeds iff both arrays have the same shape and every element satisfies
// |actual - expected| <= REL_TOL * max(1, |expected|), or with `max`
// |actual - expected| <= REL_TOL * max over the array of |expected| (the
// output's magnitude). Prints the worst error.
#include "kiln/rt/npy.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "max")) {
    std::fprintf(stderr, "usage: npy_compare EXPECTED.npy ACTUAL.npy REL_TOL [max]\n");
    return 2;
  }
  kiln::rt::NpyArray expected, actual;
  std::string error;
  if (!kiln::rt::readNpy(argv[1], expected, error) || !kiln::rt::readNpy(argv[2], actual, error)) {
    std::fprintf(stderr, "npy_compare: %s\n", error.c_str());
    return 1;
  }
  if (expected.shape != actual.shape) {
    std::fprintf(stderr, "npy_compare: %s: shape mismatch (rank %zu vs %zu)\n", argv[2],
                 expected.shape.size(), actual.shape.size());
    return 1;
  }
  const double tol = std::atof(argv[3]);
  double magnitude = 0.0; // with `max`: the output's largest |value|
  if (argc == 5)
    for (float v : expected.data)
      magnitude = std::fmax(magnitude, std::fabs(double(v)));
  double worst = 0.0, worstExpected = 0.0, worstActual = 0.0;
  std::size_t bad = 0, worstAt = 0;
  for (std::size_t i = 0; i < expected.data.size(); ++i) {
    double e = expected.data[i], a = actual.data[i];
    double err = std::fabs(a - e) / (argc == 5 ? magnitude : std::fmax(1.0, std::fabs(e)));
    if (!(err <= tol)) { // also catches NaN
      ++bad;
      if (!(err <= worst) || std::isnan(err)) {
        worst = err;
        worstAt = i;
        worstExpected = e;
        worstActual = a;
      }
    } else if (bad == 0 && err > worst) {
      worst = err;
      worstAt = i;
    }
  }
  if (bad) {
    std::fprintf(stderr,
                 "npy_compare: %s: %zu of %zu elements off; worst scaled error %.3g at %zu "
                 "(expected %.9g, got %.9g), tolerance %.3g\n",
                 argv[2], bad, expected.data.size(), worst, worstAt, worstExpected,
                 worstActual, tol);
    return 1;
  }
  std::printf("%s: %zu elements, max scaled error %.3g (tolerance %.3g)\n", argv[2],
              expected.data.size(), worst, tol);
  return 0;
}
