#include "front_door.h"

namespace cloudstate::proxy {

Preface ClassifyPreface(std::string_view first_bytes) {
  // Enough of the preface to rule out every HTTP/1.1 request line.
  constexpr size_t kDecisive = 4;  // "PRI "
  const size_t n = std::min(first_bytes.size(), kDecisive);
  if (first_bytes.substr(0, n) != kHttp2Preface.substr(0, n)) {
    return Preface::kHttp1;
  }
  return n == kDecisive ? Preface::kHttp2 : Preface::kUndecided;
}

}  // namespace cloudstate::proxy
