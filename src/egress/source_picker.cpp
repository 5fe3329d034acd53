#include "egress/source_picker.hpp"

#include <algorithm>

namespace staticgate::egress {
namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

source_picker::source_picker(std::vector<ip_address> addresses, config::source_selection mode,
                             std::map<std::string, ip_address, std::less<>> pinned)
    : addresses_(std::move(addresses)), mode_(mode), pinned_(std::move(pinned)) {}

bool source_picker::has_family(bool v6) const {
  return std::any_of(addresses_.begin(), addresses_.end(), [v6](const ip_address& a) { return a.is_v6() == v6; });
}

bool source_picker::uses_turn(std::string_view user) const {
  if (mode_ == config::source_selection::destination_hash) return false;
  if (mode_ == config::source_selection::per_user && pinned_.find(user) != pinned_.end()) return false;
  return true;
}

std::vector<ip_address> source_picker::order(std::string_view user, std::string_view destination_host, bool v6,
                                             std::uint64_t turn) const {
  std::vector<ip_address> family;
  for (const auto& a : addresses_)
    if (a.is_v6() == v6) family.push_back(a);
  if (family.empty()) return family;
  std::uint64_t start = turn;
  if (mode_ == config::source_selection::destination_hash) start = fnv1a(destination_host);
  std::rotate(family.begin(), family.begin() + static_cast<std::ptrdiff_t>(start % family.size()), family.end());
  if (mode_ == config::source_selection::per_user) {
    if (auto it = pinned_.find(user); it != pinned_.end()) {
      auto pos = std::find(family.begin(), family.end(), it->second);
      if (pos != family.end()) std::rotate(family.begin(), pos, pos + 1);  // pinned first, the rest keep their order
    }
  }
  return family;
}

}  // namespace staticgate::egress
