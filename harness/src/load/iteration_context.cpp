#include "gauntlet/load/iteration_context.hpp"

namespace gauntlet {

std::pair<ErrorClass, std::string> classify_exception(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const StepFailure& e) {
    return {e.error_class(), e.what()};
  } catch (const std::exception& e) {
    return {ErrorClass::kException, e.what()};
  } catch (...) {
    return {ErrorClass::kException, "unknown exception"};
  }
}

void IterationContext::fail(ErrorClass error, std::string_view message) {
  if (in_step_) {
    if (!step_error_) step_error_ = error;
    shard_.record_error_message(step_name_, error, message);
  } else {
    if (!iteration_error_) iteration_error_ = error;
    shard_.record_error_message("", error, message);
  }
}

bool IterationContext::check(bool condition, std::string_view message) {
  if (!condition) fail(ErrorClass::kAssertion, message);
  return condition;
}

IterationContext::StepState IterationContext::begin_step(std::string_view name) noexcept {
  StepState state{name, clock_.now(), in_step_, step_name_, step_error_};
  in_step_ = true;
  step_name_ = name;
  step_error_.reset();
  return state;
}

void IterationContext::restore(const StepState& state) noexcept {
  in_step_ = state.outer_in_step;
  step_name_ = state.outer_name;
  step_error_ = state.outer_error;
}

void IterationContext::end_step(const StepState& state) noexcept {
  const Clock::time_point now = clock_.now();
  const std::optional<ErrorClass> error = step_error_;
  shard_.record_step(state.name, now - state.started, error, now);
  restore(state);
  // A failed inner step fails its enclosing step, and every step's failure fails the iteration.
  if (error && in_step_ && !step_error_) step_error_ = error;
  if (error && !iteration_error_) iteration_error_ = error;
}

void IterationContext::end_step_with_exception(const StepState& state,
                                               const std::exception_ptr& error) {
  const Clock::time_point now = clock_.now();
  auto [error_class, message] = classify_exception(error);
  // An earlier fail() in this step keeps its class: it was the first failure.
  const ErrorClass recorded = step_error_.value_or(error_class);
  shard_.record_step(state.name, now - state.started, recorded, now);
  shard_.record_error_message(state.name, error_class, message);
  restore(state);
  if (!iteration_error_) iteration_error_ = recorded;
}

}  // namespace gauntlet
