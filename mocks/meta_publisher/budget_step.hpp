#pragma once
// The SafeExecutor's budget rule, as a pure function: a budget never moves by more than
// `step_cap` (a fraction of the current budget) in one applied change. A target beyond the cap
// is approached in steps: each step goes to the cap boundary, shortened by up to `fuzz` of its
// size (so that steps do not all land on the same round figure, which looks automated), and a
// follow-up change continues towards the target. A target within the cap is applied exactly.
#include <cstdint>

namespace gauntlet::mocks {

struct BudgetStep {
  std::int64_t apply_cents = 0;  // what to send to Meta now
  bool capped = false;           // true: the target is not reached yet, continue later
};

// `current_cents` <= 0 (no budget known) applies the target at once. `step_cap` in (0, 1],
// `fuzz` in [0, 1), `u` a uniform draw in [0, 1) (callers derive it from the change id so a
// retried change computes the same step). A capped step always moves at least one cent towards
// the target and never past the cap or the target.
BudgetStep plan_budget_step(std::int64_t current_cents, std::int64_t target_cents, double step_cap,
                            double fuzz, double u);

// A deterministic draw in [0, 1) from a text (the change id): FNV-1a, then the top 53 bits.
double unit_draw(const char* text, std::size_t size);

}  // namespace gauntlet::mocks
