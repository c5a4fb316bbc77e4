#pragma once
// The registry of live entity shells.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"

#include "cloudstate/proxy_core/entity_key.h"
#include "shell/entity_shell.h"

namespace cloudstate::proxy {

// All live shells of one entity kind, by EntityKey(KeyKind::kEntity, ...).
template <class Traits>
class Registry {
 public:
  using ShellT = Shell<Traits>;

  // Runs fn(shell) on the entity's strand, creating the shell if needed.
  void Dispatch(ProxyImpl* proxy, const EntityConfig* config, const std::string& entity_id,
                asio::io_context& io, std::function<void(ShellT&)> fn) {
    std::shared_ptr<ShellT> shell;
    {
      std::lock_guard lock(mu_);
      auto& slot = shells_[EntityKey(KeyKind::kEntity, *config, entity_id)];
      if (slot == nullptr) {
        slot = std::make_shared<ShellT>(proxy, config, entity_id, io);
      }
      shell = slot;
      shell->pending()++;
    }
    asio::post(shell->strand(), [shell, fn = std::move(fn)] {
      shell->pending()--;
      fn(*shell);
    });
  }

  // Called on the shell's strand when it passivated; false if work is queued for it.
  bool TryRemove(const EntityConfig* config, ShellT* shell) {
    std::lock_guard lock(mu_);
    if (shell->pending() != 0) {
      return false;
    }
    auto it = shells_.find(EntityKey(KeyKind::kEntity, *config, shell->entity_id()));
    if (it != shells_.end() && it->second.get() == shell) {
      shells_.erase(it);
    }
    return true;
  }

  std::vector<std::shared_ptr<ShellT>> All() {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<ShellT>> out;
    for (auto& [k, v] : shells_) {
      out.push_back(v);
    }
    return out;
  }

  size_t size() {
    std::lock_guard lock(mu_);
    return shells_.size();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ShellT>> shells_;
};

}  // namespace cloudstate::proxy
