#include "egress/destination.hpp"

#include <utility>

namespace staticgate::egress {

std::string destination::to_string() const {
  if (!is_name()) return address.to_string();
  return name + ':' + std::to_string(port);
}

destination destination::from_name(std::string name, std::uint16_t port) {
  destination d;
  d.name = std::move(name);
  d.port = port;
  return d;
}

destination destination::from_address(net::endpoint address) {
  destination d;
  d.port = address.port();
  d.address = std::move(address);
  return d;
}

}  // namespace staticgate::egress
