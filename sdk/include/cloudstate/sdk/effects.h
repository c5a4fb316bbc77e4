#pragma once
// Building blocks shared by every entity kind: side effects, forwards, replies and failures as
// protocol messages, plus metadata look-up.
//
//   ctx.AddSideEffect(MakeSideEffect("pkg.Two", "Call", request, /*synchronous=*/true));

#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

#include "cloudstate/entity.pb.h"

namespace cloudstate::sdk {

cloudstate::SideEffect MakeSideEffect(std::string service_name, std::string command_name,
                                      const google::protobuf::Message& payload,
                                      bool synchronous = false);
cloudstate::Forward MakeForward(std::string service_name, std::string command_name,
                                const google::protobuf::Message& payload);
cloudstate::Reply MakeReply(const google::protobuf::Message& payload);
cloudstate::Reply MakeReply(google::protobuf::Any payload);

// The first string value of `key` (case-insensitive, as HTTP headers are), if any.
std::optional<std::string> MetadataString(const cloudstate::Metadata& metadata,
                                          std::string_view key);

// Checks that `payload` is a well-formed value of `expected` (type URL names it, bytes parse).
// A google.protobuf.Any input accepts every payload. Returns a description of the problem, or
// nullopt when the payload is fine.
std::optional<std::string> CheckPayload(const google::protobuf::Any& payload,
                                        const google::protobuf::Descriptor& expected);

// Accumulates what a handler asked for while processing one command. Later choices replace
// earlier ones: Fail() > Forward() > a returned reply.
class EffectsCollector {
 public:
  void AddSideEffect(cloudstate::SideEffect effect);
  void SideEffect(std::string service_name, std::string command_name,
                  const google::protobuf::Message& payload, bool synchronous = false) {
    AddSideEffect(
        MakeSideEffect(std::move(service_name), std::move(command_name), payload, synchronous));
  }
  void SetForward(cloudstate::Forward forward);
  void Forward(std::string service_name, std::string command_name,
               const google::protobuf::Message& payload) {
    SetForward(MakeForward(std::move(service_name), std::move(command_name), payload));
  }
  // A client-action failure (the client gets an error, the entity lives on).
  void Fail(std::string description);

  bool failed() const { return failure_.has_value(); }
  const std::optional<std::string>& failure() const { return failure_; }
  const std::optional<cloudstate::Forward>& forward() const { return forward_; }
  const std::vector<cloudstate::SideEffect>& side_effects() const { return side_effects_; }
  std::vector<cloudstate::SideEffect>& mutable_side_effects() { return side_effects_; }

  // The client action for this command given the handler's reply (nullopt: no client action).
  std::optional<cloudstate::ClientAction> ClientActionFor(
      int64_t command_id, const std::optional<google::protobuf::Any>& reply) const;

 private:
  std::vector<cloudstate::SideEffect> side_effects_;
  std::optional<cloudstate::Forward> forward_;
  std::optional<std::string> failure_;
};

}  // namespace cloudstate::sdk
