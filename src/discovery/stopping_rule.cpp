#include "discovery/stopping_rule.hpp"

#include <algorithm>
#include <cmath>

namespace staticgate::discovery {
namespace {

std::uint32_t sane_answer_size(std::uint32_t m) { return m == 0 ? 1 : m; }

}  // namespace

std::uint32_t quiet_answers_needed(std::size_t pool_estimate, std::uint32_t answer_size, double epsilon) {
  const std::uint32_t m = sane_answer_size(answer_size);
  if (!(epsilon > 0.0 && epsilon < 1.0)) epsilon = 1e-3;
  const double n = static_cast<double>(std::max<std::size_t>(pool_estimate, std::size_t{m} + 1));
  const double k = std::ceil(std::log(epsilon / n) / std::log1p(-static_cast<double>(m) / n));
  if (!(k >= 1.0)) return 1;  // at least one quiet answer, whatever rounding does
  if (k >= static_cast<double>(UINT32_MAX)) return UINT32_MAX;
  return static_cast<std::uint32_t>(k);
}

lookup_planner::lookup_planner(stopping_options options) : options_(options) {}

void lookup_planner::record_answer(const std::set<std::string>& answer) {
  ++lookups_;
  if (!answer.empty() && answer.size() < sane_answer_size(options_.answer_size)) short_answer_ = true;
  const std::size_t before = seen_.size();
  seen_.insert(answer.begin(), answer.end());
  quiet_ = seen_.size() == before ? quiet_ + 1 : 0;
}

bool lookup_planner::should_continue() const {
  if (short_answer_ || lookups_ >= options_.max_lookups) return false;
  return quiet_ < quiet_answers_needed(seen_.size(), options_.answer_size, options_.epsilon);
}

std::uint32_t lookup_planner::next_batch() const {
  if (!should_continue()) return 0;
  return std::min(std::max<std::uint32_t>(options_.batch_size, 1), options_.max_lookups - lookups_);
}

}  // namespace staticgate::discovery
