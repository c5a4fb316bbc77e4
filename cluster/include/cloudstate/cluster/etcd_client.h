#pragma once
// A small synchronous client of etcd's v3 gRPC API (KV, Txn, Lease, Watch) on our own protos in
// proto/etcd/. One channel per client; every unary call has a deadline. Streams are objects whose
// blocking Read can be interrupted from another thread with Cancel().

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace cloudstate::cluster {

// The end of the key range that holds every key starting with `prefix` (etcd's "prefix end":
// the prefix with its last byte below 0xff incremented; "\0" for an all-0xff or empty prefix).
std::string PrefixRangeEnd(std::string_view prefix);

absl::Status FromGrpc(const grpc::Status& status, std::string_view what);

class EtcdClient {
 public:
  // `endpoint`: host:port of an etcd client URL without the scheme (plain-text HTTP/2).
  explicit EtcdClient(std::string endpoint, absl::Duration rpc_timeout = absl::Seconds(10));

  const std::string& endpoint() const { return endpoint_; }

  // Waits until the server answers (etcd may still be starting), up to `timeout`.
  absl::Status WaitReady(absl::Duration timeout);

  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request);
  // Every key starting with `prefix`, as of the returned header revision.
  absl::StatusOr<etcdserverpb::RangeResponse> RangePrefix(std::string_view prefix);
  absl::StatusOr<etcdserverpb::PutResponse> Put(std::string_view key, std::string_view value,
                                                int64_t lease = 0);
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeletePrefix(std::string_view prefix);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request);

  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(absl::Duration ttl);
  absl::Status LeaseRevoke(int64_t lease);
  // Seconds left on a lease; -1 once it has expired or been revoked.
  absl::StatusOr<int64_t> LeaseTimeToLive(int64_t lease);

  // A LeaseKeepAlive stream: Send(id) renews, Read() blocks for the next acknowledgement.
  class KeepAliveStream {
   public:
    bool Send(int64_t lease);
    bool Read(etcdserverpb::LeaseKeepAliveResponse& response);
    // Unblocks Read(); the stream is unusable afterwards.
    void Cancel() { context_.TryCancel(); }
    grpc::Status Finish();

   private:
    friend class EtcdClient;
    grpc::ClientContext context_;
    std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest,
                                             etcdserverpb::LeaseKeepAliveResponse>>
        stream_;
  };
  std::unique_ptr<KeepAliveStream> OpenKeepAlive();

  // A Watch stream with one watcher over [key, range_end) from start_revision.
  class WatchStream {
   public:
    // Blocks for the next response (created, events, canceled); false when the stream ended.
    bool Read(etcdserverpb::WatchResponse& response);
    void Cancel() { context_.TryCancel(); }
    grpc::Status Finish();

   private:
    friend class EtcdClient;
    grpc::ClientContext context_;
    std::unique_ptr<
        grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
        stream_;
  };
  // The watch is created before this returns (the "created" response has been read).
  absl::StatusOr<std::unique_ptr<WatchStream>> OpenWatch(std::string_view key,
                                                         std::string_view range_end,
                                                         int64_t start_revision);

 private:
  void SetDeadline(grpc::ClientContext& context) const;

  std::string endpoint_;
  absl::Duration rpc_timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
};

}  // namespace cloudstate::cluster
