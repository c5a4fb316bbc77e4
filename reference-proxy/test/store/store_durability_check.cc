// Durability through a crash of the writing process (ctest label "integration"): a child process
// writes through the store and prints every acknowledged write; the test kills it with SIGKILL
// after a number of acknowledgements (driven by its output, not by time), reopens the same SQLite
// file or PostgreSQL schema and checks that every acknowledged event and value is there.
//
// What this proves: an OK from the store means the write left the process (SQLite: in the WAL
// file, fsynced with synchronous=FULL; PostgreSQL: committed with synchronous_commit=on). It does
// not simulate power loss of the machine.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "store/durability_payload.h"
#include "store/postgres_test_util.h"
#include <sys/wait.h>

extern char** environ;

namespace cloudstate::proxy::testing {
namespace {

struct WriterRun {
  std::map<int, int64_t> last_acked;  // thread => highest acknowledged sequence
  int total_acks = 0;
  bool killed = false;
  std::string error;
};

// Runs the writer, kills it after `kill_after` acknowledgements and collects every ACK it printed
// (the ones still in the pipe after the kill count too: they were acknowledged before it).
WriterRun RunAndKill(const std::vector<std::string>& args, int kill_after) {
  WriterRun run;
  int fds[2];
  if (pipe(fds) != 0) {
    run.error = "pipe failed";
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> argv;
  std::vector<std::string> all = {CS_STORE_DURABILITY_WRITER};
  all.insert(all.end(), args.begin(), args.end());
  for (std::string& a : all) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    run.error = "cannot start the writer";
    return run;
  }

  std::string buffer;
  char chunk[4096];
  while (true) {
    pollfd p{fds[0], POLLIN, 0};
    // Generous: the writer acknowledges many writes per second; a minute without output is a hang.
    if (poll(&p, 1, 60000) <= 0) {
      run.error = "writer silent for 60 s";
      break;
    }
    const ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) {
      break;  // EOF: the writer is gone and the pipe drained
    }
    buffer.append(chunk, static_cast<size_t>(n));
    size_t eol;
    while ((eol = buffer.find('\n')) != std::string::npos) {
      std::istringstream line(buffer.substr(0, eol));
      buffer.erase(0, eol + 1);
      std::string word;
      int thread = -1;
      int64_t seq = 0;
      line >> word >> thread >> seq;
      if (word != "ACK") {
        continue;
      }
      if (seq != run.last_acked[thread] + 1) {
        run.error = "acknowledgements out of order";
      }
      run.last_acked[thread] = seq;
      if (++run.total_acks == kill_after && !run.killed) {
        kill(pid, SIGKILL);
        run.killed = true;
      }
    }
  }
  close(fds[0]);
  if (!run.killed) {
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (run.error.empty() && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
    run.error = "writer ended on its own (status " + std::to_string(status) +
                ") before it was killed; see its stderr";
  }
  return run;
}

void ExpectAcknowledgedWritesPresent(Store& store, const std::string& prefix, int threads,
                                     const WriterRun& run) {
  ASSERT_EQ(static_cast<int>(run.last_acked.size()), threads);
  for (int t = 0; t < threads; ++t) {
    const int64_t acked = run.last_acked.at(t);
    const std::string key = DurabilityKey(prefix, t);
    auto highest = store.HighestSequence(key);
    ASSERT_TRUE(highest.ok()) << highest.status();
    // The write in flight at the kill may or may not have landed; nothing beyond it can have.
    EXPECT_GE(*highest, acked) << key;
    EXPECT_LE(*highest, acked + 1) << key;
    auto events = store.ReadEvents(key, 1, 0);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_GE(static_cast<int64_t>(events->size()), acked) << key;
    for (int64_t seq = 1; seq <= acked; ++seq) {
      const StoredEvent& e = (*events)[static_cast<size_t>(seq - 1)];
      ASSERT_EQ(e.sequence, seq);
      ASSERT_EQ(e.payload, DurabilityEvent(t, seq)) << key << " event " << seq;
    }
    auto value = store.LoadValue(prefix, std::to_string(t));
    ASSERT_TRUE(value.ok()) << value.status();
    ASSERT_TRUE(value->has_value()) << "value of thread " << t << " lost";
    const int64_t value_seq = std::stoll((*value)->value);
    EXPECT_GE(value_seq, acked) << "value of thread " << t;
    EXPECT_LE(value_seq, *highest) << "value of thread " << t;
  }
}

TEST(StoreDurabilityTest, SqliteKeepsAcknowledgedWritesAfterKill9) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cs-store-durability-" + std::to_string(getpid()) + ".db"))
                               .string();
  constexpr int kThreads = 3;
  const WriterRun run =
      RunAndKill({"sqlite:" + path, "-", "dur", std::to_string(kThreads), "1000000"}, 600);
  ASSERT_EQ(run.error, "");
  ASSERT_TRUE(run.killed);
  RecordProperty("acknowledged_writes", run.total_acks);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status();
  ExpectAcknowledgedWritesPresent(**store, "dur", kThreads, run);
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

// Eight writer threads, so the kill lands while group-commit batches are being formed.
TEST(StoreDurabilityTest, PostgresKeepsAcknowledgedWritesAfterKill9) {
  const std::string url = PostgresUrl();
  if (url.empty()) {
    GTEST_SKIP() << kNoPostgresMessage;
  }
  const std::string schema = FreshSchemaName("durability");
  constexpr int kThreads = 8;
  const WriterRun run = RunAndKill({url, schema, "dur", std::to_string(kThreads), "1000000"}, 1200);
  EXPECT_EQ(run.error, "");
  if (run.error.empty()) {
    EXPECT_TRUE(run.killed);
    PostgresStoreOptions options;
    options.schema = schema;
    auto store = OpenPostgresStore(url, std::move(options));
    ASSERT_TRUE(store.ok()) << store.status();
    ExpectAcknowledgedWritesPresent(**store, "dur", kThreads, run);
    RecordProperty("acknowledged_writes", run.total_acks);
  }
  DropSchema(url, schema);
}

}  // namespace
}  // namespace cloudstate::proxy::testing
