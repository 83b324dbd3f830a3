// The learning-rate schedule: warm-up, then exponential, linear or cosine decay to final_lr.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "train/lr_schedule.h"
#include "train/trainer.h"

using namespace hitforge::train;

TEST_CASE("Noam schedule: linear warm-up, then the chosen decay shape to final_lr", "[train]") {
  NoamSchedule s{1e-4, 1e-3, 1e-5, 10, 110};
  // warm-up: linear from init_lr, max_lr at the first step after it
  CHECK(s.lr(0) == Approx(1e-4));
  CHECK(s.lr(5) == Approx(5.5e-4));
  CHECK(s.lr(10) == Approx(1e-3));
  SECTION("exponential (default): geometric mean halfway") {
    CHECK(s.decay == LrDecay::exponential);
    CHECK(s.lr(60) == Approx(1e-4));
    CHECK(s.lr(110) == Approx(1e-5));
  }
  SECTION("linear: arithmetic mean halfway") {
    s.decay = LrDecay::linear;
    CHECK(s.lr(60) == Approx(5.05e-4));
    CHECK(s.lr(35) == Approx(1e-3 - 0.25 * 9.9e-4));
    CHECK(s.lr(110) == Approx(1e-5));
  }
  SECTION("cosine: arithmetic mean halfway, flat at both ends") {
    s.decay = LrDecay::cosine;
    CHECK(s.lr(60) == Approx(5.05e-4));
    CHECK(s.lr(11) > 0.999e-3);           // barely below the peak after one step
    CHECK(s.lr(109) < 1.3e-5);            // barely above the floor before the last
    CHECK(s.lr(35) > 1e-3 - 0.25 * 9.9e-4);  // above the straight line in the first half
  }
  // past the end every shape clamps to final_lr, and the rate never rises after the peak
  for (LrDecay d : {LrDecay::exponential, LrDecay::linear, LrDecay::cosine}) {
    s.decay = d;
    CHECK(s.lr(500) == Approx(1e-5));
    for (std::int64_t k = 10; k < 110; ++k) CHECK(s.lr(k + 1) <= s.lr(k));
  }
}

TEST_CASE("LR decay names parse; an unknown one is an error naming it", "[train]") {
  CHECK(parse_lr_decay("exponential") == LrDecay::exponential);
  CHECK(parse_lr_decay("linear") == LrDecay::linear);
  CHECK(parse_lr_decay("cosine") == LrDecay::cosine);
  CHECK_THROWS_WITH(parse_lr_decay("step"), Catch::Contains("'step'"));
  CHECK_THROWS_AS(parse_lr_decay("Linear"), hitforge::core::UsageError);
}

TEST_CASE("Noam schedule options are checked: rates finite and >= 0, exponential needs final_lr > 0", "[train]") {
  NoamSchedule ok{1e-4, 1e-3, 1e-5, 0, 10};
  CHECK_NOTHROW(ok.validate());
  CHECK(ok.lr(0) == Approx(1e-3));  // no warm-up: the peak at the first step
  NoamSchedule to_zero = ok;
  to_zero.final_lr = 0;
  CHECK_THROWS_WITH(to_zero.validate(), Catch::Contains("exponential") && Catch::Contains("--final-lr 0"));
  to_zero.decay = LrDecay::linear;
  CHECK_NOTHROW(to_zero.validate());
  CHECK(to_zero.lr(10) == 0.0);
  NoamSchedule negative = ok;
  negative.init_lr = -1e-4;
  CHECK_THROWS_AS(negative.validate(), hitforge::core::UsageError);
  NoamSchedule no_peak = ok;
  no_peak.max_lr = 0;
  no_peak.decay = LrDecay::cosine;
  CHECK_THROWS_WITH(no_peak.validate(), Catch::Contains("--lr"));
}

TEST_CASE("make_schedule maps a run's options to steps: warm-up epochs, total steps, decay shape", "[train]") {
  TrainOptions o;
  o.init_lr = 1e-4;
  o.max_lr = 2e-3;
  o.final_lr = 1e-5;
  o.epochs = 3;
  o.warmup_epochs = 0.25;
  o.lr_decay = "linear";
  const NoamSchedule s = make_schedule(o, 40);
  CHECK(s.warmup_steps == 10);
  CHECK(s.total_steps == 120);
  CHECK(s.decay == LrDecay::linear);
  CHECK(s.lr(0) == Approx(1e-4));
  CHECK(s.lr(10) == Approx(2e-3));
  CHECK(s.lr(65) == Approx(2e-3 + (1e-5 - 2e-3) * 0.5));  // half-way through the decay
  CHECK(s.lr(120) == Approx(1e-5));
  o.lr_decay = "step";
  CHECK_THROWS_WITH(make_schedule(o, 40), Catch::Contains("'step'"));
}
