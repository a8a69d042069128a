#include "analyze/fit_formula.h"

#include <catch2/catch.hpp>

using namespace tt::analyze;

TEST_CASE("numbers in formulas have three significant digits and no exponent") {
  CHECK(significant(1569.4) == "1569");
  CHECK(significant(250.04) == "250");
  CHECK(significant(40.12) == "40.1");
  CHECK(significant(3.0) == "3");
  CHECK(significant(0.012345) == "0.0123");
  CHECK(significant(-0.5) == "-0.5");
  CHECK(significant(99.96) == "100");
  CHECK(significant(0) == "0");
}

TEST_CASE("formulas write each sign once") {
  SeriesFit line;
  line.chosen = "line";
  line.line.fit = Fit<LinearModel>{{120, -1569.4}, {}};
  CHECK(fitFormula(line) == "120 - 1569*x");

  SeriesFit queueing;
  queueing.chosen = "queueing";
  queueing.queueing.fit = Fit<QueueingModel>{{250.04, 40.12, 12.003}, {}};
  CHECK(fitFormula(queueing) == "250 + 40.1*x/(12 - x)");

  SeriesFit piecewise;
  piecewise.chosen = "piecewise";
  piecewise.piecewise.fit = Fit<PiecewiseModel>{{-3.5, -5, 60, 20}, {}};
  CHECK(fitFormula(piecewise) == "-3.5 - 5*x + 60*max(0, x - 20)");

  CHECK(fitFormula(SeriesFit{}).empty());
}
