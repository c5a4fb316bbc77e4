#include "cloudstate/tck/case_registry.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace cloudstate::tck {

CaseBuilder& CaseBuilder::Rules(std::vector<std::string> rule_ids) {
  spec_->rule_ids = std::move(rule_ids);
  return *this;
}
CaseBuilder& CaseBuilder::Required() {
  spec_->level = CaseLevel::kRequired;
  return *this;
}
CaseBuilder& CaseBuilder::Optional() {
  spec_->level = CaseLevel::kOptional;
  return *this;
}
CaseBuilder& CaseBuilder::Robustness() {
  spec_->level = CaseLevel::kRobustness;
  return *this;
}
CaseBuilder& CaseBuilder::Describe(std::string description) {
  spec_->description = std::move(description);
  return *this;
}
CaseBuilder& CaseBuilder::Hint(std::string hint) {
  spec_->hint = std::move(hint);
  return *this;
}
CaseBuilder& CaseBuilder::Needs(std::vector<std::string> services) {
  spec_->services = std::move(services);
  return *this;
}
CaseBuilder& CaseBuilder::Original(std::string original_id) {
  spec_->original_id = std::move(original_id);
  return *this;
}
CaseBuilder& CaseBuilder::Area(std::string area) {
  spec_->area = std::move(area);
  return *this;
}
CaseBuilder& CaseBuilder::NeedsInterceptor() {
  spec_->capabilities |= kCapInterceptor;
  return *this;
}
CaseBuilder& CaseBuilder::NeedsHttp() {
  spec_->capabilities |= kCapHttp;
  return *this;
}
CaseBuilder& CaseBuilder::Run(CaseBody body) {
  spec_->suite = Suite::kFunction;
  spec_->body = std::move(body);
  return *this;
}
CaseBuilder& CaseBuilder::Run(ProxyCaseBody body) {
  spec_->suite = Suite::kProxy;
  spec_->proxy_body = std::move(body);
  return *this;
}

CaseRegistry& CaseRegistry::Global() {
  static CaseRegistry* registry = new CaseRegistry();
  return *registry;
}

CaseBuilder CaseRegistry::Add(std::string name) {
  auto spec = std::make_unique<CaseSpec>();
  spec->area = name.substr(0, name.find('.'));
  spec->name = std::move(name);
  specs_.push_back(std::move(spec));
  return CaseBuilder(specs_.back().get());
}

const CaseSpec* CaseRegistry::Add(CaseSpec spec) {
  if (spec.area.empty()) {
    spec.area = spec.name.substr(0, spec.name.find('.'));
  }
  specs_.push_back(std::make_unique<CaseSpec>(std::move(spec)));
  return specs_.back().get();
}

size_t CaseRegistry::size(Suite suite) const {
  return static_cast<size_t>(std::count_if(specs_.begin(), specs_.end(),
                                           [&](const auto& s) { return s->suite == suite; }));
}

namespace {
int AreaRank(const std::string& area) {
  static const std::vector<std::string> kOrder = {"discovery",    "action", "valueentity",
                                                  "eventsourced", "crdt",   "eventing"};
  auto it = std::find(kOrder.begin(), kOrder.end(), area);
  return it == kOrder.end() ? static_cast<int>(kOrder.size())
                            : static_cast<int>(it - kOrder.begin());
}
}  // namespace

std::vector<const CaseSpec*> CaseRegistry::Sorted(Suite suite) const {
  std::vector<const CaseSpec*> out;
  out.reserve(specs_.size());
  for (const auto& spec : specs_) {
    if (spec->suite == suite) {
      out.push_back(spec.get());
    }
  }
  if (suite == Suite::kProxy) {
    std::stable_sort(out.begin(), out.end(),
                     [](const CaseSpec* a, const CaseSpec* b) { return a->name < b->name; });
    return out;
  }
  // Stable: within an area keep the registration order, which follows the original TCK's order.
  std::stable_sort(out.begin(), out.end(), [](const CaseSpec* a, const CaseSpec* b) {
    int ra = AreaRank(a->area);
    int rb = AreaRank(b->area);
    if (ra != rb) {
      return ra < rb;
    }
    if (ra == AreaRank("")) {
      return a->area < b->area;
    }
    return false;
  });
  return out;
}

const CaseSpec* CaseRegistry::Find(std::string_view name) const {
  for (const auto& spec : specs_) {
    if (spec->name == name) {
      return spec.get();
    }
  }
  return nullptr;
}

std::vector<std::string> CaseRegistry::Validate() const {
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& spec : specs_) {
    if (!seen.insert(spec->name).second) {
      problems.push_back(absl::StrCat("duplicate case name ", spec->name));
    }
    if (spec->name.find('.') == std::string::npos) {
      problems.push_back(absl::StrCat(spec->name, ": name must be <area>.<snake_case>"));
    }
    if (spec->rule_ids.empty()) {
      problems.push_back(absl::StrCat(spec->name, ": no rule ids"));
    }
    if (spec->description.empty()) {
      problems.push_back(absl::StrCat(spec->name, ": no description"));
    }
    if (!spec->HasBody()) {
      problems.push_back(absl::StrCat(spec->name, ": no body"));
    }
  }
  return problems;
}

}  // namespace cloudstate::tck
