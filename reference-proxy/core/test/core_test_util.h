#pragma once
// Helpers for stepping the sans-IO cores: find actions of a given kind in what a core returned.

#include <string>
#include <variant>
#include <vector>

#include "google/protobuf/any.pb.h"

namespace cloudstate::proxy::testing {

template <class A, class V>
std::vector<A> All(const std::vector<V>& actions) {
  std::vector<A> out;
  for (const V& a : actions) {
    if (const A* p = std::get_if<A>(&a)) {
      out.push_back(*p);
    }
  }
  return out;
}

template <class A, class V>
bool Has(const std::vector<V>& actions) {
  return !All<A>(actions).empty();
}

// Index of the first action of kind A, or -1.
template <class A, class V>
int IndexOf(const std::vector<V>& actions) {
  for (size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<A>(actions[i])) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

inline google::protobuf::Any AnyOf(const std::string& type, const std::string& value) {
  google::protobuf::Any any;
  any.set_type_url("type.googleapis.com/" + type);
  any.set_value(value);
  return any;
}

}  // namespace cloudstate::proxy::testing
