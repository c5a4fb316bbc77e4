#include "cloudstate/cluster/etcd_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cloudstate::cluster {

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

absl::Status FromGrpc(const grpc::Status& status, std::string_view what) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      "etcd " + std::string(what) + ": " + status.error_message());
}

EtcdClient::EtcdClient(std::string endpoint, absl::Duration rpc_timeout)
    : endpoint_(std::move(endpoint)),
      rpc_timeout_(rpc_timeout),
      channel_(grpc::CreateChannel(endpoint_, grpc::InsecureChannelCredentials())),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      lease_(etcdserverpb::Lease::NewStub(channel_)),
      watch_(etcdserverpb::Watch::NewStub(channel_)) {}

void EtcdClient::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(rpc_timeout_));
}

absl::Status EtcdClient::WaitReady(absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  context.set_wait_for_ready(true);
  etcdserverpb::RangeRequest request;
  request.set_key("/");
  request.set_count_only(true);
  etcdserverpb::RangeResponse response;
  return FromGrpc(kv_->Range(&context, request, &response), "Range (readiness)");
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::RangeResponse response;
  grpc::Status status = kv_->Range(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "Range");
  }
  return response;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::RangePrefix(std::string_view prefix) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(prefix));
  request.set_range_end(PrefixRangeEnd(prefix));
  return Range(request);
}

absl::StatusOr<etcdserverpb::PutResponse> EtcdClient::Put(std::string_view key,
                                                          std::string_view value, int64_t lease) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::PutRequest request;
  request.set_key(std::string(key));
  request.set_value(std::string(value));
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  grpc::Status status = kv_->Put(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "Put");
  }
  return response;
}

absl::StatusOr<etcdserverpb::DeleteRangeResponse> EtcdClient::DeletePrefix(
    std::string_view prefix) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(std::string(prefix));
  request.set_range_end(PrefixRangeEnd(prefix));
  etcdserverpb::DeleteRangeResponse response;
  grpc::Status status = kv_->DeleteRange(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "DeleteRange");
  }
  return response;
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(const etcdserverpb::TxnRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::TxnResponse response;
  grpc::Status status = kv_->Txn(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "Txn");
  }
  return response;
}

absl::StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::LeaseGrant(absl::Duration ttl) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::LeaseGrantRequest request;
  // etcd counts TTLs in whole seconds.
  request.set_ttl(std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1)))));
  etcdserverpb::LeaseGrantResponse response;
  grpc::Status status = lease_->LeaseGrant(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "LeaseGrant");
  }
  if (!response.error().empty()) {
    return absl::UnavailableError(absl::StrCat("etcd LeaseGrant: ", response.error()));
  }
  return response;
}

absl::Status EtcdClient::LeaseRevoke(int64_t lease) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  return FromGrpc(lease_->LeaseRevoke(&context, request, &response), "LeaseRevoke");
}

absl::StatusOr<int64_t> EtcdClient::LeaseTimeToLive(int64_t lease) {
  grpc::ClientContext context;
  SetDeadline(context);
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseTimeToLiveResponse response;
  grpc::Status status = lease_->LeaseTimeToLive(&context, request, &response);
  if (!status.ok()) {
    return FromGrpc(status, "LeaseTimeToLive");
  }
  return response.ttl();
}

bool EtcdClient::KeepAliveStream::Send(int64_t lease) {
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease);
  return stream_->Write(request);
}

bool EtcdClient::KeepAliveStream::Read(etcdserverpb::LeaseKeepAliveResponse& response) {
  return stream_->Read(&response);
}

grpc::Status EtcdClient::KeepAliveStream::Finish() {
  stream_->WritesDone();
  return stream_->Finish();
}

std::unique_ptr<EtcdClient::KeepAliveStream> EtcdClient::OpenKeepAlive() {
  auto stream = std::make_unique<KeepAliveStream>();
  stream->stream_ = lease_->LeaseKeepAlive(&stream->context_);
  return stream;
}

bool EtcdClient::WatchStream::Read(etcdserverpb::WatchResponse& response) {
  return stream_->Read(&response);
}

grpc::Status EtcdClient::WatchStream::Finish() {
  stream_->WritesDone();
  return stream_->Finish();
}

absl::StatusOr<std::unique_ptr<EtcdClient::WatchStream>> EtcdClient::OpenWatch(
    std::string_view key, std::string_view range_end, int64_t start_revision) {
  auto stream = std::make_unique<WatchStream>();
  stream->stream_ = watch_->Watch(&stream->context_);
  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(std::string(key));
  create->set_range_end(std::string(range_end));
  create->set_start_revision(start_revision);
  if (!stream->stream_->Write(request)) {
    return FromGrpc(stream->Finish(), "Watch (create)");
  }
  etcdserverpb::WatchResponse response;
  if (!stream->stream_->Read(&response)) {
    return FromGrpc(stream->Finish(), "Watch (created)");
  }
  if (!response.created() || response.canceled()) {
    stream->Cancel();
    stream->Finish();
    return absl::FailedPreconditionError(
        absl::StrCat("etcd Watch not created: ", response.cancel_reason(), " (compact revision ",
                     response.compact_revision(), ")"));
  }
  return stream;
}

}  // namespace cloudstate::cluster
